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
 * gets a larger epoch, a fencing token that logs and metrics carry.
 */

#include <stdio.h>
#include <stdlib.h>

#include "tq-int.h"

int
tq_leader(struct tq_client *c, const char *id, int64_t ttl_ms, int resign,
    int *leader, long long *epoch, struct tq_error *err)
{
	const char	*keys[2], *args[3];
	char		*k0, *k1, ttl[24];
	redisReply	*reply;
	int		 rc = 0;

	if (tq_check_name("tqd id", id, err) != 0)
		return (-1);
	k0 = tq_key_leader(tq_client_namespace(c), 0);
	k1 = tq_key_leader(tq_client_namespace(c), 1);
	snprintf(ttl, sizeof ttl, "%lld", (long long)ttl_ms);
	keys[0] = k0;
	keys[1] = k1;
	args[0] = id;
	args[1] = ttl;
	args[2] = resign ? "1" : "0";
	reply = tq_client_eval(c, TQ_SCRIPT_LEADER, keys, 2, args, 3, err);
	free(k0);
	free(k1);
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

int
tq_leader_holder(struct tq_client *c, char **id, long long *epoch,
    int64_t *ttl_ms, struct tq_error *err)
{
	struct tq_redis	*r = tq_client_redis(c);
	const char	*argv[2];
	char		*k0, *k1;
	redisReply	*rep[3] = { NULL, NULL, NULL };
	int		 i, rc = -1;

	*id = NULL;
	*epoch = 0;
	*ttl_ms = 0;
	if (tq_redis_ensure(r, err) != 0)
		return (-1);
	k0 = tq_key_leader(tq_client_namespace(c), 0);
	k1 = tq_key_leader(tq_client_namespace(c), 1);
	argv[0] = "GET";
	argv[1] = k0;
	tq_redis_append(r, 2, argv, NULL);
	argv[1] = k1;
	tq_redis_append(r, 2, argv, NULL);
	argv[0] = "PTTL";
	argv[1] = k0;
	tq_redis_append(r, 2, argv, NULL);
	for (i = 0; i < 3; i++) {
		if ((rep[i] = tq_redis_reply(r, err)) == NULL)
			goto out;
	}
	if (rep[0]->type == REDIS_REPLY_STRING)
		*id = tq_xstrdup(rep[0]->str);
	if (rep[1]->type == REDIS_REPLY_STRING)
		*epoch = atoll(rep[1]->str);
	if (rep[2]->type == REDIS_REPLY_INTEGER && rep[2]->integer > 0)
		*ttl_ms = rep[2]->integer;
	rc = 0;
out:
	for (i = 0; i < 3; i++) {
		if (rep[i] != NULL)
			freeReplyObject(rep[i]);
	}
	tq_redis_discard(r);
	free(k0);
	free(k1);
	return (rc);
}
