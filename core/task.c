/*
 * task.c -- the task record: its stored JSON body, and the handle a worker
 * holds while it runs a task.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A task's body is one JSON object, written once at enqueue and never
 * rewritten:
 *
 *	{"id":"…"[,"type":"…"][,"priority":P][,"max_retries":N]
 *	 [,"timeout":S],"created_at":MS[,"scheduled_at":MS],"payload":…}
 *
 * Nothing is written that the reader knows already: the queue is in the
 * key, the type is the queue's name unless it says otherwise, priority 0
 * and max_retries 3 are the defaults, and a task without a timeout gets
 * its worker's ([worker] timeout, 30 s unless configured).  A
 * waiting task's body is most of what it costs Redis (docs/PROTOCOL.md,
 * docs/PERFORMANCE.md), so the envelope is kept small; the order is fixed
 * because the Lua scripts read the id and priority from the front.
 *
 * It is built by concatenation so that the payload is embedded byte for
 * byte as the producer gave it: a 64-bit integer or a float in a payload
 * is never round-tripped through a double.  What changes as the task moves
 * (retry_count, error, failed_at, requeued) lives in a separate "meta"
 * object that only the Lua scripts write.
 *
 * Reading goes the other way.  Bodies may have been written by other
 * programs, so nothing in one is trusted: every field is type- and
 * range-checked, a bad one is TQ_EPROTO with the field named, and the
 * payload text handed to the worker is cut verbatim from the body when the
 * body is strict JSON (else cJSON prints it).  Nothing here does I/O.
 */

#include <assert.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "tq-int.h"

struct tq_task {
	char		*id;
	char		*queue;
	char		*type;
	char		*token;		/* NULL when not leased */
	char		*payload;	/* JSON text, never NULL */
	cJSON		*body;		/* parsed body, holds payload_json */
	const cJSON	*payload_json;	/* inside body, never NULL */
	int		 priority;
	int		 max_retries;
	int		 retry_count;
	int		 timeout_s;
	int64_t		 created_at;
	int64_t		 lease_deadline;
	int		 ack_sent;	/* tq_task_ack_sent */
};

/* A string that grows as pieces are appended. */
struct task_buf {
	char		*p;
	size_t		 len;
	size_t		 size;
};

static void
task_buf_add(struct task_buf *b, const char *s, size_t n)
{
	if (b->size - b->len <= n) {
		while (b->size - b->len <= n)
			b->size = b->size * 2 + n;
		b->p = tq_xrealloc(b->p, b->size);
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

/* Append s as a quoted JSON string. */
static void
task_buf_quote(struct task_buf *b, const char *s)
{
	const char	*start;
	char		 esc[8];
	unsigned char	 c;

	task_buf_add(b, "\"", 1);
	for (start = s; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		task_buf_add(b, start, (size_t)(s - start));
		if (c == '"' || c == '\\')
			snprintf(esc, sizeof esc, "\\%c", c);
		else
			snprintf(esc, sizeof esc, "\\u%04x", c);
		task_buf_add(b, esc, strlen(esc));
		start = s + 1;
	}
	task_buf_add(b, start, (size_t)(s - start));
	task_buf_add(b, "\"", 1);
}

/* Append ",\"name\":value" for an integer. */
static void
task_buf_int(struct task_buf *b, const char *name, long long value)
{
	char	tmp[64];
	int	n;

	n = snprintf(tmp, sizeof tmp, ",\"%s\":%lld", name, value);
	task_buf_add(b, tmp, (size_t)n);
}

static int
task_is_ws(char c)
{
	return (c == ' ' || c == '\t' || c == '\n' || c == '\r');
}

/*
 * The body for a new task (new string).  id, queue and type are validated
 * names and payload is validated JSON text or NULL (null); opts may be
 * NULL for the defaults.  The task is delayed, and the body carries
 * scheduled_at, when opts->at_ms > 0 or opts->delay_ms > 0.
 */
char *
tq_task_body(const char *id, const char *queue, const char *type,
    const char *payload, const struct tq_enqueue_opts *opts, int64_t now_ms)
{
	struct tq_enqueue_opts	 defaults;
	struct task_buf		 b;
	size_t			 plen = 0;

	assert(id != NULL && queue != NULL && type != NULL);
	if (opts == NULL) {
		/* As tq_enqueue_opts_init, which lives with the client. */
		memset(&defaults, 0, sizeof defaults);
		defaults.max_retries = TQ_MAX_RETRIES_DEFAULT;
		opts = &defaults;
	}
	if (payload != NULL) {
		/* Outer whitespace is not part of the value. */
		while (task_is_ws(*payload))
			payload++;
		plen = strlen(payload);
		while (plen > 0 && task_is_ws(payload[plen - 1]))
			plen--;
	}
	if (plen == 0) {
		payload = "null";
		plen = 4;
	}

	b.size = 256 + plen + 6 * (strlen(id) + strlen(queue) + strlen(type));
	b.p = tq_xmalloc(b.size);
	b.len = 0;

	task_buf_add(&b, "{\"id\":", 6);
	task_buf_quote(&b, id);
	if (strcmp(type, queue) != 0) {
		task_buf_add(&b, ",\"type\":", 8);
		task_buf_quote(&b, type);
	}
	if (opts->priority != 0)
		task_buf_int(&b, "priority", opts->priority);
	if (opts->max_retries != TQ_MAX_RETRIES_DEFAULT)
		task_buf_int(&b, "max_retries", opts->max_retries);
	if (opts->timeout_s > 0)
		task_buf_int(&b, "timeout", opts->timeout_s);
	task_buf_int(&b, "created_at", (long long)now_ms);
	if (opts->at_ms > 0)
		task_buf_int(&b, "scheduled_at", (long long)opts->at_ms);
	else if (opts->delay_ms > 0)
		task_buf_int(&b, "scheduled_at",
		    (long long)(now_ms + opts->delay_ms));

	/* Last, so a person reading the body sees the small fields first. */
	task_buf_add(&b, ",\"payload\":", 11);
	task_buf_add(&b, payload, plen);
	task_buf_add(&b, "}", 1);
	return (b.p);
}

/*
 * Read member name of obj as an integer in [min, max] into *out.  Absent
 * or null leaves *out alone and is fine; anything else that is not such an
 * integer is -1.
 */
static int
task_get_int(const cJSON *obj, const char *name, int64_t min, int64_t max,
    int64_t *out)
{
	const cJSON	*v;
	double		 d;

	v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (!cJSON_IsNumber(v))
		return (-1);
	d = v->valuedouble;
	/* Both bounds are powers of two, exact as doubles; NaN fails. */
	if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
		return (-1);
	if ((double)(int64_t)d != d)
		return (-1);
	if ((int64_t)d < min || (int64_t)d > max)
		return (-1);
	*out = (int64_t)d;
	return (0);
}

/* Member name of obj as a string: 0 with *out NULL when absent or null,
 * -1 when it is something else. */
static int
task_get_str(const cJSON *obj, const char *name, const char **out)
{
	const cJSON	*v;

	*out = NULL;
	v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (v == NULL || cJSON_IsNull(v))
		return (0);
	if (!cJSON_IsString(v) || v->valuestring == NULL)
		return (-1);
	*out = v->valuestring;
	return (0);
}

static size_t
task_skip_ws(const char *s, size_t len, size_t p)
{
	while (p < len && task_is_ws(s[p]))
		p++;
	return (p);
}

/*
 * Find the text of the first top-level "payload" member of a body, as
 * cJSON_GetObjectItemCaseSensitive finds its node.  1 with the span when
 * found, 0 when absent, -1 when the body is not strict JSON or a key has
 * escapes (which could spell "payload") and we cannot be sure.
 */
static int
task_payload_span(const char *s, size_t len, size_t *start, size_t *end)
{
	size_t	p, k, v, end_v;
	int	is_payload;

	p = task_skip_ws(s, len, 0);
	if (p >= len || s[p] != '{')
		return (-1);
	p = task_skip_ws(s, len, p + 1);
	if (p < len && s[p] == '}')
		return (0);
	for (;;) {
		if (p >= len || s[p] != '"')
			return (-1);
		k = p;
		if (tq_check_json_value(s, len, &p, NULL) != 0)
			return (-1);
		/* The key's raw text is s[k + 1 .. p - 1). */
		if (memchr(s + k + 1, '\\', p - k - 2) != NULL)
			return (-1);
		is_payload = (p - k - 2 == 7 &&
		    memcmp(s + k + 1, "payload", 7) == 0);
		p = task_skip_ws(s, len, p);
		if (p >= len || s[p] != ':')
			return (-1);
		v = p = task_skip_ws(s, len, p + 1);
		if (tq_check_json_value(s, len, &p, NULL) != 0)
			return (-1);
		end_v = p;
		p = task_skip_ws(s, len, p);
		/*
		 * The value must end where cJSON's does, which the next
		 * character shows: cJSON reads "007" as 7 where the strict
		 * scan stops after "0", and the cut would be "0".
		 */
		if (p >= len || (s[p] != ',' && s[p] != '}'))
			return (-1);
		if (is_payload) {
			*start = v;
			*end = end_v;
			return (1);
		}
		if (s[p] == '}')
			return (0);
		p = task_skip_ws(s, len, p + 1);
	}
}

/*
 * The payload's JSON text (new string): cut from the body when possible,
 * so numbers keep every digit, else printed from node (NULL: null).
 */
static char *
task_payload_text(const char *body, size_t len, const cJSON *node)
{
	size_t	 start, end;
	char	*printed, *text;

	if (node == NULL || cJSON_IsNull(node))
		return (tq_xstrdup("null"));
	if (task_payload_span(body, len, &start, &end) == 1)
		return (tq_xstrndup(body + start, end - start));
	if ((printed = cJSON_PrintUnformatted(node)) == NULL)
		tq_oom(0);	/* cJSON fails only for memory */
	text = tq_xstrdup(printed);
	cJSON_free(printed);
	return (text);
}

/* True when s[0..len) holds nothing but JSON whitespace. */
static int
task_only_ws(const char *s, size_t len)
{
	return (task_skip_ws(s, len, 0) == len);
}

/*
 * A new task from what the dequeue script returned: the body (bodylen
 * bytes, need not be NUL-terminated), the meta object or NULL, and the
 * lease (token may be NULL).  queue and id, where the task was found, are
 * authoritative over the body's copies.  NULL and TQ_EPROTO, naming the
 * task and the field, when the body or meta is malformed.
 */
struct tq_task *
tq_task_from_reply(const char *queue, const char *id, const char *body,
    size_t bodylen, const char *meta, const char *token, int64_t deadline_ms,
    struct tq_error *err)
{
	struct tq_task	*t;
	cJSON		*json = NULL, *mjson = NULL, *node;
	const char	*end = NULL, *type, *s;
	int64_t		 priority = 0, created_at = 0, retry_count = 0;
	int64_t		 max_retries = TQ_MAX_RETRIES_DEFAULT;
	int64_t		 timeout_s = 0;
	size_t		 pos = 0;

	assert(queue != NULL && id != NULL);
	if (body == NULL) {
		tq_error_set(err, TQ_EPROTO, "task %s: body is missing", id);
		goto fail;
	}
	/*
	 * cJSON takes bytes that are not UTF-8, and cuts a string short at
	 * a NUL: a body like that was written by another program, and its
	 * payload could not reach a handler as it was written.  Enqueue
	 * refuses both (tq_check_payload); here they send the task to dead
	 * saying where they are.  Other leniencies of cJSON (01, raw
	 * control characters) lose nothing and are kept for such programs.
	 */
	if ((s = memchr(body, '\0', bodylen)) != NULL) {
		tq_error_set(err, TQ_EPROTO, "task %s: body has a NUL byte at "
		    "byte %zu", id, (size_t)(s - body) + 1);
		goto fail;
	}
	if (tq_check_utf8(body, bodylen, &pos) != 0) {
		tq_error_set(err, TQ_EPROTO, "task %s: body is not valid "
		    "UTF-8 at byte %zu (\\x%02x)", id, pos + 1,
		    (unsigned char)body[pos]);
		goto fail;
	}
	json = cJSON_ParseWithLengthOpts(body, bodylen, &end, 0);
	if (json == NULL || end == NULL || end < body || end > body + bodylen ||
	    !task_only_ws(end, (size_t)(body + bodylen - end))) {
		tq_error_set(err, TQ_EPROTO, "task %s: body is not valid JSON",
		    id);
		goto fail;
	}
	if (!cJSON_IsObject(json)) {
		tq_error_set(err, TQ_EPROTO, "task %s: body is not a JSON "
		    "object", id);
		goto fail;
	}
	if (task_get_str(json, "type", &type) != 0) {
		tq_error_set(err, TQ_EPROTO, "task %s: body field 'type' is "
		    "not a string", id);
		goto fail;
	}
	if (type == NULL)
		type = queue;
	if (task_get_str(json, "id", &s) != 0) {
		tq_error_set(err, TQ_EPROTO, "task %s: body field 'id' is not "
		    "a string", id);
		goto fail;
	}
	if (task_get_str(json, "queue", &s) != 0) {
		tq_error_set(err, TQ_EPROTO, "task %s: body field 'queue' is "
		    "not a string", id);
		goto fail;
	}
#define INTFIELD(name, var, min, max) do {				\
	if (task_get_int(json, name, min, max, &var) != 0) {		\
		tq_error_set(err, TQ_EPROTO, "task %s: body field '%s' is " \
		    "not an integer from %lld to %lld", id, name,	\
		    (long long)(min), (long long)(max));		\
		goto fail;						\
	}								\
} while (0)
	/* priority indexes the ready lists: out of range would be a crash. */
	INTFIELD("priority", priority, TQ_PRIORITY_MIN, TQ_PRIORITY_MAX);
	INTFIELD("max_retries", max_retries, 0, INT_MAX);
	INTFIELD("timeout", timeout_s, 0, INT_MAX);
	INTFIELD("created_at", created_at, 0, INT64_MAX);
#undef INTFIELD

	if (meta != NULL && *meta != '\0') {
		mjson = cJSON_Parse(meta);
		if (mjson == NULL || !cJSON_IsObject(mjson)) {
			tq_error_set(err, TQ_EPROTO, "task %s: meta is not a "
			    "JSON object", id);
			goto fail;
		}
		/* One less than INT_MAX, so that the attempt fits an int. */
		if (task_get_int(mjson, "retry_count", 0, INT_MAX - 1,
		    &retry_count) != 0) {
			tq_error_set(err, TQ_EPROTO, "task %s: meta field "
			    "'retry_count' is not an integer from 0 to %d", id,
			    INT_MAX - 1);
			goto fail;
		}
		cJSON_Delete(mjson);
		mjson = NULL;
	}

	/* A body without a payload carries null; give callers a node. */
	node = cJSON_GetObjectItemCaseSensitive(json, "payload");
	if (node == NULL && (node = cJSON_AddNullToObject(json,
	    "payload")) == NULL)
		tq_oom(0);

	t = tq_xcalloc(1, sizeof *t);
	t->id = tq_xstrdup(id);
	t->queue = tq_xstrdup(queue);
	t->type = tq_xstrdup(type);
	t->token = token != NULL ? tq_xstrdup(token) : NULL;
	t->payload = task_payload_text(body, bodylen, node);
	t->body = json;
	t->payload_json = node;
	t->priority = (int)priority;
	t->max_retries = (int)max_retries;
	t->retry_count = (int)retry_count;
	t->timeout_s = (int)timeout_s;
	t->created_at = created_at;
	t->lease_deadline = deadline_ms;
	return (t);

fail:
	cJSON_Delete(mjson);
	cJSON_Delete(json);
	return (NULL);
}

void
tq_task_free(struct tq_task *t)
{
	if (t == NULL)
		return;
	free(t->id);
	free(t->queue);
	free(t->type);
	free(t->token);
	free(t->payload);
	cJSON_Delete(t->body);
	free(t);
}

int
tq_task_ack_sent(struct tq_task *t, int sent)
{
	int	before = t->ack_sent;

	t->ack_sent = sent;
	return (before);
}

/* Replace the lease after an extension; token is copied (may be NULL). */
void
tq_task_set_lease(struct tq_task *t, const char *token, int64_t deadline_ms)
{
	char	*old = t->token;

	t->token = token != NULL ? tq_xstrdup(token) : NULL;
	free(old);	/* after the copy: token may be t's own */
	t->lease_deadline = deadline_ms;
}

const char *
tq_task_id(const struct tq_task *t)
{
	return (t->id);
}

const char *
tq_task_queue(const struct tq_task *t)
{
	return (t->queue);
}

const char *
tq_task_type(const struct tq_task *t)
{
	return (t->type);
}

const char *
tq_task_payload(const struct tq_task *t)
{
	return (t->payload);
}

const cJSON *
tq_task_payload_json(const struct tq_task *t)
{
	return (t->payload_json);
}

const char *
tq_task_token(const struct tq_task *t)
{
	return (t->token);
}

int
tq_task_priority(const struct tq_task *t)
{
	return (t->priority);
}

int
tq_task_attempt(const struct tq_task *t)
{
	return (t->retry_count + 1);
}

int
tq_task_retry_count(const struct tq_task *t)
{
	return (t->retry_count);
}

int
tq_task_max_retries(const struct tq_task *t)
{
	return (t->max_retries);
}

int
tq_task_timeout_s(const struct tq_task *t)
{
	return (t->timeout_s);
}

int64_t
tq_task_created_at(const struct tq_task *t)
{
	return (t->created_at);
}

int64_t
tq_task_lease_deadline(const struct tq_task *t)
{
	return (t->lease_deadline);
}

/* An int field for inspection: malformed values keep the default. */
static int
task_info_int(const cJSON *obj, const char *name, int def)
{
	int64_t	v = def;

	if (task_get_int(obj, name, INT_MIN, INT_MAX, &v) != 0)
		return (def);
	return ((int)v);
}

static int64_t
task_info_time(const cJSON *obj, const char *name)
{
	int64_t	v = 0;

	if (task_get_int(obj, name, 0, INT64_MAX, &v) != 0)
		return (0);
	return (v);
}

/* A string field for inspection: a new copy, or NULL. */
static char *
task_info_str(const cJSON *obj, const char *name)
{
	const char	*s;

	if (task_get_str(obj, name, &s) != 0 || s == NULL)
		return (NULL);
	return (tq_xstrdup(s));
}

/* The meta record's fields of info, leniently; meta may be NULL. */
static void
task_info_meta(struct tq_task_info *info, const char *meta)
{
	cJSON	*mjson;

	if (meta == NULL || (mjson = cJSON_Parse(meta)) == NULL)
		return;
	if (cJSON_IsObject(mjson)) {
		info->retry_count = task_info_int(mjson, "retry_count", 0);
		info->error = task_info_str(mjson, "error");
		info->failed_at = task_info_time(mjson, "failed_at");
		/* The worker of the last failed attempt. */
		info->worker = task_info_str(mjson, "worker");
	}
	cJSON_Delete(mjson);
}

/*
 * Fill info (zeroed by the caller) from a body and meta (may be NULL) of
 * a task in queue (may be NULL: unknown) for display.  Unlike
 * tq_task_from_reply this is lenient: a malformed field is left unknown,
 * so that a damaged task can still be inspected.  Sets
 * id, queue, type, payload, body, error, priority, max_retries,
 * retry_count, timeout_s, created_at, scheduled_at and failed_at; the
 * caller sets the state, worker, result and other times.  -1 when body is
 * not a JSON object (info->body is still set).
 */
int
tq_task_info_fill(struct tq_task_info *info, const char *queue,
    const char *body, const char *meta)
{
	cJSON		*json;
	const cJSON	*node;

	if (body == NULL)
		return (-1);
	info->body = tq_xstrdup(body);
	json = cJSON_Parse(body);
	if (json == NULL || !cJSON_IsObject(json)) {
		cJSON_Delete(json);
		/*
		 * The meta still says why the task is dead ("malformed
		 * task: ..."): tq dead ls and tq inspect must show that of
		 * all things.
		 */
		task_info_meta(info, meta);
		return (-1);
	}
	info->id = task_info_str(json, "id");
	/*
	 * As the worker reads it (tq_task_from_reply): the queue the task
	 * is stored in wins over the body's, and a type that is absent or
	 * null is the queue's name.
	 */
	info->queue = queue != NULL ? tq_xstrdup(queue) :
	    task_info_str(json, "queue");
	node = cJSON_GetObjectItemCaseSensitive(json, "type");
	if ((node == NULL || cJSON_IsNull(node)) && info->queue != NULL)
		info->type = tq_xstrdup(info->queue);
	else
		info->type = task_info_str(json, "type");
	info->payload = task_payload_text(body, strlen(body),
	    cJSON_GetObjectItemCaseSensitive(json, "payload"));
	info->priority = task_info_int(json, "priority", 0);
	info->max_retries = task_info_int(json, "max_retries",
	    TQ_MAX_RETRIES_DEFAULT);
	info->timeout_s = task_info_int(json, "timeout", 0);
	info->created_at = task_info_time(json, "created_at");
	info->scheduled_at = task_info_time(json, "scheduled_at");
	cJSON_Delete(json);
	task_info_meta(info, meta);
	return (0);
}

void
tq_task_info_free(struct tq_task_info *info)
{
	if (info == NULL)
		return;
	free(info->id);
	free(info->queue);
	free(info->type);
	free(info->payload);
	free(info->body);
	free(info->error);
	free(info->worker);
	free(info->result);
	free(info);
}

void
tq_task_info_array_free(struct tq_task_info **a, size_t n)
{
	size_t	i;

	if (a == NULL)
		return;
	for (i = 0; i < n; i++)
		tq_task_info_free(a[i]);
	free(a);
}

const char *
tq_state_name(enum tq_state state)
{
	switch (state) {
	case TQ_STATE_SCHEDULED:
		return ("scheduled");
	case TQ_STATE_READY:
		return ("ready");
	case TQ_STATE_ACTIVE:
		return ("active");
	case TQ_STATE_RETRY:
		return ("retry");
	case TQ_STATE_DEAD:
		return ("dead");
	case TQ_STATE_DONE:
		return ("done");
	case TQ_STATE_UNKNOWN:
		break;
	}
	return ("unknown");
}

/* A new random (version 4) UUID, lowercase, into out. */
void
tq_uuid(char out[37])
{
	uuid_t	u;

	/* RFC 4122 version 4: 122 random bits, version and variant set. */
	tq_random_bytes(u, sizeof u);
	u[6] = (u[6] & 0x0f) | 0x40;
	u[8] = (u[8] & 0x3f) | 0x80;
	uuid_unparse_lower(u, out);
}
