/*
 * source.c -- everything tqtop asks Redis, through libtq.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * This is the only file that holds the tq_client.  A fetch costs a
 * bounded number of round trips that depends on the queues and rows on
 * screen, never on the number of tasks: the queue list, tq_stats for all
 * queues in one pipeline, the server and leader, the worker registry,
 * tq_history for the queues on screen only, and one page of dead letters
 * (offset and limit) when the dead view is open.  Rates come from the
 * difference of the counters between two fetches on Redis's clock.
 * A connection error leaves the old figures in place and marks the
 * snapshot disconnected; the client reconnects, with backoff, on a later
 * call.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tqtop.h"

struct source {
	struct tq_client	*c;
};

struct source *
source_new(const struct tq_config *cfg, struct tq_error *err)
{
	struct source	*s;

	s = tq_xcalloc(1, sizeof *s);
	if ((s->c = tq_client_new_lazy(cfg, err)) == NULL) {
		free(s);
		return (NULL);
	}
	return (s);
}

void
source_free(struct source *s)
{
	if (s == NULL)
		return;
	tq_client_free(s->c);
	free(s);
}

static void
snapshot_dead_free(struct snapshot *snap)
{
	tq_task_info_array_free(snap->dead, snap->ndead);
	snap->dead = NULL;
	snap->ndead = 0;
	snap->dead_valid = 0;
}

void
snapshot_done(struct snapshot *snap)
{
	free(snap->queues);
	free(snap->workers);
	free(snap->leader);
	snapshot_dead_free(snap);
	memset(snap, 0, sizeof *snap);
}

/* Record a failure; connection trouble means "disconnected". */
static void
source_failed(struct snapshot *snap, const struct tq_error *err)
{
	if (err->code == TQ_ECONN || err->code == TQ_ETIMEOUT)
		snap->connected = 0;
	snprintf(snap->error, sizeof snap->error, "%s", err->msg);
}

/* Fill one queue's last minute from its history. */
static void
source_spark(struct source *s, struct snap_queue *q)
{
	struct tq_history_point	 pts[SPARK_SECONDS];
	struct tq_error		 err;
	size_t			 n, i;
	int64_t			 now_s, age;

	if (tq_history(s->c, q->st.name, pts, SPARK_SECONDS, &n, &err) != 0)
		return;
	now_s = q->st.now_ms / 1000;
	memset(q->spark, 0, sizeof q->spark);
	for (i = 0; i < n; i++) {
		age = now_s - pts[i].second;
		if (age >= 0 && age < SPARK_SECONDS)
			q->spark[age] = pts[i].processed;
	}
	q->has_spark = 1;
}

/* Carry rates and sparklines over from the previous snapshot. */
static void
source_rates(struct snap_queue *q, const struct snapshot *old)
{
	const struct snap_queue	*p;
	size_t			 i;
	double			 dt;

	for (i = 0; i < old->nqueues; i++) {
		p = &old->queues[i];
		if (strcmp(p->st.name, q->st.name) != 0)
			continue;
		memcpy(q->spark, p->spark, sizeof q->spark);
		q->has_spark = p->has_spark;
		dt = (double)(q->st.now_ms - p->st.now_ms) / 1000.0;
		if (dt <= 0.05)
			return;
		q->in_rate = (q->st.enqueued - p->st.enqueued) / dt;
		q->out_rate = (q->st.processed - p->st.processed) / dt;
		q->fail_rate = (q->st.failed - p->st.failed) / dt;
		if (q->in_rate < 0)
			q->in_rate = 0;
		if (q->out_rate < 0)
			q->out_rate = 0;
		if (q->fail_rate < 0)
			q->fail_rate = 0;
		return;
	}
}

void
source_fetch(struct source *s, struct snapshot *snap,
    const struct fetch_req *req)
{
	struct tq_error		 err;
	struct snap_queue	*qs;
	struct tq_queue_stats	*st;
	struct tq_worker_info	*w;
	char			**names, *leader;
	size_t			 n, nw, i, j;

	tq_error_clear(&err);
	snprintf(snap->address, sizeof snap->address, "%s",
	    tq_client_address(s->c));
	if (tq_queues(s->c, &names, &n, &err) != 0) {
		source_failed(snap, &err);
		return;
	}
	st = tq_xcalloc(n == 0 ? 1 : n, sizeof *st);
	if (n > 0 && tq_stats(s->c, (const char *const *)names, n, st,
	    &err) != 0) {
		tq_strv_free(names, n);
		free(st);
		source_failed(snap, &err);
		return;
	}
	tq_strv_free(names, n);
	qs = tq_xcalloc(n == 0 ? 1 : n, sizeof *qs);
	for (i = 0; i < n; i++) {
		qs[i].st = st[i];
		source_rates(&qs[i], snap);
	}
	free(st);
	free(snap->queues);
	snap->queues = qs;
	snap->nqueues = n;
	if (n > 0)
		snap->at_ms = qs[0].st.now_ms;

	/* The rest is best effort: a failure keeps the previous value. */
	if (tq_server_info(s->c, &snap->server, &err) != 0)
		goto fail;
	if (tq_leader_holder(s->c, &leader, &snap->epoch, &snap->leader_ttl,
	    &err) != 0)
		goto fail;
	free(snap->leader);
	snap->leader = leader;
	if (snap->at_ms == 0)
		snap->at_ms = snap->server.time_ms;
	if (tq_workers(s->c, &w, &nw, &err) != 0)
		goto fail;
	free(snap->workers);
	snap->workers = w;
	snap->nworkers = nw;
	snap->live_workers = 0;
	for (i = 0; i < nw; i++)
		if (!w[i].stale)
			snap->live_workers++;
	for (i = 0; i < req->nspark; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(qs[j].st.name, req->spark_queues[i]) == 0)
				source_spark(s, &qs[j]);
	}
	snap->connected = 1;
	snap->ever = 1;
	snap->error[0] = '\0';
	if (req->dead_queue != NULL)
		source_fetch_dead(s, snap, req->dead_queue, req->dead_offset,
		    req->dead_limit);
	return;
fail:
	source_failed(snap, &err);
}

void
source_fetch_dead(struct source *s, struct snapshot *snap,
    const char *queue, long long offset, int limit)
{
	struct tq_error		 err;
	struct tq_task_info	**rows;
	size_t			 n;

	if (limit < 1)
		limit = 1;
	if (tq_dead_list(s->c, queue, offset, limit, &rows, &n, &err) != 0) {
		source_failed(snap, &err);
		return;
	}
	snapshot_dead_free(snap);
	snap->dead = rows;
	snap->ndead = n;
	snap->dead_offset = offset;
	snprintf(snap->dead_queue, sizeof snap->dead_queue, "%s", queue);
	snap->dead_valid = 1;
}

int
source_dead(struct source *s, int purge, const char *queue,
    const char *const *ids, size_t n, long long *done, long long *missing,
    struct tq_error *err)
{
	*done = *missing = 0;
	if (purge)
		return (tq_dead_purge(s->c, queue, ids, n, done, missing,
		    err));
	return (tq_dead_requeue(s->c, queue, ids, n, done, missing, err));
}

int
source_pause(struct source *s, const char *queue, int pause,
    struct tq_error *err)
{
	if (pause)
		return (tq_pause(s->c, queue, err));
	return (tq_resume(s->c, queue, err));
}
