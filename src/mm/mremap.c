/*
 * mremap.c - mremap (mm/mremap.c)
 */
#include "internal.h"

/* move_page_tables: PTEs move with no rmap change, so no counter moves and
 * mlock_count is kept (KERNEL-SEMANTICS 5, mremap).  A THP's PMD moves
 * whole when both addresses are PMD-aligned and the range covers it
 * (move_huge_pmd); otherwise it is split first (split_huge_pmd). */
static void move_ptes(struct unev_machine *m, struct vm_area_struct *vma, uint64_t old_addr,
		      uint64_t new_addr, uint64_t len)
{
	struct mm_struct *mm = vma->mm;

	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *src = pte_lookup(mm, old_addr + off, false), *dst;

		if (!src || !(*src & (PTE_PRESENT | PTE_SWAP | PTE_GUARD)))
			continue;
		if ((*src & PTE_PMD) &&
		    ((((old_addr + off) | (new_addr + off)) & ~HPAGE_MASK) || len - off < HPAGE_SIZE))
			split_huge_pmd_address(m, vma, old_addr + off);
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

/* One mremap: the user's arguments, as struct vma_remap_struct keeps them. */
struct remap {
	struct unev_machine *m;
	struct task_struct *t;
	uint64_t addr, old_len, new_len, new_addr;
	int flags;
	bool mlocked;	/* the VMA moved or grown was VM_LOCKED: populate */
};

static bool remap_implies_new_addr(const struct remap *r)
{
	return (r->flags & (UNEV_MREMAP_FIXED | UNEV_MREMAP_DONTUNMAP)) != 0;
}

/*
 * check_mremap_params: the checks made before mmap_lock, all EINVAL but
 * the map count.  MREMAP_DONTUNMAP asks for MREMAP_MAYMOVE as MREMAP_FIXED
 * does, and for equal lengths (as the caller gave them before 6.17, page
 * aligned since: profile mremap_checks_first; the caller aligns them).
 */
static int check_mremap_params(const struct remap *r)
{
	if (r->flags & ~(UNEV_MREMAP_MAYMOVE | UNEV_MREMAP_FIXED | UNEV_MREMAP_DONTUNMAP))
		return -EINVAL;
	if (offset_in_page(r->addr))
		return -EINVAL;
	if (!PAGE_ALIGN(r->new_len))
		return -EINVAL;
	if (!remap_implies_new_addr(r))
		return 0;
	if (offset_in_page(r->new_addr))
		return -EINVAL;
	if (!(r->flags & UNEV_MREMAP_MAYMOVE))
		return -EINVAL;
	if ((r->flags & UNEV_MREMAP_DONTUNMAP) && r->old_len != r->new_len)
		return -EINVAL;
	/* the worst case splits both ranges in three: map_count + 2 must stay
	 * below max_map_count - 3 (added up here: a limit below 3 wraps not) */
	if (r->t->mm->nr_vmas + 2 + 3 >= r->m->max_map_count)
		return -ENOMEM;
	return 0;
}

/* mremap_to's first checks: the new range below TASK_SIZE and apart from
 * the old one (EINVAL). */
static int check_new_range(const struct remap *r)
{
	if (r->new_len > TASK_SIZE || r->new_addr > TASK_SIZE - r->new_len)
		return -EINVAL;
	if (r->addr + r->old_len > r->new_addr && r->new_addr + r->new_len > r->addr)
		return -EINVAL;
	return 0;
}

/*
 * check_prep_vma (vma_to_resize before 6.15, remap_is_valid until 6.17):
 * may @vma's range move or grow?  MREMAP_DONTUNMAP refuses VM_DONTEXPAND
 * and VM_PFNMAP (and before 5.13, every VMA but a private anonymous one:
 * profile mremap_dontunmap_anon_only); a range past the VMA's end is
 * EFAULT; a change of length asks RLIMIT_MEMLOCK for the difference if
 * the VMA is locked (EAGAIN).
 */
static int check_prep_vma(const struct remap *r, const struct vm_area_struct *vma)
{
	if (!r->old_len && !(vma->vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if ((r->flags & UNEV_MREMAP_DONTUNMAP) &&
	    ((vma->vm_flags & (VM_DONTEXPAND | VM_PFNMAP)) ||
	     (r->m->profile->mremap_dontunmap_anon_only &&
	      (vma->mapping || (vma->vm_flags & VM_SHARED)))))
		return -EINVAL;
	if (r->old_len > vma->vm_end - r->addr)
		return -EFAULT;
	/* only growth is checked further: a MREMAP_FIXED shrink of a locked
	 * VMA at its RLIMIT_MEMLOCK succeeds (seen on 6.18) */
	if (r->new_len <= r->old_len)
		return 0;
	if (vma->vm_flags & VM_DONTEXPAND)
		return -EFAULT;
	if (!mlock_future_ok(r->t, vma->vm_flags, r->new_len - r->old_len))
		return -EAGAIN;
	return 0;
}

/*
 * dontunmap_complete: the source VMA stays, empty: it loses VM_LOCKED,
 * VM_LOCKONFAULT and VM_ACCOUNT (no munlock: its pages went with the page
 * tables) and, when the whole VMA moved, its anon_vma links; an anonymous
 * one gets the page offset of an unfaulted VMA.  locked_vm is not given
 * back: the new VMA's pages stand for the old one's charge, except on 6.18,
 * which charges the new VMA as well (profile mremap_dontunmap_charges_locked)
 * and never returns the old charge (seen: VmLck 64 kB after munmap of all).
 */
static void dontunmap_complete(struct remap *r, struct vm_area_struct *vma)
{
	vma->vm_flags &= ~(VM_LOCKED_MASK | VM_ACCOUNT);
	if (vma->vm_start == r->addr && vma->vm_end == r->addr + r->old_len) {
		unlink_anon_vmas(r->m, vma);
		vma->anon_vma = 0;
		if (!vma->mapping)
			vma->vm_pgoff = vma->vm_start >> PAGE_SHIFT;
	}
}

/*
 * move_vma: copy_vma at r->new_addr, move the page tables, then unmap the
 * source (munmap's munlock of what is left there: nothing, the pages moved)
 * or, with MREMAP_DONTUNMAP, keep it empty.  total_vm and locked_vm count
 * the new VMA (vrm_stat_account).
 */
static int move_vma(struct remap *r, struct vm_area_struct *vma)
{
	struct mm_struct *mm = r->t->mm;
	struct vm_area_struct *nv;
	bool dontunmap = (r->flags & UNEV_MREMAP_DONTUNMAP) != 0;
	bool charges = r->m->profile->mremap_dontunmap_charges_locked;
	int idx, err;

	/* prep_move_vma keeps room for the unmap's splits (one VMA into three) */
	if (mm->nr_vmas + 3 >= r->m->max_map_count)
		return -ENOMEM;
	/* MREMAP_DONTUNMAP of part of a locked VMA splits it first so that
	 * only the range moved loses VM_LOCKED (6.12, 7.x; not 5.10, 6.1 or
	 * 6.18, where the pages left in the VMA stay mlocked) */
	if (dontunmap && (vma->vm_flags & VM_LOCKED) &&
	    r->m->profile->mremap_dontunmap_splits_locked) {
		idx = find_vma_index(mm, vma->vm_start);
		if (vma->vm_start != r->addr) {
			err = vma_split(r->m, mm, (unsigned int)idx, r->addr);
			if (err)
				return err;
			idx++;
		}
		if (mm->vmas[idx]->vm_end != r->addr + r->old_len) {
			err = vma_split(r->m, mm, (unsigned int)idx, r->addr + r->old_len);
			if (err)
				return err;
		}
		vma = mm->vmas[idx];
	}
	nv = vm_area_alloc(mm);
	if (!nv)
		return -ENOMEM;
	*nv = *vma;
	nv->vm_start = r->new_addr;
	nv->vm_end = r->new_addr + r->new_len;
	nv->vm_pgoff = vma->vm_pgoff + ((r->addr - vma->vm_start) >> PAGE_SHIFT);
	nv->mapping = NULL;
	if (anon_vma_clone(r->m, nv, vma)) {
		vm_area_free(r->m, nv);
		return -ENOMEM;
	}
	nv->mapping = vma->mapping;
	if (vma_link_file(r->m, nv)) {
		nv->mapping = NULL;
		vm_area_free(r->m, nv);
		return -ENOMEM;
	}
	if (vma_insert(mm, nv)) {
		vm_area_free(r->m, nv);
		return -ENOMEM;
	}
	move_ptes(r->m, vma, r->addr, r->new_addr, r->old_len);
	mm->total_vm += r->new_len >> PAGE_SHIFT;
	r->mlocked = (vma->vm_flags & VM_LOCKED) != 0;
	if (r->mlocked && (!dontunmap || charges))
		mm->locked_vm += r->new_len >> PAGE_SHIFT;
	if (dontunmap) {
		/* the old VMA's charge stays while it loses VM_LOCKED; without
		 * the new VMA's own charge, the new VMA stands for part of it */
		if (r->mlocked)
			mm->locked_vm_unbacked += vma_pages(vma) - (charges ? 0 : r->new_len >> PAGE_SHIFT);
		dontunmap_complete(r, vma);
	} else {
		err = do_munmap(r->m, r->t, r->addr, r->old_len);
		if (err)
			return err;
	}
	vma_try_merge_around(r->m, mm, (unsigned int)find_vma_index(mm, r->new_addr));
	return 0;
}

/* vma_lookup: the VMA holding @addr, or NULL. */
static struct vm_area_struct *vma_lookup(struct mm_struct *mm, uint64_t addr)
{
	struct vm_area_struct *vma = find_vma(mm, addr);

	return vma && vma->vm_start <= addr ? vma : NULL;
}

/*
 * mremap_to: MREMAP_FIXED or MREMAP_DONTUNMAP.  MREMAP_FIXED unmaps
 * whatever lies at the new address first, as MAP_FIXED does (its pages
 * munlocked through the batch, not drained), and that stays done whatever
 * fails after; a shrink unmaps the tail.  Before 6.17 (profile
 * mremap_checks_first false) the checks of check_prep_vma come only now,
 * after both unmaps, with the shrunk length.
 */
static int mremap_to(struct remap *r)
{
	struct mm_struct *mm = r->t->mm;
	struct vm_area_struct *vma;
	int err;

	if (!r->m->profile->mremap_checks_first) {
		err = check_new_range(r);
		if (err)
			return err;
	}
	if (r->flags & UNEV_MREMAP_FIXED) {
		err = do_munmap(r->m, r->t, r->new_addr, r->new_len);
		if (err)
			return err;
	}
	if (r->old_len > r->new_len) {
		err = do_munmap(r->m, r->t, r->addr + r->new_len, r->old_len - r->new_len);
		if (err)
			return err;
		r->old_len = r->new_len;
	}
	vma = vma_lookup(mm, r->addr);	/* the unmaps may have split it */
	if (!vma)
		return -EFAULT;
	if (!r->m->profile->mremap_checks_first) {
		err = check_prep_vma(r, vma);
		if (err)
			return err;
	}
	if (!(r->flags & UNEV_MREMAP_FIXED)) {
		/* MREMAP_DONTUNMAP alone: new_addr is a hint, which the model
		 * does not follow (top-down placement, as for mmap) */
		err = get_unmapped_area(mm, r->new_len, &r->new_addr);
		if (err)
			return err;
	}
	return move_vma(r, vma);
}

/*
 * vma_multi_allowed: a VMA that may move with others - not a file whose
 * file_operations have a get_unmapped_area of their own, which might place
 * it elsewhere than asked: of the model's file systems only ramfs
 * (ramfs_mmu_get_unmapped_area); ext4, tmpfs and anonymous memory may
 * (seen on 6.18: EFAULT for a ramfs VMA in the range, 0 for ext4).
 */
static bool vma_multi_allowed(const struct vm_area_struct *vma)
{
	return !vma->mapping || vma->mapping->kind != MAPPING_RAMFS;
}

/*
 * remap_move (6.17+, profile mremap_moves_many_vmas): MREMAP_FIXED without
 * a change of length moves every VMA in [addr, addr + old_len), one after
 * the other, keeping the gaps between them; a gap at the start is EFAULT,
 * as is no VMA at all.  Each piece is a mremap_to of its own (its
 * destination unmapped first); a failure leaves the pieces before it
 * moved.
 */
static int remap_move(struct remap *r)
{
	struct mm_struct *mm = r->t->mm;
	uint64_t start = r->addr, end = r->addr + r->old_len, cursor = start;
	uint64_t target = r->new_addr, last_end = 0, res = 0;
	bool seen = false;
	struct vm_area_struct *vma;
	int err;

	while (cursor < end && (vma = find_vma(mm, cursor)) && vma->vm_start < end) {
		struct remap piece = *r;

		if (!seen && start < vma->vm_start)
			return -EFAULT;
		piece.addr = vma->vm_start > start ? vma->vm_start : start;
		piece.old_len = piece.new_len = (vma->vm_end < end ? vma->vm_end : end) - piece.addr;
		piece.new_addr = target + (seen ? vma->vm_start - last_end : 0);
		last_end = vma->vm_end;
		if (!vma_multi_allowed(vma) && (seen || vma->vm_end < end))
			return -EFAULT;
		err = check_prep_vma(&piece, vma);
		if (!err)
			err = mremap_to(&piece);
		if (err)
			return err;
		if (!seen)
			res = piece.new_addr;
		seen = true;
		target = piece.new_addr + piece.new_len;
		cursor = piece.addr + piece.old_len;
	}
	if (!seen)
		return -EFAULT;
	r->new_addr = res;
	return 0;
}

/* mremap_at: no new address: shrink, or grow in place, else move. */
static int mremap_at(struct remap *r, struct vm_area_struct *vma)
{
	struct mm_struct *mm = r->t->mm;
	uint64_t delta;
	int err, idx;

	if (r->old_len >= r->new_len) {	/* shrink: munmap of the tail munlocks it */
		if (r->old_len != r->new_len) {
			err = do_munmap(r->m, r->t, r->addr + r->new_len, r->old_len - r->new_len);
			if (err)
				return err;
		}
		r->new_addr = r->addr;
		return 0;
	}
	if (!r->m->profile->mremap_checks_first) {
		err = check_prep_vma(r, vma);
		if (err)
			return err;
	}
	delta = r->new_len - r->old_len;
	/* with or without MREMAP_MAYMOVE, growing in place comes first */
	if (r->old_len == vma->vm_end - r->addr) {
		idx = find_vma_index(mm, r->addr);
		if (vma_expandable(mm, (unsigned int)idx, delta)) {
			vma->vm_end += delta;
			mm->total_vm += delta >> PAGE_SHIFT;
			r->mlocked = (vma->vm_flags & VM_LOCKED) != 0;
			if (r->mlocked)
				mm->locked_vm += delta >> PAGE_SHIFT;
			vma_try_merge_around(r->m, mm, (unsigned int)idx);
			r->new_addr = r->addr;
			return 0;
		}
	}
	if (!(r->flags & UNEV_MREMAP_MAYMOVE))
		return -ENOMEM;
	err = get_unmapped_area(mm, r->new_len, &r->new_addr);
	if (err)
		return err;
	return move_vma(r, vma);
}

/*
 * do_mremap.  6.17 (profile mremap_checks_first) made three changes the
 * caller sees: the lengths are page-aligned before check_mremap_params (so
 * MREMAP_DONTUNMAP takes lengths equal once aligned) and the new range is
 * checked there too; check_prep_vma runs before anything is unmapped (a
 * MREMAP_FIXED that fails RLIMIT_MEMLOCK leaves the destination mapped);
 * and a move without a change of length may span several VMAs
 * (mremap_moves_many_vmas).
 */
static int unev_sys_mremap_call(struct unev_machine *m, int pid, uint64_t addr, uint64_t old_len,
		                uint64_t new_len, int flags, uint64_t new_addr, uint64_t *result)
{
	struct task_struct *t = task_lookup(m, pid);
	bool first = m->profile->mremap_checks_first;
	struct vm_area_struct *vma;
	struct remap r = {
		.m = m, .t = t, .addr = addr, .old_len = old_len, .new_len = new_len,
		.new_addr = new_addr, .flags = flags,
	};
	int err;

	if (!t)
		return -ESRCH;
	if (first) {
		r.old_len = PAGE_ALIGN(old_len);
		r.new_len = PAGE_ALIGN(new_len);
	}
	err = check_mremap_params(&r);
	if (!err && first && remap_implies_new_addr(&r))
		err = check_new_range(&r);
	if (err)
		return err;
	r.old_len = PAGE_ALIGN(old_len);
	r.new_len = PAGE_ALIGN(new_len);
	if (m->profile->mremap_moves_many_vmas && (flags & UNEV_MREMAP_FIXED) &&
	    r.old_len == r.new_len) {
		err = remap_move(&r);
		goto out;
	}
	/* vma_lookup before anything else looks at the range: no VMA at addr
	 * is EFAULT, even for a shrink (which would unmap whatever lies past).
	 * Before 5.19's mremap rework (profile mremap_shrink_before_lookup),
	 * a shrink munmaps the tail first and never looks (a hole gives 0),
	 * and mremap_to unmaps the new range before vma_to_resize looks. */
	vma = vma_lookup(t->mm, addr);
	if (!vma && (!m->profile->mremap_shrink_before_lookup ||
		     (!remap_implies_new_addr(&r) && r.old_len < r.new_len)))
		return -EFAULT;
	if (vma && first && (remap_implies_new_addr(&r) || r.new_len > r.old_len)) {
		err = check_prep_vma(&r, vma);
		if (err)
			return err;
	}
	err = remap_implies_new_addr(&r) ? mremap_to(&r) : mremap_at(&r, vma);
out:
	if (err)
		return err;
	/* do_mremap: a locked VMA that grew is populated past its old length */
	if (r.mlocked && r.new_len > r.old_len)
		__mm_populate(m, t, r.new_addr + r.old_len, r.new_len - r.old_len, true);
	*result = r.new_addr;
	return 0;
}

int unev_sys_mremap(struct unev_machine *m, int pid, uint64_t addr, uint64_t old_len,
		    uint64_t new_len, int flags, uint64_t new_addr, uint64_t *result)
{
	int ret = unev_sys_mremap_call(m, pid, addr, old_len, new_len, flags, new_addr, result);

	syscall_exit(m);
	return ret;
}
