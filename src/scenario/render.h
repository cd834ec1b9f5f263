/*
 * render.h - the output of `unevict run` (render.c): text, the -v event
 * lines, or the --json document.  The loop (exec.c) and the model's
 * backend (interp.c) say what happened, statement by statement; only
 * render.c formats it, and it is the only user of jansson in src/ (the
 * CLI's document of a whole run is scenario_json_doc_*, interp.h).
 * Private to src/scenario.
 */
#ifndef SCENARIO_RENDER_H
#define SCENARIO_RENDER_H

#include "interp.h"

#include <unevict.h>

struct render;

/* NULL when out of memory.  opts->json (if set) receives "statements"
 * and "expectations" now, "summary" at render_finish. */
struct render *render_new(const struct scenario *s, const struct scenario_run_options *opts);
void render_finish(struct render *rd, const struct scenario_run_summary *sum);
void render_free(struct render *rd);

/* Before statement st runs (its JSON object; -v: start collecting its
 * events).  0 or -ENOMEM. */
int render_begin(struct render *rd, const struct scenario_statement *st);
/* After it ran: -v prints its header line and events under it.  Also on
 * an error, so that the events before it are shown. */
void render_end(struct render *rd, const struct scenario_statement *st);
/* The model's trace hook (unev_set_trace), ctx = the render. */
void render_event(void *ctx, const struct unev_event *ev);

/* What a statement gave: */
void render_machine(struct render *rd, const struct scenario_statement *st, const char *kernel);
void render_address(struct render *rd, uint64_t addr);	/* mmap, shmat, brk, mremap */
void render_call(struct render *rd, const struct scenario_statement *st, int err);
void render_not_run(struct render *rd, const struct scenario_statement *st,
		    const char *victim, unsigned int line);
void render_reclaim(struct render *rd, const struct scenario_statement *st, uint64_t pages);
/* `migrate`: move_pages's value (pages not migrated) or its -errno */
void render_migrate(struct render *rd, const struct scenario_statement *st, int64_t value);
void render_expect(struct render *rd, const struct scenario_statement *st,
		   const char *expected, const char *actual, bool passed);
void render_print(struct render *rd, const struct scenario_statement *st, const char *text);

/* "ENOMEM", or "errno 531" for a number with no name; e > 0 (0: "0"). */
const char *render_errno_text(int e, char *buf, size_t len);

#endif /* SCENARIO_RENDER_H */
