/*
 * test_page_alloc.c - the memmap and the buddy allocator (mm/page_alloc.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "internal.h"

static struct unev_machine *machine(uint64_t mem, unsigned int nodes)
{
	struct unev_machine_config cfg;

	unev_machine_config_default(&cfg);
	cfg.mem_bytes = mem;
	cfg.nodes = nodes;
	return fixture_machine(&cfg);
}

/* DESIGN.md: struct page is at most 32 bytes (also a static assert). */
static void test_struct_page_is_32_bytes(void **state)
{
	(void)state;
	assert_true(sizeof(struct page) <= 32);
}

/* Every frame of a node is handed to the buddy in aligned max-order blocks. */
static void test_node_starts_all_free(void **state)
{
	struct unev_machine *m = machine(64ULL << 20, 2);
	uint64_t v;

	(void)state;
	assert_int_equal(unev_vmstat_read(m, "nr_free_pages", &v), 0);
	assert_int_equal(v, 2 * 16384);
	assert_int_equal(m->nodes[0].free_area.nr_free[MAX_ORDER], 16);
	assert_int_equal(m->nodes[1].start_pfn, 1 + 16384);
	fixture_teardown(m);
}

/* Splitting gives the lowest frame first; freeing merges back to one block. */
static void test_alloc_split_and_merge(void **state)
{
	struct unev_machine *m = machine(4ULL << 20, 1);
	struct folio *a, *b;

	(void)state;
	assert_int_equal(m->nodes[0].free_area.nr_free[MAX_ORDER], 1);
	a = folio_alloc(m, 0, 0);
	b = folio_alloc(m, 0, 0);
	assert_non_null(a);
	assert_int_equal(page_to_pfn(m, a), 1);
	assert_int_equal(page_to_pfn(m, b), 2);
	assert_int_equal(m->nodes[0].free_area.nr_free[MAX_ORDER], 0);
	assert_int_equal(m->nodes[0].nr_free_pages, 1024 - 2);
	folio_put(m, a);
	folio_put(m, b);
	assert_int_equal(m->nodes[0].free_area.nr_free[MAX_ORDER], 1);
	assert_int_equal(m->nodes[0].nr_free_pages, 1024);
	fixture_teardown(m);
}

/* A folio freed while PG_mlocked is counted "cleared" (free_pages_prepare). */
static void test_free_mlocked_counts_cleared(void **state)
{
	struct unev_machine *m = machine(4ULL << 20, 1);
	struct folio *f = folio_alloc(m, 0, 0);
	uint64_t v;

	(void)state;
	folio_set(f, PG_mlocked);
	m->nodes[0].nr_mlock++;
	folio_put(m, f);
	assert_int_equal(unev_vmstat_read(m, "unevictable_pgs_cleared", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(unev_vmstat_read(m, "nr_mlock", &v), 0);
	assert_int_equal(v, 0);
	fixture_teardown(m);
}

/* Impossible sizes are refused, not truncated. */
static void test_bad_configs_rejected(void **state)
{
	struct unev_machine_config cfg;
	struct unev_machine *m = NULL;

	(void)state;
	unev_machine_config_default(&cfg);
	cfg.mem_bytes = 1ULL << 50;	/* 2^38 frames do not fit 32-bit pfns */
	assert_int_equal(unev_machine_create(&cfg, &m), -EINVAL);
	unev_machine_config_default(&cfg);
	cfg.cpus = 0;
	assert_int_equal(unev_machine_create(&cfg, &m), -EINVAL);
	unev_machine_config_default(&cfg);
	cfg.mem_bytes = 4097;
	assert_int_equal(unev_machine_create(&cfg, &m), -EINVAL);
	assert_null(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_struct_page_is_32_bytes),
		cmocka_unit_test(test_node_starts_all_free),
		cmocka_unit_test(test_alloc_split_and_merge),
		cmocka_unit_test(test_free_mlocked_counts_cleared),
		cmocka_unit_test(test_bad_configs_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
