/*
 * regions.c - the trace-address map of one process (regions.h).
 */
#include "regions.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t region_map_find(const struct region_map *map, uint64_t addr)
{
	size_t lo = 0, hi = map->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (map->v[mid].end > addr)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int region_map_reserve(struct region_map *map, size_t more)
{
	if (map->nr + more > map->cap) {
		size_t cap = map->cap ? map->cap * 2 : 16;
		struct region_piece *v;

		while (cap < map->nr + more)
			cap *= 2;
		v = realloc(map->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		map->v = v;
		map->cap = cap;
	}
	return 0;
}

int region_map_split(struct region_map *map, uint64_t addr)
{
	size_t i = region_map_find(map, addr);
	struct region_piece *p;

	if (i == map->nr || map->v[i].start >= addr)
		return 0;
	if (region_map_reserve(map, 1))
		return -ENOMEM;
	p = &map->v[i];
	memmove(p + 1, p, (map->nr - i) * sizeof(*p));
	map->nr++;
	p[0].end = addr;
	p[1].model_start += addr - p[1].start;
	p[1].start = addr;
	return 0;
}

int region_map_insert(struct region_map *map, const struct region_piece *p)
{
	size_t i = region_map_find(map, p->start);

	if (region_map_reserve(map, 1))
		return -ENOMEM;
	memmove(&map->v[i + 1], &map->v[i], (map->nr - i) * sizeof(*p));
	map->v[i] = *p;
	map->nr++;
	return 0;
}

void region_map_remove(struct region_map *map, size_t first, size_t n)
{
	memmove(&map->v[first], &map->v[first + n], (map->nr - first - n) * sizeof(*map->v));
	map->nr -= n;
}

int region_map_copy(struct region_map *dst, const struct region_map *src)
{
	dst->nr = 0;
	if (region_map_reserve(dst, src->nr))
		return -ENOMEM;
	if (src->nr)
		memcpy(dst->v, src->v, src->nr * sizeof(*src->v));
	dst->nr = src->nr;
	return 0;
}

void region_map_free(struct region_map *map)
{
	free(map->v);
	map->v = NULL;
	map->nr = map->cap = 0;
}

bool region_map_covers(const struct region_map *map, uint64_t start, uint64_t end)
{
	size_t i = region_map_find(map, start);
	uint64_t at = start;

	for (; i < map->nr && at < end; i++) {
		if (map->v[i].start > at)
			return false;
		at = map->v[i].end;
	}
	return at >= end;
}
