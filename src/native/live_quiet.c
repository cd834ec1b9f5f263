/*
 * live_quiet.c - whether a live run can be trusted: the census of other processes'
 * locked memory, the quiet windows, the driver's own CPU and the CPU
 * witnesses (docs/CONFORM.md "Noise").
 */
#include "live.h"

#ifdef __linux__

/* ---- the census of other processes' locked memory ---- */

struct dirent64_raw {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Without allocating: getdents64 into a buffer of ours, not readdir. */
int live_census_take(struct live *lv, struct lock_census *c)
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
			if (*end || pid <= 0 || live_our_pid((pid_t)pid))
				continue;
			snprintf(path, sizeof(path), "/proc/%ld/status", pid);
			if (live_read_file(path, lv->buf, LIVE_BUF_SIZE) ||
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
	if (live_read_file(path, lv->buf, 64))
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

/*
 * Machine-wide fields another process's mlock or munlock cannot move: the
 * reclaim and OOM counters and shmem (reclaim only runs under pressure,
 * which the quiet windows would see on these fields themselves).
 */
static bool lock_immune(const char *field)
{
	static const char *const prefixes[] = {"pgsteal_", "pgscan_", "oom_kill", "nr_shmem",
						"Shmem"};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (!strncmp(field, prefixes[i], strlen(prefixes[i])))
			return true;
	return false;
}

/* The expected fields first (always watched), then the mlock counters. */
void live_watch_fields(struct live *lv)
{
	size_t i;

	for (i = 0; i < lv->x.s->nr_statements; i++) {
		const struct scenario_statement *st = &lv->x.s->statements[i];

		if (st->kind == SCENARIO_EXPECT && (st->expect.source == SCENARIO_EXPECT_VMSTAT ||
						    st->expect.source == SCENARIO_EXPECT_MEMINFO)) {
			watch_field(lv, st->expect.source == SCENARIO_EXPECT_MEMINFO,
				    st->expect.field);
			if (!lock_immune(st->expect.field))
				lv->reads_lock_counters = true;
		}
	}
	lv->nr_watched_expected = lv->nr_watched;
	for (i = 0; i < PROC_MLOCK_FIELDS; i++)
		watch_field(lv, false, proc_mlock_fields[i]);
}

/*
 * Another process locking memory elsewhere moves only machine-wide
 * counters (and the per-CPU batches of its own CPU, which the witnesses
 * watch on ours).  A run that reads none of those, with the witnesses
 * open, has nothing such a process can change: the census and the mlock
 * counters of the quiet windows would refuse it for nothing (this kind of
 * host's pid 1 changes its VmLck every few hundred ms while it works).
 */
static bool global_noise_matters(const struct live *lv)
{
	return lv->reads_lock_counters || !lv->nr_witnesses;
}

static int read_watched(struct live *lv, int64_t *values)
{
	size_t i;
	int ret = live_stat_refresh();

	if (!ret)
		ret = live_read_file("/proc/vmstat", lv->buf, LIVE_BUF_SIZE / 2);
	if (!ret)
		ret = live_read_file("/proc/meminfo", lv->buf + LIVE_BUF_SIZE / 2, LIVE_BUF_SIZE / 2);
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
int live_quiet_window(struct live *lv, const char *when)
{
	int64_t before[LIVE_MAX_WATCHED], after[LIVE_MAX_WATCHED];
	struct timespec pause = {.tv_sec = lv->o->quiet_ms / 1000,
				 .tv_nsec = (long)(lv->o->quiet_ms % 1000) * 1000000L};
	size_t i, nr = global_noise_matters(lv) ? lv->nr_watched : lv->nr_watched_expected;
	int ret;

	if (!lv->o->quiet_ms || lv->disturbed || !nr)
		return 0;
	ret = read_watched(lv, before);
	if (!ret) {
		while (nanosleep(&pause, &pause) && errno == EINTR)
			;
		ret = read_watched(lv, after);
	}
	if (ret)
		return live_driver_error(lv, NULL, "reading /proc: %s", strerror(-ret));
	for (i = 0; i < nr; i++) {
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
int live_census_check(struct live *lv)
{
	int ret;

	if (lv->disturbed || !global_noise_matters(lv))
		return 0;
	ret = live_census_take(lv, &lv->census_now);
	if (ret)
		return live_driver_error(lv, NULL, "reading /proc: %s", strerror(-ret));
	lv->disturbed = census_differs(lv, &lv->census_base, &lv->census_now);
	return 0;
}

/* ---- the driver's own pages ---- */

/*
 * The driver's anonymous memory (kB), read without allocating.  A page
 * the driver faults during a run goes into its CPU's lru_add batch like a
 * task's (folio_add_lru), and the next lru_add_drain_all() (a `drain`, a
 * task's munlock or migrate_prep) puts it on an LRU list the scenario
 * counts: one page more on inactive_anon than the kernel, undisturbed by
 * us, has.  An allocation of the loop's (a region table that grows, a
 * fork's copy of one; in an ASan build every malloc, as freed chunks wait
 * in its quarantine) is enough (calls/madvise_cold_deactivates_in_batches
 * in the fresh-clone CI: nr_inactive_anon 101 for 100, in two runs that
 * agreed with each other).
 *
 * smaps_rollup's Anonymous, not status's RssAnon: since 6.2 the RSS
 * counters are per-CPU (percpu_counter_read_positive: a CPU's pending
 * delta is not in it), and in a 64M guest of 6.12 and later RssAnon rose
 * by 4 kB during the 10 ms quiet window while the driver slept.  The
 * rollup walks the page tables: exact.  The driver maps no shmem.
 */
static int own_kb(int64_t *kb)
{
	char text[4096];	/* the stack native_run touched before the baseline */
	int ret = live_read_file("/proc/self/smaps_rollup", text, sizeof(text));

	if (ret)
		return ret;
	return proc_field(text, "Anonymous", kb) ? -ENOENT : 0;
}

int live_own_pages_base(struct live *lv)
{
	int ret = own_kb(&lv->own_kb_base);

	if (ret)
		return live_driver_error(lv, NULL, "reading /proc/self/smaps_rollup: %s",
					 strerror(-ret));
	return 0;
}

/* Called before every statement st and after the last (NULL): a run in
 * which the driver itself grew is disturbed (by us), and is run again. */
int live_own_pages_check(struct live *lv, const struct scenario_statement *st)
{
	char where[32] = "during the run";
	int64_t kb;
	int ret;

	if (lv->disturbed)
		return 0;
	ret = own_kb(&kb);
	if (ret)
		return live_driver_error(lv, NULL, "reading /proc/self/smaps_rollup: %s",
					 strerror(-ret));
	if (kb <= lv->own_kb_base)
		return 0;
	lv->disturbed = true;
	if (st)
		snprintf(where, sizeof(where), "before line %u", st->line);
	snprintf(lv->disturbed_by, sizeof(lv->disturbed_by),
		 "the driver itself, which faulted %lld kB of its own anonymous memory %s",
		 (long long)(kb - lv->own_kb_base), where);
	return 0;
}

/* ---- THP: what the host did on its own ---- */

/* Does the scenario expect @field of /proc/vmstat? Then it is compared,
 * not a disturbance. */
static bool expects_vmstat(const struct live *lv, const char *field)
{
	for (size_t i = 0; i < lv->x.s->nr_statements; i++) {
		const struct scenario_statement *st = &lv->x.s->statements[i];

		if (st->kind == SCENARIO_EXPECT && st->expect.source == SCENARIO_EXPECT_VMSTAT &&
		    !strcmp(st->expect.field, field))
			return true;
	}
	return false;
}

/*
 * A THP fault that fell back to small pages (thp_fault_fallback: the host
 * had no free 2 MiB block at that moment; the model's node has) or a
 * collapse by khugepaged (thp_collapse_alloc: it scans MADV_HUGEPAGE ranges
 * every scan_sleep_millisecs and may collapse a task's small pages into a
 * THP between two statements) changes every THP counter after it, so the
 * run is disturbed and run again, never compared (docs/CONFORM.md
 * "Noise").  Both are machine-wide: another process's fallback counts too.
 */
int live_thp_check(struct live *lv, const struct scenario_statement *st)
{
	static const char *const fields[] = { "thp_fault_fallback", "thp_collapse_alloc" };
	static const char *const why[] = {
		"a THP fault fell back to small pages (thp_fault_fallback +%lld: no free 2M block)",
		"khugepaged collapsed pages into a THP (thp_collapse_alloc +%lld)",
	};
	char where[32] = " during the run";
	int ret;

	if (lv->disturbed)
		return 0;
	ret = live_read_file("/proc/vmstat", lv->buf, LIVE_BUF_SIZE);
	if (ret)
		return live_driver_error(lv, NULL, "reading /proc/vmstat: %s", strerror(-ret));
	if (st)
		snprintf(where, sizeof(where), " before line %u", st->line);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		int64_t base, now;

		if (proc_field(lv->base_vmstat, fields[i], &base) ||
		    proc_field(lv->buf, fields[i], &now) || now == base ||
		    expects_vmstat(lv, fields[i]))
			continue;
		lv->disturbed = true;
		snprintf(lv->disturbed_by, sizeof(lv->disturbed_by), why[i],
			 (long long)(now - base));
		snprintf(lv->disturbed_by + strlen(lv->disturbed_by),
			 sizeof(lv->disturbed_by) - strlen(lv->disturbed_by), "%s", where);
		break;
	}
	return 0;
}

/* ---- the driver's own CPU ---- */

/* Every CPU a task of the scenario runs on (forks inherit their parent's). */
void live_task_cpus(const struct scenario *s, cpu_set_t *used)
{
	size_t i;

	CPU_ZERO(used);
	for (i = 0; i < s->nr_statements; i++)
		if (s->statements[i].kind == SCENARIO_TASK)
			CPU_SET(s->statements[i].task.cpu, used);
}

/* Off the tasks' CPUs when the machine has one free: the highest free. */
void live_pin_driver(struct live *lv)
{
	cpu_set_t used, mine;
	int cpu;

	if (sched_getaffinity(0, sizeof(lv->saved_affinity), &lv->saved_affinity))
		return;
	lv->affinity_saved = true;
	live_task_cpus(lv->x.s, &used);
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
void live_repin_driver(struct live *lv)
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

/*
 * The driver on CPU 0 for work whose charges or drains must happen where
 * `reclaim` runs: the memcg stock of CPU 0 is drained at once by
 * drain_all_stock, another CPU's whenever its kworker gets there.
 */
int live_pin_cpu0(void)
{
	cpu_set_t cpu0;

	CPU_ZERO(&cpu0);
	CPU_SET(0, &cpu0);
	return sched_setaffinity(0, sizeof(cpu0), &cpu0) ? -errno : 0;
}

void live_unpin_driver(struct live *lv)
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

void live_witnesses_close(struct live *lv)
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
int live_witnesses_open(struct live *lv)
{
	struct perf_event_attr attr;
	cpu_set_t used;
	int cpu;

	live_task_cpus(lv->x.s, &used);
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
			live_witnesses_close(lv);
			return -errno;
		}
		ring = mmap(NULL, (1 + LIVE_WITNESS_PAGES) * LIVE_PAGE_SIZE, PROT_READ | PROT_WRITE,
			    MAP_SHARED, fd, 0);
		lv->witness[lv->nr_witnesses].fd = fd;
		lv->witness[lv->nr_witnesses].cpu = (unsigned int)cpu;
		lv->witness[lv->nr_witnesses].opened_ns = monotonic_ns();
		lv->witness[lv->nr_witnesses++].ring = ring == MAP_FAILED ? NULL : ring;
		if (ring == MAP_FAILED) {
			live_witnesses_close(lv);
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
	if (live_read_file(path, lv->buf, 4096))
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
	if (pid == -1 || live_our_pid(pid))
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
void live_witnesses_check(struct live *lv)
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

#endif /* __linux__ */
