/*
 * swap.c - the LRU lists and the per-CPU folio batches (mm/swap.c,
 * include/linux/mm_inline.h).
 *
 * Each lruvec has four real lists linked by frame number and one
 * unevictable "list" that is only a count (5.18+): lruvec_add_folio never
 * links an unevictable folio, because its link field holds mlock_count.
 * New folios reach the LRU through a per-CPU lru_add batch of 31 that is
 * processed when full or at lru_add_drain(), exactly as folio_add_lru does.
 */
#include "internal.h"

void __trace_lru_move(struct unev_machine *m, struct folio *f, int from, int to,
		      const char *why)
{
	struct unev_event ev;

	ev.type = UNEV_EV_LRU_MOVE;
	ev.pfn = page_to_pfn(m, f);
	ev.from = from;
	ev.to = to;
	ev.cpu = (int)m->cur_cpu;
	ev.nr = (unsigned int)folio_nr_pages(f);
	ev.why = why;
	m->trace(m->trace_ctx, &ev);
}

struct address_space *folio_mapping(struct unev_machine *m, const struct folio *f)
{
	if (folio_test_anon(f) || f->mapping == 0)
		return NULL;
	return m->mappings[f->mapping - 1];
}

/* folio_evictable (mm/internal.h): not in an unevictable mapping, not
 * mlocked.  Before 2.6.28 (design=none) every page was "evictable": vmscan
 * found out the hard way. */
bool folio_evictable(struct unev_machine *m, const struct folio *f)
{
	if (design_none(m))
		return true;
	return !mapping_unevictable(folio_mapping(m, f)) && !folio_test(f, PG_mlocked);
}

/*
 * __folio_put -> __page_cache_release: a folio still on the LRU leaves it
 * with no event counted (KERNEL-SEMANTICS 3, nr_unevictable), then it is
 * freed (free_folio counts "cleared" if PG_mlocked is still set).
 */
void __folio_put(struct unev_machine *m, struct folio *f)
{
	if (folio_test_clear(f, PG_lru)) {
		lruvec_del_folio(m, folio_lruvec(m, f), f, "__page_cache_release");
		folio_clear(f, PG_active | PG_unevictable);
	}
	free_folio(m, f);
}

/* folio_batch_add: returns the space left, 0 when the batch is now full. */
bool folio_batch_add(struct unev_machine *m, struct folio_batch *b, uint32_t pfn, uint8_t tag)
{
	b->pfn[b->nr] = pfn;
	b->tag[b->nr] = tag;
	b->nr++;
	return b->nr < m->batch_size;
}

/*
 * lru_add (mm/swap.c): the drain of folio_add_lru, also folio_putback_lru.
 * mlock_count starts at 0 here: err low and let reclaim fix it, rather than
 * strand an evictable folio (the kernel's comment in lru_add).
 */
static void lru_add(struct unev_machine *m, struct folio *f)
{
	bool was_unevictable = folio_test_clear(f, PG_unevictable);
	long nr = (long)folio_nr_pages(f);

	if (folio_evictable(m, f)) {
		if (was_unevictable)
			count_vm_events(m, UNEVICTABLE_PGRESCUED, nr);
	} else {
		folio_clear(f, PG_active);
		folio_set(f, PG_unevictable);
		folio_set_mlock_count(f, 0);
		if (!was_unevictable)
			count_vm_events(m, UNEVICTABLE_PGCULLED, nr);
	}
	lruvec_add_folio(m, folio_lruvec(m, f), f, "lru_add");
}

/* The tracepoint of everything that is not one folio's move. */
void trace_vmscan(struct unev_machine *m, int lru, unsigned int scanned, unsigned int reclaimed,
		  unsigned int culled, const char *why)
{
	struct unev_event ev = { .type = UNEV_EV_VMSCAN, .pfn = PFN_NIL, .from = lru,
				 .to = UNEV_LRU_NONE, .cpu = (int)m->cur_cpu, .nr = scanned,
				 .nr_reclaimed = reclaimed, .nr_culled = culled, .why = why };

	if (m->trace)
		m->trace(m->trace_ctx, &ev);
}

void trace_event(struct unev_machine *m, enum unev_event_type type, int lru, unsigned int nr,
		 unsigned int nr_reclaimed, const char *why)
{
	struct unev_event ev = { .type = type, .pfn = PFN_NIL, .from = lru,
				 .to = UNEV_LRU_NONE, .cpu = (int)m->cur_cpu, .nr = nr,
				 .nr_reclaimed = nr_reclaimed, .why = why };

	if (m->trace)
		m->trace(m->trace_ctx, &ev);
}

static void folio_batch_move_lru_add(struct unev_machine *m, struct folio_batch *b)
{
	unsigned int nr = b->nr;

	b->nr = 0;
	if (nr)
		trace_event(m, UNEV_EV_BATCH_DRAIN, UNEV_LRU_NONE, nr, 0,
			    "folio_batch_move_lru(lru_add)");
	for (unsigned int i = 0; i < nr; i++) {
		struct folio *f = pfn_to_page(m, b->pfn[i]);

		/* 7.x filters dead folios (only the batch's reference left:
		 * folio_ref_freeze) and frees them without lru_add, so nothing
		 * is culled or rescued for them (profile lru_add_frees_dead) */
		if (m->profile->lru_add_frees_dead && f->refcount == 1) {
			folio_clear(f, PG_active | PG_unevictable);
			continue;
		}
		lru_add(m, f);
		folio_set(f, PG_lru);
	}
	/* folios_put: drop the batch's references, freeing what is unused */
	for (unsigned int i = 0; i < nr; i++)
		folio_put(m, pfn_to_page(m, b->pfn[i]));
}

/* __pagevec_lru_add of a caller's own pagevec (not the per-CPU batch):
 * each folio goes on its list now, then the pagevec's references go. */
void lru_add_folios(struct unev_machine *m, struct folio **folios, unsigned int nr)
{
	struct folio_batch b = { .nr = 0 };

	for (unsigned int i = 0; i < nr; i++) {
		assert(!folio_test(folios[i], PG_lru));
		b.pfn[b.nr] = page_to_pfn(m, folios[i]);
		b.tag[b.nr++] = 0;
	}
	folio_batch_move_lru_add(m, &b);
}

void folio_add_lru(struct unev_machine *m, struct folio *f)
{
	struct folio_batch *b = &m->cpus[m->cur_cpu].lru_add;

	assert(!folio_test(f, PG_lru));
	folio_get(f);
	if (!folio_batch_add(m, b, page_to_pfn(m, f), 0) || f->order > 0 ||
	    lru_cache_disabled(m))
		folio_batch_move_lru_add(m, b);
}

/* folio_add_lru_vma: new folios of a VM_LOCKED (not special) VMA go straight
 * to the mlock batch as NEW folios. */
void folio_add_lru_vma(struct unev_machine *m, struct folio *f,
		       struct vm_area_struct *vma)
{
	bool locked = (vma->vm_flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED;

	if (locked && design_mlock_count(m)) {
		mlock_new_folio(m, f);
		return;
	}
	/* lru_cache_add_inactive_or_unevictable (2.6.28-5.17): mlocked now,
	 * culled when the lru_add pagevec is drained */
	if (locked && design_rmap_walk(m) && !folio_test_set(f, PG_mlocked)) {
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_mlock, (long)folio_nr_pages(f));
		count_vm_events(m, UNEVICTABLE_PGMLOCKED, (long)folio_nr_pages(f));
	}
	folio_add_lru(m, f);
}

/*
 * lru_deactivate (MADV_COLD's folio_deactivate): an active folio goes to
 * the head of its inactive list, PGDEACTIVATE; an unevictable or already
 * inactive one stays.
 */
static void lru_deactivate(struct unev_machine *m, struct folio *f)
{
	if (folio_test(f, PG_unevictable) || !folio_test(f, PG_active))
		return;
	lruvec_del_folio(m, folio_lruvec(m, f), f, "lru_deactivate");
	folio_clear(f, PG_active | PG_referenced);
	lruvec_add_folio(m, folio_lruvec(m, f), f, "lru_deactivate");
	count_vm_events(m, PGDEACTIVATE, (long)folio_nr_pages(f));
}

/*
 * lru_lazyfree (MADV_FREE's folio_mark_lazyfree): a swap-backed anonymous
 * folio loses PG_swapbacked and so moves to the inactive file list, where
 * reclaim may discard it without swap unless it is written again.
 */
static void lru_lazyfree(struct unev_machine *m, struct folio *f)
{
	if (!folio_test_anon(f) || !folio_test(f, PG_swapbacked) ||
	    folio_test(f, PG_swapcache) || folio_test(f, PG_unevictable))
		return;
	lruvec_del_folio(m, folio_lruvec(m, f), f, "lru_lazyfree");
	folio_clear(f, PG_active | PG_referenced | PG_swapbacked);
	lruvec_add_folio(m, folio_lruvec(m, f), f, "lru_lazyfree");
	count_vm_events(m, PGLAZYFREE, (long)folio_nr_pages(f));
}

/* folio_batch_move_lru for a move between lists: a folio no longer on
 * the LRU (isolated, freed from its list) is skipped; then the batch's
 * references go. */
static void folio_batch_move_lru(struct unev_machine *m, struct folio_batch *b,
				 void (*move_fn)(struct unev_machine *, struct folio *),
				 const char *why)
{
	unsigned int nr = b->nr;

	b->nr = 0;
	if (nr)
		trace_event(m, UNEV_EV_BATCH_DRAIN, UNEV_LRU_NONE, nr, 0, why);
	for (unsigned int i = 0; i < nr; i++) {
		struct folio *f = pfn_to_page(m, b->pfn[i]);

		if (folio_test(f, PG_lru))
			move_fn(m, f);
	}
	for (unsigned int i = 0; i < nr; i++)
		folio_put(m, pfn_to_page(m, b->pfn[i]));
}

/* folio_batch_add_and_move: queue with a reference, move when full */
static void folio_batch_add_and_move(struct unev_machine *m, struct folio_batch *b,
				     struct folio *f,
				     void (*move_fn)(struct unev_machine *, struct folio *),
				     const char *why)
{
	folio_get(f);
	if (!folio_batch_add(m, b, page_to_pfn(m, f), 0) || f->order > 0 ||
	    lru_cache_disabled(m))
		folio_batch_move_lru(m, b, move_fn, why);
}

/* folio_deactivate: only an active evictable folio on the LRU is queued */
void folio_deactivate(struct unev_machine *m, struct folio *f)
{
	if (!folio_test(f, PG_lru) || folio_test(f, PG_unevictable) || !folio_test(f, PG_active))
		return;
	folio_batch_add_and_move(m, &m->cpus[m->cur_cpu].lru_deactivate, f, lru_deactivate,
				 "folio_batch_move_lru(lru_deactivate)");
}

/* folio_mark_lazyfree: a swap-backed anonymous folio not in the swap
 * cache, evictable; whether it is on the LRU is asked when it moves */
void folio_mark_lazyfree(struct unev_machine *m, struct folio *f)
{
	if (!folio_test_anon(f) || !folio_test(f, PG_swapbacked) ||
	    folio_test(f, PG_swapcache) || folio_test(f, PG_unevictable))
		return;
	folio_batch_add_and_move(m, &m->cpus[m->cur_cpu].lru_lazyfree, f, lru_lazyfree,
				 "folio_batch_move_lru(lru_lazyfree)");
}

/*
 * lru_activate (folio_mark_accessed's folio_activate): an inactive
 * evictable folio moves to its active list, PGACTIVATE.
 */
static void lru_activate(struct unev_machine *m, struct folio *f)
{
	if (folio_test(f, PG_active) || folio_test(f, PG_unevictable))
		return;
	lruvec_del_folio(m, folio_lruvec(m, f), f, "lru_activate");
	folio_set(f, PG_active);
	lruvec_add_folio(m, folio_lruvec(m, f), f, "lru_activate");
	count_vm_events(m, PGACTIVATE, (long)folio_nr_pages(f));
}

/* folio_activate: an inactive evictable folio on the LRU is queued in this
 * CPU's lru_activate batch, moved when the batch fills or is drained */
static void folio_activate(struct unev_machine *m, struct folio *f)
{
	if (folio_test(f, PG_active) || folio_test(f, PG_unevictable) || !folio_test(f, PG_lru))
		return;
	folio_batch_add_and_move(m, &m->cpus[m->cur_cpu].lru_activate, f, lru_activate,
				 "folio_batch_move_lru(lru_activate)");
}

/* __lru_cache_activate_folio: a folio not on the LRU is looked for in this
 * CPU's lru_add batch only; found there, it is marked active and lru_add
 * puts it on the active list (no PGACTIVATE). */
static void lru_cache_activate_folio(struct unev_machine *m, struct folio *f)
{
	const struct folio_batch *b = &m->cpus[m->cur_cpu].lru_add;
	uint32_t pfn = page_to_pfn(m, f);

	for (unsigned int i = b->nr; i-- > 0;) {
		if (b->pfn[i] == pfn) {
			folio_set(f, PG_active);
			return;
		}
	}
}

/*
 * folio_mark_accessed (the classic LRU; the host has no MGLRU): inactive
 * unreferenced -> inactive referenced -> active unreferenced; an
 * unevictable folio only ever gains PG_referenced.
 */
void folio_mark_accessed(struct unev_machine *m, struct folio *f)
{
	if (!folio_test(f, PG_referenced)) {
		folio_set(f, PG_referenced);
	} else if (folio_test(f, PG_unevictable)) {
		return;
	} else if (!folio_test(f, PG_active)) {
		if (folio_test(f, PG_lru))
			folio_activate(m, f);
		else
			lru_cache_activate_folio(m, f);
		folio_clear(f, PG_referenced);
	}
}

/* lru_add_drain_cpu: lru_add first, then (6.18's order) lru_deactivate,
 * lru_lazyfree and lru_activate; the mlock batch is the caller's
 * (lru_add_drain) */
void lru_add_drain_cpu(struct unev_machine *m, unsigned int cpu)
{
	unsigned int saved = m->cur_cpu;

	m->cur_cpu = cpu;
	folio_batch_move_lru_add(m, &m->cpus[cpu].lru_add);
	folio_batch_move_lru(m, &m->cpus[cpu].lru_deactivate, lru_deactivate,
			     "folio_batch_move_lru(lru_deactivate)");
	folio_batch_move_lru(m, &m->cpus[cpu].lru_lazyfree, lru_lazyfree,
			     "folio_batch_move_lru(lru_lazyfree)");
	folio_batch_move_lru(m, &m->cpus[cpu].lru_activate, lru_activate,
			     "folio_batch_move_lru(lru_activate)");
	m->cur_cpu = saved;
}

/*
 * lru_cache_disable: from here every folio put on a per-CPU batch is moved
 * at once (folio_batch_add_and_move, mlock_folio...), and the batches of
 * every CPU are drained, the mlock batches with them (__lru_add_drain_all
 * with force_all_cpus).  move_pages and migrate_pages run inside it.
 */
void lru_cache_disable(struct unev_machine *m)
{
	m->lru_disable_count++;
	lru_add_drain_all(m);
}

void lru_cache_enable(struct unev_machine *m)
{
	assert(m->lru_disable_count > 0);
	m->lru_disable_count--;
}

/* lru_add_drain: this CPU's lru_add batch first, then its mlock batch. */
void lru_add_drain(struct unev_machine *m)
{
	lru_add_drain_cpu(m, m->cur_cpu);
	mlock_drain_local(m);
}

/* lru_add_drain_all: the work runs lru_add_drain() on every CPU. */
void lru_add_drain_all(struct unev_machine *m)
{
	unsigned int saved = m->cur_cpu;

	for (unsigned int cpu = 0; cpu < m->cfg.cpus; cpu++) {
		m->cur_cpu = cpu;
		lru_add_drain(m);
	}
	m->cur_cpu = saved;
}

void unev_drain_all(struct unev_machine *m)
{
	lru_add_drain_all(m);
}
