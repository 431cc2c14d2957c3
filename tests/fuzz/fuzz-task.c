/*
 * fuzz-task.c -- libFuzzer harness for the task body decoder (core/task.c).
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A task body in Redis may have been written by any program, so
 * tq_task_from_reply trusts nothing in it.  The input is a body and,
 * after its last NUL byte if it has one, the task's meta object (the
 * body may then hold NULs of its own).  Beyond not crashing and not
 * leaking, a body that decodes must give a task whose fields are in
 * range and whose payload text is one JSON value equal to the payload
 * node; the body tq_task_body builds again from that task must decode to
 * the same task; and the lenient tq_task_info_fill must agree with it.  A
 * body that does not decode must give TQ_EPROTO and a message naming the
 * task, which is what the worker puts in the dead-letter reason.
 */

#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tq-int.h"
#include "fuzz.h"

#define TASK_QUEUE	"fuzzq"
#define TASK_ID		"0f0e0d0c-0b0a-4908-8706-050403020100"
#define TASK_TOKEN	"token-1"
#define TASK_DEADLINE	1767225600000LL

/* A number cJSON cannot print: it writes null for inf and NaN. */
static int
json_unprintable(const cJSON *v)
{
	return (cJSON_IsNumber(v) && (v->valuedouble != v->valuedouble ||
	    v->valuedouble - v->valuedouble != 0));
}

/*
 * Equal, or as near as cJSON prints: it writes 15 significant digits
 * when those read back within its own tolerance, so the text printed for
 * a body that is not strict JSON may be a little off.
 */
static int
json_same_number(double a, double b)
{
	double	m;

	if (a == b || (a != a && b != b))
		return (1);
	m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
	return (fabs(a - b) <= m * 1e-14);
}

/*
 * The same JSON value.  cJSON_Compare would do but for numbers: it finds
 * inf (what cJSON reads for 1e400) unequal to itself.  And where the
 * payload text is cJSON's printing of a body that is not strict JSON, an
 * inf came out as null (the worker gets null; its node says inf).
 */
static int
json_same(const cJSON *a, const cJSON *b)
{
	const cJSON	*x, *y;

	if ((cJSON_IsNull(a) && json_unprintable(b)) ||
	    (cJSON_IsNull(b) && json_unprintable(a)))
		return (1);
	if ((a->type & 0xff) != (b->type & 0xff))
		return (0);
	if (cJSON_IsNumber(a))
		return (json_same_number(a->valuedouble, b->valuedouble));
	if (cJSON_IsString(a))
		return (strcmp(a->valuestring, b->valuestring) == 0);
	if (!cJSON_IsArray(a) && !cJSON_IsObject(a))
		return (1);
	for (x = a->child, y = b->child; x != NULL && y != NULL;
	    x = x->next, y = y->next) {
		if (cJSON_IsObject(a) && strcmp(x->string, y->string) != 0)
			return (0);
		if (!json_same(x, y))
			return (0);
	}
	return (x == NULL && y == NULL);
}

/* The payload text must be exactly one JSON value, equal to the node. */
static void
task_payload_ok(const struct tq_task *t)
{
	const char	*text = tq_task_payload(t);
	cJSON		*parsed;
	size_t		 len, pos = 0;

	FUZZ_CHECK(text != NULL && tq_task_payload_json(t) != NULL,
	    "payload text or node missing");
	len = strlen(text);
	/* cJSON may print what the strict scanner refuses (deep nesting,
	 * odd numbers); it must at least read its own output back. */
	parsed = cJSON_ParseWithLength(text, len);
	FUZZ_CHECK(parsed != NULL, "payload text '%.200s' does not parse",
	    text);
	FUZZ_CHECK(json_same(parsed, tq_task_payload_json(t)),
	    "payload text '%.200s' differs from the payload node", text);
	cJSON_Delete(parsed);
	if (tq_check_json_value(text, len, &pos, NULL) == 0) {
		while (pos < len && strchr(" \t\r\n", text[pos]) != NULL)
			pos++;
		FUZZ_CHECK(pos == len, "payload text '%.200s' has more after "
		    "its value", text);
	}
}

/* Every field of a decoded task is one tq can use. */
static void
task_sane(const struct tq_task *t)
{
	FUZZ_CHECK(strcmp(tq_task_id(t), TASK_ID) == 0, "id changed");
	FUZZ_CHECK(strcmp(tq_task_queue(t), TASK_QUEUE) == 0,
	    "queue changed");
	FUZZ_CHECK(tq_task_type(t) != NULL, "no type");
	FUZZ_CHECK(fuzz_streq(tq_task_token(t), TASK_TOKEN), "token changed");
	FUZZ_CHECK(tq_task_priority(t) >= TQ_PRIORITY_MIN &&
	    tq_task_priority(t) <= TQ_PRIORITY_MAX, "priority %d",
	    tq_task_priority(t));
	FUZZ_CHECK(tq_task_max_retries(t) >= 0, "max_retries %d",
	    tq_task_max_retries(t));
	FUZZ_CHECK(tq_task_timeout_s(t) >= 0, "timeout %d",
	    tq_task_timeout_s(t));
	FUZZ_CHECK(tq_task_created_at(t) >= 0, "created_at %lld",
	    (long long)tq_task_created_at(t));
	FUZZ_CHECK(tq_task_attempt(t) >= 1, "attempt %d", tq_task_attempt(t));
	FUZZ_CHECK(tq_task_lease_deadline(t) == TASK_DEADLINE,
	    "lease deadline changed");
	task_payload_ok(t);
}

/*
 * Build the body again from t, as an enqueue would, and decode it: the
 * same task must come back.  The type is taken as it is (a body written
 * by another program need not hold a valid name), which tq_task_body
 * escapes as it must for any string.
 */
static void
task_rebuild(const struct tq_task *t)
{
	struct tq_enqueue_opts	 o;
	struct tq_task		*u;
	struct tq_error		 err;
	cJSON			*a, *b;
	char			*body;

	memset(&o, 0, sizeof o);
	o.priority = tq_task_priority(t);
	o.max_retries = tq_task_max_retries(t);
	o.timeout_s = tq_task_timeout_s(t);
	body = tq_task_body(tq_task_id(t), tq_task_queue(t), tq_task_type(t),
	    tq_task_payload(t), &o, tq_task_created_at(t));
	u = tq_task_from_reply(TASK_QUEUE, TASK_ID, body, strlen(body), NULL,
	    TASK_TOKEN, TASK_DEADLINE, &err);
	FUZZ_CHECK(u != NULL, "rebuilt body '%.300s' does not decode: %s",
	    body, err.msg);
	FUZZ_CHECK(strcmp(tq_task_type(u), tq_task_type(t)) == 0,
	    "type '%s' became '%s'", tq_task_type(t), tq_task_type(u));
	FUZZ_CHECK(tq_task_priority(u) == tq_task_priority(t) &&
	    tq_task_max_retries(u) == tq_task_max_retries(t) &&
	    tq_task_timeout_s(u) == tq_task_timeout_s(t) &&
	    tq_task_created_at(u) == tq_task_created_at(t),
	    "numbers changed in '%.300s'", body);
	FUZZ_CHECK(tq_task_attempt(u) == 1, "a fresh body is attempt %d",
	    tq_task_attempt(u));
	/*
	 * The payload text goes in verbatim; read back, it is the same
	 * value (and the same text when the rebuilt body is strict JSON,
	 * which it is unless the payload was cJSON's printing).
	 */
	a = cJSON_Parse(tq_task_payload(t));
	b = cJSON_Parse(tq_task_payload(u));
	FUZZ_CHECK(a != NULL && b != NULL && json_same(a, b),
	    "payload '%.200s' became '%.200s'", tq_task_payload(t),
	    tq_task_payload(u));
	cJSON_Delete(a);
	cJSON_Delete(b);
	task_sane(u);
	tq_task_free(u);
	free(body);
}

/*
 * The lenient reader used by tq inspect must agree on a good body,
 * type and queue included: both take the queue the task is stored in
 * over the body's, and the queue's name for a type absent or null.
 */
static void
task_info_agrees(const struct tq_task *t, const char *body, const char *meta)
{
	struct tq_task_info	*info;

	info = tq_xcalloc(1, sizeof *info);
	FUZZ_CHECK(tq_task_info_fill(info, TASK_QUEUE, body, meta) == 0,
	    "info_fill refuses a body that decodes");
	FUZZ_CHECK(info->type != NULL && strcmp(info->type,
	    tq_task_type(t)) == 0, "info type '%s', task type '%s'",
	    info->type != NULL ? info->type : "(null)", tq_task_type(t));
	FUZZ_CHECK(info->queue != NULL && strcmp(info->queue, TASK_QUEUE) == 0,
	    "info queue '%s'", info->queue != NULL ? info->queue : "(null)");
	FUZZ_CHECK(info->priority == tq_task_priority(t) &&
	    info->max_retries == tq_task_max_retries(t) &&
	    info->timeout_s == tq_task_timeout_s(t) &&
	    info->created_at == tq_task_created_at(t) &&
	    info->retry_count == tq_task_attempt(t) - 1,
	    "info and task disagree on a number");
	tq_task_info_free(info);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tq_task		*t;
	struct tq_task_info	*info;
	struct tq_error		 err;
	const uint8_t		*nul;
	char			*body, *meta = NULL, *prefix;
	size_t			 bodylen = size, i;

	/* The body is everything before the last NUL, the meta after it. */
	for (i = size; i > 0; i--) {
		if (data[i - 1] == '\0')
			break;
	}
	if (i > 0) {
		bodylen = i - 1;
		meta = fuzz_string(data + i, size - i);
	}
	/* A copy of exactly bodylen bytes: ASan sees any overread. */
	body = malloc(bodylen > 0 ? bodylen : 1);
	if (body == NULL)
		abort();
	memcpy(body, data, bodylen);

	tq_error_clear(&err);
	t = tq_task_from_reply(TASK_QUEUE, TASK_ID, body, bodylen, meta,
	    TASK_TOKEN, TASK_DEADLINE, &err);
	if (t == NULL) {
		FUZZ_CHECK(err.code == TQ_EPROTO, "code %d: %s", (int)err.code,
		    err.msg);
		prefix = tq_xasprintf("task %s: ", TASK_ID);
		FUZZ_CHECK(strncmp(err.msg, prefix, strlen(prefix)) == 0,
		    "message does not name the task: %s", err.msg);
		free(prefix);
	} else {
		task_sane(t);
		task_rebuild(t);
	}

	/* tq inspect reads the same bodies, as C strings. */
	nul = memchr(data, '\0', bodylen);
	if (nul == NULL) {
		free(body);
		body = fuzz_string(data, bodylen);
		if (t != NULL)
			task_info_agrees(t, body, meta);
		else {
			info = tq_xcalloc(1, sizeof *info);
			(void)tq_task_info_fill(info, TASK_QUEUE, body, meta);
			tq_task_info_free(info);
		}
	}
	tq_task_free(t);
	free(body);
	free(meta);
	return (0);
}
