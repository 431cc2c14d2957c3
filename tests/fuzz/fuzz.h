/*
 * fuzz.h -- shared by the libFuzzer harnesses in tests/fuzz.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Each harness feeds one parser of outside input with what libFuzzer
 * makes up and checks, besides "does not crash" (which ASan and UBSan
 * watch), the properties that are cheap to check: what parses formats
 * back to the same thing, errors say what they must, nothing leaks.
 * FUZZ_CHECK aborts with a message when a property fails, so that
 * libFuzzer keeps the input as a crash, and the message says which.
 */

#ifndef TQ_FUZZ_H
#define TQ_FUZZ_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The entry points libFuzzer calls. */
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static inline void fuzz_fail(const char *, int, const char *, const char *,
		    ...) __attribute__((format(printf, 4, 5), noreturn));

/* Say which property failed, where, and why; then abort. */
static inline void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list	ap;

	fprintf(stderr, "\n%s:%d: property failed: %s\n  ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

#define FUZZ_CHECK(cond, ...) do {					\
	if (!(cond))							\
		fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);	\
} while (0)

/* The input as a new NUL-terminated string (it may hold NULs itself). */
static inline char *
fuzz_string(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return (s);
}

/* Strings equal, both NULL counting as equal. */
static inline int
fuzz_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

/* "(null)" for NULL, for messages. */
static inline const char *
fuzz_str(const char *s)
{
	return (s != NULL ? s : "(null)");
}

#endif /* TQ_FUZZ_H */
