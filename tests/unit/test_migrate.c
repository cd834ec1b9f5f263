/*
 * test_migrate.c - page placement (first touch, the zonelist fallback) and
 * move_pages(2) (src/mm/migrate.c).  The counter values of the migrations
 * are those seen live on 6.18.15 in a 2-node VM (tests/model/migrate,
 * `unevict conform --kernel 6.18`); the placement rule is the kernel's
 * (build_zonelists, get_page_from_freelist) with qemu's CPU split.  Also
 * mbind(2) with MPOL_BIND (src/mm/mempolicy.c), its values seen in the
 * same VM and in 5.10's (tests/model/migrate/mbind_*.uvs).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"

/* A machine of @nodes nodes of @mem each and @cpus CPUs, a task on @cpu. */
static struct unev_machine *machine(unsigned int nodes, unsigned int cpus, uint64_t mem,
				    unsigned int cpu, int *pid)
{
	struct unev_machine_config cfg;
	struct unev_task_config tc;
	struct unev_machine *m;

	unev_machine_config_default(&cfg);
	cfg.nodes = nodes;
	cfg.cpus = cpus;
	cfg.mem_bytes = mem;
	m = fixture_machine(&cfg);
	unev_task_config_default(&tc);
	tc.cpu = cpu;
	*pid = fixture_task(m, &tc);
	return m;
}

static uint64_t numa(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
		     const char *field)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(unev_numa_maps_read(m, pid, addr, addr + len, field, &v), 0);
	return v;
}

static uint64_t node_lru(struct unev_machine *m, int node, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(unev_node_read(m, node, name, &v), 0);
	return v;
}

/* first touch: a page is allocated on the node of the faulting CPU; 3
 * CPUs on 2 nodes split 2 + 1 (node 0 takes the extra one, as qemu gets
 * it from src/vm/runner.c), so CPU 1 is node 0's and CPU 2 node 1's */
static void test_first_touch_node_of_cpu(void **state)
{
	int a, b, c;
	struct unev_machine *m = machine(2, 3, 64ULL << 20, 1, &a);
	struct unev_task_config tc;
	uint64_t ra, rb;

	(void)state;
	unev_task_config_default(&tc);
	tc.cpu = 2;
	assert_int_equal(unev_task_create(m, &tc, &b), 0);
	tc.cpu = 0;
	assert_int_equal(unev_task_create(m, &tc, &c), 0);
	ra = fixture_map_anon(m, a, P(10), UNEV_MAP_POPULATE);
	rb = fixture_map_anon(m, b, P(7), UNEV_MAP_POPULATE);
	assert_int_equal(numa(m, a, ra, P(10), "N0"), 10);
	assert_int_equal(numa(m, a, ra, P(10), "N1"), 0);
	assert_int_equal(numa(m, b, rb, P(7), "N1"), 7);
	assert_int_equal(numa(m, b, rb, P(7), "N0"), 0);
	unev_drain_all(m);
	assert_int_equal(node_lru(m, 0, "inactive_anon"), 10);
	assert_int_equal(node_lru(m, 1, "inactive_anon"), 7);
	fixture_teardown(m);
}

/* get_page_from_freelist: a node at its low watermark is passed over for
 * the next in the zonelist, without waking kswapd or reclaiming */
static void test_full_node_falls_back(void **state)
{
	int a;
	struct unev_machine *m = machine(2, 2, 4ULL << 20, 0, &a);
	uint64_t r;

	(void)state;
	/*
	 * 4M a node (1024 pages): min_free_kbytes = sqrt(8192 kB * 16) = 362
	 * kB, 90 pages shared by the nodes: min 45 each, low 45 + 45 / 4 = 56.
	 * Node 0 gives pages while it has more than 56 free (968 of them),
	 * then node 1, next in node 0's zonelist, the other 532.
	 */
	r = fixture_map_anon(m, a, P(1500), UNEV_MAP_POPULATE);
	assert_int_equal(numa(m, a, r, P(1500), "N0"), 968);
	assert_int_equal(numa(m, a, r, P(1500), "N1"), 532);
	assert_int_equal(fixture_vmstat(m, "pgscan_kswapd"), 0);
	assert_int_equal(fixture_vmstat(m, "pgscan_direct"), 0);
	fixture_teardown(m);
}

/* @n mlocked pages migrated once (mlocked when mapped): each counted
 * stranded, rescued, mlocked again and culled once, none munlocked */
static void assert_migrated_mlocked(struct unev_machine *m, uint64_t n)
{
	assert_int_equal(fixture_vmstat(m, "pgmigrate_success"), n);
	assert_int_equal(fixture_vmstat(m, "pgmigrate_fail"), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_stranded"), n);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_rescued"), n);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 2 * n);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 2 * n);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_munlocked"), 0);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), n);
}

/* move_pages of 100 mlocked pages: stranded, rescued, mlocked again and
 * culled once each (6.18 live: tests/model/migrate/mlocked_region_to_node1) */
static void test_migrate_mlocked(void **state)
{
	int a;
	struct unev_machine *m = machine(2, 2, 64ULL << 20, 0, &a);
	uint64_t r = fixture_map_anon(m, a, P(100), UNEV_MAP_LOCKED), left = 99;
	int status[100];

	(void)state;
	assert_int_equal(unev_sys_move_pages(m, a, r, P(100), 1, status, &left), 0);
	assert_int_equal(left, 0);
	assert_int_equal(status[0], 1);
	assert_int_equal(status[99], 1);
	assert_migrated_mlocked(m, 100);
	assert_int_equal(node_lru(m, 0, "unevictable"), 0);
	assert_int_equal(node_lru(m, 1, "unevictable"), 100);
	assert_int_equal(node_lru(m, 1, "nr_mlock"), 100);
	assert_int_equal(numa(m, a, r, P(100), "N1"), 100);
	assert_int_equal(numa(m, a, r, P(100), "active"), 100);
	/* each new folio's mlock_count is 1: one munlock releases it */
	assert_int_equal(unev_sys_munlock(m, a, r, P(100)), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_munlocked"), 100);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 0);
	assert_int_equal(node_lru(m, 1, "inactive_anon"), 100);
	fixture_teardown(m);
}

/* move_pages of evictable pages: straight to node 1's inactive list (the
 * LRU caches are disabled), no unevictable counter; already there: 0 */
static void test_migrate_unlocked(void **state)
{
	int a;
	struct unev_machine *m = machine(2, 2, 64ULL << 20, 0, &a);
	uint64_t r = fixture_map_anon(m, a, P(50), 0), left = 99;
	int status[60];

	(void)state;
	/* 40 touched (in CPU 0's lru_add batch: 31 moved, 9 waiting), 10 not */
	assert_int_equal(unev_touch(m, a, r, P(40), true), 0);
	assert_int_equal(node_lru(m, 0, "inactive_anon"), 31);
	assert_int_equal(unev_sys_move_pages(m, a, r, P(50), 1, status, &left), 0);
	assert_int_equal(left, 0);
	assert_int_equal(status[39], 1);
	assert_int_equal(status[40], -ENOENT);
	assert_int_equal(fixture_vmstat(m, "pgmigrate_success"), 40);
	assert_int_equal(node_lru(m, 0, "inactive_anon"), 0);
	assert_int_equal(node_lru(m, 1, "inactive_anon"), 40);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_rescued"), 0);
	assert_int_equal(unev_sys_move_pages(m, a, r, P(40), 1, status, &left), 0);
	assert_int_equal(status[0], 1);
	assert_int_equal(fixture_vmstat(m, "pgmigrate_success"), 40);
	assert_int_equal(unev_sys_move_pages(m, a, r, P(1), 2, NULL, &left), -ENODEV);
	fixture_teardown(m);
}

/* a folio another process maps too is refused without MPOL_MF_MOVE_ALL */
static void test_migrate_shared_refused(void **state)
{
	int a, child;
	struct unev_machine *m = machine(2, 2, 64ULL << 20, 0, &a);
	uint64_t r = fixture_map_anon(m, a, P(20), UNEV_MAP_LOCKED), left = 99;
	int status[20];

	(void)state;
	assert_int_equal(unev_sys_fork(m, a, &child), 0);
	assert_int_equal(unev_sys_move_pages(m, a, r, P(20), 1, status, &left), 0);
	assert_int_equal(left, 0);
	assert_int_equal(status[5], -EACCES);
	assert_int_equal(fixture_vmstat(m, "pgmigrate_success"), 0);
	assert_int_equal(numa(m, a, r, P(20), "mapmax"), 2);
	fixture_teardown(m);
}

/* mbind_move_mlocked: mbind(MPOL_BIND to node 1, MPOL_MF_MOVE) of 100
 * mlocked pages moves them as move_pages does, still mlocked; again,
 * nothing is elsewhere and nothing moves (STRICT has nothing to say) */
static void test_mbind_move_keeps_mlocked(void **state)
{
	int a;
	struct unev_machine *m = machine(2, 2, 512ULL << 20, 0, &a);
	uint64_t r = fixture_map_anon(m, a, P(100), UNEV_MAP_LOCKED);

	(void)state;
	assert_int_equal(unev_sys_mbind(m, a, r, P(100), 1, UNEV_MPOL_MF_MOVE), 0);
	assert_migrated_mlocked(m, 100);
	assert_int_equal(numa(m, a, r, P(100), "N1"), 100);
	assert_int_equal(unev_sys_mbind(m, a, r, P(100), 1,
					UNEV_MPOL_MF_MOVE | UNEV_MPOL_MF_STRICT), 0);
	assert_int_equal(fixture_vmstat(m, "pgmigrate_success"), 100);
	fixture_teardown(m);
}

/* mbind_binds_later_faults: without MOVE nothing moves, STRICT alone is
 * EIO for pages elsewhere, later faults in the bound part come from node
 * 1 though the task runs on node 0's CPU; MOVE then takes the 5 left */
static void test_mbind_binds_later_faults(void **state)
{
	int a;
	struct unev_machine *m = machine(2, 2, 512ULL << 20, 0, &a);
	uint64_t r = fixture_map_anon(m, a, P(20), 0);

	(void)state;
	assert_int_equal(unev_touch(m, a, r, P(5), true), 0);
	assert_int_equal(unev_sys_mbind(m, a, r, P(10), 1, 0), 0);
	assert_int_equal(unev_sys_mbind(m, a, r, P(10), 1, UNEV_MPOL_MF_STRICT), -EIO);
	assert_int_equal(unev_touch(m, a, r, P(20), true), 0);
	assert_int_equal(numa(m, a, r, P(20), "N0"), 15);
	assert_int_equal(numa(m, a, r, P(20), "N1"), 5);
	assert_int_equal(unev_sys_mbind(m, a, r, P(10), 1, UNEV_MPOL_MF_MOVE), 0);
	assert_int_equal(fixture_vmstat(m, "pgmigrate_success"), 5);
	assert_int_equal(numa(m, a, r, P(20), "N1"), 10);
	fixture_teardown(m);
}

/* mbind_errors: an address inside a page, a node without memory: EINVAL;
 * a hole: EFAULT, nothing moved; a zero length: 0 */
static void test_mbind_errors(void **state)
{
	int a;
	struct unev_machine *m = machine(2, 2, 512ULL << 20, 0, &a);
	uint64_t r = fixture_map_anon(m, a, P(10), UNEV_MAP_POPULATE);

	(void)state;
	assert_int_equal(unev_sys_mbind(m, a, r + 100, P(1), 1, UNEV_MPOL_MF_MOVE), -EINVAL);
	assert_int_equal(unev_sys_mbind(m, a, r, P(10), 2, UNEV_MPOL_MF_MOVE), -EINVAL);
	assert_int_equal(unev_sys_mbind(m, a, r, P(11), 1, UNEV_MPOL_MF_MOVE), -EFAULT);
	assert_int_equal(fixture_vmstat(m, "pgmigrate_success"), 0);
	assert_int_equal(numa(m, a, r, P(10), "N0"), 10);
	assert_int_equal(unev_sys_mbind(m, a, r, 0, 1, UNEV_MPOL_MF_MOVE), 0);
	fixture_teardown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_touch_node_of_cpu),
		cmocka_unit_test(test_full_node_falls_back),
		cmocka_unit_test(test_migrate_mlocked),
		cmocka_unit_test(test_migrate_unlocked),
		cmocka_unit_test(test_migrate_shared_refused),
		cmocka_unit_test(test_mbind_move_keeps_mlocked),
		cmocka_unit_test(test_mbind_binds_later_faults),
		cmocka_unit_test(test_mbind_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
