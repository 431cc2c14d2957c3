#!/bin/sh
# stall.sh -- a frozen Redis never freezes tqtop's keyboard, and a bulk
# requeue shows its progress and stops on Esc.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# The private redis-server is stopped with SIGSTOP: connections are
# accepted (the kernel queues them) but nothing is ever answered, the
# worst case for a client.  command_timeout is 4 s in the test's tq.conf,
# as an operator may set it (tqtop keeps it; it shortens only the
# library's default, 5 s, to 1 s), so a dashboard that waited on Redis
# would take seconds per key.  tqtop must open its help and quit at once, and
# say in the header how long Redis has been silent.  Then 200,000 dead
# letters (written by one EVAL) are requeued with R, and Esc stops the
# requeue midway: the status line reports the count, which Redis
# confirms.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

tui_init stall
# A stopped Redis cannot die of lib_cleanup's TERM: continue it first.
trap 'tmux -L "$TMUX_SOCK" kill-server 2>/dev/null
    [ -n "$REDIS_PID" ] && kill -CONT "$REDIS_PID" 2>/dev/null
    lib_cleanup' EXIT

redis_start
printf '[redis]\ncommand_timeout = 4s\n' >"$TQ_CONFIG"

now_ms() {
	"$PYTHON" -c 'import time; print(int(time.time() * 1000))'
}

start_tqtop() {
	tm kill-session -t tq 2>/dev/null
	tm new-session -d -s tq -x 100 -y 30 \
	    "env TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
	    LD_LIBRARY_PATH='$LD_LIBRARY_PATH' TQ_REDIS_URL='$TQ_REDIS_URL' \
	    TQ_CONFIG='$TQ_CONFIG' '$TQTOP' -d 0.3; echo TQTOP-EXITED \$?; \
	    sleep 60"
}

plan 13

"$TQ" enqueue -q mail send '{}' >/dev/null || bail "tq enqueue failed"
start_tqtop
wait_until 5 shows '^mail +1 '

# 1. Redis frozen.
kill -STOP "$REDIS_PID"
wait_until 5 shows 'Redis not answering for [1-9][0-9]*s'
tap_like "frozen Redis: the header says how long it has been silent" \
    'Redis not answering for [1-9][0-9]*s' "$(screen | head -n 1)"
# The bounds below are generous (the machine is shared); a loop waiting
# on Redis would take the 4 s command timeout, or more, per key.
t0=$(now_ms)
tm send-keys -t tq '?'
wait_until 5 shows '^KEYS'
t1=$(now_ms)
tap_ok "frozen Redis: ? opens the help at once ($((t1 - t0)) ms)" \
    test $((t1 - t0)) -lt 1500
tm send-keys -t tq Escape 2
wait_until 3 shows '^WORKER'
tap_like "frozen Redis: views still switch" '^WORKER' "$(screen | sed -n 3p)"
wait_until 5 shows 'Redis not answering for [3-9]s'
tap_like "the seconds go on" 'Redis not answering for [3-9]s' \
    "$(screen | head -n 1)"
t0=$(now_ms)
tm send-keys -t tq q
wait_until 5 shows 'TQTOP-EXITED'
t1=$(now_ms)
tap_ok "frozen Redis: q quits at once ($((t1 - t0)) ms), status 0" sh -c \
    "[ $((t1 - t0)) -lt 1500 ] &&
    tmux -L $TMUX_SOCK capture-pane -p -t tq | grep -q 'TQTOP-EXITED 0'"

# 2. And back: a tqtop started while it was frozen recovers.
start_tqtop
sleep 1
tm send-keys -t tq '?'
wait_until 3 shows '^KEYS'
tap_like "started against a frozen Redis: keys work" '^KEYS' \
    "$(screen | sed -n 3p)"
kill -CONT "$REDIS_PID"
tm send-keys -t tq Escape
wait_until 10 shows '^mail +1 '
tap_ok "Redis continued: figures back, the alarm gone" sh -c \
    "tmux -L $TMUX_SOCK capture-pane -p -t tq | grep -Eq '^mail +1 ' &&
    ! tmux -L $TMUX_SOCK capture-pane -p -t tq | grep -q 'not answering'"

# 3. A bulk requeue of 200,000, stopped with Esc.
rcli EVAL "for i = 1, 200000 do
	local id = 'bulk' .. i
	redis.call('ZADD', KEYS[1], 1700000000000 + i, id)
	redis.call('HSET', KEYS[2], id, '{\"id\":\"' .. id ..
	    '\",\"type\":\"t\",\"created_at\":1,\"payload\":{}}')
end
redis.call('SADD', KEYS[3], 'bulk')
return 1" 3 'tq:{bulk}:dead' 'tq:{bulk}:t' 'tq:queues' >/dev/null ||
    bail "could not write the dead letters"
# Home once bulk is listed: it comes before mail, which is selected.
wait_until 5 shows '^bulk .*200,000'
tm send-keys -t tq Home
tm send-keys -t tq R
wait_until 3 shows 'Requeue all 200,000 dead tasks of bulk'
tm send-keys -t tq y
wait_until 10 shows 'requeued [1-9][0-9,]* of 200,000 dead tasks of bulk'
tap_like "R: progress in the status line" \
    'requeued [1-9][0-9,]* of 200,000 dead tasks of bulk.*Esc stops' \
    "$(screen)"
tm send-keys -t tq j k 2 1
wait_until 3 shows '^QUEUE'
tap_like "keys work during the requeue" '^QUEUE' "$(screen | sed -n 3p)"
tm send-keys -t tq Escape
wait_until 10 shows 'stopped: requeued'
tap_like "Esc stops it between two slices, with the count" \
    'stopped: requeued [1-9][0-9,]* of 200,000 tasks' "$(screen)"
n=$(screen | sed -n 's/.*stopped: requeued \([0-9,]*\) of .*/\1/p' | tr -d ,)
sleep 1
tap_is "Redis agrees: $n ready, the rest still dead" \
    "$n $((200000 - n))" "$(stat_of bulk ready) $(stat_of bulk dead)"
tap_ok "it stopped midway ($n of 200,000)" \
    test "$n" -gt 0 -a "$n" -lt 200000
tm send-keys -t tq q
wait_until 5 shows 'TQTOP-EXITED'
tap_like "q exits with status 0" 'TQTOP-EXITED 0' "$(screen)"

finish
