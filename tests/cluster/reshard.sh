#!/bin/sh
#
# reshard.sh -- redis-cli --cluster reshard while tasks flow.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Two queues whose hash slots are among the first SLOTS of a master, so
# that "redis-cli --cluster reshard --cluster-slots SLOTS" moves them to
# another master, and back, while a producer per queue and two workers
# (the chaos suite's ledger tools) run, as the ACL users tq-producer and
# tq-worker of docs/SECURITY.md.  Each queue's slot also holds PAD keys
# of our own, written before the tasks and so migrated after tq's keys
# (a slot gives its newest keys first), one per MIGRATE: for that long
# tq's keys are on the new master while the slot still migrates, and
# every command on them meets ASK.  Once a slot has moved, a client with
# the old map meets MOVED.
#
# The nodes' own counters prove both were met and followed: ASKING ran
# (INFO commandstats), MOVED and ASK replies were sent (INFO errorstats),
# and every task enqueue acknowledged was completed, nothing is left
# pending, every dead task has a reason, and tq fsck is clean.  The
# workers stop on SIGTERM with status 0; no sanitizer report.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cluster/lib.sh"

T=$TQ_TESTDIR
[ -x "$CHAOS" ] || bail "$CHAOS not built (make check builds it)"
N=${RESHARD_TASKS:-2000}
SLOTS=32
PAD=2000

cluster_start 3
URL=$TQ_REDIS_URL
cluster_acl_users $CL_PORTS
# tq itself (stats, check.py) as tq-admin; nothing on the harness's URL.
unset TQ_REDIS_URL
TQ_CONFIG=$T/admin.conf
export TQ_CONFIG

# $1 queue names whose hash slot is below $2 (CRC16 of the name).
low_slot_names() {
	"$PYTHON" -c '
import sys
def crc16(s):
    crc = 0
    for c in s.encode():
        crc ^= c << 8
        for _ in range(8):
            crc = (crc << 1) ^ 0x1021 if crc & 0x8000 else crc << 1
            crc &= 0xffff
    return crc
want, top, out, i = int(sys.argv[1]), int(sys.argv[2]), [], 0
while len(out) < want:
    if crc16("r%d" % i) % 16384 < top:
        out.append("r%d" % i)
    i += 1
print(" ".join(out))' "$1" "$2"
}

set -- $(low_slot_names 2 $SLOTS)
QA=$1
QB=$2
from=$(cluster_port_of "tq:{$QA}:t")
to=$(cluster_masters | grep -vx "$from" | head -n 1)
tap_is "$QA and $QB are on the master of slot 0" "$from $from" \
    "$from $(cluster_port_of "tq:{$QB}:t")"
diag "queues $QA (slot $(ccli "$from" cluster keyslot "$QA")) and $QB" \
    "(slot $(ccli "$from" cluster keyslot "$QB")) on $from; to move to $to"
for q in $QA $QB; do
	i=0
	while [ $i -lt $PAD ]; do
		echo "SET pad:{$q}:$i x"
		i=$((i + 1))
	done
done | ccli "$from" >/dev/null

mkdir "$T/done"
wpids=
for w in 1 2; do
	"$CHAOS" work -c "$T/worker.conf" -C 4 -l 5000 "$URL" "$QA,$QB" \
	    "$T/done" >"$T/work$w.log" 2>&1 &
	wpids="$wpids $!"
	kill_at_exit $!
done
pps=
for q in $QA $QB; do
	"$CHAOS" produce -c "$T/producer.conf" -n "$N" -p "$q" -b 20 \
	    -r $((N / 3)) "$URL" "$q" "$T/ledger.$q" >"$T/produce.$q.out" \
	    2>"$T/produce.$q.err" &
	pps="$pps $!"
	kill_at_exit $!
done

# reshard FROM TO: move the first SLOTS slots of FROM to TO, a key at
# a time.
reshard() {
	"$REDIS_CLI" --cluster reshard "127.0.0.1:$1" \
	    --cluster-from "$(ccli "$1" cluster myid)" \
	    --cluster-to "$(ccli "$2" cluster myid)" \
	    --cluster-slots $SLOTS --cluster-pipeline 1 --cluster-yes \
	    >>"$T/reshard.out" 2>&1
}

sleep 0.7
for p in $(cluster_masters); do
	ccli "$p" config resetstat >/dev/null
done
t0=$(date +%s%3N)
tap_ok "redis-cli --cluster reshard moves $SLOTS slots to $to" \
    reshard "$from" "$to"
t1=$(date +%s%3N)
tap_is "$QA and $QB now live on $to" "$to $to" \
    "$(cluster_port_of "tq:{$QA}:t") $(cluster_port_of "tq:{$QB}:t")"
sleep 0.5
tap_ok "and back" reshard "$to" "$from"
tap_is "$QA and $QB are back on $from" "$from $from" \
    "$(cluster_port_of "tq:{$QA}:t") $(cluster_port_of "tq:{$QB}:t")"
diag "one reshard took $((t1 - t0)) ms"

set -- $pps
for q in $QA $QB; do
	wait "$1"
	tap_is "$q: the producer finished" 0 $?
	eval "$(cat "$T/produce.$q.out")"
	tap_is "$q: every task acknowledged" "$N" "$acked"
	diag "$q: produce: $(cat "$T/produce.$q.out")"
	shift
done
drained() {
	[ "$("$TQ" stats --json $QA $QB | jsonq "sum(q[k]
	    for q in d['queues'].values()
	    for k in ('ready', 'active', 'retry', 'scheduled'))")" = 0 ]
}
tap_ok "the workers drain both queues" wait_until 60 drained

asking=0 moved=0 ask=0 tryagain=0
for p in $(cluster_masters); do
	asking=$((asking + $(cluster_stat "$p" cmdstat_asking)))
	moved=$((moved + $(cluster_stat "$p" errorstat_MOVED)))
	ask=$((ask + $(cluster_stat "$p" errorstat_ASK)))
	tryagain=$((tryagain + $(cluster_stat "$p" errorstat_TRYAGAIN)))
done
diag "redirections: MOVED $moved, ASK $ask, ASKING $asking," \
    "TRYAGAIN $tryagain"
tap_ok "clients met MOVED ($moved) and went on" test "$moved" -gt 0
tap_ok "clients met ASK ($ask) and followed it with ASKING ($asking)" \
    test "$ask" -gt 0 -a "$asking" -gt 0

for w in $wpids; do
	cluster_stop "worker $w" "$w"
done
for q in $QA $QB; do
	cluster_ledger "$q" "$q" "$T/ledger.$q" "$T/done"
	diag "$q: acked=$c_acked completed=$c_completed" \
	    "duplicates=$c_duplicates dead=$c_dead lost=$c_lost"
done
tap_is "the ACL users were refused nothing (ACL LOG)" "" \
    "$(cluster_acl_refused $CL_PORTS)"
cluster_finish
