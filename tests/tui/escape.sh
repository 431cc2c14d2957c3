#!/bin/sh
# escape.sh -- tqtop draws what Redis holds as text, never as controls.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Anyone who may write tq's keys can put a newline, a carriage return or
# an escape sequence in a task id, a type, an error or the leader's name.
# Such a dead letter and such a leader are written here with redis-cli,
# as a foreign program would, and tqtop shows them in tmux and in batch
# mode: every control character must appear as \xNN, no row may be split
# or overwritten, and batch output must hold no control byte.

. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"

tui_init escape

redis_start

# Fixed strings, not lib.sh's regexes: the forged text is full of them.
shows() {
	screen | grep -qF -- "$1"
}

plan 8

# The foreign writer: JSON escapes become real control characters once
# decoded; the leader's name goes in raw.
# The id is the one in the dead set (tqtop shows that, not the body's:
# tq dead requeue wants it), so it is the forged one there too.
forged=$(printf 'a\nFORGED ROW')
rcli SADD tq:queues q >/dev/null
rcli HSET 'tq:{q}:t' "$forged" '{"id":"a\nFORGED ROW","queue":"q","type":"t\rX","priority":0,"max_retries":3,"timeout":30,"created_at":1000,"payload":{"k":"v\u001b[2J"}}' \
    >/dev/null
rcli HSET 'tq:{q}:m' "$forged" '{"retry_count":4,"error":"boom\u001b[31mRED\rcr","failed_at":1000}' \
    >/dev/null
rcli ZADD 'tq:{q}:dead' 1000 "$forged" >/dev/null
printf 'ld\033[2Jx\ny' | "$REDIS_CLI" -s "$REDIS_SOCK" -x SET 'tq:{leader}' \
    >/dev/null

run "$TQTOP" -b -n 1
tap_like "batch: the leader's name escaped" \
    'leader=ld\\x1b\[2Jx\\x0ay$' "$(echo "$out" | head -n 1)"
tap_is "batch: no control byte in the output" 0 \
    "$(printf '%s' "$out" | tr -d '\n' | tr -d '[:print:]' | wc -c)"

tm new-session -d -s tq -x 120 -y 30 \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 \
    LD_LIBRARY_PATH='$LD_LIBRARY_PATH' TQ_REDIS_URL='$TQ_REDIS_URL' \
    TQ_CONFIG='$TQ_CONFIG' '$TQTOP' -d 0.3; sleep 60"
wait_until 5 shows 'leader ld'
tap_ok "header: the leader's name escaped" shows 'leader ld\x1b[2Jx\x0ay'
tm send-keys -t tq 3
wait_until 5 shows 'dead letters of q'
# The title comes before the refresh that fetches the rows.
tap_ok "dead view: the id escaped, on its row" wait_until 5 \
    shows 'a\x0aFORGED ROW'
tap_ok "dead view: the error escaped" shows 'boom\x1b[31mRED\x0dcr'
tap_is "no row begins with the text after the newline" "" \
    "$(screen | grep '^FORGED')"
tm send-keys -t tq Enter
wait_until 5 shows 'DEAD TASK'
tap_ok "detail: the type escaped" shows 't\x0dX'
tap_ok "detail: the payload as JSON text, its escape kept" \
    shows '"k": "v\u001b[2J"'

finish
