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
#include "replay_internal.h"

#include "scenario.h"
#include "timeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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
		return replay_nomem();
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
		replay_emit(r, "expect %s status VmLck = %llu\n", p->name,
		     (unsigned long long)rp->vmlck_kb);
		if (r->o->want_smaps) {
			rp->smaps = unev_proc_smaps(r->m, p->model_pid, 0, MODEL_TASK_SIZE);
			if (!rp->smaps)
				return replay_nomem();
		}
		rp->regions = calloc(p->map.nr ? p->map.nr : 1, sizeof(*rp->regions));
		if (!rp->regions)
			return replay_nomem();
		for (size_t j = 0; j < p->map.nr; j++) {
			const struct region_piece *pc = &p->map.v[j];
			const struct region *reg = &r->regions[pc->region];
			struct replay_region_view *v = &rp->regions[rp->nr_regions++];

			v->start = pc->start;
			v->end = pc->end;
			v->model_start = pc->model_start;
			replay_region_name(r, pc->region, v->name, sizeof(v->name));
			v->what = reg->kind == REGION_HEAP   ? "heap"
				  : reg->kind == REGION_LEFT ? "left by MREMAP_DONTUNMAP"
				  : reg->kind == REGION_SHM  ? "shm"
				  : reg->kind == REGION_FILE ? r->rep->files[reg->file].path
							     : "anon";
		}
	}
	unev_drain_all(r->m);
	unev_vmstat_read(r->m, "unevictable_pgs_mlocked", &rep->vmstat_mlocked);
	unev_vmstat_read(r->m, "unevictable_pgs_munlocked", &rep->vmstat_munlocked);
	unev_meminfo_read(r->m, "Mlocked", &rep->meminfo_mlocked_kb);
	replay_emit(r, "drain\nexpect vmstat unevictable_pgs_mlocked = %llu\n"
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
		return replay_nomem();
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
		return replay_nomem();
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
				ret = replay_nomem();
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
	replay_emit(&r, "# unevict replay of %s (trace lines are quoted in comments)\n", name);
	replay_emit(&r, "machine%s%s\n", o->machine_text && *o->machine_text ? " " : "",
	     o->machine_text ? o->machine_text : "");
	if (o->memcg) {
		ret = unev_memcg_create(r.m, "replay", 0, o->memcg_limit, &r.memcg);
		if (ret) {
			snprintf(err, errlen, "%s: the model cannot create the memcg (%s)", name,
				 strerror(-ret));
			goto out;
		}
		r.oom = true;
		replay_emit(&r, "memcg replay limit=%llu\n", (unsigned long long)o->memcg_limit);
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
