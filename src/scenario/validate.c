/*
 * validate.c - what the model can run today (the scope of the model).
 *
 * Kept apart from interp.c and free of the model's API so that the fuzzer
 * can validate scenarios without linking the model: widening the scope is
 * a change to this file alone, next to the model feature it follows.
 */
#include "interp.h"

#include <errno.h>

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

static int model_statement_check(void *ctx, const struct scenario *s,
				 const struct scenario_statement *st,
				 char *err, size_t errlen)
{
	(void)ctx;
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
		/* no THP in the model: never and madvise run alike while no
		 * madvise hugepage is modelled; always would fault huge pages */
		if (st->machine.thp == SCENARIO_THP_ALWAYS) {
			scenario_error(err, errlen, s, st,
				       "thp=always: transparent huge pages are not modelled yet (thp=never and thp=madvise run)");
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
		return unsupported(err, errlen, s, st,
				   scenario_statement_name(st->kind));
	case SCENARIO_CALL:
		switch (st->call.kind) {
		case SCENARIO_CALL_MMAP:
			if (st->call.hugetlb)
				return unsupported(err, errlen, s, st, "mmap ... hugetlb");
			return 0;
		case SCENARIO_CALL_MREMAP:
			if (st->call.fixed[0] || st->call.dontunmap)
				return unsupported(err, errlen, s, st,
						   "mremap ... fixed= or dontunmap (MREMAP_FIXED, MREMAP_DONTUNMAP)");
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
	return scenario_check(s, model_statement_check, NULL, err, errlen);
}
