/*
 * cmd-fsck.c -- tq fsck: check, and repair, the invariants of queues.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * The work is libtq's tq_fsck (core/fsck.c), which is safe on a live
 * namespace: it reads in bounded batches, and looks at every suspect id
 * again in one atomic script before it counts (or repairs) it.  This
 * file picks the queues, prints one line per id with a problem as libtq
 * reports it (with what --repair did), then a table of counts per kind
 * and queue.  The exit status tells scripts whether anything is left to
 * fix: 0 clean (or all repaired), 1 problems remain.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_REPAIR = CLI_OPT_LONG,
	OPT_BATCH,
	OPT_LIST_MAX,
};

#define FSCK_BATCH_MAX		10000
#define FSCK_LIST_MAX_MAX	100000000LL

static int	cmd_fsck_exec(struct cmd_ctx *);

static const struct option fsck_longopts[] = {
	{ "repair", no_argument, NULL, OPT_REPAIR },
	{ "batch", required_argument, NULL, OPT_BATCH },
	{ "list-max", required_argument, NULL, OPT_LIST_MAX },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_fsck_entry = {
	.name = "fsck",
	.optstring = "",
	.longopts = fsck_longopts,
	.min_args = 0,
	.max_args = -1,
	.flags = TQ_CMD_JSON,
	.usage = "[--repair] [--batch N] [--list-max N] [QUEUE ...]",
	.summary = "Check that every task is in exactly one state with a "
	    "body, and leases match (all known queues by default); "
	    "--repair fixes what it finds.",
	.exec = cmd_fsck_exec,
};

/* What the report callback needs. */
struct fsck_out {
	int	 json;
	cJSON	*findings;	/* --json: the current queue's */
};

/* The kinds set in mask, as names joined by sep, into buf. */
static const char *
fsck_kinds(int mask, const char *sep, char *buf, size_t len)
{
	int	k;

	buf[0] = '\0';
	for (k = 0; k < TQ_FSCK_NKINDS; k++) {
		if ((mask & (1 << k)) == 0)
			continue;
		if (buf[0] != '\0')
			strncat(buf, sep, len - strlen(buf) - 1);
		strncat(buf, tq_fsck_kind_name(k), len - strlen(buf) - 1);
	}
	return (buf);
}

/* A JSON array of the kinds set in mask. */
static cJSON *
fsck_kinds_json(int mask)
{
	cJSON	*a = cJSON_CreateArray();
	int	 k;

	for (k = 0; k < TQ_FSCK_NKINDS; k++) {
		if (mask & (1 << k))
			cJSON_AddItemToArray(a,
			    cJSON_CreateString(tq_fsck_kind_name(k)));
	}
	return (a);
}

/*
 * One id with problems: "QUEUE ID: KINDS (WHERE)", and with --repair
 * ": ACTION".  The id came from Redis, written by whoever broke the
 * queue: escape it.
 */
static void
fsck_report(const struct tq_fsck_finding *f, void *arg)
{
	struct fsck_out	*o = arg;
	cJSON		*j;
	char		 id[4 * TQ_NAME_MAX + 8], kinds[256];

	if (o->json) {
		j = cJSON_CreateObject();
		cJSON_AddStringToObject(j, "id", f->id);
		cJSON_AddItemToObject(j, "found", fsck_kinds_json(f->found));
		cJSON_AddItemToObject(j, "repaired",
		    fsck_kinds_json(f->repaired));
		cJSON_AddStringToObject(j, "where", f->where);
		cJSON_AddStringToObject(j, "action", f->action);
		cJSON_AddItemToArray(o->findings, j);
		return;
	}
	cli_escape(f->id, TQ_NAME_MAX, id, sizeof id);
	printf("%s %s: %s (%s)", f->queue, id,
	    fsck_kinds(f->found, ", ", kinds, sizeof kinds), f->where);
	if (f->action[0] != '\0')
		printf(": %s", f->action);
	putchar('\n');
}

/* Problems found and not repaired in r. */
static long long
fsck_left(const struct tq_fsck_result *r, long long *found)
{
	long long	left = 0;
	int		k;

	for (k = 0; k < TQ_FSCK_NKINDS; k++) {
		*found += r->found[k];
		left += r->found[k] - r->repaired[k];
	}
	return (left);
}

/* The summary table: the counts of every queue, kinds as columns. */
static void
fsck_table(char **names, const struct tq_fsck_result *res, size_t n)
{
	char	head[64];
	int	wq = 5, w[TQ_FSCK_NKINDS], k, len;
	size_t	i;

	for (i = 0; i < n; i++) {
		if ((len = (int)strlen(names[i])) > wq)
			wq = len;
	}
	printf("%-*s  %8s  %8s", wq, "QUEUE", "ENTRIES", "BODIES");
	for (k = 0; k < TQ_FSCK_NKINDS; k++) {
		snprintf(head, sizeof head, "%s", tq_fsck_kind_name(k));
		for (len = 0; head[len] != '\0'; len++)
			head[len] = (char)toupper((unsigned char)head[len]);
		w[k] = len;
		printf("  %s", head);
	}
	printf("  UNCHECKED\n");
	for (i = 0; i < n; i++) {
		printf("%-*s  %8lld  %8lld", wq, names[i], res[i].entries,
		    res[i].bodies);
		for (k = 0; k < TQ_FSCK_NKINDS; k++)
			printf("  %*lld", w[k], res[i].found[k]);
		printf("  %9lld\n", res[i].unchecked);
	}
}

/* {"clean":B,"queues":{"Q":{...}}} (tq(1)); takes findings. */
static int
fsck_json(char **names, const struct tq_fsck_result *res, cJSON **findings,
    size_t n, int clean)
{
	cJSON	*root, *queues, *q, *f, *r;
	size_t	 i;
	int	 k;

	root = cJSON_CreateObject();
	cJSON_AddBoolToObject(root, "clean", clean);
	queues = cJSON_AddObjectToObject(root, "queues");
	for (i = 0; i < n; i++) {
		q = cJSON_AddObjectToObject(queues, names[i]);
		cJSON_AddNumberToObject(q, "entries", (double)res[i].entries);
		cJSON_AddNumberToObject(q, "bodies", (double)res[i].bodies);
		f = cJSON_AddObjectToObject(q, "found");
		r = cJSON_AddObjectToObject(q, "repaired");
		for (k = 0; k < TQ_FSCK_NKINDS; k++) {
			cJSON_AddNumberToObject(f, tq_fsck_kind_name(k),
			    (double)res[i].found[k]);
			cJSON_AddNumberToObject(r, tq_fsck_kind_name(k),
			    (double)res[i].repaired[k]);
		}
		cJSON_AddNumberToObject(q, "unchecked",
		    (double)res[i].unchecked);
		cJSON_AddItemToObject(q, "findings", findings[i]);
		findings[i] = NULL;
	}
	return (cli_print_json(root));
}

/* --batch and --list-max into opts; -1 to go on, or a usage error. */
static int
fsck_options(struct cmd_ctx *ctx, struct tq_fsck_opts *opts)
{
	long long	v;
	size_t		i;

	tq_fsck_opts_init(opts);
	opts->repair = ctx->optset[OPT_REPAIR] > 0;
	if (ctx->optset[OPT_BATCH]) {
		if (cli_parse_int(ctx->opt[OPT_BATCH], 1, FSCK_BATCH_MAX,
		    &v) != 0)
			return (cli_usage_error(ctx, "--batch: '%s' is not an "
			    "integer in 1-%d", ctx->opt[OPT_BATCH],
			    FSCK_BATCH_MAX));
		opts->batch = (int)v;
	}
	if (ctx->optset[OPT_LIST_MAX]) {
		if (cli_parse_int(ctx->opt[OPT_LIST_MAX], 1,
		    FSCK_LIST_MAX_MAX, &v) != 0)
			return (cli_usage_error(ctx, "--list-max: '%s' is not "
			    "an integer in 1-%lld", ctx->opt[OPT_LIST_MAX],
			    FSCK_LIST_MAX_MAX));
		opts->list_max = v;
	}
	for (i = 0; i < (size_t)ctx->argc; i++) {
		if (tq_check_name("queue name", ctx->argv[i], NULL) != 0)
			return (cli_usage_error(ctx, "bad queue name '%s'",
			    ctx->argv[i]));
	}
	return (-1);
}

/* Check each queue in turn; then the table (or JSON) and the verdict. */
static int
fsck_run(struct cmd_ctx *ctx, struct tq_fsck_opts *opts, char **names,
    size_t n)
{
	struct tq_fsck_result	*res;
	struct fsck_out		 out;
	struct tq_error		 err;
	cJSON			**findings;
	char			**done;
	long long		 found = 0, left = 0, unchecked = 0;
	size_t			 i, m = 0;
	int			 rc = TQ_EXIT_OK, failed = 0;

	done = xreallocarray(NULL, n > 0 ? n : 1, sizeof *done);
	res = xreallocarray(NULL, n > 0 ? n : 1, sizeof *res);
	findings = xreallocarray(NULL, n > 0 ? n : 1, sizeof *findings);
	memset(findings, 0, (n > 0 ? n : 1) * sizeof *findings);
	out.json = ctx->json;
	opts->report = fsck_report;
	opts->arg = &out;
	tq_error_clear(&err);
	for (i = 0; i < n; i++) {
		out.findings = findings[m] = cJSON_CreateArray();
		if (tq_fsck(ctx->client, names[i], opts, &res[m], &err) != 0) {
			if (err.code == TQ_ECONN || err.code == TQ_ETIMEOUT) {
				rc = cli_error(ctx, &err);
				m++;
				goto out;
			}
			/*
			 * A key of the wrong type (another program wrote
			 * it) stops this queue's check, not the others':
			 * say which queue, leave it out of the table, and
			 * fail at the end.
			 */
			cli_warn("fsck: queue %s not checked: %s", names[i],
			    err.msg);
			cJSON_Delete(findings[m]);
			findings[m] = NULL;
			tq_error_clear(&err);
			failed = 1;
			continue;
		}
		left += fsck_left(&res[m], &found);
		unchecked += res[m].unchecked;
		done[m++] = names[i];
	}
	if (ctx->json)
		fsck_json(done, res, findings, m, left == 0 && !failed);
	else {
		fsck_table(done, res, m);
		if (found == 0 && !failed)
			printf("clean: no problems in %zu queue%s\n", n,
			    n == 1 ? "" : "s");
		else if (found == 0)
			printf("no problems in the %zu queue%s checked\n", m,
			    m == 1 ? "" : "s");
		else if (opts->repair)
			printf("%lld problem%s found, %lld repaired\n", found,
			    found == 1 ? "" : "s", found - left);
		else
			printf("%lld problem%s found; tq fsck --repair fixes "
			    "them\n", found, found == 1 ? "" : "s");
	}
	if (unchecked > 0)
		cli_warn("fsck: %lld id%s not checked: a ready list is longer "
		    "than --list-max %lld", unchecked, unchecked == 1 ? "" :
		    "s", opts->list_max);
	rc = left == 0 && !failed ? TQ_EXIT_OK : TQ_EXIT_FAIL;
out:
	for (i = 0; i < m; i++)
		cJSON_Delete(findings[i]);
	free(findings);
	free(res);
	free(done);
	return (rc);
}

static int
cmd_fsck_exec(struct cmd_ctx *ctx)
{
	struct tq_fsck_opts	 opts;
	struct tq_error		 err;
	char			**names = NULL;
	size_t			 n = 0;
	int			 rc;

	if ((rc = fsck_options(ctx, &opts)) >= 0)
		return (rc);
	if ((rc = cli_connect(ctx)) != 0)
		return (rc);
	tq_error_clear(&err);
	if (ctx->argc == 0) {
		if (tq_queues(ctx->client, &names, &n, &err) != 0)
			return (cli_error(ctx, &err));
		rc = fsck_run(ctx, &opts, names, n);
		tq_strv_free(names, n);
		return (rc);
	}
	return (fsck_run(ctx, &opts, ctx->argv, (size_t)ctx->argc));
}
