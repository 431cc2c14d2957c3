#!/bin/sh
#
# memcheck.sh -- tqd and workers under valgrind's memcheck, for a while.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# "make check-memcheck" runs this; it is not part of make check, since
# valgrind makes it take about a minute.  tqd, tqworker and the demo
# worker (examples/worker, in-process handlers) run under
#
#	valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
#	    --error-exitcode=99
#
# for about $MEMCHECK_SECONDS (default 25) seconds of load against a
# private Redis: tasks that succeed, store a result, are delayed, fail
# once and then succeed, fail until dead, fail for good (exit 100), time
# out and are killed; a cron schedule every second; dead letters
# requeued; tqd reloads its configuration on SIGHUP; Redis restarts once
# (append-only, so nothing is lost), and everyone reconnects.  Then the
# queues drain, SIGTERM stops every program, and each must exit 0 (99 is
# valgrind's verdict: an error, or a definite or indirect leak) with a
# log that says "ERROR SUMMARY: 0 errors".  Possibly lost and still
# reachable bytes are printed as "#" lines (threads and libraries keep
# some) but do not fail the test.
#
# The build must not be an ASan build (valgrind and ASan do not mix).

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
TQW=$(lib_exe "$TQ_BUILDDIR/tqworker")
DEMO=$(lib_exe "$TQ_BUILDDIR/examples/worker")
T=$TQ_TESTDIR
SECS=${MEMCHECK_SECONDS:-25}
VALGRIND=${VALGRIND:-$(command -v valgrind)}

[ -n "$VALGRIND" ] && [ -x "$VALGRIND" ] ||
	bail "valgrind not found (apt-get install valgrind)"
for p in "$TQD" "$TQW" "$DEMO" "$TQ"; do
	[ -x "$p" ] || bail "$p not built (run make)"
done
if grep -q __asan_init "$TQD" 2>/dev/null ||
    grep -q __asan_init "$TQ_BUILDDIR/core/.libs/libtq.so" 2>/dev/null; then
	bail "this is an --enable-asan build; valgrind needs a plain one"
fi

# ------------------------------------------------------------ helpers

now_ms() {
	date +%s%3N
}

alive() {
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

not_alive() {
	! alive "$1"
}

log_has() {
	grep -Eq -- "$2" "$1"
}

# vg NAME PROGRAM ARGS...: PROGRAM under memcheck in the background, its
# stderr in $T/NAME.log and valgrind's report in $T/NAME.vg; sets $vg_pid.
# Children a worker forks for its commands are not followed.
vg() {
	_name=$1
	shift
	"$VALGRIND" --tool=memcheck --leak-check=full \
	    --errors-for-leak-kinds=definite,indirect \
	    --show-leak-kinds=definite,indirect --error-exitcode=99 \
	    --num-callers=30 --trace-children=no --child-silent-after-fork=yes \
	    --log-file="$T/$_name.vg" "$@" </dev/null >"$T/$_name.log" 2>&1 &
	vg_pid=$!
	kill_at_exit $vg_pid
}

# stop NAME PID: SIGTERM, then wait at most 90 s (valgrind's leak check
# takes a while); sets $stop_status (exit status, or "hung").
stop() {
	kill -TERM "$2" 2>/dev/null
	if wait_until 90 not_alive "$2"; then
		wait "$2"
		stop_status=$?
	else
		kill -9 "$2" 2>/dev/null
		wait "$2" 2>/dev/null
		stop_status=hung
	fi
	diag "$1: exit status $stop_status"
}

# report NAME: the verdict on $T/NAME.vg, as TAP lines.
report() {
	_vg=$T/$1.vg
	tap_like "$1: valgrind: no errors" "ERROR SUMMARY: 0 errors" \
	    "$(grep 'ERROR SUMMARY' "$_vg")"
	if grep -q 'All heap blocks were freed' "$_vg"; then
		tap_pass "$1: valgrind: no leaks (all heap blocks freed)"
	else
		_def=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' \
		    "$_vg")
		_ind=$(sed -n 's/.*indirectly lost: \([0-9,]*\) bytes.*/\1/p' \
		    "$_vg")
		tap_is "$1: valgrind: no definite or indirect leaks" "0 0" \
		    "${_def:-?} ${_ind:-?}"
	fi
	grep -E 'possibly lost:|still reachable:|total heap usage:' "$_vg" |
	    sed 's/^==[0-9]*== *//' | while read -r _l; do diag "$1: $_l"; done
	if ! grep -q 'ERROR SUMMARY: 0 errors' "$_vg"; then
		diag "---- $1.vg ----"
		sed -n '/^==[0-9]*== [A-Z][a-z]/,$p' "$_vg" | head -n 150 |
		    while read -r _l; do diag "$_l"; done
	fi
}

# A Redis of our own, append-only with fsync always, so that a restart
# loses nothing.
RDIR=$T/redis
mkdir "$RDIR"
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server)}
REDIS_CLI=${REDIS_CLI:-$(command -v redis-cli)}
[ -x "$REDIS_SERVER" ] || bail "redis-server not found"
[ -x "$REDIS_CLI" ] || bail "redis-cli not found"
REDIS_SOCK=$RDIR/redis.sock
r_ping() {
	"$REDIS_CLI" -s "$REDIS_SOCK" ping 2>/dev/null | grep -q PONG
}
r_start() {
	"$REDIS_SERVER" --port 0 --unixsocket "$REDIS_SOCK" --dir "$RDIR" \
	    --appendonly yes --appendfsync always --save '' \
	    --daemonize no --logfile "$RDIR/redis.log" </dev/null &
	R_PID=$!
	kill_at_exit $R_PID
	wait_until 10 r_ping
}
r_start || bail "redis-server did not start"
TQ_REDIS_URL=unix://$REDIS_SOCK
export TQ_REDIS_URL REDIS_SOCK

# qstat QUEUE KEY: one figure of tq stats --json.
qstat() {
	"$TQ" stats --json "$1" 2>/dev/null |
	    jsonq "d['queues']['$1']['$2']" 2>/dev/null
}

# settled QUEUE: nothing ready, scheduled, running or waiting to retry.
settled() {
	_s=$("$TQ" stats --json "$1" 2>/dev/null | jsonq \
	    "[d['queues']['$1'][k] for k in ('ready','scheduled','active','retry')]" \
	    2>/dev/null)
	[ "$_s" = "[0, 0, 0, 0]" ]
}

enq() {
	"$TQ" enqueue "$@" >>"$T/ids" 2>>"$T/enqueue.err" ||
	    echo "enqueue $* failed" >>"$T/enqueue.err"
}

CONF=$T/mc.conf
write_conf() {
	cat >"$CONF" <<EOF
[redis]
command_timeout = 10s
reconnect_max = 500ms
[queue]
retry_base = 200ms
retry_cap = 1s
dead_max = 1000
[worker]
lease = 3s
grace = 10s
[tqd]
tick = 20ms
reclaim_interval = 200ms
scan_interval = 500ms
leader_ttl = 3s
batch = $1
metrics_file = $T/metrics.prom
metrics_interval = 1s
[schedule tick]
cron = @every 1s
type = ok
queue = mc
payload = {"from":"cron"}
$2
EOF
}

# ------------------------------------------------------------ the run

plan 16

write_conf 250 ""
vg tqd "$TQD" -v -c "$CONF"
TQD_PID=$vg_pid
vg tqworker "$TQW" -v -c "$CONF" -q mc -C 3 --timeout 1 \
    --exec ok=true \
    --exec result='echo "{\"n\":$TQ_ATTEMPT}"' \
    --exec once='[ "$TQ_ATTEMPT" -ge 2 ]' \
    --exec fail='exit 1' \
    --exec fatal='exit 100' \
    --exec slow='sleep 5' \
    --exec-default 'cat >/dev/null'
TQW_PID=$vg_pid
vg demo "$DEMO" -v -c "$CONF" -C 2 --speed 20 -q email,image_processing
DEMO_PID=$vg_pid

wait_until 60 log_has "$T/tqd.log" "became leader"
tap_ok "tqd under valgrind becomes leader" log_has "$T/tqd.log" \
    "became leader"
workers_up() {
	[ "$("$TQ" workers --json 2>/dev/null |
	    jsonq 'len(d["workers"])' 2>/dev/null)" = 2 ]
}
wait_until 60 workers_up || diag "the workers did not register in 60 s"

t0=$(now_ms)
i=0
hup=0
restart=0
requeue=0
while [ $(($(now_ms) - t0)) -lt $((SECS * 1000)) ]; do
	i=$((i + 1))
	enq -q mc ok '{"i":'$i'}'
	enq -q mc ok
	enq -q mc result '{"want":"result"}'
	enq -q mc --delay 1 ok '{"delayed":1}'
	enq -q mc --delay 2.5 -p 7 ok '{"delayed":2.5}'
	enq -q mc --max-retries 3 once '[1,2,3]'
	enq email '{"to":"user'$i'@example.com"}'
	enq -p 9 email '{"to":"vip'$i'@example.com"}'
	enq --delay 1 image_processing \
	    '{"image_url":"https://example.com/'$i'.jpg"}'
	if [ $((i % 3)) -eq 0 ]; then
		enq -q mc --max-retries 1 fail '"fails twice"'
		enq -q mc fatal '"fails for good"'
		enq -q mc --max-retries 1 --timeout 1 slow '"times out"'
		enq -q mc other '{"by":"the default handler"}'
	fi
	elapsed=$(($(now_ms) - t0))
	if [ $hup -eq 0 ] && [ $elapsed -gt $((SECS * 300)) ]; then
		hup=1
		write_conf 100 "[schedule tock]
cron = */1 * * * *
type = ok
queue = mc"
		kill -HUP $TQD_PID
	fi
	if [ $restart -eq 0 ] && [ $elapsed -gt $((SECS * 550)) ]; then
		restart=1
		kill -TERM $R_PID
		wait $R_PID
		sleep 1
		r_start || bail "redis-server did not restart"
		diag "Redis restarted at $((($(now_ms) - t0) / 1000)) s"
	fi
	if [ $requeue -eq 0 ] && [ $elapsed -gt $((SECS * 750)) ]; then
		requeue=1
		"$TQ" dead requeue --all mc >/dev/null 2>&1
	fi
	sleep 0.7
done
diag "enqueued $(wc -l <"$T/ids") tasks in $SECS s (the cron adds more)"
[ -s "$T/enqueue.err" ] && diag "enqueue errors: $(head -n 5 "$T/enqueue.err")"

# Let every queue settle: retries and delays run out.
wait_until 60 settled mc
tap_ok "queue mc settles" settled mc
demo_settled() {
	settled email && settled image_processing
}
wait_until 60 demo_settled
tap_ok "demo queues settle" demo_settled

tap_like "tqd reloaded its configuration on SIGHUP" "configuration reloaded" \
    "$(cat "$T/tqd.log")"
tap_like "tqd reconnected after the Redis restart" "Redis at .* is back" \
    "$(cat "$T/tqd.log")"
n=$(qstat mc processed)
diag "mc: processed $n, retried $(qstat mc retried), dead $(qstat mc dead)"
tap_ok "tasks ran, retried and died" test "${n:-0}" -gt 50 -a \
    "$(qstat mc retried)" -gt 0 -a "$(qstat mc dead)" -gt 0
run "$TQ" fsck mc email image_processing
tap_is "tq fsck: clean" 0 "$status"
[ "$status" -eq 0 ] || diag "$out"

stop tqworker $TQW_PID
tap_is "tqworker: exit status 0 (99: valgrind found errors)" 0 "$stop_status"
stop demo $DEMO_PID
tap_is "demo worker: exit status 0" 0 "$stop_status"
stop tqd $TQD_PID
tap_is "tqd: exit status 0" 0 "$stop_status"

report tqd
report tqworker
report demo
tail -n 3 "$T/tqd.log" | while read -r l; do diag "tqd: $l"; done
finish
