/*
 * cmd-task.c -- tq inspect and tq result: one task, by id.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Without -q, libtq asks every known queue for the id in one pipeline.
 * Payloads and results are JSON text stored verbatim; both commands pass
 * that text through untouched (as a raw cJSON item in --json output), so
 * big integers and number formatting survive.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int	cmd_inspect_exec(struct cmd_ctx *);
static int	cmd_result_exec(struct cmd_ctx *);

static const struct option task_longopts[] = {
	{ "queue", required_argument, NULL, 'q' },
	{ NULL, 0, NULL, 0 }
};

const struct cmd_entry cmd_inspect_entry = {
	.name = "inspect",
	.optstring = "q:",
	.longopts = task_longopts,
	.min_args = 1,
	.max_args = 1,
	.flags = TQ_CMD_READONLY | TQ_CMD_JSON,
	.usage = "[-q QUEUE] ID",
	.summary = "Show a task: its state, attempts, last error, times and "
	    "payload.",
	.exec = cmd_inspect_exec,
};

const struct cmd_entry cmd_result_entry = {
	.name = "result",
	.optstring = "q:",
	.longopts = task_longopts,
	.min_args = 1,
	.max_args = 1,
	.flags = TQ_CMD_READONLY,
	.usage = "[-q QUEUE] ID",
	.summary = "Print the result (JSON) a worker stored for a done task.",
	.exec = cmd_result_exec,
};

/*
 * Attempts made: the failed ones, plus the one running.  -1 for a done
 * task: the ack drops the record of failed attempts with the task, and
 * the stored result does not keep it.
 */
static int
task_attempts(const struct tq_task_info *t)
{
	if (t->state == TQ_STATE_DONE)
		return (-1);
	if (t->state == TQ_STATE_ACTIVE)
		return (t->retry_count + 1);
	return (t->retry_count);
}

/* A count, or null when unknown (negative). */
static void
json_count(cJSON *o, const char *key, int n)
{
	if (n >= 0)
		cJSON_AddNumberToObject(o, key, n);
	else
		cJSON_AddNullToObject(o, key);
}

static void
json_string_or_null(cJSON *o, const char *key, const char *s)
{
	if (s != NULL)
		cJSON_AddStringToObject(o, key, s);
	else
		cJSON_AddNullToObject(o, key);
}

/* A time in ms, or null when unknown or unset. */
static void
json_time(cJSON *o, const char *key, int64_t ms)
{
	if (ms > 0)
		cJSON_AddNumberToObject(o, key, (double)ms);
	else
		cJSON_AddNullToObject(o, key);
}

/*
 * The timeout a worker sharing this configuration gives the task: its
 * own, or [worker] timeout when it set none (*dflt then 1).
 */
static int
inspect_timeout(const struct cmd_ctx *ctx, const struct tq_task_info *t,
    int *dflt)
{
	*dflt = t->timeout_s <= 0;
	if (!*dflt)
		return (t->timeout_s);
	return ((int)(tq_config_int(ctx->cfg, "worker", "timeout") / 1000));
}

/* The documented --json object; unknown values are null, not absent. */
static int
inspect_json(const struct cmd_ctx *ctx, const struct tq_task_info *t)
{
	cJSON	*o;
	int	 dflt;

	o = cJSON_CreateObject();
	json_string_or_null(o, "id", t->id);
	json_string_or_null(o, "queue", t->queue);
	json_string_or_null(o, "type", t->type);
	cJSON_AddStringToObject(o, "state", tq_state_name(t->state));
	cJSON_AddNumberToObject(o, "priority", t->priority);
	cJSON_AddNumberToObject(o, "max_retries", t->max_retries);
	json_count(o, "retry_count", t->state == TQ_STATE_DONE ? -1 :
	    t->retry_count);
	json_count(o, "attempts", task_attempts(t));
	cJSON_AddNumberToObject(o, "timeout", inspect_timeout(ctx, t, &dflt));
	cJSON_AddBoolToObject(o, "timeout_default", dflt);
	json_time(o, "created_at", t->created_at);
	json_time(o, "scheduled_at", t->scheduled_at);
	json_time(o, "failed_at", t->failed_at);
	json_time(o, "finished_at", t->finished_at);
	/* The seed's name for the same moment. */
	json_time(o, "processed_at", t->finished_at);
	json_string_or_null(o, "error", t->error);
	json_string_or_null(o, "worker", t->worker);
	json_time(o, "lease_deadline", t->lease_deadline);
	/* Stored JSON, checked when it was enqueued: pass it through. */
	if (t->payload != NULL)
		cJSON_AddRawToObject(o, "payload", t->payload);
	else
		cJSON_AddNullToObject(o, "payload");
	if (t->result != NULL)
		cJSON_AddRawToObject(o, "result", t->result);
	return (cli_print_json(o));
}

/* "key: value", skipping what is unknown. */
static void
inspect_line(const char *key, const char *value)
{
	if (value != NULL)
		printf("%s: %s\n", key, value);
}

static void
inspect_time(const char *key, int64_t ms)
{
	char	buf[64];

	if (ms > 0)
		printf("%s: %s\n", key, cli_time(ms, buf, sizeof buf));
}

/* value with control characters escaped, whole, on one line. */
static void
inspect_text(const char *key, const char *value)
{
	char	*buf;
	size_t	 len;

	if (value == NULL)
		return;
	len = strlen(value);
	buf = xreallocarray(NULL, len + 2, 4);
	printf("%s: %s\n", key, cli_escape(value, len, buf, 4 * len + 8));
	free(buf);
}

/* "key: value" lines, one per known field, in a fixed order. */
static void
inspect_human(const struct cmd_ctx *ctx, const struct tq_task_info *t)
{
	int	timeout, dflt;

	inspect_line("id", t->id);
	inspect_line("queue", t->queue);
	inspect_line("type", t->type);
	inspect_line("state", tq_state_name(t->state));
	printf("priority: %d\n", t->priority);
	if (task_attempts(t) >= 0)
		printf("attempts: %d\n", task_attempts(t));
	printf("max_retries: %d\n", t->max_retries);
	timeout = inspect_timeout(ctx, t, &dflt);
	printf("timeout: %ds%s\n", timeout, dflt ? " (worker default)" : "");
	inspect_time("created_at", t->created_at);
	inspect_time("scheduled_at", t->scheduled_at);
	inspect_time("lease_deadline", t->lease_deadline);
	inspect_line("worker", t->worker);
	inspect_time("failed_at", t->failed_at);
	inspect_time("finished_at", t->finished_at);
	inspect_text("error", t->error);
	inspect_text("payload", t->payload);
	/* A body that is not a task (another program wrote it) has no
	 * payload to show: show what is there instead. */
	if (t->payload == NULL && t->body != NULL)
		inspect_text("body", t->body);
	inspect_text("result", t->result);
}

static int
cmd_inspect_exec(struct cmd_ctx *ctx)
{
	struct tq_task_info	*t;
	struct tq_error		 err;
	int			 rc;

	if ((rc = cli_connect(ctx)) != 0)
		return (rc);
	tq_error_clear(&err);
	if (tq_inspect(ctx->client, ctx->opt['q'], ctx->argv[0], &t,
	    &err) != 0)
		return (cli_error(ctx, &err));
	if (ctx->json)
		rc = inspect_json(ctx, t);
	else
		inspect_human(ctx, t);
	tq_task_info_free(t);
	return (rc);
}

/* The result text as stored: it is JSON already, so --json is moot. */
static int
cmd_result_exec(struct cmd_ctx *ctx)
{
	struct tq_error	 err;
	char		*result;
	int		 rc;

	if ((rc = cli_connect(ctx)) != 0)
		return (rc);
	tq_error_clear(&err);
	if (tq_result(ctx->client, ctx->opt['q'], ctx->argv[0], &result,
	    &err) != 0)
		return (cli_error(ctx, &err));
	printf("%s\n", result);
	free(result);
	return (TQ_EXIT_OK);
}
