# lib.sh -- shared by the shell integration tests; source it, don't run it.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# A POSIX sh library for TAP test scripts that run tq's programs against
# a private redis-server.  Sourcing it makes a scratch directory and sets
# a trap that, on EXIT, INT, TERM or HUP, kills what the test started and
# removes the directory.  redis_start starts redis-server on a unix socket
# in that directory (never on a TCP port: the machine's Redis on 6379 is
# not ours) and points TQ_REDIS_URL at it.  A missing redis-server is a
# failure ("Bail out!"), not a skip: a test that skips proves nothing.
#
# Variables set here:
#   TQ_SRCDIR, TQ_BUILDDIR  source and build trees (make check sets both;
#                           by default the tree the script is in)
#   TQ, TQTEST              the tq binary and the tqtest helper
#   LD_LIBRARY_PATH         gets the build's core/.libs first
#   PYTHON                  python3 (for JSON checks)
#   TQ_TESTDIR              the scratch directory
#   TQ_CONFIG               an empty config file, so /etc/tq.conf and the
#                           caller's environment cannot leak into a test
#   REDIS_SOCK, TQ_REDIS_URL, REDIS_PID   after redis_start
#   REDIS_WHERE                  after redis_start: the [redis] line that
#                                names the server in a configuration file
#
# Functions:
#   redis_start / redis_stop     the private server
#   rcli ARGS...                 redis-cli on the private server
#   rdbsize                      how many keys the server holds
#
# With TQ_TEST_CLUSTER set (tests/cluster/integration.sh runs a script so)
# to the host:port,... of a Redis Cluster's masters, redis_start starts
# nothing and points TQ_REDIS_URL at that cluster, rcli follows
# redirections (redis-cli -c), rdbsize adds the masters up, and
# redis_stop SIGTERMs $TQ_TEST_CLUSTER_PIDS and waits until no master
# answers.  A script that works on keys of several slots in one redis-cli
# command cannot run so.
#   lib_exe PATH                 the binary to run for a built program
#   kill_at_exit PID             kill PID (TERM, then KILL) at exit
#   run CMD...                   run CMD; set $out, $err (text, final
#                                newlines dropped) and $status
#   wait_until SECS CMD...       retry CMD every 0.1 s, at most SECS seconds
#   jsonq EXPR                   python3: print EXPR of d = JSON on stdin
#   plan N, finish               TAP plan (or a trailing one from finish)
#   tap_ok DESC CMD...           ok if CMD exits 0
#   tap_status DESC N CMD...     ok if CMD exits with status N
#   tap_is DESC EXPECTED ACTUAL  ok if the strings are equal
#   tap_like DESC ERE ACTUAL     ok if ACTUAL matches the extended regex
#   diag MSG, bail MSG           "# MSG"; "Bail out! MSG" and exit 1

TQ_SRCDIR=${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
TQ_BUILDDIR=${TQ_BUILDDIR:-$TQ_SRCDIR}
export TQ_SRCDIR TQ_BUILDDIR

# The program at path $1, skipping libtool's wrapper script when there is
# one: the wrapper costs a shell per run, which adds up over hundreds of
# runs.  The real binary then finds libtq through LD_LIBRARY_PATH.
lib_exe() {
	_dir=$(dirname "$1")
	_base=$(basename "$1")
	if [ -x "$_dir/.libs/$_base" ] && [ -d "$TQ_BUILDDIR/core/.libs" ] &&
	    grep -q 'libtool' "$1" 2>/dev/null; then
		echo "$_dir/.libs/$_base"
	else
		echo "$1"
	fi
}
LD_LIBRARY_PATH=$TQ_BUILDDIR/core/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
# The system's python3 first: a version manager's shim costs ~0.5 s a run.
if [ -z "$PYTHON" ]; then
	if [ -x /usr/bin/python3 ]; then
		PYTHON=/usr/bin/python3
	else
		PYTHON=$(command -v python3)
	fi
fi
TQ=$(lib_exe "$TQ_BUILDDIR/tq")
TQTEST=$(lib_exe "$TQ_BUILDDIR/tests/integration/tqtest")

tap_n=0
tap_failed=0
tap_planned=
lib_pids=
REDIS_PID=

diag() {
	printf '# %s\n' "$*"
}

bail() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

# Kill what we started, in reverse order, and remove the scratch space.
lib_cleanup() {
	for _p in $lib_pids $REDIS_PID; do
		kill "$_p" 2>/dev/null
	done
	for _p in $lib_pids $REDIS_PID; do
		# Give each up to 5 s to go, then insist.
		_i=0
		while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do
			sleep 0.1
			_i=$((_i + 1))
		done
		kill -9 "$_p" 2>/dev/null
		wait "$_p" 2>/dev/null
	done
	lib_pids=
	REDIS_PID=
	[ -n "$TQ_TESTDIR" ] && rm -rf "$TQ_TESTDIR"
}

TQ_TESTDIR=$(mktemp -d "${TMPDIR:-/tmp}/tq-test.XXXXXX") ||
	bail "mktemp -d failed"
export TQ_TESTDIR
trap 'lib_cleanup' EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM

: >"$TQ_TESTDIR/tq.conf"
TQ_CONFIG=$TQ_TESTDIR/tq.conf
export TQ_CONFIG
unset TQ_REDIS_URL

kill_at_exit() {
	lib_pids="$1 $lib_pids"
}

redis_start() {
	REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server)}
	if [ -z "$REDIS_SERVER" ] || [ ! -x "$REDIS_SERVER" ]; then
		bail "redis-server not found (apt-get install redis-server)"
	fi
	REDIS_CLI=${REDIS_CLI:-$(command -v redis-cli)}
	if [ -z "$REDIS_CLI" ] || [ ! -x "$REDIS_CLI" ]; then
		bail "redis-cli not found (apt-get install redis-tools)"
	fi
	if [ -n "${TQ_TEST_CLUSTER:-}" ]; then
		TQ_REDIS_URL=redis-cluster://$TQ_TEST_CLUSTER
		REDIS_WHERE="cluster = $TQ_TEST_CLUSTER"
		export TQ_REDIS_URL
		return
	fi
	REDIS_SOCK=$TQ_TESTDIR/redis.sock
	REDIS_WHERE="socket = $REDIS_SOCK"
	"$REDIS_SERVER" --port 0 --unixsocket "$REDIS_SOCK" --save '' \
	    --appendonly no --daemonize no --dir "$TQ_TESTDIR" \
	    --logfile "$TQ_TESTDIR/redis.log" </dev/null &
	REDIS_PID=$!
	_i=0
	until "$REDIS_CLI" -s "$REDIS_SOCK" ping 2>/dev/null | grep -q PONG
	do
		if ! kill -0 "$REDIS_PID" 2>/dev/null; then
			diag "$(tail -n 5 "$TQ_TESTDIR/redis.log" 2>/dev/null)"
			REDIS_PID=
			bail "redis-server exited at startup"
		fi
		_i=$((_i + 1))
		[ $_i -gt 100 ] && bail "redis-server did not answer in 10 s"
		sleep 0.1
	done
	TQ_REDIS_URL=unix://$REDIS_SOCK
	export TQ_REDIS_URL REDIS_SOCK
}

redis_stop() {
	if [ -n "${TQ_TEST_CLUSTER:-}" ]; then
		# shellcheck disable=SC2086
		kill $TQ_TEST_CLUSTER_PIDS 2>/dev/null
		# Not our children: gone once no master answers.
		wait_until 10 sh -c "for n in \$(echo '$TQ_TEST_CLUSTER' |
		    tr , ' '); do ! '$REDIS_CLI' -h \${n%:*} -p \${n##*:} \
		    ping >/dev/null 2>&1 || exit 1; done"
		return
	fi
	if [ -n "$REDIS_PID" ]; then
		kill "$REDIS_PID" 2>/dev/null
		wait "$REDIS_PID" 2>/dev/null
		REDIS_PID=
	fi
}

rcli() {
	if [ -n "${TQ_TEST_CLUSTER:-}" ]; then
		_n=${TQ_TEST_CLUSTER%%,*}
		"$REDIS_CLI" -c -h "${_n%:*}" -p "${_n##*:}" "$@"
	else
		"$REDIS_CLI" -s "$REDIS_SOCK" "$@"
	fi
}

rdbsize() {
	if [ -z "${TQ_TEST_CLUSTER:-}" ]; then
		rcli dbsize
		return
	fi
	_sum=0
	for _n in $(echo "$TQ_TEST_CLUSTER" | tr , ' '); do
		_sum=$((_sum + $("$REDIS_CLI" -h "${_n%:*}" -p "${_n##*:}" \
		    dbsize)))
	done
	echo "$_sum"
}

run() {
	"$@" >"$TQ_TESTDIR/run.out" 2>"$TQ_TESTDIR/run.err"
	status=$?
	out=$(cat "$TQ_TESTDIR/run.out")
	err=$(cat "$TQ_TESTDIR/run.err")
}

wait_until() {
	_deadline=$(($1 * 10))
	shift
	_i=0
	until "$@"; do
		_i=$((_i + 1))
		[ $_i -ge $_deadline ] && return 1
		sleep 0.1
	done
	return 0
}

# ledger_figures FILE: set c_NAME for each NAME=N figure that
# tests/chaos/check.py printed into FILE (the others empty).
ledger_figures() {
	c_acked= c_completed= c_completions= c_duplicates= c_dup_ids=
	c_dead= c_dead_noreason= c_pending= c_lost= c_unacked_done= c_fsck=
	for _kv in $(cat "$1"); do
		case ${_kv%%=*} in
		acked|completed|completions|duplicates|dup_ids|dead|\
		dead_noreason|pending|lost|unacked_done|fsck)
			eval "c_${_kv%%=*}=\${_kv#*=}"
			;;
		esac
	done
}

jsonq() {
	"$PYTHON" -c 'import json, sys
d = json.load(sys.stdin)
r = eval(sys.argv[1])
print(json.dumps(r) if not isinstance(r, str) else r)' "$1"
}

plan() {
	tap_planned=$1
	echo "1..$1"
}

tap_pass() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

tap_fail() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	for _l in "$@"; do
		printf '%s\n' "$_l" | sed 's/^/#   /'
	done
}

tap_ok() {
	_desc=$1
	shift
	if "$@" >"$TQ_TESTDIR/tap.out" 2>"$TQ_TESTDIR/tap.err"; then
		tap_pass "$_desc"
	else
		tap_fail "$_desc" "command exited $?: $*" \
		    "stdout: $(cat "$TQ_TESTDIR/tap.out")" \
		    "stderr: $(cat "$TQ_TESTDIR/tap.err")"
	fi
}

tap_status() {
	_desc=$1
	_want=$2
	shift 2
	"$@" >"$TQ_TESTDIR/tap.out" 2>"$TQ_TESTDIR/tap.err"
	_got=$?
	if [ "$_got" -eq "$_want" ]; then
		tap_pass "$_desc"
	else
		tap_fail "$_desc" "expected status $_want, got $_got: $*" \
		    "stdout: $(cat "$TQ_TESTDIR/tap.out")" \
		    "stderr: $(cat "$TQ_TESTDIR/tap.err")"
	fi
}

tap_is() {
	if [ "$2" = "$3" ]; then
		tap_pass "$1"
	else
		tap_fail "$1" "expected: '$2'" "     got: '$3'"
	fi
}

tap_like() {
	if printf '%s\n' "$3" | grep -Eq -- "$2"; then
		tap_pass "$1"
	else
		tap_fail "$1" "expected to match: $2" "got: '$3'"
	fi
}

# The plan (when none was given up front) and the exit status.
finish() {
	if [ -z "$tap_planned" ]; then
		echo "1..$tap_n"
	elif [ "$tap_planned" -ne "$tap_n" ]; then
		diag "planned $tap_planned tests but ran $tap_n"
		tap_failed=$((tap_failed + 1))
	fi
	[ $tap_failed -eq 0 ] && exit 0
	diag "$tap_failed of $tap_n failed"
	exit 1
}
