-- reclaim: fail active tasks whose lease ran out ("lease expired"): the
-- worker died, froze or lost its link.  The attempt counts.  Or, with a
-- sweep cursor, fail those in active that have no lease record at all
-- ("lease lost"): no worker can ack, extend or release them, and their
-- deadline may be far off.
-- KEYS: 1 active, 2 lease, 3 t, 4 m, 5 retry, 6 dead, 7 stats, 8 hist,
--       9 ids
-- ARGV: 1 max, 2 dead_max, 3 sweep cursor (-1: reclaim expired leases),
--       4.. retry delays (ms) for attempts 1, 2, ...
-- Returns {reclaimed, earliest live deadline ms or 0}, or when sweeping
-- {recovered, next cursor or 0 when the sweep went round}.
local now = tq_now()
local k = {t = KEYS[3], m = KEYS[4], retry = KEYS[5], dead = KEYS[6],
    stats = KEYS[7], hist = KEYS[8], ids = KEYS[9]}
local max = tonumber(ARGV[1])
local steps = #ARGV - 3

-- Fail id, out of active, as the worker that held it (token tok) would.
local function fail(id, why, tok)
	redis.call('ZREM', KEYS[1], id)
	redis.call('HDEL', KEYS[2], id)
	if redis.call('HEXISTS', KEYS[3], id) == 1 then
		local meta = tq_decode(redis.call('HGET', KEYS[4], id)) or {}
		local n = (tonumber(meta.retry_count) or 0) + 1
		if n > steps then n = steps end
		tq_failed(k, id, why, false, tonumber(ARGV[3 + n]),
		    tonumber(ARGV[2]), now, tok)
	end
end

local from = tonumber(ARGV[3])
if from >= 0 then
	-- A window of max ids by rank: bounded, and the next call goes on
	-- from where this one stopped (ranks shift by those removed).
	local ids = redis.call('ZRANGE', KEYS[1], from, from + max - 1)
	local n = 0
	for _, id in ipairs(ids) do
		if redis.call('HEXISTS', KEYS[2], id) == 0 then
			fail(id, 'lease lost', nil)
			n = n + 1
		end
	end
	if #ids < max then
		return {n, 0}
	end
	return {n, from + #ids - n}
end

local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0,
    max)
for _, id in ipairs(ids) do
	-- The worker that held it is the task's last one.
	fail(id, 'lease expired', redis.call('HGET', KEYS[2], id) or nil)
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {#ids, tonumber(first[2] or 0)}
