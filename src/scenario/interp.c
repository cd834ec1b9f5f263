/*
 * interp.c - run a scenario on the model, through include/unevict.h only:
 * the model's backend of the one statement loop (exec.h), which keeps what
 * a program keeps (each task's pid and regions, the last call's errno).
 * Each statement becomes the system call it stands for, with the arguments a
 * program would pass (SCENARIO.md: OFF/LEN are not aligned), and each
 * expectation reads the /proc value the kernel would print.  The model
 * never prints: events reach us through the trace hook, and render.c
 * renders them and every result (text, -v, --json).
 */
#include "exec.h"
#include "interp.h"
#include "render.h"

#include <unevict.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>


/*
 * The model's run: the shared loop's state (exec.h) and the machine.  A
 * task is a plain struct exec_task: its pid is the model's.
 */
struct run {
	struct exec x;			/* first: the hooks get &r->x */
	const struct scenario_run_options *opt;
	struct unev_machine *m;
	struct render *rd;		/* what the run says (render.c) */
};

static struct run *run_of(struct exec *x)
{
	return (struct run *)x;
}

/* a runtime error stops the model's run: "FILE:LINE: message", -EINVAL */
#define runtime_error(r, st, ...) exec_stop(&(r)->x, st, __VA_ARGS__)

/* The task a statement names, alive (exec_alive_task). */
static int live_task(struct run *r, const struct scenario_statement *st,
		     const char *name, struct exec_task **out)
{
	int ret = 0;

	*out = exec_alive_task(&r->x, st, name, &ret);
	return ret;
}

static struct scenario_region *find_region(struct exec_task *t, const char *name)
{
	return exec_find_region(t, name);
}

static int bind_region(struct exec_task *t, const char *name, uint64_t addr,
		       uint64_t len)
{
	return exec_bind_region(t, name, addr, len);
}

static int bound_region(struct run *r, const struct scenario_statement *st,
			struct exec_task *t, const char *name,
			struct scenario_region **out)
{
	int ret = 0;

	*out = exec_bound_region(&r->x, st, t, name, &ret);
	return ret;
}

static struct exec_object *find_object(struct run *r, enum exec_objects kind,
				       const char *name)
{
	return exec_find_object(&r->x, kind, name);
}

/* ---- statements ---- */

static int create_machine(struct run *r, const struct scenario_statement *st,
			  const struct scenario_machine *sm)
{
	const struct scenario_run_options *o = r->opt;
	struct unev_machine_config cfg;
	char buf[32];
	int ret;

	unev_machine_config_default(&cfg);
	cfg.kernel = o->kernel;
	cfg.zero_page = !o->no_zero_page;
	cfg.memcg_v2 = o->memcg_v2;
	if (sm) {
		cfg.nodes = sm->nodes;
		cfg.mem_bytes = sm->mem_bytes;
		cfg.cpus = sm->cpus;
		cfg.swap_bytes = sm->swap_bytes;
		cfg.design = sm->design == SCENARIO_DESIGN_RMAP_WALK ? UNEV_DESIGN_RMAP_WALK
			     : sm->design == SCENARIO_DESIGN_NONE    ? UNEV_DESIGN_NONE
								     : UNEV_DESIGN_MLOCK_COUNT;
		if (sm->kernel_given)
			cfg.kernel = sm->kernel;
		else if (sm->design_given)
			cfg.kernel = NULL;	/* the design's own profile */
		if (sm->zero_page_given)
			cfg.zero_page = sm->zero_page;
		cfg.thp = sm->thp == SCENARIO_THP_ALWAYS ? UNEV_THP_ALWAYS
			  : sm->thp == SCENARIO_THP_NEVER ? UNEV_THP_NEVER
							   : UNEV_THP_MADVISE;
		if (sm->cgroup_given)	/* the scenario's word over conform's */
			cfg.memcg_v2 = sm->cgroup_v2;
	}
	ret = unev_machine_create(&cfg, &r->m);
	if (ret == -EOPNOTSUPP && cfg.thp == UNEV_THP_ALWAYS)
		return runtime_error(r, st, "thp=always: transparent huge pages (2.6.38+) are not modelled on the design none (before 2.6.28), which never had them");
	if (ret)
		return runtime_error(r, st, "the model cannot create this machine: %s",
				     render_errno_text(-ret, buf, sizeof(buf)));
	return 0;
}

static int create_task(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	const struct scenario_task *tk = &st->task;
	struct unev_task_config cfg;
	char buf[32];
	int pid, ret;

	unev_task_config_default(&cfg);
	cfg.cpu = tk->cpu;
	cfg.memlock = tk->memlock_unlimited ? UNEV_RLIM_INFINITY : tk->memlock;
	cfg.cap_ipc_lock = tk->cap_ipc_lock;
	cfg.uid = tk->uid;
	if (tk->memcg_given)
		cfg.memcg = find_object(r, EXEC_MEMCGS, tk->memcg)->id;
	ret = unev_task_create(r->m, &cfg, &pid);
	if (ret)
		return runtime_error(r, st, "the model cannot create task '%s': %s",
				     tk->name, render_errno_text(-ret, buf, sizeof(buf)));
	if (!exec_add_task(x, tk->name, pid))
		return runtime_error(r, st, "out of memory");
	return 0;
}

static const enum unev_fs scenario_fs[] = {
	[SCENARIO_FS_DISK] = UNEV_FS_DISK,
	[SCENARIO_FS_TMPFS] = UNEV_FS_TMPFS,
	[SCENARIO_FS_RAMFS] = UNEV_FS_RAMFS,
};

/* `file NAME`: a file of its own, its page cache empty. */
static int create_file(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	const struct scenario_file *sf = &st->file;
	char buf[32];
	int ino, ret;

	ret = unev_file_create(r->m, sf->name, scenario_fs[sf->fs], sf->size, &ino);
	if (ret)
		return runtime_error(r, st, "the model cannot create file '%s': %s", sf->name,
				     render_errno_text(-ret, buf, sizeof(buf)));
	if (exec_add_object(x, EXEC_FILES, st, sf->name, ino, sf->size))
		return runtime_error(r, st, "out of memory");
	return 0;
}

/* `shm NAME SIZE [hugetlb]`: shmget(IPC_PRIVATE, SIZE, 0600 [| SHM_HUGETLB]) by root. */
static int create_shm(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	char buf[32];
	int id, ret;

	ret = unev_shmget(r->m, st->shm.size, 0, st->shm.hugetlb ? UNEV_SHM_HUGETLB : 0, &id);
	if (ret)
		return runtime_error(r, st, "shmget of '%s' fails: %s", st->shm.name,
				     render_errno_text(-ret, buf, sizeof(buf)));
	if (exec_add_object(x, EXEC_SHMS, st, st->shm.name, id, st->shm.size))
		return runtime_error(r, st, "out of memory");
	return 0;
}

/* `memcg NAME [parent=NAME] [limit=SIZE]` */
static int create_memcg(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	const struct scenario_memcg *sm = &st->memcg;
	int parent = 0, id, ret;
	char buf[32];

	if (sm->parent_given)
		parent = find_object(r, EXEC_MEMCGS, sm->parent)->id;
	ret = unev_memcg_create(r->m, sm->name, parent,
				sm->limit_given ? sm->limit : UNEV_RLIM_INFINITY, &id);
	if (ret == -ENOMEM && sm->parent_given)	/* the kernel's mkdir fails the same way */
		return runtime_error(r, st, "memcg '%s' cannot be created: ENOMEM (the kernel's mkdir fails so: the limit of its parent '%s' cannot take the new memcg's own charge)",
				     sm->name, sm->parent);
	if (ret)
		return runtime_error(r, st, "the model cannot create memcg '%s': %s", sm->name,
				     render_errno_text(-ret, buf, sizeof(buf)));
	if (exec_add_object(x, EXEC_MEMCGS, st, sm->name, id, sm->limit))
		return runtime_error(r, st, "out of memory");
	return 0;
}

/* `sysctl NAME=VALUE`: the vm sysctls the model has. */
static int run_sysctl(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	const struct scenario_sysctl *sc = &st->sysctl;
	char *end;
	unsigned long long v;
	int ret;

	errno = 0;
	v = strtoull(sc->value, &end, 10);
	if (errno || end == sc->value || *end)
		return runtime_error(r, st, "sysctl %s: '%s' is not a number", sc->name, sc->value);
	ret = unev_sysctl_set(r->m, sc->name, v);
	if (ret == -ENOENT)
		return runtime_error(r, st, "unknown sysctl '%s' (the model has swappiness, min_free_kbytes, compact_unevictable_allowed, max_map_count, nr_hugepages)",
				     sc->name);
	if (ret)
		return runtime_error(r, st, "sysctl %s=%s is out of range", sc->name, sc->value);
	return 0;
}

/* `reclaim SIZE [node=N] [memcg=NAME]`: direct reclaim, as memory.reclaim. */
static int run_reclaim(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	const struct scenario_reclaim *rc = &st->reclaim;
	uint64_t reclaimed = 0;
	int memcg = 0, ret;
	char buf[32];

	if (rc->memcg_given)
		memcg = find_object(r, EXEC_MEMCGS, rc->memcg)->id;
	ret = unev_reclaim(r->m, rc->size, rc->node_given ? (int)rc->node : -1, memcg, &reclaimed);
	if (ret)
		return runtime_error(r, st, "reclaim failed: %s", render_errno_text(-ret, buf, sizeof(buf)));
	exec_record(x, st)->kind = OUTCOME_VALUE;
	exec_record(x, st)->value = (int64_t)reclaimed;
	render_reclaim(r->rd, st, reclaimed);
	return 0;
}

/*
 * `migrate TASK REGION [OFF LEN] node=N`: the task's move_pages(2) of every
 * page of the range to node N; the record is move_pages's value (pages not
 * migrated) or its -errno.
 */
static int run_migrate(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	const struct scenario_migrate *mg = &st->migrate;
	struct scenario_region *reg;
	struct exec_task *t = NULL;	/* set by live_task when it returns 0 */
	uint64_t not_migrated = 0, addr, len;
	int64_t value;
	char buf[32];
	int ret;

	ret = live_task(r, st, mg->task, &t);
	if (!ret)
		ret = bound_region(r, st, t, mg->region, &reg);
	if (ret)
		return ret;
	addr = mg->range_given ? reg->addr + mg->off : reg->addr;
	len = mg->range_given ? mg->len : reg->len;
	ret = unev_sys_move_pages(r->m, t->pid, addr, len, (int)mg->node, NULL, &not_migrated);
	if (ret == -EOPNOTSUPP)
		return runtime_error(r, st, "migrate: %s is not modelled yet",
				     unev_not_modelled(r->m) ? unev_not_modelled(r->m)
				     : "migration of a hugetlb page or a folio in the swap cache");
	if (ret && ret != -ENOMEM)
		return runtime_error(r, st, "migrate failed: %s", render_errno_text(-ret, buf, sizeof(buf)));
	value = ret ? ret : (int64_t)not_migrated;
	exec_record(x, st)->kind = OUTCOME_VALUE;
	exec_record(x, st)->value = value;
	render_migrate(r->rd, st, value);
	return 0;
}

/* `compact [node=N]`: full compaction, as /proc/sys/vm/compact_memory or
 * the node's compact file (unev_compact); no value */
static int run_compact(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	char buf[32];
	int ret = unev_compact(r->m, st->compact.node_given ? (int)st->compact.node : -1);

	if (ret)
		return runtime_error(r, st, "compact failed: %s", render_errno_text(-ret, buf, sizeof(buf)));
	return 0;
}

/* the loop's pagemap reads (exec.h): the model's frames */
static int read_frames(struct exec *x, struct exec_task *t, uint64_t start, uint64_t nr,
		       uint64_t *out)
{
	int ret = unev_pagemap_read(run_of(x)->m, t->pid, start, start + (nr << 12), out);

	for (uint64_t i = 0; !ret && i < nr; i++)
		if (out[i] == UNEV_PFN_NONE)
			out[i] = EXEC_PFN_NONE;
	return ret;
}

/*
 * brk SIZE as glibc's sbrk: read the break, ask for break+SIZE, and call it
 * a success only if the kernel moved the break there (brk(2) returns the
 * old break on failure; glibc then reports ENOMEM).
 */
static int call_brk(struct run *r, const struct scenario_statement *st,
		    struct exec_task *t, int *result)
{
	const struct scenario_call *c = &st->call;
	uint64_t cur, want, got;
	int ret;

	ret = unev_sys_brk(r->m, t->pid, 0, &cur);
	if (ret) {
		*result = ret;
		return 0;
	}
	if (!t->heap_known) {
		t->heap_known = true;
		t->heap_start = cur;
	}
	if (c->size_negative ? c->size > cur : c->size > UINT64_MAX - cur) {
		*result = -ENOMEM; /* glibc's sbrk refuses to wrap */
		return 0;
	}
	want = c->size_negative ? cur - c->size : cur + c->size;
	if (want != cur) {
		ret = unev_sys_brk(r->m, t->pid, want, &got);
		if (ret) {
			*result = ret;
			return 0;
		}
		if (got != want) {
			*result = -ENOMEM;
			return 0;
		}
	}
	*result = 0;
	if (bind_region(t, "brk", t->heap_start,
			want > t->heap_start ? want - t->heap_start : 0))
		return runtime_error(r, st, "out of memory");
	return 0;
}

static int call_fork(struct run *r, const struct scenario_statement *st,
		     struct exec_task *t, int *result)
{
	size_t parent = exec_task_index(&r->x, t);
	struct exec_task *child;
	int pid;

	*result = unev_sys_fork(r->m, t->pid, &pid);
	if (*result)
		return 0;
	child = exec_add_task(&r->x, st->call.target, pid);
	if (!child)
		return runtime_error(r, st, "out of memory");
	t = exec_task_at(&r->x, parent); /* the add may have moved the table */
	if (exec_task_copy(child, t))
		return runtime_error(r, st, "out of memory");
	return 0;
}

/* mmap align=SIZE: the over-mapping, then munmap of its head and tail
 * (parser.c align_option); the first call that fails gives its errno. */
static int mmap_aligned(struct run *r, const struct exec_task *t, const struct scenario_call *c,
			uint64_t *addr)
{
	uint64_t map = exec_align_map_len(c), head, tail, start;
	int ret;

	if (!map)
		return -ENOMEM;
	ret = unev_sys_mmap(r->m, t->pid, 0, map, exec_prot(c->prot), exec_mmap_flags(c), addr);
	if (ret)
		return ret;
	start = exec_align_trim(c, *addr, &head, &tail);
	if (head && (ret = unev_sys_munmap(r->m, t->pid, *addr, head)))
		return ret;
	if (tail && (ret = unev_sys_munmap(r->m, t->pid, start + map - head - tail, tail)))
		return ret;
	*addr = start;
	return 0;
}

/* Run one call; *result is 0 or the model's -errno. */
static int run_call(struct exec *x, const struct scenario_statement *st,
		    int *result)
{
	struct run *r = run_of(x);
	const struct scenario_call *c = &st->call;
	struct scenario_region *reg = NULL;
	struct exec_task *t = NULL;	/* set by live_task when it returns 0 */
	uint64_t addr = 0, len = 0, newaddr = 0;
	int ret, flags;

	ret = live_task(r, st, c->task, &t);
	if (ret)
		return ret;
	if (scenario_call_on_range(c->kind)) {
		ret = bound_region(r, st, t, c->target, &reg);
		if (ret)
			return ret;
		exec_call_range(c, reg, &addr, &len);
	}
	if (c->fixed[0]) {	/* fixed=OTHER [fixed_off=OFF]: OTHER's address */
		struct scenario_region *other;

		ret = bound_region(r, st, t, c->fixed, &other);
		if (ret)
			return ret;
		newaddr = other->addr + c->fixed_off;	/* wraps as a program's would */
	}
	switch (c->kind) {
	case SCENARIO_CALL_MMAP:
		flags = exec_mmap_flags(c);
		if (c->secretmem) {
			*result = unev_sys_mmap_secretmem(r->m, t->pid, newaddr, c->size,
							  exec_prot(c->prot), flags, &newaddr);
		} else if (c->driver) {
			*result = unev_sys_mmap_driver(r->m, t->pid, exec_mmap_driver(c), newaddr,
						       c->size, exec_prot(c->prot), flags, &newaddr);
		} else if (c->file[0]) {
			struct exec_object *f = find_object(r, EXEC_FILES, c->file);

			if (!f)
				return runtime_error(r, st, "no file '%s'", c->file);
			*result = unev_sys_mmap_file(r->m, t->pid, newaddr, c->size,
						     exec_prot(c->prot), flags, f->id, c->file_off,
						     &newaddr);
		} else if (c->align) {
			*result = mmap_aligned(r, t, c, &newaddr);
		} else {
			*result = unev_sys_mmap(r->m, t->pid, newaddr, c->size, exec_prot(c->prot),
						flags, &newaddr);
		}
		if (*result == 0) {
			if (bind_region(t, c->target, newaddr, c->size))
				return runtime_error(r, st, "out of memory");
			render_address(r->rd, newaddr);
		}
		return 0;
	case SCENARIO_CALL_MUNMAP:
		*result = unev_sys_munmap(r->m, t->pid, addr, len);
		return 0;
	case SCENARIO_CALL_MLOCK:
		*result = unev_sys_mlock(r->m, t->pid, addr, len);
		return 0;
	case SCENARIO_CALL_MLOCK2:
		*result = unev_sys_mlock2(r->m, t->pid, addr, len, exec_mlock2_flags(c));
		return 0;
	case SCENARIO_CALL_MUNLOCK:
		*result = unev_sys_munlock(r->m, t->pid, addr, len);
		return 0;
	case SCENARIO_CALL_MLOCKALL:
		*result = unev_sys_mlockall(r->m, t->pid, exec_mlockall_flags(c));
		return 0;
	case SCENARIO_CALL_MUNLOCKALL:
		*result = unev_sys_munlockall(r->m, t->pid);
		return 0;
	case SCENARIO_CALL_MPROTECT:
		*result = unev_sys_mprotect(r->m, t->pid, addr, len, exec_prot(c->prot));
		return 0;
	case SCENARIO_CALL_MREMAP:
		*result = unev_sys_mremap(r->m, t->pid, addr, len, c->size,
					  exec_mremap_flags(c), newaddr,
					  &newaddr);
		if (*result == 0) {
			reg->addr = newaddr;
			reg->len = c->size;
			render_address(r->rd, newaddr);
		}
		return 0;
	case SCENARIO_CALL_MADVISE:
		*result = unev_sys_madvise(r->m, t->pid, addr, len,
					   exec_advice(c->advice));
		/* the kernel's MADV_COLD, PAGEOUT and FREE never answer
		 * EOPNOTSUPP: the model met a THP there (madvise.c) */
		if (*result == -ENOTRECOVERABLE)	/* vfs_fallocate_punch_hole */
			return runtime_error(r, st, "madvise remove through part of a large page-cache folio (its split) is not modelled yet");
		if (*result == -EOPNOTSUPP && c->advice == SCENARIO_ADVICE_HUGEPAGE)
			return runtime_error(r, st, "madvise hugepage: transparent huge pages (2.6.38+) are not modelled on the design none (before 2.6.28), which never had them");
		if (*result == -EOPNOTSUPP && (c->advice == SCENARIO_ADVICE_COLD ||
					       c->advice == SCENARIO_ADVICE_PAGEOUT ||
					       c->advice == SCENARIO_ADVICE_FREE))
			return runtime_error(r, st, "madvise %s of a transparent huge page is not modelled yet",
					     scenario_advice_name(c->advice));
		/* khugepaged.c: a swap entry in the range (swap-in for the
		 * collapse), file memory, or a design without THP */
		if (*result == -EOPNOTSUPP && c->advice == SCENARIO_ADVICE_COLLAPSE)
			return runtime_error(r, st, "madvise collapse of swapped-out pages, of file memory or on the rmap-walk or none design is not modelled yet");
		return 0;
	case SCENARIO_CALL_TOUCH:
		*result = unev_touch(r->m, t->pid, addr, len, c->write);
		return 0;
	case SCENARIO_CALL_FORK:
		return call_fork(r, st, t, result);
	case SCENARIO_CALL_EXIT:
		*result = unev_sys_exit(r->m, t->pid);
		if (*result == 0)
			t->exit_line = st->line;
		return 0;
	case SCENARIO_CALL_EXEC:
		*result = unev_sys_exec(r->m, t->pid);
		if (*result == 0) {
			/* a fresh image: no region survives, the heap starts anew */
			scenario_table_clear(&t->regions);
			t->heap_known = false;
		}
		return 0;
	case SCENARIO_CALL_BRK:
		ret = call_brk(r, st, t, result);
		if (!ret && *result == 0) {
			reg = find_region(t, "brk");
			if (reg)
				render_address(r->rd, reg->addr + reg->len);
		}
		return ret;
	case SCENARIO_CALL_GROW_STACK: {
		uint64_t start = 0, end = 0;

		/* the region is the stack VMA, also after a growth that failed */
		*result = unev_sys_grow_stack(r->m, t->pid, c->size, &start, &end);
		if (end && bind_region(t, "stack", start, end - start))
			return runtime_error(r, st, "out of memory");
		return 0;
	}
	case SCENARIO_CALL_READ:
	case SCENARIO_CALL_WRITE:
	case SCENARIO_CALL_TRUNCATE:
	case SCENARIO_CALL_PUNCH: {
		struct exec_object *f = find_object(r, EXEC_FILES, c->target);

		if (!f)
			return runtime_error(r, st, "no file '%s'", c->target);
		if (c->kind == SCENARIO_CALL_READ)
			*result = unev_sys_pread(r->m, t->pid, f->id, c->off, c->len);
		else if (c->kind == SCENARIO_CALL_WRITE)
			*result = unev_sys_pwrite(r->m, t->pid, f->id, c->off, c->len);
		else if (c->kind == SCENARIO_CALL_TRUNCATE)
			*result = unev_sys_ftruncate(r->m, t->pid, f->id, c->size);
		else
			*result = unev_sys_punch_hole(r->m, t->pid, f->id, c->off, c->len);
		/* answers the kernel never gives: the model met a large
		 * page-cache folio cut in part (filemap.c) */
		if ((c->kind == SCENARIO_CALL_TRUNCATE && *result == -EOPNOTSUPP) ||
		    *result == -ENOTRECOVERABLE)
			return runtime_error(r, st, "%s through part of a large page-cache folio (its split) is not modelled yet",
					     c->kind == SCENARIO_CALL_TRUNCATE ? "truncate" : "punch");
		return 0;
	}
	case SCENARIO_CALL_SHMAT: {
		struct exec_object *sh = find_object(r, EXEC_SHMS, c->shm);

		if (!sh)
			return runtime_error(r, st, "no shm segment '%s'", c->shm);
		*result = unev_sys_shmat(r->m, t->pid, sh->id, c->rdonly ? UNEV_SHM_RDONLY : 0,
					 &newaddr);
		if (*result == 0) {
			if (bind_region(t, c->target, newaddr, sh->size))
				return runtime_error(r, st, "out of memory");
			render_address(r->rd, newaddr);
		}
		return 0;
	}
	case SCENARIO_CALL_SHMDT:
		ret = bound_region(r, st, t, c->target, &reg);
		if (ret)
			return ret;
		*result = unev_sys_shmdt(r->m, t->pid, reg->addr);
		return 0;
	case SCENARIO_CALL_SHMCTL: {
		struct exec_object *sh = find_object(r, EXEC_SHMS, c->target);

		if (!sh)
			return runtime_error(r, st, "no shm segment '%s'", c->target);
		*result = unev_sys_shmctl(r->m, t->pid, sh->id, exec_shmctl_cmd(c->shmctl_op));
		return 0;
	}
	case SCENARIO_CALL_MBIND:
		*result = unev_sys_mbind(r->m, t->pid, addr, len, (int)c->mbind_node,
					 exec_mbind_flags(c));
		if (*result == -EOPNOTSUPP)
			return runtime_error(r, st, "mbind: %s is not modelled yet",
					     unev_not_modelled(r->m) ? unev_not_modelled(r->m)
					     : "migration of a folio in the swap cache");
		return 0;
	case SCENARIO_CALL_MSYNC:
		/* SCENARIO_MS_* are Linux's values, as UNEV_MS_* */
		*result = unev_sys_msync(r->m, t->pid, addr, len, c->msync_flags);
		return 0;
	case SCENARIO_CALL_SETRLIMIT: {
		uint64_t cur = c->memlock_unlimited ? UNEV_RLIM_INFINITY : c->memlock, max;

		/* without max=, the hard limit getrlimit reads */
		*result = unev_sys_getrlimit(r->m, t->pid, UNEV_RLIMIT_MEMLOCK, NULL, &max);
		if (*result)
			return 0;
		if (c->memlock_max_given)
			max = c->memlock_max_unlimited ? UNEV_RLIM_INFINITY : c->memlock_max;
		*result = unev_sys_setrlimit(r->m, t->pid, UNEV_RLIMIT_MEMLOCK, cur, max);
		return 0;
	}
	}
	return runtime_error(r, st, "'%s' is not supported by the model yet",
			     scenario_call_name(c->kind));
}

/* The value an expectation compares, in the unit its /proc file uses. */
/* The task of `expect TASK smaps|numa_maps REGION` and the span its VMAs
 * are summed over: 0, or the run's error. */
static int expect_region_span(struct run *r, const struct scenario_statement *st,
			      struct exec_task **t, uint64_t *start, uint64_t *end)
{
	struct scenario_region *reg;
	int ret = live_task(r, st, st->expect.task, t);

	if (!ret)
		ret = bound_region(r, st, *t, st->expect.region, &reg);
	if (!ret)
		scenario_region_span(reg, start, end);
	return ret;
}

static int read_expected_source(struct run *r, const struct scenario_statement *st,
				uint64_t *value)
{
	const struct scenario_expect *e = &st->expect;
	static const char *const source_names[] = {
		[SCENARIO_EXPECT_VMSTAT] = "vmstat", [SCENARIO_EXPECT_MEMINFO] = "meminfo",
		[SCENARIO_EXPECT_STATUS] = "status", [SCENARIO_EXPECT_SMAPS] = "smaps",
		[SCENARIO_EXPECT_LRU] = "lru", [SCENARIO_EXPECT_MEMCG] = "memcg",
		[SCENARIO_EXPECT_MINCORE] = "mincore", [SCENARIO_EXPECT_NUMA_MAPS] = "numa_maps",
		[SCENARIO_EXPECT_PAGEMAP] = "pagemap",
	};
	struct scenario_region *reg;
	struct exec_task *t = NULL;	/* set by live_task when it returns 0 */
	uint64_t start, end;
	char buf[32];
	int ret = 0;

	switch (e->source) {
	case SCENARIO_EXPECT_VMSTAT:
		ret = unev_vmstat_read(r->m, e->field, value);
		break;
	case SCENARIO_EXPECT_MEMINFO:
		ret = unev_meminfo_read(r->m, e->field, value);
		break;
	case SCENARIO_EXPECT_LRU:
		ret = unev_lru_read(r->m, e->field, value);
		break;
	case SCENARIO_EXPECT_MEMCG:
		ret = unev_memcg_stat_read(r->m, find_object(r, EXEC_MEMCGS, e->task)->id,
					   e->field, value);
		break;
	case SCENARIO_EXPECT_STATUS:
		ret = live_task(r, st, e->task, &t);
		if (ret)
			return ret;
		ret = unev_status_read(r->m, t->pid, e->field, value);
		break;
	case SCENARIO_EXPECT_SMAPS:
		ret = expect_region_span(r, st, &t, &start, &end);
		if (ret)
			return ret;
		ret = unev_smaps_read(r->m, t->pid, start, end, e->field, value);
		break;
	case SCENARIO_EXPECT_NUMA_MAPS:
		ret = expect_region_span(r, st, &t, &start, &end);
		if (ret)
			return ret;
		ret = unev_numa_maps_read(r->m, t->pid, start, end, e->field, value);
		if (ret == -EOPNOTSUPP)
			return runtime_error(r, st, "numa_maps of a hugetlb mapping is not modelled yet");
		break;
	case SCENARIO_EXPECT_MINCORE:
		ret = live_task(r, st, e->task, &t);
		if (!ret)
			ret = bound_region(r, st, t, e->region, &reg);
		if (ret)
			return ret;
		start = e->range_given ? reg->addr + e->off : reg->addr;
		end = e->range_given ? e->len : reg->len;	/* the length */
		ret = unev_sys_mincore(r->m, t->pid, start, end, NULL, value);
		if (ret)
			return runtime_error(r, st, "mincore failed: %s (the expectation counts the pages of a range mincore accepts)",
					     render_errno_text(-ret, buf, sizeof(buf)));
		return 0;
	case SCENARIO_EXPECT_OK:
	case SCENARIO_EXPECT_ERRNO:
	case SCENARIO_EXPECT_PAGEMAP:	/* the loop's (exec.c) */
		return 0;
	}
	if (ret == -ENOENT)
		return runtime_error(r, st, "unknown %s field '%s' (the model has no such field)",
				     source_names[e->source], e->field);
	if (ret)
		return runtime_error(r, st, "cannot read %s field '%s': %s",
				     source_names[e->source], e->field,
				     render_errno_text(-ret, buf, sizeof(buf)));
	return 0;
}

/* `expect SOURCE FIELD`: its value; lru is what only the model sees. */
static int run_expect(struct exec *x, const struct scenario_statement *st, struct outcome *o)
{
	uint64_t value = 0;
	int ret = read_expected_source(run_of(x), st, &value);

	if (ret)
		return ret;
	o->kind = st->expect.source == SCENARIO_EXPECT_LRU ? OUTCOME_MODEL_ONLY : OUTCOME_VALUE;
	o->value = (int64_t)value;
	return 0;
}

static int run_print(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	const struct scenario_print *pr = &st->print;
	struct exec_task *t = NULL;
	char *text = NULL;
	int ret;

	if (pr->source == SCENARIO_PRINT_STATUS || pr->source == SCENARIO_PRINT_SMAPS) {
		ret = live_task(r, st, pr->task, &t);
		if (ret)
			return ret;
	}
	switch (pr->source) {
	case SCENARIO_PRINT_VMSTAT:
		text = unev_proc_vmstat(r->m);
		break;
	case SCENARIO_PRINT_MEMINFO:
		text = unev_proc_meminfo(r->m);
		break;
	case SCENARIO_PRINT_STATUS:
		text = unev_proc_status(r->m, t->pid);
		break;
	case SCENARIO_PRINT_SMAPS:
		text = unev_proc_smaps(r->m, t->pid, 0, UINT64_MAX);
		break;
	case SCENARIO_PRINT_MEMCG:
		text = unev_proc_memcg_stat(r->m,
					    find_object(r, EXEC_MEMCGS, pr->task)->id);
		break;
	}
	if (!text)
		return runtime_error(r, st, "the model could not render '%s'", st->text);
	render_print(r->rd, st, text);
	free(text);
	return 0;
}

/* ---- the run ---- */

static void check_invariants(struct run *r, const struct scenario_statement *st)
{
	char msg[1024];

	if (unev_check_invariants(r->m, msg, sizeof(msg)) == 0)
		return;
	if (r->opt->out)
		fflush(r->opt->out);
	fprintf(stderr, "%s:%u: invariant violated: %s\n", r->x.s->file_name,
		st->line, msg);
	abort();
}

/* The machine is made before the first statement, whatever it is. */
static int before_statement(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	int ret;

	if (r->m)
		return 0;
	ret = create_machine(r, st, st->kind == SCENARIO_MACHINE ? &st->machine : NULL);
	if (ret)
		return ret;
	if (r->opt->verbose)
		unev_set_trace(r->m, render_event, r->rd);
	if (r->m && unev_not_modelled(r->m))
		return runtime_error(r, st, "%s is not modelled yet", unev_not_modelled(r->m));
	if (r->opt->check_invariants)
		check_invariants(r, st);
	return 0;
}

static int after_statement(struct exec *x, const struct scenario_statement *st)
{
	struct run *r = run_of(x);
	int ret;

	if (r->m && unev_not_modelled(r->m))
		return runtime_error(r, st, "%s is not modelled yet", unev_not_modelled(r->m));
	if (r->opt->check_invariants)
		check_invariants(r, st);
	if (r->opt->after_statement) {
		ret = r->opt->after_statement(r->opt->after_statement_ctx, st, r->m);
		if (ret)
			return runtime_error(r, st, "after the statement: %s", strerror(-ret));
	}
	return 0;
}

/* `machine`: made before the first statement; say which kernel it is. */
static int run_machine(struct exec *x, const struct scenario_statement *st)
{
	render_machine(run_of(x)->rd, st, unev_machine_kernel(run_of(x)->m));
	return 0;
}

static int run_drain(struct exec *x, const struct scenario_statement *st)
{
	(void)st;
	unev_drain_all(run_of(x)->m);
	return 0;
}

/* The OOM killer may have taken the caller, or another task. */
static int sweep(struct exec *x, const struct scenario_statement *st)
{
	for (size_t i = 0; i < exec_nr_tasks(x); i++) {
		struct exec_task *t = exec_task_at(x, i);

		if (!t->exit_line && !unev_task_alive(run_of(x)->m, t->pid))
			exec_task_killed(t, st);
	}
	return 0;
}

static const struct exec_ops model_ops = {
	.name = "model",
	.task_size = sizeof(struct exec_task),	/* a task is the loop's record */
	.before_statement = before_statement,
	.after_statement = after_statement,
	.statement = {
		[SCENARIO_MACHINE] = run_machine,
		[SCENARIO_TASK] = create_task,
		[SCENARIO_FILE] = create_file,
		[SCENARIO_SHM] = create_shm,
		[SCENARIO_MEMCG] = create_memcg,
		[SCENARIO_SYSCTL] = run_sysctl,
		[SCENARIO_RECLAIM] = run_reclaim,
		[SCENARIO_MIGRATE] = run_migrate,
		[SCENARIO_COMPACT] = run_compact,
		[SCENARIO_DRAIN] = run_drain,
		[SCENARIO_PRINT] = run_print,
	},
	.call = run_call,
	.sweep = sweep,
	.expect = run_expect,
	.frames = read_frames,
};

int scenario_run(const struct scenario *s,
		 const struct scenario_run_options *opts,
		 struct scenario_run_summary *summary, char *err,
		 size_t errlen)
{
	struct run r = {.opt = opts};
	int ret;

	memset(summary, 0, sizeof(*summary));
	exec_init(&r.x, s, &model_ops, opts->records, err, errlen);
	ret = scenario_model_check(s, err, errlen);
	if (ret)
		return ret;
	summary->ran = true;
	r.rd = render_new(s, opts);
	if (!r.rd) {
		snprintf(err, errlen, "%s: out of memory", s->file_name);
		ret = -ENOMEM;
		goto out;
	}
	r.x.rd = r.rd;
	r.x.sum = summary;
	ret = exec_run(&r.x);
	render_finish(r.rd, summary);
out:
	if (r.m) {
		/* teardown frees folios: no one is listening any more */
		unev_set_trace(r.m, NULL, NULL);
		unev_machine_destroy(r.m);
	}
	render_free(r.rd);
	exec_free(&r.x);
	return ret;
}
