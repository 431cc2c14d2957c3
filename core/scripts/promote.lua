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
		if #ids > 0 then
			-- One command per step for the whole lot; the lists
			-- get one LPUSH per priority present.
			local bodies = redis.call('HMGET', KEYS[3], unpack(ids))
			local ready = {}
			redis.call('ZREM', KEYS[z], unpack(ids))
			for j, id in ipairs(ids) do
				if bodies[j] then
					local p = tq_priority(bodies[j])
					local l = ready[p]
					if not l then
						l = {}
						ready[p] = l
					end
					l[#l + 1] = id
					moved = moved + 1
				end
			end
			for p, l in pairs(ready) do
				redis.call('LPUSH', KEYS[14 - p], unpack(l))
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
