-- stats: a consistent snapshot of one queue (read-only).
-- KEYS: 1 sched, 2 active, 3 retry, 4 dead, 5 stats, 6 paused, 7 t,
--       8..17 ready:9 .. ready:0
-- Returns {now, ready, scheduled, active, retry, dead, paused,
--          oldest ready enqueue time ms or 0,
--          enqueued, processed, failed, retried, dead_total}.
local now = tq_now()
local ready, oldest = 0, 0
for i = 8, 17 do
	local n = redis.call('LLEN', KEYS[i])
	if n > 0 then
		ready = ready + n
		-- The tail is the next out, so it has waited longest.  An
		-- inline body was never delayed: its created_at is the time.
		local e = redis.call('LINDEX', KEYS[i], -1)
		local t
		if tq_inline(e) then
			-- tq's bodies have it before the payload.
			t = tonumber(string.match(e, '"created_at":(%d+)'))
		else
			local b = tq_decode(redis.call('HGET', KEYS[7], e))
			t = b and tonumber(b.scheduled_at or b.created_at)
		end
		-- A time another program wrote may be anything: only a
		-- plausible one (after 1970, before 2^53 ms) counts.
		if t and t > 0 and t < 2^53 and (oldest == 0 or t < oldest) then
			oldest = t
		end
	end
end
local c = redis.call('HMGET', KEYS[5], 'enqueued', 'processed', 'failed',
    'retried', 'dead')
-- A counter another program overwrote with something that is not an
-- integer reads as 0: tonumber's nil would end the reply early (and
-- hide the queue from tq stats and tqtop), and 1e400 is no integer.
local function count(v)
	local n = tonumber(v)
	if not n or n ~= math.floor(n) or n > 2^53 or n < -2^53 then
		return 0
	end
	return n
end
return {now, ready, redis.call('ZCARD', KEYS[1]),
    redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]),
    redis.call('ZCARD', KEYS[4]), redis.call('EXISTS', KEYS[6]), oldest,
    count(c[1]), count(c[2]), count(c[3]), count(c[4]), count(c[5])}
