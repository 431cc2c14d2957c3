#!/bin/sh
#
# sentinel.sh -- tq under Redis Sentinel: the master dies, a replica is
# promoted, producers and workers follow it.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# A master, its replica and one Sentinel (quorum 1, down-after 1 s) on
# loopback.  Programs are pointed at the Sentinel only
# (redis-sentinel://HOST:PORT/mymaster).  A producer and two workers (the
# chaos suite's ledger tools) run; the master is SIGKILLed; the Sentinel
# promotes the replica, and the clients, having lost their link, ask the
# Sentinel again and go on.  The old master then comes back and the
# Sentinel makes it a replica; min_replicas_ack = 1 holds from then on.
# Every task enqueue acknowledged must be completed; what asynchronous
# replication may cost in the failover itself is measured, as with
# failover.sh.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cluster/lib.sh"

T=$TQ_TESTDIR
[ -x "$CHAOS" ] || bail "$CHAOS not built (make check builds it)"
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server)}
REDIS_CLI=${REDIS_CLI:-$(command -v redis-cli)}
N=${SENTINEL_TASKS:-3000}
Q=sq

set -- $(cluster_free_ports 3)
pm=$1 pr=$2 ps=$3

# plain_start PORT [ARGS...]: a redis-server on loopback (not a cluster).
plain_start() {
	_p=$1
	shift
	mkdir -p "$T/r-$_p"
	(cd "$T/r-$_p" && exec "$REDIS_SERVER" --port "$_p" --bind 127.0.0.1 \
	    --save '' --appendonly yes --appendfsync always --dir "$T/r-$_p" \
	    --logfile "$T/r-$_p/log" "$@" </dev/null >/dev/null 2>&1) &
	echo $! >"$T/r-$_p/pid"
	kill_at_exit $!
	wait_until 10 node_up "$_p" || bail "redis-server on $_p did not start"
}
plain_start "$pm"
plain_start "$pr" --replicaof 127.0.0.1 "$pm"
cat >"$T/sentinel.conf" <<EOF
port $ps
bind 127.0.0.1
dir $T
sentinel monitor mymaster 127.0.0.1 $pm 1
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 5000
EOF
"$REDIS_SERVER" "$T/sentinel.conf" --sentinel --logfile "$T/sentinel.log" \
    </dev/null >/dev/null 2>&1 &
kill_at_exit $!
wait_until 10 node_up "$ps" || bail "the Sentinel did not start"
wait_until 10 sh -c "'$REDIS_CLI' -h 127.0.0.1 -p $pr info replication |
    grep -q 'master_link_status:up'" || bail "the replica did not sync"

URL=redis-sentinel://127.0.0.1:$ps/mymaster
printf '[redis]\nurl = %s\ncommand_timeout = 1s\nreconnect_max = 500ms\n[worker]\nlease = 5s\n' \
    "$URL" >"$T/tq.conf"
run "$TQ" -c "$T/tq.conf" enqueue -q $Q job '{"first":1}'
tap_is "through the Sentinel: enqueue works" 0 "$status"
tap_is "the task is on the master" 1 "$(ccli "$pm" llen "tq:{$Q}:ready:0")"

mkdir "$T/done"
for w in 1 2; do
	"$CHAOS" work -c "$T/tq.conf" -C 4 "$URL" $Q "$T/done" \
	    >"$T/work$w.log" 2>&1 &
	kill_at_exit $!
done
"$CHAOS" produce -c "$T/tq.conf" -n "$N" -p sn -b 10 -r $((N / 3)) -T 60 \
    "$URL" $Q "$T/ledger" >"$T/produce.out" 2>"$T/produce.err" &
pp=$!
kill_at_exit $pp
sleep 1
kill -9 "$(cat "$T/r-$pm/pid")"
promoted() {
	"$REDIS_CLI" -h 127.0.0.1 -p "$pr" role 2>/dev/null | head -n 1 |
	    grep -qx master
}
tap_ok "the Sentinel promotes the replica" wait_until 20 promoted
# The old master comes back; the Sentinel turns it into a replica.
plain_start "$pm"
wait $pp
tap_is "the producer finished" 0 $?
eval "$(cat "$T/produce.out")"
tap_is "every task acknowledged" "$N" "$acked"
diag "produce: $(cat "$T/produce.out")"
drained() {
	[ "$("$TQ" -c "$T/tq.conf" stats --json $Q | jsonq "sum(
	    d['queues']['$Q'][k] for k in ('ready', 'active', 'retry',
	    'scheduled'))")" = 0 ]
}
tap_ok "the workers drain the queue on the new master" wait_until 60 drained
TQ_REDIS_URL=$URL
export TQ_REDIS_URL
$CHECK "$TQ" $Q "$T/ledger" "$T/done" >"$T/check.out" 2>"$T/check.err"
for kv in $(cat "$T/check.out"); do
	eval "c_${kv%%=*}=\${kv#*=}"
done
tap_is "tq fsck is clean" clean "$c_fsck"
diag "sentinel: tasks=$N acked=$acked completed=$c_completed" \
    "duplicates=$c_duplicates lost=$c_lost (asynchronous replication)"
tap_ok "the loss in the failover is measured ($c_lost)" test -n "$c_lost"

tap_ok "the old master rejoins as a replica" wait_until 20 sh -c \
    "'$REDIS_CLI' -h 127.0.0.1 -p $pm role 2>/dev/null | head -n 1 |
    grep -qx slave"
printf '[redis]\nurl = %s\nmin_replicas_ack = 1\n' "$URL" >"$T/acks.conf"
tap_ok "enqueues are confirmed by the new replica" wait_until 10 \
    "$TQ" -c "$T/acks.conf" enqueue -q $Q job '{"last":1}'
finish
