/*
 * regions.h - a process's map from the trace's addresses to regions.
 *
 * A sorted array of non-overlapping pieces, looked up by binary search:
 * each piece is [start, end) of the trace's addresses, a region, and the
 * model's address of start.  Pieces split where a call covers part of one,
 * as the kernel splits a VMA (__split_vma), so later calls resolve to the
 * right offset however the program carved its mappings.
 */
#ifndef UNEV_REPLAY_REGIONS_H
#define UNEV_REPLAY_REGIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct region_piece {
	uint64_t start, end;	/* the trace's addresses */
	uint64_t model_start;	/* the model's address of start */
	uint32_t region;	/* index in the replay's region table */
};

struct region_map {
	struct region_piece *v;
	size_t nr, cap;
};

/* Index of the first piece with end > addr (nr if none). */
size_t region_map_find(const struct region_map *map, uint64_t addr);
/* Split the piece holding @addr (if any, and not at its start) in two. */
int region_map_split(struct region_map *map, uint64_t addr);
/* Insert a piece that overlaps no other. */
int region_map_insert(struct region_map *map, const struct region_piece *p);
/* Remove pieces [first, first + n). */
void region_map_remove(struct region_map *map, size_t first, size_t n);
int region_map_copy(struct region_map *dst, const struct region_map *src);
void region_map_free(struct region_map *map);
/* Whether [start, end) is covered by pieces without a hole. */
bool region_map_covers(const struct region_map *map, uint64_t start, uint64_t end);

#endif
