-- prelude.lua: helpers prepended to every tq script (see core/scripts.c).
--
-- Each script is one atomic state transition.  Every key it touches comes
-- in KEYS (all keys of a queue share the {queue} hash tag); no key name is
-- built here.  Times are milliseconds from the Redis server's clock, so
-- leases and due times do not depend on the clients' clocks.

local function tq_now()
	local t = redis.call('TIME')
	return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

-- Decode JSON we or another program wrote; nil when it is not an object.
local function tq_decode(s)
	if not s then
		return nil
	end
	local ok, v = pcall(cjson.decode, s)
	if ok and type(v) == 'table' then
		return v
	end
	return nil
end

-- The id and priority (0-9) of a body.  Bodies tq writes begin with the
-- id, then the type when it is not the queue, then the priority when it
-- is not 0, then max_retries, timeout or created_at (names hold no
-- quotes): such a prefix is read without decoding the payload.  Other
-- bodies are decoded; a priority that is absent or malformed reads as 0,
-- so that a bad body still reaches a worker, which moves it to dead.
-- The id is nil when the body has none that is a string.
local function tq_head(body)
	local id, pos = string.match(body, '^{"id":"([%w_.:-]+)"()')
	if id then
		pos = string.match(body, '^,"type":"[%w_.:-]+"()', pos) or pos
		local p, after = string.match(body, '^,"priority":(%d)()', pos)
		local k = string.match(body, '^,"(%l[%l_]*)":%d', after or pos)
		if k == 'max_retries' or k == 'timeout' or k == 'created_at' then
			return id, tonumber(p) or 0
		end
	end
	local b = tq_decode(body)
	if not b then
		return nil, 0
	end
	local p = tonumber(b.priority) or 0
	if p ~= p then
		p = 0
	end
	p = math.floor(p)
	if p < 0 then p = 0 end
	if p > 9 then p = 9 end
	if type(b.id) ~= 'string' then
		return nil, p
	end
	return b.id, p
end

local function tq_priority(body)
	local _, p = tq_head(body)
	return p
end

-- A ready list holds ids, and the bodies themselves of new tasks that
-- were never anywhere else ("inline": they cost no entry in t).  A body
-- is a JSON object, and no id starts with '{'.
local function tq_inline(e)
	return string.byte(e, 1) == 123
end

-- Count n more in a field of a stats hash.  Counters are bookkeeping:
-- one an operator damaged (not a number, or the key of another type)
-- must not fail the transition after it moved a task, as Redis does not
-- roll a script back.  A field that is not a number starts over at n; a
-- key of the wrong type is left as it is and the count is lost.
local function tq_count(key, field, n)
	if type(redis.pcall('HINCRBY', key, field, n)) == 'table' then
		redis.pcall('HSET', key, field, n)
	end
end

-- Add to this second's entry of the throughput history (newest first,
-- one "sec:enqueued:processed:failed" element per active second).  Like
-- the counters it never fails its caller: a history key of the wrong
-- type just stops being kept.
local function tq_hist(key, now, e, p, f)
	local sec = math.floor(now / 1000)
	local head = redis.pcall('LINDEX', key, 0)
	if type(head) == 'table' and head.err then
		return
	end
	if head then
		local s, a, b, c = string.match(head,
		    '^(%d+):(%d+):(%d+):(%d+)$')
		if s and tonumber(s) == sec then
			redis.call('LSET', key, 0, string.format('%d:%d:%d:%d',
			    sec, a + e, b + p, c + f))
			return
		end
	end
	redis.call('LPUSH', key, string.format('%d:%d:%d:%d', sec, e, p, f))
	redis.call('LTRIM', key, 0, 3599)
end

-- Wake blocked dequeuers after n ready tasks appeared: tokens in the
-- wake list, up to cap in all (libtq: 1).  A dequeuer blocks only when
-- its queues are empty, and the one a token wakes passes one on when it
-- leaves tasks behind (see dequeue), so a burst wakes as many dequeuers
-- as it needs, one after the other; while a token nobody took is a
-- wasted probe of every queue of the worker that finds it later, which
-- is why they are kept so few.
local function tq_wake(key, n, cap)
	n = math.min(n, cap - redis.call('LLEN', key))
	if n <= 0 then
		return
	end
	local t = {}
	for i = 1, n do
		t[i] = '1'
	end
	redis.call('LPUSH', key, unpack(t))
end

-- A producer's own ids (the ids key: a sorted set) are remembered after
-- their tasks are done, so that an enqueue sent again after its reply
-- was lost makes no second task.  A live task's id scores 0 (the body
-- in t is what refuses a second one); a done task's, when it is
-- forgotten.  Queues that never see such ids have no ids key, and pay
-- one EXISTS a call.

-- Whether a producer's id is taken: a live task, or a done one not yet
-- forgotten.
local function tq_id_taken(t, ids, id, now)
	if redis.call('HEXISTS', t, id) == 1 then
		return true
	end
	local s = tonumber(redis.call('ZSCORE', ids, id))
	return s ~= nil and s > now
end

-- Forget up to n done ids whose time has come (bounded work).
local function tq_ids_prune(ids, now, n)
	local old = redis.call('ZRANGEBYSCORE', ids, 1, now, 'LIMIT', 0, n)
	if #old > 0 then
		redis.call('ZREM', ids, unpack(old))
	end
end

-- Tasks done[1..n] are done: their producer ids, if they had any, are
-- kept until now + ttl_ms (0: forgotten at once).
local function tq_ids_done(ids, done, n, now, ttl_ms)
	if n == 0 or redis.call('EXISTS', ids) == 0 then
		return
	end
	if ttl_ms <= 0 then
		redis.call('ZREM', ids, unpack(done, 1, n))
		return
	end
	local z = {}
	for i = 1, n do
		z[2 * i - 1] = now + ttl_ms
		z[2 * i] = done[i]
	end
	redis.call('ZADD', ids, 'XX', unpack(z))
	tq_ids_prune(ids, now, n + 16)
end

-- Tasks gone for good (purged, trimmed): forget their ids now.
local function tq_ids_gone(ids, gone, n)
	if n > 0 and redis.call('EXISTS', ids) == 1 then
		redis.call('ZREM', ids, unpack(gone, 1, n))
	end
end

-- The worker a delivery token names ("random@worker"), or nil.
local function tq_token_worker(tok)
	return tok and string.match(tok, '@(.+)$') or nil
end

-- Record a failed attempt of an active task whose lease is already
-- removed: retry after delay while attempts are left, else dead.  tok
-- is the lease's token (its worker is remembered as the last one).
-- k = {t, m, retry, dead, stats, hist, ids}.  Returns 'retry' or 'dead'.
local function tq_failed(k, id, why, permanent, delay, dead_max, now, tok)
	local body = redis.call('HGET', k.t, id)
	local meta = tq_decode(redis.call('HGET', k.m, id)) or {}
	local b = tq_decode(body)
	local max = b and tonumber(b.max_retries)
	if not b then
		permanent = true
		why = why .. ' (task body is not a JSON object)'
	elseif not max then
		max = 3
	end
	local count = (tonumber(meta.retry_count) or 0) + 1
	meta.retry_count = count
	meta.error = why
	meta.failed_at = now
	meta.worker = tq_token_worker(tok) or meta.worker
	redis.call('HSET', k.m, id, cjson.encode(meta))
	tq_count(k.stats, 'failed', 1)
	tq_hist(k.hist, now, 0, 0, 1)
	if permanent or count > max then
		redis.call('ZADD', k.dead, now, id)
		tq_count(k.stats, 'dead', 1)
		-- Keep dead letters bounded even without tqd: drop the oldest
		-- few beyond the cap (0 means no cap).
		if dead_max > 0 then
			local over = redis.call('ZCARD', k.dead) - dead_max
			if over > 0 then
				if over > 16 then over = 16 end
				local old = redis.call('ZRANGE', k.dead, 0, over - 1)
				for _, o in ipairs(old) do
					redis.call('ZREM', k.dead, o)
					redis.call('HDEL', k.t, o)
					redis.call('HDEL', k.m, o)
				end
				tq_ids_gone(k.ids, old, #old)
			end
		end
		return 'dead'
	end
	redis.call('ZADD', k.retry, now + delay, id)
	tq_count(k.stats, 'retried', 1)
	return 'retry'
end
