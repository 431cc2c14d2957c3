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
		if t and (oldest == 0 or t < oldest) then
			oldest = t
		end
	end
end
local c = redis.call('HMGET', KEYS[5], 'enqueued', 'processed', 'failed',
    'retried', 'dead')
return {now, ready, redis.call('ZCARD', KEYS[1]),
    redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]),
    redis.call('ZCARD', KEYS[4]), redis.call('EXISTS', KEYS[6]), oldest,
    tonumber(c[1] or 0), tonumber(c[2] or 0), tonumber(c[3] or 0),
    tonumber(c[4] or 0), tonumber(c[5] or 0)}
