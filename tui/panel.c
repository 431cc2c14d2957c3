/*
 * panel.c -- the one scrollable list widget.
 *
 * Copyright (c) 2026 The tq authors.  MIT licence; see COPYING.
 *
 * A panel is only numbers: how many rows, which is selected, which is
 * first on screen and how many fit.  Rows are drawn by the views, so the
 * same panel serves a queue list held in memory and a dead-letter list
 * of a million rows of which only one screenful is ever fetched.
 */

#include "tqtop.h"

void
panel_clamp(struct panel *p)
{
	if (p->height < 1)
		p->height = 1;
	if (p->sel >= p->n)
		p->sel = p->n - 1;
	if (p->sel < 0)
		p->sel = 0;
	if (p->top > p->sel)
		p->top = p->sel;
	if (p->sel >= p->top + p->height)
		p->top = p->sel - p->height + 1;
	if (p->top > p->n - p->height)
		p->top = p->n - p->height;
	if (p->top < 0)
		p->top = 0;
}

int
panel_move(struct panel *p, int key)
{
	long long	 old = p->sel, oldtop = p->top;

	switch (key) {
	case KEY_UP:
	case 'k':
		p->sel--;
		break;
	case KEY_DOWN:
	case 'j':
		p->sel++;
		break;
	case KEY_PPAGE:
		p->sel -= p->height;
		p->top -= p->height;
		break;
	case KEY_NPAGE:
		p->sel += p->height;
		p->top += p->height;
		break;
	case KEY_HOME:
		p->sel = 0;
		break;
	case KEY_END:
		p->sel = p->n - 1;
		break;
	default:
		return (0);
	}
	panel_clamp(p);
	return (p->sel != old || p->top != oldtop);
}
