#!/bin/sh
#
# failover.sh -- a master SIGKILLed mid-run; its replica takes over.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Three masters with a replica each.  A producer and two workers (the
# chaos suite's ledger tools) run on a queue; its master is SIGKILLed,
# the cluster promotes the replica (cluster-node-timeout 1 s), and the
# clients, having lost the node, load the slot map again and go on.
#
# The old master is then restarted and rejoins as a replica.  Twice:
# with [redis] min_replicas_ack = 1 every enqueue waits until a replica
# has the task, so no task enqueue acknowledged may be lost; without,
# Redis's asynchronous replication may lose the last writes of the dead
# master, and the loss is measured and printed, not asserted.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cluster/lib.sh"

T=$TQ_TESTDIR
[ -x "$CHAOS" ] || bail "$CHAOS not built (make check builds it)"
N=${FAILOVER_TASKS:-3000}

cluster_start 3 1
diag "cluster: $CL_PORTS"

# The slot of key $1 is served by a master other than port $2.
served_elsewhere() {
	_now=$(cluster_port_of "$1")
	[ -n "$_now" ] && [ "$_now" != "$2" ]
}

# run NAME QUEUE ACKS: one round; sets lost, acked, took.
run_round() {
	_name=$1
	_q=$2
	_conf=$T/$_name.conf
	printf '[redis]\nurl = %s\nmin_replicas_ack = %s\nreplicas_timeout = 500ms\ncommand_timeout = 1s\nreconnect_max = 500ms\n[worker]\nlease = 5s\n' \
	    "$TQ_REDIS_URL" "$3" >"$_conf"
	mkdir -p "$T/done.$_name"
	_master=$(cluster_port_of "tq:{$_q}:t")
	_pids=
	for _w in 1 2; do
		"$CHAOS" work -c "$_conf" -C 4 "$TQ_REDIS_URL" "$_q" \
		    "$T/done.$_name" >"$T/$_name.work$_w.log" 2>&1 &
		_pids="$_pids $!"
		kill_at_exit $!
	done
	"$CHAOS" produce -c "$_conf" -n "$N" -p "$_name" -b 10 \
	    -r $((N / 3)) -T 60 "$TQ_REDIS_URL" "$_q" "$T/ledger.$_name" \
	    >"$T/$_name.produce" 2>"$T/$_name.produce.err" &
	_pp=$!
	kill_at_exit $_pp
	sleep 1
	_t0=$(date +%s%N)
	kill -9 "$(cluster_pid "$_master")"
	diag "$_name: SIGKILLed master $_master of queue $_q"
	tap_ok "$_name: a replica takes over $_q's slot" wait_until 20 \
	    served_elsewhere "tq:{$_q}:t" "$_master"
	# As an operator would: the old master comes back, as a replica of
	# the new one, so that enqueues can be confirmed again.
	cluster_node_start "$_master"
	wait $_pp
	tap_is "$_name: the producer finished" 0 $?
	_t1=$(date +%s%N)
	took=$(((_t1 - _t0) / 1000000))
	eval "$(cat "$T/$_name.produce")"
	tap_is "$_name: every task acknowledged" "$N" "$acked"
	diag "$_name: produce: $(cat "$T/$_name.produce")"
	_drained() {
		[ "$("$TQ" -c "$_conf" stats --json "$_q" | jsonq "sum(
		    d['queues']['$_q'][k] for k in ('ready', 'active', 'retry',
		    'scheduled'))")" = 0 ]
	}
	tap_ok "$_name: the workers drain the queue" wait_until 60 _drained
	for _p in $_pids; do
		kill -TERM "$_p" 2>/dev/null
	done
	$CHECK "$TQ" "$_q" "$T/ledger.$_name" "$T/done.$_name" \
	    >"$T/$_name.check" 2>"$T/$_name.check.err"
	c_lost= c_fsck= c_duplicates= c_completed=
	for _kv in $(cat "$T/$_name.check"); do
		eval "c_${_kv%%=*}=\${_kv#*=}"
	done
	lost=$c_lost
	diag "$_name: tasks=$N acked=$acked completed=$c_completed" \
	    "duplicates=$c_duplicates lost=$c_lost fsck=$c_fsck" \
	    "producer_done_after_kill_ms=$took"
}

# The failed node is forgotten by nothing: pick queues on masters that
# still have their replica, one per round.
pick_queue() {
	_i=0
	while [ $_i -lt 300 ]; do
		_p=$(cluster_port_of "tq:{$1$_i}:t")
		if [ -n "$_p" ] && [ "$_p" != "$2" ] &&
		    [ "$(ccli "$_p" info replication |
		    grep -c '^slave[0-9]*:.*online')" -ge 1 ]; then
			printf '%s' "$1$_i"
			return
		fi
		_i=$((_i + 1))
	done
}

qa=$(pick_queue fa "")
run_round acked "$qa" 1
tap_is "with min_replicas_ack = 1: no acknowledged task lost" 0 "$lost"
dead=$(cluster_port_of "tq:{$qa}:t")
cluster_wait_ok
qb=$(pick_queue fb "$dead")
[ -n "$qb" ] || bail "no other master with a replica left"
run_round async "$qb" 0
diag "without min_replicas_ack: $lost acknowledged tasks lost in the" \
    "failover (asynchronous replication)"
tap_ok "without it, the loss is measured ($lost)" test -n "$lost"
finish
