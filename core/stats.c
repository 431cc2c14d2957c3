/*
 * stats.c -- snapshots of queues for tq stats, tqtop and metrics.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * The cost of a snapshot depends on the number of queues asked about,
 * never on the number of tasks: one read-only script per queue (sizes,
 * counters, the age of the oldest ready task), all sent in one pipeline,
 * so a dashboard refresh is one round trip.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

static int
tq_strcmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

int
tq_queues(struct tq_client *c, char ***names, size_t *n, struct tq_error *err)
{
	const char	*argv[2];
	redisReply	*reply;
	size_t		 i, count = 0;

	*names = NULL;
	*n = 0;
	argv[0] = "SMEMBERS";
	argv[1] = tq_client_queues_key(c);
	reply = tq_redis_command(tq_client_redis(c), err, 2, argv, NULL);
	if (reply == NULL)
		return (-1);
	if (tq_redis_reply_error(tq_client_redis(c), reply, err) != 0) {
		/* Another program wrote the key: Redis would not say which. */
		if (strncmp(reply->str, "WRONGTYPE", 9) == 0)
			tq_error_set(err, TQ_EREDIS, "key %s is not a set "
			    "(WRONGTYPE)", argv[1]);
		freeReplyObject(reply);
		return (-1);
	}
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
		*names = tq_xreallocarray(NULL, reply->elements,
		    sizeof **names);
		for (i = 0; i < reply->elements; i++) {
			/* Skip debris some other program put in the set. */
			if (reply->element[i]->type != REDIS_REPLY_STRING ||
			    tq_check_name("queue", reply->element[i]->str,
			    NULL) != 0)
				continue;
			(*names)[count++] = tq_xstrdup(reply->element[i]->str);
		}
		qsort(*names, count, sizeof **names, tq_strcmp);
	}
	*n = count;
	freeReplyObject(reply);
	return (0);
}

void
tq_strv_free(char **v, size_t n)
{
	size_t	i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Append the stats script of queue to the pipeline. */
static void
tq_stats_append(struct tq_client *c, const char *queue)
{
	struct tq_keys	*k = tq_client_keys(c, queue);
	const char	*keys[17];
	int		 i;

	keys[0] = k->k[TQ_K_SCHED];
	keys[1] = k->k[TQ_K_ACTIVE];
	keys[2] = k->k[TQ_K_RETRY];
	keys[3] = k->k[TQ_K_DEAD];
	keys[4] = k->k[TQ_K_STATS];
	keys[5] = k->k[TQ_K_PAUSED];
	keys[6] = k->k[TQ_K_BODY];
	for (i = 0; i <= TQ_PRIORITY_MAX; i++)
		keys[7 + i] = k->k[TQ_K_READY9 - i];
	tq_redis_append_eval(tq_client_redis(c), TQ_SCRIPT_STATS, 17, keys, 0,
	    NULL, NULL);
}

/* Fill one record from the stats script's 13 integers. */
static int
tq_stats_fill(const redisReply *reply, const char *queue,
    struct tq_queue_stats *s, struct tq_error *err)
{
	long long	v[13];
	size_t		i;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 13) {
		tq_error_set(err, TQ_EPROTO, "stats of %s: unexpected reply",
		    queue);
		return (-1);
	}
	for (i = 0; i < 13; i++)
		v[i] = reply->element[i]->type == REDIS_REPLY_INTEGER ?
		    reply->element[i]->integer : 0;
	memset(s, 0, sizeof *s);
	snprintf(s->name, sizeof s->name, "%s", queue);
	s->now_ms = v[0];
	s->ready = v[1];
	s->scheduled = v[2];
	s->active = v[3];
	s->retry = v[4];
	s->dead = v[5];
	s->paused = v[6] != 0;
	s->oldest_ready_ms = v[7] > 0 && v[0] > v[7] ? v[0] - v[7] : 0;
	s->enqueued = v[8];
	s->processed = v[9];
	s->failed = v[10];
	s->retried = v[11];
	s->dead_total = v[12];
	return (0);
}

/* One pipelined pass; sets *noscript when Redis lost the script. */
static int
tq_stats_pass(struct tq_client *c, const char *const *queues, size_t n,
    struct tq_queue_stats *out, int *noscript, struct tq_error *err)
{
	struct tq_redis	*r = tq_client_redis(c);
	redisReply	*reply;
	size_t		 i;
	int		 rc = 0;

	if (tq_redis_prepare(r, TQ_SCRIPT_STATS, err) != 0)
		return (-1);
	for (i = 0; i < n; i++)
		tq_stats_append(c, queues[i]);
	for (i = 0; i < n; i++) {
		if ((reply = tq_redis_reply(r, err)) == NULL)
			return (-1);
		if (rc == 0 && tq_redis_reply_error(r, reply, err) != 0) {
			*noscript = strstr(err->msg, "NOSCRIPT") != NULL;
			/* Say which queue: a damaged key fails only its own
			 * (WRONGTYPE), and the pipeline has many. */
			tq_error_prefix(err, "stats of %s", queues[i]);
			rc = -1;
		} else if (rc == 0)
			rc = tq_stats_fill(reply, queues[i], &out[i], err);
		freeReplyObject(reply);
	}
	return (rc);
}

int
tq_stats(struct tq_client *c, const char *const *queues, size_t n,
    struct tq_queue_stats *out, struct tq_error *err)
{
	struct tq_error	 local;
	size_t		 i;
	int		 noscript = 0;

	if (err == NULL)
		err = &local;
	for (i = 0; i < n; i++) {
		if (tq_check_name("queue name", queues[i], err) != 0)
			return (-1);
	}
	if (n == 0)
		return (0);
	if (tq_stats_pass(c, queues, n, out, &noscript, err) == 0)
		return (0);
	if (!noscript)
		return (-1);
	/* Read-only, so simply go again once the script is reloaded. */
	tq_error_clear(err);
	return (tq_stats_pass(c, queues, n, out, &noscript, err));
}

/* Parse "sec:enq:proc:fail". */
static int
tq_history_point(const char *s, struct tq_history_point *p)
{
	long long	sec, e, pr, f;

	if (sscanf(s, "%lld:%lld:%lld:%lld", &sec, &e, &pr, &f) != 4)
		return (-1);
	p->second = sec;
	p->enqueued = e;
	p->processed = pr;
	p->failed = f;
	return (0);
}

int
tq_history(struct tq_client *c, const char *queue,
    struct tq_history_point *out, size_t max, size_t *n, struct tq_error *err)
{
	struct tq_redis	*r = tq_client_redis(c);
	const char	*argv[4];
	char		 stop[24];
	redisReply	*now = NULL, *list = NULL;
	long long	 since;
	size_t		 i;
	int		 rc = -1;

	*n = 0;
	if (tq_check_name("queue name", queue, err) != 0)
		return (-1);
	if (max == 0)
		return (0);
	if (tq_redis_ensure(r, err) != 0)
		return (-1);
	argv[0] = "TIME";
	tq_redis_append(r, 1, argv, NULL);
	snprintf(stop, sizeof stop, "%zu", max > TQ_HISTORY_SECONDS ?
	    (size_t)TQ_HISTORY_SECONDS - 1 : max - 1);
	argv[0] = "LRANGE";
	argv[1] = tq_client_keys(c, queue)->k[TQ_K_HIST];
	argv[2] = "0";
	argv[3] = stop;
	tq_redis_append(r, 4, argv, NULL);
	if ((now = tq_redis_reply(r, err)) == NULL ||
	    (list = tq_redis_reply(r, err)) == NULL)
		goto out;
	if (now->type != REDIS_REPLY_ARRAY || now->elements != 2 ||
	    list->type != REDIS_REPLY_ARRAY) {
		tq_error_set(err, TQ_EPROTO, "history: unexpected reply");
		goto out;
	}
	since = strtoll(now->element[0]->str, NULL, 10) - TQ_HISTORY_SECONDS;
	for (i = 0; i < list->elements && *n < max; i++) {
		if (list->element[i]->type != REDIS_REPLY_STRING ||
		    tq_history_point(list->element[i]->str, &out[*n]) != 0)
			continue;
		if (out[*n].second <= since)
			break;
		(*n)++;
	}
	rc = 0;
out:
	if (now != NULL)
		freeReplyObject(now);
	if (list != NULL)
		freeReplyObject(list);
	tq_redis_discard(r);
	return (rc);
}
