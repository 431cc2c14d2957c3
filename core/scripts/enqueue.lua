-- enqueue: store a new task and make it ready or scheduled.
-- KEYS: 1 t, 2 sched, 3 ready:P, 4 wake, 5 stats, 6 hist, 7 ids,
--       [8 u:KEY]
-- ARGV: 1 id, 2 body, 3 delay_ms, 4 at_ms (0: unset), 5 unique_ms,
--       6 wake cap, 7 given (1: the producer chose the id)
-- Returns the due time (ms) for a scheduled task, 0 for a ready one.
-- Errors: "TQEXIST ..." when the id exists or the unique key is held.
-- A ready task with an id of libtq's (a random UUID, unique) is pushed
-- inline, body and all, and costs no entry in t; a producer's own id
-- must be refused when it exists, or was done lately (see the prelude's
-- ids), so such a task is stored in t and its id in ids.
local id = ARGV[1]
local given = ARGV[7] == '1'
local now = tq_now()
if given then
	if tq_id_taken(KEYS[1], KEYS[7], id, now) then
		return redis.error_reply('TQEXIST task ' .. id ..
		    ' already exists')
	end
	tq_ids_prune(KEYS[7], now, 16)
end
local unique_ms = tonumber(ARGV[5])
if unique_ms > 0 then
	if not redis.call('SET', KEYS[8], id, 'NX', 'PX', unique_ms) then
		local holder = redis.call('GET', KEYS[8]) or '?'
		return redis.error_reply('TQEXIST duplicate of task ' .. holder)
	end
end
if given then
	redis.call('ZADD', KEYS[7], 0, id)
end
local due = tonumber(ARGV[4])
if due == 0 then
	due = now + tonumber(ARGV[3])
end
tq_count(KEYS[5], 'enqueued', 1)
tq_hist(KEYS[6], now, 1, 0, 0)
if due > now then
	redis.call('HSET', KEYS[1], id, ARGV[2])
	redis.call('ZADD', KEYS[2], due, id)
	return due
end
if given then
	redis.call('HSET', KEYS[1], id, ARGV[2])
	redis.call('LPUSH', KEYS[3], id)
else
	redis.call('LPUSH', KEYS[3], ARGV[2])
end
tq_wake(KEYS[4], 1, tonumber(ARGV[6]))
return 0
