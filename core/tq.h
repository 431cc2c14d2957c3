/*
 * tq.h -- the public interface of libtq, the tq task queue library.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * This is the only header libtq installs.  It declares the whole API:
 * errors, allocation, configuration, the client connection, the task
 * state machine (enqueue, dequeue with a lease, ack, fail, extend,
 * release) and the administrative calls (promote, reclaim, dead-letter
 * requeue/purge/trim, pause/resume, statistics).
 *
 * Conventions, used by every function below unless its comment says
 * otherwise:
 *   - Fallible functions return 0 on success and -1 on failure, and
 *     pointer-returning functions return NULL on failure.  Details go to
 *     the caller's struct tq_error, which may be NULL.
 *   - Strings returned through "char **" are new: the caller frees them
 *     with free().  Objects are freed with their tq_*_free() function,
 *     and every tq_*_free(NULL) does nothing.
 *   - Borrowed inputs are const and are not kept after the call returns.
 *   - Times are Unix milliseconds (int64_t) and durations milliseconds,
 *     except where a name ends in _s (seconds).
 *   - A struct tq_client is one Redis connection and must be used by one
 *     thread at a time; use one client per thread.
 *   - libtq never prints and never exits; out of memory is the one fatal
 *     condition (see tq_set_oom_handler).
 *   - Programs must ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)): a write to
 *     a Redis that went away raises it, and libtq reports the broken
 *     link as TQ_ECONN rather than changing the process's signals.
 */

#ifndef TQ_H
#define TQ_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TQ_VERSION		"0.1.0"
#define TQ_VERSION_MAJOR	0
#define TQ_VERSION_MINOR	1
#define TQ_VERSION_PATCH	0

/* Limits shared by every program and documented in docs/PROTOCOL.md. */
#define TQ_NAME_MAX		128	/* queue, type, namespace, id length */
#define TQ_PRIORITY_MIN		0
#define TQ_PRIORITY_MAX		9
#define TQ_PAYLOAD_MAX_DEFAULT	(1024 * 1024)

/* ------------------------------------------------------------------ */
/* Errors                                                              */
/* ------------------------------------------------------------------ */

enum tq_errcode {
	TQ_OK = 0,
	TQ_EIO,		/* a system call failed (errno is in the message) */
	TQ_EPROTO,	/* Redis or a peer replied with something unexpected */
	TQ_ETIMEOUT,	/* connect or command timeout */
	TQ_ECONFIG,	/* bad configuration file, key, value or URL */
	TQ_EREDIS,	/* Redis replied with an error (e.g. OOM, NOPERM) */
	TQ_ECONN,	/* Redis unreachable, refused us, or the link broke */
	TQ_ENOTFOUND,	/* no such task, queue or result */
	TQ_EINVAL,	/* invalid argument: bad name, payload, priority... */
	TQ_EEXIST,	/* task id exists, or a unique key is held */
	TQ_ELEASE,	/* the delivery token no longer owns the task */
	TQ_ETOOBIG,	/* payload larger than the configured cap */
};

struct tq_error {
	enum tq_errcode	code;
	char		msg[256];
};

/* A short constant name for an error code, such as "lease lost". */
const char	*tq_strerror(enum tq_errcode code);

/* Reset err (may be NULL) to TQ_OK and an empty message. */
void		 tq_error_clear(struct tq_error *err);

/* ------------------------------------------------------------------ */
/* Memory                                                              */
/* ------------------------------------------------------------------ */

/*
 * libtq allocates through these; they never return NULL.  On failure they
 * call the OOM handler, which must not return (the default prints one
 * line to stderr and aborts).  Programs that own the terminal install a
 * handler that restores it first.
 */
typedef void (*tq_oom_handler)(size_t size);
void		 tq_set_oom_handler(tq_oom_handler handler);

/* The allocators themselves, for programs built on libtq: same contract
 * (never NULL; size 0 is 1; overflow is out of memory). */
void		*tq_xmalloc(size_t size);
void		*tq_xcalloc(size_t nmemb, size_t size);
void		*tq_xreallocarray(void *ptr, size_t nmemb, size_t size);
char		*tq_xstrdup(const char *s);
char		*tq_xasprintf(const char *fmt, ...)
		     __attribute__((format(printf, 1, 2)));

/* ------------------------------------------------------------------ */
/* Configuration                                                       */
/* ------------------------------------------------------------------ */

/*
 * One INI file configures every program.  The keys, their types, defaults
 * and ranges live in one table (core/config-table.c; see tq.conf(5)).
 * Sections: [redis], [worker], [tqd], [tqtop], [queue] (defaults for every
 * queue) and [queue NAME] (one queue), [schedule NAME].
 */
struct tq_config;

/* A configuration holding every default.  Never NULL. */
struct tq_config *tq_config_new(void);
void		 tq_config_free(struct tq_config *cfg);

/*
 * Read an INI file into cfg.  Errors name the file, line and key
 * ("tq.conf:12: redis.port: 70000 is above the maximum 65535").  On error
 * cfg is unchanged: the file is parsed into a copy that is swapped in only
 * when the whole file is valid.
 */
int		 tq_config_load(struct tq_config *cfg, const char *path,
		     struct tq_error *err);

/* Set one key as the INI file would ("redis", "port", "6380"). */
int		 tq_config_set(struct tq_config *cfg, const char *section,
		     const char *key, const char *value, struct tq_error *err);

/*
 * Point cfg at a Redis URL: redis://[[user]:pass@]host[:port][/db] or
 * unix://[[user]:pass@]/path/to.sock[?db=N].
 */
int		 tq_config_set_url(struct tq_config *cfg, const char *url,
		     struct tq_error *err);

/*
 * Overwrite the password of a Redis URL in place with '*' (the whole
 * userinfo when it has no ':'), so that a URL given on the command line
 * (-u) no longer shows its password in ps(1) or /proc/PID/cmdline: copy
 * the argument first, then scrub it.  Returns 1 if url held a password,
 * else 0 (url unchanged).  Does no parsing beyond finding the userinfo,
 * so it works on URLs that tq_config_set_url would refuse.
 */
int		 tq_url_scrub(char *url);

/*
 * The warnings noted while loading files into cfg, which are not errors
 * but deserve to be seen: a password written in a configuration file, or
 * a password_file, that its group or all users can read.  Returns the
 * i-th (from 0), or NULL past the last.  libtq never prints: each program
 * prints these after tq_config_load.  Borrowed until cfg is freed.
 */
const char	*tq_config_warning(const struct tq_config *cfg, size_t i);

/*
 * Read a key (section is "queue" for queue defaults, "queue NAME" for one
 * queue).  Durations are returned in milliseconds, sizes in bytes, bools
 * as 0/1.  Asking for a key that is not in the table is a programming
 * error (assert).  The string is borrowed until cfg changes or is freed.
 */
long long	 tq_config_int(const struct tq_config *cfg,
		     const char *section, const char *key);
const char	*tq_config_str(const struct tq_config *cfg,
		     const char *section, const char *key);

/*
 * Write every key, with its help text and current value, as an INI file
 * (the source of conf/tq.conf and of "tqd -t -v").  Returns a new string.
 */
char		*tq_config_dump(const struct tq_config *cfg);

/* The retry and retention policy of one queue ([queue NAME] over [queue]). */
struct tq_queue_policy {
	int64_t		retry_base_ms;	/* first retry delay */
	int64_t		retry_cap_ms;	/* longest retry delay */
	int64_t		dead_max;	/* dead letters kept (count) */
	int64_t		dead_max_age_ms;/* dead letters kept (age) */
	int64_t		result_ttl_ms;	/* how long results are kept */
	int64_t		id_ttl_ms;	/* a done task's own id stays taken */
	int64_t		max_payload;	/* bytes */
	int64_t		rate_limit;	/* tasks per second; 0: none */
	int64_t		dead_requeue_after_ms; /* 0: never */
	int64_t		dead_requeue_max;	/* cycles */
};
void		 tq_config_policy(const struct tq_config *cfg,
		     const char *queue, struct tq_queue_policy *out);

/*
 * The NAMEs of the [section NAME] sections present in cfg ("schedule"),
 * in order: the count, and *names a new array of new strings (free with
 * tq_strv_free).
 */
size_t		 tq_config_names(const struct tq_config *cfg,
		     const char *section, char ***names);

/*
 * Where a file loaded into cfg set key of section ("schedule nightly"):
 * its line; for a key that section leaves unset (or key NULL), the line
 * of the section's header; 0 when neither came from a file.  For
 * messages as file:line of checks made after loading (tqd's schedules).
 */
int		 tq_config_line(const struct tq_config *cfg,
		     const char *section, const char *key);

/* ------------------------------------------------------------------ */
/* Client                                                              */
/* ------------------------------------------------------------------ */

struct tq_client;

/*
 * A client for the Redis named by cfg (which is copied; the caller may free
 * it afterwards).  It connects at once, so an unreachable Redis fails here
 * with TQ_ECONN or TQ_ETIMEOUT.  Later, a broken link is reconnected on the
 * next call, with exponential backoff between attempts.
 */
struct tq_client *tq_client_new(const struct tq_config *cfg,
		     struct tq_error *err);
/* Like tq_client_new, but connects on first use: for daemons that must
 * start, and keep running, while Redis is down. */
struct tq_client *tq_client_new_lazy(const struct tq_config *cfg,
		     struct tq_error *err);
void		 tq_client_free(struct tq_client *c);

/* The namespace (key prefix) in use, borrowed. */
const char	*tq_client_namespace(const struct tq_client *c);

/* "host:port" or the socket path, borrowed. */
const char	*tq_client_address(const struct tq_client *c);

/* Round-trip PING; 0 when Redis answered. */
int		 tq_client_ping(struct tq_client *c, struct tq_error *err);

/*
 * Check a queue name, task type, namespace or task id: 1 to TQ_NAME_MAX
 * bytes of [A-Za-z0-9_.:-].  Nothing that could break a key or a hash tag
 * ({ } * ? [ ], spaces, control characters) is accepted.
 */
int		 tq_check_name(const char *what, const char *name,
		     struct tq_error *err);

/* ------------------------------------------------------------------ */
/* Enqueue                                                             */
/* ------------------------------------------------------------------ */

struct tq_enqueue_opts {
	const char	*queue;		/* NULL: the task type */
	const char	*id;		/* NULL: a new UUID */
	int		 priority;	/* 0..9, higher first; default 0 */
	int		 max_retries;	/* default 3 */
	int		 timeout_s;	/* 0 (default): the worker's */
	int64_t		 delay_ms;	/* run no earlier than now + delay */
	int64_t		 at_ms;		/* or at this Unix time (ms); 0: unset */
	int64_t		 unique_ms;	/* > 0: refuse duplicates this long */
	const char	*unique_key;	/* NULL: type + payload */
};

/* Fill opts with the defaults above. */
void		 tq_enqueue_opts_init(struct tq_enqueue_opts *opts);

/*
 * Enqueue one task of type with payload (any JSON text; NULL means null).
 * The payload is validated and must not exceed the queue's max_payload.
 * On success, *id_out (if not NULL) is the task id (new string).
 * Errors: TQ_EINVAL (bad name, JSON, priority, delay), TQ_ETOOBIG,
 * TQ_EEXIST (id exists, or the unique key is held; the message names the
 * task holding it), and connection errors.  Nothing is written on error.
 */
int		 tq_enqueue(struct tq_client *c, const char *type,
		     const char *payload, const struct tq_enqueue_opts *opts,
		     char **id_out, struct tq_error *err);

/*
 * A batch: tasks added locally, then sent in one pipeline.  Each task
 * succeeds or fails on its own; tq_batch_add validates at once, so a bad
 * task is refused before anything is sent.
 */
struct tq_batch;
struct tq_batch	*tq_batch_new(struct tq_client *c);
void		 tq_batch_free(struct tq_batch *b);
int		 tq_batch_add(struct tq_batch *b, const char *type,
		     const char *payload, const struct tq_enqueue_opts *opts,
		     struct tq_error *err);
size_t		 tq_batch_count(const struct tq_batch *b);
/* Send every task.  Returns the number refused by Redis, or -1 when the
 * connection failed (some tasks may then have been enqueued: see ids). */
int		 tq_batch_exec(struct tq_batch *b, struct tq_error *err);
/* After exec: task i's id (borrowed until free), and its error or NULL. */
const char	*tq_batch_id(const struct tq_batch *b, size_t i);
const struct tq_error *tq_batch_error(const struct tq_batch *b, size_t i);

/*
 * A producer that any number of threads may call at once (a tq_client
 * is for one thread).  Calls that overlap share round trips ("group
 * commit"): the first caller sends every task queued at that moment in
 * one pipeline while the others wait, and a task queued meanwhile goes
 * with the next.  A lone caller sends at once, so nothing waits for a
 * timer.  Each tq_producer_enqueue returns when its own task is stored
 * or refused, with tq_enqueue's results and errors, so a task is never
 * acknowledged before Redis has it.  It connects at once, as
 * tq_client_new; cfg is copied.
 */
struct tq_producer;
struct tq_producer *tq_producer_new(const struct tq_config *cfg,
		     struct tq_error *err);
void		 tq_producer_free(struct tq_producer *p);
int		 tq_producer_enqueue(struct tq_producer *p, const char *type,
		     const char *payload, const struct tq_enqueue_opts *opts,
		     char **id_out, struct tq_error *err);

/* ------------------------------------------------------------------ */
/* Dequeue, ack, fail                                                  */
/* ------------------------------------------------------------------ */

/* A task handed to a worker: owned by the caller, freed by tq_task_free. */
struct tq_task;

struct tq_dequeue_opts {
	const char *const *queues;	/* names, in priority order */
	const int	*weights;	/* NULL: strict order; else weights */
	size_t		 nqueues;
	int64_t		 lease_ms;	/* default 30000 */
	int64_t		 block_ms;	/* wait this long for work; 0: don't */
	const char	*worker;	/* recorded with the lease, or NULL */
};
void		 tq_dequeue_opts_init(struct tq_dequeue_opts *opts);

/*
 * Take the next ready task from the first queue that has one (strict
 * order), or from a queue drawn by weight.  Paused queues are skipped.
 * Returns 1 and sets *out, 0 when there was nothing within block_ms,
 * -1 on error.  Idle callers block on a wake-up list; they do not poll.
 * A queue whose keys fail (one of the wrong type: TQ_EREDIS) does not
 * stop the others: it is left out for a second, and the call returns
 * what they gave with err naming the queue (err->code is not TQ_OK);
 * -1 only when no queue could be asked.
 */
int		 tq_dequeue(struct tq_client *c,
		     const struct tq_dequeue_opts *opts, struct tq_task **out,
		     struct tq_error *err);

/*
 * The task is done.  result (JSON text, or NULL) is stored for the queue's
 * result_ttl.  TQ_ELEASE when the lease was lost (the task was reclaimed and
 * may run elsewhere, or ran and was completed there, or was purged).  An
 * ack of t sent again after its outcome was unknown (a lost reply) that
 * finds the task gone is success: acking is idempotent.
 */
int		 tq_ack(struct tq_client *c, struct tq_task *t,
		     const char *result, struct tq_error *err);

/*
 * Ack n tasks, of any queues, in one script call per queue: what a busy
 * worker does instead of n round trips.  results is NULL or holds one
 * result (JSON text, or NULL) per task.  errs[i] gets task i's outcome:
 * TQ_OK, TQ_ELEASE as for tq_ack, or TQ_EINVAL for a result refused
 * before anything was sent.  Returns how many were not acked, or -1 when
 * the connection failed (err set; tasks not marked TQ_OK in errs have an
 * unknown outcome and may be acked again: acking is idempotent).
 */
int		 tq_ack_batch(struct tq_client *c, struct tq_task *const *tasks,
		     const char *const *results, size_t n,
		     struct tq_error *errs, struct tq_error *err);

#define TQ_FAIL_PERMANENT	0x1	/* dead at once, no retry */

/*
 * The attempt failed with message why.  The task is retried after an
 * exponential backoff with jitter (the queue's policy) while attempts are
 * left, else (or with TQ_FAIL_PERMANENT) it becomes dead.  TQ_ELEASE as
 * for tq_ack.
 */
int		 tq_fail(struct tq_client *c, struct tq_task *t, const char *why,
		     int flags, struct tq_error *err);

/* Push the lease deadline to now + lease_ms (> 0; else TQ_EINVAL).
 * TQ_ELEASE when lost. */
int		 tq_extend(struct tq_client *c, struct tq_task *t,
		     int64_t lease_ms, struct tq_error *err);

/* Hand the task back to ready at the front, without counting an attempt
 * (graceful shutdown).  TQ_ELEASE when lost. */
int		 tq_release(struct tq_client *c, struct tq_task *t,
		     struct tq_error *err);

void		 tq_task_free(struct tq_task *t);

/* Accessors; strings are borrowed until tq_task_free. */
const char	*tq_task_id(const struct tq_task *t);
const char	*tq_task_queue(const struct tq_task *t);
const char	*tq_task_type(const struct tq_task *t);
const char	*tq_task_payload(const struct tq_task *t);	/* JSON text */
/* The payload parsed by cJSON, which holds numbers as doubles: integers
 * beyond 2^53 lose precision here; tq_task_payload keeps them exact. */
const cJSON	*tq_task_payload_json(const struct tq_task *t);
const char	*tq_task_token(const struct tq_task *t);
int		 tq_task_priority(const struct tq_task *t);
int		 tq_task_attempt(const struct tq_task *t);	/* 1-based */
int		 tq_task_max_retries(const struct tq_task *t);
/* The task's own timeout; 0 when it set none ([worker] timeout applies). */
int		 tq_task_timeout_s(const struct tq_task *t);
int64_t		 tq_task_created_at(const struct tq_task *t);
int64_t		 tq_task_lease_deadline(const struct tq_task *t);

/* ------------------------------------------------------------------ */
/* Inspection                                                          */
/* ------------------------------------------------------------------ */

enum tq_state {
	TQ_STATE_UNKNOWN = 0,
	TQ_STATE_SCHEDULED,
	TQ_STATE_READY,
	TQ_STATE_ACTIVE,
	TQ_STATE_RETRY,
	TQ_STATE_DEAD,
	TQ_STATE_DONE,
};
const char	*tq_state_name(enum tq_state state);

/* Everything known about one task: a value record, freed by
 * tq_task_info_free.  Strings are NULL when unknown. */
struct tq_task_info {
	char		*id;
	char		*queue;
	char		*type;
	char		*payload;	/* JSON text */
	char		*body;		/* the stored JSON body, as is */
	char		*error;		/* last error */
	char		*worker;	/* the lease's holder if active, else
					 * the last worker (failed or done) */
	char		*result;	/* JSON text, if done with a result */
	enum tq_state	 state;
	int		 priority;
	int		 max_retries;
	int		 retry_count;
	int		 timeout_s;
	int64_t		 created_at;
	int64_t		 scheduled_at;	/* due time if scheduled or retry */
	int64_t		 failed_at;
	int64_t		 finished_at;
	int64_t		 lease_deadline;
};
void		 tq_task_info_free(struct tq_task_info *info);

/*
 * Find a task by id, in queue or (queue NULL) in every known queue.
 * TQ_ENOTFOUND when no queue holds it.  *out is new.
 */
int		 tq_inspect(struct tq_client *c, const char *queue,
		     const char *id, struct tq_task_info **out,
		     struct tq_error *err);

/*
 * The result stored by tq_ack, as JSON text (new string), in queue or
 * (queue NULL) in every known queue.  TQ_ENOTFOUND when there is none
 * (never stored, expired, or not done yet).  A task acked without a
 * result leaves nothing behind, so tq_inspect no longer finds it.
 */
int		 tq_result(struct tq_client *c, const char *queue,
		     const char *id, char **out, struct tq_error *err);

/* ------------------------------------------------------------------ */
/* Administration: every call does bounded work in Redis               */
/* ------------------------------------------------------------------ */

/*
 * Move due scheduled and retry tasks of queue to ready, at most max per
 * call.  *moved gets the count; *next_due_ms (may be NULL) the earliest
 * due time still waiting, or 0 when none.
 */
int		 tq_promote(struct tq_client *c, const char *queue, int max,
		     int *moved, int64_t *next_due_ms, struct tq_error *err);

/*
 * Fail, as "lease expired", at most max active tasks of queue whose lease
 * has run out (an attempt counts; retry or dead per policy).
 * *next_deadline_ms (may be NULL) gets the earliest live lease, or 0.
 */
int		 tq_reclaim(struct tq_client *c, const char *queue, int max,
		     int *reclaimed, int64_t *next_deadline_ms,
		     struct tq_error *err);

/*
 * Fail, as "lease lost", the tasks of queue that sit in active with no
 * lease record (no worker can complete them; only damage leaves them
 * so), looking at max of them per call from *cursor on (start with 0):
 * *cursor gets where the next call goes on, 0 once the sweep went round.
 * *recovered counts the tasks failed (an attempt counts, as a reclaim).
 */
int		 tq_reclaim_unleased(struct tq_client *c, const char *queue,
		     int max, long long *cursor, int *recovered,
		     struct tq_error *err);

/*
 * Dead letters.  With ids, act on those (missing ones are counted in
 * *missing, not an error: someone else got there first).  With ids NULL,
 * act on all of them, in batches.  *done counts the tasks moved.
 */
int		 tq_dead_requeue(struct tq_client *c, const char *queue,
		     const char *const *ids, size_t nids, long long *done,
		     long long *missing, struct tq_error *err);
int		 tq_dead_purge(struct tq_client *c, const char *queue,
		     const char *const *ids, size_t nids, long long *done,
		     long long *missing, struct tq_error *err);

/*
 * Drop dead letters beyond max_count (oldest first) or older than
 * max_age_ms (0 disables either), at most max per call.  Returns the
 * number removed in *removed; call again while it equals max.
 */
int		 tq_dead_trim(struct tq_client *c, const char *queue,
		     long long max_count, int64_t max_age_ms, int max,
		     int *removed, struct tq_error *err);

/*
 * Dead letters, newest first, from offset; up to limit records into
 * *out (a new array of *n records, freed with tq_task_info_array_free).
 */
int		 tq_dead_list(struct tq_client *c, const char *queue,
		     long long offset, int limit, struct tq_task_info ***out,
		     size_t *n, struct tq_error *err);
void		 tq_task_info_array_free(struct tq_task_info **a, size_t n);

/*
 * Look for the dead letters whose id, task type or last error contains
 * text (plain bytes, case-sensitive), newest first, reading at most scan
 * entries of the dead set (1 to TQ_DEAD_SCAN_MAX) a call, as SCAN does:
 * start with cursor "" and call again with what it leaves there.  Returns
 * 1 while entries remain, 0 when the scan reached the oldest (cursor is
 * "" again), -1 on error.  Letters that go dead during a scan are newer
 * than its cursor and are not seen by it; none is reported twice.  The
 * matches go into found->rows (free with tq_task_info_array_free).
 */
#define TQ_DEAD_CURSOR_MAX	64
#define TQ_DEAD_SCAN_MAX	500
struct tq_dead_found {
	struct tq_task_info	**rows;
	size_t			  n;
	long long		  scanned;	/* entries read this call */
	long long		  total;	/* dead letters of the queue */
};
int		 tq_dead_find(struct tq_client *c, const char *queue,
		     const char *text, char cursor[TQ_DEAD_CURSOR_MAX],
		     int scan, struct tq_dead_found *found,
		     struct tq_error *err);

/*
 * tqd's auto-requeue: up to max dead tasks that have been dead at least
 * age_ms, skipping those already requeued cycles times (0: no cap),
 * starting offset entries into the oldest-first list (pass the running
 * total of *skipped to page past them).
 */
int		 tq_dead_requeue_aged(struct tq_client *c, const char *queue,
		     int64_t age_ms, int cycles, int max, long long offset,
		     int *requeued, int *skipped, struct tq_error *err);

/*
 * Promote every queue whose due-time hint has come (producers leave a
 * hint in NS:due when they schedule or retry a task), at most max tasks
 * per script call, then move each hint to the queue's next due time.
 * *moved gets the total.  One call works for about 50 ms at most: what
 * is left of a large backlog stays due, with its hint, for the next
 * call.  This is tqd's fast path; tq_promote_queue is its periodic
 * safety net for hints that were lost.
 */
int		 tq_promote_due(struct tq_client *c, int max, long long *moved,
		     struct tq_error *err);
/*
 * tq_promote_due, and *wait_ms: how long until the earliest due-time
 * hint left, on Redis's clock (0: one is due now, as when the time budget
 * cut a backlog; -1: there is none), so the caller can sleep until then.
 * Any hint lowered below that one afterwards is announced to
 * tq_due_watch subscribers.
 */
int		 tq_promote_due_until(struct tq_client *c, int max,
		     long long *moved, int64_t *wait_ms, struct tq_error *err);

/*
 * tqd's wake-ups: a subscriber, on a connection of its own with c's
 * settings, to the announcements of hints lower than every other (a
 * PUBLISH on the channel NS:due, by the script that writes the hint).
 * tq_due_watch_new never fails and connects on first check; the watch
 * borrows c, which must outlive it.  tq_due_watch_fd is the descriptor
 * to poll for readability, or -1 while not subscribed.
 * tq_due_watch_check never blocks once subscribed: it subscribes if need
 * be (a blocking connect, as any call), reads what has arrived, and
 * returns 1 when something was announced (or the subscription is new, so
 * announcements may have been missed), 0 when nothing was, -1 when not
 * subscribed (err set; the next check tries again).
 */
struct tq_due_watch;
struct tq_due_watch *tq_due_watch_new(struct tq_client *c);
void		 tq_due_watch_free(struct tq_due_watch *w);
int		 tq_due_watch_fd(const struct tq_due_watch *w);
int		 tq_due_watch_check(struct tq_due_watch *w,
		     struct tq_error *err);
/*
 * Promote the due tasks of one queue in bounded calls, for about 50 ms
 * at most, and refresh its hint (which stays due if tasks are left).
 */
int		 tq_promote_queue(struct tq_client *c, const char *queue,
		     int max, long long *moved, struct tq_error *err);

/*
 * Leader election among tqd instances: take or renew the leader lease
 * for id.  *leader is 1 while id holds it; *epoch grows with each new
 * leader (a fencing token).  With resign, give it up if held.
 */
int		 tq_leader(struct tq_client *c, const char *id, int64_t ttl_ms,
		     int resign, int *leader, long long *epoch,
		     struct tq_error *err);

/*
 * Who leads (new string, or NULL when nobody does), its epoch, and how
 * long its lease has left (a fresh lease means a live leader).
 */
int		 tq_leader_holder(struct tq_client *c, char **id,
		     long long *epoch, int64_t *ttl_ms, struct tq_error *err);

/*
 * The holder as tq_leader_holder tells it, and when a tqd last took or
 * renewed the lease (tq_leader records it), in one round trip: the last
 * sign of life of the leader, which may be gone.  Times are the Redis
 * server's.  Strings are new; tq_leader_seen_done frees them (also after
 * a failed call, which leaves the record empty).
 */
struct tq_leader_seen {
	char		*id;		/* the holder; NULL: nobody leads */
	long long	 epoch;
	int64_t		 ttl_ms;	/* what its lease has left */
	char		*seen_id;	/* who renewed last; NULL: unknown */
	int64_t		 seen_ms;	/* when (Unix ms) */
	int64_t		 lease_ms;	/* the lease it renewed for */
	int64_t		 now_ms;	/* the server's clock at this call */
};
int		 tq_leader_seen(struct tq_client *c, struct tq_leader_seen *out,
		     struct tq_error *err);
void		 tq_leader_seen_done(struct tq_leader_seen *ls);

/*
 * The namespace's marker key: created at first use.  *created is 1 when
 * this call had to create it -- after the first call of a process, that
 * means Redis lost its data (restarted without persistence, or flushed).
 */
int		 tq_marker(struct tq_client *c, int *created,
		     struct tq_error *err);

/*
 * What the Redis server says of itself (tqd's warnings, tqtop's header);
 * on a cluster, the master of slot 0.
 */
struct tq_server_info {
	char		 version[32];
	long long	 used_memory;
	long long	 maxmemory;
	char		 maxmemory_policy[32];
	int		 appendonly;
	char		 appendfsync[16];	/* "" when CONFIG is refused */
	int64_t		 time_ms;		/* the server's clock */
	char		 address[128];		/* whose: host:port */
};
int		 tq_server_info(struct tq_client *c, struct tq_server_info *out,
		     struct tq_error *err);
/*
 * The same of every master: of each master of a Redis Cluster (in the
 * order of their first hash slots), else of the one server.  *infos is
 * new (free(3) it), *n records long.  -1 when one of them did not
 * answer.
 */
int		 tq_server_info_all(struct tq_client *c,
		     struct tq_server_info **infos, size_t *n,
		     struct tq_error *err);

int		 tq_pause(struct tq_client *c, const char *queue,
		     struct tq_error *err);
int		 tq_resume(struct tq_client *c, const char *queue,
		     struct tq_error *err);

/* ------------------------------------------------------------------ */
/* Statistics                                                          */
/* ------------------------------------------------------------------ */

struct tq_queue_stats {
	char		 name[TQ_NAME_MAX + 1];
	long long	 ready;
	long long	 scheduled;
	long long	 active;
	long long	 retry;
	long long	 dead;
	long long	 enqueued;	/* totals since the queue began */
	long long	 processed;
	long long	 failed;	/* failed attempts */
	long long	 retried;
	long long	 dead_total;	/* tasks that went dead */
	int		 paused;
	int64_t		 oldest_ready_ms;/* age of the oldest ready task */
	int64_t		 now_ms;	/* Redis's clock at the snapshot */
};

/* Names of every known queue, sorted (new array of new strings; free with
 * tq_strv_free). */
int		 tq_queues(struct tq_client *c, char ***names, size_t *n,
		     struct tq_error *err);
void		 tq_strv_free(char **v, size_t n);

/* Stats of n queues in one pipelined round trip. */
int		 tq_stats(struct tq_client *c, const char *const *queues,
		     size_t n, struct tq_queue_stats *out, struct tq_error *err);

/* One second of a queue's throughput history. */
struct tq_history_point {
	int64_t		 second;	/* Unix seconds */
	long long	 enqueued;
	long long	 processed;
	long long	 failed;
};

/*
 * The last (up to) max seconds with activity, newest first, at most one
 * hour back; *n gets the count.  Seconds with no activity are absent.
 */
int		 tq_history(struct tq_client *c, const char *queue,
		     struct tq_history_point *out, size_t max, size_t *n,
		     struct tq_error *err);

/* ------------------------------------------------------------------ */
/* Consistency check (fsck)                                            */
/* ------------------------------------------------------------------ */

/*
 * What tq_fsck looks for in a queue: the invariants of docs/PROTOCOL.md
 * ("A task is in exactly one of ..."), each broken one a kind.  Only
 * something other than tq's scripts (a crash cannot) breaks them: a
 * client that writes the keys by hand, a partial restore, a bug.
 */
enum tq_fsck_kind {
	TQ_FSCK_DUPLICATE = 0,	/* id in several states, or twice ready */
	TQ_FSCK_NO_BODY,	/* id in a state, without a body */
	TQ_FSCK_ORPHAN_BODY,	/* body in no state */
	TQ_FSCK_NO_LEASE,	/* id in active without a lease token */
	TQ_FSCK_STRAY_LEASE,	/* lease token for an id not in active */
	TQ_FSCK_ORPHAN_META,	/* meta record without a body */
	TQ_FSCK_NKINDS
};
/* "duplicate", "no-body", "orphan-body", "no-lease", "stray-lease",
 * "orphan-meta". */
const char	*tq_fsck_kind_name(enum tq_fsck_kind kind);

/* One id with problems, as reported to tq_fsck_opts.report. */
struct tq_fsck_finding {
	const char	*queue;
	const char	*id;
	int		 found;		/* 1 << enum tq_fsck_kind, or-ed */
	int		 repaired;	/* the same, for what was fixed */
	const char	*where;		/* what held it: "body,ready:0*2,dead" */
	const char	*action;	/* what repair did, or "" */
};

struct tq_fsck_opts {
	int		 repair;	/* fix what is found (see PROTOCOL.md) */
	int		 batch;		/* entries per scan call; default 500 */
	/*
	 * The longest ready list searched for one id in one call (LPOS
	 * reads about a million entries in 15 ms); default 100000.  Ids
	 * whose answer needs a longer list are counted as unchecked.
	 */
	long long	 list_max;
	/* Called for each id with a problem, or NULL.  The strings are
	 * borrowed for the call. */
	void		(*report)(const struct tq_fsck_finding *f, void *arg);
	void		*arg;
};
void		 tq_fsck_opts_init(struct tq_fsck_opts *opts);

/* What tq_fsck found in one queue. */
struct tq_fsck_result {
	long long	 entries;	/* ids read from lists and sets */
	long long	 bodies;	/* bodies read */
	long long	 found[TQ_FSCK_NKINDS];		/* ids, per kind */
	long long	 repaired[TQ_FSCK_NKINDS];
	long long	 unchecked;	/* ids left alone: list_max */
};

/*
 * Check one queue, and with opts->repair fix it, while producers,
 * workers and tqd go on.  Every Redis call reads a bounded batch (cursor
 * scans and windows of the ready lists); an id that looks wrong is then
 * looked at again in one atomic script, which alone decides and, with
 * repair, fixes it, so a task that moved meanwhile is neither reported
 * nor touched.  *out is filled (zeroed first).  An error (connection)
 * leaves *out with what was counted so far; repairs already made stay.
 */
int		 tq_fsck(struct tq_client *c, const char *queue,
		     const struct tq_fsck_opts *opts,
		     struct tq_fsck_result *out, struct tq_error *err);

/* ------------------------------------------------------------------ */
/* Worker runtime                                                      */
/* ------------------------------------------------------------------ */

/*
 * A worker pool: handler threads (each with its own Redis connection),
 * one fetcher that leases tasks in batches as threads free up and blocks
 * on a wake-up when there is nothing to do, and one heartbeat thread that
 * extends the leases of running tasks, enforces their timeouts and
 * publishes the worker in the registry (tq workers, tqtop).
 */
struct tq_worker;

/* A task being handled: passed to a handler, valid until it returns. */
struct tq_job;

/* What a handler returns. */
enum tq_outcome {
	TQ_JOB_OK = 0,		/* done; tq_job_set_result may give a result */
	TQ_JOB_RETRY,		/* failed; retried per policy */
	TQ_JOB_PERMANENT,	/* failed; dead at once */
};

typedef enum tq_outcome (*tq_handler)(struct tq_job *job, void *arg);

struct tq_worker_opts {
	const char *const *queues;	/* served queues, in priority order */
	const int	*weights;	/* NULL: strict order */
	size_t		 nqueues;
	int		 concurrency;	/* 0: [worker] concurrency */
	int64_t		 lease_ms;	/* 0: [worker] lease */
	int64_t		 grace_ms;	/* < 0: [worker] grace */
	const char	*name;		/* NULL: host-pid-random */
	/*
	 * Tasks leased ahead of idle threads, so that a busy worker fetches
	 * in batches; their leases are extended while they wait.  < 0 (the
	 * default): adaptive, about 10 ms of work at the pace handlers have
	 * been finishing tasks (so thousands of short tasks, or one long
	 * one, are held), from 1 to 1024; a number fixes it; 0: none, for
	 * long tasks that other workers should rather take.
	 */
	int		 prefetch;
};
void		 tq_worker_opts_init(struct tq_worker_opts *opts);

/*
 * A worker for the Redis of cfg (copied).  Nothing runs until
 * tq_worker_run.  Errors: TQ_EINVAL for bad options.
 */
struct tq_worker *tq_worker_new(const struct tq_config *cfg,
		     const struct tq_worker_opts *opts, struct tq_error *err);
void		 tq_worker_free(struct tq_worker *w);

/* Run handler for tasks of type (or, with type NULL, of any type that
 * has no handler; without one such tasks fail, to be retried, with "no
 * handler for task type X"). */
void		 tq_worker_handle(struct tq_worker *w, const char *type,
		     tq_handler handler, void *arg);

/* The worker's registry name, borrowed. */
const char	*tq_worker_name(const struct tq_worker *w);

/*
 * Serve until tq_worker_stop.  Returns 0 after a graceful stop, -1 when
 * the worker could not start (err set).  Redis outages while running are
 * ridden out: reconnects with backoff, one log line per state change.
 */
int		 tq_worker_run(struct tq_worker *w, struct tq_error *err);

/*
 * Stop: take no new tasks, let running handlers finish within the grace
 * period, then hand unfinished tasks back to ready without counting an
 * attempt (their handlers see tq_job_cancelled).  With now, skip the
 * grace period.  Safe to call from a signal handler and any thread.
 */
void		 tq_worker_stop(struct tq_worker *w, int now);

/* Totals since start. */
long long	 tq_worker_processed(const struct tq_worker *w);
long long	 tq_worker_failed(const struct tq_worker *w);

/*
 * A log sink: level 0 error, 1 warning, 2 info, 3 debug.  The worker never
 * prints; without a sink it is silent.  Called from worker threads.
 */
typedef void (*tq_log_fn)(int level, const char *msg, void *arg);
void		 tq_worker_set_log(struct tq_worker *w, tq_log_fn fn,
		     void *arg);
/*
 * Pass only messages of level or below to the sink (default 3: all).
 * Worth setting: a message the sink would drop is then not even
 * formatted, and a busy worker has one info message per task.
 */
void		 tq_worker_set_log_level(struct tq_worker *w, int level);

/* The job's task (borrowed) and its state. */
const struct tq_task *tq_job_task(const struct tq_job *job);
/*
 * 1 once the job should stop: timed out, lease lost, or shutting down.
 * At the timeout the attempt fails ("timed out after N s") when the
 * handler returns, whatever it returns, or 5 s later if it has not: the
 * worker keeps the lease meanwhile, so no retry starts while it runs.
 */
int		 tq_job_cancelled(const struct tq_job *job);
/* Milliseconds until the task's timeout (negative when past). */
int64_t		 tq_job_remaining_ms(const struct tq_job *job);
/* The timeout this run has: the task's own, else [worker] timeout. */
int		 tq_job_timeout_s(const struct tq_job *job);
/* When it comes, as Unix time in milliseconds (the worker's clock). */
int64_t		 tq_job_deadline(const struct tq_job *job);
/* Result (JSON text, copied) stored when the handler returns TQ_JOB_OK. */
int		 tq_job_set_result(struct tq_job *job, const char *json,
		     struct tq_error *err);
/* Error message (copied) recorded when the handler fails. */
void		 tq_job_set_error(struct tq_job *job, const char *msg);

/* ------------------------------------------------------------------ */
/* Worker registry                                                     */
/* ------------------------------------------------------------------ */

struct tq_worker_info {
	char		 name[TQ_NAME_MAX + 1];
	char		 host[256];
	char		 queues[1024];	/* comma-separated */
	int		 pid;
	int		 concurrency;
	int		 busy;
	long long	 processed;
	long long	 failed;
	int64_t		 started_at;
	int64_t		 heartbeat_at;
	int		 stale;		/* no heartbeat for 3 intervals */
};

/* Every registered worker (a new array of *n records; free()). */
int		 tq_workers(struct tq_client *c, struct tq_worker_info **out,
		     size_t *n, struct tq_error *err);
/* Forget workers whose last heartbeat is older than age_ms (tqd). */
int		 tq_workers_prune(struct tq_client *c, int64_t age_ms,
		     int *removed, struct tq_error *err);

#ifdef __cplusplus
}
#endif

#endif /* TQ_H */
