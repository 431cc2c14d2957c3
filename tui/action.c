/*
 * action.c -- the key table and what each key does.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Every key is one entry of key_table: the key, how the bar and the help
 * screen name it, how much it matters when the bar is short of room,
 * which views it works in, whether it writes to Redis (hidden and refused
 * with --read-only) or asks first, and its function.  Aliases (j for
 * Down) share the help string, which the help screen uses to list an
 * action once.  Actions never draw and never wait for Redis: they change
 * the UI state, hand writes (and the one read an action needs, Enter on
 * a search's match, whose payload the search does not keep) to the fetch
 * thread as a job, and return TQ_UI_* flags for the loop; action_job
 * reports how the job went.  The destructive and bulk ones (R, d, D, p)
 * open a dialog whose default button is Cancel.  One action runs at a
 * time; while it runs the status line shows its progress and Esc stops
 * it between two slices.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tqtop.h"

#define V_Q	VIEW_BIT(VIEW_QUEUES)
#define V_W	VIEW_BIT(VIEW_WORKERS)
#define V_D	VIEW_BIT(VIEW_DEAD)
#define V_DT	VIEW_BIT(VIEW_DETAIL)
#define V_LIST	(V_Q | V_W | V_D)

static int	act_move(struct tqtop *, int);
static int	act_view(struct tqtop *, int);
static int	act_enter(struct tqtop *, int);
static int	act_back(struct tqtop *, int);
static int	act_filter(struct tqtop *, int);
static int	act_sort(struct tqtop *, int);
static int	act_mark(struct tqtop *, int);
static int	act_requeue(struct tqtop *, int);
static int	act_requeue_all(struct tqtop *, int);
static int	act_purge(struct tqtop *, int);
static int	act_purge_all(struct tqtop *, int);
static int	act_pause(struct tqtop *, int);
static int	act_refresh(struct tqtop *, int);
static int	act_help(struct tqtop *, int);
static int	act_quit(struct tqtop *, int);

static const char h_move[] = "move the selection (arrows, j, k)";
static const char h_page[] = "page up and down";
static const char h_ends[] = "first and last row";
static const char h_view[] = "switch view: queues, workers, dead letters";
static const char h_enter[] = "details of the selected dead task";
static const char h_back[] =
    "back: close help or details, stop the running action, clear the "
    "filter, leave the dead letters";
static const char h_filter[] =
    "filter: queue name (queues); name, host, queue (workers); "
    "id, type, error (dead letters)";
static const char h_sort[] = "sort the queues by the next column";
static const char h_mark[] = "mark or unmark the selected dead task";
static const char h_requeue[] =
    "requeue the selected (or marked) dead tasks";
static const char h_requeue_all[] =
    "requeue all dead tasks of the queue (or all the filter matched)";
static const char h_purge[] = "purge the selected (or marked) dead tasks";
static const char h_purge_all[] =
    "purge all dead tasks of the queue (or all the filter matched)";
static const char h_pause[] = "pause or resume the selected queue";
static const char h_refresh[] = "longer (+) or shorter (-) refresh interval";
static const char h_help[] = "this help";
static const char h_quit[] = "quit";

/*
 * The rank decides what the key bar keeps when it is short of room: 0
 * always, then 1 (the view's actions and Esc), 2, 3.  The bar then says
 * "? more" instead of "? help".
 */
const struct key_binding key_table[] = {
	{ KEY_UP, "Up", NULL, 0, h_move, 0, 0, act_move },
	{ KEY_DOWN, "Down", NULL, 0, h_move, 0, 0, act_move },
	{ 'k', "k", NULL, 0, h_move, 0, 0, act_move },
	{ 'j', "j", NULL, 0, h_move, 0, 0, act_move },
	{ KEY_PPAGE, "PgUp", NULL, 0, h_page, 0, 0, act_move },
	{ KEY_NPAGE, "PgDn", NULL, 0, h_page, 0, 0, act_move },
	{ KEY_HOME, "Home", NULL, 0, h_ends, 0, 0, act_move },
	{ KEY_END, "End", NULL, 0, h_ends, 0, 0, act_move },
	{ '\t', "Tab", "view", 2, h_view, 0, 0, act_view },
	{ '1', "1", NULL, 0, h_view, 0, 0, act_view },
	{ '2', "2", NULL, 0, h_view, 0, 0, act_view },
	{ '3', "3", NULL, 0, h_view, 0, 0, act_view },
	{ '\r', "Enter", "detail", 2, h_enter, V_D, 0, act_enter },
	{ '\n', "Enter", NULL, 0, h_enter, V_D, 0, act_enter },
	{ KEY_ENTER, "Enter", NULL, 0, h_enter, V_D, 0, act_enter },
	{ 27, "Esc", "back", 1, h_back, 0, 0, act_back },
	{ '/', "/", "filter", 2, h_filter, V_LIST, 0, act_filter },
	{ 's', "s", "sort", 2, h_sort, V_Q, 0, act_sort },
	{ ' ', "Space", "mark", 3, h_mark, V_D, 0, act_mark },
	{ 'r', "r", "requeue", 1, h_requeue, V_D, KB_WRITE, act_requeue },
	{ 'R', "R", "req-all", 1, h_requeue_all, V_Q | V_D,
	  KB_WRITE | KB_CONFIRM, act_requeue_all },
	{ 'd', "d", "purge", 1, h_purge, V_D, KB_WRITE | KB_CONFIRM,
	  act_purge },
	{ 'D', "D", "purge-all", 1, h_purge_all, V_Q | V_D,
	  KB_WRITE | KB_CONFIRM, act_purge_all },
	{ 'p', "p", "pause", 1, h_pause, V_Q | V_D, KB_WRITE | KB_CONFIRM,
	  act_pause },
	{ '+', "+", NULL, 0, h_refresh, 0, 0, act_refresh },
	{ '-', "-", NULL, 0, h_refresh, 0, 0, act_refresh },
	{ '?', "?", "help", 0, h_help, 0, 0, act_help },
	{ 'q', "q", "quit", 0, h_quit, 0, 0, act_quit },
};
const size_t key_table_size = sizeof key_table / sizeof key_table[0];

void
action_status(struct tqtop *t, int error, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(t->status, sizeof t->status, fmt, ap);
	va_end(ap);
	t->status_error = error;
}

int
action_shown(const struct tqtop *t, const struct key_binding *b)
{
	if ((b->flags & KB_WRITE) && t->read_only)
		return (0);
	return (b->views == 0 || (b->views & VIEW_BIT(t->view)) != 0);
}

static void
action_clear_marks(struct tqtop *t)
{
	size_t	 i;

	for (i = 0; i < t->nmarks; i++)
		free(t->marks[i]);
	free(t->marks);
	t->marks = NULL;
	t->nmarks = 0;
}

static void
action_clear_op(struct tqtop *t)
{
	size_t	 i;

	for (i = 0; i < t->op_nids; i++)
		free(t->op_ids[i]);
	free(t->op_ids);
	t->op_ids = NULL;
	t->op_nids = 0;
	t->op_expect = 0;
	t->op = OP_NONE;
}

void
action_free(struct tqtop *t)
{
	action_clear_marks(t);
	action_clear_op(t);
	view_detail_free(t);
}

/* The selected dead task, when its row is loaded. */
static const struct tq_task_info *
action_dead_selected(const struct tqtop *t)
{
	if (t->dead.n == 0)
		return (NULL);
	return (view_dead_row(t, t->dead.sel));
}

/* Whether the dead page on screen is not the one fetched (a search's
 * matches are all loaded). */
static int
action_dead_stale(const struct tqtop *t)
{
	if (view_dead_filtered(t))
		return (0);
	return (!t->snap.dead_valid ||
	    strcmp(t->snap.dead_queue, t->sel_queue) != 0 ||
	    t->dead.top != t->snap.dead_offset);
}

static int
act_move(struct tqtop *t, int key)
{
	struct panel	*p;

	switch (t->view) {
	case VIEW_QUEUES:
		p = &t->queues;
		break;
	case VIEW_WORKERS:
		p = &t->workers;
		break;
	case VIEW_DEAD:
		p = &t->dead;
		break;
	case VIEW_DETAIL:
	case VIEW_HELP:
		/* Text scrolls by its first line; the drawing clamps. */
		p = t->view == VIEW_HELP ? &t->help : &t->detail;
		if (key == KEY_UP || key == 'k')
			p->top--;
		else if (key == KEY_DOWN || key == 'j')
			p->top++;
		else if (key == KEY_PPAGE)
			p->top -= p->height;
		else if (key == KEY_NPAGE)
			p->top += p->height;
		else if (key == KEY_HOME)
			p->top = 0;
		else
			p->top = p->n;
		t->dirty |= DIRTY_BODY;
		return (TQ_UI_REDRAW);
	default:
		return (0);
	}
	if (!panel_move(p, key))
		return (0);
	t->dirty |= DIRTY_BODY;
	if (t->view == VIEW_QUEUES) {
		/* view_queues maps the row back to a name when drawing. */
		t->sel_queue[0] = '\0';
		t->dirty |= DIRTY_BAR;
	}
	if (t->view == VIEW_DEAD && action_dead_stale(t))
		return (TQ_UI_REDRAW | TQ_UI_REFETCH);
	return (TQ_UI_REDRAW);
}

/* Make the queue at the current row the selected one. */
static void
action_sync_queue(struct tqtop *t)
{
	size_t	*idx, n;

	idx = view_queue_order(t, &n);
	if (n > 0 && t->queues.sel < (long long)n)
		snprintf(t->sel_queue, sizeof t->sel_queue, "%s",
		    t->snap.queues[idx[t->queues.sel]].st.name);
	free(idx);
}

static int
act_view(struct tqtop *t, int key)
{
	enum view	 v;

	if (t->view == VIEW_QUEUES && t->sel_queue[0] == '\0')
		action_sync_queue(t);
	if (key == '\t')
		v = t->view == VIEW_QUEUES ? VIEW_WORKERS :
		    t->view == VIEW_WORKERS ? VIEW_DEAD : VIEW_QUEUES;
	else
		v = (enum view)(key - '1');
	if (v == t->view)
		return (0);
	if (v != VIEW_DEAD)
		action_clear_marks(t);
	t->view = v;
	t->editing = 0;
	t->status[0] = '\0';
	t->dirty = DIRTY_ALL;
	if (v == VIEW_DEAD) {
		t->dead.sel = t->dead.top = 0;
		return (TQ_UI_REDRAW | TQ_UI_REFETCH);
	}
	return (TQ_UI_REDRAW);
}

/* Open the detail pane on ti. */
static void
action_detail(struct tqtop *t, const struct tq_task_info *ti)
{
	view_detail_build(t, ti);
	t->detail.top = t->detail.sel = 0;
	t->view = VIEW_DETAIL;
	t->dirty = DIRTY_ALL;
}

static int
act_enter(struct tqtop *t, int key)
{
	const struct tq_task_info	*ti;
	struct job			 j;

	(void)key;
	if ((ti = action_dead_selected(t)) == NULL)
		return (0);
	if (!view_dead_filtered(t)) {
		action_detail(t, ti);
		return (TQ_UI_REDRAW);
	}
	/* A search keeps no payload: the fetch thread reads the task. */
	memset(&j, 0, sizeof j);
	j.kind = JOB_INSPECT;
	snprintf(j.queue, sizeof j.queue, "%s", t->sel_queue);
	j.ids = tq_xcalloc(1, sizeof *j.ids);
	j.ids[0] = tq_xstrdup(ti->id);
	j.nids = 1;
	if (source_submit(t->src, &j) != 0) {
		source_job_clear(&j);
		action_status(t, 1, "still reading the last one");
	} else
		action_status(t, 0, "reading %s...", ti->id);
	t->dirty |= DIRTY_STATUS;
	return (TQ_UI_REDRAW);
}

/*
 * Esc, one step back at a time: out of the help or the details; else
 * stop the running action; else drop the view's filter; else out of the
 * dead letters.  (While typing a filter or in a dialog, Esc is theirs.)
 */
static int
act_back(struct tqtop *t, int key)
{
	(void)key;
	switch (t->view) {
	case VIEW_DETAIL:
		view_detail_free(t);
		t->view = VIEW_DEAD;
		t->dirty = DIRTY_ALL;
		return (TQ_UI_REDRAW);
	case VIEW_HELP:
		t->view = t->prev_view;
		t->dirty = DIRTY_ALL;
		return (TQ_UI_REDRAW);
	default:
		break;
	}
	if (t->acting) {
		source_cancel(t->src);
		action_progress(t);
		return (TQ_UI_REDRAW);
	}
	if (t->view == VIEW_DEAD && t->dead_filter[0] != '\0') {
		t->dead_filter[0] = '\0';
		t->dead.sel = t->dead.top = 0;
		t->dirty = DIRTY_ALL;
		return (TQ_UI_REDRAW | TQ_UI_REFETCH);
	}
	if (t->view != VIEW_DEAD && t->filter[0] != '\0') {
		/* The queues and workers views share theirs; the
		 * selected queue stays selected. */
		t->filter[0] = '\0';
		t->workers.sel = t->workers.top = 0;
		t->dirty = DIRTY_ALL;
		return (TQ_UI_REDRAW | TQ_UI_REFETCH);
	}
	if (t->view != VIEW_DEAD)
		return (0);
	action_clear_marks(t);
	t->view = VIEW_QUEUES;
	t->dirty = DIRTY_ALL;
	return (TQ_UI_REDRAW | TQ_UI_REFETCH);
}

/* The filter being typed: the dead view has its own. */
static char *
action_filter_buf(struct tqtop *t)
{
	return (t->view == VIEW_DEAD ? t->dead_filter : t->filter);
}

static int
act_filter(struct tqtop *t, int key)
{
	(void)key;
	t->editing = 1;
	action_filter_buf(t)[0] = '\0';
	t->dirty = DIRTY_ALL;
	return (TQ_UI_REDRAW);
}

static int
act_sort(struct tqtop *t, int key)
{
	(void)key;
	t->sort = (t->sort + 1) % view_nsorts();
	t->sel_queue[0] = '\0';
	t->queues.sel = t->queues.top = 0;
	action_status(t, 0, "sorted by %s", view_sort_name(t->sort));
	t->dirty = DIRTY_ALL;
	return (TQ_UI_REDRAW);
}

static int
act_mark(struct tqtop *t, int key)
{
	const struct tq_task_info	*ti;
	size_t				 i;

	(void)key;
	if ((ti = action_dead_selected(t)) == NULL)
		return (0);
	for (i = 0; i < t->nmarks; i++)
		if (strcmp(t->marks[i], ti->id) == 0)
			break;
	if (i < t->nmarks) {
		free(t->marks[i]);
		t->marks[i] = t->marks[--t->nmarks];
	} else {
		t->marks = tq_xreallocarray(t->marks, t->nmarks + 1,
		    sizeof *t->marks);
		t->marks[t->nmarks++] = tq_xstrdup(ti->id);
	}
	t->dirty |= DIRTY_BODY;
	return (TQ_UI_REDRAW | act_move(t, KEY_DOWN));
}

/* Take the ids to act on: the marked ones, else the selected one. */
static int
action_take_ids(struct tqtop *t)
{
	const struct tq_task_info	*ti;
	size_t				 i;

	action_clear_op(t);
	snprintf(t->op_queue, sizeof t->op_queue, "%s", t->sel_queue);
	if (t->nmarks > 0) {
		t->op_ids = tq_xcalloc(t->nmarks, sizeof *t->op_ids);
		for (i = 0; i < t->nmarks; i++)
			t->op_ids[i] = tq_xstrdup(t->marks[i]);
		t->op_nids = t->nmarks;
		return (0);
	}
	if ((ti = action_dead_selected(t)) == NULL) {
		action_status(t, 1, "no dead task selected");
		return (-1);
	}
	t->op_ids = tq_xcalloc(1, sizeof *t->op_ids);
	t->op_ids[0] = tq_xstrdup(ti->id);
	t->op_nids = 1;
	return (0);
}

/* What an action does, as a verb: "requeue", "requeued", "requeuing". */
static const char *
action_verb(enum job_kind kind, int form)
{
	static const char *const verbs[][3] = {
		{ "requeue", "requeued", "requeuing" },
		{ "purge", "purged", "purging" },
		{ "pause", "paused", "pausing" },
		{ "resume", "resumed", "resuming" },
	};

	switch (kind) {
	case JOB_REQUEUE:
		return (verbs[0][form]);
	case JOB_PURGE:
		return (verbs[1][form]);
	case JOB_PAUSE:
		return (verbs[2][form]);
	default:
		return (verbs[3][form]);
	}
}

/*
 * Hand the confirmed operation to the fetch thread.  Its ids (or none:
 * the whole dead list) go with it; the outcome comes to action_job.
 */
static int
action_run(struct tqtop *t)
{
	struct job	 j;
	enum job_kind	 kind;

	memset(&j, 0, sizeof j);
	switch (t->op) {
	case OP_REQUEUE:
		j.kind = JOB_REQUEUE;
		break;
	case OP_PURGE:
		j.kind = JOB_PURGE;
		break;
	case OP_PAUSE:
		j.kind = JOB_PAUSE;
		break;
	case OP_RESUME:
		j.kind = JOB_RESUME;
		break;
	default:
		return (0);
	}
	snprintf(j.queue, sizeof j.queue, "%s", t->op_queue);
	j.ids = t->op_ids;
	j.nids = t->op_nids;
	j.expect = t->op_ids != NULL ? (long long)t->op_nids : t->op_expect;
	kind = j.kind;
	t->op_ids = NULL;
	t->op_nids = 0;
	if (source_submit(t->src, &j) != 0) {
		/* action_key refuses a second one; this is a safety net. */
		source_job_clear(&j);
		action_status(t, 1, "another action is still running");
	} else {
		t->acting = 1;
		action_status(t, 0, "%s %s...", action_verb(kind, 2),
		    t->op_queue);
	}
	action_clear_op(t);
	t->dirty |= DIRTY_STATUS;
	return (TQ_UI_REDRAW);
}

/* "1,204 tasks; 3 were already gone" */
static void
action_tasks(char *dst, size_t size, long long done, long long missing)
{
	char	 n1[32], n2[32];

	screen_count(n1, sizeof n1, done);
	screen_count(n2, sizeof n2, missing);
	snprintf(dst, size, "%s task%s%s%s%s", n1, done == 1 ? "" : "s",
	    missing > 0 ? "; " : "", missing > 0 ? n2 : "",
	    missing > 0 ? (missing == 1 ? " was already gone" :
	    " were already gone") : "");
}

void
action_progress(struct tqtop *t)
{
	const struct source_state	*st = &t->link;
	const char			*dots;
	char				 n1[32], n2[32];
	char				 old[sizeof t->status];

	if (!t->acting || !st->acting || st->kind == JOB_PAUSE ||
	    st->kind == JOB_RESUME)
		return;
	dots = crt_utf8 ? "\xe2\x80\xa6" : "...";
	memcpy(old, t->status, sizeof old);
	screen_count(n1, sizeof n1, st->done + st->missing);
	screen_count(n2, sizeof n2, st->expect);
	/* "requeued 120,000 of 1,000,000 dead tasks of mail..." */
	action_status(t, 0, "%s %s%s%s dead task%s of %s%s%s",
	    action_verb(st->kind, 1), n1, st->expect > 0 ? " of " : "",
	    st->expect > 0 ? n2 : "", st->expect == 1 ? "" : "s", st->queue,
	    st->cancelling ? "; stopping" : "", st->cancelling ? dots :
	    crt_utf8 ? "\xe2\x80\xa6 (Esc stops)" : "... (Esc stops)");
	if (strcmp(old, t->status) != 0)
		t->dirty |= DIRTY_STATUS;
}

int
action_job(struct tqtop *t, struct job *j)
{
	char	 tasks[128], n[32];

	t->dirty |= DIRTY_STATUS;
	if (j->kind == JOB_INSPECT) {
		if (j->failed && j->err.code == TQ_ENOTFOUND)
			action_status(t, 0, "%s is gone (requeued or purged "
			    "meanwhile)", j->ids[0]);
		else if (j->failed)
			action_status(t, 1, "%s", j->err.msg);
		else if (t->view == VIEW_DEAD) {
			/* Still where Enter was pressed. */
			t->status[0] = '\0';
			action_detail(t, j->ti);
		}
		return (TQ_UI_REDRAW);
	}
	t->acting = 0;
	if (j->kind == JOB_PAUSE || j->kind == JOB_RESUME) {
		if (j->failed)
			action_status(t, 1, "%s failed: %s",
			    action_verb(j->kind, 0), j->err.msg);
		else
			action_status(t, 0, "%s %s", action_verb(j->kind, 1),
			    j->queue);
		return (TQ_UI_REDRAW | TQ_UI_REFETCH);
	}
	action_tasks(tasks, sizeof tasks, j->done, j->missing);
	if (j->failed)
		action_status(t, 1, "%s failed after %s: %s",
		    action_verb(j->kind, 0), tasks, j->err.msg);
	else if (j->cancelled && j->missing == 0 && j->expect > 0) {
		screen_count(tasks, sizeof tasks, j->done);
		screen_count(n, sizeof n, j->expect);
		action_status(t, 0, "stopped: %s %s of %s task%s",
		    action_verb(j->kind, 1), tasks, n,
		    j->expect == 1 ? "" : "s");
	} else if (j->cancelled)
		action_status(t, 0, "stopped: %s %s", action_verb(j->kind, 1),
		    tasks);
	else {
		action_status(t, 0, "%s %s", action_verb(j->kind, 1), tasks);
		action_clear_marks(t);
	}
	/* What the search found has moved: it starts over. */
	source_find_reset(&t->find, "", "");
	t->find_gen++;
	t->dirty |= DIRTY_BODY;
	return (TQ_UI_REDRAW | TQ_UI_REFETCH);
}

/* Open the confirmation dialog, Cancel selected. */
static int
action_confirm(struct tqtop *t, int (*run)(struct tqtop *),
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int
action_confirm(struct tqtop *t, int (*run)(struct tqtop *),
    const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(t->dialog.text, sizeof t->dialog.text, fmt, ap);
	va_end(ap);
	t->dialog.active = 1;
	t->dialog.choice = 0;
	t->dialog.run = run;
	t->dirty = DIRTY_ALL;
	return (TQ_UI_REDRAW);
}

/* The selected queue, for the queue-wide actions; NULL reports why. */
static const struct snap_queue *
action_queue(struct tqtop *t)
{
	const struct snap_queue	*q;

	if (t->view == VIEW_QUEUES && t->sel_queue[0] == '\0')
		action_sync_queue(t);
	if ((q = view_selected_queue(t)) == NULL)
		action_status(t, 1, "no queue selected");
	return (q);
}

static int
act_requeue(struct tqtop *t, int key)
{
	(void)key;
	if (action_take_ids(t) != 0)
		return (TQ_UI_REDRAW);
	t->op = OP_REQUEUE;
	t->dirty |= DIRTY_STATUS;
	return (action_run(t));
}

static int
act_purge(struct tqtop *t, int key)
{
	char	 n[32];

	(void)key;
	if (action_take_ids(t) != 0)
		return (TQ_UI_REDRAW);
	t->op = OP_PURGE;
	screen_count(n, sizeof n, (long long)t->op_nids);
	return (action_confirm(t, action_run,
	    "Purge %s dead task%s of %s for good?", n,
	    t->op_nids == 1 ? "" : "s", t->op_queue));
}

/* R and D with a filter: every task the search matched. */
static int
action_all_found(struct tqtop *t, enum pending_op op)
{
	const struct dead_find	*f = &t->find;
	char			 n[32], m[32];
	size_t			 i;

	screen_count(n, sizeof n, f->scanned);
	screen_count(m, sizeof m, f->total);
	if (!f->done && !f->capped) {
		action_status(t, 1, "still searching (%s of %s read): wait "
		    "for it, or mark rows with Space", n, m);
		return (TQ_UI_REDRAW);
	}
	if (f->n == 0) {
		action_status(t, 1, "no dead task matches \"%s\"", f->text);
		return (TQ_UI_REDRAW);
	}
	action_clear_op(t);
	snprintf(t->op_queue, sizeof t->op_queue, "%s", f->queue);
	t->op_ids = tq_xcalloc(f->n, sizeof *t->op_ids);
	for (i = 0; i < f->n; i++)
		t->op_ids[i] = tq_xstrdup(f->rows[i]->id);
	t->op_nids = f->n;
	t->op = op;
	screen_count(n, sizeof n, (long long)f->n);
	return (action_confirm(t, action_run, "%s the %s%s dead task%s "
	    "of %s matching \"%s\"%s?", op == OP_PURGE ? "Purge" : "Requeue",
	    f->capped ? "first " : "", n, f->n == 1 ? "" : "s", f->queue,
	    f->text, op == OP_PURGE ? " for good" : ""));
}

/* R and D: the whole dead list of the queue. */
static int
action_all(struct tqtop *t, enum pending_op op)
{
	const struct snap_queue	*q;
	char			 n[32];

	if (t->view == VIEW_DEAD && view_dead_filtered(t))
		return (action_all_found(t, op));
	if ((q = action_queue(t)) == NULL)
		return (TQ_UI_REDRAW);
	if (q->st.dead == 0) {
		action_status(t, 0, "%s has no dead tasks", q->st.name);
		return (TQ_UI_REDRAW);
	}
	action_clear_op(t);
	snprintf(t->op_queue, sizeof t->op_queue, "%s", q->st.name);
	t->op = op;
	t->op_expect = q->st.dead;
	screen_count(n, sizeof n, q->st.dead);
	return (action_confirm(t, action_run, "%s all %s dead task%s "
	    "of %s%s?", op == OP_PURGE ? "Purge" : "Requeue", n,
	    q->st.dead == 1 ? "" : "s", q->st.name,
	    op == OP_PURGE ? " for good" : ""));
}

static int
act_requeue_all(struct tqtop *t, int key)
{
	(void)key;
	return (action_all(t, OP_REQUEUE));
}

static int
act_purge_all(struct tqtop *t, int key)
{
	(void)key;
	return (action_all(t, OP_PURGE));
}

static int
act_pause(struct tqtop *t, int key)
{
	const struct snap_queue	*q;
	char			 n[32];

	(void)key;
	if ((q = action_queue(t)) == NULL)
		return (TQ_UI_REDRAW);
	action_clear_op(t);
	snprintf(t->op_queue, sizeof t->op_queue, "%s", q->st.name);
	t->op = q->st.paused ? OP_RESUME : OP_PAUSE;
	screen_count(n, sizeof n, q->st.ready);
	return (action_confirm(t, action_run, "%s queue %s (%s ready "
	    "task%s)?", q->st.paused ? "Resume" : "Pause", q->st.name, n,
	    q->st.ready == 1 ? "" : "s"));
}

static int
act_refresh(struct tqtop *t, int key)
{
	int64_t	 step = t->refresh_ms < 1000 ? 100 : 500;

	if (key == '+')
		t->refresh_ms += step;
	else if (t->refresh_ms > 100)
		t->refresh_ms -= t->refresh_ms <= 1000 ? 100 : 500;
	if (t->refresh_ms > 3600000)
		t->refresh_ms = 3600000;
	action_status(t, 0, "refresh every %.1fs", t->refresh_ms / 1000.0);
	t->dirty |= DIRTY_HEADER | DIRTY_STATUS;
	return (TQ_UI_REDRAW);
}

static int
act_help(struct tqtop *t, int key)
{
	(void)key;
	if (t->view == VIEW_HELP)
		t->view = t->prev_view;
	else {
		t->prev_view = t->view;
		t->view = VIEW_HELP;
		t->help.top = 0;
	}
	t->dirty = DIRTY_ALL;
	return (TQ_UI_REDRAW);
}

static int
act_quit(struct tqtop *t, int key)
{
	(void)t;
	(void)key;
	return (TQ_UI_QUIT);
}

/* Keys while the dialog is up: only yes, no and choosing. */
static int
action_dialog_key(struct tqtop *t, int key)
{
	int	 run = 0;

	switch (key) {
	case 'y':
	case 'Y':
		run = 1;
		break;
	case '\r':
	case '\n':
	case KEY_ENTER:
		run = t->dialog.choice == 1;
		if (!run)
			key = 'n';
		break;
	case '\t':
	case KEY_LEFT:
	case KEY_RIGHT:
	case 'h':
	case 'l':
		t->dialog.choice = !t->dialog.choice;
		t->dirty |= DIRTY_BODY;
		return (TQ_UI_REDRAW);
	case 'n':
	case 'N':
	case 27:
	case 'q':
		break;
	default:
		return (0);
	}
	t->dialog.active = 0;
	t->dirty = DIRTY_ALL;
	if (run)
		return (t->dialog.run(t));
	action_clear_op(t);
	action_status(t, 0, "cancelled");
	return (TQ_UI_REDRAW);
}

/* Keys while typing a filter. */
static int
action_filter_key(struct tqtop *t, int key)
{
	char	*f = action_filter_buf(t);
	size_t	 len = strlen(f);

	switch (key) {
	case '\r':
	case '\n':
	case KEY_ENTER:
		t->editing = 0;
		break;
	case 27:
		t->editing = 0;
		f[0] = '\0';
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (len > 0)
			f[len - 1] = '\0';
		break;
	default:
		/* Both buffers have the same size. */
		if (key < 0x20 || key > 0x7e || len + 1 >= sizeof t->filter)
			return (0);
		f[len] = (char)key;
		f[len + 1] = '\0';
		break;
	}
	if (t->view == VIEW_DEAD) {
		/* The loop starts the search over from the newest. */
		t->dead.sel = t->dead.top = 0;
		t->dirty = DIRTY_ALL;
		return (TQ_UI_REDRAW | TQ_UI_REFETCH);
	}
	t->sel_queue[0] = '\0';
	t->queues.sel = t->queues.top = 0;
	t->workers.sel = t->workers.top = 0;
	t->dirty = DIRTY_ALL;
	return (TQ_UI_REDRAW);
}

int
action_key(struct tqtop *t, int key)
{
	const struct key_binding	*b;
	size_t				 i;

	if (t->dialog.active)
		return (action_dialog_key(t, key));
	if (t->editing)
		return (action_filter_key(t, key));
	for (i = 0; i < key_table_size; i++) {
		b = &key_table[i];
		if (b->key != key)
			continue;
		if (b->views != 0 && (b->views & VIEW_BIT(t->view)) == 0)
			continue;
		if ((b->flags & KB_WRITE) && t->read_only) {
			action_status(t, 1, "read-only: %s (%s) is disabled",
			    b->name, b->help);
			t->dirty |= DIRTY_STATUS;
			return (TQ_UI_REDRAW);
		}
		if ((b->flags & KB_WRITE) && t->acting) {
			/* One at a time: its progress is on screen. */
			action_status(t, 1, "%s: wait for the running action, "
			    "or stop it with Esc", b->name);
			t->dirty |= DIRTY_STATUS;
			return (TQ_UI_REDRAW);
		}
		if (t->status[0] != '\0') {
			t->status[0] = '\0';
			t->dirty |= DIRTY_STATUS;
		}
		return (b->fn(t, key) | TQ_UI_REDRAW);
	}
	return (0);
}
