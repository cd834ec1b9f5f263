/*
 * vmscan.c - page reclaim (mm/vmscan.c).  For now the one piece the
 * unevictable machinery needs outside reclaim:
 * check_move_unevictable_folios, used by SHM_UNLOCK (and DRM drivers).
 */
#include "internal.h"

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
