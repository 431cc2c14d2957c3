/*
 * source.c -- everything tqtop asks Redis, through libtq.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * This is the only file that holds the tq_client.  A fetch costs a
 * bounded number of round trips that depends on the queues and rows on
 * screen, never on the number of tasks: the queue list, tq_stats for all
 * queues in pipelines of SOURCE_STATS_CHUNK, the server and leader, the
 * worker registry, tq_history for the queues on screen only, and one page
 * of dead letters (offset and limit) when the dead view is open.  The
 * dead view's filter is a scan of its own (source_find_step), a bounded
 * slice of the dead set per call and a time budget per step.  Rates
 * come from the difference of the counters between two fetches on
 * Redis's clock.  A connection error leaves the old figures in place and
 * marks the snapshot disconnected; the client reconnects, with backoff,
 * on a later call.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tqtop.h"

#define SOURCE_STATS_CHUNK	128	/* queues per tq_stats pipeline */
#define SOURCE_FIND_SCAN	TQ_DEAD_SCAN_MAX /* dead letters a call */

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

/* Free a queue array and the sparklines it owns. */
static void
snapshot_queues_free(struct snap_queue *qs, size_t n)
{
	size_t	i;

	if (qs == NULL)
		return;
	for (i = 0; i < n; i++)
		free(qs[i].spark);
	free(qs);
}

void
snapshot_done(struct snapshot *snap)
{
	snapshot_queues_free(snap->queues, snap->nqueues);
	free(snap->workers);
	free(snap->leader);
	snapshot_dead_free(snap);
	source_find_reset(snap, "", "");
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
	if (q->spark == NULL)
		q->spark = tq_xcalloc(SPARK_SECONDS, sizeof *q->spark);
	else
		memset(q->spark, 0, SPARK_SECONDS * sizeof *q->spark);
	for (i = 0; i < n; i++) {
		age = now_s - pts[i].second;
		if (age >= 0 && age < SPARK_SECONDS)
			q->spark[age] = pts[i].processed;
	}
}

/*
 * Carry rates and sparklines over from the previous snapshot, which
 * gives its sparkline up (the old array is freed next).  Both lists are
 * sorted by name, so the search starts where the last one ended (*at)
 * and a refresh costs O(queues), not O(queues^2); it wraps around, so
 * any order is still found.
 */
static void
source_rates(struct snap_queue *q, struct snapshot *old, size_t *at)
{
	struct snap_queue	*p;
	size_t			 i, k;
	double			 dt;

	for (k = 0; k < old->nqueues; k++) {
		i = (*at + k) % old->nqueues;
		p = &old->queues[i];
		if (strcmp(p->st.name, q->st.name) != 0)
			continue;
		*at = i + 1;
		q->spark = p->spark;
		p->spark = NULL;
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
	char			**names, *leader, bad[sizeof snap->error];
	size_t			 n, nw, i, j, k, at = 0, good;

	tq_error_clear(&err);
	snprintf(snap->address, sizeof snap->address, "%s",
	    tq_client_address(s->c));
	if (tq_queues(s->c, &names, &n, &err) != 0) {
		source_failed(snap, &err);
		return;
	}
	/*
	 * A pipeline per SOURCE_STATS_CHUNK queues, not one of them all:
	 * hiredis would hold every script call (some 650 bytes a queue) in
	 * its output buffer at once, and a copy of every record beside the
	 * snapshot's.
	 */
	qs = tq_xcalloc(n == 0 ? 1 : n, sizeof *qs);
	st = tq_xcalloc(SOURCE_STATS_CHUNK, sizeof *st);
	bad[0] = '\0';
	for (i = 0, good = 0; i < n; i += k) {
		k = n - i < SOURCE_STATS_CHUNK ? n - i : SOURCE_STATS_CHUNK;
		if (tq_stats(s->c, (const char *const *)names + i, k, st,
		    &err) == 0) {
			for (j = 0; j < k; j++)
				qs[good++].st = st[j];
			continue;
		}
		if (err.code == TQ_ECONN || err.code == TQ_ETIMEOUT) {
			tq_strv_free(names, n);
			free(st);
			free(qs);
			source_failed(snap, &err);
			return;
		}
		/*
		 * A queue whose keys another program damaged (WRONGTYPE)
		 * fails the whole pipeline: ask queue by queue, so that
		 * the others are still shown, and say what is wrong with
		 * the first bad one.
		 */
		for (j = 0; j < k; j++) {
			if (tq_stats(s->c, (const char *const *)names + i + j,
			    1, st, &err) == 0)
				qs[good++].st = st[0];
			else if (bad[0] == '\0')
				snprintf(bad, sizeof bad, "%s", err.msg);
		}
	}
	free(st);
	tq_strv_free(names, n);
	n = good;
	/* Only now: a failed fetch keeps the old snapshot whole. */
	for (i = 0; i < n; i++)
		source_rates(&qs[i], snap, &at);
	snapshot_queues_free(snap->queues, snap->nqueues);
	snap->queues = qs;
	snap->nqueues = n;
	if (n > 0)
		snap->at_ms = qs[0].st.now_ms;
	/*
	 * Redis answered: connected, whatever fails below.  A key that
	 * another program wrote with the wrong type (NS:workers, the
	 * leader's) fails its part only, and says so in snap->error.
	 */
	snap->connected = 1;
	snap->ever = 1;
	snprintf(snap->error, sizeof snap->error, "%s", bad);

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

void
source_find_reset(struct snapshot *snap, const char *queue, const char *text)
{
	struct dead_find	*f = &snap->find;

	tq_task_info_array_free(f->rows, f->n);
	memset(f, 0, sizeof *f);
	snprintf(f->queue, sizeof f->queue, "%s", queue);
	snprintf(f->text, sizeof f->text, "%s", text);
}

static int64_t
source_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Keep a match: what the list shows; the payload waits for Enter. */
static void
source_find_keep(struct dead_find *f, struct tq_task_info *ti)
{
	free(ti->payload);
	free(ti->body);
	free(ti->result);
	ti->payload = ti->body = ti->result = NULL;
	f->rows = tq_xreallocarray(f->rows, f->n + 1, sizeof *f->rows);
	f->rows[f->n++] = ti;
}

int
source_find_step(struct source *s, struct snapshot *snap, int64_t budget_ms)
{
	struct dead_find	*f = &snap->find;
	struct tq_dead_found	 found;
	struct tq_error		 err;
	int64_t			 end = source_now_ms() + budget_ms;
	size_t			 i, before = f->n;
	int			 more;

	if (f->queue[0] == '\0' || f->text[0] == '\0')
		return (0);
	while (!f->done && !f->capped) {
		more = tq_dead_find(s->c, f->queue, f->text, f->cursor,
		    SOURCE_FIND_SCAN, &found, &err);
		if (more < 0) {
			source_failed(snap, &err);
			break;
		}
		f->scanned += found.scanned;
		f->total = found.total;
		for (i = 0; i < found.n; i++) {
			if (f->n < FIND_MAX)
				source_find_keep(f, found.rows[i]);
			else {
				f->capped = 1;
				tq_task_info_free(found.rows[i]);
			}
		}
		free(found.rows);
		f->done = !more;
		if (source_now_ms() >= end)
			break;
	}
	return (f->n != before);
}

struct tq_task_info *
source_inspect(struct source *s, const char *queue, const char *id,
    struct tq_error *err)
{
	struct tq_task_info	*ti;

	if (tq_inspect(s->c, queue, id, &ti, err) != 0)
		return (NULL);
	return (ti);
}
