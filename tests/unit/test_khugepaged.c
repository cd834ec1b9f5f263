/*
 * test_khugepaged.c - MADV_COLLAPSE (mm/khugepaged.c madvise_collapse).
 * Every value was observed on the 6.18.44 host (THP madvise) with a probe
 * of mmap/mlock/madvise and /proc/vmstat deltas, and through `unevict
 * conform` (tests/scenarios/thp/collapse_*.uvs); 5.10's EINVAL in its VM.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unevict.h"

#include "fixture.h"

#define MB(n) ((uint64_t)(n) << 20)
#define ANON (UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS)
#define RW (UNEV_PROT_READ | UNEV_PROT_WRITE)

static struct unev_machine *m;
static int pid;

static int setup_kernel(const char *kernel)
{
	m = fixture_machine_kernel(kernel, MB(64));
	pid = fixture_task(m, NULL);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_kernel(NULL);
}

static int setup_510(void **state)
{
	(void)state;
	return setup_kernel("5.10");
}

static int teardown(void **state)
{
	(void)state;
	return fixture_teardown(m);
}

/* a 4M region, 2M-aligned (6.7+): two aligned 2 MiB ranges */
static uint64_t map4m(void)
{
	uint64_t a;

	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(4), RW, ANON, &a), 0);
	assert_int_equal(a & (MB(2) - 1), 0);
	return a;
}

/* Small pages written under THP "madvise" without MADV_HUGEPAGE: each
 * 2 MiB becomes a THP; the old 1024 pages are freed. */
static void test_collapse_small_pages(void **state)
{
	uint64_t a = map4m(), freed;

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, MB(4), true), 0);
	freed = fixture_vmstat(m, "pgfree");
	assert_int_equal(unev_sys_madvise(m, pid, a, MB(4), UNEV_MADV_COLLAPSE), 0);
	assert_int_equal(fixture_vmstat(m, "thp_collapse_alloc"), 2);
	assert_int_equal(fixture_vmstat(m, "thp_fault_alloc"), 0);
	assert_int_equal(fixture_vmstat(m, "nr_anon_transparent_hugepages"), 2);
	assert_int_equal(fixture_status(m, pid, "RssAnon"), 4096);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "pgfree") - freed, 1024);
}

/* An mlocked 2 MiB: the THP is mlocked (512 culled); the old pages are
 * munlocked 31 at a time, except the 16 still in the lru_add batch when
 * the THP's mlock flushes the mlock batch: stranded. */
static void test_collapse_mlocked_strands_batch(void **state)
{
	uint64_t a;

	(void)state;
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(2), RW, ANON, &a), 0);
	assert_int_equal(unev_sys_mlock(m, pid, a, MB(2)), 0);
	assert_int_equal(unev_sys_madvise(m, pid, a, MB(2), UNEV_MADV_COLLAPSE), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 1024);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 1024);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_munlocked"), 496);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_rescued"), 496);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_stranded"), 16);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 512);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 2048);
}

/* EINVAL: no anon_vma yet, VM_NOHUGEPAGE, a 2 MiB without a page table
 * (which ends the walk); a range holding no aligned 2 MiB: 0. */
static void test_collapse_errors(void **state)
{
	uint64_t a = map4m();

	(void)state;
	assert_int_equal(unev_sys_madvise(m, pid, a, MB(4), UNEV_MADV_COLLAPSE), -EINVAL);
	assert_int_equal(unev_touch(m, pid, a + MB(2), 1, true), 0);
	assert_int_equal(unev_sys_madvise(m, pid, a, MB(4), UNEV_MADV_COLLAPSE), -EINVAL);
	assert_int_equal(fixture_vmstat(m, "thp_collapse_alloc"), 0);
	assert_int_equal(unev_sys_madvise(m, pid, a + P(1), MB(2), UNEV_MADV_COLLAPSE), 0);
	assert_int_equal(unev_sys_madvise(m, pid, a, MB(4), UNEV_MADV_NOHUGEPAGE), 0);
	assert_int_equal(unev_sys_madvise(m, pid, a + MB(2), MB(2), UNEV_MADV_COLLAPSE), -EINVAL);
}

/* 5.10 has no MADV_COLLAPSE: EINVAL, as for any unknown advice. */
static void test_collapse_einval_510(void **state)
{
	uint64_t a = map4m();

	(void)state;
	assert_int_equal(unev_touch(m, pid, a, MB(4), true), 0);
	assert_int_equal(unev_sys_madvise(m, pid, a, MB(4), UNEV_MADV_COLLAPSE), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_collapse_small_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collapse_mlocked_strands_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collapse_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_collapse_einval_510, setup_510, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
