/*
 * queue.c -- the producer and worker side of the state machine.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * enqueue (one task or a pipelined batch), dequeue with a lease and a
 * per-delivery token, ack, fail, extend and release.  Each is one Lua
 * script (core/scripts/) run on the keys of one queue; this file validates
 * input before anything is sent, so a refused task writes nothing, and it
 * turns replies into tasks and errors.  docs/PROTOCOL.md describes the
 * same steps for other languages.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define TQ_BATCH_CHUNK	1000	/* tasks per pipeline round trip */
#define TQ_MANY_MAX	250	/* tasks per enqueue_many call */
#define TQ_ERROR_MAX	4096	/* bytes of a failure message we keep */
#define TQ_YEAR_MS	(366LL * 24 * 3600 * 1000)
#define TQ_DELAY_MAX_MS	(10 * TQ_YEAR_MS)
#define TQ_EMPTY_SKIP_MS 20	/* a queue found empty is left this long */
#define TQ_BROKEN_SKIP_MS 1000	/* and one whose keys fail, this long */

struct tq_batch {
	struct tq_client	*c;
	struct tq_pending	*tasks;
	size_t			 n;
	size_t			 alloc;
};

void
tq_enqueue_opts_init(struct tq_enqueue_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->max_retries = TQ_MAX_RETRIES_DEFAULT;
}

void
tq_pending_done(struct tq_pending *p)
{
	free(p->id);
	free(p->queue);
	free(p->body);
	free(p->ukey);
}

/* FNV-1a 64: names the default unique key of a type and payload. */
static uint64_t
tq_fnv64(const char *s, uint64_t h)
{
	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return (h);
}

/* Check the numbers of opts; names and payload are checked elsewhere. */
static int
tq_check_opts(const struct tq_enqueue_opts *o, struct tq_error *err)
{
	if (tq_check_priority(o->priority, err) != 0)
		return (-1);
	if (o->max_retries < 0 || o->max_retries > 1000) {
		tq_error_set(err, TQ_EINVAL,
		    "max_retries %d is out of range 0-1000", o->max_retries);
		return (-1);
	}
	/* 0: the worker's [worker] timeout applies. */
	if (o->timeout_s < 0 || o->timeout_s > 366 * 24 * 3600) {
		tq_error_set(err, TQ_EINVAL,
		    "timeout %d s is out of range 1 s - 1 year", o->timeout_s);
		return (-1);
	}
	if (o->delay_ms < 0 || o->delay_ms > TQ_DELAY_MAX_MS) {
		tq_error_set(err, TQ_EINVAL,
		    "delay %lld ms is out of range 0 - 10 years",
		    (long long)o->delay_ms);
		return (-1);
	}
	if (o->at_ms < 0 || o->at_ms > tq_wall_ms() + TQ_DELAY_MAX_MS) {
		tq_error_set(err, TQ_EINVAL,
		    "run-at time %lld ms is negative or over 10 years away",
		    (long long)o->at_ms);
		return (-1);
	}
	if (o->at_ms != 0 && o->delay_ms != 0) {
		tq_error_set(err, TQ_EINVAL, "give a delay or a run-at time, "
		    "not both");
		return (-1);
	}
	if (o->unique_ms < 0 || o->unique_ms > TQ_DELAY_MAX_MS) {
		tq_error_set(err, TQ_EINVAL,
		    "unique-for %lld ms is out of range 0 - 10 years",
		    (long long)o->unique_ms);
		return (-1);
	}
	if (o->unique_key != NULL && (*o->unique_key == '\0' ||
	    strlen(o->unique_key) > 512)) {
		tq_error_set(err, TQ_EINVAL, "unique key must be 1-512 bytes");
		return (-1);
	}
	return (0);
}

/* Validate one task and build what the enqueue script needs. */
int
tq_pending_init(struct tq_client *c, struct tq_pending *p, const char *type,
    const char *payload, const struct tq_enqueue_opts *opts,
    struct tq_error *err)
{
	struct tq_enqueue_opts	 defaults;
	struct tq_queue_policy	 policy;
	const char		*queue;
	char			 uuid[37], *ukey;
	uint64_t		 h;

	memset(p, 0, sizeof *p);
	if (opts == NULL) {
		tq_enqueue_opts_init(&defaults);
		opts = &defaults;
	}
	queue = opts->queue != NULL ? opts->queue : type;
	if (tq_check_name("task type", type, err) != 0 ||
	    tq_check_name("queue name", queue, err) != 0 ||
	    (opts->id != NULL && tq_check_name("task id", opts->id, err) != 0) ||
	    tq_check_opts(opts, err) != 0)
		return (-1);
	tq_config_policy(tq_client_config(c), queue, &policy);
	if (tq_check_payload(payload, policy.max_payload, err) != 0)
		return (-1);

	if (opts->id == NULL) {
		tq_uuid(uuid);
		p->id = tq_xstrdup(uuid);
		p->given = "0";
	} else {
		p->id = tq_xstrdup(opts->id);
		p->given = "1";
	}
	p->queue = tq_xstrdup(queue);
	p->priority = opts->priority;
	snprintf(p->prio, sizeof p->prio, "%d", opts->priority);
	p->body = tq_task_body(p->id, queue, type, payload, opts,
	    tq_wall_ms());
	snprintf(p->delay, sizeof p->delay, "%lld", (long long)opts->delay_ms);
	snprintf(p->at, sizeof p->at, "%lld", (long long)opts->at_ms);
	snprintf(p->unique, sizeof p->unique, "%lld",
	    (long long)opts->unique_ms);
	if (opts->unique_ms > 0) {
		if (opts->unique_key != NULL)
			ukey = tq_xstrdup(opts->unique_key);
		else {
			h = tq_fnv64(type, 14695981039346656037ULL);
			h = tq_fnv64(payload != NULL ? payload : "null", h);
			ukey = tq_xasprintf("%s:%016llx", type,
			    (unsigned long long)h);
		}
		p->ukey = tq_key_unique(tq_client_namespace(c), queue, ukey);
		free(ukey);
	}
	return (0);
}

/* The enqueue script's keys and arguments for p; returns nkeys. */
static int
tq_pending_argv(struct tq_client *c, struct tq_pending *p, const char **keys,
    const char **args, char *cap, size_t caplen)
{
	struct tq_keys	*k = tq_client_keys(c, p->queue);

	keys[0] = k->k[TQ_K_BODY];
	keys[1] = k->k[TQ_K_SCHED];
	keys[2] = k->k[TQ_K_READY0 + p->priority];
	keys[3] = k->k[TQ_K_WAKE];
	keys[4] = k->k[TQ_K_STATS];
	keys[5] = k->k[TQ_K_HIST];
	keys[6] = k->k[TQ_K_IDS];
	keys[7] = p->ukey;
	snprintf(cap, caplen, "%d", TQ_WAKE_MAX);
	args[0] = p->id;
	args[1] = p->body;
	args[2] = p->delay;
	args[3] = p->at;
	args[4] = p->unique;
	args[5] = cap;
	args[6] = p->given;
	return (p->ukey != NULL ? 8 : 7);
}

/*
 * A pipelined batch sends one script call per run of tasks: a task with
 * a unique key alone (enqueue), else up to TQ_MANY_MAX consecutive tasks
 * of one queue together (enqueue_many), which costs Redis one HSETNX per
 * task and a few commands per call instead of a dozen per task.
 */
struct tq_run {
	size_t	first;
	size_t	n;
	int	many;
};

/* The run starting at tasks[i], within [i, end). */
static struct tq_run
tq_pending_run(struct tq_pending *tasks, size_t i, size_t end)
{
	struct tq_run	run = { i, 1, 0 };

	if (tasks[i].ukey != NULL)
		return (run);
	run.many = 1;
	while (i + run.n < end && run.n < TQ_MANY_MAX &&
	    tasks[i + run.n].ukey == NULL &&
	    strcmp(tasks[i + run.n].queue, tasks[i].queue) == 0)
		run.n++;
	return (run);
}

/* enqueue_many's keys and arguments for run; args has 1 + 6n slots. */
static void
tq_run_argv(struct tq_client *c, struct tq_pending *tasks,
    const struct tq_run *run, const char **keys, const char **args,
    char *cap, size_t caplen)
{
	struct tq_keys		*k = tq_client_keys(c, tasks[run->first].queue);
	struct tq_pending	*p;
	size_t			 i;

	keys[0] = k->k[TQ_K_BODY];
	keys[1] = k->k[TQ_K_SCHED];
	keys[2] = k->k[TQ_K_WAKE];
	keys[3] = k->k[TQ_K_STATS];
	keys[4] = k->k[TQ_K_HIST];
	for (i = 0; i <= TQ_PRIORITY_MAX; i++)
		keys[5 + i] = k->k[TQ_K_READY0 + i];
	keys[6 + TQ_PRIORITY_MAX] = k->k[TQ_K_IDS];
	snprintf(cap, caplen, "%d", TQ_WAKE_MAX);
	args[0] = cap;
	for (i = 0; i < run->n; i++) {
		p = &tasks[run->first + i];
		args[1 + 6 * i] = p->id;
		args[2 + 6 * i] = p->body;
		args[3 + 6 * i] = p->prio;
		args[4 + 6 * i] = p->delay;
		args[5 + 6 * i] = p->at;
		args[6 + 6 * i] = p->given;
	}
}

#define TQ_MANY_NKEYS	(5 + TQ_PRIORITY_MAX + 1 + 1)

/* Append run's script call to the pipeline (scripts prepared). */
static void
tq_run_append(struct tq_client *c, struct tq_pending *tasks,
    const struct tq_run *run)
{
	const char	*keys[TQ_MANY_NKEYS], **args;
	char		 cap[16];
	int		 nkeys;

	if (!run->many) {
		args = tq_xcalloc(7, sizeof *args);
		nkeys = tq_pending_argv(c, &tasks[run->first], keys, args,
		    cap, sizeof cap);
		tq_redis_append_eval(tq_client_redis(c), TQ_SCRIPT_ENQUEUE,
		    nkeys, keys, 7, args, NULL);
	} else {
		args = tq_xcalloc(1 + 6 * run->n, sizeof *args);
		tq_run_argv(c, tasks, run, keys, args, cap, sizeof cap);
		tq_redis_append_eval(tq_client_redis(c),
		    TQ_SCRIPT_ENQUEUE_MANY, TQ_MANY_NKEYS, keys,
		    (int)(1 + 6 * run->n), args, NULL);
	}
	free(args);
}

/* Apply enqueue_many's reply (one integer per task) to run's tasks. */
static void
tq_run_result(struct tq_pending *tasks, const struct tq_run *run,
    const redisReply *reply)
{
	struct tq_pending	*p;
	size_t			 i;

	for (i = 0; i < run->n; i++) {
		p = &tasks[run->first + i];
		if (reply->type != REDIS_REPLY_ARRAY ||
		    reply->elements != run->n ||
		    reply->element[i]->type != REDIS_REPLY_INTEGER)
			tq_error_set(&p->error, TQ_EPROTO,
			    "enqueue: unexpected reply");
		else if (reply->element[i]->integer < 0)
			tq_error_set(&p->error, TQ_EEXIST,
			    "task %s already exists", p->id);
		else
			p->due = reply->element[i]->integer;
	}
}

/* Every task of run gets err. */
static void
tq_run_error(struct tq_pending *tasks, const struct tq_run *run,
    const struct tq_error *err)
{
	size_t	i;

	for (i = 0; i < run->n; i++)
		tasks[run->first + i].error = *err;
}

/*
 * Send run again on its own, after NOSCRIPT in a pipeline (Redis lost
 * its script cache between our load and the batch); tq_client_eval
 * reloads.  -1 when the link broke.
 */
static int
tq_run_retry(struct tq_client *c, struct tq_pending *tasks,
    const struct tq_run *run)
{
	const char	*keys[TQ_MANY_NKEYS], **args;
	char		 cap[16];
	struct tq_error	 err;
	redisReply	*reply;
	size_t		 i;
	int		 nkeys;

	tq_error_clear(&err);
	if (!run->many) {
		args = tq_xcalloc(7, sizeof *args);
		nkeys = tq_pending_argv(c, &tasks[run->first], keys, args,
		    cap, sizeof cap);
		reply = tq_client_eval(c, TQ_SCRIPT_ENQUEUE, keys, nkeys,
		    args, 7, &err);
	} else {
		args = tq_xcalloc(1 + 6 * run->n, sizeof *args);
		tq_run_argv(c, tasks, run, keys, args, cap, sizeof cap);
		reply = tq_client_eval(c, TQ_SCRIPT_ENQUEUE_MANY, keys,
		    TQ_MANY_NKEYS, args, (int)(1 + 6 * run->n), &err);
	}
	free(args);
	if (reply == NULL) {
		tq_run_error(tasks, run, &err);
		return (tq_error_outage(&err) ? -1 : 0);
	}
	for (i = 0; i < run->n; i++)
		tq_error_clear(&tasks[run->first + i].error);
	if (!run->many) {
		if (tq_redis_reply_error(tq_client_redis(c), reply,
		    &tasks[run->first].error) == 0 &&
		    reply->type == REDIS_REPLY_INTEGER)
			tasks[run->first].due = reply->integer;
	} else
		tq_run_result(tasks, run, reply);
	freeReplyObject(reply);
	return (0);
}

/* Read run's reply; -1 only when the link broke (error in tasks). */
static int
tq_run_reply(struct tq_client *c, struct tq_pending *tasks,
    const struct tq_run *run)
{
	struct tq_pending	*p = &tasks[run->first];
	struct tq_error		 e;
	redisReply		*reply;

	tq_error_clear(&e);
	if ((reply = tq_redis_reply(tq_client_redis(c), &e)) == NULL) {
		tq_run_error(tasks, run, &e);
		return (-1);
	}
	if (tq_redis_reply_error(tq_client_redis(c), reply, &e) != 0)
		tq_run_error(tasks, run, &e);
	else if (run->many)
		tq_run_result(tasks, run, reply);
	else if (reply->type == REDIS_REPLY_INTEGER)
		p->due = reply->integer;
	else
		tq_error_set(&p->error, TQ_EPROTO, "enqueue: unexpected reply");
	freeReplyObject(reply);
	return (0);
}

/*
 * Tell tqd when the delayed tasks among tasks[0, n) fall due: one hint
 * per queue, its earliest.  The tasks are safely stored already, so a
 * failure here only delays promotion until tqd's next full pass.
 */
void
tq_pending_hints(struct tq_client *c, struct tq_pending *tasks, size_t n)
{
	size_t	i, j;
	int64_t	due;

	for (i = 0; i < n; i++) {
		if (tasks[i].due <= 0 || tasks[i].error.code != TQ_OK)
			continue;
		for (j = 0; j < i; j++) {
			if (tasks[j].due > 0 && tasks[j].error.code == TQ_OK &&
			    strcmp(tasks[j].queue, tasks[i].queue) == 0)
				break;
		}
		if (j < i)
			continue;	/* this queue was hinted already */
		due = tasks[i].due;
		for (j = i + 1; j < n; j++) {
			if (tasks[j].due > 0 && tasks[j].due < due &&
			    tasks[j].error.code == TQ_OK &&
			    strcmp(tasks[j].queue, tasks[i].queue) == 0)
				due = tasks[j].due;
		}
		(void)tq_hint_due(c, tasks[i].queue, due, NULL);
	}
}

/* Whether an error is Redis's NOSCRIPT. */
static int
tq_noscript(const struct tq_error *e)
{
	return (e->code == TQ_EREDIS && strstr(e->msg, "NOSCRIPT") != NULL);
}

/* Tasks [i, n) were not sent: each carries why. */
static int
tq_pending_unsent(struct tq_pending *tasks, size_t i, size_t n,
    const struct tq_error *why, struct tq_error *err)
{
	for (; i < n; i++)
		tasks[i].error = *why;
	if (err != NULL)
		*err = *why;
	return (-1);
}

/* Send tasks [0, n) in pipelined chunks; -1 when the link broke. */
int
tq_pending_send(struct tq_client *c, struct tq_pending *tasks, size_t n,
    struct tq_error *err)
{
	struct tq_run	runs[TQ_BATCH_CHUNK];
	struct tq_error	broken;
	size_t		i, j, end, nruns;

	for (i = 0; i < n; i++) {
		if (tq_client_register_queue(c, tasks[i].queue, &broken) != 0)
			return (tq_pending_unsent(tasks, 0, n, &broken, err));
	}
	for (i = 0; i < n; i = end) {
		end = i + TQ_BATCH_CHUNK < n ? i + TQ_BATCH_CHUNK : n;
		if (tq_redis_prepare(tq_client_redis(c), TQ_SCRIPT_ENQUEUE,
		    &broken) != 0 || tq_redis_prepare(tq_client_redis(c),
		    TQ_SCRIPT_ENQUEUE_MANY, &broken) != 0)
			return (tq_pending_unsent(tasks, i, n, &broken, err));
		for (j = i, nruns = 0; j < end; j += runs[nruns++].n) {
			runs[nruns] = tq_pending_run(tasks, j, end);
			tq_run_append(c, tasks, &runs[nruns]);
		}
		for (j = 0; j < nruns; j++) {
			if (tq_run_reply(c, tasks, &runs[j]) == 0)
				continue;
			/* The link broke: the rest have unknown outcomes. */
			broken = tasks[runs[j].first].error;
			tq_redis_discard(tq_client_redis(c));
			return (tq_pending_unsent(tasks, runs[j].first, n,
			    &broken, err));
		}
		for (j = 0; j < nruns; j++) {
			if (tq_noscript(&tasks[runs[j].first].error) &&
			    tq_run_retry(c, tasks, &runs[j]) != 0) {
				if (err != NULL)
					*err = tasks[runs[j].first].error;
				return (-1);
			}
		}
	}
	/*
	 * With redis.min_replicas_ack: stored counts only once replicas
	 * have it; unconfirmed, each stored task's outcome is unknown.
	 */
	if (tq_redis_confirm(tq_client_redis(c), &broken) != 0) {
		/*
		 * "Exists" as well: the task found may be the write of an
		 * earlier attempt that no replica has either.
		 */
		for (i = 0; i < n; i++) {
			if (tasks[i].error.code == TQ_OK ||
			    tasks[i].error.code == TQ_EEXIST)
				tasks[i].error = broken;
		}
		if (err != NULL)
			*err = broken;
		return (-1);
	}
	return (0);
}

int
tq_enqueue(struct tq_client *c, const char *type, const char *payload,
    const struct tq_enqueue_opts *opts, char **id_out, struct tq_error *err)
{
	struct tq_pending	p;
	int			rc = -1;

	if (tq_pending_init(c, &p, type, payload, opts, err) != 0)
		return (-1);
	if (tq_pending_send(c, &p, 1, err) == 0) {
		tq_pending_hints(c, &p, 1);
		if (p.error.code != TQ_OK) {
			if (err != NULL)
				*err = p.error;
		} else {
			rc = 0;
			if (id_out != NULL) {
				*id_out = p.id;
				p.id = NULL;
			}
		}
	}
	tq_pending_done(&p);
	return (rc);
}

struct tq_batch *
tq_batch_new(struct tq_client *c)
{
	struct tq_batch	*b;

	b = tq_xcalloc(1, sizeof *b);
	b->c = c;
	return (b);
}

void
tq_batch_free(struct tq_batch *b)
{
	size_t	i;

	if (b == NULL)
		return;
	for (i = 0; i < b->n; i++)
		tq_pending_done(&b->tasks[i]);
	free(b->tasks);
	free(b);
}

int
tq_batch_add(struct tq_batch *b, const char *type, const char *payload,
    const struct tq_enqueue_opts *opts, struct tq_error *err)
{
	if (b->n == b->alloc) {
		b->alloc = b->alloc == 0 ? 64 : b->alloc * 2;
		b->tasks = tq_xreallocarray(b->tasks, b->alloc,
		    sizeof *b->tasks);
	}
	if (tq_pending_init(b->c, &b->tasks[b->n], type, payload, opts,
	    err) != 0)
		return (-1);
	b->n++;
	return (0);
}

size_t
tq_batch_count(const struct tq_batch *b)
{
	return (b->n);
}

int
tq_batch_exec(struct tq_batch *b, struct tq_error *err)
{
	size_t	i;
	int	refused = 0;

	if (tq_pending_send(b->c, b->tasks, b->n, err) != 0)
		return (-1);
	tq_pending_hints(b->c, b->tasks, b->n);
	for (i = 0; i < b->n; i++) {
		if (b->tasks[i].error.code != TQ_OK)
			refused++;
	}
	return (refused);
}

const char *
tq_batch_id(const struct tq_batch *b, size_t i)
{
	return (i < b->n ? b->tasks[i].id : NULL);
}

const struct tq_error *
tq_batch_error(const struct tq_batch *b, size_t i)
{
	if (i >= b->n || b->tasks[i].error.code == TQ_OK)
		return (NULL);
	return (&b->tasks[i].error);
}

/* ------------------------------------------------------------------ */

void
tq_dequeue_opts_init(struct tq_dequeue_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->lease_ms = TQ_LEASE_DEFAULT_MS;
}

/* fail's script, shared by tq_fail and the malformed-body path. */
static int
tq_fail_token(struct tq_client *c, const char *queue, const char *id,
    const char *token, const char *why, int permanent, int attempt,
    struct tq_error *err)
{
	struct tq_keys		*k = tq_client_keys(c, queue);
	struct tq_queue_policy	 policy;
	const char		*keys[9], *args[6];
	char			 delay[24], deadmax[24], *msg;
	redisReply		*reply;

	tq_config_policy(tq_client_config(c), queue, &policy);
	snprintf(delay, sizeof delay, "%lld", (long long)tq_backoff_ms(
	    policy.retry_base_ms, policy.retry_cap_ms, attempt,
	    tq_random_unit()));
	snprintf(deadmax, sizeof deadmax, "%lld", (long long)policy.dead_max);
	msg = tq_xstrndup(why != NULL && *why != '\0' ? why : "failed",
	    TQ_ERROR_MAX);
	keys[0] = k->k[TQ_K_ACTIVE];
	keys[1] = k->k[TQ_K_LEASE];
	keys[2] = k->k[TQ_K_BODY];
	keys[3] = k->k[TQ_K_META];
	keys[4] = k->k[TQ_K_RETRY];
	keys[5] = k->k[TQ_K_DEAD];
	keys[6] = k->k[TQ_K_STATS];
	keys[7] = k->k[TQ_K_HIST];
	keys[8] = k->k[TQ_K_IDS];
	args[0] = id;
	args[1] = token;
	args[2] = msg;
	args[3] = permanent ? "1" : "0";
	args[4] = delay;
	args[5] = deadmax;
	reply = tq_client_eval(c, TQ_SCRIPT_FAIL, keys, 9, args, 6, err);
	free(msg);
	if (reply == NULL)
		return (-1);
	/* {"retry", due}: tell tqd when to promote it. */
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(reply->element[0]->str, "retry") == 0 &&
	    reply->element[1]->type == REDIS_REPLY_INTEGER)
		(void)tq_hint_due(c, queue, reply->element[1]->integer, NULL);
	freeReplyObject(reply);
	return (0);
}

/*
 * Parse one dequeued task.  A body that is not a valid task (written by
 * some other program) cannot run: it goes to dead with the parse error,
 * and NULL tells the caller to look for the next task.
 */
static struct tq_task *
tq_dequeued(struct tq_client *c, const char *queue, redisReply **e,
    const char *token, int64_t deadline, struct tq_error *err)
{
	struct tq_task	*t;
	struct tq_error	 perr;
	char		*why;

	t = tq_task_from_reply(queue, e[0]->str, e[1]->str, e[1]->len,
	    e[2]->len > 0 ? e[2]->str : NULL, token, deadline, &perr);
	if (t != NULL)
		return (t);
	why = tq_xasprintf("malformed task: %s", perr.msg);
	(void)tq_fail_token(c, queue, e[0]->str, token, why, 1, 1, err);
	free(why);
	return (NULL);
}

/*
 * One dequeue call: lease up to max tasks of queue into out and return
 * how many are good, or -1; *leased gets how many Redis leased (the
 * malformed ones went to dead meanwhile).  *limited is set when the
 * queue's rate limit held tasks back.
 */
static int
tq_dequeue_call(struct tq_client *c, const char *queue, int64_t lease_ms,
    const char *token, struct tq_task **out, int max, int *leased,
    int *limited, struct tq_error *err)
{
	struct tq_keys		*k = tq_client_keys(c, queue);
	struct tq_queue_policy	 policy;
	const char		*keys[19], *args[5];
	char			 lease[24], n[16], rate[24];
	redisReply		*reply, **e;
	size_t			 i;
	int			 got = 0;

	tq_config_policy(tq_client_config(c), queue, &policy);
	keys[0] = k->k[TQ_K_PAUSED];
	keys[1] = k->k[TQ_K_ACTIVE];
	keys[2] = k->k[TQ_K_LEASE];
	keys[3] = k->k[TQ_K_BODY];
	keys[4] = k->k[TQ_K_META];
	for (i = 0; i <= TQ_PRIORITY_MAX; i++)
		keys[5 + i] = k->k[TQ_K_READY9 - i];
	keys[15] = k->k[TQ_K_RATE];
	keys[16] = k->k[TQ_K_DEAD];
	keys[17] = k->k[TQ_K_STATS];
	keys[18] = k->k[TQ_K_WAKE];
	snprintf(n, sizeof n, "%d", max);
	snprintf(lease, sizeof lease, "%lld", (long long)lease_ms);
	snprintf(rate, sizeof rate, "%lld", (long long)policy.rate_limit);
	args[0] = n;
	args[1] = lease;
	args[2] = token;
	args[3] = rate;
	reply = tq_client_eval(c, TQ_SCRIPT_DEQUEUE, keys, 19, args, 4, err);
	if (reply == NULL)
		return (-1);
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 3 ||
	    (reply->elements - 3) % 3 != 0) {
		tq_error_set(err, TQ_EPROTO, "dequeue: bad reply");
		freeReplyObject(reply);
		return (-1);
	}
	e = reply->element;
	*limited = e[2]->integer != 0;
	*leased = (int)(reply->elements - 3) / 3;
	for (i = 3; i < reply->elements; i += 3) {
		if ((out[got] = tq_dequeued(c, queue, e + i, token,
		    e[1]->integer, err)) != NULL)
			got++;
	}
	freeReplyObject(reply);
	return (got);
}

/*
 * Lease up to max tasks of queue into out: the count, or -1.  When some
 * of what came was malformed (and is dead now), ask again for the rest,
 * so that debris another program left cannot make a worker wait while
 * good tasks are ready.
 */
static int
tq_dequeue_queue(struct tq_client *c, const char *queue, int64_t lease_ms,
    const char *token, struct tq_task **out, int max, int *limited,
    struct tq_error *err)
{
	int	got = 0, n, leased;

	do {
		n = tq_dequeue_call(c, queue, lease_ms, token, out + got,
		    max - got, &leased, limited, err);
		if (n < 0)
			return (got > 0 ? got : -1);
		got += n;
	} while (n < leased && got < max);
	return (got);
}

/*
 * The order to try queues in: as given (strict), or drawn one by one with
 * probability proportional to weight, so a queue of weight 3 is tried
 * first three times as often as one of weight 1 and none starves.
 */
static void
tq_queue_order(const struct tq_dequeue_opts *o, size_t *order)
{
	long long	total = 0, pick;
	size_t		i, j, tmp;

	for (i = 0; i < o->nqueues; i++) {
		order[i] = i;
		total += o->weights != NULL && o->weights[i] > 0 ?
		    o->weights[i] : 1;
	}
	if (o->weights == NULL)
		return;
	for (i = 0; i < o->nqueues - 1; i++) {
		pick = (long long)(tq_random_unit() * (double)total);
		for (j = i; j < o->nqueues - 1; j++) {
			pick -= o->weights[order[j]] > 0 ?
			    o->weights[order[j]] : 1;
			if (pick < 0)
				break;
		}
		total -= o->weights[order[j]] > 0 ? o->weights[order[j]] : 1;
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
}

/*
 * Sleep on the queues' wake lists until a token or the time is up: 1
 * when a token came, 0 when the time ran out, -1 on error.
 */
static int
tq_dequeue_wait(struct tq_client *c, const struct tq_dequeue_opts *o,
    int64_t left_ms, struct tq_error *err)
{
	const char	**keys;
	size_t		  i;
	int		  rc;

	keys = tq_xreallocarray(NULL, o->nqueues, sizeof *keys);
	for (i = 0; i < o->nqueues; i++)
		keys[i] = tq_client_keys(c, o->queues[i])->k[TQ_K_WAKE];
	rc = tq_redis_blpop(tq_client_redis(c), keys, o->nqueues, left_ms,
	    err);
	free(keys);
	return (rc);
}

/*
 * Lease up to max tasks from the queues of o into out, blocking up to
 * o->block_ms when there are none: the count, or -1.  A rate-limited
 * queue is retried after a short sleep instead of a wake-up.  A queue
 * that fails on its own sets err but does not fail the call while
 * another queue could be asked.
 */
int
tq_dequeue_batch(struct tq_client *c, const struct tq_dequeue_opts *o,
    struct tq_task **out, int max, struct tq_error *err)
{
	size_t		*order, i;
	char		 token[TQ_NAME_MAX + 40], rnd[33];
	const char	*q;
	int64_t		 deadline, left, now;
	int		 got = 0, n, limited, any_limited, skipped;
	int		 failed = 0, nbroken = 0, asked = 0, skip;
	struct tq_error	 qerr;

	if (o->nqueues == 0 || o->lease_ms < 1 || max < 1) {
		tq_error_set(err, TQ_EINVAL, "dequeue: %s",
		    o->nqueues == 0 ? "no queues given" : "lease must be > 0");
		return (-1);
	}
	for (i = 0; i < o->nqueues; i++) {
		if (tq_check_name("queue name", o->queues[i], err) != 0)
			return (-1);
	}
	if (o->worker != NULL && tq_check_name("worker name", o->worker,
	    err) != 0)
		return (-1);
	tq_error_clear(&qerr);
	tq_random_hex(rnd, sizeof rnd);
	snprintf(token, sizeof token, "%s@%s", rnd,
	    o->worker != NULL ? o->worker : "");
	order = tq_xreallocarray(NULL, o->nqueues, sizeof *order);
	deadline = tq_monotonic_ms() + o->block_ms;
	for (;;) {
		tq_queue_order(o, order);
		any_limited = skipped = 0;
		now = tq_monotonic_ms();
		for (i = 0; i < o->nqueues && got < max; i++) {
			q = o->queues[order[i]];
			/*
			 * A queue found empty a moment ago is not asked again
			 * at once: a worker of many queues whose first ones
			 * are drained would ask each of them, in vain, before
			 * every lease.
			 */
			if ((skip = tq_client_skip(c, q, now)) != 0) {
				skipped |= skip == TQ_SKIP_EMPTY;
				continue;
			}
			n = tq_dequeue_queue(c, q, o->lease_ms, token,
			    out + got, max - got, &limited, &qerr);
			if (n < 0 && tq_error_outage(&qerr)) {
				*err = qerr;
				failed = 1;
				break;
			}
			if (n < 0) {
				/*
				 * This queue's keys are damaged (a key of the
				 * wrong type, a counter that is not one): the
				 * others are served all the same, and it is
				 * left alone for a while.
				 */
				tq_client_mark_broken(c, q, now +
				    TQ_BROKEN_SKIP_MS);
				if (nbroken++ == 0) {
					*err = qerr;
					if (strncmp(err->msg, "key ", 4) != 0)
						tq_error_prefix(err,
						    "queue %s", q);
				}
				continue;
			}
			asked++;
			if (n == 0 && !limited)
				tq_client_mark_empty(c, q, now +
				    TQ_EMPTY_SKIP_MS);
			got += n;
			any_limited |= limited;
		}
		if (failed || (nbroken > 0 && asked == 0))
			break;		/* keep what we got */
		left = deadline - tq_monotonic_ms();
		if (got == 0 && skipped) {
			/* Never wait while a skipped queue might have some. */
			for (i = 0; i < o->nqueues; i++)
				tq_client_mark_empty(c, o->queues[i], 0);
			continue;
		}
		if (got > 0 || o->block_ms <= 0 || left <= 0)
			break;
		if (any_limited) {
			/* Tokens refill continuously; no wake-up will come. */
			tq_sleep_ms(left < 20 ? left : 20);
			continue;
		}
		/* Nothing came before the time ran out: no point probing
		 * once more (an idle worker's cost is this loop). */
		if ((n = tq_dequeue_wait(c, o, left, err)) <= 0) {
			failed = n < 0;
			break;
		}
	}
	free(order);
	if (failed || (nbroken > 0 && asked == 0))
		return (got > 0 ? got : -1);
	return (got);
}

int
tq_dequeue(struct tq_client *c, const struct tq_dequeue_opts *o,
    struct tq_task **out, struct tq_error *err)
{
	int	n;

	*out = NULL;
	tq_error_clear(err);
	if ((n = tq_dequeue_batch(c, o, out, 1, err)) < 0)
		return (-1);
	return (n);
}

/*
 * The first ack of t found it gone: completed by a worker that leased it
 * after us, or purged.  Not ours to complete, so refused like a lost lease.
 */
static int
tq_ack_gone(struct tq_task *t, struct tq_error *err)
{
	(void)tq_task_ack_sent(t, 0);
	tq_error_set(err, TQ_ELEASE, "task %s is no longer leased to this "
	    "worker (it was completed by another, or removed)", tq_task_id(t));
	return (-1);
}

int
tq_ack(struct tq_client *c, struct tq_task *t, const char *result,
    struct tq_error *err)
{
	struct tq_keys		*k = tq_client_keys(c, tq_task_queue(t));
	struct tq_queue_policy	 policy;
	const char		*keys[8], *args[5];
	char			 ttl[24], idttl[24], *rkey;
	struct tq_error		 e;
	redisReply		*reply;
	int			 again;

	tq_config_policy(tq_client_config(c), tq_task_queue(t), &policy);
	if (result != NULL && tq_check_payload(result, policy.max_payload,
	    err) != 0) {
		tq_error_prefix(err, "result of task %s", tq_task_id(t));
		return (-1);
	}
	rkey = tq_key_result(tq_client_namespace(c), tq_task_queue(t),
	    tq_task_id(t));
	snprintf(ttl, sizeof ttl, "%lld", (long long)policy.result_ttl_ms);
	snprintf(idttl, sizeof idttl, "%lld", (long long)policy.id_ttl_ms);
	keys[0] = k->k[TQ_K_ACTIVE];
	keys[1] = k->k[TQ_K_LEASE];
	keys[2] = k->k[TQ_K_BODY];
	keys[3] = k->k[TQ_K_META];
	keys[4] = k->k[TQ_K_STATS];
	keys[5] = k->k[TQ_K_HIST];
	keys[6] = rkey;
	keys[7] = k->k[TQ_K_IDS];
	args[0] = tq_task_id(t);
	args[1] = tq_task_token(t);
	args[2] = result != NULL ? result : "";
	args[3] = ttl;
	args[4] = idttl;
	again = tq_task_ack_sent(t, 1);
	tq_error_clear(&e);
	reply = tq_client_eval(c, TQ_SCRIPT_ACK, keys, 8, args, 5, &e);
	free(rkey);
	if (reply == NULL) {
		if (e.code == TQ_ELEASE)
			(void)tq_task_ack_sent(t, 0);
		if (err != NULL)
			*err = e;
		return (-1);
	}
	if (reply->type == REDIS_REPLY_INTEGER && reply->integer == 0 &&
	    !again) {
		freeReplyObject(reply);
		return (tq_ack_gone(t, err));
	}
	freeReplyObject(reply);
	return (0);
}

#define TQ_ACK_MANY_MAX	256	/* tasks per ack_many call */

/*
 * One ack_many call for the tasks idx[0, n) (one queue, results already
 * checked).  0, or -1 when the link broke: errs of idx get the error.
 */
static int
tq_ack_group(struct tq_client *c, struct tq_task *const *tasks,
    const char *const *results, const size_t *idx, size_t n,
    struct tq_error *errs, struct tq_error *err)
{
	const char		*queue = tq_task_queue(tasks[idx[0]]);
	struct tq_keys		*k = tq_client_keys(c, queue);
	struct tq_queue_policy	 policy;
	const char		**keys, **args, *res;
	char			 ttl[24], idttl[24], **rkeys;
	struct tq_error		 e;
	redisReply		*reply;
	size_t			 i, nkeys = 7, nres = 0;
	char			*again;

	tq_config_policy(tq_client_config(c), queue, &policy);
	snprintf(ttl, sizeof ttl, "%lld", (long long)policy.result_ttl_ms);
	snprintf(idttl, sizeof idttl, "%lld", (long long)policy.id_ttl_ms);
	keys = tq_xcalloc(7 + n, sizeof *keys);
	rkeys = tq_xcalloc(n, sizeof *rkeys);
	args = tq_xcalloc(2 + 3 * n, sizeof *args);
	keys[0] = k->k[TQ_K_ACTIVE];
	keys[1] = k->k[TQ_K_LEASE];
	keys[2] = k->k[TQ_K_BODY];
	keys[3] = k->k[TQ_K_META];
	keys[4] = k->k[TQ_K_STATS];
	keys[5] = k->k[TQ_K_HIST];
	keys[6] = k->k[TQ_K_IDS];
	args[0] = ttl;
	args[1] = idttl;
	again = tq_xcalloc(n, 1);
	for (i = 0; i < n; i++) {
		again[i] = (char)tq_task_ack_sent(tasks[idx[i]], 1);
		res = results != NULL ? results[idx[i]] : NULL;
		args[2 + 3 * i] = tq_task_id(tasks[idx[i]]);
		args[3 + 3 * i] = tq_task_token(tasks[idx[i]]);
		args[4 + 3 * i] = res != NULL ? res : "";
		if (res != NULL && *res != '\0') {
			rkeys[nres] = tq_key_result(tq_client_namespace(c),
			    queue, tq_task_id(tasks[idx[i]]));
			keys[nkeys++] = rkeys[nres++];
		}
	}
	tq_error_clear(&e);
	reply = tq_client_eval(c, TQ_SCRIPT_ACK_MANY, keys, (int)nkeys, args,
	    (int)(2 + 3 * n), &e);
	for (i = 0; i < n; i++) {
		if (reply == NULL)
			errs[idx[i]] = e;
		else if (reply->type != REDIS_REPLY_ARRAY ||
		    reply->elements != n ||
		    reply->element[i]->type != REDIS_REPLY_INTEGER)
			tq_error_set(&errs[idx[i]], TQ_EPROTO,
			    "ack: unexpected reply");
		else if (reply->element[i]->integer < 0) {
			(void)tq_task_ack_sent(tasks[idx[i]], 0);
			tq_error_set(&errs[idx[i]], TQ_ELEASE, "task %s is no "
			    "longer leased to this worker",
			    tq_task_id(tasks[idx[i]]));
		} else if (reply->element[i]->integer == 0 && !again[i])
			(void)tq_ack_gone(tasks[idx[i]], &errs[idx[i]]);
	}
	free(again);
	if (reply != NULL)
		freeReplyObject(reply);
	while (nres > 0)
		free(rkeys[--nres]);
	free(rkeys);
	free(keys);
	free(args);
	if (reply == NULL && tq_error_outage(&e)) {
		*err = e;
		return (-1);
	}
	return (0);
}

int
tq_ack_batch(struct tq_client *c, struct tq_task *const *tasks,
    const char *const *results, size_t n, struct tq_error *errs,
    struct tq_error *err)
{
	struct tq_queue_policy	 policy;
	struct tq_error		 broken;
	size_t			*idx, i, j, m;
	char			*sent;
	int			 failed = 0, rc = 0;

	tq_error_clear(&broken);
	idx = tq_xcalloc(n + 1, sizeof *idx);
	sent = tq_xcalloc(n + 1, 1);
	for (i = 0; i < n; i++) {
		tq_error_clear(&errs[i]);
		if (results == NULL || results[i] == NULL)
			continue;
		tq_config_policy(tq_client_config(c), tq_task_queue(tasks[i]),
		    &policy);
		if (tq_check_payload(results[i], policy.max_payload,
		    &errs[i]) != 0) {
			tq_error_prefix(&errs[i], "result of task %s",
			    tq_task_id(tasks[i]));
			sent[i] = 1;
		}
	}
	/* One call per queue (and per TQ_ACK_MANY_MAX tasks). */
	for (i = 0; i < n && rc == 0; i++) {
		if (sent[i])
			continue;
		for (j = i, m = 0; j < n && m < TQ_ACK_MANY_MAX; j++) {
			if (!sent[j] && strcmp(tq_task_queue(tasks[j]),
			    tq_task_queue(tasks[i])) == 0) {
				idx[m++] = j;
				sent[j] = 1;
			}
		}
		rc = tq_ack_group(c, tasks, results, idx, m, errs, &broken);
	}
	/* After a broken link, what was not sent has an unknown outcome. */
	for (; i < n && rc != 0; i++) {
		if (!sent[i])
			errs[i] = broken;
	}
	if (rc != 0 && err != NULL)
		*err = broken;
	for (i = 0; i < n; i++) {
		if (errs[i].code != TQ_OK)
			failed++;
	}
	free(idx);
	free(sent);
	return (rc != 0 ? -1 : failed);
}

int
tq_fail(struct tq_client *c, struct tq_task *t, const char *why, int flags,
    struct tq_error *err)
{
	return (tq_fail_token(c, tq_task_queue(t), tq_task_id(t),
	    tq_task_token(t), why, (flags & TQ_FAIL_PERMANENT) != 0,
	    tq_task_attempt(t), err));
}

int
tq_extend(struct tq_client *c, struct tq_task *t, int64_t lease_ms,
    struct tq_error *err)
{
	struct tq_keys	*k = tq_client_keys(c, tq_task_queue(t));
	const char	*keys[2], *args[3];
	char		 lease[24];
	redisReply	*reply;
	int		 rc = 0;

	if (lease_ms < 1) {
		tq_error_set(err, TQ_EINVAL, "lease must be > 0 ms");
		return (-1);
	}
	snprintf(lease, sizeof lease, "%lld", (long long)lease_ms);
	keys[0] = k->k[TQ_K_ACTIVE];
	keys[1] = k->k[TQ_K_LEASE];
	args[0] = tq_task_id(t);
	args[1] = tq_task_token(t);
	args[2] = lease;
	if ((reply = tq_client_eval(c, TQ_SCRIPT_EXTEND, keys, 2, args, 3,
	    err)) == NULL)
		return (-1);
	if (reply->type == REDIS_REPLY_INTEGER)
		tq_task_set_lease(t, tq_task_token(t), reply->integer);
	else {
		tq_error_set(err, TQ_EPROTO, "extend: bad reply");
		rc = -1;
	}
	freeReplyObject(reply);
	return (rc);
}

int
tq_release(struct tq_client *c, struct tq_task *t, struct tq_error *err)
{
	struct tq_keys	*k = tq_client_keys(c, tq_task_queue(t));
	const char	*keys[14], *args[3];
	char		 cap[16];
	redisReply	*reply;
	int		 i;

	keys[0] = k->k[TQ_K_ACTIVE];
	keys[1] = k->k[TQ_K_LEASE];
	keys[2] = k->k[TQ_K_BODY];
	keys[3] = k->k[TQ_K_WAKE];
	for (i = 0; i <= TQ_PRIORITY_MAX; i++)
		keys[4 + i] = k->k[TQ_K_READY9 - i];
	snprintf(cap, sizeof cap, "%d", TQ_WAKE_MAX);
	args[0] = tq_task_id(t);
	args[1] = tq_task_token(t);
	args[2] = cap;
	if ((reply = tq_client_eval(c, TQ_SCRIPT_RELEASE, keys, 14, args, 3,
	    err)) == NULL)
		return (-1);
	freeReplyObject(reply);
	return (0);
}
