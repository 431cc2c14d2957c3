#!/bin/sh
#
# s3-kill-tqd.sh -- chaos 3: three tqd at once, the leader SIGKILLed every
# second.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Three tqd share the promotion of delayed tasks, the retries and a cron
# schedule of @every 1s; every second the one holding the leader lease
# (or, when none does, any) is SIGKILLed and started again.  Two leaders
# at once (an old one that has not noticed yet) or a tqd killed in the
# middle of a pass must not promote a task twice or enqueue an occurrence
# twice.  Workers are not disturbed here, so every task must complete
# exactly once: a duplicate would be a double promotion.  Checked:
# nothing lost, no duplicate completion, Redis counted N enqueues, N acks
# and one retry per task whose first attempt fails, each cron occurrence
# ran once; the occurrences missed while nobody led are reported.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/chaos/lib.sh"

N=$(pick 2000 20000)
SECS=$(pick 10 60)
Q=s3
redis_start
CONF=$T/tq.conf
chaos_conf "$CONF" "[schedule s3cron]
cron = @every 1s
type = chaos
queue = s3c"
mkdir "$T/done"

for s in 1 2 3; do
	start_tqd tqd$s -c "$CONF"
	eval "tqd_$s=\$tqd_pid"
done
# Every third task fails its first attempt, to be retried.
worker_start 1 -c "$CONF" -C 4 -f 3 "$TQ_REDIS_URL" $Q,s3c "$T/done"
worker_start 2 -c "$CONF" -C 4 -f 3 "$TQ_REDIS_URL" $Q,s3c "$T/done"

# The slot (1-3) of the leading tqd, or nothing.
leader_slot() {
	_id=$(rcli GET 'tq:{leader}')
	for _s in 1 2 3; do
		eval "_p=\$tqd_$_s"
		case $_id in
		*-"$_p"-*)
			echo $_s
			return
			;;
		esac
	done
}

t0=$(now_ms)
# Produced over most of the run, each due 0-3 s later.
"$CHAOS" produce -c "$CONF" -n "$N" -p s3 -b 50 -d 3000 \
    -r $((N / (SECS - 4))) "$TQ_REDIS_URL" $Q "$T/ledger" \
    >"$T/produce.out" 2>"$T/produce.err" &
prod=$!
chaos_track $prod

kills=0
leader_kills=0
while [ $(($(now_ms) - t0)) -lt $((SECS * 1000)) ]; do
	sleep 1
	s=$(leader_slot)
	if [ -n "$s" ]; then
		leader_kills=$((leader_kills + 1))
	else
		s=$(($(rand 3) + 1))
	fi
	eval "_p=\$tqd_$s"
	kill -9 $_p
	wait $_p 2>/dev/null
	chaos_untrack $_p
	start_tqd tqd$s -c "$CONF"
	eval "tqd_$s=\$tqd_pid"
	kills=$((kills + 1))
done
wait $prod
chaos_untrack $prod
eval "$(cat "$T/produce.out")"
wait_drained $Q 30
t_end=$(now_ms)
# Stop the schedule, then let the last occurrence finish.
for s in 1 2 3; do
	eval "stop_pid \$tqd_$s TERM 5000"
done
wait_drained s3c 10
worker_stop_all

tap_is "every task acknowledged by enqueue" "$N" "$acked"
ledger_check s3 $Q "$T/ledger" "$T/done"
tap_is "no task ran twice (each promoted once)" 0 "$c_duplicates"
tap_is "Redis counted N enqueues" "$N" "$(qstat $Q enqueued)"
tap_is "Redis counted N acks" "$N" "$(qstat $Q processed)"
tap_is "one retry per task failing its first attempt" \
    $(((N + 2) / 3)) "$(qstat $Q retried)"

# Cron: each occurrence's id is cron:s3cron:MS.
cat "$T"/done/done.* | grep '^cron:s3cron:' | sort >"$T/cron.done"
occ=$(sort -u "$T/cron.done" | grep -c .)
tap_is "each cron occurrence ran once" 0 \
    "$(uniq -d "$T/cron.done" | grep -c .)"
tap_is "Redis counted one enqueue per occurrence" "$occ" \
    "$(qstat s3c enqueued)"
span=$(sed 's/^cron:s3cron://' "$T/cron.done" | sort -n |
    awk 'NR == 1 { f = $1 } { l = $1 } END { print (l - f) / 1000 + 1 }')
tap_ok "cron fired despite the kills" [ "$occ" -ge $((SECS / 3)) ]
diag "s3: tasks=$N tqd=3 kills=$kills (of the leader: $leader_kills)" \
    "lost=$c_lost duplicates=$c_duplicates retried=$(qstat $Q retried)" \
    "cron occurrences=$occ of $span (missed while nobody led:" \
    "$((span - occ)))" \
    "duration=$(((t_end - t0) / 1000)).$(((t_end - t0) % 1000 / 100))s"
chaos_finish
