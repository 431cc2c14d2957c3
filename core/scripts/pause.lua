-- pause: stop handing out tasks of a queue (enqueue still works).
-- KEYS: 1 paused
-- Returns 1 when the queue was running, 0 when already paused.
if redis.call('EXISTS', KEYS[1]) == 1 then
	return 0
end
redis.call('SET', KEYS[1], tq_now())
return 1
