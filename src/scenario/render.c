/*
 * render.c - the output of `unevict run`: one line per call, expectation,
 * reclaim and print (text), the LRU events of each statement indented
 * under it (-v), or one JSON document (--json), and the document of a
 * whole `unevict run` over its files (scenario_json_doc_*).  It only
 * renders: what to say comes from interp.c and the CLI; the model never
 * prints.
 */
#include "render.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct render {
	const struct scenario *s;
	const struct scenario_run_options *opt;
	/* -v: the current statement's events, shown under it */
	FILE *events;
	char *events_text;
	size_t events_len;
	json_t *json_events;
	/* --json */
	json_t *json_statements;
	json_t *json_expectations;
	json_t *js;		/* the current statement's object */
};

/* Text output, if any (conform runs the model for its records only). */
static void say(struct render *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct render *rd, const char *fmt, ...)
{
	va_list ap;

	if (!rd->opt->out)
		return;
	va_start(ap, fmt);
	vfprintf(rd->opt->out, fmt, ap);
	va_end(ap);
}

const char *render_errno_text(int e, char *buf, size_t len)
{
	const char *name;

	if (e == 0)
		return "0";
	name = scenario_errno_name(e);
	if (name)
		return name;
	snprintf(buf, len, "errno %d", e);
	return buf;
}

struct render *render_new(const struct scenario *s, const struct scenario_run_options *opts)
{
	struct render *rd = calloc(1, sizeof(*rd));

	if (!rd)
		return NULL;
	rd->s = s;
	rd->opt = opts;
	if (opts->json) {
		rd->json_statements = json_array();
		rd->json_expectations = json_array();
		if (!rd->json_statements || !rd->json_expectations ||
		    json_object_set(opts->json, "statements", rd->json_statements) ||
		    json_object_set(opts->json, "expectations", rd->json_expectations)) {
			render_free(rd);
			return NULL;
		}
	}
	return rd;
}

void render_finish(struct render *rd, const struct scenario_run_summary *sum)
{
	if (rd->opt->json)
		json_object_set_new(rd->opt->json, "summary",
				    json_pack("{s:i, s:i, s:i, s:i}", "expectations",
					      (int)sum->expectations, "passed",
					      (int)sum->passed, "failed",
					      (int)sum->failed, "not_run",
					      (int)sum->not_run));
}

void render_free(struct render *rd)
{
	if (!rd)
		return;
	json_decref(rd->json_statements);
	json_decref(rd->json_expectations);
	json_decref(rd->json_events);
	if (rd->events)
		fclose(rd->events);
	free(rd->events_text);
	free(rd);
}

int render_begin(struct render *rd, const struct scenario_statement *st)
{
	rd->js = NULL;
	if (rd->opt->json) {
		rd->js = json_pack("{s:I, s:s, s:s}", "line", (json_int_t)st->line,
				   "text", st->text, "kind", scenario_statement_name(st->kind));
		if (!rd->js || json_array_append_new(rd->json_statements, rd->js))
			return -ENOMEM;
		return 0;
	}
	if (!rd->opt->verbose)
		return 0;
	rd->events = open_memstream(&rd->events_text, &rd->events_len);
	return rd->events ? 0 : -ENOMEM;
}

/* What the text output shows before a statement's events (-v only). */
static void print_header(struct render *rd, const struct scenario_statement *st)
{
	if (!rd->opt->verbose || rd->opt->quiet || rd->opt->json)
		return;
	switch (st->kind) {
	case SCENARIO_CALL:
	case SCENARIO_EXPECT:
	case SCENARIO_PRINT:
	case SCENARIO_RECLAIM:
		return; /* they print their own line */
	default:
		say(rd, "%s:%u: %s\n", rd->s->file_name, st->line, st->text);
	}
}

static void events_flush(struct render *rd)
{
	if (!rd->events)
		return;
	fclose(rd->events);
	rd->events = NULL;
	if (rd->events_len && !rd->opt->quiet && rd->opt->out)
		fwrite(rd->events_text, 1, rd->events_len, rd->opt->out);
	free(rd->events_text);
	rd->events_text = NULL;
	rd->events_len = 0;
}

void render_end(struct render *rd, const struct scenario_statement *st)
{
	if (st)
		print_header(rd, st);
	events_flush(rd);
	if (rd->js && rd->json_events) {
		json_object_set_new(rd->js, "events", rd->json_events);
		rd->json_events = NULL;
	}
}

/* Which kernel profile the machine follows. */
void render_machine(struct render *rd, const struct scenario_statement *st, const char *kernel)
{
	if (rd->opt->json || rd->opt->quiet)
		return;
	if (st->machine.design == SCENARIO_DESIGN_NONE)
		say(rd, "%s:%u: %s -> the design before 2.6.28: a model no kernel can check\n",
		    rd->s->file_name, st->line, st->text);
	else
		say(rd, "%s:%u: %s -> the kernel %s profile\n", rd->s->file_name, st->line,
		    st->text, kernel);
}

void render_address(struct render *rd, uint64_t addr)
{
	if (rd->js)
		json_object_set_new(rd->js, "address", json_integer((json_int_t)addr));
}

void render_call(struct render *rd, const struct scenario_statement *st, int err)
{
	char buf[32];

	if (rd->js) {
		json_object_set_new(rd->js, "task", json_string(st->call.task));
		json_object_set_new(rd->js, "call", json_string(scenario_call_name(st->call.kind)));
		json_object_set_new(rd->js, "errno", json_integer(err));
		json_object_set_new(rd->js, "result",
				    json_string(render_errno_text(err, buf, sizeof(buf))));
	} else if (!rd->opt->quiet) {
		say(rd, "%s:%u: %s -> %s\n", rd->s->file_name, st->line, st->text,
		    render_errno_text(err, buf, sizeof(buf)));
	}
}

void render_not_run(struct render *rd, const struct scenario_statement *st,
		    const char *victim, unsigned int line)
{
	if (rd->js) {
		if (st->kind == SCENARIO_CALL) {
			json_object_set_new(rd->js, "task", json_string(st->call.task));
			json_object_set_new(rd->js, "call",
					    json_string(scenario_call_name(st->call.kind)));
		} else {
			json_object_set_new(rd->js, "task", json_string(st->expect.task));
		}
		json_object_set_new(rd->js, "not_run", json_true());
		json_object_set_new(rd->js, "result", json_string("not run"));
	} else if (!rd->opt->quiet) {
		say(rd, "%s:%u: %s -> not run (the OOM killer took task '%s' at line %u)\n",
		    rd->s->file_name, st->line, st->text, victim, line);
	}
}

void render_reclaim(struct render *rd, const struct scenario_statement *st, uint64_t pages)
{
	if (rd->js)
		json_object_set_new(rd->js, "reclaimed_pages", json_integer((json_int_t)pages));
	else if (!rd->opt->quiet)
		say(rd, "%s:%u: %s -> %llu pages reclaimed\n", rd->s->file_name, st->line,
		    st->text, (unsigned long long)pages);
}

void render_migrate(struct render *rd, const struct scenario_statement *st, int64_t value)
{
	char buf[32];

	if (rd->js)
		json_object_set_new(rd->js, "not_migrated", json_integer((json_int_t)value));
	else if (!rd->opt->quiet && value >= 0)
		say(rd, "%s:%u: %s -> %lld pages not migrated\n", rd->s->file_name, st->line,
		    st->text, (long long)value);
	else if (!rd->opt->quiet)
		say(rd, "%s:%u: %s -> %s\n", rd->s->file_name, st->line, st->text,
		    render_errno_text((int)-value, buf, sizeof(buf)));
}

void render_expect(struct render *rd, const struct scenario_statement *st,
		   const char *expected, const char *actual, bool passed)
{
	if (rd->opt->json) {
		json_t *je = json_pack("{s:I, s:s, s:s, s:s, s:b}", "line",
				       (json_int_t)st->line, "text", st->text,
				       "expected", expected, "actual", actual,
				       "passed", passed);

		if (je)
			json_array_append_new(rd->json_expectations, je);
		json_object_set_new(rd->js, "passed", json_boolean(passed));
		json_object_set_new(rd->js, "actual", json_string(actual));
		return;
	}
	if (!passed)
		say(rd, "%s:%u: expectation failed: %s (model: %s)\n",
		    rd->s->file_name, st->line, st->text, actual);
	else if (!rd->opt->quiet)
		say(rd, "%s:%u: %s -> ok\n", rd->s->file_name, st->line, st->text);
}

void render_print(struct render *rd, const struct scenario_statement *st, const char *text)
{
	if (rd->opt->json) {
		json_object_set_new(rd->js, "output", json_string(text));
	} else if (!rd->opt->quiet) {
		size_t n = strlen(text);

		say(rd, "%s:%u: %s\n%s%s", rd->s->file_name, st->line,
		    st->text, text, n && text[n - 1] != '\n' ? "\n" : "");
	}
}

/* ---- -v: the trace hook ---- */

static const char *lru_text(int lru)
{
	const char *name;

	if (lru == UNEV_LRU_NONE)
		return "none";
	name = unev_lru_name(lru);
	return name ? name : "?";
}

void render_event(void *ctx, const struct unev_event *ev)
{
	struct render *r = ctx;
	const char *why = ev->why ? ev->why : "?";

	if (r->opt->json) {
		json_t *je;

		if (!r->json_events)
			r->json_events = json_array();
		if (ev->type == UNEV_EV_LRU_MOVE)
			je = json_pack("{s:s, s:I, s:s, s:s, s:i, s:I, s:s}", "event",
				       "lru_move", "pfn", (json_int_t)ev->pfn, "from",
				       lru_text(ev->from), "to", lru_text(ev->to),
				       "cpu", ev->cpu, "nr_pages", (json_int_t)ev->nr,
				       "why", why);
		else if (ev->type == UNEV_EV_VMSCAN)
			je = json_pack("{s:s, s:s, s:i, s:I, s:I, s:I, s:s}", "event", "vmscan",
				       "lru", lru_text(ev->from), "cpu", ev->cpu, "nr_scanned",
				       (json_int_t)ev->nr, "nr_reclaimed",
				       (json_int_t)ev->nr_reclaimed, "nr_culled",
				       (json_int_t)ev->nr_culled, "why", why);
		else if (ev->type == UNEV_EV_OOM_KILL)
			je = json_pack("{s:s, s:I, s:s}", "event", "oom_kill", "pid",
				       (json_int_t)ev->nr, "why", why);
		else
			je = json_pack("{s:s, s:i, s:I, s:s}", "event", "batch_drain",
				       "cpu", ev->cpu, "nr_folios", (json_int_t)ev->nr,
				       "why", why);
		if (r->json_events && je)
			json_array_append_new(r->json_events, je);
		else
			json_decref(je);
		return;
	}
	if (!r->events)
		return;
	if (ev->type == UNEV_EV_LRU_MOVE && ev->nr > 1)
		fprintf(r->events, "    pfn %u (%u pages): %s -> %s  cpu %d  %s\n",
			ev->pfn, ev->nr, lru_text(ev->from), lru_text(ev->to),
			ev->cpu, why);
	else if (ev->type == UNEV_EV_LRU_MOVE)
		fprintf(r->events, "    pfn %u: %s -> %s  cpu %d  %s\n", ev->pfn,
			lru_text(ev->from), lru_text(ev->to), ev->cpu, why);
	else if (ev->type == UNEV_EV_VMSCAN)
		fprintf(r->events, "    vmscan %s: %u scanned, %u reclaimed, %u put back to be culled  cpu %d  %s\n",
			lru_text(ev->from), ev->nr, ev->nr_reclaimed, ev->nr_culled, ev->cpu, why);
	else if (ev->type == UNEV_EV_OOM_KILL)
		fprintf(r->events, "    OOM kill of pid %u  %s\n", ev->nr, why);
	else
		fprintf(r->events, "    batch of %u folio%s drained  cpu %d  %s\n",
			ev->nr, ev->nr == 1 ? "" : "s", ev->cpu, why);
}

/* ---- --json: the document of a whole `unevict run` ---- */

struct scenario_json_doc {
	json_t *runs;
};

struct scenario_json_doc *scenario_json_doc_new(void)
{
	struct scenario_json_doc *d = calloc(1, sizeof(*d));

	if (d && !(d->runs = json_array())) {
		free(d);
		d = NULL;
	}
	return d;
}

json_t *scenario_json_doc_add_run(struct scenario_json_doc *d, const char *file)
{
	json_t *run = json_pack("{s:s}", "file", file);

	if (!run || json_array_append_new(d->runs, run))
		return NULL;	/* (append_new released run) */
	return run;
}

void scenario_json_run_status(json_t *run, int status, const char *error)
{
	json_object_set_new(run, "status", json_integer(status));
	if (error)
		json_object_set_new(run, "error", json_string(error));
}

int scenario_json_doc_write(struct scenario_json_doc *d, const struct scenario_run_totals *t,
			    FILE *f)
{
	json_t *root = json_pack("{s:s, s:O, s:{s:i, s:i, s:i, s:i, s:i}, s:i}",
				 "version", UNEV_VERSION, "runs", d->runs, "summary",
				 "files", (int)t->files, "expectations", (int)t->expectations,
				 "passed", (int)t->passed, "failed", (int)t->failed,
				 "not_run", (int)t->not_run, "status", t->status);
	int ret = 0;

	if (!root || json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) ||
	    fputc('\n', f) == EOF)
		ret = -EIO;
	json_decref(root);
	return ret;
}

void scenario_json_doc_free(struct scenario_json_doc *d)
{
	if (!d)
		return;
	json_decref(d->runs);
	free(d);
}
