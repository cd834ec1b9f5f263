/*
 * mincore.c - mincore(2) (mm/mincore.c): which pages of a range are
 * resident, as the kernel's vector says it.
 *
 * A present PTE is resident (the shared zero page too: a read fault of
 * private anonymous memory maps it); an empty PTE of a file or shmem VMA
 * asks the page cache (mincore_page: a cached folio, or a shmem swap entry
 * whose folio is still in the swap cache); an empty PTE of an anonymous
 * VMA is not resident; a swap PTE is resident while its folio is in the
 * swap cache.  Locked pages are resident by construction, unpopulated
 * locked pages (MLOCK_ONFAULT) are not.
 */
#include "internal.h"

/* mincore_page: a page-cache entry that is a folio (all of ours are
 * uptodate), or a shmem swap entry whose folio is in the swap cache */
static bool mincore_page(struct unev_machine *m, struct address_space *as, uint64_t index)
{
	uint32_t e = cache_entry(as, index);

	if (cache_entry_is_swap(e))
		return swap_cache_lookup(m, e & ~SHMEM_SWAP_ENTRY) != PFN_NIL;
	return e != PFN_NIL;
}

/* mincore_pte_range and __mincore_unmapped_range for one page */
static bool mincore_one(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr)
{
	uint64_t *pte = pte_lookup(vma->mm, addr, false);

	if (pte && (*pte & PTE_PRESENT))
		return true;
	if (pte && (*pte & PTE_SWAP))
		return swap_cache_lookup(m, *pte >> PAGE_SHIFT) != PFN_NIL;
	if (vma->mapping)
		return mincore_page(m, vma->mapping,
				    vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT));
	return false;
}

/*
 * do_mincore, a VMA at a time: no VMA at the address is ENOMEM, with the
 * pages before it already reported (the kernel copies each chunk out
 * before it looks at the next).  Every scenario task may open its files
 * for writing, so can_do_mincore holds and the page cache is asked.
 */
static int unev_sys_mincore_call(struct unev_machine *m, int pid, uint64_t start,
				 uint64_t len, unsigned char *vec, uint64_t *resident)
{
	struct task_struct *t = task_lookup(m, pid);
	uint64_t pages, i = 0;

	*resident = 0;
	if (!t)
		return -ESRCH;
	if (offset_in_page(start))
		return -EINVAL;
	/* access_ok: the range must lie below TASK_SIZE */
	if (len > TASK_SIZE || start > TASK_SIZE - len)
		return -ENOMEM;
	pages = (len >> PAGE_SHIFT) + (offset_in_page(len) != 0);
	while (i < pages) {
		uint64_t addr = start + (i << PAGE_SHIFT);
		struct vm_area_struct *vma = find_vma(t->mm, addr);
		uint64_t end;

		if (!vma || vma->vm_start > addr)	/* vma_lookup */
			return -ENOMEM;
		end = vma->vm_end < start + (pages << PAGE_SHIFT) ? vma->vm_end
								 : start + (pages << PAGE_SHIFT);
		for (; addr < end; addr += PAGE_SIZE, i++) {
			bool in = mincore_one(m, vma, addr);

			if (vec)
				vec[i] = in;
			*resident += in;
		}
	}
	return 0;
}

int unev_sys_mincore(struct unev_machine *m, int pid, uint64_t start, uint64_t len,
		     unsigned char *vec, uint64_t *resident)
{
	int ret = unev_sys_mincore_call(m, pid, start, len, vec, resident);

	syscall_exit(m);
	return ret;
}
