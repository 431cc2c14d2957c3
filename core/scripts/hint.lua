-- hint: lower a queue's due-time hint (never raise it), and wake tqd when
-- it is now the earliest hint of all.
-- KEYS: 1 due (ZSET queue -> earliest due ms it may hold)
-- ARGV: 1 queue, 2 due ms
-- Returns 1 when tqd was woken.  tqd sleeps until the earliest hint it
-- saw (due and settle tell it); a hint earlier than every other is
-- announced on the channel named like KEYS[1], so tqd wakes for it and
-- never polls.  A channel is not a key: PUBLISH reaches the subscribers
-- of every node of a Cluster.  pcall: a user whose ACL lacks the channel
-- still leaves its hint, which tqd then reads within [tqd] tick.
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local due = tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], 'LT', due, ARGV[1])
if first[2] == nil or due < tonumber(first[2]) then
	redis.pcall('PUBLISH', KEYS[1], ARGV[2])
	return 1
end
return 0
