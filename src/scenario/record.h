/*
 * record.h - what one executor observed at one statement: the result
 * records every executor writes straight into memory (the model in
 * interp.c, the live kernel in src/native/live*.c), one per statement,
 * and conform compares (src/conform/judge.c).  A call's result is the
 * kernel's: 0 or -errno; errno names are only text.
 */
#ifndef SCENARIO_RECORD_H
#define SCENARIO_RECORD_H

#include <stdbool.h>
#include <stdint.h>

enum outcome_kind {
	OUTCOME_NONE = 0,	/* nothing to compare: machine, task, drain, print */
	OUTCOME_ERRNO,		/* a call, or `expect ok|errno`: 0 or an errno */
	OUTCOME_VALUE,		/* an expectation's value, in its file's unit */
	OUTCOME_MODEL_ONLY,	/* the model's value of what only it can see (lru) */
	/* live only: the value includes the task's own program image, which
	 * the model's tasks do not have (the mlockall rule, CONFORM.md) */
	OUTCOME_IMAGE,
	OUTCOME_ERROR,		/* the executor stopped at this statement */
	/*
	 * A call whose task was killed before it returned: the memcg OOM
	 * killer chose the caller (live: SIGKILL, no reply; model: ENOMEM
	 * from the charge and an oom_kill event for the call).  `expect ok`
	 * or `expect errno` after it carries the same outcome.
	 */
	OUTCOME_KILLED,
	/*
	 * A call of a task the OOM killer took at an earlier statement (or
	 * of the child of a fork not run): a program's calls after its death
	 * never happen.  `expect ok|errno` after it carries the same outcome.
	 */
	OUTCOME_NOT_RUN,
};

struct outcome {
	enum outcome_kind kind;
	int err;		/* OUTCOME_ERRNO: 0 or -errno */
	int64_t value;		/* OUTCOME_VALUE, OUTCOME_MODEL_ONLY, OUTCOME_IMAGE */
	/* live mlockall(MCL_CURRENT) without CAP_IPC_LOCK: what the kernel's
	 * `total_vm > RLIMIT_MEMLOCK` check saw, in pages */
	bool vm_measured;
	uint64_t total_pages, image_pages, limit_pages;
	/* a live call RLIMIT_MEMLOCK may refuse (mmap, mremap, mlock, mlock2)
	 * once an mlockall(MCL_CURRENT) has locked a task's image: locked_vm
	 * (VmLck), the image's VM_LOCKED part and what the call asks, in pages
	 * (image_limit.c) */
	bool lock_measured;
	uint64_t locked_pages, image_locked_pages, request_pages;
	char note[256];		/* why, for IMAGE and ERROR */
};

#endif /* SCENARIO_RECORD_H */
