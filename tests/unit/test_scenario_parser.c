/*
 * test_scenario_parser.c - the .uvs parser against SCENARIO.md: sizes, every
 * statement's syntax tree, options in any order, and errors that carry
 * FILE:LINE and say what was expected.  Also the checks that refuse a
 * scenario whole before it runs (scenario_check, scenario_model_check).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "interp.h"
#include "scenario.h"

/* Parse text that must be valid; the tree is freed by the caller. */
static struct scenario *parse_ok(const char *text)
{
	char err[512] = "";
	struct scenario *s = NULL;
	int ret = scenario_parse_text("t.uvs", text, &s, err, sizeof(err));

	if (ret)
		print_error("unexpected parse error: %s\n", err);
	assert_int_equal(ret, 0);
	assert_non_null(s);
	return s;
}

/* Parse text that must fail; err receives the message. */
static void parse_fails(const char *text, char *err, size_t len)
{
	struct scenario *s = (struct scenario *)1;

	assert_int_equal(scenario_parse_text("t.uvs", text, &s, err, len), -EINVAL);
	assert_null(s);
}

/* The message must contain want (and so its FILE:LINE prefix). */
static void assert_parse_error(const char *text, const char *want)
{
	char err[512] = "";

	parse_fails(text, err, sizeof(err));
	if (!strstr(err, want))
		print_error("error '%s' lacks '%s'\n", err, want);
	assert_non_null(strstr(err, want));
}

/* The single call of "task a\n<line>" */
static struct scenario *parse_call(const char *line, const struct scenario_call **c)
{
	char text[256];
	struct scenario *s;

	snprintf(text, sizeof(text), "task a\n%s\n", line);
	s = parse_ok(text);
	assert_int_equal(s->nr_statements, 2);
	assert_int_equal(s->statements[1].kind, SCENARIO_CALL);
	*c = &s->statements[1].call;
	assert_string_equal((*c)->task, "a");
	return s;
}

static uint64_t size_of(const char *word)
{
	uint64_t v = 0;

	assert_int_equal(scenario_parse_size(word, &v), 0);
	return v;
}

/* SCENARIO.md: "4096, 4K, 1p are equal"; K M G T are powers of 1024. */
static void test_sizes_4096_4K_1p_are_equal(void **state)
{
	(void)state;
	assert_int_equal(size_of("4096"), 4096);
	assert_int_equal(size_of("4K"), 4096);
	assert_int_equal(size_of("1p"), 4096);
	assert_int_equal(size_of("0"), 0);
	assert_int_equal(size_of("300p"), 300 * 4096);
	assert_int_equal(size_of("3M"), 3ULL << 20);
	assert_int_equal(size_of("2G"), 2ULL << 30);
	assert_int_equal(size_of("5T"), 5ULL << 40);
	assert_int_equal(size_of("007K"), 7 << 10);
}

static void test_sizes_overflow_is_rejected(void **state)
{
	uint64_t v;

	(void)state;
	assert_true(size_of("18446744073709551615") == UINT64_MAX);
	assert_int_equal(scenario_parse_size("18446744073709551616", &v), -ERANGE);
	assert_int_equal(scenario_parse_size("99999999999999999999999", &v), -ERANGE);
	/* 2^24 T = 2^64 bytes; one less fits */
	assert_int_equal(scenario_parse_size("16777216T", &v), -ERANGE);
	assert_true(size_of("16777215T") == 16777215ULL << 40);
	assert_int_equal(scenario_parse_size("4503599627370496p", &v), -ERANGE);
	assert_true(size_of("4503599627370495p") == 4503599627370495ULL * 4096);
	assert_parse_error("task a\na: mmap r1 16777216T\n",
			   "t.uvs:2: size '16777216T' for LEN does not fit in 64 bits");
}

static void test_sizes_bad_suffixes_are_rejected(void **state)
{
	static const char *const bad[] = {"", "K", "4k", "4KB", "4 K", "1.5M",
					  "-4K", "+4K", "4P", "0x10", "4Kp", "p"};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(scenario_parse_size(bad[i], &v), -EINVAL);
	assert_parse_error("task a\na: mmap r1 4KB\n",
			   "t.uvs:2: expected a size for LEN (a number with an optional K, M, G, T or p suffix), found '4KB'");
}

static void test_comments_blank_lines_and_tabs(void **state)
{
	struct scenario *s;

	(void)state;
	s = parse_ok("# a comment\n\n   \t\ntask a # trailing comment\n"
		     "\ta:\tmmap  r1\t4K   \r\n#\n");
	assert_int_equal(s->nr_statements, 2);
	assert_int_equal(s->statements[0].line, 4);
	assert_int_equal(s->statements[1].line, 5);
	/* text is the words joined by one space: what messages quote */
	assert_string_equal(s->statements[1].text, "a: mmap r1 4K");
	scenario_free(s);
	s = parse_ok("");
	assert_int_equal(s->nr_statements, 0);
	scenario_free(s);
}

static void test_machine_defaults_and_options(void **state)
{
	const struct scenario_machine *m;
	struct scenario *s;

	(void)state;
	s = parse_ok("machine\n");
	m = &s->statements[0].machine;
	assert_int_equal(s->statements[0].kind, SCENARIO_MACHINE);
	assert_int_equal(m->nodes, 1);
	assert_true(m->mem_bytes == 1ULL << 30);
	assert_int_equal(m->cpus, 1);
	assert_true(m->swap_bytes == 0);
	assert_int_equal(m->design, SCENARIO_DESIGN_MLOCK_COUNT);
	assert_false(m->nodes_given || m->mem_given || m->cpus_given ||
		     m->swap_given || m->design_given);
	scenario_free(s);

	s = parse_ok("machine design=rmap-walk swap=1G cpus=4 mem=2G nodes=2\n");
	m = &s->statements[0].machine;
	assert_int_equal(m->nodes, 2);
	assert_true(m->mem_bytes == 2ULL << 30);
	assert_int_equal(m->cpus, 4);
	assert_true(m->swap_bytes == 1ULL << 30);
	assert_int_equal(m->design, SCENARIO_DESIGN_RMAP_WALK);
	assert_true(m->nodes_given && m->mem_given && m->cpus_given &&
		    m->swap_given && m->design_given);
	scenario_free(s);
	s = parse_ok("machine design=none\n");
	assert_int_equal(s->statements[0].machine.design, SCENARIO_DESIGN_NONE);
	scenario_free(s);
	assert_parse_error("machine design=fast\n",
			   "t.uvs:1: expected mlock-count, rmap-walk or none after 'design=', found 'fast'");
	assert_parse_error("machine cpus=0\n", "t.uvs:1: cpus= must be between 1 and");
	assert_parse_error("machine 4G\n", "t.uvs:1: unexpected '4G'");
}

/* kernel=, zero_page=, thp= (SCENARIO.md, added 2026-11-28): kernel= sets the
 * design (5.10 is rmap-walk), a contradicting design= is an error. */
static void test_machine_kernel_zero_page_thp(void **state)
{
	struct scenario *s;
	struct scenario_machine *m;

	(void)state;
	s = parse_ok("machine\n");
	m = &s->statements[0].machine;
	assert_string_equal(m->kernel, "6.18");
	assert_true(m->zero_page);
	assert_int_equal(m->thp, SCENARIO_THP_MADVISE);
	assert_false(m->kernel_given || m->zero_page_given || m->thp_given);
	scenario_free(s);

	s = parse_ok("machine kernel=5.10 zero_page=off thp=never\n");
	m = &s->statements[0].machine;
	assert_string_equal(m->kernel, "5.10");
	assert_int_equal(m->design, SCENARIO_DESIGN_RMAP_WALK);
	assert_false(m->design_given);
	assert_false(m->zero_page);
	assert_int_equal(m->thp, SCENARIO_THP_NEVER);
	assert_true(m->kernel_given && m->zero_page_given && m->thp_given);
	scenario_free(s);

	s = parse_ok("machine design=rmap-walk\n");
	assert_string_equal(s->statements[0].machine.kernel, "5.10");
	scenario_free(s);
	s = parse_ok("machine kernel=7.3 design=mlock-count\n");
	assert_int_equal(s->statements[0].machine.design, SCENARIO_DESIGN_MLOCK_COUNT);
	scenario_free(s);
	assert_parse_error("machine kernel=5.10 design=mlock-count\n",
			   "t.uvs:1: kernel=5.10 runs the rmap-walk design, not design=mlock-count");
	assert_parse_error("machine kernel=4.19\n",
			   "t.uvs:1: expected a kernel release the model has a profile of");
	assert_parse_error("machine thp=sometimes\n",
			   "t.uvs:1: expected never, madvise or always after 'thp=', found 'sometimes'");
}

/* cgroup=v1|v2 (SCENARIO.md, added 2026-11-29): not given, the model's
 * hierarchy is the caller's (v1 in `run`, the live kernel's in conform). */
static void test_machine_cgroup(void **state)
{
	struct scenario *s;

	(void)state;
	s = parse_ok("machine\n");
	assert_false(s->statements[0].machine.cgroup_given);
	assert_false(s->statements[0].machine.cgroup_v2);
	scenario_free(s);
	s = parse_ok("machine cgroup=v2\n");
	assert_true(s->statements[0].machine.cgroup_given);
	assert_true(s->statements[0].machine.cgroup_v2);
	scenario_free(s);
	s = parse_ok("machine cgroup=v1 swap=64M\n");
	assert_true(s->statements[0].machine.cgroup_given);
	assert_false(s->statements[0].machine.cgroup_v2);
	scenario_free(s);
	assert_parse_error("machine cgroup=v3\n",
			   "t.uvs:1: expected v1 or v2 after 'cgroup=', found 'v3'");
}

static void test_machine_twice_is_an_error(void **state)
{
	(void)state;
	assert_parse_error("machine\n# again\nmachine cpus=2\n",
			   "t.uvs:3: 'machine' given twice (first at line 1)");
	assert_parse_error("task a\nmachine\n",
			   "t.uvs:2: 'machine' must come before anything else");
}

static void test_task_options_in_any_order(void **state)
{
	const struct scenario_task *t1, *t2;
	struct scenario *s;

	(void)state;
	s = parse_ok("machine cpus=4\n"
		     "task a cpu=3 memlock=64K cap_ipc_lock uid=1000 memcg=g\n"
		     "task b memcg=g uid=1000 cap_ipc_lock memlock=64K cpu=3\n"
		     "task c\n"
		     "task d memlock=unlimited\n");
	t1 = &s->statements[1].task;
	t2 = &s->statements[2].task;
	assert_string_equal(t1->name, "a");
	assert_string_equal(t2->name, "b");
	assert_int_equal(t1->cpu, 3);
	assert_int_equal(t2->cpu, 3);
	assert_true(t1->memlock == 65536 && t2->memlock == 65536);
	assert_true(t1->cap_ipc_lock && t2->cap_ipc_lock);
	assert_int_equal(t1->uid, 1000);
	assert_int_equal(t2->uid, 1000);
	assert_string_equal(t1->memcg, "g");
	assert_string_equal(t2->memcg, "g");
	/* defaults: cpu 0, RLIMIT_MEMLOCK 8M, no CAP_IPC_LOCK */
	assert_int_equal(s->statements[3].task.cpu, 0);
	assert_true(s->statements[3].task.memlock == 8ULL << 20);
	assert_false(s->statements[3].task.cap_ipc_lock);
	assert_false(s->statements[3].task.memlock_unlimited);
	assert_true(s->statements[4].task.memlock_unlimited);
	scenario_free(s);
	assert_parse_error("task a cpu=1 cpu=2\n", "t.uvs:1: option 'cpu=' given twice");
	assert_parse_error("task a cap_ipc_lock cap_ipc_lock\n",
			   "t.uvs:1: 'cap_ipc_lock' given twice");
	assert_parse_error("task 1a\n", "t.uvs:1: expected a task name, found '1a'");
	assert_parse_error("task\n", "t.uvs:1: expected a task name, found the end of the line");
}

static void test_setup_statements(void **state)
{
	struct scenario *s;

	(void)state;
	s = parse_ok("memcg top limit=1G\n"
		     "memcg leaf parent=top\n"
		     "sysctl compact_unevictable_allowed=0\n"
		     "sysctl vm.swappiness=60\n"
		     "file f1 fs=ramfs size=1M\n"
		     "file f2\n"
		     "shm seg 64p\n");
	assert_int_equal(s->nr_statements, 7);
	assert_int_equal(s->statements[0].kind, SCENARIO_MEMCG);
	assert_string_equal(s->statements[0].memcg.name, "top");
	assert_true(s->statements[0].memcg.limit_given);
	assert_true(s->statements[0].memcg.limit == 1ULL << 30);
	assert_false(s->statements[0].memcg.parent_given);
	assert_string_equal(s->statements[1].memcg.parent, "top");
	assert_int_equal(s->statements[2].kind, SCENARIO_SYSCTL);
	assert_string_equal(s->statements[2].sysctl.name, "compact_unevictable_allowed");
	assert_string_equal(s->statements[2].sysctl.value, "0");
	assert_string_equal(s->statements[3].sysctl.name, "vm.swappiness");
	assert_int_equal(s->statements[4].kind, SCENARIO_FILE);
	assert_int_equal(s->statements[4].file.fs, SCENARIO_FS_RAMFS);
	assert_true(s->statements[4].file.size == 1ULL << 20);
	assert_int_equal(s->statements[5].file.fs, SCENARIO_FS_DISK);
	assert_false(s->statements[5].file.size_given);
	assert_int_equal(s->statements[6].kind, SCENARIO_SHM);
	assert_string_equal(s->statements[6].shm.name, "seg");
	assert_true(s->statements[6].shm.size == 64 * 4096);
	scenario_free(s);
	assert_parse_error("sysctl swappiness\n", "t.uvs:1: expected NAME=VALUE after 'sysctl'");
	assert_parse_error("file f fs=ext4\n",
			   "t.uvs:1: expected tmpfs, ramfs or disk after 'fs=', found 'ext4'");
	assert_parse_error("shm seg\n", "t.uvs:1: expected more after 'seg'");
}

static void test_mmap_options_in_any_order(void **state)
{
	const struct scenario_call *c;
	struct scenario *s;

	(void)state;
	s = parse_call("a: mmap r1 300p", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_MMAP);
	assert_string_equal(c->target, "r1");
	assert_true(c->size == 300 * 4096);
	/* default: rw private anon */
	assert_int_equal(c->prot, SCENARIO_PROT_READ | SCENARIO_PROT_WRITE);
	assert_false(c->shared || c->locked || c->populate || c->hugetlb);
	assert_string_equal(c->file, "");
	scenario_free(s);

	s = parse_call("a: mmap r1 2M hugetlb populate locked shared prot=r", &c);
	assert_int_equal(c->prot, SCENARIO_PROT_READ);
	assert_true(c->shared && c->locked && c->populate && c->hugetlb);
	scenario_free(s);
	s = parse_call("a: mmap r1 2M prot=none file=f off=8K private", &c);
	assert_int_equal(c->prot, 0);
	assert_false(c->shared);
	assert_true(c->sharing_given);
	assert_string_equal(c->file, "f");
	assert_true(c->file_off_given && c->file_off == 8192);
	scenario_free(s);
	s = parse_call("a: mmap r1 4K prot=xwr", &c);
	assert_int_equal(c->prot, SCENARIO_PROT_READ | SCENARIO_PROT_WRITE |
					  SCENARIO_PROT_EXEC);
	scenario_free(s);
	assert_parse_error("task a\na: mmap r1 4K private shared\n",
			   "t.uvs:2: mmap: 'private' and 'shared' exclude each other");
	assert_parse_error("task a\na: mmap r1 4K anon file=f\n",
			   "t.uvs:2: mmap: 'anon' and 'file=' exclude each other");
	assert_parse_error("task a\na: mmap r1 4K off=0\n", "t.uvs:2: mmap: 'off=' needs 'file='");
	assert_parse_error("task a\na: mmap r1 4K prot=rr\n", "t.uvs:2: expected a protection");
	assert_parse_error("task a\na: mmap r1 4K 8K\n", "t.uvs:2: unexpected '8K'");
}

static void test_region_calls_with_and_without_range(void **state)
{
	static const struct {
		const char *line;
		enum scenario_call_kind kind;
	} calls[] = {
		{"a: munmap r1", SCENARIO_CALL_MUNMAP},
		{"a: mlock r1", SCENARIO_CALL_MLOCK},
		{"a: mlock2 r1", SCENARIO_CALL_MLOCK2},
		{"a: munlock r1", SCENARIO_CALL_MUNLOCK},
		{"a: touch r1", SCENARIO_CALL_TOUCH},
	};
	const struct scenario_call *c;
	struct scenario *s;
	char line[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		s = parse_call(calls[i].line, &c);
		assert_int_equal(c->kind, calls[i].kind);
		assert_string_equal(c->target, "r1");
		assert_false(c->range_given);
		scenario_free(s);
		/* OFF/LEN need not be aligned: passed exactly */
		snprintf(line, sizeof(line), "%s 5 4097", calls[i].line);
		s = parse_call(line, &c);
		assert_true(c->range_given);
		assert_true(c->off == 5 && c->len == 4097);
		scenario_free(s);
	}
	s = parse_call("a: mlock2 r1 onfault 1p 2p", &c);
	assert_true(c->onfault && c->range_given && c->off == 4096 && c->len == 8192);
	scenario_free(s);
	s = parse_call("a: mlock2 r1 flags=0x3", &c);
	assert_true(c->raw_flags_given && c->raw_flags == 3 && !c->onfault);
	scenario_free(s);
	s = parse_call("a: touch r1 read", &c);
	assert_false(c->write);
	scenario_free(s);
	s = parse_call("a: touch r1 0 1p write", &c);
	assert_true(c->write);
	scenario_free(s);
	s = parse_call("a: touch r1", &c);
	assert_true(c->write); /* SCENARIO.md: default write */
	scenario_free(s);
	assert_parse_error("task a\na: mlock2 r1 onfault flags=1\n",
			   "t.uvs:2: mlock2: 'flags=' replaces 'onfault'");
	assert_parse_error("task a\na: touch r1 read write\n",
			   "t.uvs:2: touch: 'read' and 'write' exclude each other");
	assert_parse_error("task a\na: munlock r1 0 4K 8K\n", "t.uvs:2: unexpected '8K'");
	assert_parse_error("task a\na: munmap\n",
			   "t.uvs:2: expected a REGION name, found the end of the line");
}

static void test_mlockall_flags(void **state)
{
	const struct scenario_call *c;
	struct scenario *s;

	(void)state;
	s = parse_call("a: mlockall", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_MLOCKALL);
	assert_int_equal(c->mlockall_flags, 0); /* no flag passes 0 */
	scenario_free(s);
	s = parse_call("a: mlockall onfault future current", &c);
	assert_int_equal(c->mlockall_flags,
			 SCENARIO_MCL_CURRENT | SCENARIO_MCL_FUTURE | SCENARIO_MCL_ONFAULT);
	scenario_free(s);
	s = parse_call("a: mlockall flags=8", &c);
	assert_true(c->raw_flags_given && c->raw_flags == 8);
	scenario_free(s);
	s = parse_call("a: munlockall", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_MUNLOCKALL);
	scenario_free(s);
	assert_parse_error("task a\na: mlockall all\n", "t.uvs:2: unexpected 'all'");
	assert_parse_error("task a\na: munlockall r1\n", "t.uvs:2: unexpected 'r1'");
}

static void test_mprotect_mremap_madvise(void **state)
{
	const struct scenario_call *c;
	struct scenario *s;

	(void)state;
	s = parse_call("a: mprotect r1 none", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_MPROTECT);
	assert_int_equal(c->prot, 0);
	assert_false(c->range_given);
	scenario_free(s);
	s = parse_call("a: mprotect r1 1p 2p rw", &c);
	assert_true(c->range_given && c->off == 4096 && c->len == 8192);
	assert_int_equal(c->prot, SCENARIO_PROT_READ | SCENARIO_PROT_WRITE);
	scenario_free(s);
	s = parse_call("a: mremap r1 600p maymove", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_MREMAP);
	assert_true(c->size == 600 * 4096 && c->maymove);
	scenario_free(s);
	s = parse_call("a: mremap r1 1p", &c);
	assert_false(c->maymove);
	scenario_free(s);
	s = parse_call("a: madvise r1 dontneed", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_MADVISE);
	assert_int_equal(c->advice, SCENARIO_ADVICE_DONTNEED);
	scenario_free(s);
	s = parse_call("a: madvise r1 0 4K populate_write", &c);
	assert_int_equal(c->advice, SCENARIO_ADVICE_POPULATE_WRITE);
	assert_true(c->range_given);
	scenario_free(s);
	assert_parse_error("task a\na: madvise r1 forget\n",
			   "t.uvs:2: madvise: expected an advice");
	assert_parse_error("task a\na: mprotect r1 0 rw\n",
			   "t.uvs:2: mprotect: expected OFF and LEN after the region, found only '0'");
	assert_parse_error("task a\na: mprotect r1\n", "t.uvs:2: mprotect: expected more");
}

static void test_file_shm_process_calls(void **state)
{
	const struct scenario_call *c;
	struct scenario *s;

	(void)state;
	s = parse_call("a: read f 4K 8K", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_READ);
	assert_string_equal(c->target, "f");
	assert_true(c->off == 4096 && c->len == 8192);
	scenario_free(s);
	s = parse_call("a: write f 0 1M", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_WRITE);
	scenario_free(s);
	s = parse_call("a: truncate f 0", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_TRUNCATE);
	assert_true(c->size == 0);
	scenario_free(s);
	s = parse_call("a: punch f 1p 1p", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_PUNCH);
	scenario_free(s);
	s = parse_call("a: shmat seg r2 rdonly", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_SHMAT);
	assert_string_equal(c->shm, "seg");
	assert_string_equal(c->target, "r2");
	assert_true(c->rdonly);
	scenario_free(s);
	s = parse_call("a: shmdt r2", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_SHMDT);
	scenario_free(s);
	s = parse_call("a: shmctl seg unlock", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_SHMCTL);
	assert_int_equal(c->shmctl_op, SCENARIO_SHMCTL_UNLOCK);
	scenario_free(s);
	s = parse_call("a: fork b", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_FORK);
	assert_string_equal(c->target, "b");
	scenario_free(s);
	s = parse_call("a: exit", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_EXIT);
	scenario_free(s);
	s = parse_call("a: exec", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_EXEC);
	scenario_free(s);
	s = parse_call("a: brk 100p", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_BRK);
	assert_true(c->size == 100 * 4096 && !c->size_negative);
	scenario_free(s);
	s = parse_call("a: brk -4K", &c);
	assert_true(c->size == 4096 && c->size_negative);
	scenario_free(s);
	assert_parse_error("task a\na: shmctl seg destroy\n",
			   "t.uvs:2: shmctl: expected lock, unlock or rmid, found 'destroy'");
	assert_parse_error("task a\na: truncate f\n", "t.uvs:2: expected more after 'f'");
	assert_parse_error("task a\na: exit now\n", "t.uvs:2: unexpected 'now'");
	assert_parse_error("task a\na: brk --4K\n", "t.uvs:2: expected a size for brk SIZE");
}

static void test_kernel_side_statements(void **state)
{
	struct scenario *s;

	(void)state;
	s = parse_ok("machine nodes=2\ntask a\na: mmap r1 1M\ndrain\n"
		     "reclaim 1M memcg=g node=1\nreclaim 4K\n"
		     "migrate a r1 node=1\nmigrate a r1 node=0 4K 8K\n"
		     "compact\ncompact node=1\n");
	assert_int_equal(s->statements[3].kind, SCENARIO_DRAIN);
	assert_int_equal(s->statements[4].kind, SCENARIO_RECLAIM);
	assert_true(s->statements[4].reclaim.size == 1 << 20);
	assert_true(s->statements[4].reclaim.node_given);
	assert_int_equal(s->statements[4].reclaim.node, 1);
	assert_string_equal(s->statements[4].reclaim.memcg, "g");
	assert_false(s->statements[5].reclaim.node_given);
	assert_int_equal(s->statements[6].kind, SCENARIO_MIGRATE);
	assert_string_equal(s->statements[6].migrate.task, "a");
	assert_string_equal(s->statements[6].migrate.region, "r1");
	assert_false(s->statements[6].migrate.range_given);
	assert_true(s->statements[7].migrate.range_given);
	assert_true(s->statements[7].migrate.off == 4096 && s->statements[7].migrate.len == 8192);
	assert_int_equal(s->statements[8].kind, SCENARIO_COMPACT);
	assert_false(s->statements[8].compact.node_given);
	assert_true(s->statements[9].compact.node_given);
	scenario_free(s);
	assert_parse_error("drain now\n", "t.uvs:1: unexpected 'now'");
	assert_parse_error("migrate a r1\n", "t.uvs:1: migrate: expected 'node=N'");
	assert_parse_error("reclaim node=0\n", "t.uvs:1: reclaim: expected SIZE");
}

static void test_expectations(void **state)
{
	const struct scenario_expect *e;
	struct scenario *s;

	(void)state;
	s = parse_ok("task a\na: mmap r1 4K\n"
		     "expect ok\n"
		     "expect errno ENOMEM\n"
		     "expect vmstat unevictable_pgs_mlocked = 1024\n"
		     "expect meminfo Mlocked = 4096 kB\n"
		     "expect a status VmLck != 4096\n"
		     "expect a smaps r1 Locked <= 4096 kB\n"
		     "expect lru unevictable >= 1024\n"
		     "expect meminfo Active(anon) < 1\n"
		     "expect vmstat nr_mlock > 0\n");
	e = &s->statements[2].expect;
	assert_int_equal(e->source, SCENARIO_EXPECT_OK);
	e = &s->statements[3].expect;
	assert_int_equal(e->source, SCENARIO_EXPECT_ERRNO);
	assert_int_equal(e->errno_value, ENOMEM);
	e = &s->statements[4].expect;
	assert_int_equal(e->source, SCENARIO_EXPECT_VMSTAT);
	assert_string_equal(e->field, "unevictable_pgs_mlocked");
	assert_int_equal(e->op, SCENARIO_OP_EQ);
	assert_true(e->value == 1024);
	e = &s->statements[5].expect;
	assert_int_equal(e->source, SCENARIO_EXPECT_MEMINFO);
	assert_true(e->kb_written && e->value == 4096);
	e = &s->statements[6].expect;
	assert_int_equal(e->source, SCENARIO_EXPECT_STATUS);
	assert_string_equal(e->task, "a");
	assert_string_equal(e->field, "VmLck");
	assert_int_equal(e->op, SCENARIO_OP_NE);
	assert_false(e->kb_written);
	e = &s->statements[7].expect;
	assert_int_equal(e->source, SCENARIO_EXPECT_SMAPS);
	assert_string_equal(e->region, "r1");
	assert_string_equal(e->field, "Locked");
	assert_int_equal(e->op, SCENARIO_OP_LE);
	e = &s->statements[8].expect;
	assert_int_equal(e->source, SCENARIO_EXPECT_LRU);
	assert_string_equal(e->field, "unevictable");
	assert_int_equal(e->op, SCENARIO_OP_GE);
	e = &s->statements[9].expect;
	assert_string_equal(e->field, "Active(anon)");
	assert_int_equal(e->op, SCENARIO_OP_LT);
	assert_int_equal(s->statements[10].expect.op, SCENARIO_OP_GT);
	scenario_free(s);
	assert_parse_error("expect vmstat nr_mlock => 1\n",
			   "t.uvs:1: expected an operator (=, !=, <, <=, >, >=), found '=>'");
	assert_parse_error("expect errno ENOSUCH\n",
			   "t.uvs:1: expected an errno name (ENOMEM, EPERM...), found unknown name 'ENOSUCH'");
	assert_parse_error("expect lru locked = 1\n", "t.uvs:1: expected an LRU list");
	assert_parse_error("expect vmstat nr_mlock = 1 kB\n", "vmstat and lru values are pages");
	assert_parse_error("expect meminfo Mlocked = 4M\n", "t.uvs:1: expected a plain number");
	assert_parse_error("expect vmstat nr_mlock = 18446744073709551616\n",
			   "t.uvs:1: value '18446744073709551616' does not fit in 64 bits");
	assert_parse_error("expect a status VmLck =\n", "t.uvs:1: expected a number after '='");
	assert_parse_error("expect a rss\n", "t.uvs:1: expected 'status', 'smaps', 'numa_maps', 'mincore' or 'pagemap'");
	assert_parse_error("expect\n", "t.uvs:1: expected ok, errno, vmstat");
}

static void test_print(void **state)
{
	struct scenario *s;

	(void)state;
	s = parse_ok("task a\nprint vmstat\nprint meminfo\nprint a status\nprint a smaps\n");
	assert_int_equal(s->statements[1].print.source, SCENARIO_PRINT_VMSTAT);
	assert_int_equal(s->statements[2].print.source, SCENARIO_PRINT_MEMINFO);
	assert_int_equal(s->statements[3].print.source, SCENARIO_PRINT_STATUS);
	assert_string_equal(s->statements[3].print.task, "a");
	assert_int_equal(s->statements[4].print.source, SCENARIO_PRINT_SMAPS);
	scenario_free(s);
	assert_parse_error("print a maps\n", "t.uvs:1: expected 'status' or 'smaps' after 'print a'");
	assert_parse_error("print vmstat now\n", "t.uvs:1: unexpected 'now'");
}

/* Every error names its line, even deep in a file. */
static void test_errors_carry_the_line_number(void **state)
{
	(void)state;
	assert_parse_error("task a\n\n# c\n\na: mmap r1 4K\na: bogus\n",
			   "t.uvs:6: unknown call 'bogus'");
	assert_parse_error("task a\nfrobnicate\n", "t.uvs:2: unknown statement 'frobnicate'");
	assert_parse_error("task a\na mlock r1\n", "t.uvs:2: unknown statement 'a'");
	assert_parse_error("task a\na : mlock r1\n",
			   "t.uvs:2: expected 'TASK: CALL' with the colon right after the task name");
	assert_parse_error("task a\na:\n", "t.uvs:2: expected a call after 'a:'");
	assert_parse_error("task a\n1a: mlock r1\n", "t.uvs:2: expected a task name before ':'");
	assert_parse_error("task a\n\nexpect ok ok\n", "t.uvs:3: unexpected 'ok'");
}

static void test_nul_byte_and_long_names(void **state)
{
	static const char text[] = "task a\ntask\0b\n";
	char err[256] = "", name[300];
	struct scenario *s = NULL;

	(void)state;
	assert_int_equal(scenario_parse_buffer("t.uvs", text, sizeof(text) - 1, &s,
					       err, sizeof(err)),
			 -EINVAL);
	assert_null(s);
	assert_non_null(strstr(err, "t.uvs:2: expected text, found a NUL byte"));
	memset(name, 'x', sizeof(name) - 1);
	memcpy(name, "task ", 5);
	name[sizeof(name) - 2] = '\n';
	name[sizeof(name) - 1] = '\0';
	assert_parse_error(name, "t.uvs:1: expected a task name of at most 127 characters");
}

/* The scenario_check pass: names exist and live, before anything runs. */
static void assert_check_error(const char *text, const char *want)
{
	struct scenario *s = parse_ok(text);
	char err[512] = "";

	assert_int_equal(scenario_check(s, NULL, NULL, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		print_error("check error '%s' lacks '%s'\n", err, want);
	assert_non_null(strstr(err, want));
	scenario_free(s);
}

static void test_check_refuses_what_cannot_exist(void **state)
{
	struct scenario *s;
	char err[256];

	(void)state;
	s = parse_ok("task a\na: mmap r1 4K\na: fork b\nb: mlock r1\nb: exec\n"
		     "b: brk 4K\nb: munlock brk\nexpect ok\n");
	assert_int_equal(scenario_check(s, NULL, NULL, err, sizeof(err)), 0);
	scenario_free(s);
	assert_check_error("task a\ntask a\n", "t.uvs:2: task 'a' already exists (line 1)");
	assert_check_error("task a\nb: mlock r1\n", "t.uvs:2: unknown task 'b'");
	assert_check_error("task a\na: mlock r1\n", "t.uvs:2: task 'a' has no region 'r1'");
	assert_check_error("task a\na: mmap r1 4K\na: exec\na: mlock r1\n",
			   "t.uvs:4: task 'a' has no region 'r1'");
	assert_check_error("task a\na: exit\nprint a status\n",
			   "t.uvs:3: task 'a' has exited (line 2)");
	assert_check_error("machine cpus=2\ntask a cpu=2\n",
			   "t.uvs:2: cpu=2 does not exist: the machine has 2 CPUs");
	assert_check_error("task a cpu=1\n", "t.uvs:1: cpu=1 does not exist");
	assert_check_error("expect errno EPERM\n",
			   "t.uvs:1: 'expect errno' checks the previous call, but there is no call before it");
	assert_check_error("compact node=1\n", "t.uvs:1: node=1 does not exist");
	assert_check_error("task a\na: mmap r1 4K\nexpect a pagemap r1 moved = 0\n",
			   "t.uvs:3: 'pagemap r1 moved' counts the pages the last 'compact' moved, and there is no 'compact' before it");
	assert_check_error("task a memcg=g\n", "t.uvs:1: unknown memcg 'g'");
	assert_check_error("task a\na: read f 0 4K\n", "t.uvs:2: unknown file 'f'");
	assert_check_error("shm s 4K\nshm s 8K\n", "t.uvs:2: shm 's' already exists (line 1)");
}

static void test_model_check_names_what_is_out_of_scope(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{"task a\na: mmap r 2M hugetlb\na: madvise r dontneed\n",
		 "t.uvs:3: 'madvise, mremap, mprotect or mbind of hugetlb memory' is not"},
		{"task a\na: mmap r 2M hugetlb\na: fork b\n",
		 "t.uvs:3: 'fork of a task with a private hugetlb mapping' is not"},
		{"machine nodes=65\n", "t.uvs:1: nodes=65: the model has 1 to 64 nodes"},
	};
	struct scenario *s;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = parse_ok(cases[i].text);
		assert_int_equal(scenario_model_check(s, err, sizeof(err)), -EINVAL);
		if (!strstr(err, cases[i].want))
			print_error("'%s' lacks '%s'\n", err, cases[i].want);
		assert_non_null(strstr(err, cases[i].want));
		scenario_free(s);
	}
	s = parse_ok("machine swap=0 design=mlock-count\ntask a\na: mmap r 4K\n");
	assert_int_equal(scenario_model_check(s, err, sizeof(err)), 0);
	scenario_free(s);
}

static void test_errno_names(void **state)
{
	int v;

	(void)state;
	assert_int_equal(scenario_errno_from_name("EPERM", &v), 0);
	assert_int_equal(v, EPERM);
	assert_int_equal(scenario_errno_from_name("EAGAIN", &v), 0);
	assert_int_equal(v, EAGAIN);
	assert_int_equal(scenario_errno_from_name("EWOULDBLOCK", &v), 0);
	assert_int_equal(v, EAGAIN);
	assert_int_equal(scenario_errno_from_name("EIDRM", &v), 0);
	assert_int_equal(scenario_errno_from_name("enomem", &v), -ENOENT);
	/* the documented name wins over its alias */
	assert_string_equal(scenario_errno_name(EAGAIN), "EAGAIN");
	assert_string_equal(scenario_errno_name(ENOMEM), "ENOMEM");
	assert_string_equal(scenario_errno_name(EINVAL), "EINVAL");
	assert_null(scenario_errno_name(0));
	assert_null(scenario_errno_name(100000));
}

static void test_parse_file_reports_a_missing_file(void **state)
{
	struct scenario *s = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(scenario_parse_file("/nonexistent/x.uvs", &s, err, sizeof(err)),
			 -ENOENT);
	assert_null(s);
	assert_non_null(strstr(err, "/nonexistent/x.uvs: cannot open"));
}

/* issue 11: expect TASK mincore REGION [OFF LEN] (SCENARIO.md, added
 * 2026-11-28), msync, setrlimit and fixed= (README extensions) */
static void test_mincore_msync_setrlimit_fixed(void **state)
{
	const struct scenario_call *c;
	const struct scenario_expect *e;
	struct scenario *s;

	(void)state;
	s = parse_ok("task a\na: mmap r1 64p\nexpect a mincore r1 = 16\nexpect a mincore r1 4K 64K >= 3\n");
	e = &s->statements[2].expect;
	assert_int_equal(e->source, SCENARIO_EXPECT_MINCORE);
	assert_string_equal(e->region, "r1");
	assert_false(e->range_given);
	assert_int_equal(e->value, 16);
	e = &s->statements[3].expect;
	assert_true(e->range_given);
	assert_int_equal(e->off, 4096);
	assert_int_equal(e->len, 65536);
	assert_int_equal(e->op, SCENARIO_OP_GE);
	assert_int_equal(e->value, 3);
	scenario_free(s);
	assert_parse_error("expect a mincore r1 4K = 1\n", "expected OFF and LEN or nothing");
	assert_parse_error("expect a mincore r1 = 1 kB\n", "found 'kB'");
	s = parse_ok("task a\na: mmap r1 64p\nexpect a numa_maps r1 N1 = 64\n");
	e = &s->statements[2].expect;
	assert_int_equal(e->source, SCENARIO_EXPECT_NUMA_MAPS);
	assert_string_equal(e->region, "r1");
	assert_string_equal(e->field, "N1");
	assert_int_equal(e->value, 64);
	scenario_free(s);
	assert_parse_error("expect a numa_maps r1 N1 = 64 kB\n", "found 'kB'");
	/* issue 11: pagemap moved|present, in pages */
	s = parse_ok("task a\na: mmap r1 64p\ncompact\nexpect a pagemap r1 moved <= 64\n");
	e = &s->statements[3].expect;
	assert_int_equal(e->source, SCENARIO_EXPECT_PAGEMAP);
	assert_string_equal(e->region, "r1");
	assert_string_equal(e->field, "moved");
	assert_int_equal(e->op, SCENARIO_OP_LE);
	assert_int_equal(e->value, 64);
	scenario_free(s);
	assert_parse_error("expect a pagemap r1 frames = 1\n", "expected 'moved' or 'present' after 'pagemap r1', found 'frames'");
	assert_parse_error("expect a pagemap r1 present = 4 kB\n", "found 'kB'");

	s = parse_call("a: msync r1 4K 8K sync invalidate", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_MSYNC);
	assert_true(c->range_given);
	assert_int_equal(c->msync_flags, SCENARIO_MS_SYNC | SCENARIO_MS_INVALIDATE);
	scenario_free(s);
	s = parse_call("a: msync r1 flags=5", &c);
	assert_int_equal(c->msync_flags, 5);
	scenario_free(s);
	assert_parse_error("task a\na: msync r1 async sync\n", "exclude each other");

	s = parse_call("a: setrlimit memlock=64K", &c);
	assert_int_equal(c->kind, SCENARIO_CALL_SETRLIMIT);
	assert_int_equal(c->memlock, 65536);
	assert_false(c->memlock_max_given);
	scenario_free(s);
	s = parse_call("a: setrlimit max=unlimited memlock=unlimited", &c);
	assert_true(c->memlock_unlimited);
	assert_true(c->memlock_max_given);
	assert_true(c->memlock_max_unlimited);
	scenario_free(s);
	assert_parse_error("task a\na: setrlimit\n", "expected 'memlock='");

	s = parse_call("a: mmap r2 4p noreplace fixed_off=8K fixed=r1 locked", &c);
	assert_string_equal(c->fixed, "r1");
	assert_int_equal(c->fixed_off, 8192);
	assert_true(c->noreplace);
	assert_true(c->locked);
	scenario_free(s);
	s = parse_call("a: mremap r1 8p maymove fixed=r2 dontunmap", &c);
	assert_string_equal(c->fixed, "r2");
	assert_true(c->dontunmap);
	scenario_free(s);
	assert_parse_error("task a\na: mmap r2 4p noreplace\n", "'noreplace' needs 'fixed='");
	assert_parse_error("task a\na: mmap r2 4p fixed_off=4K\n", "'fixed_off=' needs 'fixed='");
	s = parse_call("a: mmap r 4M align=2M locked", &c);
	assert_int_equal(c->align, 2u << 20);
	assert_true(c->locked);
	scenario_free(s);
	assert_parse_error("task a\na: mmap r 4M align=6K\n", "a power of two");
	assert_parse_error("task a\na: mmap r 4M align=2M hugetlb\n", "'align=' is for an anonymous mapping");
}

/* issue 11's newer calls: a mapping type, two advices, a file of its own */
static void test_droppable_guard_secretmem(void **state)
{
	const struct scenario_call *c;
	struct scenario *s;

	(void)state;
	s = parse_call("a: mmap r 10p droppable locked", &c);
	assert_true(c->droppable);
	assert_false(c->shared);
	assert_true(c->locked);
	assert_false(c->secretmem);
	scenario_free(s);
	assert_parse_error("task a\na: mmap r 1p droppable shared\n", "'droppable' is a mapping type");
	assert_parse_error("task a\na: mmap r 1p private droppable\n", "'droppable' is a mapping type");

	s = parse_call("a: madvise r 0 4p guard_install", &c);
	assert_int_equal(c->advice, SCENARIO_ADVICE_GUARD_INSTALL);
	assert_int_equal(c->len, 16384);
	assert_string_equal(scenario_advice_name(c->advice), "guard_install");
	scenario_free(s);
	s = parse_call("a: madvise r guard_remove", &c);
	assert_int_equal(c->advice, SCENARIO_ADVICE_GUARD_REMOVE);
	assert_false(c->range_given);
	scenario_free(s);

	/* secretmem maps its file shared unless told `private` */
	s = parse_call("a: mmap r 10p secretmem", &c);
	assert_true(c->secretmem);
	assert_true(c->shared);
	assert_string_equal(c->file, "");
	scenario_free(s);
	s = parse_call("a: mmap r 10p secretmem private prot=r", &c);
	assert_true(c->secretmem);
	assert_false(c->shared);
	assert_int_equal(c->prot, SCENARIO_PROT_READ);
	scenario_free(s);
	assert_parse_error("task a\na: mmap r 1p secretmem anon\n", "'secretmem' is a file of its own");
	assert_parse_error("task a\nfile f\na: mmap r 1p secretmem file=f\n",
			   "'secretmem' is a file of its own");
	assert_parse_error("task a\na: mmap r 1p secretmem droppable\n", "'secretmem' is a file of its own");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_4096_4K_1p_are_equal),
		cmocka_unit_test(test_droppable_guard_secretmem),
		cmocka_unit_test(test_sizes_overflow_is_rejected),
		cmocka_unit_test(test_sizes_bad_suffixes_are_rejected),
		cmocka_unit_test(test_comments_blank_lines_and_tabs),
		cmocka_unit_test(test_machine_defaults_and_options),
		cmocka_unit_test(test_machine_kernel_zero_page_thp),
		cmocka_unit_test(test_machine_cgroup),
		cmocka_unit_test(test_machine_twice_is_an_error),
		cmocka_unit_test(test_task_options_in_any_order),
		cmocka_unit_test(test_setup_statements),
		cmocka_unit_test(test_mmap_options_in_any_order),
		cmocka_unit_test(test_region_calls_with_and_without_range),
		cmocka_unit_test(test_mlockall_flags),
		cmocka_unit_test(test_mprotect_mremap_madvise),
		cmocka_unit_test(test_file_shm_process_calls),
		cmocka_unit_test(test_kernel_side_statements),
		cmocka_unit_test(test_expectations),
		cmocka_unit_test(test_print),
		cmocka_unit_test(test_errors_carry_the_line_number),
		cmocka_unit_test(test_nul_byte_and_long_names),
		cmocka_unit_test(test_check_refuses_what_cannot_exist),
		cmocka_unit_test(test_model_check_names_what_is_out_of_scope),
		cmocka_unit_test(test_errno_names),
		cmocka_unit_test(test_parse_file_reports_a_missing_file),
		cmocka_unit_test(test_mincore_msync_setrlimit_fixed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
