/*
 * worker.c -- the worker runtime: handler threads, leases, shutdown.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A worker runs three kinds of threads, each with its own Redis
 * connection (hiredis contexts are not thread-safe):
 *
 *   - one fetcher, which leases as many tasks as there are free slots
 *     (idle handler threads plus the prefetch), in one script call per
 *     queue, and when there is nothing to do blocks on the queues' wake
 *     lists (so an idle worker sends about one command a second and
 *     picks up new work within a millisecond);
 *   - a second fetcher that helps only while tasks flow (the last fetch
 *     came back full) and never blocks: with one, Redis sat idle while
 *     each lease call's reply travelled and was unpacked (tq-bench
 *     process: 66-81,000 no-op tasks a second; two fetchers of 128 a
 *     call: 109-138,000, docs/PERFORMANCE.md).  A fetch reserves its
 *     slots (inflight) before it calls, so the two never lease more than
 *     the slots between them;
 *   - N handler threads, which run the handler for a task, and fail it
 *     with the task's delivery token when it failed;
 *   - one acker, which acknowledges the tasks that succeeded in batches
 *     (one script call per queue for everything finished since its last
 *     call), so a handler thread goes on to its next task at once and a
 *     busy worker costs Redis one call per batch, not per task;
 *   - one heartbeat thread, which extends the leases of running tasks,
 *     fails tasks that ran past their timeout, and publishes the worker in
 *     the registry for tq workers and tqtop.
 *
 * Exactly one party sends a task's outcome to Redis: whoever first
 * "settles" the job under the worker's mutex (the handler thread when the
 * handler returns, the heartbeat on timeout or lost lease, the shutdown
 * path after the grace period).  The others see it settled and discard
 * their outcome, so a handler that returns after its timeout never acks.
 *
 * tq_worker_stop only sets flags and writes a byte to a pipe, so it is
 * safe in a signal handler; the thread in tq_worker_run does the rest.
 */

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tq-int.h"

#define TQ_FETCH_MAX		128	/* tasks leased per fetch */
#define TQ_PREFETCH_MAX		1024	/* tasks leased ahead of threads */
#define TQ_PREFETCH_HOLD_US	10000	/* adaptive: work held ahead */
#define TQ_ACK_MAX		256	/* tasks acknowledged per batch */
#define TQ_FETCH_BLOCK_MS	1000	/* longest blocking wait; stop latency */
#define TQ_TICK_MS		100	/* heartbeat thread period */
#define TQ_REGISTRY_MS		2000	/* registry publish period */
#define TQ_REGISTRY_TTL_MS	60000	/* a dead worker's record expires */
#define TQ_RETRY_FIRST_MS	100	/* backoff while Redis is away */
/*
 * How long a handler cancelled at its deadline may take to return before
 * the attempt is failed without it.  Failing at once would let the retry
 * start elsewhere while this run still goes on: tqworker's command gets
 * SIGTERM at the deadline and SIGKILL 2 s later (cli/exec.c).
 */
#define TQ_TIMEOUT_GRACE_MS	5000
#define TQ_RETRY_MAX_MS		5000

struct tq_job {
	struct tq_worker	*w;
	struct tq_task		*task;
	int64_t			 started;	/* monotonic ms */
	int64_t			 deadline;	/* monotonic ms: timeout */
	int			 timeout_s;	/* the task's, or the worker's */
	int			 timed_out;	/* heartbeat's: cancelled at it */
	int64_t			 extended;	/* monotonic ms: last extension */
	int			 cancelled;	/* atomic */
	int			 settled;	/* under w->mu */
	int			 refs;		/* under w->mu */
	char			*result;
	char			*error;
	struct tq_job		*next;
};

struct tq_handler_entry {
	char			*type;		/* NULL: the default handler */
	tq_handler		 fn;
	void			*arg;
};

struct tq_worker {
	struct tq_config	*cfg;
	char			**queues;
	int			*weights;
	size_t			 nqueues;
	int			 concurrency;
	int			 prefetch_opt;	/* fixed, or < 0: adaptive */
	int64_t			 lease_ms;
	int64_t			 grace_ms;
	int			 timeout_s;	/* [worker] timeout */
	char			*name;
	char			 host[256];
	char			*queue_list;	/* "a,b,c" for the registry */
	int64_t			 started_at;	/* wall ms */

	struct tq_handler_entry	*handlers;
	size_t			 nhandlers;
	tq_log_fn		 log;
	void			*log_arg;
	int			 log_level;	/* highest passed to log */

	pthread_mutex_t		 mu;
	pthread_cond_t		 work;		/* a job was queued, or stop */
	pthread_cond_t		 state;		/* stop (timed waits sleep on it) */
	struct tq_job		*pending;	/* leased, not started */
	struct tq_job		*pending_tail;
	int			 npending;
	int			 prefetch;	/* under mu: leased ahead, at most */
	int64_t			 avg_ns;	/* under mu: handler time, EWMA */
	int			 idle;		/* under mu: threads waiting */
	struct tq_job		**running;	/* one slot per thread */
	int			 busy;
	pthread_cond_t		 slot_freed;	/* fetcher may lease more, or stop */
	int			 fetch_waiting;	/* under mu: fetchers wait */
	int			 inflight;	/* under mu: slots a fetch holds */
	int			 flowing;	/* under mu: last fetch was full */
	pthread_cond_t		 acks;		/* a job is done, or ack_stop */
	int			 ack_waiting;	/* under mu: acker waits on acks */
	struct tq_job		*done;		/* succeeded, not yet acked */
	struct tq_job		*done_tail;
	int			 ack_stop;	/* under mu: acker ends */
	int			 stopping;	/* under mu: take no new tasks */
	int			 hb_stop;	/* under mu: heartbeat ends */

	volatile sig_atomic_t	 stop_req;
	volatile sig_atomic_t	 stop_now;
	int			 pipe[2];

	long long		 processed;	/* atomic */
	long long		 failed;	/* atomic */
};

struct tq_thread_arg {
	struct tq_worker	*w;
	struct tq_client	*c;
	int			 slot;
};

static void
tq_worker_log(struct tq_worker *w, int level, const char *fmt, ...)
    TQ_PRINTFLIKE(3, 4);

static void
tq_worker_log(struct tq_worker *w, int level, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	if (w->log == NULL || level > w->log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	w->log(level, msg, w->log_arg);
}

void
tq_worker_opts_init(struct tq_worker_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->grace_ms = -1;
	opts->prefetch = -1;
}

/* host-pid-random: unique, readable, and a valid name. */
static char *
tq_worker_default_name(const char *host)
{
	char	 rnd[9], h[64];
	size_t	 i;

	/* A long host name is cut; the pid and random part keep it unique. */
	if (snprintf(h, sizeof h, "%s", host) < 0)
		h[0] = '\0';
	for (i = 0; h[i] != '\0'; i++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789_.-", h[i]) == NULL)
			h[i] = '_';
	}
	tq_random_hex(rnd, sizeof rnd);
	return (tq_xasprintf("%s-%ld-%s", h[0] != '\0' ? h : "host",
	    (long)getpid(), rnd));
}

/* Copy the queues and weights of opts, checking each name. */
static int
tq_worker_set_queues(struct tq_worker *w, const struct tq_worker_opts *o,
    struct tq_error *err)
{
	size_t	i, len = 0;

	if (o->nqueues == 0) {
		tq_error_set(err, TQ_EINVAL, "worker: no queues to serve");
		return (-1);
	}
	w->queues = tq_xcalloc(o->nqueues, sizeof *w->queues);
	w->nqueues = o->nqueues;
	for (i = 0; i < o->nqueues; i++) {
		if (tq_check_name("queue name", o->queues[i], err) != 0)
			return (-1);
		w->queues[i] = tq_xstrdup(o->queues[i]);
		len += strlen(o->queues[i]) + 1;
	}
	if (o->weights != NULL) {
		w->weights = tq_xcalloc(o->nqueues, sizeof *w->weights);
		for (i = 0; i < o->nqueues; i++) {
			if (o->weights[i] < 1) {
				tq_error_set(err, TQ_EINVAL, "worker: weight "
				    "of queue %s must be at least 1",
				    o->queues[i]);
				return (-1);
			}
			w->weights[i] = o->weights[i];
		}
	}
	w->queue_list = tq_xcalloc(1, len);
	for (i = 0; i < o->nqueues; i++) {
		if (i > 0)
			strcat(w->queue_list, ",");
		strcat(w->queue_list, o->queues[i]);
	}
	return (0);
}

struct tq_worker *
tq_worker_new(const struct tq_config *cfg, const struct tq_worker_opts *o,
    struct tq_error *err)
{
	struct tq_worker	*w;

	w = tq_xcalloc(1, sizeof *w);
	w->pipe[0] = w->pipe[1] = -1;
	w->cfg = tq_config_copy(cfg);
	if (tq_worker_set_queues(w, o, err) != 0)
		goto fail;
	w->concurrency = o->concurrency > 0 ? o->concurrency :
	    (int)tq_config_int(cfg, "worker", "concurrency");
	w->lease_ms = o->lease_ms > 0 ? o->lease_ms :
	    tq_config_int(cfg, "worker", "lease");
	w->grace_ms = o->grace_ms >= 0 ? o->grace_ms :
	    tq_config_int(cfg, "worker", "grace");
	w->timeout_s = (int)(tq_config_int(cfg, "worker", "timeout") / 1000);
	if (w->concurrency > 1024) {
		tq_error_set(err, TQ_EINVAL, "worker: concurrency %d is "
		    "above 1024", w->concurrency);
		goto fail;
	}
	if (o->prefetch > TQ_PREFETCH_MAX) {
		tq_error_set(err, TQ_EINVAL, "worker: prefetch %d is above "
		    "%d", o->prefetch, TQ_PREFETCH_MAX);
		goto fail;
	}
	w->prefetch_opt = o->prefetch;
	/* Adaptive starts where a fixed default would be. */
	w->prefetch = o->prefetch >= 0 ? o->prefetch : w->concurrency;
	w->log_level = 3;
	if (gethostname(w->host, sizeof w->host) != 0)
		snprintf(w->host, sizeof w->host, "unknown");
	w->host[sizeof w->host - 1] = '\0';
	if (o->name != NULL) {
		if (tq_check_name("worker name", o->name, err) != 0)
			goto fail;
		w->name = tq_xstrdup(o->name);
	} else
		w->name = tq_worker_default_name(w->host);
	if (pipe(w->pipe) != 0) {
		tq_error_sys(err, "worker: pipe");
		goto fail;
	}
	fcntl(w->pipe[0], F_SETFL, O_NONBLOCK);
	fcntl(w->pipe[1], F_SETFL, O_NONBLOCK);
	fcntl(w->pipe[0], F_SETFD, FD_CLOEXEC);
	fcntl(w->pipe[1], F_SETFD, FD_CLOEXEC);
	w->running = tq_xcalloc((size_t)w->concurrency, sizeof *w->running);
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->work, NULL);
	pthread_cond_init(&w->state, NULL);
	pthread_cond_init(&w->acks, NULL);
	pthread_cond_init(&w->slot_freed, NULL);
	return (w);

fail:
	tq_worker_free(w);
	return (NULL);
}

void
tq_worker_free(struct tq_worker *w)
{
	size_t	i;

	if (w == NULL)
		return;
	if (w->running != NULL) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->work);
		pthread_cond_destroy(&w->state);
		pthread_cond_destroy(&w->acks);
		pthread_cond_destroy(&w->slot_freed);
	}
	for (i = 0; i < w->nhandlers; i++)
		free(w->handlers[i].type);
	free(w->handlers);
	for (i = 0; i < w->nqueues && w->queues != NULL; i++)
		free(w->queues[i]);
	free(w->queues);
	free(w->weights);
	free(w->queue_list);
	free(w->running);
	free(w->name);
	if (w->pipe[0] != -1)
		close(w->pipe[0]);
	if (w->pipe[1] != -1)
		close(w->pipe[1]);
	tq_config_free(w->cfg);
	free(w);
}

void
tq_worker_handle(struct tq_worker *w, const char *type, tq_handler fn,
    void *arg)
{
	struct tq_handler_entry	*h;

	w->handlers = tq_xreallocarray(w->handlers, w->nhandlers + 1,
	    sizeof *w->handlers);
	h = &w->handlers[w->nhandlers++];
	h->type = type != NULL ? tq_xstrdup(type) : NULL;
	h->fn = fn;
	h->arg = arg;
}

void
tq_worker_set_log(struct tq_worker *w, tq_log_fn fn, void *arg)
{
	w->log = fn;
	w->log_arg = arg;
}

void
tq_worker_set_log_level(struct tq_worker *w, int level)
{
	w->log_level = level;
}

const char *
tq_worker_name(const struct tq_worker *w)
{
	return (w->name);
}

long long
tq_worker_processed(const struct tq_worker *w)
{
	return (__atomic_load_n(&w->processed, __ATOMIC_RELAXED));
}

long long
tq_worker_failed(const struct tq_worker *w)
{
	return (__atomic_load_n(&w->failed, __ATOMIC_RELAXED));
}

void
tq_worker_stop(struct tq_worker *w, int now)
{
	int	saved = errno;

	if (now)
		w->stop_now = 1;
	w->stop_req = 1;
	if (write(w->pipe[1], "x", 1) == -1) {
		/* Full pipe: a wake-up is already pending. */
	}
	errno = saved;
}

/* ------------------------------------------------------------------ */
/* Jobs                                                                */

const struct tq_task *
tq_job_task(const struct tq_job *job)
{
	return (job->task);
}

int
tq_job_cancelled(const struct tq_job *job)
{
	return (__atomic_load_n(&job->cancelled, __ATOMIC_ACQUIRE));
}

int64_t
tq_job_remaining_ms(const struct tq_job *job)
{
	return (job->deadline - tq_monotonic_ms());
}

int
tq_job_timeout_s(const struct tq_job *job)
{
	return (job->timeout_s);
}

int64_t
tq_job_deadline(const struct tq_job *job)
{
	return (tq_wall_ms() + tq_job_remaining_ms(job));
}

int
tq_job_set_result(struct tq_job *job, const char *json, struct tq_error *err)
{
	struct tq_queue_policy	policy;

	tq_config_policy(job->w->cfg, tq_task_queue(job->task), &policy);
	if (tq_check_payload(json, policy.max_payload, err) != 0)
		return (-1);
	free(job->result);
	job->result = json != NULL ? tq_xstrdup(json) : NULL;
	return (0);
}

void
tq_job_set_error(struct tq_job *job, const char *msg)
{
	free(job->error);
	job->error = msg != NULL ? tq_xstrdup(msg) : NULL;
}

static struct tq_job *
tq_job_new(struct tq_worker *w, struct tq_task *t)
{
	struct tq_job	*job;

	job = tq_xcalloc(1, sizeof *job);
	job->w = w;
	job->task = t;
	job->refs = 1;
	return (job);
}

static void
tq_job_free(struct tq_job *job)
{
	if (job == NULL)
		return;
	tq_task_free(job->task);
	free(job->result);
	free(job->error);
	free(job);
}

/*
 * Drop a reference, with w->mu held.  Returns job when that was the
 * last one, for the caller to tq_job_free once the lock is released (no
 * freeing in the critical section every thread shares), else NULL.
 */
static struct tq_job *
tq_job_unref(struct tq_job *job)
{
	return (--job->refs > 0 ? NULL : job);
}

/* tq_job_unref, and free at once: for paths off the hot one. */
static void
tq_job_unref_locked(struct tq_worker *w, struct tq_job *job)
{
	struct tq_job	*dead;

	pthread_mutex_lock(&w->mu);
	dead = tq_job_unref(job);
	pthread_mutex_unlock(&w->mu);
	tq_job_free(dead);
}

/* Claim the right to send job's outcome: 1 if it is ours. */
static int
tq_job_settle(struct tq_job *job)
{
	int	mine;

	pthread_mutex_lock(&job->w->mu);
	mine = !job->settled;
	job->settled = 1;
	pthread_mutex_unlock(&job->w->mu);
	return (mine);
}

static void
tq_job_cancel(struct tq_job *job)
{
	__atomic_store_n(&job->cancelled, 1, __ATOMIC_RELEASE);
}

/* The error of an attempt that ran past its timeout. */
static void
tq_job_timeout_why(const struct tq_job *job, char *why, size_t len)
{
	snprintf(why, len, "timed out after %d s", job->timeout_s);
}

/*
 * A handler returned past its deadline: whatever it said, the attempt
 * failed, so that a task is never acked after its timeout.
 */
static enum tq_outcome
tq_job_expire(struct tq_job *job)
{
	char	why[64];

	tq_job_timeout_why(job, why, sizeof why);
	tq_job_set_error(job, why);
	return (TQ_JOB_RETRY);
}

/* ------------------------------------------------------------------ */
/* Sending outcomes                                                    */


/*
 * Fail ('f') or release ('r') job, riding out a Redis outage for up to
 * one lease: past that the task is reclaimed and runs again anyway.  A
 * retry that meets TQLEASE usually means the first try did land (its
 * reply was lost), so that is not reported as a lost lease.
 */
static int
tq_worker_send(struct tq_worker *w, struct tq_client *c, struct tq_job *job,
    int what, int flags, const char *why)
{
	struct tq_error	err;
	int64_t		give_up = tq_monotonic_ms() + w->lease_ms;
	int64_t		backoff = TQ_RETRY_FIRST_MS;
	int		tries, rc;

	for (tries = 0;; tries++) {
		tq_error_clear(&err);
		if (what == 'f')
			rc = tq_fail(c, job->task, why, flags, &err);
		else
			rc = tq_release(c, job->task, &err);
		if (rc == 0)
			return (0);
		if (err.code == TQ_ELEASE) {
			if (tries == 0)
				tq_worker_log(w, 1, "task %s: %s; outcome "
				    "discarded (it may run again elsewhere)",
				    tq_task_id(job->task), err.msg);
			return (-1);
		}
		if (!tq_error_outage(&err) || tq_monotonic_ms() >= give_up ||
		    w->stop_now) {
			tq_worker_log(w, 0, "task %s: %s", tq_task_id(job->task),
			    err.msg);
			return (-1);
		}
		if (tries == 0)
			tq_worker_log(w, 1, "task %s: %s; retrying",
			    tq_task_id(job->task), err.msg);
		tq_sleep_ms(backoff);
		backoff = backoff * 2 > TQ_RETRY_MAX_MS ? TQ_RETRY_MAX_MS :
		    backoff * 2;
	}
}

static const char *const tq_outcome_names[] = {
	[TQ_JOB_OK] = "ok",
	[TQ_JOB_RETRY] = "failed",
	[TQ_JOB_PERMANENT] = "failed permanently",
};

/* What became of a handler's outcome (tq_job_finish). */
enum tq_finish {
	TQ_FINISH_DISCARDED,	/* settled before: timeout, lease, shutdown */
	TQ_FINISH_ACKING,	/* success, handed to the acker */
	TQ_FINISH_FAILING,	/* failure, for the caller to send */
};

/*
 * Record the outcome a handler returned, with w->mu held: settle the job
 * and, on success, hand it to the acker, which sends it with the others
 * done meanwhile.  Sending a failure and logging are the caller's, after
 * the lock is released.
 */
static enum tq_finish
tq_job_finish(struct tq_worker *w, struct tq_job *job, enum tq_outcome outcome)
{
	if (job->settled)
		return (TQ_FINISH_DISCARDED);
	job->settled = 1;
	if (outcome != TQ_JOB_OK)
		return (TQ_FINISH_FAILING);
	job->refs++;
	job->next = NULL;
	if (w->done_tail != NULL)
		w->done_tail->next = job;
	else
		w->done = job;
	w->done_tail = job;
	if (w->ack_waiting)
		pthread_cond_signal(&w->acks);
	return (TQ_FINISH_ACKING);
}

/* Log what tq_job_finish decided, and send a failure. */
static void
tq_job_report(struct tq_thread_arg *ta, struct tq_job *job,
    enum tq_outcome outcome, enum tq_finish fin)
{
	struct tq_worker	*w = ta->w;
	const char		*why;

	if (fin == TQ_FINISH_DISCARDED) {
		tq_worker_log(w, 3, "task %s: handler returned after the task "
		    "was settled (timeout, lost lease or shutdown); outcome "
		    "discarded", tq_task_id(job->task));
		return;
	}
	if (fin == TQ_FINISH_ACKING) {
		tq_worker_log(w, 2, "task %s type=%s queue=%s attempt=%d ok in "
		    "%lld ms", tq_task_id(job->task), tq_task_type(job->task),
		    tq_task_queue(job->task), tq_task_attempt(job->task),
		    (long long)(tq_monotonic_ms() - job->started));
		return;
	}
	why = job->error != NULL ? job->error : "handler failed";
	if (tq_worker_send(w, ta->c, job, 'f', outcome == TQ_JOB_PERMANENT ?
	    TQ_FAIL_PERMANENT : 0, why) == 0)
		__atomic_add_fetch(&w->failed, 1, __ATOMIC_RELAXED);
	tq_worker_log(w, 2, "task %s type=%s queue=%s attempt=%d %s in %lld "
	    "ms: %s", tq_task_id(job->task), tq_task_type(job->task),
	    tq_task_queue(job->task), tq_task_attempt(job->task),
	    tq_outcome_names[outcome], (long long)(tq_monotonic_ms() -
	    job->started), why);
}

/* ------------------------------------------------------------------ */
/* Handler threads                                                     */

static enum tq_outcome
tq_worker_dispatch(struct tq_worker *w, struct tq_job *job)
{
	struct tq_handler_entry	*dflt = NULL;
	const char		*type = tq_task_type(job->task);
	char			 msg[256];
	size_t			 i;

	for (i = 0; i < w->nhandlers; i++) {
		if (w->handlers[i].type == NULL)
			dflt = &w->handlers[i];
		else if (strcmp(w->handlers[i].type, type) == 0)
			return (w->handlers[i].fn(job, w->handlers[i].arg));
	}
	if (dflt != NULL)
		return (dflt->fn(job, dflt->arg));
	snprintf(msg, sizeof msg, "no handler for task type %s", type);
	tq_job_set_error(job, msg);
	return (TQ_JOB_RETRY);
}

/* Slots (running plus prefetched) no job or fetch holds; under w->mu. */
static int
tq_worker_free_slots(const struct tq_worker *w)
{
	return (w->concurrency + w->prefetch - w->busy - w->npending -
	    w->inflight);
}

/*
 * Whether the fetcher should lease more (called with w->mu held): when
 * the handler threads are about to run dry, or enough slots (running
 * plus prefetched) are free for a batch, so that a busy worker leases
 * many tasks a call.
 */
static int
tq_worker_should_fetch(struct tq_worker *w)
{
	int	slots = w->concurrency + w->prefetch;
	int	free_slots = tq_worker_free_slots(w);
	int	batch = slots / 2 < TQ_FETCH_MAX ? slots / 2 : TQ_FETCH_MAX;

	return (free_slots > 0 && (w->npending == 0 || free_slots >= batch));
}

/*
 * A handler took ns: follow the pace (a moving average over the last
 * eight or so tasks) and, when adaptive, size the prefetch to hold about
 * TQ_PREFETCH_HOLD_US of work for the pool.  Called with w->mu held.
 */
static void
tq_worker_pace(struct tq_worker *w, int64_t ns)
{
	int64_t	n;

	if (ns < 1)
		ns = 1;
	w->avg_ns = w->avg_ns == 0 ? ns : w->avg_ns + (ns - w->avg_ns) / 8;
	if (w->prefetch_opt >= 0)
		return;
	n = (int64_t)w->concurrency * TQ_PREFETCH_HOLD_US * 1000 /
	    (w->avg_ns > 0 ? w->avg_ns : 1);
	w->prefetch = n < 1 ? 1 : n > TQ_PREFETCH_MAX ? TQ_PREFETCH_MAX :
	    (int)n;
}

/* The next pending job, waiting for one; NULL when stopping. */
static struct tq_job *
tq_worker_next(struct tq_worker *w)
{
	struct tq_job	*job;

	for (;;) {
		while (w->pending == NULL && !w->stopping) {
			w->idle++;
			pthread_cond_wait(&w->work, &w->mu);
			w->idle--;
		}
		if (w->stopping)
			return (NULL);
		job = w->pending;
		if ((w->pending = job->next) == NULL)
			w->pending_tail = NULL;
		w->npending--;
		if (!job->settled)
			return (job);
		/* Its lease was lost while it waited: not ours.  Its slot
		 * is free now, which a waiting fetcher must hear. */
		if (w->fetch_waiting && tq_worker_should_fetch(w))
			pthread_cond_broadcast(&w->slot_freed);
		if (tq_job_unref(job) != NULL) {
			pthread_mutex_unlock(&w->mu);
			tq_job_free(job);
			pthread_mutex_lock(&w->mu);
		}
	}
}

/*
 * A handler thread.  The path of a successful task takes the lock twice
 * (to take the job, and to hand it to the acker and free the slot) and
 * makes no system call when other jobs are waiting.
 */
static void *
tq_worker_thread(void *arg)
{
	struct tq_thread_arg	*ta = arg;
	struct tq_worker	*w = ta->w;
	struct tq_job		*job, *dead = NULL;
	enum tq_outcome		 outcome;
	enum tq_finish		 fin;
	int64_t			 t0;

	pthread_mutex_lock(&w->mu);
	while ((job = tq_worker_next(w)) != NULL) {
		w->busy++;
		job->started = tq_monotonic_ms();
		job->timeout_s = tq_task_timeout_s(job->task) > 0 ?
		    tq_task_timeout_s(job->task) : w->timeout_s;
		job->deadline = job->started + (int64_t)job->timeout_s * 1000;
		w->running[ta->slot] = job;
		pthread_mutex_unlock(&w->mu);
		tq_job_free(dead);

		t0 = tq_monotonic_ns();
		outcome = tq_worker_dispatch(w, job);
		if ((unsigned)outcome > TQ_JOB_PERMANENT)
			outcome = TQ_JOB_RETRY;
		if (tq_monotonic_ms() >= job->deadline)
			outcome = tq_job_expire(job);
		pthread_mutex_lock(&w->mu);
		fin = tq_job_finish(w, job, outcome);
		tq_worker_pace(w, tq_monotonic_ns() - t0);
		if (fin != TQ_FINISH_ACKING || (w->log != NULL &&
		    w->log_level >= 2)) {
			pthread_mutex_unlock(&w->mu);
			tq_job_report(ta, job, outcome, fin);
			pthread_mutex_lock(&w->mu);
		}

		/* A slot is free: tell the fetcher if it waits for one. */
		w->running[ta->slot] = NULL;
		w->busy--;
		dead = tq_job_unref(job);
		if (w->fetch_waiting && tq_worker_should_fetch(w))
			pthread_cond_broadcast(&w->slot_freed);
	}
	pthread_mutex_unlock(&w->mu);
	tq_job_free(dead);
	return (NULL);
}

/* ------------------------------------------------------------------ */
/* Acker                                                               */

/* Take up to max done jobs off the list, waiting for one; 0 at the end. */
static int
tq_acker_take(struct tq_worker *w, struct tq_job **jobs, int max)
{
	int	n = 0;

	pthread_mutex_lock(&w->mu);
	while (w->done == NULL && !w->ack_stop) {
		w->ack_waiting = 1;
		pthread_cond_wait(&w->acks, &w->mu);
		w->ack_waiting = 0;
	}
	while (w->done != NULL && n < max) {
		jobs[n++] = w->done;
		if ((w->done = w->done->next) == NULL)
			w->done_tail = NULL;
	}
	pthread_mutex_unlock(&w->mu);
	return (n);
}

/*
 * Ack jobs[0, n) in one tq_ack_batch, riding out a Redis outage for up
 * to one lease as tq_worker_send does; acking twice is harmless.
 */
static void
tq_acker_send(struct tq_worker *w, struct tq_client *c, struct tq_job **jobs,
    int n)
{
	struct tq_task	*tasks[TQ_ACK_MAX];
	const char	*results[TQ_ACK_MAX];
	struct tq_error	 errs[TQ_ACK_MAX], err;
	int64_t		 give_up = tq_monotonic_ms() + w->lease_ms;
	int64_t		 backoff = TQ_RETRY_FIRST_MS;
	int		 i, tries;

	for (i = 0; i < n; i++) {
		tasks[i] = jobs[i]->task;
		results[i] = jobs[i]->result;
	}
	for (tries = 0;; tries++) {
		tq_error_clear(&err);
		if (tq_ack_batch(c, tasks, results, (size_t)n, errs, &err) >= 0)
			break;
		if (!tq_error_outage(&err) || tq_monotonic_ms() >= give_up ||
		    w->stop_now) {
			tq_worker_log(w, 0, "ack of %d tasks: %s", n, err.msg);
			return;
		}
		if (tries == 0)
			tq_worker_log(w, 1, "ack of %d tasks: %s; retrying", n,
			    err.msg);
		tq_sleep_ms(backoff);
		backoff = backoff * 2 > TQ_RETRY_MAX_MS ? TQ_RETRY_MAX_MS :
		    backoff * 2;
	}
	for (i = 0; i < n; i++) {
		if (errs[i].code == TQ_OK)
			__atomic_add_fetch(&w->processed, 1, __ATOMIC_RELAXED);
		else if (errs[i].code == TQ_ELEASE && tries == 0)
			tq_worker_log(w, 1, "task %s: %s; outcome discarded (it "
			    "may run again elsewhere)", tq_task_id(tasks[i]),
			    errs[i].msg);
		else if (errs[i].code != TQ_ELEASE)
			tq_worker_log(w, 0, "task %s: %s", tq_task_id(tasks[i]),
			    errs[i].msg);
	}
}

static void *
tq_worker_acker(void *arg)
{
	struct tq_thread_arg	*ta = arg;
	struct tq_worker	*w = ta->w;
	struct tq_job		*jobs[TQ_ACK_MAX];
	int			 n, i;

	while ((n = tq_acker_take(w, jobs, TQ_ACK_MAX)) > 0) {
		tq_acker_send(w, ta->c, jobs, n);
		pthread_mutex_lock(&w->mu);
		for (i = 0; i < n; i++)
			jobs[i] = tq_job_unref(jobs[i]);
		pthread_mutex_unlock(&w->mu);
		for (i = 0; i < n; i++)
			tq_job_free(jobs[i]);
	}
	return (NULL);
}

/* ------------------------------------------------------------------ */
/* Fetcher                                                             */

/* Wait up to ms on the state condition; returns early on stop. */
static void
tq_worker_wait(struct tq_worker *w, int64_t ms)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&w->state, &w->mu, &ts);
}

/* Log Redis going away and coming back, once each. */
static void
tq_worker_link(struct tq_worker *w, int *down, const struct tq_error *err,
    const char *who)
{
	if (err != NULL && !*down)
		tq_worker_log(w, 0, "%s: %s; retrying with backoff", who,
		    err->msg);
	else if (err == NULL && *down)
		tq_worker_log(w, 2, "%s: Redis is back", who);
	*down = err != NULL;
}

/*
 * A queue whose keys fail is skipped while the others are served: say
 * so, but not once a second for as long as it stays damaged.
 */
static void
tq_worker_damaged(struct tq_worker *w, const struct tq_error *err,
    char *last, size_t lastsz, int64_t *last_at)
{
	int64_t	now = tq_monotonic_ms();

	if (strcmp(last, err->msg) == 0 && now - *last_at < 60000)
		return;
	tq_worker_log(w, 0, "fetch: %s; serving the other queues", err->msg);
	snprintf(last, lastsz, "%s", err->msg);
	*last_at = now;
}

/*
 * A fetch of up to held tasks brought n (-1: none, an error): give back
 * the slots it held and queue the jobs in one critical section, so that
 * the other fetcher never sees the slots free before the jobs fill them;
 * then wake as many idle handler threads as there are jobs, and a
 * fetcher that waits for the slots not filled, or for the flow.
 */
static void
tq_worker_leased(struct tq_worker *w, struct tq_task **tasks, int n,
    int held)
{
	struct tq_job	*job;
	int64_t		 now = tq_monotonic_ms();
	int		 i;

	pthread_mutex_lock(&w->mu);
	w->inflight -= held;
	w->flowing = n == held && n > 0;
	for (i = 0; i < n; i++) {
		job = tq_job_new(w, tasks[i]);
		job->extended = now;	/* leased just now */
		if (w->pending_tail != NULL)
			w->pending_tail->next = job;
		else
			w->pending = job;
		w->pending_tail = job;
		w->npending++;
	}
	for (i = 0; i < n && i < w->idle; i++)
		pthread_cond_signal(&w->work);
	if (w->fetch_waiting)
		pthread_cond_broadcast(&w->slot_freed);
	pthread_mutex_unlock(&w->mu);
}

static void *
tq_worker_fetcher(void *arg)
{
	struct tq_thread_arg	*ta = arg;
	struct tq_worker	*w = ta->w;
	struct tq_dequeue_opts	 o;
	struct tq_task		*tasks[TQ_FETCH_MAX];
	struct tq_error		 err;
	int64_t			 backoff = TQ_RETRY_FIRST_MS;
	int64_t			 damaged_at = 0;
	char			 damaged[sizeof err.msg] = "";
	int			 free_slots, n, down = 0;
	int			 second = ta->slot == -1;

	tq_dequeue_opts_init(&o);
	o.queues = (const char *const *)w->queues;
	o.weights = w->weights;
	o.nqueues = w->nqueues;
	o.lease_ms = w->lease_ms;
	/* The second fetcher only helps while tasks flow: it never blocks. */
	o.block_ms = second ? 0 : TQ_FETCH_BLOCK_MS;
	o.worker = w->name;
	for (;;) {
		pthread_mutex_lock(&w->mu);
		while (!w->stopping && (!tq_worker_should_fetch(w) ||
		    (second && !w->flowing))) {
			w->fetch_waiting++;
			pthread_cond_wait(&w->slot_freed, &w->mu);
			w->fetch_waiting--;
		}
		if (w->stopping) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		free_slots = tq_worker_free_slots(w);
		if (free_slots > TQ_FETCH_MAX)
			free_slots = TQ_FETCH_MAX;
		w->inflight += free_slots;
		pthread_mutex_unlock(&w->mu);

		tq_error_clear(&err);
		n = tq_dequeue_batch(ta->c, &o, tasks, free_slots, &err);
		tq_worker_leased(w, tasks, n, free_slots);
		if (err.code != TQ_OK && !tq_error_outage(&err))
			tq_worker_damaged(w, &err, damaged, sizeof damaged,
			    &damaged_at);
		if (n < 0) {
			if (tq_error_outage(&err))
				tq_worker_link(w, &down, &err, "fetch");
			pthread_mutex_lock(&w->mu);
			if (!w->stopping)
				tq_worker_wait(w, backoff);
			pthread_mutex_unlock(&w->mu);
			backoff = backoff * 2 > TQ_RETRY_MAX_MS ?
			    TQ_RETRY_MAX_MS : backoff * 2;
			continue;
		}
		tq_worker_link(w, &down, NULL, "fetch");
		backoff = TQ_RETRY_FIRST_MS;
	}
	return (NULL);
}

/* ------------------------------------------------------------------ */
/* Heartbeat: leases, timeouts, registry                               */

/* Publish this worker's record; errors only cost freshness. */
static void
tq_worker_publish(struct tq_worker *w, struct tq_client *c, int busy)
{
	struct tq_redis	*r = tq_client_redis(c);
	char		*wkey, *wskey, now[24], pid[16], conc[16], b[16];
	char		 proc[24], fail[24], start[24], ttl[24];
	const char	*hset[] = { "HSET", NULL, "host", w->host, "pid", pid,
			    "queues", w->queue_list, "concurrency", conc,
			    "busy", b, "processed", proc, "failed", fail,
			    "started_at", start, "heartbeat_at", now };
	const char	*pexpire[] = { "PEXPIRE", NULL, ttl };
	const char	*zadd[] = { "ZADD", NULL, now, w->name };
	redisReply	*reply;
	int		 i;

	if (tq_redis_ensure(r, NULL) != 0)
		return;
	wkey = tq_key_worker(tq_client_namespace(c), w->name);
	wskey = tq_key_workers(tq_client_namespace(c));
	snprintf(now, sizeof now, "%lld", (long long)tq_wall_ms());
	snprintf(pid, sizeof pid, "%ld", (long)getpid());
	snprintf(conc, sizeof conc, "%d", w->concurrency);
	snprintf(b, sizeof b, "%d", busy);
	snprintf(proc, sizeof proc, "%lld", tq_worker_processed(w));
	snprintf(fail, sizeof fail, "%lld", tq_worker_failed(w));
	snprintf(start, sizeof start, "%lld", (long long)w->started_at);
	snprintf(ttl, sizeof ttl, "%d", TQ_REGISTRY_TTL_MS);
	hset[1] = pexpire[1] = wkey;
	zadd[1] = wskey;
	tq_redis_append(r, (int)TQ_NITEMS(hset), hset, NULL);
	tq_redis_append(r, 3, pexpire, NULL);
	tq_redis_append(r, 4, zadd, NULL);
	for (i = 0; i < 3; i++) {
		if ((reply = tq_redis_reply(r, NULL)) == NULL)
			break;
		freeReplyObject(reply);
	}
	tq_redis_discard(r);
	free(wkey);
	free(wskey);
}

static void
tq_worker_unpublish(struct tq_worker *w, struct tq_client *c)
{
	char		*wkey, *wskey;
	const char	*del[2], *zrem[3];
	redisReply	*reply;

	wkey = tq_key_worker(tq_client_namespace(c), w->name);
	wskey = tq_key_workers(tq_client_namespace(c));
	del[0] = "DEL";
	del[1] = wkey;
	zrem[0] = "ZREM";
	zrem[1] = wskey;
	zrem[2] = w->name;
	if ((reply = tq_redis_command(tq_client_redis(c), NULL, 2, del,
	    NULL)) != NULL)
		freeReplyObject(reply);
	if ((reply = tq_redis_command(tq_client_redis(c), NULL, 3, zrem,
	    NULL)) != NULL)
		freeReplyObject(reply);
	free(wkey);
	free(wskey);
}

/* Extend job's lease when a third of it has passed. */
static void
tq_worker_extend(struct tq_worker *w, struct tq_client *c,
    struct tq_job *job, int64_t now)
{
	struct tq_error	err;

	if (now - job->extended < w->lease_ms / 3)
		return;
	tq_error_clear(&err);
	if (tq_extend(c, job->task, w->lease_ms, &err) == 0) {
		job->extended = now;
		return;
	}
	if (err.code == TQ_ELEASE && tq_job_settle(job)) {
		/* Reclaimed (we were too slow): the task is someone else's. */
		tq_job_cancel(job);
		tq_worker_log(w, 1, "task %s: lease lost; cancelling its "
		    "handler", tq_task_id(job->task));
	}
	/* Connection errors: try again next tick, while the lease lasts. */
}

/*
 * One running job's heartbeat duty: extend its lease; at its deadline,
 * cancel it and keep extending for TQ_TIMEOUT_GRACE_MS while its handler
 * returns (the handler's thread then fails the attempt); after that, fail
 * it without the handler.
 */
static void
tq_worker_tend(struct tq_worker *w, struct tq_client *c, struct tq_job *job,
    int64_t now)
{
	char	why[64];

	if (now >= job->deadline && now < job->deadline + TQ_TIMEOUT_GRACE_MS) {
		if (!job->timed_out) {
			job->timed_out = 1;
			tq_job_cancel(job);
		}
	} else if (now >= job->deadline) {
		if (!tq_job_settle(job))
			return;
		/* Not tq_job_set_error: the handler's thread owns job->error. */
		tq_job_timeout_why(job, why, sizeof why);
		tq_worker_log(w, 1, "task %s: handler still running %d ms "
		    "after its timeout; failing the attempt without it",
		    tq_task_id(job->task), TQ_TIMEOUT_GRACE_MS);
		if (tq_worker_send(w, c, job, 'f', 0, why) == 0)
			__atomic_add_fetch(&w->failed, 1, __ATOMIC_RELAXED);
		tq_worker_log(w, 2, "task %s type=%s queue=%s attempt=%d %s",
		    tq_task_id(job->task), tq_task_type(job->task),
		    tq_task_queue(job->task), tq_task_attempt(job->task), why);
		return;
	}
	tq_worker_extend(w, c, job, now);
}

static void *
tq_worker_heartbeat(void *arg)
{
	struct tq_thread_arg	*ta = arg;
	struct tq_worker	*w = ta->w;
	struct tq_job		**snap, *job;
	int64_t			 now, published = 0;
	int			 i, n, np, busy;

	/* Running jobs first, then prefetched ones (leased, not started). */
	snap = tq_xcalloc(2 * (size_t)w->concurrency + TQ_PREFETCH_MAX +
	    TQ_FETCH_MAX, sizeof *snap);
	for (;;) {
		pthread_mutex_lock(&w->mu);
		if (!w->hb_stop)
			tq_worker_wait(w, TQ_TICK_MS);
		if (w->hb_stop) {
			pthread_mutex_unlock(&w->mu);
			break;
		}
		for (i = n = 0; i < w->concurrency; i++) {
			if (w->running[i] != NULL && !w->running[i]->settled) {
				snap[n] = w->running[i];
				snap[n++]->refs++;
			}
		}
		np = n;
		for (job = w->pending; job != NULL; job = job->next) {
			snap[np] = job;
			snap[np++]->refs++;
		}
		busy = w->busy;
		pthread_mutex_unlock(&w->mu);

		now = tq_monotonic_ms();
		for (i = 0; i < n; i++)
			tq_worker_tend(w, ta->c, snap[i], now);
		for (i = n; i < np; i++)
			tq_worker_extend(w, ta->c, snap[i], now);
		if (now - published >= TQ_REGISTRY_MS) {
			tq_worker_publish(w, ta->c, busy);
			published = now;
		}
		pthread_mutex_lock(&w->mu);
		for (i = 0; i < np; i++)
			snap[i] = tq_job_unref(snap[i]);
		pthread_mutex_unlock(&w->mu);
		for (i = 0; i < np; i++)
			tq_job_free(snap[i]);
	}
	free(snap);
	return (NULL);
}

/* ------------------------------------------------------------------ */
/* Run and shutdown                                                    */

/* Block until tq_worker_stop, or up to ms (-1: forever). */
static void
tq_worker_sleep(struct tq_worker *w, int ms)
{
	struct pollfd	pfd;
	char		buf[16];

	pfd.fd = w->pipe[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, ms) > 0)
		while (read(w->pipe[0], buf, sizeof buf) > 0)
			;
}

/* Hand back the tasks leased but not started, without an attempt. */
static void
tq_worker_return_pending(struct tq_worker *w, struct tq_client *c)
{
	struct tq_job	*job, *next;

	pthread_mutex_lock(&w->mu);
	job = w->pending;
	w->pending = w->pending_tail = NULL;
	w->npending = 0;
	pthread_mutex_unlock(&w->mu);
	for (; job != NULL; job = next) {
		next = job->next;
		job->settled = 1;
		(void)tq_worker_send(w, c, job, 'r', 0, NULL);
		tq_job_unref_locked(w, job);
	}
}

/*
 * After the grace period: cancel the handlers still running and hand
 * their tasks back (no attempt counted); their outcomes are discarded.
 */
static void
tq_worker_return_running(struct tq_worker *w, struct tq_client *c)
{
	struct tq_job	**snap;
	int		  i, n;

	snap = tq_xcalloc((size_t)w->concurrency, sizeof *snap);
	pthread_mutex_lock(&w->mu);
	for (i = n = 0; i < w->concurrency; i++) {
		if (w->running[i] != NULL && !w->running[i]->settled) {
			w->running[i]->settled = 1;
			snap[n] = w->running[i];
			snap[n++]->refs++;
		}
	}
	pthread_mutex_unlock(&w->mu);
	for (i = 0; i < n; i++) {
		tq_job_cancel(snap[i]);
		if (tq_worker_send(w, c, snap[i], 'r', 0, NULL) == 0)
			tq_worker_log(w, 1, "task %s: still running after the "
			    "grace period; handed back to ready",
			    tq_task_id(snap[i]->task));
	}
	for (i = 0; i < n; i++)
		tq_job_unref_locked(w, snap[i]);
	free(snap);
}

/* Wait for running handlers to finish, up to the grace period, which
 * began when the stop was asked for. */
static void
tq_worker_drain(struct tq_worker *w, int64_t stop_ms)
{
	int64_t	end = stop_ms + w->grace_ms;
	int	busy;

	for (;;) {
		pthread_mutex_lock(&w->mu);
		busy = w->busy;
		pthread_mutex_unlock(&w->mu);
		if (busy == 0 || w->stop_now || tq_monotonic_ms() >= end)
			return;
		tq_worker_sleep(w, 20);
	}
}

/* Make the clients: [0] control, [1] fetcher, [2] heartbeat, then one
 * per handler thread, and the acker's last. */
static struct tq_client **
tq_worker_clients(struct tq_worker *w, int n, struct tq_error *err)
{
	struct tq_client	**cs;
	int			  i;

	cs = tq_xcalloc((size_t)n, sizeof *cs);
	for (i = 0; i < n; i++) {
		if ((cs[i] = tq_client_new_lazy(w->cfg, err)) == NULL) {
			while (i-- > 0)
				tq_client_free(cs[i]);
			free(cs);
			return (NULL);
		}
	}
	return (cs);
}

int
tq_worker_run(struct tq_worker *w, struct tq_error *err)
{
	struct tq_client	**cs;
	struct tq_thread_arg	 *ta;
	pthread_t		 *th;
	int64_t			  stop_ms;
	int			  i, n = w->concurrency + 5;

	if ((cs = tq_worker_clients(w, n, err)) == NULL)
		return (-1);
	ta = tq_xcalloc((size_t)n, sizeof *ta);
	th = tq_xcalloc((size_t)n, sizeof *th);
	w->started_at = tq_wall_ms();
	w->stopping = w->hb_stop = w->ack_stop = 0;
	for (i = 0; i < n; i++) {
		ta[i].w = w;
		ta[i].c = cs[i];
		ta[i].slot = i - 3;
	}
	tq_worker_log(w, 2, "worker %s serving %s with %d threads", w->name,
	    w->queue_list, w->concurrency);
	for (i = 3; i < n - 2; i++)
		pthread_create(&th[i], NULL, tq_worker_thread, &ta[i]);
	pthread_create(&th[n - 2], NULL, tq_worker_acker, &ta[n - 2]);
	pthread_create(&th[1], NULL, tq_worker_fetcher, &ta[1]);
	ta[n - 1].slot = -1;
	pthread_create(&th[n - 1], NULL, tq_worker_fetcher, &ta[n - 1]);
	pthread_create(&th[2], NULL, tq_worker_heartbeat, &ta[2]);

	while (!w->stop_req)
		tq_worker_sleep(w, -1);
	stop_ms = tq_monotonic_ms();
	tq_worker_log(w, 2, "worker %s stopping%s", w->name, w->stop_now ?
	    " now" : "");

	/*
	 * No new tasks: idle handler threads and the fetcher end (the
	 * fetcher within one blocking wait), and what it leased but did not
	 * start goes back.
	 */
	pthread_mutex_lock(&w->mu);
	w->stopping = 1;
	pthread_cond_broadcast(&w->work);
	pthread_cond_broadcast(&w->state);
	pthread_cond_broadcast(&w->slot_freed);
	pthread_mutex_unlock(&w->mu);
	pthread_join(th[1], NULL);
	pthread_join(th[n - 1], NULL);
	tq_worker_return_pending(w, cs[0]);

	/* Let running handlers finish (leases still extended), then take
	 * back the rest. */
	tq_worker_drain(w, stop_ms);
	tq_worker_return_running(w, cs[0]);
	for (i = 3; i < n - 2; i++)
		pthread_join(th[i], NULL);
	/* Every handler has returned: the acker sends the last acks. */
	pthread_mutex_lock(&w->mu);
	w->ack_stop = 1;
	pthread_cond_broadcast(&w->acks);
	pthread_mutex_unlock(&w->mu);
	pthread_join(th[n - 2], NULL);
	pthread_mutex_lock(&w->mu);
	w->hb_stop = 1;
	pthread_cond_broadcast(&w->state);
	pthread_mutex_unlock(&w->mu);
	pthread_join(th[2], NULL);
	tq_worker_unpublish(w, cs[0]);
	tq_worker_log(w, 2, "worker %s stopped: %lld processed, %lld failed",
	    w->name, tq_worker_processed(w), tq_worker_failed(w));
	for (i = 0; i < n; i++)
		tq_client_free(cs[i]);
	free(cs);
	free(ta);
	free(th);
	return (0);
}
