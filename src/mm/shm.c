/*
 * shm.c - SysV shared memory (ipc/shm.c): shmget, shmat, shmdt and the
 * shmctl commands that matter here, with the kernel's order of checks.
 *
 * A segment is a shmem object; nattch counts the VMAs attached to it
 * (shm_open on split and fork, shm_close on unmap), and a segment removed
 * while attached (SHM_DEST) is destroyed when the last one goes.
 */
#include "internal.h"

#define SHMMAX (UINT64_MAX - (1ULL << 24))

static struct shm_segment *shm_lookup(struct unev_machine *m, int shmid)
{
	if (shmid < 1 || (unsigned int)shmid > m->nr_shms || !m->shms[shmid - 1].alive)
		return NULL;
	return &m->shms[shmid - 1];
}

/*
 * newseg: a shmem file, or with SHM_HUGETLB a hugetlbfs one of the size
 * rounded up to huge pages, whose huge pages are reserved here (ENOMEM
 * when the pool cannot) and not again at shmat (an S_PRIVATE inode).
 */
int unev_shmget(struct unev_machine *m, uint64_t size, unsigned int uid, int shmflg,
		int *shmid)
{
	struct shm_segment *seg;
	int err;

	if (size < 1 || size > SHMMAX || (PAGE_ALIGN(size) >> PAGE_SHIFT) > UINT32_MAX)
		return -EINVAL;
	if (shmflg & ~UNEV_SHM_HUGETLB)
		return -EINVAL;
	if (m->nr_shms == m->cap_shms) {
		unsigned int cap = m->cap_shms ? m->cap_shms * 2 : 8;
		struct shm_segment *n = realloc(m->shms, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		m->shms = n;
		m->cap_shms = cap;
	}
	seg = &m->shms[m->nr_shms];
	memset(seg, 0, sizeof(*seg));
	if (shmflg & UNEV_SHM_HUGETLB) {
		err = hugetlb_file_setup(m, (size + HPAGE_SIZE - 1) & HPAGE_MASK,
					 "/SYSV00000000 (deleted)", true, &seg->file);
		if (err)
			return err;
	} else {
		seg->file = mapping_create(m, MAPPING_SHMEM, size, "/SYSV00000000 (deleted)");
	}
	if (!seg->file)
		return -ENOMEM;
	seg->id = (int)++m->nr_shms;
	seg->alive = true;
	seg->uid = seg->cuid = uid;
	seg->mode = 0600;
	*shmid = seg->id;
	return 0;
}

int unev_shm_create(struct unev_machine *m, uint64_t size, unsigned int uid, int *shmid)
{
	return unev_shmget(m, size, uid, 0, shmid);
}

/* shm_destroy: an SHM_LOCK charge is dropped without a rescue scan, then
 * the file goes and its pages are freed (only nr_unevictable moves). */
static void shm_destroy(struct unev_machine *m, struct shm_segment *seg)
{
	if (seg->mode & SHM_LOCKED)
		shmem_lock(m, NULL, seg->file, false, seg->lock_uid);
	seg->alive = false;
	mapping_put(m, seg->file);
	seg->file = NULL;
}

void shm_vma_open(struct unev_machine *m, struct vm_area_struct *vma)
{
	struct shm_segment *seg = vma->shm_id ? &m->shms[vma->shm_id - 1] : NULL;

	if (seg)
		seg->nattch++;
}

void shm_vma_close(struct unev_machine *m, struct vm_area_struct *vma)
{
	struct shm_segment *seg = vma->shm_id ? &m->shms[vma->shm_id - 1] : NULL;

	if (!seg || !seg->alive)
		return;
	if (--seg->nattch == 0 && (seg->mode & SHM_DEST))
		shm_destroy(m, seg);
}

/* Without CAP_IPC_OWNER (uid 0 here), mode 0600 admits the owner only. */
static bool ipcperms(const struct task_struct *t, const struct shm_segment *seg)
{
	return t->uid == 0 || t->uid == seg->uid || t->uid == seg->cuid;
}

static int unev_sys_shmat_call(struct unev_machine *m, int pid, int shmid, int shmflg, uint64_t *addr)
{
	struct task_struct *t = task_lookup(m, pid);
	struct shm_segment *seg;
	bool rdonly = shmflg & UNEV_SHM_RDONLY;
	int err;

	if (!t)
		return -ESRCH;
	if (shmid < 0)
		return -EINVAL;
	seg = shm_lookup(m, shmid);
	if (!seg)
		return -EINVAL;
	if (!ipcperms(t, seg))
		return -EACCES;
	/* do_shmat -> do_mmap(MAP_SHARED): def_flags (MCL_FUTURE) apply; an
	 * SHM_RDONLY attach maps a file opened O_RDONLY (no VM_MAYWRITE) */
	err = do_mmap(m, t, 0, seg->file->size,
		      rdonly ? UNEV_PROT_READ : UNEV_PROT_READ | UNEV_PROT_WRITE,
		      UNEV_MAP_SHARED, seg->file, !rdonly, 0, shmid, addr);
	return err;
}

int unev_sys_shmat(struct unev_machine *m, int pid, int shmid, int shmflg, uint64_t *addr)
{
	int ret = unev_sys_shmat_call(m, pid, shmid, shmflg, addr);

	syscall_exit(m);
	return ret;
}

/* shmdt: every VMA of the segment attached at @addr goes. */
static int unev_sys_shmdt_call(struct unev_machine *m, int pid, uint64_t addr)
{
	struct task_struct *t = task_lookup(m, pid);
	struct vm_area_struct *vma;
	uint64_t size, end;

	if (!t)
		return -ESRCH;
	if (offset_in_page(addr))
		return -EINVAL;
	vma = find_vma(t->mm, addr);
	if (!vma || vma->vm_start != addr || !vma->shm_id || vma->vm_pgoff != 0)
		return -EINVAL;
	size = PAGE_ALIGN(vma->mapping->size);
	end = addr + size;
	/* the attached VMAs, possibly split by mlock or mprotect */
	while ((vma = find_vma(t->mm, addr)) && vma->vm_start < end && vma->shm_id) {
		uint64_t vend = vma->vm_end;
		int err = do_munmap(m, t, vma->vm_start, vma->vm_end - vma->vm_start);

		if (err)
			return err;
		addr = vend;
	}
	return 0;
}

int unev_sys_shmdt(struct unev_machine *m, int pid, uint64_t addr)
{
	int ret = unev_sys_shmdt_call(m, pid, addr);

	syscall_exit(m);
	return ret;
}

/* shmctl_do_lock and do_shm_rmid, in the kernel's order of checks. */
static int unev_sys_shmctl_call(struct unev_machine *m, int pid, int shmid, int cmd)
{
	struct task_struct *t = task_lookup(m, pid);
	struct shm_segment *seg;
	int err;

	if (!t)
		return -ESRCH;
	if (cmd < 0 || shmid < 0)
		return -EINVAL;
	if (cmd != UNEV_IPC_RMID && cmd != UNEV_SHM_LOCK && cmd != UNEV_SHM_UNLOCK)
		return -EINVAL;
	seg = shm_lookup(m, shmid);
	if (!seg)
		return -EINVAL;
	if (cmd == UNEV_IPC_RMID) {
		/* ipcctl_obtain_check: the owner, the creator or CAP_SYS_ADMIN */
		if (t->uid != 0 && t->uid != seg->uid && t->uid != seg->cuid)
			return -EPERM;
		if (seg->nattch) {
			seg->mode |= SHM_DEST;
			return 0;
		}
		shm_destroy(m, seg);
		return 0;
	}
	if (!t->cap_ipc_lock) {
		if (t->uid != seg->uid && t->uid != seg->cuid)
			return -EPERM;
		if (cmd == UNEV_SHM_LOCK && t->rlimit_memlock == 0)
			return -EPERM;
	}
	/* "SHM_LOCK/SHM_UNLOCK not supported on hugetlb": 0, nothing done */
	if (seg->file->kind == MAPPING_HUGETLB)
		return 0;
	if (cmd == UNEV_SHM_LOCK) {
		err = shmem_lock(m, t, seg->file, true, t->uid);
		if (!err && !(seg->mode & SHM_LOCKED)) {
			seg->mode |= SHM_LOCKED;
			seg->lock_uid = t->uid;
		}
		return err;
	}
	if (!(seg->mode & SHM_LOCKED))
		return 0;
	shmem_lock(m, t, seg->file, false, seg->lock_uid);
	seg->mode &= ~SHM_LOCKED;
	if (!design_none(m))	/* scan_mapping_unevictable_pages came with 2.6.28 */
		shmem_unlock_mapping(m, seg->file);
	return 0;
}

int unev_sys_shmctl(struct unev_machine *m, int pid, int shmid, int cmd)
{
	int ret = unev_sys_shmctl_call(m, pid, shmid, cmd);

	syscall_exit(m);
	return ret;
}
