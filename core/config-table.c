/*
 * config-table.c -- every configuration key of tq, described once.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * Each INI key is one entry below: section, name, type, default, range,
 * whether a running tqd applies it on SIGHUP, and its help text.  The
 * parser and validation (config.c), the defaults, tq_config_dump (and so
 * "tqd -t"), the sample conf/tq.conf and the unit test that keeps that
 * sample honest all follow from this table, so a new key is one entry
 * here and nothing else; a new section is one entry in the section list.
 * tq.conf(5) is written by hand, and a test checks that it names every key.
 *
 * Defaults are text, exactly as they would be written in the file, and
 * are run through the same parser as the file when a configuration is
 * created, so a default cannot be out of its own range unnoticed.
 */

#include <sys/un.h>

#include <ctype.h>
#include <string.h>

#include "tq-int.h"

#define MSEC		1LL
#define SEC		(1000 * MSEC)
#define MINUTE		(60 * SEC)
#define HOUR		(60 * MINUTE)
#define DAY		(24 * HOUR)
#define KIB		1024LL
#define MIB		(1024 * KIB)

static int	check_url(const char *, struct tq_error *);
static int	check_host(const char *, struct tq_error *);
static int	check_socket(const char *, struct tq_error *);
static int	check_cluster(const char *, struct tq_error *);
static int	check_sentinels(const char *, struct tq_error *);
static int	check_master(const char *, struct tq_error *);
static int	check_namespace(const char *, struct tq_error *);

const struct tq_config_table_section tq_config_table_sections[] = {
	{ "redis", 0,
	  "How every program reaches Redis: url, or host and port (or "
	  "socket) with db, user and password.  The command line (-u URL) "
	  "and $TQ_REDIS_URL take precedence over this section.  A running "
	  "tqd applies a change on SIGHUP: it connects anew." },
	{ "queue", TQ_CONFIG_NAMED,
	  "Retry and retention policy.  [queue] holds the defaults for every "
	  "queue; a section [queue NAME] overrides any of them for the queue "
	  "called NAME.  A running tqd applies a change on SIGHUP; the other "
	  "programs read them when they start." },
	{ "worker", 0,
	  "The worker runtime: tqworker and programs using tq_worker." },
	{ "tqtop", 0,
	  "The tqtop dashboard." },
	{ "tqd", 0,
	  "The admin daemon: promotion of due tasks, reclaim of expired "
	  "leases, dead-letter retention, periodic tasks, metrics.  A "
	  "running tqd applies every change on SIGHUP." },
	{ "schedule", TQ_CONFIG_NAMED | TQ_CONFIG_NAME_REQUIRED,
	  "A periodic task: [schedule NAME] makes tqd enqueue a task on a "
	  "cron schedule.  Each occurrence is enqueued once, however many "
	  "tqd run.  A running tqd applies a change on SIGHUP." },
};
const size_t tq_config_table_nsections = TQ_NITEMS(tq_config_table_sections);

const struct tq_config_table_entry tq_config_table[] = {
	/* [redis] */
	{ .section = "redis", .name = "url", .type = TQ_CONFIG_STRING,
	  .dflt = "", .flags = TQ_CONFIG_URL, .check = check_url,
	  .help = "A Redis URL: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], "
	  "redis-cluster://[[USER]:PASSWORD@]HOST:PORT[,HOST:PORT...], "
	  "redis-sentinel://[[USER]:PASSWORD@]HOST[:PORT][,...]/MASTER[/DB] "
	  "or unix://[[USER]:PASSWORD@]/PATH[?db=N].  When set, it "
	  "overrides host, port, socket, db, cluster, sentinels, user and "
	  "password." },
	{ .section = "redis", .name = "min_replicas_ack",
	  .type = TQ_CONFIG_INT, .dflt = "0", .min = 0, .max = 16,
	  .help = "Replicas that must have a new task before its enqueue "
	  "counts as done (Redis WAIT): with 1, a master that dies just "
	  "after an enqueue takes the task with it only if a replica that "
	  "had not confirmed is promoted, for a round trip more per enqueue "
	  "call.  WAIT narrows the loss; it is not a consensus.  One not "
	  "confirmed in replicas_timeout is reported as a lost link: its "
	  "outcome is unknown.  Other writes do not wait: one lost can make "
	  "a task run again, not lose it.  0: no waiting." },
	{ .section = "redis", .name = "replicas_timeout",
	  .type = TQ_CONFIG_DURATION, .dflt = "1s", .min = 1 * MSEC,
	  .max = 1 * MINUTE,
	  .help = "How long an enqueue waits for min_replicas_ack replicas." },
	{ .section = "redis", .name = "sentinels", .type = TQ_CONFIG_STRING,
	  .dflt = "", .check = check_sentinels,
	  .help = "Redis Sentinel: HOST[:PORT][,HOST[:PORT]...] of Sentinels "
	  "(port 26379 by default) to ask where master_name is, again "
	  "whenever the link to it breaks, so that the programs follow a "
	  "failover.  When set, host, port and socket are not used." },
	{ .section = "redis", .name = "master_name", .type = TQ_CONFIG_STRING,
	  .dflt = "mymaster", .check = check_master,
	  .help = "The name the Sentinels know the master by." },
	{ .section = "redis", .name = "cluster", .type = TQ_CONFIG_STRING,
	  .dflt = "", .check = check_cluster,
	  .help = "Redis Cluster: some of its nodes, HOST:PORT[,HOST:PORT...], "
	  "to learn the slot map from (the others are found there).  When "
	  "set, host, port, socket and db are not used." },
	{ .section = "redis", .name = "host", .type = TQ_CONFIG_STRING,
	  .dflt = "127.0.0.1", .check = check_host,
	  .help = "Host name or IP address of Redis." },
	{ .section = "redis", .name = "port", .type = TQ_CONFIG_INT,
	  .dflt = "6379", .min = 1, .max = 65535,
	  .help = "TCP port of Redis." },
	{ .section = "redis", .name = "socket", .type = TQ_CONFIG_STRING,
	  .dflt = "", .check = check_socket,
	  .help = "Path of the Redis unix socket; when set, host and port "
	  "are not used." },
	{ .section = "redis", .name = "db", .type = TQ_CONFIG_INT,
	  .dflt = "0", .min = 0, .max = 100000,
	  .help = "Redis database number (Redis Cluster has only 0)." },
	{ .section = "redis", .name = "user", .type = TQ_CONFIG_STRING,
	  .dflt = "",
	  .help = "ACL user (Redis 6 and later); it needs a password." },
	{ .section = "redis", .name = "password", .type = TQ_CONFIG_STRING,
	  .dflt = "", .flags = TQ_CONFIG_SECRET,
	  .help = "Password sent with AUTH.  Prefer password_file, which "
	  "keeps it out of this file; a password here, in a file that its "
	  "group or all users can read, draws a warning." },
	{ .section = "redis", .name = "password_file", .type = TQ_CONFIG_STRING,
	  .dflt = "", .file_for = "password",
	  .help = "A file whose first line is the password; it takes "
	  "precedence over password, and supplies the password (and user "
	  "the ACL user) of a url that has none.  A relative path is "
	  "relative to the directory of this file.  The programs warn when "
	  "its group or all users can read it." },
	{ .section = "redis", .name = "connect_timeout",
	  .type = TQ_CONFIG_DURATION, .dflt = "2s", .min = 1 * MSEC,
	  .max = 1 * HOUR,
	  .help = "How long to wait for a connection to Redis." },
	{ .section = "redis", .name = "command_timeout",
	  .type = TQ_CONFIG_DURATION, .dflt = "5s", .min = 1 * MSEC,
	  .max = 1 * HOUR,
	  .help = "How long to wait for Redis to answer a command (a "
	  "blocking dequeue adds the time it blocks)." },
	{ .section = "redis", .name = "keepalive", .type = TQ_CONFIG_BOOL,
	  .dflt = "yes",
	  .help = "Send TCP keepalives, so that a dead link to Redis is "
	  "noticed." },
	{ .section = "redis", .name = "reconnect_max",
	  .type = TQ_CONFIG_DURATION, .dflt = "5s", .min = 10 * MSEC,
	  .max = 1 * HOUR,
	  .help = "Longest pause between attempts to reconnect to Redis; "
	  "the pause doubles after each failed attempt up to this." },
	{ .section = "redis", .name = "namespace", .type = TQ_CONFIG_STRING,
	  .dflt = TQ_NAMESPACE_DEFAULT, .check = check_namespace,
	  .help = "Prefix of every Redis key, so that several tq "
	  "installations can share one Redis: 1 to 128 of A-Z a-z 0-9 "
	  "_ . : -." },

	/* [queue] and [queue NAME] */
	{ .section = "queue", .name = "retry_base", .type = TQ_CONFIG_DURATION,
	  .dflt = "1s", .min = 0, .max = 1 * DAY,
	  .help = "Delay before the first retry of a failed task; each "
	  "further retry doubles it, with jitter." },
	{ .section = "queue", .name = "retry_cap", .type = TQ_CONFIG_DURATION,
	  .dflt = "1h", .min = 0, .max = 30 * DAY,
	  .help = "Longest delay between two retries." },
	{ .section = "queue", .name = "dead_max", .type = TQ_CONFIG_INT,
	  .dflt = "10000", .min = 0, .max = 1000000000,
	  .flags = TQ_CONFIG_RELOAD,
	  .help = "Dead tasks kept per queue; tqd removes the oldest beyond "
	  "this." },
	{ .section = "queue", .name = "dead_max_age",
	  .type = TQ_CONFIG_DURATION, .dflt = "90d", .min = 1 * SEC,
	  .max = 3650 * DAY, .flags = TQ_CONFIG_RELOAD,
	  .help = "tqd removes dead tasks older than this." },
	{ .section = "queue", .name = "result_ttl", .type = TQ_CONFIG_DURATION,
	  .dflt = "24h", .min = 1 * SEC, .max = 365 * DAY,
	  .help = "How long the result of a finished task is kept." },
	{ .section = "queue", .name = "id_ttl", .type = TQ_CONFIG_DURATION,
	  .dflt = "1h", .min = 0, .max = 30 * DAY,
	  .help = "How long the id a producer chose stays taken once its "
	  "task is done, so that an enqueue sent again after its reply was "
	  "lost makes no second task (0: only while the task exists)." },
	{ .section = "queue", .name = "max_payload", .type = TQ_CONFIG_SIZE,
	  .dflt = "1M", .min = 1, .max = 512 * MIB,
	  .help = "Largest payload (JSON text) that enqueue accepts." },
	{ .section = "queue", .name = "rate_limit", .type = TQ_CONFIG_INT,
	  .dflt = "0", .min = 0, .max = 1000000,
	  .help = "Most tasks handed out per second, across all workers of "
	  "all hosts; workers that set none follow it (0: none)." },

	{ .section = "queue", .name = "dead_requeue_after",
	  .type = TQ_CONFIG_DURATION, .dflt = "0", .min = 0,
	  .max = 365 * DAY, .flags = TQ_CONFIG_RELOAD,
	  .help = "tqd moves a dead task back to ready once it has been dead "
	  "this long, for outages that heal by themselves (0: never)." },
	{ .section = "queue", .name = "dead_requeue_max", .type = TQ_CONFIG_INT,
	  .dflt = "3", .min = 1, .max = 1000, .flags = TQ_CONFIG_RELOAD,
	  .help = "How many times dead_requeue_after may requeue one task; "
	  "after that it stays dead." },

	/* [worker] */
	{ .section = "worker", .name = "concurrency", .type = TQ_CONFIG_INT,
	  .dflt = "4", .min = 1, .max = 1024,
	  .help = "Tasks one worker runs at once (threads, or child "
	  "processes with tqworker --exec)." },
	{ .section = "worker", .name = "lease", .type = TQ_CONFIG_DURATION,
	  .dflt = "30s", .min = 100 * MSEC, .max = 1 * DAY,
	  .help = "How long a dequeued task belongs to its worker.  The "
	  "worker extends the lease while the task runs; tqd reclaims a "
	  "task whose lease ran out." },
	{ .section = "worker", .name = "grace", .type = TQ_CONFIG_DURATION,
	  .dflt = "10s", .min = 0, .max = 1 * HOUR,
	  .help = "On shutdown, how long running tasks may go on before "
	  "they are handed back to their queue." },
	{ .section = "worker", .name = "timeout", .type = TQ_CONFIG_DURATION,
	  .dflt = "30s", .min = 1 * SEC, .max = 7 * DAY,
	  .help = "Run time limit of a task that does not set its own." },

	/* [tqtop] */
	{ .section = "tqtop", .name = "refresh", .type = TQ_CONFIG_DURATION,
	  .dflt = "2s", .min = 100 * MSEC, .max = 1 * HOUR,
	  .help = "How often tqtop fetches new figures from Redis." },

	/* [tqd] */
	{ .section = "tqd", .name = "tick", .type = TQ_CONFIG_DURATION,
	  .dflt = "1s", .min = 10 * MSEC, .max = 10 * SEC,
	  .flags = TQ_CONFIG_RELOAD,
	  .help = "Longest tqd sleeps between two reads of the due-time "
	  "hints.  It wakes by itself at the earliest due time, and when a "
	  "producer announces an earlier one; this bounds the delay only "
	  "when an announcement is lost." },
	{ .section = "tqd", .name = "reclaim_interval",
	  .type = TQ_CONFIG_DURATION, .dflt = "1s", .min = 10 * MSEC,
	  .max = 1 * HOUR, .flags = TQ_CONFIG_RELOAD,
	  .help = "How often tqd looks for expired leases in every queue." },
	{ .section = "tqd", .name = "scan_interval",
	  .type = TQ_CONFIG_DURATION, .dflt = "5s", .min = 100 * MSEC,
	  .max = 1 * HOUR, .flags = TQ_CONFIG_RELOAD,
	  .help = "How often tqd passes over every queue: promotion without "
	  "hints, dead-letter retention, stale workers, stuck queues." },
	{ .section = "tqd", .name = "batch", .type = TQ_CONFIG_INT,
	  .dflt = "250", .min = 1, .max = 100000, .flags = TQ_CONFIG_RELOAD,
	  .help = "Most tasks one script call moves, so that Redis is never "
	  "busy for long." },
	{ .section = "tqd", .name = "leader_ttl", .type = TQ_CONFIG_DURATION,
	  .dflt = "3s", .min = 1 * SEC, .max = 1 * HOUR,
	  .flags = TQ_CONFIG_RELOAD,
	  .help = "Lease of the leader among several tqd, renewed every third "
	  "of it; another takes over within this and a third after the "
	  "leader dies." },
	{ .section = "tqd", .name = "stuck_after", .type = TQ_CONFIG_DURATION,
	  .dflt = "60s", .min = 1 * SEC, .max = 7 * DAY,
	  .flags = TQ_CONFIG_RELOAD,
	  .help = "Warn when a queue has had ready tasks but no live worker "
	  "for this long." },
	{ .section = "tqd", .name = "metrics_file", .type = TQ_CONFIG_STRING,
	  .dflt = "", .flags = TQ_CONFIG_RELOAD,
	  .help = "Write Prometheus metrics to this file (node_exporter "
	  "textfile collector format), replaced atomically (empty: off)." },
	{ .section = "tqd", .name = "metrics_interval",
	  .type = TQ_CONFIG_DURATION, .dflt = "15s", .min = 100 * MSEC,
	  .max = 1 * HOUR, .flags = TQ_CONFIG_RELOAD,
	  .help = "How often the metrics file is written." },
	{ .section = "tqd", .name = "pidfile", .type = TQ_CONFIG_STRING,
	  .dflt = "", .flags = TQ_CONFIG_RELOAD,
	  .help = "Write tqd's process id to this file (empty: none)." },
	{ .section = "tqd", .name = "log_file", .type = TQ_CONFIG_STRING,
	  .dflt = "", .flags = TQ_CONFIG_RELOAD,
	  .help = "Append the log to this file instead of stderr, opened "
	  "anew on SIGUSR1 (after logrotate moved it) (empty: stderr)." },
	{ .section = "tqd", .name = "syslog", .type = TQ_CONFIG_BOOL,
	  .dflt = "no", .flags = TQ_CONFIG_RELOAD,
	  .help = "Log to syslog (facility daemon) instead of stderr." },

	/* [schedule NAME] */
	{ .section = "schedule", .name = "cron", .type = TQ_CONFIG_STRING,
	  .dflt = "",
	  .help = "When: five cron fields (minute hour day-of-month month "
	  "day-of-week, with * , - / and names) or @every DURATION, "
	  "@hourly, @daily, @weekly, @monthly, @yearly." },
	{ .section = "schedule", .name = "type", .type = TQ_CONFIG_STRING,
	  .dflt = "",
	  .help = "Task type to enqueue (required)." },
	{ .section = "schedule", .name = "queue", .type = TQ_CONFIG_STRING,
	  .dflt = "",
	  .help = "Queue to enqueue into (empty: the task type)." },
	{ .section = "schedule", .name = "payload", .type = TQ_CONFIG_STRING,
	  .dflt = "{}",
	  .help = "Payload of each task, as JSON text." },
	{ .section = "schedule", .name = "timezone", .type = TQ_CONFIG_STRING,
	  .dflt = "UTC",
	  .help = "Time zone the cron fields are read in (a tz database "
	  "name such as Europe/Paris)." },
	{ .section = "schedule", .name = "priority", .type = TQ_CONFIG_INT,
	  .dflt = "0", .min = 0, .max = 9,
	  .help = "Priority of each task (0-9, higher first)." },
	{ .section = "schedule", .name = "max_retries", .type = TQ_CONFIG_INT,
	  .dflt = "3", .min = 0, .max = 1000,
	  .help = "Retries of each task." },
	{ .section = "schedule", .name = "timeout", .type = TQ_CONFIG_DURATION,
	  .dflt = "30s", .min = 1 * SEC, .max = 7 * DAY,
	  .help = "Run time limit of each task." },
	{ .section = "schedule", .name = "misfire_grace",
	  .type = TQ_CONFIG_DURATION, .dflt = "60s", .min = 0,
	  .max = 7 * DAY,
	  .help = "An occurrence missed while no tqd was leader (downtime, "
	  "failover) is still enqueued if it is at most this late; older "
	  "ones are skipped, and only the latest missed one is enqueued." },
};
const size_t tq_config_table_size = TQ_NITEMS(tq_config_table);

const struct tq_config_table_section *
tq_config_table_section(const char *name)
{
	size_t	i;

	for (i = 0; i < tq_config_table_nsections; i++) {
		if (strcmp(tq_config_table_sections[i].name, name) == 0)
			return (&tq_config_table_sections[i]);
	}
	return (NULL);
}

const struct tq_config_table_entry *
tq_config_table_find(const char *section, const char *key)
{
	size_t	i;

	for (i = 0; i < tq_config_table_size; i++) {
		if (strcmp(tq_config_table[i].section, section) == 0 &&
		    strcmp(tq_config_table[i].name, key) == 0)
			return (&tq_config_table[i]);
	}
	return (NULL);
}

const char *
tq_config_table_type(enum tq_config_type type)
{
	switch (type) {
	case TQ_CONFIG_STRING:
		return ("string");
	case TQ_CONFIG_INT:
		return ("integer");
	case TQ_CONFIG_BOOL:
		return ("boolean");
	case TQ_CONFIG_DURATION:
		return ("duration");
	case TQ_CONFIG_SIZE:
		return ("size");
	}
	return ("unknown");
}

/*
 * The rule of tq_check_name, repeated here so that the configuration
 * does not depend on the rest of libtq: keys are built from these names,
 * and a '{' or a space would break a key or its Cluster hash tag.
 */
int
tq_config_table_check_name(const char *what, const char *name,
    struct tq_error *err)
{
	const char	*p;
	size_t		 len;

	len = strlen(name);
	if (len == 0) {
		tq_error_set(err, TQ_ECONFIG, "empty %s", what);
		return (-1);
	}
	for (p = name; *p != '\0'; p++) {
		if (!isalnum((unsigned char)*p) && strchr("_.:-", *p) == NULL)
			break;
	}
	if (*p != '\0' || len > TQ_NAME_MAX) {
		tq_error_set(err, TQ_ECONFIG, "bad %s '%.64s%s' (use 1 to %d "
		    "of A-Z a-z 0-9 _ . : -)", what, name,
		    len > 64 ? "..." : "", TQ_NAME_MAX);
		return (-1);
	}
	return (0);
}

static int
check_url(const char *value, struct tq_error *err)
{
	struct tq_url	url;

	if (*value == '\0')
		return (0);
	if (tq_url_parse(value, &url, err) != 0)
		return (-1);
	tq_url_done(&url);
	return (0);
}

/* A list of nodes, checked as the URL it becomes (scheme, then tail). */
static int
check_nodes(const char *value, const char *scheme, const char *tail,
    struct tq_error *err)
{
	struct tq_url	 url;
	char		*s;
	int		 rc;

	if (*value == '\0')
		return (0);
	s = tq_xasprintf("%s://%s%s", scheme, value, tail);
	rc = tq_url_parse(s, &url, err);
	free(s);
	tq_url_done(&url);
	return (rc);
}

static int
check_cluster(const char *value, struct tq_error *err)
{
	return (check_nodes(value, "redis-cluster", "", err));
}

static int
check_sentinels(const char *value, struct tq_error *err)
{
	return (check_nodes(value, "redis-sentinel", "/m", err));
}

static int
check_master(const char *value, struct tq_error *err)
{
	return (tq_check_name("master name", value, err));
}

static int
check_host(const char *value, struct tq_error *err)
{
	return (tq_url_check_host(value, err));
}

static int
check_socket(const char *value, struct tq_error *err)
{
	if (*value == '\0')
		return (0);
	if (*value != '/') {
		tq_error_set(err, TQ_ECONFIG, "'%.64s' is not an absolute path",
		    value);
		return (-1);
	}
	if (strlen(value) >= sizeof ((struct sockaddr_un *)NULL)->sun_path) {
		tq_error_set(err, TQ_ECONFIG, "the socket path is too long (at "
		    "most %zu bytes)",
		    sizeof ((struct sockaddr_un *)NULL)->sun_path - 1);
		return (-1);
	}
	return (0);
}

static int
check_namespace(const char *value, struct tq_error *err)
{
	return (tq_config_table_check_name("namespace", value, err));
}
