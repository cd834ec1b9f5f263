/*
 * memory.c - page tables, faults, copy-on-write, zap and populate
 * (mm/memory.c, mm/gup.c).
 *
 * Page tables are a real four-level radix tree per mm (PGD, PUD, PMD, PTE
 * tables of 512 entries), so a walk costs what it costs in the kernel: it
 * skips absent subtrees and visits present entries only.
 */
#include "internal.h"

#define LEVEL_SHIFT(l) (PAGE_SHIFT + 9 * (3 - (l)))  /* l = 0 (PGD) .. 3 (PTE) */
#define LEVEL_INDEX(addr, l) (((addr) >> LEVEL_SHIFT(l)) & (PTRS_PER_TABLE - 1))

uint64_t *pte_lookup(struct mm_struct *mm, uint64_t addr, bool alloc)
{
	void **table;

	if (!mm->pgd) {
		if (!alloc)
			return NULL;
		mm->pgd = calloc(PTRS_PER_TABLE, sizeof(void *));
		if (!mm->pgd)
			return NULL;
	}
	table = (void **)mm->pgd;
	for (int level = 0; level < 3; level++) {
		void **slot = &table[LEVEL_INDEX(addr, level)];

		if (!*slot) {
			if (!alloc)
				return NULL;
			*slot = calloc(PTRS_PER_TABLE, level == 2 ? sizeof(uint64_t) : sizeof(void *));
			if (!*slot)
				return NULL;
			mm->nr_pgtables++;
		}
		table = *slot;
	}
	return &((uint64_t *)table)[LEVEL_INDEX(addr, 3)];
}

static void free_table(void **table, int level)
{
	if (!table)
		return;
	if (level < 3)
		for (int i = 0; i < PTRS_PER_TABLE; i++)
			free_table(table[i], level + 1);
	free(table);
}

void free_pgtables(struct mm_struct *mm)
{
	free_table((void **)mm->pgd, 0);
	mm->pgd = NULL;
	mm->nr_pgtables = 0;
}

static int walk_level(struct unev_machine *m, struct vm_area_struct *vma, void **table,
		      int level, uint64_t base, uint64_t start, uint64_t end,
		      pte_visit_fn fn, void *arg, uint64_t want)
{
	uint64_t span = 1ULL << LEVEL_SHIFT(level);
	unsigned int i = (unsigned int)LEVEL_INDEX(start, level);

	for (uint64_t addr = base + i * span; i < PTRS_PER_TABLE && addr < end; i++, addr += span) {
		uint64_t lo = addr < start ? start : addr;
		int ret;

		if (level == 3) {
			uint64_t *pte = &((uint64_t *)table)[i];

			if (!(*pte & want))
				continue;
			ret = fn(m, vma, addr, pte, arg);
		} else {
			if (!table[i])
				continue;
			ret = walk_level(m, vma, table[i], level + 1, addr, lo, end, fn, arg, want);
		}
		if (ret)
			return ret;
	}
	return 0;
}

int walk_page_range(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
		    uint64_t end, pte_visit_fn fn, void *arg)
{
	struct mm_struct *mm = vma->mm;

	if (!mm->pgd || start >= end)
		return 0;
	return walk_level(m, vma, (void **)mm->pgd, 0, 0, start, end, fn, arg, PTE_PRESENT);
}

int walk_page_range_all(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
			uint64_t end, pte_visit_fn fn, void *arg)
{
	struct mm_struct *mm = vma->mm;

	if (!mm->pgd || start >= end)
		return 0;
	return walk_level(m, vma, (void **)mm->pgd, 0, 0, start, end, fn, arg,
			  PTE_PRESENT | PTE_SWAP);
}

/* A new mapping is young: the access that made it. */
static uint64_t mk_pte(uint32_t pfn, bool writable)
{
	return ((uint64_t)pfn << PAGE_SHIFT) | PTE_PRESENT | PTE_YOUNG | (writable ? PTE_WRITE : 0);
}

static uint64_t vma_linear_index(const struct vm_area_struct *vma, uint64_t addr)
{
	return ((addr - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
}

static struct folio *alloc_anon_folio(struct unev_machine *m, const struct vm_area_struct *vma)
{
	/* vma_alloc_folio: a VMA bound to a node by mbind allocates there
	 * only; the default memory policy takes the node of the faulting CPU
	 * first (first touch), then its zonelist (alloc_user_folio) */
	if (vma->bind_node1)
		return alloc_user_folio_bound(m, (int)vma->bind_node1 - 1);
	return alloc_user_folio(m, numa_node_id(m));
}

/* A new anonymous folio for @addr (alloc_anon_folio + folio_add_new_anon_rmap
 * + folio_add_lru_vma, which mlocks it in a VM_LOCKED VMA), mapped by @pte. */
static int map_new_anon_folio(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
			      uint64_t *pte, bool writable)
{
	struct folio *f;

	if (anon_vma_prepare(m, vma))
		return -ENOMEM;
	f = alloc_anon_folio(m, vma);
	if (!f)
		return -ENOMEM;
	/* folio_add_new_anon_rmap: a VM_DROPPABLE folio is never swapped, only
	 * dropped, so it stays !swapbacked and lives on the file LRU */
	if (!(vma->vm_flags & VM_DROPPABLE))
		folio_set(f, PG_swapbacked);
	folio_add_new_anon_rmap(m, f, vma, addr);
	folio_add_lru_vma(m, f, vma);
	mm_counter_inc(vma->mm, f, 1);
	*pte = mk_pte(page_to_pfn(m, f), writable);
	return 0;
}

/*
 * do_anonymous_page: a read maps the zero page, a write a new folio.  Where
 * the zero page is not used (mm_forbids_zeropage; a host booted with
 * pvm_no_zero_page=1: machine zero_page=off) a read fault takes the write
 * path: alloc_anon_folio, the memcg charge, folio_add_new_anon_rmap and
 * folio_add_lru_vma (mlock_new_folio in a VM_LOCKED VMA), and the PTE is
 * writable when the VMA is, so a later write needs no COW.
 */
static int do_anonymous_page(struct unev_machine *m, struct vm_area_struct *vma,
			     uint64_t addr, uint64_t *pte, bool write)
{
	if (!write && m->cfg.zero_page) {
		*pte = mk_pte(m->zero_pfn, false);
		return 0;
	}
	return map_new_anon_folio(m, vma, addr, pte, (vma->vm_flags & VM_WRITE) != 0);
}

/*
 * set_pte_range: @nr PTEs from @pte map the pages of page-cache folio @f
 * from file index @index, with one folio_add_file_rmap_ptes for them all
 * (so a large folio mapped whole by one call is mlocked in a VM_LOCKED VMA
 * on 6.18, and a small one always, on the 5.18+ design).
 */
static void set_file_pte_range(struct unev_machine *m, struct vm_area_struct *vma,
			       struct folio *f, uint64_t index, uint64_t *pte, unsigned int nr,
			       bool writable)
{
	uint32_t pfn = page_to_pfn(m, f) + (uint32_t)(index - f->index);

	f->refcount += (int32_t)nr;
	if (folio_test_large(f))
		folio_add_file_rmap_ptes(m, f, pfn, nr, vma);
	else
		folio_add_file_rmap_pte(m, f, vma);
	mm_counter_inc(vma->mm, f, (int64_t)nr);
	for (unsigned int i = 0; i < nr; i++)
		pte[i] = mk_pte(pfn + i, writable);
}

/*
 * __do_fault on a file VMA: the page-cache folio is found or read in (a new
 * one through the lru_add batch).  do_shared_fault and do_read_fault map it,
 * and folio_add_file_rmap_pte mlocks it in a VM_LOCKED VMA; do_cow_fault
 * (a write to a private mapping) copies it into a new anonymous folio and
 * leaves the cache folio unmapped.  Past i_size is SIGBUS (-EFAULT).
 */
void map_file_folio(struct unev_machine *m, struct vm_area_struct *vma, struct folio *f,
		    uint64_t *pte, bool writable)
{
	set_file_pte_range(m, vma, f, f->index, pte, 1, writable);
}

/* The last file index of @f, and whether 6.18 may map it whole or by PMD:
 * within i_size's last page, or shmem's (filemap_map_pages' file_end test). */
static bool file_folio_may_map_large(const struct unev_machine *m, const struct address_space *as,
				     const struct folio *f)
{
	uint64_t eof = PAGE_ALIGN(as->size) >> PAGE_SHIFT;

	return !m->profile->map_whole_file_folio || as->kind == MAPPING_SHMEM ||
	       (eof && eof - 1 >= f->index + folio_nr_pages(f));
}

/* folio_within_vma, and its pages in one PTE table: where 6.18 maps a large
 * folio whole, its first PTE's offset in the table of @addr (which maps
 * file index @index); -1 where it may not. */
static int64_t file_folio_whole_pte(const struct vm_area_struct *vma, const struct folio *f,
				    uint64_t addr, uint64_t index)
{
	uint64_t start = addr - ((index - f->index) << PAGE_SHIFT);
	uint64_t size = folio_nr_pages(f) << PAGE_SHIFT;

	if (addr < (index - f->index) << PAGE_SHIFT || start < vma->vm_start ||
	    start + size > vma->vm_end || (start & HPAGE_MASK) != ((start + size - 1) & HPAGE_MASK))
		return -1;
	return (int64_t)((start >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1));
}

/*
 * filemap_map_folio_range: the pages [p, end) of the table from the folio
 * at @p (file index @index) in runs of PTEs that are none, each run one
 * set_pte_range; on 6.18 a large folio is taken whole where it may be.
 */
static uint64_t filemap_map_folio_range(struct unev_machine *m, struct vm_area_struct *vma,
					uint64_t *table, uint64_t p, uint64_t end, uint64_t index,
					uint64_t addr0, struct folio *f)
{
	uint64_t fend = p + (f->index + folio_nr_pages(f) - index), run = p;

	if (fend < end)
		end = fend;
	if (m->profile->map_whole_file_folio && folio_test_large(f) &&
	    file_folio_may_map_large(m, vma->mapping, f)) {
		int64_t first = file_folio_whole_pte(vma, f, addr0 + (p << PAGE_SHIFT), index);

		if (first >= 0) {
			index -= p - (uint64_t)first;
			p = run = (uint64_t)first;
			end = p + folio_nr_pages(f);
		}
	}
	for (uint64_t q = p; q <= end; q++) {
		if (q < end && !table[q])
			continue;
		if (q > run)
			set_file_pte_range(m, vma, f, index + (run - p), table + run,
					   (unsigned int)(q - run), false);
		run = q + 1;
	}
	return end;
}

/*
 * do_fault_around -> filemap_map_pages: a read fault also maps the
 * page-cache folios already there in the aligned window around it (the
 * profile's fault_around_pages: 16, fault_around_bytes 64K), within the
 * VMA, the PTE table and i_size.  filemap_map_pmd first: a PMD-sized folio
 * where the PMD is none is mapped by it (do_set_pmd), and the PTE table is
 * installed; on 6.18 neither when the first folio found reaches i_size's
 * last page, and then without a table nothing is mapped (the fault goes on
 * to finish_fault).
 */
static void do_fault_around(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr)
{
	struct address_space *as = vma->mapping;
	uint64_t pte_off = (addr >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1);
	uint64_t vma_off = (addr - vma->vm_start) >> PAGE_SHIFT;
	uint64_t nr_around = m->profile->fault_around_pages;
	uint64_t from, to, base = vma_linear_index(vma, addr) - pte_off;
	uint64_t addr0 = addr - (pte_off << PAGE_SHIFT);
	uint64_t eof = PAGE_ALIGN(as->size) >> PAGE_SHIFT;
	struct folio *first = NULL;
	uint64_t *table;
	bool none;

	if (nr_around <= 1)
		return;
	from = pte_off & ~(nr_around - 1);
	if (from < pte_off - (pte_off < vma_off ? pte_off : vma_off))
		from = pte_off - (pte_off < vma_off ? pte_off : vma_off);
	to = from + nr_around;
	if (to > PTRS_PER_TABLE)
		to = PTRS_PER_TABLE;
	if (to > pte_off + vma_pages(vma) - vma_off)
		to = pte_off + vma_pages(vma) - vma_off;
	if (to > eof - base)
		to = eof > base ? eof - base : 0;
	for (uint64_t p = from; p < to && !first; p++) {	/* next_uptodate_folio */
		uint32_t e = cache_entry(as, base + p);

		if (e != PFN_NIL && cache_entry_is_folio(e))
			first = pfn_to_page(m, e);
	}
	if (!first)
		return;
	table = pmd_table(vma->mm, addr & HPAGE_MASK, &none);
	if (file_folio_may_map_large(m, as, first)) {	/* filemap_map_pmd */
		if (table && (*table & PTE_PMD))
			return;
		if (none && !do_set_pmd(m, vma, addr & HPAGE_MASK, first, false))
			return;
		table = pte_lookup(vma->mm, addr, true) - pte_off;
	} else if (none) {
		return;
	}
	for (uint64_t p = from; p < to; p++) {
		uint32_t e = cache_entry(as, base + p);

		if (table[p] || e == PFN_NIL || !cache_entry_is_folio(e))
			continue;
		p = filemap_map_folio_range(m, vma, table, p, to, base + p, addr0,
					    pfn_to_page(m, e)) - 1;
	}
}

/*
 * finish_fault of a page-cache folio: a PMD-sized one by the PMD where it
 * is none; on 6.18 a large one whole where it lies in the VMA and one PTE
 * table and none of its PTEs is there (unless it reaches past i_size's
 * last page: needs_fallback); else the one page.
 */
static int finish_file_fault(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
			     uint64_t *pte, struct folio *f, uint64_t index, bool writable)
{
	struct address_space *as = vma->mapping;
	uint64_t eof = PAGE_ALIGN(as->size) >> PAGE_SHIFT, pte_off;
	bool fallback = as->kind != MAPPING_SHMEM && eof < f->index + folio_nr_pages(f);
	int64_t first;
	bool none;

	if (!m->profile->map_whole_file_folio || !folio_test_large(f) || fallback) {
		set_file_pte_range(m, vma, f, index, pte, 1, writable);
		return 0;
	}
	pmd_table(vma->mm, addr & HPAGE_MASK, &none);
	if (none && !do_set_pmd(m, vma, addr & HPAGE_MASK, f, writable))
		return 0;
	first = file_folio_whole_pte(vma, f, addr, index);
	pte_off = (addr >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1);
	if (first >= 0) {
		uint64_t *p0 = pte - (pte_off - (uint64_t)first);

		for (uint64_t i = 0; i < folio_nr_pages(f); i++)
			if (p0[i])
				first = -1;
		if (first >= 0) {
			set_file_pte_range(m, vma, f, f->index, p0, (unsigned int)folio_nr_pages(f),
					   writable);
			return 0;
		}
	}
	set_file_pte_range(m, vma, f, index, pte, 1, writable);
	return 0;
}

static int do_file_fault(struct unev_machine *m, struct vm_area_struct *vma,
			 uint64_t addr, uint64_t *pte, bool write)
{
	struct address_space *as = vma->mapping;
	uint64_t index = vma_linear_index(vma, addr);
	struct folio *f;
	int err;

	if (index >= PAGE_ALIGN(as->size) >> PAGE_SHIFT)
		return -EFAULT;
	if (as->kind == MAPPING_SECRETMEM)	/* ->fault only: no fault-around */
		return secretmem_fault(m, vma, addr, pte, write);
	if (!write) {	/* do_read_fault */
		do_fault_around(m, vma, addr);
		if (*pte & PTE_PRESENT)
			return 0;
	}
	err = filemap_get_folio(m, as, index, true, &f);
	if (err)
		return err;
	if (write && !(vma->vm_flags & VM_SHARED))	/* do_cow_fault */
		return map_new_anon_folio(m, vma, addr, pte, true);
	return finish_file_fault(m, vma, addr, pte, f, index, write && (vma->vm_flags & VM_WRITE));
}

/*
 * wp_can_reuse_anon_folio: a folio that is not on the LRU may be held by a
 * per-CPU batch, so drain before trusting the reference count.
 */
static bool wp_can_reuse_anon_folio(struct unev_machine *m, struct folio *f)
{
	if (f->order > 0 || f->refcount > 3)
		return false;
	if (!folio_test(f, PG_lru))
		lru_add_drain(m);
	return f->refcount == 1;
}

/* wp_page_copy: the new folio is mlocked through mlock_new_folio in a
 * locked VMA; the old one is munlocked by rmap removal (no explicit munlock
 * before COW any more, KERNEL-SEMANTICS 8). */
static int wp_page_copy(struct unev_machine *m, struct vm_area_struct *vma,
			uint64_t addr, uint64_t *pte, struct folio *old)
{
	uint32_t old_pfn = pte_pfn(*pte);	/* the page COW copies */
	int err = map_new_anon_folio(m, vma, addr, pte, true);

	if (err)
		return err;
	if (old) {
		mm_counter_inc(vma->mm, old, -1);
		folio_remove_rmap_pte(m, old, old_pfn, vma);
		/* 2.6.28-5.17: an explicit munlock of the old page after COW */
		if (design_rmap_walk(m) && (vma->vm_flags & VM_LOCKED) &&
		    folio_test(old, PG_mlocked))
			munlock_vma_page(m, old);
		folio_put(m, old);
	}
	return 0;
}

static int do_wp_page(struct unev_machine *m, struct vm_area_struct *vma,
		      uint64_t addr, uint64_t *pte)
{
	uint32_t pfn = pte_pfn(*pte);
	struct folio *f = pfn == m->zero_pfn ? NULL : page_folio(m, pfn);

	if (vma->vm_flags & VM_SHARED) {	/* wp_page_shared: just dirty it */
		*pte |= PTE_WRITE;
		return 0;
	}
	if (f && folio_test_anon(f)) {
		if (folio_test(f, PG_anon_exclusive) || wp_can_reuse_anon_folio(m, f)) {
			folio_set(f, PG_anon_exclusive);
			*pte |= PTE_WRITE;
			return 0;
		}
	}
	return wp_page_copy(m, vma, addr, pte, f);
}

static int __handle_mm_fault(struct unev_machine *m, struct vm_area_struct *vma, uint64_t *pte,
			     uint64_t addr, bool write)
{
	if (*pte & PTE_SWAP)
		return do_swap_page(m, vma, addr, pte, write);
	/* handle_pte_marker: a guard marker is VM_FAULT_SIGSEGV */
	if (*pte & PTE_GUARD)
		return -EFAULT;
	if (!(*pte & PTE_PRESENT)) {
		if (vma->mapping)
			return do_file_fault(m, vma, addr, pte, write);
		return do_anonymous_page(m, vma, addr, pte, write);
	}
	if (write && !(*pte & PTE_WRITE))
		return do_wp_page(m, vma, addr, pte);
	return 0;
}

/* fault_dirty_shared_page: a write fault on a shared file mapping marks
 * the folio dirty.  For a page the model keeps that in the PTE (the same to
 * every reader); a large folio is dirty whole (observed: smaps counts all
 * its mapped pages dirty after a write fault on one, msync's clean before). */
static void fault_dirty_shared_large(struct unev_machine *m, struct vm_area_struct *vma,
				     const uint64_t *pte)
{
	struct folio *f;

	if (!(vma->vm_flags & VM_SHARED) || !vma->mapping || pte_pfn(*pte) == m->zero_pfn)
		return;
	f = page_folio(m, pte_pfn(*pte));
	if (folio_test_large(f) && !folio_test_anon(f))
		folio_set(f, PG_dirty);
}

/* handle_mm_fault: a write leaves the PTE dirty (pte_mkdirty / the MMU). */
int handle_mm_fault(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
		    bool write)
{
	uint64_t *pte;
	int err;

	if (is_vm_hugetlb_page(vma)) {	/* no PTE table: the huge entry's */
		count_vm_events(m, PGFAULT, 1);
		return hugetlb_fault(m, vma, addr, write);
	}
	pte = pte_lookup(vma->mm, addr, false);
	if (pte && (*pte & PTE_PMD) && (*pte & PTE_PRESENT)) {
		/* a PMD mapping: write-protected is the huge zero page or a
		 * shared (forked) THP; otherwise nothing to do */
		if (!write || (*pte & PTE_WRITE))
			return 0;
		count_vm_events(m, PGFAULT, 1);
		err = huge_pmd_write_fault(m, vma, addr);
		if (err <= 0)
			return err;
		err = __handle_mm_fault(m, vma, pte, addr, write);
		if (!err && (*pte & PTE_PRESENT))
			*pte |= PTE_DIRTY;
		return err;
	}
	/* create_huge_pmd where the PMD is none and a THP may be there */
	if (thp_vma_allowable(m, vma, addr)) {
		err = do_huge_pmd_anonymous_page(m, vma, addr, write);
		if (err <= 0) {
			count_vm_events(m, PGFAULT, 1);
			return err;
		}
		pte = pte_lookup(vma->mm, addr, false);
	}
	/* __pte_alloc and the levels above: a missing table is charged to the
	 * memcg before it exists (GFP_PGTABLE_USER has __GFP_ACCOUNT) */
	if (!pte) {
		err = mem_cgroup_charge_kmem(m, 1);
		if (err)
			return err;
		pte = pte_lookup(vma->mm, addr, true);
	}
	if (!pte)
		return -ENOMEM;
	count_vm_events(m, PGFAULT, 1);
	err = __handle_mm_fault(m, vma, pte, addr, write);
	if (!err && write && (*pte & PTE_PRESENT)) {
		*pte |= PTE_DIRTY;
		fault_dirty_shared_large(m, vma, pte);
	}
	return err;
}

/* a swap entry's PTE cleared: free_swap_and_cache (zap, MADV_FREE) */
void zap_swap_pte(struct unev_machine *m, struct vm_area_struct *vma, uint64_t *pte)
{
	swap_entry_free(m, *pte);
	vma->mm->swapents--;
	*pte = 0;
}

struct zap_details {
	bool drop_markers;            /* the page tables go: guard markers too */
	uint64_t end;
};

/* zap_present_folio_ptes of a large folio: the PTEs of one folio in this
 * table and range go as one batch (folio_pte_batch), so a folio wholly
 * unmapped is never seen partly mapped. */
static void zap_large_folio_ptes(struct unev_machine *m, struct vm_area_struct *vma,
				 uint64_t addr, uint64_t *pte, struct folio *f, uint64_t end)
{
	uint64_t table_end = (addr | (PTRS_PER_TABLE * PAGE_SIZE - 1)) + 1;
	uint32_t pfn = pte_pfn(*pte);
	unsigned int nr = folio_pte_batch(m, f, pte,
					  (unsigned int)(((end < table_end ? end : table_end) - addr) >>
							 PAGE_SHIFT));
	bool young = false;

	for (unsigned int i = 0; i < nr; i++) {
		young |= (pte[i] & PTE_YOUNG) != 0;
		pte[i] = 0;
	}
	/* get_and_clear_full_ptes: one young bit for the batch, one access */
	if (young && !folio_test_anon(f))
		folio_mark_accessed(m, f);
	mm_counter_inc(vma->mm, f, -(int64_t)nr);
	folio_remove_rmap_ptes(m, f, pfn, nr, vma);
	f->refcount -= (int32_t)nr - 1;
	folio_put(m, f);
}

/* zap_present_ptes: rmap removal munlocks (batched, not drained); the
 * mapping's reference goes and the folio is freed once no batch holds it. */
static int zap_pte_one(struct unev_machine *m, struct vm_area_struct *vma,
		       uint64_t addr, uint64_t *pte, void *arg)
{
	const struct zap_details *details = arg;
	uint32_t pfn = pte_pfn(*pte);
	struct folio *f;

	if (*pte & PTE_PMD) {	/* zap_huge_pmd: the range covers it (split before) */
		zap_huge_pmd(m, vma, pte);
		return 0;
	}
	if (*pte & PTE_SWAP) {
		zap_swap_pte(m, vma, pte);
		return 0;
	}
	/* zap_nonpresent_ptes: guard markers stay unless the VMA's page
	 * tables go (munmap, exit: @arg set) */
	if (*pte & PTE_GUARD) {
		if (details->drop_markers)
			*pte = 0;
		return 0;
	}
	if (pfn == m->zero_pfn) {
		*pte = 0;
		return 0;
	}
	f = page_folio(m, pfn);
	if (folio_test_large(f)) {
		zap_large_folio_ptes(m, vma, addr, pte, f, details->end);
		return 0;
	}
	/* zap_present_folio_ptes: a file folio's young PTE is an access
	 * (vma_has_recency: no madvise SEQUENTIAL/RANDOM in the model) */
	if (!folio_test_anon(f) && (*pte & PTE_YOUNG))
		folio_mark_accessed(m, f);
	*pte = 0;
	mm_counter_inc(vma->mm, f, -1);
	folio_remove_rmap_pte(m, f, pfn, vma);
	folio_put(m, f);
	return 0;
}

static void zap_range(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
		      uint64_t end, bool drop_markers)
{
	struct zap_details details = { .drop_markers = drop_markers, .end = end };
	struct mm_struct *mm = vma->mm;

	if (is_vm_hugetlb_page(vma)) {	/* unmap_single_vma -> __unmap_hugepage_range */
		hugetlb_zap_range(m, vma, start, end);
		return;
	}
	if (!mm->pgd || start >= end)
		return;
	/* zap_pmd_range: a PMD the range covers only in part is split first */
	if (start & ~HPAGE_MASK)
		split_huge_pmd_address(m, vma, start);
	if (end & ~HPAGE_MASK)
		split_huge_pmd_address(m, vma, end);
	walk_level(m, vma, (void **)mm->pgd, 0, 0, start, end, zap_pte_one, &details,
		   PTE_PRESENT | PTE_SWAP | PTE_GUARD);
}

/* unmap_vmas (munmap, exit, MAP_FIXED, mremap): the page tables go with
 * the range, guard markers too */
void zap_page_range(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
		    uint64_t end)
{
	zap_range(m, vma, start, end, true);
}

/* zap_page_range_single (MADV_DONTNEED, MADV_GUARD_INSTALL): the pages go,
 * guard markers stay */
void zap_page_range_single(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
			   uint64_t end)
{
	zap_range(m, vma, start, end, false);
}

bool vma_is_accessible(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & VM_ACCESS_FLAGS) != 0;
}

/* __get_user_pages: fault what is missing, break COW for FOLL_WRITE.  The
 * PTE table is looked up once per 512 pages, as follow_page_pte maps it. */
static int get_user_pages(struct unev_machine *m, struct vm_area_struct *vma,
			  uint64_t start, uint64_t end, bool foll_write, bool foll_populate)
{
	/* FOLL_MLOCK (2.6.28-5.17): follow_page_pte mlocks what it finds */
	bool foll_mlock = design_rmap_walk(m) && (vma->vm_flags & VM_LOCKED);
	uint64_t *table = NULL;

	if (vma_is_secretmem(vma))	/* check_vma_flags: GUP never pins secret memory */
		return -EFAULT;
	if (vma_is_driver(vma))	/* a device's fault handler maps its own pages */
		return driver_populate(m, vma, start, end);

	for (uint64_t addr = start; addr < end; addr += PAGE_SIZE) {
		uint64_t *pte;
		int err;

		if (!table || (addr & ((PTRS_PER_TABLE * PAGE_SIZE) - 1)) == 0) {
			pte = pte_lookup(vma->mm, addr, false);
			table = pte ? pte - ((addr >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1)) : NULL;
		} else {
			pte = &table[(addr >> PAGE_SHIFT) & (PTRS_PER_TABLE - 1)];
		}
		if (!(pte && (*pte & PTE_PRESENT) && (!foll_write || (*pte & PTE_WRITE)))) {
			if (!foll_populate)
				continue;
			err = handle_mm_fault(m, vma, addr, foll_write);
			if (err)
				return err;
			table = NULL;
			pte = pte_lookup(vma->mm, addr, false);
		}
		/* follow_huge_pmd: FOLL_TOUCH only makes the PMD young, and
		 * the walk goes on past the PMD; 5.10's FOLL_MLOCK mlocks the
		 * THP there (follow_trans_huge_pmd) */
		if (pte && (*pte & PTE_PMD) && (*pte & PTE_PRESENT)) {
			if (foll_mlock)
				follow_trans_huge_pmd_mlock(m, vma, pte - ((addr >> PAGE_SHIFT) &
									 (HPAGE_PMD_NR - 1)));
			addr |= HPAGE_SIZE - PAGE_SIZE;
			table = NULL;
			continue;
		}
		/* follow_page_pte with FOLL_TOUCH: mark_page_accessed */
		if (pte && (*pte & PTE_PRESENT) && pte_pfn(*pte) != m->zero_pfn)
			folio_mark_accessed(m, page_folio(m, pte_pfn(*pte)));
		/* 5.10's follow_page_pte: "Do not mlock pte-mapped THP" */
		if (foll_mlock && pte && (*pte & PTE_PRESENT) && pte_pfn(*pte) != m->zero_pfn &&
		    !folio_test_large(page_folio(m, pte_pfn(*pte)))) {
			lru_add_drain(m);	/* push cached pages to LRU */
			mlock_vma_page(m, pfn_to_page(m, pte_pfn(*pte)));
		}
	}
	return 0;
}

/* populate_vma_page_range: ONFAULT faults nothing, PROT_NONE is -EFAULT,
 * and the lru_add batch is drained at the end (mlock, MAP_POPULATE...). */
int populate_vma_page_range(struct unev_machine *m, struct vm_area_struct *vma,
			    uint64_t start, uint64_t end)
{
	bool foll_write;
	int err;

	if ((vma->vm_flags & VM_LOCKONFAULT) && design_mlock_count(m))
		return 0;
	if (!vma_is_accessible(vma))
		return -EFAULT;
	foll_write = (vma->vm_flags & (VM_WRITE | VM_SHARED)) == VM_WRITE;
	if (!design_mlock_count(m))	/* 5.x: no drain at the end; ONFAULT mlocks what is there */
		return get_user_pages(m, vma, start, end, foll_write,
				      !(vma->vm_flags & VM_LOCKONFAULT));
	err = get_user_pages(m, vma, start, end, foll_write, true);
	lru_add_drain(m);
	return err;
}

int __mm_populate(struct unev_machine *m, struct task_struct *t, uint64_t start,
		  uint64_t len, bool ignore_errors)
{
	uint64_t end = start + len, nstart, nend;
	int ret = 0;

	for (nstart = start; nstart < end; nstart = nend) {
		struct vm_area_struct *vma = find_vma(t->mm, nstart);

		if (!vma || vma->vm_start >= end)
			break;
		nend = end < vma->vm_end ? end : vma->vm_end;
		if (vma->vm_flags & (VM_IO | VM_PFNMAP))
			continue;
		if (nstart < vma->vm_start)
			nstart = vma->vm_start;
		ret = populate_vma_page_range(m, vma, nstart, nend);
		if (ret < 0) {
			if (ignore_errors) {
				ret = 0;
				continue;
			}
			break;
		}
	}
	return ret;
}

/* A program touching memory: a fault where the PTE does not allow the
 * access, SIGSEGV (-EFAULT) where no VMA allows it. */
static int unev_touch_call(struct unev_machine *m, int pid, uint64_t addr, uint64_t len, bool write)
{
	struct task_struct *t = task_lookup(m, pid);
	uint64_t start, end;

	if (!t)
		return -ESRCH;
	if (len == 0)
		return 0;
	if (addr + len < addr || addr + len > TASK_SIZE)
		return -EFAULT;
	m->cur_cpu = t->cpu;
	start = addr & PAGE_MASK;
	end = PAGE_ALIGN(addr + len);
	for (uint64_t a = start; a < end; a += PAGE_SIZE) {
		struct vm_area_struct *vma = find_vma(t->mm, a);
		uint64_t *pte;
		int err;

		if (!vma || vma->vm_start > a)
			return -EFAULT;
		if (write ? !(vma->vm_flags & VM_WRITE)
			  : !(vma->vm_flags & (VM_READ | VM_WRITE)))
			return -EFAULT;
		pte = pte_lookup(t->mm, a, false);
		if (pte && (*pte & PTE_PRESENT) && (!write || (*pte & PTE_WRITE))) {
			/* the hardware sets the accessed (and dirty) bit */
			*pte |= PTE_YOUNG | (write ? PTE_DIRTY : 0);
			continue;
		}
		err = handle_mm_fault(m, vma, a, write);
		if (err)
			return err == -ENOMEM ? -ENOMEM : -EFAULT;
	}
	return 0;
}

int unev_touch(struct unev_machine *m, int pid, uint64_t addr, uint64_t len, bool write)
{
	int ret = unev_touch_call(m, pid, addr, len, write);

	syscall_exit(m);
	return ret;
}
