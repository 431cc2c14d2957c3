#!/bin/sh
#
# acl.sh -- the Redis ACL users of docs/SECURITY.md, each doing its job.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# The four "user tq-..." lines are taken from docs/SECURITY.md as they are
# written there and given to the private redis-server with ACL SETUSER,
# so the documentation cannot drift from what is tested.  Each program
# then runs as its role, reading user and password_file from a
# configuration file of its own: tq enqueue as tq-producer, tqworker as
# tq-worker, tqd as tq-admin, tqtop -b and tq stats as tq-readonly.  The
# work gets done (tasks enqueued, failed once, retried after tqd promoted
# them, acked; one dead), ACL LOG shows nothing refused on the way but
# the CONFIG GET that tq leaves out of every role on purpose, and what a
# role must not do is refused with Redis's message and changes nothing.
#
# A script stopped by a refused command keeps what it wrote before, so
# ACL DRYRUN checks, command by command, that each user may run every
# command that any script of its role may call (prelude helpers and rare
# branches included) and everything its programs send themselves, and
# that tq-readonly may run none of the scripts' writing commands.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
TQW=$(lib_exe "$TQ_BUILDDIR/tqworker")
TQTOP=$(lib_exe "$TQ_BUILDDIR/tqtop")
T=$TQ_TESTDIR
DOC=$TQ_SRCDIR/docs/SECURITY.md
SCRIPTS=$TQ_SRCDIR/core/scripts
[ -x "$TQD" ] || bail "$TQD not built (run make)"
[ -x "$TQW" ] || bail "$TQW not built (run make)"
[ -x "$TQTOP" ] || bail "$TQTOP not built (run make)"
[ -x "$TQ" ] || bail "$TQ not built (run make)"
[ -r "$DOC" ] || bail "$DOC missing"
[ -n "$PYTHON" ] || bail "python3 not found"

redis_start
# Every program below reads its role's file; nothing may fall back on
# the harness's unauthenticated URL.
unset TQ_REDIS_URL

ROLES="producer worker admin readonly"

# ------------------------------------------------------------ helpers

# The users of ACL LOG entries whose object is not config|get, one a line.
acl_refused() {
	rcli ACL LOG 128 | awk '
	    prev == "object" { obj = $0 }
	    prev == "username" && obj != "config|get" { print $0 }
	    { prev = $0 }'
}

# The static check, in one python3 process that speaks RESP to the
# private server itself (hundreds of redis-cli runs would take seconds).
# Arguments: the scripts directory, then one "ROLE:SCRIPTS:CALLS" per role
# (space-separated lists; CALLS as "SCRIPT|LOAD" for a subcommand).  It
# finds the commands each script may call -- prelude helpers it uses
# included, and for a script that names a command with a variable
# (redis.call(cmd, ...)), every quoted upper-case word in it that Redis
# knows as a command -- and asks ACL DRYRUN about each command of each
# role, with as many arguments as the command needs, each a key that
# every role has.  Prints "ROLE role n denied...", then "WRITES cmds" (the
# writing commands of all scripts and calls) and "RO_ALLOWED cmds" (those
# of them tq-readonly may run).
acl_check() {
	"$PYTHON" - "$REDIS_SOCK" "$@" <<'EOF'
import re, socket, sys

sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
buf = sock.makefile('rb')

def call(*args):
    out = b'*%d\r\n' % len(args)
    for a in args:
        a = a.encode()
        out += b'$%d\r\n%s\r\n' % (len(a), a)
    sock.sendall(out)
    return reply()

def reply():
    line = buf.readline()[:-2]
    t, rest = line[:1], line[1:].decode()
    if t in (b'+', b'-'):
        return rest
    if t == b':':
        return int(rest)
    if t == b'$':
        if int(rest) < 0:
            return None
        data = buf.read(int(rest) + 2)[:-2]
        return data.decode()
    if t == b'*':
        return None if int(rest) < 0 else [reply() for _ in range(int(rest))]
    raise SystemExit('bad reply %r' % line)

def info(cmd):
    r = call('COMMAND', 'INFO', cmd)[0]
    return r

d = sys.argv[2]
pre = open(d + '/prelude.lua').read()
funcs = dict(re.findall(r'local function (\w+)\(.*?\n(.*?)\nend\n', pre,
    re.S))

def cmds(text, seen):
    c = set(re.findall(r"redis\.p?call\('([A-Z]+)'", text))
    if re.search(r"redis\.p?call\((?!')", text):
        c |= set(w for w in re.findall(r"'([A-Z]+)'", text) if info(w))
    for f, body in funcs.items():
        if f not in seen and re.search(r'\b' + f + r'\(', text):
            seen.add(f)
            c |= cmds(body, seen)
    return c

def script_cmds(names):
    out = set()
    for s in names:
        out |= cmds(open('%s/%s.lua' % (d, s)).read(), set())
    return out

def dryrun(user, cmd):
    if '|' in cmd:
        words = cmd.split('|')
        args = words + (['return'] if cmd == 'SCRIPT|LOAD' else [])
    elif cmd in ('PUBLISH', 'SUBSCRIBE'):
        # A channel, not a key: the one the hint script and tqd use.
        args = [cmd, 'tq:due'] + (['0'] if cmd == 'PUBLISH' else [])
    else:
        n = abs(info(cmd)[1]) - 1
        args = [cmd] + ['tq:{q}:t'] * n
    return call('ACL', 'DRYRUN', user, *args)

every = set()
for spec in sys.argv[3:]:
    role, scripts, calls = spec.split(':')
    want = script_cmds(scripts.split()) | set(calls.split())
    every |= want
    denied = ['%s(%s)' % (c, r) for c in sorted(want)
        for r in [dryrun('tq-' + role, c)] if r != 'OK']
    print('ROLE', role, len(want), ' '.join(denied))
writes = sorted(c for c in every
    if '|' not in c and 'write' in info(c)[2])
print('WRITES', ' '.join(writes))
print('RO_ALLOWED', ' '.join(c for c in writes
    if dryrun('tq-readonly', c) == 'OK'))
EOF
}

stat_of() {
	"$TQ" -c "$T/readonly.conf" stats --json "$1" |
	    jsonq "d['queues']['$1']['$2']"
}

alive() {
	kill -0 "$1" 2>/dev/null
}

not_alive() {
	! alive "$1"
}

# ------------------------------------------------------------ the users

grep '^user tq-' "$DOC" >"$T/users.acl"
tap_is "docs/SECURITY.md gives four ACL users" \
    "tq-admin tq-producer tq-readonly tq-worker" \
    "$(cut -d' ' -f2 "$T/users.acl" | sort | tr '\n' ' ' | sed 's/ $//')"

# Each role: a random password in a 0600 file, a 0600 configuration.
for r in $ROLES; do
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$T/$r.pw"
	chmod 600 "$T/$r.pw"
	cat >"$T/$r.conf" <<EOF
[redis]
socket = $REDIS_SOCK
user = tq-$r
password_file = $r.pw

[queue]
retry_base = 100ms

[tqd]
tick = 20ms
reclaim_interval = 200ms
scan_interval = 500ms
EOF
	chmod 600 "$T/$r.conf"
done

set -f
while read -r _ name rules; do
	r=${name#tq-}
	# shellcheck disable=SC2086
	rules=$(printf '%s' "$rules" |
	    sed "s/>[A-Z_]*PASSWORD/>$(cat "$T/$r.pw")/")
	# shellcheck disable=SC2086
	tap_is "ACL SETUSER $name with the documented rules" OK \
	    "$(rcli ACL SETUSER "$name" $rules)"
done <"$T/users.acl"
set +f

# ---------------------------------------------- static: ACL DRYRUN

# What each role runs: its scripts, then what its programs send besides
# (EVALSHA itself is exercised below; DRYRUN cannot parse its numkeys).
# Every role also sends, on a Redis Cluster, CLUSTER SLOTS (the slot
# map) and ASKING (a slot migrating; tests/cluster/reshard.sh meets it
# as these users), with Sentinel ROLE (is the server named the master?),
# and TYPE when a script meets a key of the wrong type; roles that
# enqueue send WAIT with min_replicas_ack (tests/cluster/basic.sh runs
# every program as its user on a cluster).
NET_CALLS="CLUSTER|SLOTS ASKING ROLE TYPE"
PRODUCER_SCRIPTS="enqueue enqueue_many hint"
PRODUCER_CALLS="SCRIPT|LOAD PING SADD ZADD WAIT $NET_CALLS"
WORKER_SCRIPTS="dequeue ack ack_many fail extend release hint"
WORKER_CALLS="SCRIPT|LOAD PING BLPOP ZADD HSET PEXPIRE DEL ZREM $NET_CALLS"
ADMIN_SCRIPTS="promote reclaim requeue purge trim pause resume due settle
hint leader enqueue enqueue_many stats inspect findready deadlist deadfind fsck_scan
fsck_ready fsck_fix"
ADMIN_CALLS="SCRIPT|LOAD PING INFO TIME SADD SMEMBERS SET GET PTTL ZADD
SUBSCRIBE ZRANGE ZREMRANGEBYSCORE HGETALL LRANGE WAIT $NET_CALLS"
READONLY_SCRIPTS="stats inspect findready deadlist deadfind"
READONLY_CALLS="SCRIPT|LOAD PING INFO TIME SMEMBERS GET PTTL ZRANGE
HGETALL LRANGE $NET_CALLS"

all=$(ls "$SCRIPTS" | sed -n 's/\.lua$//p' | grep -vx prelude | sort |
    tr '\n' ' ')
covered=$(echo $PRODUCER_SCRIPTS $WORKER_SCRIPTS $ADMIN_SCRIPTS |
    tr ' ' '\n' | sort -u | tr '\n' ' ')
tap_is "every script of core/scripts belongs to a role here" "$all" \
    "$covered"

acl_check "$SCRIPTS" \
    "producer:$PRODUCER_SCRIPTS:$PRODUCER_CALLS" \
    "worker:$WORKER_SCRIPTS:$WORKER_CALLS" \
    "admin:$ADMIN_SCRIPTS:$ADMIN_CALLS" \
    "readonly:$READONLY_SCRIPTS:$READONLY_CALLS" >"$T/static.out" ||
    bail "the static check did not run"
while read -r kind role n denied; do
	[ "$kind" = ROLE ] || continue
	tap_is "tq-$role may run all $n commands of its scripts and calls" \
	    "" "$denied"
done <"$T/static.out"
diag "writing commands of the scripts and calls:" \
    "$(sed -n 's/^WRITES //p' "$T/static.out")"
tap_is "tq-readonly may run none of them" "" \
    "$(sed -n 's/^RO_ALLOWED *//p' "$T/static.out")"

# ---------------------------------------------- producer: tq enqueue

rcli ACL LOG RESET >/dev/null
P="$TQ -c $T/producer.conf"
ok=0
$P enqueue email '{"n":1}' >/dev/null && ok=$((ok + 1))
$P enqueue --delay 1s email '{"n":2}' >/dev/null && ok=$((ok + 1))
$P enqueue --unique-for 1h email '{"n":3}' >/dev/null && ok=$((ok + 1))
printf '%s\n' '{"type":"email","payload":{"n":4}}' \
    '{"type":"email","payload":{"n":5}}' \
    '{"type":"email","payload":{"n":6},"priority":9}' |
    $P enqueue --batch >/dev/null && ok=$((ok + 1))
$P enqueue -q email bad '{"n":7}' >/dev/null && ok=$((ok + 1))
tap_is "tq-producer: ready, delayed, unique, batch and typed enqueues" 5 \
    "$ok"
tap_is "tq-producer: nothing refused on the way (ACL LOG)" "" \
    "$(acl_refused)"

run $P dead purge --all email
tap_is "tq-producer: dead purge refused (1)" 1 "$status"
tap_like "with Redis's reason" \
    'dead purge: NOPERM .*no permissions to access one of the keys' "$err"
run $P pause email
tap_is "tq-producer: pause refused (1)" 1 "$status"
run $P stats
tap_like "tq-producer: stats refused, naming the command" \
    "NOPERM .*'smembers' command" "$err"

# ---------------------------------------------- worker and tqd at work

rcli ACL LOG RESET >/dev/null
"$TQD" -v -c "$T/admin.conf" </dev/null >"$T/tqd.log" 2>&1 &
tqd_pid=$!
kill_at_exit $tqd_pid
# Every email fails its first attempt: its retry needs tqd to promote it.
"$TQW" -v -c "$T/worker.conf" -q email -C 2 \
    --exec email='cat >/dev/null; [ "$TQ_ATTEMPT" -gt 1 ] || exit 1' \
    --exec bad='exit 100' </dev/null >"$T/worker.log" 2>&1 &
w_pid=$!
kill_at_exit $w_pid

done_all() {
	[ "$(stat_of email processed 2>/dev/null)" = 6 ] &&
	    [ "$(stat_of email dead 2>/dev/null)" = 1 ]
}
t0=$(date +%s%N)
wait_until 20 done_all
tap_ok "tq-worker and tq-admin: 6 acked after one retry each, 1 dead" \
    done_all
diag "took $((($(date +%s%N) - t0) / 1000000)) ms"
tap_is "tq-worker: 7 failed attempts counted" 7 "$(stat_of email failed)"
run "$TQTOP" -c "$T/readonly.conf" -b -n 1
tap_like "tqtop -b as tq-readonly: the worker, tqd leading, the queue" \
    'workers=1 queues=1 leader=tqd-.*[|]email 0 0 0 0 1 ' \
    "$(echo "$out" | tr '\n' '|')"
tap_is "tqtop -b as tq-readonly: status 0" 0 "$status"
tap_is "tq-worker, tq-admin, tq-readonly: nothing refused (ACL LOG)" "" \
    "$(acl_refused)"
diag "config|get refusals: $(rcli ACL LOG 128 | grep -c '^config|get$')"

W="$TQ -c $T/worker.conf"
run $W enqueue email '{}'
tap_like "tq-worker: enqueue refused" "NOPERM .*'sadd' command" "$err"
run $W pause email
tap_like "tq-worker: pause stops at SET, before writing" \
    "can't run this command" "$err"
tap_is "and the queue is not paused" false "$(stat_of email paused)"

kill -TERM $w_pid
wait_until 15 not_alive $w_pid
wait $w_pid
tap_is "tqworker as tq-worker stops cleanly (0)" 0 $?
tap_is "and has left the registry (DEL, ZREM)" 0 \
    "$(rcli ZCARD tq:workers)"

# ---------------------------------------------- read-only

rcli ACL LOG RESET >/dev/null
RO="$TQ -c $T/readonly.conf"
dead_id=$($RO dead ls --json email | jsonq "d['dead'][0]['id']")
ok=0
$RO stats >/dev/null && ok=$((ok + 1))
$RO queues >/dev/null && ok=$((ok + 1))
$RO inspect -q email "$dead_id" >/dev/null && ok=$((ok + 1))
$RO dead ls email >/dev/null && ok=$((ok + 1))
$RO workers >/dev/null && ok=$((ok + 1))
"$TQTOP" -c "$T/readonly.conf" --read-only -b -n 2 -d 0.1 >/dev/null &&
    ok=$((ok + 1))
tap_is "tq-readonly: stats, queues, inspect, dead ls, workers, tqtop -b" \
    6 "$ok"
tap_is "tq-readonly: nothing refused (ACL LOG)" "" "$(acl_refused)"

run $RO enqueue email '{}'
tap_is "tq-readonly: enqueue refused (1)" 1 "$status"
tap_like "naming the command" "NOPERM .*'sadd' command" "$err"
run $RO dead purge --all email
tap_is "tq-readonly: dead purge refused (1)" 1 "$status"
tap_like "at the script's first write" \
    "script can't run this command" "$err"
tap_is "and the dead letter is still there" 1 "$(stat_of email dead)"
run $RO dead requeue --all email
tap_is "tq-readonly: dead requeue refused (1)" 1 "$status"
run $RO pause email
tap_is "tq-readonly: pause refused (1)" 1 "$status"
tap_is "nothing changed" "1 false" \
    "$(stat_of email dead) $(stat_of email paused)"

# ---------------------------------------------- admin

A="$TQ -c $T/admin.conf"
rcli ACL LOG RESET >/dev/null
ok=0
$A pause email >/dev/null && ok=$((ok + 1))
$A resume email >/dev/null && ok=$((ok + 1))
$A dead requeue --all email >/dev/null && ok=$((ok + 1))
$A fsck >/dev/null && ok=$((ok + 1))
$A fsck --repair >/dev/null && ok=$((ok + 1))
tap_is "tq-admin: pause, resume, dead requeue, fsck, fsck --repair" 5 "$ok"
tap_is "tq-admin: nothing refused (ACL LOG)" "" "$(acl_refused)"
tap_is "the requeued task is ready" "0 1" \
    "$(stat_of email dead) $(stat_of email ready)"

kill -TERM $tqd_pid
wait_until 10 not_alive $tqd_pid
wait $tqd_pid
tap_is "tqd as tq-admin stops cleanly (0)" 0 $?
tap_is "tqd logged no error" "" "$(grep ' error: ' "$T/tqd.log")"
leaked=
for r in $ROLES; do
	grep -qF "$(cat "$T/$r.pw")" "$T/tqd.log" "$T/worker.log" &&
	    leaked="$leaked $r"
done
tap_is "no password in tqd's or tqworker's log" "" "$leaked"

finish
