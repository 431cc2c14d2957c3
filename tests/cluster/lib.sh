# lib.sh -- a private Redis Cluster for tq's cluster tests; source it.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Sources tests/lib.sh (scratch directory, cleanup, TAP helpers), then:
#
#   cluster_start M [R]     M masters and R replicas of each, each a
#                           redis-server --cluster-enabled yes on a free
#                           loopback port (its bus port, +10000, free too),
#                           joined with redis-cli --cluster create; waits
#                           until every node says cluster_state:ok.  Sets
#                           CL_PORTS (all nodes, masters first), CL_SEEDS
#                           (host:port,... of the masters) and
#                           TQ_REDIS_URL=redis-cluster://$CL_SEEDS.
#   ccli PORT ARGS...       redis-cli on one node
#   cluster_port_of KEY     the port of the master serving KEY's slot
#   cluster_pid PORT        the pid of the node on PORT
#   cluster_wait_ok         until every live node says cluster_state:ok
#   cluster_masters         the ports of the masters now
#   cluster_stat PORT NAME  a figure of the node's INFO commandstats or
#                           errorstats (cmdstat_asking, errorstat_MOVED)
#   cluster_watch NAME PATH...
#                           in the background, note in $T/NAME.watch each
#                           time the files PATH (or those in the
#                           directories PATH) grow: a ledger, done files
#   cluster_unwatch         stop every cluster_watch
#   cluster_pause NAME T0   the longest time in ms without growth that
#                           ended after T0 (ms since the epoch; "none"
#                           when nothing grew after T0)
#   cluster_lines FILE      its line count (0 when missing)
#   cluster_alive PID       whether PID runs (not a zombie)
#   cluster_stop DESC PID [SECS]
#                           SIGTERM a program this shell started; a TAP
#                           point: it exits 0 within SECS (default 20)
#   cluster_ledger NAME QUEUE LEDGER DIR [LOSS]
#                           check.py: sets c_NAME for each figure; TAP
#                           points for nothing pending, a reason for every
#                           dead task, tq fsck clean and, unless LOSS is
#                           "measure", nothing acknowledged lost
#   cluster_acl_users PORTS...
#                           docs/SECURITY.md's four ACL users on each node,
#                           a random password each; $T/ROLE.pw, and
#                           $T/ROLE.conf with [redis] url, user and
#                           password_file (TQ_REDIS_URL); again on a node
#                           that restarted, with the same passwords
#   cluster_acl_refused PORTS...
#                           what ACL LOG of those nodes shows refused to
#                           our users, but CONFIG GET (left out on purpose)
#   cluster_finish          a TAP point: no program's log ($T/*.log, *.err,
#                           *.out) holds an ASan/UBSan/LSan report; finish
#
# Nodes listen on 127.0.0.1 only; their files live in the scratch
# directory and go with it.  Timings are short (cluster-node-timeout
# 1000 ms) so that a failover takes a second or two, and a master sends
# a new replica its data at once (repl-diskless-sync-delay 0, not 5 s).

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

CL_PORTS=
CL_SEEDS=
CL_WATCHERS=
CL_NODE_TIMEOUT=${CL_NODE_TIMEOUT:-1000}

# N free ports p with p + 10000 free as well (the cluster bus).
cluster_free_ports() {
	"$PYTHON" - "$1" <<'EOF'
import socket, sys, random
want, got = int(sys.argv[1]), []
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p))
        return True
    except OSError:
        return False
    finally:
        s.close()
tries = 0
while len(got) < want and tries < 5000:
    tries += 1
    p = random.randint(20000, 45000)
    if p in got or p + 10000 in got or p == 6379:
        continue
    if free(p) and free(p + 10000):
        got.append(p)
print(" ".join(map(str, got)))
EOF
}

ccli() {
	_p=$1
	shift
	"$REDIS_CLI" -h 127.0.0.1 -p "$_p" "$@"
}

cluster_pid() {
	cat "$TQ_TESTDIR/node-$1/pid" 2>/dev/null
}

# Whether the node on port $1 answers (a killed one may linger as a
# zombie, which kill -0 would count).
node_up() {
	"$REDIS_CLI" -h 127.0.0.1 -p "$1" ping 2>/dev/null | grep -q PONG
}

# Start one node on port $1 (again, if it ran before: same files).
cluster_node_start() {
	_d=$TQ_TESTDIR/node-$1
	mkdir -p "$_d"
	(cd "$_d" && exec "$REDIS_SERVER" --port "$1" --bind 127.0.0.1 \
	    --cluster-enabled yes --cluster-config-file nodes.conf \
	    --cluster-node-timeout "$CL_NODE_TIMEOUT" --save '' \
	    --appendonly "${CL_APPENDONLY:-no}" --appendfsync always \
	    --repl-diskless-sync-delay 0 \
	    --dir "$_d" --logfile "$_d/log" --daemonize no \
	    </dev/null >/dev/null 2>&1) &
	echo $! >"$_d/pid"
	kill_at_exit $!
	wait_until 10 sh -c "'$REDIS_CLI' -h 127.0.0.1 -p $1 ping \
	    >/dev/null 2>&1" || bail "cluster node on port $1 did not start"
}

cluster_wait_ok() {
	for _p in $CL_PORTS; do
		node_up "$_p" || continue
		wait_until 20 sh -c "'$REDIS_CLI' -h 127.0.0.1 -p $_p \
		    cluster info | grep -q 'cluster_state:ok'" ||
		    bail "cluster node $_p is not ok"
	done
}

cluster_start() {
	_m=$1
	_r=${2:-0}
	REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server)}
	REDIS_CLI=${REDIS_CLI:-$(command -v redis-cli)}
	[ -x "$REDIS_SERVER" ] || bail "redis-server not found"
	[ -x "$REDIS_CLI" ] || bail "redis-cli not found"
	CL_PORTS=$(cluster_free_ports $((_m * (1 + _r))))
	[ -n "$CL_PORTS" ] || bail "no free loopback ports"
	_all=
	for _p in $CL_PORTS; do
		cluster_node_start "$_p"
		_all="$_all 127.0.0.1:$_p"
	done
	# redis-cli --cluster create wants three masters at least; one
	# master alone (bench/cluster's baseline) takes every slot itself.
	if [ "$_m" -eq 1 ] && [ "$_r" -eq 0 ]; then
		ccli "$CL_PORTS" cluster addslotsrange 0 16383 \
		    >"$TQ_TESTDIR/create.log" 2>&1 ||
		    bail "CLUSTER ADDSLOTSRANGE failed"
	else
		# shellcheck disable=SC2086
		"$REDIS_CLI" --cluster create $_all --cluster-replicas "$_r" \
		    --cluster-yes >"$TQ_TESTDIR/create.log" 2>&1 ||
		    bail "redis-cli --cluster create failed: $(tail -n 3 \
		    "$TQ_TESTDIR/create.log")"
	fi
	cluster_wait_ok
	CL_SEEDS=
	for _p in $(cluster_masters); do
		CL_SEEDS="$CL_SEEDS${CL_SEEDS:+,}127.0.0.1:$_p"
	done
	TQ_REDIS_URL=redis-cluster://$CL_SEEDS
	export TQ_REDIS_URL
}

# The ports of the nodes that are masters now.
cluster_masters() {
	for _p in $CL_PORTS; do
		node_up "$_p" || continue
		ccli "$_p" role 2>/dev/null | head -n 1 | grep -qx master &&
		    printf '%s\n' "$_p"
	done
}

# The master port serving key $1, from a live node's CLUSTER NODES.
cluster_port_of() {
	for _p in $CL_PORTS; do
		node_up "$_p" && break
	done
	_slot=$(ccli "$_p" cluster keyslot "$1")
	ccli "$_p" cluster nodes | "$PYTHON" -c '
import sys
slot = int(sys.argv[1])
for line in sys.stdin:
    f = line.split()
    flags = f[2].split(",") if len(f) > 2 else []
    if len(f) < 9 or "master" not in flags or "fail" in flags:
        continue
    for r in f[8:]:
        if r.startswith("["):
            continue
        a, _, b = r.partition("-")
        if int(a) <= slot <= int(b or a):
            print(f[1].split("@")[0].rsplit(":", 1)[1], end="")
            sys.exit(0)
' "$_slot"
}

# The chaos suite's ledger tools (tests/chaos): a producer that records
# what enqueue acknowledged, workers that record what they completed,
# and the check of both against Redis.
CHAOS=$(lib_exe "$TQ_BUILDDIR/tests/chaos/chaos")
CHECK="$PYTHON $TQ_SRCDIR/tests/chaos/check.py"

# cluster_stat PORT NAME: a calls= or count= figure of the node's INFO
# commandstats or errorstats (cmdstat_asking, errorstat_MOVED, ...), 0
# when absent.  Redirections are proved by the nodes' own counters.
cluster_stat() {
	ccli "$1" info all 2>/dev/null | tr -d '\r' | sed -n \
	    "s/^$2:\(calls\|count\)=\([0-9]*\).*/\2/p" | head -n 1 |
	    grep . || echo 0
}

cluster_watch() {
	_name=$1
	shift
	"$PYTHON" -c '
import os, sys, time
out, paths = sys.argv[1], sys.argv[2:]
def size():
    n = 0
    for p in paths:
        try:
            names = [os.path.join(p, f) for f in os.listdir(p)] \
                if os.path.isdir(p) else [p]
        except OSError:
            continue
        for f in names:
            try:
                n += os.stat(f).st_size
            except OSError:
                pass
    return n
last = -1
with open(out, "a") as f:
    while True:
        s = size()
        if s != last:
            f.write("%d %d\n" % (time.time() * 1000, s))
            f.flush()
            last = s
        time.sleep(0.01)
' "$TQ_TESTDIR/$_name.watch" "$@" &
	kill_at_exit $!
	CL_WATCHERS="$CL_WATCHERS $!"
}

cluster_unwatch() {
	for _w in $CL_WATCHERS; do
		kill "$_w" 2>/dev/null
		wait "$_w" 2>/dev/null
	done
	CL_WATCHERS=
}

cluster_pause() {
	"$PYTHON" -c '
import sys
t0 = int(sys.argv[2])
ts = [int(l.split()[0]) for l in open(sys.argv[1]) if l.strip()][1:]
gaps = [b - a for a, b in zip(ts, ts[1:]) if b > t0]
print(max(gaps) if gaps else "none")
' "$TQ_TESTDIR/$1.watch" "$2"
}

cluster_lines() {
	if [ -f "$1" ]; then
		wc -l <"$1" | tr -d ' '
	else
		echo 0
	fi
}

# Whether pid $1 runs (a zombie does not).
cluster_alive() {
	_st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$_st" ] && [ "$_st" != Z ] && [ "$_st" != X ]
}

cluster_stop() {
	_desc=$1
	_pid=$2
	_i=0
	kill -TERM "$_pid" 2>/dev/null
	while cluster_alive "$_pid" && [ $_i -lt $((${3:-20} * 10)) ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if cluster_alive "$_pid"; then
		kill -9 "$_pid" 2>/dev/null
		wait "$_pid" 2>/dev/null
		tap_fail "$_desc stops on SIGTERM" \
		    "still running after ${3:-20} s: killed"
		return
	fi
	wait "$_pid"
	tap_is "$_desc stops on SIGTERM with status 0" 0 $?
}

cluster_ledger() {
	_name=$1
	$CHECK "$TQ" "$2" "$3" "$4" >"$TQ_TESTDIR/$_name.check" \
	    2>"$TQ_TESTDIR/$_name.check.err"
	ledger_figures "$TQ_TESTDIR/$_name.check"
	head -n 5 "$TQ_TESTDIR/$_name.check.err" | while read -r _l; do
		diag "$_l"
	done
	if [ "${5:-}" = measure ]; then
		tap_ok "$_name: the loss is measured ($c_lost)" \
		    test -n "$c_lost"
	else
		tap_is "$_name: no acknowledged task lost" 0 "$c_lost"
	fi
	tap_is "$_name: none left pending" 0 "$c_pending"
	tap_is "$_name: every dead task has a reason" 0 "$c_dead_noreason"
	tap_is "$_name: tq fsck is clean" clean "$c_fsck"
}

cluster_acl_users() {
	_doc=$TQ_SRCDIR/docs/SECURITY.md
	grep '^user tq-' "$_doc" >"$TQ_TESTDIR/users.acl"
	[ "$(grep -c . "$TQ_TESTDIR/users.acl")" -eq 4 ] ||
	    bail "$_doc: not four ACL users"
	for _r in producer worker admin readonly; do
		# Again on a node that restarted: the same passwords.
		[ -f "$TQ_TESTDIR/$_r.pw" ] && continue
		od -An -N16 -tx1 /dev/urandom | tr -d ' \n' \
		    >"$TQ_TESTDIR/$_r.pw"
		chmod 600 "$TQ_TESTDIR/$_r.pw"
		printf '[redis]\nurl = %s\nuser = tq-%s\npassword_file = %s\n' \
		    "$TQ_REDIS_URL" "$_r" "$TQ_TESTDIR/$_r.pw" \
		    >"$TQ_TESTDIR/$_r.conf"
		chmod 600 "$TQ_TESTDIR/$_r.conf"
	done
	set -f
	while read -r _ _name _rules; do
		_r=${_name#tq-}
		_rules=$(printf '%s' "$_rules" |
		    sed "s/>[A-Z_]*PASSWORD/>$(cat "$TQ_TESTDIR/$_r.pw")/")
		for _p in "$@"; do
			# shellcheck disable=SC2086
			[ "$(ccli "$_p" acl setuser "$_name" $_rules)" = OK ] ||
			    bail "ACL SETUSER $_name refused on node $_p"
		done
	done <"$TQ_TESTDIR/users.acl"
	set +f
}

cluster_acl_refused() {
	for _p in "$@"; do
		ccli "$_p" acl log 128 | awk -v node="$_p" '
		    prev == "reason" { why = $0 }
		    prev == "object" { obj = $0 }
		    prev == "username" && obj != "config|get" {
			print node ": " $0 " " why " " obj }
		    { prev = $0 }'
	done
}

cluster_finish() {
	_san=$(grep -l 'AddressSanitizer\|LeakSanitizer\|runtime error:' \
	    "$TQ_TESTDIR"/*.log "$TQ_TESTDIR"/*.err "$TQ_TESTDIR"/*.out \
	    2>/dev/null)
	tap_is "no sanitizer report in the programs' logs" "" "$_san"
	# shellcheck disable=SC2086
	[ -n "$_san" ] && diag "$(grep -h -A 20 'Sanitizer\|runtime error:' \
	    $_san | head -n 60)"
	finish
}
