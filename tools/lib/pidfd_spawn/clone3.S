/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * long pfs_clone3_raw(struct pfs_clone_args *args, size_t size,
 *		       int (*fn)(void *), void *arg);
 *
 * clone3() that runs fn(arg) in the child on the stack given in args, then
 * exits with its return value.  Returns the child's pid, or -errno, in the
 * caller.  The syscall() wrapper cannot do this: the child would return
 * into a stack frame it does not have.
 */
#if defined(__x86_64__)

#ifdef __CET__
#include <cet.h>
#else
#define _CET_ENDBR
#endif

	.text
	.globl	pfs_clone3_raw
	.hidden	pfs_clone3_raw
	.type	pfs_clone3_raw, @function
	.p2align 4
pfs_clone3_raw:
	.cfi_startproc
	_CET_ENDBR
	/* fn and arg go where the system call preserves them. */
	movq	%rdx, %r8
	movq	%rcx, %r9
	movl	$435, %eax		/* __NR_clone3 */
	syscall
	testq	%rax, %rax
	jz	1f
	ret				/* caller: pid or -errno */
1:
	/* Child, on its own stack: no frame to return to. */
	.cfi_undefined rip
	xorl	%ebp, %ebp
	movq	%r9, %rdi
	call	*%r8
	movl	%eax, %edi
	movl	$60, %eax		/* __NR_exit */
	syscall
	hlt
	.cfi_endproc
	.size	pfs_clone3_raw, .-pfs_clone3_raw

#endif /* __x86_64__ */

	.section .note.GNU-stack, "", @progbits
