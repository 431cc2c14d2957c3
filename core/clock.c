/*
 * clock.c -- the two clocks libtq reads, in milliseconds.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Intervals (timeouts, backoff, blocking) use the monotonic clock so that
 * a wall-clock step cannot stretch or cut them.  Task records carry wall
 * time, but every deadline that decides a task's fate is taken from the
 * Redis server's clock inside a script, never from these.
 */

#include <errno.h>
#include <time.h>

#include "tq-int.h"

int64_t
tq_monotonic_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int64_t
tq_monotonic_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

int64_t
tq_wall_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Sleep ms, resuming after signals. */
void
tq_sleep_ms(int64_t ms)
{
	struct timespec	ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}
