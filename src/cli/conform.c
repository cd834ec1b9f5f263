/*
 * conform.c - `unevict conform FILE...`: run each scenario on the model
 * and on the live kernel and print both results of every call and every
 * expectation side by side, marking each difference.
 *
 * The model runs once (scenario_run with JSON).  The live side runs until
 * two of its runs saw exactly the same thing, at most --runs times: other
 * processes share the per-CPU batches and the system-wide counters, so a
 * live run is now and then disturbed, and a value seen twice is the
 * kernel's, not a neighbour's (docs/CONFORM.md).
 */
#include "conform.h"

#include "../native/host_probe.h"
#include "../native/native.h"
#include "../vm/vm.h"
#include "interp.h"
#include "scenario.h"
#include "unevict.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum conform_status {
	CONFORM_EXIT_AGREE = 0,
	CONFORM_EXIT_DIFFER = 1,
	CONFORM_EXIT_BAD = 2,
};

#define CONFORM_DEFAULT_RUNS 12
#define CONFORM_MAX_RUNS 50
/* the quiet windows around each live run (docs/CONFORM.md "Noise") */
#define CONFORM_DEFAULT_WINDOW_MS 10

/* The live kernel, as conform_probe_host found it (printed in the header). */
struct conform_host {
	char release[65];	/* uname -r */
	char profile[16];	/* the model's profile for it ("" if none) */
	int profile_match;	/* 0 its series, 1 nearest older, <0 none */
	enum host_zero_page zero_page;
	char zero_page_how[64];
};

struct conform_options {
	bool quiet;
	unsigned int max_runs;
	struct native_options native;
	struct conform_host host;
};

struct conform_totals {
	unsigned int scenarios, agree;
	unsigned int live_runs, rerun_scenarios, extra_runs, disturbed_runs;
	unsigned int model_only;	/* scenarios of a machine the live kernel is not */
	int status;
};

static void conform_usage(FILE *f)
{
	fputs("usage: unevict conform [-q] [--runs N] [--window-ms N] [--kernel K] FILE...\n"
	      "\n"
	      "Run each scenario on the model and on the live kernel (real processes,\n"
	      "real system calls; root, Linux) and print, for every call and every\n"
	      "expectation, both results side by side; each difference is marked.\n"
	      "The live side is run until two undisturbed runs agree exactly (at most N,\n"
	      "default 12).\n"
	      "\n"
	      "  -q, --quiet   print only the differences and one line per file\n"
	      "  --runs N      at most N live runs per scenario (2..50)\n"
	      "  --window-ms N the quiet windows before and after each live run, in\n"
	      "                which nobody else may move the mlock counters (default\n"
	      "                10; 0: none)\n"
	      "  --kernel K    host (default): this machine's kernel; VERSION (6.12, 7)\n"
	      "                or PATH: that kernel in a VM under qemu, one boot per\n"
	      "                machine shape (`unevict kernels fetch` caches them;\n"
	      "                --cache DIR: another cache; docs/VM.md)\n"
	      "\n"
	      "exit status: 0 every scenario agrees, 1 a difference, 2 bad input or\n"
	      "the live side cannot run.  Last line: conformance: N of M scenarios\n"
	      "agree exactly.  The rules: docs/CONFORM.md.\n",
	      f);
}

static int worse(int a, int b)
{
	return a > b ? a : b;
}

/* On SIGINT, SIGTERM, SIGHUP: no task outlives us. */
static void on_signal(int sig)
{
	native_kill_all();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void install_signal_handlers(void)
{
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP};
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* The model's outcomes: 0, or CONFORM_EXIT_BAD with the message printed. */
/* A memcg can OOM-kill a task: the model's events say whom (outcome.c). */
static bool has_memcg(const struct scenario *s)
{
	size_t i;

	for (i = 0; i < s->nr_statements; i++)
		if (s->statements[i].kind == SCENARIO_MEMCG)
			return true;
	return false;
}

/*
 * What the release does not tell is probed (issue 10): the model runs each
 * scenario as this host's kernel would, unless the scenario says otherwise.
 */
static void conform_probe_host(struct conform_host *h)
{
	h->profile_match = host_probe_kernel(h->release, sizeof(h->release), h->profile,
					     sizeof(h->profile));
	if (h->profile_match < 0)
		h->profile[0] = 0;
	h->zero_page = host_probe_zero_page(h->zero_page_how, sizeof(h->zero_page_how));
}

static void print_host(const struct conform_host *h)
{
	printf("live kernel %s: model profile %s%s; zero page %s (%s)\n", h->release,
	       h->profile_match < 0 ? "6.18" : h->profile,
	       h->profile_match == 1 ? " (the nearest older one)"
	       : h->profile_match < 0 ? " (no profile this old: the default)" : "",
	       h->zero_page == HOST_ZERO_PAGE_OFF ? "off"
	       : h->zero_page == HOST_ZERO_PAGE_ON ? "on" : "unknown, the model assumes on",
	       h->zero_page_how);
}

static int run_model(const struct scenario *s, const struct conform_host *h,
		     struct outcome *model)
{
	struct scenario_run_options opts = {.json = json_object(), .verbose = has_memcg(s),
					    .kernel = h->profile_match < 0 ? NULL : h->profile,
					    .no_zero_page = h->zero_page == HOST_ZERO_PAGE_OFF};
	struct scenario_run_summary sum;
	char err[1024];
	int ret;

	if (!opts.json) {
		fprintf(stderr, "unevict: out of memory\n");
		return CONFORM_EXIT_BAD;
	}
	ret = scenario_run(s, &opts, &sum, err, sizeof(err));
	if (!ret)
		ret = outcome_from_model_json(s, opts.json, model, err, sizeof(err));
	json_decref(opts.json);
	if (ret) {
		fflush(stdout);
		fprintf(stderr, "%s\n", err);
		return CONFORM_EXIT_BAD;
	}
	return 0;
}

/* Where live runs saw different things: the disturbance, shown. */
static void print_unstable(const struct scenario *s, struct outcome *const *runs,
			   unsigned int nr_runs)
{
	char text[48];
	size_t i;
	unsigned int k;

	for (i = 0; i < s->nr_statements; i++) {
		for (k = 1; k < nr_runs; k++)
			if (!outcome_equal(&runs[0][i], &runs[k][i]))
				break;
		if (k == nr_runs)
			continue;
		printf("%6u  %-46s  live runs:", s->statements[i].line, s->statements[i].text);
		for (k = 0; k < nr_runs; k++) {
			outcome_format(&runs[k][i], text, sizeof(text));
			printf(" %s", text);
		}
		printf("\n");
	}
}

static void print_side_by_side(const struct scenario *s, const struct outcome *model,
			       const struct outcome *live, bool quiet)
{
	enum conform_verdict *v = calloc(s->nr_statements + 1, sizeof(*v));
	char line[1024];
	size_t i;

	if (!v) {
		fprintf(stderr, "unevict: out of memory\n");
		return;
	}
	conform_judge_scenario(s, model, live, v);
	if (!quiet)
		printf("%6s  %-46s %10s %10s\n", "line", "statement", "model", "live");
	for (i = 0; i < s->nr_statements; i++) {
		if (!quiet && s->statements[i].kind == SCENARIO_DRAIN) {
			/* context: values change across it */
			printf("%6u  %s\n", s->statements[i].line, s->statements[i].text);
			continue;
		}
		if (v[i] == CONFORM_SKIP || (quiet && v[i] != CONFORM_DIFFER))
			continue;
		conform_format_line(&s->statements[i], &model[i], &live[i], v[i], line,
				    sizeof(line));
		printf("%s\n", line);
	}
	free(v);
}

/*
 * A machine the live kernel is not: design=rmap-walk|none (the live kernel
 * has only mlock-count; none has no kernel left at all), a kernel= of
 * another profile, or a zero_page= the host does not have.  The statement,
 * with the reason in @why; NULL when the live kernel can run it.
 */
static const struct scenario_statement *model_only_machine(const struct scenario *s,
							   const struct conform_host *h,
							   char *why, size_t len)
{
	const char *live_profile = h->profile_match < 0 ? "" : h->profile;
	bool live_zero_page = h->zero_page != HOST_ZERO_PAGE_OFF;
	enum unev_design live_design = UNEV_DESIGN_MLOCK_COUNT;
	enum scenario_design design_of_live;
	size_t i;

	/* the live kernel's design is its profile's: 5.10 in a VM is rmap-walk */
	unev_kernel_lookup(live_profile, &live_design);
	design_of_live = live_design == UNEV_DESIGN_RMAP_WALK ? SCENARIO_DESIGN_RMAP_WALK
							       : SCENARIO_DESIGN_MLOCK_COUNT;

	for (i = 0; i < s->nr_statements; i++) {
		const struct scenario_machine *m = &s->statements[i].machine;

		if (s->statements[i].kind != SCENARIO_MACHINE)
			continue;
		if (m->design == SCENARIO_DESIGN_NONE)
			snprintf(why, len, "design=none is the pre-2.6.28 kernel: no kernel can check it");
		else if (m->kernel_given && strcmp(m->kernel, live_profile))
			snprintf(why, len, "kernel=%s, but the live kernel is %s", m->kernel,
				 h->release);
		else if (m->design != design_of_live)
			snprintf(why, len, "the live kernel has the %s design, not design=%s",
				 scenario_design_name(design_of_live), scenario_design_name(m->design));
		else if (m->zero_page_given && m->zero_page != live_zero_page)
			snprintf(why, len, "zero_page=%s, but the live kernel's zero page is %s",
				 m->zero_page ? "on" : "off", live_zero_page ? "on" : "off");
		else
			return NULL;
		return &s->statements[i];
	}
	return NULL;
}

/* A scenario only the model can run: its results, none of them agreement. */
static void print_model_only(const struct scenario *s, const struct conform_host *h,
			     const struct outcome *model, bool quiet)
{
	char value[48], why[160];
	const struct scenario_statement *st = model_only_machine(s, h, why, sizeof(why));
	size_t i;

	if (!quiet) {
		printf("== %s\n", s->file_name);
		printf("%6s  %-46s %10s %10s\n", "line", "statement", "model", "live");
		for (i = 0; i < s->nr_statements; i++) {
			if (model[i].kind == OUTCOME_NONE)
				continue;
			outcome_format(&model[i], value, sizeof(value));
			printf("%6u  %-46s %10s %10s  model only\n", s->statements[i].line,
			       s->statements[i].text, value, "-");
		}
	}
	printf("%s: model only: %s (line %u)\n", s->file_name, why, st->line);
}

/*
 * Live runs until two undisturbed ones are identical.  0 with *picked set
 * (-1: none of max_runs did), or CONFORM_EXIT_BAD when the driver failed.
 */
static int run_live(const struct scenario *s, const struct conform_options *o,
		    struct outcome **runs, unsigned int *nr_runs, int *picked,
		    unsigned int *nr_quiet_runs, struct conform_totals *t,
		    char *disturbed_by, size_t len)
{
	struct outcome *quiet[CONFORM_MAX_RUNS];
	struct native_run_info info;
	unsigned int nr_quiet = 0;
	char err[1024];
	int ret;

	*picked = -1;
	for (*nr_runs = 0; *nr_runs < o->max_runs && *picked < 0; (*nr_runs)++) {
		ret = native_run(s, &o->native, runs[*nr_runs], &info, err, sizeof(err));
		if (ret) {
			fflush(stdout);
			fprintf(stderr, "%s\n", err);
			return CONFORM_EXIT_BAD;
		}
		if (info.disturbed) {
			/* let the neighbour's burst pass before the next try:
			 * 20 ms, doubling up to 320 ms */
			unsigned int shift = *nr_runs - nr_quiet < 4 ? *nr_runs - nr_quiet : 4;
			struct timespec pause = {.tv_nsec = (20L * 1000 * 1000) << shift};

			t->disturbed_runs++;
			snprintf(disturbed_by, len, "%s", info.disturbed_by);
			nanosleep(&pause, NULL);
			continue;
		}
		quiet[nr_quiet++] = runs[*nr_runs];
		/* the run just made is the first to equal an earlier one */
		if (outcome_pick_run(quiet, nr_quiet, s->nr_statements) >= 0)
			*picked = (int)*nr_runs;
	}
	*nr_quiet_runs = nr_quiet;
	return 0;
}

static int conform_scenario(const struct scenario *s, const struct conform_options *o,
			    struct conform_totals *t)
{
	struct outcome *model = NULL, *runs[CONFORM_MAX_RUNS] = {0};
	struct conform_tally tally;
	unsigned int nr_runs = 0, nr_quiet = 0, k;
	char why[1024], disturbed_by[128] = "";
	const struct conform_host *h = &o->host;
	int status, picked, ret;

	model = calloc(s->nr_statements + 1, sizeof(*model));
	status = model ? 0 : CONFORM_EXIT_BAD;
	for (k = 0; k < o->max_runs && !status; k++) {
		runs[k] = calloc(s->nr_statements + 1, sizeof(*runs[k]));
		if (!runs[k])
			status = CONFORM_EXIT_BAD;
	}
	if (status) {
		fprintf(stderr, "unevict: out of memory\n");
		goto out;
	}
	status = run_model(s, h, model);
	if (status)
		goto out;
	if (model_only_machine(s, h, why, sizeof(why))) {
		print_model_only(s, h, model, o->quiet);
		t->model_only++;
		goto out;
	}
	ret = native_scenario_check(s, why, sizeof(why));
	if (ret) {
		fflush(stdout);
		fprintf(stderr, "%s\n", why);
		status = CONFORM_EXIT_BAD;
		goto out;
	}
	status = run_live(s, o, runs, &nr_runs, &picked, &nr_quiet, t, disturbed_by,
			  sizeof(disturbed_by));
	t->live_runs += nr_runs;
	if (nr_runs > 2) {
		t->rerun_scenarios++;
		t->extra_runs += nr_runs - 2;
	}
	if (status)
		goto out;
	if (!o->quiet)
		printf("== %s\n", s->file_name);
	if (picked < 0 && nr_quiet < 2) {
		/* other processes kept locking memory: nothing to compare with */
		fflush(stdout);
		fprintf(stderr, "%s: the live side cannot run quietly: %u of %u runs were disturbed (last by %s); try again on a quieter machine\n",
			s->file_name, nr_runs - nr_quiet, nr_runs, disturbed_by);
		status = CONFORM_EXIT_BAD;
		goto out;
	}
	if (picked < 0) {
		if (o->quiet)
			printf("== %s\n", s->file_name);
		print_unstable(s, runs, nr_runs);
		printf("%s: the live side is not reproducible: no two of its %u undisturbed runs agree\n",
		       s->file_name, nr_quiet);
		status = CONFORM_EXIT_DIFFER;
		goto out;
	}
	conform_tally_scenario(s, model, runs[picked], &tally);
	if (o->quiet && tally.differ)
		printf("== %s\n", s->file_name);
	print_side_by_side(s, model, runs[picked], o->quiet);
	printf("%s: %s: %u compared, %u differ", s->file_name,
	       tally.differ ? "DIFFERS" : "agrees exactly", tally.compared, tally.differ);
	if (tally.model_only)
		printf(", %u model only", tally.model_only);
	if (tally.image)
		printf(", %u image-dependent", tally.image);
	if (tally.not_run)
		printf(", %u not run live", tally.not_run);
	printf("; live runs: %u\n", nr_runs);
	if (tally.differ) {
		status = CONFORM_EXIT_DIFFER;
	} else {
		t->agree++;
		status = CONFORM_EXIT_AGREE;
	}
out:
	free(model);
	for (k = 0; k < CONFORM_MAX_RUNS; k++)
		free(runs[k]);
	return status;
}

static int parse_options(int argc, char **argv, struct conform_options *o,
			 char **files, int *nr_files)
{
	bool options_done = false;
	char *end;
	int i;

	*nr_files = 0;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (options_done || a[0] != '-' || !a[1]) {
			files[(*nr_files)++] = argv[i];
		} else if (!strcmp(a, "--")) {
			options_done = true;
		} else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
			o->quiet = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			conform_usage(stdout);
			return -1;
		} else if (!strcmp(a, "--kernel") && i + 1 < argc && !strcmp(argv[i + 1], "host")) {
			i++;	/* the default: this machine's kernel */
		} else if (!strcmp(a, "--window-ms") && i + 1 < argc) {
			unsigned long n = strtoul(argv[++i], &end, 10);

			if (*end || n > 10000) {
				fprintf(stderr, "unevict conform: --window-ms takes 0 to 10000, not '%s'\n",
					argv[i]);
				return CONFORM_EXIT_BAD;
			}
			o->native.quiet_ms = (unsigned int)n;
		} else if (!strcmp(a, "--runs") && i + 1 < argc) {
			unsigned long n = strtoul(argv[++i], &end, 10);

			if (*end || n < 2 || n > CONFORM_MAX_RUNS) {
				fprintf(stderr, "unevict conform: --runs takes 2 to %d, not '%s'\n",
					CONFORM_MAX_RUNS, argv[i]);
				return CONFORM_EXIT_BAD;
			}
			o->max_runs = (unsigned int)n;
		} else {
			fprintf(stderr, "unevict conform: unknown option '%s'\n\n", a);
			conform_usage(stderr);
			return CONFORM_EXIT_BAD;
		}
	}
	if (!*nr_files) {
		fprintf(stderr, "unevict conform: no scenario file given\n\n");
		conform_usage(stderr);
		return CONFORM_EXIT_BAD;
	}
	return 0;
}

int conform_main(int argc, char **argv)
{
	struct conform_options o = {.max_runs = CONFORM_DEFAULT_RUNS,
				    .native = {.timeout_ms = 30000,
					       .quiet_ms = CONFORM_DEFAULT_WINDOW_MS}};
	struct conform_totals t = {0};
	char helper[PATH_MAX], why[1024], err[1024];
	char **files;
	int nr_files, i, ret;

	/* --kernel VERSION|PATH: the scenarios run in a VM (src/vm/runner.c) */
	for (i = 1; i + 1 < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--kernel") && strcmp(argv[i + 1], "host"))
			return vm_conform_main(argc, argv);
	files = calloc((size_t)argc + 1, sizeof(*files));
	if (!files) {
		fprintf(stderr, "unevict: out of memory\n");
		return CONFORM_EXIT_BAD;
	}
	ret = parse_options(argc, argv, &o, files, &nr_files);
	if (ret) {
		free(files);
		return ret < 0 ? CONFORM_EXIT_AGREE : ret;
	}
	ret = native_find_helper(helper, sizeof(helper));
	o.native.helper = ret ? NULL : helper;
	ret = native_preflight(&o.native, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "unevict conform: the live side cannot run: %s\n", why);
		free(files);
		return CONFORM_EXIT_BAD;
	}
	/*
	 * Our output is held until the end: whoever reads it (a terminal, a
	 * pipe's reader) would otherwise wake up on a task's CPU in the
	 * middle of the next live run, and disturb it.
	 */
	setvbuf(stdout, NULL, _IOFBF, 1 << 22);
	install_signal_handlers();
	conform_probe_host(&o.host);
	print_host(&o.host);
	for (i = 0; i < nr_files; i++) {
		struct scenario *s = NULL;

		t.scenarios++;
		ret = scenario_parse_file(files[i], &s, err, sizeof(err));
		if (ret) {
			fflush(stdout);
			fprintf(stderr, "%s\n", err);
			t.status = worse(t.status, CONFORM_EXIT_BAD);
			continue;
		}
		t.status = worse(t.status, conform_scenario(s, &o, &t));
		scenario_free(s);
	}
	printf("live runs: %u for %u scenarios; %u scenario%s needed a rerun (%u extra run%s, %u disturbed by other processes)\n",
	       t.live_runs, t.scenarios, t.rerun_scenarios, t.rerun_scenarios == 1 ? "" : "s",
	       t.extra_runs, t.extra_runs == 1 ? "" : "s", t.disturbed_runs);
	if (t.model_only)
		printf("model only: %u scenario%s of another machine, not compared\n", t.model_only,
		       t.model_only == 1 ? "" : "s");
	printf("conformance: %u of %u scenarios agree exactly\n", t.agree, t.scenarios);
	free(files);
	return t.status;
}
