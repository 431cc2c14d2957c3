/*
 * test-backoff.c -- unit tests of core/backoff.c: retry delays and the
 * random numbers behind them.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * The delay doubles per attempt up to the cap, the jitter stays within
 * [d/2, d] for every draw, huge attempts do not overflow, base 0 means no
 * delay; the unit generator stays in [0, 1) and is not constant, also
 * across threads; random hex is lowercase, sized and different each time.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <limits.h>
#include <math.h>
#include <pthread.h>

#include <cmocka.h>

#include "tq-int.h"

/* The largest double below 1: the top of unit_random's range. */
#define ALMOST_ONE	(1.0 - 0x1.0p-53)

static void
test_growth(void **state TQ_UNUSED)
{
	/* With unit_random near 1 the jitter adds the whole second half. */
	assert_int_equal(tq_backoff_ms(1000, 3600000, 1, ALMOST_ONE), 1000);
	assert_int_equal(tq_backoff_ms(1000, 3600000, 2, ALMOST_ONE), 2000);
	assert_int_equal(tq_backoff_ms(1000, 3600000, 3, ALMOST_ONE), 4000);
	assert_int_equal(tq_backoff_ms(1000, 3600000, 4, ALMOST_ONE), 8000);
	assert_int_equal(tq_backoff_ms(1000, 3600000, 11, ALMOST_ONE),
	    1024000);

	/* With 0 it is exactly half. */
	assert_int_equal(tq_backoff_ms(1000, 3600000, 1, 0.0), 500);
	assert_int_equal(tq_backoff_ms(1000, 3600000, 3, 0.0), 2000);
	assert_int_equal(tq_backoff_ms(1000, 3600000, 3, 0.5), 3000);

	/* Attempt 0 or below counts as the first. */
	assert_int_equal(tq_backoff_ms(1000, 3600000, 0, 0.0), 500);
	assert_int_equal(tq_backoff_ms(1000, 3600000, -5, 0.0), 500);

	/* Rounded: 3/2 + 0 = 1.5 is 2. */
	assert_int_equal(tq_backoff_ms(3, 100, 1, 0.0), 2);
}

static void
test_cap(void **state TQ_UNUSED)
{
	/* 1000 * 2^12 > 3600000: the cap. */
	assert_int_equal(tq_backoff_ms(1000, 3600000, 13, ALMOST_ONE),
	    3600000);
	assert_int_equal(tq_backoff_ms(1000, 3600000, 13, 0.0), 1800000);
	assert_int_equal(tq_backoff_ms(1000, 3600000, 30, 0.0), 1800000);
	/* A cap below the base wins. */
	assert_int_equal(tq_backoff_ms(5000, 2000, 1, ALMOST_ONE), 2000);
	/* A cap of 0 or less means none. */
	assert_int_equal(tq_backoff_ms(1000, 0, 21, 0.0), 524288000);
	assert_int_equal(tq_backoff_ms(1000, -1, 21, 0.0), 524288000);
}

static void
test_huge_attempt(void **state TQ_UNUSED)
{
	int64_t	d;

	assert_int_equal(tq_backoff_ms(1000, 3600000, INT_MAX, 0.0), 1800000);
	assert_int_equal(tq_backoff_ms(1000, 3600000, INT_MAX, ALMOST_ONE),
	    3600000);
	assert_int_equal(tq_backoff_ms(1000, 3600000, 64, 0.0), 1800000);
	assert_int_equal(tq_backoff_ms(1000, 3600000, 65, 0.0), 1800000);

	/* No cap: saturates at INT64_MAX rather than wrapping negative. */
	d = tq_backoff_ms(1000, 0, INT_MAX, 0.0);
	assert_true(d >= INT64_MAX / 2 - 1);
	d = tq_backoff_ms(1000, 0, INT_MAX, ALMOST_ONE);
	assert_true(d > INT64_MAX / 2);
	assert_true(d <= INT64_MAX);
	d = tq_backoff_ms(INT64_MAX, INT64_MAX, 2, ALMOST_ONE);
	assert_true(d > 0);
	d = tq_backoff_ms(INT64_MAX / 3, 0, 3, 0.25);
	assert_true(d > 0);
}

static void
test_base_zero(void **state TQ_UNUSED)
{
	assert_int_equal(tq_backoff_ms(0, 3600000, 1, 0.7), 0);
	assert_int_equal(tq_backoff_ms(0, 3600000, 50, 0.7), 0);
	assert_int_equal(tq_backoff_ms(-10, 3600000, 3, 0.7), 0);
	/* A positive base is never below 1 ms. */
	assert_int_equal(tq_backoff_ms(1, 10, 1, 0.0), 1);
	assert_int_equal(tq_backoff_ms(1, 10, 1, ALMOST_ONE), 1);
}

static void
test_bad_unit(void **state TQ_UNUSED)
{
	/* Out-of-range draws are clamped, never trusted. */
	assert_int_equal(tq_backoff_ms(1000, 60000, 1, -3.0), 500);
	assert_int_equal(tq_backoff_ms(1000, 60000, 1, 7.0), 1000);
	assert_int_equal(tq_backoff_ms(1000, 60000, 1, NAN), 500);
}

static void
test_jitter_bounds(void **state TQ_UNUSED)
{
	int64_t	base = 250, cap = 60000, d, got, lo = INT64_MAX, hi = 0;
	int	attempt, i;

	for (attempt = 1; attempt <= 20; attempt++) {
		d = base << (attempt - 1);
		if (d > cap || attempt > 16)
			d = cap;
		lo = INT64_MAX;
		hi = 0;
		for (i = 0; i < 20000; i++) {
			got = tq_backoff_ms(base, cap, attempt,
			    tq_random_unit());
			if (got < d / 2 || got > d)
				fail_msg("attempt %d: %lld not in [%lld, %lld]",
				    attempt, (long long)got, (long long)(d / 2),
				    (long long)d);
			if (got < lo)
				lo = got;
			if (got > hi)
				hi = got;
		}
		/* The draws spread over most of the range. */
		assert_true(lo <= d / 2 + d / 20 + 1);
		assert_true(hi >= d - d / 20 - 1);
	}
}

static void
test_random_unit(void **state TQ_UNUSED)
{
	double	u, sum = 0.0;
	int	i, low = 0, n = 100000;

	for (i = 0; i < n; i++) {
		u = tq_random_unit();
		assert_true(u >= 0.0);
		assert_true(u < 1.0);
		sum += u;
		if (u < 0.1)
			low++;
	}
	/* Mean 0.5 and a tenth below 0.1, within generous margins. */
	assert_true(sum / n > 0.48 && sum / n < 0.52);
	assert_true(low > n / 20 && low < n / 5);
}

/* Each thread draws a few numbers into its slot. */
static void *
draw_thread(void *arg)
{
	double	*out = arg;
	int	 i;

	for (i = 0; i < 4; i++)
		out[i] = tq_random_unit();
	return (NULL);
}

static void
test_random_threads(void **state TQ_UNUSED)
{
	pthread_t	th[4];
	double		out[4][4];
	int		i, j;

	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&th[i], NULL, draw_thread,
		    out[i]), 0);
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	/* Threads are seeded apart, so their sequences differ. */
	for (i = 0; i < 4; i++) {
		for (j = i + 1; j < 4; j++)
			assert_true(out[i][0] != out[j][0]);
	}
}

static void
test_random_hex(void **state TQ_UNUSED)
{
	char	a[33], b[33], odd[8], big[301], one[1];
	size_t	i;

	memset(a, 'Z', sizeof a);
	tq_random_hex(a, sizeof a);
	assert_int_equal(strlen(a), 32);
	for (i = 0; i < 32; i++)
		assert_non_null(strchr("0123456789abcdef", a[i]));
	tq_random_hex(b, sizeof b);
	assert_string_not_equal(a, b);

	/* An odd number of digits. */
	memset(odd, 'Z', sizeof odd);
	tq_random_hex(odd, sizeof odd);
	assert_int_equal(strlen(odd), 7);
	for (i = 0; i < 7; i++)
		assert_non_null(strchr("0123456789abcdef", odd[i]));

	/* More than one getrandom chunk. */
	tq_random_hex(big, sizeof big);
	assert_int_equal(strlen(big), 300);
	for (i = 0; i < 300; i++)
		assert_non_null(strchr("0123456789abcdef", big[i]));

	/* Room for the NUL only; and nothing at all. */
	one[0] = 'Z';
	tq_random_hex(one, sizeof one);
	assert_int_equal(one[0], '\0');
	one[0] = 'Z';
	tq_random_hex(one, 0);
	assert_int_equal(one[0], 'Z');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_huge_attempt),
		cmocka_unit_test(test_base_zero),
		cmocka_unit_test(test_bad_unit),
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_random_unit),
		cmocka_unit_test(test_random_threads),
		cmocka_unit_test(test_random_hex),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
