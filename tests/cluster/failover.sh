#!/bin/sh
#
# failover.sh -- a master SIGKILLed mid-run; its replica takes over.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Three masters with a replica each, and two tqd.  In each round a
# producer and two workers (the chaos suite's ledger tools) run on a
# queue of delayed tasks (0-2 s, so tqd must promote them all); the
# queue's master is SIGKILLed, the cluster promotes its replica
# (cluster-node-timeout 1 s), and the programs, having lost the node,
# load the slot map again and go on.  The old master then comes back, as
# an operator would bring it, and rejoins as a replica.
#
# Three rounds:
#   plain   the kill alone: what asynchronous replication loses when the
#           replica is up to date (on loopback it lags by well under a
#           millisecond); measured, not asserted.
#   lag     the replica's link cut (CLIENT KILL, the replica SIGSTOPped
#           so that it cannot reconnect) 0.8 s before the kill: it misses
#           the dead master's last 0.8 s of writes, as a replica behind a
#           slow or broken link would.  The tasks acknowledged in that
#           window and not yet run are lost; measured, and asserted to be
#           some, so that the next round proves something.
#   acked   the same lag with [redis] min_replicas_ack = 1: every enqueue
#           waits until the replica has it, so no task that enqueue
#           acknowledged may be lost.
#
# In every round: each program makes progress again within PAUSE_MAX,
# each worker completes tasks after the failover, tqd promotes a delayed
# task enqueued after it, nothing is left pending, every dead task has a
# reason, tq fsck is clean, and the workers stop on SIGTERM with status
# 0.  At the end both tqd are alive and each works: the leader stops,
# the other takes over and promotes a task.  No program's log may hold a
# sanitizer report.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cluster/lib.sh"

T=$TQ_TESTDIR
TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
[ -x "$CHAOS" ] || bail "$CHAOS not built (make check builds it)"
[ -x "$TQD" ] || bail "$TQD not built (run make)"
N=${FAILOVER_TASKS:-3000}
# The longest a producer or the workers may go without progress after
# the kill.  Expected: the master is marked failed after the node
# timeout (1 s) and a gossip round, its replica elects itself within
# 0.5-1 s more, and the programs notice within a command timeout (1 s)
# and reconnect within reconnect_max (0.5 s): 3-4 s.  With
# min_replicas_ack the old master must also restart and resync before
# an enqueue counts (well under a second here).  15 s leaves room for a
# 2-core machine shared with other test runs.
PAUSE_MAX=15000

cluster_start 3 1
diag "cluster: $CL_PORTS"

cat >"$T/tqd.conf" <<EOF
[redis]
url = $TQ_REDIS_URL
command_timeout = 1s
reconnect_max = 500ms
[tqd]
tick = 20ms
reclaim_interval = 200ms
scan_interval = 500ms
leader_ttl = 2s
EOF
for i in 1 2; do
	"$TQD" -v -c "$T/tqd.conf" </dev/null >"$T/tqd$i.log" 2>&1 &
	eval "tqd$i=\$!"
	kill_at_exit $!
done

# The slot of key $1 is served by a master other than port $2.
served_elsewhere() {
	_now=$(cluster_port_of "$1")
	[ -n "$_now" ] && [ "$_now" != "$2" ]
}

# A queue name (PREFIX and a number) on a master that has its replica
# in sync, and other than port $2.
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

# The port of the replica of the master on port $1.
replica_of() {
	ccli "$1" info replication | tr -d '\r' |
	    sed -n 's/^slave0:ip=[^,]*,port=\([0-9]*\),.*/\1/p'
}

# Whether task $2 is in one of the done files of round $1.
completed() {
	cat "$T/done.$1"/done.* 2>/dev/null | grep -qx "$2"
}

# run_round NAME QUEUE ACKS LAG: one round, LAG "" or a sleep(1) time
# for which the replica is cut off before the kill.  Sets pause_p and
# pause_w (ms); the ledger is checked by the caller.
run_round() {
	name=$1
	q=$2
	conf=$T/$name.conf
	printf '[redis]\nurl = %s\nmin_replicas_ack = %s\nreplicas_timeout = 500ms\ncommand_timeout = 1s\nreconnect_max = 500ms\n[worker]\nlease = 2s\n' \
	    "$TQ_REDIS_URL" "$3" >"$conf"
	mkdir "$T/done.$name"
	master=$(cluster_port_of "tq:{$q}:t")
	replica=$(replica_of "$master")
	[ -n "$replica" ] || bail "$name: master $master has no replica"
	wpids=
	for w in 1 2; do
		"$CHAOS" work -c "$conf" -C 4 "$TQ_REDIS_URL" "$q" \
		    "$T/done.$name" >"$T/$name.work$w.log" 2>&1 &
		wpids="$wpids $!"
		kill_at_exit $!
	done
	"$CHAOS" produce -c "$conf" -n "$N" -p "$name" -b 10 \
	    -r $((N / 3)) -d 2000 -T 60 "$TQ_REDIS_URL" "$q" \
	    "$T/ledger.$name" >"$T/$name.produce.out" \
	    2>"$T/$name.produce.err" &
	pp=$!
	kill_at_exit $pp
	cluster_watch "$name.p" "$T/ledger.$name"
	cluster_watch "$name.w" "$T/done.$name"
	sleep 1
	if [ -n "$4" ]; then
		# What the master writes from now on reaches no replica:
		# the link is cut, and the replica, stopped, cannot mend it.
		# (Stopping it alone would not do: what the master sent
		# waits in the kernel's socket buffers, and is read later.)
		kill -STOP "$(cluster_pid "$replica")"
		ccli "$master" client kill type replica >/dev/null
		sleep "$4"
	fi
	t0=$(date +%s%3N)
	kill -9 "$(cluster_pid "$master")"
	if [ -n "$4" ]; then
		kill -CONT "$(cluster_pid "$replica")"
		diag "$name: SIGKILLed master $master of queue $q, its" \
		    "replica $replica cut off $4 s before"
	else
		diag "$name: SIGKILLed master $master of queue $q"
	fi
	tap_ok "$name: the replica takes over $q's slot" wait_until 20 \
	    served_elsewhere "tq:{$q}:t" "$master"
	diag "$name: the new master serves after" \
	    "$(($(date +%s%3N) - t0)) ms"
	before=
	for w in $wpids; do
		before="$before $(cluster_lines "$T/done.$name/done.$w")"
	done
	cluster_node_start "$master"
	wait $pp
	tap_is "$name: the producer finished" 0 $?
	eval "$(cat "$T/$name.produce.out")"
	tap_is "$name: every task acknowledged" "$N" "$acked"
	diag "$name: produce: $(cat "$T/$name.produce.out")"

	"$TQ" -c "$conf" enqueue -q "$q" --delay 1 --id "late-$name" chaos \
	    '{}' >/dev/null
	tap_ok "$name: tqd promotes a task delayed after the failover" \
	    wait_until 10 completed "$name" "late-$name"
	_drained() {
		[ "$("$TQ" -c "$conf" stats --json "$q" | jsonq "sum(
		    d['queues']['$q'][k] for k in ('ready', 'active', 'retry',
		    'scheduled'))")" = 0 ]
	}
	tap_ok "$name: the workers drain the queue" wait_until 60 _drained
	set -- $before
	for w in $wpids; do
		tap_ok "$name: worker $w completed tasks after the failover" \
		    test "$(cluster_lines "$T/done.$name/done.$w")" -gt "$1"
		shift
		cluster_stop "$name: worker $w" "$w"
	done
	cluster_unwatch
	pause_p=$(cluster_pause "$name.p" "$t0")
	pause_w=$(cluster_pause "$name.w" "$t0")
	diag "$name: longest pause after the kill: producer $pause_p ms," \
	    "workers $pause_w ms"
	tap_ok "$name: the producer's pause is under $PAUSE_MAX ms" \
	    test "$pause_p" -le "$PAUSE_MAX"
	tap_ok "$name: the workers' pause is under $PAUSE_MAX ms" \
	    test "$pause_w" -le "$PAUSE_MAX"
}

q=$(pick_queue fp "")
run_round plain "$q" 0 ""
cluster_ledger plain "$q" "$T/ledger.plain" "$T/done.plain" measure
diag "plain: acked=$c_acked completed=$c_completed" \
    "duplicates=$c_duplicates dead=$c_dead lost=$c_lost"
cluster_wait_ok

q=$(pick_queue fl "")
[ -n "$q" ] || bail "no master with a replica in sync"
run_round lag "$q" 0 0.8
cluster_ledger lag "$q" "$T/ledger.lag" "$T/done.lag" measure
diag "lag: acked=$c_acked completed=$c_completed" \
    "duplicates=$c_duplicates dead=$c_dead lost=$c_lost"
tap_ok "lag: without min_replicas_ack, the replica's lag cost tasks" \
    test "$c_lost" -gt 0
cluster_wait_ok

q=$(pick_queue fa "")
[ -n "$q" ] || bail "no master with a replica in sync"
run_round acked "$q" 1 0.8
cluster_ledger acked "$q" "$T/ledger.acked" "$T/done.acked"
diag "acked: acked=$c_acked completed=$c_completed" \
    "duplicates=$c_duplicates dead=$c_dead lost=$c_lost"

# ------------------------------------------------ both tqd at work
tap_ok "both tqd are alive" cluster_alive "$tqd1"
tap_ok "(the second too)" cluster_alive "$tqd2"
lport=$(cluster_port_of "tq:{leader}")
leader=$(ccli "$lport" get "tq:{leader}")
lpid=$(printf '%s' "$leader" | awk -F- '{ print $(NF - 1) }')
case $lpid in
"$tqd1") other=$tqd2 ;;
"$tqd2") other=$tqd1 ;;
*) bail "the leader is '$leader', neither tqd" ;;
esac
cluster_stop "the leading tqd" "$lpid"
"$TQ" enqueue -q "$q" --delay 1 --id late-standby chaos '{}' >/dev/null
state_ready() {
	[ "$("$TQ" inspect --json -q "$q" late-standby |
	    jsonq 'd["state"]')" = ready ]
}
# The standby takes over once the lease is given up or expires (2 s).
tap_ok "the other tqd takes over and promotes a delayed task" \
    wait_until 10 state_ready
cluster_stop "the other tqd" "$other"
tap_is "no tqd saw a loss of data (its markers came through)" 0 \
    "$(cat "$T"/tqd*.log | grep -c 'LOST ITS DATA')"
cluster_finish
