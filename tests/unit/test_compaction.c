/*
 * test_compaction.c - compact_memory / the node's compact file
 * (src/mm/compaction.c) and /proc/PID/pagemap.  The scanner counts are
 * the kernel's algorithm on the model's layout (mm/compaction.c of 6.12:
 * compact_zone, isolate_migratepages_block, isolate_freepages with its
 * stride, suitable_migration_target; worked out below), which no live
 * kernel can show (a guest's own memory is on the same zone); the
 * unevictable counters of a migrated mlocked folio are those seen live on
 * 6.18.15 in a 2-node VM (stranded = rescued = pages moved, culled =
 * mlocked right after the compaction: tests/model/compact and docs/CONFORM.md).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "fixture.h"

struct layout {
	struct unev_machine *m;
	int pid;
	uint64_t a, b, c;
};

/*
 * A 64M node (32 pageblocks of 512 pages; pfn 1 is its first frame, and
 * pages go out from the bottom up): a (512 touched pages, block 0), b (512
 * mlocked, block 1), c (256 touched, the first half of block 2), then a
 * unmapped: block 0 is one free order-9 block.
 */
static void layout(struct layout *l, const char *kernel)
{
	struct unev_machine_config cfg;
	struct unev_task_config tc;

	unev_machine_config_default(&cfg);
	cfg.cpus = 2;
	cfg.mem_bytes = 64ULL << 20;
	cfg.kernel = kernel;
	l->m = fixture_machine(&cfg);
	unev_task_config_default(&tc);
	tc.cpu = 1;
	l->pid = fixture_task(l->m, &tc);
	l->a = fixture_map_anon(l->m, l->pid, P(512), 0);
	assert_int_equal(unev_touch(l->m, l->pid, l->a, P(512), true), 0);
	l->b = fixture_map_anon(l->m, l->pid, P(512), UNEV_MAP_LOCKED);
	l->c = fixture_map_anon(l->m, l->pid, P(256), 0);
	assert_int_equal(unev_touch(l->m, l->pid, l->c, P(256), true), 0);
	assert_int_equal(unev_sys_munmap(l->m, l->pid, l->a, P(512)), 0);
}

static uint64_t ev(struct unev_machine *m, const char *name)
{
	return fixture_vmstat(m, name);
}

/* The pages of [addr, addr + n pages) whose frame is not in before[]. */
static unsigned int moved(struct unev_machine *m, int pid, uint64_t addr, unsigned int n,
			  const uint64_t *before)
{
	uint64_t now[512];
	unsigned int k = 0;

	assert_int_equal(unev_pagemap_read(m, pid, addr, addr + P(n), now), 0);
	for (unsigned int i = 0; i < n; i++)
		k += before[i] != now[i];
	return k;
}

/*
 * compact_unevictable_allowed=1 (6.18): the migrate scanner skips block 0
 * (one free block: 512 scanned), isolates b's first 32 folios in block 1
 * and stops there (COMPACT_CLUSTER_MAX): 544 scanned.  The free scanner
 * comes down from block 31: the even blocks begin with a free order-10
 * block (not a target), the odd ones are the upper halves of those (no
 * buddy head in them: scanned at a stride doubling from 1 to 32: 512 +
 * 256 + 128 + 64 + 32 + 9 x 16 pages for blocks 31 to 5), block 3 begins
 * with c's free order-9 half (not a target), and in block 2 the stride of
 * 32 finds c's free order-8 block at its 9th step: 9 + 255 scanned, 256
 * isolated.  1400 in all.  The 32 move to the bottom of that block; the
 * free scanner is then in block 1, the migrate scanner's: they met.
 */
static void test_compact_moves_mlocked(void **state)
{
	struct layout l;
	uint64_t before[512], frames[32];

	(void)state;
	layout(&l, "6.18");
	assert_int_equal(unev_pagemap_read(l.m, l.pid, l.b, l.b + P(512), before), 0);
	assert_int_equal(before[0], 513);	/* block 1 */
	assert_int_equal(unev_compact(l.m, -1), 0);
	assert_int_equal(ev(l.m, "compact_migrate_scanned"), 544);
	assert_int_equal(ev(l.m, "compact_free_scanned"), 1400);
	assert_int_equal(ev(l.m, "compact_isolated"), 32 + 256);
	assert_int_equal(ev(l.m, "pgmigrate_success"), 32);
	assert_int_equal(ev(l.m, "pgmigrate_fail"), 0);
	assert_int_equal(moved(l.m, l.pid, l.b, 512, before), 32);
	assert_int_equal(unev_pagemap_read(l.m, l.pid, l.b, l.b + P(32), frames), 0);
	assert_int_equal(frames[0], 1 + 1280);	/* c's free half: block 2 + 256 */
	assert_int_equal(frames[31], 1 + 1311);
	/* stranded at unmap, rescued by the LRU, mlocked and culled again */
	assert_int_equal(ev(l.m, "unevictable_pgs_stranded"), 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_rescued"), 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_mlocked"), 512 + 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_culled"), 512 + 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_munlocked"), 0);
	assert_int_equal(ev(l.m, "nr_mlock"), 512);
	assert_int_equal(ev(l.m, "nr_unevictable"), 512);
	assert_int_equal(ev(l.m, "compact_stall"), 0);
	fixture_teardown(l.m);
}

/*
 * compact_unevictable_allowed=0: b's folios are passed over (block 1 all
 * scanned), c's first 32 are isolated in block 2, and the free scanner,
 * bounded by the block above the migrate scanner's, finds no target: the
 * first folio fails (-ENOMEM: pgmigrate_fail 1) and the 32 go back.
 */
static void test_compact_unevictable_not_allowed(void **state)
{
	struct layout l;
	uint64_t before[512];

	(void)state;
	layout(&l, "6.18");
	assert_int_equal(unev_sysctl_set(l.m, "compact_unevictable_allowed", 0), 0);
	assert_int_equal(unev_pagemap_read(l.m, l.pid, l.b, l.b + P(512), before), 0);
	assert_int_equal(unev_compact(l.m, 0), 0);
	assert_int_equal(ev(l.m, "compact_migrate_scanned"), 512 + 512 + 32);
	assert_int_equal(ev(l.m, "compact_isolated"), 32);
	assert_int_equal(ev(l.m, "pgmigrate_success"), 0);
	assert_int_equal(ev(l.m, "pgmigrate_fail"), 1);
	assert_int_equal(moved(l.m, l.pid, l.b, 512, before), 0);
	assert_int_equal(ev(l.m, "unevictable_pgs_stranded"), 0);
	assert_int_equal(ev(l.m, "unevictable_pgs_culled"), 512);
	assert_int_equal(ev(l.m, "nr_mlock"), 512);
	unev_drain_all(l.m);
	assert_int_equal(ev(l.m, "nr_inactive_anon"), 256);
	assert_int_equal(unev_compact(l.m, 1), -EINVAL);
	fixture_teardown(l.m);
}

/*
 * 6.1 migrates one folio at a time (unmap_and_move), draining after each:
 * the counts are 6.18's (try_to_migrate_one drains the old folio's munlock
 * at once: stranded; seen live on 6.1.0-50: stranded = rescued = pages
 * moved, culled = mlocked, tests/model/compact/fragmented_node_compacts
 * in tests/vm/known-6.1.txt).  5.10 clears the
 * old page's PG_mlocked at unmap (cleared and stranded) and puts the new
 * one back through the pagevec of 15, mlocked, without culling: two of
 * the 32 wait there.
 */
static void test_compact_older_kernels(void **state)
{
	struct layout l;

	(void)state;
	layout(&l, "6.1");
	assert_int_equal(unev_compact(l.m, -1), 0);
	assert_int_equal(ev(l.m, "pgmigrate_success"), 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_stranded"), 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_munlocked"), 0);
	assert_int_equal(ev(l.m, "unevictable_pgs_rescued"), 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_culled"), 512 + 32);
	assert_int_equal(ev(l.m, "nr_mlock"), 512);
	fixture_teardown(l.m);

	layout(&l, "5.10");
	assert_int_equal(unev_compact(l.m, -1), 0);
	assert_int_equal(ev(l.m, "pgmigrate_success"), 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_cleared"), 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_stranded"), 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_mlocked"), 512 + 32);
	assert_int_equal(ev(l.m, "unevictable_pgs_culled"), 512);
	assert_int_equal(ev(l.m, "nr_unevictable"), 510);
	unev_drain_all(l.m);
	assert_int_equal(ev(l.m, "nr_unevictable"), 512);
	assert_int_equal(ev(l.m, "nr_mlock"), 512);
	fixture_teardown(l.m);
}

/* pagemap: a page not faulted, or unmapped, has no frame */
static void test_pagemap_absent(void **state)
{
	struct layout l;
	uint64_t f[3];

	(void)state;
	layout(&l, "6.18");
	assert_int_equal(unev_pagemap_read(l.m, l.pid, l.a, l.a + P(3), f), 0);
	assert_true(f[0] == UNEV_PFN_NONE && f[2] == UNEV_PFN_NONE);
	assert_int_equal(unev_pagemap_read(l.m, l.pid + 5, l.a, l.a + P(3), f), -ESRCH);
	fixture_teardown(l.m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compact_moves_mlocked),
		cmocka_unit_test(test_compact_unevictable_not_allowed),
		cmocka_unit_test(test_compact_older_kernels),
		cmocka_unit_test(test_pagemap_absent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
