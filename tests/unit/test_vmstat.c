/*
 * test_vmstat.c - the /proc text the model renders (mm/vmstat.c,
 * fs/proc/meminfo.c, fs/proc/array.c, fs/proc/task_mmu.c): same names,
 * same units, same layout as the kernel's files.
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

static struct unev_machine *m;
static int pid;
static uint64_t base; /* the 100-page locked mapping */

static int setup(void **state)
{
	(void)state;
	if (fixture_setup(&m, &pid, 0, 64ULL << 20))
		return -1;
	return unev_sys_mmap(m, pid, 0, P(100), 3,
			     UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS | UNEV_MAP_LOCKED, &base);
}

static int teardown(void **state)
{
	(void)state;
	return fixture_teardown(m);
}

static void test_vmstat_text(void **state)
{
	char *t = unev_proc_vmstat(m);

	(void)state;
	assert_non_null(t);
	assert_non_null(strstr(t, "\nnr_mlock 100\n"));
	assert_non_null(strstr(t, "\nnr_unevictable 100\n"));
	assert_non_null(strstr(t, "\nunevictable_pgs_mlocked 100\n"));
	assert_non_null(strstr(t, "\nunevictable_pgs_stranded 0\n"));
	free(t);
}

/* meminfo_proc_show: "Name:" padded, value width 8, " kB". */
static void test_meminfo_text(void **state)
{
	char *t = unev_proc_meminfo(m);

	(void)state;
	assert_non_null(t);
	assert_non_null(strstr(t, "MemTotal:          65536 kB\n"));
	assert_non_null(strstr(t, "Mlocked:             400 kB\n"));
	assert_non_null(strstr(t, "Unevictable:         400 kB\n"));
	free(t);
}

/* task_mem: "VmLck:\t     400 kB". */
static void test_status_text(void **state)
{
	char *t = unev_proc_status(m, pid);

	(void)state;
	assert_non_null(t);
	assert_non_null(strstr(t, "VmLck:\t     400 kB\n"));
	assert_non_null(strstr(t, "VmSize:\t     400 kB\n"));
	free(t);
	assert_null(unev_proc_status(m, 99));
}

/* show_smap: "Locked:" padded to 16 columns, value width 8. */
static void test_smaps_text_and_fields(void **state)
{
	char *t = unev_proc_smaps(m, pid, 0, UINT64_MAX);
	uint64_t kb = 0;

	(void)state;
	assert_non_null(t);
	assert_non_null(strstr(t, "\nLocked:              400 kB\n"));
	assert_non_null(strstr(t, " rw-p 00000000 00:00 0\n"));
	/* a private writable mapping is VM_ACCOUNT (mmap_region) */
	assert_non_null(strstr(t, "VmFlags: rd wr mr mw me lo ac\n"));
	free(t);
	assert_int_equal(unev_smaps_read(m, pid, 0, UINT64_MAX, "Pss", &kb), 0);
	assert_int_equal(kb, 400);
	assert_int_equal(unev_smaps_read(m, pid, 0, UINT64_MAX, "NoSuchField", &kb), -ENOENT);
	/* SCENARIO.md: a VMA that overlaps the range counts, whole (spec) */
	assert_int_equal(unev_smaps_read(m, pid, base + P(1), base + P(2), "Locked", &kb), 0);
	assert_int_equal(kb, 400);
	assert_int_equal(unev_smaps_read(m, pid, base + P(100), base + P(101), "Locked", &kb), 0);
	assert_int_equal(kb, 0);
	assert_int_equal(unev_vmstat_read(m, "nr_no_such", &kb), -ENOENT);
	assert_int_equal(unev_meminfo_read(m, "Mlocked", &kb), 0);
	assert_int_equal(kb, 400);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vmstat_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meminfo_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smaps_text_and_fields, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
