-- leader: take or renew the tqd leader lease.
-- KEYS: 1 {leader} (STRING holder id), 2 {leader}:epoch (counter),
--       3 {leader}:seen (HASH: id at lease, the last take or renewal)
-- ARGV: 1 candidate id, 2 ttl_ms, 3 resign (0/1)
-- Returns {1, epoch} for the leader, {0, holder} for anyone else.  The
-- epoch grows with each new leader: a fencing token for logs and metrics.
-- The leader calls this on every renewal, so "seen" says when tqd last
-- acted, on the server's clock; it outlives the lease, so that a dead
-- leader's last sign of life can still be shown.
local holder = redis.call('GET', KEYS[1])
if ARGV[3] == '1' then
	if holder == ARGV[1] then
		redis.call('DEL', KEYS[1])
	end
	return {0, ''}
end
if holder == ARGV[1] then
	redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
	redis.call('HSET', KEYS[3], 'id', ARGV[1], 'at', tq_now(),
	    'lease', ARGV[2])
	return {1, tonumber(redis.call('GET', KEYS[2]) or 0)}
end
if holder then
	return {0, holder}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', tonumber(ARGV[2]))
redis.call('HSET', KEYS[3], 'id', ARGV[1], 'at', tq_now(), 'lease', ARGV[2])
return {1, redis.call('INCR', KEYS[2])}
