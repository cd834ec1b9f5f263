/*
 * check.c - what makes a parsed scenario meaningful, for every executor.
 *
 * The parser knows each line alone; this pass follows the scenario from top
 * to bottom with a symbolic state (which tasks, regions, memcgs, files and
 * segments exist) so that a scenario naming something that cannot exist is
 * refused whole, before anything runs, with the line that names it.  What
 * only a run can tell (a failed mmap leaves its region unbound) is the
 * executor's to report.
 */
#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct named {
	char name[SCENARIO_NAME_MAX];
	unsigned int line;	/* where it was declared or bound */
};

/* names declared or bound: a scenario_table of struct named */
#define name_set scenario_table

struct check_task {
	struct named id;
	unsigned int exit_line;	/* 0 while alive */
	struct name_set regions;
};

struct check_state {
	const struct scenario *s;
	struct check_task *tasks;
	size_t nr_tasks, tasks_cap;
	struct name_set memcgs, files, shms;
	unsigned int nodes, cpus;
	unsigned int last_call_line;	/* 0 before the first call */
	bool compacted;			/* a `compact` came before */
	char *err;
	size_t errlen;
};

void scenario_verror(char *err, size_t errlen, const struct scenario *s,
		     const struct scenario_statement *st, const char *prefix, const char *fmt,
		     va_list ap)
{
	char msg[768];

	if (!err || !errlen)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if (st)
		snprintf(err, errlen, "%s:%u: %s%s", s->file_name, st->line, prefix, msg);
	else
		snprintf(err, errlen, "%s: %s%s", s->file_name, prefix, msg);
}

void scenario_error(char *err, size_t errlen, const struct scenario *s,
		    const struct scenario_statement *st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	scenario_verror(err, errlen, s, st, "", fmt, ap);
	va_end(ap);
}

bool scenario_compare(uint64_t actual, enum scenario_operator op,
		      uint64_t expected)
{
	switch (op) {
	case SCENARIO_OP_EQ:
		return actual == expected;
	case SCENARIO_OP_NE:
		return actual != expected;
	case SCENARIO_OP_LT:
		return actual < expected;
	case SCENARIO_OP_LE:
		return actual <= expected;
	case SCENARIO_OP_GT:
		return actual > expected;
	case SCENARIO_OP_GE:
		return actual >= expected;
	}
	return false;
}

static struct named *set_find(const struct name_set *set, const char *name)
{
	return scenario_table_find(set, name);
}

static int set_add(struct name_set *set, const char *name, unsigned int line)
{
	bool added;
	struct named *n = scenario_table_get(set, name, &added);

	if (!n)
		return -ENOMEM;
	n->line = line;
	return 0;
}

static int fail(struct check_state *cs, const struct scenario_statement *st,
		const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(struct check_state *cs, const struct scenario_statement *st,
		const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	scenario_verror(cs->err, cs->errlen, cs->s, st, "", fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int out_of_memory(struct check_state *cs,
			 const struct scenario_statement *st)
{
	scenario_error(cs->err, cs->errlen, cs->s, st, "out of memory");
	return -ENOMEM;
}

static struct check_task *find_task(struct check_state *cs, const char *name)
{
	size_t i;

	for (i = 0; i < cs->nr_tasks; i++)
		if (!strcmp(cs->tasks[i].id.name, name))
			return &cs->tasks[i];
	return NULL;
}

/* The task a statement acts on: declared, and not exited. */
static int live_task(struct check_state *cs, const struct scenario_statement *st,
		     const char *name, struct check_task **out)
{
	struct check_task *t = find_task(cs, name);

	if (!t)
		return fail(cs, st, "unknown task '%s' (declare it with 'task %s' first)",
			    name, name);
	if (t->exit_line)
		return fail(cs, st, "task '%s' has exited (line %u)", name,
			    t->exit_line);
	*out = t;
	return 0;
}

static int add_task(struct check_state *cs, const struct scenario_statement *st,
		    const char *name, const struct name_set *regions)
{
	struct check_task *t = find_task(cs, name);

	if (t)
		return fail(cs, st, "task '%s' already exists (line %u): task names are unique",
			    name, t->id.line);
	if (cs->nr_tasks == cs->tasks_cap) {
		size_t cap = cs->tasks_cap ? cs->tasks_cap * 2 : 8;
		struct check_task *tasks = realloc(cs->tasks, cap * sizeof(*tasks));

		if (!tasks)
			return out_of_memory(cs, st);
		cs->tasks = tasks;
		cs->tasks_cap = cap;
	}
	t = &cs->tasks[cs->nr_tasks];
	memset(t, 0, sizeof(*t));
	snprintf(t->id.name, sizeof(t->id.name), "%s", name);
	t->id.line = st->line;
	if (regions ? scenario_table_copy(&t->regions, regions) :
		      (scenario_table_init(&t->regions, sizeof(struct named)), 0))
		return out_of_memory(cs, st);
	cs->nr_tasks++;
	return 0;
}

static int known(struct check_state *cs, const struct scenario_statement *st,
		 const struct name_set *set, const char *what, const char *name)
{
	if (!set_find(set, name))
		return fail(cs, st, "unknown %s '%s' (declare it with '%s %s' first)",
			    what, name, what, name);
	return 0;
}

static int declare(struct check_state *cs, const struct scenario_statement *st,
		   struct name_set *set, const char *what, const char *name)
{
	const struct named *n = set_find(set, name);

	if (n)
		return fail(cs, st, "%s '%s' already exists (line %u)", what, name,
			    n->line);
	return set_add(set, name, st->line) ? out_of_memory(cs, st) : 0;
}

static int bound_region(struct check_state *cs,
			const struct scenario_statement *st,
			const struct check_task *t, const char *region)
{
	if (!set_find(&t->regions, region))
		return fail(cs, st, "task '%s' has no region '%s' (bind it with mmap, shmat or brk first)",
			    t->id.name, region);
	return 0;
}

static int node_exists(struct check_state *cs,
		       const struct scenario_statement *st, unsigned int node)
{
	if (node >= cs->nodes)
		return fail(cs, st, "node=%u does not exist: the machine has %u node%s",
			    node, cs->nodes, cs->nodes == 1 ? "" : "s");
	return 0;
}

static int check_call(struct check_state *cs, const struct scenario_statement *st)
{
	const struct scenario_call *c = &st->call;
	struct check_task *t = NULL;	/* set by live_task when it returns 0 */
	int ret;

	ret = live_task(cs, st, c->task, &t);
	if (ret)
		return ret;
	cs->last_call_line = st->line;
	/* fixed=OTHER: the address of a region the task has */
	if (c->fixed[0]) {
		ret = bound_region(cs, st, t, c->fixed);
		if (ret)
			return ret;
	}
	if (scenario_call_on_range(c->kind))
		return bound_region(cs, st, t, c->target);
	switch (c->kind) {
	case SCENARIO_CALL_MMAP:
		if (c->file[0]) {
			ret = known(cs, st, &cs->files, "file", c->file);
			if (ret)
				return ret;
		}
		return set_add(&t->regions, c->target, st->line) ? out_of_memory(cs, st)
								  : 0;
	case SCENARIO_CALL_SHMDT:
		return bound_region(cs, st, t, c->target);
	case SCENARIO_CALL_READ:
	case SCENARIO_CALL_WRITE:
	case SCENARIO_CALL_TRUNCATE:
	case SCENARIO_CALL_PUNCH:
		return known(cs, st, &cs->files, "file", c->target);
	case SCENARIO_CALL_SHMAT:
		ret = known(cs, st, &cs->shms, "shm", c->shm);
		if (ret)
			return ret;
		return set_add(&t->regions, c->target, st->line) ? out_of_memory(cs, st)
								  : 0;
	case SCENARIO_CALL_SHMCTL:
		return known(cs, st, &cs->shms, "shm", c->target);
	case SCENARIO_CALL_FORK: {
		/* add_task may move cs->tasks: copy the parent's regions by index */
		size_t parent = (size_t)(t - cs->tasks);
		struct name_set regions = cs->tasks[parent].regions;

		return add_task(cs, st, c->target, &regions);
	}
	case SCENARIO_CALL_EXIT:
		t->exit_line = st->line;
		return 0;
	case SCENARIO_CALL_EXEC:
		scenario_table_clear(&t->regions);
		return 0;
	case SCENARIO_CALL_BRK:
		return set_add(&t->regions, "brk", st->line) ? out_of_memory(cs, st) : 0;
	case SCENARIO_CALL_GROW_STACK:
		return set_add(&t->regions, "stack", st->line) ? out_of_memory(cs, st) : 0;
	case SCENARIO_CALL_MLOCKALL:
	case SCENARIO_CALL_MUNLOCKALL:
	case SCENARIO_CALL_SETRLIMIT:
		return 0;
	default:
		break;	/* the calls on a range, checked above */
	}
	return 0;
}

static int check_expect(struct check_state *cs,
			const struct scenario_statement *st)
{
	const struct scenario_expect *e = &st->expect;
	struct check_task *t = NULL;	/* set by live_task when it returns 0 */
	int ret;

	switch (e->source) {
	case SCENARIO_EXPECT_OK:
	case SCENARIO_EXPECT_ERRNO:
		if (!cs->last_call_line)
			return fail(cs, st, "'%s' checks the previous call, but there is no call before it",
				    e->source == SCENARIO_EXPECT_OK ? "expect ok"
								    : "expect errno");
		return 0;
	case SCENARIO_EXPECT_STATUS:
		return live_task(cs, st, e->task, &t);
	case SCENARIO_EXPECT_PAGEMAP:
		if (!strcmp(e->field, "moved") && !cs->compacted)
			return fail(cs, st, "'pagemap %s moved' counts the pages the last 'compact' moved, and there is no 'compact' before it",
				    e->region);
		/* fall through */
	case SCENARIO_EXPECT_SMAPS:
	case SCENARIO_EXPECT_NUMA_MAPS:
	case SCENARIO_EXPECT_MINCORE:
		ret = live_task(cs, st, e->task, &t);
		return ret ? ret : bound_region(cs, st, t, e->region);
	case SCENARIO_EXPECT_MEMCG:
		return known(cs, st, &cs->memcgs, "memcg", e->task);
	case SCENARIO_EXPECT_VMSTAT:
	case SCENARIO_EXPECT_MEMINFO:
	case SCENARIO_EXPECT_LRU:
		return 0;
	}
	return 0;
}

static int check_statement(struct check_state *cs,
			   const struct scenario_statement *st)
{
	struct check_task *t = NULL;	/* set by live_task when it returns 0 */
	int ret;

	switch (st->kind) {
	case SCENARIO_MACHINE:
		cs->nodes = st->machine.nodes;
		cs->cpus = st->machine.cpus;
		return 0;
	case SCENARIO_TASK:
		if (st->task.cpu >= cs->cpus)
			return fail(cs, st, "cpu=%u does not exist: the machine has %u CPU%s (cpu=0..%u)",
				    st->task.cpu, cs->cpus, cs->cpus == 1 ? "" : "s",
				    cs->cpus - 1);
		if (st->task.memcg_given) {
			ret = known(cs, st, &cs->memcgs, "memcg", st->task.memcg);
			if (ret)
				return ret;
		}
		return add_task(cs, st, st->task.name, NULL);
	case SCENARIO_MEMCG:
		if (st->memcg.parent_given) {
			ret = known(cs, st, &cs->memcgs, "memcg", st->memcg.parent);
			if (ret)
				return ret;
		}
		return declare(cs, st, &cs->memcgs, "memcg", st->memcg.name);
	case SCENARIO_FILE:
		return declare(cs, st, &cs->files, "file", st->file.name);
	case SCENARIO_SHM:
		return declare(cs, st, &cs->shms, "shm", st->shm.name);
	case SCENARIO_CALL:
		return check_call(cs, st);
	case SCENARIO_RECLAIM:
		if (st->reclaim.node_given) {
			ret = node_exists(cs, st, st->reclaim.node);
			if (ret)
				return ret;
		}
		if (st->reclaim.memcg_given)
			return known(cs, st, &cs->memcgs, "memcg", st->reclaim.memcg);
		return 0;
	case SCENARIO_MIGRATE:
		ret = live_task(cs, st, st->migrate.task, &t);
		if (!ret)
			ret = bound_region(cs, st, t, st->migrate.region);
		return ret ? ret : node_exists(cs, st, st->migrate.node);
	case SCENARIO_COMPACT:
		cs->compacted = true;
		return st->compact.node_given ? node_exists(cs, st, st->compact.node)
					      : 0;
	case SCENARIO_EXPECT:
		return check_expect(cs, st);
	case SCENARIO_PRINT:
		if (st->print.source == SCENARIO_PRINT_STATUS ||
		    st->print.source == SCENARIO_PRINT_SMAPS)
			return live_task(cs, st, st->print.task, &t);
		if (st->print.source == SCENARIO_PRINT_MEMCG)
			return known(cs, st, &cs->memcgs, "memcg", st->print.task);
		return 0;
	case SCENARIO_SYSCTL:
	case SCENARIO_DRAIN:
		return 0;
	}
	return 0;
}

int scenario_check(const struct scenario *s,
		   int (*statement_hook)(void *ctx, const struct scenario *s,
					 const struct scenario_statement *st,
					 char *err, size_t errlen),
		   void *ctx, char *err, size_t errlen)
{
	/* SCENARIO.md machine defaults, until a `machine` says otherwise */
	struct check_state cs = {.s = s, .nodes = 1, .cpus = 1, .err = err,
				 .errlen = errlen};
	size_t i;
	int ret = 0;

	scenario_table_init(&cs.memcgs, sizeof(struct named));
	scenario_table_init(&cs.files, sizeof(struct named));
	scenario_table_init(&cs.shms, sizeof(struct named));
	for (i = 0; i < s->nr_statements && !ret; i++) {
		ret = check_statement(&cs, &s->statements[i]);
		if (!ret && statement_hook)
			ret = statement_hook(ctx, s, &s->statements[i], err, errlen);
	}
	for (i = 0; i < cs.nr_tasks; i++)
		scenario_table_free(&cs.tasks[i].regions);
	free(cs.tasks);
	scenario_table_free(&cs.memcgs);
	scenario_table_free(&cs.files);
	scenario_table_free(&cs.shms);
	return ret;
}

bool scenario_call_on_range(enum scenario_call_kind kind)
{
	switch (kind) {
	case SCENARIO_CALL_MUNMAP:
	case SCENARIO_CALL_MLOCK:
	case SCENARIO_CALL_MLOCK2:
	case SCENARIO_CALL_MUNLOCK:
	case SCENARIO_CALL_MPROTECT:
	case SCENARIO_CALL_MREMAP:
	case SCENARIO_CALL_MADVISE:
	case SCENARIO_CALL_TOUCH:
	case SCENARIO_CALL_MSYNC:
	case SCENARIO_CALL_MBIND:
		return true;
	default:
		return false;
	}
}

struct scenario_region *scenario_region_find(struct scenario_region *v, size_t n,
					     const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

void scenario_region_span(const struct scenario_region *reg, uint64_t *start, uint64_t *end)
{
	uint64_t len = reg->len;

	if (len > UINT64_MAX - (SCENARIO_PAGE_SIZE - 1))
		len = UINT64_MAX;
	else
		len = (len + SCENARIO_PAGE_SIZE - 1) & ~(SCENARIO_PAGE_SIZE - 1);
	*start = reg->addr;
	*end = len > UINT64_MAX - reg->addr ? UINT64_MAX : reg->addr + len;
}
