/*
 * test-url.c -- unit tests of core/url.c: Redis URLs in and out.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Good URLs of every form, bad ones with the message each must give,
 * a check that no message ever repeats the password, the canonical
 * form (and that it parses back), and the connection target worked out
 * from a configuration.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "tq-int.h"

/* Parse url, which must be good, and compare every field. */
static void
check_good(const char *url, const char *host, int port, const char *path,
    const char *user, const char *password, int db)
{
	struct tq_url	u;
	struct tq_error	err;

	tq_error_clear(&err);
	if (tq_url_parse(url, &u, &err) != 0)
		fail_msg("%s: %s", url, err.msg);
	if (host == NULL)
		assert_null(u.host);
	else
		assert_string_equal(u.host, host);
	assert_int_equal(u.port, port);
	if (path == NULL)
		assert_null(u.path);
	else
		assert_string_equal(u.path, path);
	if (user == NULL)
		assert_null(u.user);
	else
		assert_string_equal(u.user, user);
	if (password == NULL)
		assert_null(u.password);
	else
		assert_string_equal(u.password, password);
	assert_int_equal(u.db, db);
	tq_url_done(&u);
	assert_null(u.host);
	assert_null(u.password);
}

/* url must fail with TQ_ECONFIG and a message containing want. */
static void
check_bad(const char *url, const char *want)
{
	struct tq_url	u;
	struct tq_error	err;

	tq_error_clear(&err);
	if (tq_url_parse(url, &u, &err) == 0)
		fail_msg("'%s' was accepted", url);
	assert_int_equal(err.code, TQ_ECONFIG);
	if (strstr(err.msg, want) == NULL)
		fail_msg("'%s': message '%s' lacks '%s'", url, err.msg, want);
	/* A failed parse leaves nothing to free. */
	assert_null(u.host);
	assert_null(u.path);
	assert_null(u.user);
	assert_null(u.password);
	tq_url_done(&u);
}

static void
test_tcp(void **state)
{
	(void)state;
	check_good("redis://localhost", "localhost", 6379, NULL, NULL, NULL, 0);
	check_good("redis://127.0.0.1:6380/2", "127.0.0.1", 6380, NULL, NULL,
	    NULL, 2);
	check_good("REDIS://Cache-1.example.com", "Cache-1.example.com", 6379,
	    NULL, NULL, NULL, 0);
	check_good("redis://host/", "host", 6379, NULL, NULL, NULL, 0);
	check_good("redis://host?db=4", "host", 6379, NULL, NULL, NULL, 4);
	check_good("redis://host:1/2147483647", "host", 1, NULL, NULL, NULL,
	    2147483647);
	check_good("redis://host:65535", "host", 65535, NULL, NULL, NULL, 0);
}

static void
test_ipv6(void **state)
{
	(void)state;
	check_good("redis://[::1]", "::1", 6379, NULL, NULL, NULL, 0);
	check_good("redis://[2001:db8::7]:7000/3", "2001:db8::7", 7000, NULL,
	    NULL, NULL, 3);
	check_good("redis://:pw@[::ffff:10.0.0.1]:6390",
	    "::ffff:10.0.0.1", 6390, NULL, NULL, "pw", 0);
	check_bad("redis://[::1", "missing ']'");
	check_bad("redis://[zz::1]", "bad IPv6 address 'zz::1'");
	check_bad("redis://[]", "bad IPv6 address");
	check_bad("redis://[::1]x", "unexpected text after the IPv6");
	check_bad("redis://::1", "missing host");
}

static void
test_auth(void **state)
{
	(void)state;
	/* Password alone: AUTH password. */
	check_good("redis://:secret@host", "host", 6379, NULL, NULL, "secret",
	    0);
	check_good("redis://alice:secret@host:7/1", "host", 7, NULL, "alice",
	    "secret", 1);
	/* Percent-encoding of user and password. */
	check_good("redis://al%69ce:p%40ss%3Aw%2Fd%25@host", "host", 6379, NULL,
	    "alice", "p@ss:w/d%", 0);
	/* Raw '@', ':', '/' and '?' in a password: the last '@' ends it. */
	check_good("redis://bob:p@s:s/w?d@host/3", "host", 6379, NULL, "bob",
	    "p@s:s/w?d", 3);
	check_bad("redis://alice@host", "user but no password");
	check_bad("redis://:@host", "empty password");
	check_bad("redis://:p%zzw@host",
	    "bad percent-encoding in the password");
	check_bad("redis://:p%00w@host", "bad percent-encoding");
	check_bad("redis://:pw%4@host", "bad percent-encoding");
	check_bad("redis://u%g1:pw@host", "bad percent-encoding in the user");
}

static void
test_unix(void **state)
{
	char	url[300];

	(void)state;
	check_good("unix:///tmp/redis.sock", NULL, 0, "/tmp/redis.sock", NULL,
	    NULL, 0);
	check_good("unix:///tmp/redis.sock?db=3", NULL, 0, "/tmp/redis.sock",
	    NULL, NULL, 3);
	check_good("unix://:pw@/run/redis/redis.sock?db=1", NULL, 0,
	    "/run/redis/redis.sock", NULL, "pw", 1);
	check_good("unix://bob:pw@/run/redis@main/redis.sock", NULL, 0,
	    "/run/redis@main/redis.sock", "bob", "pw", 0);
	check_good("unix:///run/redis@main/redis.sock", NULL, 0,
	    "/run/redis@main/redis.sock", NULL, NULL, 0);
	check_good("unix:///tmp/my%20redis.sock", NULL, 0, "/tmp/my redis.sock",
	    NULL, NULL, 0);
	check_bad("unix://relative.sock", "absolute socket path");
	check_bad("unix://localhost/tmp/redis.sock", "absolute socket path");
	check_bad("unix://", "absolute socket path");
	check_bad("unix:///", "missing socket path");
	check_bad("unix:///tmp/r.sock?db=x", "bad database 'x'");
	check_bad("unix:///tmp/r.sock?timeout=3",
	    "unknown parameter 'timeout'");
	check_bad("unix:///tmp/r.sock#x", "fragment");
	snprintf(url, sizeof url, "unix:///%0200d.sock", 0);
	check_bad(url, "too long");
}

static void
test_bad(void **state)
{
	(void)state;
	check_bad("", "empty redis URL");
	check_bad("localhost:6379", "not a redis URL");
	check_bad("http://host", "unsupported URL scheme 'http'");
	check_bad("rediss://host:6380", "TLS");
	check_bad("rediss://host:6380", "docs/SECURITY.md");
	check_bad("rediss://host:6380", "stunnel");
	check_bad("redis://", "missing host");
	check_bad("redis://:6379", "missing host");
	check_bad("redis://ho st", "bad host name 'ho st'");
	check_bad("redis://host:70000", "bad port '70000' in redis URL");
	check_bad("redis://host:0", "bad port '0'");
	check_bad("redis://host:-1", "bad port '-1'");
	check_bad("redis://host:abc/1", "bad port 'abc'");
	check_bad("redis://host:99999999999999999999", "bad port");
	check_bad("redis://host:", "missing port");
	check_bad("redis://host:/1", "missing port");
	check_bad("redis://host/abc", "bad database 'abc'");
	check_bad("redis://host/-1", "bad database '-1'");
	check_bad("redis://host/2147483648", "bad database '2147483648'");
	check_bad("redis://host/1?db=2", "database twice");
	check_bad("redis://host?foo=1", "unknown parameter 'foo'");
	check_bad("redis://host?a{b=1", "bad query");
	check_bad("redis://host#frag", "fragment");
	check_bad("redis://host/1#frag", "fragment");
}

/* However a URL is wrong, its password never shows in the message. */
static void
test_password_not_echoed(void **state)
{
	static const char *const urls[] = {
		"redis://:S3cr3tPw@host:99999",
		"redis://:S3cr3tPw@",
		"redis://S3cr3tPw@host",
		"redis://:S3cr3tPw@host/x",
		"redis://:S3cr3tPw@host?pass=1",
		"redis://:S3cr3tPw@ho st",
		"redis://:S3cr3tPw%zz@host",
		"redis://u:S3cr3tPw%@host",
		"redis://:S3cr3tPw/x@host:0",
		"rediss://:S3cr3tPw@host",
		"http://:S3cr3tPw@host",
		"S3cr3tPw",
		":S3cr3tPw@host",
		"unix://:S3cr3tPw@/x?foo",
		"unix://:S3cr3tPw@relative",
		"unix://:S3cr3tPw%zz@/x",
		"unix://:S3cr3tPw@/?db=x",
	};
	struct tq_url	 u;
	struct tq_error	 err;
	size_t		 i;

	(void)state;
	for (i = 0; i < TQ_NITEMS(urls); i++) {
		tq_error_clear(&err);
		if (tq_url_parse(urls[i], &u, &err) == 0)
			fail_msg("'%s' was accepted", urls[i]);
		assert_int_equal(err.code, TQ_ECONFIG);
		if (strstr(err.msg, "S3cr3t") != NULL)
			fail_msg("'%s': message echoes the password: %s",
			    urls[i], err.msg);
	}
}

/* format(parse(url)) parses back to the same fields. */
static void
check_roundtrip(const char *url, const char *want)
{
	struct tq_url	 a, b;
	char		*s;

	assert_int_equal(tq_url_parse(url, &a, NULL), 0);
	s = tq_url_format(&a, 0);
	if (want != NULL)
		assert_string_equal(s, want);
	if (tq_url_parse(s, &b, NULL) != 0)
		fail_msg("'%s' formatted as '%s', which does not parse", url,
		    s);
	free(s);
	if (a.host == NULL)
		assert_null(b.host);
	else
		assert_string_equal(a.host, b.host);
	if (a.path == NULL)
		assert_null(b.path);
	else
		assert_string_equal(a.path, b.path);
	if (a.user == NULL)
		assert_null(b.user);
	else
		assert_string_equal(a.user, b.user);
	if (a.password == NULL)
		assert_null(b.password);
	else
		assert_string_equal(a.password, b.password);
	assert_int_equal(a.port, b.port);
	assert_int_equal(a.db, b.db);
	tq_url_done(&a);
	tq_url_done(&b);
}

static void
test_format(void **state)
{
	struct tq_url	 u;
	char		*s;

	(void)state;
	check_roundtrip("redis://localhost", "redis://localhost:6379/0");
	check_roundtrip("redis://[::1]:7000/3", "redis://[::1]:7000/3");
	check_roundtrip("redis://a%20b:p@s s/w@host/2",
	    "redis://a%20b:p%40s%20s%2Fw@host:6379/2");
	check_roundtrip("redis://:pw@host", "redis://:pw@host:6379/0");
	check_roundtrip("unix:///tmp/redis.sock", "unix:///tmp/redis.sock");
	check_roundtrip("unix://u:p@/run/redis@x/r.sock?db=5",
	    "unix://u:p@/run/redis%40x/r.sock?db=5");
	check_roundtrip("unix:///tmp/a%3Fb%23c.sock", NULL);

	assert_int_equal(tq_url_parse("redis://bob:hunter2@host:1/2", &u,
	    NULL), 0);
	s = tq_url_format(&u, 1);
	assert_string_equal(s, "redis://bob:***@host:1/2");
	free(s);
	tq_url_done(&u);
	tq_url_done(&u);	/* twice is harmless */
}

static void
test_check_host(void **state)
{
	struct tq_error	err;

	(void)state;
	assert_int_equal(tq_url_check_host("redis.example.com", NULL), 0);
	assert_int_equal(tq_url_check_host("10.1.2.3", NULL), 0);
	assert_int_equal(tq_url_check_host("::1", NULL), 0);
	assert_int_equal(tq_url_check_host("fe80::1%eth0", NULL), 0);
	assert_int_equal(tq_url_check_host("", &err), -1);
	assert_string_equal(err.msg, "missing host");
	assert_int_equal(tq_url_check_host("a/b", &err), -1);
	assert_string_equal(err.msg, "bad host name 'a/b'");
	assert_int_equal(tq_url_check_host("::g", &err), -1);
	assert_string_equal(err.msg, "bad IPv6 address '::g'");
}

/* A file in a fresh directory holding text; returns its path (new). */
static char *
write_temp(const char *text)
{
	char	 dir[] = "/tmp/tq-test-url-XXXXXX", *path;
	FILE	*f;

	assert_non_null(mkdtemp(dir));
	path = tq_xasprintf("%s/pw", dir);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return (path);
}

static void
remove_temp(char *path)
{
	char	*slash;

	unlink(path);
	slash = strrchr(path, '/');
	*slash = '\0';
	rmdir(path);
	free(path);
}

static void
test_from_config(void **state)
{
	struct tq_config	*cfg;
	struct tq_url		 u;
	struct tq_error		 err;
	char			*pw;

	(void)state;
	cfg = tq_config_new();

	/* Defaults: TCP to 127.0.0.1:6379, db 0, no auth. */
	assert_int_equal(tq_url_from_config(cfg, &u, &err), 0);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(u.port, 6379);
	assert_null(u.path);
	assert_null(u.password);
	assert_null(u.user);
	assert_int_equal(u.db, 0);
	tq_url_done(&u);

	/* The separate keys; socket wins over host and port. */
	assert_int_equal(tq_config_set(cfg, "redis", "host", "::1", NULL), 0);
	assert_int_equal(tq_config_set(cfg, "redis", "port", "7001", NULL), 0);
	assert_int_equal(tq_config_set(cfg, "redis", "db", "3", NULL), 0);
	assert_int_equal(tq_config_set(cfg, "redis", "password", "pw1",
	    NULL), 0);
	assert_int_equal(tq_url_from_config(cfg, &u, &err), 0);
	assert_string_equal(u.host, "::1");
	assert_int_equal(u.port, 7001);
	assert_int_equal(u.db, 3);
	assert_string_equal(u.password, "pw1");
	tq_url_done(&u);
	assert_int_equal(tq_config_set(cfg, "redis", "socket", "/tmp/r.sock",
	    NULL), 0);
	assert_int_equal(tq_url_from_config(cfg, &u, &err), 0);
	assert_null(u.host);
	assert_string_equal(u.path, "/tmp/r.sock");
	assert_int_equal(u.db, 3);
	tq_url_done(&u);

	/* A user needs a password. */
	assert_int_equal(tq_config_set(cfg, "redis", "password", "", NULL), 0);
	assert_int_equal(tq_config_set(cfg, "redis", "user", "alice", NULL), 0);
	assert_int_equal(tq_url_from_config(cfg, &u, &err), -1);
	assert_int_equal(err.code, TQ_ECONFIG);
	assert_non_null(strstr(err.msg, "redis.user"));
	assert_null(u.host);

	/* url overrides all of the above... */
	assert_int_equal(tq_config_set_url(cfg, "redis://h2:6390/4", &err), 0);
	assert_int_equal(tq_url_from_config(cfg, &u, &err), 0);
	assert_string_equal(u.host, "h2");
	assert_int_equal(u.port, 6390);
	assert_int_equal(u.db, 4);
	assert_null(u.user);
	assert_null(u.password);
	tq_url_done(&u);

	/* ...but password_file fills a password the URL does not carry,
	 * and brings the ACL user it belongs to. */
	pw = write_temp("from-file\n");
	assert_int_equal(tq_config_set(cfg, "redis", "password_file", pw,
	    &err), 0);
	assert_int_equal(tq_url_from_config(cfg, &u, &err), 0);
	assert_string_equal(u.password, "from-file");
	assert_string_equal(u.user, "alice");
	tq_url_done(&u);
	assert_int_equal(tq_config_set_url(cfg, "redis://:in-url@h2", &err), 0);
	assert_int_equal(tq_url_from_config(cfg, &u, &err), 0);
	assert_string_equal(u.password, "in-url");
	tq_url_done(&u);
	remove_temp(pw);

	tq_config_free(cfg);
}

/* scrub in must give out and returned. */
static void
check_scrub(const char *in, const char *out, int returned)
{
	char	*s = tq_xstrdup(in);

	assert_int_equal(tq_url_scrub(s), returned);
	assert_string_equal(s, out);
	free(s);
}

static void
test_scrub(void **state)
{
	(void)state;
	check_scrub("redis://:s3cret@host:6379/2", "redis://:******@host:6379/2",
	    1);
	check_scrub("redis://app:pw@h", "redis://app:**@h", 1);
	/* The last '@' ends the userinfo, as for the parser. */
	check_scrub("redis://:p@ss@h", "redis://:****@h", 1);
	check_scrub("REDIS://:x@h", "REDIS://:*@h", 1);
	check_scrub("rediss://:tls@h", "rediss://:***@h", 1);
	check_scrub("unix://u:pw@/run/r@main/r.sock",
	    "unix://u:**@/run/r@main/r.sock", 1);
	/* No ':': maybe a password without it; hide it all. */
	check_scrub("redis://secret@h", "redis://******@h", 1);
	/* Nothing to hide. */
	check_scrub("redis://h:6379/0", "redis://h:6379/0", 0);
	check_scrub("redis://user:@h", "redis://user:@h", 0);
	check_scrub("unix:///run/r@main/r.sock", "unix:///run/r@main/r.sock",
	    0);
	check_scrub("host:6379", "host:6379", 0);
	check_scrub("", "", 0);
	assert_int_equal(tq_url_scrub(NULL), 0);
}

/* redis-cluster:// and redis-sentinel://: the seeds, the master. */
static void
test_cluster_sentinel(void **state)
{
	struct tq_url	 u;
	struct tq_config *cfg;
	struct tq_error	 err;
	char		*s;

	(void)state;
	assert_int_equal(tq_url_parse("redis-cluster://:pw@10.0.0.1:7000,"
	    "[::1]:7001,node3", &u, &err), 0);
	assert_int_equal(u.nseeds, 3);
	assert_string_equal(u.seeds[0].host, "10.0.0.1");
	assert_int_equal(u.seeds[0].port, 7000);
	assert_string_equal(u.seeds[1].host, "::1");
	assert_int_equal(u.seeds[2].port, 6379);
	assert_string_equal(u.host, "10.0.0.1");
	assert_string_equal(u.password, "pw");
	assert_null(u.master);
	s = tq_url_format(&u, 1);
	assert_string_equal(s, "redis-cluster://:***@10.0.0.1:7000,"
	    "[::1]:7001,node3:6379");
	free(s);
	tq_url_done(&u);

	assert_int_equal(tq_url_parse("redis-sentinel://a:b@s1,s2:5000/"
	    "orders/2", &u, &err), 0);
	assert_int_equal(u.nseeds, 2);
	assert_int_equal(u.seeds[0].port, 26379);
	assert_int_equal(u.seeds[1].port, 5000);
	assert_string_equal(u.master, "orders");
	assert_int_equal(u.db, 2);
	assert_string_equal(u.user, "a");
	s = tq_url_format(&u, 0);
	assert_string_equal(s, "redis-sentinel://a:b@s1:26379,s2:5000/orders/2");
	free(s);
	tq_url_done(&u);
	check_roundtrip("redis-sentinel://s1/m", NULL);
	check_roundtrip("redis-cluster://h:1,h:2", "redis-cluster://h:1,h:2");

	check_bad("redis-cluster://h:1,,h:2", "empty node");
	check_bad("redis-cluster://h:1/3", "names nodes only");
	check_bad("redis-sentinel://s1", "names the master");
	check_bad("redis-sentinel://s1/bad name", "master name");

	/* From the configuration's keys. */
	cfg = tq_config_new();
	assert_int_equal(tq_config_set(cfg, "redis", "sentinels",
	    "127.0.0.1:26380", &err), 0);
	assert_int_equal(tq_config_set(cfg, "redis", "master_name", "jobs",
	    &err), 0);
	assert_int_equal(tq_url_from_config(cfg, &u, &err), 0);
	assert_string_equal(u.master, "jobs");
	assert_int_equal(u.seeds[0].port, 26380);
	tq_url_done(&u);
	assert_int_equal(tq_config_set(cfg, "redis", "sentinels", "", &err),
	    0);
	assert_int_equal(tq_config_set(cfg, "redis", "cluster",
	    "127.0.0.1:7000,127.0.0.1:7001", &err), 0);
	assert_int_equal(tq_url_from_config(cfg, &u, &err), 0);
	assert_int_equal(u.nseeds, 2);
	assert_null(u.master);
	tq_url_done(&u);
	assert_int_equal(tq_config_set(cfg, "redis", "cluster", "h:x", &err),
	    -1);
	tq_config_free(cfg);
}

/* Hash slots as Redis computes them (CLUSTER KEYSLOT), redirections. */
static void
test_cluster_slot(void **state)
{
	char		host[64];
	unsigned	slot;
	int		port;

	(void)state;
	assert_int_equal(tq_cluster_slot("foo", 3), 12182);
	assert_int_equal(tq_cluster_slot("123456789", 9), 0x31c3 & 16383);
	assert_int_equal(tq_cluster_slot("{user1000}.following", 20), 3443);
	assert_int_equal(tq_cluster_slot("{user1000}.followers", 20), 3443);
	/* An empty tag does not count: the whole key is hashed (values
	 * from redis-cli CLUSTER KEYSLOT). */
	assert_int_equal(tq_cluster_slot("foo{}{bar}", 10), 8363);
	assert_int_equal(tq_cluster_slot("foo{{bar}}zap", 13), 4015);
	assert_int_equal(tq_cluster_slot("foo{bar}{zap}", 13), 5061);
	assert_int_equal(tq_cluster_slot("{}x", 3), 10595);
	/* Every key of a queue is in one slot. */
	assert_int_equal(tq_cluster_slot("tq:{email}:t", 12),
	    tq_cluster_slot("tq:{email}:ready:9", 18));
	assert_int_equal(tq_cluster_slot("tq:{email}:t", 12),
	    tq_cluster_slot("email", 5));

	assert_int_equal(tq_cluster_redirect("MOVED 3999 127.0.0.1:6381",
	    &slot, host, sizeof host, &port), 1);
	assert_int_equal(slot, 3999);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 6381);
	assert_int_equal(tq_cluster_redirect("ASK 1 [::1]:7000", &slot,
	    host, sizeof host, &port), 2);
	assert_string_equal(host, "::1");
	assert_int_equal(tq_cluster_redirect("ASK 1 ::1:7000", &slot,
	    host, sizeof host, &port), 2);
	assert_string_equal(host, "::1");
	assert_int_equal(tq_cluster_redirect("MOVED 16384 h:1", &slot, host,
	    sizeof host, &port), 0);
	assert_int_equal(tq_cluster_redirect("MOVED 1 h:0", &slot, host,
	    sizeof host, &port), 0);
	assert_int_equal(tq_cluster_redirect("ERR nope", &slot, host,
	    sizeof host, &port), 0);
	assert_int_equal(tq_cluster_redirect("MOVED x h:1", &slot, host,
	    sizeof host, &port), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cluster_sentinel),
		cmocka_unit_test(test_cluster_slot),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_scrub),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_unix),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_password_not_echoed),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_check_host),
		cmocka_unit_test(test_from_config),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
