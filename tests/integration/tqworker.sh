#!/bin/sh
# tqworker.sh -- tqworker against a private Redis: the exec contract.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Each case enqueues tasks with the tq CLI into a queue of its own, runs
# tqworker with --exec commands that leave traces in the scratch
# directory, and checks what became of the tasks (tq inspect --json, tq
# result, tq stats --json) and of the commands' processes: stdin and the
# TQ_* environment, results, exit 100 and other failures, timeouts that
# kill a whole process group, concurrency, graceful and hurried
# shutdown, the default handler, usage errors, and a Redis that is not
# there at startup.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

TQW=$TQ_BUILDDIR/tqworker
T=$TQ_TESTDIR
[ -x "$TQW" ] || bail "$TQW not built"
[ -x "$TQ" ] || bail "$TQ not built"

# Milliseconds since the epoch (GNU date).
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# alive PID: the process exists and is not a zombie.
alive() {
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

not_alive() {
	! alive "$1"
}

# start_worker NAME ARGS...: tqworker in the background, its stderr in
# $T/NAME.log; sets $wpid.
start_worker() {
	_name=$1
	shift
	"$TQW" "$@" 2>"$T/$_name.log" &
	wpid=$!
	kill_at_exit $wpid
}

# wait_worker SECS: wait at most SECS s for the worker to exit; sets
# $wstatus (its exit status, or "hung").
wait_worker() {
	if wait_until "$1" not_alive "$wpid"; then
		wait "$wpid"
		wstatus=$?
	else
		wstatus=hung
	fi
}

# stop_worker: SIGTERM and wait (at most 15 s).
stop_worker() {
	kill -TERM "$wpid" 2>/dev/null
	wait_worker 15
}

enqueue() {
	"$TQ" enqueue "$@" || bail "tq enqueue $* failed"
}

# field ID EXPR: EXPR of the task's tq inspect --json record d.
field() {
	"$TQ" inspect --json "$1" 2>/dev/null | jsonq "$2" 2>/dev/null
}

state_is() {
	[ "$(field "$1" 'd["state"]')" = "$2" ]
}

processed() {
	"$TQ" stats --json "$1" 2>/dev/null |
	    jsonq "d['queues']['$1']['processed']" 2>/dev/null
}

processed_is() {
	[ "$(processed "$1")" = "$2" ]
}

redis_start

# ------------------------------------------------------------ usage
tap_status "no arguments: usage error" 2 "$TQW"
tap_status "no --exec: usage error" 2 "$TQW" -q q
tap_status "no -q: usage error" 2 "$TQW" --exec t=true
tap_status "--exec without =: usage error" 2 "$TQW" -q q --exec true
tap_status "--weights names an unserved queue: usage error" 2 \
    "$TQW" -q a,b --weights c=2 --exec t=true
tap_status "--weights 0: usage error" 2 \
    "$TQW" -q a,b --weights a=0 --exec t=true
tap_status "-C 0: usage error" 2 "$TQW" -q q -C 0 --exec t=true
tap_status "bad queue name: usage error" 2 "$TQW" -q 'a b' --exec t=true
tap_status "same type twice: usage error" 2 \
    "$TQW" -q q --exec t=true --exec t=false
tap_status "missing config file: exit 2" 2 \
    "$TQW" -c "$T/nope.conf" -q q --exec t=true
run "$TQW" --version
tap_like "--version" '^tqworker \(tq\) [0-9]' "$out"

# ------------------------------------------- success, stdin, environment
# Commands find the scratch directory in T_DIR, inherited as any other
# variable of the worker's environment is.
T_DIR=$T
export T_DIR
payload='{"a": [1, 2.50, "x"], "big": 12345678901234567890, "s": "\u00e9"}'
id=$(enqueue -q ok --max-retries 5 echo "$payload")
before=$(date +%s)
TQW_INHERITED=yes
TQ_TASK_ID=inherited-and-replaced
export TQW_INHERITED TQ_TASK_ID
start_worker ok -q ok --exec echo='cat >"$T_DIR/stdin.$TQ_TASK_ID"
    env | grep "^TQ_\|^TQW_INHERITED=" | sort >"$T_DIR/env.$TQ_TASK_ID"
    echo "  {\"n\": 42}  "; echo "ignored on stderr" >&2'
unset TQW_INHERITED TQ_TASK_ID
wait_until 10 state_is "$id" done
tap_is "exit 0: task done" done "$(field "$id" 'd["state"]')"
run "$TQ" result "$id"
tap_is "exit 0: stdout JSON (trimmed) is the result" '{"n": 42}' "$out"
printf '%s' "$payload" >"$T/payload.expected"
tap_ok "stdin is the payload, byte for byte" \
    cmp "$T/payload.expected" "$T/stdin.$id"
env_file=$T/env.$id
tap_ok "TQ_TASK_ID set (and the inherited one replaced)" \
    test "$(grep -c '^TQ_TASK_ID=' "$env_file")" = 1 -a \
    "$(grep '^TQ_TASK_ID=' "$env_file")" = "TQ_TASK_ID=$id"
tap_is "TQ_TASK_TYPE, TQ_QUEUE, TQ_ATTEMPT, TQ_MAX_RETRIES set" \
    "TQ_ATTEMPT=1 TQ_MAX_RETRIES=5 TQ_QUEUE=ok TQ_TASK_TYPE=echo" \
    "$(grep -E '^TQ_(TASK_TYPE|QUEUE|ATTEMPT|MAX_RETRIES)=' "$env_file" |
    tr '\n' ' ' | sed 's/ $//')"
tap_ok "the worker's environment is passed on" \
    grep -qx 'TQW_INHERITED=yes' "$env_file"
deadline=$(sed -n 's/^TQ_DEADLINE=//p' "$env_file")
tap_ok "TQ_DEADLINE is about now + the task's timeout (30 s)" \
    test -n "$deadline" -a "$deadline" -ge $((before + 29)) -a \
    "$deadline" -le $((before + 35))
stop_worker
tap_is "SIGTERM while idle: exit 0" 0 "$wstatus"
tap_like "each outcome is logged at info" \
    "^tqworker: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z info: task $id .* ok in" \
    "$(cat "$T/ok.log")"

# --------------------------------------------------------- failures
perm=$(enqueue -q fail perm '{}')
retry=$(enqueue -q fail retry '{}')
sig=$(enqueue -q fail sig '{}')
noj=$(enqueue -q fail nojson '{}')
big=$(enqueue -q fail big '{}')
long=$(enqueue -q fail long '{}')
bin=$(enqueue -q fail binary '{}')
start_worker fail -q fail \
    --exec perm='echo "bad payload" >&2; exit 100' \
    --exec retry='echo noise >&2; echo "line one" >&2
        echo "line two" >&2; exit 1' \
    --exec sig='kill -KILL $$' \
    --exec nojson='echo this is not json' \
    --exec big='head -c 2000000 /dev/zero | tr "\0" 1' \
    --exec long='seq 1 3000 >&2; exit 2' \
    --exec binary='printf "caf\303\251 \377\001ok\n" >&2; exit 2'
wait_until 10 state_is "$perm" dead
tap_is "exit 100: dead at once" dead "$(field "$perm" 'd["state"]')"
tap_is "exit 100: the error is the status and stderr" \
    "exit status 100: bad payload" "$(field "$perm" 'd["error"]')"
wait_until 10 state_is "$retry" retry
tap_is "exit 1: to retry" retry "$(field "$retry" 'd["state"]')"
tap_is "exit 1: one attempt counted" 1 \
    "$(field "$retry" 'd["retry_count"]')"
tap_is "exit 1: the error holds the last lines of stderr" \
    "$(printf 'exit status 1: noise\nline one\nline two')" \
    "$(field "$retry" 'd["error"]')"
wait_until 10 state_is "$sig" retry
tap_is "killed by a signal: to retry, the error says which" \
    "killed by signal 9" "$(field "$sig" 'd["error"]')"
wait_until 10 processed_is fail 2
tap_is "non-JSON or huge stdout: tasks done all the same" 2 \
    "$(processed fail)"
tap_status "non-JSON stdout: no result stored" 1 "$TQ" result "$noj"
tap_status "stdout over 1 MiB: no result stored" 1 "$TQ" result "$big"
wait_until 10 state_is "$long" retry
# Whole lines, the last ones, about 2 KiB: consecutive numbers to 3000.
tap_is "a long stderr: its last 2 KiB of whole lines" true \
    "$(field "$long" '(lambda e, p: e.startswith(p) and len(e) < 2100 and
    (lambda l: l == list(range(l[0], 3001)))(
    [int(x) for x in e[len(p):].split("\n")]))(d["error"], "exit status 2: ")')"
wait_until 10 state_is "$bin" retry
tap_is "stderr: bad UTF-8 and control characters become ?" \
    "exit status 2: café ??ok" "$(field "$bin" 'd["error"]')"
stop_worker
tap_is "exit 0 after SIGTERM" 0 "$wstatus"

# ------------------------------------------- default handler, no handler
known=$(enqueue -q dflt known '{}')
other=$(enqueue -q dflt other.type '{}')
start_worker dflt -q dflt --exec known='echo "{\"by\": \"known\"}"' \
    --exec-default 'echo "{\"by\": \"default\", \"type\": \"$TQ_TASK_TYPE\"}"'
wait_until 10 state_is "$other" done
run "$TQ" result "$known"
tap_is "--exec handles its type" '{"by": "known"}' "$out"
run "$TQ" result "$other"
tap_is "--exec-default handles the rest" \
    '{"by": "default", "type": "other.type"}' "$out"
stop_worker
orphan=$(enqueue -q nohandler lost '{}')
start_worker nohandler -q nohandler --exec known=true
wait_until 10 state_is "$orphan" retry
tap_is "no handler and no default: the task fails" \
    "no handler for task type lost" "$(field "$orphan" 'd["error"]')"
stop_worker

# ---------------------------------------------------------- timeouts
slow=$(enqueue -q slow --timeout 1 sleep '{}')
t0=$(now_ms)
start_worker slow -q slow --exec sleep='echo $$ >"$T_DIR/sh.pid"
    sleep 30 & echo $! >"$T_DIR/bg.pid"; sleep 30; wait'
wait_until 10 state_is "$slow" retry
tap_is "task timeout: to retry" retry "$(field "$slow" 'd["state"]')"
tap_is "task timeout: the error" "timed out after 1 s" \
    "$(field "$slow" 'd["error"]')"
wait_until 5 not_alive "$(cat "$T/bg.pid")"
tap_ok "task timeout: the backgrounded grandchild is killed" \
    not_alive "$(cat "$T/bg.pid")"
tap_ok "task timeout: the shell is killed" not_alive "$(cat "$T/sh.pid")"
stop_worker
tap_ok "task timeout: all within 5 s" test $(($(now_ms) - t0)) -lt 5000

capped=$(enqueue -q capped --timeout 60 sleep '{}')
start_worker capped -q capped --timeout 1 --exec sleep='exec sleep 30'
wait_until 10 state_is "$capped" retry
tap_is "--timeout caps the task's timeout" "timed out after 1 s" \
    "$(field "$capped" 'd["error"]')"
stop_worker

# ------------------------------------------------------- concurrency
for i in 1 2 3 4 5 6; do
	enqueue -q conc nap '{}' >/dev/null
done
t0=$(now_ms)
start_worker conc -q conc -C 3 --exec nap='sleep 1'
wait_until 15 processed_is conc 6
ms=$(($(now_ms) - t0))
diag "6 tasks of 1 s with -C 3: $ms ms"
tap_ok "-C 3: 6 tasks of 1 s take about 2 s, not 6" \
    test "$ms" -ge 1900 -a "$ms" -lt 4500
stop_worker

# ---------------------------------------------------------- shutdown
rm -f "$T/started"
task=$(enqueue -q drain nap '{}')
start_worker drain -q drain --exec nap='touch "$T_DIR/started"; sleep 2
    echo "{\"slept\": 2}"'
wait_until 10 test -f "$T/started"
t0=$(now_ms)
stop_worker
tap_is "SIGTERM while a task runs: exit 0" 0 "$wstatus"
tap_is "SIGTERM while a task runs: the task completes" \
    '{"slept": 2}' "$("$TQ" result "$task" 2>&1)"
tap_ok "SIGTERM while a task runs: the worker waits for it" \
    test $(($(now_ms) - t0)) -ge 1000

rm -f "$T/started"
task=$(enqueue -q grace nap '{}')
start_worker grace -q grace --grace 1 --exec nap='touch "$T_DIR/started"
    exec sleep 10'
wait_until 10 test -f "$T/started"
t0=$(now_ms)
stop_worker
ms=$(($(now_ms) - t0))
diag "stop with --grace 1 took $ms ms"
tap_is "past the grace period: exit 0" 0 "$wstatus"
tap_ok "past the grace period: stopped within 3.5 s" test "$ms" -lt 3500
tap_is "past the grace period: the task is ready again" ready \
    "$(field "$task" 'd["state"]')"
tap_is "past the grace period: no attempt counted" 0 \
    "$(field "$task" 'd["retry_count"]')"

rm -f "$T/started"
task=$(enqueue -q twice nap '{}')
start_worker twice -q twice --grace 60 --exec nap='touch "$T_DIR/started"
    exec sleep 30'
wait_until 10 test -f "$T/started"
t0=$(now_ms)
kill -TERM "$wpid"
sleep 0.3
kill -INT "$wpid"
wait_worker 15
ms=$(($(now_ms) - t0))
tap_is "a second signal: exit 0" 0 "$wstatus"
tap_ok "a second signal: no grace period ($ms ms)" test "$ms" -lt 4000
tap_is "a second signal: the task is ready again" ready \
    "$(field "$task" 'd["state"]')"

# ----------------------------------------------------------- logging
# One info line per outcome by default; -v adds debug (the command's
# pid), --quiet keeps warnings and errors only.
for lv in default -v --quiet; do
	task=$(enqueue -q "log$lv" t '{}')
	# shellcheck disable=SC2046
	start_worker "log$lv" -q "log$lv" $( [ "$lv" = default ] || echo "$lv" ) \
	    --exec t=true
	wait_until 10 processed_is "log$lv" 1
	stop_worker
	eval "log_${lv#-}=\$(cat \"\$T/log\$lv.log\")"
done
tap_like "default: an info line per task (id, type, outcome, duration)" \
    "task [0-9a-f-]* type=t queue=logdefault attempt=1 ok in [0-9]+ ms" \
    "$log_default"
tap_ok "default: no debug lines" \
    test -z "$(printf '%s' "$log_default" | grep ' runs true')"
tap_like "-v: debug lines too (the command's pid)" "pid [0-9]+ runs true" \
    "$log_v"
tap_ok "--quiet: no info lines" \
    test -z "$(printf '%s' "$log__quiet" | grep ' ok in ')"

# ------------------------------------------------------------ weights
# Both queues full; a=9, b=1: about nine tasks of a for one of b (each
# lease call draws a queue by weight), where strict order (no --weights)
# would take none of b while a has tasks.
: >"$T/order"
for q in wa wb; do
	i=0
	while [ $i -lt 150 ]; do
		printf '{"type":"w","queue":"%s","payload":{}}\n' "$q"
		i=$((i + 1))
	done | "$TQ" enqueue --batch >/dev/null || bail "enqueue --batch"
done
start_worker weights -q wa,wb --weights wa=9 -C 1 \
    --exec w='echo "$TQ_QUEUE" >>"$T_DIR/order"'
wait_until 30 test "$(wc -l <"$T/order")" -ge 100
stop_worker
na=$(head -n 100 "$T/order" | grep -c '^wa$')
diag "--weights wa=9: of the first 100 tasks, $na from wa"
tap_ok "--weights wa=9: most tasks from wa, some from wb ($na of 100)" \
    test "$na" -ge 70 -a "$na" -le 99

# ---------------------------------------------- Redis away while running
# One line when the link breaks and one when it is back, not one per
# retry: 4 s of outage, a fetcher and a heartbeat retrying with backoff.
enqueue -q outage t '{}' >/dev/null
start_worker outage -q outage --exec t=true
wait_until 10 processed_is outage 1
before=$(wc -l <"$T/outage.log")
redis_stop
sleep 4
lines=$(($(wc -l <"$T/outage.log") - before))
redis_start
enqueue -q outage t '{}' >/dev/null
wait_until 15 processed_is outage 1
stop_worker
diag "log during a 4 s outage: $lines lines"
tap_ok "Redis away for 4 s: at most 4 log lines, not a flood ($lines)" \
    test "$lines" -le 4
tap_is "Redis back: the worker serves again" 1 "$(processed outage)"
tap_like "Redis back: said so" "Redis is back" "$(cat "$T/outage.log")"

# ------------------------------------------------ Redis not there yet
start_worker noredis -u "unix://$T/nothing.sock" -q q --exec t=true
sleep 0.5
tap_ok "Redis unreachable at startup: still running" alive "$wpid"
stop_worker
tap_is "Redis unreachable at startup: exit 0 on SIGTERM" 0 "$wstatus"
tap_like "Redis unreachable at startup: a warning" \
    'warning: cannot reach Redis' "$(cat "$T/noredis.log")"

finish
