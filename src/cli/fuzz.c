/*
 * fuzz.c - `unevict fuzz`: generated scenarios (src/scenario/generate.c)
 * run on the model with the invariant checker, and through `unevict
 * conform` on the live kernel, every finding minimised and saved.
 *
 * Each model run is a forked child: a crash, a sanitizer report (the
 * ASan/UBSan build prints one and exits), an invariant failure (the
 * checker prints "invariant violated" and aborts) or a hang (an alarm)
 * ends the child, never the fuzzer.  A live run is `unevict conform -q`
 * of the same binary on a file in --out; its "<<< DIFFERS" lines say
 * which statements differ.
 *
 * Minimising: delete statements, halves first, then smaller chunks down
 * to one line (ddmin without complements), keeping a deletion when the
 * program still parses and passes the checks (so the task, file and
 * region declarations a statement needs stay) and the same statement
 * still differs live, or the model still fails the same way.
 */
#include "fuzz.h"

#include "generate.h"
#include "interp.h"
#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

enum fuzz_exit {
	FUZZ_EXIT_CLEAN = 0,
	FUZZ_EXIT_FOUND = 1,
	FUZZ_EXIT_USAGE = 2,
};

/* What a model run of one program came to. */
enum model_outcome {
	MODEL_RAN,		/* to its end (expectations may fail: exit 0 or 1) */
	MODEL_STOPPED,		/* a runtime error, "FILE:LINE: message" (exit 2) */
	MODEL_CRASH,		/* a signal */
	MODEL_SANITIZER,	/* an ASan/UBSan/LSan report */
	MODEL_INVARIANT,	/* --check-invariants found a broken invariant */
	MODEL_TIMEOUT,
	MODEL_GENERATOR,	/* the generated text did not parse or check */
	MODEL_NR,
};

static const char *const outcome_names[MODEL_NR] = {
	"ran", "stopped", "crash", "sanitizer", "invariant", "timeout", "generator",
};

struct fuzz_options {
	struct scenario_gen_options gen;
	uint64_t seed;
	unsigned int count;
	unsigned int live;		/* the first N also through conform */
	const char *out;
	unsigned int timeout;		/* seconds per model run */
	unsigned int budget;		/* runs per minimisation */
	bool print;			/* print the programs, run nothing */
	bool fail_on_diff;
	bool no_model;
	uint64_t *seeds;		/* --seeds a,b,c instead of seed..seed+count */
	unsigned int nr_seeds;
};

/* A program as lines, some deleted while minimising. */
struct program {
	char **lines;
	bool *keep;
	size_t nr;
};

/* What one run (model or live) showed, for comparing two runs. */
struct verdict {
	enum model_outcome outcome;
	char what[512];		/* the first line of the report, or the stop */
	unsigned int signal;
	/* live */
	bool ran_live;		/* conform gave a verdict (exit 0 or 1) */
	unsigned char *differs;	/* per line of the program: a "<<< DIFFERS" */
	size_t nr_lines;
	char diff_text[16][256];	/* the conform lines that differ */
	unsigned int nr_diff_text;
	char refused[512];	/* conform exit 2: why */
};

struct fuzz_totals {
	unsigned int outcomes[MODEL_NR];
	unsigned int live_run, live_agree, live_differ, live_refused;
	unsigned int live_minimised;
	unsigned int findings;
	/* runtime errors by kind ("task '?' has exited"), for the summary */
	char stops[16][160];
	unsigned int nr_stops, stop_count[16];
	uint64_t stop_seed[16];	/* the first seed of each kind */
};

static void fuzz_usage(FILE *f)
{
	fputs("usage: unevict fuzz [--seed N] [--count N] [--seeds N,N,...] [--live N]\n"
	      "                    [--out DIR] [--profile model|live] [--statements N]\n"
	      "                    [--max-pages N] [--no-memcg] [--no-files] [--no-shm]\n"
	      "                    [--no-fork] [--no-image] [--no-unobservable]\n"
	      "                    [--avoid-known] [--timeout S]\n"
	      "                    [--budget N] [--fail-on-diff] [--no-model] [--print]\n"
	      "\n"
	      "Generate random but valid scenarios (seed N, N+1, ... or the --seeds list;\n"
	      "the same seed gives the same program) and run each on the model with the\n"
	      "invariant checker in a child process: a crash, a sanitizer report (build\n"
	      "with -DUNEV_SANITIZE=ON), a broken invariant, a hang or a program that does\n"
	      "not parse is minimised and saved in --out (default fuzz-out) as a .uvs.\n"
	      "The first --live N programs also go through `unevict conform` (root, Linux;\n"
	      "run it under /work/bin/cpu-live): each difference is minimised (statements\n"
	      "deleted while the same statement still differs) and saved.\n"
	      "\n"
	      "  --profile live     only what conform runs and compares live (the default\n"
	      "                     with --live); model: the whole language\n"
	      "  --statements N     at most N statements after the declarations (40)\n"
	      "  --max-pages N      largest mmap, file or shm segment in pages (2048)\n"
	      "  --no-image         no mlockall(MCL_CURRENT), no fork/exec in a memcg:\n"
	      "                     what conform marks image-dependent\n"
	      "  --no-unobservable  --no-image, and nothing the live host cannot show:\n"
	      "                     no design=, kernel= or expect lru, no read fault\n"
	      "                     with zero_page=off\n"
	      "  --avoid-known      leave out the known bugs (issue 13 and\n"
	      "                     tests/fuzz-found/): memcg limits, mremap of an\n"
	      "                     unmapped region, fork (but over the model\n"
	      "                     profile's THP regions), MCL_CURRENT without\n"
	      "                     CAP_IPC_LOCK, ranges past a region's end,\n"
	      "                     mremap growing, exec in a memcg\n"
	      "  --timeout S        seconds per model run (20)\n"
	      "  --budget N         runs per minimisation (200)\n"
	      "  --fail-on-diff     exit 1 on a live difference too\n"
	      "  --no-model         skip the model runs (only --live)\n"
	      "  --print            print the programs and run nothing\n"
	      "\n"
	      "exit status: 0 nothing found, 1 a finding, 2 bad usage.\n",
	      f);
}

static int parse_uint(const char *opt, const char *v, unsigned long long max,
		      unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	if (errno || !*v || *end || *out > max || v[0] == '-') {
		fprintf(stderr, "unevict fuzz: %s takes a number up to %llu, not '%s'\n", opt,
			max, v);
		return -1;
	}
	return 0;
}

static int parse_seed_list(struct fuzz_options *o, const char *v)
{
	const char *p = v;
	char word[32];

	while (*p) {
		size_t n = strcspn(p, ",");
		unsigned long long x;
		uint64_t *ns;

		if (!n || n >= sizeof(word))
			goto bad;
		memcpy(word, p, n);
		word[n] = '\0';
		if (parse_uint("--seeds", word, UINT64_MAX, &x))
			return -1;
		ns = realloc(o->seeds, (o->nr_seeds + 1) * sizeof(*ns));
		if (!ns)
			goto bad;
		o->seeds = ns;
		o->seeds[o->nr_seeds++] = x;
		p += n;
		if (*p == ',')
			p++;
	}
	if (o->nr_seeds)
		return 0;
bad:
	fprintf(stderr, "unevict fuzz: --seeds takes N,N,..., not '%s'\n", v);
	return -1;
}

static int parse_options(int argc, char **argv, struct fuzz_options *o)
{
	bool profile_given = false;
	int i;

	o->count = 100;
	o->out = "fuzz-out";
	o->timeout = 20;
	o->budget = 200;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long long x;

		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			fuzz_usage(stdout);
			return 1;
		} else if (!strcmp(a, "--no-memcg")) {
			o->gen.no_memcg = true;
		} else if (!strcmp(a, "--no-files")) {
			o->gen.no_files = true;
		} else if (!strcmp(a, "--no-shm")) {
			o->gen.no_shm = true;
		} else if (!strcmp(a, "--no-fork")) {
			o->gen.no_fork = true;
		} else if (!strcmp(a, "--no-image")) {
			o->gen.no_image = true;
		} else if (!strcmp(a, "--no-unobservable")) {
			o->gen.no_unobservable = true;
		} else if (!strcmp(a, "--avoid-known")) {
			o->gen.avoid_known = true;
		} else if (!strcmp(a, "--fail-on-diff")) {
			o->fail_on_diff = true;
		} else if (!strcmp(a, "--no-model")) {
			o->no_model = true;
		} else if (!strcmp(a, "--print")) {
			o->print = true;
		} else if (!v) {
			fprintf(stderr, "unevict fuzz: unknown option '%s' (or no value after it)\n\n", a);
			fuzz_usage(stderr);
			return -1;
		} else if (!strcmp(a, "--profile")) {
			i++;
			profile_given = true;
			if (!strcmp(v, "model"))
				o->gen.profile = SCENARIO_GEN_MODEL;
			else if (!strcmp(v, "live"))
				o->gen.profile = SCENARIO_GEN_LIVE;
			else {
				fprintf(stderr, "unevict fuzz: --profile takes model or live, not '%s'\n", v);
				return -1;
			}
		} else if (!strcmp(a, "--out")) {
			i++;
			o->out = v;
		} else if (!strcmp(a, "--seeds")) {
			i++;
			if (parse_seed_list(o, v))
				return -1;
		} else {
			i++;
			if (!strcmp(a, "--seed")) {
				if (parse_uint(a, v, UINT64_MAX, &x))
					return -1;
				o->seed = x;
			} else if (!strcmp(a, "--count")) {
				if (parse_uint(a, v, 10000000, &x))
					return -1;
				o->count = (unsigned int)x;
			} else if (!strcmp(a, "--live")) {
				if (parse_uint(a, v, 10000000, &x))
					return -1;
				o->live = (unsigned int)x;
			} else if (!strcmp(a, "--statements")) {
				if (parse_uint(a, v, 10000, &x) || !x)
					return -1;
				o->gen.max_statements = (unsigned int)x;
			} else if (!strcmp(a, "--max-pages")) {
				if (parse_uint(a, v, 1u << 20, &x) || !x)
					return -1;
				o->gen.max_pages = (unsigned int)x;
			} else if (!strcmp(a, "--timeout")) {
				if (parse_uint(a, v, 3600, &x) || !x)
					return -1;
				o->timeout = (unsigned int)x;
			} else if (!strcmp(a, "--budget")) {
				if (parse_uint(a, v, 100000, &x))
					return -1;
				o->budget = (unsigned int)x;
			} else {
				fprintf(stderr, "unevict fuzz: unknown option '%s'\n\n", a);
				fuzz_usage(stderr);
				return -1;
			}
		}
	}
	if (o->live && !profile_given)
		o->gen.profile = SCENARIO_GEN_LIVE;
	if (o->nr_seeds)
		o->count = o->nr_seeds;
	return 0;
}

/* The generator's options as `unevict fuzz` takes them, for headers. */
static void gen_flags(const struct fuzz_options *o, char *buf, size_t len)
{
	snprintf(buf, len, "--profile %s%s%s%s%s%s%s%s",
		 o->gen.profile == SCENARIO_GEN_LIVE ? "live" : "model",
		 o->gen.no_unobservable ? " --no-unobservable" : "",
		 o->gen.avoid_known ? " --avoid-known" : "", o->gen.no_image ? " --no-image" : "",
		 o->gen.no_memcg ? " --no-memcg" : "", o->gen.no_files ? " --no-files" : "",
		 o->gen.no_shm ? " --no-shm" : "", o->gen.no_fork ? " --no-fork" : "");
}

/* ---- programs as lines ---- */

static void program_free(struct program *p)
{
	size_t i;

	for (i = 0; i < p->nr; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->keep);
	memset(p, 0, sizeof(*p));
}

static int program_split(const char *text, struct program *p)
{
	const char *s = text;

	memset(p, 0, sizeof(*p));
	while (*s) {
		size_t n = strcspn(s, "\n");
		char **nl = realloc(p->lines, (p->nr + 1) * sizeof(*nl));
		bool *nk = nl ? realloc(p->keep, (p->nr + 1) * sizeof(*nk)) : NULL;

		if (nl)
			p->lines = nl;
		if (!nk)
			goto oom;
		p->keep = nk;
		p->lines[p->nr] = strndup(s, n);
		if (!p->lines[p->nr])
			goto oom;
		p->keep[p->nr++] = true;
		s += n;
		if (*s)
			s++;
	}
	return 0;
oom:
	program_free(p);
	return -ENOMEM;
}

/* The kept lines as text; *line_of[i] = the 1-based line of line i (0 if
 * deleted).  NULL when out of memory. */
static char *program_text(const struct program *p, unsigned int *line_of)
{
	size_t len = 1, i;
	unsigned int line = 0;
	char *text, *out;

	for (i = 0; i < p->nr; i++)
		if (p->keep[i])
			len += strlen(p->lines[i]) + 1;
	text = malloc(len);
	if (!text)
		return NULL;
	out = text;
	for (i = 0; i < p->nr; i++) {
		if (line_of)
			line_of[i] = p->keep[i] ? line + 1 : 0;
		if (!p->keep[i])
			continue;
		line++;
		out = stpcpy(out, p->lines[i]);
		*out++ = '\n';
	}
	*out = '\0';
	return text;
}

/* ---- running a program ---- */

static int memfd_read(int fd, char *buf, size_t len)
{
	ssize_t n;

	if (lseek(fd, 0, SEEK_SET) < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	buf[n > 0 ? n : 0] = '\0';
	return 0;
}

/* The first line of `text` that contains `needle`, into out. */
static bool find_line(const char *text, const char *needle, char *out, size_t len)
{
	const char *hit = strstr(text, needle), *start;

	if (!hit)
		return false;
	for (start = hit; start > text && start[-1] != '\n'; start--)
		;
	snprintf(out, len, "%.*s", (int)strcspn(start, "\n"), start);
	return true;
}

/*
 * A stop's message without its file, line and names: "task '?' has
 * exited", so that stops group by kind.
 */
static void stop_kind(const char *err, char *out, size_t len)
{
	const char *p = strstr(err, ": ");
	size_t o = 0;
	bool quoted = false;

	p = p ? p + 2 : err;
	if (strchr(p, ':') && p[0] >= '0' && p[0] <= '9')
		p = strstr(p, ": ") ? strstr(p, ": ") + 2 : p;
	for (; *p && *p != '\n' && o + 2 < len; p++) {
		if (*p == '\'') {
			quoted = !quoted;
			out[o++] = '\'';
			if (quoted)
				out[o++] = '?';
			continue;
		}
		if (!quoted)
			out[o++] = *p;
	}
	out[o] = '\0';
}

/* Run the program on the model in a child; fill v->outcome and v->what. */
static void run_model(const struct fuzz_options *o, const char *text, struct verdict *v)
{
	struct scenario *s = NULL;
	char err[1024], report[16384];
	int efd, status;
	pid_t pid;

	memset(v, 0, sizeof(*v));
	if (scenario_parse_text("fuzz.uvs", text, &s, err, sizeof(err)) ||
	    scenario_model_check(s, err, sizeof(err))) {
		v->outcome = MODEL_GENERATOR;
		snprintf(v->what, sizeof(v->what), "%.500s", err);
		scenario_free(s);
		return;
	}
	efd = memfd_create("unevict-fuzz-stderr", 0);
	if (efd < 0) {
		v->outcome = MODEL_STOPPED;
		snprintf(v->what, sizeof(v->what), "memfd_create: %s", strerror(errno));
		scenario_free(s);
		return;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		struct scenario_run_options run = {.quiet = true, .check_invariants = true};
		struct scenario_run_summary sum = {0};
		int null = open("/dev/null", O_WRONLY), ret;

		dup2(null, 1);
		dup2(efd, 2);
		alarm(o->timeout);
		run.out = stdout;
		ret = scenario_run(s, &run, &sum, err, sizeof(err));
		if (ret)
			fprintf(stderr, "%s\n", err);
		scenario_free(s);
		fflush(stdout);
		exit(ret ? 2 : sum.failed ? 1 : 0);
	}
	scenario_free(s);
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		v->outcome = MODEL_STOPPED;
		snprintf(v->what, sizeof(v->what), "fork: %s", strerror(errno));
		close(efd);
		return;
	}
	memfd_read(efd, report, sizeof(report));
	close(efd);
	if (find_line(report, "invariant violated", v->what, sizeof(v->what))) {
		v->outcome = MODEL_INVARIANT;
	} else if (find_line(report, "ERROR: AddressSanitizer", v->what, sizeof(v->what)) ||
		   find_line(report, "ERROR: LeakSanitizer", v->what, sizeof(v->what)) ||
		   find_line(report, "runtime error:", v->what, sizeof(v->what))) {
		v->outcome = MODEL_SANITIZER;
	} else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
		v->outcome = MODEL_TIMEOUT;
		snprintf(v->what, sizeof(v->what), "no end after %u s", o->timeout);
	} else if (WIFSIGNALED(status)) {
		v->outcome = MODEL_CRASH;
		v->signal = (unsigned int)WTERMSIG(status);
		snprintf(v->what, sizeof(v->what), "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	} else if (WEXITSTATUS(status) == 2) {
		v->outcome = MODEL_STOPPED;
		snprintf(v->what, sizeof(v->what), "%.*s", (int)strcspn(report, "\n"), report);
	} else if (WEXITSTATUS(status) > 2) {
		v->outcome = MODEL_CRASH;
		snprintf(v->what, sizeof(v->what), "exit status %d: %.200s", WEXITSTATUS(status),
			 report);
	} else {
		v->outcome = MODEL_RAN;
	}
}

static bool model_finding(enum model_outcome k)
{
	return k != MODEL_RAN && k != MODEL_STOPPED;
}

/* The same failure: its kind, and its report line without addresses. */
static bool same_model_failure(const struct verdict *a, const struct verdict *b)
{
	const char *pa, *pb;

	if (a->outcome != b->outcome)
		return false;
	if (a->outcome == MODEL_CRASH || a->outcome == MODEL_TIMEOUT)
		return a->signal == b->signal;
	/* "FILE:LINE: invariant violated: X": compare from the message on */
	pa = strstr(a->what, "invariant violated");
	pb = strstr(b->what, "invariant violated");
	if (pa && pb)
		return !strcmp(pa, pb);
	/* a sanitizer's first line names the bug kind before the address */
	return !strncmp(a->what, b->what, strcspn(a->what, "0123456789"));
}

/* `unevict conform -q FILE` of this binary; the differing lines. */
static void run_live(const char *path, size_t nr_lines, struct verdict *v)
{
	char out[65536], err[4096];
	int ofd = memfd_create("unevict-fuzz-out", 0), efd = memfd_create("unevict-fuzz-err", 0);
	int status;
	const char *p;
	pid_t pid;

	v->ran_live = false;
	v->refused[0] = '\0';
	v->nr_diff_text = 0;
	v->nr_lines = nr_lines;
	free(v->differs);
	v->differs = calloc(nr_lines + 2, 1);
	if (ofd < 0 || efd < 0 || !v->differs) {
		snprintf(v->refused, sizeof(v->refused), "out of memory or file descriptors");
		goto out;
	}
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0) {
		dup2(ofd, 1);
		dup2(efd, 2);
		alarm(300);
		execl("/proc/self/exe", "unevict", "conform", "-q", path, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		snprintf(v->refused, sizeof(v->refused), "fork: %s", strerror(errno));
		goto out;
	}
	memfd_read(ofd, out, sizeof(out));
	memfd_read(efd, err, sizeof(err));
	if (!WIFEXITED(status) || WEXITSTATUS(status) > 1) {
		const char *why = err[0] ? err : out;

		if (WIFSIGNALED(status))
			snprintf(v->refused, sizeof(v->refused), "conform killed by signal %d",
				 WTERMSIG(status));
		else
			snprintf(v->refused, sizeof(v->refused), "%.*s", (int)strcspn(why, "\n"), why);
		goto out;
	}
	v->ran_live = true;
	for (p = out; *p; p += strcspn(p, "\n"), p += *p == '\n') {
		size_t n = strcspn(p, "\n");
		unsigned long line;

		if (!memmem(p, n, "<<< DIFFERS", 11))
			continue;
		line = strtoul(p, NULL, 10);
		if (line >= 1 && line <= nr_lines)
			v->differs[line] = 1;
		if (v->nr_diff_text < 16)
			snprintf(v->diff_text[v->nr_diff_text++], sizeof(v->diff_text[0]), "%.*s",
				 (int)n, p);
	}
	/* "not reproducible": every run's value, no DIFFERS mark; a finding */
	if (strstr(out, "not reproducible"))
		snprintf(v->refused, sizeof(v->refused), "not reproducible");
out:
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
}

/* ---- minimising ---- */

struct minimise {
	const struct fuzz_options *o;
	bool live;
	size_t target;			/* live: the program line that differs */
	const struct verdict *want;	/* model: the failure to keep */
	char path[4096];
	unsigned int runs;
};

/* Does the program (its kept lines) still show the finding? */
static bool still_fails(struct minimise *m, const struct program *p, struct verdict *v)
{
	unsigned int *line_of = calloc(p->nr + 1, sizeof(*line_of));
	struct scenario *s = NULL;
	char err[1024], *text;
	bool ret = false;
	FILE *f;

	text = line_of ? program_text(p, line_of) : NULL;
	if (!text)
		goto out;
	/* deletions that break a declaration are refused without a run */
	if (scenario_parse_text("fuzz.uvs", text, &s, err, sizeof(err)) ||
	    scenario_model_check(s, err, sizeof(err)))
		goto out;
	m->runs++;
	if (!m->live) {
		run_model(m->o, text, v);
		ret = same_model_failure(v, m->want);
		goto out;
	}
	f = fopen(m->path, "w");
	if (!f || fputs(text, f) == EOF || fclose(f)) {
		if (f)
			fclose(f);
		goto out;
	}
	run_live(m->path, p->nr, v);
	ret = v->ran_live && v->differs[line_of[m->target]];
out:
	scenario_free(s);
	free(text);
	free(line_of);
	return ret;
}

/* Delete chunks of lines while the finding stays; the header and the
 * target line stay. */
static void minimise(struct minimise *m, struct program *p, struct verdict *v)
{
	size_t chunk, i, kept;

	for (kept = 0, i = 0; i < p->nr; i++)
		kept += p->keep[i];
	for (chunk = kept / 2 ? kept / 2 : 1; chunk >= 1; chunk /= 2) {
		for (i = 0; i < p->nr; i++) {
			size_t j, n = 0, idx[4096];

			if (!p->keep[i])
				continue;
			for (j = i; j < p->nr && n < chunk && n < 4096; j++) {
				if (!p->keep[j] || (m->live && j == m->target))
					continue;
				if (p->lines[j][0] == '#' && j == 0)
					continue;
				idx[n++] = j;
			}
			if (!n)
				continue;
			if (m->o->budget && m->runs >= m->o->budget)
				return;
			for (j = 0; j < n; j++)
				p->keep[idx[j]] = false;
			if (!still_fails(m, p, v))
				for (j = 0; j < n; j++)
					p->keep[idx[j]] = true;
		}
		if (chunk == 1)
			break;
	}
}

/* ---- saving ---- */

static int save(const struct fuzz_options *o, const char *name, const char *header,
		const struct program *p, char *path, size_t len)
{
	char *text = program_text(p, NULL);
	FILE *f;

	if (!text)
		return -ENOMEM;
	mkdir(o->out, 0777);
	snprintf(path, len, "%s/%s", o->out, name);
	f = fopen(path, "w");
	if (!f) {
		free(text);
		return -errno;
	}
	/* the generator's own first line ("# unevict fuzz: seed...") follows */
	fputs(header, f);
	fputs(text, f);
	free(text);
	return fclose(f) ? -EIO : 0;
}

/* The program line (index) of the first differing statement. */
static size_t first_difference(const struct verdict *v, const unsigned int *line_of,
			       size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		if (line_of[i] && v->differs[line_of[i]])
			return i;
	return nr;
}

static void tally_stop(struct fuzz_totals *t, const char *what, uint64_t seed)
{
	char kind[160];
	unsigned int i;

	stop_kind(what, kind, sizeof(kind));
	for (i = 0; i < t->nr_stops; i++)
		if (!strcmp(t->stops[i], kind))
			break;
	if (i == t->nr_stops) {
		if (i == 16)
			return;
		t->stop_seed[i] = seed;
		snprintf(t->stops[t->nr_stops++], sizeof(t->stops[0]), "%s", kind);
	}
	t->stop_count[i]++;
}

static void fuzz_model_one(const struct fuzz_options *o, uint64_t seed, const char *text,
			   struct fuzz_totals *t)
{
	struct verdict v, w = {0};
	struct minimise m = {.o = o, .want = &v};
	struct program p;
	char header[1024], name[128], path[4096], flags[160];

	run_model(o, text, &v);
	t->outcomes[v.outcome]++;
	if (v.outcome == MODEL_STOPPED)
		tally_stop(t, v.what, seed);
	if (!model_finding(v.outcome))
		return;
	t->findings++;
	if (program_split(text, &p))
		return;
	if (v.outcome != MODEL_GENERATOR)
		minimise(&m, &p, &w);
	free(w.differs);
	gen_flags(o, flags, sizeof(flags));
	snprintf(header, sizeof(header),
		 "# found by: unevict fuzz %s --seed %llu --count 1 (model, --check-invariants)\n"
		 "# %s: %s\n# minimised in %u runs\n",
		 flags, (unsigned long long)seed, outcome_names[v.outcome], v.what, m.runs);
	snprintf(name, sizeof(name), "model-%llu-%s.uvs", (unsigned long long)seed,
		 outcome_names[v.outcome]);
	if (!save(o, name, header, &p, path, sizeof(path)))
		printf("seed %llu: %s: %s -> %s\n", (unsigned long long)seed,
		       outcome_names[v.outcome], v.what, path);
	program_free(&p);
}

static void fuzz_live_one(const struct fuzz_options *o, uint64_t seed, const char *text,
			  struct fuzz_totals *t)
{
	struct verdict v = {0}, w = {0};
	struct minimise m = {.o = o, .live = true};
	unsigned int *line_of = NULL;
	struct program p;
	char header[8192], name[128], path[4096], flags[160];
	size_t n = 0, i;
	FILE *f;

	if (program_split(text, &p))
		return;
	mkdir(o->out, 0777);
	snprintf(m.path, sizeof(m.path), "%s/.live-%ld.uvs", o->out, (long)getpid());
	f = fopen(m.path, "w");
	if (!f || fputs(text, f) == EOF || fclose(f)) {
		fprintf(stderr, "unevict fuzz: cannot write %s\n", m.path);
		if (f)
			fclose(f);
		goto out;
	}
	t->live_run++;
	run_live(m.path, p.nr, &v);
	if (!v.ran_live || v.refused[0]) {
		t->live_refused++;
		printf("seed %llu: live: not compared: %s\n", (unsigned long long)seed,
		       v.refused[0] ? v.refused : "?");
		goto out;
	}
	line_of = calloc(p.nr + 1, sizeof(*line_of));
	free(program_text(&p, line_of));
	m.target = first_difference(&v, line_of, p.nr);
	if (m.target == p.nr) {
		t->live_agree++;
		goto out;
	}
	t->live_differ++;
	minimise(&m, &p, &w);
	/* the minimised program once more, for the lines to quote */
	if (!still_fails(&m, &p, &w)) {
		free(w.differs);
		w = v;
		v.differs = NULL;
	} else {
		t->live_minimised++;
	}
	gen_flags(o, flags, sizeof(flags));
	n = (size_t)snprintf(header, sizeof(header),
			     "# found by: unevict fuzz %s --seed %llu --count 1 --live 1\n"
			     "# differs (minimised in %u conform runs; line  statement  model  live):\n",
			     flags, (unsigned long long)seed, m.runs);
	for (i = 0; i < w.nr_diff_text && n < sizeof(header) - 300; i++)
		n += (size_t)snprintf(header + n, sizeof(header) - n, "#   %s\n", w.diff_text[i]);
	snprintf(header + n, sizeof(header) - n, "# cause: not classified yet\n");
	snprintf(name, sizeof(name), "live-%llu.uvs", (unsigned long long)seed);
	if (!save(o, name, header, &p, path, sizeof(path)))
		printf("seed %llu: live: differs at '%s' -> %s\n", (unsigned long long)seed,
		       p.lines[m.target], path);
	t->findings++;
out:
	unlink(m.path);
	free(line_of);
	free(v.differs);
	free(w.differs);
	program_free(&p);
}

int fuzz_main(int argc, char **argv)
{
	struct fuzz_options o = {0};
	struct fuzz_totals t = {0};
	unsigned int i;
	int ret = parse_options(argc, argv, &o);

	if (ret) {
		free(o.seeds);
		return ret < 0 ? FUZZ_EXIT_USAGE : FUZZ_EXIT_CLEAN;
	}
	for (i = 0; i < o.count; i++) {
		uint64_t seed = o.seeds ? o.seeds[i] : o.seed + i;
		char *text;

		if (scenario_generate(&o.gen, seed, &text)) {
			fprintf(stderr, "unevict fuzz: out of memory\n");
			free(o.seeds);
			return FUZZ_EXIT_USAGE;
		}
		if (o.print) {
			fputs(text, stdout);
			free(text);
			continue;
		}
		if (!o.no_model)
			fuzz_model_one(&o, seed, text, &t);
		if (i < o.live)
			fuzz_live_one(&o, seed, text, &t);
		free(text);
		fflush(stdout);
	}
	if (o.print) {
		free(o.seeds);
		return FUZZ_EXIT_CLEAN;
	}
	if (!o.no_model) {
		printf("model: %u programs: %u ran to the end, %u stopped by a runtime error; "
		       "%u crashes, %u sanitizer reports, %u invariant failures, %u timeouts, "
		       "%u generator errors\n",
		       o.count, t.outcomes[MODEL_RAN], t.outcomes[MODEL_STOPPED],
		       t.outcomes[MODEL_CRASH], t.outcomes[MODEL_SANITIZER],
		       t.outcomes[MODEL_INVARIANT], t.outcomes[MODEL_TIMEOUT],
		       t.outcomes[MODEL_GENERATOR]);
		for (i = 0; i < t.nr_stops; i++)
			printf("  stopped %u: %s (first: seed %llu)\n", t.stop_count[i], t.stops[i],
			       (unsigned long long)t.stop_seed[i]);
	}
	if (o.live)
		printf("live: %u programs through conform: %u agree, %u differ (%u minimised), "
		       "%u not compared\n",
		       t.live_run, t.live_agree, t.live_differ, t.live_minimised, t.live_refused);
	free(o.seeds);
	if (t.findings > t.live_differ || (o.fail_on_diff && t.live_differ))
		return FUZZ_EXIT_FOUND;
	return FUZZ_EXIT_CLEAN;
}
