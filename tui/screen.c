/*
 * screen.c -- the frame: layout, header, status line, key bar, help,
 * dialog and the "terminal too small" message.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * screen_layout is the only code that reads LINES and COLS; it cuts the
 * screen into four windows (header, body, status, key bar) and marks all
 * of them dirty.  screen_draw repaints only the windows whose dirty bit
 * is set, with wnoutrefresh for each and one doupdate, so an idle screen
 * costs nothing and a refetch does not flicker.  The key bar and the
 * help screen are generated from key_table; when the bar is short of
 * room it keeps the keys of lowest rank (? and q always) and says
 * "? more".
 */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tqtop.h"

#define HEADER_LINES	2

static WINDOW	*win_header;
static WINDOW	*win_body;
static WINDOW	*win_status;
static WINDOW	*win_bar;
static WINDOW	*win_dialog;
static int	 too_small;

void
screen_free(void)
{
	WINDOW	**w[] = { &win_header, &win_body, &win_status, &win_bar,
		    &win_dialog };
	size_t	 i;

	for (i = 0; i < sizeof w / sizeof w[0]; i++) {
		if (*w[i] != NULL)
			delwin(*w[i]);
		*w[i] = NULL;
	}
}

void
screen_layout(struct tqtop *t)
{
	int	 body;

	screen_free();
	too_small = COLS < MIN_COLS || LINES < MIN_LINES;
	t->dirty = DIRTY_ALL;
	clearok(curscr, TRUE);
	werase(stdscr);
	wnoutrefresh(stdscr);
	if (too_small)
		return;
	body = LINES - HEADER_LINES - 2;
	win_header = newwin(HEADER_LINES, COLS, 0, 0);
	win_body = newwin(body, COLS, HEADER_LINES, 0);
	win_status = newwin(1, COLS, LINES - 2, 0);
	win_bar = newwin(1, COLS, LINES - 1, 0);
}

int
screen_body_rows(void)
{
	return (win_body != NULL ? getmaxy(win_body) : 1);
}

void
screen_escape(char *dst, size_t size, const char *src)
{
	const unsigned char	*s = (const unsigned char *)src;
	size_t			 o = 0;

	if (size == 0)
		return;
	for (; *s != '\0' && o + 5 < size; s++) {
		/* C0, DEL, and C1 (as UTF-8 0xc2 0x80-0x9f) are escaped. */
		if (*s < 0x20 || *s == 0x7f ||
		    (*s == 0xc2 && s[1] >= 0x80 && s[1] <= 0x9f)) {
			if (*s == 0xc2)
				s++;
			o += snprintf(dst + o, size - o, "\\x%02x", *s);
		} else if (*s >= 0x80 && !crt_utf8)
			dst[o++] = '?';
		else
			dst[o++] = (char)*s;
	}
	dst[o] = '\0';
}

void
screen_count(char *dst, size_t size, long long n)
{
	char	 raw[32];
	size_t	 len, i, o = 0;
	int	 neg = n < 0;

	snprintf(raw, sizeof raw, "%lld", neg ? -n : n);
	len = strlen(raw);
	if (neg && o + 1 < size)
		dst[o++] = '-';
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			dst[o++] = ',';
		dst[o++] = raw[i];
	}
	dst[o] = '\0';
}

void
screen_age(char *dst, size_t size, int64_t ms)
{
	int64_t	 s = ms / 1000;

	if (ms < 0)
		s = 0;
	if (s < 60)
		snprintf(dst, size, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(dst, size, "%lldm", (long long)(s / 60));
	else if (s < 86400)
		snprintf(dst, size, "%lldh", (long long)(s / 3600));
	else
		snprintf(dst, size, "%lldd", (long long)(s / 86400));
}

void
screen_put(WINDOW *w, int y, int x, int width, const char *s)
{
	const char	*p;
	char		*esc;
	size_t		 size;
	int		 cols = 0;

	if (width <= 0)
		return;
	/*
	 * Everything drawn goes through here, and much of it comes from
	 * Redis (ids, errors, a leader's name), where anyone with write
	 * access may have put a newline or a carriage return that would
	 * draw over other rows.  A column takes at most 4 bytes either
	 * way, so this holds the width shown.
	 */
	size = (size_t)width * 4 + 8;
	esc = tq_xmalloc(size);
	screen_escape(esc, size, s);
	/* Count columns, not bytes: a UTF-8 sequence is one column. */
	for (p = esc; *p != '\0'; p++) {
		if ((*p & 0xc0) != 0x80) {
			if (cols == width)
				break;
			cols++;
		}
	}
	mvwaddnstr(w, y, x, esc, (int)(p - esc));
	free(esc);
}

/* Memory in human units. */
static void
screen_bytes(char *dst, size_t size, long long b)
{
	if (b >= 1024LL * 1024 * 1024)
		snprintf(dst, size, "%.1fG", b / (1024.0 * 1024 * 1024));
	else if (b >= 1024 * 1024)
		snprintf(dst, size, "%.1fM", b / (1024.0 * 1024));
	else
		snprintf(dst, size, "%lldK", b / 1024);
}

int
screen_stalled(const struct source_state *st)
{
	if (st->waiting < 1000 && !st->stalled)
		return (-1);
	return ((int)(st->silent / 1000));
}

/* Columns a UTF-8 string takes (one per character). */
static int
screen_width(const char *s)
{
	int	 n = 0;

	for (; *s != '\0'; s++)
		if ((*s & 0xc0) != 0x80)
			n++;
	return (n);
}

/*
 * The leader, as "leader ID (epoch N), seen 2s ago": when tqd last took
 * or renewed its lease, which it does every third of the lease.  Longer
 * ago than the lease, the leader is stale (frozen, or cut off from
 * Redis); *stale is then set.  A tqd from before the record shows what
 * its lease has left instead.
 */
static void
screen_leader(char *dst, size_t size, const struct snapshot *s, int *stale)
{
	char	 age[16];

	*stale = 0;
	screen_age(age, sizeof age, s->seen_age);
	if (s->leader == NULL && s->seen_id != NULL)
		snprintf(dst, size, "none (%s last seen %s ago)", s->seen_id,
		    age);
	else if (s->leader == NULL)
		snprintf(dst, size, "none");
	else if (s->seen_id == NULL || strcmp(s->seen_id, s->leader) != 0)
		snprintf(dst, size, "%s (epoch %lld), lease %.1fs", s->leader,
		    s->epoch, s->leader_ttl / 1000.0);
	else {
		*stale = s->lease_ms > 0 && s->seen_age > s->lease_ms;
		snprintf(dst, size, "%s (epoch %lld), seen %s ago%s",
		    s->leader, s->epoch, age, *stale ? " STALE" : "");
	}
}

static void
screen_header(struct tqtop *t)
{
	const struct snapshot	*s = &t->snap;
	char			 line[1024], mem[32], lead[512];
	char			 paused[256];
	const char		*filter, *p;
	double			 in = 0, out = 0;
	size_t			 i, np = 0;
	int			 cols = getmaxx(win_header), stale, secs, w;

	filter = t->view == VIEW_DEAD || t->view == VIEW_DETAIL ?
	    t->dead_filter : t->filter;

	for (i = 0; i < s->nqueues; i++) {
		in += s->queues[i].in_rate;
		out += s->queues[i].out_rate;
	}
	paused[0] = '\0';
	for (i = 0; i < s->nqueues; i++) {
		if (!s->queues[i].st.paused)
			continue;
		np++;
		if (strlen(paused) + strlen(s->queues[i].st.name) + 2 <
		    sizeof paused)
			snprintf(paused + strlen(paused),
			    sizeof paused - strlen(paused), "%s%s",
			    np > 1 ? "," : "", s->queues[i].st.name);
	}
	screen_bytes(mem, sizeof mem, s->server.used_memory);
	screen_leader(lead, sizeof lead, s, &stale);
	werase(win_header);
	wattrset(win_header, crt_attr(CRT_HEADER));
	mvwhline(win_header, 0, 0, ' ', cols);
	/* Narrow: what matters most is where Redis is and the leader. */
	snprintf(line, sizeof line, "tqtop  %s  redis %s  mem %s  leader %s",
	    s->address, s->ever ? s->server.version : "?", mem, lead);
	if (screen_width(line) > cols)
		snprintf(line, sizeof line, "%s  redis %s  leader %s",
		    s->address, s->ever ? s->server.version : "?", lead);
	if (screen_width(line) > cols)
		snprintf(line, sizeof line, "%s  leader %s", s->address, lead);
	screen_put(win_header, 0, 0, cols, line);
	if (stale && (p = strstr(line, " STALE")) != NULL &&
	    p - line + 1 < cols) {
		wattrset(win_header, crt_attr(CRT_BAD) | A_REVERSE);
		screen_put(win_header, 0, (int)(p - line) + 1,
		    cols - (int)(p - line) - 1, "STALE");
	}
	/* The state the operator must see: right-aligned, red. */
	line[0] = '\0';
	if ((secs = screen_stalled(&t->link)) >= 0)
		snprintf(line, sizeof line, " Redis not answering for %ds ",
		    secs);
	else if (!s->connected && !s->ever && s->failure == TQ_OK)
		snprintf(line, sizeof line, " connecting ");
	else if (!s->connected)
		snprintf(line, sizeof line, " %s ", crt_utf8 ?
		    "disconnected \xe2\x80\x94 retrying" :
		    "disconnected - retrying");
	if (line[0] != '\0') {
		w = screen_width(line);
		wattrset(win_header, crt_attr(CRT_BAD) | A_REVERSE);
		screen_put(win_header, 0, cols > w ? cols - w : 0, w, line);
	}
	wattrset(win_header, A_NORMAL);
	snprintf(line, sizeof line, "workers %zu live  in %.1f/s  out %.1f/s"
	    "  queues %zu  paused %s  refresh %.1fs%s%s", s->live_workers,
	    in, out, s->nqueues, np > 0 ? paused : "-",
	    t->refresh_ms / 1000.0, t->read_only ? "  READ-ONLY" : "",
	    filter[0] != '\0' ? "  filter: " : "");
	screen_put(win_header, 1, 0, cols, line);
	if (filter[0] != '\0')
		screen_put(win_header, 1, (int)strlen(line),
		    cols - (int)strlen(line), filter);
	wnoutrefresh(win_header);
}

/* Append one help line to *lines. */
static void
screen_help_add(char ***lines, size_t *n, const char *names,
    const char *text, int len)
{
	*lines = tq_xreallocarray(*lines, *n + 1, sizeof **lines);
	(*lines)[(*n)++] = tq_xasprintf("  %-16s %.*s", names, len, text);
}

/*
 * The help: one entry per action (aliases share the help text), wrapped
 * at word boundaries to the width, and scrolled with the arrows when
 * the terminal is short.
 */
static void
screen_help(struct tqtop *t, WINDOW *w)
{
	const struct key_binding	*b;
	size_t				 i, j, n = 0;
	int				 y, cols = getmaxx(w), width, len;
	char				 text[512], names[64];
	char				**lines = NULL;
	const char			*p;

	width = cols - 19 < 20 ? 20 : cols - 19;
	for (i = 0; i < key_table_size; i++) {
		b = &key_table[i];
		if (i > 0 && key_table[i - 1].help == b->help)
			continue;
		if ((b->flags & KB_WRITE) && t->read_only)
			continue;
		names[0] = '\0';
		for (j = i; j < key_table_size &&
		    key_table[j].help == b->help; j++) {
			if (j > i && strcmp(key_table[j].name,
			    key_table[j - 1].name) == 0)
				continue;
			snprintf(names + strlen(names),
			    sizeof names - strlen(names), "%s%s",
			    j > i ? " " : "", key_table[j].name);
		}
		snprintf(text, sizeof text, "%s%s", b->help,
		    (b->flags & KB_CONFIRM) ? " (asks first)" : "");
		for (p = text; *p != '\0'; p += len) {
			len = (int)strlen(p);
			if (len > width) {
				/* Break at the last space that fits. */
				for (len = width; len > 0 && p[len] != ' ';
				    len--)
					;
				if (len == 0)
					len = width;
			}
			screen_help_add(&lines, &n, p == text ? names : "", p,
			    len);
			while (p[len] == ' ')
				len++;
		}
	}
	wattrset(w, crt_attr(CRT_TITLE));
	mvwhline(w, 0, 0, ' ', cols);
	screen_put(w, 0, 0, cols, "KEYS (Esc or ? to go back; arrows "
	    "scroll)");
	wattrset(w, A_NORMAL);
	t->help.n = (long long)n;
	t->help.height = getmaxy(w) - 1;
	if (t->help.top > t->help.n - t->help.height)
		t->help.top = t->help.n - t->help.height;
	if (t->help.top < 0)
		t->help.top = 0;
	for (y = 1; y <= t->help.height; y++) {
		i = (size_t)(t->help.top + y - 1);
		if (i >= n)
			break;
		screen_put(w, y, 0, cols, lines[i]);
	}
	for (i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

/*
 * The key bar: the labelled keys of the view, in table order.  What
 * does not fit goes, highest rank first (see key_table); the help key
 * then reads "? more".
 */
static void
screen_bar(struct tqtop *t)
{
	const struct key_binding	*b;
	unsigned char			 keep[128];
	const char			*label;
	size_t				 i;
	int				 x = 0, cols = getmaxx(win_bar), len;
	int				 rank, used = 0, dropped = 0;

	assert(key_table_size <= sizeof keep);
	memset(keep, 0, sizeof keep);
	for (rank = 0; rank <= 3; rank++) {
		for (i = 0; i < key_table_size; i++) {
			b = &key_table[i];
			if (b->label == NULL || b->rank != rank ||
			    !action_shown(t, b))
				continue;
			/* "name label" and a space before the next. */
			len = (int)strlen(b->name) + (int)strlen(b->label) + 2;
			if (used + len - 1 <= cols || rank == 0) {
				keep[i] = 1;
				used += len;
			} else
				dropped = 1;
		}
	}
	werase(win_bar);
	for (i = 0; i < key_table_size && x < cols; i++) {
		b = &key_table[i];
		if (!keep[i])
			continue;
		label = dropped && b->key == '?' ? "more" : b->label;
		wattrset(win_bar, crt_attr(CRT_KEY));
		screen_put(win_bar, 0, x, cols - x, b->name);
		x += (int)strlen(b->name) + 1;
		wattrset(win_bar, A_NORMAL);
		screen_put(win_bar, 0, x, cols - x, label);
		x += (int)strlen(label) + 1;
	}
	wnoutrefresh(win_bar);
}

static void
screen_status(struct tqtop *t)
{
	char	 line[512];

	werase(win_status);
	if (t->editing) {
		snprintf(line, sizeof line, "filter: %s_",
		    t->view == VIEW_DEAD ? t->dead_filter : t->filter);
		curs_set(0);
	} else if (t->status[0] != '\0')
		snprintf(line, sizeof line, "%s", t->status);
	else if (t->snap.error[0] != '\0')	/* as a damaged queue */
		snprintf(line, sizeof line, "%s", t->snap.error);
	else
		line[0] = '\0';
	wattrset(win_status, t->status_error || (!t->editing &&
	    t->status[0] == '\0' && line[0] != '\0') ? crt_attr(CRT_BAD) :
	    A_NORMAL);
	screen_put(win_status, 0, 0, getmaxx(win_status), line);
	wattrset(win_status, A_NORMAL);
	wnoutrefresh(win_status);
}

static void
screen_dialog(struct tqtop *t)
{
	int	 w, h = 7, y, x;
	attr_t	 sel = crt_attr(CRT_SELECTED), plain = A_NORMAL;

	w = COLS - 4 < 64 ? COLS - 4 : 64;
	y = (LINES - h) / 2;
	x = (COLS - w) / 2;
	if (win_dialog != NULL)
		delwin(win_dialog);
	win_dialog = newwin(h, w, y, x);
	werase(win_dialog);
	box(win_dialog, 0, 0);
	screen_put(win_dialog, 1, 2, w - 4, t->dialog.text);
	screen_put(win_dialog, 3, 2, w - 4,
	    "y: yes  n/Esc: no  Tab/arrows: choose  Enter: do it");
	wattrset(win_dialog, t->dialog.choice == 0 ? sel : plain);
	screen_put(win_dialog, 5, w / 2 - 14, 10, "[ Cancel ]");
	wattrset(win_dialog, t->dialog.choice == 1 ? sel : plain);
	screen_put(win_dialog, 5, w / 2 + 4, 10, "[ OK ]");
	wattrset(win_dialog, A_NORMAL);
	wnoutrefresh(win_dialog);
}

void
screen_draw(struct tqtop *t)
{
	if (t->dirty == 0)
		return;
	if (too_small) {
		werase(stdscr);
		mvaddnstr(LINES / 2, 0, "terminal too small", COLS);
		mvaddnstr(LINES / 2 + 1, 0, "(q quits)", COLS);
		wnoutrefresh(stdscr);
		doupdate();
		t->dirty = 0;
		return;
	}
	if (t->dirty & DIRTY_HEADER)
		screen_header(t);
	if (t->dirty & DIRTY_BODY) {
		werase(win_body);
		switch (t->view) {
		case VIEW_QUEUES:
			view_queues(t, win_body);
			break;
		case VIEW_WORKERS:
			view_workers(t, win_body);
			break;
		case VIEW_DEAD:
			view_dead(t, win_body);
			break;
		case VIEW_DETAIL:
			view_detail(t, win_body);
			break;
		case VIEW_HELP:
			screen_help(t, win_body);
			break;
		}
		wnoutrefresh(win_body);
	}
	if (t->dirty & DIRTY_STATUS)
		screen_status(t);
	if (t->dirty & DIRTY_BAR)
		screen_bar(t);
	if (t->dialog.active && (t->dirty & DIRTY_BODY))
		screen_dialog(t);
	doupdate();
	t->dirty = 0;
}
