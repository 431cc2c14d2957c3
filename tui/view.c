/*
 * view.c -- the queues, workers, dead-letter and detail views.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Views read the snapshot and the UI state and draw into the body
 * window; they never talk to Redis.  Column sets depend on the width
 * (80 columns hold every essential column; wider terminals get the
 * sparkline, full ids and timestamps).  Text that came from tasks
 * (payloads, errors, types) is escaped before it is drawn, so a control
 * character in a payload cannot reprogram the operator's terminal.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tqtop.h"

enum {
	SORT_NAME = 0,
	SORT_READY,
	SORT_SCHEDULED,
	SORT_ACTIVE,
	SORT_RETRY,
	SORT_DEAD,
	SORT_OUT,
	SORT_FAIL,
	SORT_OLDEST,
	SORT_COUNT,
};

static const char *sort_names[SORT_COUNT] = {
	"name", "ready", "scheduled", "active", "retry", "dead",
	"processed/s", "failed/s", "oldest",
};

/* qsort has no context argument; the order functions get it here. */
static const struct tqtop *view_sort_ctx;

const char *
view_sort_name(int sort)
{
	return (sort_names[sort % SORT_COUNT]);
}

int
view_nsorts(void)
{
	return (SORT_COUNT);
}

/* Bigger first for numbers, so "s" brings the busy queues up. */
static int
view_cmp(const void *a, const void *b)
{
	const struct snap_queue	*x, *y;
	double			 dx = 0, dy = 0;

	x = &view_sort_ctx->snap.queues[*(const size_t *)a];
	y = &view_sort_ctx->snap.queues[*(const size_t *)b];
	switch (view_sort_ctx->sort) {
	case SORT_READY:
		dx = x->st.ready, dy = y->st.ready;
		break;
	case SORT_SCHEDULED:
		dx = x->st.scheduled, dy = y->st.scheduled;
		break;
	case SORT_ACTIVE:
		dx = x->st.active, dy = y->st.active;
		break;
	case SORT_RETRY:
		dx = x->st.retry, dy = y->st.retry;
		break;
	case SORT_DEAD:
		dx = x->st.dead, dy = y->st.dead;
		break;
	case SORT_OUT:
		dx = x->out_rate, dy = y->out_rate;
		break;
	case SORT_FAIL:
		dx = x->fail_rate, dy = y->fail_rate;
		break;
	case SORT_OLDEST:
		dx = x->st.oldest_ready_ms, dy = y->st.oldest_ready_ms;
		break;
	}
	if (dx != dy)
		return (dx < dy ? 1 : -1);
	return (strcmp(x->st.name, y->st.name));
}

size_t *
view_queue_order(const struct tqtop *t, size_t *n)
{
	size_t	*idx, i;

	idx = tq_xcalloc(t->snap.nqueues + 1, sizeof *idx);
	*n = 0;
	for (i = 0; i < t->snap.nqueues; i++) {
		if (t->filter[0] != '\0' &&
		    strstr(t->snap.queues[i].st.name, t->filter) == NULL)
			continue;
		idx[(*n)++] = i;
	}
	view_sort_ctx = t;
	qsort(idx, *n, sizeof *idx, view_cmp);
	return (idx);
}

const struct snap_queue *
view_selected_queue(const struct tqtop *t)
{
	size_t	 i;

	for (i = 0; i < t->snap.nqueues; i++)
		if (strcmp(t->snap.queues[i].st.name, t->sel_queue) == 0)
			return (&t->snap.queues[i]);
	return (NULL);
}

/* A rate with one decimal below 100, else whole. */
static void
view_rate(char *dst, size_t size, double r)
{
	if (r < 100)
		snprintf(dst, size, "%.1f", r);
	else
		snprintf(dst, size, "%.0f", r);
}

/* The last minute as a sparkline, newest on the right. */
static void
view_spark(WINDOW *w, int y, int x, int width, const struct snap_queue *q)
{
	static const char	*blocks[] = { "\xe2\x96\x81", "\xe2\x96\x82",
	    "\xe2\x96\x83", "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
	    "\xe2\x96\x87", "\xe2\x96\x88" };
	static const char	 ascii[] = "_.-:=+*#";
	long long		 max = 0;
	int			 i, level;

	if (width > SPARK_SECONDS)
		width = SPARK_SECONDS;
	if (q->spark == NULL)
		return;
	for (i = 0; i < width; i++)
		if (q->spark[i] > max)
			max = q->spark[i];
	for (i = 0; i < width; i++) {
		level = max == 0 ? 0 : (int)((q->spark[i] * 7 + max - 1) / max);
		if (level > 7)
			level = 7;
		if (crt_utf8)
			mvwaddstr(w, y, x + width - 1 - i, blocks[level]);
		else
			mvwaddch(w, y, x + width - 1 - i, ascii[level]);
	}
}

/* Queue columns after the name: normal widths, and narrow ones for
 * terminals under 76 columns. */
#define QCOLS	9
static const int	 qw_wide[QCOLS] = { 7, 6, 6, 6, 7, 6, 6, 6, 1 };
static const int	 qw_narrow[QCOLS] = { 6, 5, 5, 5, 6, 5, 5, 5, 1 };
static const char	*qh_wide[QCOLS] = { "READY", "SCHED", "ACTIVE",
    "RETRY", "DEAD", "OUT/s", "FAIL/s", "OLDEST", "P" };
static const char	*qh_narrow[QCOLS] = { "READY", "SCHED", "ACTV",
    "RETRY", "DEAD", "OUT/s", "FL/s", "AGE", "P" };

/* The colour of each state's column: ready green, scheduled blue, active
 * cyan, retry yellow, dead red. */
static const enum crt_colour state_colour[5] = { CRT_OK, CRT_DIM,
    CRT_ACTIVE, CRT_WARN, CRT_BAD };

/* Whether queue q has tasks in state column k (0 ready .. 4 dead). */
static int
view_state_count(const struct snap_queue *q, int k)
{
	const long long	 n[5] = { q->st.ready, q->st.scheduled,
	    q->st.active, q->st.retry, q->st.dead };

	return (n[k] > 0);
}

/* Lay out one queue row: the name, then the cells right-aligned. */
static void
view_queue_row(char *line, size_t size, int namew, const int *cw,
    const char *name, const char *const *cells)
{
	size_t	 o;
	int	 i;

	o = (size_t)snprintf(line, size, "%-*.*s", namew, namew, name);
	for (i = 0; i < QCOLS && o < size; i++)
		o += (size_t)snprintf(line + o, size - o, " %*s", cw[i],
		    cells[i]);
}

void
view_queues(struct tqtop *t, WINDOW *w)
{
	const struct snap_queue	*q;
	const int		*cw;
	const char		*cells[QCOLS];
	size_t			*idx, n, i;
	int			 cols, namew, spark, y, x[QCOLS], fixed, k;
	char			 num[QCOLS][24], line[512];
	attr_t			 a;

	cols = getmaxx(w);
	idx = view_queue_order(t, &n);
	cw = cols < 76 ? qw_narrow : qw_wide;
	fixed = 0;
	for (k = 0; k < QCOLS; k++)
		fixed += cw[k] + 1;
	/* What the numbers leave goes to the name and the sparkline. */
	spark = cols - fixed - 12 - 1;
	if (spark < 6)
		spark = 0;
	if (spark > SPARK_SECONDS)
		spark = SPARK_SECONDS;
	namew = cols - fixed - (spark > 0 ? spark + 1 : 0);
	if (namew < 4)
		namew = 4;
	x[0] = namew + 1;
	for (k = 1; k < QCOLS; k++)
		x[k] = x[k - 1] + cw[k - 1] + 1;
	view_queue_row(line, sizeof line, namew, cw, "QUEUE",
	    cols < 76 ? qh_narrow : qh_wide);
	wattrset(w, crt_attr(CRT_TITLE));
	mvwhline(w, 0, 0, ' ', cols);
	screen_put(w, 0, 0, cols, line);
	if (spark > 0)
		screen_put(w, 0, cols - spark, spark, "LAST 60s OUT");
	wattrset(w, A_NORMAL);

	t->queues.n = (long long)n;
	t->queues.height = getmaxy(w) - 1;
	/* Keep the selection on the same queue across refetches. */
	for (i = 0; i < n; i++)
		if (strcmp(t->snap.queues[idx[i]].st.name,
		    t->sel_queue) == 0)
			t->queues.sel = (long long)i;
	panel_clamp(&t->queues);
	if (n > 0)
		snprintf(t->sel_queue, sizeof t->sel_queue, "%s",
		    t->snap.queues[idx[t->queues.sel]].st.name);
	if (n == 0)
		screen_put(w, 2, 2, cols - 2, t->filter[0] != '\0' ?
		    "no queue matches the filter" : "no queues yet");
	for (k = 0; k < QCOLS; k++)
		cells[k] = num[k];
	for (y = 1; y <= t->queues.height; y++) {
		i = (size_t)(t->queues.top + y - 1);
		if (i >= n)
			break;
		q = &t->snap.queues[idx[i]];
		screen_count(num[0], sizeof num[0], q->st.ready);
		screen_count(num[1], sizeof num[1], q->st.scheduled);
		screen_count(num[2], sizeof num[2], q->st.active);
		screen_count(num[3], sizeof num[3], q->st.retry);
		screen_count(num[4], sizeof num[4], q->st.dead);
		view_rate(num[5], sizeof num[5], q->out_rate);
		view_rate(num[6], sizeof num[6], q->fail_rate);
		if (q->st.ready > 0)
			screen_age(num[7], sizeof num[7],
			    q->st.oldest_ready_ms);
		else
			snprintf(num[7], sizeof num[7], "-");
		snprintf(num[8], sizeof num[8], "%s", q->st.paused ? "P" : "");
		view_queue_row(line, sizeof line, namew, cw, q->st.name,
		    cells);
		a = (long long)i == t->queues.sel ? crt_attr(CRT_SELECTED) :
		    A_NORMAL;
		wattrset(w, a);
		if (a != A_NORMAL)
			mvwhline(w, y, 0, ' ', cols);
		screen_put(w, y, 0, cols, line);
		if (a == A_NORMAL) {
			/* A colour per state, where there are tasks. */
			for (k = 0; k < 5; k++) {
				if (!view_state_count(q, k))
					continue;
				wattrset(w, crt_attr(state_colour[k]));
				mvwprintw(w, y, x[k], "%*s", cw[k], num[k]);
			}
			if (q->st.paused) {
				wattrset(w, crt_attr(CRT_WARN));
				mvwaddstr(w, y, x[8], "P");
			}
			wattrset(w, crt_attr(CRT_OK));
		}
		if (spark > 0)
			view_spark(w, y, cols - spark, spark, q);
		wattrset(w, A_NORMAL);
	}
	free(idx);
}

size_t *
view_worker_order(const struct tqtop *t, size_t *n)
{
	const struct tq_worker_info	*wi;
	size_t				*idx, i;

	idx = tq_xcalloc(t->snap.nworkers + 1, sizeof *idx);
	*n = 0;
	for (i = 0; i < t->snap.nworkers; i++) {
		wi = &t->snap.workers[i];
		if (t->filter[0] != '\0' && strstr(wi->name, t->filter) ==
		    NULL && strstr(wi->host, t->filter) == NULL &&
		    strstr(wi->queues, t->filter) == NULL)
			continue;
		idx[(*n)++] = i;
	}
	return (idx);
}

void
view_workers(struct tqtop *t, WINDOW *w)
{
	const struct tq_worker_info	*wi;
	size_t				*idx, n, i;
	int				 cols, y, namew;
	char				 line[1400], busy[32], p[24], f[24];
	char				 hb[16], nm[512], ho[512], qs[1100];

	cols = getmaxx(w);
	idx = view_worker_order(t, &n);
	namew = cols >= 120 ? 36 : 20;
	snprintf(line, sizeof line, "%-*s %-12s %7s %7s %9s %7s %5s  %s",
	    namew, "WORKER", "HOST", "PID", "BUSY", "PROCESSED", "FAILED",
	    "BEAT", "QUEUES");
	wattrset(w, crt_attr(CRT_TITLE));
	mvwhline(w, 0, 0, ' ', cols);
	screen_put(w, 0, 0, cols, line);
	wattrset(w, A_NORMAL);
	t->workers.n = (long long)n;
	t->workers.height = getmaxy(w) - 1;
	panel_clamp(&t->workers);
	if (n == 0)
		screen_put(w, 2, 2, cols - 2, "no workers registered");
	for (y = 1; y <= t->workers.height; y++) {
		i = (size_t)(t->workers.top + y - 1);
		if (i >= n)
			break;
		wi = &t->snap.workers[idx[i]];
		snprintf(busy, sizeof busy, "%d/%d", wi->busy,
		    wi->concurrency);
		screen_count(p, sizeof p, wi->processed);
		screen_count(f, sizeof f, wi->failed);
		screen_age(hb, sizeof hb, t->snap.at_ms - wi->heartbeat_at);
		/* The registry is written by other programs: escape. */
		screen_escape(nm, sizeof nm, wi->name);
		screen_escape(ho, sizeof ho, wi->host);
		screen_escape(qs, sizeof qs, wi->queues);
		snprintf(line, sizeof line,
		    "%-*.*s %-12.12s %7d %7s %9s %7s %5s%c %.*s", namew, namew,
		    nm, ho, wi->pid, busy, p, f, hb, wi->stale ? '!' : ' ',
		    (int)(sizeof line - 200), qs);
		if ((long long)i == t->workers.sel) {
			wattrset(w, crt_attr(CRT_SELECTED));
			mvwhline(w, y, 0, ' ', cols);
		} else if (wi->stale)
			wattrset(w, crt_attr(CRT_BAD));
		screen_put(w, y, 0, cols, line);
		if (wi->stale && cols > 2)
			screen_put(w, y, cols - 7, 7, " stale ");
		wattrset(w, A_NORMAL);
	}
	free(idx);
}

/* Whether id is marked. */
static int
view_marked(const struct tqtop *t, const char *id)
{
	size_t	 i;

	for (i = 0; i < t->nmarks; i++)
		if (strcmp(t->marks[i], id) == 0)
			return (1);
	return (0);
}

/* A Unix-ms time as local "YYYY-MM-DD HH:MM:SS", or the time alone. */
static void
view_time(char *dst, size_t size, int64_t ms, int full)
{
	struct tm	 tm;
	time_t		 s = (time_t)(ms / 1000);

	if (ms <= 0 || localtime_r(&s, &tm) == NULL) {
		snprintf(dst, size, "-");
		return;
	}
	strftime(dst, size, full ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
}

int
view_dead_filtered(const struct tqtop *t)
{
	return (t->dead_filter[0] != '\0' && t->find.queue[0] != '\0' &&
	    strcmp(t->find.queue, t->sel_queue) == 0 &&
	    strcmp(t->find.text, t->dead_filter) == 0);
}

const struct tq_task_info *
view_dead_row(const struct tqtop *t, long long i)
{
	const struct snapshot	*s = &t->snap;

	if (view_dead_filtered(t))
		return (i >= 0 && i < (long long)t->find.n ?
		    t->find.rows[i] : NULL);
	if (!s->dead_valid || strcmp(s->dead_queue, t->sel_queue) != 0 ||
	    i < s->dead_offset || i >= s->dead_offset + (long long)s->ndead)
		return (NULL);
	return (s->dead[i - s->dead_offset]);
}

/* The dead view's bottom line: the queue, the count, the search. */
static void
view_dead_footer(struct tqtop *t, WINDOW *w, const struct snap_queue *q,
    long long total)
{
	const struct dead_find	*f = &t->find;
	char			 line[512], c1[24], c2[24], c3[24], scan[96];

	screen_count(c1, sizeof c1, total);
	screen_count(c2, sizeof c2, (long long)t->nmarks);
	scan[0] = '\0';
	if (view_dead_filtered(t)) {
		screen_count(c1, sizeof c1, (long long)f->n);
		screen_count(c3, sizeof c3, f->total);
		if (f->capped)
			snprintf(scan, sizeof scan, " (the first %s, of %s "
			    "dead)", c1, c3);
		else if (f->done)
			snprintf(scan, sizeof scan, " of %s dead", c3);
		else {
			screen_count(c2, sizeof c2, f->scanned);
			snprintf(scan, sizeof scan, " so far (searched %s of "
			    "%s)", c2, c3);
			screen_count(c2, sizeof c2, (long long)t->nmarks);
		}
	}
	snprintf(line, sizeof line, "dead letters of %s%s%s%s: %s%s%s%s",
	    q != NULL ? q->st.name : "(no queue selected)",
	    view_dead_filtered(t) ? " matching \"" : "",
	    view_dead_filtered(t) ? t->dead_filter : "",
	    view_dead_filtered(t) ? "\"" : "", c1, scan,
	    t->nmarks > 0 ? ", marked " : "", t->nmarks > 0 ? c2 : "");
	wattrset(w, crt_attr(CRT_DIM));
	screen_put(w, getmaxy(w) - 1, 0, getmaxx(w), line);
	wattrset(w, A_NORMAL);
}

void
view_dead(struct tqtop *t, WINDOW *w)
{
	const struct snap_queue		*q;
	const struct tq_task_info	*ti;
	int				 cols, y, idw, full, filtered;
	long long			 i, total;
	char				 line[1024], ty[128], er[512], at[32];

	cols = getmaxx(w);
	q = view_selected_queue(t);
	filtered = view_dead_filtered(t);
	total = filtered ? (long long)t->find.n : q != NULL ?
	    q->st.dead : 0;
	idw = cols >= 110 ? 36 : 18;
	full = cols >= 120;
	snprintf(line, sizeof line, "  %-*s %-14s %4s %-*s %s", idw, "ID",
	    "TYPE", "ATT", full ? 19 : 8, "FAILED AT", "ERROR");
	wattrset(w, crt_attr(CRT_TITLE));
	mvwhline(w, 0, 0, ' ', cols);
	screen_put(w, 0, 0, cols, line);
	wattrset(w, A_NORMAL);
	t->dead.n = total;
	t->dead.height = getmaxy(w) - 2;
	panel_clamp(&t->dead);
	view_dead_footer(t, w, q, q != NULL ? q->st.dead : 0);
	if (total == 0) {
		screen_put(w, 2, 2, cols - 2, !filtered ? "no dead letters" :
		    t->find.done || t->find.capped ?
		    "no dead letter matches the filter" : "searching...");
		return;
	}
	for (y = 1; y <= t->dead.height; y++) {
		i = t->dead.top + y - 1;
		if (i >= total)
			break;
		if (i == t->dead.sel) {
			wattrset(w, crt_attr(CRT_SELECTED));
			mvwhline(w, y, 0, ' ', cols);
		}
		if ((ti = view_dead_row(t, i)) == NULL) {
			screen_put(w, y, 2, cols - 2, "...");
			wattrset(w, A_NORMAL);
			continue;
		}
		screen_escape(ty, sizeof ty, ti->type != NULL ? ti->type : "-");
		screen_escape(er, sizeof er, ti->error != NULL ? ti->error :
		    "");
		view_time(at, sizeof at, ti->failed_at, full);
		snprintf(line, sizeof line, "%c %-*.*s %-14.14s %4d %-*s %s",
		    view_marked(t, ti->id) ? '*' : ' ', idw, idw, ti->id, ty,
		    ti->retry_count, full ? 19 : 8, at, er);
		screen_put(w, y, 0, cols, line);
		wattrset(w, A_NORMAL);
	}
}

/* Append one line (escaped) to the detail text. */
static void
view_detail_add(struct tqtop *t, const char *label, const char *text)
{
	char	 buf[2048];
	char	*s, *copy, *tab;

	/* cJSON indents with tabs; show them as spaces, not \x09. */
	copy = tq_xstrdup(text != NULL ? text : "-");
	while ((tab = strchr(copy, '\t')) != NULL)
		*tab = ' ';
	screen_escape(buf, sizeof buf, copy);
	free(copy);
	s = tq_xasprintf("%s%s", label, buf);
	t->detail_lines = tq_xreallocarray(t->detail_lines, t->ndetail + 1,
	    sizeof *t->detail_lines);
	t->detail_lines[t->ndetail++] = s;
}

/* Append multi-line text, one detail line per line. */
static void
view_detail_text(struct tqtop *t, const char *text)
{
	const char	*p, *nl;
	char		*one;

	for (p = text; p != NULL && *p != '\0'; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL) {
			view_detail_add(t, "  ", p);
			break;
		}
		one = tq_xasprintf("%.*s", (int)(nl - p), p);
		view_detail_add(t, "  ", one);
		free(one);
	}
}

void
view_detail_free(struct tqtop *t)
{
	size_t	 i;

	for (i = 0; i < t->ndetail; i++)
		free(t->detail_lines[i]);
	free(t->detail_lines);
	t->detail_lines = NULL;
	t->ndetail = 0;
}

void
view_detail_build(struct tqtop *t, const struct tq_task_info *ti)
{
	cJSON	*j;
	char	*pretty = NULL, buf[64];

	view_detail_free(t);
	view_detail_add(t, "id:          ", ti->id);
	view_detail_add(t, "queue:       ", ti->queue);
	view_detail_add(t, "type:        ", ti->type);
	snprintf(buf, sizeof buf, "%d of %d retries, priority %d",
	    ti->retry_count, ti->max_retries, ti->priority);
	view_detail_add(t, "attempts:    ", buf);
	view_time(buf, sizeof buf, ti->created_at, 1);
	view_detail_add(t, "created at:  ", buf);
	view_time(buf, sizeof buf, ti->failed_at, 1);
	view_detail_add(t, "failed at:   ", buf);
	view_detail_add(t, "error:", "");
	view_detail_text(t, ti->error != NULL ? ti->error : "-");
	view_detail_add(t, "payload:", "");
	if (ti->payload != NULL && (j = cJSON_Parse(ti->payload)) != NULL) {
		pretty = cJSON_Print(j);
		cJSON_Delete(j);
	}
	view_detail_text(t, pretty != NULL ? pretty :
	    (ti->payload != NULL ? ti->payload : "null"));
	free(pretty);
}

void
view_detail(struct tqtop *t, WINDOW *w)
{
	int		 cols, y;
	long long	 i;

	cols = getmaxx(w);
	wattrset(w, crt_attr(CRT_TITLE));
	mvwhline(w, 0, 0, ' ', cols);
	screen_put(w, 0, 0, cols, "DEAD TASK (Esc: back)");
	wattrset(w, A_NORMAL);
	t->detail.n = (long long)t->ndetail;
	t->detail.height = getmaxy(w) - 1;
	/* The detail scrolls by page, not by a visible selection. */
	if (t->detail.top > t->detail.n - t->detail.height)
		t->detail.top = t->detail.n - t->detail.height;
	if (t->detail.top < 0)
		t->detail.top = 0;
	for (y = 1; y <= t->detail.height; y++) {
		i = t->detail.top + y - 1;
		if (i >= t->detail.n)
			break;
		screen_put(w, y, 0, cols, t->detail_lines[i]);
	}
}
