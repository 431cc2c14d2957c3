/*
 * server.c -- what tq needs to know about the Redis server itself.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Two things: facts for operators (version, memory, the persistence and
 * eviction settings that decide whether "nothing lost" can hold, which
 * tqd warns about at start-up, of every master of a cluster), and the
 * namespace marker, a key created once whose disappearance tells tqd
 * that Redis lost its data (on a cluster, a marker per stretch of hash
 * slots, so that the master that lost it does not matter).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define TQ_MARKERS	64	/* on a cluster: one per 256 hash slots */
#define TQ_MARKER_TAG	12

/*
 * The hash tags of a cluster's markers: for each stretch of 16384 /
 * TQ_MARKERS hash slots, the first number whose slot falls in it (0 to
 * 343 do it), so that every process finds the same.
 */
static void
tq_marker_tags(char tags[TQ_MARKERS][TQ_MARKER_TAG])
{
	char		t[TQ_MARKER_TAG];
	unsigned	s;
	int		n, found;

	memset(tags, 0, TQ_MARKERS * TQ_MARKER_TAG);
	for (n = 0, found = 0; found < TQ_MARKERS; n++) {
		snprintf(t, sizeof t, "%d", n);
		s = tq_cluster_slot(t, strlen(t)) / (16384 / TQ_MARKERS);
		if (tags[s][0] == '\0') {
			memcpy(tags[s], t, sizeof t);
			found++;
		}
	}
}

/*
 * A cluster's markers, "KEY:{TAG}", one per stretch of slots: a master
 * that comes back empty loses those of its slots, whichever master it
 * is, while markers migrate with their slots and so survive a reshard.
 * SET NX on each, in one pipeline; *created when one was new.
 */
static int
tq_marker_cluster(struct tq_redis *r, const char *key, const char *now,
    int *created, struct tq_error *err)
{
	char		 tags[TQ_MARKERS][TQ_MARKER_TAG], *keys[TQ_MARKERS];
	const char	*argv[4] = { "SET", NULL, NULL, "NX" };
	redisReply	*reply;
	int		 i, rc = 0;

	if (tq_redis_ensure(r, err) != 0)
		return (-1);
	tq_marker_tags(tags);
	argv[2] = now;
	for (i = 0; i < TQ_MARKERS; i++) {
		keys[i] = tq_xasprintf("%s:{%s}", key, tags[i]);
		argv[1] = keys[i];
		tq_redis_append(r, 4, argv, NULL);
	}
	*created = 0;
	/* Every reply is read, so the pipeline is left empty. */
	for (i = 0; i < TQ_MARKERS; i++) {
		if ((reply = tq_redis_reply(r, rc == 0 ? err : NULL)) ==
		    NULL) {
			rc = -1;
			continue;
		}
		if (rc == 0 && tq_redis_reply_error(r, reply, err) != 0)
			rc = -1;
		else if (reply->type == REDIS_REPLY_STATUS)
			*created = 1;
		freeReplyObject(reply);
	}
	for (i = 0; i < TQ_MARKERS; i++)
		free(keys[i]);
	return (rc);
}

int
tq_marker(struct tq_client *c, int *created, struct tq_error *err)
{
	const char	*argv[4];
	char		*key, now[24];
	redisReply	*reply;
	int		 rc;

	key = tq_key_marker(tq_client_namespace(c));
	snprintf(now, sizeof now, "%lld", (long long)tq_wall_ms());
	if (tq_redis_is_cluster(tq_client_redis(c))) {
		rc = tq_marker_cluster(tq_client_redis(c), key, now, created,
		    err);
		free(key);
		return (rc);
	}
	argv[0] = "SET";
	argv[1] = key;
	argv[2] = now;
	argv[3] = "NX";
	reply = tq_redis_command(tq_client_redis(c), err, 4, argv, NULL);
	free(key);
	if (reply == NULL)
		return (-1);
	if ((rc = tq_redis_reply_error(tq_client_redis(c), reply, err)) == 0)
		*created = reply->type == REDIS_REPLY_STATUS;
	freeReplyObject(reply);
	return (rc);
}

/* The value of "name:" in an INFO reply, copied into buf. */
static void
tq_info_field(const char *info, const char *name, char *buf, size_t len)
{
	const char	*p;
	size_t		 n = strlen(name), i;

	buf[0] = '\0';
	for (p = info; p != NULL; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, name, n) == 0 && p[n] == ':') {
			p += n + 1;
			for (i = 0; i + 1 < len && p[i] != '\r' &&
			    p[i] != '\n' && p[i] != '\0'; i++)
				buf[i] = p[i];
			buf[i] = '\0';
			return;
		}
	}
}

/* CONFIG GET name on r into buf; left empty when CONFIG is not allowed. */
static void
tq_config_get(struct tq_redis *r, const char *name, char *buf, size_t len)
{
	const char	*argv[3] = { "CONFIG", "GET", NULL };
	redisReply	*reply;

	buf[0] = '\0';
	argv[2] = name;
	if ((reply = tq_redis_command(r, NULL, 3, argv, NULL)) == NULL)
		return;
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
	    reply->element[1]->type == REDIS_REPLY_STRING)
		snprintf(buf, len, "%s", reply->element[1]->str);
	freeReplyObject(reply);
}

/* What the server behind r (a cluster router: slot 0's master) says. */
static int
tq_server_fill(struct tq_redis *r, struct tq_server_info *out,
    struct tq_error *err)
{
	const char	*info[1] = { "INFO" }, *timev[1] = { "TIME" };
	redisReply	*reply;
	char		 v[64];

	memset(out, 0, sizeof *out);
	snprintf(out->address, sizeof out->address, "%s",
	    tq_redis_address(r));
	if ((reply = tq_redis_command(r, err, 1, info, NULL)) == NULL)
		return (-1);
	if (tq_redis_reply_error(r, reply, err) != 0 ||
	    reply->type != REDIS_REPLY_STRING) {
		freeReplyObject(reply);
		return (err != NULL && err->code != TQ_OK ? -1 : 0);
	}
	tq_info_field(reply->str, "redis_version", out->version,
	    sizeof out->version);
	tq_info_field(reply->str, "used_memory", v, sizeof v);
	out->used_memory = atoll(v);
	tq_info_field(reply->str, "maxmemory", v, sizeof v);
	out->maxmemory = atoll(v);
	tq_info_field(reply->str, "maxmemory_policy", out->maxmemory_policy,
	    sizeof out->maxmemory_policy);
	tq_info_field(reply->str, "aof_enabled", v, sizeof v);
	out->appendonly = atoi(v);
	freeReplyObject(reply);
	tq_config_get(r, "appendfsync", out->appendfsync,
	    sizeof out->appendfsync);
	if ((reply = tq_redis_command(r, err, 1, timev, NULL)) == NULL)
		return (-1);
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2)
		out->time_ms = atoll(reply->element[0]->str) * 1000 +
		    atoll(reply->element[1]->str) / 1000;
	freeReplyObject(reply);
	return (0);
}

int
tq_server_info(struct tq_client *c, struct tq_server_info *out,
    struct tq_error *err)
{
	return (tq_server_fill(tq_client_redis(c), out, err));
}

/* The records of tq_server_info_all so far, one per master. */
struct tq_server_all {
	struct tq_server_info	*v;
	size_t			 n;
};

static int
tq_server_info_node(struct tq_redis *node, void *arg, struct tq_error *err)
{
	struct tq_server_all	*a = arg;

	a->v = tq_xreallocarray(a->v, a->n + 1, sizeof *a->v);
	if (tq_server_fill(node, &a->v[a->n], err) != 0)
		return (-1);
	a->n++;
	return (0);
}

int
tq_server_info_all(struct tq_client *c, struct tq_server_info **infos,
    size_t *n, struct tq_error *err)
{
	struct tq_server_all	a = { NULL, 0 };

	if (tq_redis_each_master(tq_client_redis(c), tq_server_info_node, &a,
	    err) != 0) {
		free(a.v);
		return (-1);
	}
	*infos = a.v;
	*n = a.n;
	return (0);
}
