/*
 * tq-int.h -- symbols shared inside libtq; not installed.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Programs (tqd, tqtop, tq, tqworker) include only tq.h.  This header adds
 * what the core's own files share: error setters, the allocators, the Redis
 * connection layer, the script table, key names and the pure helpers
 * (URL, duration and JSON checks, backoff) that the unit tests exercise.
 * Prototypes are grouped under the file that defines them.
 */

#ifndef TQ_INT_H
#define TQ_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "tq.h"

#define TQ_UNUSED	__attribute__((unused))
#define TQ_PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))
#define TQ_NORETURN	__attribute__((noreturn))

#define TQ_NITEMS(a)	(sizeof (a) / sizeof (a)[0])

/* Defaults that are not configuration keys. */
#define TQ_NAMESPACE_DEFAULT	"tq"
#define TQ_MAX_RETRIES_DEFAULT	3
#define TQ_TIMEOUT_DEFAULT_S	30	/* [worker] timeout, for tests */
#define TQ_LEASE_DEFAULT_MS	30000
#define TQ_HISTORY_SECONDS	3600	/* entries kept in the hist list */
/*
 * Wake tokens kept per queue: one.  The dequeuer a token wakes passes
 * one on when it leaves tasks behind (prelude.lua tq_wake), and a token
 * nobody takes costs the worker that finds it later a probe of each of
 * its queues.
 */
#define TQ_WAKE_MAX		1
#define TQ_BACKOFF_STEPS	24	/* delays passed to the reclaim script */

/* error.c */
void		 tq_error_set(struct tq_error *err, enum tq_errcode code,
		     const char *fmt, ...) TQ_PRINTFLIKE(3, 4);
void		 tq_error_sys(struct tq_error *err, const char *fmt, ...)
		     TQ_PRINTFLIKE(2, 3);
void		 tq_error_prefix(struct tq_error *err, const char *fmt, ...)
		     TQ_PRINTFLIKE(2, 3);
int		 tq_error_outage(const struct tq_error *err);

/* xmalloc.c */
/* (tq_xmalloc, tq_xcalloc, tq_xreallocarray, tq_xstrdup and tq_xasprintf
 * are public, in tq.h.) */
void		*tq_xrealloc(void *ptr, size_t size);
char		*tq_xstrndup(const char *s, size_t n);
char		*tq_xvasprintf(const char *fmt, va_list ap)
		     TQ_PRINTFLIKE(1, 0);
TQ_NORETURN void tq_oom(size_t size);

/* url.c -- parse redis:// and unix:// URLs (pure) */
struct tq_url_seed {
	char		*host;
	int		 port;
};
struct tq_url {
	char		*host;		/* NULL for unix sockets */
	int		 port;
	char		*path;		/* unix socket path, or NULL */
	char		*user;		/* ACL user, or NULL */
	char		*password;	/* or NULL */
	int		 db;
	/* Redis Cluster: the nodes to ask for the slot map (host and port
	 * above are the first); nseeds is 0 for a single server.  With a
	 * master name, the seeds are Redis Sentinels instead, to ask where
	 * that master is. */
	struct tq_url_seed *seeds;
	size_t		 nseeds;
	char		*master;	/* Sentinel's master name, or NULL */
};
/*
 * Parse redis://[[user]:pass@]host[:port][/db][?db=N] (host may be an
 * [IPv6] literal; port 6379 by default),
 * redis-cluster://[[user]:pass@]host[:port][,host[:port]...] (database 0
 * only), redis-sentinel://[[user]:pass@]host[:port][,...]/MASTER[/db]
 * (the Sentinels, port 26379 by default, and the master's name; user and
 * password are the master's) or unix://[[user]:pass@]/abs/path.sock[?db=N]
 * into *out, whose strings are
 * new (free them with tq_url_done).  User, password and path are
 * percent-decoded.  On error (TQ_ECONFIG, naming the bad part but never
 * the password) *out is left empty and safe to pass to tq_url_done.
 */
int		 tq_url_parse(const char *url, struct tq_url *out,
		     struct tq_error *err);
/* Free the strings of url (wiping the password) and empty it. */
void		 tq_url_done(struct tq_url *url);
/*
 * The canonical URL of url as a new string, user and password
 * percent-encoded; with hide_password the password is written "***".
 */
char		*tq_url_format(const struct tq_url *url, int hide_password);
/* Check a host name or bare IPv6 address (no brackets): TQ_ECONFIG. */
int		 tq_url_check_host(const char *host, struct tq_error *err);
/*
 * Where cfg says to connect: redis.url when set (a password_file supplies
 * the password when the URL has none), else socket or host and port, with
 * db, user and password (or password_file).  *out as for tq_url_parse.
 */
int		 tq_url_from_config(const struct tq_config *cfg,
		     struct tq_url *out, struct tq_error *err);

/*
 * duration.c -- "250ms", "30s", "5m", "2h", "90d", "1.5s"; sizes "512K",
 * "1M", "1GB"; range-checked integers.  Pure: errors are TQ_EINVAL and
 * quote the input; the config layer turns them into TQ_ECONFIG.
 */
/* A duration in ms: a number (decimals allowed) and ms, s, m, h or d; a
 * bare number is seconds.  Negative, empty, overflowing or not a whole
 * number of milliseconds is an error. */
int		 tq_parse_duration(const char *s, int64_t *ms,
		     struct tq_error *err);
/* A size in bytes: a number and K, M, G or T (powers of 1024, either
 * case, optionally followed by B); a bare number is bytes. */
int		 tq_parse_size(const char *s, int64_t *bytes,
		     struct tq_error *err);
/* A decimal integer in [min, max]: "N is above the maximum M", "N is below
 * the minimum M" or "'X' is not an integer". */
int		 tq_parse_int(const char *s, long long min, long long max,
		     long long *out, struct tq_error *err);
/* The shortest text tq_parse_duration (or _size) reads back as ms (bytes),
 * such as "90d" or "512M", into buf; returns buf. */
const char	*tq_format_duration(int64_t ms, char *buf, size_t len);
const char	*tq_format_size(int64_t bytes, char *buf, size_t len);

/* config-table.c -- the one table of configuration keys */
enum tq_config_type {
	TQ_CONFIG_STRING,
	TQ_CONFIG_INT,
	TQ_CONFIG_BOOL,		/* yes/no, true/false, on/off, 1/0 */
	TQ_CONFIG_DURATION,	/* read and returned in milliseconds */
	TQ_CONFIG_SIZE,		/* read and returned in bytes */
};
struct tq_config_table_section {
	const char	*name;
	int		 flags;
#define TQ_CONFIG_NAMED		0x1	/* [name NAME] overrides [name] */
#define TQ_CONFIG_NAME_REQUIRED	0x2	/* only [name NAME] is allowed */
	const char	*help;
};
struct tq_config_table_entry {
	const char		*section;
	const char		*name;
	enum tq_config_type	 type;
	const char		*dflt;	/* as it would be written in the file */
	long long		 min;	/* ms for durations, bytes for sizes */
	long long		 max;	/* for strings, the longest; 0: any */
	int			 flags;
#define TQ_CONFIG_RELOAD	0x1	/* a running tqd applies it on SIGHUP */
#define TQ_CONFIG_SECRET	0x2	/* tq_config_dump never shows it */
#define TQ_CONFIG_URL		0x4	/* a Redis URL: hide its password */
	int			(*check)(const char *, struct tq_error *);
	const char		*file_for; /* names a file holding this key */
	const char		*help;
};
extern const struct tq_config_table_section tq_config_table_sections[];
extern const size_t	 tq_config_table_nsections;
extern const struct tq_config_table_entry tq_config_table[];
extern const size_t	 tq_config_table_size;
/* The section called name ("queue", not "queue email"), or NULL. */
const struct tq_config_table_section *tq_config_table_section(
		     const char *name);
/* The entry for key in section (a bare section name), or NULL. */
const struct tq_config_table_entry *tq_config_table_find(
		     const char *section, const char *key);
/* "string", "integer", "boolean", "duration" or "size". */
const char	*tq_config_table_type(enum tq_config_type type);
/* Check a namespace or section name: 1 to TQ_NAME_MAX of
 * [A-Za-z0-9_.:-] (TQ_ECONFIG, naming what). */
int		 tq_config_table_check_name(const char *what,
		     const char *name, struct tq_error *err);

/* check.c -- input validation (pure); tq_check_name is in tq.h */
#define TQ_JSON_DEPTH_MAX	512	/* payload nesting (cJSON's limit: 1000) */
/*
 * Payload: NULL (null) or strict JSON text, valid UTF-8, at most max bytes
 * (max <= 0: no cap), that cJSON also parses.  TQ_ETOOBIG or TQ_EINVAL.
 */
int		 tq_check_payload(const char *payload, int64_t max,
		     struct tq_error *err);
int		 tq_check_priority(int priority, struct tq_error *err);
/* 0 if s[0..len) is UTF-8 (RFC 3629), else -1 and *bad (may be NULL) is
 * the offset of the first bad sequence. */
int		 tq_check_utf8(const char *s, size_t len, size_t *bad);
/*
 * Scan one RFC 8259 value in s[*pos..len) after optional whitespace,
 * nested at most TQ_JSON_DEPTH_MAX deep.  On success *pos is just past the
 * value; on failure -1, TQ_EINVAL ("unexpected 'x' at byte N", 1-based
 * from s) and *pos near the fault.  Does not check UTF-8.
 */
int		 tq_check_json_value(const char *s, size_t len, size_t *pos,
		     struct tq_error *err);

/* backoff.c -- retry delays (pure) */
/*
 * The wait after failed attempt number attempt (1-based): d = min(cap,
 * base * 2^(attempt-1)) without overflow (cap_ms <= 0: no cap), then
 * d/2 + unit_random * d/2 rounded, at least 1; 0 when base_ms <= 0.
 */
int64_t		 tq_backoff_ms(int64_t base_ms, int64_t cap_ms,
		     int attempt, double unit_random);
/* Uniform in [0, 1), per-thread generator; thread-safe. */
double		 tq_random_unit(void);
/* nbytes - 1 random lowercase hex digits and a NUL (getrandom(2)). */
void		 tq_random_hex(char *buf, size_t nbytes);
/* n random bytes from a per-thread getrandom(2) pool (fork-safe). */
void		 tq_random_bytes(void *buf, size_t n);

/* task.c -- the task record and its JSON body */
/* The stored body (new string); see task.c for the layout. */
char		*tq_task_body(const char *id, const char *queue,
		     const char *type, const char *payload,
		     const struct tq_enqueue_opts *opts, int64_t now_ms);
/* A new task from a body and meta, or NULL and TQ_EPROTO. */
struct tq_task	*tq_task_from_reply(const char *queue, const char *id,
		     const char *body, size_t bodylen, const char *meta,
		     const char *token, int64_t deadline_ms,
		     struct tq_error *err);
/* Replace token (copied) and deadline after an extension. */
void		 tq_task_set_lease(struct tq_task *t, const char *token,
		     int64_t deadline_ms);
/* Failed attempts so far (tq_task_attempt() - 1). */
int		 tq_task_retry_count(const struct tq_task *t);
/*
 * Note that an ack of t is being sent (sent 1), or that Redis refused one
 * (sent 0); returns whether an ack had gone out before, with its outcome
 * unknown or a success.  An ack that finds its task gone is a retry of
 * ours (its reply was lost) only if so; else the task was completed or
 * removed by others.
 */
int		 tq_task_ack_sent(struct tq_task *t, int sent);
/* Fill a zeroed info from body and meta of a task of queue (NULL:
 * unknown); -1 if body is not an object. */
int		 tq_task_info_fill(struct tq_task_info *info,
		     const char *queue, const char *body, const char *meta);
void		 tq_uuid(char out[37]);

/* config.c */
/* A deep copy of cfg (never NULL). */
struct tq_config *tq_config_copy(const struct tq_config *cfg);

/* redis.c -- the only hiredis user */
struct tq_redis;
struct tq_redis	*tq_redis_new(const struct tq_config *cfg,
		     struct tq_error *err);
void		 tq_redis_free(struct tq_redis *r);
const char	*tq_redis_address(const struct tq_redis *r);
unsigned	 tq_redis_generation(const struct tq_redis *r);
int		 tq_redis_ensure(struct tq_redis *r, struct tq_error *err);
int		 tq_redis_prepare(struct tq_redis *r, int script,
		     struct tq_error *err);
redisReply	*tq_redis_command(struct tq_redis *r, struct tq_error *err,
		     int argc, const char **argv, const size_t *lens);
redisReply	*tq_redis_eval(struct tq_redis *r, int script, int nkeys,
		     const char **keys, int nargs, const char **args,
		     const size_t *arglens, struct tq_error *err);
void		 tq_redis_append(struct tq_redis *r, int argc,
		     const char **argv, const size_t *lens);
void		 tq_redis_append_eval(struct tq_redis *r, int script,
		     int nkeys, const char **keys, int nargs,
		     const char **args, const size_t *arglens);
redisReply	*tq_redis_reply(struct tq_redis *r, struct tq_error *err);
void		 tq_redis_discard(struct tq_redis *r);
int		 tq_redis_reply_error(struct tq_redis *r,
		     const redisReply *reply, struct tq_error *err);
/*
 * BLPOP on keys for up to timeout_ms: 1 when one of the lists gave an
 * element, 0 when the time ran out, -1 on error.  Keys may be in
 * different hash slots (cluster.c waits on each key's node at once).
 */
int		 tq_redis_blpop(struct tq_redis *r, const char *const *keys,
		     size_t nkeys, int64_t timeout_ms, struct tq_error *err);
/*
 * With [redis] min_replicas_ack, an enqueue script is followed by a
 * WAIT on its connection (tq_redis_eval does it); pipelined ones are
 * confirmed by this, after their replies were read: 0, or -1 (TQ_ECONN:
 * not confirmed, outcome unknown).  A no-op otherwise.
 */
int		 tq_redis_confirm(struct tq_redis *r, struct tq_error *err);
void		 tq_redis_mark_write(struct tq_redis *r);
/*
 * Run fn on the connection to each master: every master of a Redis
 * Cluster (tq_cluster_each_master), else r itself.  For the commands
 * that name no key, which a cluster router sends to one node alone
 * (INFO, CONFIG GET).  The first fn to fail stops the round: -1.
 */
typedef int	(*tq_node_fn)(struct tq_redis *node, void *arg,
		    struct tq_error *err);
int		 tq_redis_each_master(struct tq_redis *r, tq_node_fn fn,
		     void *arg, struct tq_error *err);
/* Whether r routes over a Redis Cluster. */
int		 tq_redis_is_cluster(const struct tq_redis *r);
/*
 * For cluster.c: one node's connection, with the settings (timeouts,
 * credentials) of proto; with preload it loads every script whenever it
 * connects.  And its pipeline by hand: formatted commands appended
 * (after tq_redis_ensure), written at once, replies read without
 * blocking (1: *out set, 0: none yet, -1: the link broke).
 */
struct tq_redis	*tq_redis_new_node(const struct tq_redis *proto,
		     const char *host, int port, int preload);
int		 tq_redis_fd(const struct tq_redis *r);
int		 tq_redis_pending(const struct tq_redis *r);
char		*tq_redis_format(int argc, const char **argv,
		     const size_t *lens, size_t *len);
char		*tq_redis_format_eval(struct tq_redis *r, int script,
		     int nkeys, const char **keys, int nargs,
		     const char **args, const size_t *arglens, size_t *len);
void		 tq_redis_format_free(char *cmd);
void		 tq_redis_append_formatted(struct tq_redis *r,
		     const char *cmd, size_t len);
int		 tq_redis_flush(struct tq_redis *r, struct tq_error *err);
int		 tq_redis_try_reply(struct tq_redis *r, redisReply **out,
		     struct tq_error *err);
void		 tq_redis_close(struct tq_redis *r);
/*
 * For hint.c: make r (a single server's connection, or a cluster node's)
 * a subscriber of channel, connecting first if need be; from then on the
 * server speaks first, and tq_redis_try_message reads what it said
 * without ever blocking (1: *out set, a new reply; 0: nothing yet; -1:
 * the link broke and was dropped).  Nothing else may be sent on r.
 */
int		 tq_redis_subscribe(struct tq_redis *r, const char *channel,
		     struct tq_error *err);
int		 tq_redis_try_message(struct tq_redis *r, redisReply **out,
		     struct tq_error *err);

/* cluster.c -- Redis Cluster: slots, nodes, redirections */
struct tq_cluster;
/* A router over the nodes of url's seeds; connects on first use. */
struct tq_cluster *tq_cluster_new(const struct tq_redis *proto,
		     const struct tq_url *url);
void		 tq_cluster_free(struct tq_cluster *cl);
/* The hash slot of a key: CRC16 of its {hash tag}, or of the key. */
unsigned	 tq_cluster_slot(const char *key, size_t len);
/*
 * Parse a "MOVED 3999 127.0.0.1:6381" or "ASK ..." error: 1 MOVED, 2
 * ASK, 0 neither; the slot, host (of hostlen) and port.  Pure.
 */
int		 tq_cluster_redirect(const char *msg, unsigned *slot,
		     char *host, size_t hostlen, int *port);
const char	*tq_cluster_address(const struct tq_cluster *cl);
unsigned	 tq_cluster_generation(const struct tq_cluster *cl);
int		 tq_cluster_ensure(struct tq_cluster *cl, struct tq_error *err);
/*
 * fn on the connection to each master of the slot map (loaded first if
 * need be), in the order of their first slots; not during a pipeline.
 */
int		 tq_cluster_each_master(struct tq_cluster *cl, tq_node_fn fn,
		     void *arg, struct tq_error *err);
redisReply	*tq_cluster_command(struct tq_cluster *cl, struct tq_error *err,
		     int argc, const char **argv, const size_t *lens);
redisReply	*tq_cluster_eval(struct tq_cluster *cl, int script, int nkeys,
		     const char **keys, int nargs, const char **args,
		     const size_t *arglens, struct tq_error *err);
void		 tq_cluster_append(struct tq_cluster *cl, int argc,
		     const char **argv, const size_t *lens);
void		 tq_cluster_append_eval(struct tq_cluster *cl, int script,
		     int nkeys, const char **keys, int nargs,
		     const char **args, const size_t *arglens);
redisReply	*tq_cluster_reply(struct tq_cluster *cl, struct tq_error *err);
void		 tq_cluster_discard(struct tq_cluster *cl);
int		 tq_cluster_confirm(struct tq_cluster *cl, struct tq_error *err);
int		 tq_cluster_blpop(struct tq_cluster *cl,
		     const char *const *keys, size_t nkeys, int64_t timeout_ms,
		     struct tq_error *err);

/* clock.c -- time, in milliseconds */
int64_t		 tq_monotonic_ms(void);
int64_t		 tq_monotonic_ns(void);
int64_t		 tq_wall_ms(void);
void		 tq_sleep_ms(int64_t ms);

/* scripts.c -- every state transition, one Lua script each */
enum tq_script {
	TQ_SCRIPT_ENQUEUE,
	TQ_SCRIPT_ENQUEUE_MANY,
	TQ_SCRIPT_DEQUEUE,
	TQ_SCRIPT_ACK,
	TQ_SCRIPT_ACK_MANY,
	TQ_SCRIPT_FAIL,
	TQ_SCRIPT_EXTEND,
	TQ_SCRIPT_RELEASE,
	TQ_SCRIPT_PROMOTE,
	TQ_SCRIPT_RECLAIM,
	TQ_SCRIPT_REQUEUE,
	TQ_SCRIPT_PURGE,
	TQ_SCRIPT_TRIM,
	TQ_SCRIPT_PAUSE,
	TQ_SCRIPT_RESUME,
	TQ_SCRIPT_STATS,
	TQ_SCRIPT_INSPECT,
	TQ_SCRIPT_DEADLIST,
	TQ_SCRIPT_DEADFIND,
	TQ_SCRIPT_DUE,
	TQ_SCRIPT_SETTLE,
	TQ_SCRIPT_HINT,
	TQ_SCRIPT_LEADER,
	TQ_SCRIPT_FSCK_READY,
	TQ_SCRIPT_FSCK_SCAN,
	TQ_SCRIPT_FSCK_FIX,
	TQ_SCRIPT_FINDREADY,
	TQ_NSCRIPTS
};
const char	*tq_script_name(int script);
/* Whether replicas must have script's writes before they count
 * ([redis] min_replicas_ack): the enqueues alone. */
int		 tq_script_confirms(int script);
const char	*tq_script_source(int script);

/* keys.c -- key names (see docs/PROTOCOL.md); all strings are new */
enum tq_qkey {
	TQ_K_BODY,	/* HASH id -> JSON body (immutable) */
	TQ_K_META,	/* HASH id -> JSON of retry_count, error, ... */
	TQ_K_SCHED,	/* ZSET id -> due ms */
	TQ_K_ACTIVE,	/* ZSET id -> lease deadline ms */
	TQ_K_LEASE,	/* HASH id -> delivery token */
	TQ_K_RETRY,	/* ZSET id -> due ms */
	TQ_K_DEAD,	/* ZSET id -> failed at ms */
	TQ_K_STATS,	/* HASH counter -> value */
	TQ_K_HIST,	/* LIST "sec:enq:proc:fail", newest first */
	TQ_K_WAKE,	/* LIST of wake-up tokens for blocked workers */
	TQ_K_PAUSED,	/* STRING, exists while paused */
	TQ_K_RATE,	/* HASH tokens, ts: the rate limit's bucket */
	TQ_K_IDS,	/* ZSET producers' ids -> 0 live, or forget-at ms */
	TQ_K_READY0,	/* LIST, priority 0 ... */
	TQ_K_READY9 = TQ_K_READY0 + TQ_PRIORITY_MAX,
	TQ_NQKEYS
};
struct tq_keys {
	char		*k[TQ_NQKEYS];
};
void		 tq_keys_init(struct tq_keys *keys, const char *ns,
		     const char *queue);
void		 tq_keys_done(struct tq_keys *keys);
char		*tq_key_queues(const char *ns);
char		*tq_key_unique(const char *ns, const char *queue,
		     const char *ukey);
char		*tq_key_result(const char *ns, const char *queue,
		     const char *id);
char		*tq_key_workers(const char *ns);
char		*tq_key_due(const char *ns);
char		*tq_key_leader(const char *ns, int epoch);
char		*tq_key_marker(const char *ns);
char		*tq_key_worker(const char *ns, const char *name);

/* queue.c */

/* One validated task, ready to send: the enqueue script's arguments. */
struct tq_pending {
	char		*id;
	char		*queue;
	char		*body;
	char		*ukey;		/* unique key name, or NULL */
	char		 delay[24];
	char		 at[24];
	char		 unique[24];
	char		 prio[4];
	const char	*given;		/* "1": the producer chose the id */
	int		 priority;
	int64_t		 due;		/* from Redis: when scheduled, or 0 */
	struct tq_error	 error;
};
/* Validate a task into p (its strings are new); touches c read-only. */
int		 tq_pending_init(struct tq_client *c, struct tq_pending *p,
		     const char *type, const char *payload,
		     const struct tq_enqueue_opts *opts, struct tq_error *err);
void		 tq_pending_done(struct tq_pending *p);
/* Send tasks[0, n) pipelined, each getting its error or due time; -1
 * when the link broke (the unsent ones carry why). */
int		 tq_pending_send(struct tq_client *c, struct tq_pending *tasks,
		     size_t n, struct tq_error *err);
/* After a send: tell tqd when the delayed ones fall due. */
void		 tq_pending_hints(struct tq_client *c, struct tq_pending *tasks,
		     size_t n);
int		 tq_dequeue_batch(struct tq_client *c,
		     const struct tq_dequeue_opts *o, struct tq_task **out,
		     int max, struct tq_error *err);

/* hint.c */
int		 tq_hint_due(struct tq_client *c, const char *queue,
		     int64_t due_ms, struct tq_error *err);

/* client.c */

struct tq_redis	*tq_client_redis(struct tq_client *c);
const struct tq_config *tq_client_config(const struct tq_client *c);
const char	*tq_client_queues_key(const struct tq_client *c);
redisReply	*tq_client_eval(struct tq_client *c, int script,
		     const char **keys, int nkeys, const char **args,
		     int nargs, struct tq_error *err);
int		 tq_client_register_queue(struct tq_client *c,
		     const char *queue, struct tq_error *err);
struct tq_keys	*tq_client_keys(struct tq_client *c, const char *queue);
/*
 * A dequeuer's memory of queues it found empty, or failing: skip queue
 * until the monotonic time given (mark 0: no more).  Skip says whether
 * it is so, and why.
 */
#define TQ_SKIP_EMPTY	1
#define TQ_SKIP_BROKEN	2
int		 tq_client_skip(struct tq_client *c, const char *queue,
		     int64_t now);
void		 tq_client_mark_empty(struct tq_client *c, const char *queue,
		     int64_t until);
void		 tq_client_mark_broken(struct tq_client *c, const char *queue,
		     int64_t until);

#endif /* TQ_INT_H */
