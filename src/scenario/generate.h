/*
 * generate.h - random but valid .uvs programs (generate.c), for
 * `unevict fuzz` and the libFuzzer harness.
 *
 * A program is a pure function of its options and seed: the same seed
 * gives the same text on every machine, so a seed is a reproducer.  Every
 * program parses and passes scenario_model_check(); what it does at run
 * time is random (calls may fail, as a program's would).
 */
#ifndef SCENARIO_GENERATE_H
#define SCENARIO_GENERATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum scenario_gen_profile {
	/* the whole language the model runs: machine options, sysctls,
	 * swap, designs, reclaim of a node, lru expectations */
	SCENARIO_GEN_MODEL,
	/* only what `unevict conform` runs and compares live on this host
	 * (docs/CONFORM.md): no sysctl, swap, design, node reclaim or lru;
	 * memcg limits in pages, reclaim memcg= only by tasks on CPU 0,
	 * memlock= within the 8M hard limit unless cap_ipc_lock */
	SCENARIO_GEN_LIVE,
};

struct scenario_gen_options {
	enum scenario_gen_profile profile;
	unsigned int max_statements;	/* task/kernel/expect statements; 0 = 40 */
	unsigned int max_pages;		/* largest mmap/file/shm in pages; 0 = 2048 */
	bool no_memcg, no_files, no_shm, no_fork;
	/* Leave out what conform marks image-dependent (docs/CONFORM.md,
	 * "The mlockall rule"): mlockall(MCL_CURRENT), and fork/exec of a
	 * task in a memcg. */
	bool no_image;
	/* Everything a live host cannot show: --no-image, and no design=,
	 * kernel= or `expect lru` (model only in conform), no read fault on a
	 * machine with zero_page=off. */
	bool no_unobservable;
	/* Leave out the known bugs (so that new ones stand out): those of
	 * issue 13 (memcg limits, mremap of an unmapped region, fork: the
	 * helper's own COW faults, MCL_CURRENT without CAP_IPC_LOCK, ranges
	 * past a region's end: the helper's [vdso]) and those the fuzzer
	 * found (tests/fuzz-found/: MADV_REMOVE,
	 * SHM_RDONLY, brk shrinking an unmapped heap, exec of a memcg
	 * task). */
	bool avoid_known;
};

/*
 * The program of one seed, as a NUL-terminated malloc'd string in *text
 * (the caller frees it).  0 or -ENOMEM.
 */
int scenario_generate(const struct scenario_gen_options *o, uint64_t seed,
		      char **text);

#endif /* SCENARIO_GENERATE_H */
