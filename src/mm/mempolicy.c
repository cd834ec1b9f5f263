/*
 * mempolicy.c - mbind(2) with MPOL_BIND to one node (mm/mempolicy.c, Linux
 * 6.18: do_mbind, queue_pages_range, mbind_range).
 *
 * The range's VMAs are split to it and bound to the node (vma->bind_node1):
 * a later fault there allocates on that node only.  With MPOL_MF_MOVE the
 * call first disables the LRU caches (lru_cache_disable, 5.13+; before,
 * lru_add_drain_all), queues every page of the range that is present,
 * elsewhere than on the node and mapped by this process alone (a shared
 * one is left where it is without a word), isolated from its LRU, and
 * after binding the VMAs migrates the queue with move_pages' engine
 * (migrate.c), so an mlocked folio moves and stays mlocked, counted as
 * move_pages counts it (stranded, rescued, mlocked, culled).
 * MPOL_MF_STRICT makes a page left elsewhere an EIO: at once, nothing
 * bound, without MPOL_MF_MOVE; after everything else was done with it.  Only private anonymous memory is bound by the model (shmem
 * keeps its policy in the inode: refused in validate.c).
 */
#include "internal.h"

#define MPOL_MF_VALID (UNEV_MPOL_MF_STRICT | UNEV_MPOL_MF_MOVE)

/* queue_folios_pte_range for one page; 1 when it failed to be queued,
 * -EOPNOTSUPP for a folio the model does not migrate (large, swap cache) */
static int queue_page(struct unev_machine *m, struct mm_struct *mm, uint64_t addr,
		      unsigned int flags, struct migrate_list *l)
{
	uint64_t *pte = pte_lookup(mm, addr, false);
	struct folio *f;

	if (!pte || !(*pte & PTE_PRESENT) || pte_pfn(*pte) == m->zero_pfn)
		return 0;
	f = page_folio(m, pte_pfn(*pte));
	/* as move_pages (add_folio_for_migration): not modelled */
	if (folio_test_large(f)) {
		migrate_refuse_large(m, f);
		return -EOPNOTSUPP;
	}
	if (folio_test(f, PG_swapcache)) {
		unev_refuse(m, "migration of a folio in the swap cache");
		return -EOPNOTSUPP;
	}
	if (f->node == l->node)	/* MPOL_MF_INVERT: only what is elsewhere */
		return 0;
	if (!(flags & UNEV_MPOL_MF_MOVE))
		return 1;
	/* migrate_folio_add: a shared folio stays, and is no failure */
	if (f->mapcount > 1)
		return 0;
	if (!folio_isolate_lru(m, f))
		return (flags & UNEV_MPOL_MF_STRICT) ? 1 : 0;
	l->pfn[l->nr++] = page_to_pfn(m, f);
	return 0;
}

/* queue_pages_range: -EFAULT for a hole in the range (or -EOPNOTSUPP),
 * else the pages that failed to be queued; VM_IO/VM_PFNMAP VMAs are not
 * migratable, skipped */
static int64_t queue_pages_range(struct unev_machine *m, struct mm_struct *mm, uint64_t start,
				 uint64_t end, unsigned int flags, struct migrate_list *l)
{
	uint64_t addr = start;
	int64_t failed = 0;

	while (addr < end) {
		struct vm_area_struct *vma = find_vma(mm, addr);

		if (!vma || vma->vm_start > addr)
			return -EFAULT;
		for (; addr < end && addr < vma->vm_end; addr += PAGE_SIZE) {
			int ret;

			if (vma->vm_flags & (VM_IO | VM_PFNMAP))
				continue;
			ret = queue_page(m, mm, addr, flags, l);
			if (ret < 0)
				return ret;
			failed += ret;
		}
	}
	return failed;
}

/* mbind_range: each VMA of the range split to it and bound to the node */
static int mbind_range(struct unev_machine *m, struct mm_struct *mm, uint64_t start,
		       uint64_t end, int node)
{
	uint64_t addr = start;

	while (addr < end) {
		struct vm_area_struct *vma = find_vma(mm, addr);
		uint64_t to = end < vma->vm_end ? end : vma->vm_end;

		if (vma->bind_node1 != (unsigned int)node + 1) {
			vma = vma_modify_policy(m, mm, vma, addr, to, (unsigned int)node + 1);
			if (!vma)
				return -ENOMEM;
			vma_try_merge_around(m, mm, (unsigned int)find_vma_index(mm, addr));
		}
		addr = to;
	}
	return 0;
}

static int do_mbind(struct unev_machine *m, struct task_struct *t, uint64_t start,
		    uint64_t len, int node, unsigned int flags)
{
	struct migrate_list l = { .node = node };
	uint64_t end;
	int64_t failed;
	int err;

	if (flags & ~MPOL_MF_VALID)
		return -EINVAL;
	if (offset_in_page(start))
		return -EINVAL;
	len = PAGE_ALIGN(len);
	end = start + len;
	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	/* get_nodes, mpol_set_nodemask: a node without memory is refused */
	if (node < 0 || (unsigned int)node >= m->cfg.nodes)
		return -EINVAL;
	l.pfn = malloc(((end - start) >> PAGE_SHIFT) * sizeof(*l.pfn));
	if (!l.pfn)
		return -ENOMEM;
	if (flags & UNEV_MPOL_MF_MOVE) {
		if (m->profile->move_pages_disables_lru_cache)
			lru_cache_disable(m);
		else
			lru_add_drain_all(m);
	}
	failed = queue_pages_range(m, t->mm, start, end, flags, &l);
	/* strictly_unmovable: STRICT without MOVE fails at once, unbound */
	if (failed > 0 && (flags & MPOL_MF_VALID) == UNEV_MPOL_MF_STRICT)
		failed = -EIO;
	err = failed < 0 ? (int)failed : mbind_range(m, t->mm, start, end, node);
	if (failed < 0)
		failed = 0;
	if (!err && l.nr) {
		move_pages_to_node(m, &l);
		failed += (int64_t)l.failed;
	}
	/* putback_movable_pages of what an error left queued */
	for (size_t i = 0; i < l.nr; i++) {
		struct folio *f = pfn_to_page(m, l.pfn[i]);

		folio_add_lru(m, f);
		folio_put(m, f);
	}
	if (failed && (flags & UNEV_MPOL_MF_STRICT))
		err = -EIO;
	if ((flags & UNEV_MPOL_MF_MOVE) && m->profile->move_pages_disables_lru_cache)
		lru_cache_enable(m);
	free(l.pfn);
	return err;
}

int unev_sys_mbind(struct unev_machine *m, int pid, uint64_t addr, uint64_t len, int node,
		   unsigned int flags)
{
	struct task_struct *t = task_lookup(m, pid);
	int ret = t ? do_mbind(m, t, addr, len, node, flags) : -ESRCH;

	syscall_exit(m);
	return ret;
}
