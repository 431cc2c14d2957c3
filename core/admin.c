/*
 * admin.c -- the administrative transitions tqd, tq and tqtop use.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Promotion of due tasks, reclaim of expired leases, dead-letter requeue,
 * purge, trim and listing, pause and resume.  Each script call does a
 * bounded amount of work (at most TQ_ADMIN_BATCH tasks, or the caller's
 * max), so Redis is never blocked for long; the "all" variants loop here,
 * in the client, one bounded call after another.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define TQ_ADMIN_BATCH	500	/* tasks per script call for "all" */
#define TQ_IDS_BATCH	500	/* ids per script call when given ids */

/* Validate queue and return its keys, or NULL. */
static struct tq_keys *
tq_admin_keys(struct tq_client *c, const char *queue, struct tq_error *err)
{
	if (tq_check_name("queue name", queue, err) != 0)
		return (NULL);
	return (tq_client_keys(c, queue));
}

/*
 * Run script over keys as tq_client_eval does; on a failure about the
 * queue's data (a key of the wrong type, which tq_client_eval names, or
 * a script's runtime error: a counter that is not a number), say which
 * queue: its name is the hash tag of the keys.  NOPERM, OOM and the like
 * are not about the queue, and stay as they are.
 */
static redisReply *
tq_admin_eval(struct tq_client *c, int script, const char **keys,
    int nkeys, const char **args, int nargs, struct tq_error *err)
{
	redisReply	*reply;
	const char	*open, *close;

	reply = tq_client_eval(c, script, keys, nkeys, args, nargs, err);
	if (reply != NULL || err == NULL || err->code != TQ_EREDIS)
		return (reply);
	if (strncmp(err->msg, "key ", 4) != 0 &&	/* named: has the queue */
	    (strstr(err->msg, "WRONGTYPE") != NULL ||
	    strstr(err->msg, ": ERR ") != NULL) && nkeys > 0 &&
	    (open = strchr(keys[0], '{')) != NULL &&
	    (close = strchr(open, '}')) != NULL)
		tq_error_prefix(err, "queue %.*s", (int)(close - open - 1),
		    open + 1);
	return (NULL);
}

/* Read {a, b} (and with c, a third) integers from a script reply. */
static int
tq_reply_pair(const redisReply *reply, long long *a, long long *b,
    long long *c, const char *what, struct tq_error *err)
{
	size_t	i, n = c != NULL ? 3 : 2;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements != n) {
		tq_error_set(err, TQ_EPROTO, "%s: unexpected reply", what);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if (reply->element[i]->type != REDIS_REPLY_INTEGER) {
			tq_error_set(err, TQ_EPROTO, "%s: unexpected reply",
			    what);
			return (-1);
		}
	}
	*a = reply->element[0]->integer;
	*b = reply->element[1]->integer;
	if (c != NULL)
		*c = reply->element[2]->integer;
	return (0);
}

/* Run script and read its {a, b} reply. */
static int
tq_admin_pair(struct tq_client *c, int script, const char **keys, int nkeys,
    const char **args, int nargs, long long *a, long long *b,
    struct tq_error *err)
{
	redisReply	*reply;
	long long	 c3;
	int		 rc;

	reply = tq_admin_eval(c, script, keys, nkeys, args, nargs, err);
	if (reply == NULL)
		return (-1);
	rc = tq_reply_pair(reply, a, b, script == TQ_SCRIPT_REQUEUE ? &c3 :
	    NULL, tq_script_name(script), err);
	freeReplyObject(reply);
	return (rc);
}

static void
tq_ready_keys(const struct tq_keys *k, const char **out)
{
	int	i;

	for (i = 0; i <= TQ_PRIORITY_MAX; i++)
		out[i] = k->k[TQ_K_READY9 - i];
}

int
tq_promote(struct tq_client *c, const char *queue, int max, int *moved,
    int64_t *next_due_ms, struct tq_error *err)
{
	struct tq_keys	*k;
	const char	*keys[14], *args[2];
	char		 n[16], cap[16];
	long long	 a, b;

	if ((k = tq_admin_keys(c, queue, err)) == NULL)
		return (-1);
	keys[0] = k->k[TQ_K_SCHED];
	keys[1] = k->k[TQ_K_RETRY];
	keys[2] = k->k[TQ_K_BODY];
	keys[3] = k->k[TQ_K_WAKE];
	tq_ready_keys(k, keys + 4);
	snprintf(n, sizeof n, "%d", max > 0 ? max : 1);
	snprintf(cap, sizeof cap, "%d", TQ_WAKE_MAX);
	args[0] = n;
	args[1] = cap;
	if (tq_admin_pair(c, TQ_SCRIPT_PROMOTE, keys, 14, args, 2, &a, &b,
	    err) != 0)
		return (-1);
	if (moved != NULL)
		*moved = (int)a;
	if (next_due_ms != NULL)
		*next_due_ms = b;
	return (0);
}

/*
 * Run reclaim on queue with sweep cursor from (-1: expired leases) and
 * read its {a, b} reply.
 */
static int
tq_reclaim_run(struct tq_client *c, const char *queue, int max,
    long long from, long long *a, long long *b, struct tq_error *err)
{
	struct tq_keys		*k;
	struct tq_queue_policy	 policy;
	const char		*keys[9], *args[3 + TQ_BACKOFF_STEPS];
	char			 n[16], deadmax[24], cursor[24];
	char			 delays[TQ_BACKOFF_STEPS][24];
	int			 i;

	if ((k = tq_admin_keys(c, queue, err)) == NULL)
		return (-1);
	tq_config_policy(tq_client_config(c), queue, &policy);
	keys[0] = k->k[TQ_K_ACTIVE];
	keys[1] = k->k[TQ_K_LEASE];
	keys[2] = k->k[TQ_K_BODY];
	keys[3] = k->k[TQ_K_META];
	keys[4] = k->k[TQ_K_RETRY];
	keys[5] = k->k[TQ_K_DEAD];
	keys[6] = k->k[TQ_K_STATS];
	keys[7] = k->k[TQ_K_HIST];
	keys[8] = k->k[TQ_K_IDS];
	snprintf(n, sizeof n, "%d", max > 0 ? max : 1);
	snprintf(deadmax, sizeof deadmax, "%lld", (long long)policy.dead_max);
	snprintf(cursor, sizeof cursor, "%lld", from);
	args[0] = n;
	args[1] = deadmax;
	args[2] = cursor;
	/* The script picks the delay by attempt; the formula stays in C. */
	for (i = 0; i < TQ_BACKOFF_STEPS; i++) {
		snprintf(delays[i], sizeof delays[i], "%lld",
		    (long long)tq_backoff_ms(policy.retry_base_ms,
		    policy.retry_cap_ms, i + 1, tq_random_unit()));
		args[3 + i] = delays[i];
	}
	if (tq_admin_pair(c, TQ_SCRIPT_RECLAIM, keys, 9, args,
	    3 + TQ_BACKOFF_STEPS, a, b, err) != 0)
		return (-1);
	/* The reclaimed are now in retry: have tqd look at this queue. */
	if (*a > 0)
		(void)tq_hint_due(c, queue, 1, NULL);
	return (0);
}

int
tq_reclaim(struct tq_client *c, const char *queue, int max, int *reclaimed,
    int64_t *next_deadline_ms, struct tq_error *err)
{
	long long	a, b;

	if (tq_reclaim_run(c, queue, max, -1, &a, &b, err) != 0)
		return (-1);
	if (reclaimed != NULL)
		*reclaimed = (int)a;
	if (next_deadline_ms != NULL)
		*next_deadline_ms = b;
	return (0);
}

int
tq_reclaim_unleased(struct tq_client *c, const char *queue, int max,
    long long *cursor, int *recovered, struct tq_error *err)
{
	long long	a, b;

	if (tq_reclaim_run(c, queue, max, *cursor > 0 ? *cursor : 0, &a, &b,
	    err) != 0)
		return (-1);
	*recovered = (int)a;
	*cursor = b;
	return (0);
}

/*
 * Requeue or purge: with ids, in slices of TQ_IDS_BATCH; without, the
 * oldest TQ_ADMIN_BATCH at a time until a call finds none.  prefix holds
 * the script's keys and fixed arguments; ids follow them.
 */
static int
tq_dead_apply(struct tq_client *c, int script, const char **keys, int nkeys,
    const char **fixed, int nfixed, const char *const *ids, size_t nids,
    long long *done, long long *missing, struct tq_error *err)
{
	const char	**args;
	long long	  a, b;
	size_t		  i, n;
	int		  rc = 0;

	args = tq_xreallocarray(NULL, (size_t)nfixed + TQ_IDS_BATCH,
	    sizeof *args);
	memcpy(args, fixed, (size_t)nfixed * sizeof *args);
	*done = *missing = 0;
	for (i = 0; rc == 0; i += n) {
		n = 0;
		if (ids != NULL) {
			if (i >= nids)
				break;
			n = nids - i < TQ_IDS_BATCH ? nids - i : TQ_IDS_BATCH;
			memcpy(args + nfixed, ids + i, n * sizeof *args);
		}
		rc = tq_admin_pair(c, script, keys, nkeys, args,
		    nfixed + (int)n, &a, &b, err);
		if (rc == 0) {
			*done += a;
			*missing += b;
		}
		if (ids == NULL && a + b == 0)
			break;
	}
	free(args);
	return (rc);
}

static void
tq_requeue_keys(const struct tq_keys *k, const char **keys)
{
	keys[0] = k->k[TQ_K_DEAD];
	keys[1] = k->k[TQ_K_BODY];
	keys[2] = k->k[TQ_K_META];
	keys[3] = k->k[TQ_K_WAKE];
	tq_ready_keys(k, keys + 4);
}

int
tq_dead_requeue(struct tq_client *c, const char *queue,
    const char *const *ids, size_t nids, long long *done, long long *missing,
    struct tq_error *err)
{
	struct tq_keys	*k;
	const char	*keys[14], *fixed[5];
	char		 max[16], cap[16];
	long long	 d, m;
	size_t		 i;

	if ((k = tq_admin_keys(c, queue, err)) == NULL)
		return (-1);
	for (i = 0; ids != NULL && i < nids; i++) {
		if (tq_check_name("task id", ids[i], err) != 0)
			return (-1);
	}
	tq_requeue_keys(k, keys);
	snprintf(max, sizeof max, "%d", TQ_ADMIN_BATCH);
	snprintf(cap, sizeof cap, "%d", TQ_WAKE_MAX);
	fixed[0] = max;
	fixed[1] = cap;
	fixed[2] = "0";		/* any age */
	fixed[3] = "0";		/* no cycle cap */
	fixed[4] = "0";		/* offset */
	if (tq_dead_apply(c, TQ_SCRIPT_REQUEUE, keys, 14, fixed, 5, ids, nids,
	    &d, &m, err) != 0)
		return (-1);
	if (done != NULL)
		*done = d;
	if (missing != NULL)
		*missing = m;
	return (0);
}

int
tq_dead_requeue_aged(struct tq_client *c, const char *queue, int64_t age_ms,
    int cycles, int max, long long offset, int *requeued, int *skipped,
    struct tq_error *err)
{
	struct tq_keys	*k;
	const char	*keys[14], *args[5];
	char		 n[16], cap[16], age[24], cyc[16], off[24];
	long long	 d, m, s;
	redisReply	*reply;
	int		 rc;

	if ((k = tq_admin_keys(c, queue, err)) == NULL)
		return (-1);
	tq_requeue_keys(k, keys);
	snprintf(n, sizeof n, "%d", max > 0 ? max : 1);
	snprintf(cap, sizeof cap, "%d", TQ_WAKE_MAX);
	snprintf(age, sizeof age, "%lld", (long long)(age_ms > 0 ? age_ms : 0));
	snprintf(cyc, sizeof cyc, "%d", cycles > 0 ? cycles : 0);
	snprintf(off, sizeof off, "%lld", offset > 0 ? offset : 0);
	args[0] = n;
	args[1] = cap;
	args[2] = age;
	args[3] = cyc;
	args[4] = off;
	reply = tq_admin_eval(c, TQ_SCRIPT_REQUEUE, keys, 14, args, 5, err);
	if (reply == NULL)
		return (-1);
	rc = tq_reply_pair(reply, &d, &m, &s, "requeue", err);
	freeReplyObject(reply);
	if (rc == 0) {
		*requeued = (int)d;
		*skipped = (int)s;
	}
	return (rc);
}

int
tq_dead_purge(struct tq_client *c, const char *queue, const char *const *ids,
    size_t nids, long long *done, long long *missing, struct tq_error *err)
{
	struct tq_keys	*k;
	const char	*keys[4], *fixed[1];
	char		 max[16];
	long long	 d, m;
	size_t		 i;

	if ((k = tq_admin_keys(c, queue, err)) == NULL)
		return (-1);
	for (i = 0; ids != NULL && i < nids; i++) {
		if (tq_check_name("task id", ids[i], err) != 0)
			return (-1);
	}
	keys[0] = k->k[TQ_K_DEAD];
	keys[1] = k->k[TQ_K_BODY];
	keys[2] = k->k[TQ_K_META];
	keys[3] = k->k[TQ_K_IDS];
	snprintf(max, sizeof max, "%d", TQ_ADMIN_BATCH);
	fixed[0] = max;
	if (tq_dead_apply(c, TQ_SCRIPT_PURGE, keys, 4, fixed, 1, ids, nids,
	    &d, &m, err) != 0)
		return (-1);
	if (done != NULL)
		*done = d;
	if (missing != NULL)
		*missing = m;
	return (0);
}

int
tq_dead_trim(struct tq_client *c, const char *queue, long long max_count,
    int64_t max_age_ms, int max, int *removed, struct tq_error *err)
{
	struct tq_keys	*k;
	const char	*keys[4], *args[3];
	char		 count[24], age[24], n[16];
	redisReply	*reply;
	int		 rc = 0;

	if ((k = tq_admin_keys(c, queue, err)) == NULL)
		return (-1);
	keys[0] = k->k[TQ_K_DEAD];
	keys[1] = k->k[TQ_K_BODY];
	keys[2] = k->k[TQ_K_META];
	keys[3] = k->k[TQ_K_IDS];
	snprintf(count, sizeof count, "%lld", max_count > 0 ? max_count : 0);
	snprintf(age, sizeof age, "%lld",
	    (long long)(max_age_ms > 0 ? max_age_ms : 0));
	snprintf(n, sizeof n, "%d", max > 0 ? max : 1);
	args[0] = count;
	args[1] = age;
	args[2] = n;
	reply = tq_admin_eval(c, TQ_SCRIPT_TRIM, keys, 4, args, 3, err);
	if (reply == NULL)
		return (-1);
	if (reply->type == REDIS_REPLY_INTEGER) {
		if (removed != NULL)
			*removed = (int)reply->integer;
	} else {
		tq_error_set(err, TQ_EPROTO, "trim: unexpected reply");
		rc = -1;
	}
	freeReplyObject(reply);
	return (rc);
}

/* One dead letter of a deadlist reply: id, failed_at, body, meta. */
static struct tq_task_info *
tq_dead_info(const char *queue, redisReply **e)
{
	struct tq_task_info	*info;

	info = tq_xcalloc(1, sizeof *info);
	if (e[2]->len == 0 || tq_task_info_fill(info, queue, e[2]->str,
	    e[3]->len > 0 ? e[3]->str : NULL) != 0) {
		/* No body, or not one of ours: show what we have. */
		if (info->body == NULL && e[2]->len > 0)
			info->body = tq_xstrdup(e[2]->str);
	}
	/*
	 * The id it is dead under, not the body's: they differ when
	 * another program wrote the body (an inline body without a valid
	 * id is dead as noid-SHA1), and requeue and purge want this one.
	 */
	free(info->id);
	info->id = tq_xstrdup(e[0]->str);
	if (info->queue == NULL)
		info->queue = tq_xstrdup(queue);
	info->state = TQ_STATE_DEAD;
	if (info->failed_at == 0)
		info->failed_at = e[1]->integer;
	return (info);
}

int
tq_dead_list(struct tq_client *c, const char *queue, long long offset,
    int limit, struct tq_task_info ***out, size_t *n, struct tq_error *err)
{
	struct tq_keys	*k;
	const char	*keys[3], *args[2];
	char		 off[24], lim[16];
	redisReply	*reply;
	size_t		 i, count;

	*out = NULL;
	*n = 0;
	if ((k = tq_admin_keys(c, queue, err)) == NULL)
		return (-1);
	if (offset < 0 || limit < 1) {
		tq_error_set(err, TQ_EINVAL, "dead list: bad offset or limit");
		return (-1);
	}
	keys[0] = k->k[TQ_K_DEAD];
	keys[1] = k->k[TQ_K_BODY];
	keys[2] = k->k[TQ_K_META];
	snprintf(off, sizeof off, "%lld", offset);
	snprintf(lim, sizeof lim, "%d", limit);
	args[0] = off;
	args[1] = lim;
	reply = tq_admin_eval(c, TQ_SCRIPT_DEADLIST, keys, 3, args, 2, err);
	if (reply == NULL)
		return (-1);
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 1 ||
	    (reply->elements - 1) % 4 != 0) {
		freeReplyObject(reply);
		tq_error_set(err, TQ_EPROTO, "dead list: unexpected reply");
		return (-1);
	}
	count = (reply->elements - 1) / 4;
	*out = tq_xreallocarray(NULL, count, sizeof **out);
	for (i = 0; i < count; i++)
		(*out)[i] = tq_dead_info(queue, reply->element + 1 + 4 * i);
	*n = count;
	freeReplyObject(reply);
	return (0);
}

/* Parse "SCORE SKIP" (or "": the start) into deadfind's first ARGV. */
static int
tq_dead_cursor(const char *cursor, char *score, size_t len, char *skip,
    size_t skiplen)
{
	const char	*sp;
	char		*end;
	long long	 n;

	if (cursor[0] == '\0') {
		snprintf(score, len, "+inf");
		snprintf(skip, skiplen, "0");
		return (0);
	}
	if ((sp = strchr(cursor, ' ')) == NULL || (size_t)(sp - cursor) >=
	    len || sp == cursor)
		return (-1);
	errno = 0;
	n = strtoll(sp + 1, &end, 10);
	if (errno != 0 || *end != '\0' || end == sp + 1 || n < 0)
		return (-1);
	memcpy(score, cursor, (size_t)(sp - cursor));
	score[sp - cursor] = '\0';
	strtod(score, &end);
	if (*end != '\0')
		return (-1);
	snprintf(skip, skiplen, "%lld", n);
	return (0);
}

int
tq_dead_find(struct tq_client *c, const char *queue, const char *text,
    char cursor[TQ_DEAD_CURSOR_MAX], int scan, struct tq_dead_found *found,
    struct tq_error *err)
{
	struct tq_keys	*k;
	const char	*keys[3], *args[5];
	char		 score[TQ_DEAD_CURSOR_MAX], skip[24], cnt[16];
	redisReply	*reply, **e;
	size_t		 i, count;

	memset(found, 0, sizeof *found);
	if ((k = tq_admin_keys(c, queue, err)) == NULL)
		return (-1);
	if (text == NULL || text[0] == '\0' || scan < 1 ||
	    scan > TQ_DEAD_SCAN_MAX) {
		tq_error_set(err, TQ_EINVAL, "dead find: %s", text == NULL ||
		    text[0] == '\0' ? "no text to look for" :
		    "scan out of range");
		return (-1);
	}
	if (tq_dead_cursor(cursor, score, sizeof score, skip,
	    sizeof skip) != 0) {
		tq_error_set(err, TQ_EINVAL, "dead find: bad cursor \"%s\"",
		    cursor);
		return (-1);
	}
	keys[0] = k->k[TQ_K_DEAD];
	keys[1] = k->k[TQ_K_BODY];
	keys[2] = k->k[TQ_K_META];
	snprintf(cnt, sizeof cnt, "%d", scan);
	args[0] = score;
	args[1] = skip;
	args[2] = cnt;
	args[3] = text;
	args[4] = strstr(queue, text) != NULL ? "1" : "0";
	reply = tq_admin_eval(c, TQ_SCRIPT_DEADFIND, keys, 3, args, 5, err);
	if (reply == NULL)
		return (-1);
	e = reply->element;
	if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 4 ||
	    (reply->elements - 4) % 4 != 0 ||
	    e[0]->type != REDIS_REPLY_STRING ||
	    e[1]->type != REDIS_REPLY_INTEGER ||
	    e[2]->type != REDIS_REPLY_INTEGER ||
	    e[3]->type != REDIS_REPLY_INTEGER ||
	    e[0]->len + 24 >= TQ_DEAD_CURSOR_MAX) {
		freeReplyObject(reply);
		tq_error_set(err, TQ_EPROTO, "dead find: unexpected reply");
		return (-1);
	}
	if (e[0]->len == 0)
		cursor[0] = '\0';
	else
		snprintf(cursor, TQ_DEAD_CURSOR_MAX, "%s %lld", e[0]->str,
		    e[1]->integer);
	found->scanned = e[2]->integer;
	found->total = e[3]->integer;
	count = (reply->elements - 4) / 4;
	found->rows = tq_xreallocarray(NULL, count, sizeof *found->rows);
	for (i = 0; i < count; i++)
		found->rows[i] = tq_dead_info(queue, e + 4 + 4 * i);
	found->n = count;
	freeReplyObject(reply);
	return (cursor[0] != '\0');
}

int
tq_pause(struct tq_client *c, const char *queue, struct tq_error *err)
{
	struct tq_keys	*k;
	const char	*keys[1];
	redisReply	*reply;

	if ((k = tq_admin_keys(c, queue, err)) == NULL)
		return (-1);
	keys[0] = k->k[TQ_K_PAUSED];
	if ((reply = tq_admin_eval(c, TQ_SCRIPT_PAUSE, keys, 1, NULL, 0,
	    err)) == NULL)
		return (-1);
	freeReplyObject(reply);
	return (0);
}

int
tq_resume(struct tq_client *c, const char *queue, struct tq_error *err)
{
	struct tq_keys	*k;
	const char	*keys[2], *args[1];
	char		 cap[16];
	redisReply	*reply;

	if ((k = tq_admin_keys(c, queue, err)) == NULL)
		return (-1);
	keys[0] = k->k[TQ_K_PAUSED];
	keys[1] = k->k[TQ_K_WAKE];
	snprintf(cap, sizeof cap, "%d", TQ_WAKE_MAX);
	args[0] = cap;
	if ((reply = tq_admin_eval(c, TQ_SCRIPT_RESUME, keys, 2, args, 1,
	    err)) == NULL)
		return (-1);
	freeReplyObject(reply);
	return (0);
}
