/*
 * probe.c - the VM probe behind tests/model/profiles/: run as /init of a
 * tiny initramfs under qemu (run-probe.sh), it does each profile-telling
 * sequence with real system calls and prints the /proc/vmstat deltas.
 * Static, libc only; one CPU (qemu -smp 1), THP and MGLRU off.
 *
 *   cc -O2 -static -I ../../probes -o init probe.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe_vmstat.h"

#define PG 4096UL
#ifndef MLOCK_ONFAULT
#define MLOCK_ONFAULT 1
#endif

static const char *const fields[] = {
	"unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_culled",
	"unevictable_pgs_rescued", "unevictable_pgs_cleared", "unevictable_pgs_stranded",
	"nr_mlock", "nr_unevictable", "nr_inactive_anon", "nr_active_anon",
};
static const char *const short_names[] = {
	"mlocked", "munlocked", "culled", "rescued", "cleared", "stranded",
	"nr_mlock", "nr_unevictable", "inactive_anon", "active_anon",
};
#define NF (sizeof(fields) / sizeof(fields[0]))

static long base[NF];

static void report(const char *test, const char *step)
{
	long v[NF];

	probe_snap(fields, NF, v);
	printf("PROBE %s %s:", test, step);
	for (size_t i = 0; i < NF; i++)
		printf(" %s=%ld", short_names[i], v[i] - base[i]);
	printf("\n");
	fflush(stdout);
}

static char *map(unsigned long pages, int prot, int flags)
{
	char *p = mmap(NULL, pages * PG, prot, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	return p;
}

static void touch(char *p, unsigned long pages, int write)
{
	for (unsigned long i = 0; i < pages; i++) {
		if (write)
			p[i * PG] = 1;
		else
			(void)*(volatile char *)&p[i * PG];
	}
}

static void test_munmap(void)
{
	char *p = map(300, PROT_READ | PROT_WRITE, 0);

	touch(p, 300, 1);
	report("munmap", "touch");
	mlock(p, 300 * PG);
	report("munmap", "mlock");
	munmap(p, 300 * PG);
	report("munmap", "munmap");
	probe_drain();
	report("munmap", "drain");
}

static void test_onfault(void)
{
	char *p = map(300, PROT_READ | PROT_WRITE, 0);

	syscall(SYS_mlock2, p, 300 * PG, MLOCK_ONFAULT);
	touch(p, 300, 1);
	report("onfault", "touch");
	probe_drain();
	report("onfault", "drain");
	munmap(p, 300 * PG);
}

static void test_readonly(void)
{
	char *p = map(300, PROT_READ, 0);

	mlock(p, 300 * PG);
	report("readonly", "mlock");
	munmap(p, 300 * PG);
}

static void test_munlock(void)
{
	char *p = map(290, PROT_READ | PROT_WRITE, 0);

	touch(p, 290, 1);
	mlock(p, 290 * PG);
	probe_drain();
	report("munlock", "mlock+drain");
	munlock(p, 290 * PG);
	report("munlock", "munlock");
	probe_drain();
	report("munlock", "drain");
	munmap(p, 290 * PG);
}

static void test_exit(void)
{
	pid_t pid = fork();

	if (!pid) {
		char *p = map(300, PROT_READ | PROT_WRITE, 0);

		touch(p, 300, 1);
		mlock(p, 300 * PG);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	report("exit", "exit");
	probe_drain();
	report("exit", "drain");
}

static void run(const char *name, void (*fn)(void))
{
	pid_t pid;

	probe_drain();
	probe_snap(fields, NF, base);
	pid = fork();
	if (!pid) {
		fn();
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	(void)name;
}

int main(void)
{
	struct utsname u;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	probe_write_file("/sys/kernel/mm/transparent_hugepage/enabled", "never");
	probe_write_file("/sys/kernel/mm/lru_gen/enabled", "0");
	uname(&u);
	printf("PROBE release %s\n", u.release);
	run("munmap", test_munmap);
	run("onfault", test_onfault);
	run("readonly", test_readonly);
	run("munlock", test_munlock);
	run("exit", test_exit);
	printf("PROBE done\n");
	fflush(stdout);
	reboot(RB_POWER_OFF);
	return 0;
}
