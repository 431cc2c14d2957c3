-- purge: delete dead tasks for good.
-- KEYS: 1 dead, 2 t, 3 m, 4 ids
-- ARGV: 1 max, 2.. ids (none: the oldest max dead tasks)
-- Returns {purged, missing}.
local ids = {}
for i = 2, #ARGV do
	ids[#ids + 1] = ARGV[i]
end
if #ids == 0 then
	ids = redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
end
local done, missing = 0, 0
local gone = {}
for _, id in ipairs(ids) do
	if redis.call('ZREM', KEYS[1], id) == 1 then
		redis.call('HDEL', KEYS[2], id)
		redis.call('HDEL', KEYS[3], id)
		done = done + 1
		gone[done] = id
	else
		missing = missing + 1
	end
end
-- Purged by an operator: the id is free again at once.
tq_ids_gone(KEYS[4], gone, done)
return {done, missing}
