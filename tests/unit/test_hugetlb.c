/*
 * test_hugetlb.c - the huge page pool and hugetlb mappings (mm/hugetlb.c),
 * the special VMAs mlock leaves alone.  Every value was observed on
 * 6.18.15 in the VM of `unevict conform --kernel 6.18` (the scenarios of
 * tests/model/hugetlb/, all agreeing exactly); the no-pool errors on the
 * host's 6.18 (tests/scenarios/special/).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unevict.h"

#include "fixture.h"
#include "internal.h"

#define MB(n) ((uint64_t)(n) << 20)
#define ANON_PRIVATE (UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | UNEV_MAP_HUGETLB)
#define ANON_SHARED (UNEV_MAP_SHARED | UNEV_MAP_ANONYMOUS | UNEV_MAP_HUGETLB)
#define RW (UNEV_PROT_READ | UNEV_PROT_WRITE)

FIXTURE_FILE(64ULL << 20)

/* With no pool (the host: nr_hugepages 0) a hugetlb mapping cannot reserve:
 * ENOMEM; a file mapping asking for MAP_HUGETLB is EINVAL first. */
static void test_empty_pool_enomem(void **state)
{
	uint64_t a;
	int ino;

	(void)state;
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(2), RW, ANON_PRIVATE, &a), -ENOMEM);
	assert_int_equal(unev_sys_mmap(m, pid, 0, P(1), RW, ANON_SHARED, &a), -ENOMEM);
	assert_int_equal(unev_sys_mmap(m, pid, 0, 0, RW, ANON_PRIVATE, &a), -EINVAL);
	assert_int_equal(unev_file_create(m, "/tmp/f", UNEV_FS_TMPFS, MB(2), &ino), 0);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, MB(2), RW,
					    UNEV_MAP_SHARED | UNEV_MAP_HUGETLB, ino, 0, &a),
			 -EINVAL);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 0);
}

/* The pool: HugePages_Total and Hugetlb follow the sysctl; the pages
 * leave MemFree. */
static void test_sysctl_fills_pool(void **state)
{
	uint64_t free_before = fixture_meminfo(m, "MemFree");

	(void)state;
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 4), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Total"), 4);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 4);
	assert_int_equal(fixture_meminfo(m, "Hugetlb"), 8192);
	assert_int_equal(fixture_meminfo(m, "Hugepagesize"), 2048);
	assert_int_equal(free_before - fixture_meminfo(m, "MemFree"), 8192);
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 1), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Total"), 1);
	assert_int_equal(free_before - fixture_meminfo(m, "MemFree"), 2048);
}

/* mlock_populates_not_locked.uvs: populated, nothing locked or counted. */
static void test_mlock_populates_without_locking(void **state)
{
	uint64_t a;

	(void)state;
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 4), 0);
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(4), RW, ANON_PRIVATE, &a), 0);
	assert_int_equal(a % MB(2), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 2);
	assert_int_equal(unev_sys_mlock(m, pid, a, MB(4)), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 2);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 0);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 0);
	assert_int_equal(fixture_status(m, pid, "HugetlbPages"), 4096);
	assert_int_equal(fixture_smaps(m, pid, a, MB(4), "Locked"), 0);
	assert_int_equal(fixture_smaps(m, pid, a, MB(4), "Rss"), 0);
	assert_int_equal(fixture_smaps(m, pid, a, MB(4), "Private_Hugetlb"), 4096);
	assert_int_equal(fixture_smaps(m, pid, a, MB(4), "KernelPageSize"), 2048);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 0);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 0);
	assert_int_equal(unev_sys_munmap(m, pid, a, MB(4)), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 4);
}

/* mlock2_onfault_populates.uvs: MLOCK_ONFAULT faults them in all the same,
 * and MCL_FUTURE|MCL_ONFAULT does not stop an mmap's populate. */
static void test_onfault_still_populates(void **state)
{
	uint64_t a, b;

	(void)state;
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 4), 0);
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(4), RW, ANON_PRIVATE, &a), 0);
	assert_int_equal(unev_sys_mlock2(m, pid, a, MB(4), UNEV_MLOCK_ONFAULT), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 2);
	assert_int_equal(unev_sys_mlockall(m, pid, UNEV_MCL_FUTURE | UNEV_MCL_ONFAULT), 0);
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(2), RW, ANON_PRIVATE, &b), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 1);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 0);
}

/* munmap_needs_huge_alignment.uvs: 3M maps 4M; splits must be aligned; an
 * unfaulted huge page unmapped gives its reservation back. */
static void test_munmap_alignment_and_reservations(void **state)
{
	uint64_t a;

	(void)state;
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 4), 0);
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(3), RW, ANON_PRIVATE, &a), 0);
	assert_int_equal(fixture_smaps(m, pid, a, MB(3), "Size"), 4096);
	assert_int_equal(unev_touch(m, pid, a, P(1), true), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 3);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 1);
	assert_int_equal(unev_sys_munmap(m, pid, a, MB(3)), -EINVAL);
	assert_int_equal(unev_sys_munmap(m, pid, a, P(1)), -EINVAL);
	assert_int_equal(unev_sys_munmap(m, pid, a + MB(2), MB(2)), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 3);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 0);
	assert_int_equal(unev_sys_munmap(m, pid, a, MB(2)), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 4);
	assert_int_equal(fixture_status(m, pid, "HugetlbPages"), 0);
}

/* pool_short_enomem.uvs: reservations must fit in the free pages. */
static void test_short_pool(void **state)
{
	uint64_t a, b;

	(void)state;
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 2), 0);
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(6), RW, ANON_PRIVATE, &a), -ENOMEM);
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(4), RW, ANON_SHARED, &a), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 2);
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(2), RW, ANON_PRIVATE, &b), -ENOMEM);
}

/* shm_hugetlb.uvs: shmget reserves; SHM_LOCK does nothing on hugetlb; the
 * pages stay in the segment until IPC_RMID. */
static void test_shm_hugetlb(void **state)
{
	uint64_t a;
	int id;

	(void)state;
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 4), 0);
	assert_int_equal(unev_shmget(m, MB(3), 0, UNEV_SHM_HUGETLB, &id), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 2);
	assert_int_equal(unev_sys_shmat(m, pid, id, 0, &a), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 2);
	assert_int_equal(unev_sys_mlock(m, pid, a, MB(3)), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 2);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 0);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_SHM_LOCK), 0);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 0);
	assert_int_equal(fixture_meminfo(m, "Unevictable"), 0);
	assert_int_equal(unev_sys_shmdt(m, pid, a), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 2);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_IPC_RMID), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 4);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 0);
	/* a pool too small for the segment: shmget's ENOMEM */
	assert_int_equal(unev_shmget(m, MB(10), 0, UNEV_SHM_HUGETLB, &id), -ENOMEM);
}

/* sysctl_shrink_under_use_surplus.uvs: the pages in use become surplus. */
static void test_shrink_under_use_surplus(void **state)
{
	uint64_t a;

	(void)state;
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 3), 0);
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(4), RW, ANON_PRIVATE, &a), 0);
	assert_int_equal(unev_touch(m, pid, a, P(1), true), 0);
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 0), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Total"), 2);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 1);
	assert_int_equal(fixture_meminfo(m, "HugePages_Surp"), 2);
	assert_int_equal(unev_sys_munmap(m, pid, a, MB(4)), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Total"), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Surp"), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 0);
}

/* exit: every huge page and reservation goes back to the pool. */
static void test_exit_returns_pages(void **state)
{
	uint64_t a, b;

	(void)state;
	assert_int_equal(unev_sysctl_set(m, "nr_hugepages", 4), 0);
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(4), RW,
				       ANON_PRIVATE | UNEV_MAP_LOCKED, &a), 0);
	assert_int_equal(unev_sys_mmap(m, pid, 0, MB(4), RW, ANON_SHARED, &b), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 2);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 2);
	assert_int_equal(unev_sys_exit(m, pid), 0);
	assert_int_equal(fixture_meminfo(m, "HugePages_Free"), 4);
	assert_int_equal(fixture_meminfo(m, "HugePages_Rsvd"), 0);
}

/*
 * VM_IO | VM_PFNMAP | VM_DONTEXPAND, as remap_pfn_range leaves a driver's
 * mapping (the vvar page every process has) on a plain VMA, its flags set
 * here (mmap ... perf|io_uring makes real ones: test_driver.c).  mlockall(MCL_CURRENT) and mlock succeed,
 * lock and charge nothing there (mlock_fixup's vma_supports_mlock) and
 * fault nothing in (__mm_populate skips VM_IO | VM_PFNMAP); the ordinary
 * mapping beside it is locked.  From mm/mlock.c and mm/gup.c; live, the
 * [vvar] VMA of every task shows the same (no "lo" in its VmFlags after
 * mlockall, docs/CONFORM.md's image rule).
 */
static void test_pfnmap_vma_skipped_by_mlockall(void **state)
{
	struct mm_struct *mm = m->tasks[pid - 1]->mm;
	struct vm_area_struct *vma;
	uint64_t a, b;

	(void)state;
	assert_int_equal(unev_sys_mmap(m, pid, 0, P(4), UNEV_PROT_READ,
				       UNEV_MAP_SHARED | UNEV_MAP_ANONYMOUS, &a), 0);
	vma = find_vma(mm, a);
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND;
	assert_int_equal(unev_sys_mmap(m, pid, 0, P(8), RW,
				       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &b), 0);
	assert_int_equal(unev_sys_mlockall(m, pid, UNEV_MCL_CURRENT), 0);
	assert_false(find_vma(mm, a)->vm_flags & VM_LOCKED);
	assert_true(find_vma(mm, b)->vm_flags & VM_LOCKED);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 32);
	assert_int_equal(fixture_smaps(m, pid, a, P(4), "Rss"), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 8);
	assert_int_equal(unev_sys_mlock(m, pid, a, P(4)), 0);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 32);
	assert_int_equal(unev_sys_munlockall(m, pid), 0);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_pool_enomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysctl_fills_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mlock_populates_without_locking, setup, teardown),
		cmocka_unit_test_setup_teardown(test_onfault_still_populates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_munmap_alignment_and_reservations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_pool, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shm_hugetlb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shrink_under_use_surplus, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exit_returns_pages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pfnmap_vma_skipped_by_mlockall, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
