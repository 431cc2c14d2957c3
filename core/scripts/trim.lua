-- trim: dead-letter retention, by count (oldest first) and by age.
-- KEYS: 1 dead, 2 t, 3 m, 4 ids
-- ARGV: 1 max_count (0: no cap), 2 max_age_ms (0: no cap), 3 max per call
-- Returns the number removed.
local left = tonumber(ARGV[3])
local ids = {}
local cap = tonumber(ARGV[1])
if cap > 0 then
	local over = redis.call('ZCARD', KEYS[1]) - cap
	if over > 0 then
		if over > left then over = left end
		ids = redis.call('ZRANGE', KEYS[1], 0, over - 1)
	end
end
local age = tonumber(ARGV[2])
if age > 0 and #ids < left then
	local old = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf',
	    tq_now() - age, 'LIMIT', #ids, left - #ids)
	for _, id in ipairs(old) do
		ids[#ids + 1] = id
	end
end
for _, id in ipairs(ids) do
	redis.call('ZREM', KEYS[1], id)
	redis.call('HDEL', KEYS[2], id)
	redis.call('HDEL', KEYS[3], id)
end
tq_ids_gone(KEYS[4], ids, #ids)
return #ids
