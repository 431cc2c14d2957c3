#!/bin/sh
# examples.sh -- the seed's demo programs, end to end, against a private
# Redis: examples/producer fills the queues as the blog post's producer
# does, examples/worker drains them with tqd promoting the delayed ones.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# The producer: 100 "email" tasks in one batch, every tenth at priority
# 9, and 10 "image_processing" tasks delayed 5 to 50 s (--delay-scale
# 0.02 here: 0.1 to 1 s).  The worker: the email handler fails 5% of its
# attempts, the image handler 3% (--speed 50 shortens their work).  So
# every task ends done, a few after a retry, and the urgent emails are
# handled before the others.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

T=$TQ_TESTDIR
PRODUCER=$(lib_exe "$TQ_BUILDDIR/examples/producer")
WORKER=$(lib_exe "$TQ_BUILDDIR/examples/worker")
TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
[ -x "$PRODUCER" ] && [ -x "$WORKER" ] || bail "examples not built"
[ -x "$TQD" ] || bail "$TQD not built"

# stat QUEUE FIELD: one figure of tq stats --json.
stat() {
	"$TQ" stats --json "$1" 2>/dev/null |
	    jsonq "d['queues']['$1']['$2']" 2>/dev/null
}

# drained QUEUE N: N tasks done, none left in any state.
drained() {
	[ "$(stat "$1" processed)" = "$2" ] &&
	    [ "$("$TQ" stats --json "$1" | jsonq "sum(d['queues']['$1'][k]
	    for k in ('ready', 'scheduled', 'active', 'retry', 'dead'))")" = 0 ]
}

redis_start
# Retries soon, so that the few failures do not slow the test down.
cat >"$T/tq.conf" <<EOF
[redis]
url = $TQ_REDIS_URL
[queue email]
retry_base = 100ms
retry_cap = 200ms
[queue image_processing]
retry_base = 100ms
retry_cap = 200ms
EOF
TQ_CONFIG=$T/tq.conf
export TQ_CONFIG

run "$PRODUCER" --delay-scale 0.02
tap_is "producer: exit 0" 0 "$status"
tap_like "producer: 100 emails in one batch, 10 urgent" \
    "enqueued 100 email tasks in one batch \(10 at priority 9\)" "$out"
tap_is "100 emails ready" 100 "$(stat email ready)"
tap_is "of which 10 at priority 9" 10 "$(rcli llen 'tq:{email}:ready:9')"
tap_is "10 image jobs delayed" 10 "$(stat image_processing scheduled)"

"$TQD" </dev/null >"$T/tqd.log" 2>&1 &
tqd_pid=$!
kill_at_exit $tqd_pid
"$WORKER" -C 1 --speed 50 -v >"$T/worker.log" 2>&1 &
wpid=$!
kill_at_exit $wpid
wait_until 60 drained email 100
tap_ok "every email done" drained email 100
wait_until 30 drained image_processing 10
tap_ok "every image job done, promoted by tqd" drained image_processing 10
# The worker logs each outcome in the order it ran them (one thread):
# the first ten emails it ran must be the ten of priority 9.
first=$(grep -o 'task [^ ]* type=email ' "$T/worker.log" | head -n 10 |
    while read -r _ id _; do
	    "$TQ" inspect --json "$id" | jsonq 'd["priority"]'
    done | tr '\n' ' ')
tap_is "the ten urgent emails ran first" "9 9 9 9 9 9 9 9 9 9 " "$first"
retried=$(($(stat email failed) + $(stat image_processing failed)))
diag "simulated failures, each retried: $retried"

kill -TERM $wpid
wait $wpid
tap_is "worker: exit 0 on SIGTERM" 0 "$?"
tap_like "worker: says what it did" "worker: 110 processed, $retried failed" \
    "$(tail -n 1 "$T/worker.log")"
kill -TERM $tqd_pid
wait $tqd_pid
tap_is "tqd: exit 0 on SIGTERM" 0 "$?"

finish
