/*
 * vma.c - the VMA tree, split, merge and munmap (mm/vma.c; vm_area_alloc and
 * vm_area_free of kernel/fork.c).
 *
 * The VMA tree is a sorted array (the maple tree's order without its
 * nodes): lookup is a binary search, split and merge follow vma.c's rules.
 */
#include "internal.h"

struct vm_area_struct *vm_area_alloc(struct mm_struct *mm)
{
	struct vm_area_struct *vma = calloc(1, sizeof(*vma));

	if (vma)
		vma->mm = mm;
	return vma;
}

/* A VMA of a file holds the file, sits in its i_mmap, and counts as an
 * attach of a SysV segment (shm_open). */
int vma_link_file(struct unev_machine *m, struct vm_area_struct *vma)
{
	if (!vma->mapping)
		return 0;
	if (i_mmap_insert(vma->mapping, vma))
		return -ENOMEM;
	mapping_get(vma->mapping);
	shm_vma_open(m, vma);
	return 0;
}

void vm_area_free(struct unev_machine *m, struct vm_area_struct *vma)
{
	unlink_anon_vmas(m, vma);
	if (vma_is_driver(vma))
		driver_unmap(vma);
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

/*
 * The array keeps room at both ends (vmas points inside vmas_buf), and an
 * insert or a removal moves the shorter side: top-down placement inserts
 * near the front, which with a plain array made 65,530 distinct mappings
 * (vm.max_map_count) quadratic.
 */
static int vmas_grow(struct mm_struct *mm)
{
	unsigned int cap = mm->cap_vmas ? mm->cap_vmas * 2 : 16;
	struct vm_area_struct **n = malloc(cap * sizeof(*n));
	unsigned int head = (cap - mm->nr_vmas) / 2;

	if (!n)
		return -ENOMEM;
	if (mm->nr_vmas)
		memcpy(&n[head], mm->vmas, mm->nr_vmas * sizeof(*n));
	free(mm->vmas_buf);
	mm->vmas_buf = n;
	mm->vmas = &n[head];
	mm->cap_vmas = cap;
	return 0;
}

int vma_insert_at(struct mm_struct *mm, unsigned int idx, struct vm_area_struct *vma)
{
	unsigned int head = mm->vmas_buf ? (unsigned int)(mm->vmas - mm->vmas_buf) : 0;
	unsigned int tail = mm->cap_vmas - head - mm->nr_vmas;

	if (!head && !tail) {
		if (vmas_grow(mm))
			return -ENOMEM;
		head = (unsigned int)(mm->vmas - mm->vmas_buf);
		tail = mm->cap_vmas - head - mm->nr_vmas;
	}
	if (head && (!tail || idx < mm->nr_vmas - idx)) {
		mm->vmas--;
		memmove(&mm->vmas[0], &mm->vmas[1], idx * sizeof(*mm->vmas));
	} else {
		memmove(&mm->vmas[idx + 1], &mm->vmas[idx], (mm->nr_vmas - idx) * sizeof(*mm->vmas));
	}
	mm->vmas[idx] = vma;
	mm->nr_vmas++;
	return 0;
}

int vma_insert(struct mm_struct *mm, struct vm_area_struct *vma)
{
	int idx = find_vma_index(mm, vma->vm_start);

	return vma_insert_at(mm, idx < 0 ? mm->nr_vmas : (unsigned int)idx, vma);
}

static void vma_remove_at(struct mm_struct *mm, unsigned int idx)
{
	if (idx < mm->nr_vmas - idx - 1) {
		memmove(&mm->vmas[1], &mm->vmas[0], idx * sizeof(*mm->vmas));
		mm->vmas++;
	} else {
		memmove(&mm->vmas[idx], &mm->vmas[idx + 1],
			(mm->nr_vmas - idx - 1) * sizeof(*mm->vmas));
	}
	mm->nr_vmas--;
}

/* __split_vma: the new VMA takes [addr, vm_end); both share the anon_vma
 * and the file, and the page tables do not move.  No vm.max_map_count
 * check here: split_vma and the callers that need one ask it. */
int vma_split(struct unev_machine *m, struct mm_struct *mm, unsigned int idx, uint64_t addr)
{
	struct vm_area_struct *vma = mm->vmas[idx];
	struct vm_area_struct *n;

	/* __split_vma asks vm_ops->may_split: hugetlb_vm_op_split wants a
	 * huge-aligned address */
	if (is_vm_hugetlb_page(vma) && (addr & ~HPAGE_MASK))
		return -EINVAL;
	/* vma_adjust_trans_huge: a THP's PMD across the new boundary is split */
	if (addr & ~HPAGE_MASK)
		split_huge_pmd_address(m, vma, addr);
	n = vm_area_alloc(mm);
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

/* vma_had_uncowed_parents: an anon_vma chain longer than one link came
 * from fork (anon_vma_fork); such a VMA lends or borrows no anon_vma. */
static bool vma_had_uncowed_parents(const struct vm_area_struct *vma)
{
	return vma->anon_vma && vma->nr_avc != 1;
}

/*
 * is_mergeable_anon_vma: @src (the new or changed range) and @tgt (the
 * neighbour it would join) have equal anon_vmas, or one side has none.
 * Then, since 6.16 (vma_had_uncowed_parents), neither chain may have come
 * through a fork and the merged VMA takes the one anon_vma (dup_anon_vma);
 * before, @tgt's chain had to be a single link: a neighbour without an
 * anon_vma took only a range without one either.
 */
static bool is_mergeable_anon_vma(const struct unev_machine *m, const struct vm_area_struct *src,
				  const struct vm_area_struct *tgt)
{
	if (src->anon_vma && tgt->anon_vma)
		return src->anon_vma == tgt->anon_vma;
	if (m->profile->merge_into_unfaulted)
		return !vma_had_uncowed_parents(src) && !vma_had_uncowed_parents(tgt);
	return !src->anon_vma && (!tgt->anon_vma || tgt->nr_avc == 1);
}

/* is_mergeable_vma + is_mergeable_anon_vma: a and b in address order, the
 * first of them the new or changed range when @a_is_src. */
static bool vma_can_merge(const struct unev_machine *m, const struct vm_area_struct *a,
			  const struct vm_area_struct *b, bool a_is_src)
{
	/* vma_merge: never a VM_SPECIAL VMA (hugetlb, a device's buffer) */
	return a->vm_end == b->vm_start && a->vm_flags == b->vm_flags &&
	       !(a->vm_flags & VM_SPECIAL) && a->bind_node1 == b->bind_node1 &&
	       a->mapping == b->mapping && !a->shm_id && !b->shm_id &&
	       a->vm_pgoff + vma_pages(a) == b->vm_pgoff &&
	       is_mergeable_anon_vma(m, a_is_src ? a : b, a_is_src ? b : a);
}

/* anon_vma_compatible: a and b (in address order) could be one VMA after
 * an mprotect: adjacent, same file and offsets, flags equal but for
 * VM_READ/WRITE/EXEC. */
static bool anon_vma_compatible(const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	return a->vm_end == b->vm_start && a->mapping == b->mapping &&
	       !((a->vm_flags ^ b->vm_flags) & ~VM_ACCESS_FLAGS) &&
	       b->vm_pgoff == a->vm_pgoff + vma_pages(a);
}

/* reusable_anon_vma: @old's anon_vma, unless it came through a fork. */
static uint32_t reusable_anon_vma(const struct vm_area_struct *old,
				  const struct vm_area_struct *a, const struct vm_area_struct *b)
{
	if (anon_vma_compatible(a, b) && old->anon_vma && old->nr_avc == 1)
		return old->anon_vma;
	return 0;
}

/* find_mergeable_anon_vma: the next VMA's anon_vma, else the previous
 * one's, if @vma may share it (only the touching neighbours are asked). */
uint32_t find_mergeable_anon_vma(struct vm_area_struct *vma)
{
	struct mm_struct *mm = vma->mm;
	int idx = find_vma_index(mm, vma->vm_start);
	uint32_t id = 0;

	if (idx < 0 || mm->vmas[idx] != vma)
		return 0;
	if ((unsigned int)idx + 1 < mm->nr_vmas)
		id = reusable_anon_vma(mm->vmas[idx + 1], vma, mm->vmas[idx + 1]);
	if (!id && idx > 0)
		id = reusable_anon_vma(mm->vmas[idx - 1], mm->vmas[idx - 1], vma);
	return id;
}

/* split_vma: __split_vma (vma_split) within vm.max_map_count. */
static int split_vma(struct unev_machine *m, struct mm_struct *mm, unsigned int idx, uint64_t addr)
{
	if (mm->nr_vmas >= m->max_map_count)
		return -ENOMEM;
	return vma_split(m, mm, idx, addr);
}

/*
 * vma_modify: one VMA covers exactly [start, end) and gets @flags.  The
 * kernel first tries vma_merge_existing_range, which moves a boundary into
 * a neighbour that matches @target (the flags the range ends with) and
 * adds no VMA; only then does it split, each split_vma checking
 * vm.max_map_count (a first split stays when the second fails).  The
 * model splits in every case and merges afterwards (vma_try_merge_around),
 * so it asks the limit only where the kernel splits.  NULL: -ENOMEM.
 */
/* vma_modify's piece: @vma's range [start, end) with the flags and the
 * policy it ends with (what a neighbour must have to merge with it) */
static struct vm_area_struct *vma_modify(struct unev_machine *m, struct mm_struct *mm,
					 struct vm_area_struct *vma, uint64_t start, uint64_t end,
					 uint64_t target, unsigned int bind_node1)
{
	int idx = find_vma_index(mm, vma->vm_start);
	struct vm_area_struct piece = *vma;
	bool merges;

	piece.vm_start = start;
	piece.vm_end = end;
	piece.vm_pgoff = vma->vm_pgoff + ((start - vma->vm_start) >> PAGE_SHIFT);
	piece.vm_flags = target;
	piece.bind_node1 = bind_node1;
	merges = (start == vma->vm_start && idx > 0 &&
		  vma_can_merge(m, mm->vmas[idx - 1], &piece, false)) ||
		 (end == vma->vm_end && (unsigned int)idx + 1 < mm->nr_vmas &&
		  vma_can_merge(m, &piece, mm->vmas[idx + 1], true));
	if (start > vma->vm_start) {
		if ((merges ? vma_split : split_vma)(m, mm, (unsigned int)idx, start))
			return NULL;
		idx++;
	}
	vma = mm->vmas[idx];
	if (end < vma->vm_end &&
	    (merges ? vma_split : split_vma)(m, mm, (unsigned int)idx, end))
		return NULL;
	return mm->vmas[idx];
}

struct vm_area_struct *vma_modify_flags(struct unev_machine *m, struct mm_struct *mm,
					struct vm_area_struct *vma, uint64_t start,
					uint64_t end, uint64_t flags, uint64_t target)
{
	vma = vma_modify(m, mm, vma, start, end, target, vma->bind_node1);
	if (vma)
		vma->vm_flags = flags;
	return vma;
}

/* vma_modify_policy (mbind_range): [start, end) of @vma bound to a node */
struct vm_area_struct *vma_modify_policy(struct unev_machine *m, struct mm_struct *mm,
					 struct vm_area_struct *vma, uint64_t start,
					 uint64_t end, unsigned int bind_node1)
{
	vma = vma_modify(m, mm, vma, start, end, vma->vm_flags, bind_node1);
	if (vma)
		vma->bind_node1 = bind_node1;
	return vma;
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
	if (idx + 1 < mm->nr_vmas && vma_can_merge(m, mm->vmas[idx], mm->vmas[idx + 1], true))
		vma_merge_with_next(m, mm, idx);
	if (idx > 0 && vma_can_merge(m, mm->vmas[idx - 1], mm->vmas[idx], false))
		vma_merge_with_next(m, mm, idx - 1);
}

/* vma_supports_mlock (mm/internal.h): VM_SPECIAL, hugetlb and (6.11+)
 * VM_DROPPABLE VMAs never get VM_LOCKED: droppable pages may go at any time */
bool vma_supports_mlock(const struct vm_area_struct *vma)
{
	return !(vma->vm_flags & (VM_SPECIAL | VM_HUGETLB | VM_DROPPABLE));
}

/* Detach and free every VMA inside [start, end), which must be split at
 * both ends already; locked_vm and total_vm go down as in
 * vms_complete_munmap_vmas. */
/* Before 5.18, __do_munmap and exit_mmap munlocked every VM_LOCKED VMA
 * first (munlock_vma_pages_all), then unmap_region drained the pagevecs. */
void munlock_before_unmap(struct unev_machine *m, struct mm_struct *mm,
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
	/* vms_clear_ptes zaps every VMA of the range first; remove_vma (and
	 * with it a shmem object's release and truncate) comes after all */
	for (idx = find_vma_index(mm, start);
	     idx >= 0 && (unsigned int)idx < mm->nr_vmas && mm->vmas[idx]->vm_start < end; idx++)
		zap_page_range(m, mm->vmas[idx], mm->vmas[idx]->vm_start, mm->vmas[idx]->vm_end);
	/* free_pages_and_swap_cache, at the end of the zap's TLB batch and
	 * before remove_vma releases any file */
	if (m->profile->unmap_drains_batches)
		lru_add_drain(m);
	mm->gap_cache_valid = false;	/* the range is free again */
	while ((idx = find_vma_index(mm, start)) >= 0 && mm->vmas[idx]->vm_start < end) {
		struct vm_area_struct *vma = mm->vmas[idx];

		if (vma->vm_flags & VM_LOCKED)
			mm->locked_vm -= vma_pages(vma);
		mm->total_vm -= vma_pages(vma);
		vma_remove_at(mm, (unsigned int)idx);
		vm_area_free(m, vma);
	}
}

int do_munmap(struct unev_machine *m, struct task_struct *t, uint64_t start, uint64_t len)
{
	struct mm_struct *mm = t->mm;
	uint64_t end;
	int idx, err;

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
		/* vms_gather_munmap_vmas: a hole punched in one VMA adds one;
		 * map_count may pass the limit only on the way down */
		if (end < mm->vmas[idx]->vm_end && mm->nr_vmas >= m->max_map_count)
			return -ENOMEM;
		err = vma_split(m, mm, (unsigned int)idx, start);
		if (err)
			return err;
		idx++;
	}
	idx = find_vma_index(mm, end - 1);
	if (idx >= 0 && mm->vmas[idx]->vm_start < end && mm->vmas[idx]->vm_end > end) {
		err = vma_split(m, mm, (unsigned int)idx, end);
		if (err)
			return err;
	}
	unmap_vmas_range(m, t, start, end);
	return 0;
}

static int unev_sys_munmap_call(struct unev_machine *m, int pid, uint64_t addr, uint64_t len)
{
	struct task_struct *t = task_lookup(m, pid);

	if (!t)
		return -ESRCH;
	return do_munmap(m, t, addr, len);
}

int unev_sys_munmap(struct unev_machine *m, int pid, uint64_t addr, uint64_t len)
{
	int ret = unev_sys_munmap_call(m, pid, addr, len);

	syscall_exit(m);
	return ret;
}
