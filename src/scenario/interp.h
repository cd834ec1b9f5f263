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

struct json_t; /* jansson's json_t: only render.c uses the library */
struct unev_machine;

/* Called after each statement that ran (a timeline's row); non-zero stops
 * the run with that error. */
typedef int (*scenario_step_fn)(void *ctx, const struct scenario_statement *st,
				const struct unev_machine *m);

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
	/* What conform found out about the live kernel, for the scenarios that
	 * do not say: the kernel profile (machine kernel=; NULL: 6.18) when
	 * neither kernel= nor design= is written, and machine zero_page=off
	 * when the host maps no zero page and zero_page= is not written. */
	const char *kernel;
	bool no_zero_page;
	/* the live memcgs are cgroup v2's (unev_machine_config.memcg_v2) */
	bool memcg_v2;
	scenario_step_fn after_statement;	/* NULL: none */
	void *after_statement_ctx;
};

struct scenario_run_summary {
	bool ran;		/* the scenario passed the checks and started */
	unsigned int expectations;
	unsigned int passed;
	unsigned int failed;
	/* status/smaps of a task the OOM killer took: nothing to read */
	unsigned int not_run;
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

/*
 * The --json document of one `unevict run` over its files, built and
 * written by render.c (the only user of jansson):
 *   {"version", "runs": [{"file", "statements", "expectations", "summary",
 *    "status", "error"?}...], "summary": {"files", "expectations", "passed",
 *    "failed", "not_run"}, "status"}
 */
struct scenario_json_doc;

/* The totals over every file of one command (the closing summary). */
struct scenario_run_totals {
	unsigned int files;
	unsigned int expectations, passed, failed, not_run;
	int status;		/* the worst exit status */
};

/* NULL when out of memory. */
struct scenario_json_doc *scenario_json_doc_new(void);
/* A new run in the document, {"file": file}: the object to set as
 * scenario_run_options.json.  NULL when out of memory. */
struct json_t *scenario_json_doc_add_run(struct scenario_json_doc *d, const char *file);
/* The run's exit status, and its "FILE:LINE: message" when error != NULL. */
void scenario_json_run_status(struct json_t *run, int status, const char *error);
/* Write the whole document to f, indented, with the totals.  0 or -EIO. */
int scenario_json_doc_write(struct scenario_json_doc *d, const struct scenario_run_totals *t,
			    FILE *f);
void scenario_json_doc_free(struct scenario_json_doc *d);

#endif /* SCENARIO_INTERP_H */
