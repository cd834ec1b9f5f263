/*
 * rmap.c - reverse-map bookkeeping (mm/rmap.c).
 *
 * In the 5.18+ design mlock and munlock are driven from here: adding a
 * mapping of a folio in a VM_LOCKED VMA mlocks it, removing one munlocks
 * it.  A new anonymous folio is not mlocked here: folio_add_lru_vma sends
 * it to the mlock batch as a NEW folio instead.
 */
#include "internal.h"

int anon_vma_add_vma(struct unev_machine *m, uint32_t id, struct vm_area_struct *vma)
{
	struct anon_vma *av = m->anon_vmas[id - 1];
	uint32_t *avc;

	if (av->nr == av->cap) {
		unsigned int cap = av->cap ? av->cap * 2 : 4;
		struct vm_area_struct **n = realloc(av->vmas, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		av->vmas = n;
		av->cap = cap;
	}
	avc = realloc(vma->avc, (vma->nr_avc + 1) * sizeof(*avc));
	if (!avc)
		return -ENOMEM;
	vma->avc = avc;
	vma->avc[vma->nr_avc++] = id;
	av->vmas[av->nr++] = vma;
	return 0;
}

static uint32_t anon_vma_alloc(struct unev_machine *m)
{
	struct anon_vma *av;

	if (m->nr_anon_vmas == m->cap_anon_vmas) {
		unsigned int cap = m->cap_anon_vmas ? m->cap_anon_vmas * 2 : 64;
		struct anon_vma **n = realloc(m->anon_vmas, cap * sizeof(*n));

		if (!n)
			return 0;
		m->anon_vmas = n;
		m->cap_anon_vmas = cap;
	}
	av = calloc(1, sizeof(*av));
	if (!av)
		return 0;
	m->anon_vmas[m->nr_anon_vmas++] = av;
	av->id = m->nr_anon_vmas;
	return av->id;
}

/* anon_vma_prepare: the first anonymous fault of a VMA gives it one, a
 * neighbour's when find_mergeable_anon_vma finds one it may share (so that
 * a later mprotect can merge the two), else a new one. */
int anon_vma_prepare(struct unev_machine *m, struct vm_area_struct *vma)
{
	uint32_t id;

	if (vma->anon_vma)
		return 0;
	id = find_mergeable_anon_vma(vma);
	if (!id)
		id = anon_vma_alloc(m);
	if (!id || anon_vma_add_vma(m, id, vma))
		return -ENOMEM;
	vma->anon_vma = id;
	return 0;
}

int anon_vma_clone(struct unev_machine *m, struct vm_area_struct *dst,
		   const struct vm_area_struct *src)
{
	dst->avc = NULL;
	dst->nr_avc = 0;
	for (unsigned int i = 0; i < src->nr_avc; i++)
		if (anon_vma_add_vma(m, src->avc[i], dst))
			return -ENOMEM;
	return 0;
}

int anon_vma_fork(struct unev_machine *m, struct vm_area_struct *child,
		  const struct vm_area_struct *parent)
{
	uint32_t id;

	child->anon_vma = 0;
	if (anon_vma_clone(m, child, parent))
		return -ENOMEM;
	if (!parent->anon_vma)
		return 0;
	id = anon_vma_alloc(m);
	if (!id || anon_vma_add_vma(m, id, child))
		return -ENOMEM;
	child->anon_vma = id;
	return 0;
}

void unlink_anon_vmas(struct unev_machine *m, struct vm_area_struct *vma)
{
	for (unsigned int i = 0; i < vma->nr_avc; i++) {
		struct anon_vma *av = m->anon_vmas[vma->avc[i] - 1];

		for (unsigned int j = 0; j < av->nr; j++) {
			if (av->vmas[j] == vma) {
				av->vmas[j] = av->vmas[--av->nr];
				break;
			}
		}
	}
	free(vma->avc);
	vma->avc = NULL;
	vma->nr_avc = 0;
}

void anon_vmas_free(struct unev_machine *m)
{
	for (unsigned int i = 0; i < m->nr_anon_vmas; i++) {
		free(m->anon_vmas[i]->vmas);
		free(m->anon_vmas[i]);
	}
	free(m->anon_vmas);
}

/* vma_address + page_vma_mapped_walk: does this VMA map page @i of @f, and
 * where? */
static int rmap_one_page(struct unev_machine *m, struct folio *f, uint32_t i,
			 struct vm_area_struct *vma, rmap_one_fn fn, void *arg)
{
	uint64_t addr, *pte;
	uint32_t off;

	/* folio->index keeps the low 32 bits of the page offset (anon offsets
	 * are addresses >> 12): modular arithmetic finds it in any VMA smaller
	 * than 16 TiB */
	off = f->index + i - (uint32_t)vma->vm_pgoff;
	if (off >= vma_pages(vma))
		return 0;
	addr = vma->vm_start + ((uint64_t)off << PAGE_SHIFT);
	pte = pte_lookup(vma->mm, addr, false);
	if (!pte || !(*pte & PTE_PRESENT) || pte_pfn(*pte) != page_to_pfn(m, f) + i)
		return 0;
	return fn(m, f, vma, addr, pte, arg);
}

/* @all: every page of a large folio (each PTE, or each PTE standing for
 * its PMD), as page_vma_mapped_walk does; else its first page only */
static int rmap_one_vma(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma,
			rmap_one_fn fn, void *arg, bool all)
{
	uint32_t nr = all ? (uint32_t)folio_nr_pages(f) : 1;
	int ret;

	m->rmap_visits++;
	for (uint32_t i = 0; i < nr; i++)
		if ((ret = rmap_one_page(m, f, i, vma, fn, arg)))
			return ret;
	return 0;
}

static int rmap_walk_pages(struct unev_machine *m, struct folio *f, rmap_one_fn fn, void *arg,
			   bool all)
{
	int ret;

	if (folio_test_anon(f)) {
		struct anon_vma *av;

		if (!f->mapping || f->mapping > m->nr_anon_vmas)
			return 0;
		av = m->anon_vmas[f->mapping - 1];
		for (unsigned int i = 0; i < av->nr; i++)
			if ((ret = rmap_one_vma(m, f, av->vmas[i], fn, arg, all)))
				return ret;
		return 0;
	}
	if (f->mapping) {
		struct address_space *as = folio_mapping(m, f);

		for (unsigned int i = 0; as && i < as->nr_i_mmap; i++)
			if ((ret = rmap_one_vma(m, f, as->i_mmap[i], fn, arg, all)))
				return ret;
	}
	return 0;
}

int rmap_walk(struct unev_machine *m, struct folio *f, rmap_one_fn fn, void *arg)
{
	return rmap_walk_pages(m, f, fn, arg, false);
}

int rmap_walk_every_pte(struct unev_machine *m, struct folio *f, rmap_one_fn fn, void *arg)
{
	return rmap_walk_pages(m, f, fn, arg, true);
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
	if (design_mlock_count(m))
		mlock_vma_folio(m, f, vma);
}

/* folio_try_dup_anon_rmap_pte / folio_dup_file_rmap_pte (fork): the
 * dup path never mlocks, and the folio is no longer exclusive. */
void folio_dup_rmap_pte(struct unev_machine *m, struct folio *f, uint32_t pfn)
{
	if (folio_test_large(f) && !folio_test(f, PG_hugetlb))
		folio_dup_large_rmap_pte(m, f, pfn);
	else
		f->mapcount++;
	folio_clear(f, PG_anon_exclusive);
}

void folio_add_file_rmap_pte(struct unev_machine *m, struct folio *f,
			     struct vm_area_struct *vma)
{
	if (f->mapcount++ == 0)
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_file_mapped, (long)folio_nr_pages(f));
	/* before 5.18 mapping a page never mlocked it: populate (FOLL_MLOCK)
	 * or reclaim (try_to_unmap) did */
	if (design_mlock_count(m))
		mlock_vma_folio(m, f, vma);
}

/* __folio_remove_rmap ends with munlock_vma_folio whenever the VMA is
 * VM_LOCKED, however many mappings remain. */
void folio_remove_rmap_pte(struct unev_machine *m, struct folio *f, uint32_t pfn,
			   struct vm_area_struct *vma)
{
	if (folio_test_large(f) && !folio_test(f, PG_hugetlb)) {	/* a PTE of a THP */
		folio_remove_rmap_ptes(m, f, pfn, 1, vma);
		return;
	}
	assert(f->mapcount > 0);
	if (--f->mapcount == 0) {
		struct pglist_data *pgdat = &m->nodes[f->node];
		long nr = (long)folio_nr_pages(f);

		if (folio_test_anon(f))
			node_stat_mod(m, f->node, &pgdat->nr_anon_mapped, -nr);
		else
			node_stat_mod(m, f->node, &pgdat->nr_file_mapped, -nr);
		/* page_remove_rmap (2.6.28-5.17): the last mapping gone */
		if (design_rmap_walk(m) && folio_test(f, PG_mlocked))
			clear_page_mlock(m, f);
	}
	if (design_mlock_count(m))
		munlock_vma_folio(m, f, vma);
}
