/*
 * replay.c - a trace's calls run on the model (replay.h).
 *
 * Each process of the trace is a model task; threads and vfork children
 * (CLONE_VM) share their parent's task, as they share its mm.  Every call
 * is resolved through the process's region map (regions.h) to the model's
 * addresses, run through unev_sys_*, and its result compared with the one
 * the trace recorded.  A call that needs several model calls (a range over
 * pieces the model placed apart, a MAP_FIXED mapping over older ones) runs
 * them in order and takes the first error, as the kernel stops at its
 * first failing VMA.  When --emit-uvs is given, every model call is also
 * written as the .uvs statement that makes exactly that call, followed by
 * `expect` of its result, so `unevict run` of the file is the same replay.
 */
#include "replay.h"

#include "regions.h"
#include "scenario.h"
#include "timeline.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define PAGE 4096ULL
#define PAGE_DOWN(a) ((a) & ~(PAGE - 1))
#define PAGE_UP(a) (((a) + PAGE - 1) & ~(PAGE - 1))
#define MODEL_TASK_SIZE (1ULL << 47)

#define T_MAP_SHARED 0x01
#define T_MAP_PRIVATE 0x02
#define T_MAP_FIXED 0x10
#define T_MAP_ANONYMOUS 0x20
#define T_MAP_LOCKED 0x2000
#define T_MAP_POPULATE 0x8000
#define T_MAP_HUGETLB 0x40000
#define T_MAP_FIXED_NOREPLACE 0x100000
#define T_CLONE_VM 0x100
#define T_CLONE_VFORK 0x4000
#define T_IPC_PRIVATE 0
#define T_SHM_RDONLY 010000

enum region_kind { REGION_ANON, REGION_FILE, REGION_SHM, REGION_HEAP };

struct region {
	uint64_t model_base;	/* what the model's mmap/shmat returned */
	uint64_t len;		/* the length the scenario's region has */
	uint32_t name;		/* r<name>; 0 = the heap ("brk") */
	uint32_t refs;		/* pieces in every process */
	enum region_kind kind;
	int file;		/* REGION_FILE: index in files */
	int shm;		/* REGION_SHM: index in shms */
};

struct file {
	int ino;
	int path;		/* index in the trace's paths */
	uint64_t size;
	const char *size_from;
	enum unev_fs fs;
};

struct shm {
	uint64_t trace_id, key;
	int model_id;
	uint64_t size;
	unsigned int name;
	bool removed;
};

struct process {		/* a model task: one mm */
	char name[16];
	int model_pid;
	unsigned int users;	/* the trace's pids using it */
	bool alive;
	char pids[64];
	struct region_map map;
	bool heap_known;
	uint64_t heap_start, heap_end;	/* the trace's break */
	uint64_t model_heap_start, model_heap_end;
	int heap_region;	/* -1 until the heap is a region */
};

struct pid_slot {
	int pid;		/* 0 free; the trace's pid 0 (no -f) is kept as -1 */
	int proc;
};

struct replay {
	const char *name;
	const struct trace *t;
	const struct replay_options *o;
	struct replay_report *rep;
	struct unev_machine *m;
	int memcg;
	struct process *procs;
	size_t nr_procs, cap_procs;
	struct pid_slot *pids;
	size_t pids_cap, pids_nr;
	struct region *regions;
	size_t nr_regions, cap_regions;
	uint32_t *free_names;
	size_t nr_free_names, cap_free_names;
	uint32_t next_name;
	/* The files mapped: the trace's -y paths, then names made for the
	 * files of a trace without -y ("fd 3 of pid 7, file 2"). */
	char **names;
	size_t nr_names, nr_made;
	int *call_file;		/* per record: index in names, -1 */
	int *file_of_path;	/* per name: index in files, -1 */
	struct file *files;
	size_t nr_files;
	uint64_t *path_extent;	/* per name: the largest off + len mapped */
	struct shm *shms;
	size_t nr_shms, cap_shms;
	unsigned int next_task, next_file, next_shm;
	const struct trace_call *c;	/* the call being replayed */
	bool oom;		/* a memcg limit is set: tasks may be killed */
};

static int nomem(void)
{
	return -ENOMEM;
}

/* ---- the report ---- */

static int count_unmodelled(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int count_unmodelled(struct replay *r, const char *fmt, ...)
{
	struct replay_report *rep = r->rep;
	char buf[160];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	rep->not_modelled++;
	for (i = 0; i < rep->nr_unmodelled; i++)
		if (!strcmp(rep->unmodelled[i].name, buf)) {
			rep->unmodelled[i].count++;
			return 0;
		}
	if (!(rep->nr_unmodelled & (rep->nr_unmodelled + 1)) || !rep->nr_unmodelled) {
		struct replay_count *v = realloc(rep->unmodelled,
						 (rep->nr_unmodelled + 1) * 2 * sizeof(*v));

		if (!v)
			return nomem();
		rep->unmodelled = v;
	}
	rep->unmodelled[i].name = strdup(buf);
	if (!rep->unmodelled[i].name)
		return nomem();
	rep->unmodelled[i].count = 1;
	rep->nr_unmodelled++;
	if (r->o->emit)
		fprintf(r->o->emit, "# trace line %u: %s not modelled\n", r->c ? r->c->line : 0,
			buf);
	return 0;
}

static const char *errname(int e, char *buf, size_t n)
{
	const char *s = e ? scenario_errno_name(e) : NULL;

	if (!e)
		return "0";
	if (s)
		snprintf(buf, n, "-1 %s", s);
	else
		snprintf(buf, n, "-1 errno %d", e);
	return buf;
}

/* Why the model may have answered differently, when it can be told. */
static const char *divergence_reason(struct replay *r, int model_err, int pid)
{
	const struct trace_call *c = r->c;

	if (model_err == ESRCH || (pid && !unev_task_alive(r->m, pid)))
		return "the model's task is gone (killed by the OOM killer of the memcg limit?)";
	if (model_err == ENOMEM && r->oom)
		return "the memcg limit (--memcg) was reached";
	if ((model_err == EAGAIN || model_err == ENOMEM || model_err == EPERM) &&
	    (c->sys == TRACE_MLOCK || c->sys == TRACE_MLOCK2 || c->sys == TRACE_MLOCKALL ||
	     c->sys == TRACE_MMAP || c->sys == TRACE_BRK || c->sys == TRACE_MREMAP))
		return "RLIMIT_MEMLOCK or CAP_IPC_LOCK differ from the traced program's (--task)";
	if (model_err == ENOMEM && c->sys == TRACE_MREMAP)
		return "the model placed the region elsewhere: no room to grow it in place";
	if (!model_err && (c->err == ENOMEM || c->err == EPERM || c->err == EAGAIN) &&
	    (c->sys == TRACE_MLOCK || c->sys == TRACE_MLOCK2 || c->sys == TRACE_MLOCKALL ||
	     c->sys == TRACE_MMAP || c->sys == TRACE_SHMCTL))
		return "the traced program had a smaller RLIMIT_MEMLOCK or no CAP_IPC_LOCK "
		       "(replay with --task \"memlock=SIZE\")";
	if (!model_err && c->err == ENOMEM)
		return "the live machine was short of memory or had a limit the model lacks";
	if (model_err == EOPNOTSUPP || model_err == EINVAL)
		return "a flag or case the model does not implement";
	return NULL;
}

static int add_divergence(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Compare the model's answer (0 or -errno) with the one the trace shows
 * (0 or an errno: @trace_err). */
static int check_against(struct replay *r, int model_ret, int trace_err, int pid)
{
	const struct trace_call *c = r->c;
	struct replay_report *rep = r->rep;
	char a[48], b[48];
	const char *why;
	int model_err = -model_ret;

	if (c->ret_unknown) {
		rep->unchecked++;
		return 0;
	}
	if (model_err == trace_err) {
		rep->agreeing++;
		return 0;
	}
	why = divergence_reason(r, model_err, pid);
	return add_divergence(r, "%s:%u: pid %d %s: the trace has = %s, the model %s%s%s",
			      r->name, c->line, c->pid, r->t->names[c->name],
			      errname(trace_err, a, sizeof(a)), errname(model_err, b, sizeof(b)),
			      why ? ": " : "", why ? why : "");
}

static int add_divergence(struct replay *r, const char *fmt, ...)
{
	struct replay_report *rep = r->rep;
	va_list ap;
	char *msg;
	int n;

	rep->diverging++;
	if (rep->nr_divergences >= REPLAY_MAX_DIVERGENCES)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return nomem();
	if (!rep->divergences) {
		rep->divergences = calloc(REPLAY_MAX_DIVERGENCES, sizeof(*rep->divergences));
		if (!rep->divergences) {
			free(msg);
			return nomem();
		}
	}
	rep->divergences[rep->nr_divergences].line = r->c->line;
	rep->divergences[rep->nr_divergences++].text = msg;
	if (r->o->emit)
		fprintf(r->o->emit, "# DIVERGES from the trace: %s\n", msg);
	return 0;
}

static int check_result(struct replay *r, int model_ret, int pid)
{
	return check_against(r, model_ret, r->c->err, pid);
}

/* ---- emitting the scenario ---- */

static void emit(struct replay *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void emit(struct replay *r, const char *fmt, ...)
{
	va_list ap;

	if (!r->o->emit)
		return;
	va_start(ap, fmt);
	vfprintf(r->o->emit, fmt, ap);
	va_end(ap);
}

static void emit_expect(struct replay *r, int ret)
{
	const char *n = ret ? scenario_errno_name(-ret) : NULL;

	if (!r->o->emit)
		return;
	if (!ret)
		fputs("expect ok\n", r->o->emit);
	else if (n)
		fprintf(r->o->emit, "expect errno %s\n", n);
	else
		r->rep->emit_inexact = r->o->emit != NULL;
}

static void region_name(const struct replay *r, uint32_t region, char *buf, size_t n)
{
	if (r->regions[region].kind == REGION_HEAP)
		snprintf(buf, n, "brk");
	else
		snprintf(buf, n, "r%u", r->regions[region].name);
}

static const char *prot_word(int prot, char *buf)
{
	char *p = buf;

	if (!(prot & 7))
		return "none";
	if (prot & UNEV_PROT_READ)
		*p++ = 'r';
	if (prot & UNEV_PROT_WRITE)
		*p++ = 'w';
	if (prot & UNEV_PROT_EXEC)
		*p++ = 'x';
	*p = 0;
	return buf;
}

/* ---- processes ---- */

static struct pid_slot *pid_slot(struct replay *r, int pid, bool insert)
{
	int key = pid ? pid : -1;
	size_t mask, i;

	if (insert && (r->pids_nr + 1) * 2 > r->pids_cap) {
		size_t cap = r->pids_cap ? r->pids_cap * 2 : 64;
		struct pid_slot *v = calloc(cap, sizeof(*v));

		if (!v)
			return NULL;
		for (i = 0; i < r->pids_cap; i++)
			if (r->pids[i].pid) {
				size_t j = (size_t)(unsigned int)r->pids[i].pid & (cap - 1);

				while (v[j].pid)
					j = (j + 1) & (cap - 1);
				v[j] = r->pids[i];
			}
		free(r->pids);
		r->pids = v;
		r->pids_cap = cap;
	}
	if (!r->pids_cap)
		return NULL;
	mask = r->pids_cap - 1;
	for (i = (size_t)(unsigned int)key & mask;; i = (i + 1) & mask) {
		if (r->pids[i].pid == key)
			return &r->pids[i];
		if (!r->pids[i].pid) {
			if (!insert)
				return NULL;
			r->pids[i].pid = key;
			r->pids[i].proc = -1;
			r->pids_nr++;
			return &r->pids[i];
		}
	}
}

static void add_pid_text(struct process *p, int pid)
{
	size_t n = strlen(p->pids);

	if (n + 12 < sizeof(p->pids))
		snprintf(p->pids + n, sizeof(p->pids) - n, "%s%d", n ? "," : "", pid);
	else if (n + 4 < sizeof(p->pids) && strcmp(p->pids + n - 3, "..."))
		strcat(p->pids, ",...");
}

static int new_process(struct replay *r, int *out)
{
	struct process *p;

	if (r->nr_procs == r->cap_procs) {
		size_t cap = r->cap_procs ? r->cap_procs * 2 : 8;
		struct process *v = realloc(r->procs, cap * sizeof(*v));

		if (!v)
			return nomem();
		r->procs = v;
		r->cap_procs = cap;
	}
	p = &r->procs[r->nr_procs];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "t%u", ++r->next_task);
	p->alive = true;
	p->heap_region = -1;
	*out = (int)r->nr_procs++;
	return 0;
}

/* A fresh process (the trace's first pid, or an exec in a shared mm). */
static int create_task(struct replay *r, int *out)
{
	struct unev_task_config cfg = r->o->task;
	int ret, idx;

	ret = new_process(r, &idx);
	if (ret)
		return ret;
	if (r->memcg)
		cfg.memcg = r->memcg;
	ret = unev_task_create(r->m, &cfg, &r->procs[idx].model_pid);
	if (ret)
		return ret;
	emit(r, "task %s%s cpu=%u uid=%u%s", r->procs[idx].name, r->memcg ? " memcg=replay" : "",
	     cfg.cpu, cfg.uid, cfg.cap_ipc_lock ? " cap_ipc_lock" : "");
	if (cfg.memlock == UNEV_RLIM_INFINITY)
		emit(r, " memlock=unlimited\n");
	else
		emit(r, " memlock=%llu\n", (unsigned long long)cfg.memlock);
	*out = idx;
	return 0;
}

static int proc_of(struct replay *r, int pid, struct process **out)
{
	struct pid_slot *s = pid_slot(r, pid, true);
	int ret, idx;

	if (!s)
		return nomem();
	if (s->proc < 0) {
		ret = create_task(r, &idx);
		if (ret)
			return ret;
		s = pid_slot(r, pid, false);
		s->proc = idx;
		r->procs[idx].users = 1;
		add_pid_text(&r->procs[idx], pid);
	}
	*out = &r->procs[s->proc];
	return 0;
}

/* ---- regions ---- */

static int new_region(struct replay *r, enum region_kind kind, uint64_t model_base,
		      uint64_t len, uint32_t *out)
{
	struct region *reg;

	if (r->nr_regions == r->cap_regions) {
		size_t cap = r->cap_regions ? r->cap_regions * 2 : 64;
		struct region *v = realloc(r->regions, cap * sizeof(*v));

		if (!v)
			return nomem();
		r->regions = v;
		r->cap_regions = cap;
	}
	reg = &r->regions[r->nr_regions];
	memset(reg, 0, sizeof(*reg));
	reg->kind = kind;
	reg->model_base = model_base;
	reg->len = len;
	reg->file = reg->shm = -1;
	if (kind != REGION_HEAP)
		reg->name = r->nr_free_names ? r->free_names[--r->nr_free_names] : ++r->next_name;
	*out = (uint32_t)r->nr_regions++;
	return 0;
}

/* A region's name is free again once no process has a piece of it, so a
 * long trace's scenario keeps few names bound. */
static int region_unref(struct replay *r, uint32_t region, uint32_t n)
{
	struct region *reg = &r->regions[region];

	reg->refs -= n;
	if (reg->refs || reg->kind == REGION_HEAP)
		return 0;
	if (r->nr_free_names == r->cap_free_names) {
		size_t cap = r->cap_free_names ? r->cap_free_names * 2 : 64;
		uint32_t *v = realloc(r->free_names, cap * sizeof(*v));

		if (!v)
			return nomem();
		r->free_names = v;
		r->cap_free_names = cap;
	}
	r->free_names[r->nr_free_names++] = reg->name;
	reg->name = UINT32_MAX;
	return 0;
}

static int map_insert(struct replay *r, struct process *p, uint64_t start, uint64_t end,
		      uint64_t model_start, uint32_t region)
{
	struct region_piece piece = {start, end, model_start, region};

	if (region_map_insert(&p->map, &piece))
		return nomem();
	r->regions[region].refs++;
	return 0;
}

/* One step of a range call: the model's [model_start, +len) in one region. */
struct segment {
	uint64_t model_start, len;
	uint32_t region;
};

struct segments {
	struct segment *v;
	size_t nr, cap;
};

/*
 * The model's segments of the trace's [start, end): one per run of pieces
 * of one region that the model holds contiguously.  *hole: part of the
 * range is in no piece.  With @split the pieces are first split at start
 * and end, so the caller may edit or remove exactly those pieces; *first
 * and *n then give them.
 */
static int map_split(struct replay *r, struct process *p, uint64_t addr)
{
	size_t nr = p->map.nr;

	if (region_map_split(&p->map, addr))
		return nomem();
	if (p->map.nr != nr)	/* one more piece of the region */
		r->regions[p->map.v[region_map_find(&p->map, addr)].region].refs++;
	return 0;
}

static int resolve(struct replay *r, struct process *p, uint64_t start, uint64_t end,
		   bool split, struct segments *segs, bool *hole, size_t *first, size_t *n)
{
	size_t i;
	uint64_t at = start;

	*hole = false;
	segs->nr = 0;
	if (split && (map_split(r, p, start) || map_split(r, p, end)))
		return nomem();
	i = region_map_find(&p->map, start);
	if (first)
		*first = i;
	for (; i < p->map.nr && p->map.v[i].start < end; i++) {
		const struct region_piece *pc = &p->map.v[i];
		uint64_t s = pc->start > start ? pc->start : start;
		uint64_t e = pc->end < end ? pc->end : end;
		uint64_t ms = pc->model_start + (s - pc->start);
		struct segment *last = segs->nr ? &segs->v[segs->nr - 1] : NULL;

		if (s > at)
			*hole = true;
		at = e;
		if (last && last->region == pc->region && last->model_start + last->len == ms) {
			last->len += e - s;
			continue;
		}
		if (segs->nr == segs->cap) {
			size_t cap = segs->cap ? segs->cap * 2 : 8;
			struct segment *v = realloc(segs->v, cap * sizeof(*v));

			if (!v)
				return nomem();
			segs->v = v;
			segs->cap = cap;
		}
		segs->v[segs->nr++] = (struct segment){ms, e - s, pc->region};
	}
	if (at < end)
		*hole = true;
	if (n)
		*n = i - (first ? *first : 0);
	return 0;
}

/* "REGION OFF LEN" of a segment, for the scenario. */
static void emit_range(struct replay *r, const struct segment *s)
{
	char name[24];

	region_name(r, s->region, name, sizeof(name));
	emit(r, " %s %llu %llu", name,
		     (unsigned long long)(s->model_start - r->regions[s->region].model_base),
		     (unsigned long long)s->len);
}

/* munmap of the trace's [start, end) in the model, segment by segment,
 * and out of the map.  First error in *first_err. */
static int unmap_range(struct replay *r, struct process *p, uint64_t start, uint64_t end,
		       int *first_err)
{
	struct segments segs = {0};
	size_t first, n;
	bool hole;
	int ret;

	*first_err = 0;
	ret = resolve(r, p, start, end, true, &segs, &hole, &first, &n);
	if (ret)
		goto out;
	for (size_t i = 0; i < segs.nr; i++) {
		int e = unev_sys_munmap(r->m, p->model_pid, segs.v[i].model_start, segs.v[i].len);

		emit(r, "%s: munmap", p->name);
		emit_range(r, &segs.v[i]);
		emit(r, "\n");
		emit_expect(r, e);
		if (e && !*first_err)
			*first_err = e;
	}
	for (size_t i = first; i < first + n; i++) {
		ret = region_unref(r, p->map.v[i].region, 1);
		if (ret)
			goto out;
	}
	region_map_remove(&p->map, first, n);
out:
	free(segs.v);
	return ret;
}

/* ---- files ---- */

static void path_fs(const char *path, enum unev_fs *fs, const char **fs_name)
{
	if (!strncmp(path, "/dev/shm/", 9) || !strncmp(path, "/memfd:", 7) ||
	    !strncmp(path, "/run/", 5)) {
		*fs = UNEV_FS_TMPFS;
		*fs_name = "tmpfs";
	} else {
		*fs = UNEV_FS_DISK;
		*fs_name = "disk";
	}
}

/* The model's file for a -y path: the size of this host's file of that
 * name when there is one, else the largest extent the trace maps. */
static int file_for_path(struct replay *r, int path, int *out)
{
	const char *name = r->names[path], *fs_name;
	struct replay_file_view *fv;
	struct file *f;
	struct stat st;
	int ret;

	if (r->file_of_path[path] >= 0) {
		*out = r->file_of_path[path];
		return 0;
	}
	f = &r->files[r->nr_files];
	f->path = path;
	path_fs(name, &f->fs, &fs_name);
	if (!r->o->trace_file_sizes && !stat(name, &st) && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size > 0) {
		f->size = (uint64_t)st.st_size;
		f->size_from = "this host's file";
	} else {
		f->size = r->path_extent[path];
		f->size_from = "the trace's largest mapping of it";
	}
	ret = unev_file_create(r->m, name, f->fs, f->size, &f->ino);
	if (ret)
		return ret;
	r->next_file++;
	emit(r, "# f%u is %s (%s, size from %s)\nfile f%u fs=%s size=%llu\n", r->next_file,
	     name, fs_name, f->size_from, r->next_file, fs_name, (unsigned long long)f->size);
	fv = &r->rep->files[r->rep->nr_files++];
	fv->path = strdup(name);
	if (!fv->path)
		return nomem();
	fv->size = f->size;
	fv->size_from = f->size_from;
	fv->fs = fs_name;
	r->file_of_path[path] = (int)r->nr_files;
	*out = (int)r->nr_files++;
	return 0;
}

/* ---- the calls ---- */

static int touch_segment(struct replay *r, struct process *p, const struct segment *s)
{
	int e = unev_touch(r->m, p->model_pid, s->model_start, s->len, true);

	emit(r, "%s: touch", p->name);
	emit_range(r, s);
	emit(r, " write\n");
	emit_expect(r, e);
	return 0;
}

/* The kernel unmaps what a MAP_FIXED mapping lands on (mmap_region ->
 * do_vmi_munmap); a result over pieces the map still holds is the same. */
static int unmap_under(struct replay *r, struct process *p, uint64_t start, uint64_t end)
{
	size_t i = region_map_find(&p->map, start);
	int e;

	if (i == p->map.nr || p->map.v[i].start >= end)
		return 0;
	return unmap_range(r, p, start, end, &e);
}

static int replay_mmap(struct replay *r, struct process *p)
{
	const struct trace_call *c = r->c;
	uint64_t len = c->arg[1], off = c->arg[5];
	int prot = (int)c->arg[2] & 7, flags = (int)c->arg[3], fd = (int)(int64_t)c->arg[4];
	int mflags, ret, file = -1;
	uint64_t alen = PAGE_UP(len), model_addr = 0;
	bool anon = flags & T_MAP_ANONYMOUS;
	enum region_kind kind = REGION_ANON;
	char pw[4], rname[24] = "unbound";
	uint32_t region = 0;

	if (!anon && c->path >= 0) {
		const char *path = r->t->paths[c->path];	/* -y */

		if (!strcmp(path, "/dev/zero")) {
			anon = true;	/* mmap of /dev/zero is anonymous memory */
		} else if (path[0] != '/' || (!strncmp(path, "/dev/", 5) &&
					      strncmp(path, "/dev/shm/", 9))) {
			return count_unmodelled(r, "mmap (of %s)",
						path[0] == '/' ? "a device" : "a special file");
		}
	}
	if (!anon && fd < 0)
		return count_unmodelled(r, "mmap (of fd %d)", fd);
	if (flags & T_MAP_HUGETLB)
		return count_unmodelled(r, "mmap (MAP_HUGETLB: the model reserves no huge pages)");
	if (c->err && (flags & (T_MAP_FIXED | T_MAP_FIXED_NOREPLACE)))
		return count_unmodelled(r, "mmap (a fixed address refused)");
	r->rep->replayed++;
	if (!c->err && len) {
		ret = unmap_under(r, p, c->ret, c->ret + alen);
		if (ret)
			return ret;
	}
	/* MAP_SHARED_VALIDATE is MAP_SHARED; MAP_NORESERVE, MAP_STACK,
	 * MAP_DENYWRITE, MAP_GROWSDOWN... change nothing the model counts */
	mflags = (flags & (T_MAP_SHARED | T_MAP_PRIVATE)) == 0x03 ? T_MAP_SHARED
		 : flags & (T_MAP_SHARED | T_MAP_PRIVATE);
	mflags |= flags & (T_MAP_LOCKED | T_MAP_POPULATE);
	if (anon) {
		ret = unev_sys_mmap(r->m, p->model_pid, 0, len, prot, mflags | UNEV_MAP_ANONYMOUS,
				    &model_addr);
	} else {
		ret = file_for_path(r, r->call_file[c - r->t->calls], &file);
		if (ret)
			return ret;
		kind = REGION_FILE;
		ret = unev_sys_mmap_file(r->m, p->model_pid, 0, len, prot, mflags,
					 r->files[file].ino, off, &model_addr);
	}
	if (!ret) {
		int rr = new_region(r, kind, model_addr, len, &region);

		if (rr)
			return rr;
		r->regions[region].file = file;
		region_name(r, region, rname, sizeof(rname));
	}
	emit(r, "%s: mmap %s %llu prot=%s %s", p->name, rname, (unsigned long long)len,
	     prot_word(prot, pw), mflags & T_MAP_SHARED ? "shared" : "private");
	if (file >= 0)
		emit(r, " file=f%d off=%llu", file + 1, (unsigned long long)off);
	emit(r, "%s%s\n", mflags & T_MAP_LOCKED ? " locked" : "",
	     mflags & T_MAP_POPULATE ? " populate" : "");
	emit_expect(r, ret);
	if (!ret && !c->err) {
		int rr = map_insert(r, p, c->ret, c->ret + alen, model_addr, region);

		if (rr)
			return rr;
		if (r->o->touch == REPLAY_TOUCH_WRITTEN && (prot & UNEV_PROT_WRITE)) {
			struct segment sg = {model_addr, alen, region};

			touch_segment(r, p, &sg);
		}
	} else if (!ret) {
		/* the kernel refused, the model did not: undo the model's
		 * mapping, so the two address spaces stay alike */
		int u = unev_sys_munmap(r->m, p->model_pid, model_addr, alen), rr;

		emit(r, "%s: munmap %s\n", p->name, rname);
		emit_expect(r, u);
		r->regions[region].refs = 1;
		rr = region_unref(r, region, 1);
		if (rr)
			return rr;
	}
	return check_result(r, ret, p->model_pid);
}

static const char *advice_word(int advice)
{
	switch (advice) {
	case UNEV_MADV_WILLNEED: return "willneed";
	case UNEV_MADV_DONTNEED: return "dontneed";
	case UNEV_MADV_FREE: return "free";
	case UNEV_MADV_REMOVE: return "remove";
	case UNEV_MADV_COLD: return "cold";
	case UNEV_MADV_PAGEOUT: return "pageout";
	case UNEV_MADV_POPULATE_READ: return "populate_read";
	case UNEV_MADV_POPULATE_WRITE: return "populate_write";
	case UNEV_MADV_DONTNEED_LOCKED: return "dontneed_locked";
	default: return NULL;
	}
}

/*
 * One model call of a range call on a segment, and its .uvs statement
 * (a segment outside every region - region UINT32_MAX - cannot be said).
 * With @alone it is the whole call: its result is checked here.  Returns
 * the model's 0 or -errno (alone: 0, or -ENOMEM when out of memory).
 */
static int range_call(struct replay *r, struct process *p, const struct segment *s, int arg,
		      int advice, bool alone)
{
	const struct trace_call *c = r->c;
	char pw[4];
	int e;

	if (alone)
		r->rep->replayed++;
	switch (c->sys) {
	case TRACE_MUNMAP:
		e = unev_sys_munmap(r->m, p->model_pid, s->model_start, s->len);
		break;
	case TRACE_MPROTECT:
		e = unev_sys_mprotect(r->m, p->model_pid, s->model_start, s->len, arg & 7);
		break;
	case TRACE_MADVISE:
		e = unev_sys_madvise(r->m, p->model_pid, s->model_start, s->len, advice);
		break;
	case TRACE_MLOCK:
		e = unev_sys_mlock(r->m, p->model_pid, s->model_start, s->len);
		break;
	case TRACE_MLOCK2:
		e = unev_sys_mlock2(r->m, p->model_pid, s->model_start, s->len, arg);
		break;
	default:
		e = unev_sys_munlock(r->m, p->model_pid, s->model_start, s->len);
		break;
	}
	if (s->region == UINT32_MAX) {
		emit(r, "# trace line %u: %s at an address outside the regions: cannot be said\n",
		     c->line, r->t->names[c->name]);
		r->rep->emit_inexact = r->o->emit != NULL;
	} else {
		emit(r, "%s: %s", p->name, r->t->names[c->name]);
		emit_range(r, s);
		if (c->sys == TRACE_MPROTECT)
			emit(r, " %s", prot_word(arg & 7, pw));
		if (c->sys == TRACE_MADVISE)
			emit(r, " %s", advice_word(advice));
		if (c->sys == TRACE_MLOCK2 && (arg & ~UNEV_MLOCK_ONFAULT))
			emit(r, " flags=%u", (unsigned int)arg);
		else if (c->sys == TRACE_MLOCK2 && arg)
			emit(r, " onfault");
		emit(r, "\n");
		emit_expect(r, e);
	}
	if (!e && c->sys == TRACE_MPROTECT && (arg & UNEV_PROT_WRITE) && s->region != UINT32_MAX &&
	    r->o->touch == REPLAY_TOUCH_WRITTEN)
		touch_segment(r, p, s);
	if (alone)
		return check_result(r, e, p->model_pid);
	return e;
}

/* The calls on a range: munmap mprotect madvise mlock mlock2 munlock. */
static int replay_range(struct replay *r, struct process *p)
{
	const struct trace_call *c = r->c;
	const char *name = r->t->names[c->name];
	uint64_t addr = c->arg[0], len = c->arg[1], start, end;
	struct segments segs = {0};
	int arg = (int)c->arg[2], first_err = 0, ret = 0, advice = 0;
	size_t first = 0, n = 0;
	bool hole, aligns = c->sys == TRACE_MLOCK || c->sys == TRACE_MLOCK2 ||
			    c->sys == TRACE_MUNLOCK;

	if (c->sys == TRACE_MADVISE) {
		advice = arg;
		if (!advice_word(advice))
			return count_unmodelled(r, "madvise (advice %d: no effect the model has)",
						advice);
	}
	/* mlock and munlock round the range out to pages (do_mlock); the
	 * others refuse an unaligned start (EINVAL), which the model says */
	start = aligns ? PAGE_DOWN(addr) : addr;
	end = PAGE_UP(addr + len);
	if (!len || (start & (PAGE - 1)) || addr + len < addr || end < addr + len) {
		/* degenerate (a length of 0, an unaligned start, a range that
		 * wraps): the checks come before any VMA is looked at, so one
		 * model call at the translated (or the trace's own) address */
		size_t i = region_map_find(&p->map, addr);
		struct segment s = {addr, len, UINT32_MAX};

		if (i < p->map.nr && p->map.v[i].start <= addr) {
			s.model_start = p->map.v[i].model_start + (addr - p->map.v[i].start);
			s.region = p->map.v[i].region;
		}
		return range_call(r, p, &s, arg, advice, true);
	}
	ret = resolve(r, p, start, end, c->sys == TRACE_MUNMAP, &segs, &hole, &first, &n);
	if (ret)
		goto out;
	if (!segs.nr && c->err) {
		/* refused by the kernel, on memory the model has nothing at
		 * either: the model's own answer, at the trace's address */
		struct segment s = {addr, len, UINT32_MAX};

		ret = range_call(r, p, &s, arg, advice, true);
		goto out;
	}
	if (!segs.nr || (hole && c->sys != TRACE_MUNMAP)) {
		ret = count_unmodelled(r, "%s (%s the traced regions)", name,
				       segs.nr ? "partly outside" : "outside");
		goto out;
	}
	r->rep->replayed++;
	for (size_t i = 0; i < segs.nr; i++) {
		int e = range_call(r, p, &segs.v[i], arg, advice, false);

		if (e && !first_err)
			first_err = e;
		if (e && c->sys != TRACE_MUNMAP && c->sys != TRACE_MADVISE)
			break;	/* the kernel stops at the first failing VMA */
	}
	if (c->sys == TRACE_MUNMAP && !c->err) {
		for (size_t i = first; i < first + n; i++) {
			ret = region_unref(r, p->map.v[i].region, 1);
			if (ret)
				goto out;
		}
		region_map_remove(&p->map, first, n);
	}
	ret = check_result(r, first_err, p->model_pid);
out:
	free(segs.v);
	return ret;
}

/* The heap's pieces follow the break: [old, new) in pages. */
static int heap_move(struct replay *r, struct process *p, uint64_t old, uint64_t want)
{
	uint64_t from = PAGE_UP(old), to = PAGE_UP(want);
	int ret;

	if (p->heap_region < 0) {
		uint32_t region;

		ret = new_region(r, REGION_HEAP, p->model_heap_start, 0, &region);
		if (ret)
			return ret;
		p->heap_region = (int)region;
	}
	if (to > from) {
		struct segment s = {p->model_heap_start + (from - p->heap_start), to - from,
				    (uint32_t)p->heap_region};

		ret = map_insert(r, p, from, to, s.model_start, s.region);
		if (ret)
			return ret;
		if (r->o->touch == REPLAY_TOUCH_WRITTEN)
			touch_segment(r, p, &s);
	} else if (to < from) {
		struct segments segs = {0};
		size_t first, n;
		bool hole;

		ret = resolve(r, p, to, from, true, &segs, &hole, &first, &n);
		free(segs.v);
		if (ret)
			return ret;
		for (size_t i = first; i < first + n; i++)
			region_unref(r, p->map.v[i].region, 1);
		region_map_remove(&p->map, first, n);
	}
	return 0;
}

/*
 * brk(NULL) reads the break; brk(X) returns X when it moved the break and
 * the old break when it did not.  The model's heap starts elsewhere: the
 * trace's break is translated by the two heaps' starts.
 */
static int replay_brk(struct replay *r, struct process *p)
{
	const struct trace_call *c = r->c;
	uint64_t want = c->arg[0], got, cur, mwant;
	bool trace_moved;
	int ret;

	if (c->ret_unknown || c->err)
		return count_unmodelled(r, "brk (no result in the trace)");
	if (!p->heap_known && want)
		return count_unmodelled(r, "brk (before the program read its break)");
	r->rep->replayed++;
	ret = unev_sys_brk(r->m, p->model_pid, 0, &cur);
	if (ret)
		return check_result(r, ret, p->model_pid);
	if (!p->heap_known) {
		p->heap_known = true;
		p->heap_start = p->heap_end = c->ret;
		p->model_heap_start = p->model_heap_end = cur;
	}
	if (!want || want == p->heap_end) {
		if (c->ret == p->heap_end) {
			r->rep->agreeing++;
			return 0;
		}
		return add_divergence(r, "%s:%u: pid %d brk: the trace's break is 0x%llx, the "
					 "replay's 0x%llx (a brk the trace does not show?)",
				      r->name, c->line, c->pid, (unsigned long long)c->ret,
				      (unsigned long long)p->heap_end);
	}
	trace_moved = c->ret == want;
	if (want < p->heap_start && p->heap_start - want > p->model_heap_start)
		mwant = 0;
	else
		mwant = p->model_heap_start + (want - p->heap_start);
	ret = unev_sys_brk(r->m, p->model_pid, mwant, &got);
	if (!ret && got != mwant)
		ret = -ENOMEM;	/* glibc's sbrk: the break did not move */
	emit(r, "%s: brk %s%llu\n", p->name, mwant < cur ? "-" : "",
	     (unsigned long long)(mwant < cur ? cur - mwant : mwant - cur));
	emit_expect(r, ret);
	if (!ret) {
		uint64_t old = p->heap_end;

		p->heap_end = want;
		p->model_heap_end = mwant;
		ret = heap_move(r, p, old, want);
		if (ret)
			return ret;
	}
	return check_against(r, ret, trace_moved ? 0 : ENOMEM, p->model_pid);
}

static int replay_mremap(struct replay *r, struct process *p)
{
	const struct trace_call *c = r->c;
	uint64_t old = c->arg[0], old_len = PAGE_UP(c->arg[1]), new_len = c->arg[2], model_new;
	int flags = (int)c->arg[3], ret;
	size_t i = region_map_find(&p->map, old);
	struct region_piece *pc = i < p->map.nr ? &p->map.v[i] : NULL;
	struct region *reg;
	uint32_t region;

	if (flags & ~UNEV_MREMAP_MAYMOVE)
		return count_unmodelled(r, "mremap (MREMAP_FIXED or MREMAP_DONTUNMAP)");
	if (!pc || pc->start != old || pc->end != old + old_len)
		return count_unmodelled(r, "mremap (not of one whole traced mapping)");
	region = pc->region;
	reg = &r->regions[region];
	if (reg->kind == REGION_HEAP || reg->model_base != pc->model_start ||
	    PAGE_UP(reg->len) != old_len || reg->refs != 1)
		return count_unmodelled(r, "mremap (of part of a region)");
	r->rep->replayed++;
	ret = unev_sys_mremap(r->m, p->model_pid, pc->model_start, old_len, new_len, flags, 0,
			      &model_new);
	emit(r, "%s: mremap r%u %llu%s\n", p->name, reg->name, (unsigned long long)new_len,
	     flags & UNEV_MREMAP_MAYMOVE ? " maymove" : "");
	emit_expect(r, ret);
	if (!ret && !c->err) {
		region_map_remove(&p->map, i, 1);
		reg->model_base = model_new;
		reg->len = new_len;
		reg->refs--;
		if (map_insert(r, p, c->ret, c->ret + PAGE_UP(new_len), model_new, region))
			return nomem();
	}
	return check_result(r, ret, p->model_pid);
}

static int replay_mlockall(struct replay *r, struct process *p)
{
	const struct trace_call *c = r->c;
	int ret;

	r->rep->replayed++;
	if (c->sys == TRACE_MUNLOCKALL) {
		ret = unev_sys_munlockall(r->m, p->model_pid);
		emit(r, "%s: munlockall\n", p->name);
	} else {
		int f = (int)c->arg[0];

		ret = unev_sys_mlockall(r->m, p->model_pid, f);
		if (f & ~7)
			emit(r, "%s: mlockall flags=%u\n", p->name, (unsigned int)f);
		else
			emit(r, "%s: mlockall%s%s%s\n", p->name, f & 1 ? " current" : "",
			     f & 2 ? " future" : "", f & 4 ? " onfault" : "");
	}
	emit_expect(r, ret);
	return check_result(r, ret, p->model_pid);
}

static struct shm *shm_find(struct replay *r, uint64_t trace_id)
{
	for (size_t i = r->nr_shms; i-- > 0;)
		if (r->shms[i].trace_id == trace_id && !r->shms[i].removed)
			return &r->shms[i];
	return NULL;
}

static int replay_shm(struct replay *r, struct process *p)
{
	const struct trace_call *c = r->c;
	struct shm *s;
	int ret;

	switch (c->sys) {
	case TRACE_SHMGET: {
		uint64_t key = c->arg[0], size = c->arg[1];

		if (!c->err && (s = shm_find(r, c->ret)) != NULL) {
			/* an existing segment by its key: nothing is created */
			r->rep->replayed++;
			r->rep->agreeing++;
			return 0;
		}
		if (key != T_IPC_PRIVATE && c->err)
			return count_unmodelled(r, "shmget (a failed lookup by key)");
		if (r->nr_shms == r->cap_shms) {
			size_t cap = r->cap_shms ? r->cap_shms * 2 : 8;
			struct shm *v = realloc(r->shms, cap * sizeof(*v));

			if (!v)
				return nomem();
			r->shms = v;
			r->cap_shms = cap;
		}
		s = &r->shms[r->nr_shms];
		memset(s, 0, sizeof(*s));
		r->rep->replayed++;
		ret = unev_shm_create(r->m, size, r->o->task.uid, &s->model_id);
		if (!ret) {
			s->trace_id = c->err ? UINT64_MAX : c->ret;
			s->key = key;
			s->size = size;
			s->name = ++r->next_shm;
			r->nr_shms++;
			emit(r, "shm s%u %llu\n", s->name, (unsigned long long)size);
		} else {
			r->rep->emit_inexact = r->o->emit != NULL;
		}
		return check_result(r, ret, p->model_pid);
	}
	case TRACE_SHMAT: {
		uint64_t model_addr;
		uint32_t region;
		int flg = (int)c->arg[2];

		s = shm_find(r, c->arg[0]);
		if (!s)
			return count_unmodelled(r, "shmat (of a segment made before the trace)");
		r->rep->replayed++;
		ret = unev_sys_shmat(r->m, p->model_pid, s->model_id, flg & T_SHM_RDONLY,
				     &model_addr);
		if (!ret) {
			ret = new_region(r, REGION_SHM, model_addr, s->size, &region);
			if (ret)
				return ret;
			r->regions[region].shm = (int)(s - r->shms);
			emit(r, "%s: shmat s%u r%u%s\n", p->name, s->name, r->regions[region].name,
			     flg & T_SHM_RDONLY ? " rdonly" : "");
			emit_expect(r, 0);
			if (!c->err) {
				int rr;

				rr = unmap_under(r, p, c->ret, c->ret + PAGE_UP(s->size));
				if (rr)
					return rr;
				rr = map_insert(r, p, c->ret, c->ret + PAGE_UP(s->size), model_addr,
						region);
				if (rr)
					return rr;
			}
		}
		return check_result(r, ret, p->model_pid);
	}
	case TRACE_SHMDT: {
		size_t i = region_map_find(&p->map, c->arg[0]);
		uint32_t region;

		if (i == p->map.nr || p->map.v[i].start != c->arg[0] ||
		    r->regions[p->map.v[i].region].kind != REGION_SHM)
			return count_unmodelled(r, "shmdt (outside the traced attaches)");
		region = p->map.v[i].region;
		r->rep->replayed++;
		ret = unev_sys_shmdt(r->m, p->model_pid, p->map.v[i].model_start);
		emit(r, "%s: shmdt r%u\n", p->name, r->regions[region].name);
		emit_expect(r, ret);
		if (!ret && !c->err) {
			/* do_shmdt unmaps every VMA of this attach */
			for (size_t j = 0; j < p->map.nr;) {
				if (p->map.v[j].region == region) {
					region_unref(r, region, 1);
					region_map_remove(&p->map, j, 1);
				} else {
					j++;
				}
			}
		}
		return check_result(r, ret, p->model_pid);
	}
	default: {	/* shmctl */
		int cmd = (int)c->arg[1] & 0xff;
		const char *word = cmd == UNEV_IPC_RMID	   ? "rmid"
				   : cmd == UNEV_SHM_LOCK   ? "lock"
				   : cmd == UNEV_SHM_UNLOCK ? "unlock"
							    : NULL;

		if (!word)
			return count_unmodelled(r, "shmctl (cmd %d: no effect the model has)", cmd);
		s = shm_find(r, c->arg[0]);
		if (!s)
			return count_unmodelled(r, "shmctl (of a segment made before the trace)");
		r->rep->replayed++;
		ret = unev_sys_shmctl(r->m, p->model_pid, s->model_id, cmd);
		emit(r, "%s: shmctl s%u %s\n", p->name, s->name, word);
		emit_expect(r, ret);
		if (!ret && cmd == UNEV_IPC_RMID)
			s->removed = true;
		return check_result(r, ret, p->model_pid);
	}
	}
}

static int drop_map(struct replay *r, struct process *p)
{
	for (size_t i = 0; i < p->map.nr; i++) {
		int ret = region_unref(r, p->map.v[i].region, 1);

		if (ret)
			return ret;
	}
	p->map.nr = 0;
	p->heap_known = false;
	p->heap_region = -1;
	return 0;
}

static int replay_clone(struct replay *r, int parent_idx)
{
	const struct trace_call *c = r->c;
	uint64_t flags = c->sys == TRACE_VFORK ? T_CLONE_VM | T_CLONE_VFORK
			 : c->sys == TRACE_FORK ? 0
						: c->arg[0];
	int child_pid = (int)c->ret, ret, idx;
	struct pid_slot *s;
	struct process *parent, *child;

	if (c->pending)
		return count_unmodelled(r, "%s (unfinished in the trace)", r->t->names[c->name]);
	if (c->err)
		return count_unmodelled(r, "%s (failed in the trace)", r->t->names[c->name]);
	s = pid_slot(r, child_pid, true);
	if (!s)
		return nomem();
	r->rep->replayed++;
	if (flags & T_CLONE_VM) {
		/* a thread, or a vfork child: the same mm (copy_mm with CLONE_VM) */
		s->proc = parent_idx;
		r->procs[parent_idx].users++;
		add_pid_text(&r->procs[parent_idx], child_pid);
		r->rep->agreeing++;
		return 0;
	}
	ret = new_process(r, &idx);
	if (ret)
		return ret;
	s = pid_slot(r, child_pid, false);
	s->proc = idx;
	parent = &r->procs[parent_idx];
	child = &r->procs[idx];
	child->users = 1;
	add_pid_text(child, child_pid);
	ret = unev_sys_fork(r->m, parent->model_pid, &child->model_pid);
	emit(r, "%s: fork %s\n", parent->name, child->name);
	emit_expect(r, ret);
	if (!ret) {
		if (region_map_copy(&child->map, &parent->map))
			return nomem();
		for (size_t i = 0; i < child->map.nr; i++)
			r->regions[child->map.v[i].region].refs++;
		child->heap_known = parent->heap_known;
		child->heap_start = parent->heap_start;
		child->heap_end = parent->heap_end;
		child->model_heap_start = parent->model_heap_start;
		child->model_heap_end = parent->model_heap_end;
		child->heap_region = parent->heap_region;
	} else {
		child->alive = false;
	}
	return check_result(r, ret, parent->model_pid);
}

static int replay_exec(struct replay *r, struct process *p, struct pid_slot *s)
{
	const struct trace_call *c = r->c;
	int ret, idx;

	if (c->err || c->ret_unknown)
		return count_unmodelled(r, "%s (failed: the model has no file system)",
					r->t->names[c->name]);
	r->rep->replayed++;
	if (p->users > 1) {
		/* a thread or vfork child execs: it leaves the shared mm for a
		 * new one (exec_mmap); the model's equivalent is a new task */
		p->users--;
		ret = create_task(r, &idx);
		if (ret)
			return ret;
		s = pid_slot(r, c->pid, false);
		s->proc = idx;
		r->procs[idx].users = 1;
		add_pid_text(&r->procs[idx], c->pid);
		r->rep->agreeing++;
		return 0;
	}
	ret = unev_sys_exec(r->m, p->model_pid);
	emit(r, "%s: exec\n", p->name);
	emit_expect(r, ret);
	if (!ret) {
		ret = drop_map(r, p);
		if (ret)
			return ret;
	}
	return check_result(r, ret, p->model_pid);
}

/* "+++ exited +++": the pid is gone; the mm goes with its last user. */
static int replay_exited(struct replay *r, struct process *p, struct pid_slot *s)
{
	int ret;

	s->proc = -1;
	if (!p->users || --p->users || !p->alive)
		return 0;
	p->alive = false;
	if (!unev_task_alive(r->m, p->model_pid))
		return 0;	/* the model's OOM killer got it first */
	ret = unev_sys_exit(r->m, p->model_pid);
	emit(r, "%s: exit\n", p->name);
	emit_expect(r, ret);
	if (ret)
		r->rep->emit_inexact = r->o->emit != NULL;
	return drop_map(r, p);
}

static int replay_call(struct replay *r, const struct trace_call *c)
{
	struct process *p;
	struct pid_slot *s;
	int ret, idx;

	r->c = c;
	if (c->sys != TRACE_EV_EXITED)
		r->rep->calls++;
	if (c->sys == TRACE_EV_ORPHAN)
		return count_unmodelled(r, "%s (resumed, started before the trace)",
					r->t->names[c->name]);
	if (c->sys == TRACE_OTHER)
		return count_unmodelled(r, "%s", r->t->names[c->name]);
	if (c->sys == TRACE_EV_EXITED) {
		s = pid_slot(r, c->pid, false);
		if (!s || s->proc < 0)
			return 0;
		return replay_exited(r, &r->procs[s->proc], s);
	}
	if (c->pending && c->sys != TRACE_CLONE && c->sys != TRACE_CLONE3 &&
	    c->sys != TRACE_FORK && c->sys != TRACE_VFORK)
		return count_unmodelled(r, "%s (unfinished in the trace)", r->t->names[c->name]);
	if (c->bad_args)
		return count_unmodelled(r, "%s (arguments the reader does not know)",
					r->t->names[c->name]);
	ret = proc_of(r, c->pid, &p);
	if (ret)
		return ret;
	idx = (int)(p - r->procs);
	if (!p->alive || !unev_task_alive(r->m, p->model_pid)) {
		if (c->sys == TRACE_EXIT || c->sys == TRACE_EXIT_GROUP)
			return count_unmodelled(r, "%s (of a task the model already ended)",
						r->t->names[c->name]);
		r->rep->replayed++;
		return check_result(r, -ESRCH, p->model_pid);
	}
	switch (c->sys) {
	case TRACE_MMAP:
		return replay_mmap(r, p);
	case TRACE_MUNMAP:
	case TRACE_MPROTECT:
	case TRACE_MADVISE:
	case TRACE_MLOCK:
	case TRACE_MLOCK2:
	case TRACE_MUNLOCK:
		return replay_range(r, p);
	case TRACE_BRK:
		return replay_brk(r, p);
	case TRACE_MREMAP:
		return replay_mremap(r, p);
	case TRACE_MLOCKALL:
	case TRACE_MUNLOCKALL:
		return replay_mlockall(r, p);
	case TRACE_SHMGET:
	case TRACE_SHMAT:
	case TRACE_SHMDT:
	case TRACE_SHMCTL:
		return replay_shm(r, p);
	case TRACE_CLONE:
	case TRACE_CLONE3:
	case TRACE_FORK:
	case TRACE_VFORK:
		return replay_clone(r, idx);
	case TRACE_EXECVE:
	case TRACE_EXECVEAT:
		return replay_exec(r, p, pid_slot(r, c->pid, false));
	case TRACE_EXIT:
	case TRACE_EXIT_GROUP:
		/* the task ends at its "+++ exited" line, when every thread has */
		r->rep->replayed++;
		r->rep->unchecked++;
		return 0;
	default:
		return count_unmodelled(r, "%s", r->t->names[c->name]);
	}
}

/* ---- the run ---- */

void replay_options_default(struct replay_options *o)
{
	memset(o, 0, sizeof(*o));
	unev_machine_config_default(&o->machine);
	unev_task_config_default(&o->task);
	o->task.memlock = SCENARIO_DEFAULT_MEMLOCK;
	o->task.cap_ipc_lock = true;
	o->until_usec = UINT64_MAX;
}

void replay_report_free(struct replay_report *rep)
{
	if (!rep)
		return;
	for (size_t i = 0; i < rep->nr_unmodelled; i++)
		free(rep->unmodelled[i].name);
	for (size_t i = 0; i < rep->nr_divergences; i++)
		free(rep->divergences[i].text);
	for (size_t i = 0; i < rep->nr_procs; i++) {
		free(rep->procs[i].regions);
		free(rep->procs[i].smaps);
	}
	for (size_t i = 0; i < rep->nr_files; i++)
		free(rep->files[i].path);
	free(rep->unmodelled);
	free(rep->divergences);
	free(rep->procs);
	free(rep->files);
	free(rep);
}

static int final_state(struct replay *r)
{
	struct replay_report *rep = r->rep;

	rep->procs = calloc(r->nr_procs ? r->nr_procs : 1, sizeof(*rep->procs));
	if (!rep->procs)
		return nomem();
	for (size_t i = 0; i < r->nr_procs; i++) {
		struct process *p = &r->procs[i];
		struct replay_process *rp = &rep->procs[rep->nr_procs++];

		memcpy(rp->name, p->name, sizeof(rp->name));
		memcpy(rp->pids, p->pids, sizeof(rp->pids));
		rp->model_pid = p->model_pid;
		rp->alive = p->alive && unev_task_alive(r->m, p->model_pid);
		if (!rp->alive)
			continue;
		unev_status_read(r->m, p->model_pid, "VmLck", &rp->vmlck_kb);
		unev_smaps_read(r->m, p->model_pid, 0, MODEL_TASK_SIZE, "Locked", &rp->locked_kb);
		emit(r, "expect %s status VmLck = %llu\n", p->name,
		     (unsigned long long)rp->vmlck_kb);
		if (r->o->want_smaps) {
			rp->smaps = unev_proc_smaps(r->m, p->model_pid, 0, MODEL_TASK_SIZE);
			if (!rp->smaps)
				return nomem();
		}
		rp->regions = calloc(p->map.nr ? p->map.nr : 1, sizeof(*rp->regions));
		if (!rp->regions)
			return nomem();
		for (size_t j = 0; j < p->map.nr; j++) {
			const struct region_piece *pc = &p->map.v[j];
			const struct region *reg = &r->regions[pc->region];
			struct replay_region_view *v = &rp->regions[rp->nr_regions++];

			v->start = pc->start;
			v->end = pc->end;
			v->model_start = pc->model_start;
			region_name(r, pc->region, v->name, sizeof(v->name));
			v->what = reg->kind == REGION_HEAP   ? "heap"
				  : reg->kind == REGION_SHM  ? "shm"
				  : reg->kind == REGION_FILE ? r->rep->files[reg->file].path
							     : "anon";
		}
	}
	unev_drain_all(r->m);
	unev_vmstat_read(r->m, "unevictable_pgs_mlocked", &rep->vmstat_mlocked);
	unev_vmstat_read(r->m, "unevictable_pgs_munlocked", &rep->vmstat_munlocked);
	unev_meminfo_read(r->m, "Mlocked", &rep->meminfo_mlocked_kb);
	emit(r, "drain\nexpect vmstat unevictable_pgs_mlocked = %llu\n"
		"expect vmstat unevictable_pgs_munlocked = %llu\nexpect meminfo Mlocked = %llu kB\n",
	     (unsigned long long)rep->vmstat_mlocked, (unsigned long long)rep->vmstat_munlocked,
	     (unsigned long long)rep->meminfo_mlocked_kb);
	return 0;
}

static int add_name(struct replay *r, char *name, bool made)
{
	char **v = realloc(r->names, (r->nr_names + 1) * sizeof(*v));

	if (!v) {
		if (made)
			free(name);
		return nomem();
	}
	r->names = v;
	r->names[r->nr_names++] = name;
	r->nr_made += made;
	return 0;
}

/*
 * Which file each mmap of a file maps: its -y path; without -y, the
 * descriptor alone, which ld.so reuses for every library it loads.  So a
 * mapping of fd N at offset 0 without MAP_FIXED (ld.so's first mapping of
 * a library, or a program's own mmap of a file) begins a new file, and
 * the MAP_FIXED or offset mappings of fd N after it map that same file.
 */
static int name_files(struct replay *r)
{
	const struct trace *t = r->t;
	struct fd_file {
		int pid, fd, name;
	} *open_files = NULL;
	size_t nr_open = 0;
	unsigned int made = 0;
	int ret = 0;

	r->call_file = malloc((t->nr_calls + 1) * sizeof(*r->call_file));
	if (!r->call_file)
		return nomem();
	for (size_t i = 0; i < t->nr_paths; i++) {
		ret = add_name(r, t->paths[i], false);
		if (ret)
			return ret;
	}
	for (size_t i = 0; i < t->nr_calls && !ret; i++) {
		const struct trace_call *c = &t->calls[i];
		int fd = (int)(int64_t)c->arg[4], flags = (int)c->arg[3];
		size_t j;

		r->call_file[i] = -1;
		if (c->sys != TRACE_MMAP || c->bad_args || c->pending || (flags & T_MAP_ANONYMOUS))
			continue;
		if (c->path >= 0) {
			r->call_file[i] = c->path;
			continue;
		}
		if (fd < 0)
			continue;
		for (j = nr_open; j-- > 0;)
			if (open_files[j].pid == c->pid && open_files[j].fd == fd)
				break;
		if (j == (size_t)-1 || (!c->arg[5] && !(flags & T_MAP_FIXED))) {
			struct fd_file *v = realloc(open_files, (nr_open + 1) * sizeof(*v));
			char *name;

			if (!v || asprintf(&name, "fd %d of pid %d, file %u", fd, c->pid, ++made) < 0) {
				if (v)
					open_files = v;
				ret = nomem();
				break;
			}
			open_files = v;
			ret = add_name(r, name, true);
			if (ret)
				break;
			open_files[nr_open++] = (struct fd_file){c->pid, fd, (int)r->nr_names - 1};
			j = nr_open - 1;
		}
		r->call_file[i] = open_files[j].name;
	}
	free(open_files);
	return ret;
}

int replay_run(const char *name, const struct trace *t, const struct replay_options *o,
	       struct replay_report **out, char *err, size_t errlen)
{
	struct replay r = {.name = name, .t = t, .o = o};
	struct timeline *tl = NULL;
	int ret = -ENOMEM;

	r.rep = calloc(1, sizeof(*r.rep));
	if (!r.rep)
		goto out;
	ret = name_files(&r);
	if (ret)
		goto out;
	ret = -ENOMEM;
	r.file_of_path = malloc((r.nr_names + 1) * sizeof(*r.file_of_path));
	r.path_extent = calloc(r.nr_names + 1, sizeof(*r.path_extent));
	r.files = calloc(r.nr_names + 1, sizeof(*r.files));
	r.rep->files = calloc(r.nr_names + 1, sizeof(*r.rep->files));
	if (!r.file_of_path || !r.path_extent || !r.files || !r.rep->files)
		goto out;
	r.rep->lines = t->nr_lines;
	for (size_t i = 0; i < r.nr_names; i++)
		r.file_of_path[i] = -1;
	for (size_t i = 0; i < t->nr_calls; i++) {
		const struct trace_call *c = &t->calls[i];
		int f = r.call_file[i];

		if (f >= 0 && c->arg[5] + c->arg[1] > r.path_extent[f])
			r.path_extent[f] = c->arg[5] + c->arg[1];
	}
	ret = unev_machine_create(&o->machine, &r.m);
	if (ret) {
		snprintf(err, errlen, "%s: the model cannot create this machine (%s)", name,
			 strerror(-ret));
		goto out;
	}
	emit(&r, "# unevict replay of %s (trace lines are quoted in comments)\n", name);
	emit(&r, "machine%s%s\n", o->machine_text && *o->machine_text ? " " : "",
	     o->machine_text ? o->machine_text : "");
	if (o->memcg) {
		ret = unev_memcg_create(r.m, "replay", 0, o->memcg_limit, &r.memcg);
		if (ret) {
			snprintf(err, errlen, "%s: the model cannot create the memcg (%s)", name,
				 strerror(-ret));
			goto out;
		}
		r.oom = true;
		emit(&r, "memcg replay limit=%llu\n", (unsigned long long)o->memcg_limit);
	}
	if (o->timeline) {
		static const char *const memcgs[] = {"replay"};

		ret = timeline_create(o->timeline, o->machine.nodes, memcgs, o->memcg ? 1 : 0,
				      &tl);
		if (ret) {
			snprintf(err, errlen, "%s: cannot start the timeline (%s)", name,
				 strerror(-ret));
			goto out;
		}
	}
	for (size_t i = 0; i < t->nr_calls; i++) {
		const struct trace_call *c = &t->calls[i];

		if (o->until_line && c->line >= o->until_line)
			continue;
		if (c->usec != UINT64_MAX && c->usec >= o->until_usec)
			continue;
		if (o->progress && !(i & 0xffff))
			o->progress(o->progress_ctx, i, t->nr_calls);
		ret = replay_call(&r, c);
		if (!ret && tl) {
			char text[96];

			/* the trace's line and the call: the timeline's step */
			snprintf(text, sizeof(text), "%d %s", c->pid,
				 c->sys == TRACE_EV_EXITED ? "+++ exited +++" : t->names[c->name]);
			ret = timeline_row(tl, r.m, c->line, text);
		}
		if (ret) {
			snprintf(err, errlen, "%s:%u: %s", name, c->line,
				 ret == -ENOMEM ? "out of memory" : strerror(-ret));
			goto out;
		}
	}
	ret = final_state(&r);
	if (ret) {
		snprintf(err, errlen, "%s: out of memory", name);
		goto out;
	}
	*out = r.rep;
	r.rep = NULL;
out:
	if (tl && timeline_destroy(tl) && !ret) {
		snprintf(err, errlen, "%s: cannot write the timeline", name);
		ret = -EIO;
		replay_report_free(*out);
		*out = NULL;
	}
	if (ret == -ENOMEM && !err[0])
		snprintf(err, errlen, "%s: out of memory", name);
	for (size_t i = 0; i < r.nr_procs; i++)
		region_map_free(&r.procs[i].map);
	free(r.procs);
	free(r.pids);
	free(r.regions);
	free(r.free_names);
	free(r.file_of_path);
	for (size_t i = r.nr_names - r.nr_made; i < r.nr_names; i++)
		free(r.names[i]);
	free(r.names);
	free(r.call_file);
	free(r.files);
	free(r.path_extent);
	free(r.shms);
	replay_report_free(r.rep);
	if (r.m)
		unev_machine_destroy(r.m);
	return ret;
}
