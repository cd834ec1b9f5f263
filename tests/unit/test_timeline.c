/*
 * test_timeline.c - `unevict run --timeline`: every CSV row holds what the
 * model's own /proc text says at that statement.
 *
 * Corpus scenarios are rewritten with `print vmstat`, `print meminfo` and
 * `print memcg NAME` before every statement that is not an expectation (a
 * print changes nothing), run with --json and a timeline together, and each
 * print's output in the JSON (rendered by unev_proc_*, another path than the
 * timeline's readers) is compared field by field with the timeline row of
 * that print: node columns summed against /proc/vmstat's nr_<list>,
 * nr_mlock and the unevictable_pgs_* counters, Mlocked and Unevictable kB,
 * memcg lists (memory.stat bytes / 4096).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <jansson.h>

#include "interp.h"
#include "scenario.h"
#include "timeline.h"
#include "unevict.h"

#define MAX_COLS 256
#define MAX_ROWS 4096

struct csv {
	size_t nr_rows, nr_cols;
	char *cell[MAX_ROWS][MAX_COLS];	/* row 0 is the header */
};

/* RFC 4180: quoted fields may hold commas, doubled quotes and newlines. */
static void csv_parse(const char *text, struct csv *c)
{
	const char *p = text;
	size_t row = 0, col = 0;

	memset(c, 0, sizeof(*c));
	while (*p) {
		char *field = malloc(strlen(p) + 1);
		size_t n = 0;

		assert_non_null(field);
		if (*p == '"') {
			for (p++; *p && !(*p == '"' && p[1] != '"'); p++) {
				if (*p == '"')
					p++;
				field[n++] = *p;
			}
			assert_int_equal(*p, '"');
			p++;
		} else {
			while (*p && *p != ',' && *p != '\n')
				field[n++] = *p++;
		}
		field[n] = 0;
		assert_true(row < MAX_ROWS && col < MAX_COLS);
		c->cell[row][col++] = field;
		if (*p == ',') {
			p++;
			continue;
		}
		assert_int_equal(*p, '\n');
		p++;
		if (row == 0)
			c->nr_cols = col;
		else
			assert_int_equal(col, c->nr_cols);
		row++;
		col = 0;
	}
	c->nr_rows = row;
}

static void csv_free(struct csv *c)
{
	for (size_t r = 0; r < c->nr_rows; r++)
		for (size_t k = 0; k < c->nr_cols; k++)
			free(c->cell[r][k]);
}

static long csv_col(const struct csv *c, const char *name)
{
	for (size_t k = 0; k < c->nr_cols; k++)
		if (!strcmp(c->cell[0][k], name))
			return (long)k;
	return -1;
}

static uint64_t csv_u64(const struct csv *c, size_t row, const char *name)
{
	long k = csv_col(c, name);

	assert_true(k >= 0);
	assert_true(c->cell[row][k][0] != 0);
	return strtoull(c->cell[row][k], NULL, 10);
}

/* The sum of nodeN.<what> over every node column. */
static uint64_t csv_node_sum(const struct csv *c, size_t row, const char *what)
{
	char name[64];
	uint64_t sum = 0;
	unsigned int n;

	for (n = 0;; n++) {
		snprintf(name, sizeof(name), "node%u.%s", n, what);
		if (csv_col(c, name) < 0)
			break;
		sum += csv_u64(c, row, name);
	}
	assert_true(n > 0);
	return sum;
}

/* "name value" (vmstat, memory.stat) or "Name:   value kB" (meminfo). */
static int proc_field(const char *text, const char *name, uint64_t *val)
{
	size_t len = strlen(name);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (!strncmp(l, name, len) && (l[len] == ' ' || l[len] == ':')) {
			const char *v = l + len + (l[len] == ':');

			*val = strtoull(v, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

static const char *const lists[] = { "inactive_anon", "active_anon", "inactive_file",
				     "active_file", "unevictable" };
static const char *const events[] = {
	"unevictable_pgs_culled",  "unevictable_pgs_rescued", "unevictable_pgs_munlocked",
	"unevictable_pgs_mlocked", "unevictable_pgs_cleared", "unevictable_pgs_stranded",
};

static unsigned int check_print(const struct csv *c, size_t row, const char *text,
				const char *output)
{
	char name[128];
	uint64_t v;
	unsigned int checked = 0;

	if (!strcmp(text, "print vmstat")) {
		for (size_t i = 0; i < 5; i++) {
			snprintf(name, sizeof(name), "nr_%s", lists[i]);
			assert_int_equal(proc_field(output, name, &v), 0);
			assert_int_equal(csv_node_sum(c, row, lists[i]), v);
			checked++;
		}
		assert_int_equal(proc_field(output, "nr_mlock", &v), 0);
		assert_int_equal(csv_u64(c, row, "nr_mlock"), v);
		assert_int_equal(csv_node_sum(c, row, "nr_mlock"), v);
		for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
			assert_int_equal(proc_field(output, events[i], &v), 0);
			assert_int_equal(csv_u64(c, row, events[i]), v);
		}
		return checked + 2 + 6;
	}
	if (!strcmp(text, "print meminfo")) {
		assert_int_equal(proc_field(output, "Mlocked", &v), 0);
		assert_int_equal(csv_u64(c, row, "Mlocked_kB"), v);
		assert_int_equal(proc_field(output, "Unevictable", &v), 0);
		assert_int_equal(csv_u64(c, row, "Unevictable_kB"), v);
		return 2;
	}
	if (!strncmp(text, "print memcg ", 12)) {
		for (size_t i = 0; i < 5; i++) {
			snprintf(name, sizeof(name), "memcg.%s.%s", text + 12, lists[i]);
			assert_int_equal(proc_field(output, lists[i], &v), 0);
			assert_int_equal(csv_u64(c, row, name), v / UNEV_PAGE_SIZE);
			checked++;
		}
		return checked;
	}
	return 0;
}

static char *read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	return buf;
}

/* @text with the prints before every statement but the first and expects. */
static char *with_prints(const char *text)
{
	char *out, *o, memcgs[16][64];
	size_t nr_memcgs = 0;
	bool first = true;
	const char *l = text;

	out = malloc(strlen(text) * 2 + 100000);
	assert_non_null(out);
	o = out;
	while (*l) {
		const char *end = strchr(l, '\n');
		const char *s = l;
		size_t len = end ? (size_t)(end - l) : strlen(l);

		while (s < l + len && (*s == ' ' || *s == '\t'))
			s++;
		if (s < l + len && *s != '#' && strncmp(s, "expect ", 7)) {
			if (!first) {
				o += sprintf(o, "print vmstat\nprint meminfo\n");
				for (size_t i = 0; i < nr_memcgs; i++)
					o += sprintf(o, "print memcg %s\n", memcgs[i]);
			}
			first = false;
			if (!strncmp(s, "memcg ", 6)) {
				assert_true(nr_memcgs < 16);
				sscanf(s + 6, "%63s", memcgs[nr_memcgs++]);
			}
		}
		memcpy(o, l, len);
		o += len;
		*o++ = '\n';
		l += len + (end ? 1 : 0);
	}
	o += sprintf(o, "print vmstat\nprint meminfo\n");
	for (size_t i = 0; i < nr_memcgs; i++)
		o += sprintf(o, "print memcg %s\n", memcgs[i]);
	*o = 0;
	return out;
}

/* Run @text with --json and --timeline; every row checked; the number of
 * figures compared. */
static unsigned int check_scenario(const char *name, const char *text)
{
	struct scenario_run_summary sum;
	struct scenario_run_options opts = { 0 };
	struct scenario *s = NULL;
	struct timeline *tl = NULL;
	struct csv *c = malloc(sizeof(*c));
	json_t *root = json_object(), *sts;
	char err[1024], *csv_text = NULL;
	size_t csv_len = 0, i;
	unsigned int checked = 0;
	FILE *f;

	assert_non_null(c);
	f = open_memstream(&csv_text, &csv_len);
	assert_non_null(f);
	assert_int_equal(scenario_parse_text(name, text, &s, err, sizeof(err)), 0);
	assert_int_equal(timeline_create_for_scenario(f, s, &tl), 0);
	opts.json = root;
	opts.after_statement = timeline_after_statement;
	opts.after_statement_ctx = tl;
	if (scenario_run(s, &opts, &sum, err, sizeof(err)))
		fail_msg("%s", err);
	assert_int_equal(sum.failed, 0);
	assert_int_equal(timeline_destroy(tl), 0);
	fclose(f);
	csv_parse(csv_text, c);

	sts = json_object_get(root, "statements");
	/* one row per statement, in order, with its line and its text */
	assert_int_equal(c->nr_rows - 1, json_array_size(sts));
	for (i = 0; i < json_array_size(sts); i++) {
		json_t *st = json_array_get(sts, i), *out;
		const char *st_text = json_string_value(json_object_get(st, "text"));
		char line[32];

		snprintf(line, sizeof(line), "%lld",
			 (long long)json_integer_value(json_object_get(st, "line")));
		assert_string_equal(c->cell[i + 1][0], line);
		assert_string_equal(c->cell[i + 1][1], st_text);
		out = json_object_get(st, "output");
		if (out)
			checked += check_print(c, i + 1, st_text, json_string_value(out));
	}
	csv_free(c);
	free(c);
	free(csv_text);
	scenario_free(s);
	json_decref(root);
	return checked;
}

static void check_corpus_file(const char *rel, unsigned int min_checked)
{
	char path[1024], *text, *aug;
	unsigned int checked;

	snprintf(path, sizeof(path), "%s/%s", UNEV_SOURCE_DIR, rel);
	text = read_text(path);
	aug = with_prints(text);
	checked = check_scenario(path, aug);
	/* the figures were really there to compare */
	assert_true(checked >= min_checked);
	free(aug);
	free(text);
}

static void test_timeline_equals_proc_core(void **state)
{
	(void)state;
	check_corpus_file("tests/scenarios/core/map_locked_populates.uvs", 30);
	check_corpus_file("tests/scenarios/core/fork_parent_cow_write.uvs", 30);
	check_corpus_file("tests/scenarios/core/exit_leaves_partial_batch.uvs", 30);
}

static void test_timeline_equals_proc_memcg(void **state)
{
	(void)state;
	check_corpus_file("tests/scenarios/memcg/hierarchy_reclaim_reaches_child.uvs", 60);
	check_corpus_file("tests/scenarios/memcg/reclaim_culls_lost_mlock.uvs", 40);
}

static void test_timeline_equals_proc_model_reclaim(void **state)
{
	(void)state;
	check_corpus_file("tests/model/reclaim/rmap_walk_restores_lost_mlock.uvs", 30);
	check_corpus_file("tests/model/reclaim/swap_reclaims_anon_not_mlocked.uvs", 30);
}

/* Two nodes: a column set per node, their sums are the machine's. */
static void test_timeline_two_nodes(void **state)
{
	(void)state;
	assert_true(check_scenario("two_nodes.uvs",
				   "machine nodes=2 mem=64M\n"
				   "task a cpu=0 memlock=unlimited\n"
				   "a: mmap r1 100p\n"
				   "a: touch r1\n"
				   "print vmstat\n"
				   "a: mlock r1\n"
				   "print vmstat\n"
				   "print meminfo\n") >= 20);
}

/* A statement text with a comma and quotes comes back whole. */
static void test_csv_field_quoting(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct csv *c = malloc(sizeof(*c));

	(void)state;
	assert_non_null(c);
	csv_write_field(f, "plain");
	fputc(',', f);
	csv_write_field(f, "a, \"b\"");
	fputc(',', f);
	csv_write_field(f, "two\nlines");
	fputc('\n', f);
	fclose(f);
	assert_string_equal(buf, "plain,\"a, \"\"b\"\"\",\"two\nlines\"\n");
	csv_parse(buf, c);
	assert_int_equal(c->nr_cols, 3);
	assert_string_equal(c->cell[0][1], "a, \"b\"");
	assert_string_equal(c->cell[0][2], "two\nlines");
	csv_free(c);
	free(c);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_timeline_equals_proc_core),
		cmocka_unit_test(test_timeline_equals_proc_memcg),
		cmocka_unit_test(test_timeline_equals_proc_model_reclaim),
		cmocka_unit_test(test_timeline_two_nodes),
		cmocka_unit_test(test_csv_field_quoting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
