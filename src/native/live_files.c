/*
 * live_files.c - reading /proc, draining the per-CPU batches, and the files and shm
 * segments of a live run, in mount and IPC namespaces of the run's own.
 */
#include "live.h"

#ifdef __linux__

/* ---- files ---- */

int live_read_file(const char *path, char *buf, size_t len)
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

int live_stat_refresh(void)
{
	int fd = open("/proc/sys/vm/stat_refresh", O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	/*
	 * vmstat_refresh folds every CPU's deltas first and only then looks for
	 * a negative total: up to 5.10 it returned EINVAL for one (a transient
	 * nr_zone_write_pending or the like), later kernels only warn.  The
	 * fold is done either way (5.10 guest: reclaim_spares_locked_and_anon.uvs
	 * stopped at "stat_refresh: Invalid argument" once in a matrix run).
	 */
	if (write(fd, "1", 1) != 1 && errno != EINVAL)
		ret = -errno;
	close(fd);
	return ret;
}

/* lru_add_drain_all() from user space: tests/scenarios/DRAIN.md */
int live_drain_all(void)
{
	int node = 0;

	if (syscall(SYS_move_pages, 0, 0UL, NULL, &node, NULL, 0))
		return -errno;
	return 0;
}

/* ---- files and shm segments ---- */

#define LIVE_TMPFS_MAGIC 0x01021994
#define LIVE_RAMFS_MAGIC 0x858458f6

/*
 * Files and segments live in mount and IPC namespaces of our own (our
 * tasks share them): a tmpfs or ramfs we mount, a segment we shmget, is
 * seen by nobody else and cannot outlive us.
 */
static int enter_namespaces(struct live *lv)
{
	if (live_namespaces_entered(false))
		return 0;
	if (unshare(CLONE_NEWNS | CLONE_NEWIPC) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		return live_driver_error(lv, NULL, "files and shm need mount and IPC namespaces of their own: %s",
				    strerror(errno));
	live_namespaces_entered(true);
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
	const struct scenario_statement *st = exec_object_at(&lv->x, EXEC_FILES, i)->st;
	const struct scenario_file *f = &st->file;
	static const char *const fs_names[] = {
		[SCENARIO_FS_DISK] = "disk", [SCENARIO_FS_TMPFS] = "tmpfs",
		[SCENARIO_FS_RAMFS] = "ramfs",
	};
	char mnt[PATH_MAX];
	int fd, n, e;

	if (f->fs == SCENARIO_FS_DISK) {
		n = snprintf(lv->file_paths[i], PATH_MAX, "%s/%s", live_run_dir(), f->name);
	} else {
		/* tmpfs: huge=never, every folio one page, as the probe had it */
		n = snprintf(mnt, sizeof(mnt), "%s/%s.mnt", live_run_dir(), f->name);
		if (n < 0 || n >= (int)sizeof(mnt))
			return live_driver_error(lv, st, "file '%s': path too long", f->name);
		/* registered first: a signal between the two finds it */
		e = live_register_path(mnt, true);
		if (e)
			return live_driver_error(lv, st, "file '%s': more files than the clean-up table holds (%d)",
						 f->name, LIVE_MAX_OBJECTS);
		if (mkdir(mnt, 0755) ||
		    mount(fs_names[f->fs], mnt, fs_names[f->fs], 0,
			  f->fs == SCENARIO_FS_TMPFS ? "huge=never" : NULL))
			return live_driver_error(lv, st, "mounting a %s for file '%s': %s",
						 fs_names[f->fs], f->name, strerror(errno));
		n = snprintf(lv->file_paths[i], PATH_MAX, "%s/%s", mnt, f->name);
	}
	if (n < 0 || n >= PATH_MAX)
		return live_driver_error(lv, st, "file '%s': path too long", f->name);
	e = live_register_path(lv->file_paths[i], false);
	if (e)
		return live_driver_error(lv, st, "file '%s': more files than the clean-up table holds (%d)",
					 f->name, LIVE_MAX_OBJECTS);
	fd = open(lv->file_paths[i], O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)f->size)) {
		e = errno;
		if (fd >= 0)
			close(fd);
		return live_driver_error(lv, st, "creating file '%s': %s", f->name, strerror(e));
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
int live_make_objects(struct live *lv)
{
	size_t i, nr_files = 0, nr_shms = 0;
	struct exec_object *sh;
	const char *base;
	int ret = 0;

	for (i = 0; i < lv->x.s->nr_statements && !ret; i++) {
		const struct scenario_statement *st = &lv->x.s->statements[i];

		/* native_scenario_check() refused more than LIVE_MAX_OBJECTS */
		nr_files = exec_nr_objects(&lv->x, EXEC_FILES);
		nr_shms = exec_nr_objects(&lv->x, EXEC_SHMS);
		if (st->kind == SCENARIO_FILE && nr_files < LIVE_MAX_OBJECTS)
			ret = exec_add_object(&lv->x, EXEC_FILES, st, st->file.name, (int)nr_files,
					      st->file.size);
		else if (st->kind == SCENARIO_SHM && nr_shms < LIVE_MAX_OBJECTS)
			ret = exec_add_object(&lv->x, EXEC_SHMS, st, st->shm.name, -1,
					      st->shm.size);
		else if (st->kind == SCENARIO_CALL && (st->call.kind == SCENARIO_CALL_READ ||
						       st->call.kind == SCENARIO_CALL_WRITE) &&
			 st->call.len > lv->buffer_size)
			lv->buffer_size = st->call.len;
	}
	if (ret)
		return live_driver_error(lv, NULL, "out of memory");
	nr_files = exec_nr_objects(&lv->x, EXEC_FILES);
	nr_shms = exec_nr_objects(&lv->x, EXEC_SHMS);
	if (!nr_files && !nr_shms)
		return 0;
	ret = enter_namespaces(lv);
	if (ret)
		return ret;
	if (nr_files) {
		base = disk_directory();
		if (!base)
			return live_driver_error(lv, NULL, "no disk file system for the files (/tmp and /var/tmp are in memory)");
		remove_stale_directories(base);
		ret = live_make_run_dir(base);
		if (ret)
			return live_driver_error(lv, NULL, "mkdtemp in %s: %s", base, strerror(-ret));
	}
	for (i = 0; i < nr_files; i++) {
		ret = make_file(lv, i);
		if (ret)
			return ret;
	}
	/* root, 0600: the owner and the creator of every segment is uid 0;
	 * an SHM_HUGETLB one waits for its statement (the pool comes later) */
	for (i = 0; i < nr_shms; i++) {
		sh = exec_object_at(&lv->x, EXEC_SHMS, i);
		if (sh->st->shm.hugetlb)
			continue;
		sh->id = shmget(IPC_PRIVATE, sh->size, IPC_CREAT | 0600);
		if (sh->id < 0)
			return live_driver_error(lv, NULL, "shmget of '%s': %s", sh->name,
					    strerror(errno));
		if (live_register_shmid(sh->id)) {
			shmctl(sh->id, IPC_RMID, NULL);
			return live_driver_error(lv, NULL, "shm '%s': more segments than the clean-up table holds (%d)",
						 sh->name, LIVE_MAX_OBJECTS);
		}
	}
	return 0;
}

/*
 * `shm NAME SIZE hugetlb` at its place in the run, in the run's IPC
 * namespace (the tasks are in it already): its huge pages are reserved
 * here, from the pool a sysctl before it made.  A pool too small stops
 * the run with the model's words for it (interp.c create_shm).
 */
int live_make_hugetlb_shm(struct live *lv, const struct scenario_statement *st)
{
	int i = live_find_shm(lv, st->shm.name);
	struct exec_object *sh;
	const char *name;

	if (i < 0)
		return live_driver_error(lv, st, "no shm segment '%s'", st->shm.name);
	sh = exec_object_at(&lv->x, EXEC_SHMS, (size_t)i);
	sh->id = shmget(IPC_PRIVATE, sh->size, IPC_CREAT | SHM_HUGETLB | 0600);
	if (sh->id < 0) {
		name = scenario_errno_name(errno);
		return live_stop_here(lv, st, "shmget of '%s' fails: %s", st->shm.name,
				      name ? name : strerror(errno));
	}
	if (live_register_shmid(sh->id)) {
		shmctl(sh->id, IPC_RMID, NULL);
		return live_driver_error(lv, st, "shm '%s': more segments than the clean-up table holds (%d)",
					 st->shm.name, LIVE_MAX_OBJECTS);
	}
	return 0;
}

int live_find_file(struct live *lv, const char *name)
{
	return exec_object_index(&lv->x, EXEC_FILES, name);
}

int live_find_shm(struct live *lv, const char *name)
{
	return exec_object_index(&lv->x, EXEC_SHMS, name);
}

#endif /* __linux__ */
