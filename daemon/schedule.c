/*
 * schedule.c -- the [schedule NAME] sections: periodic tasks.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Each section is validated in full when the configuration is read (cron
 * spec, time zone, names, payload), so a typo is refused by "tqd -t" and
 * by SIGHUP instead of surfacing at 3 a.m.; an error names the file, the
 * line and the key, as the configuration's own do (config_error).
 * schedule_due decides which occurrence to fire: only the latest one that
 * is due and at most misfire_grace late.  Exactly-once across several tqd and restarts is
 * not kept here but in Redis: jobs.c enqueues each occurrence under a
 * task id and unique key derived from the schedule name and the
 * occurrence time, so a second attempt is refused.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "tqd.h"

/* Fill s from [schedule name]; 0, or -1 with errbuf set. */
static int
schedule_one(const struct tq_config *cfg, const char *path, const char *name,
    struct tqd_schedule *s, char *errbuf, size_t len)
{
	struct tq_error	 err;
	char		 section[TQ_NAME_MAX + 16], why[256];
	const char	*v, *queue;
	cJSON		*json;

	snprintf(section, sizeof section, "schedule %s", name);
	memset(s, 0, sizeof s[0]);
	s->name = tq_xstrdup(name);
	v = tq_config_str(cfg, section, "cron");
	if (*v == '\0' || cron_parse(v, &s->cron, why, sizeof why) != 0) {
		config_error(cfg, path, section, "cron", errbuf, len, "%s",
		    *v == '\0' ? "is required" : why);
		return (-1);
	}
	v = tq_config_str(cfg, section, "timezone");
	if (cron_check_tz(v, why, sizeof why) != 0) {
		config_error(cfg, path, section, "timezone", errbuf, len,
		    "%s", why);
		return (-1);
	}
	s->tz = tq_xstrdup(v);
	v = tq_config_str(cfg, section, "type");
	if (tq_check_name("task type", v, &err) != 0) {
		config_error(cfg, path, section, "type", errbuf, len, "%s",
		    *v == '\0' ? "is required" : err.msg);
		return (-1);
	}
	s->type = tq_xstrdup(v);
	queue = tq_config_str(cfg, section, "queue");
	if (*queue == '\0')
		queue = s->type;
	if (tq_check_name("queue name", queue, &err) != 0) {
		config_error(cfg, path, section, "queue", errbuf, len, "%s",
		    err.msg);
		return (-1);
	}
	s->queue = tq_xstrdup(queue);
	v = tq_config_str(cfg, section, "payload");
	if ((json = cJSON_Parse(v)) == NULL) {
		config_error(cfg, path, section, "payload", errbuf, len,
		    "not valid JSON");
		return (-1);
	}
	cJSON_Delete(json);
	s->payload = tq_xstrdup(v);
	s->priority = (int)tq_config_int(cfg, section, "priority");
	s->max_retries = (int)tq_config_int(cfg, section, "max_retries");
	s->timeout_s = (int)(tq_config_int(cfg, section, "timeout") / 1000);
	s->misfire_ms = tq_config_int(cfg, section, "misfire_grace");
	return (0);
}

int
schedule_load(const struct tq_config *cfg, const char *path,
    struct tqd_schedule **out, size_t *n, char *errbuf, size_t len)
{
	char	**names;
	size_t	  count, i;
	int	  rc = 0;

	count = tq_config_names(cfg, "schedule", &names);
	*out = count > 0 ? tq_xcalloc(count, sizeof **out) : NULL;
	*n = 0;
	for (i = 0; i < count && rc == 0; i++) {
		rc = schedule_one(cfg, path, names[i], &(*out)[i], errbuf,
		    len);
		*n = i + 1;
	}
	tq_strv_free(names, count);
	if (rc != 0) {
		schedule_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return (rc);
}

void
schedule_free(struct tqd_schedule *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(s[i].name);
		free(s[i].tz);
		free(s[i].type);
		free(s[i].queue);
		free(s[i].payload);
	}
	free(s);
}

/*
 * The occurrence to fire now, if any: the latest one in (max(last,
 * now - misfire_grace), now].  Older missed ones are skipped on purpose:
 * a periodic task that missed three runs during an outage should run
 * once, not three times in a row.  A grace shorter than SCHEDULE_SLACK_MS
 * counts as that: tqd looks at its schedules a few times a second, and
 * an occurrence it notices that late was not missed (with a grace of 0,
 * none would ever fire).  Returns 1 and sets *occurrence_ms.
 */
int
schedule_due(const struct tqd_schedule *s, int64_t last_ms, int64_t now_ms,
    int64_t *occurrence_ms)
{
	int64_t	grace, base, t, latest = 0;

	grace = s->misfire_ms > SCHEDULE_SLACK_MS ? s->misfire_ms :
	    SCHEDULE_SLACK_MS;
	base = now_ms - grace;

	if (last_ms > base)
		base = last_ms;
	for (t = cron_next(&s->cron, base, s->tz); t > 0 && t <= now_ms;
	    t = cron_next(&s->cron, t, s->tz))
		latest = t;
	if (latest == 0)
		return (0);
	*occurrence_ms = latest;
	return (1);
}
