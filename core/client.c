/*
 * client.c -- the client handle: one Redis connection plus what it caches.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A struct tq_client owns a copy of the configuration, a connection
 * (redis.c) and a small table of the queues it has touched: their key
 * names, built once, and whether this client already added the queue to
 * the namespace's queue set.  That set ("NS:queues") is the one key that
 * spans queues; it is written with its own SADD before a queue's first
 * task, never inside a script, so every script touches one hash slot.
 */

#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define TQ_QTABLE_SIZE	64	/* buckets; chains grow as needed */

struct tq_qentry {
	char			*name;
	struct tq_keys		 keys;
	unsigned		 registered;	/* connection generation; 0 */
	int64_t			 empty_until;	/* monotonic ms: skip it */
	int64_t			 broken_until;	/* ditto, after an error */
	struct tq_qentry	*next;
};

struct tq_client {
	struct tq_config	*cfg;
	struct tq_redis		*redis;
	char			*ns;
	char			*queues_key;
	struct tq_qentry	*qtable[TQ_QTABLE_SIZE];
};

/*
 * A client that connects on first use: the worker runtime starts under a
 * Redis that may be down, and rides that out like any later outage.
 */
struct tq_client *
tq_client_new_lazy(const struct tq_config *cfg, struct tq_error *err)
{
	struct tq_client	*c;

	c = tq_xcalloc(1, sizeof *c);
	c->cfg = tq_config_copy(cfg);
	c->ns = tq_xstrdup(tq_config_str(cfg, "redis", "namespace"));
	c->queues_key = tq_key_queues(c->ns);
	if ((c->redis = tq_redis_new(cfg, err)) == NULL) {
		tq_client_free(c);
		return (NULL);
	}
	return (c);
}

struct tq_client *
tq_client_new(const struct tq_config *cfg, struct tq_error *err)
{
	struct tq_client	*c;

	if ((c = tq_client_new_lazy(cfg, err)) == NULL)
		return (NULL);
	if (tq_redis_ensure(c->redis, err) != 0) {
		tq_client_free(c);
		return (NULL);
	}
	return (c);
}

void
tq_client_free(struct tq_client *c)
{
	struct tq_qentry	*e, *next;
	size_t			 i;

	if (c == NULL)
		return;
	for (i = 0; i < TQ_QTABLE_SIZE; i++) {
		for (e = c->qtable[i]; e != NULL; e = next) {
			next = e->next;
			tq_keys_done(&e->keys);
			free(e->name);
			free(e);
		}
	}
	tq_redis_free(c->redis);
	tq_config_free(c->cfg);
	free(c->queues_key);
	free(c->ns);
	free(c);
}

const char *
tq_client_namespace(const struct tq_client *c)
{
	return (c->ns);
}

const char *
tq_client_address(const struct tq_client *c)
{
	return (tq_redis_address(c->redis));
}

struct tq_redis *
tq_client_redis(struct tq_client *c)
{
	return (c->redis);
}

const struct tq_config *
tq_client_config(const struct tq_client *c)
{
	return (c->cfg);
}

const char *
tq_client_queues_key(const struct tq_client *c)
{
	return (c->queues_key);
}

int
tq_client_ping(struct tq_client *c, struct tq_error *err)
{
	const char	*argv[] = { "PING" };
	redisReply	*reply;
	int		 rc;

	if ((reply = tq_redis_command(c->redis, err, 1, argv, NULL)) == NULL)
		return (-1);
	rc = tq_redis_reply_error(c->redis, reply, err);
	freeReplyObject(reply);
	return (rc);
}

/* FNV-1a: queue names are short and few; anything simple will do. */
static size_t
tq_qhash(const char *s)
{
	uint32_t	h = 2166136261u;

	while (*s != '\0')
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return (h % TQ_QTABLE_SIZE);
}

static struct tq_qentry *
tq_client_entry(struct tq_client *c, const char *queue)
{
	struct tq_qentry	*e;
	size_t			 h = tq_qhash(queue);

	for (e = c->qtable[h]; e != NULL; e = e->next) {
		if (strcmp(e->name, queue) == 0)
			return (e);
	}
	e = tq_xcalloc(1, sizeof *e);
	e->name = tq_xstrdup(queue);
	tq_keys_init(&e->keys, c->ns, queue);
	e->next = c->qtable[h];
	c->qtable[h] = e;
	return (e);
}

/* The key names of queue (validated by the caller); borrowed. */
struct tq_keys *
tq_client_keys(struct tq_client *c, const char *queue)
{
	return (&tq_client_entry(c, queue)->keys);
}

int
tq_client_skip(struct tq_client *c, const char *queue, int64_t now)
{
	struct tq_qentry	*e = tq_client_entry(c, queue);

	if (e->broken_until > now)
		return (TQ_SKIP_BROKEN);
	return (e->empty_until > now ? TQ_SKIP_EMPTY : 0);
}

void
tq_client_mark_empty(struct tq_client *c, const char *queue, int64_t until)
{
	tq_client_entry(c, queue)->empty_until = until;
}

void
tq_client_mark_broken(struct tq_client *c, const char *queue, int64_t until)
{
	tq_client_entry(c, queue)->broken_until = until;
}

/*
 * Make sure queue is in the namespace's queue set before its first task
 * is written, so a crash in between leaves at worst an empty queue listed.
 */
int
tq_client_register_queue(struct tq_client *c, const char *queue,
    struct tq_error *err)
{
	struct tq_qentry	*e = tq_client_entry(c, queue);
	const char		*argv[3];
	redisReply		*reply;
	int			 rc;

	/* Registered on this very connection: nothing to do. */
	if (tq_redis_ensure(c->redis, err) != 0)
		return (-1);
	if (e->registered == tq_redis_generation(c->redis))
		return (0);
	argv[0] = "SADD";
	argv[1] = c->queues_key;
	argv[2] = queue;
	if ((reply = tq_redis_command(c->redis, err, 3, argv, NULL)) == NULL)
		return (-1);
	rc = tq_redis_reply_error(c->redis, reply, err);
	freeReplyObject(reply);
	if (rc == 0)
		e->registered = tq_redis_generation(c->redis);
	return (rc);
}

/*
 * The Redis type a key of ours holds, from its name ("NS:{Q}:what...",
 * "NS:{leader}"), or NULL when the name says nothing.
 */
static const char *
tq_client_key_type(const char *key)
{
	static const struct {
		const char	*what;
		const char	*type;
	} kinds[] = {
		{ "t", "hash" }, { "m", "hash" }, { "lease", "hash" },
		{ "stats", "hash" }, { "rate", "hash" }, { "res", "hash" },
		{ "sched", "zset" }, { "active", "zset" }, { "retry", "zset" },
		{ "dead", "zset" }, { "ids", "zset" },
		{ "ready", "list" }, { "hist", "list" }, { "wake", "list" },
		{ "paused", "string" }, { "epoch", "string" },
	};
	const char	*p;
	size_t		 i, n;

	if ((p = strchr(key, '}')) == NULL)
		return (NULL);
	if (p[1] == '\0') {		/* the leader lease itself */
		return (p - key >= 7 && strncmp(p - 7, "{leader", 7) == 0 ?
		    "string" : NULL);
	}
	if (p[1] != ':')
		return (NULL);
	p += 2;
	n = strcspn(p, ":");
	for (i = 0; i < TQ_NITEMS(kinds); i++) {
		if (strlen(kinds[i].what) == n &&
		    strncmp(p, kinds[i].what, n) == 0)
			return (kinds[i].type);
	}
	return (NULL);
}

/*
 * Redis said WRONGTYPE and names no key; but another program wrote one
 * of ours with a type ours never has, and the message is all an operator
 * has to go on: find it.  Only a failed call pays for the TYPE commands.
 */
static void
tq_client_wrongtype(struct tq_client *c, int script, const char **keys,
    int nkeys, struct tq_error *err)
{
	struct tq_error	 terr;
	redisReply	*t;
	const char	*argv[2], *want;
	int		 i, found;

	for (i = 0; i < nkeys; i++) {
		if ((want = tq_client_key_type(keys[i])) == NULL)
			continue;
		argv[0] = "TYPE";
		argv[1] = keys[i];
		if ((t = tq_redis_command(c->redis, &terr, 2, argv,
		    NULL)) == NULL)
			return;
		found = t->type == REDIS_REPLY_STATUS &&
		    strcmp(t->str, "none") != 0 && strcmp(t->str, want) != 0;
		if (found)
			tq_error_set(err, TQ_EREDIS, "key %s holds a %s, not "
			    "a %s (WRONGTYPE in %s)", keys[i], t->str, want,
			    tq_script_name(script));
		freeReplyObject(t);
		if (found)
			return;
	}
}

/*
 * Run a script and turn an error reply into err: the reply, or NULL.  The
 * caller frees the reply with freeReplyObject.
 */
redisReply *
tq_client_eval(struct tq_client *c, int script, const char **keys,
    int nkeys, const char **args, int nargs, struct tq_error *err)
{
	redisReply	*reply;

	reply = tq_redis_eval(c->redis, script, nkeys, keys, nargs, args,
	    NULL, err);
	if (reply == NULL)
		return (NULL);
	if (tq_redis_reply_error(c->redis, reply, err) != 0) {
		freeReplyObject(reply);
		if (err != NULL && strstr(err->msg, "WRONGTYPE") != NULL)
			tq_client_wrongtype(c, script, keys, nkeys, err);
		return (NULL);
	}
	return (reply);
}
