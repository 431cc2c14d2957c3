/*
 * inspect.c -- find one task by id and say where it is.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Task keys are per queue (so each queue can live on its own Cluster
 * node), and an id alone does not say which queue holds it.  Without a
 * queue we ask every known queue at once, one read-only script each in a
 * single pipeline: the cost grows with the number of queues, never with
 * the number of tasks.
 *
 * One kind of task is not found that way: a new ready task whose body
 * waits inline in its ready list (docs/PROTOCOL.md), which has no entry
 * by id.  For it, and only when nothing else answered, the ready lists
 * are read a window per call, so this costs a read of every waiting task
 * of the queue, in calls that each hold Redis for about a millisecond.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

static const struct {
	const char	*name;
	enum tq_state	 state;
} tq_states[] = {
	{ "scheduled", TQ_STATE_SCHEDULED },
	{ "ready", TQ_STATE_READY },
	{ "active", TQ_STATE_ACTIVE },
	{ "retry", TQ_STATE_RETRY },
	{ "dead", TQ_STATE_DEAD },
	{ "done", TQ_STATE_DONE },
};

static enum tq_state
tq_state_parse(const char *s)
{
	size_t	i;

	for (i = 0; i < TQ_NITEMS(tq_states); i++) {
		if (strcmp(s, tq_states[i].name) == 0)
			return (tq_states[i].state);
	}
	return (TQ_STATE_UNKNOWN);
}

/* Append the inspect script for id in queue; rkey is kept by the caller. */
static void
tq_inspect_append(struct tq_client *c, const char *queue, const char *id,
    const char *rkey)
{
	struct tq_keys	*k = tq_client_keys(c, queue);
	const char	*keys[8], *args[1];

	keys[0] = k->k[TQ_K_BODY];
	keys[1] = k->k[TQ_K_META];
	keys[2] = k->k[TQ_K_SCHED];
	keys[3] = k->k[TQ_K_ACTIVE];
	keys[4] = k->k[TQ_K_LEASE];
	keys[5] = k->k[TQ_K_RETRY];
	keys[6] = k->k[TQ_K_DEAD];
	keys[7] = rkey;
	args[0] = id;
	tq_redis_append_eval(tq_client_redis(c), TQ_SCRIPT_INSPECT, 8, keys, 1,
	    args, NULL);
}

/* Turn an inspect reply into a new record; NULL for "unknown". */
static struct tq_task_info *
tq_inspect_info(const redisReply *reply, const char *queue, const char *id)
{
	struct tq_task_info	*info;
	redisReply		**e = reply->element;
	enum tq_state		 state;
	const char		*at;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 7 ||
	    e[0]->type != REDIS_REPLY_STRING)
		return (NULL);
	if ((state = tq_state_parse(e[0]->str)) == TQ_STATE_UNKNOWN)
		return (NULL);
	info = tq_xcalloc(1, sizeof *info);
	if (e[1]->len > 0)
		(void)tq_task_info_fill(info, queue, e[1]->str,
		    e[2]->len > 0 ? e[2]->str : NULL);
	if (info->body == NULL && e[1]->len > 0)
		info->body = tq_xstrdup(e[1]->str);
	/* The id asked for, which the task is stored under, not whatever
	 * id another program wrote into its body. */
	free(info->id);
	info->id = tq_xstrdup(id);
	if (info->queue == NULL)
		info->queue = tq_xstrdup(queue);
	info->state = state;
	switch (state) {
	case TQ_STATE_SCHEDULED:
	case TQ_STATE_RETRY:
		info->scheduled_at = e[3]->integer;
		break;
	case TQ_STATE_ACTIVE:
		info->lease_deadline = e[3]->integer;
		/* Tokens are "random@worker": the worker running it now. */
		if ((at = strchr(e[4]->str, '@')) != NULL && at[1] != '\0') {
			free(info->worker);
			info->worker = tq_xstrdup(at + 1);
		}
		break;
	case TQ_STATE_DEAD:
		if (info->failed_at == 0)
			info->failed_at = e[3]->integer;
		break;
	case TQ_STATE_DONE:
		info->result = tq_xstrdup(e[5]->str);
		info->finished_at = e[6]->integer;
		/* "@worker": who finished it. */
		if (e[4]->str[0] == '@' && e[4]->str[1] != '\0')
			info->worker = tq_xstrdup(e[4]->str + 1);
		break;
	default:
		break;
	}
	return (info);
}

/*
 * Ask queues[0..n) in one pipeline; the first that holds id wins.  A
 * queue whose keys another program damaged (WRONGTYPE) must not hide
 * the task in the others: its error goes into bad (the first one only)
 * and the search goes on.
 */
static int
tq_inspect_queues(struct tq_client *c, const char *const *queues, size_t n,
    const char *id, struct tq_task_info **out, struct tq_error *bad,
    struct tq_error *err)
{
	struct tq_redis	*r = tq_client_redis(c);
	struct tq_error	 qerr;
	redisReply	*reply;
	char		**rkeys;
	size_t		 i;
	int		 rc = 0;

	if (tq_redis_prepare(r, TQ_SCRIPT_INSPECT, err) != 0)
		return (-1);
	rkeys = tq_xreallocarray(NULL, n, sizeof *rkeys);
	for (i = 0; i < n; i++) {
		rkeys[i] = tq_key_result(tq_client_namespace(c), queues[i], id);
		tq_inspect_append(c, queues[i], id, rkeys[i]);
	}
	for (i = 0; i < n; i++) {
		if ((reply = tq_redis_reply(r, err)) == NULL) {
			rc = -1;
			break;
		}
		if (rc == 0 && tq_redis_reply_error(r, reply, &qerr) != 0) {
			if (strstr(qerr.msg, "NOSCRIPT") != NULL) {
				*err = qerr;
				rc = -1;
			} else if (bad->code == TQ_OK) {
				*bad = qerr;
				tq_error_prefix(bad, "queue %s", queues[i]);
			}
		} else if (rc == 0 && *out == NULL)
			*out = tq_inspect_info(reply, queues[i], id);
		freeReplyObject(reply);
	}
	for (i = 0; i < n; i++)
		free(rkeys[i]);
	free(rkeys);
	if (rc != 0) {
		tq_task_info_free(*out);
		*out = NULL;
	}
	return (rc);
}

/* Read-only, so after NOSCRIPT (scripts reloaded) simply go again. */
static int
tq_inspect_retry(struct tq_client *c, const char *const *queues, size_t n,
    const char *id, struct tq_task_info **out, struct tq_error *bad,
    struct tq_error *err)
{
	if (tq_inspect_queues(c, queues, n, id, out, bad, err) == 0)
		return (0);
	if (strstr(err->msg, "NOSCRIPT") == NULL)
		return (-1);
	tq_error_clear(err);
	return (tq_inspect_queues(c, queues, n, id, out, bad, err));
}

#define TQ_FIND_WINDOW	10000	/* ready entries read per findready call */

/*
 * Look for id inline in the ready lists of queue: 1 with *out set, 0 when
 * it is not there, -1 on error.
 */
static int
tq_inspect_ready(struct tq_client *c, const char *queue, const char *id,
    struct tq_task_info **out, struct tq_error *err)
{
	struct tq_keys	*k = tq_client_keys(c, queue);
	const char	*keys[TQ_PRIORITY_MAX + 1], *args[4];
	char		 list[16], off[24], win[16];
	redisReply	*reply;
	long long	 l = 1, o = 0;
	int		 i, rc = 0;

	for (i = 0; i <= TQ_PRIORITY_MAX; i++)
		keys[i] = k->k[TQ_K_READY9 - i];
	snprintf(win, sizeof win, "%d", TQ_FIND_WINDOW);
	args[0] = id;
	args[3] = win;
	while (rc == 0 && l != 0) {
		snprintf(list, sizeof list, "%lld", l);
		snprintf(off, sizeof off, "%lld", o);
		args[1] = list;
		args[2] = off;
		if ((reply = tq_client_eval(c, TQ_SCRIPT_FINDREADY, keys,
		    TQ_PRIORITY_MAX + 1, args, 4, err)) == NULL)
			return (-1);
		if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
		    reply->element[0]->type != REDIS_REPLY_INTEGER) {
			tq_error_set(err, TQ_EPROTO, "findready: bad reply");
			rc = -1;
		} else if (reply->element[0]->integer == 1) {
			*out = tq_xcalloc(1, sizeof **out);
			(void)tq_task_info_fill(*out, queue,
			    reply->element[1]->str, NULL);
			if ((*out)->id == NULL)
				(*out)->id = tq_xstrdup(id);
			(*out)->state = TQ_STATE_READY;
			rc = 1;
		} else {
			l = reply->element[1]->integer;
			o = reply->element[2]->integer;
		}
		freeReplyObject(reply);
	}
	return (rc);
}

int
tq_inspect(struct tq_client *c, const char *queue, const char *id,
    struct tq_task_info **out, struct tq_error *err)
{
	struct tq_error	  local, bad;
	char		**names = NULL;
	size_t		  n = 0, i;
	int		  rc;

	if (err == NULL)
		err = &local;
	tq_error_clear(&bad);
	*out = NULL;
	if (tq_check_name("task id", id, err) != 0)
		return (-1);
	if (queue != NULL) {
		if (tq_check_name("queue name", queue, err) != 0)
			return (-1);
		names = tq_xcalloc(1, sizeof *names);
		names[n++] = tq_xstrdup(queue);
	} else if (tq_queues(c, &names, &n, err) != 0)
		return (-1);
	rc = n == 0 ? 0 : tq_inspect_retry(c, (const char *const *)names, n,
	    id, out, &bad, err);
	for (i = 0; rc == 0 && *out == NULL && i < n; i++) {
		if ((rc = tq_inspect_ready(c, names[i], id, out, err)) > 0)
			rc = 0;
		else if (rc < 0 && err->code != TQ_ECONN &&
		    err->code != TQ_ETIMEOUT) {
			/* A damaged queue: as in tq_inspect_queues. */
			if (bad.code == TQ_OK) {
				bad = *err;
				tq_error_prefix(&bad, "queue %s", names[i]);
			}
			tq_error_clear(err);
			rc = 0;
		}
	}
	/* Dequeued while we read the lists: it has an entry by id now. */
	if (rc == 0 && *out == NULL && n > 0)
		rc = tq_inspect_retry(c, (const char *const *)names, n, id,
		    out, &bad, err);
	tq_strv_free(names, n);
	if (rc == 0 && *out == NULL && bad.code != TQ_OK) {
		/* Perhaps it is in the queue that could not be read. */
		*err = bad;
		if (n > 1)
			tq_error_prefix(err, "task %s not found elsewhere", id);
		rc = -1;
	} else if (rc == 0 && *out == NULL) {
		tq_error_set(err, TQ_ENOTFOUND, "task %s not found", id);
		rc = -1;
	}
	return (rc);
}

int
tq_result(struct tq_client *c, const char *queue, const char *id, char **out,
    struct tq_error *err)
{
	struct tq_task_info	*info;

	*out = NULL;
	if (tq_inspect(c, queue, id, &info, err) != 0)
		return (-1);
	if (info->state != TQ_STATE_DONE || info->result == NULL) {
		tq_error_set(err, TQ_ENOTFOUND, "task %s has no result yet "
		    "(it is %s)", id, tq_state_name(info->state));
		tq_task_info_free(info);
		return (-1);
	}
	*out = info->result;
	info->result = NULL;
	tq_task_info_free(info);
	return (0);
}
