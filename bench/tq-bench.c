/*
 * tq-bench.c -- measure tq on a real Redis: the command line and modes.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tq-bench MODE runs one measurement (or, with "all", each of them with
 * its defaults) in a namespace of its own ("tqbench" unless -n says
 * otherwise), which it empties before and after every run so that runs
 * do not see each other's keys.  The modes, their parameters and their
 * defaults are one table below; a parameter a mode does not use is left
 * out of its result.  Figures go to stdout (a table, or JSON lines with
 * --json), problems to stderr.  Exit status: 0, 1 when a run failed, 2
 * for usage and configuration errors, 3 when Redis cannot be reached.
 */

/* clock_nanosleep and friends. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/resource.h>
#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"

#ifndef TQ_SYSCONFDIR
#define TQ_SYSCONFDIR	"/etc"
#endif

/* A parameter the mode computes itself (from another one, or the config). */
#define BENCH_AUTO	-2

const char	*bench_progname = "tq-bench";

typedef int (*mode_fn)(struct bench *, const struct bench_params *,
    struct bench_result *);

/*
 * The modes.  A default of -1 means the mode takes no such parameter
 * (it is then ignored and not reported), BENCH_AUTO that the mode works
 * it out: enqueue's concurrency is 1 with a batch and 8 without one;
 * promote's batch (tasks per promote call) is [tqd] batch, as tqd uses;
 * a worker pool's prefetch is libtq's default (as many as its threads).
 */
static const struct mode {
	const char		*name;
	mode_fn			 run;
	struct bench_params	 dflt;
} modes[] = {
	{ "enqueue", mode_enqueue,
	  { 100000, 100, BENCH_AUTO, 1000, -1, -1, -1, 0, -1 } },
	{ "process", mode_process,
	  { 100000, 100, 8, -1, -1, -1, BENCH_AUTO, -1, BENCH_AUTO } },
	{ "latency", mode_latency,
	  { -1, 100, 8, -1, 1000, 5, BENCH_AUTO, -1, -1 } },
	{ "memory", mode_memory,
	  { 100000, 100, -1, -1, -1, -1, -1, -1, -1 } },
	{ "promote", mode_promote,
	  { 100000, 100, -1, BENCH_AUTO, -1, -1, -1, -1, -1 } },
	{ "rss", mode_rss,
	  { -1, -1, -1, -1, -1, 5, -1, -1, 1000 } },
};

/*
 * What "all" runs: every mode, and the second setting each target of
 * docs/PERFORMANCE.md names (enqueue one task a call from 8 threads,
 * latency at 10000 tasks/s).  -1: the mode's default.
 */
static const struct all_run {
	const char		*mode;
	struct bench_params	 p;
} all_runs[] = {
	{ "enqueue", { -1, -1, -1, 1000, -1, -1, -1, -1, -1 } },
	{ "enqueue", { -1, -1, 8, 1, -1, -1, -1, -1, -1 } },
	{ "enqueue", { -1, -1, 8, 1, -1, -1, -1, 1, -1 } },
	{ "process", { -1, -1, -1, -1, -1, -1, -1, -1, -1 } },
	{ "latency", { -1, -1, -1, -1, 1000, -1, -1, -1, -1 } },
	{ "latency", { -1, -1, -1, -1, 10000, -1, -1, -1, -1 } },
	{ "memory", { -1, -1, -1, -1, -1, -1, -1, -1, -1 } },
	{ "promote", { -1, -1, -1, -1, -1, -1, -1, -1, -1 } },
	{ "rss", { -1, -1, -1, -1, -1, -1, -1, -1, -1 } },
};

enum {
	OPT_TASKS = 256,
	OPT_PAYLOAD,
	OPT_BATCH,
	OPT_RATE,
	OPT_SECONDS,
	OPT_PREFETCH,
	OPT_SHARED,
	OPT_QUEUES,
	OPT_JSON,
	OPT_VERSION,
};

static const struct option longopts[] = {
	{ "config",	   required_argument, NULL, 'c' },
	{ "url",	   required_argument, NULL, 'u' },
	{ "namespace",	   required_argument, NULL, 'n' },
	{ "tasks",	   required_argument, NULL, OPT_TASKS },
	{ "payload-bytes", required_argument, NULL, OPT_PAYLOAD },
	{ "concurrency",   required_argument, NULL, 'C' },
	{ "batch",	   required_argument, NULL, OPT_BATCH },
	{ "rate",	   required_argument, NULL, OPT_RATE },
	{ "seconds",	   required_argument, NULL, OPT_SECONDS },
	{ "prefetch",	   required_argument, NULL, OPT_PREFETCH },
	{ "shared",	   no_argument,	      NULL, OPT_SHARED },
	{ "queues",	   required_argument, NULL, OPT_QUEUES },
	{ "json",	   no_argument,	      NULL, OPT_JSON },
	{ "verbose",	   no_argument,	      NULL, 'v' },
	{ "help",	   no_argument,	      NULL, 'h' },
	{ "version",	   no_argument,	      NULL, OPT_VERSION },
	{ NULL,		   0,		      NULL, 0 }
};

static const char usage_text[] =
"usage: tq-bench [-v] [-c file] [-u url] [-n namespace] mode\n"
"                [--tasks n] [--payload-bytes b] [--concurrency c]\n"
"                [--batch b] [--rate r] [--seconds s] [--prefetch p]\n"
"                [--shared] [--queues n] [--json]\n"
"modes: enqueue process latency memory promote rss all\n";

/* Set when a failure was Redis being out of reach (exit status 3). */
static int	bench_unreachable;

void
bench_warn(const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "%s: ", bench_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void
bench_debug(struct bench *b, const char *fmt, ...)
{
	va_list	ap;

	if (!b->verbose)
		return;
	fprintf(stderr, "%s: ", bench_progname);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* Report a failed libtq call; notes an unreachable Redis.  Returns -1. */
int
bench_fail(const char *what, const struct tq_error *err)
{
	if (err->code == TQ_ECONN || err->code == TQ_ETIMEOUT)
		bench_unreachable = 1;
	bench_warn("%s: %s", what, err->msg);
	return (-1);
}

/* One clock for everything timed inside the process. */
int64_t
bench_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
}

void
bench_sleep_until_ns(int64_t when)
{
	struct timespec	ts;

	ts.tv_sec = (time_t)(when / 1000000000);
	ts.tv_nsec = (long)(when % 1000000000);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
	    EINTR)
		;
}

void
bench_sleep_ns(int64_t ns)
{
	bench_sleep_until_ns(bench_now_ns() + ns);
}

/* This process's and Redis's CPU seconds so far. */
void
bench_cpu_mark(struct bench *b, struct bench_cpu *m)
{
	struct rusage	ru;
	double		user, sys;

	getrusage(RUSAGE_SELF, &ru);
	m->self_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	if (side_info_num(b->side, "cpu", "used_cpu_user", &user, NULL) == 0 &&
	    side_info_num(b->side, "cpu", "used_cpu_sys", &sys, NULL) == 0)
		m->redis_s = user + sys;
	else
		m->redis_s = -1;
}

/*
 * Add client_cpu_us and redis_cpu_us, the CPU microseconds per task
 * since start.  The client's figure covers every thread of tq-bench,
 * the producers' or the worker pool's.
 */
void
bench_cpu_report(struct bench *b, const struct bench_cpu *start,
    long long tasks, struct bench_result *r)
{
	struct bench_cpu	end;

	bench_cpu_mark(b, &end);
	if (tasks <= 0)
		return;
	result_add(r, "client_cpu_us", (end.self_s - start->self_s) * 1e6 /
	    (double)tasks, 2);
	if (start->redis_s < 0 || end.redis_s < 0)
		result_add_null(r, "redis_cpu_us");
	else
		result_add(r, "redis_cpu_us", (end.redis_s - start->redis_s) *
		    1e6 / (double)tasks, 2);
}

/* A new client for this run's Redis and namespace, or NULL (reported). */
struct tq_client *
bench_client(struct bench *b)
{
	struct tq_client	*c;
	struct tq_error		 err;

	if ((c = tq_client_new(b->cfg, &err)) == NULL)
		bench_fail("connect", &err);
	return (c);
}

/*
 * A JSON object payload of exactly bytes bytes where it can be (less
 * is not possible below the object's frame): {"pad":"xxx"}, or with
 * stamp >= 0 {"t":STAMP,"pad":"xxx"}, for the latency mode.  New string.
 */
char *
bench_payload(int bytes, long long stamp)
{
	char	*s;
	int	 frame, pad;

	if (stamp >= 0)
		frame = snprintf(NULL, 0, "{\"t\":%lld,\"pad\":\"\"}", stamp);
	else
		frame = (int)strlen("{\"pad\":\"\"}");
	pad = bytes > frame ? bytes - frame : 0;
	s = tq_xmalloc((size_t)frame + (size_t)pad + 1);
	if (stamp >= 0)
		snprintf(s, (size_t)frame + 1, "{\"t\":%lld,\"pad\":\"", stamp);
	else
		snprintf(s, (size_t)frame + 1, "{\"pad\":\"");
	frame -= 2;	/* the closing quote and brace come after the pad */
	memset(s + frame, 'x', (size_t)pad);
	memcpy(s + frame + pad, "\"}", 3);
	return (s);
}

/* Delete every key of the namespace; 0 or -1 (reported). */
int
bench_clean(struct bench *b)
{
	struct tq_error	 err;
	char		*prefix;
	long long	 removed;
	int		 rc;

	prefix = tq_xasprintf("%s:", b->ns);
	rc = side_unlink_prefix(b->side, prefix, &removed, &err);
	free(prefix);
	if (rc != 0)
		return (bench_fail("clean", &err));
	if (removed > 0)
		bench_debug(b, "removed %lld keys of namespace %s", removed,
		    b->ns);
	return (0);
}

static BENCH_NORETURN void
usage(int status)
{
	fputs(usage_text, status == 0 ? stdout : stderr);
	exit(status);
}

/* A number within [min, max], or a usage error naming the option. */
static double
number(const char *opt, const char *s, double min, double max, int whole)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end != '\0' || errno != 0 || !isfinite(v) ||
	    v < min || v > max || (whole && v != floor(v))) {
		bench_warn("%s: '%s' is not %s from %g to %g", opt, s,
		    whole ? "a whole number" : "a number", min, max);
		usage(BENCH_EXIT_USAGE);
	}
	return (v);
}

static const struct mode *
mode_find(const char *name)
{
	size_t	i;

	for (i = 0; i < BENCH_NITEMS(modes); i++) {
		if (strcmp(modes[i].name, name) == 0)
			return (&modes[i]);
	}
	return (NULL);
}

/* One parameter: absent for the mode, else given, else "all", else default. */
static double
param(double dflt, double given, double all)
{
	if (dflt == -1)
		return (-1);
	if (given >= 0)
		return (given);
	if (all >= 0)
		return (all);
	return (dflt);
}

/* Run one mode in a clean namespace and print its result. */
static int
run_mode(struct bench *b, const struct mode *m,
    const struct bench_params *given, const struct bench_params *all,
    int json)
{
	struct bench_params	p;
	struct bench_result	r;
	int			rc;

	p.tasks = (long long)param((double)m->dflt.tasks, (double)given->tasks,
	    (double)all->tasks);
	p.payload_bytes = (int)param(m->dflt.payload_bytes,
	    given->payload_bytes, all->payload_bytes);
	p.concurrency = (int)param(m->dflt.concurrency, given->concurrency,
	    all->concurrency);
	p.batch = (int)param(m->dflt.batch, given->batch, all->batch);
	p.rate = param(m->dflt.rate, given->rate, all->rate);
	p.seconds = param(m->dflt.seconds, given->seconds, all->seconds);
	p.prefetch = (int)param(m->dflt.prefetch, given->prefetch,
	    all->prefetch);
	p.shared = (int)param(m->dflt.shared, given->shared, all->shared);
	p.queues = (int)param(m->dflt.queues, given->queues, all->queues);

	if (bench_clean(b) != 0)
		return (-1);
	bench_debug(b, "%s: starting", m->name);
	rc = m->run(b, &p, &r);
	if (bench_clean(b) != 0)
		rc = -1;
	if (rc == 0)
		report_result(&r, json);
	return (rc);
}

/*
 * The configuration: -c FILE, else $TQ_CONFIG, else the system file if
 * there is one; then -u or $TQ_REDIS_URL over it.  The namespace is -n or
 * tqbench, never the file's: a benchmark empties its namespace.
 */
static struct tq_config *
load_config(const char *path, const char *url, const char *ns)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	const char		*env;
	struct stat		 sb;

	cfg = tq_config_new();
	if (path == NULL && (env = getenv("TQ_CONFIG")) != NULL && *env != '\0')
		path = env;
	if (path == NULL && stat(TQ_SYSCONFDIR "/tq.conf", &sb) == 0)
		path = TQ_SYSCONFDIR "/tq.conf";
	if (path != NULL && tq_config_load(cfg, path, &err) != 0)
		goto fail;
	if (url == NULL && (env = getenv("TQ_REDIS_URL")) != NULL &&
	    *env != '\0')
		url = env;
	if (url != NULL && tq_config_set_url(cfg, url, &err) != 0)
		goto fail;
	if (tq_config_set(cfg, "redis", "namespace", ns, &err) != 0)
		goto fail;
	return (cfg);

fail:
	bench_warn("%s", err.msg);
	tq_config_free(cfg);
	exit(BENCH_EXIT_USAGE);
}

int
main(int argc, char **argv)
{
	struct bench		 b;
	struct bench_params	 given = {
		-1, -1, -1, -1, -1, -1, -1, -1, -1 };
	const struct bench_params none = {
		-1, -1, -1, -1, -1, -1, -1, -1, -1 };
	struct tq_client	*c;
	struct tq_error		 err;
	const struct mode	*m = NULL;
	const char		*config = NULL, *url = NULL, *ns = BENCH_NS;
	size_t			 i;
	int			 ch, json = 0, failed = 0;

	memset(&b, 0, sizeof b);
	signal(SIGPIPE, SIG_IGN);
	while ((ch = getopt_long(argc, argv, "c:u:n:C:vh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'n':
			ns = optarg;
			break;
		case OPT_TASKS:
			given.tasks = (long long)number("--tasks", optarg, 1,
			    1e9, 1);
			break;
		case OPT_PAYLOAD:
			given.payload_bytes = (int)number("--payload-bytes",
			    optarg, 0, 1024 * 1024, 1);
			break;
		case 'C':
			given.concurrency = (int)number("--concurrency",
			    optarg, 1, 1024, 1);
			break;
		case OPT_BATCH:
			given.batch = (int)number("--batch", optarg, 1, 100000,
			    1);
			break;
		case OPT_RATE:
			given.rate = number("--rate", optarg, 1, 1e7, 0);
			break;
		case OPT_SECONDS:
			given.seconds = number("--seconds", optarg, 0.001,
			    86400, 0);
			break;
		case OPT_PREFETCH:
			given.prefetch = (int)number("--prefetch", optarg, 0,
			    1024, 1);
			break;
		case OPT_SHARED:
			given.shared = 1;
			break;
		case OPT_QUEUES:
			given.queues = (int)number("--queues", optarg, 1,
			    100000, 1);
			break;
		case OPT_JSON:
			json = 1;
			break;
		case 'v':
			b.verbose = 1;
			break;
		case 'h':
			usage(BENCH_EXIT_OK);
		case OPT_VERSION:
			printf("tq-bench %s\n", TQ_VERSION);
			return (BENCH_EXIT_OK);
		default:
			usage(BENCH_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage(BENCH_EXIT_USAGE);
	if (strcmp(argv[0], "all") != 0 && (m = mode_find(argv[0])) == NULL) {
		bench_warn("unknown mode '%s'", argv[0]);
		usage(BENCH_EXIT_USAGE);
	}

	b.cfg = load_config(config, url, ns);
	b.ns = ns;
	c = tq_client_new(b.cfg, &err);
	if (c != NULL)
		b.side = side_open(b.cfg, tq_client_address(c), &err);
	tq_client_free(c);
	if (b.side == NULL) {
		bench_warn("%s", err.msg);
		tq_config_free(b.cfg);
		return (err.code == TQ_ECONN || err.code == TQ_ETIMEOUT ?
		    BENCH_EXIT_CONN : BENCH_EXIT_FAIL);
	}

	report_header(json);
	if (m != NULL)
		failed = run_mode(&b, m, &given, &none, json) != 0;
	else {
		for (i = 0; i < BENCH_NITEMS(all_runs); i++) {
			if (run_mode(&b, mode_find(all_runs[i].mode), &given,
			    &all_runs[i].p, json) != 0)
				failed = 1;
			if (bench_unreachable)
				break;
		}
	}
	side_close(b.side);
	tq_config_free(b.cfg);
	if (bench_unreachable)
		return (BENCH_EXIT_CONN);
	return (failed ? BENCH_EXIT_FAIL : BENCH_EXIT_OK);
}
