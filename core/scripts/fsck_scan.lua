-- fsck_scan: one cursor step over a state set or hash, for tq fsck
-- (read-only).
-- KEYS: 1 the key scanned, 2 t, 3 sched, 4 active, 5 retry, 6 dead,
--       7 lease
-- ARGV: 1 what KEYS[1] is: sched, active, retry, dead, t, m or lease;
--       2 cursor, 3 count
-- Returns {next cursor, entries scanned, id, ...}: the ids that break an
-- invariant at this instant.
--   sched, active, retry, dead: no body in t, also in another of the
--       four sets, or (active) no lease;
--   t: a body in none of the four sets (it may be in a ready list,
--       which only a walk of the lists can tell);
--   m: a meta record without a body;
--   lease: a lease for an id not in active.
local what = ARGV[1]
local zsets = {sched = 3, active = 4, retry = 5, dead = 6}
local self = zsets[what]
local cmd = self and 'ZSCAN' or 'HSCAN'
local r = redis.call(cmd, KEYS[1], ARGV[2], 'COUNT', tonumber(ARGV[3]))
local items = r[2]
local out = {r[1], #items / 2}
-- The index of each other sorted set an id is in, counted.
local function others(id)
	local n = 0
	for _, k in pairs(zsets) do
		if k ~= self and redis.call('ZSCORE', KEYS[k], id) then
			n = n + 1
		end
	end
	return n
end
for i = 1, #items, 2 do
	local id = items[i]
	local bad
	if self then
		bad = redis.call('HEXISTS', KEYS[2], id) == 0 or
		    others(id) > 0 or (what == 'active' and
		    redis.call('HEXISTS', KEYS[7], id) == 0)
	elseif what == 't' then
		bad = others(id) == 0
	elseif what == 'm' then
		bad = redis.call('HEXISTS', KEYS[2], id) == 0
	else
		bad = not redis.call('ZSCORE', KEYS[4], id)
	end
	if bad then
		out[#out + 1] = id
	end
end
return out
