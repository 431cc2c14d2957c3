#!/bin/sh
#
# s6-partition.sh -- chaos 6: a network black hole and CLIENT PAUSE, each
# longer than the lease.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# The producer and three workers reach Redis through proxy.py (loopback
# TCP in front of Redis's unix socket); tqd reaches it directly.  Twice
# (more in the long run) the proxy turns into a black hole for 4 s, twice
# the length of the lease: nothing answers, bytes already sent are
# delivered late, when it heals, as TCP would.  The workers are cut off
# while tqd is not, so tqd reclaims their leases and their tasks run
# again.  Then Redis itself stops answering everyone for 4 s (CLIENT
# PAUSE ... ALL), tqd included.  No call may block past its timeout
# (connect_timeout and command_timeout are 1 s here): tq commands run
# during each fault must give up within 2.5 s, and so must every enqueue
# call of the producer.  Nothing acknowledged may be lost; duplicates
# are counted.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/chaos/lib.sh"

ROUNDS=$(pick 1 4)
FAULT_S=4
BOUND_MS=2500	# connect_timeout + command_timeout, and some slack
RATE=200
SECS=$((ROUNDS * 2 * (FAULT_S + 2) + 4))
Q=s6
redis_start
CONF=$T/tq.conf
chaos_conf "$CONF"
mkdir "$T/done"

$PROXY "$REDIS_SOCK" "$T/proxy.port" "$T/proxy.ctl" >/dev/null \
    2>"$T/proxy.log" &
proxy=$!
chaos_track $proxy
wait_until 5 test -s "$T/proxy.port" || bail "proxy.py did not start"
PURL=redis://127.0.0.1:$(cat "$T/proxy.port")

# ctl MODE: tell the proxy (a new file renamed over the old one).
ctl() {
	echo "$*" >"$T/proxy.ctl.tmp"
	mv "$T/proxy.ctl.tmp" "$T/proxy.ctl"
}

start_tqd tqd -c "$CONF"
for s in 1 2 3; do
	worker_start $s -c "$CONF" -C 2 -w 20 "$PURL" $Q "$T/done"
done
t0=$(now_ms)
"$CHAOS" produce -c "$CONF" -n $((RATE * SECS)) -p s6 -b 10 -m 25 \
    -r $RATE "$PURL" $Q "$T/ledger" >"$T/produce.out" 2>"$T/produce.err" &
prod=$!
chaos_track $prod

# probe NAME URL: time one tq stats through URL; the longest in $probe_max.
probe_max=0
probes=0
slow=
probe() {
	_t=$(now_ms)
	"$TQ" -c "$CONF" -u "$2" stats $Q >/dev/null 2>"$T/probe.err"
	_st=$?
	_t=$(($(now_ms) - _t))
	probes=$((probes + 1))
	[ $_t -gt $probe_max ] && probe_max=$_t
	[ $_t -gt $BOUND_MS ] && slow="$slow $1:${_t}ms"
	[ $_st -ne 0 ] && failed_probes=$((failed_probes + 1))
}
failed_probes=0

r=0
while [ $r -lt $ROUNDS ]; do
	sleep 2
	ctl blackhole
	sleep 0.5
	probe blackhole "$PURL"
	sleep 1
	probe blackhole "$PURL"
	sleep $((FAULT_S - 2))
	ctl pass
	sleep 2
	# Pausing blocks every client, redis-cli too: probe with tq only.
	rcli CLIENT PAUSE $((FAULT_S * 1000)) ALL >/dev/null
	sleep 0.5
	probe pause unix://$REDIS_SOCK
	probe pause-via-proxy "$PURL"
	sleep $((FAULT_S - 1))
	r=$((r + 1))
done

wait $prod
chaos_untrack $prod
eval "$(cat "$T/produce.out")"
wait_drained $Q 60
t_end=$(now_ms)
alive_workers=0
for s in 1 2 3; do
	alive "$(worker_pid $s)" && alive_workers=$((alive_workers + 1))
done
worker_stop_all

tap_is "tq calls during the faults gave up within $BOUND_MS ms" "" "$slow"
tap_is "and failed (they did not wait the fault out)" "$probes" \
    "$failed_probes"
tap_ok "every enqueue call returned within $BOUND_MS ms ($max_call_ms)" \
    [ "$max_call_ms" -le $BOUND_MS ]
tap_is "the producer knew every outcome in the end" 0 "$unknown"
tap_is "every worker rode the faults out" 3 "$alive_workers"
ledger_check s6 $Q "$T/ledger" "$T/done"
diag "s6: $(cat "$T/produce.out")"
diag "s6: tasks=$acked faults=$((2 * ROUNDS)) of ${FAULT_S}s" \
    "lost=$c_lost duplicates=$c_duplicates reclaimed=$(qstat $Q failed)" \
    "retried_enqueues=$retried existed_on_retry=$existed" \
    "max_enqueue_call=${max_call_ms}ms max_probe=${probe_max}ms" \
    "duration=$(((t_end - t0) / 1000)).$(((t_end - t0) % 1000 / 100))s"
chaos_finish
