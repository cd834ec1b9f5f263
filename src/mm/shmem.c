/*
 * shmem.c - shared memory objects (mm/shmem.c).
 *
 * A MAP_SHARED|MAP_ANONYMOUS mapping is backed by a shmem object
 * (shmem_zero_setup): its folios are swap-backed page cache, so they live
 * on the anon lists, count in Shmem, and enter the LRU through the lru_add
 * batch (never mlock_new_folio: they are mapped after being added).
 */
#include "internal.h"

struct address_space *shmem_object_create(struct unev_machine *m, uint64_t size)
{
	struct address_space *as;
	uint64_t slots = PAGE_ALIGN(size) >> PAGE_SHIFT;

	if (m->nr_mappings == m->cap_mappings) {
		unsigned int cap = m->cap_mappings ? m->cap_mappings * 2 : 16;
		struct address_space **n = realloc(m->mappings, cap * sizeof(*n));

		if (!n)
			return NULL;
		m->mappings = n;
		m->cap_mappings = cap;
	}
	as = calloc(1, sizeof(*as));
	if (!as)
		return NULL;
	as->pages = malloc(slots * sizeof(uint32_t));
	if (!as->pages && slots) {
		free(as);
		return NULL;
	}
	for (uint64_t i = 0; i < slots; i++)
		as->pages[i] = PFN_NIL;
	as->nr_slots = slots;
	as->size = size;
	as->kind = MAPPING_SHMEM;
	as->refcount = 1;
	m->mappings[m->nr_mappings++] = as;
	as->id = m->nr_mappings;
	return as;
}

void mapping_get(struct address_space *as)
{
	as->refcount++;
}

/* The last reference: shmem_evict_inode truncates the page cache; a folio
 * still held by a per-CPU batch is freed when that batch is processed. */
void mapping_put(struct unev_machine *m, struct address_space *as)
{
	if (--as->refcount > 0)
		return;
	for (uint64_t i = 0; i < as->nr_slots; i++) {
		struct folio *f;

		if (as->pages[i] == PFN_NIL)
			continue;
		f = pfn_to_page(m, as->pages[i]);
		as->pages[i] = PFN_NIL;
		as->nrpages--;
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_pages, -1);
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_shmem, -1);
		folio_put(m, f);
	}
	free(as->pages);
	as->pages = NULL;
	as->nr_slots = 0;
	m->mappings[as->id - 1] = NULL;
	free(as);
}

/* shmem_get_folio: find or allocate the folio at @index; a new one goes to
 * the page cache (one reference) and to the lru_add batch. */
int shmem_get_folio(struct unev_machine *m, struct address_space *as, uint64_t index,
		    struct folio **out)
{
	struct folio *f;

	if (index >= as->nr_slots)
		return -EFAULT;	/* beyond i_size: SIGBUS */
	if (as->pages[index] != PFN_NIL) {
		*out = pfn_to_page(m, as->pages[index]);
		return 0;
	}
	f = folio_alloc(m, 0, 0);
	if (!f)
		return -ENOMEM;
	folio_set(f, PG_swapbacked);
	f->mapping = as->id;
	f->index = (uint32_t)index;
	as->pages[index] = page_to_pfn(m, f);
	as->nrpages++;
	node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_pages, 1);
	node_stat_mod(m, f->node, &m->nodes[f->node].nr_shmem, 1);
	folio_add_lru(m, f);
	*out = f;
	return 0;
}
