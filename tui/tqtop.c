/*
 * tqtop.c -- tqtop's options, configuration, main loop and batch mode.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tqtop [-c FILE] [-u URL] [--namespace NS] [-d SECONDS] [--read-only]
 *       [-b] [-n ITERATIONS]
 *
 * The interactive loop polls the keyboard, the fetch thread's pipe and
 * the signal pipe (at least every 100 ms, for the clocks in the header).
 * It asks for a fetch when the refresh interval has passed or an action
 * asked for one, takes what the fetch thread has done, reads every key
 * waiting, then repaints what is dirty.  It never waits for Redis, so a
 * slow or frozen Redis costs the keyboard nothing; the header says how
 * long Redis has been silent.  Batch mode (-b) skips curses and the fetch
 * thread entirely and prints one plain-text block per iteration for
 * scripts and logs; it stops as soon as its standard output goes away.
 */

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tqtop.h"

#ifndef TQ_SYSCONFDIR
#define TQ_SYSCONFDIR	"/etc"
#endif

#define TQTOP_TICK_MS	100	/* the loop wakes at least this often */

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

static FILE	*tqtop_timing;	/* $TQTOP_TIMING, or NULL */

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

/*
 * Sleep ms, or less: a signal ends it, and so does standard output going
 * away (a pipe whose reader exited reports POLLERR to the writer), which
 * returns -1 with errno EPIPE: "tqtop -b | head" then ends with head, not
 * at its next write, -d seconds later.
 */
static int
tqtop_sleep(int64_t ms)
{
	struct pollfd	 pfd[2];
	int64_t		 end = source_now_ms() + ms, left;

	pfd[0].fd = STDOUT_FILENO;
	pfd[0].events = 0;
	pfd[1].fd = crt_wake_fd;
	pfd[1].events = POLLIN;
	while (!crt_quit && (left = end - source_now_ms()) > 0) {
		if (poll(pfd, 2, (int)(left > 1000 ? 1000 : left)) > 0 &&
		    (pfd[0].revents & (POLLERR | POLLHUP)) != 0) {
			errno = EPIPE;
			return (-1);
		}
		crt_drain();
	}
	return (0);
}

/* One batch block: a header line, a column header row, one per queue.
 * Returns -1 (errno set) when standard output fails. */
static int
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
	if (fflush(stdout) == EOF)
		return (-1);
	if (ferror(stdout)) {
		errno = EIO;
		return (-1);
	}
	return (0);
}

/*
 * Batch mode.  SIGPIPE is ignored (tqtop must not die of it with the
 * terminal taken), so a reader that went away shows as EPIPE: that ends
 * batch mode quietly with status 0, as top does; any other write error
 * is reported, with status 1.
 */
static int
tqtop_batch(struct tqtop *t, long iterations)
{
	struct fetch_req	 req;
	char			 msg[1024];
	long			 i;
	int			 rc = 0;

	memset(&req, 0, sizeof req);
	for (i = 0; (iterations == 0 || i < iterations) && !crt_quit; i++) {
		if (i > 0 && (rc = tqtop_sleep(t->refresh_ms)) != 0)
			break;
		if (crt_quit)
			break;
		source_fetch(t->src, &t->snap, &req);
		/* Connected or not: a damaged queue is worth a line. */
		if (t->snap.error[0] != '\0') {
			screen_escape(msg, sizeof msg, t->snap.error);
			fprintf(stderr, "tqtop: %s\n", msg);
		}
		if ((rc = tqtop_batch_block(&t->snap)) != 0)
			break;
	}
	if (rc != 0 && errno == EPIPE)
		return (0);
	if (rc != 0) {
		fprintf(stderr, "tqtop: standard output: %s\n",
		    strerror(errno));
		return (1);
	}
	return (t->snap.ever ? 0 : 1);
}

/* What the screen will need from the next fetch: ask for it. */
static void
tqtop_ask(struct tqtop *t)
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
	source_ask(t->src, &req);
	tq_strv_free(names, k);
}

/*
 * Keep the dead view's search in step with its filter and queue, and
 * hand its next step to the fetch thread when none is there.  A finished
 * search starts over when the queue's dead count moves, so that it
 * shows what is dead now.
 */
static void
tqtop_find(struct tqtop *t)
{
	struct dead_find	*f = &t->find;
	const struct snap_queue	*q;
	struct job		 j;

	if ((t->view != VIEW_DEAD && t->view != VIEW_DETAIL) ||
	    t->dead_filter[0] == '\0' || t->sel_queue[0] == '\0') {
		if (f->queue[0] != '\0') {
			source_find_reset(f, "", "");
			t->find_gen++;
		}
		return;
	}
	if (strcmp(f->queue, t->sel_queue) != 0 ||
	    strcmp(f->text, t->dead_filter) != 0 ||
	    (f->done && (q = view_selected_queue(t)) != NULL &&
	    q->st.dead != f->total)) {
		source_find_reset(f, t->sel_queue, t->dead_filter);
		t->find_gen++;
		t->find_wait = 0;
		t->dirty |= DIRTY_BODY;
	}
	if (f->done || f->capped || t->find_busy || t->find_wait)
		return;
	memset(&j, 0, sizeof j);
	j.kind = JOB_FIND;
	snprintf(j.queue, sizeof j.queue, "%s", f->queue);
	snprintf(j.text, sizeof j.text, "%s", f->text);
	memcpy(j.cursor, f->cursor, sizeof j.cursor);
	j.gen = t->find_gen;
	j.room = FIND_MAX - (long long)f->n;
	if (source_submit(t->src, &j) == 0)
		t->find_busy = 1;
}

/* A search step came back: keep its matches if the search is the same. */
static void
tqtop_find_done(struct tqtop *t, struct job *j)
{
	struct dead_find	*f = &t->find;
	size_t			 i;

	t->find_busy = 0;
	if (j->gen != t->find_gen)
		return;
	if (j->failed) {
		/* Not again before the next fetch: Redis may be down. */
		t->find_wait = 1;
		snprintf(t->snap.error, sizeof t->snap.error, "%s",
		    j->err.msg);
		t->dirty |= DIRTY_STATUS;
		return;
	}
	f->rows = tq_xreallocarray(f->rows, f->n + j->nrows + 1,
	    sizeof *f->rows);
	for (i = 0; i < j->nrows; i++)
		f->rows[f->n++] = j->rows[i];
	free(j->rows);
	j->rows = NULL;
	j->nrows = 0;
	memcpy(f->cursor, j->cursor, sizeof f->cursor);
	f->scanned += j->scanned;
	f->total = j->total;
	f->done = !j->more;
	f->capped = j->more && f->n >= FIND_MAX;
	t->dirty |= DIRTY_BODY;
}

/* Take what the fetch thread has done; returns TQ_UI_* flags. */
static int
tqtop_news(struct tqtop *t, long *fetched)
{
	struct job	 j;
	int		 flags = 0;

	if (source_take(t->src, &t->snap)) {
		(*fetched)++;
		t->timed = 0;
		t->find_wait = 0;
		t->dirty = DIRTY_ALL;
	}
	while (source_result(t->src, &j)) {
		if (j.kind == JOB_FIND)
			tqtop_find_done(t, &j);
		else
			flags |= action_job(t, &j);
		source_job_clear(&j);
	}
	return (flags);
}

/* How the fetch thread is doing: repaint the header when what it shows
 * changes (the seconds Redis has been silent), and the progress. */
static void
tqtop_link(struct tqtop *t)
{
	struct source_state	 st;

	source_state(t->src, &st);
	if (screen_stalled(&st) != screen_stalled(&t->link))
		t->dirty |= DIRTY_HEADER;
	t->link = st;
	if (st.acting)
		action_progress(t);
}

/*
 * Repaint; with $TQTOP_TIMING, the first repaint after each fetch also
 * appends "fetch_ms=F draw_ms=D queues=N" to that file: what a refresh
 * costs (the fetch thread's calls and copy; the loop's repaint).
 */
static void
tqtop_draw(struct tqtop *t)
{
	int64_t	 start;

	if (tqtop_timing == NULL || t->timed || t->snap.fetch_us == 0) {
		screen_draw(t);
		return;
	}
	start = source_now_us();
	screen_draw(t);
	fprintf(tqtop_timing, "fetch_ms=%.2f draw_ms=%.2f queues=%zu\n",
	    t->snap.fetch_us / 1000.0, (source_now_us() - start) / 1000.0,
	    t->snap.nqueues);
	fflush(tqtop_timing);
	t->timed = 1;
}

static int
tqtop_loop(struct tqtop *t, long iterations)
{
	struct pollfd	 pfd[3];
	int64_t		 next = 0, now, wait;
	long		 fetched = 0, asked = 0;
	int		 key, flags = 0;

	screen_layout(t);
	while (!crt_quit && !(flags & TQ_UI_QUIT)) {
		now = source_now_ms();
		/* The first figures come at once, and as soon as they are
		 * on screen a second fetch for the sparklines of the rows
		 * they show. */
		if ((flags & TQ_UI_REFETCH) || now >= next ||
		    (fetched > 0 && asked == 1)) {
			tqtop_ask(t);
			next = now + t->refresh_ms;
			asked++;
		}
		if (flags & TQ_UI_RELAYOUT)
			screen_layout(t);
		flags = 0;
		tqtop_find(t);
		tqtop_link(t);
		tqtop_draw(t);
		if (iterations > 0 && fetched >= iterations)
			break;

		wait = next - source_now_ms();
		if (wait > TQTOP_TICK_MS)
			wait = TQTOP_TICK_MS;
		if (wait < 0)
			wait = 0;
		pfd[0].fd = STDIN_FILENO;
		pfd[1].fd = source_fd(t->src);
		pfd[2].fd = crt_wake_fd;
		pfd[0].events = pfd[1].events = pfd[2].events = POLLIN;
		pfd[0].revents = 0;
		/* EINTR: a signal (ncurses's SIGWINCH, our INT...). */
		if (poll(pfd, 3, (int)wait) == -1 && errno != EINTR)
			crt_fatalx("poll: %s", strerror(errno));
		/* The terminal is gone (SSH dropped): poll would spin. */
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		crt_drain();
		flags |= tqtop_news(t, &fetched);
		/* Every key waiting; ncurses reads without blocking. */
		while (!(flags & TQ_UI_QUIT) && (key = getch()) != ERR) {
			if (key == KEY_RESIZE)
				flags |= TQ_UI_RELAYOUT | TQ_UI_REDRAW;
			else
				flags |= action_key(t, key);
		}
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
	const char		*path = NULL, *ns = NULL, *tv;
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
		if ((tv = env("TQTOP_TIMING")) != NULL &&
		    (tqtop_timing = fopen(tv, "a")) == NULL) {
			fprintf(stderr, "tqtop: %s: %s\n", tv,
			    strerror(errno));
			exit(2);
		}
		/* Shown until the first fetch says more. */
		snprintf(t.snap.address, sizeof t.snap.address, "%s",
		    source_address(t.src));
		if (source_start(t.src, &err) != 0) {
			fprintf(stderr, "tqtop: %s\n", err.msg);
			exit(1);
		}
		crt_init();
		rc = tqtop_loop(&t, iterations);
		/* The terminal first: the fetch thread may take a moment. */
		crt_done();
	}
	action_free(&t);
	source_find_reset(&t.find, "", "");
	snapshot_done(&t.snap);
	source_free(t.src);
	if (tqtop_timing != NULL)
		fclose(tqtop_timing);
	return (rc);
}
