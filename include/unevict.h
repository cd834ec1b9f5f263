/*
 * unevict.h - the public API of the unevict model.
 *
 * unevict is a user-space model of the Linux memory manager's Unevictable LRU
 * and mlock machinery (Documentation/mm/unevictable-lru.rst, Linux 6.18).
 * Everything hangs off one struct unev_machine: there is no global state, so
 * several machines can live in one process.
 *
 * Every function returns 0 or a negative errno (as the kernel does), unless
 * it says otherwise.  System calls are named unev_sys_<call> and take the
 * same arguments and flag values as their Linux counterparts, so an errno
 * from the model is comparable with one from the live kernel.
 */
#ifndef UNEVICT_H
#define UNEVICT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UNEV_VERSION "0.1.0"
#define UNEV_PAGE_SIZE 4096ULL
#define UNEV_PAGE_SHIFT 12
#define UNEV_RLIM_INFINITY UINT64_MAX
/* The number of folios a per-CPU folio batch holds (PAGEVEC_SIZE on 6.18). */
#define UNEV_FOLIO_BATCH_SIZE 31

struct unev_machine;

/* The three designs from kernel history (DESIGN.md "Designs"). */
enum unev_design {
	UNEV_DESIGN_MLOCK_COUNT = 0, /* 5.18+: mlock_count in the folio */
	UNEV_DESIGN_RMAP_WALK,       /* 2.6.28-5.17: munlock walks the rmap */
	UNEV_DESIGN_NONE,            /* before 2.6.28: no unevictable list */
};

struct unev_machine_config {
	unsigned int nodes;   /* NUMA nodes, 1..64 */
	uint64_t mem_bytes;   /* memory per node, bytes */
	unsigned int cpus;    /* simulated CPUs, 1..1024 */
	uint64_t swap_bytes;  /* swap space, 0 = none */
	enum unev_design design;
	/* The kernel release whose behaviours the model follows (profile.c):
	 * "5.10", "6.1", "6.12", "6.18" or "7.N".  NULL: the profile of
	 * @design (mlock-count 6.18, rmap-walk 5.10, none the pre-2.6.28
	 * kernel).  A release sets @design to its own. */
	const char *kernel;
	/* Whether a read fault on private anonymous memory maps the shared
	 * zero page (do_anonymous_page); false as on a host booted with
	 * pvm_no_zero_page=1, where it allocates a folio as a write would. */
	bool zero_page;
	/* Whether the memcgs are cgroup v2's: `unev_reclaim` of a memcg then
	 * follows a write to its memory.reclaim (memory_reclaim), else the
	 * lowering of a v1 limit (mem_cgroup_resize_max).  false by default. */
	bool memcg_v2;
	/* Transparent huge pages for anonymous memory
	 * (/sys/kernel/mm/transparent_hugepage/enabled): never, madvise (only
	 * MADV_HUGEPAGE ranges; the default) or always (huge_memory.c). */
	enum unev_thp { UNEV_THP_MADVISE = 0, UNEV_THP_NEVER, UNEV_THP_ALWAYS } thp;
};

/* 1 node, 1 GiB, 1 CPU, no swap, mlock-count, 6.18, the zero page
 * (SCENARIO.md defaults). */
void unev_machine_config_default(struct unev_machine_config *cfg);
int unev_machine_create(const struct unev_machine_config *cfg,
			struct unev_machine **out);
void unev_machine_destroy(struct unev_machine *m);
const char *unev_design_name(enum unev_design design);
/* Parse "mlock-count" / "rmap-walk" / "none"; -EINVAL if unknown. */
int unev_design_parse(const char *name, enum unev_design *out);

/* ---- kernel profiles (profile.c): the behaviours of one release ---- */
/* The profile of @release ("5.10", "6.1", "6.12", "6.18", "7.N"): 0 with
 * its design in *design (may be NULL), or -ENOENT. */
int unev_kernel_lookup(const char *release, enum unev_design *design);
/* The profile for a live kernel's `uname -r` (e.g. "6.18.44-fc-v595"): the
 * one of its series, or the nearest older one.  Writes the profile's name
 * to @name; returns 0 for the kernel's own series, 1 for a nearest older
 * one, -ENOENT when every profile is newer or @uname_release is no
 * release. */
int unev_kernel_for_release(const char *uname_release, char *name, size_t len);
/* The profile a machine runs (its name, e.g. "6.18", or "none"). */
const char *unev_machine_kernel(const struct unev_machine *m);
/* What the model met and cannot go on from (e.g. a THP reclaim would swap
 * out whole), NULL while it can: the caller stops the run there. */
const char *unev_not_modelled(const struct unev_machine *m);

/* ---- tasks (kernel/fork.c, kernel/exit.c) ---- */
struct unev_task_config {
	unsigned int cpu;      /* the CPU the task runs on */
	uint64_t memlock;      /* RLIMIT_MEMLOCK in bytes, or UNEV_RLIM_INFINITY */
	bool cap_ipc_lock;     /* holds CAP_IPC_LOCK */
	unsigned int uid;
	int memcg;             /* memcg id from unev_memcg_create, 0 = the root */
};
void unev_task_config_default(struct unev_task_config *cfg);
/* Creates a process with an empty address space; *pid receives its id. */
int unev_task_create(struct unev_machine *m, const struct unev_task_config *cfg,
		     int *pid);
bool unev_task_alive(const struct unev_machine *m, int pid);

/* ---- system calls: flag values are Linux's ---- */
#define UNEV_PROT_NONE 0x0
#define UNEV_PROT_READ 0x1
#define UNEV_PROT_WRITE 0x2
#define UNEV_PROT_EXEC 0x4

#define UNEV_MAP_SHARED 0x01
#define UNEV_MAP_PRIVATE 0x02
#define UNEV_MAP_DROPPABLE 0x08	/* 6.11+: a mapping type of its own */
#define UNEV_MAP_TYPE 0x0f
#define UNEV_MAP_FIXED 0x10
#define UNEV_MAP_ANONYMOUS 0x20
#define UNEV_MAP_LOCKED 0x2000
#define UNEV_MAP_POPULATE 0x8000
#define UNEV_MAP_HUGETLB 0x40000

#define UNEV_MLOCK_ONFAULT 0x01
#define UNEV_MCL_CURRENT 1
#define UNEV_MCL_FUTURE 2
#define UNEV_MCL_ONFAULT 4

#define UNEV_MREMAP_MAYMOVE 1
#define UNEV_MREMAP_FIXED 2
#define UNEV_MREMAP_DONTUNMAP 4

#define UNEV_MADV_NORMAL 0
#define UNEV_MADV_WILLNEED 3
#define UNEV_MADV_DONTNEED 4
#define UNEV_MADV_FREE 8
#define UNEV_MADV_REMOVE 9
#define UNEV_MADV_COLD 20
#define UNEV_MADV_PAGEOUT 21
#define UNEV_MADV_POPULATE_READ 22
#define UNEV_MADV_POPULATE_WRITE 23
#define UNEV_MADV_DONTNEED_LOCKED 24
#define UNEV_MADV_HUGEPAGE 14
#define UNEV_MADV_NOHUGEPAGE 15
#define UNEV_MADV_COLLAPSE 25
#define UNEV_MADV_GUARD_INSTALL 102	/* 6.13+ */
#define UNEV_MADV_GUARD_REMOVE 103

int unev_sys_mmap(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
		  int prot, int flags, uint64_t *result);
int unev_sys_munmap(struct unev_machine *m, int pid, uint64_t addr, uint64_t len);
int unev_sys_mlock(struct unev_machine *m, int pid, uint64_t addr, uint64_t len);
int unev_sys_mlock2(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
		    int flags);
int unev_sys_munlock(struct unev_machine *m, int pid, uint64_t addr, uint64_t len);
int unev_sys_mlockall(struct unev_machine *m, int pid, int flags);
int unev_sys_munlockall(struct unev_machine *m, int pid);
int unev_sys_mprotect(struct unev_machine *m, int pid, uint64_t addr,
		      uint64_t len, int prot);
int unev_sys_mremap(struct unev_machine *m, int pid, uint64_t old_addr,
		    uint64_t old_len, uint64_t new_len, int flags,
		    uint64_t new_addr, uint64_t *result);
int unev_sys_madvise(struct unev_machine *m, int pid, uint64_t addr,
		     uint64_t len, int advice);
/* brk(2) as the kernel implements it: returns the (new or old) break in *result.
 * newbrk 0 just reads the current break. */
int unev_sys_brk(struct unev_machine *m, int pid, uint64_t newbrk,
		 uint64_t *result);
int unev_sys_fork(struct unev_machine *m, int pid, int *child);
/* The task's stack grows down by @len bytes (whole pages), one page at a
 * time from the top, each written as a program's deeper frame would
 * (expand_downwards, then the fault).  A growth the kernel refuses
 * (RLIMIT_MEMLOCK of a VM_LOCKED stack, RLIMIT_STACK, the guard gap) is
 * SIGSEGV: -EFAULT, the pages grown before it kept.  *start, *end: the
 * stack VMA afterwards, also on failure (a one-page VMA at the first call). */
int unev_sys_grow_stack(struct unev_machine *m, int pid, uint64_t len, uint64_t *start,
			uint64_t *end);

#define UNEV_MAP_FIXED_NOREPLACE 0x100000
#define UNEV_MS_ASYNC 1
#define UNEV_MS_INVALIDATE 2
#define UNEV_MS_SYNC 4
#define UNEV_RLIMIT_MEMLOCK 8
/* mincore(2): *resident receives the pages reported resident; @vec, if not
 * NULL, one byte a page of the range as the kernel fills it.  On -ENOMEM
 * (a hole) the pages before it are reported. */
int unev_sys_mincore(struct unev_machine *m, int pid, uint64_t start, uint64_t len,
		     unsigned char *vec, uint64_t *resident);
/*
 * move_pages(2) by task @pid of its own pages (pid 0, flags 0), every page
 * that [start, start + len) touches, all to @node: *not_migrated receives
 * the call's value (pages that could not be moved); @status, if not NULL,
 * one int a page: its node, or the page's -errno (-ENOENT not present,
 * -EFAULT no VMA or the zero page, -EACCES mapped by another PTE too).
 * -ENODEV: no such node; -EOPNOTSUPP: a hugetlb page or a folio in the
 * swap cache, which the model does not migrate.  (mm/migrate.c)
 */
int unev_sys_move_pages(struct unev_machine *m, int pid, uint64_t start, uint64_t len, int node,
			int *status, uint64_t *not_migrated);
/* /proc/PID/numa_maps FIELD (N<node>, anon, dirty, mapped, active,
 * swapcache, mapmax, writeback) in pages, summed over every VMA that
 * overlaps [start, end); `mapped` and `active` are the counts even where
 * the kernel leaves them out for being equal to another.  -ENOENT for an
 * unknown field, -EOPNOTSUPP for a hugetlb VMA (not modelled). */
int unev_numa_maps_read(const struct unev_machine *m, int pid, uint64_t start, uint64_t end,
			const char *field, uint64_t *pages);
/* /proc/PID/pagemap of the pages of [start, end): frames[i] receives the
 * frame of page i, or UNEV_PFN_NONE when it is not present (absent or
 * swapped).  The model's frames are its own, not the live kernel's: only
 * comparisons of them mean anything.  -ESRCH: no such task. */
#define UNEV_PFN_NONE UINT64_MAX
int unev_pagemap_read(const struct unev_machine *m, int pid, uint64_t start, uint64_t end,
		      uint64_t *frames);
/* msync(2) with MS_ASYNC, MS_SYNC, MS_INVALIDATE. */
int unev_sys_msync(struct unev_machine *m, int pid, uint64_t start, uint64_t len, int flags);
/* setrlimit(2) and getrlimit(2) of RLIMIT_MEMLOCK (bytes, or
 * UNEV_RLIM_INFINITY; either pointer of getrlimit may be NULL); any other
 * resource is -EINVAL (not modelled).  Tasks lack CAP_SYS_RESOURCE: a
 * raised hard limit is -EPERM. */
int unev_sys_setrlimit(struct unev_machine *m, int pid, int resource, uint64_t cur,
		       uint64_t max);
int unev_sys_getrlimit(struct unev_machine *m, int pid, int resource, uint64_t *cur,
		       uint64_t *max);
int unev_sys_exit(struct unev_machine *m, int pid);
int unev_sys_exec(struct unev_machine *m, int pid);

/* ---- files and SysV shared memory (mm/filemap.c, mm/shmem.c, ipc/shm.c) ---- */
enum unev_fs {
	UNEV_FS_DISK = 0,  /* a regular file: ordinary, reclaimable page cache */
	UNEV_FS_TMPFS,     /* swap-backed page cache (anon LRU lists, Shmem) */
	UNEV_FS_RAMFS,     /* unevictable for the life of the inode */
};
/* A file of @size bytes (sparse: no page is cached yet); *ino names it in
 * the calls below.  @name is the path /proc/PID/smaps shows. */
int unev_file_create(struct unev_machine *m, const char *name, enum unev_fs fs,
		     uint64_t size, int *ino);
/* mmap of a file: as unev_sys_mmap, without MAP_ANONYMOUS, at offset @off. */
int unev_sys_mmap_file(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
		       int prot, int flags, int ino, uint64_t off, uint64_t *result);
/* memfd_secret(0), ftruncate to @len, mmap of it (@flags without
 * MAP_ANONYMOUS) and close, by task @pid, as one call: the first error
 * (ENOSYS where the kernel has no memfd_secret). */
int unev_sys_mmap_secretmem(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
			    int prot, int flags, uint64_t *result);
/* A device's buffer mapped by task @pid (@flags without MAP_ANONYMOUS):
 * UNEV_DRIVER_PERF is perf_event_open(2) of a software dummy event of the
 * task, an mmap of its ring buffer (1 + 2^n pages) and close;
 * UNEV_DRIVER_IO_URING is io_uring_setup(2) of 4 entries, an mmap of its
 * one-page SQ ring (IORING_OFF_SQ_RING) and close.  The VMA is VM_SPECIAL
 * (which flags, the kernel profile's): mlock leaves it as it is. */
#define UNEV_DRIVER_PERF 1
#define UNEV_DRIVER_IO_URING 2
int unev_sys_mmap_driver(struct unev_machine *m, int pid, int driver, uint64_t addr,
			 uint64_t len, int prot, int flags, uint64_t *result);
/* mbind(@addr, @len, MPOL_BIND, {@node}, @flags) by task @pid: the range's
 * VMAs bound to @node (later faults allocate there only); with
 * UNEV_MPOL_MF_MOVE its pages elsewhere migrate there, as move_pages'
 * do; UNEV_MPOL_MF_STRICT: EIO when a page stays elsewhere. */
#define UNEV_MPOL_MF_STRICT 0x1
#define UNEV_MPOL_MF_MOVE 0x2
int unev_sys_mbind(struct unev_machine *m, int pid, uint64_t addr, uint64_t len, int node,
		   unsigned int flags);
/* pread/pwrite of [off, off+len) through the page cache, by task @pid. */
int unev_sys_pread(struct unev_machine *m, int pid, int ino, uint64_t off, uint64_t len);
int unev_sys_pwrite(struct unev_machine *m, int pid, int ino, uint64_t off, uint64_t len);
int unev_sys_ftruncate(struct unev_machine *m, int pid, int ino, uint64_t size);
/* fallocate(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE) */
int unev_sys_punch_hole(struct unev_machine *m, int pid, int ino, uint64_t off, uint64_t len);

#define UNEV_IPC_RMID 0
#define UNEV_SHM_LOCK 11
#define UNEV_SHM_UNLOCK 12
#define UNEV_SHM_RDONLY 010000
#define UNEV_SHM_HUGETLB 04000
/* shmget(IPC_PRIVATE, size, 0600) by a process of uid @uid; *shmid > 0. */
int unev_shm_create(struct unev_machine *m, uint64_t size, unsigned int uid, int *shmid);
/* The same with shmget's flags: 0 or UNEV_SHM_HUGETLB (huge pages from the
 * pool, reserved here: -ENOMEM when it is short). */
int unev_shmget(struct unev_machine *m, uint64_t size, unsigned int uid, int shmflg,
		int *shmid);
int unev_sys_shmat(struct unev_machine *m, int pid, int shmid, int shmflg, uint64_t *addr);
int unev_sys_shmdt(struct unev_machine *m, int pid, uint64_t addr);
int unev_sys_shmctl(struct unev_machine *m, int pid, int shmid, int cmd);

/* Access every page of [addr, addr+len) in order, as a program would: a
 * fault where needed.  -EFAULT if a page is not mapped or not accessible
 * (the program would take SIGSEGV); pages before it were touched. */
int unev_touch(struct unev_machine *m, int pid, uint64_t addr, uint64_t len,
	       bool write);

/* lru_add_drain_all(): empty every CPU's LRU and mlock batches. */
void unev_drain_all(struct unev_machine *m);

/* ---- reclaim and memory cgroups (mm/vmscan.c, mm/memcontrol.c) ---- */
/* Direct reclaim of @bytes from @node (-1: every node) and @memcg's subtree
 * (0: the whole machine), as try_to_free_pages / memory.reclaim would;
 * *reclaimed receives the pages reclaimed. */
int unev_reclaim(struct unev_machine *m, uint64_t bytes, int node, int memcg,
		 uint64_t *reclaimed);
/* Full compaction of @node's memory (-1: every node), as a write to
 * /proc/sys/vm/compact_memory or the node's `compact` file, by a process
 * on CPU 0; vm.compact_unevictable_allowed says whether mlocked and other
 * unevictable folios move.  (mm/compaction.c) */
int unev_compact(struct unev_machine *m, int node);
/* A memcg under @parent (0 = the root) with a limit in bytes
 * (UNEV_RLIM_INFINITY: none); *id > 0. */
int unev_memcg_create(struct unev_machine *m, const char *name, int parent, uint64_t limit,
		      int *id);
/* memory.stat (cgroup v1 names: inactive_anon ... unevictable, in bytes),
 * usage, hierarchical_memory_limit, oom_kill. */
int unev_memcg_stat_read(const struct unev_machine *m, int id, const char *name,
			 uint64_t *val);
/* The id of the memcg created with @name; -ENOENT if there is none. */
int unev_memcg_find(const struct unev_machine *m, const char *name, int *id);
char *unev_proc_memcg_stat(const struct unev_machine *m, int id);
/* vm sysctls: swappiness, min_free_kbytes, compact_unevictable_allowed, max_map_count,
 * nr_hugepages (the huge page pool: as many as the buddy allocator gives). */
int unev_sysctl_set(struct unev_machine *m, const char *name, uint64_t value);

/* ---- observation: the values the kernel's /proc files print ---- */
/* /proc/vmstat field, in pages or events. -ENOENT for an unknown name. */
int unev_vmstat_read(const struct unev_machine *m, const char *name,
		     uint64_t *val);
/* /proc/meminfo field, in kB. */
int unev_meminfo_read(const struct unev_machine *m, const char *name,
		      uint64_t *kb);
/* /proc/PID/status field (VmLck, VmSize, VmRSS, RssAnon...), in kB. */
int unev_status_read(const struct unev_machine *m, int pid, const char *name,
		     uint64_t *kb);
/* /proc/PID/smaps field summed over every VMA that overlaps [start, end),
 * each counted whole, in kB. */
int unev_smaps_read(const struct unev_machine *m, int pid, uint64_t start,
		    uint64_t end, const char *name, uint64_t *kb);
/* LRU list size in pages, summed over every lruvec: inactive_anon,
 * active_anon, inactive_file, active_file, unevictable. */
int unev_lru_read(const struct unev_machine *m, const char *name,
		  uint64_t *pages);
/* One node's share (/sys/devices/system/node/nodeN/vmstat): an LRU list
 * name as above or "nr_mlock", in pages; -ENOENT for no such node/name. */
int unev_node_read(const struct unev_machine *m, int node, const char *name,
		   uint64_t *pages);

/* The same text as the kernel's files, malloc'd (caller frees); NULL if the
 * task does not exist or on allocation failure. */
char *unev_proc_vmstat(const struct unev_machine *m);
char *unev_proc_meminfo(const struct unev_machine *m);
char *unev_proc_status(const struct unev_machine *m, int pid);
char *unev_proc_smaps(const struct unev_machine *m, int pid, uint64_t start,
		      uint64_t end);

/* ---- tracing: one hook, like a tracepoint; costs nothing when unset ---- */
enum unev_lru { /* enum lru_list order; UNEV_LRU_NONE = off any list */
	UNEV_LRU_INACTIVE_ANON = 0,
	UNEV_LRU_ACTIVE_ANON,
	UNEV_LRU_INACTIVE_FILE,
	UNEV_LRU_ACTIVE_FILE,
	UNEV_LRU_UNEVICTABLE,
	UNEV_NR_LRU_LISTS,
	UNEV_LRU_NONE = -1,
};
const char *unev_lru_name(int lru);

enum unev_event_type {
	UNEV_EV_LRU_MOVE,   /* a folio moved between lists (from/to may be NONE) */
	UNEV_EV_BATCH_DRAIN,/* a per-CPU batch was processed: nr folios */
	UNEV_EV_VMSCAN,     /* one shrink_*_list pass over list `from`:
			     * nr pages scanned, nr_reclaimed reclaimed */
	UNEV_EV_OOM_KILL,   /* the OOM killer killed task `nr` */
};
struct unev_event {
	enum unev_event_type type;
	uint32_t pfn;
	int from;            /* enum unev_lru */
	int to;              /* enum unev_lru */
	int cpu;
	unsigned int nr;     /* pages moved, or folios in the drained batch */
	unsigned int nr_reclaimed;
	unsigned int nr_culled;  /* vmscan: put back unevictable, to be culled */
	const char *why;     /* the kernel function responsible */
};
typedef void (*unev_trace_fn)(void *ctx, const struct unev_event *ev);
void unev_set_trace(struct unev_machine *m, unev_trace_fn fn, void *ctx);

/* Verify the model's invariants (list sizes equal gauges, no folio on two
 * lists, PG_unevictable never with PG_active, nr_mlock counts PG_mlocked,
 * mlock_count only on PG_mlocked unevictable folios and never above their
 * mappings, each memcg's usage recounted from its folios, locked_vm equals
 * the locked VMAs).  0 when all hold, else -EUCLEAN with a description in
 * buf. */
int unev_check_invariants(const struct unev_machine *m, char *buf, size_t len);

/* Resident memory of the model's own data (memmap and tables), bytes. */
uint64_t unev_machine_footprint(const struct unev_machine *m);
/* Work counters of the model itself (not /proc): "rmap_visits", the VMAs
 * looked at by reverse-map walks. */
int unev_machine_stat(const struct unev_machine *m, const char *name, uint64_t *val);

#ifdef __cplusplus
}
#endif
#endif /* UNEVICT_H */
