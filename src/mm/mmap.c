/*
 * mmap.c - the mm_struct, mmap, brk, exit_mmap and dup_mmap (mm/mmap.c;
 * dup_mmap of kernel/fork.c).  The VMA tree is vma.c's; mprotect,
 * mremap and madvise have their own files as in mm/.
 */
#include "internal.h"

struct mm_struct *mm_alloc(void)
{
	struct mm_struct *mm = calloc(1, sizeof(*mm));

	if (!mm)
		return NULL;
	mm->start_brk = mm->brk = BRK_START;
	return mm;
}

/*
 * unmapped_area_topdown: the highest gap below the mmap base that fits.  A
 * search for more than the largest gap a previous one passed over starts
 * below it (gap_cache_*), as the maple tree skips subtrees whose largest
 * gap is too small; the answer is the same as a search from the top.
 */
int get_unmapped_area(struct mm_struct *mm, uint64_t len, uint64_t *addr)
{
	uint64_t gap_end = MMAP_BASE, max_seen = 0;
	int i = (int)mm->nr_vmas - 1;

	if (mm->gap_cache_valid && len > mm->gap_cache_max) {
		int j = find_vma_index(mm, mm->gap_cache_addr);

		gap_end = mm->gap_cache_addr;
		max_seen = mm->gap_cache_max;
		/* the first VMA reaching past gap_end, if it starts below it */
		if (j >= 0)
			i = mm->vmas[j]->vm_start < gap_end ? j : j - 1;
	}
	for (; i >= -1; i--) {
		uint64_t gap_start = i >= 0 ? mm->vmas[i]->vm_end : MMAP_MIN_ADDR;

		if (i >= 0 && mm->vmas[i]->vm_start >= gap_end)
			continue;
		if (gap_start <= gap_end) {
			if (gap_end - gap_start >= len) {
				*addr = gap_end - len;
				mm->gap_cache_valid = true;
				mm->gap_cache_addr = gap_end;
				mm->gap_cache_max = max_seen;
				return 0;
			}
			if (gap_end - gap_start > max_seen)
				max_seen = gap_end - gap_start;
		}
		if (i >= 0 && mm->vmas[i]->vm_start < gap_end)
			gap_end = mm->vmas[i]->vm_start;
	}
	return -ENOMEM;
}

/*
 * thp_get_unmapped_area_vmflags for an anonymous private mapping whose
 * length is a multiple of 2 MiB, or an ext4 file mapping (its
 * ->get_unmapped_area) of file offset @off: when [off, off + len) holds an
 * aligned 2 MiB of the file, a search for the length plus 2 MiB, and in it
 * the start congruent to @off modulo 2 MiB (__thp_get_unmapped_area,
 * top-down: a found start already so moves up by 2 MiB); the plain search
 * otherwise or when the padded one fails.
 */
static int thp_get_unmapped_area(struct mm_struct *mm, uint64_t len, uint64_t off, uint64_t *addr)
{
	uint64_t ret, off_sub, off_align = (off + HPAGE_SIZE - 1) & HPAGE_MASK;

	if (off + len <= off_align || off + len - off_align < HPAGE_SIZE ||
	    get_unmapped_area(mm, len + HPAGE_SIZE, &ret))
		return get_unmapped_area(mm, len, addr);
	off_sub = (off - ret) & (HPAGE_SIZE - 1);
	*addr = off_sub ? ret + off_sub : ret + HPAGE_SIZE;
	return 0;
}

/*
 * hugetlb_get_unmapped_area (top-down, align_mask of a huge page): the
 * highest gap that holds the length plus the worst alignment waste, and in
 * it the highest huge-aligned start (unmapped_area_topdown).
 */
static int hugetlb_get_unmapped_area(struct mm_struct *mm, uint64_t len, uint64_t *addr)
{
	uint64_t search = len + HPAGE_SIZE - PAGE_SIZE, gap;
	int err;

	if (search < len)
		return -ENOMEM;
	err = get_unmapped_area(mm, search, &gap);
	if (err)
		return err;
	*addr = (gap + search - len) & HPAGE_MASK;
	return 0;
}

static bool is_file_hugepages(const struct address_space *file)
{
	return file && file->kind == MAPPING_HUGETLB;
}

/* mmap_region: create the VMA (merging with a compatible neighbour),
 * charge locked_vm unless mlock is unsupported there. */
static int mmap_region(struct unev_machine *m, struct task_struct *t, uint64_t addr,
		       uint64_t len, uint64_t vm_flags, uint64_t pgoff,
		       struct address_space *file, int shm_id)
{
	struct mm_struct *mm = t->mm;
	struct vm_area_struct *vma;

	if (file && file->kind == MAPPING_SECRETMEM) {
		int err = secretmem_mmap(m, t, len, &vm_flags);

		if (err)
			return err;
	}
	vma = vm_area_alloc(mm);
	if (!vma)
		return -ENOMEM;
	vma->vm_start = addr;
	vma->vm_end = addr + len;
	vma->vm_flags = vm_flags;
	vma->vm_pgoff = pgoff;
	vma->shm_id = shm_id;
	if (!file && (vm_flags & VM_SHARED)) {	/* shmem_zero_setup */
		file = shmem_object_create(m, len);
		if (!file) {
			free(vma);
			return -ENOMEM;
		}
		vma->mapping = file;
		if (vma_link_file(m, vma)) {
			vma->mapping = NULL;
			mapping_put(m, file);
			free(vma);
			return -ENOMEM;
		}
		mapping_put(m, file);	/* the VMA holds it now */
	} else if (file) {
		int err;

		vma->mapping = file;
		if (vma_link_file(m, vma)) {
			free(vma);
			return -ENOMEM;
		}
		/* call_mmap -> hugetlbfs_file_mmap: flags and reservation;
		 * a device's mmap: its flags (and its pages, VM_MIXEDMAP) */
		err = is_file_hugepages(file) ? hugetlb_reserve_vma(m, vma)
		    : file->kind == MAPPING_DRIVER ? driver_mmap(m, vma) : 0;
		if (err) {
			vm_area_free(m, vma);
			return err;
		}
	}
	if (vma_insert(mm, vma)) {
		vm_area_free(m, vma);
		return -ENOMEM;
	}
	mm->total_vm += len >> PAGE_SHIFT;
	if (vm_flags & VM_LOCKED) {
		if (!vma_supports_mlock(vma))
			vma->vm_flags &= ~VM_LOCKED_MASK;
		else
			mm->locked_vm += len >> PAGE_SHIFT;
	}
	vma_try_merge_around(m, mm, (unsigned int)find_vma_index(mm, addr));
	return 0;
}

/*
 * __get_unmapped_area with MAP_FIXED: the address as given, if the range
 * fits below TASK_SIZE (ENOMEM) and starts on a page (EINVAL);
 * MAP_FIXED_NOREPLACE then refuses a range any VMA overlaps (EEXIST).
 */
static int get_unmapped_area_fixed(struct mm_struct *mm, uint64_t addr, uint64_t len, int flags)
{
	struct vm_area_struct *vma;

	if (addr > TASK_SIZE - len)
		return -ENOMEM;
	if (offset_in_page(addr))
		return -EINVAL;
	if (!(flags & UNEV_MAP_FIXED_NOREPLACE))
		return 0;
	vma = find_vma(mm, addr);	/* find_vma_intersection */
	return vma && vma->vm_start < addr + len ? -EEXIST : 0;
}

/* do_mmap: the order of checks of mm/mmap.c; anonymous when @file is NULL.
 * @fmode_write: the file was opened for writing (FMODE_WRITE); a shared
 * mapping of one that was not (a SHM_RDONLY attach) may never write, so it
 * loses VM_MAYWRITE and VM_SHARED and keeps VM_MAYSHARE. */
static int do_mmap_hugetlb(struct unev_machine *m, struct task_struct *t, uint64_t len,
			   int prot, int flags, struct address_space *file, uint64_t *result);

int do_mmap(struct unev_machine *m, struct task_struct *t, uint64_t addr, uint64_t len,
	    int prot, int flags, struct address_space *file, bool fmode_write, uint64_t off,
	    int shm_id, uint64_t *result)
{
	uint64_t vm_flags, pgoff;
	int err;

	if (flags & UNEV_MAP_HUGETLB)
		return do_mmap_hugetlb(m, t, len, prot, flags, file, result);
	if (!len)
		return -EINVAL;
	if (flags & UNEV_MAP_FIXED_NOREPLACE)
		flags |= UNEV_MAP_FIXED;
	len = PAGE_ALIGN(len);
	if (!len || len > TASK_SIZE)
		return -ENOMEM;
	if (offset_in_page(off))
		return -EINVAL;
	if ((off >> PAGE_SHIFT) + (len >> PAGE_SHIFT) < (off >> PAGE_SHIFT))
		return -EOVERFLOW;
	/* "Too many mappings?": '>', so the last mapping may take the count
	 * one past the limit */
	if (t->mm->nr_vmas > m->max_map_count)
		return -ENOMEM;
	if (flags & UNEV_MAP_FIXED) {
		err = get_unmapped_area_fixed(t->mm, addr, len, flags);
		if (err)
			return err;
	} else {
		/* a hint is not modelled: top-down placement (huge-aligned
		 * for a hugetlb file) */
		err = is_file_hugepages(file) ? hugetlb_get_unmapped_area(t->mm, len, &addr)
		      : (!file && !(flags & UNEV_MAP_SHARED) && !(len & ~HPAGE_MASK) &&
			 m->profile->thp_aligns_anon_mmap) ||
				      (file && file->kind == MAPPING_DISK &&
				       m->profile->thp_aligns_file_mmap)
			      ? thp_get_unmapped_area(t->mm, len, file ? off : 0, &addr)
			      : get_unmapped_area(t->mm, len, &addr);
		if (err)
			return err;
	}
	vm_flags = calc_vm_prot_bits(prot) | t->mm->def_flags | VM_MAYREAD | VM_MAYWRITE |
		   VM_MAYEXEC;
	if (flags & UNEV_MAP_LOCKED) {
		if (!can_do_mlock(t))
			return -EPERM;
		vm_flags |= VM_LOCKED;
	}
	if (!mlock_future_ok(t, vm_flags, len))
		return -EAGAIN;
	switch (flags & UNEV_MAP_TYPE) {
	case UNEV_MAP_SHARED:
		if (file && (prot & UNEV_PROT_WRITE) && !fmode_write)
			return -EACCES;
		pgoff = file ? off >> PAGE_SHIFT : 0;
		vm_flags |= VM_SHARED | VM_MAYSHARE;
		if (file && !fmode_write)
			vm_flags &= ~(VM_MAYWRITE | VM_SHARED);
		break;
	case UNEV_MAP_DROPPABLE:
		/* anonymous only (a file's switch has no such case), 6.11+
		 * (before, the type was unknown: the default's EINVAL); never
		 * locked, so MAP_LOCKED is refused here, after mlock_future_ok
		 * and can_do_mlock above had their say */
		if (file || !m->profile->has_map_droppable)
			return -EINVAL;
		if (flags & (UNEV_MAP_LOCKED | UNEV_MAP_HUGETLB))
			return -EINVAL;
		vm_flags |= VM_DROPPABLE | VM_NORESERVE | VM_WIPEONFORK | VM_DONTDUMP;
		pgoff = addr >> PAGE_SHIFT;
		break;
	case UNEV_MAP_PRIVATE:
		pgoff = file ? off >> PAGE_SHIFT : addr >> PAGE_SHIFT;
		break;
	default:
		return -EINVAL;
	}
	/* mmap_region: accountable_mapping, a private writable mapping is
	 * charged to overcommit and marked VM_ACCOUNT, which it keeps when it
	 * loses write (mprotect): it merges only with VMAs that have it too;
	 * a hugetlbfs file is accounted by its reservation instead */
	if ((vm_flags & (VM_NORESERVE | VM_SHARED | VM_WRITE)) == VM_WRITE &&
	    !is_file_hugepages(file))
		vm_flags |= VM_ACCOUNT;
	/* __mmap_prepare: MAP_FIXED over VMAs unmaps them first (their pages
	 * zapped and munlocked through the batch, not drained; locked_vm and
	 * total_vm lose them), after every check above saw them in place */
	if (flags & UNEV_MAP_FIXED) {
		err = do_munmap(m, t, addr, len);
		if (err)
			return err;
	}
	err = mmap_region(m, t, addr, len, vm_flags, pgoff, file, shm_id);
	if (err)
		return err;
	/* vm_mmap_pgoff: populate VM_LOCKED or MAP_POPULATE, errors ignored;
	 * do_mmap's own vm_flags decide, so a droppable mapping made under
	 * mlockall(MCL_FUTURE) is populated though its VMA lost VM_LOCKED */
	if ((vm_flags & VM_LOCKED) || (flags & UNEV_MAP_POPULATE))
		__mm_populate(m, t, addr, len, true);
	*result = addr;
	return 0;
}

/*
 * ksys_mmap_pgoff with MAP_HUGETLB: only anonymous (a file that is not on
 * hugetlbfs is -EINVAL); the length is rounded up to huge pages and an
 * unlinked hugetlbfs inode of that size backs the mapping, private or
 * shared.  Its reservation is made by the mmap (hugetlb_reserve_vma).
 */
static int do_mmap_hugetlb(struct unev_machine *m, struct task_struct *t, uint64_t len,
			   int prot, int flags, struct address_space *file, uint64_t *result)
{
	uint64_t hlen = (len + HPAGE_SIZE - 1) & HPAGE_MASK;
	int err;

	if (file)
		return -EINVAL;
	if (hlen < len)
		return -EINVAL;	/* ALIGN wraps to 0: do_mmap's !len */
	err = hugetlb_file_setup(m, hlen, "/anon_hugepage (deleted)", false, &file);
	if (err)
		return err;
	err = do_mmap(m, t, 0, hlen, prot, flags & ~UNEV_MAP_HUGETLB, file, true, 0, 0, result);
	mapping_put(m, file);	/* fput: the VMA holds its own reference */
	return err;
}

static int unev_sys_mmap_call(struct unev_machine *m, int pid, uint64_t addr, uint64_t len, int prot,
		              int flags, uint64_t *result)
{
	struct task_struct *t = task_lookup(m, pid);

	if (!t)
		return -ESRCH;
	if (!(flags & UNEV_MAP_ANONYMOUS))
		return -EBADF;	/* a file needs unev_sys_mmap_file */
	return do_mmap(m, t, addr, len, prot, flags, NULL, true, 0, 0, result);
}

int unev_sys_mmap(struct unev_machine *m, int pid, uint64_t addr, uint64_t len, int prot,
		  int flags, uint64_t *result)
{
	int ret = unev_sys_mmap_call(m, pid, addr, len, prot, flags, result);

	syscall_exit(m);
	return ret;
}

static int unev_sys_mmap_file_call(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
		                   int prot, int flags, int ino, uint64_t off, uint64_t *result)
{
	struct task_struct *t = task_lookup(m, pid);
	struct address_space *file = file_lookup(m, ino);

	if (!t)
		return -ESRCH;
	if (!file || (flags & UNEV_MAP_ANONYMOUS))
		return -EBADF;
	/* the scenario's files are opened O_RDWR, as src/native opens them */
	return do_mmap(m, t, addr, len, prot, flags, file, true, off, 0, result);
}

int unev_sys_mmap_file(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
		       int prot, int flags, int ino, uint64_t off, uint64_t *result)
{
	int ret = unev_sys_mmap_file_call(m, pid, addr, len, prot, flags, ino, off, result);

	syscall_exit(m);
	return ret;
}
/* brk: growth is checked with mlock_future_ok(def_flags) and gets the
 * def_flags, so MCL_FUTURE locks and populates the new heap. */
static int unev_sys_brk_call(struct unev_machine *m, int pid, uint64_t brk, uint64_t *result)
{
	struct task_struct *t = task_lookup(m, pid);
	struct mm_struct *mm;
	uint64_t newbrk, oldbrk, flags;
	struct vm_area_struct *next;

	if (!t)
		return -ESRCH;
	mm = t->mm;
	*result = mm->brk;
	if (brk < mm->start_brk)
		return 0;
	newbrk = PAGE_ALIGN(brk);
	oldbrk = PAGE_ALIGN(mm->brk);
	if (oldbrk == newbrk) {
		mm->brk = brk;
		*result = brk;
		return 0;
	}
	if (brk <= mm->brk) {
		/* SYSCALL brk: no VMA in [newbrk, oldbrk) (the heap was
		 * munmapped): the break stays where it was (6.1+; 5.10 unmaps
		 * the range regardless and moves the break) */
		struct vm_area_struct *brkvma = find_vma(mm, newbrk);

		if (m->profile->brk_shrink_needs_vma && (!brkvma || brkvma->vm_start >= oldbrk))
			return 0;
		mm->brk = brk;
		if (do_munmap(m, t, newbrk, oldbrk - newbrk)) {
			mm->brk = *result;
			return 0;
		}
		*result = brk;
		return 0;
	}
	next = find_vma(mm, oldbrk);
	if (next && newbrk + PAGE_SIZE > next->vm_start)
		return 0;
	if (!mlock_future_ok(t, mm->def_flags, newbrk - oldbrk))
		return 0;
	if (mm->nr_vmas > m->max_map_count)	/* do_brk_flags, even to grow the heap's VMA */
		return 0;
	flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC | VM_ACCOUNT |
		mm->def_flags;
	if (mmap_region(m, t, oldbrk, newbrk - oldbrk, flags, oldbrk >> PAGE_SHIFT, NULL, 0))
		return 0;
	mm->brk = brk;
	*result = brk;
	if (mm->def_flags & VM_LOCKED)
		__mm_populate(m, t, oldbrk, newbrk - oldbrk, true);
	return 0;
}

int unev_sys_brk(struct unev_machine *m, int pid, uint64_t brk, uint64_t *result)
{
	int ret = unev_sys_brk_call(m, pid, brk, result);

	syscall_exit(m);
	return ret;
}

/* exit_mmap: on 6.18 the zap drains nothing, before or after (it dropped
 * 6.12's lru_add_drain here; observed: exit_does_not_drain.uvs); up to
 * 6.12 exit_mmap drained first and free_pages_and_swap_cache after. */
void mm_destroy(struct unev_machine *m, struct mm_struct *mm)
{
	if (!design_mlock_count(m))
		munlock_before_unmap(m, mm, 0, TASK_SIZE);
	else if (m->profile->unmap_drains_batches)
		lru_add_drain(m);
	/* unmap_vmas over every VMA, then free_pgtables and remove_vma: a
	 * shmem object is released (and truncated, which drains) only after
	 * all the zaps (issue 13) */
	for (unsigned int i = 0; i < mm->nr_vmas; i++)
		zap_page_range(m, mm->vmas[i], mm->vmas[i]->vm_start, mm->vmas[i]->vm_end);
	if (m->profile->unmap_drains_batches)	/* free_pages_and_swap_cache */
		lru_add_drain(m);
	for (unsigned int i = 0; i < mm->nr_vmas; i++)
		vm_area_free(m, mm->vmas[i]);
	free(mm->vmas_buf);
	free_pgtables(mm);
	free(mm);
}

/*
 * The task's stack (an extension, issue 11): a VM_GROWSDOWN anonymous VMA
 * that the model makes at the first growth, one page at STACK_TOP below
 * which it grows.  Live, the helper's one-page split of its [stack] VMA's
 * lowest page (docs/CONFORM.md "the stack").  It has the VM_LOCKED bits
 * mlockall(MCL_CURRENT) gave every VMA since, and its page if a populate
 * faulted it in: the same as if it had been there from the start.
 */
static int stack_vma_make(struct unev_machine *m, struct task_struct *t)
{
	struct mm_struct *mm = t->mm;
	struct vm_area_struct *vma = vm_area_alloc(mm), *above;

	if (!vma)
		return -ENOMEM;
	above = find_vma(mm, STACK_TOP - PAGE_SIZE);	/* a MAP_FIXED mapping there */
	vma->vm_start = STACK_TOP - PAGE_SIZE;
	vma->vm_end = STACK_TOP;
	vma->vm_flags = VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE | VM_MAYEXEC |
			VM_GROWSDOWN | VM_ACCOUNT | mm->stack_lock_flags;
	vma->vm_pgoff = vma->vm_start >> PAGE_SHIFT;
	if ((above && above->vm_start < STACK_TOP) || vma_insert(mm, vma)) {
		vm_area_free(m, vma);
		return -ENOMEM;
	}
	mm->stack_made = true;
	mm->total_vm++;
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm++;
	if (mm->stack_populated)
		return handle_mm_fault(m, vma, vma->vm_start, true);
	return 0;
}

/* expand_downwards + acct_stack_growth: the VMA grows to @addr, or -ENOMEM
 * (the stack_guard_gap to an accessible VMA below, RLIMIT_STACK, and for a
 * VM_LOCKED stack RLIMIT_MEMLOCK through mlock_future_ok), charged to
 * total_vm and, when locked, to locked_vm. */
static int expand_downwards(struct task_struct *t, struct vm_area_struct *vma, uint64_t addr)
{
	struct mm_struct *mm = t->mm;
	int idx = find_vma_index(mm, vma->vm_start);
	struct vm_area_struct *prev = idx > 0 ? mm->vmas[idx - 1] : NULL;
	uint64_t grow = (vma->vm_start - addr) >> PAGE_SHIFT;

	if (!(vma->vm_flags & VM_GROWSDOWN))
		return -EFAULT;
	if (prev && !(prev->vm_flags & VM_GROWSDOWN) && (prev->vm_flags & VM_ACCESS_FLAGS) &&
	    addr - prev->vm_end < STACK_GUARD_GAP)
		return -ENOMEM;
	if (grow > vma->vm_pgoff || vma->vm_end - addr > RLIMIT_STACK_DEFAULT ||
	    !mlock_future_ok(t, vma->vm_flags, grow << PAGE_SHIFT))
		return -ENOMEM;
	if (vma->vm_flags & VM_LOCKED)
		mm->locked_vm += grow;
	mm->total_vm += grow;
	vma->vm_start = addr;
	vma->vm_pgoff -= grow;
	return 0;
}

static int unev_sys_grow_stack_call(struct unev_machine *m, int pid, uint64_t len,
				    uint64_t *start, uint64_t *end)
{
	struct task_struct *t = task_lookup(m, pid);
	struct vm_area_struct *vma;
	int err = 0;

	if (!t)
		return -ESRCH;
	if (!t->mm->stack_made)
		err = stack_vma_make(m, t);
	vma = find_vma(t->mm, STACK_TOP - PAGE_SIZE);
	if (!vma || vma->vm_end != STACK_TOP || !(vma->vm_flags & VM_GROWSDOWN))
		return err ? err : -EFAULT;	/* unmapped by the scenario */
	for (uint64_t done = 0; !err && done < len; done += PAGE_SIZE) {
		uint64_t addr = vma->vm_start - PAGE_SIZE;

		/* lock_mm_and_find_vma: a fault below a VM_GROWSDOWN VMA grows
		 * it, or the program gets SIGSEGV */
		err = expand_downwards(t, vma, addr) ? -EFAULT : handle_mm_fault(m, vma, addr, true);
	}
	*start = vma->vm_start;
	*end = vma->vm_end;
	return err == -ENOMEM ? -ENOMEM : err ? -EFAULT : 0;
}

int unev_sys_grow_stack(struct unev_machine *m, int pid, uint64_t len, uint64_t *start,
			uint64_t *end)
{
	int ret = unev_sys_grow_stack_call(m, pid, len, start, end);

	syscall_exit(m);
	return ret;
}

/* dup_mmap: the child's VMAs lose VM_LOCKED, its locked_vm is 0, and only
 * VMAs with an anon_vma get their page tables copied (vma_needs_copy): the
 * rest fault in later.  Private pages become COW-shared in both. */
int dup_mmap(struct unev_machine *m, struct mm_struct *old, struct mm_struct *mm)
{
	mm->total_vm = old->total_vm;
	mm->stack_made = old->stack_made;	/* its stack is copied below */
	mm->stack_populated = old->stack_populated;
	mm->start_brk = old->start_brk;
	mm->brk = old->brk;
	for (unsigned int i = 0; i < old->nr_vmas; i++) {
		struct vm_area_struct *src = old->vmas[i];
		struct vm_area_struct *dst;
		bool cow = (src->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;

		/* VM_DONTCOPY (a perf ring): the child has no such VMA */
		if (src->vm_flags & VM_DONTCOPY) {
			mm->total_vm -= vma_pages(src);
			continue;
		}
		dst = vm_area_alloc(mm);
		if (!dst)
			return -ENOMEM;
		*dst = *src;
		dst->mm = mm;
		dst->vm_flags &= ~VM_LOCKED_MASK;
		dst->mapping = NULL;
		dst->driver_present = 0;	/* driver_dup, once it is in */
		/* VM_WIPEONFORK (a droppable VMA has it): the child's VMA starts
		 * empty, with no anon_vma and no page tables copied */
		if (src->vm_flags & VM_WIPEONFORK) {
			dst->anon_vma = 0;
			dst->avc = NULL;
			dst->nr_avc = 0;
			if (vma_insert_at(mm, mm->nr_vmas, dst)) {
				vm_area_free(m, dst);
				return -ENOMEM;
			}
			continue;
		}
		if (anon_vma_fork(m, dst, src)) {
			vm_area_free(m, dst);
			return -ENOMEM;
		}
		dst->mapping = src->mapping;
		if (vma_link_file(m, dst)) {
			dst->mapping = NULL;
			vm_area_free(m, dst);
			return -ENOMEM;
		}
		if (vma_insert_at(mm, mm->nr_vmas, dst)) {
			vm_area_free(m, dst);
			return -ENOMEM;
		}
		/* copy_page_range: a device's VMA (VM_MIXEDMAP/VM_PFNMAP) has its
		 * entries copied (vma_needs_copy) */
		if (vma_is_driver(src))
			driver_dup(dst, src);
		/* copy_hugetlb_page_range, where the profile copies hugetlb */
		if (is_vm_hugetlb_page(src)) {
			if (m->profile->fork_copies_hugetlb)
				hugetlb_copy_range(m, dst, src);
			continue;
		}
		if (!src->anon_vma)
			continue;
		for (uint64_t a = src->vm_start; a < src->vm_end; a += PAGE_SIZE) {
			uint64_t *spte = pte_lookup(old, a, false), *dpte;
			uint32_t pfn;

			if (!spte || !(*spte & (PTE_PRESENT | PTE_SWAP | PTE_GUARD)))
				continue;
			dpte = pte_lookup(mm, a, true);
			if (!dpte)
				return -ENOMEM;
			if (*spte & PTE_GUARD) {	/* copy_pte_marker: guards are kept */
				*dpte = *spte;
				continue;
			}
			if (*spte & PTE_SWAP) {	/* copy_nonpresent_pte: swap_duplicate */
				swap_entry_dup(m, *spte);
				*dpte = *spte;
				mm->swapents++;
				continue;
			}
			if (*spte & PTE_PMD) {	/* copy_huge_pmd: the THP is shared */
				copy_huge_pmd(m, mm, dpte, spte, cow);
				a |= HPAGE_SIZE - PAGE_SIZE;
				continue;
			}
			if (cow)
				*spte &= ~PTE_WRITE;
			*dpte = *spte;
			pfn = pte_pfn(*spte);
			if (pfn == m->zero_pfn)
				continue;
			folio_get(page_folio(m, pfn));
			folio_dup_rmap_pte(m, page_folio(m, pfn), pfn);
			mm_counter_inc(mm, page_folio(m, pfn), 1);
		}
	}
	return 0;
}
