#!/bin/sh
# keys.sh -- tqtop's keys, one by one, in tmux against a private Redis.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# What tqtop.sh leaves out: Tab cycling the views, s and its order, + and
# - in the header, ? listing the keys, Esc clearing the filter of the
# queues and workers views, p pausing and resuming (checked in Redis),
# Space marks and r on the marked, d with its dialog (Cancel, then OK
# chosen with Tab), a task purged by another client between d and the
# confirmation ("already gone"), and PgDn, PgUp, End and Home in a dead
# list of 3,000.  TERM is tmux-256color, what tmux sends its keys as, so
# that PgUp and Home arrive as keys and not as an Esc and three letters.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

tui_init keys

redis_start

enqueue() {
	"$TQ" enqueue -q "$1" t '{}' >/dev/null || bail "tq enqueue failed"
}

plan 32

# Queues: a (1 ready), b (3 ready), c (2 ready), mail (3 dead).
enqueue a
for i in 1 2 3; do enqueue b; done
for i in 1 2; do enqueue c; done
for e in one two three; do
	enqueue mail
	"$TQTEST" fail mail --permanent --error "$e" >/dev/null ||
	    bail "tqtest fail failed"
done
# 3,000 dead letters in "long", scored 1..3000: bulk3000 is the newest.
rcli EVAL "for i = 1, 3000 do
	local id = 'bulk' .. i
	redis.call('ZADD', KEYS[1], 1700000000000 + i, id)
	redis.call('HSET', KEYS[2], id, '{\"id\":\"' .. id ..
	    '\",\"type\":\"t\",\"created_at\":1,\"payload\":{}}')
end
redis.call('SADD', KEYS[3], 'long')
return 1" 3 'tq:{long}:dead' 'tq:{long}:t' 'tq:queues' >/dev/null ||
    bail "could not write the dead letters"
tap_is "setup: 3 dead in mail, 3,000 in long" "3 3000" \
    "$(stat_of mail dead) $(stat_of long dead)"

tm new-session -d -s tq -x 100 -y 30 \
    "env TERM=tmux-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    LD_LIBRARY_PATH='$LD_LIBRARY_PATH' TQ_REDIS_URL='$TQ_REDIS_URL' \
    TQ_CONFIG='$TQ_CONFIG' '$TQTOP' -d 0.3; echo TQTOP-EXITED \$?; \
    sleep 60"
wait_until 5 shows '^mail '

# Tab: queues, workers, dead letters, queues.
tm send-keys -t tq Tab
wait_until 3 shows '^WORKER +HOST'
tap_like "Tab: the workers view" '^WORKER +HOST' "$(screen | sed -n 3p)"
tm send-keys -t tq Tab
wait_until 3 shows 'dead letters of'
tap_like "Tab again: the dead letters" 'dead letters of a: 0' "$(screen)"
tm send-keys -t tq Tab
wait_until 3 shows '^QUEUE +READY'
tap_like "Tab again: back to the queues" '^QUEUE +READY' \
    "$(screen | sed -n 3p)"

# s: by name, then ready (most first), then scheduled (ties by name).
tap_is "by name at first" "a b c long mail" \
    "$(screen | sed -n '4,8p' | awk '{ printf "%s%s", s, $1; s = " " }')"
tm send-keys -t tq s
wait_until 3 shows 'sorted by ready'
tap_is "s: by ready, most first" "b c a long mail" \
    "$(screen | sed -n '4,8p' | awk '{ printf "%s%s", s, $1; s = " " }')"
tm send-keys -t tq s s s s
wait_until 3 shows 'sorted by dead'
tap_is "s four more times: by dead" "long mail a b c" \
    "$(screen | sed -n '4,8p' | awk '{ printf "%s%s", s, $1; s = " " }')"
tm send-keys -t tq s s s s
wait_until 3 shows 'sorted by name'
tap_like "s cycles back to the name" 'sorted by name' "$(screen)"

# + and -: the interval in the header and the status line.
tm send-keys -t tq +
wait_until 3 shows 'refresh 0\.4s'
tap_like "+: 0.3 s becomes 0.4 s" 'refresh every 0\.4s' "$(screen)"
tm send-keys -t tq - -
wait_until 3 shows 'refresh 0\.2s'
tap_like "- twice: 0.2 s, in the header" 'refresh 0\.2s' "$(screen | sed -n 2p)"

# ?: every key, from the same table as the bar.
tm send-keys -t tq '?'
wait_until 3 shows '^KEYS'
tap_ok "?: the help lists the keys" sh -c "
    s=\$(tmux -L $TMUX_SOCK capture-pane -p -t tq)
    for k in 'Up Down k j' 'PgUp PgDn' 'Home End' 'Tab 1 2 3' Enter Esc \
	'  / ' '  s ' Space '  r ' '  R ' '  d ' '  D ' '  p ' '  + - '; do
	printf '%s\n' \"\$s\" | grep -qF -- \"\$k\" ||
	    { echo \"no \$k\"; exit 1; }
    done"
tm send-keys -t tq Escape
wait_until 3 shows '^QUEUE +READY'

# Esc clears the filter of the queues view, and of the workers view.
tm send-keys -t tq / m a i Enter
wait_until 3 shows 'filter: mai'
tap_is "/mai: mail alone" "mail" \
    "$(screen | sed -n '4,8p' | awk 'NF { printf "%s%s", s, $1; s = " " }')"
tm send-keys -t tq Escape
wait_until 3 shows '^a '
tap_is "Esc in the queues view: every queue again" "a b c long mail" \
    "$(screen | sed -n '4,8p' | awk '{ printf "%s%s", s, $1; s = " " }')"
tm send-keys -t tq 2 / z Enter
wait_until 3 shows 'filter: z'
tm send-keys -t tq Escape
wait_until 3 sh -c \
    "! tmux -L $TMUX_SOCK capture-pane -p -t tq | grep -q filter:"
tap_ok "Esc in the workers view: the filter is gone" sh -c \
    "! tmux -L $TMUX_SOCK capture-pane -p -t tq | grep -q 'filter:'"
tm send-keys -t tq 1

# p: pause c, then resume it, each confirmed; Redis says so.
tm send-keys -t tq Home j j
wait_until 3 sh -c "tmux -L $TMUX_SOCK capture-pane -p -e -t tq |
    grep -q '46mc '"
tm send-keys -t tq p
wait_until 3 shows 'Pause queue c \(2 ready tasks\)'
tap_like "p asks, with the ready count" 'Pause queue c \(2 ready tasks\)' \
    "$(screen)"
tm send-keys -t tq y
wait_until 3 shows 'paused c'
tap_is "p confirmed: c is paused in Redis" 1 "$(rcli EXISTS 'tq:{c}:paused')"
wait_until 3 shows 'paused c  refresh'
tap_like "the header lists c as paused" 'paused c  refresh' \
    "$(screen | sed -n 2p)"
tm send-keys -t tq p
wait_until 3 shows 'Resume queue c'
tm send-keys -t tq y
wait_until 3 shows 'resumed c'
tap_is "p again: resumed in Redis" 0 "$(rcli EXISTS 'tq:{c}:paused')"

# Space marks two of mail's dead tasks; r requeues just those.
tm send-keys -t tq End 3
wait_until 3 shows 'dead letters of mail: 3'
wait_until 3 shows 'three'
tm send-keys -t tq Space Space
wait_until 3 shows 'marked 2'
tap_is "Space twice: two rows marked" 2 "$(screen | grep -c '^\* ')"
tm send-keys -t tq r
wait_until 3 shows 'requeued 2 tasks'
tap_like "r on the marked: both" 'requeued 2 tasks' "$(screen)"
tap_is "in Redis: 2 ready, 1 dead" "2 1" \
    "$(stat_of mail ready) $(stat_of mail dead)"
wait_until 3 shows 'dead letters of mail: 1$'
tap_like "the one left is the oldest" '^  [0-9a-f-]+ +t +1 .* one' \
    "$(line_of ' one$')"

# d: Cancel is the default; then Tab to OK, Enter.
tm send-keys -t tq d
wait_until 3 shows 'Purge 1 dead task of mail for good'
tap_like "d asks, stating the count" 'Purge 1 dead task of mail' "$(screen)"
tm send-keys -t tq Enter
wait_until 3 shows 'cancelled'
tap_is "d, Enter on Cancel: still 1 dead" 1 "$(stat_of mail dead)"
tm send-keys -t tq d
wait_until 3 shows 'Purge 1 dead'
tm send-keys -t tq Tab Enter
wait_until 3 shows 'purged 1 task'
tap_is "d, Tab, Enter (OK): purged" 0 "$(stat_of mail dead)"

# Already gone: purged by someone else while the dialog is open.
enqueue mail
"$TQTEST" fail mail --permanent --error "raced" >/dev/null
wait_until 3 shows 'raced'
id=$("$TQ" dead ls --json mail | jsonq "d['dead'][0]['id']")
tm send-keys -t tq d
wait_until 3 shows 'Purge 1 dead task'
"$TQ" dead purge mail "$id" >/dev/null
tm send-keys -t tq y
wait_until 3 shows 'already gone'
tap_like "someone else's purge: reported, not an error" \
    'purged 0 tasks; 1 was already gone' "$(screen)"

# PgDn, PgUp, End, Home in long's 3,000 (24 rows a page at 30 lines).
tm send-keys -t tq 1 Home j j j 3
wait_until 3 shows 'dead letters of long: 3,000'
wait_until 3 shows '^  bulk3000 '
tap_like "the newest first" '^  bulk3000 ' "$(screen | sed -n 4p)"
tm send-keys -t tq NPage
wait_until 3 shows '^  bulk2976 '
tap_like "PgDn: the next page, fetched" '^  bulk2976 ' "$(screen | sed -n 4p)"
tm send-keys -t tq NPage NPage PPage
wait_until 3 shows '^  bulk2952 '
tap_like "PgDn twice, PgUp: the second page" '^  bulk2952 ' \
    "$(screen | sed -n 4p)"
tm send-keys -t tq End
wait_until 3 shows '^  bulk1 '
tap_like "End: the oldest, last" '^  bulk1 ' "$(screen | sed -n 27p)"
tm send-keys -t tq Home
wait_until 3 shows '^  bulk3000 '
tap_like "Home: the newest again" '^  bulk3000 ' "$(screen | sed -n 4p)"

tm send-keys -t tq q
wait_until 3 shows 'TQTOP-EXITED 0'
tap_like "q exits with status 0" 'TQTOP-EXITED 0' "$(screen)"

finish
