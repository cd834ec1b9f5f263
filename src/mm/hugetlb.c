/*
 * hugetlb.c - the huge page pool and hugetlb mappings (mm/hugetlb.c,
 * fs/hugetlbfs/inode.c), as far as mlock meets them.
 *
 * vm.nr_hugepages fills the pool with 2 MiB folios from the buddy
 * allocator; a MAP_HUGETLB mapping or an SHM_HUGETLB segment reserves
 * pool pages when it is made (HugePages_Rsvd) and takes them at fault.
 * Huge folios are never on an LRU and never mlocked: mlock_fixup and
 * mmap_region leave a hugetlb VMA without VM_LOCKED (VM_DONTEXPAND is in
 * VM_SPECIAL), charge no locked_vm, yet __mm_populate faults it in
 * ("FILTERING SPECIAL VMAS" of the seed).
 *
 * A mapped huge page fills all 512 PTEs of its aligned 2 MiB with PTE_HUGE
 * entries (the kernel's one PMD entry, seen by a walk at either level) and
 * counts once in the folio's mapcount, as its entire_mapcount.
 *
 * Reservations: a shared mapping's live in its inode (hugetlb_resv: the
 * huge pages of the file not yet in its cache); a private mapping's are
 * its huge pages not yet faulted, so the zap of a private range (munmap,
 * exit: the only zaps a hugetlb VMA meets here) gives back the
 * reservations of its holes (hugetlb_vm_op_close) and the pages it maps.
 */
#include "internal.h"

static struct hstate *hstate(struct unev_machine *m)
{
	return &m->hstate;
}

/* enqueue_hugetlb_folio: to the head of the free list. */
static int enqueue_hugetlb_folio(struct unev_machine *m, struct folio *f)
{
	struct hstate *h = hstate(m);

	if (h->nr_huge_pages > h->cap_free_list) {
		uint64_t cap = h->cap_free_list ? h->cap_free_list * 2 : 16;
		uint32_t *n;

		while (cap < h->nr_huge_pages)
			cap *= 2;
		n = realloc(h->free_list, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		h->free_list = n;
		h->cap_free_list = cap;
	}
	h->free_list[h->free_huge_pages++] = page_to_pfn(m, f);
	return 0;
}

/* dequeue_hugetlb_folio_nodemask: from the head of the free list. */
static struct folio *dequeue_hugetlb_folio(struct unev_machine *m)
{
	struct hstate *h = hstate(m);

	if (!h->free_huge_pages)
		return NULL;
	return pfn_to_page(m, h->free_list[--h->free_huge_pages]);
}

/* update_and_free_hugetlb_folio: back to the buddy allocator. */
static void update_and_free_hugetlb_folio(struct unev_machine *m, struct folio *f)
{
	folio_clear(f, PG_hugetlb);
	f->refcount = 0;
	free_folio(m, f);
}

/* alloc_pool_huge_folio: a fresh huge folio, the nodes taken in turn. */
static struct folio *alloc_pool_huge_folio(struct unev_machine *m)
{
	struct hstate *h = hstate(m);

	for (unsigned int i = 0; i < m->cfg.nodes; i++) {
		int nid = (int)h->next_nid_to_alloc;
		struct folio *f;

		h->next_nid_to_alloc = (h->next_nid_to_alloc + 1) % m->cfg.nodes;
		f = folio_alloc(m, nid, HPAGE_ORDER);
		if (f) {
			folio_set(f, PG_hugetlb);
			f->refcount = 0;
			return f;
		}
	}
	return NULL;
}

/*
 * free_huge_folio: the last reference went.  A surplus page leaves the
 * pool (the pool was shrunk under it); any other waits on the free list.
 */
static void free_huge_folio(struct unev_machine *m, struct folio *f)
{
	struct hstate *h = hstate(m);

	f->mapcount = 0;
	if (h->surplus_huge_pages) {
		h->surplus_huge_pages--;
		h->nr_huge_pages--;
		update_and_free_hugetlb_folio(m, f);
		return;
	}
	/* the list has room for every page of the pool (enqueue grew it) */
	h->free_list[h->free_huge_pages++] = page_to_pfn(m, f);
}

static void hugetlb_folio_put(struct unev_machine *m, struct folio *f)
{
	assert(f->refcount > 0);
	if (--f->refcount == 0)
		free_huge_folio(m, f);
}

/*
 * set_max_huge_pages: a pool of @count persistent pages.  Growing takes
 * surplus pages back first, then fresh ones while the buddy allocator has
 * them (the sysctl then reads fewer); shrinking never goes below the pages
 * in use and reserved, frees free pages, and makes the excess of pages in
 * use surplus, freed when they are (adjust_pool_surplus).
 */
int hugetlb_sysctl_nr_hugepages(struct unev_machine *m, uint64_t count)
{
	struct hstate *h = hstate(m);
	uint64_t min_count;

	while (h->surplus_huge_pages && count > h->nr_huge_pages - h->surplus_huge_pages)
		h->surplus_huge_pages--;
	while (count > h->nr_huge_pages - h->surplus_huge_pages) {
		struct folio *f = alloc_pool_huge_folio(m);

		if (!f)
			break;
		h->nr_huge_pages++;
		if (enqueue_hugetlb_folio(m, f)) {
			h->nr_huge_pages--;
			update_and_free_hugetlb_folio(m, f);
			return -ENOMEM;
		}
	}
	/* free pages go down to min_count; the pages in use above @count
	 * turn surplus (adjust_pool_surplus) */
	min_count = h->resv_huge_pages + h->nr_huge_pages - h->free_huge_pages;
	if (min_count < count)
		min_count = count;
	while (min_count < h->nr_huge_pages - h->surplus_huge_pages && h->free_huge_pages) {
		h->nr_huge_pages--;
		update_and_free_hugetlb_folio(m, dequeue_hugetlb_folio(m));
	}
	while (count < h->nr_huge_pages - h->surplus_huge_pages)
		h->surplus_huge_pages++;
	return 0;
}

void hugetlb_exit(struct unev_machine *m)
{
	free(m->hstate.free_list);
	m->hstate.free_list = NULL;
}

/*
 * hugetlb_acct_memory -> gather_surplus_pages: @delta more reserved pages
 * fit when the free pages cover every reservation; with no overcommit
 * (nr_overcommit_hugepages 0) no surplus page may be made: -ENOMEM.
 */
static int hugetlb_acct_memory(struct unev_machine *m, uint64_t delta)
{
	struct hstate *h = hstate(m);

	if (h->resv_huge_pages + delta > h->free_huge_pages)
		return -ENOMEM;
	h->resv_huge_pages += delta;
	return 0;
}

/*
 * hugetlb_acct_memory(-@nr) -> return_unused_surplus_pages: reservations
 * given back, and as many free surplus pages leave the pool.
 */
static void hugetlb_unreserve(struct unev_machine *m, uint64_t nr)
{
	struct hstate *h = hstate(m);
	uint64_t surplus = nr < h->surplus_huge_pages ? nr : h->surplus_huge_pages;

	assert(h->resv_huge_pages >= nr);
	h->resv_huge_pages -= nr;
	while (surplus-- && h->free_huge_pages) {
		h->surplus_huge_pages--;
		h->nr_huge_pages--;
		update_and_free_hugetlb_folio(m, dequeue_hugetlb_folio(m));
	}
}

int hugetlb_file_setup(struct unev_machine *m, uint64_t size, const char *name, bool reserve,
		       struct address_space **out)
{
	struct address_space *as = mapping_create(m, MAPPING_HUGETLB, size, name);
	uint64_t nr = size >> HPAGE_SHIFT;

	if (!as)
		return -ENOMEM;
	if (reserve) {
		if (hugetlb_acct_memory(m, nr)) {
			mapping_put(m, as);
			return -ENOMEM;
		}
		as->hugetlb_resv = nr;
	}
	*out = as;
	return 0;
}

/*
 * hugetlbfs_file_mmap: the VMA becomes VM_HUGETLB | VM_DONTEXPAND, its
 * offset must be huge-aligned, and hugetlb_reserve_pages reserves its
 * huge pages: a private VMA's own, a shared one's in the inode.  An
 * SHM_HUGETLB segment (S_PRIVATE inode) reserved at shmget.
 */
int hugetlb_reserve_vma(struct unev_machine *m, struct vm_area_struct *vma)
{
	uint64_t nr = (vma->vm_end - vma->vm_start) >> HPAGE_SHIFT;

	vma->vm_flags |= VM_HUGETLB | VM_DONTEXPAND;
	if (vma->vm_pgoff & (HPAGE_NR_PAGES - 1))
		return -EINVAL;
	if (vma->shm_id)
		return 0;
	if (hugetlb_acct_memory(m, nr))
		return -ENOMEM;
	if (vma->vm_flags & VM_MAYSHARE)
		vma->mapping->hugetlb_resv += nr;
	return 0;
}

/* vma_hugecache_offset: the huge page's index in the file. */
static uint64_t vma_hugecache_offset(const struct vm_area_struct *vma, uint64_t haddr)
{
	return ((haddr - vma->vm_start) >> HPAGE_SHIFT) + (vma->vm_pgoff >> HPAGE_ORDER);
}

/*
 * alloc_hugetlb_folio: a page the mapping reserved (consumed: Rsvd goes
 * down with Free), else a free page nobody reserved; none is -ENOSPC,
 * SIGBUS for the faulting task.
 */
static struct folio *alloc_hugetlb_folio(struct unev_machine *m, bool reserved)
{
	struct hstate *h = hstate(m);
	struct folio *f;

	if (!reserved && h->free_huge_pages <= h->resv_huge_pages)
		return NULL;
	f = dequeue_hugetlb_folio(m);
	if (!f)
		return NULL;
	if (reserved)
		h->resv_huge_pages--;
	f->refcount = 1;
	return f;
}

static void set_huge_ptes(struct unev_machine *m, uint64_t *pte, const struct folio *f,
			  bool writable, bool dirty)
{
	uint64_t bits = PTE_PRESENT | PTE_YOUNG | PTE_HUGE | (writable ? PTE_WRITE : 0) |
			(dirty ? PTE_DIRTY : 0);
	uint32_t pfn = page_to_pfn(m, f);

	for (uint64_t i = 0; i < HPAGE_NR_PAGES; i++)
		pte[i] = ((uint64_t)(pfn + i) << PAGE_SHIFT) | bits;
}

/*
 * hugetlb_fault -> hugetlb_no_page: a shared mapping finds the page in its
 * file or adds a new one there; a private one takes its own.  The entry
 * is writable at once only in a shared writable VMA; a write to a private
 * one makes it writable (hugetlb_wp, reusing the page mapped once).
 */
int hugetlb_fault(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr, bool write)
{
	uint64_t haddr = addr & HPAGE_MASK;
	uint64_t *pte = pte_lookup(vma->mm, haddr, true);
	struct address_space *as = vma->mapping;
	bool shared = vma->vm_flags & VM_MAYSHARE;
	uint64_t idx = vma_hugecache_offset(vma, haddr);
	struct folio *f = NULL;

	if (!pte)
		return -ENOMEM;
	if (*pte & PTE_PRESENT) {
		if (write && !(*pte & PTE_WRITE))
			for (uint64_t i = 0; i < HPAGE_NR_PAGES; i++)
				pte[i] |= PTE_WRITE | PTE_DIRTY;
		return 0;
	}
	if (shared && cache_entry_is_folio(cache_entry(as, idx)))
		f = pfn_to_page(m, cache_entry(as, idx));
	if (!f) {
		bool reserved = shared ? as->hugetlb_resv > 0 : true;

		f = alloc_hugetlb_folio(m, reserved);
		if (!f)
			return -EFAULT;
		if (shared) {
			if (page_cache_prepare(as, idx)) {
				hugetlb_folio_put(m, f);
				return -ENOMEM;
			}
			if (reserved)
				as->hugetlb_resv--;
			cache_entry_store(as, idx, page_to_pfn(m, f));
			as->nrpages++;
			f->mapping = as->id;
			f->index = (uint32_t)idx;
			folio_get(f);	/* the mapping's reference below */
		}
	} else {
		folio_get(f);
	}
	f->mapcount++;
	vma->mm->hugetlb_usage += HPAGE_NR_PAGES;
	set_huge_ptes(m, pte, f, (vma->vm_flags & VM_WRITE) && (shared || write), write);
	return 0;
}

/*
 * __unmap_hugepage_range over [start, end) (huge-aligned: the split made
 * it so), then, for a private VMA, hugetlb_vm_op_close's part: the huge
 * pages of the range never faulted give their reservation back.
 */
void hugetlb_zap_range(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
		       uint64_t end)
{
	bool private = !(vma->vm_flags & VM_MAYSHARE);
	uint64_t unfaulted = 0;

	for (uint64_t haddr = start & HPAGE_MASK; haddr < end; haddr += HPAGE_SIZE) {
		uint64_t *pte = pte_lookup(vma->mm, haddr, false);
		struct folio *f;

		if (!pte || !(*pte & PTE_PRESENT)) {
			unfaulted++;
			continue;
		}
		f = pfn_to_page(m, pte_pfn(*pte));
		memset(pte, 0, HPAGE_NR_PAGES * sizeof(*pte));
		f->mapcount--;
		vma->mm->hugetlb_usage -= HPAGE_NR_PAGES;
		hugetlb_folio_put(m, f);
	}
	if (private)
		hugetlb_unreserve(m, unfaulted);
}

void hugetlb_copy_range(struct unev_machine *m, struct vm_area_struct *dst,
			struct vm_area_struct *src)
{
	if (!(src->vm_flags & VM_MAYSHARE))
		return;
	for (uint64_t haddr = src->vm_start; haddr < src->vm_end; haddr += HPAGE_SIZE) {
		uint64_t *spte = pte_lookup(src->mm, haddr, false), *dpte;
		struct folio *f;

		if (!spte || !(*spte & PTE_PRESENT))
			continue;
		dpte = pte_lookup(dst->mm, haddr, true);
		if (!dpte)
			return;	/* the child faults the rest in */
		memcpy(dpte, spte, HPAGE_NR_PAGES * sizeof(*dpte));
		f = pfn_to_page(m, pte_pfn(*spte));
		folio_get(f);
		f->mapcount++;	/* hugetlb_add_file_rmap */
		dst->mm->hugetlb_usage += HPAGE_NR_PAGES;
	}
}

/* remove_inode_hugepages + hugetlb_unreserve_pages on eviction. */
void hugetlb_inode_release(struct unev_machine *m, struct address_space *as)
{
	uint64_t nr = as->size >> HPAGE_SHIFT;

	for (uint64_t i = cache_next_chunk(as, 0); i < nr; i = cache_next_chunk(as, i + 1)) {
		uint32_t e = cache_entry(as, i);

		if (!cache_entry_is_folio(e))
			continue;
		cache_entry_store(as, i, PFN_NIL);
		as->nrpages--;
		pfn_to_page(m, e)->mapping = 0;
		hugetlb_folio_put(m, pfn_to_page(m, e));
	}
	hugetlb_unreserve(m, as->hugetlb_resv);
	as->hugetlb_resv = 0;
}

/*
 * smaps_hugetlb_range: each mapped huge page counts whole, in
 * Shared_Hugetlb when more than one mapping has it (folio_mapcount > 1,
 * as folio_likely_mapped_shared / folio_maybe_mapped_shared decide for
 * hugetlb), else in Private_Hugetlb.  Rss and Locked count none of it.
 */
void hugetlb_smaps(const struct unev_machine *m, struct vm_area_struct *vma, uint64_t *private_b,
		   uint64_t *shared_b)
{
	*private_b = *shared_b = 0;
	for (uint64_t haddr = vma->vm_start; haddr < vma->vm_end; haddr += HPAGE_SIZE) {
		uint64_t *pte = pte_lookup(vma->mm, haddr, false);

		if (!pte || !(*pte & PTE_PRESENT))
			continue;
		if (m->memmap[pte_pfn(*pte)].mapcount > 1)
			*shared_b += HPAGE_SIZE;
		else
			*private_b += HPAGE_SIZE;
	}
}
