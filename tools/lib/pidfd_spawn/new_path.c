// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The CLONE_EMPTY implementation.
 *
 * clone3(CLONE_EMPTY | CLONE_PIDFD) creates a process that has no memory,
 * no descriptors, default signal handlers and an empty mask, parked in the
 * kernel.  The returned pidfd is the builder: the request is translated into
 * pidfd_config() keys, then PIDFD_CONFIG_CMD_EXEC runs the ordered steps in
 * the child and executes the program.  The commit returns the exact errno of
 * the step that failed; if the exec failed the child stays parked, so the
 * PATH search sets "exe" again and commits again.  Nothing of the caller is
 * shared with the child, so, unlike the fallback, no signal needs blocking.
 *
 * The translation:
 *   inherit_fds                   POSIX: the child starts with the caller's
 *                                 descriptors that are not close-on-exec
 *   addopen(fd, path, fl, mode)   "fd:N" SET_BINARY struct pidfd_config_open
 *   adddup2(old, new)             "fd:N" SET_FD, aux = the caller's descriptor
 *                                 that old is in the child at that point; it
 *                                 is installed without FD_CLOEXEC, which is
 *                                 also what adddup2(fd, fd) asks for
 *   addclose(fd)                  "fd:N" SET_FLAG, left out when fd is surely
 *                                 not open in the child (close() errors are
 *                                 ignored, as in glibc)
 *   addchdir(path)                "cwd" SET_PATH, AT_FDCWD
 *   addfchdir(fd)                 "cwd" SET_FD
 *   caller's ignored signals      "sigignore" minus POSIX_SPAWN_SETSIGDEF
 *   caller's mask or SETSIGMASK   "sigmask"
 *   SETSID, SETPGROUP, RESETIDS   "setsid", "pgid", "resetids"
 *   SETSCHEDULER, SETSCHEDPARAM   sched_setscheduler() / sched_setparam() on
 *                                 the parked pid
 *   SETCGROUP                     CLONE_INTO_CGROUP
 *   argv, envp                    "argv", "envp" SET_BINARY blocks
 *   path                          "exe" SET_STRING, then PIDFD_CONFIG_CMD_EXEC
 *
 * Anything refused before the commit is answered with PFS_USE_FALLBACK: the
 * caller replays the request on the fallback, which reports the error glibc
 * reports, in glibc's order (the kernel checks some arguments when they are
 * configured, before earlier actions would have run).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

static int pfs_config(int pidfd, unsigned int cmd, const char *key,
		      const void *value, int aux)
{
	return pfs_sys_pidfd_config(pidfd, cmd, key, value, aux);
}

static int pfs_config_fd(int pidfd, unsigned int cmd, int fd,
			 const void *value, int aux)
{
	char key[sizeof("fd:") + 11];

	snprintf(key, sizeof(key), "fd:%d", fd);
	return pfs_config(pidfd, cmd, key, value, aux);
}

/* Whether the child surely lacks descriptor @fd when action @i runs. */
static bool pfs_child_lacks_fd(const posix_spawn_file_actions_t *fa, int i,
			       int fd)
{
	const struct pfs_action *acts = pfs_actions(fa);
	int flags;

	while (--i >= 0) {
		const struct pfs_action *act = &acts[i];

		if (act->tag == PFS_ACT_CLOSE && act->fd == fd)
			return true;
		if ((act->tag == PFS_ACT_OPEN && act->fd == fd) ||
		    (act->tag == PFS_ACT_DUP2 && act->newfd == fd))
			return false;
	}
	/* Untouched by the list: as in the inherit_fds snapshot. */
	flags = fcntl(fd, F_GETFD);
	return flags < 0 || (flags & FD_CLOEXEC);
}

static int pfs_config_actions(int pidfd, const posix_spawn_file_actions_t *fa)
{
	const struct pfs_action *acts = pfs_actions(fa);
	struct pfs_config_open op;
	int i, fd;

	for (i = 0; i < fa->__used; i++) {
		const struct pfs_action *act = &acts[i];

		switch (act->tag) {
		case PFS_ACT_OPEN:
			memset(&op, 0, sizeof(op));
			op.path = (uintptr_t)act->path;
			op.flags = act->oflag | PFS_KERNEL_O_LARGEFILE;
			op.mode = act->mode;
			if (pfs_config_fd(pidfd, PIDFD_CONFIG_SET_BINARY,
					  act->fd, &op, sizeof(op)) < 0)
				return -1;
			break;
		case PFS_ACT_DUP2:
			fd = pfs_caller_fd(fa, i, act->fd);
			if (fd < 0 || fd == pidfd) {
				errno = EBADF;
				return -1;
			}
			if (pfs_config_fd(pidfd, PIDFD_CONFIG_SET_FD,
					  act->newfd, NULL, fd) < 0)
				return -1;
			break;
		case PFS_ACT_CLOSE:
			if (pfs_child_lacks_fd(fa, i, act->fd))
				break;
			if (pfs_config_fd(pidfd, PIDFD_CONFIG_SET_FLAG,
					  act->fd, NULL, 0) < 0)
				return -1;
			break;
		case PFS_ACT_CHDIR:
			if (pfs_config(pidfd, PIDFD_CONFIG_SET_PATH, "cwd",
				       act->path, AT_FDCWD) < 0)
				return -1;
			break;
		case PFS_ACT_FCHDIR:
			fd = act->fd < 0 ? act->fd :
				pfs_caller_fd(fa, i, act->fd);
			if (fd < 0 || fd == pidfd) {
				errno = EBADF;
				return -1;
			}
			if (pfs_config(pidfd, PIDFD_CONFIG_SET_FD, "cwd",
				       NULL, fd) < 0)
				return -1;
			break;
		default:
			/* pfs_needs_fallback() sent these to the fallback. */
			errno = EINVAL;
			return -1;
		}
	}
	return 0;
}

static bool pfs_sigset_empty(const sigset_t *set)
{
	static const sigset_t empty;

	return memcmp(set, &empty, PFS_KSIGSET_SIZE) == 0;
}

static int pfs_config_signals(int pidfd, const posix_spawnattr_t *attr)
{
	bool setsigdef = attr->__flags & POSIX_SPAWN_SETSIGDEF;
	struct sigaction sa;
	sigset_t set;
	int sig;

	/*
	 * Dispositions: the child starts with every handler SIG_DFL, so a
	 * caught signal is already SIG_DFL; the signals the caller ignores
	 * stay ignored unless POSIX_SPAWN_SETSIGDEF names them.
	 */
	sigemptyset(&set);
	for (sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    sig == PFS_SIGCANCEL || sig == PFS_SIGSETXID)
			continue;
		if (setsigdef && sigismember(&attr->__sd, sig) == 1)
			continue;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			sigaddset(&set, sig);
	}
	if (!pfs_sigset_empty(&set) &&
	    pfs_config(pidfd, PIDFD_CONFIG_SET_BINARY, "sigignore", &set,
		       PFS_KSIGSET_SIZE) < 0)
		return -1;

	/* The mask: POSIX_SPAWN_SETSIGMASK's, or the caller's. */
	if (attr->__flags & POSIX_SPAWN_SETSIGMASK) {
		memcpy(&set, &attr->__ss, sizeof(set));
		pfs_sigset_clear_internal(&set);
	} else {
		pthread_sigmask(SIG_BLOCK, NULL, &set);
	}
	if (!pfs_sigset_empty(&set) &&
	    pfs_config(pidfd, PIDFD_CONFIG_SET_BINARY, "sigmask", &set,
		       PFS_KSIGSET_SIZE) < 0)
		return -1;
	return 0;
}

static int pfs_config_attr(int pidfd, pid_t pid, const posix_spawnattr_t *attr)
{
	short flags = attr->__flags;

	if (pfs_config_signals(pidfd, attr) < 0)
		return -1;

	if ((flags & (POSIX_SPAWN_SETSCHEDPARAM | POSIX_SPAWN_SETSCHEDULER)) ==
	    POSIX_SPAWN_SETSCHEDPARAM) {
		if (sched_setparam(pid, &attr->__sp) < 0)
			return -1;
	} else if (flags & POSIX_SPAWN_SETSCHEDULER) {
		if (sched_setscheduler(pid, attr->__policy, &attr->__sp) < 0)
			return -1;
	}

	if ((flags & POSIX_SPAWN_SETSID) &&
	    pfs_config(pidfd, PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 0) < 0)
		return -1;
	if ((flags & POSIX_SPAWN_SETPGROUP) &&
	    pfs_config(pidfd, PIDFD_CONFIG_SET_INT, "pgid", NULL,
		       attr->__pgrp) < 0)
		return -1;
	if ((flags & POSIX_SPAWN_RESETIDS) &&
	    pfs_config(pidfd, PIDFD_CONFIG_SET_FLAG, "resetids", NULL, 0) < 0)
		return -1;
	return 0;
}

/*
 * Sets "argv" or "envp" to @vec (NULL: empty) with one SET_BINARY block of
 * NUL-terminated strings, or one SET_STRING per element when there is no
 * memory for the block.
 */
static int pfs_config_vector(int pidfd, const char *key, char *const *vec)
{
	size_t total = 0, len;
	char *block, *p;
	int i, ret;

	if (!vec || !vec[0])
		return 0;	/* the vector starts empty */

	for (i = 0; vec[i]; i++) {
		len = strlen(vec[i]) + 1;
		if (total + len > INT_MAX) {
			errno = E2BIG;
			return -1;
		}
		total += len;
	}

	block = malloc(total);
	if (!block) {
		for (i = 0; vec[i]; i++)
			if (pfs_config(pidfd, PIDFD_CONFIG_SET_STRING, key,
				       vec[i], 0) < 0)
				return -1;
		return 0;
	}
	for (p = block, i = 0; vec[i]; i++) {
		len = strlen(vec[i]) + 1;
		memcpy(p, vec[i], len);
		p += len;
	}
	ret = pfs_config(pidfd, PIDFD_CONFIG_SET_BINARY, key, block, total);
	free(block);
	return ret;
}

/*
 * One commit.  ESRCH: the child was killed (by a signal someone sent it)
 * before it could execute the program.  glibc reports success in that case,
 * leaving the caller to reap a child killed before its exec; so do we.
 */
static int pfs_exec(int pidfd)
{
	if (pfs_config(pidfd, PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 0) == 0)
		return 0;
	return errno == ESRCH ? 0 : errno;
}

/*
 * Commits with "exe" set to each candidate in turn, as execvpe() tries
 * them.  Returns 0 once the program runs, or the errno to report.
 * *@committed tells whether any commit happened (so the steps before the
 * exec have run and the answer is final).
 */
static int pfs_commit(int pidfd, const struct pfs_request *req,
		      bool *committed)
{
	char buf[PFS_CANDIDATE_MAX];
	struct pfs_path_iter it;
	bool got_eacces = false;
	const char *exe;
	int err = ENOENT;

	*committed = false;
	if (!req->search) {
		if (pfs_config(pidfd, PIDFD_CONFIG_SET_STRING, "exe",
			       req->file, 0) < 0)
			return errno;
		*committed = true;
		return pfs_exec(pidfd);
	}

	pfs_path_iter_init(&it, req->search, req->file);
	while ((exe = pfs_path_iter_next(&it, buf))) {
		if (pfs_config(pidfd, PIDFD_CONFIG_SET_STRING, "exe",
			       exe, 0) < 0) {
			/*
			 * ESRCH after a commit: a step before the exec failed
			 * and the kernel killed the child; that commit's
			 * error is the answer.
			 */
			return *committed ? err : errno;
		}
		*committed = true;
		err = pfs_exec(pidfd);
		if (!err)
			return 0;
		if (!pfs_path_error_continues(err, &got_eacces))
			return err;
	}
	if (!*committed) {
		/* No usable PATH element: nothing ran, nothing to report. */
		return ENOENT;
	}
	return got_eacces ? EACCES : err;
}

/* Ends a child that will not run: abort it, reap it, drop the builder. */
static void pfs_discard(pid_t pid, int pidfd)
{
	if (pfs_config(pidfd, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0) == 0 ||
	    errno == ESRCH) {
		pfs_reap(pid, pidfd);
		pfs_close_keep_errno(pidfd);
	} else {
		/* Closing the last reference to the builder kills the child. */
		pfs_close_keep_errno(pidfd);
		pfs_reap(pid, -1);
	}
}

enum pfs_outcome pfs_spawn_clone_empty(const struct pfs_request *req,
				       int *result, int *err)
{
	const posix_spawnattr_t *attr = req->attr;
	bool cgroup = attr->__flags & POSIX_SPAWN_SETCGROUP;
	struct pfs_clone_args args;
	bool committed;
	int pidfd = -1;
	pid_t pid;
	int ret;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_EMPTY | CLONE_PIDFD;
	args.pidfd = (uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	if (cgroup) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (unsigned int)pfs_attr_cgroup(attr);
	}

	pid = pfs_sys_clone3_empty(&args, sizeof(args));
	if (pid < 0) {
		/*
		 * A kernel without CLONE_EMPTY (or without clone3) refuses
		 * the flag with EINVAL (ENOSYS).  With CLONE_INTO_CGROUP,
		 * EINVAL may be about the cgroup: do not conclude then.
		 */
		if (errno == ENOSYS || (errno == EINVAL && !cgroup))
			pfs_clone_empty_set_unsupported();
		return PFS_USE_FALLBACK;
	}

	if (pfs_config(pidfd, PIDFD_CONFIG_SET_FLAG, "inherit_fds",
		       NULL, 0) < 0) {
		if (errno == ENOSYS)
			pfs_clone_empty_set_unsupported();
		goto replay;
	}
	if (req->fa && pfs_config_actions(pidfd, req->fa) < 0)
		goto replay;
	if (pfs_config_attr(pidfd, pid, attr) < 0)
		goto replay;
	if (pfs_config_vector(pidfd, "argv", req->argv) < 0)
		goto replay;
	if (pfs_config_vector(pidfd, "envp", req->envp) < 0)
		goto replay;

	ret = pfs_commit(pidfd, req, &committed);
	if (ret && !committed)
		goto replay;
	if (ret) {
		pfs_discard(pid, pidfd);
		*err = ret;
		return PFS_DONE;
	}

	if (req->want_pidfd) {
		*result = pidfd;
	} else {
		/* After a successful commit, closing the builder is harmless. */
		close(pidfd);
		*result = pid;
	}
	*err = 0;
	return PFS_DONE;

replay:
	pfs_discard(pid, pidfd);
	return PFS_USE_FALLBACK;
}
