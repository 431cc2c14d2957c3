-- due: queues whose due-time hint has come (read-only).
-- KEYS: 1 due (ZSET queue -> earliest due ms it may hold)
-- ARGV: 1 max
-- Returns {now, queue, hint, queue, hint, ...}.  Hints are advisory:
-- producers add them after enqueueing a delayed task or failing one into
-- retry; tqd settles them after promoting, and rescans every queue now
-- and then, so a lost hint only delays a task, never loses it.
local now = tq_now()
local r = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES',
    'LIMIT', 0, tonumber(ARGV[1]))
local out = {now}
for i = 1, #r, 2 do
	out[#out + 1] = r[i]
	out[#out + 1] = tonumber(r[i + 1])
end
return out
