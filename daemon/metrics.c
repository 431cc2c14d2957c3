/*
 * metrics.c -- the Prometheus metrics file.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tqd writes the Prometheus text format to a file for node_exporter's
 * textfile collector, rather than serving HTTP: no port to open, no
 * second protocol in the daemon, and the scrape never touches Redis.  The
 * file is written beside its final name and renamed over it, so a scrape
 * never sees half a file.  The figures come from pipelined stats calls (a
 * pipeline per JOBS_STATS_CHUNK queues, so memory does not grow with
 * one huge pipeline) and one registry read, whatever the number of
 * tasks.  A standby tqd writes the same file, tq_queue_stuck included:
 * the leader follows stuck queues on its scans, a standby from the
 * figures read here (so on its file a queue turns stuck up to one
 * metrics_interval late), so that every host's file tells the truth.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tqd.h"

/* One family: its HELP and TYPE lines. */
static void
metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* Queue names are [A-Za-z0-9_.:-]: nothing to escape in a label. */
static void
metrics_queues(FILE *f, struct tqd *d, const struct tq_queue_stats *st,
    size_t n)
{
	static const char *const states[] = {
		"ready", "scheduled", "active", "retry", "dead"
	};
	static const struct {
		const char	*name;
		const char	*help;
		size_t		 off;
	} counters[] = {
		{ "tq_queue_enqueued_total", "Tasks enqueued.",
		  offsetof(struct tq_queue_stats, enqueued) },
		{ "tq_queue_processed_total", "Tasks completed.",
		  offsetof(struct tq_queue_stats, processed) },
		{ "tq_queue_failed_total", "Failed attempts.",
		  offsetof(struct tq_queue_stats, failed) },
		{ "tq_queue_retried_total", "Failed attempts to be retried.",
		  offsetof(struct tq_queue_stats, retried) },
		{ "tq_queue_dead_total", "Tasks that went dead.",
		  offsetof(struct tq_queue_stats, dead_total) },
	};
	size_t	i, j;

	metrics_family(f, "tq_queue_tasks", "gauge",
	    "Tasks in each state, by queue.");
	for (i = 0; i < n; i++) {
		long long v[] = { st[i].ready, st[i].scheduled, st[i].active,
		    st[i].retry, st[i].dead };

		/* An empty name: its stats failed (jobs_stats logged it). */
		if (st[i].name[0] == '\0')
			continue;
		for (j = 0; j < 5; j++)
			fprintf(f, "tq_queue_tasks{queue=\"%s\",state=\"%s\"} "
			    "%lld\n", st[i].name, states[j], v[j]);
	}
	for (j = 0; j < sizeof counters / sizeof counters[0]; j++) {
		metrics_family(f, counters[j].name, "counter", counters[j].help);
		for (i = 0; i < n; i++) {
			if (st[i].name[0] == '\0')
				continue;
			fprintf(f, "%s{queue=\"%s\"} %lld\n", counters[j].name,
			    st[i].name, *(const long long *)(const void *)
			    ((const char *)&st[i] + counters[j].off));
		}
	}
	metrics_family(f, "tq_queue_latency_seconds", "gauge",
	    "Age of the oldest ready task.");
	for (i = 0; i < n; i++)
		if (st[i].name[0] != '\0')
			fprintf(f, "tq_queue_latency_seconds{queue=\"%s\"} "
			    "%.3f\n", st[i].name,
			    (double)st[i].oldest_ready_ms / 1000);
	metrics_family(f, "tq_queue_paused", "gauge", "1 if the queue is "
	    "paused.");
	for (i = 0; i < n; i++)
		if (st[i].name[0] != '\0')
			fprintf(f, "tq_queue_paused{queue=\"%s\"} %d\n",
			    st[i].name, st[i].paused);
	metrics_family(f, "tq_queue_stuck", "gauge", "1 if the queue has had "
	    "ready tasks but no live worker for stuck_after.");
	for (i = 0; i < n; i++)
		if (st[i].name[0] != '\0')
			fprintf(f, "tq_queue_stuck{queue=\"%s\"} %d\n",
			    st[i].name, d->queues[i].stuck);
}

static void
metrics_tqd(FILE *f, struct tqd *d, const struct tq_worker_info *w, size_t nw)
{
	size_t	i, live = 0;

	for (i = 0; i < nw; i++)
		live += !w[i].stale;
	metrics_family(f, "tq_workers", "gauge", "Registered workers.");
	fprintf(f, "tq_workers{state=\"live\"} %zu\n", live);
	fprintf(f, "tq_workers{state=\"stale\"} %zu\n", nw - live);
	metrics_family(f, "tq_tqd_leader", "gauge", "1 if this tqd is the "
	    "leader.");
	fprintf(f, "tq_tqd_leader{id=\"%s\"} %d\n", d->id, d->leader);
	metrics_family(f, "tq_tqd_leader_epoch", "gauge", "Epoch of this "
	    "tqd's leadership (0 when standing by).");
	fprintf(f, "tq_tqd_leader_epoch{id=\"%s\"} %lld\n", d->id, d->epoch);
	metrics_family(f, "tq_tqd_tick_seconds", "gauge", "Duration of the "
	    "last run of each tqd job.");
	for (i = 0; i < d->ntimers; i++)
		fprintf(f, "tq_tqd_tick_seconds{job=\"%s\"} %.6f\n",
		    d->timers[i].name, d->timers[i].last_seconds);
	metrics_family(f, "tq_tqd_up", "gauge", "1 while tqd reaches Redis.");
	fprintf(f, "tq_tqd_up %d\n", !d->redis_down);
}

/* Write to path.tmp, then rename: readers see the old or the new file. */
int
metrics_write(struct tqd *d, const char *path)
{
	struct tq_queue_stats	*st = NULL;
	struct tq_worker_info	*w = NULL;
	struct tq_error		 err;
	const char		**names = NULL;
	char			*tmp = NULL;
	size_t			 i, nw = 0, n = d->nqueues;
	FILE			*f = NULL;
	int			 rc = -1;

	names = tq_xcalloc(n + 1, sizeof *names);
	st = tq_xcalloc(n + 1, sizeof *st);
	tmp = tq_xasprintf("%s.tmp.%ld", path, (long)getpid());
	for (i = 0; i < n; i++)
		names[i] = d->queues[i].name;
	/* Without Redis, still write tq_tqd_up 0 so alerts can fire. */
	if (n > 0 && tqd_redis(d, jobs_stats(d, names, n, st, &err), &err,
	    "metrics") != 0)
		n = 0;
	if (signal_term || tqd_redis(d, tq_workers(d->c, &w, &nw, &err), &err,
	    "metrics") != 0) {
		w = NULL;
		nw = 0;
	}
	if (!d->leader) {
		for (i = 0; i < n; i++)
			if (st[i].name[0] != '\0')
				jobs_stuck_note(d, &d->queues[i], &st[i], w,
				    nw, tqd_now());
	}
	if ((f = fopen(tmp, "w")) == NULL) {
		tqd_log(TQD_LOG_ERROR, "metrics file %s: %s", tmp,
		    strerror(errno));
		goto out;
	}
	metrics_queues(f, d, st, n);
	metrics_tqd(f, d, w, nw);
	if (fflush(f) != 0 || ferror(f) || fclose(f) != 0) {
		f = NULL;
		tqd_log(TQD_LOG_ERROR, "metrics file %s: %s", tmp,
		    strerror(errno));
		unlink(tmp);
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		tqd_log(TQD_LOG_ERROR, "metrics file %s: %s", path,
		    strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
out:
	if (f != NULL)
		fclose(f);
	free(tmp);
	free(names);
	free(st);
	free(w);
	return (rc);
}
