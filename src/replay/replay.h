/*
 * replay.h - `unevict replay`: a program's recorded system calls, run on
 * the model (src/replay).
 *
 * A trace (strace.h) names addresses the live kernel chose; the model
 * chooses its own.  So every mapping the trace creates becomes a region,
 * and the replay keeps, per process, a sorted map from the trace's
 * addresses to pieces of regions (regions.c): a later call on an address
 * is resolved to region + offset, and a call on part of a region splits
 * the piece, as the kernel splits a VMA.  The model is driven through the
 * public API only (unevict.h), so its speed is the model's.
 */
#ifndef UNEV_REPLAY_H
#define UNEV_REPLAY_H

#include "strace.h"

#include <unevict.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum replay_touch {
	REPLAY_TOUCH_NONE,	/* strace sees no page touch: assume none */
	REPLAY_TOUCH_WRITTEN,	/* every writable mapping fully written when made */
};

struct replay_options {
	struct unev_machine_config machine;
	struct unev_task_config task;	/* every process's credentials and rlimit */
	bool memcg;			/* replay into a memcg "replay" ... */
	uint64_t memcg_limit;		/* ... with this limit (bytes) */
	enum replay_touch touch;
	uint64_t until_usec;		/* replay calls completed before; UINT64_MAX */
	uint32_t until_line;		/* replay calls started before; 0 = all */
	FILE *emit;			/* --emit-uvs: the equivalent scenario */
	FILE *timeline;			/* --timeline: a CSV row after every call */
	const char *machine_text;	/* the `machine` options as given, for emit */
	char kernel[32];		/* machine.kernel points here when given */
	bool trace_file_sizes;		/* size files from the trace only, never stat() */
	bool want_smaps;		/* keep each live process's smaps text */
	/* Called every 65536 calls with (done, total), when not NULL. */
	void (*progress)(void *ctx, size_t done, size_t total);
	void *progress_ctx;
};

/* Machine and task defaults: SCENARIO.md's machine, and the task a root
 * program would be (CAP_IPC_LOCK, RLIMIT_MEMLOCK 8M). */
void replay_options_default(struct replay_options *o);

struct replay_count {
	char *name;		/* "mprotect (outside the traced regions)" */
	uint64_t count;
};

struct replay_divergence {
	uint32_t line;
	char *text;
};

struct replay_region_view {
	uint64_t start, end;	/* the trace's addresses */
	uint64_t model_start;
	char name[16];		/* r1, brk, ... (the emitted scenario's name) */
	const char *what;	/* "anon", "shm", "heap" or the file's path (the
				 * trace's: valid while the trace is) */
};

struct replay_process {
	char name[16];		/* t1, t2... as in the emitted scenario */
	int model_pid;
	char pids[64];		/* the trace's pids that used this mm */
	bool alive;
	uint64_t vmlck_kb, locked_kb;	/* at the end of the replay */
	struct replay_region_view *regions;
	size_t nr_regions;
	char *smaps;		/* the model's /proc/PID/smaps, with want_smaps */
};

struct replay_file_view {
	char *path;
	uint64_t size;
	const char *size_from;	/* "this host's file", "the trace's largest mapping" */
	const char *fs;
};

struct replay_report {
	uint32_t lines;
	uint64_t calls;		/* system calls in the trace (replayed or not) */
	uint64_t replayed;	/* run on the model */
	uint64_t agreeing, diverging, unchecked;
	uint64_t not_modelled;
	struct replay_count *unmodelled;	/* by name, in first-seen order */
	size_t nr_unmodelled;
	struct replay_divergence *divergences;	/* the first REPLAY_MAX_DIVERGENCES */
	size_t nr_divergences;
	struct replay_process *procs;
	size_t nr_procs;
	struct replay_file_view *files;
	size_t nr_files;
	bool emit_inexact;	/* a step the scenario language cannot say */
	uint64_t vmstat_mlocked, vmstat_munlocked, meminfo_mlocked_kb;
};
#define REPLAY_MAX_DIVERGENCES 100

/*
 * Replay @t on a new machine.  0 with *out set (replay_report_free), or
 * -errno with a message in err (the machine cannot be made, no memory).
 * Divergences are results, not errors.
 */
int replay_run(const char *name, const struct trace *t, const struct replay_options *o,
	       struct replay_report **out, char *err, size_t errlen);
void replay_report_free(struct replay_report *r);

#endif
