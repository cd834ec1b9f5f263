/*
 * mprotect.c - mprotect (mm/mprotect.c)
 */
#include "internal.h"

/* mprotect_fixup: a VM_LOCKED private VMA gaining write has its COW broken
 * now by populate_vma_page_range, so the locked pages stay resident. */
static int mprotect_fixup(struct unev_machine *m, struct mm_struct *mm,
			  struct vm_area_struct *vma, uint64_t start, uint64_t end,
			  uint64_t newflags)
{
	uint64_t oldflags = vma->vm_flags;
	int idx;

	/* a private mapping that becomes writable is charged now and marked
	 * VM_ACCOUNT (as mmap_region would have); losing write keeps it, but
	 * for an anonymous VMA never written (no anon_vma), which gives the
	 * charge back: VM_ACCOUNT decides merges (observed:
	 * mprotect_touched_merges_into_untouched.uvs) */
	if (newflags & VM_WRITE) {
		if (!(oldflags & (VM_ACCOUNT | VM_WRITE | VM_HUGETLB | VM_SHARED | VM_NORESERVE)))
			newflags |= VM_ACCOUNT;
	} else if ((oldflags & VM_ACCOUNT) && !vma->mapping && !vma->anon_vma &&
		   m->profile->mprotect_unaccounts_unfaulted) {
		newflags &= ~VM_ACCOUNT;
	}
	if (newflags == oldflags)
		return 0;
	vma = vma_modify_flags(m, mm, vma, start, end, newflags, newflags);
	if (!vma)
		return -ENOMEM;
	if (!(newflags & VM_WRITE)) {	/* change_protection: write-protect */
		for (uint64_t a = start; a < end; a += PAGE_SIZE) {
			uint64_t *pte = pte_lookup(mm, a, false);

			if (pte)
				*pte &= ~PTE_WRITE;
		}
	}
	if ((oldflags & (VM_WRITE | VM_SHARED | VM_LOCKED)) == VM_LOCKED && (newflags & VM_WRITE))
		populate_vma_page_range(m, vma, start, end);
	idx = find_vma_index(mm, start);
	vma_try_merge_around(m, mm, (unsigned int)idx);
	return 0;
}

static int unev_sys_mprotect_call(struct unev_machine *m, int pid, uint64_t start, uint64_t len, int prot)
{
	struct task_struct *t = task_lookup(m, pid);
	uint64_t end, pos;

	if (!t)
		return -ESRCH;
	if (offset_in_page(start))
		return -EINVAL;
	if (!len)
		return 0;
	len = PAGE_ALIGN(len);
	end = start + len;
	if (end <= start)
		return -ENOMEM;
	if (prot & ~(UNEV_PROT_READ | UNEV_PROT_WRITE | UNEV_PROT_EXEC))
		return -EINVAL;
	pos = start;
	while (pos < end) {
		struct vm_area_struct *vma = find_vma(t->mm, pos);
		uint64_t newflags, tmp;
		int err;

		if (!vma || vma->vm_start > pos)
			return -ENOMEM;
		newflags = calc_vm_prot_bits(prot) | (vma->vm_flags & ~VM_ACCESS_FLAGS);
		/* newflags >> 4 shift VM_MAY% in place of VM_% */
		if ((newflags & ~(newflags >> 4)) & VM_ACCESS_FLAGS)
			return -EACCES;
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = mprotect_fixup(m, t->mm, vma, pos, tmp, newflags);
		if (err)
			return err;
		pos = tmp;
	}
	return 0;
}

int unev_sys_mprotect(struct unev_machine *m, int pid, uint64_t start, uint64_t len, int prot)
{
	int ret = unev_sys_mprotect_call(m, pid, start, len, prot);

	syscall_exit(m);
	return ret;
}
