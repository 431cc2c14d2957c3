/*
 * harness.h -- a private redis-server for the integration tests.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Each integration test program starts one redis-server of its own on a
 * unix socket in a fresh temporary directory (never the machine's Redis
 * on 6379), flushes it before every test and stops it at the end, also
 * from atexit so that a failed assertion leaves no server behind.  When
 * redis-server cannot be found or started the program fails loudly: an
 * integration test that skips itself proves nothing.
 *
 * Besides libtq clients the harness hands out a raw hiredis connection,
 * so tests can check the keys of docs/PROTOCOL.md directly, and
 * assert_invariants(), the state machine's invariants read from Redis.
 */

#ifndef HARNESS_H
#define HARNESS_H

#include <stdint.h>

#include <hiredis/hiredis.h>

#include "tq.h"

/* The namespace every harness configuration uses. */
#define HARNESS_NS		"tq"

/* The policy harness_config sets for every queue ([queue] section). */
#define HARNESS_RETRY_BASE_MS	100
#define HARNESS_RETRY_CAP_MS	10000
#define HARNESS_RESULT_TTL_MS	60000
#define HARNESS_CONNECT_MS	1000
#define HARNESS_COMMAND_MS	1000
#define HARNESS_RECONNECT_MS	100

/*
 * Start redis-server ($REDIS_SERVER, else redis-server in PATH) and wait
 * up to 5 s for it to answer PING; on any failure print why and exit(1).
 * Calling it again while the server runs does nothing.
 */
void		 harness_start(void);

/* SIGTERM the server, reap it and remove its directory; idempotent. */
void		 harness_stop(void);

/* SIGKILL the server (a crash); the socket file is left behind. */
void		 harness_kill_redis(void);

/* Start the server again on the same socket (empty: no persistence). */
void		 harness_restart_redis(void);

/* "unix://DIR/redis.sock", borrowed. */
const char	*harness_url(void);

/*
 * A new configuration pointed at the server, with the fast timeouts and
 * retry policy above; free with tq_config_free.
 */
struct tq_config *harness_config(void);

/*
 * A new client of cfg (or of harness_config() when cfg is NULL).  The
 * harness owns it and frees it after the current test; fails the test
 * when the client cannot connect.  Call it from the test's thread; the
 * client may then be handed to one other thread.
 */
struct tq_client *harness_client_cfg(const struct tq_config *cfg);
struct tq_client *harness_client(void);

/* The raw connection (reconnected when needed), borrowed. */
redisContext	*harness_redis(void);

/* FLUSHALL. */
void		 harness_flush(void);

/*
 * A command on the raw connection, hiredis format; fails the test when
 * there is no reply or an error reply.  The caller frees the reply.
 */
redisReply	*harness_cmd(const char *fmt, ...);
/* The integer reply of a command, or a string reply holding an integer
 * (HGET of a counter); fails the test on anything else. */
long long	 harness_int(const char *fmt, ...);
/* The string reply as a new string, or NULL for nil; free() it. */
char		*harness_str(const char *fmt, ...);

/* The Redis server's clock in ms (the clock of leases and due times). */
int64_t		 harness_redis_ms(void);
/* A monotonic clock in ms, and a sleep. */
int64_t		 harness_mono_ms(void);
void		 harness_sleep_ms(int64_t ms);

/*
 * Fail the test unless queue obeys the invariants: every id in exactly
 * one of ready:0..9, sched, active, retry and dead, every such id has a
 * body, no body lacks a state, leases match active, no meta lacks a body.
 */
void		 harness_assert_invariants(const char *queue,
		     const char *file, int line);
#define assert_invariants(q) harness_assert_invariants((q), __FILE__, __LINE__)

/*
 * Assert that a libtq call returns 0 (MUST) or fails with the error code
 * want (MUST_FAIL); both need a struct tq_error called err in scope and
 * name the call, the code and the message when they fail the test.
 */
#define MUST(call) do {							\
	tq_error_clear(&err);						\
	if ((call) != 0)						\
		fail_msg("%s: failed: %s (%s)", #call,			\
		    tq_strerror(err.code), err.msg);			\
} while (0)
#define MUST_FAIL(call, want) do {					\
	int	must_rc_;						\
									\
	tq_error_clear(&err);						\
	if ((must_rc_ = (call)) != -1)					\
		fail_msg("%s: returned %d, expected -1 with %s", #call,	\
		    must_rc_, tq_strerror(want));			\
	if (err.code != (want))						\
		fail_msg("%s: failed with %s (%s), expected %s", #call,	\
		    tq_strerror(err.code), err.msg, tq_strerror(want));	\
} while (0)

/*
 * Enqueue a task of type "job" on queue with payload and opts (NULL:
 * defaults; opts->queue is ignored); returns its id (free()) or fails.
 */
char		*harness_enqueue(struct tq_client *c, const char *queue,
		     const char *payload, const struct tq_enqueue_opts *opts);
/* Dequeue one task of queue now (no blocking) or fail the test. */
struct tq_task	*harness_take(struct tq_client *c, const char *queue,
		     int64_t lease_ms, const char *worker);
/*
 * The body of id (a new string) wherever it is: in t, or inline in a
 * ready list (a new task waits there, body and all); NULL if neither.
 */
char		*harness_body(const char *queue, const char *id);
/* 1 if ready list prio of queue holds id, as an id or inline. */
int		 harness_in_ready(const char *queue, int prio, const char *id);
/* The meta record of id, parsed (cJSON_Delete it), or NULL if none. */
cJSON		*harness_meta(const char *queue, const char *id);
/* A number or string member of a JSON object, or fail the test. */
long long	 harness_json_int(const cJSON *obj, const char *name);
const char	*harness_json_str(const cJSON *obj, const char *name);
/*
 * Make n dead tasks on queue (max_retries 0, dequeued, failed with the
 * error "why-I"), in that order, each failing at a later millisecond when
 * spaced is set.  *ids (may be NULL) gets a new array of new ids; free it
 * with harness_free_ids.
 */
void		 harness_make_dead(struct tq_client *c, const char *queue,
		     size_t n, int spaced, char ***ids);
void		 harness_free_ids(char **ids, size_t n);

/*
 * cmocka fixtures: group setup starts the server, group teardown stops
 * it; test setup flushes it, test teardown frees the test's clients.
 */
int		 harness_group_setup(void **state);
int		 harness_group_teardown(void **state);
int		 harness_setup(void **state);
int		 harness_teardown(void **state);

#endif /* HARNESS_H */
