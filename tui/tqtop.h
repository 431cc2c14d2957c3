/*
 * tqtop.h -- the private header of tqtop, the tq dashboard.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tqtop is split by what each file may touch: crt.c owns the terminal,
 * source.c owns the Redis connection and fills a struct snapshot, the
 * views (view.c) and the frame around them (screen.c) only read the
 * snapshot and the UI state, and action.c maps keys to actions through
 * one table.  The loop in tqtop.c asks for a fetch on the refresh
 * interval and redraws what the dirty flags name.
 *
 * Redis is never waited for on the loop's thread: source.c runs every
 * Redis call on a fetch thread of its own (with the one tq_client), which
 * hands snapshots and the outcome of jobs (actions, a search step, a
 * whole dead letter) back through a mutex and a pipe that the loop polls
 * beside the keyboard.  So a Redis that hangs costs the keyboard nothing.
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
	enum tq_errcode		 failure;	/* its code */
	struct tq_server_info	 server;
	char			 address[256];
	char			*leader;	/* NULL: nobody leads */
	long long		 epoch;
	int64_t			 leader_ttl;
	char			*seen_id;	/* renewed by; NULL: ? */
	int64_t			 seen_age;	/* ms ago, at the fetch */
	int64_t			 lease_ms;	/* renewed for */
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
	int64_t			 at_ms;		/* Redis clock of the fetch */
	int64_t			 fetch_us;	/* it took, with the copy */
};

/* What the screen needs from the next fetch. */
struct fetch_req {
	const char *const	*spark_queues;	/* queues on screen */
	size_t			 nspark;
	const char		*dead_queue;	/* NULL: no dead page */
	long long		 dead_offset;
	int			 dead_limit;
};

/*
 * Work for the fetch thread besides refreshing: an action, reading a whole
 * dead letter, or a step of the dead-letter search.  The loop fills in
 * what to do; the thread fills in how it went and gives it back.
 */
enum job_kind {
	JOB_NONE = 0,
	JOB_REQUEUE,
	JOB_PURGE,
	JOB_PAUSE,
	JOB_RESUME,
	JOB_INSPECT,
	JOB_FIND,
};
struct job {
	enum job_kind		 kind;
	char			 queue[TQ_NAME_MAX + 1];
	/* Requeue, purge: these ids, or with none every dead task; inspect:
	 * ids[0]. */
	char			**ids;
	size_t			 nids;
	long long		 expect;	/* what the dialog counted */
	/* Find: the text, where the scan goes on, room for matches. */
	char			 text[64];
	char			 cursor[TQ_DEAD_CURSOR_MAX];
	unsigned		 gen;		/* its search */
	long long		 room;
	/* The outcome. */
	long long		 done;
	long long		 missing;
	int			 cancelled;
	int			 failed;	/* err says why */
	struct tq_error		 err;
	struct tq_task_info	*ti;		/* inspect */
	struct tq_task_info	**rows;		/* find: matches */
	size_t			 nrows;
	long long		 scanned;
	long long		 total;
	int			 more;		/* find: not done */
};

/* How the fetch thread is doing, for the header and the status line. */
struct source_state {
	int64_t			 waiting;	/* ms in this call */
	int64_t			 silent;	/* ms since an answer */
	int			 stalled;	/* last call timed out */
	int			 acting;	/* an action is on */
	enum job_kind		 kind;		/* which */
	char			 queue[TQ_NAME_MAX + 1];
	long long		 done;		/* its progress */
	long long		 missing;
	long long		 expect;
	int			 cancelling;
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
	struct source_state link;	/* the fetch thread, as of this pass */
	struct dead_find find;		/* the dead view's search */
	unsigned	 find_gen;	/* bumped when it starts over */
	int		 find_busy;	/* a step is out */
	int		 find_wait;	/* failed: wait a fetch */
	int		 read_only;
	int64_t		 refresh_ms;
	enum view	 view;
	enum view	 prev_view;	/* where Esc goes from help/detail */
	struct panel	 queues;
	struct panel	 workers;
	struct panel	 dead;
	struct panel	 detail;
	struct panel	 help;
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
	long long	 op_expect;	/* the tasks the dialog counted */
	int		 acting;	/* an action is out */
	int		 timed;		/* TQTOP_TIMING has this fetch */
	/* The detail pane's text, one escaped line each. */
	char		**detail_lines;
	size_t		 ndetail;
	int		 dirty;
};

/* crt.c */
extern volatile sig_atomic_t crt_quit;
extern int	 crt_wake_fd;	/* readable after a signal: poll it */
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
	CRT_ACTIVE,
	CRT_NCOLOURS,
};
/* Take the terminal (curses, colours, stderr to a temporary file). */
void		 crt_init(void);
/* Give it back: endwin, then print what went to stderr.  Idempotent,
 * safe from the OOM hook and from any exit path. */
void		 crt_done(void);
/* Catch INT, TERM, HUP and QUIT as a quit flag (and wake crt_wake_fd);
 * give the terminal back before SEGV, BUS, FPE, ILL or ABRT kill us;
 * ignore PIPE. */
void		 crt_signals(void);
/* Drain crt_wake_fd. */
void		 crt_drain(void);
/* Decide UTF-8 (locale and TERM) and colour (TERM and NO_COLOR); also
 * used by batch mode, which never calls crt_init. */
void		 crt_detect(void);
/* The attribute for a colour role (A_NORMAL/A_BOLD without colour). */
attr_t		 crt_attr(enum crt_colour c);
__attribute__((noreturn, format(printf, 1, 2)))
void		 crt_fatalx(const char *fmt, ...);

/* source.c */
/* The monotonic clock, for timeouts and timings (the loop's too). */
int64_t		 source_now_us(void);
int64_t		 source_now_ms(void);
struct source	*source_new(const struct tq_config *cfg, struct tq_error *err);
/* Stop the fetch thread (waiting a moment at most for a call in flight)
 * and free what it can. */
void		 source_free(struct source *s);
/* Refresh snap (queues, stats, rates, header, workers, sparks, page) on
 * the caller's thread: batch mode, which never starts the thread.  On a
 * connection error snap keeps its figures and connected is 0. */
void		 source_fetch(struct source *s, struct snapshot *snap,
		     const struct fetch_req *req);
/* Where Redis is, as configured: before source_start only (a Sentinel
 * may move it, which the fetch thread alone sees). */
const char	*source_address(const struct source *s);
/* Start the fetch thread; from then on only it talks to Redis. */
int		 source_start(struct source *s, struct tq_error *err);
/* Readable when the thread has news (poll it; source_take drains). */
int		 source_fd(const struct source *s);
/* Ask for a fetch; a request not yet started is replaced. */
void		 source_ask(struct source *s, const struct fetch_req *req);
/* Replace snap with the newest fetch, if one came: 1, else 0.  The
 * last dead page stays when the fetch did not ask for one. */
int		 source_take(struct source *s, struct snapshot *snap);
/* Hand j to the thread (it takes j's ids; j is cleared): 0, or -1 when
 * a job of its sort (action, inspect, find) is still with it. */
int		 source_submit(struct source *s, struct job *j);
/* A finished job into *out: 1, or 0 when none. */
int		 source_result(struct source *s, struct job *out);
/* Stop the running action after the slice in progress. */
void		 source_cancel(struct source *s);
void		 source_state(struct source *s, struct source_state *st);
/* Free what a job holds and clear it. */
void		 source_job_clear(struct job *j);
void		 snapshot_done(struct snapshot *snap);
/* Start the dead-letter search over (queue "": drop it). */
void		 source_find_reset(struct dead_find *f, const char *queue,
		     const char *text);

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
/* Seconds Redis has kept us waiting (a call in flight for a second or
 * more, or one that timed out), or -1 when it answers. */
int		 screen_stalled(const struct source_state *st);

/* action.c */
struct key_binding {
	int		 key;
	const char	*name;		/* shown in the bar and help */
	const char	*label;		/* for the bar; NULL: help only */
	int		 rank;		/* the bar drops high first */
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
/* An action or inspect job came back: report it; returns TQ_UI_* flags. */
int		 action_job(struct tqtop *t, struct job *j);
/* The status line while an action runs (from t->link). */
void		 action_progress(struct tqtop *t);
void		 action_status(struct tqtop *t, int error, const char *fmt,
		     ...) __attribute__((format(printf, 3, 4)));
void		 action_free(struct tqtop *t);

#endif /* TQTOP_H */
