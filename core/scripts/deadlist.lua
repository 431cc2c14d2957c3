-- deadlist: a page of dead letters, newest first (read-only).
-- KEYS: 1 dead, 2 t, 3 m
-- ARGV: 1 offset, 2 limit
-- Returns {total, id, failed_at, body, meta, ...}.
local off = tonumber(ARGV[1])
local ids = redis.call('ZREVRANGE', KEYS[1], off,
    off + tonumber(ARGV[2]) - 1, 'WITHSCORES')
local out = {redis.call('ZCARD', KEYS[1])}
for i = 1, #ids, 2 do
	local id = ids[i]
	out[#out + 1] = id
	out[#out + 1] = tonumber(ids[i + 1])
	out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
	out[#out + 1] = redis.call('HGET', KEYS[3], id) or ''
end
return out
