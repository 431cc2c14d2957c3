/*
 * server.c -- what tq needs to know about the Redis server itself.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Two things: facts for operators (version, memory, the persistence and
 * eviction settings that decide whether "nothing lost" can hold, which
 * tqd warns about at start-up), and the namespace marker, a key created
 * once whose disappearance tells tqd that Redis lost its data.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

int
tq_marker(struct tq_client *c, int *created, struct tq_error *err)
{
	const char	*argv[4];
	char		*key, now[24];
	redisReply	*reply;
	int		 rc;

	key = tq_key_marker(tq_client_namespace(c));
	snprintf(now, sizeof now, "%lld", (long long)tq_wall_ms());
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

/* CONFIG GET name into buf; left empty when CONFIG is not allowed. */
static void
tq_config_get(struct tq_client *c, const char *name, char *buf, size_t len)
{
	const char	*argv[3] = { "CONFIG", "GET", NULL };
	redisReply	*reply;

	buf[0] = '\0';
	argv[2] = name;
	reply = tq_redis_command(tq_client_redis(c), NULL, 3, argv, NULL);
	if (reply == NULL)
		return;
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
	    reply->element[1]->type == REDIS_REPLY_STRING)
		snprintf(buf, len, "%s", reply->element[1]->str);
	freeReplyObject(reply);
}

int
tq_server_info(struct tq_client *c, struct tq_server_info *out,
    struct tq_error *err)
{
	const char	*info[1] = { "INFO" }, *timev[1] = { "TIME" };
	redisReply	*reply;
	char		 v[64];

	memset(out, 0, sizeof *out);
	if ((reply = tq_redis_command(tq_client_redis(c), err, 1, info,
	    NULL)) == NULL)
		return (-1);
	if (tq_redis_reply_error(tq_client_redis(c), reply, err) != 0 ||
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
	tq_config_get(c, "appendfsync", out->appendfsync,
	    sizeof out->appendfsync);
	if ((reply = tq_redis_command(tq_client_redis(c), err, 1, timev,
	    NULL)) == NULL)
		return (-1);
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2)
		out->time_ms = atoll(reply->element[0]->str) * 1000 +
		    atoll(reply->element[1]->str) / 1000;
	freeReplyObject(reply);
	return (0);
}
