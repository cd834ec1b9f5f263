/*
 * strace.h - reading strace's text output into system-call records.
 *
 * The input is what `strace -f -tt -e trace=memory,ipc,process -o TRACE
 * PROGRAM` writes (strace 6.x, Debian): a line per call, prefixed by the
 * pid (-f) and the time of day (-tt); calls interrupted by another pid's
 * line are split into "NAME(ARGS <unfinished ...>" and "<... NAME
 * resumed>REST"; -y adds "<path>" after a file descriptor; -X raw/verbose
 * prints flags as numbers (with their names in a comment); "+++ exited
 * with N +++" and "--- SIGxxx {...} ---" are process events.
 *
 * strace_parse() joins the pairs and returns the records in the order the
 * replay runs them: a call when it completed (its result line), except
 * clone/fork/vfork, which run where they started, since the child's own
 * lines may come before its parent's "resumed" line.
 */
#ifndef UNEV_REPLAY_STRACE_H
#define UNEV_REPLAY_STRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum trace_sys {
	TRACE_OTHER = 0,	/* a call the replay does not model */
	TRACE_MMAP,
	TRACE_MUNMAP,
	TRACE_BRK,
	TRACE_MPROTECT,
	TRACE_MREMAP,
	TRACE_MADVISE,
	TRACE_MLOCK,
	TRACE_MLOCK2,
	TRACE_MUNLOCK,
	TRACE_MLOCKALL,
	TRACE_MUNLOCKALL,
	TRACE_SHMGET,
	TRACE_SHMAT,
	TRACE_SHMDT,
	TRACE_SHMCTL,
	TRACE_CLONE,
	TRACE_CLONE3,
	TRACE_FORK,
	TRACE_VFORK,
	TRACE_EXECVE,
	TRACE_EXECVEAT,
	TRACE_EXIT,
	TRACE_EXIT_GROUP,
	TRACE_NR_SYS,
	/* process events, not calls */
	TRACE_EV_EXITED = TRACE_NR_SYS,	/* +++ exited with N / killed by SIG +++ */
	TRACE_EV_SIGNAL,		/* --- SIGxxx --- */
	TRACE_EV_ORPHAN,		/* a "resumed" line without its start */
};

#define TRACE_MAX_ARGS 6

struct trace_call {
	uint32_t line;		/* the line the call started on */
	int pid;		/* 0 when the trace has no pids (no -f) */
	uint16_t sys;		/* enum trace_sys */
	uint16_t name;		/* index in trace->names (the call's name) */
	uint8_t nargs;
	bool ret_unknown;	/* "= ?": no result (exit, a killed call) */
	bool bad_args;		/* an argument the reader could not parse */
	bool pending;		/* started, never resumed in the trace */
	int err;		/* "= -1 ENAME": the errno; 0 on success */
	int path;		/* mmap: -y path of the fd (index in paths), -1 */
	uint64_t ret;
	uint64_t usec;		/* time of day it completed, -1 when unknown */
	uint64_t arg[TRACE_MAX_ARGS];
};

struct trace {
	struct trace_call *calls;
	size_t nr_calls, cap_calls;
	uint32_t nr_lines;
	bool cut_last_line;	/* the text ends inside a line that does not read:
				 * strace was stopped while writing it; ignored */
	char **names;		/* call names, TRACE_* first */
	size_t nr_names, cap_names;
	char **paths;		/* -y paths */
	size_t nr_paths, cap_paths;
};

/*
 * Parse @len bytes of strace output.  0 with *out set (free it with
 * trace_free), or -EINVAL with "NAME:LINE: message" in err for a line that
 * is not strace output, -ENOMEM.
 */
int strace_parse(const char *name, const char *text, size_t len, struct trace **out,
		 char *err, size_t errlen);
void trace_free(struct trace *t);
const char *trace_sys_name(enum trace_sys sys);
/* "HH:MM:SS[.frac]" as microseconds since midnight; -EINVAL. */
int trace_parse_time(const char *s, uint64_t *usec);

#endif
