/*
 * test-admin.c -- libtq's administrative calls against a real Redis.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * What tqd, tq and tqtop do to queues, checked through the public API and
 * then directly in Redis (harness.c): promotion of due tasks and reclaim
 * of expired leases, both bounded per call; dead letters requeued, purged
 * (by id and all, in bounded batches), trimmed by count and age, and
 * listed newest first; pause and resume; statistics of several queues in
 * one call.  Dead letters are made quickly with max_retries 0, a dequeue
 * and a fail (harness_make_dead).  Every test ends with the state
 * machine's invariants.
 */

#include <sys/types.h>

#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

/* The score of id in zset, or -1 when absent. */
static int64_t
zscore(const char *queue, const char *zset, const char *id)
{
	char	*s;
	int64_t	 v;

	if ((s = harness_str("ZSCORE tq:{%s}:%s %s", queue, zset, id)) == NULL)
		return (-1);
	v = strtoll(s, NULL, 10);
	free(s);
	return (v);
}

/* Scripts run since the last CONFIG RESETSTAT (EVALSHA and EVAL). */
static long long
script_calls(void)
{
	redisReply	*r;
	const char	*names[] = { "cmdstat_evalsha:calls=",
	    "cmdstat_eval:calls=" };
	const char	*p;
	long long	 n = 0;
	size_t		 i;

	r = harness_cmd("INFO commandstats");
	assert_int_equal(r->type, REDIS_REPLY_STRING);
	for (i = 0; i < 2; i++) {
		if ((p = strstr(r->str, names[i])) != NULL)
			n += strtoll(p + strlen(names[i]), NULL, 10);
	}
	freeReplyObject(r);
	return (n);
}

static void
reset_stats(void)
{
	freeReplyObject(harness_cmd("CONFIG RESETSTAT"));
}

/* ------------------------------------------------------------------ */

/* Promote moves only due tasks, at most max a call, and says what's next. */
static void
test_promote_bounded(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_batch		*b;
	struct tq_task		*t;
	struct tq_error		 err;
	char			*far, *retried;
	int64_t			 next, far_due, now;
	int			 i, moved;
	static const int	 want[] = { 100, 100, 51, 0 };

	(void)state;
	/* One task waiting for its retry... */
	retried = harness_enqueue(c, "promo", "{}", NULL);
	t = harness_take(c, "promo", 30000, NULL);
	MUST(tq_fail(c, t, "again", 0, &err));
	tq_task_free(t);
	/* ... 250 scheduled 100 ms ahead, half at priority 7 ... */
	b = tq_batch_new(c);
	tq_enqueue_opts_init(&o);
	o.queue = "promo";
	o.delay_ms = 100;
	for (i = 0; i < 250; i++) {
		o.priority = i % 2 == 0 ? 7 : 0;
		MUST(tq_batch_add(b, "job", NULL, &o, &err));
	}
	assert_int_equal(tq_batch_exec(b, &err), 0);
	tq_batch_free(b);
	/* ... and one far in the future. */
	tq_enqueue_opts_init(&o);
	o.delay_ms = 3600 * 1000;
	far = harness_enqueue(c, "promo", "{}", &o);
	far_due = zscore("promo", "sched", far);
	assert_int_equal(harness_int("ZCARD tq:{promo}:sched"), 251);
	assert_int_equal(harness_int("ZCARD tq:{promo}:retry"), 1);

	harness_sleep_ms(zscore("promo", "retry", retried) -
	    harness_redis_ms() + 10);
	harness_sleep_ms(150);
	for (i = 0; i < 4; i++) {
		MUST(tq_promote(c, "promo", 100, &moved, &next, &err));
		now = harness_redis_ms();
		if (moved != want[i])
			fail_msg("promote #%d moved %d, want %d", i + 1, moved,
			    want[i]);
		if (i < 2) {
			/* Due tasks still wait: the next due is now. */
			assert_true(next > 0 && next <= now);
		} else
			assert_int_equal(next, far_due);
		assert_invariants("promo");
	}
	assert_int_equal(harness_int("LLEN tq:{promo}:ready:7"), 125);
	assert_int_equal(harness_int("LLEN tq:{promo}:ready:0"), 126);
	assert_int_equal(harness_int("ZCARD tq:{promo}:sched"), 1);
	assert_int_equal(harness_int("ZCARD tq:{promo}:retry"), 0);
	assert_true(zscore("promo", "sched", far) == far_due);

	/* Nothing waiting at all: next is 0. */
	MUST(tq_promote(c, "empty", 100, &moved, &next, &err));
	assert_int_equal(moved, 0);
	assert_int_equal(next, 0);
	free(far);
	free(retried);
	assert_invariants("promo");
}

/* Expired leases fail as "lease expired": retry, or dead when no tries. */
static void
test_reclaim(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_task		*ta, *tb, *tc;
	struct tq_error		 err;
	struct tq_queue_stats	 st;
	const char		*q = "recl";
	cJSON			*meta;
	char			*a, *b, *cc;
	int64_t			 before, after, next, due;
	int			 n;

	(void)state;
	tq_enqueue_opts_init(&o);
	a = harness_enqueue(c, q, "1", &o);
	o.max_retries = 0;
	b = harness_enqueue(c, q, "2", &o);
	cc = harness_enqueue(c, q, "3", NULL);
	ta = harness_take(c, q, 300, "wa");
	tb = harness_take(c, q, 300, "wb");
	tc = harness_take(c, q, 60000, "wc");
	assert_string_equal(tq_task_id(ta), a);
	assert_string_equal(tq_task_id(tb), b);
	assert_string_equal(tq_task_id(tc), cc);

	/* Not expired yet: nothing to do, and the earliest deadline. */
	MUST(tq_reclaim(c, q, 10, &n, &next, &err));
	assert_int_equal(n, 0);
	assert_int_equal(next, tq_task_lease_deadline(ta));

	harness_sleep_ms(tq_task_lease_deadline(tb) - harness_redis_ms() + 10);
	before = harness_redis_ms();
	MUST(tq_reclaim(c, q, 10, &n, &next, &err));
	after = harness_redis_ms();
	assert_int_equal(n, 2);
	assert_int_equal(next, tq_task_lease_deadline(tc));
	assert_invariants(q);

	due = zscore(q, "retry", a);
	assert_in_range(due, before + HARNESS_RETRY_BASE_MS / 2,
	    after + HARNESS_RETRY_BASE_MS);
	meta = harness_meta(q, a);
	assert_non_null(meta);
	assert_int_equal(harness_json_int(meta, "retry_count"), 1);
	assert_string_equal(harness_json_str(meta, "error"), "lease expired");
	cJSON_Delete(meta);

	assert_in_range(zscore(q, "dead", b), before, after);
	meta = harness_meta(q, b);
	assert_non_null(meta);
	assert_string_equal(harness_json_str(meta, "error"), "lease expired");
	cJSON_Delete(meta);

	assert_int_equal(zscore(q, "active", cc), tq_task_lease_deadline(tc));
	MUST(tq_stats(c, &q, 1, &st, &err));
	assert_int_equal(st.failed, 2);
	assert_int_equal(st.retried, 1);
	assert_int_equal(st.dead_total, 1);
	assert_int_equal(st.active, 1);

	MUST(tq_reclaim(c, q, 10, &n, &next, &err));
	assert_int_equal(n, 0);
	MUST(tq_ack(c, tc, NULL, &err));
	MUST(tq_reclaim(c, q, 10, &n, &next, &err));
	assert_int_equal(next, 0);
	tq_task_free(ta);
	tq_task_free(tb);
	tq_task_free(tc);
	free(a);
	free(b);
	free(cc);
	assert_invariants(q);
}

/* Reclaim does at most max a call. */
static void
test_reclaim_bounded(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t;
	struct tq_error		 err;
	static const int	 want[] = { 2, 2, 1, 0 };
	int			 i, n;

	(void)state;
	for (i = 0; i < 5; i++) {
		free(harness_enqueue(c, "rb", NULL, NULL));
		t = harness_take(c, "rb", 50, NULL);
		tq_task_free(t);
	}
	harness_sleep_ms(100);
	for (i = 0; i < 4; i++) {
		MUST(tq_reclaim(c, "rb", 2, &n, NULL, &err));
		assert_int_equal(n, want[i]);
		assert_invariants("rb");
	}
	assert_int_equal(harness_int("ZCARD tq:{rb}:retry"), 5);
	assert_int_equal(harness_int("ZCARD tq:{rb}:active"), 0);
}

/* Requeue dead letters by id: missing ones are counted, not an error. */
static void
test_dead_requeue_ids(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t;
	struct tq_error		 err;
	cJSON			*meta;
	char			**ids;
	const char		*sel[3];
	long long		 done, missing;

	(void)state;
	harness_make_dead(c, "drq", 3, 0, &ids);
	assert_int_equal(harness_int("ZCARD tq:{drq}:dead"), 3);
	meta = harness_meta("drq", ids[0]);
	assert_int_equal(harness_json_int(meta, "retry_count"), 1);
	cJSON_Delete(meta);

	sel[0] = ids[0];
	sel[1] = "no-such-task";
	sel[2] = ids[2];
	MUST(tq_dead_requeue(c, "drq", sel, 3, &done, &missing, &err));
	assert_int_equal(done, 2);
	assert_int_equal(missing, 1);
	assert_int_equal(zscore("drq", "dead", ids[0]), -1);
	assert_true(zscore("drq", "dead", ids[1]) > 0);
	assert_int_equal(harness_int("LLEN tq:{drq}:ready:0"), 2);
	meta = harness_meta("drq", ids[0]);
	assert_non_null(meta);
	assert_int_equal(harness_json_int(meta, "retry_count"), 0);
	cJSON_Delete(meta);
	assert_invariants("drq");

	/* A fresh start: attempt 1 with a full set of retries. */
	t = harness_take(c, "drq", 30000, NULL);
	assert_true(strcmp(tq_task_id(t), ids[0]) == 0 ||
	    strcmp(tq_task_id(t), ids[2]) == 0);
	assert_int_equal(tq_task_attempt(t), 1);

	/* Already requeued (now active): missing. */
	MUST(tq_dead_requeue(c, "drq", sel, 1, &done, &missing, &err));
	assert_int_equal(done, 0);
	assert_int_equal(missing, 1);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	harness_free_ids(ids, 3);
	assert_invariants("drq");
}

/* Requeue all of 5,000 dead letters, in bounded batches. */
static void
test_dead_requeue_all(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_error		 err;
	cJSON			*meta;
	char			**ids;
	long long		 done, missing, calls;
	size_t			 i;

	(void)state;
	harness_make_dead(c, "dall", 5000, 0, &ids);
	free(harness_enqueue(c, "dall", "{\"live\":1}", NULL));
	assert_int_equal(harness_int("ZCARD tq:{dall}:dead"), 5000);
	assert_invariants("dall");
	reset_stats();
	MUST(tq_dead_requeue(c, "dall", NULL, 0, &done, &missing, &err));
	calls = script_calls();
	print_message("# requeue all of 5000: %lld script calls\n", calls);
	assert_int_equal(done, 5000);
	assert_int_equal(missing, 0);
	/* Bounded work: no script call moved more than 1000 of them. */
	assert_true(calls >= 5);
	assert_int_equal(harness_int("ZCARD tq:{dall}:dead"), 0);
	assert_int_equal(harness_int("LLEN tq:{dall}:ready:0"), 5001);
	for (i = 0; i < 5000; i += 499) {
		meta = harness_meta("dall", ids[i]);
		assert_non_null(meta);
		assert_int_equal(harness_json_int(meta, "retry_count"), 0);
		cJSON_Delete(meta);
	}
	harness_free_ids(ids, 5000);
	assert_invariants("dall");
}

/* Purge by id and all: the bodies go too; other states stay. */
static void
test_dead_purge(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_error		 err;
	char			**ids, *live;
	const char		*sel[2];
	long long		 done, missing, calls;

	(void)state;
	harness_make_dead(c, "dp", 1204, 0, &ids);
	live = harness_enqueue(c, "dp", "{}", NULL);
	sel[0] = ids[0];
	sel[1] = "no-such-task";
	MUST(tq_dead_purge(c, "dp", sel, 2, &done, &missing, &err));
	assert_int_equal(done, 1);
	assert_int_equal(missing, 1);
	assert_int_equal(harness_int("HEXISTS tq:{dp}:t %s", ids[0]), 0);
	assert_int_equal(harness_int("HEXISTS tq:{dp}:m %s", ids[0]), 0);
	assert_int_equal(zscore("dp", "dead", ids[0]), -1);
	assert_int_equal(harness_int("ZCARD tq:{dp}:dead"), 1203);
	assert_invariants("dp");

	/* A live task's id is not a dead letter: missing, untouched. */
	sel[0] = live;
	MUST(tq_dead_purge(c, "dp", sel, 1, &done, &missing, &err));
	assert_int_equal(done, 0);
	assert_int_equal(missing, 1);
	assert_true(harness_in_ready("dp", 0, live));

	reset_stats();
	MUST(tq_dead_purge(c, "dp", NULL, 0, &done, &missing, &err));
	calls = script_calls();
	assert_int_equal(done, 1203);
	assert_int_equal(missing, 0);
	assert_true(calls >= 2);
	assert_int_equal(harness_int("ZCARD tq:{dp}:dead"), 0);
	assert_int_equal(harness_int("HLEN tq:{dp}:t"), 0);
	assert_int_equal(harness_int("HLEN tq:{dp}:m"), 0);
	assert_true(harness_in_ready("dp", 0, live));

	MUST(tq_dead_purge(c, "dp", NULL, 0, &done, &missing, &err));
	assert_int_equal(done, 0);
	harness_free_ids(ids, 1204);
	free(live);
	assert_invariants("dp");
}

/* Trim by count keeps the newest N, at most max removed a call. */
static void
test_dead_trim_count(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_error		 err;
	char			**ids;
	static const int	 want[] = { 2, 2, 2, 0 };
	int			 removed, i;

	(void)state;
	harness_make_dead(c, "tc", 10, 1, &ids);
	MUST(tq_dead_trim(c, "tc", 4, 0, 100, &removed, &err));
	assert_int_equal(removed, 6);
	assert_int_equal(harness_int("ZCARD tq:{tc}:dead"), 4);
	for (i = 0; i < 10; i++) {
		if (i < 6) {
			assert_int_equal(zscore("tc", "dead", ids[i]), -1);
			assert_int_equal(harness_int("HEXISTS tq:{tc}:t %s",
			    ids[i]), 0);
			assert_int_equal(harness_int("HEXISTS tq:{tc}:m %s",
			    ids[i]), 0);
		} else
			assert_true(zscore("tc", "dead", ids[i]) > 0);
	}
	assert_invariants("tc");
	harness_free_ids(ids, 10);

	harness_make_dead(c, "tc2", 10, 1, &ids);
	for (i = 0; i < 4; i++) {
		MUST(tq_dead_trim(c, "tc2", 4, 0, 2, &removed, &err));
		assert_int_equal(removed, want[i]);
	}
	for (i = 6; i < 10; i++)
		assert_true(zscore("tc2", "dead", ids[i]) > 0);
	harness_free_ids(ids, 10);
	assert_invariants("tc2");
}

/* Trim by age drops those that failed longer ago than max_age_ms. */
static void
test_dead_trim_age(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_error		 err;
	char			**old, **young;
	int			 removed, i;

	(void)state;
	harness_make_dead(c, "ta", 3, 0, &old);
	harness_sleep_ms(400);
	harness_make_dead(c, "ta", 2, 1, &young);
	MUST(tq_dead_trim(c, "ta", 0, 200, 100, &removed, &err));
	assert_int_equal(removed, 3);
	for (i = 0; i < 3; i++) {
		assert_int_equal(zscore("ta", "dead", old[i]), -1);
		assert_int_equal(harness_int("HEXISTS tq:{ta}:t %s", old[i]),
		    0);
	}
	for (i = 0; i < 2; i++)
		assert_true(zscore("ta", "dead", young[i]) > 0);
	MUST(tq_dead_trim(c, "ta", 0, 200, 100, &removed, &err));
	assert_int_equal(removed, 0);
	/* Count and age together. */
	MUST(tq_dead_trim(c, "ta", 1, 3600 * 1000, 100, &removed, &err));
	assert_int_equal(removed, 1);
	assert_true(zscore("ta", "dead", young[1]) > 0);
	harness_free_ids(old, 3);
	harness_free_ids(young, 2);
	assert_invariants("ta");
}

struct waiter {
	struct tq_client	*c;
	const char		*queue;
	int64_t			 end_ms;
	int			 rc;
	char			 id[TQ_NAME_MAX + 1];
	struct tq_error		 err;
};

static void *
waiter_main(void *arg)
{
	struct waiter		*w = arg;
	struct tq_dequeue_opts	 o;
	struct tq_task		*t = NULL;
	const char		*qs[1];

	qs[0] = w->queue;
	tq_dequeue_opts_init(&o);
	o.queues = qs;
	o.nqueues = 1;
	o.block_ms = 3000;
	w->rc = tq_dequeue(w->c, &o, &t, &w->err);
	w->end_ms = harness_mono_ms();
	if (w->rc == 1) {
		snprintf(w->id, sizeof w->id, "%s", tq_task_id(t));
		w->rc = tq_ack(w->c, t, NULL, &w->err) == 0 ? 1 : -1;
		tq_task_free(t);
	}
	return (NULL);
}

/* Pause and resume are idempotent; resume wakes a blocked worker. */
static void
test_pause_resume(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_queue_stats	 st;
	struct tq_error		 err;
	struct waiter		 w;
	pthread_t		 th;
	const char		*q = "pr";
	char			*id;
	int64_t			 resumed;
	int			 rc;

	(void)state;
	MUST(tq_pause(c, q, &err));
	MUST(tq_pause(c, q, &err));
	assert_int_equal(harness_int("EXISTS tq:{pr}:paused"), 1);
	MUST(tq_stats(c, &q, 1, &st, &err));
	assert_int_equal(st.paused, 1);
	id = harness_enqueue(c, q, "{}", NULL);

	memset(&w, 0, sizeof w);
	w.c = harness_client();
	w.queue = q;
	assert_int_equal(pthread_create(&th, NULL, waiter_main, &w), 0);
	harness_sleep_ms(200);
	resumed = harness_mono_ms();
	/* Join before any assertion: the thread uses a harness client. */
	tq_error_clear(&err);
	rc = tq_resume(c, q, &err);
	assert_int_equal(pthread_join(th, NULL), 0);
	if (rc != 0)
		fail_msg("tq_resume: %s", err.msg);
	if (w.rc != 1)
		fail_msg("blocked dequeue after resume: %d (%s)", w.rc,
		    w.err.msg);
	assert_string_equal(w.id, id);
	print_message("# resume woke the worker in %lld ms\n",
	    (long long)(w.end_ms - resumed));
	assert_true(w.end_ms - resumed <= 50);

	MUST(tq_resume(c, q, &err));
	assert_int_equal(harness_int("EXISTS tq:{pr}:paused"), 0);
	MUST(tq_stats(c, &q, 1, &st, &err));
	assert_int_equal(st.paused, 0);
	assert_int_equal(st.processed, 1);
	free(id);
	assert_invariants(q);
}

/* The dead-letter list: newest first, paged, with the error text. */
static void
test_dead_list(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task_info	**v;
	struct tq_error		 err;
	char			**ids, want[32];
	size_t			 n, i;

	(void)state;
	harness_make_dead(c, "dl", 5, 1, &ids);
	MUST(tq_dead_list(c, "dl", 0, 2, &v, &n, &err));
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		assert_string_equal(v[i]->id, ids[4 - i]);
		assert_int_equal(v[i]->state, TQ_STATE_DEAD);
		snprintf(want, sizeof want, "why-%zu", 4 - i);
		assert_non_null(v[i]->error);
		assert_string_equal(v[i]->error, want);
		assert_string_equal(v[i]->queue, "dl");
		assert_string_equal(v[i]->type, "job");
		snprintf(want, sizeof want, "{\"n\":%zu}", 4 - i);
		assert_string_equal(v[i]->payload, want);
		assert_int_equal(v[i]->failed_at, zscore("dl", "dead",
		    ids[4 - i]));
		assert_int_equal(v[i]->retry_count, 1);
	}
	assert_true(v[0]->failed_at > v[1]->failed_at);
	tq_task_info_array_free(v, n);

	MUST(tq_dead_list(c, "dl", 2, 10, &v, &n, &err));
	assert_int_equal(n, 3);
	for (i = 0; i < n; i++)
		assert_string_equal(v[i]->id, ids[2 - i]);
	tq_task_info_array_free(v, n);

	MUST(tq_dead_list(c, "dl", 5, 10, &v, &n, &err));
	assert_int_equal(n, 0);
	tq_task_info_array_free(v, n);
	MUST(tq_dead_list(c, "nothing", 0, 10, &v, &n, &err));
	assert_int_equal(n, 0);
	tq_task_info_array_free(v, n);
	harness_free_ids(ids, 5);
	assert_invariants("dl");
}

static int
str_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Collect every match of text in queue, scan entries a call. */
static size_t
dead_find_all(struct tq_client *c, const char *queue, const char *text,
    int scan, char ***out)
{
	struct tq_dead_found	 f;
	struct tq_error		 err;
	char			 cursor[TQ_DEAD_CURSOR_MAX] = "";
	size_t			 n = 0, i;
	int			 more, calls = 0;

	*out = NULL;
	do {
		more = tq_dead_find(c, queue, text, cursor, scan, &f, &err);
		assert_true(more >= 0);
		assert_true(f.scanned <= scan);
		for (i = 0; i < f.n; i++) {
			*out = tq_xreallocarray(*out, n + 1, sizeof **out);
			(*out)[n++] = tq_xstrdup(f.rows[i]->id);
		}
		tq_task_info_array_free(f.rows, f.n);
		assert_true(++calls < 1000);
	} while (more);
	assert_string_equal(cursor, "");
	return (n);
}

/*
 * Finding dead letters by id, type or error, a bounded slice a call:
 * newest first, none twice or missed across runs of equal scores (many
 * tasks go dead in the same millisecond), and none of those that go
 * dead during the scan.
 */
static void
test_dead_find(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_dead_found	 f;
	struct tq_error		 err;
	char			**ids, **got, cursor[TQ_DEAD_CURSOR_MAX] = "";
	char			*sorted[30];
	size_t			 n, i;
	int			 scan;

	(void)state;
	harness_make_dead(c, "df", 40, 0, &ids);
	/* Ids 0-29 share a score, 30-39 are newer, one a millisecond. */
	for (i = 0; i < 40; i++)
		freeReplyObject(harness_cmd("ZADD tq:{df}:dead %d %s",
		    i < 30 ? 1000 : 2000 + (int)i, ids[i]));
	memcpy(sorted, ids, sizeof sorted);
	qsort(sorted, 30, sizeof *sorted, str_cmp);
	for (scan = 1; scan <= 41; scan += 4) {
		n = dead_find_all(c, "df", "why-", scan, &got);
		assert_int_equal(n, 40);
		for (i = 0; i < 10; i++)
			assert_string_equal(got[i], ids[39 - i]);
		/* The tie comes in Redis's order: each of it once. */
		qsort(got + 10, 30, sizeof *got, str_cmp);
		for (i = 0; i < 30; i++)
			assert_string_equal(got[10 + i], sorted[i]);
		harness_free_ids(got, n);
	}
	/* The error: why-3 and why-30 to why-39; the type; nothing. */
	assert_int_equal(dead_find_all(c, "df", "why-3", 7, &got), 11);
	harness_free_ids(got, 11);
	assert_int_equal(dead_find_all(c, "df", "job", TQ_DEAD_SCAN_MAX,
	    &got), 40);
	harness_free_ids(got, 40);
	assert_int_equal(dead_find_all(c, "df", "zz", 3, &got), 0);
	free(got);
	/* The id itself. */
	assert_int_equal(dead_find_all(c, "df", ids[17], 9, &got), 1);
	assert_string_equal(got[0], ids[17]);
	harness_free_ids(got, 1);

	/* Going dead during a scan: newer than its cursor, not seen. */
	assert_int_equal(tq_dead_find(c, "df", "why-", cursor, 5, &f, &err),
	    1);
	assert_int_equal(f.n, 5);
	assert_int_equal(f.scanned, 5);
	assert_int_equal(f.total, 40);
	tq_task_info_array_free(f.rows, f.n);
	harness_make_dead(c, "df", 3, 0, NULL);
	n = 5;
	while (tq_dead_find(c, "df", "why-", cursor, 5, &f, &err) == 1) {
		n += f.n;
		tq_task_info_array_free(f.rows, f.n);
	}
	n += f.n;
	assert_int_equal(f.total, 43);
	tq_task_info_array_free(f.rows, f.n);
	assert_int_equal(n, 40);

	/* A queue whose tasks have its name as their type. */
	harness_make_dead(c, "job", 2, 0, NULL);
	assert_int_equal(dead_find_all(c, "job", "ob", 10, &got), 2);
	harness_free_ids(got, 2);

	tq_error_clear(&err);
	MUST_FAIL(tq_dead_find(c, "df", "", cursor, 5, &f, &err), TQ_EINVAL);
	MUST_FAIL(tq_dead_find(c, "df", "x", cursor, 0, &f, &err), TQ_EINVAL);
	MUST_FAIL(tq_dead_find(c, "df", "x", cursor, TQ_DEAD_SCAN_MAX + 1,
	    &f, &err), TQ_EINVAL);
	snprintf(cursor, sizeof cursor, "12 x");
	MUST_FAIL(tq_dead_find(c, "df", "x", cursor, 5, &f, &err), TQ_EINVAL);
	assert_non_null(strstr(err.msg, "bad cursor"));
	harness_free_ids(ids, 40);
	assert_invariants("df");
}

/* Statistics of several queues in one call. */
static void
test_stats_multi(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_queue_stats	 st[3];
	struct tq_error		 err;
	const char		*qs[] = { "sa", "sb", "sc" };

	(void)state;
	free(harness_enqueue(c, "sa", NULL, NULL));
	free(harness_enqueue(c, "sa", NULL, NULL));
	tq_enqueue_opts_init(&o);
	o.delay_ms = 60000;
	free(harness_enqueue(c, "sb", NULL, &o));
	harness_make_dead(c, "sb", 1, 0, NULL);
	MUST(tq_pause(c, "sb", &err));

	memset(st, 0xff, sizeof st);
	MUST(tq_stats(c, qs, 3, st, &err));
	assert_string_equal(st[0].name, "sa");
	assert_int_equal(st[0].ready, 2);
	assert_int_equal(st[0].enqueued, 2);
	assert_int_equal(st[0].scheduled, 0);
	assert_int_equal(st[0].dead, 0);
	assert_int_equal(st[0].paused, 0);

	assert_string_equal(st[1].name, "sb");
	assert_int_equal(st[1].ready, 0);
	assert_int_equal(st[1].scheduled, 1);
	assert_int_equal(st[1].dead, 1);
	assert_int_equal(st[1].dead_total, 1);
	assert_int_equal(st[1].failed, 1);
	assert_int_equal(st[1].enqueued, 2);
	assert_int_equal(st[1].paused, 1);

	assert_string_equal(st[2].name, "sc");
	assert_int_equal(st[2].ready, 0);
	assert_int_equal(st[2].scheduled, 0);
	assert_int_equal(st[2].active, 0);
	assert_int_equal(st[2].retry, 0);
	assert_int_equal(st[2].dead, 0);
	assert_int_equal(st[2].enqueued, 0);
	assert_int_equal(st[2].paused, 0);
	assert_true(st[2].now_ms > 0);
	assert_invariants("sa");
	assert_invariants("sb");
}

/* Bad queue names and ids are refused before anything is written. */
static void
test_admin_invalid(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task_info	**v;
	struct tq_queue_stats	 st;
	struct tq_error		 err;
	const char		*bad = "a{b}", *badid[] = { "x y" };
	long long		 d, m;
	size_t			 n;
	int			 i;

	(void)state;
	MUST_FAIL(tq_promote(c, bad, 10, &i, NULL, &err), TQ_EINVAL);
	MUST_FAIL(tq_reclaim(c, bad, 10, &i, NULL, &err), TQ_EINVAL);
	MUST_FAIL(tq_dead_requeue(c, bad, NULL, 0, &d, &m, &err), TQ_EINVAL);
	MUST_FAIL(tq_dead_purge(c, bad, NULL, 0, &d, &m, &err), TQ_EINVAL);
	MUST_FAIL(tq_dead_requeue(c, "ok", badid, 1, &d, &m, &err),
	    TQ_EINVAL);
	MUST_FAIL(tq_dead_purge(c, "ok", badid, 1, &d, &m, &err), TQ_EINVAL);
	MUST_FAIL(tq_dead_trim(c, bad, 1, 0, 10, &i, &err), TQ_EINVAL);
	MUST_FAIL(tq_dead_list(c, bad, 0, 10, &v, &n, &err), TQ_EINVAL);
	MUST_FAIL(tq_pause(c, bad, &err), TQ_EINVAL);
	MUST_FAIL(tq_resume(c, "a b", &err), TQ_EINVAL);
	MUST_FAIL(tq_stats(c, &bad, 1, &st, &err), TQ_EINVAL);
	assert_int_equal(harness_int("DBSIZE"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
		T(test_promote_bounded),
		T(test_reclaim),
		T(test_reclaim_bounded),
		T(test_dead_requeue_ids),
		T(test_dead_requeue_all),
		T(test_dead_purge),
		T(test_dead_trim_count),
		T(test_dead_trim_age),
		T(test_pause_resume),
		T(test_dead_list),
		T(test_dead_find),
		T(test_stats_multi),
		T(test_admin_invalid),
#undef T
	};

	/* As every tq program does: a write to a dead link is an error. */
	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests_name("admin", tests,
	    harness_group_setup, harness_group_teardown));
}
