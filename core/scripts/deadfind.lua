-- deadfind: the dead letters whose id, type or last error contains a
-- text, newest first, a bounded slice of the dead set per call
-- (read-only).  The cursor is a score and how many entries of that score
-- were already read, so that letters going dead meanwhile (newer, so
-- ahead of it) neither shift the scan nor appear twice.
-- KEYS: 1 dead, 2 t, 3 m
-- ARGV: 1 score to start at ('+inf': the newest), 2 entries of that
--       score to pass over, 3 how many entries to read, 4 the text,
--       5 '1' when the text is in the queue's name (so that a body
--       without a type, which is the queue's name, matches)
-- Returns {next score or '' at the end, next skip, read, total,
--          id, failed_at, body, meta, ...} for the matches.
local text = ARGV[4]
local page = redis.call('ZRANGE', KEYS[1], ARGV[1], '-inf', 'BYSCORE',
    'REV', 'LIMIT', tonumber(ARGV[2]), tonumber(ARGV[3]), 'WITHSCORES')
local nread = #page / 2

local function has(s)
	return type(s) == 'string' and string.find(s, text, 1, true) ~= nil
end

-- The type member, looked for before the payload only (a payload may
-- well have a "type" of its own); nil when the body has none.
local function type_of(body)
	local p = string.find(body, '"payload"', 1, true)
	local head = p and string.sub(body, 1, p) or body
	return string.match(head, '"type"%s*:%s*"([^"]*)"')
end

local function error_of(meta)
	local ok, m = pcall(cjson.decode, meta)
	if ok and type(m) == 'table' then
		return m.error
	end
	return nil
end

-- Most letters do not match: a plain search of the stored text rules
-- them out before anything is decoded, unless the text has characters
-- that JSON escapes (then only the decoded strings can tell).
local plain = string.find(text, '["\\]') == nil
local untyped = ARGV[5] == '1'
-- One HMGET each for the slice's bodies and metas (a call per letter
-- would cost twice the time); a hash of the wrong type reads as empty.
local ids = {}
for i = 1, #page, 2 do
	ids[#ids + 1] = page[i]
end
local function values(key)
	local v = #ids > 0 and redis.pcall('HMGET', key, unpack(ids)) or {}
	return type(v) == 'table' and v.err == nil and v or {}
end
local bodies, metas = values(KEYS[2]), values(KEYS[3])
local out = {'', 0, nread, redis.call('ZCARD', KEYS[1])}
for j = 1, #ids do
	local id = ids[j]
	local body = type(bodies[j]) == 'string' and bodies[j] or ''
	local meta = type(metas[j]) == 'string' and metas[j] or ''
	local hit = has(id)
	if not hit and (untyped or not plain or has(body)) then
		local ty = type_of(body)
		hit = has(ty) or (ty == nil and untyped)
	end
	if not hit and meta ~= '' and (not plain or has(meta)) then
		hit = has(error_of(meta))
	end
	if hit then
		out[#out + 1] = id
		out[#out + 1] = tonumber(page[2 * j])
		out[#out + 1] = body
		out[#out + 1] = meta
	end
end

if nread == tonumber(ARGV[3]) then
	-- Where the next call starts: the last score read, past the
	-- entries of that score seen so far.
	local last = page[#page]
	local same = 0
	for i = #page, 2, -2 do
		if page[i] ~= last then
			break
		end
		same = same + 1
	end
	if same == nread and tonumber(last) == tonumber(ARGV[1]) then
		same = same + tonumber(ARGV[2])
	end
	out[1] = last
	out[2] = same
end
return out
