/*
 * test_madvise.c - the calls of issue 11 on the model: mincore (mincore.c),
 * msync (msync.c), setrlimit (task.c), MAP_FIXED (mmap.c) and the LRU moves
 * of MADV_COLD, MADV_PAGEOUT and MADV_FREE (madvise.c, swap.c, vmscan.c).
 * Every value was observed on Linux 6.18.44 through `unevict conform`
 * (tests/scenarios/calls, one file named at each test).
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
	uint64_t a = 0;

	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, 0, len, UNEV_PROT_READ | UNEV_PROT_WRITE,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | flags, &a), 0);
	return a;
}

/* mincore_anon_states.uvs */
static void test_mincore_counts_zero_page_not_onfault(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(64), 0), n;
	unsigned char vec[2] = {7, 7};

	assert_int_equal(fixture_resident(fx->m, fx->pid, a, P(64)), 0);
	assert_int_equal(unev_touch(fx->m, fx->pid, a, P(16), false), 0);
	assert_int_equal(fixture_resident(fx->m, fx->pid, a, P(64)), 16);
	assert_int_equal(unev_sys_mlock2(fx->m, fx->pid, a, P(64), UNEV_MLOCK_ONFAULT), 0);
	assert_int_equal(fixture_resident(fx->m, fx->pid, a, P(64)), 16);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(64)), 0);
	assert_int_equal(fixture_resident(fx->m, fx->pid, a, P(64)), 64);
	/* a length is rounded up to whole pages; the vector is filled */
	assert_int_equal(unev_sys_mincore(fx->m, fx->pid, a + P(62), P(1) + 1, vec, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(vec[0], 1);
	assert_int_equal(vec[1], 1);
	/* an unaligned start, a hole after the region */
	assert_int_equal(unev_sys_mincore(fx->m, fx->pid, a + 1, P(1), NULL, &n), -EINVAL);
	assert_int_equal(unev_sys_mincore(fx->m, fx->pid, a, P(65), NULL, &n), -ENOMEM);
	assert_int_equal(n, 64);
}

/* msync_invalidate_locked_ebusy.uvs, msync_errnos.uvs */
static void test_msync_invalidate_locked_is_ebusy(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(16), UNEV_MAP_LOCKED);

	assert_int_equal(unev_sys_msync(fx->m, fx->pid, a, P(16), UNEV_MS_INVALIDATE), -EBUSY);
	assert_int_equal(unev_sys_msync(fx->m, fx->pid, a, P(16), UNEV_MS_SYNC), 0);
	assert_int_equal(unev_sys_munlock(fx->m, fx->pid, a + P(4), P(4)), 0);
	assert_int_equal(unev_sys_msync(fx->m, fx->pid, a + P(4), P(4), UNEV_MS_INVALIDATE), 0);
	assert_int_equal(unev_sys_msync(fx->m, fx->pid, a + P(4), P(8), UNEV_MS_INVALIDATE),
			 -EBUSY);
	assert_int_equal(unev_sys_msync(fx->m, fx->pid, a, P(1), 8), -EINVAL);
	assert_int_equal(unev_sys_msync(fx->m, fx->pid, a, P(1), UNEV_MS_ASYNC | UNEV_MS_SYNC),
			 -EINVAL);
	assert_int_equal(unev_sys_msync(fx->m, fx->pid, a + 1, P(1), 0), -EINVAL);
	assert_int_equal(unev_sys_munmap(fx->m, fx->pid, a + P(4), P(4)), 0);
	/* MS_ASYNC alone stops at the hole; the others report it at the end */
	assert_int_equal(unev_sys_msync(fx->m, fx->pid, a, P(16), UNEV_MS_ASYNC), -ENOMEM);
	assert_int_equal(unev_sys_msync(fx->m, fx->pid, a, P(16), UNEV_MS_INVALIDATE), -EBUSY);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_mlocked"), 16);
}

/* setrlimit_memlock_mid_scenario.uvs */
static void test_setrlimit_memlock_soft_and_hard(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(32), 0), cur, max;

	assert_int_equal(unev_sys_getrlimit(fx->m, fx->pid, UNEV_RLIMIT_MEMLOCK, &cur, &max), 0);
	assert_int_equal(unev_sys_setrlimit(fx->m, fx->pid, UNEV_RLIMIT_MEMLOCK, P(16), max), 0);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(32)), -ENOMEM);
	assert_int_equal(unev_sys_setrlimit(fx->m, fx->pid, UNEV_RLIMIT_MEMLOCK, P(32), max), 0);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(32)), 0);
	assert_int_equal(unev_sys_setrlimit(fx->m, fx->pid, UNEV_RLIMIT_MEMLOCK, 0, max), 0);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(1)), -EPERM);
	assert_int_equal(unev_sys_setrlimit(fx->m, fx->pid, UNEV_RLIMIT_MEMLOCK, max + 1, max),
			 -EINVAL);
	assert_int_equal(unev_sys_setrlimit(fx->m, fx->pid, UNEV_RLIMIT_MEMLOCK, 0, max + 1),
			 -EPERM);
}

/* map_fixed_over_locked_region.uvs, map_fixed_batches_like_munmap.uvs */
static void test_map_fixed_unmaps_through_the_batch(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(300), UNEV_MAP_LOCKED), b = 0;

	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, a, P(300), UNEV_PROT_READ,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | UNEV_MAP_FIXED, &b), 0);
	assert_int_equal(b, a);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_munlocked"), 279);
	assert_int_equal(fixture_vmstat(fx->m, "nr_mlock"), 21);
	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, a, P(4), UNEV_PROT_READ,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS |
					       UNEV_MAP_FIXED_NOREPLACE, &b), -EEXIST);
	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, a + 1, P(4), UNEV_PROT_READ,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | UNEV_MAP_FIXED, &b),
			 -EINVAL);
	unev_drain_all(fx->m);
	assert_int_equal(fixture_vmstat(fx->m, "nr_mlock"), 0);
}

/* madvise_cold_deactivates_in_batches.uvs */
static void test_cold_and_pageout_move_in_batches(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(100), 0);

	assert_int_equal(unev_touch(fx->m, fx->pid, a, P(100), true), 0);
	unev_drain_all(fx->m);
	assert_int_equal(unev_sys_madvise(fx->m, fx->pid, a, P(100), UNEV_MADV_COLD), 0);
	assert_int_equal(fixture_vmstat(fx->m, "pgdeactivate"), 0);	/* all inactive */
	assert_int_equal(unev_sys_madvise(fx->m, fx->pid, a, P(100), UNEV_MADV_PAGEOUT), 0);
	assert_int_equal(fixture_vmstat(fx->m, "pgactivate"), 100);	/* no swap */
	assert_int_equal(fixture_vmstat(fx->m, "nr_active_anon"), 93);
	assert_int_equal(unev_sys_madvise(fx->m, fx->pid, a, P(100), UNEV_MADV_COLD), 0);
	assert_int_equal(fixture_vmstat(fx->m, "pgdeactivate"), 93);
	assert_int_equal(fixture_vmstat(fx->m, "nr_active_anon"), 7);
	assert_int_equal(fixture_resident(fx->m, fx->pid, a, P(100)), 100);
	unev_drain_all(fx->m);
	assert_int_equal(fixture_vmstat(fx->m, "pgdeactivate"), 100);
	assert_int_equal(fixture_vmstat(fx->m, "nr_inactive_anon"), 100);
}

/* madvise_free_lazyfree_batches.uvs, madvise_free_reclaim_discards.uvs */
static void test_free_lazyfree_then_reclaim_discards(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(100), 0), got = 0;

	assert_int_equal(unev_touch(fx->m, fx->pid, a, P(100), true), 0);
	assert_int_equal(unev_sys_madvise(fx->m, fx->pid, a, P(100), UNEV_MADV_FREE), 0);
	assert_int_equal(fixture_vmstat(fx->m, "pglazyfree"), 93);
	assert_int_equal(fixture_vmstat(fx->m, "nr_inactive_file"), 93);
	unev_drain_all(fx->m);
	assert_int_equal(fixture_vmstat(fx->m, "nr_inactive_file"), 100);
	assert_int_equal(fixture_smaps(fx->m, fx->pid, a, P(100), "LazyFree"), 400);
	assert_int_equal(unev_touch(fx->m, fx->pid, a, P(10), true), 0);
	assert_int_equal(unev_reclaim(fx->m, P(100), -1, 0, &got), 0);
	assert_int_equal(fixture_vmstat(fx->m, "pglazyfreed"), 90);
	assert_int_equal(fixture_resident(fx->m, fx->pid, a, P(100)), 10);
}

/* map_droppable_never_locked.uvs: never VM_LOCKED, populated, file LRU */
static void test_droppable_is_populated_never_locked(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = 0, b = 0;

	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, 0, P(10), UNEV_PROT_READ | UNEV_PROT_WRITE,
				       UNEV_MAP_DROPPABLE | UNEV_MAP_ANONYMOUS | UNEV_MAP_LOCKED, &a),
			 -EINVAL);
	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, 0, P(10), UNEV_PROT_READ | UNEV_PROT_WRITE,
				       UNEV_MAP_DROPPABLE | UNEV_MAP_SHARED | UNEV_MAP_ANONYMOUS, &a),
			 -EINVAL);
	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, 0, P(10), UNEV_PROT_READ | UNEV_PROT_WRITE,
				       UNEV_MAP_DROPPABLE | UNEV_MAP_ANONYMOUS, &a), 0);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(10)), 0);
	assert_int_equal(fixture_resident(fx->m, fx->pid, a, P(10)), 10);
	assert_int_equal(fixture_status(fx->m, fx->pid, "VmLck"), 0);
	assert_int_equal(unev_sys_mlockall(fx->m, fx->pid, UNEV_MCL_FUTURE), 0);
	assert_int_equal(unev_sys_mmap(fx->m, fx->pid, 0, P(10), UNEV_PROT_READ | UNEV_PROT_WRITE,
				       UNEV_MAP_DROPPABLE | UNEV_MAP_ANONYMOUS, &b), 0);
	assert_int_equal(fixture_resident(fx->m, fx->pid, b, P(10)), 10);
	assert_int_equal(fixture_status(fx->m, fx->pid, "VmLck"), 0);
	unev_drain_all(fx->m);
	assert_int_equal(fixture_vmstat(fx->m, "nr_inactive_file"), 20);
	assert_int_equal(fixture_vmstat(fx->m, "nr_inactive_anon"), 0);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_mlocked"), 0);
	assert_int_equal(fixture_vmstat(fx->m, "nr_mlock"), 0);
}

/* madvise_guard_locked_einval.uvs */
static void test_guard_refused_when_locked_stops_populate(void **state)
{
	struct fixture *fx = *state;
	uint64_t a = map(fx, P(10), 0);

	assert_int_equal(unev_touch(fx->m, fx->pid, a, P(10), true), 0);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(10)), 0);
	assert_int_equal(unev_sys_madvise(fx->m, fx->pid, a, P(10), UNEV_MADV_GUARD_INSTALL), -EINVAL);
	assert_int_equal(unev_sys_madvise(fx->m, fx->pid, a, P(10), UNEV_MADV_GUARD_REMOVE), 0);
	assert_int_equal(unev_sys_munlock(fx->m, fx->pid, a, P(10)), 0);
	assert_int_equal(unev_sys_madvise(fx->m, fx->pid, a, P(5), UNEV_MADV_GUARD_INSTALL), 0);
	assert_int_equal(fixture_resident(fx->m, fx->pid, a, P(10)), 5);
	assert_int_equal(unev_touch(fx->m, fx->pid, a, P(1), false), -EFAULT);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(10)), -ENOMEM);
	assert_int_equal(fixture_status(fx->m, fx->pid, "VmLck"), 40);
	unev_drain_all(fx->m);
	assert_int_equal(fixture_vmstat(fx->m, "nr_mlock"), 5);
	assert_int_equal(unev_sys_madvise(fx->m, fx->pid, a, P(10), UNEV_MADV_GUARD_REMOVE), 0);
	assert_int_equal(fixture_resident(fx->m, fx->pid, a, P(10)), 5);
	assert_int_equal(unev_sys_mlock(fx->m, fx->pid, a, P(10)), 0);
	assert_int_equal(fixture_resident(fx->m, fx->pid, a, P(10)), 10);
	unev_drain_all(fx->m);
	assert_int_equal(fixture_vmstat(fx->m, "nr_mlock"), 10);
	assert_int_equal(fixture_vmstat(fx->m, "unevictable_pgs_mlocked"), 20);
	/* munmap takes the markers with the page tables */
	assert_int_equal(unev_sys_madvise(fx->m, fx->pid, a, P(2), UNEV_MADV_GUARD_REMOVE), 0);
	assert_int_equal(unev_sys_munlock(fx->m, fx->pid, a, P(10)), 0);
	assert_int_equal(unev_sys_madvise(fx->m, fx->pid, a + P(8), P(2), UNEV_MADV_GUARD_INSTALL), 0);
	assert_int_equal(unev_sys_munmap(fx->m, fx->pid, a, P(10)), 0);
	assert_int_equal(map(fx, P(10), 0), a);
	assert_int_equal(unev_touch(fx->m, fx->pid, a, P(10), true), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mincore_counts_zero_page_not_onfault, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_msync_invalidate_locked_is_ebusy, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_setrlimit_memlock_soft_and_hard, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_map_fixed_unmaps_through_the_batch, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_cold_and_pageout_move_in_batches, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_free_lazyfree_then_reclaim_discards, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_droppable_is_populated_never_locked, setup, fixture_state_teardown),
		cmocka_unit_test_setup_teardown(test_guard_refused_when_locked_stops_populate, setup, fixture_state_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
