-- requeue: dead tasks back to ready, their retry count reset.
-- KEYS: 1 dead, 2 t, 3 m, 4 wake, 5..14 ready:9 .. ready:0
-- ARGV: 1 max, 2 wake cap, 3 min age ms, 4 cycle cap (0: none),
--       5 offset, 6.. ids
-- With ids, requeues those.  Without, the oldest max dead tasks from
-- offset that have been dead at least min age; with a cycle cap, tasks
-- already requeued that many times are skipped (tqd's auto-requeue).
-- Returns {requeued, missing, skipped}: missing ids were not dead
-- (someone else requeued or purged them first).
local ids = {}
for i = 6, #ARGV do
	ids[#ids + 1] = ARGV[i]
end
if #ids == 0 then
	local age = tonumber(ARGV[3])
	local upto = '+inf'
	if age > 0 then
		upto = tq_now() - age
	end
	ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', upto, 'LIMIT',
	    tonumber(ARGV[5]), tonumber(ARGV[1]))
end
local cycles = tonumber(ARGV[4])
local done, missing, skipped = 0, 0, 0
for _, id in ipairs(ids) do
	local body = redis.call('HGET', KEYS[2], id)
	local meta = tq_decode(redis.call('HGET', KEYS[3], id)) or {}
	local n = tonumber(meta.requeued) or 0
	if cycles > 0 and n >= cycles and redis.call('ZSCORE', KEYS[1], id) then
		skipped = skipped + 1
	elseif redis.call('ZREM', KEYS[1], id) == 1 and body then
		meta.retry_count = 0
		meta.requeued = n + 1
		redis.call('HSET', KEYS[3], id, cjson.encode(meta))
		redis.call('LPUSH', KEYS[14 - tq_priority(body)], id)
		done = done + 1
	else
		missing = missing + 1
	end
end
tq_wake(KEYS[4], done, tonumber(ARGV[2]))
return {done, missing, skipped}
