-- promote: move due scheduled and retry tasks to ready.
-- KEYS: 1 sched, 2 retry, 3 t, 4 wake, 5..14 ready:9 .. ready:0
-- ARGV: 1 max, 2 wake cap
-- Returns {moved, next due ms or 0}.  Bounded: at most max tasks a call.
local now = tq_now()
local left = tonumber(ARGV[1])
local moved = 0
for z = 1, 2 do
	if left > 0 then
		local ids = redis.call('ZRANGEBYSCORE', KEYS[z], '-inf', now,
		    'LIMIT', 0, left)
		for _, id in ipairs(ids) do
			local body = redis.call('HGET', KEYS[3], id)
			redis.call('ZREM', KEYS[z], id)
			if body then
				local p = tq_priority(body)
				redis.call('LPUSH', KEYS[14 - p], id)
				moved = moved + 1
			end
		end
		left = left - #ids
	end
end
tq_wake(KEYS[4], moved, tonumber(ARGV[2]))
local next = 0
for z = 1, 2 do
	local first = redis.call('ZRANGE', KEYS[z], 0, 0, 'WITHSCORES')
	if first[2] then
		local s = tonumber(first[2])
		if next == 0 or s < next then
			next = s
		end
	end
end
return {moved, next}
