/*
 * msync.c - msync(2) (mm/msync.c): the order of its checks, the VM_LOCKED
 * refusal of MS_INVALIDATE (EBUSY), and MS_SYNC's writeback of a shared
 * file mapping.
 *
 * MS_INVALIDATE does nothing else on 6.x (the page cache is coherent);
 * MS_ASYNC does nothing at all.  MS_SYNC on a VM_SHARED VMA of a file runs
 * vfs_fsync_range: a disk file's dirty folios in the range are written back
 * (folio_clear_dirty_for_io -> folio_mkclean: every PTE mapping one is made
 * clean and read-only, so the next write faults again); tmpfs, ramfs and
 * shared anonymous memory have nothing to write (noop_fsync).
 */
#include "internal.h"

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/* folio_mkclean's page_vma_mkclean_one for one PTE */
static int mkclean_one(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma,
		       uint64_t addr, uint64_t *pte, void *arg)
{
	(void)m;
	(void)f;
	(void)addr;
	(void)arg;
	if ((vma->vm_flags & VM_SHARED) && (*pte & (PTE_DIRTY | PTE_WRITE)))
		*pte &= ~(PTE_DIRTY | PTE_WRITE);
	return 0;
}

/* whether a PTE of a shared mapping has dirtied @f (the kernel marks the
 * folio dirty at the write fault; the model keeps it in the PTE) */
static int pte_dirtied(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma,
		       uint64_t addr, uint64_t *pte, void *arg)
{
	(void)m;
	(void)f;
	(void)addr;
	(void)arg;
	return (vma->vm_flags & VM_SHARED) && (*pte & PTE_DIRTY);
}

/* vfs_fsync_range of [fstart, fend] (bytes, inclusive) of a disk file:
 * write back each dirty folio (filemap_write_and_wait_range) */
static int vfs_fsync_range(struct unev_machine *m, struct address_space *as, uint64_t fstart,
			   uint64_t fend)
{
	if (as->kind != MAPPING_DISK)
		return 0;	/* shmem_fsync / noop_fsync */
	for (uint64_t idx = fstart >> PAGE_SHIFT; idx <= fend >> PAGE_SHIFT; idx++) {
		uint32_t e = cache_entry(as, idx);
		struct folio *f;

		if (!cache_entry_is_folio(e) || e == PFN_NIL)
			continue;
		f = pfn_to_page(m, e);
		/* every page of a large folio: any of its PTEs may be dirty,
		 * and folio_mkclean cleans them all */
		if (!folio_test(f, PG_dirty) && !rmap_walk_every_pte(m, f, pte_dirtied, NULL))
			continue;
		folio_clear(f, PG_dirty | PG_reclaim);
		rmap_walk_every_pte(m, f, mkclean_one, NULL);
	}
	return 0;
}

static int unev_sys_msync_call(struct unev_machine *m, int pid, uint64_t start, uint64_t len,
			       int flags)
{
	struct task_struct *t = task_lookup(m, pid);
	struct vm_area_struct *vma;
	int unmapped_error = 0;
	uint64_t end;

	if (!t)
		return -ESRCH;
	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (offset_in_page(start))
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	len = (len + PAGE_SIZE - 1) & PAGE_MASK;
	end = start + len;
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	/* a hole is skipped and reported at the end; MS_ASYNC alone stops there */
	vma = find_vma(t->mm, start);
	for (;;) {
		uint64_t fstart, fend;

		if (!vma)
			return -ENOMEM;
		if (start < vma->vm_start) {
			if (flags == MS_ASYNC)
				return -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				return -ENOMEM;
			unmapped_error = -ENOMEM;
		}
		if ((flags & MS_INVALIDATE) && (vma->vm_flags & VM_LOCKED))
			return -EBUSY;
		fstart = (start - vma->vm_start) + (vma->vm_pgoff << PAGE_SHIFT);
		fend = fstart + ((end < vma->vm_end ? end : vma->vm_end) - start) - 1;
		start = vma->vm_end;
		if ((flags & MS_SYNC) && vma->mapping && (vma->vm_flags & VM_SHARED)) {
			int err = vfs_fsync_range(m, vma->mapping, fstart, fend);

			if (err || start >= end)
				return err ? err : unmapped_error;
		} else if (start >= end) {
			return unmapped_error;
		}
		vma = find_vma(t->mm, start);
	}
}

int unev_sys_msync(struct unev_machine *m, int pid, uint64_t start, uint64_t len, int flags)
{
	int ret = unev_sys_msync_call(m, pid, start, len, flags);

	syscall_exit(m);
	return ret;
}
