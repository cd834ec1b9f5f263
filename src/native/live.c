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
#include "live.h"

#ifdef __linux__


int live_driver_error(struct live *lv, const struct scenario_statement *st,
			const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	scenario_verror(lv->x.err, lv->x.errlen, lv->x.s, st, "live: ", fmt, ap);
	va_end(ap);
	return -EIO;
}

/*
 * `expect memcg NAME FIELD`, in bytes: the LRU fields and `usage` counted
 * from the pages (scan_memcgs), the others from the file proc_memcg_source
 * names for the hierarchy: v1's hierarchical_memory_limit from memory.stat
 * (computed when read), oom_kill from memory.oom_control on v1 and
 * memory.events.local on v2.  A field the hierarchy lacks stops the
 * comparison (the preflight refuses it first).
 */
static int expect_memcg(struct live *lv, const struct scenario_statement *st)
{
	const struct scenario_expect *e = &st->expect;
	struct outcome *o = exec_record(&lv->x, st);
	const char *file, *key;
	char path[PATH_MAX];
	int64_t value;
	int i = live_find_memcg(lv, e->task), ret;

	if (i < 0)
		return live_stop_here(lv, st, "no memcg '%s'", e->task);
	ret = proc_memcg_source(lv->memcg_hier, e->field, &file, &key);
	if (ret)
		return live_stop_here(lv, st, "memcg field '%s' is not read live on cgroup v%d",
				      e->field, (int)lv->memcg_hier);
	if (file) {
		ret = live_memcg_file(lv, i, file, path);
		if (!ret)
			ret = live_read_file(path, lv->buf, LIVE_BUF_SIZE);
		if (ret)
			return live_driver_error(lv, st, "reading %s of memcg '%s': %s", file, e->task,
					    strerror(-ret));
		if (proc_field(lv->buf, key, &value))
			return live_stop_here(lv, st, "%s has no field '%s'", file, key);
	} else {
		ret = live_scan_memcgs(lv);
		if (ret)
			return live_driver_error(lv, st, "reading /proc/kpagecgroup and /proc/kpageflags: %s",
					    strerror(-ret));
		if (proc_memcg_field(&lv->memcg_pages[i], live_subtree_user(lv, i), e->field, &value))
			return live_stop_here(lv, st, "memcg field '%s' is not read live", e->field);
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
int live_read_pgsteal(struct live *lv, int64_t *pages)
{
	int64_t anon, file;
	int ret = live_read_file("/proc/vmstat", lv->buf, LIVE_BUF_SIZE);

	if (ret)
		return ret;
	if (proc_field(lv->buf, "pgsteal_anon", &anon) || proc_field(lv->buf, "pgsteal_file", &file))
		return -ENOENT;
	*pages = anon + file;
	return 0;
}

/*
 * A reclaim's write, made from CPU 0 (where the model's reclaim runs), and
 * its value: the pages reclaimed, pgsteal since @before, in memcg i.
 * *wret is the write's own result: @gave_up (the kernel stopped short) is
 * a value, the caller notes it; any other errno is a driver error (-EIO),
 * as is a reading error.  0; 1: the value is image-dependent (noted).
 */
static int reclaim_write(struct live *lv, const struct scenario_statement *st, int i,
			 const char *path, const char *text, int64_t before, int gave_up,
			 int *wret)
{
	struct outcome *o = exec_record(&lv->x, st);
	int64_t after;
	int ret = live_pin_cpu0();

	if (ret)
		return live_driver_error(lv, st, "reclaim runs on cpu 0: %s", strerror(-ret));
	*wret = live_write_text(path, text);
	live_repin_driver(lv);
	if (*wret && *wret != gave_up)
		return live_driver_error(lv, st, "writing %s to %s: %s", text, path,
					 strerror(-*wret));
	lv->scan_valid = false; /* the scan before is stale now */
	ret = live_read_pgsteal(lv, &after);
	if (ret)
		return live_driver_error(lv, st, "reading /proc/vmstat: %s", strerror(-ret));
	o->kind = OUTCOME_VALUE;
	o->value = after - before;
	/* The memcg (or one below it: live_memcg_image marks the ancestors)
	 * holds a task's own image pages since an exec or mlockall: the
	 * reclaim may take those, which the model's tasks do not have.  Its
	 * value and, from here on, the machine-wide counters it moved are
	 * image-dependent (issue 13, fuzz seed 69: live 30 pages, model 0). */
	if (lv->memcgs[i].image_note[0]) {
		o->kind = OUTCOME_IMAGE;
		snprintf(o->note, sizeof(o->note), "%.*s", (int)sizeof(o->note) - 1,
			 lv->memcgs[i].image_note);
		if (!lv->counters_image)
			snprintf(lv->image_note, sizeof(lv->image_note), "%.*s, reclaimed at line %u",
				 (int)sizeof(lv->image_note) - 32, lv->memcgs[i].image_note, st->line);
		lv->counters_image = true;
		return 1;
	}
	return 0;
}

/*
 * `reclaim SIZE memcg=NAME` on cgroup v2: SIZE (in pages, rounded up as the
 * model does) written to the memcg's memory.reclaim.  The kernel
 * (memory_reclaim) asks each pass for a quarter of what is left (at least
 * SWAP_CLUSTER_MAX), and fails with EAGAIN after MAX_RECLAIM_RETRIES + 1
 * passes that reclaimed nothing: the model follows it when its machine is
 * memcg_v2 (conform says so).  No limit and no charge stock are involved.
 */
static int reclaim_v2(struct live *lv, const struct scenario_statement *st, int i,
		      uint64_t size)
{
	struct outcome *o = exec_record(&lv->x, st);
	char path[PATH_MAX], text[32];
	int64_t before;
	int ret = live_memcg_file(lv, i, "memory.reclaim", path), wret;

	if (!ret)
		ret = live_read_pgsteal(lv, &before);
	if (ret)
		return live_driver_error(lv, st, "reading memcg '%s': %s", st->reclaim.memcg,
					 strerror(-ret));
	snprintf(text, sizeof(text), "%llu", (unsigned long long)(size * 4096));
	ret = reclaim_write(lv, st, i, path, text, before, -EAGAIN, &wret);
	if (!ret && wret)
		snprintf(o->note, sizeof(o->note),
			 "the kernel gave up (EAGAIN): its passes reclaimed nothing before %llu pages",
			 (unsigned long long)size);
	return ret < 0 ? ret : 0;
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
static int run_reclaim(struct exec *x, const struct scenario_statement *st)
{
	struct live *lv = live_of(x);
	const struct scenario_reclaim *rc = &st->reclaim;
	struct outcome *o = exec_record(&lv->x, st);
	char path[PATH_MAX], old_limit[64], text[32];
	uint64_t usage, kmem, stock, limit;
	uint64_t size = rc->size / 4096 + (rc->size % 4096 != 0);
	int64_t before;
	int i, ret, wret = 0, back;

	if (!rc->memcg_given)	/* a VM guest's (native_scenario_check) */
		return live_reclaim_machine(lv, st);
	i = live_find_memcg(lv, rc->memcg);
	if (i < 0)
		return live_stop_here(lv, st, "no memcg '%s'", rc->memcg);
	if (lv->memcg_hier == PROC_MEMCG_V2)
		return reclaim_v2(lv, st, i, size);
	ret = live_scan_memcgs(lv);
	if (!ret)
		ret = live_memcg_read_number(lv, i, "memory.usage_in_bytes", &usage);
	if (!ret)
		ret = live_memcg_read_number(lv, i, "memory.kmem.usage_in_bytes", &kmem);
	if (!ret)
		ret = live_memcg_file(lv, i, "memory.limit_in_bytes", path);
	if (!ret)
		ret = live_read_file(path, old_limit, sizeof(old_limit));
	if (!ret)
		ret = live_read_pgsteal(lv, &before);
	if (ret)
		return live_driver_error(lv, st, "reading memcg '%s': %s", rc->memcg, strerror(-ret));
	limit = proc_reclaim_limit(usage / 4096, kmem / 4096, live_subtree_user(lv, i), size, &stock);
	snprintf(text, sizeof(text), "%llu", (unsigned long long)(limit * 4096));
	ret = reclaim_write(lv, st, i, path, text, before, -EBUSY, &wret);
	back = live_write_text(path, old_limit);
	if (back)
		return live_driver_error(lv, st, "setting memory.limit_in_bytes of memcg '%s' back: %s",
				    rc->memcg, strerror(-back));
	if (!ret && wret)
		snprintf(o->note, sizeof(o->note),
			 "the kernel gave up (EBUSY): a pass reclaimed nothing before usage reached %llu pages",
			 (unsigned long long)limit);
	return ret < 0 ? ret : 0;
}

static const char *const source_files[] = {
	[SCENARIO_EXPECT_VMSTAT] = "/proc/vmstat",
	[SCENARIO_EXPECT_MEMINFO] = "/proc/meminfo",
};

/* The task and region of `expect TASK smaps|mincore REGION`: 0, or the
 * run stops here. */
static int expect_task_region(struct live *lv, const struct scenario_statement *st,
			      struct live_task **t, struct scenario_region **reg)
{
	*t = live_alive_task(lv, st, st->expect.task);
	if (!*t)
		return 1;
	*reg = live_find_region(*t, st->expect.region);
	if (!*reg)
		return live_stop_here(lv, st, "task '%s' has no region '%s' (the call that would have bound it failed)",
				      (*t)->x.name, st->expect.region);
	return 0;
}

/* The same for `expect TASK smaps|numa_maps REGION`, with the task's smaps
 * read into lv->buf: 0, or the run stops here. */
static int expect_region_smaps(struct live *lv, const struct scenario_statement *st,
			       struct live_task **t, struct scenario_region **reg)
{
	int ret = expect_task_region(lv, st, t, reg);

	if (ret)
		return ret;
	ret = live_read_smaps(lv, *t, NULL);
	if (ret)
		return live_driver_error(lv, st, "reading smaps of task '%s': %s", (*t)->x.name,
					 strerror(-ret));
	return 0;
}

/* `expect SOURCE ...` but ok|errno, of a task alive (the loop's): the
 * value read now, less the baseline where it is machine-wide. */
static int run_expect(struct exec *x, const struct scenario_statement *st, struct outcome *o)
{
	const struct scenario_expect *e = &st->expect;
	struct live *lv = live_of(x);
	struct proc_image image;
	struct scenario_region *reg;
	struct live_task *t;
	int64_t cur, base, part;
	char path[64];
	int ret;

	switch (e->source) {
	case SCENARIO_EXPECT_OK:
	case SCENARIO_EXPECT_ERRNO: /* the loop's */
	case SCENARIO_EXPECT_LRU:
		return 0; /* model only: nothing to read here */
	case SCENARIO_EXPECT_MEMCG:
		return expect_memcg(lv, st);
	case SCENARIO_EXPECT_VMSTAT:
	case SCENARIO_EXPECT_MEMINFO:
		ret = live_stat_refresh();
		if (ret)
			return live_driver_error(lv, st, "writing /proc/sys/vm/stat_refresh: %s",
					    strerror(-ret));
		ret = live_read_file(source_files[e->source], lv->buf, LIVE_BUF_SIZE);
		if (ret)
			return live_driver_error(lv, st, "reading %s: %s", source_files[e->source],
					    strerror(-ret));
		if (proc_field(lv->buf, e->field, &cur) ||
		    proc_field(e->source == SCENARIO_EXPECT_VMSTAT ? lv->base_vmstat
								   : lv->base_meminfo,
			       e->field, &base))
			return live_stop_here(lv, st, "%s has no field '%s'",
					 source_files[e->source], e->field);
		o->value = cur - base;
		o->kind = OUTCOME_VALUE;
		ret = live_census_check(lv);
		if (ret)
			return ret;
		if (lv->counters_image && !(e->source == SCENARIO_EXPECT_MEMINFO &&
					    proc_meminfo_image_free(e->field))) {
			o->kind = OUTCOME_IMAGE;
			snprintf(o->note, sizeof(o->note), "%s", lv->image_note);
		}
		return 0;
	case SCENARIO_EXPECT_STATUS:
		t = live_alive_task(lv, st, e->task);
		if (!t)
			return 1;
		snprintf(path, sizeof(path), "/proc/%d/status", (int)t->x.pid);
		ret = live_read_file(path, lv->buf, LIVE_BUF_SIZE);
		if (ret)
			return live_driver_error(lv, st, "reading %s: %s", path, strerror(-ret));
		if (proc_field(lv->buf, e->field, &cur))
			return live_stop_here(lv, st, "%s has no field '%s'", path, e->field);
		ret = live_read_smaps(lv, t, &image);
		if (ret)
			return live_driver_error(lv, st, "reading smaps of task '%s': %s", t->x.name,
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
		ret = expect_region_smaps(lv, st, &t, &reg);
		if (ret)
			return ret;
		{
			struct proc_span sp = live_region_span(reg);

			if (proc_smaps_sum(lv->buf, sp.start, sp.end, e->field, &cur))
				return live_stop_here(lv, st, "smaps has no field '%s'", e->field);
		}
		o->kind = OUTCOME_VALUE;
		o->value = cur;
		return 0;
	case SCENARIO_EXPECT_NUMA_MAPS: {
		uint64_t starts[64];
		int nr;

		ret = expect_region_smaps(lv, st, &t, &reg);
		if (ret)
			return ret;
		{
			struct proc_span sp = live_region_span(reg);

			nr = proc_smaps_starts(lv->buf, sp.start, sp.end, starts, 64);
		}
		if (nr < 0)
			return live_stop_here(lv, st, "more than 64 VMAs overlap region '%s'",
					      e->region);
		snprintf(path, sizeof(path), "/proc/%d/numa_maps", (int)t->x.pid);
		ret = live_read_file(path, lv->buf, LIVE_BUF_SIZE);
		if (ret)
			return live_driver_error(lv, st, "reading %s: %s", path, strerror(-ret));
		if (proc_numa_maps_sum(lv->buf, starts, (size_t)nr, e->field, &cur))
			return live_stop_here(lv, st, "numa_maps has no field '%s'", e->field);
		o->kind = OUTCOME_VALUE;
		o->value = cur;
		return 0;
	}
	case SCENARIO_EXPECT_MINCORE: {
		uint64_t resident;

		ret = expect_task_region(lv, st, &t, &reg);
		if (!ret)
			ret = live_mincore(lv, st, t, reg, &resident);
		if (ret)
			return ret;
		o->kind = OUTCOME_VALUE;
		o->value = (int64_t)resident;
		return 0;
	}
	}
	return 0;
}

/* ---- the live backend of the statement loop (exec.h) ---- */

/* A run disturbed is not worth finishing; the pages may move from here:
 * the last memcg scan is stale. */
static int before_statement(struct exec *x, const struct scenario_statement *st)
{
	struct live *lv = live_of(x);
	int ret = live_own_pages_check(lv, st);

	if (!ret)
		ret = live_thp_check(lv, st);
	if (ret)
		return ret;
	if (lv->disturbed)
		return 1;
	if (st->kind != SCENARIO_EXPECT && st->kind != SCENARIO_PRINT)
		lv->scan_valid = false;
	return 0;
}

static int run_call(struct exec *x, const struct scenario_statement *st, int *result)
{
	return live_run_call(live_of(x), st, result);
}

static int sweep(struct exec *x, const struct scenario_statement *st)
{
	return live_sweep_dead_tasks(live_of(x), st);
}

static int run_drain(struct exec *x, const struct scenario_statement *st)
{
	int ret = live_drain_all();

	if (ret)
		return live_driver_error(live_of(x), st, "move_pages: %s", strerror(-ret));
	return 0;
}

/* `migrate`: the task's own move_pages(2) (live_call.c) */
static int run_migrate(struct exec *x, const struct scenario_statement *st)
{
	return live_migrate(live_of(x), st);
}

/* a VM guest's (native_scenario_check refuses it on a host) */
static int run_sysctl(struct exec *x, const struct scenario_statement *st)
{
	return live_run_sysctl(live_of(x), st);
}

/* a hugetlb segment is made here, where the pool is; the rest before the tasks */
static int run_shm(struct exec *x, const struct scenario_statement *st)
{
	return st->shm.hugetlb ? live_make_hugetlb_shm(live_of(x), st) : 0;
}

static const struct exec_ops live_ops = {
	.name = "live side",
	.task_size = sizeof(struct live_task),
	.task_init = live_task_init,
	.before_statement = before_statement,
	/* machine, task (started before the baseline), file, shm, memcg (made
	 * before the tasks), print (not compared): nothing to do */
	.statement = {
		[SCENARIO_RECLAIM] = run_reclaim,
		[SCENARIO_MIGRATE] = run_migrate,
		[SCENARIO_DRAIN] = run_drain,
		[SCENARIO_SYSCTL] = run_sysctl,
		[SCENARIO_SHM] = run_shm,
	},
	.call = run_call,
	.sweep = sweep,
	.expect = run_expect,
};

static int baseline(struct live *lv)
{
	int ret = live_drain_all();

	if (ret)
		return live_driver_error(lv, NULL, "move_pages: %s", strerror(-ret));
	ret = live_stat_refresh();
	if (ret)
		return live_driver_error(lv, NULL, "writing /proc/sys/vm/stat_refresh: %s",
				    strerror(-ret));
	ret = live_read_file("/proc/vmstat", lv->base_vmstat, LIVE_BUF_SIZE / 4);
	if (!ret)
		ret = live_read_file("/proc/meminfo", lv->base_meminfo, LIVE_BUF_SIZE / 4);
	if (!ret)
		ret = live_census_take(lv, &lv->census_base);
	if (ret)
		return live_driver_error(lv, NULL, "reading the baseline: %s", strerror(-ret));
	return live_own_pages_base(lv);
}

/*
 * The driver's stack, touched once before the baseline: a deeper call
 * during the run (an ASan build's frames are several times larger, and
 * ASan writes its shadow for each) would fault new anonymous pages into
 * the driver CPU's lru_add batch, which a scenario's `drain` then puts on
 * the LRU lists the scenario counts (3 pages in calls/madvise_*.uvs).
 */
static __attribute__((noinline)) void prefault_stack(void)
{
	volatile char stack[256 * 1024];

	for (size_t i = 0; i < sizeof(stack); i += 4096)
		stack[i] = 0;
}

/*
 * Every page of a buffer written once, through a volatile pointer: a
 * memset(0) after malloc is turned into calloc by the compiler, and calloc
 * of fresh memory (the top of the heap, a new mmap) writes nothing, so the
 * pages were faulted later, during the run (a 64M guest of 6.12+: 4 kB of
 * the heap in the quiet window, every run: live_own_pages_check).
 */
static void prefault(void *buf, size_t len)
{
	volatile char *p = buf;

	for (size_t i = 0; i < len; i += 4096)
		p[i] = 0;
	if (len)
		p[len - 1] = 0;
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
	exec_init(&lv.x, s, &live_ops, out, err, errlen);
	lv.x.stop_in_record = true;
	lv.o = o;
	memset(info, 0, sizeof(*info));
	lv.buf = malloc(LIVE_BUF_SIZE);
	lv.base_vmstat = malloc(LIVE_BUF_SIZE / 4);
	lv.base_meminfo = malloc(LIVE_BUF_SIZE / 4);
	lv.kpage_cgroup = calloc(LIVE_KPAGE_CHUNK, sizeof(uint64_t));
	lv.kpage_flags = calloc(LIVE_KPAGE_CHUNK, sizeof(uint64_t));
	lv.driver_cpu = -1;
	if (!lv.buf || !lv.base_vmstat || !lv.base_meminfo || !lv.kpage_cgroup ||
	    !lv.kpage_flags) {
		ret = live_driver_error(&lv, NULL, "out of memory");
		goto out;
	}
	prefault_stack();
	/* fault the buffers in now, not during a step */
	prefault(lv.buf, LIVE_BUF_SIZE);
	prefault(lv.base_vmstat, LIVE_BUF_SIZE / 4);
	prefault(lv.base_meminfo, LIVE_BUF_SIZE / 4);
	prefault(lv.kpage_cgroup, LIVE_KPAGE_CHUNK * sizeof(uint64_t));
	prefault(lv.kpage_flags, LIVE_KPAGE_CHUNK * sizeof(uint64_t));
	lv.can_raise_memlock = live_have_capability(CAP_SYS_RESOURCE);
	/* orphans of exiting tasks come to us, so we reap them */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	live_pin_driver(&lv);
	live_watch_fields(&lv);
	if (exec_reserve(&lv.x, LIVE_MAX_REGIONS)) {
		ret = live_driver_error(&lv, NULL, "out of memory");
		goto out;
	}
	ret = live_machine_begin(&lv);
	if (!ret)
		ret = live_make_objects(&lv);
	if (!ret)
		ret = live_make_memcgs(&lv);
	for (i = 0; i < s->nr_statements && !ret; i++)
		if (s->statements[i].kind == SCENARIO_TASK)
			ret = live_spawn_task(&lv, &s->statements[i]);
	/* from here on, anyone else on our CPUs is seen (if perf lets us) */
	if (!ret && live_witnesses_open(&lv))
		lv.nr_witnesses = 0;
	if (!ret)
		ret = baseline(&lv);
	if (!ret)
		ret = live_quiet_window(&lv, "before the run");
	if (!ret)
		ret = exec_run(&lv.x);
	if (ret > 0)
		ret = 0; /* stopped at a statement: its outcome says why */
	if (!ret)
		ret = live_own_pages_check(&lv, NULL);
	if (!ret)
		ret = live_thp_check(&lv, NULL);
	if (!ret)
		ret = live_census_check(&lv);
	if (!ret)
		ret = live_quiet_window(&lv, "after the run");
	if (!ret)
		live_witnesses_check(&lv);
	info->disturbed = lv.disturbed;
	snprintf(info->disturbed_by, sizeof(info->disturbed_by), "%s", lv.disturbed_by);
out:
	live_witnesses_close(&lv);
	native_kill_all();
	for (i = 0; i < exec_nr_tasks(&lv.x); i++) {
		struct live_task *t = (struct live_task *)exec_task_at(&lv.x, i);

		if (t->sock >= 0)
			close(t->sock);
		if (t->memfd >= 0)
			close(t->memfd);
	}
	live_machine_end(&lv);
	live_unpin_driver(&lv);
	exec_free(&lv.x);
	free(lv.buf);
	free(lv.base_vmstat);
	free(lv.base_meminfo);
	free(lv.kpage_cgroup);
	free(lv.kpage_flags);
	return ret;
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

