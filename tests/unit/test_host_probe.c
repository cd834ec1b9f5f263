/*
 * test_host_probe.c - conform's probes of the live host (host_probe.c):
 * the zero-page decision for both answers, from pagemap entries as the
 * kernel writes them (pte_to_pagemap_entry, fs/proc/task_mmu.c: the zero
 * page has a frame but no struct page worth counting, so it is never
 * "exclusive"), and the profile chosen for a release.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "host_probe.h"
#include "unevict.h"

#include <errno.h>
#include <string.h>

/* root: the frames are shown.  A host with the zero page: one frame twice. */
static void test_zero_page_on_by_frames(void **state)
{
	uint64_t zero = PAGEMAP_PRESENT | 0x2a0d;

	(void)state;
	assert_int_equal(host_zero_page_decide(zero, zero), HOST_ZERO_PAGE_ON);
}

/* pvm_no_zero_page=1: each read fault got a page of its own. */
static void test_zero_page_off_by_frames(void **state)
{
	(void)state;
	assert_int_equal(host_zero_page_decide(PAGEMAP_PRESENT | PAGEMAP_EXCLUSIVE | 0x1234,
					       PAGEMAP_PRESENT | PAGEMAP_EXCLUSIVE | 0x1235),
			 HOST_ZERO_PAGE_OFF);
}

/* Without CAP_SYS_ADMIN the frames read 0: the exclusive bit decides. */
static void test_zero_page_by_exclusive_bit(void **state)
{
	(void)state;
	assert_int_equal(host_zero_page_decide(PAGEMAP_PRESENT, PAGEMAP_PRESENT),
			 HOST_ZERO_PAGE_ON);
	assert_int_equal(host_zero_page_decide(PAGEMAP_PRESENT | PAGEMAP_EXCLUSIVE,
					       PAGEMAP_PRESENT | PAGEMAP_EXCLUSIVE),
			 HOST_ZERO_PAGE_OFF);
}

/* Nothing mapped, a file page, or two different answers: no guess. */
static void test_zero_page_unknown(void **state)
{
	(void)state;
	assert_int_equal(host_zero_page_decide(0, PAGEMAP_PRESENT), HOST_ZERO_PAGE_UNKNOWN);
	assert_int_equal(host_zero_page_decide(PAGEMAP_PRESENT | PAGEMAP_FILE | 7,
					       PAGEMAP_PRESENT | PAGEMAP_FILE | 7),
			 HOST_ZERO_PAGE_UNKNOWN);
	assert_int_equal(host_zero_page_decide(PAGEMAP_PRESENT | PAGEMAP_EXCLUSIVE, PAGEMAP_PRESENT),
			 HOST_ZERO_PAGE_UNKNOWN);
}

/* The reader on this machine: some answer, and it says what it went by. */
static void test_zero_page_reader_answers(void **state)
{
	char how[64] = "";

	(void)state;
	assert_int_not_equal(host_probe_zero_page(how, sizeof(how)), HOST_ZERO_PAGE_UNKNOWN);
	assert_non_null(strstr(how, "pagemap"));
}

/* unev_kernel_for_release: the series, or the nearest older profile. */
static void test_profile_for_release(void **state)
{
	char name[16];

	(void)state;
	assert_int_equal(unev_kernel_for_release("6.18.44-fc-v595", name, sizeof(name)), 0);
	assert_string_equal(name, "6.18");
	assert_int_equal(unev_kernel_for_release("6.12.117+deb13-cloud-amd64", name, sizeof(name)), 0);
	assert_string_equal(name, "6.12");
	assert_int_equal(unev_kernel_for_release("5.10.0-32-cloud-amd64", name, sizeof(name)), 0);
	assert_string_equal(name, "5.10");
	assert_int_equal(unev_kernel_for_release("7.2.13+deb14-cloud-amd64", name, sizeof(name)), 0);
	assert_string_equal(name, "7.2");
	assert_int_equal(unev_kernel_for_release("6.15.2", name, sizeof(name)), 1);
	assert_string_equal(name, "6.12");
	assert_int_equal(unev_kernel_for_release("6.0.9", name, sizeof(name)), 1);
	assert_string_equal(name, "5.10");
	assert_int_equal(unev_kernel_for_release("4.19.0-27-amd64", name, sizeof(name)), -ENOENT);
	assert_int_equal(unev_kernel_for_release("linux", name, sizeof(name)), -ENOENT);
}

static void test_profile_lookup(void **state)
{
	enum unev_design d = UNEV_DESIGN_NONE;

	(void)state;
	assert_int_equal(unev_kernel_lookup("5.10", &d), 0);
	assert_int_equal(d, UNEV_DESIGN_RMAP_WALK);
	assert_int_equal(unev_kernel_lookup("6.1", &d), 0);
	assert_int_equal(d, UNEV_DESIGN_MLOCK_COUNT);
	assert_int_equal(unev_kernel_lookup("7.3", &d), 0);
	assert_int_equal(unev_kernel_lookup("6.2", &d), -ENOENT);
	assert_int_equal(unev_kernel_lookup("6.18.1", &d), -ENOENT);
	assert_int_equal(unev_kernel_lookup("none", &d), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_page_on_by_frames),
		cmocka_unit_test(test_zero_page_off_by_frames),
		cmocka_unit_test(test_zero_page_by_exclusive_bit),
		cmocka_unit_test(test_zero_page_unknown),
		cmocka_unit_test(test_zero_page_reader_answers),
		cmocka_unit_test(test_profile_for_release),
		cmocka_unit_test(test_profile_lookup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
