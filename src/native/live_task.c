/*
 * live_task.c - the live tasks: starting each as a real process running
 * unevict-task, the message protocol with it (protocol.h), and noticing
 * its death (the memcg OOM killer's SIGKILL).
 */
#include "live.h"

#ifdef __linux__

/* ---- talking to tasks ---- */

int live_wait_readable(int fd, unsigned int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	int r;

	do
		r = poll(&p, 1, (int)timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r ? 0 : -ETIMEDOUT;
}

/* The next message from a task: a reply or a HELLO. */
int live_receive(struct live *lv, int sock, struct native_reply *r)
{
	ssize_t n;
	int ret = live_wait_readable(sock, lv->o->timeout_ms);

	if (ret)
		return ret;
	do
		n = recv(sock, r, sizeof(*r), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -EPIPE; /* the task died */
	if (n != (ssize_t)sizeof(*r) || r->magic != NATIVE_PROTOCOL_MAGIC)
		return -EPROTO;
	return 0;
}

int live_send_cmd(int sock, struct native_cmd *c, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = {.iov_base = c, .iov_len = sizeof(*c)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t n;

	c->magic = NATIVE_PROTOCOL_MAGIC;
	if (fd >= 0) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		cm = CMSG_FIRSTHDR(&msg);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(fd));
	}
	do
		n = sendmsg(sock, &msg, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == (ssize_t)sizeof(*c) ? 0 : -EPROTO;
}

const char *live_task_failure(int ret)
{
	switch (ret) {
	case -ETIMEDOUT:
		return "did not answer";
	case -EPIPE:
		return "died";
	case -EPROTO:
		return "sent garbage";
	default:
		return strerror(-ret);
	}
}

/* ---- starting tasks ---- */

static int drop_capability(int cap)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1U << (cap % 32);

	/* from the bounding set too: exec as root would give it back */
	if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno != EINVAL)
		return -errno;
	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[cap / 32].effective &= ~bit;
	d[cap / 32].permitted &= ~bit;
	d[cap / 32].inheritable &= ~bit;
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

/*
 * A task with another uid keeps CAP_IPC_LOCK across setresuid (keepcaps)
 * and across exec (ambient), when the scenario grants it.
 */
static int become_uid(unsigned int uid, bool keep_ipc_lock)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	uint32_t bit = 1U << CAP_IPC_LOCK;

	if (keep_ipc_lock && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return -errno;
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return -errno;
	if (!keep_ipc_lock)
		return 0;
	memset(d, 0, sizeof(d));
	d[0].effective = d[0].permitted = d[0].inheritable = bit;
	if (syscall(SYS_capset, &h, d) ||
	    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, CAP_IPC_LOCK, 0, 0))
		return -errno;
	return 0;
}

/* In the child, before exec: tell the driver what failed, then die. */
static void child_fail(int sock, int step, int err) __attribute__((noreturn));
static void child_fail(int sock, int step, int err)
{
	struct native_reply r = {.magic = NATIVE_PROTOCOL_MAGIC,
				 .op = NATIVE_OP_HELLO, .err = err, .pid = -step};

	if (send(sock, &r, sizeof(r), MSG_NOSIGNAL) < 0)
		_exit(127);
	_exit(127);
}

static const char *const child_steps[] = {
	"?", "prctl(PR_SET_PDEATHSIG)", "sched_setaffinity", "setrlimit(RLIMIT_MEMLOCK)",
	"setresuid", "dropping CAP_IPC_LOCK", "execve of the helper", "opening a file",
	"dropping CAP_SYS_RESOURCE",
};

static void child_setup(const struct live *lv, const struct scenario_task *tk,
			int sock, int memfd, pid_t driver) __attribute__((noreturn));
static void child_setup(const struct live *lv, const struct scenario_task *tk,
			int sock, int memfd, pid_t driver)
{
	static char fd_texts[LIVE_MAX_OBJECTS][16];
	static char *argv[4 + LIVE_MAX_OBJECTS + 1];
	char fd_text[16], size_text[32], memfd_text[16];
	char *envp[] = {NULL};
	struct rlimit rl;
	sigset_t all;
	cpu_set_t cpus;
	size_t i;
	int ret;

	argv[0] = NATIVE_TASK_HELPER;
	argv[1] = fd_text;
	argv[2] = size_text;
	argv[3] = memfd_text;
	snprintf(memfd_text, sizeof(memfd_text), "%d", memfd);
	snprintf(size_text, sizeof(size_text), "%llu", (unsigned long long)lv->buffer_size);

	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) || getppid() != driver)
		child_fail(sock, 1, errno);
	CPU_ZERO(&cpus);
	CPU_SET(tk->cpu, &cpus);
	if (sched_setaffinity(0, sizeof(cpus), &cpus))
		child_fail(sock, 2, errno);
	if (getrlimit(RLIMIT_MEMLOCK, &rl))
		child_fail(sock, 3, errno);
	/* above the hard limit only with cap_ipc_lock, where the kernel never
	 * reads it (native_scenario_check): then the hard limit it is */
	rl.rlim_cur = tk->memlock_unlimited ? RLIM_INFINITY : tk->memlock;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_cur > rl.rlim_max &&
	    tk->cap_ipc_lock && !lv->can_raise_memlock)
		rl.rlim_cur = rl.rlim_max;
	rl.rlim_max = rl.rlim_cur;
	if (setrlimit(RLIMIT_MEMLOCK, &rl))
		child_fail(sock, 3, errno);
	/* as root, before the uid changes: the bounding set, the files.  No
	 * task has CAP_SYS_RESOURCE, on every host alike: a `setrlimit` that
	 * raises the hard limit is EPERM, as on the model */
	if (!tk->cap_ipc_lock) {
		ret = drop_capability(CAP_IPC_LOCK);
		if (ret)
			child_fail(sock, 5, -ret);
	}
	ret = drop_capability(CAP_SYS_RESOURCE);
	if (ret)
		child_fail(sock, 8, -ret);
	for (i = 0; i < exec_nr_objects(&lv->x, EXEC_FILES); i++) {
		int fd = open(lv->file_paths[i], O_RDWR);

		if (fd < 0)
			child_fail(sock, 7, errno);
		/* no readahead on a disk file, as the model has none: a read
		 * brings in exactly its pages, each an order-0 folio
		 * (force_page_cache_ra; ext4 readahead would make large ones) */
		if (exec_object_at(&lv->x, EXEC_FILES, i)->st->file.fs == SCENARIO_FS_DISK)
			posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM);
		snprintf(fd_texts[i], sizeof(fd_texts[i]), "%d", fd);
		argv[4 + i] = fd_texts[i];
	}
	argv[4 + i] = NULL;
	if (tk->uid_given && tk->uid != 0) {
		ret = become_uid(tk->uid, tk->cap_ipc_lock);
		if (ret)
			child_fail(sock, 4, -ret);
	}
	if (fcntl(sock, F_SETFD, 0) || fcntl(memfd, F_SETFD, 0))
		child_fail(sock, 6, errno);
	snprintf(fd_text, sizeof(fd_text), "%d", sock);
	execve(lv->o->helper, argv, envp);
	child_fail(sock, 6, errno);
}

int live_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* The loop's task_init: no process yet. */
void live_task_init(struct exec *x, struct exec_task *xt)
{
	struct live_task *t = (struct live_task *)xt;

	(void)x;
	t->pidfd = t->sock = t->memfd = -1;
	t->memcg = -1;
}

/* A new task; every live_task pointer may have moved.  NULL: too many. */
struct live_task *live_add_task(struct live *lv, const char *name)
{
	if (exec_nr_tasks(&lv->x) == LIVE_MAX_TASKS)
		return NULL;
	return (struct live_task *)exec_add_task(&lv->x, name, 0);
}

uint64_t live_limit_pages(const struct scenario_task *tk)
{
	if (tk->memlock_unlimited)
		return UINT64_MAX;
	return tk->memlock / LIVE_PAGE_SIZE;
}

int live_spawn_task(struct live *lv, const struct scenario_statement *st)
{
	const struct scenario_task *tk = &st->task;
	struct native_reply r;
	struct live_task *t;
	pid_t driver = getpid(), pid;
	int sv[2], ret;

	t = live_add_task(lv, tk->name);
	if (!t)
		return live_driver_error(lv, st, "more than %d tasks", LIVE_MAX_TASKS);
	t->cpu = tk->cpu;
	t->limit_pages = live_limit_pages(tk);
	t->capable = tk->cap_ipc_lock;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return live_driver_error(lv, st, "socketpair: %s", strerror(errno));
	/* the helper's shared memory, held by us to the end of the run */
	t->memfd = (int)syscall(SYS_memfd_create, "unevict-task", MFD_CLOEXEC);
	if (t->memfd < 0) {
		ret = errno;
		close(sv[0]);
		close(sv[1]);
		return live_driver_error(lv, st, "memfd_create: %s", strerror(ret));
	}
	pid = fork();
	if (pid < 0) {
		ret = errno;
		close(sv[0]);
		close(sv[1]);
		return live_driver_error(lv, st, "fork: %s", strerror(ret));
	}
	if (pid == 0) {
		close(sv[0]);
		child_setup(lv, tk, sv[1], t->memfd, driver);
	}
	close(sv[1]);
	t->sock = sv[0];
	t->x.pid = pid;
	t->pidfd = live_pidfd_open(pid);
	if (t->pidfd < 0 || live_register_pid(pid, t->pidfd)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return live_driver_error(lv, st, "pidfd_open: %s", strerror(errno));
	}
	ret = live_receive(lv, t->sock, &r);
	if (ret)
		return live_driver_error(lv, st, "task '%s' %s while starting", t->x.name,
				    live_task_failure(ret));
	if (r.op != NATIVE_OP_HELLO || r.err || r.pid != pid) {
		int step = r.pid < 0 && -r.pid < (int)(sizeof(child_steps) /
						      sizeof(child_steps[0])) ? -r.pid : 0;

		return live_driver_error(lv, st, "task '%s' could not start: %s: %s", t->x.name,
				    child_steps[step], strerror(r.err));
	}
	return live_join_memcg(lv, st, t);
}


struct live_task *live_find_task(struct live *lv, const char *name)
{
	return (struct live_task *)exec_find_task(&lv->x, name);
}

/* The task st names, alive; NULL: the run stops here (recorded). */
struct live_task *live_alive_task(struct live *lv, const struct scenario_statement *st,
				   const char *name)
{
	int ret;

	return (struct live_task *)exec_alive_task(&lv->x, st, name, &ret);
}

/*
 * The signal that killed a dead task, 0 if it exited, -1 if unknown: its
 * wait status when it is our child (waitid on its pidfd reaps it), else
 * the exit_code of its /proc/PID/stat (field 52) while it is a zombie.
 */
static int death_signal(struct live *lv, struct live_task *t)
{
	siginfo_t si;
	char path[64], *p;
	long code;
	int field;

	memset(&si, 0, sizeof(si));
	if (!syscall(SYS_waitid, 3 /* P_PIDFD */, t->pidfd, &si, WEXITED | WNOHANG | __WALL,
		     NULL) && si.si_pid)
		return si.si_code == CLD_EXITED ? 0 : si.si_status;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)t->x.pid);
	if (live_read_file(path, lv->buf, 4096))
		return -1;
	p = strrchr(lv->buf, ')');
	for (field = 2; p && field < 52; field++)
		p = strchr(p + 1, ' ');
	if (!p)
		return -1;
	code = strtol(p + 1, NULL, 10);
	return code & 0x7f ? (int)(code & 0x7f) : 0;
}

/*
 * A task died without being told to (its pidfd is readable): the memcg
 * OOM killer's SIGKILL.  It counts as exited from here on, as the model's
 * victim does.  Any other death is the driver's failure.
 */
static int task_died(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t)
{
	int sig = death_signal(lv, t);

	exec_task_killed(&t->x, st);
	if (t->sock >= 0)
		close(t->sock);
	t->sock = -1;
	t->x.killed = sig == SIGKILL;
	if (sig != SIGKILL)
		return live_driver_error(lv, st, "task '%s' died (%s)", t->x.name,
				    sig > 0 ? strsignal(sig) : sig == 0 ? "exited" : "how is unknown");
	return 0;
}

/* Every task the OOM killer took meanwhile, besides the caller. */
int live_sweep_dead_tasks(struct live *lv, const struct scenario_statement *st)
{
	size_t i;
	int ret;

	for (i = 0; i < exec_nr_tasks(&lv->x); i++) {
		struct live_task *t = (struct live_task *)exec_task_at(&lv->x, i);
		struct pollfd p = {.fd = t->pidfd, .events = POLLIN};

		if (t->x.exit_line || t->pidfd < 0 || poll(&p, 1, 0) != 1)
			continue;
		ret = task_died(lv, st, t);
		if (ret)
			return ret;
	}
	return 0;
}

/* Send a command to t and read its reply: 0, LIVE_CALL_KILLED, or a
 * driver error. */
int live_call_task(struct live *lv, const struct scenario_statement *st,
		     struct live_task *t, struct native_cmd *c, struct native_reply *r)
{
	int ret = live_send_cmd(t->sock, c, -1);

	if (!ret)
		ret = live_receive(lv, t->sock, r);
	if ((ret == -EPIPE || ret == -ECONNRESET) &&
	    !live_wait_readable(t->pidfd, lv->o->timeout_ms)) {
		ret = task_died(lv, st, t);
		return ret ? ret : LIVE_CALL_KILLED;
	}
	if (!ret && r->op != c->op)
		ret = -EPROTO;
	if (ret)
		return live_driver_error(lv, st, "task '%s' %s", t->x.name, live_task_failure(ret));
	return 0;
}

#endif /* __linux__ */
