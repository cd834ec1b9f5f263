/*
 * main.c - the `unevict` command: a thin layer over the scenario library.
 *
 * Exit status is the contract scripts and ctest rely on: 0 every
 * expectation held, 1 one failed, 2 bad input (a malformed scenario, an
 * unknown option); with several files the worst status wins.  Errors go to
 * stderr as "FILE:LINE: message", results to stdout.
 */
#include "bench.h"
#include "conform.h"
#include "demo.h"
#include "fuzz.h"
#include "interp.h"
#include "plot.h"
#include "progress.h"
#include "replay_cli.h"
#include "scenario.h"
#include "timeline.h"
#include "vm.h"

#include <unevict.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum exit_status {
	EXIT_ALL_PASSED = 0,
	EXIT_EXPECTATION_FAILED = 1,
	EXIT_BAD_INPUT = 2,
};

struct cli_options {
	struct scenario_run_options run;
	bool json;
	bool script;	/* demo --script: print the scenario, run nothing */
	const char *timeline;	/* --timeline FILE: the CSV of every statement */
};

/* The totals over every file of one command. */
struct cli_totals {
	struct scenario_run_totals t;	/* what --json's summary says */
	unsigned int files_ran;	/* passed the checks and started */
	bool several;		/* more than one file: a line per file */
};

static void usage(FILE *f)
{
	fputs("usage: unevict COMMAND [OPTIONS]\n"
	      "\n"
	      "A user-space model of Linux 6.18's Unevictable LRU and mlock.\n"
	      "\n"
	      "commands (COMMAND --help for each):\n"
	      "  run [OPTIONS] FILE...   run .uvs scenarios on the model\n"
	      "  conform [-q] FILE...    run .uvs scenarios on the model and on the\n"
	      "                          live kernel, side by side (docs/CONFORM.md)\n"
	      "  conform --kernel K FILE...  the same in a VM booting kernel K\n"
	      "  kernels fetch|list      the kernel images for conform --kernel\n"
	      "  demo [OPTIONS]          run the built-in scenario: 300 pages mlocked,\n"
	      "                          then munlocked (--script prints it instead)\n"
	      "  fuzz [OPTIONS]          generated scenarios on the model (invariants\n"
	      "                          checked) and through conform; findings are\n"
	      "                          minimised and saved (unevict fuzz --help)\n"
	      "  replay [OPTIONS] TRACE  run a program's strace recording on the model and\n"
	      "                          check every result (unevict replay --help)\n"
	      "  plot CSV -o OUT         draw a --timeline or bench CSV (.svg, .png)\n"
	      "                          with gnuplot\n"
	      "  bench NAME [ARGS...]    a benchmark of the model:\n"
	      "      mlock [--size GIB] [--no-kernel]   mlock/munlock page rates\n"
	      "      scan [--mem GIB] [--csv F] [--plot OUT]\n"
	      "                                         reclaim past unevictable pages\n"
	      "      exit-storm                         N tasks mlock one file and exit\n"
	      "      replay [--calls N] [--trace FILE]  replay's calls per second\n"
	      "  help, -h, --help        this text\n"
	      "  --version               print the version\n"
	      "\n"
	      "run and demo options:\n"
	      "  -v, --verbose           show every LRU move and batch drain, indented\n"
	      "                          under the statement that caused it\n"
	      "  -q, --quiet             print only failed expectations and the summary\n"
	      "  --json                  print one JSON document with every statement's\n"
	      "                          result, every expectation and the summary\n"
	      "  --check-invariants      check the model's invariants after every\n"
	      "                          statement; abort at the first violation\n"
	      "  --timeline FILE         write the LRU lists (per node and memcg), nr_mlock,\n"
	      "                          Mlocked, Unevictable and the unevictable_pgs_*\n"
	      "                          counters after every statement as CSV (one\n"
	      "                          scenario; - for stdout); unevict plot draws it\n"
	      "\n"
	      "exit status: 0 every expectation held, 1 an expectation failed,\n"
	      "2 bad input (malformed scenario, unknown option); with several files\n"
	      "the worst status wins.  The .uvs language: unevict-scenario(5).\n",
	      f);
}

static int bad_usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "unevict: ");
	fprintf(stderr, fmt, arg);
	fputs("\n\n", stderr);
	usage(stderr);
	return EXIT_BAD_INPUT;
}

/*
 * Options may come before, between or after the files (as GNU tools allow);
 * "--" ends them.  Files are gathered in files[] (argv pointers).
 */
static int parse_run_options(int argc, char **argv, bool demo,
			     struct cli_options *o, char **files, int *nr_files,
			     bool *help)
{
	bool options_done = false;
	int i;

	*nr_files = 0;
	*help = false;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (options_done || a[0] != '-' || !a[1]) {
			if (demo)
				return bad_usage("demo takes no file: '%s'", a);
			files[(*nr_files)++] = argv[i];
		} else if (!strcmp(a, "--")) {
			options_done = true;
		} else if (!strcmp(a, "--verbose")) {
			o->run.verbose = true;
		} else if (!strcmp(a, "--quiet")) {
			o->run.quiet = true;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if (!strcmp(a, "--check-invariants")) {
			o->run.check_invariants = true;
		} else if (!strcmp(a, "--timeline") || !strncmp(a, "--timeline=", 11)) {
			if (a[10] == '=')
				o->timeline = a + 11;
			else if (i + 1 < argc)
				o->timeline = argv[++i];
			if (!o->timeline || !o->timeline[0])
				return bad_usage("%s needs a file name", "--timeline");
		} else if (!strcmp(a, "--help")) {
			*help = true;
		} else if (demo && !strcmp(a, "--script")) {
			o->script = true;
		} else if (a[1] == '-') {
			return bad_usage("unknown option '%s'", a);
		} else {
			const char *c;

			for (c = a + 1; *c; c++) {
				if (*c == 'v')
					o->run.verbose = true;
				else if (*c == 'q')
					o->run.quiet = true;
				else if (*c == 'h')
					*help = true;
				else
					return bad_usage("unknown option '%s'", a);
			}
		}
	}
	return 0;
}

static int worse(int a, int b)
{
	return a > b ? a : b;
}

/* After every statement: the --timeline row and the progress line. */
struct run_steps {
	FILE *f;
	struct timeline *tl;		/* NULL without --timeline */
	struct progress progress;
	unsigned long done, total;
};

static int run_step(void *ctx, const struct scenario_statement *st,
		    const struct unev_machine *m)
{
	struct run_steps *tf = ctx;

	progress_update(&tf->progress, ++tf->done, tf->total);
	return tf->tl ? timeline_after_statement(tf->tl, st, m) : 0;
}

static int open_steps(const char *name, const struct scenario *s, const char *path,
		      struct scenario_run_options *run, char *err, size_t errlen)
{
	struct run_steps *tf = calloc(1, sizeof(*tf));
	int ret;

	if (!tf) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -ENOMEM;
	}
	progress_begin(&tf->progress, name);
	tf->total = s->nr_statements;
	run->after_statement = run_step;
	run->after_statement_ctx = tf;
	if (!path)
		return 0;
	tf->f = !strcmp(path, "-") ? stdout : fopen(path, "w");
	if (!tf->f) {
		ret = -errno;
		snprintf(err, errlen, "%s: cannot write the timeline: %s", path, strerror(-ret));
		return ret;
	}
	ret = timeline_create_for_scenario(tf->f, s, &tf->tl);
	if (ret) {
		snprintf(err, errlen, "%s: cannot start the timeline: %s", path, strerror(-ret));
		return ret;
	}
	return 0;
}

/* 0, or -EIO when the timeline could not be written. */
static int close_steps(struct run_steps *tf)
{
	int ret = 0;

	progress_end(&tf->progress);
	if (tf->tl)
		ret = timeline_destroy(tf->tl);
	if (tf->f && tf->f != stdout && fclose(tf->f))
		ret = -EIO;
	free(tf);
	return ret;
}

/*
 * ", K not run" after "N passed, M failed" when expectations of tasks the
 * OOM killer took were not run; nothing otherwise, so the line scripts
 * read keeps its form.
 */
static const char *not_run_text(unsigned int not_run, char *buf, size_t len)
{
	if (!not_run)
		return "";
	snprintf(buf, len, ", %u not run", not_run);
	return buf;
}

/*
 * Run one parsed (or unparsable: s == NULL, message in err) scenario and
 * report it as text or into the --json document doc.
 */
static int report_scenario(const char *name, struct scenario *s, char *err,
			   size_t errlen, const struct cli_options *o,
			   struct scenario_json_doc *doc, struct cli_totals *totals)
{
	struct scenario_run_summary sum = {0};
	struct scenario_run_options run = o->run;
	char buf[32];
	int status, ret;

	if (doc) {
		run.json = scenario_json_doc_add_run(doc, name);
		if (!run.json) {
			fprintf(stderr, "unevict: out of memory\n");
			return EXIT_BAD_INPUT;
		}
	}
	run.out = stdout;
	ret = s ? open_steps(name, s, o->timeline, &run, err, errlen) : -1;
	if (!ret)
		ret = scenario_run(s, &run, &sum, err, errlen);
	if (run.after_statement_ctx) {
		if (close_steps(run.after_statement_ctx) && !ret) {
			snprintf(err, errlen, "%s: cannot write the timeline", o->timeline);
			ret = -EIO;
		}
	}
	if (ret) {
		/* stderr even with --json: scripts and tests look for FILE:LINE */
		fflush(stdout);
		fprintf(stderr, "%s\n", err);
		status = EXIT_BAD_INPUT;
	} else {
		status = sum.failed ? EXIT_EXPECTATION_FAILED : EXIT_ALL_PASSED;
	}
	totals->t.files++;
	if (sum.ran)
		totals->files_ran++;
	totals->t.expectations += sum.expectations;
	totals->t.passed += sum.passed;
	totals->t.failed += sum.failed;
	totals->t.not_run += sum.not_run;
	totals->t.status = worse(totals->t.status, status);
	if (run.json) {
		scenario_json_run_status(run.json, status, ret ? err : NULL);
	} else if (sum.ran && totals->several) {
		fprintf(stdout, "%s: %u expectations: %u passed, %u failed%s\n", name,
			sum.expectations, sum.passed, sum.failed,
			not_run_text(sum.not_run, buf, sizeof(buf)));
	}
	return status;
}

/* The end of every run: the total line, or the JSON document. */
static int finish(struct scenario_json_doc *doc, const struct cli_totals *t)
{
	char buf[32];

	if (doc) {
		if (scenario_json_doc_write(doc, &t->t, stdout)) {
			fprintf(stderr, "unevict: cannot write the JSON document\n");
			return EXIT_BAD_INPUT;
		}
	} else if (t->files_ran && (t->several || t->t.status != EXIT_BAD_INPUT)) {
		/* (one file stopped by an error has no total: it did not finish) */
		/* the closing line scripts read: exactly "N passed, M failed" */
		fprintf(stdout, "%u expectations: %u passed, %u failed%s\n",
			t->t.expectations, t->t.passed, t->t.failed,
			not_run_text(t->t.not_run, buf, sizeof(buf)));
	}
	return t->t.status;
}

static int cmd_run(int argc, char **argv, bool demo)
{
	struct cli_options o = {0};
	struct cli_totals totals = {0};
	struct scenario_json_doc *doc = NULL;
	char err[1024];
	char **files;
	int nr_files, i, ret;
	bool help;

	files = calloc((size_t)argc, sizeof(*files));
	if (!files) {
		fprintf(stderr, "unevict: out of memory\n");
		return EXIT_BAD_INPUT;
	}
	ret = parse_run_options(argc, argv, demo, &o, files, &nr_files, &help);
	if (ret || help) {
		free(files);
		if (help)
			usage(stdout);
		return ret;
	}
	if (demo && o.script) {
		free(files);
		fputs(demo_scenario_text(), stdout);
		return EXIT_ALL_PASSED;
	}
	if (!demo && !nr_files) {
		free(files);
		return bad_usage("%s: no scenario file given", "run");
	}
	if (o.timeline && nr_files > 1) {
		free(files);
		return bad_usage("%s takes one scenario file", "--timeline");
	}
	totals.several = nr_files > 1;
	if (o.json) {
		doc = scenario_json_doc_new();
		if (!doc) {
			fprintf(stderr, "unevict: out of memory\n");
			ret = EXIT_BAD_INPUT;
			goto out;
		}
	}
	for (i = 0; i < (demo ? 1 : nr_files); i++) {
		const char *name = demo ? "demo.uvs" : files[i];
		struct scenario *s = NULL;

		if (demo)
			ret = scenario_parse_text(name, demo_scenario_text(), &s, err,
						  sizeof(err));
		else
			ret = scenario_parse_file(name, &s, err, sizeof(err));
		report_scenario(name, ret ? NULL : s, err, sizeof(err), &o, doc,
				&totals);
		scenario_free(s);
	}
	ret = finish(doc, &totals);
out:
	scenario_json_doc_free(doc);
	free(files);
	return ret;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return bad_usage("%s", "no command given");
	cmd = argv[1];
	if (!strcmp(cmd, "run"))
		return cmd_run(argc - 1, argv + 1, false);
	if (!strcmp(cmd, "demo"))
		return cmd_run(argc - 1, argv + 1, true);
	if (!strcmp(cmd, "conform"))
		return conform_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "plot"))
		return plot_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "fuzz"))
		return fuzz_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "replay"))
		return replay_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "bench") && argc > 2 && !strcmp(argv[2], "replay"))
		return bench_replay_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "kernels"))
		return vm_kernels_main(argc - 1, argv + 1);
	if (!strcmp(cmd, "bench"))
		return unev_bench_main(argc - 2, argv + 2);
	if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
		usage(stdout);
		return EXIT_ALL_PASSED;
	}
	if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
		printf("unevict %s\n", UNEV_VERSION);
		return EXIT_ALL_PASSED;
	}
	return bad_usage("unknown command '%s'", cmd);
}
