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
 * that have come due (one cheap call), promotes those queues, and moves
 * each entry to the queue's next due time with a compare-and-set, so a
 * producer's earlier hint is never overwritten.
 *
 * tqd does not poll either: each read also tells it the earliest hint
 * left, and it sleeps until then.  A hint that is lower than every other
 * is announced with a PUBLISH on the channel "NS:due" by the same script
 * that writes it, and tqd, subscribed on a second connection (struct
 * tq_due_watch), wakes for it.  The announcement and the hint are one
 * atomic step, and tqd's last read before it sleeps is atomic too, so a
 * hint lowered after that read is either above what tqd will wake for or
 * announced: none is missed.  A lost announcement (a link down, an ACL
 * without the channel) costs at most [tqd] tick, tqd's longest sleep.
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

/* How long from now until first (0: no hint): -1 none, 0 due now. */
static int64_t
tq_hint_wait(long long now, long long first)
{
	if (first == 0)
		return (-1);
	return (first > now ? first - now : 0);
}

/* A subscriber of NS:due, for tqd (see tq.h). */
struct tq_due_watch {
	struct tq_client	*c;		/* borrowed */
	struct tq_redis		*conn;		/* NULL until first used */
	char			*channel;
	size_t			 seed;		/* a cluster's node to use */
};

/* Lower queue's hint to due_ms (never raises it); wake tqd if earliest. */
int
tq_hint_due(struct tq_client *c, const char *queue, int64_t due_ms,
    struct tq_error *err)
{
	const char	*keys[1], *args[2];
	char		*key, due[24];
	redisReply	*reply;

	key = tq_key_due(tq_client_namespace(c));
	snprintf(due, sizeof due, "%lld", (long long)due_ms);
	keys[0] = key;
	args[0] = queue;
	args[1] = due;
	reply = tq_client_eval(c, TQ_SCRIPT_HINT, keys, 1, args, 2, err);
	free(key);
	if (reply == NULL)
		return (-1);
	freeReplyObject(reply);
	return (0);
}

/*
 * Move queue's hint from seen to next (0: none left), unless lowered.
 * *wait_ms: how long until the earliest hint left (0: due now; -1: no
 * hint at all), on Redis's clock.
 */
static int
tq_hint_settle(struct tq_client *c, const char *queue, int64_t seen,
    int64_t next, int64_t *wait_ms, struct tq_error *err)
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
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
	    reply->element[1]->type == REDIS_REPLY_INTEGER &&
	    reply->element[2]->type == REDIS_REPLY_INTEGER)
		*wait_ms = tq_hint_wait(reply->element[1]->integer,
		    reply->element[2]->integer);
	else
		*wait_ms = 0;	/* unexpected: look again soon */
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
	int64_t	wait;

	return (tq_promote_due_until(c, max, moved, &wait, err));
}

int
tq_promote_due_until(struct tq_client *c, int max, long long *moved,
    int64_t *wait_ms, struct tq_error *err)
{
	const char	*keys[1], *args[1];
	char		*key, n[16];
	redisReply	*reply;
	long long	 m;
	int64_t		 next, deadline;
	size_t		 i;
	int		 rc = 0;

	*moved = 0;
	*wait_ms = 0;
	deadline = tq_monotonic_ms() + TQ_PROMOTE_BUDGET_MS;
	key = tq_key_due(tq_client_namespace(c));
	snprintf(n, sizeof n, "%d", TQ_DUE_MAX);
	keys[0] = key;
	args[0] = n;
	reply = tq_client_eval(c, TQ_SCRIPT_DUE, keys, 1, args, 1, err);
	free(key);
	if (reply == NULL)
		return (-1);
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
	    reply->elements % 2 != 0 ||
	    reply->element[0]->type != REDIS_REPLY_INTEGER ||
	    reply->element[1]->type != REDIS_REPLY_INTEGER) {
		freeReplyObject(reply);
		tq_error_set(err, TQ_EPROTO, "due: unexpected reply");
		return (-1);
	}
	/* Nothing due: sleep until the earliest hint, as read. */
	*wait_ms = tq_hint_wait(reply->element[0]->integer,
	    reply->element[1]->integer);
	/*
	 * Queues not reached before the deadline keep their due hint, and
	 * *wait_ms stays 0; else the last settle says what is left.
	 */
	for (i = 2; i + 1 < reply->elements && rc == 0; i += 2) {
		const char	*queue = reply->element[i]->str;

		if (tq_monotonic_ms() >= deadline) {
			*wait_ms = 0;
			break;
		}
		if (tq_check_name("queue name", queue, NULL) != 0) {
			/* Debris: drop it so it is not read again. */
			rc = tq_hint_settle(c, queue,
			    reply->element[i + 1]->integer, 0, wait_ms, err);
			continue;
		}
		rc = tq_promote_all(c, queue, max, deadline, &m, &next, err);
		if (rc == 0) {
			*moved += m;
			rc = tq_hint_settle(c, queue,
			    reply->element[i + 1]->integer, next, wait_ms,
			    err);
		}
	}
	freeReplyObject(reply);
	return (rc);
}

struct tq_due_watch *
tq_due_watch_new(struct tq_client *c)
{
	struct tq_due_watch	*w;

	w = tq_xcalloc(1, sizeof *w);
	w->c = c;
	w->channel = tq_key_due(tq_client_namespace(c));
	return (w);
}

void
tq_due_watch_free(struct tq_due_watch *w)
{
	if (w == NULL)
		return;
	tq_redis_free(w->conn);
	free(w->channel);
	free(w);
}

int
tq_due_watch_fd(const struct tq_due_watch *w)
{
	return (w->conn != NULL ? tq_redis_fd(w->conn) : -1);
}

/*
 * A connection to subscribe on: the client's settings, or on a Cluster
 * one node of the seed list (the next one after a failure): messages
 * published on any node reach the subscribers of all of them.
 */
static struct tq_redis *
tq_due_watch_connection(struct tq_due_watch *w, struct tq_error *err)
{
	struct tq_url	 url;
	struct tq_redis	*r = NULL;

	if (tq_url_from_config(tq_client_config(w->c), &url, err) != 0)
		return (NULL);
	if (url.nseeds > 0 && url.master == NULL) {
		w->seed %= url.nseeds;
		r = tq_redis_new_node(tq_client_redis(w->c),
		    url.seeds[w->seed].host, url.seeds[w->seed].port, 0);
	} else
		r = tq_redis_new(tq_client_config(w->c), err);
	tq_url_done(&url);
	return (r);
}

int
tq_due_watch_check(struct tq_due_watch *w, struct tq_error *err)
{
	redisReply	*reply;
	int		 rc, news = 0;

	if (w->conn == NULL) {
		if ((w->conn = tq_due_watch_connection(w, err)) == NULL)
			return (-1);
		if (tq_redis_subscribe(w->conn, w->channel, err) != 0)
			goto fail;
		/* Hints may have changed, unannounced, while unsubscribed. */
		return (1);
	}
	while ((rc = tq_redis_try_message(w->conn, &reply, err)) == 1) {
		if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
		    reply->element[0]->type == REDIS_REPLY_STRING &&
		    strcmp(reply->element[0]->str, "message") == 0)
			news = 1;
		freeReplyObject(reply);
	}
	if (rc < 0)
		goto fail;
	return (news);

fail:
	/* Start afresh next time, on a Cluster with the next node. */
	tq_redis_free(w->conn);
	w->conn = NULL;
	w->seed++;
	return (-1);
}
