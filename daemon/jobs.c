/*
 * jobs.c -- what tqd does on each timer.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 *   leader   take or renew the leader lease (every tqd, leader_ttl / 3)
 *   promote  promote queues whose due-time hint has come (leader); it
 *            runs again at the earliest hint left, at once when a
 *            producer announces an earlier one, and [tqd] tick apart at
 *            most
 *   reclaim  fail tasks whose lease expired (leader, reclaim_interval)
 *   scan     refresh the queue list, check the marker and, after an
 *            outage, the server's settings again (every tqd); as
 *            leader also promote every queue (the safety net for lost
 *            hints), fail tasks left in active without a lease, apply
 *            dead-letter retention and auto-requeue, forget dead
 *            workers and warn about stuck queues (scan_interval)
 *   cron     enqueue due periodic tasks (leader)
 *   metrics  write the metrics file (every tqd with metrics_file set)
 *
 * Every library call here does bounded work in Redis; loops that drain a
 * backlog make one bounded call after another, so other clients get in
 * between.  Errors are logged (once per outage) and the job simply runs
 * again at its next tick: every transition is safe to repeat.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tqd.h"

#define JOBS_CRON_MS		250
#define JOBS_WORKER_FORGET_MS	60000	/* drop registry names this stale */
#define JOBS_TRIM_CALLS		100	/* retention calls per queue a scan */
#define JOBS_SWEEP_CALLS	8	/* unleased sweep: calls a queue a scan */
#define JOBS_STATS_CHUNK	128	/* queues per tq_stats pipeline */

static void
jobs_set_timers(struct tqd *d)
{
	const struct tq_config	*cfg = d->cfg;
	struct tqd_timer	 t[] = {
		{ "leader", jobs_leader,
		  tq_config_int(cfg, "tqd", "leader_ttl") / 3, 0, 0, 0 },
		{ "promote", jobs_promote,
		  tq_config_int(cfg, "tqd", "tick"), 0, 1, 0 },
		{ "reclaim", jobs_reclaim,
		  tq_config_int(cfg, "tqd", "reclaim_interval"), 0, 1, 0 },
		{ "scan", jobs_scan,
		  tq_config_int(cfg, "tqd", "scan_interval"), 0, 0, 0 },
		{ "cron", jobs_cron, JOBS_CRON_MS, 0, 1, 0 },
		{ "metrics", jobs_metrics,
		  tq_config_int(cfg, "tqd", "metrics_interval"), 0, 0, 0 },
	};

	free(d->timers);
	d->timers = tq_xmalloc(sizeof t);
	memcpy(d->timers, t, sizeof t);
	d->ntimers = sizeof t / sizeof t[0];
}

/* (Re)build everything that follows from the configuration. */
void
jobs_init(struct tqd *d)
{
	char	host[64], errbuf[512];

	if (d->id[0] == '\0') {
		if (gethostname(host, sizeof host) != 0)
			snprintf(host, sizeof host, "host");
		host[sizeof host - 1] = '\0';
		host[strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQ"
		    "RSTUVWXYZ0123456789_.-")] = '\0';
		snprintf(d->id, sizeof d->id, "tqd-%s-%ld-%lx", host,
		    (long)getpid(), (unsigned long)(tqd_wall() & 0xfffff));
	}
	schedule_free(d->sched, d->nsched);
	if (schedule_load(d->cfg, d->cfg_path, &d->sched, &d->nsched, errbuf,
	    sizeof errbuf) != 0)
		tqd_fatalx("%s", errbuf);	/* validated before: a bug */
	jobs_set_timers(d);
	loop_reset_timers(d);
	d->started_ms = tqd_wall();
}

/* Stand by: no leader work, and no wake-ups for the promote job. */
static void
jobs_stand_by(struct tqd *d)
{
	d->leader = 0;
	d->epoch = 0;
	tq_due_watch_free(d->watch);
	d->watch = NULL;
}

/*
 * The fence of the leader lease: whether this tqd may do leader work
 * now.  Redis expires the lease ttl after it was last renewed, which was
 * after the renewal was sent (renewed_ms), so until leader_until, a
 * margin short of that, no other tqd can hold it.  Past it -- this tqd
 * was frozen (SIGSTOP, a VM paused), or could not renew in time -- it
 * stops at once, says so, and asks Redis again before it does anything
 * as leader.  The scripts cannot check the lease themselves (on a
 * Cluster the leader key lives in another slot than the queues), and
 * every one of them is safe to run twice, so the call already sent when
 * the lease ran out costs nothing but duplicate effort.
 */
int
jobs_leading(struct tqd *d)
{
	int64_t	now;

	if (!d->leader)
		return (0);
	if ((now = tqd_now()) < d->leader_until)
		return (1);
	tqd_log(TQD_LOG_WARN, "leader lease lapsed: last renewed %lld ms ago, "
	    "the lease is %lld ms (frozen, or Redis slow or unreachable); no "
	    "leader work until it is renewed", (long long)(now -
	    d->renewed_ms), tq_config_int(d->cfg, "tqd", "leader_ttl"));
	jobs_stand_by(d);
	loop_wake(d, jobs_leader);
	return (0);
}

void
jobs_leader(struct tqd *d)
{
	struct tq_error	err;
	int64_t		ttl = tq_config_int(d->cfg, "tqd", "leader_ttl");
	int64_t		sent;
	long long	epoch;
	int		leader;

	/* A lease that lapsed is given up before asking again. */
	(void)jobs_leading(d);
	sent = tqd_now();
	if (tqd_redis(d, tq_leader(d->c, d->id, ttl, 0, &leader, &epoch,
	    &err), &err, "leader") != 0)
		return;		/* jobs_leading stops us in time */
	if (leader && !d->leader) {
		tqd_log(TQD_LOG_INFO, "became leader (epoch %lld)", epoch);
		loop_reset_timers(d);
	} else if (!leader && d->leader)
		tqd_log(TQD_LOG_WARN, "lost the leader lease; standing by");
	if (!leader) {
		jobs_stand_by(d);
		return;
	}
	d->leader = 1;
	d->epoch = epoch;
	d->renewed_ms = sent;
	/* Stop a margin before the key can expire in Redis. */
	d->leader_until = sent + ttl - ttl / 4;
}

/* Give up leadership on a clean stop, so another tqd takes over now. */
void
jobs_resign(struct tqd *d)
{
	struct tq_error	err;
	int		leader;

	/*
	 * Not when Redis is known to be out of reach: the call would hold
	 * the stop for tqd's whole command timeout, and the lease runs out
	 * by itself.
	 */
	if (d->leader && !d->redis_down)
		(void)tq_leader(d->c, d->id, 1000, 1, &leader, NULL, &err);
	tq_due_watch_free(d->watch);
	d->watch = NULL;
	free(d->timers);
	d->timers = NULL;
	d->ntimers = 0;
	while (d->nqueues > 0)
		free(d->queues[--d->nqueues].name);
	free(d->queues);
	d->queues = NULL;
}

/*
 * Note the outcome of a call about one queue.  0 when it worked; -1 when
 * Redis is out of reach (stop: every queue would fail alike); 1 when only
 * this queue failed, as when another program left one of its keys with
 * the wrong type: that is logged (libtq's message names the queue or the
 * key; tqd_redis logs the same message again only after a while), and
 * the caller goes on with the next queue, so that one damaged queue
 * cannot stall all the others.
 */
static int
jobs_queue_call(struct tqd *d, int rc, struct tq_error *err,
    const char *doing)
{
	if (tqd_redis(d, rc, err, doing) == 0)
		return (0);
	return (err->code == TQ_ECONN || err->code == TQ_ETIMEOUT ? -1 : 1);
}

/*
 * Promote what is due, then sleep until the earliest hint left; an
 * announcement of an earlier one (loop.c polls the watch) wakes us.  The
 * subscription is checked first, so that it is in place before the read
 * whose answer we sleep on: a hint lowered after that read is announced.
 */
void
jobs_promote(struct tqd *d)
{
	struct tq_error	err;
	long long	moved = 0;
	int64_t		wait;
	int		batch = (int)tq_config_int(d->cfg, "tqd", "batch");

	if (d->watch == NULL)
		d->watch = tq_due_watch_new(d->c);
	if (tq_due_watch_check(d->watch, &err) < 0) {
		/* Link errors are the promote call's to log; others once. */
		if (!d->watch_failed && err.code != TQ_ECONN &&
		    err.code != TQ_ETIMEOUT)
			tqd_log(TQD_LOG_WARN, "no due-time announcements (%s): "
			    "delayed tasks may be promoted up to tick late",
			    err.msg);
		d->watch_failed = 1;
	} else if (d->watch_failed) {
		d->watch_failed = 0;
		tqd_log(TQD_LOG_INFO, "due-time announcements received again");
	}
	/* Each call may wait a second on a hung Redis: not after a stop. */
	if (signal_term)
		return;
	if (tqd_redis(d, tq_promote_due_until(d->c, batch, &moved, &wait,
	    &err), &err, "promote") != 0)
		return;
	if (moved > 0)
		tqd_log(TQD_LOG_DEBUG, "promoted %lld due tasks", moved);
	/* Due now: the time budget cut a backlog. */
	d->again = wait == 0;
	d->sooner_ms = wait;
}

void
jobs_reclaim(struct tqd *d)
{
	struct tq_error	err;
	int		n, rc;
	int		batch = (int)tq_config_int(d->cfg, "tqd", "batch");
	long long	total;
	size_t		i;

	for (i = 0; i < d->nqueues && !signal_term && jobs_leading(d); i++) {
		total = 0;
		do {
			rc = jobs_queue_call(d, tq_reclaim(d->c,
			    d->queues[i].name, batch, &n, NULL, &err), &err,
			    "reclaim");
			if (rc < 0)
				return;
			if (rc > 0)
				break;
			total += n;
		} while (n == batch && !signal_term);
		if (total > 0)
			tqd_log(TQD_LOG_WARN, "queue %s: reclaimed %lld tasks "
			    "whose lease expired (worker died or froze)",
			    d->queues[i].name, total);
	}
}

/* Replace the queue list, keeping what we know of queues still there. */
static void
jobs_queues(struct tqd *d, char **names, size_t n)
{
	struct tqd_queue	*q;
	size_t			 i, j;

	q = tq_xcalloc(n > 0 ? n : 1, sizeof *q);
	for (i = 0; i < n; i++) {
		q[i].name = names[i];
		names[i] = NULL;
		for (j = 0; j < d->nqueues; j++) {
			if (strcmp(d->queues[j].name, q[i].name) == 0) {
				q[i].stuck_since = d->queues[j].stuck_since;
				q[i].stuck = d->queues[j].stuck;
				q[i].stuck_warned = d->queues[j].stuck_warned;
				q[i].sweep = d->queues[j].sweep;
			}
		}
	}
	for (j = 0; j < d->nqueues; j++)
		free(d->queues[j].name);
	free(d->queues);
	d->queues = q;
	d->nqueues = n;
}

/* A Redis that lost its data must not go unnoticed. */
static void
jobs_marker(struct tqd *d)
{
	struct tq_error	err;
	int		created;

	if (tqd_redis(d, tq_marker(d->c, &created, &err), &err,
	    "marker") != 0)
		return;
	if (created && d->marker_checked)
		tqd_log(TQD_LOG_ERROR, "Redis LOST ITS DATA: the marker key "
		    "%s:marker (on a cluster, one of %s:marker:{N}) vanished "
		    "(Redis restarted without persistence, or was flushed); "
		    "tasks enqueued before now are gone",
		    tq_client_namespace(d->c), tq_client_namespace(d->c));
	else if (created)
		tqd_log(TQD_LOG_INFO, "namespace %s is new here",
		    tq_client_namespace(d->c));
	d->marker_checked = 1;
}

/* Retention and auto-requeue of one queue's dead letters. */
static void
jobs_retention(struct tqd *d, const char *queue, int batch)
{
	struct tq_queue_policy	p;
	struct tq_error		err;
	long long		total = 0, offset = 0;
	int			n, calls, skipped;

	tq_config_policy(d->cfg, queue, &p);
	for (calls = 0; calls < JOBS_TRIM_CALLS; calls++) {
		if (jobs_queue_call(d, tq_dead_trim(d->c, queue,
		    p.dead_max, p.dead_max_age_ms, batch, &n, &err), &err,
		    "retention") != 0)
			return;
		total += n;
		if (n < batch)
			break;
	}
	if (total > 0)
		tqd_log(TQD_LOG_INFO, "queue %s: retention removed %lld dead "
		    "tasks", queue, total);
	if (p.dead_requeue_after_ms <= 0)
		return;
	for (total = 0, calls = 0; calls < JOBS_TRIM_CALLS; calls++) {
		if (jobs_queue_call(d, tq_dead_requeue_aged(d->c, queue,
		    p.dead_requeue_after_ms, (int)p.dead_requeue_max, batch,
		    offset, &n, &skipped, &err), &err, "auto-requeue") != 0)
			return;
		total += n;
		offset += skipped;
		if (n + skipped < batch)
			break;
	}
	if (total > 0)
		tqd_log(TQD_LOG_INFO, "queue %s: requeued %lld tasks dead for "
		    "over %lld s", queue, total,
		    (long long)(p.dead_requeue_after_ms / 1000));
}

/* Whether a live worker serves queue. */
static int
jobs_served(const struct tq_worker_info *w, size_t nw, const char *queue)
{
	size_t		 i, len = strlen(queue);
	const char	*p;

	for (i = 0; i < nw; i++) {
		if (w[i].stale)
			continue;
		for (p = w[i].queues; (p = strstr(p, queue)) != NULL; p++) {
			if ((p == w[i].queues || p[-1] == ',') &&
			    (p[len] == ',' || p[len] == '\0'))
				return (1);
		}
	}
	return (0);
}

/*
 * tq_stats of n queues, JOBS_STATS_CHUNK at a time.  One pipeline of
 * every queue would hold all their script calls in hiredis's output
 * buffer at once, some 650 bytes a queue, and so tqd's peak memory would
 * grow with the number of queues by that much more; a few more round
 * trips cost nothing here.
 */
int
jobs_stats(struct tqd *d, const char *const *names, size_t n,
    struct tq_queue_stats *st, struct tq_error *err)
{
	size_t	i, j, k;
	int	rc;

	for (i = 0; i < n; i += k) {
		k = n - i < JOBS_STATS_CHUNK ? n - i : JOBS_STATS_CHUNK;
		if (tq_stats(d->c, names + i, k, st + i, err) == 0)
			continue;
		if (err->code == TQ_ECONN || err->code == TQ_ETIMEOUT)
			return (-1);
		/*
		 * One damaged queue fails the pipeline: ask queue by queue
		 * and leave the bad ones out (an empty name), logged.
		 */
		for (j = i; j < i + k; j++) {
			tq_error_clear(err);
			rc = jobs_queue_call(d, tq_stats(d->c, names + j, 1,
			    st + j, err), err, "stats");
			if (rc < 0)
				return (-1);
			if (rc > 0)
				st[j].name[0] = '\0';
		}
		tq_error_clear(err);
	}
	return (0);
}

/*
 * What one queue's figures (st, and the workers w) say of it being
 * stuck: ready tasks, not paused, and no live worker, for stuck_after.
 * The leader logs it once, and again when the queue moves; a standby
 * only notes it, for its metrics file (metrics.c).
 */
void
jobs_stuck_note(struct tqd *d, struct tqd_queue *q,
    const struct tq_queue_stats *st, const struct tq_worker_info *w,
    size_t nw, int64_t now)
{
	int64_t	after = tq_config_int(d->cfg, "tqd", "stuck_after");

	if (st->ready == 0 || st->paused || jobs_served(w, nw, q->name)) {
		if (q->stuck_warned)
			tqd_log(TQD_LOG_INFO, "queue %s is moving again",
			    q->name);
		q->stuck_since = 0;
		q->stuck = 0;
		q->stuck_warned = 0;
		return;
	}
	if (q->stuck_since == 0)
		q->stuck_since = now;
	q->stuck = now - q->stuck_since >= after;
	if (q->stuck && !q->stuck_warned && d->leader) {
		tqd_log(TQD_LOG_WARN, "queue %s is stuck: %lld ready tasks and "
		    "no live worker for %lld s", q->name, st->ready,
		    (long long)((now - q->stuck_since) / 1000));
		q->stuck_warned = 1;
	}
}

/*
 * Warn once when a queue has ready tasks but nobody to run them.  The
 * queues go a chunk at a time, so the stats held never grow with their
 * number.
 */
static void
jobs_stuck(struct tqd *d)
{
	struct tq_queue_stats	*st;
	struct tq_worker_info	*w;
	struct tq_error		 err;
	const char		*names[JOBS_STATS_CHUNK];
	size_t			 i, j, k, nw;
	int64_t			 now = tqd_now();

	if (d->nqueues == 0)
		return;
	if (tqd_redis(d, tq_workers(d->c, &w, &nw, &err), &err,
	    "workers") != 0)
		return;
	st = tq_xcalloc(JOBS_STATS_CHUNK, sizeof *st);
	for (i = 0, k = 0; i < d->nqueues && !signal_term; i++, k++) {
		if (k == JOBS_STATS_CHUNK)
			k = 0;
		if (k == 0) {
			for (j = 0; j < JOBS_STATS_CHUNK &&
			    i + j < d->nqueues; j++)
				names[j] = d->queues[i + j].name;
			if (tqd_redis(d, jobs_stats(d, names, j, st, &err),
			    &err, "stats") != 0)
				break;
		}
		if (st[k].name[0] == '\0')
			continue;	/* its stats failed, and were logged */
		jobs_stuck_note(d, &d->queues[i], &st[k], w, nw, now);
	}
	free(w);
	free(st);
}

/*
 * Fail the tasks of a queue that sit in active without a lease record,
 * a bounded sweep per scan that goes on where the last one stopped.  -1
 * when Redis is out of reach.
 */
static int
jobs_sweep(struct tqd *d, struct tqd_queue *q, int batch)
{
	struct tq_error	err;
	long long	total = 0;
	int		n, calls, rc;

	for (calls = 0; calls < JOBS_SWEEP_CALLS; calls++) {
		rc = jobs_queue_call(d, tq_reclaim_unleased(d->c, q->name,
		    batch, &q->sweep, &n, &err), &err, "reclaim");
		if (rc != 0)
			return (rc < 0 ? -1 : 0);
		total += n;
		if (q->sweep == 0)
			break;
	}
	if (total > 0)
		tqd_log(TQD_LOG_WARN, "queue %s: recovered %lld tasks that "
		    "were active without a lease (\"lease lost\")", q->name,
		    total);
	return (0);
}

void
jobs_scan(struct tqd *d)
{
	struct tq_error	err;
	char		**names;
	size_t		  n, i;
	long long	  moved;
	int		  batch = (int)tq_config_int(d->cfg, "tqd", "batch");
	int		  removed, rc;

	if (tqd_redis(d, tq_queues(d->c, &names, &n, &err), &err,
	    "queues") != 0)
		return;
	jobs_queues(d, names, n);
	tq_strv_free(names, n);
	if (!d->server_checked && !signal_term)
		tqd_check_server(d);
	if (!signal_term)
		jobs_marker(d);
	if (signal_term || !jobs_leading(d))
		return;
	for (i = 0; i < d->nqueues && !signal_term && jobs_leading(d); i++) {
		rc = jobs_queue_call(d, tq_promote_queue(d->c,
		    d->queues[i].name, batch, &moved, &err), &err, "promote");
		if (rc < 0 || jobs_sweep(d, &d->queues[i], batch) != 0)
			return;
		jobs_retention(d, d->queues[i].name, batch);
	}
	if (signal_term || !jobs_leading(d))
		return;
	if (tqd_redis(d, tq_workers_prune(d->c, JOBS_WORKER_FORGET_MS,
	    &removed, &err), &err, "workers") == 0 && removed > 0)
		tqd_log(TQD_LOG_INFO, "forgot %d dead workers", removed);
	jobs_stuck(d);
}

/*
 * Enqueue one occurrence; its id makes a second attempt a no-op.  -1 when
 * Redis could not be reached (try again next tick).
 */
static int
jobs_fire(struct tqd *d, struct tqd_schedule *s, int64_t occ)
{
	struct tq_enqueue_opts	o;
	struct tq_error		err;
	char			id[TQ_NAME_MAX + 1];

	snprintf(id, sizeof id, "cron:%s:%lld", s->name, (long long)occ);
	tq_enqueue_opts_init(&o);
	o.queue = s->queue;
	o.id = id;
	o.unique_key = id;
	o.unique_ms = s->misfire_ms + 3600 * 1000;
	o.priority = s->priority;
	o.max_retries = s->max_retries;
	o.timeout_s = s->timeout_s;
	if (tq_enqueue(d->c, s->type, s->payload, &o, NULL, &err) == 0)
		tqd_log(TQD_LOG_INFO, "schedule %s: enqueued %s", s->name, id);
	else if (err.code == TQ_EEXIST)
		tqd_log(TQD_LOG_DEBUG, "schedule %s: %s was enqueued already",
		    s->name, id);
	else if (tqd_redis(d, -1, &err, "schedule") != 0 &&
	    (err.code == TQ_ECONN || err.code == TQ_ETIMEOUT))
		return (-1);
	s->last_ms = occ;
	return (0);
}

void
jobs_cron(struct tqd *d)
{
	struct tqd_schedule	*s;
	int64_t			 now = tqd_wall(), occ;
	size_t			 i;

	for (i = 0; i < d->nsched && !signal_term; i++) {
		s = &d->sched[i];
		if (s->next_ms != 0 && now < s->next_ms)
			continue;
		if (schedule_due(s, s->last_ms, now, &occ) &&
		    jobs_fire(d, s, occ) != 0)
			continue;
		s->next_ms = cron_next(&s->cron, now, s->tz);
		if (s->next_ms < 0)
			s->next_ms = now + 3600 * 1000;
	}
}

void
jobs_metrics(struct tqd *d)
{
	const char	*path = tq_config_str(d->cfg, "tqd", "metrics_file");

	if (*path == '\0')
		return;
	if (metrics_write(d, path) != 0)
		tqd_log(TQD_LOG_DEBUG, "metrics not written this time");
}
