/*
 * newcalls.c - what MAP_DROPPABLE, MADV_GUARD_INSTALL/REMOVE and
 * memfd_secret do when they meet mlock, on the running kernel (issue 11).
 * Each case runs in a child of its own, pinned to CPU 0; it prints the
 * calls' results, its VmLck, smaps Locked/Rss of the region, mincore's
 * resident pages and the /proc/vmstat deltas (after stat_refresh) since its
 * start.  Root (stat_refresh); static, libc only:
 *
 *   cc -O2 -static -o newcalls tests/probes/newcalls.c && /work/bin/cpu-live ./newcalls
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe_vmstat.h"

#define PG 4096UL
#define P_MAP_DROPPABLE 0x08
#define P_MADV_GUARD_INSTALL 102
#define P_MADV_GUARD_REMOVE 103
#define P_SYS_memfd_secret 447

static const char *const fields[] = {
	"unevictable_pgs_mlocked", "unevictable_pgs_munlocked", "unevictable_pgs_culled",
	"unevictable_pgs_rescued", "unevictable_pgs_cleared", "nr_mlock", "nr_unevictable",
	"nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file",
	"nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_shmem",
};
#define NF (sizeof(fields) / sizeof(fields[0]))
static long base[NF];

static long status_kb(const char *field)
{
	char buf[8192], *p;
	int fd = open("/proc/self/status", O_RDONLY), n;

	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	p = strstr(buf, field);
	return p ? atol(p + strlen(field) + 1) : -1;
}

/* smaps FIELD of the VMA holding addr */
static long smaps_kb(void *addr, const char *field)
{
	static char buf[1 << 18];
	char *p, *line;
	unsigned long a = (unsigned long)addr;
	int fd = open("/proc/self/smaps", O_RDONLY), n = 0, r, in = 0;

	while ((r = (int)read(fd, buf + n, sizeof(buf) - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	for (line = strtok_r(buf, "\n", &p); line; line = strtok_r(NULL, "\n", &p)) {
		unsigned long s, e;

		if (sscanf(line, "%lx-%lx ", &s, &e) == 2 && strchr(line, '-') < strchr(line, ' ')) {
			in = a >= s && a < e;
			continue;
		}
		if (in && !strncmp(line, field, strlen(field)) && line[strlen(field)] == ':')
			return atol(line + strlen(field) + 1);
	}
	return -1;
}

static int resident(void *addr, size_t len)
{
	unsigned char vec[256];
	int r = 0;

	if (mincore(addr, len, vec))
		return -errno;
	for (size_t i = 0; i < len / PG; i++)
		r += vec[i] & 1;
	return r;
}

static void report(const char *step, void *addr, size_t len)
{
	long v[NF];

	probe_snap(fields, NF, v);
	printf("  %-28s VmLck=%ld", step, status_kb("VmLck:"));
	if (addr)
		printf(" Locked=%ld Rss=%ld mincore=%d", smaps_kb(addr, "Locked"),
		       smaps_kb(addr, "Rss"), resident(addr, len));
	printf("\n   ");
	for (size_t i = 0; i < NF; i++)
		if (v[i] != base[i])
			printf(" %s=%ld", fields[i], v[i] - base[i]);
	printf("\n");
	fflush(stdout);
}

#define CALL(expr) do { long r_ = (long)(expr); printf("  %-60s -> %s\n", #expr, \
	r_ == -1 ? strerror(errno) : "0"); fflush(stdout); } while (0)

static sigjmp_buf jb;
static void on_fault(int sig) { siglongjmp(jb, sig); }

static int touch(char *p, size_t len)
{
	size_t i = 0;
	int sig;

	signal(SIGSEGV, on_fault);
	signal(SIGBUS, on_fault);
	if ((sig = sigsetjmp(jb, 1))) {
		printf("  touch: signal %d at page %zu\n", sig, i);
		return -1;
	}
	for (i = 0; i < len / PG; i++)
		p[i * PG] = 1;
	printf("  touch: %zu pages\n", len / PG);
	return 0;
}

static void *mm(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);

	printf("  mmap(%zu pages, flags 0x%x) -> %s\n", len / PG, flags,
	       p == MAP_FAILED ? strerror(errno) : "ok");
	return p == MAP_FAILED ? NULL : p;
}

static void case_droppable(int which)
{
	size_t len = 10 * PG;
	char *p;

	switch (which) {
	case 0:
		puts("droppable: touch, mlock, munlock");
		p = mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS);
		if (!p)
			return;
		report("after mmap", p, len);
		touch(p, len);
		probe_drain();
		report("after touch+drain", p, len);
		CALL(mlock(p, len));
		report("after mlock", p, len);
		probe_drain();
		report("after drain", p, len);
		CALL(munlock(p, len));
		report("after munlock", p, len);
		break;
	case 1:
		puts("droppable: mlock untouched (populates?)");
		p = mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS);
		if (!p)
			return;
		CALL(mlock(p, len));
		probe_drain();
		report("after mlock+drain", p, len);
		CALL(syscall(SYS_mlock2, p, len, 1));
		report("after mlock2 onfault", p, len);
		break;
	case 2:
		puts("droppable: MAP_LOCKED, MAP_POPULATE, MAP_SHARED|0x08");
		mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS | MAP_LOCKED);
		p = mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS | MAP_POPULATE);
		probe_drain();
		report("after populate", p, len);
		mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS | MAP_HUGETLB);
		mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS | MAP_GROWSDOWN);
		mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS | MAP_SHARED);
		mm(len, 0x0a | MAP_ANONYMOUS);
		break;
	case 3:
		puts("droppable: mlockall(CURRENT|FUTURE), then mmap droppable");
		CALL(mlockall(MCL_CURRENT | MCL_FUTURE));
		report("after mlockall", NULL, 0);
		p = mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS);
		probe_drain();
		report("after mmap droppable", p, len);
		CALL(munlockall());
		break;
	case 4: {
		struct rlimit rl = {4 * PG, 4 * PG};

		puts("droppable: RLIMIT_MEMLOCK 4p, mlock 10p / mlockall FUTURE + mmap 10p");
		setrlimit(RLIMIT_MEMLOCK, &rl);
		p = mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS);
		CALL(mlock(p, len));
		report("after mlock", p, len);
		CALL(mlockall(MCL_FUTURE));
		mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS);
		break;
	}
	case 5:
		puts("droppable: fork of a touched mapping (wipe on fork)");
		p = mm(len, P_MAP_DROPPABLE | MAP_ANONYMOUS);
		touch(p, len);
		probe_drain();
		report("parent", p, len);
		if (fork() == 0) {
			report("child", p, len);
			_exit(0);
		}
		wait(NULL);
		break;
	}
}

static void case_guard(int which)
{
	size_t len = 10 * PG;
	char *p = mm(len, MAP_PRIVATE | MAP_ANONYMOUS);

	if (!p)
		return;
	switch (which) {
	case 0:
		puts("guard: on a locked region, then unlocked");
		touch(p, len);
		CALL(mlock(p, len));
		CALL(madvise(p, len, P_MADV_GUARD_INSTALL));
		CALL(madvise(p, len, P_MADV_GUARD_REMOVE));
		probe_drain();
		report("locked, guard tried", p, len);
		CALL(munlock(p, len));
		CALL(madvise(p, 5 * PG, P_MADV_GUARD_INSTALL));
		probe_drain();
		report("5p guarded (were touched)", p, len);
		CALL(mlock(p, len));
		probe_drain();
		report("mlock over guards", p, len);
		CALL(mlock(p + 5 * PG, 5 * PG));
		probe_drain();
		report("mlock of latter half", p, len);
		CALL(madvise(p, len, P_MADV_GUARD_REMOVE));
		probe_drain();
		report("guard remove on locked", p, len);
		CALL(mlock(p, len));
		probe_drain();
		report("mlock after remove", p, len);
		break;
	case 1:
		puts("guard: untouched, guard 2p in the middle, mlock all, mlock2 onfault");
		CALL(madvise(p + 4 * PG, 2 * PG, P_MADV_GUARD_INSTALL));
		report("guarded", p, len);
		CALL(mlock(p, len));
		probe_drain();
		report("mlock over untouched guards", p, len);
		CALL(munlock(p, len));
		CALL(mlock(p, 4 * PG));
		probe_drain();
		report("mlock of the first 4p", p, len);
		break;
	case 2:
		puts("guard: mlockall(CURRENT) over guards; MAP_LOCKED region guard; onfault");
		CALL(madvise(p + 4 * PG, 2 * PG, P_MADV_GUARD_INSTALL));
		CALL(syscall(SYS_mlock2, p, len, 1));
		probe_drain();
		report("mlock2 onfault over guards", p, len);
		touch(p, 4 * PG);
		probe_drain();
		report("touch 4p", p, len);
		CALL(munlock(p, len));
		CALL(mlockall(MCL_CURRENT));
		probe_drain();
		report("mlockall current", p, len);
		CALL(munlockall());
		p = mm(len, MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED);
		CALL(madvise(p, len, P_MADV_GUARD_INSTALL));
		CALL(madvise(p, len, P_MADV_GUARD_REMOVE));
		CALL(madvise(p, len, MADV_DONTNEED));
		break;
	}
}

static void case_secret(int which)
{
	size_t len = 10 * PG;
	int fd = (int)syscall(P_SYS_memfd_secret, 0);
	char *p;

	printf("  memfd_secret(0) -> %s\n", fd < 0 ? strerror(errno) : "fd");
	if (fd < 0)
		return;
	switch (which) {
	case 0:
		puts("secretmem: mmap 10p shared, touch, munlock, mlock");
		CALL(ftruncate(fd, (off_t)len));
		report("after ftruncate", NULL, 0);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		printf("  mmap shared -> %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
		if (p == MAP_FAILED)
			return;
		report("after mmap", p, len);
		touch(p, 4 * PG);
		report("after touch 4p", p, len);
		probe_drain();
		report("after drain", p, len);
		CALL(munlock(p, len));
		report("after munlock", p, len);
		CALL(mlock(p, len));
		probe_drain();
		report("after mlock", p, len);
		CALL(munmap(p, len));
		probe_drain();
		report("after munmap", NULL, 0);
		close(fd);
		probe_drain();
		report("after close", NULL, 0);
		break;
	case 1: {
		struct rlimit rl = {4 * PG, 4 * PG};

		puts("secretmem: RLIMIT_MEMLOCK 4p, mmap 10p, touch 10p");
		CALL(ftruncate(fd, (off_t)len));
		setrlimit(RLIMIT_MEMLOCK, &rl);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		printf("  mmap shared -> %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
		if (p == MAP_FAILED)
			p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			return;
		touch(p, len);
		report("after touch", p, len);
		break;
	}
	case 2:
		puts("secretmem: private mmap, MAP_LOCKED, MAP_POPULATE, no ftruncate");
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		printf("  mmap size 0 -> %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
		if (p != MAP_FAILED)
			touch(p, PG);
		CALL(ftruncate(fd, (off_t)len));
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
		printf("  mmap private -> %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
		printf("  mmap populate -> %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
		probe_drain();
		report("after populate", p, len);
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd, 0);
		printf("  mmap locked -> %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
		probe_drain();
		report("after locked", p, len);
		CALL(ftruncate(fd, (off_t)(2 * len)));
		CALL(write(fd, "x", 1));
		break;
	case 3:
		puts("secretmem: mlockall(FUTURE), then mmap and touch; munlockall; munmap");
		CALL(ftruncate(fd, (off_t)len));
		CALL(mlockall(MCL_FUTURE));
		p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		printf("  mmap shared -> %s\n", p == MAP_FAILED ? strerror(errno) : "ok");
		if (p == MAP_FAILED)
			return;
		probe_drain();
		report("after mmap", p, len);
		touch(p, 4 * PG);
		probe_drain();
		report("after touch 4p", p, len);
		CALL(munlockall());
		probe_drain();
		report("after munlockall", p, len);
		CALL(munmap(p, len));
		probe_drain();
		report("after munmap", NULL, 0);
		break;
	}
}

int main(int argc, char **argv)
{
	static void (*const groups[])(int) = {case_droppable, case_guard, case_secret};
	static const int counts[] = {6, 3, 4};
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
	for (int g = 0; g < 3; g++) {
		for (int i = 0; i < counts[g]; i++) {
			pid_t pid;

			if (argc > 1 && atoi(argv[1]) != g * 10 + i)
				continue;
			probe_drain();
			probe_snap(fields, NF, base);
			pid = fork();
			if (pid == 0) {
				groups[g](i);
				report("end", NULL, 0);
				_exit(0);
			}
			waitpid(pid, NULL, 0);
			probe_drain();
			report("after exit", NULL, 0);
		}
	}
	return 0;
}
