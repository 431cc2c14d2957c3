-- fsck_ready: one window of a ready list, for tq fsck (read-only).
-- KEYS: 1 ready:P, 2 t, 3 sched, 4 active, 5 retry, 6 dead
-- ARGV: 1 offset from the tail (0: the next id out), 2 count
-- Returns {length, read, {id, ...}, {suspect id, ...}, {body, ...}}: the
-- entries read; the window's ids, tail first (an inline body's own id,
-- when it has one); the ids that have no body, or are also in a sorted
-- set, or (inline) also have a body in t, all seen at one instant; and
-- for each id its inline body, or "" when the list holds the id.  The
-- window counts from the tail, where dequeue pops: pops between calls
-- make the walk skip ids (fsck looks at those again), while pushes at
-- the head, the usual way in, move nothing.
local len = redis.call('LLEN', KEYS[1])
local off = tonumber(ARGV[1])
local els = redis.call('LRANGE', KEYS[1], -(off + tonumber(ARGV[2])),
    -(off + 1))
local function elsewhere(id)
	return redis.call('ZSCORE', KEYS[3], id) or
	    redis.call('ZSCORE', KEYS[4], id) or
	    redis.call('ZSCORE', KEYS[5], id) or
	    redis.call('ZSCORE', KEYS[6], id)
end
-- LRANGE lists head first; hand them out tail first, as they run.
local ids, bad, bodies = {}, {}, {}
for i = #els, 1, -1 do
	local e = els[i]
	if tq_inline(e) then
		-- A body without an id is the worker's to move to dead.
		local id = tq_head(e)
		if id then
			ids[#ids + 1] = id
			bodies[#bodies + 1] = e
			if redis.call('HEXISTS', KEYS[2], id) == 1 or
			    elsewhere(id) then
				bad[#bad + 1] = id
			end
		end
	else
		ids[#ids + 1] = e
		bodies[#bodies + 1] = ''
		if redis.call('HEXISTS', KEYS[2], e) == 0 or elsewhere(e) then
			bad[#bad + 1] = e
		end
	end
end
return {len, #els, ids, bad, bodies}
