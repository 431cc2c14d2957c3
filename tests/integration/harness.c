/*
 * harness.c -- a private redis-server for the integration tests.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Starts redis-server on a unix socket inside a mkdtemp(3) directory,
 * without persistence, and keeps one raw hiredis connection to it for
 * direct checks of the keys.  The server is a child of the test program:
 * it is stopped by harness_stop (called by the cmocka group teardown and
 * again from atexit), and on Linux also gets SIGTERM should the test
 * program die without running either.  Not finding or not starting
 * redis-server is a hard failure (exit 1), never a skip.
 */

#ifdef __linux__
#include <sys/prctl.h>
#endif
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"

#define HARNESS_START_MS	5000	/* wait this long for PING */
#define HARNESS_STOP_MS		5000	/* then SIGKILL */

static struct {
	pid_t			 owner;		/* the test program */
	pid_t			 pid;		/* redis-server, or 0 */
	char			 bin[PATH_MAX];
	char			 dir[256];
	char			 sock[512];
	char			 log[512];
	char			 url[600];
	redisContext		*raw;
	int			 atexit_done;

	pthread_mutex_t		 lock;		/* guards clients */
	struct tq_client	**clients;	/* freed after each test */
	size_t			 nclients;
	size_t			 aclients;
} h = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Print a failure to start and leave: the tests cannot run without it. */
static void __attribute__((noreturn, format(printf, 1, 2)))
harness_die(const char *fmt, ...)
{
	va_list	ap;
	FILE	*f;
	char	 line[512];

	fflush(stdout);
	fprintf(stderr, "harness: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (h.log[0] != '\0' && (f = fopen(h.log, "r")) != NULL) {
		fprintf(stderr, "harness: redis-server log %s:\n", h.log);
		while (fgets(line, sizeof line, f) != NULL)
			fprintf(stderr, "  %s", line);
		fclose(f);
	}
	harness_stop();
	/* A bail out makes the TAP driver report the whole program failed. */
	printf("Bail out! redis-server is needed for the integration "
	    "tests\n");
	fflush(stdout);
	exit(1);
}

/* Whether path names an executable regular file. */
static int
harness_executable(const char *path)
{
	struct stat	sb;

	return (stat(path, &sb) == 0 && S_ISREG(sb.st_mode) &&
	    access(path, X_OK) == 0);
}

/* $REDIS_SERVER, else redis-server searched in $PATH, into h.bin. */
static void
harness_find_server(void)
{
	const char	*env, *path, *p, *end;
	char		 cand[PATH_MAX];
	size_t		 len;

	env = getenv("REDIS_SERVER");
	if (env == NULL || *env == '\0')
		env = "redis-server";
	if (strchr(env, '/') != NULL) {
		if (!harness_executable(env))
			harness_die("REDIS_SERVER=%s is not an executable "
			    "file", env);
		snprintf(h.bin, sizeof h.bin, "%s", env);
		return;
	}
	if ((path = getenv("PATH")) == NULL || *path == '\0')
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p != '\0'; p = *end == ':' ? end + 1 : end) {
		if ((end = strchr(p, ':')) == NULL)
			end = p + strlen(p);
		len = (size_t)(end - p);
		if (len == 0)
			snprintf(cand, sizeof cand, "./%s", env);
		else
			snprintf(cand, sizeof cand, "%.*s/%s", (int)len, p,
			    env);
		if (harness_executable(cand)) {
			snprintf(h.bin, sizeof h.bin, "%s", cand);
			return;
		}
	}
	harness_die("%s not found in PATH (%s); install redis-server or set "
	    "REDIS_SERVER to its path", env, path);
}

/* A connection to the socket with timeout ms, or NULL. */
static redisContext *
harness_connect(int64_t ms)
{
	struct timeval	 tv;
	redisContext	*ctx;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	ctx = redisConnectUnixWithTimeout(h.sock, tv);
	if (ctx == NULL)
		return (NULL);
	if (ctx->err != 0) {
		redisFree(ctx);
		return (NULL);
	}
	tv.tv_sec = 10;
	tv.tv_usec = 0;
	redisSetTimeout(ctx, tv);
	return (ctx);
}

/* Fork and exec redis-server on h.sock; wait until it answers PING. */
static void
harness_spawn(void)
{
	const char	*argv[16];
	redisContext	*ctx;
	redisReply	*reply;
	int64_t		 deadline;
	int		 fd, status, i = 0, ok;
	pid_t		 pid;

	argv[i++] = h.bin;
	argv[i++] = "--port";
	argv[i++] = "0";
	argv[i++] = "--unixsocket";
	argv[i++] = h.sock;
	argv[i++] = "--unixsocketperm";
	argv[i++] = "700";
	argv[i++] = "--save";
	argv[i++] = "";
	argv[i++] = "--appendonly";
	argv[i++] = "no";
	argv[i++] = "--dir";
	argv[i++] = h.dir;
	argv[i] = NULL;

	(void)unlink(h.sock);
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1)
		harness_die("fork: %s", strerror(errno));
	if (pid == 0) {
#ifdef __linux__
		/* Die with the test program, however it ends. */
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
		fd = open(h.log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd != -1) {
			(void)dup2(fd, STDOUT_FILENO);
			(void)dup2(fd, STDERR_FILENO);
			close(fd);
		}
		execv(h.bin, (char *const *)(uintptr_t)argv);
		dprintf(STDERR_FILENO, "exec %s: %s\n", h.bin,
		    strerror(errno));
		_exit(127);
	}
	h.pid = pid;

	deadline = harness_mono_ms() + HARNESS_START_MS;
	for (;;) {
		if (waitpid(pid, &status, WNOHANG) == pid) {
			h.pid = 0;
			harness_die("%s exited at start (status %d)", h.bin,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		}
		if ((ctx = harness_connect(200)) != NULL) {
			reply = redisCommand(ctx, "PING");
			ok = reply != NULL &&
			    reply->type == REDIS_REPLY_STATUS &&
			    strcmp(reply->str, "PONG") == 0;
			if (reply != NULL)
				freeReplyObject(reply);
			if (ok) {
				if (h.raw != NULL)
					redisFree(h.raw);
				h.raw = ctx;
				return;
			}
			redisFree(ctx);
		}
		if (harness_mono_ms() > deadline)
			harness_die("%s did not answer PING on %s within %d ms",
			    h.bin, h.sock, HARNESS_START_MS);
		harness_sleep_ms(20);
	}
}

void
harness_start(void)
{
	const char	*tmp;

	if (h.pid != 0)
		return;
	h.owner = getpid();
	if (!h.atexit_done) {
		atexit(harness_stop);
		h.atexit_done = 1;
	}
	harness_find_server();
	/* Unix socket paths are short (108 bytes): prefer a short TMPDIR. */
	if ((tmp = getenv("TMPDIR")) == NULL || *tmp == '\0' ||
	    strlen(tmp) > 60)
		tmp = "/tmp";
	snprintf(h.dir, sizeof h.dir, "%s/tq-test.XXXXXX", tmp);
	if (mkdtemp(h.dir) == NULL) {
		h.dir[0] = '\0';
		harness_die("mkdtemp in %s: %s", tmp, strerror(errno));
	}
	snprintf(h.sock, sizeof h.sock, "%s/redis.sock", h.dir);
	snprintf(h.log, sizeof h.log, "%s/redis.log", h.dir);
	snprintf(h.url, sizeof h.url, "unix://%s", h.sock);
	harness_spawn();
}

/* Signal the server and reap it, with SIGKILL after a while. */
static void
harness_reap(int sig)
{
	int64_t	deadline;
	int	status;

	if (h.pid == 0)
		return;
	if (h.raw != NULL) {
		redisFree(h.raw);
		h.raw = NULL;
	}
	(void)kill(h.pid, sig);
	deadline = harness_mono_ms() + HARNESS_STOP_MS;
	while (waitpid(h.pid, &status, WNOHANG) == 0) {
		if (harness_mono_ms() > deadline) {
			(void)kill(h.pid, SIGKILL);
			(void)waitpid(h.pid, &status, 0);
			break;
		}
		harness_sleep_ms(5);
	}
	h.pid = 0;
}

/* Remove the server's directory: it holds only files redis-server made. */
static void
harness_rmdir(const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[PATH_MAX + 256];

	if ((d = opendir(dir)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
			(void)unlink(path);
		}
		closedir(d);
	}
	if (rmdir(dir) != 0)
		fprintf(stderr, "harness: cannot remove %s: %s\n", dir,
		    strerror(errno));
}

void
harness_stop(void)
{
	size_t	i;

	if (h.owner != getpid())
		return;		/* a forked child must not touch the server */
	pthread_mutex_lock(&h.lock);
	for (i = 0; i < h.nclients; i++)
		tq_client_free(h.clients[i]);
	free(h.clients);
	h.clients = NULL;
	h.nclients = h.aclients = 0;
	pthread_mutex_unlock(&h.lock);
	harness_reap(SIGTERM);
	if (h.dir[0] != '\0') {
		harness_rmdir(h.dir);
		h.dir[0] = '\0';
	}
	h.log[0] = '\0';
}

void
harness_kill_redis(void)
{
	harness_reap(SIGKILL);
}

void
harness_restart_redis(void)
{
	if (h.pid != 0)
		harness_reap(SIGTERM);
	harness_spawn();
}

const char *
harness_url(void)
{
	return (h.url);
}

/* Set one key or fail the test. */
static void
harness_set(struct tq_config *cfg, const char *section, const char *key,
    const char *fmt, ...)
{
	struct tq_error	err;
	va_list		ap;
	char		value[256];

	va_start(ap, fmt);
	vsnprintf(value, sizeof value, fmt, ap);
	va_end(ap);
	tq_error_clear(&err);
	if (tq_config_set(cfg, section, key, value, &err) != 0)
		fail_msg("config %s.%s=%s: %s", section, key, value, err.msg);
}

struct tq_config *
harness_config(void)
{
	struct tq_config	*cfg;
	struct tq_error		 err;

	cfg = tq_config_new();
	tq_error_clear(&err);
	if (tq_config_set_url(cfg, h.url, &err) != 0)
		fail_msg("config url %s: %s", h.url, err.msg);
	harness_set(cfg, "redis", "namespace", "%s", HARNESS_NS);
	harness_set(cfg, "redis", "connect_timeout", "%dms",
	    HARNESS_CONNECT_MS);
	harness_set(cfg, "redis", "command_timeout", "%dms",
	    HARNESS_COMMAND_MS);
	harness_set(cfg, "redis", "reconnect_max", "%dms",
	    HARNESS_RECONNECT_MS);
	harness_set(cfg, "queue", "retry_base", "%dms", HARNESS_RETRY_BASE_MS);
	harness_set(cfg, "queue", "retry_cap", "%dms", HARNESS_RETRY_CAP_MS);
	harness_set(cfg, "queue", "result_ttl", "%dms", HARNESS_RESULT_TTL_MS);
	return (cfg);
}

struct tq_client *
harness_client_cfg(const struct tq_config *cfg)
{
	struct tq_config	*own = NULL;
	struct tq_client	*c;
	struct tq_error		 err;

	if (cfg == NULL)
		cfg = own = harness_config();
	tq_error_clear(&err);
	c = tq_client_new(cfg, &err);
	tq_config_free(own);
	if (c == NULL)
		fail_msg("tq_client_new(%s): %s (%s)", h.url, err.msg,
		    tq_strerror(err.code));
	pthread_mutex_lock(&h.lock);
	if (h.nclients == h.aclients) {
		h.aclients = h.aclients == 0 ? 8 : h.aclients * 2;
		h.clients = realloc(h.clients, h.aclients * sizeof *h.clients);
		if (h.clients == NULL)
			abort();
	}
	h.clients[h.nclients++] = c;
	pthread_mutex_unlock(&h.lock);
	return (c);
}

struct tq_client *
harness_client(void)
{
	return (harness_client_cfg(NULL));
}

redisContext *
harness_redis(void)
{
	if (h.raw != NULL && h.raw->err != 0) {
		redisFree(h.raw);
		h.raw = NULL;
	}
	if (h.raw == NULL && (h.raw = harness_connect(2000)) == NULL)
		fail_msg("harness: cannot connect to %s", h.sock);
	return (h.raw);
}

static redisReply *
harness_vcmd(const char *fmt, va_list ap)
{
	redisContext	*ctx = harness_redis();
	redisReply	*reply;

	reply = redisvCommand(ctx, fmt, ap);
	if (reply == NULL)
		fail_msg("raw \"%s\": %s", fmt, ctx->errstr);
	if (reply->type == REDIS_REPLY_ERROR) {
		print_error("raw \"%s\": %s\n", fmt, reply->str);
		freeReplyObject(reply);
		fail();
	}
	return (reply);
}

redisReply *
harness_cmd(const char *fmt, ...)
{
	redisReply	*reply;
	va_list		 ap;

	va_start(ap, fmt);
	reply = harness_vcmd(fmt, ap);
	va_end(ap);
	return (reply);
}

long long
harness_int(const char *fmt, ...)
{
	redisReply	*reply;
	va_list		 ap;
	long long	 v = 0;
	char		*end;

	va_start(ap, fmt);
	reply = harness_vcmd(fmt, ap);
	va_end(ap);
	if (reply->type == REDIS_REPLY_INTEGER)
		v = reply->integer;
	else if (reply->type == REDIS_REPLY_STRING && reply->len > 0) {
		/* A counter read with HGET or GET. */
		errno = 0;
		v = strtoll(reply->str, &end, 10);
		if (errno != 0 || *end != '\0') {
			freeReplyObject(reply);
			fail_msg("raw \"%s\": not an integer", fmt);
		}
	} else {
		freeReplyObject(reply);
		fail_msg("raw \"%s\": not an integer reply", fmt);
	}
	freeReplyObject(reply);
	return (v);
}

char *
harness_str(const char *fmt, ...)
{
	redisReply	*reply;
	va_list		 ap;
	char		*s = NULL;

	va_start(ap, fmt);
	reply = harness_vcmd(fmt, ap);
	va_end(ap);
	if (reply->type == REDIS_REPLY_STRING ||
	    reply->type == REDIS_REPLY_STATUS) {
		if ((s = malloc(reply->len + 1)) == NULL)
			abort();
		memcpy(s, reply->str, reply->len);
		s[reply->len] = '\0';
	} else if (reply->type != REDIS_REPLY_NIL) {
		freeReplyObject(reply);
		fail_msg("raw \"%s\": not a string reply", fmt);
	}
	freeReplyObject(reply);
	return (s);
}

void
harness_flush(void)
{
	freeReplyObject(harness_cmd("FLUSHALL"));
}

int64_t
harness_redis_ms(void)
{
	redisReply	*reply;
	int64_t		 ms;

	reply = harness_cmd("TIME");
	assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
	assert_int_equal(reply->elements, 2);
	ms = strtoll(reply->element[0]->str, NULL, 10) * 1000 +
	    strtoll(reply->element[1]->str, NULL, 10) / 1000;
	freeReplyObject(reply);
	return (ms);
}

int64_t
harness_mono_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

void
harness_sleep_ms(int64_t ms)
{
	struct timespec	ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* ------------------------------------------------------------------ */
/* Invariants                                                          */
/* ------------------------------------------------------------------ */

struct harness_id {
	char		*id;
	const char	*where;
};

struct harness_ids {
	struct harness_id	*v;
	size_t			 n;
	size_t			 alloc;
};

static void
harness_ids_add(struct harness_ids *s, const char *id, size_t len,
    const char *where)
{
	if (s->n == s->alloc) {
		s->alloc = s->alloc == 0 ? 256 : s->alloc * 2;
		if ((s->v = realloc(s->v, s->alloc * sizeof *s->v)) == NULL)
			abort();
	}
	if ((s->v[s->n].id = malloc(len + 1)) == NULL)
		abort();
	memcpy(s->v[s->n].id, id, len);
	s->v[s->n].id[len] = '\0';
	s->v[s->n].where = where;
	s->n++;
}

static void
harness_ids_free(struct harness_ids *s)
{
	size_t	i;

	for (i = 0; i < s->n; i++)
		free(s->v[i].id);
	free(s->v);
	memset(s, 0, sizeof *s);
}

static int
harness_id_cmp(const void *a, const void *b)
{
	return (strcmp(((const struct harness_id *)a)->id,
	    ((const struct harness_id *)b)->id));
}

/* Add the ids of an array reply (every element, or every other). */
static void
harness_ids_reply(struct harness_ids *s, const char *where, const char *cmd,
    const char *key, int step)
{
	redisReply	*reply;
	size_t		 i;

	if (strcmp(cmd, "LRANGE") == 0 || strcmp(cmd, "ZRANGE") == 0)
		reply = harness_cmd("%s %s 0 -1", cmd, key);
	else
		reply = harness_cmd("%s %s", cmd, key);
	if (reply->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(reply);
		fail_msg("%s %s: not an array (wrong key type?)", cmd, key);
	}
	for (i = 0; i < reply->elements; i += (size_t)step)
		harness_ids_add(s, reply->element[i]->str,
		    reply->element[i]->len, where);
	freeReplyObject(reply);
}

/* The "id" of an inline body (a new string), or NULL if it has none. */
static char *
harness_inline_id(const char *e, size_t len)
{
	cJSON		*j;
	const cJSON	*v;
	char		*id = NULL;

	if ((j = cJSON_ParseWithLength(e, len)) == NULL)
		return (NULL);
	v = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (cJSON_IsString(v) && (id = strdup(v->valuestring)) == NULL)
		abort();
	cJSON_Delete(j);
	return (id);
}

/*
 * Add the ids of a ready list to state; an inline body (a new task that
 * waits in the list itself) adds its own id to body too.
 */
static void
harness_ids_ready(struct harness_ids *state, struct harness_ids *body,
    const char *where, const char *key)
{
	redisReply	*reply;
	redisReply	*e;
	char		*id;
	size_t		 i;

	reply = harness_cmd("LRANGE %s 0 -1", key);
	if (reply->type != REDIS_REPLY_ARRAY) {
		freeReplyObject(reply);
		fail_msg("LRANGE %s: not an array (wrong key type?)", key);
	}
	for (i = 0; i < reply->elements; i++) {
		e = reply->element[i];
		if (e->len == 0 || e->str[0] != '{') {
			harness_ids_add(state, e->str, e->len, where);
			continue;
		}
		if ((id = harness_inline_id(e->str, e->len)) == NULL)
			fail_msg("%s holds an inline body without an id: %s",
			    key, e->str);
		harness_ids_add(state, id, strlen(id), where);
		harness_ids_add(body, id, strlen(id), where);
		free(id);
	}
	freeReplyObject(reply);
}

/* 1 if sorted s holds id. */
static int
harness_ids_has(const struct harness_ids *s, const char *id)
{
	struct harness_id	key;

	key.id = (char *)(uintptr_t)id;
	key.where = NULL;
	return (s->n > 0 && bsearch(&key, s->v, s->n, sizeof *s->v,
	    harness_id_cmp) != NULL);
}

void
harness_assert_invariants(const char *queue, const char *file, int line)
{
	static const char *const ready[] = { "ready:0", "ready:1", "ready:2",
	    "ready:3", "ready:4", "ready:5", "ready:6", "ready:7", "ready:8",
	    "ready:9" };
	static const char *const zsets[] = { "sched", "active", "retry",
	    "dead" };
	struct harness_ids	 state = { 0 }, body = { 0 }, meta = { 0 };
	struct harness_ids	 lease = { 0 }, active = { 0 };
	char			 key[512], msg[1024];
	size_t			 i;

	msg[0] = '\0';
	for (i = 0; i < 10; i++) {
		snprintf(key, sizeof key, "%s:{%s}:%s", HARNESS_NS, queue,
		    ready[i]);
		harness_ids_ready(&state, &body, ready[i], key);
	}
	for (i = 0; i < 4; i++) {
		snprintf(key, sizeof key, "%s:{%s}:%s", HARNESS_NS, queue,
		    zsets[i]);
		harness_ids_reply(&state, zsets[i], "ZRANGE", key, 1);
	}
	snprintf(key, sizeof key, "%s:{%s}:active", HARNESS_NS, queue);
	harness_ids_reply(&active, "active", "ZRANGE", key, 1);
	snprintf(key, sizeof key, "%s:{%s}:t", HARNESS_NS, queue);
	harness_ids_reply(&body, "t", "HKEYS", key, 1);
	/* A body once: in t, or inline in a ready list. */
	if (body.n > 0)
		qsort(body.v, body.n, sizeof *body.v, harness_id_cmp);
	for (i = 1; i < body.n && msg[0] == '\0'; i++) {
		if (strcmp(body.v[i - 1].id, body.v[i].id) == 0)
			snprintf(msg, sizeof msg, "task %s has a body in %s "
			    "and in %s", body.v[i].id, body.v[i - 1].where,
			    body.v[i].where);
	}
	snprintf(key, sizeof key, "%s:{%s}:m", HARNESS_NS, queue);
	harness_ids_reply(&meta, "m", "HKEYS", key, 1);
	snprintf(key, sizeof key, "%s:{%s}:lease", HARNESS_NS, queue);
	harness_ids_reply(&lease, "lease", "HKEYS", key, 1);

	if (state.n > 0)
		qsort(state.v, state.n, sizeof *state.v, harness_id_cmp);
	if (body.n > 0)
		qsort(body.v, body.n, sizeof *body.v, harness_id_cmp);
	if (meta.n > 0)
		qsort(meta.v, meta.n, sizeof *meta.v, harness_id_cmp);
	if (lease.n > 0)
		qsort(lease.v, lease.n, sizeof *lease.v, harness_id_cmp);
	if (active.n > 0)
		qsort(active.v, active.n, sizeof *active.v, harness_id_cmp);

	/* Exactly one state per id. */
	for (i = 1; i < state.n && msg[0] == '\0'; i++) {
		if (strcmp(state.v[i - 1].id, state.v[i].id) == 0)
			snprintf(msg, sizeof msg, "task %s is in %s and in %s",
			    state.v[i].id, state.v[i - 1].where,
			    state.v[i].where);
	}
	/* Every state holds a body ... */
	for (i = 0; i < state.n && msg[0] == '\0'; i++) {
		if (!harness_ids_has(&body, state.v[i].id))
			snprintf(msg, sizeof msg, "task %s is in %s but has "
			    "no body", state.v[i].id, state.v[i].where);
	}
	/* ... and every body is in a state. */
	for (i = 0; i < body.n && msg[0] == '\0'; i++) {
		if (!harness_ids_has(&state, body.v[i].id))
			snprintf(msg, sizeof msg, "task %s has a body but no "
			    "state", body.v[i].id);
	}
	for (i = 0; i < meta.n && msg[0] == '\0'; i++) {
		if (!harness_ids_has(&body, meta.v[i].id))
			snprintf(msg, sizeof msg, "task %s has meta but no "
			    "body", meta.v[i].id);
	}
	/* A lease for every active task, and only for those. */
	for (i = 0; i < lease.n && msg[0] == '\0'; i++) {
		if (!harness_ids_has(&active, lease.v[i].id))
			snprintf(msg, sizeof msg, "task %s has a lease but is "
			    "not active", lease.v[i].id);
	}
	for (i = 0; i < active.n && msg[0] == '\0'; i++) {
		if (!harness_ids_has(&lease, active.v[i].id))
			snprintf(msg, sizeof msg, "task %s is active without "
			    "a lease", active.v[i].id);
	}
	harness_ids_free(&state);
	harness_ids_free(&body);
	harness_ids_free(&meta);
	harness_ids_free(&lease);
	harness_ids_free(&active);
	if (msg[0] != '\0')
		fail_msg("%s:%d: invariant broken in queue %s: %s", file, line,
		    queue, msg);
}

/* ------------------------------------------------------------------ */
/* Tasks                                                               */
/* ------------------------------------------------------------------ */

char *
harness_enqueue(struct tq_client *c, const char *queue, const char *payload,
    const struct tq_enqueue_opts *opts)
{
	struct tq_enqueue_opts	o;
	struct tq_error		err;
	char			*id = NULL;

	if (opts != NULL)
		o = *opts;
	else
		tq_enqueue_opts_init(&o);
	o.queue = queue;
	MUST(tq_enqueue(c, "job", payload, &o, &id, &err));
	assert_non_null(id);
	return (id);
}

struct tq_task *
harness_take(struct tq_client *c, const char *queue, int64_t lease_ms,
    const char *worker)
{
	struct tq_dequeue_opts	 o;
	struct tq_error		 err;
	struct tq_task		*t = NULL;
	const char		*qs[1];
	int			 rc;

	qs[0] = queue;
	tq_dequeue_opts_init(&o);
	o.queues = qs;
	o.nqueues = 1;
	o.lease_ms = lease_ms;
	o.worker = worker;
	tq_error_clear(&err);
	rc = tq_dequeue(c, &o, &t, &err);
	if (rc != 1)
		fail_msg("tq_dequeue(%s): returned %d, expected a task: %s "
		    "(%s)", queue, rc, tq_strerror(err.code), err.msg);
	assert_non_null(t);
	return (t);
}

char *
harness_body(const char *queue, const char *id)
{
	redisReply	*reply;
	char		*s, *eid;
	size_t		 i;
	int		 p;

	if ((s = harness_str("HGET tq:{%s}:t %s", queue, id)) != NULL)
		return (s);
	for (p = 0; p <= 9 && s == NULL; p++) {
		reply = harness_cmd("LRANGE tq:{%s}:ready:%d 0 -1", queue, p);
		for (i = 0; i < reply->elements && s == NULL; i++) {
			if (reply->element[i]->str[0] != '{')
				continue;
			eid = harness_inline_id(reply->element[i]->str,
			    reply->element[i]->len);
			if (eid != NULL && strcmp(eid, id) == 0 &&
			    (s = strdup(reply->element[i]->str)) == NULL)
				abort();
			free(eid);
		}
		freeReplyObject(reply);
	}
	return (s);
}

int
harness_in_ready(const char *queue, int prio, const char *id)
{
	redisReply	*reply;
	char		*eid;
	size_t		 i;
	int		 found = 0;

	reply = harness_cmd("LRANGE tq:{%s}:ready:%d 0 -1", queue, prio);
	for (i = 0; i < reply->elements && !found; i++) {
		if (reply->element[i]->str[0] != '{') {
			found = strcmp(reply->element[i]->str, id) == 0;
			continue;
		}
		eid = harness_inline_id(reply->element[i]->str,
		    reply->element[i]->len);
		found = eid != NULL && strcmp(eid, id) == 0;
		free(eid);
	}
	freeReplyObject(reply);
	return (found);
}

cJSON *
harness_meta(const char *queue, const char *id)
{
	cJSON	*j;
	char	*s;

	if ((s = harness_str("HGET tq:{%s}:m %s", queue, id)) == NULL)
		return (NULL);
	if ((j = cJSON_Parse(s)) == NULL || !cJSON_IsObject(j))
		fail_msg("meta of %s in %s is not a JSON object: %s", id,
		    queue, s);
	free(s);
	return (j);
}

long long
harness_json_int(const cJSON *obj, const char *name)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsNumber(v))
		fail_msg("JSON member \"%s\" is missing or not a number",
		    name);
	return ((long long)v->valuedouble);
}

const char *
harness_json_str(const cJSON *obj, const char *name)
{
	const cJSON	*v;

	v = cJSON_GetObjectItemCaseSensitive(obj, name);
	if (!cJSON_IsString(v))
		fail_msg("JSON member \"%s\" is missing or not a string",
		    name);
	return (v->valuestring);
}

void
harness_make_dead(struct tq_client *c, const char *queue, size_t n,
    int spaced, char ***ids)
{
	struct tq_enqueue_opts	 o;
	struct tq_batch		*b;
	struct tq_task		*t;
	struct tq_error		 err;
	char			 why[64], payload[64];
	size_t			 i;
	int			 refused;

	tq_enqueue_opts_init(&o);
	o.queue = queue;
	o.max_retries = 0;
	b = tq_batch_new(c);
	for (i = 0; i < n; i++) {
		snprintf(payload, sizeof payload, "{\"n\":%zu}", i);
		MUST(tq_batch_add(b, "job", payload, &o, &err));
	}
	tq_error_clear(&err);
	if ((refused = tq_batch_exec(b, &err)) != 0)
		fail_msg("tq_batch_exec: %d refused: %s", refused, err.msg);
	tq_batch_free(b);
	if (ids != NULL && (*ids = calloc(n + 1, sizeof **ids)) == NULL)
		abort();
	for (i = 0; i < n; i++) {
		t = harness_take(c, queue, 60000, NULL);
		snprintf(why, sizeof why, "why-%zu", i);
		if (spaced)
			harness_sleep_ms(2);
		MUST(tq_fail(c, t, why, 0, &err));
		if (ids != NULL && ((*ids)[i] = strdup(tq_task_id(t))) == NULL)
			abort();
		tq_task_free(t);
	}
}

void
harness_free_ids(char **ids, size_t n)
{
	size_t	i;

	if (ids == NULL)
		return;
	for (i = 0; i < n; i++)
		free(ids[i]);
	free(ids);
}

/* ------------------------------------------------------------------ */
/* cmocka fixtures                                                     */
/* ------------------------------------------------------------------ */

int
harness_group_setup(void **state)
{
	(void)state;
	harness_start();
	return (0);
}

int
harness_group_teardown(void **state)
{
	(void)state;
	harness_stop();
	return (0);
}

int
harness_setup(void **state)
{
	redisReply	*reply;

	(void)state;
	if (h.pid == 0)
		harness_restart_redis();
	reply = redisCommand(harness_redis(), "FLUSHALL");
	if (reply == NULL || reply->type == REDIS_REPLY_ERROR) {
		if (reply != NULL)
			freeReplyObject(reply);
		return (-1);
	}
	freeReplyObject(reply);
	return (0);
}

int
harness_teardown(void **state)
{
	size_t	i;

	(void)state;
	pthread_mutex_lock(&h.lock);
	for (i = 0; i < h.nclients; i++)
		tq_client_free(h.clients[i]);
	h.nclients = 0;
	pthread_mutex_unlock(&h.lock);
	return (0);
}
