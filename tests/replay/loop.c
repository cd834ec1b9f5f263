/*
 * loop.c - a program that loops mmap, mlock, munlock, munmap of 64 KiB:
 * recorded with strace, a trace of 4 * N calls for timing `unevict replay`
 * (issue 12: a 1 M-call trace replays in at most 5 s).
 *
 *   cc -O2 -o loop loop.c && strace -f -tt -y -e trace=memory,ipc,process \
 *       -o loop.trace ./loop 250000
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 250000;

	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			       -1, 0);

		if (p == MAP_FAILED || mlock(p, 65536) || munlock(p, 65536) ||
		    munmap(p, 65536)) {
			perror("loop");
			return 1;
		}
	}
	return 0;
}
