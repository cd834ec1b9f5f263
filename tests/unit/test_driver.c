/*
 * test_driver.c - a device's buffer mapped by a program (src/mm/driver.c):
 * perf's ring buffer and io_uring's SQ ring, the VM_SPECIAL VMAs mlock
 * leaves alone.  Every value was observed live through `unevict conform`
 * (tests/scenarios/special/{perf,io_uring,special}_*.uvs): on the host's
 * 6.18.44, and in the VMs of Debian's 5.10, 6.1, 6.12, 6.18.15 and 7.3.4
 * where a kernel differs (the profile's perf_ring_pfnmap and
 * io_uring_ring_pfnmap); the VmFlags on 6.18.44 by a probe reading smaps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "unevict.h"

#include "fixture.h"
#include "internal.h"

#define SHARED UNEV_MAP_SHARED
#define RW (UNEV_PROT_READ | UNEV_PROT_WRITE)

static struct unev_machine *m;
static int pid;

/* a machine following @kernel's profile, one task with the defaults */
static void machine_of(const char *kernel)
{
	struct unev_machine_config cfg;
	struct unev_task_config tc;

	unev_machine_config_default(&cfg);
	cfg.kernel = kernel;
	assert_int_equal(unev_machine_create(&cfg, &m), 0);
	unev_task_config_default(&tc);
	assert_int_equal(unev_task_create(m, &tc, &pid), 0);
}

static int teardown(void **state)
{
	(void)state;
	return fixture_teardown(m);
}

static uint64_t status(int p, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(unev_status_read(m, p, name, &v), 0);
	return v;
}

static uint64_t smaps(int p, uint64_t addr, uint64_t len, const char *name)
{
	uint64_t v = UINT64_MAX;

	assert_int_equal(unev_smaps_read(m, p, addr, addr + len, name, &v), 0);
	return v;
}

static uint64_t vma_flags(int p, uint64_t addr)
{
	return find_vma(m->tasks[p - 1]->mm, addr)->vm_flags;
}

/* 6.18: the ring is VM_IO|VM_PFNMAP|VM_DONTCOPY|VM_DONTEXPAND|VM_DONTDUMP
 * ("pf io dc de dd"), 1 + 2^n pages (4 pages: EINVAL); mlock, mlock2 and
 * munlock succeed and change nothing (special_mlock_skipped) */
static void test_perf_ring_mlock_skipped(void **state)
{
	uint64_t r, bad;

	(void)state;
	machine_of("6.18");
	assert_int_equal(unev_sys_mmap_driver(m, pid, UNEV_DRIVER_PERF, 0, P(4), RW, SHARED, &bad),
			 -EINVAL);
	assert_int_equal(unev_sys_mmap_driver(m, pid, UNEV_DRIVER_PERF, 0, P(2), RW, SHARED, &r), 0);
	assert_int_equal(vma_flags(pid, r) & (VM_SPECIAL | VM_DONTCOPY | VM_DONTDUMP | VM_MAYEXEC),
			 VM_IO | VM_PFNMAP | VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	assert_int_equal(unev_sys_mlock(m, pid, r, P(2)), 0);
	assert_false(vma_flags(pid, r) & VM_LOCKED);
	assert_int_equal(unev_sys_mlock2(m, pid, r, P(2), UNEV_MLOCK_ONFAULT), 0);
	assert_int_equal(status(pid, "VmLck"), 0);
	assert_int_equal(smaps(pid, r, P(2), "Rss"), 0);
	assert_int_equal(smaps(pid, r, P(2), "Locked"), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 0);
	/* do_mlock counts the length against RLIMIT_MEMLOCK all the same */
	assert_int_equal(unev_sys_setrlimit(m, pid, UNEV_RLIMIT_MEMLOCK, P(1), P(1)), 0);
	assert_int_equal(unev_sys_mlock(m, pid, r, P(2)), -ENOMEM);
}

/* 6.12: perf_mmap_fault maps the ring a page at a time, so MAP_LOCKED's
 * populate faults it in (Rss 8 kB), still unlocked (perf_ring_map_locked) */
static void test_perf_ring_faulted_in_on_6_12(void **state)
{
	uint64_t r;

	(void)state;
	machine_of("6.12");
	assert_int_equal(unev_sys_mmap_driver(m, pid, UNEV_DRIVER_PERF, 0, P(2), RW,
					      SHARED | UNEV_MAP_LOCKED | UNEV_MAP_POPULATE, &r), 0);
	assert_int_equal(smaps(pid, r, P(2), "Rss"), 8);
	assert_int_equal(status(pid, "VmLck"), 0);
	assert_int_equal(status(pid, "RssFile"), 8);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 0);
	assert_int_equal(unev_sys_munmap(m, pid, r, P(2)), 0);
	assert_int_equal(status(pid, "RssFile"), 0);
}

/* mlock over anonymous memory with a ring in its middle: 6 pages locked and
 * mlocked, the ring skipped, no ENOMEM (special_mlock_across) */
static void test_mlock_across_ring(void **state)
{
	uint64_t big, r;

	(void)state;
	machine_of("6.18");
	assert_int_equal(unev_sys_mmap(m, pid, 0, P(8), RW,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &big), 0);
	assert_int_equal(unev_sys_mmap_driver(m, pid, UNEV_DRIVER_PERF, big + P(3), P(2), RW,
					      SHARED | UNEV_MAP_FIXED, &r), 0);
	assert_int_equal(unev_sys_mlock(m, pid, big, P(8)), 0);
	assert_int_equal(status(pid, "VmLck"), 24);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 6);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 6);
}

/* io_uring on 6.18: VM_DONTEXPAND|VM_MIXEDMAP ("de mm"), its page mapped
 * at mmap (Rss 4 kB); fork copies it (Pss 2 kB each) and leaves the perf
 * ring out (VM_DONTCOPY: the child's VmSize 4 kB); mlockall in the child
 * locks nothing (special_fork) */
static void test_fork_copies_io_uring_not_perf(void **state)
{
	uint64_t p, u;
	int child;

	(void)state;
	machine_of("6.18");
	assert_int_equal(unev_sys_mmap_driver(m, pid, UNEV_DRIVER_PERF, 0, P(2), RW, SHARED, &p), 0);
	assert_int_equal(unev_sys_mmap_driver(m, pid, UNEV_DRIVER_IO_URING, 0, P(1), RW, SHARED, &u),
			 0);
	assert_int_equal(vma_flags(pid, u) & VM_SPECIAL, VM_DONTEXPAND | VM_MIXEDMAP);
	assert_int_equal(smaps(pid, u, P(1), "Rss"), 4);
	assert_int_equal(smaps(pid, u, P(1), "Pss"), 4);
	assert_int_equal(unev_sys_fork(m, pid, &child), 0);
	assert_int_equal(smaps(child, p, P(2), "Size"), 0);
	assert_int_equal(status(child, "VmSize"), 4);
	assert_int_equal(status(pid, "VmSize"), 12);
	assert_int_equal(smaps(child, u, P(1), "Pss"), 2);
	assert_int_equal(smaps(pid, u, P(1), "Pss"), 2);
	assert_int_equal(unev_sys_mlockall(m, child, UNEV_MCL_CURRENT), 0);
	assert_int_equal(status(child, "VmLck"), 0);
	assert_int_equal(unev_sys_exit(m, child), 0);
	assert_int_equal(smaps(pid, u, P(1), "Pss"), 4);
}

/* 5.10: io_uring remaps its ring (VM_IO|VM_PFNMAP: no Rss), and a ring
 * longer than the rings' one page is EINVAL (io_uring_ring_mlock_skipped) */
static void test_io_uring_pfnmap_on_5_10(void **state)
{
	uint64_t u;

	(void)state;
	machine_of("5.10");
	assert_int_equal(unev_sys_mmap_driver(m, pid, UNEV_DRIVER_IO_URING, 0, P(2), RW, SHARED, &u),
			 -EINVAL);
	assert_int_equal(unev_sys_mmap_driver(m, pid, UNEV_DRIVER_IO_URING, 0, P(1), RW,
					      SHARED | UNEV_MAP_LOCKED, &u), 0);
	assert_true(vma_flags(pid, u) & VM_PFNMAP);
	assert_int_equal(smaps(pid, u, P(1), "Rss"), 0);
	assert_int_equal(status(pid, "VmLck"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_perf_ring_mlock_skipped, teardown),
		cmocka_unit_test_teardown(test_perf_ring_faulted_in_on_6_12, teardown),
		cmocka_unit_test_teardown(test_mlock_across_ring, teardown),
		cmocka_unit_test_teardown(test_fork_copies_io_uring_not_perf, teardown),
		cmocka_unit_test_teardown(test_io_uring_pfnmap_on_5_10, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
