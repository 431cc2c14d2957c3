/*
 * fuzz-cron.c -- libFuzzer harness for cron specs (daemon/cron.c).
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * The input is a [schedule] cron line: the spec on the first line and,
 * optionally, on the second "AFTER_MS [ZONE]", the instant to search from
 * (Unix ms; default 2026-01-01T00:00Z) and a tz database name (default
 * UTC; one cron_check_tz refuses is taken as UTC, as tqd refuses it at
 * start-up).
 *
 * Beyond not crashing: a spec that fails must leave *out alone and give a
 * message starting "cron '".  One that parses must give masks within
 * their fields, none empty; and its next occurrence, when there is one,
 * must come strictly after the given instant, on a whole second (@every:
 * at the next multiple of its interval), and be found again from just before
 * it; $TZ must be as it was.  In UTC the occurrence must match the spec
 * and no minute between the instant and it may match (checked for up to
 * a day back).
 */

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tqd.h"
#include "fuzz.h"

#define CRON_MIN_MS	(-62135596800000LL)	/* as in cron.c */
#define CRON_MAX_MS	253402300799999LL
#define CRON_AFTER	1767225600000LL		/* 2026-01-01T00:00Z */
#define CRON_BACK	1440			/* minutes checked back */

/* Does the UTC minute starting at t (seconds) match c? */
static int
cron_matches(const struct cron *c, int64_t t)
{
	struct tm	tm;
	time_t		tt = (time_t)t;
	int		dom, dow;

	if (gmtime_r(&tt, &tm) == NULL)
		return (-1);
	if (((c->minute >> tm.tm_min) & 1) == 0 ||
	    ((c->hour >> tm.tm_hour) & 1) == 0 ||
	    ((c->month >> (tm.tm_mon + 1)) & 1) == 0)
		return (0);
	dom = (c->mday >> tm.tm_mday) & 1;
	dow = (c->wday >> tm.tm_wday) & 1;
	if (c->dom_star || c->dow_star)
		return (dom && dow);
	return (dom || dow);
}

static void
cron_check_masks(const char *spec, const struct cron *c)
{
	if (c->every_ms > 0) {
		FUZZ_CHECK(c->every_ms >= 1000 &&
		    c->every_ms <= 365LL * 86400 * 1000, "'%s': @every of "
		    "%lld ms", spec, (long long)c->every_ms);
		return;
	}
	FUZZ_CHECK(c->minute != 0 && (c->minute >> 60) == 0, "'%s': minute "
	    "mask %llx", spec, (unsigned long long)c->minute);
	FUZZ_CHECK(c->hour != 0 && (c->hour >> 24) == 0, "'%s': hour mask "
	    "%x", spec, c->hour);
	FUZZ_CHECK(c->mday != 0 && (c->mday & 1) == 0, "'%s': day mask %x",
	    spec, c->mday);
	FUZZ_CHECK(c->month != 0 && (c->month & 1) == 0 &&
	    (c->month >> 13) == 0, "'%s': month mask %x", spec, c->month);
	FUZZ_CHECK(c->wday != 0 && (c->wday >> 7) == 0, "'%s': weekday mask "
	    "%x", spec, c->wday);
}

static void
cron_check_next(const char *spec, const struct cron *c, int64_t after,
    const char *tz)
{
	int64_t	next, again, t, stop;

	next = cron_next(c, after, tz);
	if (after < CRON_MIN_MS || after > CRON_MAX_MS) {
		FUZZ_CHECK(next == -1, "'%s' after %lld: %lld, out of range",
		    spec, (long long)after, (long long)next);
		return;
	}
	if (next == -1)
		return;		/* none within five years */
	FUZZ_CHECK(next > after, "'%s' in %s: next %lld is not after %lld",
	    spec, fuzz_str(tz), (long long)next, (long long)after);
	if (c->every_ms > 0) {
		FUZZ_CHECK(next % c->every_ms == 0 &&
		    next - c->every_ms <= after, "'%s': next %lld is not the "
		    "next multiple after %lld", spec, (long long)next,
		    (long long)after);
	} else {
		FUZZ_CHECK(next % 1000 == 0, "'%s' in %s: next %lld is not on "
		    "a second", spec, fuzz_str(tz), (long long)next);
	}
	/*
	 * From just before the occurrence, it is still the next one (if
	 * that instant is one cron_next takes: from late in 9999 it may
	 * find one in 10000).
	 */
	if (next - 1 > CRON_MAX_MS)
		return;
	again = cron_next(c, next - 1, tz);
	FUZZ_CHECK(again == next, "'%s' in %s: next after %lld is %lld, but "
	    "next after %lld is %lld", spec, fuzz_str(tz), (long long)after,
	    (long long)next, (long long)(next - 1), (long long)again);
	if (c->every_ms > 0 || tz != NULL)
		return;

	/* UTC: it matches, and no minute between after and it does. */
	FUZZ_CHECK(next % 60000 == 0, "'%s': next %lld is not on a minute",
	    spec, (long long)next);
	FUZZ_CHECK(cron_matches(c, next / 1000) == 1, "'%s': next %lld does "
	    "not match", spec, (long long)next);
	stop = next - CRON_BACK * 60000LL;
	for (t = next - 60000; t > after && t > stop; t -= 60000) {
		FUZZ_CHECK(cron_matches(c, t / 1000) == 0, "'%s': %lld "
		    "matches, before next %lld after %lld", spec, (long long)t,
		    (long long)next, (long long)after);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cron		 c, out, quiet;
	char			*in, *nl, *p, *end, *tz = NULL, *tz_before;
	char			 err[256];
	int64_t			 after = CRON_AFTER;
	long long		 v;

	if (size > 1024 || memchr(data, '\0', size) != NULL)
		return (0);
	in = fuzz_string(data, size);
	if ((nl = strchr(in, '\n')) != NULL) {
		*nl = '\0';
		p = nl + 1;
		v = strtoll(p, &end, 10);
		if (end != p)
			after = v;
		while (*end == ' ')
			end++;
		if (*end != '\0') {
			end[strcspn(end, " \n")] = '\0';
			tz = end;
			if (cron_check_tz(tz, NULL, 0) != 0 ||
			    strcmp(tz, "UTC") == 0)
				tz = NULL;
		}
	}

	tz_before = getenv("TZ") != NULL ? strdup(getenv("TZ")) : NULL;
	memset(&out, 0x5a, sizeof out);
	memcpy(&c, &out, sizeof c);
	err[0] = '\0';
	if (cron_parse(in, &out, err, sizeof err) != 0) {
		FUZZ_CHECK(cron_parse(in, &quiet, NULL, 0) != 0, "'%s' fails "
		    "only with a message buffer", in);
		FUZZ_CHECK(memcmp(&c, &out, sizeof c) == 0, "'%s': a failed "
		    "parse changed *out", in);
		FUZZ_CHECK(strncmp(err, "cron '", 6) == 0, "'%s': message "
		    "'%s'", in, err);
		goto out;
	}
	FUZZ_CHECK(cron_parse(in, &quiet, NULL, 0) == 0, "'%s' parses only "
	    "with a message buffer", in);
	cron_check_masks(in, &out);
	cron_check_next(in, &out, after, tz);
	FUZZ_CHECK(fuzz_streq(getenv("TZ"), tz_before), "$TZ was '%s', is "
	    "'%s'", fuzz_str(tz_before), fuzz_str(getenv("TZ")));

out:
	free(tz_before);
	free(in);
	return (0);
}
