/*
 * mlock_counters.c - libunevict from an installed prefix, through
 * pkg-config:
 *
 *     cc mlock_counters.c $(pkg-config --cflags --libs unevict) -o mlock_counters
 *
 * A 1 GiB machine, one task with an 8 MiB RLIMIT_MEMLOCK; it maps 300
 * pages, touches them, mlocks them, and reads what the kernel's /proc files
 * would show.  Exit status 0 when the counters are the ones Linux 6.18
 * shows for the same program (unevict demo, tests/scenarios/core).
 */
#include <stdio.h>
#include <string.h>

#include <unevict.h>

static int check(const char *what, unsigned long long got, unsigned long long want)
{
	printf("%-32s %8llu%s\n", what, got, got == want ? "" : "   (unexpected)");
	return got != want;
}

int main(void)
{
	struct unev_machine_config cfg;
	struct unev_task_config tc;
	struct unev_machine *m;
	uint64_t addr, len = 300 * UNEV_PAGE_SIZE, v;
	int pid, err, bad = 0;

	unev_machine_config_default(&cfg);	/* 1 node, 1 GiB, 1 CPU */
	err = unev_machine_create(&cfg, &m);
	if (err) {
		fprintf(stderr, "unev_machine_create: %s\n", strerror(-err));
		return 1;
	}
	unev_task_config_default(&tc);		/* RLIMIT_MEMLOCK 8 MiB */
	err = unev_task_create(m, &tc, &pid);
	if (!err)
		err = unev_sys_mmap(m, pid, 0, len, UNEV_PROT_READ | UNEV_PROT_WRITE,
				    UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &addr);
	if (!err)
		err = unev_touch(m, pid, addr, len, true);
	if (!err)
		err = unev_sys_mlock(m, pid, addr, len);
	if (err) {
		fprintf(stderr, "unevict: %s\n", strerror(-err));
		unev_machine_destroy(m);
		return 1;
	}
	printf("unevict %s: 300 pages touched and mlocked\n", UNEV_VERSION);
	unev_vmstat_read(m, "nr_mlock", &v);
	bad |= check("vmstat nr_mlock", v, 300);
	unev_vmstat_read(m, "unevictable_pgs_culled", &v);
	bad |= check("vmstat unevictable_pgs_culled", v, 300);
	unev_lru_read(m, "unevictable", &v);
	bad |= check("lru unevictable (pages)", v, 300);
	unev_meminfo_read(m, "Mlocked", &v);
	bad |= check("meminfo Mlocked (kB)", v, 1200);
	unev_status_read(m, pid, "VmLck", &v);
	bad |= check("status VmLck (kB)", v, 1200);

	unev_sys_munlock(m, pid, addr, len);
	unev_vmstat_read(m, "unevictable_pgs_rescued", &v);
	bad |= check("after munlock: pgs_rescued", v, 300);
	unev_machine_destroy(m);
	return bad;
}
