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

FIXTURE_FILE(64ULL << 20)

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
	uint64_t b = map(P(10), 3 | UNEV_PROT_EXEC);	/* just below a */

	(void)state;
	assert_int_equal(b, a - P(10));
	assert_int_equal(unev_touch(m, pid, b, P(10), true), 0);
	assert_int_equal(unev_sys_mremap(m, pid, b, P(10), P(20), 0, 0, &r), -ENOMEM);
	assert_int_equal(unev_sys_mremap(m, pid, b, P(10), P(20), UNEV_MREMAP_MAYMOVE, 0, &r), 0);
	assert_true(r != b);
	assert_int_equal(mm()->total_vm, 30);
	assert_int_equal(mm()->rss_anon, 10);
	/* the old range is unmapped (its PTE, if the table stays, is clear) */
	assert_true(!pte_lookup(mm(), b, false) || !(*pte_lookup(mm(), b, false) & PTE_PRESENT));
	assert_true(*pte_lookup(mm(), r, false) & PTE_PRESENT);
	assert_int_equal(unev_sys_mremap(m, pid, r, P(20), P(5), 0, 0, &r), 0);
	assert_int_equal(mm()->rss_anon, 5);
}

static uint64_t map_locked(uint64_t len)
{
	uint64_t a = 0;

	assert_int_equal(unev_sys_mmap(m, pid, 0, len, 3,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | UNEV_MAP_LOCKED, &a), 0);
	return a;
}

/* MREMAP_FIXED of 16 locked pages over the middle of 32 locked ones: the
 * destination's 16 are munlocked through the batch (none yet, 16 after a
 * drain), the moved ones stay mlocked, locked_vm counts 32 (observed on
 * 6.18: mremap_fixed_moves_locked_region.uvs, VmLck 128 kB). */
static void test_mremap_fixed_locked(void **state)
{
	uint64_t r1 = map_locked(P(16)), r2 = map_locked(P(32)), r = 0;

	(void)state;
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 48);
	assert_int_equal(unev_sys_mremap(m, pid, r1, P(16), P(16),
					 UNEV_MREMAP_MAYMOVE | UNEV_MREMAP_FIXED, r2 + P(8), &r), 0);
	assert_int_equal(r, r2 + P(8));
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_munlocked"), 0);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 48);
	assert_int_equal(mm()->locked_vm, 32);
	assert_int_equal(mm()->total_vm, 32);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_munlocked"), 16);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 32);
	/* the flag checks: FIXED without MAYMOVE, an overlap, an unaligned
	 * address, DONTUNMAP with another length: EINVAL, nothing moved */
	assert_int_equal(unev_sys_mremap(m, pid, r, P(16), P(16), UNEV_MREMAP_FIXED, r1, &r), -EINVAL);
	assert_int_equal(unev_sys_mremap(m, pid, r, P(16), P(16),
					 UNEV_MREMAP_MAYMOVE | UNEV_MREMAP_FIXED, r + P(8), &r), -EINVAL);
	assert_int_equal(unev_sys_mremap(m, pid, r, P(16), P(16),
					 UNEV_MREMAP_MAYMOVE | UNEV_MREMAP_FIXED, r1 + 1, &r), -EINVAL);
	assert_int_equal(unev_sys_mremap(m, pid, r, P(16), P(8),
					 UNEV_MREMAP_MAYMOVE | UNEV_MREMAP_FIXED | UNEV_MREMAP_DONTUNMAP,
					 r1, &r), -EINVAL);
	assert_int_equal(r, r2 + P(8));
}

/* MREMAP_DONTUNMAP of a locked region, by kernel: the pages stay mlocked
 * in the new VMA, the old one loses VM_LOCKED.  6.18 charges the new VMA
 * too: locked_vm 32 for 16 locked pages, 16 left after the new VMA goes
 * (observed: mremap_dontunmap_locked.uvs, VmLck 128 then 64 kB); 6.12
 * leaves locked_vm as it was (observed in the 6.12 VM: VmLck 64 then 0 kB,
 * tests/model/profiles/mremap_dontunmap_6_12.uvs). */
static void test_mremap_dontunmap_locked_by_kernel(void **state)
{
	static const char *const kernels[] = {"6.18", "6.12"};
	static const uint64_t locked_after[] = {32, 16}, locked_unmapped[] = {16, 0};

	(void)state;
	for (unsigned int k = 0; k < 2; k++) {
		struct unev_machine_config cfg;
		struct unev_machine *km;
		struct mm_struct *kmm;
		uint64_t r1, r2, r = 0;
		int kp;

		unev_machine_config_default(&cfg);
		cfg.mem_bytes = 64ULL << 20;
		cfg.kernel = kernels[k];
		km = fixture_machine(&cfg);
		kp = fixture_task(km, NULL);
		kmm = km->tasks[kp - 1]->mm;
		assert_int_equal(unev_sys_mmap(km, kp, 0, P(16), 3, UNEV_MAP_PRIVATE |
					       UNEV_MAP_ANONYMOUS | UNEV_MAP_LOCKED, &r1), 0);
		assert_int_equal(unev_sys_mmap(km, kp, 0, P(16), 3, UNEV_MAP_PRIVATE |
					       UNEV_MAP_ANONYMOUS, &r2), 0);
		assert_int_equal(unev_sys_mremap(km, kp, r1, P(16), P(16), UNEV_MREMAP_MAYMOVE |
						 UNEV_MREMAP_FIXED | UNEV_MREMAP_DONTUNMAP, r2, &r), 0);
		assert_int_equal(r, r2);
		assert_int_equal(fixture_vmstat(km, "nr_mlock"), 16);
		assert_int_equal(fixture_vmstat(km, "unevictable_pgs_munlocked"), 0);
		assert_int_equal(kmm->locked_vm, locked_after[k]);
		assert_int_equal(kmm->total_vm, 32);
		assert_false(find_vma(kmm, r1)->vm_flags & VM_LOCKED_MASK);
		assert_true(find_vma(kmm, r2)->vm_flags & VM_LOCKED);
		/* the old range is empty: a touch faults 16 pages, not mlocked */
		assert_true(!pte_lookup(kmm, r1, false) || !(*pte_lookup(kmm, r1, false) & PTE_PRESENT));
		assert_int_equal(unev_touch(km, kp, r1, P(16), true), 0);
		assert_int_equal(fixture_vmstat(km, "nr_mlock"), 16);
		assert_int_equal(unev_sys_munmap(km, kp, r2, P(16)), 0);
		assert_int_equal(kmm->locked_vm, locked_unmapped[k]);
		fixture_teardown(km);
	}
}

/* 6.17's remap_move: MREMAP_FIXED without a change of length moves both
 * VMAs of an mlock-split range, keeping the gap after a munmap hole; 6.12
 * answers EFAULT (observed on 6.18: mremap_fixed_moves_many_vmas.uvs). */
static void test_mremap_fixed_many_vmas(void **state)
{
	uint64_t r1 = map(P(48), 3), r2, r = 0;

	(void)state;
	assert_int_equal(unev_sys_munmap(m, pid, r1 + P(16), P(8)), 0);
	assert_int_equal(unev_sys_mlock(m, pid, r1 + P(24), P(8)), 0);
	r2 = map(P(48), UNEV_PROT_READ);
	assert_int_equal(unev_touch(m, pid, r1, P(16), true), 0);
	assert_int_equal(mm()->nr_vmas, 4);
	assert_int_equal(unev_sys_mremap(m, pid, r1, P(48), P(48),
					 UNEV_MREMAP_MAYMOVE | UNEV_MREMAP_FIXED, r2, &r), 0);
	assert_int_equal(r, r2);
	/* r2's own gap [16p, 24p) stays; the three moved VMAs sit around it */
	assert_int_equal(find_vma(mm(), r2 + P(16))->vm_flags & VM_ACCESS_FLAGS, VM_READ);
	assert_true(find_vma(mm(), r2 + P(24))->vm_flags & VM_LOCKED);
	assert_int_equal(mm()->locked_vm, 8);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 8);
	assert_int_equal(mm()->rss_anon, 24);
	/* nothing left at the old address: EFAULT, and r2 stays */
	assert_int_equal(unev_sys_mremap(m, pid, r1, P(48), P(48),
					 UNEV_MREMAP_MAYMOVE | UNEV_MREMAP_FIXED, r2, &r), -EFAULT);
	assert_int_equal(mm()->rss_anon, 24);
}

/* vma_expandable: the topmost region grows in place past mmap_base, with
 * or without MAYMOVE, up to the model's stack (issue 13; live: the
 * kernel keeps the address, tests/scenarios/core/mremap_grow_topmost_*). */
static void test_mremap_grows_topmost_in_place(void **state)
{
	uint64_t a = map(P(10), 3), r = 0;

	(void)state;
	assert_int_equal(a, MMAP_BASE - P(10));
	assert_int_equal(unev_sys_mremap(m, pid, a, P(10), P(20), 0, 0, &r), 0);
	assert_int_equal(r, a);
	assert_int_equal(unev_sys_mremap(m, pid, a, P(20), P(30), UNEV_MREMAP_MAYMOVE, 0, &r), 0);
	assert_int_equal(r, a);
	assert_int_equal(mm()->nr_vmas, 1);
	assert_int_equal(mm()->vmas[0]->vm_end, MMAP_BASE + P(20));
	/* the next mapping still goes right below the region */
	assert_int_equal(map(P(1), UNEV_PROT_READ), a - P(1));
	/* up to STACK_BOTTOM exactly, not a page further */
	assert_int_equal(unev_sys_mremap(m, pid, a, P(30), STACK_BOTTOM - a + P(1), 0, 0, &r),
			 -ENOMEM);
	assert_int_equal(unev_sys_mremap(m, pid, a, P(30), STACK_BOTTOM - a, 0, 0, &r), 0);
	assert_int_equal(mm()->vmas[1]->vm_end, STACK_BOTTOM);
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

/* find_mergeable_anon_vma: the first fault of a VMA that differs from its
 * touched neighbour only in protection shares the neighbour's anon_vma, so
 * an mprotect making the flags equal merges the two (issue 13; live: one
 * VMA in smaps, tests/scenarios/core/anon_vma_shared_then_mprotect_merges). */
static void test_anon_vma_reused_then_merged(void **state)
{
	uint64_t r1 = map(P(100), 3), r2;

	(void)state;
	assert_int_equal(unev_touch(m, pid, r1, P(100), true), 0);
	r2 = map(P(100), 3 | UNEV_PROT_EXEC);
	assert_int_equal(r2, r1 - P(100));
	assert_int_equal(unev_touch(m, pid, r2, P(100), true), 0);
	assert_int_equal(mm()->nr_vmas, 2);
	assert_int_not_equal(mm()->vmas[1]->anon_vma, 0);
	assert_int_equal(mm()->vmas[0]->anon_vma, mm()->vmas[1]->anon_vma);
	assert_int_equal(m->anon_vmas[mm()->vmas[1]->anon_vma - 1]->nr, 2);
	assert_int_equal(unev_sys_mprotect(m, pid, r2, P(100), 3), 0);
	assert_int_equal(mm()->nr_vmas, 1);
	assert_int_equal(mm()->vmas[0]->vm_start, r2);
	assert_int_equal(mm()->vmas[0]->vm_end, r1 + P(100));
	assert_int_equal(m->anon_vmas[mm()->vmas[0]->anon_vma - 1]->nr, 1);
	assert_int_equal(mm()->rss_anon, 200);
}

/* reusable_anon_vma asks for a single-link chain: a VMA a fork gave a
 * chain of two lends its anon_vma to no neighbour, and the two never merge
 * (is_mergeable_anon_vma); a flag difference beyond prot lends nothing. */
static void test_anon_vma_not_reused(void **state)
{
	uint64_t r1 = map(P(10), 3), r2, r3;
	struct mm_struct *cmm;
	int child = 0;

	(void)state;
	assert_int_equal(unev_touch(m, pid, r1, P(10), true), 0);
	assert_int_equal(unev_sys_fork(m, pid, &child), 0);
	cmm = m->tasks[child - 1]->mm;
	assert_int_equal(unev_sys_mmap(m, child, 0, P(10), 7, UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &r2), 0);
	assert_int_equal(r2, r1 - P(10));
	assert_int_equal(unev_touch(m, child, r2, P(10), true), 0);
	assert_int_equal(cmm->vmas[1]->nr_avc, 2);
	assert_int_not_equal(cmm->vmas[0]->anon_vma, cmm->vmas[1]->anon_vma);
	assert_int_equal(unev_sys_mprotect(m, child, r2, P(10), 3), 0);
	assert_int_equal(cmm->nr_vmas, 2);
	/* the parent: a locked neighbour differs in more than protection */
	assert_int_equal(unev_sys_mmap(m, pid, 0, P(10), 3, UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | UNEV_MAP_LOCKED, &r3), 0);
	assert_int_equal(r3, r1 - P(10));
	assert_int_not_equal(mm()->vmas[0]->anon_vma, 0);
	assert_int_not_equal(mm()->vmas[0]->anon_vma, mm()->vmas[1]->anon_vma);
	assert_int_equal(unev_sys_exit(m, child), 0);
}

/* A faulted range joins a neighbour without an anon_vma since 6.16
 * (is_mergeable_anon_vma, from the kernel source: 6.12's asked
 * list_is_singular of the neighbour's empty chain): mprotect of the
 * touched r1 to r2's protection (rwx) merges the two on 6.18 (observed:
 * mprotect_touched_merges_into_untouched.uvs), not on 6.12. */
static void test_merge_into_unfaulted_by_kernel(void **state)
{
	static const char *const kernels[] = {"6.18", "6.12"};
	static const unsigned int vmas_after[] = {1, 2};

	(void)state;
	for (unsigned int k = 0; k < 2; k++) {
		struct unev_machine_config cfg;
		struct unev_machine *km;
		uint64_t r1, r2;
		int kp;

		unev_machine_config_default(&cfg);
		cfg.mem_bytes = 64ULL << 20;
		cfg.kernel = kernels[k];
		km = fixture_machine(&cfg);
		kp = fixture_task(km, NULL);
		assert_int_equal(unev_sys_mmap(km, kp, 0, P(10), 3, UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &r1), 0);
		assert_int_equal(unev_sys_mmap(km, kp, 0, P(10), 7, UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &r2), 0);
		assert_int_equal(r2, r1 - P(10));
		assert_int_equal(unev_touch(km, kp, r1, P(10), true), 0);
		assert_int_equal(unev_sys_mprotect(km, kp, r1, P(10), 7), 0);
		assert_int_equal(km->tasks[kp - 1]->mm->nr_vmas, vmas_after[k]);
		fixture_teardown(km);
	}
}

/* VM_ACCOUNT (mmap_region's accountable_mapping, mprotect_fixup): a
 * private writable mapping has it; it keeps it when it loses write once
 * written (an anon_vma), and does not merge with a never-writable
 * neighbour then; never written, it drops it (observed live:
 * mprotect_touched_merges_into_untouched.uvs). */
static void test_vm_account_keeps_apart(void **state)
{
	uint64_t r3 = map(P(10), 3), r4 = map(P(10), UNEV_PROT_READ);

	(void)state;
	assert_int_equal(r4, r3 - P(10));
	assert_true(mm()->vmas[1]->vm_flags & VM_ACCOUNT);
	assert_false(mm()->vmas[0]->vm_flags & VM_ACCOUNT);
	assert_int_equal(unev_sys_mprotect(m, pid, r3, P(5), UNEV_PROT_READ), 0);
	/* untouched: its first half drops VM_ACCOUNT and joins r4 */
	assert_int_equal(mm()->nr_vmas, 2);
	assert_int_equal(mm()->vmas[0]->vm_end, r3 + P(5));
	assert_false(mm()->vmas[0]->vm_flags & VM_ACCOUNT);
	assert_int_equal(unev_sys_mprotect(m, pid, r3, P(5), 3), 0);
	assert_int_equal(mm()->vmas[1]->vm_start, r3);
	assert_int_equal(unev_touch(m, pid, r3, P(1), true), 0);
	assert_int_equal(unev_sys_mprotect(m, pid, r3, P(10), UNEV_PROT_READ), 0);
	assert_true(mm()->vmas[1]->vm_flags & VM_ACCOUNT);
	assert_int_equal(mm()->nr_vmas, 2);
	assert_int_equal(unev_sys_mprotect(m, pid, r4, P(10), 3), 0);
	assert_true(mm()->vmas[0]->vm_flags & VM_ACCOUNT);
	assert_int_equal(unev_sys_mprotect(m, pid, r3, P(10), 3), 0);
	assert_int_equal(mm()->nr_vmas, 1);
}

/* Distinct VMAs: one page each, protections alternating so none merge. */
static void map_distinct(unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		map(P(1), i % 2 ? UNEV_PROT_READ : 3);
}

/*
 * vm.max_map_count (values from the kernel's checks, mm/mmap.c do_mmap,
 * mm/vma.c split_vma and vms_gather_munmap_vmas, mm/mremap.c move_vma):
 * mmap refuses only once the count is past the limit ('>'), so it may
 * reach limit + 1; a split refuses at the limit ('>='), and a munmap only
 * when it punches a hole (the other splits may pass it on the way down).
 */
static void test_max_map_count(void **state)
{
	uint64_t a, r = 0;

	(void)state;
	assert_int_equal(m->max_map_count, 65530);
	assert_int_equal(unev_sysctl_set(m, "max_map_count", 10), 0);
	map_distinct(11);	/* the 11th: count 10 is not > 10 */
	assert_int_equal(mm()->nr_vmas, 11);
	assert_int_equal(unev_sys_mmap(m, pid, 0, P(1), 3, UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &a), -ENOMEM);
	assert_int_equal(unev_sys_munmap(m, pid, mm()->vmas[0]->vm_start, P(1)), 0);
	assert_int_equal(unev_sys_munmap(m, pid, mm()->vmas[0]->vm_start, P(1)), 0);
	assert_int_equal(mm()->nr_vmas, 9);
	/* a 3-page VMA at the bottom (count 10): a hole in it is refused ... */
	a = map(P(3), 3 | UNEV_PROT_EXEC);
	assert_int_equal(mm()->nr_vmas, 10);
	assert_int_equal(unev_sys_munmap(m, pid, a + P(1), P(1)), -ENOMEM);
	/* ... as is an mprotect or mlock of its middle or its end (a split) */
	assert_int_equal(unev_sys_mprotect(m, pid, a + P(1), P(1), 3), -ENOMEM);
	assert_int_equal(unev_sys_mlock(m, pid, a + P(2), P(1)), -ENOMEM);
	assert_int_equal(mm()->nr_vmas, 10);
	/* an mprotect of its last page to its neighbour's flags merges: no split */
	assert_int_equal(mm()->vmas[1]->vm_flags & VM_ACCESS_FLAGS, VM_READ | VM_WRITE);
	assert_int_equal(unev_sys_mprotect(m, pid, a + P(2), P(1), 3), 0);
	assert_int_equal(mm()->nr_vmas, 10);
	assert_int_equal(mm()->vmas[0]->vm_end, a + P(2));
	/* unmapping its first page splits once: allowed, at 10 too */
	assert_int_equal(unev_sys_munmap(m, pid, a, P(1)), 0);
	assert_int_equal(mm()->nr_vmas, 10);
	/* mremap must move (the range above is mapped): move_vma wants 3 to
	 * spare, so it fails even at 9 of 10 */
	assert_int_equal(unev_sys_munmap(m, pid, mm()->vmas[9]->vm_start, P(1)), 0);
	assert_int_equal(unev_sys_mremap(m, pid, mm()->vmas[0]->vm_start, P(1), P(2), UNEV_MREMAP_MAYMOVE, 0, &r), -ENOMEM);
	assert_int_equal(unev_sysctl_set(m, "max_map_count", 13), 0);
	assert_int_equal(unev_sys_mremap(m, pid, mm()->vmas[0]->vm_start, P(1), P(2), UNEV_MREMAP_MAYMOVE, 0, &r), 0);
	/* the middle split needs two: at limit - 1 the first happens, the
	 * second fails, and the first split stays */
	assert_int_equal(unev_sysctl_set(m, "max_map_count", 10), 0);
	assert_int_equal(mm()->nr_vmas, 9);
	a = mm()->vmas[0]->vm_start;	/* the moved 2-page VMA, rwx */
	assert_int_equal(vma_pages(mm()->vmas[0]), 2);
	assert_int_equal(unev_sys_munmap(m, pid, mm()->vmas[1]->vm_start, P(1)), 0);
	assert_int_equal(unev_sys_mremap(m, pid, a, P(2), P(3), 0, 0, &r), 0);
	assert_int_equal(r, a);
	assert_int_equal(mm()->nr_vmas, 9);
	assert_int_equal(unev_sys_mprotect(m, pid, a + P(1), P(1), 3), -ENOMEM);
	assert_int_equal(mm()->nr_vmas, 10);
	assert_int_equal(mm()->vmas[0]->vm_end, a + P(1));
	assert_int_equal(mm()->vmas[1]->vm_end, a + P(3));
}

/* get_unmapped_area's gap cache gives the answer of a search from the top:
 * random mmaps and munmaps, each placement checked against a search with
 * the cache cleared. */
static void test_gap_cache_same_answer(void **state)
{
	uint64_t seed = 12345, ref, got;
	unsigned int step, skips = 0, into_passed_gap = 0;

	(void)state;
	for (step = 0; step < 4000; step++) {
		uint64_t len;
		struct mm_struct *mp = mm();

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		len = P(1 + (seed >> 33) % 3);
		if ((seed >> 40) % 10 < 7 || mp->nr_vmas < 2) {
			bool valid = mp->gap_cache_valid;
			uint64_t addr = mp->gap_cache_addr, max = mp->gap_cache_max;

			mp->gap_cache_valid = false;
			assert_int_equal(get_unmapped_area(mp, len, &ref), 0);
			mp->gap_cache_valid = valid;
			mp->gap_cache_addr = addr;
			mp->gap_cache_max = max;
			skips += valid && len > mp->gap_cache_max;
			/* a gap the last search passed over, as large as asked */
			into_passed_gap += valid && len == mp->gap_cache_max && ref >= mp->gap_cache_addr;
			assert_int_equal(get_unmapped_area(mp, len, &got), 0);
			assert_int_equal(got, ref);
			assert_int_equal(map(len, (seed >> 50) % 2 ? UNEV_PROT_READ : 3), ref);
		} else {
			struct vm_area_struct *v = mp->vmas[(seed >> 20) % mp->nr_vmas];

			assert_int_equal(unev_sys_munmap(m, pid, v->vm_start + P((seed >> 45) % vma_pages(v)), len), 0);
		}
	}
	assert_true(mm()->nr_vmas > 100);
	assert_true(skips > 100);
	assert_true(into_passed_gap > 10);
}

/* grow_stack (live 6.18: core/stack_grow_*.uvs): MCL_FUTURE alone leaves the
 * existing stack unlocked; MCL_CURRENT locks it and its growth; a locked
 * stack grows while locked_vm fits RLIMIT_MEMLOCK, then EFAULT (SIGSEGV). */
static void test_grow_stack(void **state)
{
	uint64_t start = 0, end = 0;

	(void)state;
	assert_int_equal(unev_sys_mlockall(m, pid, UNEV_MCL_FUTURE), 0);
	assert_int_equal(unev_sys_grow_stack(m, pid, P(10), &start, &end), 0);
	assert_int_equal(end - start, P(11));
	assert_int_equal(fixture_smaps(m, pid, start, end - start, "Rss"), 40);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 0);
	assert_int_equal(unev_sys_mlockall(m, pid, UNEV_MCL_CURRENT), 0);
	assert_int_equal(unev_sys_grow_stack(m, pid, P(2), &start, &end), 0);
	assert_int_equal(fixture_smaps(m, pid, start, end - start, "Locked"), 52);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 52);
	/* 13 pages locked of 16: three more, then the fourth fault fails */
	assert_int_equal(unev_sys_setrlimit(m, pid, UNEV_RLIMIT_MEMLOCK, P(16), P(16)), 0);
	assert_int_equal(unev_sys_grow_stack(m, pid, P(5), &start, &end), -EFAULT);
	assert_int_equal(end - start, P(16));
	assert_int_equal(fixture_status(m, pid, "VmLck"), 64);
	assert_int_equal(unev_sys_munlockall(m, pid), 0);
	assert_int_equal(unev_sys_grow_stack(m, pid, P(5), &start, &end), 0);
	assert_int_equal(end - start, P(21));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mmap_top_down_and_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlock_middle_splits_then_merges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_different_flags_do_not_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_grow_and_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_grows_topmost_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_fixed_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_dontunmap_locked_by_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_fixed_many_vmas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munmap_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk, setup, teardown),
		cmocka_unit_test_setup_teardown(test_brk_shrink_over_unmapped_heap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mremap_hole_is_efault, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anon_vma_reused_then_merged, setup, teardown),
		cmocka_unit_test_setup_teardown(test_anon_vma_not_reused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_into_unfaulted_by_kernel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vm_account_keeps_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_max_map_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gap_cache_same_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grow_stack, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
