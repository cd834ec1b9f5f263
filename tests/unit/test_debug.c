/*
 * test_debug.c - each invariant of unev_check_invariants (src/mm/debug.c)
 * holds on a sound machine and fires on the state corrupted for it.  The
 * machine: a memcg with a task that mapped, touched and mlocked 4 pages
 * (unevictable, mlock_count 1) and touched 4 more it left evictable.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "internal.h"

#include "fixture.h"

struct fx {
	struct unev_machine *m;
	int pid, memcg;
	uint64_t locked, plain;	/* the mlocked and the evictable mapping */
	char buf[256];
};

static int setup(void **state)
{
	static struct fx fx;
	struct unev_machine_config cfg;
	struct unev_task_config tc;

	memset(&fx, 0, sizeof(fx));
	unev_machine_config_default(&cfg);
	cfg.mem_bytes = 64ULL << 20;
	if (unev_machine_create(&cfg, &fx.m) ||
	    unev_memcg_create(fx.m, "m", 0, UNEV_RLIM_INFINITY, &fx.memcg))
		return -1;
	unev_task_config_default(&tc);
	tc.memcg = fx.memcg;
	tc.memlock = UNEV_RLIM_INFINITY;
	if (unev_task_create(fx.m, &tc, &fx.pid) ||
	    unev_sys_mmap(fx.m, fx.pid, 0, P(4), UNEV_PROT_READ | UNEV_PROT_WRITE,
			  UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &fx.locked) ||
	    unev_sys_mmap(fx.m, fx.pid, 0, P(4), UNEV_PROT_READ | UNEV_PROT_WRITE,
			  UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &fx.plain) ||
	    unev_touch(fx.m, fx.pid, fx.locked, P(4), true) ||
	    unev_touch(fx.m, fx.pid, fx.plain, P(4), true) ||
	    unev_sys_mlock(fx.m, fx.pid, fx.locked, P(4)))
		return -1;
	unev_drain_all(fx.m);
	*state = &fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	return fixture_teardown(fx->m);	/* each test mends what it broke */
}

static struct mm_struct *mm(struct fx *fx)
{
	return fx->m->tasks[fx->pid - 1]->mm;
}

static struct page *page_at(struct fx *fx, uint64_t addr)
{
	uint64_t *pte = pte_lookup(mm(fx), addr, false);

	assert_non_null(pte);
	return pfn_to_page(fx->m, pte_pfn(*pte));
}

/* The check fails with a message naming @what. */
static void expect_violation(struct fx *fx, const char *what)
{
	assert_int_equal(unev_check_invariants(fx->m, fx->buf, sizeof(fx->buf)), -EUCLEAN);
	if (!strstr(fx->buf, what))
		fail_msg("expected \"%s\" in \"%s\"", what, fx->buf);
}

static void expect_sound(struct fx *fx)
{
	assert_int_equal(unev_check_invariants(fx->m, fx->buf, sizeof(fx->buf)), 0);
}

/* The fixture itself: 4 unevictable mlocked pages with mlock_count 1. */
static void test_sound_machine(void **state)
{
	struct fx *fx = *state;
	struct page *p = page_at(fx, fx->locked);

	expect_sound(fx);
	assert_true(p->flags & PG_unevictable);
	assert_true(p->flags & PG_mlocked);
	assert_int_equal(folio_mlock_count(p), 1);
	assert_int_equal(mem_cgroup_lruvec(fx->m, fx->memcg, 0)->lists[UNEV_LRU_UNEVICTABLE].nr, 4);
}

static void test_lru_links(void **state)
{
	struct fx *fx = *state;
	struct page *p = page_at(fx, fx->plain + P(1));
	uint32_t saved = p->lru_prev;

	expect_sound(fx);
	p->lru_prev = PFN_NIL - 1;
	expect_violation(fx, "broken back link");
	p->lru_prev = saved;
	expect_sound(fx);
}

/* Per-node and per-memcg lists: a folio linked on the lruvec of a node its
 * frame is not on, or of a memcg it is not charged to. */
static void test_lru_membership(void **state)
{
	struct fx *fx = *state;
	struct page *p = page_at(fx, fx->plain + P(2));

	p->node = 1;
	expect_violation(fx, "(page node 1) on node 0's");
	p->node = 0;
	expect_sound(fx);
	p->memcg = 0;
	expect_violation(fx, "of memcg 0 on memcg");
	p->memcg = (uint16_t)fx->memcg;
	expect_sound(fx);
}

static void test_folio_flags(void **state)
{
	struct fx *fx = *state;
	struct page *p = page_at(fx, fx->locked);

	p->flags |= PG_active;
	expect_violation(fx, "PG_unevictable and PG_active");
	p->flags &= ~PG_active;
	p->mapcount += 5;
	expect_violation(fx, "below mapcount");
	p->mapcount -= 5;
	expect_sound(fx);
}

static void test_lru_gauges(void **state)
{
	struct fx *fx = *state;
	struct lruvec *lv = mem_cgroup_lruvec(fx->m, fx->memcg, 0);

	lv->lists[UNEV_LRU_UNEVICTABLE].nr++;
	expect_violation(fx, "flagged for unevictable");
	lv->lists[UNEV_LRU_UNEVICTABLE].nr--;
	fx->m->nodes[0].nr_lru[UNEV_LRU_UNEVICTABLE]++;
	expect_violation(fx, "the node gauge");
	fx->m->nodes[0].nr_lru[UNEV_LRU_UNEVICTABLE]--;
	expect_sound(fx);
}

static void test_nr_mlock(void **state)
{
	struct fx *fx = *state;

	fx->m->nodes[0].nr_mlock++;
	expect_violation(fx, "PG_mlocked but nr_mlock is 5");
	fx->m->nodes[0].nr_mlock--;
	expect_sound(fx);
}

static void test_mlock_count(void **state)
{
	struct fx *fx = *state;
	struct page *p = page_at(fx, fx->locked);

	/* one PTE maps it: a count of 2 is an overcount */
	folio_set_mlock_count(p, 2);
	expect_violation(fx, "mlock_count 2 above its 1 mappings and 0 queued munlocks");
	/* a count on a folio that is not PG_mlocked (nr_mlock kept in step) */
	folio_set_mlock_count(p, 1);
	p->flags &= ~PG_mlocked;
	fx->m->nodes[0].nr_mlock--;
	expect_violation(fx, "mlock_count 1 but not PG_mlocked");
	p->flags |= PG_mlocked;
	fx->m->nodes[0].nr_mlock++;
	expect_sound(fx);
}

static void test_memcg_usage(void **state)
{
	struct fx *fx = *state;
	struct mem_cgroup *mc = fx->m->memcgs[fx->memcg];

	assert_int_equal(mc->usage, 8);
	mc->usage++;
	expect_violation(fx, "memcg m: usage 9 pages but 8 are charged to it");
	mc->usage--;
	mc->limit = 7;
	expect_violation(fx, "over its limit 7");
	mc->limit = UINT64_MAX;
	expect_sound(fx);
}

static void test_vma_order(void **state)
{
	struct fx *fx = *state;
	struct vm_area_struct *low = mm(fx)->vmas[0];

	assert_int_equal(mm(fx)->nr_vmas, 2);
	low->vm_end += PAGE_SIZE;
	expect_violation(fx, "VMAs overlap");
	low->vm_end -= PAGE_SIZE;
	expect_sound(fx);
}

static void test_locked_vm(void **state)
{
	struct fx *fx = *state;

	mm(fx)->locked_vm++;
	expect_violation(fx, "locked_vm is 5 pages but its VM_LOCKED VMAs hold 4");
	mm(fx)->locked_vm--;
	expect_sound(fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sound_machine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lru_membership, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lru_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_folio_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lru_gauges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nr_mlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlock_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_memcg_usage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vma_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_locked_vm, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
