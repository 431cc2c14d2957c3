/*
 * redis.c -- the connection to Redis; the only file that uses hiredis.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * One struct tq_redis is one synchronous hiredis connection with the
 * settings of a configuration: TCP or unix socket, AUTH (password or ACL
 * user), database, connect and command timeouts, TCP keepalive.  It
 * connects lazily and again after the link breaks, with an exponential
 * backoff between failed attempts so a down Redis is not hammered.  It
 * also runs the Lua scripts by SHA, loading each into Redis the first time
 * a connection needs it and again after NOSCRIPT (Redis restarted or
 * SCRIPT FLUSH), so callers never see that cache.
 *
 * Commands are never retried here after they were sent: a write whose
 * reply was lost may have run, and only the caller knows whether running
 * it twice is safe.  What this file does guarantee is that a connection
 * closed by the server while we were idle is noticed before a command is
 * written to it (stale_check), so a Redis restart costs no failed call.
 *
 * With Redis Sentinel, the server is whatever master the Sentinels name:
 * asked before every (re)connection, and checked with ROLE once
 * connected, then asked again (an old master restarted from its own
 * data says master for a while too), so that after a failover the
 * programs follow the new master on their next reconnect, and a demoted
 * one that answers READONLY is left at once.
 *
 * Configured for Redis Cluster, a struct tq_redis is a router instead
 * (cluster.c): every call below is handed to it, and it routes each
 * command to a node by its key's hash slot over node connections, which
 * are plain struct tq_redis of this file again.  Callers see one API.
 */

#include <sys/time.h>

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define TQ_BACKOFF_FIRST_MS	100
#define TQ_IDLE_CHECK_MS	1000	/* probe links idle longer than this */

struct tq_redis;
static int	tq_redis_preload(struct tq_redis *, struct tq_error *);
static int	tq_redis_wait_acks(struct tq_redis *, struct tq_error *);
static void	tq_redis_set_block(struct tq_redis *, int64_t);

struct tq_redis {
	redisContext	*ctx;
	struct tq_url	 url;
	char		*address;	/* for messages: host:port or path */
	int64_t		 connect_ms;
	int64_t		 command_ms;
	int		 keepalive;

	int64_t		 backoff_ms;	/* next wait after a failed connect */
	int64_t		 backoff_max_ms;
	int64_t		 retry_at_ms;	/* monotonic; no attempt before */
	char		 last_error[256];	/* as struct tq_error.msg */
	int64_t		 last_used_ms;
	int		 pending;	/* appended, replies not yet read */
	unsigned	 generation;	/* connections made so far */

	char		 sha[TQ_NSCRIPTS][41];	/* "" until loaded */
	int		 preload;	/* load every script on connecting */
	int		 min_acks;	/* replicas a write must reach */
	int64_t		 acks_timeout_ms;
	int		 unconfirmed;	/* pipelined writes not yet WAITed */
	int		 subscriber;	/* SUBSCRIBEd: the server talks */

	struct tq_cluster *cl;		/* a cluster: the router does it all */
};

static struct timeval
tq_tv(int64_t ms)
{
	struct timeval	tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return (tv);
}

struct tq_redis *
tq_redis_new(const struct tq_config *cfg, struct tq_error *err)
{
	struct tq_redis	*r;

	r = tq_xcalloc(1, sizeof *r);
	if (tq_url_from_config(cfg, &r->url, err) != 0) {
		free(r);
		return (NULL);
	}
	if (r->url.path != NULL)
		r->address = tq_xstrdup(r->url.path);
	else if (strchr(r->url.host, ':') != NULL)
		r->address = tq_xasprintf("[%s]:%d", r->url.host, r->url.port);
	else
		r->address = tq_xasprintf("%s:%d", r->url.host, r->url.port);
	r->connect_ms = tq_config_int(cfg, "redis", "connect_timeout");
	r->command_ms = tq_config_int(cfg, "redis", "command_timeout");
	r->keepalive = (int)tq_config_int(cfg, "redis", "keepalive");
	r->backoff_max_ms = tq_config_int(cfg, "redis", "reconnect_max");
	r->backoff_ms = TQ_BACKOFF_FIRST_MS;
	r->min_acks = (int)tq_config_int(cfg, "redis", "min_replicas_ack");
	r->acks_timeout_ms = tq_config_int(cfg, "redis", "replicas_timeout");
	if (r->url.master != NULL) {
		free(r->address);
		r->address = tq_xasprintf("master %s (sentinel)",
		    r->url.master);
	} else if (r->url.nseeds > 0) {
		if (r->url.db != 0) {
			tq_error_set(err, TQ_ECONFIG, "a Redis Cluster has "
			    "database 0 alone (redis.db is %d)", r->url.db);
			tq_redis_free(r);
			return (NULL);
		}
		r->cl = tq_cluster_new(r, &r->url);
	}
	return (r);
}

struct tq_redis *
tq_redis_new_node(const struct tq_redis *proto, const char *host, int port,
    int preload)
{
	struct tq_redis	*r;

	r = tq_xcalloc(1, sizeof *r);
	r->url.host = tq_xstrdup(host);
	r->url.port = port;
	if (proto->url.user != NULL)
		r->url.user = tq_xstrdup(proto->url.user);
	if (proto->url.password != NULL)
		r->url.password = tq_xstrdup(proto->url.password);
	if (strchr(host, ':') != NULL)
		r->address = tq_xasprintf("[%s]:%d", host, port);
	else
		r->address = tq_xasprintf("%s:%d", host, port);
	r->connect_ms = proto->connect_ms;
	r->command_ms = proto->command_ms;
	r->keepalive = proto->keepalive;
	r->backoff_max_ms = proto->backoff_max_ms;
	r->backoff_ms = TQ_BACKOFF_FIRST_MS;
	r->preload = preload;
	r->min_acks = proto->min_acks;
	r->acks_timeout_ms = proto->acks_timeout_ms;
	return (r);
}

void
tq_redis_free(struct tq_redis *r)
{
	if (r == NULL)
		return;
	tq_cluster_free(r->cl);
	if (r->ctx != NULL)
		redisFree(r->ctx);
	tq_url_done(&r->url);
	free(r->address);
	free(r);
}

const char *
tq_redis_address(const struct tq_redis *r)
{
	if (r->cl != NULL)
		return (tq_cluster_address(r->cl));
	return (r->address);
}

/*
 * Grows with every new connection.  What a client learned about the
 * server (a queue already registered) may be stale once it changes: the
 * new server may be a restarted Redis that lost its data.
 */
unsigned
tq_redis_generation(const struct tq_redis *r)
{
	if (r->cl != NULL)
		return (tq_cluster_generation(r->cl));
	return (r->generation);
}

/* Describe a hiredis context error as a tq error. */
static void
tq_redis_ctx_error(struct tq_redis *r, redisContext *ctx, const char *doing,
    struct tq_error *err)
{
	/* hiredis keeps only strerror's text; errno may be stale by now. */
	if (ctx->err == REDIS_ERR_IO &&
	    (strstr(ctx->errstr, "temporarily unavailable") != NULL ||
	    strstr(ctx->errstr, "timed out") != NULL))
		tq_error_set(err, TQ_ETIMEOUT,
		    "Redis at %s did not answer within %lld ms (%s)",
		    r->address, (long long)(doing[0] == 'c' ?
		    r->connect_ms : r->command_ms), doing);
	else if (ctx->err == REDIS_ERR_EOF)
		tq_error_set(err, TQ_ECONN,
		    "Redis at %s closed the connection (%s)", r->address,
		    doing);
	else
		tq_error_set(err, TQ_ECONN, "cannot reach Redis at %s: %s",
		    r->address, ctx->errstr);
}

/* Drop a broken link; the next call reconnects. */
static void
tq_redis_drop(struct tq_redis *r)
{
	if (r->ctx != NULL)
		redisFree(r->ctx);
	r->ctx = NULL;
	r->pending = 0;
	r->subscriber = 0;
}

/* Run one command during the handshake; -1 (err set) unless it is +OK. */
static int
tq_redis_handshake(struct tq_redis *r, int argc, const char **argv,
    struct tq_error *err)
{
	redisReply	*reply;
	int		 rc = 0;

	reply = redisCommandArgv(r->ctx, argc, argv, NULL);
	if (reply == NULL) {
		tq_redis_ctx_error(r, r->ctx, "handshake", err);
		return (-1);
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		/* Refused credentials or database: the exit-3 family. */
		tq_error_set(err, TQ_ECONN, "Redis at %s refused %s: %s",
		    r->address, argv[0], reply->str);
		rc = -1;
	}
	freeReplyObject(reply);
	return (rc);
}

/*
 * Where the Sentinels say the master is: into r->url's host and port,
 * and r->address.  The first Sentinel that knows wins.
 */
static int
tq_redis_discover(struct tq_redis *r, struct tq_error *err)
{
	struct timeval	 tv = tq_tv(r->connect_ms);
	const char	*argv[3] = { "SENTINEL", "get-master-addr-by-name",
			    NULL };
	redisContext	*ctx;
	redisReply	*reply;
	size_t		 i;
	long		 port;
	int		 found = 0;

	argv[2] = r->url.master;
	for (i = 0; i < r->url.nseeds && !found; i++) {
		ctx = redisConnectWithTimeout(r->url.seeds[i].host,
		    r->url.seeds[i].port, tv);
		if (ctx == NULL)
			tq_oom(sizeof (redisContext));
		if (ctx->err == 0) {
			redisSetTimeout(ctx, tq_tv(r->command_ms));
			reply = redisCommandArgv(ctx, 3, argv, NULL);
			if (reply != NULL && reply->type == REDIS_REPLY_ARRAY &&
			    reply->elements == 2 &&
			    reply->element[0]->type == REDIS_REPLY_STRING &&
			    reply->element[1]->type == REDIS_REPLY_STRING &&
			    (port = strtol(reply->element[1]->str, NULL,
			    10)) > 0 && port < 65536) {
				free(r->url.host);
				r->url.host = tq_xstrdup(
				    reply->element[0]->str);
				r->url.port = (int)port;
				found = 1;
			}
			if (reply != NULL)
				freeReplyObject(reply);
		}
		redisFree(ctx);
	}
	if (!found) {
		tq_error_set(err, TQ_ECONN, "no Sentinel (%s:%d...) knows "
		    "master %s", r->url.seeds[0].host, r->url.seeds[0].port,
		    r->url.master);
		return (-1);
	}
	free(r->address);
	r->address = tq_xasprintf("%s:%d (master %s)", r->url.host,
	    r->url.port, r->url.master);
	return (0);
}

/* After a Sentinel's word: the server must say it is the master. */
static int
tq_redis_check_master(struct tq_redis *r, struct tq_error *err)
{
	const char	*argv[1] = { "ROLE" };
	redisReply	*reply;
	int		 rc = -1;

	if ((reply = redisCommandArgv(r->ctx, 1, argv, NULL)) == NULL) {
		tq_redis_ctx_error(r, r->ctx, "ROLE", err);
		return (-1);
	}
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(reply->element[0]->str, "master") == 0)
		rc = 0;
	else
		tq_error_set(err, TQ_ECONN, "Redis at %s is not master %s "
		    "(yet): a failover under way?", r->address,
		    r->url.master);
	freeReplyObject(reply);
	return (rc);
}

/*
 * Ask the Sentinels again once connected and ROLE said master: a server
 * that was master before a failover, restarted from its own data before
 * the Sentinels could demote it, says master too, for a while.  If they
 * name another server now, this one is not it.
 */
static int
tq_redis_confirm_master(struct tq_redis *r, struct tq_error *err)
{
	char	*host = tq_xstrdup(r->url.host), *was = tq_xstrdup(r->address);
	int	 port = r->url.port, rc = -1;

	if (tq_redis_discover(r, err) != 0)
		goto out;
	if (strcmp(host, r->url.host) != 0 || port != r->url.port) {
		tq_error_set(err, TQ_ECONN, "Redis at %s says it is master "
		    "%s, but the Sentinels now name %s:%d: a failover under "
		    "way?", was, r->url.master, r->url.host, r->url.port);
		goto out;
	}
	rc = 0;
out:
	free(host);
	free(was);
	return (rc);
}

static int
tq_redis_connect(struct tq_redis *r, struct tq_error *err)
{
	struct timeval	 tv = tq_tv(r->connect_ms);
	const char	*argv[3];
	char		 db[16];
	int64_t		 now = tq_monotonic_ms();

	if (now < r->retry_at_ms) {
		tq_error_set(err, TQ_ECONN, "%s; next attempt in %lld ms",
		    r->last_error, (long long)(r->retry_at_ms - now));
		return (-1);
	}
	if (r->url.master != NULL && tq_redis_discover(r, err) != 0)
		goto fail;
	if (r->url.path != NULL)
		r->ctx = redisConnectUnixWithTimeout(r->url.path, tv);
	else
		r->ctx = redisConnectWithTimeout(r->url.host, r->url.port, tv);
	if (r->ctx == NULL)
		tq_oom(sizeof (redisContext));
	if (r->ctx->err != 0) {
		tq_redis_ctx_error(r, r->ctx, "connect", err);
		goto fail;
	}
	redisSetTimeout(r->ctx, tq_tv(r->command_ms));
	if (r->url.path == NULL && r->keepalive)
		redisEnableKeepAlive(r->ctx);
	if (r->url.password != NULL) {
		argv[0] = "AUTH";
		if (r->url.user != NULL) {
			argv[1] = r->url.user;
			argv[2] = r->url.password;
		} else
			argv[1] = r->url.password;
		if (tq_redis_handshake(r, r->url.user != NULL ? 3 : 2, argv,
		    err) != 0)
			goto fail;
	}
	if (r->url.db != 0) {
		snprintf(db, sizeof db, "%d", r->url.db);
		argv[0] = "SELECT";
		argv[1] = db;
		if (tq_redis_handshake(r, 2, argv, err) != 0)
			goto fail;
	}
	if (r->url.master != NULL && (tq_redis_check_master(r, err) != 0 ||
	    tq_redis_confirm_master(r, err) != 0))
		goto fail;
	r->backoff_ms = TQ_BACKOFF_FIRST_MS;
	r->retry_at_ms = 0;
	r->last_used_ms = tq_monotonic_ms();
	r->generation++;
	/*
	 * A cluster node gets every script now: a pipeline that meets a
	 * script not yet loaded on its node could not stop to load it.
	 */
	if (r->preload && tq_redis_preload(r, err) != 0)
		goto fail;
	return (0);

fail:
	/* Remember why, and wait longer before each new attempt. */
	if (err != NULL)
		snprintf(r->last_error, sizeof r->last_error, "%s", err->msg);
	else
		snprintf(r->last_error, sizeof r->last_error,
		    "cannot reach Redis at %s", r->address);
	r->retry_at_ms = tq_monotonic_ms() + r->backoff_ms;
	r->backoff_ms *= 2;
	if (r->backoff_ms > r->backoff_max_ms)
		r->backoff_ms = r->backoff_max_ms;
	tq_redis_drop(r);
	return (-1);
}

/*
 * A server that closed our idle connection (restart, timeout, CLIENT KILL)
 * leaves the socket readable at EOF.  Redis never sends unsolicited data
 * on a request/reply connection, so readable means gone.
 */
static void
tq_redis_stale_check(struct tq_redis *r)
{
	struct pollfd	pfd;

	if (r->ctx == NULL || r->pending != 0 ||
	    tq_monotonic_ms() - r->last_used_ms < TQ_IDLE_CHECK_MS)
		return;
	pfd.fd = r->ctx->fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	if (poll(&pfd, 1, 0) != 0)
		tq_redis_drop(r);
}

int
tq_redis_ensure(struct tq_redis *r, struct tq_error *err)
{
	if (r->cl != NULL)
		return (tq_cluster_ensure(r->cl, err));
	tq_redis_stale_check(r);
	if (r->ctx != NULL)
		return (0);
	return (tq_redis_connect(r, err));
}

/* Load one script; its SHA is kept for this connection's server. */
static int
tq_redis_load(struct tq_redis *r, int script, struct tq_error *err)
{
	const char	*argv[3] = { "SCRIPT", "LOAD", NULL };
	redisReply	*reply;
	int		 rc = -1;

	argv[2] = tq_script_source(script);
	if ((reply = tq_redis_command(r, err, 3, argv, NULL)) == NULL)
		return (-1);
	if (reply->type == REDIS_REPLY_STRING && reply->len == 40) {
		memcpy(r->sha[script], reply->str, 41);
		rc = 0;
	} else if (tq_redis_reply_error(r, reply, err) == 0)
		tq_error_set(err, TQ_EPROTO, "SCRIPT LOAD of %s: bad reply",
		    tq_script_name(script));
	freeReplyObject(reply);
	return (rc);
}

/*
 * WAIT until min_acks replicas have every write of this connection so
 * far: 0, or -1 with TQ_ECONN when they did not within the timeout.  The
 * write did happen on the master, but a failover now could lose it, so
 * its outcome is as unknown as after a lost link, and the caller treats
 * it so (a producer sends it again with the same id).
 */
static int
tq_redis_wait_acks(struct tq_redis *r, struct tq_error *err)
{
	const char	*argv[3];
	char		 n[16], ms[24];
	redisReply	*reply;
	long long	 got;

	snprintf(n, sizeof n, "%d", r->min_acks);
	snprintf(ms, sizeof ms, "%lld", (long long)r->acks_timeout_ms);
	argv[0] = "WAIT";
	argv[1] = n;
	argv[2] = ms;
	r->unconfirmed = 0;
	tq_redis_set_block(r, r->acks_timeout_ms);
	reply = tq_redis_command(r, err, 3, argv, NULL);
	tq_redis_set_block(r, 0);
	if (reply == NULL)
		return (-1);
	got = reply->type == REDIS_REPLY_INTEGER ? reply->integer : -1;
	freeReplyObject(reply);
	if (got >= r->min_acks)
		return (0);
	tq_error_set(err, TQ_ECONN, "Redis at %s: an enqueue reached %lld of "
	    "the %d replicas asked for (redis.min_replicas_ack) within %lld "
	    "ms; its outcome is unknown", r->address, got < 0 ? 0 : got,
	    r->min_acks, (long long)r->acks_timeout_ms);
	return (-1);
}

int
tq_redis_confirm(struct tq_redis *r, struct tq_error *err)
{
	if (r->cl != NULL)
		return (tq_cluster_confirm(r->cl, err));
	if (!r->unconfirmed || r->min_acks == 0 || r->ctx == NULL)
		return (0);
	return (tq_redis_wait_acks(r, err));
}

void
tq_redis_mark_write(struct tq_redis *r)
{
	r->unconfirmed = 1;
}

int
tq_redis_each_master(struct tq_redis *r, tq_node_fn fn, void *arg,
    struct tq_error *err)
{
	if (r->cl != NULL)
		return (tq_cluster_each_master(r->cl, fn, arg, err));
	return (fn(r, arg, err));
}

int
tq_redis_is_cluster(const struct tq_redis *r)
{
	return (r->cl != NULL);
}

/* Load every script (a cluster node, just connected). */
static int
tq_redis_preload(struct tq_redis *r, struct tq_error *err)
{
	int	i;

	for (i = 0; i < TQ_NSCRIPTS; i++) {
		if (tq_redis_load(r, i, err) != 0)
			return (-1);
	}
	return (0);
}

int
tq_redis_prepare(struct tq_redis *r, int script, struct tq_error *err)
{
	/* Cluster nodes load every script as they connect. */
	if (r->cl != NULL)
		return (tq_cluster_ensure(r->cl, err));
	if (tq_redis_ensure(r, err) != 0)
		return (-1);
	if (r->sha[script][0] != '\0')
		return (0);
	return (tq_redis_load(r, script, err));
}

redisReply *
tq_redis_command(struct tq_redis *r, struct tq_error *err, int argc,
    const char **argv, const size_t *lens)
{
	redisReply	*reply;

	if (r->cl != NULL)
		return (tq_cluster_command(r->cl, err, argc, argv, lens));
	if (tq_redis_ensure(r, err) != 0)
		return (NULL);
	reply = redisCommandArgv(r->ctx, argc, argv, lens);
	if (reply == NULL) {
		tq_redis_ctx_error(r, r->ctx, argv[0], err);
		tq_redis_drop(r);
		return (NULL);
	}
	r->last_used_ms = tq_monotonic_ms();
	return (reply);
}

/* Build "EVALSHA sha nkeys keys... args..." into argv/lens. */
static int
tq_redis_evalv(struct tq_redis *r, int script, int nkeys, const char **keys,
    int nargs, const char **args, const size_t *arglens, const char ***argvp,
    size_t **lensp, char *nk, size_t nklen)
{
	const char	**argv;
	size_t		 *lens;
	int		  argc = 3 + nkeys + nargs, i;

	argv = tq_xreallocarray(NULL, (size_t)argc, sizeof *argv);
	lens = tq_xreallocarray(NULL, (size_t)argc, sizeof *lens);
	snprintf(nk, nklen, "%d", nkeys);
	argv[0] = "EVALSHA";
	argv[1] = r->sha[script];
	argv[2] = nk;
	for (i = 0; i < 3; i++)
		lens[i] = strlen(argv[i]);
	for (i = 0; i < nkeys; i++) {
		argv[3 + i] = keys[i];
		lens[3 + i] = strlen(keys[i]);
	}
	for (i = 0; i < nargs; i++) {
		argv[3 + nkeys + i] = args[i];
		lens[3 + nkeys + i] = arglens != NULL ? arglens[i] :
		    strlen(args[i]);
	}
	*argvp = argv;
	*lensp = lens;
	return (argc);
}

static int
tq_reply_is_noscript(const redisReply *reply)
{
	return (reply->type == REDIS_REPLY_ERROR &&
	    strncmp(reply->str, "NOSCRIPT", 8) == 0);
}

redisReply *
tq_redis_eval(struct tq_redis *r, int script, int nkeys, const char **keys,
    int nargs, const char **args, const size_t *arglens, struct tq_error *err)
{
	const char	**argv;
	size_t		 *lens;
	char		  nk[16];
	redisReply	 *reply = NULL;
	int		  argc, attempt;

	if (r->cl != NULL)
		return (tq_cluster_eval(r->cl, script, nkeys, keys, nargs,
		    args, arglens, err));
	for (attempt = 0; attempt < 2; attempt++) {
		if (tq_redis_prepare(r, script, err) != 0)
			return (NULL);
		argc = tq_redis_evalv(r, script, nkeys, keys, nargs, args,
		    arglens, &argv, &lens, nk, sizeof nk);
		reply = tq_redis_command(r, err, argc, argv, lens);
		free(argv);
		free(lens);
		if (reply == NULL)
			return (NULL);
		if (!tq_reply_is_noscript(reply)) {
			/* An error reply wrote nothing: no WAIT for it. */
			if (reply->type != REDIS_REPLY_ERROR &&
			    tq_script_confirms(script) && r->min_acks > 0 &&
			    tq_redis_wait_acks(r, err) != 0) {
				freeReplyObject(reply);
				return (NULL);
			}
			return (reply);
		}
		/* The server lost its script cache: load and go again. */
		freeReplyObject(reply);
		reply = NULL;
		memset(r->sha, 0, sizeof r->sha);
	}
	tq_error_set(err, TQ_EREDIS, "Redis keeps losing script %s",
	    tq_script_name(script));
	return (NULL);
}

void
tq_redis_append(struct tq_redis *r, int argc, const char **argv,
    const size_t *lens)
{
	if (r->cl != NULL) {
		tq_cluster_append(r->cl, argc, argv, lens);
		return;
	}
	/* Only after tq_redis_ensure/prepare succeeded. */
	if (r->ctx == NULL)
		return;
	if (redisAppendCommandArgv(r->ctx, argc, argv, lens) != REDIS_OK)
		tq_oom(0);
	r->pending++;
}

void
tq_redis_append_eval(struct tq_redis *r, int script, int nkeys,
    const char **keys, int nargs, const char **args, const size_t *arglens)
{
	const char	**argv;
	size_t		 *lens;
	char		  nk[16];
	int		  argc;

	if (r->cl != NULL) {
		tq_cluster_append_eval(r->cl, script, nkeys, keys, nargs,
		    args, arglens);
		return;
	}
	argc = tq_redis_evalv(r, script, nkeys, keys, nargs, args, arglens,
	    &argv, &lens, nk, sizeof nk);
	tq_redis_append(r, argc, argv, lens);
	free(argv);
	free(lens);
	if (tq_script_confirms(script))
		r->unconfirmed = 1;
}

redisReply *
tq_redis_reply(struct tq_redis *r, struct tq_error *err)
{
	void	*reply = NULL;

	if (r->cl != NULL)
		return (tq_cluster_reply(r->cl, err));
	if (r->ctx == NULL || r->pending == 0) {
		tq_error_set(err, TQ_ECONN, "connection to Redis at %s lost",
		    r->address);
		return (NULL);
	}
	if (redisGetReply(r->ctx, &reply) != REDIS_OK || reply == NULL) {
		tq_redis_ctx_error(r, r->ctx, "pipeline", err);
		tq_redis_drop(r);
		return (NULL);
	}
	r->pending--;
	r->last_used_ms = tq_monotonic_ms();
	return (reply);
}

/* Read and drop what is left of a pipeline (after an error). */
void
tq_redis_discard(struct tq_redis *r)
{
	redisReply	*reply;

	if (r->cl != NULL) {
		tq_cluster_discard(r->cl);
		return;
	}
	while (r->ctx != NULL && r->pending > 0) {
		if ((reply = tq_redis_reply(r, NULL)) != NULL)
			freeReplyObject(reply);
	}
}

/*
 * Error-reply prefixes our scripts and Redis use, and what they mean.  A
 * server that is loading its data, running a long script, or has no
 * master or cluster yet did not run the command and will later: that is
 * the link being down for a while (TQ_ECONN), which every caller rides
 * out with its backoff, not a refusal.
 */
static const struct {
	const char	*prefix;
	enum tq_errcode	 code;
	int		 strip;		/* drop the prefix from the message */
} tq_reply_errors[] = {
	{ "TQEXIST ", TQ_EEXIST, 1 },
	{ "TQLEASE ", TQ_ELEASE, 1 },
	{ "NOAUTH", TQ_ECONN, 0 },
	{ "WRONGPASS", TQ_ECONN, 0 },
	{ "LOADING", TQ_ECONN, 0 },
	{ "BUSY", TQ_ECONN, 0 },
	{ "MASTERDOWN", TQ_ECONN, 0 },
	{ "CLUSTERDOWN", TQ_ECONN, 0 },
	{ "TRYAGAIN", TQ_ECONN, 0 },
	{ "NOPERM", TQ_EREDIS, 0 },
	{ "OOM", TQ_EREDIS, 0 },
	{ "READONLY", TQ_EREDIS, 0 },
	{ "NOSCRIPT", TQ_EREDIS, 0 },
};

/*
 * 0 when reply is not an error; else -1 with err describing it.  NOSCRIPT
 * also forgets every SHA, so the caller's retry reloads the scripts.
 */
int
tq_redis_reply_error(struct tq_redis *r, const redisReply *reply,
    struct tq_error *err)
{
	size_t	i, n;

	if (reply->type != REDIS_REPLY_ERROR)
		return (0);
	if (tq_reply_is_noscript(reply))
		memset(r->sha, 0, sizeof r->sha);
	/* A master the Sentinels demoted: ask them again, at once. */
	if (r->url.master != NULL && strncmp(reply->str, "READONLY", 8) == 0) {
		tq_redis_drop(r);
		tq_error_set(err, TQ_ECONN, "Redis at %s is a replica now: %s",
		    r->address, reply->str);
		return (-1);
	}
	for (i = 0; i < TQ_NITEMS(tq_reply_errors); i++) {
		n = strlen(tq_reply_errors[i].prefix);
		if (strncmp(reply->str, tq_reply_errors[i].prefix, n) != 0)
			continue;
		tq_error_set(err, tq_reply_errors[i].code, "%s",
		    tq_reply_errors[i].strip ? reply->str + n : reply->str);
		return (-1);
	}
	tq_error_set(err, TQ_EREDIS, "Redis at %s: %s", r->address,
	    reply->str);
	return (-1);
}

/*
 * Allow the next commands to wait block_ms longer than the command
 * timeout (a blocking pop); 0 restores the plain timeout.
 */
static void
tq_redis_set_block(struct tq_redis *r, int64_t block_ms)
{
	if (r->ctx != NULL)
		redisSetTimeout(r->ctx, tq_tv(r->command_ms + block_ms));
}

int
tq_redis_blpop(struct tq_redis *r, const char *const *keys, size_t nkeys,
    int64_t timeout_ms, struct tq_error *err)
{
	const char	**argv;
	char		  timeout[32];
	redisReply	 *reply;
	size_t		  i;
	int		  rc;

	if (r->cl != NULL)
		return (tq_cluster_blpop(r->cl, keys, nkeys, timeout_ms, err));
	argv = tq_xreallocarray(NULL, nkeys + 2, sizeof *argv);
	argv[0] = "BLPOP";
	for (i = 0; i < nkeys; i++)
		argv[1 + i] = keys[i];
	snprintf(timeout, sizeof timeout, "%.3f", (double)timeout_ms / 1000);
	argv[1 + nkeys] = timeout;
	if (tq_redis_ensure(r, err) != 0) {
		free(argv);
		return (-1);
	}
	tq_redis_set_block(r, timeout_ms);
	reply = tq_redis_command(r, err, (int)nkeys + 2, argv, NULL);
	tq_redis_set_block(r, 0);
	free(argv);
	if (reply == NULL)
		return (-1);
	rc = tq_redis_reply_error(r, reply, err);
	if (rc == 0)
		rc = reply->type == REDIS_REPLY_ARRAY;
	freeReplyObject(reply);
	return (rc);
}

/* ------------------------------------------------------------------ */
/* For cluster.c: a node connection's pipeline, by hand                */

int
tq_redis_fd(const struct tq_redis *r)
{
	return (r->ctx != NULL ? r->ctx->fd : -1);
}

int
tq_redis_pending(const struct tq_redis *r)
{
	return (r->ctx != NULL ? r->pending : 0);
}

char *
tq_redis_format(int argc, const char **argv, const size_t *lens,
    size_t *len)
{
	char	*cmd;
	int	 n;

	if ((n = redisFormatCommandArgv(&cmd, argc, argv, lens)) < 0)
		tq_oom(0);
	*len = (size_t)n;
	return (cmd);
}

char *
tq_redis_format_eval(struct tq_redis *r, int script, int nkeys,
    const char **keys, int nargs, const char **args, const size_t *arglens,
    size_t *len)
{
	const char	**argv;
	size_t		 *lens;
	char		  nk[16], *cmd;
	int		  argc;

	argc = tq_redis_evalv(r, script, nkeys, keys, nargs, args, arglens,
	    &argv, &lens, nk, sizeof nk);
	cmd = tq_redis_format(argc, argv, lens, len);
	free(argv);
	free(lens);
	return (cmd);
}

void
tq_redis_format_free(char *cmd)
{
	redisFreeCommand(cmd);
}

void
tq_redis_append_formatted(struct tq_redis *r, const char *cmd, size_t len)
{
	/* Only after tq_redis_ensure succeeded. */
	if (r->ctx == NULL)
		return;
	if (redisAppendFormattedCommand(r->ctx, cmd, len) != REDIS_OK)
		tq_oom(0);
	r->pending++;
}

int
tq_redis_flush(struct tq_redis *r, struct tq_error *err)
{
	int	done = 0;

	if (r->ctx == NULL) {
		tq_error_set(err, TQ_ECONN, "connection to Redis at %s lost",
		    r->address);
		return (-1);
	}
	while (!done) {
		if (redisBufferWrite(r->ctx, &done) != REDIS_OK) {
			tq_redis_ctx_error(r, r->ctx, "write", err);
			tq_redis_drop(r);
			return (-1);
		}
	}
	r->last_used_ms = tq_monotonic_ms();
	return (0);
}

int
tq_redis_try_reply(struct tq_redis *r, redisReply **out, struct tq_error *err)
{
	void	*reply = NULL;

	*out = NULL;
	if (r->ctx == NULL || r->pending == 0) {
		tq_error_set(err, TQ_ECONN, "connection to Redis at %s lost",
		    r->address);
		return (-1);
	}
	if (redisGetReplyFromReader(r->ctx, &reply) != REDIS_OK)
		goto broken;
	/* Nothing whole buffered: read what the socket has (it is ready). */
	if (reply == NULL && (redisBufferRead(r->ctx) != REDIS_OK ||
	    redisGetReplyFromReader(r->ctx, &reply) != REDIS_OK))
		goto broken;
	if (reply == NULL)
		return (0);
	r->pending--;
	r->last_used_ms = tq_monotonic_ms();
	*out = reply;
	return (1);

broken:
	tq_redis_ctx_error(r, r->ctx, "read", err);
	tq_redis_drop(r);
	return (-1);
}

void
tq_redis_close(struct tq_redis *r)
{
	tq_redis_drop(r);
}

/* ------------------------------------------------------------------ */
/* For hint.c: a subscriber link                                       */

int
tq_redis_subscribe(struct tq_redis *r, const char *channel,
    struct tq_error *err)
{
	const char	*argv[2] = { "SUBSCRIBE", NULL };
	redisReply	*reply;
	int		 rc = -1;

	if (r->cl != NULL) {
		tq_error_set(err, TQ_EINVAL, "SUBSCRIBE: not on a cluster "
		    "router (use a node's connection)");
		return (-1);
	}
	if (tq_redis_ensure(r, err) != 0)
		return (-1);
	argv[1] = channel;
	if ((reply = redisCommandArgv(r->ctx, 2, argv, NULL)) == NULL) {
		tq_redis_ctx_error(r, r->ctx, "SUBSCRIBE", err);
		tq_redis_drop(r);
		return (-1);
	}
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
	    reply->element[0]->type == REDIS_REPLY_STRING &&
	    strcmp(reply->element[0]->str, "subscribe") == 0) {
		r->subscriber = 1;
		r->pending = 0;
		r->last_used_ms = tq_monotonic_ms();
		rc = 0;
	} else {
		tq_error_set(err, TQ_EREDIS, "Redis at %s refused SUBSCRIBE "
		    "%s: %s", r->address, channel,
		    reply->type == REDIS_REPLY_ERROR ? reply->str :
		    "unexpected reply");
		tq_redis_drop(r);
	}
	freeReplyObject(reply);
	return (rc);
}

int
tq_redis_try_message(struct tq_redis *r, redisReply **out,
    struct tq_error *err)
{
	struct pollfd	 pfd;
	void		*reply = NULL;

	*out = NULL;
	if (r->ctx == NULL || !r->subscriber) {
		tq_error_set(err, TQ_ECONN, "subscription to Redis at %s lost",
		    r->address);
		return (-1);
	}
	if (redisGetReplyFromReader(r->ctx, &reply) != REDIS_OK)
		goto broken;
	if (reply == NULL) {
		/* Read the socket only when it has something: never block. */
		pfd.fd = r->ctx->fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 0) <= 0)
			return (0);
		if (redisBufferRead(r->ctx) != REDIS_OK ||
		    redisGetReplyFromReader(r->ctx, &reply) != REDIS_OK)
			goto broken;
		if (reply == NULL)
			return (0);
	}
	r->last_used_ms = tq_monotonic_ms();
	*out = reply;
	return (1);

broken:
	tq_redis_ctx_error(r, r->ctx, "read", err);
	tq_redis_drop(r);
	return (-1);
}
