/*
 * internal.h - the model's shared structures (the kernel's mm_types.h,
 * mmzone.h, mm_inline.h and mm/internal.h in one place).
 *
 * Data-size rules (DESIGN.md): struct page is 32 bytes; list links are
 * 32-bit frame numbers; an unevictable folio keeps its mlock_count in the
 * link field instead of links, since the unevictable "list" is only a size
 * (5.18+, "the unevictable list is a lie").
 */
#ifndef UNEV_MM_INTERNAL_H
#define UNEV_MM_INTERNAL_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "unevict.h"

/* memcontrol.h: the empty reclaim passes a charge or memory.reclaim retries */
#define MAX_RECLAIM_RETRIES 16

#define PAGE_SHIFT UNEV_PAGE_SHIFT
#define PAGE_SIZE UNEV_PAGE_SIZE
#define PAGE_MASK (~(PAGE_SIZE - 1))
#define PAGE_ALIGN(x) (((x) + PAGE_SIZE - 1) & PAGE_MASK)
#define offset_in_page(x) ((x) & (PAGE_SIZE - 1))

#define PFN_NIL UINT32_MAX
#define SHMEM_SWAP_ENTRY 0x80000000u   /* a shmem page cache slot holding a swap slot */
#define MAX_PFNS 0x80000000u           /* so a pfn never looks like a swap entry */
#define MAX_ORDER 10                   /* buddy blocks of up to 4 MiB */
#define FOLIO_BATCH_SIZE UNEV_FOLIO_BATCH_SIZE
#define TASK_SIZE (1ULL << 47)         /* x86_64, 4-level page tables */
#define MMAP_BASE 0x7f0000000000ULL    /* top of the top-down mmap area */
#define MMAP_MIN_ADDR 0x10000ULL
/* DEFAULT_MAX_MAP_COUNT: USHRT_MAX - MAPCOUNT_ELF_CORE_MARGIN (mm.h) */
#define DEFAULT_MAX_MAP_COUNT 65530
/* The lowest start of the stack, which the model does not map: the kernel
 * puts mmap_base RLIMIT_STACK (8 MiB) plus stack_guard_gap (1 MiB) plus the
 * stack's and mmap's randomisation below TASK_SIZE (arch/x86/mm/mmap.c
 * mmap_base); without randomisation the stack may reach down to here.
 * Only mremap grows a region past MMAP_BASE, up to here (vma_expandable). */
#define STACK_BOTTOM (TASK_SIZE - (9ULL << 20))
/* The model's stack VMA ends here: a task's stack grows down from one page
 * to RLIMIT_STACK (8 MiB, the default every task has) and so never passes
 * STACK_BOTTOM.  stack_guard_gap: 256 pages kept free below it. */
#define RLIMIT_STACK_DEFAULT (8ULL << 20)
#define STACK_TOP (STACK_BOTTOM + RLIMIT_STACK_DEFAULT)
#define STACK_GUARD_GAP (256ULL << PAGE_SHIFT)
#define BRK_START 0x555555559000ULL    /* where every model heap starts */

/* ---- struct page / folio (include/linux/page-flags.h) ---- */
enum pageflags {
	PG_lru = 1u << 0,
	PG_active = 1u << 1,
	PG_unevictable = 1u << 2,
	PG_mlocked = 1u << 3,
	PG_swapbacked = 1u << 4,
	PG_anon = 1u << 5,        /* PAGE_MAPPING_ANON: mapping is an anon_vma */
	PG_buddy = 1u << 6,       /* free, in the buddy allocator */
	PG_reserved = 1u << 7,    /* never allocated (the zero page) */
	PG_referenced = 1u << 8,
	PG_dirty = 1u << 9,
	PG_head = 1u << 10,       /* first page of an allocated folio */
	PG_anon_exclusive = 1u << 11,
	PG_swapcache = 1u << 12,
	PG_reclaim = 1u << 13,    /* met dirty by reclaim: rotate when written */
	PG_hugetlb = 1u << 14,    /* a huge page of the hugetlb pool (folio_test_hugetlb) */
	PG_tail = 1u << 15,       /* a tail page of a large folio: lru_next is its head's pfn */
	PG_partially_mapped = 1u << 16, /* a THP on the deferred split queue
	                                 * (folio_test_partially_mapped) */
	PG_deferred_split = 1u << 17,   /* on its memcg's deferred split queue
	                                 * (!list_empty(&folio->_deferred_list)) */
	/* 5.10 (design rmap-walk): a THP mapped by a PMD and by PTEs at once
	 * (PageDoubleMap); a bit far from the others, which later flags take */
	PG_double_map = 1u << 24,
};

struct page {
	uint32_t flags;
	/* lru links as frame numbers; while PG_lru && PG_unevictable,
	 * lru_prev is mlock_count and lru_next an even filler (mm_types.h). */
	uint32_t lru_next;
	uint32_t lru_prev;
	int32_t refcount;
	int32_t mapcount;         /* number of PTEs mapping it (0-based) */
	uint32_t mapping;         /* address_space or anon_vma id, 0 = none */
	uint32_t index;           /* page offset in the mapping */
	uint8_t order;            /* buddy order when free, folio order else */
	uint8_t node;
	uint16_t memcg;           /* memcg id, 0 = root */
};
static_assert(sizeof(struct page) <= 32, "struct page must stay 32 bytes");
#define folio page             /* every folio here is a head page */

/* ---- LRU (mmzone.h) ---- */
struct lru_list_head {
	uint32_t head, tail;
	uint64_t nr;
};

struct lruvec {
	struct lru_list_head lists[UNEV_NR_LRU_LISTS]; /* UNEVICTABLE: nr only */
	int64_t split_nr_deferred;	/* the deferred split shrinker's nr_deferred */
	int node;
	int memcg;
};

/* mlock_fbatch entries carry LRU_FOLIO / NEW_FOLIO tags (mm/mlock.c). */
#define MLOCK_LRU_FOLIO 0x1u
#define MLOCK_NEW_FOLIO 0x2u
struct folio_batch {
	unsigned int nr;
	uint32_t pfn[FOLIO_BATCH_SIZE];
	uint8_t tag[FOLIO_BATCH_SIZE];
};

struct cpu_state {
	struct folio_batch lru_add;   /* cpu_fbatches.lru_add (mm/swap.c) */
	struct folio_batch lru_deactivate; /* cpu_fbatches.lru_deactivate: MADV_COLD */
	struct folio_batch lru_lazyfree;   /* cpu_fbatches.lru_lazyfree: MADV_FREE */
	struct folio_batch lru_activate;   /* cpu_fbatches.lru_activate: folio_mark_accessed */
	struct folio_batch mlock;     /* mlock_fbatch (mm/mlock.c) */
};

struct free_area {
	uint32_t head[MAX_ORDER + 1];
	uint64_t nr_free[MAX_ORDER + 1];
};

struct pglist_data {
	int node_id;
	uint32_t start_pfn;
	uint32_t spanned_pages;
	uint64_t managed_pages;
	uint64_t nr_free_pages;
	struct free_area free_area;
	struct lruvec lruvec;         /* the root memcg's lruvec of this node */
	uint64_t nr_lru[UNEV_NR_LRU_LISTS]; /* node totals over every memcg */
	uint64_t wmark_min, wmark_low, wmark_high;
	int64_t nr_mlock;             /* NR_MLOCK (a zone counter; one zone a node) */
	int64_t nr_anon_mapped;       /* NR_ANON_MAPPED */
	int64_t nr_file_pages;        /* NR_FILE_PAGES */
	int64_t nr_shmem;             /* NR_SHMEM */
	int64_t nr_file_mapped;       /* NR_FILE_MAPPED */
	int64_t nr_anon_thps;         /* NR_ANON_THPS, in pages: anon THPs PMD-mapped somewhere */
	int64_t nr_file_thps;         /* NR_FILE_THPS, in pages: PMD-sized page-cache folios */
	int64_t nr_file_pmdmapped;    /* NR_FILE_PMDMAPPED, in pages: those a PMD maps */
};

/* ---- vm events (include/linux/vm_event_item.h) ---- */
enum vm_event_item {
	UNEVICTABLE_PGCULLED,
	UNEVICTABLE_PGSCANNED,
	UNEVICTABLE_PGRESCUED,
	UNEVICTABLE_PGMLOCKED,
	UNEVICTABLE_PGMUNLOCKED,
	UNEVICTABLE_PGCLEARED,
	UNEVICTABLE_PGSTRANDED,
	PGFAULT,
	PGALLOC,
	PGFREE,
	PGACTIVATE,
	PGDEACTIVATE,
	PGREFILL,
	PGSCAN_KSWAPD,
	PGSCAN_DIRECT,
	PGSCAN_ANON,
	PGSCAN_FILE,
	PGSTEAL_KSWAPD,
	PGSTEAL_DIRECT,
	PGSTEAL_ANON,
	PGSTEAL_FILE,
	PSWPIN,
	PSWPOUT,
	OOM_KILL,
	PGLAZYFREE,
	PGLAZYFREED,
	PGMIGRATE_SUCCESS,
	PGMIGRATE_FAIL,
	COMPACTMIGRATE_SCANNED,
	COMPACTFREE_SCANNED,
	COMPACTISOLATED,
	COMPACTSTALL,		/* direct compaction: the model has none (no */
	COMPACTFAIL,		/* allocation above order 0 waits for it), so */
	COMPACTSUCCESS,		/* these three stay 0 */
	THP_FAULT_ALLOC,
	THP_FAULT_FALLBACK,
	THP_FAULT_FALLBACK_CHARGE,
	THP_SPLIT_PMD,
	THP_DEFERRED_SPLIT_PAGE,
	THP_SPLIT_PAGE,
	THP_SPLIT_PAGE_FAILED,
	THP_SWPOUT_FALLBACK,
	THP_FILE_MAPPED,
	THP_COLLAPSE_ALLOC,		/* MADV_COLLAPSE (khugepaged.c) */
	THP_COLLAPSE_ALLOC_FAILED,
	NR_VM_EVENT_ITEMS,
};

/* ---- address spaces: files, tmpfs/shmem objects, ramfs (fs.h) ---- */
#define AS_UNEVICTABLE 0x1u
enum mapping_kind {
	MAPPING_DISK,   /* ordinary page cache: file LRU lists, reclaimable */
	MAPPING_SHMEM,  /* tmpfs, shared anonymous, SysV shm: swap-backed */
	MAPPING_RAMFS,  /* file LRU folios, AS_UNEVICTABLE for the inode's life */
	MAPPING_HUGETLB,/* a hugetlbfs inode: huge folios by huge-page index, never on an LRU */
	MAPPING_SECRETMEM,/* a memfd_secret inode: AS_UNEVICTABLE, each page charged to its
	                   * creator's user (secretmem.c) */
	MAPPING_DRIVER, /* a device's buffer (perf ring, io_uring ring): kernel pages,
	                 * never on an LRU, mapped whole or not at all (driver.c) */
};
/*
 * The page cache (the kernel's xarray): entries by index in chunks of
 * CACHE_CHUNK, a chunk allocated when its first entry is stored, so a
 * file's size costs a pointer per chunk until its pages are used (issue 13:
 * `file f size=8T` allocated 8 GiB up front).
 */
#define CACHE_CHUNK_SHIFT 10
#define CACHE_CHUNK (1ULL << CACHE_CHUNK_SHIFT)
struct vm_area_struct;
struct address_space {
	uint32_t id;
	unsigned int flags;
	enum mapping_kind kind;
	int refcount;                 /* VMAs, the file itself, a shm segment */
	uint64_t nr_slots;            /* page cache capacity, in pages */
	uint32_t **chunks;            /* page cache: pfn by index, PFN_NIL if absent; a NULL
	                               * chunk holds only PFN_NIL (cache_entry) */
	uint64_t nrpages;
	uint64_t size;                /* i_size, bytes */
	struct vm_area_struct **i_mmap; /* every VMA mapping it (the rmap of files) */
	unsigned int nr_i_mmap, cap_i_mmap;
	bool shmem_locked;            /* shmem_inode_info VM_LOCKED: SHM_LOCK held */
	bool is_file;                 /* made by unev_file_create: an inode number */
	uint64_t hugetlb_resv;        /* MAPPING_HUGETLB: huge pages reserved for the cache
	                               * (the inode's resv_map: shared mappings, SHM_HUGETLB) */
	char name[64];                /* the path smaps shows */
	/* file_ra_state.prev_pos of each open file description of this file:
	 * where the last read(2) through it ended (filemap_read), -1 at open */
	struct file_ra {
		int files;            /* task_struct.files of the tasks sharing it */
		int64_t prev_pos;
	} *ra;
	unsigned int nr_ra;
	unsigned int secret_uid;      /* MAPPING_SECRETMEM: the creator's user, and the pages */
	uint64_t secret_accounted;    /* charged to its locked_vm (secretmem_inode_state) */
	int driver;                   /* MAPPING_DRIVER: UNEV_DRIVER_* */
};

/* ---- SysV shared memory (ipc/shm.c) ---- */
#define SHM_DEST 01000
#define SHM_LOCKED 02000
struct shm_segment {
	int id;
	bool alive;
	unsigned int uid, cuid;
	unsigned int mode;            /* 0600 | SHM_DEST | SHM_LOCKED */
	unsigned int nattch;          /* VMAs attached (shm_open/shm_close) */
	unsigned int lock_uid;        /* whose ucounts hold the SHM_LOCK charge */
	struct address_space *file;
};

/* The per-user locked shm total (ucounts UCOUNT_RLIMIT_MEMLOCK). */
struct user_locked {
	unsigned int uid;
	uint64_t pages;
	uint64_t locked_vm;           /* user_struct's locked_vm: secretmem pages */
};
struct user_locked *user_locked_get(struct unev_machine *m, unsigned int uid);

/* ---- anon_vma (rmap.h): the VMAs that may map an anonymous folio ---- */
struct anon_vma {
	uint32_t id;
	struct vm_area_struct **vmas;
	unsigned int nr, cap;
};

/* ---- VMAs and mm (mm_types.h) ---- */
#define VM_READ 0x1ULL
#define VM_WRITE 0x2ULL
#define VM_EXEC 0x4ULL
#define VM_SHARED 0x8ULL
#define VM_MAYREAD 0x10ULL
#define VM_MAYWRITE 0x20ULL
#define VM_MAYEXEC 0x40ULL
#define VM_MAYSHARE 0x80ULL
#define VM_GROWSDOWN 0x100ULL
#define VM_PFNMAP 0x400ULL
#define VM_LOCKED 0x2000ULL
#define VM_IO 0x4000ULL
#define VM_DONTCOPY 0x20000ULL
#define VM_DONTEXPAND 0x40000ULL
#define VM_LOCKONFAULT 0x80000ULL
#define VM_ACCOUNT 0x100000ULL
#define VM_NORESERVE 0x200000ULL
#define VM_HUGETLB 0x400000ULL
#define VM_WIPEONFORK 0x02000000ULL
#define VM_DONTDUMP 0x04000000ULL
#define VM_MIXEDMAP 0x10000000ULL
#define VM_HUGEPAGE 0x20000000ULL     /* MADV_HUGEPAGE */
#define VM_NOHUGEPAGE 0x40000000ULL   /* MADV_NOHUGEPAGE */
#define VM_DROPPABLE (1ULL << 40)	/* VM_DROPPABLE_BIT on 64-bit */
#define VM_LOCKED_MASK (VM_LOCKED | VM_LOCKONFAULT)
#define VM_SPECIAL (VM_IO | VM_DONTEXPAND | VM_PFNMAP | VM_MIXEDMAP)
#define VM_ACCESS_FLAGS (VM_READ | VM_WRITE | VM_EXEC)

struct mm_struct;
struct vm_area_struct {
	uint64_t vm_start, vm_end;
	uint64_t vm_flags;
	uint64_t vm_pgoff;
	uint32_t anon_vma;            /* anon_vma id, 0 until the first anon fault */
	uint32_t *avc;                /* anon_vma_chain: every anon_vma it is on */
	unsigned int nr_avc;
	struct address_space *mapping;/* the file (vm_file->f_mapping), or NULL */
	int shm_id;                   /* SysV segment attached here, 0 if none */
	struct mm_struct *mm;
	/* MAPPING_DRIVER without VM_PFNMAP: which pages of the buffer this
	 * VMA maps (bit i: vm_start + i pages; at most 64, the parser's) */
	uint64_t driver_present;
	/* mbind's MPOL_BIND to one node: the node + 1; 0, the default policy
	 * (the node of the faulting CPU) */
	unsigned int bind_node1;
};

/* page-table entries: pfn << 12 | bits */
#define PTE_PRESENT 0x1ULL
#define PTE_WRITE 0x2ULL
#define PTE_YOUNG 0x20ULL             /* the accessed bit folio_referenced clears */
#define PTE_DIRTY 0x40ULL             /* written through this mapping */
#define PTE_SWAP 0x400ULL             /* not present: (slot << 12) | PTE_SWAP */
#define PTE_GUARD 0x800ULL            /* not present, no page: a guard marker
                                       * (PTE_MARKER_GUARD, MADV_GUARD_INSTALL) */
#define PTE_HUGE 0x80ULL              /* part of a hugetlb mapping (_PAGE_PSE): all the
                                       * PTEs of the huge page are set alike */
/* One of the 512 PTEs that stand for a PMD entry mapping a transparent
 * huge page (pmd_trans_huge): each holds its own page's pfn, all carry the
 * bit, as PTE_HUGE does for hugetlb (huge_memory.c) */
#define PTE_PMD 0x100ULL
#define PTRS_PER_TABLE 512

struct mm_struct {
	struct vm_area_struct **vmas; /* sorted by vm_start (the maple tree) */
	unsigned int nr_vmas, cap_vmas;
	struct vm_area_struct **vmas_buf; /* vmas lies inside, room at both ends */
	/* get_unmapped_area's memory of its last search (the maple tree's gap
	 * tracking, in short): every gap above gap_cache_addr is at most
	 * gap_cache_max bytes.  Mappings only shrink gaps; an unmap clears it. */
	bool gap_cache_valid;
	uint64_t gap_cache_addr, gap_cache_max;
	uint64_t **pgd;               /* PGD -> PUD -> PMD -> PTE tables */
	uint64_t locked_vm;           /* pages */
	/* pages of locked_vm no VM_LOCKED VMA stands for: 6.18's
	 * MREMAP_DONTUNMAP charges the new VMA and never gives back the old
	 * one's charge (mremap.c, profile mremap_dontunmap_charges_locked) */
	uint64_t locked_vm_unbacked;
	uint64_t total_vm;            /* pages */
	uint64_t def_flags;
	uint64_t rss_anon, rss_file, rss_shmem;
	uint64_t swapents;
	uint64_t start_brk, brk;
	uint64_t nr_pgtables;
	uint64_t hugetlb_usage;       /* pages of hugetlb folios mapped (status HugetlbPages) */
	/* The task's stack VMA (mmap.c, grow_stack): made at the first growth.
	 * Until then, what mlockall did to the stack it would have had: the
	 * VM_LOCKED_MASK bits of MCL_CURRENT (munlockall clears them) and
	 * whether a populate faulted its page in. */
	bool stack_made;
	uint64_t stack_lock_flags;
	bool stack_populated;
};

/* ---- memory cgroups (memcontrol.h) ---- */
struct mem_cgroup {
	int id;                       /* 0 is the root */
	int parent;                   /* -1 for the root */
	char name[64];
	uint64_t limit;               /* pages; UINT64_MAX: none */
	uint64_t usage;               /* pages charged here and below */
	struct lruvec *lruvec;        /* one per node (the root uses the node's) */
	uint64_t oom_kill;            /* memory.events oom_kill */
	int *iter_pos;                /* per node: the reclaim cookie's position, -1 none */
	uint64_t max_events;          /* memory.events max: charges over the limit */
};

struct task_struct {
	int pid;
	bool alive;
	unsigned int cpu;
	uint64_t rlimit_memlock;      /* bytes: the soft limit, which mlock reads */
	uint64_t rlimit_memlock_max;  /* bytes: the hard limit */
	bool cap_ipc_lock;
	unsigned int uid;
	int memcg;
	struct mm_struct *mm;
	int files;                    /* whose open files it shares: the pid of the task
	                               * the scenario declared (fork shares them, exec keeps them) */
	bool exit_pending;            /* OOM-killed in its own call: exits on return */
};

/*
 * Swap slots a cluster at a time (SWAPFILE_CLUSTER, swap_cluster_info in
 * mm/swapfile.c); a cluster no slot of which was ever used is NULL, so a
 * 7 TiB swap costs a pointer per cluster, not 15 GiB (issue 13).
 */
#define SWAPFILE_CLUSTER 512
struct swap_cluster {
	uint32_t map[SWAPFILE_CLUSTER];   /* swap_map: PTEs and shmem entries using the slot */
	uint32_t cache[SWAPFILE_CLUSTER]; /* the swap cache: the folio still in memory, or PFN_NIL */
};

/*
 * The default hstate (mm/hugetlb.c): the 2 MiB huge page pool that
 * vm.nr_hugepages sizes.  Free huge folios wait on one LIFO stack, as
 * enqueue_hugetlb_folio puts them at the head of the free list that
 * dequeue takes from.  No overcommit: surplus pages come only from
 * shrinking the pool under pages in use.
 */
#define HPAGE_SHIFT 21
#define HPAGE_SIZE (1ULL << HPAGE_SHIFT)
#define HPAGE_MASK (~(HPAGE_SIZE - 1))
#define HPAGE_ORDER (HPAGE_SHIFT - PAGE_SHIFT)
#define HPAGE_NR_PAGES (1ULL << HPAGE_ORDER)
struct hstate {
	uint64_t nr_huge_pages;
	uint64_t free_huge_pages;
	uint64_t resv_huge_pages;
	uint64_t surplus_huge_pages;
	uint32_t *free_list;          /* pfns of the free huge folios, top last */
	uint64_t cap_free_list;
	unsigned int next_nid_to_alloc; /* hstate_next_node_to_alloc: round robin */
};

struct unev_machine {
	/* what the model met and cannot go on from (the run stops there) */
	/* folios with PG_deferred_split: no queue to look at while 0 */
	uint64_t nr_deferred_split;
	const char *not_modelled;
	struct unev_machine_config cfg;   /* cfg.kernel is NULL: see kernel_name */
	const struct kernel_profile *profile; /* chosen once, at creation */
	char kernel_name[16];         /* the release asked for ("7.2"), or the profile's */
	struct page *memmap;
	uint32_t nr_pfns;
	uint32_t zero_pfn;            /* the shared zero page, never counted */
	struct pglist_data *nodes;
	struct cpu_state *cpus;
	unsigned int cur_cpu;         /* the CPU running the current call */
	unsigned int batch_size;      /* PAGEVEC_SIZE: the profile's */
	int cur_pid;                  /* the task making the call, 0 if none */
	bool in_reclaim;              /* PF_MEMALLOC: reclaim does not recurse */
	/* lru_disable_count (mm/swap.c): while move_pages runs, every folio
	 * queued on a per-CPU batch is processed at once */
	unsigned int lru_disable_count;
	uint64_t min_free_kbytes;     /* vm.min_free_kbytes set by sysctl, 0: computed */
	uint64_t max_map_count;       /* vm.max_map_count: VMAs an mm may have */
	bool compact_unevictable_allowed;
	uint64_t events[NR_VM_EVENT_ITEMS];
	struct task_struct **tasks;   /* index = pid - 1 */
	unsigned int nr_tasks, cap_tasks;
	struct address_space **mappings; /* index = id - 1 */
	unsigned int nr_mappings, cap_mappings;
	struct shm_segment *shms;     /* index = shmid - 1 */
	unsigned int nr_shms, cap_shms;
	struct user_locked *user_locked;
	unsigned int nr_user_locked;
	struct mem_cgroup **memcgs;   /* index = id; [0] is the root */
	unsigned int nr_memcgs;
	int cur_memcg;                /* the memcg of the task making the call */
	unsigned int swappiness;
	uint64_t swap_total, swap_used; /* slots, pages */
	struct swap_cluster **swap_clusters; /* slots by SWAPFILE_CLUSTER, each allocated
	                                      * when a slot in it is first used */
	uint64_t swap_next;           /* next slot to try */
	struct anon_vma **anon_vmas;  /* index = id - 1 */
	unsigned int nr_anon_vmas, cap_anon_vmas;
	uint64_t rmap_visits;         /* VMAs looked at by rmap walks (bench) */
	struct hstate hstate;         /* the hugetlb pool (hugetlb.c) */
	unev_trace_fn trace;
	void *trace_ctx;
};

/* lru_cache_disabled (mm/swap.c) */
static inline bool lru_cache_disabled(const struct unev_machine *m)
{
	return m->lru_disable_count != 0;
}

/* unev_refuse: the call met something the model does not model
 * (m->not_modelled, "WHY is not modelled yet"); the first reason is kept
 * and the run stops after the call (exit 2). */
static inline void unev_refuse(struct unev_machine *m, const char *why)
{
	if (!m->not_modelled)
		m->not_modelled = why;
}

/* ---- page_alloc.c ---- */
static inline uint32_t page_to_pfn(const struct unev_machine *m, const struct page *p)
{
	return (uint32_t)(p - m->memmap);
}
static inline struct page *pfn_to_page(struct unev_machine *m, uint32_t pfn)
{
	return &m->memmap[pfn];
}
static inline unsigned long folio_nr_pages(const struct folio *f)
{
	return 1UL << f->order;
}
/* page_folio: a tail page's folio is its head's (compound_head) */
static inline struct folio *page_folio(struct unev_machine *m, uint32_t pfn)
{
	struct page *p = pfn_to_page(m, pfn);

	return (p->flags & PG_tail) ? pfn_to_page(m, p->lru_next) : p;
}
static inline bool folio_test_large(const struct folio *f)
{
	return f->order > 0;
}
int page_alloc_init(struct unev_machine *m);
void page_alloc_exit(struct unev_machine *m);
struct folio *folio_alloc(struct unev_machine *m, int node, unsigned int order);
/* A page for a user mapping or the page cache: watermarks (kswapd, direct
 * reclaim) and the current memcg's charge; NULL when neither can help. */
struct folio *alloc_user_folio(struct unev_machine *m, int node);
struct folio *alloc_user_folio_bound(struct unev_machine *m, int node);
struct folio *alloc_migration_target(struct unev_machine *m, int node);
/* The node of a CPU (the VM's qemu topology) and of the current call's. */
int cpu_to_node(const struct unev_machine *m, unsigned int cpu);
int numa_node_id(const struct unev_machine *m);
void setup_per_zone_wmarks(struct unev_machine *m);
void free_folio(struct unev_machine *m, struct folio *f);
struct folio *prep_new_folio(struct unev_machine *m, uint32_t pfn, unsigned int order, int node);
void isolate_free_page(struct unev_machine *m, int node, uint32_t pfn, unsigned int order);
void release_free_page(struct unev_machine *m, int node, uint32_t pfn, unsigned int order);

/* ---- migrate.c, compaction.c ---- */
void migrate_refuse_large(struct unev_machine *m, const struct folio *f);
int migrate_pages_batch(struct unev_machine *m, uint32_t *pfns, unsigned int *nr,
			struct folio *(*get_new)(struct unev_machine *m, void *arg), void *arg,
			uint64_t *succeeded);

/* ---- swap.c: LRU ---- */
static inline bool folio_test(const struct folio *f, uint32_t flag)
{
	return (f->flags & flag) != 0;
}
static inline void folio_set(struct folio *f, uint32_t flag) { f->flags |= flag; }
static inline void folio_clear(struct folio *f, uint32_t flag) { f->flags &= ~flag; }
static inline bool folio_test_clear(struct folio *f, uint32_t flag)
{
	bool was = folio_test(f, flag);
	f->flags &= ~flag;
	return was;
}
static inline bool folio_test_set(struct folio *f, uint32_t flag)
{
	bool was = folio_test(f, flag);
	f->flags |= flag;
	return was;
}
static inline bool folio_test_anon(const struct folio *f) { return folio_test(f, PG_anon); }
static inline unsigned int folio_mlock_count(const struct folio *f) { return f->lru_prev; }
static inline void folio_set_mlock_count(struct folio *f, unsigned int c) { f->lru_prev = c; }

struct address_space *folio_mapping(struct unev_machine *m, const struct folio *f);
bool folio_evictable(struct unev_machine *m, const struct folio *f);
void folio_add_lru(struct unev_machine *m, struct folio *f);
void lru_add_folios(struct unev_machine *m, struct folio **folios, unsigned int nr);
void folio_add_lru_vma(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma);
void lru_add_drain_cpu(struct unev_machine *m, unsigned int cpu);
/* folio_deactivate (MADV_COLD) and folio_mark_lazyfree (MADV_FREE): queued
 * in this CPU's batch, moved when it fills or at the next drain. */
void folio_deactivate(struct unev_machine *m, struct folio *f);
void folio_mark_accessed(struct unev_machine *m, struct folio *f);
void folio_mark_lazyfree(struct unev_machine *m, struct folio *f);
/* folio_mark_accessed: referenced, then active (through this CPU's
 * lru_activate batch, or at once in its lru_add batch) */
void folio_mark_accessed(struct unev_machine *m, struct folio *f);
void lru_add_drain(struct unev_machine *m);
void lru_add_drain_all(struct unev_machine *m);
void lru_cache_disable(struct unev_machine *m);
void lru_cache_enable(struct unev_machine *m);
bool folio_batch_add(struct unev_machine *m, struct folio_batch *b, uint32_t pfn, uint8_t tag);
/* The design in force (machine design=): 5.18+, 2.6.28-5.17, or older. */
static inline bool design_mlock_count(const struct unev_machine *m)
{
	return m->cfg.design == UNEV_DESIGN_MLOCK_COUNT;
}
static inline bool design_rmap_walk(const struct unev_machine *m)
{
	return m->cfg.design == UNEV_DESIGN_RMAP_WALK;
}
static inline bool design_none(const struct unev_machine *m)
{
	return m->cfg.design == UNEV_DESIGN_NONE;
}
static inline void count_vm_events(struct unev_machine *m, enum vm_event_item item, long n)
{
	m->events[item] += (uint64_t)n;
}
/* A node (zone) gauge, folded at once: as read after stat_refresh. */
static inline void node_stat_mod(struct unev_machine *m, int node, int64_t *field, long n)
{
	(void)m;
	(void)node;
	*field += n;
}
void __folio_put(struct unev_machine *m, struct folio *f);
static inline void folio_get(struct folio *f)
{
	f->refcount++;
}
/* folio_put: the last reference frees the folio (__folio_put). */
static inline void folio_put(struct unev_machine *m, struct folio *f)
{
	assert(f->refcount > 0);
	if (--f->refcount == 0)
		__folio_put(m, f);
}
void trace_event(struct unev_machine *m, enum unev_event_type type, int lru, unsigned int nr,
		 unsigned int nr_reclaimed, const char *why);
void trace_vmscan(struct unev_machine *m, int lru, unsigned int scanned, unsigned int reclaimed,
		  unsigned int culled, const char *why);
void __trace_lru_move(struct unev_machine *m, struct folio *f, int from, int to, const char *why);
/* The one tracing hook: a test and a branch when nobody listens. */
static inline void trace_lru_move(struct unev_machine *m, struct folio *f, int from, int to,
				  const char *why)
{
	if (m->trace)
		__trace_lru_move(m, f, from, to, why);
}

/* mm_inline.h: list choice and list membership, inline as in the kernel. */
/* folio_lru_list (mm_inline.h) */
static inline int folio_lru_list(const struct folio *f)
{
	int lru;

	if (folio_test(f, PG_unevictable))
		return UNEV_LRU_UNEVICTABLE;
	lru = folio_test(f, PG_swapbacked) ? UNEV_LRU_INACTIVE_ANON : UNEV_LRU_INACTIVE_FILE;
	if (folio_test(f, PG_active))
		lru += 1;
	return lru;
}

static inline struct lruvec *mem_cgroup_lruvec(struct unev_machine *m, int memcg, int node)
{
	return memcg == 0 ? &m->nodes[node].lruvec : &m->memcgs[memcg]->lruvec[node];
}
static inline struct lruvec *folio_lruvec(struct unev_machine *m, const struct folio *f)
{
	return mem_cgroup_lruvec(m, f->memcg, f->node);
}
bool mem_cgroup_is_descendant(const struct unev_machine *m, int memcg, int root);
static inline void lruvec_add_folio(struct unev_machine *m, struct lruvec *lv, struct folio *f,
		      const char *why)
{
	int lru = folio_lru_list(f);
	struct lru_list_head *l = &lv->lists[lru];
	uint32_t pfn = page_to_pfn(m, f);

	l->nr += folio_nr_pages(f);
	m->nodes[f->node].nr_lru[lru] += folio_nr_pages(f);
	trace_lru_move(m, f, UNEV_LRU_NONE, lru, why);
	/* 5.18+: the unevictable list is a count; before, a real list */
	if (lru == UNEV_LRU_UNEVICTABLE && m->cfg.design == UNEV_DESIGN_MLOCK_COUNT) {
		f->lru_next = 2;	/* the even filler over lru.next */
		return;
	}
	f->lru_prev = PFN_NIL;
	f->lru_next = l->head;
	if (l->head != PFN_NIL)
		pfn_to_page(m, l->head)->lru_prev = pfn;
	else
		l->tail = pfn;
	l->head = pfn;
}

static inline void lruvec_del_folio(struct unev_machine *m, struct lruvec *lv, struct folio *f,
		      const char *why)
{
	int lru = folio_lru_list(f);
	struct lru_list_head *l = &lv->lists[lru];

	l->nr -= folio_nr_pages(f);
	m->nodes[f->node].nr_lru[lru] -= folio_nr_pages(f);
	trace_lru_move(m, f, lru, UNEV_LRU_NONE, why);
	if (lru == UNEV_LRU_UNEVICTABLE && m->cfg.design == UNEV_DESIGN_MLOCK_COUNT) {
		f->lru_next = f->lru_prev = PFN_NIL;
		return;
	}
	if (f->lru_prev != PFN_NIL)
		pfn_to_page(m, f->lru_prev)->lru_next = f->lru_next;
	else
		l->head = f->lru_next;
	if (f->lru_next != PFN_NIL)
		pfn_to_page(m, f->lru_next)->lru_prev = f->lru_prev;
	else
		l->tail = f->lru_prev;
	f->lru_next = f->lru_prev = PFN_NIL;
}

/* ---- mlock.c ---- */
void mlock_folio(struct unev_machine *m, struct folio *f);
void mlock_new_folio(struct unev_machine *m, struct folio *f);
void munlock_folio(struct unev_machine *m, struct folio *f);
void mlock_drain_local(struct unev_machine *m);
void mlock_drain_cpu(struct unev_machine *m, unsigned int cpu);
void mlock_vma_folio(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma);
void munlock_vma_folio(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma);
bool mlock_future_ok(struct task_struct *t, uint64_t flags, uint64_t bytes);
/* 2.6.28-5.17 (design=rmap-walk): mlock_vma_page, munlock_vma_page,
 * munlock_vma_pages_range with its pagevec of 15, clear_page_mlock. */
void mlock_vma_page(struct unev_machine *m, struct folio *f);
void munlock_vma_page(struct unev_machine *m, struct folio *f);
void munlock_vma_pages_range(struct unev_machine *m, struct vm_area_struct *vma,
			     uint64_t start, uint64_t end);
void clear_page_mlock(struct unev_machine *m, struct folio *f);
bool can_do_mlock(const struct task_struct *t);

/* ---- rmap.c ---- */
void folio_add_new_anon_rmap(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma, uint64_t addr);
void folio_add_anon_rmap_pte(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma);
void folio_dup_rmap_pte(struct unev_machine *m, struct folio *f, uint32_t pfn);
void folio_add_file_rmap_pte(struct unev_machine *m, struct folio *f, struct vm_area_struct *vma);
/* @pfn: the page the PTE maps (a page of @f) */
void folio_remove_rmap_pte(struct unev_machine *m, struct folio *f, uint32_t pfn,
			   struct vm_area_struct *vma);
int anon_vma_prepare(struct unev_machine *m, struct vm_area_struct *vma);
int anon_vma_add_vma(struct unev_machine *m, uint32_t id, struct vm_area_struct *vma);
/* anon_vma_clone: @dst joins every anon_vma of @src's chain. */
int anon_vma_clone(struct unev_machine *m, struct vm_area_struct *dst,
		   const struct vm_area_struct *src);
/* anon_vma_fork: the child's VMA joins the parent's chain and gets its own. */
int anon_vma_fork(struct unev_machine *m, struct vm_area_struct *child,
		  const struct vm_area_struct *parent);
void unlink_anon_vmas(struct unev_machine *m, struct vm_area_struct *vma);
void anon_vmas_free(struct unev_machine *m);
/* rmap_walk: call @fn for every PTE that maps @f (anon_vma or i_mmap);
 * fn returns nonzero to stop.  Returns what stopped it, or 0. */
typedef int (*rmap_one_fn)(struct unev_machine *m, struct folio *f,
			   struct vm_area_struct *vma, uint64_t addr, uint64_t *pte, void *arg);
int rmap_walk(struct unev_machine *m, struct folio *f, rmap_one_fn fn, void *arg);
/* rmap_walk meeting every PTE that maps a page of @f (page_vma_mapped_walk
 * over a large folio); rmap_walk looks for its first page only. */
int rmap_walk_every_pte(struct unev_machine *m, struct folio *f, rmap_one_fn fn, void *arg);

/* ---- memory.c: page tables, faults, zap, populate ---- */
uint64_t *pte_lookup(struct mm_struct *mm, uint64_t addr, bool alloc);
void free_pgtables(struct mm_struct *mm);
int handle_mm_fault(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr, bool write);
void zap_page_range(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start, uint64_t end);
void zap_swap_pte(struct unev_machine *m, struct vm_area_struct *vma, uint64_t *pte);
int populate_vma_page_range(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start, uint64_t end);
/* Map a page-cache folio at @pte (set_pte_range + folio_add_file_rmap_ptes). */
void map_file_folio(struct unev_machine *m, struct vm_area_struct *vma, struct folio *f,
		    uint64_t *pte, bool writable);
/* migrate.c: isolated folios on their way to one node (migrate_pages) */
struct migrate_list {
	uint32_t *pfn;
	size_t nr;
	int node;
	uint64_t succeeded, failed;
	int err;		/* -ENOMEM from migrate_pages: the call fails */
};
void move_pages_to_node(struct unev_machine *m, struct migrate_list *l);

/* driver.c */
bool vma_is_driver(const struct vm_area_struct *vma);
int driver_mmap(struct unev_machine *m, struct vm_area_struct *vma);
int driver_populate(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
		    uint64_t end);
void driver_dup(struct vm_area_struct *dst, const struct vm_area_struct *src);
void driver_unmap(struct vm_area_struct *vma);
void driver_smaps(const struct vm_area_struct *vma, uint64_t *resident, uint64_t *pss,
		  uint64_t *shared, uint64_t *private);

/* secretmem.c */
bool vma_is_secretmem(const struct vm_area_struct *vma);
int secretmem_fault(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
		    uint64_t *pte, bool write);
void secretmem_release(struct unev_machine *m, struct address_space *as);
int secretmem_mmap(struct unev_machine *m, struct task_struct *t, uint64_t len,
		   uint64_t *vm_flags);
void zap_page_range_single(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
			   uint64_t end);
int __mm_populate(struct unev_machine *m, struct task_struct *t, uint64_t start, uint64_t len, bool ignore_errors);
/* Visit each present PTE of [start, end): fn returns nonzero to stop. */
typedef int (*pte_visit_fn)(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr, uint64_t *pte, void *arg);
int walk_page_range(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start, uint64_t end, pte_visit_fn fn, void *arg);
/* The same, visiting swap entries too (zap, fork, smaps Swap). */
int walk_page_range_all(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start, uint64_t end, pte_visit_fn fn, void *arg);
static inline uint32_t pte_pfn(uint64_t pte) { return (uint32_t)(pte >> PAGE_SHIFT); }

/* ---- mmap.c, vma.c, mprotect.c, mremap.c, madvise.c: VMAs ---- */
struct mm_struct *mm_alloc(void);
struct vm_area_struct *vm_area_alloc(struct mm_struct *mm);
void vm_area_free(struct unev_machine *m, struct vm_area_struct *vma);
int vma_link_file(struct unev_machine *m, struct vm_area_struct *vma);
int vma_insert(struct mm_struct *mm, struct vm_area_struct *vma);
int vma_insert_at(struct mm_struct *mm, unsigned int idx, struct vm_area_struct *vma);
/* munlock_vma_pages_all of each VM_LOCKED VMA in [start, end) (before 5.18) */
void munlock_before_unmap(struct unev_machine *m, struct mm_struct *mm, uint64_t start, uint64_t end);
int get_unmapped_area(struct mm_struct *mm, uint64_t len, uint64_t *addr);
/* calc_vm_prot_bits: PROT_* to VM_* */
static inline uint64_t calc_vm_prot_bits(int prot)
{
	return (prot & UNEV_PROT_READ ? VM_READ : 0) | (prot & UNEV_PROT_WRITE ? VM_WRITE : 0) |
	       (prot & UNEV_PROT_EXEC ? VM_EXEC : 0);
}
void mm_destroy(struct unev_machine *m, struct mm_struct *mm);
int dup_mmap(struct unev_machine *m, struct mm_struct *old, struct mm_struct *mm);
struct vm_area_struct *find_vma(struct mm_struct *mm, uint64_t addr);
int find_vma_index(struct mm_struct *mm, uint64_t addr);
int vma_split(struct unev_machine *m, struct mm_struct *mm, unsigned int idx, uint64_t addr);
int do_mmap(struct unev_machine *m, struct task_struct *t, uint64_t addr, uint64_t len, int prot, int flags,
	    struct address_space *file, bool fmode_write, uint64_t off, int shm_id,
	    uint64_t *result);
/* mm_counter: RssAnon, RssShmem or RssFile by the folio's kind. */
static inline void mm_counter_inc(struct mm_struct *mm, const struct folio *f, int64_t n)
{
	if (folio_test_anon(f))
		mm->rss_anon += (uint64_t)n;
	else if (folio_test(f, PG_swapbacked))
		mm->rss_shmem += (uint64_t)n;
	else
		mm->rss_file += (uint64_t)n;
}
/* vma_modify: split (or merge) so one VMA is [start, end) with @flags;
 * @target, the flags it will end with, decides whether the kernel would
 * merge instead of split (vm.max_map_count).  NULL: -ENOMEM. */
struct vm_area_struct *vma_modify_flags(struct unev_machine *m, struct mm_struct *mm, struct vm_area_struct *vma, uint64_t start, uint64_t end, uint64_t flags, uint64_t target);
struct vm_area_struct *vma_modify_policy(struct unev_machine *m, struct mm_struct *mm,
					 struct vm_area_struct *vma, uint64_t start,
					 uint64_t end, unsigned int bind_node1);
void vma_try_merge_around(struct unev_machine *m, struct mm_struct *mm, unsigned int idx);
/* find_mergeable_anon_vma: a neighbour's anon_vma @vma may share, or 0. */
uint32_t find_mergeable_anon_vma(struct vm_area_struct *vma);
int do_munmap(struct unev_machine *m, struct task_struct *t, uint64_t start, uint64_t len);
bool vma_is_accessible(const struct vm_area_struct *vma);
bool vma_supports_mlock(const struct vm_area_struct *vma);
static inline uint64_t vma_pages(const struct vm_area_struct *vma)
{
	return (vma->vm_end - vma->vm_start) >> PAGE_SHIFT;
}

/* ---- filemap.c, shmem.c, ramfs.c: the page cache ---- */
struct address_space *mapping_create(struct unev_machine *m, enum mapping_kind kind,
				     uint64_t size, const char *name);
struct address_space *shmem_object_create(struct unev_machine *m, uint64_t size);
void mapping_get(struct address_space *as);
void mapping_put(struct unev_machine *m, struct address_space *as);
int i_mmap_insert(struct address_space *as, struct vm_area_struct *vma);
void i_mmap_remove(struct address_space *as, struct vm_area_struct *vma);
/* filemap_get_folio with FGP_CREAT: find or allocate the folio at @index
 * (a new one goes to the page cache and the lru_add batch). */
int filemap_get_folio(struct unev_machine *m, struct address_space *as, uint64_t index,
		      bool create, struct folio **out);
void filemap_delete_folio(struct unev_machine *m, struct address_space *as, uint64_t index);
void truncate_inode_pages_range(struct unev_machine *m, struct address_space *as,
				uint64_t start, uint64_t end);
struct address_space *file_lookup(struct unev_machine *m, int ino);
int vfs_fallocate_punch_hole(struct unev_machine *m, struct address_space *as, uint64_t off,
			     uint64_t len);
void unmap_mapping_range(struct unev_machine *m, struct address_space *as, uint64_t start,
			 uint64_t end, bool even_cows);
int page_cache_prepare(struct address_space *as, uint64_t index);
void cache_entry_store(struct address_space *as, uint64_t index, uint32_t e);
uint64_t cache_next_chunk(const struct address_space *as, uint64_t index);
void page_cache_free(struct address_space *as);
/* xa_load: the entry at @index, PFN_NIL past the end or in a chunk never used. */
static inline uint32_t cache_entry(const struct address_space *as, uint64_t index)
{
	const uint32_t *chunk;

	if (index >= as->nr_slots)
		return PFN_NIL;
	chunk = as->chunks[index >> CACHE_CHUNK_SHIFT];
	return chunk ? chunk[index & (CACHE_CHUNK - 1)] : PFN_NIL;
}
static inline bool cache_entry_is_folio(uint32_t e)
{
	return !(e & SHMEM_SWAP_ENTRY);	/* PFN_NIL has the bit too */
}
static inline bool cache_entry_is_swap(uint32_t e)
{
	return e != PFN_NIL && (e & SHMEM_SWAP_ENTRY);
}
static inline bool mapping_unevictable(const struct address_space *as)
{
	return as && (as->flags & AS_UNEVICTABLE);
}
static inline void mapping_set_unevictable(struct address_space *as)
{
	as->flags |= AS_UNEVICTABLE;
}
static inline void mapping_clear_unevictable(struct address_space *as)
{
	as->flags &= ~AS_UNEVICTABLE;
}
int shmem_lock(struct unev_machine *m, struct task_struct *t, struct address_space *as,
	       bool lock, unsigned int uid);
void shmem_unlock_mapping(struct unev_machine *m, struct address_space *as);
void shm_vma_open(struct unev_machine *m, struct vm_area_struct *vma);
void shm_vma_close(struct unev_machine *m, struct vm_area_struct *vma);

/* ---- hugetlb.c: the huge page pool and hugetlb mappings ---- */
int hugetlb_sysctl_nr_hugepages(struct unev_machine *m, uint64_t count);
void hugetlb_exit(struct unev_machine *m);
/* hugetlb_file_setup: a hugetlbfs inode of @size (huge-aligned) bytes;
 * @reserve: take its reservation now (SHM_HUGETLB) or -ENOMEM. */
int hugetlb_file_setup(struct unev_machine *m, uint64_t size, const char *name, bool reserve,
		       struct address_space **out);
/* hugetlbfs_file_mmap's part: VM_HUGETLB | VM_DONTEXPAND and the
 * reservation of the new VMA (hugetlb_reserve_pages), or -ENOMEM. */
int hugetlb_reserve_vma(struct unev_machine *m, struct vm_area_struct *vma);
int hugetlb_fault(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr, bool write);
void hugetlb_zap_range(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
		       uint64_t end);
/* copy_hugetlb_page_range of a shared VMA at fork: the child maps the
 * same huge pages (a private VMA's COW is not modelled: nothing copied). */
void hugetlb_copy_range(struct unev_machine *m, struct vm_area_struct *dst,
			struct vm_area_struct *src);
/* remove_inode_hugepages + hugetlb_unreserve_pages: the inode is evicted. */
void hugetlb_inode_release(struct unev_machine *m, struct address_space *as);
/* smaps_hugetlb_range over a VMA: bytes mapped once and more than once. */
void hugetlb_smaps(const struct unev_machine *m, struct vm_area_struct *vma, uint64_t *private_b,
		   uint64_t *shared_b);
static inline bool is_vm_hugetlb_page(const struct vm_area_struct *vma)
{
	return (vma->vm_flags & VM_HUGETLB) != 0;
}

/* ---- huge_memory.c: anonymous transparent huge pages (PMD-sized) ---- */
#define HPAGE_PMD_NR HPAGE_NR_PAGES
#define HPAGE_PMD_ORDER HPAGE_ORDER
/* A fault at @addr that a PMD-mapped THP may take (do_huge_pmd_anonymous_page):
 * 0 done, 1 fall back to small pages, -errno. */
int do_huge_pmd_anonymous_page(struct unev_machine *m, struct vm_area_struct *vma,
			       uint64_t addr, bool write);
/* do_huge_pmd_wp_page: a write to a write-protected PMD mapping (the huge
 * zero page, a THP shared by fork); 0 done, 1 fall back (the PMD was split). */
int huge_pmd_write_fault(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr);
/* __split_huge_pmd: the PMD mapping @addr (if it is one) becomes 512 PTEs. */
void split_huge_pmd_address(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr);
/* copy_huge_pmd (fork): the child's PMD maps the same THP (or huge zero
 * page), both write-protected when @cow. */
void copy_huge_pmd(struct unev_machine *m, struct mm_struct *dst_mm, uint64_t *dpte,
		   uint64_t *spte, bool cow);
/* zap_huge_pmd: the PMD whose first PTE is @pte goes whole. */
void zap_huge_pmd(struct unev_machine *m, struct vm_area_struct *vma, uint64_t *pte);
/* The @nr PTEs of a PTE-mapped large folio from page @pfn being removed:
 * rmap, counters, and the deferred split queue when it stays partly mapped. */
void folio_remove_rmap_ptes(struct unev_machine *m, struct folio *f, uint32_t pfn,
			    unsigned int nr, struct vm_area_struct *vma);
/* folio_dup_rmap_ptes (fork): one more PTE mapping of page @pfn of large @f. */
void folio_dup_large_rmap_pte(struct unev_machine *m, struct folio *f, uint32_t pfn);
/* folio_precise_page_mapcount: the PTEs and PMDs that map page @pfn of @f. */
int32_t folio_precise_page_mapcount(const struct unev_machine *m, const struct folio *f,
				    uint32_t pfn);
/* folio_add_file_rmap_ptes: @nr PTEs of a large page-cache folio added,
 * from page @pfn. */
void folio_add_file_rmap_ptes(struct unev_machine *m, struct folio *f, uint32_t pfn,
			      unsigned int nr, struct vm_area_struct *vma);
/* do_set_pmd: map a PMD-sized page-cache folio by the PMD at @haddr; 0
 * done, 1 fall back to PTEs. */
int do_set_pmd(struct unev_machine *m, struct vm_area_struct *vma, uint64_t haddr,
	       struct folio *f, bool write);
/* The PTE table of @haddr, NULL when none; *none also when it maps nothing
 * (the kernel frees an emptied table with its range: pmd_none). */
uint64_t *pmd_table(struct mm_struct *mm, uint64_t haddr, bool *none);
/* folio_pte_batch: PTEs from @pte (at most @max) mapping @f's consecutive pages. */
unsigned int folio_pte_batch(struct unev_machine *m, const struct folio *f, const uint64_t *pte,
			     unsigned int max);
/* A large folio's pages become tails of its head (prep_compound_page); and back. */
void prep_compound_page(struct unev_machine *m, struct folio *f);
void free_compound_tails(struct unev_machine *m, struct folio *f);
/* thp_vma_allowable_order: may the PMD-sized range of @addr hold a THP? */
bool thp_vma_allowable(const struct unev_machine *m, const struct vm_area_struct *vma,
		       uint64_t addr);
int madvise_hugepage(struct unev_machine *m, struct mm_struct *mm, struct vm_area_struct *vma,
		     uint64_t start, uint64_t end, int advice);
/* split_huge_page_to_list_to_order(order 0) of an anonymous THP the caller
 * holds one reference to: 0, its pages are small folios (@isolated: each
 * tail with a reference of its own and off the LRU, for reclaim's list);
 * -EAGAIN (thp_split_page_failed) when someone else holds it; -EOPNOTSUPP
 * for what the model does not split (page cache, swap cache). */
int split_folio(struct unev_machine *m, struct folio *f, bool isolated);
/* A folio leaves the deferred split queue (split, freed, or scanned whole). */
void deferred_split_dequeue(struct unev_machine *m, struct folio *f);
/* shrink_slab's call of the deferred split shrinker for one memcg on one
 * node at @priority (do_shrink_slab). */
void shrink_deferred_split(struct unev_machine *m, int memcg, int node, int priority);
/* folio_referenced of an anonymous large folio: VMAs with a young PTE of it. */
int folio_referenced_large(struct unev_machine *m, struct folio *f, uint64_t *vm_flags);
/* try_to_unmap of a lazyfree anonymous large folio: 0 discarded, 1 kept. */
int try_to_unmap_large_lazyfree(struct unev_machine *m, struct folio *f);
/* folio_maybe_mapped_shared of a large folio (madvise leaves those alone) */
bool folio_large_maybe_shared(struct unev_machine *m, struct folio *f);
bool thp_reclaim_splits_first(struct unev_machine *m, struct folio *f);
/* The PTE table of the 2 MiB at @haddr; *none when there is none or it
 * maps nothing. */
uint64_t *pmd_table(struct mm_struct *mm, uint64_t haddr, bool *none);
/* A new THP mapped by the PMD whose first PTE is @pte (rmap, LRU or mlock,
 * RssAnon). */
void map_anon_folio_pmd(struct unev_machine *m, struct vm_area_struct *vma, uint64_t haddr,
			uint64_t *pte, struct folio *f);

/* ---- khugepaged.c: MADV_COLLAPSE ---- */
/* madvise_collapse of [start, end) inside @vma: 0 or -EINVAL/ENOMEM/EBUSY/
 * EAGAIN as the kernel answers; -EOPNOTSUPP where the model stops. */
int madvise_collapse(struct unev_machine *m, struct vm_area_struct *vma, uint64_t start,
		     uint64_t end);
/* 5.10 (design rmap-walk): follow_trans_huge_pmd with FOLL_MLOCK mlocks the
 * THP the PMD from @pte maps, if nothing else maps it (mlock_vma_page). */
void follow_trans_huge_pmd_mlock(struct unev_machine *m, struct vm_area_struct *vma,
				 const uint64_t *pte);

/* ---- memcontrol.c ---- */
int mem_cgroup_init(struct unev_machine *m);
void mem_cgroup_exit(struct unev_machine *m);
/* Charge a new folio to the current memcg: reclaim there when over its
 * limit, then its OOM killer; -ENOMEM if nothing helps. */
int mem_cgroup_charge(struct unev_machine *m, struct folio *f);
/* The charge of a kernel allocation (a page table): reclaim and OOM as for
 * a folio, but not counted in usage (user pages only). */
int mem_cgroup_charge_kmem(struct unev_machine *m, uint64_t nr);
void mem_cgroup_uncharge(struct unev_machine *m, struct folio *f);
/* The memcgs of @root's subtree in mem_cgroup_iter's (pre-)order; returns
 * how many (order has room for nr_memcgs). */
unsigned int mem_cgroup_walk_order(const struct unev_machine *m, int root, int *order);

/* ---- swap slots (mm/swapfile.c) ---- */
int swap_slot_alloc(struct unev_machine *m, struct folio *f, uint64_t *entry);
void swap_slot_unused(struct unev_machine *m, struct folio *f, uint64_t entry);
void swap_entry_free(struct unev_machine *m, uint64_t entry);
int do_swap_page(struct unev_machine *m, struct vm_area_struct *vma, uint64_t addr,
		 uint64_t *pte, bool write);
int shmem_writeout(struct unev_machine *m, struct folio *f);
int shmem_swapin(struct unev_machine *m, struct address_space *as, uint64_t index,
		 struct folio **out);
bool swap_cache_remove(struct unev_machine *m, struct folio *f, uint64_t entry);
void swap_entry_dup(struct unev_machine *m, uint64_t entry);
uint32_t swap_cache_lookup(const struct unev_machine *m, uint64_t slot);
uint32_t swap_count(const struct unev_machine *m, uint64_t slot);
void swap_exit(struct unev_machine *m);
int swap_init(struct unev_machine *m);

/* ---- vmscan.c ---- */
uint64_t do_try_to_free_pages(struct unev_machine *m, int node, int memcg,
			      uint64_t nr_to_reclaim, bool kswapd);
void wakeup_kswapd(struct unev_machine *m, int node);
struct folio_ref_batch {
	unsigned int nr;
	struct folio *folios[FOLIO_BATCH_SIZE];
};
void check_move_unevictable_folios(struct unev_machine *m, struct folio_ref_batch *fb);
/* reclaim_pages (MADV_PAGEOUT): shrink_folio_list of folios isolated by
 * the caller (a reference each), references ignored; the rest go back
 * through folio_putback_lru. */
void reclaim_pages(struct unev_machine *m, uint32_t *pfns, unsigned int nr);
/* folio_isolate_lru: off its list with a reference, or false. */
bool folio_isolate_lru(struct unev_machine *m, struct folio *f);

/* ---- task.c: task_lookup also makes the task "current": its CPU runs the call ---- */
struct task_struct *task_lookup(struct unev_machine *m, int pid);
/* The OOM killer's SIGKILL: the task exits at once. */
void task_kill(struct unev_machine *m, struct task_struct *t);
/* the OOM victim is the caller: dead now, its mm torn down by syscall_exit */
void task_kill_deferred(struct task_struct *t);
/* the end of every unev_sys_* call (exit_to_user_mode): deferred exits */
void syscall_exit(struct unev_machine *m);

#endif /* UNEV_MM_INTERNAL_H */
