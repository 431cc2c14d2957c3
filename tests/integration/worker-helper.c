/*
 * worker-helper.c -- a libtq worker in its own process, for test-worker.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Some worker tests need a separate process: one that can be SIGKILLed in
 * the middle of a task (nothing in a thread can die like that), or two
 * workers competing for a queue as two hosts would.  This program serves
 * one queue with one handler for every task type:
 *
 *	worker-helper [-c FILE] [-l LEASE_MS] URL QUEUE MODE [CONCURRENCY]
 *
 * MODE is "noop" (ack at once), "fail" (fail every attempt) or
 * "sleepforever" (run until cancelled).  -c loads a tq.conf first (for
 * [queue NAME] policy such as rate_limit); URL then points it at Redis.
 * SIGTERM or SIGINT stop it gracefully, a second one at once.  On exit it
 * prints "processed N failed M" on stdout and exits 0, or 1 if the worker
 * could not run.
 */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tq.h"

static struct tq_worker		*helper_worker;
static volatile sig_atomic_t	 helper_signals;

static void
usage(void)
{
	fprintf(stderr, "usage: worker-helper [-c FILE] [-l LEASE_MS] URL "
	    "QUEUE noop|fail|sleepforever [CONCURRENCY]\n");
	exit(2);
}

/* The first TERM or INT drains, the second stops now. */
static void
on_signal(int sig)
{
	(void)sig;
	if (helper_signals < 2)
		helper_signals++;
	tq_worker_stop(helper_worker, helper_signals > 1);
}

static enum tq_outcome
handle_noop(struct tq_job *job, void *arg)
{
	(void)job;
	(void)arg;
	return (TQ_JOB_OK);
}

static enum tq_outcome
handle_fail(struct tq_job *job, void *arg)
{
	(void)arg;
	tq_job_set_error(job, "worker-helper: failing on purpose");
	return (TQ_JOB_RETRY);
}

/* Sleep until the worker cancels us (timeout, lost lease, shutdown). */
static enum tq_outcome
handle_sleepforever(struct tq_job *job, void *arg)
{
	struct timespec	ts = { 0, 10 * 1000 * 1000 };

	(void)arg;
	while (!tq_job_cancelled(job))
		nanosleep(&ts, NULL);
	tq_job_set_error(job, "worker-helper: cancelled");
	return (TQ_JOB_RETRY);
}

/* Warnings and errors go to stderr, which the test leaves to its log. */
static void
helper_log(int level, const char *msg, void *arg)
{
	(void)arg;
	if (level <= 1)
		fprintf(stderr, "worker-helper[%ld]: %s\n", (long)getpid(),
		    msg);
}

int
main(int argc, char **argv)
{
	struct tq_config	*cfg;
	struct tq_worker_opts	 o;
	struct tq_error		 err;
	struct sigaction	 sa;
	const char		*file = NULL, *queue;
	tq_handler		 fn;
	long long		 lease = 0;
	int			 ch, concurrency = 1;

	while ((ch = getopt(argc, argv, "c:l:")) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'l':
			lease = strtoll(optarg, NULL, 10);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 3 || argc > 4)
		usage();
	queue = argv[1];
	if (strcmp(argv[2], "noop") == 0)
		fn = handle_noop;
	else if (strcmp(argv[2], "fail") == 0)
		fn = handle_fail;
	else if (strcmp(argv[2], "sleepforever") == 0)
		fn = handle_sleepforever;
	else
		usage();
	if (argc == 4 && (concurrency = atoi(argv[3])) < 1)
		usage();

	tq_error_clear(&err);
	cfg = tq_config_new();
	if ((file != NULL && tq_config_load(cfg, file, &err) != 0) ||
	    tq_config_set_url(cfg, argv[0], &err) != 0) {
		fprintf(stderr, "worker-helper: %s\n", err.msg);
		return (1);
	}
	tq_worker_opts_init(&o);
	o.queues = &queue;
	o.nqueues = 1;
	o.concurrency = concurrency;
	o.lease_ms = lease;
	if ((helper_worker = tq_worker_new(cfg, &o, &err)) == NULL) {
		fprintf(stderr, "worker-helper: %s\n", err.msg);
		return (1);
	}
	tq_config_free(cfg);
	tq_worker_handle(helper_worker, NULL, fn, NULL);
	tq_worker_set_log(helper_worker, helper_log, NULL);

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (tq_worker_run(helper_worker, &err) != 0) {
		fprintf(stderr, "worker-helper: %s\n", err.msg);
		tq_worker_free(helper_worker);
		return (1);
	}
	printf("processed %lld failed %lld\n",
	    tq_worker_processed(helper_worker),
	    tq_worker_failed(helper_worker));
	fflush(stdout);
	tq_worker_free(helper_worker);
	return (0);
}
