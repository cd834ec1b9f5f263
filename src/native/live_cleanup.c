/*
 * live_cleanup.c - the signal-safe clean-up tables of a live run: the tasks' pids and
 * pidfds, the run's files, mounts, shm segments and memcg directories, the
 * only mutable globals of the live side, so that a signal handler can kill,
 * reap and remove them (native_kill_all) on any exit path.
 */
#include "live.h"

#ifdef __linux__

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
/* each file, and the mount point of each tmpfs or ramfs file: at most
 * two paths per file (native_scenario_check refuses more files) */
static char live_paths[2 * LIVE_MAX_OBJECTS][PATH_MAX];
static bool live_path_is_mount[2 * LIVE_MAX_OBJECTS];
static volatile sig_atomic_t live_nr_paths;
static int live_shmids[LIVE_MAX_OBJECTS];
static volatile sig_atomic_t live_nr_shmids;
/* the namespaces are the process's: entered once, by the first run */
static bool live_in_namespaces;

/* The run's directory, under base: mkdtemp, registered for removal. */
int live_make_run_dir(const char *base)
{
	snprintf(live_dir, sizeof(live_dir), "%s/unevict-conform.%d.XXXXXX", base,
		 (int)getpid());
	if (!mkdtemp(live_dir)) {
		live_dir[0] = '\0';
		return -errno;
	}
	return 0;
}

const char *live_run_dir(void)
{
	return live_dir;
}

bool live_namespaces_entered(bool now)
{
	if (now)
		live_in_namespaces = true;
	return live_in_namespaces;
}

int live_register_shmid(int shmid)
{
	int i = live_nr_shmids;

	if (i >= LIVE_MAX_OBJECTS)
		return -E2BIG;
	live_shmids[i] = shmid;
	live_nr_shmids = i + 1;
	return 0;
}

/* One of the processes of this run, or the driver itself. */
bool live_our_pid(pid_t pid)
{
	int i;

	if (pid == getpid())
		return true;
	for (i = 0; i < live_nr_pids; i++)
		if (live_pids[i] == pid)
			return true;
	return false;
}

int live_register_path(const char *path, bool mount)
{
	int i = live_nr_paths;

	if (i >= 2 * LIVE_MAX_OBJECTS || strlen(path) >= PATH_MAX)
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
 * the cgroup v1 memory hierarchy or in cgroup v2, then each memcg of the scenario, parents
 * before children, so that removing them in reverse order empties each
 * directory before its parent.
 */
static char live_memcg_paths[LIVE_MAX_OBJECTS + 1][PATH_MAX];
static volatile sig_atomic_t live_nr_memcg_paths;


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
	live_drain_all();
	for (i = live_nr_memcg_paths - 1; i >= 0; i--)
		for (tries = 0; rmdir(live_memcg_paths[i]) && errno == EBUSY && tries < 200; tries++)
			nanosleep(&pause, NULL);
	live_nr_memcg_paths = 0;
}

int live_register_pid(pid_t pid, int pidfd)
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

/* The directory of memcg i - 1 of the run, [0] the run's own; NULL: none yet. */
const char *live_memcg_path(int i)
{
	return i < live_nr_memcg_paths ? live_memcg_paths[i] : NULL;
}

int live_register_memcg_path(const char *path)
{
	int i = live_nr_memcg_paths;

	if (i > LIVE_MAX_OBJECTS || strlen(path) >= PATH_MAX)
		return -E2BIG;
	strcpy(live_memcg_paths[i], path);
	live_nr_memcg_paths = i + 1;
	return 0;
}
#endif /* __linux__ */
