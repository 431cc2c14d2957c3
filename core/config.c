/*
 * config.c -- a configuration: defaults, the INI file, lookups and dump.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A struct tq_config holds a value for every key of the table in
 * config-table.c (the "base", starting from the defaults) plus, for the
 * sections that take a name, one part per [section NAME] holding only
 * the keys that section sets; a lookup of "queue email" falls back from
 * that part to [queue] and so to the default.  Values are kept both as
 * text (for tq_config_str and the dump) and parsed (milliseconds, bytes,
 * 0/1) for tq_config_int.
 *
 * Files are read with inih, through a reader of our own that feeds it
 * one line at a time.  The reader counts lines (the handler of Debian's
 * inih 55 gets no line number), records the full section header (inih
 * cuts section names at 50 bytes, queue names may have 128), strips
 * leading blanks (so an indented line is never taken as the continuation
 * of the value before it) and refuses lines too long for inih's buffer
 * instead of letting it split them.  inih's global settings are never
 * changed: they belong to whoever else in the process uses inih.
 *
 * A file is loaded into a copy that replaces the configuration only when
 * every line was valid, so a bad edit followed by SIGHUP leaves tqd
 * running on what it had.
 *
 * A password in a file that other users can read is not an error (the
 * file may be meant for a group), but it is worth saying: such files are
 * noted as warnings in the configuration, which the programs print, since
 * libtq itself never does.
 */

#include <sys/stat.h>

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <ini.h>

#include "tq-int.h"

#define CONFIG_FILE_MAX		(1024 * 1024)	/* larger is surely a mistake */
#define CONFIG_LINE_MAX		4096	/* longest first line of a file key */
#define CONFIG_WRAP		72	/* column of the dump's comments */
#define CONFIG_LABEL_MAX	(TQ_NAME_MAX + 96)

struct config_value {
	char		*text;	/* as set; NULL: unset (named parts only) */
	long long	 num;	/* the integer, ms, bytes or 0/1 */
	char		*file;	/* file_for keys: the file's first line */
	int		 line;	/* where a file set it; 0: not a file */
};

/* The base (section and name NULL) or one [section NAME]. */
struct config_part {
	char			*section;
	char			*name;
	struct config_value	*v;	/* tq_config_table_size values */
	int			 line;	/* of its [section NAME]; 0: none */
};

struct tq_config {
	struct config_part	 base;	/* every key, always set */
	struct config_part	*named;	/* sorted by section, then name */
	size_t			 nnamed;
	char			**warnings;	/* of the files loaded */
	size_t			 nwarnings;
};

/* Where a section string such as "queue email" points. */
struct config_where {
	const struct tq_config_table_section	*sect;
	const char				*name;	/* or NULL */
	size_t					 namelen;
};

/* State of one tq_config_load. */
struct config_load {
	const char		*path;
	char			*dir;		/* of path; NULL: the cwd */
	const char		*buf;		/* the whole file */
	size_t			 len;
	size_t			 pos;
	int			 line;		/* of the last line read */
	char			*section;	/* "queue email"; NULL: none */
	int			 section_line;	/* of its header */
	int			 failed;	/* line of the first error */
	struct tq_error		 error;		/* and its message */
	struct tq_config	*cfg;		/* the copy being filled */
	mode_t			 mode;		/* of the file */
	int			 secret_line;	/* first password; 0: none */
};

/* A growing string for the dump. */
struct config_buf {
	char	*p;
	size_t	 len;
	size_t	 size;
};

static void	config_printf(struct config_buf *, const char *, ...)
		    TQ_PRINTFLIKE(2, 3);
static void	config_load_fail(struct config_load *, const char *, ...)
		    TQ_PRINTFLIKE(2, 3);
static void	config_warn(struct tq_config *, const char *, ...)
		    TQ_PRINTFLIKE(2, 3);

/* Free a string that may be a password, wiping it first. */
static void
config_wipe(char *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static void
config_value_clear(struct config_value *v)
{
	config_wipe(v->text);
	config_wipe(v->file);
	memset(v, 0, sizeof *v);
}

static void
config_part_done(struct config_part *p)
{
	size_t	i;

	if (p->v != NULL) {
		for (i = 0; i < tq_config_table_size; i++)
			config_value_clear(&p->v[i]);
	}
	free(p->v);
	free(p->section);
	free(p->name);
	memset(p, 0, sizeof *p);
}

static void
config_part_copy(struct config_part *dst, const struct config_part *src)
{
	const struct config_value	*sv;
	size_t				 i;

	dst->section = src->section != NULL ? tq_xstrdup(src->section) : NULL;
	dst->name = src->name != NULL ? tq_xstrdup(src->name) : NULL;
	dst->v = tq_xcalloc(tq_config_table_size, sizeof *dst->v);
	for (i = 0; i < tq_config_table_size; i++) {
		sv = &src->v[i];
		if (sv->text != NULL)
			dst->v[i].text = tq_xstrdup(sv->text);
		if (sv->file != NULL)
			dst->v[i].file = tq_xstrdup(sv->file);
		dst->v[i].num = sv->num;
		dst->v[i].line = sv->line;
	}
	dst->line = src->line;
}

static struct tq_config *
config_copy(const struct tq_config *src)
{
	struct tq_config	*cfg;
	size_t			 i;

	cfg = tq_xcalloc(1, sizeof *cfg);
	config_part_copy(&cfg->base, &src->base);
	if (src->nnamed != 0) {
		cfg->named = tq_xcalloc(src->nnamed, sizeof *cfg->named);
		for (i = 0; i < src->nnamed; i++)
			config_part_copy(&cfg->named[i], &src->named[i]);
	}
	cfg->nnamed = src->nnamed;
	if (src->nwarnings != 0) {
		cfg->warnings = tq_xreallocarray(NULL, src->nwarnings,
		    sizeof *cfg->warnings);
		for (i = 0; i < src->nwarnings; i++)
			cfg->warnings[i] = tq_xstrdup(src->warnings[i]);
	}
	cfg->nwarnings = src->nwarnings;
	return (cfg);
}

/*
 * Split section ("queue", "queue email") and find it in the table.  With
 * check, the name must be allowed and valid (a file or tq_config_set);
 * without, only the section must exist (a lookup: any name falls back).
 */
static int
config_where(const char *section, struct config_where *w, int check,
    struct tq_error *err)
{
	const struct tq_config_table_section	*sect;
	const char				*p, *end;
	char					 base[32], *tmp, what[48];
	size_t					 len;
	int					 rc;

	memset(w, 0, sizeof *w);
	while (isspace((unsigned char)*section))
		section++;
	len = strcspn(section, " \t");
	p = section + len;
	while (isspace((unsigned char)*p))
		p++;
	if (*p != '\0') {
		end = p + strlen(p);
		while (isspace((unsigned char)end[-1]))
			end--;
		w->name = p;
		w->namelen = (size_t)(end - p);
	}
	sect = NULL;
	if (len < sizeof base) {
		memcpy(base, section, len);
		base[len] = '\0';
		sect = tq_config_table_section(base);
	}
	if (sect == NULL) {
		tq_error_set(err, TQ_ECONFIG, "[%.*s]: unknown section",
		    len > 64 ? 64 : (int)len, section);
		return (-1);
	}
	w->sect = sect;
	if (w->name != NULL && (sect->flags & TQ_CONFIG_NAMED) == 0) {
		tq_error_set(err, TQ_ECONFIG, "[%s %.*s]: section [%s] takes "
		    "no name", sect->name, w->namelen > 64 ? 64 :
		    (int)w->namelen, w->name, sect->name);
		return (-1);
	}
	if (!check)
		return (0);
	if (w->name == NULL && (sect->flags & TQ_CONFIG_NAME_REQUIRED)) {
		tq_error_set(err, TQ_ECONFIG, "[%s]: section needs a name, as "
		    "in [%s NAME]", sect->name, sect->name);
		return (-1);
	}
	if (w->name != NULL) {
		tmp = tq_xstrndup(w->name, w->namelen);
		snprintf(what, sizeof what, "%s name", sect->name);
		rc = tq_config_table_check_name(what, tmp, err);
		free(tmp);
		if (rc != 0) {
			tq_error_prefix(err, "[%s %.*s]", sect->name,
			    w->namelen > 64 ? 64 : (int)w->namelen, w->name);
			return (-1);
		}
	}
	return (0);
}

/* Order of named parts: section, then name. */
static int
config_part_cmp(const struct config_part *p, const char *section,
    const char *name, size_t namelen)
{
	int	cmp;

	if ((cmp = strcmp(p->section, section)) != 0)
		return (cmp);
	if ((cmp = strncmp(p->name, name, namelen)) != 0)
		return (cmp);
	return (p->name[namelen] != '\0');
}

/* The part of where, or NULL; *pos gets where it would be inserted. */
static struct config_part *
config_part_find(const struct tq_config *cfg, const struct config_where *w,
    size_t *pos)
{
	size_t	i;
	int	cmp;

	for (i = 0; i < cfg->nnamed; i++) {
		cmp = config_part_cmp(&cfg->named[i], w->sect->name, w->name,
		    w->namelen);
		if (cmp == 0) {
			*pos = i;
			return (&cfg->named[i]);
		}
		if (cmp > 0)
			break;
	}
	*pos = i;
	return (NULL);
}

static struct config_part *
config_part_get(struct tq_config *cfg, const struct config_where *w)
{
	struct config_part	*p;
	size_t			 pos;

	if ((p = config_part_find(cfg, w, &pos)) != NULL)
		return (p);
	cfg->named = tq_xreallocarray(cfg->named, cfg->nnamed + 1,
	    sizeof *cfg->named);
	memmove(&cfg->named[pos + 1], &cfg->named[pos],
	    (cfg->nnamed - pos) * sizeof *cfg->named);
	cfg->nnamed++;
	p = &cfg->named[pos];
	p->section = tq_xstrdup(w->sect->name);
	p->name = tq_xstrndup(w->name, w->namelen);
	p->v = tq_xcalloc(tq_config_table_size, sizeof *p->v);
	p->line = 0;
	return (p);
}

/* The effective value of entry e for where: its part, else the base. */
static const struct config_value *
config_value(const struct tq_config *cfg, const struct config_where *w,
    const struct tq_config_table_entry *e)
{
	const struct config_part	*p;
	size_t				 i, pos;

	i = (size_t)(e - tq_config_table);
	if (w->name != NULL && (p = config_part_find(cfg, w, &pos)) != NULL &&
	    p->v[i].text != NULL)
		return (&p->v[i]);
	return (&cfg->base.v[i]);
}

/* Look key up for a getter: unknown sections and keys are bugs. */
static const struct config_value *
config_lookup(const struct tq_config *cfg, const char *section,
    const char *key, struct config_where *w,
    const struct tq_config_table_entry **ep)
{
	const struct tq_config_table_entry	*e = NULL;

	if (config_where(section, w, 0, NULL) == 0)
		e = tq_config_table_find(w->sect->name, key);
	if (e == NULL) {
		assert(!"configuration key not in the table");
		abort();
	}
	*ep = e;
	return (config_value(cfg, w, e));
}

/*
 * The first line of path (for keys like password_file), without its
 * newline, as a new string; *mode (if not NULL) gets the file's mode, of
 * the very file read.  Errors name the file, never its content.
 */
static int
config_read_line(const char *path, char **out, mode_t *mode,
    struct tq_error *err)
{
	struct stat	 sb;
	char		 buf[CONFIG_LINE_MAX + 2];
	size_t		 len = 0;
	ssize_t		 n;
	int		 fd, saved, rc = -1;
	char		*nl;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		tq_error_set(err, TQ_ECONFIG, "cannot read '%.128s': %s",
		    path, strerror(errno));
		return (-1);
	}
	if (mode != NULL)
		*mode = fstat(fd, &sb) == 0 ? sb.st_mode : 0;
	while (len < sizeof buf - 1) {
		n = read(fd, buf + len, sizeof buf - 1 - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			tq_error_set(err, TQ_ECONFIG,
			    "cannot read '%.128s': %s", path,
			    strerror(saved));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (memchr(buf + len - (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	if ((nl = memchr(buf, '\n', len)) != NULL)
		len = (size_t)(nl - buf);
	else if (len == sizeof buf - 1) {
		tq_error_set(err, TQ_ECONFIG, "the first line of '%.128s' is "
		    "longer than %d bytes", path, CONFIG_LINE_MAX);
		goto out;
	}
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	if (len == 0) {
		tq_error_set(err, TQ_ECONFIG, "the first line of '%.128s' is "
		    "empty", path);
		goto out;
	}
	if (memchr(buf, '\0', len) != NULL) {
		tq_error_set(err, TQ_ECONFIG, "'%.128s' holds a NUL byte",
		    path);
		goto out;
	}
	*out = tq_xstrndup(buf, len);
	rc = 0;
out:
	explicit_bzero(buf, sizeof buf);
	close(fd);
	return (rc);
}

static int
config_parse_bool(const char *s, long long *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t			 i;

	for (i = 0; i < TQ_NITEMS(yes); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = 1;
			return (0);
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = 0;
			return (0);
		}
	}
	return (-1);
}

/* Check v (ms or bytes, read from text) against e's range. */
static int
config_range(const struct tq_config_table_entry *e, const char *text,
    long long v, struct tq_error *err)
{
	const char	*(*fmt)(int64_t, char *, size_t);
	char		 buf[32];

	fmt = e->type == TQ_CONFIG_SIZE ? tq_format_size : tq_format_duration;
	if (v > e->max) {
		tq_error_set(err, TQ_ECONFIG, "%.64s is above the maximum %s",
		    text, fmt(e->max, buf, sizeof buf));
		return (-1);
	}
	if (v < e->min) {
		tq_error_set(err, TQ_ECONFIG, "%.64s is below the minimum %s",
		    text, fmt(e->min, buf, sizeof buf));
		return (-1);
	}
	return (0);
}

/*
 * Parse text as the value of e into *nv (new strings).  A relative file
 * name is taken relative to dir when dir is not NULL; the mode of a file
 * read goes to *mode when mode is not NULL.  Messages do not name the
 * key; the caller adds it.
 */
static int
config_parse(const struct tq_config_table_entry *e, const char *text,
    const char *dir, struct config_value *nv, mode_t *mode,
    struct tq_error *err)
{
	const char	*p;
	char		*path;
	int64_t		 v64;

	memset(nv, 0, sizeof *nv);
	switch (e->type) {
	case TQ_CONFIG_STRING:
		for (p = text; *p != '\0'; p++) {
			if (iscntrl((unsigned char)*p) && *p != '\t') {
				tq_error_set(err, TQ_ECONFIG, "control "
				    "characters are not allowed");
				return (-1);
			}
		}
		if (e->max > 0 && (long long)strlen(text) > e->max) {
			tq_error_set(err, TQ_ECONFIG, "longer than %lld bytes",
			    e->max);
			return (-1);
		}
		if (e->check != NULL && e->check(text, err) != 0)
			return (-1);
		if (e->file_for != NULL && *text != '\0') {
			if (*text != '/' && dir != NULL) {
				path = tq_xasprintf("%s%s%s", dir,
				    dir[strlen(dir) - 1] == '/' ? "" : "/",
				    text);
			} else
				path = tq_xstrdup(text);
			if (config_read_line(path, &nv->file, mode,
			    err) != 0) {
				free(path);
				return (-1);
			}
			nv->text = path;
			return (0);
		}
		break;
	case TQ_CONFIG_INT:
		if (tq_parse_int(text, e->min, e->max, &nv->num, err) != 0)
			return (-1);
		break;
	case TQ_CONFIG_BOOL:
		if (config_parse_bool(text, &nv->num) != 0) {
			tq_error_set(err, TQ_ECONFIG, "'%.64s' is not a "
			    "boolean (use yes or no)", text);
			return (-1);
		}
		break;
	case TQ_CONFIG_DURATION:
	case TQ_CONFIG_SIZE:
		if (e->type == TQ_CONFIG_DURATION) {
			if (tq_parse_duration(text, &v64, err) != 0)
				return (-1);
		} else if (tq_parse_size(text, &v64, err) != 0)
			return (-1);
		if (config_range(e, text, v64, err) != 0)
			return (-1);
		nv->num = v64;
		break;
	}
	nv->text = tq_xstrdup(text);
	return (0);
}

/* "redis.port" or "queue.email.retry_base", as in git config. */
static void
config_label(char *buf, size_t len, const struct config_where *w,
    const char *key)
{
	if (w->name != NULL) {
		snprintf(buf, len, "%s.%.*s.%.64s", w->sect->name,
		    (int)w->namelen, w->name, key);
	} else
		snprintf(buf, len, "%s.%.64s", w->sect->name, key);
}

/*
 * Set key of section to value, or change nothing and fail.  *mode, when
 * mode is not NULL, gets the mode of the file a key like password_file
 * names (left alone for other keys).  line and header: where a file set
 * it, and the line of its section's header (0: not from a file).
 */
static int
config_apply(struct tq_config *cfg, const char *section, const char *key,
    const char *value, const char *dir, mode_t *mode, int line, int header,
    struct tq_error *err)
{
	const struct tq_config_table_entry	*e;
	struct config_where			 w;
	struct config_part			*p;
	struct config_value			 nv;
	struct tq_error				 e2;
	char					 label[CONFIG_LABEL_MAX];
	size_t					 i;

	if (config_where(section, &w, 1, err) != 0)
		return (-1);
	config_label(label, sizeof label, &w, key);
	if ((e = tq_config_table_find(w.sect->name, key)) == NULL) {
		tq_error_set(err, TQ_ECONFIG, "%s: unknown key", label);
		return (-1);
	}
	if (config_parse(e, value, dir, &nv, mode, &e2) != 0) {
		tq_error_set(err, TQ_ECONFIG, "%s: %s", label, e2.msg);
		return (-1);
	}
	p = w.name != NULL ? config_part_get(cfg, &w) : &cfg->base;
	i = (size_t)(e - tq_config_table);
	config_value_clear(&p->v[i]);
	p->v[i] = nv;
	p->v[i].line = line;
	if (p->line == 0)
		p->line = header;
	return (0);
}

struct tq_config *
tq_config_new(void)
{
	struct tq_config			*cfg;
	const struct tq_config_table_entry	*e;
	size_t					 i;

	cfg = tq_xcalloc(1, sizeof *cfg);
	cfg->base.v = tq_xcalloc(tq_config_table_size, sizeof *cfg->base.v);
	for (i = 0; i < tq_config_table_size; i++) {
		e = &tq_config_table[i];
		if (config_parse(e, e->dflt, NULL, &cfg->base.v[i], NULL,
		    NULL) != 0) {
			assert(!"a default is not valid for its own key");
			abort();
		}
	}
	return (cfg);
}

void
tq_config_free(struct tq_config *cfg)
{
	size_t	i;

	if (cfg == NULL)
		return;
	config_part_done(&cfg->base);
	for (i = 0; i < cfg->nnamed; i++)
		config_part_done(&cfg->named[i]);
	free(cfg->named);
	for (i = 0; i < cfg->nwarnings; i++)
		free(cfg->warnings[i]);
	free(cfg->warnings);
	free(cfg);
}

static void
config_warn(struct tq_config *cfg, const char *fmt, ...)
{
	va_list	ap;

	cfg->warnings = tq_xreallocarray(cfg->warnings, cfg->nwarnings + 1,
	    sizeof *cfg->warnings);
	va_start(ap, fmt);
	cfg->warnings[cfg->nwarnings++] = tq_xvasprintf(fmt, ap);
	va_end(ap);
}

const char *
tq_config_warning(const struct tq_config *cfg, size_t i)
{
	return (i < cfg->nwarnings ? cfg->warnings[i] : NULL);
}

/* Who besides the owner may read a file of this mode, or NULL: nobody. */
static const char *
config_readers(mode_t mode)
{
	if ((mode & S_IRGRP) && (mode & S_IROTH))
		return ("its group and all users");
	if (mode & S_IROTH)
		return ("all users");
	if (mode & S_IRGRP)
		return ("its group");
	return (NULL);
}

/* Does the value text of e hold a password (password, or a URL's)? */
static int
config_is_secret(const struct tq_config_table_entry *e, const char *text)
{
	struct tq_url	url;
	int		secret;

	if (*text == '\0')
		return (0);
	if (e->flags & TQ_CONFIG_SECRET)
		return (1);
	if ((e->flags & TQ_CONFIG_URL) == 0 ||
	    tq_url_parse(text, &url, NULL) != 0)
		return (0);
	secret = url.password != NULL;
	tq_url_done(&url);
	return (secret);
}

static void
config_load_fail(struct config_load *st, const char *fmt, ...)
{
	char	msg[sizeof st->error.msg];
	va_list	ap;

	if (st->failed != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	st->failed = st->line;
	tq_error_set(&st->error, TQ_ECONFIG, "%s", msg);
}

/* A [section] line: remember it whole, and check it. */
static void
config_load_section(struct config_load *st, const char *line)
{
	struct config_where	 w;
	struct tq_error		 e;
	const char		*end;
	char			*inner;

	free(st->section);
	st->section = NULL;
	st->section_line = st->line;
	if ((end = strchr(line + 1, ']')) == NULL)
		return;		/* inih reports this line */
	inner = tq_xstrndup(line + 1, (size_t)(end - line - 1));
	if (config_where(inner, &w, 1, &e) != 0)
		config_load_fail(st, "%s", e.msg);
	else if (w.name != NULL) {
		st->section = tq_xasprintf("%s %.*s", w.sect->name,
		    (int)w.namelen, w.name);
	} else
		st->section = tq_xstrdup(w.sect->name);
	free(inner);
}

/* inih's fgets: hand it the next line, trimmed on the left. */
static char *
config_load_reader(char *str, int num, void *stream)
{
	struct config_load	*st = stream;
	const char		*line, *nl;
	size_t			 len;

	if (st->pos >= st->len)
		return (NULL);
	line = st->buf + st->pos;
	nl = memchr(line, '\n', st->len - st->pos);
	len = nl != NULL ? (size_t)(nl - line) : st->len - st->pos;
	st->pos += len + (nl != NULL);
	st->line++;

	if (st->line == 1 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	while (len > 0 && isspace((unsigned char)*line)) {
		line++;
		len--;
	}
	/* inih's buffer holds num - 1 characters and the NUL. */
	if (num < 3 || len > (size_t)num - 2) {
		config_load_fail(st, "line too long (at most %d characters; "
		    "use password_file for a long password)", num - 2);
		len = 0;
	}
	memcpy(str, line, len);
	str[len] = '\0';
	if (len > 0 && *str == '[')
		config_load_section(st, str);
	return (str);
}

/*
 * A line was applied: note a password written in the file, and a
 * password file that others can read (the line's own warning).
 */
static void
config_load_check(struct config_load *st, const char *name,
    const char *value, mode_t mode)
{
	const struct tq_config_table_entry	*e;
	struct config_where			 w;
	const char				*who;

	if (config_where(st->section, &w, 0, NULL) != 0 ||
	    (e = tq_config_table_find(w.sect->name, name)) == NULL)
		return;
	if (st->secret_line == 0 && config_is_secret(e, value))
		st->secret_line = st->line;
	if (e->file_for != NULL && *value != '\0' &&
	    (who = config_readers(mode)) != NULL) {
		config_warn(st->cfg, "%s:%d: %s %s can be read by %s "
		    "(mode %04o); chmod go-r it", st->path, st->line, name,
		    value, who, (unsigned)(mode & 07777));
	}
}

static int
config_load_handler(void *user, TQ_UNUSED const char *section,
    const char *name, const char *value)
{
	struct config_load	*st = user;
	struct tq_error		 e;
	mode_t			 mode = 0;

	if (st->failed != 0)
		return (1);
	if (st->section == NULL) {
		config_load_fail(st, "%.64s: key outside any [section]", name);
		return (0);
	}
	if (config_apply(st->cfg, st->section, name, value, st->dir, &mode,
	    st->line, st->section_line, &e) != 0) {
		config_load_fail(st, "%s", e.msg);
		return (0);
	}
	config_load_check(st, name, value, mode);
	return (1);
}

/* The whole of path, NUL-terminated, in *buf, and its mode in *mode. */
static int
config_read_file(const char *path, char **buf, size_t *len, mode_t *mode,
    struct tq_error *err)
{
	struct stat	 sb;
	size_t		 size = 4096, n = 0;
	ssize_t		 r;
	char		*p;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		tq_error_sys(err, "cannot open %s", path);
		return (-1);
	}
	*mode = fstat(fd, &sb) == 0 ? sb.st_mode : 0;
	p = tq_xmalloc(size);
	for (;;) {
		if (n + 1 == size) {
			if (size > CONFIG_FILE_MAX) {
				tq_error_set(err, TQ_ECONFIG, "%s: larger than "
				    "%d bytes", path, CONFIG_FILE_MAX);
				goto fail;
			}
			size *= 2;
			p = tq_xrealloc(p, size);
		}
		r = read(fd, p + n, size - n - 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			tq_error_sys(err, "cannot read %s", path);
			goto fail;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	p[n] = '\0';
	if (strlen(p) != n) {
		tq_error_set(err, TQ_ECONFIG, "%s: holds a NUL byte (not a "
		    "text file?)", path);
		config_wipe(p);
		return (-1);
	}
	*buf = p;
	*len = n;
	return (0);

fail:
	close(fd);
	free(p);
	return (-1);
}

int
tq_config_load(struct tq_config *cfg, const char *path, struct tq_error *err)
{
	struct config_load	 st;
	struct tq_config	 tmp;
	const char		*slash, *who;
	char			*buf;
	size_t			 len;
	mode_t			 mode;
	int			 rc, ret = -1;

	if (config_read_file(path, &buf, &len, &mode, err) != 0)
		return (-1);
	memset(&st, 0, sizeof st);
	st.path = path;
	st.mode = mode;
	st.buf = buf;
	st.len = len;
	st.cfg = config_copy(cfg);
	if ((slash = strrchr(path, '/')) != NULL)
		st.dir = tq_xstrndup(path, slash == path ? 1 :
		    (size_t)(slash - path));

	rc = ini_parse_stream(config_load_reader, &st, config_load_handler,
	    &st);
	/* The earliest error wins, whether inih's or ours. */
	if (rc > 0 && (st.failed == 0 || rc < st.failed)) {
		tq_error_set(err, TQ_ECONFIG, "%s:%d: syntax error (expected "
		    "[section] or key = value)", path, rc);
	} else if (st.failed != 0) {
		tq_error_set(err, TQ_ECONFIG, "%s:%d: %s", path, st.failed,
		    st.error.msg);
	} else if (rc < 0)
		tq_error_set(err, TQ_EIO, "%s: inih failed (%d)", path, rc);
	else {
		if (st.secret_line != 0 &&
		    (who = config_readers(st.mode)) != NULL) {
			config_warn(st.cfg, "%s:%d: a password in a file that "
			    "%s can read (mode %04o); chmod go-r %s, or move "
			    "the password to a password_file", path,
			    st.secret_line, who, (unsigned)(st.mode & 07777),
			    path);
		}
		tmp = *cfg;
		*cfg = *st.cfg;
		*st.cfg = tmp;
		ret = 0;
	}
	tq_config_free(st.cfg);
	free(st.section);
	free(st.dir);
	config_wipe(buf);
	return (ret);
}

int
tq_config_set(struct tq_config *cfg, const char *section, const char *key,
    const char *value, struct tq_error *err)
{
	return (config_apply(cfg, section, key, value, NULL, NULL, 0, 0,
	    err));
}

int
tq_config_set_url(struct tq_config *cfg, const char *url,
    struct tq_error *err)
{
	struct tq_url	u;

	/* Check here too, for a message without the "redis.url: ". */
	if (tq_url_parse(url, &u, err) != 0)
		return (-1);
	tq_url_done(&u);
	return (tq_config_set(cfg, "redis", "url", url, err));
}

long long
tq_config_int(const struct tq_config *cfg, const char *section,
    const char *key)
{
	const struct tq_config_table_entry	*e;
	const struct config_value		*v;
	struct config_where			 w;

	v = config_lookup(cfg, section, key, &w, &e);
	assert(e->type != TQ_CONFIG_STRING);
	return (v->num);
}

const char *
tq_config_str(const struct tq_config *cfg, const char *section,
    const char *key)
{
	const struct tq_config_table_entry	*e, *f;
	const struct config_value		*v, *fv;
	struct config_where			 w;
	size_t					 i;

	v = config_lookup(cfg, section, key, &w, &e);
	/* A key such as password_file, when set, supplies this one. */
	for (i = 0; i < tq_config_table_size; i++) {
		f = &tq_config_table[i];
		if (f->file_for == NULL || strcmp(f->file_for, e->name) != 0 ||
		    strcmp(f->section, e->section) != 0)
			continue;
		fv = config_value(cfg, &w, f);
		if (*fv->text != '\0')
			return (fv->file);
	}
	return (v->text);
}

/*
 * The [queue] keys of struct tq_queue_policy.  A policy is read for
 * every task enqueued and every batch leased or acked, so their places
 * in the table are found once, and a queue's section once a call.
 */
static const struct {
	const char	*key;
	size_t		 off;
} config_policy_keys[] = {
	{ "retry_base", offsetof(struct tq_queue_policy, retry_base_ms) },
	{ "retry_cap", offsetof(struct tq_queue_policy, retry_cap_ms) },
	{ "dead_max", offsetof(struct tq_queue_policy, dead_max) },
	{ "dead_max_age", offsetof(struct tq_queue_policy, dead_max_age_ms) },
	{ "result_ttl", offsetof(struct tq_queue_policy, result_ttl_ms) },
	{ "id_ttl", offsetof(struct tq_queue_policy, id_ttl_ms) },
	{ "max_payload", offsetof(struct tq_queue_policy, max_payload) },
	{ "rate_limit", offsetof(struct tq_queue_policy, rate_limit) },
	{ "dead_requeue_after",
	  offsetof(struct tq_queue_policy, dead_requeue_after_ms) },
	{ "dead_requeue_max",
	  offsetof(struct tq_queue_policy, dead_requeue_max) },
};
static size_t		config_policy_index[TQ_NITEMS(config_policy_keys)];
static pthread_once_t	config_policy_once = PTHREAD_ONCE_INIT;

static void
config_policy_init(void)
{
	const struct tq_config_table_entry	*e;
	size_t					 i;

	for (i = 0; i < TQ_NITEMS(config_policy_keys); i++) {
		e = tq_config_table_find("queue", config_policy_keys[i].key);
		assert(e != NULL && e->type != TQ_CONFIG_STRING);
		config_policy_index[i] = (size_t)(e - tq_config_table);
	}
}

void
tq_config_policy(const struct tq_config *cfg, const char *queue,
    struct tq_queue_policy *out)
{
	const struct config_part	*p = NULL;
	struct config_where		 w;
	size_t				 i, k, pos;

	pthread_once(&config_policy_once, config_policy_init);
	memset(&w, 0, sizeof w);
	if (queue != NULL) {
		w.sect = tq_config_table_section("queue");
		w.name = queue;
		w.namelen = strlen(queue);
		p = config_part_find(cfg, &w, &pos);
	}
	for (i = 0; i < TQ_NITEMS(config_policy_keys); i++) {
		k = config_policy_index[i];
		*(int64_t *)(void *)((char *)out + config_policy_keys[i].off) =
		    p != NULL && p->v[k].text != NULL ? p->v[k].num :
		    cfg->base.v[k].num;
	}
}

size_t
tq_config_names(const struct tq_config *cfg, const char *section,
    char ***names)
{
	size_t	i, n = 0;

	*names = NULL;
	for (i = 0; i < cfg->nnamed; i++) {
		if (strcmp(cfg->named[i].section, section) != 0)
			continue;
		*names = tq_xreallocarray(*names, n + 1, sizeof **names);
		(*names)[n++] = tq_xstrdup(cfg->named[i].name);
	}
	return (n);
}

int
tq_config_line(const struct tq_config *cfg, const char *section,
    const char *key)
{
	const struct tq_config_table_entry	*e;
	const struct config_part		*p = NULL;
	struct config_where			 w;
	size_t					 pos;

	if (config_where(section, &w, 0, NULL) != 0)
		return (0);
	e = key != NULL ? tq_config_table_find(w.sect->name, key) : NULL;
	if (w.name == NULL)
		return (e != NULL ? cfg->base.v[e - tq_config_table].line : 0);
	if ((p = config_part_find(cfg, &w, &pos)) == NULL)
		return (0);
	if (e != NULL && p->v[e - tq_config_table].text != NULL)
		return (p->v[e - tq_config_table].line);
	return (p->line);
}

static void
config_printf(struct config_buf *b, const char *fmt, ...)
{
	va_list	 ap;
	char	*s;
	size_t	 len;

	va_start(ap, fmt);
	s = tq_xvasprintf(fmt, ap);
	va_end(ap);
	len = strlen(s);
	if (b->len + len + 1 > b->size) {
		while (b->len + len + 1 > b->size)
			b->size = b->size * 2 + 256;
		b->p = tq_xrealloc(b->p, b->size);
	}
	memcpy(b->p + b->len, s, len + 1);
	b->len += len;
	free(s);
}

/* text as "# " comment lines, wrapped at CONFIG_WRAP columns. */
static void
config_wrap(struct config_buf *b, const char *text)
{
	const char	*p = text;
	size_t		 col = 0, len, gap;

	for (;;) {
		gap = strspn(p, " ");
		p += gap;
		if (*p == '\0')
			break;
		len = strcspn(p, " ");
		gap = gap > 1 ? 2 : 1;	/* two spaces after a full stop */
		if (col != 0 && col + gap + len > CONFIG_WRAP) {
			config_printf(b, "\n");
			col = 0;
		}
		if (col == 0) {
			config_printf(b, "# %.*s", (int)len, p);
			col = 2 + len;
		} else {
			config_printf(b, "%.*s%.*s", (int)gap, "  ", (int)len,
			    p);
			col += gap + len;
		}
		p += len;
	}
	if (col != 0)
		config_printf(b, "\n");
}

/* "(duration, 1ms to 1h, default 2s; tqd applies it on SIGHUP)" */
static void
config_dump_type(struct config_buf *b, const struct tq_config_table_entry *e)
{
	char	lo[32], hi[32];

	config_printf(b, "# (%s", e->type == TQ_CONFIG_BOOL ? "yes or no" :
	    tq_config_table_type(e->type));
	switch (e->type) {
	case TQ_CONFIG_INT:
		config_printf(b, ", %lld to %lld", e->min, e->max);
		break;
	case TQ_CONFIG_DURATION:
		config_printf(b, ", %s to %s",
		    tq_format_duration(e->min, lo, sizeof lo),
		    tq_format_duration(e->max, hi, sizeof hi));
		break;
	case TQ_CONFIG_SIZE:
		config_printf(b, ", %s to %s",
		    tq_format_size(e->min, lo, sizeof lo),
		    tq_format_size(e->max, hi, sizeof hi));
		break;
	case TQ_CONFIG_STRING:
	case TQ_CONFIG_BOOL:
		break;
	}
	if (*e->dflt == '\0')
		config_printf(b, ", empty by default");
	else
		config_printf(b, ", default %s", e->dflt);
	if (e->flags & TQ_CONFIG_RELOAD)
		config_printf(b, "; tqd applies it on SIGHUP");
	config_printf(b, ")\n");
}

/* One "key = value" line, keeping secrets out. */
static void
config_dump_value(struct config_buf *b, const struct tq_config_table_entry *e,
    const char *text)
{
	struct tq_url	 url;
	char		*s;

	if (*text == '\0') {
		config_printf(b, "%s =\n", e->name);
		return;
	}
	if (e->flags & TQ_CONFIG_SECRET) {
		config_printf(b, "# %s = (set, not shown)\n", e->name);
		return;
	}
	if ((e->flags & TQ_CONFIG_URL) && tq_url_parse(text, &url, NULL) == 0) {
		if (url.password != NULL) {
			s = tq_url_format(&url, 1);
			config_printf(b, "# %s = %s (password not shown)\n",
			    e->name, s);
			free(s);
			tq_url_done(&url);
			return;
		}
		tq_url_done(&url);
	}
	config_printf(b, "%s = %s\n", e->name, text);
}

char *
tq_config_dump(const struct tq_config *cfg)
{
	const struct tq_config_table_section	*s;
	const struct tq_config_table_entry	*e;
	const struct config_part		*p;
	struct config_buf			 b;
	size_t					 i, j, k;
	int					 bare;

	memset(&b, 0, sizeof b);
	config_printf(&b, "# tq.conf -- the configuration of tq (libtq %s).\n"
	    "#\n"
	    "# Every key, with its meaning, type, range and default; see "
	    "tq.conf(5).\n"
	    "# Durations: 250ms, 30s, 5m, 2h, 90d.  Sizes: 512K, 1M.  "
	    "Booleans: yes, no.\n", TQ_VERSION);
	for (i = 0; i < tq_config_table_nsections; i++) {
		s = &tq_config_table_sections[i];
		/* A section that needs a NAME is shown as a template. */
		bare = (s->flags & TQ_CONFIG_NAME_REQUIRED) == 0;
		config_printf(&b, "\n");
		config_wrap(&b, s->help);
		config_printf(&b, bare ? "[%s]\n" : "# [%s NAME]\n", s->name);
		for (j = 0; j < tq_config_table_size; j++) {
			e = &tq_config_table[j];
			if (strcmp(e->section, s->name) != 0)
				continue;
			config_printf(&b, "\n");
			config_wrap(&b, e->help);
			config_dump_type(&b, e);
			if (bare)
				config_dump_value(&b, e, cfg->base.v[j].text);
			else
				config_printf(&b, "# %s = %s\n", e->name,
				    e->dflt);
		}
		for (k = 0; k < cfg->nnamed; k++) {
			p = &cfg->named[k];
			if (strcmp(p->section, s->name) != 0)
				continue;
			config_printf(&b, "\n[%s %s]\n", p->section, p->name);
			for (j = 0; j < tq_config_table_size; j++) {
				e = &tq_config_table[j];
				if (p->v[j].text != NULL)
					config_dump_value(&b, e, p->v[j].text);
			}
		}
	}
	return (b.p);
}

/* Clients keep their own copy, so the caller may change or free cfg. */
struct tq_config *
tq_config_copy(const struct tq_config *cfg)
{
	return (config_copy(cfg));
}
