/*
 * machine.c - the machine that owns everything and its one tracing hook
 * (the invariants are debug.c's).  Nothing in the model is global: two
 * machines can live in one process.
 */
#include "internal.h"
#include <stdio.h>

#include <stdio.h>

void unev_machine_config_default(struct unev_machine_config *cfg)
{
	cfg->nodes = 1;
	cfg->mem_bytes = 1ULL << 30;
	cfg->cpus = 1;
	cfg->swap_bytes = 0;
	cfg->design = UNEV_DESIGN_MLOCK_COUNT;
	cfg->kernel = NULL;
	cfg->zero_page = true;
	cfg->memcg_v2 = false;
	cfg->thp = UNEV_THP_MADVISE;
}

const char *unev_not_modelled(const struct unev_machine *m)
{
	return m->not_modelled;
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
	/* THP came with 2.6.38: the pre-2.6.28 design (none) never met it,
	 * so there is nothing to model there.  Refused, not run. */
	if (cfg->thp == UNEV_THP_ALWAYS && profile->design == UNEV_DESIGN_NONE)
		return -EOPNOTSUPP;
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
	m->max_map_count = DEFAULT_MAX_MAP_COUNT;
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
		if (m->tasks[i]->mm)	/* alive, or killed in its own call */
			mm_destroy(m, m->tasks[i]->mm);
		free(m->tasks[i]);
	}
	free(m->tasks);
	for (unsigned int i = 0; i < m->nr_mappings; i++) {
		if (m->mappings[i]) {
			page_cache_free(m->mappings[i]);
			free(m->mappings[i]->i_mmap);
			free(m->mappings[i]);
		}
	}
	free(m->mappings);
	free(m->shms);
	free(m->user_locked);
	anon_vmas_free(m);
	hugetlb_exit(m);
	mem_cgroup_exit(m);
	swap_exit(m);
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
