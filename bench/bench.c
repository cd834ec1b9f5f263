/*
 * bench.c - `unevict bench mlock`: the model's bring-up cost and its mlock
 * and munlock page rates, side by side with the live kernel's on the same
 * operation (issue "The core", Performance).  Figures, not pass/fail: speed
 * goals live here, never in timed tests.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "unevict.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Resident set of this process, bytes (/proc/self/statm). */
static uint64_t rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f)
		return 0;
	if (fscanf(f, "%lu %lu", &size, &resident) != 2)
		resident = 0;
	fclose(f);
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

#define REPEAT 5	/* best of: the figures are rates, other load only slows */

struct rates {
	double mlock_pps, munlock_pps;
	double mlock_s, munlock_s;
};

/*
 * The region: populated order-0 pages, or (@thp) MADV_HUGEPAGE before the
 * populate, so that each aligned 2 MiB faults a PMD-mapped THP and mlock
 * meets 512 pages at a time (mlock_pte_range's PMD branch).  *thp_kb is
 * the region's AnonHugePages afterwards: how much of it the THPs back.
 */
static int bench_model(uint64_t bytes, bool thp, struct rates *r, uint64_t *thp_kb)
{
	struct unev_machine_config cfg;
	struct unev_task_config tc;
	struct unev_machine *m;
	uint64_t addr, pages = bytes / UNEV_PAGE_SIZE;
	double t0;
	int pid, err;

	unev_machine_config_default(&cfg);
	cfg.mem_bytes = bytes * 2;
	err = unev_machine_create(&cfg, &m);
	if (err)
		return err;
	unev_task_config_default(&tc);
	tc.cap_ipc_lock = true;
	err = unev_task_create(m, &tc, &pid);
	if (!err)
		err = unev_sys_mmap(m, pid, 0, bytes, UNEV_PROT_READ | UNEV_PROT_WRITE,
				    UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS |
					    (thp ? 0 : UNEV_MAP_POPULATE),
				    &addr);
	if (!err && thp)
		err = unev_sys_madvise(m, pid, addr, bytes, UNEV_MADV_HUGEPAGE);
	if (!err && thp)
		err = unev_sys_madvise(m, pid, addr, bytes, UNEV_MADV_POPULATE_WRITE);
	if (!err)
		err = unev_smaps_read(m, pid, addr, addr + bytes, "AnonHugePages", thp_kb);
	if (err) {
		unev_machine_destroy(m);
		return err;
	}
	/* best of REPEAT mlock/munlock cycles, for the model as for the kernel */
	r->mlock_s = r->munlock_s = 1e9;
	for (int i = 0; i < REPEAT && !err; i++) {
		double t1;

		t0 = now();
		err = unev_sys_mlock(m, pid, addr, bytes);
		t1 = now();
		if (t1 - t0 < r->mlock_s)
			r->mlock_s = t1 - t0;
		if (!err)
			err = unev_sys_munlock(m, pid, addr, bytes);
		if (now() - t1 < r->munlock_s)
			r->munlock_s = now() - t1;
	}
	r->mlock_pps = (double)pages / r->mlock_s;
	r->munlock_pps = (double)pages / r->munlock_s;
	unev_machine_destroy(m);
	return err;
}

/* The same on the running kernel: needs Linux and the right to lock 4 GiB. */
static uint64_t smaps_anon_huge_kb(void *p)
{
	char line[256];
	uint64_t kb = 0;
	bool in = false;
	FILE *f = fopen("/proc/self/smaps", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long lo, hi, v;

		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && sscanf(line, "AnonHugePages: %lu kB", &v) == 1)
			kb += v;
	}
	fclose(f);
	return kb;
}

static int bench_kernel(uint64_t bytes, bool thp, struct rates *r, uint64_t *thp_kb,
			const char **why)
{
	uint64_t pages = bytes / 4096;
	struct rlimit rl;
	double t0;
	void *p;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < bytes && geteuid() != 0) {
		*why = "RLIMIT_MEMLOCK too low and not root";
		return -EPERM;
	}
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | (thp ? 0 : MAP_POPULATE), -1, 0);
	if (p == MAP_FAILED) {
		*why = strerror(errno);
		return -errno;
	}
	/* 6.7+ places a 2 MiB multiple 2 MiB-aligned; older kernels may
	 * leave the ends to small pages, which AnonHugePages shows */
	if (thp && (madvise(p, bytes, MADV_HUGEPAGE) || madvise(p, bytes, 23 /* POPULATE_WRITE */))) {
		*why = strerror(errno);
		munmap(p, bytes);
		return -EINVAL;
	}
	*thp_kb = smaps_anon_huge_kb(p);
	r->mlock_s = r->munlock_s = 1e9;
	for (int i = 0; i < REPEAT; i++) {
		double t1;

		t0 = now();
		if (mlock(p, bytes)) {
			*why = strerror(errno);
			munmap(p, bytes);
			return -EPERM;
		}
		t1 = now();
		if (t1 - t0 < r->mlock_s)
			r->mlock_s = t1 - t0;
		munlock(p, bytes);
		if (now() - t1 < r->munlock_s)
			r->munlock_s = now() - t1;
	}
	munmap(p, bytes);
	r->mlock_pps = (double)pages / r->mlock_s;
	r->munlock_pps = (double)pages / r->munlock_s;
	return 0;
}

/* One table: the model's rates beside the kernel's (@kernel NULL: skipped). */
static void print_rates(uint64_t bytes, bool thp, const struct rates *model,
			const struct rates *kernel, const char *why, uint64_t model_thp_kb,
			uint64_t kernel_thp_kb)
{
	printf("\nbest of %d mlock + munlock cycles of a populated %llu GiB private anonymous region%s\n",
	       REPEAT, (unsigned long long)(bytes >> 30),
	       thp ? ",\nMADV_HUGEPAGE before populate (PMD-mapped THPs)" : " (order-0 pages)");
	if (thp)
		printf("AnonHugePages: model %llu kB, kernel %s%llu kB of %llu kB\n",
		       (unsigned long long)model_thp_kb, kernel ? "" : "(skipped) ",
		       (unsigned long long)kernel_thp_kb, (unsigned long long)(bytes >> 10));
	printf("%-8s %14s %14s %10s\n", "op", "model pages/s", "kernel pages/s", "ratio");
	if (kernel) {
		printf("%-8s %14.0f %14.0f %9.1fx\n", "mlock", model->mlock_pps,
		       kernel->mlock_pps, model->mlock_pps / kernel->mlock_pps);
		printf("%-8s %14.0f %14.0f %9.1fx\n", "munlock", model->munlock_pps,
		       kernel->munlock_pps, model->munlock_pps / kernel->munlock_pps);
		printf("mlock %llu GiB%s: model/kernel ratio mlock=%.1f munlock=%.1f\n",
		       (unsigned long long)(bytes >> 30), thp ? " THP" : "",
		       model->mlock_pps / kernel->mlock_pps, model->munlock_pps / kernel->munlock_pps);
	} else {
		printf("%-8s %14.0f %14s\n", "mlock", model->mlock_pps, "-");
		printf("%-8s %14.0f %14s\n", "munlock", model->munlock_pps, "-");
		printf("kernel side skipped: %s\n", why[0] ? why : "--no-kernel");
	}
}

static int bench_mlock(int argc, char **argv)
{
	uint64_t bytes = 4ULL << 30;
	struct unev_machine_config cfg;
	struct unev_machine *m;
	struct rates model = { 0 }, kernel = { 0 };
	const char *why = "";
	uint64_t model_thp_kb = 0, kernel_thp_kb = 0;
	bool live = true;
	uint64_t rss0, rss1;
	double t0, up;
	int err;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--no-kernel")) {
			live = false;
		} else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			char *end;
			unsigned long long gib = strtoull(argv[++i], &end, 10);

			if (*end || gib == 0 || gib > 64) {
				fprintf(stderr, "bench mlock: --size takes GiB, 1..64\n");
				return 2;
			}
			bytes = gib << 30;
		} else {
			fprintf(stderr, "usage: unevict bench mlock [--size GIB] [--no-kernel]\n");
			return 2;
		}
	}

	/* bring-up of a 128 GiB node: 32 Mi struct pages */
	unev_machine_config_default(&cfg);
	cfg.mem_bytes = 128ULL << 30;
	rss0 = rss_bytes();
	t0 = now();
	err = unev_machine_create(&cfg, &m);
	up = now() - t0;
	if (err) {
		fprintf(stderr, "bench mlock: machine mem=128G: %s\n", strerror(-err));
		return 1;
	}
	rss1 = rss_bytes();
	printf("machine mem=128G: up in %.3f s, RSS +%.1f MiB (memmap %.0f MiB reserved)\n", up,
	       (double)(rss1 - rss0) / (1 << 20), (double)unev_machine_footprint(m) / (1 << 20));
	unev_machine_destroy(m);

	for (int thp = 0; thp < 2; thp++) {
		const char *kwhy = why;
		bool klive = live;

		err = bench_model(bytes, thp, &model, &model_thp_kb);
		if (err) {
			fprintf(stderr, "bench mlock: model%s: %s\n", thp ? " (THP)" : "",
				strerror(-err));
			return 1;
		}
		if (klive && bench_kernel(bytes, thp, &kernel, &kernel_thp_kb, &kwhy))
			klive = false;
		print_rates(bytes, thp, &model, klive ? &kernel : NULL, kwhy, model_thp_kb,
			    kernel_thp_kb);
	}
	return 0;
}

static void bench_usage(FILE *f)
{
	fputs("usage: unevict bench NAME [OPTIONS]\n"
	      "\n"
	      "Benchmarks of the model (figures, not pass/fail):\n"
	      "  mlock [--size GIB] [--no-kernel]\n"
	      "        bring-up of a 128 GiB node, then mlock and munlock page rates of a\n"
	      "        populated region (default 4 GiB), beside the live kernel's, on\n"
	      "        order-0 pages and on PMD-mapped THPs (MADV_HUGEPAGE)\n"
	      "  scan [--mem GIB] [--csv FILE] [--plot OUT.svg|OUT.png]\n"
	      "        reclaim 1 GiB from a node (default 128 GiB) 90% unevictable on\n"
	      "        each design, then a sweep of the locked share; --csv writes the\n"
	      "        sweep, --plot draws it with gnuplot\n"
	      "  exit-storm\n"
	      "        N = 16, 128, 1024 tasks mlock one shared 64 MiB file and exit,\n"
	      "        in order and overlapping: rmap-walk against mlock-count (minutes)\n"
	      "  replay [--calls N] [--trace FILE]\n"
	      "        unevict replay's calls per second (unevict bench replay --help)\n"
	      "\n"
	      "Long benchmarks show progress on stderr when it is a terminal.\n",
	      f);
}

int unev_bench_main(int argc, char **argv)
{
	int ret;

	if (argc < 1) {
		bench_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h") || !strcmp(argv[0], "help") ||
	    (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))) {
		bench_usage(stdout);
		return 0;
	}
	if (!strcmp(argv[0], "mlock"))
		return bench_mlock(argc - 1, argv + 1);
	ret = bench_reclaim_main(argv[0], argc - 1, argv + 1);
	if (ret != -ENOENT)
		return ret;
	fprintf(stderr, "unevict bench: unknown benchmark '%s' (known: mlock, scan, exit-storm)\n",
		argv[0]);
	return 2;
}
