-- release: hand an active task back to the front of ready without
-- counting an attempt (graceful shutdown).
-- KEYS: 1 active, 2 lease, 3 t, 4 wake, 5..14 ready:9 .. ready:0
-- ARGV: 1 id, 2 token, 3 wake cap
-- Returns 1.  Errors: "TQLEASE ..." when the token does not own the task.
local id = ARGV[1]
if redis.call('HGET', KEYS[2], id) ~= ARGV[2] then
	return redis.error_reply('TQLEASE task ' .. id ..
	    ' is no longer leased to this worker')
end
redis.call('ZREM', KEYS[1], id)
redis.call('HDEL', KEYS[2], id)
local p = tq_priority(redis.call('HGET', KEYS[3], id))
-- Dequeue pops from the right, so RPUSH makes it the next one out.
redis.call('RPUSH', KEYS[14 - p], id)
tq_wake(KEYS[4], 1, tonumber(ARGV[3]))
return 1
