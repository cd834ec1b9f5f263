/*
 * validate.c - what the model can run today (the scope of the model).
 *
 * Kept apart from interp.c and free of the model's API so that the fuzzer
 * can validate scenarios without linking the model: widening the scope is
 * a change to this file alone, next to the model feature it follows.
 */
#include "interp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* struct unev_machine_config limits (include/unevict.h) */
#define MODEL_NODES_MAX 64
#define MODEL_CPUS_MAX 1024
/* The model's 32-bit page indices (src/mm/internal.h): swap slots below
 * 2^31 (a shmem page-cache entry keeps the top bit to say "swap slot"), a
 * file's or a segment's pages below 2^32.  What fits costs only the pages
 * used (issue 13): 7T of swap and 8T files run in a few MiB. */
#define MODEL_SWAP_MAX (((1ULL << 31) - 1) * 4096)
#define MODEL_OBJECT_MAX (((1ULL << 32) - 1) * 4096)

static int unsupported(char *err, size_t errlen, const struct scenario *s,
		       const struct scenario_statement *st, const char *what)
{
	scenario_error(err, errlen, s, st, "'%s' is not supported by the model yet",
		       what);
	return -EINVAL;
}

/*
 * Hugetlb memory (mmap ... hugetlb, shm ... hugetlb) is modelled for
 * mmap, touch, mlock*, munlock*, munmap, shmat, shmdt, exit and exec.
 * Calls the model does not follow on it yet are refused: madvise, mremap
 * and mprotect of a region it backs, and fork of a task that made a
 * private hugetlb mapping (the child shares its pages copy-on-write
 * without a reservation of its own).
 */
struct huge_region {
	char task[SCENARIO_NAME_MAX];
	char region[SCENARIO_NAME_MAX];	/* "" for a task with a private mapping */
};

/* a list of (task, region) pairs */
struct region_list {
	struct huge_region *v;
	size_t nr;
};

struct model_scope {
	struct region_list huge;
	/* regions of file or shared memory, where the model has no guard
	 * markers (6.15+ allows them there: truncation keeps them) */
	struct region_list not_anon;
	/* regions mapping a device's buffer (mmap perf|io_uring) */
	struct region_list driver;
	char (*huge_shms)[SCENARIO_NAME_MAX];
	size_t nr_huge_shms;
};

static bool list_find(const struct region_list *l, const char *task, const char *region)
{
	for (size_t i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i].task, task) && !strcmp(l->v[i].region, region))
			return true;
	return false;
}

static int list_add(struct region_list *l, const char *task, const char *region)
{
	struct huge_region *n;

	if (list_find(l, task, region))
		return 0;
	n = realloc(l->v, (l->nr + 1) * sizeof(*n));
	if (!n)
		return -ENOMEM;
	l->v = n;
	snprintf(n[l->nr].task, sizeof(n->task), "%s", task);
	snprintf(n[l->nr].region, sizeof(n->region), "%s", region);
	l->nr++;
	return 0;
}

static void list_del(struct region_list *l, const char *task, const char *region)
{
	for (size_t i = 0; i < l->nr; i++)
		if (!strcmp(l->v[i].task, task) && !strcmp(l->v[i].region, region))
			l->v[i] = l->v[--l->nr];
}

/* mmap or shmat binds (task, region) anew: in @l if @add */
static int list_rebind(struct region_list *l, const struct scenario_call *c, bool add)
{
	list_del(l, c->task, c->target);
	return add ? list_add(l, c->task, c->target) : 0;
}

static bool huge_shm(const struct model_scope *sc, const char *name)
{
	for (size_t i = 0; i < sc->nr_huge_shms; i++)
		if (!strcmp(sc->huge_shms[i], name))
			return true;
	return false;
}

/* Keep track of what hugetlb memory backs; refuse what the model lacks. */
static int hugetlb_scope_check(struct model_scope *sc, const struct scenario *s,
			       const struct scenario_statement *st, char *err, size_t errlen)
{
	const struct scenario_call *c = &st->call;
	bool huge;

	if (st->kind == SCENARIO_SHM && st->shm.hugetlb) {
		char (*n)[SCENARIO_NAME_MAX] = realloc(sc->huge_shms,
						       (sc->nr_huge_shms + 1) * sizeof(*n));

		if (!n)
			return -ENOMEM;
		sc->huge_shms = n;
		snprintf(n[sc->nr_huge_shms++], SCENARIO_NAME_MAX, "%s", st->shm.name);
		return 0;
	}
	if (st->kind != SCENARIO_CALL)
		return 0;
	switch (c->kind) {
	case SCENARIO_CALL_MMAP:
	case SCENARIO_CALL_SHMAT:
		huge = c->kind == SCENARIO_CALL_MMAP ? c->hugetlb : huge_shm(sc, c->shm);
		list_del(&sc->huge, c->task, c->target);
		if (!huge)
			return 0;
		if (c->kind == SCENARIO_CALL_MMAP && !c->shared && list_add(&sc->huge, c->task, ""))
			return -ENOMEM;
		return list_add(&sc->huge, c->task, c->target);
	case SCENARIO_CALL_MADVISE:
	case SCENARIO_CALL_MREMAP:
	case SCENARIO_CALL_MPROTECT:
	case SCENARIO_CALL_MBIND:
		if (list_find(&sc->huge, c->task, c->target))
			return unsupported(err, errlen, s, st, "madvise, mremap, mprotect or mbind of hugetlb memory");
		return 0;
	case SCENARIO_CALL_FORK:
		if (list_find(&sc->huge, c->task, ""))
			return unsupported(err, errlen, s, st, "fork of a task with a private hugetlb mapping");
		return 0;
	default:
		return 0;
	}
}

/*
 * Guard markers (madvise guard_install) are modelled in private anonymous
 * memory only: refused in a region that maps a file, shared or secret
 * memory, or a shm segment, where 6.15+ kernels allow them too.
 */
static int guard_scope_check(struct model_scope *sc, const struct scenario *s,
			     const struct scenario_statement *st, char *err, size_t errlen)
{
	const struct scenario_call *c = &st->call;

	if (st->kind != SCENARIO_CALL)
		return 0;
	switch (c->kind) {
	case SCENARIO_CALL_MMAP:
	case SCENARIO_CALL_SHMAT:
		return list_rebind(&sc->not_anon, c,
				   c->kind == SCENARIO_CALL_SHMAT || c->file[0] || c->shared);
	case SCENARIO_CALL_MBIND:
		/* shmem keeps its policy in the inode (shmem_set_policy) */
		if (list_find(&sc->not_anon, c->task, c->target))
			return unsupported(err, errlen, s, st, "mbind of file, shared or shm memory");
		return 0;
	case SCENARIO_CALL_MADVISE:
		/* MADV_COLLAPSE of file or shmem memory (hpage_collapse_scan_file)
		 * is not modelled: private anonymous memory only */
		if (c->advice == SCENARIO_ADVICE_COLLAPSE &&
		    list_find(&sc->not_anon, c->task, c->target))
			return unsupported(err, errlen, s, st,
					   "madvise collapse of file, shared or shm memory");
		if (c->advice == SCENARIO_ADVICE_GUARD_INSTALL &&
		    list_find(&sc->not_anon, c->task, c->target))
			return unsupported(err, errlen, s, st,
					   "guard_install in file, shared or shm memory");
		return 0;
	default:
		return 0;
	}
}

/*
 * A device's buffer (mmap perf|io_uring) is modelled for mmap, munmap of
 * the whole region, the mlock calls, fork, exit and exec, and smaps and
 * status.  Refused: what would fault, split, move or ask the buffer's
 * pages one by one (touch, mprotect, mremap, madvise, msync, a munmap of
 * part of it, migrate, mincore, numa_maps).
 */
static bool driver_region(const struct model_scope *sc, const char *task, const char *region)
{
	return list_find(&sc->driver, task, region);
}

static int driver_scope_check(struct model_scope *sc, const struct scenario *s,
			      const struct scenario_statement *st, char *err, size_t errlen)
{
	const struct scenario_call *c = &st->call;

	if (st->kind == SCENARIO_MIGRATE && driver_region(sc, st->migrate.task, st->migrate.region))
		return unsupported(err, errlen, s, st, "migrate of a perf or io_uring mapping");
	if (st->kind == SCENARIO_EXPECT &&
	    (st->expect.source == SCENARIO_EXPECT_MINCORE ||
	     st->expect.source == SCENARIO_EXPECT_NUMA_MAPS) &&
	    driver_region(sc, st->expect.task, st->expect.region))
		return unsupported(err, errlen, s, st, "mincore or numa_maps of a perf or io_uring mapping");
	if (st->kind != SCENARIO_CALL)
		return 0;
	switch (c->kind) {
	case SCENARIO_CALL_MMAP:
	case SCENARIO_CALL_SHMAT:
		return list_rebind(&sc->driver, c, c->kind == SCENARIO_CALL_MMAP && c->driver);
	case SCENARIO_CALL_MUNMAP:
		if (c->range_given && driver_region(sc, c->task, c->target))
			return unsupported(err, errlen, s, st, "munmap of part of a perf or io_uring mapping");
		return 0;
	case SCENARIO_CALL_TOUCH:
	case SCENARIO_CALL_MPROTECT:
	case SCENARIO_CALL_MREMAP:
	case SCENARIO_CALL_MADVISE:
	case SCENARIO_CALL_MSYNC:
	case SCENARIO_CALL_MBIND:
		if (driver_region(sc, c->task, c->target))
			return unsupported(err, errlen, s, st,
					   "touch, mprotect, mremap, madvise, msync or mbind of a perf or io_uring mapping");
		return 0;
	case SCENARIO_CALL_FORK: {
		size_t nr = sc->driver.nr;

		/* the child has its parent's region names */
		for (size_t i = 0; i < nr; i++) {
			char region[SCENARIO_NAME_MAX];

			if (strcmp(sc->driver.v[i].task, c->task))
				continue;
			/* list_add may move the list: a copy of the name */
			snprintf(region, sizeof(region), "%s", sc->driver.v[i].region);
			if (list_add(&sc->driver, c->target, region))
				return -ENOMEM;
		}
		return 0;
	}
	default:
		return 0;
	}
}

static int model_statement_check(void *ctx, const struct scenario *s,
				 const struct scenario_statement *st,
				 char *err, size_t errlen)
{
	int ret = hugetlb_scope_check(ctx, s, st, err, errlen);

	if (!ret)
		ret = guard_scope_check(ctx, s, st, err, errlen);
	if (!ret)
		ret = driver_scope_check(ctx, s, st, err, errlen);

	if (ret)
		return ret;
	switch (st->kind) {
	case SCENARIO_MACHINE:
		if (st->machine.nodes > MODEL_NODES_MAX) {
			scenario_error(err, errlen, s, st,
				       "nodes=%u: the model has 1 to %d nodes",
				       st->machine.nodes, MODEL_NODES_MAX);
			return -EINVAL;
		}
		if (st->machine.cpus > MODEL_CPUS_MAX) {
			scenario_error(err, errlen, s, st,
				       "cpus=%u: the model has 1 to %d CPUs",
				       st->machine.cpus, MODEL_CPUS_MAX);
			return -EINVAL;
		}
		if (st->machine.swap_bytes > MODEL_SWAP_MAX) {
			scenario_error(err, errlen, s, st,
				       "swap=%lluK: the model holds swap up to 8T minus one page (8589934588K)",
				       (unsigned long long)(st->machine.swap_bytes >> 10));
			return -EINVAL;
		}
		return 0;
	case SCENARIO_TASK:
		return 0;
	case SCENARIO_FILE:
	case SCENARIO_SHM:
		if ((st->kind == SCENARIO_FILE ? st->file.size : st->shm.size) > MODEL_OBJECT_MAX) {
			scenario_error(err, errlen, s, st,
				       "%s%lluK: the model holds files and segments up to 16T minus one page (17179869180K)",
				       st->kind == SCENARIO_FILE ? "size=" : "shm size ",
				       (unsigned long long)((st->kind == SCENARIO_FILE ? st->file.size
										   : st->shm.size) >> 10));
			return -EINVAL;
		}
		return 0;
	case SCENARIO_MEMCG:
	case SCENARIO_SYSCTL:
	case SCENARIO_RECLAIM:
		return 0;
	case SCENARIO_MIGRATE:
	case SCENARIO_COMPACT:
		return 0;
	case SCENARIO_CALL:
		switch (st->call.kind) {
		case SCENARIO_CALL_MMAP:
			/* the hugetlb path places its own VMA (do_mmap_hugetlb) */
			if (st->call.hugetlb && st->call.fixed[0])
				return unsupported(err, errlen, s, st, "mmap ... hugetlb fixed=");
			return 0;
		default:
			return 0;
		}
	case SCENARIO_DRAIN:
	case SCENARIO_EXPECT:
	case SCENARIO_PRINT:
		return 0;
	}
	return 0;
}

int scenario_model_check(const struct scenario *s, char *err, size_t errlen)
{
	struct model_scope sc = {0};
	int ret = scenario_check(s, model_statement_check, &sc, err, errlen);

	free(sc.huge.v);
	free(sc.not_anon.v);
	free(sc.driver.v);
	free(sc.huge_shms);
	return ret;
}
