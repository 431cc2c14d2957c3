#!/bin/sh
#
# secrets.sh -- the Redis password: password_file, warnings, and never in
# sight (command lines, logs, messages).
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# The private redis-server gets a requirepass.  Then: password_file
# authenticates every program; a missing, unreadable or empty file, or a
# wrong password, is an error that names the file but never the
# password; a configuration file holding a password (password = or a URL
# with one), or a password_file, that its group or all users can read
# makes tq, tqworker, tqd and tqtop warn, and a 0600 one does not; a -u
# URL with a password is scrubbed from the program's own command line
# (/proc/PID/cmdline, what ps shows) with a warning; and no log line of
# tqd or tqworker, at debug level and through a refused AUTH, holds the
# password.

. "${TQ_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/lib.sh"

TQD=$(lib_exe "$TQ_BUILDDIR/tqd")
TQW=$(lib_exe "$TQ_BUILDDIR/tqworker")
TQTOP=$(lib_exe "$TQ_BUILDDIR/tqtop")
T=$TQ_TESTDIR
[ -x "$TQD" ] || bail "$TQD not built (run make)"
[ -x "$TQW" ] || bail "$TQW not built (run make)"
[ -x "$TQTOP" ] || bail "$TQTOP not built (run make)"
[ -x "$TQ" ] || bail "$TQ not built (run make)"

redis_start
unset TQ_REDIS_URL
PW=pw-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
BAD=wrong-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
rcli CONFIG SET requirepass "$PW" >/dev/null ||
    bail "CONFIG SET requirepass failed"
rcli() {
	"$REDIS_CLI" -s "$REDIS_SOCK" --no-auth-warning -a "$PW" "$@"
}

# conf NAME MODE LINES...: a configuration file $T/NAME.conf of mode MODE
# with [redis] socket = ... and LINES.
conf() {
	_f=$T/$1.conf
	_m=$2
	shift 2
	{
		echo '[redis]'
		echo "socket = $REDIS_SOCK"
		for _l in "$@"; do
			echo "$_l"
		done
	} >"$_f"
	chmod "$_m" "$_f"
}

# cmdline PID: what ps shows of PID's command line.
cmdline() {
	tr '\0' ' ' <"/proc/$1/cmdline"
}

alive() {
	kill -0 "$1" 2>/dev/null
}

not_alive() {
	! alive "$1"
}

# Whether file $1 holds text $2.
holds() {
	grep -qF -- "$2" "$1"
}

printf '%s\n' "$PW" >"$T/good.pw"
printf '%s\n' "$BAD" >"$T/bad.pw"
: >"$T/empty.pw"
mkdir "$T/dir.pw"
chmod 600 "$T/good.pw" "$T/bad.pw" "$T/empty.pw"

# ------------------------------------------------ password_file works

run "$TQ" -u "unix://$REDIS_SOCK" stats
tap_is "without the password: refused (3)" 3 "$status"
tap_like "Redis says why" 'NOAUTH|Authentication required' "$err"

conf good 600 "password_file = good.pw"
run "$TQ" -c "$T/good.conf" enqueue q '{"n":1}'
tap_is "password_file (relative to the file): tq enqueue works" 0 "$status"
tap_is "and says nothing on stderr" "" "$err"
run "$TQ" -c "$T/good.conf" stats --json q
tap_is "tq stats with it" 1 "$(printf '%s' "$out" |
    jsonq "d['queues']['q']['ready']")"
run "$TQTOP" -c "$T/good.conf" -b -n 1
tap_like "tqtop -b with it" '^q 1 0 0 0 0 ' "$(echo "$out" | sed -n 3p)"
run "$TQD" -t -c "$T/good.conf"
tap_is "tqd -t with it: valid, no warning" "0 " "$status $err"

# A URL without a password, from -u, takes it from password_file.
run "$TQ" -c "$T/good.conf" -u "unix://$REDIS_SOCK" stats
tap_is "-u URL without a password + password_file: works" 0 "$status"

# ------------------------------------------------ bad password files

conf missing 600 "" "password_file = nope.pw"
run "$TQ" -c "$T/missing.conf" stats
tap_is "missing password_file: configuration error (2)" 2 "$status"
tap_is "the message names the file and line" \
    "tq: $T/missing.conf:4: redis.password_file: cannot read '$T/nope.pw': No such file or directory" \
    "$err"
conf dir 600 "password_file = dir.pw"
run "$TQ" -c "$T/dir.conf" stats
tap_like "a directory as password_file: 2, named" \
    "^2 tq: $T/dir.conf:3: redis.password_file: cannot read '$T/dir.pw': Is a directory\$" \
    "$status $err"
conf empty 600 "password_file = empty.pw"
run "$TQ" -c "$T/empty.conf" stats
tap_like "an empty password_file: 2, named" \
    "^2 tq: .*the first line of '$T/empty.pw' is empty\$" "$status $err"
if [ "$(id -u)" -ne 0 ]; then
	cp "$T/good.pw" "$T/locked.pw"
	chmod 000 "$T/locked.pw"
	conf locked 600 "password_file = locked.pw"
	run "$TQ" -c "$T/locked.conf" stats
	tap_like "an unreadable password_file: 2, named" \
	    "^2 tq: .*cannot read '$T/locked.pw': Permission denied\$" \
	    "$status $err"
else
	diag "running as root: mode 000 does not stop root, so the" \
	    "unreadable case is the directory above"
fi
for p in "$TQD -t" "$TQW -q q --exec q=true" "$TQTOP -b -n 1"; do
	# shellcheck disable=SC2086
	run $p -c "$T/missing.conf"
	tap_like "$(basename "${p%% *}"): a missing password_file is a \
configuration error" \
	    "^2 .*cannot read '$T/nope.pw'" "$status $err"
done

conf bad 600 "password_file = bad.pw"
run "$TQ" -c "$T/bad.conf" stats
tap_is "a wrong password: refused (3)" 3 "$status"
tap_like "Redis says why" 'WRONGPASS' "$err"
tap_ok "the message holds no password" sh -c \
    "! grep -qF -- '$BAD' '$T/run.err'"

# ------------------------------------------------ readable by others

W_ALL="a password in a file that its group and all users can read (mode 0644)"
conf open 644 "password = $PW"
run "$TQ" -c "$T/open.conf" stats
tap_is "a 0644 file with password =: tq still works" 0 "$status"
tap_is "and warns, naming file, line and the fix" \
    "tq: warning: $T/open.conf:3: $W_ALL; chmod go-r $T/open.conf, or move the password to a password_file" \
    "$err"
run "$TQD" -t -c "$T/open.conf"
tap_like "tqd -t warns too" "warning: $T/open.conf:3: a password" "$err"
run "$TQTOP" -c "$T/open.conf" -b -n 1
tap_like "tqtop warns too" "^tqtop: warning: $T/open.conf:3: a password" \
    "$err"
"$TQW" -c "$T/open.conf" -q q --exec q=true </dev/null \
    >"$T/w-open.log" 2>&1 &
wpid=$!
kill_at_exit $wpid
wait_until 5 holds "$T/w-open.log" "serving q"
kill -TERM $wpid
wait_until 10 not_alive $wpid
tap_ok "tqworker warns too" holds "$T/w-open.log" \
    "warning: $T/open.conf:3: a password"
tap_ok "no warning holds the password" sh -c \
    "! grep -qF -- '$PW' '$T/w-open.log' '$T/run.err'"

chmod 640 "$T/open.conf"
run "$TQ" -c "$T/open.conf" stats
tap_like "mode 0640: its group" \
    "a password in a file that its group can read \\(mode 0640\\)" "$err"
chmod 604 "$T/open.conf"
run "$TQ" -c "$T/open.conf" stats
tap_like "mode 0604: all users" \
    "a password in a file that all users can read \\(mode 0604\\)" "$err"
chmod 600 "$T/open.conf"
run "$TQ" -c "$T/open.conf" stats
tap_is "mode 0600: no warning" "0 " "$status $err"

conf url 644 "" "" "url = unix://:$PW@$REDIS_SOCK"
run "$TQ" -c "$T/url.conf" stats
tap_like "a url with a password in a 0644 file warns" \
    "^tq: warning: $T/url.conf:5: a password in a file" "$err"
conf nopw 644 "db = 0"
run "$TQ" -c "$T/nopw.conf" -u "unix://$REDIS_SOCK" stats
tap_is "a 0644 file without a password: no warning" "" \
    "$(printf '%s' "$err" | grep warning)"

cp "$T/good.pw" "$T/shared.pw"
chmod 644 "$T/shared.pw"
conf shared 600 "password_file = shared.pw"
run "$TQ" -c "$T/shared.conf" stats
tap_is "a 0644 password_file works, and warns" \
    "0 tq: warning: $T/shared.conf:3: password_file shared.pw can be read by its group and all users (mode 0644); chmod go-r it" \
    "$status $err"

# ------------------------------------------------ -u on the command line

URL="unix://:$PW@$REDIS_SOCK"
run "$TQ" -u "$URL" stats
tap_is "tq -u with a password: works" 0 "$status"
tap_is "and warns, without the password" \
    "tq: warning: -u: a password on the command line can be seen by other users; use password_file (tq.conf(5)) or \$TQ_REDIS_URL" \
    "$err"

"$TQD" -v -v -u "$URL" </dev/null >"$T/tqd-u.log" 2>&1 &
dpid=$!
kill_at_exit $dpid
"$TQW" -v -u "$URL" -q q --exec q=true </dev/null >"$T/w-u.log" 2>&1 &
wpid=$!
kill_at_exit $wpid
"$TQTOP" -b -d 1 -u "$URL" </dev/null >/dev/null 2>"$T/top-u.log" &
tpid=$!
kill_at_exit $tpid
wait_until 5 holds "$T/tqd-u.log" "became leader"
wait_until 5 holds "$T/w-u.log" "serving q"
for p in "tqd $dpid" "tqworker $wpid" "tqtop $tpid"; do
	set -- $p
	tap_like "$1 -u: ps shows the URL without its password" \
	    " -u unix://:\\*{${#PW}}@$REDIS_SOCK( |\$)" "$(cmdline "$2")"
done
tap_ok "tqd -u: warned in its log" holds "$T/tqd-u.log" \
    "warning: -u: a password on the command line"

# tqd with a wrong password: its refusals get logged, the password not.
"$TQD" -v -v -c "$T/bad.conf" </dev/null >"$T/tqd-bad.log" 2>&1 &
bpid=$!
kill_at_exit $bpid
wait_until 5 holds "$T/tqd-bad.log" "WRONGPASS"
tap_ok "tqd with a wrong password logs WRONGPASS" holds "$T/tqd-bad.log" \
    WRONGPASS

processed() {
	[ "$("$TQ" -c "$T/good.conf" stats --json q |
	    jsonq "d['queues']['q']['processed']")" -ge 2 ]
}
"$TQ" -u "$URL" enqueue q '{"n":2}' >/dev/null 2>&1
wait_until 5 processed
tap_ok "tqworker -u works: both tasks of q processed" processed
for p in $dpid $wpid $tpid $bpid; do
	kill -TERM $p 2>/dev/null
done
for p in $dpid $wpid $tpid $bpid; do
	wait_until 10 not_alive $p
done
leaks=
for f in tqd-u tqd-bad w-u top-u; do
	grep -qF -- "$PW" "$T/$f.log" && leaks="$leaks $f:$PW"
	grep -qF -- "$BAD" "$T/$f.log" && leaks="$leaks $f:bad"
done
diag "log lines looked at: $(cat "$T/tqd-u.log" "$T/tqd-bad.log" \
    "$T/w-u.log" "$T/top-u.log" | wc -l)"
tap_is "no log line of tqd (debug), tqworker or tqtop holds a password" "" \
    "$leaks"

finish
