/*
 * runner.c - `unevict conform FILE...`: run each scenario on the model
 * and on the live kernel and print both results of every call and every
 * expectation side by side, marking each difference.
 *
 * The model runs once (scenario_run, writing its result records).  The
 * live side runs until two of its runs saw exactly the same thing, at most
 * --runs times: other processes share the per-CPU batches and the
 * system-wide counters, so a live run is now and then disturbed, and a
 * value seen twice is the kernel's, not a neighbour's (docs/CONFORM.md).
 */
#include "runner.h"
#include "unevict.h"

#include "interp.h"
#include "judge.h"
#include "scenario.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct conform_totals {
	unsigned int scenarios, agree;
	unsigned int live_runs, rerun_scenarios, extra_runs, disturbed_runs;
	unsigned int model_only;	/* scenarios of a machine the live kernel is not */
	int status;
};

static int worse(int a, int b)
{
	return a > b ? a : b;
}

/*
 * Progress (issue 13): stdout is held to the end, so an interrupted run
 * would show nothing.  One line per finished scenario goes into this
 * buffer, made before the first run; on a terminal it goes to stderr at
 * once (between live runs, never during one), and a signal writes what
 * is in it to stderr before we die.
 */
static char progress[1 << 16];
static volatile sig_atomic_t progress_len;

static void progress_add(bool tty, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void progress_add(bool tty, const char *fmt, ...)
{
	char line[PATH_MAX + 128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	if (tty)
		fputs(line, stderr);
	/* full: the first lines stay, the signal handler says how many */
	if ((size_t)progress_len + (size_t)n <= sizeof(progress)) {
		memcpy(progress + progress_len, line, (size_t)n);
		progress_len = progress_len + n;
	}
}

/* On SIGINT, SIGTERM, SIGHUP: no task outlives us; what finished is told. */
static void on_signal(int sig)
{
	static const char head[] = "unevict conform: interrupted; scenarios finished:\n";
	ssize_t unused;

	native_kill_all();
	unused = write(STDERR_FILENO, head, sizeof(head) - 1);
	unused = write(STDERR_FILENO, progress, (size_t)progress_len);
	(void)unused;
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

/*
 * What the release does not tell is probed (issue 10): the model runs each
 * scenario as this host's kernel would, unless the scenario says otherwise.
 */
static void conform_probe_host(struct conform_host *h)
{
	char why[300];
	FILE *f;

	h->profile_match = host_probe_kernel(h->release, sizeof(h->release), h->profile,
					     sizeof(h->profile));
	if (h->profile_match < 0)
		h->profile[0] = 0;
	h->zero_page = host_probe_zero_page(h->zero_page_how, sizeof(h->zero_page_how));
	h->memcg_hier = native_memcg_hierarchy(why, sizeof(why));
	h->machine_ours = native_machine_is_ours();
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (!f || !fgets(why, sizeof(why), f) || proc_bracketed(why, h->thp, sizeof(h->thp)))
		h->thp[0] = '\0';
	if (f)
		fclose(f);
}

static void print_host(const struct conform_host *h)
{
	printf("live kernel %s: model profile %s%s; zero page %s (%s); memcgs %s\n", h->release,
	       h->profile_match < 0 ? "6.18" : h->profile,
	       h->profile_match == 1 ? " (the nearest older one)"
	       : h->profile_match < 0 ? " (no profile this old: the default)" : "",
	       h->zero_page == HOST_ZERO_PAGE_OFF ? "off"
	       : h->zero_page == HOST_ZERO_PAGE_ON ? "on" : "unknown, the model assumes on",
	       h->zero_page_how,
	       h->memcg_hier == PROC_MEMCG_V1 ? "cgroup v1"
	       : h->memcg_hier == PROC_MEMCG_V2 ? "cgroup v2" : "not live here");
	/* a VM guest sets each scenario's thp= (live_machine_begin) */
	printf("  THP %s%s\n", h->thp[0] ? h->thp : "absent",
	       h->machine_ours ? "; this machine is conform's (a VM): each scenario's thp=, sysctls, swap= and machine-wide reclaim run live" : "");
}

/* The model's records: 0, or CONFORM_EXIT_BAD with the message printed. */
static int run_model(const struct scenario *s, const struct conform_host *h,
		     struct outcome *model)
{
	struct scenario_run_options opts = {.quiet = true, .records = model,
					    .kernel = h->profile_match < 0 ? NULL : h->profile,
					    .no_zero_page = h->zero_page == HOST_ZERO_PAGE_OFF,
					    .memcg_v2 = h->memcg_hier == PROC_MEMCG_V2};
	struct scenario_run_summary sum;
	char err[1024];

	if (scenario_run(s, &opts, &sum, err, sizeof(err))) {
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
 * another profile, a zero_page= the host does not have, or a cgroup= of
 * the hierarchy the live memcgs are not in.  The statement,
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
		else if (m->cgroup_given && h->memcg_hier == (m->cgroup_v2 ? PROC_MEMCG_V1 : PROC_MEMCG_V2))
			snprintf(why, len, "cgroup=%s, but the live memcgs are cgroup %s",
				 m->cgroup_v2 ? "v2" : "v1", m->cgroup_v2 ? "v1" : "v2");
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
	char why[1024], disturbed_by[256] = "";
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

/*
 * Every file in turn, then the totals: the worst status (0 every scenario
 * agrees, 1 a difference, 2 bad input or the live side cannot run).
 */
int conform_files(char **files, int nr_files, struct conform_options *o)
{
	struct conform_totals t = {0};
	char err[1024];
	int i, ret;
	bool tty;

	/*
	 * Our output is held until the end: whoever reads it (a terminal, a
	 * pipe's reader) would otherwise wake up on a task's CPU in the
	 * middle of the next live run, and disturb it.
	 */
	setvbuf(stdout, NULL, _IOFBF, 1 << 22);
	/* progress lines only for a person at a terminal: the guest of
	 * conform --kernel has a console for stderr, which its host parses */
	tty = isatty(STDERR_FILENO) && !getenv("UNEVICT_NO_PROGRESS");
	install_signal_handlers();
	conform_probe_host(&o->host);
	print_host(&o->host);
	for (i = 0; i < nr_files; i++) {
		static const char *const verdicts[] = {
			[CONFORM_EXIT_AGREE] = "agrees", [CONFORM_EXIT_DIFFER] = "DIFFERS",
			[CONFORM_EXIT_BAD] = "cannot run (see the messages)",
		};
		unsigned int model_only = t.model_only, runs = t.live_runs;
		struct scenario *s = NULL;

		t.scenarios++;
		ret = scenario_parse_file(files[i], &s, err, sizeof(err));
		if (ret) {
			fflush(stdout);
			fprintf(stderr, "%s\n", err);
			t.status = worse(t.status, CONFORM_EXIT_BAD);
			progress_add(tty, "[%d/%d] %s: bad input\n", i + 1, nr_files, files[i]);
			continue;
		}
		ret = conform_scenario(s, o, &t);
		t.status = worse(t.status, ret);
		progress_add(tty, "[%d/%d] %s: %s (%u live runs)\n", i + 1, nr_files, files[i],
			     t.model_only != model_only ? "model only" : verdicts[ret],
			     t.live_runs - runs);
		scenario_free(s);
	}
	printf("live runs: %u for %u scenarios; %u scenario%s needed a rerun (%u extra run%s, %u disturbed by other processes or the driver)\n",
	       t.live_runs, t.scenarios, t.rerun_scenarios, t.rerun_scenarios == 1 ? "" : "s",
	       t.extra_runs, t.extra_runs == 1 ? "" : "s", t.disturbed_runs);
	if (t.model_only)
		printf("model only: %u scenario%s of another machine, not compared\n", t.model_only,
		       t.model_only == 1 ? "" : "s");
	printf("conformance: %u of %u scenarios agree exactly\n", t.agree, t.scenarios);
	return t.status;
}
