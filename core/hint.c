/*
 * hint.c -- due-time hints, so tqd promotes on time without polling.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Scheduled and retry tasks live in per-queue sorted sets, and a daemon
 * that polled every queue's sets often enough to promote within 100 ms
 * would cost Redis thousands of calls a second.  Instead, whoever puts a
 * task into one of those sets also lowers the queue's entry in one small
 * ZSET, "NS:due" (ZADD LT), to the task's due time.  tqd reads the entries
 * that have come due (a few times a second, one cheap call), promotes
 * those queues, and moves each entry to the queue's next due time with a
 * compare-and-set, so a producer's earlier hint is never overwritten.
 *
 * The hint is written after the task, in a separate call (the queue's
 * keys and NS:due live in different Cluster slots).  A crash in between
 * loses only the hint: tqd's periodic pass over every queue
 * (tq_promote_queue) restores it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define TQ_DUE_MAX	256	/* queues handled per tq_promote_due read */

/*
 * Wall time one tq_promote_due or tq_promote_queue call may spend.  A
 * backlog of millions of due tasks takes seconds to move; the caller
 * (tqd's single loop) must keep renewing its leader lease and answering
 * signals meanwhile, so the rest is left due and its hint in place for
 * the next call.
 */
#define TQ_PROMOTE_BUDGET_MS	50

/* Lower queue's hint to due_ms (never raises it). */
int
tq_hint_due(struct tq_client *c, const char *queue, int64_t due_ms,
    struct tq_error *err)
{
	const char	*argv[5];
	char		*key, due[24];
	redisReply	*reply;
	int		 rc;

	key = tq_key_due(tq_client_namespace(c));
	snprintf(due, sizeof due, "%lld", (long long)due_ms);
	argv[0] = "ZADD";
	argv[1] = key;
	argv[2] = "LT";
	argv[3] = due;
	argv[4] = queue;
	reply = tq_redis_command(tq_client_redis(c), err, 5, argv, NULL);
	free(key);
	if (reply == NULL)
		return (-1);
	rc = tq_redis_reply_error(tq_client_redis(c), reply, err);
	freeReplyObject(reply);
	return (rc);
}

/* Move queue's hint from seen to next (0: none left), unless lowered. */
static int
tq_hint_settle(struct tq_client *c, const char *queue, int64_t seen,
    int64_t next, struct tq_error *err)
{
	const char	*keys[1], *args[3];
	char		*key, s[24], n[24];
	redisReply	*reply;

	key = tq_key_due(tq_client_namespace(c));
	snprintf(s, sizeof s, "%lld", (long long)seen);
	snprintf(n, sizeof n, "%lld", (long long)next);
	keys[0] = key;
	args[0] = queue;
	args[1] = s;
	args[2] = n;
	reply = tq_client_eval(c, TQ_SCRIPT_SETTLE, keys, 1, args, 3, err);
	free(key);
	if (reply == NULL)
		return (-1);
	freeReplyObject(reply);
	return (0);
}

/*
 * Promote until a call moves fewer than max or the deadline passes;
 * *next_ms: the earliest task still waiting (already due when stopped by
 * the deadline), or 0.
 */
static int
tq_promote_all(struct tq_client *c, const char *queue, int max,
    int64_t deadline, long long *moved, int64_t *next_ms,
    struct tq_error *err)
{
	int	n;

	*moved = 0;
	do {
		if (tq_promote(c, queue, max, &n, next_ms, err) != 0)
			return (-1);
		*moved += n;
	} while (n == max && tq_monotonic_ms() < deadline);
	return (0);
}

int
tq_promote_queue(struct tq_client *c, const char *queue, int max,
    long long *moved, struct tq_error *err)
{
	int64_t	next, deadline = tq_monotonic_ms() + TQ_PROMOTE_BUDGET_MS;

	if (tq_promote_all(c, queue, max, deadline, moved, &next, err) != 0)
		return (-1);
	return (next > 0 ? tq_hint_due(c, queue, next, err) : 0);
}

int
tq_promote_due(struct tq_client *c, int max, long long *moved,
    struct tq_error *err)
{
	const char	*keys[1], *args[1];
	char		*key, n[16];
	redisReply	*reply;
	long long	 m;
	int64_t		 next, deadline;
	size_t		 i;
	int		 rc = 0;

	*moved = 0;
	deadline = tq_monotonic_ms() + TQ_PROMOTE_BUDGET_MS;
	key = tq_key_due(tq_client_namespace(c));
	snprintf(n, sizeof n, "%d", TQ_DUE_MAX);
	keys[0] = key;
	args[0] = n;
	reply = tq_client_eval(c, TQ_SCRIPT_DUE, keys, 1, args, 1, err);
	free(key);
	if (reply == NULL)
		return (-1);
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 1) {
		freeReplyObject(reply);
		tq_error_set(err, TQ_EPROTO, "due: unexpected reply");
		return (-1);
	}
	/* Queues not reached before the deadline keep their due hint. */
	for (i = 1; i + 1 < reply->elements && rc == 0 &&
	    tq_monotonic_ms() < deadline; i += 2) {
		const char	*queue = reply->element[i]->str;

		if (tq_check_name("queue name", queue, NULL) != 0) {
			/* Debris: drop it so it is not read again. */
			rc = tq_hint_settle(c, queue,
			    reply->element[i + 1]->integer, 0, err);
			continue;
		}
		rc = tq_promote_all(c, queue, max, deadline, &m, &next, err);
		if (rc == 0) {
			*moved += m;
			rc = tq_hint_settle(c, queue,
			    reply->element[i + 1]->integer, next, err);
		}
	}
	freeReplyObject(reply);
	return (rc);
}
