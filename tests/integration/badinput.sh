#!/bin/sh
# badinput.sh -- bad input against every program, over a private Redis.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Two halves.  First the front door: every refusal of tq enqueue (queue
# names with { } * ? [ ], spaces or control characters, bad ids and
# types, priorities, delays, times, retries and timeouts out of range,
# payloads that are not JSON, not UTF-8 or too big, a batch with one bad
# line) says what is wrong in a line, exits 1 or 2 as README says, and
# writes no key at all; a typo in a configuration file is refused with
# FILE:LINE by tq, tqd, tqworker and tqtop.
#
# Then the back door: what another program could leave in Redis where
# tq's own would have written (docs/PROTOCOL.md, "Names"): bodies that are
# not JSON, of the wrong types, with huge numbers, bytes that are not
# UTF-8, NULs, a megabyte of noise, ids in ready lists without a body,
# inline bodies with and without ids, meta records that are not JSON,
# garbage bodies in sched, retry, active and dead, counters and history
# that are not numbers, keys of the wrong Redis type, and queue names in
# NS:queues that are no names.  tqd, tqworker, tq (stats, queues, inspect,
# dead ls, dead requeue, fsck) and tqtop run over it: none dies of a
# signal or trips a sanitizer; each malformed task a worker receives is
# dead with a reason that names what is wrong, while the good tasks
# beside it run; errors are one line that names the queue or the key;
# tqd and tqworker keep running.  A damaged queue costs only itself: the
# worker serves its other queues, and a damaged counter or ready list
# neither fails a transition nor loses the task it moved.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
TQW=$(lib_exe "$TQ_BUILDDIR/tqworker")
TQTOP=$(lib_exe "$TQ_BUILDDIR/tqtop")
T=$TQ_TESTDIR
for _p in "$TQ" "$TQD" "$TQW" "$TQTOP"; do
	[ -x "$_p" ] || bail "$_p not built (run make)"
done
[ -n "$PYTHON" ] || bail "python3 not found"

redis_start

# Every program's stderr is kept here, for the sanitizer check at the end.
ERRLOG=$T/stderr.all
: >"$ERRLOG"

# ------------------------------------------------------------ helpers

alive() {
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

# keep: append the last run's stderr to the sanitizer log.
keep() {
	cat "$TQ_TESTDIR/run.err" >>"$ERRLOG"
}

# refuse DESC CMD...: CMD (a tq enqueue) exits 1 or 2 with a message
# that starts "tq: " on its first line, and Redis still holds no key.
refuse() {
	_desc=$1
	shift
	run "$@"
	keep
	_first=$(printf '%s\n' "$err" | head -n 1)
	_keys=$(rcli DBSIZE)
	if { [ "$status" -eq 1 ] || [ "$status" -eq 2 ]; } &&
	    printf '%s\n' "$_first" | grep -q '^tq: enqueue: ..' &&
	    [ "$_keys" = 0 ]; then
		tap_pass "refused: $_desc"
	else
		tap_fail "refused: $_desc" "status $status, $_keys keys" \
		    "stderr: $err" "stdout: $out"
		rcli FLUSHALL >/dev/null
	fi
}

# no_signal DESC: the last run ended by itself with a documented status
# (tq: 0-3), not by a signal or a sanitizer's abort.
no_signal() {
	keep
	if [ "$status" -le 3 ]; then
		tap_pass "$1 (status $status)"
	else
		tap_fail "$1" "status $status" "stderr: $err"
	fi
}

# one_line_errors DESC: every line of the last run's stderr is a "tq: "
# message (one line each, nothing else such as a trace).
one_line_errors() {
	if [ -z "$err" ] || ! printf '%s\n' "$err" | grep -qv '^tq: '; then
		tap_pass "$1"
	else
		tap_fail "$1" "stderr: $err"
	fi
}

# dead_error ID: the error tq dead ls --json shows for the dead task ID.
dead_error() {
	jsonq "[t['error'] for t in d['dead'] if t['id'] == '$1'][0]" \
	    <"$T/dead.json" 2>/dev/null
}

# ------------------------------------------------- 1. enqueue refusals

tap_is "Redis starts empty" 0 "$(rcli DBSIZE)"
for q in 'a{b' 'a}b' '{q}' 'a*b' 'a?b' 'a[b' 'a]b' 'a b' ' ' \
    "$(printf 'a\tb')" "$(printf 'a\001b')" "$(printf 'a\177b')" \
    "$(printf 'caf\303\251')" ''; do
	refuse "queue name '$q'" "$TQ" enqueue -q "$q" job '{}'
done
refuse "type with braces" "$TQ" enqueue -q ok 'x{y}' '{}'
refuse "empty type" "$TQ" enqueue -q ok '' '{}'
refuse "id with a space" "$TQ" enqueue -q ok --id 'a b' job '{}'
refuse "id of 129 bytes" "$TQ" enqueue -q ok \
    --id "$(printf '%0129d' 0)" job '{}'
refuse "queue name of 129 bytes" "$TQ" enqueue -q "$(printf '%0129d' 0)" \
    job '{}'
for p in 10 -1 99999999999999999999 x 1.5 ''; do
	refuse "priority '$p'" "$TQ" enqueue -q ok -p "$p" job '{}'
done
for d in -5s -1 1e30 999999d 100000000000000000000s 10y; do
	refuse "delay '$d'" "$TQ" enqueue -q ok --delay "$d" job '{}'
done
for a in -1 1e300 99999999999999999999 abc; do
	refuse "--at '$a'" "$TQ" enqueue -q ok --at "$a" job '{}'
done
refuse "--delay and --at" "$TQ" enqueue -q ok --delay 1s --at 1 job '{}'
for m in -1 1e300 99999999999 1001; do
	refuse "max-retries '$m'" "$TQ" enqueue -q ok --max-retries "$m" \
	    job '{}'
done
for t in -1s 0 99999999d 1.5; do
	refuse "timeout '$t'" "$TQ" enqueue -q ok --timeout "$t" job '{}'
done
refuse "unique-for -1s" "$TQ" enqueue -q ok --unique-for -1s job '{}'
refuse "unique-for 9999999999d" "$TQ" enqueue -q ok \
    --unique-for 9999999999d job '{}'
refuse "payload not JSON" "$TQ" enqueue -q ok job 'not json'
refuse "payload with a trailing comma" "$TQ" enqueue -q ok job '[1,]'
refuse "payload not UTF-8" "$TQ" enqueue -q ok job "$(printf '"\377"')"
refuse "payload with a raw control character" "$TQ" enqueue -q ok job \
    "$(printf '"a\001b"')"
# One byte over the default max_payload (1 MiB), on stdin.
"$PYTHON" -c 'import sys; sys.stdout.write("\"" + "a" * 1048575 + "\"")' \
    >"$T/big.json"
refuse "payload of 1 MiB + 1 byte" sh -c "'$TQ' enqueue -q ok job - \
    <'$T/big.json'"
printf '%s\n' '{"type":"job","payload":1}' 'not json' >"$T/batch1"
refuse "a batch with a line that is not JSON" sh -c \
    "'$TQ' enqueue --batch -q ok <'$T/batch1'"
for l in '{"type":"job","priority":10}' '{"type":"job","queue":"a b"}' \
    '{"type":"job","delay":-1}' '{"type":"job","at":-1}' \
    '{"type":"job","max_retries":1e300}' '{"type":"job","id":"{x}"}' \
    '{"type":"job","payload":"\377"}' '{"type":"job","nope":1}'; do
	printf '{"type":"job"}\n%s\n' "$l" >"$T/batch2"
	refuse "a batch with the line $l" sh -c \
	    "'$TQ' enqueue --batch -q ok <'$T/batch2'"
done
run rcli KEYS '*'
tap_is "no key after all the refusals" "" "$out"

# Configuration typos: FILE:LINE, status 2, for each program.
printf '[queue]\ndead_maxx = 5\n' >"$T/typo1.conf"
printf '[tqd]\nscan_interval = 5 parsecs\n' >"$T/typo2.conf"
printf '[worker\nconcurrency = 2\n' >"$T/typo3.conf"
run "$TQ" -c "$T/typo1.conf" stats
keep
tap_like "tq: a config typo is refused with file:line" \
    "^2 tq: .*typo1.conf:2: queue.dead_maxx: unknown key" "$status $err"
run "$TQD" -t -c "$T/typo2.conf"
keep
tap_like "tqd -t: a bad value is refused with file:line" \
    "^2 tqd: .*typo2.conf:2: tqd.scan_interval" "$status $err"
run "$TQW" -c "$T/typo3.conf" -q ok --exec-default true
keep
tap_like "tqworker: a syntax error is refused with file:line" \
    "^2 tqworker: .*typo3.conf:1: syntax error" "$status $err"
run "$TQTOP" -c "$T/typo1.conf" -b -n 1
keep
tap_like "tqtop: a config typo is refused with file:line" \
    "^2 tqtop: .*typo1.conf:2:" "$status $err"
tap_is "still no key" 0 "$(rcli DBSIZE)"

# ------------------------------------------------- 2. garbage in Redis

# put ID BODY [PRIO]: a body by id in t, its id in a ready list of g.
put() {
	rcli HSET 'tq:{g}:t' "$1" "$2" >/dev/null
	rcli LPUSH "tq:{g}:ready:${3:-0}" "$1" >/dev/null
}

# Good tasks first, so that they sit behind the garbage in the lists.
good=
for i in 1 2 3; do
	good="$good $("$TQ" enqueue -q g job "{\"n\":$i}")"
done
"$TQ" enqueue -q g --id good-id job '{"n":4}' >/dev/null
"$TQ" enqueue -q g -p 9 --id good-p9 job '{"n":5}' >/dev/null
good="$good good-id good-p9 b-empty i-good"

# Malformed bodies by id, each with what its reason must say.
cat >"$T/expect" <<'EOF'
b-notjson	body is not valid JSON
b-array	body is not a JSON object
b-num	body is not a JSON object
b-str	body is not a JSON object
b-typenum	body field 'type' is not a string
b-idnum	body field 'id' is not a string
b-priox	body field 'priority' is not an integer
b-prio99	body field 'priority' is not an integer
b-prioneg	body field 'priority' is not an integer
b-mrneg	body field 'max_retries' is not an integer
b-mrhuge	body field 'max_retries' is not an integer
b-tohuge	body field 'timeout' is not an integer
b-tofrac	body field 'timeout' is not an integer
b-cahuge	body field 'created_at' is not an integer
b-utf8	body is not valid UTF-8 at byte
b-nul	body has a NUL byte at byte
b-big	body
b-meta	meta is not a JSON object
b-metarc	meta field 'retry_count' is not an integer
i-bad	body field 'priority' is not an integer
s-bad	body is not valid JSON
r-bad	body is not valid JSON
EOF
put b-notjson 'not json'
put b-array '[1,2]'
put b-num '42'
put b-str '"str"' 3
put b-typenum '{"id":"b-typenum","type":5,"created_at":1,"payload":1}'
put b-idnum '{"id":7,"created_at":1,"payload":1}'
put b-priox '{"id":"b-priox","priority":"x","created_at":1,"payload":1}'
put b-prio99 '{"id":"b-prio99","priority":99,"created_at":1,"payload":1}' 9
put b-prioneg '{"id":"b-prioneg","priority":-3,"payload":1}'
put b-mrneg '{"id":"b-mrneg","max_retries":-1,"created_at":1,"payload":1}'
put b-mrhuge '{"id":"b-mrhuge","max_retries":1e300,"payload":1}'
put b-tohuge '{"id":"b-tohuge","timeout":99999999999999,"payload":1}'
put b-tofrac '{"id":"b-tofrac","timeout":0.5,"payload":1}' 5
put b-cahuge '{"id":"b-cahuge","created_at":1e400,"payload":1}'
put b-utf8 "$(printf '{"id":"b-utf8","payload":"\377\376"}')"
printf '{"id":"b-nul","payload":"a\0b"}' |
    rcli -x HSET 'tq:{g}:t' b-nul >/dev/null
rcli LPUSH 'tq:{g}:ready:0' b-nul >/dev/null
"$PYTHON" -c 'import os, sys; sys.stdout.buffer.write(os.urandom(1 << 20))' |
    rcli -x HSET 'tq:{g}:t' b-big >/dev/null
rcli LPUSH 'tq:{g}:ready:0' b-big >/dev/null
put b-empty '{}'
put b-meta '{"id":"b-meta","payload":1}'
rcli HSET 'tq:{g}:m' b-meta 'garbage meta' >/dev/null
put b-metarc '{"id":"b-metarc","payload":1}'
rcli HSET 'tq:{g}:m' b-metarc '{"retry_count":"many"}' >/dev/null
# An id in a ready list with no body anywhere: debris, dropped.
rcli LPUSH 'tq:{g}:ready:0' b-nobody >/dev/null
# Inline bodies: without an id (dead as noid-SHA1), with a bad field,
# not JSON at all, and a good one.
rcli LPUSH 'tq:{g}:ready:0' '{"payload":"inline-noid"}' >/dev/null
rcli LPUSH 'tq:{g}:ready:0' '{"id":"i-bad","priority":"x","payload":1}' \
    >/dev/null
rcli LPUSH 'tq:{g}:ready:0' '{not json at all' >/dev/null
rcli LPUSH 'tq:{g}:ready:0' '{"id":"{braces}","payload":1}' >/dev/null
rcli LPUSH 'tq:{g}:ready:0' '{"id":"i-good","payload":{"n":6}}' >/dev/null
# Garbage in the other states, all due or expired.
rcli HSET 'tq:{g}:t' s-bad 'sched garbage' r-bad 'retry garbage' \
    a-bad 'active garbage' d-bad 'dead garbage' >/dev/null
rcli ZADD 'tq:{g}:sched' 1 s-bad >/dev/null
rcli ZADD 'tq:{g}:retry' 1 r-bad >/dev/null
rcli ZADD 'tq:{g}:active' 1 a-bad >/dev/null
rcli HSET 'tq:{g}:lease' a-bad tok >/dev/null
# d-bad died long ago: its body and meta are garbage.
rcli ZADD 'tq:{g}:dead' "$(($(date +%s) * 1000 - 1000))" d-bad >/dev/null
rcli HSET 'tq:{g}:m' d-bad '[1' >/dev/null
# Counters and history that are not numbers (queue st).
rcli SADD tq:queues st >/dev/null
rcli HSET 'tq:{st}:stats' processed notanumber failed 1e400 \
    enqueued -5.5 >/dev/null
rcli LPUSH 'tq:{st}:hist' garbage 'x:y:z:w' '1:2:3' >/dev/null
# Keys of the wrong Redis type, one damaged queue each.
rcli SET 'tq:{w1}:t' 'a string' >/dev/null
rcli HSET 'tq:{w2}:ready:0' a b >/dev/null
rcli SET 'tq:{w3}:sched' x >/dev/null
rcli SET 'tq:{w3}:dead' x >/dev/null
rcli SET 'tq:{w3}:active' x >/dev/null
rcli SET 'tq:{w4}:retry' x >/dev/null
rcli SET 'tq:{w4}:hist' x >/dev/null
rcli SET 'tq:{w4}:m' x >/dev/null
rcli SADD tq:queues w1 w2 w3 w4 >/dev/null
# ... and a due hint for one of them.
rcli ZADD tq:due 1 w3 >/dev/null
# Names in the queue set that are no queue names.
rcli SADD tq:queues 'bad queue' '{b}' 'a*b' "$(printf 'c\001d')" \
    >/dev/null
# A good task whose lease expired, in a queue after the damaged ones:
# tqd must reclaim it all the same.
rcli HSET 'tq:{z}:t' zid '{"id":"zid","payload":1}' >/dev/null
rcli ZADD 'tq:{z}:active' 1 zid >/dev/null
rcli HSET 'tq:{z}:lease' zid tok >/dev/null
rcli SADD tq:queues z >/dev/null
# And a good delayed task there, due now.
rcli HSET 'tq:{z}:t' zdel '{"id":"zdel","payload":2}' >/dev/null
rcli ZADD 'tq:{z}:sched' 1 zdel >/dev/null

# --- the read-only commands over it, before any worker

run "$TQ" queues
no_signal "tq queues"
tap_is "tq queues lists the real queues only" "g st w1 w2 w3 w4 z" \
    "$(echo $out)"
run "$TQ" stats
no_signal "tq stats"
tap_is "tq stats: status 1 when some queues cannot be read" 1 "$status"
tap_like "tq stats still shows the good queues" '^g +[0-9]' "$out"
tap_like "tq stats: a counter that is not a number reads 0" \
    '^st +0 +0 +0 +0 +0 +0 +0 +no' "$out"
tap_like "tq stats names the damaged queue" 'stats of w2: .*WRONGTYPE' \
    "$err"
one_line_errors "tq stats: one line per error"
run "$TQ" stats --json
no_signal "tq stats --json"
tap_is "tq stats --json: valid JSON with the good queues" "true" \
    "$(printf '%s' "$out" | jsonq "'g' in d['queues'] and 'z' in d['queues']")"
run "$TQ" stats st w1
no_signal "tq stats st w1"
tap_is "tq stats of queues with garbage counters: status 0" 0 "$status"
for id in b-notjson b-utf8 b-nul s-bad a-bad d-bad; do
	run "$TQ" inspect -q g "$id"
	no_signal "tq inspect $id"
done
run "$TQ" inspect -q g b-notjson
tap_like "tq inspect shows a body that is no task" 'body: not json' "$out"
run "$TQ" inspect --json -q g b-utf8
tap_is "tq inspect --json is valid JSON over bytes that are not UTF-8" \
    "b-utf8" "$(printf '%s' "$out" | jsonq "d['id']")"
run "$TQ" inspect good-id
tap_is "tq inspect (all queues) finds a task beside damaged queues" 0 \
    "$status"
run "$TQ" inspect -q w1 x
no_signal "tq inspect in a damaged queue"
tap_like "... names the queue" '^tq: inspect: queue w1: .*WRONGTYPE' "$err"
run "$TQ" dead ls g
no_signal "tq dead ls g"
run "$TQ" dead ls w3
no_signal "tq dead ls w3"
tap_like "tq dead ls names the key of the wrong type" \
    '^tq: dead ls: key tq:\{w3\}:dead holds a string, not a zset' "$err"
run "$TQ" fsck
no_signal "tq fsck"
tap_like "tq fsck checks the queues after a damaged one" \
    '^z +2 +2 ' "$out"
tap_like "tq fsck names the queue it could not check" \
    '^tq: fsck: queue w1 not checked: .*WRONGTYPE' "$err"
one_line_errors "tq fsck: one line per error"
run "$TQ" fsck g z st
no_signal "tq fsck g z st"
tap_like "tq fsck finds the id without a body" 'b-nobody' "$out"
run "$TQTOP" -b -n 2 -d 0.1
no_signal "tqtop -b -n 2"
tap_is "tqtop -b: status 0" 0 "$status"
tap_like "tqtop -b shows the good queues" '^g [0-9]' "$out"
tap_like "tqtop -b names a damaged queue" 'stats of w[1-4]' "$err"

# --- tqd over it

cat >"$T/tqd.conf" <<'EOF'
[queue]
retry_base = 0
[tqd]
tick = 20ms
reclaim_interval = 100ms
scan_interval = 200ms
EOF
"$TQD" -v -c "$T/tqd.conf" </dev/null >"$T/tqd.log" 2>&1 &
tqd_pid=$!
kill_at_exit $tqd_pid
wait_until 10 sh -c "[ \"\$('$REDIS_CLI' -s '$REDIS_SOCK' ZSCORE \
    'tq:{g}:dead' a-bad)\" != '' ]"
sleep 2
if alive $tqd_pid; then
	tap_pass "tqd keeps running over damaged queues"
else
	tap_fail "tqd keeps running over damaged queues" "$(cat "$T/tqd.log")"
fi
tap_is "tqd reclaimed the garbage active task into dead" "dead" \
    "$("$TQ" inspect --json -q g a-bad 2>/dev/null | jsonq "d['state']")"
tap_like "... with the reason" 'lease expired.*not a JSON object' \
    "$("$TQ" inspect --json -q g a-bad 2>/dev/null | jsonq "d['error']")"
tap_is "tqd reclaimed the good task of a queue after the damaged ones" \
    "ready" "$("$TQ" inspect --json -q z zid 2>/dev/null | jsonq "d['state']")"
tap_is "tqd promoted the due task of a queue after the damaged ones" \
    "ready" "$("$TQ" inspect --json -q z zdel 2>/dev/null | jsonq "d['state']")"
tap_is "tqd promoted the garbage sched and retry bodies" "ready ready" \
    "$("$TQ" inspect --json -q g s-bad | jsonq "d['state']") $("$TQ" \
    inspect --json -q g r-bad | jsonq "d['state']")"
kill -TERM $tqd_pid
wait $tqd_pid
tap_is "tqd exits 0 on SIGTERM" 0 "$?"
cat "$T/tqd.log" >>"$ERRLOG"
grep ' error: ' "$T/tqd.log" | sed 's/^[^ ]* [^ ]* error: //' >"$T/tqd.err"
tap_like "tqd names the key of the wrong type" \
    'key tq:\{w3\}:active holds a string, not a zset' "$(cat "$T/tqd.err")"
tap_is "tqd logs each error once, not every tick" "" \
    "$(sort "$T/tqd.err" | uniq -d)"

# --- a worker over it

cat >"$T/handler" <<EOF
#!/bin/sh
cat >/dev/null
echo "\$TQ_TASK_ID" >>"$T/ran"
EOF
chmod +x "$T/handler"
: >"$T/ran"
"$TQW" -q g -C 2 --exec-default "$T/handler" 2>"$T/worker.log" &
wpid=$!
kill_at_exit $wpid
# Done when every ready list of g is empty.
g_empty() {
	[ "$(rcli EVAL "local n = 0 for i = 0, 9 do n = n + \
	    redis.call('LLEN', 'tq:{g}:ready:' .. i) end return n" 0)" = 0 ]
}
wait_until 20 g_empty
sleep 0.5
if alive $wpid; then
	tap_pass "tqworker keeps running over malformed tasks"
else
	tap_fail "tqworker keeps running over malformed tasks" \
	    "$(cat "$T/worker.log")"
fi
kill -TERM $wpid
wait $wpid
tap_is "tqworker exits 0 on SIGTERM" 0 "$?"
cat "$T/worker.log" >>"$ERRLOG"
missing=
for id in $good; do
	grep -qx "$id" "$T/ran" || missing="$missing $id"
done
tap_is "every good task ran" "" "$missing"
ran_bad=$(cut -f1 "$T/expect" | grep -Fx -f "$T/ran")
tap_is "no malformed task ran" "" "$ran_bad"
run "$TQ" dead ls --json --limit 1000 g
keep
printf '%s' "$out" >"$T/dead.json"
tap_is "tq dead ls --json is valid JSON" "true" \
    "$(jsonq "isinstance(d['dead'], list)" <"$T/dead.json")"
while IFS='	' read -r id want; do
	got=$(dead_error "$id")
	case $got in
	"malformed task: task $id: "*"$want"* | \
	"malformed task: $want"*)
		tap_pass "$id: dead, saying \"$want\"" ;;
	*)
		tap_fail "$id: dead, saying \"$want\"" "got: '$got'" ;;
	esac
done <"$T/expect"
noid=$(jsonq "len([t for t in d['dead'] if t['id'].startswith('noid-') \
    and t['error'] == 'malformed task: an inline body without a valid id'])" \
    <"$T/dead.json")
tap_is "inline bodies without a usable id: dead as noid-SHA1" 3 "$noid"
tap_is "d-bad's garbage meta: no error shown, no crash" "null" \
    "$(dead_error d-bad)"
run "$TQ" dead ls g
no_signal "tq dead ls over malformed dead tasks"
one_line_errors "tq dead ls: no error lines"
run "$TQ" dead requeue --all g
no_signal "tq dead requeue --all g"
tap_like "tq dead requeue requeues them" '^requeued [1-9]' "$out"
run "$TQ" dead requeue --all w3
no_signal "tq dead requeue --all w3"
tap_like "... names the key of the wrong type" \
    '^tq: dead requeue: key tq:\{w3\}:dead holds a string' "$err"
run "$TQ" dead purge --all w4
no_signal "tq dead purge --all w4 (its m is a string)"
run "$TQ" fsck g
no_signal "tq fsck g after it all"

# One queue damaged, the other served.
rcli HSET 'tq:{g2}:t' ok1 '{"id":"ok1","payload":1}' >/dev/null
rcli LPUSH 'tq:{g2}:ready:0' ok1 >/dev/null
: >"$T/ran"
"$TQW" -q w2,g2 --exec-default "$T/handler" 2>"$T/worker2.log" &
wpid=$!
kill_at_exit $wpid
wait_until 3 grep -qx ok1 "$T/ran"
tap_ok "a worker serving a damaged queue still serves the others" \
    grep -qx ok1 "$T/ran"
kill -TERM $wpid
wait $wpid
cat "$T/worker2.log" >>"$ERRLOG"
run "$TQ" enqueue -q st job '{}'
keep
tap_ok "enqueue works over a counter that is not a number" \
    [ "$status" -eq 0 ]
: >"$T/ran"
"$TQW" -q st --exec-default "$T/handler" 2>"$T/worker3.log" &
wpid=$!
kill_at_exit $wpid
wait_until 3 sh -c "[ -s '$T/ran' ]"
sleep 0.3
kill -TERM $wpid
wait $wpid
cat "$T/worker3.log" >>"$ERRLOG"
tap_ok "ack works over a counter that is not a number" \
    sh -c "! grep -q 'not an integer' '$T/worker3.log'"

# Dequeue over a damaged counter: burying the task without an id counts
# it dead, after its RPOP, and Redis does not roll a script back; the
# count must not fail the script, or what it popped is lost.
lostid=$("$TQ" enqueue -q lost job '{"n":1}')
rcli RPUSH 'tq:{lost}:ready:0' '{"payload":"no id"}' >/dev/null
rcli HSET 'tq:{lost}:stats' dead x >/dev/null
: >"$T/ran"
"$TQW" -q lost --exec-default "$T/handler" 2>"$T/worker4.log" &
wpid=$!
kill_at_exit $wpid
wait_until 3 grep -qx "$lostid" "$T/ran"
kill -TERM $wpid
wait $wpid
cat "$T/worker4.log" >>"$ERRLOG"
tap_ok "dequeue over a counter that is not a number: the good task ran" \
    grep -qx "$lostid" "$T/ran"
tap_is "... the one without an id is dead" 1 \
    "$(rcli ZCARD 'tq:{lost}:dead')"
tap_is "... and the counter starts over" 1 \
    "$(rcli HGET 'tq:{lost}:stats' dead)"
# A ready list of the wrong type: the task in another list of the queue
# must reach the worker, not sit leased in active until it expires.
"$TQ" enqueue -q half -p 9 job '{"n":9}' >/dev/null
rcli HSET 'tq:{half}:ready:0' a b >/dev/null
: >"$T/ran"
"$TQW" -q half --exec-default "$T/handler" 2>"$T/worker5.log" &
wpid=$!
kill_at_exit $wpid
wait_until 2 sh -c "[ -s '$T/ran' ]"
kill -TERM $wpid
wait $wpid
cat "$T/worker5.log" >>"$ERRLOG"
tap_ok "a queue with one ready list of the wrong type serves the others" \
    [ -s "$T/ran" ]

# --- the keys outside any queue, of the wrong type

rcli SET tq:workers x >/dev/null
run "$TQ" workers
no_signal "tq workers over a NS:workers of the wrong type"
run "$TQTOP" -b -n 1
no_signal "tqtop -b over it"
tap_like "tqtop -b: still connected" ' connected=yes ' \
    "$(printf '%s\n' "$out" | head -n 1)"
tap_like "tqtop -b: the queues shown" '^g [0-9]' "$out"
rcli DEL tq:workers >/dev/null
rcli DEL 'tq:{leader}' >/dev/null
rcli HSET 'tq:{leader}' a b >/dev/null
"$TQD" -v -c "$T/tqd.conf" </dev/null >"$T/tqd2.log" 2>&1 &
tqd_pid=$!
kill_at_exit $tqd_pid
sleep 1
if alive $tqd_pid; then
	tap_pass "tqd keeps running over a leader key of the wrong type"
else
	tap_fail "tqd keeps running over a leader key of the wrong type" \
	    "$(cat "$T/tqd2.log")"
fi
kill -TERM $tqd_pid
wait $tqd_pid
cat "$T/tqd2.log" >>"$ERRLOG"
tap_ok "tqd names the leader key of the wrong type" \
    grep -q 'tq:{leader}' "$T/tqd2.log"
rcli DEL tq:queues >/dev/null
rcli SET tq:queues x >/dev/null
run "$TQ" stats
no_signal "tq stats over a NS:queues of the wrong type"
tap_like "... names the key" '^tq: stats: key tq:queues is not a set' "$err"
run "$TQTOP" -b -n 1
no_signal "tqtop -b over it"

# --- sanitizers: nothing reported by any program above

if grep -Eq 'Sanitizer|runtime error:|LeakSanitizer' "$ERRLOG"; then
	tap_fail "no sanitizer reports" \
	    "$(grep -E -A5 'Sanitizer|runtime error:' "$ERRLOG" | head -40)"
else
	tap_pass "no sanitizer reports"
fi

finish
