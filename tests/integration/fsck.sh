#!/bin/sh
#
# fsck.sh -- TAP tests of tq fsck (libtq's tq_fsck) against a real Redis.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# A queue is broken by hand with redis-cli, one id for each kind of
# problem (and for each rule a duplicate is resolved by); tq fsck must
# find every one, tq fsck --repair fix every one as docs/PROTOCOL.md
# says, and then tq fsck find the queue clean.  Small --batch and
# --list-max values make the walks take many calls and exercise the
# "not checked" answer.  Last, queues under load (producers, workers
# that ack and fail, tqd promoting delayed tasks and retries) must be
# found clean, with and without --repair, however the tasks move while
# fsck reads: a false report there would be a false repair.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

HELPER=$(lib_exe "$TQ_BUILDDIR/tests/integration/worker-helper")
TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
[ -x "$TQ" ] || bail "$TQ not built (run make)"
[ -x "$TQD" ] || bail "$TQD not built (run make)"
[ -x "$HELPER" ] || bail "$HELPER not built (run make check)"
[ -n "$PYTHON" ] || bail "python3 not found"
T=$TQ_TESTDIR
redis_start

# A body as tq writes it: body ID QUEUE PRIORITY.
body() {
	printf '{"id":"%s","queue":"%s","type":"%s","priority":%d,' \
	    "$1" "$2" "$2" "$3"
	printf '"max_retries":3,"timeout":30,"created_at":1,"payload":{}}'
}

# One key of "tq fsck --json" for queue $1: found, repaired, entries...
fsckq() {
	printf '%s' "$out" | jsonq "d['queues']['$1']$2"
}

# How often id $2 is in list $1 (LPOS ... COUNT 0).
occurrences() {
	rcli lpos "$1" "$2" count 0 | grep -c .
}

kinds='["duplicate", "no-body", "orphan-body", "no-lease", "stray-lease",
    "orphan-meta"]'
# The found (or repaired) counts of a queue as a list in kind order.
counts() {
	printf '%s' "$out" |
	    jsonq "[d['queues']['$1']['$2'][k] for k in $kinds]"
}

# ------------------------------------------------------------ usage
tap_status "--batch 0: 2" 2 "$TQ" fsck --batch 0
tap_status "--batch x: 2" 2 "$TQ" fsck --batch x
tap_status "--list-max 0: 2" 2 "$TQ" fsck --list-max 0
tap_status "a bad queue name: 2" 2 "$TQ" fsck 'bad name'
run "$TQ" fsck nosuch
tap_is "an unknown queue is clean: 0" 0 "$status"
tap_like "and says so" "^clean: no problems in 1 queue" "$out"

# ---------------------------------------------------- a broken queue
Q=fq
for i in 1 2 3 4 5 6; do
	"$TQ" enqueue -q $Q --id t$i job "{\"n\":$i}" >/dev/null
done
"$TQ" enqueue -q $Q --id s1 --delay 1h job >/dev/null
run "$TQ" fsck $Q
tap_is "a healthy queue: 0" 0 "$status"
tap_like "a healthy queue is clean" "clean: no problems" "$out"

K="tq:{$Q}"
# duplicate: ready and dead, twice in ready, sched and retry, and a
# leased active task also dead.
rcli zadd "$K:dead" 1 t1 >/dev/null
rcli lpush "$K:ready:0" t2 >/dev/null
rcli zadd "$K:retry" 1 s1 >/dev/null
rcli hset "$K:t" a1 "$(body a1 $Q 0)" >/dev/null
rcli zadd "$K:active" 99999999999999 a1 >/dev/null
rcli hset "$K:lease" a1 tok-a1 >/dev/null
rcli zadd "$K:dead" 1 a1 >/dev/null
# no-body: in retry, in ready.
rcli zadd "$K:retry" 1 ghost1 >/dev/null
rcli lpush "$K:ready:0" ghost2 >/dev/null
# orphan-body, no-lease, stray-lease, orphan-meta.
rcli hset "$K:t" orphan1 "$(body orphan1 $Q 5)" >/dev/null
rcli hset "$K:t" nl1 "$(body nl1 $Q 2)" >/dev/null
rcli zadd "$K:active" 99999999999999 nl1 >/dev/null
rcli hset "$K:lease" t3 tok-t3 >/dev/null
rcli hset "$K:m" meta1 '{"retry_count":1}' >/dev/null
# The counters of queue $1, which no repair may change.
counters() {
	"$TQ" stats --json "$1" | jsonq "[d['queues']['$1'][k] for k in
	    ('enqueued', 'processed', 'failed', 'retried', 'dead_total')]"
}
stats_before=$(counters $Q)

run "$TQ" fsck $Q
tap_is "problems found: 1" 1 "$status"
for l in "t1: duplicate \\(body,dead,ready:0\\)" \
    "t2: duplicate \\(body,ready:0\\*2\\)" \
    "s1: duplicate \\(body,scheduled,retry\\)" \
    "a1: duplicate \\(body,active,dead,lease\\)" \
    "ghost1: no-body \\(retry\\)" "ghost2: no-body \\(ready:0\\)" \
    "orphan1: orphan-body \\(body\\)" "nl1: no-lease \\(body,active\\)" \
    "t3: stray-lease \\(body,ready:0,lease\\)" \
    "meta1: orphan-meta \\(meta\\)"; do
	tap_like "it reports ${l%%:*}" "^$Q $l\$" "$out"
done
tap_like "the table counts each kind" \
    "^$Q +15 +10 +4 +2 +1 +1 +1 +1 +0\$" "$out"
tap_like "and says what to do" "^10 problems found; tq fsck --repair" \
    "$out"
run "$TQ" fsck --json $Q
tap_is "--json: 1" 1 "$status"
tap_is "--json counts each kind" "[4, 2, 1, 1, 1, 1]" "$(counts $Q found)"
tap_is "--json: nothing repaired" "[0, 0, 0, 0, 0, 0]" \
    "$(counts $Q repaired)"
tap_is "--json: not clean" "false" \
    "$(printf '%s' "$out" | jsonq 'd["clean"]')"
tap_is "--json lists the findings" \
    '["t1", "duplicate", "body,dead,ready:0"]' \
    "$(printf '%s' "$out" | jsonq "[[f['id'], f['found'][0], f['where']]
    for f in d['queues']['$Q']['findings'] if f['id'] == 't1'][0]")"
tap_is "checking changed nothing" 1 "$(occurrences "$K:ready:0" t1)"
run "$TQ" fsck
tap_is "without a queue, every known queue is checked: 1" 1 "$status"

run "$TQ" fsck --repair $Q
tap_is "--repair fixes everything: 0" 0 "$status"
tap_like "it says what it did" "^10 problems found, 10 repaired" "$out"
tap_like "duplicate ready/dead: dead is kept" \
    "^$Q t1: .*: kept dead, removed from ready:0\$" "$out"
tap_is "t1 is dead only" "1 0" \
    "$(rcli zscore "$K:dead" t1 | grep -c .) $(occurrences "$K:ready:0" t1)"
tap_like "twice in ready: once is kept" \
    "^$Q t2: .*: kept ready:0, removed from ready:0 \\(1 extra\\)\$" "$out"
tap_is "t2 is ready once" 1 "$(occurrences "$K:ready:0" t2)"
tap_is "sched and retry: retry is kept" "1 0" \
    "$(rcli zscore "$K:retry" s1 | grep -c .) $(rcli zscore "$K:sched" s1 |
    grep -c .)"
tap_is "active and dead: active is kept, with its lease" "1 0 tok-a1" \
    "$(rcli zscore "$K:active" a1 | grep -c .) $(rcli zscore "$K:dead" a1 |
    grep -c .) $(rcli hget "$K:lease" a1)"
tap_like "no body: the id is removed" \
    "^$Q ghost1: no-body \\(retry\\): removed from retry\$" "$out"
tap_is "ghost1 and ghost2 are gone" "0 0" \
    "$(rcli zscore "$K:retry" ghost1 | grep -c .) $(occurrences \
    "$K:ready:0" ghost2)"
tap_like "an orphan body goes to ready" \
    "^$Q orphan1: orphan-body \\(body\\): put in ready:5\$" "$out"
tap_is "orphan1 is in ready:5" 1 "$(occurrences "$K:ready:5" orphan1)"
tap_like "active without a lease goes to ready" \
    "^$Q nl1: .*: removed from active; put in ready:2\$" "$out"
tap_is "nl1 is ready, not active" "1 0" \
    "$(occurrences "$K:ready:2" nl1) $(rcli zscore "$K:active" nl1 |
    grep -c .)"
tap_is "the stray lease is dropped, the task stays ready" "0 1" \
    "$(rcli hexists "$K:lease" t3) $(occurrences "$K:ready:0" t3)"
tap_is "the orphan meta is dropped" 0 "$(rcli hexists "$K:m" meta1)"
tap_is "repairs count no attempt and touch no counter" "$stats_before" \
    "$(counters $Q)"
run "$TQ" fsck --json $Q
tap_is "after the repair: 0" 0 "$status"
tap_is "after the repair: clean" "true" \
    "$(printf '%s' "$out" | jsonq 'd["clean"]')"
tap_is "after the repair: nothing found" "[0, 0, 0, 0, 0, 0]" \
    "$(counts $Q found)"
tap_is "every task kept its body" 10 "$(fsckq $Q "['bodies']")"
# The repaired tasks run: orphan1 and nl1 reach a worker.
"$HELPER" "$TQ_REDIS_URL" $Q noop 2 >"$T/drain.out" 2>"$T/drain.log" &
hpid=$!
kill_at_exit $hpid
worked_on() {
	[ "$(rcli hexists "$K:t" orphan1)$(rcli hexists "$K:t" nl1)" = 00 ]
}
tap_ok "the repaired ready tasks are worked on" wait_until 10 worked_on
kill -TERM $hpid
wait $hpid

# ------------------------------------------ many batches, long lists
Q=bq
K="tq:{$Q}"
i=0
while [ $i -lt 300 ]; do
	printf '{"type":"job","queue":"%s","id":"b%d","priority":%d}\n' \
	    $Q $i $((i % 3))
	i=$((i + 1))
done | "$TQ" enqueue --batch >/dev/null
rcli hset "$K:t" borphan "$(body borphan $Q 1)" >/dev/null
rcli lpush "$K:ready:1" b151 >/dev/null
run "$TQ" fsck --json --batch 7 $Q
tap_is "--batch 7 over 300 tasks: 1" 1 "$status"
tap_is "--batch 7: the orphan and the duplicate are found" \
    "[1, 0, 1, 0, 0, 0]" "$(counts $Q found)"
tap_is "--batch 7: every entry and body is read" "301 301" \
    "$(fsckq $Q "['entries']") $(fsckq $Q "['bodies']")"
run "$TQ" fsck --list-max 50 $Q
tap_is "--list-max below the list's length: 0" 0 "$status"
tap_like "the ids it cannot check are counted" "^$Q .* 2\$" "$out"
tap_like "and named on stderr" \
    "^tq: fsck: 2 ids not checked: a ready list is longer than --list-max 50" \
    "$err"
run "$TQ" fsck --repair --list-max 50 $Q
tap_is "--repair leaves them alone" "1 2" \
    "$(rcli hexists "$K:t" borphan) $(occurrences "$K:ready:1" b151)"
run "$TQ" fsck --repair --batch 7 $Q
tap_is "--batch 7 --repair: 0" 0 "$status"
tap_is "and fixes both" "1 1" \
    "$(occurrences "$K:ready:1" borphan) $(occurrences "$K:ready:1" b151)"
tap_status "then clean" 0 "$TQ" fsck --batch 7 $Q
rcli del "$K:t" "$K:m" "$K:ready:0" "$K:ready:1" "$K:ready:2" >/dev/null

# ---------------------------------------------------- inline bodies
# A new task with an id of libtq's waits in its ready list body and all
# (docs/PROTOCOL.md): that is healthy.  Copies are not: an inline body
# whose id also has a body in t (and is dead), and one twice in ready.
Q=iq
K="tq:{$Q}"
"$TQ" enqueue -q $Q job '{"n":1}' >/dev/null
"$TQ" enqueue -q $Q -p 4 job '{"n":2}' >/dev/null
run "$TQ" fsck --json $Q
tap_is "inline bodies are healthy: 0" 0 "$status"
tap_is "and are counted as entries" 2 "$(fsckq $Q "['entries']")"
ib() {
	printf '{"id":"%s","created_at":1,"payload":{}}' "$1"
}
rcli lpush "$K:ready:0" "$(ib i1)" >/dev/null
rcli hset "$K:t" i1 "$(body i1 $Q 0)" >/dev/null
rcli zadd "$K:dead" 1 i1 >/dev/null
rcli lpush "$K:ready:0" "$(ib i2)" "$(ib i2)" >/dev/null
run "$TQ" fsck $Q
tap_is "inline copies: 1" 1 "$status"
tap_like "an inline copy of a dead task is a duplicate" \
    "^$Q i1: duplicate \\(body,dead,ready:0 inline\\)\$" "$out"
tap_like "an inline body twice is a duplicate" \
    "^$Q i2: duplicate \\(ready:0 inline\\*2\\)\$" "$out"
run "$TQ" fsck --repair $Q
tap_is "--repair: 0" 0 "$status"
tap_like "the copy in t wins" \
    "^$Q i1: .*removed from ready:0 \\(inline\\)" "$out"
tap_is "i1 is dead only" "1 0" \
    "$(rcli zscore "$K:dead" i1) $(occurrences "$K:ready:0" "$(ib i1)")"
tap_is "i2 is ready once" 1 "$(occurrences "$K:ready:0" "$(ib i2)")"
tap_status "then clean" 0 "$TQ" fsck $Q
rcli del "$K:t" "$K:dead" "$K:ready:0" "$K:ready:4" >/dev/null

# ---------------------------------------------- healthy under load
# tqd promotes delayed tasks and retries every 20 ms; one worker acks
# everything of "busy", at most 500 a second (its rate limit), so that
# a backlog builds up while fsck walks it; another fails everything of
# "flaky" (so its tasks go round retry, ready, active and on to dead);
# producers keep adding tasks, some delayed, at every priority.
cat >"$T/load.conf" <<EOF
[tqd]
tick = 20ms
reclaim_interval = 200ms
scan_interval = 500ms

[queue]
retry_base = 20ms
retry_cap = 100ms

[queue busy]
rate_limit = 500
EOF
"$TQD" -c "$T/load.conf" </dev/null >"$T/tqd.log" 2>&1 &
kill_at_exit $!
"$HELPER" -c "$T/load.conf" "$TQ_REDIS_URL" busy noop 4 \
    >"$T/busy.out" 2>"$T/busy.log" &
busy_pid=$!
kill_at_exit $busy_pid
"$HELPER" -c "$T/load.conf" "$TQ_REDIS_URL" flaky fail 4 \
    >"$T/flaky.out" 2>"$T/flaky.log" &
flaky_pid=$!
kill_at_exit $flaky_pid
# produce QUEUE N PAUSE: N tasks a round, then a pause, for at most 1200
# rounds (a few minutes; killed at the end).  The rates stay below what
# the workers do, so that the backlog, and the time fsck takes, stay
# small.
produce() {
	_r=0
	while [ $_r -lt 1200 ]; do
		_i=0
		while [ $_i -lt "$2" ]; do
			# Every fourth task is delayed by 50 ms.
			_d=
			[ $((_i % 4)) -eq 0 ] && _d=',"delay":0.05'
			printf '{"type":"job","queue":"%s","priority":%d%s}\n' \
			    "$1" $((_i % 10)) "$_d"
			_i=$((_i + 1))
		done | "$TQ" enqueue --batch >/dev/null 2>&1
		_r=$((_r + 1))
		sleep "$3"
	done
}
produce busy 400 0.1 &
kill_at_exit $!
produce flaky 40 0.1 &
kill_at_exit $!
# Until some flaky task has been through every attempt.
some_dead() {
	[ "$(rcli hget 'tq:{flaky}:stats' dead)" -gt 0 ] 2>/dev/null
}
wait_until 20 some_dead
before=$(rcli hget 'tq:{busy}:stats' processed)
fbefore=$(rcli hget 'tq:{flaky}:stats' failed)
bad=
for round in 1 2 3 4 5 6; do
	case $round in
	1|2) opts="--batch 5" ;;
	3|4) opts="--batch 50" ;;
	*) opts="--batch 20 --repair" ;;
	esac
	run "$TQ" fsck --json $opts busy flaky
	if [ "$status" -ne 0 ] ||
	    [ "$(counts busy found)$(counts flaky found)" != \
	    "[0, 0, 0, 0, 0, 0][0, 0, 0, 0, 0, 0]" ]; then
		bad="$bad round $round ($opts): $status $out"
	fi
done
after=$(rcli hget 'tq:{busy}:stats' processed)
fafter=$(rcli hget 'tq:{flaky}:stats' failed)
diag "under load: busy acked $((after - before)), flaky failed" \
    "$((fafter - fbefore)) attempts during 6 fsck runs"
tap_ok "the load ran while fsck did" test $((after - before)) -gt 100 \
    -a $((fafter - fbefore)) -gt 100
tap_is "busy queues under load are found clean (6 runs)" "" "$bad"
tap_ok "and every state had tasks in it" test \
    "$(fsckq flaky "['entries']")" -gt 0

finish
