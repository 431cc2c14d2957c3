-- ack: an active task succeeded; optionally keep its result.
-- KEYS: 1 active, 2 lease, 3 t, 4 m, 5 stats, 6 hist, 7 res:ID, 8 ids
-- ARGV: 1 id, 2 token, 3 result JSON ("" for none), 4 result_ttl_ms,
--       5 id_ttl_ms
-- Returns 1, or 0 when the task is already gone (a retried ack).
-- Errors: "TQLEASE ..." when the token does not own the task.
local id = ARGV[1]
local tok = redis.call('HGET', KEYS[2], id)
if tok ~= ARGV[2] then
	if not tok and redis.call('HEXISTS', KEYS[3], id) == 0 then
		return 0
	end
	return redis.error_reply('TQLEASE task ' .. id ..
	    ' is no longer leased to this worker')
end
local now = tq_now()
redis.call('ZREM', KEYS[1], id)
redis.call('HDEL', KEYS[2], id)
if ARGV[3] ~= '' then
	local body = redis.call('HGET', KEYS[3], id) or ''
	redis.call('HSET', KEYS[7], 'body', body, 'result', ARGV[3],
	    'finished_at', now, 'worker', tq_token_worker(ARGV[2]) or '')
	redis.call('PEXPIRE', KEYS[7], tonumber(ARGV[4]))
end
redis.call('HDEL', KEYS[3], id)
redis.call('HDEL', KEYS[4], id)
tq_ids_done(KEYS[8], {id}, 1, now, tonumber(ARGV[5]))
tq_count(KEYS[5], 'processed', 1)
tq_hist(KEYS[6], now, 0, 1, 0)
return 1
