-- ack_many: many active tasks of one queue succeeded; the worker's
-- batched form of ack (same checks, same effects, per task).
-- KEYS: 1 active, 2 lease, 3 t, 4 m, 5 stats, 6 hist, 7 ids, then res:ID
--       for each task with a result, in the order of the tasks
-- ARGV: 1 result_ttl_ms, 2 id_ttl_ms, then 3 per task: id, token, result
--       ("" for none)
-- Returns one integer per task: 1 acked, 0 already gone (a retried ack),
-- -1 the token does not own the task (its lease was lost).
local now = tq_now()
local ids, nids = {}, 0
for i = 3, #ARGV, 3 do
	nids = nids + 1
	ids[nids] = ARGV[i]
end
local toks = redis.call('HMGET', KEYS[2], unpack(ids))
-- Counters instead of #t: the length operator searches.
local out, done, ndone = {}, {}, 0
local r = 7
for j = 1, nids do
	local id = ids[j]
	local a = 3 + (j - 1) * 3
	local result = ARGV[a + 2]
	if result ~= '' then
		r = r + 1
	end
	if toks[j] == ARGV[a + 1] then
		if result ~= '' then
			local body = redis.call('HGET', KEYS[3], id) or ''
			redis.call('HSET', KEYS[r], 'body', body,
			    'result', result, 'finished_at', now, 'worker',
			    tq_token_worker(ARGV[a + 1]) or '')
			redis.call('PEXPIRE', KEYS[r], tonumber(ARGV[1]))
		end
		ndone = ndone + 1
		done[ndone] = id
		out[j] = 1
	elseif not toks[j] and redis.call('HEXISTS', KEYS[3], id) == 0 then
		out[j] = 0
	else
		out[j] = -1
	end
end
if ndone > 0 then
	redis.call('ZREM', KEYS[1], unpack(done))
	redis.call('HDEL', KEYS[2], unpack(done))
	redis.call('HDEL', KEYS[3], unpack(done))
	-- Most tasks never failed: no meta to drop.
	if redis.call('EXISTS', KEYS[4]) == 1 then
		redis.call('HDEL', KEYS[4], unpack(done))
	end
	tq_ids_done(KEYS[7], done, ndone, now, tonumber(ARGV[2]))
	tq_count(KEYS[5], 'processed', ndone)
	tq_hist(KEYS[6], now, 0, ndone, 0)
end
return out
