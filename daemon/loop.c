/*
 * loop.c -- tqd's single-threaded event loop.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Each pass finds the nearest timer deadline, polls the signal pipe (and
 * the leader's subscription to due-time announcements) with that as the
 * timeout, acts on signal flags, then runs every timer that is due and
 * schedules its next run one interval after it finished (so a slow pass
 * never makes a timer fire back to back), sooner when the job asks (the
 * promote job sleeps until the earliest due time), or at once when the
 * job says it stopped with work left (a promotion backlog): it then runs
 * again right after the other due timers and a look at the signals.  An
 * announcement wakes the promote job at once.  Jobs marked leader_only
 * run only while this tqd holds the leader lease, by its own clock (the
 * fence, jobs_leading).  All the time-keeping is explicit here, on the
 * monotonic clock.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tqd.h"

#define LOOP_CHANGED_MAX	768	/* of the list of changed keys logged */

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

/* Run the job fn now. */
void
loop_wake(struct tqd *d, tqd_job_fn fn)
{
	size_t	i;

	for (i = 0; i < d->ntimers; i++) {
		if (d->timers[i].fn == fn)
			d->timers[i].next_ms = 0;
	}
}

static int
loop_cmp(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/*
 * The "section.key = value" lines of a configuration's dump, sorted:
 * *n of them in a new array of new strings.
 */
static char **
loop_settings(const struct tq_config *cfg, size_t *n)
{
	char	*dump, *line, *next, *eq, section[TQ_NAME_MAX + 16] = "";
	char	**v = NULL, *p;
	size_t	 len;

	*n = 0;
	dump = tq_config_dump(cfg);
	for (line = dump; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line[0] == '[') {
			len = strcspn(line + 1, "]");
			snprintf(section, sizeof section, "%.*s", (int)len,
			    line + 1);
			/* "queue email" reads "queue.email", as in errors. */
			if ((p = strchr(section, ' ')) != NULL)
				*p = '.';
			continue;
		}
		/* A secret shows as "# password = (set, not shown)". */
		if (strncmp(line, "# ", 2) == 0 && strstr(line,
		    " not shown)") != NULL)
			line += 2;
		if (line[0] == '#' || (eq = strstr(line, " =")) == NULL ||
		    section[0] == '\0')
			continue;
		v = tq_xreallocarray(v, *n + 1, sizeof *v);
		v[(*n)++] = tq_xasprintf("%s.%.*s%s", section,
		    (int)(eq - line), line, eq);
	}
	free(dump);
	if (*n > 1)
		qsort(v, *n, sizeof *v, loop_cmp);
	return (v);
}

/*
 * The keys whose values differ between two configurations, as
 * "tqd.tick, schedule.nightly.cron" into buf ("" when none).  A new
 * password is not named: dumps never show one.
 */
static void
loop_changed(const struct tq_config *a, const struct tq_config *b,
    char *buf, size_t len)
{
	char		**va, **vb;
	const char	 *k, *last = "";
	size_t		  na, nb, i = 0, j = 0, at = 0, klen, llen = 0;
	int		  cmp;

	va = loop_settings(a, &na);
	vb = loop_settings(b, &nb);
	buf[0] = '\0';
	while (i < na || j < nb) {
		cmp = i == na ? 1 : j == nb ? -1 : strcmp(va[i], vb[j]);
		if (cmp == 0) {
			i++;
			j++;
			continue;
		}
		k = cmp < 0 ? va[i++] : vb[j++];
		klen = strcspn(k, " ");
		/* Its old and new lines both differ: name the key once. */
		if (klen == llen && strncmp(k, last, klen) == 0)
			continue;
		last = k;
		llen = klen;
		if (at + klen + 8 >= len) {
			snprintf(buf + at, len - at, "%s...", at > 0 ? ", " :
			    "");
			break;
		}
		at += (size_t)snprintf(buf + at, len - at, "%s%.*s",
		    at > 0 ? ", " : "", (int)klen, k);
	}
	tq_strv_free(va, na);
	tq_strv_free(vb, nb);
}

/*
 * SIGHUP: read and validate the file whole; swap only if it is good.
 * All of it takes effect: a new client is built for [redis] (tqd
 * reconnects), the log and the pid file move if their keys changed, the
 * timers and schedules follow [tqd] and [schedule NAME], and the
 * policies [queue] as the next call reads them.
 */
static void
loop_reload(struct tqd *d)
{
	struct tq_config	*cfg;
	struct tq_client	*c;
	struct tq_error		 err;
	char			 errbuf[512], changed[LOOP_CHANGED_MAX];

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
	if (tqd_log_open(d, cfg, errbuf, sizeof errbuf) != 0 ||
	    tqd_pidfile(d, tq_config_str(cfg, "tqd", "pidfile"), errbuf,
	    sizeof errbuf) != 0) {
		/* The log may have moved: put it back as it was. */
		(void)tqd_log_open(d, d->cfg, changed, sizeof changed);
		tqd_log(TQD_LOG_ERROR, "reload rejected, keeping the running "
		    "configuration: %s", errbuf);
		tq_client_free(c);
		tq_config_free(cfg);
		return;
	}
	loop_changed(d->cfg, cfg, changed, sizeof changed);
	tq_due_watch_free(d->watch);	/* it borrows the old client */
	d->watch = NULL;
	tq_client_free(d->c);
	tq_config_free(d->cfg);
	d->c = c;
	d->cfg = cfg;
	jobs_init(d);
	tqd_log(TQD_LOG_INFO, "configuration reloaded; %s%s",
	    changed[0] != '\0' ? "changed: " : "no key changed", changed);
	if (strstr(changed, "redis.") != NULL)
		tqd_log(TQD_LOG_INFO, "Redis settings changed: connecting to "
		    "%s", tq_client_address(d->c));
}

/* SIGUSR1: open the log anew (after logrotate) and say how things are. */
static void
loop_status(struct tqd *d)
{
	char	errbuf[512];

	if (tqd_log_open(d, d->cfg, errbuf, sizeof errbuf) != 0)
		tqd_log(TQD_LOG_ERROR, "SIGUSR1: %s; logging on where it "
		    "was", errbuf);
	else if (d->log_file != NULL || d->log_syslog)
		tqd_log(TQD_LOG_INFO, "SIGUSR1: log reopened");
	tqd_log(TQD_LOG_INFO, "status: %s, epoch %lld, %zu queues, "
	    "%zu schedules, Redis %s", d->leader ? "leader" : "standby",
	    d->epoch, d->nqueues, d->nsched, d->redis_down ? "down" : "up");
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
		loop_status(d);
	}
}

/* The monotonic clock in seconds, finer than tqd_now: jobs' durations. */
static double
loop_seconds(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static void
loop_timers(struct tqd *d)
{
	struct tqd_timer	*t;
	int64_t			 start;
	double			 began;
	size_t			 i;

	for (i = 0; i < d->ntimers && !signal_term; i++) {
		t = &d->timers[i];
		start = tqd_now();
		if (start < t->next_ms)
			continue;
		d->again = 0;
		d->sooner_ms = -1;
		if (!t->leader_only || jobs_leading(d)) {
			began = loop_seconds();
			t->fn(d);
			t->last_seconds = loop_seconds() - began;
		}
		t->next_ms = tqd_now() + (d->again ? 0 : t->interval_ms);
		if (d->sooner_ms >= 0 && tqd_now() + d->sooner_ms < t->next_ms)
			t->next_ms = tqd_now() + d->sooner_ms;
	}
}

void
loop_run(struct tqd *d)
{
	struct pollfd	pfd[2];
	int64_t		timeout;
	nfds_t		n;

	pfd[0].fd = signal_fd();
	pfd[0].events = POLLIN;
	while (!signal_term) {
		timeout = loop_timeout(d, tqd_now());
		n = 1;
		pfd[0].revents = 0;
		if (d->watch != NULL && (pfd[1].fd =
		    tq_due_watch_fd(d->watch)) != -1) {
			pfd[1].events = POLLIN;
			pfd[1].revents = 0;
			n = 2;
		}
		if (poll(pfd, n, timeout > 60000 ? 60000 : (int)timeout) > 0) {
			if (pfd[0].revents != 0)
				signal_drain();
			/* An announcement: the promote job reads it. */
			if (n == 2 && pfd[1].revents != 0)
				loop_wake(d, jobs_promote);
		}
		if (signal_term)
			break;
		loop_signals(d);
		loop_timers(d);
	}
}
