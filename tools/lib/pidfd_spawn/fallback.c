// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The fallback: a vfork-style child, for kernels without CLONE_EMPTY (or
 * without a key a request needs) and for the requests pidfd_config()
 * refuses before the commit.
 *
 * The child shares the caller's memory (CLONE_VM) and runs on a stack of its
 * own; CLONE_VFORK suspends the caller until the child has executed the
 * program or exited.  The child carries out the attributes and the file
 * actions in glibc's order and stores the errno of a failed step in memory
 * the caller reads once it resumes.  Because memory is shared:
 *   - every signal, glibc's internal ones included, is blocked in the caller
 *     around the clone, so that no handler runs in the child on the caller's
 *     data; the child resets caught signals to SIG_DFL before unblocking;
 *   - the child calls only async-signal-safe functions, and the raw system
 *     calls where glibc's wrappers would act on the whole process
 *     (setresuid() and friends signal every thread of the caller);
 *   - cancellation is disabled by the caller (spawn.c).
 *
 * On x86_64 the child is created with clone3(), which brings
 * CLONE_CLEAR_SIGHAND (the kernel resets caught signals) and
 * CLONE_INTO_CGROUP (POSIX_SPAWN_SETCGROUP).  Elsewhere, or where clone3()
 * is unavailable, glibc's clone() is used and SETCGROUP fails with ENOTSUP.
 * pidfd_spawn() passes CLONE_PIDFD to either.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define PFS_CHILD_STACK_SIZE	(64 * 1024)

#ifndef __NR_close_range
#define __NR_close_range	436
#endif

struct pfs_child_args {
	sigset_t oldmask;		/* the caller's mask, to restore */
	const struct pfs_request *req;
	char **shell_argv;		/* PFS_SPAWN_TRY_SHELL */
	bool clear_sighand;		/* CLONE_CLEAR_SIGHAND was used */
	int err;			/* set by a failing child */
};

#if defined(__x86_64__)
long pfs_clone3_raw(struct pfs_clone_args *args, size_t size,
		    int (*fn)(void *), void *arg);

/* Set once clone3() turned out to be unavailable (ENOSYS, seccomp...). */
static int pfs_no_clone3;
#endif

/* -1: unknown, 0: no, 1: yes. */
static int pfs_clone_pidfd_ok = -1;

static int pfs_sigmask_raw(int how, const sigset_t *set, sigset_t *old)
{
	return syscall(SYS_rt_sigprocmask, how, set, old, PFS_KSIGSET_SIZE);
}

/* setresuid()/setresgid() for the calling task only. */
static int pfs_setresuid_task(uid_t r, uid_t e, uid_t s)
{
#ifdef SYS_setresuid32
	return syscall(SYS_setresuid32, r, e, s);
#else
	return syscall(SYS_setresuid, r, e, s);
#endif
}

static int pfs_setresgid_task(gid_t r, gid_t e, gid_t s)
{
#ifdef SYS_setresgid32
	return syscall(SYS_setresgid32, r, e, s);
#else
	return syscall(SYS_setresgid, r, e, s);
#endif
}

/* closefrom() without close_range(): walk /proc/self/fd. */
static int pfs_closefrom_proc(int from)
{
	char buf[1024];
	bool again = true;
	int dirfd;

	dirfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return -1;

	while (again) {
		long n, off;

		again = false;
		if (lseek(dirfd, 0, SEEK_SET) < 0)
			break;
		while ((n = syscall(SYS_getdents64, dirfd, buf,
				    sizeof(buf))) > 0) {
			for (off = 0; off < n;) {
				struct dirent64 *d = (void *)(buf + off);
				const char *s = d->d_name;
				int fd = 0;

				off += d->d_reclen;
				if (*s < '0' || *s > '9')
					continue;
				while (*s >= '0' && *s <= '9')
					fd = fd * 10 + (*s++ - '0');
				if (fd >= from && fd != dirfd) {
					close(fd);
					again = true;
				}
			}
		}
	}
	close(dirfd);
	return 0;
}

static int pfs_child_actions(const struct pfs_request *req)
{
	const posix_spawnattr_t *attr = req->attr;
	const struct pfs_action *act = pfs_actions(req->fa);
	int i, n = req->fa->__used;
	struct rlimit rl;
	int fd, flags;
	pid_t pgrp;

	for (i = 0; i < n; i++, act++) {
		switch (act->tag) {
		case PFS_ACT_CLOSE:
			/* Only a descriptor out of range is an error. */
			if (close(act->fd) == 0)
				break;
			if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
				return -1;
			if (act->fd < 0 || (rl.rlim_cur != RLIM_INFINITY &&
					    (rlim_t)act->fd >= rl.rlim_cur)) {
				errno = EBADF;
				return -1;
			}
			break;
		case PFS_ACT_OPEN:
			/* POSIX: the descriptor is closed before the open. */
			close(act->fd);
			fd = open(act->path, act->oflag | O_LARGEFILE,
				  act->mode);
			if (fd < 0)
				return -1;
			if (fd != act->fd) {
				if (dup2(fd, act->fd) != act->fd)
					return -1;
				if (close(fd) != 0)
					return -1;
			}
			break;
		case PFS_ACT_DUP2:
			/* Austin Group issue 411: dup2(fd, fd) drops FD_CLOEXEC. */
			if (act->fd == act->newfd) {
				flags = fcntl(act->fd, F_GETFD);
				if (flags < 0)
					return -1;
				if (fcntl(act->fd, F_SETFD,
					  flags & ~FD_CLOEXEC) < 0)
					return -1;
			} else if (dup2(act->fd, act->newfd) != act->newfd) {
				return -1;
			}
			break;
		case PFS_ACT_CHDIR:
			if (chdir(act->path) != 0)
				return -1;
			break;
		case PFS_ACT_FCHDIR:
			if (fchdir(act->fd) != 0)
				return -1;
			break;
		case PFS_ACT_CLOSEFROM:
			if (syscall(__NR_close_range, act->fd, ~0U, 0) != 0 &&
			    pfs_closefrom_proc(act->fd) != 0)
				return -1;
			break;
		case PFS_ACT_TCSETPGRP:
			pgrp = (attr->__flags & POSIX_SPAWN_SETPGROUP) &&
				attr->__pgrp != 0 ? attr->__pgrp : getpgid(0);
			if (tcsetpgrp(act->fd, pgrp) != 0)
				return -1;
			break;
		}
	}
	return 0;
}

/*
 * Executes the first candidate of the PATH search that can be executed;
 * returns the errno, with *@exe the candidate that failed last.
 */
static int pfs_child_search(const struct pfs_request *req, char *buf,
			    const char **exe)
{
	struct pfs_path_iter it;
	bool got_eacces = false;
	const char *candidate;

	if (strlen(req->file) > NAME_MAX)
		return ENAMETOOLONG;

	errno = ENOENT;
	pfs_path_iter_init(&it, req->search, req->file);
	while ((candidate = pfs_path_iter_next(&it, buf))) {
		*exe = candidate;
		execve(candidate, req->argv, req->envp);
		if (!pfs_path_error_continues(errno, &got_eacces))
			return errno;
	}
	return got_eacces ? EACCES : errno;
}

/* Executes the program, searching PATH if asked; returns the errno. */
static int pfs_child_exec(struct pfs_child_args *args)
{
	const struct pfs_request *req = args->req;
	char buf[PFS_CANDIDATE_MAX];
	const char *exe = req->file;
	int err;

	if (req->search) {
		err = pfs_child_search(req, buf, &exe);
	} else {
		execve(exe, req->argv, req->envp);
		err = errno;
	}
	if (err != ENOEXEC || !args->shell_argv)
		return err;

	/* posix_spawn@GLIBC_2.2.5: sh runs what the kernel does not know. */
	args->shell_argv[1] = (char *)exe;
	execve(PFS_SHELL, args->shell_argv, req->envp);
	return errno;
}

/* Runs in the child, on its own stack, sharing the caller's memory. */
static int pfs_child(void *arg)
{
	struct pfs_child_args *args = arg;
	const struct pfs_request *req = args->req;
	const posix_spawnattr_t *attr = req->attr;
	short flags = attr->__flags;
	struct sigaction sa, old;
	sigset_t mask;
	int sig;

	/*
	 * No handler of the caller may run here: caught signals become
	 * SIG_DFL (CLONE_CLEAR_SIGHAND did it already), ignored ones stay
	 * ignored unless POSIX_SPAWN_SETSIGDEF names them.  Every signal is
	 * blocked until the mask is set, just before the exec.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    sig == PFS_SIGCANCEL || sig == PFS_SIGSETXID)
			continue;
		if (!((flags & POSIX_SPAWN_SETSIGDEF) &&
		      sigismember(&attr->__sd, sig) == 1)) {
			if (args->clear_sighand)
				continue;
			if (sigaction(sig, NULL, &old) != 0 ||
			    old.sa_handler == SIG_IGN ||
			    old.sa_handler == SIG_DFL)
				continue;
		}
		sigaction(sig, &sa, NULL);
	}

	if ((flags & (POSIX_SPAWN_SETSCHEDPARAM | POSIX_SPAWN_SETSCHEDULER)) ==
	    POSIX_SPAWN_SETSCHEDPARAM) {
		if (sched_setparam(0, &attr->__sp) != 0)
			goto fail;
	} else if (flags & POSIX_SPAWN_SETSCHEDULER) {
		if (sched_setscheduler(0, attr->__policy, &attr->__sp) != 0)
			goto fail;
	}

	if ((flags & POSIX_SPAWN_SETSID) && setsid() < 0)
		goto fail;
	if ((flags & POSIX_SPAWN_SETPGROUP) && setpgid(0, attr->__pgrp) != 0)
		goto fail;
	if ((flags & POSIX_SPAWN_RESETIDS) &&
	    (pfs_setresuid_task(-1, getuid(), -1) != 0 ||
	     pfs_setresgid_task(-1, getgid(), -1) != 0))
		goto fail;

	if (req->fa && pfs_child_actions(req) != 0)
		goto fail;

	if (flags & POSIX_SPAWN_SETSIGMASK) {
		memcpy(&mask, &attr->__ss, sizeof(mask));
		pfs_sigset_clear_internal(&mask);
		pfs_sigmask_raw(SIG_SETMASK, &mask, NULL);
	} else {
		pfs_sigmask_raw(SIG_SETMASK, &args->oldmask, NULL);
	}

	errno = pfs_child_exec(args);
fail:
	args->err = errno ? errno : ECHILD;
	_exit(127);
}

/* Whether clone(CLONE_PIDFD) works: the probe glibc uses, once. */
static bool pfs_clone_pidfd_supported(void)
{
	int ok = __atomic_load_n(&pfs_clone_pidfd_ok, __ATOMIC_RELAXED);

	if (ok < 0) {
		int saved_errno = errno;
		siginfo_t si;

		/* P_PIDFD is 5.4; an invalid pidfd gives EBADF there. */
		ok = syscall(SYS_waitid, P_PIDFD, -1, &si, WEXITED,
			     NULL) < 0 && errno == EBADF;
		errno = saved_errno;
		__atomic_store_n(&pfs_clone_pidfd_ok, ok, __ATOMIC_RELAXED);
	}
	return ok;
}

static pid_t pfs_clone_child(struct pfs_child_args *args, void *stack,
			     size_t size, int *pidfd)
{
	const posix_spawnattr_t *attr = args->req->attr;
	bool cgroup = attr->__flags & POSIX_SPAWN_SETCGROUP;
	int flags;

#if defined(__x86_64__)
	if (!__atomic_load_n(&pfs_no_clone3, __ATOMIC_RELAXED)) {
		struct pfs_clone_args ca;
		long ret;

		memset(&ca, 0, sizeof(ca));
		ca.flags = CLONE_VM | CLONE_VFORK | CLONE_CLEAR_SIGHAND;
		ca.exit_signal = SIGCHLD;
		ca.stack = (uintptr_t)stack;
		ca.stack_size = size;
		if (pidfd) {
			ca.flags |= CLONE_PIDFD;
			ca.pidfd = (uintptr_t)pidfd;
		}
		if (cgroup) {
			ca.flags |= CLONE_INTO_CGROUP;
			ca.cgroup = (unsigned int)pfs_attr_cgroup(attr);
		}
		args->clear_sighand = true;
		ret = pfs_clone3_raw(&ca, sizeof(ca), pfs_child, args);
		if (ret >= 0)
			return ret;
		errno = -ret;
		/*
		 * ENOSYS: no clone3() (or a seccomp filter refusing it).
		 * EINVAL without CLONE_INTO_CGROUP: a kernel without
		 * CLONE_CLEAR_SIGHAND (5.3, 5.4).  Use clone() from now on.
		 * SETCGROUP has no fallback.
		 */
		if (errno == ENOSYS || (errno == EINVAL && !cgroup))
			__atomic_store_n(&pfs_no_clone3, 1, __ATOMIC_RELAXED);
		if (errno != ENOSYS && errno != EINVAL)
			return -1;
		if (cgroup) {
			if (errno == ENOSYS)
				errno = ENOTSUP;
			return -1;
		}
	}
#endif
	if (cgroup) {
		errno = ENOTSUP;
		return -1;
	}

	flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
	if (pidfd) {
		if (!pfs_clone_pidfd_supported()) {
			errno = ENOSYS;
			return -1;
		}
		flags |= CLONE_PIDFD;
	}
	args->clear_sighand = false;
	return clone(pfs_child, (char *)stack + size, flags, args, pidfd);
}

int pfs_spawn_fallback(const struct pfs_request *req, int *result)
{
	struct pfs_child_args args;
	int pidfd = -1, ec;
	sigset_t all;
	void *stack;
	pid_t pid;

	memset(&args, 0, sizeof(args));
	args.req = req;
	if (req->try_shell) {
		args.shell_argv = pfs_shell_argv(req);
		if (!args.shell_argv)
			return ENOMEM;
	}

	stack = mmap(NULL, PFS_CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		ec = errno;
		free(args.shell_argv);
		return ec;
	}

	/* All signals, glibc's internal ones too: sigfillset() omits them. */
	memset(&all, 0xff, sizeof(all));
	pfs_sigmask_raw(SIG_BLOCK, &all, &args.oldmask);

	pid = pfs_clone_child(&args, stack, PFS_CHILD_STACK_SIZE,
			      req->want_pidfd ? &pidfd : NULL);
	if (pid > 0) {
		/*
		 * The child has executed the program or exited.  A child
		 * killed before the exec leaves err at 0: that is a success
		 * with a dead child, for the caller to reap, as in glibc.
		 */
		ec = __atomic_load_n(&args.err, __ATOMIC_RELAXED);
		if (ec > 0) {
			pfs_reap(pid, pidfd);
			if (pidfd >= 0)
				close(pidfd);
		}
	} else {
		ec = errno;
	}

	munmap(stack, PFS_CHILD_STACK_SIZE);
	pfs_sigmask_raw(SIG_SETMASK, &args.oldmask, NULL);
	free(args.shell_argv);

	if (ec == 0)
		*result = req->want_pidfd ? pidfd : pid;
	return ec;
}
