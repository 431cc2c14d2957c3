/*
 * tq.c -- the command-line client: global options, the command table,
 * and what every command shares.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * tq [-c FILE] [-u URL] [-n NS] [--json] COMMAND [ARGS] parses its global
 * options (stopping at the command word, so each command parses its own),
 * looks the command up in cmd_table, parses the command's options into a
 * struct cmd_ctx and runs it.  Commands connect through cli_connect once
 * their arguments are known to be good, so a usage error is reported as
 * one (status 2) even when Redis is down.  Every error is one line on
 * stderr, "tq: what and why", and the exit status says what kind of
 * failure it was (see cli.h and tq(1)); scripts depend on both.
 */

#include <sys/types.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#ifndef TQ_SYSCONFDIR
#define TQ_SYSCONFDIR	"/etc"
#endif

#define CLI_WIDTH	79	/* where usage text wraps */

static int	cmd_help_exec(struct cmd_ctx *);

static const struct cmd_entry cmd_help_entry = {
	.name = "help",
	.optstring = "",
	.min_args = 0,
	.max_args = 1,
	.flags = TQ_CMD_READONLY,
	.usage = "[COMMAND]",
	.summary = "Describe every command, or one.",
	.exec = cmd_help_exec,
};

/* Every command, in the order tq help lists them. */
const struct cmd_entry *const cmd_table[] = {
	&cmd_enqueue_entry,
	&cmd_stats_entry,
	&cmd_queues_entry,
	&cmd_workers_entry,
	&cmd_inspect_entry,
	&cmd_result_entry,
	&cmd_dead_ls_entry,
	&cmd_dead_requeue_entry,
	&cmd_dead_purge_entry,
	&cmd_pause_entry,
	&cmd_resume_entry,
	&cmd_fsck_entry,
	&cmd_help_entry,
	NULL
};

static const char cli_global_usage[] =
    "[-c FILE] [-u URL] [-n NAMESPACE] [--json] COMMAND [ARGS]";

/* ------------------------------------------------------------------ */
/* Memory: the same contract as libtq's, with tq's own OOM exit        */
/* ------------------------------------------------------------------ */

void
cli_oom(size_t size)
{
	/* No stdio buffers: they may need memory we do not have. */
	static const char msg[] = "tq: out of memory\n";

	(void)size;
	(void)write(STDERR_FILENO, msg, sizeof msg - 1);
	_exit(TQ_EXIT_FAIL);
}

void *
xmalloc(size_t size)
{
	void	*p;

	if ((p = malloc(size == 0 ? 1 : size)) == NULL)
		cli_oom(size);
	return (p);
}

void *
xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb != 0 && SIZE_MAX / nmemb < size)
		cli_oom(SIZE_MAX);
	size *= nmemb;
	if ((p = realloc(ptr, size == 0 ? 1 : size)) == NULL)
		cli_oom(size);
	return (p);
}

char *
xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len = strnlen(s, n);

	p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

char *
xstrdup(const char *s)
{
	return (xstrndup(s, strlen(s)));
}

/* ------------------------------------------------------------------ */
/* Errors and usage                                                    */
/* ------------------------------------------------------------------ */

void
cli_warn(const char *fmt, ...)
{
	va_list	ap;

	fputs("tq: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/*
 * Print text after prefix, wrapped at CLI_WIDTH, continuation lines
 * indented by indent.  Words in [ ] stay together so that "[-q QUEUE]"
 * never splits.
 */
static void
cli_wrap(FILE *f, const char *prefix, const char *text, int indent)
{
	const char	*p = text, *start;
	int		 col, depth, len, fresh;

	col = fprintf(f, "%s", prefix);
	/* A prefix of spaces (or none) is an indent, not a word. */
	fresh = prefix[0] == '\0' || prefix[strlen(prefix) - 1] == ' ';
	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		start = p;
		for (depth = 0; *p != '\0' && (*p != ' ' || depth > 0); p++) {
			if (*p == '[')
				depth++;
			else if (*p == ']' && depth > 0)
				depth--;
		}
		len = (int)(p - start);
		if (!fresh && col > indent && col + 1 + len > CLI_WIDTH) {
			fprintf(f, "\n%*s", indent, "");
			col = indent;
			fresh = 1;
		}
		if (!fresh)
			col += fprintf(f, " ");
		col += fprintf(f, "%.*s", len, start);
		fresh = 0;
	}
	fputc('\n', f);
}

/* "usage: tq NAME [--json] USAGE", one line per form in usage. */
static void
cmd_usage(FILE *f, const struct cmd_entry *e, const char *lead)
{
	const char	*form, *nl;
	char		 prefix[128], *line;
	size_t		 len;
	int		 first = 1;

	for (form = e->usage; form != NULL; form = nl != NULL ? nl + 1 : NULL) {
		nl = strchr(form, '\n');
		len = nl != NULL ? (size_t)(nl - form) : strlen(form);
		line = xstrndup(form, len);
		snprintf(prefix, sizeof prefix, "%*s%stq %s%s",
		    first ? 0 : (int)strlen(lead), "", first ? lead : "",
		    e->name, (e->flags & TQ_CMD_JSON) ? " [--json]" : "");
		cli_wrap(f, prefix, line, (int)strlen(lead) + 6);
		free(line);
		first = 0;
	}
}

/* The one-line summary, marked when the command destroys data. */
static void
cmd_summary(FILE *f, const struct cmd_entry *e)
{
	char	buf[256];
	size_t	len = strlen(e->summary);

	if (e->flags & TQ_CMD_DESTRUCTIVE) {
		if (len > 0 && e->summary[len - 1] == '.')
			len--;
		snprintf(buf, sizeof buf, "%.*s (destructive).", (int)len,
		    e->summary);
	} else
		snprintf(buf, sizeof buf, "%s", e->summary);
	cli_wrap(f, "        ", buf, 8);
}

/* The list of every command, built from cmd_table. */
static void
cli_usage(FILE *f)
{
	const struct cmd_entry *const	*ep;
	const struct cmd_entry		*e;

	cli_wrap(f, "usage: tq", cli_global_usage, 10);
	fprintf(f, "       tq -h | --help | --version\n\ncommands:\n");
	for (ep = cmd_table; *ep != NULL; ep++) {
		e = *ep;
		cmd_usage(f, e, "  ");
		cmd_summary(f, e);
	}
	fprintf(f, "\nexit status: 0 success, 1 the operation failed, "
	    "2 usage or configuration\nerror, 3 Redis unreachable.  "
	    "See tq(1).\n");
}

/* Print "tq: CMD: message" and the command's usage; returns 2. */
int
cli_usage_error(struct cmd_ctx *ctx, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "tq: %s: ", ctx->entry->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	cmd_usage(stderr, ctx->entry, "usage: ");
	return (TQ_EXIT_USAGE);
}

/* The exit status for a libtq error. */
int
cli_status(const struct tq_error *err)
{
	switch (err->code) {
	case TQ_ECONN:
	case TQ_ETIMEOUT:
		return (TQ_EXIT_REDIS);
	case TQ_ECONFIG:
		return (TQ_EXIT_USAGE);
	default:
		return (TQ_EXIT_FAIL);
	}
}

/*
 * Report a libtq error and return the exit status it maps to.  Errors
 * that name their subject in full (Redis unreachable, no such task) are
 * printed as they are; the others get the command's name for context.
 */
int
cli_error(struct cmd_ctx *ctx, const struct tq_error *err)
{
	const char	*msg;

	msg = err->msg[0] != '\0' ? err->msg : tq_strerror(err->code);
	switch (err->code) {
	case TQ_ECONN:
	case TQ_ETIMEOUT:
	case TQ_ECONFIG:
	case TQ_ENOTFOUND:
		cli_warn("%s", msg);
		break;
	default:
		cli_warn("%s: %s", ctx->entry->name, msg);
		break;
	}
	return (cli_status(err));
}

/* ------------------------------------------------------------------ */
/* Parsing and formatting values                                       */
/* ------------------------------------------------------------------ */

/*
 * A decimal number with an optional fraction, times unit_ms, exactly:
 * the digits are read as integers so that "0.001" is 1 ms on the nose.
 * A result that is not a whole number of milliseconds is an error unless
 * truncate is set.  *end is left just past the number.
 */
static int
cli_parse_number(const char *s, int64_t unit_ms, int truncate,
    const char **end, int64_t *ms)
{
	int64_t	whole = 0, frac = 0, scale = 1, v;
	int	digits = 0;

	for (; *s >= '0' && *s <= '9'; s++, digits++) {
		if (__builtin_mul_overflow(whole, 10, &whole) ||
		    __builtin_add_overflow(whole, *s - '0', &whole))
			return (-1);
	}
	if (*s == '.') {
		for (s++; *s >= '0' && *s <= '9'; s++, digits++) {
			if (scale < 1000000000) {
				frac = frac * 10 + (*s - '0');
				scale *= 10;
			} else if (*s != '0' && !truncate)
				return (-1);	/* finer than we can keep */
		}
	}
	if (digits == 0)
		return (-1);
	if (__builtin_mul_overflow(whole, unit_ms, &v))
		return (-1);
	/* frac < 1e9 and unit_ms <= 1 day: the product fits. */
	if (!truncate && (frac * unit_ms) % scale != 0)
		return (-1);
	if (__builtin_add_overflow(v, frac * unit_ms / scale, &v))
		return (-1);
	*end = s;
	*ms = v;
	return (0);
}

/*
 * A duration as tq writes it elsewhere: "30" or "1.5" (seconds), or a
 * number and a unit, ms s m h d ("500ms", "2h").  Never negative; must
 * come to a whole number of milliseconds.
 */
int
cli_parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char	*suffix;
		int64_t		 ms;
	} units[] = {
		{ "", 1000 },
		{ "ms", 1 },
		{ "s", 1000 },
		{ "m", 60 * 1000 },
		{ "h", 3600 * 1000 },
		{ "d", 86400 * 1000 },
	};
	const char	*end;
	size_t		 i, n;
	int64_t		 v;

	/* Find the unit first: it decides how the digits scale. */
	n = strspn(s, "0123456789.");
	for (i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (strcmp(s + n, units[i].suffix) != 0)
			continue;
		if (cli_parse_number(s, units[i].ms, 0, &end, &v) != 0 ||
		    end != s + n)
			return (-1);
		*ms = v;
		return (0);
	}
	return (-1);
}

/* Seconds such as a Unix time, "1764305133.25": ms, finer digits dropped. */
int
cli_parse_seconds(const char *s, int64_t *ms)
{
	const char	*end;

	if (cli_parse_number(s, 1000, 1, &end, ms) != 0 || *end != '\0')
		return (-1);
	return (0);
}

/* A decimal integer in [min, max]. */
int
cli_parse_int(const char *s, long long min, long long max, long long *out)
{
	char		*end;
	long long	 v;

	if (*s == '\0' || (*s != '-' && (*s < '0' || *s > '9')))
		return (-1);
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return (-1);
	*out = v;
	return (0);
}

/* Unix ms as ISO 8601 UTC with milliseconds, or "-" for 0. */
const char *
cli_time(int64_t ms, char *buf, size_t len)
{
	struct tm	tm;
	time_t		t;
	size_t		n;
	int64_t		frac;

	if (ms <= 0) {
		snprintf(buf, len, "-");
		return (buf);
	}
	t = (time_t)(ms / 1000);
	frac = ms % 1000;
	if (gmtime_r(&t, &tm) == NULL ||
	    (n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm)) == 0) {
		snprintf(buf, len, "%lld", (long long)ms);
		return (buf);
	}
	snprintf(buf + n, len - n, ".%03dZ", (int)frac);
	return (buf);
}

/*
 * s made safe for one line of a table: control characters escaped, at
 * most max bytes of s shown (then "..."), never cutting a UTF-8 sequence.
 * buf needs at least 4 * max + 8 bytes.
 */
const char *
cli_escape(const char *s, size_t max, char *buf, size_t len)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 o = 0, i;

	if (s == NULL)
		s = "";
	for (i = 0; p[i] != '\0'; i++) {
		if (i >= max) {
			/* Drop a partly copied UTF-8 sequence (1:1 bytes). */
			if ((p[i] & 0xc0) == 0x80) {
				while (i > 0 && (p[i - 1] & 0xc0) == 0x80) {
					i--;
					o--;
				}
				if (i > 0 && p[i - 1] >= 0xc0) {
					i--;
					o--;
				}
			}
			break;
		}
		if (o + 8 > len)
			break;
		if (p[i] == '\n')
			o += (size_t)snprintf(buf + o, len - o, "\\n");
		else if (p[i] == '\t')
			o += (size_t)snprintf(buf + o, len - o, "\\t");
		else if (p[i] < 0x20 || p[i] == 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x",
			    p[i]);
		else
			buf[o++] = (char)p[i];
	}
	if (p[i] != '\0' && o + 4 <= len) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o < len ? o : len - 1] = '\0';
	return (buf);
}

/* The length of the UTF-8 sequence (RFC 3629) at p, or 0 if invalid. */
static size_t
cli_utf8_len(const unsigned char *p)
{
	unsigned char	lo = 0x80, hi = 0xbf;
	size_t		n, i;

	if (p[0] < 0x80)
		return (1);
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		n = 2;
	else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		n = 3;
		if (p[0] == 0xe0)
			lo = 0xa0;	/* overlong */
		else if (p[0] == 0xed)
			hi = 0x9f;	/* surrogates */
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		n = 4;
		if (p[0] == 0xf0)
			lo = 0x90;
		else if (p[0] == 0xf4)
			hi = 0x8f;	/* above U+10FFFF */
	} else
		return (0);
	if (p[1] < lo || p[1] > hi)
		return (0);
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return (0);
	return (n);
}

/*
 * Print json on one line of stdout and free it; 0, or 1 on failure.
 * Strings from Redis may hold bytes that are not UTF-8 (another program
 * wrote them; cJSON passes them through), which would make the output
 * invalid JSON for its reader: each such byte becomes \ufffd.  They can
 * only be inside strings, as everything else cJSON prints is ASCII.
 */
int
cli_print_json(cJSON *json)
{
	unsigned char	*p, *run;
	char		*text;
	size_t		 n;

	text = cJSON_PrintUnformatted(json);
	cJSON_Delete(json);
	if (text == NULL)
		cli_oom(0);	/* cJSON fails only for want of memory */
	for (run = p = (unsigned char *)text; *p != '\0'; p += n) {
		if ((n = cli_utf8_len(p)) != 0)
			continue;
		fwrite(run, 1, (size_t)(p - run), stdout);
		fputs("\\ufffd", stdout);
		run = p + 1;
		n = 1;
	}
	fwrite(run, 1, (size_t)(p - run), stdout);
	putchar('\n');
	cJSON_free(text);
	return (TQ_EXIT_OK);
}

/* ------------------------------------------------------------------ */
/* Connecting                                                          */
/* ------------------------------------------------------------------ */

/* A variable's value, or NULL when it is unset or empty. */
static const char *
cli_getenv(const char *name)
{
	const char	*v = getenv(name);

	return (v != NULL && *v != '\0' ? v : NULL);
}

/* Print what loading the configuration noted (a readable password). */
static void
cli_config_warnings(const struct tq_config *cfg)
{
	const char	*w;
	size_t		 i;

	for (i = 0; (w = tq_config_warning(cfg, i)) != NULL; i++)
		cli_warn("warning: %s", w);
}

/*
 * A -u URL, copied; the argument itself loses its password at once, since
 * ps(1) shows every user the command lines of every process.
 */
static char *
cli_url_arg(char *arg)
{
	char	*url = xstrdup(arg);

	if (tq_url_scrub(arg))
		cli_warn("warning: -u: a password on the command line can be "
		    "seen by other users; use password_file (tq.conf(5)) or "
		    "$TQ_REDIS_URL");
	return (url);
}

/*
 * Build the configuration (-c, else $TQ_CONFIG, else the system file if
 * there is one; then -u over $TQ_REDIS_URL over the file's [redis]; -n
 * over redis.namespace) and connect.  Returns 0, or the exit status after
 * printing why.
 */
int
cli_connect(struct cmd_ctx *ctx)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	const char		*path, *url, *what;
	int			 rc = TQ_EXIT_USAGE;

	tq_error_clear(&err);
	cfg = tq_config_new();
	if ((path = ctx->config_path) == NULL &&
	    (path = cli_getenv("TQ_CONFIG")) == NULL &&
	    access(TQ_SYSCONFDIR "/tq.conf", F_OK) == 0)
		path = TQ_SYSCONFDIR "/tq.conf";
	if (path != NULL && tq_config_load(cfg, path, &err) != 0) {
		cli_warn("%s", err.msg);
		goto out;
	}
	cli_config_warnings(cfg);

	what = "-u";
	if ((url = ctx->url) == NULL && (url = cli_getenv("TQ_REDIS_URL")))
		what = "TQ_REDIS_URL";
	if (url != NULL && tq_config_set_url(cfg, url, &err) != 0) {
		/* libtq's URL messages never repeat the password. */
		cli_warn("%s: %s", what, err.msg);
		goto out;
	}
	if (ctx->ns != NULL &&
	    tq_config_set(cfg, "redis", "namespace", ctx->ns, &err) != 0) {
		cli_warn("--namespace: %s", err.msg);
		goto out;
	}

	if ((ctx->client = tq_client_new(cfg, &err)) == NULL) {
		rc = cli_error(ctx, &err);
		goto out;
	}
	rc = TQ_EXIT_OK;
	ctx->cfg = cfg;
	cfg = NULL;
out:
	tq_config_free(cfg);
	return (rc);
}

/* ------------------------------------------------------------------ */
/* The command table                                                   */
/* ------------------------------------------------------------------ */

/* Whether word is the first (or second) word of e's name. */
static int
cmd_word(const struct cmd_entry *e, int second, const char *word)
{
	const char	*name = e->name, *sp = strchr(name, ' ');
	size_t		 len;

	if (second) {
		if (sp == NULL)
			return (0);
		return (strcmp(sp + 1, word) == 0);
	}
	len = sp != NULL ? (size_t)(sp - name) : strlen(name);
	return (strlen(word) == len && strncmp(name, word, len) == 0);
}

/*
 * The entry named by argv ("stats", or "dead" and "ls"), setting *words to
 * how many words its name took; NULL (after a message) if there is none.
 */
static const struct cmd_entry *
cmd_find(int argc, char **argv, int *words)
{
	const struct cmd_entry *const	*ep;
	int				 group = 0;
	char				 subs[128];

	subs[0] = '\0';
	for (ep = cmd_table; *ep != NULL; ep++) {
		if (!cmd_word(*ep, 0, argv[0]))
			continue;
		if (strchr((*ep)->name, ' ') == NULL) {
			*words = 1;
			return (*ep);
		}
		group = 1;
		if (argc > 1 && cmd_word(*ep, 1, argv[1])) {
			*words = 2;
			return (*ep);
		}
		if (strlen(subs) + 32 < sizeof subs) {
			strcat(subs, subs[0] != '\0' ? ", " : "");
			strcat(subs, strchr((*ep)->name, ' ') + 1);
		}
	}
	if (group && argc > 1)
		cli_warn("%s: unknown command '%s' (expected %s)", argv[0],
		    argv[1], subs);
	else if (group)
		cli_warn("%s: expected a command: %s", argv[0], subs);
	else
		cli_warn("unknown command '%s' (tq help lists them)", argv[0]);
	return (NULL);
}

/*
 * Parse the command's options (argv[0] is its last name word) into ctx:
 * each command has its own options plus --json and -h/--help.  Options
 * and arguments may be mixed; "--" ends the options.  Returns -1 to go
 * on, else an exit status.
 */
static int
cmd_parse(struct cmd_ctx *ctx, int argc, char **argv)
{
	const struct cmd_entry	*e = ctx->entry;
	struct option		 longopts[32];
	char			 optstring[64];
	size_t			 n = 0;
	int			 ch;

	if (e->longopts != NULL) {
		for (; e->longopts[n].name != NULL; n++) {
			if (n >= sizeof longopts / sizeof longopts[0] - 3)
				abort();	/* the table is ours: a bug */
			longopts[n] = e->longopts[n];
		}
	}
	longopts[n++] = (struct option){ "json", no_argument, NULL,
	    CLI_OPT_JSON };
	longopts[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	longopts[n] = (struct option){ NULL, 0, NULL, 0 };
	if ((size_t)snprintf(optstring, sizeof optstring, ":h%s",
	    e->optstring) >= sizeof optstring)
		abort();

	optind = 0;	/* glibc: start over, argv is a new vector */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, optstring, longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'h':
			cmd_usage(stdout, e, "usage: ");
			return (TQ_EXIT_OK);
		case '?':
			if (optopt != 0)
				return (cli_usage_error(ctx,
				    "unknown option -%c", optopt));
			return (cli_usage_error(ctx, "unknown option %s",
			    argv[optind - 1]));
		case ':':
			if (strncmp(argv[optind - 1], "--", 2) != 0)
				return (cli_usage_error(ctx,
				    "option -%c needs a value", optopt));
			return (cli_usage_error(ctx, "option %s needs a value",
			    argv[optind - 1]));
		default:
			if (ch < 0 || ch >= CLI_OPT_MAX)
				abort();
			ctx->opt[ch] = optarg;
			ctx->optset[ch]++;
			break;
		}
	}
	ctx->argc = argc - optind;
	ctx->argv = argv + optind;
	if (ctx->optset[CLI_OPT_JSON])
		ctx->json = 1;
	if (ctx->argc < e->min_args)
		return (cli_usage_error(ctx, "too few arguments"));
	if (e->max_args >= 0 && ctx->argc > e->max_args)
		return (cli_usage_error(ctx, "too many arguments"));
	return (-1);
}

/* tq help [COMMAND]: the usage list, or the forms of one command. */
static int
cmd_help_exec(struct cmd_ctx *ctx)
{
	const struct cmd_entry *const	*ep;
	int				 found = 0;

	if (ctx->argc == 0) {
		cli_usage(stdout);
		return (TQ_EXIT_OK);
	}
	for (ep = cmd_table; *ep != NULL; ep++) {
		if (!cmd_word(*ep, 0, ctx->argv[0]))
			continue;
		cmd_usage(stdout, *ep, "usage: ");
		cmd_summary(stdout, *ep);
		found = 1;
	}
	if (!found) {
		cli_warn("help: unknown command '%s'", ctx->argv[0]);
		return (TQ_EXIT_USAGE);
	}
	return (TQ_EXIT_OK);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "url", required_argument, NULL, 'u' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct cmd_ctx	 ctx;	/* large; zeroed */
	static char		*url;	/* a copy of -u's */
	const char		*config = NULL, *ns = NULL;
	int			 ch, json = 0, words, rc;

	tq_set_oom_handler(cli_oom);

	/* "+": stop at the command; its options are its own. */
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:c:u:n:h", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'u':
			free(url);
			url = cli_url_arg(optarg);
			break;
		case 'n':
			ns = optarg;
			break;
		case 'J':
			json = 1;
			break;
		case 'h':
			cli_usage(stdout);
			return (TQ_EXIT_OK);
		case 'V':
			printf("tq %s\n", TQ_VERSION);
			return (TQ_EXIT_OK);
		case ':':
			if (optopt != 0)
				cli_warn("option -%c needs a value", optopt);
			else
				cli_warn("option %s needs a value",
				    argv[optind - 1]);
			return (TQ_EXIT_USAGE);
		default:
			if (optopt != 0)
				cli_warn("unknown option -%c", optopt);
			else
				cli_warn("unknown option %s",
				    argv[optind - 1]);
			cli_wrap(stderr, "usage: tq", cli_global_usage, 10);
			return (TQ_EXIT_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		cli_usage(stderr);
		return (TQ_EXIT_USAGE);
	}

	if ((ctx.entry = cmd_find(argc, argv, &words)) == NULL)
		return (TQ_EXIT_USAGE);
	ctx.config_path = config;
	ctx.url = url;
	ctx.ns = ns;
	ctx.json = json;
	if ((rc = cmd_parse(&ctx, argc - words + 1, argv + words - 1)) >= 0)
		return (rc);

	rc = ctx.entry->exec(&ctx);
	tq_client_free(ctx.client);
	tq_config_free(ctx.cfg);

	/* Output that did not reach its reader is a failure too. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_warn("standard output: %s", strerror(errno));
		if (rc == TQ_EXIT_OK)
			rc = TQ_EXIT_FAIL;
	}
	return (rc);
}
