#!/bin/sh
#
# s1-kill-workers.sh -- chaos 1: workers SIGKILLed every 0.5 s.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# N tasks (5,000; 100,000 with TQ_CHAOS_LONG=1) go through 8 worker
# processes of 4 threads each, with prefetch, while one of them, drawn at
# random, is SIGKILLed every 0.5 s and started again at once.  A killed
# worker takes with it running handlers, prefetched tasks and acks not
# yet sent: tqd must reclaim their leases and the tasks run again.  Every
# acknowledged id must be completed (or dead with a reason), duplicates
# are counted, and tq fsck must find the queue clean.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/chaos/lib.sh"

N=$(pick 5000 100000)
WORKERS=8
# Each task takes a little time, so that work is always in flight when a
# kill comes: ~10 s for the short run, ~60 s for the long one.
WORK_MS=$(pick 50 15)
Q=s1
redis_start
chaos_conf "$T/tq.conf"
CONF=$T/tq.conf
mkdir "$T/done"

start_tqd tqd -c "$CONF"
wopts="-c $CONF -C 4 -w $WORK_MS $TQ_REDIS_URL $Q $T/done"
i=1
while [ $i -le $WORKERS ]; do
	worker_start $i $wopts
	i=$((i + 1))
done

t0=$(now_ms)
# Many retries allowed: a task may be in flight at several kills.
"$CHAOS" produce -c "$CONF" -n "$N" -p s1 -b 200 -m 25 "$TQ_REDIS_URL" $Q \
    "$T/ledger" >"$T/produce.out" 2>"$T/produce.err" &
prod=$!
chaos_track $prod

kills=0
deadline=$((t0 + $(pick 120 600) * 1000))
# Paced by the clock, not by sleeping 0.5 s after each round's work
# (the checks below take a tenth of a second or more).
k_start=$(now_ms)
next=$k_start
while :; do
	next=$((next + 500))
	left=$((next - $(now_ms)))
	[ "$left" -gt 0 ] &&
	    sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
	slot=$(($(rand $WORKERS) + 1))
	worker_kill $slot 9
	kills=$((kills + 1))
	worker_start $slot $wopts
	if ! alive $prod && qsum_zero $Q; then
		break
	fi
	[ "$(now_ms)" -gt $deadline ] && break
done
t_end=$(now_ms)
diag "s1: a kill every $(((t_end - k_start) / (kills > 0 ? kills : 1))) ms"
wait $prod
chaos_untrack $prod
eval "$(cat "$T/produce.out")"
worker_stop_all

tap_is "s1: every task acknowledged by enqueue" "$N" "$acked"
tap_ok "s1: the queue drained" qsum_zero $Q
ledger_check s1 $Q "$T/ledger" "$T/done"
# Each task ends once in Redis, done or dead, however often it ran.
tap_is "s1: Redis ended each task once (processed + dead)" "$N" \
    $(($(qstat $Q processed) + $(qstat $Q dead_total)))
diag "s1: tasks=$N workers=$WORKERS kills=$kills lost=$c_lost" \
    "duplicates=$c_duplicates dead=$c_dead" \
    "reclaimed=$(qstat $Q failed) acks=$(qstat $Q processed)" \
    "duration=$(((t_end - t0) / 1000)).$(((t_end - t0) % 1000 / 100))s"
chaos_finish
