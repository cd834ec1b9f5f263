/*
 * scenario.h - the .uvs scenario language: its syntax tree, parser and
 * executor-independent checks (SCENARIO.md is the contract).
 *
 * The tree is shared by every executor: the model interpreter (interp.c)
 * and the live-kernel executor (src/native).  So nothing here depends on
 * the model: flag and errno values are Linux's own, sizes are bytes, and
 * every argument is fully parsed, so an executor never looks at text again
 * (it only keeps the statement text to quote it in messages).
 */
#ifndef SCENARIO_H
#define SCENARIO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* `p` in sizes: pages of the base page size (4 KiB on every machine here). */
#define SCENARIO_PAGE_SIZE 4096ULL
/* Longest name (task, region, field...) plus its NUL; longer is an error. */
#define SCENARIO_NAME_MAX 128
/* RLIMIT_MEMLOCK of a task without `memlock=` (SCENARIO.md: 8M). */
#define SCENARIO_DEFAULT_MEMLOCK (8ULL << 20)

enum scenario_statement_kind {
	SCENARIO_MACHINE,
	SCENARIO_TASK,
	SCENARIO_MEMCG,
	SCENARIO_SYSCTL,
	SCENARIO_FILE,
	SCENARIO_SHM,
	SCENARIO_CALL,
	SCENARIO_DRAIN,
	SCENARIO_RECLAIM,
	SCENARIO_MIGRATE,
	SCENARIO_COMPACT,
	SCENARIO_EXPECT,
	SCENARIO_PRINT,
};

enum scenario_design {
	SCENARIO_DESIGN_MLOCK_COUNT,
	SCENARIO_DESIGN_RMAP_WALK,
	SCENARIO_DESIGN_NONE,
};

/* machine thp= (transparent huge pages for anonymous memory) */
enum scenario_thp {
	SCENARIO_THP_MADVISE,	/* the default */
	SCENARIO_THP_NEVER,
	SCENARIO_THP_ALWAYS,
};

#define SCENARIO_KERNEL_MAX 16

struct scenario_machine {
	unsigned int nodes;	/* default 1 */
	uint64_t mem_bytes;	/* per node, default 1G */
	unsigned int cpus;	/* default 1 */
	uint64_t swap_bytes;	/* default 0 */
	enum scenario_design design;	/* follows from kernel= unless written */
	char kernel[SCENARIO_KERNEL_MAX];	/* kernel=: "6.18" by default */
	bool zero_page;		/* zero_page=on|off, default on */
	enum scenario_thp thp;	/* default madvise */
	/* cgroup=v1|v2: the memcg hierarchy; default v1 in `run`, the live
	 * kernel's in conform (unev_machine_config.memcg_v2) */
	bool cgroup_v2;
	/* Which options were written: the live kernel checks only those. */
	bool nodes_given, mem_given, cpus_given, swap_given, design_given;
	bool kernel_given, zero_page_given, thp_given, cgroup_given;
};

struct scenario_task {
	char name[SCENARIO_NAME_MAX];
	unsigned int cpu;		/* default 0 */
	char memcg[SCENARIO_NAME_MAX];	/* "" without memcg= */
	uint64_t memlock;		/* bytes; default 8M */
	bool memlock_unlimited;		/* memlock=unlimited (RLIM_INFINITY) */
	bool cap_ipc_lock;
	unsigned int uid;		/* default 0 */
	bool memcg_given, memlock_given, uid_given;
};

struct scenario_memcg {
	char name[SCENARIO_NAME_MAX];
	char parent[SCENARIO_NAME_MAX];	/* "" = the root */
	uint64_t limit;
	bool parent_given, limit_given;
};

struct scenario_sysctl {
	char name[SCENARIO_NAME_MAX];
	char value[SCENARIO_NAME_MAX];	/* as written: the live kernel writes it */
};

enum scenario_file_system {
	SCENARIO_FS_DISK,	/* default: a regular file on a disk file system */
	SCENARIO_FS_TMPFS,
	SCENARIO_FS_RAMFS,
};

struct scenario_file {
	char name[SCENARIO_NAME_MAX];
	enum scenario_file_system fs;
	uint64_t size;
	bool fs_given, size_given;
};

struct scenario_shm {
	char name[SCENARIO_NAME_MAX];
	uint64_t size;
	bool hugetlb;			/* SHM_HUGETLB */
};

enum scenario_call_kind {
	SCENARIO_CALL_MMAP,
	SCENARIO_CALL_MUNMAP,
	SCENARIO_CALL_MLOCK,
	SCENARIO_CALL_MLOCK2,
	SCENARIO_CALL_MUNLOCK,
	SCENARIO_CALL_MLOCKALL,
	SCENARIO_CALL_MUNLOCKALL,
	SCENARIO_CALL_MPROTECT,
	SCENARIO_CALL_MREMAP,
	SCENARIO_CALL_MADVISE,
	SCENARIO_CALL_TOUCH,
	SCENARIO_CALL_READ,
	SCENARIO_CALL_WRITE,
	SCENARIO_CALL_TRUNCATE,
	SCENARIO_CALL_PUNCH,
	SCENARIO_CALL_SHMAT,
	SCENARIO_CALL_SHMDT,
	SCENARIO_CALL_SHMCTL,
	SCENARIO_CALL_FORK,
	SCENARIO_CALL_EXIT,
	SCENARIO_CALL_EXEC,
	SCENARIO_CALL_BRK,
	/* added 2026-11-28 (SCENARIO.md) and the extensions in README */
	SCENARIO_CALL_MSYNC,
	SCENARIO_CALL_SETRLIMIT,
	SCENARIO_CALL_GROW_STACK,	/* extension: grow_stack SIZE, binds "stack" */
	SCENARIO_CALL_MBIND,		/* extension: mbind REGION [OFF LEN] node=N [move] [strict] */
};

/* Protection bits: Linux's PROT_* values. */
#define SCENARIO_PROT_READ 0x1
#define SCENARIO_PROT_WRITE 0x2
#define SCENARIO_PROT_EXEC 0x4

/* msync flags: Linux's MS_* values. */
#define SCENARIO_MS_ASYNC 1
#define SCENARIO_MS_INVALIDATE 2
#define SCENARIO_MS_SYNC 4

/* mlockall flags: Linux's MCL_* values. */
#define SCENARIO_MCL_CURRENT 1
#define SCENARIO_MCL_FUTURE 2
#define SCENARIO_MCL_ONFAULT 4

enum scenario_advice {
	SCENARIO_ADVICE_DONTNEED,
	SCENARIO_ADVICE_FREE,
	SCENARIO_ADVICE_PAGEOUT,
	SCENARIO_ADVICE_COLD,
	SCENARIO_ADVICE_WILLNEED,
	SCENARIO_ADVICE_REMOVE,
	/* Extensions beyond SCENARIO.md's list, with the same kernel meaning. */
	SCENARIO_ADVICE_DONTNEED_LOCKED,
	SCENARIO_ADVICE_POPULATE_READ,
	SCENARIO_ADVICE_POPULATE_WRITE,
	SCENARIO_ADVICE_GUARD_INSTALL,	/* MADV_GUARD_INSTALL, 6.13+ */
	SCENARIO_ADVICE_GUARD_REMOVE,
	SCENARIO_ADVICE_HUGEPAGE,	/* added 2026-11-28 */
	SCENARIO_ADVICE_NOHUGEPAGE,
	SCENARIO_ADVICE_COLLAPSE,
};

enum scenario_shmctl_op {
	SCENARIO_SHMCTL_LOCK,
	SCENARIO_SHMCTL_UNLOCK,
	SCENARIO_SHMCTL_RMID,
};

/* mmap perf|io_uring: whose buffer the mapping is (none: memory's own) */
enum scenario_driver {
	SCENARIO_DRIVER_NONE,
	SCENARIO_DRIVER_PERF,
	SCENARIO_DRIVER_IO_URING,
};

/*
 * One system call.  Which fields mean something depends on the kind; the
 * comment after each says for which calls.
 */
struct scenario_call {
	enum scenario_call_kind kind;
	char task[SCENARIO_NAME_MAX];	/* the task that makes the call */
	/* mmap munmap mlock mlock2 munlock mprotect mremap madvise touch shmat
	 * shmdt: the region; fork: the child's name; read write truncate
	 * punch: the file; shmctl: the shm segment. */
	char target[SCENARIO_NAME_MAX];
	/* shmat: the segment (target is the region it binds). */
	char shm[SCENARIO_NAME_MAX];
	/* REGION OFF LEN (munmap mlock mlock2 munlock mprotect madvise touch)
	 * and FILE OFF LEN (read write punch); range_given is false for a
	 * bare REGION. */
	bool range_given;
	uint64_t off, len;
	/* mmap: LEN; mremap: NEWLEN; truncate: SIZE; brk: |SIZE|. */
	uint64_t size;
	bool size_negative;		/* brk with a negative SIZE */
	int prot;			/* mmap prot= (default rw), mprotect */
	/* mmap options */
	bool shared;			/* MAP_SHARED (else MAP_PRIVATE) */
	bool locked;			/* MAP_LOCKED */
	bool populate;			/* MAP_POPULATE */
	bool hugetlb;			/* MAP_HUGETLB */
	bool droppable;			/* the MAP_DROPPABLE type (6.11+) */
	/* secretmem: memfd_secret(0), ftruncate to LEN, mmap of it (shared
	 * unless `private`), close: one statement, the first error its own */
	bool secretmem;
	/* a device's buffer (an extension, README): `perf` is
	 * perf_event_open(2) of a software dummy event of the task, then an
	 * mmap of its ring buffer (LEN: 1 + 2^n pages); `io_uring` is
	 * io_uring_setup(2) of 4 entries, then an mmap of its SQ ring (one
	 * page); shared, the fd closed after: the VMA is VM_SPECIAL */
	enum scenario_driver driver;
	/* mbind: MPOL_BIND to node=N, MPOL_MF_MOVE, MPOL_MF_STRICT */
	unsigned int mbind_node;
	bool mbind_move, mbind_strict;
	bool prot_given, sharing_given;
	char file[SCENARIO_NAME_MAX];	/* mmap file=F, "" for anonymous */
	uint64_t file_off;		/* mmap off= */
	bool file_off_given;
	bool onfault;			/* mlock2 MLOCK_ONFAULT */
	int mlockall_flags;		/* SCENARIO_MCL_* */
	/* mlock2, mlockall `flags=N` (an extension): the raw flags word,
	 * passed as is, so invalid bits can be tried (EINVAL). */
	bool raw_flags_given;
	unsigned int raw_flags;
	bool maymove;			/* mremap MREMAP_MAYMOVE */
	enum scenario_advice advice;	/* madvise */
	bool write;			/* touch: write (default) or read */
	bool rdonly;			/* shmat SHM_RDONLY */
	enum scenario_shmctl_op shmctl_op;
	/* mmap fixed=OTHER [fixed_off=OFF] [noreplace]: MAP_FIXED (or
	 * MAP_FIXED_NOREPLACE) at OTHER's address plus OFF; mremap
	 * fixed=OTHER [fixed_off=OFF]: MREMAP_FIXED to there. */
	char fixed[SCENARIO_NAME_MAX];	/* "" without fixed= */
	uint64_t fixed_off;
	/* mmap align=SIZE: over-map by SIZE less a page and unmap what lies
	 * before the first multiple of SIZE and after LEN from there, as a
	 * program gets 2 MiB-aligned memory from a kernel that does not
	 * align it (0: no align=) */
	uint64_t align;
	bool noreplace;			/* mmap MAP_FIXED_NOREPLACE */
	bool dontunmap;			/* mremap MREMAP_DONTUNMAP */
	int msync_flags;		/* SCENARIO_MS_*, or flags=N's word */
	/* setrlimit memlock=SIZE|unlimited [max=SIZE|unlimited]: the soft
	 * RLIMIT_MEMLOCK, and the hard one if max= is given (else kept, as a
	 * program that reads it with getrlimit first) */
	uint64_t memlock, memlock_max;
	bool memlock_unlimited, memlock_max_unlimited, memlock_max_given;
};

struct scenario_reclaim {
	uint64_t size;
	unsigned int node;
	char memcg[SCENARIO_NAME_MAX];
	bool node_given, memcg_given;
};

struct scenario_migrate {
	char task[SCENARIO_NAME_MAX];
	char region[SCENARIO_NAME_MAX];
	bool range_given;
	uint64_t off, len;
	unsigned int node;
};

struct scenario_compact {
	unsigned int node;
	bool node_given;
};

enum scenario_expect_source {
	SCENARIO_EXPECT_OK,	/* the previous call returned 0 */
	SCENARIO_EXPECT_ERRNO,	/* the previous call failed with errno_value */
	SCENARIO_EXPECT_VMSTAT,
	SCENARIO_EXPECT_MEMINFO,
	SCENARIO_EXPECT_STATUS,
	SCENARIO_EXPECT_SMAPS,
	SCENARIO_EXPECT_LRU,
	SCENARIO_EXPECT_MEMCG,	/* extension: expect memcg NAME FIELD OP V (bytes) */
	/* expect TASK mincore REGION [OFF LEN] OP N: pages mincore(2) reports
	 * resident (added 2026-11-28) */
	SCENARIO_EXPECT_MINCORE,
	/* expect TASK numa_maps REGION FIELD OP N: /proc/PID/numa_maps, pages
	 * (added 2026-11-28) */
	SCENARIO_EXPECT_NUMA_MAPS,
	/* expect TASK pagemap REGION moved|present OP N: /proc/PID/pagemap,
	 * pages (issue 11): `moved` those the last `compact` found mapped and
	 * that are mapped to another frame now; `present` those mapped now */
	SCENARIO_EXPECT_PAGEMAP,
};

enum scenario_operator {
	SCENARIO_OP_EQ,
	SCENARIO_OP_NE,
	SCENARIO_OP_LT,
	SCENARIO_OP_LE,
	SCENARIO_OP_GT,
	SCENARIO_OP_GE,
};

struct scenario_expect {
	enum scenario_expect_source source;
	char task[SCENARIO_NAME_MAX];	/* status, smaps; memcg: the memcg */
	char region[SCENARIO_NAME_MAX];	/* smaps, mincore */
	bool range_given;		/* mincore REGION OFF LEN */
	uint64_t off, len;
	char field[SCENARIO_NAME_MAX];	/* vmstat meminfo status smaps lru */
	enum scenario_operator op;
	uint64_t value;			/* pages (vmstat, lru) or kB */
	int errno_value;		/* errno: Linux's number */
	bool kb_written;		/* a trailing `kB` was written */
};

enum scenario_print_source {
	SCENARIO_PRINT_VMSTAT,
	SCENARIO_PRINT_MEMINFO,
	SCENARIO_PRINT_STATUS,
	SCENARIO_PRINT_SMAPS,
	SCENARIO_PRINT_MEMCG,	/* extension: print memcg NAME (memory.stat) */
};

struct scenario_print {
	enum scenario_print_source source;
	char task[SCENARIO_NAME_MAX];	/* status, smaps; memcg: the memcg */
};

struct scenario_statement {
	unsigned int line;
	enum scenario_statement_kind kind;
	/* The words of the statement joined by single spaces, without the
	 * comment: what messages quote. */
	char *text;
	union {
		struct scenario_machine machine;
		struct scenario_task task;
		struct scenario_memcg memcg;
		struct scenario_sysctl sysctl;
		struct scenario_file file;
		struct scenario_shm shm;
		struct scenario_call call;
		struct scenario_reclaim reclaim;
		struct scenario_migrate migrate;
		struct scenario_compact compact;
		struct scenario_expect expect;
		struct scenario_print print;
	};
};

struct scenario {
	char *file_name;
	struct scenario_statement *statements;
	size_t nr_statements;
};

/*
 * Parsing.  Each returns 0 with *out set (free it with scenario_free), or
 * -EINVAL with "FILE:LINE: message" in err (or -ENOENT/-EIO/... with
 * "FILE: message" when the file cannot be read, -ENOMEM).
 */
int scenario_parse_file(const char *path, struct scenario **out, char *err,
			size_t errlen);
int scenario_parse_text(const char *name, const char *text,
			struct scenario **out, char *err, size_t errlen);
/* As scenario_parse_text, for text that may hold NUL bytes (an error). */
int scenario_parse_buffer(const char *name, const char *text, size_t len,
			  struct scenario **out, char *err, size_t errlen);
void scenario_free(struct scenario *s);

/*
 * Sizes: a decimal number with an optional K M G T (powers of 1024) or p
 * (pages) suffix.  0, -EINVAL if the word is not a size, -ERANGE if it does
 * not fit in 64 bits.
 */
int scenario_parse_size(const char *word, uint64_t *bytes);

/*
 * Checks that hold for every executor, in statement order: tasks, memcgs,
 * files and shm segments are declared before use and named once; a task is
 * not used after `exit`; regions are bound (by mmap, shmat, brk or fork)
 * before use; cpu= and node= exist on the machine; `expect ok|errno` has a
 * call before it.  After a statement passes, statement_hook (if not NULL)
 * checks what the executor itself cannot run.  0, or -EINVAL with
 * "FILE:LINE: message" in err.
 */
int scenario_check(const struct scenario *s,
		   int (*statement_hook)(void *ctx, const struct scenario *s,
					 const struct scenario_statement *st,
					 char *err, size_t errlen),
		   void *ctx, char *err, size_t errlen);

/*
 * A table of named records (table.c): a growable array whose records each
 * begin with their NUL-terminated name (char name[SCENARIO_NAME_MAX] as
 * the first member), and a hash index on the name.  Pointers into it last
 * until the next scenario_table_get that adds a record.
 */
struct scenario_table {
	void *items;
	size_t item_size, nr, cap;
	size_t *slots;		/* index + 1 of a record, 0: empty */
	size_t nr_slots;	/* a power of two, at least twice nr */
};
void scenario_table_init(struct scenario_table *t, size_t item_size);
/* The record named name, or NULL. */
void *scenario_table_find(const struct scenario_table *t, const char *name);
/* Record i, in the order of addition. */
void *scenario_table_at(const struct scenario_table *t, size_t i);
/* The record named name: found, or added zeroed but for its name
 * (*added); NULL when out of memory or the name is too long. */
void *scenario_table_get(struct scenario_table *t, const char *name, bool *added);
int scenario_table_reserve(struct scenario_table *t, size_t n);
int scenario_table_copy(struct scenario_table *dst, const struct scenario_table *src);
void scenario_table_clear(struct scenario_table *t);
void scenario_table_free(struct scenario_table *t);

/*
 * A region a task bound (mmap, shmat, brk, fork), as every executor keeps
 * it: the address and length the binding call gave.
 */
struct scenario_region {
	char name[SCENARIO_NAME_MAX];
	uint64_t addr, len;
};
struct scenario_region *scenario_region_find(struct scenario_region *v, size_t n,
					     const char *name);
/* munmap, mlock, mlock2, munlock, mprotect, mremap, madvise, touch: the
 * calls on a region's range (all of it, or OFF LEN inside it). */
bool scenario_call_on_range(enum scenario_call_kind kind);
/* What `smaps REGION` sums: the VMAs inside [addr, addr + len rounded up
 * to a page), clamped at the top of the address space. */
void scenario_region_span(const struct scenario_region *reg, uint64_t *start, uint64_t *end);

/* Statement text for messages: "FILE:LINE: " (or "FILE: " without a
 * statement), prefix, then fmt.  The one formatter of every executor's
 * and checker's errors. */
void scenario_verror(char *err, size_t errlen, const struct scenario *s,
		     const struct scenario_statement *st, const char *prefix, const char *fmt,
		     va_list ap) __attribute__((format(printf, 6, 0)));
void scenario_error(char *err, size_t errlen, const struct scenario *s,
		    const struct scenario_statement *st, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Names of things, for messages, traces and JSON. */
const char *scenario_call_name(enum scenario_call_kind kind);
const char *scenario_statement_name(enum scenario_statement_kind kind);
const char *scenario_design_name(enum scenario_design design);
const char *scenario_thp_name(enum scenario_thp thp);
const char *scenario_advice_name(enum scenario_advice advice);
const char *scenario_operator_name(enum scenario_operator op);
bool scenario_compare(uint64_t actual, enum scenario_operator op,
		      uint64_t expected);

/* Linux errno names (errno_names.c).  0 or -ENOENT. */
int scenario_errno_from_name(const char *name, int *value);
/* "ENOMEM"; NULL for a number with no name. */
const char *scenario_errno_name(int value);

#endif /* SCENARIO_H */
