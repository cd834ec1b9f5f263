/*
 * exec.h - the one statement loop of every executor (exec.c), its tables
 * of tasks, regions, files, shm segments and memcgs, and the backend
 * interface behind it.
 *
 * An executor is a backend: a table of operations (struct exec_ops) that
 * sets up the machine, a task, a file, a segment, a memcg; runs a call;
 * drains; reclaims; reads an expected value; prints.  The model's backend
 * (interp.c) turns a call into unev_sys_*, the live one (src/native) into a
 * message to a real process.  The loop does what both would otherwise
 * repeat: the result record of every statement (record.h), the last
 * call's result for `expect ok|errno`, the calls of a task the OOM killer
 * took (not run; a fork not run makes a dead child), and, for the model,
 * the summary and the rendering (render.c).
 *
 * Adding a call kind costs a parser case, a field of the call record, and
 * a case in each backend's call switch (interp.c run_call, live_call.c
 * live_run_call): the loop needs nothing.
 */
#ifndef SCENARIO_EXEC_H
#define SCENARIO_EXEC_H

#include "interp.h"
#include "record.h"
#include "scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct exec;
struct render;

/*
 * A task of the run.  A backend that keeps more per task (the live one:
 * its process's pidfd and socket...) makes this the first member of its
 * own record and says its size in exec_ops.task_size.  The table moves on
 * exec_add_task: a pointer into it is good until the next add.
 */
struct exec_task {
	char name[SCENARIO_NAME_MAX];	/* first: the table's key */
	int pid;			/* the model's pid, or the process's */
	unsigned int exit_line;		/* 0 while alive */
	/* the memcg OOM killer took it at exit_line: its later calls are not
	 * run (a program's calls after its death never happen) */
	bool killed;
	const char *victim;	/* the task the OOM killer took: this one, or
				 * the parent of a fork not run */
	struct scenario_table regions;	/* of struct scenario_region */
	/* `brk` binds [heap_start, break): the break before the first brk */
	bool heap_known;
	uint64_t heap_start;
};

/* A file, a shm segment or a memcg: the scenario's name, the backend's
 * number for it (model: ino, shmid, memcg id; live: its shmid...). */
struct exec_object {
	char name[SCENARIO_NAME_MAX];	/* first: the table's key */
	int id;
	uint64_t size;		/* a file's, a segment's; a memcg's limit */
	const struct scenario_statement *st;	/* that declared it */
};

/* room in exec_ops.statement for every enum scenario_statement_kind */
#define EXEC_NR_STATEMENT_KINDS 32
_Static_assert(SCENARIO_PRINT < EXEC_NR_STATEMENT_KINDS, "exec_ops.statement[] too small");

enum exec_objects {
	EXEC_FILES,
	EXEC_SHMS,
	EXEC_MEMCGS,
	EXEC_NR_OBJECTS,
};

/*
 * A backend.  Each statement hook returns 0, a negative errno (the run
 * fails: the message is in the run's err), or a positive number: the run
 * stops at this statement (exec_stop) and ends without an error.  Adding a
 * statement kind costs an entry in statement[] of each backend that runs
 * it.  A NULL hook of a statement that makes something (machine, task, file, shm,
 * memcg) or prints means there is nothing to do at it (the live backend
 * makes them all before the first statement, and prints nothing); of any
 * other statement, that the backend does not run it: the run stops there,
 * "'STATEMENT' is not supported by the NAME yet".
 */
struct exec_ops {
	const char *name;	/* "model", "live side": in messages */
	size_t task_size;	/* >= sizeof(struct exec_task) */
	/* a task record just added (zeroed, named): the backend's fields */
	void (*task_init)(struct exec *x, struct exec_task *t);
	/* before each statement; >0 stops the run there (nothing recorded) */
	int (*before_statement)(struct exec *x, const struct scenario_statement *st);
	/* after each statement that ran */
	int (*after_statement)(struct exec *x, const struct scenario_statement *st);
	/*
	 * The statements the backend runs itself, by kind (all but call and
	 * expect, which the loop runs through call and expect below).
	 */
	int (*statement[EXEC_NR_STATEMENT_KINDS])(struct exec *x,
						  const struct scenario_statement *st);
	/*
	 * Run a call of a live task (the loop has handled a killed caller):
	 * *result is the kernel's 0 or -errno.  A caller the OOM killer took
	 * in the call is marked by exec_task_killed (here or in sweep).
	 */
	int (*call)(struct exec *x, const struct scenario_statement *st, int *result);
	/* after each call: mark the tasks that died meanwhile (exec_task_killed) */
	int (*sweep)(struct exec *x, const struct scenario_statement *st);
	/*
	 * `expect SOURCE ...` other than ok|errno, of a task not killed: fill
	 * the statement's record o (OUTCOME_VALUE and its value, or what the
	 * backend can say instead).
	 */
	int (*expect)(struct exec *x, const struct scenario_statement *st, struct outcome *o);
	/*
	 * /proc/PID/pagemap of t's pages [start, start + nr pages): out[i] the
	 * frame of page i or EXEC_PFN_NONE (not present); 0 or -errno.  The
	 * loop snapshots every region's before a `compact` and answers
	 * `expect TASK pagemap` with it; NULL: the backend cannot read frames.
	 */
	int (*frames)(struct exec *x, struct exec_task *t, uint64_t start, uint64_t nr,
		      uint64_t *out);
};

#define EXEC_PFN_NONE UINT64_MAX
/* the pages of every region one snapshot holds, and one region's read */
#define EXEC_MAX_FRAMES 65536

/* A region's frames when the last `compact` began. */
struct exec_frames {
	char task[SCENARIO_NAME_MAX], region[SCENARIO_NAME_MAX];
	uint64_t start, nr;	/* its pages [start, start + nr pages) */
	size_t off;		/* in exec.frames */
};

struct exec {
	const struct scenario *s;
	const struct exec_ops *ops;
	/* one record per statement; NULL: nobody reads them (`unevict run`),
	 * and the loop keeps only the last call's and the current one's */
	struct outcome *out;
	struct outcome scratch_call, scratch;
	struct scenario_table tasks;	/* of ops->task_size */
	struct scenario_table objects[EXEC_NR_OBJECTS];	/* of struct exec_object */
	/* exec_reserve's region tables for the tasks still to come */
	struct scenario_table *spare;
	size_t nr_spare;
	/* the previous call, for `expect ok|errno` */
	int last_err;			/* 0 or -errno */
	bool last_not_run;		/* its task was dead */
	bool last_killed;		/* its task died in it */
	const struct outcome *last_call;	/* its record */
	/* exec_stop records why in the statement's outcome and returns 1
	 * (live), or writes "FILE:LINE: message" to err and returns -EINVAL */
	bool stop_in_record;
	char *err;
	size_t errlen;
	/* the frames of every region at the last `compact`, when the scenario
	 * expects `pagemap` (made by exec_reserve or the first compact) */
	uint64_t *frames, *frames_now;
	struct exec_frames *snap;
	size_t nr_snap, cap_snap, nr_frames;
	/* the model's: what `unevict run` says (NULL: nothing) */
	struct render *rd;
	struct scenario_run_summary *sum;
};

/* Set x up for s (tables empty; out: NULL or s->nr_statements records,
 * zeroed). */
void exec_init(struct exec *x, const struct scenario *s, const struct exec_ops *ops,
	       struct outcome *out, char *err, size_t errlen);
void exec_free(struct exec *x);
/*
 * Room, made now, for every task and object the scenario can make and for
 * `regions` regions in each task: a live run allocates nothing once its
 * baseline is read (a page the driver faults would be counted: live.c).
 * 0, -ENOMEM.
 */
int exec_reserve(struct exec *x, size_t regions);
/* Every statement in order, until one fails or stops the run. */
int exec_run(struct exec *x);

/* Statement st's record. */
struct outcome *exec_record(struct exec *x, const struct scenario_statement *st);
/*
 * The run cannot go on at st (a task or region the scenario names is not
 * there at run time): see stop_in_record.
 */
int exec_stop(struct exec *x, const struct scenario_statement *st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* ---- tasks and regions ---- */
struct exec_task *exec_find_task(struct exec *x, const char *name);
/* The i-th task (in order of creation). */
struct exec_task *exec_task_at(const struct exec *x, size_t i);
size_t exec_nr_tasks(const struct exec *x);
/* t's place in the table, for finding it again after an add */
size_t exec_task_index(const struct exec *x, const struct exec_task *t);
/* A new task record: zeroed, named, task_init'ed; NULL when out of memory.
 * Every pointer into the table may have moved. */
struct exec_task *exec_add_task(struct exec *x, const char *name, int pid);
/*
 * The task a statement names, alive: a fork that failed at run time
 * leaves a name without a task, which only the run can find.  NULL with
 * *ret set (exec_stop) when it is not.
 */
struct exec_task *exec_alive_task(struct exec *x, const struct scenario_statement *st,
				  const char *name, int *ret);
/* The memcg OOM killer took t during statement st. */
void exec_task_killed(struct exec_task *t, const struct scenario_statement *st);
/* Copy parent's regions and heap into child (a fork). */
int exec_task_copy(struct exec_task *child, const struct exec_task *parent);

struct scenario_region *exec_find_region(struct exec_task *t, const char *name);
/* The region st needs, bound: NULL with *ret set (exec_stop) when not. */
struct scenario_region *exec_bound_region(struct exec *x, const struct scenario_statement *st,
					  struct exec_task *t, const char *name, int *ret);
/* Bind name to [addr, addr + len): 0 or -ENOMEM. */
int exec_bind_region(struct exec_task *t, const char *name, uint64_t addr, uint64_t len);
size_t exec_nr_regions(const struct exec_task *t);
struct scenario_region *exec_region_at(const struct exec_task *t, size_t i);
/* The address and length a call on its region [OFF LEN] passes. */
void exec_call_range(const struct scenario_call *c, const struct scenario_region *reg,
		     uint64_t *addr, uint64_t *len);

/* ---- files, shm segments, memcgs ---- */
struct exec_object *exec_find_object(struct exec *x, enum exec_objects kind, const char *name);
/* Its index in order of declaration, -1 when there is none. */
int exec_object_index(struct exec *x, enum exec_objects kind, const char *name);
struct exec_object *exec_object_at(const struct exec *x, enum exec_objects kind, size_t i);
size_t exec_nr_objects(const struct exec *x, enum exec_objects kind);
/* 0, -ENOMEM */
int exec_add_object(struct exec *x, enum exec_objects kind, const struct scenario_statement *st,
		    const char *name, int id, uint64_t size);

/* ---- a call's arguments: the kernel's ABI values (include/unevict.h's
 * UNEV_* are the uapi numbers, so the model and a real process pass the
 * same), one table for every backend (call_args.c) ---- */
int exec_prot(int scenario_prot);
int exec_advice(enum scenario_advice advice);
int exec_shmctl_cmd(enum scenario_shmctl_op op);
/* mmap's flags, MAP_ANONYMOUS unless it maps a file */
int exec_mmap_flags(const struct scenario_call *c);
int exec_mmap_driver(const struct scenario_call *c);
unsigned int exec_mbind_flags(const struct scenario_call *c);
int exec_mlock2_flags(const struct scenario_call *c);
int exec_mlockall_flags(const struct scenario_call *c);
int exec_mremap_flags(const struct scenario_call *c);
/* mmap align=SIZE: the length the program maps (0: LEN cannot be so
 * over-mapped); then, for the address @addr it got, where the aligned
 * mapping starts and the head and tail it unmaps (call_args.c) */
uint64_t exec_align_map_len(const struct scenario_call *c);
uint64_t exec_align_trim(const struct scenario_call *c, uint64_t addr, uint64_t *head,
			 uint64_t *tail);

#endif /* SCENARIO_EXEC_H */
