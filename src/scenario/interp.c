/*
 * interp.c - run a scenario on the model, through include/unevict.h only.
 *
 * The run keeps what a program keeps: for each task its pid and its
 * regions (name -> address, length), and the errno of the last call.  Each
 * statement becomes the system call it stands for, with the arguments a
 * program would pass (SCENARIO.md: OFF/LEN are not aligned), and each
 * expectation reads the /proc value the kernel would print.  The model
 * never prints: events reach us through the trace hook, and render.c
 * renders them and every result (text, -v, --json).
 */
#include "interp.h"
#include "render.h"

#include <unevict.h>

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>


struct run_task {
	char name[SCENARIO_NAME_MAX];
	int pid;
	unsigned int exit_line;		/* 0 while alive */
	/* the memcg OOM killer took it at exit_line: its later calls are not
	 * run (a program's calls after its death never happen) */
	bool killed;
	const char *victim;	/* the task the OOM killer took: this one, or
				 * the parent of a fork not run */
	struct scenario_table regions;	/* of struct scenario_region */
	/* `brk` binds [heap_start, break): the break before the first brk */
	bool heap_known;
	uint64_t heap_start;
};

/* A file or a shm segment: the scenario's name and the model's number. */
struct run_object {
	char name[SCENARIO_NAME_MAX];
	int id;
	uint64_t size;
};

struct run {
	const struct scenario *s;
	const struct scenario_run_options *opt;
	struct scenario_run_summary *sum;
	struct unev_machine *m;
	struct run_task *tasks;
	size_t nr_tasks, tasks_cap;
	int last_errno;			/* of the previous call: 0 or errno */
	bool last_not_run;		/* the previous call's task was dead */
	bool last_killed;		/* the previous call's task died in it */
	struct run_object *files, *shms, *memcgs;
	size_t nr_files, nr_shms, nr_memcgs;
	char *err;
	size_t errlen;
	struct render *rd;		/* what the run says (render.c) */
};

static int runtime_error(struct run *r, const struct scenario_statement *st,
			 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static struct run_object *find_object(struct run_object *v, size_t n, const char *name);
static struct run_task *killed_task(struct run *r, const char *name);

static int runtime_error(struct run *r, const struct scenario_statement *st,
			 const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	scenario_verror(r->err, r->errlen, r->s, st, "", fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* The result record of statement st, or NULL when nobody asked for them. */
static struct outcome *record(struct run *r, const struct scenario_statement *st)
{
	return r->opt->records ? &r->opt->records[st - r->s->statements] : NULL;
}


/* ---- tasks and regions ---- */

static struct run_task *find_task(struct run *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->nr_tasks; i++)
		if (!strcmp(r->tasks[i].name, name))
			return &r->tasks[i];
	return NULL;
}

/*
 * The task a statement names.  scenario_check() proved it declared and
 * alive on paper; a fork that failed at run time leaves a name without a
 * task, which only the run can find.
 */
static int live_task(struct run *r, const struct scenario_statement *st,
		     const char *name, struct run_task **out)
{
	struct run_task *t = find_task(r, name);

	if (!t)
		return runtime_error(r, st, "task '%s' does not exist (the call that would have created it failed)",
				     name);
	if (t->exit_line)
		return runtime_error(r, st, "task '%s' has exited", name);
	*out = t;
	return 0;
}

static struct run_task *add_task(struct run *r, const char *name, int pid)
{
	struct run_task *t = NULL;	/* set by live_task when it returns 0 */

	if (r->nr_tasks == r->tasks_cap) {
		size_t cap = r->tasks_cap ? r->tasks_cap * 2 : 8;
		struct run_task *tasks = realloc(r->tasks, cap * sizeof(*tasks));

		if (!tasks)
			return NULL;
		r->tasks = tasks;
		r->tasks_cap = cap;
	}
	t = &r->tasks[r->nr_tasks++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->pid = pid;
	scenario_table_init(&t->regions, sizeof(struct scenario_region));
	return t;
}

static struct scenario_region *find_region(struct run_task *t, const char *name)
{
	return scenario_table_find(&t->regions, name);
}

static int bind_region(struct run_task *t, const char *name, uint64_t addr,
		       uint64_t len)
{
	bool added;
	struct scenario_region *reg = scenario_table_get(&t->regions, name, &added);

	if (!reg)
		return -ENOMEM;
	reg->addr = addr;
	reg->len = len;
	return 0;
}

static int bound_region(struct run *r, const struct scenario_statement *st,
			struct run_task *t, const char *name,
			struct scenario_region **out)
{
	*out = find_region(t, name);
	if (!*out)
		return runtime_error(r, st, "task '%s' has no region '%s' (the call that would have bound it failed)",
				     t->name, name);
	return 0;
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
	}
	ret = unev_machine_create(&cfg, &r->m);
	if (ret)
		return runtime_error(r, st, "the model cannot create this machine: %s",
				     render_errno_text(-ret, buf, sizeof(buf)));
	return 0;
}

static int create_task(struct run *r, const struct scenario_statement *st)
{
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
		cfg.memcg = find_object(r->memcgs, r->nr_memcgs, tk->memcg)->id;
	ret = unev_task_create(r->m, &cfg, &pid);
	if (ret)
		return runtime_error(r, st, "the model cannot create task '%s': %s",
				     tk->name, render_errno_text(-ret, buf, sizeof(buf)));
	if (!add_task(r, tk->name, pid))
		return runtime_error(r, st, "out of memory");
	return 0;
}

static struct run_object *find_object(struct run_object *v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v[i].name, name))
			return &v[i];
	return NULL;
}

static int add_object(struct run_object **v, size_t *n, const char *name, int id,
		      uint64_t size)
{
	struct run_object *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	snprintf(nv[*n].name, sizeof(nv[*n].name), "%s", name);
	nv[*n].id = id;
	nv[*n].size = size;
	(*n)++;
	return 0;
}

static const enum unev_fs scenario_fs[] = {
	[SCENARIO_FS_DISK] = UNEV_FS_DISK,
	[SCENARIO_FS_TMPFS] = UNEV_FS_TMPFS,
	[SCENARIO_FS_RAMFS] = UNEV_FS_RAMFS,
};

/* `file NAME`: a file of its own, its page cache empty. */
static int create_file(struct run *r, const struct scenario_statement *st)
{
	const struct scenario_file *sf = &st->file;
	char buf[32];
	int ino, ret;

	ret = unev_file_create(r->m, sf->name, scenario_fs[sf->fs], sf->size, &ino);
	if (ret)
		return runtime_error(r, st, "the model cannot create file '%s': %s", sf->name,
				     render_errno_text(-ret, buf, sizeof(buf)));
	if (add_object(&r->files, &r->nr_files, sf->name, ino, sf->size))
		return runtime_error(r, st, "out of memory");
	return 0;
}

/* `shm NAME SIZE`: shmget(IPC_PRIVATE, SIZE, 0600) by root, before the tasks run. */
static int create_shm(struct run *r, const struct scenario_statement *st)
{
	char buf[32];
	int id, ret;

	ret = unev_shm_create(r->m, st->shm.size, 0, &id);
	if (ret)
		return runtime_error(r, st, "shmget of '%s' fails: %s", st->shm.name,
				     render_errno_text(-ret, buf, sizeof(buf)));
	if (add_object(&r->shms, &r->nr_shms, st->shm.name, id, st->shm.size))
		return runtime_error(r, st, "out of memory");
	return 0;
}

/* `memcg NAME [parent=NAME] [limit=SIZE]` */
static int create_memcg(struct run *r, const struct scenario_statement *st)
{
	const struct scenario_memcg *sm = &st->memcg;
	int parent = 0, id, ret;
	char buf[32];

	if (sm->parent_given)
		parent = find_object(r->memcgs, r->nr_memcgs, sm->parent)->id;
	ret = unev_memcg_create(r->m, sm->name, parent,
				sm->limit_given ? sm->limit : UNEV_RLIM_INFINITY, &id);
	if (ret == -ENOMEM && sm->parent_given)	/* the kernel's mkdir fails the same way */
		return runtime_error(r, st, "memcg '%s' cannot be created: ENOMEM (the kernel's mkdir fails so: the limit of its parent '%s' cannot take the new memcg's own charge)",
				     sm->name, sm->parent);
	if (ret)
		return runtime_error(r, st, "the model cannot create memcg '%s': %s", sm->name,
				     render_errno_text(-ret, buf, sizeof(buf)));
	if (add_object(&r->memcgs, &r->nr_memcgs, sm->name, id, sm->limit))
		return runtime_error(r, st, "out of memory");
	return 0;
}

/* `sysctl NAME=VALUE`: the vm sysctls the model has. */
static int run_sysctl(struct run *r, const struct scenario_statement *st)
{
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
		return runtime_error(r, st, "unknown sysctl '%s' (the model has swappiness, min_free_kbytes, compact_unevictable_allowed, max_map_count)",
				     sc->name);
	if (ret)
		return runtime_error(r, st, "sysctl %s=%s is out of range", sc->name, sc->value);
	return 0;
}

/* `reclaim SIZE [node=N] [memcg=NAME]`: direct reclaim, as memory.reclaim. */
static int run_reclaim(struct run *r, const struct scenario_statement *st)
{
	const struct scenario_reclaim *rc = &st->reclaim;
	uint64_t reclaimed = 0;
	int memcg = 0, ret;
	char buf[32];

	if (rc->memcg_given)
		memcg = find_object(r->memcgs, r->nr_memcgs, rc->memcg)->id;
	ret = unev_reclaim(r->m, rc->size, rc->node_given ? (int)rc->node : -1, memcg, &reclaimed);
	if (ret)
		return runtime_error(r, st, "reclaim failed: %s", render_errno_text(-ret, buf, sizeof(buf)));
	if (record(r, st)) {
		record(r, st)->kind = OUTCOME_VALUE;
		record(r, st)->value = (int64_t)reclaimed;
	}
	render_reclaim(r->rd, st, reclaimed);
	return 0;
}

static int shmctl_cmd(enum scenario_shmctl_op op)
{
	switch (op) {
	case SCENARIO_SHMCTL_LOCK:
		return UNEV_SHM_LOCK;
	case SCENARIO_SHMCTL_UNLOCK:
		return UNEV_SHM_UNLOCK;
	case SCENARIO_SHMCTL_RMID:
		break;
	}
	return UNEV_IPC_RMID;
}

/* The address and length a call on REGION [OFF LEN] passes. */
static void call_range(const struct scenario_call *c, const struct scenario_region *reg,
		       uint64_t *addr, uint64_t *len)
{
	if (c->range_given) {
		*addr = reg->addr + c->off; /* wraps as a program's would */
		*len = c->len;
	} else {
		*addr = reg->addr;
		*len = reg->len;
	}
}

static int advice_value(enum scenario_advice advice)
{
	switch (advice) {
	case SCENARIO_ADVICE_DONTNEED:
		return UNEV_MADV_DONTNEED;
	case SCENARIO_ADVICE_FREE:
		return UNEV_MADV_FREE;
	case SCENARIO_ADVICE_PAGEOUT:
		return UNEV_MADV_PAGEOUT;
	case SCENARIO_ADVICE_COLD:
		return UNEV_MADV_COLD;
	case SCENARIO_ADVICE_WILLNEED:
		return UNEV_MADV_WILLNEED;
	case SCENARIO_ADVICE_REMOVE:
		return UNEV_MADV_REMOVE;
	case SCENARIO_ADVICE_DONTNEED_LOCKED:
		return UNEV_MADV_DONTNEED_LOCKED;
	case SCENARIO_ADVICE_POPULATE_READ:
		return UNEV_MADV_POPULATE_READ;
	case SCENARIO_ADVICE_POPULATE_WRITE:
		return UNEV_MADV_POPULATE_WRITE;
	}
	return -1;
}

static int prot_value(int prot)
{
	return (prot & SCENARIO_PROT_READ ? UNEV_PROT_READ : 0) |
	       (prot & SCENARIO_PROT_WRITE ? UNEV_PROT_WRITE : 0) |
	       (prot & SCENARIO_PROT_EXEC ? UNEV_PROT_EXEC : 0);
}

/*
 * brk SIZE as glibc's sbrk: read the break, ask for break+SIZE, and call it
 * a success only if the kernel moved the break there (brk(2) returns the
 * old break on failure; glibc then reports ENOMEM).
 */
static int call_brk(struct run *r, const struct scenario_statement *st,
		    struct run_task *t, int *result)
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
		     struct run_task *t, int *result)
{
	size_t parent = (size_t)(t - r->tasks);
	struct run_task *child;
	int pid;

	*result = unev_sys_fork(r->m, t->pid, &pid);
	if (*result)
		return 0;
	child = add_task(r, st->call.target, pid);
	if (!child)
		return runtime_error(r, st, "out of memory");
	t = &r->tasks[parent]; /* add_task may have moved the array */
	if (scenario_table_copy(&child->regions, &t->regions))
		return runtime_error(r, st, "out of memory");
	child->heap_known = t->heap_known;
	child->heap_start = t->heap_start;
	return 0;
}

/* Run one call; *result is 0 or the model's -errno. */
static int run_call(struct run *r, const struct scenario_statement *st,
		    int *result)
{
	const struct scenario_call *c = &st->call;
	struct scenario_region *reg = NULL;
	struct run_task *t = NULL;	/* set by live_task when it returns 0 */
	uint64_t addr = 0, len = 0, newaddr = 0;
	int ret, flags;

	ret = live_task(r, st, c->task, &t);
	if (ret)
		return ret;
	if (scenario_call_on_range(c->kind)) {
		ret = bound_region(r, st, t, c->target, &reg);
		if (ret)
			return ret;
		call_range(c, reg, &addr, &len);
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
		flags = (c->shared ? UNEV_MAP_SHARED : UNEV_MAP_PRIVATE) |
			(c->locked ? UNEV_MAP_LOCKED : 0) | (c->populate ? UNEV_MAP_POPULATE : 0) |
			(c->fixed[0] ? (c->noreplace ? UNEV_MAP_FIXED_NOREPLACE : UNEV_MAP_FIXED) : 0);
		if (c->file[0]) {
			struct run_object *f = find_object(r->files, r->nr_files, c->file);

			if (!f)
				return runtime_error(r, st, "no file '%s'", c->file);
			*result = unev_sys_mmap_file(r->m, t->pid, newaddr, c->size,
						     prot_value(c->prot), flags, f->id, c->file_off,
						     &newaddr);
		} else {
			*result = unev_sys_mmap(r->m, t->pid, newaddr, c->size, prot_value(c->prot),
						flags | UNEV_MAP_ANONYMOUS, &newaddr);
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
		flags = c->onfault ? UNEV_MLOCK_ONFAULT : 0;
		if (c->raw_flags_given)
			flags = (int)c->raw_flags;
		*result = unev_sys_mlock2(r->m, t->pid, addr, len, flags);
		return 0;
	case SCENARIO_CALL_MUNLOCK:
		*result = unev_sys_munlock(r->m, t->pid, addr, len);
		return 0;
	case SCENARIO_CALL_MLOCKALL:
		flags = (c->mlockall_flags & SCENARIO_MCL_CURRENT ? UNEV_MCL_CURRENT : 0) |
			(c->mlockall_flags & SCENARIO_MCL_FUTURE ? UNEV_MCL_FUTURE : 0) |
			(c->mlockall_flags & SCENARIO_MCL_ONFAULT ? UNEV_MCL_ONFAULT : 0);
		if (c->raw_flags_given)
			flags = (int)c->raw_flags;
		*result = unev_sys_mlockall(r->m, t->pid, flags);
		return 0;
	case SCENARIO_CALL_MUNLOCKALL:
		*result = unev_sys_munlockall(r->m, t->pid);
		return 0;
	case SCENARIO_CALL_MPROTECT:
		*result = unev_sys_mprotect(r->m, t->pid, addr, len, prot_value(c->prot));
		return 0;
	case SCENARIO_CALL_MREMAP:
		flags = (c->maymove ? UNEV_MREMAP_MAYMOVE : 0) |
			(c->fixed[0] ? UNEV_MREMAP_FIXED : 0) |
			(c->dontunmap ? UNEV_MREMAP_DONTUNMAP : 0);
		*result = unev_sys_mremap(r->m, t->pid, addr, len, c->size, flags, newaddr,
					  &newaddr);
		if (*result == 0) {
			reg->addr = newaddr;
			reg->len = c->size;
			render_address(r->rd, newaddr);
		}
		return 0;
	case SCENARIO_CALL_MADVISE:
		*result = unev_sys_madvise(r->m, t->pid, addr, len,
					   advice_value(c->advice));
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
	case SCENARIO_CALL_READ:
	case SCENARIO_CALL_WRITE:
	case SCENARIO_CALL_TRUNCATE:
	case SCENARIO_CALL_PUNCH: {
		struct run_object *f = find_object(r->files, r->nr_files, c->target);

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
		return 0;
	}
	case SCENARIO_CALL_SHMAT: {
		struct run_object *sh = find_object(r->shms, r->nr_shms, c->shm);

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
		struct run_object *sh = find_object(r->shms, r->nr_shms, c->target);

		if (!sh)
			return runtime_error(r, st, "no shm segment '%s'", c->target);
		*result = unev_sys_shmctl(r->m, t->pid, sh->id, shmctl_cmd(c->shmctl_op));
		return 0;
	}
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
static int read_expected_source(struct run *r, const struct scenario_statement *st,
				uint64_t *value)
{
	const struct scenario_expect *e = &st->expect;
	static const char *const source_names[] = {
		[SCENARIO_EXPECT_VMSTAT] = "vmstat", [SCENARIO_EXPECT_MEMINFO] = "meminfo",
		[SCENARIO_EXPECT_STATUS] = "status", [SCENARIO_EXPECT_SMAPS] = "smaps",
		[SCENARIO_EXPECT_LRU] = "lru", [SCENARIO_EXPECT_MEMCG] = "memcg",
		[SCENARIO_EXPECT_MINCORE] = "mincore",
	};
	struct scenario_region *reg;
	struct run_task *t = NULL;	/* set by live_task when it returns 0 */
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
		ret = unev_memcg_stat_read(r->m, find_object(r->memcgs, r->nr_memcgs, e->task)->id,
					   e->field, value);
		break;
	case SCENARIO_EXPECT_STATUS:
		ret = live_task(r, st, e->task, &t);
		if (ret)
			return ret;
		ret = unev_status_read(r->m, t->pid, e->field, value);
		break;
	case SCENARIO_EXPECT_SMAPS:
		ret = live_task(r, st, e->task, &t);
		if (!ret)
			ret = bound_region(r, st, t, e->region, &reg);
		if (ret)
			return ret;
		scenario_region_span(reg, &start, &end);
		ret = unev_smaps_read(r->m, t->pid, start, end, e->field, value);
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

static int run_expect(struct run *r, const struct scenario_statement *st)
{
	const struct scenario_expect *e = &st->expect;
	char actual[48], expected[48], buf[32];
	struct outcome *o;
	uint64_t value = 0;
	bool passed;
	int ret;

	if (e->source == SCENARIO_EXPECT_OK || e->source == SCENARIO_EXPECT_ERRNO) {
		passed = !r->last_not_run && (e->source == SCENARIO_EXPECT_OK
						      ? r->last_errno == 0
						      : r->last_errno == e->errno_value);
		snprintf(actual, sizeof(actual), "%s",
			 r->last_not_run ? "not run" : render_errno_text(r->last_errno, buf, sizeof(buf)));
		snprintf(expected, sizeof(expected), "%s",
			 e->source == SCENARIO_EXPECT_OK
				 ? "0"
				 : render_errno_text(e->errno_value, buf, sizeof(buf)));
	} else if ((e->source == SCENARIO_EXPECT_STATUS || e->source == SCENARIO_EXPECT_SMAPS ||
		    e->source == SCENARIO_EXPECT_MINCORE) &&
		   killed_task(r, e->task)) {
		/* the OOM killer took the task: its /proc is gone, as live;
		 * the expectation is not run and the run goes on (issue 13) */
		struct run_task *t = killed_task(r, e->task);

		if ((o = record(r, st)))
			o->kind = OUTCOME_NOT_RUN;
		render_not_run(r->rd, st, t->victim ? t->victim : e->task, t->exit_line);
		return 0;
	} else {
		ret = read_expected_source(r, st, &value);
		if (ret)
			return ret;
		passed = scenario_compare(value, e->op, e->value);
		snprintf(actual, sizeof(actual), "%llu", (unsigned long long)value);
		snprintf(expected, sizeof(expected), "%s %llu",
			 scenario_operator_name(e->op), (unsigned long long)e->value);
	}
	if ((o = record(r, st))) {
		if (e->source == SCENARIO_EXPECT_OK || e->source == SCENARIO_EXPECT_ERRNO) {
			o->kind = r->last_not_run ? OUTCOME_NOT_RUN
				  : r->last_killed ? OUTCOME_KILLED
						   : OUTCOME_ERRNO;
			o->err = -r->last_errno;
		} else {
			o->kind = e->source == SCENARIO_EXPECT_LRU ? OUTCOME_MODEL_ONLY
								  : OUTCOME_VALUE;
			o->value = (int64_t)value;
		}
	}
	r->sum->expectations++;
	if (passed)
		r->sum->passed++;
	else
		r->sum->failed++;
	render_expect(r->rd, st, expected, actual, passed);
	return 0;
}

static int run_print(struct run *r, const struct scenario_statement *st)
{
	const struct scenario_print *pr = &st->print;
	struct run_task *t = NULL;
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
					    find_object(r->memcgs, r->nr_memcgs, pr->task)->id);
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
	fprintf(stderr, "%s:%u: invariant violated: %s\n", r->s->file_name,
		st->line, msg);
	abort();
}

/* The task a call names was killed by the memcg OOM killer before it. */
static struct run_task *killed_task(struct run *r, const char *name)
{
	struct run_task *t = find_task(r, name);

	return t && t->killed ? t : NULL;
}

/*
 * A call of a task the OOM killer took earlier: the program's later calls
 * never happen (issue 13).  It is reported as not run, `expect ok|errno`
 * after it fails with "not run", the run goes on.  A fork not run makes
 * no child: the child's calls are not run either.
 */
static int call_not_run(struct run *r, const struct scenario_statement *st)
{
	struct run_task *t = killed_task(r, st->call.task), *child;
	unsigned int line = t->exit_line;
	const char *victim = t->victim ? t->victim : st->call.task;

	r->last_not_run = true;
	r->last_killed = false;
	r->last_errno = 0;
	if (record(r, st))
		record(r, st)->kind = OUTCOME_NOT_RUN;
	if (st->call.kind == SCENARIO_CALL_FORK) {
		child = add_task(r, st->call.target, 0);
		if (!child)
			return runtime_error(r, st, "out of memory");
		child->exit_line = line;
		child->killed = true;
		child->victim = victim;
	}
	render_not_run(r->rd, st, victim, line);
	return 0;
}

static int run_statement(struct run *r, const struct scenario_statement *st)
{
	struct outcome *o;
	int result = 0, ret;	/* run_call sets it on success; 0 quiets gcc without LTO */

	switch (st->kind) {
	case SCENARIO_MACHINE:
		/* created before the first statement; say which kernel it is */
		render_machine(r->rd, st, unev_machine_kernel(r->m));
		return 0;
	case SCENARIO_TASK:
		return create_task(r, st);
	case SCENARIO_CALL:
		if (killed_task(r, st->call.task))
			return call_not_run(r, st);
		ret = run_call(r, st, &result);
		if (ret)
			return ret;
		r->last_errno = result < 0 ? -result : 0;
		r->last_not_run = false;
		/* the OOM killer may have taken the caller (or another task) */
		for (size_t i = 0; i < r->nr_tasks; i++)
			if (!r->tasks[i].exit_line && !unev_task_alive(r->m, r->tasks[i].pid)) {
				r->tasks[i].exit_line = st->line;
				r->tasks[i].killed = true;
			}
		/*
		 * The caller killed in its own call: the model still gives the
		 * call a result (ENOMEM from the charge...), which a program
		 * never sees: the live task dies in the call.
		 */
		r->last_killed = killed_task(r, st->call.task) &&
				 killed_task(r, st->call.task)->exit_line == st->line;
		if ((o = record(r, st))) {
			o->kind = r->last_killed ? OUTCOME_KILLED : OUTCOME_ERRNO;
			o->err = -r->last_errno;
		}
		render_call(r->rd, st, r->last_errno);
		return 0;
	case SCENARIO_DRAIN:
		unev_drain_all(r->m);
		return 0;
	case SCENARIO_EXPECT:
		return run_expect(r, st);
	case SCENARIO_PRINT:
		return run_print(r, st);
	case SCENARIO_FILE:
		return create_file(r, st);
	case SCENARIO_SHM:
		return create_shm(r, st);
	case SCENARIO_MEMCG:
		return create_memcg(r, st);
	case SCENARIO_SYSCTL:
		return run_sysctl(r, st);
	case SCENARIO_RECLAIM:
		return run_reclaim(r, st);
	case SCENARIO_MIGRATE:
	case SCENARIO_COMPACT:
		break; /* refused by scenario_model_check() */
	}
	return runtime_error(r, st, "'%s' is not supported by the model yet",
			     scenario_statement_name(st->kind));
}

static int run_all(struct run *r)
{
	size_t i;
	int ret;

	for (i = 0; i < r->s->nr_statements; i++) {
		const struct scenario_statement *st = &r->s->statements[i];

		if (!r->m) {
			ret = create_machine(r, st,
					     st->kind == SCENARIO_MACHINE ? &st->machine
									  : NULL);
			if (ret)
				return ret;
			if (r->opt->verbose)
				unev_set_trace(r->m, render_event, r->rd);
			if (r->opt->check_invariants)
				check_invariants(r, st);
		}
		if (render_begin(r->rd, st))
			return runtime_error(r, st, "out of memory");
		ret = run_statement(r, st);
		if (ret) {
			render_end(r->rd, NULL);
			return ret;
		}
		if (r->opt->check_invariants)
			check_invariants(r, st);
		if (r->opt->after_statement) {
			ret = r->opt->after_statement(r->opt->after_statement_ctx, st, r->m);
			if (ret)
				return runtime_error(r, st, "after the statement: %s",
						     strerror(-ret));
		}
		render_end(r->rd, st);
	}
	return 0;
}

int scenario_run(const struct scenario *s,
		 const struct scenario_run_options *opts,
		 struct scenario_run_summary *summary, char *err,
		 size_t errlen)
{
	struct run r = {.s = s, .opt = opts, .sum = summary, .err = err,
			.errlen = errlen};
	size_t i;
	int ret;

	memset(summary, 0, sizeof(*summary));
	if (opts->records)
		memset(opts->records, 0, s->nr_statements * sizeof(*opts->records));
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
	ret = run_all(&r);
	render_finish(r.rd, summary);
out:
	if (r.m) {
		/* teardown frees folios: no one is listening any more */
		unev_set_trace(r.m, NULL, NULL);
		unev_machine_destroy(r.m);
	}
	render_free(r.rd);
	for (i = 0; i < r.nr_tasks; i++)
		scenario_table_free(&r.tasks[i].regions);
	free(r.tasks);
	free(r.files);
	free(r.shms);
	free(r.memcgs);
	return ret;
}
