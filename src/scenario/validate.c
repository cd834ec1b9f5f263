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
