#!/bin/sh
#
# sentinel.sh -- tq under Redis Sentinel: the master dies, a replica is
# promoted, producers, workers and tqd follow it.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# A master, its replica and one Sentinel (quorum 1, down-after 1 s) on
# loopback.  Programs are pointed at the Sentinel only
# (redis-sentinel://HOST:PORT/mymaster).  A producer of delayed tasks
# (0-2 s, so tqd must promote them), two workers (the chaos suite's
# ledger tools) and two tqd run; the master is SIGKILLed; the Sentinel
# promotes the replica, and the programs, having lost their link, ask
# the Sentinel again and go on.  Each must make progress again within
# PAUSE_MAX, each worker must complete tasks after the failover, and tqd
# must promote a task delayed after it.  What asynchronous replication
# cost in the failover is measured (see failover.sh for a replica that
# lags); nothing may be left pending, every dead task needs a reason,
# and tq fsck must be clean.  The old master then comes back and the
# Sentinel makes it a replica; min_replicas_ack = 1 holds from then on.
# Last, both tqd work (the leader stops, the other takes over) and every
# program stops on SIGTERM with status 0, with no sanitizer report.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cluster/lib.sh"

T=$TQ_TESTDIR
TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
[ -x "$CHAOS" ] || bail "$CHAOS not built (make check builds it)"
[ -x "$TQD" ] || bail "$TQD not built (run make)"
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server)}
REDIS_CLI=${REDIS_CLI:-$(command -v redis-cli)}
N=${SENTINEL_TASKS:-3000}
Q=sq
# The longest a program may go without progress after the kill.
# Expected: the Sentinel sees the master down after down-after (1 s),
# promotes the replica and reports it within a second or two more, and
# the programs ask again within a command timeout (1 s) and
# reconnect_max (0.5 s): 3-4 s.  15 s leaves room for a 2-core machine
# shared with other test runs.
PAUSE_MAX=15000

set -- $(cluster_free_ports 3)
pm=$1 pr=$2 ps=$3

# plain_start PORT [ARGS...]: a redis-server on loopback (not a cluster).
plain_start() {
	_p=$1
	shift
	mkdir -p "$T/r-$_p"
	(cd "$T/r-$_p" && exec "$REDIS_SERVER" --port "$_p" --bind 127.0.0.1 \
	    --save '' --appendonly yes --appendfsync always --dir "$T/r-$_p" \
	    --repl-diskless-sync-delay 0 --logfile "$T/r-$_p/log" "$@" \
	    </dev/null >/dev/null 2>&1) &
	echo $! >"$T/r-$_p/pid"
	kill_at_exit $!
	wait_until 10 node_up "$_p" || bail "redis-server on $_p did not start"
}
plain_start "$pm"
plain_start "$pr" --replicaof 127.0.0.1 "$pm"
mkdir "$T/s"
cat >"$T/s/sentinel.conf" <<EOF
port $ps
bind 127.0.0.1
dir $T/s
sentinel monitor mymaster 127.0.0.1 $pm 1
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 5000
EOF
"$REDIS_SERVER" "$T/s/sentinel.conf" --sentinel --logfile "$T/s/log" \
    </dev/null >/dev/null 2>&1 &
kill_at_exit $!
wait_until 10 node_up "$ps" || bail "the Sentinel did not start"
wait_until 10 sh -c "'$REDIS_CLI' -h 127.0.0.1 -p $pr info replication |
    grep -q 'master_link_status:up'" || bail "the replica did not sync"

URL=redis-sentinel://127.0.0.1:$ps/mymaster
TQ_REDIS_URL=$URL
export TQ_REDIS_URL
printf '[redis]\nurl = %s\ncommand_timeout = 1s\nreconnect_max = 500ms\n[worker]\nlease = 2s\n[tqd]\ntick = 20ms\nreclaim_interval = 200ms\nscan_interval = 500ms\nleader_ttl = 2s\n' \
    "$URL" >"$T/tq.conf"
run "$TQ" -c "$T/tq.conf" enqueue -q $Q job '{"first":1}'
tap_is "through the Sentinel: enqueue works" 0 "$status"
tap_is "the task is on the master" 1 "$(ccli "$pm" llen "tq:{$Q}:ready:0")"

for i in 1 2; do
	"$TQD" -v -c "$T/tq.conf" </dev/null >"$T/tqd$i.log" 2>&1 &
	eval "tqd$i=\$!"
	kill_at_exit $!
done
mkdir "$T/done"
wpids=
for w in 1 2; do
	"$CHAOS" work -c "$T/tq.conf" -C 4 "$URL" $Q "$T/done" \
	    >"$T/work$w.log" 2>&1 &
	wpids="$wpids $!"
	kill_at_exit $!
done
"$CHAOS" produce -c "$T/tq.conf" -n "$N" -p sn -b 10 -r $((N / 3)) \
    -d 2000 -T 60 "$URL" $Q "$T/ledger" >"$T/produce.out" \
    2>"$T/produce.err" &
pp=$!
kill_at_exit $pp
cluster_watch p "$T/ledger"
cluster_watch w "$T/done"
sleep 1
t0=$(date +%s%3N)
kill -9 "$(cat "$T/r-$pm/pid")"
promoted() {
	"$REDIS_CLI" -h 127.0.0.1 -p "$pr" role 2>/dev/null | head -n 1 |
	    grep -qx master
}
tap_ok "the Sentinel promotes the replica" wait_until 20 promoted
diag "the replica is master after $(($(date +%s%3N) - t0)) ms"
before=
for w in $wpids; do
	before="$before $(cluster_lines "$T/done/done.$w")"
done
switched() {
	"$REDIS_CLI" -h 127.0.0.1 -p "$ps" sentinel \
	    get-master-addr-by-name mymaster 2>/dev/null | grep -qx "$pr"
}
tap_ok "the Sentinel names the new master" wait_until 20 switched
diag "the Sentinel names it after $(($(date +%s%3N) - t0)) ms"
wait $pp
tap_is "the producer finished" 0 $?
eval "$(cat "$T/produce.out")"
tap_is "every task acknowledged" "$N" "$acked"
diag "produce: $(cat "$T/produce.out")"

completed() {
	cat "$T/done"/done.* 2>/dev/null | grep -qx "$1"
}
"$TQ" -c "$T/tq.conf" enqueue -q $Q --delay 1 --id late-1 chaos '{}' \
    >/dev/null
tap_ok "tqd promotes a task delayed after the failover" wait_until 10 \
    completed late-1
drained() {
	[ "$("$TQ" -c "$T/tq.conf" stats --json $Q | jsonq "sum(
	    d['queues']['$Q'][k] for k in ('ready', 'active', 'retry',
	    'scheduled'))")" = 0 ]
}
tap_ok "the workers drain the queue on the new master" wait_until 60 drained
set -- $before
for w in $wpids; do
	tap_ok "worker $w completed tasks after the failover" \
	    test "$(cluster_lines "$T/done/done.$w")" -gt "$1"
	shift
	cluster_stop "worker $w" "$w"
done
cluster_unwatch
pause_p=$(cluster_pause p "$t0")
pause_w=$(cluster_pause w "$t0")
diag "longest pause after the kill: producer $pause_p ms, workers" \
    "$pause_w ms"
tap_ok "the producer's pause is under $PAUSE_MAX ms" \
    test "$pause_p" -le "$PAUSE_MAX"
tap_ok "the workers' pause is under $PAUSE_MAX ms" \
    test "$pause_w" -le "$PAUSE_MAX"
cluster_ledger sentinel $Q "$T/ledger" "$T/done" measure
diag "sentinel: acked=$c_acked completed=$c_completed" \
    "duplicates=$c_duplicates dead=$c_dead lost=$c_lost" \
    "(asynchronous replication)"

# The old master comes back, once every program is at work on the new
# one, and the Sentinel turns it into a replica.  Not before: restarted
# from its own AOF it says it is the master, and a program that asked
# the Sentinel a moment before the switch, and connects now, would work
# on its old data until the Sentinel turns it into a replica (10-20 s
# later), which drops what was written to it.
plain_start "$pm"
# The Sentinel looks at a returning server every 10 s, and converts it
# once it has said it is a master for 8 s: 30 s leaves room for a
# loaded machine.
tap_ok "the old master rejoins as a replica" wait_until 30 sh -c \
    "'$REDIS_CLI' -h 127.0.0.1 -p $pm role 2>/dev/null | head -n 1 |
    grep -qx slave"
printf '[redis]\nurl = %s\nmin_replicas_ack = 1\n' "$URL" >"$T/acks.conf"
tap_ok "enqueues are confirmed by the new replica" wait_until 10 \
    "$TQ" -c "$T/acks.conf" enqueue -q $Q job '{"last":1}'

# ------------------------------------------------ both tqd at work
tap_ok "both tqd are alive" cluster_alive "$tqd1"
tap_ok "(the second too)" cluster_alive "$tqd2"
leader=$(ccli "$pr" get "tq:{leader}")
lpid=$(printf '%s' "$leader" | awk -F- '{ print $(NF - 1) }')
case $lpid in
"$tqd1") other=$tqd2 ;;
"$tqd2") other=$tqd1 ;;
*) bail "the leader is '$leader', neither tqd" ;;
esac
cluster_stop "the leading tqd" "$lpid"
"$TQ" enqueue -q $Q --delay 1 --id late-2 chaos '{}' >/dev/null
state_ready() {
	[ "$("$TQ" inspect --json -q $Q late-2 | jsonq 'd["state"]')" = ready ]
}
# The standby takes over once the lease is given up or expires (2 s).
tap_ok "the other tqd takes over and promotes a delayed task" \
    wait_until 10 state_ready
cluster_stop "the other tqd" "$other"
cluster_finish
