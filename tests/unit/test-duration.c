/*
 * test-duration.c -- unit tests of core/duration.c.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Durations and sizes in every unit, decimals, the limits of int64_t,
 * bad input with the message it must give, range-checked integers, and
 * that the formatted forms read back to the same value.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "tq-int.h"

static void
check_duration(const char *s, int64_t want)
{
	struct tq_error	err;
	int64_t		ms = -1;

	if (tq_parse_duration(s, &ms, &err) != 0)
		fail_msg("'%s': %s", s, err.msg);
	if (ms != want)
		fail_msg("'%s' is %lld ms, not %lld", s, (long long)ms,
		    (long long)want);
}

static void
check_size(const char *s, int64_t want)
{
	struct tq_error	err;
	int64_t		n = -1;

	if (tq_parse_size(s, &n, &err) != 0)
		fail_msg("'%s': %s", s, err.msg);
	if (n != want)
		fail_msg("'%s' is %lld bytes, not %lld", s, (long long)n,
		    (long long)want);
}

/* parse must fail with TQ_EINVAL and exactly the message want. */
static void
check_bad(int (*parse)(const char *, int64_t *, struct tq_error *),
    const char *s, const char *want)
{
	struct tq_error	err;
	int64_t		v = 12345;

	tq_error_clear(&err);
	if (parse(s, &v, &err) == 0)
		fail_msg("'%s' was accepted as %lld", s, (long long)v);
	assert_int_equal(err.code, TQ_EINVAL);
	assert_int_equal(v, 12345);	/* untouched on error */
	if (strcmp(err.msg, want) != 0)
		fail_msg("'%s': message '%s', expected '%s'", s, err.msg, want);
}

static void
test_duration_units(void **state)
{
	(void)state;
	check_duration("250ms", 250);
	check_duration("30s", 30000);
	check_duration("5m", 300000);
	check_duration("2h", 7200000);
	check_duration("90d", 90LL * 86400000);
	check_duration("1.5s", 1500);
	check_duration("0.25s", 250);
	check_duration("0.001s", 1);
	check_duration("1.5m", 90000);
	check_duration("0.5d", 43200000);
	check_duration("30", 30000);		/* bare: seconds */
	check_duration("1.5", 1500);
	check_duration("0", 0);
	check_duration("0ms", 0);
	check_duration("007s", 7000);
	check_duration("2.000000h", 7200000);
	check_duration("9223372036854775807ms", INT64_MAX);
	check_duration("106751991167d", 106751991167LL * 86400000);
}

static void
test_duration_bad(void **state)
{
	static const char hint[] = " is not a duration (expected a number "
	    "and a unit: 250ms, 30s, 5m, 2h, 90d)";
	char	want[256];

	(void)state;
	check_bad(tq_parse_duration, "", "empty duration");
	check_bad(tq_parse_duration, "-5s", "'-5s' is negative");
	check_bad(tq_parse_duration, "-0", "'-0' is negative");
#define BAD(s) do {							\
	snprintf(want, sizeof want, "'%s'%s", s, hint);			\
	check_bad(tq_parse_duration, s, want);				\
} while (0)
	BAD("abc");
	BAD("5x");
	BAD("5S");
	BAD("5M");
	BAD("5 s");
	BAD(" 5s");
	BAD("5s ");
	BAD("+5s");
	BAD("1.s");
	BAD(".5s");
	BAD("s");
	BAD("5sec");
	BAD("1e3ms");
	BAD("5s5");
#undef BAD
	check_bad(tq_parse_duration, "1.0001s",
	    "'1.0001s' is not a whole number of milliseconds");
	check_bad(tq_parse_duration, "0.5ms",
	    "'0.5ms' is not a whole number of milliseconds");
	check_bad(tq_parse_duration, "1.1234567s",
	    "'1.1234567s' has more than 6 decimals");
	check_bad(tq_parse_duration, "9223372036854775808ms",
	    "'9223372036854775808ms' is too large");
	check_bad(tq_parse_duration, "106751991168d",
	    "'106751991168d' is too large");
	check_bad(tq_parse_duration, "99999999999999999999999d",
	    "'99999999999999999999999d' is too large");
	check_bad(tq_parse_duration, "9223372036854775.808s",
	    "'9223372036854775.808s' is too large");
}

static void
test_size(void **state)
{
	(void)state;
	check_size("100", 100);
	check_size("0", 0);
	check_size("10B", 10);
	check_size("1K", 1024);
	check_size("512K", 512 * 1024);
	check_size("1M", 1048576);
	check_size("1G", 1073741824);
	check_size("2T", 2LL << 40);
	check_size("1MB", 1048576);
	check_size("1mb", 1048576);
	check_size("1kB", 1024);
	check_size("1m", 1048576);
	check_size("1.5K", 1536);
	check_size("0.5M", 524288);
	check_size("8388607T", 8388607LL << 40);
}

static void
test_size_bad(void **state)
{
	static const char hint[] = " is not a size (expected bytes, or a "
	    "number and K, M, G or T: 512K, 1M)";
	char	want[256];

	(void)state;
	check_bad(tq_parse_size, "", "empty size");
	check_bad(tq_parse_size, "-1K", "'-1K' is negative");
#define BAD(s) do {							\
	snprintf(want, sizeof want, "'%s'%s", s, hint);			\
	check_bad(tq_parse_size, s, want);				\
} while (0)
	BAD("K");
	BAD("1X");
	BAD("1KiB");
	BAD("1BB");
	BAD("1 M");
	BAD("M1");
#undef BAD
	check_bad(tq_parse_size, "1.3B", "'1.3B' is not a whole number of "
	    "bytes");
	check_bad(tq_parse_size, "0.1K", "'0.1K' is not a whole number of "
	    "bytes");
	check_bad(tq_parse_size, "8388608T", "'8388608T' is too large");
	check_bad(tq_parse_size, "17179869184G", "'17179869184G' is too large");
}

static void
check_int(const char *s, long long min, long long max, long long want)
{
	struct tq_error	err;
	long long	v;

	if (tq_parse_int(s, min, max, &v, &err) != 0)
		fail_msg("'%s': %s", s, err.msg);
	assert_int_equal(v, want);
}

static void
check_int_bad(const char *s, long long min, long long max, const char *want)
{
	struct tq_error	err;
	long long	v = 777;

	tq_error_clear(&err);
	if (tq_parse_int(s, min, max, &v, &err) == 0)
		fail_msg("'%s' was accepted", s);
	assert_int_equal(err.code, TQ_EINVAL);
	assert_int_equal(v, 777);
	if (strcmp(err.msg, want) != 0)
		fail_msg("'%s': message '%s', expected '%s'", s, err.msg, want);
}

static void
test_int(void **state)
{
	(void)state;
	check_int("42", 0, 100, 42);
	check_int("0", 0, 0, 0);
	check_int("-3", -5, 5, -3);
	check_int("65535", 1, 65535, 65535);
	check_int("007", 0, 10, 7);
	check_int("9223372036854775807", 0, INT64_MAX, INT64_MAX);
	check_int("-9223372036854775808", INT64_MIN, 0, INT64_MIN);

	check_int_bad("70000", 1, 65535, "70000 is above the maximum 65535");
	check_int_bad("-1", 0, 10, "-1 is below the minimum 0");
	check_int_bad("0", 1, 10, "0 is below the minimum 1");
	check_int_bad("99999999999999999999", 0, 10,
	    "99999999999999999999 is above the maximum 10");
	check_int_bad("-99999999999999999999", 0, 10,
	    "-99999999999999999999 is below the minimum 0");
	check_int_bad("abc", 0, 10, "'abc' is not an integer");
	check_int_bad("", 0, 10, "'' is not an integer");
	check_int_bad("-", 0, 10, "'-' is not an integer");
	check_int_bad("+5", 0, 10, "'+5' is not an integer");
	check_int_bad(" 5", 0, 10, "' 5' is not an integer");
	check_int_bad("5 ", 0, 10, "'5 ' is not an integer");
	check_int_bad("0x10", 0, 100, "'0x10' is not an integer");
	check_int_bad("1e3", 0, 10000, "'1e3' is not an integer");
	check_int_bad("1.0", 0, 10, "'1.0' is not an integer");
}

static void
test_format(void **state)
{
	static const int64_t durations[] = {
		0, 1, 999, 1000, 1500, 60000, 90000, 3600000, 5400000,
		86400000, 90LL * 86400000, 86400001, INT64_MAX,
	};
	static const int64_t sizes[] = {
		0, 1, 100, 1023, 1024, 1536, 1048576, 536870912,
		1073741824, 1LL << 40, (1LL << 40) + 1024, INT64_MAX,
	};
	char	buf[32];
	int64_t	v;
	size_t	i;

	(void)state;
	assert_string_equal(tq_format_duration(0, buf, sizeof buf), "0s");
	assert_string_equal(tq_format_duration(250, buf, sizeof buf), "250ms");
	assert_string_equal(tq_format_duration(1500, buf, sizeof buf),
	    "1500ms");
	assert_string_equal(tq_format_duration(90000, buf, sizeof buf), "90s");
	assert_string_equal(tq_format_duration(300000, buf, sizeof buf), "5m");
	assert_string_equal(tq_format_duration(3600000, buf, sizeof buf), "1h");
	assert_string_equal(tq_format_duration(90LL * 86400000, buf,
	    sizeof buf), "90d");
	assert_string_equal(tq_format_size(100, buf, sizeof buf), "100");
	assert_string_equal(tq_format_size(1536, buf, sizeof buf), "1536");
	assert_string_equal(tq_format_size(1048576, buf, sizeof buf), "1M");
	assert_string_equal(tq_format_size(512LL << 20, buf, sizeof buf),
	    "512M");
	assert_string_equal(tq_format_size(3LL << 30, buf, sizeof buf), "3G");
	assert_string_equal(tq_format_size(1LL << 40, buf, sizeof buf), "1T");

	/* Whatever is written reads back the same. */
	for (i = 0; i < TQ_NITEMS(durations); i++) {
		tq_format_duration(durations[i], buf, sizeof buf);
		assert_int_equal(tq_parse_duration(buf, &v, NULL), 0);
		assert_int_equal(v, durations[i]);
	}
	for (i = 0; i < TQ_NITEMS(sizes); i++) {
		tq_format_size(sizes[i], buf, sizeof buf);
		assert_int_equal(tq_parse_size(buf, &v, NULL), 0);
		assert_int_equal(v, sizes[i]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_bad),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_size_bad),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_format),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
