/*
 * test_filemap.c - files, ramfs, tmpfs and SysV shm (mm/filemap.c,
 * mm/shmem.c, ipc/shm.c), against KERNEL-SEMANTICS.md sections 1, 5 and 8
 * ([obs 6.18] values: SHM_UNLOCK 300/300, 300/0 never culled, 300/0 still
 * mlocked; ramfs mlock/munlock count mlocked/munlocked only).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unevict.h"

#include "fixture.h"

FIXTURE_FILE(64ULL << 20)

/* ramfs: culled when added (a full lru_add batch at once), mlock counts
 * only mlocked, munlock only munlocked, truncation only nr_unevictable. */
static void test_ramfs_is_unevictable_from_the_start(void **state)
{
	uint64_t a;
	int ino;

	(void)state;
	assert_int_equal(unev_file_create(m, "/mnt/ramfs/f", UNEV_FS_RAMFS, P(40), &ino), 0);
	assert_int_equal(unev_sys_pwrite(m, pid, ino, 0, P(40)), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 31);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 40);
	assert_int_equal(fixture_vmstat(m, "nr_unevictable"), 40);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(40), 3, UNEV_MAP_SHARED, ino, 0, &a), 0);
	assert_int_equal(unev_sys_mlock(m, pid, a, P(40)), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 40);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 40);
	assert_int_equal(unev_sys_munlock(m, pid, a, P(40)), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_munlocked"), 40);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_rescued"), 0);
	assert_int_equal(unev_sys_munmap(m, pid, a, P(40)), 0);
	assert_int_equal(unev_sys_ftruncate(m, pid, ino, 0), 0);
	assert_int_equal(fixture_vmstat(m, "nr_unevictable"), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_rescued"), 0);
	assert_int_equal(unev_sys_punch_hole(m, pid, ino, 0, P(1)), -EOPNOTSUPP);
}

/* SHM_LOCK is lazy; pages faulted afterwards are culled, never mlocked;
 * SHM_UNLOCK scans every resident page and rescues the culled ones. */
static void test_shm_lock_then_fault_then_unlock(void **state)
{
	uint64_t a;
	int id;

	(void)state;
	assert_int_equal(unev_shm_create(m, P(300), 0, &id), 0);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_SHM_LOCK), 0);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_SHM_LOCK), 0);	/* no second charge */
	assert_int_equal(unev_sys_shmat(m, pid, id, 0, &a), 0);
	assert_int_equal(unev_touch(m, pid, a, P(300), true), 0);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 300);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 0);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_SHM_UNLOCK), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_scanned"), 300);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_rescued"), 300);
	assert_int_equal(fixture_vmstat(m, "nr_unevictable"), 0);
	assert_int_equal(unev_sys_shmdt(m, pid, a), 0);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_IPC_RMID), 0);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_SHM_LOCK), -EINVAL);
}

/* Pages resident before SHM_LOCK stay evictable: SHM_UNLOCK scans 300 and
 * rescues none. */
static void test_shm_lock_after_fault_rescues_nothing(void **state)
{
	uint64_t a;
	int id;

	(void)state;
	assert_int_equal(unev_shm_create(m, P(300), 0, &id), 0);
	assert_int_equal(unev_sys_shmat(m, pid, id, 0, &a), 0);
	assert_int_equal(unev_touch(m, pid, a, P(300), true), 0);
	unev_drain_all(m);	/* else the 21 still in the lru_add batch are culled */
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_SHM_LOCK), 0);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 0);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_SHM_UNLOCK), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_scanned"), 300);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_rescued"), 0);
}

/* shmctl's order: EPERM for another uid without CAP_IPC_LOCK, EPERM with
 * RLIMIT_MEMLOCK 0, ENOMEM over the limit (a per-user total). */
static void test_shmctl_errnos(void **state)
{
	struct unev_task_config tc;
	int id, other, zero;

	(void)state;
	assert_int_equal(unev_shm_create(m, P(4096), 0, &id), 0);	/* 16 MiB > 8 MiB */
	unev_task_config_default(&tc);
	tc.uid = 1000;
	assert_int_equal(unev_task_create(m, &tc, &other), 0);
	tc.uid = 0;
	tc.memlock = 0;
	assert_int_equal(unev_task_create(m, &tc, &zero), 0);
	assert_int_equal(unev_sys_shmctl(m, other, id, UNEV_SHM_LOCK), -EPERM);
	assert_int_equal(unev_sys_shmctl(m, zero, id, UNEV_SHM_LOCK), -EPERM);
	assert_int_equal(unev_sys_shmctl(m, zero, id, UNEV_SHM_UNLOCK), 0);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_SHM_LOCK), -ENOMEM);
	assert_int_equal(unev_sys_shmctl(m, pid, -1, UNEV_SHM_LOCK), -EINVAL);
	assert_int_equal(unev_sys_shmctl(m, other, id, UNEV_IPC_RMID), -EPERM);
}

/* Truncation under a locked shared mapping munlocks through the rmap, and
 * releasing the first truncated batch drains the 21 munlocks left in the
 * mlock batch: 300 at once (tests/scenarios/files/tmpfs_truncate_under_
 * locked_mapping.uvs, observed live). */
static void test_truncate_under_locked_mapping(void **state)
{
	uint64_t a;
	int ino;

	(void)state;
	assert_int_equal(unev_file_create(m, "/mnt/tmpfs/f", UNEV_FS_TMPFS, P(300), &ino), 0);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(300), 3, UNEV_MAP_SHARED | UNEV_MAP_LOCKED,
					    ino, 0, &a), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 300);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 300);
	assert_int_equal(unev_sys_ftruncate(m, pid, ino, 0), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_munlocked"), 300);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_rescued"), 300);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 0);
	assert_int_equal(fixture_vmstat(m, "nr_unevictable"), 0);
	assert_int_equal(fixture_vmstat(m, "nr_shmem"), 0);
}

/* madvise_remove's order of checks and vfs_fallocate's answer per file
 * system (tests/scenarios/files/madvise_remove_errnos.uvs, observed live
 * on 6.18): VM_LOCKED EINVAL, no file EINVAL, not shared-maywrite EACCES,
 * ramfs EOPNOTSUPP, tmpfs punches the hole. */
static void test_madvise_remove_errnos(void **state)
{
	uint64_t pt, pr, pa, st, sr;
	int t, r;

	(void)state;
	assert_int_equal(unev_file_create(m, "/mnt/tmpfs/t", UNEV_FS_TMPFS, P(16), &t), 0);
	assert_int_equal(unev_file_create(m, "/mnt/ramfs/r", UNEV_FS_RAMFS, P(16), &r), 0);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(16), 3, UNEV_MAP_PRIVATE, t, 0, &pt), 0);
	assert_int_equal(unev_touch(m, pid, pt, P(16), false), 0);
	assert_int_equal(unev_sys_madvise(m, pid, pt, P(16), UNEV_MADV_REMOVE), -EACCES);
	assert_int_equal(fixture_vmstat(m, "nr_shmem"), 16);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(16), 3, UNEV_MAP_PRIVATE, r, 0, &pr), 0);
	assert_int_equal(unev_sys_madvise(m, pid, pr, P(16), UNEV_MADV_REMOVE), -EACCES);
	assert_int_equal(unev_sys_mmap(m, pid, 0, P(16), 3, UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS,
				       &pa), 0);
	assert_int_equal(unev_sys_madvise(m, pid, pa, P(16), UNEV_MADV_REMOVE), -EINVAL);
	assert_int_equal(unev_sys_mlock(m, pid, pt, P(16)), 0);
	assert_int_equal(unev_sys_madvise(m, pid, pt, P(16), UNEV_MADV_REMOVE), -EINVAL);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(16), 1, UNEV_MAP_SHARED, r, 0, &sr), 0);
	assert_int_equal(unev_sys_madvise(m, pid, sr, P(4), UNEV_MADV_REMOVE), -EOPNOTSUPP);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(16), 3, UNEV_MAP_SHARED, t, 0, &st), 0);
	assert_int_equal(unev_sys_madvise(m, pid, st, P(4), UNEV_MADV_REMOVE), 0);
	assert_int_equal(fixture_vmstat(m, "nr_shmem"), 12);
	assert_int_equal(unev_sys_mlock(m, pid, sr, P(16)), 0);
	assert_int_equal(unev_sys_madvise(m, pid, sr, P(16), UNEV_MADV_REMOVE), -EINVAL);
	/* vfs_fallocate: the range check comes before ramfs's EOPNOTSUPP */
	assert_int_equal(unev_sys_punch_hole(m, pid, r, 0, 0), -EINVAL);
	assert_int_equal(unev_sys_punch_hole(m, pid, r, 0, P(4)), -EOPNOTSUPP);
}

/* do_shmat: an SHM_RDONLY attach maps a file opened read-only, so do_mmap
 * leaves VM_MAYWRITE out: mprotect(PROT_WRITE) and MADV_REMOVE are EACCES;
 * a read-write attach may do both (tests/scenarios/shm/shmat_rdonly_no_
 * maywrite.uvs, observed live on 6.18). */
static void test_shmat_rdonly_may_not_write(void **state)
{
	uint64_t ro, rw;
	int id;

	(void)state;
	assert_int_equal(unev_shm_create(m, P(20), 0, &id), 0);
	assert_int_equal(unev_sys_shmat(m, pid, id, UNEV_SHM_RDONLY, &ro), 0);
	assert_int_equal(unev_touch(m, pid, ro, P(20), false), 0);
	assert_int_equal(unev_sys_mprotect(m, pid, ro, P(20), 3), -EACCES);
	assert_int_equal(unev_sys_mprotect(m, pid, ro, P(20), 0), 0);
	assert_int_equal(unev_sys_madvise(m, pid, ro, P(20), UNEV_MADV_REMOVE), -EACCES);
	assert_int_equal(fixture_vmstat(m, "nr_shmem"), 20);
	assert_int_equal(unev_sys_shmat(m, pid, id, 0, &rw), 0);
	assert_int_equal(unev_sys_mprotect(m, pid, rw, P(20), 1), 0);
	assert_int_equal(unev_sys_mprotect(m, pid, rw, P(20), 3), 0);
	assert_int_equal(unev_sys_madvise(m, pid, rw, P(5), UNEV_MADV_REMOVE), 0);
	assert_int_equal(fixture_vmstat(m, "nr_shmem"), 15);
}

/* A second read activates (live 6.18, files/disk_read_twice_activates_in_batches.uvs
 * and disk_read_same_folio_marked_once.uvs): through the lru_activate batch of
 * 31 for folios on the LRU, at once for those still in the lru_add batch; the
 * first folio of a read is not marked again when the last read ended in it. */
static void test_second_read_activates_in_batches(void **state)
{
	int f, g;

	(void)state;
	assert_int_equal(unev_file_create(m, "/tmp/f", UNEV_FS_DISK, P(100), &f), 0);
	assert_int_equal(unev_file_create(m, "/tmp/g", UNEV_FS_DISK, P(4), &g), 0);
	assert_int_equal(unev_sys_pread(m, pid, f, 0, P(100)), 0);
	assert_int_equal(unev_sys_pread(m, pid, f, 0, P(100)), 0);
	assert_int_equal(fixture_vmstat(m, "pgactivate"), 93);
	assert_int_equal(fixture_vmstat(m, "nr_active_file"), 93);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "pgactivate"), 93);
	assert_int_equal(fixture_vmstat(m, "nr_active_file"), 100);
	assert_int_equal(unev_sys_pread(m, pid, g, 0, P(1)), 0);
	unev_drain_all(m);
	assert_int_equal(unev_sys_pread(m, pid, g, 0, P(1)), 0);
	assert_int_equal(unev_sys_pread(m, pid, g, 100, 10), 0);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "pgactivate"), 93);
	assert_int_equal(unev_sys_pread(m, pid, g, P(1), P(1)), 0);
	assert_int_equal(unev_sys_pread(m, pid, g, 0, P(1)), 0);
	assert_int_equal(fixture_vmstat(m, "pgactivate"), 93);	/* waiting in lru_activate */
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "pgactivate"), 94);
	assert_int_equal(fixture_vmstat(m, "nr_active_file"), 101);
}

/* The LRU pages of a disk file written with one 40-page write(): on 6.18
 * ext4 makes a 32-page and an 8-page folio (seen with /proc/kpageflags,
 * tests/scenarios/files/README.md), and a large folio empties the lru_add
 * batch as it joins it (folio_batch_add_and_move), so all 40 are on the
 * LRU at once; on 6.12, 40 pages of which 31 filled the batch and 9 wait. */
static void test_ext4_write_makes_large_folios(void **state)
{
	static const struct {
		const char *kernel;
		uint64_t on_lru;
	} cases[] = { { "6.18", 40 }, { "6.12", 31 } };

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct unev_machine_config cfg;
		struct unev_machine *km;
		int kpid, ino;

		unev_machine_config_default(&cfg);
		cfg.kernel = cases[i].kernel;
		km = fixture_machine(&cfg);
		kpid = fixture_task(km, NULL);
		assert_int_equal(unev_file_create(km, "/tmp/f", UNEV_FS_DISK, 0, &ino), 0);
		assert_int_equal(unev_sys_pwrite(km, kpid, ino, 0, P(40)), 0);
		assert_int_equal(fixture_vmstat(km, "nr_inactive_file"), cases[i].on_lru);
		assert_int_equal(fixture_teardown(km), 0);
	}
}

/* One 2M write() and a 2M shared mapping: the folio is PMD-mapped by the
 * fault and mlocked whole (512, as seen on 6.18.44: files/
 * disk_large_folio_pmd_mlocked.uvs).  A truncation through it is refused
 * (-EOPNOTSUPP: its split is not modelled) and changes nothing. */
static void test_pmd_mapped_file_folio_truncate_refused(void **state)
{
	uint64_t a, rss = 0;
	int ino;

	(void)state;
	assert_int_equal(unev_file_create(m, "/tmp/f", UNEV_FS_DISK, 0, &ino), 0);
	assert_int_equal(unev_sys_pwrite(m, pid, ino, 0, P(512)), 0);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(512), 1, UNEV_MAP_SHARED, ino, 0, &a), 0);
	assert_int_equal(a & (P(512) - 1), 0);
	assert_int_equal(unev_sys_mlock(m, pid, a, P(512)), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 512);
	assert_int_equal(fixture_vmstat(m, "thp_file_mapped"), 1);
	assert_int_equal(unev_sys_ftruncate(m, pid, ino, P(100)), -EOPNOTSUPP);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 512);
	assert_int_equal(unev_smaps_read(m, pid, a, a + P(512), "Rss", &rss), 0);
	assert_int_equal(rss, 2048);
	assert_int_equal(unev_sys_ftruncate(m, pid, ino, 0), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_munlocked"), 512);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 0);
}

/* The PMD-mapped 2M folio in the counters (6.18.44: files/
 * disk_large_folio_pmd_meminfo.uvs): FileHugePages while it is in the
 * cache, FilePmdMapped (meminfo, vmstat in THPs, smaps) while a PMD maps it. */
static void test_pmd_mapped_file_folio_counters(void **state)
{
	uint64_t a;
	int ino;

	(void)state;
	assert_int_equal(unev_file_create(m, "/tmp/f", UNEV_FS_DISK, 0, &ino), 0);
	assert_int_equal(unev_sys_pwrite(m, pid, ino, 0, P(512)), 0);
	assert_int_equal(fixture_meminfo(m, "FileHugePages"), 2048);
	assert_int_equal(fixture_vmstat(m, "nr_file_hugepages"), 1);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(512), 1, UNEV_MAP_SHARED, ino, 0, &a), 0);
	assert_int_equal(fixture_meminfo(m, "FilePmdMapped"), 0);
	assert_int_equal(unev_sys_mlock(m, pid, a, P(512)), 0);
	assert_int_equal(fixture_meminfo(m, "FilePmdMapped"), 2048);
	assert_int_equal(fixture_vmstat(m, "nr_file_pmdmapped"), 1);
	assert_int_equal(fixture_vmstat(m, "nr_mapped"), 512);
	assert_int_equal(fixture_smaps(m, pid, a, P(512), "FilePmdMapped"), 2048);
	assert_int_equal(fixture_smaps(m, pid, a, P(512), "AnonHugePages"), 0);
	assert_int_equal(unev_sys_munmap(m, pid, a, P(512)), 0);
	assert_int_equal(fixture_meminfo(m, "FilePmdMapped"), 0);
	assert_int_equal(fixture_vmstat(m, "nr_mapped"), 0);
	assert_int_equal(fixture_meminfo(m, "FileHugePages"), 2048);
	assert_int_equal(unev_sys_ftruncate(m, pid, ino, 0), 0);
	assert_int_equal(fixture_meminfo(m, "FileHugePages"), 0);
}

/* msync(MS_SYNC) cleans every PTE of a 64-page folio, and a write fault
 * on one page dirties the folio whole (6.18.44: files/
 * disk_large_folio_msync_cleans_every_pte.uvs). */
static void test_msync_cleans_large_file_folio(void **state)
{
	uint64_t a;
	int ino;

	(void)state;
	assert_int_equal(unev_file_create(m, "/tmp/f", UNEV_FS_DISK, P(512), &ino), 0);
	assert_int_equal(unev_sys_pwrite(m, pid, ino, 0, P(64)), 0);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(512), 3, UNEV_MAP_SHARED, ino, 0, &a), 0);
	assert_int_equal(unev_touch(m, pid, a, P(64), true), 0);
	assert_int_equal(fixture_smaps(m, pid, a, P(512), "Private_Dirty"), 256);
	assert_int_equal(unev_sys_msync(m, pid, a, P(512), UNEV_MS_SYNC), 0);
	assert_int_equal(fixture_smaps(m, pid, a, P(512), "Private_Dirty"), 0);
	assert_int_equal(fixture_smaps(m, pid, a, P(512), "Private_Clean"), 256);
	assert_int_equal(unev_touch(m, pid, a, P(2), true), 0);
	assert_int_equal(fixture_smaps(m, pid, a, P(512), "Private_Dirty"), 256);
}

/* Reclaim meeting a mapped large page-cache folio says it is not
 * modelled (unev_not_modelled) rather than count it wrong. */
static void test_reclaim_mapped_large_file_folio_refused(void **state)
{
	uint64_t a, reclaimed = 0;
	int ino;

	(void)state;
	assert_int_equal(unev_file_create(m, "/tmp/f", UNEV_FS_DISK, P(64), &ino), 0);
	assert_int_equal(unev_sys_pwrite(m, pid, ino, 0, P(64)), 0);
	assert_null(unev_not_modelled(m));
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(32), 1, UNEV_MAP_SHARED, ino, 0, &a), 0);
	assert_int_equal(unev_touch(m, pid, a, P(1), false), 0);
	assert_int_equal(unev_reclaim(m, P(64), -1, 0, &reclaimed), 0);
	assert_non_null(unev_not_modelled(m));
}

/* Two mappings of a 64-page folio count its pages in NR_FILE_MAPPED once
 * (6.18.44: files/disk_large_folio_two_tasks_mapped_once.uvs). */
static void test_large_file_folio_mapped_twice_counts_once(void **state)
{
	uint64_t a, b;
	int ino;

	(void)state;
	assert_int_equal(unev_file_create(m, "/tmp/f", UNEV_FS_DISK, P(64), &ino), 0);
	assert_int_equal(unev_sys_pwrite(m, pid, ino, 0, P(64)), 0);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(64), 1, UNEV_MAP_SHARED, ino, 0, &a), 0);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(64), 1, UNEV_MAP_SHARED, ino, 0, &b), 0);
	assert_int_equal(unev_touch(m, pid, a, P(64), false), 0);
	assert_int_equal(fixture_vmstat(m, "nr_mapped"), 64);
	assert_int_equal(unev_touch(m, pid, b, P(64), false), 0);
	assert_int_equal(fixture_vmstat(m, "nr_mapped"), 64);
	assert_int_equal(unev_sys_munmap(m, pid, a, P(64)), 0);
	assert_int_equal(fixture_vmstat(m, "nr_mapped"), 64);
	assert_int_equal(unev_sys_munmap(m, pid, b, P(64)), 0);
	assert_int_equal(fixture_vmstat(m, "nr_mapped"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ramfs_is_unevictable_from_the_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shm_lock_then_fault_then_unlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shm_lock_after_fault_rescues_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shmctl_errnos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate_under_locked_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_madvise_remove_errnos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shmat_rdonly_may_not_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_read_activates_in_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ext4_write_makes_large_folios, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmd_mapped_file_folio_truncate_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pmd_mapped_file_folio_counters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msync_cleans_large_file_folio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reclaim_mapped_large_file_folio_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_file_folio_mapped_twice_counts_once, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
