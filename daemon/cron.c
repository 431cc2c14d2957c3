/*
 * cron.c -- cron specifications: read them, and find the next time.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A [schedule NAME] section says when with a classic five-field cron
 * line ("*\/5 9-17 * * mon-fri"), a macro (@daily) or "@every 30s".
 * cron_parse turns the text into a struct cron, a value of bit masks;
 * cron_next finds the first occurrence after a given instant in a given
 * time zone.  Both are pure: no I/O, no allocation, no state kept between
 * calls, so the unit test can check them against fixed instants.  The one
 * exception is the time zone: the C library only converts local time for
 * the zone named by $TZ, so cron_next sets $TZ for the length of the call
 * and puts it back (tqd is single-threaded; see cron_next).  cron_check_tz
 * does I/O on purpose, to refuse an unknown zone when the configuration is
 * read rather than schedule silently in UTC.
 *
 * The search walks civil (wall-clock) time a field at a time, skipping a
 * whole month, day or hour that cannot match, so a spec that fires once
 * every four years costs a few thousand cheap steps, not two million
 * minutes.  Only a matching civil minute is turned into an instant, and
 * that is where daylight saving time is handled: a wall-clock time that
 * does not exist (spring forward) is skipped, and one that happens twice
 * (fall back) fires at its first instant only.
 */

#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "tqd.h"

#define CRON_ECHO	64		/* longest spec quoted in a message */
#define CRON_YEARS	5		/* how far cron_next looks ahead */
#define CRON_EVERY_MIN	1000LL		/* @every: 1s */
#define CRON_EVERY_MAX	(365LL * 24 * 60 * 60 * 1000)
#define CRON_NFIELDS	5
#define CRON_NITEMS(a)	(sizeof (a) / sizeof (a)[0])

/* Instants cron_next accepts: years 1 to 9999, so nothing overflows. */
#define CRON_MIN_MS	(-62135596800000LL)	/* 0001-01-01T00:00:00Z */
#define CRON_MAX_MS	253402300799999LL	/* 9999-12-31T23:59:59.999Z */

static const char *const cron_months[] = {
	"jan", "feb", "mar", "apr", "may", "jun",
	"jul", "aug", "sep", "oct", "nov", "dec"
};
static const char *const cron_days[] = {
	"sun", "mon", "tue", "wed", "thu", "fri", "sat"
};

/* One of the five fields: its name in messages, range and names. */
struct cron_field {
	const char		*name;
	int			 lo;
	int			 hi;
	int			 star_hi;	/* '*' stops here (dow: 6) */
	const char *const	*names;	/* names[i] is lo + i, or NULL */
	int			 nnames;
};

static const struct cron_field cron_fields[CRON_NFIELDS] = {
	{ "minute", 0, 59, 59, NULL, 0 },
	{ "hour", 0, 23, 23, NULL, 0 },
	{ "day-of-month", 1, 31, 31, NULL, 0 },
	{ "month", 1, 12, 12, cron_months, 12 },
	{ "day-of-week", 0, 7, 6, cron_days, 7 },	/* 7 is Sunday too */
};

/* The macros, as the five fields they stand for. */
static const struct {
	const char	*name;
	const char	*fields;
} cron_macros[] = {
	{ "@yearly", "0 0 1 1 *" },
	{ "@annually", "0 0 1 1 *" },
	{ "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" },
	{ "@daily", "0 0 * * *" },
	{ "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

/* A wall-clock minute. */
struct cron_civil {
	int64_t		y;
	int		mo;	/* 1-12 */
	int		d;	/* 1-31 */
	int		h;
	int		mi;
};

static void	cron_error(char *, size_t, const char *, int, const char *,
		    ...) TQD_PRINTFLIKE(5, 6);

/*
 * Write an error: "cron 'SPEC': MSG", or "cron 'SPEC' field N (NAME): MSG"
 * when field is 0 to 4.  err may be NULL.
 */
static void
cron_error(char *err, size_t errlen, const char *spec, int field,
    const char *fmt, ...)
{
	char	msg[256];
	va_list	ap;
	size_t	len;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	len = strlen(spec);
	if (field < 0) {
		snprintf(err, errlen, "cron '%.*s%s': %s", CRON_ECHO, spec,
		    len > CRON_ECHO ? "..." : "", msg);
	} else {
		snprintf(err, errlen, "cron '%.*s%s' field %d (%s): %s",
		    CRON_ECHO, spec, len > CRON_ECHO ? "..." : "", field + 1,
		    cron_fields[field].name, msg);
	}
}

/* Floor division, for instants before 1970. */
static int64_t
cron_floordiv(int64_t a, int64_t b)
{
	int64_t	q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return (q);
}

/*
 * Read a value of field f from text[0..len): digits, or a name where the
 * field has names.  Returns 0, or -1 with err set.
 */
static int
cron_value(const char *spec, int fi, const char *text, size_t len, int *v,
    char *err, size_t errlen)
{
	const struct cron_field	*f = &cron_fields[fi];
	size_t			 i;
	long			 n = 0;

	if (len > 0 && isdigit((unsigned char)text[0])) {
		for (i = 0; i < len; i++) {
			if (!isdigit((unsigned char)text[i]))
				break;
			if (n < 100000)		/* big enough to be wrong */
				n = n * 10 + (text[i] - '0');
		}
		if (i == len) {
			if (n < f->lo || n > f->hi) {
				cron_error(err, errlen, spec, fi, "%.*s is out "
				    "of range %d-%d", (int)len, text, f->lo,
				    f->hi);
				return (-1);
			}
			*v = (int)n;
			return (0);
		}
	}
	for (i = 0; i < (size_t)f->nnames; i++) {
		if (len == 3 && strncasecmp(text, f->names[i], 3) == 0) {
			*v = f->lo + (int)i;
			return (0);
		}
	}
	if (f->names != NULL) {
		cron_error(err, errlen, spec, fi, "'%.*s' is not a number or "
		    "a name (%s-%s)", (int)len, text, f->names[0],
		    f->names[f->nnames - 1]);
	} else {
		cron_error(err, errlen, spec, fi, "'%.*s' is not a number",
		    (int)len, text);
	}
	return (-1);
}

/*
 * Add one list item of field fi to *mask: "*", "A", "A-B", each
 * optionally followed by "/STEP" ("A/STEP" runs from A to the end of the
 * range, as in Vixie cron).
 */
static int
cron_item(const char *spec, int fi, const char *text, size_t len,
    uint64_t *mask, char *err, size_t errlen)
{
	const struct cron_field	*f = &cron_fields[fi];
	const char		*slash, *dash;
	size_t			 rlen;
	int			 a, b, step = 1, v;

	if (len == 0) {
		cron_error(err, errlen, spec, fi, "empty item in a list");
		return (-1);
	}
	slash = memchr(text, '/', len);
	rlen = slash != NULL ? (size_t)(slash - text) : len;
	if (slash != NULL) {
		if (!isdigit((unsigned char)slash[1])) {
			cron_error(err, errlen, spec, fi, "'%.*s' has no step "
			    "after '/'", (int)len, text);
			return (-1);
		}
		/* A step is a number, not a value of the field. */
		step = 0;
		for (v = 1; slash + v < text + len; v++) {
			if (!isdigit((unsigned char)slash[v])) {
				cron_error(err, errlen, spec, fi, "'%.*s' is "
				    "not a number", (int)(len - rlen - 1),
				    slash + 1);
				return (-1);
			}
			if (step <= 1000)
				step = step * 10 + (slash[v] - '0');
		}
		if (step < 1 || step > f->hi - f->lo + 1) {
			cron_error(err, errlen, spec, fi, "step %.*s is out "
			    "of range 1-%d", (int)(len - rlen - 1), slash + 1,
			    f->hi - f->lo + 1);
			return (-1);
		}
	}
	if (rlen == 1 && text[0] == '*') {
		a = f->lo;
		b = f->star_hi;
	} else if (rlen == 0) {
		cron_error(err, errlen, spec, fi, "'%.*s' has no range before "
		    "'/'", (int)len, text);
		return (-1);
	} else {
		dash = memchr(text, '-', rlen);
		if (dash == text || dash == text + rlen - 1) {
			cron_error(err, errlen, spec, fi, "'%.*s' is not a "
			    "range", (int)rlen, text);
			return (-1);
		}
		if (cron_value(spec, fi, text, dash != NULL ?
		    (size_t)(dash - text) : rlen, &a, err, errlen) != 0)
			return (-1);
		if (dash != NULL) {
			if (cron_value(spec, fi, dash + 1,
			    rlen - (size_t)(dash + 1 - text), &b, err,
			    errlen) != 0)
				return (-1);
			if (b < a) {
				cron_error(err, errlen, spec, fi, "range "
				    "%.*s is backwards", (int)rlen, text);
				return (-1);
			}
		} else
			b = slash != NULL ? f->hi : a;
	}
	for (v = a; v <= b; v += step)
		*mask |= 1ULL << v;
	return (0);
}

/* Parse field fi (text[0..len), a comma-separated list) into *mask. */
static int
cron_field_parse(const char *spec, int fi, const char *text, size_t len,
    uint64_t *mask, char *err, size_t errlen)
{
	const char	*p = text, *comma, *end = text + len;

	*mask = 0;
	for (;;) {
		comma = memchr(p, ',', (size_t)(end - p));
		if (cron_item(spec, fi, p, comma != NULL ?
		    (size_t)(comma - p) : (size_t)(end - p), mask, err,
		    errlen) != 0)
			return (-1);
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return (0);
}

/* "@every DURATION": a whole number and ms, s, m, h or d (bare: s). */
static int
cron_every(const char *spec, const char *p, struct cron *c, char *err,
    size_t errlen)
{
	static const struct {
		const char	*suffix;
		int64_t		 mult;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 },
		{ "h", 3600000 }, { "d", 86400000 },
	};
	const char	*num, *q, *end;
	int64_t		 n = 0;
	size_t		 i, len, ulen;

	while (isspace((unsigned char)*p))
		p++;
	num = p;
	len = strlen(num);
	while (len > 0 && isspace((unsigned char)num[len - 1]))
		len--;
	end = num + len;
	if (len == 0) {
		cron_error(err, errlen, spec, -1, "@every needs a duration, "
		    "such as @every 5m");
		return (-1);
	}
	for (q = num; q < end && isdigit((unsigned char)*q); q++) {
		if (n <= CRON_EVERY_MAX)
			n = n * 10 + (*q - '0');
	}
	ulen = (size_t)(end - q);
	for (i = 0; i < CRON_NITEMS(units); i++) {
		if (strlen(units[i].suffix) == ulen &&
		    strncmp(q, units[i].suffix, ulen) == 0)
			break;
	}
	if (q == num || i == CRON_NITEMS(units)) {
		cron_error(err, errlen, spec, -1, "@every: '%.*s' is not a "
		    "duration (a whole number and ms, s, m, h or d, such as "
		    "30s or 5m)", (int)(len > CRON_ECHO ? CRON_ECHO : len),
		    num);
		return (-1);
	}
	if (n > CRON_EVERY_MAX / units[i].mult) {
		cron_error(err, errlen, spec, -1, "@every: %.*s is longer "
		    "than 365d", (int)len, num);
		return (-1);
	}
	if (n * units[i].mult < CRON_EVERY_MIN) {
		cron_error(err, errlen, spec, -1, "@every: %.*s is shorter "
		    "than 1s", (int)len, num);
		return (-1);
	}
	c->every_ms = n * units[i].mult;
	return (0);
}

/*
 * Parse the five fields of fields (spec is the original text, for
 * messages) into *c.
 */
static int
cron_parse_fields(const char *spec, const char *fields, struct cron *c,
    char *err, size_t errlen)
{
	const char	*start[CRON_NFIELDS + 1], *p = fields;
	size_t		 len[CRON_NFIELDS + 1];
	uint64_t	 mask[CRON_NFIELDS];
	int		 n = 0, i;

	for (;;) {
		while (isspace((unsigned char)*p))
			p++;
		if (*p == '\0')
			break;
		if (n <= CRON_NFIELDS)
			start[n] = p;
		while (*p != '\0' && !isspace((unsigned char)*p))
			p++;
		if (n <= CRON_NFIELDS)
			len[n] = (size_t)(p - start[n]);
		n++;
	}
	if (n != CRON_NFIELDS) {
		cron_error(err, errlen, spec, -1, "%d field%s, expected 5 "
		    "(minute hour day-of-month month day-of-week) or a macro "
		    "such as @daily", n, n == 1 ? "" : "s");
		return (-1);
	}
	for (i = 0; i < CRON_NFIELDS; i++) {
		if (cron_field_parse(spec, i, start[i], len[i], &mask[i], err,
		    errlen) != 0)
			return (-1);
	}
	c->minute = mask[0];
	c->hour = (uint32_t)mask[1];
	c->mday = (uint32_t)mask[2];
	c->month = (uint16_t)mask[3];
	/* Sunday is 0 and 7; keep it as 0. */
	c->wday = (uint8_t)((mask[4] | (mask[4] >> 7)) & 0x7f);
	/*
	 * As in Vixie cron, a day field "starting with *" (also "*\/2")
	 * counts as unrestricted for the either-day rule of cron_next.
	 */
	c->dom_star = start[2][0] == '*';
	c->dow_star = start[4][0] == '*';
	c->every_ms = 0;
	return (0);
}

/*
 * Parse spec: five fields "minute hour day-of-month month day-of-week",
 * each a comma-separated list of *, N, A-B, optionally with /STEP; month
 * and weekday names (jan-dec, sun-sat, any case); weekday 0-7 with 7 for
 * Sunday; or a macro (@hourly, @daily = @midnight, @weekly, @monthly,
 * @yearly = @annually), or "@every DURATION" (a whole number and ms, s,
 * m, h or d; 1s to 365d).  Returns 0 and fills *out, or -1 with a message
 * in err (which may be NULL) naming the field and the bad text; *out is
 * then unchanged.
 */
int
cron_parse(const char *spec, struct cron *out, char *err, size_t errlen)
{
	struct cron	 c;
	const char	*p = spec, *w;
	size_t		 i, len;

	memset(&c, 0, sizeof c);
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		cron_error(err, errlen, spec, -1, "empty");
		return (-1);
	}
	if (*p != '@') {
		if (cron_parse_fields(spec, p, &c, err, errlen) != 0)
			return (-1);
		*out = c;
		return (0);
	}
	for (w = p; *w != '\0' && !isspace((unsigned char)*w); w++)
		/* nothing */;
	len = (size_t)(w - p);
	if (len == 6 && strncasecmp(p, "@every", 6) == 0) {
		if (cron_every(spec, w, &c, err, errlen) != 0)
			return (-1);
		*out = c;
		return (0);
	}
	for (i = 0; i < CRON_NITEMS(cron_macros); i++) {
		if (strlen(cron_macros[i].name) == len &&
		    strncasecmp(p, cron_macros[i].name, len) == 0)
			break;
	}
	if (i == CRON_NITEMS(cron_macros)) {
		cron_error(err, errlen, spec, -1, "unknown macro '%.*s' (use "
		    "@hourly, @daily, @weekly, @monthly, @yearly or @every "
		    "DURATION)", (int)(len > CRON_ECHO ? CRON_ECHO : len), p);
		return (-1);
	}
	while (isspace((unsigned char)*w))
		w++;
	if (*w != '\0') {
		cron_error(err, errlen, spec, -1, "'%.*s' after %s",
		    CRON_ECHO, w, cron_macros[i].name);
		return (-1);
	}
	if (cron_parse_fields(spec, cron_macros[i].fields, &c, err,
	    errlen) != 0)
		return (-1);
	*out = c;
	return (0);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t
cron_days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

/* The date of a day number, the inverse of cron_days_from_civil. */
static void
cron_civil_from_days(int64_t z, struct cron_civil *cv)
{
	int64_t	era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	cv->d = (int)(doy - (153 * mp + 2) / 5 + 1);
	cv->mo = (int)(mp < 10 ? mp + 3 : mp - 9);
	cv->y = yoe + era * 400 + (cv->mo <= 2);
}

static int
cron_leap(int64_t y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

static int
cron_mdays(int64_t y, int mo)
{
	static const int days[] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return (mo == 2 && cron_leap(y) ? 29 : days[mo - 1]);
}

/* The lowest bit of mask at or above from and at most max, or -1. */
static int
cron_next_bit(uint64_t mask, int from, int max)
{
	uint64_t	m;
	int		i;

	if (from > max || from > 63)
		return (-1);
	if ((m = mask >> from) == 0)
		return (-1);
	i = from + __builtin_ctzll(m);
	return (i <= max ? i : -1);
}

/*
 * Whether a date matches the day fields.  Classic cron: when both
 * day-of-month and day-of-week are restricted, either one matching is
 * enough ("1 * mon" is the 1st and every Monday); otherwise both must.
 */
static int
cron_day_match(const struct cron *c, int64_t y, int mo, int d)
{
	int64_t	days;
	int	dom, dow, wd;

	days = cron_days_from_civil(y, mo, d);
	wd = (int)(((days + 4) % 7 + 7) % 7);	/* 1970-01-01: Thursday */
	dom = (c->mday >> d) & 1;
	dow = (c->wday >> wd) & 1;
	if (c->dom_star || c->dow_star)
		return (dom && dow);
	return (dom || dow);
}

/*
 * Move *cv forward to the first wall-clock minute at or after it that
 * matches c (cv may be denormal: minute 60, hour 24, day 32).  A field
 * that does not match skips everything below it.  Returns -1 past the
 * end of year ylimit.
 */
static int
cron_find(const struct cron *c, struct cron_civil *cv, int64_t ylimit)
{
	int	n;

	for (;;) {
		if (cv->mo > 12) {
			cv->y++;
			cv->mo = 1;
		}
		if (cv->y > ylimit)
			return (-1);
		if (((c->month >> cv->mo) & 1) == 0) {
			if ((n = cron_next_bit(c->month, cv->mo, 12)) < 0) {
				cv->y++;
				n = cron_next_bit(c->month, 1, 12);
				if (n < 0)
					return (-1);	/* not from parse */
			}
			cv->mo = n;
			cv->d = 1;
			cv->h = cv->mi = 0;
			continue;
		}
		if (cv->d > cron_mdays(cv->y, cv->mo)) {
			cv->mo++;
			cv->d = 1;
			cv->h = cv->mi = 0;
			continue;
		}
		if (!cron_day_match(c, cv->y, cv->mo, cv->d)) {
			cv->d++;
			cv->h = cv->mi = 0;
			continue;
		}
		if ((n = cron_next_bit(c->hour, cv->h, 23)) < 0) {
			cv->d++;
			cv->h = cv->mi = 0;
			continue;
		}
		if (n != cv->h) {
			cv->h = n;
			cv->mi = 0;
		}
		if ((n = cron_next_bit(c->minute, cv->mi, 59)) < 0) {
			cv->h++;
			cv->mi = 0;
			if (cv->h > 23) {
				cv->d++;
				cv->h = 0;
			}
			continue;
		}
		cv->mi = n;
		return (0);
	}
}

/* Offset from UTC in seconds at instant t, in the zone of $TZ. */
static int
cron_gmtoff(int64_t t, long *off)
{
	struct tm	tm;
	time_t		tt = (time_t)t;

	if (localtime_r(&tt, &tm) == NULL)
		return (-1);
	*off = tm.tm_gmtoff;
	return (0);
}

/* The wall-clock minute of instant t (seconds). */
static int
cron_to_civil(int64_t t, int utc, struct cron_civil *cv)
{
	long	off = 0;
	int64_t	days, secs;

	if (!utc && cron_gmtoff(t, &off) != 0)
		return (-1);
	t += off;
	days = cron_floordiv(t, 86400);
	secs = t - days * 86400;
	cron_civil_from_days(days, cv);
	cv->h = (int)(secs / 3600);
	cv->mi = (int)(secs % 3600 / 60);
	return (0);
}

/*
 * The first instant (seconds) whose wall clock reads cv, or -1 if the
 * clock skips it.  The wall time read as UTC, minus an offset the zone
 * has near it, is a candidate; a candidate is right if the zone has that
 * very offset at it.  Trying the offsets a day before, at and a day after
 * finds both instants of a time that happens twice, as long as a zone
 * does not change its offset twice within a day (none does).
 */
static int
cron_from_civil(const struct cron_civil *cv, int utc, int64_t *out)
{
	int64_t	local, cand, best = INT64_MAX;
	long	off, coff;
	int	i;

	local = cron_days_from_civil(cv->y, cv->mo, cv->d) * 86400 +
	    cv->h * 3600 + cv->mi * 60;
	if (utc) {
		*out = local;
		return (0);
	}
	for (i = -1; i <= 1; i++) {
		if (cron_gmtoff(local + i * 86400, &off) != 0)
			continue;
		cand = local - off;
		if (cron_gmtoff(cand, &coff) == 0 && coff == off && cand < best)
			best = cand;
	}
	if (best == INT64_MAX)
		return (-1);
	*out = best;
	return (0);
}

/* cron_next for a five-field spec, with $TZ already set (unless utc). */
static int64_t
cron_search(const struct cron *c, int64_t after_ms, int utc)
{
	struct cron_civil	cv;
	int64_t			t, ylimit;

	if (cron_to_civil(cron_floordiv(after_ms, 1000), utc, &cv) != 0)
		return (-1);
	ylimit = cv.y + CRON_YEARS;
	for (cv.mi++;; cv.mi++) {
		if (cron_find(c, &cv, ylimit) != 0)
			return (-1);
		/*
		 * Skipped: a time the clock jumps over, and the second
		 * instant of one it repeats (its first was at or before
		 * after_ms, so it has fired already).
		 */
		if (cron_from_civil(&cv, utc, &t) == 0 && t * 1000 > after_ms)
			return (t * 1000);
	}
}

/*
 * The first occurrence of c strictly after after_ms (Unix ms), with the
 * fields read as wall-clock time in zone tz (a tz database name; NULL, ""
 * or "UTC" is UTC; check it first with cron_check_tz, since the C library
 * takes an unknown name for UTC).  Returns Unix ms, or -1 if there is
 * none within about five years (a spec such as "0 0 30 2 *"), if after_ms
 * is outside the years 1 to 9999, or if $TZ could not be set.
 *
 * @every occurrences are the multiples of its interval since the Unix
 * epoch, whatever the zone, so that every tqd computes the same instants
 * (they name the tasks, which is what keeps them from being enqueued
 * twice).  A wall-clock time that daylight saving time skips does not
 * occur that day; one that it repeats occurs at its first instant only.
 *
 * For a zone other than UTC this sets $TZ (and calls tzset) for the
 * duration of the call and then restores it, or unsets it if it was not
 * set: not thread-safe, which is fine in single-threaded tqd.  A $TZ
 * longer than PATH_MAX is not restored and makes this return -1.
 */
int64_t
cron_next(const struct cron *c, int64_t after_ms, const char *tz)
{
	char		 saved[PATH_MAX];
	const char	*old;
	int64_t		 t, q;
	int		 utc, had;

	if (after_ms < CRON_MIN_MS || after_ms > CRON_MAX_MS)
		return (-1);
	if (c->every_ms > 0) {
		q = cron_floordiv(after_ms, c->every_ms);
		return ((q + 1) * c->every_ms);
	}
	utc = tz == NULL || *tz == '\0' || strcmp(tz, "UTC") == 0;
	if (utc)
		return (cron_search(c, after_ms, 1));

	if ((old = getenv("TZ")) != NULL && strlen(old) >= sizeof saved)
		return (-1);
	had = old != NULL;
	if (had)
		strcpy(saved, old);	/* setenv may free the old string */
	if (!had || strcmp(saved, tz) != 0) {
		if (setenv("TZ", tz, 1) != 0)
			return (-1);
	}
	tzset();
	t = cron_search(c, after_ms, 0);
	if (had)
		(void)setenv("TZ", saved, 1);
	else
		(void)unsetenv("TZ");
	tzset();
	return (t);
}

/*
 * Check that tz names a time zone: "UTC", or a file of the tz database in
 * $TZDIR or else /usr/share/zoneinfo (the places the C library looks)
 * that starts like one ("TZif").  This does I/O (open and read), so call
 * it when the configuration is read, not on every tick.  Returns 0, or -1
 * with a message in err (which may be NULL).
 */
int
cron_check_tz(const char *tz, char *err, size_t errlen)
{
	struct stat	 sb;
	const char	*dir, *p;
	char		 path[PATH_MAX], magic[4];
	ssize_t		 n;
	int		 fd, bad = 0;

	if (tz == NULL || *tz == '\0') {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "empty time zone name (use UTC "
			    "or a name such as Europe/Paris)");
		return (-1);
	}
	if (strcmp(tz, "UTC") == 0)
		return (0);
	/* A name, not a path: nothing that leaves the directory. */
	if (*tz == '/' || strlen(tz) > 255 || strstr(tz, "..") != NULL)
		bad = 1;
	for (p = tz; *p != '\0' && !bad; p++) {
		if (!isalnum((unsigned char)*p) && strchr("/_+-.", *p) == NULL)
			bad = 1;
	}
	if (bad) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "'%.*s' is not a time zone name "
			    "(such as Europe/Paris or UTC)", CRON_ECHO, tz);
		return (-1);
	}
	if ((dir = getenv("TZDIR")) == NULL || *dir == '\0')
		dir = "/usr/share/zoneinfo";
	snprintf(path, sizeof path, "%s/%s", dir, tz);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (err != NULL && errlen > 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				snprintf(err, errlen, "unknown time zone '%s' "
				    "(not in %s)", tz, dir);
			else
				snprintf(err, errlen, "time zone '%s': %s: %s",
				    tz, path, strerror(errno));
		}
		return (-1);
	}
	n = -1;
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
		n = read(fd, magic, sizeof magic);
	close(fd);
	if (n != (ssize_t)sizeof magic || memcmp(magic, "TZif", 4) != 0) {
		if (err != NULL && errlen > 0)
			snprintf(err, errlen, "unknown time zone '%s' (%s is "
			    "not a time zone file)", tz, path);
		return (-1);
	}
	return (0);
}
