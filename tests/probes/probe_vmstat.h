/*
 * probe_vmstat.h - what the hand-run probes share (tests/probes/newcalls.c
 * and tests/model/profiles/probe.c, each built alone: static, libc only):
 * /proc/vmstat counters read after stat_refresh folds the per-CPU deltas
 * in, and lru_add_drain_all as conform does it.  Root for stat_refresh.
 */
#ifndef UNEV_PROBE_VMSTAT_H
#define UNEV_PROBE_VMSTAT_H

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Write text to a /proc or /sys file; a failure is printed, not fatal. */
static void probe_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

/* v[i] = /proc/vmstat's fields[i] (-1 if the kernel has none). */
static void probe_snap(const char *const *fields, size_t nf, long *v)
{
	static char buf[1 << 16];
	int fd, n;

	probe_write_file("/proc/sys/vm/stat_refresh", "1");
	fd = open("/proc/vmstat", O_RDONLY);
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (size_t i = 0; i < nf; i++) {
		char key[64], *p;

		snprintf(key, sizeof(key), "\n%s ", fields[i]);
		p = strstr(buf, key);
		v[i] = p ? atol(p + strlen(key)) : -1;
	}
}

/* lru_add_drain_all(): move_pages of 0 pages (tests/scenarios/DRAIN.md) */
static void probe_drain(void)
{
	int node = 0;

	syscall(SYS_move_pages, 0, 0UL, NULL, &node, NULL, 0);
}

#endif /* UNEV_PROBE_VMSTAT_H */
