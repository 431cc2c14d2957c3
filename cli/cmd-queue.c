/*
 * cmd-queue.c -- tq stats, queues, pause and resume: whole queues.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * stats takes its numbers from tq_stats, one pipelined round trip for
 * any number of queues, so it is cheap to run in a loop.  Its --json form
 * is a fixed shape that monitoring scripts parse: every key documented in
 * tq(1) is always present, and new keys are only ever added.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int	cmd_stats_exec(struct cmd_ctx *);
static int	cmd_queues_exec(struct cmd_ctx *);
static int	cmd_pause_exec(struct cmd_ctx *);
static int	cmd_resume_exec(struct cmd_ctx *);

const struct cmd_entry cmd_stats_entry = {
	.name = "stats",
	.optstring = "",
	.min_args = 0,
	.max_args = -1,
	.flags = TQ_CMD_READONLY | TQ_CMD_JSON,
	.usage = "[QUEUE ...]",
	.summary = "Show the size and counters of the queues (all known "
	    "queues by default).",
	.exec = cmd_stats_exec,
};

const struct cmd_entry cmd_queues_entry = {
	.name = "queues",
	.optstring = "",
	.min_args = 0,
	.max_args = 0,
	.flags = TQ_CMD_READONLY | TQ_CMD_JSON,
	.usage = "",
	.summary = "List the known queues.",
	.exec = cmd_queues_exec,
};

const struct cmd_entry cmd_pause_entry = {
	.name = "pause",
	.optstring = "",
	.min_args = 1,
	.max_args = 1,
	.flags = 0,
	.usage = "QUEUE",
	.summary = "Stop workers taking tasks from a queue (producers may "
	    "still add).",
	.exec = cmd_pause_exec,
};

const struct cmd_entry cmd_resume_entry = {
	.name = "resume",
	.optstring = "",
	.min_args = 1,
	.max_args = 1,
	.flags = 0,
	.usage = "QUEUE",
	.summary = "Let workers take tasks from a paused queue again.",
	.exec = cmd_resume_exec,
};

/* The columns of the stats table, in order. */
enum {
	COL_READY,
	COL_SCHEDULED,
	COL_ACTIVE,
	COL_RETRY,
	COL_DEAD,
	COL_PROCESSED,
	COL_FAILED,
	NCOLS
};
static const char *const stats_headers[NCOLS] = {
	"READY", "SCHEDULED", "ACTIVE", "RETRY", "DEAD", "PROCESSED", "FAILED"
};

/* The numbers of one row, in column order. */
static void
stats_row(const struct tq_queue_stats *s, long long v[NCOLS])
{
	v[COL_READY] = s->ready;
	v[COL_SCHEDULED] = s->scheduled;
	v[COL_ACTIVE] = s->active;
	v[COL_RETRY] = s->retry;
	v[COL_DEAD] = s->dead;
	v[COL_PROCESSED] = s->processed;
	v[COL_FAILED] = s->failed;
}

/* The table, each column as wide as its widest cell. */
static void
stats_table(const struct tq_queue_stats *st, size_t n)
{
	long long	v[NCOLS];
	int		w[NCOLS], wq = 5, len;
	size_t		i, c;

	for (c = 0; c < NCOLS; c++)
		w[c] = (int)strlen(stats_headers[c]);
	for (i = 0; i < n; i++) {
		if ((len = (int)strlen(st[i].name)) > wq)
			wq = len;
		stats_row(&st[i], v);
		for (c = 0; c < NCOLS; c++) {
			len = snprintf(NULL, 0, "%lld", v[c]);
			if (len > w[c])
				w[c] = len;
		}
	}
	printf("%-*s", wq, "QUEUE");
	for (c = 0; c < NCOLS; c++)
		printf("  %*s", w[c], stats_headers[c]);
	printf("  PAUSED\n");
	for (i = 0; i < n; i++) {
		stats_row(&st[i], v);
		printf("%-*s", wq, st[i].name);
		for (c = 0; c < NCOLS; c++)
			printf("  %*lld", w[c], v[c]);
		printf("  %s\n", st[i].paused ? "yes" : "no");
	}
}

/*
 * {"queues":{"NAME":{"ready":N,...,"paused":false,...}}}: the first
 * eight keys are the documented contract; the rest were added after.
 */
static int
stats_json(const struct tq_queue_stats *st, size_t n)
{
	cJSON	*root, *queues, *q;
	size_t	 i;

	root = cJSON_CreateObject();
	queues = cJSON_AddObjectToObject(root, "queues");
	for (i = 0; i < n; i++) {
		q = cJSON_AddObjectToObject(queues, st[i].name);
		cJSON_AddNumberToObject(q, "ready", (double)st[i].ready);
		cJSON_AddNumberToObject(q, "scheduled",
		    (double)st[i].scheduled);
		cJSON_AddNumberToObject(q, "active", (double)st[i].active);
		cJSON_AddNumberToObject(q, "retry", (double)st[i].retry);
		cJSON_AddNumberToObject(q, "dead", (double)st[i].dead);
		cJSON_AddNumberToObject(q, "processed",
		    (double)st[i].processed);
		cJSON_AddNumberToObject(q, "failed", (double)st[i].failed);
		cJSON_AddBoolToObject(q, "paused", st[i].paused);
		cJSON_AddNumberToObject(q, "enqueued", (double)st[i].enqueued);
		cJSON_AddNumberToObject(q, "retried", (double)st[i].retried);
		cJSON_AddNumberToObject(q, "dead_total",
		    (double)st[i].dead_total);
		cJSON_AddNumberToObject(q, "oldest_ready_ms",
		    (double)st[i].oldest_ready_ms);
	}
	return (cli_print_json(root));
}

/* Named queues (even unknown ones: all zero), else every known queue. */
static int
cmd_stats_exec(struct cmd_ctx *ctx)
{
	struct tq_queue_stats	*st = NULL;
	struct tq_error		 err;
	const char *const	*q;
	char			**names = NULL;
	size_t			 n = 0, i, good;
	int			 rc;

	if ((rc = cli_connect(ctx)) != 0)
		return (rc);
	tq_error_clear(&err);
	if (ctx->argc == 0 && tq_queues(ctx->client, &names, &n, &err) != 0)
		return (cli_error(ctx, &err));
	if (ctx->argc > 0) {
		names = NULL;
		n = (size_t)ctx->argc;
	}
	st = xreallocarray(NULL, n, sizeof *st);
	q = names != NULL ? (const char *const *)names :
	    (const char *const *)ctx->argv;
	if (tq_stats(ctx->client, q, n, st, &err) != 0) {
		if (err.code == TQ_ECONN || err.code == TQ_ETIMEOUT) {
			rc = cli_error(ctx, &err);
			goto out;
		}
		/*
		 * One queue whose keys another program damaged (a key of
		 * the wrong type) fails the whole pipeline; the others
		 * are still worth showing.  Ask queue by queue: an error
		 * line for each bad one, a row for each good one, and the
		 * status says something failed.
		 */
		for (i = 0, good = 0; i < n; i++) {
			tq_error_clear(&err);
			if (tq_stats(ctx->client, q + i, 1, &st[good],
			    &err) == 0)
				good++;
			else {
				rc = cli_error(ctx, &err);
				if (err.code == TQ_ECONN ||
				    err.code == TQ_ETIMEOUT)
					goto out;
			}
		}
		rc = TQ_EXIT_FAIL;
	} else
		good = n;
	if (ctx->json) {
		if (stats_json(st, good) != TQ_EXIT_OK)
			rc = TQ_EXIT_FAIL;
	} else
		stats_table(st, good);
out:
	free(st);
	tq_strv_free(names, names != NULL ? n : 0);
	return (rc);
}

/* The names in NS:queues, sorted by libtq. */
static int
cmd_queues_exec(struct cmd_ctx *ctx)
{
	struct tq_error	  err;
	cJSON		 *root, *list;
	char		**names;
	size_t		  i, n;
	int		  rc;

	if ((rc = cli_connect(ctx)) != 0)
		return (rc);
	tq_error_clear(&err);
	if (tq_queues(ctx->client, &names, &n, &err) != 0)
		return (cli_error(ctx, &err));
	if (ctx->json) {
		root = cJSON_CreateObject();
		list = cJSON_AddArrayToObject(root, "queues");
		for (i = 0; i < n; i++) {
			cJSON_AddItemToArray(list,
			    cJSON_CreateString(names[i]));
		}
		rc = cli_print_json(root);
	} else {
		for (i = 0; i < n; i++)
			printf("%s\n", names[i]);
	}
	tq_strv_free(names, n);
	return (rc);
}

/* pause or resume argv[0]. */
static int
queue_pause(struct cmd_ctx *ctx, int pause)
{
	struct tq_error	err;
	int		rc;

	if ((rc = cli_connect(ctx)) != 0)
		return (rc);
	tq_error_clear(&err);
	if ((pause ? tq_pause(ctx->client, ctx->argv[0], &err) :
	    tq_resume(ctx->client, ctx->argv[0], &err)) != 0)
		return (cli_error(ctx, &err));
	return (TQ_EXIT_OK);
}

static int
cmd_pause_exec(struct cmd_ctx *ctx)
{
	return (queue_pause(ctx, 1));
}

static int
cmd_resume_exec(struct cmd_ctx *ctx)
{
	return (queue_pause(ctx, 0));
}
