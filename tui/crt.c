/*
 * crt.c -- the terminal: curses setup and teardown, colours, signals.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * This file alone calls initscr and endwin.  While curses owns the
 * screen, anything written to stderr (by us or a library) would scribble
 * over it, so stderr goes to a temporary file that crt_done copies to
 * the real stderr after endwin.  crt_done runs on every exit path: the
 * normal one, crt_fatalx and the out-of-memory hook; INT, TERM, HUP and
 * QUIT only set crt_quit and wake the loop's poll through a pipe.  A
 * fault (SEGV, BUS, FPE, ILL, ABRT) cannot run crt_done, which is not
 * async-signal-safe: its handler writes back the terminal modes saved
 * before initscr and the terminfo strings that leave the alternate screen
 * and show the cursor, worked out in advance, then dies of the signal.
 */

#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <term.h>

#include "tqtop.h"

volatile sig_atomic_t crt_quit;
int		 crt_wake_fd = -1;
int		 crt_utf8;
int		 crt_colour;

static int	 crt_active;
static int	 crt_saved_stderr = -1;
static FILE	*crt_errfile;
static int	 crt_err_fd = -1;	/* crt_errfile's, for crt_fault */
static int	 crt_wake_w = -1;

/* For the fault handler: set up before initscr, read-only after. */
static volatile sig_atomic_t crt_on_screen;
static struct termios crt_tio;
static int	 crt_have_tio;
static char	 crt_reset[256];
static size_t	 crt_reset_len;

/* Set the quit flag and wake the loop; the loop does the rest. */
static void
crt_signal(int sig)
{
	int	 saved = errno;

	(void)sig;
	crt_quit = 1;
	if (crt_wake_w != -1)
		(void)write(crt_wake_w, "", 1);
	errno = saved;
}

/*
 * A fault: put the terminal back with async-signal-safe calls only, then
 * die of the same signal (SA_RESETHAND restored its default action).
 */
static void
crt_fault(int sig)
{
	char	 buf[512];
	ssize_t	 n;

	if (crt_on_screen) {
		(void)write(STDOUT_FILENO, crt_reset, crt_reset_len);
		if (crt_have_tio)
			(void)tcsetattr(STDIN_FILENO, TCSADRAIN, &crt_tio);
		/* What went to stderr meanwhile, then stderr itself. */
		if (crt_saved_stderr != -1 && crt_err_fd != -1 &&
		    lseek(crt_err_fd, 0, SEEK_SET) == 0) {
			while ((n = read(crt_err_fd, buf, sizeof buf)) > 0)
				(void)write(crt_saved_stderr, buf, (size_t)n);
			(void)dup2(crt_saved_stderr, STDERR_FILENO);
		}
	}
	raise(sig);
}

void
crt_signals(void)
{
	static const int	 faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
	    SIGABRT };
	struct sigaction	 sa;
	int			 p[2], i;

	if (pipe(p) == 0) {
		for (i = 0; i < 2; i++) {
			fcntl(p[i], F_SETFL, fcntl(p[i], F_GETFL) | O_NONBLOCK);
			fcntl(p[i], F_SETFD, FD_CLOEXEC);
		}
		crt_wake_fd = p[0];
		crt_wake_w = p[1];
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = crt_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = crt_fault;
	sa.sa_flags = SA_RESETHAND | SA_NODEFER;
	for (i = 0; i < (int)(sizeof faults / sizeof faults[0]); i++)
		sigaction(faults[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

void
crt_drain(void)
{
	char	 buf[64];

	if (crt_wake_fd != -1)
		while (read(crt_wake_fd, buf, sizeof buf) > 0)
			;
}

/* Append a terminfo string without its "$<..>" padding, which only
 * tputs understands. */
static void
crt_reset_add(const char *cap)
{
	const char	*s = tigetstr(cap);

	if (s == NULL || s == (const char *)-1)
		return;
	for (; *s != '\0' && crt_reset_len + 1 < sizeof crt_reset; s++) {
		if (s[0] == '$' && s[1] == '<' && strchr(s, '>') != NULL) {
			s = strchr(s, '>');
			continue;
		}
		crt_reset[crt_reset_len++] = *s;
	}
}

void
crt_detect(void)
{
	const char	*term, *nc, *cs;

	setlocale(LC_ALL, "");
	term = getenv("TERM");
	if (term == NULL)
		term = "dumb";
	cs = nl_langinfo(CODESET);
	/* The Linux console and vt100 lack the block glyphs. */
	crt_utf8 = cs != NULL && strcmp(cs, "UTF-8") == 0 &&
	    strcmp(term, "linux") != 0 && strncmp(term, "vt1", 3) != 0 &&
	    strcmp(term, "dumb") != 0;
	nc = getenv("NO_COLOR");
	crt_colour = (nc == NULL || *nc == '\0') &&
	    strncmp(term, "vt1", 3) != 0 && strcmp(term, "dumb") != 0;
}

/* Send stderr to a temporary file while curses owns the screen. */
static void
crt_redirect_stderr(void)
{
	fflush(stderr);
	if ((crt_errfile = tmpfile()) == NULL)
		return;
	if ((crt_saved_stderr = dup(STDERR_FILENO)) == -1 ||
	    dup2(fileno(crt_errfile), STDERR_FILENO) == -1) {
		if (crt_saved_stderr != -1)
			close(crt_saved_stderr);
		crt_saved_stderr = -1;
		fclose(crt_errfile);
		crt_errfile = NULL;
		return;
	}
	crt_err_fd = fileno(crt_errfile);
}

/* Put stderr back and replay what was written meanwhile. */
static void
crt_restore_stderr(void)
{
	char	 buf[4096];
	size_t	 n;

	if (crt_saved_stderr == -1)
		return;
	fflush(stderr);
	crt_err_fd = -1;
	dup2(crt_saved_stderr, STDERR_FILENO);
	close(crt_saved_stderr);
	crt_saved_stderr = -1;
	rewind(crt_errfile);
	while ((n = fread(buf, 1, sizeof buf, crt_errfile)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(crt_errfile);
	crt_errfile = NULL;
}

void
crt_init(void)
{
	crt_have_tio = tcgetattr(STDIN_FILENO, &crt_tio) == 0;
	crt_redirect_stderr();
	if (initscr() == NULL) {
		crt_restore_stderr();
		fprintf(stderr, "tqtop: cannot initialise the terminal\n");
		exit(1);
	}
	crt_active = 1;
	crt_reset_len = 0;
	crt_reset_add("sgr0");
	crt_reset_add("cnorm");
	crt_reset_add("rmcup");
	if (crt_reset_len + 2 < sizeof crt_reset) {
		crt_reset[crt_reset_len++] = '\r';
		crt_reset[crt_reset_len++] = '\n';
	}
	crt_on_screen = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* Esc must not wait a second for a possible escape sequence. */
	set_escdelay(25);
	/* The loop polls the terminal and then reads what is there. */
	timeout(0);
	if (crt_colour && has_colors()) {
		start_color();
		use_default_colors();
		init_pair(CRT_HEADER, COLOR_BLACK, COLOR_CYAN);
		init_pair(CRT_TITLE, COLOR_BLACK, COLOR_GREEN);
		init_pair(CRT_SELECTED, COLOR_BLACK, COLOR_CYAN);
		init_pair(CRT_OK, COLOR_GREEN, -1);
		init_pair(CRT_WARN, COLOR_YELLOW, -1);
		init_pair(CRT_BAD, COLOR_RED, -1);
		init_pair(CRT_DIM, COLOR_BLUE, -1);
		init_pair(CRT_KEY, COLOR_BLACK, COLOR_CYAN);
		init_pair(CRT_ACTIVE, COLOR_CYAN, -1);
	} else
		crt_colour = 0;
}

void
crt_done(void)
{
	if (crt_active) {
		crt_active = 0;
		crt_on_screen = 0;
		screen_free();
		curs_set(1);
		endwin();
	}
	crt_restore_stderr();
}

attr_t
crt_attr(enum crt_colour c)
{
	if (crt_colour && c != CRT_NORMAL)
		return (COLOR_PAIR(c) |
		    (c == CRT_TITLE || c == CRT_BAD ? A_BOLD : 0));
	switch (c) {
	case CRT_HEADER:
	case CRT_SELECTED:
	case CRT_KEY:
		return (A_REVERSE);
	case CRT_TITLE:
	case CRT_BAD:
		return (A_BOLD);
	default:
		return (A_NORMAL);
	}
}

void
crt_fatalx(const char *fmt, ...)
{
	va_list	 ap;

	crt_done();
	fputs("tqtop: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}
