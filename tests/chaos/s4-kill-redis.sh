#!/bin/sh
#
# s4-kill-redis.sh -- chaos 4: redis-server SIGKILLed and restarted.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# A producer, tqd and four workers run while redis-server is SIGKILLed
# every few seconds and started again on its append-only file.  With
# appendonly yes and appendfsync always, Redis writes each command to
# disk before it answers, so no task that enqueue acknowledged may be
# lost; each restart empties Redis's script cache, so every client must
# meet NOSCRIPT and load the scripts again (Redis's error and command
# statistics show it did).  The producer sends again, with the same id,
# every task whose outcome was lost with the link.
#
# The same run with appendfsync everysec measures the loss, and tqd
# must warn about it at start-up (and about appendonly no, and, on
# reconnecting, about the server it finds).  A SIGKILL of redis-server
# loses nothing the kernel already holds, so "everysec" usually loses
# nothing here; it loses up to a second of writes when the host itself
# fails, which a test on one machine cannot do.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/chaos/lib.sh"

SECS=$(pick 12 60)
EVERY=3
RATE=$(pick 300 500)
CONF=$T/tq.conf
chaos_conf "$CONF"

# ------------------------------------ tqd's warning about appendonly no
redis_start
start_tqd warn -c "$CONF"
wait_until 5 grep -q "appendonly is off" "$T/warn.log"
tap_ok "tqd warns at start-up when appendonly is off" \
    grep -q "warning: Redis appendonly is off" "$T/warn.log"
stop_pid $tqd_pid TERM 5000
redis_stop

# r4_start DIR FSYNC: redis-server on DIR/redis.sock with an AOF.
r4_start() {
	"$REDIS_SERVER" --port 0 --unixsocket "$1/redis.sock" --dir "$1" \
	    --appendonly yes --appendfsync "$2" --save '' \
	    --daemonize no --logfile "$1/redis.log" </dev/null >/dev/null &
	REDIS_PID=$!
	wait_until 10 r4_ping
}
r4_ping() {
	rcli ping 2>/dev/null | grep -q PONG
}

# r4_run FSYNC NAME: the whole run; sets the c_* figures, $kills, $secs.
r4_run() {
	_dir=$T/$2
	mkdir -p "$_dir/done"
	REDIS_SOCK=$_dir/redis.sock
	TQ_REDIS_URL=unix://$REDIS_SOCK
	export REDIS_SOCK TQ_REDIS_URL
	r4_start "$_dir" "$1" || bail "redis-server did not start"
	start_tqd $2.tqd -c "$CONF"
	_tqd=$tqd_pid
	for _s in 1 2 3 4; do
		worker_start ${2}_$_s -c "$CONF" -C 4 -w 5 "$TQ_REDIS_URL" $2 \
		    "$_dir/done"
	done
	_t0=$(now_ms)
	"$CHAOS" produce -c "$CONF" -n $((RATE * SECS)) -p $2 -b 20 \
	    -r $RATE "$TQ_REDIS_URL" $2 "$_dir/ledger" \
	    >"$_dir/produce.out" 2>"$_dir/produce.err" &
	_prod=$!
	chaos_track $_prod
	kills=0
	while alive $_prod; do
		sleep $EVERY
		alive $_prod || break
		kill -9 $REDIS_PID
		wait $REDIS_PID 2>/dev/null
		kills=$((kills + 1))
		sleep 0.2
		r4_start "$_dir" "$1" || bail "redis-server did not restart"
	done
	wait $_prod
	chaos_untrack $_prod
	eval "$(cat "$_dir/produce.out")"
	wait_drained $2 60
	secs=$((($(now_ms) - _t0) / 1000))
	worker_stop_all
	stop_pid $_tqd TERM 5000
}

# --------------------------------------------- appendfsync always
r4_run always s4a
tap_ok "always: Redis was killed" [ "$kills" -ge 2 ]
tap_is "always: the producer knew every outcome in the end" 0 "$unknown"
tap_is "always: nothing refused" 0 "$refused"
ledger_check always s4a "$T/s4a/ledger" "$T/s4a/done"
diag "always: $(cat "$T/s4a/produce.out")"
# Statistics since the last restart: clients met NOSCRIPT, loaded the
# scripts again, and went on.
noscript=$(rcli info errorstats | sed -n 's/^errorstat_NOSCRIPT:count=//p' |
    tr -d '\r')
loads=$(rcli info commandstats |
    sed -n 's/^cmdstat_script|load:calls=\([0-9]*\).*/\1/p')
tap_ok "always: clients met NOSCRIPT after the last restart" \
    [ "${noscript:-0}" -gt 0 ]
tap_ok "always: and loaded the scripts again" [ "${loads:-0}" -gt 0 ]
tap_ok "always: tqd did not warn about durability" \
    sh -c "! grep -q 'appendfsync is\|appendonly is off' '$T/s4a.tqd.log'"
tap_ok "always: tqd noticed no data loss" \
    sh -c "! grep -q 'LOST ITS DATA' '$T/s4a.tqd.log'"
diag "s4 always: tasks=$c_acked redis_kills=$kills lost=$c_lost" \
    "duplicates=$c_duplicates noscript=$noscript script_loads=$loads" \
    "duration=${secs}s"
always_kills=$kills
redis_stop

# --------------------------------------------- appendfsync everysec
r4_run everysec s4e
tap_ok "everysec: tqd warns about it at start-up" \
    grep -q "warning: Redis appendfsync is everysec" "$T/s4e.tqd.log"
# On reconnecting too, once per outage.
tap_ok "everysec: and again after Redis came back" \
    [ "$(grep -c 'appendfsync is everysec' "$T/s4e.tqd.log")" -gt 1 ]
$CHECK "$TQ" s4e "$T/s4e/ledger" "$T/s4e/done" >"$T/check.out" \
    2>"$T/check.err"
diag "everysec: $(cat "$T/check.out")"
e_lost=$(sed -n 's/.* lost=\([0-9]*\).*/\1/p' "$T/check.out")
e_acked=$(sed -n 's/^acked=\([0-9]*\).*/\1/p' "$T/check.out")
tap_like "everysec: the loss was measured" '^[0-9]+$' "$e_lost"
tap_ok "everysec: tq fsck is clean all the same" \
    grep -q "fsck=clean" "$T/check.out"
diag "s4 everysec: tasks=$e_acked redis_kills=$kills lost=$e_lost" \
    "(of acknowledged tasks, by SIGKILL of redis-server) duration=${secs}s"
diag "s4: redis kills with always: $always_kills, with everysec: $kills"
redis_stop
chaos_finish
