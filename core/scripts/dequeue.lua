-- dequeue: lease up to n ready tasks, highest priority first.
-- KEYS: 1 paused, 2 active, 3 lease, 4 t, 5 m, 6..15 ready:9 .. ready:0,
--       16 rate, 17 dead, 18 stats, 19 wake
-- ARGV: 1 n, 2 lease_ms, 3 token, 4 rate limit (tasks/s) of the caller's
--       configuration; 0: none there, follow the one published in rate
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
	tq_count(KEYS[18], 'dead', 1)
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
-- The limit holds for every worker of every host, whatever its own
-- configuration says: a caller configured with one publishes it in the
-- bucket ('limit', valid 'until' a minute past its last call), and a
-- caller without one follows what is published.
local b = redis.call('HMGET', KEYS[16], 'tokens', 'ts', 'limit', 'until')
if rate > 0 then
	if tonumber(b[3]) ~= rate or (tonumber(b[4]) or 0) < now + 30000 then
		redis.call('HSET', KEYS[16], 'limit', rate, 'until', now + 60000)
	end
elseif (tonumber(b[4]) or 0) > now then
	rate = tonumber(b[3]) or 0
end
if rate > 0 then
	-- A token bucket shared by every worker of every host; the burst of
	-- a tenth of a second keeps any 10 s window within 1% of the rate.
	local burst = math.max(1, rate / 10)
	local ts = tonumber(b[2]) or now
	tokens = math.min(burst, (tonumber(b[1]) or burst) +
	    (now - ts) * rate / 1000)
	if math.floor(tokens) < n then
		n = math.floor(tokens)
	end
end
local deadline = now + tonumber(ARGV[2])
-- Formatted once: a Lua number is formatted again for every element.
local dl = string.format('%d', deadline)
local tok = ARGV[3]
local out = {now, deadline, 0}
local nout = 3
local got = 0
-- The id of an inline body, from its prefix (the usual case) or else
-- decoded; nil when it has none that is a valid name.
local function inline_id(e)
	local id = string.match(e, '^{"id":"([%w_.:-]+)"')
	if not id then
		id = tq_head(e)
		if id and string.find(id, '[^%w_.:-]') then
			id = nil
		end
	end
	if id and #id > 128 then
		id = nil
	end
	return id
end
-- Pop, then read and lease the whole lot with one command each: the
-- cost is per call, not per task (RPOP with a count: Redis 6.2).  An
-- inline body moves into t now, as every leased task has its body there.
-- An inline body without a usable id (written by something other than
-- tq) cannot be leased or acked: it goes to dead at once, under an id
-- made from its hash, where tq dead ls shows it.  An id without a body
-- is debris and is dropped.  The same list is popped again for what was
-- not leased.  Counters instead of #t: the length operator searches.
-- A ready list of the wrong type (damage tq fsck reports) is passed
-- over, so the queue's other priorities are still served.
local function lease(key)
	local want = n - got
	local els = redis.pcall('RPOP', key, want)
	if not els or els.err then
		return false
	end
	local nel = #els
	local ids, refs, nrefs = {}, {}, 0
	for j = 1, nel do
		local e = els[j]
		if string.byte(e, 1) == 123 then
			ids[j] = inline_id(e) or false
		else
			ids[j] = e
			nrefs = nrefs + 1
			refs[nrefs] = e
		end
	end
	local bodies, metas = {}, {}
	if nrefs > 0 then
		local b = redis.call('HMGET', KEYS[4], unpack(refs))
		local m = redis.call('HMGET', KEYS[5], unpack(refs))
		for j = 1, nrefs do
			bodies[refs[j]] = b[j]
			metas[refs[j]] = m[j]
		end
	end
	local zargs, hargs, inline = {}, {}, {}
	local nz, ni = 0, 0
	for j = 1, nel do
		local e, id = els[j], ids[j]
		local body, meta = nil, ''
		if id == e then
			body = bodies[id]
			meta = metas[id] or ''
		elseif id then
			body = e
			inline[ni + 1] = id
			inline[ni + 2] = e
			ni = ni + 2
		else
			tq_bury(e, now)
		end
		if body then
			zargs[nz + 1] = dl
			zargs[nz + 2] = id
			hargs[nz + 1] = id
			hargs[nz + 2] = tok
			nz = nz + 2
			out[nout + 1] = id
			out[nout + 2] = body
			out[nout + 3] = meta
			nout = nout + 3
			got = got + 1
		end
	end
	if ni > 0 then
		redis.call('HSET', KEYS[4], unpack(inline))
	end
	if nz > 0 then
		redis.call('ZADD', KEYS[2], unpack(zargs))
		redis.call('HSET', KEYS[3], unpack(hargs))
	end
	return nel == want
end
for i = 6, 15 do
	while got < n and lease(KEYS[i]) do
	end
	if got >= n then
		break
	end
end
-- Tasks left behind: pass the wake-up on to the next dequeuer.
if got > 0 and redis.call('EXISTS', KEYS[6], KEYS[7], KEYS[8], KEYS[9],
    KEYS[10], KEYS[11], KEYS[12], KEYS[13], KEYS[14], KEYS[15]) > 0 then
	tq_wake(KEYS[19], 1, 1)
end
if rate > 0 then
	if got == n and n < tonumber(ARGV[1]) then
		out[3] = 1
	end
	redis.call('HSET', KEYS[16], 'tokens', tokens - got, 'ts', now)
	redis.call('PEXPIRE', KEYS[16], 120000)
end
return out
