/*
 * tqd-helper.c -- precise timing for tests/integration/tqd.sh.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * The tqd tests measure how late tqd is (promotion within 100 ms of the
 * due time, retries within their backoff window), which a shell loop
 * forking redis-cli cannot resolve.  This helper polls through libtq every
 * few milliseconds and reports times read from Redis's own clock, the
 * clock every due time and lease is kept on:
 *
 *	tqd-helper wait-ready QUEUE COUNT TIMEOUT_MS
 *		poll until QUEUE has at least COUNT ready tasks; print
 *		"ready_at=MS" (Redis time of the first poll that saw them)
 *	tqd-helper fail QUEUE [--permanent] [--wait TIMEOUT_MS]
 *		dequeue one task and fail it as a worker would, with the
 *		retry policy of $TQ_CONFIG (tqtest uses the defaults);
 *		print "id=ID state=STATE failed_at=MS due=MS" and, with
 *		--wait, poll until the queue has a ready task again and add
 *		"ready_at=MS"
 *
 * It connects to $TQ_REDIS_URL (namespace "tq") after loading $TQ_CONFIG
 * when set.  Exit status: 0, 1 on a failure or timeout, 2 on usage.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tq.h"

#define HELPER_POLL_MS	5	/* polling period: the timing resolution */

static void
usage(void)
{
	fprintf(stderr, "usage: tqd-helper wait-ready QUEUE COUNT "
	    "TIMEOUT_MS\n"
	    "       tqd-helper fail QUEUE [--permanent] [--wait "
	    "TIMEOUT_MS]\n");
	exit(2);
}

/* Sleep ms milliseconds (nanosleep: no signals expected here). */
static void
helper_sleep(long ms)
{
	struct timespec	ts;

	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/* A client for $TQ_REDIS_URL with $TQ_CONFIG's policy, or exit 1. */
static struct tq_client *
helper_client(void)
{
	struct tq_config	*cfg;
	struct tq_client	*c;
	struct tq_error		 err;
	const char		*url, *path;

	tq_error_clear(&err);
	if ((url = getenv("TQ_REDIS_URL")) == NULL) {
		fprintf(stderr, "tqd-helper: TQ_REDIS_URL is not set\n");
		exit(2);
	}
	cfg = tq_config_new();
	path = getenv("TQ_CONFIG");
	if ((path != NULL && *path != '\0' &&
	    tq_config_load(cfg, path, &err) != 0) ||
	    tq_config_set_url(cfg, url, &err) != 0) {
		fprintf(stderr, "tqd-helper: %s\n", err.msg);
		tq_config_free(cfg);
		exit(2);
	}
	c = tq_client_new(cfg, &err);
	tq_config_free(cfg);
	if (c == NULL) {
		fprintf(stderr, "tqd-helper: %s\n", err.msg);
		exit(1);
	}
	return (c);
}

/*
 * Poll queue until it has at least count ready tasks or timeout_ms have
 * passed (on Redis's clock).  *ready_at: the Redis time of the first poll
 * that saw them.  0, or -1 on an error or the timeout.
 */
static int
helper_wait_ready(struct tq_client *c, const char *queue, long long count,
    long long timeout_ms, int64_t *ready_at)
{
	struct tq_queue_stats	st;
	struct tq_error		err;
	int64_t			start = 0;

	for (;;) {
		if (tq_stats(c, &queue, 1, &st, &err) != 0) {
			fprintf(stderr, "tqd-helper: stats: %s\n", err.msg);
			return (-1);
		}
		if (start == 0)
			start = st.now_ms;
		if (st.ready >= count) {
			*ready_at = st.now_ms;
			return (0);
		}
		if (st.now_ms - start > timeout_ms) {
			fprintf(stderr, "tqd-helper: %s: %lld ready after "
			    "%lld ms, waiting for %lld\n", queue, st.ready,
			    timeout_ms, count);
			return (-1);
		}
		helper_sleep(HELPER_POLL_MS);
	}
}

static int
cmd_wait_ready(int argc, char **argv)
{
	struct tq_client	*c;
	int64_t			 ready_at;
	int			 rc;

	if (argc != 5)
		usage();
	c = helper_client();
	rc = helper_wait_ready(c, argv[2], atoll(argv[3]), atoll(argv[4]),
	    &ready_at);
	if (rc == 0)
		printf("ready_at=%lld\n", (long long)ready_at);
	tq_client_free(c);
	return (rc == 0 ? 0 : 1);
}

static int
cmd_fail(int argc, char **argv)
{
	struct tq_client	*c;
	struct tq_dequeue_opts	 d;
	struct tq_task		*t = NULL;
	struct tq_task_info	*info = NULL;
	struct tq_error		 err;
	const char		*queue;
	long long		 wait_ms = -1;
	int64_t			 ready_at;
	int			 i, flags = 0, rc = 1;

	if (argc < 3)
		usage();
	queue = argv[2];
	for (i = 3; i < argc; i++) {
		if (strcmp(argv[i], "--permanent") == 0)
			flags |= TQ_FAIL_PERMANENT;
		else if (strcmp(argv[i], "--wait") == 0 && i + 1 < argc)
			wait_ms = atoll(argv[++i]);
		else
			usage();
	}
	c = helper_client();
	tq_dequeue_opts_init(&d);
	d.queues = &queue;
	d.nqueues = 1;
	d.worker = "tqd-helper";
	if ((i = tq_dequeue(c, &d, &t, &err)) != 1) {
		fprintf(stderr, "tqd-helper: dequeue: %s\n", i == 0 ?
		    "no ready task" : err.msg);
		goto out;
	}
	if (tq_fail(c, t, "tqd-helper failed it", flags, &err) != 0 ||
	    tq_inspect(c, queue, tq_task_id(t), &info, &err) != 0) {
		fprintf(stderr, "tqd-helper: %s\n", err.msg);
		goto out;
	}
	printf("id=%s state=%s failed_at=%lld due=%lld", info->id,
	    tq_state_name(info->state), (long long)info->failed_at,
	    (long long)info->scheduled_at);
	if (wait_ms >= 0) {
		if (helper_wait_ready(c, queue, 1, wait_ms, &ready_at) != 0) {
			printf("\n");
			goto out;
		}
		printf(" ready_at=%lld", (long long)ready_at);
	}
	printf("\n");
	rc = 0;
out:
	tq_task_info_free(info);
	tq_task_free(t);
	tq_client_free(c);
	return (rc);
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		usage();
	if (strcmp(argv[1], "wait-ready") == 0)
		return (cmd_wait_ready(argc, argv));
	if (strcmp(argv[1], "fail") == 0)
		return (cmd_fail(argc, argv));
	usage();
	return (2);
}
