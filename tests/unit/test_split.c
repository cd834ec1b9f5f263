/*
 * test_split.c - a THP split into small folios (split_folio, the deferred
 * split shrinker, reclaim's THP path: src/mm/huge_memory.c, vmscan.c).
 * The counts were observed on the 6.18.44 host (THP madvise, no swap)
 * with a probe and through `unevict conform` (tests/scenarios/thp/); the
 * shrinker's priorities are do_shrink_slab's arithmetic (6.12 and 6.18
 * sources), whose result the memcg scenario saw live.
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

FIXTURE_FILE(MB(64))

/* mmap 4M, MADV_HUGEPAGE, written: two PMD-mapped THPs */
static uint64_t two_thps(void)
{
	uint64_t a = fixture_map_anon(m, pid, MB(4), 0);

	assert_int_equal(unev_sys_madvise(m, pid, a, MB(4), UNEV_MADV_HUGEPAGE), 0);
	assert_int_equal(unev_touch(m, pid, a, MB(4), true), 0);
	assert_int_equal(fixture_vmstat(m, "nr_anon_transparent_hugepages"), 2);
	return a;
}

static struct folio *folio_at(uint64_t addr)
{
	uint64_t *pte = pte_lookup(task_lookup(m, pid)->mm, addr, false);

	assert_non_null(pte);
	return page_folio(m, pte_pfn(*pte));
}

/* A PMD-mapped THP split by its owner: its PMD first (thp_split_pmd),
 * removed whole (no deferred split); 512 small folios on its list, the
 * head oldest and the tails after it in ascending order. */
static void test_split_pmd_mapped_thp(void **state)
{
	uint64_t a = two_thps();
	struct folio *f = folio_at(a);
	uint32_t head = page_to_pfn(m, f);
	struct lru_list_head *l = &m->nodes[0].lruvec.lists[UNEV_LRU_INACTIVE_ANON];

	(void)state;
	folio_get(f);
	assert_int_equal(split_folio(m, f, false), 0);
	folio_put(m, f);
	assert_int_equal(fixture_vmstat(m, "thp_split_page"), 1);
	assert_int_equal(fixture_vmstat(m, "thp_split_pmd"), 1);
	assert_int_equal(fixture_vmstat(m, "thp_deferred_split_page"), 0);
	assert_int_equal(fixture_vmstat(m, "nr_anon_transparent_hugepages"), 1);
	assert_int_equal(fixture_vmstat(m, "nr_anon_pages"), 1024);
	assert_int_equal(fixture_status(m, pid, "RssAnon"), 4096);
	assert_int_equal(l->nr, 1024);
	assert_int_equal(l->tail, head);
	for (uint32_t i = 0; i < HPAGE_PMD_NR; i++) {
		struct folio *s = pfn_to_page(m, head + i);

		assert_int_equal(folio_nr_pages(s), 1);
		assert_int_equal(s->mapcount, 1);
		assert_int_equal(s->refcount, 1);
		assert_int_equal(s->index, f->index + i);
		assert_true(folio_test(s, PG_lru | PG_anon | PG_swapbacked));
		if (i + 1 < HPAGE_PMD_NR)
			assert_int_equal(s->lru_prev, head + i + 1);
	}
	fixture_check(m);
}

/* Someone else's reference: can_split_folio says no (-EAGAIN), counted as
 * thp_split_page_failed, and the THP stays whole. */
static void test_split_fails_while_pinned(void **state)
{
	uint64_t a = two_thps();
	struct folio *f = folio_at(a);

	(void)state;
	folio_get(f);
	folio_get(f);
	assert_int_equal(split_folio(m, f, false), -EAGAIN);
	folio_put(m, f);
	folio_put(m, f);
	assert_int_equal(fixture_vmstat(m, "thp_split_page"), 0);
	assert_int_equal(fixture_vmstat(m, "thp_split_page_failed"), 1);
	assert_int_equal(fixture_vmstat(m, "nr_anon_transparent_hugepages"), 2);
	fixture_check(m);
}

/* mlock of two pages inside a THP mlocks nothing; MADV_COLD beside them
 * splits the PTE-mapped THP (partly mapped on the way: deferred split
 * counted) and remap_page mlocks the two pages of the locked VMA. */
static void test_split_mlocks_pages_of_locked_vma(void **state)
{
	uint64_t a = two_thps();

	(void)state;
	assert_int_equal(unev_sys_mlock(m, pid, a + P(2), P(2)), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 0);
	assert_int_equal(unev_sys_madvise(m, pid, a, P(2), UNEV_MADV_COLD), 0);
	assert_int_equal(fixture_vmstat(m, "thp_split_page"), 1);
	assert_int_equal(fixture_vmstat(m, "thp_deferred_split_page"), 1);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 2);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 2);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 2);
	assert_int_equal(fixture_meminfo(m, "Mlocked"), 8);
	fixture_check(m);
}

/* The pages of a partly mapped THP nothing maps are freed by the split. */
static void test_split_frees_unmapped_pages(void **state)
{
	uint64_t a = two_thps(), free_before;
	struct folio *f;

	(void)state;
	assert_int_equal(unev_sys_munmap(m, pid, a + P(2), P(2)), 0);
	assert_int_equal(fixture_vmstat(m, "thp_deferred_split_page"), 1);
	f = folio_at(a);
	assert_true(folio_test(f, PG_partially_mapped | PG_deferred_split));
	free_before = fixture_vmstat(m, "nr_free_pages");
	folio_get(f);
	assert_int_equal(split_folio(m, f, false), 0);
	folio_put(m, f);
	assert_int_equal(fixture_vmstat(m, "nr_free_pages"), free_before + 2);
	assert_false(folio_test(f, PG_partially_mapped | PG_deferred_split));
	assert_int_equal(fixture_status(m, pid, "RssAnon"), 4088);
	fixture_check(m);
}

/* MADV_PAGEOUT of a whole THP without swap: split in reclaim, fallback
 * counted, each page activated (pgactivate 512); of two pages of the other
 * THP: split in madvise, two pages activated. */
static void test_pageout_without_swap(void **state)
{
	uint64_t a = two_thps();

	(void)state;
	unev_drain_all(m);
	assert_int_equal(unev_sys_madvise(m, pid, a, MB(2), UNEV_MADV_PAGEOUT), 0);
	assert_int_equal(fixture_vmstat(m, "thp_split_page"), 1);
	assert_int_equal(fixture_vmstat(m, "thp_swpout_fallback"), 1);
	assert_int_equal(fixture_vmstat(m, "pgactivate"), 512);
	assert_int_equal(unev_sys_madvise(m, pid, a + MB(2), P(2), UNEV_MADV_PAGEOUT), 0);
	assert_int_equal(fixture_vmstat(m, "thp_split_page"), 2);
	assert_int_equal(fixture_vmstat(m, "thp_swpout_fallback"), 1);
	assert_int_equal(fixture_vmstat(m, "pgactivate"), 514);
	assert_int_equal(fixture_vmstat(m, "pswpout"), 0);
	fixture_check(m);
}

/* MADV_FREE of two pages: the split, then two small folios lazyfree. */
static void test_free_part_splits(void **state)
{
	uint64_t a = two_thps();

	(void)state;
	assert_int_equal(unev_sys_madvise(m, pid, a + P(2), P(2), UNEV_MADV_FREE), 0);
	assert_int_equal(fixture_vmstat(m, "thp_split_page"), 1);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "pglazyfree"), 2);
	assert_int_equal(fixture_smaps(m, pid, a, MB(4), "LazyFree"), 8);
	fixture_check(m);
}

/* The deferred split shrinker of 6.18: both THPs on the queue (every new
 * THP is), one partly mapped.  Priority 2 scans nothing ((2 >> 2) * 4 / 2
 * = 0), priority 1 all of the queue: the partly mapped one is split, the
 * whole one leaves the queue. */
static void test_shrinker_scans_at_priority_1(void **state)
{
	uint64_t a = two_thps();

	(void)state;
	assert_int_equal(unev_sys_munmap(m, pid, a + P(2), P(2)), 0);
	assert_int_equal(m->nr_deferred_split, 2);
	shrink_deferred_split(m, 0, 0, 2);
	assert_int_equal(fixture_vmstat(m, "thp_split_page"), 0);
	shrink_deferred_split(m, 0, 0, 1);
	assert_int_equal(fixture_vmstat(m, "thp_split_page"), 1);
	assert_int_equal(m->nr_deferred_split, 0);
	assert_int_equal(fixture_vmstat(m, "nr_anon_transparent_hugepages"), 1);
	fixture_check(m);
}

/* Reclaim with swap that would swap a THP out whole (thp_swpout): not
 * modelled, the machine says so and the run stops there. */
static void test_reclaim_whole_thp_with_swap_stops(void **state)
{
	struct unev_machine_config cfg;
	struct unev_machine *sm;
	uint64_t a, got = 0;
	int spid;

	(void)state;
	unev_machine_config_default(&cfg);
	cfg.mem_bytes = MB(64);
	cfg.swap_bytes = MB(64);
	sm = fixture_machine(&cfg);
	spid = fixture_task(sm, NULL);
	a = fixture_map_anon(sm, spid, MB(4), 0);
	assert_int_equal(unev_sys_madvise(sm, spid, a, MB(4), UNEV_MADV_HUGEPAGE), 0);
	assert_int_equal(unev_touch(sm, spid, a, MB(4), true), 0);
	assert_null(unev_not_modelled(sm));
	assert_int_equal(unev_sys_madvise(sm, spid, a, MB(2), UNEV_MADV_PAGEOUT), 0);
	assert_non_null(unev_not_modelled(sm));
	assert_int_equal(unev_reclaim(sm, MB(1), -1, 0, &got), 0);
	assert_int_equal(fixture_vmstat(sm, "thp_split_page"), 0);
	fixture_teardown(sm);
}

/* The invariant checker knows the deferred split queue: a count off by
 * one, or a small folio left flagged after a split, is reported. */
static void test_invariants_cover_deferred_queue(void **state)
{
	uint64_t a = two_thps();
	struct folio *f;
	char msg[256];

	(void)state;
	assert_int_equal(unev_sys_munmap(m, pid, a + P(2), P(2)), 0);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), 0);
	m->nr_deferred_split++;
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), -EUCLEAN);
	m->nr_deferred_split--;
	f = folio_at(a);
	folio_get(f);
	assert_int_equal(split_folio(m, f, false), 0);
	folio_put(m, f);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), 0);
	folio_set(f, PG_deferred_split);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), -EUCLEAN);
	folio_clear(f, PG_deferred_split);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_split_pmd_mapped_thp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_fails_while_pinned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_mlocks_pages_of_locked_vma, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_frees_unmapped_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pageout_without_swap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_free_part_splits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shrinker_scans_at_priority_1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_whole_thp_with_swap_stops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invariants_cover_deferred_queue, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
