-- fail: an attempt of an active task failed.
-- KEYS: 1 active, 2 lease, 3 t, 4 m, 5 retry, 6 dead, 7 stats, 8 hist,
--       9 ids
-- ARGV: 1 id, 2 token, 3 error, 4 permanent (0/1), 5 delay_ms,
--       6 dead_max
-- Returns {"retry"|"dead", due or failed-at ms}.
-- Errors: "TQLEASE ..." when the token does not own the task.
local id = ARGV[1]
if redis.call('HGET', KEYS[2], id) ~= ARGV[2] then
	return redis.error_reply('TQLEASE task ' .. id ..
	    ' is no longer leased to this worker')
end
local now = tq_now()
redis.call('ZREM', KEYS[1], id)
redis.call('HDEL', KEYS[2], id)
local k = {t = KEYS[3], m = KEYS[4], retry = KEYS[5], dead = KEYS[6],
    stats = KEYS[7], hist = KEYS[8], ids = KEYS[9]}
local delay = tonumber(ARGV[5])
local to = tq_failed(k, id, ARGV[3], ARGV[4] == '1', delay,
    tonumber(ARGV[6]), now, ARGV[2])
if to == 'retry' then
	return {to, now + delay}
end
return {to, now}
