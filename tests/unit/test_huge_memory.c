/*
 * test_huge_memory.c - anonymous transparent huge pages (mm/huge_memory.c).
 * Every value was observed on the 6.18.44 host (THP madvise) with a probe
 * and through `unevict conform` (tests/scenarios/thp/); the 6.12 split
 * case in the VM of `unevict conform --kernel 6.12` (6.12.117), the 5.10
 * (design rmap-walk) ones in the VM of `--kernel 5.10` (5.10.0-32).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unevict.h"

#include "fixture.h"
#include "internal.h"

#define MB(n) ((uint64_t)(n) << 20)
#define ANON (UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS)
#define RW (UNEV_PROT_READ | UNEV_PROT_WRITE)

static struct unev_machine *m;
static int pid;

static int setup_kernel(const char *kernel)
{
	m = fixture_machine_kernel(kernel, MB(64));
	pid = fixture_task(m, NULL);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_kernel(NULL);
}

static int setup_612(void **state)
{
	(void)state;
	return setup_kernel("6.12");
}

static int setup_510(void **state)
{
	(void)state;
	return setup_kernel("5.10");
}

static int teardown(void **state)
{
	(void)state;
	return fixture_teardown(m);
}

static uint64_t vmstat(const char *name)
{
	return fixture_vmstat(m, name);
}

static uint64_t smaps(uint64_t addr, uint64_t len, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(unev_smaps_read(m, pid, addr, addr + len, name, &v), 0);
	return v;
}

/* mmap 4M, MADV_HUGEPAGE: two THP-sized ranges, 2M-aligned */
static uint64_t map_huge(void)
{
	uint64_t a;

	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(4), RW, ANON, &a), 0);
	assert_int_equal(a & (MB(2) - 1), 0);
	assert_int_equal(unev_sys_madvise(m, pid, a, MB(4), UNEV_MADV_HUGEPAGE), 0);
	return a;
}

/* One write fault: one THP of 512 pages, PMD-mapped, on the LRU at once
 * (a large folio does not wait in the lru_add batch). */
static void test_fault_allocates_pmd_thp(void **state)
{
	uint64_t a = map_huge(), kb = UINT64_MAX;

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, 1, true), 0);
	assert_int_equal(vmstat("thp_fault_alloc"), 1);
	assert_int_equal(vmstat("nr_anon_transparent_hugepages"), 1);
	assert_int_equal(vmstat("nr_inactive_anon"), 512);
	assert_int_equal(vmstat("nr_anon_pages"), 512);
	assert_int_equal(unev_meminfo_read(m, "AnonHugePages", &kb), 0);
	assert_int_equal(kb, 2048);
	assert_int_equal(smaps(a, MB(4), "AnonHugePages"), 2048);
	assert_int_equal(smaps(a, MB(4), "Rss"), 2048);
	assert_int_equal(unev_sys_munmap(m, pid, a, MB(4)), 0);
	assert_int_equal(vmstat("nr_anon_transparent_hugepages"), 0);
	assert_int_equal(vmstat("nr_anon_pages"), 0);
}

/* mlock of the range: the faulted THP mlocked whole, the other faulted as
 * a THP through mlock_new_folio: 1024 pages; munlock gives them back. */
static void test_mlock_counts_512_a_thp(void **state)
{
	uint64_t a = map_huge();

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, 1, true), 0);
	assert_int_equal(unev_sys_mlock(m, pid, a, MB(4)), 0);
	assert_int_equal(vmstat("thp_fault_alloc"), 2);
	assert_int_equal(vmstat("unevictable_pgs_mlocked"), 1024);
	assert_int_equal(vmstat("unevictable_pgs_culled"), 1024);
	assert_int_equal(vmstat("nr_mlock"), 1024);
	assert_int_equal(vmstat("nr_unevictable"), 1024);
	assert_int_equal(smaps(a, MB(4), "Locked"), 4096);
	assert_int_equal(unev_sys_munlock(m, pid, a, MB(4)), 0);
	assert_int_equal(vmstat("unevictable_pgs_munlocked"), 1024);
	assert_int_equal(vmstat("unevictable_pgs_rescued"), 1024);
	assert_int_equal(vmstat("nr_mlock"), 0);
}

/* mlock of two pages inside a THP: the PMD is split, nothing mlocked. */
static void test_mlock_part_splits_counts_nothing(void **state)
{
	uint64_t a = map_huge(), kb = UINT64_MAX;

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, MB(4), true), 0);
	assert_int_equal(unev_sys_mlock(m, pid, a + P(2), P(2)), 0);
	assert_int_equal(vmstat("thp_split_pmd"), 1);
	assert_int_equal(vmstat("nr_anon_transparent_hugepages"), 1);
	assert_int_equal(vmstat("unevictable_pgs_mlocked"), 0);
	assert_int_equal(unev_status_read(m, pid, "VmLck", &kb), 0);
	assert_int_equal(kb, 8);
	assert_int_equal(smaps(a, MB(4), "Rss"), 4096);
}

/* munlock of 1M of a locked THP munlocks all 512 pages; locking that 1M
 * again locks nothing (the folio is not wholly in the walked range). */
/* munlock of the first 1M of a locked range of two THPs, mlock of it
 * again, munmap: 6.18 munlocks the first THP whole at the munlock (512
 * munlocked and rescued); 5.10 clears its mlock when the VMA split splits
 * its PMD (512 cleared, rescued by the putback, none munlocked), relocking
 * leaves the PTE-mapped THP alone, and munmap munlocks the other THP
 * whole and queues the first for the deferred split. */
struct munlock_half {
	uint64_t munlocked_half, cleared, munlocked_end, deferred_end;
};

static void munlock_half_then_relock(const struct munlock_half *e)
{
	uint64_t a = map_huge();
	char msg[256];

	assert_int_equal(unev_sys_mlock(m, pid, a, MB(4)), 0);
	assert_int_equal(vmstat("unevictable_pgs_culled"), 1024);
	assert_int_equal(unev_sys_munlock(m, pid, a, MB(1)), 0);
	assert_int_equal(vmstat("thp_split_pmd"), 1);
	assert_int_equal(vmstat("unevictable_pgs_munlocked"), e->munlocked_half);
	assert_int_equal(vmstat("unevictable_pgs_cleared"), e->cleared);
	assert_int_equal(vmstat("unevictable_pgs_rescued"), 512);
	assert_int_equal(vmstat("nr_mlock"), 512);
	assert_int_equal(unev_sys_mlock(m, pid, a, MB(1)), 0);
	assert_int_equal(vmstat("unevictable_pgs_mlocked"), 1024);
	assert_int_equal(vmstat("nr_mlock"), 512);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), 0);
	assert_int_equal(unev_sys_munmap(m, pid, a, MB(4)), 0);
	assert_int_equal(vmstat("unevictable_pgs_munlocked"), e->munlocked_end);
	assert_int_equal(vmstat("unevictable_pgs_rescued"), 1024);
	assert_int_equal(vmstat("thp_deferred_split_page"), e->deferred_end);
	assert_int_equal(vmstat("nr_mlock"), 0);
}

static void test_munlock_half_then_relock(void **state)
{
	const struct munlock_half e = {512, 0, 1024, 0};

	(void)state;
	munlock_half_then_relock(&e);
}

static void test_munlock_half_510(void **state)
{
	const struct munlock_half e = {0, 512, 512, 1};

	(void)state;
	munlock_half_then_relock(&e);
}

/* munmap of two pages: split, partly mapped, on the deferred split queue. */
static void test_partial_munmap_deferred_split(void **state)
{
	uint64_t a = map_huge(), kb = UINT64_MAX;

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, MB(4), true), 0);
	assert_int_equal(unev_sys_munmap(m, pid, a + P(2), P(2)), 0);
	assert_int_equal(vmstat("thp_split_pmd"), 1);
	assert_int_equal(vmstat("thp_deferred_split_page"), 1);
	assert_int_equal(unev_status_read(m, pid, "RssAnon", &kb), 0);
	assert_int_equal(kb, 4088);
	assert_int_equal(vmstat("nr_anon_pages"), 1022);
}

/* A read maps the huge zero page; the write after it takes a THP on 6.18
 * (no split), a small page after a split on 6.12. */
static void test_huge_zero_page_write(void **state)
{
	uint64_t a = map_huge();

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, 1, false), 0);
	assert_int_equal(vmstat("thp_fault_alloc"), 0);
	assert_int_equal(smaps(a, MB(4), "Rss"), 0);
	assert_int_equal(unev_touch(m, pid, a + P(1), 1, true), 0);
	assert_int_equal(vmstat("thp_fault_alloc"), 1);
	assert_int_equal(vmstat("thp_split_pmd"), 0);
	assert_int_equal(smaps(a, MB(4), "AnonHugePages"), 2048);
}

static void test_huge_zero_page_write_612(void **state)
{
	uint64_t a = map_huge();

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, 1, false), 0);
	assert_int_equal(unev_touch(m, pid, a + P(1), 1, true), 0);
	assert_int_equal(vmstat("thp_fault_alloc"), 0);
	assert_int_equal(vmstat("thp_split_pmd"), 1);
	assert_int_equal(smaps(a, MB(4), "Rss"), 4);
}

/* mprotect of two pages of a locked THP: 6.18 keeps the folio mlocked,
 * 6.12 munlocks it at the split (seen in the 6.12 VM: nr_mlock 512). */
static void split_locked(uint64_t expect_nr_mlock)
{
	uint64_t a = map_huge();

	assert_int_equal(unev_touch(m, pid, a, MB(4), true), 0);
	assert_int_equal(unev_sys_mlock(m, pid, a, MB(4)), 0);
	assert_int_equal(unev_sys_mprotect(m, pid, a, P(2), UNEV_PROT_READ), 0);
	assert_int_equal(vmstat("thp_split_pmd"), 1);
	assert_int_equal(vmstat("nr_mlock"), expect_nr_mlock);
	assert_int_equal(unev_sys_munmap(m, pid, a, MB(4)), 0);
	assert_int_equal(vmstat("unevictable_pgs_munlocked"), 1024);
	assert_int_equal(vmstat("nr_mlock"), 0);
}

static void test_split_keeps_mlock(void **state)
{
	(void)state;
	split_locked(1024);
}

static void test_split_munlocks_612(void **state)
{
	(void)state;
	split_locked(512);
}

/* MADV_FREE of a whole THP: lazyfree as one folio, 512 pages (pglazyfree);
 * of part of one: the THP is split first (thp_split_page, test_split.c). */
static void test_madvise_free_whole_thp(void **state)
{
	uint64_t a = map_huge();

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, MB(4), true), 0);
	assert_int_equal(unev_sys_madvise(m, pid, a, MB(2), UNEV_MADV_FREE), 0);
	assert_int_equal(vmstat("pglazyfree"), 512);
	assert_int_equal(vmstat("thp_split_pmd"), 0);
	assert_int_equal(smaps(a, MB(4), "LazyFree"), 2048);
	assert_int_equal(unev_sys_madvise(m, pid, a + MB(2), P(2), UNEV_MADV_FREE), 0);
	assert_int_equal(vmstat("thp_split_page"), 1);
}

/* thp=never by configuration: no THP, even in an MADV_HUGEPAGE range */
static void test_never(void **state)
{
	uint64_t a;

	(void)state;
	m->cfg.thp = UNEV_THP_NEVER;
	a = map_huge();
	assert_int_equal(unev_touch(m, pid, a, MB(4), true), 0);
	assert_int_equal(vmstat("thp_fault_alloc"), 0);
	assert_int_equal(smaps(a, MB(4), "AnonHugePages"), 0);
	assert_int_equal(smaps(a, MB(4), "Rss"), 4096);
}

/* 5.10: a THP mapped by PTEs in the child while the parent's PMD maps it
 * is PageDoubleMap; follow_trans_huge_pmd does not mlock it, even after
 * the child is gone and the parent's write fault reused the PMD. */
static void test_double_map_never_mlocked_510(void **state)
{
	uint64_t a = map_huge(), kb = UINT64_MAX;
	int child;

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, MB(2), true), 0);
	assert_int_equal(unev_sys_fork(m, pid, &child), 0);
	assert_int_equal(unev_touch(m, child, a, 1, true), 0);
	assert_int_equal(vmstat("thp_split_pmd"), 1);
	assert_int_equal(unev_sys_exit(m, child), 0);
	assert_int_equal(unev_sys_mlock(m, pid, a, MB(2)), 0);
	assert_int_equal(vmstat("thp_split_pmd"), 1);
	assert_int_equal(vmstat("unevictable_pgs_mlocked"), 0);
	assert_int_equal(unev_status_read(m, pid, "VmLck", &kb), 0);
	assert_int_equal(kb, 2048);
}

/* 5.10: an mlocked THP mapped by PTEs is a broken invariant (a split
 * clears the mlock); the checker says so. */
static void test_invariants_rmap_walk_thp(void **state)
{
	uint64_t a = map_huge();
	char msg[256];
	struct task_struct *t;
	struct folio *f;

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, MB(4), true), 0);
	assert_int_equal(unev_sys_mprotect(m, pid, a, P(2), UNEV_PROT_READ), 0);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), 0);
	t = task_lookup(m, pid);
	f = page_folio(m, pte_pfn(*pte_lookup(t->mm, a, false)));
	folio_set(f, PG_mlocked);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), -EUCLEAN);
	folio_clear(f, PG_mlocked);
	folio_set(f, PG_double_map);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), -EUCLEAN);
	folio_clear(f, PG_double_map);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), 0);
}

/* The invariant checker knows a THP's shape: a tail page that lost its
 * head, or NR_ANON_THPS off by one THP, is reported. */
static void test_invariants_cover_large_folios(void **state)
{
	uint64_t a = map_huge();
	char msg[256];
	struct task_struct *t;
	struct page *tail;
	uint64_t *pte;

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, 1, true), 0);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), 0);
	t = task_lookup(m, pid);
	pte = pte_lookup(t->mm, a, false);
	assert_non_null(pte);
	assert_true(*pte & PTE_PMD);
	tail = pfn_to_page(m, pte_pfn(*pte) + 7);
	tail->lru_next = PFN_NIL;
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), -EUCLEAN);
	tail->lru_next = pte_pfn(*pte);
	m->nodes[0].nr_anon_thps -= HPAGE_PMD_NR;
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), -EUCLEAN);
	m->nodes[0].nr_anon_thps += HPAGE_PMD_NR;
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fault_allocates_pmd_thp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlock_counts_512_a_thp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlock_part_splits_counts_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munlock_half_then_relock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_munmap_deferred_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_zero_page_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_zero_page_write_612, setup_612, teardown),
		cmocka_unit_test_setup_teardown(test_split_keeps_mlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_munlocks_612, setup_612, teardown),
		cmocka_unit_test_setup_teardown(test_never, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madvise_free_whole_thp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invariants_cover_large_folios, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munlock_half_510, setup_510, teardown),
		cmocka_unit_test_setup_teardown(test_double_map_never_mlocked_510, setup_510, teardown),
		cmocka_unit_test_setup_teardown(test_invariants_rmap_walk_thp, setup_510, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
