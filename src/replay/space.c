/*
 * space.c - the replay's processes and regions: which model task a pid
 * is, region names, and edits of a process's trace-address map
 * (replay_internal.h, regions.h).
 */
#include "replay_internal.h"

#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct pid_slot *replay_pid_slot(struct replay *r, int pid, bool insert)
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

void replay_add_pid_text(struct process *p, int pid)
{
	size_t n = strlen(p->pids);

	if (n + 12 < sizeof(p->pids))
		snprintf(p->pids + n, sizeof(p->pids) - n, "%s%d", n ? "," : "", pid);
	else if (n + 4 < sizeof(p->pids) && strcmp(p->pids + n - 3, "..."))
		strcat(p->pids, ",...");
}

/* Room for @need elements of @size in *v (capacity *cap, doubled). */
int replay_grow(void **v, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 8;
	void *nv;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	nv = realloc(*v, c * size);
	if (!nv)
		return -ENOMEM;
	*v = nv;
	*cap = c;
	return 0;
}

int replay_new_process(struct replay *r, int *out)
{
	struct process *p;

	if (replay_grow((void **)&r->procs, &r->cap_procs, r->nr_procs + 1, sizeof(*p)))
		return replay_nomem();
	p = &r->procs[r->nr_procs];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "t%u", ++r->next_task);
	p->alive = true;
	p->heap_region = -1;
	*out = (int)r->nr_procs++;
	return 0;
}

/* A fresh process (the trace's first pid, or an exec in a shared mm). */
int replay_create_task(struct replay *r, int *out)
{
	struct unev_task_config cfg = r->o->task;
	int ret, idx;

	ret = replay_new_process(r, &idx);
	if (ret)
		return ret;
	if (r->memcg)
		cfg.memcg = r->memcg;
	ret = unev_task_create(r->m, &cfg, &r->procs[idx].model_pid);
	if (ret)
		return ret;
	replay_emit(r, "task %s%s cpu=%u uid=%u%s", r->procs[idx].name, r->memcg ? " memcg=replay" : "",
	     cfg.cpu, cfg.uid, cfg.cap_ipc_lock ? " cap_ipc_lock" : "");
	if (cfg.memlock == UNEV_RLIM_INFINITY)
		replay_emit(r, " memlock=unlimited\n");
	else
		replay_emit(r, " memlock=%llu\n", (unsigned long long)cfg.memlock);
	*out = idx;
	return 0;
}

int replay_proc_of(struct replay *r, int pid, struct process **out)
{
	struct pid_slot *s = replay_pid_slot(r, pid, true);
	int ret, idx;

	if (!s)
		return replay_nomem();
	if (s->proc < 0) {
		ret = replay_create_task(r, &idx);
		if (ret)
			return ret;
		s = replay_pid_slot(r, pid, false);
		s->proc = idx;
		r->procs[idx].users = 1;
		replay_add_pid_text(&r->procs[idx], pid);
	}
	*out = &r->procs[s->proc];
	return 0;
}

/* ---- regions ---- */

int replay_new_region(struct replay *r, enum region_kind kind, uint64_t model_base,
		      uint64_t len, uint32_t *out)
{
	struct region *reg;

	if (replay_grow((void **)&r->regions, &r->cap_regions, r->nr_regions + 1, sizeof(*reg)))
		return replay_nomem();
	reg = &r->regions[r->nr_regions];
	memset(reg, 0, sizeof(*reg));
	reg->kind = kind;
	reg->model_base = model_base;
	reg->len = len;
	reg->file = reg->shm = -1;
	if (kind != REGION_HEAP && kind != REGION_LEFT)
		reg->name = r->nr_free_names ? r->free_names[--r->nr_free_names] : ++r->next_name;
	*out = (uint32_t)r->nr_regions++;
	return 0;
}

/* A region's name is free again once no process has a piece of it, so a
 * long trace's scenario keeps few names bound. */
int replay_region_unref(struct replay *r, uint32_t region, uint32_t n)
{
	struct region *reg = &r->regions[region];

	reg->refs -= n;
	if (reg->refs || reg->kind == REGION_HEAP || reg->kind == REGION_LEFT)
		return 0;
	if (replay_grow((void **)&r->free_names, &r->cap_free_names, r->nr_free_names + 1,
			sizeof(*r->free_names)))
		return replay_nomem();
	r->free_names[r->nr_free_names++] = reg->name;
	reg->name = UINT32_MAX;
	return 0;
}

int replay_map_insert(struct replay *r, struct process *p, uint64_t start, uint64_t end,
		      uint64_t model_start, uint32_t region)
{
	struct region_piece piece = {start, end, model_start, region};

	if (region_map_insert(&p->map, &piece))
		return replay_nomem();
	r->regions[region].refs++;
	return 0;
}

/*
 * The model's segments of the trace's [start, end): one per run of pieces
 * of one region that the model holds contiguously.  *hole: part of the
 * range is in no piece.  With @split the pieces are first split at start
 * and end, so the caller may edit or remove exactly those pieces; *first
 * and *n then give them.
 */
int replay_map_split(struct replay *r, struct process *p, uint64_t addr)
{
	size_t nr = p->map.nr;

	if (region_map_split(&p->map, addr))
		return replay_nomem();
	if (p->map.nr != nr)	/* one more piece of the region */
		r->regions[p->map.v[region_map_find(&p->map, addr)].region].refs++;
	return 0;
}

int replay_resolve(struct replay *r, struct process *p, uint64_t start, uint64_t end,
		   bool split, struct segments *segs, bool *hole, size_t *first, size_t *n)
{
	size_t i;
	uint64_t at = start;

	*hole = false;
	segs->nr = 0;
	if (split && (replay_map_split(r, p, start) || replay_map_split(r, p, end)))
		return replay_nomem();
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
				return replay_nomem();
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

/*
 * Whether the scenario can name memory of @region: not outside every
 * region (UINT32_MAX), not the range MREMAP_DONTUNMAP left.  If not, a
 * comment says so in its place and the emitted scenario is inexact.
 */
bool replay_can_say(struct replay *r, uint32_t region)
{
	const struct trace_call *c = r->c;

	if (region != UINT32_MAX && r->regions[region].kind != REGION_LEFT)
		return true;
	replay_emit(r, "# trace line %u: %s %s: cannot be said\n", c->line, r->t->names[c->name],
		    region == UINT32_MAX ? "at an address outside the regions"
					 : "on the range an mremap(MREMAP_DONTUNMAP) left");
	r->rep->emit_inexact = r->o->emit != NULL;
	return false;
}

/* "REGION OFF LEN" of a segment, for the scenario. */
void replay_emit_range(struct replay *r, const struct segment *s)
{
	char name[24];

	replay_region_name(r, s->region, name, sizeof(name));
	replay_emit(r, " %s %llu %llu", name,
		     (unsigned long long)(s->model_start - r->regions[s->region].model_base),
		     (unsigned long long)s->len);
}

/* munmap of the trace's [start, end) in the model, segment by segment,
 * and out of the map.  First error in *first_err. */
int replay_unmap_range(struct replay *r, struct process *p, uint64_t start, uint64_t end,
		       int *first_err)
{
	struct segments segs = {0};
	size_t first, n;
	bool hole;
	int ret;

	*first_err = 0;
	ret = replay_resolve(r, p, start, end, true, &segs, &hole, &first, &n);
	if (ret)
		goto out;
	for (size_t i = 0; i < segs.nr; i++) {
		int e = unev_sys_munmap(r->m, p->model_pid, segs.v[i].model_start, segs.v[i].len);

		if (replay_can_say(r, segs.v[i].region)) {
			replay_emit(r, "%s: munmap", p->name);
			replay_emit_range(r, &segs.v[i]);
			replay_emit(r, "\n");
			replay_emit_expect(r, e);
		}
		if (e && !*first_err)
			*first_err = e;
	}
	for (size_t i = first; i < first + n; i++) {
		ret = replay_region_unref(r, p->map.v[i].region, 1);
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
int replay_file_for_path(struct replay *r, int path, int *out)
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
	replay_emit(r, "# f%u is %s (%s, size from %s)\nfile f%u fs=%s size=%llu\n", r->next_file,
	     name, fs_name, f->size_from, r->next_file, fs_name, (unsigned long long)f->size);
	fv = &r->rep->files[r->rep->nr_files++];
	fv->path = strdup(name);
	if (!fv->path)
		return replay_nomem();
	fv->size = f->size;
	fv->size_from = f->size_from;
	fv->fs = fs_name;
	r->file_of_path[path] = (int)r->nr_files;
	*out = (int)r->nr_files++;
	return 0;
}
