/*
 * side.c -- tq-bench's plain Redis connection, beside libtq's.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A benchmark needs a few things that are no business of a task queue
 * library and so are not in tq.h: deleting every key of its namespace
 * (SCAN and UNLINK in bounded batches, so even a large leftover never
 * blocks Redis), reading INFO and MEMORY USAGE, and lowering the SLOWLOG
 * threshold to see the longest single call.  This file sends them over
 * one hiredis connection to the server libtq connects to: the address is
 * the client's (tq_client_address), and the user, password and database
 * come from the same configuration -- redis.url when set, which libtq
 * has already validated, else redis.user, redis.password and redis.db.
 * On a Redis Cluster ("cluster HOST:PORT,..."), one connection to each
 * master: keys are scanned and unlinked on each, INFO figures are summed
 * over them, and SLOWLOG and CONFIG apply to all.
 */

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <hiredis/hiredis.h>

#include "bench.h"

#define SIDE_SCAN_COUNT	"1000"	/* keys SCAN looks at per call */
#define SIDE_UNLINK_MAX	1000	/* keys per UNLINK */

#define SIDE_NODES_MAX	64	/* cluster masters */

struct side {
	redisContext	*ctxs[SIDE_NODES_MAX];
	size_t		 n;
	int		 cluster;	/* unlink one key a call */
};

/* Percent-decode s[0, len) into a new string (the URL was validated). */
static char *
side_decode(const char *s, size_t len)
{
	char	*out, *o, hex[3];
	size_t	 i;

	o = out = tq_xmalloc(len + 1);
	for (i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len &&
		    isxdigit((unsigned char)s[i + 1]) &&
		    isxdigit((unsigned char)s[i + 2])) {
			hex[0] = s[i + 1];
			hex[1] = s[i + 2];
			hex[2] = '\0';
			*o++ = (char)strtol(hex, NULL, 16);
			i += 2;
		} else
			*o++ = s[i];
	}
	*o = '\0';
	return (out);
}

/* The database of "/N" or "?db=N" in text (the part after the host). */
static long
side_url_db(const char *s)
{
	const char	*q;

	if (*s == '/' && isdigit((unsigned char)s[1]))
		return (strtol(s + 1, NULL, 10));
	if ((q = strstr(s, "db=")) != NULL && (q[-1] == '?' || q[-1] == '&'))
		return (strtol(q + 3, NULL, 10));
	return (0);
}

/*
 * User, password (new strings or NULL) and database of cfg, by the rules
 * of tq.conf(5): in a redis:// URL the userinfo ends at the last '@'; in
 * a unix:// URL at the last "@/", and only when the path does not come
 * first.
 */
static void
side_creds(const struct tq_config *cfg, char **user, char **pass, long *db)
{
	const char	*url, *rest, *at = NULL, *p, *colon;

	*user = *pass = NULL;
	url = tq_config_str(cfg, "redis", "url");
	if (*url == '\0' || (rest = strstr(url, "://")) == NULL) {
		if (*tq_config_str(cfg, "redis", "password") != '\0')
			*pass = tq_xstrdup(tq_config_str(cfg, "redis",
			    "password"));
		if (*tq_config_str(cfg, "redis", "user") != '\0')
			*user = tq_xstrdup(tq_config_str(cfg, "redis", "user"));
		*db = (long)tq_config_int(cfg, "redis", "db");
		return;
	}
	rest += 3;
	if (strncasecmp(url, "unix", 4) == 0) {
		if (*rest != '/') {
			for (p = rest; (p = strstr(p, "@/")) != NULL; p++)
				at = p;
		}
		p = at != NULL ? at + 1 : rest;
		*db = side_url_db(p + strcspn(p, "?"));
	} else {
		at = strrchr(rest, '@');
		p = at != NULL ? at + 1 : rest;
		*db = side_url_db(p + strcspn(p, "/?"));
	}
	if (at != NULL && (colon = memchr(rest, ':', (size_t)(at - rest))) !=
	    NULL) {
		if (colon != rest)
			*user = side_decode(rest, (size_t)(colon - rest));
		*pass = side_decode(colon + 1, (size_t)(at - colon - 1));
	}
	/* As libtq: password_file supplies a password the URL lacks. */
	if (*pass == NULL &&
	    *tq_config_str(cfg, "redis", "password_file") != '\0')
		*pass = tq_xstrdup(tq_config_str(cfg, "redis", "password"));
}

/* Connect to "/path", "[v6]:port" or "host:port". */
static redisContext *
side_connect(const char *address, struct timeval tv)
{
	char		*host, *colon;
	redisContext	*ctx;
	int		 port;

	if (address[0] == '/')
		return (redisConnectUnixWithTimeout(address, tv));
	host = tq_xstrdup(address[0] == '[' ? address + 1 : address);
	if ((colon = strrchr(host, ':')) == NULL) {
		free(host);
		return (NULL);
	}
	*colon = '\0';
	port = atoi(colon + 1);
	if (address[0] == '[' && colon > host && colon[-1] == ']')
		colon[-1] = '\0';
	ctx = redisConnectWithTimeout(host, port, tv);
	free(host);
	return (ctx);
}

/*
 * Run argv on connection i; the reply, or NULL with err set (connection
 * or error reply).
 */
static redisReply *
side_cmd_at(struct side *s, size_t i, int argc, const char **argv,
    struct tq_error *err)
{
	redisReply	*reply;

	reply = redisCommandArgv(s->ctxs[i], argc, argv, NULL);
	if (reply == NULL) {
		tq_error_clear(err);
		if (err != NULL) {
			err->code = TQ_ECONN;
			snprintf(err->msg, sizeof err->msg, "Redis: %s",
			    s->ctxs[i]->errstr);
		}
		return (NULL);
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		tq_error_clear(err);
		if (err != NULL) {
			err->code = TQ_EREDIS;
			snprintf(err->msg, sizeof err->msg, "Redis %s: %s",
			    argv[0], reply->str);
		}
		freeReplyObject(reply);
		return (NULL);
	}
	return (reply);
}

/* On the first connection (the server, or a cluster's first master). */
static redisReply *
side_cmd(struct side *s, int argc, const char **argv, struct tq_error *err)
{
	return (side_cmd_at(s, 0, argc, argv, err));
}

/* Connect to address, log in and select the database: connection n. */
static int
side_add(struct side *s, const struct tq_config *cfg, const char *address,
    struct tq_error *err)
{
	struct timeval	 tv;
	redisReply	*reply;
	redisContext	*ctx;
	char		*user, *pass, dbs[24];
	const char	*argv[3];
	long long	 ms;
	long		 db;
	int		 argc;

	if (s->n == SIDE_NODES_MAX) {
		tq_error_clear(err);
		if (err != NULL) {
			err->code = TQ_EINVAL;
			snprintf(err->msg, sizeof err->msg, "more than %d "
			    "cluster masters", SIDE_NODES_MAX);
		}
		return (-1);
	}
	ms = tq_config_int(cfg, "redis", "connect_timeout");
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	ctx = side_connect(address, tv);
	if (ctx == NULL || ctx->err != 0) {
		tq_error_clear(err);
		if (err != NULL) {
			err->code = TQ_ECONN;
			snprintf(err->msg, sizeof err->msg, "cannot reach "
			    "Redis at %s%s%s", address, ctx ? ": " : "",
			    ctx ? ctx->errstr : "");
		}
		if (ctx != NULL)
			redisFree(ctx);
		return (-1);
	}
	s->ctxs[s->n++] = ctx;
	/* SLOWLOG and big SCANs may take a while on a loaded server. */
	ms = tq_config_int(cfg, "redis", "command_timeout");
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	redisSetTimeout(ctx, tv);

	side_creds(cfg, &user, &pass, &db);
	reply = (void *)1;
	if (pass != NULL) {
		argc = 0;
		argv[argc++] = "AUTH";
		if (user != NULL)
			argv[argc++] = user;
		argv[argc++] = pass;
		reply = side_cmd_at(s, s->n - 1, argc, argv, err);
		if (reply != NULL)
			freeReplyObject(reply);
	}
	free(user);
	free(pass);
	if (reply != NULL && db != 0) {
		snprintf(dbs, sizeof dbs, "%ld", db);
		argv[0] = "SELECT";
		argv[1] = dbs;
		if ((reply = side_cmd_at(s, s->n - 1, 2, argv, err)) != NULL)
			freeReplyObject(reply);
	}
	return (reply == NULL ? -1 : 0);
}

/* A cluster: every master that CLUSTER NODES of a seed names. */
static int
side_add_cluster(struct side *s, const struct tq_config *cfg,
    const char *seeds, struct tq_error *err)
{
	const char	*argv[2] = { "CLUSTER", "NODES" };
	redisReply	*reply;
	char		*list, *seed, *line, *next, *f[4], *addr, *asked = NULL;
	size_t		 k;
	int		 rc = -1;

	s->cluster = 1;
	list = tq_xstrdup(seeds);
	for (seed = strtok(list, ","); seed != NULL && s->n == 0;
	    seed = strtok(NULL, ","))
		if (side_add(s, cfg, seed, err) == 0)
			asked = tq_xstrdup(seed);
	free(list);
	if (s->n == 0 || asked == NULL) {
		free(asked);
		return (-1);
	}
	reply = side_cmd(s, 2, argv, err);
	if (reply == NULL) {
		free(asked);
		return (-1);
	}
	/* A node that was never met (one master alone) has no address of
	 * its own in CLUSTER NODES: it is the seed we asked. */
	if ((addr = strrchr(asked, ':')) != NULL)
		*addr = '\0';
	redisFree(s->ctxs[0]);
	s->n = 0;
	for (line = reply->str; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		/* id ip:port@bus flags master ...: the live masters. */
		for (k = 0; k < 4 && (f[k] = strsep(&line, " ")) != NULL; k++)
			;
		if (k < 4 || strstr(f[2], "master") == NULL ||
		    strstr(f[2], "fail") != NULL)
			continue;
		f[1][strcspn(f[1], "@")] = '\0';
		if (f[1][0] == ':')
			addr = tq_xasprintf("%s%s", asked, f[1]);
		else
			addr = tq_xstrdup(f[1]);
		rc = side_add(s, cfg, addr, err);
		free(addr);
		if (rc != 0)
			break;
	}
	freeReplyObject(reply);
	free(asked);
	return (s->n > 0 && rc == 0 ? 0 : -1);
}

struct side *
side_open(const struct tq_config *cfg, const char *address,
    struct tq_error *err)
{
	struct side	*s;
	int		 rc;

	s = tq_xcalloc(1, sizeof *s);
	if (strncmp(address, "cluster ", 8) == 0)
		rc = side_add_cluster(s, cfg, address + 8, err);
	else
		rc = side_add(s, cfg, address, err);
	if (rc != 0) {
		side_close(s);
		return (NULL);
	}
	return (s);
}

void
side_close(struct side *s)
{
	size_t	i;

	if (s == NULL)
		return;
	for (i = 0; i < s->n; i++)
		redisFree(s->ctxs[i]);
	free(s);
}

/*
 * UNLINK the keys of scan reply's key array on connection c: many a
 * call, or one on a cluster (keys of several slots cannot share one).
 */
static int
side_unlink(struct side *s, size_t c, redisReply *keys, long long *removed,
    struct tq_error *err)
{
	const char	*argv[SIDE_UNLINK_MAX + 1];
	redisReply	*reply;
	size_t		 i, j, n;

	for (i = 0; i < keys->elements; i += n) {
		n = keys->elements - i;
		if (n > (s->cluster ? 1 : SIDE_UNLINK_MAX))
			n = s->cluster ? 1 : SIDE_UNLINK_MAX;
		argv[0] = "UNLINK";
		for (j = 0; j < n; j++)
			argv[j + 1] = keys->element[i + j]->str;
		if ((reply = side_cmd_at(s, c, (int)n + 1, argv, err)) == NULL)
			return (-1);
		*removed += reply->integer;
		freeReplyObject(reply);
	}
	return (0);
}

/* side_unlink_prefix on connection c. */
static int
side_unlink_at(struct side *s, size_t c, const char *prefix,
    long long *removed, struct tq_error *err)
{
	const char	*argv[6];
	redisReply	*reply;
	char		*match, *cursor;
	int		 rc = 0;

	match = tq_xasprintf("%s*", prefix);
	cursor = tq_xstrdup("0");
	do {
		argv[0] = "SCAN";
		argv[1] = cursor;
		argv[2] = "MATCH";
		argv[3] = match;
		argv[4] = "COUNT";
		argv[5] = SIDE_SCAN_COUNT;
		if ((reply = side_cmd_at(s, c, 6, argv, err)) == NULL) {
			rc = -1;
			break;
		}
		if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
		    reply->element[0]->type != REDIS_REPLY_STRING ||
		    reply->element[1]->type != REDIS_REPLY_ARRAY) {
			freeReplyObject(reply);
			tq_error_clear(err);
			if (err != NULL) {
				err->code = TQ_EPROTO;
				snprintf(err->msg, sizeof err->msg,
				    "SCAN: unexpected reply");
			}
			rc = -1;
			break;
		}
		free(cursor);
		cursor = tq_xstrdup(reply->element[0]->str);
		rc = side_unlink(s, c, reply->element[1], removed, err);
		freeReplyObject(reply);
	} while (rc == 0 && strcmp(cursor, "0") != 0);
	free(cursor);
	free(match);
	return (rc);
}

int
side_unlink_prefix(struct side *s, const char *prefix, long long *removed,
    struct tq_error *err)
{
	size_t	i;

	*removed = 0;
	for (i = 0; i < s->n; i++) {
		if (side_unlink_at(s, i, prefix, removed, err) != 0)
			return (-1);
	}
	return (0);
}

/* One INFO figure of connection c. */
static int
side_info_at(struct side *s, size_t c, const char *section,
    const char *field, double *out, struct tq_error *err)
{
	const char	*argv[2] = { "INFO", section };
	redisReply	*reply;
	const char	*p;
	size_t		 len = strlen(field);
	int		 rc = -1;

	if ((reply = side_cmd_at(s, c, 2, argv, err)) == NULL)
		return (-1);
	for (p = reply->str; p != NULL && *p != '\0'; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (strncmp(p, field, len) == 0 && p[len] == ':') {
			*out = strtod(p + len + 1, NULL);
			rc = 0;
			break;
		}
	}
	if (rc != 0) {
		tq_error_clear(err);
		if (err != NULL) {
			err->code = TQ_EPROTO;
			snprintf(err->msg, sizeof err->msg, "INFO %s has no %s",
			    section, field);
		}
	}
	freeReplyObject(reply);
	return (rc);
}

/* Summed over a cluster's masters: CPU and memory add up. */
int
side_info_num(struct side *s, const char *section, const char *field,
    double *out, struct tq_error *err)
{
	double	v;
	size_t	i;

	*out = 0;
	for (i = 0; i < s->n; i++) {
		if (side_info_at(s, i, section, field, &v, err) != 0)
			return (-1);
		*out += v;
	}
	return (0);
}

int
side_info_int(struct side *s, const char *section, const char *field,
    long long *out, struct tq_error *err)
{
	double	v;

	if (side_info_num(s, section, field, &v, err) != 0)
		return (-1);
	*out = (long long)v;
	return (0);
}

int
side_memory_usage(struct side *s, const char *key, long long *out,
    struct tq_error *err)
{
	/* SAMPLES 0: every element, for an exact figure. */
	const char	*argv[5] = { "MEMORY", "USAGE", key, "SAMPLES", "0" };
	redisReply	*reply;

	if ((reply = side_cmd(s, 5, argv, err)) == NULL)
		return (-1);
	*out = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
	freeReplyObject(reply);
	return (0);
}

int
side_config_get(struct side *s, const char *name, char **out,
    struct tq_error *err)
{
	const char	*argv[3] = { "CONFIG", "GET", name };
	redisReply	*reply;

	if ((reply = side_cmd(s, 3, argv, err)) == NULL)
		return (-1);
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    reply->element[1]->type != REDIS_REPLY_STRING) {
		freeReplyObject(reply);
		tq_error_clear(err);
		if (err != NULL) {
			err->code = TQ_EPROTO;
			snprintf(err->msg, sizeof err->msg, "CONFIG GET %s: "
			    "unexpected reply", name);
		}
		return (-1);
	}
	*out = tq_xstrdup(reply->element[1]->str);
	freeReplyObject(reply);
	return (0);
}

int
side_config_set(struct side *s, const char *name, const char *value,
    struct tq_error *err)
{
	const char	*argv[4] = { "CONFIG", "SET", name, value };
	redisReply	*reply;
	size_t		 i;

	for (i = 0; i < s->n; i++) {
		if ((reply = side_cmd_at(s, i, 4, argv, err)) == NULL)
			return (-1);
		freeReplyObject(reply);
	}
	return (0);
}

int
side_slowlog_reset(struct side *s, struct tq_error *err)
{
	const char	*argv[2] = { "SLOWLOG", "RESET" };
	redisReply	*reply;
	size_t		 i;

	for (i = 0; i < s->n; i++) {
		if ((reply = side_cmd_at(s, i, 2, argv, err)) == NULL)
			return (-1);
		freeReplyObject(reply);
	}
	return (0);
}

/*
 * The longest execution (microseconds) among SLOWLOG entries whose
 * command starts with prefix (case-insensitive), and how many there
 * were, over every connection.  An entry is {id, time, duration, argv,
 * [client, name]}.
 */
int
side_slowlog_max_us(struct side *s, const char *prefix, long long *max_us,
    long long *count, struct tq_error *err)
{
	const char	*argv[3] = { "SLOWLOG", "GET", "100000" };
	redisReply	*reply, *e, *cmd;
	size_t		 i, c, len = strlen(prefix);

	*max_us = *count = 0;
	for (c = 0; c < s->n; c++) {
		if ((reply = side_cmd_at(s, c, 3, argv, err)) == NULL)
			return (-1);
		for (i = 0; reply->type == REDIS_REPLY_ARRAY &&
		    i < reply->elements; i++) {
			e = reply->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements < 4 ||
			    e->element[2]->type != REDIS_REPLY_INTEGER ||
			    e->element[3]->type != REDIS_REPLY_ARRAY ||
			    e->element[3]->elements == 0)
				continue;
			cmd = e->element[3]->element[0];
			if (cmd->type != REDIS_REPLY_STRING ||
			    strncasecmp(cmd->str, prefix, len) != 0)
				continue;
			(*count)++;
			if (e->element[2]->integer > *max_us)
				*max_us = e->element[2]->integer;
		}
		freeReplyObject(reply);
	}
	return (0);
}
