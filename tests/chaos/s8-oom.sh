#!/bin/sh
#
# s8-oom.sh -- chaos 8: Redis out of memory (maxmemory, noeviction).
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Redis gets a few megabytes more than it uses, and maxmemory-policy
# noeviction; a producer enqueues tasks with 2 KB payloads, in batches,
# until Redis refuses them.  The refusal must be a clear
# error, and no task may be half written: every body has a state, the
# counters match, tq fsck is clean.  Workers must still drain the queue
# (dequeue and ack free memory; Redis lets a script that has started
# writing finish), and once they have, enqueue works again.  Last, an
# eviction policy other than noeviction must make tqd warn loudly at
# start-up: evicting a lease or a body loses work.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/chaos/lib.sh"

MB=$(pick 4 32)
Q=s8
redis_start
CONF=$T/tq.conf
chaos_conf "$CONF"
mkdir "$T/done"

used=$(rcli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
limit=$((used + MB * 1024 * 1024))
rcli config set maxmemory $limit >/dev/null
rcli config set maxmemory-policy noeviction >/dev/null
start_tqd tqd -c "$CONF"

# ------------------------------------------------ fill it up
t0=$(now_ms)
"$CHAOS" produce -c "$CONF" -n 1000000 -p s8 -b 50 -z 2000 -k 200 \
    "$TQ_REDIS_URL" $Q "$T/ledger" >"$T/produce.out" 2>"$T/produce.err"
eval "$(cat "$T/produce.out")"
diag "fill: $(cat "$T/produce.out")"
diag "fill: $(cat "$T/produce.err")"
tap_ok "enqueue was refused once Redis was full" [ "$refused" -gt 0 ]
tap_like "with a clear error (OOM ... maxmemory)" \
    "first refusal: .*OOM command not allowed when used memory > 'maxmemory'" \
    "$(cat "$T/produce.err")"
# The producer's buffers freed, a few tasks may fit again: hold Redis
# at its limit for the checks that follow.
used=$(rcli info memory | sed -n 's/^used_memory:\([0-9]*\).*/\1/p')
rcli config set maxmemory $((used - 65536)) >/dev/null
run "$TQ" enqueue -q $Q --delay 10 chaos '{"one":"more"}'
tap_is "tq enqueue: exit 1" 1 "$status"
tap_like "tq enqueue: says why" "OOM.*maxmemory" "$err"
run "$TQ" enqueue -q $Q --id s8-single chaos '{"one":"more"}'
run "$TQ" inspect -q $Q s8-single
tap_is "a refused id leaves nothing behind" 1 "$status"
bodies=$(rcli HLEN "tq:{$Q}:t")
tap_is "no half-written task: one body per acknowledged task" "$acked" \
    "$bodies"
tap_is "all of them ready" "$acked" "$(qstat $Q ready)"
tap_is "Redis counted only those" "$acked" "$(qstat $Q enqueued)"
run "$TQ" --json fsck $Q
tap_like "tq fsck is clean while full" '"clean":true' "$out"

# ------------------------------------------------ drain while full
for s in 1 2; do
	worker_start $s -c "$CONF" -C 4 "$TQ_REDIS_URL" $Q "$T/done"
done
wait_drained $Q 60
tap_ok "workers drain the queue of a full Redis" qsum_zero $Q
ledger_check s8 $Q "$T/ledger" "$T/done"
run "$TQ" enqueue -q $Q --id s8-after chaos '{}'
tap_is "enqueue works again once memory is free" 0 "$status"
wait_drained $Q 10
worker_stop_all
t_end=$(now_ms)
diag "s8: maxmemory=${MB}MB above use: acked=$acked refused=$refused" \
    "lost=$c_lost duplicates=$c_duplicates" \
    "duration=$(((t_end - t0) / 1000)).$(((t_end - t0) % 1000 / 100))s"

# ------------------------------------------------ tqd's warnings
tap_ok "noeviction: tqd did not warn about eviction" \
    sh -c "! grep -q 'maxmemory-policy' '$T/tqd.log'"
stop_pid $tqd_pid TERM 5000
rcli config set maxmemory-policy allkeys-lru >/dev/null
start_tqd lru -c "$CONF"
wait_until 5 grep -q "maxmemory-policy" "$T/lru.log" 2>/dev/null
tap_like "allkeys-lru: tqd warns at start-up" \
    "warning: Redis maxmemory-policy is allkeys-lru: Redis may evict task" \
    "$(cat "$T/lru.log")"
stop_pid $tqd_pid TERM 5000
chaos_finish
