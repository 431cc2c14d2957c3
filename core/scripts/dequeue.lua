-- dequeue: lease up to n ready tasks, highest priority first.
-- KEYS: 1 paused, 2 active, 3 lease, 4 t, 5 m, 6..15 ready:9 .. ready:0,
--       16 rate
-- ARGV: 1 n, 2 lease_ms, 3 token, 4 rate limit (tasks/s; 0: none)
-- Returns {now, deadline, limited, id, body, meta, id, body, meta, ...};
-- meta is "" when the task never failed; limited is 1 when the rate limit
-- held tasks back.  A paused queue returns {now, 0, 0}.
local now = tq_now()
if redis.call('EXISTS', KEYS[1]) == 1 then
	return {now, 0, 0}
end
-- An idle queue costs one EXISTS, not ten empty pops.
if redis.call('EXISTS', KEYS[6], KEYS[7], KEYS[8], KEYS[9], KEYS[10],
    KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15]) == 0 then
	return {now, 0, 0}
end
local n = tonumber(ARGV[1])
local rate = tonumber(ARGV[4])
local tokens
if rate > 0 then
	-- A token bucket shared by every worker of every host; the burst of
	-- a tenth of a second keeps any 10 s window within 1% of the rate.
	local burst = math.max(1, rate / 10)
	local b = redis.call('HMGET', KEYS[16], 'tokens', 'ts')
	local ts = tonumber(b[2]) or now
	tokens = math.min(burst, (tonumber(b[1]) or burst) +
	    (now - ts) * rate / 1000)
	if math.floor(tokens) < n then
		n = math.floor(tokens)
	end
end
local deadline = now + tonumber(ARGV[2])
local out = {now, deadline, 0}
local got = 0
-- Pop, then read and lease the whole lot with one command each: the
-- cost is per call, not per task (RPOP with a count: Redis 6.2).
-- Debris (an id without a body, written by something other than tq) is
-- dropped, and the same list is popped again for what it displaced.
local function lease(key)
	local want = n - got
	local ids = redis.call('RPOP', key, want)
	if not ids then
		return false
	end
	local bodies = redis.call('HMGET', KEYS[4], unpack(ids))
	local metas = redis.call('HMGET', KEYS[5], unpack(ids))
	local zargs, hargs = {}, {}
	for j, id in ipairs(ids) do
		if bodies[j] then
			zargs[#zargs + 1] = deadline
			zargs[#zargs + 1] = id
			hargs[#hargs + 1] = id
			hargs[#hargs + 1] = ARGV[3]
			out[#out + 1] = id
			out[#out + 1] = bodies[j]
			out[#out + 1] = metas[j] or ''
			got = got + 1
		end
	end
	if #zargs > 0 then
		redis.call('ZADD', KEYS[2], unpack(zargs))
		redis.call('HSET', KEYS[3], unpack(hargs))
	end
	return #ids == want
end
for i = 6, 15 do
	while got < n and lease(KEYS[i]) do
	end
	if got >= n then
		break
	end
end
if rate > 0 then
	if got == n and n < tonumber(ARGV[1]) then
		out[3] = 1
	end
	redis.call('HSET', KEYS[16], 'tokens', tokens - got, 'ts', now)
	redis.call('PEXPIRE', KEYS[16], 60000)
end
return out
