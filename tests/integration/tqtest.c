/*
 * tqtest.c -- play a worker for one task, for the shell tests.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tests/integration/cli.sh needs dead tasks and stored results, and tq
 * has (on purpose) no command that fails or completes a task.  This
 * helper dequeues one ready task from a queue and fails or acks it through
 * libtq, exactly as a worker would:
 *
 *	tqtest fail QUEUE [--permanent] [--error MSG]
 *	tqtest ack QUEUE [RESULT]
 *
 * It connects to $TQ_REDIS_URL (namespace "tq"), prints the id of the
 * task it handled and exits 0; 1 if the queue had no ready task or
 * anything failed; 2 on a usage error.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq.h"

static void
usage(void)
{
	fprintf(stderr, "usage: tqtest fail QUEUE [--permanent] "
	    "[--error MSG]\n       tqtest ack QUEUE [RESULT]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct tq_config	*cfg;
	struct tq_client	*c;
	struct tq_dequeue_opts	 d;
	struct tq_task		*t = NULL;
	struct tq_error		 err;
	const char		*url, *queue, *result = NULL;
	const char		*why = "tqtest failed it";
	int			 i, fail, flags = 0, rc;

	if (argc < 3)
		usage();
	if (strcmp(argv[1], "fail") == 0)
		fail = 1;
	else if (strcmp(argv[1], "ack") == 0)
		fail = 0;
	else
		usage();
	queue = argv[2];
	for (i = 3; i < argc; i++) {
		if (fail && strcmp(argv[i], "--permanent") == 0)
			flags |= TQ_FAIL_PERMANENT;
		else if (fail && strcmp(argv[i], "--error") == 0 &&
		    i + 1 < argc)
			why = argv[++i];
		else if (!fail && result == NULL)
			result = argv[i];
		else
			usage();
	}
	if ((url = getenv("TQ_REDIS_URL")) == NULL) {
		fprintf(stderr, "tqtest: TQ_REDIS_URL is not set\n");
		return (2);
	}

	tq_error_clear(&err);
	cfg = tq_config_new();
	if (tq_config_set_url(cfg, url, &err) != 0) {
		fprintf(stderr, "tqtest: %s\n", err.msg);
		tq_config_free(cfg);
		return (2);
	}
	c = tq_client_new(cfg, &err);
	tq_config_free(cfg);
	if (c == NULL) {
		fprintf(stderr, "tqtest: %s\n", err.msg);
		return (1);
	}

	tq_dequeue_opts_init(&d);
	d.queues = &queue;
	d.nqueues = 1;
	d.worker = "tqtest";
	rc = tq_dequeue(c, &d, &t, &err);
	if (rc == 0) {
		fprintf(stderr, "tqtest: no ready task in %s\n", queue);
		tq_client_free(c);
		return (1);
	}
	if (rc < 0 || (fail ? tq_fail(c, t, why, flags, &err) :
	    tq_ack(c, t, result, &err)) != 0) {
		fprintf(stderr, "tqtest: %s\n", err.msg);
		tq_task_free(t);
		tq_client_free(c);
		return (1);
	}
	printf("%s\n", tq_task_id(t));
	tq_task_free(t);
	tq_client_free(c);
	return (0);
}
