-- findready: look for an inline body by its id in the ready lists, a
-- window at a time (read-only; tq inspect of a new ready task).
-- KEYS: 1..10 ready:9 .. ready:0
-- ARGV: 1 id, 2 list (1-10), 3 offset in it, 4 entries to read at most
-- Returns {1, body, priority} when found, else {0, list, offset} to go
-- on from, with list 0 when every list was read.  Lists move while the
-- caller loops (a window may skip or repeat entries); a task dequeued
-- meanwhile is in t, where inspect finds it when asked again.
local prefix = '{"id":"' .. ARGV[1] .. '"'
local k, off = tonumber(ARGV[2]), tonumber(ARGV[3])
local left = tonumber(ARGV[4])
while k <= 10 and left > 0 do
	local win = left < 1000 and left or 1000
	local els = redis.call('LRANGE', KEYS[k], off, off + win - 1)
	for _, e in ipairs(els) do
		if string.sub(e, 1, #prefix) == prefix then
			return {1, e, 10 - k}
		end
	end
	left = left - win
	if #els < win then
		k, off = k + 1, 0
	else
		off = off + win
	end
end
if k > 10 then
	k = 0
end
return {0, k, off}
