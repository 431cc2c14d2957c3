#!/bin/sh
#
# cli.sh -- TAP tests of tq, the command-line client, against a real Redis.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Every subcommand and flag of tq(1), its output formats (the --json
# shapes are a contract other people script against) and its exit
# statuses: 0 success, 1 refused or failed, 2 usage or configuration,
# 3 Redis unreachable.  Redis is a private server on a unix socket
# (tests/lib.sh).  Dead tasks and results need a worker; tqtest plays one
# for a single task.  redis-cli checks what was (not) written.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

[ -x "$TQ" ] || bail "$TQ not built (run make)"
[ -x "$TQTEST" ] || bail "$TQTEST not built (run make check)"
[ -n "$PYTHON" ] || bail "python3 not found"
redis_start

UUID_RE='^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'

# The value of one key of a queue in "tq stats --json".
stat() {
	"$TQ" stats --json "$1" | jsonq "d['queues']['$1']['$2']"
}

# Milliseconds since the epoch (GNU date).
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# ------------------------------------------------------------- basics
run "$TQ" --version
tap_is "--version prints the version" \
    "tq $(sed -n 's/^#define TQ_VERSION[^_].*"\(.*\)"/\1/p' \
    "$TQ_SRCDIR/core/tq.h")" "$out"

run "$TQ" help
help=$out
tap_is "tq help exits 0" 0 "$status"
for c in enqueue stats queues workers inspect result "dead ls" \
    "dead requeue" "dead purge" pause resume fsck help; do
	tap_like "help lists '$c'" "^ +tq $c( |\$)" "$help"
done
tap_like "help lists --batch" "tq enqueue --batch" "$help"
# The man page follows the table: every command in help is in tq.1.
missing=
for c in $(printf '%s\n' "$help" |
    sed -n 's/^  tq \([a-z]*\)\( [a-z][a-z]*\)\{0,1\}.*/\1\2/p' |
    tr ' ' '_' | sort -u); do
	c=$(echo "$c" | tr '_' ' ')
	grep -q "Nm Cm $c\\( \\|\$\\)" "$TQ_SRCDIR/man/tq.1" ||
	    missing="$missing '$c'"
done
tap_is "tq.1 documents every command in help" "" "$missing"
tap_like "help gives the exit statuses" "3 Redis unreachable" "$help"
run "$TQ" -h
tap_is "tq -h prints the same list" "$help" "$out"
run "$TQ" --help
tap_is "tq --help prints the same list" "$help" "$out"
run "$TQ" help dead
tap_like "help dead describes dead purge" "tq dead purge --all QUEUE" "$out"
run "$TQ" enqueue --help
tap_is "enqueue --help exits 0" 0 "$status"
tap_like "enqueue --help prints its usage" "^usage: tq enqueue" "$out"

# ------------------------------------------------------- usage errors
tap_status "no command: 2" 2 "$TQ"
tap_status "unknown command: 2" 2 "$TQ" frobnicate
tap_status "unknown global flag: 2" 2 "$TQ" -Z stats
tap_status "-u without a value: 2" 2 "$TQ" -u
tap_status "unknown command flag: 2" 2 "$TQ" enqueue --nope email
tap_status "enqueue without a type: 2" 2 "$TQ" enqueue
tap_status "enqueue with too many arguments: 2" 2 "$TQ" enqueue a '{}' x
tap_status "inspect without an id: 2" 2 "$TQ" inspect
tap_status "result without an id: 2" 2 "$TQ" result
tap_status "pause without a queue: 2" 2 "$TQ" pause
tap_status "resume with two queues: 2" 2 "$TQ" resume a b
tap_status "queues with an argument: 2" 2 "$TQ" queues x
tap_status "dead without a subcommand: 2" 2 "$TQ" dead
tap_status "dead with an unknown subcommand: 2" 2 "$TQ" dead frob q
tap_status "dead ls without a queue: 2" 2 "$TQ" dead ls
tap_status "dead requeue without ids or --all: 2" 2 "$TQ" dead requeue q
tap_status "dead purge with ids and --all: 2" 2 \
    "$TQ" dead purge --all q some-id
tap_status "dead ls --limit 0: 2" 2 "$TQ" dead ls --limit 0 q
tap_status "dead ls --limit x: 2" 2 "$TQ" dead ls --limit x q
tap_status "-p x: 2" 2 "$TQ" enqueue -p x email
tap_status "-q without a value: 2" 2 "$TQ" enqueue email -q
tap_status "--delay -5: 2" 2 "$TQ" enqueue --delay -5 email
tap_status "--delay soon: 2" 2 "$TQ" enqueue --delay soon email
tap_status "--delay 1.0005 (finer than 1 ms): 2" 2 \
    "$TQ" enqueue --delay 1.0005 email
tap_status "--at yesterday: 2" 2 "$TQ" enqueue --at yesterday email
tap_status "--delay and --at together: 2" 2 \
    "$TQ" enqueue --delay 5 --at 1 email
tap_status "--timeout 1.5: 2" 2 "$TQ" enqueue --timeout 1.5 email
tap_status "--max-retries many: 2" 2 "$TQ" enqueue --max-retries many email
tap_status "--batch with arguments: 2" 2 "$TQ" enqueue --batch email
tap_status "--batch with --id: 2" 2 "$TQ" enqueue --batch --id x </dev/null
run "$TQ" enqueue -p x email
tap_like "a usage error names the command and the problem" \
    "^tq: enqueue: -p: 'x' is not an integer" "$err"
tap_like "a usage error shows the usage" "usage: tq enqueue" "$err"
tap_is "a usage error prints nothing on stdout" "" "$out"
# Checked before connecting: a usage error is one even with Redis down.
tap_status "usage errors come before connecting" 2 \
    "$TQ" -u "unix://$TQ_TESTDIR/none.sock" enqueue -p x email
tap_status "-c with a missing file: 2" 2 \
    "$TQ" -c "$TQ_TESTDIR/missing.conf" stats
printf '[redis]\nport = 99999\n' >"$TQ_TESTDIR/bad.conf"
run "$TQ" -c "$TQ_TESTDIR/bad.conf" stats
tap_is "a bad config file: 2" 2 "$status"
tap_like "the config error names the file and line" "bad.conf:2" "$err"
tap_status "a bad URL: 2" 2 "$TQ" -u "http://x" stats
tap_status "a bad namespace: 2" 2 "$TQ" -n "bad ns" stats

# ------------------------------------------------------------ enqueue
run "$TQ" enqueue email '{"to":"a@example.com"}'
tap_is "enqueue exits 0" 0 "$status"
tap_like "enqueue prints a UUID" "$UUID_RE" "$out"
id1=$out
tap_is "the queue defaults to the type" 1 "$(stat email ready)"
tap_is "a new task waits inline in its ready list" "{\"id\":\"$id1\"" \
    "$(rcli lindex 'tq:{email}:ready:0' 0 | cut -c1-44)"

run "$TQ" enqueue --id job-1 -q mail email
tap_is "--id is used" "job-1" "$out"
tap_is "-q chooses the queue" 1 "$(stat mail ready)"
run "$TQ" enqueue --id job-1 -q mail email
tap_is "a duplicate --id: 1" 1 "$status"
tap_like "a duplicate --id is reported" "^tq: enqueue: .*job-1" "$err"
tap_is "a duplicate --id adds nothing" 1 "$(stat mail enqueued)"

run "$TQ" inspect --json job-1
tap_is "the default payload is {}" "{}" \
    "$(printf '%s' "$out" | jsonq 'd["payload"]')"
tap_is "defaults: priority 0, max_retries 3, timeout 30 (the worker's)" \
    "[0, 3, 30, true]" "$(printf '%s' "$out" | jsonq \
    '[d["priority"], d["max_retries"], d["timeout"], d["timeout_default"]]')"

keys_before=$(rdbsize)
run "$TQ" enqueue badq '{"to":'
tap_is "bad JSON: 1" 1 "$status"
tap_like "bad JSON is reported" \
    "^tq: enqueue: payload is not valid JSON" "$err"
tap_is "bad JSON writes no key" "$keys_before" "$(rdbsize)"
tap_is "bad JSON does not register the queue" 0 \
    "$(rcli sismember tq:queues badq)"
tap_status "a bad type name: 1" 1 "$TQ" enqueue 'bad{type}'
tap_status "-p 10 (out of range, refused by libtq): 1" 1 \
    "$TQ" enqueue -p 10 badq
tap_status "-p -1: 1" 1 "$TQ" enqueue -p -1 badq
tap_status "--max-retries -1: 1" 1 "$TQ" enqueue --max-retries -1 badq
tap_status "--timeout 0 (a task with no timeout has none given): 2" 2 \
    "$TQ" enqueue --timeout 0 badq
tap_is "refused tasks write no key" "$keys_before" "$(rdbsize)"

run "$TQ" enqueue -p 9 --max-retries 7 --timeout 2m --id opts-1 -q o email
tap_is "-p 9 --max-retries 7 --timeout 2m: 0" 0 "$status"
run "$TQ" inspect --json opts-1
tap_is "the options are stored" '[9, 7, 120, false, "o", "email"]' \
    "$(printf '%s' "$out" | jsonq '[d["priority"], d["max_retries"],
    d["timeout"], d["timeout_default"], d["queue"], d["type"]]')"

printf '{"n": 1, "s": "x"}\n' | "$TQ" enqueue --id stdin-1 -q o t - \
    >/dev/null
run "$TQ" inspect --json stdin-1
tap_is "- reads the payload from stdin" '{"n": 1, "s": "x"}' \
    "$(printf '%s' "$out" | jsonq 'd["payload"]')"
printf 'not json' | "$TQ" enqueue -q o t - >/dev/null 2>&1
tap_is "bad JSON on stdin: 1" 1 $?

big=123456789012345678901234567890
"$TQ" enqueue --id big-1 -q o t "{\"n\":$big}" >/dev/null
run "$TQ" inspect --json big-1
tap_like "big integers are kept exactly" "\"n\":$big" "$out"

run "$TQ" enqueue --delay 60 -q sched email
tap_is "--delay 60: 0" 0 "$status"
tap_is "--delay puts the task in scheduled" "0 1" \
    "$(stat sched ready) $(stat sched scheduled)"
"$TQ" enqueue --delay 1.5m -q sched email >/dev/null
"$TQ" enqueue --delay 500ms -q sched email >/dev/null
tap_is "--delay takes durations (1.5m, 500ms)" 3 "$(stat sched scheduled)"
at=$(($(date +%s) + 3600))
run "$TQ" enqueue --at "$at.25" -q at email
tap_is "--at a future time schedules the task" 1 "$(stat at scheduled)"
run "$TQ" inspect --json -q at "$out"
tap_is "--at sets the due time (ms)" "$((at * 1000 + 250))" \
    "$(printf '%s' "$out" | jsonq 'd["scheduled_at"]')"
"$TQ" enqueue --at 1000000000 -q at email >/dev/null
tap_is "--at a past time makes the task ready" 1 "$(stat at ready)"

"$TQ" enqueue --unique-for 60 -q u email '{"k":1}' >/dev/null
run "$TQ" enqueue --unique-for 60 -q u email '{"k":1}'
tap_is "--unique-for refuses a duplicate: 1" 1 "$status"
tap_status "--unique-for lets a different payload in" 0 \
    "$TQ" enqueue --unique-for 60 -q u email '{"k":2}'

# -------------------------------------------------------------- batch
cat >"$TQ_TESTDIR/good.jsonl" <<'EOF'
{"type":"img","id":"b1","payload":{"n":1}}

{"type":"img","id":"b2","queue":"batch2","priority":5,"max_retries":1}
{"type":"img","id":"b3","delay":30,"timeout":10,"payload":[1,2,{"big":98765432109876543210}]}
   
{"type":"img","id":"b4","payload":"text","unique_for":"1m"}
EOF
run "$TQ" enqueue --batch -q batch <"$TQ_TESTDIR/good.jsonl"
tap_is "--batch: 0" 0 "$status"
tap_is "--batch prints the ids in input order" "b1 b2 b3 b4" \
    "$(echo $out)"
tap_is "--batch -q is the default queue" "2 1" \
    "$(stat batch ready) $(stat batch scheduled)"
tap_is "a line's queue overrides -q" 1 "$(stat batch2 ready)"
run "$TQ" inspect --json b2
tap_is "a line's priority and max_retries are used" "[5, 1]" \
    "$(printf '%s' "$out" | jsonq '[d["priority"], d["max_retries"]]')"
run "$TQ" inspect --json b3
tap_like "a batch payload keeps big integers" \
    '"payload":\[1,2,\{"big":98765432109876543210\}\]' "$out"

printf '{"type":"a"}\n{"type":"a"}\n' |
    "$TQ" enqueue --batch -q gen >"$TQ_TESTDIR/ids"
tap_is "--batch makes UUIDs" 2 "$(grep -Ec "$UUID_RE" "$TQ_TESTDIR/ids")"

keys_before=$(rdbsize)
printf '%s\n' '{"type":"x","id":"n1"}' '{"type":"x","id":"n2"}' \
    '{"type":"x","id":"n3","priority":12}' '{"type":"x","id":"n4"}' \
    >"$TQ_TESTDIR/bad.jsonl"
run "$TQ" enqueue --batch -q nothing <"$TQ_TESTDIR/bad.jsonl"
tap_is "--batch with a bad line 3: 1" 1 "$status"
tap_like "the bad line is named" "^tq: enqueue: line 3: priority 12" "$err"
tap_is "a bad line enqueues nothing (no output)" "" "$out"
tap_is "a bad line enqueues nothing (no key)" "$keys_before" \
    "$(rdbsize)"
tap_is "a bad line enqueues nothing (no queue)" 0 \
    "$(rcli sismember tq:queues nothing)"
printf '%s\n' '{"type":"x"}' 'nope' '{"type":"x","colour":1}' \
    '{"payload":1}' '{"type":"x","delay":-1}' '{"type":"x","at":1,"delay":1}' \
    '[1]' | "$TQ" enqueue --batch -q nothing >/dev/null \
    2>"$TQ_TESTDIR/err"
tap_is "every bad line is reported" "2 3 4 5 6 7" \
    "$(sed -n 's/^tq: enqueue: line \([0-9]*\):.*/\1/p' "$TQ_TESTDIR/err" |
    tr '\n' ' ' | sed 's/ $//')"
tap_is "still nothing enqueued" 0 "$(rcli sismember tq:queues nothing)"

printf '%s\n' '{"type":"x","id":"d1"}' \
    '{"type":"x","id":"job-1","queue":"mail"}' \
    '{"type":"x","id":"d3"}' >"$TQ_TESTDIR/dup.jsonl"
run "$TQ" enqueue --batch -q dup <"$TQ_TESTDIR/dup.jsonl"
tap_is "--batch with an id Redis refuses: 1" 1 "$status"
tap_is "the other lines are enqueued" "d1 d3" "$(echo $out)"
tap_like "the refused line is named" "^tq: enqueue: line 2: .*job-1" "$err"
run "$TQ" enqueue --batch -q empty </dev/null
tap_is "--batch with no input: 0, no output" "0:" "$status:$out"

# Enough lines for several chunks (1000 a tq_batch).
"$PYTHON" -c 'for i in range(2500):
    print("{\"type\":\"m\",\"id\":\"m%d\"}" % i)' |
    "$TQ" enqueue --batch -q many >"$TQ_TESTDIR/many"
tap_is "--batch over several chunks: all ids, in order" \
    "2500 m0 m1000 m2499" \
    "$(wc -l <"$TQ_TESTDIR/many") $(sed -n '1p;1001p;2500p' \
    "$TQ_TESTDIR/many" | tr '\n' ' ' | sed 's/ $//')"
tap_is "--batch over several chunks: all enqueued" 2500 \
    "$(stat many ready)"

# ------------------------------------------------------ stats, queues
run "$TQ" stats --json
tap_is "stats --json: 0" 0 "$status"
shape=$(printf '%s' "$out" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
want = ["ready", "scheduled", "active", "retry", "dead", "processed",
        "failed", "paused"]
ok = list(d) == ["queues"] and len(d["queues"]) > 0
for q, s in d["queues"].items():
    ok = ok and list(s)[:8] == want
    ok = ok and all(type(s[k]) is int for k in want[:7])
    ok = ok and type(s["paused"]) is bool
print("ok" if ok else "bad: %r" % d)')
tap_is "stats --json has the documented shape" ok "$shape"
run "$TQ" --json stats email mail
tap_is "--json before the command, named queues" '["email", "mail"]' \
    "$(printf '%s' "$out" | jsonq 'sorted(d["queues"])')"
run "$TQ" stats email
tap_is "stats prints a header" \
    "QUEUE READY SCHEDULED ACTIVE RETRY DEAD PROCESSED FAILED PAUSED" \
    "$(printf '%s\n' "$out" | head -n 1 | tr -s ' ')"
tap_is "stats prints a row per queue" "email 1 0 0 0 0 0 0 no" \
    "$(printf '%s\n' "$out" | sed -n 2p | tr -s ' ')"
tap_status "stats with a bad queue name: 1" 1 "$TQ" stats 'a b'

run "$TQ" queues
tap_is "queues lists every queue, sorted" \
    "at batch batch2 dup email gen mail many o sched u" "$(echo $out)"
run "$TQ" queues --json
tap_is "queues --json" \
    "$(printf '"%s", ' at batch batch2 dup email gen mail many o sched u |
    sed 's/^/[/; s/, $/]/')" \
    "$(printf '%s' "$out" | jsonq 'd["queues"]')"

# ------------------------------------------------------ pause, resume
tap_ok "pause" "$TQ" pause email
tap_is "stats shows the queue paused" true "$(stat email paused)"
run "$TQ" stats email
tap_like "the table says yes" "yes\$" "$out"
tap_ok "resume" "$TQ" resume email
tap_is "stats shows the queue resumed" false "$(stat email paused)"
tap_status "pause with a bad queue name: 1" 1 "$TQ" pause 'a{b}'

# ----------------------------------------------------- inspect, result
run "$TQ" inspect job-1
tap_is "inspect: 0" 0 "$status"
tap_like "inspect shows the id" "^id: job-1\$" "$out"
tap_like "inspect shows the state" "^state: ready\$" "$out"
tap_like "inspect shows the queue" "^queue: mail\$" "$out"
tap_like "inspect shows times in ISO 8601 UTC with ms" \
    '^created_at: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}'\
'\.[0-9]{3}Z$' \
    "$out"
run "$TQ" inspect -q mail --json job-1
shape=$(printf '%s' "$out" | "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)
want = ["id", "queue", "type", "state", "priority", "max_retries",
        "retry_count", "attempts", "timeout", "created_at", "scheduled_at",
        "failed_at", "error", "worker", "lease_deadline", "payload"]
missing = [k for k in want if k not in d]
print("ok" if not missing and d["state"] == "ready" and
      type(d["created_at"]) is int else "bad: %r" % d)')
tap_is "inspect --json has the documented keys" ok "$shape"
run "$TQ" inspect no-such-task
tap_is "inspect of a missing task: 1" 1 "$status"
tap_is "inspect says it is not found" "tq: task no-such-task not found" "$err"
tap_status "inspect in the wrong queue: 1" 1 "$TQ" inspect -q email job-1

run "$TQ" result job-1
tap_is "result of a task not done: 1" 1 "$status"
tap_like "result says why" "^tq: .*job-1" "$err"
tap_status "result of a missing task: 1" 1 "$TQ" result no-such-task

"$TQ" enqueue --id r-1 -q res t >/dev/null
result='{"ok":true,"n":12345678901234567890}'
tap_ok "tqtest acks a task with a result" "$TQTEST" ack res "$result"
run "$TQ" result r-1
tap_is "result prints the stored JSON, exactly" "$result" "$out"
run "$TQ" inspect --json r-1
tap_is "inspect of a done task" \
    '["done", {"ok": true, "n": 12345678901234567890}, null]' \
    "$(printf '%s' "$out" | jsonq '[d["state"], d["result"], d["attempts"]]')"

# --------------------------------------------------------------- dead
for i in 1 2 3; do
	"$TQ" enqueue --id "dead-$i" --max-retries 0 -q d job "{\"i\":$i}" \
	    >/dev/null
	"$TQTEST" fail d --error "boom $i
second line" >/dev/null
done
tap_is "three dead tasks" 3 "$(stat d dead)"
run "$TQ" dead ls d
tap_is "dead ls: 0" 0 "$status"
tap_is "dead ls header" "ID TYPE ATTEMPTS FAILED_AT ERROR" \
    "$(printf '%s\n' "$out" | head -n 1 | tr -s ' ')"
tap_like "dead ls is newest first, errors on one line" \
    '^dead-3 +job +1 +[0-9T:.-]+Z +boom 3\\nsecond line$' \
    "$(printf '%s\n' "$out" | sed -n 2p)"
tap_is "dead ls lists every dead task" 4 "$(printf '%s\n' "$out" | wc -l)"
run "$TQ" dead ls --limit 2 d
tap_is "dead ls --limit 2" 3 "$(printf '%s\n' "$out" | wc -l)"
run "$TQ" dead ls --json --limit 1 --offset 1 d
tap_is "dead ls --json" \
    '["d", [["dead-2", "job", 1, true, "boom 2\nsecond line", {"i": 2}]]]' \
    "$(printf '%s' "$out" | jsonq '[d["queue"], [[t["id"], t["type"],
    t["attempts"], type(t["failed_at"]) is int, t["error"], t["payload"]]
    for t in d["dead"]]]')"
run "$TQ" dead ls empty
tap_is "dead ls of a queue with none: header only" 1 \
    "$(printf '%s\n' "$out" | wc -l)"

run "$TQ" dead requeue d dead-1
tap_is "dead requeue of one id" "0:requeued 1 tasks" "$status:$out"
tap_is "the task is ready again" "1 2" "$(stat d ready) $(stat d dead)"
run "$TQ" inspect --json dead-1
tap_is "requeue resets the attempts" "ready 0" \
    "$(printf '%s' "$out" | jsonq 'd["state"] + " " + str(d["retry_count"])')"
run "$TQ" dead requeue d dead-1
tap_is "requeue of an id no longer dead: 1" 1 "$status"
tap_like "it says so" "1 not found \\(already requeued or purged\\?\\)" "$err"
run "$TQ" dead purge d dead-2 dead-1
tap_is "purge of a dead and a gone id: 0" "0:purged 1 tasks" "$status:$out"
tap_like "the gone id is reported" "1 not found" "$err"
tap_is "the purged task is gone" 0 "$(rcli hexists 'tq:{d}:t' dead-2)"
"$TQTEST" fail d >/dev/null
run "$TQ" dead requeue --all d
tap_is "dead requeue --all" "0:requeued 2 tasks" "$status:$out"
"$TQTEST" fail d >/dev/null
"$TQTEST" fail d --permanent >/dev/null
run "$TQ" dead purge d --all
tap_is "dead purge --all (flag after the queue)" "0:purged 2 tasks" \
    "$status:$out"
tap_is "nothing dead is left" 0 "$(stat d dead)"

# ------------------------------------------------------------ workers
# The registry as tqworker publishes it (every 2 s), a record left by a
# worker that died (stale), and one that expired (only its name left).
TQW=$(lib_exe "$TQ_BUILDDIR/tqworker")
tap_status "workers with an argument: 2" 2 "$TQ" workers x
run "$TQ" workers
tap_is "workers with none registered: 0" 0 "$status"
tap_is "it says so" "no workers registered" "$out"
tap_is "--json with none: an empty list" '{"workers":[]}' \
    "$("$TQ" workers --json)"
"$TQW" -q wq1,wq2 -C 3 --exec wq1=true --exec wq2=true \
    2>"$TQ_TESTDIR/tqworker.log" &
wpid=$!
kill_at_exit $wpid
host=$(uname -n)
# workers_json: the registry, with the record of our tqworker in $w.
workers_json() {
	out=$("$TQ" workers --json)
	w=$(printf '%s' "$out" |
	    jsonq "[x for x in d['workers'] if x['pid'] == $wpid]")
}
# processed N: our tqworker's record says it acked N tasks.
processed() {
	workers_json
	[ "$(printf '%s' "$w" | jsonq 'd[0]["processed"]' 2>/dev/null)" = "$1" ]
}
tap_ok "a running tqworker is listed" wait_until 10 processed 0
"$TQ" enqueue wq1 >/dev/null
"$TQ" enqueue wq2 >/dev/null
tap_ok "its totals follow its work" wait_until 10 processed 2
run "$TQ" workers
tap_like "the table's header" \
    "^ID +HOST +PID +QUEUES +BUSY/CONC +PROCESSED +FAILED +HEARTBEAT\$" \
    "$out"
tap_like "its row: host-pid-random, host, pid, queues, busy/concurrency" \
    "-$wpid-[0-9a-f]{8} +$host +$wpid +wq1,wq2 +0/3 +2 +0 +[0-9.]+s\$" "$out"
tap_is "--json: the keys of a worker" \
    '["busy", "concurrency", "failed", "heartbeat_age_ms", "heartbeat_at", "host", "id", "pid", "processed", "queues", "stale", "started_at"]' \
    "$(printf '%s' "$w" | jsonq 'sorted(d[0].keys())')"
tap_is "--json: its values" \
    "[\"$host\", [\"wq1\", \"wq2\"], 3, 0, 2, 0, false]" \
    "$(printf '%s' "$w" | jsonq '[d[0][k] for k in ("host", "queues",
    "concurrency", "busy", "processed", "failed", "stale")]')"
tap_like "--json: the id" "^$host-$wpid-[0-9a-f]{8}\$" \
    "$(printf '%s' "$w" | jsonq 'd[0]["id"]')"
tap_ok "--json: times are Unix ms, the heartbeat fresh" \
    test "$(printf '%s' "$w" | jsonq 'int(d[0]["heartbeat_at"] >=
    d[0]["started_at"] > 1700000000000 and d[0]["heartbeat_age_ms"] < 6000)')" \
    = 1
old=$(($(now_ms) - 60000))
rcli zadd tq:workers $old ghost-1-0badf00d >/dev/null
rcli hset tq:worker:ghost-1-0badf00d host ghost pid 1 queues q \
    concurrency 2 busy 1 processed 5 failed 1 started_at $old \
    heartbeat_at $old >/dev/null
rcli zadd tq:workers $old gone-2-0badf00d >/dev/null
run "$TQ" workers
tap_like "a worker silent for a minute is marked stale" \
    "^ghost-1-0badf00d +ghost +1 +q +1/2 +5 +1 +60s stale\$" "$out"
tap_like "an expired record shows its name alone" \
    "^gone-2-0badf00d +- +- +- +0/0 +0 +0 +60s stale\$" "$out"
tap_like "a live worker is not" "-$wpid-.* [0-9.]+s\$" "$out"
workers_json
tap_is "--json: stale is true for the dead worker only" \
    '[["ghost-1-0badf00d", true], ["gone-2-0badf00d", true], [false]]' \
    "$(printf '%s' "$out" | jsonq '[[x["id"], x["stale"]] for x in
    d["workers"] if x["id"].endswith("0badf00d")] + [[x["stale"]] for x in
    d["workers"] if x["host"] == "'"$host"'"]')"
tap_is "--json: an expired record's unknowns are null" \
    "[null, null, null, null]" \
    "$(printf '%s' "$out" | jsonq '[[x["host"], x["pid"], x["queues"],
    x["started_at"]] for x in d["workers"] if x["id"][:4] == "gone"][0]')"
kill -TERM $wpid
wait $wpid
run "$TQ" workers
tap_is "a worker that stops leaves the registry" "" \
    "$(printf '%s' "$out" | grep -- "-$wpid-")"
rcli del tq:workers >/dev/null
rcli del tq:worker:ghost-1-0badf00d >/dev/null

# ---------------------------------------------- namespaces and config
"$TQ" -n other enqueue -q elsewhere x >/dev/null
tap_is "-n writes in another namespace" "elsewhere" "$("$TQ" -n other queues)"
run "$TQ" queues
tap_like "the default namespace does not see it" "^at" "$out"
tap_is "--namespace works too" "elsewhere" \
    "$("$TQ" --namespace other queues)"
printf '[redis]\nnamespace = other\n' >"$TQ_TESTDIR/ns.conf"
tap_is "-c reads redis.namespace" "elsewhere" \
    "$("$TQ" -c "$TQ_TESTDIR/ns.conf" queues)"
tap_is "TQ_CONFIG is read" "elsewhere" \
    "$(TQ_CONFIG=$TQ_TESTDIR/ns.conf "$TQ" queues)"
printf '[redis]\n%s\n' "$REDIS_WHERE" >"$TQ_TESTDIR/sock.conf"
tap_is "the config file says where Redis is" "elsewhere" \
    "$(TQ_REDIS_URL= "$TQ" -n other -c "$TQ_TESTDIR/sock.conf" queues)"
tap_is "-u beats TQ_REDIS_URL" "elsewhere" \
    "$(TQ_REDIS_URL=unix://$TQ_TESTDIR/none.sock "$TQ" -u "$TQ_REDIS_URL" \
    -n other queues)"
printf '[redis]\nsocket = %s/none.sock\n' "$TQ_TESTDIR" \
    >"$TQ_TESTDIR/dead.conf"
tap_is "TQ_REDIS_URL beats the config file" "elsewhere" \
    "$("$TQ" -n other -c "$TQ_TESTDIR/dead.conf" queues)"

# ------------------------------------------------- Redis unreachable
run "$TQ" -u "unix://$TQ_TESTDIR/none.sock" stats
tap_is "a dead socket: 3" 3 "$status"
tap_like "it says where and why" \
    "^tq: cannot reach Redis at .*none.sock: .*(No such file|refused)" "$err"
start=$(now_ms)
run "$TQ" -u redis://127.0.0.1:1 enqueue email
elapsed=$(($(now_ms) - start))
tap_is "a closed TCP port: 3" 3 "$status"
tap_like "it names the address" "^tq: cannot reach Redis at 127.0.0.1:1" \
    "$err"
tap_ok "and fails fast (${elapsed} ms, connect timeout 2 s)" \
    test "$elapsed" -lt 2500
# A server that accepts connections and never answers: the command
# timeout (300 ms here) bounds the wait.
"$PYTHON" -c 'import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
time.sleep(120)' "$TQ_TESTDIR/mute.sock" &
kill_at_exit $!
wait_until 5 test -S "$TQ_TESTDIR/mute.sock"
printf '[redis]\nconnect_timeout = 300ms\ncommand_timeout = 300ms\n' \
    >"$TQ_TESTDIR/fast.conf"
start=$(now_ms)
run "$TQ" -c "$TQ_TESTDIR/fast.conf" -u "unix://$TQ_TESTDIR/mute.sock" \
    stats
elapsed=$(($(now_ms) - start))
tap_is "a Redis that does not answer: 3" 3 "$status"
tap_like "it says so" "did not answer within 300 ms" "$err"
tap_ok "and gives up after the timeout (${elapsed} ms)" \
    test "$elapsed" -ge 300 -a "$elapsed" -lt 1500

run "$TQ" -u "redis://:s3cret-pw@127.0.0.1:1" stats
tap_is "with a password: 3" 3 "$status"
tap_is "the password is never printed" "" \
    "$(printf '%s' "$err" | grep s3cret)"
TQ_REDIS_URL=unix://$TQ_TESTDIR/none.sock "$TQ" queues >/dev/null 2>&1
tap_is "TQ_REDIS_URL is used: 3" 3 $?
printf '%s\n' '{"type":"x"}' |
    "$TQ" -u "unix://$TQ_TESTDIR/none.sock" enqueue --batch >/dev/null 2>&1
tap_is "--batch with Redis down: 3" 3 $?

# Redis goes away: every command says 3.
redis_stop
for c in "stats" "queues" "inspect x" "result x" "dead ls q" "pause q" \
    "enqueue x" "workers" "fsck"; do
	tap_status "tq $c with Redis stopped: 3" 3 "$TQ" $c
done

finish
