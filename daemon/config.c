/*
 * config.c -- tqd's messages about its configuration.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * libtq checks every key as it loads the file and names the file, the
 * line and the key when one is wrong.  What tqd checks afterwards (its
 * schedules, keys that exclude each other) must read the same way, so
 * that "tqd -t" speaks in one voice: config_error writes that form from
 * where tq_config_line says a key was set.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tqd.h"

/*
 * "file:line: section.key: why", the form of every configuration error
 * (section "schedule NAME" reads schedule.NAME): the line that set key,
 * or the section's header when the key is unset.  Without a file, or a
 * line, "section.key: why".
 */
void
config_error(const struct tq_config *cfg, const char *path,
    const char *section, const char *key, char *errbuf, size_t len,
    const char *fmt, ...)
{
	va_list	 ap;
	char	 label[TQ_NAME_MAX + 16], why[384], *p;
	int	 line;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	snprintf(label, sizeof label, "%s", section);
	if ((p = strchr(label, ' ')) != NULL)
		*p = '.';
	line = tq_config_line(cfg, section, key);
	if (path != NULL && line > 0)
		snprintf(errbuf, len, "%s:%d: %s.%s: %s", path, line, label,
		    key, why);
	else
		snprintf(errbuf, len, "%s.%s: %s", label, key, why);
}
