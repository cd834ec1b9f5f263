/*
 * mremap_fixed.c - the calls of tests/replay/fixtures/mremap-fixed.trace:
 * mremap with MREMAP_FIXED (into a reserved PROT_NONE range, as allocators
 * do, and to a free address), MREMAP_DONTUNMAP (alone and with
 * MREMAP_FIXED), two refused flag combinations and an mlock of PROT_NONE
 * memory, on locked memory.  Recorded on Linux 6.18 with
 *
 *   cc -O2 -o mremap_fixed mremap_fixed.c && strace -f -tt -e \
 *       trace=memory,ipc,process -o mremap-fixed.trace ./mremap_fixed
 *
 * It prints its VmLck and its smaps Locked at the end (stderr): 228 kB and
 * 160 kB on 6.18, what the replay's final state shows (the fixture's
 * .expected).  VmLck counts 64 kB twice: 6.18 charges locked_vm for the
 * new VMA of an mremap(MREMAP_DONTUNMAP) of locked memory and never gives
 * the old one's back (tests/scenarios/calls/mremap_dontunmap_locked.uvs).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define K(n) ((size_t)(n) << 10)

/*
 * The system call itself, with new_address always given: glibc's mremap()
 * reads its fifth argument only with MREMAP_FIXED and leaves whatever the
 * register holds otherwise, which the kernel checks with MREMAP_DONTUNMAP
 * too (mremap_to: an unaligned hint is EINVAL), and strace does not show it.
 */
static char *remap(void *old, size_t old_len, size_t new_len, int flags, void *new_addr)
{
	return (char *)syscall(SYS_mremap, old, old_len, new_len, flags, new_addr);
}

/* VmLck, and smaps Locked over the whole process (kB) */
static void show(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");
	unsigned long kb, locked = 0;

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "VmLck:", 6))
			fputs(line, stderr);
	if (f)
		fclose(f);
	f = fopen("/proc/self/smaps", "r");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "Locked: %lu kB", &kb) == 1)
			locked += kb;
	if (f)
		fclose(f);
	fprintf(stderr, "smaps Locked: %lu kB\n", locked);
}

int main(void)
{
	char *a, *b, *c, *c2, *a2, *free_at;

	a = mmap(NULL, K(64), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mlock(a, K(64));
	b = mmap(NULL, K(128), PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	remap(a, K(64), K(64), MREMAP_MAYMOVE | MREMAP_FIXED, b + K(32));
	mlock(b, 4096);		/* PROT_NONE: ENOMEM (populate cannot fault it) */
	a2 = remap(b + K(32), K(64), K(128), MREMAP_MAYMOVE, NULL);
	c = mmap(NULL, K(32), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mlock(c, K(32));
	c2 = remap(c, K(32), K(32), MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);
	munmap(c, K(32));
	remap(c2, K(32), K(16), MREMAP_MAYMOVE | MREMAP_DONTUNMAP, NULL);	/* EINVAL */
	remap(c2, K(32), K(32), MREMAP_FIXED, b + K(96));		/* EINVAL */
	remap(c2, K(32), K(32), MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP, b + K(96));
	munlock(c2, K(32));
	free_at = mmap(NULL, K(128), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(free_at, K(128));
	remap(a2, K(128), K(128), MREMAP_MAYMOVE | MREMAP_FIXED, free_at);
	show();
	return 0;
}
