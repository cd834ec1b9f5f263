/*
 * exec.c - the one statement loop of every executor (exec.h): each
 * statement handed to the backend's hook, and the bookkeeping all of them
 * share: result records, the last call's result, the calls of a task the
 * memcg OOM killer took, and the tables of tasks, regions and objects.
 */
#include "exec.h"
#include "render.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void exec_init(struct exec *x, const struct scenario *s, const struct exec_ops *ops,
	       struct outcome *out, char *err, size_t errlen)
{
	memset(x, 0, sizeof(*x));
	x->s = s;
	x->ops = ops;
	x->out = out;
	x->err = err;
	x->errlen = errlen;
	if (out)
		memset(out, 0, s->nr_statements * sizeof(*out));
	scenario_table_init(&x->tasks, ops->task_size);
	for (int k = 0; k < EXEC_NR_OBJECTS; k++)
		scenario_table_init(&x->objects[k], sizeof(struct exec_object));
}

void exec_free(struct exec *x)
{
	for (size_t i = 0; i < exec_nr_tasks(x); i++)
		scenario_table_free(&exec_task_at(x, i)->regions);
	scenario_table_free(&x->tasks);
	for (int k = 0; k < EXEC_NR_OBJECTS; k++)
		scenario_table_free(&x->objects[k]);
	for (size_t i = 0; i < x->nr_spare; i++)
		scenario_table_free(&x->spare[i]);
	free(x->spare);
	free(x->frames);
	free(x->frames_now);
	free(x->snap);
}

/* ---- frames: `compact` and `expect TASK pagemap` ---- */

static bool wants_frames(const struct scenario *s)
{
	for (size_t i = 0; i < s->nr_statements; i++)
		if (s->statements[i].kind == SCENARIO_EXPECT &&
		    s->statements[i].expect.source == SCENARIO_EXPECT_PAGEMAP)
			return true;
	return false;
}

/* The buffers, touched now: a live run's driver must not fault pages in
 * after its baseline. */
static int frames_reserve(struct exec *x, size_t regions)
{
	if (x->frames || !wants_frames(x->s))
		return 0;
	x->frames = malloc(EXEC_MAX_FRAMES * sizeof(*x->frames));
	x->frames_now = malloc(EXEC_MAX_FRAMES * sizeof(*x->frames_now));
	x->cap_snap = regions ? regions : 1;
	x->snap = calloc(x->cap_snap, sizeof(*x->snap));
	if (!x->frames || !x->frames_now || !x->snap)
		return -ENOMEM;
	memset(x->frames, 0xff, EXEC_MAX_FRAMES * sizeof(*x->frames));
	memset(x->frames_now, 0xff, EXEC_MAX_FRAMES * sizeof(*x->frames_now));
	return 0;
}

/* A region's pages: from its first page to the end of its last. */
static void region_pages(const struct scenario_region *reg, uint64_t *start, uint64_t *nr)
{
	*start = reg->addr & ~4095ULL;
	*nr = (((reg->addr + reg->len + 4095) & ~4095ULL) - *start) >> 12;
}

/* Before a `compact`: the frames of every region of every task alive. */
static int frames_snapshot(struct exec *x, const struct scenario_statement *st)
{
	int ret = frames_reserve(x, 0);

	if (ret)
		return exec_stop(x, st, "out of memory");
	if (!x->frames || !x->ops->frames)
		return 0;
	x->nr_snap = x->nr_frames = 0;
	for (size_t i = 0; i < exec_nr_tasks(x); i++) {
		struct exec_task *t = exec_task_at(x, i);

		for (size_t j = 0; !t->exit_line && j < exec_nr_regions(t); j++) {
			const struct scenario_region *reg = exec_region_at(t, j);
			struct exec_frames *f;

			if (x->nr_snap == x->cap_snap) {
				if (x->stop_in_record)	/* live: reserved before */
					return exec_stop(x, st, "more regions than reserved for pagemap");
				f = realloc(x->snap, 2 * x->cap_snap * sizeof(*f));
				if (!f)
					return exec_stop(x, st, "out of memory");
				x->snap = f;
				x->cap_snap *= 2;
			}
			f = &x->snap[x->nr_snap];
			region_pages(reg, &f->start, &f->nr);
			if (f->nr > EXEC_MAX_FRAMES - x->nr_frames)
				return exec_stop(x, st, "the regions hold more than %d pages: too many for pagemap",
						 EXEC_MAX_FRAMES);
			snprintf(f->task, sizeof(f->task), "%s", t->name);
			snprintf(f->region, sizeof(f->region), "%s", reg->name);
			f->off = x->nr_frames;
			ret = x->ops->frames(x, t, f->start, f->nr, x->frames + f->off);
			if (ret)
				return exec_stop(x, st, "reading the frames of region '%s' of task '%s': %s",
						 reg->name, t->name, strerror(-ret));
			x->nr_frames += f->nr;
			x->nr_snap++;
		}
	}
	return 0;
}

/*
 * `expect TASK pagemap REGION moved|present`: the region's pages mapped
 * now (present), or those of them the last `compact` found mapped at
 * another frame (moved; a region made since has none).
 */
static int expect_pagemap(struct exec *x, const struct scenario_statement *st, struct outcome *o)
{
	const struct scenario_expect *e = &st->expect;
	const struct exec_frames *f = NULL;
	struct scenario_region *reg;
	struct exec_task *t;
	uint64_t start, nr, n = 0;
	int ret = 0;

	t = exec_alive_task(x, st, e->task, &ret);
	if (!t)
		return ret;
	reg = exec_bound_region(x, st, t, e->region, &ret);
	if (!reg)
		return ret;
	if (frames_reserve(x, 0))
		return exec_stop(x, st, "out of memory");
	if (!x->ops->frames)
		return exec_stop(x, st, "the %s cannot read pagemap", x->ops->name);
	region_pages(reg, &start, &nr);
	if (nr > EXEC_MAX_FRAMES)
		return exec_stop(x, st, "region '%s' has more than %d pages: too many for pagemap",
				 e->region, EXEC_MAX_FRAMES);
	ret = x->ops->frames(x, t, start, nr, x->frames_now);
	if (ret)
		return exec_stop(x, st, "reading the frames of region '%s': %s", e->region,
				 strerror(-ret));
	for (size_t i = 0; i < x->nr_snap && !f; i++)
		if (!strcmp(x->snap[i].task, t->name) && !strcmp(x->snap[i].region, e->region))
			f = &x->snap[i];
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t addr = start + (i << 12), was;

		if (x->frames_now[i] == EXEC_PFN_NONE)
			continue;
		if (!strcmp(e->field, "present")) {
			n++;
			continue;
		}
		if (!f || addr < f->start || addr >= f->start + (f->nr << 12))
			continue;
		was = x->frames[f->off + ((addr - f->start) >> 12)];
		n += was != EXEC_PFN_NONE && was != x->frames_now[i];
	}
	o->kind = OUTCOME_VALUE;
	o->value = (int64_t)n;
	return 0;
}

struct outcome *exec_record(struct exec *x, const struct scenario_statement *st)
{
	if (!x->out)
		return st->kind == SCENARIO_CALL ? &x->scratch_call : &x->scratch;
	return &x->out[st - x->s->statements];
}

int exec_stop(struct exec *x, const struct scenario_statement *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (x->stop_in_record && st) {
		struct outcome *o = exec_record(x, st);

		o->kind = OUTCOME_ERROR;
		vsnprintf(o->note, sizeof(o->note), fmt, ap);
		va_end(ap);
		return 1;
	}
	scenario_verror(x->err, x->errlen, x->s, st, "", fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* ---- tasks and regions ---- */

struct exec_task *exec_find_task(struct exec *x, const char *name)
{
	return scenario_table_find(&x->tasks, name);
}

struct exec_task *exec_task_at(const struct exec *x, size_t i)
{
	return scenario_table_at(&x->tasks, i);
}

size_t exec_nr_tasks(const struct exec *x)
{
	return x->tasks.nr;
}

size_t exec_task_index(const struct exec *x, const struct exec_task *t)
{
	return (size_t)((const char *)t - (const char *)x->tasks.items) / x->tasks.item_size;
}

struct exec_task *exec_add_task(struct exec *x, const char *name, int pid)
{
	bool added;
	struct exec_task *t = scenario_table_get(&x->tasks, name, &added);

	if (!t)
		return NULL;
	if (!added) {
		/* a name used again after its task is gone (checked on paper):
		 * the new task replaces the record */
		scenario_table_free(&t->regions);
		memset((char *)t + sizeof(t->name), 0, x->ops->task_size - sizeof(t->name));
	}
	t->pid = pid;
	if (x->nr_spare)
		t->regions = x->spare[--x->nr_spare];
	else
		scenario_table_init(&t->regions, sizeof(struct scenario_region));
	if (x->ops->task_init)
		x->ops->task_init(x, t);
	return t;
}

int exec_reserve(struct exec *x, size_t regions)
{
	size_t tasks = 0, objects[EXEC_NR_OBJECTS] = {0}, i;
	int ret;

	for (i = 0; i < x->s->nr_statements; i++) {
		const struct scenario_statement *st = &x->s->statements[i];

		switch (st->kind) {
		case SCENARIO_TASK:
			tasks++;
			break;
		case SCENARIO_CALL:
			tasks += st->call.kind == SCENARIO_CALL_FORK;
			break;
		case SCENARIO_FILE:
			objects[EXEC_FILES]++;
			break;
		case SCENARIO_SHM:
			objects[EXEC_SHMS]++;
			break;
		case SCENARIO_MEMCG:
			objects[EXEC_MEMCGS]++;
			break;
		default:
			break;
		}
	}
	ret = frames_reserve(x, (tasks ? tasks : 1) * regions);
	if (!ret)
		ret = scenario_table_reserve(&x->tasks, tasks);
	for (int k = 0; k < EXEC_NR_OBJECTS && !ret; k++)
		ret = scenario_table_reserve(&x->objects[k], objects[k]);
	for (i = 0; i < exec_nr_tasks(x) && !ret; i++)
		ret = scenario_table_reserve(&exec_task_at(x, i)->regions, regions);
	/* a region table for each task still to come (exec_add_task) */
	if (!ret && tasks > exec_nr_tasks(x) && !x->spare) {
		x->spare = calloc(tasks - exec_nr_tasks(x), sizeof(*x->spare));
		if (!x->spare)
			return -ENOMEM;
		for (i = 0; i < tasks - exec_nr_tasks(x) && !ret; i++) {
			scenario_table_init(&x->spare[i], sizeof(struct scenario_region));
			ret = scenario_table_reserve(&x->spare[i], regions);
			x->nr_spare = i + 1;
		}
	}
	return ret;
}

struct exec_task *exec_alive_task(struct exec *x, const struct scenario_statement *st,
				  const char *name, int *ret)
{
	struct exec_task *t = exec_find_task(x, name);

	if (!t)
		*ret = exec_stop(x, st, "task '%s' does not exist (the call that would have created it failed)",
				 name);
	else if (t->exit_line)
		*ret = exec_stop(x, st, "task '%s' has exited", name);
	else
		return t;
	return NULL;
}

void exec_task_killed(struct exec_task *t, const struct scenario_statement *st)
{
	t->exit_line = st->line;
	t->killed = true;
}

int exec_task_copy(struct exec_task *child, const struct exec_task *parent)
{
	if (scenario_table_copy(&child->regions, &parent->regions))
		return -ENOMEM;
	child->heap_known = parent->heap_known;
	child->heap_start = parent->heap_start;
	return 0;
}

struct scenario_region *exec_find_region(struct exec_task *t, const char *name)
{
	return scenario_table_find(&t->regions, name);
}

struct scenario_region *exec_bound_region(struct exec *x, const struct scenario_statement *st,
					  struct exec_task *t, const char *name, int *ret)
{
	struct scenario_region *reg = exec_find_region(t, name);

	if (!reg)
		*ret = exec_stop(x, st, "task '%s' has no region '%s' (the call that would have bound it failed)",
				 t->name, name);
	return reg;
}

int exec_bind_region(struct exec_task *t, const char *name, uint64_t addr, uint64_t len)
{
	bool added;
	struct scenario_region *reg = scenario_table_get(&t->regions, name, &added);

	if (!reg)
		return -ENOMEM;
	reg->addr = addr;
	reg->len = len;
	return 0;
}

size_t exec_nr_regions(const struct exec_task *t)
{
	return t->regions.nr;
}

struct scenario_region *exec_region_at(const struct exec_task *t, size_t i)
{
	return scenario_table_at(&t->regions, i);
}

void exec_call_range(const struct scenario_call *c, const struct scenario_region *reg,
		     uint64_t *addr, uint64_t *len)
{
	if (c->range_given) {
		*addr = reg->addr + c->off; /* wraps as a program's would */
		*len = c->len;
	} else {
		*addr = reg->addr;
		*len = reg->len;
	}
}

/* ---- files, shm segments, memcgs ---- */

struct exec_object *exec_find_object(struct exec *x, enum exec_objects kind, const char *name)
{
	return scenario_table_find(&x->objects[kind], name);
}

int exec_object_index(struct exec *x, enum exec_objects kind, const char *name)
{
	struct exec_object *ob = exec_find_object(x, kind, name);

	return ob ? (int)(ob - exec_object_at(x, kind, 0)) : -1;
}

struct exec_object *exec_object_at(const struct exec *x, enum exec_objects kind, size_t i)
{
	return scenario_table_at(&x->objects[kind], i);
}

size_t exec_nr_objects(const struct exec *x, enum exec_objects kind)
{
	return x->objects[kind].nr;
}

int exec_add_object(struct exec *x, enum exec_objects kind, const struct scenario_statement *st,
		    const char *name, int id, uint64_t size)
{
	bool added;
	struct exec_object *ob = scenario_table_get(&x->objects[kind], name, &added);

	if (!ob)
		return -ENOMEM;
	ob->id = id;
	ob->size = size;
	ob->st = st;
	return 0;
}

/* ---- the loop ---- */

/*
 * A call of a task the OOM killer took earlier: the program's later calls
 * never happen (issue 13).  It is recorded as not run, `expect ok|errno`
 * after it carries that, the run goes on.  A fork not run makes no child:
 * the child is dead from the start, its calls are not run either.
 */
static int call_not_run(struct exec *x, const struct scenario_statement *st,
			const struct exec_task *t)
{
	struct outcome *o = exec_record(x, st);
	unsigned int line = t->exit_line;
	const char *victim = t->victim ? t->victim : st->call.task;
	struct exec_task *child;

	x->last_not_run = true;
	x->last_killed = false;
	x->last_err = 0;
	x->last_call = o;
	o->kind = OUTCOME_NOT_RUN;
	if (st->call.kind == SCENARIO_CALL_FORK) {
		child = exec_add_task(x, st->call.target, 0);
		if (!child)
			return exec_stop(x, st, "out of memory");
		child->exit_line = line;
		child->killed = true;
		child->victim = victim;
	}
	if (x->rd)
		render_not_run(x->rd, st, victim, line);
	return 0;
}

static int exec_call(struct exec *x, const struct scenario_statement *st)
{
	struct exec_task *t = exec_find_task(x, st->call.task);
	struct outcome *o = exec_record(x, st);
	int result = 0, ret;

	if (t && t->killed)
		return call_not_run(x, st, t);
	ret = x->ops->call(x, st, &result);
	if (!ret && x->ops->sweep)
		ret = x->ops->sweep(x, st); /* the OOM killer may have taken anyone */
	if (ret)
		return ret;
	/*
	 * The caller killed in its own call: the model still gives the call
	 * a result (ENOMEM from the charge...), which a program never sees:
	 * the live task dies in the call.
	 */
	t = exec_find_task(x, st->call.task);
	x->last_killed = t && t->killed && t->exit_line == st->line;
	x->last_err = result < 0 ? result : 0;
	x->last_not_run = false;
	x->last_call = o;
	o->kind = x->last_killed ? OUTCOME_KILLED : OUTCOME_ERRNO;
	o->err = x->last_err;
	if (x->rd)
		render_call(x->rd, st, -x->last_err);
	return 0;
}

/* The summary and the text of an expectation that was read. */
static void expect_result(struct exec *x, const struct scenario_statement *st,
			  const char *expected, const char *actual, bool passed)
{
	if (x->sum) {
		x->sum->expectations++;
		if (passed)
			x->sum->passed++;
		else
			x->sum->failed++;
	}
	if (x->rd)
		render_expect(x->rd, st, expected, actual, passed);
}

static int exec_expect(struct exec *x, const struct scenario_statement *st)
{
	const struct scenario_expect *e = &st->expect;
	struct outcome *o = exec_record(x, st);
	char actual[48], expected[48], buf[32];
	struct exec_task *t;
	int ret;

	switch (e->source) {
	case SCENARIO_EXPECT_OK:
	case SCENARIO_EXPECT_ERRNO:
		/* the call's outcome, with what a backend noted of it */
		if (x->last_call)
			*o = *x->last_call;
		o->kind = x->last_not_run  ? OUTCOME_NOT_RUN
			  : x->last_killed ? OUTCOME_KILLED
					   : OUTCOME_ERRNO;
		o->err = x->last_err;
		snprintf(actual, sizeof(actual), "%s",
			 x->last_not_run ? "not run" : render_errno_text(-x->last_err, buf, sizeof(buf)));
		snprintf(expected, sizeof(expected), "%s",
			 e->source == SCENARIO_EXPECT_OK
				 ? "0"
				 : render_errno_text(e->errno_value, buf, sizeof(buf)));
		expect_result(x, st, expected, actual,
			      !x->last_not_run && (e->source == SCENARIO_EXPECT_OK
							   ? x->last_err == 0
							   : -x->last_err == e->errno_value));
		return 0;
	case SCENARIO_EXPECT_STATUS:
	case SCENARIO_EXPECT_SMAPS:
	case SCENARIO_EXPECT_NUMA_MAPS:
	case SCENARIO_EXPECT_MINCORE:
	case SCENARIO_EXPECT_PAGEMAP:
		t = exec_find_task(x, e->task);
		if (t && t->killed) {
			/* the OOM killer took the task: its /proc is gone; the
			 * expectation is not run and the run goes on (issue 13) */
			o->kind = OUTCOME_NOT_RUN;
			if (x->sum) {
				x->sum->expectations++;
				x->sum->not_run++;
			}
			if (x->rd)
				render_not_run(x->rd, st, t->victim ? t->victim : e->task,
					       t->exit_line);
			return 0;
		}
		break;
	default:
		break;
	}
	ret = e->source == SCENARIO_EXPECT_PAGEMAP ? expect_pagemap(x, st, o)
						    : x->ops->expect(x, st, o);
	if (ret)
		return ret;
	snprintf(actual, sizeof(actual), "%llu", (unsigned long long)o->value);
	snprintf(expected, sizeof(expected), "%s %llu", scenario_operator_name(e->op),
		 (unsigned long long)e->value);
	expect_result(x, st, expected, actual,
		      scenario_compare((uint64_t)o->value, e->op, e->value));
	return 0;
}

static int exec_statement(struct exec *x, const struct scenario_statement *st)
{
	int (*hook)(struct exec *, const struct scenario_statement *) =
		x->ops->statement[st->kind];

	switch (st->kind) {
	case SCENARIO_CALL:
		return exec_call(x, st);
	case SCENARIO_EXPECT:
		return exec_expect(x, st);
	case SCENARIO_MACHINE:
	case SCENARIO_TASK:
	case SCENARIO_FILE:
	case SCENARIO_SHM:
	case SCENARIO_MEMCG:
	case SCENARIO_PRINT:
		/* they make something or print: NULL is nothing to do */
		return hook ? hook(x, st) : 0;
	case SCENARIO_COMPACT:
		if (hook) {
			int ret = frames_snapshot(x, st);

			if (ret)
				return ret;
		}
		break;
	default:
		break;
	}
	if (hook)
		return hook(x, st);
	/* the backend's checks (scenario_model_check, native_scenario_check)
	 * refused it before the run */
	return exec_stop(x, st, "'%s' is not supported by the %s yet",
			 scenario_statement_name(st->kind), x->ops->name);
}

int exec_run(struct exec *x)
{
	int ret;

	for (size_t i = 0; i < x->s->nr_statements; i++) {
		const struct scenario_statement *st = &x->s->statements[i];

		if (x->ops->before_statement) {
			ret = x->ops->before_statement(x, st);
			if (ret)
				return ret;
		}
		if (!x->out)
			memset(exec_record(x, st), 0, sizeof(struct outcome));
		if (x->rd && render_begin(x->rd, st))
			return exec_stop(x, st, "out of memory");
		ret = exec_statement(x, st);
		if (ret) {
			if (x->rd)
				render_end(x->rd, NULL); /* the events before it */
			return ret;
		}
		if (x->ops->after_statement) {
			ret = x->ops->after_statement(x, st);
			if (ret)
				return ret;
		}
		if (x->rd)
			render_end(x->rd, st);
	}
	return 0;
}
