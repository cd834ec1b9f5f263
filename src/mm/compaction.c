/*
 * compaction.c - full compaction of a node, as a write to
 * /proc/sys/vm/compact_memory (every node) or to a node's `compact` file
 * does it (mm/compaction.c, Linux 6.x: compact_nodes, compact_node with
 * order -1, MIGRATE_SYNC, ignore_skip_hint and whole_zone; compact_zone,
 * isolate_migratepages, isolate_freepages, compaction_alloc).
 *
 * A node here is one zone.  The migrate scanner walks pageblocks (512
 * pages, pageblock_order 9) up from the zone's start, isolating the folios
 * on an LRU list (the unevictable one too only while
 * vm.compact_unevictable_allowed is 1: ISOLATE_UNEVICTABLE), 32 at a time
 * (COMPACT_CLUSTER_MAX) unless it is finishing a pageblock it migrated
 * from; the free scanner walks pageblocks down from the zone's end,
 * isolating whole free buddy blocks from blocks whose first page is not a
 * free block of pageblock order or more (suitable_migration_target), its
 * stride doubling up to 32 over blocks that gave nothing.  Each batch is
 * migrated to the lowest pages of the isolated blocks (compaction_alloc
 * splits the smallest).  The pass ends when the scanners meet in one
 * pageblock.  Counted: compact_migrate_scanned and compact_free_scanned
 * (pages walked, a free block counted whole), compact_isolated (folios
 * and free pages isolated), pgmigrate_success/fail (migrate.c).
 * Pageblocks are aligned to the node's first frame, as its buddy blocks
 * are (page_alloc.c).
 */
#include "internal.h"

#define PAGEBLOCK_ORDER 9
#define PAGEBLOCK_NR_PAGES (1u << PAGEBLOCK_ORDER)
#define COMPACT_CLUSTER_MAX 32

struct compact_control {
	int node;
	uint32_t zone_start, zone_end;
	uint32_t migrate_pfn, free_pfn;
	bool finish_pageblock;
	bool unevictable_allowed;	/* ISOLATE_UNEVICTABLE */
	/* cc->migratepages: at most a pageblock's folios; nr_migratepages
	 * counts those still without a page (compaction_alloc counts down) */
	uint32_t migratepages[PAGEBLOCK_NR_PAGES];
	unsigned int nr_list, nr_migratepages;
	/* cc->freepages[order]: isolated free blocks, linked through lru_next */
	uint32_t free_head[MAX_ORDER + 1], free_tail[MAX_ORDER + 1];
	uint64_t nr_freepages;
	uint64_t total_migrate_scanned, total_free_scanned;
};

static uint32_t pageblock_start_pfn(const struct compact_control *cc, uint32_t pfn)
{
	return cc->zone_start + ((pfn - cc->zone_start) & ~(PAGEBLOCK_NR_PAGES - 1));
}

static uint32_t pageblock_end_pfn(const struct compact_control *cc, uint32_t pfn)
{
	return pageblock_start_pfn(cc, pfn) + PAGEBLOCK_NR_PAGES;
}

/* compact_scanners_met: the free scanner is in the migrate scanner's
 * pageblock or below it */
static bool compact_scanners_met(const struct compact_control *cc)
{
	return (cc->free_pfn - cc->zone_start) >> PAGEBLOCK_ORDER <=
	       (cc->migrate_pfn - cc->zone_start) >> PAGEBLOCK_ORDER;
}

static void freelist_add(struct unev_machine *m, struct compact_control *cc, uint32_t pfn,
			 unsigned int order, bool tail)
{
	struct page *p = pfn_to_page(m, pfn);

	p->order = (uint8_t)order;
	p->lru_next = PFN_NIL;
	if (cc->free_head[order] == PFN_NIL) {
		cc->free_head[order] = cc->free_tail[order] = pfn;
	} else if (tail) {
		pfn_to_page(m, cc->free_tail[order])->lru_next = pfn;
		cc->free_tail[order] = pfn;
	} else {
		p->lru_next = cc->free_head[order];
		cc->free_head[order] = pfn;
	}
	cc->nr_freepages += 1u << order;
}

/*
 * isolate_freepages_block of [*start, end) with @stride: each free buddy
 * block is taken whole, until there are as many free pages as folios to
 * migrate.  *start receives where it stopped.
 */
static void isolate_freepages_block(struct unev_machine *m, struct compact_control *cc,
				    uint32_t *start, uint32_t end, unsigned int stride,
				    uint64_t *isolated)
{
	uint64_t nr_scanned = 0, total = 0;
	uint32_t pfn = *start;

	for (; pfn < end; pfn += stride) {
		struct page *p = pfn_to_page(m, pfn);

		nr_scanned++;
		/* a folio larger than a page (a huge page) is skipped whole */
		if (folio_test(p, PG_head) && p->order && pfn + (1u << p->order) <= end) {
			pfn += (1u << p->order) - 1;
			nr_scanned += (1u << p->order) - 1;
			continue;
		}
		if (!folio_test(p, PG_buddy))
			continue;
		unsigned int order = p->order;

		isolate_free_page(m, cc->node, pfn, order);
		freelist_add(m, cc, pfn, order, true);
		nr_scanned += (1u << order) - 1;
		total += 1u << order;
		if (cc->nr_migratepages <= cc->nr_freepages) {
			pfn += 1u << order;
			break;
		}
		pfn += (1u << order) - 1;
	}
	if (pfn > end)
		pfn = end;
	*start = pfn;
	cc->total_free_scanned += nr_scanned;
	if (total)
		count_vm_events(m, COMPACTISOLATED, (long)total);
	*isolated = total;
}

/* suitable_migration_target: not a pageblock that begins with a free
 * block of pageblock order or more (every block is MIGRATE_MOVABLE here) */
static bool suitable_migration_target(struct unev_machine *m, uint32_t pfn)
{
	const struct page *p = pfn_to_page(m, pfn);

	return !(folio_test(p, PG_buddy) && p->order >= PAGEBLOCK_ORDER);
}

/* isolate_freepages: from the free scanner's block down to the block above
 * the migrate scanner's, until enough free pages are isolated. */
static void isolate_freepages(struct unev_machine *m, struct compact_control *cc)
{
	uint32_t isolate_start = cc->free_pfn;
	uint32_t block_start = pageblock_start_pfn(cc, isolate_start);
	uint32_t block_end = block_start + PAGEBLOCK_NR_PAGES;
	uint32_t low_pfn = pageblock_end_pfn(cc, cc->migrate_pfn);
	unsigned int stride = 1;	/* MIGRATE_SYNC */

	if (block_end > cc->zone_end)
		block_end = cc->zone_end;
	for (; block_start >= low_pfn; block_end = block_start,
	     block_start -= PAGEBLOCK_NR_PAGES, isolate_start = block_start) {
		uint64_t nr_isolated;

		if (!suitable_migration_target(m, block_start))
			continue;
		isolate_freepages_block(m, cc, &isolate_start, block_end, stride, &nr_isolated);
		if (cc->nr_freepages >= cc->nr_migratepages) {
			/* enough: restart at the block below if this one is done */
			if (isolate_start >= block_end)
				isolate_start = block_start - PAGEBLOCK_NR_PAGES;
			break;
		} else if (isolate_start < block_end) {
			break;
		}
		stride = nr_isolated ? 1 : (stride << 1 > COMPACT_CLUSTER_MAX ? COMPACT_CLUSTER_MAX
									    : stride << 1);
	}
	cc->free_pfn = isolate_start;
}

/*
 * compaction_alloc: the first block of the smallest order isolated, its
 * upper halves given back to the lower lists' heads; NULL when even a new
 * isolate_freepages finds nothing (the scanners met).
 */
static struct folio *compaction_alloc(struct unev_machine *m, void *arg)
{
	struct compact_control *cc = arg;
	bool isolated = false;
	unsigned int order;
	uint32_t pfn;

	for (;;) {
		for (order = 0; order <= MAX_ORDER; order++)
			if (cc->free_head[order] != PFN_NIL)
				break;
		if (order <= MAX_ORDER)
			break;
		if (isolated)
			return NULL;
		isolate_freepages(m, cc);
		isolated = true;
	}
	pfn = cc->free_head[order];
	cc->free_head[order] = pfn_to_page(m, pfn)->lru_next;
	cc->nr_freepages -= 1u << order;
	while (order > 0) {
		order--;
		freelist_add(m, cc, pfn + (1u << order), order, false);
	}
	cc->nr_migratepages--;
	return prep_new_folio(m, pfn, 0, cc->node);
}

/* release_free_list: what was isolated and not used goes back */
static void release_free_list(struct unev_machine *m, struct compact_control *cc)
{
	for (unsigned int order = 0; order <= MAX_ORDER; order++) {
		uint32_t pfn = cc->free_head[order];

		while (pfn != PFN_NIL) {
			uint32_t next = pfn_to_page(m, pfn)->lru_next;

			release_free_page(m, cc->node, pfn, order);
			pfn = next;
		}
		cc->free_head[order] = cc->free_tail[order] = PFN_NIL;
	}
	cc->nr_freepages = 0;
}

/*
 * isolate_migratepages_block of [low, end): LRU folios are isolated; a
 * free block and a huge page are skipped whole (and counted whole); an
 * unevictable folio only with ISOLATE_UNEVICTABLE.
 */
static void isolate_migratepages_block(struct unev_machine *m, struct compact_control *cc,
				       uint32_t low, uint32_t end)
{
	uint64_t nr_scanned = 0, nr_isolated = 0;

	cc->migrate_pfn = low;
	for (; low < end; low++) {
		struct folio *f = pfn_to_page(m, low);

		nr_scanned++;
		if (folio_test(f, PG_buddy) || (folio_test(f, PG_head) && f->order)) {
			/* PageBuddy, PageCompound: skipped as one */
			if (f->order) {
				low += (1u << f->order) - 1;
				nr_scanned += (1u << f->order) - 1;
			}
			continue;
		}
		if (!folio_test(f, PG_lru))
			continue;
		if (folio_test(f, PG_unevictable) && !cc->unevictable_allowed)
			continue;
		/* not modelled: migrating a folio of the swap cache (its
		 * entry would move); a secretmem folio is never isolated
		 * (mapping_inaccessible, 6.11+) */
		if (folio_test(f, PG_swapcache) ||
		    (folio_mapping(m, f) && folio_mapping(m, f)->kind == MAPPING_SECRETMEM))
			continue;
		if (!folio_isolate_lru(m, f))
			continue;
		cc->migratepages[cc->nr_list++] = low;
		cc->nr_migratepages++;
		nr_isolated++;
		if (cc->nr_migratepages >= COMPACT_CLUSTER_MAX && !cc->finish_pageblock) {
			low++;
			break;
		}
	}
	if (low > end)
		low = end;
	cc->total_migrate_scanned += nr_scanned;
	if (nr_isolated)
		count_vm_events(m, COMPACTISOLATED, (long)nr_isolated);
	cc->migrate_pfn = low;
}

/* isolate_migratepages: the first pageblock from the migrate scanner's
 * that lies below the free scanner (every block is a suitable source for
 * a full compaction); true if something was isolated. */
static bool isolate_migratepages(struct unev_machine *m, struct compact_control *cc)
{
	uint32_t low = cc->migrate_pfn;
	uint32_t block_end = pageblock_end_pfn(cc, low);

	if (block_end <= cc->free_pfn)
		isolate_migratepages_block(m, cc, low, block_end);
	return cc->nr_list != 0;
}

/* putback_movable_pages: the folios not migrated go back to their lists */
static void putback_movable_pages(struct unev_machine *m, struct compact_control *cc)
{
	for (unsigned int i = 0; i < cc->nr_list; i++) {
		struct folio *f = pfn_to_page(m, cc->migratepages[i]);

		folio_add_lru(m, f);	/* folio_putback_lru */
		folio_put(m, f);
	}
	cc->nr_list = 0;
}

/* compact_zone of the node's one zone, whole (compact_memory). */
static int compact_zone(struct unev_machine *m, int node)
{
	struct pglist_data *pgdat = &m->nodes[node];
	struct compact_control *cc = calloc(1, sizeof(*cc));
	uint32_t last_migrated = 0;
	bool migrated_before = false;
	int ret = 0;

	if (!cc)
		return -ENOMEM;
	cc->node = node;
	cc->zone_start = pgdat->start_pfn;
	cc->zone_end = pgdat->start_pfn + pgdat->spanned_pages;
	cc->unevictable_allowed = m->compact_unevictable_allowed;
	cc->migrate_pfn = cc->zone_start;
	cc->free_pfn = pageblock_start_pfn(cc, cc->zone_end - 1);
	for (unsigned int o = 0; o <= MAX_ORDER; o++)
		cc->free_head[o] = cc->free_tail[o] = PFN_NIL;
	lru_add_drain(m);
	while (!compact_scanners_met(cc)) {
		uint32_t iteration_start = cc->migrate_pfn;
		uint64_t succeeded;
		int err;

		/* a pageblock migrated from is finished in one go */
		cc->finish_pageblock = migrated_before &&
				       pageblock_start_pfn(cc, last_migrated) ==
					       pageblock_start_pfn(cc, iteration_start);
		if (!isolate_migratepages(m, cc))
			continue;
		migrated_before = true;
		last_migrated = pageblock_start_pfn(cc, cc->migrate_pfn - 1);
		if (last_migrated < cc->zone_start)
			last_migrated = cc->zone_start;
		err = migrate_pages_batch(m, cc->migratepages, &cc->nr_list, compaction_alloc, cc,
					  &succeeded);
		/* all migrated, or put back */
		cc->nr_migratepages = 0;
		putback_movable_pages(m, cc);
		if (err == -ENOMEM && !compact_scanners_met(cc))
			break;	/* COMPACT_CONTENDED */
		if (err && err != -ENOMEM) {
			ret = err;
			break;
		}
	}
	release_free_list(m, cc);
	count_vm_events(m, COMPACTMIGRATE_SCANNED, (long)cc->total_migrate_scanned);
	count_vm_events(m, COMPACTFREE_SCANNED, (long)cc->total_free_scanned);
	free(cc);
	return ret;
}

/*
 * compact_nodes (the sysctl) or the node's `compact` file (compact_store):
 * lru_add_drain_all first, then each node's zone, by a process on CPU 0
 * (the live side writes the file from CPU 0: its batches are the ones the
 * migrations fill).
 */
int unev_compact(struct unev_machine *m, int node)
{
	int ret = 0;

	if (node < -1 || node >= (int)m->cfg.nodes)
		return -EINVAL;
	m->cur_cpu = 0;
	m->cur_pid = 0;
	m->cur_memcg = 0;
	lru_add_drain_all(m);
	for (int n = 0; n < (int)m->cfg.nodes && !ret; n++)
		if (node < 0 || n == node)
			ret = compact_zone(m, n);
	return ret;
}
