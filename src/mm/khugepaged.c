/*
 * khugepaged.c - MADV_COLLAPSE: the synchronous collapse of anonymous
 * small pages into PMD-mapped THPs (mm/khugepaged.c madvise_collapse,
 * hpage_collapse_scan_pmd, collapse_huge_page).  The khugepaged thread
 * itself, which does the same in the background under the sysfs limits
 * (max_ptes_none/swap/shared), is not modelled: the model has no time.
 *
 * Each aligned 2 MiB of the range is scanned; one that qualifies gets a new
 * THP (thp_collapse_alloc), its small pages are isolated from the LRU,
 * copied, put back (folio_putback_lru), unmapped (folio_remove_rmap_pte,
 * which munlocks them in a VM_LOCKED VMA) and released; the THP is mapped
 * by a PMD through folio_add_lru_vma, which mlocks it in a VM_LOCKED VMA.
 * The putback and the munlock each go through a per-CPU batch, so an old
 * page still in the lru_add batch when the mlock batch is processed is
 * counted stranded, not munlocked (seen on 6.18: 496 munlocked and 16
 * stranded for 512 mlocked pages).
 *
 * Observed on the 6.18.44 host (tests/scenarios/thp/collapse_*.uvs):
 * MADV_COLLAPSE ignores the sysfs mode ("madvise" without MADV_HUGEPAGE
 * collapses) and max_ptes_none (one page in 2 MiB is enough); EINVAL for a
 * VMA without an anon_vma (never faulted), with VM_NOHUGEPAGE, or holding
 * no aligned 2 MiB; a range already PMD-mapped (a THP or the huge zero
 * page) counts as done; a 2 MiB without a page table stops the walk
 * (EINVAL); one of zero pages in a VMA with an anon_vma is collapsed
 * (seen once on the 6.18.44 host; the 6.18.15 and 7.3.4 VMs answered
 * EINVAL for what may have been a VMA without one: not settled);
 * COW-shared and read-only pages collapse (the copy is this mm's, the
 * other mm keeps the old pages); a PTE-mapped THP is copied into a new one.
 * Per kernel (profile.h): MADV_COLLAPSE itself (6.1+, has_madv_collapse);
 * 6.1/6.12 want a writable PTE (collapse_needs_writable) and unmap a
 * PTE-mapped THP a page at a time (collapse_unmaps_large_batched); 7.3 goes
 * on past a 2 MiB without a page table (collapse_skips_pmd_none) and frees
 * the stranded pages from the lru_add batch unrescued (lru_add_frees_dead).
 *
 * Not modelled (the run stops at FILE:LINE): file and shmem collapse
 * (hpage_collapse_scan_file), swap entries in the range (the swap-in
 * before the copy), the rmap-walk and none designs (no THP there).
 */
#include "internal.h"

/* enum scan_result (mm/khugepaged.c): the ones the model can meet */
enum scan_result {
	SCAN_FAIL,
	SCAN_SUCCEED,
	SCAN_PMD_NONE,		/* no page table: ends the walk */
	SCAN_PMD_MAPPED,	/* a PMD mapping already */
	SCAN_PAGE_RO,		/* nothing writable (6.1, 6.12) */
	SCAN_PAGE_LRU,		/* a folio off the LRU */
	SCAN_PAGE_COUNT,	/* a reference beyond the mappings' (a pin) */
	SCAN_DEL_PAGE_LRU,	/* folio_isolate_lru failed */
	SCAN_ALLOC_HUGE_PAGE_FAIL,
	SCAN_CGROUP_CHARGE_FAIL,
	SCAN_UNMODELLED,	/* a swap entry or marker (swap-in for collapse) */
};

/* madvise_collapse_errno: what the caller may do about the last failure */
static int madvise_collapse_errno(enum scan_result r)
{
	switch (r) {
	case SCAN_ALLOC_HUGE_PAGE_FAIL:
		return -ENOMEM;
	case SCAN_CGROUP_CHARGE_FAIL:
		return -EBUSY;
	case SCAN_PAGE_COUNT:
	case SCAN_PAGE_LRU:
	case SCAN_DEL_PAGE_LRU:
		return -EAGAIN;
	case SCAN_UNMODELLED:
		return -EOPNOTSUPP;
	default:
		return -EINVAL;
	}
}

/*
 * thp_vma_allowable_order without TVA_ENFORCE_SYSFS: the sysfs mode does
 * not matter, VM_NOHUGEPAGE does; a private anonymous VMA (file and shmem
 * collapse are not modelled: the caller refuses them) that has an anon_vma
 * and room for one aligned 2 MiB.
 */
static bool collapse_vma_allowable(const struct vm_area_struct *vma)
{
	uint64_t haddr = (vma->vm_end & HPAGE_MASK) - HPAGE_SIZE;

	if (vma->vm_flags & (VM_NOHUGEPAGE | VM_SPECIAL | VM_HUGETLB | VM_DROPPABLE))
		return false;
	if (!vma->anon_vma)
		return false;
	return vma->vm_end >= HPAGE_SIZE && haddr >= vma->vm_start;
}

/* is_refcount_suitable: no reference but the mappings' (and the swap
 * cache's); a pinned folio cannot be copied safely */
static bool is_refcount_suitable(const struct folio *f)
{
	int32_t expected = f->mapcount;

	if (folio_test(f, PG_swapcache))
		expected += (int32_t)folio_nr_pages(f);
	return f->refcount == expected;
}

static bool pte_none_or_zero(const struct unev_machine *m, uint64_t pte)
{
	return !pte || ((pte & PTE_PRESENT) && pte_pfn(pte) == m->zero_pfn);
}

/* hpage_collapse_scan_pmd's look at the 512 PTEs, for MADV_COLLAPSE */
static enum scan_result hpage_collapse_scan_pmd(struct unev_machine *m, const uint64_t *pte)
{
	bool writable = false;

	if (!pte)
		return SCAN_PMD_NONE;
	if (*pte & PTE_PMD)
		return SCAN_PMD_MAPPED;
	for (unsigned int i = 0; i < HPAGE_PMD_NR; i++) {
		struct folio *f;

		if (pte_none_or_zero(m, pte[i]))
			continue;
		if (!(pte[i] & PTE_PRESENT))
			return SCAN_UNMODELLED;
		if (pte[i] & PTE_WRITE)
			writable = true;
		f = page_folio(m, pte_pfn(pte[i]));
		if (!folio_test(f, PG_lru))
			return SCAN_PAGE_LRU;
		if (!is_refcount_suitable(f))
			return SCAN_PAGE_COUNT;
	}
	/* 6.18 collapses a 2 MiB of zero pages too (seen once on the host,
	 * see the top); 6.12 finds no writable PTE there */
	if (!writable && m->profile->collapse_needs_writable)
		return SCAN_PAGE_RO;
	return SCAN_SUCCEED;
}

/*
 * alloc_charge_folio: an order-9 folio on the node most of the pages are
 * on (hpage_collapse_find_target_node: the first of the most), counted in
 * thp_collapse_alloc or thp_collapse_alloc_failed, then charged.
 */
static enum scan_result alloc_charge_folio(struct unev_machine *m, const uint64_t *pte,
					   struct folio **out)
{
	unsigned int load[64] = { 0 };	/* node_load: at most 64 nodes (unevict.h) */
	int node = 0;
	struct folio *f = NULL;

	for (unsigned int i = 0; i < HPAGE_PMD_NR; i++)
		if (!pte_none_or_zero(m, pte[i]))
			load[page_folio(m, pte_pfn(pte[i]))->node]++;
	for (unsigned int n = 1; n < m->cfg.nodes && n < 64; n++)
		if (load[n] > load[node])
			node = (int)n;
	if (m->nodes[node].nr_free_pages >= m->nodes[node].wmark_min + HPAGE_PMD_NR)
		f = folio_alloc(m, node, HPAGE_PMD_ORDER);
	if (!f) {
		count_vm_events(m, THP_COLLAPSE_ALLOC_FAILED, 1);
		return SCAN_ALLOC_HUGE_PAGE_FAIL;
	}
	count_vm_events(m, THP_COLLAPSE_ALLOC, 1);
	prep_compound_page(m, f);
	if (mem_cgroup_charge(m, f)) {
		folio_put(m, f);
		return SCAN_CGROUP_CHARGE_FAIL;
	}
	*out = f;
	return SCAN_SUCCEED;
}

/* The folios __collapse_huge_page_isolate took off the LRU, in PTE order
 * (a large folio once: its compound_pagelist). */
struct collapse_isolated {
	uint32_t pfn[HPAGE_PMD_NR];
	bool large[HPAGE_PMD_NR];	/* on the compound_pagelist */
	unsigned int nr;
};

static bool isolated_has(const struct collapse_isolated *iso, uint32_t pfn)
{
	for (unsigned int i = 0; i < iso->nr; i++)
		if (iso->pfn[i] == pfn)
			return true;
	return false;
}

/* release_pte_folio: folio_putback_lru, the isolation's reference dropped */
static void release_pte_folio(struct unev_machine *m, struct folio *f)
{
	folio_add_lru(m, f);
	folio_put(m, f);
}

/*
 * __collapse_huge_page_isolate: each page's folio off the LRU (a large one
 * once), after checking its references again; on failure those taken go
 * back (release_pte_pages).
 */
static enum scan_result collapse_isolate(struct unev_machine *m, const uint64_t *pte,
					 struct collapse_isolated *iso)
{
	iso->nr = 0;
	for (unsigned int i = 0; i < HPAGE_PMD_NR; i++) {
		struct folio *f;
		uint32_t pfn;

		if (pte_none_or_zero(m, pte[i]))
			continue;
		f = page_folio(m, pte_pfn(pte[i]));
		pfn = page_to_pfn(m, f);
		if (folio_test_large(f) && isolated_has(iso, pfn))
			continue;
		if (!is_refcount_suitable(f) || !folio_isolate_lru(m, f)) {
			enum scan_result r = folio_test(f, PG_lru) ? SCAN_PAGE_COUNT
								  : SCAN_DEL_PAGE_LRU;

			while (iso->nr)
				release_pte_folio(m, pfn_to_page(m, iso->pfn[--iso->nr]));
			return r;
		}
		iso->large[iso->nr] = folio_test_large(f);
		iso->pfn[iso->nr++] = pfn;
	}
	return SCAN_SUCCEED;
}

/*
 * __collapse_huge_page_copy_succeeded: an empty or zero PTE adds a page to
 * RssAnon (the THP maps it now); a small folio is put back on the LRU
 * first, then unmapped and its PTE's reference dropped; a large folio's
 * PTEs go in one batch on 6.18 (folio_remove_rmap_ptes: no deferred split)
 * and it is put back at the end.  The old pages' own RssAnon stays:
 * the THP takes it over.
 */
static void collapse_copy_succeeded(struct unev_machine *m, struct vm_area_struct *vma,
				    uint64_t *pte, struct collapse_isolated *iso)
{
	for (unsigned int i = 0; i < HPAGE_PMD_NR;) {
		struct folio *f;
		unsigned int nr;

		if (pte_none_or_zero(m, pte[i])) {
			vma->mm->rss_anon++;
			pte[i++] = 0;
			continue;
		}
		f = page_folio(m, pte_pfn(pte[i]));
		if (!folio_test_large(f)) {
			release_pte_folio(m, f);
			pte[i++] = 0;
			folio_remove_rmap_pte(m, f, vma);
			folio_put(m, f);
			continue;
		}
		/* 6.12 unmaps a large folio a page at a time, so it is partly
		 * mapped after the first (thp_deferred_split_page, seen on
		 * 6.12.117); 6.18 in one batch */
		nr = m->profile->collapse_unmaps_large_batched
			     ? folio_pte_batch(m, f, &pte[i], HPAGE_PMD_NR - i) : 1;
		memset(&pte[i], 0, nr * sizeof(*pte));
		i += nr;
		folio_remove_rmap_ptes(m, f, nr, vma);
		for (unsigned int k = 0; k < nr; k++)
			folio_put(m, f);
	}
	/* the small ones may be freed by now: only the compound_pagelist */
	for (unsigned int i = 0; i < iso->nr; i++)
		if (iso->large[i])
			release_pte_folio(m, pfn_to_page(m, iso->pfn[i]));
}

/*
 * collapse_huge_page: the THP first (allocated before the PTEs are taken),
 * then the pages isolated, copied and released, and the THP mapped by the
 * PMD (folio_add_new_anon_rmap, folio_add_lru_vma).
 */
static enum scan_result collapse_huge_page(struct unev_machine *m, struct vm_area_struct *vma,
					   uint64_t haddr, uint64_t *pte)
{
	struct collapse_isolated *iso;
	struct folio *f;
	enum scan_result r = alloc_charge_folio(m, pte, &f);

	if (r != SCAN_SUCCEED)
		return r;
	iso = malloc(sizeof(*iso));
	if (!iso) {
		folio_put(m, f);
		return SCAN_FAIL;
	}
	r = collapse_isolate(m, pte, iso);
	if (r != SCAN_SUCCEED) {
		free(iso);
		folio_put(m, f);
		return r;
	}
	collapse_copy_succeeded(m, vma, pte, iso);
	free(iso);
	map_anon_folio_pmd(m, vma, haddr, pte, f);
	/* map_anon_folio_pmd counts the THP's pages in RssAnon: here the old
	 * pages and the empty PTEs already stand for them */
	mm_counter_inc(vma->mm, f, -(int64_t)HPAGE_PMD_NR);
	return SCAN_SUCCEED;
}

/*
 * madvise_collapse of [start, end) inside @vma: every batch drained first
 * (lru_add_drain_all), then each aligned 2 MiB in turn.  Success, or a
 * 2 MiB already PMD-mapped, counts; the results a retry or the next range
 * may get past (an empty or read-only range, a folio off the LRU or
 * pinned) are remembered and the walk goes on; any other ends it.  0 when
 * every 2 MiB is a THP now (and when the range holds no aligned 2 MiB),
 * else the errno of the last failure.
 */
int madvise_collapse(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
		     uint64_t end)
{
	uint64_t hstart = (start + HPAGE_SIZE - 1) & HPAGE_MASK, hend = end & HPAGE_MASK;
	enum scan_result last_fail = SCAN_FAIL;
	uint64_t thps = 0;

	/* THP is modelled on the mlock-count design only (huge_memory.c) */
	if (!design_mlock_count(m))
		return -EOPNOTSUPP;
	if (!collapse_vma_allowable(vma))
		return -EINVAL;
	lru_add_drain_all(m);
	for (uint64_t addr = hstart; addr < hend; addr += HPAGE_SIZE) {
		bool none;
		uint64_t *pte = pmd_table(vma->mm, addr, &none);
		enum scan_result r;

		/* an empty table counts as none (seen on 6.18 after
		 * MADV_DONTNEED of the whole 2 MiB: the walk stops) */
		r = hpage_collapse_scan_pmd(m, none ? NULL : pte);
		if (r == SCAN_SUCCEED)
			r = collapse_huge_page(m, vma, addr, pte);
		switch (r) {
		case SCAN_SUCCEED:
		case SCAN_PMD_MAPPED:
			thps++;
			break;
		case SCAN_PMD_NONE:
			/* 7.x goes on (profile collapse_skips_pmd_none) */
			last_fail = r;
			if (m->profile->collapse_skips_pmd_none)
				break;
			goto out;
		case SCAN_PAGE_RO:
		case SCAN_PAGE_LRU:
		case SCAN_PAGE_COUNT:
		case SCAN_DEL_PAGE_LRU:
			last_fail = r;
			break;
		default:
			last_fail = r;
			goto out;
		}
	}
out:
	if (last_fail == SCAN_UNMODELLED)
		return -EOPNOTSUPP;
	return hend <= hstart || thps == (hend - hstart) / HPAGE_SIZE
		       ? 0 : madvise_collapse_errno(last_fail);
}
