/*
 * test-check.c -- unit tests of core/check.c: names, payloads, priorities.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Every class of bad name byte and the message it gives; payloads of
 * every JSON type, the JSON that strict parsers refuse but lenient ones
 * accept, invalid UTF-8 of each kind, the size cap and NULL; the scanner
 * task.c uses to find a payload's span; and the priority range.
 */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tq-int.h"

/* name must be accepted. */
static void
name_good(const char *name)
{
	struct tq_error	err;

	tq_error_clear(&err);
	if (tq_check_name("queue name", name, &err) != 0)
		fail_msg("'%s' refused: %s", name, err.msg);
	assert_int_equal(err.code, TQ_OK);
}

/* name must be refused with TQ_EINVAL and exactly the message want. */
static void
name_bad(const char *what, const char *name, const char *want)
{
	struct tq_error	err;

	tq_error_clear(&err);
	if (tq_check_name(what, name, &err) == 0)
		fail_msg("'%s' accepted", name != NULL ? name : "(null)");
	assert_int_equal(err.code, TQ_EINVAL);
	assert_string_equal(err.msg, want);
}

static void
test_name_good(void **state TQ_UNUSED)
{
	char	max[TQ_NAME_MAX + 1];

	name_good("email");
	name_good("a");
	name_good("image_processing");
	name_good("Queue-1.v2:high");
	name_good("0123456789");
	name_good("---");
	memset(max, 'x', TQ_NAME_MAX);
	max[TQ_NAME_MAX] = '\0';
	name_good(max);

	/* A NULL err is allowed. */
	assert_int_equal(tq_check_name("queue name", "ok", NULL), 0);
	assert_int_equal(tq_check_name("queue name", "n o", NULL), -1);
}

static void
test_name_bad_chars(void **state TQ_UNUSED)
{
	name_bad("queue name", "a b", "queue name 'a b' has a space at byte 2");
	name_bad("task type", "a{b", "task type 'a{b' has '{' at byte 2");
	name_bad("task type", "ab}", "task type 'ab}' has '}' at byte 3");
	name_bad("namespace", "*", "namespace '*' has '*' at byte 1");
	name_bad("namespace", "a?", "namespace 'a?' has '?' at byte 2");
	name_bad("task id", "[x", "task id '[x' has '[' at byte 1");
	name_bad("task id", "x]", "task id 'x]' has ']' at byte 2");
	name_bad("queue name", "a/b", "queue name 'a/b' has '/' at byte 2");
	name_bad("queue name", "a'b",
	    "queue name 'a\\x27b' has a single quote at byte 2");
	name_bad("queue name", "a\tb",
	    "queue name 'a\\x09b' has control character \\x09 at byte 2");
	name_bad("queue name", "a\x01",
	    "queue name 'a\\x01' has control character \\x01 at byte 2");
	name_bad("queue name", "x\x7f",
	    "queue name 'x\\x7f' has control character \\x7f at byte 2");
	/* é in UTF-8: the first byte is reported. */
	name_bad("queue name", "caf\xc3\xa9",
	    "queue name 'caf\\xc3\\xa9' has non-ASCII byte \\xc3 at byte 4");
	name_bad(NULL, "a b", "name 'a b' has a space at byte 2");
}

static void
test_name_bad_length(void **state TQ_UNUSED)
{
	struct tq_error	 err;
	char		 big[300];

	name_bad("queue name", "", "queue name is empty");
	name_bad("task type", NULL, "task type is empty");

	memset(big, 'q', TQ_NAME_MAX + 1);
	big[TQ_NAME_MAX + 1] = '\0';
	tq_error_clear(&err);
	assert_int_equal(tq_check_name("queue name", big, &err), -1);
	assert_int_equal(err.code, TQ_EINVAL);
	assert_non_null(strstr(err.msg, "is longer than 128 bytes"));
	assert_true(strncmp(err.msg, "queue name 'qqq", 15) == 0);
	/* The name is shortened in the message. */
	assert_non_null(strstr(err.msg, "...'"));

	/* A long name of escaped bytes still fits the message. */
	memset(big, '\x01', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(tq_check_name("queue name", big, &err), -1);
	assert_non_null(strstr(err.msg, "is longer than 128 bytes"));

	memset(big, 'a', TQ_NAME_MAX);
	big[TQ_NAME_MAX - 1] = ' ';
	big[TQ_NAME_MAX] = '\0';
	assert_int_equal(tq_check_name("queue name", big, &err), -1);
	assert_non_null(strstr(err.msg, "has a space at byte 128"));
}

/* payload must be accepted with the cap max. */
static void
payload_good(const char *payload, int64_t max)
{
	struct tq_error	err;

	tq_error_clear(&err);
	if (tq_check_payload(payload, max, &err) != 0)
		fail_msg("payload '%s' refused: %s", payload, err.msg);
}

/* payload must be refused with code and a message containing want. */
static void
payload_bad(const char *payload, int64_t max, enum tq_errcode code,
    const char *want)
{
	struct tq_error	err;

	tq_error_clear(&err);
	if (tq_check_payload(payload, max, &err) == 0)
		fail_msg("payload '%s' accepted", payload);
	assert_int_equal(err.code, code);
	if (strstr(err.msg, want) == NULL)
		fail_msg("payload '%s': message '%s' lacks '%s'", payload,
		    err.msg, want);
}

#define MAXP	TQ_PAYLOAD_MAX_DEFAULT

static void
test_payload_good(void **state TQ_UNUSED)
{
	payload_good(NULL, MAXP);
	payload_good("null", MAXP);
	payload_good("true", MAXP);
	payload_good("false", MAXP);
	payload_good("0", MAXP);
	payload_good("-0", MAXP);
	payload_good("42", MAXP);
	payload_good("-1.5e-3", MAXP);
	payload_good("1E+10", MAXP);
	payload_good("9223372036854775807", MAXP);
	payload_good("0.1", MAXP);
	payload_good("\"\"", MAXP);
	payload_good("\"text\"", MAXP);
	payload_good("\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9\"", MAXP);
	payload_good("\"pair \\ud83d\\ude00\"", MAXP);
	payload_good("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"", MAXP);
	payload_good("[]", MAXP);
	payload_good("{}", MAXP);
	payload_good("[1,\"a\",null,true,{\"k\":[{}]}]", MAXP);
	payload_good("{\"to\":\"a@b.c\",\"n\":1,\"nested\":{\"x\":[1,2]}}",
	    MAXP);
	payload_good(" \t\r\n{ \"a\" : [ 1 , 2 ] }\n ", MAXP);
	/* A duplicate key is JSON all the same. */
	payload_good("{\"a\":1,\"a\":2}", MAXP);
	/* No cap. */
	payload_good("[1,2,3]", 0);
	payload_good("[1,2,3]", -1);
}

static void
test_payload_bad_json(void **state TQ_UNUSED)
{
	payload_bad("", MAXP, TQ_EINVAL, "unexpected end at byte 1");
	payload_bad("   ", MAXP, TQ_EINVAL, "not valid JSON");
	payload_bad("{", MAXP, TQ_EINVAL, "unexpected end");
	payload_bad("[1,2", MAXP, TQ_EINVAL, "unexpected end at byte 5");
	payload_bad("{\"a\":1", MAXP, TQ_EINVAL, "unexpected end");
	payload_bad("{\"a\"}", MAXP, TQ_EINVAL, "unexpected '}' at byte 5");
	payload_bad("{a:1}", MAXP, TQ_EINVAL, "unexpected 'a' at byte 2");
	payload_bad("[1,]", MAXP, TQ_EINVAL, "unexpected ']' at byte 4");
	payload_bad("{\"a\":1,}", MAXP, TQ_EINVAL, "unexpected '}'");
	payload_bad("[1 2]", MAXP, TQ_EINVAL, "unexpected '2' at byte 4");
	payload_bad("'a'", MAXP, TQ_EINVAL, "unexpected ''' at byte 1");
	payload_bad("nul", MAXP, TQ_EINVAL, "unexpected 'n'");
	payload_bad("True", MAXP, TQ_EINVAL, "unexpected 'T'");
	payload_bad("NaN", MAXP, TQ_EINVAL, "not valid JSON");
	payload_bad("Infinity", MAXP, TQ_EINVAL, "not valid JSON");

	/* Trailing garbage. */
	payload_bad("{} x", MAXP, TQ_EINVAL, "after the JSON value");
	payload_bad("1 2", MAXP, TQ_EINVAL, "after the JSON value");
	payload_bad("{}{}", MAXP, TQ_EINVAL, "unexpected '{' at byte 3");
	payload_bad("null,", MAXP, TQ_EINVAL, "after the JSON value");

	/* Numbers cJSON would take but RFC 8259 does not. */
	payload_bad("01", MAXP, TQ_EINVAL, "unexpected '1' at byte 2");
	payload_bad("+1", MAXP, TQ_EINVAL, "unexpected '+'");
	payload_bad(".5", MAXP, TQ_EINVAL, "unexpected '.'");
	payload_bad("1.", MAXP, TQ_EINVAL, "unexpected end");
	payload_bad("1e", MAXP, TQ_EINVAL, "unexpected end");
	payload_bad("-", MAXP, TQ_EINVAL, "unexpected end");
	payload_bad("0x10", MAXP, TQ_EINVAL, "after the JSON value");
	/* Longer than cJSON's number buffer. */
	payload_bad("1234567890123456789012345678901234567890"
	    "123456789012345678901234567890", MAXP, TQ_EINVAL,
	    "longer than 63 characters");

	/* Strings. */
	payload_bad("\"abc", MAXP, TQ_EINVAL, "unexpected end");
	payload_bad("\"a\nb\"", MAXP, TQ_EINVAL,
	    "control character \\x0a in a string at byte 3");
	payload_bad("\"a\\qb\"", MAXP, TQ_EINVAL, "bad escape");
	payload_bad("\"\\u12\"", MAXP, TQ_EINVAL, "bad escape");
	payload_bad("\"\\ud83d\"", MAXP, TQ_EINVAL, "unpaired surrogate");
	payload_bad("\"\\ud83dx\"", MAXP, TQ_EINVAL, "unpaired surrogate");
	payload_bad("\"\\ud83d\\u0041\"", MAXP, TQ_EINVAL,
	    "unpaired surrogate");
	payload_bad("\"\\ude00\"", MAXP, TQ_EINVAL, "unpaired surrogate");

	/* Whitespace JSON does not know; cJSON skips any byte <= 32. */
	payload_bad("\x01" "1", MAXP, TQ_EINVAL, "unexpected \\x01 at byte 1");
	payload_bad("\xef\xbb\xbf{}", MAXP, TQ_EINVAL, "unexpected \\xef");
}

/* n arrays nested around a 1 (new string). */
static char *
deep_array(size_t n)
{
	char	*s;

	s = malloc(2 * n + 2);
	assert_non_null(s);
	memset(s, '[', n);
	s[n] = '1';
	memset(s + n + 1, ']', n);
	s[2 * n + 1] = '\0';
	return (s);
}

static void
test_payload_depth(void **state TQ_UNUSED)
{
	char	*deep;

	/* Exactly the limit is fine, one more is not. */
	deep = deep_array(TQ_JSON_DEPTH_MAX);
	payload_good(deep, 0);
	free(deep);
	deep = deep_array(TQ_JSON_DEPTH_MAX + 1);
	payload_bad(deep, 0, TQ_EINVAL, "nested deeper than 512 levels");
	free(deep);

	/* Far deeper than cJSON's limit, without exhausting anything. */
	deep = deep_array(100000);
	payload_bad(deep, 0, TQ_EINVAL, "nested deeper");
	free(deep);
}

static void
test_payload_utf8(void **state TQ_UNUSED)
{
	/* Lone continuation byte. */
	payload_bad("\"\x80\"", MAXP, TQ_EINVAL,
	    "not valid UTF-8 at byte 2 (\\x80)");
	/* Overlong encodings of '/' and NUL. */
	payload_bad("\"\xc0\xaf\"", MAXP, TQ_EINVAL, "UTF-8 at byte 2");
	payload_bad("\"\xc1\xbf\"", MAXP, TQ_EINVAL, "UTF-8 at byte 2");
	payload_bad("\"\xe0\x80\xaf\"", MAXP, TQ_EINVAL, "UTF-8 at byte 2");
	payload_bad("\"\xf0\x80\x80\xaf\"", MAXP, TQ_EINVAL,
	    "UTF-8 at byte 2");
	/* Surrogates U+D800 and U+DFFF, encoded directly. */
	payload_bad("\"\xed\xa0\x80\"", MAXP, TQ_EINVAL, "UTF-8 at byte 2");
	payload_bad("\"\xed\xbf\xbf\"", MAXP, TQ_EINVAL, "UTF-8 at byte 2");
	/* Above U+10FFFF. */
	payload_bad("\"\xf4\x90\x80\x80\"", MAXP, TQ_EINVAL, "UTF-8 at byte 2");
	payload_bad("\"\xf5\x80\x80\x80\"", MAXP, TQ_EINVAL, "UTF-8 at byte 2");
	payload_bad("\"\xff\"", MAXP, TQ_EINVAL, "UTF-8 at byte 2");
	/* Truncated sequences, inside and at the end. */
	payload_bad("\"\xe2\x82\"", MAXP, TQ_EINVAL, "UTF-8 at byte 2");
	payload_bad("\"ab\xc3", MAXP, TQ_EINVAL, "UTF-8 at byte 4");
	payload_bad("\"\xf0\x9f\x98\"", MAXP, TQ_EINVAL, "UTF-8 at byte 2");

	/* The edges that are valid. */
	payload_good("\"\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xed\x9f\xbf "
	    "\xee\x80\x80 \xef\xbf\xbf \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf\"",
	    MAXP);
}

static void
test_utf8_direct(void **state TQ_UNUSED)
{
	size_t	bad = 99;

	assert_int_equal(tq_check_utf8("", 0, &bad), 0);
	assert_int_equal(tq_check_utf8("plain", 5, &bad), 0);
	assert_int_equal(tq_check_utf8("ab\xc3\xa9", 4, NULL), 0);
	/* The length bounds the check: a sequence cut by it is bad. */
	assert_int_equal(tq_check_utf8("ab\xc3\xa9", 3, &bad), -1);
	assert_int_equal(bad, 2);
	assert_int_equal(tq_check_utf8("abc\xed\xa0\x80", 6, &bad), -1);
	assert_int_equal(bad, 3);
}

static void
test_payload_size(void **state TQ_UNUSED)
{
	struct tq_error	 err;
	char		*big;
	size_t		 n = 2000000, i;

	/* {"a":"xxxx…"} of exactly n bytes. */
	big = malloc(n + 1);
	assert_non_null(big);
	memcpy(big, "{\"a\":\"", 6);
	for (i = 6; i < n - 2; i++)
		big[i] = 'x';
	memcpy(big + n - 2, "\"}", 3);
	assert_int_equal(strlen(big), n);

	tq_error_clear(&err);
	assert_int_equal(tq_check_payload(big, 1048576, &err), -1);
	assert_int_equal(err.code, TQ_ETOOBIG);
	assert_string_equal(err.msg, "payload is 2000000 bytes, above the "
	    "queue's max_payload of 1048576");
	/* Exactly at the cap, and one byte over. */
	payload_good(big, (int64_t)n);
	payload_bad(big, (int64_t)n - 1, TQ_ETOOBIG, "above the queue's");
	/* The size is checked before the content. */
	payload_bad("not json at all", 3, TQ_ETOOBIG, "is 15 bytes");
	free(big);

	/* A NULL err is allowed. */
	assert_int_equal(tq_check_payload("{x", MAXP, NULL), -1);
	assert_int_equal(tq_check_payload("{}", MAXP, NULL), 0);
}

static void
test_json_value_span(void **state TQ_UNUSED)
{
	const char	*s = "  [1, {\"a\": \"}\"}]  , 7";
	struct tq_error	 err;
	size_t		 pos = 0;

	assert_int_equal(tq_check_json_value(s, strlen(s), &pos, &err), 0);
	assert_int_equal(pos, 17);
	assert_int_equal(s[pos - 1], ']');

	/* A length that cuts the value short. */
	pos = 0;
	assert_int_equal(tq_check_json_value(s, 10, &pos, &err), -1);
	assert_int_equal(err.code, TQ_EINVAL);
	assert_non_null(strstr(err.msg, "unexpected end"));

	/* Scanning from the middle, over leading whitespace. */
	pos = 20;
	assert_int_equal(tq_check_json_value(s, strlen(s), &pos, NULL), 0);
	assert_int_equal(pos, strlen(s));

	/* Only len bytes are looked at. */
	pos = 0;
	assert_int_equal(tq_check_json_value("truex", 4, &pos, NULL), 0);
	assert_int_equal(pos, 4);
	pos = 0;
	assert_int_equal(tq_check_json_value("truex", 3, &pos, NULL), -1);
}

static void
test_priority(void **state TQ_UNUSED)
{
	struct tq_error	err;
	int		p;

	for (p = TQ_PRIORITY_MIN; p <= TQ_PRIORITY_MAX; p++)
		assert_int_equal(tq_check_priority(p, &err), 0);

	tq_error_clear(&err);
	assert_int_equal(tq_check_priority(12, &err), -1);
	assert_int_equal(err.code, TQ_EINVAL);
	assert_string_equal(err.msg, "priority 12 is out of range 0-9");
	assert_int_equal(tq_check_priority(-1, &err), -1);
	assert_string_equal(err.msg, "priority -1 is out of range 0-9");
	assert_int_equal(tq_check_priority(10, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_good),
		cmocka_unit_test(test_name_bad_chars),
		cmocka_unit_test(test_name_bad_length),
		cmocka_unit_test(test_payload_good),
		cmocka_unit_test(test_payload_bad_json),
		cmocka_unit_test(test_payload_depth),
		cmocka_unit_test(test_payload_utf8),
		cmocka_unit_test(test_utf8_direct),
		cmocka_unit_test(test_payload_size),
		cmocka_unit_test(test_json_value_span),
		cmocka_unit_test(test_priority),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
