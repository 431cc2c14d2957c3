#!/bin/sh
# filter.sh -- tqtop's dead-letter filter, in tmux, and tq dead ls --match.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# The dead set of "mail" has 3000 letters written straight into Redis
# (more than one slice of the search, so the scan takes several calls)
# and three real ones from tqtest, of which two failed with "no credit".
# Checks that / in the dead view finds them by error text, by type and
# by id, that Enter shows a match's payload, that R acts on the matches
# alone (after a confirmation), that the search starts over afterwards,
# that Esc drops the filter before leaving the view, and that the queues
# view keeps a filter of its own.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

tui_init filter

redis_start

plan 19

# 3000 old letters, "smtp refused", type email, ids bulk1..bulk3000.
rcli EVAL "for i = 1, 3000 do
	local id = 'bulk' .. i
	redis.call('ZADD', KEYS[1], 1700000000000 + i, id)
	redis.call('HSET', KEYS[2], id, '{\"id\":\"' .. id ..
	    '\",\"type\":\"email\",\"created_at\":1,\"payload\":{\"n\":' ..
	    i .. '}}')
	redis.call('HSET', KEYS[3], id,
	    '{\"retry_count\":1,\"error\":\"smtp refused\"}')
end
redis.call('SADD', KEYS[4], 'mail')
return 1" 4 'tq:{mail}:dead' 'tq:{mail}:t' 'tq:{mail}:m' 'tq:queues' \
    >/dev/null || bail "could not write the dead letters"
for e in "no credit" "no credit" "mailbox full"; do
	"$TQ" enqueue -q mail sms '{"to":"+100"}' >/dev/null ||
	    bail "tq enqueue failed"
	"$TQTEST" fail mail --permanent --error "$e" >/dev/null ||
	    bail "tqtest fail failed"
done
tap_is "setup: 3003 dead in mail" 3003 "$(stat_of mail dead)"

# tq dead ls --match, over every slice.
run "$TQ" dead ls --json --match credit mail
tap_is "tq dead ls --match: the two by error" 2 \
    "$(printf '%s' "$out" | jsonq "len(d['dead'])")"
run "$TQ" dead ls --match bulk17 --limit 200 mail
tap_is "tq dead ls --match: by id (bulk17, bulk170-179, bulk1700-1799)" \
    111 "$(printf '%s\n' "$out" | grep -c '^bulk17')"
run "$TQ" dead ls --match email --limit 5 --offset 2998 mail
tap_is "tq dead ls --match --offset: the oldest two by type" \
    "bulk2 bulk1" "$(printf '%s\n' "$out" |
    awk 'NR > 1 { printf "%s%s", s, $1; s = " " }')"
run "$TQ" dead ls --match "" mail
tap_is "tq dead ls --match '': a usage error" 2 "$status"

tm new-session -d -s tq -x 120 -y 30 \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    LD_LIBRARY_PATH='$LD_LIBRARY_PATH' TQ_REDIS_URL='$TQ_REDIS_URL' \
    TQ_CONFIG='$TQ_CONFIG' '$TQTOP' -d 0.3; echo TQTOP-EXITED \$?; \
    sleep 60"
wait_until 5 shows '^mail '
tm send-keys -t tq 3
wait_until 3 shows 'dead letters of mail: 3,003'
tap_like "dead view: all 3,003" 'dead letters of mail: 3,003' "$(screen)"

# By error text: the two, found past 3000 others.
tm send-keys -t tq / c r e d i t Enter
wait_until 5 shows 'matching "credit": 2 of 3,003 dead'
tap_like "/credit: 2 of 3,003" 'matching "credit": 2 of 3,003 dead' \
    "$(screen)"
tap_is "/credit: both rows say no credit, nothing else listed" 2 \
    "$(screen | grep -c 'sms .*no credit')"
tap_ok "/credit: no smtp row" sh -c \
    "! tmux -L $TMUX_SOCK capture-pane -p -t tq | grep -q 'smtp refused'"

# Enter: the payload of a match (which the search does not keep).
tm send-keys -t tq Enter
wait_until 3 shows 'DEAD TASK'
tap_like "Enter on a match shows its payload" '"to": "\+100"' "$(screen)"
tm send-keys -t tq Escape
wait_until 3 shows 'matching "credit"'

# R: the matches only, after a dialog.
tm send-keys -t tq R
wait_until 3 shows 'Requeue the 2 dead tasks of mail matching "credit"'
tap_like "R with a filter asks about the matches" \
    'Requeue the 2 dead tasks of mail matching "credit"' "$(screen)"
tm send-keys -t tq y
wait_until 3 shows 'requeued 2 tasks'
tap_is "R: two back in ready" 2 "$(stat_of mail ready)"
tap_is "R: the others still dead" 3001 "$(stat_of mail dead)"
wait_until 5 shows 'matching "credit": 0 of 3,001 dead'
tap_like "the search starts over: nothing matches now" \
    'no dead letter matches the filter' "$(screen)"

# By type (a new filter replaces the old), then by id.
tm send-keys -t tq / s m s Enter
wait_until 5 shows 'matching "sms": 1 of 3,001'
tap_like "/sms: the one left, by type" 'mailbox full' "$(screen)"
tm send-keys -t tq / b u l k 2 9 9 9 Enter
wait_until 5 shows 'matching "bulk2999": 1 of'
tap_like "/bulk2999: by id" 'bulk2999 ' "$(screen)"

# Esc: first the filter, then the view.
tm send-keys -t tq Escape
wait_until 3 shows 'dead letters of mail: 3,001'
tap_like "Esc drops the filter" 'dead letters of mail: 3,001$' \
    "$(screen | grep 'dead letters of')"
tm send-keys -t tq Escape
wait_until 3 shows '^QUEUE'
tap_ok "the queues view has no filter of the dead view's" sh -c \
    "! tmux -L $TMUX_SOCK capture-pane -p -t tq | grep -q 'filter:'"

tm send-keys -t tq q
wait_until 3 shows 'TQTOP-EXITED 0'
tap_like "q exits with status 0" 'TQTOP-EXITED 0' "$(screen)"
finish
