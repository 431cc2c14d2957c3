/*
 * registry.c -- reading the worker registry.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Each worker process publishes itself (worker.c): a HASH "NS:worker:NAME"
 * that expires unless refreshed, and its name in the ZSET "NS:workers"
 * scored by its last heartbeat.  This file reads them for tq workers,
 * tqtop and metrics in one pipelined round trip.  A worker whose heartbeat
 * is older than three publish periods is reported stale: it died, froze,
 * or lost its link; tqd drops such names from the set.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define TQ_STALE_MS	6000	/* three registry publish periods */

/* Copy one HASH field of a worker record into info. */
static void
tq_worker_field(struct tq_worker_info *info, const char *k, const char *v)
{
	if (strcmp(k, "host") == 0)
		snprintf(info->host, sizeof info->host, "%s", v);
	else if (strcmp(k, "queues") == 0)
		snprintf(info->queues, sizeof info->queues, "%s", v);
	else if (strcmp(k, "pid") == 0)
		info->pid = atoi(v);
	else if (strcmp(k, "concurrency") == 0)
		info->concurrency = atoi(v);
	else if (strcmp(k, "busy") == 0)
		info->busy = atoi(v);
	else if (strcmp(k, "processed") == 0)
		info->processed = atoll(v);
	else if (strcmp(k, "failed") == 0)
		info->failed = atoll(v);
	else if (strcmp(k, "started_at") == 0)
		info->started_at = atoll(v);
	else if (strcmp(k, "heartbeat_at") == 0)
		info->heartbeat_at = atoll(v);
}

static void
tq_worker_fill(struct tq_worker_info *info, const char *name,
    const char *score, const redisReply *h, int64_t now)
{
	size_t	i;

	memset(info, 0, sizeof *info);
	snprintf(info->name, sizeof info->name, "%s", name);
	info->heartbeat_at = atoll(score);
	if (h->type == REDIS_REPLY_ARRAY) {
		for (i = 0; i + 1 < h->elements; i += 2) {
			if (h->element[i]->type == REDIS_REPLY_STRING &&
			    h->element[i + 1]->type == REDIS_REPLY_STRING)
				tq_worker_field(info, h->element[i]->str,
				    h->element[i + 1]->str);
		}
	}
	info->stale = now - info->heartbeat_at > TQ_STALE_MS;
}

int
tq_workers(struct tq_client *c, struct tq_worker_info **out, size_t *n,
    struct tq_error *err)
{
	struct tq_redis	*r = tq_client_redis(c);
	const char	*argv[5];
	char		*wskey, *wkey;
	redisReply	*list, *h;
	size_t		 i, count;
	int		 rc = -1;

	*out = NULL;
	*n = 0;
	wskey = tq_key_workers(tq_client_namespace(c));
	argv[0] = "ZRANGE";
	argv[1] = wskey;
	argv[2] = "0";
	argv[3] = "-1";
	argv[4] = "WITHSCORES";
	list = tq_redis_command(r, err, 5, argv, NULL);
	free(wskey);
	if (list == NULL)
		return (-1);
	if (tq_redis_reply_error(r, list, err) != 0 ||
	    list->type != REDIS_REPLY_ARRAY) {
		if (err != NULL && err->code == TQ_OK)
			tq_error_set(err, TQ_EPROTO, "workers: bad reply");
		goto out;
	}
	count = list->elements / 2;
	argv[0] = "HGETALL";
	for (i = 0; i < count; i++) {
		wkey = tq_key_worker(tq_client_namespace(c),
		    list->element[2 * i]->str);
		argv[1] = wkey;
		tq_redis_append(r, 2, argv, NULL);
		free(wkey);
	}
	*out = tq_xcalloc(count, sizeof **out);
	for (i = 0; i < count; i++) {
		if ((h = tq_redis_reply(r, err)) == NULL) {
			free(*out);
			*out = NULL;
			goto out;
		}
		tq_worker_fill(&(*out)[i], list->element[2 * i]->str,
		    list->element[2 * i + 1]->str, h, tq_wall_ms());
		freeReplyObject(h);
	}
	*n = count;
	rc = 0;
out:
	freeReplyObject(list);
	return (rc);
}

int
tq_workers_prune(struct tq_client *c, int64_t age_ms, int *removed,
    struct tq_error *err)
{
	const char	*argv[4];
	char		*key, upto[24];
	redisReply	*reply;
	int		 rc;

	key = tq_key_workers(tq_client_namespace(c));
	snprintf(upto, sizeof upto, "%lld", (long long)(tq_wall_ms() - age_ms));
	argv[0] = "ZREMRANGEBYSCORE";
	argv[1] = key;
	argv[2] = "-inf";
	argv[3] = upto;
	reply = tq_redis_command(tq_client_redis(c), err, 4, argv, NULL);
	free(key);
	if (reply == NULL)
		return (-1);
	if ((rc = tq_redis_reply_error(tq_client_redis(c), reply, err)) == 0 &&
	    removed != NULL)
		*removed = reply->type == REDIS_REPLY_INTEGER ?
		    (int)reply->integer : 0;
	freeReplyObject(reply);
	return (rc);
}
