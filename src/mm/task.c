/*
 * task.c - processes: creation, fork, exit, exec (kernel/fork.c,
 * kernel/exit.c, fs/exec.c).
 *
 * A model task starts with an empty address space: no program image, no
 * libc, no stack.  VmSize and VmLck therefore count only what the scenario
 * maps (SCENARIO.md; the live side compares per region where it matters).
 */
#include "internal.h"

void unev_task_config_default(struct unev_task_config *cfg)
{
	cfg->cpu = 0;
	cfg->memlock = 8ULL << 20;	/* RLIMIT_MEMLOCK default, 8 MiB */
	cfg->cap_ipc_lock = false;
	cfg->uid = 0;
	cfg->memcg = 0;
}

/* The task making the call becomes current: its CPU's batches are used. */
struct task_struct *task_lookup(struct unev_machine *m, int pid)
{
	struct task_struct *t;

	if (pid < 1 || (unsigned int)pid > m->nr_tasks)
		return NULL;
	t = m->tasks[pid - 1];
	if (!t->alive)
		return NULL;
	m->cur_cpu = t->cpu;
	m->cur_pid = t->pid;
	m->cur_memcg = t->memcg;
	return t;
}

bool unev_task_alive(const struct unev_machine *m, int pid)
{
	return pid >= 1 && (unsigned int)pid <= m->nr_tasks && m->tasks[pid - 1]->alive;
}

static struct task_struct *task_alloc(struct unev_machine *m)
{
	struct task_struct *t;

	if (m->nr_tasks == m->cap_tasks) {
		unsigned int cap = m->cap_tasks ? m->cap_tasks * 2 : 16;
		struct task_struct **n = realloc(m->tasks, cap * sizeof(*n));

		if (!n)
			return NULL;
		m->tasks = n;
		m->cap_tasks = cap;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->mm = mm_alloc();
	if (!t->mm) {
		free(t);
		return NULL;
	}
	m->tasks[m->nr_tasks++] = t;
	t->pid = (int)m->nr_tasks;
	t->alive = true;
	return t;
}

int unev_task_create(struct unev_machine *m, const struct unev_task_config *cfg, int *pid)
{
	struct task_struct *t;

	if (cfg->cpu >= m->cfg.cpus || cfg->memcg < 0 || (unsigned int)cfg->memcg >= m->nr_memcgs)
		return -EINVAL;
	t = task_alloc(m);
	if (!t)
		return -ENOMEM;
	t->cpu = cfg->cpu;
	t->rlimit_memlock = t->rlimit_memlock_max = cfg->memlock;
	t->cap_ipc_lock = cfg->cap_ipc_lock;
	t->uid = cfg->uid;
	t->memcg = cfg->memcg;
	t->files = t->pid;
	*pid = t->pid;
	return 0;
}

/* copy_process: credentials and rlimits are inherited, VM_LOCKED and
 * locked_vm are not, nor MCL_FUTURE (def_flags & VM_INIT_DEF_MASK). */
static int unev_sys_fork_call(struct unev_machine *m, int pid, int *child)
{
	struct task_struct *p = task_lookup(m, pid), *c;
	int err;

	if (!p)
		return -ESRCH;
	c = task_alloc(m);
	if (!c)
		return -ENOMEM;
	p = m->tasks[pid - 1];	/* the table may have moved */
	c->cpu = p->cpu;
	c->rlimit_memlock = p->rlimit_memlock;
	c->rlimit_memlock_max = p->rlimit_memlock_max;
	c->cap_ipc_lock = p->cap_ipc_lock;
	c->uid = p->uid;
	c->memcg = p->memcg;
	c->files = p->files;	/* copy_files: the same open file descriptions */
	err = dup_mmap(m, p->mm, c->mm);
	if (err) {
		mm_destroy(m, c->mm);
		c->mm = NULL;
		c->alive = false;
		return err;
	}
	*child = c->pid;
	return 0;
}

int unev_sys_fork(struct unev_machine *m, int pid, int *child)
{
	int ret = unev_sys_fork_call(m, pid, child);

	syscall_exit(m);
	return ret;
}

int unev_sys_exit(struct unev_machine *m, int pid)
{
	struct task_struct *t = task_lookup(m, pid);

	if (!t)
		return -ESRCH;
	task_kill(m, t);
	return 0;
}

/* exec_mmap: the old mm goes as on exit; the new one has no MCL_FUTURE. */
static int unev_sys_exec_call(struct unev_machine *m, int pid)
{
	struct task_struct *t = task_lookup(m, pid);
	struct mm_struct *mm;

	if (!t)
		return -ESRCH;
	mm = mm_alloc();
	if (!mm)
		return -ENOMEM;
	mm_destroy(m, t->mm);
	t->mm = mm;
	return 0;
}

int unev_sys_exec(struct unev_machine *m, int pid)
{
	int ret = unev_sys_exec_call(m, pid);

	syscall_exit(m);
	return ret;
}

/*
 * exit_to_user_mode: a task the OOM killer chose while it was the caller
 * (mem_cgroup_out_of_memory) got SIGKILL but kept its mm for the rest of
 * that call, as in the kernel, where do_exit -> exit_mmap runs only when it
 * leaves the system call.  Every unev_sys_* entry ends here.
 */
void syscall_exit(struct unev_machine *m)
{
	for (unsigned int i = 0; i < m->nr_tasks; i++) {
		struct task_struct *t = m->tasks[i];

		if (!t->alive && t->mm && t->exit_pending) {
			t->exit_pending = false;
			task_kill(m, t);
		}
	}
}

/* oom_kill_process on the caller: SIGKILL now, the exit on return. */
void task_kill_deferred(struct task_struct *t)
{
	t->alive = false;
	t->exit_pending = true;
}

void task_kill(struct unev_machine *m, struct task_struct *t)
{
	m->cur_cpu = t->cpu;
	m->cur_memcg = t->memcg;
	mm_destroy(m, t->mm);
	t->mm = NULL;
	t->alive = false;
}

/*
 * setrlimit -> do_prlimit: a soft limit above the hard one is EINVAL; a
 * hard limit raised needs CAP_SYS_RESOURCE, which no scenario task has
 * (the live tasks drop it): EPERM.  Only RLIMIT_MEMLOCK is modelled; mlock
 * reads the new soft limit at its next call, nothing locked changes.
 */
static int unev_sys_setrlimit_call(struct unev_machine *m, int pid, int resource, uint64_t cur,
				   uint64_t max)
{
	struct task_struct *t = task_lookup(m, pid);

	if (!t)
		return -ESRCH;
	if (resource != UNEV_RLIMIT_MEMLOCK)
		return -EINVAL;	/* not modelled */
	if (cur > max)
		return -EINVAL;
	if (max > t->rlimit_memlock_max)
		return -EPERM;
	t->rlimit_memlock = cur;
	t->rlimit_memlock_max = max;
	return 0;
}

int unev_sys_setrlimit(struct unev_machine *m, int pid, int resource, uint64_t cur, uint64_t max)
{
	int ret = unev_sys_setrlimit_call(m, pid, resource, cur, max);

	syscall_exit(m);
	return ret;
}

int unev_sys_getrlimit(struct unev_machine *m, int pid, int resource, uint64_t *cur,
		       uint64_t *max)
{
	struct task_struct *t = task_lookup(m, pid);
	int ret = 0;

	if (!t)
		ret = -ESRCH;
	else if (resource != UNEV_RLIMIT_MEMLOCK)
		ret = -EINVAL;	/* not modelled */
	else {
		if (cur)
			*cur = t->rlimit_memlock;
		if (max)
			*max = t->rlimit_memlock_max;
	}
	syscall_exit(m);
	return ret;
}
