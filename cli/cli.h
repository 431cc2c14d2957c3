/*
 * cli.h -- the private header of tq, the command-line client.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tq is a table of subcommands (cmd_table in tq.c), each described by a
 * const struct cmd_entry defined next to its code in cli/cmd-*.c: name,
 * options, argument counts, flags, usage and the function that runs it.
 * tq.c parses the global options, finds the entry, parses the entry's
 * options into a struct cmd_ctx and calls it; "tq help" and usage errors
 * print the usage text from the same entries, and man/tq.1 follows them.
 */

#ifndef CLI_H
#define CLI_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

#include "tq.h"

#define CLI_UNUSED	__attribute__((unused))
#define CLI_PRINTFLIKE(a, b) __attribute__((format(printf, a, b)))
#define CLI_NORETURN	__attribute__((noreturn))

/* Exit statuses; documented in tq(1) and relied on by scripts. */
#define TQ_EXIT_OK	0	/* success */
#define TQ_EXIT_FAIL	1	/* the operation failed or was refused */
#define TQ_EXIT_USAGE	2	/* bad command line or configuration */
#define TQ_EXIT_REDIS	3	/* Redis unreachable or refused us */

/*
 * Options are stored by their getopt value: a short option by its
 * character, a long-only option by a code from CLI_OPT_LONG up, which
 * each cmd-*.c file numbers for itself.
 */
#define CLI_OPT_LONG	256
#define CLI_OPT_MAX	320
#define CLI_OPT_JSON	(CLI_OPT_MAX - 1)	/* --json: all commands */

struct cmd_ctx;

/*
 * One command.  name is one word, or two for a group ("dead ls").  The
 * optstring has no leading ':' or '+': tq.c adds what it needs, and -h,
 * --help and --json, which every command takes.  Arguments are counted
 * after the options are taken out; max_args -1 means any number.
 */
struct cmd_entry {
	const char		*name;
	const char		*optstring;
	const struct option	*longopts;	/* or NULL */
	int			 min_args;
	int			 max_args;
	int			 flags;
#define TQ_CMD_READONLY		0x1	/* changes nothing in Redis */
#define TQ_CMD_DESTRUCTIVE	0x2	/* deletes tasks for good */
#define TQ_CMD_JSON		0x4	/* prints data; --json says how */
	const char		*usage;	/* forms, '\n' between */
	const char		*summary;	/* for tq help */
	int			(*exec)(struct cmd_ctx *);
};

/* What a command runs with. */
struct cmd_ctx {
	const struct cmd_entry	*entry;
	int			 argc;	/* positional arguments */
	char			**argv;
	const char		*opt[CLI_OPT_MAX];	/* last value */
	int			 optset[CLI_OPT_MAX];	/* how often */
	int			 json;	/* --json, before or after */

	/* Global options, for cli_connect. */
	const char		*config_path;	/* -c, or NULL */
	const char		*url;	/* -u, or NULL */
	const char		*ns;	/* -n, or NULL */

	struct tq_client	*client;	/* set by cli_connect */
	struct tq_config	*cfg;	/* the same, kept for reading */
};

/* tq.c */
extern const struct cmd_entry *const cmd_table[];	/* NULL-terminated */
/* Load the configuration, apply -u and -n, connect: 0 or an exit status
 * (after printing why). */
int		 cli_connect(struct cmd_ctx *ctx);
/* The exit status for a libtq error: 3 for Redis, 2 config, else 1. */
int		 cli_status(const struct tq_error *err);
/* Print "tq: [CMD: ]message" for err; returns cli_status(err). */
int		 cli_error(struct cmd_ctx *ctx, const struct tq_error *err);
/* Print "tq: CMD: message" and the command's usage; returns 2. */
int		 cli_usage_error(struct cmd_ctx *ctx, const char *fmt, ...)
		     CLI_PRINTFLIKE(2, 3);
/* Print "tq: message" on stderr. */
void		 cli_warn(const char *fmt, ...) CLI_PRINTFLIKE(1, 2);
/* "30", "1.5", "500ms", "2h" (ms s m h d) into whole ms; 0 or -1. */
int		 cli_parse_duration(const char *s, int64_t *ms);
/* Seconds with a fraction ("1764305133.25") into ms, rounded down. */
int		 cli_parse_seconds(const char *s, int64_t *ms);
/* A decimal integer in [min, max]; 0 or -1. */
int		 cli_parse_int(const char *s, long long min, long long max,
		     long long *out);
/* ISO 8601 UTC with ms, or "-" for 0, into buf; returns buf. */
const char	*cli_time(int64_t ms, char *buf, size_t len);
/* Up to max bytes of s, control characters escaped, "..." if cut, into
 * buf of at least 4 * max + 8 bytes; returns buf. */
const char	*cli_escape(const char *s, size_t max, char *buf,
		     size_t len);
/* Print json on one line and free it; returns 0. */
int		 cli_print_json(cJSON *json);
/* Out of memory: one line on stderr, exit 1.  Also libtq's OOM hook. */
void		 cli_oom(size_t size) CLI_NORETURN;
/* Allocation as in libtq: never NULL (cli_oom instead). */
void		*xmalloc(size_t size);
void		*xreallocarray(void *ptr, size_t nmemb, size_t size);
char		*xstrdup(const char *s);
char		*xstrndup(const char *s, size_t n);

/* cmd-enqueue.c */
extern const struct cmd_entry cmd_enqueue_entry;

/* cmd-queue.c */
extern const struct cmd_entry cmd_stats_entry;
extern const struct cmd_entry cmd_queues_entry;
extern const struct cmd_entry cmd_pause_entry;
extern const struct cmd_entry cmd_resume_entry;

/* cmd-task.c */
extern const struct cmd_entry cmd_inspect_entry;
extern const struct cmd_entry cmd_result_entry;

/* cmd-dead.c */
extern const struct cmd_entry cmd_dead_ls_entry;
extern const struct cmd_entry cmd_dead_requeue_entry;
extern const struct cmd_entry cmd_dead_purge_entry;

/* cmd-workers.c */
extern const struct cmd_entry cmd_workers_entry;

/* cmd-fsck.c */
extern const struct cmd_entry cmd_fsck_entry;

#endif /* CLI_H */
