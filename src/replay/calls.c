/*
 * calls.c - each system call of the trace on the model (replay_internal.h).
 */
#include "replay_internal.h"

#include "exec.h"
#include "scenario.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


static int touch_segment(struct replay *r, struct process *p, const struct segment *s)
{
	int e = unev_touch(r->m, p->model_pid, s->model_start, s->len, true);

	if (!replay_can_say(r, s->region))
		return 0;
	replay_emit(r, "%s: touch", p->name);
	replay_emit_range(r, s);
	replay_emit(r, " write\n");
	replay_emit_expect(r, e);
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
	return replay_unmap_range(r, p, start, end, &e);
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
			return replay_count_unmodelled(r, "mmap (of %s)",
						path[0] == '/' ? "a device" : "a special file");
		}
	}
	if (!anon && fd < 0)
		return replay_count_unmodelled(r, "mmap (of fd %d)", fd);
	if (flags & T_MAP_HUGETLB)
		return replay_count_unmodelled(r, "mmap (MAP_HUGETLB: the model reserves no huge pages)");
	if (c->err && (flags & (T_MAP_FIXED | T_MAP_FIXED_NOREPLACE)))
		return replay_count_unmodelled(r, "mmap (a fixed address refused)");
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
		ret = replay_file_for_path(r, r->call_file[c - r->t->calls], &file);
		if (ret)
			return ret;
		kind = REGION_FILE;
		ret = unev_sys_mmap_file(r->m, p->model_pid, 0, len, prot, mflags,
					 r->files[file].ino, off, &model_addr);
	}
	if (!ret) {
		int rr = replay_new_region(r, kind, model_addr, len, &region);

		if (rr)
			return rr;
		r->regions[region].file = file;
		replay_region_name(r, region, rname, sizeof(rname));
	}
	replay_emit(r, "%s: mmap %s %llu prot=%s %s", p->name, rname, (unsigned long long)len,
	     replay_prot_word(prot, pw), mflags & T_MAP_SHARED ? "shared" : "private");
	if (file >= 0)
		replay_emit(r, " file=f%d off=%llu", file + 1, (unsigned long long)off);
	replay_emit(r, "%s%s\n", mflags & T_MAP_LOCKED ? " locked" : "",
	     mflags & T_MAP_POPULATE ? " populate" : "");
	replay_emit_expect(r, ret);
	if (!ret && !c->err) {
		int rr = replay_map_insert(r, p, c->ret, c->ret + alen, model_addr, region);

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

		replay_emit(r, "%s: munmap %s\n", p->name, rname);
		replay_emit_expect(r, u);
		r->regions[region].refs = 1;
		rr = replay_region_unref(r, region, 1);
		if (rr)
			return rr;
	}
	return replay_check_result(r, ret, p->model_pid);
}

/*
 * The scenario's word for a madvise advice number: the parser's name of the
 * advice that call_args.c maps to it (one table for the language, the
 * model and the live side), NULL for an advice the language has not.
 */
static const char *advice_word(int advice)
{
	int v;

	for (int a = 0; (v = exec_advice((enum scenario_advice)a)) >= 0; a++)
		if (v == advice)
			return scenario_advice_name((enum scenario_advice)a);
	return NULL;
}

/*
 * One model call of a range call on a segment, and its .uvs statement
 * (a segment outside every region - region UINT32_MAX - or on what an
 * mremap(MREMAP_DONTUNMAP) left cannot be said: replay_can_say).
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
	if (replay_can_say(r, s->region)) {
		replay_emit(r, "%s: %s", p->name, r->t->names[c->name]);
		replay_emit_range(r, s);
		if (c->sys == TRACE_MPROTECT)
			replay_emit(r, " %s", replay_prot_word(arg & 7, pw));
		if (c->sys == TRACE_MADVISE)
			replay_emit(r, " %s", advice_word(advice));
		if (c->sys == TRACE_MLOCK2 && (arg & ~UNEV_MLOCK_ONFAULT))
			replay_emit(r, " flags=%u", (unsigned int)arg);
		else if (c->sys == TRACE_MLOCK2 && arg)
			replay_emit(r, " onfault");
		replay_emit(r, "\n");
		replay_emit_expect(r, e);
	}
	if (!e && c->sys == TRACE_MPROTECT && (arg & UNEV_PROT_WRITE) && s->region != UINT32_MAX &&
	    r->o->touch == REPLAY_TOUCH_WRITTEN)
		touch_segment(r, p, s);
	if (alone)
		return replay_check_result(r, e, p->model_pid);
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
			return replay_count_unmodelled(r, "madvise (advice %d: no effect the model has)",
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
	ret = replay_resolve(r, p, start, end, c->sys == TRACE_MUNMAP, &segs, &hole, &first, &n);
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
		ret = replay_count_unmodelled(r, "%s (%s the traced regions)", name,
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
			ret = replay_region_unref(r, p->map.v[i].region, 1);
			if (ret)
				goto out;
		}
		region_map_remove(&p->map, first, n);
	}
	ret = replay_check_result(r, first_err, p->model_pid);
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

		ret = replay_new_region(r, REGION_HEAP, p->model_heap_start, 0, &region);
		if (ret)
			return ret;
		p->heap_region = (int)region;
	}
	if (to > from) {
		struct segment s = {p->model_heap_start + (from - p->heap_start), to - from,
				    (uint32_t)p->heap_region};

		ret = replay_map_insert(r, p, from, to, s.model_start, s.region);
		if (ret)
			return ret;
		if (r->o->touch == REPLAY_TOUCH_WRITTEN)
			touch_segment(r, p, &s);
	} else if (to < from) {
		struct segments segs = {0};
		size_t first, n;
		bool hole;

		ret = replay_resolve(r, p, to, from, true, &segs, &hole, &first, &n);
		free(segs.v);
		if (ret)
			return ret;
		for (size_t i = first; i < first + n; i++)
			replay_region_unref(r, p->map.v[i].region, 1);
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
		return replay_count_unmodelled(r, "brk (no result in the trace)");
	if (!p->heap_known && want)
		return replay_count_unmodelled(r, "brk (before the program read its break)");
	r->rep->replayed++;
	ret = unev_sys_brk(r->m, p->model_pid, 0, &cur);
	if (ret)
		return replay_check_result(r, ret, p->model_pid);
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
		return replay_add_divergence(r, "%s:%u: pid %d brk: the trace's break is 0x%llx, the "
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
	replay_emit(r, "%s: brk %s%llu\n", p->name, mwant < cur ? "-" : "",
	     (unsigned long long)(mwant < cur ? cur - mwant : mwant - cur));
	replay_emit_expect(r, ret);
	if (!ret) {
		uint64_t old = p->heap_end;

		p->heap_end = want;
		p->model_heap_end = mwant;
		ret = heap_move(r, p, old, want);
		if (ret)
			return ret;
	}
	return replay_check_against(r, ret, trace_moved ? 0 : ENOMEM, p->model_pid);
}

/*
 * MREMAP_FIXED's new address, for the model: a trace address inside one
 * piece of the map, [new, new + len) all in it (a program moves memory into
 * a range it reserved, as allocators do), is that piece's model address
 * plus the offset.  -ENOENT when the range is not inside one piece: where
 * the model would have to put it is unknown.
 */
static int fixed_target(const struct process *p, uint64_t new, uint64_t len,
			uint64_t *model_new, uint32_t *region)
{
	size_t i = region_map_find(&p->map, new);
	const struct region_piece *pc = i < p->map.nr ? &p->map.v[i] : NULL;

	if (!pc || pc->start > new || new + len > pc->end || new + len < new)
		return -ENOENT;
	*model_new = pc->model_start + (new - pc->start);
	*region = pc->region;
	return 0;
}

/*
 * The trace map after a successful mremap of piece i: the old range goes
 * (or, with MREMAP_DONTUNMAP, stays as a range no statement names: the
 * kernel keeps the VMA, empty), what lay at the new range is gone (the
 * kernel unmapped it, MREMAP_FIXED), and the region is at the new range.
 */
static int remap_pieces(struct replay *r, struct process *p, size_t i, int flags,
			uint64_t new, uint64_t new_len, uint64_t model_new)
{
	struct region_piece *pc = &p->map.v[i];
	uint32_t region = pc->region, left;
	struct region *reg;
	struct segments segs = {0};
	size_t first, n;
	bool hole;
	int ret;

	if (flags & UNEV_MREMAP_DONTUNMAP) {
		uint64_t at = pc->model_start, len = pc->end - pc->start;

		ret = replay_new_region(r, REGION_LEFT, at, len, &left);
		if (ret)
			return ret;
		p->map.v[i].region = left;	/* (the table may have moved) */
		r->regions[left].refs = 1;
		r->regions[left].file = r->regions[region].file;
	} else {
		region_map_remove(&p->map, i, 1);
	}
	reg = &r->regions[region];
	reg->refs--;
	if (flags & UNEV_MREMAP_FIXED) {
		ret = replay_resolve(r, p, new, new + PAGE_UP(new_len), true, &segs, &hole, &first,
				     &n);
		free(segs.v);
		if (ret)
			return ret;
		for (size_t k = first; k < first + n; k++) {
			ret = replay_region_unref(r, p->map.v[k].region, 1);
			if (ret)
				return ret;
		}
		region_map_remove(&p->map, first, n);
	}
	reg->model_base = model_new;
	reg->len = new_len;
	return replay_map_insert(r, p, new, new + PAGE_UP(new_len), model_new, region);
}

/*
 * mremap of one whole traced mapping (mremap.c's checks, moves and
 * unmapping are the model's): MREMAP_MAYMOVE, MREMAP_FIXED to a range
 * inside one traced mapping (fixed=OTHER fixed_off=OFF in the scenario),
 * MREMAP_DONTUNMAP.
 */
static int replay_mremap(struct replay *r, struct process *p)
{
	const struct trace_call *c = r->c;
	uint64_t old = c->arg[0], old_len = PAGE_UP(c->arg[1]), new_len = c->arg[2], model_new;
	uint64_t fixed_model = 0;
	int flags = (int)c->arg[3], ret;
	size_t i = region_map_find(&p->map, old);
	struct region_piece *pc = i < p->map.nr ? &p->map.v[i] : NULL;
	const int known = UNEV_MREMAP_MAYMOVE | UNEV_MREMAP_FIXED | UNEV_MREMAP_DONTUNMAP;
	struct region *reg;
	uint32_t region, target = 0;
	char fixed[48] = "";

	if (flags & ~known)
		return replay_count_unmodelled(r, "mremap (flags 0x%x)", (unsigned int)flags);
	if (!pc || pc->start != old || pc->end != old + old_len)
		return replay_count_unmodelled(r, "mremap (not of one whole traced mapping)");
	region = pc->region;
	reg = &r->regions[region];
	if (reg->kind == REGION_HEAP || reg->kind == REGION_LEFT ||
	    reg->model_base != pc->model_start || PAGE_UP(reg->len) != old_len || reg->refs != 1)
		return replay_count_unmodelled(r, "mremap (of part of a region)");
	if ((flags & UNEV_MREMAP_FIXED) && !(flags & UNEV_MREMAP_MAYMOVE)) {
		/* EINVAL before new_address is looked at (strace does not
		 * show it then): any address says it, the region's own */
		target = region;
		fixed_model = pc->model_start;
		snprintf(fixed, sizeof(fixed), " fixed=r%u", reg->name);
	} else if (flags & UNEV_MREMAP_FIXED) {
		char tname[24];

		if (c->nargs < 5 ||
		    fixed_target(p, c->arg[4], PAGE_UP(new_len), &fixed_model, &target))
			return replay_count_unmodelled(r, "mremap (MREMAP_FIXED to a range not inside "
						       "one traced mapping)");
		replay_region_name(r, target, tname, sizeof(tname));
		snprintf(fixed, sizeof(fixed), " fixed=%s fixed_off=%llu", tname,
			 (unsigned long long)(fixed_model - r->regions[target].model_base));
	}
	r->rep->replayed++;
	ret = unev_sys_mremap(r->m, p->model_pid, pc->model_start, old_len, new_len, flags,
			      fixed_model, &model_new);
	if (!(flags & UNEV_MREMAP_FIXED) || replay_can_say(r, target)) {
		replay_emit(r, "%s: mremap r%u %llu%s%s%s\n", p->name, reg->name,
			    (unsigned long long)new_len,
			    flags & UNEV_MREMAP_MAYMOVE ? " maymove" : "", fixed,
			    flags & UNEV_MREMAP_DONTUNMAP ? " dontunmap" : "");
		replay_emit_expect(r, ret);
	}
	if (!ret && !c->err) {
		ret = remap_pieces(r, p, i, flags, c->ret, new_len, model_new);
		if (ret)
			return ret;
	} else if (!ret) {
		/* the kernel refused, the model moved it: the program's later
		 * calls on its range act where the model has the region now,
		 * as the scenario's name of it does */
		p->map.v[i].model_start = model_new;
		reg->model_base = model_new;
		reg->len = new_len;
	}
	return replay_check_result(r, ret, p->model_pid);
}

static int replay_mlockall(struct replay *r, struct process *p)
{
	const struct trace_call *c = r->c;
	int ret;

	r->rep->replayed++;
	if (c->sys == TRACE_MUNLOCKALL) {
		ret = unev_sys_munlockall(r->m, p->model_pid);
		replay_emit(r, "%s: munlockall\n", p->name);
	} else {
		int f = (int)c->arg[0];

		ret = unev_sys_mlockall(r->m, p->model_pid, f);
		if (f & ~7)
			replay_emit(r, "%s: mlockall flags=%u\n", p->name, (unsigned int)f);
		else
			replay_emit(r, "%s: mlockall%s%s%s\n", p->name, f & 1 ? " current" : "",
			     f & 2 ? " future" : "", f & 4 ? " onfault" : "");
	}
	replay_emit_expect(r, ret);
	return replay_check_result(r, ret, p->model_pid);
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
			return replay_count_unmodelled(r, "shmget (a failed lookup by key)");
		if (replay_grow((void **)&r->shms, &r->cap_shms, r->nr_shms + 1, sizeof(*s)))
			return replay_nomem();
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
			replay_emit(r, "shm s%u %llu\n", s->name, (unsigned long long)size);
		} else {
			r->rep->emit_inexact = r->o->emit != NULL;
		}
		return replay_check_result(r, ret, p->model_pid);
	}
	case TRACE_SHMAT: {
		uint64_t model_addr;
		uint32_t region;
		int flg = (int)c->arg[2];

		s = shm_find(r, c->arg[0]);
		if (!s)
			return replay_count_unmodelled(r, "shmat (of a segment made before the trace)");
		r->rep->replayed++;
		ret = unev_sys_shmat(r->m, p->model_pid, s->model_id, flg & T_SHM_RDONLY,
				     &model_addr);
		if (!ret) {
			ret = replay_new_region(r, REGION_SHM, model_addr, s->size, &region);
			if (ret)
				return ret;
			r->regions[region].shm = (int)(s - r->shms);
			replay_emit(r, "%s: shmat s%u r%u%s\n", p->name, s->name, r->regions[region].name,
			     flg & T_SHM_RDONLY ? " rdonly" : "");
			replay_emit_expect(r, 0);
			if (!c->err) {
				int rr;

				rr = unmap_under(r, p, c->ret, c->ret + PAGE_UP(s->size));
				if (rr)
					return rr;
				rr = replay_map_insert(r, p, c->ret, c->ret + PAGE_UP(s->size), model_addr,
						region);
				if (rr)
					return rr;
			}
		}
		return replay_check_result(r, ret, p->model_pid);
	}
	case TRACE_SHMDT: {
		size_t i = region_map_find(&p->map, c->arg[0]);
		uint32_t region;

		if (i == p->map.nr || p->map.v[i].start != c->arg[0] ||
		    r->regions[p->map.v[i].region].kind != REGION_SHM)
			return replay_count_unmodelled(r, "shmdt (outside the traced attaches)");
		region = p->map.v[i].region;
		r->rep->replayed++;
		ret = unev_sys_shmdt(r->m, p->model_pid, p->map.v[i].model_start);
		replay_emit(r, "%s: shmdt r%u\n", p->name, r->regions[region].name);
		replay_emit_expect(r, ret);
		if (!ret && !c->err) {
			/* do_shmdt unmaps every VMA of this attach */
			for (size_t j = 0; j < p->map.nr;) {
				if (p->map.v[j].region == region) {
					replay_region_unref(r, region, 1);
					region_map_remove(&p->map, j, 1);
				} else {
					j++;
				}
			}
		}
		return replay_check_result(r, ret, p->model_pid);
	}
	default: {	/* shmctl */
		int cmd = (int)c->arg[1] & 0xff;
		const char *word = cmd == UNEV_IPC_RMID	   ? "rmid"
				   : cmd == UNEV_SHM_LOCK   ? "lock"
				   : cmd == UNEV_SHM_UNLOCK ? "unlock"
							    : NULL;

		if (!word)
			return replay_count_unmodelled(r, "shmctl (cmd %d: no effect the model has)", cmd);
		s = shm_find(r, c->arg[0]);
		if (!s)
			return replay_count_unmodelled(r, "shmctl (of a segment made before the trace)");
		r->rep->replayed++;
		ret = unev_sys_shmctl(r->m, p->model_pid, s->model_id, cmd);
		replay_emit(r, "%s: shmctl s%u %s\n", p->name, s->name, word);
		replay_emit_expect(r, ret);
		if (!ret && cmd == UNEV_IPC_RMID)
			s->removed = true;
		return replay_check_result(r, ret, p->model_pid);
	}
	}
}

int replay_drop_map(struct replay *r, struct process *p)
{
	for (size_t i = 0; i < p->map.nr; i++) {
		int ret = replay_region_unref(r, p->map.v[i].region, 1);

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
		return replay_count_unmodelled(r, "%s (unfinished in the trace)", r->t->names[c->name]);
	if (c->err)
		return replay_count_unmodelled(r, "%s (failed in the trace)", r->t->names[c->name]);
	s = replay_pid_slot(r, child_pid, true);
	if (!s)
		return replay_nomem();
	r->rep->replayed++;
	if (flags & T_CLONE_VM) {
		/* a thread, or a vfork child: the same mm (copy_mm with CLONE_VM) */
		s->proc = parent_idx;
		r->procs[parent_idx].users++;
		replay_add_pid_text(&r->procs[parent_idx], child_pid);
		r->rep->agreeing++;
		return 0;
	}
	ret = replay_new_process(r, &idx);
	if (ret)
		return ret;
	s = replay_pid_slot(r, child_pid, false);
	s->proc = idx;
	parent = &r->procs[parent_idx];
	child = &r->procs[idx];
	child->users = 1;
	replay_add_pid_text(child, child_pid);
	ret = unev_sys_fork(r->m, parent->model_pid, &child->model_pid);
	replay_emit(r, "%s: fork %s\n", parent->name, child->name);
	replay_emit_expect(r, ret);
	if (!ret) {
		if (region_map_copy(&child->map, &parent->map))
			return replay_nomem();
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
	return replay_check_result(r, ret, parent->model_pid);
}

static int replay_exec(struct replay *r, struct process *p, struct pid_slot *s)
{
	const struct trace_call *c = r->c;
	int ret, idx;

	if (c->err || c->ret_unknown)
		return replay_count_unmodelled(r, "%s (failed: the model has no file system)",
					r->t->names[c->name]);
	r->rep->replayed++;
	if (p->users > 1) {
		/* a thread or vfork child execs: it leaves the shared mm for a
		 * new one (exec_mmap); the model's equivalent is a new task */
		p->users--;
		ret = replay_create_task(r, &idx);
		if (ret)
			return ret;
		s = replay_pid_slot(r, c->pid, false);
		s->proc = idx;
		r->procs[idx].users = 1;
		replay_add_pid_text(&r->procs[idx], c->pid);
		r->rep->agreeing++;
		return 0;
	}
	ret = unev_sys_exec(r->m, p->model_pid);
	replay_emit(r, "%s: exec\n", p->name);
	replay_emit_expect(r, ret);
	if (!ret) {
		ret = replay_drop_map(r, p);
		if (ret)
			return ret;
	}
	return replay_check_result(r, ret, p->model_pid);
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
	replay_emit(r, "%s: exit\n", p->name);
	replay_emit_expect(r, ret);
	if (ret)
		r->rep->emit_inexact = r->o->emit != NULL;
	return replay_drop_map(r, p);
}

int replay_call(struct replay *r, const struct trace_call *c)
{
	struct process *p;
	struct pid_slot *s;
	int ret, idx;

	r->c = c;
	if (c->sys != TRACE_EV_EXITED)
		r->rep->calls++;
	if (c->sys == TRACE_EV_ORPHAN)
		return replay_count_unmodelled(r, "%s (resumed, started before the trace)",
					r->t->names[c->name]);
	if (c->sys == TRACE_OTHER)
		return replay_count_unmodelled(r, "%s", r->t->names[c->name]);
	if (c->sys == TRACE_EV_EXITED) {
		s = replay_pid_slot(r, c->pid, false);
		if (!s || s->proc < 0)
			return 0;
		return replay_exited(r, &r->procs[s->proc], s);
	}
	if (c->pending && c->sys != TRACE_CLONE && c->sys != TRACE_CLONE3 &&
	    c->sys != TRACE_FORK && c->sys != TRACE_VFORK)
		return replay_count_unmodelled(r, "%s (unfinished in the trace)", r->t->names[c->name]);
	if (c->bad_args)
		return replay_count_unmodelled(r, "%s (arguments the reader does not know)",
					r->t->names[c->name]);
	ret = replay_proc_of(r, c->pid, &p);
	if (ret)
		return ret;
	idx = (int)(p - r->procs);
	if (!p->alive || !unev_task_alive(r->m, p->model_pid)) {
		if (c->sys == TRACE_EXIT || c->sys == TRACE_EXIT_GROUP)
			return replay_count_unmodelled(r, "%s (of a task the model already ended)",
						r->t->names[c->name]);
		r->rep->replayed++;
		return replay_check_result(r, -ESRCH, p->model_pid);
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
		return replay_exec(r, p, replay_pid_slot(r, c->pid, false));
	case TRACE_EXIT:
	case TRACE_EXIT_GROUP:
		/* the task ends at its "+++ exited" line, when every thread has */
		r->rep->replayed++;
		r->rep->unchecked++;
		return 0;
	default:
		return replay_count_unmodelled(r, "%s", r->t->names[c->name]);
	}
}
