/*
 * test_vmscan.c - reclaim, swap and memcg limits (mm/vmscan.c,
 * mm/swapfile.c, mm/memcontrol.c), against the rules of
 * KERNEL-SEMANTICS.md section 6: only evictable lists are isolated, a folio
 * met in a VM_LOCKED VMA is culled, not reclaimed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "internal.h"

#include "fixture.h"

static struct unev_machine *machine(uint64_t swap, enum unev_design design)
{
	struct unev_machine_config cfg;

	unev_machine_config_default(&cfg);
	cfg.mem_bytes = 64ULL << 20;
	cfg.swap_bytes = swap;
	cfg.design = design;
	return fixture_machine(&cfg);
}

/* Everything mlocked: the unevictable list is never scanned, reclaim
 * finds nothing and scans nothing. */
static void test_locked_memory_is_never_scanned(void **state)
{
	struct unev_machine *m = machine(64ULL << 20, UNEV_DESIGN_MLOCK_COUNT);
	struct unev_task_config tc;
	uint64_t a, got = 1;
	int pid;

	(void)state;
	unev_task_config_default(&tc);
	tc.cap_ipc_lock = true;
	assert_int_equal(unev_task_create(m, &tc, &pid), 0);
	assert_int_equal(unev_sys_mmap(m, pid, 0, P(1000), 3,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | UNEV_MAP_LOCKED, &a), 0);
	assert_int_equal(unev_reclaim(m, P(100), -1, 0, &got), 0);
	assert_int_equal(got, 0);
	assert_int_equal(fixture_vmstat(m, "pgscan_direct"), 0);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 1000);
	fixture_teardown(m);
}

/* Swapped-out pages come back on touch and their slots are freed on exit. */
static void test_swap_round_trip_frees_slots(void **state)
{
	struct unev_machine *m = machine(64ULL << 20, UNEV_DESIGN_MLOCK_COUNT);
	struct unev_task_config tc;
	uint64_t a, got = 0;
	int pid;

	(void)state;
	unev_task_config_default(&tc);
	assert_int_equal(unev_task_create(m, &tc, &pid), 0);
	assert_int_equal(unev_sys_mmap(m, pid, 0, P(512), 3, UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &a), 0);
	assert_int_equal(unev_touch(m, pid, a, P(512), true), 0);
	assert_int_equal(unev_sysctl_set(m, "swappiness", 200), 0);
	assert_int_equal(unev_reclaim(m, P(128), -1, 0, &got), 0);
	assert_true(got >= 128);
	assert_int_equal(m->swap_used, got);
	assert_int_equal(fixture_status(m, pid, "VmSwap"), got * 4);
	fixture_check(m);
	assert_int_equal(unev_sys_exit(m, pid), 0);
	assert_int_equal(m->swap_used, 0);
	fixture_teardown(m);
}

/* A memcg over its limit reclaims its own clean page cache first; only
 * when nothing is left does it OOM-kill. */
static void test_memcg_limit_reclaims_before_oom(void **state)
{
	struct unev_machine *m = machine(0, UNEV_DESIGN_MLOCK_COUNT);
	struct unev_task_config tc;
	uint64_t usage, oom;
	int g, pid, ino;

	(void)state;
	assert_int_equal(unev_memcg_create(m, "g", 0, P(256), &g), 0);
	unev_task_config_default(&tc);
	tc.memcg = g;
	assert_int_equal(unev_task_create(m, &tc, &pid), 0);
	assert_int_equal(unev_file_create(m, "/srv/f", UNEV_FS_DISK, P(1024), &ino), 0);
	assert_int_equal(unev_sys_pread(m, pid, ino, 0, P(1024)), 0);
	assert_int_equal(unev_memcg_stat_read(m, g, "usage", &usage), 0);
	assert_true(usage <= P(256));
	assert_int_equal(unev_memcg_stat_read(m, g, "oom_kill", &oom), 0);
	assert_int_equal(oom, 0);
	/* a memcg's reclaim counts pgsteal_file, not pgsteal_direct (only
	 * global reclaim does: shrink_inactive_list, cgroup_reclaim) */
	assert_true(fixture_vmstat(m, "pgsteal_file") >= 768);
	assert_int_equal(fixture_vmstat(m, "pgsteal_direct"), 0);
	assert_true(unev_task_alive(m, pid));
	fixture_teardown(m);
}

/* Bad arguments of the reclaim and memcg calls. */
static void test_reclaim_arguments(void **state)
{
	struct unev_machine *m = machine(0, UNEV_DESIGN_MLOCK_COUNT);
	uint64_t got;
	int id;

	(void)state;
	assert_int_equal(unev_reclaim(m, P(1), 3, 0, &got), -EINVAL);
	assert_int_equal(unev_reclaim(m, P(1), -1, 7, &got), -EINVAL);
	assert_int_equal(unev_memcg_create(m, "x", 5, P(1), &id), -EINVAL);
	assert_int_equal(unev_sysctl_set(m, "swappiness", 201), -EINVAL);
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 1), 0);
	/* overcommit of huge pages is not modelled */
	assert_int_equal(unev_sysctl_set(m, "nr_overcommit_hugepages", 1), -ENOENT);
	fixture_teardown(m);
}

/* The older designs: pagevecs of 15 (rmap-walk) and 14 (none), and none
 * keeps no unevictable state at all. */
static void test_designs(void **state)
{
	struct unev_machine *rw = machine(0, UNEV_DESIGN_RMAP_WALK);
	struct unev_machine *none = machine(0, UNEV_DESIGN_NONE);
	struct unev_task_config tc;
	uint64_t a;
	int pid;

	(void)state;
	assert_int_equal(rw->batch_size, 15);
	assert_int_equal(none->batch_size, 14);
	unev_task_config_default(&tc);
	assert_int_equal(unev_task_create(none, &tc, &pid), 0);
	assert_int_equal(unev_sys_mmap(none, pid, 0, P(100), 3,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | UNEV_MAP_LOCKED, &a), 0);
	assert_int_equal(fixture_vmstat(none, "unevictable_pgs_mlocked"), 0);
	assert_int_equal(fixture_vmstat(none, "nr_mlock"), 0);
	unev_drain_all(none);
	assert_int_equal(fixture_vmstat(none, "nr_unevictable"), 0);
	assert_int_equal(fixture_vmstat(none, "nr_inactive_anon"), 100);
	fixture_teardown(rw);
	fixture_teardown(none);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_locked_memory_is_never_scanned),
		cmocka_unit_test(test_swap_round_trip_frees_slots),
		cmocka_unit_test(test_memcg_limit_reclaims_before_oom),
		cmocka_unit_test(test_reclaim_arguments),
		cmocka_unit_test(test_designs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
