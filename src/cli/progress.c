/*
 * progress.c - progress on a terminal (progress.h).  The line ends in '\r'
 * so the next line of results, written over it from column 0, replaces it.
 */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_begin(struct progress *p, const char *what)
{
	p->what = what;
	p->tty = isatty(STDERR_FILENO);
	p->shown = false;
	p->start = p->last = now();
}

void progress_update(struct progress *p, unsigned long done, unsigned long total)
{
	double t;

	if (!p->tty)
		return;
	t = now();
	if (t - p->start < 1.0 || t - p->last < 0.25)
		return;
	p->last = t;
	p->shown = true;
	fflush(stdout);
	fprintf(stderr, "\r\033[K[%lu/%lu] %s, %.0f s\r", done, total, p->what, t - p->start);
	fflush(stderr);
}

void progress_end(struct progress *p)
{
	if (p->tty && p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = false;
}
