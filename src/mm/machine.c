/*
 * machine.c - the machine that owns everything, its invariants and its one
 * tracing hook.  Nothing in the model is global: two machines can live in
 * one process.
 */
#include <stdio.h>

#include "internal.h"

void unev_machine_config_default(struct unev_machine_config *cfg)
{
	cfg->nodes = 1;
	cfg->mem_bytes = 1ULL << 30;
	cfg->cpus = 1;
	cfg->swap_bytes = 0;
	cfg->design = UNEV_DESIGN_MLOCK_COUNT;
}

static const char *const design_names[] = { "mlock-count", "rmap-walk", "none" };

const char *unev_design_name(enum unev_design design)
{
	if ((unsigned int)design >= sizeof(design_names) / sizeof(design_names[0]))
		return "?";
	return design_names[design];
}

int unev_design_parse(const char *name, enum unev_design *out)
{
	for (unsigned int i = 0; i < sizeof(design_names) / sizeof(design_names[0]); i++) {
		if (!strcmp(name, design_names[i])) {
			*out = (enum unev_design)i;
			return 0;
		}
	}
	return -EINVAL;
}

const char *unev_lru_name(int lru)
{
	static const char *const names[] = { "inactive_anon", "active_anon", "inactive_file",
					     "active_file", "unevictable" };

	if (lru < 0 || lru >= UNEV_NR_LRU_LISTS)
		return "none";
	return names[lru];
}

int unev_machine_create(const struct unev_machine_config *cfg, struct unev_machine **out)
{
	struct unev_machine *m;
	int err;

	if (cfg->nodes < 1 || cfg->nodes > 64 || cfg->cpus < 1 || cfg->cpus > 1024)
		return -EINVAL;
	if (cfg->mem_bytes % PAGE_SIZE || cfg->mem_bytes < (4ULL << 20))
		return -EINVAL;
	if ((unsigned int)cfg->design > UNEV_DESIGN_NONE)
		return -EINVAL;
	if (cfg->design != UNEV_DESIGN_MLOCK_COUNT || cfg->swap_bytes)
		return -EOPNOTSUPP;	/* the other designs and swap come with reclaim */
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	m->cpus = calloc(cfg->cpus, sizeof(*m->cpus));
	if (!m->cpus) {
		free(m);
		return -ENOMEM;
	}
	err = page_alloc_init(m);
	if (err) {
		unev_machine_destroy(m);
		return err;
	}
	*out = m;
	return 0;
}

void unev_machine_destroy(struct unev_machine *m)
{
	if (!m)
		return;
	for (unsigned int i = 0; i < m->nr_tasks; i++) {
		if (m->tasks[i]->alive && m->tasks[i]->mm)
			mm_destroy(m, m->tasks[i]->mm);
		free(m->tasks[i]);
	}
	free(m->tasks);
	for (unsigned int i = 0; i < m->nr_mappings; i++) {
		if (m->mappings[i]) {
			free(m->mappings[i]->pages);
			free(m->mappings[i]->i_mmap);
			free(m->mappings[i]);
		}
	}
	free(m->mappings);
	free(m->shms);
	free(m->user_locked);
	anon_vmas_free(m);
	page_alloc_exit(m);
	free(m->cpus);
	free(m);
}

void unev_set_trace(struct unev_machine *m, unev_trace_fn fn, void *ctx)
{
	m->trace = fn;
	m->trace_ctx = ctx;
}

uint64_t unev_machine_footprint(const struct unev_machine *m)
{
	return (uint64_t)m->nr_pfns * sizeof(struct page) +
	       m->cfg.nodes * sizeof(struct pglist_data) + m->cfg.cpus * sizeof(struct cpu_state);
}

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
	uint64_t n = 0;
	uint32_t prev = PFN_NIL;

	for (uint32_t pfn = l->head; pfn != PFN_NIL; pfn = m->memmap[pfn].lru_next) {
		const struct page *p = &m->memmap[pfn];

		if (pfn >= m->nr_pfns)
			FAIL("node %d %s: link to pfn %u out of range", lv->node, unev_lru_name(lru), pfn);
		if (!(p->flags & PG_lru) || folio_lru_list(p) != lru)
			FAIL("node %d: pfn %u linked on %s but flags say %s%s", lv->node, pfn,
			     unev_lru_name(lru), unev_lru_name(folio_lru_list(p)),
			     p->flags & PG_lru ? "" : " (no PG_lru)");
		if (p->lru_prev != prev)
			FAIL("node %d %s: pfn %u has a broken back link", lv->node, unev_lru_name(lru), pfn);
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

int unev_check_invariants(const struct unev_machine *m, char *buf, size_t len)
{
	uint64_t *flagged = calloc((size_t)m->cfg.nodes * UNEV_NR_LRU_LISTS, sizeof(uint64_t));
	int64_t mlocked = 0, nr_mlock = 0;
	int err = 0;

	if (!flagged)
		return -ENOMEM;
	for (unsigned int n = 0; n < m->cfg.nodes && !err; n++)
		for (int lru = 0; lru < UNEV_LRU_UNEVICTABLE && !err; lru++)
			err = check_list(m, &m->nodes[n].lruvec, lru, buf, len);
	for (uint32_t pfn = 1; pfn < m->nr_pfns && !err; pfn++) {
		const struct page *p = &m->memmap[pfn];

		if (!(p->flags & PG_head))
			continue;
		if ((p->flags & (PG_unevictable | PG_active)) == (PG_unevictable | PG_active)) {
			snprintf(buf, len, "pfn %u is PG_unevictable and PG_active", pfn);
			err = -EUCLEAN;
		} else if (p->refcount < p->mapcount || p->mapcount < 0) {
			snprintf(buf, len, "pfn %u: refcount %d below mapcount %d", pfn,
				 p->refcount, p->mapcount);
			err = -EUCLEAN;
		} else if (!(p->flags & PG_unevictable) && (p->flags & PG_lru) == 0 &&
			   p->lru_prev != PFN_NIL && p->lru_next == 2) {
			snprintf(buf, len, "pfn %u keeps an mlock_count off the unevictable list", pfn);
			err = -EUCLEAN;
		}
		if (p->flags & PG_lru)
			flagged[p->node * UNEV_NR_LRU_LISTS + folio_lru_list(p)] += folio_nr_pages(p);
		if (p->flags & PG_mlocked)
			mlocked += (int64_t)folio_nr_pages(p);
	}
	for (unsigned int n = 0; n < m->cfg.nodes && !err; n++) {
		nr_mlock += m->nodes[n].nr_mlock;
		for (int lru = 0; lru < UNEV_NR_LRU_LISTS; lru++) {
			uint64_t want = m->nodes[n].lruvec.lists[lru].nr;

			if (flagged[n * UNEV_NR_LRU_LISTS + lru] != want) {
				snprintf(buf, len, "node %u: %llu pages flagged for %s, gauge says %llu", n,
					 (unsigned long long)flagged[n * UNEV_NR_LRU_LISTS + lru],
					 unev_lru_name(lru), (unsigned long long)want);
				err = -EUCLEAN;
				break;
			}
		}
	}
	free(flagged);
	if (err)
		return err;
	if (mlocked != nr_mlock)
		FAIL("%lld pages are PG_mlocked but nr_mlock is %lld", (long long)mlocked,
		     (long long)nr_mlock);
	for (unsigned int i = 0; i < m->nr_tasks; i++) {
		const struct task_struct *t = m->tasks[i];
		uint64_t locked = 0;

		if (!t->alive)
			continue;
		for (unsigned int v = 0; v < t->mm->nr_vmas; v++) {
			const struct vm_area_struct *vma = t->mm->vmas[v];

			if (v > 0 && t->mm->vmas[v - 1]->vm_end > vma->vm_start)
				FAIL("pid %d: VMAs overlap at %#llx", t->pid,
				     (unsigned long long)vma->vm_start);
			if (vma->vm_flags & VM_LOCKED)
				locked += vma_pages(vma);
		}
		if (locked != t->mm->locked_vm)
			FAIL("pid %d: locked_vm is %llu pages but its VM_LOCKED VMAs hold %llu", t->pid,
			     (unsigned long long)t->mm->locked_vm, (unsigned long long)locked);
	}
	return 0;
}
