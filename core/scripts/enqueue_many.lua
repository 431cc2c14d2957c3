-- enqueue_many: store many new tasks of one queue (none with a unique
-- key) and make each ready or scheduled; tq_batch_exec's fast path.
-- KEYS: 1 t, 2 sched, 3 wake, 4 stats, 5 hist, 6..15 ready:0 .. ready:9,
--       16 ids
-- ARGV: 1 wake cap, then 6 per task: id, body, priority, delay_ms, at_ms,
--       given (1: the producer chose the id)
-- Returns one integer per task: its due time (ms) when scheduled, 0 when
-- ready, -1 when a task with its given id exists already or was done
-- lately (nothing written).  A ready task with an id of libtq's goes into its list
-- inline, body and all (see enqueue); the rest are stored in t with one
-- HSETNX each.  The lists, the schedule and the counters take one
-- command per call, whatever the number of tasks.
local now = tq_now()
local given_ids = {}
local ngiven = 0
local out = {}
local ready = {}
local sched = {}
local nready = 0
local stored = 0
for i = 2, #ARGV, 6 do
	local id, body = ARGV[i], ARGV[i + 1]
	local given = ARGV[i + 5] == '1'
	local due = tonumber(ARGV[i + 4])
	if due == 0 then
		due = now + tonumber(ARGV[i + 3])
	end
	local r = -1
	local inline = not given and due <= now
	if given and tq_id_taken(KEYS[1], KEYS[16], id, now) then
		-- refused: r stays -1
	elseif inline or redis.call('HSETNX', KEYS[1], id, body) == 1 then
		if given then
			ngiven = ngiven + 1
			given_ids[2 * ngiven - 1] = 0
			given_ids[2 * ngiven] = id
		end
		stored = stored + 1
		if due > now then
			sched[#sched + 1] = due
			sched[#sched + 1] = id
			r = due
		else
			local p = tonumber(ARGV[i + 2])
			local l = ready[p]
			if not l then
				l = {}
				ready[p] = l
			end
			l[#l + 1] = inline and body or id
			nready = nready + 1
			r = 0
		end
	end
	out[#out + 1] = r
end
for p, l in pairs(ready) do
	redis.call('LPUSH', KEYS[6 + p], unpack(l))
end
if #sched > 0 then
	redis.call('ZADD', KEYS[2], unpack(sched))
end
if ngiven > 0 then
	redis.call('ZADD', KEYS[16], unpack(given_ids))
	tq_ids_prune(KEYS[16], now, ngiven + 16)
end
if stored > 0 then
	tq_count(KEYS[4], 'enqueued', stored)
	tq_hist(KEYS[5], now, stored, 0, 0)
end
tq_wake(KEYS[3], nready, tonumber(ARGV[1]))
return out
