/*
 * test_swap.c - LRU lists and the per-CPU lru_add batch (mm/swap.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fixture.h"
#include "internal.h"

static struct unev_machine *machine(unsigned int cpus)
{
	struct unev_machine_config cfg;

	unev_machine_config_default(&cfg);
	cfg.mem_bytes = 16ULL << 20;
	cfg.cpus = cpus;
	return fixture_machine(&cfg);
}

static struct folio *new_anon(struct unev_machine *m)
{
	struct folio *f = folio_alloc(m, 0, 0);

	folio_set(f, PG_swapbacked | PG_anon);
	return f;
}

/* folio_add_lru: the 31st folio fills the batch and moves all 31. */
static void test_lru_add_batch_moves_at_31(void **state)
{
	struct unev_machine *m = machine(1);
	struct folio *f[40];

	(void)state;
	for (int i = 0; i < 30; i++)
		folio_add_lru(m, f[i] = new_anon(m));
	assert_int_equal(m->nodes[0].lruvec.lists[UNEV_LRU_INACTIVE_ANON].nr, 0);
	folio_add_lru(m, f[30] = new_anon(m));
	assert_int_equal(m->nodes[0].lruvec.lists[UNEV_LRU_INACTIVE_ANON].nr, 31);
	assert_int_equal(m->cpus[0].lru_add.nr, 0);
	/* the batch's reference is gone, the caller's remains */
	assert_int_equal(f[0]->refcount, 1);
	assert_true(folio_test(f[0], PG_lru));
	fixture_teardown(m);
}

/* Batches are per CPU: a drain of CPU 0 leaves CPU 1's folios waiting. */
static void test_batches_are_per_cpu(void **state)
{
	struct unev_machine *m = machine(2);

	(void)state;
	m->cur_cpu = 1;
	folio_add_lru(m, new_anon(m));
	m->cur_cpu = 0;
	folio_add_lru(m, new_anon(m));
	lru_add_drain(m);
	assert_int_equal(m->nodes[0].lruvec.lists[UNEV_LRU_INACTIVE_ANON].nr, 1);
	unev_drain_all(m);
	assert_int_equal(m->nodes[0].lruvec.lists[UNEV_LRU_INACTIVE_ANON].nr, 2);
	fixture_teardown(m);
}

/* lru_add of an mlocked folio: unevictable, mlock_count 0, culled once. */
static void test_lru_add_culls_mlocked(void **state)
{
	struct unev_machine *m = machine(1);
	struct folio *f = new_anon(m);
	uint64_t v;

	(void)state;
	folio_set(f, PG_mlocked);
	m->nodes[0].nr_mlock++;
	folio_add_lru(m, f);
	lru_add_drain(m);
	assert_true(folio_test(f, PG_unevictable));
	assert_int_equal(folio_mlock_count(f), 0);
	assert_int_equal(unev_vmstat_read(m, "unevictable_pgs_culled", &v), 0);
	assert_int_equal(v, 1);
	assert_int_equal(unev_lru_read(m, "unevictable", &v), 0);
	assert_int_equal(v, 1);
	fixture_teardown(m);
}

/* The checker notices a gauge that does not match the list. */
static void test_invariant_checker_catches_bad_gauge(void **state)
{
	struct unev_machine *m = machine(1);
	char msg[256];

	(void)state;
	folio_add_lru(m, new_anon(m));
	lru_add_drain(m);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), 0);
	m->nodes[0].lruvec.lists[UNEV_LRU_INACTIVE_ANON].nr++;
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), -EUCLEAN);
	m->nodes[0].lruvec.lists[UNEV_LRU_INACTIVE_ANON].nr--;
	folio_set(pfn_to_page(m, 1), PG_active | PG_unevictable);
	assert_int_equal(unev_check_invariants(m, msg, sizeof(msg)), -EUCLEAN);
	folio_clear(pfn_to_page(m, 1), PG_active | PG_unevictable);
	fixture_teardown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lru_add_batch_moves_at_31),
		cmocka_unit_test(test_batches_are_per_cpu),
		cmocka_unit_test(test_lru_add_culls_mlocked),
		cmocka_unit_test(test_invariant_checker_catches_bad_gauge),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
