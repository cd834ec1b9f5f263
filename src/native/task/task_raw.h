/*
 * task_raw.h - raw system calls (no errno written) and a setjmp/longjmp
 * of the helper's own (task_raw.c), for unevict_task.c.
 */
#ifndef UNEV_TASK_RAW_H
#define UNEV_TASK_RAW_H

#include <setjmp.h>
#include <sys/syscall.h>

/* A raw system call: the result, or -errno on failure. */
long sys6(long n, long a, long b, long c, long d, long e, long f);

#define sys0(n) sys6((n), 0, 0, 0, 0, 0, 0)
#define sys1(n, a) sys6((n), (long)(a), 0, 0, 0, 0, 0)
#define sys2(n, a, b) sys6((n), (long)(a), (long)(b), 0, 0, 0, 0)
#define sys3(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)
#define sys4(n, a, b, c, d) sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), 0, 0)
#define sys5(n, a, b, c, d, e) \
	sys6((n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* The errno of a raw call's result, 0 on success. */
static inline int err_of(long r)
{
	return r < 0 && r >= -4095 ? (int)-r : 0;
}

static inline void sys_exit(int code) __attribute__((noreturn));
static inline void sys_exit(int code)
{
	for (;;)
		sys1(SYS_exit_group, code);
}

/* The way out of a touch that faulted (task_raw.c says why not glibc's). */
#if defined(__x86_64__) || defined(__aarch64__)
int task_setjmp(void **env) __attribute__((returns_twice));
void task_longjmp(void **env, int val) __attribute__((noreturn));
#define TOUCH_SETJMP(env) task_setjmp(env)
#define TOUCH_LONGJMP(env) task_longjmp(env, 1)
#else
#define TOUCH_SETJMP(env) sigsetjmp(*(sigjmp_buf *)(void *)(env), 1)
#define TOUCH_LONGJMP(env) siglongjmp(*(sigjmp_buf *)(void *)(env), 1)
#endif

#endif /* UNEV_TASK_RAW_H */
