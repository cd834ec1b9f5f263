/*
 * secretmem.c - memfd_secret(2) (mm/secretmem.c): a file whose pages are
 * taken out of the kernel's direct map, mapped shared only (EINVAL for a
 * private mapping), of a size set once by ftruncate.
 *
 * What meets mlock here.  The inode's mapping is AS_UNEVICTABLE, so every
 * page a fault adds to the page cache is culled onto the unevictable list;
 * GUP refuses the VMA (check_vma_flags: EFAULT), so nothing populates it:
 * MAP_POPULATE and MAP_LOCKED fault nothing in, and mlock's populate fails
 * (ENOMEM); mlock_fixup leaves the VMA as it is (munlock changes nothing).
 * Two ways of charging, a profile question (secretmem_locks_vma):
 * - secretmem_mmap sets VM_LOCKED after mlock_future_ok (EAGAIN), so
 *   locked_vm (VmLck) holds the whole mapping from the mmap on, and each
 *   page is mlocked as it faults in (seen on 6.18.44);
 * - the VMA stays unlocked and each new page is charged at fault time to
 *   the creating user's locked_vm (user_struct, not the mm's) against the
 *   faulting task's RLIMIT_MEMLOCK, without a CAP_IPC_LOCK exemption:
 *   SIGBUS over it; the charge goes when the file is released (Debian's
 *   6.12.117 and 7.3.4; 6.18.44 and Debian's 6.18.15 lock the VMA).
 * Kernels without it (5.10: no system call; 6.1: secretmem.enable=0 by
 * default) answer ENOSYS (has_memfd_secret).
 */
#include "internal.h"

bool vma_is_secretmem(const struct vm_area_struct *vma)
{
	return vma->mapping && vma->mapping->kind == MAPPING_SECRETMEM;
}

static struct task_struct *current_task(struct unev_machine *m)
{
	if (m->cur_pid < 1 || (unsigned int)m->cur_pid > m->nr_tasks)
		return NULL;
	return m->tasks[m->cur_pid - 1];
}

/* __secretmem_account_pages: the user's locked_vm plus @nr within the
 * caller's RLIMIT_MEMLOCK, or nothing is charged */
static bool secretmem_account_pages(struct unev_machine *m, struct address_space *as,
				    uint64_t nr)
{
	struct task_struct *t = current_task(m);
	struct user_locked *ul = user_locked_get(m, as->secret_uid);
	uint64_t limit;

	if (!t || !ul)
		return false;
	limit = t->rlimit_memlock == UNEV_RLIM_INFINITY ? UINT64_MAX
							: t->rlimit_memlock >> PAGE_SHIFT;
	if (ul->locked_vm + nr > limit)
		return false;
	ul->locked_vm += nr;
	as->secret_accounted += nr;
	return true;
}

/*
 * secretmem_mmap (call_mmap): shared only (EINVAL), never dumped; where
 * the profile locks the VMA, VM_LOCKED after mlock_future_ok's check of
 * the whole length (EAGAIN), so mmap_region charges locked_vm
 */
int secretmem_mmap(struct unev_machine *m, struct task_struct *t, uint64_t len,
		   uint64_t *vm_flags)
{
	if (!(*vm_flags & (VM_SHARED | VM_MAYSHARE)))
		return -EINVAL;
	if (m->profile->secretmem_locks_vma) {
		if (!mlock_future_ok(t, *vm_flags | VM_LOCKED, len))
			return -EAGAIN;
		*vm_flags |= VM_LOCKED;
	}
	*vm_flags |= VM_DONTDUMP;
	return 0;
}

/* secretmem_fault: a cached page is mapped; a new one is charged first
 * where the profile charges the user (SIGBUS over the limit), then added
 * to the page cache and the LRU (culled: AS_UNEVICTABLE), and mlocked as
 * it is mapped in a VM_LOCKED VMA */
int secretmem_fault(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
		    uint64_t *pte, bool write)
{
	struct address_space *as = vma->mapping;
	uint64_t index = ((addr - vma->vm_start) >> PAGE_SHIFT) + vma->vm_pgoff;
	struct folio *f;
	int err = filemap_get_folio(m, as, index, false, &f);

	if (err == -ENOENT) {
		if (!m->profile->secretmem_locks_vma && !secretmem_account_pages(m, as, 1))
			return -EFAULT;
		err = filemap_get_folio(m, as, index, true, &f);
		if (err && !m->profile->secretmem_locks_vma) {
			user_locked_get(m, as->secret_uid)->locked_vm--;
			as->secret_accounted--;
		}
	}
	if (err)
		return err;
	map_file_folio(m, vma, f, pte, write && (vma->vm_flags & VM_WRITE));
	return 0;
}

/* secretmem_release -> secretmem_unaccount_all_folios */
void secretmem_release(struct unev_machine *m, struct address_space *as)
{
	struct user_locked *ul = user_locked_get(m, as->secret_uid);

	if (ul)
		ul->locked_vm -= as->secret_accounted;
	as->secret_accounted = 0;
}

/*
 * memfd_secret(0), ftruncate(fd, @len), mmap(@addr, @len, @prot, @flags, fd,
 * 0) and close(fd), as one call: the first error is its answer (a failed
 * mmap's file goes with the close).  The inode's size is set once, by this
 * ftruncate.
 */
static int unev_sys_mmap_secretmem_call(struct unev_machine *m, int pid, uint64_t addr,
					uint64_t len, int prot, int flags, uint64_t *result)
{
	struct task_struct *t = task_lookup(m, pid);
	struct address_space *as;
	int err;

	if (!t)
		return -ESRCH;
	if (!m->profile->has_memfd_secret)
		return -ENOSYS;
	if (flags & UNEV_MAP_ANONYMOUS)
		return -EINVAL;
	if (PAGE_ALIGN(len) >> PAGE_SHIFT > UINT32_MAX || PAGE_ALIGN(len) < len)
		return -EFBIG;
	as = mapping_create(m, MAPPING_SECRETMEM, len, "/secretmem (deleted)");
	if (!as)
		return -ENOMEM;
	mapping_set_unevictable(as);
	as->secret_uid = t->uid;
	err = do_mmap(m, t, addr, len, prot, flags, as, true, 0, 0, result);
	mapping_put(m, as);	/* close(fd): the VMA holds the file now */
	return err;
}

int unev_sys_mmap_secretmem(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
			    int prot, int flags, uint64_t *result)
{
	int ret = unev_sys_mmap_secretmem_call(m, pid, addr, len, prot, flags, result);

	syscall_exit(m);
	return ret;
}
