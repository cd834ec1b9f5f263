/*
 * host_probe.h - what a kernel's release does not tell: how the live host
 * behaves where hosts differ (issue 10), probed once by conform so that the
 * model runs with the matching machine options.
 *
 * Each probe is a pure decision function (unit-tested on both answers,
 * tests/unit/test_host_probe.c) and a small reader that feeds it.
 */
#ifndef HOST_PROBE_H
#define HOST_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* /proc/PID/pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst) */
#define PAGEMAP_PRESENT (1ULL << 63)
#define PAGEMAP_FILE (1ULL << 61)		/* file page or shared anon */
#define PAGEMAP_EXCLUSIVE (1ULL << 56)	/* page mapped exactly once */
#define PAGEMAP_PFN_MASK ((1ULL << 55) - 1)	/* 0 without CAP_SYS_ADMIN */

enum host_zero_page {
	HOST_ZERO_PAGE_UNKNOWN = -1,
	HOST_ZERO_PAGE_OFF = 0,	/* read faults allocate (pvm_no_zero_page=1) */
	HOST_ZERO_PAGE_ON = 1,	/* read faults map the shared zero page */
};

/*
 * The decision, from the pagemap entries of two pages of one private
 * anonymous mapping that were only read: the zero page when both map the
 * same frame, or (frames hidden) when neither is a page mapped once
 * (vm_normal_page gives no page for the zero page, so pagemap never calls
 * it exclusive); real pages when the frames differ or both are exclusive.
 * UNKNOWN when a page is not present or the answers disagree.
 */
enum host_zero_page host_zero_page_decide(uint64_t first, uint64_t second);

/* The reader: maps two pages, reads them, asks /proc/self/pagemap.  Sets
 * @how to what it went by ("pagemap frames" or "pagemap exclusive bit"),
 * or to why it cannot tell. */
enum host_zero_page host_probe_zero_page(char *how, size_t len);

/*
 * The live kernel's release (`uname -r`) in @release and the model's
 * profile for it in @profile (profile.c: the kernel's series, or the
 * nearest older one).  0 for the kernel's own series, 1 for a nearest
 * older one, -ENOENT when no profile is old enough.
 */
int host_probe_kernel(char *release, size_t rlen, char *profile, size_t plen);

#endif /* HOST_PROBE_H */
