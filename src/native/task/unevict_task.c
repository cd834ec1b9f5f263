/*
 * unevict_task.c - one live task of `unevict conform`:
 * `unevict-task FD BUFSIZE MEMFD [FILEFD...]` (protocol.h).
 *
 * The driver (src/native/live.c) forks, pins the child to the task's CPU,
 * sets its RLIMIT_MEMLOCK and capabilities, and execs this helper.  The
 * helper then makes exactly the system calls the driver asks for, one per
 * command on FD (protocol.h), and nothing else:
 *
 * - It is linked statically and not as PIE, like the probe that observed
 *   tests/scenarios: no ld.so, no shared library; and its image is small
 *   (about 1 MiB), which matters to mlockall(MCL_CURRENT).
 * - It never allocates while serving: commands and replies live in memory
 *   faulted in at start, before the driver takes its baseline.  A page
 *   fault of ours in the middle of a step would go through the same
 *   per-CPU batches the step measures.
 * - After a `fork` it writes nothing that fork shares copy-on-write (issue
 *   13): a write to such a page would copy it (wp_page_copy: a new folio
 *   in this CPU's lru_add batch) or, once the other process is gone, reuse
 *   it after an lru_add_drain() (wp_can_reuse_anon_folio, when the folio
 *   sits in a batch), which empties the mlock batch the scenario measures.
 *   So every byte it writes while serving - its state, the stack it runs
 *   on, the read/write buffer - is in a MAP_SHARED mapping of MEMFD (fork
 *   shares it, no copy), one slot per process; a forked child is started
 *   with clone() on its own slot's stack; system calls are made raw, so no
 *   errno is written (glibc keeps errno in the TLS block, a private page);
 *   and glibc's rseq area, which the kernel rewrites on every return to
 *   user space after a context switch (rseq_handle_notify_resume), is
 *   unregistered.  MEMFD is the driver's: it holds it to the end of the
 *   run, so no exit or exec of ours releases the shmem object (its
 *   truncation, shmem_undo_range -> folio_batch_release, would call
 *   lru_add_drain() and empty the batches the scenario measures, and take
 *   its pages off nr_shmem); an exec'd image maps the same pages again.
 * - Its special mappings [vvar] and [vdso] are unmapped at start: the
 *   kernel puts them at the top of the mmap area, right above a scenario's
 *   first mapping, where a range running past a region's end would find
 *   them (mlock of it succeeds; on the model nothing is there: ENOMEM).  The
 *   helper never calls into the vDSO (no clock, no getcpu) and never
 *   returns from a signal handler (the only one siglongjmps or kills).
 * - `exec` re-executes this helper (a fresh mm, same pid, same FD), which
 *   greets the driver again; `fork` is a real fork (clone(SIGCHLD) on a new
 *   stack), the child taking the socket the driver sent with the command.
 * - `touch` that faults is caught (a setjmp/longjmp of its own; the signal
 *   frame goes on the slot's stack) and answered EFAULT; the task lives on.
 *
 * It is self-contained (libc only) so it can be built apart from the
 * library, without sanitizers, which cannot link statically.
 */
#include "protocol.h"
#include "task_raw.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#if __has_include(<sys/rseq.h>)
#include <sys/rseq.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#define TASK_HAVE_RSEQ 1
#endif

#define TASK_PAGE_SIZE 4096UL

/* The buffer of read and write and the slots: far below the mmap area,
 * where no scenario mapping goes, so nothing can merge with them. */
#define TASK_BUFFER_HINT 0x100000000UL
#define TASK_SLOTS_HINT 0xc0000000UL
#define TASK_MAX_FILES 64

/*
 * Processes of one task's family alive at once (a slot is freed by the
 * process's exit or exec; the corpus has at most 3), and each one's slot:
 * its state and its stack, of which the command loop and a signal frame
 * (the xsave area is a few KiB) need far less.  Few and small: mlockall
 * (MCL_CURRENT) locks them with the rest of the image.
 */
#define TASK_SLOTS 8
#define TASK_SLOT_SIZE (16UL << 10)
/* pages per move_pages(2) call: 2 KiB of arrays in the slot */
#define MOVE_CHUNK 128

/* What one process of the task writes while serving. */
struct task_state {
	struct native_cmd cmd;
	struct native_reply reply;
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	void *touch_env[24];	/* task_setjmp's */
	unsigned char mincore_vec[512];	/* mincore's vector, a chunk of pages at a time */
	/* move_pages's arrays, a chunk of pages at a time */
	void *move_pages[MOVE_CHUNK];
	int move_nodes[MOVE_CHUNK];
	int move_status[MOVE_CHUNK];
	volatile sig_atomic_t touching;
	int child_fd;	/* a forked child's socket, until it takes it */
	int used;	/* a live process runs in this slot */
};

#define TASK_SLOT_STACK (TASK_SLOT_SIZE - ((sizeof(struct task_state) + 63) & ~63UL))

struct task_slot {
	unsigned char stack[TASK_SLOT_STACK] __attribute__((aligned(64)));
	struct task_state st;
};
_Static_assert(sizeof(struct task_slot) == TASK_SLOT_SIZE, "a slot is TASK_SLOT_SIZE");

/*
 * Written at start only, before any fork, and read-only afterwards (so
 * these private pages are never copied).
 */
static int channel = -1;
static char **self_argv; /* kept for exec */
static int files[TASK_MAX_FILES];
static int nr_files;
static char *buffer;
static uint64_t buffer_size;
static int memfd = -1;
static struct task_slot *slots;	/* TASK_SLOTS of them, MAP_SHARED */
static ucontext_t start_context;

static void die(const char *msg) __attribute__((noreturn));
static void die(const char *msg)
{
	ssize_t r;

	r = write(2, "unevict-task: ", 14);
	r = write(2, msg, strlen(msg));
	r = write(2, "\n", 1);
	(void)r;
	_exit(127);
}

/* The slot whose stack holds sp: the process running there. */
static struct task_slot *slot_of(const void *sp)
{
	uintptr_t base = (uintptr_t)slots, p = (uintptr_t)sp;

	if (!slots || p < base || p >= base + TASK_SLOTS * sizeof(struct task_slot))
		return NULL;
	return &slots[(p - base) / sizeof(struct task_slot)];
}

/* A fault while touching ends the touch with EFAULT; any other is a bug. */
static void on_fault(int sig)
{
	volatile char here = 0;
	struct task_slot *me = slot_of((const void *)&here);

	if (me && me->st.touching) {
		me->st.touching = 0;
		TOUCH_LONGJMP(me->st.touch_env);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Parse the hex "start-end" at the head of a /proc/self/maps line. */
static uint64_t hex_field(const char **p)
{
	uint64_t v = 0;

	for (;; (*p)++) {
		char c = **p;

		if (c >= '0' && c <= '9')
			v = v * 16 + (uint64_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v = v * 16 + (uint64_t)(c - 'a' + 10);
		else
			return v;
	}
}

/* Does the maps line at p (up to its newline) end with name? */
static int line_names(const char *p, const char *name)
{
	const char *nl = strchr(p, '\n');
	size_t len = nl ? (size_t)(nl - p) : strlen(p), n = strlen(name);

	return len >= n && !memcmp(p + len - n, name, n);
}

/*
 * Two fixes to the address space glibc and the kernel gave us, from one
 * read of /proc/self/maps:
 *
 * - Static glibc puts its TLS block in a [heap] made with sbrk.  A
 *   scenario's `brk` would then grow that VMA, and the region `brk` would
 *   not be a VMA of its own.  MADV_NOHUGEPAGE on it changes its flags, so
 *   brk growth makes a new VMA, as on the model, whose heap starts empty.
 *   The break is also page-aligned, as the model's is.
 * - [vvar], [vvar_vclock] and [vdso] go: see the head of this file.
 * - The lowest page of [stack] becomes a VMA of its own (MADV_NOHUGEPAGE
 *   changes its flags) and is dropped (MADV_DONTNEED; 128 KiB below the
 *   arguments, nothing used it): the scenario's stack, which `grow_stack`
 *   grows, is that one-page VM_GROWSDOWN VMA, as the model's is.  The
 *   rest of [stack] stays the image's.  We never run on it after start.
 */
/* The break fix_address_space left: where the scenario's heap begins. */
static uint64_t heap_start;
/* The start of the page fix_address_space split from [stack]: the
 * scenario's stack grows down from there. */
static uint64_t stack_low;

static void fix_address_space(void)
{
	static char maps[16384];
	static uint64_t special[8][2];
	uint64_t cur = (uint64_t)syscall(SYS_brk, 0);
	uint64_t aligned = (cur + TASK_PAGE_SIZE - 1) & ~(TASK_PAGE_SIZE - 1);
	unsigned int nr_special = 0, i;
	const char *p;
	ssize_t n = 0, r;
	int fd;

	if (aligned != cur && (uint64_t)syscall(SYS_brk, aligned) != aligned)
		die("cannot align the break");
	heap_start = aligned;
	fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		die("cannot open /proc/self/maps");
	while ((r = read(fd, maps + n, sizeof(maps) - 1 - (size_t)n)) > 0)
		n += r;
	close(fd);
	maps[n] = '\0';
	for (p = maps; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		const char *q = p;
		uint64_t start = hex_field(&q), end;

		if (*q != '-')
			continue;
		q++;
		end = hex_field(&q);
		if (end == aligned && start < end &&
		    madvise((void *)start, end - start, MADV_NOHUGEPAGE))
			die("cannot mark the heap");
		if (line_names(p, "[stack]") && end - start > TASK_PAGE_SIZE) {
			if (madvise((void *)start, TASK_PAGE_SIZE, MADV_NOHUGEPAGE) ||
			    madvise((void *)start, TASK_PAGE_SIZE, MADV_DONTNEED))
				die("cannot split the stack");
			stack_low = start;
		}
		if ((line_names(p, "[vdso]") || line_names(p, "[vvar]") ||
		     line_names(p, "[vvar_vclock]")) && nr_special < 8) {
			special[nr_special][0] = start;
			special[nr_special++][1] = end;
		}
	}
	for (i = 0; i < nr_special; i++)
		if (munmap((void *)special[i][0], special[i][1] - special[i][0]))
			die("cannot unmap the vDSO");
}

/*
 * glibc registers an rseq area in the TLS block of every thread; the
 * kernel writes its cpu_id fields on the way back to user space after
 * every context switch: after a fork, a copy-on-write fault in the kernel.
 * Unregistering needs the length glibc registered: __rseq_size, or the
 * 32-byte area of glibc 2.35 to 2.39.
 */
static void unregister_rseq(void)
{
#ifdef TASK_HAVE_RSEQ
	void *area = (char *)__builtin_thread_pointer() + __rseq_offset;

	if (!__rseq_size)
		return; /* not registered (no rseq, or glibc.pthread.rseq=0) */
	if (!err_of(sys4(SYS_rseq, area, __rseq_size, RSEQ_FLAG_UNREGISTER, RSEQ_SIG)) ||
	    !err_of(sys4(SYS_rseq, area, 32, RSEQ_FLAG_UNREGISTER, RSEQ_SIG)))
		return;
	die("cannot unregister glibc's rseq area");
#endif
}

/*
 * The slots and the buffer of read and write (pread writes into it): one
 * MAP_SHARED mapping of the driver's memfd, so fork shares it and never
 * copies.  Faulted in now, before the baseline, by writing back what each
 * page holds: after an exec the pages are the old image's, and slots of
 * other processes of the family may be in use.
 */
static void map_shared_memory(void)
{
	size_t slots_size = TASK_SLOTS * sizeof(struct task_slot), size, i;
	volatile char *v;
	void *p;

	if (buffer_size > SIZE_MAX - slots_size - TASK_PAGE_SIZE)
		die("read/write buffer too large");
	size = (slots_size + buffer_size + TASK_PAGE_SIZE - 1) & ~(TASK_PAGE_SIZE - 1);
	if (ftruncate(memfd, (off_t)size))
		die("cannot size the shared memory");
	p = mmap((void *)TASK_SLOTS_HINT, size, PROT_READ | PROT_WRITE, MAP_SHARED, memfd, 0);
	if (p == MAP_FAILED || madvise(p, size, MADV_NOHUGEPAGE))
		die("cannot map the shared memory");
	for (v = p, i = 0; i < size; i += TASK_PAGE_SIZE)
		v[i] = v[i];
	slots = p;
	buffer = (char *)p + slots_size;
}

static void setup(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL))
		die("sigaction");
	/* our forked children are reaped by the kernel; the driver waits
	 * for them on pidfds */
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	fix_address_space();
	unregister_rseq();
	map_shared_memory();
}

static void send_reply(struct task_slot *me)
{
	long r;

	me->st.reply.magic = NATIVE_PROTOCOL_MAGIC;
	do
		r = sys6(SYS_sendto, channel, (long)&me->st.reply, sizeof(me->st.reply),
			 MSG_NOSIGNAL, 0, 0);
	while (r == -EINTR);
	if (r < 0)
		sys_exit(0); /* the driver is gone */
}

static void hello(struct task_slot *me)
{
	memset(&me->st.reply, 0, sizeof(me->st.reply));
	me->st.reply.op = NATIVE_OP_HELLO;
	me->st.reply.pid = (int32_t)sys0(SYS_getpid);
	send_reply(me);
}

/* The next command, and the descriptor sent with it (-1 if none). */
static int receive(struct task_slot *me, int *fd)
{
	struct iovec iov = {.iov_base = &me->st.cmd, .iov_len = sizeof(me->st.cmd)};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = me->st.control.buf,
		.msg_controllen = sizeof(me->st.control.buf),
	};
	struct cmsghdr *c;
	long n;

	*fd = -1;
	do
		n = sys3(SYS_recvmsg, channel, &msg, 0);
	while (n == -EINTR);
	if (n != (long)sizeof(me->st.cmd) || me->st.cmd.magic != NATIVE_PROTOCOL_MAGIC)
		return -1; /* EOF: the driver is gone, or garbage */
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(*fd));
	return 0;
}

/* Access every page of [addr, addr + len), as a program would. */
static int touch(struct task_slot *me, uint64_t addr, uint64_t len, int write)
{
	volatile uint64_t p;
	uint64_t end;

	if (!len)
		return 0;
	end = addr + len < addr ? UINT64_MAX : addr + len;
	if (TOUCH_SETJMP(me->st.touch_env))
		return EFAULT;
	me->st.touching = 1;
	for (p = addr & ~(TASK_PAGE_SIZE - 1); p < end; p += TASK_PAGE_SIZE) {
		if (write)
			*(volatile char *)(uintptr_t)p = 1;
		else
			(void)*(volatile char *)(uintptr_t)p;
		if (p > UINT64_MAX - TASK_PAGE_SIZE)
			break;
	}
	me->st.touching = 0;
	return 0;
}

/* sbrk as glibc does it: the call fails unless the break moved there. */
static int do_brk(struct task_slot *me, uint64_t size, int negative)
{
	uint64_t cur = (uint64_t)sys1(SYS_brk, 0), want;

	me->st.reply.value2 = cur;
	if (negative ? size > cur : size > UINT64_MAX - cur)
		return ENOMEM;
	want = negative ? cur - size : cur + size;
	/*
	 * Below the scenario's heap lies static glibc's TLS heap, not a
	 * program's data: a real program's break cannot go under its start
	 * (brk's min_brk), nor can the model's, so neither may ours.  5.10
	 * would unmap it (its brk shrinks whatever lies there); 6.x too when
	 * the TLS heap is the VMA under newbrk.
	 */
	if (want < heap_start)
		return ENOMEM;
	if (want != cur && (uint64_t)sys1(SYS_brk, want) != want)
		return ENOMEM;
	me->st.reply.value = want;
	return 0;
}

/*
 * The stack grows as under a program's deeper frames: one byte written in
 * each page below its start, from the top down, so each fault grows the
 * VMA by exactly one page (expand_downwards to the faulting page) and
 * faults that page.  We run on our slot's stack, so a refused growth's
 * SIGSEGV is handled here (EFAULT) where a program would die of it.
 */
static int grow_stack(struct task_slot *me, uint64_t len, uint64_t bottom)
{
	uint64_t low = bottom ? bottom : stack_low;
	int err = 0;

	if (!stack_low)
		die("no [stack] to grow");
	for (uint64_t done = 0; done < len && !err; done += TASK_PAGE_SIZE) {
		err = touch(me, low - TASK_PAGE_SIZE, 1, 1);
		if (!err)
			low -= TASK_PAGE_SIZE;
	}
	me->st.reply.value = low;
	me->st.reply.value2 = stack_low + TASK_PAGE_SIZE;
	return err;
}

static int file_fd(uint64_t i)
{
	if (i >= (uint64_t)nr_files)
		die("no such file");
	return files[i];
}

/* pread or pwrite of len bytes at off, through the buffer. */
static int file_io(int write, uint64_t i, uint64_t off, uint64_t len)
{
	int fd = file_fd(i);

	if (len > buffer_size)
		die("read or write longer than the buffer");
	while (len) {
		long n = sys4(write ? SYS_pwrite64 : SYS_pread64, fd, buffer, len, off);

		if (n < 0)
			return err_of(n);
		if (n == 0)
			return 0; /* end of file: a program would stop here too */
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

/*
 * mincore of [addr, addr + len) a chunk of the slot's vector at a time (the
 * kernel itself works a page of vector at a time and stops at the first
 * error): reply value = the pages reported resident before any error.
 */
static int do_mincore(struct task_slot *me, uint64_t addr, uint64_t len)
{
	const uint64_t chunk = sizeof(me->st.mincore_vec) * TASK_PAGE_SIZE;
	uint64_t resident = 0;
	int err = 0;

	do {
		uint64_t n = len < chunk ? len : chunk, pages, i;

		err = err_of(sys3(SYS_mincore, addr, n, (long)(uintptr_t)me->st.mincore_vec));
		if (err)
			break;
		pages = (n + TASK_PAGE_SIZE - 1) / TASK_PAGE_SIZE;
		for (i = 0; i < pages; i++)
			resident += me->st.mincore_vec[i] & 1;
		addr += n;
		len -= n;
	} while (len);
	me->st.reply.value = resident;
	return err;
}

/*
 * move_pages(2) of the task's own pages (pid 0, flags 0): every page that
 * [addr, addr + len) touches, to @node, MOVE_CHUNK pages a call; reply value
 * = the pages not migrated, summed.  Each call begins with the kernel's
 * lru_cache_disable (every CPU's batches drained), which a later chunk
 * finds empty: chunks change no counter.
 */
static int do_move_pages(struct task_slot *me, uint64_t addr, uint64_t len, int node)
{
	uint64_t page = addr & ~(TASK_PAGE_SIZE - 1);
	uint64_t end = (addr + len + TASK_PAGE_SIZE - 1) & ~(TASK_PAGE_SIZE - 1);
	uint64_t not_migrated = 0;

	while (page < end) {
		unsigned long n = 0;
		long r;

		for (; n < MOVE_CHUNK && page < end; n++, page += TASK_PAGE_SIZE) {
			me->st.move_pages[n] = (void *)(uintptr_t)page;
			me->st.move_nodes[n] = node;
		}
		r = sys6(SYS_move_pages, 0, (long)n, (long)(uintptr_t)me->st.move_pages,
			 (long)(uintptr_t)me->st.move_nodes, (long)(uintptr_t)me->st.move_status, 0);
		if (err_of(r))
			return err_of(r);
		not_migrated += (uint64_t)r;
	}
	me->st.reply.value = not_migrated;
	return 0;
}

/* setrlimit(RLIMIT_MEMLOCK, {soft, hard}); without a hard limit given, the
 * one getrlimit reads, as a program raising only its soft limit does */
static int do_setrlimit_memlock(uint64_t soft, uint64_t hard, int hard_given)
{
	uint64_t rl[2] = {soft, hard};
	int err;

	if (!hard_given) {
		uint64_t old[2];

		err = err_of(sys4(SYS_prlimit64, 0, RLIMIT_MEMLOCK, 0, (long)(uintptr_t)old));
		if (err)
			return err;
		rl[1] = old[1];
	}
	return err_of(sys4(SYS_prlimit64, 0, RLIMIT_MEMLOCK, (long)(uintptr_t)rl, 0));
}

/* A mapping's address, or its errno. */
static int address_or_errno(struct task_slot *me, long r)
{
	if (err_of(r))
		return err_of(r);
	me->st.reply.value = (uint64_t)r;
	return 0;
}

#ifndef SYS_memfd_secret
#define SYS_memfd_secret 447	/* x86_64, arm64: asm-generic/unistd.h, 5.14 */
#endif

/* mmap ... secretmem: a secret memory file of the mapping's length, mapped
 * and closed at once (the VMA keeps it); the first error is the answer */
static int mmap_secretmem(struct task_slot *me, const struct native_cmd *cmd)
{
	long fd = sys6(SYS_memfd_secret, 0, 0, 0, 0, 0, 0);
	int err;

	if (err_of(fd))
		return err_of(fd);
	err = err_of(sys6(SYS_ftruncate, fd, (long)cmd->len, 0, 0, 0, 0));
	if (!err)
		err = address_or_errno(me, sys6(SYS_mmap, (long)cmd->arg4, (long)cmd->len,
						(long)cmd->arg1, (long)cmd->arg2, fd, 0));
	sys6(SYS_close, fd, 0, 0, 0, 0, 0);
	return err;
}

/* mmap ... perf|io_uring: the device's file made, its ring mapped and the
 * file closed at once (the VMA keeps it); the first error is the answer.
 * The attribute and parameter blocks are on this slot's stack. */
static int mmap_driver(struct task_slot *me, const struct native_cmd *cmd)
{
	struct perf_event_attr attr;
	struct io_uring_params params;
	long fd;
	int err;

	if (cmd->arg3 == 1) {
		memset(&attr, 0, sizeof(attr));
		attr.size = sizeof(attr);
		attr.type = PERF_TYPE_SOFTWARE;
		attr.config = PERF_COUNT_SW_DUMMY;
		attr.disabled = 1;
		fd = sys6(SYS_perf_event_open, (long)(uintptr_t)&attr, 0, -1, -1,
			  PERF_FLAG_FD_CLOEXEC, 0);
	} else {
		memset(&params, 0, sizeof(params));
		fd = sys6(SYS_io_uring_setup, 4, (long)(uintptr_t)&params, 0, 0, 0, 0);
	}
	if (err_of(fd))
		return err_of(fd);
	err = address_or_errno(me, sys6(SYS_mmap, (long)cmd->arg4, (long)cmd->len,
					(long)cmd->arg1, (long)cmd->arg2, fd,
					cmd->arg3 == 1 ? 0 : (long)IORING_OFF_SQ_RING));
	sys6(SYS_close, fd, 0, 0, 0, 0, 0);
	return err;
}

static void serve(struct task_slot *me) __attribute__((noreturn));

/* A forked child, on its own slot's stack: takes its socket, says hello. */
static int child_start(void *arg)
{
	struct task_slot *me = arg;

	/* the child's socket takes the parent's number, the one argv gives
	 * to an exec of ours */
	if (err_of(sys3(SYS_dup3, me->st.child_fd, channel, 0)))
		die("dup3");
	sys1(SYS_close, me->st.child_fd);
	hello(me);
	serve(me);
}

static struct task_slot *free_slot(void)
{
	unsigned int i;

	for (i = 0; i < TASK_SLOTS; i++)
		if (!slots[i].st.used)
			return &slots[i];
	return NULL;
}

/* fork: a process like us, running in a free slot.  Its pid, or -errno. */
static long do_fork(int fd)
{
	struct task_slot *child = free_slot();
	long pid;

	if (!child)
		die("more live processes in one task's family than its slots");
	child->st.used = 1;
	child->st.child_fd = fd;
	/* glibc's clone() puts child_start's address and argument on the
	 * child's stack and writes errno only if the call fails */
	pid = clone(child_start, child->stack + TASK_SLOT_STACK, SIGCHLD, child);
	if (pid < 0) {
		child->st.used = 0;
		return -errno;
	}
	return pid;
}

static void serve(struct task_slot *me)
{
	struct native_cmd *cmd = &me->st.cmd;
	struct native_reply *reply = &me->st.reply;

	for (;;) {
		int fd, err = 0;
		long pid;

		if (receive(me, &fd))
			sys_exit(0);
		memset(reply, 0, sizeof(*reply));
		reply->op = cmd->op;
		switch (cmd->op) {
		case NATIVE_OP_MMAP:
			err = address_or_errno(
				me, sys6(SYS_mmap, (long)cmd->arg4, (long)cmd->len, (long)cmd->arg1,
					 (long)cmd->arg2,
					 cmd->arg3 ? file_fd(cmd->arg3 - 1) : -1, (long)cmd->addr));
			break;
		case NATIVE_OP_MMAP_SECRETMEM:
			err = mmap_secretmem(me, cmd);
			break;
		case NATIVE_OP_MMAP_DRIVER:
			err = mmap_driver(me, cmd);
			break;
		case NATIVE_OP_MBIND: {
			/* MPOL_BIND (2) to one node: the mask on this slot's stack */
			unsigned long mask = 1UL << cmd->arg1;

			err = err_of(sys6(SYS_mbind, (long)cmd->addr, (long)cmd->len, 2,
					  (long)(uintptr_t)&mask, 64, (long)cmd->arg2));
			break;
		}
		case NATIVE_OP_MUNMAP:
			err = err_of(sys2(SYS_munmap, cmd->addr, cmd->len));
			break;
		case NATIVE_OP_MLOCK:
			err = err_of(sys2(SYS_mlock, cmd->addr, cmd->len));
			break;
		case NATIVE_OP_MLOCK2:
			err = err_of(sys3(SYS_mlock2, cmd->addr, cmd->len, cmd->arg1));
			break;
		case NATIVE_OP_MUNLOCK:
			err = err_of(sys2(SYS_munlock, cmd->addr, cmd->len));
			break;
		case NATIVE_OP_MLOCKALL:
			err = err_of(sys1(SYS_mlockall, cmd->arg1));
			break;
		case NATIVE_OP_MUNLOCKALL:
			err = err_of(sys0(SYS_munlockall));
			break;
		case NATIVE_OP_MPROTECT:
			err = err_of(sys3(SYS_mprotect, cmd->addr, cmd->len, cmd->arg1));
			break;
		case NATIVE_OP_MREMAP:
			err = address_or_errno(me, sys5(SYS_mremap, cmd->addr, cmd->len,
							cmd->arg1, cmd->arg2, cmd->arg3));
			break;
		case NATIVE_OP_MADVISE:
			err = err_of(sys3(SYS_madvise, cmd->addr, cmd->len, cmd->arg1));
			break;
		case NATIVE_OP_TOUCH:
			err = touch(me, cmd->addr, cmd->len, (int)cmd->arg1);
			break;
		case NATIVE_OP_BRK:
			err = do_brk(me, cmd->arg1, (int)cmd->arg2);
			break;
		case NATIVE_OP_GROW_STACK:
			err = grow_stack(me, cmd->arg1, cmd->arg2);
			break;
		case NATIVE_OP_PREAD:
		case NATIVE_OP_PWRITE:
			err = file_io(cmd->op == NATIVE_OP_PWRITE, cmd->arg1, cmd->addr, cmd->len);
			break;
		case NATIVE_OP_FTRUNCATE:
			err = err_of(sys2(SYS_ftruncate, file_fd(cmd->arg1), cmd->len));
			break;
		case NATIVE_OP_PUNCH:
			err = err_of(sys4(SYS_fallocate, file_fd(cmd->arg1),
					  FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, cmd->addr,
					  cmd->len));
			break;
		case NATIVE_OP_SHMAT:
			err = address_or_errno(me, sys3(SYS_shmat, cmd->arg1, 0, cmd->arg2));
			break;
		case NATIVE_OP_SHMDT:
			err = err_of(sys1(SYS_shmdt, cmd->addr));
			break;
		case NATIVE_OP_SHMCTL:
			err = err_of(sys3(SYS_shmctl, cmd->arg1, cmd->arg2, 0));
			break;
		case NATIVE_OP_MINCORE:
			err = do_mincore(me, cmd->addr, cmd->len);
			break;
		case NATIVE_OP_MSYNC:
			err = err_of(sys3(SYS_msync, cmd->addr, cmd->len, cmd->arg1));
			break;
		case NATIVE_OP_MOVE_PAGES:
			err = do_move_pages(me, cmd->addr, cmd->len, (int)cmd->arg1);
			break;
		case NATIVE_OP_SETRLIMIT:
			err = do_setrlimit_memlock(cmd->arg1, cmd->arg2, (int)cmd->arg3);
			break;
		case NATIVE_OP_FORK:
			if (fd < 0)
				die("fork without a socket for the child");
			pid = do_fork(fd);
			sys1(SYS_close, fd);
			err = err_of(pid);
			reply->pid = err ? -1 : (int32_t)pid;
			break;
		case NATIVE_OP_EXIT:
			me->st.used = 0;
			sys_exit(0);
		case NATIVE_OP_EXEC: {
			char *envp[] = {NULL};

			me->st.used = 0;
			err = err_of(sys3(SYS_execve, "/proc/self/exe", self_argv, envp));
			me->st.used = 1;
			break;
		}
		default:
			die("unknown command");
		}
		if (fd >= 0 && cmd->op != NATIVE_OP_FORK)
			sys1(SYS_close, fd);
		reply->err = err;
		send_reply(me);
	}
}

/*
 * A fresh image, on the stack of the first free slot (slot 0 at the
 * start; any after an exec): runs the fault path once (so its first use
 * costs no page either), says hello, serves.
 */
static void first_start(void)
{
	struct task_slot *me = free_slot();

	me->st.used = 1;
	me->st.touching = 1;
	if (!TOUCH_SETJMP(me->st.touch_env))
		raise(SIGSEGV);
	me->st.touching = 0;
	hello(me);
	serve(me);
}

static long number(const char *text)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (*end || v < 0)
		die("bad argument (usage: unevict-task FD BUFSIZE MEMFD [FILEFD...])");
	return v;
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 4 || argc - 4 > TASK_MAX_FILES)
		die("usage: unevict-task FD BUFSIZE MEMFD [FILEFD...] (started by `unevict conform`)");
	channel = (int)number(argv[1]);
	buffer_size = (uint64_t)number(argv[2]);
	memfd = (int)number(argv[3]);
	for (i = 4; i < argc; i++)
		files[nr_files++] = (int)number(argv[i]);
	self_argv = argv;
	setup();
	/* leave the private stack for slot 0's: see the head of this file */
	if (getcontext(&start_context))
		die("getcontext");
	if (!free_slot())
		die("no free slot (after an exec in a large family)");
	/* first_start takes the same slot: nothing runs in between */
	start_context.uc_stack.ss_sp = free_slot()->stack;
	start_context.uc_stack.ss_size = TASK_SLOT_STACK;
	start_context.uc_link = NULL;
	makecontext(&start_context, first_start, 0);
	setcontext(&start_context);
	die("setcontext");
}
