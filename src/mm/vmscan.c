/*
 * vmscan.c - page reclaim (mm/vmscan.c), the classic two-list LRU of 6.18
 * without MGLRU, and check_move_unevictable_folios.
 *
 * Reclaim isolates only from the four evictable lists.  A folio it meets
 * that cannot be evicted (PG_mlocked, an unevictable mapping, or mapped in
 * a VM_LOCKED VMA found by the rmap walk, which mlocks it) is put back
 * through folio_putback_lru -> the lru_add batch -> lru_add, which culls it
 * to the unevictable list: reclaim never looks at it again (5.18+).
 */
#include "internal.h"

#define DEF_PRIORITY 12
#define SWAP_CLUSTER_MAX 32

struct scan_control {
	uint64_t nr_to_reclaim;
	uint64_t nr_reclaimed;
	uint64_t nr_scanned;
	int priority;
	bool may_swap;
	bool kswapd;
	bool force_deactivate, skipped_deactivate;
	uint64_t nr_unqueued_dirty;    /* dirty file folios met this pass */
	unsigned int may_deactivate;   /* DEACTIVATE_ANON | DEACTIVATE_FILE */
	int target_memcg;              /* -1: the whole node (global reclaim) */
	bool ignore_references;        /* reclaim_pages (MADV_PAGEOUT) */
};
#define DEACTIVATE_ANON 1
#define DEACTIVATE_FILE 2

/* cgroup_reclaim(): reclaim aimed at a memcg (its limit, memory.reclaim). */
static bool cgroup_reclaim(const struct scan_control *sc)
{
	return sc->target_memcg >= 0;
}

/* A private list of isolated folios (the kernel's list_head on folio->lru). */
struct folio_list {
	uint32_t *pfn;
	unsigned int nr, cap;
};

static int folio_list_add(struct folio_list *l, uint32_t pfn)
{
	if (l->nr == l->cap) {
		unsigned int cap = l->cap ? l->cap * 2 : SWAP_CLUSTER_MAX;
		uint32_t *n = realloc(l->pfn, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		l->pfn = n;
		l->cap = cap;
	}
	l->pfn[l->nr++] = pfn;
	return 0;
}

static bool is_file_lru(int lru)
{
	return lru == UNEV_LRU_INACTIVE_FILE || lru == UNEV_LRU_ACTIVE_FILE;
}

static bool is_active_lru(int lru)
{
	return lru == UNEV_LRU_ACTIVE_ANON || lru == UNEV_LRU_ACTIVE_FILE;
}

/* Every folio passed in counts as scanned, even off the LRU; an unevictable
 * folio that is now evictable moves to its inactive list (rescued). */
void check_move_unevictable_folios(struct unev_machine *m, struct folio_ref_batch *fb)
{
	long scanned = 0, rescued = 0;

	for (unsigned int i = 0; i < fb->nr; i++) {
		struct folio *f = fb->folios[i];
		long nr = (long)folio_nr_pages(f);

		scanned += nr;
		if (!folio_test_clear(f, PG_lru))
			continue;
		if (folio_evictable(m, f) && folio_test(f, PG_unevictable)) {
			struct lruvec *lv = folio_lruvec(m, f);

			lruvec_del_folio(m, lv, f, "check_move_unevictable_folios");
			folio_clear(f, PG_unevictable);
			lruvec_add_folio(m, lv, f, "check_move_unevictable_folios");
			rescued += nr;
		}
		folio_set(f, PG_lru);
	}
	count_vm_events(m, UNEVICTABLE_PGSCANNED, scanned);
	count_vm_events(m, UNEVICTABLE_PGRESCUED, rescued);
}

/* isolate_lru_folios: from the tail (the oldest), up to nr_to_scan pages;
 * each taken folio leaves the list with PG_lru clear and one reference. */
static uint64_t isolate_lru_folios(struct unev_machine *m, uint64_t nr_to_scan,
				   struct lruvec *lv, struct folio_list *dst,
				   uint64_t *nr_scanned, int lru)
{
	struct lru_list_head *l = &lv->lists[lru];
	uint64_t scan = 0, taken = 0;

	while (scan < nr_to_scan && l->tail != PFN_NIL) {
		struct folio *f = pfn_to_page(m, l->tail);
		unsigned long nr = folio_nr_pages(f);

		scan += nr;
		lruvec_del_folio(m, lv, f, "isolate_lru_folios");
		folio_clear(f, PG_lru);
		folio_get(f);
		if (folio_list_add(dst, page_to_pfn(m, f))) {
			/* out of memory for the list: put it back where it was */
			folio_put(m, f);
			folio_set(f, PG_lru);
			lruvec_add_folio(m, lv, f, "isolate_lru_folios");
			break;
		}
		taken += nr;
	}
	*nr_scanned = scan;
	return taken;
}

/* folio_isolate_lru: off its list, with a reference the caller puts back */
bool folio_isolate_lru(struct unev_machine *m, struct folio *f)
{
	if (!folio_test_clear(f, PG_lru))
		return false;
	lruvec_del_folio(m, folio_lruvec(m, f), f, "folio_isolate_lru");
	folio_get(f);
	return true;
}

/* ---- the rmap side of reclaim (mm/rmap.c) ---- */

struct referenced_arg {
	int referenced;
	uint64_t vm_flags;
};

/* folio_referenced_one: a VM_LOCKED mapping restores the mlock that got
 * missed (mlock_vma_folio) and ends the walk. */
static int folio_referenced_one(struct unev_machine *m, struct folio *f,
				struct vm_area_struct *vma, uint64_t addr, uint64_t *pte,
				void *arg)
{
	struct referenced_arg *pra = arg;

	(void)addr;
	if (vma->vm_flags & VM_LOCKED) {
		/* 5.18+ restores the mlock here; 2.6.28-5.17 leaves it to
		 * try_to_unmap; before, a locked page simply counts as used */
		if (design_mlock_count(m))
			mlock_vma_folio(m, f, vma);
		if (design_none(m))
			pra->referenced++;
		pra->vm_flags |= VM_LOCKED;
		return 1;
	}
	if (*pte & PTE_YOUNG) {
		*pte &= ~PTE_YOUNG;
		pra->referenced++;
	}
	pra->vm_flags |= vma->vm_flags & ~VM_LOCKED;
	return 0;
}

/*
 * A mapped large page-cache folio: the kernel's page_vma_mapped_walk visits
 * every PTE (or the PMD) of it in each VMA, counts the accessed bits once a
 * VMA, and (6.7+ folio_referenced_one; try_to_unmap_one from 6.18) mlocks
 * it in a VM_LOCKED VMA only when that VMA maps all of its pages, and not
 * across a PTE table; 6.12's try_to_unmap_one never mlocks a large folio,
 * and a PMD mapping is split (zapped, for a file) first.  The model's walk
 * finds a folio by its first page only: refused rather than counted wrong.
 */
static bool reclaim_rmap_unmodelled(struct unev_machine *m, const struct folio *f)
{
	if (!f->mapcount || !folio_test_large(f) || folio_test_anon(f) ||
	    folio_test(f, PG_hugetlb))
		return false;
	unev_refuse(m, "reclaim of a mapped large page-cache folio (the rmap walk over each of "
		       "its pages, the mlock of one fully mapped in a VM_LOCKED VMA)");
	return true;
}

static int folio_referenced(struct unev_machine *m, struct folio *f, uint64_t *vm_flags)
{
	struct referenced_arg pra = { 0 };

	*vm_flags = 0;
	if (!f->mapcount || reclaim_rmap_unmodelled(m, f))
		return 0;
	if (folio_test_large(f) && folio_test_anon(f) && !folio_test(f, PG_hugetlb))
		return folio_referenced_large(m, f, vm_flags);
	rmap_walk(m, f, folio_referenced_one, &pra);
	*vm_flags = pra.vm_flags;
	return pra.referenced;
}

/* try_to_unmap_one: a VM_LOCKED VMA mlocks the folio and fails the unmap;
 * otherwise the PTE goes (a swap entry for anon, nothing for a file). */
static int try_to_unmap_one(struct unev_machine *m, struct folio *f,
			    struct vm_area_struct *vma, uint64_t addr, uint64_t *pte, void *arg)
{
	uint64_t *swap_entry = arg;
	uint32_t pfn = pte_pfn(*pte);

	(void)addr;
	if (vma->vm_flags & VM_LOCKED) {
		if (design_mlock_count(m))
			mlock_vma_folio(m, f, vma);
		else if (design_rmap_walk(m) && !folio_test_large(f))
			mlock_vma_page(m, f);	/* 5.10: never a THP */
		return 1;	/* before 2.6.28: SWAP_FAIL, the page is activated */
	}
	if (folio_test_anon(f) && !folio_test(f, PG_swapbacked)) {
		/* a lazyfree folio written again since MADV_FREE cannot be
		 * discarded: swap-backed again, the unmap fails */
		if ((*pte & PTE_DIRTY) || folio_test(f, PG_dirty)) {
			folio_set(f, PG_swapbacked);
			return 1;
		}
		*pte = 0;	/* discard: no swap entry */
		mm_counter_inc(vma->mm, f, -1);
		folio_remove_rmap_pte(m, f, pfn, vma);
		folio_put(m, f);
		return 0;
	}
	*pte = folio_test_anon(f) ? *swap_entry : 0;
	mm_counter_inc(vma->mm, f, -1);
	if (folio_test_anon(f)) {
		swap_entry_dup(m, *swap_entry);
		vma->mm->swapents++;
	}
	folio_remove_rmap_pte(m, f, pfn, vma);
	folio_put(m, f);
	return 0;
}

/* ---- shrink_folio_list and friends ---- */

enum folio_references { FOLIOREF_RECLAIM, FOLIOREF_RECLAIM_CLEAN, FOLIOREF_KEEP, FOLIOREF_ACTIVATE };

static enum folio_references folio_check_references(struct unev_machine *m, struct folio *f)
{
	uint64_t vm_flags;
	int referenced_ptes = folio_referenced(m, f, &vm_flags);
	bool referenced_folio = folio_test_clear(f, PG_referenced);

	/* found in a VM_LOCKED VMA: let the now-mlocked folio be culled; 5.x
	 * let try_to_unmap find it ("mlock lost the isolation race") */
	if ((vm_flags & VM_LOCKED) && !design_none(m))
		return design_rmap_walk(m) ? FOLIOREF_RECLAIM : FOLIOREF_ACTIVATE;
	if (referenced_ptes) {
		folio_set(f, PG_referenced);
		if (referenced_folio || referenced_ptes > 1)
			return FOLIOREF_ACTIVATE;
		if ((vm_flags & VM_EXEC) && !folio_test(f, PG_swapbacked))
			return FOLIOREF_ACTIVATE;
		return FOLIOREF_KEEP;
	}
	if (referenced_folio && !folio_test(f, PG_swapbacked))
		return FOLIOREF_RECLAIM_CLEAN;
	return FOLIOREF_RECLAIM;
}

/* __remove_mapping: only the isolation and the cache hold it now. */
static bool remove_mapping(struct unev_machine *m, struct folio *f, uint64_t swap_entry)
{
	struct address_space *as = folio_mapping(m, f);

	if (folio_test_anon(f))
		return swap_cache_remove(m, f, swap_entry);
	if (!as || f->refcount != 2 || f->mapcount)
		return false;
	filemap_delete_folio(m, as, f->index);	/* drops the cache's reference */
	return true;
}

/*
 * shrink_folio_list's THP path for an anonymous folio before add_to_swap,
 * on a machine without swap space left: the folio is split (split_folio
 * onto reclaim's list: the tails join @list after the folio at @i, each
 * with the reference the list holds) and falls back to small pages
 * (thp_swpout_fallback, unless it was split first for being partly
 * mapped, or on 5.10 for being mapped by no PMD: thp_reclaim_splits_first),
 * each of which then fails add_to_swap and is activated (seen on the 6.18
 * host, pgactivate 512 for MADV_PAGEOUT of a THP).  With swap space the
 * kernel swaps a THP out whole (thp_swpout) or splits a partly mapped one
 * first, and how it then treats the pages nothing maps, and its memcg's
 * lagging list sizes, were not matched in the VM: the machine stops there.
 * 0: go on (small now, or never large); 1: activate; -EOPNOTSUPP: stopped.
 */
static int shrink_large_anon_folio(struct unev_machine *m, struct folio *f,
				   struct folio_list *list, unsigned int i)
{
	uint32_t head = list->pfn[i], nr = (uint32_t)folio_nr_pages(f);
	bool partial = thp_reclaim_splits_first(m, f);

	if (!folio_test_large(f))
		return 0;
	if (m->swap_used < m->swap_total) {
		unev_refuse(m, "reclaim swapping out a transparent huge page");
		return -EOPNOTSUPP;
	}
	if (split_folio(m, f, true))
		return 1;
	if (!partial && nr >= HPAGE_PMD_NR)
		count_vm_events(m, THP_SWPOUT_FALLBACK, 1);
	for (uint32_t t = 1; t < nr; t++)
		if (folio_list_add(list, head + t))
			return 1;
	return 0;
}

static uint64_t shrink_folio_list(struct unev_machine *m, struct folio_list *list,
				  struct scan_control *sc, struct folio_list *ret)
{
	uint64_t nr_reclaimed = 0;

	for (unsigned int i = 0; i < list->nr; i++) {
		struct folio *f = pfn_to_page(m, list->pfn[i]);
		long nr = (long)folio_nr_pages(f);
		enum folio_references refs;
		uint64_t swap_entry = 0;

		sc->nr_scanned += (uint64_t)nr;
		if (!folio_evictable(m, f))
			goto activate_locked;
		refs = sc->ignore_references ? FOLIOREF_RECLAIM : folio_check_references(m, f);
		if (refs == FOLIOREF_ACTIVATE)
			goto activate_locked;
		if (refs == FOLIOREF_KEEP)
			goto keep;
		/* before 2.6.28, ramfs and SHM_LOCKed pages failed writepage */
		if (design_none(m) && mapping_unevictable(folio_mapping(m, f)))
			goto activate_locked;
		if (folio_test_anon(f) && folio_test(f, PG_swapbacked)) {
			int err = shrink_large_anon_folio(m, f, list, i);

			if (err == 1)
				goto activate_locked;
			if (err < 0) {
				/* stopped: the model cannot go on from here */
				folio_list_add(ret, list->pfn[i]);
				list->pfn[i] = PFN_NIL;
				continue;
			}
			/* activate_locked_split: the tails count when met */
			sc->nr_scanned -= (uint64_t)(nr - (long)folio_nr_pages(f));
			nr = (long)folio_nr_pages(f);
			/* add_to_swap: no swap space left means activate */
			if (!err && swap_slot_alloc(m, f, &swap_entry))
				goto activate_locked;
		} else if (folio_test(f, PG_swapbacked)) {
			/* shmem: shmem_writeout needs swap too */
			if (!m->swap_total || m->swap_used >= m->swap_total)
				goto activate_locked;
		}
		if (reclaim_rmap_unmodelled(m, f)) {
			swap_slot_unused(m, f, swap_entry);
			goto keep;
		}
		/* a swap-backed THP never gets here (shrink_large_anon_folio) */
		if (f->mapcount && folio_test_large(f) && folio_test_anon(f) &&
		    !folio_test(f, PG_swapbacked) && try_to_unmap_large_lazyfree(m, f))
			goto activate_locked;
		if (f->mapcount) {
			rmap_walk(m, f, try_to_unmap_one, &swap_entry);
			if (f->mapcount) {
				swap_slot_unused(m, f, swap_entry);
				goto activate_locked;
			}
		}
		if (folio_test(f, PG_dirty) && !folio_test(f, PG_swapbacked)) {
			/* only kswapd writes file folios, and only ones it met
			 * before: the rest get PG_reclaim and are activated, and
			 * the flushers (woken below) write them back */
			if (!sc->kswapd || !folio_test(f, PG_reclaim)) {
				folio_set(f, PG_reclaim);
				sc->nr_unqueued_dirty++;
				goto activate_locked;
			}
			folio_clear(f, PG_dirty | PG_reclaim);	/* pageout */
			goto keep;
		}
		if (folio_test_anon(f) && !folio_test(f, PG_swapbacked)) {
			/* lazyfree, unmapped and clean: only the isolation
			 * holds it (folio_ref_freeze), it is discarded */
			if (f->refcount != 1)
				goto keep;
			count_vm_events(m, PGLAZYFREED, nr);
			nr_reclaimed += (uint64_t)nr;
			folio_put(m, f);
			list->pfn[i] = PFN_NIL;
			continue;
		}
		if (folio_test(f, PG_swapbacked) && !folio_test_anon(f)) {
			if (shmem_writeout(m, f))
				goto activate_locked;
			count_vm_events(m, PSWPOUT, nr);
		} else if (!remove_mapping(m, f, swap_entry)) {
			swap_slot_unused(m, f, swap_entry);
			goto keep;
		}
		if (folio_test_anon(f))
			count_vm_events(m, PSWPOUT, nr);
		nr_reclaimed += (uint64_t)nr;
		folio_put(m, f);	/* the isolation reference: freed */
		list->pfn[i] = PFN_NIL;
		continue;
activate_locked:
		/* an mlocked folio is not made active: it is going to be culled */
		if (!folio_test(f, PG_mlocked)) {
			folio_set(f, PG_active);
			count_vm_events(m, PGACTIVATE, nr);
		}
keep:
		folio_list_add(ret, list->pfn[i]);
		list->pfn[i] = PFN_NIL;
	}
	return nr_reclaimed;
}

/* folio_putback_lru: through the lru_add batch, which culls what is not
 * evictable; @culled counts them for the trace. */
static void folio_putback_lru(struct unev_machine *m, struct folio *f, unsigned int *culled)
{
	folio_add_lru(m, f);
	folio_put(m, f);
	*culled += (unsigned int)folio_nr_pages(f);
}

/* move_folios_to_lru: an unevictable folio goes back by folio_putback_lru
 * (the lru_add batch culls it); the rest go straight to their list. */
static uint64_t move_folios_to_lru(struct unev_machine *m, struct folio_list *list,
				   unsigned int *culled)
{
	uint64_t moved = 0;

	for (unsigned int i = 0; i < list->nr; i++) {
		struct folio *f;

		if (list->pfn[i] == PFN_NIL)
			continue;
		f = pfn_to_page(m, list->pfn[i]);
		if (!folio_evictable(m, f)) {
			folio_putback_lru(m, f, culled);
			continue;
		}
		if (f->refcount == 1) {	/* folio_put_testzero: the last reference */
			folio_clear(f, PG_active | PG_unevictable);
			folio_put(m, f);
			continue;
		}
		f->refcount--;
		folio_set(f, PG_lru);
		lruvec_add_folio(m, folio_lruvec(m, f), f, "move_folios_to_lru");
		moved += folio_nr_pages(f);
	}
	list->nr = 0;
	return moved;
}

/* shrink_inactive_list's events: pgscan/pgsteal_kswapd|direct only for
 * global reclaim (a memcg's reclaim counts them in the memcg), the
 * anon/file split always. */
static void count_scan(struct unev_machine *m, struct scan_control *sc, int lru,
		       uint64_t scanned, uint64_t stolen)
{
	if (!cgroup_reclaim(sc)) {
		count_vm_events(m, sc->kswapd ? PGSCAN_KSWAPD : PGSCAN_DIRECT, (long)scanned);
		count_vm_events(m, sc->kswapd ? PGSTEAL_KSWAPD : PGSTEAL_DIRECT, (long)stolen);
	}
	count_vm_events(m, is_file_lru(lru) ? PGSCAN_FILE : PGSCAN_ANON, (long)scanned);
	count_vm_events(m, is_file_lru(lru) ? PGSTEAL_FILE : PGSTEAL_ANON, (long)stolen);
}

static uint64_t shrink_inactive_list(struct unev_machine *m, uint64_t nr_to_scan,
				     struct lruvec *lv, struct scan_control *sc, int lru)
{
	struct folio_list isolated = { 0 }, keep = { 0 };
	uint64_t nr_scanned, nr_reclaimed;
	unsigned int culled = 0;

	lru_add_drain(m);
	isolate_lru_folios(m, nr_to_scan, lv, &isolated, &nr_scanned, lru);
	if (!nr_scanned) {
		free(isolated.pfn);
		return 0;
	}
	sc->nr_unqueued_dirty = 0;
	nr_reclaimed = shrink_folio_list(m, &isolated, sc, &keep);
	/* wakeup_flusher_threads: here their writeback completes at once; the
	 * folio was activated, so folio_end_writeback does not rotate it */
	for (unsigned int i = 0; sc->nr_unqueued_dirty && i < keep.nr; i++) {
		struct folio *f = pfn_to_page(m, keep.pfn[i]);

		if (folio_test(f, PG_reclaim))
			folio_clear(f, PG_dirty | PG_reclaim);
	}
	move_folios_to_lru(m, &keep, &culled);
	count_scan(m, sc, lru, nr_scanned, nr_reclaimed);
	trace_vmscan(m, lru, (unsigned int)nr_scanned, (unsigned int)nr_reclaimed, culled,
		     "shrink_inactive_list");
	free(isolated.pfn);
	free(keep.pfn);
	return nr_reclaimed;
}

/* shrink_active_list: unevictable folios are put back (culled); the
 * others are deactivated unless a referenced executable file folio. */
static void shrink_active_list(struct unev_machine *m, uint64_t nr_to_scan, struct lruvec *lv,
			       struct scan_control *sc, int lru)
{
	struct folio_list hold = { 0 }, active = { 0 }, inactive = { 0 };
	uint64_t nr_scanned;
	unsigned int culled = 0;

	lru_add_drain(m);
	isolate_lru_folios(m, nr_to_scan, lv, &hold, &nr_scanned, lru);
	if (!cgroup_reclaim(sc))
		count_vm_events(m, PGREFILL, (long)nr_scanned);
	for (unsigned int i = 0; i < hold.nr; i++) {
		struct folio *f = pfn_to_page(m, hold.pfn[i]);
		uint64_t vm_flags;

		if (!folio_evictable(m, f)) {
			folio_putback_lru(m, f, &culled);
			continue;
		}
		if (folio_referenced(m, f, &vm_flags) && (vm_flags & VM_EXEC) &&
		    !folio_test(f, PG_swapbacked)) {
			folio_list_add(&active, hold.pfn[i]);
			continue;
		}
		folio_clear(f, PG_active);
		count_vm_events(m, PGDEACTIVATE, (long)folio_nr_pages(f));
		folio_list_add(&inactive, hold.pfn[i]);
	}
	move_folios_to_lru(m, &active, &culled);
	move_folios_to_lru(m, &inactive, &culled);
	trace_vmscan(m, lru, (unsigned int)nr_scanned, 0, culled, "shrink_active_list");
	free(hold.pfn);
	free(active.pfn);
	free(inactive.pfn);
}

static uint64_t isqrt(uint64_t x)
{
	uint64_t r = 0;

	while ((r + 1) * (r + 1) <= x)
		r++;
	return r;
}

/* inactive_is_low: inactive * sqrt(10 * GiB) < active. */
static bool inactive_is_low(const struct lruvec *lv, int inactive_lru)
{
	uint64_t inactive = lv->lists[inactive_lru].nr, active = lv->lists[inactive_lru + 1].nr;
	uint64_t gb = (inactive + active) >> (30 - PAGE_SHIFT);
	uint64_t ratio = gb ? isqrt(10 * gb) : 1;

	return inactive * ratio < active;
}

static bool can_reclaim_anon_pages(struct unev_machine *m)
{
	return m->swap_total > m->swap_used;
}

static uint64_t shrink_list(struct unev_machine *m, int lru, uint64_t nr_to_scan,
			    struct lruvec *lv, struct scan_control *sc)
{
	if (is_active_lru(lru)) {
		if (sc->may_deactivate & (is_file_lru(lru) ? DEACTIVATE_FILE : DEACTIVATE_ANON))
			shrink_active_list(m, nr_to_scan, lv, sc, lru);
		else
			sc->skipped_deactivate = true;
		return 0;
	}
	return shrink_inactive_list(m, nr_to_scan, lv, sc, lru);
}

/* get_scan_count: without swap only the file lists are scanned; with swap
 * the split follows swappiness (SCAN_FRACT), equal at priority 0. */
static void get_scan_count(struct unev_machine *m, const struct lruvec *lv,
			   struct scan_control *sc, uint64_t nr[UNEV_NR_LRU_LISTS])
{
	uint64_t swappiness = m->swappiness;
	bool anon = sc->may_swap && can_reclaim_anon_pages(m);

	for (int lru = 0; lru < UNEV_LRU_UNEVICTABLE; lru++) {
		uint64_t size = lv->lists[lru].nr;
		uint64_t scan = size >> sc->priority;
		bool file = is_file_lru(lru);

		if (!anon) {
			nr[lru] = file ? scan : 0;
			continue;
		}
		if (sc->priority == 0) {
			nr[lru] = scan;
			continue;
		}
		nr[lru] = scan * (file ? 200 - swappiness : swappiness) / 200;
	}
	nr[UNEV_LRU_UNEVICTABLE] = 0;
}

static void shrink_lruvec(struct unev_machine *m, struct lruvec *lv, struct scan_control *sc)
{
	uint64_t nr[UNEV_NR_LRU_LISTS];
	uint64_t nr_reclaimed = 0;

	get_scan_count(m, lv, sc, nr);
	while (nr[UNEV_LRU_INACTIVE_ANON] || nr[UNEV_LRU_ACTIVE_FILE] ||
	       nr[UNEV_LRU_INACTIVE_FILE]) {
		for (int lru = 0; lru < UNEV_LRU_UNEVICTABLE; lru++) {
			uint64_t n;

			if (!nr[lru])
				continue;
			n = nr[lru] < SWAP_CLUSTER_MAX ? nr[lru] : SWAP_CLUSTER_MAX;
			nr[lru] -= n;
			nr_reclaimed += shrink_list(m, lru, n, lv, sc);
		}
		/* this lruvec's own reclaim against the whole pass's goal, as
		 * shrink_lruvec compares them (what earlier priorities and
		 * lruvecs reclaimed does not count here) */
		if (nr_reclaimed >= sc->nr_to_reclaim)
			break;
	}
	sc->nr_reclaimed += nr_reclaimed;
	if (can_reclaim_anon_pages(m) && sc->may_swap && inactive_is_low(lv, UNEV_LRU_INACTIVE_ANON))
		shrink_active_list(m, SWAP_CLUSTER_MAX, lv, sc, UNEV_LRU_ACTIVE_ANON);
}

/* prepare_scan_control: deactivate a list only when its inactive side is low. */
static void prepare_scan_control(struct unev_machine *m, int node, struct scan_control *sc,
				 const int *order, unsigned int n)
{
	struct lruvec sum = { 0 };

	for (unsigned int i = 0; i < n; i++) {
		const struct lruvec *lv = mem_cgroup_lruvec(m, order[i], node);

		for (int lru = 0; lru < UNEV_NR_LRU_LISTS; lru++)
			sum.lists[lru].nr += lv->lists[lru].nr;
	}
	sc->may_deactivate = 0;
	if (sc->force_deactivate || inactive_is_low(&sum, UNEV_LRU_INACTIVE_ANON))
		sc->may_deactivate |= DEACTIVATE_ANON;
	if (sc->force_deactivate || inactive_is_low(&sum, UNEV_LRU_INACTIVE_FILE))
		sc->may_deactivate |= DEACTIVATE_FILE;
}

/*
 * shrink_node_memcgs: every memcg of the target's subtree, from where the
 * last partial walk of this (root, node) stopped (the mem_cgroup_iter
 * reclaim cookie); a reclaimer other than kswapd bails out once the pass
 * has its pages, leaving the cursor there for the next one.  Kernels
 * before 6.11 (profile memcg_partial_walks off) walk the whole subtree
 * every pass.
 */
static void shrink_node(struct unev_machine *m, int node, struct scan_control *sc)
{
	int root = sc->target_memcg >= 0 ? sc->target_memcg : 0;
	bool partial = !sc->kswapd && m->profile->memcg_partial_walks;
	int *pos = &m->memcgs[root]->iter_pos[node];
	int order[m->nr_memcgs];
	unsigned int n = mem_cgroup_walk_order(m, root, order), i = 0;

	prepare_scan_control(m, node, sc, order, n);
	if (partial && *pos >= 0)
		while (i < n && order[i++] != *pos)
			;
	for (; i < n; i++) {
		if (partial)
			*pos = order[i];
		shrink_lruvec(m, mem_cgroup_lruvec(m, order[i], node), sc);
		/* shrink_slab: the one shrinker the model has */
		shrink_deferred_split(m, order[i], node, sc->priority);
		if (partial && sc->nr_reclaimed >= sc->nr_to_reclaim)
			return;
	}
	if (partial)
		*pos = -1;	/* the walk reached the end: the next starts anew */
}

/* do_try_to_free_pages: priority 12 down to 0; then once more with every
 * active list deactivated if that was skipped. */
uint64_t do_try_to_free_pages(struct unev_machine *m, int node, int memcg,
			      uint64_t nr_to_reclaim, bool kswapd)
{
	struct scan_control sc = { .nr_to_reclaim = nr_to_reclaim, .may_swap = true,
				   .kswapd = kswapd, .target_memcg = memcg };

retry:
	for (sc.priority = DEF_PRIORITY; sc.priority >= 0; sc.priority--) {
		for (unsigned int n = 0; n < m->cfg.nodes; n++) {
			if (node >= 0 && (unsigned int)node != n)
				continue;
			shrink_node(m, (int)n, &sc);
			if (sc.nr_reclaimed >= sc.nr_to_reclaim)
				break;
		}
		if (sc.nr_reclaimed >= sc.nr_to_reclaim)
			break;
	}
	if (!sc.nr_reclaimed && sc.skipped_deactivate && !sc.force_deactivate) {
		sc.force_deactivate = true;
		sc.skipped_deactivate = false;
		goto retry;
	}
	return sc.nr_reclaimed;
}

/* kswapd's balance_pgdat, run at once: reclaim until the node is above its
 * high watermark or nothing more can be reclaimed. */
void wakeup_kswapd(struct unev_machine *m, int node)
{
	struct pglist_data *pgdat = &m->nodes[node];

	if (m->in_reclaim || pgdat->nr_free_pages > pgdat->wmark_high)
		return;
	m->in_reclaim = true;
	while (pgdat->nr_free_pages <= pgdat->wmark_high) {
		uint64_t want = pgdat->wmark_high + 1 - pgdat->nr_free_pages;

		if (!do_try_to_free_pages(m, node, -1, want, true))
			break;
	}
	m->in_reclaim = false;
}

/*
 * A write of @want pages to a cgroup v2 memcg's memory.reclaim
 * (memory_reclaim): each pass asks a quarter of what is left, which
 * try_to_free_mem_cgroup_pages raises to SWAP_CLUSTER_MAX; a pass that
 * finds nothing is retried MAX_RECLAIM_RETRIES times, the last after
 * lru_add_drain_all, then the write fails (EAGAIN).  The pages reclaimed.
 */
static uint64_t memory_reclaim_v2(struct unev_machine *m, int node, int memcg, uint64_t want)
{
	unsigned int nr_retries = MAX_RECLAIM_RETRIES;
	uint64_t nr_reclaimed = 0;

	while (nr_reclaimed < want) {
		uint64_t batch = (want - nr_reclaimed) / 4, got;

		if (!nr_retries)
			lru_add_drain_all(m);
		got = do_try_to_free_pages(m, node, memcg,
					   batch > SWAP_CLUSTER_MAX ? batch : SWAP_CLUSTER_MAX, false);
		if (!got && !nr_retries--)
			break;
		nr_reclaimed += got;
	}
	return nr_reclaimed;
}

int unev_reclaim(struct unev_machine *m, uint64_t bytes, int node, int memcg,
		 uint64_t *reclaimed)
{
	uint64_t want = PAGE_ALIGN(bytes) >> PAGE_SHIFT;

	if (node >= (int)m->cfg.nodes || node < -1)
		return -EINVAL;
	if (memcg < 0 || (unsigned int)memcg >= m->nr_memcgs)
		return -EINVAL;
	/*
	 * As lowering a cgroup v1 limit by SIZE (mem_cgroup_resize_max): passes
	 * of try_to_free_mem_cgroup_pages, each asking SWAP_CLUSTER_MAX, until
	 * SIZE is reclaimed or a pass finds nothing; by a process on CPU 0 (its
	 * batches are the ones drained).  A v2 memcg's memory.reclaim asks
	 * otherwise (memory_reclaim_v2).
	 */
	*reclaimed = 0;
	m->cur_cpu = 0;
	m->cur_pid = 0;
	m->cur_memcg = 0;
	m->in_reclaim = true;
	if (memcg && m->cfg.memcg_v2)
		*reclaimed = memory_reclaim_v2(m, node, memcg, want);
	else
		while (*reclaimed < want) {
			uint64_t got = do_try_to_free_pages(m, node, memcg ? memcg : -1,
							    SWAP_CLUSTER_MAX, false);

			if (!got)
				break;
			*reclaimed += got;
		}
	m->in_reclaim = false;
	return 0;
}

int unev_sysctl_set(struct unev_machine *m, const char *name, uint64_t value)
{
	if (!strcmp(name, "swappiness")) {
		if (value > 200)
			return -EINVAL;
		m->swappiness = (unsigned int)value;
	} else if (!strcmp(name, "min_free_kbytes")) {
		if (value < 1 || value > (1ULL << 40))
			return -EINVAL;
		m->min_free_kbytes = value;
		setup_per_zone_wmarks(m);
	} else if (!strcmp(name, "max_map_count")) {
		if (value > INT32_MAX)	/* proc_dointvec_minmax, from 0 */
			return -EINVAL;
		m->max_map_count = value;
	} else if (!strcmp(name, "nr_hugepages")) {
		/* proc_doulongvec_minmax: any unsigned long; the pool takes
		 * what the buddy allocator can give */
		return hugetlb_sysctl_nr_hugepages(m, value);
	} else if (!strcmp(name, "compact_unevictable_allowed")) {
		if (value > 1)
			return -EINVAL;
		m->compact_unevictable_allowed = value;
	} else {
		return -ENOENT;
	}
	return 0;
}

/*
 * reclaim_pages -> reclaim_folio_list (MADV_PAGEOUT): the isolated folios
 * lose PG_active and go through shrink_folio_list with their references
 * ignored; what cannot go (anonymous memory without swap space, a folio
 * found mapped in a VM_LOCKED VMA) is activated there and put back through
 * the lru_add batch, so the last partial batch waits for a drain.  No
 * pgscan or pgsteal: those are shrink_inactive_list's.
 */
void reclaim_pages(struct unev_machine *m, uint32_t *pfns, unsigned int nr)
{
	struct folio_list list = { 0 }, ret = { 0 };
	struct scan_control sc = { .priority = DEF_PRIORITY, .may_swap = true,
				   .target_memcg = -1, .ignore_references = true };
	unsigned int culled = 0;

	for (unsigned int i = 0; i < nr; i++) {
		folio_clear(pfn_to_page(m, pfns[i]), PG_active);
		folio_list_add(&list, pfns[i]);
	}
	shrink_folio_list(m, &list, &sc, &ret);
	free(list.pfn);
	for (unsigned int i = 0; i < ret.nr; i++)
		folio_putback_lru(m, pfn_to_page(m, ret.pfn[i]), &culled);
	free(ret.pfn);
}
