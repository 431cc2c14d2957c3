#!/bin/sh
#
# tls.sh -- tq through stunnel to Redis's own TLS port (docs/SECURITY.md).
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# hiredis 0.14 has no TLS, so a Redis on another host is reached through
# a local TLS client.  Here a redis-server listens on TLS only (a
# throwaway CA, server and client certificates made with openssl; plain
# TCP off; a unix socket for the test's own checks) with a requirepass,
# and stunnel, as a TLS client that verifies the server and presents a
# client certificate, listens on a unix socket that tq, tqworker and
# tqtop use.  Plain RESP to the TLS port gets nowhere, the work gets done
# through the tunnel (the worker's connection is seen arriving on the TLS
# port), and a stunnel that cannot verify the server lets nothing
# through.  Everything stays on loopback.  A missing stunnel, or a
# redis-server built without TLS, fails the test: a skip would prove
# nothing (scripts/deps installs both).

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

TQW=$(lib_exe "$TQ_BUILDDIR/tqworker")
TQTOP=$(lib_exe "$TQ_BUILDDIR/tqtop")
T=$TQ_TESTDIR
[ -x "$TQ" ] || bail "$TQ not built (run make)"
[ -x "$TQW" ] || bail "$TQW not built (run make)"
[ -x "$TQTOP" ] || bail "$TQTOP not built (run make)"

STUNNEL=$(command -v stunnel4 || command -v stunnel) ||
    bail "stunnel not installed (apt-get install stunnel4; scripts/deps does)"
command -v openssl >/dev/null 2>&1 || bail "openssl not found"
REDIS_SERVER=${REDIS_SERVER:-$(command -v redis-server)}
REDIS_CLI=${REDIS_CLI:-$(command -v redis-cli)}
[ -x "$REDIS_SERVER" ] || bail "redis-server not found"
[ -x "$REDIS_CLI" ] || bail "redis-cli not found"
unset TQ_REDIS_URL

# ------------------------------------------------ certificates

# cert NAME CN: a key and a certificate signed by the test CA.
cert() {
	openssl req -new -nodes -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -keyout "$T/$1.key" -out "$T/$1.csr" -subj "/CN=$2" \
	    2>>"$T/openssl.log" &&
	printf 'subjectAltName=DNS:%s,IP:127.0.0.1\n' "$2" >"$T/$1.ext" &&
	openssl x509 -req -in "$T/$1.csr" -CA "$T/ca.pem" -CAkey "$T/ca.key" \
	    -CAcreateserial -days 1 -extfile "$T/$1.ext" -out "$T/$1.pem" \
	    2>>"$T/openssl.log"
}
openssl req -x509 -new -nodes -newkey ec -pkeyopt \
    ec_paramgen_curve:prime256v1 -keyout "$T/ca.key" -out "$T/ca.pem" \
    -days 1 -subj /CN=tq-test-ca 2>>"$T/openssl.log" &&
    cert server localhost && cert client tq-client ||
    bail "openssl could not make the certificates: $(tail -n 3 \
    "$T/openssl.log")"
chmod 600 "$T"/*.key

# ------------------------------------------------ Redis, TLS only

# A free loopback port: bound and closed again, so a race is possible but
# harmless (redis-server then fails to start and we bail out).
PORT=$("$PYTHON" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
PW=pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
REDIS_SOCK=$T/ctl.sock
"$REDIS_SERVER" --port 0 --bind 127.0.0.1 --tls-port "$PORT" \
    --tls-cert-file "$T/server.pem" --tls-key-file "$T/server.key" \
    --tls-ca-cert-file "$T/ca.pem" --requirepass "$PW" \
    --unixsocket "$REDIS_SOCK" --save '' --appendonly no --daemonize no \
    --dir "$T" --logfile "$T/redis.log" </dev/null &
REDIS_PID=$!
rcli() {
	"$REDIS_CLI" -s "$REDIS_SOCK" --no-auth-warning -a "$PW" "$@"
}
up() {
	rcli ping 2>/dev/null | grep -q PONG
}
if ! wait_until 10 up; then
	if grep -qi 'tls.*not supported\|not built with tls\|unrecognized.*tls' \
	    "$T/redis.log" 2>/dev/null; then
		REDIS_PID=
		bail "redis-server built without TLS (Debian's has it)"
	fi
	bail "redis-server with --tls-port did not start: $(tail -n 3 \
	    "$T/redis.log")"
fi

# ------------------------------------------------ stunnel, TLS client

# tunnel NAME CHECKHOST: stunnel listening on $T/NAME.sock, verifying the
# server's certificate against the CA and CHECKHOST; sets $tunnel_pid.
tunnel() {
	cat >"$T/$1.conf" <<EOF
foreground = yes
pid =
output = $T/$1.log
debug = info

[redis]
client = yes
accept = $T/$1.sock
connect = 127.0.0.1:$PORT
CAfile = $T/ca.pem
verifyChain = yes
checkHost = $2
cert = $T/client.pem
key = $T/client.key
EOF
	"$STUNNEL" "$T/$1.conf" </dev/null >/dev/null 2>&1 &
	tunnel_pid=$!
	kill_at_exit $tunnel_pid
	wait_until 10 test -S "$T/$1.sock" ||
	    bail "stunnel did not start: $(tail -n 3 "$T/$1.log")"
}

tunnel tls localhost
printf '%s\n' "$PW" >"$T/redis.pw"
chmod 600 "$T/redis.pw"
printf '[redis]\nsocket = %s\npassword_file = redis.pw\n' "$T/tls.sock" \
    >"$T/tls.conf"
chmod 600 "$T/tls.conf"
C="-c $T/tls.conf"

plan 11

tap_is "Redis has no plain TCP port" "port 0" \
    "$(rcli CONFIG GET port | tr '\n' ' ' | sed 's/ $//')"
run "$TQ" -u "redis://:$PW@127.0.0.1:$PORT" stats
tap_is "plain RESP to the TLS port: Redis unreachable (3)" 3 "$status"

run "$TQ" $C enqueue email '{"to":"a@example.com"}'
tap_is "tq enqueue through stunnel" 0 "$status"
for i in 2 3 4 5; do
	"$TQ" $C enqueue email "{\"n\":$i}" >/dev/null
done
tap_is "tq stats through stunnel: 5 ready" 5 \
    "$("$TQ" $C stats --json email | jsonq "d['queues']['email']['ready']")"

"$TQW" $C -q email --exec email='cat >/dev/null' </dev/null \
    >"$T/worker.log" 2>&1 &
wpid=$!
kill_at_exit $wpid
processed() {
	[ "$("$TQ" $C stats --json email |
	    jsonq "d['queues']['email']['processed']")" = 5 ]
}
wait_until 10 processed
tap_ok "tqworker through stunnel acks all 5" processed
tap_like "its connections arrive on the TLS port" \
    "laddr=127\\.0\\.0\\.1:$PORT" "$(rcli CLIENT LIST)"
run "$TQTOP" $C -b -n 1
tap_like "tqtop -b through stunnel" '^email 0 0 0 0 0 ' \
    "$(echo "$out" | sed -n 3p)"
tap_like "stunnel verified the server and spoke TLS" \
    'Certificate accepted|TLS connected' "$(cat "$T/tls.log")"
kill -TERM $wpid
wait $wpid
tap_is "tqworker stops cleanly" 0 $?

# A tunnel expecting another host name refuses the server's certificate.
tunnel wrong redis.example.com
printf '[redis]\nsocket = %s\npassword_file = redis.pw\nconnect_timeout = 1s\n' \
    "$T/wrong.sock" >"$T/wrong.conf"
run "$TQ" -c "$T/wrong.conf" stats
tap_is "a server whose certificate does not match: unreachable (3)" 3 \
    "$status"
tap_like "stunnel says why" 'certificate|verif|[Hh]ost' \
    "$(grep -i 'reject\|fail\|mismatch' "$T/wrong.log")"

finish
