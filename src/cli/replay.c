/*
 * replay.c - `unevict replay TRACE` and `unevict bench replay` (src/replay).
 *
 * Exit status: 0 every recorded result reproduced, 1 a result diverged,
 * 2 bad input (an unreadable trace, an unknown option).
 */
#include "replay_cli.h"

#include "interp.h"
#include "progress.h"
#include "replay.h"
#include "scenario.h"
#include "strace.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void replay_usage(FILE *f)
{
	fputs("usage: unevict replay [OPTIONS] TRACE\n"
	      "\n"
	      "Run a program's memory system calls, recorded with\n"
	      "  strace -f -tt -y -e trace=memory,ipc,process -o TRACE PROGRAM\n"
	      "on the model, and check each call's result against the trace's.\n"
	      "\n"
	      "options:\n"
	      "  --touch none|written    page touches strace cannot see: none (default),\n"
	      "                          or every writable mapping fully written when made\n"
	      "  --machine \"OPTS\"        the machine, in .uvs syntax: \"mem=4G cpus=2\n"
	      "                          kernel=5.10 zero_page=off\" (default: SCENARIO.md's)\n"
	      "  --task \"OPTS\"           every process's task options, in .uvs syntax\n"
	      "                          (default: \"cap_ipc_lock memlock=8M\", a root program)\n"
	      "  --memcg LIMIT           replay into a memcg with this limit (a .uvs size)\n"
	      "  --emit-uvs FILE         write the equivalent scenario (unevict run FILE\n"
	      "                          gives the same results)\n"
	      "  --file-sizes host|trace a mapped file's size: this host's file of the\n"
	      "                          trace's -y path (default), or the largest extent\n"
	      "                          the trace maps (a trace from another machine)\n"
	      "  --timeline FILE         a CSV row after every call (the columns of\n"
	      "                          unevict run --timeline; unevict plot draws it)\n"
	      "  --until-line N          replay only calls that started before line N\n"
	      "  --until HH:MM:SS.UUUUUU replay only calls completed before this time\n"
	      "  --regions               list each live process's regions at the end\n"
	      "  --smaps-out FILE        write each live process's smaps, as the model\n"
	      "                          shows them, to FILE\n"
	      "  -q, --quiet             only the summary lines\n",
	      f);
}

static int usage_error(const char *fmt, const char *arg)
{
	fputs("unevict replay: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n\n", stderr);
	replay_usage(stderr);
	return 2;
}

/* A machine or task option string in .uvs syntax, parsed by the language's
 * own parser so that every option it knows is accepted here. */
static int parse_uvs_options(const char *what, const char *opts, struct replay_options *o)
{
	struct scenario *s = NULL;
	char text[1024], err[512];
	int ret;

	if (!strcmp(what, "machine"))
		snprintf(text, sizeof(text), "machine %s\n", opts);
	else
		snprintf(text, sizeof(text), "task replayed %s\n", opts);
	ret = scenario_parse_text(what, text, &s, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "unevict replay: --%s \"%s\": %s\n", what, opts, err);
		return 2;
	}
	if (!strcmp(what, "machine")) {
		const struct scenario_machine *sm = &s->statements[0].machine;

		/* what `unevict run` would refuse (sizes, options the model
		 * does not run yet) is refused here too */
		ret = scenario_model_check(s, err, sizeof(err));
		if (ret) {
			scenario_free(s);
			fprintf(stderr, "unevict replay: --machine \"%s\": %s\n", opts, err);
			return 2;
		}
		/* as interp.c's create_machine: kernel= picks the profile,
		 * design= alone its design's profile */
		if (sm->kernel_given) {
			snprintf(o->kernel, sizeof(o->kernel), "%s", sm->kernel);
			o->machine.kernel = o->kernel;
		} else if (sm->design_given) {
			o->machine.kernel = NULL;
		}
		if (sm->zero_page_given)
			o->machine.zero_page = sm->zero_page;
		o->machine.nodes = sm->nodes;
		o->machine.mem_bytes = sm->mem_bytes;
		o->machine.cpus = sm->cpus;
		o->machine.swap_bytes = sm->swap_bytes;
		o->machine.design = sm->design == SCENARIO_DESIGN_RMAP_WALK ? UNEV_DESIGN_RMAP_WALK
				    : sm->design == SCENARIO_DESIGN_NONE   ? UNEV_DESIGN_NONE
									   : UNEV_DESIGN_MLOCK_COUNT;
		o->machine_text = opts;
	} else {
		const struct scenario_task *tk = &s->statements[0].task;

		if (tk->memcg_given) {
			scenario_free(s);
			fprintf(stderr, "unevict replay: --task: use --memcg LIMIT, not memcg=\n");
			return 2;
		}
		o->task.cpu = tk->cpu;
		o->task.memlock = tk->memlock_unlimited ? UNEV_RLIM_INFINITY : tk->memlock;
		o->task.cap_ipc_lock = tk->cap_ipc_lock;
		o->task.uid = tk->uid;
	}
	scenario_free(s);
	return 0;
}

static int read_file(const char *path, char **text, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n = 0;
	char *buf;

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return 2;
	}
	buf = malloc(cap);
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		cap *= 2;
		char *nb = realloc(buf, cap);

		if (!nb) {
			free(buf);
			buf = NULL;
		}
		buf = nb;
	}
	if (!buf || ferror(f)) {
		fprintf(stderr, "%s: %s\n", path, buf ? "read error" : "out of memory");
		free(buf);
		fclose(f);
		return 2;
	}
	fclose(f);
	*text = buf;
	*len = n;
	return 0;
}

/* The replay's progress, on a terminal only (progress.c). */
static void progress(void *ctx, size_t done, size_t total)
{
	progress_update(ctx, done, total);
}

static void print_report(const char *name, const struct replay_report *rep, bool quiet,
			 bool regions, bool cut_last_line)
{
	printf("replay of %s: %u lines, %llu system calls\n", name, rep->lines,
	       (unsigned long long)rep->calls);
	printf("  replayed on the model: %llu (results: %llu agreeing, %llu diverging, %llu "
	       "without a result to check)\n",
	       (unsigned long long)rep->replayed, (unsigned long long)rep->agreeing,
	       (unsigned long long)rep->diverging, (unsigned long long)rep->unchecked);
	printf("  not modelled: %llu\n", (unsigned long long)rep->not_modelled);
	for (size_t i = 0; i < rep->nr_unmodelled; i++)
		printf("    %-56s %llu\n", rep->unmodelled[i].name,
		       (unsigned long long)rep->unmodelled[i].count);
	if (!quiet) {
		for (size_t i = 0; i < rep->nr_files; i++)
			printf("  assumed: %s is a %s file of %llu bytes (the size of %s)\n",
			       rep->files[i].path, rep->files[i].fs,
			       (unsigned long long)rep->files[i].size, rep->files[i].size_from);
		for (size_t i = 0; i < rep->nr_divergences; i++)
			printf("  diverges: %s\n", rep->divergences[i].text);
		if (rep->diverging > rep->nr_divergences)
			printf("  ... and %llu more divergences\n",
			       (unsigned long long)(rep->diverging - rep->nr_divergences));
	}
	for (size_t i = 0; i < rep->nr_procs; i++) {
		const struct replay_process *p = &rep->procs[i];

		if (!p->alive) {
			if (!quiet)
				printf("process %s (pids %s): exited\n", p->name, p->pids);
			continue;
		}
		printf("process %s (pids %s): VmLck %llu kB, smaps Locked %llu kB\n", p->name,
		       p->pids, (unsigned long long)p->vmlck_kb, (unsigned long long)p->locked_kb);
		for (size_t j = 0; regions && j < p->nr_regions; j++)
			printf("  region %llx-%llx %s %s\n", (unsigned long long)p->regions[j].start,
			       (unsigned long long)p->regions[j].end, p->regions[j].name,
			       p->regions[j].what);
	}
	printf("model: unevictable_pgs_mlocked %llu, unevictable_pgs_munlocked %llu, "
	       "Mlocked %llu kB\n",
	       (unsigned long long)rep->vmstat_mlocked, (unsigned long long)rep->vmstat_munlocked,
	       (unsigned long long)rep->meminfo_mlocked_kb);
	if (cut_last_line)
		printf("note: the trace ends inside a line (strace stopped while writing it): "
		       "that line is ignored\n");
	if (rep->emit_inexact)
		printf("note: the emitted scenario has steps the .uvs language cannot say "
		       "(see its comments)\n");
	printf("%llu agreeing, %llu diverging\n", (unsigned long long)rep->agreeing,
	       (unsigned long long)rep->diverging);
}

/* "# process t1 pids 10,11" then that process's smaps, for each. */
static int write_smaps(const char *path, const struct replay_report *rep)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -errno;
	}
	for (size_t i = 0; i < rep->nr_procs; i++)
		if (rep->procs[i].smaps)
			fprintf(f, "# process %s pids %s\n%s", rep->procs[i].name, rep->procs[i].pids,
				rep->procs[i].smaps);
	if (fclose(f)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -EIO;
	}
	return 0;
}

int replay_main(int argc, char **argv)
{
	struct replay_options o;
	struct progress pr;
	struct replay_report *rep = NULL;
	struct trace *t = NULL;
	const char *trace_path = NULL, *emit_path = NULL, *smaps_path = NULL;
	const char *timeline_path = NULL;
	bool quiet = false, regions = false;
	char err[1024] = "", *text = NULL;
	size_t len;
	int ret, i;

	replay_options_default(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			replay_usage(stdout);
			return 0;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--regions")) {
			regions = true;
		} else if (a[0] == '-' && a[1] && !v) {
			return usage_error("option '%s' needs a value", a);
		} else if (!strcmp(a, "--touch")) {
			i++;
			if (!strcmp(v, "none"))
				o.touch = REPLAY_TOUCH_NONE;
			else if (!strcmp(v, "written"))
				o.touch = REPLAY_TOUCH_WRITTEN;
			else
				return usage_error("--touch takes none or written, not '%s'", v);
		} else if (!strcmp(a, "--machine") || !strcmp(a, "--task")) {
			i++;
			ret = parse_uvs_options(a + 2, v, &o);
			if (ret)
				return ret;
		} else if (!strcmp(a, "--file-sizes")) {
			i++;
			if (strcmp(v, "host") && strcmp(v, "trace"))
				return usage_error("--file-sizes takes host or trace, not '%s'", v);
			o.trace_file_sizes = !strcmp(v, "trace");
		} else if (!strcmp(a, "--memcg")) {
			i++;
			if (scenario_parse_size(v, &o.memcg_limit))
				return usage_error("--memcg takes a size (64M, 1G...), not '%s'", v);
			o.memcg = true;
		} else if (!strcmp(a, "--emit-uvs")) {
			emit_path = argv[++i];
		} else if (!strcmp(a, "--timeline")) {
			timeline_path = argv[++i];
		} else if (!strcmp(a, "--smaps-out")) {
			smaps_path = argv[++i];
			o.want_smaps = true;
		} else if (!strcmp(a, "--until-line")) {
			char *e;

			i++;
			o.until_line = (uint32_t)strtoul(v, &e, 10);
			if (*e || !o.until_line)
				return usage_error("--until-line takes a line number, not '%s'", v);
		} else if (!strcmp(a, "--until")) {
			i++;
			if (trace_parse_time(v, &o.until_usec))
				return usage_error("--until takes HH:MM:SS[.UUUUUU], not '%s'", v);
		} else if (a[0] == '-' && a[1]) {
			return usage_error("unknown option '%s'", a);
		} else if (trace_path) {
			return usage_error("one trace at a time ('%s')", a);
		} else {
			trace_path = a;
		}
	}
	if (!trace_path)
		return usage_error("%s", "no trace given");
	ret = read_file(trace_path, &text, &len);
	if (ret)
		return ret;
	ret = strace_parse(trace_path, text, len, &t, err, sizeof(err));
	free(text);
	if (ret) {
		fprintf(stderr, "%s\n", err);
		return 2;
	}
	if (emit_path) {
		o.emit = fopen(emit_path, "w");
		if (!o.emit) {
			fprintf(stderr, "%s: %s\n", emit_path, strerror(errno));
			trace_free(t);
			return 2;
		}
	}
	if (timeline_path) {
		o.timeline = fopen(timeline_path, "w");
		if (!o.timeline) {
			fprintf(stderr, "%s: %s\n", timeline_path, strerror(errno));
			if (o.emit)
				fclose(o.emit);
			trace_free(t);
			return 2;
		}
	}
	progress_begin(&pr, "calls replayed");
	o.progress = progress;	/* a long replay on a terminal says how far */
	o.progress_ctx = &pr;
	ret = replay_run(trace_path, t, &o, &rep, err, sizeof(err));
	progress_end(&pr);
	if (o.emit && fclose(o.emit) && !ret) {
		fprintf(stderr, "%s: %s\n", emit_path, strerror(errno));
		ret = -EIO;
	}
	if (o.timeline && fclose(o.timeline) && !ret) {
		fprintf(stderr, "%s: %s\n", timeline_path, strerror(errno));
		ret = -EIO;
	}
	if (!ret && smaps_path)
		ret = write_smaps(smaps_path, rep);
	if (ret) {
		if (err[0])
			fprintf(stderr, "%s\n", err);
		replay_report_free(rep);
		trace_free(t);
		return 2;
	}
	print_report(trace_path, rep, quiet, regions, t->cut_last_line);
	ret = rep->diverging ? 1 : 0;
	replay_report_free(rep);
	trace_free(t);
	return ret;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* The wall and this process's CPU time now. */
static void clock_both(struct timespec t[2])
{
	clock_gettime(CLOCK_MONOTONIC, &t[0]);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t[1]);
}

/*
 * `unevict bench replay [--calls N] [--trace FILE] [--max-cpu-seconds S]`:
 * a trace of N calls (by default synthesised: the text strace writes for a
 * loop of mmap, mlock, munlock, munmap of 64 KiB) read and replayed; the
 * seconds and calls per second of each phase, wall and CPU (the CPU time
 * is what the machine's other work does not change).  --max-cpu-seconds:
 * exit 1 when the total CPU time is above S.
 */
int bench_replay_main(int argc, char **argv)
{
	size_t calls = 1000000, cap, n = 0, loops;
	struct replay_options o;
	struct replay_report *rep = NULL;
	struct trace *t = NULL;
	struct timespec t0[2], t1[2], t2[2];
	const char *path = NULL;
	char err[512] = "", *text = NULL;
	double max_cpu = 0, cpu;
	int ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--calls") && i + 1 < argc) {
			calls = strtoul(argv[++i], NULL, 10);
			if (calls < 4) {
				fprintf(stderr, "unevict bench replay: --calls takes at least 4\n");
				return 2;
			}
		} else if (!strcmp(argv[i], "--trace") && i + 1 < argc) {
			path = argv[++i];
		} else if (!strcmp(argv[i], "--max-cpu-seconds") && i + 1 < argc) {
			max_cpu = strtod(argv[++i], NULL);
		} else {
			bool help = !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h");

			fprintf(help ? stdout : stderr,
				"usage: unevict bench replay [--calls N] [--trace FILE] "
				"[--max-cpu-seconds S]\n");
			return help ? 0 : 2;
		}
	}
	if (path) {
		ret = read_file(path, &text, &n);
		if (ret)
			return ret;
	} else {
		loops = calls / 4;
		cap = loops * 4 * 120 + 256;
		text = malloc(cap);
		if (!text) {
			fprintf(stderr, "unevict bench replay: out of memory\n");
			return 2;
		}
		/* the text strace writes for the loop (pid, -tt time, result) */
		for (size_t k = 0; k < loops; k++) {
			unsigned long long a = 0x7f0000000000ULL - 0x10000ULL * (1 + k % 64);
			unsigned int us = (unsigned int)(k % 1000000);

			n += (size_t)snprintf(text + n, cap - n,
					      "4242 10:00:00.%06u mmap(NULL, 65536, PROT_READ|PROT_WRITE, "
					      "MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x%llx\n"
					      "4242 10:00:00.%06u mlock(0x%llx, 65536) = 0\n"
					      "4242 10:00:00.%06u munlock(0x%llx, 65536) = 0\n"
					      "4242 10:00:00.%06u munmap(0x%llx, 65536) = 0\n",
					      us, a, us, a, us, a, us, a);
		}
		path = "synthetic.trace";
	}
	replay_options_default(&o);
	clock_both(t0);
	ret = strace_parse(path, text, n, &t, err, sizeof(err));
	clock_both(t1);
	free(text);
	if (!ret)
		ret = replay_run(path, t, &o, &rep, err, sizeof(err));
	clock_both(t2);
	if (ret) {
		fprintf(stderr, "%s\n", err);
		trace_free(t);
		return 2;
	}
	printf("bench replay: %s, %llu system calls (%zu records)\n", path,
	       (unsigned long long)rep->calls, t->nr_calls);
	printf("%-8s %10s %14s %10s %14s\n", "phase", "wall s", "calls/s", "cpu s", "calls/s (cpu)");
	for (int ph = 0; ph < 3; ph++) {
		const struct timespec *a = ph == 1 ? t1 : t0, *b = ph == 0 ? t1 : t2;
		double w = seconds_between(&a[0], &b[0]), c = seconds_between(&a[1], &b[1]);

		printf("%-8s %10.3f %14.0f %10.3f %14.0f\n",
		       ph == 0 ? "parse" : ph == 1 ? "replay" : "total", w,
		       (double)rep->calls / w, c, (double)rep->calls / c);
	}
	printf("results: %llu agreeing, %llu diverging\n", (unsigned long long)rep->agreeing,
	       (unsigned long long)rep->diverging);
	cpu = seconds_between(&t0[1], &t2[1]);
	ret = rep->diverging ? 1 : 0;
	if (max_cpu > 0 && cpu > max_cpu) {
		printf("FAIL: %.3f CPU seconds, above %.3f\n", cpu, max_cpu);
		ret = 1;
	}
	replay_report_free(rep);
	trace_free(t);
	return ret;
}
