/*
 * host_probe.c - the live host's behaviour where hosts differ (see
 * host_probe.h): the zero page, and the model profile of its release.
 */
#include "host_probe.h"

#include "unevict.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/utsname.h>
#include <unistd.h>

enum host_zero_page host_zero_page_decide(uint64_t first, uint64_t second)
{
	uint64_t pfn1 = first & PAGEMAP_PFN_MASK, pfn2 = second & PAGEMAP_PFN_MASK;
	bool excl1 = first & PAGEMAP_EXCLUSIVE, excl2 = second & PAGEMAP_EXCLUSIVE;

	if (!(first & PAGEMAP_PRESENT) || !(second & PAGEMAP_PRESENT))
		return HOST_ZERO_PAGE_UNKNOWN;
	if ((first | second) & PAGEMAP_FILE)	/* not private anonymous */
		return HOST_ZERO_PAGE_UNKNOWN;
	if (pfn1 && pfn2)
		return pfn1 == pfn2 ? HOST_ZERO_PAGE_ON : HOST_ZERO_PAGE_OFF;
	if (excl1 != excl2)
		return HOST_ZERO_PAGE_UNKNOWN;
	return excl1 ? HOST_ZERO_PAGE_OFF : HOST_ZERO_PAGE_ON;
}

enum host_zero_page host_probe_zero_page(char *how, size_t len)
{
	const long page = sysconf(_SC_PAGESIZE);
	enum host_zero_page ret = HOST_ZERO_PAGE_UNKNOWN;
	volatile const char *p;
	uint64_t entry[2];
	int fd;

	p = mmap(NULL, 2 * (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		snprintf(how, len, "mmap: %s", strerror(errno));
		return ret;
	}
	/* a THP would answer for a huge zero page, not this one */
	madvise((void *)p, 2 * (size_t)page, MADV_NOHUGEPAGE);
	(void)p[0];
	(void)p[page];
	fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(how, len, "/proc/self/pagemap: %s", strerror(errno));
	} else if (pread(fd, entry, sizeof(entry), (off_t)((uintptr_t)p / (uintptr_t)page *
							 sizeof(uint64_t))) != sizeof(entry)) {
		snprintf(how, len, "/proc/self/pagemap: a short read");
	} else {
		ret = host_zero_page_decide(entry[0], entry[1]);
		snprintf(how, len, "%s",
			 ret == HOST_ZERO_PAGE_UNKNOWN ? "pagemap: no clear answer"
			 : (entry[0] & PAGEMAP_PFN_MASK) ? "pagemap frames"
							 : "pagemap exclusive bit");
	}
	if (fd >= 0)
		close(fd);
	munmap((void *)p, 2 * (size_t)page);
	return ret;
}

int host_probe_kernel(char *release, size_t rlen, char *profile, size_t plen)
{
	struct utsname u;

	if (uname(&u)) {
		snprintf(release, rlen, "?");
		return -ENOENT;
	}
	snprintf(release, rlen, "%s", u.release);
	return unev_kernel_for_release(u.release, profile, plen);
}
