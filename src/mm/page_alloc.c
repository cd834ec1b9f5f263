/*
 * page_alloc.c - the memmap and a buddy allocator per node (mm/page_alloc.c).
 *
 * pfn 0 is the shared zero page (PG_reserved, never on a list, never
 * counted); node N owns the frames [start_pfn, start_pfn + spanned_pages).
 * The memmap is one calloc: the host gives zero pages lazily, so a 128 GiB
 * node costs only the struct pages that were touched.  Free blocks are kept
 * on per-order lists linked through the lru fields, heads marked PG_buddy
 * with their order, as __free_one_page does.
 */
#include "internal.h"

static void buddy_list_add(struct unev_machine *m, struct pglist_data *pgdat,
			   uint32_t pfn, unsigned int order)
{
	struct page *p = pfn_to_page(m, pfn);
	uint32_t old = pgdat->free_area.head[order];

	p->flags = PG_buddy;
	p->order = (uint8_t)order;
	p->lru_prev = PFN_NIL;
	p->lru_next = old;
	if (old != PFN_NIL)
		pfn_to_page(m, old)->lru_prev = pfn;
	pgdat->free_area.head[order] = pfn;
	pgdat->free_area.nr_free[order]++;
}

static void buddy_list_del(struct unev_machine *m, struct pglist_data *pgdat,
			   uint32_t pfn, unsigned int order)
{
	struct page *p = pfn_to_page(m, pfn);

	if (p->lru_prev != PFN_NIL)
		pfn_to_page(m, p->lru_prev)->lru_next = p->lru_next;
	else
		pgdat->free_area.head[order] = p->lru_next;
	if (p->lru_next != PFN_NIL)
		pfn_to_page(m, p->lru_next)->lru_prev = p->lru_prev;
	p->flags = 0;
	p->lru_next = p->lru_prev = PFN_NIL;
	pgdat->free_area.nr_free[order]--;
}

/* __free_one_page: merge with the buddy while it is free and of our order. */
static void free_one_page(struct unev_machine *m, struct pglist_data *pgdat,
			  uint32_t pfn, unsigned int order)
{
	/* free_pages_prepare clears the flags: a page merged into a lower
	 * buddy is not mistaken for a folio by a scanner (compaction.c) */
	pfn_to_page(m, pfn)->flags = 0;
	pfn_to_page(m, pfn)->order = 0;
	while (order < MAX_ORDER) {
		uint32_t off = pfn - pgdat->start_pfn;
		uint32_t buddy_off = off ^ (1u << order);
		uint32_t buddy;
		struct page *bp;

		if (buddy_off + (1u << order) > pgdat->spanned_pages)
			break;
		buddy = pgdat->start_pfn + buddy_off;
		bp = pfn_to_page(m, buddy);
		if (!(bp->flags & PG_buddy) || bp->order != order)
			break;
		buddy_list_del(m, pgdat, buddy, order);
		if (buddy < pfn)
			pfn = buddy;
		order++;
	}
	buddy_list_add(m, pgdat, pfn, order);
}

int page_alloc_init(struct unev_machine *m)
{
	const struct unev_machine_config *cfg = &m->cfg;
	uint64_t per_node = cfg->mem_bytes >> PAGE_SHIFT;
	uint64_t total = 1 + per_node * cfg->nodes;

	if (per_node < 1024 || total >= MAX_PFNS)
		return -EINVAL;
	m->nr_pfns = (uint32_t)total;
	m->memmap = calloc(total, sizeof(struct page));
	m->nodes = calloc(cfg->nodes, sizeof(*m->nodes));
	if (!m->memmap || !m->nodes)
		return -ENOMEM;

	m->zero_pfn = 0;
	m->memmap[0].flags = PG_reserved;
	m->memmap[0].refcount = 1;

	for (unsigned int n = 0; n < cfg->nodes; n++) {
		struct pglist_data *pgdat = &m->nodes[n];
		uint32_t pfn;

		pgdat->node_id = (int)n;
		pgdat->start_pfn = (uint32_t)(1 + per_node * n);
		pgdat->spanned_pages = (uint32_t)per_node;
		pgdat->managed_pages = per_node;
		pgdat->nr_free_pages = per_node;
		pgdat->lruvec.node = (int)n;
		for (int o = 0; o <= MAX_ORDER; o++)
			pgdat->free_area.head[o] = PFN_NIL;
		for (int l = 0; l < UNEV_NR_LRU_LISTS; l++)
			pgdat->lruvec.lists[l].head = pgdat->lruvec.lists[l].tail = PFN_NIL;
		/* memmap_init: hand the node to the buddy in the largest blocks;
		 * add them in descending order so the lowest frames come first. */
		pfn = pgdat->start_pfn + pgdat->spanned_pages;
		while (pfn > pgdat->start_pfn) {
			uint32_t off = pfn - pgdat->start_pfn;
			unsigned int order = MAX_ORDER;

			while ((1u << order) > off || ((off - (1u << order)) & ((1u << order) - 1)))
				order--;
			pfn -= 1u << order;
			buddy_list_add(m, pgdat, pfn, order);
		}
	}
	return 0;
}

void page_alloc_exit(struct unev_machine *m)
{
	free(m->memmap);
	free(m->nodes);
	m->memmap = NULL;
	m->nodes = NULL;
}

/* __rmqueue_smallest + expand: take the smallest block that fits and give
 * the upper halves back, so allocation order is deterministic. */
struct folio *folio_alloc(struct unev_machine *m, int node, unsigned int order)
{
	struct pglist_data *pgdat = &m->nodes[node];
	unsigned int o;
	uint32_t pfn;

	for (o = order; o <= MAX_ORDER; o++)
		if (pgdat->free_area.head[o] != PFN_NIL)
			break;
	if (o > MAX_ORDER)
		return NULL;
	pfn = pgdat->free_area.head[o];
	buddy_list_del(m, pgdat, pfn, o);
	while (o > order) {
		o--;
		buddy_list_add(m, pgdat, pfn + (1u << o), o);
	}
	pgdat->nr_free_pages -= 1ULL << order;
	count_vm_events(m, PGALLOC, (long)(1L << order));
	return prep_new_folio(m, pfn, order, node);
}

/* post_alloc_hook + set_page_refcounted: the frame is a new folio with one
 * reference. */
struct folio *prep_new_folio(struct unev_machine *m, uint32_t pfn, unsigned int order, int node)
{
	struct folio *f = pfn_to_page(m, pfn);

	memset(f, 0, sizeof(*f));
	f->flags = PG_head;
	f->order = (uint8_t)order;
	f->node = (uint8_t)node;
	f->refcount = 1;
	f->lru_next = f->lru_prev = PFN_NIL;
	return f;
}

/* __isolate_free_page: the free block at @pfn leaves the buddy whole (the
 * compaction free scanner's), its pages no longer counted free. */
void isolate_free_page(struct unev_machine *m, int node, uint32_t pfn, unsigned int order)
{
	struct pglist_data *pgdat = &m->nodes[node];

	buddy_list_del(m, pgdat, pfn, order);
	pgdat->nr_free_pages -= 1ULL << order;
}

/* __free_pages of a block isolated but not used (release_free_list): back
 * to the buddy, merging. */
void release_free_page(struct unev_machine *m, int node, uint32_t pfn, unsigned int order)
{
	struct pglist_data *pgdat = &m->nodes[node];

	pgdat->nr_free_pages += 1ULL << order;
	count_vm_events(m, PGFREE, 1L << order);
	free_one_page(m, pgdat, pfn, order);
}

/*
 * free_pages_prepare: a folio still PG_mlocked when freed lost a race with
 * munlock (KERNEL-SEMANTICS 8, "cleared"): count it and fix NR_MLOCK.
 */
void free_folio(struct unev_machine *m, struct folio *f)
{
	struct pglist_data *pgdat = &m->nodes[f->node];
	unsigned int order = f->order;
	long nr = (long)folio_nr_pages(f);

	if (folio_test_clear(f, PG_mlocked)) {
		node_stat_mod(m, f->node, &pgdat->nr_mlock, -nr);
		count_vm_events(m, UNEVICTABLE_PGCLEARED, nr);
	}
	if (f->memcg)
		mem_cgroup_uncharge(m, f);
	if (order && !folio_test(f, PG_hugetlb))
		free_compound_tails(m, f);
	deferred_split_dequeue(m, f);
	folio_clear(f, PG_double_map);
	pgdat->nr_free_pages += (uint64_t)nr;
	count_vm_events(m, PGFREE, nr);
	free_one_page(m, pgdat, page_to_pfn(m, f), order);
}

static uint64_t isqrt64(uint64_t x)
{
	uint64_t r = 0, bit = 1ULL << 62;

	while (bit > x)
		bit >>= 2;
	while (bit) {
		if (x >= r + bit) {
			x -= r + bit;
			r = (r >> 1) + bit;
		} else {
			r >>= 1;
		}
		bit >>= 2;
	}
	return r;
}

/*
 * init_per_zone_wmark_min + __setup_per_zone_wmarks: min_free_kbytes is
 * sqrt(lowmem_kbytes * 16) clamped to [128, 262144] unless set by sysctl,
 * shared by the nodes in proportion; low and high add
 * max(min / 4, managed * watermark_scale_factor (10) / 10000).
 */
void setup_per_zone_wmarks(struct unev_machine *m)
{
	uint64_t managed = 0, min_kb;

	for (unsigned int n = 0; n < m->cfg.nodes; n++)
		managed += m->nodes[n].managed_pages;
	min_kb = m->min_free_kbytes;
	if (!min_kb) {
		min_kb = isqrt64(managed * (PAGE_SIZE / 1024) * 16);
		min_kb = min_kb < 128 ? 128 : min_kb > 262144 ? 262144 : min_kb;
	}
	for (unsigned int n = 0; n < m->cfg.nodes; n++) {
		struct pglist_data *pgdat = &m->nodes[n];
		uint64_t min = (min_kb / (PAGE_SIZE / 1024)) * pgdat->managed_pages / managed;
		uint64_t delta = pgdat->managed_pages * 10 / 10000;

		if (delta < min / 4)
			delta = min / 4;
		pgdat->wmark_min = min;
		pgdat->wmark_low = min + delta;
		pgdat->wmark_high = min + 2 * delta;
	}
}

/*
 * cpu_to_node: the CPUs split among the nodes as evenly as they go, in
 * order, the first nodes taking one more when they do not divide: the
 * topology `conform --kernel` gives qemu (-numa node,cpus=, src/vm/runner.c).
 */
int cpu_to_node(const struct unev_machine *m, unsigned int cpu)
{
	unsigned int nodes = m->cfg.nodes, per = m->cfg.cpus / nodes,
		     extra = m->cfg.cpus % nodes, first = 0;

	for (unsigned int n = 0; n < nodes; n++) {
		unsigned int cpus = per + (n < extra);

		if (cpu < first + cpus)
			return (int)n;
		first += cpus;
	}
	return 0;
}

/* numa_node_id: the node of the CPU running the current call. */
int numa_node_id(const struct unev_machine *m)
{
	return cpu_to_node(m, m->cur_cpu);
}

/*
 * The i-th node of @local's zonelist (build_zonelists, find_next_best_node):
 * the local node, then the others by distance.  qemu gives every remote
 * node the same distance (20), and find_next_best_node then prefers a node
 * above the local one ("penalize nodes under us"): local, local + 1, ...,
 * the last, then 0, 1, ... local - 1.  (node_load's spreading, which only
 * reorders remote nodes at equal distance across different local nodes'
 * lists, is not modelled: with 2 nodes the order is local, other.)
 */
static int zonelist_node(const struct unev_machine *m, int local, unsigned int i)
{
	return (int)(((unsigned int)local + i) % m->cfg.nodes);
}

/*
 * __alloc_pages of one order-0 user page preferring @node: the fast path
 * (get_page_from_freelist at the low watermark) takes the first node of the
 * zonelist above its low watermark, without waking anyone; when none is,
 * the slow path runs on the preferred node: below the low watermark kswapd
 * is woken (here it runs at once, on the caller's CPU, and balances the node
 * to its high watermark), below min direct reclaim, then the zonelist is
 * tried again for any free page.  (The kernel's slow path wakes every node's
 * kswapd and retries at the min watermark; with one node, as every scenario
 * before migration had, the two are the same.)  @thisnode (__GFP_THISNODE)
 * never falls back.
 */
static struct folio *alloc_pages_node(struct unev_machine *m, int node, bool thisnode)
{
	unsigned int tries = thisnode ? 1 : m->cfg.nodes;
	struct pglist_data *pgdat = &m->nodes[node];
	struct folio *f = NULL;

	for (unsigned int i = 0; i < tries; i++) {
		int n = zonelist_node(m, node, i);

		if (m->nodes[n].nr_free_pages > m->nodes[n].wmark_low)
			return folio_alloc(m, n, 0);
	}
	if (pgdat->nr_free_pages <= pgdat->wmark_low && !m->in_reclaim)
		wakeup_kswapd(m, node);
	if (pgdat->nr_free_pages <= pgdat->wmark_min && !m->in_reclaim) {
		m->in_reclaim = true;
		do_try_to_free_pages(m, node, -1, 32, false);
		m->in_reclaim = false;
	}
	for (unsigned int i = 0; i < tries && !f; i++)
		f = folio_alloc(m, zonelist_node(m, node, i), 0);
	return f;
}

/* A page for a user mapping or the page cache, on @node or by its zonelist
 * (alloc_pages_node above), then charged to the current memcg, which may
 * reclaim there and OOM-kill. */
static struct folio *charge_user_folio(struct unev_machine *m, struct folio *f)
{
	if (!f)
		return NULL;
	if (mem_cgroup_charge(m, f)) {
		folio_put(m, f);
		return NULL;
	}
	return f;
}

struct folio *alloc_user_folio(struct unev_machine *m, int node)
{
	return charge_user_folio(m, alloc_pages_node(m, node, false));
}

/* MPOL_BIND to @node (mbind): the policy's nodemask is the zonelist, so
 * no other node is tried (policy_nodemask) */
struct folio *alloc_user_folio_bound(struct unev_machine *m, int node)
{
	return charge_user_folio(m, alloc_pages_node(m, node, true));
}

/* alloc_migration_target with __GFP_THISNODE: a page on @node or none,
 * not charged (mem_cgroup_migrate hands it the old folio's charge). */
struct folio *alloc_migration_target(struct unev_machine *m, int node)
{
	return alloc_pages_node(m, node, true);
}
