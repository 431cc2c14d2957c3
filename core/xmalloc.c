/*
 * xmalloc.c -- allocation that never returns NULL.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Out of memory is the one condition libtq does not report through a
 * struct tq_error: no caller could do anything useful with it, and an
 * error path after every allocation is where bugs hide.  Instead the
 * allocators call a handler that must not return.  Programs that own a
 * terminal (tqtop) install one that restores it before exiting.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tq-int.h"

static void
tq_oom_default(size_t size)
{
	fprintf(stderr, "tq: out of memory (allocating %zu bytes)\n", size);
	abort();
}

static tq_oom_handler tq_oom_hook = tq_oom_default;

void
tq_set_oom_handler(tq_oom_handler handler)
{
	tq_oom_hook = handler != NULL ? handler : tq_oom_default;
}

void
tq_oom(size_t size)
{
	tq_oom_hook(size);
	abort();	/* a handler that returns is a bug */
}

void *
tq_xmalloc(size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = malloc(size)) == NULL)
		tq_oom(size);
	return (p);
}

void *
tq_xcalloc(size_t nmemb, size_t size)
{
	void	*p;

	if (nmemb == 0 || size == 0)
		nmemb = size = 1;
	if (SIZE_MAX / nmemb < size)
		tq_oom(SIZE_MAX);
	if ((p = calloc(nmemb, size)) == NULL)
		tq_oom(nmemb * size);
	return (p);
}

void *
tq_xrealloc(void *ptr, size_t size)
{
	void	*p;

	if (size == 0)
		size = 1;
	if ((p = realloc(ptr, size)) == NULL)
		tq_oom(size);
	return (p);
}

void *
tq_xreallocarray(void *ptr, size_t nmemb, size_t size)
{
	if (nmemb != 0 && SIZE_MAX / nmemb < size)
		tq_oom(SIZE_MAX);
	return (tq_xrealloc(ptr, nmemb * size));
}

char *
tq_xstrdup(const char *s)
{
	return (tq_xstrndup(s, strlen(s)));
}

char *
tq_xstrndup(const char *s, size_t n)
{
	char	*p;
	size_t	 len;

	len = strnlen(s, n);
	p = tq_xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

char *
tq_xvasprintf(const char *fmt, va_list ap)
{
	va_list	 ap2;
	char	*p;
	int	 len;

	va_copy(ap2, ap);
	len = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (len < 0)
		tq_oom(0);
	p = tq_xmalloc((size_t)len + 1);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	return (p);
}

char *
tq_xasprintf(const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = tq_xvasprintf(fmt, ap);
	va_end(ap);
	return (p);
}
