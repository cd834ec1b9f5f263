/*
 * memcontrol.c - memory cgroups (mm/memcontrol.c): a tree of memcgs, every
 * user folio charged to one, one lruvec per (memcg, node), limits that
 * reclaim from the memcg's own lruvecs and then call its OOM killer.
 *
 * The seed's warning made concrete: a memcg whose charged memory is all
 * mlocked has nothing evictable, so reclaim finds nothing and the OOM
 * killer runs.
 */
#include <stdio.h>

#include "internal.h"

/*
 * What a new memcg's own bookkeeping charges to its parent
 * (mem_cgroup_css_alloc runs mem_cgroup_alloc under set_active_memcg(parent):
 * its per-CPU statistics are __GFP_ACCOUNT): 3 pages seen on 6.18.44 with 2
 * CPUs - a child's mkdir fails with ENOMEM under a parent limit of 8K and
 * succeeds under 16K.  It grows with the CPUs; the model keeps the one value.
 */
#define MEMCG_CSS_ALLOC_PAGES 3

static int try_charge(struct unev_machine *m, int memcg, uint64_t nr);

static struct mem_cgroup *memcg_alloc(struct unev_machine *m, const char *name, int parent,
				      uint64_t limit)
{
	struct mem_cgroup *mc, **n;

	n = realloc(m->memcgs, (m->nr_memcgs + 1) * sizeof(*n));
	if (!n)
		return NULL;
	m->memcgs = n;
	mc = calloc(1, sizeof(*mc));
	if (!mc)
		return NULL;
	mc->id = (int)m->nr_memcgs;
	mc->parent = parent;
	mc->limit = limit;
	snprintf(mc->name, sizeof(mc->name), "%s", name);
	mc->iter_pos = malloc(m->cfg.nodes * sizeof(int));
	if (!mc->iter_pos) {
		free(mc);
		return NULL;
	}
	for (unsigned int node = 0; node < m->cfg.nodes; node++)
		mc->iter_pos[node] = -1;
	if (mc->id) {
		mc->lruvec = calloc(m->cfg.nodes, sizeof(*mc->lruvec));
		if (!mc->lruvec) {
			free(mc->iter_pos);
			free(mc);
			return NULL;
		}
		for (unsigned int node = 0; node < m->cfg.nodes; node++) {
			mc->lruvec[node].node = (int)node;
			mc->lruvec[node].memcg = mc->id;
			for (int l = 0; l < UNEV_NR_LRU_LISTS; l++)
				mc->lruvec[node].lists[l].head = mc->lruvec[node].lists[l].tail = PFN_NIL;
		}
	}
	m->memcgs[m->nr_memcgs++] = mc;
	return mc;
}

int mem_cgroup_init(struct unev_machine *m)
{
	return memcg_alloc(m, "", -1, UINT64_MAX) ? 0 : -ENOMEM;
}

void mem_cgroup_exit(struct unev_machine *m)
{
	for (unsigned int i = 0; i < m->nr_memcgs; i++) {
		free(m->memcgs[i]->lruvec);
		free(m->memcgs[i]->iter_pos);
		free(m->memcgs[i]);
	}
	free(m->memcgs);
}

int unev_memcg_create(struct unev_machine *m, const char *name, int parent, uint64_t limit,
		      int *id)
{
	struct mem_cgroup *mc;

	if (parent < 0 || (unsigned int)parent >= m->nr_memcgs || m->nr_memcgs >= UINT16_MAX)
		return -EINVAL;
	/* mkdir fails with ENOMEM when the parent cannot take the child's own
	 * charge (reclaim and the parent's OOM killer first, as any charge);
	 * like every kernel charge it is not in the model's usage */
	if (parent && try_charge(m, parent, MEMCG_CSS_ALLOC_PAGES))
		return -ENOMEM;
	mc = memcg_alloc(m, name, parent,
			 limit == UNEV_RLIM_INFINITY ? UINT64_MAX : PAGE_ALIGN(limit) >> PAGE_SHIFT);
	if (!mc)
		return -ENOMEM;
	*id = mc->id;
	return 0;
}

bool mem_cgroup_is_descendant(const struct unev_machine *m, int memcg, int root)
{
	while (memcg >= 0) {
		if (memcg == root)
			return true;
		memcg = m->memcgs[memcg]->parent;
	}
	return false;
}

/*
 * select_bad_process -> mem_cgroup_scan_tasks: the subtree's memcgs in
 * mem_cgroup_iter order, each one's tasks in the order they joined (pid
 * order here), scored by oom_badness (rss + swap + page tables).
 * oom_evaluate_task skips only a lower score, so on a tie the task met
 * later is chosen.
 */
static struct task_struct *oom_select(struct unev_machine *m, int memcg)
{
	struct task_struct *victim = NULL;
	uint64_t best = 0;
	int *order = malloc(m->nr_memcgs * sizeof(*order));
	unsigned int nr;

	if (!order)
		return NULL;
	nr = mem_cgroup_walk_order(m, memcg, order);
	for (unsigned int k = 0; k < nr; k++) {
		for (unsigned int i = 0; i < m->nr_tasks; i++) {
			struct task_struct *t = m->tasks[i];
			uint64_t points;

			if (!t->alive || t->memcg != order[k])
				continue;
			points = t->mm->rss_anon + t->mm->rss_file + t->mm->rss_shmem +
				 t->mm->swapents + t->mm->nr_pgtables;
			if (!victim || points >= best) {
				victim = t;
				best = points;
			}
		}
	}
	free(order);
	return victim;
}

/* mem_cgroup_out_of_memory: kill the chosen task; its memory is freed
 * (exit_mmap), but pages still in a per-CPU batch stay charged until it runs. */
static bool mem_cgroup_out_of_memory(struct unev_machine *m, int memcg)
{
	struct task_struct *victim = oom_select(m, memcg);
	unsigned int cpu = m->cur_cpu;
	int cur = m->cur_memcg;

	if (!victim)
		return false;
	count_vm_events(m, OOM_KILL, 1);
	/* __oom_kill_process: counted in the victim's memcg (v1: not above) */
	m->memcgs[victim->memcg]->oom_kill++;
	trace_event(m, UNEV_EV_OOM_KILL, UNEV_LRU_NONE, (unsigned int)victim->pid, 0,
		    "mem_cgroup_out_of_memory");
	if (victim->pid == m->cur_pid)
		task_kill_deferred(victim);	/* the caller: its call goes on */
	else
		task_kill(m, victim);
	m->cur_cpu = cpu;
	m->cur_memcg = cur;
	return true;
}

/* The nearest ancestor (or self) that @nr more pages would push over. */
static int mem_cgroup_over_limit(struct unev_machine *m, int memcg, uint64_t nr)
{
	for (int id = memcg; id >= 0; id = m->memcgs[id]->parent)
		if (m->memcgs[id]->usage + nr > m->memcgs[id]->limit)
			return id;
	return -1;
}

/* try_charge_memcg: reclaim in the memcg over its limit, a few times, then
 * its OOM killer, as long as there is someone to kill. */
static int try_charge(struct unev_machine *m, int memcg, uint64_t nr)
{
	int retries = MAX_RECLAIM_RETRIES;
	int over;

	while ((over = mem_cgroup_over_limit(m, memcg, nr)) >= 0) {
		m->memcgs[over]->max_events++;
		/* try_to_free_mem_cgroup_pages: never fewer than SWAP_CLUSTER_MAX */
		if (retries-- > 0 && do_try_to_free_pages(m, -1, over, nr < 32 ? 32 : nr, false))
			continue;
		if (retries > 0)
			continue;
		if (!mem_cgroup_out_of_memory(m, over))
			return -ENOMEM;
		retries = MAX_RECLAIM_RETRIES;
		if (!unev_task_alive(m, m->cur_pid))
			return -ENOMEM;	/* the caller itself was the victim */
	}
	return 0;
}

int mem_cgroup_charge(struct unev_machine *m, struct folio *f)
{
	uint64_t nr = folio_nr_pages(f);
	int memcg = m->cur_memcg;
	int err = try_charge(m, memcg, nr);

	if (err)
		return err;
	for (int id = memcg; id >= 0; id = m->memcgs[id]->parent)
		m->memcgs[id]->usage += nr;
	f->memcg = (uint16_t)memcg;
	return 0;
}

/*
 * A __GFP_ACCOUNT allocation (a page table: GFP_PGTABLE_USER): the kernel
 * charges it before the table exists, so an OOM kill it causes scores the
 * caller without it.  The model goes through the same reclaim and OOM
 * killer but keeps usage to user pages, as the live side reads it
 * (tests/scenarios/memcg/README.md, "kernel memory").
 */
int mem_cgroup_charge_kmem(struct unev_machine *m, uint64_t nr)
{
	if (!m->cur_memcg)
		return 0;
	return try_charge(m, m->cur_memcg, nr);
}

void mem_cgroup_uncharge(struct unev_machine *m, struct folio *f)
{
	for (int id = f->memcg; id >= 0; id = m->memcgs[id]->parent)
		m->memcgs[id]->usage -= folio_nr_pages(f);
	f->memcg = 0;
}

/* memory.stat of cgroup v1, in bytes: this memcg's own lists. */
static size_t memcg_stat_fields(const struct unev_machine *m, const struct mem_cgroup *mc,
				const char **names, uint64_t *vals)
{
	static const char *const lru_names[UNEV_NR_LRU_LISTS] = {
		"inactive_anon", "active_anon", "inactive_file", "active_file", "unevictable" };
	size_t n = 0;

	for (int lru = 0; lru < UNEV_NR_LRU_LISTS; lru++) {
		uint64_t pages = 0;

		for (unsigned int node = 0; node < m->cfg.nodes; node++)
			pages += mc->id ? mc->lruvec[node].lists[lru].nr
					: m->nodes[node].lruvec.lists[lru].nr;
		names[n] = lru_names[lru];
		vals[n++] = pages * PAGE_SIZE;
	}
	names[n] = "usage";
	vals[n++] = mc->usage * PAGE_SIZE;
	/* memcg1_stat_format: the smallest limit of the memcg and its ancestors */
	names[n] = "hierarchical_memory_limit";
	vals[n] = UINT64_MAX;
	for (int id = mc->id; id >= 0; id = m->memcgs[id]->parent)
		if (m->memcgs[id]->limit < vals[n])
			vals[n] = m->memcgs[id]->limit;
	vals[n] = vals[n] == UINT64_MAX ? INT64_MAX & PAGE_MASK : vals[n] * PAGE_SIZE;
	n++;
	names[n] = "oom_kill";
	vals[n++] = mc->oom_kill;
	return n;
}

int unev_memcg_stat_read(const struct unev_machine *m, int id, const char *name, uint64_t *val)
{
	const char *names[16];
	uint64_t vals[16];
	size_t n;

	if (id < 0 || (unsigned int)id >= m->nr_memcgs)
		return -ENOENT;
	n = memcg_stat_fields(m, m->memcgs[id], names, vals);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], name)) {
			*val = vals[i];
			return 0;
		}
	}
	return -ENOENT;
}

char *unev_proc_memcg_stat(const struct unev_machine *m, int id)
{
	const char *names[16];
	uint64_t vals[16];
	size_t n, len = 0;
	char *buf;

	if (id < 0 || (unsigned int)id >= m->nr_memcgs)
		return NULL;
	n = memcg_stat_fields(m, m->memcgs[id], names, vals);
	buf = malloc(n * 64 + 1);
	if (!buf)
		return NULL;
	buf[0] = 0;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(buf + len, 64, "%s %llu\n", names[i],
					(unsigned long long)vals[i]);
	return buf;
}

/* css_next_descendant_pre order of @root's subtree (children by id). */
static void subtree_preorder(const struct unev_machine *m, int root, int *order, unsigned int *n)
{
	order[(*n)++] = root;
	for (unsigned int id = (unsigned int)root + 1; id < m->nr_memcgs; id++)
		if (m->memcgs[id]->parent == root)
			subtree_preorder(m, (int)id, order, n);
}

unsigned int mem_cgroup_walk_order(const struct unev_machine *m, int root, int *order)
{
	unsigned int n = 0;

	subtree_preorder(m, root, order, &n);
	return n;
}

/* The id of the memcg unev_memcg_create named @name (the first if several
 * share it); -ENOENT when there is none.  Lets an observer that only knows
 * a scenario's names (a timeline) find memory.stat. */
int unev_memcg_find(const struct unev_machine *m, const char *name, int *id)
{
	for (unsigned int i = 1; i < m->nr_memcgs; i++) {
		if (!strcmp(m->memcgs[i]->name, name)) {
			*id = (int)i;
			return 0;
		}
	}
	return -ENOENT;
}
