-- resume: hand out tasks of a paused queue again, waking its workers.
-- KEYS: 1 paused, 2 wake
-- ARGV: 1 wake cap
-- Returns 1 when the queue was paused, 0 when it was running.
if redis.call('DEL', KEYS[1]) == 0 then
	return 0
end
tq_wake(KEYS[2], 64, tonumber(ARGV[1]))
return 1
