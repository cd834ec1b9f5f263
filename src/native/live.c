/*
 * live.c - the driver of `unevict conform`: a scenario run with real
 * system calls on the running kernel (docs/CONFORM.md).
 *
 * Every task is a real process: forked from this driver, pinned to its
 * CPU, RLIMIT_MEMLOCK and CAP_IPC_LOCK set as the scenario says, then
 * exec'd into the static helper `unevict-task`.  All tasks are started
 * before the baseline, so their start-up faults are not counted (a task
 * declared late is an idle process until its first call, which nothing
 * can tell apart).  Then, as the probe that observed tests/scenarios did:
 * drain (move_pages(2) of 0 pages, tests/scenarios/DRAIN.md), write 1 to
 * /proc/sys/vm/stat_refresh, read /proc/vmstat and /proc/meminfo as the
 * baseline; each statement in order; at each expectation read the file it
 * names.  The driver sits on a CPU no task uses, when there is one, and
 * allocates nothing between the baseline and the end.  Files and shm
 * segments are made first, in mount and IPC namespaces of our own.
 *
 * Whether a run can be trusted: three detectors of other processes at work
 * (a context-switch witness on every task CPU, quiet windows before and
 * after the statements, a census of everyone's VmLck) mark it disturbed;
 * conform.c then wants two undisturbed runs that agree.
 *
 * The tasks' pids and pidfds, the run's files, mounts and segments live in
 * fixed tables, so that a signal handler can kill, reap and remove them
 * (native_kill_all) on any exit path.
 */
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
/* the witness ring of one CPU: 64 pages of context-switch samples */
#define LIVE_WITNESS_PAGES 64
/* CPU time other processes may use on a task's CPU during one run: a
 * poller's wake-ups (tens of us) pass, a busy neighbour does not */
#define LIVE_FOREIGN_NS_MAX 1000000
/* the largest read or write a scenario may make live */
#define LIVE_MAX_BUFFER (256ULL << 20)

static bool have_capability(int cap);

/* ---- the table of live processes, for native_kill_all ---- */

static pid_t live_pids[LIVE_MAX_TASKS];
static int live_pidfds[LIVE_MAX_TASKS];
static volatile sig_atomic_t live_nr_pids;

/*
 * What a run made besides processes, for the same handler: its directory,
 * the files in it, the tmpfs and ramfs mounted there (in our own mount
 * namespace, so they vanish with us anyway) and its shm segments.
 */
static char live_dir[PATH_MAX];
static char live_paths[64][PATH_MAX];	/* files, then mount points */
static bool live_path_is_mount[64];
static volatile sig_atomic_t live_nr_paths;
static int live_shmids[64];
static volatile sig_atomic_t live_nr_shmids;

static int register_path(const char *path, bool mount)
{
	int i = live_nr_paths;

	if (i >= 64 || strlen(path) >= PATH_MAX)
		return -E2BIG;
	strcpy(live_paths[i], path);
	live_path_is_mount[i] = mount;
	live_nr_paths = i + 1;
	return 0;
}

/* Async-signal-safe: unlink, umount2, rmdir and shmctl only. */
static void remove_objects(void)
{
	int i;

	for (i = live_nr_shmids - 1; i >= 0; i--)
		shmctl(live_shmids[i], IPC_RMID, NULL);
	live_nr_shmids = 0;
	for (i = live_nr_paths - 1; i >= 0; i--) {
		if (live_path_is_mount[i]) {
			umount2(live_paths[i], MNT_DETACH);
			rmdir(live_paths[i]);
		} else {
			unlink(live_paths[i]);
		}
	}
	live_nr_paths = 0;
	if (live_dir[0])
		rmdir(live_dir);
	live_dir[0] = '\0';
}

/*
 * The run's memcgs (CONFORM.md "memcgs"): [0] the run's own directory in
 * the cgroup v1 memory hierarchy, then each memcg of the scenario, parents
 * before children, so that removing them in reverse order empties each
 * directory before its parent.
 */
#define LIVE_MEMCG_ROOT "/sys/fs/cgroup/memory"
static char live_memcg_paths[LIVE_MAX_OBJECTS + 1][PATH_MAX];
static volatile sig_atomic_t live_nr_memcg_paths;

static int drain_all(void);

/*
 * Async-signal-safe: move_pages, rmdir and nanosleep only.  The tasks are
 * dead and their files gone; the drain frees the pages the per-CPU
 * batches still held (and uncharges them), so the memcgs leave nothing
 * charged behind.  A task's exit takes it out of its cgroup before its
 * pidfd turns readable, but a directory busy a moment longer is retried.
 */
static void remove_memcgs(void)
{
	struct timespec pause = {.tv_nsec = 1000000};
	int i, tries;

	if (!live_nr_memcg_paths)
		return;
	drain_all();
	for (i = live_nr_memcg_paths - 1; i >= 0; i--)
		for (tries = 0; rmdir(live_memcg_paths[i]) && errno == EBUSY && tries < 200; tries++)
			nanosleep(&pause, NULL);
	live_nr_memcg_paths = 0;
}

static int register_pid(pid_t pid, int pidfd)
{
	int i = live_nr_pids;

	if (i >= LIVE_MAX_TASKS)
		return -E2BIG;
	live_pids[i] = pid;
	live_pidfds[i] = pidfd;
	live_nr_pids = i + 1;
	return 0;
}

/* Async-signal-safe: kill, poll, waitpid and close only. */
void native_kill_all(void)
{
	int i, n = live_nr_pids;

	/* by pidfd: an exited task's pid may belong to someone else now */
	for (i = 0; i < n; i++)
		if (live_pidfds[i] >= 0)
			syscall(SYS_pidfd_send_signal, live_pidfds[i], SIGKILL, NULL, 0);
	/* a pidfd turns readable once the process has exited (its mm torn
	 * down, its children handed to us, the subreaper) */
	for (i = 0; i < n; i++) {
		struct pollfd p = {.fd = live_pidfds[i], .events = POLLIN};

		if (live_pidfds[i] >= 0)
			while (poll(&p, 1, 10000) < 0 && errno == EINTR)
				;
	}
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
	for (i = 0; i < n; i++)
		if (live_pidfds[i] >= 0)
			close(live_pidfds[i]);
	live_nr_pids = 0;
	remove_objects();
	remove_memcgs();
}

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

struct live_task {
	char name[SCENARIO_NAME_MAX];
	pid_t pid;
	int pidfd, sock;
	/* the helper's shared memory (unevict_task.c), closed after the run:
	 * no exit or exec of a task releases it */
	int memfd;
	bool exited;
	unsigned int cpu;
	/* RLIMIT_MEMLOCK and CAP_IPC_LOCK, for the mlockall image rule */
	uint64_t limit_pages;
	bool capable;
	struct scenario_region regions[64];
	size_t nr_regions;
	bool heap_known;
	uint64_t heap_start;
	int memcg;		/* index in live.memcgs, -1: none */
};

/* A memcg of the scenario: live_memcg_paths[i + 1] is its directory. */
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
	const struct scenario *s;
	const struct native_options *o;
	struct outcome *out;
	char *err;
	size_t errlen;
	struct live_task *tasks;
	size_t nr_tasks;
	int last_errno;
	struct outcome *last_call;
	char *buf, *base_vmstat, *base_meminfo;
	/* a task's image was mlocked: system-wide counters include it */
	bool image_dirty;
	char image_note[256];
	cpu_set_t saved_affinity;
	bool affinity_saved;
	bool can_raise_memlock;	/* we hold CAP_SYS_RESOURCE */
	struct lock_census census_base, census_now;
	char dents[32768];
	bool disturbed;
	char disturbed_by[128];
	struct {
		bool meminfo;
		const char *name;
	} watched[LIVE_MAX_WATCHED];
	size_t nr_watched;
	/* files: their order of declaration is their number in the helper */
	const struct scenario_file *files[LIVE_MAX_OBJECTS];
	size_t nr_files;
	const struct scenario_shm *shms[LIVE_MAX_OBJECTS];
	int shmids[LIVE_MAX_OBJECTS];
	size_t nr_shms;
	uint64_t buffer_size;	/* of the helpers' read/write buffer */
	char file_paths[LIVE_MAX_OBJECTS][PATH_MAX];
	/* memcgs; the page tallies of the last scan, valid until a statement
	 * other than an expectation or a print runs */
	struct live_memcg memcgs[LIVE_MAX_OBJECTS];
	size_t nr_memcgs;
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
};


static int driver_error(struct live *lv, const struct scenario_statement *st,
			const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int join_memcg(struct live *lv, const struct scenario_statement *st,
		      struct live_task *t);

static int driver_error(struct live *lv, const struct scenario_statement *st,
			const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (st)
		scenario_error(lv->err, lv->errlen, lv->s, st, "live: %s", msg);
	else
		snprintf(lv->err, lv->errlen, "%s: live: %s", lv->s->file_name, msg);
	return -EIO;
}

/* The run stops at a statement it cannot execute, as the model's does. */
static int stop_here(struct live *lv, const struct scenario_statement *st,
		     const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int stop_here(struct live *lv, const struct scenario_statement *st,
		     const char *fmt, ...)
{
	struct outcome *o = &lv->out[st - lv->s->statements];
	va_list ap;

	o->kind = OUTCOME_ERROR;
	va_start(ap, fmt);
	vsnprintf(o->note, sizeof(o->note), fmt, ap);
	va_end(ap);
	return 1;
}

/* ---- files ---- */

static int read_file(const char *path, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	while (n < len - 1 && (r = read(fd, buf + n, len - 1 - n)) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return (int)r;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return n == len - 1 ? -EFBIG : 0;
}

static int stat_refresh(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, "1", 1) != 1)
		ret = -errno;
	close(fd);
	return ret;
}

/* lru_add_drain_all() from user space: tests/scenarios/DRAIN.md */
static int drain_all(void)
{
	int node = 0;

	if (syscall(SYS_move_pages, 0, 0UL, NULL, &node, NULL, 0))
		return -errno;
	return 0;
}

/* ---- the census of other processes' locked memory ---- */

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static bool our_pid(pid_t pid)
{
	int i;

	if (pid == getpid())
		return true;
	for (i = 0; i < live_nr_pids; i++)
		if (live_pids[i] == pid)
			return true;
	return false;
}

/* Without allocating: getdents64 into a buffer of ours, not readdir. */
static int census_take(struct live *lv, struct lock_census *c)
{
	int dfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char path[64];
	long n;

	c->n = 0;
	c->overflow = false;
	if (dfd < 0)
		return -errno;
	while ((n = syscall(SYS_getdents64, dfd, lv->dents, sizeof(lv->dents))) > 0) {
		long off = 0;

		while (off < n) {
			struct dirent64_raw *d = (struct dirent64_raw *)(lv->dents + off);
			char *end;
			long pid = strtol(d->d_name, &end, 10);
			int64_t kb;

			off += d->d_reclen;
			if (*end || pid <= 0 || our_pid((pid_t)pid))
				continue;
			snprintf(path, sizeof(path), "/proc/%ld/status", pid);
			if (read_file(path, lv->buf, LIVE_BUF_SIZE) ||
			    proc_field(lv->buf, "VmLck", &kb) || !kb)
				continue; /* gone, a kernel thread, or nothing locked */
			if (c->n == CENSUS_MAX) {
				c->overflow = true;
				continue;
			}
			c->pid[c->n] = (pid_t)pid;
			c->vmlck_kb[c->n++] = kb;
		}
	}
	close(dfd);
	return n < 0 ? -errno : 0;
}

/* A process's comm, in lv->buf, for messages: "gone" once it is. */
static const char *process_name(struct live *lv, pid_t pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if (read_file(path, lv->buf, 64))
		snprintf(lv->buf, 64, "gone");
	lv->buf[strcspn(lv->buf, "\n")] = '\0';
	return lv->buf;
}

/* The first process whose locked memory changed, as "pid N (comm)". */
static bool census_differs(struct live *lv, const struct lock_census *a,
			   const struct lock_census *b)
{
	size_t i, j;
	pid_t who = 0;

	for (i = 0, j = 0; !who && (i < a->n || j < b->n);) {
		if (j == b->n || (i < a->n && a->pid[i] < b->pid[j]))
			who = a->pid[i];
		else if (i == a->n || b->pid[j] < a->pid[i])
			who = b->pid[j];
		else if (a->vmlck_kb[i] != b->vmlck_kb[j])
			who = a->pid[i];
		else
			i++, j++;
	}
	if (!who)
		return a->overflow != b->overflow;
	snprintf(lv->disturbed_by, sizeof(lv->disturbed_by), "pid %d (%s) locked or unlocked memory",
		 (int)who, process_name(lv, who));
	return true;
}

/*
 * The fields a quiet window watches: the mlock counters, and every vmstat
 * and meminfo field the scenario expects (nr_shmem...).
 */
static void watch_field(struct live *lv, bool meminfo, const char *name)
{
	size_t i;

	for (i = 0; i < lv->nr_watched; i++)
		if (lv->watched[i].meminfo == meminfo && !strcmp(lv->watched[i].name, name))
			return;
	if (lv->nr_watched < LIVE_MAX_WATCHED) {
		lv->watched[lv->nr_watched].meminfo = meminfo;
		lv->watched[lv->nr_watched++].name = name;
	}
}

static void watch_fields(struct live *lv)
{
	size_t i;

	for (i = 0; i < PROC_MLOCK_FIELDS; i++)
		watch_field(lv, false, proc_mlock_fields[i]);
	for (i = 0; i < lv->s->nr_statements; i++) {
		const struct scenario_statement *st = &lv->s->statements[i];

		if (st->kind == SCENARIO_EXPECT && (st->expect.source == SCENARIO_EXPECT_VMSTAT ||
						    st->expect.source == SCENARIO_EXPECT_MEMINFO))
			watch_field(lv, st->expect.source == SCENARIO_EXPECT_MEMINFO,
				    st->expect.field);
	}
}

static int read_watched(struct live *lv, int64_t *values)
{
	size_t i;
	int ret = stat_refresh();

	if (!ret)
		ret = read_file("/proc/vmstat", lv->buf, LIVE_BUF_SIZE / 2);
	if (!ret)
		ret = read_file("/proc/meminfo", lv->buf + LIVE_BUF_SIZE / 2, LIVE_BUF_SIZE / 2);
	if (ret)
		return ret;
	for (i = 0; i < lv->nr_watched; i++)
		if (proc_field(lv->buf + (lv->watched[i].meminfo ? LIVE_BUF_SIZE / 2 : 0),
			       lv->watched[i].name, &values[i]))
			values[i] = INT64_MIN; /* no such field: stopped at its expect */
	return 0;
}

/*
 * A quiet window: the watched fields, then again quiet_ms later.  Our
 * tasks are idle (before the first statement, or after the last): if
 * anything moved, someone else is at work right now, and a run next to
 * it is disturbed.
 */
static int quiet_window(struct live *lv, const char *when)
{
	int64_t before[LIVE_MAX_WATCHED], after[LIVE_MAX_WATCHED];
	struct timespec pause = {.tv_sec = lv->o->quiet_ms / 1000,
				 .tv_nsec = (long)(lv->o->quiet_ms % 1000) * 1000000L};
	size_t i;
	int ret;

	if (!lv->o->quiet_ms || lv->disturbed)
		return 0;
	ret = read_watched(lv, before);
	if (!ret) {
		while (nanosleep(&pause, &pause) && errno == EINTR)
			;
		ret = read_watched(lv, after);
	}
	if (ret)
		return driver_error(lv, NULL, "reading /proc: %s", strerror(-ret));
	for (i = 0; i < lv->nr_watched; i++) {
		if (before[i] == after[i])
			continue;
		lv->disturbed = true;
		snprintf(lv->disturbed_by, sizeof(lv->disturbed_by),
			 "%s moved by %lld while our tasks were idle %s",
			 lv->watched[i].name, (long long)(after[i] - before[i]), when);
		break;
	}
	return 0;
}

/* Has anyone else locked or unlocked memory since the baseline? */
static int census_check(struct live *lv)
{
	int ret;

	if (lv->disturbed)
		return 0;
	ret = census_take(lv, &lv->census_now);
	if (ret)
		return driver_error(lv, NULL, "reading /proc: %s", strerror(-ret));
	lv->disturbed = census_differs(lv, &lv->census_base, &lv->census_now);
	return 0;
}

/* ---- talking to tasks ---- */

static int wait_readable(int fd, unsigned int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r ? 0 : -ETIMEDOUT;
}

/* The next message from a task: a reply or a HELLO. */
static int receive(struct live *lv, int sock, struct native_reply *r)
{
	ssize_t n;
	int ret = wait_readable(sock, lv->o->timeout_ms);

	if (ret)
		return ret;
	do
		n = recv(sock, r, sizeof(*r), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE; /* the task died */
	if (n != (ssize_t)sizeof(*r) || r->magic != NATIVE_PROTOCOL_MAGIC)
		return -EPROTO;
	return 0;
}

static int send_cmd(int sock, struct native_cmd *c, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = c, .iov_len = sizeof(*c)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	c->magic = NATIVE_PROTOCOL_MAGIC;
	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*c) ? 0 : -EPROTO;
}

static const char *task_failure(int ret)
{
	switch (ret) {
	case -ETIMEDOUT:
		return "did not answer";
	case -EPIPE:
		return "died";
	case -EPROTO:
		return "sent garbage";
	default:
		return strerror(-ret);
	}
}

/* ---- starting tasks ---- */

static int drop_cap_ipc_lock(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1U << CAP_IPC_LOCK;

	/* from the bounding set too: exec as root would give it back */
	if (prctl(PR_CAPBSET_DROP, CAP_IPC_LOCK, 0, 0, 0))
		return -errno;
	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[0].effective &= ~bit;
	d[0].permitted &= ~bit;
	d[0].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

/*
 * A task with another uid keeps CAP_IPC_LOCK across setresuid (keepcaps)
 * and across exec (ambient), when the scenario grants it.
 */
static int become_uid(unsigned int uid, bool keep_ipc_lock)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1U << CAP_IPC_LOCK;

	if (keep_ipc_lock && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -errno;
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -errno;
	if (!keep_ipc_lock)
		return 0;
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = d[0].inheritable = bit;
	if (syscall(SYS_capset, &h, d) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_IPC_LOCK, 0, 0))
		return -errno;
	return 0;
}

/* In the child, before exec: tell the driver what failed, then die. */
static void child_fail(int sock, int step, int err) __attribute__((noreturn));
static void child_fail(int sock, int step, int err)
{
	struct native_reply r = {.magic = NATIVE_PROTOCOL_MAGIC,
				 .op = NATIVE_OP_HELLO, .err = err, .pid = -step};

	if (send(sock, &r, sizeof(r), MSG_NOSIGNAL) < 0)
		_exit(127);
	_exit(127);
}

static const char *const child_steps[] = {
	"?", "prctl(PR_SET_PDEATHSIG)", "sched_setaffinity", "setrlimit(RLIMIT_MEMLOCK)",
	"setresuid", "dropping CAP_IPC_LOCK", "execve of the helper", "opening a file",
};

static void child_setup(const struct live *lv, const struct scenario_task *tk,
			int sock, int memfd, pid_t driver) __attribute__((noreturn));
static void child_setup(const struct live *lv, const struct scenario_task *tk,
			int sock, int memfd, pid_t driver)
{
	static char fd_texts[LIVE_MAX_OBJECTS][16];
	static char *argv[4 + LIVE_MAX_OBJECTS + 1];
	char fd_text[16], size_text[32], memfd_text[16];
	char *envp[] = {NULL};
	struct rlimit rl;
	sigset_t all;
	cpu_set_t cpus;
	size_t i;
	int ret;

	argv[0] = NATIVE_TASK_HELPER;
	argv[1] = fd_text;
	argv[2] = size_text;
	argv[3] = memfd_text;
	snprintf(memfd_text, sizeof(memfd_text), "%d", memfd);
	snprintf(size_text, sizeof(size_text), "%llu", (unsigned long long)lv->buffer_size);

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != driver)
		child_fail(sock, 1, errno);
	CPU_ZERO(&cpus);
	CPU_SET(tk->cpu, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		child_fail(sock, 2, errno);
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		child_fail(sock, 3, errno);
	/* above the hard limit only with cap_ipc_lock, where the kernel never
	 * reads it (native_scenario_check): then the hard limit it is */
	rl.rlim_cur = tk->memlock_unlimited ? RLIM_INFINITY : tk->memlock;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max &&
	    tk->cap_ipc_lock && !lv->can_raise_memlock)
		rl.rlim_cur = rl.rlim_max;
	rl.rlim_max = rl.rlim_cur;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		child_fail(sock, 3, errno);
	/* as root, before the uid changes: the bounding set, the files */
	if (!tk->cap_ipc_lock) {
		ret = drop_cap_ipc_lock();
		if (ret)
			child_fail(sock, 5, -ret);
	}
	for (i = 0; i < lv->nr_files; i++) {
		int fd = open(lv->file_paths[i], O_RDWR);

		if (fd < 0)
			child_fail(sock, 7, errno);
		/* no readahead on a disk file, as the model has none: a read
		 * brings in exactly its pages, each an order-0 folio
		 * (force_page_cache_ra; ext4 readahead would make large ones) */
		if (lv->files[i]->fs == SCENARIO_FS_DISK)
			posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
		snprintf(fd_texts[i], sizeof(fd_texts[i]), "%d", fd);
		argv[4 + i] = fd_texts[i];
	}
	argv[4 + lv->nr_files] = NULL;
	if (tk->uid_given && tk->uid != 0) {
		ret = become_uid(tk->uid, tk->cap_ipc_lock);
		if (ret)
			child_fail(sock, 4, -ret);
	}
	if (fcntl(sock, F_SETFD, 0) || fcntl(memfd, F_SETFD, 0))
		child_fail(sock, 6, errno);
	snprintf(fd_text, sizeof(fd_text), "%d", sock);
	execve(lv->o->helper, argv, envp);
	child_fail(sock, 6, errno);
}

static int pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static struct live_task *add_task(struct live *lv, const char *name)
{
	struct live_task *t;

	if (lv->nr_tasks == LIVE_MAX_TASKS)
		return NULL;
	t = &lv->tasks[lv->nr_tasks++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->pidfd = t->sock = t->memfd = -1;
	t->memcg = -1;
	return t;
}

static uint64_t limit_pages(const struct scenario_task *tk)
{
	if (tk->memlock_unlimited)
		return UINT64_MAX;
	return tk->memlock / LIVE_PAGE_SIZE;
}

static int spawn_task(struct live *lv, const struct scenario_statement *st)
{
	const struct scenario_task *tk = &st->task;
	struct native_reply r;
	struct live_task *t;
	pid_t driver = getpid(), pid;
	int sv[2], ret;

	t = add_task(lv, tk->name);
	if (!t)
		return driver_error(lv, st, "more than %d tasks", LIVE_MAX_TASKS);
	t->cpu = tk->cpu;
	t->limit_pages = limit_pages(tk);
	t->capable = tk->cap_ipc_lock;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return driver_error(lv, st, "socketpair: %s", strerror(errno));
	/* the helper's shared memory, held by us to the end of the run */
	t->memfd = (int)syscall(SYS_memfd_create, "unevict-task", MFD_CLOEXEC);
	if (t->memfd < 0) {
		ret = errno;
		close(sv[0]);
		close(sv[1]);
		return driver_error(lv, st, "memfd_create: %s", strerror(ret));
	}
	pid = fork();
	if (pid < 0) {
		ret = errno;
		close(sv[0]);
		close(sv[1]);
		return driver_error(lv, st, "fork: %s", strerror(ret));
	}
	if (pid == 0) {
		close(sv[0]);
		child_setup(lv, tk, sv[1], t->memfd, driver);
	}
	close(sv[1]);
	t->sock = sv[0];
	t->pid = pid;
	t->pidfd = pidfd_open(pid);
	if (t->pidfd < 0 || register_pid(pid, t->pidfd)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return driver_error(lv, st, "pidfd_open: %s", strerror(errno));
	}
	ret = receive(lv, t->sock, &r);
	if (ret)
		return driver_error(lv, st, "task '%s' %s while starting", t->name,
				    task_failure(ret));
	if (r.op != NATIVE_OP_HELLO || r.err || r.pid != pid) {
		int step = r.pid < 0 && -r.pid < (int)(sizeof(child_steps) /
						      sizeof(child_steps[0])) ? -r.pid : 0;

		return driver_error(lv, st, "task '%s' could not start: %s: %s", t->name,
				    child_steps[step], strerror(r.err));
	}
	return join_memcg(lv, st, t);
}

/* ---- files and shm segments ---- */

#define LIVE_TMPFS_MAGIC 0x01021994
#define LIVE_RAMFS_MAGIC 0x858458f6

static bool namespaces_entered;

/*
 * Files and segments live in mount and IPC namespaces of our own (our
 * tasks share them): a tmpfs or ramfs we mount, a segment we shmget, is
 * seen by nobody else and cannot outlive us.
 */
static int enter_namespaces(struct live *lv)
{
	if (namespaces_entered)
		return 0;
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return driver_error(lv, NULL, "files and shm need mount and IPC namespaces of their own: %s",
				    strerror(errno));
	namespaces_entered = true;
	return 0;
}

/* A directory on a disk file system (fs=disk means one: ext4 here). */
static const char *disk_directory(void)
{
	static const char *const dirs[] = {"/tmp", "/var/tmp"};
	struct statfs f;
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!statfs(dirs[i], &f) && f.f_type != LIVE_TMPFS_MAGIC &&
		    f.f_type != LIVE_RAMFS_MAGIC)
			return dirs[i];
	return NULL;
}

static int make_file(struct live *lv, size_t i)
{
	const struct scenario_file *f = lv->files[i];
	static const char *const fs_names[] = {
		[SCENARIO_FS_DISK] = "disk", [SCENARIO_FS_TMPFS] = "tmpfs",
		[SCENARIO_FS_RAMFS] = "ramfs",
	};
	char mnt[PATH_MAX];
	int fd, n;

	if (f->fs == SCENARIO_FS_DISK) {
		n = snprintf(lv->file_paths[i], PATH_MAX, "%s/%s", live_dir, f->name);
	} else {
		/* tmpfs: huge=never, every folio one page, as the probe had it */
		n = snprintf(mnt, sizeof(mnt), "%s/%s.mnt", live_dir, f->name);
		if (n < 0 || n >= (int)sizeof(mnt))
			return driver_error(lv, NULL, "file '%s': path too long", f->name);
		if (mkdir(mnt, 0755) || register_path(mnt, true) ||
		    mount(fs_names[f->fs], mnt, fs_names[f->fs], 0,
			  f->fs == SCENARIO_FS_TMPFS ? "huge=never" : NULL))
			return driver_error(lv, NULL, "mounting a %s for file '%s': %s",
					    fs_names[f->fs], f->name, strerror(errno));
		n = snprintf(lv->file_paths[i], PATH_MAX, "%s/%s", mnt, f->name);
	}
	if (n < 0 || n >= PATH_MAX)
		return driver_error(lv, NULL, "file '%s': path too long", f->name);
	fd = open(lv->file_paths[i], O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
	if (fd < 0 || register_path(lv->file_paths[i], false) ||
	    ftruncate(fd, (off_t)f->size)) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return driver_error(lv, NULL, "creating file '%s': %s", f->name, strerror(e));
	}
	close(fd);
	return 0;
}

/*
 * A conform killed by SIGKILL leaves its directory behind (its mounts and
 * segments die with its namespaces): unevict-conform.PID.*, PID gone.
 * Inside are the disk files and the emptied mount points, nothing deeper.
 */
static void remove_stale_directories(const char *base)
{
	char path[PATH_MAX], inner[PATH_MAX];
	struct dirent *d, *e;
	DIR *dir = opendir(base), *sub;

	if (!dir)
		return;
	while ((d = readdir(dir))) {
		long pid;
		char *end;

		if (strncmp(d->d_name, "unevict-conform.", 16))
			continue;
		pid = strtol(d->d_name + 16, &end, 10);
		if (*end != '.' || pid <= 0 || !kill((pid_t)pid, 0) || errno != ESRCH)
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", base, d->d_name) >= (int)sizeof(path))
			continue;
		sub = opendir(path);
		while (sub && (e = readdir(sub))) {
			if (e->d_name[0] == '.' ||
			    snprintf(inner, sizeof(inner), "%s/%s", path, e->d_name) >= (int)sizeof(inner))
				continue;
			if (unlink(inner) && (errno == EISDIR || errno == EPERM))
				rmdir(inner);
		}
		if (sub)
			closedir(sub);
		rmdir(path);
	}
	closedir(dir);
}

/* Every file and segment of the scenario, before any task: as the probe. */
static int make_objects(struct live *lv)
{
	const char *base;
	size_t i;
	int ret;

	for (i = 0; i < lv->s->nr_statements; i++) {
		const struct scenario_statement *st = &lv->s->statements[i];

		if (st->kind == SCENARIO_FILE && lv->nr_files < LIVE_MAX_OBJECTS)
			lv->files[lv->nr_files++] = &st->file;
		else if (st->kind == SCENARIO_SHM && lv->nr_shms < LIVE_MAX_OBJECTS)
			lv->shms[lv->nr_shms++] = &st->shm;
		else if (st->kind == SCENARIO_CALL && (st->call.kind == SCENARIO_CALL_READ ||
						       st->call.kind == SCENARIO_CALL_WRITE) &&
			 st->call.len > lv->buffer_size)
			lv->buffer_size = st->call.len;
	}
	if (!lv->nr_files && !lv->nr_shms)
		return 0;
	ret = enter_namespaces(lv);
	if (ret)
		return ret;
	if (lv->nr_files) {
		base = disk_directory();
		if (!base)
			return driver_error(lv, NULL, "no disk file system for the files (/tmp and /var/tmp are in memory)");
		remove_stale_directories(base);
		snprintf(live_dir, sizeof(live_dir), "%s/unevict-conform.%d.XXXXXX", base,
			 (int)getpid());
		if (!mkdtemp(live_dir)) {
			live_dir[0] = '\0';
			return driver_error(lv, NULL, "mkdtemp: %s", strerror(errno));
		}
	}
	for (i = 0; i < lv->nr_files; i++) {
		ret = make_file(lv, i);
		if (ret)
			return ret;
	}
	/* root, 0600: the owner and the creator of every segment is uid 0 */
	for (i = 0; i < lv->nr_shms; i++) {
		lv->shmids[i] = shmget(IPC_PRIVATE, lv->shms[i]->size, IPC_CREAT | 0600);
		if (lv->shmids[i] < 0)
			return driver_error(lv, NULL, "shmget of '%s': %s", lv->shms[i]->name,
					    strerror(errno));
		live_shmids[live_nr_shmids] = lv->shmids[i];
		live_nr_shmids = live_nr_shmids + 1;
	}
	return 0;
}

static int find_file(const struct live *lv, const char *name)
{
	size_t i;

	for (i = 0; i < lv->nr_files; i++)
		if (!strcmp(lv->files[i]->name, name))
			return (int)i;
	return -1;
}

static int find_shm(const struct live *lv, const char *name)
{
	size_t i;

	for (i = 0; i < lv->nr_shms; i++)
		if (!strcmp(lv->shms[i]->name, name))
			return (int)i;
	return -1;
}

/* ---- memcgs (cgroup v1 memory controller) ---- */

/* Write text to a file (a cgroup control file): 0 or -errno. */
static int write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t n;
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	do
		n = write(fd, text, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		ret = -errno;
	else if ((size_t)n != len)
		ret = -EIO;
	close(fd);
	return ret;
}

static int memcg_file(const struct live *lv, int i, const char *file, char *path)
{
	(void)lv;
	if (snprintf(path, PATH_MAX, "%s/%s", live_memcg_paths[i + 1], file) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* A number a memcg file holds ("123\n"): 0 or -errno. */
static int memcg_read_number(struct live *lv, int i, const char *file, uint64_t *value)
{
	char path[PATH_MAX], *end;
	int ret = memcg_file(lv, i, file, path);

	if (!ret)
		ret = read_file(path, lv->buf, 256);
	if (ret)
		return ret;
	errno = 0;
	*value = strtoull(lv->buf, &end, 10);
	return errno || end == lv->buf ? -EPROTO : 0;
}

static int find_memcg(const struct live *lv, const char *name)
{
	size_t i;

	for (i = 0; i < lv->nr_memcgs; i++)
		if (!strcmp(lv->memcgs[i].sm->name, name))
			return (int)i;
	return -1;
}

static bool memcg_in_subtree(const struct live *lv, int memcg, int root)
{
	for (; memcg >= 0; memcg = lv->memcgs[memcg].parent)
		if (memcg == root)
			return true;
	return false;
}

/* rmdir a cgroup directory and every directory below it (no files). */
static void remove_cgroup_tree(const char *path, int depth)
{
	char inner[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	if (depth > 16)
		return;
	dir = opendir(path);
	while (dir && (d = readdir(dir))) {
		if (d->d_type != DT_DIR || d->d_name[0] == '.' ||
		    snprintf(inner, sizeof(inner), "%s/%s", path, d->d_name) >= (int)sizeof(inner))
			continue;
		remove_cgroup_tree(inner, depth + 1);
	}
	if (dir)
		closedir(dir);
	rmdir(path);
}

/*
 * A conform killed by SIGKILL leaves its run's memcg directory behind
 * (its tasks died with it): unevict-conform.PID.N, PID gone.
 */
static void remove_stale_memcgs(void)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir = opendir(LIVE_MEMCG_ROOT);

	while (dir && (d = readdir(dir))) {
		long pid;
		char *end;

		if (strncmp(d->d_name, "unevict-conform.", 16))
			continue;
		pid = strtol(d->d_name + 16, &end, 10);
		if (*end != '.' || pid <= 0 || !kill((pid_t)pid, 0) || errno != ESRCH ||
		    snprintf(path, sizeof(path), "%s/%s", LIVE_MEMCG_ROOT, d->d_name) >= (int)sizeof(path))
			continue;
		remove_cgroup_tree(path, 0);
	}
	if (dir)
		closedir(dir);
}

static int register_memcg_path(const char *path)
{
	int i = live_nr_memcg_paths;

	if (i > LIVE_MAX_OBJECTS || strlen(path) >= PATH_MAX)
		return -E2BIG;
	strcpy(live_memcg_paths[i], path);
	live_nr_memcg_paths = i + 1;
	return 0;
}

/*
 * The scenario's memcgs, before any task: a directory of the run's own in
 * the v1 memory hierarchy (so no name can meet the machine's cgroups, and
 * one rmdir order removes everything), each memcg in its parent's
 * directory, memory.limit_in_bytes written when the scenario gives one.
 * The hierarchy must be on (memory.use_hierarchy 1): the model's memcgs
 * charge and limit their ancestors too.
 */
static int make_memcgs(struct live *lv)
{
	static unsigned int seq;
	char path[PATH_MAX], text[32];
	struct stat sb;
	uint64_t hierarchy;
	size_t i;
	int ret;

	for (i = 0; i < lv->s->nr_statements; i++) {
		const struct scenario_statement *st = &lv->s->statements[i];
		struct live_memcg *mc;

		if (st->kind != SCENARIO_MEMCG)
			continue;
		if (!live_nr_memcg_paths) {
			remove_stale_memcgs();
			snprintf(path, sizeof(path), "%s/unevict-conform.%d.%u", LIVE_MEMCG_ROOT,
				 (int)getpid(), seq++);
			/* registered first: a signal between the two finds it */
			if (register_memcg_path(path))
				return driver_error(lv, st, "too many memcgs");
			if (mkdir(path, 0755))
				return driver_error(lv, st, "mkdir %s: %s", path, strerror(errno));
			ret = snprintf(path, sizeof(path), "%s/memory.use_hierarchy",
				       live_memcg_paths[0]) >= (int)sizeof(path) ? -ENAMETOOLONG : 0;
			if (!ret)
				ret = read_file(path, lv->buf, 256);
			hierarchy = ret ? 0 : strtoull(lv->buf, NULL, 10);
			if (ret || hierarchy != 1)
				return driver_error(lv, st, "%s is not 1: the memcgs would not be hierarchical, as the model's are",
						    path);
		}
		if (lv->nr_memcgs == LIVE_MAX_OBJECTS)
			return driver_error(lv, st, "more than %d memcgs", LIVE_MAX_OBJECTS);
		mc = &lv->memcgs[lv->nr_memcgs];
		memset(mc, 0, sizeof(*mc));
		mc->sm = &st->memcg;
		mc->parent = st->memcg.parent_given ? find_memcg(lv, st->memcg.parent) : -1;
		if (snprintf(path, sizeof(path), "%s/%s", live_memcg_paths[mc->parent + 1],
			     st->memcg.name) >= (int)sizeof(path))
			return driver_error(lv, st, "memcg '%s': path too long", st->memcg.name);
		if (register_memcg_path(path))
			return driver_error(lv, st, "too many memcgs");
		lv->nr_memcgs++;
		if (mkdir(path, 0755))
			return driver_error(lv, st, "mkdir %s: %s", path, strerror(errno));
		if (stat(path, &sb))
			return driver_error(lv, st, "stat %s: %s", path, strerror(errno));
		mc->ino = (uint64_t)sb.st_ino;
		if (st->memcg.limit_given) {
			snprintf(text, sizeof(text), "%llu", (unsigned long long)st->memcg.limit);
			ret = memcg_file(lv, (int)lv->nr_memcgs - 1, "memory.limit_in_bytes", path);
			if (!ret)
				ret = write_text(path, text);
			if (ret)
				return driver_error(lv, st, "memcg '%s': writing memory.limit_in_bytes: %s",
						    st->memcg.name, strerror(-ret));
		}
	}
	return 0;
}

/* A new task joins its memcg (after its start-up: its own image stays
 * charged where the driver is, as a v1 memcg moves no charges). */
static int join_memcg(struct live *lv, const struct scenario_statement *st,
		      struct live_task *t)
{
	char path[PATH_MAX], text[32];
	int ret;

	if (!st->task.memcg_given)
		return 0;
	t->memcg = find_memcg(lv, st->task.memcg);
	if (t->memcg < 0)
		return driver_error(lv, st, "no memcg '%s'", st->task.memcg);
	snprintf(text, sizeof(text), "%d", (int)t->pid);
	ret = memcg_file(lv, t->memcg, "cgroup.procs", path);
	if (!ret)
		ret = write_text(path, text);
	if (ret)
		return driver_error(lv, st, "task '%s' joining memcg '%s': %s", t->name,
				    st->task.memcg, strerror(-ret));
	return 0;
}

/*
 * A task of a memcg faulted pages of its own program image in: they are
 * charged to the memcg (and its ancestors), which the model's tasks do not
 * have.  That memcg's values are image-dependent from here on.
 */
static void memcg_image(struct live *lv, const struct live_task *t,
			const struct scenario_statement *st, const char *what)
{
	int i;

	for (i = t->memcg; i >= 0; i = lv->memcgs[i].parent)
		if (!lv->memcgs[i].image_note[0])
			snprintf(lv->memcgs[i].image_note, sizeof(lv->memcgs[i].image_note),
				 "memcg %s holds task %s's own image pages since its %s at line %u",
				 lv->memcgs[i].sm->name, t->name, what, st->line);
}

static void task_cpus(const struct scenario *s, cpu_set_t *used);
static void repin_driver(struct live *lv);

/* The driver moves to the first CPU a task of the scenario runs on. */
static void scan_on_task_cpu(struct live *lv)
{
	cpu_set_t used, one;
	int cpu;

	task_cpus(lv->s, &used);
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &used))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		sched_setaffinity(0, sizeof(one), &one);
		return;
	}
}

/*
 * Every page's memcg and flags (/proc/kpagecgroup, /proc/kpageflags), for
 * the pages of our memcgs: their LRU lists and user pages.  memory.stat's
 * LRU counters lag (native.h); the pages themselves do not.  Our tasks
 * are idle while we read; 0.2 s for 24 GiB.
 */
static int scan_memcgs(struct live *lv)
{
	const size_t chunk = LIVE_KPAGE_CHUNK * sizeof(uint64_t);
	int fcg, ffl, ret = 0;
	uint64_t pfn = 0;
	ssize_t n;
	size_t i, k;

	if (lv->scan_valid)
		return 0;
	memset(lv->memcg_pages, 0, sizeof(lv->memcg_pages));
	/*
	 * A scan keeps a CPU busy in the kernel for 0.2 s: on the driver's
	 * own CPU, every other process waking meanwhile (the machine's pollers)
	 * would be sent to the idle task CPU, and the witness would count
	 * them there.  So the scan runs on a task CPU, whose tasks are idle,
	 * and leaves the other CPU idle for them.  Reading /proc/kpage* puts
	 * nothing in that CPU's batches.
	 */
	scan_on_task_cpu(lv);
	fcg = open("/proc/kpagecgroup", O_RDONLY | O_CLOEXEC);
	ffl = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	if (fcg < 0 || ffl < 0) {
		ret = -errno;
		goto out;
	}
	while ((n = pread(fcg, lv->kpage_cgroup, chunk, (off_t)(pfn * 8))) > 0) {
		size_t nr = (size_t)n / 8;
		bool flags_read = false;

		for (i = 0; i < nr; i++) {
			uint64_t ino = lv->kpage_cgroup[i];

			if (!ino)
				continue;
			for (k = 0; k < lv->nr_memcgs && lv->memcgs[k].ino != ino; k++)
				;
			if (k == lv->nr_memcgs)
				continue;
			if (!flags_read) {
				if (pread(ffl, lv->kpage_flags, nr * 8, (off_t)(pfn * 8)) != (ssize_t)(nr * 8)) {
					ret = -EIO;
					goto out;
				}
				flags_read = true;
			}
			proc_memcg_count(&lv->memcg_pages[k], lv->kpage_flags[i]);
		}
		pfn += nr;
	}
	if (n < 0)
		ret = -errno;
	lv->scan_valid = !ret;
out:
	if (fcg >= 0)
		close(fcg);
	if (ffl >= 0)
		close(ffl);
	repin_driver(lv);
	return ret;
}

/* User pages charged to memcg i and its descendants. */
static uint64_t subtree_user(const struct live *lv, int root)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < lv->nr_memcgs; i++)
		if (memcg_in_subtree(lv, (int)i, root))
			sum += lv->memcg_pages[i].user;
	return sum;
}

/* ---- the driver's own CPU ---- */

/* Every CPU a task of the scenario runs on (forks inherit their parent's). */
static void task_cpus(const struct scenario *s, cpu_set_t *used)
{
	size_t i;

	CPU_ZERO(used);
	for (i = 0; i < s->nr_statements; i++)
		if (s->statements[i].kind == SCENARIO_TASK)
			CPU_SET(s->statements[i].task.cpu, used);
}

/* Off the tasks' CPUs when the machine has one free: the highest free. */
static void pin_driver(struct live *lv)
{
	cpu_set_t used, mine;
	int cpu;

	if (sched_getaffinity(0, sizeof(lv->saved_affinity), &lv->saved_affinity))
		return;
	lv->affinity_saved = true;
	task_cpus(lv->s, &used);
	for (cpu = CPU_SETSIZE - 1; cpu >= 0; cpu--) {
		if (!CPU_ISSET(cpu, &lv->saved_affinity) || CPU_ISSET(cpu, &used))
			continue;
		CPU_ZERO(&mine);
		CPU_SET(cpu, &mine);
		if (!sched_setaffinity(0, sizeof(mine), &mine))
			lv->driver_cpu = cpu;
		return;
	}
}

/* Back where pin_driver put us (after `reclaim` ran on CPU 0). */
static void repin_driver(struct live *lv)
{
	cpu_set_t mine;

	if (lv->driver_cpu < 0) {
		if (lv->affinity_saved)
			sched_setaffinity(0, sizeof(lv->saved_affinity), &lv->saved_affinity);
		return;
	}
	CPU_ZERO(&mine);
	CPU_SET(lv->driver_cpu, &mine);
	sched_setaffinity(0, sizeof(mine), &mine);
}

static void unpin_driver(struct live *lv)
{
	if (lv->affinity_saved)
		sched_setaffinity(0, sizeof(lv->saved_affinity), &lv->saved_affinity);
}

/* ---- the CPU witnesses ---- */

/*
 * Who else ran on our tasks' CPUs, and how long.  Another process running
 * there can empty the per-CPU batches our scenario fills (its own mlock,
 * populate or madvise drains them; its page faults fill the lru_add batch
 * until it spills ours), and nothing in /proc shows it afterwards.  The
 * context-switch records of a per-CPU perf event (PERF_RECORD_SWITCH_CPU_WIDE:
 * each switch in and each switch out, with the task and the time) tell
 * who ran there and for how long: from its switch in to its switch out.
 * (Measuring from the switch before instead counts the CPU's idle time to
 * whoever runs after it: the idle task's own switches are not recorded.)
 * Other user processes using more
 * than LIVE_FOREIGN_NS_MAX of a task's CPU make the run disturbed: a busy
 * neighbour keeps disturbing every run the same way, which the two
 * identical runs alone would not catch; a short wake-up (a poller) at
 * worst disturbs one run, which they do.  Kernel threads are the kernel's
 * own work (our drains and stat_refresh run in kworkers).
 */
static int perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
	return (int)syscall(SYS_perf_event_open, attr, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

static void witnesses_close(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->nr_witnesses; i++) {
		if (lv->witness[i].ring)
			munmap(lv->witness[i].ring, (1 + LIVE_WITNESS_PAGES) * LIVE_PAGE_SIZE);
		close(lv->witness[i].fd);
	}
	lv->nr_witnesses = 0;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* One witness per task CPU, enabled now: 0, or -errno (then no witness). */
static int witnesses_open(struct live *lv)
{
	struct perf_event_attr attr;
	cpu_set_t used;
	int cpu;

	task_cpus(lv->s, &used);
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_DUMMY;
	attr.context_switch = 1;
	attr.sample_id_all = 1;
	attr.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
	attr.use_clockid = 1;
	attr.clockid = CLOCK_MONOTONIC;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		int fd;
		void *ring;

		if (!CPU_ISSET(cpu, &used))
			continue;
		fd = perf_event_open(&attr, -1, cpu);
		if (fd < 0) {
			witnesses_close(lv);
			return -errno;
		}
		ring = mmap(NULL, (1 + LIVE_WITNESS_PAGES) * LIVE_PAGE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
		lv->witness[lv->nr_witnesses].fd = fd;
		lv->witness[lv->nr_witnesses].cpu = (unsigned int)cpu;
		lv->witness[lv->nr_witnesses].opened_ns = monotonic_ns();
		lv->witness[lv->nr_witnesses++].ring = ring == MAP_FAILED ? NULL : ring;
		if (ring == MAP_FAILED) {
			witnesses_close(lv);
			return -ENOMEM;
		}
	}
	return 0;
}

/* A kernel thread: kthreadd (2) or one of its children. */
static bool kernel_thread(struct live *lv, pid_t pid)
{
	char path[64], *p;

	if (pid == 0 || pid == 2)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (read_file(path, lv->buf, 4096))
		return false; /* gone: a short-lived process, not a kernel thread */
	p = strrchr(lv->buf, ')'); /* after the comm, which may hold anything */
	return p && strtol(p + 4, NULL, 10) == 2; /* ") S PPID" */
}

/* A pid seen by a witness, and whether it is another user process. */
struct witnessed {
	pid_t pid;
	bool foreign;
};

static bool foreign_pid(struct live *lv, pid_t pid, struct witnessed *seen,
			size_t *nr_seen, size_t max)
{
	size_t i;
	bool foreign;

	/* pid -1: a task switched out for the last time, its pid already
	 * released (ours exit too) */
	if (pid == -1 || our_pid(pid))
		return false;
	for (i = 0; i < *nr_seen; i++)
		if (seen[i].pid == pid)
			return seen[i].foreign;
	foreign = !kernel_thread(lv, pid);
	if (*nr_seen < max) {
		seen[*nr_seen].pid = pid;
		seen[(*nr_seen)++].foreign = foreign;
	}
	return foreign;
}

/* Read every sample since the start; too much foreign CPU time disturbs. */
static void witnesses_check(struct live *lv)
{
	const uint64_t size = LIVE_WITNESS_PAGES * LIVE_PAGE_SIZE;
	struct witnessed seen[64];
	size_t i, nr_seen = 0;

	for (i = 0; i < lv->nr_witnesses && !lv->disturbed; i++) {
		struct perf_event_mmap_page *meta = lv->witness[i].ring;
		const char *data = (const char *)meta + LIVE_PAGE_SIZE;
		uint64_t head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
		uint64_t tail = meta->data_tail;
		/* who was switched in last, and when (the task running when
		 * the witness opened: since then) */
		uint64_t in_ns = lv->witness[i].opened_ns;
		pid_t in_pid = -2;
		uint64_t foreign_ns = 0, worst_ns = 0;
		pid_t worst = 0;

		ioctl(lv->witness[i].fd, PERF_EVENT_IOC_DISABLE, 0);
		while (tail < head) {
			/* PERF_RECORD_SWITCH_CPU_WIDE and its sample_id (TID, TIME):
			 * pid is the task running at the record, the one switched
			 * out, or the one switched in */
			struct {
				struct perf_event_header h;
				uint32_t next_prev_pid, next_prev_tid;
				uint32_t pid, tid;
				uint64_t time;
			} rec;
			uint64_t ran;
			size_t k;

			for (k = 0; k < sizeof(rec); k++)
				((char *)&rec)[k] = data[(tail + k) % size];
			if (rec.h.size < sizeof(rec.h))
				break;
			tail += rec.h.size;
			if (rec.h.type == PERF_RECORD_LOST) {
				foreign_ns = UINT64_MAX; /* we cannot tell: assume the worst */
				break;
			}
			if (rec.h.type != PERF_RECORD_SWITCH_CPU_WIDE || rec.h.size < sizeof(rec))
				continue;
			if (!(rec.h.misc & PERF_RECORD_MISC_SWITCH_OUT)) {
				in_pid = (pid_t)rec.pid;
				in_ns = rec.time;
				continue;
			}
			/* switched out: it ran since it was switched in (or,
			 * if that was before we opened, since we opened) */
			ran = (in_pid == (pid_t)rec.pid || in_pid == -2) && rec.time > in_ns
				      ? rec.time - in_ns : 0;
			in_pid = -3;
			if (!foreign_pid(lv, (pid_t)rec.pid, seen, &nr_seen,
					 sizeof(seen) / sizeof(seen[0])))
				continue;
			foreign_ns += ran;
			if (ran > worst_ns) {
				worst_ns = ran;
				worst = (pid_t)rec.pid;
			}
		}
		__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
		if (foreign_ns <= LIVE_FOREIGN_NS_MAX)
			continue;
		lv->disturbed = true;
		if (foreign_ns == UINT64_MAX) {
			snprintf(lv->disturbed_by, sizeof(lv->disturbed_by),
				 "too many context switches on cpu %u to follow", lv->witness[i].cpu);
		} else {
			snprintf(lv->disturbed_by, sizeof(lv->disturbed_by),
				 "other processes ran %llu us on cpu %u, a task's CPU (most: pid %d, %s)",
				 (unsigned long long)(foreign_ns / 1000), lv->witness[i].cpu,
				 (int)worst, process_name(lv, worst));
		}
	}
}

/* ---- statements ---- */

static struct live_task *find_task(struct live *lv, const char *name)
{
	size_t i;

	for (i = 0; i < lv->nr_tasks; i++)
		if (!strcmp(lv->tasks[i].name, name))
			return &lv->tasks[i];
	return NULL;
}

static struct live_task *alive_task(struct live *lv, const struct scenario_statement *st,
				   const char *name)
{
	struct live_task *t = find_task(lv, name);

	if (!t)
		stop_here(lv, st, "task '%s' does not exist (the call that would have created it failed)",
			  name);
	else if (t->exited)
		stop_here(lv, st, "task '%s' has exited", name);
	else
		return t;
	return NULL;
}

static struct scenario_region *find_region(struct live_task *t, const char *name)
{
	return scenario_region_find(t->regions, t->nr_regions, name);
}

static int bind_region(struct live_task *t, const char *name, uint64_t addr,
		       uint64_t len)
{
	struct scenario_region *reg = find_region(t, name);

	if (!reg) {
		if (t->nr_regions == sizeof(t->regions) / sizeof(t->regions[0]))
			return -E2BIG;
		reg = &t->regions[t->nr_regions++];
		snprintf(reg->name, sizeof(reg->name), "%s", name);
	}
	reg->addr = addr;
	reg->len = len;
	return 0;
}

/* the span `smaps REGION` sums, as on the model */
static struct proc_span region_span(const struct scenario_region *reg)
{
	struct proc_span sp;

	scenario_region_span(reg, &sp.start, &sp.end);
	return sp;
}

/* /proc/PID/smaps of a task, and the share of it that is the image. */
static int read_smaps(struct live *lv, struct live_task *t, struct proc_image *image)
{
	struct proc_span spans[64];
	char path[64];
	size_t i;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)t->pid);
	ret = read_file(path, lv->buf, LIVE_BUF_SIZE);
	if (ret)
		return ret;
	for (i = 0; i < t->nr_regions; i++)
		spans[i] = region_span(&t->regions[i]);
	if (image)
		proc_smaps_image(lv->buf, spans, t->nr_regions, image);
	return 0;
}

static int prot_value(int prot)
{
	return (prot & SCENARIO_PROT_READ ? PROT_READ : 0) |
	       (prot & SCENARIO_PROT_WRITE ? PROT_WRITE : 0) |
	       (prot & SCENARIO_PROT_EXEC ? PROT_EXEC : 0);
}

static int advice_value(enum scenario_advice advice)
{
	switch (advice) {
	case SCENARIO_ADVICE_DONTNEED:
		return MADV_DONTNEED;
	case SCENARIO_ADVICE_FREE:
		return MADV_FREE;
	case SCENARIO_ADVICE_PAGEOUT:
		return MADV_PAGEOUT;
	case SCENARIO_ADVICE_COLD:
		return MADV_COLD;
	case SCENARIO_ADVICE_WILLNEED:
		return MADV_WILLNEED;
	case SCENARIO_ADVICE_REMOVE:
		return MADV_REMOVE;
	case SCENARIO_ADVICE_DONTNEED_LOCKED:
		return MADV_DONTNEED_LOCKED;
	case SCENARIO_ADVICE_POPULATE_READ:
		return MADV_POPULATE_READ;
	case SCENARIO_ADVICE_POPULATE_WRITE:
		return MADV_POPULATE_WRITE;
	}
	return -1;
}

/*
 * What the kernel's mlockall(MCL_CURRENT) rlimit check will see: total_vm
 * (VmSize) and the part of it that is the task's own image.  Read before
 * the call; reading /proc changes no batch.
 */
static int measure_vm(struct live *lv, struct live_task *t, struct outcome *o)
{
	struct proc_image image;
	char path[64];
	int64_t vmsize;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)t->pid);
	ret = read_file(path, lv->buf, LIVE_BUF_SIZE);
	if (!ret)
		ret = proc_field(lv->buf, "VmSize", &vmsize);
	if (!ret)
		ret = read_smaps(lv, t, &image);
	if (ret)
		return ret;
	o->vm_measured = true;
	o->total_pages = (uint64_t)vmsize / 4;
	o->image_pages = (uint64_t)image.size_kb / 4;
	o->limit_pages = t->limit_pages;
	snprintf(o->note, sizeof(o->note),
		 "total_vm %llu pages > RLIMIT_MEMLOCK %llu pages only with the task's image (%llu pages)",
		 (unsigned long long)o->total_pages, (unsigned long long)o->limit_pages,
		 (unsigned long long)o->image_pages);
	return 0;
}

/*
 * What the kernel's RLIMIT_MEMLOCK check of a call will add up, once a
 * task's image may be locked (image_limit.c): locked_vm (VmLck), the
 * image's VM_LOCKED part, and the call's request.  Read before the call.
 */
static int measure_locked(struct live *lv, struct live_task *t, struct outcome *o,
			  uint64_t request)
{
	struct proc_image image;
	char path[64];
	int64_t vmlck;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)t->pid);
	ret = read_file(path, lv->buf, LIVE_BUF_SIZE);
	if (!ret)
		ret = proc_field(lv->buf, "VmLck", &vmlck);
	if (!ret)
		ret = read_smaps(lv, t, &image);
	if (ret)
		return ret;
	o->lock_measured = true;
	o->locked_pages = (uint64_t)vmlck / 4;
	o->image_locked_pages = (uint64_t)image.locked_size_kb / 4;
	o->request_pages = (request + LIVE_PAGE_SIZE - 1) / LIVE_PAGE_SIZE;
	o->limit_pages = t->limit_pages;
	snprintf(o->note, sizeof(o->note),
		 "locked_vm %llu pages, %llu of them task %s's locked image, + %llu asked > RLIMIT_MEMLOCK %llu pages",
		 (unsigned long long)o->locked_pages, (unsigned long long)o->image_locked_pages,
		 t->name, (unsigned long long)o->request_pages,
		 (unsigned long long)o->limit_pages);
	return 0;
}

/*
 * The signal that killed a dead task, 0 if it exited, -1 if unknown: its
 * wait status when it is our child (waitid on its pidfd reaps it), else
 * the exit_code of its /proc/PID/stat (field 52) while it is a zombie.
 */
static int death_signal(struct live *lv, struct live_task *t)
{
	siginfo_t si;
	char path[64], *p;
	long code;
	int field;

	memset(&si, 0, sizeof(si));
	if (!syscall(SYS_waitid, 3 /* P_PIDFD */, t->pidfd, &si, WEXITED | WNOHANG | __WALL,
		     NULL) && si.si_pid)
		return si.si_code == CLD_EXITED ? 0 : si.si_status;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)t->pid);
	if (read_file(path, lv->buf, 4096))
		return -1;
	p = strrchr(lv->buf, ')');
	for (field = 2; p && field < 52; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -1;
	code = strtol(p + 1, NULL, 10);
	return code & 0x7f ? (int)(code & 0x7f) : 0;
}

/*
 * A task died without being told to (its pidfd is readable): the memcg
 * OOM killer's SIGKILL.  It counts as exited from here on, as the model's
 * victim does.  Any other death is the driver's failure.
 */
static int task_died(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t)
{
	int sig = death_signal(lv, t);

	t->exited = true;
	if (t->sock >= 0)
		close(t->sock);
	t->sock = -1;
	if (sig != SIGKILL)
		return driver_error(lv, st, "task '%s' died (%s)", t->name,
				    sig > 0 ? strsignal(sig) : sig == 0 ? "exited" : "how is unknown");
	return 0;
}

/* Every task the OOM killer took meanwhile, besides the caller. */
static int sweep_dead_tasks(struct live *lv, const struct scenario_statement *st)
{
	size_t i;
	int ret;

	for (i = 0; i < lv->nr_tasks; i++) {
		struct live_task *t = &lv->tasks[i];
		struct pollfd p = {.fd = t->pidfd, .events = POLLIN};

		if (t->exited || t->pidfd < 0 || poll(&p, 1, 0) != 1)
			continue;
		ret = task_died(lv, st, t);
		if (ret)
			return ret;
	}
	return 0;
}

/* call_task: the task was killed during the call, it never replied. */
#define LIVE_CALL_KILLED 2
/* A call's result when its task was killed (outcome KILLED). */
#define LIVE_KILLED (-1)

/* Send a command to t and read its reply: 0, LIVE_CALL_KILLED, or a
 * driver error. */
static int call_task(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t, struct native_cmd *c, struct native_reply *r)
{
	int ret = send_cmd(t->sock, c, -1);

	if (!ret)
		ret = receive(lv, t->sock, r);
	if ((ret == -EPIPE || ret == -ECONNRESET) &&
	    !wait_readable(t->pidfd, lv->o->timeout_ms)) {
		ret = task_died(lv, st, t);
		return ret ? ret : LIVE_CALL_KILLED;
	}
	if (!ret && r->op != c->op)
		ret = -EPROTO;
	if (ret)
		return driver_error(lv, st, "task '%s' %s", t->name, task_failure(ret));
	return 0;
}

static int call_fork(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t, int *result)
{
	struct native_cmd c = {.op = NATIVE_OP_FORK};
	struct native_reply r, hello;
	struct live_task *child;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return driver_error(lv, st, "socketpair: %s", strerror(errno));
	ret = send_cmd(t->sock, &c, sv[1]);
	close(sv[1]);
	if (!ret)
		ret = receive(lv, t->sock, &r);
	if (!ret && r.op != NATIVE_OP_FORK)
		ret = -EPROTO;
	if (ret) {
		close(sv[0]);
		return driver_error(lv, st, "task '%s' %s", t->name, task_failure(ret));
	}
	*result = r.err;
	if (r.err) {
		close(sv[0]);
		return 0;
	}
	child = add_task(lv, st->call.target);
	if (!child) {
		kill(r.pid, SIGKILL);
		close(sv[0]);
		return driver_error(lv, st, "more than %d tasks", LIVE_MAX_TASKS);
	}
	child->sock = sv[0];
	child->pid = r.pid;
	child->cpu = t->cpu;
	child->limit_pages = t->limit_pages;
	child->capable = t->capable;
	memcpy(child->regions, t->regions, t->nr_regions * sizeof(t->regions[0]));
	child->nr_regions = t->nr_regions;
	child->heap_known = t->heap_known;
	child->heap_start = t->heap_start;
	child->memcg = t->memcg;
	if (t->memcg >= 0)
		memcg_image(lv, t, st, "fork");
	child->pidfd = pidfd_open(r.pid);
	if (child->pidfd < 0 || register_pid(r.pid, child->pidfd)) {
		kill(r.pid, SIGKILL);
		return driver_error(lv, st, "pidfd_open: %s", strerror(errno));
	}
	ret = receive(lv, child->sock, &hello);
	if (!ret && (hello.op != NATIVE_OP_HELLO || hello.pid != r.pid))
		ret = -EPROTO;
	if (ret)
		return driver_error(lv, st, "task '%s' %s after fork", child->name,
				    task_failure(ret));
	return 0;
}

static int call_exit(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t)
{
	struct native_cmd c = {.op = NATIVE_OP_EXIT};
	int ret = send_cmd(t->sock, &c, -1);

	/* exit_mm runs before the pidfd turns readable: the zap is done */
	if (!ret)
		ret = wait_readable(t->pidfd, lv->o->timeout_ms);
	if (ret)
		return driver_error(lv, st, "task '%s' did not exit: %s", t->name,
				    task_failure(ret));
	waitpid(t->pid, NULL, WNOHANG | __WALL); /* ours to reap, or its parent's */
	close(t->sock);
	t->sock = -1;
	t->exited = true;
	return 0;
}

static int call_exec(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t, int *result)
{
	struct native_cmd c = {.op = NATIVE_OP_EXEC};
	struct native_reply r;
	int ret = send_cmd(t->sock, &c, -1);

	if (!ret)
		ret = receive(lv, t->sock, &r);
	if (ret)
		return driver_error(lv, st, "task '%s' %s in exec", t->name,
				    task_failure(ret));
	if (r.op == NATIVE_OP_EXEC) { /* execve failed */
		*result = r.err;
		return 0;
	}
	if (r.op != NATIVE_OP_HELLO || r.pid != t->pid || r.err)
		return driver_error(lv, st, "task '%s' sent garbage after exec", t->name);
	*result = 0;
	t->nr_regions = 0;
	t->heap_known = false;
	if (t->memcg >= 0)
		memcg_image(lv, t, st, "exec");
	return 0;
}

static int call_brk(struct live *lv, const struct scenario_statement *st,
		    struct live_task *t, int *result)
{
	struct native_cmd c = {.op = NATIVE_OP_BRK, .arg1 = st->call.size,
			       .arg2 = st->call.size_negative};
	struct native_reply r;
	int ret = call_task(lv, st, t, &c, &r);

	if (ret == LIVE_CALL_KILLED) {
		*result = LIVE_KILLED;
		return 0;
	}
	if (ret)
		return ret;
	if (!t->heap_known) {
		t->heap_known = true;
		t->heap_start = r.value2;
	}
	*result = r.err;
	if (!r.err && bind_region(t, "brk", t->heap_start,
				  r.value > t->heap_start ? r.value - t->heap_start : 0))
		return driver_error(lv, st, "too many regions");
	return 0;
}

/* Run one call: *result is 0 or the errno; >0 stops the run here. */
static int run_call(struct live *lv, const struct scenario_statement *st, int *result)
{
	const struct scenario_call *c = &st->call;
	struct outcome *o = &lv->out[st - lv->s->statements];
	struct native_cmd cmd = {0};
	struct native_reply r;
	struct scenario_region *reg = NULL;
	struct live_task *t;
	uint64_t shm_size = 0;
	int ret, flags;

	t = alive_task(lv, st, c->task);
	if (!t)
		return 1;
	switch (c->kind) {
	case SCENARIO_CALL_MUNMAP:
	case SCENARIO_CALL_MLOCK:
	case SCENARIO_CALL_MLOCK2:
	case SCENARIO_CALL_MUNLOCK:
	case SCENARIO_CALL_MPROTECT:
	case SCENARIO_CALL_MREMAP:
	case SCENARIO_CALL_MADVISE:
	case SCENARIO_CALL_TOUCH:
		reg = find_region(t, c->target);
		if (!reg)
			return stop_here(lv, st, "task '%s' has no region '%s' (the call that would have bound it failed)",
					 t->name, c->target);
		cmd.addr = c->range_given ? reg->addr + c->off : reg->addr;
		cmd.len = c->range_given ? c->len : reg->len;
		break;
	default:
		break;
	}
	switch (c->kind) {
	case SCENARIO_CALL_MMAP:
		cmd.op = NATIVE_OP_MMAP;
		cmd.len = c->size;
		if (c->file[0]) {
			int f = find_file(lv, c->file);

			if (f < 0)
				return stop_here(lv, st, "no file '%s'", c->file);
			cmd.arg3 = (uint64_t)f + 1;
			cmd.addr = c->file_off;
		}
		cmd.arg1 = (uint64_t)prot_value(c->prot);
		cmd.arg2 = (uint64_t)((c->shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS |
				      (c->locked ? MAP_LOCKED : 0) |
				      (c->populate ? MAP_POPULATE : 0) |
				      (c->hugetlb ? MAP_HUGETLB : 0));
		if (c->file[0])
			cmd.arg2 &= ~(uint64_t)MAP_ANONYMOUS;
		break;
	case SCENARIO_CALL_MUNMAP:
		cmd.op = NATIVE_OP_MUNMAP;
		break;
	case SCENARIO_CALL_MLOCK:
		cmd.op = NATIVE_OP_MLOCK;
		break;
	case SCENARIO_CALL_MLOCK2:
		cmd.op = NATIVE_OP_MLOCK2;
		cmd.arg1 = c->raw_flags_given ? c->raw_flags : (c->onfault ? MLOCK_ONFAULT : 0);
		break;
	case SCENARIO_CALL_MUNLOCK:
		cmd.op = NATIVE_OP_MUNLOCK;
		break;
	case SCENARIO_CALL_MLOCKALL:
		cmd.op = NATIVE_OP_MLOCKALL;
		flags = c->raw_flags_given ? (int)c->raw_flags : c->mlockall_flags;
		cmd.arg1 = (uint64_t)(unsigned int)flags;
		if ((flags & MCL_CURRENT) && !t->capable) {
			ret = measure_vm(lv, t, o);
			if (ret)
				return driver_error(lv, st, "reading /proc/%d: %s", (int)t->pid,
						    strerror(-ret));
		}
		break;
	case SCENARIO_CALL_MUNLOCKALL:
		cmd.op = NATIVE_OP_MUNLOCKALL;
		break;
	case SCENARIO_CALL_MPROTECT:
		cmd.op = NATIVE_OP_MPROTECT;
		cmd.arg1 = (uint64_t)prot_value(c->prot);
		break;
	case SCENARIO_CALL_MREMAP:
		cmd.op = NATIVE_OP_MREMAP;
		cmd.arg1 = c->size;
		cmd.arg2 = c->maymove ? MREMAP_MAYMOVE : 0;
		break;
	case SCENARIO_CALL_MADVISE:
		cmd.op = NATIVE_OP_MADVISE;
		cmd.arg1 = (uint64_t)advice_value(c->advice);
		break;
	case SCENARIO_CALL_TOUCH:
		cmd.op = NATIVE_OP_TOUCH;
		cmd.arg1 = c->write;
		break;
	case SCENARIO_CALL_FORK:
		return call_fork(lv, st, t, result);
	case SCENARIO_CALL_EXIT:
		*result = 0;
		return call_exit(lv, st, t);
	case SCENARIO_CALL_EXEC:
		return call_exec(lv, st, t, result);
	case SCENARIO_CALL_BRK:
		return call_brk(lv, st, t, result);
	case SCENARIO_CALL_READ:
	case SCENARIO_CALL_WRITE:
	case SCENARIO_CALL_TRUNCATE:
	case SCENARIO_CALL_PUNCH:
		ret = find_file(lv, c->target);
		if (ret < 0)
			return stop_here(lv, st, "no file '%s'", c->target);
		cmd.op = c->kind == SCENARIO_CALL_READ	   ? NATIVE_OP_PREAD
			 : c->kind == SCENARIO_CALL_WRITE    ? NATIVE_OP_PWRITE
			 : c->kind == SCENARIO_CALL_TRUNCATE ? NATIVE_OP_FTRUNCATE
							     : NATIVE_OP_PUNCH;
		cmd.arg1 = (uint64_t)ret;
		cmd.addr = c->off;
		cmd.len = c->kind == SCENARIO_CALL_TRUNCATE ? c->size : c->len;
		break;
	case SCENARIO_CALL_SHMAT:
		ret = find_shm(lv, c->shm);
		if (ret < 0)
			return stop_here(lv, st, "no shm segment '%s'", c->shm);
		cmd.op = NATIVE_OP_SHMAT;
		cmd.arg1 = (uint64_t)lv->shmids[ret];
		cmd.arg2 = c->rdonly ? SHM_RDONLY : 0;
		shm_size = lv->shms[ret]->size;
		break;
	case SCENARIO_CALL_SHMDT:
		reg = find_region(t, c->target);
		if (!reg)
			return stop_here(lv, st, "task '%s' has no region '%s' (the call that would have bound it failed)",
					 t->name, c->target);
		cmd.op = NATIVE_OP_SHMDT;
		cmd.addr = reg->addr;
		break;
	case SCENARIO_CALL_SHMCTL:
		ret = find_shm(lv, c->target);
		if (ret < 0)
			return stop_here(lv, st, "no shm segment '%s'", c->target);
		cmd.op = NATIVE_OP_SHMCTL;
		cmd.arg1 = (uint64_t)lv->shmids[ret];
		cmd.arg2 = c->shmctl_op == SCENARIO_SHMCTL_LOCK	    ? SHM_LOCK
			   : c->shmctl_op == SCENARIO_SHMCTL_UNLOCK ? SHM_UNLOCK
								    : IPC_RMID;
		break;
	default:
		/* native_scenario_check() refused it */
		return stop_here(lv, st, "'%s' is not supported by the live side yet",
				 scenario_call_name(c->kind));
	}
	/* after an mlockall(MCL_CURRENT), the image counts in locked_vm */
	if (lv->image_dirty && !t->capable &&
	    (cmd.op == NATIVE_OP_MMAP || cmd.op == NATIVE_OP_MREMAP ||
	     cmd.op == NATIVE_OP_MLOCK || cmd.op == NATIVE_OP_MLOCK2)) {
		ret = measure_locked(lv, t, o, cmd.op != NATIVE_OP_MREMAP ? cmd.len
					       : cmd.arg1 > cmd.len ? cmd.arg1 - cmd.len : 0);
		if (ret)
			return driver_error(lv, st, "reading /proc/%d: %s", (int)t->pid,
					    strerror(-ret));
	}
	ret = call_task(lv, st, t, &cmd, &r);
	if (ret == LIVE_CALL_KILLED) {
		*result = LIVE_KILLED;
		return 0;
	}
	if (ret)
		return ret;
	*result = r.err;
	if (r.err)
		return 0;
	if (((c->kind == SCENARIO_CALL_MMAP || c->kind == SCENARIO_CALL_MREMAP) &&
	     bind_region(t, c->target, r.value, c->size)) ||
	    (c->kind == SCENARIO_CALL_SHMAT && bind_region(t, c->target, r.value, shm_size)))
		return driver_error(lv, st, "too many regions");
	if (c->kind == SCENARIO_CALL_MLOCKALL && (cmd.arg1 & MCL_CURRENT)) {
		/* the task's own image is mlocked now: see CONFORM.md */
		struct proc_image image;

		if (!lv->image_dirty) {
			ret = read_smaps(lv, t, &image);
			if (ret)
				return driver_error(lv, st, "reading smaps of task '%s': %s",
						    t->name, strerror(-ret));
			snprintf(lv->image_note, sizeof(lv->image_note),
				 "includes task %s's image: %lld resident pages locked by its mlockall at line %u",
				 t->name, (long long)(image.locked_rss_kb / 4), st->line);
		}
		lv->image_dirty = true;
		if (t->memcg >= 0)
			memcg_image(lv, t, st, "mlockall(MCL_CURRENT)");
	}
	return 0;
}

/*
 * `expect memcg NAME FIELD`, in bytes: the LRU fields and `usage` counted
 * from the pages (scan_memcgs), hierarchical_memory_limit from
 * memory.stat (computed when read), oom_kill from memory.oom_control.
 */
static int expect_memcg(struct live *lv, const struct scenario_statement *st)
{
	const struct scenario_expect *e = &st->expect;
	struct outcome *o = &lv->out[st - lv->s->statements];
	const char *file = NULL;
	char path[PATH_MAX];
	int64_t value;
	int i = find_memcg(lv, e->task), ret;

	if (i < 0)
		return stop_here(lv, st, "no memcg '%s'", e->task);
	if (!strcmp(e->field, "hierarchical_memory_limit"))
		file = "memory.stat";
	else if (!strcmp(e->field, "oom_kill"))
		file = "memory.oom_control";
	if (file) {
		ret = memcg_file(lv, i, file, path);
		if (!ret)
			ret = read_file(path, lv->buf, LIVE_BUF_SIZE);
		if (ret)
			return driver_error(lv, st, "reading %s of memcg '%s': %s", file, e->task,
					    strerror(-ret));
		if (proc_field(lv->buf, e->field, &value))
			return stop_here(lv, st, "%s has no field '%s'", file, e->field);
	} else {
		ret = scan_memcgs(lv);
		if (ret)
			return driver_error(lv, st, "reading /proc/kpagecgroup and /proc/kpageflags: %s",
					    strerror(-ret));
		if (proc_memcg_field(&lv->memcg_pages[i], subtree_user(lv, i), e->field, &value))
			return stop_here(lv, st, "memcg field '%s' is not read live", e->field);
	}
	o->kind = OUTCOME_VALUE;
	o->value = value;
	if (lv->memcgs[i].image_note[0]) {
		o->kind = OUTCOME_IMAGE;
		snprintf(o->note, sizeof(o->note), "%.*s", (int)sizeof(o->note) - 1,
			 lv->memcgs[i].image_note);
	}
	return 0;
}

/* pgsteal_anon + pgsteal_file: pages reclaimed by anyone (memcg reclaim
 * counts no pgsteal_direct/kswapd, only these and the memcg's own). */
static int read_pgsteal(struct live *lv, int64_t *pages)
{
	int64_t anon, file;
	int ret = read_file("/proc/vmstat", lv->buf, LIVE_BUF_SIZE);

	if (ret)
		return ret;
	if (proc_field(lv->buf, "pgsteal_anon", &anon) || proc_field(lv->buf, "pgsteal_file", &file))
		return -ENOENT;
	*pages = anon + file;
	return 0;
}

/*
 * `reclaim SIZE memcg=NAME` live (CONFORM.md): cgroup v1 has no
 * memory.reclaim, so memory.limit_in_bytes is lowered to the memcg's usage
 * without its per-CPU charge stock minus SIZE, and set back.  The kernel
 * (mem_cgroup_resize_max) drains the stock, then calls
 * try_to_free_mem_cgroup_pages (32 pages a pass) until usage fits, or
 * gives up with EBUSY after a pass that reclaimed nothing.  The write is
 * made from CPU 0, where the model's reclaim runs: reclaim drains the
 * per-CPU batches of the CPU it runs on, and the stock of that CPU is
 * drained at once (other CPUs' by a kworker, later: native_scenario_check
 * refuses a memcg with tasks elsewhere).  The statement's value is the
 * pages reclaimed: pgsteal_anon + pgsteal_file, before and after.
 */
static int run_reclaim(struct live *lv, const struct scenario_statement *st)
{
	const struct scenario_reclaim *rc = &st->reclaim;
	struct outcome *o = &lv->out[st - lv->s->statements];
	char path[PATH_MAX], old_limit[64], text[32];
	uint64_t usage, kmem, stock, limit;
	uint64_t size = rc->size / 4096 + (rc->size % 4096 != 0);
	int64_t before, after;
	cpu_set_t cpu0;
	int i = find_memcg(lv, rc->memcg), ret, wret;

	if (i < 0)
		return stop_here(lv, st, "no memcg '%s'", rc->memcg);
	ret = scan_memcgs(lv);
	if (!ret)
		ret = memcg_read_number(lv, i, "memory.usage_in_bytes", &usage);
	if (!ret)
		ret = memcg_read_number(lv, i, "memory.kmem.usage_in_bytes", &kmem);
	if (!ret)
		ret = memcg_file(lv, i, "memory.limit_in_bytes", path);
	if (!ret)
		ret = read_file(path, old_limit, sizeof(old_limit));
	if (!ret)
		ret = read_pgsteal(lv, &before);
	if (ret)
		return driver_error(lv, st, "reading memcg '%s': %s", rc->memcg, strerror(-ret));
	limit = proc_reclaim_limit(usage / 4096, kmem / 4096, subtree_user(lv, i), size, &stock);
	snprintf(text, sizeof(text), "%llu", (unsigned long long)(limit * 4096));
	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	if (sched_setaffinity(0, sizeof(cpu0), &cpu0))
		return driver_error(lv, st, "reclaim runs on cpu 0: %s", strerror(errno));
	wret = write_text(path, text);
	repin_driver(lv);
	ret = write_text(path, old_limit);
	if (ret)
		return driver_error(lv, st, "setting memory.limit_in_bytes of memcg '%s' back: %s",
				    rc->memcg, strerror(-ret));
	if (wret && wret != -EBUSY)
		return driver_error(lv, st, "lowering memory.limit_in_bytes of memcg '%s' to %s: %s",
				    rc->memcg, text, strerror(-wret));
	lv->scan_valid = false; /* the scan before is stale now */
	ret = read_pgsteal(lv, &after);
	if (ret)
		return driver_error(lv, st, "reading /proc/vmstat: %s", strerror(-ret));
	o->kind = OUTCOME_VALUE;
	o->value = after - before;
	if (wret)
		snprintf(o->note, sizeof(o->note),
			 "the kernel gave up (EBUSY): a pass reclaimed nothing before usage reached %llu pages",
			 (unsigned long long)limit);
	return 0;
}

static const char *const source_files[] = {
	[SCENARIO_EXPECT_VMSTAT] = "/proc/vmstat",
	[SCENARIO_EXPECT_MEMINFO] = "/proc/meminfo",
};

static int run_expect(struct live *lv, const struct scenario_statement *st)
{
	const struct scenario_expect *e = &st->expect;
	struct outcome *o = &lv->out[st - lv->s->statements];
	struct proc_image image;
	struct scenario_region *reg;
	struct live_task *t;
	int64_t cur, base, part;
	char path[64];
	int ret;

	switch (e->source) {
	case SCENARIO_EXPECT_OK:
	case SCENARIO_EXPECT_ERRNO:
		/* the call's outcome, with what its image rule needs */
		if (lv->last_call)
			*o = *lv->last_call;
		o->kind = lv->last_errno == LIVE_KILLED ? OUTCOME_KILLED : OUTCOME_ERRNO;
		o->err = lv->last_errno == LIVE_KILLED ? 0 : lv->last_errno;
		return 0;
	case SCENARIO_EXPECT_LRU:
		return 0; /* model only: nothing to read here */
	case SCENARIO_EXPECT_MEMCG:
		return expect_memcg(lv, st);
	case SCENARIO_EXPECT_VMSTAT:
	case SCENARIO_EXPECT_MEMINFO:
		ret = stat_refresh();
		if (ret)
			return driver_error(lv, st, "writing /proc/sys/vm/stat_refresh: %s",
					    strerror(-ret));
		ret = read_file(source_files[e->source], lv->buf, LIVE_BUF_SIZE);
		if (ret)
			return driver_error(lv, st, "reading %s: %s", source_files[e->source],
					    strerror(-ret));
		if (proc_field(lv->buf, e->field, &cur) ||
		    proc_field(e->source == SCENARIO_EXPECT_VMSTAT ? lv->base_vmstat
								   : lv->base_meminfo,
			       e->field, &base))
			return stop_here(lv, st, "%s has no field '%s'",
					 source_files[e->source], e->field);
		o->value = cur - base;
		o->kind = OUTCOME_VALUE;
		ret = census_check(lv);
		if (ret)
			return ret;
		if (lv->image_dirty) {
			o->kind = OUTCOME_IMAGE;
			snprintf(o->note, sizeof(o->note), "%s", lv->image_note);
		}
		return 0;
	case SCENARIO_EXPECT_STATUS:
		t = alive_task(lv, st, e->task);
		if (!t)
			return 1;
		snprintf(path, sizeof(path), "/proc/%d/status", (int)t->pid);
		ret = read_file(path, lv->buf, LIVE_BUF_SIZE);
		if (ret)
			return driver_error(lv, st, "reading %s: %s", path, strerror(-ret));
		if (proc_field(lv->buf, e->field, &cur))
			return stop_here(lv, st, "%s has no field '%s'", path, e->field);
		ret = read_smaps(lv, t, &image);
		if (ret)
			return driver_error(lv, st, "reading smaps of task '%s': %s", t->name,
					    strerror(-ret));
		if (!proc_status_image_part(e->field, &image, &part)) {
			o->kind = OUTCOME_IMAGE;
			o->value = cur;
			snprintf(o->note, sizeof(o->note),
				 "status %s includes the task's own image", e->field);
			return 0;
		}
		o->kind = OUTCOME_VALUE;
		o->value = cur - part;
		return 0;
	case SCENARIO_EXPECT_SMAPS:
		t = alive_task(lv, st, e->task);
		if (!t)
			return 1;
		reg = find_region(t, e->region);
		if (!reg)
			return stop_here(lv, st, "task '%s' has no region '%s' (the call that would have bound it failed)",
					 t->name, e->region);
		ret = read_smaps(lv, t, NULL);
		if (ret)
			return driver_error(lv, st, "reading smaps of task '%s': %s", t->name,
					    strerror(-ret));
		{
			struct proc_span sp = region_span(reg);

			if (proc_smaps_sum(lv->buf, sp.start, sp.end, e->field, &cur))
				return stop_here(lv, st, "smaps has no field '%s'", e->field);
		}
		o->kind = OUTCOME_VALUE;
		o->value = cur;
		return 0;
	}
	return 0;
}

/* 0, >0 to stop at this statement (recorded), <0 a driver error. */
static int run_statement(struct live *lv, const struct scenario_statement *st)
{
	struct outcome *o = &lv->out[st - lv->s->statements];
	int result = 0, ret;

	/* the pages may move from here: the last memcg scan is stale */
	if (st->kind != SCENARIO_EXPECT && st->kind != SCENARIO_PRINT)
		lv->scan_valid = false;
	switch (st->kind) {
	case SCENARIO_MACHINE:
	case SCENARIO_TASK: /* started before the baseline */
	case SCENARIO_FILE: /* made before the tasks */
	case SCENARIO_SHM:
	case SCENARIO_MEMCG:
	case SCENARIO_PRINT: /* not compared */
		return 0;
	case SCENARIO_CALL:
		ret = run_call(lv, st, &result);
		if (ret)
			return ret;
		lv->last_errno = result;
		lv->last_call = o;
		o->kind = result == LIVE_KILLED ? OUTCOME_KILLED : OUTCOME_ERRNO;
		o->err = result == LIVE_KILLED ? 0 : result;
		/* the OOM killer may have taken another task too */
		return sweep_dead_tasks(lv, st);
	case SCENARIO_RECLAIM:
		return run_reclaim(lv, st);
	case SCENARIO_DRAIN:
		ret = drain_all();
		if (ret)
			return driver_error(lv, st, "move_pages: %s", strerror(-ret));
		return 0;
	case SCENARIO_EXPECT:
		return run_expect(lv, st);
	default:
		/* native_scenario_check() refused it */
		return stop_here(lv, st, "'%s' is not supported by the live side yet",
				 scenario_statement_name(st->kind));
	}
}

static int baseline(struct live *lv)
{
	int ret = drain_all();

	if (ret)
		return driver_error(lv, NULL, "move_pages: %s", strerror(-ret));
	ret = stat_refresh();
	if (ret)
		return driver_error(lv, NULL, "writing /proc/sys/vm/stat_refresh: %s",
				    strerror(-ret));
	ret = read_file("/proc/vmstat", lv->base_vmstat, LIVE_BUF_SIZE / 4);
	if (!ret)
		ret = read_file("/proc/meminfo", lv->base_meminfo, LIVE_BUF_SIZE / 4);
	if (!ret)
		ret = census_take(lv, &lv->census_base);
	if (ret)
		return driver_error(lv, NULL, "reading the baseline: %s", strerror(-ret));
	return 0;
}

int native_run(const struct scenario *s, const struct native_options *o,
	       struct outcome *out, struct native_run_info *info, char *err,
	       size_t errlen)
{
	static struct live lv;
	size_t i;
	int ret = 0;

	/* static: the census tables are too big for a polite stack frame */
	memset(&lv, 0, sizeof(lv));
	lv.s = s;
	lv.o = o;
	lv.out = out;
	lv.err = err;
	lv.errlen = errlen;
	memset(info, 0, sizeof(*info));
	memset(out, 0, s->nr_statements * sizeof(*out));
	lv.tasks = calloc(LIVE_MAX_TASKS, sizeof(*lv.tasks));
	lv.buf = malloc(LIVE_BUF_SIZE);
	lv.base_vmstat = malloc(LIVE_BUF_SIZE / 4);
	lv.base_meminfo = malloc(LIVE_BUF_SIZE / 4);
	lv.kpage_cgroup = calloc(LIVE_KPAGE_CHUNK, sizeof(uint64_t));
	lv.kpage_flags = calloc(LIVE_KPAGE_CHUNK, sizeof(uint64_t));
	lv.driver_cpu = -1;
	if (!lv.tasks || !lv.buf || !lv.base_vmstat || !lv.base_meminfo || !lv.kpage_cgroup ||
	    !lv.kpage_flags) {
		ret = driver_error(&lv, NULL, "out of memory");
		goto out;
	}
	/* fault the buffers in now, not during a step */
	memset(lv.buf, 0, LIVE_BUF_SIZE);
	memset(lv.base_vmstat, 0, LIVE_BUF_SIZE / 4);
	memset(lv.base_meminfo, 0, LIVE_BUF_SIZE / 4);
	memset(lv.kpage_cgroup, 0, LIVE_KPAGE_CHUNK * sizeof(uint64_t));
	memset(lv.kpage_flags, 0, LIVE_KPAGE_CHUNK * sizeof(uint64_t));
	lv.can_raise_memlock = have_capability(CAP_SYS_RESOURCE);
	/* orphans of exiting tasks come to us, so we reap them */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	pin_driver(&lv);
	watch_fields(&lv);
	ret = make_objects(&lv);
	if (!ret)
		ret = make_memcgs(&lv);
	for (i = 0; i < s->nr_statements && !ret; i++)
		if (s->statements[i].kind == SCENARIO_TASK)
			ret = spawn_task(&lv, &s->statements[i]);
	/* from here on, anyone else on our CPUs is seen (if perf lets us) */
	if (!ret && witnesses_open(&lv))
		lv.nr_witnesses = 0;
	if (!ret)
		ret = baseline(&lv);
	if (!ret)
		ret = quiet_window(&lv, "before the run");
	/* a run disturbed from its start is not worth finishing */
	for (i = 0; i < s->nr_statements && !ret && !lv.disturbed; i++)
		ret = run_statement(&lv, &s->statements[i]);
	if (ret > 0)
		ret = 0; /* stopped at a statement: its outcome says why */
	if (!ret)
		ret = census_check(&lv);
	if (!ret)
		ret = quiet_window(&lv, "after the run");
	if (!ret)
		witnesses_check(&lv);
	info->disturbed = lv.disturbed;
	snprintf(info->disturbed_by, sizeof(info->disturbed_by), "%s", lv.disturbed_by);
out:
	witnesses_close(&lv);
	native_kill_all();
	for (i = 0; lv.tasks && i < lv.nr_tasks; i++)
		if (lv.tasks[i].sock >= 0)
			close(lv.tasks[i].sock);
	for (i = 0; lv.tasks && i < lv.nr_tasks; i++)
		if (lv.tasks[i].memfd >= 0)
			close(lv.tasks[i].memfd);
	unpin_driver(&lv);
	free(lv.tasks);
	free(lv.buf);
	free(lv.base_vmstat);
	free(lv.base_meminfo);
	free(lv.kpage_cgroup);
	free(lv.kpage_flags);
	return ret;
}

/* ---- can it run here? ---- */

static bool have_capability(int cap)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return false;
	return d[cap / 32].effective & (1U << (cap % 32));
}

static unsigned int live_nodes(void)
{
	char path[64];
	unsigned int n;

	for (n = 0; n < 1024; n++) {
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%u", n);
		if (access(path, F_OK))
			break;
	}
	return n ? n : 1;
}

int native_preflight(const struct native_options *o, char *why, size_t len)
{
	int node = 0, fd;

	if (geteuid() != 0) {
		snprintf(why, len, "the live side needs root (it writes /proc/sys/vm/stat_refresh)");
		return -EPERM;
	}
	if (sysconf(_SC_PAGESIZE) != (long)LIVE_PAGE_SIZE) {
		snprintf(why, len, "the live side needs 4 KiB pages (this machine has %ld)",
			 sysconf(_SC_PAGESIZE));
		return -EOPNOTSUPP;
	}
	fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot open /proc/sys/vm/stat_refresh: %s", strerror(errno));
		return -errno;
	}
	close(fd);
	if (syscall(SYS_move_pages, 0, 0UL, NULL, &node, NULL, 0)) {
		snprintf(why, len, "`drain` needs move_pages(2) (CONFIG_MIGRATION): %s",
			 strerror(errno));
		return -ENOSYS;
	}
	fd = pidfd_open(getpid());
	if (fd < 0) {
		snprintf(why, len, "the live side needs pidfd_open(2) (Linux 5.3+): %s",
			 strerror(errno));
		return -ENOSYS;
	}
	close(fd);
	if (!o->helper || access(o->helper, X_OK)) {
		snprintf(why, len, "cannot run the task helper %s: %s",
			 o->helper ? o->helper : NATIVE_TASK_HELPER, strerror(errno));
		return -ENOENT;
	}
	return 0;
}

static int unsupported(char *why, size_t len, const struct scenario *s,
		       const struct scenario_statement *st, const char *what)
{
	scenario_error(why, len, s, st, "'%s' is not supported by the live side yet", what);
	return -EOPNOTSUPP;
}

static int cannot(char *why, size_t len, const struct scenario *s,
		  const struct scenario_statement *st, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int cannot(char *why, size_t len, const struct scenario *s,
		  const struct scenario_statement *st, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	scenario_error(why, len, s, st, "cannot run live: %s", msg);
	return -ERANGE;
}

static void format_limit(uint64_t bytes, char *buf, size_t len)
{
	if (bytes == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else if (bytes % (1ULL << 20) == 0)
		snprintf(buf, len, "%lluM", (unsigned long long)(bytes >> 20));
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
}

static int check_task(const struct scenario *s, const struct scenario_statement *st,
		      const cpu_set_t *cpus, const struct rlimit *rl, char *why, size_t len)
{
	const struct scenario_task *tk = &st->task;
	char hard[32];
	bool above;

	if (tk->cpu >= CPU_SETSIZE || !CPU_ISSET(tk->cpu, cpus))
		return cannot(why, len, s, st, "task '%s' runs on cpu %u, which this machine (or this process's affinity) does not have",
			      tk->name, tk->cpu);
	above = tk->memlock_unlimited ? rl->rlim_max != RLIM_INFINITY
				      : rl->rlim_max != RLIM_INFINITY && tk->memlock > rl->rlim_max;
	if (above && !tk->cap_ipc_lock && !have_capability(CAP_SYS_RESOURCE)) {
		format_limit(rl->rlim_max, hard, sizeof(hard));
		return cannot(why, len, s, st, "task '%s' asks for a memlock above this machine's RLIMIT_MEMLOCK hard limit (%s), which root cannot raise without CAP_SYS_RESOURCE, and it has no cap_ipc_lock",
			      tk->name, hard);
	}
	return 0;
}

#define LIVE_CGROUP_SUPER_MAGIC 0x27e0eb

/* The cgroup v1 memory controller, where the live memcgs go. */
static bool memcg_v1_mounted(void)
{
	struct statfs f;

	return !statfs(LIVE_MEMCG_ROOT, &f) && f.f_type == LIVE_CGROUP_SUPER_MAGIC &&
	       !access(LIVE_MEMCG_ROOT "/memory.limit_in_bytes", F_OK) &&
	       !access("/proc/kpagecgroup", R_OK) && !access("/proc/kpageflags", R_OK);
}

/* The statement declaring memcg name, NULL if none. */
static const struct scenario_memcg *scenario_memcg(const struct scenario *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nr_statements; i++)
		if (s->statements[i].kind == SCENARIO_MEMCG &&
		    !strcmp(s->statements[i].memcg.name, name))
			return &s->statements[i].memcg;
	return NULL;
}

static bool scenario_memcg_below(const struct scenario *s, const char *memcg, const char *root)
{
	const struct scenario_memcg *m;
	int depth;

	for (depth = 0; memcg && depth < LIVE_MAX_OBJECTS; depth++) {
		if (!strcmp(memcg, root))
			return true;
		m = scenario_memcg(s, memcg);
		memcg = m && m->parent_given ? m->parent : NULL;
	}
	return false;
}

/*
 * `reclaim` live: only in a memcg (the live side never reclaims the whole
 * machine), run from CPU 0, with every task of the memcg on CPU 0 (the
 * charge stock of another CPU is drained by a kworker, whenever it runs:
 * the pages reclaimed would depend on it).
 */
static int check_reclaim(const struct scenario *s, const struct scenario_statement *st,
			 const cpu_set_t *cpus, char *why, size_t len)
{
	const struct scenario_reclaim *rc = &st->reclaim;
	size_t i;

	if (!rc->memcg_given)
		return unsupported(why, len, s, st, "reclaim without memcg= (model only: the live side never reclaims the whole machine)");
	if (rc->node_given && rc->node != 0)
		return cannot(why, len, s, st, "reclaim node=%u: the memcg limit the live side lowers reclaims from every node",
			      rc->node);
	if (!CPU_ISSET(0, cpus))
		return cannot(why, len, s, st, "reclaim runs on cpu 0, which this process's affinity does not have");
	for (i = 0; i < s->nr_statements; i++) {
		const struct scenario_task *tk = &s->statements[i].task;

		if (s->statements[i].kind == SCENARIO_TASK && tk->memcg_given && tk->cpu != 0 &&
		    scenario_memcg_below(s, tk->memcg, rc->memcg))
			return cannot(why, len, s, st, "task '%s' of memcg '%s' runs on cpu %u: reclaim would depend on when a kworker drains its charge stock there",
				      tk->name, rc->memcg, tk->cpu);
	}
	return 0;
}

int native_scenario_check(const struct scenario *s, char *why, size_t len)
{
	unsigned int objects = 0;
	struct rlimit rl;
	cpu_set_t cpus;
	size_t i;
	int ret;

	if (sched_getaffinity(0, sizeof(cpus), &cpus) || getrlimit(RLIMIT_MEMLOCK, &rl)) {
		snprintf(why, len, "%s: cannot read this process's CPUs and limits: %s",
			 s->file_name, strerror(errno));
		return -errno;
	}
	for (i = 0; i < s->nr_statements; i++) {
		const struct scenario_statement *st = &s->statements[i];

		switch (st->kind) {
		case SCENARIO_MACHINE:
			if (st->machine.design != SCENARIO_DESIGN_MLOCK_COUNT)
				return cannot(why, len, s, st, "design=%s is model only: the live kernel has the mlock-count design",
					      scenario_design_name(st->machine.design));
			if (st->machine.swap_bytes)
				return cannot(why, len, s, st, "the live side runs without swap");
			if (st->machine.nodes > live_nodes())
				return cannot(why, len, s, st, "%u nodes, this machine has %u",
					      st->machine.nodes, live_nodes());
			break;
		case SCENARIO_TASK:
			ret = check_task(s, st, &cpus, &rl, why, len);
			if (ret)
				return ret;
			break;
		case SCENARIO_SYSCTL:
			return unsupported(why, len, s, st, "sysctl (conform never changes the machine's sysctls)");
		case SCENARIO_MEMCG:
			if (!memcg_v1_mounted())
				return cannot(why, len, s, st, "memcgs run live in the cgroup v1 memory controller at %s, with /proc/kpagecgroup: not here",
					      LIVE_MEMCG_ROOT);
			if (st->memcg.limit_given && st->memcg.limit % 4096)
				return cannot(why, len, s, st, "limit=%llu is not a multiple of the page size: the kernel rounds it down, the model up",
					      (unsigned long long)st->memcg.limit);
			if (++objects > LIVE_MAX_OBJECTS)
				return cannot(why, len, s, st, "more than %d files, shm segments and memcgs",
					      LIVE_MAX_OBJECTS);
			break;
		case SCENARIO_RECLAIM:
			ret = check_reclaim(s, st, &cpus, why, len);
			if (ret)
				return ret;
			break;
		case SCENARIO_MIGRATE:
		case SCENARIO_COMPACT:
			return unsupported(why, len, s, st, scenario_statement_name(st->kind));
		case SCENARIO_FILE:
		case SCENARIO_SHM:
			if (++objects > LIVE_MAX_OBJECTS)
				return cannot(why, len, s, st, "more than %d files and shm segments",
					      LIVE_MAX_OBJECTS);
			break;
		case SCENARIO_CALL:
			if (st->call.kind == SCENARIO_CALL_MMAP && st->call.hugetlb)
				return unsupported(why, len, s, st, "mmap ... hugetlb");
			if ((st->call.kind == SCENARIO_CALL_READ ||
			     st->call.kind == SCENARIO_CALL_WRITE) && st->call.len > LIVE_MAX_BUFFER)
				return cannot(why, len, s, st, "reads and writes of more than %lluM",
					      (unsigned long long)(LIVE_MAX_BUFFER >> 20));
			break;
		case SCENARIO_DRAIN:
		case SCENARIO_EXPECT:
		case SCENARIO_PRINT:
			break;
		}
	}
	return 0;
}

int native_find_helper(char *path, size_t len)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n < 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	slash[1] = '\0';
	if ((size_t)snprintf(path, len, "%s%s", self, NATIVE_TASK_HELPER) >= len)
		return -ENAMETOOLONG;
#ifdef UNEV_BIN_TO_LIBEXEC
	/* installed (cmake --install): BINDIR/unevict, LIBEXECDIR/unevict/unevict-task */
	if (access(path, X_OK) &&
	    (size_t)snprintf(path, len, "%s%s/%s", self, UNEV_BIN_TO_LIBEXEC,
			     NATIVE_TASK_HELPER) >= len)
		return -ENAMETOOLONG;
#endif
	return 0;
}

#else /* !__linux__ */

void native_kill_all(void)
{
}

int native_preflight(const struct native_options *o, char *why, size_t len)
{
	(void)o;
	snprintf(why, len, "the live side needs Linux");
	return -ENOSYS;
}

int native_scenario_check(const struct scenario *s, char *why, size_t len)
{
	(void)s;
	snprintf(why, len, "the live side needs Linux");
	return -ENOSYS;
}

int native_run(const struct scenario *s, const struct native_options *o,
	       struct outcome *out, struct native_run_info *info, char *err,
	       size_t errlen)
{
	(void)s;
	(void)o;
	(void)out;
	(void)info;
	snprintf(err, errlen, "the live side needs Linux");
	return -ENOSYS;
}

int native_find_helper(char *path, size_t len)
{
	(void)path;
	(void)len;
	return -ENOSYS;
}

#endif /* __linux__ */
