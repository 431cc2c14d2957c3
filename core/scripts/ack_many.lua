-- ack_many: many active tasks of one queue succeeded; the worker's
-- batched form of ack (same checks, same effects, per task).
-- KEYS: 1 active, 2 lease, 3 t, 4 m, 5 stats, 6 hist, then res:ID for
--       each task with a result, in the order of the tasks
-- ARGV: 1 result_ttl_ms, then 3 per task: id, token, result ("" for none)
-- Returns one integer per task: 1 acked, 0 already gone (a retried ack),
-- -1 the token does not own the task (its lease was lost).
local now = tq_now()
local ids = {}
for i = 2, #ARGV, 3 do
	ids[#ids + 1] = ARGV[i]
end
local toks = redis.call('HMGET', KEYS[2], unpack(ids))
local out, done = {}, {}
local r = 6
for j, id in ipairs(ids) do
	local a = 2 + (j - 1) * 3
	local result = ARGV[a + 2]
	if result ~= '' then
		r = r + 1
	end
	if toks[j] == ARGV[a + 1] then
		if result ~= '' then
			local body = redis.call('HGET', KEYS[3], id) or ''
			redis.call('HSET', KEYS[r], 'body', body,
			    'result', result, 'finished_at', now)
			redis.call('PEXPIRE', KEYS[r], tonumber(ARGV[1]))
		end
		done[#done + 1] = id
		out[j] = 1
	elseif not toks[j] and redis.call('HEXISTS', KEYS[3], id) == 0 then
		out[j] = 0
	else
		out[j] = -1
	end
end
if #done > 0 then
	redis.call('ZREM', KEYS[1], unpack(done))
	redis.call('HDEL', KEYS[2], unpack(done))
	redis.call('HDEL', KEYS[3], unpack(done))
	redis.call('HDEL', KEYS[4], unpack(done))
	redis.call('HINCRBY', KEYS[5], 'processed', #done)
	tq_hist(KEYS[6], now, 0, #done, 0)
end
return out
