/*
 * max_map_count.c - probe: where vm.max_map_count (65530) stops mmap, munmap,
 * mprotect, mlock and mremap on the live kernel.  Not built by the project:
 *   gcc -O1 -o /tmp/max_map_count tests/probes/max_map_count.c && /tmp/max_map_count
 * (CPU-heavy for ~20 s: run it under /work/bin/cpu-shared).  Each experiment in a
 * fresh child: fill the address space with distinct one-page VMAs until mmap
 * fails, unmap the newest down to X - 1, map a 3-page rwx VMA right below them
 * (count X), make one call, print its errno and the count after (lines of
 * /proc/self/maps but [vsyscall], which is no VMA).  Its output on 6.18.44 is what
 * tests/model/limits/max_map_count.awk and test_mmap.c expect.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#define PG 4096UL
static char buf[16 << 20];
static void *ptrs[70000];

static long count_vmas(void)
{
	int fd = open("/proc/self/maps", O_RDONLY);
	long n = 0, r, len = 0;

	while ((r = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0)
		len += r;
	close(fd);
	buf[len] = 0;
	for (long i = 0; i < len; i++)
		n += buf[i] == '\n';
	return n - (strstr(buf, "[vsyscall]") != NULL);
}

static const char *ops[] = {"mmap 1p none", "munmap hole", "munmap first page", "mprotect middle",
			    "mprotect last none", "mprotect last -> neighbour's prot (merge)",
			    "mlock middle", "mlock last", "mremap grow maymove (must move)"};

static void experiment(long x, int op)
{
	long n = 0, c;
	char *a;
	int e = 0, nprot;

	while ((ptrs[n] = mmap(NULL, PG, n % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) != MAP_FAILED)
		n++;
	if (x < 0) {
		printf("filled: %ld mmaps succeeded, then %s; count %ld\n", n, strerror(errno), count_vmas());
		return;
	}
	c = count_vmas();
	while (c > x - 1) {
		munmap(ptrs[--n], PG);
		c--;
	}
	nprot = (n - 1) % 2 ? PROT_READ : PROT_READ | PROT_WRITE;
	a = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED || a + 3 * PG != (char *)ptrs[n - 1]) {
		printf("setup failed\n");
		return;
	}
	c = count_vmas();
	switch (op) {
	case 0: e = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? errno : 0; break;
	case 1: e = munmap(a + PG, PG) ? errno : 0; break;
	case 2: e = munmap(a, PG) ? errno : 0; break;
	case 3: e = mprotect(a + PG, PG, PROT_READ) ? errno : 0; break;
	case 4: e = mprotect(a + 2 * PG, PG, PROT_NONE) ? errno : 0; break;
	case 5: e = mprotect(a + 2 * PG, PG, nprot) ? errno : 0; break;
	case 6: e = mlock(a + PG, PG) ? errno : 0; break;
	case 7: e = mlock(a + 2 * PG, PG) ? errno : 0; break;
	case 8: e = mremap(a, 3 * PG, 6 * PG, MREMAP_MAYMOVE) == MAP_FAILED ? errno : 0; break;
	}
	printf("count %ld: %-42s -> %-7s count after %ld\n", c, ops[op], e ? strerrorname_np(e) : "0", count_vmas());
}

int main(int argc, char **argv)
{
	int first = argc > 1 ? atoi(argv[1]) : 65526;

	for (long x = -1; x <= 65531; x = x < 0 ? first : x + 1)
		for (int op = 0; op < (x < 0 ? 1 : 9); op++) {
			pid_t p = fork();

			if (!p) {
				experiment(x, op);
				fflush(stdout);
				_exit(0);
			}
			waitpid(p, NULL, 0);
		}
	return 0;
}
