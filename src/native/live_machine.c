/*
 * live_machine.c - what only a machine of our own may be asked: the VM
 * guest of `conform --kernel` (docs/VM.md, issue 10).  There, and only
 * there, the live side changes machine-wide state: `sysctl NAME=VALUE`
 * writes /proc/sys/vm/NAME (set back after the run), `machine thp=` sets
 * the transparent huge page mode for the run, `machine swap=` is the zram
 * swap the guest's /init made, and `reclaim SIZE` without memcg= reclaims
 * from the whole node.  On a host none of it runs (live_preflight.c
 * refuses it): conform never changes a machine it does not own.
 */
#include "live.h"

#ifdef __linux__

#define THP_ENABLED "/sys/kernel/mm/transparent_hugepage/enabled"

bool native_machine_is_ours(void)
{
	const char *v = getenv(NATIVE_VM_GUEST_ENV);

	/* the guest's /init is our parent, and says so in the environment */
	return v && !strcmp(v, "1") && getppid() == 1;
}

uint64_t native_swap_total(void)
{
	char buf[8192];
	int64_t kb;

	if (live_read_file("/proc/meminfo", buf, sizeof(buf)) || proc_field(buf, "SwapTotal", &kb) ||
	    kb < 0)
		return 0;
	return (uint64_t)kb << 10;
}

bool native_node_reclaim_file(unsigned int node, char *path, size_t len)
{
	snprintf(path, len, "/sys/devices/system/node/node%u/reclaim", node);
	return !access(path, W_OK);
}

/* The file's first line, newline cut: 0 or -errno. */
static int read_first_line(const char *path, char *buf, size_t len)
{
	int ret = live_read_file(path, buf, len);

	if (!ret)
		buf[strcspn(buf, "\n")] = '\0';
	return ret;
}

/* Write path, remembering what it read before so live_machine_end sets it
 * back; THP's "always [madvise] never" is remembered as the bracketed one. */
static int set_and_remember(struct live *lv, const char *path, const char *value)
{
	char line[sizeof(lv->machine_saved[0].old)], old[sizeof(line)];
	int ret;

	if (lv->nr_machine_saved == LIVE_MAX_MACHINE_SAVED)
		return -ENOSPC;
	ret = read_first_line(path, line, sizeof(line));
	if (ret)
		return ret;
	if (proc_bracketed(line, old, sizeof(old)))
		snprintf(old, sizeof(old), "%s", line);
	ret = live_write_text(path, value);
	if (ret)
		return ret;
	snprintf(lv->machine_saved[lv->nr_machine_saved].path,
		 sizeof(lv->machine_saved[0].path), "%s", path);
	snprintf(lv->machine_saved[lv->nr_machine_saved].old, sizeof(old), "%s", old);
	lv->nr_machine_saved++;
	return 0;
}

int live_machine_begin(struct live *lv)
{
	const struct scenario_machine *m = NULL;
	size_t i;
	int ret;

	if (!native_machine_is_ours())
		return 0;
	for (i = 0; i < lv->x.s->nr_statements; i++)
		if (lv->x.s->statements[i].kind == SCENARIO_MACHINE)
			m = &lv->x.s->statements[i].machine;
	/* THP as the scenario says (the model's default is madvise), before
	 * any task maps anything */
	ret = set_and_remember(lv, THP_ENABLED,
			       scenario_thp_name(m ? m->thp : SCENARIO_THP_MADVISE));
	if (ret && ret != -ENOENT)
		return live_driver_error(lv, NULL, "setting %s: %s", THP_ENABLED, strerror(-ret));
	return 0;
}

void live_machine_end(struct live *lv)
{
	/* in reverse: a knob written twice ends as it was first */
	while (lv->nr_machine_saved) {
		lv->nr_machine_saved--;
		live_write_text(lv->machine_saved[lv->nr_machine_saved].path,
				lv->machine_saved[lv->nr_machine_saved].old);
	}
}

int live_run_sysctl(struct live *lv, const struct scenario_statement *st)
{
	char path[PATH_MAX];
	int ret;

	snprintf(path, sizeof(path), "/proc/sys/vm/%s", st->sysctl.name);
	ret = set_and_remember(lv, path, st->sysctl.value);
	if (ret)
		return live_driver_error(lv, st, "writing %s to %s: %s", st->sysctl.value, path,
					 strerror(-ret));
	/*
	 * set_max_huge_pages takes what the buddy allocator gives: a pool
	 * smaller than asked stops the run here (the model's machine has no
	 * other user of memory, the guest may)
	 */
	if (!strcmp(st->sysctl.name, "nr_hugepages")) {
		char got[64];

		ret = read_first_line(path, got, sizeof(got));
		if (ret)
			return live_driver_error(lv, st, "reading %s: %s", path, strerror(-ret));
		if (strtoull(got, NULL, 10) != strtoull(st->sysctl.value, NULL, 10))
			return live_stop_here(lv, st, "the kernel made a pool of %s huge pages, not %s",
					      got, st->sysctl.value);
	}
	return 0;
}

/*
 * `reclaim SIZE [node=N]` of the whole machine: SIZE written to the node's
 * reclaim file (6.17+: user_proactive_reclaim of a pgdat, no memcg), from
 * CPU 0 as the model's reclaim runs.  The kernel asks each pass for a
 * quarter of what is left (at least SWAP_CLUSTER_MAX) and gives up with
 * EAGAIN after MAX_RECLAIM_RETRIES passes that reclaimed nothing, noted as
 * the value's reason.  The value: the pages reclaimed (pgsteal).
 */
int live_reclaim_machine(struct live *lv, const struct scenario_statement *st)
{
	const struct scenario_reclaim *rc = &st->reclaim;
	struct outcome *o = exec_record(&lv->x, st);
	uint64_t pages = rc->size / 4096 + (rc->size % 4096 != 0);
	char path[PATH_MAX], text[32];
	int64_t before, after;
	int ret, wret;

	if (!native_node_reclaim_file(rc->node_given ? rc->node : 0, path, sizeof(path)))
		return live_stop_here(lv, st, "no %s", path);
	ret = live_read_pgsteal(lv, &before);
	if (!ret)
		ret = live_pin_cpu0();
	if (ret)
		return live_driver_error(lv, st, "reclaim on cpu 0: %s", strerror(-ret));
	snprintf(text, sizeof(text), "%llu", (unsigned long long)(pages * 4096));
	wret = live_write_text(path, text);
	live_repin_driver(lv);
	if (wret && wret != -EAGAIN)
		return live_driver_error(lv, st, "writing %s to %s: %s", text, path,
					 strerror(-wret));
	ret = live_read_pgsteal(lv, &after);
	if (ret)
		return live_driver_error(lv, st, "reading /proc/vmstat: %s", strerror(-ret));
	o->kind = OUTCOME_VALUE;
	o->value = after - before;
	if (wret)
		snprintf(o->note, sizeof(o->note),
			 "the kernel gave up (EAGAIN): its passes reclaimed nothing before %llu pages",
			 (unsigned long long)pages);
	return 0;
}

/*
 * `compact [node=N]`: 1 written to /proc/sys/vm/compact_memory (every
 * node: compact_nodes) or to the node's compact file (compact_store),
 * from CPU 0 as the model's compaction runs: the migrations fill that
 * CPU's batches (the last new folio's mlock waits in its mlock batch).
 */
int live_compact(struct live *lv, const struct scenario_statement *st)
{
	char path[PATH_MAX];
	int ret;

	if (st->compact.node_given)
		snprintf(path, sizeof(path), "/sys/devices/system/node/node%u/compact",
			 st->compact.node);
	else
		snprintf(path, sizeof(path), "/proc/sys/vm/compact_memory");
	ret = live_pin_cpu0();
	if (ret)
		return live_driver_error(lv, st, "compact on cpu 0: %s", strerror(-ret));
	ret = live_write_text(path, "1");
	live_repin_driver(lv);
	if (ret)
		return live_driver_error(lv, st, "writing 1 to %s: %s", path, strerror(-ret));
	return 0;
}

/*
 * /proc/PID/pagemap of [start, start + nr pages): bit 63 present, bits
 * 0-54 the frame (root sees them); a swapped page is not present.  Read
 * straight into @out: nothing is allocated.
 */
int live_read_frames(struct exec *x, struct exec_task *t, uint64_t start, uint64_t nr,
		     uint64_t *out)
{
	char path[64];
	size_t want = nr * sizeof(*out), got = 0;
	int fd, ret = 0;

	(void)x;
	snprintf(path, sizeof(path), "/proc/%d/pagemap", t->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (got < want) {
		ssize_t n = pread(fd, (char *)out + got, want - got,
				  (off_t)((start >> 12) * sizeof(*out) + got));

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	for (uint64_t i = 0; !ret && i < nr; i++)
		out[i] = out[i] >> 63 ? out[i] & ((1ULL << 55) - 1) : EXEC_PFN_NONE;
	return ret;
}

#else /* !__linux__ */

bool native_machine_is_ours(void)
{
	return false;
}

#endif
