/*
 * cmd-dead.c -- tq dead ls, requeue and purge: the dead letters.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Dead tasks are the ones that failed for good.  ls shows the newest
 * first; requeue puts tasks back in ready with a fresh count of attempts;
 * purge deletes them.  Both act on given ids or, with --all, on every
 * dead task of the queue (libtq does that in bounded batches, so a
 * million dead tasks never block Redis).  An id that is no longer dead is
 * not an error as long as some id was found: someone else (tqtop, tqd's
 * retention, a second admin) got there first.
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define DEAD_LIMIT_DEFAULT	20
#define DEAD_LIMIT_MAX		100000
#define DEAD_ERROR_WIDTH	60	/* bytes of an error shown by ls */

enum {
	OPT_LIMIT = CLI_OPT_LONG,
	OPT_OFFSET,
	OPT_ALL,
	OPT_MATCH,
};

static int	cmd_dead_ls_exec(struct cmd_ctx *);
static int	cmd_dead_requeue_exec(struct cmd_ctx *);
static int	cmd_dead_purge_exec(struct cmd_ctx *);

static const struct option dead_ls_longopts[] = {
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "offset", required_argument, NULL, OPT_OFFSET },
	{ "match", required_argument, NULL, OPT_MATCH },
	{ NULL, 0, NULL, 0 }
};

static const struct option dead_all_longopts[] = {
	{ "all", no_argument, NULL, OPT_ALL },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_dead_ls_entry = {
	.name = "dead ls",
	.optstring = "",
	.longopts = dead_ls_longopts,
	.min_args = 1,
	.max_args = 1,
	.flags = TQ_CMD_READONLY | TQ_CMD_JSON,
	.usage = "[--limit N] [--offset N] [--match TEXT] QUEUE",
	.summary = "List the dead tasks of a queue, newest first (20 by "
	    "default); --match keeps those whose id, type or error "
	    "contains TEXT.",
	.exec = cmd_dead_ls_exec,
};

const struct cmd_entry cmd_dead_requeue_entry = {
	.name = "dead requeue",
	.optstring = "",
	.longopts = dead_all_longopts,
	.min_args = 1,
	.max_args = -1,
	.flags = 0,
	.usage = "QUEUE ID ...\n--all QUEUE",
	.summary = "Put dead tasks back in ready, with their attempts reset.",
	.exec = cmd_dead_requeue_exec,
};

const struct cmd_entry cmd_dead_purge_entry = {
	.name = "dead purge",
	.optstring = "",
	.longopts = dead_all_longopts,
	.min_args = 1,
	.max_args = -1,
	.flags = TQ_CMD_DESTRUCTIVE,
	.usage = "QUEUE ID ...\n--all QUEUE",
	.summary = "Delete dead tasks for good.",
	.exec = cmd_dead_purge_exec,
};

/* --limit or --offset into *out; -1 to go on, or a usage error. */
static int
dead_number(struct cmd_ctx *ctx, int opt, const char *name, long long min,
    long long max, long long *out)
{
	if (!ctx->optset[opt])
		return (-1);
	if (cli_parse_int(ctx->opt[opt], min, max, out) != 0)
		return (cli_usage_error(ctx, "%s: '%s' is not an integer in "
		    "%lld-%lld", name, ctx->opt[opt], min, max));
	return (-1);
}

/* {"queue":Q,"dead":[{id,type,attempts,failed_at,error,payload}]} */
static int
dead_json(const char *queue, struct tq_task_info **t, size_t n)
{
	cJSON	*root, *list, *o;
	size_t	 i;

	root = cJSON_CreateObject();
	cJSON_AddStringToObject(root, "queue", queue);
	list = cJSON_AddArrayToObject(root, "dead");
	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "id", t[i]->id);
		if (t[i]->type != NULL)
			cJSON_AddStringToObject(o, "type", t[i]->type);
		else
			cJSON_AddNullToObject(o, "type");
		cJSON_AddNumberToObject(o, "attempts", t[i]->retry_count);
		if (t[i]->failed_at > 0)
			cJSON_AddNumberToObject(o, "failed_at",
			    (double)t[i]->failed_at);
		else
			cJSON_AddNullToObject(o, "failed_at");
		if (t[i]->error != NULL)
			cJSON_AddStringToObject(o, "error", t[i]->error);
		else
			cJSON_AddNullToObject(o, "error");
		/* Stored JSON text, kept exact. */
		if (t[i]->payload != NULL)
			cJSON_AddRawToObject(o, "payload", t[i]->payload);
		else
			cJSON_AddNullToObject(o, "payload");
		cJSON_AddItemToArray(list, o);
	}
	return (cli_print_json(root));
}

/* ID TYPE ATTEMPTS FAILED_AT ERROR; errors cut short, on one line. */
static void
dead_table(struct tq_task_info **t, size_t n)
{
	char	when[64], err[4 * DEAD_ERROR_WIDTH + 8];
	int	wid = 2, wtype = 4, len;
	size_t	i;

	for (i = 0; i < n; i++) {
		if ((len = (int)strlen(t[i]->id)) > wid)
			wid = len;
		if (t[i]->type != NULL && (len = (int)strlen(t[i]->type)) >
		    wtype)
			wtype = len;
	}
	printf("%-*s  %-*s  %8s  %-24s  %s\n", wid, "ID", wtype, "TYPE",
	    "ATTEMPTS", "FAILED_AT", "ERROR");
	for (i = 0; i < n; i++) {
		printf("%-*s  %-*s  %8d  %-24s  %s\n", wid, t[i]->id, wtype,
		    t[i]->type != NULL ? t[i]->type : "-", t[i]->retry_count,
		    cli_time(t[i]->failed_at, when, sizeof when),
		    t[i]->error != NULL ? cli_escape(t[i]->error,
		    DEAD_ERROR_WIDTH, err, sizeof err) : "-");
	}
}

/*
 * The matches of text from the offset-th on, up to limit: a scan of the
 * whole dead set in bounded calls (tq_dead_find), which stops once it
 * has enough.
 */
static int
dead_match(struct cmd_ctx *ctx, const char *text, long long offset,
    size_t limit, struct tq_task_info ***out, size_t *n,
    struct tq_error *err)
{
	struct tq_dead_found	 f;
	char			 cursor[TQ_DEAD_CURSOR_MAX] = "";
	size_t			 i;
	int			 more;

	*out = NULL;
	*n = 0;
	do {
		more = tq_dead_find(ctx->client, ctx->argv[0], text, cursor,
		    TQ_DEAD_SCAN_MAX, &f, err);
		if (more < 0) {
			tq_task_info_array_free(*out, *n);
			*out = NULL;
			*n = 0;
			return (-1);
		}
		for (i = 0; i < f.n; i++) {
			if (offset > 0 || *n == limit) {
				offset -= offset > 0;
				tq_task_info_free(f.rows[i]);
				continue;
			}
			*out = tq_xreallocarray(*out, *n + 1, sizeof **out);
			(*out)[(*n)++] = f.rows[i];
		}
		free(f.rows);
	} while (more && *n < limit);
	return (0);
}

/* Options are checked before connecting: a bad one is a usage error. */
static int
cmd_dead_ls_exec(struct cmd_ctx *ctx)
{
	struct tq_task_info	**t;
	struct tq_error		  err;
	long long		  limit = DEAD_LIMIT_DEFAULT, offset = 0;
	size_t			  n;
	int			  rc;

	if ((rc = dead_number(ctx, OPT_LIMIT, "--limit", 1, DEAD_LIMIT_MAX,
	    &limit)) >= 0 ||
	    (rc = dead_number(ctx, OPT_OFFSET, "--offset", 0, LLONG_MAX,
	    &offset)) >= 0)
		return (rc);
	if (ctx->optset[OPT_MATCH] && ctx->opt[OPT_MATCH][0] == '\0')
		return (cli_usage_error(ctx, "--match: give the text to look "
		    "for"));
	if ((rc = cli_connect(ctx)) != 0)
		return (rc);
	tq_error_clear(&err);
	if ((ctx->optset[OPT_MATCH] ? dead_match(ctx, ctx->opt[OPT_MATCH],
	    offset, (size_t)limit, &t, &n, &err) : tq_dead_list(ctx->client,
	    ctx->argv[0], offset, (int)limit, &t, &n, &err)) != 0)
		return (cli_error(ctx, &err));
	if (ctx->json)
		rc = dead_json(ctx->argv[0], t, n);
	else
		dead_table(t, n);
	tq_task_info_array_free(t, n);
	return (rc);
}

/* requeue or purge: the given ids, or all of them with --all. */
static int
dead_apply(struct cmd_ctx *ctx, int purge)
{
	struct tq_error		 err;
	const char *const	*ids = NULL;
	const char		*verb = purge ? "purged" : "requeued";
	long long		 done = 0, missing = 0;
	size_t			 nids = 0;
	int			 rc;

	if (ctx->optset[OPT_ALL] && ctx->argc > 1)
		return (cli_usage_error(ctx, "give task ids or --all, not "
		    "both"));
	if (!ctx->optset[OPT_ALL] && ctx->argc < 2)
		return (cli_usage_error(ctx, "give task ids, or --all for "
		    "every dead task of %s", ctx->argv[0]));
	if (!ctx->optset[OPT_ALL]) {
		ids = (const char *const *)ctx->argv + 1;
		nids = (size_t)ctx->argc - 1;
	}
	if ((rc = cli_connect(ctx)) != 0)
		return (rc);
	tq_error_clear(&err);
	if ((purge ? tq_dead_purge : tq_dead_requeue)(ctx->client,
	    ctx->argv[0], ids, nids, &done, &missing, &err) != 0)
		return (cli_error(ctx, &err));
	printf("%s %lld tasks\n", verb, done);
	if (missing > 0) {
		cli_warn("%s: %lld not found (already requeued or purged?)",
		    ctx->entry->name, missing);
	}
	if (nids > 0 && missing >= (long long)nids)
		return (TQ_EXIT_FAIL);
	return (TQ_EXIT_OK);
}

static int
cmd_dead_requeue_exec(struct cmd_ctx *ctx)
{
	return (dead_apply(ctx, 0));
}

static int
cmd_dead_purge_exec(struct cmd_ctx *ctx)
{
	return (dead_apply(ctx, 1));
}
