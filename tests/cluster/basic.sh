#!/bin/sh
#
# basic.sh -- tq on a real 3-master Redis Cluster (TAP).
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Three queues placed on three different masters (by their hash tags),
# and every program through libtq's cluster router: tq enqueue (one, and
# a batch spanning the three), stats, queues, inspect (a task waiting
# inline, found by reading its ready lists), tqd promoting a delayed
# task, tqworker serving the three at once (its wake-ups, one BLPOP per
# queue on each node), retries, dead letters, requeue and purge, pause
# and resume, tq workers, tq fsck, and tqtop -b.  Each queue's keys must
# live on its own master and nowhere else.
#
# Every program runs as its ACL user of docs/SECURITY.md, created on each
# node (tq enqueue as tq-producer, tqworker as tq-worker, tqd and the
# admin commands as tq-admin, the rest as tq-readonly), and ACL LOG must
# show nothing refused on any node but the CONFIG GET that no role has:
# the commands only a cluster needs (CLUSTER SLOTS) must be granted.
#
# tqd's start-up checks look at every master: one set to evict
# (maxmemory-policy allkeys-lru) is named in a warning, the others not;
# and a master that comes back empty, whichever it is, makes tqd say
# that Redis lost its data.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/cluster/lib.sh"

TQW=$(lib_exe "$TQ_BUILDDIR/tqworker")
TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
TQTOP=$(lib_exe "$TQ_BUILDDIR/tqtop")
T=$TQ_TESTDIR
[ -x "$TQ" ] && [ -x "$TQW" ] && [ -x "$TQD" ] || bail "programs not built"

cluster_start 3
diag "cluster: $CL_SEEDS"
cluster_acl_users $CL_PORTS
# Nothing may fall back on the harness's URL, which has no user.
unset TQ_REDIS_URL
PRD="$TQ -c $T/producer.conf"
RO="$TQ -c $T/readonly.conf"
ADM="$TQ -c $T/admin.conf"

qstat() {
	$RO stats --json "$1" 2>/dev/null |
	    jsonq "d['queues']['$1']['$2']" 2>/dev/null
}
qstat_is() {
	[ "$(qstat "$1" "$2")" = "$3" ]
}

# Three queue names on three different masters.
A= B= C=
pa= pb=
i=0
while [ -z "$C" ] && [ $i -lt 200 ]; do
	q=q$i
	p=$(cluster_port_of "tq:{$q}:t")
	if [ -z "$A" ]; then
		A=$q pa=$p
	elif [ -z "$B" ] && [ "$p" != "$pa" ]; then
		B=$q pb=$p
	elif [ -n "$B" ] && [ "$p" != "$pa" ] && [ "$p" != "$pb" ]; then
		C=$q
	fi
	i=$((i + 1))
done
[ -n "$C" ] || bail "no three queues on three masters"
pc=$(cluster_port_of "tq:{$C}:t")
diag "queues $A@$pa $B@$pb $C@$pc"

# --------------------------------------------------------- enqueue
for q in $A $B $C; do
	run $PRD enqueue -q $q job "{\"q\":\"$q\"}"
	tap_is "enqueue on $q exits 0" 0 "$status"
	[ $q = $B ] && id_b=$out
done
printf '%s\n' "{\"type\":\"job\",\"queue\":\"$A\",\"payload\":1}" \
    "{\"type\":\"job\",\"queue\":\"$B\",\"payload\":2}" \
    "{\"type\":\"job\",\"queue\":\"$C\",\"payload\":3}" \
    "{\"type\":\"job\",\"queue\":\"$A\",\"payload\":{\"fail\":1},\"max_retries\":1,\"id\":\"doomed\"}" \
    >"$T/batch"
run $PRD enqueue --batch <"$T/batch"
tap_is "a batch across three masters: exit 0" 0 "$status"
tap_is "and four ids" 4 "$(printf '%s\n' "$out" | grep -c .)"
tap_is "stats: 3 ready in $A, 2 in $B and $C" "3 2 2" \
    "$(qstat $A ready) $(qstat $B ready) $(qstat $C ready)"
run $RO queues
tap_is "queues lists the three" "$A $B $C" \
    "$(printf '%s\n' "$out" | sort | tr '\n' ' ' | sed 's/ $//')"
for q in $A $B $C; do
	p=$(cluster_port_of "tq:{$q}:t")
	slot=$(ccli "$p" cluster keyslot "tq:{$q}:t")
	elsewhere=0
	for o in $(cluster_masters); do
		[ "$o" = "$p" ] && continue
		elsewhere=$((elsewhere + $(ccli "$o" cluster countkeysinslot \
		    "$slot")))
	done
	here=$(ccli "$p" cluster countkeysinslot "$slot")
	tap_ok "$q's keys live on its master ($p: $here) alone" \
	    test "$here" -gt 0 -a "$elsewhere" -eq 0
done

run $RO inspect --json "$id_b"
tap_is "inspect finds an inline task on $B's master" "ready $B" \
    "$(printf '%s' "$out" | jsonq 'd["state"] + " " + d["queue"]')"

# ----------------------------------------------------------- tqd
for r in worker admin; do
	printf '%s\n' '[worker]' 'lease = 2s' '[queue]' 'retry_base = 100ms' \
	    'retry_cap = 200ms' >>"$T/$r.conf"
done
$PRD enqueue -q $C --delay 1 job '{"later":1}' >/dev/null
tap_is "the delayed task is scheduled" 1 "$(qstat $C scheduled)"
# One master that may evict keys, and so lose tasks: tqd must say which.
ccli "$pb" config set maxmemory-policy allkeys-lru >/dev/null
"$TQD" -c "$T/admin.conf" -v 2>"$T/tqd.log" &
kill_at_exit $!
tqd_pid=$!
tap_ok "tqd promotes it on time" wait_until 4 qstat_is $C ready 3
tap_like "tqd warns of the evicting master, by its address" \
    "warning: Redis maxmemory-policy is allkeys-lru: .*" \
    "$(grep "maxmemory-policy.*(Redis at 127\.0\.0\.1:$pb)$" "$T/tqd.log")"
tap_is "and of it alone" 1 "$(grep -c maxmemory-policy "$T/tqd.log")"
tap_is "tqd warns that appendonly is off on each of the 3 masters" 3 \
    "$(grep -c 'appendonly is off' "$T/tqd.log")"
ccli "$pb" config set maxmemory-policy noeviction >/dev/null

# ------------------------------------------------------ tqworker
# Handler: fail what says "fail", else succeed.
cat >"$T/handler" <<'EOF'
#!/bin/sh
if grep -q fail; then exit 1; fi
exit 0
EOF
chmod +x "$T/handler"
"$TQW" -c "$T/worker.conf" -q $A,$B,$C -C 2 --exec job="$T/handler" \
    2>"$T/worker.log" &
wpid=$!
kill_at_exit $wpid
tap_ok "the worker empties the three queues" wait_until 10 sh -c "
    [ \"\$($RO stats --json $A $B $C | '$PYTHON' -c 'import json,sys
d = json.load(sys.stdin)[\"queues\"]
print(sum(q[\"processed\"] for q in d.values()))')\" = 7 ]"
tap_ok "the failing task retries, then is dead" wait_until 10 qstat_is $A \
    dead 1
tap_is "processed per queue" "2 2 3" \
    "$(qstat $A processed) $(qstat $B processed) $(qstat $C processed)"
run $RO dead ls --json $A
tap_like "dead ls shows its error" '"exit status 1' "$out"

# An idle worker wakes up for a task on any of its queues' masters.
sleep 1.2
$PRD enqueue -q $B job '{}' >/dev/null
tap_ok "an idle worker picks up a new task on $B" wait_until 3 \
    qstat_is $B processed 3

run $ADM dead requeue --all $A
tap_is "requeue --all: exit 0" 0 "$status"
tap_ok "the requeued task fails again, to dead" wait_until 10 sh -c \
    "[ \"\$($RO stats --json $A | '$PYTHON' -c 'import json,sys
d = json.load(sys.stdin)[\"queues\"][\"$A\"]
print(d[\"dead\"], d[\"failed\"])')\" = '1 4' ]"
run $ADM dead purge --all $A
tap_is "purge --all: no dead left" 0 "$(qstat $A dead)"

# -------------------------------------------------- pause, resume
$ADM pause $C >/dev/null
$PRD enqueue -q $C job '{}' >/dev/null
sleep 1
tap_is "a paused queue keeps its task" 1 "$(qstat $C ready)"
$ADM resume $C >/dev/null
tap_ok "resumed, it runs" wait_until 3 qstat_is $C ready 0

# ------------------------------------------ workers, fsck, tqtop
run $RO workers --json
tap_is "tq workers lists the worker" 1 \
    "$(printf '%s' "$out" | jsonq 'len(d["workers"])')"
run $ADM fsck
tap_is "tq fsck over the three queues: clean" 0 "$status"
tap_like "and says so" "^clean: no problems in 3 queues" "$out"
if [ -x "$TQTOP" ]; then
	run "$TQTOP" -c "$T/readonly.conf" -b -n 1
	tap_like "tqtop -b: connected, tqd leading" \
	    "connected=yes workers=1 queues=3 leader=tqd-" "$out"
	tap_like "tqtop -b: a row per queue" "^$B 0 0 0 0 0 " "$out"
fi

# ---------------------------------------------------- ACL users
run $RO pause $C
tap_like "tq-readonly may not pause a queue" "NOPERM|can't run" "$err"
tap_is "nothing refused on any node but that (ACL LOG)" \
    "$pc: tq-readonly command set" "$(cluster_acl_refused $CL_PORTS)"

cluster_stop "tqworker" "$wpid"
tap_is "nothing is left active" "0 0 0" \
    "$(qstat $A active) $(qstat $B active) $(qstat $C active)"

# ------------------------------------ a master that comes back empty
# Any master, not only the one of the key tq:marker: restarted without
# persistence (and no replica to take over), it lost tqd's markers of
# its slots with the rest.
tap_is "tqd has not seen a loss yet" 0 \
    "$(grep -c 'LOST ITS DATA' "$T/tqd.log")"
victim=$(cluster_masters | grep -vx "$(cluster_port_of tq:marker)" |
    head -n 1)
kill -9 "$(cluster_pid "$victim")"
cluster_node_start "$victim"
cluster_acl_users "$victim"
cluster_wait_ok
# tqd looks at its markers every scan_interval (5 s).
tap_ok "tqd says Redis lost its data when $victim comes back empty" \
    wait_until 15 grep -q "error: Redis LOST ITS DATA" "$T/tqd.log"
cluster_stop "tqd" "$tqd_pid"
cluster_finish
