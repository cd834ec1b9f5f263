/*
 * profile.c - kernel profiles: the behaviours that differ between the
 * kernel releases the model follows (machine kernel=), as data.
 *
 * A profile is chosen once, at machine creation; mm/ asks it a named
 * question (m->profile->unmap_drains_batches), never a version.  Each field
 * says which kernel code gives the difference; the values were read in that
 * release's source and checked in a VM booting Debian's build of it
 * (tests/model/profiles/, each file names the `uname -r` it was seen on).
 *
 * Kept free of the machine so that the scenario parser (and its fuzzer) can
 * look a release up without the model.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

/*
 * Newest last: unev_kernel_for_release picks the last one not newer than a
 * live kernel.  "7" stands for every 7.N: the 7.x kernels seen so far
 * (7.2.13+deb14-cloud-amd64, 7.3.4+deb13-cloud-amd64) behave as 6.18 in
 * everything profiled here but secretmem (secretmem_locks_vma).
 * Seen in a VM (tests/model/profiles/run-probe.sh): 5.10.0-32-cloud-amd64,
 * 6.1.0-50-cloud-amd64, 6.12.117+deb13-cloud-amd64, 7.2.13+deb14-cloud-amd64
 * (Debian's builds); 6.18 is the host the corpus was observed on (6.18.44).
 */
static const struct kernel_profile profiles[] = {
	{
		/* before 2.6.28: no unevictable list; a model no kernel can check */
		.name = "none", .major = 0, .minor = 0,
		.design = UNEV_DESIGN_NONE,
		.batch_size = 14,		/* PAGEVEC_SIZE in 2.6.27 */
		.mlock_drains_all = true,	/* sys_mlock: lru_add_drain_all() */
		.unmap_drains_batches = true,
		.munlock_putback_direct = false,
		.fault_around_pages = 0,	/* do_fault_around came in 3.15 */
		.merge_into_unfaulted = false,
		.memcg_partial_walks = false,
		.has_madv_populate = false,
		.has_madv_dontneed_locked = false,
		.populate_walks_vmas = false,
		.brk_shrink_needs_vma = false,
		.mprotect_unaccounts_unfaulted = false,
		.madvise_remove_needs_write = true,
		.mremap_shrink_before_lookup = true,
		.fork_copies_hugetlb = true,
		.move_pages_disables_lru_cache = false,
		.migrate_dst_to_lru_first = false,
		.migrate_batches_unmap = false,
		.has_map_droppable = false,
		.has_madv_guard = false,
		.has_memfd_secret = false,
		.secretmem_locks_vma = true,
		.perf_ring_pfnmap = false,
		.io_uring_ring_pfnmap = true,
		.mremap_dontunmap_anon_only = true,
		.mremap_dontunmap_splits_locked = false,
		.mremap_dontunmap_charges_locked = false,
		.mremap_checks_first = false,
		.mremap_moves_many_vmas = false,
	},
	{
		.name = "5.10", .major = 5, .minor = 10,
		.design = UNEV_DESIGN_RMAP_WALK,
		.batch_size = 15,		/* include/linux/pagevec.h */
		/* do_mlock and mlockall lost their lru_add_drain_all() in 4.16;
		 * follow_page_pte's lru_add_drain() before each mlock_vma_page
		 * is what pushes pages to the LRU (mm/gup.c) */
		.mlock_drains_all = false,
		/* unmap_region: lru_add_drain() before the zap, and
		 * free_pages_and_swap_cache() begins with one */
		.unmap_drains_batches = true,
		/* __munlock_pagevec -> __putback_lru_fast: __pagevec_lru_add of
		 * a local pagevec, not the per-CPU one (3.11-5.17) */
		.munlock_putback_direct = true,
		.fault_around_pages = 16,	/* fault_around_bytes 64K */
		.merge_into_unfaulted = false,
		.memcg_partial_walks = false,	/* mem_cgroup_iter(root, NULL, NULL): a full walk */
		.has_madv_populate = false,	/* seen: EINVAL on 5.10 */
		.has_madv_dontneed_locked = false,
		.populate_walks_vmas = false,
		.brk_shrink_needs_vma = false,	/* seen: the break moves */
		.mprotect_unaccounts_unfaulted = false,
		.madvise_remove_needs_write = true,	/* seen: EACCES for prot=r */
		.mremap_shrink_before_lookup = true,	/* seen: mremap of a hole shrinks to 0 on 5.10; MREMAP_FIXED from a hole unmaps the destination, then EFAULT */
		.fork_copies_hugetlb = true,	/* copy_page_range: VM_HUGETLB copied */
		.move_pages_disables_lru_cache = false,	/* migrate_prep: lru_add_drain_all(); seen: 90 of 100 migrated pages on the LRU, 10 in the pagevec */
		.migrate_dst_to_lru_first = false,
		.migrate_batches_unmap = false,
		.has_map_droppable = false,
		.has_madv_guard = false,
		.has_memfd_secret = false,	/* no syscall 447: ENOSYS */
		.secretmem_locks_vma = true,
		.perf_ring_pfnmap = false,
		.io_uring_ring_pfnmap = true,	/* seen: Rss 0 */
		.mremap_dontunmap_anon_only = true,	/* seen: EINVAL for shared and file VMAs */
		.mremap_dontunmap_splits_locked = false,	/* seen: the whole VMA unlocked */
		.mremap_dontunmap_charges_locked = false,	/* seen: VmLck 64 kB after 16 pages */
		.mremap_checks_first = false,	/* seen: EINVAL for 65535 bytes against 16p, the destination unmapped before EAGAIN */
		.mremap_moves_many_vmas = false,
		.thp_wp_huge_zero_allocates = false,
		.thp_aligns_anon_mmap = false,
		.mlock_pte_mapped_large = false,
		.thp_split_pmd_keeps_mlock = false,
		.thp_queues_every_thp = false,
		.lazyfree_unmap_batched = false,
		.madvise_batches_large = false,
		.ext4_large_folios = false,
		.map_whole_file_folio = false,
		.thp_aligns_file_mmap = false,
		.has_madv_collapse = false,
		.collapse_needs_writable = false,	/* (no MADV_COLLAPSE before 6.1) */
		.thp_deferred_split_partial_only = false,	/* page_remove_rmap one page at a time; seen on 5.10.0-32: munlock_half_munlocks_whole */
	},
	{
		.name = "6.1", .major = 6, .minor = 1,
		.design = UNEV_DESIGN_MLOCK_COUNT,
		.batch_size = 15,		/* seen: 300 new mlocked folios all culled */
		.mlock_drains_all = false,
		.unmap_drains_batches = true,
		.munlock_putback_direct = false,
		.fault_around_pages = 16,
		.merge_into_unfaulted = false,
		.memcg_partial_walks = false,	/* a full walk each pass: seen, c2 reclaimed too */
		.has_madv_populate = true,
		.has_madv_dontneed_locked = true,
		.populate_walks_vmas = true,	/* seen: Rss 32 kB past a hole */
		.brk_shrink_needs_vma = true,
		.mprotect_unaccounts_unfaulted = false,
		.madvise_remove_needs_write = false,	/* seen on 6.1.176: as 6.18 */
		.mremap_shrink_before_lookup = false,
		.fork_copies_hugetlb = false,
		.move_pages_disables_lru_cache = true,	/* seen: all agree in tests/model/migrate */
		.migrate_dst_to_lru_first = true,
		.migrate_batches_unmap = false,
		.has_map_droppable = false,
		.has_madv_guard = false,
		.has_memfd_secret = false,	/* secretmem.enable defaults to 0: ENOSYS */
		.secretmem_locks_vma = true,
		.perf_ring_pfnmap = false,
		.io_uring_ring_pfnmap = false,	/* seen on Debian's 6.1.0-50: Rss 4 kB (a stable backport) */
		.mremap_dontunmap_anon_only = false,
		.mremap_dontunmap_splits_locked = false,	/* seen: the whole VMA unlocked */
		.mremap_dontunmap_charges_locked = false,
		.mremap_checks_first = false,
		.mremap_moves_many_vmas = false,
		.thp_wp_huge_zero_allocates = false,
		.thp_aligns_anon_mmap = false,
		.mlock_pte_mapped_large = false,
		.thp_split_pmd_keeps_mlock = false,
		.thp_queues_every_thp = false,
		.lazyfree_unmap_batched = false,
		.madvise_batches_large = false,
		.ext4_large_folios = false,
		.map_whole_file_folio = false,
		.thp_aligns_file_mmap = true,
		.has_madv_collapse = true,
		.collapse_needs_writable = true,	/* as 6.12 (not compared: no 2M alignment on 6.1) */
		.collapse_unmaps_large_batched = false,	/* as 6.12 (idem) */
		.thp_deferred_split_partial_only = false,	/* page_remove_rmap one page at a time; seen on 6.1.0-50: munlock_half_munlocks_whole */
	},
	{
		.name = "6.12", .major = 6, .minor = 12,
		.design = UNEV_DESIGN_MLOCK_COUNT,
		.batch_size = 31,		/* PAGEVEC_SIZE 31 (pagevec.h): 279 culled */
		.mlock_drains_all = false,
		/* tlb_finish_mmu -> free_pages_and_swap_cache -> lru_add_drain():
		 * the munlocks the zap queued are processed before the pages go
		 * (mm/swap_state.c); exit_mmap drains the same way */
		.unmap_drains_batches = true,
		.munlock_putback_direct = false,
		.fault_around_pages = 16,
		.merge_into_unfaulted = false, /* is_mergeable_anon_vma: list_is_singular of the neighbour */
		.memcg_partial_walks = true,
		.has_madv_populate = true,
		.has_madv_dontneed_locked = true,
		.populate_walks_vmas = false,
		.brk_shrink_needs_vma = true,
		.mprotect_unaccounts_unfaulted = true,
		.madvise_remove_needs_write = false,
		.mremap_shrink_before_lookup = false,
		.fork_copies_hugetlb = false,
		.move_pages_disables_lru_cache = true,
		.migrate_dst_to_lru_first = true,
		.migrate_batches_unmap = true,
		.has_map_droppable = true,
		.has_madv_guard = false,
		.has_memfd_secret = true,
		.secretmem_locks_vma = false,	/* mm/secretmem.c of 6.12.117: per-user charge */
		.perf_ring_pfnmap = false,	/* seen: MAP_POPULATE faults the ring in, Rss 8 kB */
		.io_uring_ring_pfnmap = false,
		.mremap_dontunmap_anon_only = false,
		.mremap_dontunmap_splits_locked = true,	/* seen: r3 keeps 24 locked pages */
		.mremap_dontunmap_charges_locked = false,	/* seen: VmLck 64 kB after 16 pages */
		.mremap_checks_first = false,
		.mremap_moves_many_vmas = false,
		.thp_wp_huge_zero_allocates = false,
		.thp_aligns_anon_mmap = true,
		.mlock_pte_mapped_large = true,
		.thp_split_pmd_keeps_mlock = false,
		.thp_queues_every_thp = true,
		.lazyfree_unmap_batched = false,
		.madvise_batches_large = true,
		.ext4_large_folios = false,
		.map_whole_file_folio = false,
		.thp_aligns_file_mmap = true,
		.has_madv_collapse = true,
		.collapse_needs_writable = true,	/* read in 6.12's hpage_collapse_scan_pmd */
		.collapse_unmaps_large_batched = false,	/* seen on 6.12.117 */
		.thp_deferred_split_partial_only = true,	/* zap_present_ptes batches a folio (6.9); seen on 6.12.117 */
	},
	{
		.name = "6.18", .major = 6, .minor = 18,
		.design = UNEV_DESIGN_MLOCK_COUNT,
		.batch_size = 31,
		.mlock_drains_all = false,
		/* no drain left in munmap or exit: a partial mlock batch stays
		 * (observed: exit_leaves_partial_batch.uvs) */
		.unmap_drains_batches = false,
		.munlock_putback_direct = false,
		.fault_around_pages = 16,
		.merge_into_unfaulted = true, /* is_mergeable_anon_vma: vma_had_uncowed_parents */
		.memcg_partial_walks = true,
		.has_madv_populate = true,
		.has_madv_dontneed_locked = true,
		.populate_walks_vmas = false,
		.brk_shrink_needs_vma = true,
		.mprotect_unaccounts_unfaulted = true,
		.madvise_remove_needs_write = false,
		.mremap_shrink_before_lookup = false,
		.fork_copies_hugetlb = false,
		.move_pages_disables_lru_cache = true,
		.migrate_dst_to_lru_first = true,
		.migrate_batches_unmap = true,
		.has_map_droppable = true,
		.has_madv_guard = true,
		.has_memfd_secret = true,
		.secretmem_locks_vma = true,	/* seen: VmLck 40 kB at mmap */
		.perf_ring_pfnmap = true,
		.io_uring_ring_pfnmap = false,
		.mremap_dontunmap_anon_only = false,
		.mremap_dontunmap_splits_locked = false,
		.mremap_dontunmap_charges_locked = true,	/* seen: VmLck 128 kB after 16 pages */
		.mremap_checks_first = true,	/* seen: calls/mremap_checks_before_unmap.uvs */
		.mremap_moves_many_vmas = true,	/* seen: calls/mremap_fixed_moves_many_vmas.uvs */
		.thp_wp_huge_zero_allocates = true,
		.thp_aligns_anon_mmap = true,
		.mlock_pte_mapped_large = true,
		.thp_split_pmd_keeps_mlock = true,
		.thp_queues_every_thp = true,
		.lazyfree_unmap_batched = true,
		.madvise_batches_large = true,
		.ext4_large_folios = true,
		.map_whole_file_folio = true,
		.thp_aligns_file_mmap = true,
		.has_madv_collapse = true,
		.collapse_needs_writable = false,	/* seen on 6.18.44 */
		.collapse_unmaps_large_batched = true,	/* seen on 6.18.44 and 6.18.15 */
		.thp_deferred_split_partial_only = true,
	},
	{
		.name = "7", .major = 7, .minor = 0,
		.design = UNEV_DESIGN_MLOCK_COUNT,
		.batch_size = 31,
		.mlock_drains_all = false,
		.unmap_drains_batches = false,
		.munlock_putback_direct = false,
		.fault_around_pages = 16,
		.merge_into_unfaulted = true,
		.memcg_partial_walks = true,
		.has_madv_populate = true,
		.has_madv_dontneed_locked = true,
		.populate_walks_vmas = false,
		.brk_shrink_needs_vma = true,
		.mprotect_unaccounts_unfaulted = true,
		.madvise_remove_needs_write = false,
		.mremap_shrink_before_lookup = false,
		.fork_copies_hugetlb = false,
		.move_pages_disables_lru_cache = true,
		.migrate_dst_to_lru_first = true,
		.migrate_batches_unmap = true,
		.has_map_droppable = true,
		.has_madv_guard = true,
		.has_memfd_secret = true,
		.secretmem_locks_vma = false,	/* seen on 7.3.4: VmLck 0, a charge per page */
		.perf_ring_pfnmap = true,
		.io_uring_ring_pfnmap = false,
		.mremap_dontunmap_anon_only = false,
		.mremap_dontunmap_splits_locked = true,	/* seen on 7.3.4: split again, as 6.12 */
		.mremap_dontunmap_charges_locked = false,	/* seen on 7.3.4: VmLck 64 kB, the double charge is gone */
		.mremap_checks_first = true,
		.mremap_moves_many_vmas = true,
		.thp_wp_huge_zero_allocates = true,
		.thp_aligns_anon_mmap = true,
		.mlock_pte_mapped_large = true,
		.thp_split_pmd_keeps_mlock = true,
		.thp_queues_every_thp = true,
		.lazyfree_unmap_batched = true,
		.madvise_batches_large = true,
		.ext4_large_folios = true,
		.map_whole_file_folio = true,
		.thp_aligns_file_mmap = true,
		.has_madv_collapse = true,
		.collapse_needs_writable = false,	/* as 6.18 */
		.collapse_unmaps_large_batched = true,
		.collapse_skips_pmd_none = true,	/* seen on 7.3.4 */
		.lru_add_frees_dead = true,	/* seen on 7.3.4 */
		.thp_deferred_split_partial_only = true,
	},
};

#define NR_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

/* "MAJOR.MINOR" with nothing after it but, in @rest, what follows. */
static int parse_release(const char *s, unsigned int *major, unsigned int *minor,
			 const char **rest)
{
	char *end;
	unsigned long a, b;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	a = strtoul(s, &end, 10);
	if (*end != '.' || end[1] < '0' || end[1] > '9' || a > 1000)
		return -EINVAL;
	b = strtoul(end + 1, &end, 10);
	if (b > 1000)
		return -EINVAL;
	*major = (unsigned int)a;
	*minor = (unsigned int)b;
	*rest = end;
	return 0;
}

/* The profile of exactly MAJOR.MINOR; 7.N: every 7.x shares one. */
static const struct kernel_profile *profile_of(unsigned int major, unsigned int minor)
{
	for (size_t i = 0; i < NR_PROFILES; i++) {
		const struct kernel_profile *p = &profiles[i];

		if (p->design == UNEV_DESIGN_NONE)
			continue;
		if (p->major == major && (p->minor == minor || p->major == 7))
			return p;
	}
	return NULL;
}

const struct kernel_profile *kernel_profile_lookup(const char *release)
{
	unsigned int major, minor;
	const char *rest;

	if (!strcmp(release, "none"))
		return &profiles[0];
	if (parse_release(release, &major, &minor, &rest) || *rest)
		return NULL;
	return profile_of(major, minor);
}

const struct kernel_profile *kernel_profile_of_design(enum unev_design design)
{
	switch (design) {
	case UNEV_DESIGN_NONE:
		return &profiles[0];
	case UNEV_DESIGN_RMAP_WALK:
		return kernel_profile_lookup("5.10");
	case UNEV_DESIGN_MLOCK_COUNT:
		break;
	}
	return kernel_profile_lookup("6.18");
}

int unev_kernel_lookup(const char *release, enum unev_design *design)
{
	const struct kernel_profile *p = release ? kernel_profile_lookup(release) : NULL;

	if (!p || p->design == UNEV_DESIGN_NONE)
		return -ENOENT;
	if (design)
		*design = p->design;
	return 0;
}

int unev_kernel_for_release(const char *uname_release, char *name, size_t len)
{
	const struct kernel_profile *best = NULL;
	unsigned int major, minor;
	const char *rest;

	if (!uname_release || parse_release(uname_release, &major, &minor, &rest))
		return -ENOENT;
	for (size_t i = 0; i < NR_PROFILES; i++) {
		const struct kernel_profile *p = &profiles[i];

		if (p->design == UNEV_DESIGN_NONE)
			continue;
		if (p->major < major || (p->major == major && p->minor <= minor) ||
		    (p->major == 7 && major == 7))
			best = p;
	}
	if (!best)
		return -ENOENT;
	if (best->major == 7)
		snprintf(name, len, "7.%u", major == 7 ? minor : 0);
	else
		snprintf(name, len, "%s", best->name);
	return best->major == major && (best->minor == minor || major == 7) ? 0 : 1;
}
