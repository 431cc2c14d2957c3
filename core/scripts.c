/*
 * scripts.c -- the table of Lua scripts, one per state transition.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * The sources live in core/scripts/NAME.lua and are turned into C strings at
 * build time (scripts/lua2c.awk), each with the shared prelude in front.
 * This table maps enum tq_script to them; redis.c loads a script into
 * Redis by SHA the first time a connection needs it.
 */

#include "tq-int.h"
#include "scripts-lua.h"

static const struct {
	const char	*name;
	const char	*source;
	int		 confirm;	/* WAIT for replicas after it */
} tq_scripts[TQ_NSCRIPTS] = {
	/*
	 * Only enqueues acknowledge something that a failover could lose:
	 * any other write lost with a master undoes a move (a task runs
	 * again, at worst), never a task.
	 */
	[TQ_SCRIPT_ENQUEUE] = { "enqueue", tq_lua_enqueue, 1 },
	[TQ_SCRIPT_ENQUEUE_MANY] = { "enqueue_many", tq_lua_enqueue_many, 1 },
	[TQ_SCRIPT_DEQUEUE] = { "dequeue", tq_lua_dequeue, 0 },
	[TQ_SCRIPT_ACK] = { "ack", tq_lua_ack, 0 },
	[TQ_SCRIPT_ACK_MANY] = { "ack_many", tq_lua_ack_many, 0 },
	[TQ_SCRIPT_FAIL] = { "fail", tq_lua_fail, 0 },
	[TQ_SCRIPT_EXTEND] = { "extend", tq_lua_extend, 0 },
	[TQ_SCRIPT_RELEASE] = { "release", tq_lua_release, 0 },
	[TQ_SCRIPT_PROMOTE] = { "promote", tq_lua_promote, 0 },
	[TQ_SCRIPT_RECLAIM] = { "reclaim", tq_lua_reclaim, 0 },
	[TQ_SCRIPT_REQUEUE] = { "requeue", tq_lua_requeue, 0 },
	[TQ_SCRIPT_PURGE] = { "purge", tq_lua_purge, 0 },
	[TQ_SCRIPT_TRIM] = { "trim", tq_lua_trim, 0 },
	[TQ_SCRIPT_PAUSE] = { "pause", tq_lua_pause, 0 },
	[TQ_SCRIPT_RESUME] = { "resume", tq_lua_resume, 0 },
	[TQ_SCRIPT_STATS] = { "stats", tq_lua_stats, 0 },
	[TQ_SCRIPT_INSPECT] = { "inspect", tq_lua_inspect, 0 },
	[TQ_SCRIPT_DEADLIST] = { "deadlist", tq_lua_deadlist, 0 },
	[TQ_SCRIPT_DEADFIND] = { "deadfind", tq_lua_deadfind, 0 },
	[TQ_SCRIPT_DUE] = { "due", tq_lua_due, 0 },
	[TQ_SCRIPT_SETTLE] = { "settle", tq_lua_settle, 0 },
	[TQ_SCRIPT_HINT] = { "hint", tq_lua_hint, 0 },
	[TQ_SCRIPT_LEADER] = { "leader", tq_lua_leader, 0 },
	[TQ_SCRIPT_FSCK_READY] = { "fsck_ready", tq_lua_fsck_ready, 0 },
	[TQ_SCRIPT_FSCK_SCAN] = { "fsck_scan", tq_lua_fsck_scan, 0 },
	[TQ_SCRIPT_FSCK_FIX] = { "fsck_fix", tq_lua_fsck_fix, 0 },
	[TQ_SCRIPT_FINDREADY] = { "findready", tq_lua_findready, 0 },
};

const char *
tq_script_name(int script)
{
	return (tq_scripts[script].name);
}

int
tq_script_confirms(int script)
{
	return (tq_scripts[script].confirm);
}

const char *
tq_script_source(int script)
{
	return (tq_scripts[script].source);
}
