/*
 * conform.c - the command line of `unevict conform FILE...`: its options,
 * the preflight, then src/conform/runner.c.
 */
#include "conform.h"

#include "runner.h"
#include "vm.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	char helper[PATH_MAX], why[1024];
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
	ret = conform_files(files, nr_files, &o);
	free(files);
	return ret;
}
