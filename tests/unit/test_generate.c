/*
 * test_generate.c - the scenario generator (src/scenario/generate.c): a
 * seed is a reproducer (the same text every time), every program is valid
 * (parses and passes scenario_model_check), the live profile keeps to what
 * conform runs live (docs/CONFORM.md), and the options leave out what they
 * say they leave out.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "generate.h"
#include "interp.h"
#include "scenario.h"

#define SEEDS 300

static char *generate(const struct scenario_gen_options *o, uint64_t seed)
{
	char *text = NULL;

	assert_int_equal(scenario_generate(o, seed, &text), 0);
	assert_non_null(text);
	return text;
}

/* Every program parses and passes the model's checks. */
static void check_valid(const struct scenario_gen_options *o)
{
	uint64_t seed;

	for (seed = 1; seed <= SEEDS; seed++) {
		char *text = generate(o, seed), err[1024] = "";
		struct scenario *s = NULL;
		int ret = scenario_parse_text("gen.uvs", text, &s, err, sizeof(err));

		if (!ret)
			ret = scenario_model_check(s, err, sizeof(err));
		if (ret)
			print_error("seed %llu: %s\n%s", (unsigned long long)seed, err, text);
		assert_int_equal(ret, 0);
		scenario_free(s);
		free(text);
	}
}

static void test_same_seed_same_program(void **state)
{
	struct scenario_gen_options o = {0};
	char *a, *b, *c;

	(void)state;
	a = generate(&o, 42);
	b = generate(&o, 42);
	c = generate(&o, 43);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	/* the first line names the seed: a saved program says how to remake it */
	assert_memory_equal(a, "# unevict fuzz: seed 42, profile model\n", 39);
	free(a);
	free(b);
	free(c);
}

static void test_model_profile_programs_are_valid(void **state)
{
	struct scenario_gen_options o = {.profile = SCENARIO_GEN_MODEL};

	(void)state;
	check_valid(&o);
}

static void test_live_profile_programs_are_valid(void **state)
{
	struct scenario_gen_options o = {.profile = SCENARIO_GEN_LIVE};

	(void)state;
	check_valid(&o);
}

/* What conform refuses or cannot compare never appears in a live program. */
static void test_live_profile_keeps_to_conform(void **state)
{
	struct scenario_gen_options o = {.profile = SCENARIO_GEN_LIVE};
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= SEEDS; seed++) {
		char *text = generate(&o, seed), *line;

		for (line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
			size_t n = strcspn(line, "\n");
			char buf[256];

			snprintf(buf, sizeof(buf), "%.*s", (int)n, line);
			assert_null(strstr(buf, "sysctl"));
			assert_null(strstr(buf, "swap="));
			assert_null(strstr(buf, "design="));
			assert_null(strstr(buf, "expect lru"));
			assert_null(strstr(buf, "print "));
			assert_null(strstr(buf, "unlimited"));
			/* a host is never compacted */
			assert_null(strstr(buf, "compact"));
			/* reclaim of the whole machine is model only */
			if (!strncmp(buf, "reclaim", 7))
				assert_non_null(strstr(buf, "memcg="));
		}
		free(text);
	}
}

/* --avoid-known and --no-image: none of the constructs they name. */
static void test_options_leave_out_what_they_say(void **state)
{
	struct scenario_gen_options o = {.profile = SCENARIO_GEN_LIVE,
					 .avoid_known = true, .no_image = true};
	unsigned int mlockalls = 0;
	uint64_t seed;

	(void)state;
	check_valid(&o);
	for (seed = 1; seed <= SEEDS; seed++) {
		char *text = generate(&o, seed);

		assert_null(strstr(text, "limit="));
		assert_null(strstr(text, ": fork "));
		assert_null(strstr(text, "mlockall current"));
		mlockalls += strstr(text, ": mlockall") != NULL;
		free(text);
	}
	/* the calls themselves are still made, with the other flags */
	assert_true(mlockalls > 0);
}

/* --no-unobservable: nothing conform prints as model only, no read
 * fault on a machine without the zero page; the model profile still
 * writes zero_page=off. */
static void test_no_unobservable(void **state)
{
	struct scenario_gen_options o = {.no_unobservable = true};
	unsigned int zero_page_off = 0;
	uint64_t seed;

	(void)state;
	check_valid(&o);
	for (seed = 1; seed <= SEEDS; seed++) {
		char *text = generate(&o, seed);

		assert_null(strstr(text, "design="));
		assert_null(strstr(text, "kernel="));
		assert_null(strstr(text, "expect lru"));
		assert_null(strstr(text, "mlockall current"));
		if (strstr(text, "zero_page=off")) {
			zero_page_off++;
			assert_null(strstr(text, " read\n"));
			assert_null(strstr(text, "populate_read"));
		}
		free(text);
	}
	assert_true(zero_page_off > 0);
}

/* --no-memcg --no-files --no-shm --no-fork */
static void test_no_options(void **state)
{
	struct scenario_gen_options o = {.no_memcg = true, .no_files = true,
					 .no_shm = true, .no_fork = true};
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= SEEDS; seed++) {
		char *text = generate(&o, seed);

		assert_null(strstr(text, "\nmemcg "));
		assert_null(strstr(text, "\nfile "));
		assert_null(strstr(text, "\nshm "));
		assert_null(strstr(text, ": fork "));
		free(text);
	}
}

/* The model profile makes THP regions and, with --avoid-known too, forks
 * over them (a PTE-mapped THP's fork broke the per-page mapcounts); the
 * live profile never does (its seeds agree live as they were measured). */
static void test_model_profile_forks_over_thps(void **state)
{
	struct scenario_gen_options model = {.profile = SCENARIO_GEN_MODEL, .avoid_known = true};
	struct scenario_gen_options live = {.profile = SCENARIO_GEN_LIVE, .avoid_known = true};
	unsigned int thps = 0, forks = 0;
	uint64_t seed;

	(void)state;
	for (seed = 1; seed <= SEEDS; seed++) {
		char *text = generate(&model, seed), *live_text = generate(&live, seed);
		char *thp = strstr(text, " align=2M\n");

		thps += thp != NULL;
		forks += thp && strstr(thp, ": fork ") != NULL;
		assert_null(strstr(live_text, " hugepage"));
		free(text);
		free(live_text);
	}
	assert_true(thps > SEEDS / 4);
	assert_true(forks > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_seed_same_program),
		cmocka_unit_test(test_model_profile_programs_are_valid),
		cmocka_unit_test(test_live_profile_programs_are_valid),
		cmocka_unit_test(test_live_profile_keeps_to_conform),
		cmocka_unit_test(test_options_leave_out_what_they_say),
		cmocka_unit_test(test_no_unobservable),
		cmocka_unit_test(test_no_options),
		cmocka_unit_test(test_model_profile_forks_over_thps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
