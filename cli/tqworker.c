/*
 * tqworker.c -- serve tq queues by running a shell command per task.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tqworker lets a program in any language consume tq tasks: each
 * --exec TYPE=COMMAND maps a task type to a command, which gets the
 * payload on its stdin and the task in its environment, and answers with
 * its exit status (see exec.c and tqworker(1)).  This file reads the
 * command line and the configuration, builds a libtq worker (tq_worker_*:
 * a fetcher, one handler thread per concurrent command and a heartbeat
 * that extends leases and enforces timeouts), routes the runtime's log to
 * stderr, and turns SIGTERM and SIGINT into a graceful stop (a second one
 * stops at once).
 *
 * Redis that cannot be reached at startup is reported but is not fatal:
 * the runtime reconnects with backoff and serves once Redis is back, so a
 * worker started before Redis (or during an outage) does not need a
 * supervisor to restart it.
 */

/* vasprintf is GNU (and BSD). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tqworker.h"

#ifndef TQ_SYSCONFDIR
#define TQ_SYSCONFDIR	"/etc"
#endif

#define TQW_TIMEOUT_MAX	(7 * 86400)	/* as [worker] timeout */
#define TQW_GRACE_MAX	3600		/* as [worker] grace */
#define TQW_CONC_MAX	1024		/* as [worker] concurrency */

extern char **environ;

int	log_level = TQW_LOG_INFO;

static struct tq_worker		*sig_worker;
static volatile sig_atomic_t	 sig_count;

enum {
	OPT_WEIGHTS = 256,
	OPT_EXEC,
	OPT_EXEC_DEFAULT,
	OPT_TIMEOUT,
	OPT_GRACE,
	OPT_QUIET,
	OPT_VERSION,
};

static const struct option tqw_longopts[] = {
	{ "config",	  required_argument, NULL, 'c' },
	{ "url",	  required_argument, NULL, 'u' },
	{ "namespace",	  required_argument, NULL, 'n' },
	{ "queues",	  required_argument, NULL, 'q' },
	{ "concurrency",  required_argument, NULL, 'C' },
	{ "weights",	  required_argument, NULL, OPT_WEIGHTS },
	{ "exec",	  required_argument, NULL, OPT_EXEC },
	{ "exec-default", required_argument, NULL, OPT_EXEC_DEFAULT },
	{ "timeout",	  required_argument, NULL, OPT_TIMEOUT },
	{ "grace",	  required_argument, NULL, OPT_GRACE },
	{ "verbose",	  no_argument,	     NULL, 'v' },
	{ "quiet",	  no_argument,	     NULL, OPT_QUIET },
	{ "help",	  no_argument,	     NULL, 'h' },
	{ "version",	  no_argument,	     NULL, OPT_VERSION },
	{ NULL,		  0,		     NULL, 0 }
};

static const char tqw_usage[] =
"usage: tqworker [-v] [--quiet] [-c file] [-u url] [-n namespace]\n"
"                -q queue[,queue...] [--weights queue=weight,...]\n"
"                [-C concurrency] [--timeout seconds] [--grace seconds]\n"
"                --exec type=command ... [--exec-default command]\n";

/* What the command line asked for. */
struct tqw_opts {
	const char	*config;
	char		*url;		/* a copy of -u's */
	const char	*ns;
	char		*queue_arg;
	const char	*weights_arg;
	long long	 concurrency;	/* 0: [worker] concurrency */
	long long	 timeout_s;	/* 0: none */
	long long	 grace_s;	/* -1: [worker] grace */
	struct exec_cmd	*cmds;
	size_t		 ncmds;
	int		 verbose;
	int		 quiet;

	char		**queues;	/* split queue_arg */
	size_t		  nqueues;
	int		 *weights;	/* NULL: strict order */
};

/* ------------------------------------------------------------------ */
/* Memory: the program's own allocators (libtq keeps tq_x* internal).  */

static TQW_NORETURN void
tqw_oom(size_t size)
{
	fprintf(stderr, "tqworker: out of memory (%zu bytes)\n", size);
	abort();
}

void *
xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		tqw_oom(size);
	return (p);
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (nmemb > SIZE_MAX / size)
		tqw_oom(SIZE_MAX);
	if ((p = realloc(ptr, nmemb * size)) == NULL)
		tqw_oom(nmemb * size);
	return (p);
}

char *
xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		tqw_oom(strlen(s) + 1);
	return (p);
}

char *
xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	int	 n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		tqw_oom(0);
	return (s);
}

/* ------------------------------------------------------------------ */
/* Log                                                                 */

static const char *const log_names[] = {
	"error", "warning", "info", "debug"
};

/*
 * Write one line: "tqworker: TIME LEVEL: MSG".  Newlines in msg (a
 * command's stderr in an error) are escaped so that a line stays a line,
 * and the whole line goes out in one write(2), so that lines from handler
 * threads do not interleave.
 */
static void
log_line(int level, const char *msg)
{
	struct timespec	 ts;
	struct tm	 tm;
	char		 when[32], *esc, *line;
	size_t		 i, o = 0, len = strlen(msg);
	ssize_t		 n;
	int		 saved = errno;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);

	esc = xmalloc(2 * len + 1);
	for (i = 0; i < len; i++) {
		if (msg[i] == '\n') {
			esc[o++] = '\\';
			esc[o++] = 'n';
		} else if ((unsigned char)msg[i] < 0x20 || msg[i] == 0x7f)
			esc[o++] = '?';
		else
			esc[o++] = msg[i];
	}
	esc[o] = '\0';
	line = xasprintf("tqworker: %s.%03ldZ %s: %s\n", when,
	    ts.tv_nsec / 1000000, log_names[level], esc);
	for (i = 0, len = strlen(line); i < len; i += (size_t)n) {
		if ((n = write(STDERR_FILENO, line + i, len - i)) <= 0) {
			if (n == -1 && errno == EINTR) {
				n = 0;
				continue;
			}
			break;
		}
	}
	free(line);
	free(esc);
	errno = saved;
}

void
log_msg(int level, const char *fmt, ...)
{
	va_list	 ap;
	char	*msg;

	if (level > log_level)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		tqw_oom(0);
	va_end(ap);
	log_line(level, msg);
	free(msg);
}

/* The worker runtime's sink: every thread of the worker calls it. */
static void
log_sink(int level, const char *msg, TQW_UNUSED void *arg)
{
	if (level < TQW_LOG_ERROR)
		level = TQW_LOG_ERROR;
	if (level > TQW_LOG_DEBUG)
		level = TQW_LOG_DEBUG;
	if (level <= log_level)
		log_line(level, msg);
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */

static TQW_NORETURN void
usage_exit(int status)
{
	fputs(tqw_usage, status == 0 ? stdout : stderr);
	exit(status);
}

static TQW_NORETURN TQW_PRINTFLIKE(1, 2) void
usage_error(const char *fmt, ...)
{
	va_list	ap;

	fputs("tqworker: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage_exit(TQW_EXIT_USAGE);
}

static TQW_NORETURN TQW_PRINTFLIKE(1, 2) void
config_error(const char *fmt, ...)
{
	va_list	ap;

	fputs("tqworker: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(TQW_EXIT_USAGE);
}

/* A whole decimal integer in [min, max], or a usage error naming what. */
static long long
parse_int(const char *what, const char *s, long long min, long long max)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno == ERANGE ||
	    strchr(" \t+", *s) != NULL)
		usage_error("%s: '%s' is not a whole number", what, s);
	if (v < min || v > max)
		usage_error("%s: %lld is out of range (%lld to %lld)", what,
		    v, min, max);
	return (v);
}

/* Check a queue name or task type as libtq will. */
static void
check_name(const char *what, const char *name)
{
	struct tq_error	err;

	if (tq_check_name(what, name, &err) != 0)
		usage_error("%s", err.msg);
}

static void
add_cmd(struct tqw_opts *o, const char *type, const char *command)
{
	size_t	i;

	if (*command == '\0') {
		usage_error("%s: the command is empty", type != NULL ?
		    type : "--exec-default");
	}
	for (i = 0; i < o->ncmds; i++) {
		if (type == NULL && o->cmds[i].type == NULL)
			usage_error("--exec-default given twice");
		if (type != NULL && o->cmds[i].type != NULL &&
		    strcmp(type, o->cmds[i].type) == 0)
			usage_error("--exec %s given twice", type);
	}
	o->cmds = xreallocarray(o->cmds, o->ncmds + 1, sizeof *o->cmds);
	o->cmds[o->ncmds].type = type != NULL ? xstrdup(type) : NULL;
	o->cmds[o->ncmds].command = xstrdup(command);
	o->cmds[o->ncmds].conf = NULL;
	o->ncmds++;
}

/* --exec TYPE=COMMAND */
static void
parse_exec(struct tqw_opts *o, const char *arg)
{
	const char	*eq;
	char		*type;

	if ((eq = strchr(arg, '=')) == NULL || eq == arg)
		usage_error("--exec: '%s' is not TYPE=COMMAND", arg);
	type = xreallocarray(NULL, 1, (size_t)(eq - arg) + 1);
	memcpy(type, arg, (size_t)(eq - arg));
	type[eq - arg] = '\0';
	check_name("task type", type);
	add_cmd(o, type, eq + 1);
	free(type);
}

/* Split -q's comma-separated list; every name valid, none twice. */
static void
parse_queues(struct tqw_opts *o)
{
	char	*s, *name, *last = NULL;
	size_t	 i;

	s = o->queue_arg;
	for (name = strtok_r(s, ",", &last); name != NULL;
	    name = strtok_r(NULL, ",", &last)) {
		check_name("queue name", name);
		for (i = 0; i < o->nqueues; i++) {
			if (strcmp(o->queues[i], name) == 0)
				usage_error("-q: queue %s named twice", name);
		}
		o->queues = xreallocarray(o->queues, o->nqueues + 1,
		    sizeof *o->queues);
		o->queues[o->nqueues++] = name;
	}
	if (o->nqueues == 0)
		usage_error("-q: no queue named");
}

/* --weights Q=W,...: each Q served (-q), W >= 1; the rest weigh 1. */
static void
parse_weights(struct tqw_opts *o)
{
	char	*copy, *item, *eq, *last = NULL;
	size_t	 i;
	int	*seen;

	o->weights = xreallocarray(NULL, o->nqueues, sizeof *o->weights);
	seen = xreallocarray(NULL, o->nqueues, sizeof *seen);
	for (i = 0; i < o->nqueues; i++) {
		o->weights[i] = 1;
		seen[i] = 0;
	}
	copy = xstrdup(o->weights_arg);
	for (item = strtok_r(copy, ",", &last); item != NULL;
	    item = strtok_r(NULL, ",", &last)) {
		if ((eq = strchr(item, '=')) == NULL || eq == item)
			usage_error("--weights: '%s' is not QUEUE=WEIGHT",
			    item);
		*eq++ = '\0';
		for (i = 0; i < o->nqueues; i++) {
			if (strcmp(o->queues[i], item) == 0)
				break;
		}
		if (i == o->nqueues)
			usage_error("--weights: queue %s is not served (-q)",
			    item);
		if (seen[i]++)
			usage_error("--weights: queue %s named twice", item);
		o->weights[i] = (int)parse_int("--weights", eq, 1, INT_MAX);
	}
	free(copy);
	free(seen);
}

static void
parse_args(struct tqw_opts *o, int argc, char **argv)
{
	char	*prev;
	int	 ch;

	memset(o, 0, sizeof *o);
	o->grace_s = -1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":c:u:n:q:C:vh", tqw_longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			o->config = optarg;
			break;
		case 'u':
			/* Keep a copy; ps(1) must not show the password. */
			free(o->url);
			o->url = xstrdup(optarg);
			if (tq_url_scrub(optarg))
				log_msg(TQW_LOG_WARN, "-u: a password on the "
				    "command line can be seen by other users; "
				    "use password_file (tq.conf(5)) or "
				    "$TQ_REDIS_URL");
			break;
		case 'n':
			o->ns = optarg;
			break;
		case 'q':
			/* -q a -q b is -q a,b. */
			prev = o->queue_arg;
			o->queue_arg = prev == NULL ? xstrdup(optarg) :
			    xasprintf("%s,%s", prev, optarg);
			free(prev);
			break;
		case 'C':
			o->concurrency = parse_int("-C", optarg, 1,
			    TQW_CONC_MAX);
			break;
		case OPT_WEIGHTS:
			o->weights_arg = optarg;
			break;
		case OPT_EXEC:
			parse_exec(o, optarg);
			break;
		case OPT_EXEC_DEFAULT:
			add_cmd(o, NULL, optarg);
			break;
		case OPT_TIMEOUT:
			o->timeout_s = parse_int("--timeout", optarg, 1,
			    TQW_TIMEOUT_MAX);
			break;
		case OPT_GRACE:
			o->grace_s = parse_int("--grace", optarg, 0,
			    TQW_GRACE_MAX);
			break;
		case 'v':
			o->verbose++;
			break;
		case OPT_QUIET:
			o->quiet = 1;
			break;
		case 'h':
			usage_exit(TQW_EXIT_OK);
		case OPT_VERSION:
			printf("tqworker (tq) %s\n", TQ_VERSION);
			exit(TQW_EXIT_OK);
		case ':':
			usage_error("%s needs an argument", argv[optind - 1]);
		default:
			if (optopt != 0 && optopt < OPT_WEIGHTS)
				usage_error("unknown option -%c", optopt);
			usage_error("unknown option %s", argv[optind - 1]);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument '%s'", argv[optind]);
	if (o->queue_arg == NULL)
		usage_error("no queue to serve: give -q QUEUE[,QUEUE...]");
	if (o->ncmds == 0)
		usage_error("no command: give --exec TYPE=COMMAND or "
		    "--exec-default COMMAND");
	parse_queues(o);
	if (o->weights_arg != NULL)
		parse_weights(o);
	if (o->quiet)
		log_level = TQW_LOG_WARN;
	log_level += o->verbose;
	if (log_level > TQW_LOG_DEBUG)
		log_level = TQW_LOG_DEBUG;
}

/*
 * The configuration: -c FILE, else $TQ_CONFIG, else the system file if
 * there is one; then -u or $TQ_REDIS_URL, and -n, over the file.
 */
static struct tq_config *
load_config(const struct tqw_opts *o)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	const char		*path, *url, *env, *w;
	struct stat		 sb;
	size_t			 i;

	cfg = tq_config_new();
	path = o->config;
	if (path == NULL && (env = getenv("TQ_CONFIG")) != NULL && *env != '\0')
		path = env;
	if (path == NULL && stat(TQ_SYSCONFDIR "/tq.conf", &sb) == 0)
		path = TQ_SYSCONFDIR "/tq.conf";
	if (path != NULL && tq_config_load(cfg, path, &err) != 0)
		config_error("%s", err.msg);
	for (i = 0; (w = tq_config_warning(cfg, i)) != NULL; i++)
		log_msg(TQW_LOG_WARN, "%s", w);

	url = o->url;
	if (url == NULL && (env = getenv("TQ_REDIS_URL")) != NULL &&
	    *env != '\0')
		url = env;
	if (url != NULL && tq_config_set_url(cfg, url, &err) != 0)
		config_error("%s", err.msg);
	if (o->ns != NULL &&
	    tq_config_set(cfg, "redis", "namespace", o->ns, &err) != 0)
		config_error("-n: %s", err.msg);
	return (cfg);
}

/* ------------------------------------------------------------------ */
/* Signals and startup                                                 */

/* TERM or INT: stop gracefully; the second one: stop now. */
static void
on_signal(TQW_UNUSED int sig)
{
	if (sig_count < 2)
		sig_count++;
	tq_worker_stop(sig_worker, sig_count > 1);
}

static void
set_signals(struct tq_worker *w)
{
	struct sigaction	sa;

	sig_worker = w;
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

/*
 * A write to a command that closed its stdin must give EPIPE, not kill
 * us; and commands must be ours to reap even if we were started with
 * SIGCHLD ignored.
 */
static void
set_signal_dispositions(void)
{
	struct sigaction	sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
}

/* Make sure 0-2 are open, so that no pipe of ours lands on them. */
static void
open_std_fds(void)
{
	int	fd;

	while ((fd = open("/dev/null", O_RDWR)) != -1 && fd <= STDERR_FILENO)
		;
	if (fd > STDERR_FILENO)
		close(fd);
}

/* Say so, once, when Redis is not there; the worker will wait for it. */
static void
probe_redis(const struct tq_config *cfg)
{
	struct tq_client	*c;
	struct tq_error		 err;

	tq_error_clear(&err);
	if ((c = tq_client_new(cfg, &err)) == NULL) {
		log_msg(TQW_LOG_WARN, "cannot reach Redis: %s; will keep "
		    "trying", err.msg);
		return;
	}
	if (tq_client_ping(c, &err) != 0)
		log_msg(TQW_LOG_WARN, "cannot reach Redis at %s: %s; will "
		    "keep trying", tq_client_address(c), err.msg);
	else
		log_msg(TQW_LOG_DEBUG, "Redis at %s answers; namespace %s",
		    tq_client_address(c), tq_client_namespace(c));
	tq_client_free(c);
}

int
main(int argc, char **argv)
{
	struct tqw_opts		 o;
	struct tq_config	*cfg;
	struct tq_worker_opts	 wo;
	struct tq_worker	*w;
	struct tq_error		 err;
	struct exec_conf	 conf;
	size_t			 i;
	int			 rc;

	open_std_fds();
	parse_args(&o, argc, argv);
	cfg = load_config(&o);
	set_signal_dispositions();
	exec_conf_init(&conf, environ, o.timeout_s * 1000);

	tq_worker_opts_init(&wo);
	wo.queues = (const char *const *)o.queues;
	wo.weights = o.weights;
	wo.nqueues = o.nqueues;
	wo.concurrency = (int)o.concurrency;
	if (o.grace_s >= 0)
		wo.grace_ms = o.grace_s * 1000;
	tq_error_clear(&err);
	if ((w = tq_worker_new(cfg, &wo, &err)) == NULL)
		config_error("%s", err.msg);
	tq_worker_set_log(w, log_sink, NULL);
	tq_worker_set_log_level(w, log_level);
	for (i = 0; i < o.ncmds; i++) {
		o.cmds[i].conf = &conf;
		tq_worker_handle(w, o.cmds[i].type, exec_handler, &o.cmds[i]);
		log_msg(TQW_LOG_DEBUG, "type %s: %s", o.cmds[i].type != NULL ?
		    o.cmds[i].type : "(default)", o.cmds[i].command);
	}
	set_signals(w);
	probe_redis(cfg);

	rc = tq_worker_run(w, &err);
	if (rc != 0)
		log_msg(TQW_LOG_ERROR, "%s", err.msg);

	/* Signals may still come while we tear down: ignore them. */
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	tq_worker_free(w);
	tq_config_free(cfg);
	exec_conf_done(&conf);
	for (i = 0; i < o.ncmds; i++) {
		free(o.cmds[i].type);
		free(o.cmds[i].command);
	}
	free(o.cmds);
	free(o.queues);
	free(o.weights);
	free(o.queue_arg);
	free(o.url);
	return (rc == 0 ? TQW_EXIT_OK : TQW_EXIT_FAIL);
}
