/*
 * fuzz_scenario.c - libFuzzer harness for the .uvs parser and checks.
 *
 * Any bytes are a possible scenario file: parsing must either succeed or
 * fail with "FILE:LINE: message", never crash, hang or leak; a parsed
 * scenario then goes through the whole validation pass the interpreter
 * runs first (scenario_model_check).  A scenario that passes and stays
 * within a small budget (run_budget_ok: at most FUZZ_MAX_STATEMENTS
 * statements, machines of at most 64 MiB a node, every size at most
 * FUZZ_MAX_BYTES) is then executed on the model with the invariant checker
 * on: a crash, a sanitizer report or a broken invariant (abort) is a
 * finding.  Without a `machine` line it runs on a 16 MiB machine (the
 * line is put in front), so that each run costs a millisecond, not the
 * default gigabyte's memory map.  On top of the sanitizers, the harness
 * checks two properties and aborts when one breaks:
 *   - every error message starts with "fuzz.uvs:" and a line number
 *     (or is about the whole input only for out-of-memory);
 *   - the statement texts the parser keeps (what messages quote) parse
 *     again to as many statements of the same kinds.
 * Build and run: .ci/fuzz (CC=clang, -DUNEV_FUZZ=ON).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interp.h"
#include "scenario.h"

/* The step budget of an executed scenario (see the top). */
#define FUZZ_MAX_STATEMENTS 64
#define FUZZ_MAX_BYTES (16ULL << 20)
#define FUZZ_MAX_NODE_MEM (64ULL << 20)
#define FUZZ_SMALL_MACHINE "machine mem=16M\n"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require_line_prefix(const char *err, int ret)
{
	const char *p = err;

	if (ret == -12 /* -ENOMEM */)
		return;
	if (strncmp(p, "fuzz.uvs:", 9)) {
		fprintf(stderr, "error without the file name: '%s'\n", err);
		abort();
	}
	p += 9;
	if (*p < '0' || *p > '9') {
		fprintf(stderr, "error without a line number: '%s'\n", err);
		abort();
	}
	while (*p >= '0' && *p <= '9')
		p++;
	if (p[0] != ':' || p[1] != ' ' || !p[2]) {
		fprintf(stderr, "error without 'LINE: message': '%s'\n", err);
		abort();
	}
}

/* The kept texts, one per line, must parse to the same statement kinds. */
static void require_text_round_trip(const struct scenario *s)
{
	struct scenario *again = NULL;
	size_t len = 1, i;
	char err[512];
	char *text, *out;

	for (i = 0; i < s->nr_statements; i++)
		len += strlen(s->statements[i].text) + 1;
	text = malloc(len);
	if (!text)
		return;
	out = text;
	for (i = 0; i < s->nr_statements; i++) {
		size_t n = strlen(s->statements[i].text);

		memcpy(out, s->statements[i].text, n);
		out[n] = '\n';
		out += n + 1;
	}
	*out = '\0';
	if (scenario_parse_text("fuzz.uvs", text, &again, err, sizeof(err))) {
		fprintf(stderr, "statement texts do not parse again: %s\n", err);
		abort();
	}
	if (again->nr_statements != s->nr_statements) {
		fprintf(stderr, "round trip: %zu statements, then %zu\n",
			s->nr_statements, again->nr_statements);
		abort();
	}
	for (i = 0; i < s->nr_statements; i++) {
		if (again->statements[i].kind != s->statements[i].kind ||
		    strcmp(again->statements[i].text, s->statements[i].text)) {
			fprintf(stderr, "round trip changed statement %zu: '%s'\n", i,
				s->statements[i].text);
			abort();
		}
	}
	scenario_free(again);
	free(text);
}

static bool size_ok(uint64_t bytes)
{
	return bytes <= FUZZ_MAX_BYTES;
}

/* Small enough to execute: few statements, small machine, small sizes. */
static bool run_budget_ok(const struct scenario *s, bool *has_machine)
{
	size_t i;

	*has_machine = false;
	if (s->nr_statements > FUZZ_MAX_STATEMENTS)
		return false;
	for (i = 0; i < s->nr_statements; i++) {
		const struct scenario_statement *st = &s->statements[i];

		switch (st->kind) {
		case SCENARIO_MACHINE:
			*has_machine = true;
			if (st->machine.mem_bytes > FUZZ_MAX_NODE_MEM || st->machine.nodes > 4 ||
			    st->machine.cpus > 8 || st->machine.swap_bytes > FUZZ_MAX_NODE_MEM)
				return false;
			break;
		case SCENARIO_FILE:
			if (!size_ok(st->file.size))
				return false;
			break;
		case SCENARIO_SHM:
			if (!size_ok(st->shm.size))
				return false;
			break;
		case SCENARIO_CALL:
			if (!size_ok(st->call.size) || !size_ok(st->call.off) ||
			    !size_ok(st->call.len) || !size_ok(st->call.file_off))
				return false;
			break;
		case SCENARIO_RECLAIM:
			if (!size_ok(st->reclaim.size))
				return false;
			break;
		case SCENARIO_MEMCG:
			if (!size_ok(st->memcg.limit) && st->memcg.limit_given)
				return false;
			break;
		default:
			break;
		}
	}
	return true;
}

/*
 * Execute a scenario that passed the checks, when it fits the budget.
 * The interpreter's own errors (a region whose mmap failed, an exited
 * task) are answers, not findings; only a crash, a sanitizer report or
 * the invariant checker's abort is.
 */
static void execute(const struct scenario *s, const char *text)
{
	struct scenario_run_options run = {.quiet = true, .check_invariants = true};
	struct scenario_run_summary sum = {0};
	struct scenario *small = NULL;
	static FILE *devnull;
	bool has_machine;
	char err[1024];
	char *with_machine;

	if (!run_budget_ok(s, &has_machine))
		return;
	if (!devnull)
		devnull = fopen("/dev/null", "w");
	run.out = devnull;
	if (has_machine) {
		scenario_run(s, &run, &sum, err, sizeof(err));
		return;
	}
	with_machine = malloc(strlen(FUZZ_SMALL_MACHINE) + strlen(text) + 1);
	if (!with_machine)
		return;
	strcpy(stpcpy(with_machine, FUZZ_SMALL_MACHINE), text);
	if (!scenario_parse_text("fuzz.uvs", with_machine, &small, err, sizeof(err)))
		scenario_run(small, &run, &sum, err, sizeof(err));
	scenario_free(small);
	free(with_machine);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scenario *s = NULL;
	char err[1024];
	char *text;
	int ret;

	/* As a file would be read: NUL bytes included (an error). */
	ret = scenario_parse_buffer("fuzz.uvs", (const char *)data, size, &s, err,
				    sizeof(err));
	if (ret) {
		require_line_prefix(err, ret);
	} else {
		require_text_round_trip(s);
		ret = scenario_model_check(s, err, sizeof(err));
		if (ret)
			require_line_prefix(err, ret);
		scenario_free(s);
	}

	/* As built-in scenarios are: a C string, cut at the first NUL. */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	ret = scenario_parse_text("fuzz.uvs", text, &s, err, sizeof(err));
	if (ret) {
		require_line_prefix(err, ret);
	} else {
		ret = scenario_model_check(s, err, sizeof(err));
		if (ret)
			require_line_prefix(err, ret);
		else
			execute(s, text);
		scenario_free(s);
	}
	free(text);
	return 0;
}
