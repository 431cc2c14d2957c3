/*
 * keys.c -- the names of every Redis key tq uses.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Keys are built here and nowhere else (the Lua scripts receive them in
 * KEYS), so this file is the layout docs/PROTOCOL.md describes.  Every key
 * of a queue is "NS:{QUEUE}:SUFFIX": the braces are a Redis Cluster hash
 * tag, which puts all of one queue's keys in one slot so that a script may
 * touch them together.  Names are validated by tq_check_name first and
 * cannot contain braces, so the tag is always the queue name.
 */

#include <assert.h>
#include <stdlib.h>

#include "tq-int.h"

/* Suffixes by enum tq_qkey; the ready lists are numbered in keys_init. */
static const char *const keys_suffix[TQ_NQKEYS] = {
	[TQ_K_BODY] = "t",
	[TQ_K_META] = "m",
	[TQ_K_SCHED] = "sched",
	[TQ_K_ACTIVE] = "active",
	[TQ_K_LEASE] = "lease",
	[TQ_K_RETRY] = "retry",
	[TQ_K_DEAD] = "dead",
	[TQ_K_STATS] = "stats",
	[TQ_K_HIST] = "hist",
	[TQ_K_WAKE] = "wake",
	[TQ_K_PAUSED] = "paused",
	[TQ_K_RATE] = "rate",
	[TQ_K_IDS] = "ids",
};

/*
 * Fill keys with every key of queue in namespace ns; each string is new
 * and freed by tq_keys_done.
 */
void
tq_keys_init(struct tq_keys *keys, const char *ns, const char *queue)
{
	int	i;

	assert(ns != NULL && queue != NULL);
	for (i = 0; i < TQ_NQKEYS; i++) {
		if (i >= TQ_K_READY0 && i <= TQ_K_READY9) {
			keys->k[i] = tq_xasprintf("%s:{%s}:ready:%d", ns,
			    queue, i - TQ_K_READY0);
		} else {
			keys->k[i] = tq_xasprintf("%s:{%s}:%s", ns, queue,
			    keys_suffix[i]);
		}
	}
}

/* Free the strings of keys; done twice, or on a zeroed struct, is safe. */
void
tq_keys_done(struct tq_keys *keys)
{
	int	i;

	for (i = 0; i < TQ_NQKEYS; i++) {
		free(keys->k[i]);
		keys->k[i] = NULL;
	}
}

/* "NS:queues": the SET of every queue name (new string). */
char *
tq_key_queues(const char *ns)
{
	return (tq_xasprintf("%s:queues", ns));
}

/* "NS:{Q}:u:UKEY": held while a unique task is live (new string). */
char *
tq_key_unique(const char *ns, const char *queue, const char *ukey)
{
	return (tq_xasprintf("%s:{%s}:u:%s", ns, queue, ukey));
}

/* "NS:{Q}:res:ID": the result stored by tq_ack (new string). */
char *
tq_key_result(const char *ns, const char *queue, const char *id)
{
	return (tq_xasprintf("%s:{%s}:res:%s", ns, queue, id));
}

/* "NS:workers": ZSET of worker names by last heartbeat (new string). */
char *
tq_key_workers(const char *ns)
{
	return (tq_xasprintf("%s:workers", ns));
}

/* "NS:worker:NAME": HASH describing one worker process (new string). */
char *
tq_key_worker(const char *ns, const char *name)
{
	return (tq_xasprintf("%s:worker:%s", ns, name));
}

/* "NS:due": ZSET queue -> earliest due time it may hold (new string). */
char *
tq_key_due(const char *ns)
{
	return (tq_xasprintf("%s:due", ns));
}

/*
 * "NS:{leader}" and "NS:{leader}:epoch": the tqd leader lease and its
 * counter share a hash tag so one script can touch both (new string).
 */
char *
tq_key_leader(const char *ns, int epoch)
{
	return (tq_xasprintf("%s:{leader}%s", ns, epoch ? ":epoch" : ""));
}

/* "NS:marker": created once; its loss means Redis lost data (new). */
char *
tq_key_marker(const char *ns)
{
	return (tq_xasprintf("%s:marker", ns));
}
