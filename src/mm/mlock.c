/*
 * mlock.c - mlock and munlock of folios, the per-CPU mlock batch, and the
 * mlock family of system calls (mm/mlock.c, Linux 6.18).
 *
 * All folio work goes through one per-CPU batch of 31 entries tagged
 * LRU_FOLIO (mlock), NEW_FOLIO (mlock of a new folio) or none (munlock).
 * The counters that the seed document names move exactly where the kernel
 * moves them: "mlocked" at queue time, the rest when the batch is processed.
 */
#include "internal.h"

bool can_do_mlock(const struct task_struct *t)
{
	return t->rlimit_memlock != 0 || t->cap_ipc_lock;
}

static uint64_t rlimit_memlock_pages(const struct task_struct *t)
{
	if (t->rlimit_memlock == UNEV_RLIM_INFINITY)
		return UINT64_MAX;
	return t->rlimit_memlock >> PAGE_SHIFT;
}

/* mlock_future_ok (mm/mmap.c): may @bytes more be locked under @flags? */
bool mlock_future_ok(struct task_struct *t, uint64_t flags, uint64_t bytes)
{
	uint64_t locked_pages = bytes >> PAGE_SHIFT;

	if (!(flags & VM_LOCKED) || t->cap_ipc_lock)
		return true;
	locked_pages += t->mm->locked_vm;
	return locked_pages <= rlimit_memlock_pages(t);
}

/* __mlock_folio: nothing more can be done while it is off the LRU. */
static void __mlock_folio(struct unev_machine *m, struct folio *f)
{
	struct lruvec *lv;
	long nr = (long)folio_nr_pages(f);

	if (!folio_test_clear(f, PG_lru))
		return;
	lv = folio_lruvec(m, f);
	if (folio_evictable(m, f)) {
		/* PG_mlocked got cleared already by another CPU */
		if (folio_test(f, PG_unevictable)) {
			lruvec_del_folio(m, lv, f, "__mlock_folio");
			folio_clear(f, PG_unevictable);
			lruvec_add_folio(m, lv, f, "__mlock_folio");
			count_vm_events(m, UNEVICTABLE_PGRESCUED, nr);
		}
		goto out;
	}
	if (folio_test(f, PG_unevictable)) {
		if (folio_test(f, PG_mlocked))
			folio_set_mlock_count(f, folio_mlock_count(f) + 1);
		goto out;
	}
	lruvec_del_folio(m, lv, f, "__mlock_folio");
	folio_clear(f, PG_active);
	folio_set(f, PG_unevictable);
	folio_set_mlock_count(f, folio_test(f, PG_mlocked) ? 1 : 0);
	lruvec_add_folio(m, lv, f, "__mlock_folio");
	count_vm_events(m, UNEVICTABLE_PGCULLED, nr);
out:
	folio_set(f, PG_lru);
}

static void __mlock_new_folio(struct unev_machine *m, struct folio *f)
{
	assert(!folio_test(f, PG_lru));
	if (!folio_evictable(m, f))	/* else: surprising, but possible */ {
		folio_set(f, PG_unevictable);
		folio_set_mlock_count(f, folio_test(f, PG_mlocked) ? 1 : 0);
		count_vm_events(m, UNEVICTABLE_PGCULLED, (long)folio_nr_pages(f));
	}
	lruvec_add_folio(m, folio_lruvec(m, f), f, "__mlock_new_folio");
	folio_set(f, PG_lru);
}

/*
 * __munlock_folio: mlock_count errs low (it is lost whenever the folio is
 * isolated), so reaching 0 is taken as the last munlock; reclaim re-mlocks
 * a folio that is still mapped in a VM_LOCKED VMA (unevictable-lru.rst).
 */
static void __munlock_folio(struct unev_machine *m, struct folio *f)
{
	long nr = (long)folio_nr_pages(f);
	bool isolated = false;
	struct lruvec *lv = folio_lruvec(m, f);

	if (!folio_test_clear(f, PG_lru))
		goto munlock;
	isolated = true;
	if (folio_test(f, PG_unevictable)) {
		if (folio_mlock_count(f))
			folio_set_mlock_count(f, folio_mlock_count(f) - 1);
		if (folio_mlock_count(f))
			goto out;
	}
munlock:
	if (folio_test_clear(f, PG_mlocked)) {
		node_stat_mod(m, f->node, &m->nodes[f->node].nr_mlock, -nr);
		if (isolated || !folio_test(f, PG_unevictable))
			count_vm_events(m, UNEVICTABLE_PGMUNLOCKED, nr);
		else
			count_vm_events(m, UNEVICTABLE_PGSTRANDED, nr);
	}
	/* folio_evictable() has to be checked after clearing PG_mlocked */
	if (isolated && folio_test(f, PG_unevictable) && folio_evictable(m, f)) {
		lruvec_del_folio(m, lv, f, "__munlock_folio");
		folio_clear(f, PG_unevictable);
		lruvec_add_folio(m, lv, f, "__munlock_folio");
		count_vm_events(m, UNEVICTABLE_PGRESCUED, nr);
	}
out:
	if (isolated)
		folio_set(f, PG_lru);
}

/* mlock_folio_batch: process the entries in order, then drop their refs. */
static void mlock_folio_batch(struct unev_machine *m, struct folio_batch *b)
{
	unsigned int nr = b->nr;

	b->nr = 0;
	if (nr)
		trace_event(m, UNEV_EV_BATCH_DRAIN, UNEV_LRU_NONE, nr, 0, "mlock_folio_batch");
	for (unsigned int i = 0; i < nr; i++) {
		struct folio *f = pfn_to_page(m, b->pfn[i]);

		if (b->tag[i] & MLOCK_LRU_FOLIO)
			__mlock_folio(m, f);
		else if (b->tag[i] & MLOCK_NEW_FOLIO)
			__mlock_new_folio(m, f);
		else
			__munlock_folio(m, f);
	}
	for (unsigned int i = 0; i < nr; i++)
		folio_put(m, pfn_to_page(m, b->pfn[i]));
}

/* Queue @f with @tag on this CPU's batch; process it when full or large,
 * or at once while the LRU caches are disabled (move_pages). */
static void mlock_batch_queue(struct unev_machine *m, struct folio *f, uint8_t tag)
{
	struct folio_batch *b = &m->cpus[m->cur_cpu].mlock;

	folio_get(f);
	if (!folio_batch_add(m, b, page_to_pfn(m, f), tag) || f->order > 0 ||
	    lru_cache_disabled(m))
		mlock_folio_batch(m, b);
}

/* mlock_folio: "mlocked" is counted now, when PG_mlocked goes 0 -> 1. */
void mlock_folio(struct unev_machine *m, struct folio *f)
{
	if (!folio_test_set(f, PG_mlocked)) {
		long nr = (long)folio_nr_pages(f);

		node_stat_mod(m, f->node, &m->nodes[f->node].nr_mlock, nr);
		count_vm_events(m, UNEVICTABLE_PGMLOCKED, nr);
	}
	mlock_batch_queue(m, f, MLOCK_LRU_FOLIO);
}

/* mlock_new_folio: a folio not yet on any LRU, counted unconditionally. */
void mlock_new_folio(struct unev_machine *m, struct folio *f)
{
	long nr = (long)folio_nr_pages(f);

	folio_set(f, PG_mlocked);
	node_stat_mod(m, f->node, &m->nodes[f->node].nr_mlock, nr);
	count_vm_events(m, UNEVICTABLE_PGMLOCKED, nr);
	mlock_batch_queue(m, f, MLOCK_NEW_FOLIO);
}

/* munlock_folio: nothing happens until the batch is processed. */
void munlock_folio(struct unev_machine *m, struct folio *f)
{
	mlock_batch_queue(m, f, 0);
}

void mlock_drain_cpu(struct unev_machine *m, unsigned int cpu)
{
	unsigned int saved = m->cur_cpu;

	m->cur_cpu = cpu;
	if (m->cpus[cpu].mlock.nr)
		mlock_folio_batch(m, &m->cpus[cpu].mlock);
	m->cur_cpu = saved;
}

void mlock_drain_local(struct unev_machine *m)
{
	mlock_drain_cpu(m, m->cur_cpu);
}

/* mlock_vma_folio (mm/internal.h): VM_IO among VM_SPECIAL keeps a VMA being
 * mlocked by mlock_fixup from counting a folio twice. */
void mlock_vma_folio(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma)
{
	if ((vma->vm_flags & (VM_LOCKED | VM_SPECIAL)) == VM_LOCKED)
		mlock_folio(m, f);
}

void munlock_vma_folio(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma)
{
	if (vma->vm_flags & VM_LOCKED)
		munlock_folio(m, f);
}

/*
 * allow_mlock_munlock: munlock is always allowed; a large folio is mlocked
 * only when it lies wholly in [start, end) of the VMA and this batch of
 * PTEs maps all of it (observed: mlock of part of a THP counts nothing).
 * Kernels before 6.6 skipped PTE-mapped large folios altogether.
 */
static bool allow_mlock_munlock(struct unev_machine *m, struct folio *f,
				struct vm_area_struct *vma, uint64_t addr, uint64_t start,
				uint64_t end, unsigned int step)
{
	uint64_t fstart;

	if (!m->profile->mlock_pte_mapped_large)
		return false;
	if (!(vma->vm_flags & VM_LOCKED))
		return true;
	if (step != folio_nr_pages(f))
		return false;
	fstart = addr;	/* the batch maps the whole folio from its first page */
	return fstart >= (start > vma->vm_start ? start : vma->vm_start) &&
	       fstart + (folio_nr_pages(f) << PAGE_SHIFT) <= (end < vma->vm_end ? end : vma->vm_end);
}

/* mlock_pte_range: the zero page and non-normal pages are skipped.  The
 * walk goes a PTE table (512 entries) at a time, as walk_page_range hands
 * mlock_pte_range one table under its lock.  A PMD-mapped THP is mlocked
 * (or munlocked) once, whole; a PTE-mapped large folio once per batch of
 * its PTEs, when allow_mlock_munlock agrees. */
static void mlock_walk_range(struct unev_machine *m, struct vm_area_struct *vma,
			     uint64_t start, uint64_t end)
{
	const uint64_t table_span = PTRS_PER_TABLE * PAGE_SIZE;
	bool lock = vma->vm_flags & VM_LOCKED;

	for (uint64_t addr = start; addr < end;) {
		uint64_t stop = (addr & ~(table_span - 1)) + table_span;
		uint64_t *pte = pte_lookup(vma->mm, addr, false);

		if (stop > end)
			stop = end;
		if (!pte) {
			addr = stop;
			continue;
		}
		for (; addr < stop; addr += PAGE_SIZE, pte++) {
			unsigned int step = 1;
			struct folio *f;
			uint32_t pfn;

			if (!(*pte & PTE_PRESENT))
				continue;
			pfn = pte_pfn(*pte);
			if (*pte & PTE_PMD) {	/* the PMD: mlock_pte_range's pmd_trans_huge case */
				step = HPAGE_PMD_NR;
				if (pfn != m->zero_pfn)
					(lock ? mlock_folio : munlock_folio)(m, page_folio(m, pfn));
				addr += (step - 1) * PAGE_SIZE;
				pte += step - 1;
				continue;
			}
			if (pfn == m->zero_pfn)
				continue;
			f = page_folio(m, pfn);
			if (folio_test_large(f)) {
				step = folio_pte_batch(m, f, pte, (unsigned int)((stop - addr) >> PAGE_SHIFT));
				if (allow_mlock_munlock(m, f, vma, addr, start, end, step))
					(lock ? mlock_folio : munlock_folio)(m, f);
				addr += (step - 1) * PAGE_SIZE;
				pte += step - 1;
				continue;
			}
			if (lock)
				mlock_folio(m, f);
			else
				munlock_folio(m, f);
		}
	}
}

/*
 * mlock_vma_pages_range: VM_IO is set for the walk so that concurrent
 * mlock_vma_folio callers ignore the VMA; the lru_add batch is drained
 * before and after so the walk finds folios on the LRU.
 */
static void mlock_vma_pages_range(struct unev_machine *m, struct vm_area_struct *vma,
				  uint64_t start, uint64_t end, uint64_t newflags)
{
	if (newflags & VM_LOCKED)
		newflags |= VM_IO;
	vma->vm_flags = newflags;
	lru_add_drain(m);
	mlock_walk_range(m, vma, start, end);
	lru_add_drain(m);
	if (newflags & VM_IO) {
		newflags &= ~VM_IO;
		vma->vm_flags = newflags;
	}
}

/*
 * mlock_fixup: split or merge to exactly [start, end), charge locked_vm, and
 * walk the pages unless the range was locked already (VM_LOCKED ->
 * VM_LOCKED|VM_LOCKONFAULT needs no walk; mlocking twice would be wrong).
 * Returns the VMA now covering start, so callers can go on from its end.
 */
static int mlock_fixup(struct unev_machine *m, struct mm_struct *mm,
		       struct vm_area_struct *vma, uint64_t start, uint64_t end,
		       uint64_t newflags, struct vm_area_struct **out)
{
	uint64_t oldflags = vma->vm_flags;
	int64_t nr_pages;

	*out = vma;
	/* secretmem: its VM_LOCKED (from MAP_LOCKED or mlockall's
	 * MCL_FUTURE at mmap) cannot be taken away, nor given */
	if (newflags == oldflags || vma_is_secretmem(vma) || !vma_supports_mlock(vma))
		return 0;
	vma = vma_modify_flags(m, mm, vma, start, end, oldflags, newflags);
	if (!vma)
		return -ENOMEM;
	nr_pages = (int64_t)((end - start) >> PAGE_SHIFT);
	if (!(newflags & VM_LOCKED))
		nr_pages = -nr_pages;
	else if (oldflags & VM_LOCKED)
		nr_pages = 0;
	mm->locked_vm += (uint64_t)nr_pages;

	if (((newflags & VM_LOCKED) && (oldflags & VM_LOCKED)) || design_none(m))
		vma->vm_flags = newflags;
	else if (design_rmap_walk(m))
		/* 5.x mlock_fixup: locking only sets the flag (populate mlocks
		 * the pages); unlocking walks them */
		(newflags & VM_LOCKED) ? (void)(vma->vm_flags = newflags)
				       : munlock_vma_pages_range(m, vma, start, end);
	else
		mlock_vma_pages_range(m, vma, start, end, newflags);
	/* vma_modify_flags merges with neighbours that now match */
	vma_try_merge_around(m, mm, (unsigned int)find_vma_index(mm, start));
	*out = find_vma(mm, start);
	return 0;
}

/* apply_vma_lock_flags: a hole gives ENOMEM after the VMAs before it were
 * already locked and charged (KERNEL-SEMANTICS 5). */
static int apply_vma_lock_flags(struct unev_machine *m, struct mm_struct *mm,
				uint64_t start, uint64_t len, uint64_t flags)
{
	uint64_t end = start + len;
	uint64_t pos = start;

	if (end < start)
		return -EINVAL;
	if (end == start)
		return 0;
	while (pos < end) {
		struct vm_area_struct *vma = find_vma(mm, pos), *cur;
		uint64_t newflags, tmp;
		int err;

		if (!vma || vma->vm_start > pos)
			return -ENOMEM;
		newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | flags;
		tmp = vma->vm_end < end ? vma->vm_end : end;
		err = mlock_fixup(m, mm, vma, pos, tmp, newflags, &cur);
		if (err)
			return err;
		pos = tmp;
	}
	return 0;
}

/* count_mm_mlocked_page_nr: pages of [start, start+len) already VM_LOCKED. */
static uint64_t count_mm_mlocked_page_nr(struct mm_struct *mm, uint64_t start,
					 uint64_t len)
{
	uint64_t end = (UINT64_MAX - len < start) ? UINT64_MAX : start + len;
	uint64_t count = 0;

	for (unsigned int i = 0; i < mm->nr_vmas; i++) {
		struct vm_area_struct *vma = mm->vmas[i];

		if (vma->vm_end <= start)
			continue;
		if (vma->vm_start >= end)
			break;
		if (vma->vm_flags & VM_LOCKED) {
			if (start > vma->vm_start)
				count -= start - vma->vm_start;
			if (end < vma->vm_end) {
				count += end - vma->vm_start;
				break;
			}
			count += vma->vm_end - vma->vm_start;
		}
	}
	return count >> PAGE_SHIFT;
}

/* __mlock_posix_error_return: EFAULT means ENOMEM, ENOMEM means EAGAIN. */
static int mlock_posix_error(int err)
{
	if (err == -EFAULT)
		return -ENOMEM;
	if (err == -ENOMEM)
		return -EAGAIN;
	return err;
}

static int do_mlock(struct unev_machine *m, struct task_struct *t, uint64_t start,
		    uint64_t len, uint64_t flags)
{
	uint64_t locked, lock_limit;
	int error = -ENOMEM;

	if (!can_do_mlock(t))
		return -EPERM;
	/* before 4.16 do_mlock began with lru_add_drain_all() ("flush pagevec") */
	if (m->profile->mlock_drains_all)
		lru_add_drain_all(m);
	len = PAGE_ALIGN(len + offset_in_page(start));
	start &= PAGE_MASK;
	lock_limit = rlimit_memlock_pages(t);
	locked = (len >> PAGE_SHIFT) + t->mm->locked_vm;
	if (locked > lock_limit && !t->cap_ipc_lock)
		locked -= count_mm_mlocked_page_nr(t->mm, start, len);
	if (locked <= lock_limit || t->cap_ipc_lock)
		error = apply_vma_lock_flags(m, t->mm, start, len, flags);
	if (error)
		return error;
	error = __mm_populate(m, t, start, len, false);
	return error ? mlock_posix_error(error) : 0;
}

static int unev_sys_mlock_call(struct unev_machine *m, int pid, uint64_t addr, uint64_t len)
{
	struct task_struct *t = task_lookup(m, pid);

	if (!t)
		return -ESRCH;
	return do_mlock(m, t, addr, len, VM_LOCKED);
}

int unev_sys_mlock(struct unev_machine *m, int pid, uint64_t addr, uint64_t len)
{
	int ret = unev_sys_mlock_call(m, pid, addr, len);

	syscall_exit(m);
	return ret;
}

static int unev_sys_mlock2_call(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
		                int flags)
{
	struct task_struct *t = task_lookup(m, pid);
	uint64_t vm_flags = VM_LOCKED;

	if (!t)
		return -ESRCH;
	if (flags & ~UNEV_MLOCK_ONFAULT)
		return -EINVAL;
	if (flags & UNEV_MLOCK_ONFAULT)
		vm_flags |= VM_LOCKONFAULT;
	return do_mlock(m, t, addr, len, vm_flags);
}

int unev_sys_mlock2(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
		    int flags)
{
	int ret = unev_sys_mlock2_call(m, pid, addr, len, flags);

	syscall_exit(m);
	return ret;
}

static int unev_sys_munlock_call(struct unev_machine *m, int pid, uint64_t addr, uint64_t len)
{
	struct task_struct *t = task_lookup(m, pid);

	if (!t)
		return -ESRCH;
	len = PAGE_ALIGN(len + offset_in_page(addr));
	addr &= PAGE_MASK;
	return apply_vma_lock_flags(m, t->mm, addr, len, 0);
}

int unev_sys_munlock(struct unev_machine *m, int pid, uint64_t addr, uint64_t len)
{
	int ret = unev_sys_munlock_call(m, pid, addr, len);

	syscall_exit(m);
	return ret;
}

/* apply_mlockall_flags: MCL_FUTURE lives in def_flags; a later call without
 * it turns it off.  Errors of mlock_fixup are ignored. */
static void apply_mlockall_flags(struct unev_machine *m, struct mm_struct *mm, int flags)
{
	uint64_t to_add = 0;

	mm->def_flags &= ~VM_LOCKED_MASK;
	if (flags & UNEV_MCL_FUTURE) {
		mm->def_flags |= VM_LOCKED;
		if (flags & UNEV_MCL_ONFAULT)
			mm->def_flags |= VM_LOCKONFAULT;
		if (!(flags & UNEV_MCL_CURRENT))
			return;
	}
	if (flags & UNEV_MCL_CURRENT) {
		to_add |= VM_LOCKED;
		if (flags & UNEV_MCL_ONFAULT)
			to_add |= VM_LOCKONFAULT;
	}
	/* the stack the model has not made yet (mmap.c stack_vma_make) */
	if (!mm->stack_made) {
		mm->stack_lock_flags = to_add;
		if (to_add == VM_LOCKED)
			mm->stack_populated = true;
	}
	for (uint64_t pos = 0;;) {
		struct vm_area_struct *vma = find_vma(mm, pos), *cur;
		uint64_t newflags;

		if (!vma)
			break;
		newflags = (vma->vm_flags & ~VM_LOCKED_MASK) | to_add;
		pos = vma->vm_end;
		mlock_fixup(m, mm, vma, vma->vm_start, vma->vm_end, newflags, &cur);
	}
}

static int unev_sys_mlockall_call(struct unev_machine *m, int pid, int flags)
{
	struct task_struct *t = task_lookup(m, pid);

	if (!t)
		return -ESRCH;
	if (!flags || (flags & ~(UNEV_MCL_CURRENT | UNEV_MCL_FUTURE | UNEV_MCL_ONFAULT)) ||
	    flags == UNEV_MCL_ONFAULT)
		return -EINVAL;
	if (!can_do_mlock(t))
		return -EPERM;
	if (m->profile->mlock_drains_all && (flags & UNEV_MCL_CURRENT))
		lru_add_drain_all(m);	/* before 4.16 sys_mlockall: flush pagevec */
	if ((flags & UNEV_MCL_CURRENT) && t->mm->total_vm > rlimit_memlock_pages(t) &&
	    !t->cap_ipc_lock)
		return -ENOMEM;
	apply_mlockall_flags(m, t->mm, flags);
	if (flags & UNEV_MCL_CURRENT)
		__mm_populate(m, t, 0, TASK_SIZE, true);
	return 0;
}

int unev_sys_mlockall(struct unev_machine *m, int pid, int flags)
{
	int ret = unev_sys_mlockall_call(m, pid, flags);

	syscall_exit(m);
	return ret;
}

static int unev_sys_munlockall_call(struct unev_machine *m, int pid)
{
	struct task_struct *t = task_lookup(m, pid);

	if (!t)
		return -ESRCH;
	apply_mlockall_flags(m, t->mm, 0);
	return 0;
}

int unev_sys_munlockall(struct unev_machine *m, int pid)
{
	int ret = unev_sys_munlockall_call(m, pid);

	syscall_exit(m);
	return ret;
}

/*
 * ---- 2.6.28 to 5.17 (machine design=rmap-walk) ----
 *
 * No mlock_count: the unevictable list is a real list, and munlock cannot
 * know whether another VM_LOCKED VMA still maps a page, so it walks the
 * reverse map (try_to_munlock, page_mlock in 5.14+) and re-mlocks the page
 * when it finds one.  munlock works on pagevecs of 15.  A THP is mlocked
 * only while one PMD maps it, whole, and munlocked through its head page;
 * the walk never re-mlocks one (huge_memory.c, the 5.10 block).
 */

/* isolate_lru_page + putback_lru_page: back through the lru_add pagevec,
 * where the evictability decides the list (culled or rescued there). */
static void putback_lru_page(struct unev_machine *m, struct folio *f)
{
	folio_add_lru(m, f);
	folio_put(m, f);
}

static bool isolate_lru_page(struct unev_machine *m, struct folio *f)
{
	return folio_isolate_lru(m, f);
}

void mlock_vma_page(struct unev_machine *m, struct folio *f)
{
	long nr = (long)folio_nr_pages(f);

	if (folio_test_set(f, PG_mlocked))
		return;
	node_stat_mod(m, f->node, &m->nodes[f->node].nr_mlock, nr);
	count_vm_events(m, UNEVICTABLE_PGMLOCKED, nr);
	if (isolate_lru_page(m, f))
		putback_lru_page(m, f);
}

/* __munlock_isolation_failed */
static void munlock_isolation_failed(struct unev_machine *m, struct folio *f)
{
	count_vm_events(m, folio_test(f, PG_unevictable) ? UNEVICTABLE_PGSTRANDED
							 : UNEVICTABLE_PGMUNLOCKED,
			(long)folio_nr_pages(f));
}

/* page_mlock_one: the first VM_LOCKED VMA found mlocks the page again. */
static int page_mlock_one(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma,
			  uint64_t addr, uint64_t *pte, void *arg)
{
	(void)addr;
	(void)pte;
	(void)arg;
	if (!(vma->vm_flags & VM_LOCKED))
		return 0;
	/* 5.10's try_to_unmap_one: "PTE-mapped THP are never mlocked", and
	 * its PageTransCompound test skips a PMD-mapped one too */
	if (!folio_test_large(f))
		mlock_vma_page(m, f);
	return 1;
}

/* __munlock_isolated_page: a page mapped once is ours alone; else walk. */
static void munlock_isolated_page(struct unev_machine *m, struct folio *f)
{
	if (f->mapcount > 1)
		rmap_walk(m, f, page_mlock_one, NULL);
	if (!folio_test(f, PG_mlocked))
		count_vm_events(m, UNEVICTABLE_PGMUNLOCKED, (long)folio_nr_pages(f));
	putback_lru_page(m, f);
}

void munlock_vma_page(struct unev_machine *m, struct folio *f)
{
	if (!folio_test_clear(f, PG_mlocked))
		return;
	node_stat_mod(m, f->node, &m->nodes[f->node].nr_mlock, -(long)folio_nr_pages(f));
	if (isolate_lru_page(m, f))
		munlock_isolated_page(m, f);
	else
		munlock_isolation_failed(m, f);
}

/* __munlock_pagevec: isolate what was mlocked, then munlock each; the fast
 * path (mapped once, now evictable) is counted and put back as a batch. */
static void munlock_pagevec(struct unev_machine *m, struct folio **pvec, unsigned int nr)
{
	struct folio *putback[FOLIO_BATCH_SIZE];
	unsigned int nr_putback = 0, nr_released = 0;
	long rescued = 0;

	for (unsigned int i = 0; i < nr; i++) {
		struct folio *f = pvec[i];

		if (folio_test_clear(f, PG_mlocked)) {
			node_stat_mod(m, f->node, &m->nodes[f->node].nr_mlock,
				      -(long)folio_nr_pages(f));
			if (folio_test_clear(f, PG_lru)) {
				/* __munlock_isolate_lru_page: the follow_page pin serves */
				lruvec_del_folio(m, folio_lruvec(m, f), f, "__munlock_pagevec");
				continue;
			}
			munlock_isolation_failed(m, f);
		}
		putback[nr_released++] = f;	/* pvec_putback: its pin goes below */
		pvec[i] = NULL;
	}
	/*
	 * pagevec_release of those pins: a pagevec not yet drained begins with
	 * lru_add_drain() (__pagevec_release), so a page that failed isolation
	 * because it waited in this CPU's lru_add pagevec reaches the LRU now
	 * (seen on 5.10.0-32 after move_pages left 10 migrated pages there:
	 * all 100 rescued by the munlock that followed, tests/model/migrate)
	 */
	if (nr_released)
		lru_add_drain(m);
	for (unsigned int i = 0; i < nr_released; i++)
		folio_put(m, putback[i]);
	for (unsigned int i = 0; i < nr; i++) {
		struct folio *f = pvec[i];

		if (!f)
			continue;
		if (f->mapcount <= 1 && folio_evictable(m, f)) {	/* fast path */
			if (folio_test_clear(f, PG_unevictable))
				rescued += (long)folio_nr_pages(f);
			putback[nr_putback++] = f;
			continue;
		}
		folio_get(f);
		munlock_isolated_page(m, f);
		folio_put(m, f);
	}
	if (nr_putback) {	/* __putback_lru_fast */
		count_vm_events(m, UNEVICTABLE_PGMUNLOCKED, nr_putback);
		if (m->profile->munlock_putback_direct)
			/* 3.11-5.17: __pagevec_lru_add of this local pagevec,
			 * bypassing the per-CPU one; it drops the follow_page pins */
			lru_add_folios(m, putback, nr_putback);
		else
			for (unsigned int i = 0; i < nr_putback; i++)
				putback_lru_page(m, putback[i]);
		count_vm_events(m, UNEVICTABLE_PGRESCUED, rescued);
	}
}

/* munlock_vma_pages_range: VM_LOCKED goes first, then every mapped page of
 * the range, 15 at a time. */
struct munlock_walk {
	struct folio *pvec[FOLIO_BATCH_SIZE];
	unsigned int nr;
};

static int munlock_pte_one(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
			   uint64_t *pte, void *arg)
{
	struct munlock_walk *w = arg;
	uint32_t pfn = pte_pfn(*pte);

	(void)vma;
	(void)addr;
	if (pfn == m->zero_pfn)
		return 0;
	if (page_folio(m, pfn) != pfn_to_page(m, pfn))
		return 0;	/* PageTransTail: put, the head does the THP */
	if (folio_test_large(pfn_to_page(m, pfn))) {
		/* PageTransHuge: __munlock_pagevec_fill stopped before it, so
		 * the pages gathered go first; then munlock_vma_page of the
		 * head munlocks the THP whole, PMD- or PTE-mapped (5.10's
		 * munlock_vma_pages_range) */
		if (w->nr)
			munlock_pagevec(m, w->pvec, w->nr);
		w->nr = 0;
		munlock_vma_page(m, pfn_to_page(m, pfn));
		return 0;
	}
	folio_get(pfn_to_page(m, pfn));	/* follow_page(FOLL_GET) */
	w->pvec[w->nr++] = pfn_to_page(m, pfn);
	if (w->nr == m->batch_size) {
		munlock_pagevec(m, w->pvec, w->nr);
		w->nr = 0;
	}
	return 0;
}

void munlock_vma_pages_range(struct unev_machine *m, struct vm_area_struct *vma,
			     uint64_t start, uint64_t end)
{
	struct munlock_walk w = { .nr = 0 };

	vma->vm_flags &= ~VM_LOCKED_MASK;
	walk_page_range(m, vma, start, end, munlock_pte_one, &w);
	if (w.nr)
		munlock_pagevec(m, w.pvec, w.nr);
}

/* clear_page_mlock: the last mapping went while the page was mlocked. */
void clear_page_mlock(struct unev_machine *m, struct folio *f)
{
	if (!folio_test_clear(f, PG_mlocked))
		return;
	node_stat_mod(m, f->node, &m->nodes[f->node].nr_mlock, -(long)folio_nr_pages(f));
	count_vm_events(m, UNEVICTABLE_PGCLEARED, (long)folio_nr_pages(f));
	if (isolate_lru_page(m, f))
		putback_lru_page(m, f);
	else if (folio_test(f, PG_unevictable))
		count_vm_events(m, UNEVICTABLE_PGSTRANDED, (long)folio_nr_pages(f));
}
