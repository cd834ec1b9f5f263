/*
 * swapfile.c - swap slots, the swap cache and swap-in (mm/swapfile.c,
 * mm/swap_state.c, do_swap_page in mm/memory.c).
 *
 * A slot has a count of the entries that point at it (PTEs, shmem page
 * cache entries) and, while the folio is still in memory, that folio (the
 * swap cache, which holds one reference).  A slot is free when both are gone.
 */
#include "internal.h"

static uint64_t entry_slot(uint64_t entry)
{
	return entry >> PAGE_SHIFT;
}

static struct swap_cluster *slot_cluster(const struct unev_machine *m, uint64_t slot)
{
	return m->swap_clusters[slot / SWAPFILE_CLUSTER];
}

/* swap_count: the entries using @slot; 0 in a cluster never used. */
uint32_t swap_count(const struct unev_machine *m, uint64_t slot)
{
	const struct swap_cluster *ci = slot_cluster(m, slot);

	return ci ? ci->map[slot % SWAPFILE_CLUSTER] : 0;
}

/* The swap cache folio of @slot, or PFN_NIL. */
static uint32_t swap_cache_pfn(const struct unev_machine *m, uint64_t slot)
{
	const struct swap_cluster *ci = slot_cluster(m, slot);

	return ci ? ci->cache[slot % SWAPFILE_CLUSTER] : PFN_NIL;
}

/* lookup_swap_cache without its side effects: the folio of @slot in the
 * swap cache, or PFN_NIL (mincore asks; a slot past the end has none). */
uint32_t swap_cache_lookup(const struct unev_machine *m, uint64_t slot)
{
	if (slot >= m->swap_total)
		return PFN_NIL;
	return swap_cache_pfn(m, slot);
}

/* The slots below hold an entry or a folio, so their cluster exists. */
static uint32_t *swap_map_of(struct unev_machine *m, uint64_t slot)
{
	return &slot_cluster(m, slot)->map[slot % SWAPFILE_CLUSTER];
}

static uint32_t *swap_cache_of(struct unev_machine *m, uint64_t slot)
{
	return &slot_cluster(m, slot)->cache[slot % SWAPFILE_CLUSTER];
}

/* alloc_cluster: a cluster's first use; its slots are free. */
static int swap_cluster_alloc(struct unev_machine *m, uint64_t slot)
{
	struct swap_cluster **ci = &m->swap_clusters[slot / SWAPFILE_CLUSTER];

	if (*ci)
		return 0;
	*ci = calloc(1, sizeof(**ci));
	if (!*ci)
		return -ENOMEM;
	for (unsigned int i = 0; i < SWAPFILE_CLUSTER; i++)
		(*ci)->cache[i] = PFN_NIL;
	return 0;
}

static void swap_slot_release(struct unev_machine *m, uint64_t slot)
{
	if (swap_count(m, slot) == 0 && swap_cache_pfn(m, slot) == PFN_NIL)
		m->swap_used--;
}

/* add_to_swap: a slot for @f, which enters the swap cache. */
int swap_slot_alloc(struct unev_machine *m, struct folio *f, uint64_t *entry)
{
	if (m->swap_used >= m->swap_total)
		return -ENOSPC;
	for (uint64_t i = 0; i < m->swap_total; i++) {
		uint64_t slot = (m->swap_next + i) % m->swap_total;

		if (swap_count(m, slot) || swap_cache_pfn(m, slot) != PFN_NIL)
			continue;
		if (swap_cluster_alloc(m, slot))
			return -ENOMEM;
		m->swap_next = slot + 1;
		*swap_cache_of(m, slot) = page_to_pfn(m, f);
		m->swap_used++;
		folio_get(f);
		folio_set(f, PG_swapcache);
		*entry = (slot << PAGE_SHIFT) | PTE_SWAP;
		return 0;
	}
	return -ENOSPC;
}

/* __delete_from_swap_cache: the folio leaves the cache, the slot stays for
 * the entries that still point at it. */
static void delete_from_swap_cache(struct unev_machine *m, uint64_t slot)
{
	struct folio *f = pfn_to_page(m, swap_cache_pfn(m, slot));

	*swap_cache_of(m, slot) = PFN_NIL;
	folio_clear(f, PG_swapcache);
	swap_slot_release(m, slot);
	folio_put(m, f);
}

/* The unmap failed (a VM_LOCKED VMA): folio_free_swap if no entry uses it. */
void swap_slot_unused(struct unev_machine *m, struct folio *f, uint64_t entry)
{
	uint64_t slot;

	(void)f;
	if (!(entry & PTE_SWAP))
		return;
	slot = entry_slot(entry);
	if (swap_count(m, slot) == 0 && swap_cache_pfn(m, slot) != PFN_NIL)
		delete_from_swap_cache(m, slot);
}

/* __remove_mapping for a swap cache folio: only isolation and cache hold it. */
bool swap_cache_remove(struct unev_machine *m, struct folio *f, uint64_t entry)
{
	if (f->refcount != 2 || f->mapcount)
		return false;
	delete_from_swap_cache(m, entry_slot(entry));
	return true;
}

/* swap_duplicate (fork) and free_swap_and_cache (zap). */
void swap_entry_dup(struct unev_machine *m, uint64_t entry)
{
	(*swap_map_of(m, entry_slot(entry)))++;
}

void swap_entry_free(struct unev_machine *m, uint64_t entry)
{
	uint64_t slot = entry_slot(entry);

	if (--*swap_map_of(m, slot) == 0) {
		if (swap_cache_pfn(m, slot) != PFN_NIL)
			delete_from_swap_cache(m, slot);
		else
			swap_slot_release(m, slot);
	}
}

/* A folio freed while in the swap cache cannot happen (the cache holds a
 * reference); a swap cache folio whose entries are gone leaves with its slot. */

/*
 * do_swap_page: the folio comes from the swap cache or is read in (a new
 * folio through the lru_add batch); mapping it goes through
 * folio_add_anon_rmap_pte, which mlocks it in a VM_LOCKED VMA.
 */
int do_swap_page(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
		 uint64_t *pte, bool write)
{
	uint64_t entry = *pte, slot = entry_slot(entry);
	struct folio *f;

	if (swap_cache_pfn(m, slot) != PFN_NIL) {
		f = pfn_to_page(m, swap_cache_pfn(m, slot));
	} else {
		if (anon_vma_prepare(m, vma))
			return -ENOMEM;
		f = alloc_user_folio(m, numa_node_id(m));
		if (!f)
			return -ENOMEM;
		folio_set(f, PG_swapbacked | PG_anon | PG_swapcache);
		/* a shared entry belongs to the root anon_vma, as __folio_set_anon */
		f->mapping = swap_count(m, slot) > 1 && vma->nr_avc ? vma->avc[0] : vma->anon_vma;
		f->index = (uint32_t)(((addr - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff);
		*swap_cache_of(m, slot) = page_to_pfn(m, f);
		count_vm_events(m, PSWPIN, 1);
		folio_add_lru(m, f);
	}
	folio_get(f);
	*pte = ((uint64_t)page_to_pfn(m, f) << PAGE_SHIFT) | PTE_PRESENT | PTE_YOUNG |
	       (write && (vma->vm_flags & VM_WRITE) && swap_count(m, slot) == 1 ? PTE_WRITE : 0);
	folio_add_anon_rmap_pte(m, f, vma);
	mm_counter_inc(vma->mm, f, 1);
	vma->mm->swapents--;
	swap_entry_free(m, entry);
	if (write && !(*pte & PTE_WRITE) && (vma->vm_flags & VM_WRITE))
		return handle_mm_fault(m, vma, addr, true);
	return 0;
}

/* shmem_writeout: the page cache entry becomes a swap entry. */
int shmem_writeout(struct unev_machine *m, struct folio *f)
{
	struct address_space *as = folio_mapping(m, f);
	uint64_t entry, slot;
	uint64_t index = f->index;

	if (!as || f->mapcount || f->refcount != 2)
		return -EBUSY;
	if (swap_slot_alloc(m, f, &entry))
		return -ENOSPC;
	slot = entry_slot(entry);
	filemap_delete_folio(m, as, index);	/* the cache's reference */
	cache_entry_store(as, index, SHMEM_SWAP_ENTRY | (uint32_t)slot);
	(*swap_map_of(m, slot))++;
	delete_from_swap_cache(m, slot);	/* written: the folio may go */
	return 0;
}

/* shmem_swapin_folio: read back into the page cache, the slot freed. */
int shmem_swapin(struct unev_machine *m, struct address_space *as, uint64_t index,
		 struct folio **out)
{
	uint64_t slot = cache_entry(as, index) & ~SHMEM_SWAP_ENTRY;
	struct folio *f;
	int err;

	cache_entry_store(as, index, PFN_NIL);
	swap_entry_free(m, (slot << PAGE_SHIFT) | PTE_SWAP);
	err = filemap_get_folio(m, as, index, true, &f);
	if (!err)
		count_vm_events(m, PSWPIN, 1);
	*out = f;
	return err;
}

int swap_init(struct unev_machine *m)
{
	m->swap_total = m->cfg.swap_bytes >> PAGE_SHIFT;
	if (!m->swap_total)
		return 0;
	m->swap_clusters = calloc((m->swap_total + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER,
				  sizeof(*m->swap_clusters));
	return m->swap_clusters ? 0 : -ENOMEM;
}

void swap_exit(struct unev_machine *m)
{
	if (!m->swap_clusters)
		return;
	for (uint64_t i = 0; i < (m->swap_total + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER; i++)
		free(m->swap_clusters[i]);
	free(m->swap_clusters);
}
