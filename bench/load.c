/*
 * load.c -- tq-bench's producer side: enqueue, memory and promote.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * enqueue times producers: --concurrency threads, each with its own
 * client (a client is one connection, for one thread), each sending its
 * share of --tasks either through the batch API (tq_batch_*, --batch
 * tasks per tq_batch_exec) or one tq_enqueue per task (--batch 1).  The
 * clock starts when every thread is connected and stops when the last
 * one is done.  memory reads Redis's used_memory before and after
 * loading --tasks tasks into the empty namespace.  promote loads delayed
 * tasks, waits until they are all due, and promotes them as tqd does
 * (tq_promote_due, with tq_promote_queue as the safety net), with the
 * SLOWLOG threshold at zero to find the longest single script call.
 */

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define LOAD_DELAY_MS	1000	/* promote: tasks fall due this much later */
#define LOAD_DUE_SLACK	20	/* ms waited beyond the last due time */
#define LOAD_SLOWLOG_LEN "100000" /* entries kept while promote runs */
#define LOAD_LAZYFREE_WAIT 5000	/* ms to wait for UNLINK's background frees */

/* One producer thread. */
struct producer {
	struct tq_client	*c;
	const char		*queue;		/* NULL: the task type's */
	struct tq_producer	*shared;	/* or NULL: c alone */
	long long		 n;
	int			 batch;
	int64_t			 delay_ms;
	const char		*payload;
	pthread_barrier_t	*start;	/* NULL: start at once */
	int64_t			 done_ns;
	int			 rc;
	struct tq_error		 err;
};

/* Send tasks in batches of p->batch; 0 or -1 with p->err set. */
static int
producer_batches(struct producer *p)
{
	struct tq_enqueue_opts	 o;
	struct tq_batch		*b;
	const struct tq_error	*e;
	long long		 left;
	size_t			 i;
	int			 k, refused;

	tq_enqueue_opts_init(&o);
	o.delay_ms = p->delay_ms;
	o.queue = p->queue;
	for (left = p->n; left > 0; left -= k) {
		k = left < p->batch ? (int)left : p->batch;
		b = tq_batch_new(p->c);
		for (i = 0; i < (size_t)k; i++) {
			if (tq_batch_add(b, BENCH_QUEUE, p->payload, &o,
			    &p->err) != 0) {
				tq_batch_free(b);
				return (-1);
			}
		}
		if ((refused = tq_batch_exec(b, &p->err)) != 0) {
			/* Refused tasks: the first one's error says why. */
			for (i = 0; refused > 0 && i < (size_t)k; i++) {
				if ((e = tq_batch_error(b, i)) != NULL &&
				    e->code != TQ_OK) {
					p->err = *e;
					break;
				}
			}
			tq_batch_free(b);
			return (-1);
		}
		tq_batch_free(b);
	}
	return (0);
}

/* Send tasks one tq_enqueue each. */
static int
producer_singles(struct producer *p)
{
	struct tq_enqueue_opts	o;
	long long		i;

	tq_enqueue_opts_init(&o);
	o.delay_ms = p->delay_ms;
	for (i = 0; i < p->n; i++) {
		if (p->shared != NULL ? tq_producer_enqueue(p->shared,
		    BENCH_QUEUE, p->payload, &o, NULL, &p->err) != 0 :
		    tq_enqueue(p->c, BENCH_QUEUE, p->payload, &o, NULL,
		    &p->err) != 0)
			return (-1);
	}
	return (0);
}

static void *
producer_run(void *arg)
{
	struct producer	*p = arg;

	tq_error_clear(&p->err);
	if (p->start != NULL)
		pthread_barrier_wait(p->start);
	if (p->batch > 1)
		p->rc = producer_batches(p);
	else
		p->rc = producer_singles(p);
	p->done_ns = bench_now_ns();
	return (NULL);
}

int
bench_load(struct bench *b, struct tq_client *c, long long n,
    int payload_bytes, int64_t delay_ms)
{
	return (bench_load_queue(b, c, NULL, n, payload_bytes, delay_ms));
}

void
bench_queue_name(int i, int n, char *buf, size_t len)
{
	if (n <= 1)
		snprintf(buf, len, "%s", BENCH_QUEUE);
	else
		snprintf(buf, len, "%s.%d", BENCH_QUEUE, i);
}

int
bench_load_queue(struct bench *b, struct tq_client *c, const char *queue,
    long long n, int payload_bytes, int64_t delay_ms)
{
	struct producer	 p;
	char		*payload;

	memset(&p, 0, sizeof p);
	p.c = c;
	p.queue = queue;
	p.n = n;
	p.batch = BENCH_LOAD_BATCH;
	p.delay_ms = delay_ms;
	p.payload = payload = bench_payload(payload_bytes, -1);
	producer_run(&p);
	free(payload);
	if (p.rc != 0)
		return (bench_fail("load", &p.err));
	bench_debug(b, "loaded %lld tasks", n);
	return (0);
}

/* A count of the bench queue from tq_stats ("ready", "scheduled",
 * "processed"), or -1 (reported). */
long long
bench_count(BENCH_UNUSED struct bench *b, struct tq_client *c,
    const char *what)
{
	const char	*queues[1] = { BENCH_QUEUE };

	return (bench_count_queues(c, queues, 1, what));
}

/* The same, summed over queues. */
long long
bench_count_queues(struct tq_client *c, const char *const *queues,
    size_t n, const char *what)
{
	struct tq_queue_stats	*st;
	struct tq_error		 err;
	long long		 sum = 0;
	size_t			 i;

	st = tq_xcalloc(n, sizeof *st);
	if (tq_stats(c, queues, n, st, &err) != 0) {
		free(st);
		return (bench_fail("stats", &err));
	}
	for (i = 0; i < n; i++) {
		if (strcmp(what, "ready") == 0)
			sum += st[i].ready;
		else if (strcmp(what, "scheduled") == 0)
			sum += st[i].scheduled;
		else
			sum += st[i].processed;
	}
	free(st);
	return (sum);
}

/* Check that the queue holds n tasks in state what. */
static int
bench_expect(struct bench *b, struct tq_client *c, const char *what,
    long long n)
{
	long long	got;

	if ((got = bench_count(b, c, what)) < 0)
		return (-1);
	if (got != n) {
		bench_warn("expected %lld %s tasks, found %lld", n, what, got);
		return (-1);
	}
	return (0);
}

int
mode_enqueue(struct bench *b, const struct bench_params *pp,
    struct bench_result *r)
{
	struct bench_params	 p = *pp;
	struct producer		*prod;
	struct tq_producer	*shared = NULL;
	struct tq_error		 err;
	pthread_t		*th;
	pthread_barrier_t	 start;
	struct bench_cpu	 cpu;
	char			*payload;
	int64_t			 t0, t1 = 0;
	int			 i, made = 0, rc = -1;

	if (p.concurrency == -2)
		p.concurrency = p.batch > 1 ? 1 : 8;
	if (p.tasks < p.concurrency)
		p.concurrency = (int)p.tasks;
	prod = tq_xcalloc((size_t)p.concurrency, sizeof *prod);
	th = tq_xcalloc((size_t)p.concurrency, sizeof *th);
	payload = bench_payload(p.payload_bytes, -1);
	pthread_barrier_init(&start, NULL, (unsigned)p.concurrency + 1);

	/*
	 * Connect first: the clock measures enqueueing, not connecting.
	 * Shared: every thread calls one tq_producer, whose calls share
	 * round trips; each thread keeps a client for the checks.
	 */
	if (p.shared > 0 && (shared = tq_producer_new(b->cfg, &err)) == NULL) {
		rc = bench_fail("producer", &err);
		goto out;
	}
	for (i = 0; i < p.concurrency; i++) {
		prod[i].shared = p.batch == 1 ? shared : NULL;
		if ((prod[i].c = bench_client(b)) == NULL)
			goto out;
		prod[i].n = p.tasks / p.concurrency +
		    (i < p.tasks % p.concurrency);
		prod[i].batch = p.batch;
		prod[i].payload = payload;
		prod[i].start = &start;
	}
	bench_cpu_mark(b, &cpu);
	for (made = 0; made < p.concurrency; made++)
		pthread_create(&th[made], NULL, producer_run, &prod[made]);
	pthread_barrier_wait(&start);
	t0 = bench_now_ns();
	rc = 0;
	for (i = 0; i < made; i++) {
		pthread_join(th[i], NULL);
		if (prod[i].rc != 0 && rc == 0)
			rc = bench_fail("enqueue", &prod[i].err);
		if (prod[i].done_ns > t1)
			t1 = prod[i].done_ns;
	}
	if (rc == 0)
		rc = bench_expect(b, prod[0].c, "ready", p.tasks);
	if (rc == 0) {
		result_init(r, "enqueue", &p);
		result_add(r, "tasks_per_s", (double)p.tasks * 1e9 /
		    (double)(t1 - t0), 1);
		result_add(r, "elapsed_s", (double)(t1 - t0) / 1e9, 3);
		bench_cpu_report(b, &cpu, p.tasks, r);
	}

out:
	tq_producer_free(shared);
	for (i = 0; i < p.concurrency; i++)
		tq_client_free(prod[i].c);
	pthread_barrier_destroy(&start);
	free(payload);
	free(th);
	free(prod);
	return (rc);
}

/* Wait until UNLINK's background frees are done, so memory is settled. */
static int
memory_settle(struct bench *b)
{
	struct tq_error	err;
	long long	pending;
	int		i;

	for (i = 0; i < LOAD_LAZYFREE_WAIT / 10; i++) {
		if (side_info_int(b->side, "memory", "lazyfree_pending_objects",
		    &pending, &err) != 0)
			return (bench_fail("INFO memory", &err));
		if (pending == 0)
			return (0);
		bench_sleep_ns(10 * 1000000);
	}
	bench_warn("Redis still frees %lld objects after %d ms", pending,
	    LOAD_LAZYFREE_WAIT);
	return (-1);
}

/* MEMORY USAGE of the queue's key NAME (NS:{bench}:NAME) per task. */
static double
memory_key(struct bench *b, const char *name, long long n)
{
	struct tq_error	 err;
	char		*key;
	long long	 bytes;
	int		 rc;

	key = tq_xasprintf("%s:{%s}:%s", b->ns, BENCH_QUEUE, name);
	rc = side_memory_usage(b->side, key, &bytes, &err);
	free(key);
	if (rc != 0) {
		bench_fail("MEMORY USAGE", &err);
		return (NAN);
	}
	return ((double)bytes / (double)n);
}

int
mode_memory(struct bench *b, const struct bench_params *p,
    struct bench_result *r)
{
	struct tq_client	*c;
	struct tq_error		 err;
	long long		 before, after;

	/*
	 * Warm up -- the scripts are then in Redis's script cache -- and
	 * empty the namespace again.  The loading client is closed before
	 * each reading, so that no query buffer of ours is counted.
	 */
	if ((c = bench_client(b)) == NULL)
		return (-1);
	if (bench_load(b, c, 1, p->payload_bytes, 0) != 0) {
		tq_client_free(c);
		return (-1);
	}
	tq_client_free(c);
	if (bench_clean(b) != 0 || memory_settle(b) != 0)
		return (-1);
	if (side_info_int(b->side, "memory", "used_memory", &before, &err) != 0)
		return (bench_fail("INFO memory", &err));

	if ((c = bench_client(b)) == NULL)
		return (-1);
	if (bench_load(b, c, p->tasks, p->payload_bytes, 0) != 0 ||
	    bench_expect(b, c, "ready", p->tasks) != 0) {
		tq_client_free(c);
		return (-1);
	}
	tq_client_free(c);
	if (side_info_int(b->side, "memory", "used_memory", &after, &err) != 0)
		return (bench_fail("INFO memory", &err));

	result_init(r, "memory", p);
	result_add(r, "bytes_per_task", (double)(after - before) /
	    (double)p->tasks, 1);
	/* Where it goes: the bodies' hash and the ready list. */
	result_add(r, "body_bytes_per_task", memory_key(b, "t", p->tasks), 1);
	result_add(r, "ready_bytes_per_task", memory_key(b, "ready:0",
	    p->tasks), 1);
	result_add(r, "used_memory_before", (double)before, 0);
	result_add(r, "used_memory_after", (double)after, 0);
	return (0);
}

/* SLOWLOG: threshold zero (log everything) while promote runs. */
struct slowlog {
	char	*old_threshold;
	char	*old_len;
	int	 on;
};

static void
slowlog_start(struct bench *b, struct slowlog *sl)
{
	struct tq_error	err;

	memset(sl, 0, sizeof *sl);
	if (side_config_get(b->side, "slowlog-log-slower-than",
	    &sl->old_threshold, &err) != 0 ||
	    side_config_get(b->side, "slowlog-max-len", &sl->old_len,
	    &err) != 0 ||
	    side_config_set(b->side, "slowlog-max-len", LOAD_SLOWLOG_LEN,
	    &err) != 0 ||
	    side_config_set(b->side, "slowlog-log-slower-than", "0",
	    &err) != 0 ||
	    side_slowlog_reset(b->side, &err) != 0) {
		bench_warn("no max_call_ms: %s", err.msg);
		return;
	}
	sl->on = 1;
}

/* Put the SLOWLOG settings back; the longest EVAL/EVALSHA in *max_us. */
static void
slowlog_stop(struct bench *b, struct slowlog *sl, long long *max_us,
    long long *calls)
{
	struct tq_error	err;

	if (sl->on && side_slowlog_max_us(b->side, "eval", max_us, calls,
	    &err) != 0) {
		bench_warn("no max_call_ms: %s", err.msg);
		sl->on = 0;
	}
	if (sl->old_threshold != NULL && side_config_set(b->side,
	    "slowlog-log-slower-than", sl->old_threshold, &err) != 0)
		bench_warn("restoring slowlog-log-slower-than: %s", err.msg);
	if (sl->old_len != NULL && side_config_set(b->side,
	    "slowlog-max-len", sl->old_len, &err) != 0)
		bench_warn("restoring slowlog-max-len: %s", err.msg);
	if (sl->on)
		(void)side_slowlog_reset(b->side, NULL);
	free(sl->old_threshold);
	free(sl->old_len);
}

/*
 * Promote until n tasks moved: tq_promote_due as tqd's tick does, and
 * when it finds nothing, tq_promote_queue as tqd's periodic scan does.
 * *max_ns: the longest tq_promote_due call.
 */
static int
promote_all(struct tq_client *c, long long n, int batch, int64_t *max_ns)
{
	struct tq_error	err;
	long long	total = 0, moved;
	int64_t		t;
	int		idle = 0;

	*max_ns = 0;
	while (total < n) {
		t = bench_now_ns();
		if (tq_promote_due(c, batch, &moved, &err) != 0)
			return (bench_fail("promote", &err));
		t = bench_now_ns() - t;
		if (t > *max_ns)
			*max_ns = t;
		if (moved == 0 && tq_promote_queue(c, BENCH_QUEUE, batch,
		    &moved, &err) != 0)
			return (bench_fail("promote", &err));
		total += moved;
		/* Nothing moved twice in a row: nothing is left to move. */
		if (moved == 0 && ++idle > 2) {
			bench_warn("promoted %lld of %lld tasks", total, n);
			return (-1);
		}
		if (moved > 0)
			idle = 0;
	}
	return (0);
}

int
mode_promote(struct bench *b, const struct bench_params *pp,
    struct bench_result *r)
{
	struct bench_params	 p = *pp;
	struct tq_client	*c;
	struct slowlog		 sl;
	long long		 max_us = 0, calls = 0;
	int64_t			 t0, t1, max_ns;
	int			 rc;

	if (p.batch == -2)
		p.batch = (int)tq_config_int(b->cfg, "tqd", "batch");
	if ((c = bench_client(b)) == NULL)
		return (-1);
	/* Due a second after it is sent, so none is due while loading. */
	if (bench_load(b, c, p.tasks, p.payload_bytes, LOAD_DELAY_MS) != 0 ||
	    bench_expect(b, c, "scheduled", p.tasks) != 0) {
		tq_client_free(c);
		return (-1);
	}
	bench_sleep_ns((LOAD_DELAY_MS + LOAD_DUE_SLACK) * 1000000LL);

	slowlog_start(b, &sl);
	t0 = bench_now_ns();
	rc = promote_all(c, p.tasks, p.batch, &max_ns);
	t1 = bench_now_ns();
	slowlog_stop(b, &sl, &max_us, &calls);
	if (rc == 0)
		rc = bench_expect(b, c, "ready", p.tasks);
	tq_client_free(c);
	if (rc != 0)
		return (-1);

	result_init(r, "promote", &p);
	result_add(r, "tasks_per_s", (double)p.tasks * 1e9 / (double)(t1 - t0),
	    1);
	if (sl.on) {
		result_add(r, "max_call_ms", (double)max_us / 1000, 3);
		result_add(r, "calls", (double)calls, 0);
	} else {
		result_add_null(r, "max_call_ms");
		result_add_null(r, "calls");
	}
	result_add(r, "max_promote_ms", (double)max_ns / 1e6, 3);
	result_add(r, "elapsed_s", (double)(t1 - t0) / 1e9, 3);
	return (0);
}
