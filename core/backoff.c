/*
 * backoff.c -- retry delays and the randomness behind them.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A failed task waits before its next attempt.  The wait doubles with each
 * attempt up to the queue's cap, and is jittered so that a burst of tasks
 * failing together (a database restart) does not come back together.  We
 * use "equal jitter": half the delay is fixed, half random, so a retry is
 * never much earlier than the schedule promises.  The arithmetic is pure;
 * the random draw is passed in so tests can pin it.
 *
 * Randomness for jitter comes from a per-thread splitmix64 generator seeded
 * from getrandom(2): cheap, lock-free and good enough for spreading load.
 * Delivery tokens, which must not collide between workers, take their
 * bytes from getrandom(2) directly.  Task ids, which are made by the
 * hundred thousand a second, take theirs from a per-thread pool that one
 * getrandom(2) call refills (libuuid's own generator makes five system
 * calls per id); a forked child drops its copy of the pool.
 */

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "tq-int.h"

#define BACKOFF_POOL	512	/* bytes of the per-thread random pool */

static __thread uint64_t	backoff_state;
static __thread int		backoff_seeded;
static __thread unsigned char	backoff_pool[BACKOFF_POOL];
static __thread size_t		backoff_pool_left;
static pthread_once_t		backoff_once = PTHREAD_ONCE_INIT;

int64_t
tq_backoff_ms(int64_t base_ms, int64_t cap_ms, int attempt,
    double unit_random)
{
	int64_t	limit, d;
	double	half, r;
	int	i;

	if (base_ms <= 0)
		return (0);
	limit = cap_ms > 0 ? cap_ms : INT64_MAX;
	d = base_ms < limit ? base_ms : limit;

	/* Double attempt - 1 times, stopping at the limit: no overflow. */
	for (i = 1; i < attempt && d < limit; i++) {
		if (d > limit / 2)
			d = limit;
		else
			d *= 2;
	}

	/* NaN fails both comparisons and becomes 0. */
	if (!(unit_random >= 0.0))
		unit_random = 0.0;
	if (unit_random > 1.0)
		unit_random = 1.0;
	half = (double)d / 2.0;
	r = half + unit_random * half;

	/*
	 * Round half up without libm.  Near INT64_MAX the double may round
	 * up past what fits; above 2^53 adding 0.5 changes nothing.
	 */
	if (r >= (double)d)
		return (d);
	d = (int64_t)(r + 0.5);
	return (d < 1 ? 1 : d);
}

/* In a forked child, draw a new seed rather than repeat the parent's. */
static void
backoff_atfork_child(void)
{
	backoff_seeded = 0;
	backoff_pool_left = 0;
}

static void
backoff_register(void)
{
	pthread_atfork(NULL, NULL, backoff_atfork_child);
}

/* Fill buf from getrandom(2), retrying short reads; -1 if unavailable. */
static int
backoff_getrandom(void *buf, size_t len)
{
	unsigned char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = getrandom(p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

/* splitmix64: every seed is a good one, and a step is a few instructions. */
static uint64_t
backoff_next(void)
{
	struct timespec	ts;
	uint64_t	z;
	int		saved;

	if (!backoff_seeded) {
		saved = errno;
		pthread_once(&backoff_once, backoff_register);
		if (backoff_getrandom(&backoff_state,
		    sizeof backoff_state) != 0) {
			/* No getrandom: mix time, pid and a TLS address. */
			clock_gettime(CLOCK_MONOTONIC, &ts);
			backoff_state = (uint64_t)ts.tv_nsec ^
			    ((uint64_t)ts.tv_sec << 32) ^
			    ((uint64_t)getpid() << 16) ^
			    (uint64_t)(uintptr_t)&backoff_state;
		}
		backoff_seeded = 1;
		errno = saved;
	}
	z = (backoff_state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

double
tq_random_unit(void)
{
	/* The top 53 bits fill a double's mantissa exactly: [0, 1). */
	return ((double)(backoff_next() >> 11) * 0x1.0p-53);
}

void
tq_random_hex(char *buf, size_t nbytes)
{
	static const char	 hex[] = "0123456789abcdef";
	unsigned char		 raw[64];
	uint64_t		 v;
	size_t			 nhex, i, j, chunk;
	int			 saved;

	if (nbytes == 0)
		return;
	nhex = nbytes - 1;
	saved = errno;
	for (i = 0; i < nhex; i += chunk * 2) {
		chunk = (nhex - i + 1) / 2;
		if (chunk > sizeof raw)
			chunk = sizeof raw;
		if (backoff_getrandom(raw, chunk) != 0) {
			/* Unreachable on Linux >= 3.17; degrade, not fail. */
			for (j = 0; j < chunk; j += 8) {
				v = backoff_next();
				memcpy(raw + j, &v,
				    chunk - j < 8 ? chunk - j : 8);
			}
		}
		for (j = 0; j < chunk && i + 2 * j < nhex; j++) {
			buf[i + 2 * j] = hex[raw[j] >> 4];
			if (i + 2 * j + 1 < nhex)
				buf[i + 2 * j + 1] = hex[raw[j] & 0xf];
		}
	}
	buf[nhex] = '\0';
	errno = saved;
}

void
tq_random_bytes(void *buf, size_t n)
{
	unsigned char	*p = buf;
	size_t		 take;
	uint64_t	 v;
	int		 saved;

	pthread_once(&backoff_once, backoff_register);
	while (n > 0) {
		if (backoff_pool_left == 0) {
			saved = errno;
			if (backoff_getrandom(backoff_pool,
			    sizeof backoff_pool) != 0) {
				/* Unreachable on Linux >= 3.17. */
				for (take = 0; take < sizeof backoff_pool;
				    take += 8) {
					v = backoff_next();
					memcpy(backoff_pool + take, &v, 8);
				}
			}
			errno = saved;
			backoff_pool_left = sizeof backoff_pool;
		}
		take = n < backoff_pool_left ? n : backoff_pool_left;
		memcpy(p, backoff_pool + sizeof backoff_pool -
		    backoff_pool_left, take);
		/* Bytes handed out are not kept around. */
		memset(backoff_pool + sizeof backoff_pool - backoff_pool_left,
		    0, take);
		backoff_pool_left -= take;
		p += take;
		n -= take;
	}
}
