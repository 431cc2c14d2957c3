#!/bin/sh
#
# integration.sh -- tests/integration/cli.sh and fsck.sh on a Redis
# Cluster.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Each script runs as it is, on a fresh 3-master cluster instead of its
# private server: with TQ_TEST_CLUSTER set, tests/lib.sh points
# TQ_REDIS_URL at the cluster, its redis-cli checks follow redirections,
# and its "Redis goes away" stops the cluster's nodes.  So every command
# of tq(1), its output and exit statuses, and every repair of tq fsck are
# checked through libtq's cluster router, their queues spread over the
# masters by their names.  The scripts' TAP points are ours, prefixed by
# the script's name; each must also exit 0.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cluster/lib.sh"

T=$TQ_TESTDIR

# suite NAME: tests/integration/NAME.sh on a cluster of its own.
suite() {
	cluster_start 3
	_pids=
	for _p in $CL_PORTS; do
		_pids="$_pids $(cluster_pid "$_p")"
	done
	TQ_TEST_CLUSTER=$CL_SEEDS TQ_TEST_CLUSTER_PIDS=$_pids \
	    sh "$TQ_SRCDIR/tests/integration/$1.sh" >"$T/$1.out" 2>"$T/$1.err"
	_rc=$?
	while IFS= read -r _l; do
		case $_l in
		"ok "*)
			tap_pass "$1: ${_l#ok * - }"
			;;
		"not ok "*)
			tap_fail "$1: ${_l#not ok * - }"
			;;
		"Bail out!"*)
			tap_fail "$1: $_l"
			;;
		"#"*)
			printf '%s\n' "$_l"
			;;
		esac
	done <"$T/$1.out"
	tap_is "$1 on a cluster exits 0" 0 "$_rc"
}

# Masters that hold keys (of the last cluster, if it still runs).
masters_with_keys() {
	_n=0
	for _p in $(cluster_masters); do
		[ "$(ccli "$_p" dbsize)" -gt 0 ] && _n=$((_n + 1))
	done
	echo $_n
}

suite fsck
tap_is "fsck.sh left its keys on all 3 masters" 3 "$(masters_with_keys)"
suite cli
cluster_finish
