/*
 * cluster.c -- Redis Cluster: hash slots, the slot map, redirections.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * hiredis 0.14 (Debian 12) knows nothing of Redis Cluster, so this file
 * routes by itself.  A struct tq_redis configured with cluster seeds
 * hands every call here; each command goes to the master that serves the
 * hash slot of its key (CRC16 of the key's {hash tag}), over a plain
 * node connection of redis.c, one per node and per tq_redis, so one per
 * node per thread.  tq's design makes this simple: every script names
 * its keys in KEYS and they share the queue's hash tag, and the few
 * cross-queue keys are each written by a command of its own, so a
 * command never spans slots.
 *
 *   - The slot map comes from CLUSTER SLOTS, asked of the seeds or of
 *     any node known, when first needed and again after a redirection
 *     or a broken node link (a failover moves slots to a promoted
 *     replica).
 *   - MOVED: the slot lives elsewhere now; the command is sent there and
 *     the map reloaded before the next one.  ASK: the slot is migrating;
 *     this one command goes to the target after ASKING.  A redirected
 *     command did not run, so sending it again is always safe.
 *   - Pipelines: each command is routed and appended to its node's
 *     connection, and the replies are handed back in the order of the
 *     commands, read from each node as needed (a node's replies come in
 *     its own order, and wait in their entries).  A redirected command
 *     is sent again on its new node once that node owes nothing more.
 *   - Blocking pops over keys of several slots (a worker's wake lists)
 *     cannot be one BLPOP: each key gets its own connection to its node
 *     and its own BLPOP, all waited for at once with poll(2); a BLPOP
 *     still pending when the wait ends stays armed for the next one.
 *   - Scripts are loaded on every node as it connects, so a pipeline
 *     never has to stop for a SCRIPT LOAD.
 *   - A command that names no key (INFO, CONFIG GET) goes to the master
 *     of slot 0; tq_cluster_each_master runs one on every master, for
 *     what must hold on each (tqd's durability checks).
 */

#include <assert.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define TQ_CLUSTER_SLOTS	16384
#define TQ_CLUSTER_REDIRECTS	5	/* per command, then an error */
#define TQ_CLUSTER_HOST_MAX	256

struct tq_cnode {
	char			*host;
	int			 port;
	struct tq_redis		*conn;
	unsigned		 seen;		/* its conn's generation */
	size_t			*line;		/* pipeline entries awaiting */
	size_t			 nline;		/* replies on conn, in order */
	size_t			 aline;
};

/* One command of a pipeline. */
struct tq_centry {
	char			*cmd;		/* formatted, to send again */
	size_t			 len;
	unsigned		 slot;
	int			 keyed;
	size_t			 node;
	redisReply		*reply;		/* read, not yet handed back */
	int			 failed;	/* the link broke: error */
	int			 redirects;
	struct tq_error		 error;
};

/* A blocking pop on one key, on a connection of its own. */
struct tq_cwaiter {
	char			*key;
	size_t			 node;
	struct tq_redis		*conn;
	int			 armed;		/* a BLPOP is under way */
};

struct tq_cluster {
	const struct tq_redis	*proto;		/* settings for node links */
	struct tq_url_seed	*seeds;
	size_t			 nseeds;
	char			*address;	/* for messages */

	struct tq_cnode		*nodes;
	size_t			 nnodes;
	uint16_t		 slots[TQ_CLUSTER_SLOTS]; /* node + 1; 0 */
	int			 mapped;	/* a map was loaded */
	int			 stale;		/* reload before the next use */
	unsigned		 generation;

	struct tq_centry	*entries;	/* the pipeline */
	size_t			 head;		/* next to hand back */
	size_t			 nentries;
	size_t			 aentries;

	struct tq_cwaiter	*waiters;
	size_t			 nwaiters;
};

/* ------------------------------------------------------------------ */
/* Slots (pure)                                                        */

/* CRC16-CCITT (XModem), as the Redis Cluster specification has it. */
static uint16_t
tq_crc16(const char *s, size_t len)
{
	uint16_t	crc = 0;
	size_t		i;
	int		b;

	for (i = 0; i < len; i++) {
		crc ^= (uint16_t)((unsigned char)s[i] << 8);
		for (b = 0; b < 8; b++)
			crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) :
			    (uint16_t)(crc << 1);
	}
	return (crc);
}

unsigned
tq_cluster_slot(const char *key, size_t len)
{
	const char	*open, *close;

	/* The first '{' and the first '}' after it, if something is in
	 * between: that alone is hashed. */
	if ((open = memchr(key, '{', len)) != NULL &&
	    (close = memchr(open + 1, '}', len - (size_t)(open + 1 - key))) !=
	    NULL && close > open + 1)
		return (tq_crc16(open + 1, (size_t)(close - open - 1)) &
		    (TQ_CLUSTER_SLOTS - 1));
	return (tq_crc16(key, len) & (TQ_CLUSTER_SLOTS - 1));
}

int
tq_cluster_redirect(const char *msg, unsigned *slot, char *host,
    size_t hostlen, int *port)
{
	const char	*p, *colon;
	char		*end;
	unsigned long	 s;
	long		 pt;
	int		 kind;
	size_t		 n;

	if (strncmp(msg, "MOVED ", 6) == 0)
		kind = 1;
	else if (strncmp(msg, "ASK ", 4) == 0)
		kind = 2;
	else
		return (0);
	p = msg + (kind == 1 ? 6 : 4);
	s = strtoul(p, &end, 10);
	if (end == p || *end != ' ' || s >= TQ_CLUSTER_SLOTS)
		return (0);
	p = end + 1;
	/* host:port, the host possibly an IPv6 address: the last ':'. */
	if ((colon = strrchr(p, ':')) == NULL)
		return (0);
	n = (size_t)(colon - p);
	if (n >= hostlen)
		return (0);
	pt = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || (*end != '\0' && *end != ' ') || pt < 1 ||
	    pt > 65535)
		return (0);
	memcpy(host, p, n);
	host[n] = '\0';
	/* Redis writes "[::1]:port" in some versions. */
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		memmove(host, host + 1, n - 2);
		host[n - 2] = '\0';
	}
	*slot = (unsigned)s;
	*port = (int)pt;
	return (kind);
}

/* ------------------------------------------------------------------ */
/* Nodes and the slot map                                              */

struct tq_cluster *
tq_cluster_new(const struct tq_redis *proto, const struct tq_url *url)
{
	struct tq_cluster	*cl;
	size_t			 i, len = 0;

	cl = tq_xcalloc(1, sizeof *cl);
	cl->proto = proto;
	cl->seeds = tq_xcalloc(url->nseeds, sizeof *cl->seeds);
	cl->nseeds = url->nseeds;
	for (i = 0; i < url->nseeds; i++) {
		cl->seeds[i].host = tq_xstrdup(url->seeds[i].host);
		cl->seeds[i].port = url->seeds[i].port;
		len += strlen(url->seeds[i].host) + 10;
	}
	cl->address = tq_xcalloc(1, len + 16);
	strcpy(cl->address, "cluster ");
	for (i = 0; i < cl->nseeds; i++)
		snprintf(cl->address + strlen(cl->address), len + 16 -
		    strlen(cl->address), "%s%s:%d", i > 0 ? "," : "",
		    cl->seeds[i].host, cl->seeds[i].port);
	return (cl);
}

static void
tq_cluster_waiter_done(struct tq_cwaiter *w)
{
	free(w->key);
	tq_redis_free(w->conn);
}

void
tq_cluster_free(struct tq_cluster *cl)
{
	size_t	i;

	if (cl == NULL)
		return;
	tq_cluster_discard(cl);
	for (i = 0; i < cl->nnodes; i++) {
		free(cl->nodes[i].host);
		tq_redis_free(cl->nodes[i].conn);
		free(cl->nodes[i].line);
	}
	for (i = 0; i < cl->nwaiters; i++)
		tq_cluster_waiter_done(&cl->waiters[i]);
	for (i = 0; i < cl->nseeds; i++)
		free(cl->seeds[i].host);
	free(cl->waiters);
	free(cl->nodes);
	free(cl->entries);
	free(cl->seeds);
	free(cl->address);
	free(cl);
}

const char *
tq_cluster_address(const struct tq_cluster *cl)
{
	return (cl->address);
}

unsigned
tq_cluster_generation(const struct tq_cluster *cl)
{
	return (cl->generation);
}

/* The node at host:port, made if new. */
static size_t
tq_cluster_node(struct tq_cluster *cl, const char *host, int port)
{
	struct tq_cnode	*n;
	size_t		 i;

	for (i = 0; i < cl->nnodes; i++) {
		if (cl->nodes[i].port == port &&
		    strcmp(cl->nodes[i].host, host) == 0)
			return (i);
	}
	cl->nodes = tq_xreallocarray(cl->nodes, cl->nnodes + 1,
	    sizeof *cl->nodes);
	n = &cl->nodes[cl->nnodes];
	memset(n, 0, sizeof *n);
	n->host = tq_xstrdup(host);
	n->port = port;
	n->conn = tq_redis_new_node(cl->proto, host, port, 1);
	return (cl->nnodes++);
}

/*
 * A node's connection, up: a reconnection (it restarted, or a replica
 * took over) counts as a new generation, as for a single server, and
 * the map may have changed with it.
 */
static int
tq_cluster_up(struct tq_cluster *cl, size_t i, struct tq_error *err)
{
	struct tq_cnode	*n = &cl->nodes[i];
	unsigned	 g;

	if (tq_redis_ensure(n->conn, err) != 0) {
		cl->stale = 1;
		return (-1);
	}
	g = tq_redis_generation(n->conn);
	if (g != n->seen) {
		if (n->seen != 0)
			cl->stale = 1;
		n->seen = g;
		cl->generation++;
	}
	return (0);
}

/* One CLUSTER SLOTS entry: {start, end, {host, port, ...}, replicas}. */
static int
tq_cluster_map_entry(struct tq_cluster *cl, const redisReply *e,
    const char *asked, uint16_t *slots)
{
	const redisReply	*m;
	const char		*host;
	long long		 a, b, s;
	size_t			 n;

	if (e->type != REDIS_REPLY_ARRAY || e->elements < 3 ||
	    e->element[0]->type != REDIS_REPLY_INTEGER ||
	    e->element[1]->type != REDIS_REPLY_INTEGER)
		return (-1);
	m = e->element[2];
	if (m->type != REDIS_REPLY_ARRAY || m->elements < 2 ||
	    m->element[0]->type != REDIS_REPLY_STRING ||
	    m->element[1]->type != REDIS_REPLY_INTEGER)
		return (-1);
	a = e->element[0]->integer;
	b = e->element[1]->integer;
	if (a < 0 || b >= TQ_CLUSTER_SLOTS || a > b ||
	    m->element[1]->integer < 1 || m->element[1]->integer > 65535)
		return (-1);
	/* An empty host is the node we asked. */
	host = m->element[0]->len > 0 ? m->element[0]->str : asked;
	n = tq_cluster_node(cl, host, (int)m->element[1]->integer);
	for (s = a; s <= b; s++)
		slots[s] = (uint16_t)(n + 1);
	return (0);
}

/* Ask node i for the slot map; 0 when it answered a whole one. */
static int
tq_cluster_map_from(struct tq_cluster *cl, size_t i, struct tq_error *err)
{
	const char	*argv[2] = { "CLUSTER", "SLOTS" };
	redisReply	*reply;
	uint16_t	*slots;
	char		 host[TQ_CLUSTER_HOST_MAX];
	size_t		 k;
	int		 rc = 0;

	if (tq_cluster_up(cl, i, err) != 0)
		return (-1);
	/* The node table may grow while the map is read: copy the host. */
	snprintf(host, sizeof host, "%s", cl->nodes[i].host);
	if ((reply = tq_redis_command(cl->nodes[i].conn, err, 2, argv,
	    NULL)) == NULL)
		return (-1);
	if (tq_redis_reply_error(cl->nodes[i].conn, reply, err) != 0 ||
	    reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
		if (reply->type != REDIS_REPLY_ERROR)
			tq_error_set(err, TQ_ECONN, "Redis at %s: no slot map "
			    "(is it a cluster node, with every slot "
			    "assigned?)", tq_redis_address(cl->nodes[i].conn));
		freeReplyObject(reply);
		return (-1);
	}
	slots = tq_xcalloc(TQ_CLUSTER_SLOTS, sizeof *slots);
	for (k = 0; k < reply->elements && rc == 0; k++)
		rc = tq_cluster_map_entry(cl, reply->element[k], host, slots);
	for (k = 0; rc == 0 && k < TQ_CLUSTER_SLOTS; k++) {
		if (slots[k] == 0) {
			tq_error_set(err, TQ_ECONN, "Redis Cluster at %s: slot "
			    "%zu is served by no node", cl->address, k);
			rc = -1;
		}
	}
	if (rc == 0) {
		memcpy(cl->slots, slots, sizeof cl->slots);
		cl->mapped = 1;
		cl->stale = 0;
		cl->generation++;
	} else if (err != NULL && err->code == TQ_OK)
		tq_error_set(err, TQ_EPROTO, "Redis at %s: bad CLUSTER SLOTS "
		    "reply", tq_redis_address(cl->nodes[i].conn));
	free(slots);
	freeReplyObject(reply);
	return (rc);
}

/* Load the map from a known node, else from a seed. */
static int
tq_cluster_map(struct tq_cluster *cl, struct tq_error *err)
{
	size_t	i, n;

	for (i = 0; i < cl->nnodes; i++) {
		if (tq_cluster_map_from(cl, i, err) == 0)
			return (0);
	}
	for (i = 0; i < cl->nseeds; i++) {
		n = tq_cluster_node(cl, cl->seeds[i].host, cl->seeds[i].port);
		if (tq_cluster_map_from(cl, n, err) == 0)
			return (0);
	}
	return (-1);
}

int
tq_cluster_ensure(struct tq_cluster *cl, struct tq_error *err)
{
	/* Mid-pipeline the map stays as it is: entries name their nodes. */
	if (cl->nentries > cl->head)
		return (0);
	if (cl->mapped && !cl->stale)
		return (0);
	if (tq_cluster_map(cl, err) == 0)
		return (0);
	/* An old map is better than none while the cluster settles. */
	return (cl->mapped ? 0 : -1);
}

/*
 * Where a command goes: the slot of its key (argv[1], or an EVALSHA's
 * first key), or, for the few commands without one (PING, INFO, TIME,
 * SCRIPT, CONFIG, CLUSTER), whatever node serves slot 0.
 */
static int
tq_cluster_route(int argc, const char **argv, const size_t *lens,
    unsigned *slot)
{
	static const char *const keyless[] = { "PING", "INFO", "TIME",
	    "SCRIPT", "CONFIG", "CLUSTER", "ASKING", "SLOWLOG", "DBSIZE" };
	size_t	i;
	int	k = 1;

	for (i = 0; i < TQ_NITEMS(keyless); i++) {
		if (strcasecmp(argv[0], keyless[i]) == 0) {
			*slot = 0;
			return (0);
		}
	}
	if (strncasecmp(argv[0], "EVAL", 4) == 0) {
		if (argc < 4 || atoi(argv[2]) < 1) {
			*slot = 0;
			return (0);
		}
		k = 3;
	}
	if (argc <= k) {
		*slot = 0;
		return (0);
	}
	*slot = tq_cluster_slot(argv[k], lens != NULL ? lens[k] :
	    strlen(argv[k]));
	return (1);
}

/* The node serving slot (the map is loaded). */
static size_t
tq_cluster_slot_node(const struct tq_cluster *cl, unsigned slot)
{
	return ((size_t)cl->slots[slot] - 1);
}

int
tq_cluster_each_master(struct tq_cluster *cl, tq_node_fn fn, void *arg,
    struct tq_error *err)
{
	unsigned char	*done;
	size_t		 s, n;
	int		 rc = 0;

	/* fn talks on the node connections, which a pipeline may hold. */
	assert(cl->nentries == cl->head);
	if (tq_cluster_ensure(cl, err) != 0)
		return (-1);
	/*
	 * The masters are the nodes the map names.  A replica never
	 * serves a slot in it, and a master that serves none holds no
	 * task, so it does not count.
	 */
	done = tq_xcalloc(cl->nnodes, 1);
	for (s = 0; s < TQ_CLUSTER_SLOTS && rc == 0; s++) {
		n = tq_cluster_slot_node(cl, (unsigned)s);
		if (done[n])
			continue;
		done[n] = 1;
		if (tq_cluster_up(cl, n, err) != 0 ||
		    fn(cl->nodes[n].conn, arg, err) != 0)
			rc = -1;
	}
	free(done);
	return (rc);
}

/*
 * If reply is a redirection, note it and give the node to go to: 1
 * (*node, *ask set; reply freed), else 0.
 */
static int
tq_cluster_redirected(struct tq_cluster *cl, redisReply *reply,
    size_t *node, int *ask)
{
	char		host[TQ_CLUSTER_HOST_MAX];
	unsigned	slot;
	int		port, kind;

	if (reply->type != REDIS_REPLY_ERROR)
		return (0);
	if ((kind = tq_cluster_redirect(reply->str, &slot, host, sizeof host,
	    &port)) == 0)
		return (0);
	freeReplyObject(reply);
	*node = tq_cluster_node(cl, host, port);
	*ask = kind == 2;
	if (kind == 1) {
		/* Moved for good: the map is old; this slot at once. */
		cl->slots[slot] = (uint16_t)(*node + 1);
		cl->stale = 1;
	}
	return (1);
}

/* ASKING on node n before one command (a slot being migrated there). */
static int
tq_cluster_asking(struct tq_cluster *cl, size_t n, struct tq_error *err)
{
	const char	*argv[1] = { "ASKING" };
	redisReply	*reply;

	if ((reply = tq_redis_command(cl->nodes[n].conn, err, 1, argv,
	    NULL)) == NULL)
		return (-1);
	freeReplyObject(reply);
	return (0);
}

/* Run one command (or script, with script >= 0) where it belongs. */
static redisReply *
tq_cluster_run(struct tq_cluster *cl, unsigned slot, int script, int argc,
    const char **argv, const size_t *lens, int nkeys, const char **keys,
    int nargs, const char **args, const size_t *arglens,
    struct tq_error *err)
{
	redisReply	*reply;
	size_t		 n;
	int		 ask = 0, tries;

	if (tq_cluster_ensure(cl, err) != 0)
		return (NULL);
	n = tq_cluster_slot_node(cl, slot);
	for (tries = 0; tries <= TQ_CLUSTER_REDIRECTS; tries++) {
		if (tq_cluster_up(cl, n, err) != 0)
			return (NULL);
		if (ask && tq_cluster_asking(cl, n, err) != 0)
			return (NULL);
		if (script >= 0)
			reply = tq_redis_eval(cl->nodes[n].conn, script, nkeys,
			    keys, nargs, args, arglens, err);
		else
			reply = tq_redis_command(cl->nodes[n].conn, err, argc,
			    argv, lens);
		if (reply == NULL) {
			/* A dead master: a replica may be taking over. */
			cl->stale = 1;
			return (NULL);
		}
		if (!tq_cluster_redirected(cl, reply, &n, &ask))
			return (reply);
	}
	tq_error_set(err, TQ_ECONN, "Redis Cluster at %s: more than %d "
	    "redirections for one command (slots moving?)", cl->address,
	    TQ_CLUSTER_REDIRECTS);
	return (NULL);
}

redisReply *
tq_cluster_command(struct tq_cluster *cl, struct tq_error *err, int argc,
    const char **argv, const size_t *lens)
{
	unsigned	slot;

	(void)tq_cluster_route(argc, argv, lens, &slot);
	return (tq_cluster_run(cl, slot, -1, argc, argv, lens, 0, NULL, 0,
	    NULL, NULL, err));
}

redisReply *
tq_cluster_eval(struct tq_cluster *cl, int script, int nkeys,
    const char **keys, int nargs, const char **args, const size_t *arglens,
    struct tq_error *err)
{
	unsigned	slot = 0;

	if (nkeys > 0)
		slot = tq_cluster_slot(keys[0], strlen(keys[0]));
	return (tq_cluster_run(cl, slot, script, 0, NULL, NULL, nkeys, keys,
	    nargs, args, arglens, err));
}

/* ------------------------------------------------------------------ */
/* Pipelines                                                           */

/* Queue entry i on node n's line, and write it to n's connection. */
static void
tq_cluster_line(struct tq_cluster *cl, size_t n, size_t i)
{
	struct tq_cnode		*node = &cl->nodes[n];
	struct tq_centry	*e = &cl->entries[i];
	struct tq_error		 err;

	e->node = n;
	tq_error_clear(&err);
	if (tq_cluster_up(cl, n, &err) != 0) {
		e->failed = 1;
		e->error = err;
		return;
	}
	if (node->nline == node->aline) {
		node->aline = node->aline != 0 ? node->aline * 2 : 16;
		node->line = tq_xreallocarray(node->line, node->aline,
		    sizeof *node->line);
	}
	node->line[node->nline++] = i;
	tq_redis_append_formatted(node->conn, e->cmd, e->len);
}

/*
 * A new entry for cmd (taken over), routed by slot; with cmd NULL, one
 * that failed before it was sent, with why.
 */
static void
tq_cluster_add(struct tq_cluster *cl, char *cmd, size_t len, unsigned slot,
    int keyed, const struct tq_error *why)
{
	struct tq_centry	*e;
	struct tq_error		 err;
	size_t			 i;

	if (cl->nentries == cl->aentries) {
		cl->aentries = cl->aentries != 0 ? cl->aentries * 2 : 64;
		cl->entries = tq_xreallocarray(cl->entries, cl->aentries,
		    sizeof *cl->entries);
	}
	i = cl->nentries++;
	e = &cl->entries[i];
	memset(e, 0, sizeof *e);
	e->cmd = cmd;
	e->len = len;
	e->slot = slot;
	e->keyed = keyed;
	if (cmd == NULL) {
		e->failed = 1;
		e->error = *why;
		return;
	}
	tq_error_clear(&err);
	if (!cl->mapped && tq_cluster_map(cl, &err) != 0) {
		e->failed = 1;
		e->error = err;
		return;
	}
	tq_cluster_line(cl, tq_cluster_slot_node(cl, slot), i);
}

void
tq_cluster_append(struct tq_cluster *cl, int argc, const char **argv,
    const size_t *lens)
{
	unsigned	 slot;
	size_t		 len;
	char		*cmd;
	int		 keyed;

	keyed = tq_cluster_route(argc, argv, lens, &slot);
	cmd = tq_redis_format(argc, argv, lens, &len);
	tq_cluster_add(cl, cmd, len, slot, keyed, NULL);
}

void
tq_cluster_append_eval(struct tq_cluster *cl, int script, int nkeys,
    const char **keys, int nargs, const char **args, const size_t *arglens)
{
	struct tq_error	 err;
	unsigned	 slot = 0;
	size_t		 len = 0, n;
	char		*cmd = NULL;

	if (nkeys > 0)
		slot = tq_cluster_slot(keys[0], strlen(keys[0]));
	/*
	 * EVALSHA by the node's SHA of the script, loaded as it connected:
	 * the same on every node, as the text is, so a redirected command
	 * is good anywhere.
	 */
	tq_error_clear(&err);
	if ((cl->mapped || tq_cluster_map(cl, &err) == 0) &&
	    tq_cluster_up(cl, (n = tq_cluster_slot_node(cl, slot)), &err) == 0)
		cmd = tq_redis_format_eval(cl->nodes[n].conn, script, nkeys,
		    keys, nargs, args, arglens, &len);
	tq_cluster_add(cl, cmd, len, slot, nkeys > 0, &err);
	if (cmd != NULL && tq_script_confirms(script))
		tq_redis_mark_write(cl->nodes[cl->entries[cl->nentries -
		    1].node].conn);
}

/* Read node n's next reply into the entry waiting at its line's head. */
static int
tq_cluster_read(struct tq_cluster *cl, size_t n)
{
	struct tq_cnode		*node = &cl->nodes[n];
	struct tq_centry	*e;
	struct tq_error		 err;
	redisReply		*reply;
	size_t			 i;

	tq_error_clear(&err);
	if ((reply = tq_redis_reply(node->conn, &err)) == NULL) {
		/* The link broke: what still waits on it has failed. */
		for (i = 0; i < node->nline; i++) {
			e = &cl->entries[node->line[i]];
			e->failed = 1;
			e->error = err;
		}
		node->nline = 0;
		cl->stale = 1;
		return (-1);
	}
	e = &cl->entries[node->line[0]];
	memmove(node->line, node->line + 1, --node->nline *
	    sizeof *node->line);
	e->reply = reply;
	return (0);
}

/*
 * Send entry i again on node n, as a redirection says: first read every
 * reply n still owes (they are parked in their entries), so that n's
 * connection is idle; then ASKING for ASK, and the command, at once.
 */
static void
tq_cluster_resend(struct tq_cluster *cl, size_t i, size_t n, int ask)
{
	struct tq_centry	*e;
	struct tq_error		 err;

	while (cl->nodes[n].nline > 0 && tq_cluster_read(cl, n) == 0)
		;
	e = &cl->entries[i];
	e->node = n;
	tq_error_clear(&err);
	if (tq_cluster_up(cl, n, &err) != 0 ||
	    (ask && tq_cluster_asking(cl, n, &err) != 0)) {
		e->failed = 1;
		e->error = err;
		return;
	}
	tq_redis_append_formatted(cl->nodes[n].conn, e->cmd, e->len);
	if ((e->reply = tq_redis_reply(cl->nodes[n].conn, &err)) == NULL) {
		e->failed = 1;
		e->error = err;
		cl->stale = 1;
	}
}

/* Forget the entries handed back, once all of them are. */
static void
tq_cluster_trim(struct tq_cluster *cl)
{
	if (cl->head < cl->nentries)
		return;
	cl->head = cl->nentries = 0;
}

redisReply *
tq_cluster_reply(struct tq_cluster *cl, struct tq_error *err)
{
	struct tq_centry	*e;
	redisReply		*reply;
	size_t			 i, n;
	int			 ask;

	if (cl->head >= cl->nentries) {
		tq_error_set(err, TQ_ECONN, "Redis Cluster at %s: no reply "
		    "pending", cl->address);
		return (NULL);
	}
	i = cl->head;
	for (;;) {
		e = &cl->entries[i];
		while (!e->failed && e->reply == NULL) {
			if (tq_cluster_read(cl, e->node) != 0)
				break;
			e = &cl->entries[i];
		}
		if (e->failed || !e->keyed ||
		    e->redirects >= TQ_CLUSTER_REDIRECTS ||
		    !tq_cluster_redirected(cl, e->reply, &n, &ask))
			break;
		/* It did not run: send it where it belongs now. */
		e->reply = NULL;
		e->redirects++;
		tq_cluster_resend(cl, i, n, ask);
	}
	reply = e->reply;
	e->reply = NULL;
	if (e->failed && err != NULL)
		*err = e->error;
	tq_redis_format_free(e->cmd);
	e->cmd = NULL;
	cl->head++;
	tq_cluster_trim(cl);
	return (e->failed ? NULL : reply);
}

void
tq_cluster_discard(struct tq_cluster *cl)
{
	redisReply	*reply;

	while (cl->head < cl->nentries) {
		if ((reply = tq_cluster_reply(cl, NULL)) != NULL)
			freeReplyObject(reply);
	}
}

int
tq_cluster_confirm(struct tq_cluster *cl, struct tq_error *err)
{
	size_t	i;
	int	rc = 0;

	/* Every node written to since the last confirmation. */
	for (i = 0; i < cl->nnodes; i++) {
		if (tq_redis_confirm(cl->nodes[i].conn, err) != 0)
			rc = -1;
	}
	return (rc);
}

/* ------------------------------------------------------------------ */
/* Blocking pops across slots                                          */

/* The waiter for key, made if new. */
static struct tq_cwaiter *
tq_cluster_waiter(struct tq_cluster *cl, const char *key)
{
	struct tq_cwaiter	*w;
	size_t			 i;

	for (i = 0; i < cl->nwaiters; i++) {
		if (strcmp(cl->waiters[i].key, key) == 0)
			return (&cl->waiters[i]);
	}
	cl->waiters = tq_xreallocarray(cl->waiters, cl->nwaiters + 1,
	    sizeof *cl->waiters);
	w = &cl->waiters[cl->nwaiters++];
	memset(w, 0, sizeof *w);
	w->key = tq_xstrdup(key);
	w->node = (size_t)-1;
	return (w);
}

/* Start w's BLPOP for up to ms, on a connection to its slot's node. */
static int
tq_cluster_arm(struct tq_cluster *cl, struct tq_cwaiter *w, int64_t ms,
    struct tq_error *err)
{
	const char	*argv[3];
	char		 timeout[32];
	size_t		 n, len;
	char		*cmd;

	n = tq_cluster_slot_node(cl, tq_cluster_slot(w->key, strlen(w->key)));
	if (w->conn != NULL && w->node != n) {
		tq_redis_free(w->conn);
		w->conn = NULL;
	}
	if (w->conn == NULL) {
		w->conn = tq_redis_new_node(cl->proto, cl->nodes[n].host,
		    cl->nodes[n].port, 0);
		w->node = n;
	}
	if (tq_redis_ensure(w->conn, err) != 0) {
		cl->stale = 1;
		return (-1);
	}
	/* Whole seconds or more: BLPOP rounds, and Redis's timer ticks. */
	snprintf(timeout, sizeof timeout, "%.3f", (double)ms / 1000);
	argv[0] = "BLPOP";
	argv[1] = w->key;
	argv[2] = timeout;
	cmd = tq_redis_format(3, argv, NULL, &len);
	tq_redis_append_formatted(w->conn, cmd, len);
	tq_redis_format_free(cmd);
	if (tq_redis_flush(w->conn, err) != 0)
		return (-1);
	w->armed = 1;
	return (0);
}

/*
 * Take w's reply if it came: 1 an element was popped, 0 the BLPOP ended
 * empty or is still waiting (w->armed tells), -1 the link broke.
 */
static int
tq_cluster_collect(struct tq_cluster *cl, struct tq_cwaiter *w,
    struct tq_error *err)
{
	redisReply	*reply;
	size_t		 n;
	int		 rc, ask;

	if ((rc = tq_redis_try_reply(w->conn, &reply, err)) <= 0) {
		if (rc < 0) {
			w->armed = 0;
			cl->stale = 1;
		}
		return (rc);
	}
	w->armed = 0;
	if (tq_cluster_redirected(cl, reply, &n, &ask))
		return (0);	/* armed again, on its new node */
	rc = tq_redis_reply_error(w->conn, reply, err);
	if (rc == 0)
		rc = reply->type == REDIS_REPLY_ARRAY;
	freeReplyObject(reply);
	return (rc);
}

int
tq_cluster_blpop(struct tq_cluster *cl, const char *const *keys,
    size_t nkeys, int64_t timeout_ms, struct tq_error *err)
{
	struct tq_cwaiter	**ws;
	struct pollfd		 *pfd;
	int64_t			  end = tq_monotonic_ms() + timeout_ms, left;
	size_t			  i, np;
	int			  rc = 0, k;

	if (tq_cluster_ensure(cl, err) != 0)
		return (-1);
	ws = tq_xcalloc(nkeys, sizeof *ws);
	pfd = tq_xcalloc(nkeys, sizeof *pfd);
	/* All made first: making one may move the others. */
	for (i = 0; i < nkeys; i++)
		(void)tq_cluster_waiter(cl, keys[i]);
	for (i = 0; i < nkeys; i++)
		ws[i] = tq_cluster_waiter(cl, keys[i]);
	while (rc == 0 && (left = end - tq_monotonic_ms()) > 0) {
		for (i = np = 0; i < nkeys; i++) {
			if (!ws[i]->armed && tq_cluster_arm(cl, ws[i], left,
			    err) != 0) {
				rc = -1;
				break;
			}
			pfd[np].fd = tq_redis_fd(ws[i]->conn);
			pfd[np].events = POLLIN;
			pfd[np++].revents = 0;
		}
		if (rc != 0)
			break;
		if ((k = poll(pfd, (nfds_t)np, (int)left)) <= 0)
			continue;	/* the time is up, or EINTR */
		for (i = 0; i < nkeys && rc == 0; i++) {
			if (pfd[i].revents != 0)
				rc = tq_cluster_collect(cl, ws[i], err);
		}
		if (rc == 0 && !cl->stale)
			continue;
		if (rc == 0 && tq_cluster_ensure(cl, err) != 0)
			rc = -1;
	}
	free(pfd);
	free(ws);
	return (rc);
}
