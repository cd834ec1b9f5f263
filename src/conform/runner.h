/*
 * runner.h - `unevict conform`'s run (runner.c): each scenario on the
 * model once and live until two undisturbed runs agree, side by side.
 */
#ifndef CONFORM_RUNNER_H
#define CONFORM_RUNNER_H

#include "host_probe.h"
#include "native.h"

#include <stdbool.h>

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
	int memcg_hier;		/* PROC_MEMCG_V1, _V2, or <0: no memcgs live */
	char thp[16];		/* THP's mode ("" if none) */
	bool machine_ours;	/* a VM guest's: sysctl, thp=, swap= run live */
};

struct conform_options {
	bool quiet;
	unsigned int max_runs;
	struct native_options native;
	struct conform_host host;	/* filled by conform_files */
};

/*
 * Run and compare every file, print each one's result and the totals
 * ("conformance: N of M scenarios agree exactly"); stdout is held to the
 * end, progress goes to stderr.  The worst status of all files.
 */
int conform_files(char **files, int nr_files, struct conform_options *o);

#endif /* CONFORM_RUNNER_H */
