/*
 * producer.c -- an enqueue handle that many threads share.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A tq_client is one connection for one thread, and a program with many
 * threads that each enqueue a task now and then pays a round trip per
 * task: on a small machine, the kernel's work to wake Redis and then the
 * caller for every request, more than the script itself, bounds it to a
 * few tens of thousands of tasks a second whatever the number of
 * threads.  A tq_producer lets the threads share one connection and its
 * round trips, as databases share a log flush ("group commit"):
 *
 *   - a caller validates and encodes its task in its own thread, then
 *     queues it;
 *   - if no round trip is under way, it becomes the sender: it takes every
 *     queued task (its own among them), sends them in one pipeline of
 *     enqueue_many calls, and hands each caller its result;
 *   - otherwise it waits; tasks queued meanwhile go in the next round
 *     trip, sent by one of the callers that queued them.
 *
 * No thread of its own and no timer: a lone caller sends at once, so a
 * quiet producer adds no latency, and a busy one sends as many tasks a
 * round trip as callers arrived during the last one.  Each call returns
 * when its own task is stored or refused, with tq_enqueue's results, so
 * nothing is acknowledged before Redis has it.
 */

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

#define TQ_PRODUCER_MAX	1000	/* tasks per round trip */

/* A caller's task, on its stack while it waits. */
struct tq_request {
	struct tq_pending	 p;
	int			 done;		/* under mu */
	pthread_cond_t		 wake;		/* done, or its turn to send */
	struct tq_request	*next;
};

struct tq_producer {
	struct tq_client	*c;		/* used by the sender only */
	pthread_mutex_t		 mu;
	struct tq_request	*head;		/* queued, not sent */
	struct tq_request	*tail;
	int			 sending;	/* a round trip is under way */
	struct tq_pending	*buf;		/* the sender's, for one trip */
};

struct tq_producer *
tq_producer_new(const struct tq_config *cfg, struct tq_error *err)
{
	struct tq_producer	*p;

	p = tq_xcalloc(1, sizeof *p);
	if ((p->c = tq_client_new(cfg, err)) == NULL) {
		free(p);
		return (NULL);
	}
	p->buf = tq_xcalloc(TQ_PRODUCER_MAX, sizeof *p->buf);
	pthread_mutex_init(&p->mu, NULL);
	return (p);
}

void
tq_producer_free(struct tq_producer *p)
{
	if (p == NULL)
		return;
	pthread_mutex_destroy(&p->mu);
	tq_client_free(p->c);
	free(p->buf);
	free(p);
}

/*
 * Send what is queued, as the sender, with p->mu held (released during
 * the round trip).  The tasks are copied into one array for
 * tq_pending_send, which sets only their error and due time; those go
 * back to the callers, who own the strings.  Each caller is woken alone
 * (no herd on one condition), and the first one still queued is told
 * that it sends next.
 */
static void
tq_producer_send(struct tq_producer *p)
{
	struct tq_request	*batch, *r, *next, *last = NULL;
	struct tq_error		 err;
	size_t			 n = 0, i;

	batch = p->head;
	for (r = batch; r != NULL && n < TQ_PRODUCER_MAX; r = r->next) {
		p->buf[n++] = r->p;
		last = r;
	}
	p->head = last->next;
	if (p->head == NULL)
		p->tail = NULL;
	last->next = NULL;
	p->sending = 1;
	pthread_mutex_unlock(&p->mu);

	tq_error_clear(&err);
	if (tq_pending_send(p->c, p->buf, n, &err) == 0)
		tq_pending_hints(p->c, p->buf, n);

	pthread_mutex_lock(&p->mu);
	for (r = batch, i = 0; r != NULL; r = next, i++) {
		next = r->next;		/* r may be gone once woken */
		r->p.error = p->buf[i].error;
		r->p.due = p->buf[i].due;
		r->done = 1;
		pthread_cond_signal(&r->wake);
	}
	p->sending = 0;
	if (p->head != NULL)
		pthread_cond_signal(&p->head->wake);
}

int
tq_producer_enqueue(struct tq_producer *p, const char *type,
    const char *payload, const struct tq_enqueue_opts *opts, char **id_out,
    struct tq_error *err)
{
	struct tq_request	r;
	int			rc = -1;

	if (id_out != NULL)
		*id_out = NULL;
	/* The client is only read here: config, namespace. */
	if (tq_pending_init(p->c, &r.p, type, payload, opts, err) != 0)
		return (-1);
	r.done = 0;
	r.next = NULL;
	pthread_cond_init(&r.wake, NULL);

	pthread_mutex_lock(&p->mu);
	if (p->tail != NULL)
		p->tail->next = &r;
	else
		p->head = &r;
	p->tail = &r;
	while (!r.done) {
		if (!p->sending)
			tq_producer_send(p);
		else
			pthread_cond_wait(&r.wake, &p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	pthread_cond_destroy(&r.wake);

	if (r.p.error.code != TQ_OK) {
		if (err != NULL)
			*err = r.p.error;
	} else {
		rc = 0;
		if (id_out != NULL) {
			*id_out = r.p.id;
			r.p.id = NULL;
		}
	}
	tq_pending_done(&r.p);
	return (rc);
}
