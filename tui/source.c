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
 * dead view's filter is a scan of its own (JOB_FIND), a bounded slice of
 * the dead set per call and a time budget per step.  Rates come from the
 * difference of the counters between two fetches on Redis's clock.  A
 * connection error leaves the old figures in place and marks the
 * snapshot disconnected; the client reconnects, with backoff, on a later
 * call.
 *
 * In the dashboard every call runs on a fetch thread started here (a
 * hiredis context belongs to one thread, and this one has the only
 * client).  The loop asks (source_ask, source_submit) and collects
 * (source_take, source_result) under s->lock; the thread writes a byte
 * to a pipe the loop polls whenever it has news.  The thread keeps a
 * snapshot of its own, for the rates and the sparklines, and publishes a
 * copy of it after each fetch.  Requeue and purge run a slice of
 * SOURCE_SLICE tasks a call (each call is bounded work for Redis), with
 * fetches between slices so the figures stay live, and stop between two
 * slices when cancelled.  Batch mode calls source_fetch on its own thread
 * and never starts the fetch thread.
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tqtop.h"

#define SOURCE_STATS_CHUNK	128	/* queues per tq_stats pipeline */
#define SOURCE_FIND_SCAN	TQ_DEAD_SCAN_MAX /* dead letters a call */
#define SOURCE_FIND_MS		30	/* a search step, at most */
#define SOURCE_SLICE		500	/* tasks a requeue or purge call */
#define SOURCE_NEWS_MS		100	/* progress news at most this often */
#define SOURCE_STOP_MS		300	/* source_free waits that long */

enum slot_state {
	SLOT_IDLE = 0,
	SLOT_QUEUED,
	SLOT_RUNNING,
	SLOT_DONE,
};

/* One job and where it is; s->lock guards both. */
struct slot {
	struct job		 job;
	enum slot_state		 state;
	size_t			 at;		/* ids done so far */
	int64_t			 started;	/* monotonic ms */
};

struct source {
	struct tq_client	*c;
	/* Below: only with the thread, all under lock. */
	pthread_t		 thread;
	int			 started;
	pthread_mutex_t		 lock;
	pthread_cond_t		 cond;		/* the thread waits on it */
	pthread_cond_t		 gone;		/* source_free waits on it */
	int			 news[2];	/* thread -> loop */
	int			 stop;
	int			 exited;
	/* The next fetch to do. */
	int			 want;
	char			**spark;
	size_t			 nspark;
	char			 dead_queue[TQ_NAME_MAX + 1]; /* "": none */
	long long		 dead_offset;
	int			 dead_limit;
	/* The newest fetch, for source_take. */
	struct snapshot		*out;
	/* Actions, inspect, the search. */
	struct slot		 act;
	struct slot		 look;
	struct slot		 find;
	int			 cancel;
	/* For the header. */
	int64_t			 busy_since;	/* 0: idle */
	int64_t			 answered;	/* the last answer */
	int			 stalled;
	int64_t			 last_news;
	/* The thread's own: the previous figures. */
	struct snapshot		 work;
};

int64_t
source_now_us(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
}

int64_t
source_now_ms(void)
{
	return (source_now_us() / 1000);
}

struct source *
source_new(const struct tq_config *cfg, struct tq_error *err)
{
	struct source	*s;

	s = tq_xcalloc(1, sizeof *s);
	if ((s->c = tq_client_new_lazy(cfg, err)) == NULL) {
		free(s);
		return (NULL);
	}
	s->news[0] = s->news[1] = -1;
	return (s);
}

static void
source_spark_free(struct source *s)
{
	tq_strv_free(s->spark, s->nspark);
	s->spark = NULL;
	s->nspark = 0;
}

void
source_job_clear(struct job *j)
{
	size_t	 i;

	for (i = 0; i < j->nids; i++)
		free(j->ids[i]);
	free(j->ids);
	tq_task_info_free(j->ti);
	tq_task_info_array_free(j->rows, j->nrows);
	memset(j, 0, sizeof *j);
}

void
source_free(struct source *s)
{
	struct timespec	 ts;
	int		 gone = 1;

	if (s == NULL)
		return;
	if (s->started) {
		/*
		 * A call to a Redis that hangs returns at its timeout, not
		 * before, and nobody should wait for that to quit: after a
		 * moment the thread is left behind (exit ends it) with what
		 * it holds.
		 */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)SOURCE_STOP_MS * 1000000L;
		ts.tv_sec += ts.tv_nsec / 1000000000L;
		ts.tv_nsec %= 1000000000L;
		pthread_mutex_lock(&s->lock);
		s->stop = s->cancel = 1;
		pthread_cond_signal(&s->cond);
		while (!s->exited) {
			if (pthread_cond_timedwait(&s->gone, &s->lock,
			    &ts) == ETIMEDOUT)
				break;
		}
		gone = s->exited;
		pthread_mutex_unlock(&s->lock);
		if (!gone) {
			pthread_detach(s->thread);
			return;
		}
		pthread_join(s->thread, NULL);
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->cond);
		pthread_cond_destroy(&s->gone);
		close(s->news[0]);
		close(s->news[1]);
	}
	source_spark_free(s);
	if (s->out != NULL) {
		snapshot_done(s->out);
		free(s->out);
	}
	source_job_clear(&s->act.job);
	source_job_clear(&s->look.job);
	source_job_clear(&s->find.job);
	snapshot_done(&s->work);
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
	free(snap->seen_id);
	snapshot_dead_free(snap);
	memset(snap, 0, sizeof *snap);
}

/* Record a failure; connection trouble means "disconnected". */
static void
source_failed(struct snapshot *snap, const struct tq_error *err)
{
	if (err->code == TQ_ECONN || err->code == TQ_ETIMEOUT)
		snap->connected = 0;
	snap->failure = err->code;
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

/* One page of dead letters into snap. */
static void
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

/* The leader, and when a tqd last renewed its lease. */
static int
source_leader(struct source *s, struct snapshot *snap, struct tq_error *err)
{
	struct tq_leader_seen	 ls;

	if (tq_leader_seen(s->c, &ls, err) != 0)
		return (-1);
	free(snap->leader);
	free(snap->seen_id);
	snap->leader = ls.id;
	snap->epoch = ls.epoch;
	snap->leader_ttl = ls.ttl_ms;
	snap->seen_id = ls.seen_id;
	snap->seen_age = ls.seen_ms > 0 && ls.now_ms >= ls.seen_ms ?
	    ls.now_ms - ls.seen_ms : 0;
	snap->lease_ms = ls.lease_ms;
	return (0);
}

void
source_fetch(struct source *s, struct snapshot *snap,
    const struct fetch_req *req)
{
	struct tq_error		 err;
	struct snap_queue	*qs;
	struct tq_queue_stats	*st;
	struct tq_worker_info	*w;
	char			**names, bad[sizeof snap->error];
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
	snap->failure = TQ_OK;
	snprintf(snap->error, sizeof snap->error, "%s", bad);

	/* The rest is best effort: a failure keeps the previous value. */
	if (tq_server_info(s->c, &snap->server, &err) != 0)
		goto fail;
	if (source_leader(s, snap, &err) != 0)
		goto fail;
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
source_find_reset(struct dead_find *f, const char *queue, const char *text)
{
	tq_task_info_array_free(f->rows, f->n);
	memset(f, 0, sizeof *f);
	snprintf(f->queue, sizeof f->queue, "%s", queue);
	snprintf(f->text, sizeof f->text, "%s", text);
}

/* ------------------------------------------------------------------ */
/* The fetch thread.                                                   */
/* ------------------------------------------------------------------ */

/* Tell the loop there is news (the lock is held). */
static void
source_notify(struct source *s)
{
	ssize_t	 n;

	s->last_news = source_now_ms();
	/* A full pipe already says it. */
	do
		n = write(s->news[1], "", 1);
	while (n == -1 && errno == EINTR);
}

/* A call is about to start (lock held). */
static void
source_enter(struct source *s)
{
	s->busy_since = source_now_ms();
}

/* A call ended, with how it failed, if it did (lock held). */
static void
source_leave(struct source *s, enum tq_errcode code)
{
	s->busy_since = 0;
	if (code != TQ_ECONN && code != TQ_ETIMEOUT) {
		s->answered = source_now_ms();
		s->stalled = 0;
	} else if (code == TQ_ETIMEOUT)
		s->stalled = 1;
}

/* A copy of the thread's snapshot for the loop; the dead page moves. */
static struct snapshot *
source_copy(struct snapshot *w)
{
	struct snapshot	*p;
	size_t		 i;

	p = tq_xcalloc(1, sizeof *p);
	*p = *w;
	p->queues = tq_xcalloc(w->nqueues + 1, sizeof *p->queues);
	if (w->nqueues > 0)
		memcpy(p->queues, w->queues, w->nqueues * sizeof *p->queues);
	for (i = 0; i < w->nqueues; i++) {
		if (w->queues[i].spark == NULL)
			continue;
		p->queues[i].spark = tq_xcalloc(SPARK_SECONDS,
		    sizeof *p->queues[i].spark);
		memcpy(p->queues[i].spark, w->queues[i].spark,
		    SPARK_SECONDS * sizeof *p->queues[i].spark);
	}
	p->workers = tq_xcalloc(w->nworkers + 1, sizeof *p->workers);
	if (w->nworkers > 0)
		memcpy(p->workers, w->workers,
		    w->nworkers * sizeof *p->workers);
	p->leader = w->leader != NULL ? tq_xstrdup(w->leader) : NULL;
	p->seen_id = w->seen_id != NULL ? tq_xstrdup(w->seen_id) : NULL;
	/* The thread never looks at a page again: hand it over. */
	w->dead = NULL;
	w->ndead = 0;
	w->dead_valid = 0;
	return (p);
}

/* Do the fetch asked for (lock held; dropped during the calls). */
static void
source_run_fetch(struct source *s)
{
	struct fetch_req	 req;
	struct snapshot		*p;
	char			**spark, dq[TQ_NAME_MAX + 1];
	size_t			 nspark;
	int64_t			 start;

	/* Take the request: source_ask may replace it meanwhile. */
	spark = s->spark;
	nspark = s->nspark;
	s->spark = NULL;
	s->nspark = 0;
	memset(&req, 0, sizeof req);
	req.spark_queues = (const char *const *)spark;
	req.nspark = nspark;
	snprintf(dq, sizeof dq, "%s", s->dead_queue);
	if (dq[0] != '\0') {
		req.dead_queue = dq;
		req.dead_offset = s->dead_offset;
		req.dead_limit = s->dead_limit;
	}
	s->want = 0;
	source_enter(s);
	pthread_mutex_unlock(&s->lock);

	start = source_now_us();
	source_fetch(s, &s->work, &req);
	tq_strv_free(spark, nspark);
	p = source_copy(&s->work);
	p->fetch_us = source_now_us() - start;

	pthread_mutex_lock(&s->lock);
	source_leave(s, s->work.connected ? TQ_OK : s->work.failure);
	if (s->out != NULL) {
		/* Not taken yet: keep its page if this one has none. */
		if (!p->dead_valid && s->out->dead_valid) {
			p->dead = s->out->dead;
			p->ndead = s->out->ndead;
			p->dead_offset = s->out->dead_offset;
			p->dead_valid = 1;
			memcpy(p->dead_queue, s->out->dead_queue,
			    sizeof p->dead_queue);
			s->out->dead = NULL;
			s->out->ndead = 0;
		}
		snapshot_done(s->out);
		free(s->out);
	}
	s->out = p;
	source_notify(s);
}

/* Keep a match: what the list shows; the payload waits for Enter. */
static void
source_find_keep(struct job *j, struct tq_task_info *ti)
{
	free(ti->payload);
	free(ti->body);
	free(ti->result);
	ti->payload = ti->body = ti->result = NULL;
	j->rows = tq_xreallocarray(j->rows, j->nrows + 1, sizeof *j->rows);
	j->rows[j->nrows++] = ti;
}

/* A step of the search: dead-set slices for SOURCE_FIND_MS at most. */
static int
source_do_find(struct source *s, struct job *j)
{
	struct tq_dead_found	 found;
	int64_t			 end = source_now_ms() + SOURCE_FIND_MS;
	size_t			 i;
	int			 more;

	j->more = 1;
	while (j->more && (long long)j->nrows < j->room) {
		more = tq_dead_find(s->c, j->queue, j->text, j->cursor,
		    SOURCE_FIND_SCAN, &found, &j->err);
		if (more < 0)
			return (-1);
		j->scanned += found.scanned;
		j->total = found.total;
		for (i = 0; i < found.n; i++) {
			if ((long long)j->nrows < j->room)
				source_find_keep(j, found.rows[i]);
			else
				tq_task_info_free(found.rows[i]);
		}
		free(found.rows);
		j->more = more;
		if (source_now_ms() >= end)
			break;
	}
	return (0);
}

/*
 * One slice of an action.  With ids, the next SOURCE_SLICE of them;
 * without, SOURCE_SLICE of the oldest dead tasks -- those dead before the
 * action started (an age bound that grows with the time it has run), so
 * that tasks which die again meanwhile, requeued ones included, do not
 * keep it going for ever.  What it did goes to *d and *m, which the
 * caller adds to the job under the lock (source_state reads them).
 * Returns 1 when finished, 0 when not, -1 on error.
 */
static int
source_do_slice(struct source *s, struct slot *sl, struct job *j,
    long long *d, long long *m)
{
	const char *const	*ids;
	int64_t			 age;
	size_t			 n;
	int			 moved, skipped, rc;

	switch (j->kind) {
	case JOB_PAUSE:
		return (tq_pause(s->c, j->queue, &j->err) == 0 ? 1 : -1);
	case JOB_RESUME:
		return (tq_resume(s->c, j->queue, &j->err) == 0 ? 1 : -1);
	case JOB_REQUEUE:
	case JOB_PURGE:
		break;
	default:
		return (1);
	}
	if (j->ids != NULL) {
		n = j->nids - sl->at < SOURCE_SLICE ? j->nids - sl->at :
		    SOURCE_SLICE;
		ids = (const char *const *)j->ids + sl->at;
		rc = j->kind == JOB_PURGE ?
		    tq_dead_purge(s->c, j->queue, ids, n, d, m, &j->err) :
		    tq_dead_requeue(s->c, j->queue, ids, n, d, m, &j->err);
		if (rc != 0)
			return (-1);
		sl->at += n;
		return (sl->at >= j->nids);
	}
	age = source_now_ms() - sl->started + 1;
	if (j->kind == JOB_PURGE)
		rc = tq_dead_trim(s->c, j->queue, 0, age, SOURCE_SLICE, &moved,
		    &j->err);
	else
		rc = tq_dead_requeue_aged(s->c, j->queue, age, 0, SOURCE_SLICE,
		    0, &moved, &skipped, &j->err);
	if (rc != 0)
		return (-1);
	*d = moved;
	return (moved == 0);
}

/* Run a queued job (inspect, a search step) or a slice of the action. */
static void
source_run_job(struct source *s, struct slot *sl)
{
	struct job	*j = &sl->job;
	long long	 d = 0, m = 0;
	int		 rc, finished;

	if (sl->state == SLOT_QUEUED) {
		sl->state = SLOT_RUNNING;
		sl->started = source_now_ms();
		sl->at = 0;
	}
	if (sl == &s->act && s->cancel) {
		j->cancelled = 1;
		sl->state = SLOT_DONE;
		source_notify(s);
		return;
	}
	source_enter(s);
	pthread_mutex_unlock(&s->lock);
	tq_error_clear(&j->err);
	switch (j->kind) {
	case JOB_INSPECT:
		rc = tq_inspect(s->c, j->queue, j->ids[0], &j->ti, &j->err);
		finished = 1;
		break;
	case JOB_FIND:
		rc = source_do_find(s, j);
		finished = 1;
		break;
	default:
		rc = source_do_slice(s, sl, j, &d, &m);
		finished = rc != 0;
		break;
	}
	pthread_mutex_lock(&s->lock);
	j->done += d;
	j->missing += m;
	source_leave(s, rc < 0 ? j->err.code : TQ_OK);
	if (rc < 0)
		j->failed = 1;
	if (finished) {
		sl->state = SLOT_DONE;
		source_notify(s);
	} else if (source_now_ms() - s->last_news >= SOURCE_NEWS_MS)
		source_notify(s);
}

static void *
source_main(void *arg)
{
	struct source	*s = arg;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		/* Quick and asked for by a key first; the search last. */
		if (s->look.state == SLOT_QUEUED)
			source_run_job(s, &s->look);
		else if (s->want)
			source_run_fetch(s);
		else if (s->act.state == SLOT_QUEUED ||
		    s->act.state == SLOT_RUNNING)
			source_run_job(s, &s->act);
		else if (s->find.state == SLOT_QUEUED)
			source_run_job(s, &s->find);
		else
			pthread_cond_wait(&s->cond, &s->lock);
	}
	s->exited = 1;
	pthread_cond_broadcast(&s->gone);
	pthread_mutex_unlock(&s->lock);
	return (NULL);
}

/* A system error into err (tq_error_sys is libtq's own). */
static void
source_error(struct tq_error *err, int errnum, const char *what)
{
	err->code = TQ_EIO;
	snprintf(err->msg, sizeof err->msg, "%s: %s", what, strerror(errnum));
}

int
source_start(struct source *s, struct tq_error *err)
{
	sigset_t	 all, old;
	int		 i, rc;

	if (pipe(s->news) == -1) {
		source_error(err, errno, "pipe");
		return (-1);
	}
	for (i = 0; i < 2; i++) {
		fcntl(s->news[i], F_SETFL,
		    fcntl(s->news[i], F_GETFL) | O_NONBLOCK);
		fcntl(s->news[i], F_SETFD, FD_CLOEXEC);
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->cond, NULL);
	pthread_cond_init(&s->gone, NULL);
	s->answered = source_now_ms();
	/*
	 * Signals are the loop's: the thread blocks them (it inherits the
	 * mask), so INT or WINCH always interrupt the loop's poll.  Not the
	 * faults: a blocked SEGV would kill us without crt.c's handler
	 * giving the terminal back.
	 */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, source_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		source_error(err, rc, "pthread_create");
		close(s->news[0]);
		close(s->news[1]);
		pthread_mutex_destroy(&s->lock);
		pthread_cond_destroy(&s->cond);
		pthread_cond_destroy(&s->gone);
		return (-1);
	}
	s->started = 1;
	return (0);
}

const char *
source_address(const struct source *s)
{
	return (tq_client_address(s->c));
}

int
source_fd(const struct source *s)
{
	return (s->news[0]);
}

void
source_ask(struct source *s, const struct fetch_req *req)
{
	size_t	 i;

	pthread_mutex_lock(&s->lock);
	source_spark_free(s);
	s->spark = tq_xcalloc(req->nspark + 1, sizeof *s->spark);
	for (i = 0; i < req->nspark; i++)
		s->spark[i] = tq_xstrdup(req->spark_queues[i]);
	s->nspark = req->nspark;
	snprintf(s->dead_queue, sizeof s->dead_queue, "%s",
	    req->dead_queue != NULL ? req->dead_queue : "");
	s->dead_offset = req->dead_offset;
	s->dead_limit = req->dead_limit;
	s->want = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

int
source_take(struct source *s, struct snapshot *snap)
{
	struct snapshot	*p;
	char		 buf[64];

	while (read(s->news[0], buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&s->lock);
	p = s->out;
	s->out = NULL;
	pthread_mutex_unlock(&s->lock);
	if (p == NULL)
		return (0);
	if (!p->dead_valid && snap->dead_valid) {
		p->dead = snap->dead;
		p->ndead = snap->ndead;
		p->dead_offset = snap->dead_offset;
		p->dead_valid = 1;
		memcpy(p->dead_queue, snap->dead_queue, sizeof p->dead_queue);
		snap->dead = NULL;
		snap->ndead = 0;
	}
	snapshot_done(snap);
	*snap = *p;
	free(p);
	return (1);
}

/* The slot a job goes to. */
static struct slot *
source_slot(struct source *s, enum job_kind kind)
{
	switch (kind) {
	case JOB_INSPECT:
		return (&s->look);
	case JOB_FIND:
		return (&s->find);
	default:
		return (&s->act);
	}
}

int
source_submit(struct source *s, struct job *j)
{
	struct slot	*sl = source_slot(s, j->kind);

	pthread_mutex_lock(&s->lock);
	if (sl->state != SLOT_IDLE) {
		pthread_mutex_unlock(&s->lock);
		return (-1);
	}
	sl->job = *j;
	sl->state = SLOT_QUEUED;
	if (sl == &s->act)
		s->cancel = 0;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
	memset(j, 0, sizeof *j);
	return (0);
}

int
source_result(struct source *s, struct job *out)
{
	struct slot	*slots[] = { &s->act, &s->look, &s->find };
	size_t		 i;
	int		 found = 0;

	pthread_mutex_lock(&s->lock);
	for (i = 0; i < sizeof slots / sizeof slots[0]; i++) {
		if (slots[i]->state != SLOT_DONE)
			continue;
		*out = slots[i]->job;
		memset(&slots[i]->job, 0, sizeof slots[i]->job);
		slots[i]->state = SLOT_IDLE;
		found = 1;
		break;
	}
	pthread_mutex_unlock(&s->lock);
	return (found);
}

void
source_cancel(struct source *s)
{
	pthread_mutex_lock(&s->lock);
	if (s->act.state == SLOT_QUEUED || s->act.state == SLOT_RUNNING)
		s->cancel = 1;
	pthread_cond_signal(&s->cond);
	pthread_mutex_unlock(&s->lock);
}

void
source_state(struct source *s, struct source_state *st)
{
	const struct job	*j = &s->act.job;
	int64_t			 now = source_now_ms();

	memset(st, 0, sizeof *st);
	pthread_mutex_lock(&s->lock);
	st->waiting = s->busy_since != 0 ? now - s->busy_since : 0;
	st->silent = now - s->answered;
	st->stalled = s->stalled;
	st->acting = s->act.state == SLOT_QUEUED ||
	    s->act.state == SLOT_RUNNING;
	if (st->acting) {
		st->kind = j->kind;
		memcpy(st->queue, j->queue, sizeof st->queue);
		st->done = j->done;
		st->missing = j->missing;
		st->expect = j->expect;
		st->cancelling = s->cancel;
	}
	pthread_mutex_unlock(&s->lock);
}
