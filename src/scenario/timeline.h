/*
 * timeline.h - the model's LRU lists and mlock counters after every step,
 * as CSV (`unevict run --timeline FILE`; replay writes the same).
 *
 * Columns, fixed when the timeline is created:
 *   line, text                     the step: a source line and its text
 *   nodeN.<list> (5 lists), nodeN.nr_mlock     per node, pages
 *   memcg.<NAME>.<list> (5 lists)  per memcg (memory.stat), pages; empty
 *                                  cells before the memcg exists
 *   nr_mlock, Mlocked_kB, Unevictable_kB, unevictable_pgs_culled,
 *   _rescued, _munlocked, _mlocked, _cleared, _stranded   machine-wide
 * Fields are quoted as RFC 4180 says (a field with a comma, a quote or a
 * line break is quoted, quotes doubled).  `unevict plot` draws the file.
 */
#ifndef SCENARIO_TIMELINE_H
#define SCENARIO_TIMELINE_H

#include "scenario.h"

#include <stddef.h>
#include <stdio.h>

struct unev_machine;
struct timeline;

/* A timeline writing to @out (the caller's; never closed here) for a
 * machine of @nodes nodes and the memcgs named @memcgs; the header line is
 * written at once.  0, -EINVAL (nodes 0) or -ENOMEM. */
int timeline_create(FILE *out, unsigned int nodes, const char *const *memcgs,
		    size_t nr_memcgs, struct timeline **tl);
/* One row: the state of @m after the step at source @line, @text. */
int timeline_row(struct timeline *tl, const struct unev_machine *m, unsigned long line,
		 const char *text);
/* Free it; 0, or -EIO if a write to its stream failed. */
int timeline_destroy(struct timeline *tl);

/* The columns a scenario needs: its machine's nodes and its memcgs. */
int timeline_create_for_scenario(FILE *out, const struct scenario *s, struct timeline **tl);
/* A scenario_step_fn (interp.h): ctx is the struct timeline. */
int timeline_after_statement(void *ctx, const struct scenario_statement *st,
			     const struct unev_machine *m);

/* Write @s as one CSV field (quoted when it must be). */
void csv_write_field(FILE *out, const char *s);

#endif /* SCENARIO_TIMELINE_H */
