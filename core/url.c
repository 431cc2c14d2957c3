/*
 * url.c -- parse the Redis URLs of -u, $TQ_REDIS_URL and redis.url.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Two forms name a Redis server: redis://[[user]:pass@]host[:port][/db]
 * over TCP and unix://[[user]:pass@]/path/to.sock[?db=N] over a local
 * socket.  This file turns either into a struct tq_url and back, and
 * works out the connection target of a whole configuration (a URL, or
 * the separate host, port, socket, ... keys).  It does no I/O.
 *
 * A URL often carries the Redis password, and error messages end up in
 * logs and terminals, so no message here ever quotes the password or any
 * text that might be part of it: the userinfo is split off first, at the
 * last '@', and only the parts after it are ever echoed.
 */

#include <sys/un.h>

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tq-int.h"

#define URL_PORT_DEFAULT	6379
#define URL_ECHO_MAX		64	/* longest part quoted in a message */

/* Characters written as they are by tq_url_format (RFC 3986 unreserved). */
static int
url_unreserved(int c)
{
	return (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~');
}

static int
url_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Percent-decode len bytes of s into a new string.  what ("password",
 * "user", ...) names the part in the message; the part itself is never
 * quoted since it may be secret.
 */
static char *
url_decode(const char *s, size_t len, const char *what, struct tq_error *err)
{
	char	*out;
	size_t	 i, n;
	int	 hi, lo;

	out = tq_xmalloc(len + 1);
	for (i = n = 0; i < len; i++) {
		if (s[i] != '%') {
			out[n++] = s[i];
			continue;
		}
		if (i + 2 >= len)
			goto bad;
		hi = url_hexval((unsigned char)s[i + 1]);
		lo = url_hexval((unsigned char)s[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			goto bad;
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[n] = '\0';
	return (out);

bad:
	explicit_bzero(out, len + 1);
	free(out);
	tq_error_set(err, TQ_ECONFIG, "bad percent-encoding in the %s of the "
	    "redis URL (write %%XX with two hex digits, not %%00)", what);
	return (NULL);
}

/* Split "user:password" (either may be empty, but not the password). */
static int
url_userinfo(const char *s, size_t len, struct tq_url *u,
    struct tq_error *err)
{
	const char	*colon;

	colon = memchr(s, ':', len);
	if (colon == NULL) {
		/* Maybe a password given without the ':'; don't quote it. */
		tq_error_set(err, TQ_ECONFIG, "the redis URL has a user but no "
		    "password: write redis://:PASSWORD@HOST for a password "
		    "alone, or redis://USER:PASSWORD@HOST");
		return (-1);
	}
	if (colon + 1 == s + len) {
		tq_error_set(err, TQ_ECONFIG,
		    "empty password in the redis URL");
		return (-1);
	}
	if (colon != s) {
		u->user = url_decode(s, (size_t)(colon - s), "user", err);
		if (u->user == NULL)
			return (-1);
	}
	u->password = url_decode(colon + 1, (size_t)(s + len - colon - 1),
	    "password", err);
	if (u->password == NULL)
		return (-1);
	return (0);
}

/* A database number: decimal digits, 0 to INT_MAX. */
static int
url_db(const char *s, size_t len, int *db, struct tq_error *err)
{
	long long	 v = 0;
	size_t		 i;

	if (len == 0)
		goto bad;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			goto bad;
		v = v * 10 + (s[i] - '0');
		if (v > INT_MAX)
			goto bad;
	}
	*db = (int)v;
	return (0);

bad:
	if (len > URL_ECHO_MAX)
		len = URL_ECHO_MAX;
	tq_error_set(err, TQ_ECONFIG, "bad database '%.*s' in redis URL "
	    "(expected 0 to %d)", (int)len, s, INT_MAX);
	return (-1);
}

/* The query: only db=N is known.  have_db says a /db came first. */
static int
url_query(const char *s, struct tq_url *u, int have_db, struct tq_error *err)
{
	const char	*end, *eq;
	size_t		 len, i;

	while (*s != '\0') {
		end = s + strcspn(s, "&");
		len = (size_t)(end - s);
		eq = memchr(s, '=', len);
		if (eq != NULL && eq - s == 2 && strncmp(s, "db", 2) == 0) {
			if (have_db) {
				tq_error_set(err, TQ_ECONFIG, "the redis URL "
				    "gives the database twice");
				return (-1);
			}
			if (url_db(eq + 1, (size_t)(end - eq - 1), &u->db,
			    err) != 0)
				return (-1);
			have_db = 1;
		} else if (len != 0) {
			if (eq != NULL)
				len = (size_t)(eq - s);
			for (i = 0; i < len; i++) {
				if (!isalnum((unsigned char)s[i]) &&
				    s[i] != '_')
					break;
			}
			if (i == len && len <= URL_ECHO_MAX) {
				tq_error_set(err, TQ_ECONFIG, "unknown "
				    "parameter '%.*s' in redis URL (only "
				    "db=N is known)", (int)len, s);
			} else {
				tq_error_set(err, TQ_ECONFIG, "bad query in "
				    "redis URL (only ?db=N is known)");
			}
			return (-1);
		}
		s = *end == '&' ? end + 1 : end;
	}
	return (0);
}

/* Check a host name or bare IPv6 address; ctx ends the message. */
static int
url_check_host(const char *host, const char *ctx, struct tq_error *err)
{
	const char	*p;
	int		 v6 = 0;

	if (*host == '\0') {
		tq_error_set(err, TQ_ECONFIG, "missing host%s", ctx);
		return (-1);
	}
	if (strchr(host, ':') != NULL) {
		/* IPv6: hex digits, ':' and '.', then maybe a %zone. */
		v6 = 1;
		for (p = host; *p != '\0' && *p != '%'; p++) {
			if (!isxdigit((unsigned char)*p) && *p != ':' &&
			    *p != '.')
				goto bad;
		}
		if (*p == '%') {
			if (p[1] == '\0')
				goto bad;
			for (p++; *p != '\0'; p++) {
				if (!isalnum((unsigned char)*p) && *p != '_' &&
				    *p != '-' && *p != '.')
					goto bad;
			}
		}
		return (0);
	}
	for (p = host; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.' &&
		    *p != '_')
			goto bad;
	}
	if (strlen(host) > 253)		/* the DNS limit */
		goto bad;
	return (0);

bad:
	tq_error_set(err, TQ_ECONFIG, "bad %s '%.*s'%s",
	    v6 ? "IPv6 address" : "host name", URL_ECHO_MAX, host, ctx);
	return (-1);
}

int
tq_url_check_host(const char *host, struct tq_error *err)
{
	return (url_check_host(host, "", err));
}

/* host[:port][/db][?query] of a redis:// URL, after any userinfo. */
static int
url_tcp(const char *s, struct tq_url *u, struct tq_error *err)
{
	const char	*end, *p;
	size_t		 len, i;
	long		 port;
	int		 have_db = 0;

	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL) {
			tq_error_set(err, TQ_ECONFIG, "missing ']' after the "
			    "IPv6 address in redis URL");
			return (-1);
		}
		u->host = tq_xstrndup(s + 1, (size_t)(end - s - 1));
		if (strchr(u->host, ':') == NULL || *u->host == '\0') {
			tq_error_set(err, TQ_ECONFIG, "bad IPv6 address "
			    "'%.*s' in redis URL", URL_ECHO_MAX, u->host);
			return (-1);
		}
		p = end + 1;
		if (*p != '\0' && strchr(":/?#", *p) == NULL) {
			tq_error_set(err, TQ_ECONFIG, "unexpected text after "
			    "the IPv6 address in redis URL");
			return (-1);
		}
	} else {
		len = strcspn(s, ":/?#");
		u->host = tq_xstrndup(s, len);
		p = s + len;
	}
	if (url_check_host(u->host, " in redis URL", err) != 0)
		return (-1);

	u->port = URL_PORT_DEFAULT;
	if (*p == ':') {
		p++;
		len = strcspn(p, "/?#");
		if (len == 0) {
			tq_error_set(err, TQ_ECONFIG, "missing port after ':' "
			    "in redis URL");
			return (-1);
		}
		port = 0;
		for (i = 0; i < len; i++) {
			if (!isdigit((unsigned char)p[i])) {
				port = 0;
				break;
			}
			port = port * 10 + (p[i] - '0');
			if (port > 65535)
				break;
		}
		if (port < 1 || port > 65535) {
			if (len > URL_ECHO_MAX)
				len = URL_ECHO_MAX;
			tq_error_set(err, TQ_ECONFIG, "bad port '%.*s' in "
			    "redis URL (expected 1 to 65535)", (int)len, p);
			return (-1);
		}
		u->port = (int)port;
		p += len;
	}
	if (*p == '/') {
		p++;
		len = strcspn(p, "?#");
		/* "redis://host/" is database 0. */
		if (len != 0) {
			if (url_db(p, len, &u->db, err) != 0)
				return (-1);
			have_db = 1;
		}
		p += len;
	}
	if (*p == '?') {
		p++;
		len = strcspn(p, "#");
		end = p + len;
		if (*end == '\0')
			return (url_query(p, u, have_db, err));
		p = end;
	}
	if (*p == '#') {
		tq_error_set(err, TQ_ECONFIG, "a redis URL cannot have a "
		    "'#' fragment");
		return (-1);
	}
	return (0);
}

/* [[user]:pass@]/path[?db=N] of a unix:// URL. */
static int
url_unix(const char *s, struct tq_url *u, struct tq_error *err)
{
	const char	*at, *p, *q;
	size_t		 len;

	/*
	 * Paths may contain '@' (/run/redis@main/...), so the userinfo ends
	 * at the last "@/" and only when the text doesn't start with '/'.
	 */
	if (*s != '/') {
		at = NULL;
		for (p = s; (p = strstr(p, "@/")) != NULL; p++)
			at = p;
		if (at == NULL) {
			tq_error_set(err, TQ_ECONFIG, "a unix URL needs an "
			    "absolute socket path: unix:///path/to/redis.sock");
			return (-1);
		}
		if (url_userinfo(s, (size_t)(at - s), u, err) != 0)
			return (-1);
		s = at + 1;
	}
	len = strcspn(s, "?#");
	if (len <= 1) {
		tq_error_set(err, TQ_ECONFIG,
		    "missing socket path in unix URL");
		return (-1);
	}
	/* The path is not quoted in messages: it may follow a password. */
	if ((u->path = url_decode(s, len, "socket path", err)) == NULL)
		return (-1);
	if (strlen(u->path) >= sizeof ((struct sockaddr_un *)NULL)->sun_path) {
		tq_error_set(err, TQ_ECONFIG, "the socket path in the unix URL "
		    "is too long (at most %zu bytes)",
		    sizeof ((struct sockaddr_un *)NULL)->sun_path - 1);
		return (-1);
	}
	p = s + len;
	if (*p == '?') {
		q = p + 1 + strcspn(p + 1, "#");
		if (*q == '\0')
			return (url_query(p + 1, u, 0, err));
		p = q;
	}
	if (*p == '#') {
		tq_error_set(err, TQ_ECONFIG, "a unix URL cannot have a '#' "
		    "fragment");
		return (-1);
	}
	return (0);
}

/*
 * host[:port][,host[:port]...] of a redis-cluster:// URL: the seeds, the
 * first of them also in host and port.  A cluster has database 0 alone.
 * For redis-sentinel:// (sentinel set), the Sentinels, then /MASTER and
 * an optional /db.
 */
static int
url_cluster(const char *s, struct tq_url *u, int sentinel,
    struct tq_error *err)
{
	struct tq_url	 one;
	struct tq_error	 e;
	const char	*slash = NULL, *kind;
	char		*part, *list = NULL;
	size_t		 len;
	int		 rc;

	kind = sentinel ? "redis-sentinel" : "redis-cluster";
	if (sentinel) {
		if ((slash = strchr(s, '/')) == NULL || slash[1] == '\0' ||
		    slash[1] == '/') {
			tq_error_set(err, TQ_ECONFIG, "a redis-sentinel URL "
			    "names the master: redis-sentinel://HOST[:PORT]"
			    "[,...]/MASTER[/DB]");
			return (-1);
		}
		len = strcspn(slash + 1, "/?#");
		u->master = tq_xstrndup(slash + 1, len);
		if (tq_check_name("master name", u->master, &e) != 0) {
			tq_error_set(err, TQ_ECONFIG, "%s in redis-sentinel "
			    "URL", e.msg);
			return (-1);
		}
		if (slash[1 + len] == '/' && url_db(slash + 2 + len,
		    strcspn(slash + 2 + len, "?#"), &u->db, err) != 0)
			return (-1);
		if (strpbrk(slash + 1 + len, "?#") != NULL) {
			tq_error_set(err, TQ_ECONFIG, "a redis-sentinel URL "
			    "takes no query or fragment");
			return (-1);
		}
		s = list = tq_xstrndup(s, (size_t)(slash - s));
	}
	for (;;) {
		len = strcspn(s, ",");
		if (len == 0) {
			tq_error_set(err, TQ_ECONFIG, "empty node in %s URL",
			    kind);
			free(list);
			return (-1);
		}
		part = tq_xstrndup(s, len);
		memset(&one, 0, sizeof one);
		rc = url_tcp(part, &one, err);
		/* A Sentinel's own port, when none is given. */
		if (rc == 0 && sentinel && strchr(part, ']') == NULL &&
		    strchr(part, ':') == NULL)
			one.port = 26379;
		free(part);
		if (rc == 0 && (one.db != 0 || strpbrk(s, "/?#") != NULL)) {
			tq_error_set(err, TQ_ECONFIG, "a redis-cluster URL "
			    "names nodes only (a cluster has database 0 "
			    "alone)");
			rc = -1;
		}
		if (rc != 0) {
			tq_url_done(&one);
			free(list);
			return (-1);
		}
		u->seeds = tq_xreallocarray(u->seeds, u->nseeds + 1,
		    sizeof *u->seeds);
		u->seeds[u->nseeds].host = one.host;
		u->seeds[u->nseeds].port = one.port;
		u->nseeds++;
		if (s[len] == '\0')
			break;
		s += len + 1;
	}
	free(list);
	u->host = tq_xstrdup(u->seeds[0].host);
	u->port = u->seeds[0].port;
	return (0);
}

int
tq_url_parse(const char *url, struct tq_url *out, struct tq_error *err)
{
	struct tq_url	 u;
	const char	*sep, *rest, *at, *p;
	size_t		 slen;
	int		 rc, plain;

	memset(out, 0, sizeof *out);
	memset(&u, 0, sizeof u);
	if (url == NULL || *url == '\0') {
		tq_error_set(err, TQ_ECONFIG, "empty redis URL");
		return (-1);
	}
	if ((sep = strstr(url, "://")) == NULL) {
		tq_error_set(err, TQ_ECONFIG, "not a redis URL (expected "
		    "redis://HOST[:PORT][/DB] or unix:///PATH/TO.sock)");
		return (-1);
	}
	slen = (size_t)(sep - url);
	rest = sep + 3;

	if (slen == 5 && strncasecmp(url, "redis", 5) == 0) {
		/*
		 * Host, port, db and query never contain '@', so the last one
		 * ends the userinfo, and a password may hold any character.
		 */
		if ((at = strrchr(rest, '@')) != NULL) {
			if (url_userinfo(rest, (size_t)(at - rest), &u,
			    err) != 0)
				goto fail;
			rest = at + 1;
		}
		rc = url_tcp(rest, &u, err);
	} else if (slen == 13 && strncasecmp(url, "redis-cluster", 13) == 0) {
		if ((at = strrchr(rest, '@')) != NULL) {
			if (url_userinfo(rest, (size_t)(at - rest), &u,
			    err) != 0)
				goto fail;
			rest = at + 1;
		}
		rc = url_cluster(rest, &u, 0, err);
	} else if (slen == 14 && strncasecmp(url, "redis-sentinel", 14) == 0) {
		/* The userinfo ends at the last '@' before the master. */
		p = strchr(rest, '/');
		at = NULL;
		for (sep = rest; (sep = strchr(sep, '@')) != NULL &&
		    (p == NULL || sep < p); sep++)
			at = sep;
		if (at != NULL) {
			if (url_userinfo(rest, (size_t)(at - rest), &u,
			    err) != 0)
				goto fail;
			rest = at + 1;
		}
		rc = url_cluster(rest, &u, 1, err);
	} else if (slen == 4 && strncasecmp(url, "unix", 4) == 0) {
		rc = url_unix(rest, &u, err);
	} else if (slen == 6 && strncasecmp(url, "rediss", 6) == 0) {
		tq_error_set(err, TQ_ECONFIG, "rediss:// (TLS) is not "
		    "supported: hiredis 0.14 on Debian 12 has no TLS; use "
		    "stunnel or spiped, or a unix socket "
		    "(see docs/SECURITY.md)");
		rc = -1;
	} else {
		/* Quote the scheme only if it looks like one. */
		plain = slen != 0 && slen <= 16;
		for (p = url; plain && p < sep; p++) {
			if (!isalnum((unsigned char)*p) && *p != '+' &&
			    *p != '-' && *p != '.')
				plain = 0;
		}
		if (plain) {
			tq_error_set(err, TQ_ECONFIG, "unsupported URL scheme "
			    "'%.*s' (expected redis://, redis-cluster:// or "
			    "unix://)", (int)slen, url);
		} else {
			tq_error_set(err, TQ_ECONFIG, "not a redis URL "
			    "(expected redis:// or unix://)");
		}
		rc = -1;
	}
	if (rc != 0)
		goto fail;
	*out = u;
	return (0);

fail:
	tq_url_done(&u);
	return (-1);
}

/*
 * Where the userinfo of url ends: its last '@' for redis:// (and
 * rediss://, refused later but scrubbed all the same), its last "@/" for
 * unix:// when the path does not follow at once; else NULL.
 */
static char *
url_userinfo_end(char *url, char **start)
{
	char	*sep, *rest, *at = NULL, *p;
	size_t	 slen;

	if ((sep = strstr(url, "://")) == NULL)
		return (NULL);
	slen = (size_t)(sep - url);
	rest = sep + 3;
	if ((slen == 5 && strncasecmp(url, "redis", 5) == 0) ||
	    (slen == 6 && strncasecmp(url, "rediss", 6) == 0) ||
	    (slen == 13 && strncasecmp(url, "redis-cluster", 13) == 0))
		at = strrchr(rest, '@');
	else if (slen == 14 && strncasecmp(url, "redis-sentinel", 14) == 0) {
		/* The last '@' before the master's name. */
		for (p = rest; (p = strchr(p, '@')) != NULL &&
		    (strchr(rest, '/') == NULL || p < strchr(rest, '/')); p++)
			at = p;
	}
	else if (slen == 4 && strncasecmp(url, "unix", 4) == 0 &&
	    *rest != '/') {
		for (p = rest; (p = strstr(p, "@/")) != NULL; p++)
			at = p;
	}
	*start = rest;
	return (at);
}

int
tq_url_scrub(char *url)
{
	char	*start, *end, *p;

	if (url == NULL || (end = url_userinfo_end(url, &start)) == NULL)
		return (0);
	/* No ':' may mean a password written without it: hide it all. */
	if ((p = memchr(start, ':', (size_t)(end - start))) != NULL)
		start = p + 1;
	if (start == end)
		return (0);
	memset(start, '*', (size_t)(end - start));
	return (1);
}

void
tq_url_done(struct tq_url *url)
{
	size_t	i;

	if (url == NULL)
		return;
	if (url->password != NULL)
		explicit_bzero(url->password, strlen(url->password));
	for (i = 0; i < url->nseeds; i++)
		free(url->seeds[i].host);
	free(url->seeds);
	free(url->master);
	free(url->host);
	free(url->path);
	free(url->user);
	free(url->password);
	memset(url, 0, sizeof *url);
}

/* Append s to buf (of size *size, used *len), percent-encoding all but
 * the unreserved characters and those in keep. */
static void
url_append(char **buf, size_t *len, size_t *size, const char *s,
    const char *keep)
{
	static const char	 hex[] = "0123456789ABCDEF";
	unsigned char		 c;

	for (; *s != '\0'; s++) {
		if (*len + 4 > *size) {
			*size = *size * 2 + 16;
			*buf = tq_xrealloc(*buf, *size);
		}
		c = (unsigned char)*s;
		if (url_unreserved(c) || (c != '\0' && strchr(keep, c) != NULL))
			(*buf)[(*len)++] = (char)c;
		else {
			(*buf)[(*len)++] = '%';
			(*buf)[(*len)++] = hex[c >> 4];
			(*buf)[(*len)++] = hex[c & 15];
		}
	}
	(*buf)[*len] = '\0';
}

/* host:port, an IPv6 host in brackets. */
static void
url_host(char **buf, size_t *len, size_t *size, const char *host, int port)
{
	char	tail[16];

	if (strchr(host, ':') != NULL) {
		url_append(buf, len, size, "[", "[");
		url_append(buf, len, size, host, ":%");
		url_append(buf, len, size, "]", "]");
	} else
		url_append(buf, len, size, host, "");
	snprintf(tail, sizeof tail, ":%d", port);
	url_append(buf, len, size, tail, ":");
}

char *
tq_url_format(const struct tq_url *url, int hide_password)
{
	char	*buf, tail[32];
	size_t	 len = 0, size = 64, i;

	buf = tq_xmalloc(size);
	buf[0] = '\0';
	url_append(&buf, &len, &size, url->path != NULL ? "unix://" :
	    url->master != NULL ? "redis-sentinel://" : url->nseeds > 0 ?
	    "redis-cluster://" : "redis://", ":/-");
	if (url->password != NULL) {
		if (url->user != NULL)
			url_append(&buf, &len, &size, url->user, "");
		url_append(&buf, &len, &size, ":", ":");
		if (hide_password)
			url_append(&buf, &len, &size, "***", "*");
		else
			url_append(&buf, &len, &size, url->password, "");
		url_append(&buf, &len, &size, "@", "@");
	}
	if (url->path != NULL) {
		/* '@' too, or "@/" could be mistaken for the userinfo's end. */
		url_append(&buf, &len, &size, url->path, "/+,=");
		if (url->db != 0) {
			snprintf(tail, sizeof tail, "?db=%d", url->db);
			url_append(&buf, &len, &size, tail, "?=");
		}
		return (buf);
	}
	if (url->nseeds == 0) {
		url_host(&buf, &len, &size, url->host, url->port);
		snprintf(tail, sizeof tail, "/%d", url->db);
		url_append(&buf, &len, &size, tail, "/");
		return (buf);
	}
	for (i = 0; i < url->nseeds; i++) {
		if (i > 0)
			url_append(&buf, &len, &size, ",", ",");
		url_host(&buf, &len, &size, url->seeds[i].host,
		    url->seeds[i].port);
	}
	if (url->master != NULL) {
		url_append(&buf, &len, &size, "/", "/");
		url_append(&buf, &len, &size, url->master, ":");
		snprintf(tail, sizeof tail, "/%d", url->db);
		url_append(&buf, &len, &size, tail, "/");
	}
	return (buf);
}

int
tq_url_from_config(const struct tq_config *cfg, struct tq_url *out,
    struct tq_error *err)
{
	const char	*s;
	char		*url;
	int		 rc;

	memset(out, 0, sizeof *out);
	s = tq_config_str(cfg, "redis", "url");
	if (*s != '\0') {
		if (tq_url_parse(s, out, err) != 0)
			return (-1);
		/*
		 * Keep the secret out of the URL: password_file fills it,
		 * and the ACL user it belongs to comes with it.
		 */
		if (out->password == NULL &&
		    *tq_config_str(cfg, "redis", "password_file") != '\0') {
			out->password = tq_xstrdup(tq_config_str(cfg, "redis",
			    "password"));
			s = tq_config_str(cfg, "redis", "user");
			if (*s != '\0')
				out->user = tq_xstrdup(s);
		}
		return (0);
	}

	s = tq_config_str(cfg, "redis", "cluster");
	if (*s != '\0' || *tq_config_str(cfg, "redis", "sentinels") != '\0') {
		if (*s != '\0')
			url = tq_xasprintf("redis-cluster://%s", s);
		else
			url = tq_xasprintf("redis-sentinel://%s/%s",
			    tq_config_str(cfg, "redis", "sentinels"),
			    tq_config_str(cfg, "redis", "master_name"));
		rc = tq_url_parse(url, out, err);
		free(url);
		if (rc != 0)
			return (-1);
	} else if (*(s = tq_config_str(cfg, "redis", "socket")) != '\0')
		out->path = tq_xstrdup(s);
	else {
		out->host = tq_xstrdup(tq_config_str(cfg, "redis", "host"));
		out->port = (int)tq_config_int(cfg, "redis", "port");
	}
	out->db = (int)tq_config_int(cfg, "redis", "db");
	s = tq_config_str(cfg, "redis", "password");
	if (*s != '\0')
		out->password = tq_xstrdup(s);
	s = tq_config_str(cfg, "redis", "user");
	if (*s != '\0') {
		if (out->password == NULL) {
			tq_error_set(err, TQ_ECONFIG, "redis.user is set but "
			    "there is no password (set redis.password or "
			    "redis.password_file)");
			tq_url_done(out);
			return (-1);
		}
		out->user = tq_xstrdup(s);
	}
	return (0);
}
