/*
 * check.c -- validation of names, payloads and priorities.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Everything a caller hands libtq is checked here before it reaches Redis,
 * so a bad argument is refused with a message that says what is wrong and
 * where, and nothing is written.  Names end up inside Redis keys and hash
 * tags, so they are held to a small safe alphabet.  Payloads are embedded
 * verbatim in the stored task body, so they must be JSON that every reader
 * accepts: strict RFC 8259 syntax, valid UTF-8, bounded nesting and
 * numbers short enough for cJSON, and finally parsed by cJSON itself as
 * tq_task_from_reply will parse the body.  The strict scanner is shared
 * with task.c, which uses it to find the payload's text inside a body.
 * Nothing here does I/O.
 */

#include <stdio.h>
#include <string.h>

#include "tq-int.h"

/* cJSON copies a number into a 64-byte buffer; longer ones fail to parse. */
#define TQ_JSON_NUMBER_MAX	63

/* True for the bytes a name may hold: [A-Za-z0-9_.:-]. */
static int
check_name_char(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.' || c == ':' ||
	    c == '-');
}

/* Show up to len bytes of s in buf, escaping anything not printable. */
static void
check_show(char *buf, size_t size, const char *s, size_t len)
{
	size_t		 i, off = 0;
	unsigned char	 c;

	for (i = 0; i < len; i++) {
		if (off + 8 >= size) {
			/* Keep room for "..." and the NUL. */
			memcpy(buf + off, "...", 4);
			return;
		}
		c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'')
			off += (size_t)snprintf(buf + off, size - off,
			    "\\x%02x", c);
		else
			buf[off++] = (char)c;
	}
	buf[off] = '\0';
}

/* Describe one byte for a message: "a space", "'{'", "\x01". */
static void
check_describe(char *buf, size_t size, unsigned char c)
{
	if (c == ' ')
		snprintf(buf, size, "a space");
	else if (c == '\'')
		snprintf(buf, size, "a single quote");
	else if (c < 0x20 || c == 0x7f)
		snprintf(buf, size, "control character \\x%02x", c);
	else if (c >= 0x80)
		snprintf(buf, size, "non-ASCII byte \\x%02x", c);
	else
		snprintf(buf, size, "'%c'", c);
}

int
tq_check_name(const char *what, const char *name, struct tq_error *err)
{
	char	 shown[64], bad[32];
	size_t	 len, i;

	if (what == NULL)
		what = "name";
	if (name == NULL || *name == '\0') {
		tq_error_set(err, TQ_EINVAL, "%s is empty", what);
		return (-1);
	}
	len = strnlen(name, TQ_NAME_MAX + 1);
	if (len > TQ_NAME_MAX) {
		check_show(shown, sizeof shown, name, len);
		tq_error_set(err, TQ_EINVAL, "%s '%s' is longer than %d bytes",
		    what, shown, TQ_NAME_MAX);
		return (-1);
	}
	for (i = 0; i < len; i++) {
		if (check_name_char((unsigned char)name[i]))
			continue;
		check_show(shown, sizeof shown, name, len);
		check_describe(bad, sizeof bad, (unsigned char)name[i]);
		tq_error_set(err, TQ_EINVAL, "%s '%s' has %s at byte %zu",
		    what, shown, bad, i + 1);
		return (-1);
	}
	return (0);
}

int
tq_check_priority(int priority, struct tq_error *err)
{
	if (priority < TQ_PRIORITY_MIN || priority > TQ_PRIORITY_MAX) {
		tq_error_set(err, TQ_EINVAL,
		    "priority %d is out of range %d-%d", priority, TQ_PRIORITY_MIN, TQ_PRIORITY_MAX);
		return (-1);
	}
	return (0);
}

/*
 * UTF-8 as RFC 3629 defines it: the second byte's range rules out
 * overlong forms (E0, F0), surrogates (ED) and code points above U+10FFFF
 * (F4); C0, C1 and F5-FF never start a sequence.
 */
int
tq_check_utf8(const char *s, size_t len, size_t *bad)
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 i = 0, n, k;
	unsigned char		 c, lo, hi;

	while (i < len) {
		c = p[i];
		lo = 0x80;
		hi = 0xbf;
		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xc2 && c <= 0xdf)
			n = 1;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 2;
			if (c == 0xe0)
				lo = 0xa0;
			else if (c == 0xed)
				hi = 0x9f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3;
			if (c == 0xf0)
				lo = 0x90;
			else if (c == 0xf4)
				hi = 0x8f;
		} else
			goto fail;
		if (len - i <= n)
			goto fail;
		if (p[i + 1] < lo || p[i + 1] > hi)
			goto fail;
		for (k = 2; k <= n; k++) {
			if (p[i + k] < 0x80 || p[i + k] > 0xbf)
				goto fail;
		}
		i += n + 1;
	}
	return (0);

fail:
	if (bad != NULL)
		*bad = i;
	return (-1);
}

/* Skip the four JSON whitespace bytes. */
static size_t
check_ws(const char *s, size_t len, size_t p)
{
	while (p < len && (s[p] == ' ' || s[p] == '\t' || s[p] == '\n' ||
	    s[p] == '\r'))
		p++;
	return (p);
}

/* Say which byte was unexpected, or that the text ended. */
static int
check_unexpected(const char *s, size_t len, size_t p, struct tq_error *err)
{
	unsigned char	c;

	if (p >= len) {
		tq_error_set(err, TQ_EINVAL, "unexpected end at byte %zu",
		    p + 1);
		return (-1);
	}
	c = (unsigned char)s[p];
	if (c > 0x20 && c < 0x7f)
		tq_error_set(err, TQ_EINVAL, "unexpected '%c' at byte %zu", c,
		    p + 1);
	else
		tq_error_set(err, TQ_EINVAL, "unexpected \\x%02x at byte %zu",
		    c, p + 1);
	return (-1);
}

/* Four hex digits at s[p] as a number, or -1. */
static long
check_hex4(const char *s, size_t len, size_t p)
{
	long	v = 0;
	size_t	i;
	char	c;

	if (p > len || len - p < 4)
		return (-1);
	for (i = 0; i < 4; i++) {
		c = s[p + i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return (-1);
	}
	return (v);
}

/*
 * A string starting at the quote at s[*pos].  Escaped surrogates must
 * pair up, as cJSON insists; raw bytes above 0x7f are left to the UTF-8
 * check.
 */
static int
check_string(const char *s, size_t len, size_t *pos, struct tq_error *err)
{
	size_t		 p = *pos + 1;
	unsigned char	 c;
	long		 u, u2;

	for (;;) {
		if (p >= len)
			return (check_unexpected(s, len, p, err));
		c = (unsigned char)s[p];
		if (c == '"')
			break;
		if (c < 0x20) {
			tq_error_set(err, TQ_EINVAL, "control character "
			    "\\x%02x in a string at byte %zu", c, p + 1);
			return (-1);
		}
		if (c != '\\') {
			p++;
			continue;
		}
		if (p + 1 >= len)
			return (check_unexpected(s, len, p + 1, err));
		c = (unsigned char)s[p + 1];
		if (strchr("\"\\/bfnrt", c) != NULL && c != '\0') {
			p += 2;
			continue;
		}
		if (c != 'u' || (u = check_hex4(s, len, p + 2)) < 0) {
			tq_error_set(err, TQ_EINVAL, "bad escape in a string "
			    "at byte %zu", p + 1);
			return (-1);
		}
		if (u >= 0xdc00 && u <= 0xdfff)
			goto surrogate;
		if (u >= 0xd800 && u <= 0xdbff) {
			if (p + 7 >= len || s[p + 6] != '\\' ||
			    s[p + 7] != 'u')
				goto surrogate;
			u2 = check_hex4(s, len, p + 8);
			if (u2 < 0xdc00 || u2 > 0xdfff)
				goto surrogate;
			p += 6;
		}
		p += 6;
	}
	*pos = p + 1;
	return (0);

surrogate:
	tq_error_set(err, TQ_EINVAL, "unpaired surrogate escape at byte %zu",
	    p + 1);
	return (-1);
}

/* A number as RFC 8259 writes it: -?(0|[1-9]d*)(.d+)?([eE][+-]?d+)?. */
static int
check_number(const char *s, size_t len, size_t *pos, struct tq_error *err)
{
	size_t	p = *pos, start = *pos;

#define DIGIT(i) ((i) < len && s[i] >= '0' && s[i] <= '9')
	if (p < len && s[p] == '-')
		p++;
	if (p < len && s[p] == '0')
		p++;
	else if (DIGIT(p)) {
		while (DIGIT(p))
			p++;
	} else
		return (check_unexpected(s, len, p, err));
	if (p < len && s[p] == '.') {
		p++;
		if (!DIGIT(p))
			return (check_unexpected(s, len, p, err));
		while (DIGIT(p))
			p++;
	}
	if (p < len && (s[p] == 'e' || s[p] == 'E')) {
		p++;
		if (p < len && (s[p] == '+' || s[p] == '-'))
			p++;
		if (!DIGIT(p))
			return (check_unexpected(s, len, p, err));
		while (DIGIT(p))
			p++;
	}
#undef DIGIT
	if (p - start > TQ_JSON_NUMBER_MAX) {
		tq_error_set(err, TQ_EINVAL, "number at byte %zu is longer "
		    "than %d characters", start + 1, TQ_JSON_NUMBER_MAX);
		return (-1);
	}
	*pos = p;
	return (0);
}

/* The key of an object member and the colon after it. */
static int
check_key(const char *s, size_t len, size_t *pos, struct tq_error *err)
{
	size_t	p = *pos;

	if (p >= len || s[p] != '"')
		return (check_unexpected(s, len, p, err));
	if (check_string(s, len, &p, err) != 0)
		return (-1);
	p = check_ws(s, len, p);
	if (p >= len || s[p] != ':')
		return (check_unexpected(s, len, p, err));
	*pos = p + 1;
	return (0);
}

/*
 * Iterative rather than recursive, with the open containers on a small
 * stack, so that hostile nesting costs neither C stack nor time.
 */
int
tq_check_json_value(const char *s, size_t len, size_t *pos,
    struct tq_error *err)
{
	char	 stack[TQ_JSON_DEPTH_MAX];
	size_t	 depth = 0, p = *pos;
	char	 c;

value:
	p = check_ws(s, len, p);
	if (p >= len)
		goto unexpected;
	c = s[p];
	if (c == '{' || c == '[') {
		p = check_ws(s, len, p + 1);
		if (p < len && s[p] == (c == '{' ? '}' : ']')) {
			p++;
			goto after;
		}
		if (depth == sizeof stack) {
			tq_error_set(err, TQ_EINVAL, "nested deeper than %d "
			    "levels at byte %zu", TQ_JSON_DEPTH_MAX, p + 1);
			goto fail;
		}
		stack[depth++] = c;
		if (c == '{' && check_key(s, len, &p, err) != 0)
			goto fail;
		goto value;
	} else if (c == '"') {
		if (check_string(s, len, &p, err) != 0)
			goto fail;
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		if (check_number(s, len, &p, err) != 0)
			goto fail;
	} else if (len - p >= 4 && memcmp(s + p, "true", 4) == 0)
		p += 4;
	else if (len - p >= 5 && memcmp(s + p, "false", 5) == 0)
		p += 5;
	else if (len - p >= 4 && memcmp(s + p, "null", 4) == 0)
		p += 4;
	else
		goto unexpected;

after:
	if (depth == 0) {
		*pos = p;
		return (0);
	}
	p = check_ws(s, len, p);
	if (p < len && s[p] == ',') {
		p = check_ws(s, len, p + 1);
		if (stack[depth - 1] == '{' && check_key(s, len, &p, err) != 0)
			goto fail;
		goto value;
	}
	if (p < len && s[p] == (stack[depth - 1] == '{' ? '}' : ']')) {
		p++;
		depth--;
		goto after;
	}

unexpected:
	check_unexpected(s, len, p, err);
fail:
	*pos = p;
	return (-1);
}

int
tq_check_payload(const char *payload, int64_t max, struct tq_error *err)
{
	const char	*end = NULL;
	cJSON		*json;
	size_t		 len, pos = 0;

	if (payload == NULL)
		return (0);
	len = strlen(payload);
	if (max > 0 && (uint64_t)len > (uint64_t)max) {
		tq_error_set(err, TQ_ETOOBIG, "payload is %zu bytes, above the "
		    "queue's max_payload of %lld", len, (long long)max);
		return (-1);
	}
	if (tq_check_utf8(payload, len, &pos) != 0) {
		tq_error_set(err, TQ_EINVAL, "payload is not valid UTF-8 at "
		    "byte %zu (\\x%02x)", pos + 1,
		    (unsigned char)payload[pos]);
		return (-1);
	}
	if (tq_check_json_value(payload, len, &pos, err) != 0) {
		tq_error_prefix(err, "payload is not valid JSON");
		return (-1);
	}
	pos = check_ws(payload, len, pos);
	if (pos != len) {
		check_unexpected(payload, len, pos, err);
		tq_error_prefix(err, "payload has text after the JSON value");
		return (-1);
	}

	/*
	 * Strict JSON that cJSON still refuses would make the task
	 * unreadable later, so have cJSON parse it now, as the body will be.
	 * The length counts the NUL: cJSON looks for it after the value.
	 */
	json = cJSON_ParseWithLengthOpts(payload, len + 1, &end, 1);
	if (json == NULL) {
		tq_error_set(err, TQ_EINVAL, "payload is not valid JSON: cJSON "
		    "cannot parse it near byte %zu",
		    end != NULL && end >= payload ?
		    (size_t)(end - payload) + 1 : (size_t)0);
		return (-1);
	}
	cJSON_Delete(json);
	return (0);
}
