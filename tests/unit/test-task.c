/*
 * test-task.c -- unit tests of core/task.c (the task record and its body)
 * and core/keys.c (key names).
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Bodies are built and read back field for field; payloads keep their
 * exact text (a 64-bit integer, 0.1, escapes) both inside the body and as
 * handed to a worker; bodies written by other programs are read when
 * sound and refused with TQ_EPROTO, naming the field, and without leaking
 * when not; meta gives the attempt; inspection records are filled
 * leniently; and every key name is what docs/PROTOCOL.md says.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <malloc.h>

#include <cmocka.h>

#include "tq-int.h"

#define NOW	1700000000123LL

/* Bytes in use on the heap, to catch leaks on error paths (glibc only). */
static size_t
heap_in_use(void)
{
#if defined(__GLIBC__) && (__GLIBC__ > 2 || \
    (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
	return (mallinfo2().uordblks);
#else
	return (0);
#endif
}

static void
opts_default(struct tq_enqueue_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_retries = TQ_MAX_RETRIES_DEFAULT;
	o->timeout_s = 0;
}

/* A task read back from body, which must be good. */
static struct tq_task *
task_good(const char *body, const char *meta)
{
	struct tq_task	*t;
	struct tq_error	 err;

	tq_error_clear(&err);
	t = tq_task_from_reply("q", "id1", body, strlen(body), meta, "tok",
	    42, &err);
	if (t == NULL)
		fail_msg("body %s refused: %s", body, err.msg);
	return (t);
}

static void
test_body_round_trip(void **state TQ_UNUSED)
{
	const char		*payload = "{\"big\":9223372036854775807,"
	    "\"f\":0.1,\"s\":\"caf\\u00e9\",\"raw\":\"caf\xc3\xa9\","
	    "\"neg\":-12345678901234567890,\"e\":1.5E+300}";
	struct tq_enqueue_opts	 o;
	struct tq_task		*t;
	const cJSON		*pj, *f;
	char			*body, *want;

	opts_default(&o);
	o.priority = 7;
	o.max_retries = 5;
	o.timeout_s = 60;
	body = tq_task_body("7d1c0f1e-0000-4000-8000-000000000001", "email",
	    "send_email", payload, &o, NOW);
	want = tq_xasprintf("{\"id\":\"7d1c0f1e-0000-4000-8000-000000000001\","
	    "\"type\":\"send_email\",\"priority\":7,"
	    "\"max_retries\":5,\"timeout\":60,\"created_at\":%lld,"
	    "\"payload\":%s}", NOW, payload);
	assert_string_equal(body, want);
	/* The payload is in the body byte for byte. */
	assert_non_null(strstr(body, "9223372036854775807"));
	assert_non_null(strstr(body, "\"f\":0.1,"));
	assert_non_null(strstr(body, "caf\\u00e9"));
	assert_null(strstr(body, "scheduled_at"));

	t = tq_task_from_reply("email", "7d1c0f1e-0000-4000-8000-000000000001",
	    body, strlen(body), NULL, "token-1", NOW + 30000, NULL);
	assert_non_null(t);
	assert_string_equal(tq_task_id(t),
	    "7d1c0f1e-0000-4000-8000-000000000001");
	assert_string_equal(tq_task_queue(t), "email");
	assert_string_equal(tq_task_type(t), "send_email");
	assert_string_equal(tq_task_payload(t), payload);
	assert_string_equal(tq_task_token(t), "token-1");
	assert_int_equal(tq_task_priority(t), 7);
	assert_int_equal(tq_task_attempt(t), 1);
	assert_int_equal(tq_task_retry_count(t), 0);
	assert_int_equal(tq_task_max_retries(t), 5);
	assert_int_equal(tq_task_timeout_s(t), 60);
	assert_int_equal(tq_task_created_at(t), NOW);
	assert_int_equal(tq_task_lease_deadline(t), NOW + 30000);

	pj = tq_task_payload_json(t);
	assert_true(cJSON_IsObject(pj));
	f = cJSON_GetObjectItemCaseSensitive(pj, "f");
	assert_true(cJSON_IsNumber(f));
	assert_true(f->valuedouble == 0.1);
	f = cJSON_GetObjectItemCaseSensitive(pj, "s");
	assert_string_equal(f->valuestring, "caf\xc3\xa9");

	tq_task_free(t);
	free(want);
	free(body);
	tq_task_free(NULL);
}

static void
test_body_defaults(void **state TQ_UNUSED)
{
	struct tq_task	*t;
	char		*body;

	/*
	 * NULL opts and NULL payload: what the reader knows is left out
	 * (the queue, defaults), and the type only when it is not the
	 * queue's name.
	 */
	body = tq_task_body("a", "q", "t", NULL, NULL, 5);
	assert_string_equal(body, "{\"id\":\"a\",\"type\":\"t\","
	    "\"created_at\":5,\"payload\":null}");
	t = task_good(body, NULL);
	assert_string_equal(tq_task_payload(t), "null");
	assert_true(cJSON_IsNull(tq_task_payload_json(t)));
	assert_string_equal(tq_task_type(t), "t");
	assert_int_equal(tq_task_max_retries(t), TQ_MAX_RETRIES_DEFAULT);
	assert_int_equal(tq_task_timeout_s(t), 0);
	tq_task_free(t);
	free(body);
	body = tq_task_body("a", "q", "q", "{}", NULL, 5);
	assert_string_equal(body, "{\"id\":\"a\",\"created_at\":5,"
	    "\"payload\":{}}");
	t = task_good(body, NULL);
	assert_string_equal(tq_task_type(t), "q");
	assert_string_equal(tq_task_queue(t), "q");
	tq_task_free(t);
	free(body);

	/* Whitespace around a payload is not kept; inside, it is. */
	body = tq_task_body("a", "q", "t", " \n[1, 2]\t ", NULL, 5);
	assert_non_null(strstr(body, "\"payload\":[1, 2]}"));
	t = task_good(body, NULL);
	assert_string_equal(tq_task_payload(t), "[1, 2]");
	tq_task_free(t);
	free(body);

	/* Scalars. */
	body = tq_task_body("a", "q", "t", "\"just text\"", NULL, 5);
	t = task_good(body, NULL);
	assert_string_equal(tq_task_payload(t), "\"just text\"");
	assert_string_equal(tq_task_payload_json(t)->valuestring, "just text");
	tq_task_free(t);
	free(body);
}

static void
test_body_delayed(void **state TQ_UNUSED)
{
	struct tq_enqueue_opts	 o;
	struct tq_task_info	*info;
	char			*body;

	opts_default(&o);
	o.delay_ms = 5000;
	body = tq_task_body("a", "q", "t", "{}", &o, NOW);
	assert_non_null(strstr(body, ",\"created_at\":1700000000123,"
	    "\"scheduled_at\":1700000005123,\"payload\":{}}"));
	info = tq_xcalloc(1, sizeof *info);
	assert_int_equal(tq_task_info_fill(info, "img", body, NULL), 0);
	assert_int_equal(info->scheduled_at, NOW + 5000);
	tq_task_info_free(info);
	free(body);

	/* at_ms wins over delay_ms. */
	o.at_ms = 1800000000000LL;
	body = tq_task_body("a", "q", "t", "{}", &o, NOW);
	assert_non_null(strstr(body, "\"scheduled_at\":1800000000000,"));
	free(body);

	/* Neither: no scheduled_at. */
	o.at_ms = 0;
	o.delay_ms = 0;
	body = tq_task_body("a", "q", "t", "{}", &o, NOW);
	assert_null(strstr(body, "scheduled_at"));
	free(body);
	o.delay_ms = -5;
	body = tq_task_body("a", "q", "t", "{}", &o, NOW);
	assert_null(strstr(body, "scheduled_at"));
	free(body);
}

static void
test_body_escaping(void **state TQ_UNUSED)
{
	char	*body;
	cJSON	*json;

	/* Names are validated before, but the body is JSON regardless. */
	body = tq_task_body("i\"d", "q\\ue", "ty\x01pe\n", "1", NULL, 5);
	assert_non_null(strstr(body, "\"id\":\"i\\\"d\""));
	assert_null(strstr(body, "\"queue\":"));
	assert_non_null(strstr(body, "\"type\":\"ty\\u0001pe\\u000a\""));
	assert_int_equal(tq_check_payload(body, 0, NULL), 0);
	json = cJSON_Parse(body);
	assert_non_null(json);
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(json,
	    "id")->valuestring, "i\"d");
	assert_string_equal(cJSON_GetObjectItemCaseSensitive(json,
	    "type")->valuestring, "ty\x01pe\n");
	cJSON_Delete(json);
	free(body);
}

static void
test_body_big_and_deep(void **state TQ_UNUSED)
{
	struct tq_task	*t;
	char		*payload, *body;
	size_t		 n = TQ_PAYLOAD_MAX_DEFAULT, i;

	/* A payload at the default cap survives verbatim. */
	payload = tq_xmalloc(n + 1);
	memcpy(payload, "[1.10,\"", 7);
	for (i = 7; i < n - 2; i++)
		payload[i] = 'x';
	memcpy(payload + n - 2, "\"]", 3);
	assert_int_equal(strlen(payload), n);
	assert_int_equal(tq_check_payload(payload, (int64_t)n, NULL), 0);
	body = tq_task_body("a", "q", "t", payload, NULL, 5);
	t = task_good(body, NULL);
	assert_string_equal(tq_task_payload(t), payload);
	tq_task_free(t);
	free(body);
	free(payload);

	/* As deep as tq_check_payload allows: the body still parses. */
	n = TQ_JSON_DEPTH_MAX;
	payload = tq_xmalloc(2 * n + 2);
	memset(payload, '[', n);
	payload[n] = '1';
	memset(payload + n + 1, ']', n);
	payload[2 * n + 1] = '\0';
	assert_int_equal(tq_check_payload(payload, 0, NULL), 0);
	body = tq_task_body("a", "q", "t", payload, NULL, 5);
	t = task_good(body, NULL);
	assert_string_equal(tq_task_payload(t), payload);
	tq_task_free(t);
	free(body);
	free(payload);
}

/* body (bodylen bytes) with meta must be refused with a message holding
 * want, and leave the heap as it found it. */
static void
task_bad_len(const char *body, size_t bodylen, const char *meta,
    const char *want)
{
	struct tq_task	*t;
	struct tq_error	 err;
	size_t		 before, after;

	tq_error_clear(&err);
	before = heap_in_use();
	t = tq_task_from_reply("q", "id9", body, bodylen, meta, "tok", 1,
	    &err);
	after = heap_in_use();
	if (t != NULL)
		fail_msg("body %s accepted", body != NULL ? body : "(null)");
	assert_int_equal(err.code, TQ_EPROTO);
	if (strstr(err.msg, want) == NULL)
		fail_msg("body %s: message '%s' lacks '%s'",
		    body != NULL ? body : "(null)", err.msg, want);
	assert_true(strncmp(err.msg, "task id9: ", 10) == 0);
	assert_int_equal(before, after);
}

static void
task_bad(const char *body, const char *meta, const char *want)
{
	task_bad_len(body, strlen(body), meta, want);
}

static void
test_malformed(void **state TQ_UNUSED)
{
	const char	*good = "{\"type\":\"t\",\"payload\":[1,2,3]}";
	struct tq_task	*t;

	/* Warm up whatever the first parse allocates for good. */
	t = task_good(good, NULL);
	tq_task_free(t);

	task_bad_len(NULL, 0, NULL, "body is missing");
	task_bad_len("", 0, NULL, "body is not valid JSON");
	task_bad("not json", NULL, "body is not valid JSON");
	task_bad("{\"type\":\"t\"", NULL, "body is not valid JSON");
	task_bad("{\"type\":\"t\"} x", NULL, "body is not valid JSON");
	task_bad("{\"type\":\"t\"}{}", NULL, "body is not valid JSON");
	/* The length bounds the body, even if a NUL comes later. */
	task_bad_len(good, strlen(good) - 1, NULL, "body is not valid JSON");
	/* What cJSON would take but not keep: refused, saying where. */
	task_bad_len("{\"payload\":\"a\0b\"}", 17, NULL,
	    "body has a NUL byte at byte 14");
	task_bad_len("{\"payload\":1}\0", 14, NULL,
	    "body has a NUL byte at byte 14");
	task_bad("{\"payload\":\"\xff\xfe\"}", NULL,
	    "body is not valid UTF-8 at byte 13 (\\xff)");
	task_bad("{\"type\":\"caf\xc3\"}", NULL, "body is not valid UTF-8");
	task_bad("[1,2]", NULL, "body is not a JSON object");
	task_bad("\"str\"", NULL, "body is not a JSON object");
	task_bad("null", NULL, "body is not a JSON object");

	/* Without a type, the task's type is its queue's name. */
	t = task_good("{}", NULL);
	assert_string_equal(tq_task_type(t), "q");
	tq_task_free(t);
	t = task_good("{\"type\":null}", NULL);
	assert_string_equal(tq_task_type(t), "q");
	tq_task_free(t);
	task_bad("{\"type\":5}", NULL, "body field 'type' is not a string");
	task_bad("{\"type\":[\"t\"]}", NULL, "body field 'type' is not a");
	task_bad("{\"type\":\"t\",\"id\":7}", NULL,
	    "body field 'id' is not a string");

	task_bad("{\"type\":\"t\",\"queue\":{}}", NULL,
	    "body field 'queue' is not a string");

	task_bad("{\"type\":\"t\",\"priority\":\"1\"}", NULL,
	    "body field 'priority' is not an integer from 0 to 9");
	task_bad("{\"type\":\"t\",\"priority\":12}", NULL,
	    "body field 'priority' is not an integer from 0 to 9");
	task_bad("{\"type\":\"t\",\"priority\":-1}", NULL, "'priority'");
	task_bad("{\"type\":\"t\",\"priority\":1.5}", NULL, "'priority'");
	task_bad("{\"type\":\"t\",\"priority\":true}", NULL, "'priority'");
	task_bad("{\"type\":\"t\",\"max_retries\":3000000000}", NULL,
	    "body field 'max_retries' is not an integer from 0 to 2147483647");
	task_bad("{\"type\":\"t\",\"max_retries\":-1}", NULL,
	    "'max_retries'");
	task_bad("{\"type\":\"t\",\"timeout\":1e300}", NULL, "'timeout'");
	task_bad("{\"type\":\"t\",\"timeout\":1e999}", NULL, "'timeout'");
	task_bad("{\"type\":\"t\",\"timeout\":[]}", NULL, "'timeout'");
	task_bad("{\"type\":\"t\",\"created_at\":-5}", NULL, "'created_at'");
	task_bad("{\"type\":\"t\",\"created_at\":1e30}", NULL, "'created_at'");
	task_bad("{\"type\":\"t\",\"created_at\":9223372036854775808}", NULL,
	    "'created_at'");

	task_bad(good, "[", "meta is not a JSON object");
	task_bad(good, "[1]", "meta is not a JSON object");
	task_bad(good, "{\"retry_count\":-1}",
	    "meta field 'retry_count' is not an integer from 0 to 2147483646");
	task_bad(good, "{\"retry_count\":2147483647}", "'retry_count'");
	task_bad(good, "{\"retry_count\":\"2\"}", "'retry_count'");
}

static void
test_foreign_bodies(void **state TQ_UNUSED)
{
	struct tq_task	*t;
	const cJSON	*pj;
	const char	*b;

	/* Any order, whitespace, optional fields absent: defaults. */
	t = task_good(" { \"payload\" : [1, 2.50, 1e2] ,\n\"type\":\"x\" } ",
	    NULL);
	assert_string_equal(tq_task_payload(t), "[1, 2.50, 1e2]");
	assert_string_equal(tq_task_type(t), "x");
	assert_string_equal(tq_task_id(t), "id1");
	assert_string_equal(tq_task_queue(t), "q");
	assert_int_equal(tq_task_priority(t), 0);
	assert_int_equal(tq_task_max_retries(t), TQ_MAX_RETRIES_DEFAULT);
	assert_int_equal(tq_task_timeout_s(t), 0);
	assert_int_equal(tq_task_created_at(t), 0);
	tq_task_free(t);

	/* The first of two payloads, as cJSON finds it. */
	t = task_good("{\"type\":\"x\",\"payload\":1,\"payload\":2}", NULL);
	assert_string_equal(tq_task_payload(t), "1");
	assert_int_equal(tq_task_payload_json(t)->valueint, 1);
	tq_task_free(t);

	/* A key with escapes could spell payload: printed instead. */
	t = task_good("{\"type\":\"x\",\"pay\\u006coad\":{ \"a\" : 1 }}", NULL);
	assert_string_equal(tq_task_payload(t), "{\"a\":1}");
	tq_task_free(t);
	t = task_good("{\"type\":\"x\",\"p\\u0061\":0,\"payload\":7}", NULL);
	assert_string_equal(tq_task_payload(t), "7");
	tq_task_free(t);

	/* Not strict JSON (cJSON reads 01): the payload is printed. */
	t = task_good("{\"type\":\"x\",\"priority\":01,\"payload\":[0.5]}",
	    NULL);
	assert_int_equal(tq_task_priority(t), 1);
	assert_string_equal(tq_task_payload(t), "[0.5]");
	tq_task_free(t);

	/*
	 * Found by tests/fuzz/fuzz-task: a payload that is not strict JSON
	 * itself.  The strict scan stops after the first "0" of "007"
	 * where cJSON reads 7; the text was cut as "0".
	 */
	t = task_good("{\"type\":\"x\",\"payload\":007}", NULL);
	assert_string_equal(tq_task_payload(t), "7");
	tq_task_free(t);
	t = task_good("{\"type\":\"x\",\"payload\" : 00021291562 }", NULL);
	assert_string_equal(tq_task_payload(t), "21291562");
	tq_task_free(t);
	t = task_good("{\"payload\":-01,\"type\":\"x\"}", NULL);
	assert_string_equal(tq_task_payload(t), "-1");
	tq_task_free(t);

	/* A payload inside a string is not the payload. */
	t = task_good("{\"type\":\"x\",\"note\":\"\\\"payload\\\":1\","
	    "\"payload\":{\"k\":\"v\"}}", NULL);
	assert_string_equal(tq_task_payload(t), "{\"k\":\"v\"}");
	tq_task_free(t);

	/* No payload is null, and still has a node. */
	t = task_good("{\"type\":\"x\"}", NULL);
	assert_string_equal(tq_task_payload(t), "null");
	pj = tq_task_payload_json(t);
	assert_non_null(pj);
	assert_true(cJSON_IsNull(pj));
	tq_task_free(t);

	/* null for optional numbers means absent; integral floats pass. */
	t = task_good("{\"type\":\"x\",\"priority\":null,\"timeout\":5.0}",
	    NULL);
	assert_int_equal(tq_task_priority(t), 0);
	assert_int_equal(tq_task_timeout_s(t), 5);
	tq_task_free(t);

	/* The body need not end in a NUL: only bodylen bytes count. */
	b = "{\"type\":\"x\",\"payload\":3}GARBAGE";
	t = tq_task_from_reply("q", "id1", b, strlen(b) - 7, NULL, NULL, 0,
	    NULL);
	assert_non_null(t);
	assert_string_equal(tq_task_payload(t), "3");
	assert_null(tq_task_token(t));
	tq_task_free(t);
}

static void
test_meta(void **state TQ_UNUSED)
{
	const char	*body = "{\"type\":\"t\",\"max_retries\":4}";
	struct tq_task	*t;

	t = task_good(body, "{\"retry_count\":2,\"error\":\"boom\","
	    "\"failed_at\":1700000000000}");
	assert_int_equal(tq_task_retry_count(t), 2);
	assert_int_equal(tq_task_attempt(t), 3);
	assert_int_equal(tq_task_max_retries(t), 4);
	tq_task_free(t);

	/* Absent, empty and field-less meta: the first attempt. */
	t = task_good(body, NULL);
	assert_int_equal(tq_task_attempt(t), 1);
	tq_task_free(t);
	t = task_good(body, "");
	assert_int_equal(tq_task_attempt(t), 1);
	tq_task_free(t);
	t = task_good(body, "{\"requeued\":1}");
	assert_int_equal(tq_task_attempt(t), 1);
	tq_task_free(t);
}

static void
test_set_lease(void **state TQ_UNUSED)
{
	struct tq_task	*t;

	t = task_good("{\"type\":\"t\"}", NULL);
	assert_string_equal(tq_task_token(t), "tok");
	assert_int_equal(tq_task_lease_deadline(t), 42);
	tq_task_set_lease(t, "tok2", 99);
	assert_string_equal(tq_task_token(t), "tok2");
	assert_int_equal(tq_task_lease_deadline(t), 99);
	/* Its own token, as after an extension that keeps it. */
	tq_task_set_lease(t, tq_task_token(t), 100);
	assert_string_equal(tq_task_token(t), "tok2");
	assert_int_equal(tq_task_lease_deadline(t), 100);
	tq_task_set_lease(t, NULL, 0);
	assert_null(tq_task_token(t));
	tq_task_free(t);
}

static void
test_info_fill(void **state TQ_UNUSED)
{
	struct tq_enqueue_opts	 o;
	struct tq_task_info	*info, **arr;
	char			*body;

	opts_default(&o);
	o.priority = 3;
	o.max_retries = 9;
	o.timeout_s = 120;
	o.at_ms = NOW + 1;
	body = tq_task_body("id7", "img", "resize", "{\"n\":9007199254740993}",
	    &o, NOW);
	info = tq_xcalloc(1, sizeof *info);
	assert_int_equal(tq_task_info_fill(info, "img", body, "{\"retry_count\":2,"
	    "\"error\":\"disk full\",\"failed_at\":1700000000999}"), 0);
	assert_string_equal(info->id, "id7");
	assert_string_equal(info->queue, "img");
	assert_string_equal(info->type, "resize");
	assert_string_equal(info->payload, "{\"n\":9007199254740993}");
	assert_string_equal(info->body, body);
	assert_string_equal(info->error, "disk full");
	assert_null(info->worker);
	assert_null(info->result);
	assert_int_equal(info->state, TQ_STATE_UNKNOWN);
	assert_int_equal(info->priority, 3);
	assert_int_equal(info->max_retries, 9);
	assert_int_equal(info->retry_count, 2);
	assert_int_equal(info->timeout_s, 120);
	assert_int_equal(info->created_at, NOW);
	assert_int_equal(info->scheduled_at, NOW + 1);
	assert_int_equal(info->failed_at, 1700000000999LL);
	assert_int_equal(info->finished_at, 0);
	tq_task_info_free(info);
	free(body);

	/* Not an object: -1, but the body is kept for display. */
	info = tq_xcalloc(1, sizeof *info);
	assert_int_equal(tq_task_info_fill(info, "q", "[1]", NULL), -1);
	assert_string_equal(info->body, "[1]");
	assert_null(info->type);
	tq_task_info_free(info);
	info = tq_xcalloc(1, sizeof *info);
	assert_int_equal(tq_task_info_fill(info, "q", "garbage", "{}"), -1);
	assert_string_equal(info->body, "garbage");
	tq_task_info_free(info);
	/* Its meta still says why it is dead: that is what to show. */
	info = tq_xcalloc(1, sizeof *info);
	assert_int_equal(tq_task_info_fill(info, "q", "garbage",
	    "{\"retry_count\":1,\"error\":\"malformed task: x\","
	    "\"failed_at\":7}"), -1);
	assert_string_equal(info->error, "malformed task: x");
	assert_int_equal(info->retry_count, 1);
	assert_int_equal(info->failed_at, 7);
	tq_task_info_free(info);
	info = tq_xcalloc(1, sizeof *info);
	assert_int_equal(tq_task_info_fill(info, "q", NULL, NULL), -1);
	tq_task_info_free(info);

	/* Lenient: bad fields are unknown, bad meta is ignored. */
	info = tq_xcalloc(1, sizeof *info);
	assert_int_equal(tq_task_info_fill(info, "q", "{\"type\":5,\"priority\":"
	    "\"x\",\"timeout\":1e99,\"created_at\":-1}", "not json"), 0);
	assert_null(info->type);
	assert_null(info->id);
	assert_string_equal(info->payload, "null");
	assert_int_equal(info->priority, 0);
	assert_int_equal(info->timeout_s, 0);
	assert_int_equal(info->max_retries, TQ_MAX_RETRIES_DEFAULT);
	assert_int_equal(info->created_at, 0);
	assert_int_equal(info->retry_count, 0);
	assert_null(info->error);
	tq_task_info_free(info);

	/*
	 * As the worker reads them: the queue stored in wins over the
	 * body's, and a type absent or null is the queue's name.
	 */
	info = tq_xcalloc(1, sizeof *info);
	assert_int_equal(tq_task_info_fill(info, "q", "{\"type\":null,"
	    "\"queue\":\"other\"}", NULL), 0);
	assert_string_equal(info->queue, "q");
	assert_string_equal(info->type, "q");
	tq_task_info_free(info);
	info = tq_xcalloc(1, sizeof *info);
	assert_int_equal(tq_task_info_fill(info, NULL, "{\"queue\":\"b\"}",
	    NULL), 0);
	assert_string_equal(info->queue, "b");
	assert_string_equal(info->type, "b");
	tq_task_info_free(info);

	/* Arrays: every record and the array; NULL is fine. */
	arr = tq_xcalloc(2, sizeof *arr);
	arr[0] = tq_xcalloc(1, sizeof *arr[0]);
	arr[1] = tq_xcalloc(1, sizeof *arr[1]);
	assert_int_equal(tq_task_info_fill(arr[0], NULL, "{\"type\":\"a\"}", NULL),
	    0);
	arr[1]->worker = tq_xstrdup("w1");
	arr[1]->result = tq_xstrdup("{}");
	tq_task_info_array_free(arr, 2);
	tq_task_info_array_free(NULL, 0);
	tq_task_info_free(NULL);
}

static void
test_state_name(void **state TQ_UNUSED)
{
	assert_string_equal(tq_state_name(TQ_STATE_SCHEDULED), "scheduled");
	assert_string_equal(tq_state_name(TQ_STATE_READY), "ready");
	assert_string_equal(tq_state_name(TQ_STATE_ACTIVE), "active");
	assert_string_equal(tq_state_name(TQ_STATE_RETRY), "retry");
	assert_string_equal(tq_state_name(TQ_STATE_DEAD), "dead");
	assert_string_equal(tq_state_name(TQ_STATE_DONE), "done");
	assert_string_equal(tq_state_name(TQ_STATE_UNKNOWN), "unknown");
	assert_string_equal(tq_state_name((enum tq_state)99), "unknown");
}

static void
test_uuid(void **state TQ_UNUSED)
{
	char	a[37], b[37];
	int	i;

	tq_uuid(a);
	tq_uuid(b);
	assert_int_equal(strlen(a), 36);
	assert_string_not_equal(a, b);
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23)
			assert_int_equal(a[i], '-');
		else
			assert_non_null(strchr("0123456789abcdef", a[i]));
	}
	assert_int_equal(a[14], '4');		/* version 4: random */
	assert_non_null(strchr("89ab", a[19]));	/* RFC 4122 variant */
	assert_int_equal(tq_check_name("task id", a, NULL), 0);
}

static void
test_keys(void **state TQ_UNUSED)
{
	static const char *const want[TQ_NQKEYS] = {
		"tq:{email}:t", "tq:{email}:m", "tq:{email}:sched",
		"tq:{email}:active", "tq:{email}:lease", "tq:{email}:retry",
		"tq:{email}:dead", "tq:{email}:stats", "tq:{email}:hist",
		"tq:{email}:wake", "tq:{email}:paused", "tq:{email}:rate",
		"tq:{email}:ids",
		"tq:{email}:ready:0", "tq:{email}:ready:1",
		"tq:{email}:ready:2", "tq:{email}:ready:3",
		"tq:{email}:ready:4", "tq:{email}:ready:5",
		"tq:{email}:ready:6", "tq:{email}:ready:7",
		"tq:{email}:ready:8", "tq:{email}:ready:9",
	};
	struct tq_keys	 k;
	char		*s;
	int		 i;

	assert_int_equal(TQ_NQKEYS, 23);
	tq_keys_init(&k, "tq", "email");
	for (i = 0; i < TQ_NQKEYS; i++)
		assert_string_equal(k.k[i], want[i]);
	assert_string_equal(k.k[TQ_K_BODY], "tq:{email}:t");
	assert_string_equal(k.k[TQ_K_READY0 + 4], "tq:{email}:ready:4");
	assert_string_equal(k.k[TQ_K_READY9], "tq:{email}:ready:9");
	tq_keys_done(&k);
	for (i = 0; i < TQ_NQKEYS; i++)
		assert_null(k.k[i]);
	tq_keys_done(&k);

	tq_keys_init(&k, "prod.app", "img:resize");
	assert_string_equal(k.k[TQ_K_DEAD], "prod.app:{img:resize}:dead");
	tq_keys_done(&k);

	s = tq_key_queues("tq");
	assert_string_equal(s, "tq:queues");
	free(s);
	s = tq_key_unique("tq", "email", "welcome:42");
	assert_string_equal(s, "tq:{email}:u:welcome:42");
	free(s);
	s = tq_key_result("ns", "email", "abc-1");
	assert_string_equal(s, "ns:{email}:res:abc-1");
	free(s);
	s = tq_key_due("tq");
	assert_string_equal(s, "tq:due");
	free(s);
	s = tq_key_leader("tq", 0);
	assert_string_equal(s, "tq:{leader}");
	free(s);
	s = tq_key_leader("tq", 1);
	assert_string_equal(s, "tq:{leader}:epoch");
	free(s);
	s = tq_key_workers("tq");
	assert_string_equal(s, "tq:workers");
	free(s);
	s = tq_key_worker("tq", "h-1-ab");
	assert_string_equal(s, "tq:worker:h-1-ab");
	free(s);
	s = tq_key_marker("tq");
	assert_string_equal(s, "tq:marker");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_body_round_trip),
		cmocka_unit_test(test_body_defaults),
		cmocka_unit_test(test_body_delayed),
		cmocka_unit_test(test_body_escaping),
		cmocka_unit_test(test_body_big_and_deep),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_foreign_bodies),
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_set_lease),
		cmocka_unit_test(test_info_fill),
		cmocka_unit_test(test_state_name),
		cmocka_unit_test(test_uuid),
		cmocka_unit_test(test_keys),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
