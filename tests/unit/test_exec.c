/*
 * test_exec.c - the one statement loop (src/scenario/exec.c), behind a
 * backend of the test's own: what the loop records for every executor
 * when the memcg OOM killer takes a caller (KILLED, then NOT_RUN for its
 * later calls and expectations, a fork not run leaving a dead child), the
 * last call's result that `expect ok|errno` carries, and a statement the
 * backend has no hook for.  Expected values follow from the contract in
 * exec.h and record.h; no kernel or model is involved.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "exec.h"

/* A backend whose caller the OOM killer takes at kill_line. */
struct fake {
	struct exec x;		/* first: the hooks get &f->x */
	unsigned int kill_line;
	unsigned int calls;	/* the calls the backend ran */
};

static int fake_task(struct exec *x, const struct scenario_statement *st)
{
	return exec_add_task(x, st->task.name, 100 + (int)exec_nr_tasks(x)) ? 0 : -ENOMEM;
}

static int fake_call(struct exec *x, const struct scenario_statement *st, int *result)
{
	struct fake *f = (struct fake *)x;
	int ret = 0;
	struct exec_task *t = exec_alive_task(x, st, st->call.task, &ret);

	if (!t)
		return ret;
	f->calls++;
	*result = st->call.kind == SCENARIO_CALL_MLOCK2 ? -EAGAIN : 0;
	if (st->line == f->kill_line) {
		/* as the model: the charge fails, and the caller is killed */
		*result = -ENOMEM;
		exec_task_killed(t, st);
	}
	return 0;
}

static int fake_expect(struct exec *x, const struct scenario_statement *st, struct outcome *o)
{
	(void)x;
	o->kind = OUTCOME_VALUE;
	o->value = (int64_t)st->line;
	return 0;
}

static const struct exec_ops fake_ops = {
	.name = "fake",
	.task_size = sizeof(struct exec_task),
	.statement = {[SCENARIO_TASK] = fake_task},
	.call = fake_call,
	.expect = fake_expect,
};

static const char text[] =
	"task a\n"			/* 1 */
	"task b\n"			/* 2 */
	"a: mmap r 1p\n"		/* 3 */
	"b: mlock2 r\n"			/* 4: -EAGAIN */
	"expect errno EAGAIN\n"		/* 5 */
	"a: mmap s 1p\n"		/* 6: a killed in it */
	"expect ok\n"			/* 7 */
	"a: munmap r\n"			/* 8: not run */
	"expect ok\n"			/* 9 */
	"a: fork c\n"			/* 10: not run, c dead */
	"c: munmap r\n"			/* 11: not run */
	"expect a status VmLck = 0\n"	/* 12: not run */
	"expect vmstat nr_mlock = 0\n"	/* 13: the backend's value */
	"b: mmap q 1p\n"		/* 14 */
	"expect ok\n"			/* 15 */
	"drain\n";			/* 16: no hook */

static void killed_caller_then_not_run(void **state)
{
	struct scenario *s = NULL;
	struct outcome out[16];
	struct exec_task *c;
	char err[256];
	struct fake f;
	int ret;

	(void)state;
	ret = scenario_parse_text("t.uvs", text, &s, err, sizeof(err));
	if (ret)
		fail_msg("%s", err);
	assert_int_equal(s->nr_statements, 16);
	memset(&f, 0, sizeof(f));
	exec_init(&f.x, s, &fake_ops, out, err, sizeof(err));
	f.x.stop_in_record = true;
	f.kill_line = 6;
	ret = exec_run(&f.x);
	/* the drain stopped the run, as the live side's does */
	assert_int_equal(ret, 1);
	assert_int_equal(out[15].kind, OUTCOME_ERROR);
	assert_string_equal(out[15].note, "'drain' is not supported by the fake yet");
	/* lines 3, 4 and 6 ran; 8, 10, 11 never reached the backend; 14 ran */
	assert_int_equal(f.calls, 4);
	assert_int_equal(out[2].kind, OUTCOME_ERRNO);
	assert_int_equal(out[2].err, 0);
	assert_int_equal(out[3].kind, OUTCOME_ERRNO);
	assert_int_equal(out[3].err, -EAGAIN);
	assert_int_equal(out[4].kind, OUTCOME_ERRNO);
	assert_int_equal(out[4].err, -EAGAIN);
	assert_int_equal(out[5].kind, OUTCOME_KILLED);
	assert_int_equal(out[5].err, -ENOMEM);
	assert_int_equal(out[6].kind, OUTCOME_KILLED);
	assert_int_equal(out[7].kind, OUTCOME_NOT_RUN);
	assert_int_equal(out[8].kind, OUTCOME_NOT_RUN);
	assert_int_equal(out[9].kind, OUTCOME_NOT_RUN);
	assert_int_equal(out[10].kind, OUTCOME_NOT_RUN);
	assert_int_equal(out[11].kind, OUTCOME_NOT_RUN);
	assert_int_equal(out[12].kind, OUTCOME_VALUE);
	assert_int_equal(out[12].value, 13);
	assert_int_equal(out[13].kind, OUTCOME_ERRNO);
	assert_int_equal(out[14].kind, OUTCOME_ERRNO);
	assert_int_equal(out[14].err, 0);
	/* the fork not run left c dead since a's death, a the victim */
	c = exec_find_task(&f.x, "c");
	assert_non_null(c);
	assert_true(c->killed);
	assert_int_equal(c->exit_line, 6);
	assert_string_equal(c->victim, "a");
	assert_int_equal(exec_nr_tasks(&f.x), 3);
	exec_free(&f.x);
	scenario_free(s);
}

/* Without stop_in_record (the model), a missing task is a run error. */
static void missing_task_is_an_error(void **state)
{
	struct scenario *s = NULL;
	struct outcome out[2];
	char err[256];
	struct fake f;

	(void)state;
	assert_int_equal(scenario_parse_text("t.uvs", "task a\nb: mmap r 1p\n", &s, err,
					     sizeof(err)), 0);
	memset(&f, 0, sizeof(f));
	exec_init(&f.x, s, &fake_ops, out, err, sizeof(err));
	assert_int_equal(exec_run(&f.x), -EINVAL);
	assert_string_equal(err, "t.uvs:2: task 'b' does not exist (the call that would have created it failed)");
	exec_free(&f.x);
	scenario_free(s);
}

/*
 * exec_reserve, as a live run calls it before its baseline: the task table
 * has room for both declared tasks and the fork's child, each task 64
 * regions, and the child added during the run takes a spare table made
 * beforehand (the allocation a driver must not make after its baseline).
 */
static void reserve_makes_room_before_the_run(void **state)
{
	struct scenario *s = NULL;
	struct exec_task *a, *c;
	void *tasks_before;
	char err[256];
	struct fake f;

	(void)state;
	assert_int_equal(scenario_parse_text("t.uvs",
					     "task a\ntask b\na: mmap r 1p\na: fork c\nfile f fs=tmpfs size=1p\n",
					     &s, err, sizeof(err)), 0);
	memset(&f, 0, sizeof(f));
	exec_init(&f.x, s, &fake_ops, NULL, err, sizeof(err));
	assert_int_equal(exec_reserve(&f.x, 64), 0);
	assert_int_equal(f.x.tasks.cap, 3);	/* a, b, and the fork's c */
	assert_int_equal(f.x.objects[EXEC_FILES].cap, 1);
	assert_int_equal(f.x.nr_spare, 3);
	a = exec_add_task(&f.x, "a", 100);
	assert_non_null(a);
	assert_int_equal(f.x.nr_spare, 2);
	assert_int_equal(a->regions.cap, 64);
	assert_int_equal(exec_bind_region(a, "r", 0x10000, 4096), 0);
	tasks_before = f.x.tasks.items;
	c = exec_add_task(&f.x, "c", 102);
	assert_non_null(c);
	assert_ptr_equal(f.x.tasks.items, tasks_before);
	assert_int_equal(f.x.nr_spare, 1);
	assert_int_equal(c->regions.cap, 64);
	a = exec_find_task(&f.x, "a");
	assert_int_equal(exec_task_copy(c, a), 0);
	assert_int_equal(c->regions.cap, 64);
	assert_non_null(exec_find_region(c, "r"));
	assert_int_equal(exec_find_region(c, "r")->len, 4096);
	exec_free(&f.x);
	scenario_free(s);
}

/* call_args.c: the uapi numbers both backends pass (asm-generic/mman-common.h:
 * MAP_DROPPABLE 0x08, MADV_GUARD_INSTALL 102, MADV_GUARD_REMOVE 103) */
static void abi_of_droppable_guard_secretmem(void **state)
{
	struct scenario_call c = {0};

	(void)state;
	c.droppable = true;
	assert_int_equal(exec_mmap_flags(&c), 0x08 | 0x20);
	c.locked = true;
	assert_int_equal(exec_mmap_flags(&c), 0x08 | 0x20 | 0x2000);
	c = (struct scenario_call){0};
	c.secretmem = true;
	c.shared = true;
	assert_int_equal(exec_mmap_flags(&c), 0x01);	/* a file: no MAP_ANONYMOUS */
	assert_int_equal(exec_advice(SCENARIO_ADVICE_GUARD_INSTALL), 102);
	assert_int_equal(exec_advice(SCENARIO_ADVICE_GUARD_REMOVE), 103);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(killed_caller_then_not_run),
		cmocka_unit_test(missing_task_is_an_error),
		cmocka_unit_test(reserve_makes_room_before_the_run),
		cmocka_unit_test(abi_of_droppable_guard_secretmem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
