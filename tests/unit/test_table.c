/*
 * test_table.c - scenario_table (src/scenario/table.c): the named-record
 * table with a hash index behind regions and check.c's name sets.
 * Expected values follow from the API's contract (scenario.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "scenario.h"

/* 10,000 regions: each found at its own record, in order of addition,
 * and a name never added is not found */
static void find_after_many_adds(void **state)
{
	struct scenario_table t;
	char name[32];
	bool added;
	size_t i;

	(void)state;
	scenario_table_init(&t, sizeof(struct scenario_region));
	for (i = 0; i < 10000; i++) {
		struct scenario_region *reg;

		snprintf(name, sizeof(name), "r%zu", i);
		reg = scenario_table_get(&t, name, &added);
		assert_non_null(reg);
		assert_true(added);
		reg->addr = i * 4096;
	}
	assert_int_equal(t.nr, 10000);
	for (i = 0; i < 10000; i++) {
		struct scenario_region *reg;

		snprintf(name, sizeof(name), "r%zu", i);
		reg = scenario_table_find(&t, name);
		assert_non_null(reg);
		assert_ptr_equal(reg, scenario_table_at(&t, i));
		assert_int_equal(reg->addr, i * 4096);
	}
	assert_null(scenario_table_find(&t, "r10000"));
	/* a second get of a name finds it, adds nothing */
	assert_ptr_equal(scenario_table_get(&t, "r7", &added), scenario_table_at(&t, 7));
	assert_false(added);
	assert_int_equal(t.nr, 10000);
	scenario_table_free(&t);
}

/* fork copies the table, exec clears it: the copy keeps its own records */
static void copy_and_clear(void **state)
{
	struct scenario_table a, b;
	struct scenario_region *reg;
	bool added;

	(void)state;
	scenario_table_init(&a, sizeof(struct scenario_region));
	assert_null(scenario_table_find(&a, "r1"));
	reg = scenario_table_get(&a, "r1", &added);
	reg->len = 8192;
	scenario_table_get(&a, "brk", &added);
	scenario_table_init(&b, sizeof(struct scenario_region));
	assert_int_equal(scenario_table_copy(&b, &a), 0);
	scenario_table_clear(&a);
	assert_int_equal(a.nr, 0);
	assert_null(scenario_table_find(&a, "r1"));
	reg = scenario_table_find(&b, "r1");
	assert_non_null(reg);
	assert_int_equal(reg->len, 8192);
	assert_non_null(scenario_table_find(&b, "brk"));
	/* a cleared table takes records again */
	assert_non_null(scenario_table_get(&a, "r2", &added));
	assert_true(added);
	assert_ptr_equal(scenario_table_find(&a, "r2"), scenario_table_at(&a, 0));
	scenario_table_free(&a);
	scenario_table_free(&b);
}

/* a table reserved before a live run's baseline (exec_reserve) takes its
 * records, and a fork's copy, in the room it has: no allocation moves it */
static void reserve_then_copy_in_place(void **state)
{
	struct scenario_table a, b;
	struct scenario_region *reg;
	void *items_a, *items_b;
	size_t *slots_b;
	bool added;
	char name[16];

	(void)state;
	scenario_table_init(&a, sizeof(struct scenario_region));
	scenario_table_init(&b, sizeof(struct scenario_region));
	assert_int_equal(scenario_table_reserve(&a, 64), 0);
	assert_int_equal(scenario_table_reserve(&b, 64), 0);
	assert_int_equal(a.cap, 64);
	assert_int_equal(a.nr_slots, 256);	/* a power of two >= 2 * 65 */
	items_a = a.items;
	for (int i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		reg = scenario_table_get(&a, name, &added);
		assert_true(added);
		reg->len = 4096 * (uint64_t)(i + 1);
	}
	assert_ptr_equal(a.items, items_a);
	items_b = b.items;
	slots_b = b.slots;
	assert_int_equal(scenario_table_copy(&b, &a), 0);
	assert_ptr_equal(b.items, items_b);
	assert_ptr_equal(b.slots, slots_b);
	assert_int_equal(b.nr, 64);
	reg = scenario_table_find(&b, "r63");
	assert_non_null(reg);
	assert_int_equal(reg->len, 64 * 4096);
	/* one more than the room: the table grows */
	assert_non_null(scenario_table_get(&a, "r64", &added));
	assert_int_equal(a.cap, 128);
	assert_non_null(scenario_table_find(&a, "r0"));
	scenario_table_free(&a);
	scenario_table_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(find_after_many_adds),
		cmocka_unit_test(copy_and_clear),
		cmocka_unit_test(reserve_then_copy_in_place),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
