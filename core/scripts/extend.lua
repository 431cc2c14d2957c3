-- extend: push the lease deadline of an active task.
-- KEYS: 1 active, 2 lease
-- ARGV: 1 id, 2 token, 3 lease_ms
-- Returns the new deadline (ms).  Errors: "TQLEASE ..." when lost.
local id = ARGV[1]
if redis.call('HGET', KEYS[2], id) ~= ARGV[2] then
	return redis.error_reply('TQLEASE task ' .. id ..
	    ' is no longer leased to this worker')
end
local deadline = tq_now() + tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], 'XX', deadline, id)
return deadline
