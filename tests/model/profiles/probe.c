/*
 * probe.c - the VM probe behind tests/model/profiles/: run as /init of a
 * tiny initramfs under qemu (run-probe.sh), it does each profile-telling
 * sequence with real system calls and prints the /proc/vmstat deltas.
 * Static, libc only; one CPU (qemu -smp 1), THP and MGLRU off.
 *
 *   cc -O2 -static -o init probe.c
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

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd >= 0) {
		if (write(fd, text, strlen(text)) < 0)
			perror(path);
		close(fd);
	}
}

static void snap(long *v)
{
	static char buf[1 << 16];
	int fd, n;

	write_file("/proc/sys/vm/stat_refresh", "1");
	fd = open("/proc/vmstat", O_RDONLY);
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	for (size_t i = 0; i < NF; i++) {
		char key[64], *p;

		snprintf(key, sizeof(key), "\n%s ", fields[i]);
		p = strstr(buf, key);
		v[i] = p ? atol(p + strlen(key)) : -1;
	}
}

static long base[NF];

static void report(const char *test, const char *step)
{
	long v[NF];

	snap(v);
	printf("PROBE %s %s:", test, step);
	for (size_t i = 0; i < NF; i++)
		printf(" %s=%ld", short_names[i], v[i] - base[i]);
	printf("\n");
	fflush(stdout);
}

/* lru_add_drain_all: move_pages of 0 pages (tests/scenarios/DRAIN.md) */
static void drain(void)
{
	int node = 0;

	syscall(SYS_move_pages, 0, 0UL, NULL, &node, NULL, 0);
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
	drain();
	report("munmap", "drain");
}

static void test_onfault(void)
{
	char *p = map(300, PROT_READ | PROT_WRITE, 0);

	syscall(SYS_mlock2, p, 300 * PG, MLOCK_ONFAULT);
	touch(p, 300, 1);
	report("onfault", "touch");
	drain();
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
	drain();
	report("munlock", "mlock+drain");
	munlock(p, 290 * PG);
	report("munlock", "munlock");
	drain();
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
	drain();
	report("exit", "drain");
}

static void run(const char *name, void (*fn)(void))
{
	pid_t pid;

	drain();
	snap(base);
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
	write_file("/sys/kernel/mm/transparent_hugepage/enabled", "never");
	write_file("/sys/kernel/mm/lru_gen/enabled", "0");
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
