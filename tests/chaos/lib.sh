# lib.sh -- shared by the chaos scripts; source it, don't run it.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# On top of tests/lib.sh (a private redis-server on a unix socket, TAP
# helpers, cleanup on exit), this gives the chaos scenarios their
# common parts: fast timings, the ledger programs, workers that can be
# killed and restarted by slot, and the final check that proves nothing
# was lost.  TQ_CHAOS_LONG=1 (make check-chaos) selects the long runs.
#
# Variables: CHAOS (tests/chaos/chaos), TQD, CHECK, PROXY, T (scratch).
# Functions:
#   long                        true in a long run (TQ_CHAOS_LONG=1)
#   pick SHORT LONG             the figure for this run
#   now_ms, alive PID, rand N   the clock, a live process, 0..N-1
#   chaos_conf FILE [TEXT]      a tq.conf with fast timings, TEXT after
#   start_tqd NAME ARGS...      tqd -v, log in $T/NAME.log; sets $tqd_pid
#   worker_start SLOT ARGS...   "chaos work ARGS" as worker SLOT (its log
#                               in $T/work.SLOT.log); sets $worker_pid
#   worker_pid SLOT             the live pid of SLOT
#   worker_kill SLOT [SIG]      SIGKILL (or SIG) SLOT and reap it
#   worker_stop_all             SIGTERM every worker, wait for them
#   stop_pid PID SIG MAX_MS     signal and wait; $stop_status, $stop_ms
#   qstat QUEUE KEY             one figure of tq stats --json
#   qsum QUEUE                  ready+scheduled+active+retry of QUEUE
#   wait_drained QUEUE SECS     until qsum is 0 (1 on timeout)
#   chaos_finish                the sanitizer check, then finish
#   ledger_check NAME QUEUE LEDGER DIR
#                               check.py, its figures as variables
#                               (c_lost, c_duplicates, ...) and the TAP
#                               points every scenario shares

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

CHAOS=$(lib_exe "$TQ_BUILDDIR/tests/chaos/chaos")
TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
[ -x "$CHAOS" ] || bail "$CHAOS not built (run make check)"
[ -x "$TQD" ] || bail "$TQD not built (run make)"
[ -x "$TQ" ] || bail "$TQ not built (run make)"
[ -n "$PYTHON" ] || bail "python3 not found"
CHECK="$PYTHON $TQ_SRCDIR/tests/chaos/check.py"
PROXY="$PYTHON $TQ_SRCDIR/tests/chaos/proxy.py"
T=$TQ_TESTDIR
# Workers abort on purpose (the poison task): no core files.
ulimit -c 0 2>/dev/null

long() {
	[ "${TQ_CHAOS_LONG:-0}" != 0 ]
}

pick() {
	if long; then echo "$2"; else echo "$1"; fi
}

now_ms() {
	date +%s%3N
}

alive() {
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

rand() {
	od -An -N2 -tu2 /dev/urandom | awk -v n="$1" '{ print $1 % n }'
}

# Timings a test can wait for: a lease of 2 s (extended every 0.7 s),
# reclaim every 100 ms, retries after 50-200 ms, a 1 s leader lease, and
# Redis calls that give up after 1 s.
chaos_conf() {
	cat >"$1" <<EOF
[redis]
connect_timeout = 1s
command_timeout = 1s
reconnect_max = 200ms
[worker]
lease = 2s
grace = 1s
[queue]
retry_base = 50ms
retry_cap = 200ms
[tqd]
tick = 20ms
reclaim_interval = 100ms
scan_interval = 500ms
leader_ttl = 1s
${2:-}
EOF
}

chaos_pids=
# Kill what the chaos helpers started that still runs, then tests/lib.sh
# cleans up the rest.  Only live pids are kept, so a pid reused by some
# other process is never signalled.
chaos_cleanup() {
	for _cp in $chaos_pids; do
		alive "$_cp" && kill -9 "$_cp" 2>/dev/null
	done
	chaos_pids=
}
trap 'chaos_cleanup; lib_cleanup' EXIT

chaos_track() {
	chaos_pids="$chaos_pids $1"
}

# (Its own variable names: callers loop over $_p and $_s.)
chaos_untrack() {
	_un=
	for _up in $chaos_pids; do
		[ "$_up" = "$1" ] || _un="$_un $_up"
	done
	chaos_pids=$_un
}

start_tqd() {
	_name=$1
	shift
	"$TQD" -v "$@" </dev/null >>"$T/$_name.log" 2>&1 &
	tqd_pid=$!
	chaos_track $tqd_pid
}

worker_start() {
	_slot=$1
	shift
	"$CHAOS" work "$@" </dev/null >>"$T/work.$_slot.log" 2>&1 &
	worker_pid=$!
	eval "worker_$_slot=$worker_pid"
	chaos_track $worker_pid
	workers_slots=$(printf '%s\n' $workers_slots $_slot | sort -u)
}

worker_pid() {
	eval "echo \${worker_$1:-}"
}

worker_kill() {
	_p=$(worker_pid "$1")
	[ -n "$_p" ] || return 0
	kill -"${2:-9}" "$_p" 2>/dev/null
	wait "$_p" 2>/dev/null
	chaos_untrack "$_p"
	eval "worker_$1="
}

worker_stop_all() {
	for _s in $workers_slots; do
		_p=$(worker_pid "$_s")
		[ -n "$_p" ] && kill -TERM "$_p" 2>/dev/null
	done
	for _s in $workers_slots; do
		_p=$(worker_pid "$_s")
		[ -n "$_p" ] || continue
		stop_pid "$_p" TERM 10000
		eval "worker_$_s="
	done
}

stop_pid() {
	_t0=$(now_ms)
	kill -"$2" "$1" 2>/dev/null
	while alive "$1"; do
		if [ $(($(now_ms) - _t0)) -gt "$3" ]; then
			stop_ms=$(($(now_ms) - _t0))
			stop_status=hung
			kill -9 "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			chaos_untrack "$1"
			return 1
		fi
		sleep 0.01
	done
	stop_ms=$(($(now_ms) - _t0))
	wait "$1"
	stop_status=$?
	chaos_untrack "$1"
}

# qstat QUEUE KEY: one figure of tq stats --json.
qstat() {
	"$TQ" stats --json "$1" 2>/dev/null |
	    jsonq "d['queues']['$1']['$2']" 2>/dev/null
}

qsum() {
	"$TQ" stats --json "$1" 2>/dev/null | jsonq "(lambda q: q['ready'] +
	    q['scheduled'] + q['active'] + q['retry'])(d['queues']['$1'])" \
	    2>/dev/null
}

qsum_zero() {
	[ "$(qsum "$1")" = 0 ]
}

wait_drained() {
	wait_until "$2" qsum_zero "$1"
}

# The last TAP point of every scenario, then finish: under
# --enable-asan, no program of the run (their logs are in $T) reported
# a memory error, undefined behaviour or a leak.
chaos_finish() {
	_san=$(grep -l 'AddressSanitizer\|LeakSanitizer\|runtime error:' \
	    "$T"/*.log "$T"/*.err "$T"/*/*.log "$T"/*/*.err 2>/dev/null)
	tap_is "no sanitizer report in the programs' logs" "" "$_san"
	[ -n "$_san" ] && diag "$(grep -h -A 20 'Sanitizer\|runtime error:' \
	    $_san | head -n 60)"
	finish
}

# Run check.py; set c_NAME for each figure; the shared TAP points.
ledger_check() {
	_name=$1
	$CHECK "$TQ" "$2" "$3" "$4" >"$T/check.out" 2>"$T/check.err"
	c_status=$?
	ledger_figures "$T/check.out"
	[ -s "$T/check.err" ] && diag "$(cat "$T/check.err")"
	tap_is "$_name: no acknowledged task lost" 0 "$c_lost"
	tap_is "$_name: none left pending" 0 "$c_pending"
	tap_is "$_name: every dead task has a reason" 0 "$c_dead_noreason"
	tap_is "$_name: tq fsck is clean" clean "$c_fsck"
	diag "$_name: acked=$c_acked completed=$c_completed" \
	    "completions=$c_completions duplicates=$c_duplicates" \
	    "(ids run twice or more: $c_dup_ids) dead=$c_dead lost=$c_lost"
}
