/*
 * fuzz-url.c -- libFuzzer harness for the Redis URL parser (core/url.c).
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * The input is one URL, as it could come from -u, $TQ_REDIS_URL or
 * redis.url.  Beyond not crashing, a URL that parses must give a
 * consistent record (a host or a socket path, a port in range, a password
 * whenever there is a user) that tq_url_format writes back as a URL that
 * parses to the same record and formats to the same text, also with the
 * password hidden; tq_url_scrub must hide exactly the password, leaving a
 * URL that parses to the same record with a password of stars.  A URL
 * that fails must leave the record empty, give TQ_ECONFIG and a message,
 * and never quote the password in it.
 */

#include <stdint.h>
#include <string.h>

#include "tq-int.h"
#include "fuzz.h"

/* Every field of two records, the password aside, is the same. */
static void
url_same(const char *in, const struct tq_url *a, const struct tq_url *b,
    const char *what)
{
	FUZZ_CHECK(fuzz_streq(a->host, b->host), "%s of '%s': host '%s' "
	    "became '%s'", what, in, fuzz_str(a->host), fuzz_str(b->host));
	FUZZ_CHECK(fuzz_streq(a->path, b->path), "%s of '%s': path '%s' "
	    "became '%s'", what, in, fuzz_str(a->path), fuzz_str(b->path));
	FUZZ_CHECK(fuzz_streq(a->user, b->user), "%s of '%s': user '%s' "
	    "became '%s'", what, in, fuzz_str(a->user), fuzz_str(b->user));
	FUZZ_CHECK(a->port == b->port, "%s of '%s': port %d became %d",
	    what, in, a->port, b->port);
	FUZZ_CHECK(a->db == b->db, "%s of '%s': db %d became %d", what, in,
	    a->db, b->db);
	FUZZ_CHECK((a->password == NULL) == (b->password == NULL),
	    "%s of '%s': the password came or went", what, in);
	FUZZ_CHECK(fuzz_streq(a->master, b->master), "%s of '%s': master "
	    "'%s' became '%s'", what, in, fuzz_str(a->master),
	    fuzz_str(b->master));
	FUZZ_CHECK(a->nseeds == b->nseeds, "%s of '%s': %zu seeds became "
	    "%zu", what, in, a->nseeds, b->nseeds);
	for (size_t i = 0; i < a->nseeds && i < b->nseeds; i++)
		FUZZ_CHECK(strcmp(a->seeds[i].host, b->seeds[i].host) == 0 &&
		    a->seeds[i].port == b->seeds[i].port, "%s of '%s': seed "
		    "%zu changed", what, in, i);
}

/* A parsed record must be one the rest of libtq can use. */
static void
url_sane(const char *in, const struct tq_url *u)
{
	FUZZ_CHECK((u->host == NULL) != (u->path == NULL), "'%s': host and "
	    "path both %s", in, u->host == NULL ? "NULL" : "set");
	if (u->host != NULL) {
		FUZZ_CHECK(u->port >= 1 && u->port <= 65535, "'%s': port %d",
		    in, u->port);
		FUZZ_CHECK(tq_url_check_host(u->host, NULL) == 0, "'%s': "
		    "host '%s' fails tq_url_check_host", in, u->host);
	} else {
		FUZZ_CHECK(u->path[0] == '/', "'%s': relative socket path "
		    "'%s'", in, u->path);
		FUZZ_CHECK(strlen(u->path) < 108, "'%s': socket path of %zu "
		    "bytes", in, strlen(u->path));
	}
	FUZZ_CHECK(u->db >= 0, "'%s': db %d", in, u->db);
	FUZZ_CHECK(u->user == NULL || u->password != NULL, "'%s': a user "
	    "without a password", in);
	FUZZ_CHECK(u->password == NULL || *u->password != '\0', "'%s': an "
	    "empty password", in);
}

/* Format u, parse it back and check it is the same; returns the text. */
static char *
url_roundtrip(const char *in, const struct tq_url *u, int hide)
{
	struct tq_url	 v;
	struct tq_error	 err;
	char		*text, *again;

	text = tq_url_format(u, hide);
	FUZZ_CHECK(tq_url_parse(text, &v, &err) == 0, "'%s' formats as '%s', "
	    "which does not parse: %s", in, text, err.msg);
	url_same(in, u, &v, hide ? "format (hidden)" : "format");
	if (u->password != NULL && hide) {
		FUZZ_CHECK(strcmp(v.password, "***") == 0, "'%s': hidden "
		    "password is '%s'", in, v.password);
	} else if (u->password != NULL) {
		FUZZ_CHECK(strcmp(v.password, u->password) == 0, "'%s': "
		    "password changed in '%s'", in, text);
	}
	again = tq_url_format(&v, hide);
	FUZZ_CHECK(strcmp(again, text) == 0, "'%s' formats as '%s', which "
	    "formats as '%s'", in, text, again);
	free(again);
	tq_url_done(&v);
	return (text);
}

/*
 * Scrub a copy of in: what changed is the raw password (*pw, new, or
 * NULL when nothing changed), and the scrubbed URL (*out, new).
 */
static void
url_scrub(const char *in, char **out, char **pw)
{
	char	*s;
	size_t	 i, first, last, n = strlen(in);
	int	 changed;

	s = strdup(in);
	if (s == NULL)
		abort();
	changed = tq_url_scrub(s);
	first = n;
	last = 0;
	for (i = 0; i < n; i++) {
		if (s[i] != in[i]) {
			FUZZ_CHECK(s[i] == '*', "scrub of '%s' wrote '%c'", in,
			    s[i]);
			if (first == n)
				first = i;
			last = i;
		}
	}
	FUZZ_CHECK(strlen(s) == n, "scrub of '%s' changed its length", in);
	FUZZ_CHECK(changed || first == n, "scrub of '%s' changed it but "
	    "returned 0", in);
	*pw = NULL;
	if (first != n)
		*pw = strndup(in + first, last - first + 1);
	*out = s;
}

/* All bytes >= 0x80: text no message of url.c has of its own. */
static int
url_high(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x80)
			return (0);
	}
	return (1);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tq_url	 u, v;
	struct tq_error	 err;
	char		*in, *text, *scrubbed, *pw;
	size_t		 i;

	if (size > 4096 || memchr(data, '\0', size) != NULL)
		return (0);	/* C strings, of a sensible length */
	in = fuzz_string(data, size);
	url_scrub(in, &scrubbed, &pw);

	tq_error_clear(&err);
	if (tq_url_parse(in, &u, &err) != 0) {
		FUZZ_CHECK(err.code == TQ_ECONFIG, "'%s': code %d", in,
		    (int)err.code);
		FUZZ_CHECK(err.msg[0] != '\0', "'%s': no message", in);
		FUZZ_CHECK(u.host == NULL && u.path == NULL && u.user == NULL &&
		    u.password == NULL, "'%s': a failed parse left strings",
		    in);
		/*
		 * The message may quote any part of the URL but the
		 * userinfo.  A password of high bytes only cannot be made of
		 * url.c's own (ASCII) text, so if it appears in the message
		 * but nowhere else in the URL, the message quoted it.
		 */
		if (pw != NULL && strlen(pw) >= 4 && url_high(pw) &&
		    strstr(scrubbed, pw) == NULL)
			FUZZ_CHECK(strstr(err.msg, pw) == NULL, "'%s': the "
			    "message quotes the password: %s", in, err.msg);
		tq_url_done(&u);
		goto out;
	}
	url_sane(in, &u);
	text = url_roundtrip(in, &u, 0);
	free(text);
	text = url_roundtrip(in, &u, 1);
	free(text);

	/* The scrubbed URL is the same one with a password of stars. */
	if (u.password != NULL) {
		FUZZ_CHECK(tq_url_parse(scrubbed, &v, &err) == 0, "'%s' "
		    "scrubbed is '%s', which does not parse: %s", in, scrubbed,
		    err.msg);
		url_same(in, &u, &v, "scrub");
		for (i = 0; v.password[i] != '\0'; i++) {
			FUZZ_CHECK(v.password[i] == '*', "'%s' scrubbed is "
			    "'%s' with password '%s'", in, scrubbed,
			    v.password);
		}
		tq_url_done(&v);
	}
	tq_url_done(&u);
	FUZZ_CHECK(u.host == NULL && u.password == NULL, "tq_url_done left "
	    "strings");

out:
	free(pw);
	free(scrubbed);
	free(in);
	return (0);
}
