/*
 * bench_reclaim.c - `unevict bench scan` and `unevict bench exit-storm`:
 * the seed's headline, measured on the three designs (issue "Reclaim").
 *
 * scan: a node with swap, most of it unevictable (mlocked anonymous
 * memory, SHM_LOCKed shared memory and ramfs, a third each, set up in
 * interleaved 1 GiB steps so every list mixes them), the rest page cache;
 * reclaim 1 GiB and count what vmscan looked at.
 *
 * exit-storm: N processes map one shared file, all mlock it, all exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "plot.h"
#include "progress.h"
#include "unevict.h"

#define GIB (1ULL << 30)

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t vmstat(struct unev_machine *m, const char *name)
{
	uint64_t v = 0;

	unev_vmstat_read(m, name, &v);
	return v;
}

struct scan_result {
	uint64_t scanned, reclaimed;
	double cpu_s;
};

/* Build the node, `locked_pct` percent unevictable, then reclaim 1 GiB. */
static int scan_one(enum unev_design design, uint64_t mem, unsigned int locked_pct,
		    struct scan_result *r)
{
	struct unev_machine_config cfg;
	struct unev_task_config tc;
	struct unev_machine *m;
	/* the rest is page cache, less a margin (0.3% + 64 MiB) so setting up
	 * stays above the high watermark (kswapd would reclaim while we build) */
	uint64_t margin = mem / 1000 * 3 + (64ULL << 20);
	uint64_t locked = mem / 100 * locked_pct, cache = mem / 100 * (100 - locked_pct) - margin;
	uint64_t step = GIB / 4, done[4] = { 0 }, want[4];
	uint64_t reclaimed = 0, scan0;
	int pid, ramfs, disk, shm, err;
	double t0;

	unev_machine_config_default(&cfg);
	cfg.mem_bytes = mem;
	cfg.swap_bytes = 8 * GIB;
	cfg.design = design;
	err = unev_machine_create(&cfg, &m);
	if (err)
		return err;
	unev_task_config_default(&tc);
	tc.cap_ipc_lock = true;
	err = unev_task_create(m, &tc, &pid);
	want[0] = want[1] = want[2] = locked / 3;
	want[3] = cache;
	if (!err)
		err = unev_file_create(m, "/mnt/ramfs/data", UNEV_FS_RAMFS, want[2], &ramfs);
	if (!err)
		err = unev_file_create(m, "/srv/cache", UNEV_FS_DISK, want[3], &disk);
	if (!err && want[1])
		err = unev_shm_create(m, want[1], 0, &shm);
	if (!err && want[1])
		err = unev_sys_shmctl(m, pid, shm, UNEV_SHM_LOCK);
	if (!err && want[1]) {
		uint64_t a;

		err = unev_sys_shmat(m, pid, shm, 0, &a);
		done[1] = a;	/* the attach address, then bytes done below */
	}
	/* interleave the four kinds a quarter GiB at a time */
	for (uint64_t shm_addr = done[1], off[4] = { 0 }; !err;) {
		bool any = false;

		for (int k = 0; k < 4 && !err; k++) {
			uint64_t n = want[k] - off[k] < step ? want[k] - off[k] : step, a;

			if (!n)
				continue;
			any = true;
			switch (k) {
			case 0:
				err = unev_sys_mmap(m, pid, 0, n, UNEV_PROT_READ | UNEV_PROT_WRITE,
						    UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | UNEV_MAP_LOCKED, &a);
				break;
			case 1:
				err = unev_touch(m, pid, shm_addr + off[1], n, true);
				break;
			case 2:
				err = unev_sys_pwrite(m, pid, ramfs, off[2], n);
				break;
			case 3:
				err = unev_sys_pread(m, pid, disk, off[3], n);
				break;
			}
			off[k] += n;
		}
		if (!any)
			break;
	}
	unev_drain_all(m);
	if (err) {
		unev_machine_destroy(m);
		return err;
	}
	scan0 = vmstat(m, "pgscan_direct");
	t0 = cpu_now();
	err = unev_reclaim(m, GIB, -1, 0, &reclaimed);
	r->cpu_s = cpu_now() - t0;
	r->scanned = vmstat(m, "pgscan_direct") - scan0;
	r->reclaimed = reclaimed;
	unev_machine_destroy(m);
	return err;
}

static int bench_scan(int argc, char **argv)
{
	static const enum unev_design designs[] = { UNEV_DESIGN_MLOCK_COUNT, UNEV_DESIGN_RMAP_WALK,
						    UNEV_DESIGN_NONE };
	static const unsigned int sweep[] = { 0, 50, 90, 99 };
	uint64_t mem = 128 * GIB;
	struct scan_result res[3];
	double ratio[3];
	const char *csv_path = NULL, *plot_path = NULL;
	struct progress pr;
	FILE *csv = NULL;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--mem") && i + 1 < argc) {
			char *end;
			unsigned long long g = strtoull(argv[++i], &end, 10);

			if (*end || g < 4 || g > 512) {
				fprintf(stderr, "bench scan: --mem takes GiB, 4..512\n");
				return 2;
			}
			mem = g * GIB;
		} else if (!strcmp(argv[i], "--csv") && i + 1 < argc) {
			csv_path = argv[++i];
		} else if (!strcmp(argv[i], "--plot") && i + 1 < argc) {
			plot_path = argv[++i];
		} else {
			fprintf(stderr, "usage: unevict bench scan [--mem GIB] [--csv FILE] [--plot OUT.svg|OUT.png]\n");
			return 2;
		}
	}
	if (plot_path && !csv_path) {
		fprintf(stderr, "bench scan: --plot draws the --csv file: give both\n");
		return 2;
	}
	if (csv_path) {
		csv = fopen(csv_path, "w");
		if (!csv) {
			fprintf(stderr, "bench scan: %s: %s\n", csv_path, strerror(errno));
			return 2;
		}
		/* one row per locked share; panels per figure, a series per design
		 * (the column names unevict plot groups by, plot.h) */
		fputs("locked_pct", csv);
		for (int d = 0; d < 3; d++)
			fprintf(csv, ",cpu_seconds.%s,reclaimed_mib.%s,scanned_per_reclaimed.%s",
				unev_design_name(designs[d]), unev_design_name(designs[d]),
				unev_design_name(designs[d]));
		fputc('\n', csv);
	}
	progress_begin(&pr, "bench scan");
	printf("bench scan: %llu GiB node, 8 GiB swap, 90%% unevictable (mlocked anon, SHM_LOCK, ramfs: a third each), page cache, reclaim 1 GiB\n\n",
	       (unsigned long long)(mem / GIB));
	printf("%-12s %14s %14s %12s %10s\n", "design", "scanned", "reclaimed", "scan/recl", "cpu s");
	for (int d = 0; d < 3; d++) {
		int err;

		progress_update(&pr, d, 3);
		err = scan_one(designs[d], mem, 90, &res[d]);

		if (err) {
			fprintf(stderr, "bench scan: %s: %s\n", unev_design_name(designs[d]), strerror(-err));
			return 1;
		}
		ratio[d] = res[d].reclaimed ? (double)res[d].scanned / (double)res[d].reclaimed : 0;
		printf("%-12s %14llu %14llu %12.2f %10.3f\n", unev_design_name(designs[d]),
		       (unsigned long long)res[d].scanned, (unsigned long long)res[d].reclaimed,
		       ratio[d], res[d].cpu_s);
	}
	printf("\nlocked share sweep: cpu seconds, MiB reclaimed, scanned per reclaimed\n");
	printf("%-8s", "locked");
	for (int d = 0; d < 3; d++)
		printf(" %28s", unev_design_name(designs[d]));
	printf("\n");
	for (size_t s = 0; s < sizeof(sweep) / sizeof(sweep[0]); s++) {
		printf("%6u%% ", sweep[s]);
		if (csv)
			fprintf(csv, "%u", sweep[s]);
		for (int d = 0; d < 3; d++) {
			struct scan_result r;
			int err;

			progress_update(&pr, d + 3 * s, 3 * (sizeof(sweep) / sizeof(sweep[0])));
			err = scan_one(designs[d], mem, sweep[s], &r);
			if (err) {
				printf(" %28s", strerror(-err));
				if (csv)
					fputs(",,,", csv);
				continue;
			}
			if (csv)
				fprintf(csv, ",%.3f,%llu,%.2f", r.cpu_s,
					(unsigned long long)(r.reclaimed >> 8),
					r.reclaimed ? (double)r.scanned / (double)r.reclaimed : 0.0);
			printf("   %7.3f s %6llu MiB %8.2f", r.cpu_s,
			       (unsigned long long)(r.reclaimed >> 8),
			       r.reclaimed ? (double)r.scanned / (double)r.reclaimed : 0.0);
		}
		printf("\n");
		if (csv)
			fputc('\n', csv);
	}
	progress_end(&pr);
	if (csv && fclose(csv)) {
		fprintf(stderr, "bench scan: %s: %s\n", csv_path, strerror(errno));
		return 1;
	}
	if (plot_path) {
		char err[1024];
		int ret = timeline_plot(csv_path, plot_path,
					"bench scan: reclaim 1 GiB, by share of the node locked",
					err, sizeof(err));

		if (ret) {
			fprintf(stderr, "bench scan: %s\n", err);
			return 1;
		}
	}
	printf("scanned-per-reclaimed mlock-count=%.2f rmap-walk=%.2f none=%.2f\n", ratio[0], ratio[1],
	       ratio[2]);
	return 0;
}

struct storm_result {
	double seconds;
	uint64_t visits;
};

/*
 * N tasks map one shared file and mlock it; then they exit.  In order
 * (each exit done before the next), or overlapping: every task has
 * unlocked (the munlock half of its exit) before any unmaps.
 */
static int storm_one(enum unev_design design, unsigned int n, uint64_t size, bool overlap,
		     struct storm_result *r)
{
	struct unev_machine_config cfg;
	struct unev_task_config tc;
	struct unev_machine *m;
	int *pids = calloc(n, sizeof(int)), ino, err;
	uint64_t v0;
	double t0;

	if (!pids)
		return -ENOMEM;
	unev_machine_config_default(&cfg);
	cfg.mem_bytes = 2 * GIB;
	cfg.design = design;
	err = unev_machine_create(&cfg, &m);
	if (err) {
		free(pids);
		return err;
	}
	unev_task_config_default(&tc);
	tc.cap_ipc_lock = true;
	err = unev_file_create(m, "/srv/shared", UNEV_FS_DISK, size, &ino);
	for (unsigned int i = 0; i < n && !err; i++) {
		uint64_t a;

		tc.cpu = 0;
		err = unev_task_create(m, &tc, &pids[i]);
		if (!err)
			err = unev_sys_mmap_file(m, pids[i], 0, size, UNEV_PROT_READ,
						 UNEV_MAP_SHARED | UNEV_MAP_LOCKED, ino, 0, &a);
	}
	unev_drain_all(m);
	unev_machine_stat(m, "rmap_visits", &v0);
	t0 = cpu_now();
	for (unsigned int i = 0; i < n && !err && overlap; i++)
		err = unev_sys_munlockall(m, pids[i]);
	for (unsigned int i = 0; i < n && !err; i++)
		err = unev_sys_exit(m, pids[i]);
	unev_drain_all(m);
	r->seconds = cpu_now() - t0;
	unev_machine_stat(m, "rmap_visits", &r->visits);
	r->visits -= v0;
	unev_machine_destroy(m);
	free(pids);
	return err;
}

static int bench_exit_storm(int argc, char **argv)
{
	static const unsigned int ns[] = { 16, 128, 1024 };
	uint64_t size = 64ULL << 20;
	struct progress pr;
	double ratio = 0;

	(void)argv;
	if (argc) {
		fprintf(stderr, "usage: unevict bench exit-storm\n");
		return 2;
	}
	progress_begin(&pr, "bench exit-storm");
	printf("bench exit-storm: N tasks map one 64 MiB file MAP_LOCKED (16384 pages), then all exit\n");
	printf("in order: each exit ends before the next; overlapping: every task has unlocked\n");
	printf("(the munlock half of its exit) before any has unmapped, as when they die together\n\n");
	printf("%-12s %6s %12s %16s %14s %16s %8s\n", "exits", "N", "rmap-walk s", "rmap-walk visits",
	       "mlock-count s", "mlock-count visits", "ratio");
	for (int overlap = 0; overlap < 2; overlap++) {
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++) {
			struct storm_result rw, mc;
			int err;

			progress_update(&pr, overlap * 3 + i, 6);
			err = storm_one(UNEV_DESIGN_RMAP_WALK, ns[i], size, overlap, &rw);

			if (!err)
				err = storm_one(UNEV_DESIGN_MLOCK_COUNT, ns[i], size, overlap, &mc);
			if (err) {
				fprintf(stderr, "bench exit-storm: N=%u: %s\n", ns[i], strerror(-err));
				return 1;
			}
			ratio = mc.seconds > 0 ? rw.seconds / mc.seconds : 0.0;
			printf("%-12s %6u %12.3f %16llu %14.3f %16llu %8.1f\n",
			       overlap ? "overlapping" : "in order", ns[i], rw.seconds,
			       (unsigned long long)rw.visits, mc.seconds, (unsigned long long)mc.visits,
			       ratio);
			fflush(stdout);
		}
	}
	progress_end(&pr);
	printf("exit-storm N=1024 rmap-walk/mlock-count time ratio=%.1f\n", ratio);
	return 0;
}

int bench_reclaim_main(const char *name, int argc, char **argv)
{
	if (!strcmp(name, "scan"))
		return bench_scan(argc, argv);
	if (!strcmp(name, "exit-storm"))
		return bench_exit_storm(argc, argv);
	return -ENOENT;
}
