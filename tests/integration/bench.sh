#!/bin/sh
# bench.sh -- a smoke test of tq-bench against a private Redis.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Runs each mode of tq-bench small (1000 tasks, a fraction of a second of
# latency, 20 queues watched by tqd and tqtop for a second) and checks the
# contract of its output, not its speed or memory: every
# --json line parses and holds "mode", the parameters the mode takes and
# the figures tq-bench(1) names; the table has a header and a row per
# run; the namespace is empty afterwards and keys outside it are left
# alone; promote puts the SLOWLOG settings back; usage errors exit 2 and
# an unreachable Redis 3.  No timing is asserted: the machine running
# the tests is shared.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

BENCH=$(lib_exe "$TQ_BUILDDIR/tq-bench")
[ -x "$BENCH" ] || bail "$TQ_BUILDDIR/tq-bench not built"

redis_start

# json_ok MODE KEY... < lines: every line is a JSON object of mode MODE
# holding every KEY with a number (or, for max_call_ms, null) as value.
json_ok() {
	"$PYTHON" -c 'import json, sys
mode, keys = sys.argv[1], sys.argv[2:]
lines = sys.stdin.read().splitlines()
assert lines, "no output"
for l in lines:
    d = json.loads(l)
    assert d.get("mode") == mode, "mode %r in %s" % (d.get("mode"), l)
    for k in keys:
        assert k in d, "no %s in %s" % (k, l)
        v = d[k]
        assert isinstance(v, (int, float)) or (v is None and
            k == "max_call_ms"), "%s is %r in %s" % (k, v, l)
' "$@"
}

# bench_json DESC MODE KEYS -- ARGS...: run tq-bench ARGS and check it.
bench_json() {
	_desc=$1
	_mode=$2
	shift 2
	_keys=
	while [ "$1" != -- ]; do
		_keys="$_keys $1"
		shift
	done
	shift
	run "$BENCH" "$@"
	if [ "$status" -ne 0 ]; then
		tap_fail "$_desc" "exit $status: $*" "stderr: $err"
		return
	fi
	# shellcheck disable=SC2086
	if printf '%s\n' "$out" | json_ok "$_mode" $_keys \
	    >"$T/json.err" 2>&1; then
		tap_pass "$_desc"
	else
		tap_fail "$_desc" "output: $out" "$(cat "$T/json.err")"
	fi
}

T=$TQ_TESTDIR
U=$TQ_REDIS_URL

# Keys of the namespace left behind (none expected).
leftover() {
	rcli --scan --pattern "${1:-tqbench}:*" | wc -l | tr -d ' '
}

rcli set tq:keep 1 >/dev/null
slow_before=$(rcli config get slowlog-log-slower-than | tail -n 1)
len_before=$(rcli config get slowlog-max-len | tail -n 1)

bench_json "enqueue, batches" enqueue tasks payload_bytes concurrency batch \
    tasks_per_s elapsed_s -- -u "$U" enqueue --tasks 1000 --batch 100 --json
bench_json "enqueue, one task a call from 2 threads" enqueue tasks \
    concurrency batch tasks_per_s -- \
    -u "$U" enqueue --tasks 1000 --batch 1 --concurrency 2 --json
tap_like "enqueue reports the parameters it ran with" \
    '"concurrency":2,"batch":1,' "$out"
bench_json "process" process tasks payload_bytes concurrency tasks_per_s \
    elapsed_s -- -u "$U" process --tasks 1000 --concurrency 2 --json
bench_json "process with --prefetch" process tasks concurrency prefetch \
    tasks_per_s -- -u "$U" process --tasks 1000 -C 1 --prefetch 7 --json
tap_like "process reports its prefetch" '"concurrency":1,"prefetch":7,' "$out"
bench_json "latency" latency tasks payload_bytes concurrency rate seconds \
    p50_ms p95_ms p99_ms max_ms sent_per_s producers -- \
    -u "$U" latency --rate 1000 --seconds 0.3 --json
tap_like "latency sends rate x seconds tasks" '"tasks":300,' "$out"
bench_json "memory" memory tasks payload_bytes bytes_per_task \
    body_bytes_per_task ready_bytes_per_task -- \
    -u "$U" memory --tasks 1000 --payload-bytes 200 --json
bench_json "enqueue through one shared producer" enqueue tasks \
    concurrency batch shared tasks_per_s client_cpu_us redis_cpu_us -- \
    -u "$U" enqueue --tasks 1000 --batch 1 -C 4 --shared --json
bench_json "promote" promote tasks batch tasks_per_s max_call_ms calls \
    max_promote_ms -- -u "$U" promote --tasks 1000 --batch 100 --json
tap_is "promote puts slowlog-log-slower-than back" "$slow_before" \
    "$(rcli config get slowlog-log-slower-than | tail -n 1)"
tap_is "promote puts slowlog-max-len back" "$len_before" \
    "$(rcli config get slowlog-max-len | tail -n 1)"
# rss runs the tqd and tqtop built beside tq-bench; its files go in a
# directory of its own under $TMPDIR.
mkdir "$T/tmp"
TMPDIR=$T/tmp
export TMPDIR
bench_json "rss" rss tasks seconds queues tqd_rss_kb tqd_hwm_kb \
    tqtop_rss_kb tqtop_hwm_kb tqtop_batch_rss_kb tqtop_batch_hwm_kb \
    tqtop_refresh_ms metrics_bytes -- \
    -u "$U" rss --queues 20 --seconds 1 --json
tap_like "rss reports its queues and the tasks it made" \
    '"tasks":120,"seconds":1,"queues":20,' "$out"
tap_is "rss removes its temporary directory" "" "$(ls -A "$T/tmp")"
run env TQ_BENCH_TQD="$T/no-tqd" "$BENCH" -u "$U" rss --queues 2 \
    --seconds 0.5
tap_is "rss without tqd fails" 1 "$status"
tap_like "and names the program it did not find" "$T/no-tqd" "$err"

# all, as a table: a header and nine rows, in the documented order.
run "$BENCH" -u "$U" all --tasks 1000 --seconds 0.2 --queues 20
tap_is "all exits 0" 0 "$status"
tap_is "all prints a header and nine rows" \
    "MODE enqueue enqueue enqueue process latency latency memory promote rss" \
    "$(printf '%s\n' "$out" | awk '{ printf "%s%s", s, $1; s = " " }')"
tap_like "the table has the figures' columns" \
    'TASKS/S +P50MS +P95MS +P99MS +MAXMS +B/TASK +CALLMS +QUEUES +TQD_KB' \
    "$out"
tap_like "and rss's" 'TQD_KB +TOP_KB +REFMS$' \
    "$(printf '%s\n' "$out" | head -n 1)"
tap_like "rss's row has its queues and memory" \
    '^rss +120 .* 20 +[0-9]+ +[0-9]+ +[0-9.]+$' "$out"

tap_is "the namespace is empty afterwards" 0 "$(leftover)"
tap_is "keys outside it are left alone" 1 "$(rcli get tq:keep)"

# -n: another namespace, emptied likewise; a stale key there goes too.
rcli set other:stale 1 >/dev/null
tap_ok "-n picks the namespace" "$BENCH" -u "$U" -n other enqueue --tasks 10
tap_is "-n's namespace is emptied" 0 "$(leftover other)"

tap_status "no mode is a usage error" 2 "$BENCH" -u "$U"
tap_status "an unknown mode is a usage error" 2 "$BENCH" -u "$U" fly
tap_status "--tasks 0 is a usage error" 2 "$BENCH" -u "$U" enqueue --tasks 0
tap_status "--rate x is a usage error" 2 "$BENCH" -u "$U" latency --rate x
tap_status "a bad namespace is a usage error" 2 \
    "$BENCH" -u "$U" -n 'a b' enqueue
tap_status "an unreachable Redis exits 3" 3 \
    "$BENCH" -u "unix://$T/nothing.sock" enqueue --tasks 10

finish
