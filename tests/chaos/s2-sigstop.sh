#!/bin/sh
#
# s2-sigstop.sh -- chaos 2: a worker frozen past its lease, then continued.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# A SIGSTOPped process runs no heartbeat: its lease runs out, tqd
# reclaims the task and another worker takes it.  When the frozen one is
# continued, its late ack (and fail, and lease extension) must be
# refused, and the task must run to completion elsewhere, acked once.
#
# 1. The bare protocol: "chaos hold" leases a task and stops itself; the
#    task is reclaimed and taken by worker B, which holds it; the
#    continued holder's ack, fail and extend are refused.  The same with
#    the task waiting in retry/ready (no other worker yet).  And once the
#    task was completed elsewhere, the late ack finds it gone: refused
#    too, since this delivery never sent an ack before (a retried ack of
#    one's own would be a success: tq_ack's contract), and nothing changes.
# 2. The worker runtime: a "chaos work" process is SIGSTOPped in the
#    middle of a task, worker B takes the task over; on SIGCONT the
#    frozen worker's outcome is refused (its log says so), B's is the
#    one that counts.
# 3. Under load (the long run: repeated): M tasks, 4 workers, one of
#    them frozen for 3 leases every few seconds; nothing lost.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/chaos/lib.sh"

redis_start
CONF=$T/tq.conf
chaos_conf "$CONF"
mkdir "$T/done"
start_tqd tqd -c "$CONF"

# state ID: the task's state, or "gone".
state() {
	"$TQ" inspect --json "$1" 2>/dev/null |
	    jsonq 'd["state"]' 2>/dev/null || echo gone
}
state_is() {
	[ "$(state "$1")" = "$2" ]
}
holder() {
	"$TQ" inspect --json "$1" 2>/dev/null | jsonq 'd["worker"]' 2>/dev/null
}
stopped() {
	[ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)" = T ]
}
has_line() {
	grep -q -- "$2" "$1" 2>/dev/null
}
# started ID ATTEMPT: some worker's start file has the delivery.
started() {
	cat "$T"/done/start.* 2>/dev/null | grep -qx "$1 $2"
}

# start_hold QUEUE: "chaos hold" with a 1 s lease, until it stops itself.
start_hold() {
	"$CHAOS" hold -c "$CONF" "$TQ_REDIS_URL" "$1" 1000 \
	    >"$T/hold.out" 2>"$T/hold.err" &
	hold=$!
	chaos_track $hold
	wait_until 5 stopped $hold
}

# finish_hold: continue it; $hold_status, $hold_out.
finish_hold() {
	kill -CONT $hold
	wait $hold
	hold_status=$?
	chaos_untrack $hold
	hold_out=$(cat "$T/hold.out" "$T/hold.err")
}

# ----------------------------------------- 1a. taken over by a worker
"$TQ" enqueue -q s2 --id s2-a chaos '{}' >/dev/null
start_hold s2
tap_ok "1a: the holder leased the task and froze" has_line "$T/hold.out" \
    "leased s2-a"
t0=$(now_ms)
worker_start B -c "$CONF" -N chaos-B -S -P 0 -C 1 -H s2-a=4000 \
    "$TQ_REDIS_URL" s2 "$T/done"
wait_until 10 started s2-a 2
tap_ok "1a: reclaimed and delivered again (attempt 2) to worker B" \
    started s2-a 2
diag "1a: taken over $(($(now_ms) - t0)) ms after the holder froze"
finish_hold
tap_is "1a: the late ack is refused (exit 0)" 0 "$hold_status"
tap_like "1a: ack refused: lease lost" "ack: refused: .*no longer leased" \
    "$hold_out"
tap_like "1a: fail refused" "fail: refused" "$hold_out"
tap_like "1a: extend refused" "extend: refused" "$hold_out"
tap_is "1a: the task is still active" active "$(state s2-a)"
tap_is "1a: held by worker B" chaos-B "$(holder s2-a)"
wait_until 10 state_is s2-a gone
tap_is "1a: B completes it" gone "$(state s2-a)"
tap_is "1a: one ack counted" 1 "$(qstat s2 processed)"
worker_kill B TERM

# ----------------------------------------- 1b. waiting for a retry
"$TQ" enqueue -q s2b --id s2-b chaos '{}' >/dev/null
start_hold s2b
wait_until 10 state_is s2-b ready
tap_is "1b: reclaimed, waiting in ready" ready "$(state s2-b)"
finish_hold
tap_is "1b: the late ack is refused" 0 "$hold_status"
tap_like "1b: fail and extend too" "fail: refused.*extend: refused" \
    "$(printf '%s' "$hold_out" | tr '\n' ' ')"
tap_is "1b: the task is still ready" ready "$(state s2-b)"
tap_is "1b: nothing acked" 0 "$(qstat s2b processed)"

# ----------------------------------------- 1c. completed elsewhere
"$TQ" enqueue -q s2c --id s2-c chaos '{}' >/dev/null
start_hold s2c
worker_start C -c "$CONF" -P 0 -C 1 "$TQ_REDIS_URL" s2c "$T/done"
wait_until 10 state_is s2-c gone
tap_is "1c: completed by another worker" 1 "$(qstat s2c processed)"
finish_hold
tap_like "1c: the late ack is refused" "ack: refused: .*completed by another" \
    "$hold_out"
tap_is "1c: it changes nothing (one ack counted)" 1 \
    "$(qstat s2c processed)"
worker_kill C TERM

# ----------------------------------------- 2. the worker runtime
"$TQ" enqueue -q s2w --id s2w-1 chaos '{}' >/dev/null
worker_start A -c "$CONF" -N chaos-A -S -P 0 -C 1 -l 1000 -H s2w=1500 \
    "$TQ_REDIS_URL" s2w "$T/done"
wait_until 5 started s2w-1 1
kill -STOP $(worker_pid A)
tap_is "2: worker A got the task and is frozen" chaos-A "$(holder s2w-1)"
worker_start B -c "$CONF" -N chaos-B -S -P 0 -C 1 -H s2w=3000 \
    "$TQ_REDIS_URL" s2w "$T/done"
wait_until 10 started s2w-1 2
tap_ok "2: worker B took it over (attempt 2)" started s2w-1 2
kill -CONT $(worker_pid A)
wait_until 5 has_line "$T/work.A.log" "lease lost\|no longer leased"
tap_ok "2: A's outcome is refused (its log says so)" has_line \
    "$T/work.A.log" "lease lost\|no longer leased"
diag "2: A's log: $(grep -m 1 "lease lost\|no longer leased" \
    "$T/work.A.log")"
tap_is "2: the task is still B's" chaos-B "$(holder s2w-1)"
wait_until 10 state_is s2w-1 gone
tap_is "2: B completes it, acked once" 1 "$(qstat s2w processed)"
tap_ok "2: B's ledger has it" grep -qx s2w-1 "$T"/done/done.$(worker_pid B)
worker_stop_all

# ----------------------------------------- 3. under load
M=$(pick 600 4000)
mkdir "$T/done3"
ROUNDS=$(pick 2 12)
i=1
while [ $i -le 4 ]; do
	worker_start L$i -c "$CONF" -C 1 -w 50 -l 1000 "$TQ_REDIS_URL" s2l \
	    "$T/done3"
	i=$((i + 1))
done
t0=$(now_ms)
"$CHAOS" produce -c "$CONF" -n "$M" -p s2l -m 10 "$TQ_REDIS_URL" s2l \
    "$T/ledger" >"$T/produce.out" 2>"$T/produce.err"
stops=0
r=0
while [ $r -lt $ROUNDS ]; do
	sleep 1
	slot=L$(($(rand 4) + 1))
	kill -STOP $(worker_pid $slot)
	sleep 3
	kill -CONT $(worker_pid $slot)
	stops=$((stops + 1))
	r=$((r + 1))
done
wait_drained s2l 60
t_end=$(now_ms)
worker_stop_all
ledger_check 3 s2l "$T/ledger" "$T/done3"
tap_is "3: Redis ended each task once" "$M" \
    $(($(qstat s2l processed) + $(qstat s2l dead_total)))
diag "s2: tasks=$M stops=$stops lost=$c_lost duplicates=$c_duplicates" \
    "reclaimed=$(qstat s2l failed)" \
    "duration=$(((t_end - t0) / 1000)).$(((t_end - t0) % 1000 / 100))s"
chaos_finish
