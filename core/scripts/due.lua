-- due: queues whose due-time hint has come (read-only).
-- KEYS: 1 due (ZSET queue -> earliest due ms it may hold)
-- ARGV: 1 max
-- Returns {now, first, queue, hint, queue, hint, ...}: first is the
-- earliest hint of all (0: none), so that tqd can sleep until then.
-- Hints are advisory: producers add them after enqueueing a delayed task
-- or failing one into retry; tqd settles them after promoting, and
-- rescans every queue now and then, so a lost hint only delays a task,
-- never loses it.
local now = tq_now()
local r = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES',
    'LIMIT', 0, tonumber(ARGV[1]))
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local out = {now, tonumber(first[2] or 0)}
for i = 1, #r, 2 do
	out[#out + 1] = r[i]
	out[#out + 1] = tonumber(r[i + 1])
end
return out
