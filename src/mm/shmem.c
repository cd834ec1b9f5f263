/*
 * shmem.c - tmpfs/shmem objects and SHM_LOCK (mm/shmem.c).
 *
 * Shmem folios are swap-backed page cache: they live on the anon lists and
 * count in Shmem.  SHM_LOCK only marks the mapping unevictable (lazy: no
 * page is touched); SHM_UNLOCK clears it and rescues what was culled with
 * check_move_unevictable_folios over the page cache.
 */
#include "internal.h"

struct user_locked *user_locked_get(struct unev_machine *m, unsigned int uid)
{
	struct user_locked *n;

	for (unsigned int i = 0; i < m->nr_user_locked; i++)
		if (m->user_locked[i].uid == uid)
			return &m->user_locked[i];
	n = realloc(m->user_locked, (m->nr_user_locked + 1) * sizeof(*n));
	if (!n)
		return NULL;
	m->user_locked = n;
	n = &m->user_locked[m->nr_user_locked++];
	n->uid = uid;
	n->pages = 0;
	n->locked_vm = 0;
	return n;
}

/* user_shm_lock: a per-user total, apart from locked_vm, checked against the
 * caller's RLIMIT_MEMLOCK unless it has CAP_IPC_LOCK. */
static bool user_shm_lock(struct unev_machine *m, struct task_struct *t, uint64_t size,
			  unsigned int uid)
{
	struct user_locked *ul = user_locked_get(m, uid);
	uint64_t locked = PAGE_ALIGN(size) >> PAGE_SHIFT;
	uint64_t limit = t->rlimit_memlock == UNEV_RLIM_INFINITY ? UINT64_MAX
								  : t->rlimit_memlock >> PAGE_SHIFT;

	if (!ul)
		return false;
	if (ul->pages + locked > limit && !t->cap_ipc_lock)
		return false;
	ul->pages += locked;
	return true;
}

static void user_shm_unlock(struct unev_machine *m, uint64_t size, unsigned int uid)
{
	struct user_locked *ul = user_locked_get(m, uid);

	if (ul)
		ul->pages -= PAGE_ALIGN(size) >> PAGE_SHIFT;
}

/* shmem_lock: set or clear AS_UNEVICTABLE, charging the user once. */
int shmem_lock(struct unev_machine *m, struct task_struct *t, struct address_space *as,
	       bool lock, unsigned int uid)
{
	if (lock && !as->shmem_locked) {
		if (!user_shm_lock(m, t, as->size, uid))
			return -ENOMEM;
		as->shmem_locked = true;
		mapping_set_unevictable(as);
	}
	if (!lock && as->shmem_locked) {
		user_shm_unlock(m, as->size, uid);
		as->shmem_locked = false;
		mapping_clear_unevictable(as);
	}
	return 0;
}

/* shmem_unlock_mapping: every resident folio, a batch at a time, is
 * checked; releasing the first batch drains this CPU's batches, so folios
 * still waiting there join the LRU between the first batch and the rest. */
void shmem_unlock_mapping(struct unev_machine *m, struct address_space *as)
{
	struct folio_ref_batch fb = { 0 };
	bool drained = false;

	for (uint64_t i = cache_next_chunk(as, 0); i <= as->nr_slots;
	     i = i < as->nr_slots ? cache_next_chunk(as, i + 1) : i + 1) {
		if (i < as->nr_slots && !cache_entry_is_folio(cache_entry(as, i)))
			continue;
		if (i < as->nr_slots)
			fb.folios[fb.nr++] = pfn_to_page(m, cache_entry(as, i));
		if (fb.nr == m->batch_size || (i == as->nr_slots && fb.nr)) {
			check_move_unevictable_folios(m, &fb);
			fb.nr = 0;
			if (!drained)
				lru_add_drain(m);	/* __folio_batch_release */
			drained = true;
		}
	}
}
