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
#
# Nodes listen on 127.0.0.1 only; their files live in the scratch
# directory and go with it.  Timings are short (cluster-node-timeout
# 1000 ms) so that a failover takes a second or two.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

CL_PORTS=
CL_SEEDS=
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
	# shellcheck disable=SC2086
	"$REDIS_CLI" --cluster create $_all --cluster-replicas "$_r" \
	    --cluster-yes >"$TQ_TESTDIR/create.log" 2>&1 ||
	    bail "redis-cli --cluster create failed: $(tail -n 3 \
	    "$TQ_TESTDIR/create.log")"
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

# cluster_migrate SLOT FROM TO: move one slot between masters by hand,
# as redis-cli --cluster reshard does, a few keys at a time so that
# clients meet ASK (and TRYAGAIN) on the way and MOVED afterwards.
cluster_migrate() {
	_slot=$1
	_from=$2
	_to=$3
	_fid=$(ccli "$_from" cluster myid)
	_tid=$(ccli "$_to" cluster myid)
	ccli "$_to" cluster setslot "$_slot" importing "$_fid" >/dev/null
	ccli "$_from" cluster setslot "$_slot" migrating "$_tid" >/dev/null
	while :; do
		_keys=$(ccli "$_from" cluster getkeysinslot "$_slot" 5)
		[ -n "$_keys" ] || break
		# shellcheck disable=SC2086
		ccli "$_from" migrate 127.0.0.1 "$_to" "" 0 5000 keys $_keys \
		    >/dev/null
		sleep 0.05
	done
	for _p in $(cluster_masters); do
		ccli "$_p" cluster setslot "$_slot" node "$_tid" >/dev/null
	done
}
