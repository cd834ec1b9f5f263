/*
 * native.h - the same scenario, run on the live kernel, and compared with
 * the model (`unevict conform`, issue #3; docs/CONFORM.md).
 *
 * Three pieces, each in its own file:
 * - live*.c:   the driver.  Every task is a real process (the static helper
 *              src/native/task/unevict_task.c) pinned to its CPU; the driver
 *              sends each call to its task and reads /proc for each
 *              expectation.  Linux only, root only.  live.c is the live
 *              backend of the one statement loop (src/scenario/exec.h) and
 *              its expectations and reclaim; live_task.c (processes, protocol), live_call.c
 *              (calls), live_files.c (files, shm, namespaces), live_memcg.c,
 *              live_quiet.c (quiet windows, census, witnesses),
 *              live_preflight.c, live_cleanup.c (the signal-safe tables).
 * The live side writes the same result records as the model
 * (src/scenario/record.h); src/conform/ compares them.
 * - proc.c:    parsing /proc text (vmstat, meminfo, status, smaps).
 * Everything but live*.c is pure, for the unit tests (tests/unit/test_native.c).
 */
#ifndef NATIVE_H
#define NATIVE_H

#include "record.h"
#include "scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- /proc text (proc.c) ---- */

/*
 * A field of /proc/vmstat ("name value"), /proc/meminfo or
 * /proc/PID/status ("Name:   value kB"): 0 with *value, or -ENOENT.
 */
int proc_field(const char *text, const char *name, int64_t *value);

/*
 * The chosen one of a sysfs choice ("always [madvise] never", THP's
 * enabled): 0 with it in out (len bytes), or -ENOENT (no brackets, or too
 * long).
 */
int proc_bracketed(const char *text, char *out, size_t len);

/*
 * The /proc/vmstat fields the mlock machinery moves (gauges and events):
 * while our tasks sit idle they must not move; if they do, someone else
 * is locking or unlocking memory right now (CONFORM.md "Noise").
 */
#define PROC_MLOCK_FIELDS 9
extern const char *const proc_mlock_fields[PROC_MLOCK_FIELDS];

/* A range [start, end) of addresses: a region's current span. */
struct proc_span {
	uint64_t start, end;
};

/* FIELD of /proc/PID/smaps summed over the VMAs that overlap [start, end),
 * each whole, kB.
 * 0, or -ENOENT when no VMA has the field (and none is inside: 0 kB). */
int proc_smaps_sum(const char *smaps, uint64_t start, uint64_t end,
		   const char *field, int64_t *sum);

/* The task's image: its VMAs that overlap no region (and below the gate
 * area, which /proc shows but total_vm does not count), in kB. */
struct proc_image {
	int64_t size_kb, rss_kb, anon_kb;
	int64_t locked_size_kb;	/* VMAs with VM_LOCKED ("lo" in VmFlags) */
	int64_t locked_rss_kb;	/* their resident pages */
	unsigned int vmas;
};
void proc_smaps_image(const char *smaps, const struct proc_span *regions,
		      size_t nr_regions, struct proc_image *image);

/*
 * /proc/PID/status fields whose image part proc_smaps_image() measures:
 * the live value minus it is the regions' own value.  false for fields
 * that cannot be split (the mlockall rule, CONFORM.md).
 */
bool proc_status_image_part(const char *field, const struct proc_image *image,
			    int64_t *part);

/*
 * A /proc/meminfo field no task image can move: the huge page pool's
 * (HugePages_*, Hugetlb, Hugepagesize): the helper maps no hugetlb page,
 * so an mlockall of its image leaves them exact.
 */
bool proc_meminfo_image_free(const char *field);

/* ---- /proc/kpageflags and /proc/kpagecgroup: memcg expectations ---- */

/*
 * memory.stat's LRU fields are rstat counters that a read flushes only
 * after enough updates (or every 2 s): they lag behind.  The live side
 * counts the pages themselves instead: every pfn's memcg (the inode of its
 * cgroup directory, /proc/kpagecgroup) and flags (/proc/kpageflags).
 */
#define PROC_NR_LRU 5
/* memory.stat's names, in the kernel's enum lru_list order */
extern const char *const proc_memcg_lru_names[PROC_NR_LRU];

/*
 * The LRU list of a page from its kpageflags word, as the kernel's
 * folio_lru_list() picks it (unevictable, else anon/file by swapbacked,
 * active or not), or -1 when it is on no list (PG_lru clear: in a per-CPU
 * batch, isolated, or not an LRU page at all).
 */
int proc_kpage_lru(uint64_t kpf);

/*
 * A page of user memory charged to a memcg: anonymous, page cache, shmem
 * (what the model charges), as opposed to the kernel memory a v1 memcg
 * is charged for too: page tables (KPF_PGTABLE), slab, kernel stacks and
 * other __GFP_ACCOUNT pages, which carry none of the flags of user memory.
 */
bool proc_kpage_user(uint64_t kpf);

/* What one memcg holds itself (not its descendants), in pages. */
struct proc_memcg_pages {
	uint64_t lru[PROC_NR_LRU];
	uint64_t user;
};

/* Add one page (its kpageflags word) to a memcg's tally. */
void proc_memcg_count(struct proc_memcg_pages *p, uint64_t kpf);

/*
 * `expect memcg NAME FIELD` in bytes, from the tallies: the LRU fields are
 * the memcg's own lists (memory.stat's non-total_ lines), `usage` its user
 * pages and its descendants' (subtree_user, in pages), as the page counter
 * is hierarchical.  0, or -ENOENT for another field.
 */
int proc_memcg_field(const struct proc_memcg_pages *own, uint64_t subtree_user,
		     const char *field, int64_t *bytes);

/*
 * The memory.limit_in_bytes, in pages, whose write makes the kernel
 * reclaim size pages (the live `reclaim SIZE memcg=NAME`, CONFORM.md).
 * usage (memory.usage_in_bytes) counts user pages, kernel memory
 * (memory.kmem.usage_in_bytes) and the per-CPU charge stock; the write
 * drains the stock first, then reclaims until usage <= the limit.  So the
 * limit is usage without the stock, minus size.  *stock gets the stock.
 */
uint64_t proc_reclaim_limit(uint64_t usage, uint64_t kmem, uint64_t user, uint64_t size,
			    uint64_t *stock);

/* ---- which memory cgroup hierarchy the live memcgs go in ---- */

enum proc_memcg_hier {
	PROC_MEMCG_V1 = 1,	/* the v1 memory controller at /sys/fs/cgroup/memory */
	PROC_MEMCG_V2 = 2,	/* the unified hierarchy at /sys/fs/cgroup */
};

#define PROC_MEMCG_V1_ROOT "/sys/fs/cgroup/memory"
#define PROC_MEMCG_V2_ROOT "/sys/fs/cgroup"

/* word is one of list's words (cgroup.controllers, cgroup.subtree_control:
 * blank-separated; a mount's options: comma-separated). */
bool proc_has_word(const char *list, const char *word, const char *separators);

/*
 * The hierarchy of the live memcgs, from /proc/self/mounts' text and the
 * cgroup2 root's cgroup.controllers (NULL: unreadable): the v1 memory
 * controller mounted at PROC_MEMCG_V1_ROOT, as before; else cgroup2 at
 * PROC_MEMCG_V2_ROOT with `memory` among its controllers (a controller
 * bound to a v1 hierarchy is not in cgroup2's: rebind_subsystems moves it
 * off the default root).  PROC_MEMCG_V1 or _V2, or -ENOENT.
 */
int proc_memcg_hierarchy(const char *mounts, const char *v2_controllers);

/*
 * Where `expect memcg NAME FIELD` reads on a hierarchy: *file NULL for the
 * fields counted from the pages (proc_memcg_field, the same on both: the
 * kernel's page_cgroup_ino gives the cgroup's inode on v1 and v2), else
 * the file and its line *key.  v1: hierarchical_memory_limit in memory.stat,
 * oom_kill in memory.oom_control (memory_events[MEMCG_OOM_KILL], which
 * memcg_memory_event does not add to the ancestors on v1); v2: oom_kill in
 * memory.events.local (memory_events_local[], the same count: v2's
 * memory.events adds it to every ancestor), and no hierarchical_memory_limit
 * (v2's memory.stat has no such line).  0; -EOPNOTSUPP: this hierarchy has
 * no such field; -ENOENT: no hierarchy has it.
 */
int proc_memcg_source(enum proc_memcg_hier hier, const char *field, const char **file,
		      const char **key);

/* The file `memcg NAME limit=` is written to: memory.limit_in_bytes on v1
 * (mem_cgroup_resize_max), memory.max on v2 (memory_max_write). */
const char *proc_memcg_limit_file(enum proc_memcg_hier hier);

/* ---- the live side (live*.c) ---- */

struct native_options {
	const char *helper;		/* path of unevict-task */
	unsigned int timeout_ms;	/* for any one answer of a task */
	/* the quiet windows before and after a run's statements, in which
	 * the mlock counters must not move (0: none) */
	unsigned int quiet_ms;
};

/*
 * Can this machine run scenarios live at all?  Linux, root, 4 KiB pages,
 * /proc/sys/vm/stat_refresh, move_pages(2), pidfd_open(2), the helper.
 * 0, or -errno with the facility that is missing in why.
 */
int native_preflight(const struct native_options *o, char *why, size_t len);

/*
 * Can this scenario run live?  -EOPNOTSUPP with "'X' is not supported by
 * the live side yet" (files, shm, memcg...: bad input, as for `run`), or
 * -ERANGE with the reason it cannot run here (a CPU this machine does not
 * have, RLIMIT_MEMLOCK above the hard limit without cap_ipc_lock...).
 */
int native_scenario_check(const struct scenario *s, char *why, size_t len);

/*
 * The memory cgroup hierarchy the live memcgs go in (proc_memcg_hierarchy)
 * and whether a run can use it: PROC_MEMCG_V1 or _V2, or -errno with the
 * reason in why.  On v2 `memory` must be in the root's subtree_control
 * already: conform never changes the machine's root cgroup.
 */
int native_memcg_hierarchy(char *why, size_t len);

/*
 * The machine is ours to change: conform runs in the VM guest of
 * `conform --kernel` (its /init, our parent, sets NATIVE_VM_GUEST_ENV=1).
 * There the live side runs sysctl, thp=, swap= and machine-wide reclaim
 * (live_machine.c); anywhere else it refuses them.
 */
#define NATIVE_VM_GUEST_ENV "UNEVICT_VM_GUEST"
bool native_machine_is_ours(void);
/* SwapTotal of /proc/meminfo in bytes (0: none, or unreadable). */
uint64_t native_swap_total(void);
/* The node's proactive reclaim file (6.17+) in path: is it there to write? */
bool native_node_reclaim_file(unsigned int node, char *path, size_t len);

/* What else happened during a live run. */
struct native_run_info {
	/* another process locked or unlocked memory meanwhile (its VmLck
	 * changed, or it came or went with memory locked): the system-wide
	 * counters of this run may count its pages */
	bool disturbed;
	char disturbed_by[256];	/* "pid 1234 (comm)" */
};

/*
 * One live run: spawn the tasks, drain, take the baseline, run every
 * statement, kill and reap every task.  out[] gets one outcome per
 * statement.  0, or -errno with "FILE:LINE: message" in err when the
 * driver itself failed (a task died or did not answer, /proc unreadable).
 */
int native_run(const struct scenario *s, const struct native_options *o,
	       struct outcome *out, struct native_run_info *info, char *err,
	       size_t errlen);

/* Kill and reap every live task: for signal handlers and error paths. */
void native_kill_all(void);

/* The helper's path: `unevict-task` next to the running binary.  0/-errno. */
int native_find_helper(char *path, size_t len);

#endif /* NATIVE_H */
