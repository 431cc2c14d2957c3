/*
 * rss.c -- tq-bench's rss mode: the resident memory of tqd and tqtop.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * rss fills --queues queues with a few tasks in each state (ready,
 * scheduled, active, retry, dead) through libtq, then runs the real
 * programs against them: tqd, until its metrics file lists every queue
 * and names it leader, and, while it goes on running, tqtop twice -- in
 * batch mode (-b) on a pipe, which gives the time of a refresh, and as
 * the dashboard in a pseudo-terminal, which also draws with curses and
 * reads the history of the queues on screen.  Both refresh every
 * RSS_REFRESH_S for --seconds.  Their memory comes from the kernel:
 * VmRSS and VmHWM of /proc/PID/status (VmHWM is the peak resident set,
 * so a burst during one refresh is not missed), read just before each
 * program is told to stop.  tqd and tqtop are found next to tq-bench
 * (the build tree), else where they are installed, unless $TQ_BENCH_TQD
 * and $TQ_BENCH_TQTOP name them; both get a configuration file written
 * into a temporary directory, for the same Redis and namespace, with the
 * metrics file on.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1	/* posix_openpt, wait4 */
#endif

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "bench.h"

#ifndef TQ_BINDIR
#define TQ_BINDIR	"/usr/local/bin"
#endif
#ifndef TQ_SBINDIR
#define TQ_SBINDIR	"/usr/local/sbin"
#endif

#define RSS_REFRESH_S	0.5	/* tqtop -d */
#define RSS_REFRESH_ARG	"0.5"
#define RSS_SAMPLE_MS	50	/* /proc reads while a program runs */
#define RSS_READY_MS	60000	/* most we wait for tqd's first metrics */
#define RSS_SLACK_MS	60000	/* tqtop's time beyond its iterations */
#define RSS_STOP_MS	10000	/* tqd's time to stop on TERM */
#define RSS_TTY_ROWS	50	/* the dashboard's terminal */
#define RSS_TTY_COLS	160
#define RSS_LEASE_MS	(3600 * 1000)	/* active tasks stay active */
#define RSS_DELAY_MS	(3600 * 1000)	/* scheduled tasks stay scheduled */

/* Tasks per queue in each state; see rss_populate. */
#define RSS_READY	2
#define RSS_SCHEDULED	1
#define RSS_LEASED	3	/* one stays active, one retries, one dies */
#define RSS_PER_QUEUE	(RSS_READY + RSS_SCHEDULED + RSS_LEASED)

/* What a run of one program measured; -1: unknown. */
struct rss_mem {
	long		 rss_kb;	/* VmRSS, last reading */
	long		 hwm_kb;	/* VmHWM, the peak */
};

/* The run's files and programs. */
struct rss {
	struct bench	*b;
	int		 nqueues;
	char		 dir[PATH_MAX];
	char		*conf;		/* the configuration both read */
	char		*metrics;	/* tqd's metrics file */
	char		*tqd;		/* the programs */
	char		*tqtop;
	pid_t		 tqd_pid;
};

/* The programs' options, writable as execv(3) wants them. */
static char	rss_opt_c[] = "-c";
static char	rss_opt_b[] = "-b";
static char	rss_opt_d[] = "-d";
static char	rss_opt_delay[] = RSS_REFRESH_ARG;

/* Queue i's name. */
static void
rss_queue(char *buf, size_t len, int i)
{
	snprintf(buf, len, "rss.%05d", i);
}

/*
 * The program to run: $env, else name beside this program (the build
 * tree, or a bin directory holding all of tq), else in installed (the
 * configured bindir or sbindir).  New string.
 */
static char *
rss_program(const char *name, const char *env, const char *installed)
{
	const char	*v;
	char		 self[PATH_MAX], *slash, *p;
	ssize_t		 n;

	if ((v = getenv(env)) != NULL && *v != '\0')
		return (tq_xstrdup(v));
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			p = tq_xasprintf("%s/%s", self, name);
			if (access(p, X_OK) == 0)
				return (p);
			free(p);
		}
	}
	return (tq_xasprintf("%s/%s", installed, name));
}

/* Read VmRSS and VmHWM of pid; -1 when the process is gone. */
static int
rss_status(pid_t pid, struct rss_mem *m)
{
	char	 path[64], line[256];
	FILE	*f;
	long	 v;
	int	 found = 0;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (sscanf(line, "VmRSS: %ld", &v) == 1) {
			m->rss_kb = v;
			found++;
		} else if (sscanf(line, "VmHWM: %ld", &v) == 1) {
			m->hwm_kb = v;
			found++;
		}
	}
	fclose(f);
	/* A zombie has no memory, and so no such lines. */
	return (found == 2 ? 0 : -1);
}

/* The verbose log: the memory lines of pid's status and its largest maps. */
static void
rss_debug_status(struct bench *b, const char *who, pid_t pid)
{
	char	 path[64], line[256];
	FILE	*f;

	if (!b->verbose)
		return;
	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "Vm", 2) == 0 ||
		    strncmp(line, "Rss", 3) == 0) {
			line[strcspn(line, "\n")] = '\0';
			bench_debug(b, "%s: %s", who, line);
		}
	}
	fclose(f);
}

/* Write s to path, mode 0600 (it may hold a password); 0 or -1. */
static int
rss_write(const char *path, const char *s)
{
	size_t	len = strlen(s);
	ssize_t	n;
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return (-1);
	n = write(fd, s, len);
	if (close(fd) != 0 || n != (ssize_t)len)
		return (-1);
	return (0);
}

/* Append "key = value" of [redis] key when it is set. */
static char *
rss_conf_key(char *conf, const struct tq_config *cfg, const char *key)
{
	const char	*v = tq_config_str(cfg, "redis", key);
	char		*s;

	if (*v == '\0')
		return (conf);
	s = tq_xasprintf("%s%s = %s\n", conf, key, v);
	free(conf);
	return (s);
}

/*
 * The configuration file of the run: this run's Redis (its URL, or the
 * keys that name it) and namespace; a retry an hour away, so that retry
 * tasks stay there; and tqd's periodic jobs a second apart, so that a
 * few seconds see each of them several times.
 */
static int
rss_conf(struct rss *s)
{
	const struct tq_config	*cfg = s->b->cfg;
	char			*conf, *t;
	int			 rc;

	conf = tq_xstrdup("# tq-bench rss\n[redis]\n");
	if (*tq_config_str(cfg, "redis", "url") != '\0')
		conf = rss_conf_key(conf, cfg, "url");
	else {
		conf = rss_conf_key(conf, cfg, "host");
		conf = rss_conf_key(conf, cfg, "port");
		conf = rss_conf_key(conf, cfg, "socket");
		conf = rss_conf_key(conf, cfg, "db");
		conf = rss_conf_key(conf, cfg, "user");
		if (*tq_config_str(cfg, "redis", "password_file") != '\0')
			conf = rss_conf_key(conf, cfg, "password_file");
		else
			conf = rss_conf_key(conf, cfg, "password");
	}
	conf = rss_conf_key(conf, cfg, "connect_timeout");
	conf = rss_conf_key(conf, cfg, "command_timeout");
	t = tq_xasprintf("%snamespace = %s\n\n[queue]\nretry_base = 1h\n\n"
	    "[tqd]\nmetrics_file = %s\nmetrics_interval = 1s\n"
	    "scan_interval = 1s\nreclaim_interval = 1s\n", conf, s->b->ns,
	    s->metrics);
	free(conf);
	rc = rss_write(s->conf, t);
	free(t);
	if (rc != 0)
		bench_warn("rss: %s: %s", s->conf, strerror(errno));
	return (rc);
}

/* Enqueue per tasks in each queue, in batches; 0 or -1 (reported). */
static int
rss_enqueue(struct rss *s, struct tq_client *c, int per, int64_t delay_ms,
    const char *payload)
{
	struct tq_enqueue_opts	 o;
	struct tq_batch		*bt = NULL;
	const struct tq_error	*e;
	struct tq_error		 err;
	char			 q[32];
	size_t			 j;
	int			 i, k, refused;

	tq_enqueue_opts_init(&o);
	o.queue = q;
	o.delay_ms = delay_ms;
	for (i = 0; i < s->nqueues; i++) {
		rss_queue(q, sizeof q, i);
		if (bt == NULL)
			bt = tq_batch_new(c);
		for (k = 0; k < per; k++) {
			if (tq_batch_add(bt, BENCH_QUEUE, payload, &o,
			    &err) != 0)
				goto fail;
		}
		if (tq_batch_count(bt) < BENCH_LOAD_BATCH &&
		    i + 1 < s->nqueues)
			continue;
		if ((refused = tq_batch_exec(bt, &err)) != 0) {
			for (j = 0; refused > 0 && j < tq_batch_count(bt);
			    j++) {
				if ((e = tq_batch_error(bt, j)) != NULL &&
				    e->code != TQ_OK) {
					err = *e;
					break;
				}
			}
			goto fail;
		}
		tq_batch_free(bt);
		bt = NULL;
	}
	return (0);
fail:
	tq_batch_free(bt);
	return (bench_fail("rss: enqueue", &err));
}

/*
 * A few tasks in each state in every queue: RSS_LEASED leased for an
 * hour, of which one stays active, one fails once (retry, an hour
 * away) and one fails for good (dead); then RSS_READY ready and
 * RSS_SCHEDULED delayed by an hour.
 */
static int
rss_populate(struct rss *s, struct tq_client *c)
{
	struct tq_dequeue_opts	 d;
	struct tq_task		*t;
	struct tq_error		 err;
	const char		*qv[1];
	char			 q[32], *payload;
	int			 i, k, got, rc = -1;

	payload = bench_payload(100, -1);
	if (rss_enqueue(s, c, RSS_LEASED, 0, payload) != 0)
		goto out;
	tq_dequeue_opts_init(&d);
	qv[0] = q;
	d.queues = qv;
	d.nqueues = 1;
	d.lease_ms = RSS_LEASE_MS;
	for (i = 0; i < s->nqueues; i++) {
		rss_queue(q, sizeof q, i);
		for (k = 0; k < RSS_LEASED; k++) {
			if ((got = tq_dequeue(c, &d, &t, &err)) != 1) {
				if (got == 0)
					bench_warn("rss: %s: nothing to "
					    "dequeue", q);
				else
					bench_fail("rss: dequeue", &err);
				goto out;
			}
			/* The first is left leased: active. */
			if (k > 0 && tq_fail(c, t, "tq-bench rss",
			    k == 2 ? TQ_FAIL_PERMANENT : 0, &err) != 0) {
				tq_task_free(t);
				bench_fail("rss: fail", &err);
				goto out;
			}
			tq_task_free(t);
		}
	}
	if (rss_enqueue(s, c, RSS_READY, 0, payload) != 0 ||
	    rss_enqueue(s, c, RSS_SCHEDULED, RSS_DELAY_MS, payload) != 0)
		goto out;
	rc = 0;
out:
	free(payload);
	return (rc);
}

/*
 * Start argv[0] with stdin from /dev/null (or in), stdout and stderr to
 * out and errfd, and none of the environment that would override its
 * configuration file.  With tty set, in is a terminal's slave side that
 * becomes the child's controlling terminal.  The pid, or -1 (reported).
 */
static pid_t
rss_spawn(char *const argv[], int in, int out, int errfd, int tty)
{
	pid_t	pid;
	int	null;

	if ((pid = fork()) == -1) {
		bench_warn("rss: fork: %s", strerror(errno));
		return (-1);
	}
	if (pid != 0)
		return (pid);
	if (tty) {
		setsid();
		ioctl(in, TIOCSCTTY, 0);
		setenv("TERM", "xterm", 1);
	}
	if (in == -1 && (null = open("/dev/null", O_RDONLY)) != -1)
		in = null;
	if (in != -1)
		dup2(in, 0);
	dup2(out, 1);
	dup2(errfd, 2);
	closefrom(3);
	unsetenv("TQ_CONFIG");
	unsetenv("TQ_REDIS_URL");
	execv(argv[0], argv);
	dprintf(2, "%s: %s: %s\n", bench_progname, argv[0], strerror(errno));
	_exit(127);
}

/* A file of the run's directory, opened for the children to write. */
static int
rss_log(struct rss *s, const char *name)
{
	char	*path;
	int	 fd;

	path = tq_xasprintf("%s/%s", s->dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
	if (fd == -1)
		bench_warn("rss: %s: %s", path, strerror(errno));
	free(path);
	return (fd);
}

/* Show the end of a log of the run's directory on stderr. */
static void
rss_show_log(struct rss *s, const char *name)
{
	char	*path, line[512];
	FILE	*f;
	long	 size;

	path = tq_xasprintf("%s/%s", s->dir, name);
	if ((f = fopen(path, "r")) != NULL) {
		fseek(f, 0, SEEK_END);
		size = ftell(f);
		fseek(f, size > 4096 ? size - 4096 : 0, SEEK_SET);
		while (fgets(line, sizeof line, f) != NULL)
			fprintf(stderr, "%s: %s: %s", bench_progname, name,
			    line);
		fclose(f);
	}
	free(path);
}

/* How many queues the metrics file lists, and whether tqd leads; -1. */
static int
rss_metrics(struct rss *s, int *leader, long *bytes)
{
	char	 line[512];
	FILE	*f;
	int	 n = 0;

	*leader = 0;
	if ((f = fopen(s->metrics, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "tq_queue_paused{", 16) == 0)
			n++;
		else if (strncmp(line, "tq_tqd_leader{", 14) == 0)
			*leader = strstr(line, "} 1") != NULL;
	}
	*bytes = ftell(f);
	fclose(f);
	return (n);
}

/* Whether pid has exited (reaped, status in *status). */
static int
rss_exited(pid_t pid, int *status, struct rusage *ru)
{
	return (wait4(pid, status, WNOHANG, ru) == pid);
}

/* Start tqd and wait for metrics naming every queue, tqd the leader. */
static int
rss_tqd_start(struct rss *s, long *metrics_bytes)
{
	char		*argv[4];
	struct rusage	 ru;
	int64_t		 until;
	int		 fd, n, leader, status;

	if ((fd = rss_log(s, "tqd.log")) == -1)
		return (-1);
	argv[0] = s->tqd;
	argv[1] = rss_opt_c;
	argv[2] = s->conf;
	argv[3] = NULL;
	s->tqd_pid = rss_spawn(argv, -1, fd, fd, 0);
	close(fd);
	if (s->tqd_pid == -1)
		return (-1);
	bench_debug(s->b, "rss: started %s as %ld", s->tqd, (long)s->tqd_pid);
	until = bench_now_ns() + (int64_t)RSS_READY_MS * 1000000;
	for (;;) {
		n = rss_metrics(s, &leader, metrics_bytes);
		if (n == s->nqueues && leader)
			break;
		if (rss_exited(s->tqd_pid, &status, &ru)) {
			s->tqd_pid = -1;
			bench_warn("rss: tqd exited (status %d) before "
			    "writing metrics", WIFEXITED(status) ?
			    WEXITSTATUS(status) : 128 + WTERMSIG(status));
			rss_show_log(s, "tqd.log");
			return (-1);
		}
		if (bench_now_ns() > until) {
			bench_warn("rss: tqd's metrics list %d queues of %d "
			    "(leader: %s) after %d s", n, s->nqueues,
			    leader ? "yes" : "no", RSS_READY_MS / 1000);
			rss_show_log(s, "tqd.log");
			return (-1);
		}
		bench_sleep_ns(50 * 1000000);
	}
	bench_debug(s->b, "rss: tqd's metrics list all %d queues", n);
	return (0);
}

/* TERM tqd and wait for it; KILL it after RSS_STOP_MS.  0 if it stopped. */
static int
rss_tqd_stop(struct rss *s)
{
	struct rusage	 ru;
	int64_t		 until;
	int		 status;

	if (s->tqd_pid == -1)
		return (0);
	kill(s->tqd_pid, SIGTERM);
	until = bench_now_ns() + (int64_t)RSS_STOP_MS * 1000000;
	while (!rss_exited(s->tqd_pid, &status, &ru)) {
		if (bench_now_ns() > until) {
			bench_warn("rss: tqd did not stop in %d s; killed",
			    RSS_STOP_MS / 1000);
			kill(s->tqd_pid, SIGKILL);
			waitpid(s->tqd_pid, &status, 0);
			s->tqd_pid = -1;
			return (-1);
		}
		bench_sleep_ns(10 * 1000000);
	}
	s->tqd_pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		bench_warn("rss: tqd stopped with status %d",
		    WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status));
		rss_show_log(s, "tqd.log");
		return (-1);
	}
	return (0);
}

static int
rss_cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/*
 * What the reader of a tqtop run keeps: in batch mode the arrival time
 * of each block's header line, its queue count, and the line being put
 * together.
 */
struct rss_batch {
	char		 line[1024];
	size_t		 len;
	int64_t		*at_ns;
	int		 nblocks;
	int		 max;
	int		 bad;		/* a header without all queues */
};

static void
rss_batch_feed(struct rss_batch *rb, const char *buf, size_t n, int nqueues)
{
	const char	*p;
	size_t		 i;
	long		 q;

	for (i = 0; i < n; i++) {
		if (buf[i] != '\n') {
			if (rb->len < sizeof rb->line - 1)
				rb->line[rb->len++] = buf[i];
			continue;
		}
		rb->line[rb->len] = '\0';
		rb->len = 0;
		if (strncmp(rb->line, "tqtop ", 6) != 0)
			continue;
		if (rb->nblocks < rb->max)
			rb->at_ns[rb->nblocks++] = bench_now_ns();
		q = (p = strstr(rb->line, " queues=")) != NULL ?
		    strtol(p + 8, NULL, 10) : -1;
		if (q != nqueues || strstr(rb->line, " connected=yes") == NULL)
			rb->bad = 1;
	}
}

/*
 * Let tqtop run, reading its output from fd (a pipe, or a terminal's
 * master side), until rb has seen iter blocks (batch mode) or, for the
 * dashboard (rb NULL), run_ns have passed since its first output; then
 * read its memory and TERM it.  Its peak is read from /proc before it
 * exits, not from wait4: a forked child's ru_maxrss counts the parent's
 * resident set at the fork, and tq-bench's is no business of tqtop's.
 * 0 or -1 (reported).
 */
static int
rss_tqtop_run(struct rss *s, pid_t pid, int fd, int iter,
    struct rss_batch *rb, int64_t run_ns, struct rss_mem *m, double *cpu_s)
{
	struct pollfd	 pfd;
	struct rusage	 ru;
	struct rss_mem	 now;
	char		 buf[8192];
	ssize_t		 n;
	int64_t		 until, next = 0, first = 0, stop = 0;
	int		 status, open_fd = 1, exited = 0, seen = 0;

	m->rss_kb = m->hwm_kb = -1;
	until = bench_now_ns() + (int64_t)(iter * RSS_REFRESH_S * 1e9) +
	    (int64_t)RSS_SLACK_MS * 1000000;
	while (!exited) {
		if (stop == 0 && (rb != NULL ? rb->nblocks >= iter : seen &&
		    bench_now_ns() >= first + run_ns)) {
			if (rss_status(pid, m) != 0)
				m->rss_kb = m->hwm_kb = -1;
			kill(pid, SIGTERM);
			stop = bench_now_ns();
			until = stop + (int64_t)RSS_STOP_MS * 1000000;
		} else if (stop == 0 && bench_now_ns() >= next) {
			if (rss_status(pid, &now) == 0)
				*m = now;
			next = bench_now_ns() + RSS_SAMPLE_MS * 1000000LL;
		}
		if (open_fd) {
			pfd.fd = fd;
			pfd.events = POLLIN;
			if (poll(&pfd, 1, RSS_SAMPLE_MS / 5) > 0) {
				n = read(fd, buf, sizeof buf);
				if (n > 0 && !seen) {
					seen = 1;
					first = bench_now_ns();
				}
				if (n > 0 && rb != NULL)
					rss_batch_feed(rb, buf, (size_t)n,
					    s->nqueues);
				/* EOF, or EIO from a terminal with no
				 * process left on its slave side. */
				if (n == 0 || (n < 0 && errno != EINTR &&
				    errno != EAGAIN))
					open_fd = 0;
			}
		} else
			bench_sleep_ns(RSS_SAMPLE_MS / 5 * 1000000LL);
		exited = rss_exited(pid, &status, &ru);
		if (!exited && bench_now_ns() > until) {
			bench_warn("rss: tqtop did not %s in time; killed",
			    stop ? "stop" : "refresh");
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return (-1);
		}
	}
	if (stop == 0) {
		bench_warn("rss: tqtop exited (status %d) before its %d "
		    "refreshes", WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status), iter);
		return (-1);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		bench_warn("rss: tqtop exited with status %d",
		    WIFEXITED(status) ? WEXITSTATUS(status) :
		    128 + WTERMSIG(status));
		return (-1);
	}
	if (m->hwm_kb < 0) {
		bench_warn("rss: tqtop's memory could not be read");
		return (-1);
	}
	*cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	return (0);
}

/* tqtop -b on a pipe: memory and the median refresh time (ms). */
static int
rss_tqtop_batch(struct rss *s, int iter, struct rss_mem *m,
    double *refresh_ms)
{
	struct rss_batch rb;
	char		*argv[7];
	double		*gaps, cpu;
	pid_t		 pid;
	int		 p[2], errfd, i, rc = -1;

	*refresh_ms = NAN;
	if ((errfd = rss_log(s, "tqtop-batch.log")) == -1)
		return (-1);
	if (pipe(p) != 0) {
		bench_warn("rss: pipe: %s", strerror(errno));
		close(errfd);
		return (-1);
	}
	argv[0] = s->tqtop;
	argv[1] = rss_opt_c;
	argv[2] = s->conf;
	argv[3] = rss_opt_b;
	argv[4] = rss_opt_d;
	argv[5] = rss_opt_delay;
	argv[6] = NULL;
	pid = rss_spawn(argv, -1, p[1], errfd, 0);
	close(p[1]);
	close(errfd);
	if (pid == -1) {
		close(p[0]);
		return (-1);
	}
	memset(&rb, 0, sizeof rb);
	rb.max = iter;
	rb.at_ns = tq_xcalloc((size_t)iter, sizeof *rb.at_ns);
	if (rss_tqtop_run(s, pid, p[0], iter, &rb, 0, m, &cpu) != 0)
		goto out;
	if (rb.nblocks < iter || rb.bad) {
		bench_warn("rss: tqtop -b printed %d blocks of %d%s",
		    rb.nblocks, iter, rb.bad ? ", not all with every queue" :
		    "");
		goto out;
	}
	/* A refresh: the gap between two blocks less the sleep between. */
	gaps = tq_xcalloc((size_t)iter, sizeof *gaps);
	for (i = 1; i < iter; i++)
		gaps[i - 1] = (double)(rb.at_ns[i] - rb.at_ns[i - 1]) / 1e6 -
		    RSS_REFRESH_S * 1000;
	qsort(gaps, (size_t)iter - 1, sizeof *gaps, rss_cmp_double);
	*refresh_ms = result_percentile(gaps, (size_t)iter - 1, 0.5);
	free(gaps);
	bench_debug(s->b, "rss: tqtop -b: %d refreshes, %.1f ms CPU each",
	    iter, cpu * 1000 / iter);
	rc = 0;
out:
	if (rc != 0)
		rss_show_log(s, "tqtop-batch.log");
	free(rb.at_ns);
	close(p[0]);
	return (rc);
}

/* tqtop, the dashboard, in a RSS_TTY_COLS x RSS_TTY_ROWS terminal. */
static int
rss_tqtop_tty(struct rss *s, int iter, struct rss_mem *m)
{
	struct winsize	 ws;
	char		*argv[6], *slave;
	double		 cpu;
	pid_t		 pid;
	int		 master, sfd, rc;

	if ((master = posix_openpt(O_RDWR | O_NOCTTY)) == -1 ||
	    grantpt(master) != 0 || unlockpt(master) != 0 ||
	    (slave = ptsname(master)) == NULL ||
	    (sfd = open(slave, O_RDWR | O_NOCTTY)) == -1) {
		bench_warn("rss: pseudo-terminal: %s", strerror(errno));
		if (master != -1)
			close(master);
		return (-1);
	}
	memset(&ws, 0, sizeof ws);
	ws.ws_row = RSS_TTY_ROWS;
	ws.ws_col = RSS_TTY_COLS;
	ioctl(sfd, TIOCSWINSZ, &ws);
	argv[0] = s->tqtop;
	argv[1] = rss_opt_c;
	argv[2] = s->conf;
	argv[3] = rss_opt_d;
	argv[4] = rss_opt_delay;
	argv[5] = NULL;
	pid = rss_spawn(argv, sfd, sfd, sfd, 1);
	close(sfd);
	if (pid == -1) {
		close(master);
		return (-1);
	}
	rc = rss_tqtop_run(s, pid, master, iter, NULL,
	    (int64_t)(iter * RSS_REFRESH_S * 1e9), m, &cpu);
	close(master);
	if (rc == 0)
		bench_debug(s->b, "rss: tqtop: %d refreshes, %.1f ms CPU each",
		    iter, cpu * 1000 / iter);
	return (rc);
}

/* Remove the run's directory and whatever the programs left in it. */
static void
rss_rmdir(struct rss *s)
{
	struct dirent	*e;
	DIR		*d;
	char		*path;

	if ((d = opendir(s->dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (strcmp(e->d_name, ".") == 0 ||
			    strcmp(e->d_name, "..") == 0)
				continue;
			path = tq_xasprintf("%s/%s", s->dir, e->d_name);
			unlink(path);
			free(path);
		}
		closedir(d);
	}
	if (rmdir(s->dir) != 0)
		bench_warn("rss: rmdir %s: %s", s->dir, strerror(errno));
}

static void
rss_add_kb(struct bench_result *r, const char *name, long kb)
{
	if (kb < 0)
		result_add_null(r, name);
	else
		result_add(r, name, (double)kb, 0);
}

int
mode_rss(struct bench *b, const struct bench_params *p,
    struct bench_result *r)
{
	struct rss		 s;
	struct bench_params	 q = *p;
	struct tq_config	*cfg = NULL;
	struct tq_client	*c = NULL;
	struct tq_error		 err;
	struct rss_mem		 tqd, top, batch;
	double			 refresh_ms;
	long			 metrics_bytes = 0;
	int			 iter, rc = -1;

	memset(&s, 0, sizeof s);
	s.b = b;
	s.nqueues = p->queues;
	s.tqd_pid = -1;
	tqd.rss_kb = tqd.hwm_kb = -1;
	iter = (int)ceil(p->seconds / RSS_REFRESH_S);
	if (iter < 2)
		iter = 2;
	s.tqd = rss_program("tqd", "TQ_BENCH_TQD", TQ_SBINDIR);
	s.tqtop = rss_program("tqtop", "TQ_BENCH_TQTOP", TQ_BINDIR);
	if (access(s.tqd, X_OK) != 0 || access(s.tqtop, X_OK) != 0) {
		bench_warn("rss: %s: %s (set TQ_BENCH_TQD or TQ_BENCH_TQTOP)",
		    access(s.tqd, X_OK) != 0 ? s.tqd : s.tqtop,
		    strerror(errno));
		goto out;
	}
	snprintf(s.dir, sizeof s.dir, "%s/tq-bench.XXXXXX",
	    getenv("TMPDIR") != NULL && *getenv("TMPDIR") != '\0' ?
	    getenv("TMPDIR") : "/tmp");
	if (mkdtemp(s.dir) == NULL) {
		bench_warn("rss: mkdtemp %s: %s", s.dir, strerror(errno));
		s.dir[0] = '\0';
		goto out;
	}
	s.conf = tq_xasprintf("%s/tq.conf", s.dir);
	s.metrics = tq_xasprintf("%s/tq.prom", s.dir);
	if (rss_conf(&s) != 0)
		goto out;
	/* The tasks go in under the same file, for its retry policy. */
	cfg = tq_config_new();
	if (tq_config_load(cfg, s.conf, &err) != 0) {
		bench_warn("rss: %s", err.msg);
		goto out;
	}
	if ((c = tq_client_new(cfg, &err)) == NULL) {
		bench_fail("rss: connect", &err);
		goto out;
	}
	if (rss_populate(&s, c) != 0)
		goto out;
	tq_client_free(c);
	c = NULL;
	bench_debug(b, "rss: %d queues, %d tasks each", s.nqueues,
	    RSS_PER_QUEUE);

	if (rss_tqd_start(&s, &metrics_bytes) != 0)
		goto out;
	if (rss_tqtop_batch(&s, iter, &batch, &refresh_ms) != 0 ||
	    rss_tqtop_tty(&s, iter, &top) != 0)
		goto out;
	rss_debug_status(b, "tqd", s.tqd_pid);
	if (rss_status(s.tqd_pid, &tqd) != 0) {
		bench_warn("rss: tqd (pid %ld) is gone", (long)s.tqd_pid);
		rss_show_log(&s, "tqd.log");
		goto out;
	}
	if (rss_tqd_stop(&s) != 0)
		goto out;

	q.tasks = (long long)s.nqueues * RSS_PER_QUEUE;
	result_init(r, "rss", &q);
	rss_add_kb(r, "tqd_rss_kb", tqd.rss_kb);
	rss_add_kb(r, "tqd_hwm_kb", tqd.hwm_kb);
	rss_add_kb(r, "tqtop_rss_kb", top.rss_kb);
	rss_add_kb(r, "tqtop_hwm_kb", top.hwm_kb);
	rss_add_kb(r, "tqtop_batch_rss_kb", batch.rss_kb);
	rss_add_kb(r, "tqtop_batch_hwm_kb", batch.hwm_kb);
	result_add(r, "tqtop_refresh_ms", refresh_ms, 2);
	result_add(r, "metrics_bytes", (double)metrics_bytes, 0);
	rc = 0;
out:
	if (rss_tqd_stop(&s) != 0)
		rc = -1;
	tq_client_free(c);
	tq_config_free(cfg);
	if (s.dir[0] != '\0')
		rss_rmdir(&s);
	free(s.conf);
	free(s.metrics);
	free(s.tqd);
	free(s.tqtop);
	return (rc);
}
