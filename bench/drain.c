/*
 * drain.c -- tq-bench's worker side: process and latency.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Both modes run one libtq worker pool (tq_worker_*: a fetcher leasing
 * in batches, --concurrency handler threads, a batching acker, a
 * heartbeat) in a thread of its own, with a handler that does no work,
 * so that what is measured is tq itself.
 *
 * process pre-loads --tasks ready tasks and times the pool from the
 * first handler call to the moment the last ack is confirmed by Redis
 * (tq_worker_processed counts tasks whose ack_many reply came back).
 *
 * latency sends --rate tasks a second for --seconds on a fixed schedule
 * (a late send is not followed by a pause, so the schedule does not
 * slip), from one producer thread per 2000 tasks a second (each with
 * its own client, as a single thread's round trips cannot keep up with
 * 10000 a second on a small machine).  Each payload carries the
 * monotonic time just before its tq_enqueue call; the handler subtracts
 * it from its own clock reading, so a figure is the whole way from the
 * producer's call to a handler holding the task, on one machine and one
 * clock.
 */

/* clock_nanosleep, prctl. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/prctl.h>

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define DRAIN_WARMUP		5	/* latency: tasks per sender, unmeasured */
#define DRAIN_WAIT_MS		60000	/* longest wait for the last tasks */
#define DRAIN_POLL_NS		100000	/* poll for the last acks every 0.1 ms */
#define DRAIN_SENDER_RATE	2000	/* latency: tasks/s asked of one thread */
#define DRAIN_SENDERS_MAX	16

/* What the handlers share with the thread that watches them. */
struct drain {
	long long	 want;		/* atomic: handler calls awaited */
	long long	 handled;	/* atomic */
	int64_t		 first_ns;	/* atomic: first handler call */

	double		*lat_ms;	/* latency: one per stamped task */
	long long	 nlat;		/* atomic */
	long long	 maxlat;

	pthread_mutex_t	 mu;
	pthread_cond_t	 cond;		/* handled reached want */
};

/* A worker pool running in its own thread. */
struct pool {
	struct tq_worker	*w;
	pthread_t		 th;
	int			 running;
	int			 rc;
	struct tq_error		 err;
};

static void
drain_init(struct drain *d)
{
	memset(d, 0, sizeof *d);
	d->want = LLONG_MAX;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cond, NULL);
}

static void
drain_done(struct drain *d)
{
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cond);
	free(d->lat_ms);
}

/*
 * Count a handler call, and wake the watcher at the one it waits for:
 * only then is the mutex taken, so counting costs the handlers no lock.
 * Both sides store, then load the other's variable, sequentially
 * consistent, so at least one of them sees the wait is over.
 */
static void
drain_count(struct drain *d)
{
	long long	n;

	n = __atomic_add_fetch(&d->handled, 1, __ATOMIC_SEQ_CST);
	if (n < __atomic_load_n(&d->want, __ATOMIC_SEQ_CST))
		return;
	pthread_mutex_lock(&d->mu);
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->mu);
}

/* Wait until want handler calls were made, up to ms; 0 or -1. */
static int
drain_wait(struct drain *d, long long want, int64_t ms)
{
	struct timespec	ts;
	long long	handled;
	int		rc = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&d->mu);
	__atomic_store_n(&d->want, want, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(&d->handled, __ATOMIC_SEQ_CST) < want &&
	    rc == 0)
		rc = pthread_cond_timedwait(&d->cond, &d->mu, &ts);
	__atomic_store_n(&d->want, LLONG_MAX, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&d->mu);
	if ((handled = __atomic_load_n(&d->handled, __ATOMIC_SEQ_CST)) >= want)
		return (0);
	bench_warn("only %lld of %lld tasks were handled in %lld s", handled,
	    want, (long long)ms / 1000);
	return (-1);
}

/* process: note the first call, count, and succeed at once. */
static enum tq_outcome
process_handler(BENCH_UNUSED struct tq_job *job, void *arg)
{
	struct drain	*d = arg;
	int64_t		 zero = 0;

	if (__atomic_load_n(&d->first_ns, __ATOMIC_RELAXED) == 0)
		__atomic_compare_exchange_n(&d->first_ns, &zero,
		    bench_now_ns(), 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
	drain_count(d);
	return (TQ_JOB_OK);
}

/* latency: how long ago the payload's "t" was stamped. */
static enum tq_outcome
latency_handler(struct tq_job *job, void *arg)
{
	struct drain	*d = arg;
	const char	*payload, *t;
	int64_t		 now = bench_now_ns();
	long long	 stamp, i;

	payload = tq_task_payload(tq_job_task(job));
	if (payload != NULL && (t = strstr(payload, "\"t\":")) != NULL &&
	    (stamp = strtoll(t + 4, NULL, 10)) > 0) {
		i = __atomic_fetch_add(&d->nlat, 1, __ATOMIC_RELAXED);
		if (i < d->maxlat)
			d->lat_ms[i] = (double)(now - stamp) / 1e6;
	}
	drain_count(d);
	return (TQ_JOB_OK);
}

/*
 * The worker's errors and warnings are worth seeing; its information
 * (a line per task) is not, even with -v: printing it would be most of
 * what is measured.  A sink is set all the same, as tqworker sets one,
 * so the runtime does what it does in production.
 */
static void
pool_log(int level, const char *msg, BENCH_UNUSED void *arg)
{
	if (level <= 1)
		bench_warn("worker: %s", msg);
}

static void *
pool_thread(void *arg)
{
	struct pool	*pl = arg;

	pl->rc = tq_worker_run(pl->w, &pl->err);
	return (NULL);
}

static int
pool_start(struct bench *b, struct pool *pl, const struct bench_params *p,
    const char *const *queues, size_t nqueues, tq_handler fn, void *arg)
{
	struct tq_worker_opts	 o;

	memset(pl, 0, sizeof *pl);
	tq_worker_opts_init(&o);
	o.queues = queues;
	o.nqueues = nqueues;
	o.concurrency = p->concurrency;
	if (p->prefetch >= 0)
		o.prefetch = p->prefetch;
	if ((pl->w = tq_worker_new(b->cfg, &o, &pl->err)) == NULL)
		return (bench_fail("worker", &pl->err));
	tq_worker_set_log(pl->w, pool_log, NULL);
	tq_worker_set_log_level(pl->w, 1);
	tq_worker_handle(pl->w, BENCH_QUEUE, fn, arg);
	pthread_create(&pl->th, NULL, pool_thread, pl);
	pl->running = 1;
	return (0);
}

/* Stop the pool (gracefully: nothing runs long) and free it. */
static int
pool_stop(struct pool *pl)
{
	int	rc = 0;

	if (pl->running) {
		tq_worker_stop(pl->w, 0);
		pthread_join(pl->th, NULL);
		if (pl->rc != 0)
			rc = bench_fail("worker", &pl->err);
		else if (tq_worker_failed(pl->w) != 0) {
			bench_warn("worker: %lld tasks failed",
			    tq_worker_failed(pl->w));
			rc = -1;
		}
	}
	tq_worker_free(pl->w);
	return (rc);
}

/* Wait until the pool's acks of n tasks are confirmed; 0 or -1. */
static int
pool_acked(struct pool *pl, long long n)
{
	int64_t	give_up = bench_now_ns() + (int64_t)DRAIN_WAIT_MS * 1000000;

	while (tq_worker_processed(pl->w) < n) {
		if (bench_now_ns() > give_up) {
			bench_warn("only %lld of %lld acks confirmed",
			    tq_worker_processed(pl->w), n);
			return (-1);
		}
		bench_sleep_ns(DRAIN_POLL_NS);
	}
	return (0);
}

int
mode_process(struct bench *b, const struct bench_params *p,
    struct bench_result *r)
{
	struct tq_client	*c;
	struct drain		 d;
	struct pool		 pl;
	struct bench_cpu	 cpu;
	char			 names[BENCH_QUEUES_MAX][32];
	const char		*queues[BENCH_QUEUES_MAX];
	int64_t			 last;
	int			 rc = 0, nq, i;

	/*
	 * --queues spreads the tasks over several queues, which a cluster
	 * places on its masters by their hash tags: one pool serves all.
	 */
	nq = p->queues > 0 ? p->queues : 1;
	if (nq > BENCH_QUEUES_MAX) {
		bench_warn("process: --queues is at most %d",
		    BENCH_QUEUES_MAX);
		return (-1);
	}
	for (i = 0; i < nq; i++) {
		bench_queue_name(i, nq, names[i], sizeof names[i]);
		queues[i] = names[i];
	}
	if ((c = bench_client(b)) == NULL)
		return (-1);
	for (i = 0; i < nq && rc == 0; i++)
		rc = bench_load_queue(b, c, queues[i], p->tasks / nq +
		    (i < p->tasks % nq), p->payload_bytes, 0);
	if (rc != 0) {
		tq_client_free(c);
		return (-1);
	}
	drain_init(&d);
	bench_cpu_mark(b, &cpu);
	if (pool_start(b, &pl, p, queues, (size_t)nq, process_handler,
	    &d) != 0) {
		tq_client_free(c);
		drain_done(&d);
		return (-1);
	}
	/* Sleep through the run; poll only for the last acks. */
	rc = drain_wait(&d, p->tasks, DRAIN_WAIT_MS + p->tasks / 10);
	if (rc == 0)
		rc = pool_acked(&pl, p->tasks);
	last = bench_now_ns();
	if (pool_stop(&pl) != 0)
		rc = -1;
	if (rc == 0 && bench_count_queues(c, queues, (size_t)nq,
	    "processed") != p->tasks) {
		bench_warn("Redis counts %lld processed tasks, not %lld",
		    bench_count_queues(c, queues, (size_t)nq, "processed"),
		    p->tasks);
		rc = -1;
	}
	if (rc == 0) {
		result_init(r, "process", p);
		result_add(r, "tasks_per_s", (double)p->tasks * 1e9 /
		    (double)(last - d.first_ns), 1);
		result_add(r, "elapsed_s", (double)(last - d.first_ns) / 1e9,
		    3);
		bench_cpu_report(b, &cpu, p->tasks, r);
	}
	tq_client_free(c);
	drain_done(&d);
	return (rc);
}

static int
cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/*
 * One producer thread of the latency mode: tasks first, first + step,
 * ... of the run's schedule (task i is due start + i / rate), so that
 * together the threads keep the rate even where one thread's round
 * trips could not.
 */
struct sender {
	struct tq_client	*c;
	long long		 first;
	long long		 step;
	long long		 n;
	double			 rate;
	int			 bytes;
	int64_t			 start;
	int64_t			 done_ns;
	int			 rc;
	struct tq_error		 err;
};

static void *
sender_run(void *arg)
{
	struct sender		*s = arg;
	struct tq_enqueue_opts	 o;
	char			*payload;
	int64_t			 when, stamp;
	long long		 i;

#ifdef PR_SET_TIMERSLACK
	/* Wake on schedule: the default 50 us slack is half a 10k/s tick. */
	(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
	tq_enqueue_opts_init(&o);
	for (i = s->first; i < s->n && s->rc == 0; i += s->step) {
		when = s->start + (int64_t)((double)i * 1e9 / s->rate);
		if (bench_now_ns() < when)
			bench_sleep_until_ns(when);
		stamp = bench_now_ns();
		payload = bench_payload(s->bytes, stamp);
		s->rc = tq_enqueue(s->c, BENCH_QUEUE, payload, &o, NULL,
		    &s->err);
		free(payload);
	}
	s->done_ns = bench_now_ns();
	return (NULL);
}

/*
 * Warm up: every sender's client sends tasks without a stamp, so that
 * connections are made, scripts loaded and the fetcher waits for work
 * before the clock matters.
 */
static int
latency_warmup(struct sender *s, int nsend, struct drain *d, int bytes)
{
	struct tq_enqueue_opts	 o;
	struct tq_error		 err;
	char			*payload;
	int			 i, rc = 0;

	tq_enqueue_opts_init(&o);
	payload = bench_payload(bytes, -1);
	for (i = 0; i < nsend * DRAIN_WARMUP && rc == 0; i++) {
		if (tq_enqueue(s[i % nsend].c, BENCH_QUEUE, payload, &o, NULL,
		    &err) != 0)
			rc = bench_fail("enqueue", &err);
	}
	free(payload);
	if (rc == 0)
		rc = drain_wait(d, (long long)nsend * DRAIN_WARMUP,
		    DRAIN_WAIT_MS);
	return (rc);
}

/* Send n stamped tasks at rate from nsend threads; *sent_s: how long. */
static int
latency_produce(struct bench *b, struct drain *d, long long n, double rate,
    int bytes, int nsend, double *sent_s)
{
	struct sender	*s;
	pthread_t	*th;
	int64_t		 start, last = 0;
	int		 i, rc = 0;

	s = tq_xcalloc((size_t)nsend, sizeof *s);
	th = tq_xcalloc((size_t)nsend, sizeof *th);
	for (i = 0; i < nsend && rc == 0; i++) {
		if ((s[i].c = bench_client(b)) == NULL)
			rc = -1;
	}
	if (rc == 0)
		rc = latency_warmup(s, nsend, d, bytes);
	if (rc == 0) {
		/* A moment for every thread to be waiting for its first. */
		start = bench_now_ns() + 10 * 1000000;
		for (i = 0; i < nsend; i++) {
			s[i].first = i;
			s[i].step = nsend;
			s[i].n = n;
			s[i].rate = rate;
			s[i].bytes = bytes;
			s[i].start = start;
			pthread_create(&th[i], NULL, sender_run, &s[i]);
		}
		for (i = 0; i < nsend; i++) {
			pthread_join(th[i], NULL);
			if (s[i].rc != 0 && rc == 0)
				rc = bench_fail("enqueue", &s[i].err);
			if (s[i].done_ns > last)
				last = s[i].done_ns;
		}
		*sent_s = (double)(last - start) / 1e9;
		bench_debug(b, "latency: %d threads sent %lld tasks in %.3f s",
		    nsend, n, *sent_s);
	}
	for (i = 0; i < nsend; i++)
		tq_client_free(s[i].c);
	free(th);
	free(s);
	return (rc);
}

static const char *const latency_queues[1] = { BENCH_QUEUE };

int
mode_latency(struct bench *b, const struct bench_params *pp,
    struct bench_result *r)
{
	struct bench_params	 p = *pp;
	struct drain		 d;
	struct pool		 pl;
	double			 sent_s = 0;
	long long		 n, got;
	int			 rc, nsend;

	n = llround(p.rate * p.seconds);
	if (n < 1)
		n = 1;
	p.tasks = n;
	nsend = (int)ceil(p.rate / DRAIN_SENDER_RATE);
	if (nsend > DRAIN_SENDERS_MAX)
		nsend = DRAIN_SENDERS_MAX;
	drain_init(&d);
	d.lat_ms = tq_xcalloc((size_t)n, sizeof *d.lat_ms);
	d.maxlat = n;
	if (pool_start(b, &pl, &p, latency_queues, 1, latency_handler,
	    &d) != 0) {
		drain_done(&d);
		return (-1);
	}
	rc = latency_produce(b, &d, n, p.rate, p.payload_bytes, nsend,
	    &sent_s);
	if (rc == 0)
		rc = drain_wait(&d, (long long)nsend * DRAIN_WARMUP + n,
		    DRAIN_WAIT_MS);
	if (pool_stop(&pl) != 0)
		rc = -1;
	got = __atomic_load_n(&d.nlat, __ATOMIC_ACQUIRE);
	if (rc == 0 && got != n) {
		bench_warn("latency: %lld stamped tasks seen, %lld sent", got,
		    n);
		rc = -1;
	}
	if (rc == 0) {
		qsort(d.lat_ms, (size_t)n, sizeof *d.lat_ms, cmp_double);
		result_init(r, "latency", &p);
		result_add(r, "p50_ms", result_percentile(d.lat_ms, (size_t)n,
		    0.50), 3);
		result_add(r, "p95_ms", result_percentile(d.lat_ms, (size_t)n,
		    0.95), 3);
		result_add(r, "p99_ms", result_percentile(d.lat_ms, (size_t)n,
		    0.99), 3);
		result_add(r, "max_ms", d.lat_ms[n - 1], 3);
		/* Below --rate when the producers could not keep up. */
		result_add(r, "sent_per_s", (double)n / sent_s, 1);
		result_add(r, "producers", nsend, 0);
	}
	drain_done(&d);
	return (rc);
}
