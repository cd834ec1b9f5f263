/*
 * live_preflight.c - can the live side run here, and can it run this scenario?
 * (native_preflight, native_scenario_check, native_find_helper)
 */
#include "live.h"

#ifdef __linux__

/* ---- can it run here? ---- */

bool live_have_capability(int cap)
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
	fd = live_pidfd_open(getpid());
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
	if (above && !tk->cap_ipc_lock && !live_have_capability(CAP_SYS_RESOURCE)) {
		format_limit(rl->rlim_max, hard, sizeof(hard));
		return cannot(why, len, s, st, "task '%s' asks for a memlock above this machine's RLIMIT_MEMLOCK hard limit (%s), which root cannot raise without CAP_SYS_RESOURCE, and it has no cap_ipc_lock",
			      tk->name, hard);
	}
	return 0;
}

/*
 * The memcg hierarchy of this machine, found once a scenario has a memcg
 * (native_memcg_hierarchy): *hier 0 until then.  0, or a cannot-run reason.
 */
static int memcg_hier(const struct scenario *s, const struct scenario_statement *st,
		      int *hier, char *why, size_t len)
{
	char msg[300];
	int ret;

	if (*hier)
		return 0;
	ret = native_memcg_hierarchy(msg, sizeof(msg));
	if (ret < 0)
		return cannot(why, len, s, st, "%s", msg);
	*hier = ret;
	return 0;
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

/* thp= on a host: this machine's mode, which conform never changes (a VM
 * guest sets the scenario's: live_machine_begin). */
static int check_thp(const struct scenario *s, const struct scenario_statement *st, char *why,
		     size_t len)
{
	char text[128] = "", mode[32];
	const char *want = scenario_thp_name(st->machine.thp);

	if (live_read_file("/sys/kernel/mm/transparent_hugepage/enabled", text, sizeof(text)))
		return cannot(why, len, s, st, "thp=%s: this kernel has no transparent huge pages", want);
	if (proc_bracketed(text, mode, sizeof(mode)))
		return cannot(why, len, s, st, "thp=%s: cannot read this machine's THP mode", want);
	if (strcmp(mode, want))
		return cannot(why, len, s, st, "thp=%s, but this machine's THP mode is %s (conform never changes it; a VM does: conform --kernel)",
			      want, mode);
	return 0;
}

/*
 * `reclaim` of the whole machine: only in a VM guest (a machine of our own),
 * through the node's reclaim file (6.17+), of one node.
 */
static int check_reclaim_machine(const struct scenario *s, const struct scenario_statement *st,
				 char *why, size_t len)
{
	const struct scenario_reclaim *rc = &st->reclaim;
	char path[PATH_MAX];

	if (!native_machine_is_ours())
		return unsupported(why, len, s, st, "reclaim without memcg= (model only on a host: the live side reclaims the whole machine only in a VM of conform --kernel)");
	if (!rc->node_given && live_nodes() > 1)
		return cannot(why, len, s, st, "reclaim without node= on %u nodes: the kernel's reclaim file is per node",
			      live_nodes());
	if (!native_node_reclaim_file(rc->node_given ? rc->node : 0, path, sizeof(path)))
		return cannot(why, len, s, st, "reclaim without memcg=: this kernel has no %s (per-node reclaim came in 6.17)",
			      path);
	return 0;
}

/*
 * `reclaim` live: only in a memcg (the live side never reclaims the whole
 * machine), run from CPU 0, with every task of the memcg on CPU 0 (the
 * charge stock of another CPU is drained by a kworker, whenever it runs:
 * the pages reclaimed would depend on it).
 */
static int check_reclaim(const struct scenario *s, const struct scenario_statement *st,
			 const cpu_set_t *cpus, int *hier, char *why, size_t len)
{
	const struct scenario_reclaim *rc = &st->reclaim;
	size_t i;
	int ret;

	if (!rc->memcg_given)
		return check_reclaim_machine(s, st, why, len);
	/* v1 lowers the limit (mem_cgroup_resize_max), v2 writes memory.reclaim
	 * (memory_reclaim): the model follows either (unev_machine_config.memcg_v2) */
	ret = memcg_hier(s, st, hier, why, len);
	if (ret)
		return ret;
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

/*
 * v2 places no task in a cgroup whose subtree_control has a controller on
 * (cgroup_migrate_vet_dst: the no-internal-process rule), and a memcg's
 * children are memcgs only with +memory there: a task in a memcg with
 * children cannot be placed as the scenario says.
 */
static int check_task_v2(const struct scenario *s, const struct scenario_statement *st,
			 char *why, size_t len)
{
	const struct scenario_task *tk = &st->task;
	size_t i;

	for (i = 0; tk->memcg_given && i < s->nr_statements; i++) {
		const struct scenario_memcg *m = &s->statements[i].memcg;

		if (s->statements[i].kind == SCENARIO_MEMCG && m->parent_given &&
		    !strcmp(m->parent, tk->memcg))
			return cannot(why, len, s, st, "on cgroup v2, task '%s' is in memcg '%s', which has children (v2 puts no task in a cgroup whose children have the memory controller)",
				      tk->name, tk->memcg);
	}
	return 0;
}

/* `expect memcg NAME FIELD` reads a field this hierarchy has (proc_memcg_source). */
static int check_expect_memcg(const struct scenario *s, const struct scenario_statement *st,
			      int *hier, char *why, size_t len)
{
	const char *file, *key;
	int ret = memcg_hier(s, st, hier, why, len);

	if (ret)
		return ret;
	ret = proc_memcg_source((enum proc_memcg_hier)*hier, st->expect.field, &file, &key);
	if (ret == -EOPNOTSUPP)
		return cannot(why, len, s, st, "expect memcg %s: cgroup v%d has no such field (a v1 memory.stat line), and nothing else is compared in its place",
			      st->expect.field, *hier);
	return 0;
}

int native_scenario_check(const struct scenario *s, char *why, size_t len)
{
	int hier = 0;
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
			/* conform leaves a design the live kernel does not run to
			 * the model (model_only_machine); none has no kernel */
			if (st->machine.design == SCENARIO_DESIGN_NONE)
				return cannot(why, len, s, st, "design=none is model only: no kernel runs it");
			/* a VM guest has the zram swap the machine asks for */
			if (st->machine.swap_bytes && !native_machine_is_ours())
				return cannot(why, len, s, st, "the live side runs without swap (swap= runs in a VM: conform --kernel)");
			if (st->machine.swap_bytes && !native_swap_total())
				return cannot(why, len, s, st, "swap=: the VM has no swap (its zram device could not be made)");
			if (st->machine.thp_given && !native_machine_is_ours() &&
			    (ret = check_thp(s, st, why, len)))
				return ret;
			if (st->machine.nodes > live_nodes())
				return cannot(why, len, s, st, "%u nodes, this machine has %u",
					      st->machine.nodes, live_nodes());
			break;
		case SCENARIO_TASK:
			ret = check_task(s, st, &cpus, &rl, why, len);
			if (!ret && st->task.memcg_given)
				ret = memcg_hier(s, st, &hier, why, len);
			if (!ret && hier == PROC_MEMCG_V2)
				ret = check_task_v2(s, st, why, len);
			if (ret)
				return ret;
			break;
		case SCENARIO_SYSCTL:
			if (!native_machine_is_ours())
				return unsupported(why, len, s, st, "sysctl (conform never changes the machine's sysctls; it runs them in a VM: conform --kernel)");
			break;
		case SCENARIO_MEMCG:
			ret = memcg_hier(s, st, &hier, why, len);
			if (ret)
				return ret;
			if (st->memcg.limit_given && st->memcg.limit % 4096)
				return cannot(why, len, s, st, "limit=%llu is not a multiple of the page size: the kernel rounds it down, the model up",
					      (unsigned long long)st->memcg.limit);
			if (++objects > LIVE_MAX_OBJECTS)
				return cannot(why, len, s, st, "more than %d files, shm segments and memcgs",
					      LIVE_MAX_OBJECTS);
			break;
		case SCENARIO_RECLAIM:
			ret = check_reclaim(s, st, &cpus, &hier, why, len);
			if (ret)
				return ret;
			break;
		case SCENARIO_MIGRATE:	/* the task's own move_pages(2) */
			break;
		case SCENARIO_COMPACT:
			if (!native_machine_is_ours())
				return unsupported(why, len, s, st, "compact (conform never compacts the machine's memory; it runs it in a VM: conform --kernel)");
			break;
		case SCENARIO_FILE:
		case SCENARIO_SHM:
			if (++objects > LIVE_MAX_OBJECTS)
				return cannot(why, len, s, st, "more than %d files and shm segments",
					      LIVE_MAX_OBJECTS);
			break;
		case SCENARIO_CALL:
			if ((st->call.kind == SCENARIO_CALL_READ ||
			     st->call.kind == SCENARIO_CALL_WRITE) && st->call.len > LIVE_MAX_BUFFER)
				return cannot(why, len, s, st, "reads and writes of more than %lluM",
					      (unsigned long long)(LIVE_MAX_BUFFER >> 20));
			break;
		case SCENARIO_EXPECT:
			if (st->expect.source == SCENARIO_EXPECT_MEMCG) {
				ret = check_expect_memcg(s, st, &hier, why, len);
				if (ret)
					return ret;
			}
			break;
		case SCENARIO_DRAIN:
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

#endif /* __linux__ */
