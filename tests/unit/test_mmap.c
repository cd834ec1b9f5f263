/*
 * test_mmap.c - the VMA tree: placement, split, merge, mremap, brk
 * (mm/mmap.c, mm/vma.c, mm/mremap.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "internal.h"

#include "fixture.h"

static struct unev_machine *m;
static int pid;

static int setup(void **state)
{
	(void)state;
	return fixture_setup(&m, &pid, 0, 64ULL << 20);
}

static int teardown(void **state)
{
	(void)state;
	return fixture_teardown(m);
}

static struct mm_struct *mm(void)
{
	return m->tasks[pid - 1]->mm;
}

static uint64_t map(uint64_t len, int prot)
{
	uint64_t a = 0;

	assert_int_equal(unev_sys_mmap(m, pid, 0, len, prot, UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &a), 0);
	return a;
}

/* Top-down placement; two anonymous mappings with equal flags merge. */
static void test_mmap_top_down_and_merge(void **state)
{
	uint64_t a = map(P(10), 3), b = map(P(10), 3);

	(void)state;
	assert_int_equal(a, MMAP_BASE - P(10));
	assert_int_equal(b, a - P(10));
	assert_int_equal(mm()->nr_vmas, 1);
	assert_int_equal(mm()->total_vm, 20);
}

/* mlock of the middle splits in three; munlock merges them back. */
static void test_mlock_middle_splits_then_merges(void **state)
{
	uint64_t a = map(P(30), 3);

	(void)state;
	assert_int_equal(unev_sys_mlock(m, pid, a + P(10), P(10)), 0);
	assert_int_equal(mm()->nr_vmas, 3);
	assert_true(mm()->vmas[1]->vm_flags & VM_LOCKED);
	assert_int_equal(mm()->locked_vm, 10);
	assert_int_equal(unev_sys_munlock(m, pid, a + P(10), P(10)), 0);
	assert_int_equal(mm()->nr_vmas, 1);
	assert_int_equal(mm()->locked_vm, 0);
}

/* A different protection keeps neighbours apart. */
static void test_different_flags_do_not_merge(void **state)
{
	(void)state;
	map(P(10), UNEV_PROT_READ);
	map(P(10), UNEV_PROT_READ | UNEV_PROT_WRITE);
	assert_int_equal(mm()->nr_vmas, 2);
}

/* mremap: grows in place when the space above is free, else moves with
 * MAYMOVE (pages move with their PTEs) or fails with ENOMEM. */
static void test_mremap_grow_and_move(void **state)
{
	uint64_t a = map(P(10), 3), r = 0;
	uint64_t b = map(P(10), UNEV_PROT_READ);	/* just below a */

	(void)state;
	assert_int_equal(b, a - P(10));
	assert_int_equal(unev_touch(m, pid, a, P(10), true), 0);
	assert_int_equal(unev_sys_mremap(m, pid, b, P(10), P(20), 0, 0, &r), -ENOMEM);
	assert_int_equal(unev_sys_mremap(m, pid, a, P(10), P(20), UNEV_MREMAP_MAYMOVE, 0, &r), 0);
	assert_true(r != a);
	assert_int_equal(mm()->total_vm, 30);
	assert_int_equal(mm()->rss_anon, 10);
	/* the old range is unmapped (its PTE, if the table stays, is clear) */
	assert_true(!pte_lookup(mm(), a, false) || !(*pte_lookup(mm(), a, false) & PTE_PRESENT));
	assert_true(*pte_lookup(mm(), r, false) & PTE_PRESENT);
	assert_int_equal(unev_sys_mremap(m, pid, r, P(20), P(5), 0, 0, &r), 0);
	assert_int_equal(mm()->rss_anon, 5);
}

/* munmap: partial unmap splits; bad arguments are EINVAL. */
static void test_munmap_rules(void **state)
{
	uint64_t a = map(P(10), 3);

	(void)state;
	assert_int_equal(unev_sys_munmap(m, pid, a + 1, P(1)), -EINVAL);
	assert_int_equal(unev_sys_munmap(m, pid, a, 0), -EINVAL);
	assert_int_equal(unev_sys_munmap(m, pid, a + P(4), P(2)), 0);
	assert_int_equal(mm()->nr_vmas, 2);
	assert_int_equal(mm()->total_vm, 8);
	/* unmapping nothing is fine */
	assert_int_equal(unev_sys_munmap(m, pid, a + P(4), P(2)), 0);
}

/* brk: grows from the heap start, shrinks by munmap, reads with 0. */
static void test_brk(void **state)
{
	uint64_t cur = 0, r = 0;

	(void)state;
	assert_int_equal(unev_sys_brk(m, pid, 0, &cur), 0);
	assert_int_equal(cur, BRK_START);
	assert_int_equal(unev_sys_brk(m, pid, cur + P(10), &r), 0);
	assert_int_equal(r, cur + P(10));
	assert_int_equal(mm()->total_vm, 10);
	assert_int_equal(unev_sys_brk(m, pid, cur + P(4), &r), 0);
	assert_int_equal(r, cur + P(4));
	assert_int_equal(mm()->total_vm, 4);
}

/* SYSCALL brk shrinking: with no VMA in [newbrk, oldbrk) (the heap was
 * munmapped) the break stays and brk returns it; with a VMA there, that
 * part goes and the break moves (tests/scenarios/core/brk_shrink_over_
 * unmapped_heap.uvs, observed live on 6.18). */
static void test_brk_shrink_over_unmapped_heap(void **state)
{
	uint64_t cur = 0, r = 0;

	(void)state;
	assert_int_equal(unev_sys_brk(m, pid, 0, &cur), 0);
	assert_int_equal(unev_sys_brk(m, pid, cur + P(10), &r), 0);
	assert_int_equal(unev_sys_munmap(m, pid, cur, P(10)), 0);
	assert_int_equal(unev_sys_brk(m, pid, cur, &r), 0);
	assert_int_equal(r, cur + P(10));
	assert_int_equal(unev_sys_brk(m, pid, cur + P(9), &r), 0);
	assert_int_equal(r, cur + P(10));
	/* grown again from the old break: [cur+10p, cur+20p) */
	assert_int_equal(unev_sys_brk(m, pid, cur + P(20), &r), 0);
	assert_int_equal(r, cur + P(20));
	assert_int_equal(mm()->total_vm, 10);
	assert_int_equal(unev_sys_brk(m, pid, cur, &r), 0);
	assert_int_equal(r, cur);
	assert_int_equal(mm()->total_vm, 0);
}

/* mremap of a hole is EFAULT before the shrink path (vma_lookup first,
 * as do_mremap): the mapping lying in the tail is left alone (issue 13). */
static void test_mremap_hole_is_efault(void **state)
{
	uint64_t r1 = map(P(10), 3), r2 = map(P(10), 1), res = 0;

	(void)state;
	assert_int_equal(r2, r1 - P(10));
	assert_int_equal(unev_sys_munmap(m, pid, r1, P(10)), 0);
	/* a shrink of [r2 + 5p, r2 + 15p) would have unmapped r2's tail */
	assert_int_equal(unev_sys_mremap(m, pid, r2 + P(15), P(10), P(5), 0, 0, &res), -EFAULT);
	assert_int_equal(unev_sys_mremap(m, pid, r1, P(10), P(5), 0, 0, &res), -EFAULT);
	assert_int_equal(unev_sys_mremap(m, pid, r1, P(10), P(20), UNEV_MREMAP_MAYMOVE, 0, &res),
			 -EFAULT);
	assert_int_equal(mm()->nr_vmas, 1);
	assert_int_equal(mm()->total_vm, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mmap_top_down_and_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlock_middle_splits_then_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_different_flags_do_not_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_grow_and_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munmap_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk_shrink_over_unmapped_heap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_hole_is_efault, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
