/*
 * crt.c -- the terminal: curses setup and teardown, colours, signals.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * This file alone calls initscr and endwin.  While curses owns the
 * screen, anything written to stderr (by us or a library) would scribble
 * over it, so stderr goes to a temporary file that crt_done copies to
 * the real stderr after endwin.  crt_done runs on every exit path: the
 * normal one, crt_fatalx and the out-of-memory hook; INT, TERM and HUP
 * only set crt_quit, which the main loop polls between keys.
 */

#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tqtop.h"

volatile sig_atomic_t crt_quit;
int		 crt_utf8;
int		 crt_colour;

static int	 crt_active;
static int	 crt_saved_stderr = -1;
static FILE	*crt_errfile;

/* Set the quit flag; the loop does the rest. */
static void
crt_signal(int sig)
{
	(void)sig;
	crt_quit = 1;
}

void
crt_signals(void)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = crt_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
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
	}
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
	crt_redirect_stderr();
	if (initscr() == NULL) {
		crt_restore_stderr();
		fprintf(stderr, "tqtop: cannot initialise the terminal\n");
		exit(1);
	}
	crt_active = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* Esc must not wait a second for a possible escape sequence. */
	set_escdelay(25);
	timeout(100);
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
	} else
		crt_colour = 0;
}

void
crt_done(void)
{
	if (crt_active) {
		crt_active = 0;
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
