/*
 * live_call.c - a call of a live task: the scenario's call turned into a message to
 * its real process, the regions it binds, and the task's smaps.
 */
#include "live.h"

#include <unevict.h>

#ifdef __linux__

/*
 * The model's numbers (call_args.c) go to the real system calls: this
 * libc's must be the same (they are the uapi's; a few architectures
 * number some of them differently, and the live side would be wrong there).
 */
_Static_assert(UNEV_PROT_READ == PROT_READ && UNEV_PROT_WRITE == PROT_WRITE &&
		       UNEV_PROT_EXEC == PROT_EXEC,
	       "PROT_*");
_Static_assert(UNEV_MAP_SHARED == MAP_SHARED && UNEV_MAP_PRIVATE == MAP_PRIVATE &&
		       UNEV_MAP_ANONYMOUS == MAP_ANONYMOUS && UNEV_MAP_LOCKED == MAP_LOCKED &&
		       UNEV_MAP_POPULATE == MAP_POPULATE && UNEV_MAP_HUGETLB == MAP_HUGETLB &&
		       UNEV_MAP_FIXED == MAP_FIXED && UNEV_MAP_FIXED_NOREPLACE == MAP_FIXED_NOREPLACE,
	       "MAP_*");
_Static_assert(UNEV_MADV_DONTNEED == MADV_DONTNEED && UNEV_MADV_FREE == MADV_FREE &&
		       UNEV_MADV_PAGEOUT == MADV_PAGEOUT && UNEV_MADV_COLD == MADV_COLD &&
		       UNEV_MADV_WILLNEED == MADV_WILLNEED && UNEV_MADV_REMOVE == MADV_REMOVE &&
		       UNEV_MADV_DONTNEED_LOCKED == MADV_DONTNEED_LOCKED &&
		       UNEV_MADV_POPULATE_READ == MADV_POPULATE_READ &&
		       UNEV_MADV_POPULATE_WRITE == MADV_POPULATE_WRITE,
	       "MADV_*");
/* glibc 2.36 (Debian 12) has neither: the numbers come from uapi headers
 * newer than its own; a libc that knows them must agree */
#ifdef MAP_DROPPABLE
_Static_assert(UNEV_MAP_DROPPABLE == MAP_DROPPABLE, "MAP_DROPPABLE");
#endif
_Static_assert(UNEV_MADV_HUGEPAGE == MADV_HUGEPAGE && UNEV_MADV_NOHUGEPAGE == MADV_NOHUGEPAGE,
	       "MADV_*HUGEPAGE");
#ifdef MADV_COLLAPSE
_Static_assert(UNEV_MADV_COLLAPSE == MADV_COLLAPSE, "MADV_COLLAPSE");
#endif
#ifdef MADV_GUARD_INSTALL
_Static_assert(UNEV_MADV_GUARD_INSTALL == MADV_GUARD_INSTALL &&
		       UNEV_MADV_GUARD_REMOVE == MADV_GUARD_REMOVE,
	       "MADV_GUARD_*");
#endif
_Static_assert(UNEV_MLOCK_ONFAULT == MLOCK_ONFAULT && UNEV_MCL_CURRENT == MCL_CURRENT &&
		       UNEV_MCL_FUTURE == MCL_FUTURE && UNEV_MCL_ONFAULT == MCL_ONFAULT &&
		       UNEV_MREMAP_MAYMOVE == MREMAP_MAYMOVE && UNEV_MREMAP_FIXED == MREMAP_FIXED &&
		       UNEV_MREMAP_DONTUNMAP == MREMAP_DONTUNMAP,
	       "MLOCK_*, MCL_*, MREMAP_*");
_Static_assert(UNEV_MS_ASYNC == MS_ASYNC && UNEV_MS_SYNC == MS_SYNC &&
		       UNEV_MS_INVALIDATE == MS_INVALIDATE && UNEV_RLIMIT_MEMLOCK == RLIMIT_MEMLOCK &&
		       SCENARIO_MS_ASYNC == MS_ASYNC && SCENARIO_MS_SYNC == MS_SYNC &&
		       SCENARIO_MS_INVALIDATE == MS_INVALIDATE,
	       "MS_*, RLIMIT_MEMLOCK");
_Static_assert(UNEV_SHM_LOCK == SHM_LOCK && UNEV_SHM_UNLOCK == SHM_UNLOCK &&
		       UNEV_IPC_RMID == IPC_RMID && UNEV_SHM_RDONLY == SHM_RDONLY,
	       "SHM_*, IPC_RMID");

struct scenario_region *live_find_region(struct live_task *t, const char *name)
{
	return exec_find_region(&t->x, name);
}

/* at most LIVE_MAX_REGIONS a task: live_read_smaps's spans */
static int bind_region(struct live_task *t, const char *name, uint64_t addr,
		       uint64_t len)
{
	if (!live_find_region(t, name) && exec_nr_regions(&t->x) == LIVE_MAX_REGIONS)
		return -E2BIG;
	return exec_bind_region(&t->x, name, addr, len);
}

/* the span `smaps REGION` sums, as on the model */
struct proc_span live_region_span(const struct scenario_region *reg)
{
	struct proc_span sp;

	scenario_region_span(reg, &sp.start, &sp.end);
	return sp;
}

/* /proc/PID/smaps of a task, and the share of it that is the image. */
int live_read_smaps(struct live *lv, struct live_task *t, struct proc_image *image)
{
	struct proc_span spans[LIVE_MAX_REGIONS];
	char path[64];
	size_t i;
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)t->x.pid);
	ret = live_read_file(path, lv->buf, LIVE_BUF_SIZE);
	if (ret)
		return ret;
	for (i = 0; i < exec_nr_regions(&t->x); i++)
		spans[i] = live_region_span(exec_region_at(&t->x, i));
	if (image)
		proc_smaps_image(lv->buf, spans, exec_nr_regions(&t->x), image);
	return 0;
}

/* A field of the task's /proc/PID/status (in kB) and its image's smaps
 * sums: what both RLIMIT checks below read before a call. */
static int read_status_and_image(struct live *lv, struct live_task *t, const char *field,
				 int64_t *kb, struct proc_image *image)
{
	char path[64];
	int ret;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)t->x.pid);
	ret = live_read_file(path, lv->buf, LIVE_BUF_SIZE);
	if (!ret)
		ret = proc_field(lv->buf, field, kb);
	if (!ret)
		ret = live_read_smaps(lv, t, image);
	return ret;
}

/*
 * What the kernel's mlockall(MCL_CURRENT) rlimit check will see: total_vm
 * (VmSize) and the part of it that is the task's own image.  Read before
 * the call; reading /proc changes no batch.
 */
static int measure_vm(struct live *lv, struct live_task *t, struct outcome *o)
{
	struct proc_image image;
	int64_t vmsize;
	int ret = read_status_and_image(lv, t, "VmSize", &vmsize, &image);

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
	int64_t vmlck;
	int ret = read_status_and_image(lv, t, "VmLck", &vmlck, &image);

	if (ret)
		return ret;
	o->lock_measured = true;
	o->locked_pages = (uint64_t)vmlck / 4;
	o->image_locked_pages = (uint64_t)image.locked_size_kb / 4;
	o->request_pages = (request + LIVE_PAGE_SIZE - 1) / LIVE_PAGE_SIZE;
	o->limit_pages = t->limit_pages;
	snprintf(o->note, sizeof(o->note),
		 "locked_vm %llu pages, %llu of them the task's locked image, + %llu asked > RLIMIT_MEMLOCK %llu pages",
		 (unsigned long long)o->locked_pages, (unsigned long long)o->image_locked_pages,
		 (unsigned long long)o->request_pages,
		 (unsigned long long)o->limit_pages);
	return 0;
}

static int call_fork(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t, int *result)
{
	struct native_cmd c = {.op = NATIVE_OP_FORK};
	struct native_reply r, hello;
	struct live_task *child;
	size_t parent;
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return live_driver_error(lv, st, "socketpair: %s", strerror(errno));
	ret = live_send_cmd(t->sock, &c, sv[1]);
	close(sv[1]);
	if (!ret)
		ret = live_receive(lv, t->sock, &r);
	if (!ret && r.op != NATIVE_OP_FORK)
		ret = -EPROTO;
	if (ret) {
		close(sv[0]);
		return live_driver_error(lv, st, "task '%s' %s", t->x.name, live_task_failure(ret));
	}
	*result = -r.err;
	if (r.err) {
		close(sv[0]);
		return 0;
	}
	parent = exec_task_index(&lv->x, &t->x);
	child = live_add_task(lv, st->call.target);
	if (!child) {
		kill(r.pid, SIGKILL);
		close(sv[0]);
		return live_driver_error(lv, st, "more than %d tasks", LIVE_MAX_TASKS);
	}
	t = (struct live_task *)exec_task_at(&lv->x, parent); /* the add moves the table */
	child->sock = sv[0];
	child->x.pid = r.pid;
	child->cpu = t->cpu;
	child->limit_pages = t->limit_pages;
	child->capable = t->capable;
	child->memcg = t->memcg;
	if (exec_task_copy(&child->x, &t->x)) {
		kill(r.pid, SIGKILL);
		return live_driver_error(lv, st, "out of memory");
	}
	/* no image page is charged: the helper writes nothing fork shares
	 * copy-on-write (unevict_task.c), so a fork copies none of it */
	child->pidfd = live_pidfd_open(r.pid);
	if (child->pidfd < 0 || live_register_pid(r.pid, child->pidfd)) {
		kill(r.pid, SIGKILL);
		return live_driver_error(lv, st, "pidfd_open: %s", strerror(errno));
	}
	ret = live_receive(lv, child->sock, &hello);
	if (!ret && (hello.op != NATIVE_OP_HELLO || hello.pid != r.pid))
		ret = -EPROTO;
	if (ret)
		return live_driver_error(lv, st, "task '%s' %s after fork", child->x.name,
				    live_task_failure(ret));
	return 0;
}

static int call_exit(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t)
{
	struct native_cmd c = {.op = NATIVE_OP_EXIT};
	int ret = live_send_cmd(t->sock, &c, -1);

	/* exit_mm runs before the pidfd turns readable: the zap is done */
	if (!ret)
		ret = live_wait_readable(t->pidfd, lv->o->timeout_ms);
	if (ret)
		return live_driver_error(lv, st, "task '%s' did not exit: %s", t->x.name,
				    live_task_failure(ret));
	waitpid(t->x.pid, NULL, WNOHANG | __WALL); /* ours to reap, or its parent's */
	close(t->sock);
	t->sock = -1;
	t->x.exit_line = st->line;
	return 0;
}

static int call_exec(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t, int *result)
{
	struct native_cmd c = {.op = NATIVE_OP_EXEC};
	struct native_reply r;
	int ret = live_send_cmd(t->sock, &c, -1);

	if (!ret)
		ret = live_receive(lv, t->sock, &r);
	if (ret)
		return live_driver_error(lv, st, "task '%s' %s in exec", t->x.name,
				    live_task_failure(ret));
	if (r.op == NATIVE_OP_EXEC) { /* execve failed */
		*result = -r.err;
		return 0;
	}
	if (r.op != NATIVE_OP_HELLO || r.pid != t->x.pid || r.err)
		return live_driver_error(lv, st, "task '%s' sent garbage after exec", t->x.name);
	*result = 0;
	scenario_table_clear(&t->x.regions);
	t->x.heap_known = false;
	if (t->memcg >= 0)
		live_memcg_image(lv, t, st, "exec");
	return 0;
}

/*
 * The calls whose reply binds a region: brk (sbrk; the region is the heap
 * from its first break) and grow_stack (the helper grows its stack below
 * the region's start, its split page's the first time; the region is the
 * VMA, also after a growth the kernel refused).
 */
static int call_binding(struct live *lv, const struct scenario_statement *st,
			struct live_task *t, int *result)
{
	bool brk = st->call.kind == SCENARIO_CALL_BRK;
	struct scenario_region *stack = live_find_region(t, "stack");
	struct native_cmd c = {.op = brk ? NATIVE_OP_BRK : NATIVE_OP_GROW_STACK,
			       .arg1 = st->call.size,
			       .arg2 = brk ? st->call.size_negative : stack ? stack->addr : 0};
	struct native_reply r;
	uint64_t addr, len;
	int ret = live_call_task(lv, st, t, &c, &r);

	if (ret == LIVE_CALL_KILLED) {
		*result = LIVE_KILLED;
		return 0;
	}
	if (ret)
		return ret;
	*result = -r.err;
	if (brk && !t->x.heap_known) {
		t->x.heap_known = true;
		t->x.heap_start = r.value2;
	}
	if (brk ? r.err != 0 : r.value2 <= r.value)
		return 0;
	addr = brk ? t->x.heap_start : r.value;
	len = brk ? (r.value > addr ? r.value - addr : 0) : r.value2 - r.value;
	if (bind_region(t, brk ? "brk" : "stack", addr, len))
		return live_driver_error(lv, st, "too many regions");
	return 0;
}

/* mmap align=SIZE: munmap the head and the tail of the over-mapping the
 * task got (parser.c align_option); @r's address becomes the aligned one. */
static int trim_aligned(struct live *lv, const struct scenario_statement *st, struct live_task *t,
			struct native_reply *r, int *result)
{
	const struct scenario_call *c = &st->call;
	uint64_t head, tail, start = exec_align_trim(c, r->value, &head, &tail);
	uint64_t piece[2][2] = {{r->value, head}, {start + exec_align_map_len(c) - head - tail, tail}};

	for (int i = 0; i < 2; i++) {
		struct native_cmd cmd = {.op = NATIVE_OP_MUNMAP, .addr = piece[i][0], .len = piece[i][1]};
		struct native_reply u;
		int ret;

		if (!cmd.len)
			continue;
		ret = live_call_task(lv, st, t, &cmd, &u);
		if (ret == LIVE_CALL_KILLED) {
			*result = LIVE_KILLED;
			return 0;
		}
		if (ret)
			return ret;
		if (u.err) {
			*result = -u.err;
			return 0;
		}
	}
	r->value = start;
	return 0;
}

/* Run one call: *result is the kernel's 0 or -errno (or LIVE_KILLED); a
 * return >0 stops the run here. */
int live_run_call(struct live *lv, const struct scenario_statement *st, int *result)
{
	const struct scenario_call *c = &st->call;
	struct outcome *o = exec_record(&lv->x, st);
	struct native_cmd cmd = {0};
	struct native_reply r;
	struct scenario_region *reg = NULL;
	struct live_task *t;
	uint64_t shm_size = 0, fixed_addr = 0;
	int ret, flags;

	t = live_alive_task(lv, st, c->task);
	if (!t)
		return 1;
	if (scenario_call_on_range(c->kind)) {
		reg = live_find_region(t, c->target);
		if (!reg)
			return live_stop_here(lv, st, "task '%s' has no region '%s' (the call that would have bound it failed)",
					 t->x.name, c->target);
		cmd.addr = c->range_given ? reg->addr + c->off : reg->addr;
		cmd.len = c->range_given ? c->len : reg->len;
	}
	if (c->fixed[0]) {	/* fixed=OTHER [fixed_off=OFF]: OTHER's address */
		struct scenario_region *other = live_find_region(t, c->fixed);

		if (!other)
			return live_stop_here(lv, st, "task '%s' has no region '%s' (the call that would have bound it failed)",
					      t->x.name, c->fixed);
		fixed_addr = other->addr + c->fixed_off;
	}
	switch (c->kind) {
	case SCENARIO_CALL_MMAP:
		cmd.op = c->secretmem ? NATIVE_OP_MMAP_SECRETMEM
			: c->driver ? NATIVE_OP_MMAP_DRIVER : NATIVE_OP_MMAP;
		cmd.arg4 = fixed_addr;
		cmd.len = c->size;
		if (c->driver)	/* the helper's numbering (protocol.h) */
			cmd.arg3 = c->driver == SCENARIO_DRIVER_PERF ? 1 : 2;
		if (c->file[0]) {
			int f = live_find_file(lv, c->file);

			if (f < 0)
				return live_stop_here(lv, st, "no file '%s'", c->file);
			cmd.arg3 = (uint64_t)f + 1;
			cmd.addr = c->file_off;
		}
		cmd.arg1 = (uint64_t)exec_prot(c->prot);
		cmd.arg2 = (uint64_t)exec_mmap_flags(c);
		if (c->align) {	/* align=: over-map here, trim after the call */
			cmd.len = exec_align_map_len(c);
			if (!cmd.len) {
				*result = -ENOMEM;
				return 0;
			}
		}
		break;
	case SCENARIO_CALL_MUNMAP:
		cmd.op = NATIVE_OP_MUNMAP;
		break;
	case SCENARIO_CALL_MLOCK:
		cmd.op = NATIVE_OP_MLOCK;
		break;
	case SCENARIO_CALL_MLOCK2:
		cmd.op = NATIVE_OP_MLOCK2;
		cmd.arg1 = (uint64_t)(unsigned int)exec_mlock2_flags(c);
		break;
	case SCENARIO_CALL_MUNLOCK:
		cmd.op = NATIVE_OP_MUNLOCK;
		break;
	case SCENARIO_CALL_MLOCKALL:
		cmd.op = NATIVE_OP_MLOCKALL;
		flags = exec_mlockall_flags(c);
		cmd.arg1 = (uint64_t)(unsigned int)flags;
		if ((flags & MCL_CURRENT) && !t->capable) {
			ret = measure_vm(lv, t, o);
			if (ret)
				return live_driver_error(lv, st, "reading /proc/%d: %s", (int)t->x.pid,
						    strerror(-ret));
		}
		break;
	case SCENARIO_CALL_MUNLOCKALL:
		cmd.op = NATIVE_OP_MUNLOCKALL;
		break;
	case SCENARIO_CALL_MPROTECT:
		cmd.op = NATIVE_OP_MPROTECT;
		cmd.arg1 = (uint64_t)exec_prot(c->prot);
		break;
	case SCENARIO_CALL_MREMAP:
		cmd.op = NATIVE_OP_MREMAP;
		cmd.arg1 = c->size;
		cmd.arg2 = (uint64_t)exec_mremap_flags(c);
		cmd.arg3 = fixed_addr;
		break;
	case SCENARIO_CALL_MADVISE:
		cmd.op = NATIVE_OP_MADVISE;
		cmd.arg1 = (uint64_t)exec_advice(c->advice);
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
	case SCENARIO_CALL_GROW_STACK:
		return call_binding(lv, st, t, result);
	case SCENARIO_CALL_READ:
	case SCENARIO_CALL_WRITE:
	case SCENARIO_CALL_TRUNCATE:
	case SCENARIO_CALL_PUNCH:
		ret = live_find_file(lv, c->target);
		if (ret < 0)
			return live_stop_here(lv, st, "no file '%s'", c->target);
		cmd.op = c->kind == SCENARIO_CALL_READ	   ? NATIVE_OP_PREAD
			 : c->kind == SCENARIO_CALL_WRITE    ? NATIVE_OP_PWRITE
			 : c->kind == SCENARIO_CALL_TRUNCATE ? NATIVE_OP_FTRUNCATE
							     : NATIVE_OP_PUNCH;
		cmd.arg1 = (uint64_t)ret;
		cmd.addr = c->off;
		cmd.len = c->kind == SCENARIO_CALL_TRUNCATE ? c->size : c->len;
		break;
	case SCENARIO_CALL_SHMAT:
		ret = live_find_shm(lv, c->shm);
		if (ret < 0)
			return live_stop_here(lv, st, "no shm segment '%s'", c->shm);
		cmd.op = NATIVE_OP_SHMAT;
		cmd.arg1 = (uint64_t)exec_object_at(&lv->x, EXEC_SHMS, (size_t)ret)->id;
		cmd.arg2 = c->rdonly ? SHM_RDONLY : 0;
		shm_size = exec_object_at(&lv->x, EXEC_SHMS, (size_t)ret)->size;
		break;
	case SCENARIO_CALL_SHMDT:
		reg = live_find_region(t, c->target);
		if (!reg)
			return live_stop_here(lv, st, "task '%s' has no region '%s' (the call that would have bound it failed)",
					 t->x.name, c->target);
		cmd.op = NATIVE_OP_SHMDT;
		cmd.addr = reg->addr;
		break;
	case SCENARIO_CALL_SHMCTL:
		ret = live_find_shm(lv, c->target);
		if (ret < 0)
			return live_stop_here(lv, st, "no shm segment '%s'", c->target);
		cmd.op = NATIVE_OP_SHMCTL;
		cmd.arg1 = (uint64_t)exec_object_at(&lv->x, EXEC_SHMS, (size_t)ret)->id;
		cmd.arg2 = (uint64_t)exec_shmctl_cmd(c->shmctl_op);
		break;
	case SCENARIO_CALL_MBIND:
		cmd.op = NATIVE_OP_MBIND;
		cmd.arg1 = c->mbind_node;
		cmd.arg2 = exec_mbind_flags(c);	/* MPOL_MF_* are Linux's */
		break;
	case SCENARIO_CALL_MSYNC:
		cmd.op = NATIVE_OP_MSYNC;
		cmd.arg1 = (uint64_t)(unsigned int)c->msync_flags; /* MS_* are Linux's */
		break;
	case SCENARIO_CALL_SETRLIMIT:
		cmd.op = NATIVE_OP_SETRLIMIT;
		cmd.arg1 = c->memlock_unlimited ? (uint64_t)RLIM_INFINITY : c->memlock;
		cmd.arg2 = c->memlock_max_unlimited ? (uint64_t)RLIM_INFINITY : c->memlock_max;
		cmd.arg3 = c->memlock_max_given;
		break;
	default:
		/* native_scenario_check() refused it */
		return live_stop_here(lv, st, "'%s' is not supported by the live side yet",
				 scenario_call_name(c->kind));
	}
	/* after an mlockall(MCL_CURRENT), the image counts in locked_vm */
	if (lv->image_dirty && !t->capable &&
	    (cmd.op == NATIVE_OP_MMAP || cmd.op == NATIVE_OP_MREMAP ||
	     cmd.op == NATIVE_OP_MLOCK || cmd.op == NATIVE_OP_MLOCK2)) {
		ret = measure_locked(lv, t, o, cmd.op != NATIVE_OP_MREMAP ? cmd.len
					       : cmd.arg1 > cmd.len ? cmd.arg1 - cmd.len : 0);
		if (ret)
			return live_driver_error(lv, st, "reading /proc/%d: %s", (int)t->x.pid,
						 strerror(-ret));
	}
	ret = live_call_task(lv, st, t, &cmd, &r);
	if (ret == LIVE_CALL_KILLED) {
		*result = LIVE_KILLED;
		return 0;
	}
	if (ret)
		return ret;
	*result = -r.err;
	if (r.err)
		return 0;
	if (c->kind == SCENARIO_CALL_MMAP && c->align) {
		ret = trim_aligned(lv, st, t, &r, result);
		if (ret || *result)
			return ret;
	}
	if (((c->kind == SCENARIO_CALL_MMAP || c->kind == SCENARIO_CALL_MREMAP) &&
	     bind_region(t, c->target, r.value, c->size)) ||
	    (c->kind == SCENARIO_CALL_SHMAT && bind_region(t, c->target, r.value, shm_size)))
		return live_driver_error(lv, st, "too many regions");
	if (c->kind == SCENARIO_CALL_SETRLIMIT)	/* what the image rules compare */
		t->limit_pages = c->memlock_unlimited ? UINT64_MAX : c->memlock / LIVE_PAGE_SIZE;
	if (c->kind == SCENARIO_CALL_MLOCKALL && (cmd.arg1 & MCL_CURRENT)) {
		/* the task's own image is mlocked now: see CONFORM.md */
		struct proc_image image;

		if (!lv->counters_image) {
			ret = live_read_smaps(lv, t, &image);
			if (ret)
				return live_driver_error(lv, st, "reading smaps of task '%s': %s",
						    t->x.name, strerror(-ret));
			snprintf(lv->image_note, sizeof(lv->image_note),
				 "includes task %s's image: %lld resident pages locked by its mlockall at line %u",
				 t->x.name, (long long)(image.locked_rss_kb / 4), st->line);
		}
		lv->image_dirty = true;
		lv->counters_image = true;
		if (t->memcg >= 0)
			live_memcg_image(lv, t, st, "mlockall(MCL_CURRENT)");
	}
	return 0;
}

#endif /* __linux__ */

#ifdef __linux__
/*
 * expect TASK mincore REGION [OFF LEN]: the task itself calls mincore(2)
 * (no other process can ask about its pages); mincore faults nothing and
 * moves no folio, so the counters the scenario measures stay as they are.
 */
int live_mincore(struct live *lv, const struct scenario_statement *st, struct live_task *t,
		 const struct scenario_region *reg, uint64_t *resident)
{
	const struct scenario_expect *e = &st->expect;
	struct native_cmd cmd = {.op = NATIVE_OP_MINCORE};
	struct native_reply r;
	int ret;

	cmd.addr = e->range_given ? reg->addr + e->off : reg->addr;
	cmd.len = e->range_given ? e->len : reg->len;
	ret = live_call_task(lv, st, t, &cmd, &r);
	if (ret)
		return ret;
	if (r.err)
		return live_stop_here(lv, st, "mincore failed: %s (the expectation counts the pages of a range mincore accepts)",
				      strerror(r.err));
	*resident = r.value;
	return 0;
}

/*
 * migrate TASK REGION [OFF LEN] node=N: the task moves its own pages
 * (move_pages(2) with pid 0, as a program does; no other process may
 * without CAP_SYS_NICE over it).  The kernel drains every CPU's batches
 * first (lru_cache_disable), as the model does.
 */
int live_migrate(struct live *lv, const struct scenario_statement *st)
{
	const struct scenario_migrate *mg = &st->migrate;
	struct native_cmd cmd = {.op = NATIVE_OP_MOVE_PAGES, .arg1 = mg->node};
	struct outcome *o = exec_record(&lv->x, st);
	struct scenario_region *reg;
	struct native_reply r;
	struct live_task *t;
	int ret;

	t = live_alive_task(lv, st, mg->task);
	if (!t)
		return 1;
	reg = live_find_region(t, mg->region);
	if (!reg)
		return live_stop_here(lv, st, "task '%s' has no region '%s' (the call that would have bound it failed)",
				      t->x.name, mg->region);
	cmd.addr = mg->range_given ? reg->addr + mg->off : reg->addr;
	cmd.len = mg->range_given ? mg->len : reg->len;
	ret = live_call_task(lv, st, t, &cmd, &r);
	if (ret)
		return ret == LIVE_CALL_KILLED ? live_stop_here(lv, st, "task '%s' was killed in move_pages", t->x.name) : ret;
	o->kind = OUTCOME_VALUE;
	o->value = r.err ? -(int64_t)r.err : (int64_t)r.value;
	return 0;
}
#endif /* __linux__ */
