-- settle: after promoting a queue, move its due-time hint to the next due
-- time, unless a producer lowered it meanwhile.
-- KEYS: 1 due
-- ARGV: 1 queue, 2 hint seen before promoting (0: none), 3 next due (0:
--       none left)
-- Returns {changed, now, first}: 1 when the hint was changed, and the
-- earliest hint of all once it is settled (0: none).  tqd sleeps until
-- that one: any hint lowered after this call, below it, wakes tqd (see
-- hint), so no hint goes unseen between this read and tqd's sleep.
local cur = redis.call('ZSCORE', KEYS[1], ARGV[1])
local next = tonumber(ARGV[3])
local changed = 1
if cur and tonumber(cur) ~= tonumber(ARGV[2]) then
	-- Someone added an earlier hint after we looked: keep theirs.
	if next > 0 then
		redis.call('ZADD', KEYS[1], 'LT', next, ARGV[1])
	end
	changed = 0
elseif next == 0 then
	redis.call('ZREM', KEYS[1], ARGV[1])
else
	redis.call('ZADD', KEYS[1], next, ARGV[1])
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return {changed, tq_now(), tonumber(first[2] or 0)}
