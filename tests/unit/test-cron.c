/*
 * test-cron.c -- unit tests of daemon/cron.c.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Every syntax of a cron spec and every error with the message it must
 * give; next occurrences from fixed instants in UTC (steps, lists, names,
 * the either-day rule, February 29, @every on epoch multiples, the
 * five-year horizon); daylight saving time in Europe/Paris and
 * America/New_York (a skipped time does not fire, a repeated one fires
 * once); $TZ left as it was found; time zone names; ten thousand calls
 * in a row; and the missed-occurrence policy of daemon/schedule.c
 * (schedule_due): the latest occurrence at most misfire_grace late fires,
 * older ones never, none twice, and a grace of 0 still lets tqd's own
 * lateness through.  Instants are written "YYYY-MM-DD HH:MM" in UTC.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "tqd.h"

#define NITEMS(a)	(sizeof (a) / sizeof (a)[0])
#define MIN_MS		(60 * 1000LL)
#define HOUR_MS		(60 * MIN_MS)
#define DAY_MS		(24 * HOUR_MS)

/* "YYYY-MM-DD HH:MM[:SS]" in UTC, as Unix ms. */
static int64_t
utc(const char *s)
{
	struct tm	tm;
	int		n, sec = 0;

	memset(&tm, 0, sizeof tm);
	n = sscanf(s, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon,
	    &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &sec);
	if (n < 5)
		fail_msg("bad test time '%s'", s);
	tm.tm_year -= 1900;
	tm.tm_mon--;
	tm.tm_sec = sec;
	return ((int64_t)timegm(&tm) * 1000);
}

/* ms as "YYYY-MM-DD HH:MM:SS" (UTC) into buf, for messages. */
static const char *
fmt(int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t;

	if (ms < 0) {
		snprintf(buf, len, "%lld", (long long)ms);
		return (buf);
	}
	t = (time_t)(ms / 1000);
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return (buf);
}

static struct cron
parse_ok(const char *spec)
{
	struct cron	c;
	char		err[256];

	memset(&c, 0xa5, sizeof c);
	if (cron_parse(spec, &c, err, sizeof err) != 0)
		fail_msg("'%s' refused: %s", spec, err);
	return (c);
}

static void
parse_err(const char *spec, const char *want)
{
	struct cron	c, before;
	char		err[256];

	memset(&c, 0x5a, sizeof c);
	before = c;
	if (cron_parse(spec, &c, err, sizeof err) == 0)
		fail_msg("'%s' accepted", spec);
	if (strcmp(err, want) != 0)
		fail_msg("'%s': got \"%s\", expected \"%s\"", spec, err, want);
	/* A failed parse leaves *out alone. */
	assert_memory_equal(&c, &before, sizeof c);
	/* And a NULL err is allowed. */
	assert_int_equal(cron_parse(spec, &c, NULL, 0), -1);
}

/* The next occurrence of spec in tz after after must be want. */
static void
check_next(const char *spec, const char *tz, const char *after,
    const char *want)
{
	struct cron	c = parse_ok(spec);
	int64_t		got, w;
	char		b1[32], b2[32];

	w = want != NULL ? utc(want) : -1;
	got = cron_next(&c, utc(after), tz);
	if (got != w)
		fail_msg("'%s' in %s after %s: got %s, expected %s", spec,
		    tz == NULL ? "(null)" : tz, after, fmt(got, b1, sizeof b1),
		    fmt(w, b2, sizeof b2));
}

/* The n occurrences of spec after after are want[0..n). */
static void
check_seq(const char *spec, const char *tz, const char *after,
    const char *const *want, size_t n)
{
	struct cron	c = parse_ok(spec);
	int64_t		t = utc(after), w;
	char		b1[32], b2[32];
	size_t		i;

	for (i = 0; i < n; i++) {
		w = utc(want[i]);
		t = cron_next(&c, t, tz);
		if (t != w)
			fail_msg("'%s' in %s, occurrence %zu after %s: got %s, "
			    "expected %s", spec, tz, i + 1, after,
			    fmt(t, b1, sizeof b1), fmt(w, b2, sizeof b2));
	}
}

static uint64_t
bits(int lo, int hi, int step)
{
	uint64_t	m = 0;
	int		i;

	for (i = lo; i <= hi; i += step)
		m |= 1ULL << i;
	return (m);
}

static void
test_parse_fields(void **state)
{
	struct cron	c;

	(void)state;
	c = parse_ok("* * * * *");
	assert_true(c.minute == bits(0, 59, 1));
	assert_true(c.hour == bits(0, 23, 1));
	assert_true(c.mday == bits(1, 31, 1));
	assert_true(c.month == bits(1, 12, 1));
	assert_true(c.wday == bits(0, 6, 1));
	assert_true(c.dom_star && c.dow_star);
	assert_true(c.every_ms == 0);

	c = parse_ok("*/5 */6 */10 */3 */2");
	assert_true(c.minute == bits(0, 55, 5));
	assert_true(c.hour == bits(0, 18, 6));
	assert_true(c.mday == bits(1, 31, 10));
	assert_true(c.month == bits(1, 10, 3));
	assert_true(c.wday == bits(0, 6, 2));
	assert_true(c.dom_star && c.dow_star);	/* "*\/N" counts as * */

	c = parse_ok("1,15,30 9-17 1-15/7 1 1-5");
	assert_true(c.minute == ((1ULL << 1) | (1ULL << 15) | (1ULL << 30)));
	assert_true(c.hour == bits(9, 17, 1));
	assert_true(c.mday == ((1U << 1) | (1U << 8) | (1U << 15)));
	assert_true(c.month == (1U << 1));
	assert_true(c.wday == bits(1, 5, 1));
	assert_false(c.dom_star);
	assert_false(c.dow_star);

	/* A/N runs to the end of the range; ranges and lists mix. */
	c = parse_ok("10/20 0-6/3,12,20-23 * * *");
	assert_true(c.minute == ((1ULL << 10) | (1ULL << 30) | (1ULL << 50)));
	assert_true(c.hour == ((1U << 0) | (1U << 3) | (1U << 6) |
	    (1U << 12) | bits(20, 23, 1)));

	/* Names in any case; 7 and 0 are Sunday. */
	c = parse_ok("0 0 * JAN,mar-May,Dec sun");
	assert_true(c.month == ((1U << 1) | bits(3, 5, 1) | (1U << 12)));
	assert_true(c.wday == 1);
	c = parse_ok("0 0 * * 7");
	assert_true(c.wday == 1);
	c = parse_ok("0 0 * * 5-7");
	assert_true(c.wday == ((1U << 5) | (1U << 6) | 1U));
	c = parse_ok("0 0 * * 0-7");
	assert_true(c.wday == 0x7f);
	c = parse_ok("0 0 * * MON-fri");
	assert_true(c.wday == bits(1, 5, 1));
	c = parse_ok("0 0 * * sat,SUN");
	assert_true(c.wday == ((1U << 6) | 1U));

	/* Limits of each field, and blanks around and between fields. */
	c = parse_ok("  59\t23 31 12 6  ");
	assert_true(c.minute == 1ULL << 59);
	assert_true(c.hour == 1U << 23);
	assert_true(c.mday == 1U << 31);
	assert_true(c.month == 1U << 12);
	assert_true(c.wday == 1U << 6);
	c = parse_ok("0 0 1 1 0");
	assert_true(c.minute == 1 && c.hour == 1 && c.mday == 2 &&
	    c.month == 2 && c.wday == 1);
	/* A step as wide as the range is one value; so is a step of 1. */
	c = parse_ok("*/60 5-5/1 * * *");
	assert_true(c.minute == 1 && c.hour == 1U << 5);
}

static void
test_parse_macros(void **state)
{
	static const struct {
		const char	*macro;
		const char	*fields;
	} m[] = {
		{ "@hourly", "0 * * * *" },
		{ "@daily", "0 0 * * *" },
		{ "@midnight", "0 0 * * *" },
		{ "@weekly", "0 0 * * 0" },
		{ "@monthly", "0 0 1 * *" },
		{ "@yearly", "0 0 1 1 *" },
		{ "@annually", "0 0 1 1 *" },
		{ "@DAILY", "0 0 * * *" },
		{ "  @Weekly  ", "0 0 * * 0" },
	};
	struct cron	a, b;
	size_t		i;

	(void)state;
	for (i = 0; i < NITEMS(m); i++) {
		a = parse_ok(m[i].macro);
		b = parse_ok(m[i].fields);
		if (a.minute != b.minute || a.hour != b.hour ||
		    a.mday != b.mday || a.month != b.month ||
		    a.wday != b.wday || a.dom_star != b.dom_star ||
		    a.dow_star != b.dow_star || a.every_ms != 0)
			fail_msg("%s is not %s", m[i].macro, m[i].fields);
	}
}

static void
test_parse_every(void **state)
{
	static const struct {
		const char	*spec;
		int64_t		 ms;
	} e[] = {
		{ "@every 30s", 30000 },
		{ "@every 1s", 1000 },
		{ "@every 1000ms", 1000 },
		{ "@every 1500ms", 1500 },
		{ "@every 5m", 300000 },
		{ "@every 1h", 3600000 },
		{ "@every 2d", 172800000 },
		{ "@every 365d", 365 * DAY_MS },
		{ "@every 90", 90000 },		/* bare: seconds, as in tq */
		{ "@EVERY   10m  ", 600000 },
		{ " @every\t7s", 7000 },
	};
	struct cron	c;
	size_t		i;

	(void)state;
	for (i = 0; i < NITEMS(e); i++) {
		c = parse_ok(e[i].spec);
		if (c.every_ms != e[i].ms)
			fail_msg("'%s' is %lld ms, not %lld", e[i].spec,
			    (long long)c.every_ms, (long long)e[i].ms);
	}
}

static void
test_parse_errors(void **state)
{
	static const struct {
		const char	*spec;
		const char	*msg;
	} e[] = {
		/* The shape. */
		{ "", "cron '': empty" },
		{ "   ", "cron '   ': empty" },
		{ "* * * *", "cron '* * * *': 4 fields, expected 5 (minute "
		  "hour day-of-month month day-of-week) or a macro such as "
		  "@daily" },
		{ "*", "cron '*': 1 field, expected 5 (minute hour "
		  "day-of-month month day-of-week) or a macro such as @daily" },
		{ "* * * * * *", "cron '* * * * * *': 6 fields, expected 5 "
		  "(minute hour day-of-month month day-of-week) or a macro "
		  "such as @daily" },
		/* Out of range, in each field. */
		{ "60 * * * *", "cron '60 * * * *' field 1 (minute): 60 is "
		  "out of range 0-59" },
		{ "x 25 * * *", "cron 'x 25 * * *' field 1 (minute): 'x' is "
		  "not a number" },
		{ "0 25 * * *", "cron '0 25 * * *' field 2 (hour): 25 is out "
		  "of range 0-23" },
		{ "0 0 0 * *", "cron '0 0 0 * *' field 3 (day-of-month): 0 "
		  "is out of range 1-31" },
		{ "0 0 32 * *", "cron '0 0 32 * *' field 3 (day-of-month): 32 "
		  "is out of range 1-31" },
		{ "0 0 * 13 *", "cron '0 0 * 13 *' field 4 (month): 13 is out "
		  "of range 1-12" },
		{ "0 0 * 0 *", "cron '0 0 * 0 *' field 4 (month): 0 is out of "
		  "range 1-12" },
		{ "0 0 * * 8", "cron '0 0 * * 8' field 5 (day-of-week): 8 is "
		  "out of range 0-7" },
		{ "99999999999 * * * *", "cron '99999999999 * * * *' field 1 "
		  "(minute): 99999999999 is out of range 0-59" },
		/* Bad names and numbers. */
		{ "0 0 * janu *", "cron '0 0 * janu *' field 4 (month): "
		  "'janu' is not a number or a name (jan-dec)" },
		{ "0 0 * * mon-fry", "cron '0 0 * * mon-fry' field 5 "
		  "(day-of-week): 'fry' is not a number or a name (sun-sat)" },
		{ "0 jan * * *", "cron '0 jan * * *' field 2 (hour): 'jan' is "
		  "not a number" },
		{ "0 0 * mon *", "cron '0 0 * mon *' field 4 (month): 'mon' "
		  "is not a number or a name (jan-dec)" },
		{ "5x * * * *", "cron '5x * * * *' field 1 (minute): '5x' is "
		  "not a number" },
		{ "? * * * *", "cron '? * * * *' field 1 (minute): '?' is not "
		  "a number" },
		/* Lists, ranges and steps. */
		{ "1,,2 * * * *", "cron '1,,2 * * * *' field 1 (minute): "
		  "empty item in a list" },
		{ "1, * * * *", "cron '1, * * * *' field 1 (minute): empty "
		  "item in a list" },
		{ ",1 * * * *", "cron ',1 * * * *' field 1 (minute): empty "
		  "item in a list" },
		{ "0 17-9 * * *", "cron '0 17-9 * * *' field 2 (hour): range "
		  "17-9 is backwards" },
		{ "0 0 * * fri-mon", "cron '0 0 * * fri-mon' field 5 "
		  "(day-of-week): range fri-mon is backwards" },
		{ "-5 * * * *", "cron '-5 * * * *' field 1 (minute): '-5' is "
		  "not a range" },
		{ "5- * * * *", "cron '5- * * * *' field 1 (minute): '5-' is "
		  "not a range" },
		{ "1-2-3 * * * *", "cron '1-2-3 * * * *' field 1 (minute): "
		  "'2-3' is not a number" },
		{ "*-5 * * * *", "cron '*-5 * * * *' field 1 (minute): '*' is "
		  "not a number" },
		{ "*/0 * * * *", "cron '*/0 * * * *' field 1 (minute): step 0 "
		  "is out of range 1-60" },
		{ "0 */25 * * *", "cron '0 */25 * * *' field 2 (hour): step 25 "
		  "is out of range 1-24" },
		{ "*/ * * * *", "cron '*/ * * * *' field 1 (minute): '*/' has "
		  "no step after '/'" },
		{ "*/x * * * *", "cron '*/x * * * *' field 1 (minute): '*/x' "
		  "has no step after '/'" },
		{ "*/5x * * * *", "cron '*/5x * * * *' field 1 (minute): '5x' "
		  "is not a number" },
		{ "/5 * * * *", "cron '/5 * * * *' field 1 (minute): '/5' has "
		  "no range before '/'" },
		{ "0 0 1-40/2 * *", "cron '0 0 1-40/2 * *' field 3 "
		  "(day-of-month): 40 is out of range 1-31" },
		/* Macros. */
		{ "@often", "cron '@often': unknown macro '@often' (use "
		  "@hourly, @daily, @weekly, @monthly, @yearly or @every "
		  "DURATION)" },
		{ "@", "cron '@': unknown macro '@' (use @hourly, @daily, "
		  "@weekly, @monthly, @yearly or @every DURATION)" },
		{ "@daily 5", "cron '@daily 5': '5' after @daily" },
		{ "@every", "cron '@every': @every needs a duration, such as "
		  "@every 5m" },
		{ "@every  ", "cron '@every  ': @every needs a duration, such "
		  "as @every 5m" },
		{ "@every 5x", "cron '@every 5x': @every: '5x' is not a "
		  "duration (a whole number and ms, s, m, h or d, such as 30s "
		  "or 5m)" },
		{ "@every m", "cron '@every m': @every: 'm' is not a duration "
		  "(a whole number and ms, s, m, h or d, such as 30s or 5m)" },
		{ "@every 1h30m", "cron '@every 1h30m': @every: '1h30m' is not "
		  "a duration (a whole number and ms, s, m, h or d, such as "
		  "30s or 5m)" },
		{ "@every 1.5s", "cron '@every 1.5s': @every: '1.5s' is not a "
		  "duration (a whole number and ms, s, m, h or d, such as 30s "
		  "or 5m)" },
		{ "@every 5 m", "cron '@every 5 m': @every: '5 m' is not a "
		  "duration (a whole number and ms, s, m, h or d, such as 30s "
		  "or 5m)" },
		{ "@every -5s", "cron '@every -5s': @every: '-5s' is not a "
		  "duration (a whole number and ms, s, m, h or d, such as 30s "
		  "or 5m)" },
		{ "@every 999ms", "cron '@every 999ms': @every: 999ms is "
		  "shorter than 1s" },
		{ "@every 0s", "cron '@every 0s': @every: 0s is shorter than "
		  "1s" },
		{ "@every 366d", "cron '@every 366d': @every: 366d is longer "
		  "than 365d" },
		{ "@every 99999999999999999999d", "cron '@every "
		  "99999999999999999999d': @every: 99999999999999999999d is "
		  "longer than 365d" },
		{ "@everyday", "cron '@everyday': unknown macro '@everyday' "
		  "(use @hourly, @daily, @weekly, @monthly, @yearly or @every "
		  "DURATION)" },
	};
	struct cron	c;
	char		tiny[8];
	size_t		i;

	(void)state;
	for (i = 0; i < NITEMS(e); i++)
		parse_err(e[i].spec, e[i].msg);

	/* A long spec is cut short in the message. */
	parse_err("0 0 * * * 1111111111222222222233333333334444444444"
	    "555555555566666666667777777777",
	    "cron '0 0 * * * 1111111111222222222233333333334444444444"
	    "55555555556666...': 6 fields, expected 5 (minute hour "
	    "day-of-month month day-of-week) or a macro such as @daily");
	/* A short buffer is truncated, not overrun. */
	memset(tiny, 'z', sizeof tiny);
	assert_int_equal(cron_parse("61 * * * *", &c, tiny, 4), -1);
	assert_string_equal(tiny, "cro");
	assert_int_equal(tiny[4], 'z');
}

static void
test_next_utc(void **state)
{
	static const struct {
		const char	*spec;
		const char	*after;
		const char	*want;
	} n[] = {
		/* Every minute, and strictly after. */
		{ "* * * * *", "2026-01-01 00:00", "2026-01-01 00:01" },
		{ "* * * * *", "2026-01-01 00:00:59", "2026-01-01 00:01" },
		{ "* * * * *", "2025-12-31 23:59:30", "2026-01-01 00:00" },
		/* Every five minutes. */
		{ "*/5 * * * *", "2026-01-01 00:00", "2026-01-01 00:05" },
		{ "*/5 * * * *", "2026-01-01 00:03", "2026-01-01 00:05" },
		{ "*/5 * * * *", "2026-01-01 23:57", "2026-01-02 00:00" },
		/* Hourly, daily, weekly, monthly, yearly. */
		{ "@hourly", "2026-05-05 10:00", "2026-05-05 11:00" },
		{ "@hourly", "2026-05-05 10:59:59", "2026-05-05 11:00" },
		{ "@daily", "2026-05-05 10:00", "2026-05-06 00:00" },
		{ "@daily", "2026-12-31 00:00", "2027-01-01 00:00" },
		{ "@weekly", "2026-05-05 10:00", "2026-05-10 00:00" },
		{ "@monthly", "2026-01-31 10:00", "2026-02-01 00:00" },
		{ "@monthly", "2026-12-01 00:00", "2027-01-01 00:00" },
		{ "@yearly", "2026-01-01 00:00", "2027-01-01 00:00" },
		/* Hours and minutes together; carry into the next day. */
		{ "30 9 * * *", "2026-05-05 09:30", "2026-05-06 09:30" },
		{ "30 9 * * *", "2026-05-05 09:29", "2026-05-05 09:30" },
		{ "15,45 8-10 * * *", "2026-05-05 10:45", "2026-05-06 08:15" },
		{ "15,45 8-10 * * *", "2026-05-05 08:20", "2026-05-05 08:45" },
		/* Step ranges. */
		{ "0 9-17/4 * * *", "2026-05-05 09:00", "2026-05-05 13:00" },
		{ "0 9-17/4 * * *", "2026-05-05 17:00", "2026-05-06 09:00" },
		{ "10-20/5 * * * *", "2026-05-05 09:20", "2026-05-05 10:10" },
		{ "0 0 1-31/10 * *", "2026-01-21 00:00", "2026-01-31 00:00" },
		{ "0 0 1-31/10 * *", "2026-02-21 00:00", "2026-03-01 00:00" },
		/* Weekdays by name and number (2026-05-05 is a Tuesday). */
		{ "0 9 * * mon-fri", "2026-05-08 09:00", "2026-05-11 09:00" },
		{ "0 9 * * 1-5", "2026-05-09 12:00", "2026-05-11 09:00" },
		{ "0 9 * * sun", "2026-05-05 00:00", "2026-05-10 09:00" },
		{ "0 9 * * 7", "2026-05-05 00:00", "2026-05-10 09:00" },
		{ "0 9 * * 0", "2026-05-05 00:00", "2026-05-10 09:00" },
		/* Months by name; skip to next year. */
		{ "0 0 1 jan,jul *", "2026-01-01 00:00", "2026-07-01 00:00" },
		{ "0 0 1 jan,jul *", "2026-07-01 00:00", "2027-01-01 00:00" },
		{ "0 0 15 Dec *", "2026-12-15 00:00", "2027-12-15 00:00" },
		/* The 31st skips short months. */
		{ "0 0 31 * *", "2026-01-31 00:00", "2026-03-31 00:00" },
		{ "0 0 31 * *", "2026-05-31 00:00", "2026-07-31 00:00" },
		/* Before 1970 too. */
		{ "0 0 1 1 *", "1960-06-01 00:00", "1961-01-01 00:00" },
		{ "*/5 * * * *", "1969-12-31 23:58:30", "1970-01-01 00:00" },
	};
	size_t	i;

	(void)state;
	for (i = 0; i < NITEMS(n); i++)
		check_next(n[i].spec, NULL, n[i].after, n[i].want);
	/* NULL, "" and "UTC" are all UTC. */
	check_next("30 9 * * *", "UTC", "2026-05-05 09:29", "2026-05-05 09:30");
	check_next("30 9 * * *", "", "2026-05-05 09:29", "2026-05-05 09:30");
}

/* Both day fields restricted: either matches.  One is *: both must. */
static void
test_next_days(void **state)
{
	static const char *const either[] = {
		/* The 13th or a Monday; 2026-06-01 is a Monday. */
		"2026-06-01 00:00", "2026-06-08 00:00", "2026-06-13 00:00",
		"2026-06-15 00:00", "2026-06-22 00:00", "2026-06-29 00:00",
		"2026-07-06 00:00", "2026-07-13 00:00", "2026-07-20 00:00",
	};
	static const char *const second_week[] = {
		/* Every day from the 8th to the 14th. */
		"2026-06-08 00:00", "2026-06-09 00:00", "2026-06-10 00:00",
	};
	static const char *const even_days[] = {
		"2026-06-09 00:00", "2026-06-11 00:00", "2026-06-13 00:00",
		"2026-06-14 00:00", "2026-07-09 00:00",
	};

	(void)state;
	check_seq("0 0 13 * mon", "UTC", "2026-05-31 12:00", either,
	    NITEMS(either));
	check_seq("0 0 13 * 1", "UTC", "2026-05-31 12:00", either,
	    NITEMS(either));
	/* dow is *: only the day of the month counts. */
	check_seq("0 0 8-14 * *", "UTC", "2026-06-07 00:00", second_week,
	    NITEMS(second_week));
	/*
	 * "*\/2" in day-of-week counts as *, as in Vixie cron, so both must
	 * match: days 8-14 that are Sun, Tue, Thu or Sat (with "either" it
	 * would be 2026-06-02, a Tuesday).
	 */
	check_seq("0 0 8-14 * */2", "UTC", "2026-06-01 00:00", even_days,
	    NITEMS(even_days));
	/* dom is *: only the weekday counts. */
	check_next("0 0 * * mon", NULL, "2026-06-02 00:00", "2026-06-08 00:00");
	/* The 13th or a Friday (2026-02-13 is both). */
	check_next("0 0 13 * fri", NULL, "2026-02-12 00:00",
	    "2026-02-13 00:00");
	check_next("0 0 13 * fri", NULL, "2026-02-13 00:00",
	    "2026-02-20 00:00");
	check_next("0 0 13 * fri", NULL, "2026-03-07 00:00",
	    "2026-03-13 00:00");
}

static void
test_next_feb29(void **state)
{
	struct cron	c;
	int64_t		t;

	(void)state;
	check_next("0 0 29 2 *", NULL, "2026-01-01 00:00", "2028-02-29 00:00");
	check_next("0 0 29 2 *", NULL, "2028-02-29 00:00", "2032-02-29 00:00");
	check_next("0 12 29 feb *", NULL, "2028-02-29 11:00",
	    "2028-02-29 12:00");
	/* 2100 is not a leap year: 2096 to 2104 is beyond five years. */
	check_next("0 0 29 2 *", NULL, "2096-03-01 00:00", NULL);
	check_next("0 0 29 2 *", NULL, "2399-03-01 00:00", "2400-02-29 00:00");
	/* Never: -1, quickly. */
	check_next("0 0 30 2 *", NULL, "2026-01-01 00:00", NULL);
	check_next("0 0 31 4,6,9,11 *", NULL, "2026-01-01 00:00", NULL);
	/* Either-day rule: the 30th of February never, Mondays in Feb. */
	check_next("0 0 30 2 mon", NULL, "2026-01-01 00:00",
	    "2026-02-02 00:00");
	/* Out of the supported years. */
	c = parse_ok("* * * * *");
	assert_true(cron_next(&c, INT64_MAX, NULL) == -1);
	assert_true(cron_next(&c, INT64_MIN, NULL) == -1);
	t = cron_next(&c, utc("9999-12-31 23:58"), NULL);
	assert_true(t == utc("9999-12-31 23:59"));
}

static void
test_next_every(void **state)
{
	struct cron	c;
	int64_t		t, after;
	int		i;

	(void)state;
	c = parse_ok("@every 30s");
	/* Multiples of 30 s since the epoch, whatever the start. */
	after = utc("2026-05-05 10:00:07");
	assert_true(cron_next(&c, after, NULL) == utc("2026-05-05 10:00:30"));
	assert_true(cron_next(&c, after + 1, "Europe/Paris") ==
	    utc("2026-05-05 10:00:30"));
	assert_true(cron_next(&c, utc("2026-05-05 10:00:30"), NULL) ==
	    utc("2026-05-05 10:01:00"));
	assert_true(cron_next(&c, utc("2026-05-05 10:00:30") - 1, NULL) ==
	    utc("2026-05-05 10:00:30"));
	assert_true(cron_next(&c, 0, NULL) == 30000);
	assert_true(cron_next(&c, -1, NULL) == 0);
	assert_true(cron_next(&c, -30000, NULL) == 0);
	assert_true(cron_next(&c, -30001, NULL) == -30000);
	for (t = after, i = 0; i < 100; i++) {
		t = cron_next(&c, t, NULL);
		assert_true(t % 30000 == 0);
	}
	assert_true(t == utc("2026-05-05 10:50:00"));

	/* An interval that does not divide a day is still on the epoch. */
	c = parse_ok("@every 7m");
	t = cron_next(&c, utc("2026-05-05 00:00"), NULL);
	assert_true(t % (7 * MIN_MS) == 0);
	assert_true(t > utc("2026-05-05 00:00"));
	assert_true(t <= utc("2026-05-05 00:07"));
	c = parse_ok("@every 1500ms");
	assert_true(cron_next(&c, 1000, NULL) == 1500);
	assert_true(cron_next(&c, 1500, NULL) == 3000);
	c = parse_ok("@every 1d");
	assert_true(cron_next(&c, utc("2026-05-05 10:00"), "America/New_York")
	    == utc("2026-05-06 00:00"));
}

/* Europe/Paris: 2026-03-29 02:00 CET becomes 03:00 CEST (01:00 UTC). */
static void
test_dst_spring(void **state)
{
	static const char *const daily[] = {
		"2026-03-27 01:30", "2026-03-28 01:30",	/* 02:30 CET */
		"2026-03-30 00:30", "2026-03-31 00:30",	/* 02:30 CEST */
	};
	static const char *const hourly[] = {
		"2026-03-29 00:00",			/* 01:00 CET */
		"2026-03-29 01:00",			/* 03:00 CEST */
		"2026-03-29 02:00",			/* 04:00 CEST */
	};
	static const char *const quarter[] = {
		"2026-03-29 00:45",			/* 01:45 CET */
		"2026-03-29 01:00",			/* 03:00 CEST */
		"2026-03-29 01:15",
	};

	(void)state;
	check_seq("30 2 * * *", "Europe/Paris", "2026-03-26 12:00", daily,
	    NITEMS(daily));
	check_seq("0 * * * *", "Europe/Paris", "2026-03-28 23:30", hourly,
	    NITEMS(hourly));
	check_seq("*/15 * * * *", "Europe/Paris", "2026-03-29 00:40", quarter,
	    NITEMS(quarter));
	/* A time that only exists in the gap, every day but that one. */
	check_next("0 2 29 3 *", "Europe/Paris", "2026-01-01 00:00",
	    "2027-03-29 00:00");
	/* Plain days either side: 09:00 is 08:00 UTC, then 07:00 UTC. */
	check_next("0 9 * * *", "Europe/Paris", "2026-01-10 00:00",
	    "2026-01-10 08:00");
	check_next("0 9 * * *", "Europe/Paris", "2026-07-10 00:00",
	    "2026-07-10 07:00");
	/* America/New_York springs forward at 02:00 EST (07:00 UTC). */
	check_next("30 2 * * *", "America/New_York", "2026-03-08 00:00",
	    "2026-03-09 06:30");
	/* A half-hour offset with no DST. */
	check_next("0 0 * * *", "Asia/Kolkata", "2026-05-05 12:00",
	    "2026-05-05 18:30");
}

/* Europe/Paris: 2026-10-25 03:00 CEST becomes 02:00 CET (01:00 UTC). */
static void
test_dst_fall(void **state)
{
	static const char *const daily[] = {
		"2026-10-24 00:30",			/* 02:30 CEST */
		"2026-10-25 00:30",			/* 02:30 CEST, once */
		"2026-10-26 01:30",			/* 02:30 CET */
	};
	static const char *const hourly[] = {
		"2026-10-25 00:00",			/* 02:00 CEST */
		"2026-10-25 02:00",			/* 03:00 CET */
		"2026-10-25 03:00",
	};
	static const char *const minutes[] = {
		"2026-10-25 00:58", "2026-10-25 00:59",	/* 02:58, 02:59 CEST */
		"2026-10-25 02:00",			/* 03:00 CET */
	};

	(void)state;
	check_seq("30 2 * * *", "Europe/Paris", "2026-10-23 12:00", daily,
	    NITEMS(daily));
	/* From inside the repeated hour, the second 02:30 is not fired. */
	check_next("30 2 * * *", "Europe/Paris", "2026-10-25 01:10",
	    "2026-10-26 01:30");
	check_next("30 2 * * *", "Europe/Paris", "2026-10-25 00:45",
	    "2026-10-26 01:30");
	check_seq("0 * * * *", "Europe/Paris", "2026-10-24 23:30", hourly,
	    NITEMS(hourly));
	check_seq("* * * * *", "Europe/Paris", "2026-10-25 00:57", minutes,
	    NITEMS(minutes));
	/* America/New_York falls back at 02:00 EDT (06:00 UTC). */
	check_next("30 1 * * *", "America/New_York", "2026-11-01 00:00",
	    "2026-11-01 05:30");
	check_next("30 1 * * *", "America/New_York", "2026-11-01 05:30",
	    "2026-11-02 06:30");
}

/* cron_next puts $TZ back as it found it, set or not. */
static void
test_tz_restored(void **state)
{
	struct cron	 c = parse_ok("30 2 * * *");
	const char	*tz;
	struct tm	 tm;
	time_t		 t = 1780000000;
	char		*saved;

	(void)state;
	saved = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;

	assert_int_equal(setenv("TZ", "America/New_York", 1), 0);
	tzset();
	assert_true(cron_next(&c, utc("2026-10-23 12:00"), "Europe/Paris") ==
	    utc("2026-10-24 00:30"));
	tz = getenv("TZ");
	assert_non_null(tz);
	assert_string_equal(tz, "America/New_York");
	/* And the C library is back in that zone. */
	assert_non_null(localtime_r(&t, &tm));
	assert_true(tm.tm_gmtoff == -4 * 3600 || tm.tm_gmtoff == -5 * 3600);

	/* The zone asked for is the zone already set. */
	assert_int_equal(setenv("TZ", "Europe/Paris", 1), 0);
	tzset();
	assert_true(cron_next(&c, utc("2026-10-23 12:00"), "Europe/Paris") ==
	    utc("2026-10-24 00:30"));
	assert_string_equal(getenv("TZ"), "Europe/Paris");

	assert_int_equal(unsetenv("TZ"), 0);
	tzset();
	assert_true(cron_next(&c, utc("2026-10-23 12:00"), "Asia/Tokyo") ==
	    utc("2026-10-23 17:30"));
	assert_null(getenv("TZ"));

	if (saved != NULL) {
		setenv("TZ", saved, 1);
		free(saved);
	}
	tzset();
}

static void
test_check_tz(void **state)
{
	static const struct {
		const char	*tz;
		const char	*msg;
	} bad[] = {
		{ "", "empty time zone name (use UTC or a name such as "
		  "Europe/Paris)" },
		{ "Europe/Pariss", "unknown time zone 'Europe/Pariss' (not in "
		  "/usr/share/zoneinfo)" },
		{ "Mars/Olympus_Mons", "unknown time zone 'Mars/Olympus_Mons' "
		  "(not in /usr/share/zoneinfo)" },
		{ "/etc/passwd", "'/etc/passwd' is not a time zone name (such "
		  "as Europe/Paris or UTC)" },
		{ "../../../etc/passwd", "'../../../etc/passwd' is not a time "
		  "zone name (such as Europe/Paris or UTC)" },
		{ "Europe/Paris ", "'Europe/Paris ' is not a time zone name "
		  "(such as Europe/Paris or UTC)" },
		{ "Europe", "unknown time zone 'Europe' "
		  "(/usr/share/zoneinfo/Europe is not a time zone file)" },
		{ "zone.tab", "unknown time zone 'zone.tab' "
		  "(/usr/share/zoneinfo/zone.tab is not a time zone file)" },
	};
	char	err[256];
	size_t	i;

	(void)state;
	unsetenv("TZDIR");
	assert_int_equal(cron_check_tz("UTC", err, sizeof err), 0);
	assert_int_equal(cron_check_tz("Europe/Paris", err, sizeof err), 0);
	assert_int_equal(cron_check_tz("America/New_York", NULL, 0), 0);
	assert_int_equal(cron_check_tz("Etc/GMT+5", err, sizeof err), 0);
	for (i = 0; i < NITEMS(bad); i++) {
		err[0] = '\0';
		if (cron_check_tz(bad[i].tz, err, sizeof err) == 0)
			fail_msg("'%s' accepted", bad[i].tz);
		if (strcmp(err, bad[i].msg) != 0)
			fail_msg("'%s': got \"%s\", expected \"%s\"", bad[i].tz,
			    err, bad[i].msg);
		assert_int_equal(cron_check_tz(bad[i].tz, NULL, 0), -1);
	}
	assert_int_equal(cron_check_tz(NULL, err, sizeof err), -1);

	/* $TZDIR is where the C library looks, so it is where we look. */
	assert_int_equal(setenv("TZDIR", "/nonexistent", 1), 0);
	assert_int_equal(cron_check_tz("Europe/Paris", err, sizeof err), -1);
	assert_string_equal(err, "unknown time zone 'Europe/Paris' (not in "
	    "/nonexistent)");
	assert_int_equal(cron_check_tz("UTC", err, sizeof err), 0);
	unsetenv("TZDIR");
}

/* Ten thousand calls in a row, in UTC and in a zone: all move forward. */
static void
test_many(void **state)
{
	static const char *const specs[] = {
		"*/5 * * * *", "0 0 29 2 *", "30 2 * * *", "0 9 * * mon-fri",
		"0 0 13 * fri", "0 0 30 2 *",
	};
	struct cron	c;
	int64_t		t, prev;
	size_t		i;
	int		n;

	(void)state;
	for (i = 0; i < NITEMS(specs); i++) {
		c = parse_ok(specs[i]);
		prev = utc("2026-01-01 00:00");
		for (n = 0; n < 10000 / (int)NITEMS(specs); n++) {
			t = cron_next(&c, prev, i % 2 ? "Europe/Paris" : NULL);
			if (t == -1)
				break;
			if (t <= prev)
				fail_msg("'%s': %lld after %lld", specs[i],
				    (long long)t, (long long)prev);
			prev = t;
		}
		/* "0 0 30 2 *" never occurs; the others go on for years. */
		if (strcmp(specs[i], "0 0 30 2 *") == 0)
			assert_int_equal(n, 0);
		else if (strcmp(specs[i], "0 0 29 2 *") != 0)
			assert_int_equal(n, 10000 / (int)NITEMS(specs));
	}
}

/*
 * schedule_due for spec, grace, last fired and now: the occurrence it
 * fires, or 0 for none.
 */
static int64_t
due(const char *spec, int64_t grace_ms, const char *last, int64_t now)
{
	struct tqd_schedule	s;
	int64_t			occ;

	memset(&s, 0, sizeof s);
	s.cron = parse_ok(spec);
	s.misfire_ms = grace_ms;
	if (!schedule_due(&s, last != NULL ? utc(last) : 0, now, &occ))
		return (0);
	return (occ);
}

/* The documented missed-occurrence policy (tq.conf(5) misfire_grace). */
static void
test_schedule_due(void **state)
{
	(void)state;
	/* On time, and a little late: fired. */
	assert_int_equal(due("0 * * * *", MIN_MS, NULL,
	    utc("2026-03-02 10:00")), utc("2026-03-02 10:00"));
	assert_int_equal(due("0 * * * *", MIN_MS, NULL,
	    utc("2026-03-02 10:00:59")), utc("2026-03-02 10:00"));
	/* More than misfire_grace late (tqd was down): skipped. */
	assert_int_equal(due("0 * * * *", MIN_MS, NULL,
	    utc("2026-03-02 10:01:01")), 0);
	/* Already fired: not again, whatever the grace. */
	assert_int_equal(due("0 * * * *", HOUR_MS, "2026-03-02 10:00",
	    utc("2026-03-02 10:30")), 0);
	/* The next one, once its time comes. */
	assert_int_equal(due("0 * * * *", MIN_MS, "2026-03-02 10:00",
	    utc("2026-03-02 11:00:05")), utc("2026-03-02 11:00"));
	/* Three missed within the grace: only the latest fires, once. */
	assert_int_equal(due("0 * * * *", 4 * HOUR_MS, "2026-03-02 09:00",
	    utc("2026-03-02 12:30")), utc("2026-03-02 12:00"));
	assert_int_equal(due("0 * * * *", 4 * HOUR_MS, "2026-03-02 12:00",
	    utc("2026-03-02 12:59")), 0);
	/* A grace of 0 is tqd's own lateness, SCHEDULE_SLACK_MS, no more. */
	assert_int_equal(due("0 * * * *", 0, NULL,
	    utc("2026-03-02 10:00") + SCHEDULE_SLACK_MS - 1),
	    utc("2026-03-02 10:00"));
	assert_int_equal(due("0 * * * *", 0, NULL,
	    utc("2026-03-02 10:00") + SCHEDULE_SLACK_MS), 0);
	/* @every: the latest multiple, as a restarted tqd sees it. */
	assert_int_equal(due("@every 10s", MIN_MS, "2026-03-02 10:00",
	    utc("2026-03-02 10:00:35")), utc("2026-03-02 10:00:30"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_fields),
		cmocka_unit_test(test_parse_macros),
		cmocka_unit_test(test_parse_every),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_next_utc),
		cmocka_unit_test(test_next_days),
		cmocka_unit_test(test_next_feb29),
		cmocka_unit_test(test_next_every),
		cmocka_unit_test(test_dst_spring),
		cmocka_unit_test(test_dst_fall),
		cmocka_unit_test(test_tz_restored),
		cmocka_unit_test(test_check_tz),
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_schedule_due),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
