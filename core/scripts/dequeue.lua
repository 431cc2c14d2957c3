-- dequeue: lease up to n ready tasks, highest priority first.
-- KEYS: 1 paused, 2 active, 3 lease, 4 t, 5 m, 6..15 ready:9 .. ready:0,
--       16 rate, 17 dead, 18 stats
-- ARGV: 1 n, 2 lease_ms, 3 token, 4 rate limit (tasks/s; 0: none)
-- Returns {now, deadline, limited, id, body, meta, id, body, meta, ...};
-- meta is "" when the task never failed; limited is 1 when the rate limit
-- held tasks back.  A paused queue returns {now, 0, 0}.
-- A body no worker can take: dead now, with the reason.
local function tq_bury(e, now)
	local id = 'noid-' .. redis.sha1hex(e)
	redis.call('HSET', KEYS[4], id, e)
	redis.call('HSET', KEYS[5], id, cjson.encode({retry_count = 0,
	    error = 'malformed task: an inline body without a valid id',
	    failed_at = now}))
	redis.call('ZADD', KEYS[17], now, id)
	redis.call('HINCRBY', KEYS[18], 'dead', 1)
end

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
-- cost is per call, not per task (RPOP with a count: Redis 6.2).  An
-- inline body moves into t now, as every leased task has its body there.
-- An inline body without a usable id (written by something other than
-- tq) cannot be leased or acked: it goes to dead at once, under an id
-- made from its hash, where tq dead ls shows it.  An id without a body
-- is debris and is dropped.  The same list is popped again for what was
-- not leased.
local function lease(key)
	local want = n - got
	local els = redis.call('RPOP', key, want)
	if not els then
		return false
	end
	local refs, inline = {}, {}
	for _, e in ipairs(els) do
		if not tq_inline(e) then
			refs[#refs + 1] = e
		end
	end
	local bodies, metas = {}, {}
	if #refs > 0 then
		local b = redis.call('HMGET', KEYS[4], unpack(refs))
		local m = redis.call('HMGET', KEYS[5], unpack(refs))
		for j, id in ipairs(refs) do
			bodies[id] = b[j]
			metas[id] = m[j]
		end
	end
	local zargs, hargs = {}, {}
	for _, e in ipairs(els) do
		local id, body, meta = e, nil, ''
		if tq_inline(e) then
			id = tq_head(e)
			if id and #id <= 128 and not string.find(id, '[^%w_.:-]')
			    then
				body = e
				inline[#inline + 1] = id
				inline[#inline + 1] = e
			else
				tq_bury(e, now)
			end
		else
			body = bodies[id]
			meta = metas[id] or ''
		end
		if body then
			zargs[#zargs + 1] = deadline
			zargs[#zargs + 1] = id
			hargs[#hargs + 1] = id
			hargs[#hargs + 1] = ARGV[3]
			out[#out + 1] = id
			out[#out + 1] = body
			out[#out + 1] = meta
			got = got + 1
		end
	end
	if #inline > 0 then
		redis.call('HSET', KEYS[4], unpack(inline))
	end
	if #zargs > 0 then
		redis.call('ZADD', KEYS[2], unpack(zargs))
		redis.call('HSET', KEYS[3], unpack(hargs))
	end
	return #els == want
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
