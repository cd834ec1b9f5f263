/*
 * interp.h - running a scenario on the model (interp.c, validate.c).
 *
 * The CLI parses with scenario.h, then hands the tree here.  A run checks
 * the whole scenario first (scenario_model_check), so a statement the
 * model cannot run yet is reported before anything happens.
 */
#ifndef SCENARIO_INTERP_H
#define SCENARIO_INTERP_H

#include "record.h"
#include "scenario.h"

#include <stdbool.h>
#include <stdio.h>

struct json_t; /* jansson's json_t: only interp.c needs the library */

struct scenario_run_options {
	bool verbose;		/* -v: trace every LRU event under its statement */
	bool quiet;		/* -q: only failed expectations */
	bool check_invariants;	/* abort() at the first broken model invariant */
	FILE *out;		/* text results; unused with json; NULL: none */
	/* When not NULL, a JSON object that receives "statements",
	 * "expectations" and "summary" instead of any text. */
	struct json_t *json;
	/* When not NULL, one result record per statement (record.h), what
	 * `unevict conform` compares with the live kernel's */
	struct outcome *records;
};

struct scenario_run_summary {
	bool ran;		/* the scenario passed the checks and started */
	unsigned int expectations;
	unsigned int passed;
	unsigned int failed;
};

/*
 * scenario_check() plus the model's scope: statements, options and machine
 * sizes the model does not run yet are "FILE:LINE: 'X' is not supported by
 * the model yet".  0 or -EINVAL with the message in err.  Never touches
 * the model, so a fuzzer may call it on anything.
 */
int scenario_model_check(const struct scenario *s, char *err, size_t errlen);

/*
 * Check, then run every statement on a new machine.  0 when the scenario
 * ran to its end (failed expectations are counted in *summary, not
 * errors); -EINVAL for a scenario the model cannot run or a runtime error
 * (an exited task, an unknown /proc field, a region whose mmap failed),
 * -ENOMEM..., with "FILE:LINE: message" in err.
 */
int scenario_run(const struct scenario *s,
		 const struct scenario_run_options *opts,
		 struct scenario_run_summary *summary, char *err,
		 size_t errlen);

#endif /* SCENARIO_INTERP_H */
