/*
 * tqworker.h -- the private header of tqworker.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tqworker serves tq queues by running a shell command per task, so that
 * a program in any language can consume tasks: tqworker.c parses the
 * command line, sets up the libtq worker runtime, the signals and the
 * log; exec.c is the handler that runs one task's command in a child
 * process and turns its exit into the task's outcome.
 */

#ifndef TQWORKER_H
#define TQWORKER_H

#include <stddef.h>
#include <stdint.h>

#include "tq.h"

#define TQW_UNUSED	__attribute__((unused))
#define TQW_PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))
#define TQW_NORETURN	__attribute__((noreturn))

/* Exit statuses; documented in tqworker(1). */
#define TQW_EXIT_OK	0	/* stopped gracefully */
#define TQW_EXIT_FAIL	1	/* the worker could not start */
#define TQW_EXIT_USAGE	2	/* bad command line or configuration */

/* Log levels, as the worker runtime's log sink numbers them. */
#define TQW_LOG_ERROR	0
#define TQW_LOG_WARN	1
#define TQW_LOG_INFO	2
#define TQW_LOG_DEBUG	3

/* The exit status of a command that means "do not retry". */
#define EXEC_EXIT_PERMANENT	100

/* What every exec handler shares; set up before the worker runs. */
struct exec_conf {
	char		**env;		/* the worker's environment,
					   but the TQ_* task variables */
	size_t		  nenv;
	int64_t		  timeout_ms;	/* --timeout; 0: none */
};

/* One --exec TYPE=COMMAND (type NULL: --exec-default). */
struct exec_cmd {
	char			*type;
	char			*command;
	const struct exec_conf	*conf;
};

/* tqworker.c */
extern int	 log_level;
void		 log_msg(int level, const char *fmt, ...)
		     TQW_PRINTFLIKE(2, 3);
void		*xmalloc(size_t size);
void		*xreallocarray(void *ptr, size_t nmemb, size_t size);
char		*xstrdup(const char *s);
char		*xasprintf(const char *fmt, ...) TQW_PRINTFLIKE(1, 2);

/* exec.c */
void		 exec_conf_init(struct exec_conf *conf, char *const *env,
		     int64_t timeout_ms);
void		 exec_conf_done(struct exec_conf *conf);
enum tq_outcome	 exec_handler(struct tq_job *job, void *arg);

#endif /* TQWORKER_H */
