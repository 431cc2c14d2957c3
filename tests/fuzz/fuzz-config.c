/*
 * fuzz-config.c -- libFuzzer harness for the config file parser
 * (core/config.c, through inih).
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * The input is a whole tq.conf.  tq_config_load reads files only (the
 * SIGHUP path re-reads the same file), so the harness writes each input
 * to a file in a private temporary directory, next to two password files
 * that a password_file line may name.  Inputs that name anything under
 * /dev, /proc, /sys or /run are skipped: a password_file of /dev/stdin or
 * a FIFO would block the fuzzer, not find a bug.
 *
 * Beyond not crashing and not leaking: a file that fails must give
 * TQ_ECONFIG with "FILE:LINE: " (a line the file has) or "FILE: ", and
 * leave the configuration exactly as it was (a new one, or for every
 * other input one with named sections of its own), which is what lets
 * tqd keep running on its old configuration after a bad edit and
 * SIGHUP.  A file that loads must load again on top of itself to the
 * same configuration (a reload changes nothing), and its dump (tqd -t)
 * must be a config file that loads to the same dump, unless the dump
 * leaves a secret out.
 */

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tq-int.h"
#include "fuzz.h"

#define CONFIG_INPUT_MAX	(64 * 1024)

static char	 fuzz_dir[] = "/tmp/tq-fuzz-config.XXXXXX";
static char	 fuzz_conf[sizeof fuzz_dir + 32];
static char	 fuzz_dump[sizeof fuzz_dir + 32];
static struct tq_config	*fuzz_base;	/* loaded from FUZZ_BASE */
static char	*fuzz_dumps[2];	/* of a new configuration, of fuzz_base */

/* What an input is loaded over, every other time (tqd loads into a new
 * configuration; libtq promises the same for any). */
#define FUZZ_BASE \
	"[queue]\nretry_base = 2s\n[queue email]\nmax_payload = 64K\n" \
	"[schedule nightly]\ncron = @daily\ntype = report\n" \
	"[tqd]\nbatch = 100\n"

/* Write len bytes of s to path, mode 0600, replacing it. */
static void
config_write(const char *path, const char *s, size_t len, mode_t mode)
{
	ssize_t	n;
	int	fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd == -1) {
		fprintf(stderr, "fuzz-config: %s: %s\n", path,
		    strerror(errno));
		abort();
	}
	while (len > 0) {
		if ((n = write(fd, s, len)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "fuzz-config: %s: %s\n", path,
			    strerror(errno));
			abort();
		}
		s += n;
		len -= (size_t)n;
	}
	close(fd);
}

static void
config_cleanup(void)
{
	static const char *const files[] = {
		"tq.conf", "dump.conf", "pw", "pw-open", "sub/pw", "sub"
	};
	char	path[sizeof fuzz_dir + 32];
	size_t	i;

	for (i = 0; i < TQ_NITEMS(files); i++) {
		snprintf(path, sizeof path, "%s/%s", fuzz_dir, files[i]);
		(void)remove(path);
	}
	(void)rmdir(fuzz_dir);
}

int
LLVMFuzzerInitialize(TQ_UNUSED int *argc, TQ_UNUSED char ***argv)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	char			 path[sizeof fuzz_dir + 32];

	if (mkdtemp(fuzz_dir) == NULL) {
		perror("fuzz-config: mkdtemp");
		abort();
	}
	atexit(config_cleanup);
	snprintf(fuzz_conf, sizeof fuzz_conf, "%s/tq.conf", fuzz_dir);
	snprintf(fuzz_dump, sizeof fuzz_dump, "%s/dump.conf", fuzz_dir);
	/* The seeds name these: "password_file = pw" and so on. */
	snprintf(path, sizeof path, "%s/pw", fuzz_dir);
	config_write(path, "hunter2\n", 8, 0600);
	snprintf(path, sizeof path, "%s/pw-open", fuzz_dir);
	config_write(path, "s3cret\r\nnext\n", 13, 0644);
	snprintf(path, sizeof path, "%s/sub", fuzz_dir);
	if (mkdir(path, 0700) == -1 && errno != EEXIST)
		abort();
	snprintf(path, sizeof path, "%s/sub/pw", fuzz_dir);
	config_write(path, "pw-in-sub", 9, 0600);
	cfg = tq_config_new();
	fuzz_dumps[0] = tq_config_dump(cfg);
	tq_config_free(cfg);
	config_write(fuzz_conf, FUZZ_BASE, strlen(FUZZ_BASE), 0600);
	fuzz_base = tq_config_new();
	if (tq_config_load(fuzz_base, fuzz_conf, &err) != 0) {
		fprintf(stderr, "fuzz-config: the base: %s\n", err.msg);
		abort();
	}
	fuzz_dumps[1] = tq_config_dump(fuzz_base);
	return (0);
}

/* Does the input name a place where reading may block or never end? */
static int
config_unsafe(const uint8_t *data, size_t size)
{
	static const char *const bad[] = { "/dev", "/proc", "/sys", "/run" };
	size_t			 i, j, n;

	for (i = 0; i < TQ_NITEMS(bad); i++) {
		n = strlen(bad[i]);
		for (j = 0; j + n <= size; j++) {
			if (memcmp(data + j, bad[i], n) == 0)
				return (1);
		}
	}
	return (0);
}

/* A failed load: the message starts "FILE:LINE: " or "FILE: ". */
static void
config_check_error(const struct tq_error *err, const uint8_t *data,
    size_t size)
{
	const char	*p;
	char		*end;
	size_t		 plen = strlen(fuzz_conf), i, lines = 1;
	long		 line;

	FUZZ_CHECK(err->code == TQ_ECONFIG, "code %d: %s", (int)err->code,
	    err->msg);
	FUZZ_CHECK(strncmp(err->msg, fuzz_conf, plen) == 0 &&
	    err->msg[plen] == ':', "message does not start with the file "
	    "name: %s", err->msg);
	p = err->msg + plen + 1;
	if (*p == ' ')
		return;
	line = strtol(p, &end, 10);
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	FUZZ_CHECK(end != p && *end == ':' && end[1] == ' ' && line >= 1 &&
	    (size_t)line <= lines, "bad FILE:LINE (the file has %zu lines): "
	    "%s", lines, err->msg);
}

/* The dump of a loaded configuration, which must not fail. */
static char *
config_dump_of(const char *path, const char *what)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	char			*dump;

	cfg = tq_config_new();
	FUZZ_CHECK(tq_config_load(cfg, path, &err) == 0, "%s does not load: "
	    "%s", what, err.msg);
	dump = tq_config_dump(cfg);
	tq_config_free(cfg);
	return (dump);
}

/* Use what was loaded as the programs do. */
static void
config_use(const struct tq_config *cfg)
{
	struct tq_queue_policy	 pol;
	struct tq_config	*copy;
	struct tq_url		 url;
	struct tq_error		 err;
	char			**names, *section;
	size_t			 n, i;

	if (tq_url_from_config(cfg, &url, &err) == 0)
		tq_url_done(&url);
	tq_config_policy(cfg, NULL, &pol);
	n = tq_config_names(cfg, "queue", &names);
	for (i = 0; i < n; i++) {
		tq_config_policy(cfg, names[i], &pol);
		free(names[i]);
	}
	free(names);
	n = tq_config_names(cfg, "schedule", &names);
	for (i = 0; i < n; i++) {
		section = tq_xasprintf("schedule %s", names[i]);
		(void)tq_config_str(cfg, section, "cron");
		(void)tq_config_int(cfg, section, "priority");
		free(section);
		free(names[i]);
	}
	free(names);
	for (i = 0; tq_config_warning(cfg, i) != NULL; i++)
		continue;
	copy = tq_config_copy(cfg);
	tq_config_free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tq_config	*cfg;
	struct tq_error		 err;
	char			*after, *again;
	int			 over;

	if (size > CONFIG_INPUT_MAX || config_unsafe(data, size))
		return (0);
	config_write(fuzz_conf, (const char *)data, size, 0640);

	over = size > 0 && (data[0] & 1);
	cfg = over ? tq_config_copy(fuzz_base) : tq_config_new();
	tq_error_clear(&err);
	if (tq_config_load(cfg, fuzz_conf, &err) != 0) {
		config_check_error(&err, data, size);
		after = tq_config_dump(cfg);
		FUZZ_CHECK(strcmp(fuzz_dumps[over], after) == 0, "a failed "
		    "load (%s) changed the configuration", err.msg);
		free(after);
		goto out;
	}
	config_use(cfg);
	after = tq_config_dump(cfg);

	/* SIGHUP with the file unchanged: nothing changes. */
	FUZZ_CHECK(tq_config_load(cfg, fuzz_conf, &err) == 0, "a file that "
	    "loaded fails to load again: %s", err.msg);
	again = tq_config_dump(cfg);
	FUZZ_CHECK(strcmp(after, again) == 0, "loading the file twice gives "
	    "another configuration");
	free(again);

	/* tqd -t prints a file that loads to the same configuration. */
	if (strstr(after, "not shown") == NULL) {
		config_write(fuzz_dump, after, strlen(after), 0600);
		again = config_dump_of(fuzz_dump, "the dump");
		FUZZ_CHECK(strcmp(after, again) == 0, "the dump loads to "
		    "another configuration");
		free(again);
	}
	free(after);

out:
	tq_config_free(cfg);
	return (0);
}
