/*
 * tqd.c -- tqd's entry point: options, configuration, logging, start-up.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tqd runs in the foreground (systemd Type=simple; there is no
 * daemonising code path) and logs to stderr, to the file [tqd] log_file,
 * or to syslog when [tqd] syslog = yes.  The configuration is read whole
 * and validated before it is used -- at start-up, by "tqd -t", and on
 * SIGHUP, where a bad file is rejected with a log line and the running
 * configuration kept.
 *
 * Exit statuses: 0 after a requested stop, 1 on a runtime failure, 2 on a
 * usage or configuration error.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "tqd.h"

#ifndef TQ_SYSCONFDIR
#define TQ_SYSCONFDIR	"/etc"
#endif

/*
 * tqd's calls are scripts bounded to milliseconds: waiting longer than
 * this for one, or for a connection, only delays a stop, which must come
 * within a second of SIGTERM even while Redis hangs.  [redis]
 * connect_timeout and command_timeout apply to tqd up to this.
 */
#define TQD_WAIT_MAX_MS	1000

int		 tqd_log_level = TQD_LOG_INFO;
static int	 tqd_syslog;

static const char *const tqd_level_names[] = {
	"error", "warning", "info", "debug"
};

void
tqd_log(int level, const char *fmt, ...)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	va_list		 ap;
	char		 msg[1024], when[32];
	struct timespec	 ts;
	struct tm	 tm;

	if (level > tqd_log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (tqd_syslog) {
		syslog(prio[level], "%s", msg);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(stderr, "tqd: %s.%03ldZ %s: %s\n", when,
	    ts.tv_nsec / 1000000, tqd_level_names[level], msg);
}

void
tqd_fatalx(const char *fmt, ...)
{
	va_list	ap;
	char	msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tqd_log(TQD_LOG_ERROR, "%s", msg);
	exit(1);
}

int64_t
tqd_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

int64_t
tqd_wall(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Log "doing: msg", unless it was logged less than TQD_REPEAT_MS ago: a
 * key of the wrong type (another program wrote it) fails the same call
 * on every tick until someone repairs it, and the log would fill with
 * it.  The repeats are counted and said with the next line logged.
 */
#define TQD_REPEAT_MS	60000
static void
tqd_log_error(struct tqd *d, const char *doing, const char *msg)
{
	char	line[sizeof d->recent[0].msg];
	int64_t	now = tqd_now();
	size_t	i, slot = 0;

	snprintf(line, sizeof line, "%s: %s", doing, msg);
	for (i = 0; i < TQD_RECENT_ERRORS; i++) {
		if (d->recent[i].at_ms != 0 &&
		    strcmp(d->recent[i].msg, line) == 0)
			break;
		if (d->recent[i].at_ms < d->recent[slot].at_ms)
			slot = i;	/* the free or oldest one */
	}
	if (i < TQD_RECENT_ERRORS) {
		if (now - d->recent[i].at_ms < TQD_REPEAT_MS) {
			d->recent[i].repeats++;
			return;
		}
		if (d->recent[i].repeats > 0)
			tqd_log(TQD_LOG_ERROR, "%s (%lld more times since "
			    "it was last logged)", line, d->recent[i].repeats);
		else
			tqd_log(TQD_LOG_ERROR, "%s", line);
		d->recent[i].at_ms = now;
		d->recent[i].repeats = 0;
		return;
	}
	tqd_log(TQD_LOG_ERROR, "%s", line);
	snprintf(d->recent[slot].msg, sizeof d->recent[slot].msg, "%s", line);
	d->recent[slot].at_ms = now;
	d->recent[slot].repeats = 0;
}

/*
 * Note the outcome of a Redis call: log the link going down and coming
 * back once each, not every failed call, and any other error once a
 * minute at most.  Returns rc.
 */
int
tqd_redis(struct tqd *d, int rc, const struct tq_error *err,
    const char *doing)
{
	int	link;

	if (rc == 0) {
		if (d->redis_down)
			tqd_log(TQD_LOG_INFO, "Redis at %s is back",
			    tq_client_address(d->c));
		d->redis_down = 0;
		return (rc);
	}
	/* Only now: on success libtq leaves *err as the caller had it. */
	link = err != NULL && (err->code == TQ_ECONN ||
	    err->code == TQ_ETIMEOUT);
	if (!link)
		tqd_log_error(d, doing, err->msg);
	else if (!d->redis_down)
		tqd_log(TQD_LOG_ERROR, "%s: %s; retrying with backoff", doing,
		    err->msg);
	if (link) {
		d->redis_down = 1;
		/* The server we reconnect to may be another (a fail-over). */
		d->server_checked = 0;
	}
	return (rc);
}

/*
 * Read the configuration: the file (if any), then -u / $TQ_REDIS_URL and
 * -n on top.  A new configuration, or NULL with errbuf explaining.
 */
struct tq_config *
tqd_config_read(struct tqd *d, char *errbuf, size_t len)
{
	static const char *const waits[] = { "connect_timeout",
	    "command_timeout" };
	struct tq_config	*cfg = tq_config_new();
	struct tq_error		 err;
	struct tqd_schedule	*s;
	const char		*w;
	char			 wait_max[16];
	size_t			 n;

	tq_error_clear(&err);
	if ((d->cfg_path != NULL &&
	    tq_config_load(cfg, d->cfg_path, &err) != 0) ||
	    (d->url != NULL && tq_config_set_url(cfg, d->url, &err) != 0) ||
	    (d->ns != NULL && tq_config_set(cfg, "redis", "namespace", d->ns,
	    &err) != 0)) {
		snprintf(errbuf, len, "%s", err.msg);
		tq_config_free(cfg);
		return (NULL);
	}
	if (schedule_load(cfg, d->cfg_path, &s, &n, errbuf, len) != 0) {
		tq_config_free(cfg);
		return (NULL);
	}
	schedule_free(s, n);
	if (tq_config_int(cfg, "tqd", "syslog") &&
	    *tq_config_str(cfg, "tqd", "log_file") != '\0') {
		config_error(cfg, d->cfg_path, "tqd", "log_file", errbuf, len,
		    "syslog = yes sends the log to syslog; set one or "
		    "the other");
		tq_config_free(cfg);
		return (NULL);
	}
	snprintf(wait_max, sizeof wait_max, "%dms", TQD_WAIT_MAX_MS);
	for (n = 0; n < sizeof waits / sizeof waits[0]; n++) {
		if (tq_config_int(cfg, "redis", waits[n]) > TQD_WAIT_MAX_MS)
			(void)tq_config_set(cfg, "redis", waits[n], wait_max,
			    NULL);
	}
	/* On every read, SIGHUP too: after a chmod, the warning stops. */
	for (n = 0; (w = tq_config_warning(cfg, n)) != NULL; n++)
		tqd_log(TQD_LOG_WARN, "%s", w);
	return (cfg);
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: tqd [-c FILE] [-u URL] [-n NS] [-f] [-t] [-v...] "
	    "[--version]\n"
	    "  -c FILE       configuration (default $TQ_CONFIG, else "
	    TQ_SYSCONFDIR "/tq.conf)\n"
	    "  -u URL        Redis URL (default $TQ_REDIS_URL, else the "
	    "file)\n"
	    "  -n NS         namespace (key prefix)\n"
	    "  -f            stay in the foreground (always)\n"
	    "  -t            check the configuration and exit\n"
	    "  -v            log more (repeat for debug)\n");
}

/* The configuration file: -c, else $TQ_CONFIG, else the installed one. */
static const char *
tqd_config_path(const char *opt)
{
	const char	*env;

	if (opt != NULL)
		return (opt);
	if ((env = getenv("TQ_CONFIG")) != NULL && *env != '\0')
		return (env);
	if (access(TQ_SYSCONFDIR "/tq.conf", R_OK) == 0)
		return (TQ_SYSCONFDIR "/tq.conf");
	return (NULL);
}

/*
 * Loud warnings about settings that break "nothing lost", at start-up
 * and again each time the link to Redis comes back (jobs_scan): a Redis
 * down at start-up is checked once it answers, and a restarted or
 * failed-over one may not be configured as the old one was.  On a
 * cluster, every master: each holds the tasks of its own queues.
 */
void
tqd_check_server(struct tqd *d)
{
	struct tq_server_info	*v, *info;
	struct tq_error		 err;
	size_t			 n, i;

	if (tqd_redis(d, tq_server_info_all(d->c, &v, &n, &err), &err,
	    "server info") != 0)
		return;
	d->server_checked = 1;
	for (i = 0; i < n; i++) {
		info = &v[i];
		tqd_log(TQD_LOG_INFO, "Redis %s at %s", info->version,
		    info->address);
		if (info->maxmemory_policy[0] != '\0' &&
		    strcmp(info->maxmemory_policy, "noeviction") != 0)
			tqd_log(TQD_LOG_WARN, "Redis maxmemory-policy is %s: "
			    "Redis may evict task data and leases, losing "
			    "tasks; set maxmemory-policy noeviction (Redis at "
			    "%s)", info->maxmemory_policy, info->address);
		if (!info->appendonly)
			tqd_log(TQD_LOG_WARN, "Redis appendonly is off: a "
			    "Redis restart loses every task written since the "
			    "last snapshot; set appendonly yes (Redis at %s)",
			    info->address);
		else if (strcmp(info->appendfsync, "always") != 0 &&
		    info->appendfsync[0] != '\0')
			tqd_log(TQD_LOG_WARN, "Redis appendfsync is %s: a "
			    "crash of the Redis host may lose up to a second "
			    "of acknowledged tasks; appendfsync always loses "
			    "none (Redis at %s)", info->appendfsync,
			    info->address);
	}
	free(v);
}

/*
 * Keep the pid file at path ("" or NULL: none): write it there, then
 * remove the one written before under another name.  0, or -1 with
 * errbuf set and the old file kept.
 */
int
tqd_pidfile(struct tqd *d, const char *path, char *errbuf, size_t len)
{
	FILE	*f;

	if (path != NULL && *path == '\0')
		path = NULL;
	if (path != NULL && (d->pidfile == NULL ||
	    strcmp(path, d->pidfile) != 0)) {
		if ((f = fopen(path, "w")) == NULL) {
			snprintf(errbuf, len, "pidfile %s: %s", path,
			    strerror(errno));
			return (-1);
		}
		fprintf(f, "%ld\n", (long)getpid());
		if (fclose(f) != 0) {
			snprintf(errbuf, len, "pidfile %s: %s", path,
			    strerror(errno));
			unlink(path);
			return (-1);
		}
	}
	if (d->pidfile != NULL && (path == NULL ||
	    strcmp(path, d->pidfile) != 0))
		unlink(d->pidfile);
	if (path == NULL || d->pidfile == NULL ||
	    strcmp(path, d->pidfile) != 0) {
		free(d->pidfile);
		d->pidfile = path != NULL ? tq_xstrdup(path) : NULL;
	}
	return (0);
}

/*
 * Send the log where cfg says: syslog ([tqd] syslog), else the file
 * [tqd] log_file, opened onto descriptor 2 so that whatever writes to
 * stderr lands there too, else stderr as tqd found it.  At start-up, on
 * SIGHUP, and on SIGUSR1, when logrotate has moved the file away: it is
 * opened anew under its name.  0, or -1 with errbuf set and the log left
 * where it was.
 */
int
tqd_log_open(struct tqd *d, const struct tq_config *cfg, char *errbuf,
    size_t len)
{
	const char	*path = tq_config_str(cfg, "tqd", "log_file");
	int		 sys = (int)tq_config_int(cfg, "tqd", "syslog");
	int		 fd;

	if (*path != '\0') {
		fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		    0640);
		if (fd == -1) {
			snprintf(errbuf, len, "log_file %s: %s", path,
			    strerror(errno));
			return (-1);
		}
		fflush(stderr);
		if (dup2(fd, STDERR_FILENO) == -1) {
			snprintf(errbuf, len, "log_file %s: %s", path,
			    strerror(errno));
			close(fd);
			return (-1);
		}
		close(fd);
	} else if (d->log_file != NULL && d->stderr_fd != -1) {
		fflush(stderr);
		(void)dup2(d->stderr_fd, STDERR_FILENO);
	}
	if (tqd_syslog)
		closelog();
	if (sys)
		openlog("tqd", LOG_PID, LOG_DAEMON);
	tqd_syslog = sys;
	free(d->log_file);
	d->log_file = *path != '\0' ? tq_xstrdup(path) : NULL;
	d->log_syslog = sys;
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static char	*url;	/* a copy of -u's; d.url points here */
	struct tqd	 d;
	struct tq_error	 err;
	char		 errbuf[512];
	const char	*cfg_opt = NULL;
	int		 ch, test = 0;

	memset(&d, 0, sizeof d);
	while ((ch = getopt_long(argc, argv, "c:u:n:ftvh", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			cfg_opt = optarg;
			break;
		case 'u':
			/* ps(1) shows every user our command line. */
			free(url);
			d.url = url = tq_xstrdup(optarg);
			if (tq_url_scrub(optarg))
				tqd_log(TQD_LOG_WARN, "-u: a password on the "
				    "command line can be seen by other users; "
				    "use password_file (tq.conf(5)) or "
				    "$TQ_REDIS_URL");
			break;
		case 'n':
			d.ns = optarg;
			break;
		case 'f':
			break;
		case 't':
			test = 1;
			break;
		case 'v':
			if (tqd_log_level < TQD_LOG_DEBUG)
				tqd_log_level++;
			break;
		case 'V':
			printf("tqd %s\n", TQ_VERSION);
			return (0);
		case 'h':
			usage(stdout);
			return (0);
		default:
			usage(stderr);
			return (2);
		}
	}
	if (optind != argc) {
		usage(stderr);
		return (2);
	}
	if (d.url == NULL && getenv("TQ_REDIS_URL") != NULL &&
	    *getenv("TQ_REDIS_URL") != '\0')
		d.url = getenv("TQ_REDIS_URL");
	d.cfg_path = tqd_config_path(cfg_opt);
	if ((d.cfg = tqd_config_read(&d, errbuf, sizeof errbuf)) == NULL) {
		fprintf(stderr, "tqd: %s\n", errbuf);
		return (2);
	}
	if (test) {
		printf("tqd: configuration %s is valid\n",
		    d.cfg_path != NULL ? d.cfg_path : "(defaults)");
		tq_config_free(d.cfg);
		return (0);
	}
	if ((d.c = tq_client_new_lazy(d.cfg, &err)) == NULL) {
		fprintf(stderr, "tqd: %s\n", err.msg);
		return (2);
	}
	d.stderr_fd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (tqd_log_open(&d, d.cfg, errbuf, sizeof errbuf) != 0 ||
	    tqd_pidfile(&d, tq_config_str(d.cfg, "tqd", "pidfile"), errbuf,
	    sizeof errbuf) != 0)
		tqd_fatalx("%s", errbuf);
	signal_init();
	jobs_init(&d);
	tqd_log(TQD_LOG_INFO, "tqd %s started as %s (namespace %s, Redis %s)",
	    TQ_VERSION, d.id, tq_client_namespace(d.c),
	    tq_client_address(d.c));
	tqd_check_server(&d);
	loop_run(&d);
	jobs_resign(&d);
	tqd_log(TQD_LOG_INFO, "tqd stopped");
	(void)tqd_pidfile(&d, NULL, errbuf, sizeof errbuf);
	free(d.log_file);
	schedule_free(d.sched, d.nsched);
	tq_client_free(d.c);
	tq_config_free(d.cfg);
	return (0);
}
