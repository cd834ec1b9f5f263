/*
 * rmap.c - reverse-map bookkeeping (mm/rmap.c).
 *
 * In the 5.18+ design mlock and munlock are driven from here: adding a
 * mapping of a folio in a VM_LOCKED VMA mlocks it, removing one munlocks
 * it.  A new anonymous folio is not mlocked here: folio_add_lru_vma sends
 * it to the mlock batch as a NEW folio instead.
 */
#include "internal.h"

uint32_t anon_vma_alloc(struct unev_machine *m)
{
	return ++m->next_anon_vma;
}

/* folio_add_new_anon_rmap: exclusively mapped by this one PTE. */
void folio_add_new_anon_rmap(struct unev_machine *m, struct folio *f,
			     struct vm_area_struct *vma, uint64_t addr)
{
	folio_set(f, PG_anon | PG_anon_exclusive);
	f->mapping = vma->anon_vma;
	f->index = (uint32_t)(((addr - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff);
	f->mapcount = 1;
	node_stat_mod(m, f->node, &m->nodes[f->node].nr_anon_mapped, (long)folio_nr_pages(f));
}

void folio_add_anon_rmap_pte(struct unev_machine *m, struct folio *f,
			     struct vm_area_struct *vma)
{
	if (f->mapcount++ == 0)
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_anon_mapped, (long)folio_nr_pages(f));
	mlock_vma_folio(m, f, vma);
}

/* folio_try_dup_anon_rmap_pte / folio_dup_file_rmap_pte (fork): the
 * dup path never mlocks, and the folio is no longer exclusive. */
void folio_dup_rmap_pte(struct unev_machine *m, struct folio *f)
{
	(void)m;
	f->mapcount++;
	folio_clear(f, PG_anon_exclusive);
}

void folio_add_file_rmap_pte(struct unev_machine *m, struct folio *f,
			     struct vm_area_struct *vma)
{
	if (f->mapcount++ == 0)
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_mapped, (long)folio_nr_pages(f));
	mlock_vma_folio(m, f, vma);
}

/* __folio_remove_rmap ends with munlock_vma_folio whenever the VMA is
 * VM_LOCKED, however many mappings remain. */
void folio_remove_rmap_pte(struct unev_machine *m, struct folio *f,
			   struct vm_area_struct *vma)
{
	assert(f->mapcount > 0);
	if (--f->mapcount == 0) {
		struct pglist_data *pgdat = &m->nodes[f->node];
		long nr = (long)folio_nr_pages(f);

		if (folio_test_anon(f))
			node_stat_mod(m, f->node, &pgdat->nr_anon_mapped, -nr);
		else
			node_stat_mod(m, f->node, &pgdat->nr_file_mapped, -nr);
	}
	munlock_vma_folio(m, f, vma);
}
