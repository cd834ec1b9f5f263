/*
 * test_mlock.c - the mlock module against values observed on Linux 6.18.44
 * (KERNEL-SEMANTICS.md sections 2-5, and the probes behind
 * tests/scenarios/core).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unevict.h"

#include "fixture.h"

/* two CPUs, the default memory */
static int setup(void **state)
{
	return fixture_state_setup(state, 2, 0);
}

static uint64_t map(struct fixture *fx, uint64_t len, int flags)
{
	uint64_t addr = 0;

	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, 0, len, UNEV_PROT_READ | UNEV_PROT_WRITE,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | flags, &addr), 0);
	return addr;
}

/* mmap 300p, touch, mlock: culled 300 mlocked 300 (the demo's story). */
static void test_mlock_touched_range_culls_every_page(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(300), 0);

	assert_int_equal(unev_touch(fx->m, fx->pid, a, P(300), true), 0);
	/* 9 full lru_add batches went to the LRU, 21 folios wait in the batch */
	assert_int_equal(fixture_vmstat(fx->m, "nr_inactive_anon"), 279);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(300)), 0);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_culled"), 300);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_mlocked"), 300);
	assert_int_equal(fixture_vmstat(fx->m, "nr_mlock"), 300);
	assert_int_equal(fixture_vmstat(fx->m, "nr_unevictable"), 300);
	assert_int_equal(fixture_vmstat(fx->m, "nr_inactive_anon"), 0);
	assert_int_equal(fixture_status(fx->m, fx->pid, "VmLck"), 1200);
	fixture_check(fx->m);

	assert_int_equal(unev_sys_munlock(fx->m, fx->pid, a, P(300)), 0);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_munlocked"), 300);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_rescued"), 300);
	assert_int_equal(fixture_vmstat(fx->m, "nr_mlock"), 0);
	assert_int_equal(fixture_vmstat(fx->m, "nr_unevictable"), 0);
	assert_int_equal(fixture_vmstat(fx->m, "nr_inactive_anon"), 300);
	assert_int_equal(fixture_status(fx->m, fx->pid, "VmLck"), 0);
	fixture_check(fx->m);
}

/* munmap of 300 locked pages: 9 x 31 munlocked, 21 left in the batch until
 * a drain (DRAIN.md evidence: 279 then 300). */
static void test_munmap_leaves_partial_batch(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(300), UNEV_MAP_LOCKED);

	assert_int_equal(fixture_vmstat(fx->m, "nr_mlock"), 300);
	assert_int_equal(unev_sys_munmap(fx->m, fx->pid, a, P(300)), 0);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_munlocked"), 279);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_rescued"), 279);
	assert_int_equal(fixture_vmstat(fx->m, "nr_mlock"), 21);
	assert_int_equal(fixture_vmstat(fx->m, "nr_unevictable"), 21);
	fixture_check(fx->m);
	unev_drain_all(fx->m);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_munlocked"), 300);
	assert_int_equal(fixture_vmstat(fx->m, "nr_mlock"), 0);
	assert_int_equal(fixture_vmstat(fx->m, "nr_unevictable"), 0);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_cleared"), 0);
	fixture_check(fx->m);
}

/* A hole: ENOMEM after the VMA before it was locked and charged, unpopulated. */
static void test_mlock_hole_locks_first_vma(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(30), 0);

	assert_int_equal(unev_sys_munmap(fx->m, fx->pid, a + P(10), P(10)), 0);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(30)), -ENOMEM);
	assert_int_equal(fixture_status(fx->m, fx->pid, "VmLck"), 40);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_mlocked"), 0);
	fixture_check(fx->m);
}

/* Errno order: mlock2 flags EINVAL before EPERM; RLIMIT 0 gives EPERM even for len 0. */
static void test_errno_order(void **state)
{
	struct fixture *fx = *state;
	struct unev_task_config tc;
	int pid;

	unev_task_config_default(&tc);
	tc.memlock = 0;
	assert_int_equal(unev_task_create(fx->m, &tc, &pid), 0);
	assert_int_equal(unev_sys_mlock2(fx->m, pid, 0, 0, 2), -EINVAL);
	assert_int_equal(unev_sys_mlock(fx->m, pid, 0, 0), -EPERM);
	assert_int_equal(unev_sys_mlockall(fx->m, pid, 0), -EINVAL);
	assert_int_equal(unev_sys_mlockall(fx->m, pid, UNEV_MCL_ONFAULT), -EINVAL);
	assert_int_equal(unev_sys_mlockall(fx->m, pid, UNEV_MCL_CURRENT), -EPERM);
	assert_int_equal(unev_sys_munlock(fx->m, pid, 0x10000, 4096), -ENOMEM);
}

/* RLIMIT 64 pages: 64 ok, relocking ok, one more page ENOMEM. */
static void test_rlimit_edges(void **state)
{
	struct fixture *fx = *state;
	struct unev_task_config tc;
	uint64_t a = 0, b = 0;
	int pid;

	unev_task_config_default(&tc);
	tc.memlock = P(64);
	assert_int_equal(unev_task_create(fx->m, &tc, &pid), 0);
	assert_int_equal(unev_sys_mmap(fx->m, pid, 0, P(65), 3, UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &a), 0);
	assert_int_equal(unev_sys_mlock(fx->m, pid, a, P(64)), 0);
	assert_int_equal(unev_sys_mlock(fx->m, pid, a, P(64)), 0);
	assert_int_equal(unev_sys_mlock(fx->m, pid, a, P(65)), -ENOMEM);
	assert_int_equal(unev_sys_mmap(fx->m, pid, 0, P(1), 3,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | UNEV_MAP_LOCKED, &b), -EAGAIN);
	fixture_check(fx->m);
}

/* COW after fork: the parent's write mlocks the copy and munlocks the old
 * page although the child still maps it. */
static void test_fork_parent_cow_write(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(1), UNEV_MAP_LOCKED);
	int child;

	assert_int_equal(unev_sys_fork(fx->m, fx->pid, &child), 0);
	assert_int_equal(fixture_status(fx->m, child, "VmLck"), 0);
	assert_int_equal(unev_touch(fx->m, fx->pid, a, P(1), true), 0);
	unev_drain_all(fx->m);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_mlocked"), 2);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_culled"), 2);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_munlocked"), 1);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_rescued"), 1);
	fixture_check(fx->m);
}

/* PROT_NONE: ENOMEM, but VM_LOCKED and charged. */
static void test_mlock_prot_none(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = 0;

	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, 0, P(10), UNEV_PROT_NONE,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &a), 0);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(10)), -ENOMEM);
	assert_int_equal(fixture_status(fx->m, fx->pid, "VmLck"), 40);
	fixture_check(fx->m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mlock_touched_range_culls_every_page, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_munmap_leaves_partial_batch, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_mlock_hole_locks_first_vma, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_errno_order, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_rlimit_edges, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_fork_parent_cow_write, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_mlock_prot_none, setup, fixture_state_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
