/*
 * timeline.c - a CSV row of the model's lists and counters after every step
 * (timeline.h).  Read through include/unevict.h only, as a program reading
 * /proc and /sys would: per node nodeN/vmstat, per memcg memory.stat,
 * machine-wide /proc/vmstat and /proc/meminfo.
 */
#include "timeline.h"

#include <unevict.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct timeline {
	FILE *out;
	unsigned int nodes;
	size_t nr_memcgs;
	char **memcgs;
};

/* The machine-wide columns: /proc/vmstat counters, then /proc/meminfo. */
static const char *const vmstat_columns[] = {
	"nr_mlock",
};
static const char *const meminfo_columns[] = {
	"Mlocked", "Unevictable",
};
static const char *const event_columns[] = {
	"unevictable_pgs_culled",   "unevictable_pgs_rescued", "unevictable_pgs_munlocked",
	"unevictable_pgs_mlocked",  "unevictable_pgs_cleared", "unevictable_pgs_stranded",
};
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void csv_write_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void write_header(const struct timeline *tl)
{
	char name[SCENARIO_NAME_MAX + 64];

	fputs("line,text", tl->out);
	for (unsigned int n = 0; n < tl->nodes; n++) {
		for (int lru = 0; lru < UNEV_NR_LRU_LISTS; lru++)
			fprintf(tl->out, ",node%u.%s", n, unev_lru_name(lru));
		fprintf(tl->out, ",node%u.nr_mlock", n);
	}
	for (size_t i = 0; i < tl->nr_memcgs; i++) {
		for (int lru = 0; lru < UNEV_NR_LRU_LISTS; lru++) {
			snprintf(name, sizeof(name), "memcg.%s.%s", tl->memcgs[i],
				 unev_lru_name(lru));
			fputc(',', tl->out);
			csv_write_field(tl->out, name);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(vmstat_columns); i++)
		fprintf(tl->out, ",%s", vmstat_columns[i]);
	for (size_t i = 0; i < ARRAY_SIZE(meminfo_columns); i++)
		fprintf(tl->out, ",%s_kB", meminfo_columns[i]);
	for (size_t i = 0; i < ARRAY_SIZE(event_columns); i++)
		fprintf(tl->out, ",%s", event_columns[i]);
	fputc('\n', tl->out);
}

int timeline_create(FILE *out, unsigned int nodes, const char *const *memcgs,
		    size_t nr_memcgs, struct timeline **tlp)
{
	struct timeline *tl;

	if (!nodes)
		return -EINVAL;
	tl = calloc(1, sizeof(*tl));
	if (!tl)
		return -ENOMEM;
	tl->out = out;
	tl->nodes = nodes;
	tl->memcgs = calloc(nr_memcgs ? nr_memcgs : 1, sizeof(*tl->memcgs));
	if (!tl->memcgs)
		goto nomem;
	for (; tl->nr_memcgs < nr_memcgs; tl->nr_memcgs++) {
		tl->memcgs[tl->nr_memcgs] = strdup(memcgs[tl->nr_memcgs]);
		if (!tl->memcgs[tl->nr_memcgs])
			goto nomem;
	}
	write_header(tl);
	*tlp = tl;
	return 0;
nomem:
	timeline_destroy(tl);
	return -ENOMEM;
}

static void write_value(FILE *out, int ret, uint64_t v)
{
	if (ret)
		fputc(',', out);	/* not there (yet): an empty cell */
	else
		fprintf(out, ",%llu", (unsigned long long)v);
}

int timeline_row(struct timeline *tl, const struct unev_machine *m, unsigned long line,
		 const char *text)
{
	uint64_t v = 0;
	int id, ret;

	fprintf(tl->out, "%lu,", line);
	csv_write_field(tl->out, text);
	for (unsigned int n = 0; n < tl->nodes; n++) {
		for (int lru = 0; lru < UNEV_NR_LRU_LISTS; lru++) {
			ret = unev_node_read(m, (int)n, unev_lru_name(lru), &v);
			write_value(tl->out, ret, v);
		}
		ret = unev_node_read(m, (int)n, "nr_mlock", &v);
		write_value(tl->out, ret, v);
	}
	for (size_t i = 0; i < tl->nr_memcgs; i++) {
		bool found = !unev_memcg_find(m, tl->memcgs[i], &id);

		for (int lru = 0; lru < UNEV_NR_LRU_LISTS; lru++) {
			/* memory.stat is in bytes; the timeline counts pages */
			ret = found ? unev_memcg_stat_read(m, id, unev_lru_name(lru), &v) : -ENOENT;
			write_value(tl->out, ret, v / UNEV_PAGE_SIZE);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(vmstat_columns); i++) {
		ret = unev_vmstat_read(m, vmstat_columns[i], &v);
		write_value(tl->out, ret, v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(meminfo_columns); i++) {
		ret = unev_meminfo_read(m, meminfo_columns[i], &v);
		write_value(tl->out, ret, v);
	}
	for (size_t i = 0; i < ARRAY_SIZE(event_columns); i++) {
		ret = unev_vmstat_read(m, event_columns[i], &v);
		write_value(tl->out, ret, v);
	}
	if (fputc('\n', tl->out) == EOF)
		return -EIO;
	return 0;
}

int timeline_destroy(struct timeline *tl)
{
	int ret = 0;

	if (!tl)
		return 0;
	if (fflush(tl->out) || ferror(tl->out))
		ret = -EIO;
	for (size_t i = 0; i < tl->nr_memcgs; i++)
		free(tl->memcgs[i]);
	free(tl->memcgs);
	free(tl);
	return ret;
}

int timeline_create_for_scenario(FILE *out, const struct scenario *s, struct timeline **tl)
{
	struct unev_machine_config cfg;
	const char **names;
	size_t n = 0;
	int ret;

	unev_machine_config_default(&cfg);
	names = calloc(s->nr_statements ? s->nr_statements : 1, sizeof(*names));
	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < s->nr_statements; i++) {
		const struct scenario_statement *st = &s->statements[i];

		if (st->kind == SCENARIO_MACHINE)
			cfg.nodes = st->machine.nodes;
		else if (st->kind == SCENARIO_MEMCG)
			names[n++] = st->memcg.name;
	}
	ret = timeline_create(out, cfg.nodes, names, n, tl);
	free(names);
	return ret;
}

int timeline_after_statement(void *ctx, const struct scenario_statement *st,
			     const struct unev_machine *m)
{
	return timeline_row(ctx, m, st->line, st->text);
}
