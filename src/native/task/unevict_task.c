/*
 * unevict_task.c - one live task of `unevict conform`: `unevict-task FD`.
 *
 * The driver (src/native/live.c) forks, pins the child to the task's CPU,
 * sets its RLIMIT_MEMLOCK and capabilities, and execs this helper.  The
 * helper then makes exactly the system calls the driver asks for, one per
 * command on FD (protocol.h), and nothing else:
 *
 * - It is linked statically and not as PIE, like the probe that observed
 *   tests/scenarios: no ld.so, no shared library, so its mmap area holds
 *   only [vvar] and [vdso] and a scenario's first mapping lands right
 *   below them, next to nothing it could merge with; and its image is
 *   small (about 1 MiB), which matters to mlockall(MCL_CURRENT).
 * - It never allocates: commands and replies live in static buffers, the
 *   stack it needs and the SIGSEGV stack are faulted in at start, before
 *   the driver takes its baseline.  A page fault of ours in the middle of a
 *   step would go through the same per-CPU batches the step measures.
 * - `exec` re-executes this helper (a fresh mm, same pid, same FD), which
 *   greets the driver again; `fork` is a real fork, the child taking the
 *   socket the driver sent with the command.
 * - `touch` that faults is caught (sigsetjmp/siglongjmp on an alternate
 *   signal stack) and answered EFAULT; the task lives on.
 *
 * It is self-contained (libc only) so it can be built apart from the
 * library, without sanitizers, which cannot link statically.
 */
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#define TASK_PAGE_SIZE 4096UL
/* How much of our own stack we fault in at start: far more than the
 * command loop and a signal frame need (the handler runs on altstack). */
#define TASK_STACK_PREFAULT (64UL << 10)

/* The buffer of read and write: far below the mmap area, and with its own
 * flags (VM_NOHUGEPAGE), so no scenario mapping can merge with it. */
#define TASK_BUFFER_HINT 0x100000000UL
#define TASK_MAX_FILES 64

static int channel = -1;
static char **self_argv; /* kept for exec */
static int files[TASK_MAX_FILES];
static int nr_files;
static char *buffer;
static uint64_t buffer_size;

static struct native_cmd cmd;
static struct native_reply reply;
static union {
	char buf[CMSG_SPACE(sizeof(int))];
	struct cmsghdr align;
} control;

static char alt_stack[64 << 10] __attribute__((aligned(4096)));
static sigjmp_buf touch_env;
static volatile sig_atomic_t touching;

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

/* A fault while touching ends the touch with EFAULT; any other is a bug. */
static void on_fault(int sig)
{
	if (touching)
		siglongjmp(touch_env, 1);
	signal(sig, SIG_DFL);
	raise(sig);
}

static __attribute__((noinline)) void prefault_stack(void)
{
	volatile char buf[TASK_STACK_PREFAULT];
	size_t i;

	for (i = 0; i < sizeof(buf); i += TASK_PAGE_SIZE)
		buf[i] = 0;
	buf[sizeof(buf) - 1] = 0;
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

/*
 * Static glibc puts its TLS block in a [heap] made with sbrk.  A scenario's
 * `brk` would then grow that VMA, and the region `brk` would not be a VMA
 * of its own (smaps sums VMAs inside a region).  MADV_NOHUGEPAGE on it
 * changes its flags, so brk growth makes a new VMA, as on the model, whose
 * heap starts empty.  The break is also page-aligned, as the model's is.
 */
static void isolate_heap(void)
{
	static char maps[16384];
	uint64_t cur = (uint64_t)syscall(SYS_brk, 0);
	uint64_t aligned = (cur + TASK_PAGE_SIZE - 1) & ~(TASK_PAGE_SIZE - 1);
	const char *p;
	ssize_t n = 0, r;
	int fd;

	if (aligned != cur && (uint64_t)syscall(SYS_brk, aligned) != aligned)
		die("cannot align the break");
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
	}
}

static void setup(void)
{
	struct sigaction sa;
	stack_t ss;
	size_t i;

	for (i = 0; i < sizeof(alt_stack); i += TASK_PAGE_SIZE)
		alt_stack[i] = 1;
	memset(&cmd, 0, sizeof(cmd));
	memset(&reply, 0, sizeof(reply));
	memset(&control, 0, sizeof(control));
	ss.ss_sp = alt_stack;
	ss.ss_size = sizeof(alt_stack);
	ss.ss_flags = 0;
	if (sigaltstack(&ss, NULL))
		die("sigaltstack");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fault;
	sa.sa_flags = SA_ONSTACK;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) || sigaction(SIGBUS, &sa, NULL))
		die("sigaction");
	/* our forked children are reaped by the kernel; the driver waits
	 * for them on pidfds */
	signal(SIGCHLD, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	isolate_heap();
	prefault_stack();
	/* run the fault path once, so its first use costs no page either */
	touching = 1;
	if (!sigsetjmp(touch_env, 1))
		raise(SIGSEGV);
	touching = 0;
}

static void send_reply(void)
{
	reply.magic = NATIVE_PROTOCOL_MAGIC;
	while (send(channel, &reply, sizeof(reply), MSG_NOSIGNAL) < 0) {
		if (errno != EINTR)
			_exit(0); /* the driver is gone */
	}
}

static void hello(void)
{
	memset(&reply, 0, sizeof(reply));
	reply.op = NATIVE_OP_HELLO;
	reply.pid = (int32_t)syscall(SYS_getpid);
	send_reply();
}

/* The next command, and the descriptor sent with it (-1 if none). */
static int receive(int *fd)
{
	struct iovec iov = {.iov_base = &cmd, .iov_len = sizeof(cmd)};
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	*fd = -1;
	do
		n = recvmsg(channel, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n != (ssize_t)sizeof(cmd) || cmd.magic != NATIVE_PROTOCOL_MAGIC)
		return -1; /* EOF: the driver is gone, or garbage */
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(c), sizeof(*fd));
	return 0;
}

/* Access every page of [addr, addr + len), as a program would. */
static int touch(uint64_t addr, uint64_t len, int write)
{
	volatile uint64_t p;
	uint64_t end;

	if (!len)
		return 0;
	end = addr + len < addr ? UINT64_MAX : addr + len;
	if (sigsetjmp(touch_env, 1)) {
		touching = 0;
		return EFAULT;
	}
	touching = 1;
	for (p = addr & ~(TASK_PAGE_SIZE - 1); p < end; p += TASK_PAGE_SIZE) {
		if (write)
			*(volatile char *)(uintptr_t)p = 1;
		else
			(void)*(volatile char *)(uintptr_t)p;
		if (p > UINT64_MAX - TASK_PAGE_SIZE)
			break;
	}
	touching = 0;
	return 0;
}

/* sbrk as glibc does it: the call fails unless the break moved there. */
static int do_brk(uint64_t size, int negative)
{
	uint64_t cur = (uint64_t)syscall(SYS_brk, 0), want;

	reply.value2 = cur;
	if (negative ? size > cur : size > UINT64_MAX - cur)
		return ENOMEM;
	want = negative ? cur - size : cur + size;
	if (want != cur && (uint64_t)syscall(SYS_brk, want) != want)
		return ENOMEM;
	reply.value = want;
	return 0;
}

static long result_errno(long r)
{
	return r < 0 ? errno : 0;
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
		ssize_t n = write ? pwrite(fd, buffer, len, (off_t)off)
				  : pread(fd, buffer, len, (off_t)off);

		if (n < 0)
			return errno;
		if (n == 0)
			return 0; /* end of file: a program would stop here too */
		off += (uint64_t)n;
		len -= (uint64_t)n;
	}
	return 0;
}

static void serve(void)
{
	for (;;) {
		int fd, err = 0;
		void *p;
		long pid;

		if (receive(&fd))
			_exit(0);
		memset(&reply, 0, sizeof(reply));
		reply.op = cmd.op;
		errno = 0;
		switch (cmd.op) {
		case NATIVE_OP_MMAP:
			p = mmap(NULL, cmd.len, (int)cmd.arg1, (int)cmd.arg2,
				 cmd.arg3 ? file_fd(cmd.arg3 - 1) : -1, (off_t)cmd.addr);
			if (p == MAP_FAILED)
				err = errno;
			else
				reply.value = (uint64_t)(uintptr_t)p;
			break;
		case NATIVE_OP_MUNMAP:
			err = (int)result_errno(syscall(SYS_munmap, cmd.addr, cmd.len));
			break;
		case NATIVE_OP_MLOCK:
			err = (int)result_errno(syscall(SYS_mlock, cmd.addr, cmd.len));
			break;
		case NATIVE_OP_MLOCK2:
			err = (int)result_errno(syscall(SYS_mlock2, cmd.addr, cmd.len, cmd.arg1));
			break;
		case NATIVE_OP_MUNLOCK:
			err = (int)result_errno(syscall(SYS_munlock, cmd.addr, cmd.len));
			break;
		case NATIVE_OP_MLOCKALL:
			err = (int)result_errno(syscall(SYS_mlockall, cmd.arg1));
			break;
		case NATIVE_OP_MUNLOCKALL:
			err = (int)result_errno(syscall(SYS_munlockall));
			break;
		case NATIVE_OP_MPROTECT:
			err = (int)result_errno(syscall(SYS_mprotect, cmd.addr, cmd.len, cmd.arg1));
			break;
		case NATIVE_OP_MREMAP:
			p = (void *)syscall(SYS_mremap, cmd.addr, cmd.len, cmd.arg1, cmd.arg2, 0);
			if (p == MAP_FAILED)
				err = errno;
			else
				reply.value = (uint64_t)(uintptr_t)p;
			break;
		case NATIVE_OP_MADVISE:
			err = (int)result_errno(syscall(SYS_madvise, cmd.addr, cmd.len, cmd.arg1));
			break;
		case NATIVE_OP_TOUCH:
			err = touch(cmd.addr, cmd.len, (int)cmd.arg1);
			break;
		case NATIVE_OP_BRK:
			err = do_brk(cmd.arg1, (int)cmd.arg2);
			break;
		case NATIVE_OP_PREAD:
		case NATIVE_OP_PWRITE:
			err = file_io(cmd.op == NATIVE_OP_PWRITE, cmd.arg1, cmd.addr, cmd.len);
			break;
		case NATIVE_OP_FTRUNCATE:
			err = (int)result_errno(ftruncate(file_fd(cmd.arg1), (off_t)cmd.len));
			break;
		case NATIVE_OP_PUNCH:
			err = (int)result_errno(fallocate(file_fd(cmd.arg1),
							  FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
							  (off_t)cmd.addr, (off_t)cmd.len));
			break;
		case NATIVE_OP_SHMAT:
			p = shmat((int)cmd.arg1, NULL, (int)cmd.arg2);
			if (p == (void *)-1)
				err = errno;
			else
				reply.value = (uint64_t)(uintptr_t)p;
			break;
		case NATIVE_OP_SHMDT:
			err = (int)result_errno(shmdt((void *)(uintptr_t)cmd.addr));
			break;
		case NATIVE_OP_SHMCTL:
			err = (int)result_errno(shmctl((int)cmd.arg1, (int)cmd.arg2, NULL));
			break;
		case NATIVE_OP_FORK:
			if (fd < 0)
				die("fork without a socket for the child");
			pid = syscall(SYS_fork);
			if (pid == 0) {
				/* the child's socket takes the parent's number, the
				 * one argv gives to an exec of ours */
				if (dup2(fd, channel) < 0)
					die("dup2");
				close(fd);
				hello();
				continue;
			}
			close(fd);
			if (pid < 0)
				err = errno;
			reply.pid = (int32_t)pid;
			break;
		case NATIVE_OP_EXIT:
			_exit(0);
		case NATIVE_OP_EXEC: {
			char *envp[] = {NULL};

			execve("/proc/self/exe", self_argv, envp);
			err = errno;
			break;
		}
		default:
			die("unknown command");
		}
		if (fd >= 0 && cmd.op != NATIVE_OP_FORK)
			close(fd);
		reply.err = err;
		send_reply();
	}
}

static long number(const char *text)
{
	char *end;
	long v = strtol(text, &end, 10);

	if (*end || v < 0)
		die("bad argument (usage: unevict-task FD BUFSIZE [FILEFD...])");
	return v;
}

/* The buffer of read and write, faulted in now: before the baseline. */
static void make_buffer(void)
{
	uint64_t i;
	void *p;

	if (!buffer_size)
		return;
	p = mmap((void *)TASK_BUFFER_HINT, buffer_size, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || madvise(p, buffer_size, MADV_NOHUGEPAGE))
		die("cannot make the read/write buffer");
	buffer = p;
	for (i = 0; i < buffer_size; i += TASK_PAGE_SIZE)
		buffer[i] = (char)i;
}

int main(int argc, char **argv)
{
	int i;

	if (argc < 3 || argc - 3 > TASK_MAX_FILES)
		die("usage: unevict-task FD BUFSIZE [FILEFD...] (started by `unevict conform`)");
	channel = (int)number(argv[1]);
	buffer_size = (uint64_t)number(argv[2]);
	for (i = 3; i < argc; i++)
		files[nr_files++] = (int)number(argv[i]);
	self_argv = argv;
	setup();
	make_buffer();
	hello();
	serve();
	return 0;
}
