#!/bin/sh
#
# s5-poison.sh -- chaos 5: a handler that crashes its worker every time.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Tasks whose id contains "poison" make "chaos work" abort() on every
# delivery, taking the whole worker (and the ordinary tasks it holds)
# down; a supervisor loop starts it again.  Nothing acks or fails a
# poison task: its lease runs out each time, and tqd reclaims it as an
# attempt.  With max_retries R it must be delivered exactly R + 1 times
# and then sit in dead with the reason "lease expired", while ordinary
# tasks sharing the workers all complete.  Retention must keep dead
# letters up to its limits and no longer: with dead_max = D, D dead
# poison tasks stay through several retention passes, and D more push
# the first ones out (the newest D are kept); with dead_max_age = 3 s, a
# dead task is there until it is 3 s old, and gone soon after.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/chaos/lib.sh"

D=$(pick 4 12)
R=2
N=$(pick 400 4000)
AGE_MS=3000
Q=s5
redis_start
CONF=$T/tq.conf
chaos_conf "$CONF" "[queue $Q]
dead_max = $D
[queue s5age]
dead_max_age = 3s"
mkdir "$T/done"
start_tqd tqd -c "$CONF"

WORKERS="1 2"
crashes=0
for s in $WORKERS; do
	worker_start $s -c "$CONF" -S -C 1 -P 0 -w 10 -l 1000 \
	    "$TQ_REDIS_URL" $Q,s5age "$T/done"
done

# Start again every worker that died (a crash), counting them.
supervise() {
	for _s in $WORKERS; do
		_p=$(worker_pid $_s)
		if [ -n "$_p" ] && ! alive "$_p"; then
			wait "$_p" 2>/dev/null
			chaos_untrack "$_p"
			crashes=$((crashes + 1))
			worker_start $_s -c "$CONF" -S -C 1 -P 0 -w 10 -l 1000 \
			    "$TQ_REDIS_URL" $Q,s5age "$T/done"
		fi
	done
}

# supervised SECS CMD...: wait_until, keeping the workers up meanwhile.
supervised() {
	_secs=$1
	shift
	wait_until "$_secs" sv_try "$@"
}
sv_try() {
	supervise
	"$@"
}

zcard() {
	rcli ZCARD "tq:{$1}:dead"
}
dead_is() {
	[ "$(zcard "$1")" = "$2" ]
}
in_dead() {
	[ -n "$(rcli ZSCORE "tq:{$1}:dead" "$2")" ]
}
# deliveries ID: how many times a handler got the task.
deliveries() {
	cat "$T"/done/start.* | grep -c "^$1 "
}

"$CHAOS" produce -c "$CONF" -n "$N" -p s5 -m 25 -r $((N / 8)) \
    "$TQ_REDIS_URL" $Q "$T/ledger" >"$T/produce.out" 2>"$T/produce.err" &
prod=$!
chaos_track $prod
t0=$(now_ms)

# --------------------------------- the age limit (watched meanwhile)
# When it went dead (Redis's clock: the dead set's score) and when it
# was gone (ours: the same host).
age_watch() {
	until _s=$(rcli ZSCORE 'tq:{s5age}:dead' poison-age) &&
	    [ -n "$_s" ]; do
		sleep 0.02
	done
	echo "${_s%.*}" >"$T/age.dead"
	while [ -n "$(rcli ZSCORE 'tq:{s5age}:dead' poison-age)" ]; do
		sleep 0.02
	done
	now_ms >"$T/age.gone"
}
"$TQ" enqueue -q s5age --id poison-age --max-retries 0 chaos >/dev/null
age_watch >/dev/null &
watch=$!
chaos_track $watch

# ------------------------------------------ D poison tasks: all kept
i=1
while [ $i -le $D ]; do
	"$TQ" enqueue -q $Q --id poison-a$i --max-retries $R chaos >/dev/null
	i=$((i + 1))
done
supervised 60 dead_is $Q $D
tap_is "$D poison tasks are dead" "$D" "$(zcard $Q)"
bad=
i=1
while [ $i -le $D ]; do
	n=$(deliveries poison-a$i)
	[ "$n" = $((R + 1)) ] || bad="$bad poison-a$i:$n"
	i=$((i + 1))
done
tap_is "each was delivered max_retries + 1 = $((R + 1)) times" "" "$bad"
tap_is "each with the reason \"lease expired\"" "$D" \
    "$("$TQ" --json dead ls --limit 1000 $Q |
    jsonq "len([x for x in d['dead'] if x['id'].startswith('poison-a') and
    x['error'] == 'lease expired' and x['attempts'] == $((R + 1))])")"
# Three retention passes (scan_interval 500 ms): at the limit, none go.
supervised 2 false
tap_is "at dead_max, retention keeps all $D" "$D" "$(zcard $Q)"

# ------------------------------------------ D more: the first go
i=1
while [ $i -le $D ]; do
	"$TQ" enqueue -q $Q --id poison-b$i --max-retries $R chaos >/dev/null
	i=$((i + 1))
done
all_b() {
	for _i in $(seq 1 $D); do
		in_dead $Q poison-b$_i || return 1
	done
}
supervised 60 all_b
supervised 2 false
tap_is "past dead_max, $D are kept" "$D" "$(zcard $Q)"
tap_ok "the newest (the second lot)" all_b

# ------------------------------------------ the age limit
supervised 20 test -s "$T/age.gone"
wait $watch
chaos_untrack $watch
gone_age=
[ -s "$T/age.gone" ] &&
    gone_age=$(($(cat "$T/age.gone") - $(cat "$T/age.dead")))
tap_ok "age: the poison task went dead, then was trimmed" \
    [ -n "$gone_age" ]
tap_ok "age: not before dead_max_age ($AGE_MS ms): at $gone_age ms" \
    [ "${gone_age:-0}" -ge $AGE_MS ]
tap_ok "age: within a retention pass after it" \
    [ "${gone_age:-99999}" -le $((AGE_MS + 1500)) ]

# ------------------------------------------ the ordinary tasks
wait $prod
chaos_untrack $prod
eval "$(cat "$T/produce.out")"
supervised 60 qsum_zero $Q
t_end=$(now_ms)
worker_stop_all
ledger_check s5 $Q "$T/ledger" "$T/done"
diag "s5: tasks=$N poison=$((2 * D + 1)) crashes=$crashes" \
    "lost=$c_lost duplicates=$c_duplicates dead_age_at_trim=${gone_age}ms" \
    "duration=$(((t_end - t0) / 1000)).$(((t_end - t0) % 1000 / 100))s"
chaos_finish
