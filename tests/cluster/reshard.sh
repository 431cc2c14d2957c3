#!/bin/sh
#
# reshard.sh -- a queue's slot migrates between masters while tasks flow.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# A producer and two workers (the chaos suite's ledger tools) run on a
# 3-master cluster while the hash slot of their queue moves to another
# master, key by key (clients meet ASK while it moves and MOVED after),
# and back.  Every task enqueue acknowledged must be completed, and tq
# fsck must find the queue clean.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cluster/lib.sh"

T=$TQ_TESTDIR
[ -x "$CHAOS" ] || bail "$CHAOS not built (make check builds it)"
N=${RESHARD_TASKS:-3000}
Q=rq

cluster_start 3
slot=$(ccli "$(cluster_masters | head -n 1)" cluster keyslot "tq:{$Q}:t")
from=$(cluster_port_of "tq:{$Q}:t")
to=$(cluster_masters | grep -vx "$from" | head -n 1)
diag "queue $Q: slot $slot on $from, to move to $to"
printf '[redis]\nurl = %s\n' "$TQ_REDIS_URL" >"$T/tq.conf"
mkdir "$T/done"

for w in 1 2; do
	"$CHAOS" work -c "$T/tq.conf" -C 4 -l 5000 "$TQ_REDIS_URL" $Q \
	    "$T/done" >"$T/work$w.log" 2>&1 &
	kill_at_exit $!
done
"$CHAOS" produce -c "$T/tq.conf" -n "$N" -p rs -b 20 -r $((N / 3)) \
    "$TQ_REDIS_URL" $Q "$T/ledger" >"$T/produce.out" 2>"$T/produce.err" &
ppid=$!
kill_at_exit $ppid

sleep 0.7
t0=$(date +%s%N)
cluster_migrate "$slot" "$from" "$to"
t1=$(date +%s%N)
tap_is "the slot now lives on $to" "$to" "$(cluster_port_of "tq:{$Q}:t")"
sleep 0.5
cluster_migrate "$slot" "$to" "$from"
tap_is "and back on $from" "$from" "$(cluster_port_of "tq:{$Q}:t")"
diag "one migration took $(((t1 - t0) / 1000000)) ms"

wait $ppid
tap_is "the producer finished" 0 $?
eval "$(cat "$T/produce.out")"
tap_is "every task acknowledged" "$N" "$acked"
diag "produce: $(cat "$T/produce.out")"
drained() {
	[ "$("$TQ" stats --json $Q | jsonq "sum(d['queues']['$Q'][k] for k in
	    ('ready', 'active', 'retry', 'scheduled'))")" = 0 ]
}
tap_ok "the workers drain the queue" wait_until 60 drained
$CHECK "$TQ" $Q "$T/ledger" "$T/done" >"$T/check.out" 2>"$T/check.err"
for kv in $(cat "$T/check.out"); do
	eval "c_${kv%%=*}=\${kv#*=}"
done
tap_is "no acknowledged task lost" 0 "$c_lost"
tap_is "tq fsck is clean" clean "$c_fsck"
diag "reshard: tasks=$N acked=$c_acked completed=$c_completed" \
    "duplicates=$c_duplicates dead=$c_dead lost=$c_lost"
grep -h "error\|warning" "$T"/work*.log | sort | uniq -c | head -5 |
    while read -r l; do diag "worker: $l"; done
finish
