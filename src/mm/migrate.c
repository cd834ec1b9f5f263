/*
 * migrate.c - move_pages(2) of a task's own pages to another node
 * (mm/migrate.c, Linux 6.18: do_pages_move, add_folio_for_migration,
 * migrate_pages with MIGRATE_SYNC and MR_SYSCALL).
 *
 * The whole call runs with the LRU caches disabled (lru_cache_disable):
 * every CPU's batches are drained first, and every folio queued on a batch
 * meanwhile is moved at once.  Each page is looked up, isolated from its
 * LRU list (the unevictable one too) and migrated with the others queued
 * for the same node.  An mlocked folio comes out of it counted in four
 * places (seen live on 6.18 in a 2-node VM, tests/model/migrate):
 *   - unmapping it (try_to_migrate) removes its rmap in a VM_LOCKED VMA:
 *     munlock_folio, processed at once; the folio is isolated but still
 *     PG_unevictable, so __munlock_folio counts it "stranded" (not
 *     "munlocked") and NR_MLOCK drops;
 *   - folio_migrate_flags hands PG_unevictable (or PG_active) to the new
 *     folio; folio_add_lru puts it on the LRU at once, where lru_add finds
 *     it evictable (PG_mlocked was not carried over): "rescued";
 *   - remove_migration_ptes maps it in the VM_LOCKED VMA: mlock_vma_folio,
 *     "mlocked" and NR_MLOCK back up, processed at once: "culled" to the
 *     unevictable list of the new node with an mlock_count of 1.
 * pgmigrate_success counts the pages moved, pgmigrate_fail those that
 * could not be.
 *
 * Before 5.13 (the profile's move_pages_disables_lru_cache, 5.10) the
 * batches are only drained first (migrate_prep), the new page is put back
 * through the per-CPU pagevec after its PTEs are restored, and 5.10's
 * rmap-walk design counts the old page "cleared" and "stranded"
 * (page_remove_rmap's clear_page_mlock of an isolated page) and the new one
 * "mlocked" (remove_migration_pte's mlock_vma_page), culling nothing: its
 * PG_unevictable came with the flags.
 */
#include "internal.h"

/* One PTE that maps the folio being migrated (a migration entry while the
 * folio moves). */
struct migration_pte {
	struct vm_area_struct *vma;
	uint64_t *pte;
};

struct migration_ptes {
	struct migration_pte *v;
	unsigned int nr, cap;
};

static int collect_migration_pte(struct unev_machine *m, struct folio *f,
				 struct vm_area_struct *vma, uint64_t addr, uint64_t *pte, void *arg)
{
	struct migration_ptes *mp = arg;

	(void)m;
	(void)f;
	(void)addr;
	if (mp->nr == mp->cap) {
		unsigned int cap = mp->cap ? mp->cap * 2 : 8;
		struct migration_pte *v = realloc(mp->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		mp->v = v;
		mp->cap = cap;
	}
	mp->v[mp->nr++] = (struct migration_pte){ vma, pte };
	return 0;
}

/*
 * __folio_migrate_mapping of a page-cache folio: the cache entry is the
 * new folio's, and its NR_FILE_PAGES / NR_SHMEM move to the new node.
 */
static void folio_migrate_mapping(struct unev_machine *m, struct folio *dst, struct folio *src)
{
	struct address_space *as = folio_mapping(m, src);
	long nr = (long)folio_nr_pages(src);

	dst->mapping = src->mapping;
	dst->index = src->index;
	if (!as)
		return;
	cache_entry_store(as, src->index, page_to_pfn(m, dst));
	folio_get(dst);		/* the page cache's reference moves */
	src->refcount--;	/* never the last: the isolation holds one */
	node_stat_mod(m, src->node, &m->nodes[src->node].nr_file_pages, -nr);
	node_stat_mod(m, dst->node, &m->nodes[dst->node].nr_file_pages, nr);
	if (folio_test(src, PG_swapbacked)) {
		node_stat_mod(m, src->node, &m->nodes[src->node].nr_shmem, -nr);
		node_stat_mod(m, dst->node, &m->nodes[dst->node].nr_shmem, nr);
	}
}

/* folio_migrate_flags: PG_active moves, or else PG_unevictable; never
 * PG_mlocked, which the new mappings set again. */
static void folio_migrate_flags(struct folio *dst, struct folio *src)
{
	const uint32_t copied = PG_referenced | PG_dirty | PG_swapbacked | PG_anon |
				PG_anon_exclusive;

	dst->flags |= src->flags & copied;
	if (folio_test_clear(src, PG_active))
		folio_set(dst, PG_active);
	else if (folio_test_clear(src, PG_unevictable))
		folio_set(dst, PG_unevictable);
}

/*
 * migrate_folio_unmap: the PTEs that map @src become migration entries
 * (try_to_migrate); 0, or -ENOMEM.  *was_mlocked: PAGE_WAS_MLOCKED.
 */
static int migrate_folio_unmap(struct unev_machine *m, struct folio *src,
			       struct migration_ptes *mp, bool *was_mlocked)
{
	int ret = rmap_walk(m, src, collect_migration_pte, mp);

	if (ret) {
		free(mp->v);
		mp->v = NULL;
		return ret;
	}
	*was_mlocked = folio_test(src, PG_mlocked);
	/* try_to_migrate_one: a dirty PTE dirties the folio; the PTE becomes
	 * a migration entry (keeping its young and dirty bits, as x86 does),
	 * and folio_remove_rmap_pte munlocks in a VM_LOCKED VMA */
	for (unsigned int i = 0; i < mp->nr; i++) {
		if (*mp->v[i].pte & PTE_DIRTY)
			folio_set(src, PG_dirty);
		folio_remove_rmap_pte(m, src, pte_pfn(*mp->v[i].pte), mp->v[i].vma);
		/* 5.18+: try_to_migrate_one drains this CPU's mlock batch
		 * after a VM_LOCKED VMA's rmap: the isolated folio, still
		 * PG_unevictable, is "stranded" at once (seen on 6.1 too) */
		if (design_mlock_count(m) && (mp->v[i].vma->vm_flags & VM_LOCKED))
			mlock_drain_local(m);
		folio_put(m, src);
	}
	return 0;
}

/*
 * migrate_folio_move: @src's contents, mapping, flags and charge go to
 * @dst, the migration entries map @dst, and @src (its isolation reference
 * the last) is freed.
 */
static void migrate_folio_move(struct unev_machine *m, struct folio *src, struct folio *dst,
			       struct migration_ptes *mp, bool was_mlocked)
{
	/* move_to_new_folio: the mapping, the flags, the memcg's charge
	 * (mem_cgroup_migrate: the usage does not change) */
	folio_migrate_mapping(m, dst, src);
	folio_migrate_flags(dst, src);
	dst->memcg = src->memcg;
	src->memcg = 0;
	/* 5.18+: "push dst to LRU immediately" so that remove_migration_ptes
	 * builds up its mlock_count; lru_add_drain when it was mlocked (6.3+),
	 * when it was mapped at all (5.18-6.2's __unmap_and_move) */
	if (m->profile->migrate_dst_to_lru_first) {
		folio_add_lru(m, dst);
		if (was_mlocked || (!m->profile->migrate_batches_unmap && mp->nr))
			lru_add_drain(m);
	}
	/* remove_migration_ptes: each entry maps the new folio */
	for (unsigned int i = 0; i < mp->nr; i++) {
		struct vm_area_struct *vma = mp->v[i].vma;
		uint64_t *pte = mp->v[i].pte;

		*pte = (*pte & (PAGE_SIZE - 1)) | ((uint64_t)page_to_pfn(m, dst) << PAGE_SHIFT);
		folio_get(dst);
		if (folio_test_anon(dst))
			folio_add_anon_rmap_pte(m, dst, vma);
		else
			folio_add_file_rmap_pte(m, dst, vma);
		/* before 5.18 mapping never mlocked: remove_migration_pte did
		 * (mlock_vma_page) */
		if (design_rmap_walk(m) && (vma->vm_flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED)
			mlock_vma_page(m, dst);
		/* 5.18+: remove_migration_pte drains this CPU's mlock batch
		 * after mapping in a VM_LOCKED VMA (the new folio is culled
		 * at once; seen on 6.18: culled = mlocked after a compact) */
		if (design_mlock_count(m) && (vma->vm_flags & VM_LOCKED))
			mlock_drain_local(m);
	}
	/* before 5.18: putback_lru_page of the new page now, through this
	 * CPU's lru_add pagevec (not drained: it may wait there) */
	if (!m->profile->migrate_dst_to_lru_first)
		folio_add_lru(m, dst);
	free(mp->v);
	mp->v = NULL;
	folio_put(m, dst);	/* the allocation's reference */
	folio_put(m, src);	/* the isolation's: src is freed */
}

/*
 * migrate_folio_unmap + migrate_folio_move of one isolated order-0 folio
 * to a page of @node (move_pages: MIGRATE_SYNC): 0, or -ENOMEM when @node
 * has no page for it (the folio stays where it is).
 */
static int migrate_folio(struct unev_machine *m, struct folio *src, int node)
{
	struct migration_ptes mp = { 0 };
	struct folio *dst;
	bool was_mlocked = false;
	int ret;

	dst = alloc_migration_target(m, node);
	if (!dst)
		return -ENOMEM;
	ret = migrate_folio_unmap(m, src, &mp, &was_mlocked);
	if (ret) {
		folio_put(m, dst);
		return ret;
	}
	migrate_folio_move(m, src, dst, &mp, was_mlocked);
	return 0;
}

/*
 * migrate_pages(MIGRATE_SYNC, MR_COMPACTION) of the isolated order-0
 * folios @pfns[0..*nr), each to the page @get_new gives (compaction_alloc).
 * 6.3+ (the profile's migrate_batches_unmap) unmaps the whole batch before
 * moving any (migrate_pages_batch, its first MIGRATE_ASYNC pass), so the
 * munlocks of the unmap phase fill this CPU's mlock batch first; before,
 * each folio is unmapped and moved in turn (unmap_and_move).  When
 * @get_new has no page, that folio counts as failed and the rest are not
 * tried: -ENOMEM, the folios not migrated left in @pfns (*nr of them) for
 * the caller to put back.  pgmigrate_success and pgmigrate_fail count
 * pages; *succeeded receives the pages moved.
 */
int migrate_pages_batch(struct unev_machine *m, uint32_t *pfns, unsigned int *nr,
			struct folio *(*get_new)(struct unev_machine *m, void *arg), void *arg,
			uint64_t *succeeded)
{
	struct unmapped {
		struct folio *src, *dst;
		struct migration_ptes mp;
		bool was_mlocked;
	} *u = calloc(*nr ? *nr : 1, sizeof(*u));
	unsigned int nr_unmapped = 0, i, left = 0;
	uint64_t failed = 0;
	int ret = 0;

	*succeeded = 0;
	if (!u)
		return -ENOMEM;
	for (i = 0; i < *nr; i++) {
		struct unmapped *x = &u[nr_unmapped];

		memset(x, 0, sizeof(*x));
		x->src = pfn_to_page(m, pfns[i]);
		x->dst = get_new(m, arg);
		if (!x->dst) {
			failed += folio_nr_pages(x->src);
			ret = -ENOMEM;
			break;
		}
		if (migrate_folio_unmap(m, x->src, &x->mp, &x->was_mlocked)) {
			release_free_page(m, x->dst->node, page_to_pfn(m, x->dst), 0);
			ret = -ENOMEM;
			break;
		}
		nr_unmapped++;
		if (!m->profile->migrate_batches_unmap) {
			migrate_folio_move(m, x->src, x->dst, &x->mp, x->was_mlocked);
			*succeeded += 1;
			nr_unmapped = 0;
		}
	}
	for (unsigned int j = 0; j < nr_unmapped; j++) {
		migrate_folio_move(m, u[j].src, u[j].dst, &u[j].mp, u[j].was_mlocked);
		*succeeded += 1;
	}
	for (; i < *nr; i++)
		pfns[left++] = pfns[i];
	*nr = left;
	free(u);
	count_vm_events(m, PGMIGRATE_SUCCESS, (long)*succeeded);
	count_vm_events(m, PGMIGRATE_FAIL, (long)failed);
	return ret;
}

/* A queue of isolated folios for one node (the kernel's pagelist). */

/*
 * do_move_pages_to_node + move_pages_and_store_status: migrate the queue;
 * a folio that could not move is put back (putback_movable_pages) and
 * counted as failed, as are the rest after an allocation failure.
 */
void move_pages_to_node(struct unev_machine *m, struct migrate_list *l)
{
	uint64_t ok = 0, failed = 0;

	for (size_t i = 0; i < l->nr; i++) {
		struct folio *f = pfn_to_page(m, l->pfn[i]);

		if (!l->err && migrate_folio(m, f, l->node) == 0) {
			ok += folio_nr_pages(f);
			continue;
		}
		if (!l->err)
			l->err = -ENOMEM;
		failed += folio_nr_pages(f);
		folio_add_lru(m, f);	/* folio_putback_lru */
		folio_put(m, f);
	}
	count_vm_events(m, PGMIGRATE_SUCCESS, (long)ok);
	count_vm_events(m, PGMIGRATE_FAIL, (long)failed);
	l->succeeded += ok;
	l->failed += failed;
	l->nr = 0;
}

/* a large folio met by move_pages or mbind: its migration is not modelled
 * (the caller returns -EOPNOTSUPP) */
void migrate_refuse_large(struct unev_machine *m, const struct folio *f)
{
	unev_refuse(m, folio_test_anon(f)
		       ? "migration of a transparent huge page (a large anonymous folio)"
		       : "migration of a large page-cache folio");
}

/*
 * add_folio_for_migration: 1 queued, 0 already on @node, or the page's
 * -errno: no VMA (or one not migratable) -EFAULT, not present -ENOENT,
 * the zero page -EFAULT, mapped by more than one PTE -EACCES (no
 * MPOL_MF_MOVE_ALL), not on an LRU -EBUSY.
 */
static int add_folio_for_migration(struct unev_machine *m, struct mm_struct *mm, uint64_t addr,
				   struct migrate_list *l)
{
	struct vm_area_struct *vma = find_vma(mm, addr);
	uint64_t *pte;
	struct folio *f;

	if (!vma || vma->vm_start > addr || (vma->vm_flags & (VM_IO | VM_PFNMAP)))
		return -EFAULT;
	if (is_vm_hugetlb_page(vma)) {
		unev_refuse(m, "migration of a hugetlb page");	/* isolate_hugetlb */
		return -EOPNOTSUPP;
	}
	pte = pte_lookup(mm, addr, false);
	if (!pte || !(*pte & PTE_PRESENT))
		return -ENOENT;
	if (pte_pfn(*pte) == m->zero_pfn)
		return -EFAULT;
	f = page_folio(m, pte_pfn(*pte));
	if (folio_test_large(f)) {
		migrate_refuse_large(m, f);
		return -EOPNOTSUPP;
	}
	if (f->node == l->node)
		return 0;
	if (f->mapcount > 1)	/* folio_likely_mapped_shared */
		return -EACCES;
	if (folio_test(f, PG_swapcache)) {
		/* the swap cache's entry would move: not modelled */
		unev_refuse(m, "migration of a folio in the swap cache");
		return -EOPNOTSUPP;
	}
	if (!folio_isolate_lru(m, f))
		return -EBUSY;
	l->pfn[l->nr++] = page_to_pfn(m, f);
	return 1;
}

/*
 * do_pages_move of the pages of [start, start + len), all to @node: a page
 * whose status is known at once (already there, or an error) first sends
 * the queue on its way, as the kernel does.
 */
static int do_pages_move(struct unev_machine *m, struct task_struct *t, uint64_t start,
			 uint64_t nr_pages, int node, int *status, uint64_t *not_migrated)
{
	struct migrate_list l = { .node = node };
	uint64_t i;
	int ret = 0;

	l.pfn = malloc((nr_pages ? nr_pages : 1) * sizeof(*l.pfn));
	if (!l.pfn)
		return -ENOMEM;
	/* lru_cache_disable (5.13+), else migrate_prep's lru_add_drain_all */
	if (m->profile->move_pages_disables_lru_cache)
		lru_cache_disable(m);
	else
		lru_add_drain_all(m);
	for (i = 0; i < nr_pages; i++) {
		int err = add_folio_for_migration(m, t->mm, start + i * PAGE_SIZE, &l);

		if (err == -EOPNOTSUPP) {
			ret = err;
			break;
		}
		if (err > 0)
			continue;
		if (status)
			status[i] = err ? err : node;
		move_pages_to_node(m, &l);
		if (l.err)
			break;
	}
	if (!ret)
		move_pages_to_node(m, &l);
	if (status && !ret && !l.err)
		for (uint64_t j = 0; j < nr_pages; j++)
			if (status[j] == INT32_MIN)
				status[j] = node;
	if (m->profile->move_pages_disables_lru_cache)
		lru_cache_enable(m);
	free(l.pfn);
	if (ret)
		return ret;
	if (l.err)
		return l.err;
	*not_migrated = l.failed;
	return 0;
}

int unev_sys_move_pages(struct unev_machine *m, int pid, uint64_t start, uint64_t len, int node,
			int *status, uint64_t *not_migrated)
{
	struct task_struct *t = task_lookup(m, pid);
	uint64_t nr_pages;
	int ret;

	*not_migrated = 0;
	if (!t)
		return -ESRCH;
	if (node < 0 || (unsigned int)node >= m->cfg.nodes)
		return -ENODEV;
	/* the program passes the address of every page the range touches */
	nr_pages = (PAGE_ALIGN(start + len) - (start & PAGE_MASK)) >> PAGE_SHIFT;
	start &= PAGE_MASK;
	if (status)
		for (uint64_t i = 0; i < nr_pages; i++)
			status[i] = INT32_MIN;
	ret = do_pages_move(m, t, start, nr_pages, node, status, not_migrated);
	syscall_exit(m);
	return ret;
}
