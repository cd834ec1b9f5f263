/*
 * judge.h - conform's judging (judge.c): how the model's and the live
 * kernel's result records (record.h) of one statement compare, the rerun
 * rule over live runs, and the side-by-side line.  Pure: the unit tests
 * drive it with made-up records.  The rules: docs/CONFORM.md.
 */
#ifndef CONFORM_JUDGE_H
#define CONFORM_JUDGE_H

#include "record.h"
#include "scenario.h"

#include <stdbool.h>
#include <stddef.h>

/* How the two sides compare at one statement. */
enum conform_verdict {
	CONFORM_SKIP = 0,	/* nothing to compare */
	CONFORM_AGREE,
	CONFORM_DIFFER,
	CONFORM_MODEL_ONLY,	/* reported, not counted as agreement */
	CONFORM_IMAGE,		/* the mlockall rule: not comparable, reported */
	CONFORM_NOT_RUN,	/* after the live side stopped at an error */
};

struct conform_tally {
	unsigned int compared, agree, differ, model_only, image, not_run;
};

bool outcome_equal(const struct outcome *a, const struct outcome *b);
/* All n outcomes equal: two live runs that saw the same thing. */
bool outcome_runs_equal(const struct outcome *a, const struct outcome *b,
			size_t n);
/*
 * The rerun rule: the first run (0..nr_runs-1) equal to an earlier one,
 * whose outcomes are then the live result; -1 if no two are equal yet.
 */
int outcome_pick_run(struct outcome *const *runs, size_t nr_runs, size_t n);

enum conform_verdict conform_judge(const struct scenario_statement *st,
				   const struct outcome *model,
				   const struct outcome *live);
/*
 * A live EAGAIN/ENOMEM from RLIMIT_MEMLOCK that only the task's locked
 * image explains (image_limit.c; CONFORM.md, the mlockall rule).
 */
bool image_explains_memlock(const struct scenario_statement *st, const struct outcome *model,
			    const struct outcome *live);
/*
 * Every statement's verdict, verdicts[nr_statements]: conform_judge, and
 * after an mlockall that failed live only because of the image, every
 * later comparison is CONFORM_IMAGE (the sides diverged; CONFORM.md).
 */
void conform_judge_scenario(const struct scenario *s, const struct outcome *model,
			    const struct outcome *live, enum conform_verdict *verdicts);
/* Judge every statement into tally; returns the number of differences. */
unsigned int conform_tally_scenario(const struct scenario *s,
				    const struct outcome *model,
				    const struct outcome *live,
				    struct conform_tally *tally);

/* "0", "ENOMEM", "1200", "-3", "(model only)"... as a column shows it. */
void outcome_format(const struct outcome *o, char *buf, size_t len);
/* One side-by-side line: line number, statement, model, live, marker. */
void conform_format_line(const struct scenario_statement *st,
			 const struct outcome *model, const struct outcome *live,
			 enum conform_verdict verdict, char *buf, size_t len);

#endif /* CONFORM_JUDGE_H */
