/*
 * live_memcg.c - the memcgs of a live run: a directory of the run's own in the cgroup v1
 * memory hierarchy, or in cgroup v2 where the kernel has no v1 memory controller, and
 * the page tallies of /proc/kpagecgroup and /proc/kpageflags that memcg expectations
 * read (CONFORM.md "memcgs").
 */
#include "live.h"

#ifdef __linux__

/* ---- memcgs (cgroup v1 memory controller, or cgroup v2) ---- */

static const char *memcg_root(enum proc_memcg_hier hier)
{
	return hier == PROC_MEMCG_V1 ? PROC_MEMCG_V1_ROOT : PROC_MEMCG_V2_ROOT;
}

/*
 * The hierarchy this machine gives the live memcgs (proc_memcg_hierarchy),
 * and whether a run can use it: PROC_MEMCG_V1 or _V2, or -errno with why.
 * On v2 the memory controller must be on in the root's subtree_control
 * already: conform never changes the machine's root cgroup (the VM's /init
 * turns it on, guest_init.c).
 */
int native_memcg_hierarchy(char *why, size_t len)
{
	char *mounts = malloc(LIVE_BUF_SIZE), controllers[512], subtree[512];
	int hier, ret = mounts ? live_read_file("/proc/self/mounts", mounts, LIVE_BUF_SIZE) :
				 -ENOMEM;

	if (ret) {
		free(mounts);
		snprintf(why, len, "cannot read /proc/self/mounts: %s", strerror(-ret));
		return ret;
	}
	hier = proc_memcg_hierarchy(mounts, live_read_file(PROC_MEMCG_V2_ROOT "/cgroup.controllers",
							   controllers, sizeof(controllers)) ?
						    NULL : controllers);
	free(mounts);
	if (hier < 0) {
		snprintf(why, len, "memcgs run live in the cgroup v1 memory controller at %s, or in cgroup v2 at %s with the memory controller: neither here",
			 PROC_MEMCG_V1_ROOT, PROC_MEMCG_V2_ROOT);
		return hier;
	}
	if (hier == PROC_MEMCG_V1 && access(PROC_MEMCG_V1_ROOT "/memory.limit_in_bytes", F_OK)) {
		snprintf(why, len, "%s has no memory.limit_in_bytes", PROC_MEMCG_V1_ROOT);
		return -ENOENT;
	}
	if (hier == PROC_MEMCG_V2 &&
	    (live_read_file(PROC_MEMCG_V2_ROOT "/cgroup.subtree_control", subtree, sizeof(subtree)) ||
	     !proc_has_word(subtree, "memory", " \t\n"))) {
		snprintf(why, len, "cgroup v2: the memory controller is not in %s/cgroup.subtree_control, and conform never changes the machine's root cgroup",
			 PROC_MEMCG_V2_ROOT);
		return -EPERM;
	}
	if (access("/proc/kpagecgroup", R_OK) || access("/proc/kpageflags", R_OK)) {
		snprintf(why, len, "memcg values are counted from /proc/kpagecgroup and /proc/kpageflags: not readable here");
		return -EACCES;
	}
	return hier;
}

/* Write text to a file (a cgroup control file): 0 or -errno. */
int live_write_text(const char *path, const char *text)
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

int live_memcg_file(const struct live *lv, int i, const char *file, char *path)
{
	(void)lv;
	if (snprintf(path, PATH_MAX, "%s/%s", live_memcg_path(i + 1), file) >= PATH_MAX)
		return -ENAMETOOLONG;
	return 0;
}

/* A number a memcg file holds ("123\n"): 0 or -errno. */
int live_memcg_read_number(struct live *lv, int i, const char *file, uint64_t *value)
{
	char path[PATH_MAX], *end;
	int ret = live_memcg_file(lv, i, file, path);

	if (!ret)
		ret = live_read_file(path, lv->buf, 256);
	if (ret)
		return ret;
	errno = 0;
	*value = strtoull(lv->buf, &end, 10);
	return errno || end == lv->buf ? -EPROTO : 0;
}

/* Its index in lv->memcgs, the loop's EXEC_MEMCGS; -1: none. */
int live_find_memcg(struct live *lv, const char *name)
{
	return exec_object_index(&lv->x, EXEC_MEMCGS, name);
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
static void remove_stale_memcgs(const char *root)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir = opendir(root);

	while (dir && (d = readdir(dir))) {
		long pid;
		char *end;

		if (strncmp(d->d_name, "unevict-conform.", 16))
			continue;
		pid = strtol(d->d_name + 16, &end, 10);
		if (*end != '.' || pid <= 0 || !kill((pid_t)pid, 0) || errno != ESRCH ||
		    snprintf(path, sizeof(path), "%s/%s", root, d->d_name) >= (int)sizeof(path))
			continue;
		remove_cgroup_tree(path, 0);
	}
	if (dir)
		closedir(dir);
}


/*
 * The scenario's memcgs, before any task: a directory of the run's own in
 * the memory hierarchy (so no name can meet the machine's cgroups, and
 * one rmdir order removes everything), each memcg in its parent's
 * directory, the limit written when the scenario gives one
 * (proc_memcg_limit_file).  On v1 the hierarchy must be on
 * (memory.use_hierarchy 1): the model's memcgs charge and limit their
 * ancestors too; v2 always is.
 */
static int make_memcgs(struct live *lv);

/* v1: memory.use_hierarchy of the run's directory reads 1.  0, or -errno
 * with the reason in lv->buf. */
static int check_use_hierarchy(struct live *lv)
{
	char path[PATH_MAX];
	int ret = snprintf(path, sizeof(path), "%s/memory.use_hierarchy",
			   live_memcg_path(0)) >= (int)sizeof(path) ? -ENAMETOOLONG : 0;

	if (!ret)
		ret = live_read_file(path, lv->buf, 256);
	if (!ret && strtoull(lv->buf, NULL, 10) == 1)
		return 0;
	snprintf(lv->buf, LIVE_BUF_SIZE, "%s is not 1: the memcgs would not be hierarchical, as the model's are",
		 path);
	return ret ? ret : -EINVAL;
}

/* v2: +memory in the subtree_control of live_memcg_path(i) (the run's
 * directory for 0), once: its children are memcgs.  0, or -errno with the
 * reason in lv->buf. */
static int subtree_memory(struct live *lv, int i)
{
	char path[PATH_MAX];
	int ret = snprintf(path, sizeof(path), "%s/cgroup.subtree_control",
			   live_memcg_path(i)) >= (int)sizeof(path) ? -ENAMETOOLONG : 0;

	if (!ret)
		ret = live_read_file(path, lv->buf, 256);
	if (!ret && proc_has_word(lv->buf, "memory", " \t\n"))
		return 0;
	if (!ret)
		ret = live_write_text(path, "+memory");
	if (ret)
		snprintf(lv->buf, LIVE_BUF_SIZE, "writing +memory to %s: %s", path, strerror(-ret));
	return ret;
}

/*
 * mkdir of a memcg charges the new memcg's own kernel memory to its parent
 * (mem_cgroup_css_alloc allocates with the parent as the active memcg), and
 * the charge leaves a page stock on the CPU that made it.  Made from the
 * driver's CPU, that stock is drained by a kworker when a `reclaim` of the
 * parent lowers its limit, maybe after a pass or three have reclaimed too
 * much (seen: 107 pages instead of 39, one run in three).  So the memcgs
 * are made on CPU 0, where reclaim runs and drains at once.
 */
int live_make_memcgs(struct live *lv)
{
	bool cpu0 = !live_pin_cpu0();
	int ret = make_memcgs(lv);

	if (cpu0)
		live_repin_driver(lv);
	return ret;
}

static int make_memcgs(struct live *lv)
{
	static unsigned int seq;
	char path[PATH_MAX], text[32];
	struct stat sb;
	size_t i;
	int ret;

	for (i = 0; i < lv->x.s->nr_statements; i++) {
		const struct scenario_statement *st = &lv->x.s->statements[i];
		struct live_memcg *mc;

		if (st->kind != SCENARIO_MEMCG)
			continue;
		if (!live_memcg_path(0)) {
			ret = native_memcg_hierarchy(lv->buf, LIVE_BUF_SIZE);
			if (ret < 0)
				return live_driver_error(lv, st, "%s", lv->buf);
			lv->memcg_hier = (enum proc_memcg_hier)ret;
			remove_stale_memcgs(memcg_root(lv->memcg_hier));
			snprintf(path, sizeof(path), "%s/unevict-conform.%d.%u",
				 memcg_root(lv->memcg_hier), (int)getpid(), seq++);
			/* registered first: a signal between the two finds it */
			if (live_register_memcg_path(path))
				return live_driver_error(lv, st, "too many memcgs");
			if (mkdir(path, 0755))
				return live_driver_error(lv, st, "mkdir %s: %s", path, strerror(errno));
			ret = lv->memcg_hier == PROC_MEMCG_V1 ? check_use_hierarchy(lv) :
				subtree_memory(lv, 0);
			if (ret)
				return live_driver_error(lv, st, "%s", lv->buf);
		}
		if (lv->nr_memcgs == LIVE_MAX_OBJECTS)
			return live_driver_error(lv, st, "more than %d memcgs", LIVE_MAX_OBJECTS);
		mc = &lv->memcgs[lv->nr_memcgs];
		memset(mc, 0, sizeof(*mc));
		mc->sm = &st->memcg;
		mc->parent = st->memcg.parent_given ? live_find_memcg(lv, st->memcg.parent) : -1;
		/* v2: a memcg's children are memcgs only with +memory in its
		 * subtree_control (cgroup_subtree_control_write), written before
		 * any task joins: a cgroup with it on takes no task
		 * (cgroup_migrate_vet_dst), which the preflight refuses */
		if (lv->memcg_hier == PROC_MEMCG_V2 && mc->parent >= 0 &&
		    subtree_memory(lv, mc->parent + 1))
			return live_driver_error(lv, st, "%s", lv->buf);
		if (snprintf(path, sizeof(path), "%s/%s", live_memcg_path(mc->parent + 1),
			     st->memcg.name) >= (int)sizeof(path))
			return live_driver_error(lv, st, "memcg '%s': path too long", st->memcg.name);
		if (live_register_memcg_path(path))
			return live_driver_error(lv, st, "too many memcgs");
		if (exec_add_object(&lv->x, EXEC_MEMCGS, st, st->memcg.name, (int)lv->nr_memcgs,
				    st->memcg.limit))
			return live_driver_error(lv, st, "out of memory");
		lv->nr_memcgs++;
		if (mkdir(path, 0755))
			return live_driver_error(lv, st, "mkdir %s: %s", path, strerror(errno));
		if (stat(path, &sb))
			return live_driver_error(lv, st, "stat %s: %s", path, strerror(errno));
		mc->ino = (uint64_t)sb.st_ino;
		if (st->memcg.limit_given) {
			snprintf(text, sizeof(text), "%llu", (unsigned long long)st->memcg.limit);
			ret = live_memcg_file(lv, (int)lv->nr_memcgs - 1,
					      proc_memcg_limit_file(lv->memcg_hier), path);
			if (!ret)
				ret = live_write_text(path, text);
			if (ret)
				return live_driver_error(lv, st, "memcg '%s': writing %s: %s",
						    st->memcg.name, proc_memcg_limit_file(lv->memcg_hier),
						    strerror(-ret));
		}
	}
	return 0;
}

/* A new task joins its memcg (after its start-up: its own image stays
 * charged where the driver is, as a v1 memcg moves no charges). */
int live_join_memcg(struct live *lv, const struct scenario_statement *st,
		      struct live_task *t)
{
	char path[PATH_MAX], text[32];
	int ret;

	if (!st->task.memcg_given)
		return 0;
	t->memcg = live_find_memcg(lv, st->task.memcg);
	if (t->memcg < 0)
		return live_driver_error(lv, st, "no memcg '%s'", st->task.memcg);
	snprintf(text, sizeof(text), "%d", (int)t->x.pid);
	ret = live_memcg_file(lv, t->memcg, "cgroup.procs", path);
	if (!ret)
		ret = live_write_text(path, text);
	if (ret)
		return live_driver_error(lv, st, "task '%s' joining memcg '%s': %s", t->x.name,
				    st->task.memcg, strerror(-ret));
	return 0;
}

/*
 * A task of a memcg faulted pages of its own program image in: they are
 * charged to the memcg (and its ancestors), which the model's tasks do not
 * have.  That memcg's values are image-dependent from here on.
 */
void live_memcg_image(struct live *lv, const struct live_task *t,
			const struct scenario_statement *st, const char *what)
{
	int i;

	for (i = t->memcg; i >= 0; i = lv->memcgs[i].parent)
		if (!lv->memcgs[i].image_note[0])
			snprintf(lv->memcgs[i].image_note, sizeof(lv->memcgs[i].image_note),
				 "memcg %s holds task %s's own image pages since its %s at line %u",
				 lv->memcgs[i].sm->name, t->x.name, what, st->line);
}


/* The driver moves to the first CPU a task of the scenario runs on. */
static void scan_on_task_cpu(struct live *lv)
{
	cpu_set_t used, one;
	int cpu;

	live_task_cpus(lv->x.s, &used);
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
int live_scan_memcgs(struct live *lv)
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
#ifndef __SANITIZE_ADDRESS__
	scan_on_task_cpu(lv);
#else
	/*
	 * Not in an ASan build: there every scan takes some 144 minor faults
	 * of the driver's own (measured with getrusage around it; the plain
	 * build takes none once its buffers are touched), and on a task CPU
	 * those new pages spill its lru_add batch: the scenario's pages reach
	 * the list early (fork_charges_only_the_scenarios_copies.uvs: 100
	 * pages on inactive_anon where the kernel, undisturbed, has 93).
	 */
	(void)scan_on_task_cpu;
#endif
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
	live_repin_driver(lv);
	return ret;
}

/* User pages charged to memcg i and its descendants. */
uint64_t live_subtree_user(const struct live *lv, int root)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < lv->nr_memcgs; i++)
		if (memcg_in_subtree(lv, (int)i, root))
			sum += lv->memcg_pages[i].user;
	return sum;
}

#endif /* __linux__ */
