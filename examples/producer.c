/*
 * producer.c -- the demo producer: welcome emails and delayed image jobs.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Enqueues what the producer of the Go blog post that tq grew from does:
 * 100 "email" tasks, every tenth one urgent (priority 9), sent to Redis in
 * one pipelined batch, then 10 "image_processing" tasks delayed by 5 to
 * 50 seconds.  examples/worker.c handles both types.
 *
 *	producer [-c FILE] [-u URL] [--emails N] [--images N]
 *	    [--delay-scale F]
 *
 * The Redis comes from -u URL (else $TQ_REDIS_URL) over the configuration
 * file -c FILE (else $TQ_CONFIG).  One of them is required: an example
 * should not guess and fill whatever Redis happens to run on 6379.
 * --delay-scale multiplies the delays (0.1 runs the demo ten times faster).
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq.h"

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: producer [-c FILE] [-u URL] [--emails N] "
	    "[--images N] [--delay-scale F]\n");
	exit(2);
}

/* A number from 0 to max (whole, if asked) for option name, or exit. */
static double
number(const char *name, const char *s, double max, int whole)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0 && v <= max) ||
	    (whole && v != (int)v)) {
		fprintf(stderr, "producer: %s: \"%s\" is not a%s number from "
		    "0 to %g\n", name, s, whole ? " whole" : "", max);
		exit(2);
	}
	return (v);
}

/* A variable's value, or NULL when it is unset or empty. */
static const char *
env(const char *name)
{
	const char	*v = getenv(name);

	return (v != NULL && *v != '\0' ? v : NULL);
}

/* Connect to the Redis of -c/$TQ_CONFIG and -u/$TQ_REDIS_URL, or exit. */
static struct tq_client *
connect_redis(const char *file, const char *url)
{
	struct tq_config	*cfg;
	struct tq_client	*c = NULL;
	struct tq_error		 err;

	if (file == NULL)
		file = env("TQ_CONFIG");
	if (url == NULL)
		url = env("TQ_REDIS_URL");
	if (file == NULL && url == NULL) {
		fprintf(stderr, "producer: which Redis?  Give -u URL or -c "
		    "FILE, or set TQ_REDIS_URL or TQ_CONFIG\n");
		exit(2);
	}
	cfg = tq_config_new();
	if ((file == NULL || tq_config_load(cfg, file, &err) == 0) &&
	    (url == NULL || tq_config_set_url(cfg, url, &err) == 0))
		c = tq_client_new(cfg, &err);
	tq_config_free(cfg);
	if (c == NULL) {
		fprintf(stderr, "producer: %s\n", err.msg);
		exit(1);
	}
	return (c);
}

/* n welcome emails in one batch: a single round trip to Redis. */
static int
enqueue_emails(struct tq_client *c, int n)
{
	struct tq_enqueue_opts	 o;
	struct tq_batch		*b;
	struct tq_error		 err;
	const struct tq_error	*e;
	char			 payload[256];
	int			 i, refused, urgent = 0;

	b = tq_batch_new(c);
	for (i = 0; i < n; i++) {
		tq_enqueue_opts_init(&o);
		/* As in the seed, every tenth email jumps the queue. */
		if (i % 10 == 0) {
			o.priority = TQ_PRIORITY_MAX;
			urgent++;
		}
		snprintf(payload, sizeof payload, "{\"to\":\"user%d@example.com"
		    "\",\"subject\":\"Welcome\",\"body\":\"Thank you for "
		    "signing up.\"}", i);
		/* The batch checks each task now, before anything is sent. */
		if (tq_batch_add(b, "email", payload, &o, &err) != 0) {
			fprintf(stderr, "producer: email %d: %s\n", i, err.msg);
			tq_batch_free(b);
			return (-1);
		}
	}
	if ((refused = tq_batch_exec(b, &err)) == -1) {
		/* The link broke mid-batch: some may have been enqueued. */
		fprintf(stderr, "producer: emails: %s\n", err.msg);
		tq_batch_free(b);
		return (-1);
	}
	for (i = 0; i < n; i++) {
		if ((e = tq_batch_error(b, i)) != NULL)
			fprintf(stderr, "producer: email %d: %s\n", i, e->msg);
	}
	printf("enqueued %d email tasks in one batch (%d at priority %d)",
	    n - refused, urgent, TQ_PRIORITY_MAX);
	if (refused > 0)
		printf("; %d refused", refused);
	printf("\n");
	tq_batch_free(b);
	return (refused == 0 ? 0 : -1);
}

/* n image jobs, delayed 5, 10, ... 50 s (times scale), one call each. */
static int
enqueue_images(struct tq_client *c, int n, double scale)
{
	struct tq_enqueue_opts	 o;
	struct tq_error		 err;
	char			 payload[256], *id;
	int			 i;

	for (i = 0; i < n; i++) {
		tq_enqueue_opts_init(&o);
		o.delay_ms = (int64_t)((5000.0 + 5000.0 * (i % 10)) * scale);
		snprintf(payload, sizeof payload, "{\"image_url\":\"https://"
		    "example.com/images/%d.jpg\",\"operations\":[\"resize\","
		    "\"compress\",\"watermark\"]}", i);
		if (tq_enqueue(c, "image_processing", payload, &o, &id,
		    &err) != 0) {
			fprintf(stderr, "producer: image %d: %s\n", i, err.msg);
			return (-1);
		}
		printf("enqueued image_processing %s, due in %.1f s\n", id,
		    (double)o.delay_ms / 1000);
		free(id);
	}
	return (0);
}

/* What the two queues now hold. */
static int
summary(struct tq_client *c)
{
	const char		*queues[] = { "email", "image_processing" };
	struct tq_queue_stats	 st[2];
	struct tq_error		 err;
	int			 i;

	if (tq_stats(c, queues, 2, st, &err) != 0) {
		fprintf(stderr, "producer: stats: %s\n", err.msg);
		return (-1);
	}
	printf("%-18s %8s %10s\n", "queue", "ready", "scheduled");
	for (i = 0; i < 2; i++)
		printf("%-18s %8lld %10lld\n", st[i].name, st[i].ready,
		    st[i].scheduled);
	return (0);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "emails", required_argument, NULL, 'e' },
		{ "images", required_argument, NULL, 'i' },
		{ "delay-scale", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct tq_client	*c;
	const char		*file = NULL, *url = NULL;
	double			 scale = 1;
	int			 ch, emails = 100, images = 10, rc = 0;

	while ((ch = getopt_long(argc, argv, "c:hu:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			file = optarg;
			break;
		case 'u':
			url = optarg;
			break;
		case 'e':
			emails = (int)number("--emails", optarg, 1000000, 1);
			break;
		case 'i':
			images = (int)number("--images", optarg, 1000000, 1);
			break;
		case 's':
			scale = number("--delay-scale", optarg, 1000, 0);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	c = connect_redis(file, url);
	if (emails > 0 && enqueue_emails(c, emails) != 0)
		rc = 1;
	if (rc == 0 && enqueue_images(c, images, scale) != 0)
		rc = 1;
	if (summary(c) != 0)
		rc = 1;
	tq_client_free(c);
	return (rc);
}
