/*
 * signal.c -- tqd's signal handlers: they set flags and wake the loop.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A handler may run between any two instructions of the loop, so it does
 * the least possible: set a volatile sig_atomic_t and write one byte to a
 * self-pipe, whose read end the loop polls, so poll(2) returns at once.
 * TERM and INT ask for a stop, HUP for a configuration reload, USR1 for a
 * status line in the log.  A second TERM or INT, for an operator whose
 * tqd waits on an unresponsive Redis, exits at once from the handler
 * (_exit is async-signal-safe; all state is in Redis, and the leader
 * lease simply runs out).  SIGPIPE is ignored (a broken Redis link is an
 * error return, not a death).
 */

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "tqd.h"

volatile sig_atomic_t	signal_term;
volatile sig_atomic_t	signal_hup;
volatile sig_atomic_t	signal_usr1;

static int	signal_pipe[2] = { -1, -1 };

static void
signal_handler(int sig)
{
	int	saved = errno;

	switch (sig) {
	case SIGTERM:
	case SIGINT:
		if (signal_term++ > 0) {
			static const char msg[] =
			    "tqd: second signal, exiting at once\n";

			if (write(STDERR_FILENO, msg, sizeof msg - 1) == -1) {
				/* Nowhere to say it. */
			}
			_exit(1);
		}
		break;
	case SIGHUP:
		signal_hup = 1;
		break;
	case SIGUSR1:
		signal_usr1 = 1;
		break;
	}
	if (write(signal_pipe[1], "s", 1) == -1) {
		/* The pipe is full: the loop has a wake-up pending. */
	}
	errno = saved;
}

void
signal_init(void)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1 };
	struct sigaction	 sa;
	size_t			 i;

	if (pipe(signal_pipe) != 0)
		tqd_fatalx("pipe: %s", strerror(errno));
	for (i = 0; i < 2; i++) {
		fcntl(signal_pipe[i], F_SETFL, O_NONBLOCK);
		fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	memset(&sa, 0, sizeof sa);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = signal_handler;
	for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		sigaction(sigs[i], &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

int
signal_fd(void)
{
	return (signal_pipe[0]);
}

/* Empty the self-pipe after poll said it is readable. */
void
signal_drain(void)
{
	char	buf[64];

	while (read(signal_pipe[0], buf, sizeof buf) > 0)
		;
}
