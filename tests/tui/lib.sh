# tests/tui/lib.sh -- what the tqtop tests share: tmux on a socket of
# their own, and reading the screen.
#
# Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
#
# Sourced after tests/lib.sh by each tests/tui/*.sh.  tui_init NAME
# checks for tmux and tqtop, names the tmux server after the test and
# this process, and kills it (then cleans up as tests/lib.sh does) at
# exit; a test that needs more at exit sets its own trap after.

tui_init() {
	command -v tmux >/dev/null 2>&1 || bail "tmux not found (scripts/deps)"
	TQTOP=$(lib_exe "$TQ_BUILDDIR/tqtop")
	[ -x "$TQTOP" ] || bail "$TQTOP not built (run make)"
	TMUX_SOCK=tqtest-$1-$$
	trap 'tmux -L "$TMUX_SOCK" kill-server 2>/dev/null; lib_cleanup' EXIT
}

tm() {
	tmux -L "$TMUX_SOCK" "$@"
}

# The screen of the session "tq", as text.
screen() {
	tm capture-pane -p -t tq
}

# Whether the screen has a line that matches the extended regex $1.
shows() {
	screen | grep -Eq -- "$1"
}

# The first line of the screen that matches $1.
line_of() {
	screen | grep -E -- "$1" | head -n 1
}

# One figure of tq stats --json: stat_of QUEUE FIELD.
stat_of() {
	"$TQ" stats --json "$1" | jsonq "d['queues']['$1']['$2']"
}
