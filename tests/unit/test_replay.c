/*
 * test_replay.c - strace's text read into records (src/replay/strace.c),
 * the trace-address region map (regions.c) and a replay's counts
 * (replay.c).  The trace lines are strace 6.1's own forms, as Debian's
 * strace writes them (the fixtures in tests/replay were recorded with it).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "regions.h"
#include "replay.h"
#include "strace.h"

static struct trace *parse_ok(const char *text)
{
	struct trace *t = NULL;
	char err[256] = "";

	assert_int_equal(strace_parse("t.trace", text, strlen(text), &t, err, sizeof(err)), 0);
	assert_non_null(t);
	return t;
}

static void test_strace_joins_unfinished_and_resumed(void **state)
{
	struct trace *t = parse_ok(
		"7 10:00:00.000001 mmap(NULL, 8192, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0 <unfinished ...>\n"
		"8 10:00:00.000002 munlockall()      = 0\n"
		"7 10:00:00.000003 <... mmap resumed>) = 0x7f0000001000\n");

	(void)state;
	assert_int_equal(t->nr_calls, 2);
	/* a call is replayed when it completes: munlockall first */
	assert_int_equal(t->calls[0].sys, TRACE_MUNLOCKALL);
	assert_int_equal(t->calls[0].pid, 8);
	assert_int_equal(t->calls[1].sys, TRACE_MMAP);
	assert_int_equal(t->calls[1].line, 1);
	assert_int_equal(t->calls[1].pid, 7);
	assert_int_equal(t->calls[1].arg[1], 8192);
	assert_int_equal(t->calls[1].arg[2], 3);
	assert_int_equal(t->calls[1].arg[3], 0x22);
	assert_int_equal(t->calls[1].arg[4], (uint64_t)-1);
	assert_int_equal(t->calls[1].ret, 0x7f0000001000ULL);
	assert_int_equal(t->calls[1].usec, 36000000003ULL);
	trace_free(t);
}

static void test_strace_runs_clone_where_it_started(void **state)
{
	/* the child's first line comes before its parent's "resumed" */
	struct trace *t = parse_ok(
		"7 10:00:00.000001 clone3({flags=CLONE_VM|CLONE_FS|CLONE_THREAD, child_tid=0x7f00001ff910, stack_size=0x100000}, 88 <unfinished ...>\n"
		"9 10:00:00.000002 mlockall(MCL_CURRENT|MCL_FUTURE) = 0\n"
		"7 10:00:00.000003 <... clone3 resumed> => {parent_tid=[9]}, 88) = 9\n");

	(void)state;
	assert_int_equal(t->nr_calls, 2);
	assert_int_equal(t->calls[0].sys, TRACE_CLONE3);
	assert_false(t->calls[0].pending);
	assert_int_equal(t->calls[0].arg[0], 0x100 | 0x10000);	/* CLONE_VM|CLONE_THREAD */
	assert_int_equal(t->calls[0].ret, 9);
	assert_int_equal(t->calls[1].sys, TRACE_MLOCKALL);
	assert_int_equal(t->calls[1].arg[0], 3);
	trace_free(t);
}

static void test_strace_reads_raw_verbose_and_paths(void **state)
{
	struct trace *t = parse_ok(
		"mmap(NULL, 4096, 0x1, 0x2, 3, 0) = 0x7f0000002000\n"
		"mmap(NULL, 4096, 0x1 /* PROT_READ */, 0x802 /* MAP_PRIVATE|MAP_DENYWRITE */, 3</usr/lib/a, b (1).so>, 0x1000) = 0x7f0000003000\n"
		"mlock2(0x7f0000003000, 4096, MLOCK_ONFAULT|0xfffffffe) = -1 EINVAL (Invalid argument)\n"
		"shmget(IPC_PRIVATE, 65536, IPC_CREAT|0600) = 3\n");

	(void)state;
	assert_int_equal(t->nr_calls, 4);
	assert_int_equal(t->calls[0].pid, 0);
	assert_int_equal(t->calls[0].path, -1);
	assert_int_equal(t->calls[1].arg[3], 0x802);
	assert_int_equal(t->calls[1].arg[5], 0x1000);
	assert_int_equal(t->calls[1].path, 0);
	assert_string_equal(t->paths[0], "/usr/lib/a, b (1).so");
	assert_int_equal(t->calls[2].arg[2], 0xffffffffULL);
	assert_int_equal(t->calls[2].err, EINVAL);
	assert_int_equal(t->calls[3].arg[2], 01000 | 0600);
	trace_free(t);
}

static void test_strace_counts_calls_it_does_not_read(void **state)
{
	struct trace *t = parse_ok(
		"5 10:00:00.000001 wait4(-1, NULL, WNOHANG, NULL) = 0\n"
		"5 10:00:00.000002 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED} ---\n"
		"5 10:00:00.000003 exit_group(0)           = ?\n"
		"5 10:00:00.000004 +++ exited with 0 +++\n");

	(void)state;
	assert_int_equal(t->nr_calls, 3);
	assert_int_equal(t->calls[0].sys, TRACE_OTHER);
	assert_string_equal(t->names[t->calls[0].name], "wait4");
	assert_true(t->calls[1].ret_unknown);
	assert_int_equal(t->calls[2].sys, TRACE_EV_EXITED);
	trace_free(t);
}

static void test_strace_refuses_other_text(void **state)
{
	const char *text = "5 10:00:00.000001 munlockall() = 0\nhello world\n";
	struct trace *t = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(strace_parse("t.trace", text, strlen(text), &t, err, sizeof(err)),
			 -EINVAL);
	assert_null(t);
	assert_string_equal(err, "t.trace:2: not a system call line: 'hello world'");
}

static void test_region_map_splits_as_a_vma_splits(void **state)
{
	struct region_map map = {0};
	struct region_piece p = {0x10000, 0x20000, 0x7000000, 4};

	(void)state;
	assert_int_equal(region_map_insert(&map, &p), 0);
	assert_int_equal(region_map_split(&map, 0x18000), 0);
	assert_int_equal(map.nr, 2);
	assert_int_equal(map.v[1].start, 0x18000);
	assert_int_equal(map.v[1].model_start, 0x7008000);
	assert_int_equal(map.v[1].region, 4);
	assert_int_equal(region_map_find(&map, 0x17fff), 0);
	assert_int_equal(region_map_find(&map, 0x18000), 1);
	assert_true(region_map_covers(&map, 0x10000, 0x20000));
	region_map_remove(&map, 0, 1);
	assert_false(region_map_covers(&map, 0x10000, 0x20000));
	assert_true(region_map_covers(&map, 0x18000, 0x20000));
	region_map_free(&map);
}

/* mlock of 16 pages then munlock of the first 4: VmLck 48 kB, 16 pages
 * mlocked and 4 munlocked (unevictable-lru.rst, "mlock()"/"munlock()"). */
static void test_replay_counts_and_locks(void **state)
{
	struct trace *t = parse_ok(
		"5 10:00:00.000001 mmap(NULL, 65536, PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS, -1, 0) = 0x7f0000010000\n"
		"5 10:00:00.000002 mlock(0x7f0000010000, 65536) = 0\n"
		"5 10:00:00.000003 munlock(0x7f0000010000, 16384) = 0\n"
		"5 10:00:00.000004 mprotect(0x560000000000, 4096, PROT_READ) = 0\n"
		"5 10:00:00.000005 mlock(0x7f0000020000, 4096) = -1 ENOMEM (Cannot allocate memory)\n");
	struct replay_options o;
	struct replay_report *rep = NULL;
	char err[256] = "";

	(void)state;
	replay_options_default(&o);
	assert_int_equal(replay_run("t.trace", t, &o, &rep, err, sizeof(err)), 0);
	assert_int_equal(rep->calls, 5);
	assert_int_equal(rep->replayed, 4);
	assert_int_equal(rep->agreeing, 4);
	assert_int_equal(rep->diverging, 0);
	assert_int_equal(rep->not_modelled, 1);
	assert_string_equal(rep->unmodelled[0].name, "mprotect (outside the traced regions)");
	assert_int_equal(rep->nr_procs, 1);
	assert_int_equal(rep->procs[0].vmlck_kb, 48);
	assert_int_equal(rep->procs[0].locked_kb, 48);
	assert_int_equal(rep->vmstat_mlocked, 16);
	assert_int_equal(rep->vmstat_munlocked, 4);
	replay_report_free(rep);
	trace_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strace_joins_unfinished_and_resumed),
		cmocka_unit_test(test_strace_runs_clone_where_it_started),
		cmocka_unit_test(test_strace_reads_raw_verbose_and_paths),
		cmocka_unit_test(test_strace_counts_calls_it_does_not_read),
		cmocka_unit_test(test_strace_refuses_other_text),
		cmocka_unit_test(test_region_map_splits_as_a_vma_splits),
		cmocka_unit_test(test_replay_counts_and_locks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
