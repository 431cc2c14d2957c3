/*
 * fsck.c -- checking (and repairing) the invariants of a queue.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * docs/PROTOCOL.md promises that every task id is in exactly one state
 * (a ready list, sched, active, retry or dead), that each of those ids
 * has a body, that no body is left without a state, and that an id is in
 * active exactly when it holds a lease.  tq's scripts keep that true;
 * tq_fsck finds where something else broke it, on a live queue, without
 * ever making one long Redis call:
 *
 *   1. walk the ready lists from the tail in windows (fsck_ready), noting
 *      each id's hash and the ids seen twice, without a body or also in a
 *      sorted set (for an inline body, a new task that waits in the list
 *      itself: whose id also has a body in t or is in a sorted set);
 *   2. scan sched, active, retry and dead, then lease and m, with their
 *      cursors (fsck_scan), noting ids that break a rule at that instant;
 *   3. scan the bodies (fsck_scan): a body in no sorted set whose id the
 *      walk did not see is an orphan candidate;
 *   4. walk the ready lists again, from the head, for the candidates: a
 *      walk from the head misses no id that stays in the list meanwhile;
 *   5. hand every id noted to fsck_fix, which looks at each again at one
 *      instant and alone decides (and, with repair, fixes).
 *
 * Tasks move while this runs, so steps 1-4 only gather suspects; step 5
 * sees the truth, and a task that was merely moving is found healthy
 * there.  Memory: about 32 bytes per ready id (its hash in a table kept
 * at most half full), plus the suspects.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define FSCK_BATCH_DEFAULT	500
#define FSCK_BATCH_MAX		10000
#define FSCK_LIST_MAX_DEFAULT	100000
#define FSCK_UNCHECKED		64	/* fsck_fix: not checked */

static const char *const fsck_kind_names[TQ_FSCK_NKINDS] = {
	[TQ_FSCK_DUPLICATE] = "duplicate",
	[TQ_FSCK_NO_BODY] = "no-body",
	[TQ_FSCK_ORPHAN_BODY] = "orphan-body",
	[TQ_FSCK_NO_LEASE] = "no-lease",
	[TQ_FSCK_STRAY_LEASE] = "stray-lease",
	[TQ_FSCK_ORPHAN_META] = "orphan-meta",
};

/* An open-addressing table of id hashes; h 0 marks a free slot. */
struct fsck_slot {
	uint64_t	 h;
	size_t		 v;	/* suspects: index + 1 */
};
struct fsck_table {
	struct fsck_slot *s;
	size_t		 cap;	/* a power of two */
	size_t		 n;
};

/* An id worth a second look, and how to look at it. */
struct fsck_suspect {
	char		*id;
	char		 how;	/* 'x' all checks, 'o' orphan?, 'i' inline */
	char		*inl;	/* 'i': the inline body that has the id */
	int		 cleared;	/* seen in a ready list after all */
};

struct fsck_run {
	struct tq_client	*c;
	const char		*queue;
	struct tq_keys		*k;
	const struct tq_fsck_opts *o;
	struct tq_fsck_result	*res;
	struct fsck_table	 ready;	/* hashes of ready ids */
	struct fsck_table	 index;		/* suspects by hash */
	struct fsck_suspect	*sus;
	size_t			 nsus;
	size_t			 candidates;	/* 'o' left */
	char			 batch[16];
};

const char *
tq_fsck_kind_name(enum tq_fsck_kind kind)
{
	if ((int)kind < 0 || kind >= TQ_FSCK_NKINDS)
		return ("unknown");
	return (fsck_kind_names[kind]);
}

void
tq_fsck_opts_init(struct tq_fsck_opts *opts)
{
	memset(opts, 0, sizeof *opts);
	opts->batch = FSCK_BATCH_DEFAULT;
	opts->list_max = FSCK_LIST_MAX_DEFAULT;
}

/* FNV-1a, then a finaliser so that linear probing sees spread bits. */
static uint64_t
fsck_hash(const char *s, size_t len)
{
	uint64_t	h = 14695981039346656037ull;
	size_t		i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return (h != 0 ? h : 1);
}

static void fsck_table_put(struct fsck_table *t, uint64_t h, size_t v);

/* Double the table (kept at most half full, so probes stay short). */
static void
fsck_table_grow(struct fsck_table *t)
{
	struct fsck_table	nt;
	size_t			i;

	nt.cap = t->cap != 0 ? t->cap * 2 : 1024;
	nt.n = 0;
	nt.s = tq_xcalloc(nt.cap, sizeof *nt.s);
	for (i = 0; i < t->cap; i++) {
		if (t->s[i].h != 0)
			fsck_table_put(&nt, t->s[i].h, t->s[i].v);
	}
	free(t->s);
	*t = nt;
}

/* Add h (even if present: the caller looked first). */
static void
fsck_table_put(struct fsck_table *t, uint64_t h, size_t v)
{
	size_t	i;

	if (2 * (t->n + 1) > t->cap)
		fsck_table_grow(t);
	for (i = h & (t->cap - 1); t->s[i].h != 0; i = (i + 1) & (t->cap - 1))
		;
	t->s[i].h = h;
	t->s[i].v = v;
	t->n++;
}

/*
 * Whether h is in the ready table.  Two ids with one 64-bit hash count as
 * one: at worst a duplicate suspect is looked at for nothing, or an
 * orphan goes unnoticed until the next run; never a wrong repair.
 */
static int
fsck_table_has(const struct fsck_table *t, uint64_t h)
{
	size_t	i;

	if (t->cap == 0)
		return (0);
	for (i = h & (t->cap - 1); t->s[i].h != 0; i = (i + 1) & (t->cap - 1)) {
		if (t->s[i].h == h)
			return (1);
	}
	return (0);
}

/* The suspect called id (len bytes), or NULL. */
static struct fsck_suspect *
fsck_suspect_find(struct fsck_run *r, const char *id, size_t len,
    uint64_t h)
{
	struct fsck_table	*t = &r->index;
	struct fsck_suspect	*s;
	size_t			 i;

	if (t->cap == 0)
		return (NULL);
	for (i = h & (t->cap - 1); t->s[i].h != 0; i = (i + 1) & (t->cap - 1)) {
		if (t->s[i].h != h)
			continue;
		s = &r->sus[t->s[i].v - 1];
		if (strlen(s->id) == len && memcmp(s->id, id, len) == 0)
			return (s);
	}
	return (NULL);
}

/*
 * Note id for fsck_fix; an orphan candidate may become a full suspect,
 * and any suspect an inline one (inl, inllen: the body in a ready list).
 */
static void
fsck_suspect(struct fsck_run *r, const char *id, size_t len, char how,
    const char *inl, size_t inllen)
{
	struct fsck_suspect	*s;
	uint64_t		 h = fsck_hash(id, len);

	if ((s = fsck_suspect_find(r, id, len, h)) != NULL) {
		if (how != 'o' && s->how == 'o') {
			if (!s->cleared)
				r->candidates--;
			s->cleared = 0;
		}
		if (how == 'i' && s->inl == NULL) {
			s->how = 'i';
			s->inl = tq_xstrndup(inl, inllen);
		} else if (how == 'x' && s->how == 'o')
			s->how = 'x';
		return;
	}
	if ((r->nsus & (r->nsus - 1)) == 0)	/* 0, 1, 2, 4, ...: grow */
		r->sus = tq_xreallocarray(r->sus, r->nsus != 0 ?
		    r->nsus * 2 : 64, sizeof *r->sus);
	s = &r->sus[r->nsus++];
	s->id = tq_xstrndup(id, len);
	s->how = how;
	s->inl = how == 'i' ? tq_xstrndup(inl, inllen) : NULL;
	s->cleared = 0;
	if (how == 'o')
		r->candidates++;
	fsck_table_put(&r->index, h, r->nsus);
}

/* Whether reply is an array of n or more elements. */
static int
fsck_array(const redisReply *reply, size_t n, const char *what,
    struct tq_error *err)
{
	if (reply->type == REDIS_REPLY_ARRAY && reply->elements >= n)
		return (0);
	tq_error_set(err, TQ_EPROTO, "fsck: %s: unexpected reply", what);
	return (-1);
}

/* Where id is in a window's ids (it is there). */
static size_t
fsck_window_find(const redisReply *ids, const char *id, size_t len)
{
	size_t	i;

	for (i = 0; i < ids->elements; i++) {
		if (ids->element[i]->len == len &&
		    memcmp(ids->element[i]->str, id, len) == 0)
			return (i);
	}
	return (0);
}

/* Note the i-th id of a window, with its inline body if it has one. */
static void
fsck_ready_suspect(struct fsck_run *r, const redisReply *ids,
    const redisReply *bodies, size_t i)
{
	const redisReply	*id = ids->element[i], *b = bodies->element[i];

	if (b->len > 0)
		fsck_suspect(r, id->str, id->len, 'i', b->str, b->len);
	else
		fsck_suspect(r, id->str, id->len, 'x', NULL, 0);
}

/* Step 1: one ready list, from the tail, a window at a time. */
static int
fsck_walk_ready(struct fsck_run *r, int prio, struct tq_error *err)
{
	const char	*keys[6], *args[2];
	char		 off[24];
	redisReply	*reply, *ids, *bad, *bodies, *e;
	long long	 pos = 0, len, n;
	size_t		 i;
	uint64_t	 h;

	keys[0] = r->k->k[TQ_K_READY0 + prio];
	keys[1] = r->k->k[TQ_K_BODY];
	keys[2] = r->k->k[TQ_K_SCHED];
	keys[3] = r->k->k[TQ_K_ACTIVE];
	keys[4] = r->k->k[TQ_K_RETRY];
	keys[5] = r->k->k[TQ_K_DEAD];
	args[0] = off;
	args[1] = r->batch;
	do {
		snprintf(off, sizeof off, "%lld", pos);
		reply = tq_client_eval(r->c, TQ_SCRIPT_FSCK_READY, keys, 6,
		    args, 2, err);
		if (reply == NULL)
			return (-1);
		if (fsck_array(reply, 5, "fsck_ready", err) != 0 ||
		    fsck_array(reply->element[2], 0, "fsck_ready", err) != 0 ||
		    fsck_array(reply->element[3], 0, "fsck_ready", err) != 0 ||
		    fsck_array(reply->element[4], reply->element[2]->elements,
		    "fsck_ready", err) != 0) {
			freeReplyObject(reply);
			return (-1);
		}
		len = reply->element[0]->integer;
		n = reply->element[1]->integer;
		ids = reply->element[2];
		bad = reply->element[3];
		bodies = reply->element[4];
		for (i = 0; i < ids->elements; i++) {
			h = fsck_hash(ids->element[i]->str,
			    ids->element[i]->len);
			/* Seen before: twice in ready, or a window moved. */
			if (fsck_table_has(&r->ready, h))
				fsck_ready_suspect(r, ids, bodies, i);
			else
				fsck_table_put(&r->ready, h, 0);
		}
		for (i = 0; i < bad->elements; i++) {
			e = bad->element[i];
			fsck_ready_suspect(r, ids, bodies, fsck_window_find(ids,
			    e->str, e->len));
		}
		r->res->entries += n;
		pos += n;
		freeReplyObject(reply);
	} while (n > 0 && pos < len);
	return (0);
}

/*
 * Steps 2 and 3: a cursor scan of one key (what: sched, active, retry,
 * dead, lease, m or t).
 */
static int
fsck_scan(struct fsck_run *r, const char *what, int key, struct tq_error *err)
{
	const char	*keys[7], *args[3];
	char		 cursor[32], count[16];
	redisReply	*reply, *e;
	size_t		 i;
	int		 body = strcmp(what, "t") == 0;
	int		 state;
	uint64_t	 h;

	/* Ids of the sorted sets count as entries; lease and m do not. */
	state = !body && key != TQ_K_LEASE && key != TQ_K_META;
	keys[0] = r->k->k[key];
	keys[1] = r->k->k[TQ_K_BODY];
	keys[2] = r->k->k[TQ_K_SCHED];
	keys[3] = r->k->k[TQ_K_ACTIVE];
	keys[4] = r->k->k[TQ_K_RETRY];
	keys[5] = r->k->k[TQ_K_DEAD];
	keys[6] = r->k->k[TQ_K_LEASE];
	/* HSCAN of t carries the bodies through Lua: take fewer. */
	snprintf(count, sizeof count, "%d", body ? (r->o->batch + 4) / 5 :
	    r->o->batch);
	snprintf(cursor, sizeof cursor, "0");
	args[0] = what;
	args[1] = cursor;
	args[2] = count;
	do {
		reply = tq_client_eval(r->c, TQ_SCRIPT_FSCK_SCAN, keys, 7,
		    args, 3, err);
		if (reply == NULL)
			return (-1);
		if (fsck_array(reply, 2, "fsck_scan", err) != 0 ||
		    reply->element[0]->type != REDIS_REPLY_STRING) {
			tq_error_set(err, TQ_EPROTO, "fsck_scan: bad reply");
			freeReplyObject(reply);
			return (-1);
		}
		snprintf(cursor, sizeof cursor, "%s", reply->element[0]->str);
		if (body)
			r->res->bodies += reply->element[1]->integer;
		else if (state)
			r->res->entries += reply->element[1]->integer;
		for (i = 2; i < reply->elements; i++) {
			e = reply->element[i];
			if (e->type != REDIS_REPLY_STRING)
				continue;
			h = fsck_hash(e->str, e->len);
			/* A body in no set, whose id the walk saw, is ready. */
			if (body && fsck_table_has(&r->ready, h))
				continue;
			fsck_suspect(r, e->str, e->len, body ? 'o' : 'x', NULL,
			    0);
		}
		freeReplyObject(reply);
	} while (strcmp(cursor, "0") != 0);
	return (0);
}

/* Step 4: clear the orphan candidates that are in a ready list. */
static int
fsck_walk_candidates(struct fsck_run *r, int prio, struct tq_error *err)
{
	const char		*argv[4];
	char			 from[24], to[24];
	redisReply		*reply, *e;
	struct fsck_suspect	*s;
	long long		 pos = 0;
	size_t			 i, n;

	argv[0] = "LRANGE";
	argv[1] = r->k->k[TQ_K_READY0 + prio];
	argv[2] = from;
	argv[3] = to;
	do {
		snprintf(from, sizeof from, "%lld", pos);
		snprintf(to, sizeof to, "%lld", pos + r->o->batch - 1);
		reply = tq_redis_command(tq_client_redis(r->c), err, 4, argv,
		    NULL);
		if (reply == NULL)
			return (-1);
		if (tq_redis_reply_error(tq_client_redis(r->c), reply,
		    err) != 0 || fsck_array(reply, 0, "LRANGE", err) != 0) {
			freeReplyObject(reply);
			return (-1);
		}
		n = reply->elements;
		for (i = 0; i < n; i++) {
			e = reply->element[i];
			s = fsck_suspect_find(r, e->str, e->len,
			    fsck_hash(e->str, e->len));
			if (s != NULL && s->how == 'o' && !s->cleared) {
				s->cleared = 1;
				r->candidates--;
			}
		}
		pos += (long long)n;
		freeReplyObject(reply);
	} while (n == (size_t)r->o->batch && r->candidates > 0);
	return (0);
}

/* Count one fsck_fix answer and pass it to the report callback. */
static void
fsck_count(struct fsck_run *r, const redisReply *const *e)
{
	struct tq_fsck_finding	f;
	int			k;

	f.queue = r->queue;
	f.id = e[0]->str;
	f.found = (int)e[1]->integer;
	f.repaired = (int)e[2]->integer;
	f.where = e[3]->str;
	f.action = e[4]->str;
	if (f.found & FSCK_UNCHECKED) {
		r->res->unchecked++;
		return;
	}
	for (k = 0; k < TQ_FSCK_NKINDS; k++) {
		if (f.found & (1 << k))
			r->res->found[k]++;
		if (f.repaired & (1 << k))
			r->res->repaired[k]++;
	}
	if (r->o->report != NULL)
		r->o->report(&f, r->o->arg);
}

/* Whether e[0..5) is an fsck_fix answer: id, found, fixed, where, action. */
static int
fsck_answer_ok(const redisReply *const *e)
{
	return (e[0]->type == REDIS_REPLY_STRING &&
	    e[1]->type == REDIS_REPLY_INTEGER &&
	    e[2]->type == REDIS_REPLY_INTEGER &&
	    e[3]->type == REDIS_REPLY_STRING &&
	    e[4]->type == REDIS_REPLY_STRING);
}

/* Step 5: every suspect not cleared, through fsck_fix. */
static int
fsck_verify(struct fsck_run *r, struct tq_error *err)
{
	const char	*keys[18], **args;
	char		 maxs[24], cap[16];
	size_t		 i, j, nargs, done, max = (size_t)r->o->batch;
	redisReply	*reply;
	int		 rc = -1;

	keys[0] = r->k->k[TQ_K_BODY];
	keys[1] = r->k->k[TQ_K_META];
	keys[2] = r->k->k[TQ_K_SCHED];
	keys[3] = r->k->k[TQ_K_ACTIVE];
	keys[4] = r->k->k[TQ_K_LEASE];
	keys[5] = r->k->k[TQ_K_RETRY];
	keys[6] = r->k->k[TQ_K_DEAD];
	keys[7] = r->k->k[TQ_K_WAKE];
	for (i = 0; i <= TQ_PRIORITY_MAX; i++)
		keys[8 + i] = r->k->k[TQ_K_READY9 - i];
	snprintf(maxs, sizeof maxs, "%lld", r->o->list_max);
	snprintf(cap, sizeof cap, "%d", TQ_WAKE_MAX);
	args = tq_xreallocarray(NULL, 4 + 3 * max, sizeof *args);
	args[0] = r->o->repair ? "1" : "0";
	args[1] = maxs;
	args[2] = maxs;		/* the budget: one list's worth a call */
	args[3] = cap;
	i = 0;
	while (i < r->nsus) {
		/* The next slice of suspects that still need a look. */
		nargs = 4;
		for (j = i; j < r->nsus && nargs < 4 + 2 * max; j++) {
			if (r->sus[j].cleared)
				continue;
			args[nargs++] = r->sus[j].id;
			if (r->sus[j].how == 'i') {
				args[nargs++] = "i";
				args[nargs++] = r->sus[j].inl;
			} else
				args[nargs++] = r->sus[j].how == 'o' ? "o" :
				    "x";
		}
		if (nargs == 4)
			break;
		reply = tq_client_eval(r->c, TQ_SCRIPT_FSCK_FIX, keys, 18,
		    args, (int)nargs, err);
		if (reply == NULL)
			goto out;
		if (fsck_array(reply, 1, "fsck_fix", err) != 0 ||
		    reply->element[0]->type != REDIS_REPLY_INTEGER ||
		    (reply->elements - 1) % 5 != 0 ||
		    reply->element[0]->integer < 1) {
			tq_error_set(err, TQ_EPROTO, "fsck_fix: bad reply");
			freeReplyObject(reply);
			goto out;
		}
		for (j = 1; j < reply->elements; j += 5) {
			if (!fsck_answer_ok((const redisReply *const *)
			    reply->element + j))
				continue;
			fsck_count(r, (const redisReply *const *)
			    reply->element + j);
		}
		/* Skip the suspects the script got through. */
		done = (size_t)reply->element[0]->integer;
		freeReplyObject(reply);
		for (; i < r->nsus && done > 0; i++) {
			if (!r->sus[i].cleared)
				done--;
		}
	}
	rc = 0;
out:
	free(args);
	return (rc);
}

/* Steps 1 to 5 (see the top of this file). */
static int
fsck_queue(struct fsck_run *r, struct tq_error *err)
{
	static const struct {
		const char	*what;
		int		 key;
	} scans[] = {
		{ "sched", TQ_K_SCHED },
		{ "active", TQ_K_ACTIVE },
		{ "retry", TQ_K_RETRY },
		{ "dead", TQ_K_DEAD },
		{ "lease", TQ_K_LEASE },
		{ "m", TQ_K_META },
		{ "t", TQ_K_BODY },
	};
	size_t	i;
	int	p;

	for (p = TQ_PRIORITY_MAX; p >= TQ_PRIORITY_MIN; p--) {
		if (fsck_walk_ready(r, p, err) != 0)
			return (-1);
	}
	for (i = 0; i < TQ_NITEMS(scans); i++) {
		if (fsck_scan(r, scans[i].what, scans[i].key, err) != 0)
			return (-1);
	}
	for (p = TQ_PRIORITY_MAX; p >= TQ_PRIORITY_MIN &&
	    r->candidates > 0; p--) {
		if (fsck_walk_candidates(r, p, err) != 0)
			return (-1);
	}
	return (fsck_verify(r, err));
}

int
tq_fsck(struct tq_client *c, const char *queue,
    const struct tq_fsck_opts *opts, struct tq_fsck_result *out,
    struct tq_error *err)
{
	struct tq_fsck_opts	o;
	struct fsck_run		r;
	size_t			i;
	int			rc;

	memset(out, 0, sizeof *out);
	if (tq_check_name("queue name", queue, err) != 0)
		return (-1);
	if (opts != NULL)
		o = *opts;
	else
		tq_fsck_opts_init(&o);
	if (o.batch <= 0 || o.batch > FSCK_BATCH_MAX || o.list_max <= 0) {
		tq_error_set(err, TQ_EINVAL, "fsck: batch must be 1 to %d and "
		    "list_max positive", FSCK_BATCH_MAX);
		return (-1);
	}
	memset(&r, 0, sizeof r);
	r.c = c;
	r.queue = queue;
	r.k = tq_client_keys(c, queue);
	r.o = &o;
	r.res = out;
	snprintf(r.batch, sizeof r.batch, "%d", o.batch);
	rc = fsck_queue(&r, err);
	for (i = 0; i < r.nsus; i++) {
		free(r.sus[i].id);
		free(r.sus[i].inl);
	}
	free(r.sus);
	free(r.ready.s);
	free(r.index.s);
	return (rc);
}
