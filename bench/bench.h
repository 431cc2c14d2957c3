/*
 * bench.h -- the private header of tq-bench.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tq-bench measures libtq against a real Redis: producer throughput
 * (enqueue), worker throughput (process), pickup latency under a steady
 * load (latency), the Redis memory a waiting task costs (memory) and
 * the promotion of due delayed tasks (promote), and the resident memory
 * of tqd and tqtop watching many queues (rss).  tq-bench.c reads the
 * command line and runs the modes from one table; load.c holds the
 * producer side (enqueue, memory, promote), drain.c the worker side
 * (process, latency), rss.c the memory of tqd and tqtop (rss), side.c
 * a plain hiredis connection for what libtq does not offer (cleaning the
 * namespace, INFO, SLOWLOG), and report.c prints results as a table or
 * as JSON lines.
 */

#ifndef BENCH_H
#define BENCH_H

#include <stddef.h>
#include <stdint.h>

#include "tq.h"

#define BENCH_UNUSED	__attribute__((unused))
#define BENCH_PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))
#define BENCH_NORETURN	__attribute__((noreturn))

#define BENCH_NITEMS(a)	(sizeof (a) / sizeof (a)[0])

#define BENCH_NS	"tqbench"	/* the default namespace */
#define BENCH_QUEUE	"bench"		/* queue and task type of every task */
#define BENCH_LOAD_BATCH 1000		/* tasks per batch when pre-loading */
#define BENCH_QUEUES_MAX 256		/* process --queues */

/* Exit statuses, as every tq program. */
#define BENCH_EXIT_OK		0
#define BENCH_EXIT_FAIL		1
#define BENCH_EXIT_USAGE	2
#define BENCH_EXIT_CONN		3

/* The parameters of one run; -1 (or < 0) means "the mode's default". */
struct bench_params {
	long long	 tasks;
	int		 payload_bytes;
	int		 concurrency;
	int		 batch;
	double		 rate;		/* tasks per second */
	double		 seconds;
	int		 prefetch;	/* worker pools: tq_worker_opts */
	int		 shared;	/* enqueue: 1, one tq_producer */
	int		 queues;	/* rss; process: tasks spread over */
};

/* One figure of a result, as JSON names it. */
struct bench_figure {
	const char	*name;
	double		 value;
	int		 decimals;
	int		 null;		/* unknown: JSON null, table "-" */
};

#define BENCH_FIGURES_MAX	16

/* What one run measured; parameters that do not apply are < 0. */
struct bench_result {
	const char		*mode;
	struct bench_params	 p;
	struct bench_figure	 fig[BENCH_FIGURES_MAX];
	size_t			 nfig;
};

/* Everything a mode needs. */
struct bench {
	struct tq_config	*cfg;
	struct side		*side;		/* the plain connection */
	const char		*ns;
	int			 verbose;
};

/*
 * CPU time spent by tq-bench itself and by redis-server, read at the
 * start and the end of a timed section: CPU per task is a far steadier
 * figure than tasks per second on a shared machine.
 */
struct bench_cpu {
	double		 self_s;
	double		 redis_s;	/* < 0: INFO failed */
};

/* tq-bench.c */
extern const char	*bench_progname;
void		 bench_warn(const char *fmt, ...) BENCH_PRINTFLIKE(1, 2);
void		 bench_debug(struct bench *b, const char *fmt, ...)
		     BENCH_PRINTFLIKE(2, 3);
int		 bench_fail(const char *what, const struct tq_error *err);
int64_t		 bench_now_ns(void);
void		 bench_sleep_ns(int64_t ns);
void		 bench_sleep_until_ns(int64_t when);
struct tq_client *bench_client(struct bench *b);
void		 bench_cpu_mark(struct bench *b, struct bench_cpu *m);
void		 bench_cpu_report(struct bench *b, const struct bench_cpu *start,
		     long long tasks, struct bench_result *r);
char		*bench_payload(int bytes, long long stamp);
int		 bench_clean(struct bench *b);

/* load.c */
int		 bench_load(struct bench *b, struct tq_client *c, long long n,
		     int payload_bytes, int64_t delay_ms);
int		 bench_load_queue(struct bench *b, struct tq_client *c,
		     const char *queue, long long n, int payload_bytes,
		     int64_t delay_ms);
/* Queue i of n (process --queues): "bench" alone, else "bench.I". */
void		 bench_queue_name(int i, int n, char *buf, size_t len);
long long	 bench_count_queues(struct tq_client *c,
		     const char *const *queues, size_t n, const char *what);
long long	 bench_count(struct bench *b, struct tq_client *c,
		     const char *what);
int		 mode_enqueue(struct bench *b, const struct bench_params *p,
		     struct bench_result *r);
int		 mode_memory(struct bench *b, const struct bench_params *p,
		     struct bench_result *r);
int		 mode_promote(struct bench *b, const struct bench_params *p,
		     struct bench_result *r);

/* drain.c */
int		 mode_process(struct bench *b, const struct bench_params *p,
		     struct bench_result *r);
int		 mode_latency(struct bench *b, const struct bench_params *p,
		     struct bench_result *r);

/* rss.c */
int		 mode_rss(struct bench *b, const struct bench_params *p,
		     struct bench_result *r);

/* side.c */
struct side;
struct side	*side_open(const struct tq_config *cfg, const char *address,
		     struct tq_error *err);
void		 side_close(struct side *s);
int		 side_unlink_prefix(struct side *s, const char *prefix,
		     long long *removed, struct tq_error *err);
int		 side_info_num(struct side *s, const char *section,
		     const char *field, double *out, struct tq_error *err);
int		 side_info_int(struct side *s, const char *section,
		     const char *field, long long *out, struct tq_error *err);
int		 side_memory_usage(struct side *s, const char *key,
		     long long *out, struct tq_error *err);
int		 side_config_get(struct side *s, const char *name, char **out,
		     struct tq_error *err);
int		 side_config_set(struct side *s, const char *name,
		     const char *value, struct tq_error *err);
int		 side_slowlog_reset(struct side *s, struct tq_error *err);
int		 side_slowlog_max_us(struct side *s, const char *prefix,
		     long long *max_us, long long *count, struct tq_error *err);

/* report.c */
void		 result_init(struct bench_result *r, const char *mode,
		     const struct bench_params *p);
void		 result_add(struct bench_result *r, const char *name,
		     double value, int decimals);
void		 result_add_null(struct bench_result *r, const char *name);
double		 result_percentile(const double *sorted, size_t n, double q);
void		 report_header(int json);
void		 report_result(const struct bench_result *r, int json);

#endif /* BENCH_H */
