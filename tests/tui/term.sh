#!/bin/sh
# term.sh -- tqtop and the terminal: key bars at 80x24, TERM, NO_COLOR,
# colours, the terminal given back after signals, the leader's header.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# At 80x24 every view's key bar must offer ? and q and the view's actions
# (the dead-letter view's included, which have more labels than fit).
# TERM=screen, tmux-256color and linux render (linux with the ASCII
# sparkline); NO_COLOR leaves no colour in tmux's record of the screen
# (capture-pane -e); with colour, each of ready, scheduled, active, retry
# and dead has its own.  SIGTERM and SIGQUIT end tqtop cleanly and SIGABRT
# kills it, and each time `stty -a` afterwards shows echo and icanon
# again.  Last, the header's leader: a real tqd, "seen Ns ago"; the same
# tqd frozen (its lease runs out: "last seen"); and a lease whose last
# renewal is older than itself, marked STALE.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

tui_init term
TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
[ -x "$TQD" ] || bail "$TQD not built (run make)"

redis_start

bar() {
	screen | tail -n 1
}

# start_tqtop COLSxLINES ENV...: tqtop (with $targs) in a fresh session
# "tq"; it writes its pid to $TQ_TESTDIR/tqtop.pid, and after it exits
# the shell prints its status and `stty -a`.
targs=
start_tqtop() {
	_w=${1%x*}
	_h=${1#*x}
	shift
	tm kill-session -t tq 2>/dev/null
	rm -f "$TQ_TESTDIR/tqtop.pid"
	tm new-session -d -s tq -x "$_w" -y "$_h" \
	    "ulimit -c 0; env LANG=C.UTF-8 LC_ALL=C.UTF-8 $* \
	    LD_LIBRARY_PATH='$LD_LIBRARY_PATH' TQ_REDIS_URL='$TQ_REDIS_URL' \
	    TQ_CONFIG='$TQ_CONFIG' \
	    sh -c 'echo \$\$ >\"$TQ_TESTDIR/tqtop.pid\"; exec \"$TQTOP\" -d 0.3 $targs'; echo TQTOP-EXITED \$?; stty -a; \
	    sleep 60"
	wait_until 5 test -s "$TQ_TESTDIR/tqtop.pid"
}

# The colour escapes tmux records (it writes 39/49, default colours, even
# for a plain screen, so those do not count).
colours() {
	tm capture-pane -e -p -t tq | grep -Ec \
	    "$(printf '\033')\[([0-9]*;)*(3[0-7]|4[0-7]|9[0-7]|38|48)(;|m)"
}

# stty -a after tqtop: echo and icanon on (not -echo, -icanon).
sane() {
	screen | grep -Eq '(^| )icanon( |$)' &&
	    screen | grep -Eq '(^| )echo( |$)'
}

plan 28

# Queue aa (selected, first) and zz with a task in every state.
"$TQ" enqueue -q aa t '{}' >/dev/null || bail "tq enqueue failed"
for i in 1 2 3; do
	"$TQ" enqueue -q zz t '{}' >/dev/null || bail "tq enqueue failed"
done
"$TQ" enqueue -q zz --delay 1h t '{}' >/dev/null || bail "tq enqueue failed"
"$TQTEST" fail zz --permanent --error dead >/dev/null || bail "tqtest failed"
"$TQTEST" fail zz --error retry >/dev/null || bail "tqtest failed"
# Active: a lease that lasts (no worker holds it; no tqd reclaims it yet).
rcli ZADD 'tq:{zz}:active' 99999999999999 held >/dev/null
tap_like "setup: zz has a task in every state" \
    '^zz +1 +1 +1 +1 +1 ' "$("$TQ" stats zz | sed -n 2p)"

# 1. 80x24: each view's key bar.
start_tqtop 80x24 TERM=tmux-256color
wait_until 5 shows '^zz '
tap_like "80x24 header: the address and the leader fit" \
    "^(tqtop  )?$REDIS_SOCK .*leader none" "$(screen | head -n 1)"
tap_like "80x24 queues: the actions, ? and q" \
    'R req-all D purge-all p pause \? (help|more) q quit$' "$(bar)"
tm send-keys -t tq 2
wait_until 3 shows '^WORKER'
tap_like "80x24 workers: ? and q" '\? (help|more) q quit$' "$(bar)"
tm send-keys -t tq End 3
wait_until 3 shows 'dead letters of zz'
tap_like "80x24 dead letters: r R d D p, ? and q" \
    'r requeue R req-all d purge D purge-all p pause \? (help|more) q quit$' \
    "$(bar)"
tap_like "80x24 dead letters: what did not fit is under ? more" \
    '\? more q quit$' "$(bar)"
wait_until 3 shows ' dead$'
tm send-keys -t tq Enter
wait_until 3 shows 'DEAD TASK'
tap_like "80x24 detail: Esc, ? and q" 'Esc back .*\? (help|more) q quit$' \
    "$(bar)"
tm send-keys -t tq '?'
wait_until 3 shows '^KEYS'
tap_like "80x24 help: Esc, ? and q" 'Esc back .*\? (help|more) q quit$' \
    "$(bar)"
tap_is "80x24: no bar is wider than the screen" "" \
    "$(bar | awk 'length($0) > 80')"
tm send-keys -t tq q
wait_until 3 shows 'TQTOP-EXITED 0'

# The same dead view, read-only: ? and q still, no action offered.
targs=--read-only
start_tqtop 80x24 TERM=tmux-256color
targs=
wait_until 5 shows '^zz '
tm send-keys -t tq End 3
wait_until 3 shows 'dead letters of zz'
tap_ok "80x24 read-only dead letters: ? and q, no action" sh -c \
    "printf '%s\n' \"\$1\" | grep -q '? help q quit\$' &&
    ! printf '%s\n' \"\$1\" | grep -Eq 'requeue|purge|pause'" sh "$(bar)"

# 2. TERM: screen, tmux-256color, linux render; keys work.
for term in screen tmux-256color linux; do
	start_tqtop 100x30 TERM=$term
	wait_until 5 shows '^zz '
	tm send-keys -t tq End 3
	wait_until 3 shows 'dead letters of zz: 1'
	tap_like "TERM=$term: renders, and End 3 opens zz's dead letters" \
	    'dead letters of zz: 1' "$(screen)"
	tm send-keys -t tq q
	wait_until 3 shows 'TQTOP-EXITED 0'
done
start_tqtop 100x30 TERM=linux
wait_until 5 shows '^zz .*__'
tap_ok "TERM=linux: ASCII blocks, no UTF-8 ones" sh -c \
    "tmux -L $TMUX_SOCK capture-pane -p -t tq | grep -q '^zz .*__' &&
    ! tmux -L $TMUX_SOCK capture-pane -p -t tq | grep -q '▁'"

# 3. NO_COLOR: not one colour; without it, one per state.
start_tqtop 100x30 TERM=xterm-256color NO_COLOR=1
wait_until 5 shows '^zz '
sleep 0.5
tap_is "NO_COLOR=1: no colour escapes" 0 "$(colours)"
start_tqtop 100x30 TERM=tmux-256color
wait_until 5 shows '^zz '
# With -e, a row starts with the escapes that reset its colours.
wait_until 5 sh -c "tmux -L $TMUX_SOCK capture-pane -e -p -t tq |
    grep 'mzz ' | grep -q '31m'"
zz=$(tm capture-pane -e -p -t tq | grep 'mzz ')
[ -n "$zz" ] || diag "$(tm capture-pane -e -p -t tq | cat -v)"
for st in ready:32 scheduled:34 active:36 retry:33 dead:31; do
	tap_like "colour: ${st%:*} has its own (SGR ${st#*:})" \
	    "$(printf '\033')\[([0-9]*;)*${st#*:}m +1" "$zz"
done
tap_ok "colour: the five are distinct, in column order" sh -c \
    "printf '%s\n' \"\$1\" | grep -Eq \
    '32m +1.*34m +1.*36m +1.*33m +1.*31m +1'" sh "$zz"

# 4. Signals: TERM and QUIT quit; ABRT kills; the terminal is sane.
for sig in TERM QUIT; do
	start_tqtop 100x30 TERM=tmux-256color
	wait_until 5 shows '^zz '
	kill -$sig "$(cat "$TQ_TESTDIR/tqtop.pid")"
	wait_until 5 shows 'TQTOP-EXITED'
	if shows 'TQTOP-EXITED 0' && sane; then
		tap_pass "SIG$sig: tqtop exits 0 and stty shows echo icanon"
	else
		tap_fail "SIG$sig: tqtop exits 0 and stty shows echo icanon" \
		    "$(screen)"
	fi
done
start_tqtop 100x30 TERM=tmux-256color
wait_until 5 shows '^zz '
kill -ABRT "$(cat "$TQ_TESTDIR/tqtop.pid")"
wait_until 5 shows 'TQTOP-EXITED'
tap_like "SIGABRT: tqtop dies of it (128 + 6)" 'TQTOP-EXITED 134' "$(screen)"
tap_ok "SIGABRT: the terminal given back anyway" sane

# 5. The leader: a real tqd renews every third of leader_ttl (1 s here).
printf '[tqd]\nleader_ttl = 3s\n' >"$TQ_TESTDIR/tqd.conf"
"$TQD" -c "$TQ_TESTDIR/tqd.conf" >"$TQ_TESTDIR/tqd.log" 2>&1 &
tqd_pid=$!
kill_at_exit $tqd_pid
start_tqtop 160x30 TERM=tmux-256color
wait_until 8 shows 'leader tqd-[^ ]* \(epoch 1\), seen [0-2]s ago' ||
    diag "tqd: $(tail -n 5 "$TQ_TESTDIR/tqd.log")"
tap_like "header: tqd leads, seen moments ago" \
    'leader tqd-[^ ]* \(epoch 1\), seen [0-2]s ago' "$(screen | head -n 1)"
kill -STOP $tqd_pid
wait_until 8 shows 'leader none \(tqd-[^ ]* last seen [3-9]s ago\)'
tap_like "tqd frozen: its lease ran out, when it was last seen" \
    'leader none \(tqd-[^ ]* last seen [3-9]s ago\)' "$(screen | head -n 1)"
kill -CONT $tqd_pid
kill $tqd_pid
wait $tqd_pid 2>/dev/null
# A lease renewed 30 s ago for 10 s, still held: a frozen clock or a
# leader the renewal record no longer matches.
now=$(rcli TIME | head -n 1)
rcli SET 'tq:{leader}' tqd-old PX 60000 >/dev/null
rcli HSET 'tq:{leader}:seen' id tqd-old at "$(((now - 30) * 1000))" \
    lease 10000 >/dev/null
wait_until 5 shows 'leader tqd-old .*seen 3[0-9]s ago STALE'
tap_like "a renewal older than the lease: STALE" \
    'leader tqd-old \(epoch [0-9]+\), seen 3[0-9]s ago STALE' \
    "$(screen | head -n 1)"
tm send-keys -t tq q
wait_until 3 shows 'TQTOP-EXITED 0'

finish
