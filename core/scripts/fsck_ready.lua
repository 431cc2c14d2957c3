-- fsck_ready: one window of a ready list, for tq fsck (read-only).
-- KEYS: 1 ready:P, 2 t, 3 sched, 4 active, 5 retry, 6 dead
-- ARGV: 1 offset from the tail (0: the next id out), 2 count
-- Returns {length, {id, ...}, {suspect id, ...}}: the window's ids, tail
-- first, and those of them that have no body or are also in a sorted
-- set, both seen at one instant.  The window counts from the tail, where
-- dequeue pops: pops between calls make the walk skip ids (fsck looks at
-- those again), while pushes at the head, the usual way in, move nothing.
local len = redis.call('LLEN', KEYS[1])
local off = tonumber(ARGV[1])
local ids = redis.call('LRANGE', KEYS[1], -(off + tonumber(ARGV[2])),
    -(off + 1))
local bad = {}
for i = #ids, 1, -1 do
	local id = ids[i]
	if redis.call('HEXISTS', KEYS[2], id) == 0 or
	    redis.call('ZSCORE', KEYS[3], id) or
	    redis.call('ZSCORE', KEYS[4], id) or
	    redis.call('ZSCORE', KEYS[5], id) or
	    redis.call('ZSCORE', KEYS[6], id) then
		bad[#bad + 1] = id
	end
end
-- LRANGE lists head first; hand them out tail first, as they run.
local out = {}
for i = #ids, 1, -1 do
	out[#out + 1] = ids[i]
end
return {len, out, bad}
