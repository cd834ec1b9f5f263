/*
 * mremap.c - mremap (mm/mremap.c)
 */
#include "internal.h"

/* move_page_tables: PTEs move with no rmap change, so no counter moves and
 * mlock_count is kept (KERNEL-SEMANTICS 5, mremap). */
static void move_ptes(struct mm_struct *mm, uint64_t old_addr, uint64_t new_addr, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *src = pte_lookup(mm, old_addr + off, false), *dst;

		if (!src || !(*src & (PTE_PRESENT | PTE_SWAP | PTE_GUARD)))
			continue;
		dst = pte_lookup(mm, new_addr + off, true);
		if (!dst)
			continue;
		*dst = *src;
		*src = 0;
	}
}

/*
 * vma_expandable: no VMA in [vm_end, vm_end + delta), and
 * get_unmapped_area(MAP_FIXED) takes the whole range, which only asks for
 * it to end below TASK_SIZE.  mmap_base is no limit: the topmost region
 * grows into the free space between it and the stack (STACK_BOTTOM: the
 * model has no stack VMA; issue 13, tests/fuzz-found/live-266-*).
 */
static bool vma_expandable(struct mm_struct *mm, unsigned int idx, uint64_t delta)
{
	const struct vm_area_struct *vma = mm->vmas[idx];
	uint64_t end = vma->vm_end + delta;

	if (end < vma->vm_end || end > STACK_BOTTOM)
		return false;
	return idx + 1 >= mm->nr_vmas || mm->vmas[idx + 1]->vm_start >= end;
}

static int unev_sys_mremap_call(struct unev_machine *m, int pid, uint64_t addr, uint64_t old_len,
		                uint64_t new_len, int flags, uint64_t new_addr, uint64_t *result)
{
	struct task_struct *t = task_lookup(m, pid);
	struct mm_struct *mm;
	struct vm_area_struct *vma, *nv;
	uint64_t delta;
	bool locked;
	int err, idx;

	(void)new_addr;
	if (!t)
		return -ESRCH;
	mm = t->mm;
	if (flags & ~(UNEV_MREMAP_MAYMOVE | UNEV_MREMAP_FIXED | UNEV_MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & UNEV_MREMAP_FIXED) && !(flags & UNEV_MREMAP_MAYMOVE))
		return -EINVAL;
	if (flags & (UNEV_MREMAP_FIXED | UNEV_MREMAP_DONTUNMAP))
		return -EOPNOTSUPP;	/* not modelled yet */
	if (offset_in_page(addr))
		return -EINVAL;
	old_len = PAGE_ALIGN(old_len);
	new_len = PAGE_ALIGN(new_len);
	if (!new_len)
		return -EINVAL;
	/* vma_lookup before anything else looks at the range: no VMA at addr
	 * is EFAULT, even for a shrink (which would unmap whatever lies past).
	 * Before 5.19's mremap rework (profile mremap_shrink_before_lookup),
	 * a shrink munmaps the tail first and never looks: a hole gives 0. */
	vma = find_vma(mm, addr);
	if ((!vma || vma->vm_start > addr) &&
	    !(old_len >= new_len && m->profile->mremap_shrink_before_lookup))
		return -EFAULT;
	if (old_len >= new_len) {	/* shrink: munmap of the tail munlocks it */
		if (old_len != new_len) {
			err = do_munmap(m, t, addr + new_len, old_len - new_len);
			if (err)
				return err;
		}
		*result = addr;
		return 0;
	}
	/* vma_to_resize */
	if (old_len > vma->vm_end - addr)
		return -EFAULT;
	delta = new_len - old_len;
	if (vma->vm_flags & VM_DONTEXPAND)
		return -EFAULT;
	if (!mlock_future_ok(t, vma->vm_flags, delta))
		return -EAGAIN;
	locked = (vma->vm_flags & VM_LOCKED) != 0;

	/* with or without MREMAP_MAYMOVE, growing in place comes first */
	if (old_len == vma->vm_end - addr) {
		idx = find_vma_index(mm, addr);
		if (vma_expandable(mm, (unsigned int)idx, delta)) {
			vma->vm_end += delta;
			mm->total_vm += delta >> PAGE_SHIFT;
			if (locked)
				mm->locked_vm += delta >> PAGE_SHIFT;
			vma_try_merge_around(m, mm, (unsigned int)idx);
			if (locked)
				__mm_populate(m, t, addr + old_len, delta, true);
			*result = addr;
			return 0;
		}
	}
	if (!(flags & UNEV_MREMAP_MAYMOVE))
		return -ENOMEM;
	/* move_vma: copy_vma at a new place, move the page tables, unmap the old */
	err = get_unmapped_area(mm, new_len, &new_addr);
	if (err)
		return err;
	/* move_vma keeps room for the unmap's splits (one VMA into three) */
	if (mm->nr_vmas + 3 >= m->max_map_count)
		return -ENOMEM;
	nv = vm_area_alloc(mm);
	if (!nv)
		return -ENOMEM;
	*nv = *vma;
	nv->vm_start = new_addr;
	nv->vm_end = new_addr + new_len;
	nv->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	nv->mapping = NULL;
	if (anon_vma_clone(m, nv, vma)) {
		vm_area_free(m, nv);
		return -ENOMEM;
	}
	nv->mapping = vma->mapping;
	if (vma_link_file(m, nv)) {
		nv->mapping = NULL;
		vm_area_free(m, nv);
		return -ENOMEM;
	}
	if (vma_insert(mm, nv)) {
		vm_area_free(m, nv);
		return -ENOMEM;
	}
	move_ptes(mm, addr, new_addr, old_len);
	mm->total_vm += new_len >> PAGE_SHIFT;
	if (locked)
		mm->locked_vm += new_len >> PAGE_SHIFT;
	err = do_munmap(m, t, addr, old_len);
	if (err)
		return err;
	vma_try_merge_around(m, mm, (unsigned int)find_vma_index(mm, new_addr));
	if (locked)
		__mm_populate(m, t, new_addr + old_len, new_len - old_len, true);
	*result = new_addr;
	return 0;
}

int unev_sys_mremap(struct unev_machine *m, int pid, uint64_t addr, uint64_t old_len,
		    uint64_t new_len, int flags, uint64_t new_addr, uint64_t *result)
{
	int ret = unev_sys_mremap_call(m, pid, addr, old_len, new_len, flags, new_addr, result);

	syscall_exit(m);
	return ret;
}
