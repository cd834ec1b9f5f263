/*
 * debug.c - the model's invariants (the checks of mm/debug.c's
 * VM_BUG_ON_FOLIO and CONFIG_DEBUG_VM, gathered for unev_check_invariants).
 *
 * One function per invariant; each returns 0, or -EUCLEAN with the first
 * violation described in buf.  unev_check_invariants runs them in order.
 */
#include <stdio.h>

#include "internal.h"

#define FAIL(...)                                      \
	do {                                           \
		snprintf(buf, len, __VA_ARGS__);       \
		return -EUCLEAN;                       \
	} while (0)

/* Walk one evictable list: every member is PG_lru and belongs on it. */
static int check_list(const struct unev_machine *m, const struct lruvec *lv, int lru,
		      char *buf, size_t len)
{
	const struct lru_list_head *l = &lv->lists[lru];
	const struct pglist_data *pgdat = &m->nodes[lv->node];
	uint64_t n = 0;
	uint32_t prev = PFN_NIL;

	for (uint32_t pfn = l->head; pfn != PFN_NIL; pfn = m->memmap[pfn].lru_next) {
		const struct page *p;

		if (pfn >= m->nr_pfns)
			FAIL("node %d %s: link to pfn %u out of range", lv->node, unev_lru_name(lru), pfn);
		p = &m->memmap[pfn];
		if (!(p->flags & PG_lru) || folio_lru_list(p) != lru)
			FAIL("node %d: pfn %u linked on %s but flags say %s%s", lv->node, pfn,
			     unev_lru_name(lru), unev_lru_name(folio_lru_list(p)),
			     p->flags & PG_lru ? "" : " (no PG_lru)");
		if (p->lru_prev != prev)
			FAIL("node %d %s: pfn %u has a broken back link", lv->node, unev_lru_name(lru), pfn);
		/* per-node lists: a folio is on the lruvec of the node its frame
		 * lies in and of the memcg it is charged to (folio_lruvec), so
		 * migration and compaction must move it between lruvecs */
		if (pfn < pgdat->start_pfn || pfn - pgdat->start_pfn >= pgdat->spanned_pages ||
		    p->node != lv->node)
			FAIL("pfn %u (page node %u) on node %d's %s list", pfn, p->node, lv->node,
			     unev_lru_name(lru));
		if (p->memcg != lv->memcg)
			FAIL("pfn %u of memcg %u on memcg %d's %s list", pfn, p->memcg, lv->memcg,
			     unev_lru_name(lru));
		prev = pfn;
		n += folio_nr_pages(p);
		if (n > l->nr)
			break;
	}
	if (n != l->nr)
		FAIL("node %d: %s holds %llu pages but its gauge says %llu", lv->node,
		     unev_lru_name(lru), (unsigned long long)n, (unsigned long long)l->nr);
	return 0;
}

/* 1. The evictable lists are well linked and their gauges count them. */
static int check_lru_links(const struct unev_machine *m, char *buf, size_t len)
{
	for (unsigned int n = 0; n < m->cfg.nodes; n++) {
		for (unsigned int mc = 0; mc < m->nr_memcgs; mc++) {
			const struct lruvec *lv = mem_cgroup_lruvec((struct unev_machine *)m, (int)mc, (int)n);

			for (int lru = 0; lru < UNEV_LRU_UNEVICTABLE; lru++) {
				int err = check_list(m, lv, lru, buf, len);

				if (err)
					return err;
			}
		}
	}
	return 0;
}

/* 2. Each folio on its own: never unevictable and active at once
 * (folio_lru_list's VM_BUG_ON), at least as many references as mappings,
 * charged to a memcg that exists. */
static int check_folio_flags(const struct unev_machine *m, char *buf, size_t len)
{
	for (uint32_t pfn = 1; pfn < m->nr_pfns; pfn++) {
		const struct page *p = &m->memmap[pfn];

		if (!(p->flags & PG_head))
			continue;
		if ((p->flags & (PG_unevictable | PG_active)) == (PG_unevictable | PG_active))
			FAIL("pfn %u is PG_unevictable and PG_active", pfn);
		if (p->refcount < p->mapcount || p->mapcount < 0)
			FAIL("pfn %u: refcount %d below mapcount %d", pfn, p->refcount, p->mapcount);
		if (p->memcg >= m->nr_memcgs)
			FAIL("pfn %u charged to memcg %u that does not exist", pfn, p->memcg);
	}
	return 0;
}

/* 3. The pages flagged PG_lru for each list of each lruvec are what its
 * gauge says, and the node's gauges are the sum of its lruvecs'. */
static int check_lru_gauges(const struct unev_machine *m, char *buf, size_t len)
{
	size_t nr_lv = (size_t)m->cfg.nodes * m->nr_memcgs;
	uint64_t *flagged = calloc(nr_lv * UNEV_NR_LRU_LISTS, sizeof(uint64_t));
	int err = 0;

	if (!flagged)
		return -ENOMEM;
	for (uint32_t pfn = 1; pfn < m->nr_pfns; pfn++) {
		const struct page *p = &m->memmap[pfn];

		if ((p->flags & (PG_head | PG_lru)) == (PG_head | PG_lru))
			flagged[((size_t)p->node * m->nr_memcgs + p->memcg) * UNEV_NR_LRU_LISTS +
				folio_lru_list(p)] += folio_nr_pages(p);
	}
	for (unsigned int n = 0; n < m->cfg.nodes && !err; n++) {
		uint64_t node_total[UNEV_NR_LRU_LISTS] = { 0 };

		for (unsigned int mc = 0; mc < m->nr_memcgs && !err; mc++) {
			const struct lruvec *lv = mem_cgroup_lruvec((struct unev_machine *)m, (int)mc, (int)n);

			for (int lru = 0; lru < UNEV_NR_LRU_LISTS && !err; lru++) {
				uint64_t got = flagged[((size_t)n * m->nr_memcgs + mc) * UNEV_NR_LRU_LISTS + lru];

				node_total[lru] += lv->lists[lru].nr;
				if (got != lv->lists[lru].nr) {
					snprintf(buf, len, "node %u memcg %u: %llu pages flagged for %s, gauge says %llu",
						 n, mc, (unsigned long long)got, unev_lru_name(lru),
						 (unsigned long long)lv->lists[lru].nr);
					err = -EUCLEAN;
				}
			}
		}
		for (int lru = 0; lru < UNEV_NR_LRU_LISTS && !err; lru++) {
			if (node_total[lru] != m->nodes[n].nr_lru[lru]) {
				snprintf(buf, len, "node %u: the %s lruvecs hold %llu pages, the node gauge %llu",
					 n, unev_lru_name(lru), (unsigned long long)node_total[lru],
					 (unsigned long long)m->nodes[n].nr_lru[lru]);
				err = -EUCLEAN;
			}
		}
	}
	free(flagged);
	return err;
}

/* 4. NR_MLOCK counts the PG_mlocked pages (mlock_folio / munlock_folio
 * move the two together). */
static int check_nr_mlock(const struct unev_machine *m, char *buf, size_t len)
{
	int64_t mlocked = 0, nr_mlock = 0;

	for (uint32_t pfn = 1; pfn < m->nr_pfns; pfn++) {
		const struct page *p = &m->memmap[pfn];

		if ((p->flags & (PG_head | PG_mlocked)) == (PG_head | PG_mlocked))
			mlocked += (int64_t)folio_nr_pages(p);
	}
	for (unsigned int n = 0; n < m->cfg.nodes; n++)
		nr_mlock += m->nodes[n].nr_mlock;
	if (mlocked != nr_mlock)
		FAIL("%lld pages are PG_mlocked but nr_mlock is %lld", (long long)mlocked,
		     (long long)nr_mlock);
	return 0;
}

/* The munlocks of @pfn waiting in the CPUs' mlock batches: each will take
 * one off its mlock_count when the batch runs (__munlock_folio). */
static unsigned int pending_munlocks(const struct unev_machine *m, uint32_t pfn)
{
	unsigned int n = 0;

	for (unsigned int c = 0; c < m->cfg.cpus; c++) {
		const struct folio_batch *b = &m->cpus[c].mlock;

		for (unsigned int i = 0; i < b->nr; i++)
			n += b->pfn[i] == pfn && !(b->tag[i] & (MLOCK_LRU_FOLIO | MLOCK_NEW_FOLIO));
	}
	return n;
}

/*
 * 5. mlock_count (5.18+): it lives in lru_prev only while the folio is on
 * the unevictable list (mm_types.h).  A count above zero means the folio
 * is PG_mlocked (__munlock_folio clears PG_mlocked only when the count
 * reaches zero), and each count is one VM_LOCKED mapping (mlock_vma_folio):
 * it may undercount but never exceeds the PTEs mapping the folio plus the
 * munlocks still queued for it.
 */
static int check_mlock_count(const struct unev_machine *m, char *buf, size_t len)
{
	if (!design_mlock_count(m))
		return 0;
	for (uint32_t pfn = 1; pfn < m->nr_pfns; pfn++) {
		const struct page *p = &m->memmap[pfn];
		unsigned int count, bound;

		if ((p->flags & (PG_head | PG_lru | PG_unevictable)) !=
		    (PG_head | PG_lru | PG_unevictable))
			continue;
		count = folio_mlock_count(p);
		if (count && !(p->flags & PG_mlocked))
			FAIL("pfn %u: mlock_count %u but not PG_mlocked", pfn, count);
		if (!count)
			continue;
		bound = (unsigned int)(p->mapcount > 0 ? p->mapcount : 0) + pending_munlocks(m, pfn);
		if (count > bound)
			FAIL("pfn %u: mlock_count %u above its %d mappings and %u queued munlocks",
			     pfn, count, p->mapcount, bound - (unsigned int)(p->mapcount > 0 ? p->mapcount : 0));
	}
	return 0;
}

/* 6. Each memcg's usage is the pages charged to it and its descendants
 * (try_charge_memcg charges every ancestor), and never over its limit.
 * The root is left out: memcg 0 on a folio also means "not charged" (the
 * folios allocated outside any charge), as v1's root keeps no counter. */
static int check_memcg_usage(const struct unev_machine *m, char *buf, size_t len)
{
	uint64_t *charged = calloc(m->nr_memcgs, sizeof(uint64_t));

	if (!charged)
		return -ENOMEM;
	for (uint32_t pfn = 1; pfn < m->nr_pfns; pfn++) {
		const struct page *p = &m->memmap[pfn];

		if (!(p->flags & PG_head) || p->memcg >= m->nr_memcgs)
			continue;
		for (int id = p->memcg; id > 0; id = m->memcgs[id]->parent)
			charged[id] += folio_nr_pages(p);
	}
	for (unsigned int i = 1; i < m->nr_memcgs; i++) {
		const struct mem_cgroup *mc = m->memcgs[i];
		uint64_t got = charged[i];

		if (got != mc->usage) {
			free(charged);
			FAIL("memcg %s: usage %llu pages but %llu are charged to it", mc->name,
			     (unsigned long long)mc->usage, (unsigned long long)got);
		}
		if (mc->usage > mc->limit) {
			free(charged);
			FAIL("memcg %s: usage %llu pages over its limit %llu", mc->name,
			     (unsigned long long)mc->usage, (unsigned long long)mc->limit);
		}
	}
	free(charged);
	return 0;
}

/* 7. Each live task's VMAs are sorted without overlap. */
static int check_vma_order(const struct unev_machine *m, char *buf, size_t len)
{
	for (unsigned int i = 0; i < m->nr_tasks; i++) {
		const struct task_struct *t = m->tasks[i];

		if (!t->alive)
			continue;
		for (unsigned int v = 1; v < t->mm->nr_vmas; v++)
			if (t->mm->vmas[v - 1]->vm_end > t->mm->vmas[v]->vm_start)
				FAIL("pid %d: VMAs overlap at %#llx", t->pid,
				     (unsigned long long)t->mm->vmas[v]->vm_start);
	}
	return 0;
}

/* 8. locked_vm is the size of the VM_LOCKED VMAs (mlock_fixup, mmap_region
 * and munmap keep them together), plus what a MREMAP_DONTUNMAP left
 * charged (locked_vm_unbacked). */
static int check_locked_vm(const struct unev_machine *m, char *buf, size_t len)
{
	for (unsigned int i = 0; i < m->nr_tasks; i++) {
		const struct task_struct *t = m->tasks[i];
		uint64_t locked = 0;

		if (!t->alive)
			continue;
		for (unsigned int v = 0; v < t->mm->nr_vmas; v++)
			if (t->mm->vmas[v]->vm_flags & VM_LOCKED)
				locked += vma_pages(t->mm->vmas[v]);
		if (locked + t->mm->locked_vm_unbacked != t->mm->locked_vm)
			FAIL("pid %d: locked_vm is %llu pages but its VM_LOCKED VMAs hold %llu (and %llu left by MREMAP_DONTUNMAP)",
			     t->pid, (unsigned long long)t->mm->locked_vm, (unsigned long long)locked,
			     (unsigned long long)t->mm->locked_vm_unbacked);
	}
	return 0;
}

/* The huge pages each hugetlb VMA maps: mapcount tallies, the
 * reservations a private VMA still holds, hugetlb_usage. */
static int count_hugetlb_mappings(const struct unev_machine *m, uint32_t *mapped,
				  uint64_t *private_resv, char *buf, size_t len)
{
	for (unsigned int i = 0; i < m->nr_tasks; i++) {
		const struct task_struct *t = m->tasks[i];
		uint64_t usage = 0;

		if (!t->alive)
			continue;
		for (unsigned int v = 0; v < t->mm->nr_vmas; v++) {
			struct vm_area_struct *vma = t->mm->vmas[v];

			if (!is_vm_hugetlb_page(vma))
				continue;
			if ((vma->vm_start | vma->vm_end) & ~HPAGE_MASK)
				FAIL("pid %d: hugetlb VMA %#llx-%#llx is not huge-aligned", t->pid,
				     (unsigned long long)vma->vm_start, (unsigned long long)vma->vm_end);
			for (uint64_t a = vma->vm_start; a < vma->vm_end; a += HPAGE_SIZE) {
				uint64_t *pte = pte_lookup(t->mm, a, false);
				uint32_t pfn;

				if (!pte || !(*pte & PTE_PRESENT)) {
					*private_resv += !(vma->vm_flags & VM_MAYSHARE);
					continue;
				}
				pfn = pte_pfn(*pte);
				if (!(m->memmap[pfn].flags & PG_hugetlb) ||
				    pte_pfn(pte[HPAGE_NR_PAGES - 1]) != pfn + HPAGE_NR_PAGES - 1)
					FAIL("pid %d: the huge entry at %#llx maps pfn %u, no whole huge page",
					     t->pid, (unsigned long long)a, pfn);
				mapped[pfn]++;
				usage += HPAGE_NR_PAGES;
			}
		}
		if (usage != t->mm->hugetlb_usage)
			FAIL("pid %d: hugetlb_usage %llu pages, its hugetlb VMAs map %llu", t->pid,
			     (unsigned long long)t->mm->hugetlb_usage, (unsigned long long)usage);
	}
	return 0;
}


/*
 * 10. Large folios (THP, huge_memory.c): every page after the head of an
 * allocated large folio that is not hugetlb's is a tail pointing at it and
 * on no list (the folio is on its list by its head only); no tail page is
 * left outside one; the folio's mappings are at least its PMD mappings
 * (entire_mapcount) plus its PTE-mapped pages (fork may map a page twice);
 * NR_ANON_THPS counts the anonymous ones some PMD maps; only live
 * anonymous large folios wait on a deferred split queue (a split or freed
 * one has left it), every partly mapped one does, and nr_deferred_split
 * counts them.
 */
static int check_large_folios(const struct unev_machine *m, char *buf, size_t len)
{
	int64_t anon_thps = 0, gauge = 0;
	uint64_t queued = 0;
	uint32_t covered_to = 0;	/* the tails of the last large folio end here */

	for (uint32_t pfn = 1; pfn < m->nr_pfns; pfn++) {
		const struct page *p = &m->memmap[pfn];
		const struct page *t1;

		if (p->flags & PG_tail) {
			if (pfn >= covered_to)
				FAIL("pfn %u is a tail page of no large folio", pfn);
			continue;
		}
		if (!(p->flags & PG_head) || !p->order || (p->flags & PG_hugetlb) ||
		    !(m->memmap[pfn + 1].flags & PG_tail))
			continue;
		covered_to = pfn + (uint32_t)folio_nr_pages(p);
		for (uint32_t t = pfn + 1; t < covered_to; t++)
			if (m->memmap[t].flags != PG_tail || m->memmap[t].lru_next != pfn)
				FAIL("pfn %u of the large folio at %u: flags %#x, head %u", t, pfn,
				     m->memmap[t].flags, m->memmap[t].lru_next);
		t1 = &m->memmap[pfn + 1];
		if (t1->mapcount < 0 || t1->refcount < 0 ||
		    t1->refcount > (int32_t)folio_nr_pages(p) ||
		    p->mapcount < t1->mapcount + t1->refcount)
			FAIL("large folio at %u: %d mappings for %d PMD mappings and %d PTE-mapped pages",
			     pfn, p->mapcount, t1->mapcount, t1->refcount);
		if ((p->flags & PG_anon) && t1->mapcount > 0)
			anon_thps += (int64_t)folio_nr_pages(p);
		/* a page-cache folio's _nr_pages_mapped: its pages some PTE
		 * maps (pages 0 and 1 count theirs in the first tail's mapping
		 * and index, huge_memory.c file_page_mapcount_add) */
		if (!(p->flags & PG_anon) && p->mapping) {
			int32_t mapped = (t1->mapping > 0) + (t1->index > 0);

			for (uint32_t t = pfn + 2; t < covered_to; t++)
				mapped += m->memmap[t].mapcount > 0;
			if (mapped != t1->refcount)
				FAIL("large page-cache folio at %u: %d pages PTE-mapped, _nr_pages_mapped %d",
				     pfn, mapped, t1->refcount);
		}
		/* 5.10 (rmap-walk): an mlocked THP is mapped by PMDs only (a
		 * split clears the mlock, PTE-mapped THPs are never mlocked),
		 * and PageDoubleMap only while a PMD maps it */
		if (design_rmap_walk(m) && (p->flags & PG_mlocked) && t1->refcount > 0)
			FAIL("large folio at %u: mlocked with %d PTE-mapped pages (rmap-walk)", pfn,
			     t1->refcount);
		if ((p->flags & PG_double_map) && t1->mapcount == 0)
			FAIL("large folio at %u: PageDoubleMap without a PMD mapping", pfn);
	}
	for (uint32_t pfn = 1; pfn < m->nr_pfns; pfn++) {
		const struct page *p = &m->memmap[pfn];

		if (!(p->flags & (PG_deferred_split | PG_partially_mapped)))
			continue;
		if (!(p->flags & PG_head) || !p->order || !(p->flags & PG_anon) || !p->refcount)
			FAIL("pfn %u is on the deferred split queue but no anonymous large folio",
			     pfn);
		if ((p->flags & PG_partially_mapped) && !(p->flags & PG_deferred_split))
			FAIL("partly mapped THP at %u is not on the deferred split queue", pfn);
		queued++;
	}
	if (queued != m->nr_deferred_split)
		FAIL("%llu folios on the deferred split queues, nr_deferred_split %llu",
		     (unsigned long long)queued, (unsigned long long)m->nr_deferred_split);
	for (unsigned int n = 0; n < m->cfg.nodes; n++)
		gauge += m->nodes[n].nr_anon_thps;
	if (gauge != anon_thps)
		FAIL("PMD-mapped anonymous THPs hold %lld pages but NR_ANON_THPS is %lld",
		     (long long)anon_thps, (long long)gauge);
	return 0;
}
/*
 * 9. The huge page pool: HugePages_Total counts the PG_hugetlb folios,
 * HugePages_Free those on the free list (no reference, no mapping), each
 * in-use one has as many mappings as hugetlb VMAs map it, none is on an LRU
 * or mlocked; HugePages_Rsvd is what the inodes hold plus the private
 * VMAs' huge pages not yet faulted, and the free pages cover it.
 */
static int check_hugetlb_pool(const struct unev_machine *m, char *buf, size_t len)
{
	const struct hstate *h = &m->hstate;
	uint64_t total = 0, unused = 0, resv = 0;
	uint32_t *mapped = calloc(m->nr_pfns, sizeof(*mapped));
	int err;

	if (!mapped)
		return -ENOMEM;
	err = count_hugetlb_mappings(m, mapped, &resv, buf, len);
	for (uint32_t pfn = 1; pfn < m->nr_pfns && !err; pfn++) {
		const struct page *p = &m->memmap[pfn];

		if ((p->flags & (PG_head | PG_hugetlb)) != (PG_head | PG_hugetlb))
			continue;
		total++;
		unused += p->refcount == 0;
		if (p->order != HPAGE_ORDER || (p->flags & (PG_lru | PG_mlocked | PG_unevictable))) {
			snprintf(buf, len, "huge pfn %u: order %u, flags %#x", pfn, p->order, p->flags);
			err = -EUCLEAN;
		} else if ((uint32_t)p->mapcount != mapped[pfn]) {
			snprintf(buf, len, "huge pfn %u: mapcount %d, %u hugetlb entries map it", pfn,
				 p->mapcount, mapped[pfn]);
			err = -EUCLEAN;
		}
	}
	free(mapped);
	if (err)
		return err;
	for (unsigned int i = 0; i < m->nr_mappings; i++)
		if (m->mappings[i] && m->mappings[i]->kind == MAPPING_HUGETLB)
			resv += m->mappings[i]->hugetlb_resv;
	if (total != h->nr_huge_pages || unused != h->free_huge_pages)
		FAIL("huge pages: %llu in the pool, %llu unused; HugePages_Total %llu, Free %llu",
		     (unsigned long long)total, (unsigned long long)unused,
		     (unsigned long long)h->nr_huge_pages, (unsigned long long)h->free_huge_pages);
	for (uint64_t i = 0; i < h->free_huge_pages; i++)
		if (m->memmap[h->free_list[i]].refcount != 0)
			FAIL("huge pfn %u is on the free list with %d references", h->free_list[i],
			     m->memmap[h->free_list[i]].refcount);
	if (resv != h->resv_huge_pages || resv > h->free_huge_pages)
		FAIL("HugePages_Rsvd %llu, the mappings reserve %llu, %llu pages free",
		     (unsigned long long)h->resv_huge_pages, (unsigned long long)resv,
		     (unsigned long long)h->free_huge_pages);
	if (h->surplus_huge_pages > h->nr_huge_pages)
		FAIL("HugePages_Surp %llu above HugePages_Total %llu",
		     (unsigned long long)h->surplus_huge_pages, (unsigned long long)h->nr_huge_pages);
	return 0;
}

/*
 * 10. The page cache: an entry is a folio's head of this mapping whose
 * range holds the index, and a large folio is found at each of its
 * indices (the xarray's multi-index entry).
 */
static int check_page_cache(const struct unev_machine *m, char *buf, size_t len)
{
	for (unsigned int i = 0; i < m->nr_mappings; i++) {
		const struct address_space *as = m->mappings[i];

		if (!as || as->kind == MAPPING_HUGETLB)
			continue;
		for (uint64_t idx = cache_next_chunk(as, 0); idx < as->nr_slots;
		     idx = cache_next_chunk(as, idx + 1)) {
			uint32_t e = cache_entry(as, idx);
			const struct folio *f;

			if (e == PFN_NIL || !cache_entry_is_folio(e))
				continue;
			f = &m->memmap[e];
			if ((f->flags & PG_tail) || f->mapping != as->id || idx < f->index ||
			    idx >= f->index + folio_nr_pages(f))
				FAIL("%s: index %llu holds pfn %u (index %u, order %u, mapping %u)",
				     as->name, (unsigned long long)idx, e, f->index, f->order,
				     f->mapping);
			for (uint64_t j = 1; idx == f->index && j < folio_nr_pages(f); j++)
				if (cache_entry(as, idx + j) != e)
					FAIL("%s: the large folio at index %llu is not at index %llu",
					     as->name, (unsigned long long)idx,
					     (unsigned long long)(idx + j));
		}
	}
	return 0;
}

int unev_check_invariants(const struct unev_machine *m, char *buf, size_t len)
{
	static int (*const checks[])(const struct unev_machine *, char *, size_t) = {
		check_large_folios,
		check_lru_links, check_folio_flags, check_lru_gauges, check_nr_mlock,
		check_mlock_count, check_memcg_usage, check_vma_order, check_locked_vm,
		check_hugetlb_pool, check_page_cache,
	};

	for (size_t i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		int err = checks[i](m, buf, len);

		if (err)
			return err;
	}
	return 0;
}
