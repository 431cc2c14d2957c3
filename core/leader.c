/*
 * leader.c -- the leader lease that lets several tqd run at once.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Any number of tqd may run against one Redis for availability; the one
 * holding "NS:{leader}" does the periodic work.  The lease is a key with a
 * TTL that the leader renews well before it runs out; when the leader dies
 * the key expires and the next tqd to ask takes it.  Every admin script is
 * safe to run twice, so a short overlap during a handover (a leader that
 * froze past its TTL) costs nothing but duplicate effort.  Each new leader
 * gets a larger epoch, a fencing token that logs and metrics carry.  Each
 * take or renewal also stamps "NS:{leader}:seen" with the holder and the
 * server's time, which tells a dashboard when tqd last acted (and, after
 * the lease expired, when the last leader was last heard of).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

/*
 * "NS:{leader}:seen", from the lease's name: it shares the {leader} tag,
 * so the leader script may write it on a cluster too.
 */
static char *
tq_leader_seen_key(const char *lease_key)
{
	return (tq_xasprintf("%s:seen", lease_key));
}

int
tq_leader(struct tq_client *c, const char *id, int64_t ttl_ms, int resign,
    int *leader, long long *epoch, struct tq_error *err)
{
	const char	*keys[3], *args[3];
	char		*k0, *k1, *k2, ttl[24];
	redisReply	*reply;
	int		 rc = 0;

	if (tq_check_name("tqd id", id, err) != 0)
		return (-1);
	k0 = tq_key_leader(tq_client_namespace(c), 0);
	k1 = tq_key_leader(tq_client_namespace(c), 1);
	k2 = tq_leader_seen_key(k0);
	snprintf(ttl, sizeof ttl, "%lld", (long long)ttl_ms);
	keys[0] = k0;
	keys[1] = k1;
	keys[2] = k2;
	args[0] = id;
	args[1] = ttl;
	args[2] = resign ? "1" : "0";
	reply = tq_client_eval(c, TQ_SCRIPT_LEADER, keys, 3, args, 3, err);
	free(k0);
	free(k1);
	free(k2);
	if (reply == NULL)
		return (-1);
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
	    reply->element[0]->type != REDIS_REPLY_INTEGER) {
		tq_error_set(err, TQ_EPROTO, "leader: unexpected reply");
		rc = -1;
	} else {
		*leader = reply->element[0]->integer == 1;
		if (epoch != NULL)
			*epoch = *leader && reply->element[1]->type ==
			    REDIS_REPLY_INTEGER ? reply->element[1]->integer :
			    0;
	}
	freeReplyObject(reply);
	return (rc);
}

/* The first three figures of tq_leader_seen: one pipeline for both. */
int
tq_leader_holder(struct tq_client *c, char **id, long long *epoch,
    int64_t *ttl_ms, struct tq_error *err)
{
	struct tq_leader_seen	ls;

	*id = NULL;
	*epoch = 0;
	*ttl_ms = 0;
	if (tq_leader_seen(c, &ls, err) != 0)
		return (-1);
	*id = ls.id;
	ls.id = NULL;
	*epoch = ls.epoch;
	*ttl_ms = ls.ttl_ms;
	tq_leader_seen_done(&ls);
	return (0);
}

int
tq_leader_seen(struct tq_client *c, struct tq_leader_seen *out,
    struct tq_error *err)
{
	struct tq_redis	*r = tq_client_redis(c);
	const char	*argv[5];
	char		*k0, *k1, *k2;
	redisReply	*rep[5] = { NULL, NULL, NULL, NULL, NULL }, *h;
	int		 i, rc = -1;

	memset(out, 0, sizeof *out);
	if (tq_redis_ensure(r, err) != 0)
		return (-1);
	k0 = tq_key_leader(tq_client_namespace(c), 0);
	k1 = tq_key_leader(tq_client_namespace(c), 1);
	k2 = tq_leader_seen_key(k0);
	argv[0] = "GET";
	argv[1] = k0;
	tq_redis_append(r, 2, argv, NULL);
	argv[1] = k1;
	tq_redis_append(r, 2, argv, NULL);
	argv[0] = "PTTL";
	argv[1] = k0;
	tq_redis_append(r, 2, argv, NULL);
	argv[0] = "HMGET";
	argv[1] = k2;
	argv[2] = "id";
	argv[3] = "at";
	argv[4] = "lease";
	tq_redis_append(r, 5, argv, NULL);
	argv[0] = "TIME";
	tq_redis_append(r, 1, argv, NULL);
	for (i = 0; i < 5; i++) {
		if ((rep[i] = tq_redis_reply(r, err)) == NULL)
			goto out;
	}
	/* A key of the wrong type (another program's) is an error reply. */
	for (i = 0; i < 5; i++) {
		if (tq_redis_reply_error(r, rep[i], err) != 0)
			goto out;
	}
	if (rep[0]->type == REDIS_REPLY_STRING)
		out->id = tq_xstrdup(rep[0]->str);
	if (rep[1]->type == REDIS_REPLY_STRING)
		out->epoch = atoll(rep[1]->str);
	if (rep[2]->type == REDIS_REPLY_INTEGER && rep[2]->integer > 0)
		out->ttl_ms = rep[2]->integer;
	h = rep[3];
	/* Written by a tqd that predates the record: none (seen_id NULL). */
	if (h->type == REDIS_REPLY_ARRAY && h->elements == 3 &&
	    h->element[0]->type == REDIS_REPLY_STRING &&
	    h->element[1]->type == REDIS_REPLY_STRING) {
		out->seen_id = tq_xstrdup(h->element[0]->str);
		out->seen_ms = atoll(h->element[1]->str);
		if (h->element[2]->type == REDIS_REPLY_STRING)
			out->lease_ms = atoll(h->element[2]->str);
	}
	if (rep[4]->type == REDIS_REPLY_ARRAY && rep[4]->elements == 2 &&
	    rep[4]->element[0]->type == REDIS_REPLY_STRING &&
	    rep[4]->element[1]->type == REDIS_REPLY_STRING)
		out->now_ms = atoll(rep[4]->element[0]->str) * 1000 +
		    atoll(rep[4]->element[1]->str) / 1000;
	rc = 0;
out:
	for (i = 0; i < 5; i++) {
		if (rep[i] != NULL)
			freeReplyObject(rep[i]);
	}
	tq_redis_discard(r);
	free(k0);
	free(k1);
	free(k2);
	if (rc != 0)
		tq_leader_seen_done(out);
	return (rc);
}

void
tq_leader_seen_done(struct tq_leader_seen *ls)
{
	if (ls == NULL)
		return;
	free(ls->id);
	free(ls->seen_id);
	memset(ls, 0, sizeof *ls);
}
