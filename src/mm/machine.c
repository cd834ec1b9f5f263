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
	cfg->kernel = NULL;
	cfg->zero_page = true;
}

const char *unev_machine_kernel(const struct unev_machine *m)
{
	return m->kernel_name;
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
	const struct kernel_profile *profile;
	struct unev_machine *m;
	int err;

	if (cfg->nodes < 1 || cfg->nodes > 64 || cfg->cpus < 1 || cfg->cpus > 1024)
		return -EINVAL;
	if (cfg->mem_bytes % PAGE_SIZE || cfg->mem_bytes < (4ULL << 20))
		return -EINVAL;
	if ((unsigned int)cfg->design > UNEV_DESIGN_NONE)
		return -EINVAL;
	profile = cfg->kernel ? kernel_profile_lookup(cfg->kernel)
			      : kernel_profile_of_design(cfg->design);
	if (!profile || (cfg->kernel && strlen(cfg->kernel) >= sizeof(m->kernel_name)))
		return -EINVAL;
	if (cfg->swap_bytes % PAGE_SIZE || (cfg->swap_bytes >> PAGE_SHIFT) >= MAX_PFNS)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->cfg = *cfg;
	/* the profile decides the design; cfg.kernel may not outlive the call */
	m->profile = profile;
	m->cfg.design = profile->design;
	m->cfg.kernel = NULL;
	snprintf(m->kernel_name, sizeof(m->kernel_name), "%s", cfg->kernel ? cfg->kernel : profile->name);
	m->cpus = calloc(cfg->cpus, sizeof(*m->cpus));
	if (!m->cpus) {
		free(m);
		return -ENOMEM;
	}
	m->swappiness = 60;
	m->batch_size = profile->batch_size;
	m->compact_unevictable_allowed = true;
	err = page_alloc_init(m);
	if (!err)
		err = mem_cgroup_init(m);
	if (!err)
		err = swap_init(m);
	if (err) {
		unev_machine_destroy(m);
		return err;
	}
	setup_per_zone_wmarks(m);
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
	mem_cgroup_exit(m);
	free(m->swap_map);
	free(m->swap_cache);
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

int unev_machine_stat(const struct unev_machine *m, const char *name, uint64_t *val)
{
	if (!strcmp(name, "rmap_visits")) {
		*val = m->rmap_visits;
		return 0;
	}
	return -ENOENT;
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
	size_t nr_lv = (size_t)m->cfg.nodes * m->nr_memcgs;
	uint64_t *flagged = calloc(nr_lv * UNEV_NR_LRU_LISTS, sizeof(uint64_t));
	int64_t mlocked = 0, nr_mlock = 0;
	int err = 0;

	if (!flagged)
		return -ENOMEM;
	for (unsigned int n = 0; n < m->cfg.nodes && !err; n++) {
		for (unsigned int mc = 0; mc < m->nr_memcgs && !err; mc++) {
			const struct lruvec *lv = mem_cgroup_lruvec((struct unev_machine *)m, (int)mc, (int)n);

			for (int lru = 0; lru < UNEV_LRU_UNEVICTABLE && !err; lru++)
				err = check_list(m, lv, lru, buf, len);
		}
	}
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
		} else if (p->memcg >= m->nr_memcgs) {
			snprintf(buf, len, "pfn %u charged to memcg %u that does not exist", pfn, p->memcg);
			err = -EUCLEAN;
		}
		if (p->flags & PG_lru)
			flagged[((size_t)p->node * m->nr_memcgs + p->memcg) * UNEV_NR_LRU_LISTS +
				folio_lru_list(p)] += folio_nr_pages(p);
		if (p->flags & PG_mlocked)
			mlocked += (int64_t)folio_nr_pages(p);
	}
	for (unsigned int n = 0; n < m->cfg.nodes && !err; n++) {
		uint64_t node_total[UNEV_NR_LRU_LISTS] = { 0 };

		nr_mlock += m->nodes[n].nr_mlock;
		for (unsigned int mc = 0; mc < m->nr_memcgs && !err; mc++) {
			const struct lruvec *lv = mem_cgroup_lruvec((struct unev_machine *)m, (int)mc, (int)n);

			for (int lru = 0; lru < UNEV_NR_LRU_LISTS; lru++) {
				uint64_t got = flagged[((size_t)n * m->nr_memcgs + mc) * UNEV_NR_LRU_LISTS + lru];

				node_total[lru] += lv->lists[lru].nr;
				if (got != lv->lists[lru].nr) {
					snprintf(buf, len, "node %u memcg %u: %llu pages flagged for %s, gauge says %llu",
						 n, mc, (unsigned long long)got, unev_lru_name(lru),
						 (unsigned long long)lv->lists[lru].nr);
					err = -EUCLEAN;
					break;
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
	if (err)
		return err;
	if (mlocked != nr_mlock)
		FAIL("%lld pages are PG_mlocked but nr_mlock is %lld", (long long)mlocked,
		     (long long)nr_mlock);
	for (unsigned int i = 0; i < m->nr_memcgs; i++) {
		const struct mem_cgroup *mc = m->memcgs[i];

		if (i && mc->usage > mc->limit)
			FAIL("memcg %s: usage %llu pages over its limit %llu", mc->name,
			     (unsigned long long)mc->usage, (unsigned long long)mc->limit);
	}
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
