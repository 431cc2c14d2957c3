/*
 * error.c -- the error record every fallible libtq call fills in.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A struct tq_error carries a code for programs to act on and one line of
 * text for people.  It is written only here, so that every message is
 * formatted and truncated the same way, and a NULL err is always allowed.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tq-int.h"

static const char *const tq_errnames[] = {
	[TQ_OK] = "success",
	[TQ_EIO] = "system error",
	[TQ_EPROTO] = "protocol error",
	[TQ_ETIMEOUT] = "timed out",
	[TQ_ECONFIG] = "configuration error",
	[TQ_EREDIS] = "redis error",
	[TQ_ECONN] = "redis unreachable",
	[TQ_ENOTFOUND] = "not found",
	[TQ_EINVAL] = "invalid argument",
	[TQ_EEXIST] = "already exists",
	[TQ_ELEASE] = "lease lost",
	[TQ_ETOOBIG] = "too big",
};

const char *
tq_strerror(enum tq_errcode code)
{
	if ((size_t)code >= TQ_NITEMS(tq_errnames) || tq_errnames[code] == NULL)
		return ("unknown error");
	return (tq_errnames[code]);
}

void
tq_error_clear(struct tq_error *err)
{
	if (err == NULL)
		return;
	err->code = TQ_OK;
	err->msg[0] = '\0';
}

void
tq_error_set(struct tq_error *err, enum tq_errcode code, const char *fmt, ...)
{
	va_list	ap;

	if (err == NULL)
		return;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
}

/* Like tq_error_set with TQ_EIO, appending strerror(errno) as saved first. */
void
tq_error_sys(struct tq_error *err, const char *fmt, ...)
{
	va_list	ap;
	int	saved = errno;
	size_t	len;

	if (err == NULL)
		return;
	err->code = TQ_EIO;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof err->msg - len, ": %s",
	    strerror(saved));
	errno = saved;
}

/* Put context in front of an existing message: "queue email: <msg>". */
void
tq_error_prefix(struct tq_error *err, const char *fmt, ...)
{
	char	prefix[128], old[sizeof err->msg];
	va_list	ap;

	if (err == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof old);
	/* Truncation is fine: the context comes first, the tail goes. */
	if (snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old) < 0)
		err->msg[0] = '\0';
}

/*
 * Whether an error is the link's (every command would fail alike) rather
 * than one command's or one key's (every other one may still succeed).
 */
int
tq_error_outage(const struct tq_error *err)
{
	return (err->code == TQ_ECONN || err->code == TQ_ETIMEOUT);
}
