/*
 * duration.c -- read and write durations, sizes and bounded integers.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Configuration values and command-line options share one syntax:
 * durations are a number and a unit ("250ms", "1.5s", "90d"), sizes a
 * number and a power of 1024 ("512K", "1M"), integers plain decimal.
 * The arithmetic is done in integers so that "0.1s" is exactly 100 ms
 * and an overflow is caught rather than wrapped.  Errors quote the input,
 * which the caller has already attributed to a key or an option.
 */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define NUM_ECHO_MAX	64	/* longest input quoted in a message */
#define NUM_DECIMALS	6	/* most digits after the point */

struct num_unit {
	const char	*suffix;
	int64_t		 mult;
};

static const struct num_unit duration_units[] = {
	{ "ms", 1 },
	{ "s", 1000 },
	{ "m", 60 * 1000 },
	{ "h", 60 * 60 * 1000 },
	{ "d", 24 * 60 * 60 * 1000 },
	{ "", 1000 },		/* a bare number is seconds */
};

static const struct num_unit size_units[] = {
	{ "", 1 },
	{ "B", 1 },
	{ "K", 1024 },
	{ "M", 1024 * 1024 },
	{ "G", 1024 * 1024 * 1024 },
	{ "T", 1024LL * 1024 * 1024 * 1024 },
};

/* What a failed parse says. */
struct num_kind {
	const char		*what;		/* "duration" */
	const char		*unit;		/* "millisecond" */
	const char		*hint;		/* the syntax, for bad input */
	const struct num_unit	*units;
	size_t			 nunits;
	int			 nocase;	/* "1m" is 1 MiB for sizes */
};

static const struct num_kind duration_kind = {
	"duration", "millisecond",
	"a number and a unit: 250ms, 30s, 5m, 2h, 90d",
	duration_units, TQ_NITEMS(duration_units), 0
};

static const struct num_kind size_kind = {
	"size", "byte",
	"bytes, or a number and K, M, G or T: 512K, 1M",
	size_units, TQ_NITEMS(size_units), 1
};

/* Match suffix against the kind's units; sizes also take "KB" for "K". */
static const struct num_unit *
num_unit(const struct num_kind *k, const char *suffix)
{
	char	 up[3];
	size_t	 i, len;

	len = strlen(suffix);
	if (!k->nocase) {
		for (i = 0; i < k->nunits; i++) {
			if (strcmp(suffix, k->units[i].suffix) == 0)
				return (&k->units[i]);
		}
		return (NULL);
	}
	if (len > 2)
		return (NULL);
	for (i = 0; i < len; i++)
		up[i] = (char)toupper((unsigned char)suffix[i]);
	up[len] = '\0';
	if (len == 2) {
		if (up[1] != 'B' || up[0] == 'B')
			return (NULL);
		up[1] = '\0';
	}
	for (i = 0; i < k->nunits; i++) {
		if (strcmp(up, k->units[i].suffix) == 0)
			return (&k->units[i]);
	}
	return (NULL);
}

/* Parse s as described by k into *out. */
static int
num_parse(const struct num_kind *k, const char *s, int64_t *out,
    struct tq_error *err)
{
	const struct num_unit	*u;
	const char		*p = s;
	uint64_t		 ip = 0, frac = 0, pow10 = 1, fv;
	int			 ndigits = 0, ndec = 0;

	if (*s == '\0') {
		tq_error_set(err, TQ_EINVAL, "empty %s", k->what);
		return (-1);
	}
	if (*s == '-') {
		tq_error_set(err, TQ_EINVAL, "'%.*s' is negative", NUM_ECHO_MAX,
		    s);
		return (-1);
	}
	for (; isdigit((unsigned char)*p); p++, ndigits++) {
		if (ip > (UINT64_MAX - 9) / 10)
			goto toobig;
		ip = ip * 10 + (uint64_t)(*p - '0');
	}
	if (ndigits == 0)
		goto bad;
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, ndec++) {
			if (ndec == NUM_DECIMALS) {
				tq_error_set(err, TQ_EINVAL, "'%.*s' has more "
				    "than %d decimals", NUM_ECHO_MAX, s,
				    NUM_DECIMALS);
				return (-1);
			}
			frac = frac * 10 + (uint64_t)(*p - '0');
			pow10 *= 10;
		}
		if (ndec == 0)
			goto bad;
	}
	if ((u = num_unit(k, p)) == NULL)
		goto bad;

	/* ip * mult + frac * mult / 10^ndec, exactly, within int64_t. */
	if (ip > (uint64_t)INT64_MAX / (uint64_t)u->mult)
		goto toobig;
	ip *= (uint64_t)u->mult;
	fv = frac * (uint64_t)u->mult;	/* < 10^6 * 2^40: no overflow */
	if (fv % pow10 != 0) {
		tq_error_set(err, TQ_EINVAL, "'%.*s' is not a whole number of "
		    "%ss", NUM_ECHO_MAX, s, k->unit);
		return (-1);
	}
	fv /= pow10;
	if (ip > (uint64_t)INT64_MAX - fv)
		goto toobig;
	*out = (int64_t)(ip + fv);
	return (0);

toobig:
	tq_error_set(err, TQ_EINVAL, "'%.*s' is too large", NUM_ECHO_MAX, s);
	return (-1);
bad:
	tq_error_set(err, TQ_EINVAL, "'%.*s' is not a %s (expected %s)",
	    NUM_ECHO_MAX, s, k->what, k->hint);
	return (-1);
}

int
tq_parse_duration(const char *s, int64_t *ms, struct tq_error *err)
{
	return (num_parse(&duration_kind, s, ms, err));
}

int
tq_parse_size(const char *s, int64_t *bytes, struct tq_error *err)
{
	return (num_parse(&size_kind, s, bytes, err));
}

int
tq_parse_int(const char *s, long long min, long long max, long long *out,
    struct tq_error *err)
{
	const char	*p = s;
	char		*end;
	long long	 v;

	/* strtoll would also take spaces, '+' and an empty string. */
	if (*p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		goto bad;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		goto bad;
	if ((errno == ERANGE && v == LLONG_MAX) || v > max) {
		tq_error_set(err, TQ_EINVAL, "%.*s is above the maximum %lld",
		    NUM_ECHO_MAX, s, max);
		return (-1);
	}
	if ((errno == ERANGE && v == LLONG_MIN) || v < min) {
		tq_error_set(err, TQ_EINVAL, "%.*s is below the minimum %lld",
		    NUM_ECHO_MAX, s, min);
		return (-1);
	}
	*out = v;
	return (0);

bad:
	tq_error_set(err, TQ_EINVAL, "'%.*s' is not an integer", NUM_ECHO_MAX,
	    s);
	return (-1);
}

/* The largest unit of units[0..n) (ascending) that divides v exactly. */
static const char *
num_format(const struct num_unit *units, size_t n, int64_t v, char *buf,
    size_t len)
{
	size_t	i;

	for (i = n; i > 0; i--) {
		if (units[i - 1].mult > 0 && v % units[i - 1].mult == 0)
			break;
	}
	if (i == 0 || v == 0)
		i = 1;
	snprintf(buf, len, "%" PRId64 "%s", v / units[i - 1].mult,
	    units[i - 1].suffix);
	return (buf);
}

const char *
tq_format_duration(int64_t ms, char *buf, size_t len)
{
	/* ms, s, m, h, d; zero is written "0s", which reads more clearly. */
	if (ms == 0) {
		snprintf(buf, len, "0s");
		return (buf);
	}
	return (num_format(duration_units, 5, ms, buf, len));
}

const char *
tq_format_size(int64_t bytes, char *buf, size_t len)
{
	/* Skip the "" and "B" entries: bytes are a bare number. */
	if (bytes == 0 || bytes % 1024 != 0) {
		snprintf(buf, len, "%" PRId64, bytes);
		return (buf);
	}
	return (num_format(size_units + 2, TQ_NITEMS(size_units) - 2, bytes,
	    buf, len));
}
