/*
 * cmd-enqueue.c -- tq enqueue: add one task, or many from stdin.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * One task: the type, a payload argument (or "-" for stdin) and options;
 * the new id is printed.  With --batch, stdin holds one JSON object per
 * line.  A batch is all or nothing as far as validation goes: every line
 * is parsed and checked (by tq_batch_add, the same checks as tq_enqueue)
 * before anything is sent, so one bad line enqueues nothing.  The lines
 * are spooled to a temporary file during that first pass, and sent in
 * bounded chunks in the second, so memory does not grow with the input.
 *
 * Payloads are passed on as the exact text of the input: a line is parsed
 * with cJSON for its fields, but the payload's own bytes are cut out of
 * the line rather than re-printed, because cJSON holds numbers as doubles
 * and would round integers above 2^53.
 */

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define ENQ_CHUNK	1000	/* tasks per tq_batch */
#define ENQ_REPORT_MAX	20	/* bad lines reported one by one */

enum {
	OPT_DELAY = CLI_OPT_LONG,
	OPT_AT,
	OPT_MAX_RETRIES,
	OPT_TIMEOUT,
	OPT_UNIQUE_FOR,
	OPT_ID,
	OPT_BATCH,
};

static const struct option enqueue_longopts[] = {
	{ "queue", required_argument, NULL, 'q' },
	{ "priority", required_argument, NULL, 'p' },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "at", required_argument, NULL, OPT_AT },
	{ "max-retries", required_argument, NULL, OPT_MAX_RETRIES },
	{ "timeout", required_argument, NULL, OPT_TIMEOUT },
	{ "unique-for", required_argument, NULL, OPT_UNIQUE_FOR },
	{ "id", required_argument, NULL, OPT_ID },
	{ "batch", no_argument, NULL, OPT_BATCH },
	{ NULL, 0, NULL, 0 }
};

static int	cmd_enqueue_exec(struct cmd_ctx *);

const struct cmd_entry cmd_enqueue_entry = {
	.name = "enqueue",
	.optstring = "q:p:",
	.longopts = enqueue_longopts,
	.min_args = 0,
	.max_args = 2,
	.flags = 0,
	.usage = "[-q QUEUE] [-p PRIORITY] [--delay DURATION | --at UNIX_TIME] "
	    "[--max-retries N] [--timeout DURATION] [--unique-for DURATION] "
	    "[--id ID] TYPE [PAYLOAD | -]\n"
	    "--batch [-q QUEUE] [-p PRIORITY] [--delay DURATION | "
	    "--at UNIX_TIME] [--max-retries N] [--timeout DURATION] "
	    "[--unique-for DURATION] < LINES",
	.summary = "Add a task (or, with --batch, one per line of stdin) and "
	    "print its id.",
	.exec = cmd_enqueue_exec,
};

/* One parsed line of a batch; strings borrowed from json. */
struct enq_line {
	cJSON			*json;
	char			*payload;	/* new */
	const char		*type;
	struct tq_enqueue_opts	 o;
};

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

/* A duration option into ms; a usage error (2) or -1 to go on. */
static int
enq_duration(struct cmd_ctx *ctx, int opt, const char *name, int64_t *ms)
{
	if (!ctx->optset[opt])
		return (-1);
	if (cli_parse_duration(ctx->opt[opt], ms) != 0)
		return (cli_usage_error(ctx, "%s: '%s' is not a duration "
		    "(seconds, or a number and ms, s, m, h or d)", name,
		    ctx->opt[opt]));
	return (-1);
}

/* An integer option into *out; a usage error (2) or -1 to go on. */
static int
enq_int(struct cmd_ctx *ctx, int opt, const char *name, int *out)
{
	long long	v;

	if (!ctx->optset[opt])
		return (-1);
	if (cli_parse_int(ctx->opt[opt], INT_MIN, INT_MAX, &v) != 0)
		return (cli_usage_error(ctx, "%s: '%s' is not an integer",
		    name, ctx->opt[opt]));
	*out = (int)v;
	return (-1);
}

/*
 * The options shared by both forms into o.  Values that are not numbers
 * at all are usage errors; numbers out of range are left to libtq, which
 * refuses them like any other bad task (status 1).
 */
static int
enq_opts(struct cmd_ctx *ctx, struct tq_enqueue_opts *o)
{
	int64_t	ms;
	int	rc;

	tq_enqueue_opts_init(o);
	if (ctx->optset['q'])
		o->queue = ctx->opt['q'];
	if (ctx->optset[OPT_ID])
		o->id = ctx->opt[OPT_ID];
	if ((rc = enq_int(ctx, 'p', "-p", &o->priority)) >= 0 ||
	    (rc = enq_int(ctx, OPT_MAX_RETRIES, "--max-retries",
	    &o->max_retries)) >= 0 ||
	    (rc = enq_duration(ctx, OPT_DELAY, "--delay", &o->delay_ms)) >= 0 ||
	    (rc = enq_duration(ctx, OPT_UNIQUE_FOR, "--unique-for",
	    &o->unique_ms)) >= 0)
		return (rc);
	if (ctx->optset[OPT_DELAY] && ctx->optset[OPT_AT])
		return (cli_usage_error(ctx, "give --delay or --at, not both"));
	if (ctx->optset[OPT_AT] && cli_parse_seconds(ctx->opt[OPT_AT],
	    &o->at_ms) != 0)
		return (cli_usage_error(ctx, "--at: '%s' is not a Unix time "
		    "in seconds", ctx->opt[OPT_AT]));
	if ((rc = enq_duration(ctx, OPT_TIMEOUT, "--timeout", &ms)) >= 0)
		return (rc);
	if (ctx->optset[OPT_TIMEOUT]) {
		/* 0 would mean "none of its own": say what is wrong. */
		if (ms % 1000 != 0 || ms / 1000 > INT_MAX || ms == 0)
			return (cli_usage_error(ctx, "--timeout: '%s' is not "
			    "a whole number of seconds, at least 1",
			    ctx->opt[OPT_TIMEOUT]));
		o->timeout_s = (int)(ms / 1000);
	}
	return (-1);
}

/* ------------------------------------------------------------------ */
/* One task                                                            */
/* ------------------------------------------------------------------ */

/* All of stdin as a string, trailing whitespace dropped; NULL on error. */
static char *
enq_read_stdin(size_t *lenp)
{
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, n;

	for (;;) {
		if (cap - len < 65536) {
			cap = cap == 0 ? 65536 : cap * 2;
			buf = xreallocarray(buf, 1, cap);
		}
		n = fread(buf + len, 1, cap - len - 1, stdin);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(stdin)) {
		free(buf);
		return (NULL);
	}
	while (len > 0 && strchr(" \t\r\n", buf[len - 1]) != NULL)
		len--;
	buf[len] = '\0';
	*lenp = len;
	return (buf);
}

static int
enq_one(struct cmd_ctx *ctx, const struct tq_enqueue_opts *o)
{
	struct tq_error	 err;
	const char	*type = ctx->argv[0], *payload = "{}";
	char		*input = NULL, *id = NULL;
	size_t		 len;
	int		 rc;

	if (ctx->argc >= 2 && strcmp(ctx->argv[1], "-") == 0) {
		if ((input = enq_read_stdin(&len)) == NULL) {
			cli_warn("enqueue: standard input: %s",
			    strerror(errno));
			return (TQ_EXIT_FAIL);
		}
		if (strlen(input) != len) {
			cli_warn("enqueue: payload is not valid JSON: it "
			    "holds a NUL byte");
			free(input);
			return (TQ_EXIT_FAIL);
		}
		payload = input;
	} else if (ctx->argc >= 2)
		payload = ctx->argv[1];

	if ((rc = cli_connect(ctx)) != 0)
		goto out;
	tq_error_clear(&err);
	if (tq_enqueue(ctx->client, type, payload, o, &id, &err) != 0) {
		rc = cli_error(ctx, &err);
		goto out;
	}
	printf("%s\n", id);
	free(id);
out:
	free(input);
	return (rc);
}

/* ------------------------------------------------------------------ */
/* Batch lines                                                         */
/* ------------------------------------------------------------------ */

/*
 * Scanning valid JSON text (cJSON has accepted the line already) to find
 * where a member's value starts and ends.
 */
static size_t
json_ws(const char *s, size_t i)
{
	while (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
		i++;
	return (i);
}

/* Past the string that starts at s[i] (a quote). */
static size_t
json_string(const char *s, size_t i)
{
	for (i++; s[i] != '"' && s[i] != '\0'; i++) {
		if (s[i] == '\\' && s[i + 1] != '\0')
			i++;
	}
	return (s[i] == '"' ? i + 1 : i);
}

/* The end of the value at s[i]: the ',' or '}' that follows it. */
static size_t
json_value(const char *s, size_t i)
{
	int	depth = 0;

	while (s[i] != '\0') {
		if (s[i] == '"')
			i = json_string(s, i);
		else if (s[i] == '{' || s[i] == '[') {
			depth++;
			i++;
		} else if (s[i] == '}' || s[i] == ']') {
			if (depth == 0)
				break;
			depth--;
			i++;
		} else if (s[i] == ',' && depth == 0)
			break;
		else
			i++;
	}
	return (i);
}

/*
 * The exact text of the first top-level "payload" member of the object in
 * s, as a new string, or NULL if there is none spelt without escapes.
 */
static char *
json_raw_payload(const char *s)
{
	size_t	i, key, keyend, start, end;

	if (s[i = json_ws(s, 0)] != '{')
		return (NULL);
	for (i++;;) {
		i = json_ws(s, i);
		if (s[i] != '"')
			return (NULL);
		key = i;
		keyend = i = json_string(s, i);
		i = json_ws(s, i);
		if (s[i++] != ':')
			return (NULL);
		start = i = json_ws(s, i);
		end = i = json_value(s, i);
		while (end > start && strchr(" \t\r\n", s[end - 1]) != NULL)
			end--;
		if (keyend - key == 9 && memcmp(s + key, "\"payload\"", 9) == 0)
			return (xstrndup(s + start, end - start));
		if (s[i] != ',')
			return (NULL);
		i++;
	}
}

/* A member that must be an integer in [min, max]. */
static int
line_int(const cJSON *v, long long min, long long max, int *out)
{
	/* In range first, so that the cast is defined. */
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
	    v->valuedouble < (double)min || v->valuedouble > (double)max ||
	    v->valuedouble != (double)(long long)v->valuedouble)
		return (-1);
	*out = (int)v->valuedouble;
	return (0);
}

/* A member that is a number of seconds, or a duration string: ms. */
static int
line_duration(const cJSON *v, int64_t *ms)
{
	double	d;

	if (cJSON_IsString(v))
		return (cli_parse_duration(v->valuestring, ms));
	if (!cJSON_IsNumber(v))
		return (-1);
	d = v->valuedouble * 1000;
	/* Beyond any limit libtq allows, but still an int64. */
	if (!isfinite(d) || d < 0 || d > 1e15)
		return (-1);
	*ms = (int64_t)(d + 0.5);	/* to the nearest ms */
	return (0);
}

/* Free what enq_line_parse made. */
static void
enq_line_done(struct enq_line *l)
{
	cJSON_Delete(l->json);
	free(l->payload);
	memset(l, 0, sizeof *l);
}

/*
 * Parse one line into l, over the defaults from the command line.
 * Returns 0, or -1 with the reason in why.
 */
static int
enq_line_parse(const char *line, size_t len,
    const struct tq_enqueue_opts *defaults, struct enq_line *l, char *why,
    size_t whylen)
{
	static const char *const fields[] = {
		"type", "payload", "queue", "id", "priority", "max_retries",
		"timeout", "delay", "at", "unique_for", "unique_key", NULL
	};
	const cJSON	*v;
	const char	*end = NULL;
	unsigned	 seen = 0;
	size_t		 f;
	int64_t		 ms;
	char		*text;

	memset(l, 0, sizeof *l);
	l->o = *defaults;
	if (strlen(line) != len) {
		snprintf(why, whylen, "holds a NUL byte");
		return (-1);
	}
	if ((l->json = cJSON_ParseWithOpts(line, &end, 1)) == NULL) {
		snprintf(why, whylen, "not valid JSON (near byte %zu)",
		    end != NULL && end >= line ? (size_t)(end - line) + 1 :
		    (size_t)1);
		return (-1);
	}
	if (!cJSON_IsObject(l->json)) {
		snprintf(why, whylen, "not a JSON object");
		goto fail;
	}
	cJSON_ArrayForEach(v, l->json) {
		for (f = 0; fields[f] != NULL; f++) {
			if (strcmp(v->string, fields[f]) == 0)
				break;
		}
		if (fields[f] == NULL) {
			snprintf(why, whylen, "unknown field \"%.64s\"",
			    v->string);
			goto fail;
		}
		if (seen & (1U << f)) {
			snprintf(why, whylen, "field \"%s\" appears twice",
			    fields[f]);
			goto fail;
		}
		seen |= 1U << f;

		switch (f) {
		case 0:		/* type */
		case 2:		/* queue */
		case 3:		/* id */
		case 10:	/* unique_key */
			if (!cJSON_IsString(v)) {
				snprintf(why, whylen, "\"%s\" must be a string",
				    fields[f]);
				goto fail;
			}
			if (f == 0)
				l->type = v->valuestring;
			else if (f == 2)
				l->o.queue = v->valuestring;
			else if (f == 3)
				l->o.id = v->valuestring;
			else
				l->o.unique_key = v->valuestring;
			break;
		case 1:		/* payload: see below */
			break;
		case 4:
		case 5:
			if (line_int(v, INT_MIN, INT_MAX, f == 4 ?
			    &l->o.priority : &l->o.max_retries) != 0) {
				snprintf(why, whylen, "\"%s\" must be an "
				    "integer", fields[f]);
				goto fail;
			}
			break;
		case 6:		/* timeout */
			if (line_duration(v, &ms) != 0 || ms % 1000 != 0 ||
			    ms / 1000 > INT_MAX || ms == 0) {
				snprintf(why, whylen, "\"timeout\" must be a "
				    "whole number of seconds, at least 1");
				goto fail;
			}
			l->o.timeout_s = (int)(ms / 1000);
			break;
		case 7:		/* delay */
		case 9:		/* unique_for */
			if (line_duration(v, f == 7 ? &l->o.delay_ms :
			    &l->o.unique_ms) != 0) {
				snprintf(why, whylen, "\"%s\" must be a "
				    "non-negative number of seconds or a "
				    "duration", fields[f]);
				goto fail;
			}
			if (f == 7)
				l->o.at_ms = 0;	/* over a default --at */
			break;
		case 8:		/* at */
			if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) ||
			    v->valuedouble < 0 || v->valuedouble > 1e12) {
				snprintf(why, whylen, "\"at\" must be a Unix "
				    "time in seconds");
				goto fail;
			}
			/* Non-negative: the cast rounds down. */
			l->o.at_ms = (int64_t)(v->valuedouble * 1000);
			l->o.delay_ms = 0;	/* over a default --delay */
			break;
		}
	}
	if ((seen & (1U << 7)) && (seen & (1U << 8))) {
		snprintf(why, whylen, "give \"delay\" or \"at\", not both");
		goto fail;
	}
	if (l->type == NULL) {
		snprintf(why, whylen, "no \"type\"");
		goto fail;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(l->json, "payload")) ==
	    NULL)
		l->payload = xstrdup("{}");
	else if ((l->payload = json_raw_payload(line)) == NULL) {
		/* A key spelt with escapes: re-print (doubles, but rare). */
		if ((text = cJSON_PrintUnformatted(v)) == NULL)
			cli_oom(0);
		l->payload = xstrdup(text);
		cJSON_free(text);
	}
	return (0);
fail:
	enq_line_done(l);
	return (-1);
}

/* Whether a line is only whitespace. */
static int
enq_blank(const char *line)
{
	return (line[strspn(line, " \t\r\n")] == '\0');
}

/* ------------------------------------------------------------------ */
/* Batch                                                               */
/* ------------------------------------------------------------------ */

/*
 * Send b and print the id of each task, in input order, or the error of
 * each line Redis refused (counted in *refused).  Returns 0, or an exit
 * status when the connection failed; then the ids printed so far are
 * those of tasks that were enqueued, and the message says from which
 * line on the outcome is unknown.
 */
static int
enq_flush(struct tq_batch *b, const size_t *lines, int *refused)
{
	const struct tq_error	*e;
	struct tq_error		 err;
	size_t			 i, stop, n = tq_batch_count(b);
	int			 rc, sent = 1;

	if (n == 0)
		return (0);
	tq_error_clear(&err);
	rc = tq_batch_exec(b, &err);
	stop = n;
	if (rc < 0) {
		/*
		 * libtq marks the task whose reply was lost, and every one
		 * after it, with the connection error.  If none is marked,
		 * the failure came before the pipeline (SADD of the queue
		 * set, SCRIPT LOAD): nothing of this batch was sent.
		 */
		for (stop = 0; stop < n; stop++) {
			e = tq_batch_error(b, stop);
			if (e != NULL && e->code == err.code &&
			    strcmp(e->msg, err.msg) == 0)
				break;
		}
		if (stop == n) {
			stop = 0;
			sent = 0;
		}
	}
	for (i = 0; i < stop; i++) {
		if ((e = tq_batch_error(b, i)) == NULL)
			printf("%s\n", tq_batch_id(b, i));
		else {
			cli_warn("enqueue: line %zu: %s", lines[i], e->msg);
			(*refused)++;
		}
	}
	fflush(stdout);
	if (rc >= 0)
		return (0);
	if (sent)
		cli_warn("enqueue: line %zu: %s (this line and those after "
		    "it may or may not have been enqueued)", lines[stop],
		    err.msg);
	else
		cli_warn("enqueue: line %zu: %s (nothing from this line on "
		    "was enqueued)", lines[0], err.msg);
	return (cli_status(&err));
}

/*
 * Pass 1: read stdin, parse and validate every line, spool the good
 * ones ("LINENO TEXT") to spool.  Returns the number of tasks, or -1 when
 * any line was bad (reported) or stdin failed.
 */
static long long
enq_validate(struct cmd_ctx *ctx, const struct tq_enqueue_opts *defaults,
    FILE *spool)
{
	struct tq_batch	*check;
	struct enq_line	 l;
	struct tq_error	 err;
	char		*line = NULL, why[256];
	size_t		 cap = 0, lineno = 0, bad = 0;
	long long	 tasks = 0;
	ssize_t		 len;

	check = tq_batch_new(ctx->client);
	while ((len = getline(&line, &cap, stdin)) != -1) {
		lineno++;
		if ((size_t)len == strlen(line) && enq_blank(line))
			continue;
		if ((size_t)len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		tq_error_clear(&err);
		if (enq_line_parse(line, (size_t)len, defaults, &l, why,
		    sizeof why) != 0) {
			if (++bad <= ENQ_REPORT_MAX)
				cli_warn("enqueue: line %zu: %s", lineno, why);
			continue;
		}
		if (tq_batch_add(check, l.type, l.payload, &l.o, &err) != 0) {
			if (++bad <= ENQ_REPORT_MAX)
				cli_warn("enqueue: line %zu: %s", lineno,
				    err.msg);
		} else if (bad == 0)
			fprintf(spool, "%zu %s\n", lineno, line);
		enq_line_done(&l);
		tasks++;
		/* The check batch is thrown away: keep it small. */
		if (tq_batch_count(check) >= ENQ_CHUNK) {
			tq_batch_free(check);
			check = tq_batch_new(ctx->client);
		}
	}
	tq_batch_free(check);
	free(line);
	if (ferror(stdin)) {
		cli_warn("enqueue: standard input: %s", strerror(errno));
		return (-1);
	}
	if (bad > ENQ_REPORT_MAX)
		cli_warn("enqueue: ... and %zu more bad lines",
		    bad - ENQ_REPORT_MAX);
	if (bad > 0) {
		cli_warn("enqueue: %zu bad line%s; nothing was enqueued", bad,
		    bad == 1 ? "" : "s");
		return (-1);
	}
	if (fflush(spool) != 0 || ferror(spool)) {
		cli_warn("enqueue: temporary file: %s", strerror(errno));
		return (-1);
	}
	return (tasks);
}

static int
enq_batch(struct cmd_ctx *ctx, const struct tq_enqueue_opts *defaults)
{
	struct tq_batch	*b = NULL;
	struct enq_line	 l;
	struct tq_error	 err;
	FILE		*spool;
	char		*line = NULL, *text, *end, why[256];
	size_t		 cap = 0, lines[ENQ_CHUNK], lineno;
	ssize_t		 len;
	int		 rc, refused = 0;

	if (ctx->argc != 0)
		return (cli_usage_error(ctx, "--batch reads tasks from stdin "
		    "and takes no arguments"));
	if (ctx->optset[OPT_ID])
		return (cli_usage_error(ctx, "--id cannot be used with "
		    "--batch (give \"id\" in each line)"));
	if ((rc = cli_connect(ctx)) != 0)
		return (rc);
	if ((spool = tmpfile()) == NULL) {
		cli_warn("enqueue: cannot create a temporary file: %s",
		    strerror(errno));
		return (TQ_EXIT_FAIL);
	}
	if (enq_validate(ctx, defaults, spool) < 0) {
		rc = TQ_EXIT_FAIL;
		goto out;
	}

	/* Pass 2: every line is good; send them in chunks. */
	rewind(spool);
	b = tq_batch_new(ctx->client);
	while ((len = getline(&line, &cap, spool)) != -1) {
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		lineno = strtoul(line, &end, 10);
		text = end + 1;
		tq_error_clear(&err);
		if (enq_line_parse(text, strlen(text), defaults, &l, why,
		    sizeof why) != 0) {
			/* It parsed a moment ago: the spool is damaged. */
			cli_warn("enqueue: line %zu: %s", lineno, why);
			refused++;
			continue;
		}
		if (tq_batch_add(b, l.type, l.payload, &l.o, &err) != 0) {
			cli_warn("enqueue: line %zu: %s", lineno, err.msg);
			refused++;
		} else
			lines[tq_batch_count(b) - 1] = lineno;
		enq_line_done(&l);
		if (tq_batch_count(b) == ENQ_CHUNK) {
			if ((rc = enq_flush(b, lines, &refused)) != 0)
				goto out;
			tq_batch_free(b);
			b = tq_batch_new(ctx->client);
		}
	}
	if (ferror(spool)) {
		cli_warn("enqueue: temporary file: %s", strerror(errno));
		rc = TQ_EXIT_FAIL;
		goto out;
	}
	if ((rc = enq_flush(b, lines, &refused)) != 0)
		goto out;
	rc = refused > 0 ? TQ_EXIT_FAIL : TQ_EXIT_OK;
out:
	tq_batch_free(b);
	free(line);
	fclose(spool);
	return (rc);
}

static int
cmd_enqueue_exec(struct cmd_ctx *ctx)
{
	struct tq_enqueue_opts	o;
	int			rc;

	if ((rc = enq_opts(ctx, &o)) >= 0)
		return (rc);
	if (ctx->optset[OPT_BATCH])
		return (enq_batch(ctx, &o));
	if (ctx->argc < 1)
		return (cli_usage_error(ctx, "which type of task?"));
	return (enq_one(ctx, &o));
}
