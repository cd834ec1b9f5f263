/*
 * replay_internal.h - what the files of the replay share: the state of a
 * replay (struct replay), its processes, regions, files and segments.
 *
 *   replay.c   the run: options, files named, the loop, the final state
 *   report.c   counting, checking results against the trace, emitting .uvs
 *   space.c    processes, regions and the trace-address map's edits
 *   calls.c    each system call on the model
 */
#ifndef UNEV_REPLAY_INTERNAL_H
#define UNEV_REPLAY_INTERNAL_H

#include "regions.h"
#include "replay.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PAGE 4096ULL
#define PAGE_DOWN(a) ((a) & ~(PAGE - 1))
#define PAGE_UP(a) (((a) + PAGE - 1) & ~(PAGE - 1))
#define MODEL_TASK_SIZE (1ULL << 47)

#define T_MAP_SHARED 0x01
#define T_MAP_PRIVATE 0x02
#define T_MAP_FIXED 0x10
#define T_MAP_ANONYMOUS 0x20
#define T_MAP_LOCKED 0x2000
#define T_MAP_POPULATE 0x8000
#define T_MAP_HUGETLB 0x40000
#define T_MAP_FIXED_NOREPLACE 0x100000
#define T_CLONE_VM 0x100
#define T_CLONE_VFORK 0x4000
#define T_IPC_PRIVATE 0
#define T_SHM_RDONLY 010000

/* REGION_LEFT: the range MREMAP_DONTUNMAP leaves behind (mapped, empty),
 * which no statement of the scenario language can name. */
enum region_kind { REGION_ANON, REGION_FILE, REGION_SHM, REGION_HEAP, REGION_LEFT };

struct region {
	uint64_t model_base;	/* what the model's mmap/shmat returned */
	uint64_t len;		/* the length the scenario's region has */
	uint32_t name;		/* r<name>; 0 = the heap ("brk") */
	uint32_t refs;		/* pieces in every process */
	enum region_kind kind;
	int file;		/* REGION_FILE: index in files */
	int shm;		/* REGION_SHM: index in shms */
};

struct file {
	int ino;
	int path;		/* index in the trace's paths */
	uint64_t size;
	const char *size_from;
	enum unev_fs fs;
};

struct shm {
	uint64_t trace_id, key;
	int model_id;
	uint64_t size;
	unsigned int name;
	bool removed;
};

struct process {		/* a model task: one mm */
	char name[16];
	int model_pid;
	unsigned int users;	/* the trace's pids using it */
	bool alive;
	char pids[64];
	struct region_map map;
	bool heap_known;
	uint64_t heap_start, heap_end;	/* the trace's break */
	uint64_t model_heap_start, model_heap_end;
	int heap_region;	/* -1 until the heap is a region */
};

struct pid_slot {
	int pid;		/* 0 free; the trace's pid 0 (no -f) is kept as -1 */
	int proc;
};

struct replay {
	const char *name;
	const struct trace *t;
	const struct replay_options *o;
	struct replay_report *rep;
	struct unev_machine *m;
	int memcg;
	struct process *procs;
	size_t nr_procs, cap_procs;
	struct pid_slot *pids;
	size_t pids_cap, pids_nr;
	struct region *regions;
	size_t nr_regions, cap_regions;
	uint32_t *free_names;
	size_t nr_free_names, cap_free_names;
	uint32_t next_name;
	/* The files mapped: the trace's -y paths, then names made for the
	 * files of a trace without -y ("fd 3 of pid 7, file 2"). */
	char **names;
	size_t nr_names, nr_made;
	int *call_file;		/* per record: index in names, -1 */
	int *file_of_path;	/* per name: index in files, -1 */
	struct file *files;
	size_t nr_files;
	uint64_t *path_extent;	/* per name: the largest off + len mapped */
	struct shm *shms;
	size_t nr_shms, cap_shms;
	unsigned int next_task, next_file, next_shm;
	const struct trace_call *c;	/* the call being replayed */
	bool oom;		/* a memcg limit is set: tasks may be killed */
};

/* One step of a range call: the model's [model_start, +len) in one region. */
struct segment {
	uint64_t model_start, len;
	uint32_t region;
};

struct segments {
	struct segment *v;
	size_t nr, cap;
};

int replay_nomem(void);
int replay_grow(void **v, size_t *cap, size_t need, size_t size);
int replay_count_unmodelled(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int replay_check_result(struct replay *r, int model_ret, int pid);
int replay_check_against(struct replay *r, int model_ret, int trace_err, int pid);
int replay_add_divergence(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void replay_emit(struct replay *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void replay_emit_expect(struct replay *r, int ret);
void replay_region_name(const struct replay *r, uint32_t region, char *buf, size_t n);
const char *replay_prot_word(int prot, char *buf);
struct pid_slot *replay_pid_slot(struct replay *r, int pid, bool insert);
void replay_add_pid_text(struct process *p, int pid);
int replay_new_process(struct replay *r, int *out);
int replay_create_task(struct replay *r, int *out);
int replay_proc_of(struct replay *r, int pid, struct process **out);
int replay_new_region(struct replay *r, enum region_kind kind, uint64_t model_base,
		      uint64_t len, uint32_t *out);
int replay_region_unref(struct replay *r, uint32_t region, uint32_t n);
int replay_map_insert(struct replay *r, struct process *p, uint64_t start, uint64_t end,
		      uint64_t model_start, uint32_t region);
int replay_map_split(struct replay *r, struct process *p, uint64_t addr);
int replay_resolve(struct replay *r, struct process *p, uint64_t start, uint64_t end,
		   bool split, struct segments *segs, bool *hole, size_t *first, size_t *n);
void replay_emit_range(struct replay *r, const struct segment *s);
bool replay_can_say(struct replay *r, uint32_t region);
int replay_unmap_range(struct replay *r, struct process *p, uint64_t start, uint64_t end,
		       int *first_err);
int replay_file_for_path(struct replay *r, int path, int *out);
int replay_call(struct replay *r, const struct trace_call *c);
int replay_drop_map(struct replay *r, struct process *p);

#endif
