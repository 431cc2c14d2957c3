/*
 * test-queue.c -- the task state machine of libtq against a real Redis.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Every test drives libtq through its public API (tq.h) on a private
 * redis-server (harness.c) and then checks what landed in Redis with a
 * raw connection, against the key layout of docs/PROTOCOL.md: enqueue,
 * priorities, delays, unique keys, refused input that must write nothing,
 * dequeue with lease and token, ack and results, fail and backoff, dead
 * letters, extend, release, several queues (strict and weighted), pause,
 * blocking dequeue, batches, statistics, inspection, and a Redis that
 * dies, comes back or forgets its scripts.  Each test ends by checking
 * the invariants of the state machine (assert_invariants).
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

/* A dequeue option set for queues qs[0..n), not blocking. */
static void
dq_opts(struct tq_dequeue_opts *o, const char *const *qs, size_t n)
{
	tq_dequeue_opts_init(o);
	o->queues = qs;
	o->nqueues = n;
}

/* Dequeue with o and expect nothing (returns 0). */
static void
take_none(struct tq_client *c, const struct tq_dequeue_opts *o)
{
	struct tq_task	*t = NULL;
	struct tq_error	 err;
	int		 rc;

	tq_error_clear(&err);
	rc = tq_dequeue(c, o, &t, &err);
	if (rc != 0)
		fail_msg("tq_dequeue: returned %d (%s), expected 0 (nothing), "
		    "task %s", rc, err.msg, t != NULL ? tq_task_id(t) : "-");
	assert_null(t);
}

/* Enqueue with priority; returns the id. */
static char *
enq_prio(struct tq_client *c, const char *queue, int priority)
{
	struct tq_enqueue_opts	o;

	tq_enqueue_opts_init(&o);
	o.priority = priority;
	return (harness_enqueue(c, queue, NULL, &o));
}

/* Whether id is in list "ready:P", as an id or an inline body. */
static int
in_list(const char *queue, const char *list, const char *id)
{
	int	prio;

	if (sscanf(list, "ready:%d", &prio) != 1)
		fail_msg("in_list: %s is not a ready list", list);
	return (harness_in_ready(queue, prio, id));
}

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

/* One queue's statistics. */
static void
stats_of(struct tq_client *c, const char *queue, struct tq_queue_stats *s)
{
	struct tq_error	err;

	MUST(tq_stats(c, &queue, 1, s, &err));
	assert_string_equal(s->name, queue);
}

/* ------------------------------------------------------------------ */

/* The plain path: enqueue to ready, dequeue the same task with a lease. */
static void
test_enqueue_dequeue(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_task		*t;
	struct tq_error		 err;
	cJSON			*body;
	char			*id = NULL, *s;
	const char		*payload =
	    "{\"to\":\"a@example.com\",\"n\":[1,2]}";
	int64_t			 before, after;

	(void)state;
	tq_enqueue_opts_init(&o);
	o.queue = "q1";
	before = harness_redis_ms();
	MUST(tq_enqueue(c, "email", payload, &o, &id, &err));
	assert_non_null(id);
	assert_int_equal(harness_int("SISMEMBER tq:queues q1"), 1);
	assert_int_equal(harness_int("LLEN tq:{q1}:ready:0"), 1);
	assert_true(in_list("q1", "ready:0", id));
	assert_int_equal(harness_int("ZCARD tq:{q1}:sched"), 0);

	/*
	 * A new task with an id of libtq's waits inline, its body in the
	 * ready list itself and nowhere else, in the documented layout:
	 * the queue and the defaults are left out, the type is not.
	 */
	assert_int_equal(harness_int("HEXISTS tq:{q1}:t %s", id), 0);
	s = harness_str("LINDEX tq:{q1}:ready:0 0");
	assert_non_null(s);
	assert_true(strncmp(s, "{\"id\":\"", 7) == 0);
	assert_non_null(body = cJSON_Parse(s));
	assert_string_equal(harness_json_str(body, "id"), id);
	assert_null(cJSON_GetObjectItemCaseSensitive(body, "queue"));
	assert_string_equal(harness_json_str(body, "type"), "email");
	assert_null(cJSON_GetObjectItemCaseSensitive(body, "priority"));
	assert_null(cJSON_GetObjectItemCaseSensitive(body, "max_retries"));
	assert_null(cJSON_GetObjectItemCaseSensitive(body, "timeout"));
	assert_in_range(harness_json_int(body, "created_at"), before - 2000,
	    before + 60000);
	assert_non_null(strstr(s, payload));
	cJSON_Delete(body);
	free(s);

	t = harness_take(c, "q1", 30000, "w1");
	after = harness_redis_ms();
	assert_string_equal(tq_task_id(t), id);
	assert_string_equal(tq_task_queue(t), "q1");
	assert_string_equal(tq_task_type(t), "email");
	assert_string_equal(tq_task_payload(t), payload);
	assert_true(cJSON_IsObject(tq_task_payload_json(t)));
	assert_int_equal(tq_task_attempt(t), 1);
	assert_int_equal(tq_task_priority(t), 0);
	assert_int_equal(tq_task_max_retries(t), 3);
	assert_int_equal(tq_task_timeout_s(t), 0);	/* none of its own */
	assert_in_range(tq_task_created_at(t), before - 2000, after + 2000);
	assert_non_null(tq_task_token(t));
	assert_true(strlen(tq_task_token(t)) >= 16);
	/* The lease runs on Redis's clock: now + lease_ms. */
	assert_in_range(tq_task_lease_deadline(t), before + 30000,
	    after + 30000);
	assert_int_equal(zscore("q1", "active", id), tq_task_lease_deadline(t));
	s = harness_str("HGET tq:{q1}:lease %s", id);
	assert_non_null(s);
	assert_string_equal(s, tq_task_token(t));
	free(s);
	assert_int_equal(harness_int("LLEN tq:{q1}:ready:0"), 0);
	/* Leased, it has its body in t, by id. */
	s = harness_str("HGET tq:{q1}:t %s", id);
	assert_non_null(s);
	assert_non_null(strstr(s, payload));
	free(s);
	assert_invariants("q1");

	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	free(id);
	assert_invariants("q1");
}

/* Big integers and decimals reach the body and the worker byte for byte. */
static void
test_payload_exact(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t;
	struct tq_task_info	*info;
	struct tq_error		 err;
	const cJSON		*pj, *big;
	char			*id, *s;
	const char		*payload = "{\"big\":9223372036854775807,"
	    "\"neg\":-9223372036854775808,\"f\":0.1,\"e\":1.5e300,"
	    "\"s\":\"h\\u00e9llo \xe2\x9c\x93\","
	    "\"nested\":{\"a\":[true,null]}}";

	(void)state;
	id = harness_enqueue(c, "exact", payload, NULL);
	s = harness_body("exact", id);
	assert_non_null(s);
	if (strstr(s, payload) == NULL)
		fail_msg("body does not hold the payload verbatim: %s", s);
	free(s);

	t = harness_take(c, "exact", 30000, NULL);
	assert_string_equal(tq_task_id(t), id);
	if (strcmp(tq_task_payload(t), payload) != 0)
		fail_msg("tq_task_payload changed the payload:\n got  %s\n "
		    "want %s", tq_task_payload(t), payload);
	pj = tq_task_payload_json(t);
	assert_true(cJSON_IsObject(pj));
	big = cJSON_GetObjectItemCaseSensitive(pj, "big");
	assert_true(cJSON_IsNumber(big));

	MUST(tq_inspect(c, "exact", id, &info, &err));
	assert_string_equal(info->payload, payload);
	tq_task_info_free(info);

	MUST(tq_ack(c, t, payload, &err));
	tq_task_free(t);
	MUST(tq_result(c, "exact", id, &s, &err));
	assert_string_equal(s, payload);
	free(s);
	free(id);
	assert_invariants("exact");
}

/* Higher priority first; first in, first out within one priority. */
static void
test_priority_fifo(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t;
	struct tq_error		 err;
	struct tq_dequeue_opts	 o;
	const char		*qs[] = { "prio" };
	char			*ids[7];
	static const int	 prio[7] = { 0, 9, 5, 0, 9, 5, 0 };
	static const int	 want[7] = { 1, 4, 2, 5, 0, 3, 6 };
	int			 i;

	(void)state;
	for (i = 0; i < 7; i++)
		ids[i] = enq_prio(c, "prio", prio[i]);
	assert_int_equal(harness_int("LLEN tq:{prio}:ready:0"), 3);
	assert_int_equal(harness_int("LLEN tq:{prio}:ready:5"), 2);
	assert_int_equal(harness_int("LLEN tq:{prio}:ready:9"), 2);
	assert_invariants("prio");
	for (i = 0; i < 7; i++) {
		t = harness_take(c, "prio", 30000, NULL);
		if (strcmp(tq_task_id(t), ids[want[i]]) != 0)
			fail_msg("dequeue %d: got %s, want %s (priority %d)",
			    i, tq_task_id(t), ids[want[i]], prio[want[i]]);
		assert_int_equal(tq_task_priority(t), prio[want[i]]);
		MUST(tq_ack(c, t, NULL, &err));
		tq_task_free(t);
	}
	dq_opts(&o, qs, 1);
	take_none(c, &o);
	for (i = 0; i < 7; i++)
		free(ids[i]);
	assert_invariants("prio");
}

/* delay_ms and at_ms go to sched, not ready, until due and promoted. */
static void
test_delayed(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_dequeue_opts	 d;
	struct tq_task		*t;
	struct tq_error		 err;
	const char		*qs[] = { "later" };
	char			*a, *b, *p;
	int64_t			 before, after, due_a, at, next;
	int			 moved;

	(void)state;
	dq_opts(&d, qs, 1);
	tq_enqueue_opts_init(&o);
	o.delay_ms = 500;
	before = harness_redis_ms();
	a = harness_enqueue(c, "later", "1", &o);
	after = harness_redis_ms();
	due_a = zscore("later", "sched", a);
	assert_in_range(due_a, before + 500, after + 500);
	assert_false(in_list("later", "ready:0", a));

	tq_enqueue_opts_init(&o);
	at = harness_redis_ms() + 800;
	o.at_ms = at;
	b = harness_enqueue(c, "later", "2", &o);
	assert_int_equal(zscore("later", "sched", b), at);

	/* A run-at time in the past means now. */
	tq_enqueue_opts_init(&o);
	o.at_ms = harness_redis_ms() - 1000;
	p = harness_enqueue(c, "later", "3", &o);
	assert_true(in_list("later", "ready:0", p));
	assert_invariants("later");

	t = harness_take(c, "later", 30000, NULL);
	assert_string_equal(tq_task_id(t), p);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	take_none(c, &d);

	/* Not due yet: promote moves nothing and says when to come back. */
	MUST(tq_promote(c, "later", 100, &moved, &next, &err));
	assert_int_equal(moved, 0);
	assert_int_equal(next, due_a);
	take_none(c, &d);

	harness_sleep_ms(due_a - harness_redis_ms() + 10);
	MUST(tq_promote(c, "later", 100, &moved, &next, &err));
	assert_int_equal(moved, 1);
	assert_int_equal(next, at);
	assert_int_equal(zscore("later", "sched", a), -1);
	t = harness_take(c, "later", 30000, NULL);
	assert_string_equal(tq_task_id(t), a);
	assert_int_equal(tq_task_attempt(t), 1);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	take_none(c, &d);

	harness_sleep_ms(at - harness_redis_ms() + 10);
	MUST(tq_promote(c, "later", 100, &moved, &next, &err));
	assert_int_equal(moved, 1);
	assert_int_equal(next, 0);
	t = harness_take(c, "later", 30000, NULL);
	assert_string_equal(tq_task_id(t), b);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	free(a);
	free(b);
	free(p);
	assert_invariants("later");
}

/* A unique key refuses duplicates for its TTL, then allows them. */
static void
test_unique(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_error		 err;
	char			*a, *b, *d, *e, *id = NULL;

	(void)state;
	tq_enqueue_opts_init(&o);
	o.queue = "uq";
	o.unique_ms = 400;
	o.unique_key = "report-42";
	a = harness_enqueue(c, "uq", "{\"x\":1}", &o);
	MUST_FAIL(tq_enqueue(c, "job", "{\"x\":2}", &o, &id, &err),
	    TQ_EEXIST);
	if (strstr(err.msg, a) == NULL)
		fail_msg("EEXIST message does not name the holder %s: %s", a,
		    err.msg);
	assert_null(id);
	assert_int_equal(harness_int("LLEN tq:{uq}:ready:0"), 1);
	assert_int_equal(harness_int("HLEN tq:{uq}:t"), 0);
	assert_int_equal(harness_int("HGET tq:{uq}:stats enqueued") , 1);

	/* Without a key: the same type and payload are the duplicate. */
	o.unique_key = NULL;
	b = harness_enqueue(c, "uq", "{\"y\":1}", &o);
	MUST_FAIL(tq_enqueue(c, "job", "{\"y\":1}", &o, NULL, &err),
	    TQ_EEXIST);
	d = harness_enqueue(c, "uq", "{\"y\":2}", &o);
	assert_int_equal(harness_int("LLEN tq:{uq}:ready:0"), 3);
	assert_invariants("uq");

	harness_sleep_ms(450);
	o.unique_key = "report-42";
	e = harness_enqueue(c, "uq", "{\"x\":3}", &o);
	o.unique_key = NULL;
	free(harness_enqueue(c, "uq", "{\"y\":1}", &o));
	assert_int_equal(harness_int("LLEN tq:{uq}:ready:0"), 5);
	free(a);
	free(b);
	free(d);
	free(e);
	assert_invariants("uq");
}

/* A caller-chosen id that exists is refused and changes nothing. */
static void
test_duplicate_id(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_error		 err;
	char			*id, *before, *after;

	(void)state;
	tq_enqueue_opts_init(&o);
	o.id = "order-1001";
	id = harness_enqueue(c, "dup", "{\"v\":1}", &o);
	assert_string_equal(id, "order-1001");
	before = harness_str("HGET tq:{dup}:t order-1001");
	assert_non_null(before);

	o.queue = "dup";
	o.priority = 7;
	o.delay_ms = 5000;
	MUST_FAIL(tq_enqueue(c, "job", "{\"v\":2}", &o, NULL, &err),
	    TQ_EEXIST);
	after = harness_str("HGET tq:{dup}:t order-1001");
	assert_string_equal(after, before);
	assert_int_equal(harness_int("LLEN tq:{dup}:ready:0"), 1);
	assert_int_equal(harness_int("LLEN tq:{dup}:ready:7"), 0);
	assert_int_equal(harness_int("ZCARD tq:{dup}:sched"), 0);
	assert_int_equal(harness_int("HGET tq:{dup}:stats enqueued"), 1);
	free(id);
	free(before);
	free(after);
	assert_invariants("dup");
}

/*
 * A producer's id stays taken once its task is done, for [queue] id_ttl,
 * so that an enqueue sent again after its reply was lost (the task ran
 * meanwhile) makes no second task; purging a dead task frees its id at
 * once; with id_ttl 0 an id is taken only while its task exists.
 */
static void
test_id_remembered(void **state)
{
	struct tq_config	*cfg = harness_config();
	struct tq_client	*c, *c0;
	struct tq_enqueue_opts	 o;
	struct tq_task		*t;
	struct tq_error		 err;
	const char		*sel[1] = { "pay-2" };
	long long		 done, missing;
	int64_t			 now;
	char			*s;

	(void)state;
	MUST(tq_config_set(cfg, "queue idq", "id_ttl", "400ms", &err));
	MUST(tq_config_set(cfg, "queue idq0", "id_ttl", "0", &err));
	c = harness_client_cfg(cfg);
	tq_enqueue_opts_init(&o);
	o.id = "pay-1";
	free(harness_enqueue(c, "idq", "{}", &o));
	assert_int_equal(harness_int("ZSCORE tq:{idq}:ids pay-1"), 0);
	t = harness_take(c, "idq", 30000, NULL);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	now = harness_redis_ms();
	s = harness_str("ZSCORE tq:{idq}:ids pay-1");
	assert_in_range(strtoll(s, NULL, 10), now, now + 400);
	free(s);
	o.queue = "idq";
	MUST_FAIL(tq_enqueue(c, "job", "{}", &o, NULL, &err), TQ_EEXIST);
	assert_int_equal(harness_int("HGET tq:{idq}:stats enqueued"), 1);
	/* Forgotten after id_ttl: the id is free again. */
	harness_sleep_ms(450);
	MUST(tq_enqueue(c, "job", "{}", &o, NULL, &err));
	assert_int_equal(harness_int("HGET tq:{idq}:stats enqueued"), 2);
	assert_invariants("idq");

	/* A dead task's id is taken until it is purged. */
	o.id = "pay-2";
	o.max_retries = 0;
	MUST(tq_enqueue(c, "job", "{}", &o, NULL, &err));
	/* First out: pay-1's second task, then pay-2. */
	t = harness_take(c, "idq", 30000, NULL);
	assert_string_equal(tq_task_id(t), "pay-1");
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	t = harness_take(c, "idq", 30000, NULL);
	assert_string_equal(tq_task_id(t), "pay-2");
	MUST(tq_fail(c, t, "no", 0, &err));
	tq_task_free(t);
	MUST_FAIL(tq_enqueue(c, "job", "{}", &o, NULL, &err), TQ_EEXIST);
	MUST(tq_dead_purge(c, "idq", sel, 1, &done, &missing, &err));
	assert_null(harness_str("ZSCORE tq:{idq}:ids pay-2"));
	MUST(tq_enqueue(c, "job", "{}", &o, NULL, &err));

	/* id_ttl 0: taken only while the task exists; nothing kept. */
	c0 = c;
	tq_enqueue_opts_init(&o);
	o.id = "pay-3";
	o.queue = "idq0";
	MUST(tq_enqueue(c0, "job", "{}", &o, NULL, &err));
	t = harness_take(c0, "idq0", 30000, NULL);
	MUST(tq_ack(c0, t, NULL, &err));
	tq_task_free(t);
	assert_int_equal(harness_int("EXISTS tq:{idq0}:ids"), 0);
	MUST(tq_enqueue(c0, "job", "{}", &o, NULL, &err));
	assert_invariants("idq0");
	tq_config_free(cfg);
}

/* Refused input writes nothing at all to Redis. */
static void
test_invalid_input(void **state)
{
	static const char *const bad_names[] = {
		"a{b", "a}b", "{q}", "a*b", "a?b", "a[b", "a]b", "a b", " ",
		"a\tb", "a\nb", "a\rb", "a\x01" "b", "a\x7f" "b", "",
		"caf\xc3\xa9", "a/b", "a\"b",
	};
	static const char *const bad_payloads[] = {
		"", " ", "{", "}", "{'a':1}", "nul", "[1,]", "{\"a\":1,}",
		"1 2", "{\"a\" 1}", "\"unterminated", "01", "NaN",
		"{\"a\":1}x", "\"tab\there\"",
		/* not UTF-8 */
		"\"\xff\"", "\"\xc3\x28\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", "\"\xe2\x82\"",
	};
	struct tq_client	*c = harness_client(), *small;
	struct tq_config	*cfg;
	struct tq_enqueue_opts	 o;
	struct tq_batch		*b;
	struct tq_error		 err;
	char			 longname[TQ_NAME_MAX + 2], *big, *id;
	size_t			 i;

	(void)state;
	assert_int_equal(harness_int("DBSIZE"), 0);
	for (i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
		tq_enqueue_opts_init(&o);
		o.queue = bad_names[i];
		MUST_FAIL(tq_enqueue(c, "job", NULL, &o, NULL, &err),
		    TQ_EINVAL);
		/* With no queue the type names it. */
		MUST_FAIL(tq_enqueue(c, bad_names[i], NULL, NULL, NULL, &err),
		    TQ_EINVAL);
		tq_enqueue_opts_init(&o);
		o.queue = "ok";
		o.id = bad_names[i];
		MUST_FAIL(tq_enqueue(c, "job", NULL, &o, NULL, &err),
		    TQ_EINVAL);
	}
	memset(longname, 'n', TQ_NAME_MAX + 1);
	longname[TQ_NAME_MAX + 1] = '\0';
	tq_enqueue_opts_init(&o);
	o.queue = longname;
	MUST_FAIL(tq_enqueue(c, "job", NULL, &o, NULL, &err), TQ_EINVAL);

	tq_enqueue_opts_init(&o);
	o.queue = "ok";
	o.priority = 10;
	MUST_FAIL(tq_enqueue(c, "job", NULL, &o, NULL, &err), TQ_EINVAL);
	o.priority = -1;
	MUST_FAIL(tq_enqueue(c, "job", NULL, &o, NULL, &err), TQ_EINVAL);
	o.priority = 0;
	o.delay_ms = -1;
	MUST_FAIL(tq_enqueue(c, "job", NULL, &o, NULL, &err), TQ_EINVAL);

	tq_enqueue_opts_init(&o);
	o.queue = "ok";
	for (i = 0; i < sizeof bad_payloads / sizeof bad_payloads[0]; i++) {
		tq_error_clear(&err);
		if (tq_enqueue(c, "job", bad_payloads[i], &o, NULL, &err) !=
		    -1 || err.code != TQ_EINVAL)
			fail_msg("payload #%zu \"%s\": got %s (%s), want "
			    "EINVAL", i, bad_payloads[i],
			    tq_strerror(err.code), err.msg);
	}

	/* Over the default cap (1 MiB) by one byte. */
	if ((big = malloc(TQ_PAYLOAD_MAX_DEFAULT + 2)) == NULL)
		abort();
	memset(big, 'a', TQ_PAYLOAD_MAX_DEFAULT + 1);
	big[0] = big[TQ_PAYLOAD_MAX_DEFAULT] = '"';
	big[TQ_PAYLOAD_MAX_DEFAULT + 1] = '\0';
	MUST_FAIL(tq_enqueue(c, "job", big, &o, NULL, &err), TQ_ETOOBIG);

	/* A queue with its own cap: 1 KiB. */
	cfg = harness_config();
	MUST(tq_config_set(cfg, "queue small", "max_payload", "1K", &err));
	small = harness_client_cfg(cfg);
	tq_config_free(cfg);
	big[1025] = '\0';
	big[1024] = '"';
	o.queue = "small";
	MUST_FAIL(tq_enqueue(small, "job", big, &o, NULL, &err), TQ_ETOOBIG);

	/* The same checks refuse a task at tq_batch_add. */
	b = tq_batch_new(c);
	o.queue = "ok";
	MUST_FAIL(tq_batch_add(b, "job", "{", &o, &err), TQ_EINVAL);
	o.priority = 10;
	MUST_FAIL(tq_batch_add(b, "job", NULL, &o, &err), TQ_EINVAL);
	o.priority = 0;
	o.queue = "a b";
	MUST_FAIL(tq_batch_add(b, "job", NULL, &o, &err), TQ_EINVAL);
	assert_int_equal(tq_batch_count(b), 0);
	assert_int_equal(tq_batch_exec(b, &err), 0);
	tq_batch_free(b);

	if (harness_int("DBSIZE") != 0) {
		redisReply *r = harness_cmd("KEYS *");
		fail_msg("refused input wrote %zu key(s), the first %s",
		    r->elements, r->elements > 0 ? r->element[0]->str : "");
	}

	/* At the cap exactly: accepted. */
	o.queue = "small";
	big[1023] = '"';
	big[1024] = '\0';
	MUST(tq_enqueue(small, "job", big, &o, &id, &err));
	free(id);
	free(big);
	assert_invariants("small");
}

/* Ack removes every trace of the task and keeps the result for a while. */
static void
test_ack_result(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t;
	struct tq_error		 err;
	struct tq_queue_stats	 st;
	char			*id, *res, *none;
	const char		*result =
	    "{\"ok\":true,\"n\":9223372036854775807}";
	long long		 pttl;

	(void)state;
	id = harness_enqueue(c, "acks", "{}", NULL);
	t = harness_take(c, "acks", 30000, "w");
	MUST(tq_ack(c, t, result, &err));
	assert_int_equal(harness_int("HEXISTS tq:{acks}:t %s", id), 0);
	assert_int_equal(harness_int("HEXISTS tq:{acks}:m %s", id), 0);
	assert_int_equal(harness_int("HEXISTS tq:{acks}:lease %s", id), 0);
	assert_int_equal(zscore("acks", "active", id), -1);
	pttl = harness_int("PTTL tq:{acks}:res:%s", id);
	assert_in_range(pttl, HARNESS_RESULT_TTL_MS - 5000,
	    HARNESS_RESULT_TTL_MS);
	MUST(tq_result(c, "acks", id, &res, &err));
	assert_string_equal(res, result);
	free(res);

	/* An ack retried after a lost reply is a success, and a no-op. */
	MUST(tq_ack(c, t, result, &err));
	tq_task_free(t);
	stats_of(c, "acks", &st);
	assert_int_equal(st.processed, 1);
	assert_int_equal(st.active, 0);

	/* Without a result there is none to read. */
	free(id);
	id = harness_enqueue(c, "acks", "{}", NULL);
	t = harness_take(c, "acks", 30000, NULL);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	none = NULL;
	MUST_FAIL(tq_result(c, "acks", id, &none, &err), TQ_ENOTFOUND);
	assert_null(none);
	assert_int_equal(harness_int("EXISTS tq:{acks}:res:%s", id), 0);
	MUST_FAIL(tq_result(c, "acks", "no-such-task", &none, &err),
	    TQ_ENOTFOUND);
	free(id);
	assert_invariants("acks");
}

/*
 * tq_ack_batch: tasks of two queues in one call each; a result kept, a
 * lost lease refused, a retried ack a success, a bad result refused
 * before anything is sent, and the counters and history as for tq_ack.
 */
static void
test_ack_batch(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t[6];
	struct tq_error		 errs[6], err;
	const char		*res[6] = { NULL, "{\"r\":1}", NULL, NULL,
				    "[", NULL };
	char			*id[6], *got;
	const char		*qs[6] = { "ab1", "ab1", "ab2", "ab1", "ab1",
				    "ab2" };
	int64_t			 next;
	int			 i, n;

	(void)state;
	for (i = 0; i < 6; i++) {
		id[i] = harness_enqueue(c, qs[i], "{}", NULL);
		t[i] = harness_take(c, qs[i], i == 3 ? 50 : 30000, "w");
		assert_string_equal(tq_task_id(t[i]), id[i]);
	}
	/* Task 3's lease runs out and is reclaimed: its ack must fail. */
	harness_sleep_ms(100);
	MUST(tq_reclaim(c, "ab1", 100, &n, &next, &err));
	assert_int_equal(n, 1);
	/* Task 5 was acked already (a retry after a lost reply). */
	MUST(tq_ack(c, t[5], NULL, &err));

	tq_error_clear(&err);
	assert_int_equal(tq_ack_batch(c, t, res, 6, errs, &err), 2);
	assert_int_equal(errs[0].code, TQ_OK);
	assert_int_equal(errs[1].code, TQ_OK);
	assert_int_equal(errs[2].code, TQ_OK);
	assert_int_equal(errs[3].code, TQ_ELEASE);
	assert_int_equal(errs[4].code, TQ_EINVAL);
	assert_non_null(strstr(errs[4].msg, id[4]));
	assert_int_equal(errs[5].code, TQ_OK);

	MUST(tq_result(c, "ab1", id[1], &got, &err));
	assert_string_equal(got, "{\"r\":1}");
	free(got);
	for (i = 0; i < 6; i++) {
		/* Acked: gone.  3 waits for its retry, 4 is still active. */
		assert_int_equal(harness_int("HEXISTS tq:{%s}:t %s", qs[i],
		    id[i]), i == 3 || i == 4);
		assert_int_equal(harness_int("HEXISTS tq:{%s}:lease %s", qs[i],
		    id[i]), i == 4);
	}
	assert_true(zscore("ab1", "retry", id[3]) > 0);
	assert_true(zscore("ab1", "active", id[4]) > 0);
	assert_int_equal(harness_int("HGET tq:{ab1}:stats processed"), 2);
	assert_int_equal(harness_int("HGET tq:{ab2}:stats processed"), 2);
	/* The history counts each task once, in one entry per second. */
	assert_non_null(got = harness_str("LINDEX tq:{ab1}:hist 0"));
	assert_non_null(strstr(got, ":2:"));
	free(got);

	/* Acking the same batch again changes nothing. */
	assert_int_equal(tq_ack_batch(c, t, NULL, 3, errs, &err), 0);
	assert_int_equal(harness_int("HGET tq:{ab1}:stats processed"), 2);
	MUST(tq_ack(c, t[4], NULL, &err));
	for (i = 0; i < 6; i++) {
		tq_task_free(t[i]);
		free(id[i]);
	}
	assert_invariants("ab1");
	assert_invariants("ab2");
}

/* A worker whose lease was reclaimed can no longer touch the task. */
static void
test_stale_token(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t, *t2;
	struct tq_error		 err;
	cJSON			*meta;
	char			*id;
	int64_t			 due, next;
	int			 n;

	(void)state;
	id = harness_enqueue(c, "stale", "{}", NULL);
	t = harness_take(c, "stale", 50, "w1");
	harness_sleep_ms(100);
	MUST(tq_reclaim(c, "stale", 100, &n, &next, &err));
	assert_int_equal(n, 1);
	assert_int_equal(next, 0);

	MUST_FAIL(tq_ack(c, t, "1", &err), TQ_ELEASE);
	MUST_FAIL(tq_fail(c, t, "x", 0, &err), TQ_ELEASE);
	MUST_FAIL(tq_extend(c, t, 1000, &err), TQ_ELEASE);
	MUST_FAIL(tq_release(c, t, &err), TQ_ELEASE);
	assert_int_equal(harness_int("EXISTS tq:{stale}:res:%s", id), 0);

	/* Not lost: it waits for its retry, the attempt counted. */
	due = zscore("stale", "retry", id);
	assert_true(due > 0);
	assert_int_equal(harness_int("HEXISTS tq:{stale}:t %s", id), 1);
	meta = harness_meta("stale", id);
	assert_non_null(meta);
	assert_int_equal(harness_json_int(meta, "retry_count"), 1);
	assert_string_equal(harness_json_str(meta, "error"), "lease expired");
	cJSON_Delete(meta);
	assert_invariants("stale");

	harness_sleep_ms(due - harness_redis_ms() + 10);
	MUST(tq_promote(c, "stale", 10, &n, NULL, &err));
	assert_int_equal(n, 1);
	t2 = harness_take(c, "stale", 30000, "w2");
	assert_string_equal(tq_task_id(t2), id);
	assert_int_equal(tq_task_attempt(t2), 2);
	assert_string_not_equal(tq_task_token(t2), tq_task_token(t));

	/* The old delivery still cannot complete the new one. */
	MUST_FAIL(tq_ack(c, t, "1", &err), TQ_ELEASE);
	MUST_FAIL(tq_fail(c, t, "x", TQ_FAIL_PERMANENT, &err), TQ_ELEASE);
	assert_int_equal(zscore("stale", "active", id),
	    tq_task_lease_deadline(t2));
	MUST(tq_ack(c, t2, NULL, &err));
	/* Nor report success once the new delivery completed it. */
	MUST_FAIL(tq_ack(c, t, "1", &err), TQ_ELEASE);
	assert_non_null(strstr(err.msg, "completed by another"));
	assert_int_equal(tq_ack_batch(c, &t, NULL, 1, &err, NULL), 1);
	assert_int_equal(err.code, TQ_ELEASE);
	/* Its own ack sent again (a lost reply) is still a success. */
	MUST(tq_ack(c, t2, NULL, &err));
	assert_int_equal(harness_int("HGET tq:{stale}:stats processed"), 1);
	tq_task_free(t);
	tq_task_free(t2);
	free(id);
	assert_invariants("stale");
}

/* A failed attempt waits in retry for base/2..base, then runs again. */
static void
test_fail_retry(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t;
	struct tq_error		 err;
	struct tq_queue_stats	 st;
	cJSON			*meta;
	char			*id;
	int64_t			 before, after, due;
	int			 moved;

	(void)state;
	id = harness_enqueue(c, "flaky", "{\"k\":1}", NULL);
	t = harness_take(c, "flaky", 30000, NULL);
	before = harness_redis_ms();
	MUST(tq_fail(c, t, "boom", 0, &err));
	after = harness_redis_ms();
	tq_task_free(t);

	due = zscore("flaky", "retry", id);
	assert_in_range(due, before + HARNESS_RETRY_BASE_MS / 2,
	    after + HARNESS_RETRY_BASE_MS);
	assert_int_equal(zscore("flaky", "active", id), -1);
	assert_int_equal(harness_int("HEXISTS tq:{flaky}:lease %s", id), 0);
	meta = harness_meta("flaky", id);
	assert_non_null(meta);
	assert_int_equal(harness_json_int(meta, "retry_count"), 1);
	assert_string_equal(harness_json_str(meta, "error"), "boom");
	assert_in_range(harness_json_int(meta, "failed_at"), before, after);
	cJSON_Delete(meta);
	stats_of(c, "flaky", &st);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.retried, 1);
	assert_int_equal(st.retry, 1);
	assert_int_equal(st.dead_total, 0);
	assert_invariants("flaky");

	harness_sleep_ms(due - harness_redis_ms() + 10);
	MUST(tq_promote(c, "flaky", 10, &moved, NULL, &err));
	assert_int_equal(moved, 1);
	t = harness_take(c, "flaky", 30000, NULL);
	assert_string_equal(tq_task_id(t), id);
	assert_int_equal(tq_task_attempt(t), 2);
	assert_string_equal(tq_task_payload(t), "{\"k\":1}");
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	assert_int_equal(harness_int("HEXISTS tq:{flaky}:m %s", id), 0);
	free(id);
	assert_invariants("flaky");
}

/* max_retries + 1 failed attempts make a dead letter. */
static void
test_fail_to_dead(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_task		*t;
	struct tq_error		 err;
	struct tq_queue_stats	 st;
	cJSON			*meta;
	char			*id, why[32];
	int64_t			 due, lo, hi, before;
	int			 attempt, moved;

	(void)state;
	tq_enqueue_opts_init(&o);
	o.max_retries = 2;
	id = harness_enqueue(c, "doomed", "{}", &o);
	for (attempt = 1; attempt <= 3; attempt++) {
		t = harness_take(c, "doomed", 30000, NULL);
		assert_string_equal(tq_task_id(t), id);
		assert_int_equal(tq_task_attempt(t), attempt);
		assert_int_equal(tq_task_max_retries(t), 2);
		snprintf(why, sizeof why, "failure %d", attempt);
		before = harness_redis_ms();
		MUST(tq_fail(c, t, why, 0, &err));
		tq_task_free(t);
		assert_invariants("doomed");
		if (attempt == 3)
			break;
		/* Exponential: attempt n waits base*2^(n-1), halved jitter. */
		due = zscore("doomed", "retry", id);
		lo = (HARNESS_RETRY_BASE_MS << (attempt - 1)) / 2;
		hi = HARNESS_RETRY_BASE_MS << (attempt - 1);
		assert_in_range(due - before, lo, hi + 50);
		harness_sleep_ms(due - harness_redis_ms() + 10);
		MUST(tq_promote(c, "doomed", 10, &moved, NULL, &err));
		assert_int_equal(moved, 1);
	}
	assert_true(zscore("doomed", "dead", id) >= before);
	assert_int_equal(zscore("doomed", "retry", id), -1);
	meta = harness_meta("doomed", id);
	assert_non_null(meta);
	assert_int_equal(harness_json_int(meta, "retry_count"), 3);
	assert_string_equal(harness_json_str(meta, "error"), "failure 3");
	cJSON_Delete(meta);
	stats_of(c, "doomed", &st);
	assert_int_equal(st.dead, 1);
	assert_int_equal(st.dead_total, 1);
	assert_int_equal(st.failed, 3);
	assert_int_equal(st.retried, 2);
	assert_int_equal(st.retry, 0);
	free(id);
	assert_invariants("doomed");
}

/* TQ_FAIL_PERMANENT skips the retries. */
static void
test_fail_permanent(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_task		*t;
	struct tq_error		 err;
	struct tq_queue_stats	 st;
	cJSON			*meta;
	char			*id;

	(void)state;
	tq_enqueue_opts_init(&o);
	o.max_retries = 5;
	id = harness_enqueue(c, "perm", "{}", &o);
	t = harness_take(c, "perm", 30000, NULL);
	MUST(tq_fail(c, t, "bad input", TQ_FAIL_PERMANENT, &err));
	tq_task_free(t);
	assert_true(zscore("perm", "dead", id) > 0);
	assert_int_equal(harness_int("ZCARD tq:{perm}:retry"), 0);
	meta = harness_meta("perm", id);
	assert_non_null(meta);
	assert_string_equal(harness_json_str(meta, "error"), "bad input");
	cJSON_Delete(meta);
	stats_of(c, "perm", &st);
	assert_int_equal(st.dead, 1);
	assert_int_equal(st.dead_total, 1);
	assert_int_equal(st.retried, 0);
	free(id);
	assert_invariants("perm");
}

/* Extending pushes the deadline, so reclaim leaves the task alone. */
static void
test_extend(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t, *u;
	struct tq_error		 err;
	char			*a, *b;
	int64_t			 d1, d2, before, next;
	int			 n;

	(void)state;
	a = harness_enqueue(c, "ext", "1", NULL);
	b = harness_enqueue(c, "ext", "2", NULL);
	t = harness_take(c, "ext", 1000, NULL);
	assert_string_equal(tq_task_id(t), a);
	d1 = tq_task_lease_deadline(t);
	harness_sleep_ms(20);
	before = harness_redis_ms();
	MUST(tq_extend(c, t, 60000, &err));
	d2 = tq_task_lease_deadline(t);
	assert_true(d2 >= before + 60000);
	assert_true(d2 >= d1 + 59000);
	assert_int_equal(zscore("ext", "active", a), d2);

	u = harness_take(c, "ext", 50, NULL);
	assert_string_equal(tq_task_id(u), b);
	MUST(tq_extend(c, u, 5000, &err));
	harness_sleep_ms(100);
	MUST(tq_reclaim(c, "ext", 100, &n, &next, &err));
	assert_int_equal(n, 0);
	assert_int_equal(next, tq_task_lease_deadline(u));
	assert_invariants("ext");
	MUST(tq_ack(c, t, NULL, &err));
	MUST(tq_ack(c, u, NULL, &err));
	tq_task_free(t);
	tq_task_free(u);
	free(a);
	free(b);
	assert_invariants("ext");
}

/* Release hands the task back to the front without counting an attempt. */
static void
test_release(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t, *t2;
	struct tq_error		 err;
	struct tq_queue_stats	 st;
	char			*a, *b, *p, *tail;

	(void)state;
	a = harness_enqueue(c, "rel", "1", NULL);
	b = harness_enqueue(c, "rel", "2", NULL);
	t = harness_take(c, "rel", 30000, NULL);
	assert_string_equal(tq_task_id(t), a);
	MUST(tq_release(c, t, &err));
	assert_int_equal(zscore("rel", "active", a), -1);
	assert_int_equal(harness_int("HEXISTS tq:{rel}:lease %s", a), 0);
	/* RPOP takes from the tail: the released task is next out. */
	tail = harness_str("LINDEX tq:{rel}:ready:0 -1");
	assert_string_equal(tail, a);
	free(tail);
	assert_invariants("rel");
	t2 = harness_take(c, "rel", 30000, NULL);
	assert_string_equal(tq_task_id(t2), a);
	assert_int_equal(tq_task_attempt(t2), 1);
	assert_string_not_equal(tq_task_token(t2), tq_task_token(t));
	assert_int_equal(harness_int("HEXISTS tq:{rel}:m %s", a), 0);
	MUST_FAIL(tq_ack(c, t, NULL, &err), TQ_ELEASE);
	MUST(tq_ack(c, t2, NULL, &err));
	tq_task_free(t);
	tq_task_free(t2);

	/* At its own priority, ahead of older tasks there. */
	p = enq_prio(c, "rel", 5);
	free(enq_prio(c, "rel", 5));
	t = harness_take(c, "rel", 30000, NULL);
	assert_string_equal(tq_task_id(t), p);
	MUST(tq_release(c, t, &err));
	tq_task_free(t);
	tail = harness_str("LINDEX tq:{rel}:ready:5 -1");
	assert_string_equal(tail, p);
	free(tail);
	stats_of(c, "rel", &st);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.ready, 3);
	free(a);
	free(b);
	free(p);
	assert_invariants("rel");
}

/* Strict order drains the first queue before the second. */
static void
test_strict_order(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_dequeue_opts	 o;
	struct tq_task		*t;
	struct tq_error		 err;
	const char		*qs[] = { "hi", "lo" };
	static const char *const want[] = { "hi", "hi", "lo", "lo" };
	int			 i, rc;

	(void)state;
	free(harness_enqueue(c, "lo", "1", NULL));
	free(harness_enqueue(c, "lo", "2", NULL));
	free(harness_enqueue(c, "hi", "3", NULL));
	free(harness_enqueue(c, "hi", "4", NULL));
	dq_opts(&o, qs, 2);
	for (i = 0; i < 4; i++) {
		tq_error_clear(&err);
		rc = tq_dequeue(c, &o, &t, &err);
		if (rc != 1)
			fail_msg("dequeue %d: %d (%s)", i, rc, err.msg);
		assert_string_equal(tq_task_queue(t), want[i]);
		MUST(tq_ack(c, t, NULL, &err));
		tq_task_free(t);
	}
	take_none(c, &o);
	assert_invariants("hi");
	assert_invariants("lo");
}

/* Weights 3:1 split 4000 dequeues about 75/25. */
static void
test_weights(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_dequeue_opts	 o;
	struct tq_enqueue_opts	 eo;
	struct tq_batch		*b;
	struct tq_task		*t;
	struct tq_error		 err;
	const char		*qs[] = { "wa", "wb" };
	static const int	 weights[] = { 3, 1 };
	int			 i, rc, na = 0, nb = 0;

	(void)state;
	b = tq_batch_new(c);
	tq_enqueue_opts_init(&eo);
	for (i = 0; i < 8000; i++) {
		eo.queue = qs[i % 2];
		MUST(tq_batch_add(b, "job", NULL, &eo, &err));
	}
	assert_int_equal(tq_batch_exec(b, &err), 0);
	tq_batch_free(b);
	dq_opts(&o, qs, 2);
	o.weights = weights;
	for (i = 0; i < 4000; i++) {
		tq_error_clear(&err);
		if ((rc = tq_dequeue(c, &o, &t, &err)) != 1)
			fail_msg("dequeue %d: %d (%s)", i, rc, err.msg);
		if (strcmp(tq_task_queue(t), "wa") == 0)
			na++;
		else
			nb++;
		tq_task_free(t);
	}
	print_message("# weights 3:1 over 4000: %d / %d\n", na, nb);
	assert_in_range(na, 2800, 3200);
	assert_int_equal(na + nb, 4000);
	assert_invariants("wa");
	assert_invariants("wb");
}

/* A paused queue is skipped by dequeue; resume restores it. */
static void
test_pause(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_dequeue_opts	 o;
	struct tq_task		*t;
	struct tq_error		 err;
	struct tq_queue_stats	 st;
	const char		*qs[] = { "pa", "pb" };
	char			*a, *b;
	int64_t			 t0, el;
	int			 rc;

	(void)state;
	MUST(tq_pause(c, "pa", &err));
	assert_int_equal(harness_int("EXISTS tq:{pa}:paused"), 1);
	a = harness_enqueue(c, "pa", "1", NULL);
	b = harness_enqueue(c, "pb", "2", NULL);
	assert_true(in_list("pa", "ready:0", a));
	stats_of(c, "pa", &st);
	assert_int_equal(st.paused, 1);
	assert_int_equal(st.ready, 1);

	dq_opts(&o, qs, 1);
	take_none(c, &o);
	/* Blocking on a paused queue waits it out and gets nothing. */
	o.block_ms = 200;
	t0 = harness_mono_ms();
	take_none(c, &o);
	el = harness_mono_ms() - t0;
	assert_in_range(el, 180, 1000);
	o.block_ms = 0;

	dq_opts(&o, qs, 2);
	tq_error_clear(&err);
	rc = tq_dequeue(c, &o, &t, &err);
	assert_int_equal(rc, 1);
	assert_string_equal(tq_task_id(t), b);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	take_none(c, &o);

	MUST(tq_resume(c, "pa", &err));
	assert_int_equal(harness_int("EXISTS tq:{pa}:paused"), 0);
	stats_of(c, "pa", &st);
	assert_int_equal(st.paused, 0);
	t = harness_take(c, "pa", 30000, NULL);
	assert_string_equal(tq_task_id(t), a);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	free(a);
	free(b);
	assert_invariants("pa");
	assert_invariants("pb");
}

struct producer {
	struct tq_client	*c;
	const char		*queue;
	int64_t			 delay_ms;
	int64_t			 start_ms;	/* just before tq_enqueue */
	int64_t			 end_ms;
	int			 rc;
	struct tq_error		 err;
};

static void *
producer_main(void *arg)
{
	struct producer		*p = arg;
	struct tq_enqueue_opts	 o;

	tq_enqueue_opts_init(&o);
	o.queue = p->queue;
	harness_sleep_ms(p->delay_ms);
	p->start_ms = harness_mono_ms();
	p->rc = tq_enqueue(p->c, "job", "{\"late\":true}", &o, NULL,
	    &p->err);
	p->end_ms = harness_mono_ms();
	return (NULL);
}

/* A blocked dequeue wakes up as soon as another client enqueues. */
static void
test_blocking_wakeup(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_dequeue_opts	 o;
	struct tq_task		*t = NULL;
	struct tq_error		 err;
	struct producer		 p;
	pthread_t		 th;
	const char		*qs[] = { "other", "blk" };
	int64_t			 t0, t1;
	int			 rc;

	(void)state;
	memset(&p, 0, sizeof p);
	p.c = harness_client();
	p.queue = "blk";
	p.delay_ms = 200;
	dq_opts(&o, qs, 2);
	o.block_ms = 2000;
	/* Stale wake tokens from an earlier task must not end the wait. */
	free(harness_enqueue(c, "blk", "0", NULL));
	t = harness_take(c, "blk", 30000, NULL);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	t = NULL;

	assert_int_equal(pthread_create(&th, NULL, producer_main, &p), 0);
	t0 = harness_mono_ms();
	tq_error_clear(&err);
	rc = tq_dequeue(c, &o, &t, &err);
	t1 = harness_mono_ms();
	assert_int_equal(pthread_join(th, NULL), 0);
	if (p.rc != 0)
		fail_msg("producer: %s", p.err.msg);
	if (rc != 1)
		fail_msg("blocking dequeue: %d (%s) after %lld ms", rc,
		    err.msg, (long long)(t1 - t0));
	print_message("# woke %lld ms after the enqueue started (enqueue took "
	    "%lld ms)\n", (long long)(t1 - p.start_ms),
	    (long long)(p.end_ms - p.start_ms));
	assert_string_equal(tq_task_queue(t), "blk");
	assert_string_equal(tq_task_payload(t), "{\"late\":true}");
	assert_true(t1 - t0 >= 190);
	if (t1 - p.start_ms > 50)
		fail_msg("dequeue returned %lld ms after the enqueue started, "
		    "want <= 50", (long long)(t1 - p.start_ms));
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	assert_invariants("blk");
}

/* A blocking dequeue on empty queues returns 0 after block_ms. */
static void
test_blocking_timeout(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_dequeue_opts	 o;
	const char		*qs[] = { "empty1", "empty2" };
	int64_t			 t0, el;

	(void)state;
	dq_opts(&o, qs, 2);
	o.block_ms = 300;
	t0 = harness_mono_ms();
	take_none(c, &o);
	el = harness_mono_ms() - t0;
	print_message("# block 300 ms returned after %lld ms\n",
	    (long long)el);
	/* Redis times blocked commands out on its 10 Hz cron: up to 100 ms
	 * late. */
	assert_in_range(el, 290, 500);
	assert_invariants("empty1");
}

static int
strp_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* Add one task to b with the given queue, id, priority, delay, unique. */
static void
batch_one(struct tq_batch *b, const char *queue, const char *id, int prio,
    int64_t delay_ms, int64_t unique_ms)
{
	struct tq_enqueue_opts	o;
	struct tq_error		err;

	tq_enqueue_opts_init(&o);
	o.queue = queue;
	o.id = id;
	o.priority = prio;
	o.delay_ms = delay_ms;
	o.unique_ms = unique_ms;
	MUST(tq_batch_add(b, "job", NULL, &o, &err));
}

/* The ids of a list, newest first, joined by spaces. */
static void
assert_list(const char *key, const char *want)
{
	redisReply	*r = harness_cmd("LRANGE %s 0 -1", key);
	char		 got[256] = "";
	size_t		 i;

	for (i = 0; i < r->elements; i++) {
		if (i > 0)
			strcat(got, " ");
		strcat(got, r->element[i]->str);
	}
	freeReplyObject(r);
	assert_string_equal(got, want);
}

/*
 * A batch mixing queues, priorities, delays and unique keys is sent as
 * several script calls (runs of one queue, unique tasks alone); the
 * order within each priority must still be the order of the batch.
 */
static void
batch_mixed(struct tq_client *c)
{
	struct tq_batch	*b = tq_batch_new(c);
	struct tq_error	 err;

	batch_one(b, "mix", "a0", 0, 0, 0);
	batch_one(b, "mix", "b0", 9, 0, 0);
	batch_one(b, "mix", "d0", 0, 60000, 0);
	batch_one(b, "mix2", "c0", 0, 0, 0);
	batch_one(b, "mix", "u0", 0, 0, 60000);
	batch_one(b, "mix", "b1", 9, 0, 0);
	batch_one(b, "mix", "a1", 0, 0, 0);
	batch_one(b, "mix", "a0", 5, 0, 0);	/* exists: refused */
	tq_error_clear(&err);
	assert_int_equal(tq_batch_exec(b, &err), 1);
	assert_int_equal(tq_batch_error(b, 7)->code, TQ_EEXIST);
	assert_list("tq:{mix}:ready:0", "a1 u0 a0");
	assert_list("tq:{mix}:ready:9", "b1 b0");
	assert_list("tq:{mix}:ready:5", "");
	assert_list("tq:{mix2}:ready:0", "c0");
	assert_int_equal(harness_int("ZCARD tq:{mix}:sched"), 1);
	assert_int_equal(harness_int("HGET tq:{mix}:stats enqueued"), 6);
	assert_int_equal(harness_int("HGET tq:{mix2}:stats enqueued"), 1);
	tq_batch_free(b);
	assert_invariants("mix");
	assert_invariants("mix2");
}

/* 1000 tasks in one batch: distinct ids, all ready; bad tasks refused. */
static void
test_batch(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_batch		*b;
	struct tq_error		 err;
	const struct tq_error	*e;
	redisReply		*r;
	char			**ids, **listed, payload[32];
	size_t			 i;

	(void)state;
	b = tq_batch_new(c);
	tq_enqueue_opts_init(&o);
	o.queue = "bat";
	for (i = 0; i < 1000; i++) {
		snprintf(payload, sizeof payload, "{\"i\":%zu}", i);
		MUST(tq_batch_add(b, "job", payload, &o, &err));
		if (i == 500) {
			o.priority = 10;
			MUST_FAIL(tq_batch_add(b, "job", "1", &o, &err),
			    TQ_EINVAL);
			o.priority = 0;
			MUST_FAIL(tq_batch_add(b, "job", "[", &o, &err),
			    TQ_EINVAL);
		}
	}
	assert_int_equal(tq_batch_count(b), 1000);
	/* Added locally: nothing is sent before exec. */
	assert_int_equal(harness_int("DBSIZE"), 0);
	tq_error_clear(&err);
	assert_int_equal(tq_batch_exec(b, &err), 0);

	ids = calloc(1000, sizeof *ids);
	listed = calloc(1000, sizeof *listed);
	if (ids == NULL || listed == NULL)
		abort();
	for (i = 0; i < 1000; i++) {
		assert_null(tq_batch_error(b, i));
		assert_non_null(tq_batch_id(b, i));
		ids[i] = strdup(tq_batch_id(b, i));
	}
	qsort(ids, 1000, sizeof *ids, strp_cmp);
	for (i = 1; i < 1000; i++)
		assert_string_not_equal(ids[i - 1], ids[i]);
	/* New tasks with ids of libtq's wait inline, ids first. */
	r = harness_cmd("LRANGE tq:{bat}:ready:0 0 -1");
	assert_int_equal(r->elements, 1000);
	for (i = 0; i < 1000; i++) {
		assert_true(strncmp(r->element[i]->str, "{\"id\":\"", 7) == 0);
		listed[i] = r->element[i]->str + 7;
		*strchr(listed[i], '"') = '\0';
	}
	qsort(listed, 1000, sizeof *listed, strp_cmp);
	for (i = 0; i < 1000; i++)
		assert_string_equal(listed[i], ids[i]);
	freeReplyObject(r);
	assert_int_equal(harness_int("HLEN tq:{bat}:t"), 0);
	assert_int_equal(harness_int("HGET tq:{bat}:stats enqueued"), 1000);
	tq_batch_free(b);
	for (i = 0; i < 1000; i++)
		free(ids[i]);
	free(ids);
	free(listed);

	/* Each task stands alone: a duplicate id fails, the rest go in. */
	b = tq_batch_new(c);
	o.id = "same";
	MUST(tq_batch_add(b, "job", "1", &o, &err));
	MUST(tq_batch_add(b, "job", "2", &o, &err));
	o.id = NULL;
	MUST(tq_batch_add(b, "job", "3", &o, &err));
	assert_int_equal(tq_batch_exec(b, &err), 1);
	assert_null(tq_batch_error(b, 0));
	assert_non_null(e = tq_batch_error(b, 1));
	assert_int_equal(e->code, TQ_EEXIST);
	assert_null(tq_batch_error(b, 2));
	/* A producer's own id is stored by id, so that it can be refused. */
	assert_int_equal(harness_int("HLEN tq:{bat}:t"), 1);
	assert_int_equal(harness_int("HEXISTS tq:{bat}:t same"), 1);
	assert_int_equal(harness_int("LLEN tq:{bat}:ready:0"), 1002);
	tq_batch_free(b);
	assert_invariants("bat");
	batch_mixed(c);
}

/* One thread of test_producer: n tasks, one call each. */
struct pthread_arg {
	struct tq_producer	*p;
	int			 n;
	int			 ok;
	int			 exist;
	int			 other;
	char			 first_id[64];
};

static void *
producer_thread(void *arg)
{
	struct pthread_arg	*a = arg;
	struct tq_enqueue_opts	 o;
	struct tq_error		 err;
	char			*id;
	int			 i;

	for (i = 0; i < a->n; i++) {
		tq_enqueue_opts_init(&o);
		o.queue = "shared";
		/* Every thread also tries the one id that exists once. */
		if (i == a->n / 2)
			o.id = "only-once";
		else if (i % 7 == 0)
			o.delay_ms = 60000;
		tq_error_clear(&err);
		id = NULL;
		if (tq_producer_enqueue(a->p, "job", "{\"n\":1}", &o, &id,
		    &err) == 0) {
			a->ok++;
			if (a->first_id[0] == '\0')
				snprintf(a->first_id, sizeof a->first_id, "%s",
				    id);
		} else if (err.code == TQ_EEXIST)
			a->exist++;
		else
			a->other++;
		free(id);
	}
	return (NULL);
}

/*
 * tq_producer: eight threads at once, one task a call.  Every call gets
 * its own answer (the one id given by all of them is stored once and
 * refused seven times), every task is stored, and the calls shared
 * round trips: fewer script calls than tasks.
 */
static void
test_producer(void **state)
{
	struct tq_producer	*p;
	struct tq_config	*cfg = harness_config();
	struct tq_error		 err;
	struct pthread_arg	 a[8];
	pthread_t		 th[8];
	long long		 calls;
	char			*s;
	int			 i, ok = 0, exist = 0, other = 0;

	(void)state;
	tq_error_clear(&err);
	assert_non_null(p = tq_producer_new(cfg, &err));
	tq_config_free(cfg);	/* copied */
	freeReplyObject(harness_cmd("CONFIG RESETSTAT"));
	memset(a, 0, sizeof a);
	for (i = 0; i < 8; i++) {
		a[i].p = p;
		a[i].n = 500;
		assert_int_equal(pthread_create(&th[i], NULL, producer_thread,
		    &a[i]), 0);
	}
	for (i = 0; i < 8; i++) {
		pthread_join(th[i], NULL);
		ok += a[i].ok;
		exist += a[i].exist;
		other += a[i].other;
	}
	s = harness_str("INFO commandstats");
	calls = strstr(s, "cmdstat_evalsha:calls=") != NULL ?
	    strtoll(strstr(s, "cmdstat_evalsha:calls=") + 22, NULL, 10) : 0;
	free(s);
	print_message("# 8 threads, 4000 tasks: %lld script calls\n", calls);
	assert_int_equal(other, 0);
	assert_int_equal(exist, 7);
	assert_int_equal(ok, 4000 - 7);
	assert_int_equal(harness_int("HGET tq:{shared}:stats enqueued"),
	    4000 - 7);
	assert_int_equal(harness_int("ZCARD tq:{shared}:sched"), 8 * 72);
	assert_int_equal(harness_int("LLEN tq:{shared}:ready:0"),
	    4000 - 7 - 8 * 72);
	assert_int_equal(harness_int("HEXISTS tq:{shared}:t only-once"), 1);
	assert_true(calls < 4000);
	/* The ids handed back are the tasks'. */
	assert_true(harness_in_ready("shared", 0, a[3].first_id) ||
	    harness_int("ZSCORE tq:{shared}:sched %s", a[3].first_id) > 0);
	assert_invariants("shared");
	tq_producer_free(p);
	tq_producer_free(NULL);
}

/* Counters and the per-second history after a known sequence. */
static void
test_stats_history(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_task		*t;
	struct tq_error		 err;
	struct tq_queue_stats	 st;
	struct tq_history_point	 hp[16];
	long long		 enq = 0, proc = 0, failed = 0;
	int64_t			 now;
	size_t			 n, i;

	(void)state;
	tq_enqueue_opts_init(&o);
	o.max_retries = 0;
	for (i = 0; i < 5; i++)
		free(harness_enqueue(c, "st", "{}", &o));
	for (i = 0; i < 3; i++) {
		t = harness_take(c, "st", 30000, NULL);
		if (i < 2)
			MUST(tq_ack(c, t, NULL, &err));
		else
			MUST(tq_fail(c, t, "nope", 0, &err));
		tq_task_free(t);
	}
	now = harness_redis_ms();
	stats_of(c, "st", &st);
	assert_int_equal(st.enqueued, 5);
	assert_int_equal(st.processed, 2);
	assert_int_equal(st.failed, 1);
	assert_int_equal(st.retried, 0);
	assert_int_equal(st.dead_total, 1);
	assert_int_equal(st.ready, 2);
	assert_int_equal(st.active, 0);
	assert_int_equal(st.scheduled, 0);
	assert_int_equal(st.retry, 0);
	assert_int_equal(st.dead, 1);
	assert_int_equal(st.paused, 0);
	assert_in_range(st.now_ms, now - 1000, now + 1000);
	assert_in_range(st.oldest_ready_ms, 0, 10000);

	MUST(tq_history(c, "st", hp, 16, &n, &err));
	assert_true(n >= 1);
	for (i = 0; i < n; i++) {
		if (i > 0)
			assert_true(hp[i].second < hp[i - 1].second);
		assert_in_range(hp[i].second, now / 1000 - 60, now / 1000);
		enq += hp[i].enqueued;
		proc += hp[i].processed;
		failed += hp[i].failed;
	}
	assert_int_equal(enq, 5);
	assert_int_equal(proc, 2);
	assert_int_equal(failed, 1);
	MUST(tq_history(c, "nothing-here", hp, 16, &n, &err));
	assert_int_equal(n, 0);
	assert_invariants("st");
}

/* tq_queues lists every queue used, sorted. */
static void
test_queues(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_error		 err;
	char			**names;
	size_t			 n;

	(void)state;
	MUST(tq_queues(c, &names, &n, &err));
	assert_int_equal(n, 0);
	tq_strv_free(names, n);
	free(harness_enqueue(c, "q-b", NULL, NULL));
	free(harness_enqueue(c, "q-a", NULL, NULL));
	free(harness_enqueue(c, "q-c", NULL, NULL));
	free(harness_enqueue(c, "q-a", NULL, NULL));
	MUST(tq_queues(c, &names, &n, &err));
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "q-a");
	assert_string_equal(names[1], "q-b");
	assert_string_equal(names[2], "q-c");
	tq_strv_free(names, n);
	assert_invariants("q-a");
}

/* Inspect one task in each state. */
static void
test_inspect(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_enqueue_opts	 o;
	struct tq_task		*t;
	struct tq_task_info	*info;
	struct tq_error		 err;
	char			*sched, *ready, *active, *retry, *dead, *done;
	int64_t			 now;

	(void)state;
	tq_enqueue_opts_init(&o);
	o.priority = 3;
	done = harness_enqueue(c, "ins", "{\"d\":1}", &o);
	t = harness_take(c, "ins", 30000, NULL);
	MUST(tq_ack(c, t, "{\"r\":42}", &err));
	tq_task_free(t);

	o.priority = 0;
	active = harness_enqueue(c, "ins", "{\"a\":1}", &o);
	t = harness_take(c, "ins", 30000, "worker-7");
	assert_string_equal(tq_task_id(t), active);

	retry = harness_enqueue(c, "ins", "{\"r\":1}", &o);
	{
		struct tq_task *f = harness_take(c, "ins", 30000, NULL);

		assert_string_equal(tq_task_id(f), retry);
		MUST(tq_fail(c, f, "try again", 0, &err));
		tq_task_free(f);
	}
	o.max_retries = 0;
	dead = harness_enqueue(c, "ins", "{\"x\":1}", &o);
	{
		struct tq_task *f = harness_take(c, "ins", 30000, NULL);

		assert_string_equal(tq_task_id(f), dead);
		MUST(tq_fail(c, f, "gave up", 0, &err));
		tq_task_free(f);
	}
	tq_enqueue_opts_init(&o);
	o.delay_ms = 60000;
	o.timeout_s = 77;
	now = harness_redis_ms();
	sched = harness_enqueue(c, "ins", "{\"s\":1}", &o);
	ready = harness_enqueue(c, "ins", "[1,2,3]", NULL);

	MUST(tq_inspect(c, "ins", sched, &info, &err));
	assert_int_equal(info->state, TQ_STATE_SCHEDULED);
	assert_string_equal(info->id, sched);
	assert_string_equal(info->queue, "ins");
	assert_string_equal(info->type, "job");
	assert_string_equal(info->payload, "{\"s\":1}");
	assert_int_equal(info->timeout_s, 77);
	assert_in_range(info->scheduled_at, now + 60000, now + 61000);
	assert_non_null(info->body);
	tq_task_info_free(info);

	MUST(tq_inspect(c, NULL, ready, &info, &err));
	assert_int_equal(info->state, TQ_STATE_READY);
	assert_string_equal(info->payload, "[1,2,3]");
	assert_string_equal(info->queue, "ins");
	assert_int_equal(info->max_retries, 3);
	tq_task_info_free(info);

	MUST(tq_inspect(c, "ins", active, &info, &err));
	assert_int_equal(info->state, TQ_STATE_ACTIVE);
	assert_non_null(info->worker);
	assert_string_equal(info->worker, "worker-7");
	assert_int_equal(info->lease_deadline, tq_task_lease_deadline(t));
	tq_task_info_free(info);

	MUST(tq_inspect(c, "ins", retry, &info, &err));
	assert_int_equal(info->state, TQ_STATE_RETRY);
	assert_non_null(info->error);
	assert_string_equal(info->error, "try again");
	assert_int_equal(info->retry_count, 1);
	assert_int_equal(info->scheduled_at, zscore("ins", "retry", retry));
	assert_true(info->failed_at > 0);
	tq_task_info_free(info);

	MUST(tq_inspect(c, NULL, dead, &info, &err));
	assert_int_equal(info->state, TQ_STATE_DEAD);
	assert_string_equal(info->error, "gave up");
	assert_int_equal(info->max_retries, 0);
	assert_int_equal(info->failed_at, zscore("ins", "dead", dead));
	tq_task_info_free(info);

	MUST(tq_inspect(c, "ins", done, &info, &err));
	assert_int_equal(info->state, TQ_STATE_DONE);
	assert_non_null(info->result);
	assert_string_equal(info->result, "{\"r\":42}");
	assert_true(info->finished_at > 0);
	tq_task_info_free(info);

	info = NULL;
	MUST_FAIL(tq_inspect(c, "ins", "no-such-id", &info, &err),
	    TQ_ENOTFOUND);
	assert_null(info);
	MUST_FAIL(tq_inspect(c, NULL, "no-such-id", &info, &err),
	    TQ_ENOTFOUND);
	MUST_FAIL(tq_inspect(c, "other", ready, &info, &err), TQ_ENOTFOUND);
	MUST_FAIL(tq_inspect(c, "ins", "bad id", &info, &err), TQ_EINVAL);
	assert_string_equal(tq_state_name(TQ_STATE_SCHEDULED), "scheduled");
	assert_string_equal(tq_state_name(TQ_STATE_DONE), "done");

	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	free(sched);
	free(ready);
	free(active);
	free(retry);
	free(dead);
	free(done);
	assert_invariants("ins");
}

/* Redis dies: calls fail fast; it comes back: the same client works. */
static void
test_redis_down(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_dequeue_opts	 o;
	struct tq_task		*t = NULL;
	struct tq_error		 err;
	const char		*qs[] = { "down" };
	char			*id = NULL;
	int64_t			 t0, el;
	int			 rc;

	(void)state;
	free(harness_enqueue(c, "down", "1", NULL));
	harness_kill_redis();

	t0 = harness_mono_ms();
	tq_error_clear(&err);
	rc = tq_enqueue(c, "job", "2", NULL, &id, &err);
	el = harness_mono_ms() - t0;
	assert_int_equal(rc, -1);
	assert_null(id);
	if (err.code != TQ_ECONN && err.code != TQ_ETIMEOUT)
		fail_msg("enqueue with Redis down: %s (%s), want ECONN or "
		    "ETIMEOUT", tq_strerror(err.code), err.msg);
	assert_true(el < 3000);
	print_message("# Redis down: enqueue failed in %lld ms: %s\n",
	    (long long)el, err.msg);

	dq_opts(&o, qs, 1);
	t0 = harness_mono_ms();
	tq_error_clear(&err);
	rc = tq_dequeue(c, &o, &t, &err);
	el = harness_mono_ms() - t0;
	assert_int_equal(rc, -1);
	assert_null(t);
	assert_true(err.code == TQ_ECONN || err.code == TQ_ETIMEOUT);
	assert_true(el < 3000);
	MUST_FAIL(tq_client_ping(c, &err), TQ_ECONN);

	/* Back (empty: no persistence).  After the reconnect backoff the
	 * same client reconnects and reloads its scripts on first use. */
	harness_restart_redis();
	harness_sleep_ms(2 * HARNESS_RECONNECT_MS + 50);
	id = harness_enqueue(c, "down", "3", NULL);
	t = harness_take(c, "down", 30000, NULL);
	assert_string_equal(tq_task_id(t), id);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	free(id);
	MUST(tq_client_ping(c, &err));
	assert_invariants("down");

	/*
	 * The queue set must list the queue again: tqd finds queues to
	 * promote and reclaim through it.  A client that remembered having
	 * registered the queue before the restart would leave it out.
	 */
	if (harness_int("SISMEMBER tq:queues down") != 1)
		fail_msg("after a Redis restart, enqueue on queue \"down\" "
		    "did not re-add it to tq:queues (tq_queues and tqd "
		    "cannot see the queue)");
}

/* Enqueue ten tasks on q in one batch; all must go in. */
static void
sf_batch(struct tq_client *c, const char *q)
{
	struct tq_enqueue_opts	 o;
	struct tq_batch		*b;
	struct tq_error		 err;
	int			 i, refused;

	b = tq_batch_new(c);
	tq_enqueue_opts_init(&o);
	o.queue = q;
	for (i = 0; i < 10; i++)
		MUST(tq_batch_add(b, "job", NULL, &o, &err));
	tq_error_clear(&err);
	if ((refused = tq_batch_exec(b, &err)) != 0)
		fail_msg("tq_batch_exec: %d (%s; task 0: %s)", refused,
		    err.msg, tq_batch_error(b, 0) != NULL ?
		    tq_batch_error(b, 0)->msg : "ok");
	tq_batch_free(b);
}

/*
 * Bodies another program pushed into a ready list: one without an id
 * cannot be leased, so dequeue moves it to dead at once with the reason
 * (nothing lost, nothing run); one whose fields are wrong is leased and
 * dead-lettered by the client ("malformed task").  The next good task
 * still comes out.
 */
static void
test_inline_malformed(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_dequeue_opts	 d;
	struct tq_task		*t;
	struct tq_error		 err;
	const char		*qs[] = { "junk" };
	char			*good, *s;
	cJSON			*meta;
	redisReply		*r;

	(void)state;
	good = harness_enqueue(c, "junk", "{\"ok\":1}", NULL);
	assert_int_equal(harness_int("RPUSH tq:{junk}:ready:0 "
	    "{\"payload\":1}"), 2);
	assert_int_equal(harness_int("RPUSH tq:{junk}:ready:0 "
	    "{\"id\":\"bad1\",\"priority\":\"x\"}"), 3);
	dq_opts(&d, qs, 1);
	tq_error_clear(&err);
	assert_int_equal(tq_dequeue(c, &d, &t, &err), 1);
	assert_non_null(t);
	assert_string_equal(tq_task_id(t), good);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);

	assert_int_equal(harness_int("ZCARD tq:{junk}:dead"), 2);
	assert_int_equal(zscore("junk", "dead", "bad1") > 0, 1);
	meta = harness_meta("junk", "bad1");
	assert_non_null(meta);
	assert_non_null(strstr(harness_json_str(meta, "error"),
	    "malformed task: task bad1: body field 'priority'"));
	cJSON_Delete(meta);
	r = harness_cmd("ZRANGE tq:{junk}:dead 0 -1");
	s = strcmp(r->element[0]->str, "bad1") == 0 ? r->element[1]->str :
	    r->element[0]->str;
	assert_true(strncmp(s, "noid-", 5) == 0);
	meta = harness_meta("junk", s);
	assert_string_equal(harness_json_str(meta, "error"),
	    "malformed task: an inline body without a valid id");
	cJSON_Delete(meta);
	/* Its body is kept, for tq dead ls to show. */
	s = harness_body("junk", s);
	assert_string_equal(s, "{\"payload\":1}");
	free(s);
	freeReplyObject(r);
	assert_int_equal(harness_int("HGET tq:{junk}:stats dead"), 2);
	assert_invariants("junk");
	free(good);
}

/*
 * A damaged queue costs only itself.  "bad" has a lease hash of the wrong
 * type, so its dequeue fails after popping; "ok" is served all the same,
 * the error names the key, and "bad" is left out for a while rather than
 * failing every call.  A wrong-type ready list is passed over within its
 * queue, and a counter that is not a number starts over.
 */
static void
test_damaged_queue(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_dequeue_opts	 d;
	struct tq_task		*t;
	struct tq_error		 err;
	const char		*qs[] = { "bad", "ok" }, *one[] = { "bad" };
	const char		*halfq[] = { "half" };
	char			*bad, *bad2, *ok, *half;

	(void)state;
	bad = harness_enqueue(c, "bad", "1", NULL);
	ok = harness_enqueue(c, "ok", "2", NULL);
	freeReplyObject(harness_cmd("SET tq:{bad}:lease x"));
	dq_opts(&d, qs, 2);
	tq_error_clear(&err);
	assert_int_equal(tq_dequeue(c, &d, &t, &err), 1);
	assert_string_equal(tq_task_id(t), ok);
	assert_int_equal(err.code, TQ_EREDIS);
	assert_non_null(strstr(err.msg, "key tq:{bad}:lease holds a string, "
	    "not a hash"));
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);

	/* Left out: the next call does not fail on it again. */
	free(ok);
	ok = harness_enqueue(c, "ok", "3", NULL);
	tq_error_clear(&err);
	assert_int_equal(tq_dequeue(c, &d, &t, &err), 1);
	assert_string_equal(tq_task_id(t), ok);
	assert_int_equal(err.code, TQ_OK);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);

	/* Alone, it fails the call (the skip is per client: a new one). */
	bad2 = harness_enqueue(c, "bad", "5", NULL);
	dq_opts(&d, one, 1);
	tq_error_clear(&err);
	assert_int_equal(tq_dequeue(harness_client(), &d, &t, &err), -1);
	assert_int_equal(err.code, TQ_EREDIS);
	/* What it popped is not gone: its body stays for fsck to requeue. */
	assert_int_equal(harness_int("HEXISTS tq:{bad}:t %s", bad), 1);
	assert_int_equal(harness_int("HEXISTS tq:{bad}:t %s", bad2), 1);

	/* A ready list of the wrong type, a counter that is not one. */
	half = harness_enqueue(c, "half", "4", NULL);
	freeReplyObject(harness_cmd("HSET tq:{half}:ready:9 a b"));
	freeReplyObject(harness_cmd("HSET tq:{half}:stats processed x"));
	dq_opts(&d, halfq, 1);
	tq_error_clear(&err);
	assert_int_equal(tq_dequeue(c, &d, &t, &err), 1);
	assert_string_equal(tq_task_id(t), half);
	MUST(tq_ack(c, t, NULL, &err));
	tq_task_free(t);
	assert_int_equal(harness_int("HGET tq:{half}:stats processed"), 1);
	free(bad);
	free(bad2);
	free(ok);
	free(half);
}

/*
 * SCRIPT FLUSH on a live server: every call reloads what it needs.  Each
 * call runs once so that the client holds its script's SHA, then again
 * after the flush, when Redis answers NOSCRIPT.
 */
static void
test_script_flush(void **state)
{
	struct tq_client	*c = harness_client();
	struct tq_task		*t, *t2;
	struct tq_task_info	*info, **dl;
	struct tq_queue_stats	 st;
	struct tq_error		 err;
	const char		*q = "sf";
	char			*id, *id2;
	size_t			 n;
	int			 moved;

	(void)state;
#define FLUSH_SCRIPTS() freeReplyObject(harness_cmd("SCRIPT FLUSH"))
	id = harness_enqueue(c, q, "1", NULL);
	FLUSH_SCRIPTS();
	id2 = harness_enqueue(c, q, "2", NULL);

	sf_batch(c, q);
	FLUSH_SCRIPTS();
	sf_batch(c, q);
	assert_int_equal(harness_int("LLEN tq:{%s}:ready:0", q), 22);

	t = harness_take(c, q, 30000, NULL);
	FLUSH_SCRIPTS();
	t2 = harness_take(c, q, 30000, NULL);

	MUST(tq_extend(c, t, 30000, &err));
	FLUSH_SCRIPTS();
	MUST(tq_extend(c, t2, 30000, &err));

	MUST(tq_release(c, t, &err));
	tq_task_free(t);
	t = harness_take(c, q, 30000, NULL);
	FLUSH_SCRIPTS();
	MUST(tq_release(c, t2, &err));
	tq_task_free(t2);
	t2 = harness_take(c, q, 30000, NULL);

	MUST(tq_ack(c, t, NULL, &err));
	FLUSH_SCRIPTS();
	MUST(tq_ack(c, t2, NULL, &err));
	tq_task_free(t);
	tq_task_free(t2);

	t = harness_take(c, q, 30000, NULL);
	t2 = harness_take(c, q, 30000, NULL);
	MUST(tq_fail(c, t, "x", TQ_FAIL_PERMANENT, &err));
	FLUSH_SCRIPTS();
	MUST(tq_fail(c, t2, "x", TQ_FAIL_PERMANENT, &err));
	tq_task_free(t);
	tq_task_free(t2);

	MUST(tq_stats(c, &q, 1, &st, &err));
	FLUSH_SCRIPTS();
	MUST(tq_stats(c, &q, 1, &st, &err));
	assert_int_equal(st.ready, 18);
	assert_int_equal(st.dead, 2);

	/* The first two tasks are done by now (no result): use new ones. */
	free(id);
	free(id2);
	id = harness_enqueue(c, q, "3", NULL);
	id2 = harness_enqueue(c, q, "4", NULL);
	MUST(tq_inspect(c, q, id, &info, &err));
	tq_task_info_free(info);
	FLUSH_SCRIPTS();
	MUST(tq_inspect(c, q, id2, &info, &err));
	assert_int_equal(info->state, TQ_STATE_READY);
	tq_task_info_free(info);

	MUST(tq_promote(c, q, 10, &moved, NULL, &err));
	FLUSH_SCRIPTS();
	MUST(tq_promote(c, q, 10, &moved, NULL, &err));

	MUST(tq_reclaim(c, q, 10, &moved, NULL, &err));
	FLUSH_SCRIPTS();
	MUST(tq_reclaim(c, q, 10, &moved, NULL, &err));

	MUST(tq_dead_list(c, q, 0, 10, &dl, &n, &err));
	tq_task_info_array_free(dl, n);
	FLUSH_SCRIPTS();
	MUST(tq_dead_list(c, q, 0, 10, &dl, &n, &err));
	assert_int_equal(n, 2);
	tq_task_info_array_free(dl, n);

	MUST(tq_dead_trim(c, q, 1000, 0, 10, &moved, &err));
	FLUSH_SCRIPTS();
	MUST(tq_dead_trim(c, q, 1000, 0, 10, &moved, &err));

	MUST(tq_pause(c, q, &err));
	FLUSH_SCRIPTS();
	MUST(tq_pause(c, q, &err));
	MUST(tq_resume(c, q, &err));
	FLUSH_SCRIPTS();
	MUST(tq_resume(c, q, &err));
#undef FLUSH_SCRIPTS
	free(id);
	free(id2);
	assert_invariants(q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, harness_setup, harness_teardown)
		T(test_enqueue_dequeue),
		T(test_payload_exact),
		T(test_priority_fifo),
		T(test_delayed),
		T(test_unique),
		T(test_duplicate_id),
		T(test_id_remembered),
		T(test_invalid_input),
		T(test_ack_result),
		T(test_stale_token),
		T(test_ack_batch),
		T(test_fail_retry),
		T(test_fail_to_dead),
		T(test_fail_permanent),
		T(test_extend),
		T(test_release),
		T(test_strict_order),
		T(test_weights),
		T(test_pause),
		T(test_blocking_wakeup),
		T(test_blocking_timeout),
		T(test_batch),
		T(test_producer),
		T(test_stats_history),
		T(test_queues),
		T(test_inspect),
		T(test_redis_down),
		T(test_inline_malformed),
	T(test_damaged_queue),
		T(test_script_flush),
#undef T
	};

	/* Writing to a connection Redis closed must be an error, not death:
	 * hiredis leaves SIGPIPE to the program, as every tq program does. */
	signal(SIGPIPE, SIG_IGN);
	return (cmocka_run_group_tests_name("queue", tests,
	    harness_group_setup, harness_group_teardown));
}
