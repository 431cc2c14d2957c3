/*
 * worker.c -- the demo worker: sends welcome emails, resizes images.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A libtq worker with the two handlers of the Go blog post that tq grew
 * from.  Neither does real work: "email" takes 100-500 ms and fails 5% of
 * the time, "image_processing" takes 0.5-2.5 s and fails 3% of the time,
 * so that retries and dead letters show up in tq stats and tqtop.
 *
 *	worker [-c FILE] [-u URL] [-C CONCURRENCY] [-q QUEUE[,QUEUE...]]
 *	    [--speed F] [-v]
 *
 * The Redis comes from -u URL (else $TQ_REDIS_URL) over -c FILE (else
 * $TQ_CONFIG); one is required.  -q lists the queues served, first ones
 * first (default email,image_processing); --speed divides the simulated
 * work times (10 for a quick demo).  SIGINT or SIGTERM stop it after the
 * running tasks finish; a second one stops it at once.  The worker's log
 * goes to stderr, one line per task outcome (-v adds debug lines).
 */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tq.h"

#define QUEUES_MAX	16

static struct tq_worker		*worker;	/* for the signal handler */
static volatile sig_atomic_t	 stops;
static double			 speed = 1;
static int			 verbose;

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: worker [-c FILE] [-u URL] [-C CONCURRENCY] "
	    "[-q QUEUE[,QUEUE...]] [--speed F] [-v]\n");
	exit(2);
}

/* A random number from lo to hi.  Handlers run in several threads at
 * once, so each thread has its own generator. */
static int
between(int lo, int hi)
{
	static _Thread_local unsigned int	seed;

	if (seed == 0)
		seed = (unsigned int)time(NULL) ^
		    (unsigned int)(uintptr_t)&seed;
	return (lo + rand_r(&seed) % (hi - lo + 1));
}

/*
 * Pretend to work for ms (divided by --speed).  Long handlers should
 * watch tq_job_cancelled: after a timeout, a lost lease or past the
 * shutdown grace period their outcome no longer counts.  Returns -1 when
 * cancelled.
 */
static int
work_for(struct tq_job *job, int ms)
{
	struct timespec	ts;
	long		left = (long)(ms / speed);

	for (; left > 0; left -= 10) {
		if (tq_job_cancelled(job))
			return (-1);
		ts.tv_sec = 0;
		ts.tv_nsec = (left < 10 ? left : 10) * 1000000L;
		nanosleep(&ts, NULL);
	}
	return (tq_job_cancelled(job) ? -1 : 0);
}

/* A member of the task's payload (borrowed), or NULL. */
static const cJSON *
field(struct tq_job *job, const char *name)
{
	return (cJSON_GetObjectItemCaseSensitive(
	    tq_task_payload_json(tq_job_task(job)), name));
}

/* Keep {"name": value} as the task's result (tq result ID shows it). */
static enum tq_outcome
succeed(struct tq_job *job, const char *name, const char *value)
{
	struct tq_error	 err;
	cJSON		*obj;
	char		*text;
	int		 rc;

	/* cJSON escapes the value: payload strings may hold anything. */
	if ((obj = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(obj, name, value) == NULL ||
	    (text = cJSON_PrintUnformatted(obj)) == NULL) {
		cJSON_Delete(obj);
		tq_job_set_error(job, "out of memory for the result");
		return (TQ_JOB_RETRY);
	}
	cJSON_Delete(obj);
	rc = tq_job_set_result(job, text, &err);
	cJSON_free(text);
	if (rc != 0) {
		tq_job_set_error(job, err.msg);
		return (TQ_JOB_PERMANENT);
	}
	return (TQ_JOB_OK);
}

static enum tq_outcome
handle_email(struct tq_job *job, void *arg)
{
	const cJSON	*to = field(job, "to");

	(void)arg;
	if (!cJSON_IsString(to)) {
		/* A retry cannot fix the payload: dead at once. */
		tq_job_set_error(job, "email: payload has no \"to\"");
		return (TQ_JOB_PERMANENT);
	}
	if (work_for(job, between(100, 500)) != 0)
		return (TQ_JOB_RETRY);
	if (between(1, 100) <= 5) {
		tq_job_set_error(job, "smtp: connection reset (simulated)");
		return (TQ_JOB_RETRY);
	}
	return (succeed(job, "sent_to", to->valuestring));
}

static enum tq_outcome
handle_image(struct tq_job *job, void *arg)
{
	const cJSON	*url = field(job, "image_url");
	const cJSON	*ops = field(job, "operations");

	(void)arg;
	/* As in the seed: the URL is required, the operations optional. */
	if (!cJSON_IsString(url) || (ops != NULL && !cJSON_IsArray(ops))) {
		tq_job_set_error(job, "image_processing: payload needs "
		    "\"image_url\" (a string) and, if any, \"operations\" "
		    "(an array)");
		return (TQ_JOB_PERMANENT);
	}
	if (work_for(job, between(500, 2500)) != 0)
		return (TQ_JOB_RETRY);
	if (between(1, 100) <= 3) {
		tq_job_set_error(job, "image: corrupt data (simulated)");
		return (TQ_JOB_RETRY);
	}
	return (succeed(job, "resized", url->valuestring));
}

/* The worker's log sink: called from its threads, one line a call. */
static void
log_line(int level, const char *msg, void *arg)
{
	static const char *const	 names[] = { "error", "warning",
					     "info", "debug" };
	struct timespec			 ts;
	struct tm			 tm;
	char				 when[16];

	(void)arg;
	if (level < 0 || level > 3 || level > 2 + verbose)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s: %s\n", when, ts.tv_nsec / 1000000,
	    names[level], msg);
}

/* INT or TERM: finish running tasks and stop; the second: stop now. */
static void
on_signal(int sig)
{
	(void)sig;
	if (stops < 2)
		stops++;
	tq_worker_stop(worker, stops > 1);
}

/* Split "a,b,c" (modified in place) into at most QUEUES_MAX names. */
static size_t
split_queues(char *list, const char **queues)
{
	char	*name, *last;
	size_t	 n = 0;

	for (name = strtok_r(list, ",", &last); name != NULL;
	    name = strtok_r(NULL, ",", &last)) {
		if (n == QUEUES_MAX) {
			fprintf(stderr, "worker: more than %d queues\n",
			    QUEUES_MAX);
			exit(2);
		}
		queues[n++] = name;
	}
	return (n);
}

/* -c/$TQ_CONFIG, then -u/$TQ_REDIS_URL over it; exits on error. */
static struct tq_config *
load_config(const char *file, const char *url)
{
	struct tq_config	*cfg;
	struct tq_error		 err;

	if (file == NULL && (file = getenv("TQ_CONFIG")) != NULL &&
	    *file == '\0')
		file = NULL;
	if (url == NULL && (url = getenv("TQ_REDIS_URL")) != NULL &&
	    *url == '\0')
		url = NULL;
	if (file == NULL && url == NULL) {
		fprintf(stderr, "worker: which Redis?  Give -u URL or -c "
		    "FILE, or set TQ_REDIS_URL or TQ_CONFIG\n");
		exit(2);
	}
	cfg = tq_config_new();
	if ((file != NULL && tq_config_load(cfg, file, &err) != 0) ||
	    (url != NULL && tq_config_set_url(cfg, url, &err) != 0)) {
		fprintf(stderr, "worker: %s\n", err.msg);
		exit(1);
	}
	return (cfg);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct tq_config	*cfg;
	struct tq_worker_opts	 o;
	struct tq_error		 err;
	struct sigaction	 sa;
	const char		*file = NULL, *url = NULL;
	const char		*queues[QUEUES_MAX];
	char			 list[] = "email,image_processing", *end;
	int			 ch;

	tq_worker_opts_init(&o);
	o.queues = queues;
	o.nqueues = split_queues(list, queues);
	while ((ch = getopt_long(argc, argv, "C:c:hq:u:v", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'C':
			errno = 0;
			o.concurrency = (int)strtol(optarg, &end, 10);
			if (errno != 0 || *end != '\0' || o.concurrency < 1)
				usage();
			break;
		case 'c':
			file = optarg;
			break;
		case 'q':
			o.nqueues = split_queues(optarg, queues);
			break;
		case 's':
			speed = strtod(optarg, &end);
			if (*end != '\0' || !(speed > 0))
				usage();
			break;
		case 'u':
			url = optarg;
			break;
		case 'v':
			verbose = 1;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	cfg = load_config(file, url);
	worker = tq_worker_new(cfg, &o, &err);
	tq_config_free(cfg);
	if (worker == NULL) {
		fprintf(stderr, "worker: %s\n", err.msg);
		return (1);
	}
	tq_worker_handle(worker, "email", handle_email, NULL);
	tq_worker_handle(worker, "image_processing", handle_image, NULL);
	tq_worker_set_log(worker, log_line, NULL);

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* A broken link to Redis is an error to ride out, not death. */
	signal(SIGPIPE, SIG_IGN);

	/* Serve until a signal; Redis outages are ridden out inside. */
	if (tq_worker_run(worker, &err) != 0) {
		fprintf(stderr, "worker: %s\n", err.msg);
		tq_worker_free(worker);
		return (1);
	}
	fprintf(stderr, "worker: %lld processed, %lld failed\n",
	    tq_worker_processed(worker), tq_worker_failed(worker));
	tq_worker_free(worker);
	return (0);
}
