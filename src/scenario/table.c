/*
 * table.c - a growable array of named records with a hash index on the
 * name, for the scenario layer's tables (regions, check.c's name sets).
 * A scenario may bind 100,000 regions: a linear lookup per statement made
 * that quadratic (44 s; issue 13), this one is O(1) on average.
 */
#include "scenario.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* FNV-1a: short names, no adversary */
static uint64_t name_hash(const char *name)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 0x100000001b3ULL;
	return h;
}

static const char *item_name(const struct scenario_table *t, size_t i)
{
	return (const char *)t->items + i * t->item_size;
}

void scenario_table_init(struct scenario_table *t, size_t item_size)
{
	memset(t, 0, sizeof(*t));
	t->item_size = item_size;
}

/* The slot holding name, or the empty slot where it would go. */
static size_t slot_of(const struct scenario_table *t, const char *name)
{
	size_t mask = t->nr_slots - 1, s = (size_t)name_hash(name) & mask;

	while (t->slots[s] && strcmp(item_name(t, t->slots[s] - 1), name))
		s = (s + 1) & mask;
	return s;
}

/* Every record into the (cleared) index again. */
static void reindex(struct scenario_table *t)
{
	memset(t->slots, 0, t->nr_slots * sizeof(*t->slots));
	for (size_t i = 0; i < t->nr; i++)
		t->slots[slot_of(t, item_name(t, i))] = i + 1;
}

static int rehash(struct scenario_table *t, size_t nr_slots)
{
	size_t *slots = calloc(nr_slots, sizeof(*slots));

	if (!slots)
		return -ENOMEM;
	free(t->slots);
	t->slots = slots;
	t->nr_slots = nr_slots;
	reindex(t);
	return 0;
}

void *scenario_table_find(const struct scenario_table *t, const char *name)
{
	size_t s;

	if (!t->nr)
		return NULL;
	s = slot_of(t, name);
	return t->slots[s] ? scenario_table_at(t, t->slots[s] - 1) : NULL;
}

void *scenario_table_at(const struct scenario_table *t, size_t i)
{
	return (char *)t->items + i * t->item_size;
}

/* Room for n records without another allocation (a live run's tables,
 * sized before the baseline: live.c's live_own_pages_check). */
int scenario_table_reserve(struct scenario_table *t, size_t n)
{
	size_t nr_slots = t->nr_slots ? t->nr_slots : 16;

	if (n > t->cap) {
		void *items = realloc(t->items, n * t->item_size);

		if (!items)
			return -ENOMEM;
		t->items = items;
		t->cap = n;
	}
	while (nr_slots < 2 * (n + 1))
		nr_slots *= 2;
	if (nr_slots != t->nr_slots)
		return rehash(t, nr_slots);
	return 0;
}

void *scenario_table_get(struct scenario_table *t, const char *name, bool *added)
{
	void *item = scenario_table_find(t, name);
	size_t len = strlen(name);

	*added = false;
	if (item)
		return item;
	if (len >= SCENARIO_NAME_MAX || len >= t->item_size)
		return NULL;
	if (t->nr == t->cap &&
	    scenario_table_reserve(t, t->cap ? t->cap * 2 : 8))
		return NULL;
	/* at most half full: short probes */
	if (2 * (t->nr + 1) > t->nr_slots && rehash(t, t->nr_slots ? 2 * t->nr_slots : 16))
		return NULL;
	item = scenario_table_at(t, t->nr);
	memset(item, 0, t->item_size);
	memcpy(item, name, len + 1);
	t->slots[slot_of(t, name)] = ++t->nr;
	*added = true;
	return item;
}

/*
 * dst (initialised) becomes a copy of src, with src's room.  Where dst has
 * that room already (exec_reserve's spare tables: a live fork) nothing is
 * allocated.
 */
int scenario_table_copy(struct scenario_table *dst, const struct scenario_table *src)
{
	if (dst->item_size != src->item_size || dst->cap < src->nr ||
	    dst->nr_slots < src->nr_slots) {
		scenario_table_free(dst);
		dst->item_size = src->item_size;
		if (src->cap && scenario_table_reserve(dst, src->cap))
			return -ENOMEM;
	}
	if (src->nr)
		memcpy(dst->items, src->items, src->nr * src->item_size);
	dst->nr = src->nr;
	if (dst->nr_slots)
		reindex(dst);
	return 0;
}

void scenario_table_clear(struct scenario_table *t)
{
	t->nr = 0;
	if (t->slots)
		memset(t->slots, 0, t->nr_slots * sizeof(*t->slots));
}

void scenario_table_free(struct scenario_table *t)
{
	free(t->items);
	free(t->slots);
	scenario_table_init(t, t->item_size);
}
