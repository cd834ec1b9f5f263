/*
 * protocol.h - what the conform driver and a live task say to each other.
 *
 * Each live task is a process running the static helper
 *
 *	unevict-task FD BUFSIZE MEMFD [FILEFD...]
 *
 * (src/native/task/unevict_task.c).  FD is its end of a SOCK_SEQPACKET
 * socketpair with the driver: one command in, one reply out, so every
 * scenario call is made by the right process, on its CPU, in order.
 * BUFSIZE is the size of the buffer read and write use (0: none); MEMFD
 * is a memfd the driver made for the task and holds to the end of the run,
 * where the helper keeps everything it writes while serving (its state,
 * its stack, the buffer: shared, so a fork copies none of it); each
 * FILEFD is the scenario's file number i (from 0), opened O_RDWR before
 * the helper started, kept across fork and exec.
 *
 * The structs are fixed-size and carry no pointers: the helper reads them
 * straight into buffers it faulted in at start, so serving a command
 * allocates nothing (the driver must not disturb what it measures).
 */
#ifndef NATIVE_PROTOCOL_H
#define NATIVE_PROTOCOL_H

#include <stdint.h>

/* The helper's file name, looked for next to the unevict binary. */
#define NATIVE_TASK_HELPER "unevict-task"
#define NATIVE_PROTOCOL_MAGIC 0x746e7675u /* "uvnt" */

enum native_op {
	/* task -> driver, unasked: up and ready, after start, exec and fork */
	NATIVE_OP_HELLO = 1,
	/* len, arg1 = prot, arg2 = flags, arg3 = file i + 1 (0: anonymous),
	 * addr = file offset, arg4 = address (MAP_FIXED) -> value = address */
	NATIVE_OP_MMAP,
	NATIVE_OP_MUNMAP,	/* addr, len */
	NATIVE_OP_MLOCK,	/* addr, len */
	NATIVE_OP_MLOCK2,	/* addr, len, arg1 = flags */
	NATIVE_OP_MUNLOCK,	/* addr, len */
	NATIVE_OP_MLOCKALL,	/* arg1 = flags */
	NATIVE_OP_MUNLOCKALL,
	NATIVE_OP_MPROTECT,	/* addr, len, arg1 = prot */
	/* addr, len, arg1 = new len, arg2 = flags, arg3 = new address -> value */
	NATIVE_OP_MREMAP,
	NATIVE_OP_MADVISE,	/* addr, len, arg1 = advice */
	NATIVE_OP_TOUCH,	/* addr, len, arg1 = write; a fault is EFAULT */
	/* the child's socket comes with the command (SCM_RIGHTS); the child
	 * says HELLO on it, the parent replies with pid = the child's */
	NATIVE_OP_FORK,
	NATIVE_OP_EXIT,		/* no reply: the driver waits on a pidfd */
	NATIVE_OP_EXEC,		/* no reply on success: HELLO from the new image */
	/* sbrk(arg1), negative if arg2: value = new break, value2 = old */
	NATIVE_OP_BRK,
	NATIVE_OP_PREAD,	/* arg1 = file i, addr = offset, len */
	NATIVE_OP_PWRITE,	/* arg1 = file i, addr = offset, len */
	NATIVE_OP_FTRUNCATE,	/* arg1 = file i, len = size */
	NATIVE_OP_PUNCH,	/* arg1 = file i, addr = offset, len: a hole */
	NATIVE_OP_SHMAT,	/* arg1 = shmid, arg2 = shmflg -> value = address */
	NATIVE_OP_SHMDT,	/* addr */
	NATIVE_OP_SHMCTL,	/* arg1 = shmid, arg2 = cmd */
	/* mincore of addr, len a chunk at a time into the slot's vector ->
	 * value = the pages reported resident (also on failure: those before) */
	NATIVE_OP_MINCORE,
	NATIVE_OP_MSYNC,	/* addr, len, arg1 = flags */
	/* setrlimit(RLIMIT_MEMLOCK): soft = arg1, hard = arg2 if arg3, else the
	 * hard limit getrlimit reads (RLIM_INFINITY: none) */
	NATIVE_OP_SETRLIMIT,
	/* grow the stack by arg1 bytes below arg2 (0: the split page's start),
	 * a page at a time -> value = its new start, value2 = its end (also on
	 * failure: EFAULT, the fault the kernel refused) */
	NATIVE_OP_GROW_STACK,
	/* move_pages(0, ...) of every page [addr, addr + len) touches to node
	 * arg1, a chunk of the slot's arrays at a time -> value = the pages
	 * not migrated (the sum of every chunk's value) */
	NATIVE_OP_MOVE_PAGES,
	/* memfd_secret(0), ftruncate to len, mmap of it as NATIVE_OP_MMAP
	 * (arg1 = prot, arg2 = flags, arg4 = address), close -> value =
	 * address; the first error */
	NATIVE_OP_MMAP_SECRETMEM,
	/* a device's buffer: arg3 = 1 perf_event_open of a software dummy
	 * event of the task, 2 io_uring_setup of 4 entries; then an mmap of
	 * its ring (offset 0, IORING_OFF_SQ_RING) as NATIVE_OP_MMAP (arg1 =
	 * prot, arg2 = flags, arg4 = address), close -> value = address; the
	 * first error */
	NATIVE_OP_MMAP_DRIVER,
	/* mbind(addr, len, MPOL_BIND, {arg1}, arg2 = MPOL_MF_* flags) */
	NATIVE_OP_MBIND,
};

struct native_cmd {
	uint32_t magic;
	uint32_t op;
	uint64_t addr, len;
	uint64_t arg1, arg2, arg3, arg4;
};

struct native_reply {
	uint32_t magic;
	uint32_t op;
	int32_t err;	/* 0 or the errno a program would see */
	int32_t pid;	/* HELLO: the task's pid; FORK: the child's */
	uint64_t value;
	uint64_t value2;
};

#endif /* NATIVE_PROTOCOL_H */
