/*
 * tqd.h -- the private header of tqd, the tq admin daemon.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tqd is one thread running one poll(2) loop (loop.c) with repeating
 * timers.  Each timer is a job (jobs.c): take or renew the leader lease,
 * promote due tasks, reclaim expired leases, pass over every queue
 * (retention, stale workers, stuck queues), fire periodic tasks (cron.c)
 * and write the metrics file (metrics.c).  Signal handlers only set flags
 * (signal.c).  [schedule NAME] sections are read by schedule.c.  All
 * state lives in Redis; tqd can be killed at any instant and restarted,
 * and several can run at once.
 */

#ifndef TQD_H
#define TQD_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "tq.h"

#define TQD_UNUSED	__attribute__((unused))
#define TQD_PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))
#define TQD_NORETURN	__attribute__((noreturn))

/* Log levels, as each -v raises them. */
enum {
	TQD_LOG_ERROR,
	TQD_LOG_WARN,
	TQD_LOG_INFO,
	TQD_LOG_DEBUG,
};

/* A parsed cron specification (cron.c). */
struct cron {
	uint64_t	 minute;	/* bit n: minute n matches */
	uint32_t	 hour;
	uint32_t	 mday;		/* bits 1..31 */
	uint16_t	 month;		/* bits 1..12 */
	uint8_t		 wday;		/* bits 0..6, Sunday 0 */
	int		 dom_star;	/* day-of-month field was '*' */
	int		 dow_star;	/* day-of-week field was '*' */
	int64_t		 every_ms;	/* @every: interval; else 0 */
};

/* One [schedule NAME] section, validated. */
struct tqd_schedule {
	char		*name;
	struct cron	 cron;
	char		*tz;
	char		*type;
	char		*queue;
	char		*payload;
	int		 priority;
	int		 max_retries;
	int		 timeout_s;
	int64_t		 misfire_ms;
	int64_t		 last_ms;	/* last occurrence fired (wall) */
	int64_t		 next_ms;	/* next occurrence (wall); 0: unknown */
};

/* Per-queue observations kept between passes. */
struct tqd_queue {
	char		*name;
	int64_t		 stuck_since;	/* monotonic ms; 0: not stuck */
	int		 stuck;		/* for stuck_after: tq_queue_stuck 1 */
	int		 stuck_warned;	/* and the leader said so */
	long long	 sweep;		/* cursor of the unleased sweep */
};

/* A job on a repeating timer. */
struct tqd;
typedef void (*tqd_job_fn)(struct tqd *);
struct tqd_timer {
	const char	*name;
	tqd_job_fn	 fn;
	int64_t		 interval_ms;
	int64_t		 next_ms;	/* monotonic */
	int		 leader_only;
	double		 last_seconds;	/* duration of the last run */
};

struct tqd {
	const char		*cfg_path;	/* NULL: defaults only */
	const char		*url;		/* -u or $TQ_REDIS_URL */
	const char		*ns;		/* -n */
	struct tq_config	*cfg;
	struct tq_client	*c;
	char			 id[TQ_NAME_MAX + 1];

	/*
	 * The fence of the leader lease: leader work is done only while
	 * the monotonic clock is short of leader_until, a margin before the
	 * lease taken at renewed_ms (when the renewal that worked was sent)
	 * can have expired in Redis.  A tqd frozen past it does nothing as
	 * leader until a renewal says it still is.
	 */
	int			 leader;
	long long		 epoch;
	int64_t			 leader_until;	/* monotonic ms */
	int64_t			 renewed_ms;	/* monotonic ms */
	int			 redis_down;
	int			 again;		/* the job that ran has more to do */
	int64_t			 sooner_ms;	/* or again in this; -1: no */
	struct tq_due_watch	*watch;		/* the promote job's wake-ups */
	int			 watch_failed;	/* the last subscribe failed */
	int			 marker_checked;
	int			 server_checked; /* since the link came up */

	/*
	 * The last errors logged (not the link's), so that one a damaged
	 * queue causes on every tick is logged once a minute, not 20
	 * times a second.
	 */
#define TQD_RECENT_ERRORS	8
	struct {
		char		 msg[384];
		int64_t		 at_ms;		/* monotonic; 0: free */
		long long	 repeats;	/* since it was logged */
	}			 recent[TQD_RECENT_ERRORS];

	struct tqd_queue	*queues;
	size_t			 nqueues;
	struct tqd_schedule	*sched;
	size_t			 nsched;

	struct tqd_timer	*timers;
	size_t			 ntimers;
	int64_t			 started_ms;	/* wall */

	char			*pidfile;	/* as written; NULL: none */
	char			*log_file;	/* the log's file; NULL: none */
	int			 log_syslog;	/* the log goes to syslog */
	int			 stderr_fd;	/* stderr as tqd found it */
};

/* tqd.c */
extern int	 tqd_log_level;
void		 tqd_log(int level, const char *fmt, ...) TQD_PRINTFLIKE(2, 3);
TQD_NORETURN void tqd_fatalx(const char *fmt, ...) TQD_PRINTFLIKE(1, 2);
int64_t		 tqd_now(void);
int64_t		 tqd_wall(void);
int		 tqd_redis(struct tqd *d, int rc, const struct tq_error *err,
		     const char *doing);

struct tq_config *tqd_config_read(struct tqd *d, char *errbuf, size_t len);
void		 tqd_check_server(struct tqd *d);
int		 tqd_log_open(struct tqd *d, const struct tq_config *cfg,
		     char *errbuf, size_t len);
int		 tqd_pidfile(struct tqd *d, const char *path, char *errbuf,
		     size_t len);

/* config.c */
void		 config_error(const struct tq_config *cfg, const char *path,
		     const char *section, const char *key, char *errbuf,
		     size_t len, const char *fmt, ...) TQD_PRINTFLIKE(7, 8);

/* schedule.c */
#define SCHEDULE_SLACK_MS	1000	/* lateness that is not a miss */
int		 schedule_load(const struct tq_config *cfg, const char *path,
		     struct tqd_schedule **out, size_t *n, char *errbuf,
		     size_t len);
void		 schedule_free(struct tqd_schedule *s, size_t n);
int		 schedule_due(const struct tqd_schedule *s, int64_t last_ms,
		     int64_t now_ms, int64_t *occurrence_ms);

/* loop.c */
void		 loop_run(struct tqd *d);
int64_t		 loop_timeout(const struct tqd *d, int64_t now);
void		 loop_reset_timers(struct tqd *d);
void		 loop_wake(struct tqd *d, tqd_job_fn fn);

/* signal.c */
extern volatile sig_atomic_t signal_term;
extern volatile sig_atomic_t signal_hup;
extern volatile sig_atomic_t signal_usr1;
void		 signal_init(void);
int		 signal_fd(void);
void		 signal_drain(void);

/* jobs.c */
void		 jobs_init(struct tqd *d);
int		 jobs_leading(struct tqd *d);
void		 jobs_leader(struct tqd *d);
void		 jobs_promote(struct tqd *d);
void		 jobs_reclaim(struct tqd *d);
void		 jobs_scan(struct tqd *d);
void		 jobs_cron(struct tqd *d);
void		 jobs_metrics(struct tqd *d);
void		 jobs_resign(struct tqd *d);
int		 jobs_stats(struct tqd *d, const char *const *names, size_t n,
		     struct tq_queue_stats *st, struct tq_error *err);
void		 jobs_stuck_note(struct tqd *d, struct tqd_queue *q,
		     const struct tq_queue_stats *st,
		     const struct tq_worker_info *w, size_t nw, int64_t now);

/* metrics.c */
int		 metrics_write(struct tqd *d, const char *path);

/* cron.c */
int		 cron_parse(const char *spec, struct cron *out, char *err,
		     size_t errlen);
int64_t		 cron_next(const struct cron *c, int64_t after_ms,
		     const char *tz);
int		 cron_check_tz(const char *tz, char *err, size_t errlen);

#endif /* TQD_H */
