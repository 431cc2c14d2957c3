/*
 * tqtop.c -- tqtop's options, configuration, main loop and batch mode.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tqtop [-c FILE] [-u URL] [--namespace NS] [-d SECONDS] [--read-only]
 *       [-b] [-n ITERATIONS]
 *
 * The interactive loop reads keys with a 100 ms timeout and, between
 * keys, fetches when the refresh interval has passed or an action asked
 * for it, then repaints what is dirty.  So a slow or absent Redis delays
 * the keyboard by at most one (short) command timeout per fetch, never
 * more.  Batch mode (-b) skips curses entirely and prints one plain-text
 * block per iteration for scripts and logs.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tqtop.h"

#ifndef TQ_SYSCONFDIR
#define TQ_SYSCONFDIR	"/etc"
#endif

#define TQTOP_FIND_SLICE_MS	30	/* a dead-letter search step */

static __attribute__((noreturn)) void
usage(int status)
{
	fprintf(status == 0 ? stdout : stderr,
	    "usage: tqtop [-c FILE] [-u URL] [--namespace NS] [-d SECONDS] "
	    "[--read-only]\n             [-b] [-n ITERATIONS]\n"
	    "       tqtop -h | --help | --version\n");
	exit(status);
}

/* Restore the terminal before the default "out of memory" abort. */
static void
tqtop_oom(size_t size)
{
	crt_done();
	fprintf(stderr, "tqtop: out of memory (%zu bytes)\n", size);
	abort();
}

static int64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* An environment variable, with "" as unset. */
static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	return (v != NULL && *v != '\0' ? v : NULL);
}

/* The configuration, as tq(1) builds it; exits 2 on a bad one. */
static struct tq_config *
tqtop_config(const char *path, const char *url, const char *ns)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	const char		*what = "-u", *w;
	size_t			 i;

	tq_error_clear(&err);
	cfg = tq_config_new();
	if (path == NULL && (path = env("TQ_CONFIG")) == NULL &&
	    access(TQ_SYSCONFDIR "/tq.conf", F_OK) == 0)
		path = TQ_SYSCONFDIR "/tq.conf";
	if (path != NULL && tq_config_load(cfg, path, &err) != 0)
		goto fail;
	/* Before the screen is taken: it stays above tqtop's after exit. */
	for (i = 0; (w = tq_config_warning(cfg, i)) != NULL; i++)
		fprintf(stderr, "tqtop: warning: %s\n", w);
	if (url == NULL && (url = env("TQ_REDIS_URL")) != NULL)
		what = "TQ_REDIS_URL";
	if (url != NULL && tq_config_set_url(cfg, url, &err) != 0) {
		fprintf(stderr, "tqtop: %s: %s\n", what, err.msg);
		tq_config_free(cfg);
		exit(2);
	}
	if (ns != NULL &&
	    tq_config_set(cfg, "redis", "namespace", ns, &err) != 0)
		goto fail;
	/*
	 * A dashboard must not freeze for the library's default 5 s when
	 * Redis stalls; shorten the defaults, but keep what the user set.
	 */
	if (tq_config_int(cfg, "redis", "command_timeout") == 5000)
		tq_config_set(cfg, "redis", "command_timeout", "1s", NULL);
	if (tq_config_int(cfg, "redis", "connect_timeout") == 2000)
		tq_config_set(cfg, "redis", "connect_timeout", "1s", NULL);
	return (cfg);
fail:
	fprintf(stderr, "tqtop: %s\n", err.msg);
	tq_config_free(cfg);
	exit(2);
}

/* Sleep ms, in slices, so a signal ends it promptly. */
static void
tqtop_sleep(int64_t ms)
{
	struct timespec	 ts;
	int64_t		 slice;

	while (ms > 0 && !crt_quit) {
		slice = ms > 100 ? 100 : ms;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)slice * 1000000L;
		nanosleep(&ts, NULL);
		ms -= slice;
	}
}

/* One batch block: a header line, a column header row, one per queue. */
static void
tqtop_batch_block(const struct snapshot *s)
{
	const struct snap_queue	*q;
	struct tm		 tm;
	time_t			 now = time(NULL);
	char			 stamp[32], leader[1024];
	size_t			 i;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	/* Queue names are checked by libtq; the leader's is what Redis has. */
	screen_escape(leader, sizeof leader, s->leader != NULL ? s->leader :
	    "-");
	printf("tqtop %s address=%s redis=%s connected=%s workers=%zu "
	    "queues=%zu leader=%s\n", stamp, s->address,
	    s->ever ? s->server.version : "?", s->connected ? "yes" : "no",
	    s->live_workers, s->nqueues, leader);
	printf("QUEUE READY SCHEDULED ACTIVE RETRY DEAD PROCESSED/S FAILED/S "
	    "OLDEST_MS PAUSED\n");
	for (i = 0; i < s->nqueues; i++) {
		q = &s->queues[i];
		printf("%s %lld %lld %lld %lld %lld %.1f %.1f %lld %s\n",
		    q->st.name, q->st.ready, q->st.scheduled, q->st.active,
		    q->st.retry, q->st.dead, q->out_rate, q->fail_rate,
		    q->st.ready > 0 ? (long long)q->st.oldest_ready_ms : 0LL,
		    q->st.paused ? "yes" : "no");
	}
	printf("\n");
	fflush(stdout);
}

static int
tqtop_batch(struct tqtop *t, long iterations)
{
	struct fetch_req	 req;
	char			 msg[1024];
	long			 i;

	memset(&req, 0, sizeof req);
	for (i = 0; (iterations == 0 || i < iterations) && !crt_quit; i++) {
		if (i > 0)
			tqtop_sleep(t->refresh_ms);
		if (crt_quit)
			break;
		source_fetch(t->src, &t->snap, &req);
		/* Connected or not: a damaged queue is worth a line. */
		if (t->snap.error[0] != '\0') {
			screen_escape(msg, sizeof msg, t->snap.error);
			fprintf(stderr, "tqtop: %s\n", msg);
		}
		tqtop_batch_block(&t->snap);
	}
	return (t->snap.ever ? 0 : 1);
}

/* What the screen will need from the next fetch. */
static void
tqtop_fetch(struct tqtop *t)
{
	struct fetch_req	 req;
	char			**names = NULL;
	size_t			*idx, n, i, k = 0;
	long long		 top;
	int			 rows;

	memset(&req, 0, sizeof req);
	rows = screen_body_rows() - 1;
	if (t->view == VIEW_QUEUES) {
		/* History only for the queues on screen. */
		idx = view_queue_order(t, &n);
		names = tq_xcalloc(n + 1, sizeof *names);
		top = t->queues.top;
		for (i = (size_t)top; i < n && k < (size_t)rows; i++) {
			names[k++] =
			    tq_xstrdup(t->snap.queues[idx[i]].st.name);
		}
		free(idx);
		req.spark_queues = (const char *const *)names;
		req.nspark = k;
	}
	/* With a filter the rows come from the search (tqtop_find). */
	if (t->view == VIEW_DEAD && t->sel_queue[0] != '\0' &&
	    t->dead_filter[0] == '\0') {
		req.dead_queue = t->sel_queue;
		req.dead_offset = t->dead.top;
		req.dead_limit = rows - 1;
	}
	/* The names are copies: the fetch replaces the queue array. */
	source_fetch(t->src, &t->snap, &req);
	for (i = 0; i < k; i++)
		free(names[i]);
	free(names);
	t->dirty = DIRTY_ALL;
}

/*
 * Keep the dead view's search in step with its filter and queue, and go
 * on with it for a slice of time.  A finished search starts over when
 * the queue's dead count moves, so that it shows what is dead now.
 * Returns whether a search is still running (the loop then polls keys
 * instead of waiting for them).
 */
static int
tqtop_find(struct tqtop *t)
{
	struct dead_find	*f = &t->snap.find;
	const struct snap_queue	*q;

	if ((t->view != VIEW_DEAD && t->view != VIEW_DETAIL) ||
	    t->dead_filter[0] == '\0' || t->sel_queue[0] == '\0') {
		if (f->queue[0] != '\0')
			source_find_reset(&t->snap, "", "");
		return (0);
	}
	if (strcmp(f->queue, t->sel_queue) != 0 ||
	    strcmp(f->text, t->dead_filter) != 0)
		source_find_reset(&t->snap, t->sel_queue, t->dead_filter);
	else if (f->done && (q = view_selected_queue(t)) != NULL &&
	    q->st.dead != f->total)
		source_find_reset(&t->snap, t->sel_queue, t->dead_filter);
	if (f->done || f->capped)
		return (0);
	source_find_step(t->src, &t->snap, TQTOP_FIND_SLICE_MS);
	t->dirty |= DIRTY_BODY;
	return (!f->done && !f->capped);
}

static int
tqtop_loop(struct tqtop *t, long iterations)
{
	int64_t		 next = 0;
	long		 fetched = 0;
	int		 key, flags = 0;

	screen_layout(t);
	while (!crt_quit) {
		if (flags & TQ_UI_QUIT)
			break;
		if ((flags & TQ_UI_REFETCH) || now_ms() >= next) {
			tqtop_fetch(t);
			/* The first figures come at once, the sparklines
			 * (which need the rows on screen) shortly after. */
			next = now_ms() + (fetched == 0 ? 200 : t->refresh_ms);
			fetched++;
		}
		if (flags & TQ_UI_RELAYOUT)
			screen_layout(t);
		timeout(tqtop_find(t) ? 0 : 100);
		screen_draw(t);
		if (iterations > 0 && fetched >= iterations)
			break;
		flags = 0;
		if ((key = getch()) == ERR)
			continue;
		if (key == KEY_RESIZE) {
			flags = TQ_UI_RELAYOUT | TQ_UI_REDRAW;
			continue;
		}
		flags = action_key(t, key);
	}
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, 'u' },
		{ "namespace", required_argument, NULL, 'N' },
		{ "delay", required_argument, NULL, 'd' },
		{ "read-only", no_argument, NULL, 'r' },
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static char		*url;	/* a copy of -u's */
	struct tqtop		 t;
	struct tq_config	*cfg;
	struct tq_error		 err;
	const char		*path = NULL, *ns = NULL;
	char			*end;
	double			 delay = -1;
	long			 iterations = 0;
	int			 ch, batch = 0, rc;

	memset(&t, 0, sizeof t);
	while ((ch = getopt_long(argc, argv, "c:u:d:bn:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			path = optarg;
			break;
		case 'u':
			/* ps(1) shows every user our command line. */
			free(url);
			url = tq_xstrdup(optarg);
			if (tq_url_scrub(optarg))
				fprintf(stderr, "tqtop: warning: -u: a password "
				    "on the command line can be seen by other "
				    "users; use password_file (tq.conf(5)) or "
				    "$TQ_REDIS_URL\n");
			break;
		case 'N':
			ns = optarg;
			break;
		case 'd':
			errno = 0;
			delay = strtod(optarg, &end);
			if (errno != 0 || *end != '\0' || delay < 0.1 ||
			    delay > 3600) {
				fprintf(stderr, "tqtop: -d: %s is not a delay "
				    "of 0.1 to 3600 seconds\n", optarg);
				exit(2);
			}
			break;
		case 'r':
			t.read_only = 1;
			break;
		case 'b':
			batch = 1;
			break;
		case 'n':
			errno = 0;
			iterations = strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || iterations < 1) {
				fprintf(stderr, "tqtop: -n: %s is not a "
				    "positive number\n", optarg);
				exit(2);
			}
			break;
		case 'h':
			usage(0);
		case 'V':
			printf("tqtop %s\n", TQ_VERSION);
			exit(0);
		default:
			usage(2);
		}
	}
	if (optind != argc)
		usage(2);

	crt_signals();
	crt_detect();
	tq_set_oom_handler(tqtop_oom);
	cfg = tqtop_config(path, url, ns);
	t.refresh_ms = delay > 0 ? (int64_t)(delay * 1000) :
	    tq_config_int(cfg, "tqtop", "refresh");
	tq_error_clear(&err);
	if ((t.src = source_new(cfg, &err)) == NULL) {
		fprintf(stderr, "tqtop: %s\n", err.msg);
		tq_config_free(cfg);
		exit(2);
	}
	tq_config_free(cfg);

	if (batch)
		rc = tqtop_batch(&t, iterations);
	else {
		if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
			fprintf(stderr, "tqtop: not a terminal (use -b for "
			    "batch mode)\n");
			exit(2);
		}
		crt_init();
		rc = tqtop_loop(&t, iterations);
		crt_done();
	}
	action_free(&t);
	snapshot_done(&t.snap);
	source_free(t.src);
	return (rc);
}
