/*
 * loop.c -- tqd's single-threaded event loop.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Each pass finds the nearest timer deadline, polls the signal pipe with
 * that as the timeout, acts on signal flags, then runs every timer that
 * is due and schedules its next run one interval after it finished (so a
 * slow pass never makes a timer fire back to back), or at once when the
 * job says it stopped with work left (a promotion backlog): it then runs
 * again right after the other due timers and a look at the signals.  Jobs marked
 * leader_only run only while this tqd holds the leader lease.  All the
 * time-keeping is explicit here, on the monotonic clock.
 */

#include <errno.h>
#include <poll.h>
#include <string.h>

#include "tqd.h"

/* Milliseconds until the nearest timer, for poll(2). */
int64_t
loop_timeout(const struct tqd *d, int64_t now)
{
	int64_t	next = -1;
	size_t	i;

	for (i = 0; i < d->ntimers; i++) {
		if (next == -1 || d->timers[i].next_ms < next)
			next = d->timers[i].next_ms;
	}
	if (next == -1)
		return (1000);
	return (next > now ? next - now : 0);
}

/* Run every timer now (after start-up, a reload or leadership). */
void
loop_reset_timers(struct tqd *d)
{
	size_t	i;

	for (i = 0; i < d->ntimers; i++)
		d->timers[i].next_ms = 0;
}

/* SIGHUP: read and validate the file whole; swap only if it is good. */
static void
loop_reload(struct tqd *d)
{
	struct tq_config	*cfg;
	struct tq_client	*c;
	struct tq_error		 err;
	char			 errbuf[512];

	tqd_log(TQD_LOG_INFO, "SIGHUP: reloading %s", d->cfg_path != NULL ?
	    d->cfg_path : "(no file)");
	if ((cfg = tqd_config_read(d, errbuf, sizeof errbuf)) == NULL) {
		tqd_log(TQD_LOG_ERROR, "reload rejected, keeping the running "
		    "configuration: %s", errbuf);
		return;
	}
	if ((c = tq_client_new_lazy(cfg, &err)) == NULL) {
		tqd_log(TQD_LOG_ERROR, "reload rejected, keeping the running "
		    "configuration: %s", err.msg);
		tq_config_free(cfg);
		return;
	}
	tq_client_free(d->c);
	tq_config_free(d->cfg);
	d->c = c;
	d->cfg = cfg;
	jobs_init(d);
	tqd_log(TQD_LOG_INFO, "configuration reloaded");
}

static void
loop_signals(struct tqd *d)
{
	if (signal_hup) {
		signal_hup = 0;
		loop_reload(d);
	}
	if (signal_usr1) {
		signal_usr1 = 0;
		tqd_log(TQD_LOG_INFO, "status: %s, epoch %lld, %zu queues, "
		    "%zu schedules, Redis %s", d->leader ? "leader" :
		    "standby", d->epoch, d->nqueues, d->nsched,
		    d->redis_down ? "down" : "up");
	}
}

static void
loop_timers(struct tqd *d)
{
	struct tqd_timer	*t;
	int64_t			 start;
	size_t			 i;

	for (i = 0; i < d->ntimers && !signal_term; i++) {
		t = &d->timers[i];
		start = tqd_now();
		if (start < t->next_ms)
			continue;
		d->again = 0;
		if (!t->leader_only || d->leader) {
			t->fn(d);
			t->last_seconds = (double)(tqd_now() - start) / 1000;
		}
		t->next_ms = tqd_now() + (d->again ? 0 : t->interval_ms);
	}
}

void
loop_run(struct tqd *d)
{
	struct pollfd	pfd;
	int64_t		timeout;

	pfd.fd = signal_fd();
	pfd.events = POLLIN;
	while (!signal_term) {
		timeout = loop_timeout(d, tqd_now());
		if (poll(&pfd, 1, timeout > 60000 ? 60000 : (int)timeout) > 0)
			signal_drain();
		if (signal_term)
			break;
		loop_signals(d);
		loop_timers(d);
	}
}
