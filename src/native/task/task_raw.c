/*
 * task_raw.c - the helper's raw system calls and its own setjmp/longjmp
 * (task_raw.h), apart from unevict_task.c: code that writes no byte but
 * the registers and the stack it runs on, which the helper needs after a
 * fork (unevict_task.c's header comment says why).
 */
#include "task_raw.h"

#include <errno.h>
#include <unistd.h>

/*
 * A raw system call: -errno on failure, and errno (in the TLS block, a
 * private page fork shares copy-on-write) is never written.
 */
long sys6(long n, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
#elif defined(__aarch64__)
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
#else
	/* elsewhere a failed call writes errno: a copy-on-write fault after
	 * a fork (docs/CONFORM.md) */
	long r = syscall(n, a, b, c, d, e, f);

	return r == -1 ? -errno : r;
#endif
}

/*
 * setjmp and longjmp of our own, for the way out of a touch that faulted.
 * Not glibc's siglongjmp: it (_longjmp_unwind -> __pthread_cleanup_upto)
 * writes the thread's cleanup_jmp_buf in the TLS block, a private page.
 * These save and restore the callee-saved registers, the stack pointer and
 * the return address, nothing else; with SA_NODEFER there is no signal
 * mask to restore, and no sigaltstack is in use.  Elsewhere: sigsetjmp.
 */
#if defined(__x86_64__) || defined(__aarch64__)
#if defined(__x86_64__)
__asm__(".text\n"
	".globl task_setjmp\n"
	".type task_setjmp,@function\n"
	"task_setjmp:\n"
	"	mov %rbx, 0(%rdi)\n"
	"	mov %rbp, 8(%rdi)\n"
	"	mov %r12, 16(%rdi)\n"
	"	mov %r13, 24(%rdi)\n"
	"	mov %r14, 32(%rdi)\n"
	"	mov %r15, 40(%rdi)\n"
	"	lea 8(%rsp), %rdx\n"
	"	mov %rdx, 48(%rdi)\n"
	"	mov (%rsp), %rdx\n"
	"	mov %rdx, 56(%rdi)\n"
	"	xor %eax, %eax\n"
	"	ret\n"
	".size task_setjmp, .-task_setjmp\n"
	".globl task_longjmp\n"
	".type task_longjmp,@function\n"
	"task_longjmp:\n"
	"	mov 0(%rdi), %rbx\n"
	"	mov 8(%rdi), %rbp\n"
	"	mov 16(%rdi), %r12\n"
	"	mov 24(%rdi), %r13\n"
	"	mov 32(%rdi), %r14\n"
	"	mov 40(%rdi), %r15\n"
	"	mov 48(%rdi), %rsp\n"
	"	mov %esi, %eax\n"
	"	jmp *56(%rdi)\n"
	".size task_longjmp, .-task_longjmp\n");
#else
__asm__(".text\n"
	".globl task_setjmp\n"
	".type task_setjmp,%function\n"
	"task_setjmp:\n"
	"	stp x19, x20, [x0, #0]\n"
	"	stp x21, x22, [x0, #16]\n"
	"	stp x23, x24, [x0, #32]\n"
	"	stp x25, x26, [x0, #48]\n"
	"	stp x27, x28, [x0, #64]\n"
	"	stp x29, x30, [x0, #80]\n"
	"	mov x2, sp\n"
	"	str x2, [x0, #96]\n"
	"	stp d8, d9, [x0, #104]\n"
	"	stp d10, d11, [x0, #120]\n"
	"	stp d12, d13, [x0, #136]\n"
	"	stp d14, d15, [x0, #152]\n"
	"	mov w0, #0\n"
	"	ret\n"
	".size task_setjmp, .-task_setjmp\n"
	".globl task_longjmp\n"
	".type task_longjmp,%function\n"
	"task_longjmp:\n"
	"	ldp x19, x20, [x0, #0]\n"
	"	ldp x21, x22, [x0, #16]\n"
	"	ldp x23, x24, [x0, #32]\n"
	"	ldp x25, x26, [x0, #48]\n"
	"	ldp x27, x28, [x0, #64]\n"
	"	ldp x29, x30, [x0, #80]\n"
	"	ldr x2, [x0, #96]\n"
	"	mov sp, x2\n"
	"	ldp d8, d9, [x0, #104]\n"
	"	ldp d10, d11, [x0, #120]\n"
	"	ldp d12, d13, [x0, #136]\n"
	"	ldp d14, d15, [x0, #152]\n"
	"	mov w0, w1\n"
	"	ret\n"
	".size task_longjmp, .-task_longjmp\n");
#endif
#endif
