/*
 * huge_memory.c - anonymous transparent huge pages of PMD size
 * (mm/huge_memory.c, the THP parts of mm/rmap.c), as far as mlock meets
 * them (the seed's "MLOCKING TRANSPARENT HUGE PAGES").
 *
 * A THP is an order-9 folio: the head page carries the folio's flags, LRU
 * links and mlock_count; each tail page is PG_tail with its head's pfn in
 * lru_next (compound_head), and the first tail keeps the folio's
 * entire_mapcount (PMD mappings) in its mapcount and its count of
 * PTE-mapped pages (_nr_pages_mapped) in its refcount.  The head's mapcount
 * is every mapping, PMD or PTE (6.18's _large_mapcount).  Each page keeps
 * the number of PTEs mapping it (the kernel's per-page _mapcount, 0-based
 * here): a tail from the second one on in its own mapcount, the head and
 * the first tail in the first tail's mapping and index words, which a tail
 * does not use (folio_pte_mapcount).  Fork maps a page twice, so pages and
 * mappings differ: NR_ANON_MAPPED and the deferred split go by pages.
 *
 * A PMD mapping is the 512 PTEs of the aligned 2 MiB range, each with its
 * own page's pfn and PTE_PMD (hugetlb's PTE_HUGE is the same trick): a walk
 * meets the PMD at its first PTE.  __split_huge_pmd clears the bit, so the
 * folio is then PTE-mapped (each PTE holding a reference, as the kernel's
 * split adds HPAGE_PMD_NR - 1 to the one the PMD held).
 *
 * Observed on the 6.18 host (THP madvise, tests/scenarios/thp): a fault in
 * an MADV_HUGEPAGE range allocates the THP (thp_fault_alloc, AnonHugePages,
 * nr_anon_transparent_hugepages); mlock of a PMD-mapped THP counts 512
 * pages at once; a VMA boundary inside it splits the PMD (thp_split_pmd)
 * and mlock_pte_range then mlocks the PTE-mapped folio only when the whole
 * folio lies inside the walked range of the VMA, but munlocks it whole;
 * unmapping part of it queues it for a deferred split
 * (thp_deferred_split_page).  A read fault maps the huge zero page, and a
 * write to that allocates the THP (6.18; 6.12 and older split the PMD and
 * fall back to small pages: profile thp_wp_huge_zero_allocates).
 *
 * A THP is split into small folios (split_folio, at the end of this file)
 * by MADV_COLD, PAGEOUT and FREE of part of it, by reclaim that cannot
 * swap it out whole (no swap: thp_swpout_fallback), and by the deferred
 * split shrinker (shrink_deferred_split, from reclaim's shrink_node); the
 * pages a VM_LOCKED VMA maps are mlocked as they are mapped again.
 */
#include "internal.h"

#define HPAGE_PMD_MASK HPAGE_MASK

static struct page *folio_tail1(struct unev_machine *m, struct folio *f)
{
	return pfn_to_page(m, page_to_pfn(m, f) + 1);
}

/* entire_mapcount and _nr_pages_mapped live in the first tail page */
static int32_t *entire_mapcount(struct unev_machine *m, struct folio *f)
{
	return &folio_tail1(m, f)->mapcount;
}

static int32_t *nr_pages_mapped(struct unev_machine *m, struct folio *f)
{
	return &folio_tail1(m, f)->refcount;
}

/* The PTE mappings of page @i of large folio @f (page->_mapcount + 1). */
static int32_t *folio_pte_mapcount(struct unev_machine *m, struct folio *f, uint32_t i)
{
	struct page *t1 = folio_tail1(m, f);

	static_assert(sizeof(t1->mapping) == sizeof(int32_t), "a page's mapping word holds a count");
	if (i >= 2)
		return &pfn_to_page(m, page_to_pfn(m, f) + i)->mapcount;
	return (int32_t *)(i ? &t1->index : &t1->mapping);
}

int32_t folio_precise_page_mapcount(const struct unev_machine *m, const struct folio *f,
				    uint32_t pfn)
{
	const struct page *t1 = f + 1;	/* the memmap is one array */
	uint32_t i = pfn - page_to_pfn(m, f);
	int32_t ptes = i >= 2 ? m->memmap[pfn].mapcount : (int32_t)(i ? t1->index : t1->mapping);

	return ptes + t1->mapcount;
}

/*
 * __folio_add_rmap at PTE level, for large folio @f's @nr pages from @pfn:
 * each page gains a PTE mapping, and those it is the first of join
 * _nr_pages_mapped.  Returns how many pages were not mapped before (the
 * caller counts them in NR_ANON_MAPPED / NR_FILE_MAPPED unless a PMD maps
 * the folio).
 */
static long folio_add_pte_mappings(struct unev_machine *m, struct folio *f, uint32_t pfn,
				   unsigned int nr)
{
	uint32_t first = pfn - page_to_pfn(m, f);
	long newly = 0;

	assert(first + nr <= folio_nr_pages(f));
	for (uint32_t i = first; i < first + nr; i++)
		if ((*folio_pte_mapcount(m, f, i))++ == 0)
			newly++;
	f->mapcount += (int32_t)nr;
	*nr_pages_mapped(m, f) += (int32_t)newly;
	return newly;
}

/* deferred_split_folio's queueing: on its memcg's deferred split queue */
static void deferred_split_queue(struct unev_machine *m, struct folio *f)
{
	if (!folio_test_set(f, PG_deferred_split))
		m->nr_deferred_split++;
}

void prep_compound_page(struct unev_machine *m, struct folio *f)
{
	uint32_t head = page_to_pfn(m, f);

	for (uint32_t i = 1; i < folio_nr_pages(f); i++) {
		struct page *p = pfn_to_page(m, head + i);

		memset(p, 0, sizeof(*p));
		p->flags = PG_tail;
		p->lru_next = head;
		p->lru_prev = PFN_NIL;
		p->node = f->node;
	}
}

/* free_tail_page_prepare: a freed large folio's tails become plain frames */
void free_compound_tails(struct unev_machine *m, struct folio *f)
{
	uint32_t head = page_to_pfn(m, f);

	for (uint32_t i = 1; i < folio_nr_pages(f); i++) {
		struct page *p = pfn_to_page(m, head + i);

		if (!(p->flags & PG_tail))
			return;	/* a hugetlb folio: no tails were made */
		p->flags = 0;
		p->mapcount = p->refcount = 0;
		p->mapping = p->index = 0;	/* the first tail's page mapcounts */
		p->lru_next = p->lru_prev = PFN_NIL;
	}
}

/*
 * thp_vma_allowable_order for the PMD order on an anonymous fault: a
 * private anonymous VMA (not special, not hugetlb, not droppable), THP
 * "always" unless MADV_NOHUGEPAGE, "madvise" only with MADV_HUGEPAGE, and
 * the aligned 2 MiB around @addr wholly inside the VMA (thp_vma_suitable_order).
 */
bool thp_vma_allowable(const struct unev_machine *m, const struct vm_area_struct *vma,
		       uint64_t addr)
{
	uint64_t haddr = addr & HPAGE_PMD_MASK;

	if (vma->mapping || (vma->vm_flags & (VM_SHARED | VM_SPECIAL | VM_HUGETLB | VM_DROPPABLE |
					      VM_NOHUGEPAGE)))
		return false;
	switch (m->cfg.thp) {
	case UNEV_THP_NEVER:
		return false;
	case UNEV_THP_MADVISE:
		if (!(vma->vm_flags & VM_HUGEPAGE))
			return false;
		break;
	case UNEV_THP_ALWAYS:
		break;
	}
	return haddr >= vma->vm_start && haddr + HPAGE_SIZE <= vma->vm_end;
}

/* The PTE table of @haddr, NULL when the PMD is none (no table, or one the
 * model keeps with nothing in it: the kernel frees it with the range). */
uint64_t *pmd_table(struct mm_struct *mm, uint64_t haddr, bool *none)
{
	uint64_t *pte = pte_lookup(mm, haddr, false);

	*none = true;
	if (!pte)
		return NULL;
	for (unsigned int i = 0; i < PTRS_PER_TABLE; i++)
		if (pte[i]) {
			*none = false;
			break;
		}
	return pte;
}

static void set_pmd_ptes(uint64_t *pte, uint32_t pfn, bool same_pfn, uint64_t bits)
{
	for (uint64_t i = 0; i < HPAGE_PMD_NR; i++)
		pte[i] = ((uint64_t)(pfn + (same_pfn ? 0 : i)) << PAGE_SHIFT) | bits | PTE_PMD;
}

/*
 * vma_alloc_anon_folio_pmd: an order-9 folio on the local node when the
 * buddy allocator has one above the low watermark (the fault path does not
 * reclaim or compact for it here: GFP_TRANSHUGE_LIGHT under THP "madvise"
 * defrag would, but a model node with free 2 MiB blocks needs neither),
 * charged to the memcg; none is thp_fault_fallback (the charge failing,
 * thp_fault_fallback_charge too).
 */
static struct folio *alloc_anon_folio_pmd(struct unev_machine *m,
					  const struct vm_area_struct *vma)
{
	/* a VMA bound by mbind (MPOL_BIND): its node, not the local one */
	int node = vma->bind_node1 ? (int)vma->bind_node1 - 1 : numa_node_id(m);
	struct pglist_data *pgdat = &m->nodes[node];
	struct folio *f = NULL;

	if (pgdat->nr_free_pages >= pgdat->wmark_low + HPAGE_PMD_NR)
		f = folio_alloc(m, node, HPAGE_PMD_ORDER);
	if (!f) {
		count_vm_events(m, THP_FAULT_FALLBACK, 1);
		return NULL;
	}
	prep_compound_page(m, f);
	if (mem_cgroup_charge(m, f)) {
		folio_put(m, f);
		count_vm_events(m, THP_FAULT_FALLBACK, 1);
		count_vm_events(m, THP_FAULT_FALLBACK_CHARGE, 1);
		return NULL;
	}
	count_vm_events(m, THP_FAULT_ALLOC, 1);
	return f;
}

/*
 * map_anon_folio_pmd: folio_add_new_anon_rmap at PMD level (entire
 * mapping: NR_ANON_THPS and NR_ANON_MAPPED of all its pages), then
 * folio_add_lru_vma, which mlocks it in a VM_LOCKED VMA (mlock_new_folio,
 * 512 pages at once).
 */
void map_anon_folio_pmd(struct unev_machine *m, struct vm_area_struct *vma,
			       uint64_t haddr, uint64_t *pte, struct folio *f)
{
	long nr = (long)folio_nr_pages(f);

	if (!(vma->vm_flags & VM_DROPPABLE))
		folio_set(f, PG_swapbacked);
	folio_set(f, PG_anon | PG_anon_exclusive);
	f->mapping = vma->anon_vma;
	f->index = (uint32_t)(((haddr - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff);
	f->mapcount = 1;
	*entire_mapcount(m, f) = 1;
	*nr_pages_mapped(m, f) = 0;
	node_stat_mod(m, f->node, &m->nodes[f->node].nr_anon_mapped, nr);
	node_stat_mod(m, f->node, &m->nodes[f->node].nr_anon_thps, nr);
	if (m->profile->thp_queues_every_thp)	/* deferred_split_folio(folio, false) */
		deferred_split_queue(m, f);
	folio_add_lru_vma(m, f, vma);
	mm_counter_inc(vma->mm, f, nr);
	set_pmd_ptes(pte, page_to_pfn(m, f), false,
		     PTE_PRESENT | PTE_YOUNG | PTE_DIRTY |
			     ((vma->vm_flags & VM_WRITE) ? PTE_WRITE : 0));
}

static int huge_pmd_fault_alloc(struct unev_machine *m, struct vm_area_struct *vma,
				uint64_t haddr, uint64_t *pte)
{
	struct folio *f;

	if (anon_vma_prepare(m, vma))
		return -ENOMEM;
	f = alloc_anon_folio_pmd(m, vma);
	if (!f)
		return 1;
	map_anon_folio_pmd(m, vma, haddr, pte, f);
	return 0;
}

/*
 * do_huge_pmd_anonymous_page: only where the PMD is none.  A read fault
 * maps the huge zero page (transparent_hugepage/use_zero_page, on by
 * default) and a write a new THP.
 */
int do_huge_pmd_anonymous_page(struct unev_machine *m, struct vm_area_struct *vma,
			       uint64_t addr, bool write)
{
	uint64_t haddr = addr & HPAGE_PMD_MASK;
	bool none;
	uint64_t *pte = pmd_table(vma->mm, haddr, &none);

	if (!none)
		return 1;
	if (!pte) {	/* the deposited page table of the PMD, charged first */
		if (mem_cgroup_charge_kmem(m, 1))
			return -ENOMEM;
		pte = pte_lookup(vma->mm, haddr, true);
		if (!pte)
			return -ENOMEM;
	}
	/* the anon_vma comes first, for the huge zero page too (so
	 * MADV_COLLAPSE takes the VMA: seen on 6.18, collapse_errors.uvs) */
	if (anon_vma_prepare(m, vma))
		return -ENOMEM;
	if (!write && m->cfg.zero_page) {
		set_pmd_ptes(pte, m->zero_pfn, true, PTE_PRESENT | PTE_YOUNG);
		return 0;
	}
	return huge_pmd_fault_alloc(m, vma, haddr, pte);
}

/* A PMD that maps the huge zero page goes (zap or split): nothing is counted. */
static bool pmd_is_huge_zero(const struct unev_machine *m, const uint64_t *pte)
{
	return pte_pfn(*pte) == m->zero_pfn;
}

/*
 * ---- 2.6.28 to 5.17 (machine design=rmap-walk): 5.10's THP mlock ----
 *
 * No mlock_count: a THP is mlocked only while a single PMD maps it and
 * nothing maps it by PTEs ("We don't mlock() pte-mapped THPs", 5.10's
 * follow_trans_huge_pmd), so that mlocked pages never leak into a VMA that
 * is not VM_LOCKED.  Populate's follow_trans_huge_pmd mlocks it whole
 * (mlock_vma_page: 512 in unevictable_pgs_mlocked and NR_MLOCK); any split
 * of one of its PMDs, at a VMA boundary or by a fault, first clears its
 * mlock (clear_page_mlock: 512 cleared, and rescued by the putback); the
 * PTE-mapped THP is never mlocked again (follow_page_pte and
 * try_to_unmap_one skip PageTransCompound pages).  munlock_vma_pages_range
 * munlocks a THP through its head page, whole (mlock.c).
 */

/* __split_huge_pmd: "if (PageMlocked(page)) clear_page_mlock(page)", then
 * __split_huge_pmd_locked sets PageDoubleMap while another PMD maps it. */
static void split_huge_pmd_rmap_walk(struct unev_machine *m, struct folio *f)
{
	if (folio_test(f, PG_mlocked))
		clear_page_mlock(m, f);
	if (*entire_mapcount(m, f) > 1)
		folio_set(f, PG_double_map);
}

/* page_remove_anon_compound_rmap: the last PMD mapping of an mlocked THP
 * goes (clear_page_mlock), and PageDoubleMap with it. */
static void remove_anon_compound_rmap_rmap_walk(struct unev_machine *m, struct folio *f)
{
	folio_clear(f, PG_double_map);
	if (folio_test(f, PG_mlocked))
		clear_page_mlock(m, f);
}

/* remove_migration_pte (remap_page after a split): "if (vma->vm_flags &
 * VM_LOCKED && !PageTransCompound(new)) mlock_vma_page(new)": each page of
 * a split THP in a VM_LOCKED VMA is mlocked as a small page, and its
 * putback culls it to the unevictable list. */
static void remove_migration_pte_mlock(struct unev_machine *m, struct folio *s)
{
	mlock_vma_page(m, s);
}

/* shrink_page_list splits a THP before add_to_swap when no PMD maps it
 * ("!compound_mapcount(page)": 5.10), not counted as thp_swpout_fallback;
 * the mlock-count design when it is partly mapped (6.x's
 * folio_test_partially_mapped). */
bool thp_reclaim_splits_first(struct unev_machine *m, struct folio *f)
{
	if (design_rmap_walk(m))
		return folio_test_large(f) && *entire_mapcount(m, f) == 0;
	return folio_test(f, PG_partially_mapped);
}

void follow_trans_huge_pmd_mlock(struct unev_machine *m, struct vm_area_struct *vma,
				 const uint64_t *pte)
{
	struct folio *f;

	if (pmd_is_huge_zero(m, pte) || !(vma->vm_flags & VM_LOCKED))
		return;
	f = page_folio(m, pte_pfn(*pte));
	/* an anonymous THP shared over fork, or PTE-mapped too: skip_mlock */
	if (folio_test_anon(f) && *entire_mapcount(m, f) != 1)
		return;
	if (folio_test(f, PG_double_map) || !f->mapping)
		return;
	mlock_vma_page(m, f);
}

/*
 * __split_huge_pmd_locked: the PMD becomes 512 PTEs of the same pages
 * (thp_split_pmd).  The folio loses its entire mapping (NR_ANON_THPS) and
 * gains a PTE mapping of each page, each holding a reference; an mlocked
 * folio stays so on 6.18 (profile thp_split_pmd_keeps_mlock).  A huge zero
 * PMD becomes 512 zero-page PTEs.
 */
static void __split_huge_pmd(struct unev_machine *m, struct vm_area_struct *vma, uint64_t *pte)
{
	struct folio *f;

	count_vm_events(m, THP_SPLIT_PMD, 1);
	/* a file folio's PMD is cleared, not split: faults map its pages
	 * again by PTE (__split_huge_pmd_locked's !vma_is_anonymous case) */
	if (!pmd_is_huge_zero(m, pte) && !folio_test_anon(page_folio(m, pte_pfn(*pte)))) {
		zap_huge_pmd(m, vma, pte);
		return;
	}
	for (unsigned int i = 0; i < HPAGE_PMD_NR; i++)
		pte[i] &= ~PTE_PMD;
	if (pmd_is_huge_zero(m, pte))
		return;
	f = page_folio(m, pte_pfn(*pte));
	/* before 6.18 the PMD mapping's removal munlocks the folio and its
	 * new PTE mappings, of a large folio, do not mlock it again */
	if (!m->profile->thp_split_pmd_keeps_mlock && design_mlock_count(m))
		munlock_vma_folio(m, f, vma);
	if (design_rmap_walk(m))
		split_huge_pmd_rmap_walk(m, f);
	f->refcount += HPAGE_PMD_NR - 1;
	/* the PTEs' mappings (folio_add_anon_rmap_ptes: NR_ANON_MAPPED does
	 * not move while the PMD maps the folio), then the PMD's goes (its
	 * pages are all PTE-mapped now: none leaves NR_ANON_MAPPED) */
	folio_add_pte_mappings(m, f, page_to_pfn(m, f), HPAGE_PMD_NR);
	f->mapcount--;
	--*entire_mapcount(m, f);
	if (*entire_mapcount(m, f) == 0) {
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_anon_thps, -HPAGE_PMD_NR);
		folio_clear(f, PG_double_map);
	}
}

void split_huge_pmd_address(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr)
{
	uint64_t *pte = pte_lookup(vma->mm, addr & HPAGE_PMD_MASK, false);

	if (pte && (*pte & PTE_PRESENT) && (*pte & PTE_PMD))
		__split_huge_pmd(m, vma, pte);
}

/*
 * do_huge_pmd_wp_page: on the huge zero page 6.18 allocates a THP for the
 * write (do_huge_zero_wp_pmd); older kernels, or no THP to be had, split
 * the PMD and let the PTE fault take a small page.  A THP this mapping
 * holds exclusively (PG_anon_exclusive, or mapped once) is reused: the PMD
 * becomes writable; a shared one (fork) is split and the PTE fault copies
 * one small page.
 */
int huge_pmd_write_fault(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr)
{
	uint64_t haddr = addr & HPAGE_PMD_MASK;
	uint64_t *pte = pte_lookup(vma->mm, haddr, false);

	if (!pte || !(*pte & PTE_PMD))
		return 1;
	if (!pmd_is_huge_zero(m, pte)) {
		struct folio *f = page_folio(m, pte_pfn(*pte));

		if (!(vma->vm_flags & VM_WRITE))
			return -EFAULT;
		if (folio_test(f, PG_anon_exclusive) || f->mapcount == 1) {
			folio_set(f, PG_anon_exclusive);
			for (unsigned int i = 0; i < HPAGE_PMD_NR; i++)
				pte[i] |= PTE_WRITE | PTE_DIRTY;
			return 0;
		}
		__split_huge_pmd(m, vma, pte);
		return 1;
	}
	if (m->profile->thp_wp_huge_zero_allocates && thp_vma_allowable(m, vma, haddr)) {
		int ret;

		if (anon_vma_prepare(m, vma))
			return -ENOMEM;
		ret = huge_pmd_fault_alloc(m, vma, haddr, pte);
		if (ret <= 0)
			return ret;
	}
	__split_huge_pmd(m, vma, pte);
	return 1;
}

/* copy_huge_pmd: folio_try_dup_anon_rmap_pmd takes another entire mapping
 * (no counter moves: NR_ANON_THPS counts folios, not mappings) and the
 * folio is no longer exclusive. */
void copy_huge_pmd(struct unev_machine *m, struct mm_struct *dst_mm, uint64_t *dpte,
		   uint64_t *spte, bool cow)
{
	struct folio *f;

	if (cow)
		for (unsigned int i = 0; i < HPAGE_PMD_NR; i++)
			spte[i] &= ~PTE_WRITE;
	memcpy(dpte, spte, HPAGE_PMD_NR * sizeof(*dpte));
	if (pmd_is_huge_zero(m, spte))
		return;
	f = page_folio(m, pte_pfn(*spte));
	folio_get(f);
	f->mapcount++;
	++*entire_mapcount(m, f);
	folio_clear(f, PG_anon_exclusive);
	mm_counter_inc(dst_mm, f, (int64_t)folio_nr_pages(f));
}

/* deferred_split_folio(partially_mapped): a THP left partly mapped waits
 * on its memcg's queue for the shrinker (shrink_deferred_split). */
static void deferred_split_folio(struct unev_machine *m, struct folio *f)
{
	if (!folio_test_anon(f) || folio_test_set(f, PG_partially_mapped))
		return;
	deferred_split_queue(m, f);
	count_vm_events(m, THP_DEFERRED_SPLIT_PAGE, 1);
}

/*
 * zap_huge_pmd: the whole PMD goes with its range.  folio_remove_rmap_pmd:
 * the entire mapping's pages leave NR_ANON_THPS and (those no PTE maps)
 * NR_ANON_MAPPED, and munlock_vma_folio munlocks it in a VM_LOCKED VMA.
 */
void zap_huge_pmd(struct unev_machine *m, struct vm_area_struct *vma, uint64_t *pte)
{
	struct folio *f;
	long nr;

	if (pmd_is_huge_zero(m, pte)) {
		memset(pte, 0, HPAGE_PMD_NR * sizeof(*pte));
		return;
	}
	f = page_folio(m, pte_pfn(*pte));
	nr = (long)folio_nr_pages(f);
	memset(pte, 0, HPAGE_PMD_NR * sizeof(*pte));
	mm_counter_inc(vma->mm, f, -nr);
	f->mapcount--;
	if (--*entire_mapcount(m, f) == 0 && !folio_test_anon(f)) {
		/* folio_remove_rmap_pmd of a page-cache folio */
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_mapped,
			      -(nr - *nr_pages_mapped(m, f)));
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_pmdmapped, -nr);
	} else if (*entire_mapcount(m, f) == 0) {
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_anon_thps, -nr);
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_anon_mapped,
			      -(nr - *nr_pages_mapped(m, f)));
		if (f->mapcount > 0)	/* still PTE-mapped elsewhere */
			deferred_split_folio(m, f);
		if (design_rmap_walk(m))
			remove_anon_compound_rmap_rmap_walk(m, f);
	}
	if (design_mlock_count(m))
		munlock_vma_folio(m, f, vma);
	folio_put(m, f);
}

/*
 * folio_remove_rmap_ptes of a large folio: @nr PTEs from page @pfn go
 * (__folio_remove_rmap at PTE level); the pages whose last PTE mapping
 * went leave _nr_pages_mapped and, unless a PMD still maps the folio,
 * NR_ANON_MAPPED; a folio that lost a page and keeps another mapped is
 * partially mapped (deferred split); munlock_vma_folio once for the batch.
 * A page another mm maps since fork stays mapped: nothing is counted.
 */
void folio_remove_rmap_ptes(struct unev_machine *m, struct folio *f, uint32_t pfn,
			    unsigned int nr, struct vm_area_struct *vma)
{
	uint32_t first = pfn - page_to_pfn(m, f);
	long last = 0;

	assert(f->mapcount >= (int32_t)nr && first + nr <= folio_nr_pages(f));
	f->mapcount -= (int32_t)nr;
	for (uint32_t i = first; i < first + nr; i++) {
		int32_t *c = folio_pte_mapcount(m, f, i);

		assert(*c > 0);
		if (--*c == 0)
			last++;
	}
	*nr_pages_mapped(m, f) -= (int32_t)last;
	if (*entire_mapcount(m, f) == 0 && last) {
		struct pglist_data *pgdat = &m->nodes[f->node];

		if (folio_test_anon(f))
			node_stat_mod(m, f->node, &pgdat->nr_anon_mapped, -last);
		else
			node_stat_mod(m, f->node, &pgdat->nr_file_mapped, -last);
		/* 6.9+: when some page stays mapped; before, page_remove_rmap
		 * one page at a time: a page whose last mapping went queues
		 * it, even when the whole THP goes */
		if (!m->profile->thp_deferred_split_partial_only || *nr_pages_mapped(m, f) > 0)
			deferred_split_folio(m, f);
	}
	if (design_mlock_count(m))
		munlock_vma_folio(m, f, vma);
}

/* folio_dup_rmap_ptes (fork's copy_present_ptes) of a PTE-mapped large
 * folio: one more mapping of the page, which its parent maps already. */
void folio_dup_large_rmap_pte(struct unev_machine *m, struct folio *f, uint32_t pfn)
{
	long newly = folio_add_pte_mappings(m, f, pfn, 1);

	assert(newly == 0);
	(void)newly;
}

/*
 * folio_add_file_rmap_ptes / _pmd of a large page-cache folio: its pages
 * enter NR_FILE_MAPPED (those no other PTE or PMD maps), and 6.18 mlocks
 * it in a VM_LOCKED VMA when the call maps all of it (__folio_add_file_rmap:
 * folio_nr_pages == nr_pages, profile map_whole_file_folio); before, rmap
 * never mlocked a large file folio.
 */
void folio_add_file_rmap_ptes(struct unev_machine *m, struct folio *f, uint32_t pfn,
			      unsigned int nr, struct vm_area_struct *vma)
{
	long newly = folio_add_pte_mappings(m, f, pfn, nr);

	if (*entire_mapcount(m, f) == 0)
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_mapped, newly);
	if (m->profile->map_whole_file_folio && nr == folio_nr_pages(f))
		mlock_vma_folio(m, f, vma);
}

static void folio_add_file_rmap_pmd(struct unev_machine *m, struct folio *f,
				    struct vm_area_struct *vma)
{
	f->mapcount++;
	if (++*entire_mapcount(m, f) == 1) {
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_mapped,
			      (long)folio_nr_pages(f) - *nr_pages_mapped(m, f));
		/* __folio_add_file_rmap: the first PMD mapping (nr_pmdmapped) */
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_pmdmapped,
			      (long)folio_nr_pages(f));
	}
	if (m->profile->map_whole_file_folio)
		mlock_vma_folio(m, f, vma);
}

/*
 * do_set_pmd: a PMD-sized page-cache folio mapped by the PMD of @haddr,
 * which must be none, when the VMA holds the aligned 2 MiB at the file
 * offset of the folio (thp_vma_suitable_order) and no MADV_NOHUGEPAGE
 * (vma_thp_disabled; the THP mode is not asked: the folio is already
 * there).  A write fault's PMD is writable and dirty.  0 mapped, 1 fall
 * back to PTEs.
 */
int do_set_pmd(struct unev_machine *m, struct vm_area_struct *vma, uint64_t haddr,
	       struct folio *f, bool write)
{
	uint64_t *pte;
	bool none;

	if (f->order != HPAGE_PMD_ORDER || (vma->vm_flags & VM_NOHUGEPAGE) ||
	    haddr < vma->vm_start || haddr + HPAGE_SIZE > vma->vm_end ||
	    ((vma->vm_start >> PAGE_SHIFT) - vma->vm_pgoff) & (HPAGE_PMD_NR - 1))
		return 1;
	pte = pmd_table(vma->mm, haddr, &none);
	if (!none)
		return 1;
	if (!pte) {	/* the deposited page table of the PMD, charged first */
		if (mem_cgroup_charge_kmem(m, 1))
			return 1;
		pte = pte_lookup(vma->mm, haddr, true);
		if (!pte)
			return 1;
	}
	folio_get(f);
	folio_add_file_rmap_pmd(m, f, vma);
	mm_counter_inc(vma->mm, f, HPAGE_PMD_NR);
	set_pmd_ptes(pte, page_to_pfn(m, f), false,
		     PTE_PRESENT | PTE_YOUNG | (write ? PTE_WRITE | PTE_DIRTY : 0));
	count_vm_events(m, THP_FILE_MAPPED, 1);
	return 0;
}

/* folio_pte_batch: consecutive present PTEs mapping consecutive pages of @f
 * from @pte, at most @max and never past the folio's end. */
unsigned int folio_pte_batch(struct unev_machine *m, const struct folio *f, const uint64_t *pte,
			     unsigned int max)
{
	uint32_t pfn = pte_pfn(*pte), end = page_to_pfn(m, f) + (uint32_t)folio_nr_pages(f);
	unsigned int n = 1;

	while (n < max && pfn + n < end && (pte[n] & PTE_PRESENT) && !(pte[n] & PTE_PMD) &&
	       pte_pfn(pte[n]) == pfn + n)
		n++;
	return n;
}

/*
 * madvise_vma_behavior for MADV_HUGEPAGE / MADV_NOHUGEPAGE: hugepage_madvise
 * sets one flag and clears the other (the VMA split or merged to the range,
 * as for any flag change); existing THPs stay as they are (observed: a
 * range made nohugepage keeps its AnonHugePages).  MADV_HUGEPAGE also
 * registers the mm with khugepaged, which the model does not run.
 */
int madvise_hugepage(struct unev_machine *m, struct mm_struct *mm, struct vm_area_struct *vma,
		     uint64_t start, uint64_t end, int advice)
{
	uint64_t newflags = vma->vm_flags;

	if (advice == UNEV_MADV_HUGEPAGE)
		newflags = (newflags & ~VM_NOHUGEPAGE) | VM_HUGEPAGE;
	else
		newflags = (newflags & ~VM_HUGEPAGE) | VM_NOHUGEPAGE;
	if (newflags == vma->vm_flags)
		return 0;
	vma = vma_modify_flags(m, mm, vma, start, end, newflags, newflags);
	if (!vma)
		return -ENOMEM;
	vma_try_merge_around(m, mm, (unsigned int)find_vma_index(mm, vma->vm_start));
	return 0;
}

/* ---- split_huge_page: a THP becomes small folios (issue 11) ----
 *
 * split_huge_page_to_list_to_order to order 0, as 6.12 and 6.18 do it for
 * an anonymous THP: unmap_folio turns every mapping into a migration entry
 * (a PMD first split with freeze, thp_split_pmd, its entire mapping
 * removed at once; the PTEs of a PTE-mapped one one by one, so the folio
 * is partly mapped on the way and queued for a deferred split, counted as
 * thp_deferred_split_page: seen on the 6.18 host), each removal in a
 * VM_LOCKED VMA munlocking the folio (munlock_vma_folio); the tails take
 * the head's flags (PG_mlocked, PG_unevictable, PG_active, PG_dirty...)
 * and its LRU list (lru_add_split_folio: linked next to the head, on its
 * newer side, or with mlock_count 0 on the unevictable list; on reclaim's
 * private list with a reference of their own when it split an isolated
 * folio); remap_page then maps each page again as its own folio
 * (folio_add_anon_rmap_pte: a small folio in a VM_LOCKED VMA is mlocked,
 * mlock_drain_local after each), and a page nothing maps is freed.
 *
 * 5.10 (design rmap-walk) splits the same way, checked in the 5.10 VM
 * (tests/model/thp/split_remap_mlocks_5_10.uvs): the PMD's split clears
 * an mlocked THP's mlock (clear_page_mlock), its freeze removes each
 * page's mapping one by one, which queues even a whole THP for a deferred
 * split (page_remove_rmap: profile thp_deferred_split_partial_only off),
 * the tails join the head's list (the unevictable list is a real one),
 * and remap_page's remove_migration_pte mlocks each page of a VM_LOCKED
 * VMA (mlock_vma_page, putback through the lru_add pagevec).
 *
 * Not modelled: a zero-filled page of a split anonymous THP is mapped to
 * the shared zero page instead (6.12+, try_to_map_unused_to_zeropage);
 * `touch` writes every page it touches, and a THP is only made by a touch
 * of one of its pages, so a scenario that touches part of a THP and then
 * splits it would count pages the kernel frees.
 */

/* The PTE that maps page @i of @f in @vma (page_vma_mapped_walk), NULL if
 * this VMA maps it nowhere. */
static uint64_t *folio_page_pte(struct unev_machine *m, struct folio *f, uint32_t i,
				struct vm_area_struct *vma)
{
	uint32_t off = f->index + i - (uint32_t)vma->vm_pgoff;
	uint64_t *pte;

	if (off >= vma_pages(vma))
		return NULL;
	pte = pte_lookup(vma->mm, vma->vm_start + ((uint64_t)off << PAGE_SHIFT), false);
	if (!pte || !(*pte & PTE_PRESENT) || pte_pfn(*pte) != page_to_pfn(m, f) + i)
		return NULL;
	return pte;
}

/* folio_maybe_mapped_shared of a large anonymous folio: mapped by a PMD
 * twice, or a page twice, or no longer exclusive to one mm (fork). */
bool folio_large_maybe_shared(struct unev_machine *m, struct folio *f)
{
	return *entire_mapcount(m, f) > 1 ||
	       f->mapcount > *entire_mapcount(m, f) + *nr_pages_mapped(m, f) ||
	       !folio_test(f, PG_anon_exclusive);
}

/* unmap_folio: try_to_migrate with TTU_SPLIT_HUGE_PMD over every VMA of
 * the anon_vma.  The PTEs stay as they are (their pfns are the pages'
 * own): only the rmap, its counters and references go, as a migration
 * entry holds none. */
static void unmap_folio(struct unev_machine *m, struct folio *f)
{
	struct anon_vma *av = m->anon_vmas[f->mapping - 1];
	uint32_t nr = (uint32_t)folio_nr_pages(f);

	for (unsigned int v = 0; v < av->nr && f->mapcount; v++) {
		struct vm_area_struct *vma = av->vmas[v];

		for (uint32_t i = 0; i < nr && f->mapcount; i++) {
			uint64_t *pte = folio_page_pte(m, f, i, vma);

			if (!pte)
				continue;
			if (*pte & PTE_PMD) {
				__split_huge_pmd(m, vma, pte);
				folio_remove_rmap_ptes(m, f, page_to_pfn(m, f) + i, HPAGE_PMD_NR, vma);
				f->refcount -= HPAGE_PMD_NR;
				i += HPAGE_PMD_NR - 1;
				continue;
			}
			folio_remove_rmap_ptes(m, f, page_to_pfn(m, f) + i, 1, vma);
			f->refcount--;
		}
	}
}

/* lru_add_split_folio without a list: @p goes next to the head, on its
 * newer side (list_add_tail at the head's entry), so reclaim meets the
 * head first and the tails in ascending order after it. */
static void lru_add_split_folio(struct unev_machine *m, struct folio *head, struct page *p)
{
	struct lru_list_head *l = &folio_lruvec(m, head)->lists[folio_lru_list(head)];
	uint32_t pfn = page_to_pfn(m, p);

	p->flags |= PG_lru;
	/* the rmap-walk design's unevictable list is a real one (5.10's
	 * lru_add_page_tail links the tail next to the head whatever list) */
	if (folio_test(head, PG_unevictable) && design_mlock_count(m)) {
		folio_set_mlock_count(p, 0);
		p->lru_next = 2;	/* the even filler, as lruvec_add_folio */
		return;
	}
	p->lru_next = page_to_pfn(m, head);
	p->lru_prev = head->lru_prev;
	if (head->lru_prev != PFN_NIL)
		pfn_to_page(m, head->lru_prev)->lru_next = pfn;
	else
		l->head = pfn;
	head->lru_prev = pfn;
}

/* __split_huge_page_tail for every tail, from the last one down */
static void split_folio_pages(struct unev_machine *m, struct folio *f, bool isolated)
{
	const uint32_t inherit = PG_referenced | PG_swapbacked | PG_mlocked | PG_active |
				 PG_unevictable | PG_dirty | PG_anon | PG_anon_exclusive;
	uint32_t head = page_to_pfn(m, f), nr = (uint32_t)folio_nr_pages(f);

	for (uint32_t i = nr - 1; i >= 1; i--) {
		struct page *p = pfn_to_page(m, head + i);

		memset(p, 0, sizeof(*p));
		p->flags = PG_head | (f->flags & inherit);
		p->lru_next = p->lru_prev = PFN_NIL;
		p->mapping = f->mapping;
		p->index = f->index + i;
		p->node = f->node;
		p->memcg = f->memcg;
		if (isolated)
			p->refcount = 1;	/* reclaim's list holds it */
		else if (folio_test(f, PG_lru))
			lru_add_split_folio(m, f, p);
	}
	f->order = 0;
	deferred_split_dequeue(m, f);
}

/* remap_page: every page mapped again, now a folio of its own; then the
 * split's hold on the tails goes, freeing those nothing maps */
static void remap_page(struct unev_machine *m, struct folio *f, uint32_t nr, bool isolated)
{
	struct anon_vma *av = m->anon_vmas[f->mapping - 1];
	uint32_t head = page_to_pfn(m, f);

	for (unsigned int v = 0; v < av->nr; v++) {
		struct vm_area_struct *vma = av->vmas[v];

		for (uint32_t i = 0; i < nr; i++) {
			struct folio *s;

			if (!folio_page_pte(m, f, i, vma))
				continue;
			s = pfn_to_page(m, head + i);
			folio_get(s);
			folio_add_anon_rmap_pte(m, s, vma);
			if ((vma->vm_flags & VM_LOCKED) && design_rmap_walk(m))
				remove_migration_pte_mlock(m, s);
			else if (vma->vm_flags & VM_LOCKED)
				mlock_drain_local(m);
		}
	}
	for (uint32_t i = 1; i < nr && !isolated; i++) {
		struct folio *s = pfn_to_page(m, head + i);

		if (!s->refcount) {	/* free_page_and_swap_cache */
			s->refcount = 1;
			folio_put(m, s);
		}
	}
}

int split_folio(struct unev_machine *m, struct folio *f, bool isolated)
{
	uint32_t nr = (uint32_t)folio_nr_pages(f);

	if (!folio_test_anon(f) || folio_test(f, PG_swapcache) || folio_test(f, PG_hugetlb))
		return -EOPNOTSUPP;
	/* can_split_folio: the mappings and the caller's pin, nothing more
	 * (the per-CPU batches never hold a large folio: they drain at once) */
	if (f->refcount != f->mapcount + 1 || !f->mapping) {
		count_vm_events(m, THP_SPLIT_PAGE_FAILED, 1);
		return -EAGAIN;
	}
	unmap_folio(m, f);
	assert(f->mapcount == 0 && f->refcount == 1);
	split_folio_pages(m, f, isolated);
	remap_page(m, f, nr, isolated);
	count_vm_events(m, THP_SPLIT_PAGE, 1);
	return 0;
}

void deferred_split_dequeue(struct unev_machine *m, struct folio *f)
{
	if (folio_test_clear(f, PG_deferred_split))
		m->nr_deferred_split--;
	folio_clear(f, PG_partially_mapped);
}

/*
 * deferred_split_scan: up to @nr_to_scan folios of the queue, each pinned
 * (folio_try_get); a partly mapped one is split (its unmapped pages freed,
 * its pages in a VM_LOCKED VMA mlocked by remap_page), a whole one leaves
 * the queue (thp_underused says no while khugepaged's max_ptes_none is
 * 511, the default).  The queue's order is its folios' frame order here,
 * not the order they joined it: do_shrink_slab scans the whole queue
 * whenever it scans one of up to SHRINK_BATCH folios.
 */
static void deferred_split_scan(struct unev_machine *m, int memcg, int node, int64_t nr_to_scan)
{
	for (uint32_t pfn = 1; pfn < m->nr_pfns && nr_to_scan; pfn++) {
		struct folio *f = &m->memmap[pfn];

		if (!(f->flags & PG_deferred_split) || f->memcg != memcg || f->node != node ||
		    !f->refcount)
			continue;
		nr_to_scan--;
		if (!folio_test(f, PG_partially_mapped)) {
			deferred_split_dequeue(m, f);
			continue;
		}
		folio_get(f);
		split_folio(m, f, false);
		folio_put(m, f);
	}
}

#define SHRINK_BATCH 128
#define DEFAULT_SEEKS 2

/*
 * do_shrink_slab for the deferred split shrinker (memcg aware, per node):
 * freeable is the queue's length (deferred_split_count); the pass scans
 * (freeable >> priority) * 4 / DEFAULT_SEEKS plus what earlier passes put
 * off (nr_deferred >> priority), at most twice freeable, in batches while
 * a batch or the whole queue is left.  A queue of a few folios is thus
 * scanned only at priority 1 or 0: by a reclaim that found too little to
 * reclaim before (on a machine without swap, one of anonymous memory).
 */
void shrink_deferred_split(struct unev_machine *m, int memcg, int node, int priority)
{
	struct lruvec *lv = mem_cgroup_lruvec(m, memcg, node);
	int64_t freeable = 0, nr, delta, total, scanned = 0, next;

	if (!m->nr_deferred_split)
		return;
	for (uint32_t pfn = 1; pfn < m->nr_pfns; pfn++) {
		const struct folio *f = &m->memmap[pfn];

		if ((f->flags & PG_deferred_split) && f->memcg == memcg && f->node == node)
			freeable++;
	}
	if (!freeable)
		return;
	nr = lv->split_nr_deferred;
	lv->split_nr_deferred = 0;
	delta = (freeable >> priority) * 4 / DEFAULT_SEEKS;
	total = (nr >> priority) + delta;
	if (total > 2 * freeable)
		total = 2 * freeable;
	while (total >= SHRINK_BATCH || total >= freeable) {
		int64_t n = total < SHRINK_BATCH ? total : SHRINK_BATCH;

		deferred_split_scan(m, memcg, node, n);
		total -= n;
		scanned += n;
	}
	next = nr + delta - scanned;
	if (next < 0)
		next = 0;
	if (next > 2 * freeable)
		next = 2 * freeable;
	lv->split_nr_deferred += next;
}

/*
 * folio_referenced of an anonymous large folio: folio_referenced_one per
 * VMA of its anon_vma walks every page the VMA maps, clearing the young
 * bits (a PMD's once), and counts the VMA once if any was young.  A
 * VM_LOCKED VMA that maps it by a PMD, or (6.6+: profile
 * mlock_pte_mapped_large) by PTEs of all its pages, mlocks it and ends the
 * walk; other PTEs in a VM_LOCKED VMA are passed over on 6.6+ (reclaim
 * counts the references of the pages outside it), counted before.
 */
int folio_referenced_large(struct unev_machine *m, struct folio *f, uint64_t *vm_flags)
{
	struct anon_vma *av = m->anon_vmas[f->mapping - 1];
	uint32_t nr = (uint32_t)folio_nr_pages(f);
	int referenced = 0;

	*vm_flags = 0;
	for (unsigned int v = 0; v < av->nr; v++) {
		struct vm_area_struct *vma = av->vmas[v];
		bool locked = vma->vm_flags & VM_LOCKED, young = false;
		uint32_t ptes = 0;

		for (uint32_t i = 0; i < nr; i++) {
			uint64_t *pte = folio_page_pte(m, f, i, vma);
			unsigned int n = 1;

			if (!pte)
				continue;
			if (*pte & PTE_PMD) {
				if (locked)
					goto mlock;
				n = HPAGE_PMD_NR;
				i += HPAGE_PMD_NR - 1;
			} else if (locked) {
				if (m->profile->mlock_pte_mapped_large) {
					if (++ptes == nr)
						goto mlock;
					continue;
				}
			}
			for (unsigned int j = 0; j < n; j++) {
				young |= pte[j] & PTE_YOUNG;
				pte[j] &= ~PTE_YOUNG;
			}
		}
		if (young) {
			referenced++;
			*vm_flags |= vma->vm_flags & ~VM_LOCKED;
		}
		continue;
mlock:
		mlock_vma_folio(m, f, vma);
		*vm_flags |= VM_LOCKED;
		return referenced;
	}
	return referenced;
}

/*
 * try_to_unmap of a lazyfree (MADV_FREE) anonymous large folio in reclaim:
 * a VM_LOCKED VMA fails it (mlocking the folio where it maps it whole, as
 * folio_referenced_large); a folio written since (a dirty PTE, or
 * PG_dirty) is swap-backed again and stays; otherwise every mapping is
 * discarded, the PMD whole (unmap_huge_pmd_locked, 6.12+: no PMD split)
 * and the PTEs in one batch (6.18's folio_unmap_pte_batch; the model
 * checks the whole folio before it clears any).  0 unmapped, 1 not.
 */
int try_to_unmap_large_lazyfree(struct unev_machine *m, struct folio *f)
{
	struct anon_vma *av = m->anon_vmas[f->mapping - 1];
	uint32_t nr = (uint32_t)folio_nr_pages(f);
	bool dirty = folio_test(f, PG_dirty);

	for (unsigned int v = 0; v < av->nr; v++) {
		struct vm_area_struct *vma = av->vmas[v];
		uint32_t ptes = 0;

		for (uint32_t i = 0; i < nr; i++) {
			uint64_t *pte = folio_page_pte(m, f, i, vma);

			if (!pte)
				continue;
			if (*pte & PTE_PMD) {
				/* unmap_huge_pmd_locked discards it whole on
				 * 6.18.15, while 6.12.117, 6.18.44 and 7.3.4
				 * split the PMD first: seen in the VMs and on
				 * the host, a difference no profile can tell */
				unev_refuse(m, "reclaim discarding a lazyfree PMD-mapped transparent huge page");
				return 1;
			}
			ptes++;
			dirty |= *pte & PTE_DIRTY;
		}
		if (ptes && (vma->vm_flags & VM_LOCKED)) {
			if (ptes == nr)
				mlock_vma_folio(m, f, vma);
			return 1;
		}
	}
	if (dirty) {
		folio_set(f, PG_swapbacked);
		return 1;
	}
	for (unsigned int v = 0; v < av->nr && f->mapcount; v++) {
		struct vm_area_struct *vma = av->vmas[v];

		for (uint32_t i = 0; i < nr; i++) {
			uint64_t *pte;
			uint32_t run = 0;

			/* a run of consecutive pages the VMA maps goes in one
			 * batch (partly mapped only if another VMA still maps
			 * some), or one by one before 6.14 */
			while (i + run < nr && (pte = folio_page_pte(m, f, i + run, vma))) {
				*pte = 0;
				run++;
			}
			if (!run)
				continue;
			mm_counter_inc(vma->mm, f, -(int64_t)run);
			if (m->profile->lazyfree_unmap_batched)
				folio_remove_rmap_ptes(m, f, page_to_pfn(m, f) + i, run, vma);
			else
				for (uint32_t k = 0; k < run; k++)
					folio_remove_rmap_ptes(m, f, page_to_pfn(m, f) + i + k, 1, vma);
			f->refcount -= (int32_t)run;
			i += run;
		}
	}
	return 0;
}
