-- fsck_fix: look at ids again, at one instant, and with repair fix them.
-- KEYS: 1 t, 2 m, 3 sched, 4 active, 5 lease, 6 retry, 7 dead, 8 wake,
--       9..18 ready:9 .. ready:0
-- ARGV: 1 repair (0/1), 2 list_max, 3 budget, 4 wake cap, then for each
--       id how to look at it: "o" asks only whether a body has a state
--       (tq fsck's orphan candidates), "x" makes every check, and "i",
--       followed by an inline body that carries the id, makes every
--       check counting that body's copies in the ready lists as states.
-- Returns {done, id, found, fixed, where, action, ...}: done ids were
-- looked at (call again with the rest), and each of them with a problem
-- follows.  found and fixed are sums of the kinds below; where lists
-- what holds the id ("body,ready:0*2,dead").
-- Finding an id in the ready lists takes LPOS, which reads up to
-- list_max entries of each non-empty list; a call stops taking ids once
-- it has read budget entries.  An answer that needs a list longer than
-- list_max is not given: the id is reported UNCHECKED and left alone.
local DUP, NOBODY, ORPHAN, NOLEASE, STRAY, META, UNCHECKED =
    1, 2, 4, 8, 16, 32, 64
local repair = ARGV[1] == '1'
local max = tonumber(ARGV[2])
local budget = tonumber(ARGV[3])
local cap = tonumber(ARGV[4])
local zsets = {{'scheduled', 3}, {'active', 4}, {'retry', 6}, {'dead', 7}}
-- The state a duplicate keeps: the most advanced one it is in.
local rank = {'active', 'dead', 'retry', 'ready', 'scheduled'}
local zkey = {scheduled = 3, active = 4, retry = 6, dead = 7}

local function rname(k)
	return 'ready:' .. (18 - k)
end

-- Occurrences of id in each ready list (KEYS index -> count), their sum,
-- and whether a list was too long to be sure.  With first, stop at the
-- first occurrence.
local spent = 0
local function find_ready(id, first)
	local cnt, n, unsure = {}, 0, false
	for k = 9, 18 do
		local len = redis.call('LLEN', KEYS[k])
		if len > 0 then
			local c
			if first then
				c = redis.call('LPOS', KEYS[k], id, 'MAXLEN',
				    max) and 1 or 0
			else
				c = #redis.call('LPOS', KEYS[k], id, 'COUNT', 0,
				    'MAXLEN', max)
			end
			spent = spent + math.min(len, max)
			cnt[k] = c
			n = n + c
			if len > max then
				unsure = true
			end
			if first and c > 0 then
				break
			end
		end
	end
	return cnt, n, unsure
end

-- Drop every trace of an id that has no body: nothing could run it.
local function drop(id, s)
	local gone = {}
	for _, z in ipairs(zsets) do
		if s.z[z[1]] then
			redis.call('ZREM', KEYS[z[2]], id)
			gone[#gone + 1] = z[1]
		end
	end
	for k = 9, 18 do
		if (s.cnt[k] or 0) > 0 then
			redis.call('LREM', KEYS[k], 0, id)
			gone[#gone + 1] = rname(k)
		end
	end
	local acts = {}
	if #gone > 0 then
		acts[1] = 'removed from ' .. table.concat(gone, ',')
	end
	if s.lease then
		redis.call('HDEL', KEYS[5], id)
		acts[#acts + 1] = 'dropped the lease'
	end
	if s.meta then
		redis.call('HDEL', KEYS[2], id)
		acts[#acts + 1] = 'dropped the meta record'
	end
	return table.concat(acts, '; ')
end

-- Keep the most advanced state of a duplicate and remove the others; of
-- several ready entries, keep the one nearest the tail (next out) of the
-- highest-priority list holding it.
local function dedup(id, s)
	local keep
	for _, st in ipairs(rank) do
		if (st == 'ready' and s.nready > 0) or s.z[st] then
			keep = st
			break
		end
	end
	local gone, kept = {}, keep
	for st, k in pairs(zkey) do
		if s.z[st] and st ~= keep then
			redis.call('ZREM', KEYS[k], id)
			gone[#gone + 1] = st
		end
	end
	local one = keep == 'ready'
	for k = 9, 18 do
		local c = s.cnt[k] or 0
		if c > 0 then
			if one then
				kept = rname(k)
				if c > 1 then
					redis.call('LREM', KEYS[k], c - 1, id)
					gone[#gone + 1] = rname(k) .. ' (' ..
					    (c - 1) .. ' extra)'
				end
				one = false
			else
				redis.call('LREM', KEYS[k], 0, id)
				gone[#gone + 1] = rname(k)
			end
		end
	end
	table.sort(gone)
	return 'kept ' .. kept .. ', removed from ' .. table.concat(gone, ',')
end

-- Fix an id that has a body: its lease, then one state, kept or given.
local function fix(id, s, body)
	local acts = {}
	if s.lease and not s.z.active then
		redis.call('HDEL', KEYS[5], id)
		acts[#acts + 1] = 'dropped the lease'
	end
	-- Active without a lease: no worker can ack it, so it is not running
	-- as far as tq knows; like release, hand it back without an attempt.
	if s.z.active and not s.lease then
		redis.call('ZREM', KEYS[4], id)
		s.z.active = nil
		s.states = s.states - 1
		acts[#acts + 1] = 'removed from active'
	end
	if s.states == 0 then
		local p = tq_priority(body)
		redis.call('RPUSH', KEYS[18 - p], id)
		tq_wake(KEYS[8], 1, cap)
		acts[#acts + 1] = 'put in ready:' .. p
	elseif s.states > 1 then
		acts[#acts + 1] = dedup(id, s)
	end
	return table.concat(acts, '; ')
end

-- The copies of the inline body e in the ready lists (as find_ready);
-- true when a list was too long to be sure.
local function find_inline(e, s)
	local unsure = false
	for k = 9, 18 do
		local len = redis.call('LLEN', KEYS[k])
		if len > 0 then
			local c = #redis.call('LPOS', KEYS[k], e, 'COUNT', 0,
			    'MAXLEN', max)
			spent = spent + math.min(len, max)
			if c > 0 then
				s.inl[k] = c
				s.ninl = s.ninl + c
			end
			if len > max then
				unsure = true
			end
		end
	end
	return unsure
end

-- An inline body is the task only while t has no body for its id; with
-- one there, the copy in t (which has a history) wins and the inline
-- copies go.  Without, one inline copy stays and every other trace of
-- the id, which points at no body, goes.
local function fix_inline(id, s, body, e)
	local gone, kept = {}, false
	for k = 9, 18 do
		local c = s.inl[k] or 0
		local drop_n = c
		if c > 0 and not body and not kept then
			drop_n = c - 1
			kept = true
		end
		if drop_n > 0 then
			redis.call('LREM', KEYS[k], drop_n == c and 0 or drop_n, e)
			gone[#gone + 1] = rname(k) .. ' (inline' ..
			    (drop_n > 1 and (' *' .. drop_n) or '') .. ')'
		end
	end
	local acts = {}
	if #gone > 0 then
		acts[1] = 'removed from ' .. table.concat(gone, ',')
	end
	s.states = s.states - s.ninl
	s.ninl = 0
	local rest = ''
	if body then
		rest = fix(id, s, body)
	elseif s.states > 0 or s.lease then
		rest = drop(id, s)
	end
	if rest ~= '' then
		acts[#acts + 1] = rest
	end
	return table.concat(acts, '; ')
end

-- What holds the id, for the report.
local function where(s, body)
	local w = {}
	if body then
		w[1] = 'body'
	end
	for _, z in ipairs(zsets) do
		if s.z[z[1]] then
			w[#w + 1] = z[1]
		end
	end
	for k = 9, 18 do
		local c = s.cnt[k] or 0
		if c > 0 then
			w[#w + 1] = rname(k) .. (c > 1 and ('*' .. c) or '')
		end
		c = s.inl[k] or 0
		if c > 0 then
			w[#w + 1] = rname(k) .. ' inline' ..
			    (c > 1 and ('*' .. c) or '')
		end
	end
	if s.lease then
		w[#w + 1] = 'lease'
	end
	if s.meta then
		w[#w + 1] = 'meta'
	end
	return table.concat(w, ',')
end

local out = {0}
local done = 0
local i = 5
while i < #ARGV and (done == 0 or spent < budget) do
	local id, how, e = ARGV[i], ARGV[i + 1], nil
	if how == 'i' then
		e = ARGV[i + 2]
		i = i + 3
	else
		i = i + 2
	end
	done = done + 1
	local body = redis.call('HGET', KEYS[1], id)
	local s = {z = {}, cnt = {}, nready = 0, states = 0, inl = {},
	    ninl = 0}
	for _, z in ipairs(zsets) do
		if redis.call('ZSCORE', KEYS[z[2]], id) then
			s.z[z[1]] = true
			s.states = s.states + 1
		end
	end
	s.lease = redis.call('HEXISTS', KEYS[5], id) == 1
	s.meta = redis.call('HEXISTS', KEYS[2], id) == 1
	local found, fixed, action = 0, 0, ''
	-- An orphan candidate that is gone or has a state is answered.
	if how ~= 'o' or (body and s.states == 0) then
		local unsure
		s.cnt, s.nready, unsure = find_ready(id, how == 'o')
		s.states = s.states + s.nready
		if e and find_inline(e, s) then
			unsure = true
		end
		s.states = s.states + s.ninl
		-- Without a body in t, an inline copy is the task's body.
		local have = body or s.ninl > 0
		if unsure and (how ~= 'o' or s.nready == 0) then
			found = UNCHECKED
		else
			if s.z.active and not s.lease then
				found = found + NOLEASE
			end
			if s.lease and not s.z.active then
				found = found + STRAY
			end
			if not have then
				if s.states > 0 then
					found = found + NOBODY
				elseif s.meta then
					found = found + META
				end
			elseif s.states == 0 then
				found = found + ORPHAN
			elseif s.states > 1 or (body and s.ninl > 0) then
				-- A body in t and an inline one: two copies.
				found = found + DUP
			end
		end
		if found ~= 0 then
			local w = where(s, body)
			if repair and found ~= UNCHECKED then
				if s.ninl > 0 then
					action = fix_inline(id, s, body, e)
				elseif body then
					action = fix(id, s, body)
				else
					action = drop(id, s)
				end
				fixed = found
			end
			out[#out + 1] = id
			out[#out + 1] = found
			out[#out + 1] = fixed
			out[#out + 1] = w
			out[#out + 1] = action
		end
	end
end
out[1] = done
return out
