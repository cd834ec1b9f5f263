/*
 * judge.c - how `unevict conform` compares what the model and the live
 * kernel observed at each statement (their result records), and prints it.
 *
 * Pure: no /proc, no processes; the unit tests drive it with made-up
 * outcomes.  The rules it applies are written down in docs/CONFORM.md.
 */
#include "judge.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool outcome_equal(const struct outcome *a, const struct outcome *b)
{
	if (a->kind != b->kind)
		return false;
	switch (a->kind) {
	case OUTCOME_NONE:
		return true;
	case OUTCOME_ERRNO:
		return a->err == b->err;
	case OUTCOME_VALUE:
	case OUTCOME_MODEL_ONLY:
	case OUTCOME_IMAGE:
		return a->value == b->value;
	case OUTCOME_ERROR:
		return !strcmp(a->note, b->note);
	case OUTCOME_KILLED:
	case OUTCOME_NOT_RUN:
		return true;
	}
	return false;
}

bool outcome_runs_equal(const struct outcome *a, const struct outcome *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!outcome_equal(&a[i], &b[i]))
			return false;
	return true;
}

int outcome_pick_run(struct outcome *const *runs, size_t nr_runs, size_t n)
{
	size_t i, j;

	for (i = 1; i < nr_runs; i++)
		for (j = 0; j < i; j++)
			if (outcome_runs_equal(runs[i], runs[j], n))
				return (int)i;
	return -1;
}

/*
 * mlockall(MCL_CURRENT) without CAP_IPC_LOCK fails with ENOMEM when
 * total_vm, the whole address space, exceeds RLIMIT_MEMLOCK.  The live
 * task's total_vm includes its program image; the model's tasks have
 * none.  When the regions alone fit and regions plus image do not, the
 * live ENOMEM is the image's doing, not a model error.
 */
static bool image_explains_mlockall(const struct scenario_statement *st,
				    const struct outcome *model,
				    const struct outcome *live)
{
	bool call = st->kind == SCENARIO_CALL && st->call.kind == SCENARIO_CALL_MLOCKALL;
	bool expect = st->kind == SCENARIO_EXPECT && (st->expect.source == SCENARIO_EXPECT_OK ||
						      st->expect.source == SCENARIO_EXPECT_ERRNO);
	uint64_t regions;

	/* (an `expect ok|errno` carries the measure of the call it checks) */
	if (!(call || expect) || !live->vm_measured || model->err != 0 ||
	    live->err != -ENOMEM || live->image_pages > live->total_pages)
		return false;
	regions = live->total_pages - live->image_pages;
	return regions <= live->limit_pages && live->total_pages > live->limit_pages;
}

enum conform_verdict conform_judge(const struct scenario_statement *st,
				   const struct outcome *model,
				   const struct outcome *live)
{
	if (model->kind == OUTCOME_NONE && live->kind == OUTCOME_NONE)
		return CONFORM_SKIP;
	if (model->kind == OUTCOME_MODEL_ONLY)
		return CONFORM_MODEL_ONLY;
	if (live->kind == OUTCOME_IMAGE && model->kind == OUTCOME_VALUE)
		return CONFORM_IMAGE;
	if (outcome_equal(model, live) && model->kind != OUTCOME_ERROR)
		return CONFORM_AGREE;
	if (model->kind == OUTCOME_ERRNO && live->kind == OUTCOME_ERRNO &&
	    (image_explains_mlockall(st, model, live) ||
	     image_explains_memlock(st, model, live)))
		return CONFORM_IMAGE;
	return CONFORM_DIFFER;
}

/*
 * After an mlockall(MCL_CURRENT) that failed live only because of the
 * image, the model's task is locked and the live one is not: the two sides
 * run different scenarios from there, and nothing after it is compared.
 */
void conform_judge_scenario(const struct scenario *s, const struct outcome *model,
			    const struct outcome *live, enum conform_verdict *verdicts)
{
	bool diverged = false, stopped = false;
	size_t i;

	for (i = 0; i < s->nr_statements; i++) {
		const struct scenario_statement *st = &s->statements[i];
		enum conform_verdict v = conform_judge(st, &model[i], &live[i]);

		if (stopped && v != CONFORM_SKIP && v != CONFORM_MODEL_ONLY)
			v = CONFORM_NOT_RUN; /* the live side stopped before */
		else if (v == CONFORM_IMAGE && st->kind == SCENARIO_CALL)
			diverged = true;
		else if (diverged && (v == CONFORM_AGREE || v == CONFORM_DIFFER))
			v = CONFORM_IMAGE;
		if (live[i].kind == OUTCOME_ERROR)
			stopped = true;
		verdicts[i] = v;
	}
}

unsigned int conform_tally_scenario(const struct scenario *s,
				    const struct outcome *model,
				    const struct outcome *live,
				    struct conform_tally *tally)
{
	enum conform_verdict *v = calloc(s->nr_statements + 1, sizeof(*v));
	size_t i;

	memset(tally, 0, sizeof(*tally));
	if (!v) {
		tally->differ = 1; /* out of memory: claim no agreement */
		return tally->differ;
	}
	conform_judge_scenario(s, model, live, v);
	for (i = 0; i < s->nr_statements; i++) {
		switch (v[i]) {
		case CONFORM_SKIP:
			break;
		case CONFORM_AGREE:
			tally->compared++;
			tally->agree++;
			break;
		case CONFORM_DIFFER:
			tally->compared++;
			tally->differ++;
			break;
		case CONFORM_MODEL_ONLY:
			tally->model_only++;
			break;
		case CONFORM_IMAGE:
			tally->image++;
			break;
		case CONFORM_NOT_RUN:
			tally->not_run++;
			break;
		}
	}
	free(v);
	return tally->differ;
}

void outcome_format(const struct outcome *o, char *buf, size_t len)
{
	const char *name;

	switch (o->kind) {
	case OUTCOME_NONE:
		snprintf(buf, len, "-");
		return;
	case OUTCOME_ERRNO:
		name = o->err ? scenario_errno_name(-o->err) : "0";
		if (name)
			snprintf(buf, len, "%s", name);
		else
			snprintf(buf, len, "errno %d", -o->err);
		return;
	case OUTCOME_VALUE:
	case OUTCOME_MODEL_ONLY:
		snprintf(buf, len, "%" PRId64, o->value);
		return;
	case OUTCOME_IMAGE:
		snprintf(buf, len, "(%" PRId64 ")", o->value);
		return;
	case OUTCOME_ERROR:
		snprintf(buf, len, "error");
		return;
	case OUTCOME_KILLED:
		snprintf(buf, len, "killed");
		return;
	case OUTCOME_NOT_RUN:
		snprintf(buf, len, "not run");
		return;
	}
	snprintf(buf, len, "?");
}

void conform_format_line(const struct scenario_statement *st,
			 const struct outcome *model, const struct outcome *live,
			 enum conform_verdict verdict, char *buf, size_t len)
{
	char m[48], l[48];
	const char *mark = "";
	const char *note = "";

	outcome_format(model, m, sizeof(m));
	outcome_format(live, l, sizeof(l));
	switch (verdict) {
	case CONFORM_SKIP:
	case CONFORM_AGREE:
		break;
	case CONFORM_DIFFER:
		mark = "  <<< DIFFERS";
		note = live->kind == OUTCOME_ERROR ? live->note : model->note;
		break;
	case CONFORM_MODEL_ONLY:
		snprintf(l, sizeof(l), "-");
		mark = "  model only";
		break;
	case CONFORM_IMAGE:
		mark = "  image:";
		note = *live->note ? live->note
				   : "after the image-dependent call above, the sides differ";
		break;
	case CONFORM_NOT_RUN:
		mark = "  not run live (stopped above)";
		break;
	}
	snprintf(buf, len, "%6u  %-46s %10s %10s%s%s%s", st->line, st->text, m, l, mark,
		 *note ? " " : "", note);
}
