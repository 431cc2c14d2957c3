-- inspect: where a task is and what is known of it (read-only).
-- KEYS: 1 t, 2 m, 3 sched, 4 active, 5 lease, 6 retry, 7 dead, 8 res:ID
-- ARGV: 1 id
-- Returns {state, body, meta, score, token, result, finished_at}, with
-- state "unknown" when this queue does not hold the task.  For a done
-- task, token is "@" and the worker that finished it.
local id = ARGV[1]
local body = redis.call('HGET', KEYS[1], id)
if not body then
	local r = redis.call('HMGET', KEYS[8], 'body', 'result', 'finished_at',
	    'worker')
	if r[2] then
		return {'done', r[1] or '', '', 0, '@' .. (r[4] or ''), r[2],
		    tonumber(r[3] or 0)}
	end
	return {'unknown', '', '', 0, '', '', 0}
end
local meta = redis.call('HGET', KEYS[2], id) or ''
local zsets = {{'scheduled', 3}, {'active', 4}, {'retry', 6}, {'dead', 7}}
for _, z in ipairs(zsets) do
	local s = redis.call('ZSCORE', KEYS[z[2]], id)
	if s then
		local tok = ''
		if z[1] == 'active' then
			tok = redis.call('HGET', KEYS[5], id) or ''
		end
		return {z[1], body, meta, tonumber(s), tok, '', 0}
	end
end
return {'ready', body, meta, 0, '', '', 0}
