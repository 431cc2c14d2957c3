/*
 * tqtop.h -- the private header of tqtop, the tq dashboard.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tqtop is split by what each file may touch: crt.c owns the terminal,
 * source.c owns the Redis connection and fills a struct snapshot, the
 * views (view.c) and the frame around them (screen.c) only read the
 * snapshot and the UI state, and action.c maps keys to actions through
 * one table.  The loop in tqtop.c fetches on the refresh interval and
 * redraws what the dirty flags name.
 */

#ifndef TQTOP_H
#define TQTOP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <curses.h>

#include "tq.h"

#define TQ_UNUSED	__attribute__((unused))

#define SPARK_SECONDS	60	/* width of the throughput history */
#define MIN_COLS	40	/* below this: "terminal too small" */
#define MIN_LINES	10

/*
 * One queue as shown: its figures, rates and last minute.  Only queues
 * that have been on screen have a last minute, so it is a pointer: a
 * thousand queues would otherwise carry 480 bytes each of zeros, twice
 * while a fetch replaces the array.
 */
struct snap_queue {
	struct tq_queue_stats	 st;
	double			 in_rate;	/* enqueued per second */
	double			 out_rate;	/* processed per second */
	double			 fail_rate;	/* failed attempts per second */
	long long		*spark;	/* SPARK_SECONDS, [0] newest; or NULL */
};

/*
 * The dead view's filter: what a scan of the queue's dead letters
 * (tq_dead_find, a bounded slice a step) has found so far, newest first.
 * Rows keep what the list shows (id, type, attempts, failed at, error);
 * Enter reads the rest.  The scan stops at FIND_MAX matches.
 */
#define FIND_MAX	5000
struct dead_find {
	char			 queue[TQ_NAME_MAX + 1];	/* "": none */
	char			 text[64];
	char			 cursor[TQ_DEAD_CURSOR_MAX];
	struct tq_task_info	**rows;
	size_t			 n;
	long long		 scanned;	/* entries read */
	long long		 total;		/* dead letters, last read */
	int			 done;		/* read to the oldest */
	int			 capped;	/* stopped at FIND_MAX */
};

/* Everything tqtop knows about Redis, as of the last fetch. */
struct snapshot {
	int			 connected;
	int			 ever;		/* one fetch ever worked */
	char			 error[256];	/* last failure, "" if none */
	struct tq_server_info	 server;
	char			 address[256];
	char			*leader;	/* NULL: nobody leads */
	long long		 epoch;
	int64_t			 leader_ttl;
	struct snap_queue	*queues;
	size_t			 nqueues;
	struct tq_worker_info	*workers;
	size_t			 nworkers;
	size_t			 live_workers;
	/* One page of dead letters of dead_queue, from dead_offset. */
	char			 dead_queue[TQ_NAME_MAX + 1];
	struct tq_task_info	**dead;
	size_t			 ndead;
	long long		 dead_offset;
	int			 dead_valid;
	struct dead_find	 find;
	int64_t			 at_ms;		/* Redis clock of the fetch */
};

/* What the screen needs from the next fetch. */
struct fetch_req {
	const char *const	*spark_queues;	/* queues on screen */
	size_t			 nspark;
	const char		*dead_queue;	/* NULL: no dead page */
	long long		 dead_offset;
	int			 dead_limit;
};

/* A generic scrollable list: selection and first visible row. */
struct panel {
	long long	 n;
	long long	 sel;
	long long	 top;
	int		 height;
};

enum view {
	VIEW_QUEUES = 0,
	VIEW_WORKERS,
	VIEW_DEAD,
	VIEW_DETAIL,
	VIEW_HELP,
};
#define VIEW_BIT(v)	(1 << (v))

/* Action results: the loop alone acts on them. */
#define TQ_UI_REDRAW	0x1
#define TQ_UI_REFETCH	0x2
#define TQ_UI_RELAYOUT	0x4
#define TQ_UI_QUIT	0x8

/* Parts of the screen to repaint. */
#define DIRTY_HEADER	0x1
#define DIRTY_BODY	0x2
#define DIRTY_STATUS	0x4
#define DIRTY_BAR	0x8
#define DIRTY_ALL	0xf

struct tqtop;

/* A pending confirmation: what it asks and what it runs on "yes". */
struct dialog {
	int		 active;
	int		 choice;	/* 0 Cancel (the default), 1 OK */
	char		 text[512];
	int		 (*run)(struct tqtop *);
};

enum pending_op {
	OP_NONE = 0,
	OP_REQUEUE,
	OP_PURGE,
	OP_PAUSE,
	OP_RESUME,
};

struct tqtop {
	struct source	*src;
	struct snapshot	 snap;
	int		 read_only;
	int64_t		 refresh_ms;
	enum view	 view;
	enum view	 prev_view;	/* where Esc goes from help/detail */
	struct panel	 queues;
	struct panel	 workers;
	struct panel	 dead;
	struct panel	 detail;
	char		 sel_queue[TQ_NAME_MAX + 1];	/* by name */
	int		 sort;		/* queue column index */
	char		 filter[64];	/* queues and workers */
	char		 dead_filter[64];	/* dead letters */
	int		 editing;	/* typing a filter */
	char		 status[256];
	int		 status_error;
	char		**marks;	/* marked dead task ids */
	size_t		 nmarks;
	struct dialog	 dialog;
	/* The operation the dialog confirms. */
	enum pending_op	 op;
	char		 op_queue[TQ_NAME_MAX + 1];
	char		**op_ids;	/* NULL: all */
	size_t		 op_nids;
	/* The detail pane's text, one escaped line each. */
	char		**detail_lines;
	size_t		 ndetail;
	int		 dirty;
};

/* crt.c */
extern volatile sig_atomic_t crt_quit;
extern int	 crt_utf8;
extern int	 crt_colour;
enum crt_colour {
	CRT_NORMAL = 0,
	CRT_HEADER,
	CRT_TITLE,
	CRT_SELECTED,
	CRT_OK,
	CRT_WARN,
	CRT_BAD,
	CRT_DIM,
	CRT_KEY,
	CRT_NCOLOURS,
};
/* Take the terminal (curses, colours, stderr to a temporary file). */
void		 crt_init(void);
/* Give it back: endwin, then print what went to stderr.  Idempotent,
 * safe from the OOM hook and from any exit path. */
void		 crt_done(void);
/* Catch INT, TERM and HUP as a quit flag; ignore PIPE. */
void		 crt_signals(void);
/* Decide UTF-8 (locale and TERM) and colour (TERM and NO_COLOR); also
 * used by batch mode, which never calls crt_init. */
void		 crt_detect(void);
/* The attribute for a colour role (A_NORMAL/A_BOLD without colour). */
attr_t		 crt_attr(enum crt_colour c);
__attribute__((noreturn, format(printf, 1, 2)))
void		 crt_fatalx(const char *fmt, ...);

/* source.c */
struct source	*source_new(const struct tq_config *cfg, struct tq_error *err);
void		 source_free(struct source *s);
/* Refresh snap (queues, stats, rates, header, workers, sparks, page).
 * On a connection error snap keeps its figures and connected is 0. */
void		 source_fetch(struct source *s, struct snapshot *snap,
		     const struct fetch_req *req);
/* Refetch only the dead page (scrolling). */
void		 source_fetch_dead(struct source *s, struct snapshot *snap,
		     const char *queue, long long offset, int limit);
void		 snapshot_done(struct snapshot *snap);
/* Start the dead-letter search over (queue "": drop it). */
void		 source_find_reset(struct snapshot *snap, const char *queue,
		     const char *text);
/* Go on with the search for about budget_ms; 1 if it found anything. */
int		 source_find_step(struct source *s, struct snapshot *snap,
		     int64_t budget_ms);
/* A whole dead letter, to show its details; NULL (err set) if gone. */
struct tq_task_info *source_inspect(struct source *s, const char *queue,
		     const char *id, struct tq_error *err);
int		 source_dead(struct source *s, int purge, const char *queue,
		     const char *const *ids, size_t n, long long *done,
		     long long *missing, struct tq_error *err);
int		 source_pause(struct source *s, const char *queue, int pause,
		     struct tq_error *err);

/* panel.c */
void		 panel_clamp(struct panel *p);
/* Move by a key (arrows, j/k, PgUp/PgDn, Home/End); 1 if it moved. */
int		 panel_move(struct panel *p, int key);

/* view.c */
/* The queues on screen, filtered and sorted: a new array of indexes into
 * snap.queues (free()), *n the count. */
size_t		*view_queue_order(const struct tqtop *t, size_t *n);
const char	*view_sort_name(int sort);
int		 view_nsorts(void);
void		 view_queues(struct tqtop *t, WINDOW *w);
void		 view_workers(struct tqtop *t, WINDOW *w);
void		 view_dead(struct tqtop *t, WINDOW *w);
/* Whether the dead view shows the search's matches (a filter is set). */
int		 view_dead_filtered(const struct tqtop *t);
/* Row i of the dead view, or NULL when it is not loaded. */
const struct tq_task_info *view_dead_row(const struct tqtop *t,
		     long long i);
void		 view_detail(struct tqtop *t, WINDOW *w);
/* The worker indexes shown (filtered): new array, *n the count. */
size_t		*view_worker_order(const struct tqtop *t, size_t *n);
/* The selected queue's stats, or NULL. */
const struct snap_queue *view_selected_queue(const struct tqtop *t);
/* Build the detail lines of a dead task. */
void		 view_detail_build(struct tqtop *t,
		     const struct tq_task_info *ti);
void		 view_detail_free(struct tqtop *t);

/* screen.c */
/* Recompute every window from LINES and COLS (the only place). */
void		 screen_layout(struct tqtop *t);
void		 screen_draw(struct tqtop *t);
void		 screen_free(void);
/* Body height in rows (for paging the dead list). */
int		 screen_body_rows(void);
/* Helpers for drawing text. */
void		 screen_escape(char *dst, size_t size, const char *src);
void		 screen_count(char *dst, size_t size, long long n);
void		 screen_age(char *dst, size_t size, int64_t ms);
void		 screen_put(WINDOW *w, int y, int x, int width, const char *s);

/* action.c */
struct key_binding {
	int		 key;
	const char	*name;		/* shown in the bar and help */
	const char	*label;		/* for the bar; NULL: help only */
	const char	*help;
	int		 views;		/* VIEW_BIT mask; 0: everywhere */
	int		 flags;
#define KB_WRITE	0x1	/* changes Redis: hidden with --read-only */
#define KB_CONFIRM	0x2	/* asks first (destructive or bulk) */
	int		 (*fn)(struct tqtop *, int);
};
extern const struct key_binding key_table[];
extern const size_t key_table_size;
/* Whether binding b is offered in t's current state. */
int		 action_shown(const struct tqtop *t,
		     const struct key_binding *b);
/* Handle one key; returns TQ_UI_* flags. */
int		 action_key(struct tqtop *t, int key);
void		 action_status(struct tqtop *t, int error, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
void		 action_free(struct tqtop *t);

#endif /* TQTOP_H */
