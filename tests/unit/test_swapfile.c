/*
 * test_swapfile.c - swap slots by cluster and the page cache by chunk
 * (mm/swapfile.c, the xarray of mm/filemap.c): what a size costs before
 * it is used (issue 13: `machine swap=7T` took 6 GiB, `file size=8T` was
 * OOM-killed).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "internal.h"

#include "fixture.h"

static uint64_t chunks_used(const struct address_space *as)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < (as->nr_slots + CACHE_CHUNK - 1) / CACHE_CHUNK; i++)
		n += as->chunks[i] != NULL;
	return n;
}

static uint64_t clusters_used(const struct unev_machine *m)
{
	uint64_t n = 0;

	for (uint64_t i = 0; i < (m->swap_total + SWAPFILE_CLUSTER - 1) / SWAPFILE_CLUSTER; i++)
		n += m->swap_clusters[i] != NULL;
	return n;
}

/* An 8 TiB tmpfs file: its last page is a real page in one chunk; the
 * truncation that frees it walks only that chunk. */
static void test_file_8t_one_chunk_per_page_used(void **state)
{
	struct unev_machine *m;
	struct address_space *as;
	uint64_t a, last = (8ULL << 40) - UNEV_PAGE_SIZE;
	int pid, ino;

	(void)state;
	assert_int_equal(fixture_setup(&m, &pid, 0, 64ULL << 20), 0);
	assert_int_equal(unev_file_create(m, "/mnt/tmpfs/f", UNEV_FS_TMPFS, 8ULL << 40, &ino), 0);
	as = file_lookup(m, ino);
	assert_int_equal(as->nr_slots, 1ULL << 31);
	assert_int_equal(chunks_used(as), 0);
	assert_int_equal(unev_sys_mmap_file(m, pid, 0, 8ULL << 40, 3, UNEV_MAP_SHARED, ino, 0, &a), 0);
	assert_int_equal(unev_touch(m, pid, a + last, P(1), true), 0);
	assert_int_equal(chunks_used(as), 1);
	assert_int_equal(as->nrpages, 1);
	assert_int_equal(cache_entry(as, (1ULL << 31) - 1) == PFN_NIL, false);
	assert_int_equal(cache_entry(as, 0), PFN_NIL);
	assert_int_equal(cache_next_chunk(as, 0), (1ULL << 31) - CACHE_CHUNK);
	assert_int_equal(fixture_vmstat(m, "nr_shmem"), 1);
	assert_int_equal(unev_sys_munmap(m, pid, a, 8ULL << 40), 0);
	assert_int_equal(unev_sys_ftruncate(m, pid, ino, 0), 0);
	assert_int_equal(as->nrpages, 0);
	assert_int_equal(fixture_vmstat(m, "nr_shmem"), 0);
	/* a file past 2^32 pages cannot be held (32-bit folio index) */
	assert_int_equal(unev_file_create(m, "/mnt/tmpfs/g", UNEV_FS_TMPFS, 16ULL << 40, &ino),
			 -EFBIG);
	fixture_teardown(m);
}

/* A 7 TiB swap: no cluster until reclaim writes; the slots written fill
 * the first clusters only (256 pages: one cluster of 512). */
static void test_swap_7t_clusters_on_first_use(void **state)
{
	struct unev_machine_config cfg;
	struct unev_machine *m;
	uint64_t a, reclaimed = 0;
	int pid;

	(void)state;
	unev_machine_config_default(&cfg);
	cfg.mem_bytes = 64ULL << 20;
	cfg.swap_bytes = 7ULL << 40;
	m = fixture_machine(&cfg);
	assert_int_equal(m->swap_total, 7ULL << 28);
	assert_int_equal(clusters_used(m), 0);
	pid = fixture_task(m, NULL);
	m->swappiness = 200;	/* anon only, as tests/model/reclaim/swap_* */
	assert_int_equal(unev_sys_mmap(m, pid, 0, P(256), 3, UNEV_MAP_PRIVATE | UNEV_MAP_ANONYMOUS,
				       &a), 0);
	assert_int_equal(unev_touch(m, pid, a, P(256), true), 0);
	unev_drain_all(m);
	/* every page is cold and anon-only scanning takes them all (the model's
	 * own reclaim, as tests/model/reclaim/swap_reclaims_anon_not_mlocked) */
	assert_int_equal(unev_reclaim(m, P(256), -1, 0, &reclaimed), 0);
	assert_int_equal(reclaimed, 256);
	assert_int_equal(fixture_vmstat(m, "pswpout"), 256);
	assert_int_equal(m->swap_used, 256);
	assert_int_equal(clusters_used(m), 1);
	assert_int_equal(unev_touch(m, pid, a, P(256), true), 0);
	assert_int_equal(fixture_vmstat(m, "pswpin"), 256);
	assert_int_equal(m->swap_used, 0);
	fixture_teardown(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_8t_one_chunk_per_page_used),
		cmocka_unit_test(test_swap_7t_clusters_on_first_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
