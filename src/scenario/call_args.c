/*
 * call_args.c - a call's arguments as the kernel's ABI numbers, for every
 * backend (exec.h).  include/unevict.h's UNEV_* constants are the uapi
 * values (asm-generic/mman-common.h, mman.h, shm.h, ipc.h), so the model's
 * unev_sys_* and a real process's system call take the same numbers; the
 * live side checks that its libc agrees at compile time (live_call.c).
 */
#include "exec.h"

#include <unevict.h>

int exec_prot(int prot)
{
	return (prot & SCENARIO_PROT_READ ? UNEV_PROT_READ : 0) |
	       (prot & SCENARIO_PROT_WRITE ? UNEV_PROT_WRITE : 0) |
	       (prot & SCENARIO_PROT_EXEC ? UNEV_PROT_EXEC : 0);
}

int exec_advice(enum scenario_advice advice)
{
	static const int values[] = {
		[SCENARIO_ADVICE_DONTNEED] = UNEV_MADV_DONTNEED,
		[SCENARIO_ADVICE_FREE] = UNEV_MADV_FREE,
		[SCENARIO_ADVICE_PAGEOUT] = UNEV_MADV_PAGEOUT,
		[SCENARIO_ADVICE_COLD] = UNEV_MADV_COLD,
		[SCENARIO_ADVICE_WILLNEED] = UNEV_MADV_WILLNEED,
		[SCENARIO_ADVICE_REMOVE] = UNEV_MADV_REMOVE,
		[SCENARIO_ADVICE_DONTNEED_LOCKED] = UNEV_MADV_DONTNEED_LOCKED,
		[SCENARIO_ADVICE_POPULATE_READ] = UNEV_MADV_POPULATE_READ,
		[SCENARIO_ADVICE_POPULATE_WRITE] = UNEV_MADV_POPULATE_WRITE,
		[SCENARIO_ADVICE_GUARD_INSTALL] = UNEV_MADV_GUARD_INSTALL,
		[SCENARIO_ADVICE_GUARD_REMOVE] = UNEV_MADV_GUARD_REMOVE,
		[SCENARIO_ADVICE_HUGEPAGE] = UNEV_MADV_HUGEPAGE,
		[SCENARIO_ADVICE_NOHUGEPAGE] = UNEV_MADV_NOHUGEPAGE,
		[SCENARIO_ADVICE_COLLAPSE] = UNEV_MADV_COLLAPSE,
	};

	if ((unsigned int)advice >= sizeof(values) / sizeof(values[0]))
		return -1;
	return values[advice];
}

int exec_shmctl_cmd(enum scenario_shmctl_op op)
{
	switch (op) {
	case SCENARIO_SHMCTL_LOCK:
		return UNEV_SHM_LOCK;
	case SCENARIO_SHMCTL_UNLOCK:
		return UNEV_SHM_UNLOCK;
	case SCENARIO_SHMCTL_RMID:
		break;
	}
	return UNEV_IPC_RMID;
}

int exec_mmap_flags(const struct scenario_call *c)
{
	int type = c->droppable ? UNEV_MAP_DROPPABLE : c->shared ? UNEV_MAP_SHARED : UNEV_MAP_PRIVATE;

	return type |
	       (c->file[0] || c->secretmem || c->driver ? 0 : UNEV_MAP_ANONYMOUS) | (c->locked ? UNEV_MAP_LOCKED : 0) |
	       (c->populate ? UNEV_MAP_POPULATE : 0) | (c->hugetlb ? UNEV_MAP_HUGETLB : 0) |
	       (c->fixed[0] ? (c->noreplace ? UNEV_MAP_FIXED_NOREPLACE : UNEV_MAP_FIXED) : 0);
}

static uint64_t align_len(const struct scenario_call *c)
{
	return (c->size + SCENARIO_PAGE_SIZE - 1) & ~(SCENARIO_PAGE_SIZE - 1);
}

uint64_t exec_align_map_len(const struct scenario_call *c)
{
	uint64_t len = align_len(c);

	if (!len || len > UINT64_MAX - c->align)
		return 0;
	return len + c->align - SCENARIO_PAGE_SIZE;
}

uint64_t exec_align_trim(const struct scenario_call *c, uint64_t addr, uint64_t *head,
			 uint64_t *tail)
{
	uint64_t start = (addr + c->align - 1) & ~(c->align - 1);

	*head = start - addr;
	*tail = exec_align_map_len(c) - *head - align_len(c);
	return start;
}

/* mmap perf|io_uring: the device whose buffer is mapped (UNEV_DRIVER_*) */
int exec_mmap_driver(const struct scenario_call *c)
{
	return c->driver == SCENARIO_DRIVER_PERF ? UNEV_DRIVER_PERF : UNEV_DRIVER_IO_URING;
}

/* mbind's flags: MPOL_MF_* */
unsigned int exec_mbind_flags(const struct scenario_call *c)
{
	return (c->mbind_move ? UNEV_MPOL_MF_MOVE : 0) | (c->mbind_strict ? UNEV_MPOL_MF_STRICT : 0);
}

/* raw_flags=: the number as written, for the kernel's EINVAL on bad bits */
int exec_mlock2_flags(const struct scenario_call *c)
{
	if (c->raw_flags_given)
		return (int)c->raw_flags;
	return c->onfault ? UNEV_MLOCK_ONFAULT : 0;
}

int exec_mlockall_flags(const struct scenario_call *c)
{
	if (c->raw_flags_given)
		return (int)c->raw_flags;
	return (c->mlockall_flags & SCENARIO_MCL_CURRENT ? UNEV_MCL_CURRENT : 0) |
	       (c->mlockall_flags & SCENARIO_MCL_FUTURE ? UNEV_MCL_FUTURE : 0) |
	       (c->mlockall_flags & SCENARIO_MCL_ONFAULT ? UNEV_MCL_ONFAULT : 0);
}

int exec_mremap_flags(const struct scenario_call *c)
{
	return (c->maymove ? UNEV_MREMAP_MAYMOVE : 0) | (c->fixed[0] ? UNEV_MREMAP_FIXED : 0) |
	       (c->dontunmap ? UNEV_MREMAP_DONTUNMAP : 0);
}
