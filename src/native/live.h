/*
 * live.h - what the files of the live side (live*.c) share: struct live,
 * one run's state, and the functions each file offers the others.
 * Private to src/native.
 */
#ifndef LIVE_H
#define LIVE_H

#include "exec.h"
#include "native.h"
#include "protocol.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/capability.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <grp.h>
#include <sys/ipc.h>
#include <linux/perf_event.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 0x01
#endif
#ifndef MCL_CURRENT
#define MCL_CURRENT 1
#endif
#ifndef MADV_COLD
#define MADV_COLD 20
#endif
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif
#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#ifndef MADV_DONTNEED_LOCKED
#define MADV_DONTNEED_LOCKED 24
#endif

#define LIVE_PAGE_SIZE 4096ULL
/* Tasks of one run, counting forks: more is an error, not a realloc. */
#define LIVE_MAX_TASKS 128
/* /proc/PID/smaps of a task with many split VMAs, /proc/vmstat... */
#define LIVE_BUF_SIZE (1U << 20)
/* vmstat and meminfo fields a quiet window watches */
#define LIVE_MAX_WATCHED 96
/* files and shm segments of a scenario */
#define LIVE_MAX_OBJECTS 64
#define LIVE_MAX_MACHINE_SAVED 16
/* the witness ring of one CPU: 64 pages of context-switch samples */
#define LIVE_WITNESS_PAGES 64
/* CPU time other processes may use on a task's CPU during one run: a
 * poller's wake-ups (tens of us) pass, a busy neighbour does not */
#define LIVE_FOREIGN_NS_MAX 1000000
/* the largest read or write a scenario may make live */
#define LIVE_MAX_BUFFER (256ULL << 20)
/* regions of one task: live_read_smaps tells the image from them */
#define LIVE_MAX_REGIONS 64
/* live_call_task: the task was killed during the call, it never replied. */
#define LIVE_CALL_KILLED 2
/* A call's result when its task was killed in it: none (task_died marked
 * the task; the loop records OUTCOME_KILLED). */
#define LIVE_KILLED 0

/* ---- one run ---- */

/*
 * Who else holds locked memory: (pid, VmLck) of every other process with
 * VmLck > 0.  Another process's mlock, munlock, locked mmap or munmap, or
 * its exit, moves the system-wide counters under our feet and changes
 * this; a run during which it changed is disturbed (CONFORM.md "Noise").
 */
#define CENSUS_MAX 512

struct lock_census {
	size_t n;
	bool overflow;
	pid_t pid[CENSUS_MAX];
	int64_t vmlck_kb[CENSUS_MAX];
};

/* A task of the run: the loop's record (name, pid, regions, killed...),
 * then what the live side keeps of its process. */
struct live_task {
	struct exec_task x;	/* first: the loop's table holds live_tasks */
	int pidfd, sock;
	/* the helper's shared memory (unevict_task.c), closed after the run:
	 * no exit or exec of a task releases it */
	int memfd;
	unsigned int cpu;
	/* RLIMIT_MEMLOCK and CAP_IPC_LOCK, for the mlockall image rule */
	uint64_t limit_pages;
	bool capable;
	int memcg;		/* index in live.memcgs, -1: none */
};

/* A memcg of the scenario, the i-th of the loop's table (EXEC_MEMCGS):
 * live_memcg_paths[i + 1] is its directory. */
struct live_memcg {
	const struct scenario_memcg *sm;
	int parent;		/* index, -1: the run's directory */
	uint64_t ino;		/* its directory's inode: /proc/kpagecgroup's word */
	/* a task in it has faulted its own image in (fork, exec, mlockall) */
	char image_note[2 * SCENARIO_NAME_MAX + 96];
};

/* pfns per read of /proc/kpagecgroup and /proc/kpageflags */
#define LIVE_KPAGE_CHUNK 65536

struct live {
	struct exec x;		/* first: the loop's state; the hooks get &lv->x */
	const struct native_options *o;
	char *buf, *base_vmstat, *base_meminfo;
	/* a task's image was mlocked: system-wide counters include it */
	bool image_dirty;	/* a task's mlockall(MCL_CURRENT) locked its own image */
	bool counters_image;	/* machine-wide counters include image pages: image_note says why */
	char image_note[256];
	cpu_set_t saved_affinity;
	bool affinity_saved;
	bool can_raise_memlock;	/* we hold CAP_SYS_RESOURCE */
	struct lock_census census_base, census_now;
	/* the driver's own anonymous memory at the baseline, kB */
	int64_t own_kb_base;
	char dents[32768];
	bool disturbed;
	char disturbed_by[256];
	struct {
		bool meminfo;
		const char *name;
	} watched[LIVE_MAX_WATCHED];
	size_t nr_watched;
	size_t nr_watched_expected;	/* the first ones: fields the scenario expects */
	bool reads_lock_counters;	/* expects a field a foreign mlock can move */
	/* files and segments are the loop's (EXEC_FILES: a file's order of
	 * declaration is its number in the helper; EXEC_SHMS: id is the shmid) */
	uint64_t buffer_size;	/* of the helpers' read/write buffer */
	char file_paths[LIVE_MAX_OBJECTS][PATH_MAX];
	/* memcgs; the page tallies of the last scan, valid until a statement
	 * other than an expectation or a print runs */
	struct live_memcg memcgs[LIVE_MAX_OBJECTS];
	size_t nr_memcgs;
	enum proc_memcg_hier memcg_hier;	/* set with the first memcg */
	struct proc_memcg_pages memcg_pages[LIVE_MAX_OBJECTS];
	bool scan_valid;
	uint64_t *kpage_cgroup, *kpage_flags;	/* LIVE_KPAGE_CHUNK each */
	int driver_cpu;		/* where pin_driver put us, -1: nowhere */
	/* one witness per CPU a task runs on (-1: none) */
	struct {
		int fd;
		unsigned int cpu;
		void *ring;
		uint64_t opened_ns;	/* CLOCK_MONOTONIC, as the samples */
	} witness[CPU_SETSIZE / 64];
	size_t nr_witnesses;
	/* knobs a VM guest's run set (live_machine.c), set back at its end */
	struct {
		char path[128];
		char old[64];
	} machine_saved[LIVE_MAX_MACHINE_SAVED];
	size_t nr_machine_saved;
};



/* live_cleanup.c */
int live_make_run_dir(const char *base);
const char *live_run_dir(void);
bool live_namespaces_entered(bool now);
int live_register_shmid(int shmid);
bool live_our_pid(pid_t pid);
const char *live_memcg_path(int i);
int live_register_path(const char *path, bool mount);
int live_register_pid(pid_t pid, int pidfd);
int live_register_memcg_path(const char *path);

/* live_machine.c: only where native_machine_is_ours() */
int live_machine_begin(struct live *lv);
void live_machine_end(struct live *lv);
int live_run_sysctl(struct live *lv, const struct scenario_statement *st);
int live_reclaim_machine(struct live *lv, const struct scenario_statement *st);

/* live.c */
int live_read_pgsteal(struct live *lv, int64_t *pages);

/* live_files.c */
int live_read_file(const char *path, char *buf, size_t len);
int live_stat_refresh(void);
int live_drain_all(void);
int live_make_objects(struct live *lv);
int live_find_file(struct live *lv, const char *name);
int live_find_shm(struct live *lv, const char *name);

int live_make_hugetlb_shm(struct live *lv, const struct scenario_statement *st);

/* live_quiet.c */
int live_census_take(struct live *lv, struct lock_census *c);
void live_watch_fields(struct live *lv);
int live_quiet_window(struct live *lv, const char *when);
int live_census_check(struct live *lv);
int live_own_pages_base(struct live *lv);
int live_own_pages_check(struct live *lv, const struct scenario_statement *st);
/* THP events the scenario did not cause: a fault that fell back to small
 * pages (no free 2 MiB block on this host) or khugepaged's collapse make
 * the run disturbed (called before every statement and after the last). */
int live_thp_check(struct live *lv, const struct scenario_statement *st);
void live_task_cpus(const struct scenario *s, cpu_set_t *used);
void live_pin_driver(struct live *lv);
void live_repin_driver(struct live *lv);
int live_pin_cpu0(void);
void live_unpin_driver(struct live *lv);
void live_witnesses_close(struct live *lv);
int live_witnesses_open(struct live *lv);
void live_witnesses_check(struct live *lv);

/* live_task.c */
int live_wait_readable(int fd, unsigned int timeout_ms);
int live_receive(struct live *lv, int sock, struct native_reply *r);
int live_send_cmd(int sock, struct native_cmd *c, int fd);
const char *live_task_failure(int ret);
int live_pidfd_open(pid_t pid);
void live_task_init(struct exec *x, struct exec_task *t);
struct live_task *live_add_task(struct live *lv, const char *name);
uint64_t live_limit_pages(const struct scenario_task *tk);
int live_spawn_task(struct live *lv, const struct scenario_statement *st);
struct live_task *live_find_task(struct live *lv, const char *name);
struct live_task *live_alive_task(struct live *lv, const struct scenario_statement *st,
				   const char *name);
int live_sweep_dead_tasks(struct live *lv, const struct scenario_statement *st);
int live_call_task(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t, struct native_cmd *c, struct native_reply *r);

/* live_memcg.c */
int live_write_text(const char *path, const char *text);
int live_memcg_file(const struct live *lv, int i, const char *file, char *path);
int live_memcg_read_number(struct live *lv, int i, const char *file, uint64_t *value);
int live_find_memcg(struct live *lv, const char *name);
int live_make_memcgs(struct live *lv);
int live_join_memcg(struct live *lv, const struct scenario_statement *st,
		      struct live_task *t);
void live_memcg_image(struct live *lv, const struct live_task *t,
			const struct scenario_statement *st, const char *what);
int live_scan_memcgs(struct live *lv);
uint64_t live_subtree_user(const struct live *lv, int root);

/* live_call.c */
int live_mincore(struct live *lv, const struct scenario_statement *st, struct live_task *t,
		 const struct scenario_region *reg, uint64_t *resident);
/* `migrate TASK REGION [OFF LEN] node=N`: the task's move_pages(2); the
 * record is its value (pages not migrated) or its -errno */
int live_migrate(struct live *lv, const struct scenario_statement *st);
struct scenario_region *live_find_region(struct live_task *t, const char *name);
struct proc_span live_region_span(const struct scenario_region *reg);
int live_read_smaps(struct live *lv, struct live_task *t, struct proc_image *image);
int live_run_call(struct live *lv, const struct scenario_statement *st, int *result);

/* live.c */
int live_driver_error(struct live *lv, const struct scenario_statement *st,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The run stops at a statement it cannot execute, as the model's does:
 * the statement's record says why (OUTCOME_ERROR), 1. */
#define live_stop_here(lv, st, ...) exec_stop(&(lv)->x, st, __VA_ARGS__)
static inline struct live *live_of(struct exec *x)
{
	return (struct live *)x;
}

/* live_preflight.c */
bool live_have_capability(int cap);

#endif /* __linux__ */
#endif /* LIVE_H */
