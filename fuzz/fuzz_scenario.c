/*
 * fuzz_scenario.c - libFuzzer harness for the .uvs parser and checks.
 *
 * Any bytes are a possible scenario file: parsing must either succeed or
 * fail with "FILE:LINE: message", never crash, hang or leak; a parsed
 * scenario then goes through the whole validation pass the interpreter
 * runs first (scenario_model_check).  Nothing is executed: no machine is
 * ever created, so `machine mem=1T` costs nothing here.  On top of the
 * sanitizers, the harness checks two properties and aborts when one
 * breaks:
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
		scenario_free(s);
	}
	free(text);
	return 0;
}
