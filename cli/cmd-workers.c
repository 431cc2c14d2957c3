/*
 * cmd-workers.c -- tq workers: the worker registry.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Every worker process (libtq's runtime, so tqworker and any program
 * built on libtq) publishes a record every two seconds: its name
 * (host-pid-random), host, pid, queues, concurrency, busy threads,
 * totals and start time, with a heartbeat.  tq_workers reads them all in
 * one round trip and marks as stale those whose heartbeat is older than
 * three publish periods: the process died, froze or lost its link, and
 * tqd forgets it after a minute.  The records were written by other
 * programs, so the table escapes what it shows; --json passes the values
 * through with stable keys, unknown ones null.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

#define WORKERS_QUEUES_MAX	40	/* bytes of the queue list shown */

static int	cmd_workers_exec(struct cmd_ctx *);

const struct cmd_entry cmd_workers_entry = {
	.name = "workers",
	.optstring = "",
	.min_args = 0,
	.max_args = 0,
	.flags = TQ_CMD_READONLY | TQ_CMD_JSON,
	.usage = "",
	.summary = "List the registered worker processes; stale ones (no "
	    "heartbeat for 6 s) are marked.",
	.exec = cmd_workers_exec,
};

/* The columns of the table, in order. */
enum {
	COL_ID,
	COL_HOST,
	COL_PID,
	COL_QUEUES,
	COL_BUSY,
	COL_PROCESSED,
	COL_FAILED,
	COL_HEARTBEAT,
	NCOLS
};
static const char *const workers_headers[NCOLS] = {
	"ID", "HOST", "PID", "QUEUES", "BUSY/CONC", "PROCESSED", "FAILED",
	"HEARTBEAT"
};
/* Left-aligned columns; the numbers are right-aligned, and the last
 * (heartbeat) column is not padded. */
static const int workers_left[NCOLS] = {
	[COL_ID] = 1, [COL_HOST] = 1, [COL_QUEUES] = 1
};

/* The local wall clock in ms: the clock tq_workers judges staleness by. */
static int64_t
workers_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* An age as "0.4s", "12s", "7m" or "3h" ("0.0s" for a clock ahead). */
static void
workers_age(int64_t ms, char *buf, size_t len)
{
	if (ms < 0)
		ms = 0;
	if (ms < 10000)
		snprintf(buf, len, "%lld.%llds", (long long)(ms / 1000),
		    (long long)(ms % 1000 / 100));
	else if (ms < 120 * 1000)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else if (ms < 120 * 60 * 1000)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else
		snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
}

/* By name: the names start with the host, so a host's workers group. */
static int
workers_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct tq_worker_info *)a)->name,
	    ((const struct tq_worker_info *)b)->name));
}

/*
 * The cells of one row, each a new string.  A record that expired while
 * its name stayed in the set has no fields: those cells are "-".
 */
static void
workers_row(const struct tq_worker_info *w, int64_t now, char *cell[NCOLS])
{
	char	buf[4 * TQ_NAME_MAX + 8], age[32];

	cli_escape(w->name, TQ_NAME_MAX, buf, sizeof buf);
	cell[COL_ID] = xstrdup(buf);
	cli_escape(w->host[0] != '\0' ? w->host : "-", TQ_NAME_MAX, buf,
	    sizeof buf);
	cell[COL_HOST] = xstrdup(buf);
	cli_escape(w->queues[0] != '\0' ? w->queues : "-",
	    WORKERS_QUEUES_MAX, buf, sizeof buf);
	cell[COL_QUEUES] = xstrdup(buf);
	if (w->pid > 0)
		snprintf(buf, sizeof buf, "%d", w->pid);
	else
		snprintf(buf, sizeof buf, "-");
	cell[COL_PID] = xstrdup(buf);
	snprintf(buf, sizeof buf, "%d/%d", w->busy, w->concurrency);
	cell[COL_BUSY] = xstrdup(buf);
	snprintf(buf, sizeof buf, "%lld", w->processed);
	cell[COL_PROCESSED] = xstrdup(buf);
	snprintf(buf, sizeof buf, "%lld", w->failed);
	cell[COL_FAILED] = xstrdup(buf);
	workers_age(now - w->heartbeat_at, age, sizeof age);
	snprintf(buf, sizeof buf, "%s%s", age, w->stale ? " stale" : "");
	cell[COL_HEARTBEAT] = xstrdup(buf);
}

/* The table, each column as wide as its widest cell. */
static void
workers_table(const struct tq_worker_info *w, size_t n, int64_t now)
{
	char	*(*cells)[NCOLS];
	int	 width[NCOLS], len;
	size_t	 i, c;

	cells = xreallocarray(NULL, n, sizeof *cells);
	for (c = 0; c < NCOLS; c++)
		width[c] = (int)strlen(workers_headers[c]);
	for (i = 0; i < n; i++) {
		workers_row(&w[i], now, cells[i]);
		for (c = 0; c < NCOLS; c++) {
			if ((len = (int)strlen(cells[i][c])) > width[c])
				width[c] = len;
		}
	}
	for (c = 0; c < NCOLS - 1; c++) {
		printf("%s%*s", c > 0 ? "  " : "",
		    workers_left[c] ? -width[c] : width[c],
		    workers_headers[c]);
	}
	printf("  %s\n", workers_headers[NCOLS - 1]);
	for (i = 0; i < n; i++) {
		for (c = 0; c < NCOLS; c++) {
			/* The last column is not padded: no trailing blanks. */
			if (c == NCOLS - 1)
				printf("  %s", cells[i][c]);
			else
				printf("%s%*s", c > 0 ? "  " : "",
				    workers_left[c] ? -width[c] : width[c],
				    cells[i][c]);
			free(cells[i][c]);
		}
		putchar('\n');
	}
	free(cells);
}

static void
json_string_or_null(cJSON *o, const char *key, const char *s)
{
	if (s[0] != '\0')
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

/* A positive number, or null (unset, or a record that expired). */
static void
json_positive(cJSON *o, const char *key, long long v)
{
	if (v > 0)
		cJSON_AddNumberToObject(o, key, (double)v);
	else
		cJSON_AddNullToObject(o, key);
}

/* "a,b,c" as ["a","b","c"]; null when unknown. */
static void
json_queues(cJSON *o, const char *list)
{
	cJSON		*a;
	const char	*p, *comma;

	if (list[0] == '\0') {
		cJSON_AddNullToObject(o, "queues");
		return;
	}
	a = cJSON_AddArrayToObject(o, "queues");
	for (p = list; p != NULL; p = comma != NULL ? comma + 1 : NULL) {
		char	*q;

		comma = strchr(p, ',');
		q = xstrndup(p, comma != NULL ? (size_t)(comma - p) :
		    strlen(p));
		if (q[0] != '\0')
			cJSON_AddItemToArray(a, cJSON_CreateString(q));
		free(q);
	}
}

/*
 * {"workers":[{"id":S,"host":S,"pid":N,"queues":[S],"concurrency":N,
 * "busy":N,"processed":N,"failed":N,"started_at":T,"heartbeat_at":T,
 * "heartbeat_age_ms":N,"stale":B}, ...]}, sorted by id (tq(1)).
 */
static int
workers_json(const struct tq_worker_info *w, size_t n, int64_t now)
{
	cJSON	*root, *list, *o;
	size_t	 i;

	root = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(root, "workers");
	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", w[i].name);
		json_string_or_null(o, "host", w[i].host);
		json_positive(o, "pid", w[i].pid);
		json_queues(o, w[i].queues);
		cJSON_AddNumberToObject(o, "concurrency", w[i].concurrency);
		cJSON_AddNumberToObject(o, "busy", w[i].busy);
		cJSON_AddNumberToObject(o, "processed",
		    (double)w[i].processed);
		cJSON_AddNumberToObject(o, "failed", (double)w[i].failed);
		json_positive(o, "started_at", w[i].started_at);
		json_positive(o, "heartbeat_at", w[i].heartbeat_at);
		cJSON_AddNumberToObject(o, "heartbeat_age_ms",
		    (double)(now > w[i].heartbeat_at ?
		    now - w[i].heartbeat_at : 0));
		cJSON_AddBoolToObject(o, "stale", w[i].stale);
		cJSON_AddItemToArray(list, o);
	}
	return (cli_print_json(root));
}

static int
cmd_workers_exec(struct cmd_ctx *ctx)
{
	struct tq_worker_info	*w;
	struct tq_error		 err;
	size_t			 n;
	int64_t			 now;
	int			 rc;

	if ((rc = cli_connect(ctx)) != 0)
		return (rc);
	tq_error_clear(&err);
	if (tq_workers(ctx->client, &w, &n, &err) != 0)
		return (cli_error(ctx, &err));
	now = workers_now();
	if (n > 0)
		qsort(w, n, sizeof *w, workers_cmp);
	if (ctx->json)
		rc = workers_json(w, n, now);
	else if (n == 0)
		printf("no workers registered\n");
	else
		workers_table(w, n, now);
	free(w);
	return (rc);
}
