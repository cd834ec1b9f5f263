/*
 * test_secretmem.c - memfd_secret mappings on the model (secretmem.c) under
 * each kernel profile's answer, and the errnos of the kernels without
 * MAP_DROPPABLE, MADV_GUARD_* or memfd_secret.  6.18's values were seen on
 * the host's 6.18.44 (memfd_secret_locked_at_mmap.uvs, tests/probes/newcalls.c);
 * 6.12's read in Debian's 6.12.117 mm/secretmem.c and seen in its VM
 * (tests/model/profiles/memfd_secret_charges_user_6_12.uvs), and 7.3.4's
 * in its VM (memfd_secret_locked_at_mmap.uvs under the 7 profile); the older
 * kernels' in their VMs (map_droppable_einval_5_10.uvs, _6_1.uvs).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "unevict.h"

#include "fixture.h"

#define RW (UNEV_PROT_READ | UNEV_PROT_WRITE)

static struct unev_machine *machine_of(const char *kernel, uint64_t memlock, int *pid)
{
	struct unev_machine_config cfg;
	struct unev_task_config tc;
	struct unev_machine *m;

	unev_machine_config_default(&cfg);
	cfg.kernel = kernel;
	m = fixture_machine(&cfg);
	unev_task_config_default(&tc);
	if (memlock)
		tc.memlock = memlock;
	*pid = fixture_task(m, &tc);
	return m;
}

/* 6.18: VM_LOCKED at mmap, pages mlocked and culled as they fault in,
 * GUP refused (no populate, mlock ENOMEM), munlock a no-op */
static void test_secretmem_locked_at_mmap_6_18(void **state)
{
	int pid;
	struct unev_machine *m = machine_of("6.18", 0, &pid);
	uint64_t a = 0, b = 0;

	(void)state;
	assert_int_equal(unev_sys_mmap_secretmem(m, pid, 0, P(10), RW, UNEV_MAP_SHARED, &a), 0);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 40);
	assert_int_equal(unev_touch(m, pid, a, P(4), true), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 4);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 4);
	assert_int_equal(fixture_vmstat(m, "nr_unevictable"), 4);
	assert_int_equal(unev_sys_munlock(m, pid, a, P(10)), 0);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 40);
	assert_int_equal(fixture_vmstat(m, "nr_mlock"), 4);
	assert_int_equal(unev_sys_mlock(m, pid, a, P(10)), -ENOMEM);
	assert_int_equal(fixture_resident(m, pid, a, P(10)), 4);
	assert_int_equal(unev_sys_mmap_secretmem(m, pid, 0, P(10), RW,
						 UNEV_MAP_SHARED | UNEV_MAP_POPULATE, &b), 0);
	assert_int_equal(fixture_resident(m, pid, b, P(10)), 0);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 80);
	assert_int_equal(unev_sys_mmap_secretmem(m, pid, 0, P(10), RW, UNEV_MAP_PRIVATE, &b),
			 -EINVAL);
	assert_int_equal(unev_sys_munmap(m, pid, a, P(10)), 0);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 40);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_munlocked"), 4);
	assert_int_equal(fixture_vmstat(m, "nr_unevictable"), 0);
	fixture_teardown(m);
}

/* 6.18: the whole length against RLIMIT_MEMLOCK at mmap (mlock_future_ok) */
static void test_secretmem_over_memlock_is_eagain_6_18(void **state)
{
	int pid;
	struct unev_machine *m = machine_of("6.18", P(4), &pid);
	uint64_t a = 0;

	(void)state;
	assert_int_equal(unev_sys_mmap_secretmem(m, pid, 0, P(10), RW, UNEV_MAP_SHARED, &a), -EAGAIN);
	assert_int_equal(unev_sys_mmap_secretmem(m, pid, 0, P(4), RW, UNEV_MAP_SHARED, &a), 0);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 16);
	fixture_teardown(m);
}

/* 6.12.117 and 7.3.4: no VM_LOCKED; each page charged to the user at
 * fault time, SIGBUS past RLIMIT_MEMLOCK; the charge goes with the file */
static void charges_user(const char *kernel)
{
	int pid;
	struct unev_machine *m = machine_of(kernel, P(4), &pid);
	uint64_t a = 0;

	assert_int_equal(unev_sys_mmap_secretmem(m, pid, 0, P(10), RW, UNEV_MAP_SHARED, &a), 0);
	assert_int_equal(fixture_status(m, pid, "VmLck"), 0);
	assert_int_equal(unev_touch(m, pid, a, P(10), true), -EFAULT);
	assert_int_equal(fixture_resident(m, pid, a, P(10)), 4);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_mlocked"), 0);
	assert_int_equal(fixture_vmstat(m, "unevictable_pgs_culled"), 4);
	assert_int_equal(fixture_vmstat(m, "nr_unevictable"), 4);
	assert_int_equal(unev_sys_munmap(m, pid, a, P(10)), 0);
	unev_drain_all(m);
	assert_int_equal(fixture_vmstat(m, "nr_unevictable"), 0);
	assert_int_equal(unev_sys_mmap_secretmem(m, pid, 0, P(10), RW, UNEV_MAP_SHARED, &a), 0);
	assert_int_equal(unev_touch(m, pid, a, P(4), true), 0);
	fixture_teardown(m);
}

static void test_secretmem_charges_user_6_12_and_7(void **state)
{
	(void)state;
	charges_user("6.12");
	charges_user("7.3");
}

/* before 6.5 (6.1: secretmem.enable=0) and 5.10 (no system call): ENOSYS;
 * before 6.11 MAP_DROPPABLE and before 6.13 MADV_GUARD_*: EINVAL */
static void test_kernels_without_them(void **state)
{
	static const char *const kernels[] = {"5.10", "6.1", "6.12"};

	(void)state;
	for (size_t i = 0; i < sizeof(kernels) / sizeof(kernels[0]); i++) {
		int pid;
		struct unev_machine *m = machine_of(kernels[i], 0, &pid);
		uint64_t a = 0;
		int has_secretmem = i == 2;

		assert_int_equal(unev_sys_mmap_secretmem(m, pid, 0, P(10), RW, UNEV_MAP_SHARED, &a),
				 has_secretmem ? 0 : -ENOSYS);
		assert_int_equal(unev_sys_mmap(m, pid, 0, P(10), RW,
					       UNEV_MAP_DROPPABLE | UNEV_MAP_ANONYMOUS, &a),
				 has_secretmem ? 0 : -EINVAL);
		assert_int_equal(unev_sys_mmap(m, pid, 0, P(10), RW,
					       UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS, &a), 0);
		assert_int_equal(unev_sys_madvise(m, pid, a, P(10), UNEV_MADV_GUARD_INSTALL), -EINVAL);
		assert_int_equal(unev_sys_madvise(m, pid, a, P(10), UNEV_MADV_GUARD_REMOVE), -EINVAL);
		fixture_teardown(m);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_secretmem_locked_at_mmap_6_18),
		cmocka_unit_test(test_secretmem_over_memlock_is_eagain_6_18),
		cmocka_unit_test(test_secretmem_charges_user_6_12_and_7),
		cmocka_unit_test(test_kernels_without_them),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
