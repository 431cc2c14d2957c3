/*
 * exec.c -- run one task's command in a child process.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * exec_handler is the tq_handler behind every --exec and --exec-default:
 * it runs the command with /bin/sh -c in a process group of its own,
 * writes the task's payload to its stdin, collects its stdout (the result,
 * when it is JSON) and the tail of its stderr (the error), and maps its
 * exit to an outcome: 0 done, 100 dead at once, anything else a retry.
 * When the task times out or the runtime cancels it (lost lease, shutdown
 * past the grace period), the whole process group gets SIGTERM and, two
 * seconds later, SIGKILL.
 *
 * tqworker is threaded (one handler thread per child), so the child is
 * made with posix_spawn: everything it needs -- the argument and
 * environment vectors, the pipes -- is built before, and nothing runs in
 * the child between fork and exec but the spawn's own file actions.  The
 * pipes are close-on-exec so that a child started by another thread at
 * the same time cannot hold them open, and the child closes every other
 * descriptor (the worker's Redis connections) before exec.
 */

/* pipe2 and posix_spawn_file_actions_addclosefrom_np are GNU. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif

#include <sys/types.h>
#include <sys/wait.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tqworker.h"

#define EXEC_SHELL		"/bin/sh"
#define EXEC_OUT_MAX	(1024 * 1024)	/* longest stdout taken as a result */
#define EXEC_ERR_TAIL	2048		/* stderr kept for the error */
#define EXEC_POLL_MS	50		/* how often flags are checked */
#define EXEC_KILL_MS	2000		/* from SIGTERM to SIGKILL */
#define EXEC_READ_BURST	16		/* reads per fd per wake-up */

#if defined(__GLIBC__) && \
    (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define EXEC_HAVE_CLOSEFROM 1
#endif

/* The variables tqworker sets for each task; inherited ones are dropped. */
static const char *const exec_vars[] = {
	"TQ_TASK_ID", "TQ_TASK_TYPE", "TQ_QUEUE", "TQ_ATTEMPT",
	"TQ_MAX_RETRIES", "TQ_DEADLINE",
};
#define EXEC_NVARS	(sizeof exec_vars / sizeof exec_vars[0])

/* Why the command was stopped, if it was. */
enum exec_stop {
	EXEC_RAN = 0,		/* it ended by itself */
	EXEC_TIMEOUT,		/* the effective timeout came */
	EXEC_CANCEL,		/* lease lost, or the worker is stopping */
};

/* One running command. */
struct exec_child {
	pid_t		 pid;		/* also its process group */
	int		 status;	/* from waitpid */
	int		 reaped;
	int		 lost;		/* waitpid failed: no status */

	int		 fd_in;		/* -1 once closed */
	int		 fd_out;
	int		 fd_err;

	const char	*in;		/* the payload, borrowed */
	size_t		 in_len;
	size_t		 in_off;

	char		*out;		/* stdout, to EXEC_OUT_MAX */
	size_t		 out_len;
	size_t		 out_cap;
	int		 out_over;	/* over EXEC_OUT_MAX: dropped */

	char		 err[2 * EXEC_ERR_TAIL]; /* the end of stderr */
	size_t		 err_len;
	int		 err_cut;	/* the start was dropped */
};

static int64_t
exec_clock_ms(clockid_t clock)
{
	struct timespec	ts;

	clock_gettime(clock, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Is entry ("NAME=value") one of the variables set per task? */
static int
exec_is_task_var(const char *entry)
{
	size_t	i, len;

	for (i = 0; i < EXEC_NVARS; i++) {
		len = strlen(exec_vars[i]);
		if (strncmp(entry, exec_vars[i], len) == 0 &&
		    entry[len] == '=')
			return (1);
	}
	return (0);
}

void
exec_conf_init(struct exec_conf *conf, char *const *env, int64_t timeout_ms)
{
	size_t	i, n = 0;

	memset(conf, 0, sizeof *conf);
	conf->timeout_ms = timeout_ms;
	for (i = 0; env != NULL && env[i] != NULL; i++)
		n++;
	conf->env = xreallocarray(NULL, n + 1, sizeof *conf->env);
	for (i = 0; env != NULL && env[i] != NULL; i++) {
		if (!exec_is_task_var(env[i]))
			conf->env[conf->nenv++] = xstrdup(env[i]);
	}
	conf->env[conf->nenv] = NULL;
}

void
exec_conf_done(struct exec_conf *conf)
{
	size_t	i;

	for (i = 0; i < conf->nenv; i++)
		free(conf->env[i]);
	free(conf->env);
	memset(conf, 0, sizeof *conf);
}

/*
 * The child's environment: the worker's, then the task's variables.  The
 * array is new, and so are its last EXEC_NVARS strings (exec_env_free).
 */
static char **
exec_env(const struct exec_conf *conf, const struct tq_task *t,
    int64_t deadline_s)
{
	char	**envp;
	size_t	  n = conf->nenv;

	envp = xreallocarray(NULL, n + EXEC_NVARS + 1, sizeof *envp);
	memcpy(envp, conf->env, n * sizeof *envp);
	envp[n++] = xasprintf("TQ_TASK_ID=%s", tq_task_id(t));
	envp[n++] = xasprintf("TQ_TASK_TYPE=%s", tq_task_type(t));
	envp[n++] = xasprintf("TQ_QUEUE=%s", tq_task_queue(t));
	envp[n++] = xasprintf("TQ_ATTEMPT=%d", tq_task_attempt(t));
	envp[n++] = xasprintf("TQ_MAX_RETRIES=%d", tq_task_max_retries(t));
	envp[n++] = xasprintf("TQ_DEADLINE=%lld", (long long)deadline_s);
	envp[n] = NULL;
	return (envp);
}

static void
exec_env_free(const struct exec_conf *conf, char **envp)
{
	size_t	i;

	for (i = 0; i < EXEC_NVARS; i++)
		free(envp[conf->nenv + i]);
	free(envp);
}

static void
exec_close(int *fd)
{
	if (*fd != -1) {
		close(*fd);
		*fd = -1;
	}
}

/*
 * Start sh -c command with envp, its stdin, stdout and stderr on pipes
 * whose other ends go into ch.  On failure, why says what went wrong.
 */
static int
exec_spawn(struct exec_child *ch, char *command, char **envp, char *why,
    size_t whylen)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, dfl;
	char				 arg0[] = "sh", arg1[] = "-c";
	char				*argv[4];
	int				 p[3][2], i, rc;

	argv[0] = arg0;
	argv[1] = arg1;
	argv[2] = command;
	argv[3] = NULL;
	for (i = 0; i < 3; i++)
		p[i][0] = p[i][1] = -1;
	for (i = 0; i < 3; i++) {
		if (pipe2(p[i], O_CLOEXEC) != 0) {
			snprintf(why, whylen, "cannot run the command: pipe: "
			    "%s", strerror(errno));
			goto fail;
		}
	}

	/* dup2 onto 0-2 clears close-on-exec; everything else closes. */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[0][0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, p[1][1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, p[2][1], STDERR_FILENO);
#ifdef EXEC_HAVE_CLOSEFROM
	posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
#endif

	/*
	 * A process group of its own, so a timeout kills the grandchildren
	 * too and a ^C at the terminal reaches only tqworker (which then
	 * lets running commands finish).  tqworker ignores SIGPIPE, and an
	 * ignored signal stays ignored across exec: give it back.
	 */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dfl);
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP |
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

	rc = posix_spawn(&ch->pid, EXEC_SHELL, &fa, &attr, argv, envp);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		snprintf(why, whylen, "cannot run %s: %s", EXEC_SHELL,
		    strerror(rc));
		goto fail;
	}
	exec_close(&p[0][0]);
	exec_close(&p[1][1]);
	exec_close(&p[2][1]);
	ch->fd_in = p[0][1];
	ch->fd_out = p[1][0];
	ch->fd_err = p[2][0];
	fcntl(ch->fd_in, F_SETFL, O_NONBLOCK);
	fcntl(ch->fd_out, F_SETFL, O_NONBLOCK);
	fcntl(ch->fd_err, F_SETFL, O_NONBLOCK);
	return (0);

fail:
	for (i = 0; i < 3; i++) {
		exec_close(&p[i][0]);
		exec_close(&p[i][1]);
	}
	return (-1);
}

/* Feed the payload; close stdin when it is all written or unwanted. */
static void
exec_write(struct exec_child *ch)
{
	ssize_t	n;

	while (ch->in_off < ch->in_len) {
		n = write(ch->fd_in, ch->in + ch->in_off,
		    ch->in_len - ch->in_off);
		if (n > 0) {
			ch->in_off += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		break;	/* EPIPE: the command does not read its stdin */
	}
	exec_close(&ch->fd_in);
}

/* Keep stdout up to EXEC_OUT_MAX; past that it is no result: drop it. */
static void
exec_add_out(struct exec_child *ch, const char *buf, size_t n)
{
	if (ch->out_over)
		return;
	if (ch->out_len + n > EXEC_OUT_MAX) {
		free(ch->out);
		ch->out = NULL;
		ch->out_len = ch->out_cap = 0;
		ch->out_over = 1;
		return;
	}
	if (ch->out_len + n + 1 > ch->out_cap) {
		ch->out_cap = ch->out_cap == 0 ? 4096 : ch->out_cap;
		while (ch->out_len + n + 1 > ch->out_cap)
			ch->out_cap *= 2;
		ch->out = xreallocarray(ch->out, 1, ch->out_cap);
	}
	memcpy(ch->out + ch->out_len, buf, n);
	ch->out_len += n;
}

/* Keep at least the last EXEC_ERR_TAIL bytes of stderr. */
static void
exec_add_err(struct exec_child *ch, const char *buf, size_t n)
{
	size_t	keep;

	if (n >= EXEC_ERR_TAIL) {
		memcpy(ch->err, buf + n - EXEC_ERR_TAIL, EXEC_ERR_TAIL);
		ch->err_len = EXEC_ERR_TAIL;
		ch->err_cut = 1;
		return;
	}
	if (ch->err_len + n > sizeof ch->err) {
		keep = EXEC_ERR_TAIL - n;
		memmove(ch->err, ch->err + ch->err_len - keep, keep);
		ch->err_len = keep;
		ch->err_cut = 1;
	}
	memcpy(ch->err + ch->err_len, buf, n);
	ch->err_len += n;
}

/* Read what is there from *fd (stdout or stderr); close it at EOF. */
static void
exec_read(struct exec_child *ch, int *fd)
{
	char	buf[16384];
	ssize_t	n;
	int	i;

	for (i = 0; i < EXEC_READ_BURST && *fd != -1; i++) {
		n = read(*fd, buf, sizeof buf);
		if (n > 0) {
			if (fd == &ch->fd_out)
				exec_add_out(ch, buf, (size_t)n);
			else
				exec_add_err(ch, buf, (size_t)n);
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		exec_close(fd);	/* EOF, or an error that will not heal */
	}
}

/*
 * Is a process of group pgid still running?  Zombies do not count: an
 * orphaned member that died waits for init to reap it, which in some
 * containers takes seconds, and it must not hold up the task.  Where
 * /proc cannot tell, any member counts.
 */
static int
exec_group_alive(pid_t pgid)
{
	DIR		*d;
	struct dirent	*de;
	char		 path[64], buf[512], state;
	const char	*p;
	ssize_t		 n;
	int		 fd, pg, alive = 0;

	/* Members that became ours (we are init, or a subreaper). */
	while (waitpid(-pgid, NULL, WNOHANG) > 0)
		;
	if (kill(-pgid, 0) == -1 && errno == ESRCH)
		return (0);
	if ((d = opendir("/proc")) == NULL)
		return (1);
	while (!alive && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof path, "/proc/%ld/stat",
		    strtol(de->d_name, NULL, 10));
		if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		/* "pid (comm) state ppid pgrp ...": comm may hold ')'. */
		if ((p = strrchr(buf, ')')) == NULL ||
		    sscanf(p + 1, " %c %*d %d", &state, &pg) != 2)
			continue;
		if (pg == pgid && state != 'Z' && state != 'X')
			alive = 1;
	}
	closedir(d);
	return (alive);
}

static void
exec_reap(struct exec_child *ch)
{
	pid_t	r;
	int	status;

	r = waitpid(ch->pid, &status, WNOHANG);
	if (r == ch->pid) {
		ch->status = status;
		ch->reaped = 1;
	} else if (r == -1 && errno != EINTR) {
		/* ECHILD: reaped elsewhere; we cannot know how it ended. */
		ch->reaped = 1;
		ch->lost = 1;
	}
}

/*
 * Run the child until it exits, feeding stdin and reading stdout and
 * stderr together (so that a command that does not read its stdin, or
 * fills a pipe, cannot deadlock us) and checking every EXEC_POLL_MS
 * whether the task timed out or was cancelled.  Returns why it stopped.
 */
static enum exec_stop
exec_wait(struct tq_job *job, struct exec_child *ch, int64_t deadline,
    int timeout_s)
{
	const char	*id = tq_task_id(tq_job_task(job));
	struct pollfd	 pfd[3];
	int		*fds[3];
	enum exec_stop	 stop = EXEC_RAN;
	int64_t		 now, kill_at = 0;
	int		 i, n, nap = 1, killed = 0;

	for (;;) {
		if (!ch->reaped)
			exec_reap(ch);
		now = exec_clock_ms(CLOCK_MONOTONIC);

		if (stop == EXEC_RAN && !ch->reaped &&
		    (now >= deadline || tq_job_cancelled(job))) {
			/* The runtime cancels on its own timeout as well. */
			if (now >= deadline || tq_job_remaining_ms(job) <= 0) {
				stop = EXEC_TIMEOUT;
				log_msg(TQW_LOG_DEBUG, "task %s: timed out "
				    "after %d s; SIGTERM to process group %ld",
				    id, timeout_s, (long)ch->pid);
			} else {
				stop = EXEC_CANCEL;
				log_msg(TQW_LOG_DEBUG, "task %s: cancelled; "
				    "SIGTERM to process group %ld", id,
				    (long)ch->pid);
			}
			kill(-ch->pid, SIGTERM);
			kill_at = now + EXEC_KILL_MS;
		}
		if (stop != EXEC_RAN && !killed && now >= kill_at) {
			if (kill(-ch->pid, SIGKILL) == 0)
				log_msg(TQW_LOG_WARN, "task %s: process group "
				    "%ld still there %d ms after SIGTERM; "
				    "sent SIGKILL", id, (long)ch->pid,
				    EXEC_KILL_MS);
			killed = 1;
		}
		if (ch->reaped) {
			/*
			 * Done, unless we are killing the group and some of
			 * it outlived the shell: they get until kill_at.
			 */
			if (stop == EXEC_RAN || killed ||
			    !exec_group_alive(ch->pid))
				break;
			poll(NULL, 0, EXEC_POLL_MS);
			continue;
		}

		fds[0] = &ch->fd_in;
		fds[1] = &ch->fd_out;
		fds[2] = &ch->fd_err;
		for (i = n = 0; i < 3; i++) {
			if (*fds[i] == -1)
				continue;
			pfd[n].fd = *fds[i];
			pfd[n].events = i == 0 ? POLLOUT : POLLIN;
			pfd[n].revents = 0;
			fds[n++] = fds[i];
		}
		if (n == 0) {
			/* Pipes closed: the exit is near, look again soon. */
			poll(NULL, 0, nap);
			if ((nap *= 2) > EXEC_POLL_MS)
				nap = EXEC_POLL_MS;
			continue;
		}
		if (poll(pfd, (nfds_t)n, EXEC_POLL_MS) <= 0)
			continue;
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			if (fds[i] == &ch->fd_in)
				exec_write(ch);
			else
				exec_read(ch, fds[i]);
		}
	}

	/*
	 * What the command wrote before it exited is in the pipes; a
	 * grandchild may hold them open, so read what is there, no more.
	 */
	if (ch->fd_out != -1)
		exec_read(ch, &ch->fd_out);
	if (ch->fd_err != -1)
		exec_read(ch, &ch->fd_err);
	exec_close(&ch->fd_in);
	exec_close(&ch->fd_out);
	exec_close(&ch->fd_err);
	return (stop);
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t
exec_utf8_len(const unsigned char *s, size_t n)
{
	size_t	need, i;

	if (s[0] < 0x80)
		return (1);
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		need = 1;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		need = 2;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		need = 3;
	else
		return (0);
	if (n < need + 1)
		return (0);
	for (i = 1; i <= need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return (0);
	}
	/* Overlong forms, surrogates, and beyond U+10FFFF. */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return (0);
	return (need + 1);
}

/*
 * The end of stderr as the task's error: whole lines, blank lines and
 * trailing blanks trimmed, and only valid UTF-8 and printable text (the
 * error goes into the task's JSON body and onto terminals).  Writes into
 * buf (len > EXEC_ERR_TAIL) and returns it; "" when there is nothing.
 */
static char *
exec_tail(const struct exec_child *ch, char *buf, size_t len)
{
	const unsigned char	*s = (const unsigned char *)ch->err;
	size_t			 start = 0, end = ch->err_len, o = 0, k;
	const char		*nl;

	if (end > EXEC_ERR_TAIL)
		start = end - EXEC_ERR_TAIL;
	if (ch->err_cut || start > 0) {
		/* The first line is a fragment: drop it if another follows. */
		nl = memchr(ch->err + start, '\n', end - start);
		if (nl != NULL && (size_t)(nl - ch->err) + 1 < end)
			start = (size_t)(nl - ch->err) + 1;
	}
	while (start < end && (s[start] == '\n' || s[start] == '\r' ||
	    s[start] == ' ' || s[start] == '\t'))
		start++;
	while (end > start && (s[end - 1] == '\n' || s[end - 1] == '\r' ||
	    s[end - 1] == ' ' || s[end - 1] == '\t'))
		end--;
	while (start < end && o + 4 < len) {
		if (s[start] == '\r' && start + 1 < end &&
		    s[start + 1] == '\n') {
			start++;	/* CRLF line ends */
			continue;
		}
		if (s[start] == '\n' || s[start] == '\t' ||
		    (s[start] >= 0x20 && s[start] != 0x7f)) {
			k = exec_utf8_len(s + start, end - start);
			if (k == 0) {
				buf[o++] = '?';
				start++;
			} else {
				memcpy(buf + o, s + start, k);
				o += k;
				start += k;
			}
		} else {
			buf[o++] = '?';
			start++;
		}
	}
	buf[o] = '\0';
	return (buf);
}

/* Store stdout as the result when it is JSON (trimmed); else say why not. */
static void
exec_result(struct tq_job *job, struct exec_child *ch)
{
	const char	*id = tq_task_id(tq_job_task(job));
	struct tq_error	 err;
	char		*s;
	size_t		 len;

	if (ch->out_over) {
		log_msg(TQW_LOG_DEBUG, "task %s: stdout is over %d bytes; no "
		    "result stored", id, EXEC_OUT_MAX);
		return;
	}
	s = ch->out;
	len = ch->out_len;
	while (len > 0 && strchr(" \t\r\n", s[0]) != NULL) {
		s++;
		len--;
	}
	while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
		len--;
	if (len == 0)
		return;
	if (memchr(s, '\0', len) != NULL) {
		log_msg(TQW_LOG_DEBUG, "task %s: stdout holds a NUL byte; no "
		    "result stored", id);
		return;
	}
	s[len] = '\0';	/* out_cap leaves room */
	tq_error_clear(&err);
	if (tq_job_set_result(job, s, &err) == 0)
		return;
	if (err.code == TQ_ETOOBIG)
		log_msg(TQW_LOG_WARN, "task %s: result not stored: %s", id,
		    err.msg);
	else
		log_msg(TQW_LOG_DEBUG, "task %s: stdout is not JSON (%s); no "
		    "result stored", id, err.msg);
}

/* Turn how the command ended into the task's outcome and error. */
static enum tq_outcome
exec_outcome(struct tq_job *job, struct exec_child *ch)
{
	char		 tail[EXEC_ERR_TAIL + 8], what[64], *msg;
	enum tq_outcome	 outcome = TQ_JOB_RETRY;

	if (ch->lost)
		snprintf(what, sizeof what, "exit status unknown");
	else if (WIFEXITED(ch->status)) {
		if (WEXITSTATUS(ch->status) == 0) {
			exec_result(job, ch);
			return (TQ_JOB_OK);
		}
		if (WEXITSTATUS(ch->status) == EXEC_EXIT_PERMANENT)
			outcome = TQ_JOB_PERMANENT;
		snprintf(what, sizeof what, "exit status %d",
		    WEXITSTATUS(ch->status));
	} else if (WIFSIGNALED(ch->status))
		snprintf(what, sizeof what, "killed by signal %d",
		    WTERMSIG(ch->status));
	else
		snprintf(what, sizeof what, "wait status %d", ch->status);

	exec_tail(ch, tail, sizeof tail);
	if (*tail != '\0')
		msg = xasprintf("%s: %s", what, tail);
	else
		msg = xstrdup(what);
	tq_job_set_error(job, msg);
	free(msg);
	return (outcome);
}

enum tq_outcome
exec_handler(struct tq_job *job, void *arg)
{
	const struct exec_cmd	*cmd = arg;
	const struct exec_conf	*conf = cmd->conf;
	const struct tq_task	*t = tq_job_task(job);
	struct exec_child	 ch;
	enum exec_stop		 stop;
	enum tq_outcome		 outcome;
	char			**envp, why[256];
	int64_t			 start, remaining;
	int			 timeout_s;

	if (tq_job_cancelled(job)) {
		tq_job_set_error(job, "cancelled before it started");
		return (TQ_JOB_RETRY);
	}

	/* The effective timeout: the job's, capped by --timeout. */
	start = exec_clock_ms(CLOCK_MONOTONIC);
	remaining = tq_job_remaining_ms(job);
	timeout_s = tq_job_timeout_s(job);
	if (conf->timeout_ms > 0 && conf->timeout_ms < remaining)
		remaining = conf->timeout_ms;
	if (conf->timeout_ms > 0 && conf->timeout_ms / 1000 < timeout_s)
		timeout_s = (int)(conf->timeout_ms / 1000);

	memset(&ch, 0, sizeof ch);
	ch.fd_in = ch.fd_out = ch.fd_err = -1;
	ch.in = tq_task_payload(t);
	ch.in_len = ch.in != NULL ? strlen(ch.in) : 0;

	envp = exec_env(conf, t, (exec_clock_ms(CLOCK_REALTIME) + remaining) /
	    1000);
	if (exec_spawn(&ch, cmd->command, envp, why, sizeof why) != 0) {
		exec_env_free(conf, envp);
		log_msg(TQW_LOG_ERROR, "task %s: %s", tq_task_id(t), why);
		tq_job_set_error(job, why);
		return (TQ_JOB_RETRY);
	}
	exec_env_free(conf, envp);	/* the child has exec'd by now */
	log_msg(TQW_LOG_DEBUG, "task %s type=%s attempt=%d: pid %ld runs %s",
	    tq_task_id(t), tq_task_type(t), tq_task_attempt(t),
	    (long)ch.pid, cmd->command);
	if (ch.in_len == 0)
		exec_close(&ch.fd_in);
	else
		exec_write(&ch);

	stop = exec_wait(job, &ch, start + remaining, timeout_s);
	if (stop == EXEC_TIMEOUT) {
		/* The runtime words its own timeout the same way. */
		snprintf(why, sizeof why, "timed out after %d s", timeout_s);
		tq_job_set_error(job, why);
		outcome = TQ_JOB_RETRY;
	} else if (stop == EXEC_CANCEL) {
		tq_job_set_error(job, "cancelled (lease lost, or the worker "
		    "stopped)");
		outcome = TQ_JOB_RETRY;
	} else
		outcome = exec_outcome(job, &ch);
	free(ch.out);
	return (outcome);
}
