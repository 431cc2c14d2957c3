#!/bin/sh
#
# s7-lost-reply.sh -- chaos 7: the command ran, its reply was lost.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# proxy.py forwards a request to Redis, then closes the connection as
# soon as the reply starts: the client sees a broken link and cannot
# know the command ran.  A producer that supplied the task id sends it
# again: that must not make a second task ("exists" is the answer).  A
# worker whose ack reply was lost acks again: that must succeed and
# change nothing.  Then in bulk: a producer and workers each behind a
# proxy that cuts every 7th (13th) reply, retrying what they did not
# hear about; nothing may be lost and Redis must end each task once.
# One task per id holds after the task is done too, for [queue] id_ttl
# (1 h by default); s7u also makes each id its unique key.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/chaos/lib.sh"

N=$(pick 2000 20000)
Q=s7
redis_start
CONF=$T/tq.conf
chaos_conf "$CONF"
mkdir "$T/done"

# proxy NAME: a proxy.py instance; sets ${NAME}_url.
proxy() {
	$PROXY "$REDIS_SOCK" "$T/$1.port" "$T/$1.ctl" >/dev/null \
	    2>"$T/$1.log" &
	chaos_track $!
	wait_until 5 test -s "$T/$1.port" || bail "proxy.py did not start"
	eval "${1}_url=redis://127.0.0.1:$(cat "$T/$1.port")"
}
# ctl NAME MODE...
ctl() {
	_n=$1
	shift
	echo "$*" >"$T/$_n.ctl.tmp"
	mv "$T/$_n.ctl.tmp" "$T/$_n.ctl"
	sleep 0.1	# the proxy reads it within 20 ms
}
cuts() {
	cat "$T/$1.port.cuts"
}
proxy p1

# ------------------------------------------- one enqueue, reply lost
ctl p1 cut s7-one
run "$TQ" -c "$CONF" -u "$p1_url" enqueue -q $Q --id s7-one chaos '{}'
tap_is "the cut enqueue reports a broken link (exit 3)" 3 "$status"
diag "enqueue: $err"
tap_is "the proxy cut one reply" 1 "$(cuts p1)"
tap_is "but the task was written" ready \
    "$("$TQ" inspect --json -q $Q s7-one | jsonq 'd["state"]')"
run "$TQ" -c "$CONF" -u "$p1_url" enqueue -q $Q --id s7-one chaos '{}'
tap_is "the retried enqueue is refused: it exists (exit 1)" 1 "$status"
tap_like "saying so" "exists" "$err"
tap_is "one task in Redis" 1 "$(rcli HLEN "tq:{$Q}:t")"
tap_is "one enqueue counted" 1 "$(qstat $Q enqueued)"

# ------------------------------------------- one ack, reply lost
# The ack names the task's result key (NS:{Q}:res:ID); the dequeue does
# not.
ctl p1 cut ":res:s7-one"
run "$CHAOS" ackretry -c "$CONF" "$p1_url" $Q
tap_is "ack, reply lost, ack again: exit 0" 0 "$status"
tap_like "the first ack saw the broken link" "ack 1: error \\(.*\\)" "$out"
tap_like "the second ack succeeded" "ack 2: ok" "$out"
tap_is "the proxy cut the ack's reply" 2 "$(cuts p1)"
tap_is "the task is done" 0 "$(rcli HLEN "tq:{$Q}:t")"
tap_is "no lease left" 0 "$(rcli HLEN "tq:{$Q}:lease")"
tap_is "one ack counted" 1 "$(qstat $Q processed)"

# ------------------------------------------- in bulk
# Two producers at once, each retrying (same id) what it did not hear
# about: s7b with plain ids, s7u with each id also its unique key.  A
# retry often comes after a worker completed the first copy: the id,
# remembered for id_ttl, must refuse it all the same.
proxy p2
# tqd (directly) reclaims what a lost dequeue reply leased to nobody.
start_tqd tqd -c "$CONF"
ctl p1 cutevery 7
ctl p2 cutevery 13
for s in 1 2 3; do
	worker_start $s -c "$CONF" -C 2 "$p2_url" s7b,s7u "$T/done"
done
t0=$(now_ms)
"$CHAOS" produce -c "$CONF" -n "$N" -p s7b -b 10 -m 25 -r $((N / 8)) \
    "$p1_url" s7b "$T/ledger.b" >"$T/produce.b" 2>"$T/produce.b.err" &
pb=$!
chaos_track $pb
"$CHAOS" produce -c "$CONF" -n "$N" -p s7u -b 10 -m 25 -r $((N / 8)) \
    -u 600000 "$p1_url" s7u "$T/ledger.u" >"$T/produce.u" \
    2>"$T/produce.u.err"
wait $pb
chaos_untrack $pb
wait_drained s7b 60
wait_drained s7u 60
t_end=$(now_ms)
worker_stop_all
for q in b u; do
	eval "$(cat "$T/produce.$q")"
	tap_is "s7$q: every task acknowledged" "$N" "$acked"
	tap_ok "s7$q: some enqueue replies were lost and sent again" \
	    [ "$existed" -gt 0 ]
	ledger_check s7$q s7$q "$T/ledger.$q" "$T/done"
	tap_is "s7$q: Redis ended each task once" "$(qstat s7$q enqueued)" \
	    $(($(qstat s7$q processed) + $(qstat s7$q dead_total)))
	diag "s7$q: $(cat "$T/produce.$q")"
	eval "dups_$q=\$c_duplicates retried_$q=\$retried existed_$q=\$existed"
done
tap_is "s7u: one task per id (unique key): Redis counted N enqueues" \
    "$N" "$(qstat s7u enqueued)"
second=$(($(qstat s7b enqueued) - N))
tap_is "s7b: one task per id (plain id, remembered after it is done)" \
    0 "$second"
diag "s7: tasks=$N+$N cut_replies=$(cuts p1)+$(cuts p2)" \
    "(producers+workers) resent=$retried_b+$retried_u" \
    "existed_on_resend=$existed_b+$existed_u" \
    "second_tasks_plain_id=$second duplicates=$dups_b+$dups_u" \
    "reclaimed=$(qstat s7b failed)+$(qstat s7u failed)" \
    "duration=$(((t_end - t0) / 1000)).$(((t_end - t0) % 1000 / 100))s"
chaos_finish
