/*
 * report.c -- tq-bench's results: a table for people, JSON for programs.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A result is a mode name, the parameters it ran with and the figures it
 * measured, each a named number.  With --json every result is one JSON
 * object on one line: "mode", then the parameters, then the figures, under
 * the names tq-bench(1) documents (tasks_per_s, p50_ms, p95_ms, p99_ms,
 * max_ms, bytes_per_task, tqd_hwm_kb, ...); scripts such as bench/run
 * rely on them.
 * Without it each result is a row of one table whose columns are listed
 * below, "-" where a mode has no such number.
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "bench.h"

/* The parameters, in output order, as JSON names them. */
static const char *const param_names[] = {
	"tasks", "payload_bytes", "concurrency", "batch", "rate", "seconds",
	"prefetch", "shared", "queues",
};

/* The table: a column per parameter or figure, by JSON name. */
static const struct column {
	const char	*name;
	const char	*header;
	int		 width;
} columns[] = {
	{ "tasks",		"TASKS",	8 },
	{ "payload_bytes",	"BYTES",	5 },
	{ "concurrency",	"CONC",		4 },
	{ "batch",		"BATCH",	5 },
	{ "rate",		"RATE",		6 },
	{ "seconds",		"SECS",		4 },
	{ "prefetch",		"PREF",		4 },
	{ "tasks_per_s",	"TASKS/S",	9 },
	{ "p50_ms",		"P50MS",	6 },
	{ "p95_ms",		"P95MS",	6 },
	{ "p99_ms",		"P99MS",	6 },
	{ "max_ms",		"MAXMS",	7 },
	{ "bytes_per_task",	"B/TASK",	6 },
	{ "max_call_ms",	"CALLMS",	6 },
	{ "queues",		"QUEUES",	6 },
	{ "tqd_hwm_kb",		"TQD_KB",	6 },
	{ "tqtop_hwm_kb",	"TOP_KB",	6 },
	{ "tqtop_refresh_ms",	"REFMS",	6 },
};

static void
result_push(struct bench_result *r, const char *name, double value,
    int decimals, int null)
{
	struct bench_figure	*f;

	if (r->nfig == BENCH_FIGURES_MAX)
		return;
	f = &r->fig[r->nfig++];
	f->name = name;
	f->value = value;
	f->decimals = decimals;
	f->null = null;
}

void
result_init(struct bench_result *r, const char *mode,
    const struct bench_params *p)
{
	double	v[BENCH_NITEMS(param_names)];
	size_t	i;

	memset(r, 0, sizeof *r);
	r->mode = mode;
	r->p = *p;
	v[0] = (double)p->tasks;
	v[1] = p->payload_bytes;
	v[2] = p->concurrency;
	v[3] = p->batch;
	v[4] = p->rate;
	v[5] = p->seconds;
	v[6] = p->prefetch;
	v[7] = p->shared > 0 ? 1 : -1;	/* only when it is one */
	v[8] = p->queues;
	/* Parameters first, then figures: the JSON order. */
	for (i = 0; i < BENCH_NITEMS(param_names); i++) {
		if (v[i] >= 0)
			result_push(r, param_names[i], v[i],
			    v[i] == floor(v[i]) ? 0 : 3, 0);
	}
}

void
result_add(struct bench_result *r, const char *name, double value,
    int decimals)
{
	result_push(r, name, value, decimals, !isfinite(value));
}

void
result_add_null(struct bench_result *r, const char *name)
{
	result_push(r, name, 0, 0, 1);
}

/* Nearest rank: the smallest value with at least q of them at or below. */
double
result_percentile(const double *sorted, size_t n, double q)
{
	size_t	rank;

	if (n == 0)
		return (NAN);
	rank = (size_t)ceil(q * (double)n);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return (sorted[rank - 1]);
}

static const struct bench_figure *
result_find(const struct bench_result *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nfig; i++) {
		if (strcmp(r->fig[i].name, name) == 0)
			return (&r->fig[i]);
	}
	return (NULL);
}

void
report_header(int json)
{
	size_t	i;

	if (json)
		return;
	printf("%-8s", "MODE");
	for (i = 0; i < BENCH_NITEMS(columns); i++)
		printf(" %*s", columns[i].width, columns[i].header);
	printf("\n");
	fflush(stdout);
}

void
report_result(const struct bench_result *r, int json)
{
	const struct bench_figure	*f;
	size_t				 i;

	if (json) {
		printf("{\"mode\":\"%s\"", r->mode);
		for (i = 0; i < r->nfig; i++) {
			f = &r->fig[i];
			if (f->null)
				printf(",\"%s\":null", f->name);
			else
				printf(",\"%s\":%.*f", f->name, f->decimals,
				    f->value);
		}
		printf("}\n");
		fflush(stdout);
		return;
	}
	printf("%-8s", r->mode);
	for (i = 0; i < BENCH_NITEMS(columns); i++) {
		f = result_find(r, columns[i].name);
		if (f == NULL || f->null)
			printf(" %*s", columns[i].width, "-");
		else {
			/* Big numbers need no decimals to be read. */
			printf(" %*.*f", columns[i].width, f->value >= 1000 ?
			    0 : f->decimals, f->value);
		}
	}
	printf("\n");
	fflush(stdout);
}
