#!/bin/sh
# run.sh -- run libFuzzer harnesses for a bounded time; what "make fuzz"
# runs.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# usage: run.sh FUZZDIR HARNESS...
#
# FUZZDIR is tests/fuzz of the source tree: the seed corpus of harness
# fuzz-NAME is FUZZDIR/corpus/NAME (read only: it may be a distcheck's
# read-only tree) and its dictionary FUZZDIR/NAME.dict, if there is one.
# Each harness runs $FUZZ_SECONDS seconds (default 60), one after the
# other (the CI machine has two cores and other work to do), from the
# seeds and the corpus it grew in earlier runs, which it keeps growing in
# tests/fuzz/work/NAME of the build tree.  A crash, a leak, a sanitizer
# report, a broken property (the harness aborts), a timeout or running out
# of memory fails the harness; libFuzzer saves the input in
# tests/fuzz/artifacts/NAME/, and this script prints the end of the log and
# how to rerun that one input.  The full log is tests/fuzz/NAME.log.
#
# Output: one TAP-like line per harness ("ok 1 - fuzz-url: ...") with its
# runs, runs per second and coverage, then a summary block in the shape of
# automake's ("# TOTAL: 4", "# PASS: 4", "# FAIL: 0"), which
# scripts/check counts as it counts test results.  The exit status is 0
# only when every harness passed.

set -u

if [ $# -lt 2 ]; then
	echo "usage: run.sh FUZZDIR HARNESS..." >&2
	exit 2
fi
fuzzdir=$1
shift
secs=${FUZZ_SECONDS:-60}
case "$secs" in
''|*[!0-9]*)
	echo "run.sh: FUZZ_SECONDS must be a whole number of seconds" >&2
	exit 2
	;;
esac

n=0
pass=0
fail=0
for prog in "$@"; do
	n=$((n + 1))
	base=$(basename "$prog")
	name=${base#fuzz-}
	dir=$(dirname "$prog")
	work=$dir/work/$name
	art=$dir/artifacts/$name
	log=$dir/$name.log
	seeds=$fuzzdir/corpus/$name
	mkdir -p "$work" "$art" || exit 2
	set -- "$prog" -max_total_time="$secs" -timeout=10 \
	    -rss_limit_mb=2048 -malloc_limit_mb=512 -print_final_stats=1 \
	    -artifact_prefix="$art/"
	[ -f "$fuzzdir/$name.dict" ] && set -- "$@" -dict="$fuzzdir/$name.dict"
	set -- "$@" "$work"
	[ -d "$seeds" ] && set -- "$@" "$seeds"
	# Inputs kept from earlier runs were reported then: only new ones
	# count.  stdin is /dev/null: no harness may wait on a terminal.
	: >"$dir/artifacts/.start-$name"
	"$@" </dev/null >"$log" 2>&1
	rc=$?

	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
	ft=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
	corp=$(sed -n 's/.* corp: \([0-9]*\)\/.*/\1/p' "$log" | tail -n 1)
	what="$base: ${runs:-?} runs in ${secs} s (${rate:-?}/s), cov ${cov:-?} edges, ft ${ft:-?}, corpus ${corp:-?}"
	crashes=$(find "$art" -type f -newer "$dir/artifacts/.start-$name" |
	    head -n 5)
	if [ "$rc" -eq 0 ] && [ -z "$crashes" ]; then
		pass=$((pass + 1))
		echo "ok $n - $what"
	else
		fail=$((fail + 1))
		echo "not ok $n - $what (exit $rc)"
		echo "# ---- last 40 lines of $log ----"
		tail -n 40 "$log" | sed 's/^/# /'
		for f in $crashes; do
			echo "# input kept: $f; rerun it with: $prog $f"
		done
	fi
done

echo "1..$n"
echo "# TOTAL: $n"
echo "# PASS:  $pass"
echo "# FAIL:  $fail"
[ "$fail" -eq 0 ]
