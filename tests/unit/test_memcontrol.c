/*
 * test_memcontrol.c - the memcg OOM killer taking the caller inside its
 * own call (mm/memcontrol.c mem_cgroup_out_of_memory, issue 13): the call
 * completes on a live mm, the task is dead when it returns, and exit_mmap
 * has run by then.  Values from the kernel's rules (a 64K limit is 16
 * pages; a fully mlocked, swapless memcg has nothing to reclaim).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "internal.h"

struct fx {
	struct unev_machine *m;
	int pid, memcg;
};

static int setup(void **state)
{
	static struct fx fx;
	struct unev_machine_config cfg;
	struct unev_task_config tc;

	unev_machine_config_default(&cfg);
	cfg.mem_bytes = 64ULL << 20;
	if (unev_machine_create(&cfg, &fx.m) ||
	    unev_memcg_create(fx.m, "m", 0, 64 << 10, &fx.memcg))
		return -1;
	unev_task_config_default(&tc);
	tc.memcg = fx.memcg;
	if (unev_task_create(fx.m, &tc, &fx.pid))
		return -1;
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	return fixture_teardown(fx->m);
}

static void assert_killed_and_gone(struct fx *fx)
{
	uint64_t v;

	assert_false(unev_task_alive(fx->m, fx->pid));
	assert_null(fx->m->tasks[fx->pid - 1]->mm);	/* exit_mmap ran on return */
	assert_int_equal(unev_vmstat_read(fx->m, "oom_kill", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(unev_memcg_stat_read(fx->m, fx->memcg, "oom_kill", &v), 0);
	assert_int_equal(v, 1);
	unev_drain_all(fx->m);
	assert_int_equal(unev_memcg_stat_read(fx->m, fx->memcg, "usage", &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(unev_vmstat_read(fx->m, "nr_mlock", &v), 0);
	assert_int_equal(v, 0);
}

/* mlockall(MCL_CURRENT) populates 100 pages into a 16-page memcg. */
static void test_oom_kills_caller_in_mlockall(void **state)
{
	struct fx *fx = *state;
	uint64_t a;

	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, 0, P(100), 3,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &a), 0);
	/* __mm_populate's errors are not mlockall's: it returns 0 */
	assert_int_equal(unev_sys_mlockall(fx->m, fx->pid, UNEV_MCL_CURRENT), 0);
	assert_killed_and_gone(fx);
	assert_int_equal(unev_sys_munmap(fx->m, fx->pid, a, P(100)), -ESRCH);
}

/* mprotect rw of a locked read-only private VMA breaks COW at once. */
static void test_oom_kills_caller_in_mprotect(void **state)
{
	struct fx *fx = *state;
	uint64_t a;

	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, 0, P(100), UNEV_PROT_READ,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &a), 0);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(100)), 0);
	assert_int_equal(unev_sys_mprotect(fx->m, fx->pid, a, P(100),
					   UNEV_PROT_READ | UNEV_PROT_WRITE), 0);
	assert_killed_and_gone(fx);
}

/* brk after mlockall(MCL_FUTURE) populates the new heap. */
static void test_oom_kills_caller_in_brk(void **state)
{
	struct fx *fx = *state;
	uint64_t cur, res;

	assert_int_equal(unev_sys_mlockall(fx->m, fx->pid, UNEV_MCL_FUTURE), 0);
	assert_int_equal(unev_sys_brk(fx->m, fx->pid, 0, &cur), 0);
	assert_int_equal(unev_sys_brk(fx->m, fx->pid, cur + P(100), &res), 0);
	assert_killed_and_gone(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_oom_kills_caller_in_mlockall, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_kills_caller_in_mprotect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oom_kills_caller_in_brk, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
