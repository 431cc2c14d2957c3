/*
 * test-config.c -- unit tests of core/config.c and core/config-table.c.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Defaults, setting keys, loading files (with every kind of error and
 * its file:line), the rule that a bad file changes nothing, per-queue
 * policy, password_file, and the dump reading back to the same values.
 * Two tests keep the documentation honest: conf/tq.conf must list every
 * key of the table with its default and nothing else, and tq.conf(5)
 * must describe every key in its section.  They find the sources
 * through $TQ_SRCDIR, which "make check" sets.
 */

#include <sys/stat.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tq-int.h"

static char	tmpdir[] = "/tmp/tq-test-config-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return (mkdtemp(tmpdir) == NULL ? -1 : 0);
}

/* Remove path and, if it is a directory, everything in it. */
static int
rm_tree(const char *path)
{
	struct stat	 sb;
	struct dirent	*de;
	DIR		*d;
	char		*sub;
	int		 rc = 0;

	if (lstat(path, &sb) != 0)
		return (-1);
	if (S_ISDIR(sb.st_mode)) {
		if ((d = opendir(path)) == NULL)
			return (-1);
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			sub = tq_xasprintf("%s/%s", path, de->d_name);
			if (rm_tree(sub) != 0)
				rc = -1;
			free(sub);
		}
		closedir(d);
	}
	if (remove(path) != 0)
		rc = -1;
	return (rc);
}

static int
teardown(void **state)
{
	(void)state;
	return (rm_tree(tmpdir));
}

/* Write text to name in the temporary directory; returns the path (new). */
static char *
write_file(const char *name, const char *text)
{
	char	*path;
	FILE	*f;

	path = tq_xasprintf("%s/%s", tmpdir, name);
	if ((f = fopen(path, "w")) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return (path);
}

/* The whole of path as a new string, or NULL. */
static char *
read_file(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 len;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	buf = tq_xmalloc((size_t)len + 1);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	buf[len] = '\0';
	fclose(f);
	return (buf);
}

/* Load text as a file called name into cfg; returns tq_config_load's. */
static int
load_text(struct tq_config *cfg, const char *name, const char *text,
    struct tq_error *err, char **pathp)
{
	char	*path;
	int	 rc;

	path = write_file(name, text);
	tq_error_clear(err);
	rc = tq_config_load(cfg, path, err);
	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
	return (rc);
}

/* Loading text must fail with "PATH:line: msg". */
static void
check_load_error(const char *text, int line, const char *msg)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	char			*path, want[512];

	cfg = tq_config_new();
	if (load_text(cfg, "bad.conf", text, &err, &path) == 0)
		fail_msg("accepted: %s", text);
	assert_int_equal(err.code, TQ_ECONFIG);
	snprintf(want, sizeof want, "%s:%d: %s", path, line, msg);
	if (strcmp(err.msg, want) != 0)
		fail_msg("got '%s', expected '%s'", err.msg, want);
	free(path);
	tq_config_free(cfg);
}

/* tq_config_set must fail with exactly msg. */
static void
check_set_error(struct tq_config *cfg, const char *section, const char *key,
    const char *value, const char *msg)
{
	struct tq_error	err;

	tq_error_clear(&err);
	if (tq_config_set(cfg, section, key, value, &err) == 0)
		fail_msg("%s.%s = %s accepted", section, key, value);
	assert_int_equal(err.code, TQ_ECONFIG);
	if (strcmp(err.msg, msg) != 0)
		fail_msg("got '%s', expected '%s'", err.msg, msg);
}

static void
test_defaults(void **state)
{
	struct tq_config	*cfg;

	(void)state;
	cfg = tq_config_new();
	assert_string_equal(tq_config_str(cfg, "redis", "url"), "");
	assert_string_equal(tq_config_str(cfg, "redis", "host"), "127.0.0.1");
	assert_int_equal(tq_config_int(cfg, "redis", "port"), 6379);
	assert_string_equal(tq_config_str(cfg, "redis", "port"), "6379");
	assert_int_equal(tq_config_int(cfg, "redis", "db"), 0);
	assert_string_equal(tq_config_str(cfg, "redis", "password"), "");
	assert_int_equal(tq_config_int(cfg, "redis", "connect_timeout"), 2000);
	assert_int_equal(tq_config_int(cfg, "redis", "command_timeout"), 5000);
	assert_int_equal(tq_config_int(cfg, "redis", "keepalive"), 1);
	assert_int_equal(tq_config_int(cfg, "redis", "reconnect_max"), 5000);
	assert_string_equal(tq_config_str(cfg, "redis", "namespace"), "tq");
	assert_int_equal(tq_config_int(cfg, "queue", "retry_base"), 1000);
	assert_int_equal(tq_config_int(cfg, "queue", "retry_cap"), 3600000);
	assert_int_equal(tq_config_int(cfg, "queue", "dead_max"), 10000);
	assert_int_equal(tq_config_int(cfg, "queue", "dead_max_age"),
	    90LL * 86400000);
	assert_int_equal(tq_config_int(cfg, "queue", "result_ttl"), 86400000);
	assert_int_equal(tq_config_int(cfg, "queue", "max_payload"),
	    TQ_PAYLOAD_MAX_DEFAULT);
	assert_int_equal(tq_config_int(cfg, "worker", "concurrency"), 4);
	assert_int_equal(tq_config_int(cfg, "worker", "lease"),
	    TQ_LEASE_DEFAULT_MS);
	assert_int_equal(tq_config_int(cfg, "worker", "grace"), 10000);
	assert_int_equal(tq_config_int(cfg, "worker", "timeout"),
	    TQ_TIMEOUT_DEFAULT_S * 1000);
	assert_int_equal(tq_config_int(cfg, "tqtop", "refresh"), 2000);
	/* Any queue name falls back to [queue]. */
	assert_int_equal(tq_config_int(cfg, "queue email", "retry_base"), 1000);
	tq_config_free(cfg);
	tq_config_free(NULL);
}

/* The table itself: names, sections, ranges and defaults agree. */
static void
test_table(void **state)
{
	const struct tq_config_table_entry	*e, *f;
	struct tq_config			*cfg;
	size_t					 i, j;
	const char				*p;

	(void)state;
	cfg = tq_config_new();
	for (i = 0; i < tq_config_table_size; i++) {
		e = &tq_config_table[i];
		assert_non_null(tq_config_table_section(e->section));
		assert_ptr_equal(tq_config_table_find(e->section, e->name), e);
		for (p = e->name; *p != '\0'; p++) {
			if (!islower((unsigned char)*p) && *p != '_')
				fail_msg("%s.%s: bad key name", e->section,
				    e->name);
		}
		if (e->help == NULL || strlen(e->help) < 10)
			fail_msg("%s.%s: no help", e->section, e->name);
		if (e->type != TQ_CONFIG_STRING && e->type != TQ_CONFIG_BOOL &&
		    e->min > e->max)
			fail_msg("%s.%s: min > max", e->section, e->name);
		/* The default reads back as itself. */
		assert_string_equal(tq_config_str(cfg, e->section, e->name),
		    e->dflt);
		if (e->file_for != NULL) {
			f = tq_config_table_find(e->section, e->file_for);
			assert_non_null(f);
			assert_int_equal(f->type, TQ_CONFIG_STRING);
		}
		for (j = i + 1; j < tq_config_table_size; j++) {
			f = &tq_config_table[j];
			if (strcmp(e->section, f->section) == 0 &&
			    strcmp(e->name, f->name) == 0)
				fail_msg("%s.%s twice", e->section, e->name);
		}
	}
	for (i = 0; i < tq_config_table_nsections; i++) {
		assert_ptr_equal(tq_config_table_section(
		    tq_config_table_sections[i].name),
		    &tq_config_table_sections[i]);
	}
	assert_null(tq_config_table_section("bogus"));
	assert_null(tq_config_table_find("redis", "prot"));
	assert_string_equal(tq_config_table_type(TQ_CONFIG_DURATION),
	    "duration");
	tq_config_free(cfg);
}

static void
test_set(void **state)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	static const char *const yes[] = { "yes", "true", "on", "1", "YES" };
	static const char *const no[] = { "no", "false", "off", "0", "Off" };
	size_t			 i;

	(void)state;
	cfg = tq_config_new();
	assert_int_equal(tq_config_set(cfg, "redis", "port", "6380", &err), 0);
	assert_int_equal(tq_config_int(cfg, "redis", "port"), 6380);
	assert_int_equal(tq_config_set(cfg, "redis", "connect_timeout",
	    "1.5s", &err), 0);
	assert_int_equal(tq_config_int(cfg, "redis", "connect_timeout"), 1500);
	assert_string_equal(tq_config_str(cfg, "redis", "connect_timeout"),
	    "1.5s");
	assert_int_equal(tq_config_set(cfg, "queue", "max_payload", "64K",
	    &err), 0);
	assert_int_equal(tq_config_int(cfg, "queue", "max_payload"), 65536);
	assert_int_equal(tq_config_set(cfg, "redis", "host", "::1", &err), 0);
	for (i = 0; i < TQ_NITEMS(yes); i++) {
		assert_int_equal(tq_config_set(cfg, "redis", "keepalive",
		    no[i], &err), 0);
		assert_int_equal(tq_config_int(cfg, "redis", "keepalive"), 0);
		assert_int_equal(tq_config_set(cfg, "redis", "keepalive",
		    yes[i], &err), 0);
		assert_int_equal(tq_config_int(cfg, "redis", "keepalive"), 1);
	}

	check_set_error(cfg, "redis", "port", "70000",
	    "redis.port: 70000 is above the maximum 65535");
	check_set_error(cfg, "redis", "port", "0",
	    "redis.port: 0 is below the minimum 1");
	check_set_error(cfg, "redis", "port", "abc",
	    "redis.port: 'abc' is not an integer");
	check_set_error(cfg, "redis", "prot", "1", "redis.prot: unknown key");
	check_set_error(cfg, "bogus", "x", "1", "[bogus]: unknown section");
	check_set_error(cfg, "redis x", "port", "1",
	    "[redis x]: section [redis] takes no name");
	check_set_error(cfg, "queue a{b}", "retry_base", "1s",
	    "[queue a{b}]: bad queue name 'a{b}' (use 1 to 128 of A-Z a-z "
	    "0-9 _ . : -)");
	check_set_error(cfg, "redis", "connect_timeout", "2h",
	    "redis.connect_timeout: 2h is above the maximum 1h");
	check_set_error(cfg, "redis", "connect_timeout", "0",
	    "redis.connect_timeout: 0 is below the minimum 1ms");
	check_set_error(cfg, "redis", "connect_timeout", "soon",
	    "redis.connect_timeout: 'soon' is not a duration (expected a "
	    "number and a unit: 250ms, 30s, 5m, 2h, 90d)");
	check_set_error(cfg, "queue", "max_payload", "1G",
	    "queue.max_payload: 1G is above the maximum 512M");
	check_set_error(cfg, "queue", "max_payload", "0",
	    "queue.max_payload: 0 is below the minimum 1");
	check_set_error(cfg, "queue email", "dead_max", "-1",
	    "queue.email.dead_max: -1 is below the minimum 0");
	check_set_error(cfg, "redis", "keepalive", "maybe",
	    "redis.keepalive: 'maybe' is not a boolean (use yes or no)");
	check_set_error(cfg, "redis", "namespace", "a b",
	    "redis.namespace: bad namespace 'a b' (use 1 to 128 of A-Z a-z "
	    "0-9 _ . : -)");
	check_set_error(cfg, "redis", "namespace", "",
	    "redis.namespace: empty namespace");
	check_set_error(cfg, "redis", "socket", "rel.sock",
	    "redis.socket: 'rel.sock' is not an absolute path");
	check_set_error(cfg, "redis", "host", "", "redis.host: missing host");
	check_set_error(cfg, "redis", "url", "redis://h:70000",
	    "redis.url: bad port '70000' in redis URL (expected 1 to 65535)");
	check_set_error(cfg, "redis", "password", "a\nb",
	    "redis.password: control characters are not allowed");

	/* Failed sets changed nothing. */
	assert_int_equal(tq_config_int(cfg, "redis", "port"), 6380);
	assert_int_equal(tq_config_int(cfg, "redis", "connect_timeout"), 1500);
	assert_int_equal(tq_config_int(cfg, "queue", "max_payload"), 65536);
	assert_string_equal(tq_config_str(cfg, "redis", "namespace"), "tq");
	tq_config_free(cfg);
}

static void
test_set_url(void **state)
{
	struct tq_config	*cfg;
	struct tq_error		 err;

	(void)state;
	cfg = tq_config_new();
	assert_int_equal(tq_config_set_url(cfg, "unix:///tmp/r.sock?db=2",
	    &err), 0);
	assert_string_equal(tq_config_str(cfg, "redis", "url"),
	    "unix:///tmp/r.sock?db=2");
	tq_error_clear(&err);
	assert_int_equal(tq_config_set_url(cfg, "redis://h:70000", &err), -1);
	assert_int_equal(err.code, TQ_ECONFIG);
	assert_string_equal(err.msg,
	    "bad port '70000' in redis URL (expected 1 to 65535)");
	assert_int_equal(tq_config_set_url(cfg, "rediss://h", &err), -1);
	assert_non_null(strstr(err.msg, "TLS"));
	assert_int_equal(tq_config_set_url(cfg, "", &err), -1);
	assert_string_equal(tq_config_str(cfg, "redis", "url"),
	    "unix:///tmp/r.sock?db=2");
	/* An empty redis.url, as in a file, means "not set". */
	assert_int_equal(tq_config_set(cfg, "redis", "url", "", &err), 0);
	assert_string_equal(tq_config_str(cfg, "redis", "url"), "");
	tq_config_free(cfg);
}

static void
test_load(void **state)
{
	struct tq_config	*cfg;
	struct tq_error		 err;

	(void)state;
	cfg = tq_config_new();
	if (load_text(cfg, "good.conf",
	    "\xef\xbb\xbf[redis]\n"		/* a UTF-8 BOM */
	    "# A comment\n"
	    "; another comment\n"
	    "\n"
	    "host = redis.example.com\n"
	    "port=6390\n"
	    "  db = 3   ; inline comment\n"
	    "\tkeepalive = off\n"
	    "connect_timeout = 250ms\n"
	    "port = 6391\n"			/* the last one wins */
	    "[ queue   email ]\n"
	    "retry_base = 10s\n"
	    "[worker]\n"
	    "concurrency = 16\n"
	    "[redis]\n"				/* a section may come back */
	    "namespace = app:tq\n"
	    "[tqtop]\r\n"
	    "refresh = 500ms\r\n",
	    &err, NULL) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(tq_config_str(cfg, "redis", "host"),
	    "redis.example.com");
	assert_int_equal(tq_config_int(cfg, "redis", "port"), 6391);
	assert_int_equal(tq_config_int(cfg, "redis", "db"), 3);
	assert_int_equal(tq_config_int(cfg, "redis", "keepalive"), 0);
	assert_int_equal(tq_config_int(cfg, "redis", "connect_timeout"), 250);
	assert_int_equal(tq_config_int(cfg, "queue email", "retry_base"),
	    10000);
	assert_int_equal(tq_config_int(cfg, "queue", "retry_base"), 1000);
	assert_int_equal(tq_config_int(cfg, "worker", "concurrency"), 16);
	assert_string_equal(tq_config_str(cfg, "redis", "namespace"), "app:tq");
	assert_int_equal(tq_config_int(cfg, "tqtop", "refresh"), 500);

	/* A second file adds to the first. */
	assert_int_equal(load_text(cfg, "more.conf", "[redis]\ndb = 4\n",
	    &err, NULL), 0);
	assert_int_equal(tq_config_int(cfg, "redis", "db"), 4);
	assert_int_equal(tq_config_int(cfg, "redis", "port"), 6391);

	/* An empty file is valid and changes nothing. */
	assert_int_equal(load_text(cfg, "empty.conf", "", &err, NULL), 0);
	assert_int_equal(tq_config_int(cfg, "redis", "db"), 4);

	/* A missing file is a system error. */
	tq_error_clear(&err);
	assert_int_equal(tq_config_load(cfg, "/nonexistent/tq.conf", &err), -1);
	assert_int_equal(err.code, TQ_EIO);
	assert_string_equal(err.msg, "cannot open /nonexistent/tq.conf: No "
	    "such file or directory");
	tq_config_free(cfg);
}

static void
test_load_errors(void **state)
{
	char	text[512], want[512];

	(void)state;
	check_load_error("[redis]\nport = 6380\nprot = 1\n", 3,
	    "redis.prot: unknown key");
	check_load_error("# c\n[redis]\nport = 70000\n", 3,
	    "redis.port: 70000 is above the maximum 65535");
	check_load_error("[redis]\n\n[bogus]\nx = 1\n", 3,
	    "[bogus]: unknown section");
	check_load_error("[redis]\nport = 1\n[bogus]\n", 3,
	    "[bogus]: unknown section");
	check_load_error("port = 1\n", 1, "port: key outside any [section]");
	check_load_error("[redis]\nport\n", 2,
	    "syntax error (expected [section] or key = value)");
	check_load_error("[redis\nport = 1\n", 1,
	    "syntax error (expected [section] or key = value)");
	check_load_error("[queue a{b}]\nretry_base = 1s\n", 1,
	    "[queue a{b}]: bad queue name 'a{b}' (use 1 to 128 of A-Z a-z "
	    "0-9 _ . : -)");
	check_load_error("[worker]\nport = 1\n", 2, "worker.port: unknown key");
	check_load_error("[redis x]\n", 1,
	    "[redis x]: section [redis] takes no name");
	check_load_error("[redis]\nport = 1 ; ok\nport = x\n", 3,
	    "redis.port: 'x' is not an integer");
	check_load_error("[queue email]\nmax_payload = 2G\n", 2,
	    "queue.email.max_payload: 2G is above the maximum 512M");
	/* An indented line does not continue the value above it. */
	check_load_error("[redis]\nhost = a\n    b\n", 3,
	    "syntax error (expected [section] or key = value)");
	/* The first error wins, whichever kind. */
	check_load_error("[redis]\nbad line\nport = 1\nprot = 2\n", 2,
	    "syntax error (expected [section] or key = value)");
	check_load_error("[redis]\nprot = 2\nbad line\n", 2,
	    "redis.prot: unknown key");
	/* A queue name longer than inih's 50-byte section buffer is kept. */
	snprintf(text, sizeof text, "[queue %0100d]\ndead_max = -1\n", 7);
	snprintf(want, sizeof want, "queue.%0100d.dead_max: -1 is below the "
	    "minimum 0", 7);
	check_load_error(text, 2, want);
}

/* Lines too long for inih are refused, not split in two. */
static void
test_load_long_line(void **state)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	char			 text[600], *path, want[256];
	FILE			*f;

	(void)state;
	snprintf(text, sizeof text, "[redis]\nhost = %0400d\n", 1);
	cfg = tq_config_new();
	assert_int_equal(load_text(cfg, "long.conf", text, &err, &path), -1);
	snprintf(want, sizeof want, "%s:2: line too long", path);
	if (strncmp(err.msg, want, strlen(want)) != 0)
		fail_msg("'%s'", err.msg);
	assert_string_equal(tq_config_str(cfg, "redis", "host"), "127.0.0.1");
	free(path);

	/* A NUL byte makes a file unreadable as text. */
	path = write_file("nul.conf", "[redis]\n");
	assert_non_null(f = fopen(path, "a"));
	fputc('\0', f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(tq_config_load(cfg, path, &err), -1);
	assert_non_null(strstr(err.msg, "NUL"));
	free(path);
	tq_config_free(cfg);
}

/* A file with an error anywhere changes nothing at all. */
static void
test_load_atomic(void **state)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	char			*before, *after;

	(void)state;
	cfg = tq_config_new();
	assert_int_equal(load_text(cfg, "a.conf",
	    "[redis]\nport = 6380\n[queue email]\nretry_base = 5s\n",
	    &err, NULL), 0);
	before = tq_config_dump(cfg);
	assert_int_equal(load_text(cfg, "b.conf",
	    "[redis]\nport = 6390\nhost = h2\n"
	    "[queue email]\nretry_base = 9s\n"
	    "[queue sms]\nretry_base = 9s\n"
	    "[redis]\nprot = 1\n", &err, NULL), -1);
	assert_non_null(strstr(err.msg, ":9: redis.prot: unknown key"));
	assert_int_equal(tq_config_int(cfg, "redis", "port"), 6380);
	assert_string_equal(tq_config_str(cfg, "redis", "host"), "127.0.0.1");
	assert_int_equal(tq_config_int(cfg, "queue email", "retry_base"), 5000);
	assert_int_equal(tq_config_int(cfg, "queue sms", "retry_base"), 1000);
	after = tq_config_dump(cfg);
	assert_string_equal(before, after);
	free(before);
	free(after);
	tq_config_free(cfg);
}

static void
test_policy(void **state)
{
	struct tq_config	*cfg;
	struct tq_queue_policy	 p;
	struct tq_error		 err;

	(void)state;
	cfg = tq_config_new();
	tq_config_policy(cfg, "anything", &p);
	assert_int_equal(p.retry_base_ms, 1000);
	assert_int_equal(p.retry_cap_ms, 3600000);
	assert_int_equal(p.dead_max, 10000);
	assert_int_equal(p.dead_max_age_ms, 90LL * 86400000);
	assert_int_equal(p.result_ttl_ms, 86400000);
	assert_int_equal(p.max_payload, 1048576);

	if (load_text(cfg, "policy.conf",
	    "[queue]\nretry_base = 2s\ndead_max = 500\n"
	    "[queue email]\nretry_base = 10s\nmax_payload = 64K\n"
	    "[queue img.resize]\nresult_ttl = 1h\n", &err, NULL) != 0)
		fail_msg("%s", err.msg);
	tq_config_policy(cfg, "email", &p);
	assert_int_equal(p.retry_base_ms, 10000);
	assert_int_equal(p.retry_cap_ms, 3600000);
	assert_int_equal(p.dead_max, 500);
	assert_int_equal(p.dead_max_age_ms, 90LL * 86400000);
	assert_int_equal(p.result_ttl_ms, 86400000);
	assert_int_equal(p.max_payload, 65536);
	tq_config_policy(cfg, "img.resize", &p);
	assert_int_equal(p.retry_base_ms, 2000);
	assert_int_equal(p.result_ttl_ms, 3600000);
	assert_int_equal(p.max_payload, 1048576);
	tq_config_policy(cfg, "other", &p);
	assert_int_equal(p.retry_base_ms, 2000);
	assert_int_equal(p.dead_max, 500);
	tq_config_policy(cfg, NULL, &p);
	assert_int_equal(p.retry_base_ms, 2000);
	assert_int_equal(p.max_payload, 1048576);

	assert_string_equal(tq_config_str(cfg, "queue email", "retry_base"),
	    "10s");
	assert_string_equal(tq_config_str(cfg, "queue other", "retry_base"),
	    "2s");
	assert_int_equal(tq_config_int(cfg, "queue other", "dead_max"), 500);
	/* A name no section could have just falls back. */
	assert_int_equal(tq_config_int(cfg, "queue a{b}", "dead_max"), 500);

	/* Set through the API, too. */
	assert_int_equal(tq_config_set(cfg, "queue other", "dead_max", "3",
	    &err), 0);
	tq_config_policy(cfg, "other", &p);
	assert_int_equal(p.dead_max, 3);
	assert_int_equal(p.retry_base_ms, 2000);
	tq_config_free(cfg);
}

static void
test_password_file(void **state)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	char			*pw, *path, *conf, want[512];

	(void)state;
	cfg = tq_config_new();
	assert_int_equal(tq_config_set(cfg, "redis", "password", "plain",
	    &err), 0);
	assert_string_equal(tq_config_str(cfg, "redis", "password"), "plain");

	/* The file wins over password, and only its first line counts. */
	pw = write_file("pw", "hunter2\nsecond line\n");
	assert_int_equal(tq_config_set(cfg, "redis", "password_file", pw,
	    &err), 0);
	assert_string_equal(tq_config_str(cfg, "redis", "password"), "hunter2");
	assert_string_equal(tq_config_str(cfg, "redis", "password_file"), pw);
	free(pw);
	pw = write_file("pw-crlf", "s3cret\r\n");
	assert_int_equal(tq_config_set(cfg, "redis", "password_file", pw,
	    &err), 0);
	assert_string_equal(tq_config_str(cfg, "redis", "password"), "s3cret");
	free(pw);
	pw = write_file("pw-nonl", "abc");
	assert_int_equal(tq_config_set(cfg, "redis", "password_file", pw,
	    &err), 0);
	assert_string_equal(tq_config_str(cfg, "redis", "password"), "abc");

	/* Bad files are refused and leave the last good one. */
	free(pw);
	pw = write_file("pw-empty", "\nfoo\n");
	snprintf(want, sizeof want, "redis.password_file: the first line of "
	    "'%s' is empty", pw);
	check_set_error(cfg, "redis", "password_file", pw, want);
	free(pw);
	pw = tq_xasprintf("%s/no-such-file", tmpdir);
	snprintf(want, sizeof want, "redis.password_file: cannot read '%s': "
	    "No such file or directory", pw);
	check_set_error(cfg, "redis", "password_file", pw, want);
	free(pw);
	if (geteuid() != 0) {
		pw = write_file("pw-locked", "locked\n");
		assert_int_equal(chmod(pw, 0), 0);
		snprintf(want, sizeof want, "redis.password_file: cannot read "
		    "'%s': Permission denied", pw);
		check_set_error(cfg, "redis", "password_file", pw, want);
		free(pw);
	}
	assert_string_equal(tq_config_str(cfg, "redis", "password"), "abc");

	/* Unset, password is itself again. */
	assert_int_equal(tq_config_set(cfg, "redis", "password_file", "",
	    &err), 0);
	assert_string_equal(tq_config_str(cfg, "redis", "password"), "plain");

	/* In a file, a relative path is relative to the file's directory. */
	path = tq_xasprintf("%s/sub", tmpdir);
	assert_int_equal(mkdir(path, 0700), 0);
	free(path);
	free(write_file("sub/pw2", "from-sub\n"));
	conf = write_file("sub/tq.conf", "[redis]\npassword_file = pw2\n");
	if (tq_config_load(cfg, conf, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(tq_config_str(cfg, "redis", "password"),
	    "from-sub");
	snprintf(want, sizeof want, "%s/sub/pw2", tmpdir);
	assert_string_equal(tq_config_str(cfg, "redis", "password_file"),
	    want);
	free(conf);

	/* An unreadable one fails the load, at its line. */
	conf = write_file("sub/bad.conf", "[redis]\n\npassword_file = nope\n");
	assert_int_equal(tq_config_load(cfg, conf, &err), -1);
	snprintf(want, sizeof want, "%s:3: redis.password_file: cannot read "
	    "'%s/sub/nope': No such file or directory", conf, tmpdir);
	assert_string_equal(err.msg, want);
	assert_string_equal(tq_config_str(cfg, "redis", "password"),
	    "from-sub");
	free(conf);
	tq_config_free(cfg);
}

/* Load a file of text and mode into a new config; it must load. */
static struct tq_config *
load_mode(const char *name, const char *text, mode_t mode, char **pathp)
{
	struct tq_config	*cfg = tq_config_new();
	struct tq_error		 err;

	*pathp = write_file(name, text);
	assert_int_equal(chmod(*pathp, mode), 0);
	if (tq_config_load(cfg, *pathp, &err) != 0)
		fail_msg("%s", err.msg);
	return (cfg);
}

static void
test_warnings(void **state)
{
	struct tq_config	*cfg, *copy;
	char			*path, *pw, want[1024];

	(void)state;
	/* A password in a file others can read: one warning, at its line. */
	cfg = load_mode("w1.conf", "[redis]\nhost = h\npassword = s3cret\n"
	    "[queue]\nretry_base = 2s\n", 0644, &path);
	snprintf(want, sizeof want, "%s:3: a password in a file that its "
	    "group and all users can read (mode 0644); chmod go-r %s, or "
	    "move the password to a password_file", path, path);
	assert_string_equal(tq_config_warning(cfg, 0), want);
	assert_null(tq_config_warning(cfg, 1));
	assert_null(strstr(want, "s3cret"));

	/* A copy (as a client keeps) has them too. */
	copy = tq_config_copy(cfg);
	assert_string_equal(tq_config_warning(copy, 0), want);
	tq_config_free(copy);
	tq_config_free(cfg);
	free(path);

	/* Who may read it is said as it is. */
	cfg = load_mode("w2.conf", "[redis]\npassword = x\n", 0640, &path);
	assert_non_null(strstr(tq_config_warning(cfg, 0),
	    "that its group can read (mode 0640)"));
	tq_config_free(cfg);
	free(path);
	cfg = load_mode("w3.conf", "[redis]\npassword = x\n", 0604, &path);
	assert_non_null(strstr(tq_config_warning(cfg, 0),
	    "that all users can read (mode 0604)"));
	tq_config_free(cfg);
	free(path);

	/* A URL's password counts; a URL without one does not. */
	cfg = load_mode("w4.conf", "[redis]\n\nurl = redis://:pw@h\n", 0644,
	    &path);
	assert_non_null(strstr(tq_config_warning(cfg, 0), "w4.conf:3: a "
	    "password in a file"));
	tq_config_free(cfg);
	free(path);
	cfg = load_mode("w5.conf", "[redis]\nurl = redis://h:1/2\n", 0644,
	    &path);
	assert_null(tq_config_warning(cfg, 0));
	tq_config_free(cfg);
	free(path);

	/* Owner only, or no password at all: nothing to say. */
	cfg = load_mode("w6.conf", "[redis]\npassword = x\n", 0600, &path);
	assert_null(tq_config_warning(cfg, 0));
	tq_config_free(cfg);
	free(path);
	cfg = load_mode("w7.conf", "[redis]\nhost = h\n", 0666, &path);
	assert_null(tq_config_warning(cfg, 0));
	tq_config_free(cfg);
	free(path);

	/* A password_file others can read, in a file nobody else can. */
	pw = write_file("w8.pw", "hunter2\n");
	assert_int_equal(chmod(pw, 0644), 0);
	cfg = load_mode("w8.conf", "[redis]\npassword_file = w8.pw\n", 0600,
	    &path);
	snprintf(want, sizeof want, "%s:2: password_file w8.pw can be read "
	    "by its group and all users (mode 0644); chmod go-r it", path);
	assert_string_equal(tq_config_warning(cfg, 0), want);
	assert_null(tq_config_warning(cfg, 1));
	tq_config_free(cfg);
	free(path);
	assert_int_equal(chmod(pw, 0600), 0);
	cfg = load_mode("w9.conf", "[redis]\npassword_file = w8.pw\n", 0644,
	    &path);
	assert_null(tq_config_warning(cfg, 0));
	tq_config_free(cfg);
	free(path);
	free(pw);

	/* tq_config_set reads no file of ours: no warnings. */
	cfg = tq_config_new();
	assert_int_equal(tq_config_set(cfg, "redis", "password", "x", NULL),
	    0);
	assert_null(tq_config_warning(cfg, 0));
	tq_config_free(cfg);
}

/* Every key of a and b, in the base and in the given queues, agrees. */
static void
check_same(const struct tq_config *a, const struct tq_config *b,
    const char *const *sections, size_t nsections)
{
	const struct tq_config_table_entry	*e;
	size_t					 i, j;
	const char				*s;

	for (i = 0; i < tq_config_table_size; i++) {
		e = &tq_config_table[i];
		for (j = 0; j <= nsections; j++) {
			s = j < nsections ? sections[j] : e->section;
			if (strncmp(s, e->section, strlen(e->section)) != 0)
				continue;
			if (strcmp(tq_config_str(a, s, e->name),
			    tq_config_str(b, s, e->name)) != 0)
				fail_msg("[%s] %s: '%s' != '%s'", s, e->name,
				    tq_config_str(a, s, e->name),
				    tq_config_str(b, s, e->name));
			if (e->type != TQ_CONFIG_STRING)
				assert_int_equal(tq_config_int(a, s, e->name),
				    tq_config_int(b, s, e->name));
		}
	}
}

static void
test_dump_roundtrip(void **state)
{
	static const char *const queues[] = {
		"queue email", "queue z.z", "queue other"
	};
	struct tq_config	*a, *b, *c;
	struct tq_error		 err;
	char			*dump, *dump2, *path, *pw;

	(void)state;
	/* The defaults read back as the defaults. */
	a = tq_config_new();
	b = tq_config_new();
	dump = tq_config_dump(a);
	if (load_text(b, "dump0.conf", dump, &err, NULL) != 0)
		fail_msg("%s", err.msg);
	check_same(a, b, queues, TQ_NITEMS(queues));
	free(dump);
	tq_config_free(b);

	pw = write_file("dump-pw", "pw-from-file\n");
	assert_int_equal(tq_config_set_url(a, "redis://h:1/2", &err), 0);
#define SET(s, k, v) do {						\
	if (tq_config_set(a, s, k, v, &err) != 0)			\
		fail_msg("%s", err.msg);				\
} while (0)
	SET("redis", "host", "redis.example.com");
	SET("redis", "port", "7000");
	SET("redis", "socket", "/tmp/x.sock");
	SET("redis", "db", "5");
	SET("redis", "user", "alice");
	SET("redis", "password_file", pw);
	SET("redis", "connect_timeout", "250ms");
	SET("redis", "keepalive", "no");
	SET("redis", "namespace", "ns:a");
	SET("queue", "retry_base", "1.5s");
	SET("queue", "max_payload", "2M");
	SET("queue email", "max_payload", "64K");
	SET("queue email", "retry_cap", "10m");
	SET("queue z.z", "dead_max", "7");
	SET("worker", "concurrency", "16");
	SET("tqtop", "refresh", "500ms");
#undef SET
	free(pw);

	dump = tq_config_dump(a);
	path = write_file("dump.conf", dump);
	b = tq_config_new();
	if (tq_config_load(b, path, &err) != 0)
		fail_msg("%s\n%s", err.msg, dump);
	check_same(a, b, queues, TQ_NITEMS(queues));
	assert_string_equal(tq_config_str(b, "redis", "password"),
	    "pw-from-file");
	assert_int_equal(tq_config_int(b, "queue email", "max_payload"), 65536);
	assert_int_equal(tq_config_int(b, "queue other", "max_payload"),
	    2 * 1048576);

	/* And the dump of what was read is the same text. */
	dump2 = tq_config_dump(b);
	assert_string_equal(dump, dump2);

	/* Loading it over a changed config restores every value. */
	c = tq_config_new();
	assert_int_equal(tq_config_set(c, "redis", "port", "1", &err), 0);
	assert_int_equal(tq_config_load(c, path, &err), 0);
	check_same(a, c, queues, TQ_NITEMS(queues));

	free(dump);
	free(dump2);
	free(path);
	tq_config_free(a);
	tq_config_free(b);
	tq_config_free(c);
}

/*
 * tq_config_line: the line that set a key, else its named section's
 * header; 0 for defaults and for tq_config_set.
 */
static void
test_line(void **state)
{
	struct tq_config	*cfg = tq_config_new();
	struct tq_error		 err;

	(void)state;
	if (load_text(cfg, "line.conf", "[tqd]\ntick = 2s\n\n"
	    "[schedule a]\ntype = x\n[queue q]\n[schedule b]\n"
	    "cron = @daily\n[schedule a]\ncron = @hourly\n", &err,
	    NULL) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(tq_config_line(cfg, "tqd", "tick"), 2);
	assert_int_equal(tq_config_line(cfg, "tqd", "batch"), 0);
	assert_int_equal(tq_config_line(cfg, "schedule a", "type"), 5);
	assert_int_equal(tq_config_line(cfg, "schedule a", "cron"), 10);
	/* Unset in its section: the first header of that section. */
	assert_int_equal(tq_config_line(cfg, "schedule a", "payload"), 4);
	assert_int_equal(tq_config_line(cfg, "schedule b", NULL), 7);
	/* A section with no key makes no part, and has no line. */
	assert_int_equal(tq_config_line(cfg, "queue q", "retry_base"), 0);
	assert_int_equal(tq_config_line(cfg, "schedule zz", "cron"), 0);
	assert_int_equal(tq_config_set(cfg, "tqd", "tick", "3s", &err), 0);
	assert_int_equal(tq_config_line(cfg, "tqd", "tick"), 0);
	tq_config_free(cfg);
}

/* Passwords, plain or in a URL, never appear in a dump. */
static void
test_dump_secrets(void **state)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	char			*dump;

	(void)state;
	cfg = tq_config_new();
	assert_int_equal(tq_config_set(cfg, "redis", "password", "topsecret",
	    &err), 0);
	assert_int_equal(tq_config_set_url(cfg,
	    "redis://u:topsecret2@h:1/2", &err), 0);
	dump = tq_config_dump(cfg);
	assert_null(strstr(dump, "topsecret"));
	assert_non_null(strstr(dump, "\n# password = (set, not shown)\n"));
	assert_non_null(strstr(dump,
	    "\n# url = redis://u:***@h:1/2 (password not shown)\n"));
	free(dump);

	/* A URL without a password is shown as it is. */
	assert_int_equal(tq_config_set_url(cfg, "unix:///tmp/r.sock", &err), 0);
	dump = tq_config_dump(cfg);
	assert_non_null(strstr(dump, "\nurl = unix:///tmp/r.sock\n"));
	free(dump);
	tq_config_free(cfg);
}

/* $TQ_SRCDIR/rel, read whole, or a clear failure. */
static char *
read_source(const char *rel)
{
	const char	*srcdir;
	char		*path, *text;

	if ((srcdir = getenv("TQ_SRCDIR")) == NULL)
		fail_msg("TQ_SRCDIR is not set: run this test through "
		    "\"make check\" (or set TQ_SRCDIR to the source tree)");
	path = tq_xasprintf("%s/%s", srcdir, rel);
	if ((text = read_file(path)) == NULL)
		fail_msg("%s: %s", path, strerror(errno));
	free(path);
	return (text);
}

/*
 * conf/tq.conf lists every key of the table, commented out as
 * "# key = default" under its [section], and no other key; and it loads
 * to the defaults.
 */
static void
test_sample_conf(void **state)
{
	const struct tq_config_table_entry	*e;
	struct tq_config			*a, *b;
	struct tq_error				 err;
	char					*text, *line, *next, *eq;
	char					 section[64] = "", name[64];
	char					*seen, *d1, *d2, *path;
	const char				*value;
	size_t					 i, len;
	int					 lineno = 0;

	(void)state;
	text = read_source("conf/tq.conf");
	seen = tq_xcalloc(tq_config_table_size, 1);
	for (line = text; *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (line[0] == '[') {
			/* "[tqd]", or "[schedule NAME]": the section is tqd. */
			len = strcspn(line + 1, "] ");
			if (strchr(line, ']') == NULL || len >= sizeof section)
				fail_msg("tq.conf:%d: bad section", lineno);
			memcpy(section, line + 1, len);
			section[len] = '\0';
			if (tq_config_table_section(section) == NULL)
				fail_msg("tq.conf:%d: [%s] is not a section of "
				    "the table", lineno, section);
			continue;
		}
		/* "# key = value" or "# key =": a key of the table. */
		if (strncmp(line, "# ", 2) != 0 || !islower((unsigned char)
		    line[2])) {
			if (islower((unsigned char)line[0]))
				fail_msg("tq.conf:%d: sets a key: %s", lineno,
				    line);
			continue;
		}
		len = strspn(line + 2, "abcdefghijklmnopqrstuvwxyz_");
		eq = line + 2 + len;
		if (strncmp(eq, " =", 2) != 0 || (eq[2] != '\0' &&
		    eq[2] != ' '))
			continue;	/* prose */
		if (len >= sizeof name)
			fail_msg("tq.conf:%d: key too long", lineno);
		memcpy(name, line + 2, len);
		name[len] = '\0';
		value = eq[2] == '\0' ? "" : eq + 3;
		if ((e = tq_config_table_find(section, name)) == NULL)
			fail_msg("tq.conf:%d: %s.%s is not in the table",
			    lineno, section, name);
		if (strcmp(value, e->dflt) != 0)
			fail_msg("tq.conf:%d: %s.%s is '%s', but its default "
			    "is '%s'", lineno, section, name, value, e->dflt);
		if (seen[e - tq_config_table])
			fail_msg("tq.conf:%d: %s.%s again", lineno, section,
			    name);
		seen[e - tq_config_table] = 1;
	}
	for (i = 0; i < tq_config_table_size; i++) {
		if (!seen[i])
			fail_msg("conf/tq.conf lacks %s.%s",
			    tq_config_table[i].section,
			    tq_config_table[i].name);
	}
	free(seen);
	free(text);

	/* It loads, and to nothing but the defaults. */
	path = tq_xasprintf("%s/conf/tq.conf", getenv("TQ_SRCDIR"));
	a = tq_config_new();
	b = tq_config_new();
	if (tq_config_load(b, path, &err) != 0)
		fail_msg("%s", err.msg);
	d1 = tq_config_dump(a);
	d2 = tq_config_dump(b);
	assert_string_equal(d1, d2);
	free(d1);
	free(d2);
	free(path);
	tq_config_free(a);
	tq_config_free(b);
}

/*
 * tq.conf(5) describes every key, as ".It Ic key" under ".Ss [section]",
 * mentions its default, and describes no key the table lacks.
 */
static void
test_man_page(void **state)
{
	const struct tq_config_table_entry	*e;
	char					*text, *line, *next, *item;
	char					 section[64] = "", name[64];
	char					*seen, *body;
	size_t					 i, len;
	int					 lineno = 0;

	(void)state;
	text = read_source("man/tq.conf.5");
	seen = tq_xcalloc(tq_config_table_size, 1);
	for (line = text; *line != '\0'; line = next) {
		lineno++;
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		else
			next = line + strlen(line);
		if (strncmp(line, ".Sh ", 4) == 0) {
			section[0] = '\0';
			continue;
		}
		if (strncmp(line, ".Ss [", 5) == 0) {
			len = strcspn(line + 5, "] ");
			if (len >= sizeof section)
				fail_msg("tq.conf.5:%d: bad .Ss", lineno);
			memcpy(section, line + 5, len);
			section[len] = '\0';
			if (tq_config_table_section(section) == NULL)
				fail_msg("tq.conf.5:%d: [%s] is not a section "
				    "of the table", lineno, section);
			continue;
		}
		if (section[0] == '\0' || strncmp(line, ".It Ic ", 7) != 0)
			continue;
		len = strcspn(line + 7, " ");
		if (len >= sizeof name)
			fail_msg("tq.conf.5:%d: bad .It", lineno);
		memcpy(name, line + 7, len);
		name[len] = '\0';
		if ((e = tq_config_table_find(section, name)) == NULL)
			fail_msg("tq.conf.5:%d: %s.%s is not in the table",
			    lineno, section, name);
		seen[e - tq_config_table] = 1;
		/* The item, up to the next .It or .El, gives the default. */
		item = next;
		len = 0;
		while (item[len] != '\0' &&
		    strncmp(item + len, "\n.It ", 5) != 0 &&
		    strncmp(item + len, "\n.El", 4) != 0)
			len++;
		if (*e->dflt != '\0') {
			body = tq_xstrndup(item, len);
			if (strstr(body, "default") == NULL ||
			    strstr(body, e->dflt) == NULL)
				fail_msg("tq.conf.5:%d: %s.%s: no 'default' "
				    "with '%s'", lineno, section, name,
				    e->dflt);
			free(body);
		}
	}
	for (i = 0; i < tq_config_table_size; i++) {
		if (!seen[i])
			fail_msg("tq.conf(5) lacks %s.%s",
			    tq_config_table[i].section,
			    tq_config_table[i].name);
	}
	free(seen);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_set_url),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_load_long_line),
		cmocka_unit_test(test_load_atomic),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_password_file),
		cmocka_unit_test(test_warnings),
		cmocka_unit_test(test_dump_roundtrip),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_dump_secrets),
		cmocka_unit_test(test_sample_conf),
		cmocka_unit_test(test_man_page),
	};

	return (cmocka_run_group_tests(tests, setup, teardown));
}
