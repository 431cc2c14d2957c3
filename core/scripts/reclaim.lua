-- reclaim: fail active tasks whose lease ran out ("lease expired"): the
-- worker died, froze or lost its link.  The attempt counts.
-- KEYS: 1 active, 2 lease, 3 t, 4 m, 5 retry, 6 dead, 7 stats, 8 hist,
--       9 ids
-- ARGV: 1 max, 2 dead_max, 3.. retry delays (ms) for attempts 1, 2, ...
-- Returns {reclaimed, earliest live deadline ms or 0}.
local now = tq_now()
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0,
    tonumber(ARGV[1]))
local k = {t = KEYS[3], m = KEYS[4], retry = KEYS[5], dead = KEYS[6],
    stats = KEYS[7], hist = KEYS[8], ids = KEYS[9]}
local steps = #ARGV - 2
for _, id in ipairs(ids) do
	-- The worker that held it is the task's last one.
	local tok = redis.call('HGET', KEYS[2], id)
	redis.call('ZREM', KEYS[1], id)
	redis.call('HDEL', KEYS[2], id)
	if redis.call('HEXISTS', KEYS[3], id) == 1 then
		local meta = tq_decode(redis.call('HGET', KEYS[4], id)) or {}
		local n = (tonumber(meta.retry_count) or 0) + 1
		if n > steps then n = steps end
		tq_failed(k, id, 'lease expired', false,
		    tonumber(ARGV[2 + n]), tonumber(ARGV[2]), now, tok or nil)
	end
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {#ids, tonumber(first[2] or 0)}
