/*
 * chaos.c -- producer, worker and probes with a task ledger, for the
 * chaos suite (tests/chaos/README).
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * The chaos scripts kill, freeze and cut off tq's processes and Redis,
 * then prove that nothing was lost.  Proof needs a ledger kept outside
 * Redis, by files that survive a SIGKILL of their writer:
 *
 *	chaos produce [-c FILE] [-n N] [-s FIRST] [-p PREFIX] [-b BATCH]
 *	    [-r RATE] [-d DELAY_MS] [-m MAX_RETRIES] [-u UNIQUE_MS] [-z PAD]
 *	    [-k REFUSALS] [-T GIVEUP_S] URL QUEUE LEDGER
 *		enqueues tasks PREFIX-FIRST ... PREFIX-(FIRST+N-1) in
 *		batches, appending each id to LEDGER once enqueue
 *		acknowledged it.  An outcome lost with the link (a
 *		connection error) is retried with the same id until known:
 *		"exists" then means the first try landed.  Other refusals
 *		(out of memory) are counted and, with -k, stop the run
 *		after that many in a row.  -u makes each id its own unique
 *		key for UNIQUE_MS, so that a retry finds it even once the
 *		task is done.  Prints its figures as NAME=VALUE.
 *
 *	chaos work [-c FILE] [-C CONC] [-l LEASE_MS] [-P PREFETCH] [-f N]
 *	    [-w MS] [-H SUBSTR=MS] [-N NAME] [-S] [-v] URL QUEUE[,QUEUE...] DIR
 *		a libtq worker whose handler appends each completed id to
 *		DIR/done.PID before returning (so a completion is on disk
 *		before its ack is sent: a kill in between makes a duplicate,
 *		never a loss); with -S each delivery is also noted in
 *		DIR/start.PID as "ID ATTEMPT".  Tasks whose id contains
 *		"poison" crash the process (abort) on every delivery; with
 *		-f N the first attempt of tasks whose number is a multiple
 *		of N fails; -w sleeps in every task, -H in those whose id
 *		contains SUBSTR.  -N names the worker (its registry name,
 *		which tq inspect shows as the holder of a lease).
 *
 *	chaos hold [-c FILE] URL QUEUE LEASE_MS
 *		leases one task, prints "leased ID", stops itself with
 *		SIGSTOP and, once continued, tries to ack, fail and extend
 *		it with its old token, printing each outcome.  Exits 0 when
 *		the late ack was refused (lease lost), 1 when it was taken.
 *
 *	chaos ackretry [-c FILE] URL QUEUE
 *		leases one task and acks it twice: through a fault proxy
 *		that cuts the first ack's reply, then again.  Exits 0 when
 *		the first ack failed on the link and the retry succeeded.
 *
 * Files are written with O_APPEND, one write(2) per record or batch, so
 * records of processes killed mid-run are whole or absent, never torn.
 * URL is a Redis URL; -c loads a tq.conf first (timeouts, lease, queue
 * policy).  Exit status 2 is a usage error.
 */

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tq.h"

#define CHAOS_TYPE	"chaos"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: chaos produce [-c FILE] [-n N] [-s FIRST] [-p PREFIX] "
	    "[-b BATCH] [-r RATE]\n"
	    "           [-d DELAY_MS] [-m MAX_RETRIES] [-u UNIQUE_MS] [-z PAD] "
	    "[-k REFUSALS]\n"
	    "           [-T GIVEUP_S]\n"
	    "           URL QUEUE LEDGER\n"
	    "       chaos work [-c FILE] [-C CONC] [-l LEASE_MS] "
	    "[-P PREFETCH] [-f N] [-w MS]\n"
	    "           [-H SUBSTR=MS] [-N NAME] [-S] [-v] "
	    "URL QUEUE[,QUEUE...] DIR\n"
	    "       chaos hold [-c FILE] URL QUEUE LEASE_MS\n"
	    "       chaos ackretry [-c FILE] URL QUEUE\n");
	exit(2);
}

/* Monotonic milliseconds. */
static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void
sleep_ms(int64_t ms)
{
	struct timespec	ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* A number option, or a usage error. */
static long long
number(const char *s, long long min)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min)
		usage();
	return (v);
}

/* The configuration: -c FILE (if any), then URL on top. */
static struct tq_config *
config(const char *file, const char *url)
{
	struct tq_config	*cfg = tq_config_new();
	struct tq_error		 err;

	tq_error_clear(&err);
	if ((file != NULL && tq_config_load(cfg, file, &err) != 0) ||
	    tq_config_set_url(cfg, url, &err) != 0) {
		fprintf(stderr, "chaos: %s\n", err.msg);
		exit(2);
	}
	return (cfg);
}

/* Open a record file for appending, or exit. */
static int
open_append(const char *path)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0644)) == -1) {
		fprintf(stderr, "chaos: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	return (fd);
}

/* Append buf in one write(2): whole records or nothing survive a kill. */
static void
append(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while ((n = write(fd, buf, len)) == -1 && errno == EINTR)
		;
	if (n != (ssize_t)len) {
		fprintf(stderr, "chaos: ledger write: %s\n",
		    n == -1 ? strerror(errno) : "short write");
		abort();
	}
}

/*
 * Worth sending again: the link broke or timed out, or a restarted Redis
 * is still loading its data (libtq reports that as TQ_ECONN too).
 */
static int
transient(const struct tq_error *e)
{
	return (e->code == TQ_ECONN || e->code == TQ_ETIMEOUT);
}

/* ------------------------------------------------------------------ */
/* produce                                                             */

struct produce {
	struct tq_client	*c;
	const char		*queue;
	const char		*prefix;
	int			 max_retries;
	int64_t			 delay_max;
	int64_t			 unique_ms;	/* 0: no unique key */
	char			*pad;
	int64_t			 giveup_ms;
	int			 fd;

	/* Figures. */
	long long		 acked;
	long long		 refused;
	long long		 retried;	/* resent: outcome unknown */
	long long		 existed;	/* "exists" on such a retry */
	long long		 unknown;	/* given up, outcome unknown */
	long long		 calls;
	long long		 link_errors;
	int64_t			 max_call_ms;
	char			 first_refusal[256];
	char			 first_link_error[256];
};

/*
 * Send tasks [lo, hi) until each outcome is known.  Returns how many
 * were refused by Redis this time (not counting "exists" on a retry).
 */
static long long
produce_batch(struct produce *p, long long lo, long long hi)
{
	struct tq_enqueue_opts	 o;
	struct tq_batch		*b;
	const struct tq_error	*e;
	struct tq_error		 err;
	long long		*todo, *next, i, ntodo, nnext, refused = 0;
	char			 id[TQ_NAME_MAX + 1], *payload, *rec = NULL;
	size_t			 reclen = 0, recsize = 0, l;
	int64_t			 t0, first_fail = 0;
	int			 tries, rc;

	todo = tq_xcalloc((size_t)(hi - lo), sizeof *todo);
	next = tq_xcalloc((size_t)(hi - lo), sizeof *next);
	for (i = lo; i < hi; i++)
		todo[i - lo] = i;
	ntodo = hi - lo;
	for (tries = 0; ntodo > 0; tries++) {
		b = tq_batch_new(p->c);
		for (i = 0; i < ntodo; i++) {
			tq_enqueue_opts_init(&o);
			o.queue = p->queue;
			o.max_retries = p->max_retries;
			snprintf(id, sizeof id, "%s-%lld", p->prefix, todo[i]);
			o.id = id;
			if (p->unique_ms > 0) {
				o.unique_key = id;
				o.unique_ms = p->unique_ms;
			}
			if (p->delay_max > 0)
				o.delay_ms = random() % (p->delay_max + 1);
			payload = tq_xasprintf("{\"n\":%lld%s%s%s}", todo[i],
			    p->pad != NULL ? ",\"pad\":\"" : "",
			    p->pad != NULL ? p->pad : "",
			    p->pad != NULL ? "\"" : "");
			tq_error_clear(&err);
			if (tq_batch_add(b, CHAOS_TYPE, payload, &o,
			    &err) != 0) {
				fprintf(stderr, "chaos: %s: %s\n", id,
				    err.msg);
				exit(1);
			}
			free(payload);
		}
		t0 = now_ms();
		tq_error_clear(&err);
		rc = tq_batch_exec(b, &err);
		if (now_ms() - t0 > p->max_call_ms)
			p->max_call_ms = now_ms() - t0;
		p->calls++;
		if (rc < 0) {
			p->link_errors++;
			if (p->first_link_error[0] == '\0')
				snprintf(p->first_link_error,
				    sizeof p->first_link_error, "%s", err.msg);
		}
		nnext = 0;
		for (i = 0; i < ntodo; i++) {
			e = tq_batch_error(b, (size_t)i);
			if (e != NULL && transient(e)) {
				next[nnext++] = todo[i];
				continue;
			}
			if (e != NULL && !(e->code == TQ_EEXIST && tries > 0)) {
				refused++;
				if (p->first_refusal[0] == '\0')
					snprintf(p->first_refusal,
					    sizeof p->first_refusal, "%s",
					    e->msg);
				continue;
			}
			if (e != NULL)
				p->existed++;
			l = strlen(tq_batch_id(b, (size_t)i));
			if (reclen + l + 1 > recsize) {
				recsize = (reclen + l + 1) * 2;
				rec = tq_xreallocarray(rec, recsize, 1);
			}
			memcpy(rec + reclen, tq_batch_id(b, (size_t)i), l);
			rec[reclen + l] = '\n';
			reclen += l + 1;
			p->acked++;
		}
		tq_batch_free(b);
		if (reclen > 0)
			append(p->fd, rec, reclen);
		reclen = 0;
		if (nnext == 0)
			break;
		/* Outcomes lost with the link: send the same ids again. */
		if (first_fail == 0)
			first_fail = now_ms();
		if (now_ms() - first_fail > p->giveup_ms) {
			p->unknown += nnext;
			break;
		}
		p->retried += nnext;
		memcpy(todo, next, (size_t)nnext * sizeof *todo);
		ntodo = nnext;
		sleep_ms(50);
	}
	free(rec);
	free(todo);
	free(next);
	p->refused += refused;
	return (refused);
}

static int
cmd_produce(int argc, char **argv)
{
	struct produce		 p;
	struct tq_config	*cfg;
	struct tq_error		 err;
	const char		*file = NULL;
	long long		 n = 1000, first = 0, batch = 100, rate = 0;
	long long		 stop_after = 0, run = 0, i, hi, pad = 0;
	int64_t			 t0;
	int			 ch;

	memset(&p, 0, sizeof p);
	p.prefix = "t";
	p.max_retries = 3;
	p.giveup_ms = 60000;
	while ((ch = getopt(argc, argv, "c:n:s:p:b:r:d:m:u:z:k:T:")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'n':
			n = number(optarg, 0);
			break;
		case 's':
			first = number(optarg, 0);
			break;
		case 'p':
			p.prefix = optarg;
			break;
		case 'b':
			batch = number(optarg, 1);
			break;
		case 'r':
			rate = number(optarg, 0);
			break;
		case 'd':
			p.delay_max = number(optarg, 0);
			break;
		case 'm':
			p.max_retries = (int)number(optarg, 0);
			break;
		case 'u':
			p.unique_ms = number(optarg, 1);
			break;
		case 'z':
			pad = number(optarg, 0);
			break;
		case 'k':
			stop_after = number(optarg, 0);
			break;
		case 'T':
			p.giveup_ms = number(optarg, 1) * 1000;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3)
		usage();
	p.queue = argv[1];
	if (pad > 0) {
		p.pad = tq_xmalloc((size_t)pad + 1);
		memset(p.pad, 'x', (size_t)pad);
		p.pad[pad] = '\0';
	}
	p.fd = open_append(argv[2]);
	srandom((unsigned)getpid());
	signal(SIGPIPE, SIG_IGN);	/* tq.h: a Redis gone is TQ_ECONN */
	cfg = config(file, argv[0]);
	/* Lazy: Redis may be down (or cut off) when we start. */
	if ((p.c = tq_client_new_lazy(cfg, &err)) == NULL) {
		fprintf(stderr, "chaos: %s\n", err.msg);
		return (1);
	}
	tq_config_free(cfg);

	t0 = now_ms();
	for (i = first; i < first + n; i = hi) {
		hi = i + batch < first + n ? i + batch : first + n;
		if (rate > 0)
			sleep_ms(t0 + (i - first) * 1000 / rate - now_ms());
		if (produce_batch(&p, i, hi) > 0)
			run += hi - i;
		else
			run = 0;
		if (stop_after > 0 && run >= stop_after)
			break;
	}
	printf("produced=%lld acked=%lld refused=%lld retried=%lld "
	    "existed=%lld unknown=%lld calls=%lld link_errors=%lld "
	    "max_call_ms=%lld produce_ms=%lld\n", i - first, p.acked,
	    p.refused, p.retried, p.existed, p.unknown, p.calls,
	    p.link_errors, (long long)p.max_call_ms,
	    (long long)(now_ms() - t0));
	if (p.first_refusal[0] != '\0')
		fprintf(stderr, "chaos: first refusal: %s\n", p.first_refusal);
	if (p.first_link_error[0] != '\0')
		fprintf(stderr, "chaos: first link error: %s\n",
		    p.first_link_error);
	tq_client_free(p.c);
	free(p.pad);
	close(p.fd);
	return (0);
}

/* ------------------------------------------------------------------ */
/* work                                                                */

struct work {
	int		 done_fd;
	int		 start_fd;	/* -1: not recording deliveries */
	long long	 fail_every;	/* 0: never fail */
	int64_t		 sleep_ms;
	const char	*hold;		/* -H SUBSTR */
	int64_t		 hold_ms;
	int		 verbose;
};

static struct tq_worker		*work_worker;
static volatile sig_atomic_t	 work_signals;

/* The first TERM or INT drains, the second stops now. */
static void
work_signal(int sig)
{
	(void)sig;
	if (work_signals < 2)
		work_signals++;
	tq_worker_stop(work_worker, work_signals > 1);
}

/* The number after the last '-' of an id, or -1. */
static long long
id_number(const char *id)
{
	const char	*p = strrchr(id, '-');

	if (p == NULL || p[1] < '0' || p[1] > '9')
		return (-1);
	return (strtoll(p + 1, NULL, 10));
}

static enum tq_outcome
work_handle(struct tq_job *job, void *arg)
{
	struct work		*wk = arg;
	const struct tq_task	*t = tq_job_task(job);
	const char		*id = tq_task_id(t);
	char			 rec[TQ_NAME_MAX + 32];
	long long		 num;
	int			 n;

	if (wk->start_fd != -1 || strstr(id, "poison") != NULL) {
		n = snprintf(rec, sizeof rec, "%s %d\n", id,
		    tq_task_attempt(t));
		append(wk->start_fd != -1 ? wk->start_fd : 2, rec, (size_t)n);
	}
	/* A handler that takes its whole worker down, every time. */
	if (strstr(id, "poison") != NULL)
		abort();
	num = id_number(id);
	if (wk->fail_every > 0 && tq_task_attempt(t) == 1 && num >= 0 &&
	    num % wk->fail_every == 0) {
		tq_job_set_error(job, "chaos: first attempt fails");
		return (TQ_JOB_RETRY);
	}
	sleep_ms(wk->sleep_ms);
	if (wk->hold != NULL && strstr(id, wk->hold) != NULL)
		sleep_ms(wk->hold_ms);
	/*
	 * On disk before the outcome is sent: this process may be killed
	 * at any instant from here on, and a completion that was acked
	 * must be in the ledger.
	 */
	n = snprintf(rec, sizeof rec, "%s\n", id);
	append(wk->done_fd, rec, (size_t)n);
	return (TQ_JOB_OK);
}

/* Warnings and errors to stderr (the test's log); -v adds info. */
static void
work_log(int level, const char *msg, void *arg)
{
	struct work	*wk = arg;

	if (level <= 1 || (wk->verbose && level <= 2))
		fprintf(stderr, "chaos work[%ld]: %s\n", (long)getpid(), msg);
}

static int
cmd_work(int argc, char **argv)
{
	struct work		 wk;
	struct tq_config	*cfg;
	struct tq_worker_opts	 o;
	struct tq_error		 err;
	struct sigaction	 sa;
	struct rlimit		 rl = { 0, 0 };
	const char		*file = NULL, *queues[16];
	char			*path, *q, *eq;
	size_t			 nq = 0;
	int			 ch;

	memset(&wk, 0, sizeof wk);
	wk.start_fd = -1;
	tq_worker_opts_init(&o);
	while ((ch = getopt(argc, argv, "c:C:l:P:f:w:H:N:Sv")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'N':
			o.name = optarg;
			break;
		case 'C':
			o.concurrency = (int)number(optarg, 1);
			break;
		case 'l':
			o.lease_ms = number(optarg, 1);
			break;
		case 'P':
			o.prefetch = (int)number(optarg, 0);
			break;
		case 'f':
			wk.fail_every = number(optarg, 1);
			break;
		case 'w':
			wk.sleep_ms = number(optarg, 0);
			break;
		case 'H':
			if ((eq = strchr(optarg, '=')) == NULL)
				usage();
			*eq = '\0';
			wk.hold = optarg;
			wk.hold_ms = number(eq + 1, 0);
			break;
		case 'S':
			wk.start_fd = 0;	/* opened below */
			break;
		case 'v':
			wk.verbose = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 3)
		usage();
	for (q = strtok(argv[1], ","); q != NULL && nq < 16;
	    q = strtok(NULL, ","))
		queues[nq++] = q;
	if (nq == 0)
		usage();
	/* The poison task aborts us: no core file per delivery. */
	setrlimit(RLIMIT_CORE, &rl);
	path = tq_xasprintf("%s/done.%ld", argv[2], (long)getpid());
	wk.done_fd = open_append(path);
	free(path);
	if (wk.start_fd == 0) {
		path = tq_xasprintf("%s/start.%ld", argv[2], (long)getpid());
		wk.start_fd = open_append(path);
		free(path);
	}

	cfg = config(file, argv[0]);
	o.queues = queues;
	o.nqueues = nq;
	if ((work_worker = tq_worker_new(cfg, &o, &err)) == NULL) {
		fprintf(stderr, "chaos: %s\n", err.msg);
		return (1);
	}
	tq_config_free(cfg);
	tq_worker_handle(work_worker, NULL, work_handle, &wk);
	tq_worker_set_log(work_worker, work_log, &wk);

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = work_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (tq_worker_run(work_worker, &err) != 0) {
		fprintf(stderr, "chaos: %s\n", err.msg);
		tq_worker_free(work_worker);
		return (1);
	}
	fprintf(stderr, "chaos work[%ld]: processed %lld failed %lld\n",
	    (long)getpid(), tq_worker_processed(work_worker),
	    tq_worker_failed(work_worker));
	tq_worker_free(work_worker);
	close(wk.done_fd);
	if (wk.start_fd != -1)
		close(wk.start_fd);
	return (0);
}

/* ------------------------------------------------------------------ */
/* hold, ackretry                                                      */

/* A client and one leased task of queue, or exit 1. */
static struct tq_client *
lease_one(const char *file, const char *url, const char *queue,
    int64_t lease_ms, struct tq_task **t)
{
	struct tq_config	*cfg = config(file, url);
	struct tq_client	*c;
	struct tq_dequeue_opts	 d;
	struct tq_error		 err;

	signal(SIGPIPE, SIG_IGN);
	if ((c = tq_client_new(cfg, &err)) == NULL) {
		fprintf(stderr, "chaos: %s\n", err.msg);
		exit(1);
	}
	tq_config_free(cfg);
	tq_dequeue_opts_init(&d);
	d.queues = &queue;
	d.nqueues = 1;
	d.lease_ms = lease_ms;
	d.block_ms = 5000;
	d.worker = "chaos";
	if (tq_dequeue(c, &d, t, &err) != 1) {
		fprintf(stderr, "chaos: no task leased from %s: %s\n", queue,
		    err.code != TQ_OK ? err.msg : "queue empty");
		exit(1);
	}
	printf("leased %s\n", tq_task_id(*t));
	fflush(stdout);
	return (c);
}

/* "ok", or "refused" (TQ_ELEASE), or "error (CODE): MSG". */
static void
outcome(const char *what, int rc, const struct tq_error *err)
{
	if (rc == 0)
		printf("%s: ok\n", what);
	else if (err->code == TQ_ELEASE)
		printf("%s: refused: %s\n", what, err->msg);
	else
		printf("%s: error (%s): %s\n", what, tq_strerror(err->code),
		    err->msg);
	fflush(stdout);
}

static int
cmd_hold(int argc, char **argv)
{
	struct tq_client	*c;
	struct tq_task		*t;
	struct tq_error		 err;
	const char		*file = NULL;
	int			 ch, rc, ack_rc, ack_code;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c')
			usage();
		file = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc != 3)
		usage();
	c = lease_one(file, argv[0], argv[1], number(argv[2], 100), &t);
	/* Frozen as a worker would be: the test continues us later. */
	raise(SIGSTOP);
	tq_error_clear(&err);
	ack_rc = tq_ack(c, t, NULL, &err);
	ack_code = err.code;
	outcome("ack", ack_rc, &err);
	tq_error_clear(&err);
	rc = tq_fail(c, t, "chaos: late fail", 0, &err);
	outcome("fail", rc, &err);
	tq_error_clear(&err);
	rc = tq_extend(c, t, 1000, &err);
	outcome("extend", rc, &err);
	tq_task_free(t);
	tq_client_free(c);
	if (ack_rc == 0)
		return (1);
	return (ack_code == TQ_ELEASE ? 0 : 2);
}

static int
cmd_ackretry(int argc, char **argv)
{
	struct tq_client	*c;
	struct tq_task		*t;
	struct tq_error		 err;
	const char		*file = NULL;
	int			 ch, rc1, rc2, cut;

	while ((ch = getopt(argc, argv, "c:")) != -1) {
		if (ch != 'c')
			usage();
		file = optarg;
	}
	argc -= optind;
	argv += optind;
	if (argc != 2)
		usage();
	c = lease_one(file, argv[0], argv[1], 30000, &t);
	tq_error_clear(&err);
	rc1 = tq_ack(c, t, NULL, &err);
	cut = rc1 != 0 && transient(&err);
	outcome("ack 1", rc1, &err);
	tq_error_clear(&err);
	rc2 = tq_ack(c, t, NULL, &err);
	outcome("ack 2", rc2, &err);
	tq_task_free(t);
	tq_client_free(c);
	return (cut && rc2 == 0 ? 0 : 1);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	argc--;
	argv++;
	if (strcmp(argv[0], "produce") == 0)
		return (cmd_produce(argc, argv));
	if (strcmp(argv[0], "work") == 0)
		return (cmd_work(argc, argv));
	if (strcmp(argv[0], "hold") == 0)
		return (cmd_hold(argc, argv));
	if (strcmp(argv[0], "ackretry") == 0)
		return (cmd_ackretry(argc, argv));
	usage();
	return (2);
}
