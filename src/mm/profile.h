/*
 * profile.h - a kernel profile: the named behaviours in which the kernel
 * releases the model follows differ (profile.c).  mm/ reads these fields,
 * never a version number.
 */
#ifndef UNEV_MM_PROFILE_H
#define UNEV_MM_PROFILE_H

#include <stdbool.h>

#include "unevict.h"

struct kernel_profile {
	const char *name;		/* "6.18"; "7" for every 7.N; "none" */
	unsigned int major, minor;
	enum unev_design design;
	/* PAGEVEC_SIZE: the lru_add, mlock and munlock batches */
	unsigned int batch_size;
	/* do_mlock and mlockall(MCL_CURRENT) begin with lru_add_drain_all() */
	bool mlock_drains_all;
	/* munmap and exit drain this CPU's batches after the zap
	 * (free_pages_and_swap_cache's lru_add_drain) */
	bool unmap_drains_batches;
	/* munlocked pages go straight back to the LRU (__putback_lru_fast),
	 * not through the per-CPU lru_add batch */
	bool munlock_putback_direct;
	/* pages do_fault_around maps around a file read fault */
	unsigned int fault_around_pages;
	/* a range with an anon_vma merges into a neighbour without one
	 * (6.16's is_mergeable_anon_vma); before, the neighbour's own chain had
	 * to be a single link, which an empty chain is not */
	bool merge_into_unfaulted;
	/* shrink_node_memcgs walks a subtree from the reclaim cookie's memcg
	 * and bails out once a pass has its pages (6.11's "restore incremental
	 * cgroup iteration"); before, every pass walks every memcg */
	bool memcg_partial_walks;
	/* MADV_POPULATE_READ/WRITE exist (5.14) */
	bool has_madv_populate;
	/* MADV_DONTNEED_LOCKED exists (5.18) */
	bool has_madv_dontneed_locked;
	/* MADV_POPULATE_* runs VMA by VMA in madvise_walk_vmas, a hole giving
	 * ENOMEM only at the end (before 6.9's madvise_populate over the
	 * whole range, which stops at the hole) */
	bool populate_walks_vmas;
	/* mremap shrinks (do_munmap of the tail) before it looks the VMA up:
	 * a hole at addr gives 0, not EFAULT; MREMAP_FIXED unmaps the new
	 * range before it looks (EFAULT after) */
	bool mremap_shrink_before_lookup;
	/* brk shrinking first looks for a VMA in [newbrk, oldbrk) and keeps
	 * the break when there is none (6.1's maple-tree brk); before, it
	 * unmapped the range whatever lay there and moved the break */
	bool brk_shrink_needs_vma;
	/* mprotect_fixup gives VM_ACCOUNT back when an anonymous VMA never
	 * written (no anon_vma) loses write (≈6.6), so it may merge with an
	 * unaccounted neighbour; before, VM_ACCOUNT stayed */
	bool mprotect_unaccounts_unfaulted;
	/* madvise_remove wants VM_SHARED|VM_WRITE (EACCES for a read-only
	 * shared mapping); later vma_is_shared_maywrite (VM_MAYWRITE) */
	bool madvise_remove_needs_write;
	/* fork copies a hugetlb VMA's entries even without an anon_vma
	 * (copy_page_range's VM_HUGETLB test, before 6.0's "hugetlb: lazy
	 * page table copies in fork()"); since, only vma_needs_copy's VMAs */
	bool fork_copies_hugetlb;
	/* move_pages runs inside lru_cache_disable (5.13's "mm: disable LRU
	 * pagevec during the migration temporarily"): batches are drained
	 * and bypassed, and a new folio goes to the LRU before its PTEs are
	 * restored; before, migrate_prep's lru_add_drain_all only, and
	 * putback_lru_page of the new page after remove_migration_ptes,
	 * through the per-CPU pagevec */
	bool move_pages_disables_lru_cache;
	/* a migrated folio's new folio goes to the LRU before its PTEs are
	 * restored, so that remove_migration_ptes mlocks it there (5.18's
	 * "push good newpage to LRU", then an lru_add_drain); before, it is
	 * put back through the per-CPU pagevec after its PTEs */
	bool migrate_dst_to_lru_first;
	/* migrate_pages unmaps a whole batch before it moves any folio, and
	 * drains after moving only a folio that was mlocked (6.3's
	 * migrate_pages_batch); before, unmap_and_move of one folio at a
	 * time, draining after each that was mapped */
	bool migrate_batches_unmap;
	/* mmap's MAP_DROPPABLE mapping type exists (6.11); before, the type
	 * is unknown to do_mmap: EINVAL */
	bool has_map_droppable;
	/* MADV_GUARD_INSTALL / MADV_GUARD_REMOVE exist (6.13); before, an
	 * unknown advice: EINVAL */
	bool has_madv_guard;
	/* memfd_secret(2) answers (5.14, on by default since 6.5's
	 * secretmem.enable=1); before, ENOSYS, as for a kernel without it */
	bool has_memfd_secret;
	/* secretmem_mmap sets VM_LOCKED (charging locked_vm against
	 * RLIMIT_MEMLOCK: EAGAIN) and its pages are mlocked as they fault in
	 * (seen on 6.18.44 and Debian's 6.18.15); false: the VMA stays
	 * unlocked and each page is charged to the user's locked_vm at fault
	 * time, SIGBUS over the limit (Debian's 6.12.117 mm/secretmem.c; seen
	 * on it and on 7.3.4) */
	bool secretmem_locks_vma;
	/* perf_mmap maps the whole ring at mmap time with remap_pfn_range
	 * (map_range: VM_IO | VM_PFNMAP, so no Rss, and populate skips it;
	 * seen on 6.18.44); before, its pages fault in one by one through
	 * perf_mmap_fault (Rss as they do; Debian's 6.12.117 source) */
	bool perf_ring_pfnmap;
	/* io_uring_mmap maps a ring with remap_pfn_range (VM_IO | VM_PFNMAP |
	 * VM_DONTEXPAND | VM_DONTDUMP, no Rss); 6.10's "io_uring: get rid of
	 * remap_pfn_range() for mapping rings/sqes" inserts its pages instead
	 * (vm_insert_pages: VM_DONTEXPAND | VM_MIXEDMAP, Rss; seen on 6.18.44, and
	 * on Debian's 6.1.0-50, a stable backport; 5.10.0-32 still remaps) */
	bool io_uring_ring_pfnmap;
	/* MREMAP_DONTUNMAP takes only a private anonymous VMA (5.7-5.12;
	 * 5.13 widened it to every VMA but VM_DONTEXPAND/VM_PFNMAP) */
	bool mremap_dontunmap_anon_only;
	/* MREMAP_DONTUNMAP of part of a VM_LOCKED VMA splits it first, so only
	 * the range moved loses VM_LOCKED (seen on 6.12 and 7.3, from 6.12's
	 * move_vma); without, the whole VMA loses it and the pages left there
	 * stay mlocked (seen on 5.10, 6.1 and 6.18) */
	bool mremap_dontunmap_splits_locked;
	/* MREMAP_DONTUNMAP of a VM_LOCKED VMA charges the new VMA to locked_vm
	 * while the old one, cleared of VM_LOCKED, keeps its charge (6.18's
	 * vrm_stat_account: seen on 6.18.15 and 6.18.44, gone on 7.3.4); else
	 * locked_vm is left as it was */
	bool mremap_dontunmap_charges_locked;
	/* do_mremap page-aligns the lengths before check_mremap_params (which
	 * also checks the new range) and runs check_prep_vma before
	 * mremap_to unmaps anything (6.17); before, MREMAP_DONTUNMAP compared
	 * the lengths as given and the checks came after MREMAP_FIXED's unmap */
	bool mremap_checks_first;
	/* MREMAP_FIXED without a change of length moves every VMA of the
	 * range, keeping the gaps (remap_move, 6.17); before, EFAULT past the
	 * first VMA */
	bool mremap_moves_many_vmas;
	/* THP (huge_memory.c): a write to a PMD mapping of the huge zero
	 * page allocates a THP (do_huge_zero_wp_pmd; seen on 6.18.44); else
	 * the PMD is split (thp_split_pmd) and a small page taken (6.12's
	 * do_huge_pmd_wp_page, read) */
	bool thp_wp_huge_zero_allocates;
	/* THP: an anonymous mmap whose length is a multiple of 2 MiB, without
	 * an address hint, is placed 2 MiB-aligned (__get_unmapped_area ->
	 * thp_get_unmapped_area_vmflags, 6.7+; seen on 6.18.44, read in 6.12) */
	bool thp_aligns_anon_mmap;
	/* THP: mlock_pte_range mlocks a PTE-mapped large folio lying wholly
	 * in the walked range of the VMA and munlocks any (allow_mlock_munlock,
	 * 6.6+; read in 6.12, seen on 6.18.44); before, such folios were
	 * skipped (6.1's mlock_pte_range, read) */
	bool mlock_pte_mapped_large;
	/* THP: splitting the PMD of an mlocked THP in a VM_LOCKED VMA keeps
	 * it mlocked: 6.18's folio_add_anon_rmap_ptes mlocks a large folio
	 * mapped whole by the call, before folio_remove_rmap_pmd munlocks it
	 * (seen on 6.18.15 and 6.18.44); false: the removal of the PMD
	 * mapping munlocks it (512 munlocked and rescued at the split) and the
	 * PTE mappings do not mlock a large folio (seen on 6.12.117) */
	bool thp_split_pmd_keeps_mlock;
	/* 6.12+: every new THP waits on its memcg's deferred split queue for
	 * the underused-THP shrinker (deferred_split_folio(folio, false) at
	 * the fault), so the shrinker counts them all and drops each whole one
	 * it scans; before, the queue holds partly mapped THPs only (read in
	 * the 6.1 and 6.12 sources; the counts it gives do_shrink_slab seen on
	 * 6.12.117, 6.18.15, 6.18.44 and 7.3.4) */
	bool thp_queues_every_thp;
	/* 6.14+: try_to_unmap discards a lazyfree large folio's PTEs in one
	 * batch (folio_unmap_pte_batch): never partly mapped on the way (seen
	 * on 6.18.15, 6.18.44, 7.3.4); before, PTE by PTE, the first removal
	 * queueing it for a deferred split (seen on 6.12.117) */
	bool lazyfree_unmap_batched;
	/* 6.9+: MADV_COLD, PAGEOUT and FREE take a PTE-mapped large folio the
	 * range maps whole as one folio (folio_pte_batch) and split one it
	 * covers in part (seen on 6.12.117, 6.18, 7.3.4); before, they split
	 * every PTE-mapped large folio they meet (seen on 6.1.0-50) */
	bool madvise_batches_large;
	/* Large page-cache folios (filemap.c): an ext4 write() allocates
	 * folios of the order of the bytes each write_begin is given
	 * (fgf_set_order, up to order 9), ext4's large folios of 6.16; seen
	 * on 6.18.44 through /proc/kpageflags (8-, 16-, 32-, 64-page writes,
	 * one folio each; 40 pages: 32 + 8).  Before, every ext4 folio is a
	 * page (6.12's ext4 has no mapping_set_large_folios, read) */
	bool ext4_large_folios;
	/* 6.18's "improve mlock tracking for large folios" series: rmap mlocks
	 * a large folio when one call maps all of it (__folio_add_file_rmap:
	 * folio_nr_pages == nr_pages, the change thp_split_pmd_keeps_mlock
	 * comes from); filemap_map_pages maps a large folio whole where it lies
	 * in the VMA and one PTE table, but neither that nor a PMD when the
	 * folio reaches i_size's last page (file_end >= folio_next_index), and
	 * then, with no PTE table, maps nothing, so finish_fault maps the whole
	 * folio (or a PMD).  Seen on 6.18.44: a 64-page file written at once
	 * and mlocked counts 64 or 0 by whether its PTE table existed; before
	 * (6.12, read), fault-around maps only its window, and the table */
	bool map_whole_file_folio;
	/* ext4's thp_get_unmapped_area places a file mapping holding an
	 * aligned 2 MiB of the file 2 MiB-aligned (5.18's "Align file mappings
	 * for non-DAX"; 5.10 aligns only DAX files, read) */
	bool thp_aligns_file_mmap;
	/* MADV_COLLAPSE (6.1+; EINVAL on 5.10, as any unknown advice: seen
	 * in the 5.10 VM) */
	bool has_madv_collapse;
	/* MADV_COLLAPSE of a 2 MiB none of whose PTEs is writable fails
	 * (hpage_collapse_scan_pmd's SCAN_PAGE_RO: read in 6.12's and 6.1's
	 * source); 6.18 collapses COW-shared and mprotect'ed read-only pages
	 * (seen on 6.18.44) */
	bool collapse_needs_writable;
	/* MADV_COLLAPSE unmaps the PTEs of a PTE-mapped large folio in one
	 * batch (seen on 6.18.44: no thp_deferred_split_page); else a page at
	 * a time, which leaves it partly mapped after the first and queues
	 * it for a deferred split (seen on 6.12.117: thp_deferred_split_page 1) */
	bool collapse_unmaps_large_batched;
	/* MADV_COLLAPSE goes on past a 2 MiB without a page table (still
	 * EINVAL at the end: seen on 7.3.4, which collapses the next 2 MiB);
	 * else that ends the walk (SCAN_PMD_NONE: seen on 6.18.44, 6.18.15
	 * and 6.12.117) */
	bool collapse_skips_pmd_none;
	/* the lru_add batch frees a folio whose only reference is the
	 * batch's without putting it on a list, so it is neither culled nor
	 * rescued (folio_batch_move_lru's dead-folio filter: seen on 7.3.4,
	 * where the 273 pages stranded by MADV_COLLAPSE of an mlocked 4M are
	 * not rescued); else lru_add first (seen on 6.18.44: rescued) */
	bool lru_add_frees_dead;
	/* THP: the PTEs of a large folio going queue it for the deferred split
	 * only when it stays partly mapped (folio_remove_rmap_ptes of a batch,
	 * 6.9+; read in 6.12, seen on 6.12.117, 6.18 and 7.3); false: each
	 * page whose last mapping goes queues its THP, even when the whole THP
	 * goes one PTE at a time (page_remove_rmap's deferred_split_huge_page,
	 * read in 5.10; seen on 5.10.0-32 and 6.1.0-50: munmap of a PTE-mapped
	 * THP counts thp_deferred_split_page 1) */
	bool thp_deferred_split_partial_only;
	/* (the zero page is a boot-time choice of the host, not of a release:
	 * machine zero_page=, struct unev_machine_config) */
};

/* The profile of @release ("5.10", "6.1", "6.12", "6.18", "7.N", "none");
 * NULL if there is none. */
const struct kernel_profile *kernel_profile_lookup(const char *release);
/* The profile a design stands for without kernel=: 6.18, 5.10, none. */
const struct kernel_profile *kernel_profile_of_design(enum unev_design design);

#endif /* UNEV_MM_PROFILE_H */
