/*
 * madvise.c - madvise (mm/madvise.c)
 */
#include "internal.h"

static bool madvise_behavior_valid(const struct unev_machine *m, int advice)
{
	switch (advice) {
	case UNEV_MADV_POPULATE_READ:
	case UNEV_MADV_POPULATE_WRITE:
		return m->profile->has_madv_populate;
	case UNEV_MADV_DONTNEED_LOCKED:
		return m->profile->has_madv_dontneed_locked;
	case UNEV_MADV_GUARD_INSTALL:
	case UNEV_MADV_GUARD_REMOVE:
		return m->profile->has_madv_guard;
	case UNEV_MADV_COLLAPSE:
		return m->profile->has_madv_collapse;
	case UNEV_MADV_HUGEPAGE:
	case UNEV_MADV_NOHUGEPAGE:
	case UNEV_MADV_NORMAL:
	case UNEV_MADV_WILLNEED:
	case UNEV_MADV_DONTNEED:
	case UNEV_MADV_FREE:
	case UNEV_MADV_REMOVE:
	case UNEV_MADV_COLD:
	case UNEV_MADV_PAGEOUT:
		return true;
	default:
		return false;
	}
}

/*
 * madvise_remove: EINVAL for a VM_LOCKED VMA or one without a file, EACCES
 * unless the VMA is shared and may write (vma_is_shared_maywrite: a private
 * file mapping, a SHM_RDONLY attach), then the hole is punched through
 * vfs_fallocate, whose answer it returns (EOPNOTSUPP on ramfs).
 */
static int madvise_remove(struct unev_machine *m, struct vm_area_struct *vma,
			  uint64_t start, uint64_t end)
{
	/* before vma_is_shared_maywrite, VM_WRITE itself (profile) */
	uint64_t need = m->profile->madvise_remove_needs_write ? VM_WRITE : VM_MAYWRITE;

	if (vma->vm_flags & VM_LOCKED)
		return -EINVAL;
	if (!vma->mapping)
		return -EINVAL;
	if ((vma->vm_flags & (VM_SHARED | need)) != (VM_SHARED | need))
		return -EACCES;
	return vfs_fallocate_punch_hole(m, vma->mapping,
					(start - vma->vm_start) + (vma->vm_pgoff << PAGE_SHIFT),
					end - start);
}

/* The walk of MADV_FREE, COLD and PAGEOUT over one VMA's range. */
struct lru_walk {
	bool pageout;
	uint64_t start, end;
	uint64_t skip_to;	/* the rest of a large folio handled whole */
	uint32_t *isolated;	/* pageout: the folios reclaim_pages gets */
	unsigned int nr, cap;
	int err;
};

/*
 * A PMD-mapped THP in the madvise range (madvise_free_huge_pmd, the PMD
 * case of madvise_cold_or_pageout_pte_range), met at its first PTE in the
 * range: 1 the range covers it whole (@first: at that PTE; its other PTEs
 * are passed over), 2 the range covers part of it, which is split first
 * unless shared (the split pages then go through the PTE path); 0 not a PMD.
 */
static int madvise_huge_pmd(uint64_t addr, const uint64_t *pte, const struct lru_walk *w,
			    bool *first)
{
	uint64_t haddr = addr & HPAGE_MASK, from = w->start > haddr ? w->start : haddr;

	*first = false;
	if (!(*pte & PTE_PMD))
		return 0;
	if (addr != from)
		return 1;
	if (from != haddr || w->end - haddr < HPAGE_SIZE)
		return 2;
	*first = true;
	return 1;
}

/* split_folio with the pin madvise takes around it (folio_get, folio_put);
 * a shared folio is left whole (folio_maybe_mapped_shared) */
static int madvise_split_folio(struct unev_machine *m, struct folio *f)
{
	int err;

	/* 5.10's split of a THP (design rmap-walk): not modelled */
	if (!design_mlock_count(m))
		return -EOPNOTSUPP;
	if (folio_large_maybe_shared(m, f))
		return -EBUSY;
	folio_get(f);
	err = split_folio(m, f, false);
	folio_put(m, f);
	return err;
}

/*
 * A PTE-mapped large folio in the PTE walk (folio_pte_batch from this PTE
 * to the end of the range or of the page table): 0 the range maps it whole
 * from here (@nr its PTEs, passed over after this one), 1 leave this PTE
 * (a shared folio, or its split failed), 2 it was split: this PTE now maps
 * a small folio; -EOPNOTSUPP on the rmap-walk design (5.10's split).
 */
static int madvise_large_pte(struct unev_machine *m, struct folio *f, uint64_t addr,
			     const uint64_t *pte, struct lru_walk *w, unsigned int *nr)
{
	uint64_t left = (w->end - addr) >> PAGE_SHIFT;
	unsigned int in_table = PTRS_PER_TABLE - (unsigned int)((addr >> PAGE_SHIFT) % PTRS_PER_TABLE);

	if (!design_mlock_count(m))
		return -EOPNOTSUPP;
	/* before 6.9 a PTE-mapped large folio mapped once is split whatever
	 * the range covers of it */
	if (!m->profile->madvise_batches_large)
		return madvise_split_folio(m, f) ? 1 : 2;
	*nr = folio_pte_batch(m, f, pte, left < in_table ? (unsigned int)left : in_table);
	if (*nr < folio_nr_pages(f))
		return madvise_split_folio(m, f) ? 1 : 2;
	w->skip_to = addr + ((uint64_t)*nr << PAGE_SHIFT);
	return 0;
}

/*
 * madvise_free_pte_range: a swap entry is freed; each anonymous folio (not
 * the zero page) loses its PTEs' young and dirty bits and is queued for
 * the lru_lazyfree batch (a large one moves at once).  A folio in the swap
 * cache or dirty is skipped when another PTE maps it; one in the swap
 * cache is also skipped here (the model does not free its swap:
 * folio_free_swap), a dirty one is cleaned.  A THP the range covers only
 * in part is split first (seen on 6.18: thp_split_page, thp_split_pmd)
 * and its pages in the range made lazyfree one by one.
 */
static int madvise_free_pte(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
			    uint64_t *pte, void *arg)
{
	struct lru_walk *w = arg;
	unsigned int nr = 1;
	struct folio *f;
	bool first;
	int huge;

	(void)vma;
	if (*pte & PTE_SWAP) {
		zap_swap_pte(m, vma, pte);
		return 0;
	}
	if (addr < w->skip_to)
		return 0;
	huge = madvise_huge_pmd(addr, pte, w, &first);
	if (huge && !first && huge != 2)
		return 0;
	if (pte_pfn(*pte) == m->zero_pfn)
		return 0;
	f = page_folio(m, pte_pfn(*pte));
	if (huge == 2) {
		int err = madvise_split_folio(m, f);

		if (err)
			return err == -EOPNOTSUPP ? err : 0;
		huge = 0;
		f = page_folio(m, pte_pfn(*pte));
	}
	/* madvise_free_huge_pmd: a THP mapped once, whole in the range, is
	 * cleaned and made lazyfree as one folio (seen on 6.18: pglazyfree
	 * 512) */
	if (huge) {
		if (f->mapcount != 1)
			return 0;
		folio_clear(f, PG_dirty);
		for (unsigned int i = 0; i < HPAGE_PMD_NR; i++)
			pte[i] &= ~(PTE_YOUNG | PTE_DIRTY);
		folio_mark_lazyfree(m, f);
		return 0;
	}
	if (folio_test_large(f)) {
		int ret = madvise_large_pte(m, f, addr, pte, w, &nr);

		if (ret < 0)
			return ret;
		if (ret == 1)
			return 0;
		if (ret == 2) {
			nr = 1;
			f = page_folio(m, pte_pfn(*pte));
		}
	}
	if (folio_test(f, PG_swapcache) || folio_test(f, PG_dirty)) {
		if (f->mapcount != (int32_t)folio_nr_pages(f) || folio_test(f, PG_swapcache))
			return 0;
		folio_clear(f, PG_dirty);
	}
	for (unsigned int i = 0; i < nr; i++)
		pte[i] &= ~(PTE_YOUNG | PTE_DIRTY);
	folio_mark_lazyfree(m, f);
	return 0;
}

/*
 * One PTE of MADV_COLD or MADV_PAGEOUT: a folio another PTE maps too is
 * left alone; the rest lose their referenced state (MADV_COLD also the
 * PTE's young bit) and are deactivated through the lru_deactivate batch
 * (MADV_COLD) or isolated for reclaim (MADV_PAGEOUT; an unevictable one is
 * put straight back).  A THP the range covers whole is handled as one
 * folio (reclaim then splits one it cannot swap out whole); one it covers
 * in part is split first (seen on 6.18: thp_split_page, and
 * thp_deferred_split_page for one only PTEs mapped, whose unmapping left
 * it partly mapped on the way).
 */
static int madvise_cold_pte(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
			    uint64_t *pte, void *arg)
{
	struct lru_walk *w = arg;
	unsigned int nr = 1;
	struct folio *f;
	bool first;
	int huge;

	(void)vma;
	if (addr < w->skip_to)
		return 0;
	huge = madvise_huge_pmd(addr, pte, w, &first);
	if (pte_pfn(*pte) == m->zero_pfn)
		return 0;
	if (huge == 1 && !first)
		return 0;
	f = page_folio(m, pte_pfn(*pte));
	if (huge) {
		if (f->mapcount > 1)	/* folio_maybe_mapped_shared */
			return 0;
		if (huge == 2) {
			int err = madvise_split_folio(m, f);

			if (err == -EOPNOTSUPP) {
				w->err = err;
				return 1;
			}
			if (err)
				return 0;
			f = page_folio(m, pte_pfn(*pte));
		} else {
			nr = HPAGE_PMD_NR;
		}
	} else if (folio_test_large(f)) {
		int ret = madvise_large_pte(m, f, addr, pte, w, &nr);

		if (ret < 0) {
			w->err = ret;
			return 1;
		}
		if (ret == 1)
			return 0;
		if (ret == 2) {
			nr = 1;
			f = page_folio(m, pte_pfn(*pte));
		}
		/* a large folio mapped whole here: exclusive if each of its
		 * pages is mapped once */
		else if (f->mapcount != (int32_t)folio_nr_pages(f))
			return 0;
	} else if (f->mapcount > 1) {	/* folio_maybe_mapped_shared */
		return 0;
	}
	if (!w->pageout)
		for (unsigned int i = 0; i < nr; i++)
			pte[i] &= ~PTE_YOUNG;
	folio_clear(f, PG_referenced);
	if (!w->pageout) {
		folio_deactivate(m, f);
		return 0;
	}
	if (!folio_isolate_lru(m, f))
		return 0;
	if (folio_test(f, PG_unevictable)) {
		folio_add_lru(m, f);	/* folio_putback_lru */
		folio_put(m, f);
		return 0;
	}
	if (w->nr == w->cap) {
		unsigned int cap = w->cap ? 2 * w->cap : 64;
		uint32_t *v = realloc(w->isolated, cap * sizeof(*v));

		if (!v) {
			folio_add_lru(m, f);
			folio_put(m, f);
			w->err = -ENOMEM;
			return 1;
		}
		w->isolated = v;
		w->cap = cap;
	}
	w->isolated[w->nr++] = page_to_pfn(m, f);
	return 0;
}

/* madvise_cold / madvise_pageout of one VMA: this CPU's batches are
 * drained first (lru_add_drain), so folios still in the lru_add batch are
 * on their list when the walk meets them */
static int madvise_cold_or_pageout(struct unev_machine *m, struct vm_area_struct *vma,
				   uint64_t start, uint64_t end, bool pageout)
{
	struct lru_walk w = { .pageout = pageout, .start = start, .end = end };

	lru_add_drain(m);
	walk_page_range(m, vma, start, end, madvise_cold_pte, &w);
	if (pageout && w.nr)
		reclaim_pages(m, w.isolated, w.nr);
	free(w.isolated);
	return w.err;
}

/*
 * is_valid_guard_vma: guard markers go where a private anonymous page could
 * (VM_MAYWRITE), never in a VM_SPECIAL or hugetlb VMA, and are installed
 * in no VM_LOCKED one: installing zaps the range, and a locked range must
 * stay populated.  Removing them is harmless, so a locked VMA allows it.
 */
static bool is_valid_guard_vma(const struct vm_area_struct *vma, bool allow_locked)
{
	uint64_t disallowed = VM_SPECIAL | VM_HUGETLB | (allow_locked ? 0 : VM_LOCKED);

	return (vma->vm_flags & (VM_MAYWRITE | disallowed)) == VM_MAYWRITE;
}

static int guard_install_pte(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
			     uint64_t end)
{
	for (uint64_t a = start; a < end; a += PAGE_SIZE) {
		uint64_t *pte = pte_lookup(vma->mm, a, false);

		/* the walk allocates the page tables it installs into
		 * (GFP_PGTABLE_USER: charged as handle_mm_fault's are) */
		if (!pte) {
			int err = mem_cgroup_charge_kmem(m, 1);

			if (err)
				return err;
			pte = pte_lookup(vma->mm, a, true);
			if (!pte)
				return -ENOMEM;
		}
		*pte = PTE_GUARD;
	}
	return 0;
}

/*
 * madvise_guard_install (6.13+): the VMA gets an anon_vma (so fork copies
 * its page tables, markers and all), whatever is mapped in the range is
 * zapped as MADV_DONTNEED zaps it (guard markers already there stay), and
 * every PTE of the range becomes a guard marker.
 */
static int madvise_guard_install(struct unev_machine *m, struct vm_area_struct *vma,
				 uint64_t start, uint64_t end)
{
	if (!is_valid_guard_vma(vma, false))
		return -EINVAL;
	if (anon_vma_prepare(m, vma))
		return -ENOMEM;
	if (m->profile->unmap_drains_batches)
		lru_add_drain(m);
	zap_page_range_single(m, vma, start, end);
	return guard_install_pte(m, vma, start, end);
}

/* madvise_guard_remove: the range's guard markers become empty PTEs; the
 * pages behind them fault in later, even in a VM_LOCKED VMA */
static int madvise_guard_remove(struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	if (!is_valid_guard_vma(vma, true))
		return -EINVAL;
	for (uint64_t a = start; a < end; a += PAGE_SIZE) {
		uint64_t *pte = pte_lookup(vma->mm, a, false);

		if (pte && (*pte & PTE_GUARD))
			*pte = 0;
	}
	return 0;
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
			/* madvise_free_single_vma: drain, then the walk */
			struct lru_walk w = { .start = start, .end = end };

			lru_add_drain(m);
			return walk_page_range_all(m, vma, start, end, madvise_free_pte, &w);
		}
		/* zap_page_range_single drains this CPU first up to 6.12; 6.18
		 * does not, as for munmap (unmap_drains_batches) */
		if (m->profile->unmap_drains_batches)
			lru_add_drain(m);
		zap_page_range_single(m, vma, start, end);
		return 0;
	case UNEV_MADV_HUGEPAGE:
		/* THP on the none design (before 2.6.28, THP came in 2.6.38):
		 * no kernel to model (see unev_machine_create); the kernel never
		 * answers EOPNOTSUPP.  With thp=never the flag makes no THP:
		 * that runs. */
		if (design_none(m) && m->cfg.thp != UNEV_THP_NEVER)
			return -EOPNOTSUPP;
		/* fall through */
	case UNEV_MADV_NOHUGEPAGE:
		return madvise_hugepage(m, vma->mm, vma, start, end, advice);
	case UNEV_MADV_COLLAPSE:
		/* file and shmem collapse are not modelled (the scenario
		 * layer refuses them): only a private anonymous VMA here */
		if (vma->mapping)
			return -EOPNOTSUPP;
		return madvise_collapse(m, vma, start, end);
	case UNEV_MADV_GUARD_INSTALL:
		return madvise_guard_install(m, vma, start, end);
	case UNEV_MADV_GUARD_REMOVE:
		return madvise_guard_remove(vma, start, end);
	case UNEV_MADV_COLD:
	case UNEV_MADV_PAGEOUT:
		if (vma->vm_flags & (VM_LOCKED | VM_PFNMAP | VM_HUGETLB))
			return -EINVAL;
		return madvise_cold_or_pageout(m, vma, start, end, advice == UNEV_MADV_PAGEOUT);
	case UNEV_MADV_REMOVE:
		return madvise_remove(m, vma, start, end);
	case UNEV_MADV_WILLNEED:
		/*
		 * madvise_willneed: anonymous and shmem VMAs read their swapped
		 * pages back (the swapin walk; not modelled: it allocates only
		 * for swap entries) and then lru_add_drain() this CPU, on every
		 * profile; a file of a disk or ramfs goes to vfs_fadvise, which
		 * does not drain.  5.10's mlock leaves its last page in the
		 * pagevec, which this drain puts on the unevictable list
		 * (madvise_locked_vma_einval.uvs in the 5.10 VM).
		 */
		if (!vma->mapping || vma->mapping->kind == MAPPING_SHMEM)
			lru_add_drain(m);
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
static int unev_sys_madvise_call(struct unev_machine *m, int pid, uint64_t start, uint64_t len_in,
		                 int advice)
{
	struct task_struct *t = task_lookup(m, pid);
	uint64_t len, end;
	int unmapped_error = 0;
	bool populate;

	if (!t)
		return -ESRCH;
	if (!madvise_behavior_valid(m, advice))
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
	populate = advice == UNEV_MADV_POPULATE_READ || advice == UNEV_MADV_POPULATE_WRITE;
	if (populate && !m->profile->populate_walks_vmas)
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
		err = populate ? madvise_populate(m, t, start, tmp,
						  advice == UNEV_MADV_POPULATE_WRITE)
			       : madvise_vma(m, vma, start, tmp, advice);
		if (err)
			return err;
		start = tmp;
		if (start >= end)
			break;
	}
	return unmapped_error;
}

int unev_sys_madvise(struct unev_machine *m, int pid, uint64_t start, uint64_t len_in,
		     int advice)
{
	int ret = unev_sys_madvise_call(m, pid, start, len_in, advice);

	syscall_exit(m);
	return ret;
}
