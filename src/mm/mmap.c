/*
 * mmap.c - the mm_struct, its VMA tree, and mmap, munmap, mprotect,
 * mremap, madvise and brk (mm/mmap.c, mm/vma.c, mm/mprotect.c,
 * mm/mremap.c, mm/madvise.c).
 *
 * The VMA tree is a sorted array (the maple tree's order without its
 * nodes): lookup is a binary search, split and merge follow vma.c's rules.
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

static struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma = calloc(1, sizeof(*vma));

	if (vma)
		vma->mm = mm;
	return vma;
}

/* A VMA of a file holds the file, sits in its i_mmap, and counts as an
 * attach of a SysV segment (shm_open). */
static int vma_link_file(struct unev_machine *m, struct vm_area_struct *vma)
{
	if (!vma->mapping)
		return 0;
	if (i_mmap_insert(vma->mapping, vma))
		return -ENOMEM;
	mapping_get(vma->mapping);
	shm_vma_open(m, vma);
	return 0;
}

static void vm_area_free(struct unev_machine *m, struct vm_area_struct *vma)
{
	unlink_anon_vmas(m, vma);
	if (vma->mapping) {
		i_mmap_remove(vma->mapping, vma);
		shm_vma_close(m, vma);
		mapping_put(m, vma->mapping);
	}
	free(vma);
}

/* First VMA with vm_end > addr, or -1. */
int find_vma_index(struct mm_struct *mm, uint64_t addr)
{
	unsigned int lo = 0, hi = mm->nr_vmas;

	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if (mm->vmas[mid]->vm_end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo < mm->nr_vmas ? (int)lo : -1;
}

struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr)
{
	int i = find_vma_index(mm, addr);

	return i < 0 ? NULL : mm->vmas[i];
}

static int vma_insert_at(struct mm_struct *mm, unsigned int idx, struct vm_area_struct *vma)
{
	if (mm->nr_vmas == mm->cap_vmas) {
		unsigned int cap = mm->cap_vmas ? mm->cap_vmas * 2 : 16;
		struct vm_area_struct **n = realloc(mm->vmas, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		mm->vmas = n;
		mm->cap_vmas = cap;
	}
	memmove(&mm->vmas[idx + 1], &mm->vmas[idx], (mm->nr_vmas - idx) * sizeof(*mm->vmas));
	mm->vmas[idx] = vma;
	mm->nr_vmas++;
	return 0;
}

static int vma_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	int idx = find_vma_index(mm, vma->vm_start);

	return vma_insert_at(mm, idx < 0 ? mm->nr_vmas : (unsigned int)idx, vma);
}

static void vma_remove_at(struct mm_struct *mm, unsigned int idx)
{
	memmove(&mm->vmas[idx], &mm->vmas[idx + 1], (mm->nr_vmas - idx - 1) * sizeof(*mm->vmas));
	mm->nr_vmas--;
}

/* __split_vma: the new VMA takes [addr, vm_end); both share the anon_vma
 * and the file, and the page tables do not move. */
int vma_split(struct unev_machine *m, struct mm_struct *mm, unsigned int idx, uint64_t addr)
{
	struct vm_area_struct *vma = mm->vmas[idx];
	struct vm_area_struct *n = vm_area_alloc(mm);

	if (!n)
		return -ENOMEM;
	*n = *vma;
	n->vm_start = addr;
	n->vm_pgoff = vma->vm_pgoff + ((addr - vma->vm_start) >> PAGE_SHIFT);
	n->mapping = NULL;
	if (anon_vma_clone(m, n, vma) || vma_insert_at(mm, idx + 1, n)) {
		unlink_anon_vmas(m, n);
		free(n);
		return -ENOMEM;
	}
	n->mapping = vma->mapping;
	if (vma_link_file(m, n)) {
		n->mapping = NULL;
		vma_remove_at(mm, idx + 1);
		vm_area_free(m, n);
		return -ENOMEM;
	}
	vma->vm_end = addr;
	return 0;
}

/* Split so that one VMA covers exactly [start, end) and give it @flags. */
struct vm_area_struct *vma_modify_flags(struct unev_machine *m, struct mm_struct *mm,
					struct vm_area_struct *vma, uint64_t start,
					uint64_t end, uint64_t flags)
{
	int idx = find_vma_index(mm, vma->vm_start);

	if (start > vma->vm_start) {
		if (vma_split(m, mm, (unsigned int)idx, start))
			return NULL;
		idx++;
	}
	vma = mm->vmas[idx];
	if (end < vma->vm_end && vma_split(m, mm, (unsigned int)idx, end))
		return NULL;
	vma = mm->vmas[idx];
	vma->vm_flags = flags;
	return vma;
}

/* is_mergeable_vma + is_mergeable_anon_vma, simplified: same flags and
 * file, contiguous offsets, and anon_vmas equal or one of them unset. */
static bool vma_can_merge(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	return a->vm_end == b->vm_start && a->vm_flags == b->vm_flags &&
	       a->mapping == b->mapping && !a->shm_id && !b->shm_id &&
	       a->vm_pgoff + vma_pages(a) == b->vm_pgoff &&
	       (a->anon_vma == b->anon_vma || !a->anon_vma || !b->anon_vma);
}

static void vma_merge_with_next(struct unev_machine *m, struct mm_struct *mm, unsigned int idx)
{
	struct vm_area_struct *a = mm->vmas[idx], *b = mm->vmas[idx + 1];

	a->vm_end = b->vm_end;
	if (!a->anon_vma && b->anon_vma) {
		/* the merged VMA takes over b's anon_vma (and its chain) */
		struct vm_area_struct tmp = { 0 };

		if (anon_vma_clone(m, &tmp, b) == 0) {
			unlink_anon_vmas(m, a);
			for (unsigned int i = 0; i < tmp.nr_avc; i++)
				anon_vma_add_vma(m, tmp.avc[i], a);
			a->anon_vma = b->anon_vma;
		}
		unlink_anon_vmas(m, &tmp);
	}
	vma_remove_at(mm, idx + 1);
	vm_area_free(m, b);
}

void vma_try_merge_around(struct unev_machine *m, struct mm_struct *mm, unsigned int idx)
{
	if (idx + 1 < mm->nr_vmas && vma_can_merge(mm->vmas[idx], mm->vmas[idx + 1]))
		vma_merge_with_next(m, mm, idx);
	if (idx > 0 && vma_can_merge(mm->vmas[idx - 1], mm->vmas[idx]))
		vma_merge_with_next(m, mm, idx - 1);
}

bool vma_supports_mlock(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SPECIAL | VM_HUGETLB));
}

/* Detach and free every VMA inside [start, end), which must be split at
 * both ends already; locked_vm and total_vm go down as in
 * vms_complete_munmap_vmas. */
/* Before 5.18, __do_munmap and exit_mmap munlocked every VM_LOCKED VMA
 * first (munlock_vma_pages_all), then unmap_region drained the pagevecs. */
static void munlock_before_unmap(struct unev_machine *m, struct mm_struct *mm,
				 uint64_t start, uint64_t end)
{
	for (int idx = find_vma_index(mm, start);
	     idx >= 0 && (unsigned int)idx < mm->nr_vmas && mm->vmas[idx]->vm_start < end; idx++) {
		struct vm_area_struct *vma = mm->vmas[idx];

		if (!(vma->vm_flags & VM_LOCKED))
			continue;
		mm->locked_vm -= vma_pages(vma);
		if (design_rmap_walk(m))
			munlock_vma_pages_range(m, vma, vma->vm_start, vma->vm_end);
		else
			vma->vm_flags &= ~VM_LOCKED_MASK;
	}
	lru_add_drain(m);
}

static void unmap_vmas_range(struct unev_machine *m, struct task_struct *t,
			     uint64_t start, uint64_t end)
{
	struct mm_struct *mm = t->mm;
	int idx;

	/*
	 * 6.12's vms_clear_ptes drained before the zap and its
	 * free_pages_and_swap_cache after it, so the zap's munlocks were done
	 * by the end of munmap; on 6.18 neither drain is left: an earlier mlock
	 * batch stays (observed: munmap_onfault_untouched.uvs), and the zap's
	 * munlocks wait too.  The profile says which (unmap_drains_batches).
	 */
	if (!design_mlock_count(m))
		munlock_before_unmap(m, mm, start, end);
	else if (m->profile->unmap_drains_batches)
		lru_add_drain(m);
	while ((idx = find_vma_index(mm, start)) >= 0 && mm->vmas[idx]->vm_start < end) {
		struct vm_area_struct *vma = mm->vmas[idx];

		zap_page_range(m, vma, vma->vm_start, vma->vm_end);
		if (vma->vm_flags & VM_LOCKED)
			mm->locked_vm -= vma_pages(vma);
		mm->total_vm -= vma_pages(vma);
		vma_remove_at(mm, (unsigned int)idx);
		vm_area_free(m, vma);
	}
	if (m->profile->unmap_drains_batches)	/* free_pages_and_swap_cache */
		lru_add_drain(m);
}

int do_munmap(struct unev_machine *m, struct task_struct *t, uint64_t start, uint64_t len)
{
	struct mm_struct *mm = t->mm;
	uint64_t end;
	int idx;

	if (offset_in_page(start) || start > TASK_SIZE || len > TASK_SIZE - start)
		return -EINVAL;
	len = PAGE_ALIGN(len);
	if (len == 0)
		return -EINVAL;
	end = start + len;
	idx = find_vma_index(mm, start);
	if (idx < 0 || mm->vmas[idx]->vm_start >= end)
		return 0;
	if (mm->vmas[idx]->vm_start < start) {
		if (vma_split(m, mm, (unsigned int)idx, start))
			return -ENOMEM;
		idx++;
	}
	idx = find_vma_index(mm, end - 1);
	if (idx >= 0 && mm->vmas[idx]->vm_start < end && mm->vmas[idx]->vm_end > end &&
	    vma_split(m, mm, (unsigned int)idx, end))
		return -ENOMEM;
	unmap_vmas_range(m, t, start, end);
	return 0;
}

int unev_sys_munmap(struct unev_machine *m, int pid, uint64_t addr, uint64_t len)
{
	struct task_struct *t = task_lookup(m, pid);

	if (!t)
		return -ESRCH;
	return do_munmap(m, t, addr, len);
}

/* unmapped_area_topdown: the highest gap below the mmap base that fits. */
static int get_unmapped_area(struct mm_struct *mm, uint64_t len, uint64_t *addr)
{
	uint64_t gap_end = MMAP_BASE;

	for (int i = (int)mm->nr_vmas - 1; i >= -1; i--) {
		uint64_t gap_start = i >= 0 ? mm->vmas[i]->vm_end : MMAP_MIN_ADDR;

		if (i >= 0 && mm->vmas[i]->vm_start >= gap_end)
			continue;
		if (gap_start <= gap_end && gap_end - gap_start >= len) {
			*addr = gap_end - len;
			return 0;
		}
		if (i >= 0 && mm->vmas[i]->vm_start < gap_end)
			gap_end = mm->vmas[i]->vm_start;
	}
	return -ENOMEM;
}

static uint64_t calc_vm_prot_bits(int prot)
{
	return (prot & UNEV_PROT_READ ? VM_READ : 0) | (prot & UNEV_PROT_WRITE ? VM_WRITE : 0) |
	       (prot & UNEV_PROT_EXEC ? VM_EXEC : 0);
}

/* mmap_region: create the VMA (merging with a compatible neighbour),
 * charge locked_vm unless mlock is unsupported there. */
static int mmap_region(struct unev_machine *m, struct task_struct *t, uint64_t addr,
		       uint64_t len, uint64_t vm_flags, uint64_t pgoff,
		       struct address_space *file, int shm_id)
{
	struct mm_struct *mm = t->mm;
	struct vm_area_struct *vma = vm_area_alloc(mm);

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
		vma->mapping = file;
		if (vma_link_file(m, vma)) {
			free(vma);
			return -ENOMEM;
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

/* do_mmap: the order of checks of mm/mmap.c; anonymous when @file is NULL. */
int do_mmap(struct unev_machine *m, struct task_struct *t, uint64_t len, int prot,
	    int flags, struct address_space *file, uint64_t off, int shm_id,
	    uint64_t *result)
{
	uint64_t vm_flags, pgoff, addr = 0;
	int err;

	if (!len)
		return -EINVAL;
	if (flags & UNEV_MAP_HUGETLB)
		return -ENOMEM;	/* no huge pages reserved (nr_hugepages = 0) */
	len = PAGE_ALIGN(len);
	if (!len || len > TASK_SIZE)
		return -ENOMEM;
	if (offset_in_page(off))
		return -EINVAL;
	if ((off >> PAGE_SHIFT) + (len >> PAGE_SHIFT) < (off >> PAGE_SHIFT))
		return -EOVERFLOW;
	err = get_unmapped_area(t->mm, len, &addr);
	if (err)
		return err;
	vm_flags = calc_vm_prot_bits(prot) | t->mm->def_flags | VM_MAYREAD | VM_MAYWRITE |
		   VM_MAYEXEC;
	if (flags & UNEV_MAP_LOCKED) {
		if (!can_do_mlock(t))
			return -EPERM;
		vm_flags |= VM_LOCKED;
	}
	if (!mlock_future_ok(t, vm_flags, len))
		return -EAGAIN;
	switch (flags & (UNEV_MAP_SHARED | UNEV_MAP_PRIVATE)) {
	case UNEV_MAP_SHARED:
		pgoff = file ? off >> PAGE_SHIFT : 0;
		vm_flags |= VM_SHARED | VM_MAYSHARE;
		break;
	case UNEV_MAP_PRIVATE:
		pgoff = file ? off >> PAGE_SHIFT : addr >> PAGE_SHIFT;
		break;
	default:
		return -EINVAL;
	}
	err = mmap_region(m, t, addr, len, vm_flags, pgoff, file, shm_id);
	if (err)
		return err;
	/* vm_mmap_pgoff: populate VM_LOCKED or MAP_POPULATE, errors ignored */
	if ((vm_flags & VM_LOCKED) || (flags & UNEV_MAP_POPULATE))
		__mm_populate(m, t, addr, len, true);
	*result = addr;
	return 0;
}

int unev_sys_mmap(struct unev_machine *m, int pid, uint64_t addr, uint64_t len, int prot,
		  int flags, uint64_t *result)
{
	struct task_struct *t = task_lookup(m, pid);

	(void)addr;	/* hints and MAP_FIXED are not modelled: top-down placement */
	if (!t)
		return -ESRCH;
	if (!(flags & UNEV_MAP_ANONYMOUS))
		return -EBADF;	/* a file needs unev_sys_mmap_file */
	return do_mmap(m, t, len, prot, flags, NULL, 0, 0, result);
}

int unev_sys_mmap_file(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
		       int prot, int flags, int ino, uint64_t off, uint64_t *result)
{
	struct task_struct *t = task_lookup(m, pid);
	struct address_space *file = file_lookup(m, ino);

	(void)addr;
	if (!t)
		return -ESRCH;
	if (!file || (flags & UNEV_MAP_ANONYMOUS))
		return -EBADF;
	return do_mmap(m, t, len, prot, flags, file, off, 0, result);
}

/* mprotect_fixup: a VM_LOCKED private VMA gaining write has its COW broken
 * now by populate_vma_page_range, so the locked pages stay resident. */
static int mprotect_fixup(struct unev_machine *m, struct mm_struct *mm,
			  struct vm_area_struct *vma, uint64_t start, uint64_t end,
			  uint64_t newflags)
{
	uint64_t oldflags = vma->vm_flags;
	int idx;

	if (newflags == oldflags)
		return 0;
	vma = vma_modify_flags(m, mm, vma, start, end, newflags);
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

int unev_sys_mprotect(struct unev_machine *m, int pid, uint64_t start, uint64_t len, int prot)
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

/* move_page_tables: PTEs move with no rmap change, so no counter moves and
 * mlock_count is kept (KERNEL-SEMANTICS 5, mremap). */
static void move_ptes(struct mm_struct *mm, uint64_t old_addr, uint64_t new_addr, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
		uint64_t *src = pte_lookup(mm, old_addr + off, false), *dst;

		if (!src || !(*src & (PTE_PRESENT | PTE_SWAP)))
			continue;
		dst = pte_lookup(mm, new_addr + off, true);
		if (!dst)
			continue;
		*dst = *src;
		*src = 0;
	}
}

int unev_sys_mremap(struct unev_machine *m, int pid, uint64_t addr, uint64_t old_len,
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
	vma = find_vma(mm, addr);
	if (!vma || vma->vm_start > addr)
		return -EFAULT;
	if (old_len > vma->vm_end - addr)
		return -EFAULT;
	delta = new_len - old_len;
	if (vma->vm_flags & VM_DONTEXPAND)
		return -EFAULT;
	if (!mlock_future_ok(t, vma->vm_flags, delta))
		return -EAGAIN;
	locked = (vma->vm_flags & VM_LOCKED) != 0;

	if (old_len == vma->vm_end - addr) {	/* vma_expandable: grow in place */
		idx = find_vma_index(mm, addr);
		if (vma->vm_end + delta <= MMAP_BASE &&
		    ((unsigned int)idx + 1 >= mm->nr_vmas ||
		     mm->vmas[idx + 1]->vm_start >= vma->vm_end + delta)) {
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

static bool madvise_behavior_valid(int advice)
{
	switch (advice) {
	case UNEV_MADV_NORMAL:
	case UNEV_MADV_WILLNEED:
	case UNEV_MADV_DONTNEED:
	case UNEV_MADV_FREE:
	case UNEV_MADV_REMOVE:
	case UNEV_MADV_COLD:
	case UNEV_MADV_PAGEOUT:
	case UNEV_MADV_POPULATE_READ:
	case UNEV_MADV_POPULATE_WRITE:
	case UNEV_MADV_DONTNEED_LOCKED:
		return true;
	default:
		return false;
	}
}

/* One VMA's share of madvise: the VM_LOCKED refusals of
 * madvise_dontneed_free_valid_vma, can_madv_lru_vma and madvise_remove. */
static int madvise_vma(struct unev_machine *m,
		       struct vm_area_struct *vma, uint64_t start, uint64_t end, int advice)
{
	switch (advice) {
	case UNEV_MADV_DONTNEED:
	case UNEV_MADV_DONTNEED_LOCKED:
	case UNEV_MADV_FREE:
		if (vma->vm_flags & (VM_PFNMAP | (advice == UNEV_MADV_DONTNEED_LOCKED ? 0 : VM_LOCKED)))
			return -EINVAL;
		if (advice == UNEV_MADV_FREE) {
			if (vma->mapping)
				return -EINVAL;	/* MADV_FREE is for private anon only */
			/* lazyfree LRU moves are not modelled yet: the pages stay */
			return 0;
		}
		/* zap_page_range_single: no drain on 6.18, as for munmap */
		zap_page_range(m, vma, start, end);
		return 0;
	case UNEV_MADV_COLD:
	case UNEV_MADV_PAGEOUT:
		if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB))
			return -EINVAL;
		return 0;	/* deactivation and pageout are reclaim's, not modelled yet */
	case UNEV_MADV_REMOVE:
		/* madvise_remove: a hole punched in the file (vfs_fallocate) */
		if (vma->vm_flags & VM_LOCKED)
			return -EINVAL;
		if (!vma->mapping || !(vma->vm_flags & VM_SHARED) ||
		    vma->mapping->kind == MAPPING_RAMFS)
			return -EINVAL;
		punch_hole_range(m, vma->mapping,
				 (start - vma->vm_start) + (vma->vm_pgoff << PAGE_SHIFT), end - start);
		return 0;
	default:
		return 0;
	}
}

/*
 * madvise_populate -> faultin_page_range: fault in (FOLL_MADV_POPULATE, no
 * FOLL_FORCE) up to the first VMA that does not allow the access (EINVAL)
 * or the first hole (ENOMEM); the batches are drained when it stops.
 */
static int madvise_populate(struct unev_machine *m, struct task_struct *t, uint64_t start,
			    uint64_t end, bool write)
{
	int err = 0;

	while (start < end && !err) {
		struct vm_area_struct *vma = find_vma(t->mm, start);
		uint64_t stop;

		if (!vma || vma->vm_start > start) {
			err = -ENOMEM;
			break;
		}
		if ((vma->vm_flags & (VM_IO | VM_PFNMAP)) ||
		    !(vma->vm_flags & (write ? VM_WRITE : VM_READ))) {
			err = -EINVAL;
			break;
		}
		stop = vma->vm_end < end ? vma->vm_end : end;
		for (; start < stop && !err; start += PAGE_SIZE) {
			uint64_t *pte = pte_lookup(t->mm, start, false);

			if (pte && (*pte & PTE_PRESENT) && (!write || (*pte & PTE_WRITE)))
				continue;
			err = handle_mm_fault(m, vma, start, write);
		}
	}
	lru_add_drain(m);
	return err;
}

/* madvise_walk_vmas: earlier VMAs are already done when a later one fails;
 * a hole gives ENOMEM only at the end. */
int unev_sys_madvise(struct unev_machine *m, int pid, uint64_t start, uint64_t len_in,
		     int advice)
{
	struct task_struct *t = task_lookup(m, pid);
	uint64_t len, end;
	int unmapped_error = 0;

	if (!t)
		return -ESRCH;
	if (!madvise_behavior_valid(advice))
		return -EINVAL;
	if (offset_in_page(start))
		return -EINVAL;
	len = PAGE_ALIGN(len_in);
	if (len_in && !len)
		return -EINVAL;
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	if (advice == UNEV_MADV_POPULATE_READ || advice == UNEV_MADV_POPULATE_WRITE)
		return madvise_populate(m, t, start, end, advice == UNEV_MADV_POPULATE_WRITE);
	for (;;) {
		struct vm_area_struct *vma = find_vma(t->mm, start);
		uint64_t tmp;
		int err;

		if (!vma)
			return -ENOMEM;
		if (start < vma->vm_start) {
			unmapped_error = -ENOMEM;
			start = vma->vm_start;
			if (start >= end)
				break;
		}
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = madvise_vma(m, vma, start, tmp, advice);
		if (err)
			return err;
		start = tmp;
		if (start >= end)
			break;
	}
	return unmapped_error;
}

/* brk: growth is checked with mlock_future_ok(def_flags) and gets the
 * def_flags, so MCL_FUTURE locks and populates the new heap. */
int unev_sys_brk(struct unev_machine *m, int pid, uint64_t brk, uint64_t *result)
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

/* exit_mmap: on 6.18 the zap drains nothing, before or after (it dropped
 * 6.12's lru_add_drain here; observed: exit_does_not_drain.uvs); up to
 * 6.12 exit_mmap drained first and free_pages_and_swap_cache after. */
void mm_destroy(struct unev_machine *m, struct mm_struct *mm)
{
	if (!design_mlock_count(m))
		munlock_before_unmap(m, mm, 0, TASK_SIZE);
	else if (m->profile->unmap_drains_batches)
		lru_add_drain(m);
	for (unsigned int i = 0; i < mm->nr_vmas; i++) {
		zap_page_range(m, mm->vmas[i], mm->vmas[i]->vm_start, mm->vmas[i]->vm_end);
		vm_area_free(m, mm->vmas[i]);
	}
	if (m->profile->unmap_drains_batches)
		lru_add_drain(m);
	free(mm->vmas);
	free_pgtables(mm);
	free(mm);
}

/* dup_mmap: the child's VMAs lose VM_LOCKED, its locked_vm is 0, and only
 * VMAs with an anon_vma get their page tables copied (vma_needs_copy): the
 * rest fault in later.  Private pages become COW-shared in both. */
int dup_mmap(struct unev_machine *m, struct mm_struct *old, struct mm_struct *mm)
{
	mm->total_vm = old->total_vm;
	mm->start_brk = old->start_brk;
	mm->brk = old->brk;
	for (unsigned int i = 0; i < old->nr_vmas; i++) {
		struct vm_area_struct *src = old->vmas[i];
		struct vm_area_struct *dst = vm_area_alloc(mm);
		bool cow = (src->vm_flags & (VM_SHARED | VM_MAYWRITE)) == VM_MAYWRITE;

		if (!dst)
			return -ENOMEM;
		*dst = *src;
		dst->mm = mm;
		dst->vm_flags &= ~VM_LOCKED_MASK;
		dst->mapping = NULL;
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
		if (!src->anon_vma)
			continue;
		for (uint64_t a = src->vm_start; a < src->vm_end; a += PAGE_SIZE) {
			uint64_t *spte = pte_lookup(old, a, false), *dpte;
			uint32_t pfn;

			if (!spte || !(*spte & (PTE_PRESENT | PTE_SWAP)))
				continue;
			dpte = pte_lookup(mm, a, true);
			if (!dpte)
				return -ENOMEM;
			if (*spte & PTE_SWAP) {	/* copy_nonpresent_pte: swap_duplicate */
				swap_entry_dup(m, *spte);
				*dpte = *spte;
				mm->swapents++;
				continue;
			}
			if (cow)
				*spte &= ~PTE_WRITE;
			*dpte = *spte;
			pfn = pte_pfn(*spte);
			if (pfn == m->zero_pfn)
				continue;
			folio_get(pfn_to_page(m, pfn));
			folio_dup_rmap_pte(m, pfn_to_page(m, pfn));
			mm_counter_inc(mm, pfn_to_page(m, pfn), 1);
		}
	}
	return 0;
}
