/*
 * action.c -- the key table and what each key does.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Every key is one entry of key_table: the key, how the bar and the help
 * screen name it, which views it works in, whether it writes to Redis
 * (hidden and refused with --read-only) or asks first, and its function.
 * Aliases (j for Down) share the help string, which the help screen uses
 * to list an action once.  Actions never draw and never fetch: they
 * change the UI state and return TQ_UI_* flags for the loop.  Writes go
 * through source.c, as does the one read an action needs (Enter on a
 * search's match, whose payload the search does not keep); the
 * destructive and bulk ones (R, d, D, p) open a dialog whose default
 * button is Cancel.
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
static const char h_back[] = "back (close details, help, filter)";
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

const struct key_binding key_table[] = {
	{ KEY_UP, "Up", NULL, h_move, 0, 0, act_move },
	{ KEY_DOWN, "Down", NULL, h_move, 0, 0, act_move },
	{ 'k', "k", NULL, h_move, 0, 0, act_move },
	{ 'j', "j", NULL, h_move, 0, 0, act_move },
	{ KEY_PPAGE, "PgUp", NULL, h_page, 0, 0, act_move },
	{ KEY_NPAGE, "PgDn", NULL, h_page, 0, 0, act_move },
	{ KEY_HOME, "Home", NULL, h_ends, 0, 0, act_move },
	{ KEY_END, "End", NULL, h_ends, 0, 0, act_move },
	{ '\t', "Tab", "view", h_view, 0, 0, act_view },
	{ '1', "1", NULL, h_view, 0, 0, act_view },
	{ '2', "2", NULL, h_view, 0, 0, act_view },
	{ '3', "3", NULL, h_view, 0, 0, act_view },
	{ '\r', "Enter", "detail", h_enter, V_D, 0, act_enter },
	{ '\n', "Enter", NULL, h_enter, V_D, 0, act_enter },
	{ KEY_ENTER, "Enter", NULL, h_enter, V_D, 0, act_enter },
	{ 27, "Esc", "back", h_back, V_D | V_DT | VIEW_BIT(VIEW_HELP), 0,
	  act_back },
	{ '/', "/", "filter", h_filter, V_LIST, 0, act_filter },
	{ 's', "s", "sort", h_sort, V_Q, 0, act_sort },
	{ ' ', "Space", "mark", h_mark, V_D, 0, act_mark },
	{ 'r', "r", "requeue", h_requeue, V_D, KB_WRITE, act_requeue },
	{ 'R', "R", "req-all", h_requeue_all, V_Q | V_D,
	  KB_WRITE | KB_CONFIRM, act_requeue_all },
	{ 'd', "d", "purge", h_purge, V_D, KB_WRITE | KB_CONFIRM,
	  act_purge },
	{ 'D', "D", "purge-all", h_purge_all, V_Q | V_D,
	  KB_WRITE | KB_CONFIRM, act_purge_all },
	{ 'p', "p", "pause", h_pause, V_Q | V_D, KB_WRITE | KB_CONFIRM,
	  act_pause },
	{ '+', "+", NULL, h_refresh, 0, 0, act_refresh },
	{ '-', "-", NULL, h_refresh, 0, 0, act_refresh },
	{ '?', "?", "help", h_help, 0, 0, act_help },
	{ 'q', "q", "quit", h_quit, 0, 0, act_quit },
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
		/* Text scrolls by its first line; view_detail clamps. */
		if (key == KEY_UP || key == 'k')
			t->detail.top--;
		else if (key == KEY_DOWN || key == 'j')
			t->detail.top++;
		else if (key == KEY_PPAGE)
			t->detail.top -= t->detail.height;
		else if (key == KEY_NPAGE)
			t->detail.top += t->detail.height;
		else if (key == KEY_HOME)
			t->detail.top = 0;
		else
			t->detail.top = t->detail.n;
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

static int
act_enter(struct tqtop *t, int key)
{
	const struct tq_task_info	*ti;
	struct tq_task_info		*full = NULL;
	struct tq_error			 err;

	(void)key;
	if ((ti = action_dead_selected(t)) == NULL)
		return (0);
	if (view_dead_filtered(t)) {
		tq_error_clear(&err);
		if ((full = source_inspect(t->src, t->sel_queue, ti->id,
		    &err)) == NULL) {
			if (err.code == TQ_ENOTFOUND)
				action_status(t, 0, "%s is gone (requeued or "
				    "purged meanwhile)", ti->id);
			else
				action_status(t, 1, "%s", err.msg);
			t->dirty |= DIRTY_STATUS;
			return (TQ_UI_REDRAW);
		}
		ti = full;
	}
	view_detail_build(t, ti);
	tq_task_info_free(full);
	t->detail.top = t->detail.sel = 0;
	t->view = VIEW_DETAIL;
	t->dirty = DIRTY_ALL;
	return (TQ_UI_REDRAW);
}

static int
act_back(struct tqtop *t, int key)
{
	(void)key;
	switch (t->view) {
	case VIEW_DETAIL:
		view_detail_free(t);
		t->view = VIEW_DEAD;
		break;
	case VIEW_HELP:
		t->view = t->prev_view;
		break;
	case VIEW_DEAD:
		if (t->dead_filter[0] != '\0') {
			/* First the filter, then the view. */
			t->dead_filter[0] = '\0';
			t->dead.sel = t->dead.top = 0;
			t->dirty = DIRTY_ALL;
			return (TQ_UI_REDRAW | TQ_UI_REFETCH);
		}
		action_clear_marks(t);
		t->view = VIEW_QUEUES;
		break;
	default:
		return (0);
	}
	t->dirty = DIRTY_ALL;
	return (TQ_UI_REDRAW);
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

/* Run the pending dead-letter operation and report its outcome. */
static int
action_run_dead(struct tqtop *t)
{
	struct tq_error	 err;
	long long	 done, missing;
	int		 purge = t->op == OP_PURGE;
	char		 n1[32], n2[32];

	tq_error_clear(&err);
	if (source_dead(t->src, purge, t->op_queue,
	    (const char *const *)t->op_ids, t->op_nids, &done, &missing,
	    &err) != 0) {
		action_status(t, 1, "%s failed: %s", purge ? "purge" :
		    "requeue", err.msg);
	} else {
		screen_count(n1, sizeof n1, done);
		screen_count(n2, sizeof n2, missing);
		action_status(t, 0, "%s %s task%s%s%s%s", purge ? "purged" :
		    "requeued", n1, done == 1 ? "" : "s",
		    missing > 0 ? "; " : "", missing > 0 ? n2 : "",
		    missing > 0 ? (missing == 1 ? " was already gone" :
		    " were already gone") : "");
		action_clear_marks(t);
	}
	action_clear_op(t);
	/* What the search found has moved: it starts over. */
	source_find_reset(&t->snap, "", "");
	return (TQ_UI_REDRAW | TQ_UI_REFETCH);
}

static int
action_run_pause(struct tqtop *t)
{
	struct tq_error	 err;
	int		 pause = t->op == OP_PAUSE;

	tq_error_clear(&err);
	if (source_pause(t->src, t->op_queue, pause, &err) != 0)
		action_status(t, 1, "%s failed: %s", pause ? "pause" :
		    "resume", err.msg);
	else
		action_status(t, 0, "%s %s", pause ? "paused" : "resumed",
		    t->op_queue);
	action_clear_op(t);
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
	return (action_run_dead(t));
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
	return (action_confirm(t, action_run_dead,
	    "Purge %s dead task%s of %s for good?", n,
	    t->op_nids == 1 ? "" : "s", t->op_queue));
}

/* R and D with a filter: every task the search matched. */
static int
action_all_found(struct tqtop *t, enum pending_op op)
{
	const struct dead_find	*f = &t->snap.find;
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
	return (action_confirm(t, action_run_dead, "%s the %s%s dead task%s "
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
	action_clear_op(t);
	snprintf(t->op_queue, sizeof t->op_queue, "%s", q->st.name);
	t->op = op;
	screen_count(n, sizeof n, q->st.dead);
	return (action_confirm(t, action_run_dead, "%s all %s dead task%s "
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
	return (action_confirm(t, action_run_pause, "%s queue %s (%s ready "
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
		if (t->status[0] != '\0') {
			t->status[0] = '\0';
			t->dirty |= DIRTY_STATUS;
		}
		return (b->fn(t, key) | TQ_UI_REDRAW);
	}
	return (0);
}
