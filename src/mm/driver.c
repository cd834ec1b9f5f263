/*
 * driver.c - a device's buffer mapped into a process: perf's ring buffer
 * (perf_mmap, kernel/events/core.c) and io_uring's SQ ring (io_uring_mmap,
 * io_uring/memmap.c), the VM_SPECIAL mappings a program can make without
 * a device node (the seed's "FILTERING SPECIAL VMAS").
 *
 * What meets mlock here.  The buffer is kernel memory, never on an LRU;
 * the driver's mmap leaves the VMA VM_SPECIAL, so mlock_fixup skips it
 * (vma_supports_mlock): mlock, mlock2, MAP_LOCKED and mlockall succeed on
 * it, set no VM_LOCKED, charge no locked_vm and count nothing, while the
 * RLIMIT_MEMLOCK checks before them still count its length (do_mlock,
 * mlock_future_ok, mlockall's total_vm).  __mm_populate skips VM_IO |
 * VM_PFNMAP; a VMA without them is faulted in by GUP, which maps the
 * buffer's pages (Rss) and nothing else.
 * Which flags, a profile question (seen on 6.18.44 in smaps VmFlags):
 * - perf: VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP, and VM_IO | VM_PFNMAP
 *   where the ring is mapped whole at mmap (perf_ring_pfnmap); before,
 *   perf_mmap_fault maps a page at a time;
 * - io_uring: VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP from
 *   remap_pfn_range (io_uring_ring_pfnmap), or VM_DONTEXPAND |
 *   VM_MIXEDMAP with the ring's page inserted at mmap (6.10+).
 * The pages this VMA maps are a bitmap (driver_present); fork copies an
 * io_uring VMA with its entries (vma_needs_copy: VM_MIXEDMAP/VM_PFNMAP)
 * and leaves a perf one out (VM_DONTCOPY).
 */
#include "internal.h"

/* io_uring_setup(4): its rings fit in one page (sq_off.array 192 + 4 * 4) */
#define IO_URING_RING_PAGES 1

bool vma_is_driver(const struct vm_area_struct *vma)
{
	return vma->mapping && vma->mapping->kind == MAPPING_DRIVER;
}

static uint64_t range_bits(const struct vm_area_struct *vma, uint64_t start, uint64_t end)
{
	uint64_t first = (start - vma->vm_start) >> PAGE_SHIFT;
	uint64_t nr = (end - start) >> PAGE_SHIFT;

	if (first >= 64)
		return 0;
	if (first + nr > 64)
		nr = 64 - first;
	return (nr == 64 ? ~0ULL : ((1ULL << nr) - 1)) << first;
}

/* mapping pages of the buffer: file pages in the mm's counters
 * (insert_page, finish_fault: mm_counter_file) */
static void driver_map(struct vm_area_struct *vma, uint64_t bits)
{
	uint64_t add = bits & ~vma->driver_present;

	vma->driver_present |= add;
	vma->mm->rss_file += (uint64_t)__builtin_popcountll(add);
}

/*
 * perf_mmap: shared only, the ring 1 + 2^n pages from offset 0 (EINVAL
 * otherwise); io_uring_mmap: the ring's pages, no more (older kernels,
 * io_uring_validate_mmap_request: EINVAL; 6.18 maps what there is).
 */
int driver_mmap(struct unev_machine *m, struct vm_area_struct *vma)
{
	uint64_t pages = vma_pages(vma);

	/* do_mmap: an anon_inode file is on a noexec mount (path_noexec) */
	vma->vm_flags &= ~VM_MAYEXEC;
	switch (vma->mapping->driver) {
	case UNEV_DRIVER_PERF:
		if (!(vma->vm_flags & VM_SHARED) || vma->vm_pgoff)
			return -EINVAL;
		if (pages - 1 && ((pages - 1) & (pages - 2)))
			return -EINVAL;
		vma->vm_flags |= VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP;
		if (m->profile->perf_ring_pfnmap)	/* map_range: remap_pfn_range */
			vma->vm_flags |= VM_IO | VM_PFNMAP;
		return 0;
	case UNEV_DRIVER_IO_URING:
		if (m->profile->io_uring_ring_pfnmap) {
			if (pages > IO_URING_RING_PAGES)
				return -EINVAL;
			vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
			return 0;
		}
		vma->vm_flags |= VM_DONTEXPAND | VM_MIXEDMAP;
		driver_map(vma, range_bits(vma, vma->vm_start,
					   vma->vm_start + IO_URING_RING_PAGES * PAGE_SIZE));
		return 0;
	default:
		return -ENODEV;
	}
}

/* __get_user_pages on the buffer: a fault maps each page (perf_mmap_fault);
 * nothing reaches an LRU, so nothing is counted but Rss */
int driver_populate(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
		    uint64_t end)
{
	(void)m;
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))	/* check_vma_flags */
		return -EFAULT;
	driver_map(vma, range_bits(vma, start, end));
	return 0;
}

/* dup_mmap: the child's VMA maps what the parent's does */
void driver_dup(struct vm_area_struct *dst, const struct vm_area_struct *src)
{
	driver_map(dst, src->driver_present);
}

/* the VMA goes (munmap, exit): its pages leave the mm's counters */
void driver_unmap(struct vm_area_struct *vma)
{
	if (vma->mm)
		vma->mm->rss_file -= (uint64_t)__builtin_popcountll(vma->driver_present);
	vma->driver_present = 0;
}

/*
 * smaps_pte_entry of the buffer's pages: each counts in Rss, and in Pss
 * divided by the VMAs mapping it (the kernel holds a reference of its
 * own, so smaps_account goes by the mapcount: private while one maps it,
 * shared clean after a fork).  In bytes; Pss in bytes << 12 as smaps'.
 */
void driver_smaps(const struct vm_area_struct *vma, uint64_t *resident, uint64_t *pss,
		  uint64_t *shared, uint64_t *private)
{
	const struct address_space *as = vma->mapping;

	for (unsigned int i = 0; i < 64; i++) {
		uint64_t mapcount = 0;

		if (!(vma->driver_present & (1ULL << i)))
			continue;
		for (unsigned int j = 0; j < as->nr_i_mmap; j++) {
			const struct vm_area_struct *o = as->i_mmap[j];
			uint64_t oi = i + vma->vm_pgoff - o->vm_pgoff;

			if (oi < 64 && (o->driver_present & (1ULL << oi)))
				mapcount++;
		}
		if (!mapcount)
			mapcount = 1;
		*resident += PAGE_SIZE;
		*pss += (PAGE_SIZE << 12) / mapcount;
		if (mapcount >= 2)
			*shared += PAGE_SIZE;
		else
			*private += PAGE_SIZE;
	}
}

static int unev_sys_mmap_driver_call(struct unev_machine *m, int pid, int driver,
				     uint64_t addr, uint64_t len, int prot, int flags,
				     uint64_t *result)
{
	struct task_struct *t = task_lookup(m, pid);
	struct address_space *as;
	int err;

	if (!t)
		return -ESRCH;
	if (driver != UNEV_DRIVER_PERF && driver != UNEV_DRIVER_IO_URING)
		return -EINVAL;
	if (flags & UNEV_MAP_ANONYMOUS)
		return -EINVAL;
	as = mapping_create(m, MAPPING_DRIVER, len,
			    driver == UNEV_DRIVER_PERF ? "anon_inode:[perf_event]"
						       : "anon_inode:[io_uring]");
	if (!as)
		return -ENOMEM;
	as->driver = driver;
	err = do_mmap(m, t, addr, len, prot, flags, as, true, 0, 0, result);
	mapping_put(m, as);	/* close(fd): the VMA holds the file now */
	return err;
}

int unev_sys_mmap_driver(struct unev_machine *m, int pid, int driver, uint64_t addr,
			 uint64_t len, int prot, int flags, uint64_t *result)
{
	int ret = unev_sys_mmap_driver_call(m, pid, driver, addr, len, prot, flags, result);

	syscall_exit(m);
	return ret;
}
