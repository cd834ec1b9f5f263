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

static struct unev_machine *m;
static int pid;

static int setup(void **state)
{
	(void)state;
	return fixture_setup(&m, &pid, 0, 64ULL << 20);
}

static int teardown(void **state)
{
	(void)state;
	return fixture_teardown(m);
}

static uint64_t vm(const char *name)
{
	return fixture_vmstat(m, name);
}

/* ramfs: culled when added (a full lru_add batch at once), mlock counts
 * only mlocked, munlock only munlocked, truncation only nr_unevictable. */
static void test_ramfs_is_unevictable_from_the_start(void **state)
{
	uint64_t a;
	int ino;

	(void)state;
	assert_int_equal(unev_file_create(m, "/mnt/ramfs/f", UNEV_FS_RAMFS, P(40), &ino), 0);
	assert_int_equal(unev_sys_pwrite(m, pid, ino, 0, P(40)), 0);
	assert_int_equal(vm("unevictable_pgs_culled"), 31);
	unev_drain_all(m);
	assert_int_equal(vm("unevictable_pgs_culled"), 40);
	assert_int_equal(vm("nr_unevictable"), 40);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, P(40), 3, UNEV_MAP_SHARED, ino, 0, &a), 0);
	assert_int_equal(unev_sys_mlock(m, pid, a, P(40)), 0);
	assert_int_equal(vm("unevictable_pgs_mlocked"), 40);
	assert_int_equal(vm("unevictable_pgs_culled"), 40);
	assert_int_equal(unev_sys_munlock(m, pid, a, P(40)), 0);
	assert_int_equal(vm("unevictable_pgs_munlocked"), 40);
	assert_int_equal(vm("unevictable_pgs_rescued"), 0);
	assert_int_equal(unev_sys_munmap(m, pid, a, P(40)), 0);
	assert_int_equal(unev_sys_ftruncate(m, pid, ino, 0), 0);
	assert_int_equal(vm("nr_unevictable"), 0);
	assert_int_equal(vm("unevictable_pgs_rescued"), 0);
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
	assert_int_equal(vm("unevictable_pgs_culled"), 300);
	assert_int_equal(vm("unevictable_pgs_mlocked"), 0);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_SHM_UNLOCK), 0);
	assert_int_equal(vm("unevictable_pgs_scanned"), 300);
	assert_int_equal(vm("unevictable_pgs_rescued"), 300);
	assert_int_equal(vm("nr_unevictable"), 0);
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
	assert_int_equal(vm("unevictable_pgs_culled"), 0);
	assert_int_equal(unev_sys_shmctl(m, pid, id, UNEV_SHM_UNLOCK), 0);
	assert_int_equal(vm("unevictable_pgs_scanned"), 300);
	assert_int_equal(vm("unevictable_pgs_rescued"), 0);
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
	assert_int_equal(vm("unevictable_pgs_mlocked"), 300);
	assert_int_equal(vm("nr_mlock"), 300);
	assert_int_equal(unev_sys_ftruncate(m, pid, ino, 0), 0);
	assert_int_equal(vm("unevictable_pgs_munlocked"), 300);
	assert_int_equal(vm("unevictable_pgs_rescued"), 300);
	assert_int_equal(vm("nr_mlock"), 0);
	assert_int_equal(vm("nr_unevictable"), 0);
	assert_int_equal(vm("nr_shmem"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ramfs_is_unevictable_from_the_start, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shm_lock_then_fault_then_unlock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shm_lock_after_fault_rescues_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shmctl_errnos, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncate_under_locked_mapping, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
