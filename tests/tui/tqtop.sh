#!/bin/sh
# tqtop.sh -- tqtop in tmux against a private Redis.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# tqtop runs in a tmux server of its own (-L tqtest-PID, killed at exit);
# send-keys types and capture-pane reads the screen.  Dead tasks come
# from tests/integration/tqtest, the figures are checked with tq stats
# --json.  Covers the queues view, requeue and purge with their dialogs
# (Cancel is the default), --read-only, resize and "too small", TERM=vt100
# (no colour, ASCII sparkline), batch mode (and its end when the reader
# of its output goes, or a write fails), a Redis restart mid-run
# (disconnected, keys still work, reconnects) and quitting.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

tui_init tqtop

redis_start

# Start tqtop in a fresh session "tq"; the shell stays after it exits.
start_tqtop() {
	_term=$1
	shift
	tm kill-session -t tq 2>/dev/null
	tm new-session -d -s tq -x 100 -y 30 \
	    "env TERM=$_term LANG=C.UTF-8 LC_ALL=C.UTF-8 \
	    LD_LIBRARY_PATH='$LD_LIBRARY_PATH' TQ_REDIS_URL='$TQ_REDIS_URL' \
	    TQ_CONFIG='$TQ_CONFIG' '$TQTOP' -d 0.3 $*; \
	    echo TQTOP-EXITED \$?; sleep 60"
}

plan 24

for i in 1 2 3; do
	"$TQ" enqueue -q mail send "{\"n\":$i}" >/dev/null ||
	    bail "tq enqueue failed"
done
"$TQ" enqueue -q img resize '{}' >/dev/null || bail "tq enqueue failed"
"$TQTEST" fail mail --permanent --error "smtp down" >/dev/null ||
    bail "tqtest fail failed"
"$TQTEST" fail mail --permanent --error "bad address" >/dev/null ||
    bail "tqtest fail failed"
tap_is "setup: 2 dead in mail" 2 "$(stat_of mail dead)"

# 1. The queues view.
start_tqtop xterm-256color
wait_until 5 shows '^mail +1 +0 +0 +0 +2 '
tap_like "queues view shows mail: 1 ready, 2 dead" '^mail +1 +0 +0 +0 +2 ' \
    "$(screen)"
tap_like "queues view shows img" '^img +1 +0 +0 +0 +0 ' "$(screen)"
wait_until 3 shows '▁'
tap_like "UTF-8 sparkline" '▁' "$(screen)"

# 2. Dead view of mail (second by name), requeue the selected task.
tm send-keys -t tq j 3
wait_until 3 shows 'dead letters of mail: 2'
tap_like "dead view lists mail's dead tasks" 'bad address|smtp down' \
    "$(screen)"
tm send-keys -t tq r
wait_until 3 shows 'requeued 1 task'
tap_like "r reports the requeue" 'requeued 1 task' "$(screen)"
tap_is "r: the task is back in ready" 2 "$(stat_of mail ready)"

# 3. D, Cancel (the default): nothing changes.
tm send-keys -t tq D
wait_until 3 shows 'Purge all 1 dead task of mail'
tap_like "D asks, stating the count" 'Purge all 1 dead task of mail' \
    "$(screen)"
tm send-keys -t tq Enter
wait_until 3 shows 'cancelled'
tap_is "D then Enter (Cancel) purges nothing" 1 "$(stat_of mail dead)"

# 4. D, confirmed.
tm send-keys -t tq D
wait_until 3 shows 'Purge all'
tm send-keys -t tq y
wait_until 3 shows 'purged 1 task'
tap_is "D confirmed: dead is 0" 0 "$(stat_of mail dead)"

# 5. Resize: 60x20 renders, 30x8 is too small, and back.
tm send-keys -t tq 1
wait_until 3 shows '^QUEUE'
tm resize-window -t tq -x 60 -y 20
rows() {
	[ "$(screen | wc -l)" -eq "$1" ]
}
wait_until 3 rows 20
tap_like "60x20: header, column row, queue rows and key bar in place" \
    'leader .*[|]workers .*[|]QUEUE .*[|]img .*[|]mail .*[|].*[|].*p pause \? more q quit$' \
    "$(screen | sed -n '1p;2p;3p;4p;5p;19p;20p' | tr '\n' '|' | sed 's/|$//')"
tm resize-window -t tq -x 30 -y 8
wait_until 3 shows 'too small'
tap_like "30x8 says too small" 'terminal too small' "$(screen)"
tm resize-window -t tq -x 100 -y 30
wait_until 3 shows '^mail '
tap_like "back at 100x30 without garbage" '^QUEUE +READY' \
    "$(screen | sed -n 3p)"

# 6. --read-only refuses r and hides it.
"$TQTEST" fail img --permanent --error "ro" >/dev/null
start_tqtop xterm-256color --read-only
wait_until 5 shows '^img '
tm send-keys -t tq 3
wait_until 3 shows 'dead letters of img: 1'
tm send-keys -t tq r
wait_until 3 shows 'read-only'
tap_like "--read-only: r is refused" 'read-only: r .* is disabled' \
    "$(screen)"
tap_ok "--read-only: the key bar offers no requeue" sh -c \
    "tmux -L $TMUX_SOCK capture-pane -p -t tq | tail -n 1 |
    grep -q 'Esc back' && ! tmux -L $TMUX_SOCK capture-pane -p -t tq |
    tail -n 1 | grep -q 'requeue'"
tap_is "--read-only: still 1 dead" 1 "$(stat_of img dead)"
tm send-keys -t tq q

# 7. TERM=vt100: no colour escapes, ASCII sparkline.
start_tqtop vt100
wait_until 5 shows '^img '
sleep 1
# tmux writes 39/49 (default colours) even for a plain screen.
esc=$(tm capture-pane -e -p -t tq |
    grep -Ec "$(printf '\033')\[([0-9]*;)*(3[0-7]|4[0-7]|9[0-7]|38|48)(;|m)")
tap_ok "vt100: no colour, ASCII sparkline" sh -c \
    "[ $esc -eq 0 ] && tmux -L $TMUX_SOCK capture-pane -p -t tq |
    grep -q '^img .*__' && ! tmux -L $TMUX_SOCK capture-pane -p -t tq |
    grep -q '▁'"
tm send-keys -t tq q

# 8. Batch mode.
run "$TQTOP" -b -n 2 -d 0.2
tap_ok "batch: 2 blocks, header rows, one parseable row per queue" \
    sh -c "printf '%s\n' \"\$1\" | awk '
	/^tqtop 2[0-9][0-9][0-9]-/ { blocks++ }
	/^QUEUE READY SCHEDULED ACTIVE RETRY DEAD/ { heads++; next }
	/^img / { if (NF != 10 || \$6 != 1) bad = 1; rows++ }
	END { exit !(blocks == 2 && heads == 2 && rows == 2 && !bad) }'" \
    sh "$out"

# head -n 5 reads the first block and exits; tqtop -b, which would
# print forever, must end then (EPIPE, status 0 as top), not at its next
# write -d seconds later: 30 s here, far beyond the wait.
(
	sh -c 'echo $$ >"$1"; exec "$2" -b -d 30' sh "$TQ_TESTDIR/batch.pid" \
	    "$TQTOP"
	echo "$?" >"$TQ_TESTDIR/batch.status"
) | head -n 5 >/dev/null &
wait_until 5 test -s "$TQ_TESTDIR/batch.pid"
kill_at_exit "$(cat "$TQ_TESTDIR/batch.pid")"
wait_until 10 test -s "$TQ_TESTDIR/batch.status"
tap_is "batch: exits 0 as soon as its reader is gone" 0 \
    "$(cat "$TQ_TESTDIR/batch.status" 2>/dev/null)"
if [ -w /dev/full ]; then
	run sh -c '"$1" -b -n 1 >/dev/full' sh "$TQTOP"
	tap_ok "batch: another write error is reported, status 1" sh -c \
	    "[ $status -eq 1 ] && printf '%s' \"\$1\" |
	    grep -q 'standard output: No space left'" sh "$err"
else
	tap_pass "batch: another write error is reported (no /dev/full)"
fi

# 9. A fresh tqtop for the Redis restart.
start_tqtop xterm-256color
wait_until 5 shows '^mail '

# 10. Redis stopped mid-run, then back on the same socket.
redis_stop
wait_until 5 shows 'disconnected'
tap_like "Redis down: disconnected shown" 'disconnected' "$(screen)"
tm send-keys -t tq 2
wait_until 3 shows 'WORKER +HOST'
tap_like "keys still work while disconnected" 'WORKER +HOST' "$(screen)"
redis_start
"$TQ" enqueue -q fresh hello '{}' >/dev/null
tm send-keys -t tq 1
wait_until 8 shows '^fresh +1 '
tap_like "reconnects when Redis returns" '^fresh +1 ' "$(screen)"

# 11. q quits and the terminal is given back.
tm send-keys -t tq q
wait_until 3 shows 'TQTOP-EXITED 0'
tap_like "q exits with status 0" 'TQTOP-EXITED 0' "$(screen)"

finish
