/*
 * progress.h - "[3/12] bench scan, 41 s" on stderr while long work runs,
 * when stderr is a terminal; nothing at all otherwise (pipes, logs, ctest).
 * Shown only once the work has lasted a second, at most 4 times a second.
 */
#ifndef CLI_PROGRESS_H
#define CLI_PROGRESS_H

#include <stdbool.h>

struct progress {
	const char *what;
	bool tty;
	bool shown;
	double start, last;
};

void progress_begin(struct progress *p, const char *what);
/* @done of @total steps. */
void progress_update(struct progress *p, unsigned long done, unsigned long total);
/* Erase the line (before the final output). */
void progress_end(struct progress *p);

#endif /* CLI_PROGRESS_H */
