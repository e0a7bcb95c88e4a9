/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * libpidfd_spawn - posix_spawn() and pidfd_spawn() on CLONE_EMPTY
 *
 * README
 * ======
 *
 * libpidfd_spawn reimplements the posix_spawn family of glibc 2.39 with the
 * same signatures, the same object types (posix_spawnattr_t and
 * posix_spawn_file_actions_t keep glibc's size and alignment) and the same
 * observable behaviour:
 *
 *   posix_spawn, posix_spawnp, pidfd_spawn, pidfd_spawnp, pidfd_getpid,
 *   posix_spawn_file_actions_{init,destroy,addopen,addclose,adddup2,
 *     addchdir_np,addfchdir_np,addclosefrom_np,addtcsetpgrp_np},
 *   posix_spawn_file_actions_{addchdir,addfchdir} (POSIX.1-2024 names),
 *   posix_spawnattr_{init,destroy} and every get/set pair (flags, pgroup,
 *     sigmask, sigdefault, schedpolicy, schedparam, cgroup_np).
 *
 * Link with -lpidfd_spawn (pkg-config: pidfd_spawn), or replace the family
 * in an unmodified dynamically linked program with
 * LD_PRELOAD=libpidfd_spawn.so.1.  The whole family is interposed together:
 * the init and add functions fill the objects that posix_spawn() reads, so
 * objects must not be shared between this library and another posix_spawn
 * implementation.
 *
 * How a process is created
 * ------------------------
 * On a kernel with CLONE_EMPTY, a spawn creates an empty process with
 * clone3(CLONE_EMPTY | CLONE_PIDFD), describes the new program with
 * pidfd_config() settings (inherited descriptors, the file actions in
 * order, signal dispositions and mask, session, process group, ids, argv,
 * envp and exe) and commits it with PIDFD_CONFIG_CMD_EXEC, which reports
 * the exact errno of the step that failed.  The settings are sent together
 * with PIDFD_CONFIG_SET_BATCH (a call takes up to 1024 of them), so a
 * spawn is three system calls: clone3(), pidfd_config(), the commit; on a
 * kernel without the batch command, one pidfd_config() per setting.
 * posix_spawnp() tries each PATH candidate by setting exe and committing
 * again on the same parked process.  Nothing of the caller's address space
 * is copied or shared.
 *
 * Elsewhere a vfork-style child is used, as glibc does: clone(CLONE_VM |
 * CLONE_VFORK) on a stack of its own, all signals blocked in the caller,
 * errors reported through memory shared with the caller.  On a kernel with
 * CLONE_EMPTY, these requests take it too (the reason shown by
 * PIDFD_SPAWN_DEBUG in brackets):
 *   - on a kernel that lacks a pidfd_config() key newer than CLONE_EMPTY
 *     itself: posix_spawn_file_actions_addclosefrom_np() without
 *     "close_range" [closefrom]; posix_spawn_file_actions_addtcsetpgrp_np()
 *     without "tcsetpgrp" [tcsetpgrp]; adddup2() or addfchdir() of a
 *     descriptor that an earlier action of the list opened or closed,
 *     without "dup:N" or "cwd" taking a descriptor of the child [child_fd];
 *     addclose() of a descriptor beyond RLIMIT_NOFILE (lowered after the
 *     action was added), an error glibc reports, without "dup:N"
 *     [fd_range].  Without "inherit_sigignore" or "sigdefault" the
 *     library asks sigaction() about each signal instead, and stays on the
 *     CLONE_EMPTY path;
 *   - getrlimit(RLIMIT_NOFILE) failing [rlimit], which it does not on
 *     Linux;
 *   - any request refused before the commit [replay]: clone3() failed
 *     (EMFILE for the builder...) or pidfd_config() refused a value when
 *     it was given (addfchdir_np() of a negative descriptor, arguments
 *     over the execve() limit, an empty path...).  The child is aborted
 *     and the request replayed on the fallback, so that the error reported
 *     is the one glibc reports, in the order glibc checks (the kernel
 *     checks those values when they are configured, before the earlier
 *     actions run).
 * So on a kernel with all the keys, every request glibc carries out takes
 * the CLONE_EMPTY path, but for a caller out of descriptors.  The kernel's
 * support is probed once, by the first spawn (clone3() fails with EINVAL
 * or ENOSYS where CLONE_EMPTY is unknown), and remembered; so is each
 * newer key, by the first request that needs it (pidfd_config() refuses
 * an unknown key with EINVAL: that spawn is done again the old way), and
 * PIDFD_CONFIG_SET_BATCH, by the first spawn (EOPNOTSUPP where unknown:
 * its settings are then sent one by one).
 * A commit that fails with ESRCH (the parked child was killed by a signal
 * before its exec) is a success with a dead child, as in glibc.
 *
 * Environment
 * -----------
 *   PIDFD_SPAWN_FORCE_FALLBACK=1  always use the fallback (for tests).
 *   PIDFD_SPAWN_DEBUG=1           print one line per spawn to stderr:
 *                                 "pidfd_spawn: path=clone_empty" or
 *                                 "pidfd_spawn: path=fallback", followed
 *                                 by " reason=..." when the kernel has
 *                                 CLONE_EMPTY (or it is forced).
 * Both are read once, at the first spawn, with secure_getenv().
 * pidfd_spawn_np_stats() returns the same information as counters.
 *
 * Differences from glibc
 * ----------------------
 *   - glibc's compatibility versions posix_spawn@GLIBC_2.2.5 and
 *     posix_spawnp@GLIBC_2.2.5, for programs linked before glibc 2.15, run
 *     a file the kernel does not recognise (ENOEXEC: a script without
 *     "#!") as "/bin/sh FILE ARGV[1]...".  The shared library has them on
 *     x86-64, so a program bound to them gets that under LD_PRELOAD too;
 *     elsewhere it gets the default versions (GLIBC_2.15 on x86-64), which
 *     return ENOEXEC, as glibc's do.  posix_spawnp@GLIBC_2.2.5 gives the
 *     shell the file found in PATH, where glibc gives the name as passed,
 *     which the shell then opens in its working directory.
 *   - pidfd_spawn() with a NULL pidfd closes the pidfd instead of leaking it.
 *   - A NULL argv is an empty argument vector instead of a crash.
 *   - An over-long PATH element (PATH_MAX or more) is skipped; glibc tries
 *     the working directory in its place.
 *   - posix_spawnp() of a name longer than NAME_MAX fails with
 *     ENAMETOOLONG once the attributes and file actions are carried out
 *     (glibc 2.36 executes a truncated, unterminated name).
 *   - On the CLONE_EMPTY path, a spawn fails with EBADF if the caller has
 *     a descriptor without FD_CLOEXEC at or beyond its RLIMIT_NOFILE soft
 *     limit (lowered after the descriptor was opened): the kernel checks
 *     the inherited table against the limit, where glibc's child would
 *     inherit the descriptor.
 *   - POSIX_SPAWN_SETCGROUP needs clone3(); the fallback has it on x86_64
 *     and returns ENOTSUP on other architectures (glibc does the same on
 *     kernels without clone3()).
 *   - posix_spawn_file_actions_addfchdir() (the POSIX.1-2024 name) checks
 *     its descriptor like the other add functions, as POSIX requires;
 *     addfchdir_np() does not, as in glibc.
 */
#ifndef __PIDFD_SPAWN_H
#define __PIDFD_SPAWN_H

#include <features.h>
#include <spawn.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* GNU flags; POSIX_SPAWN_SETCGROUP is glibc 2.39's. */
#ifndef POSIX_SPAWN_USEVFORK
#define POSIX_SPAWN_USEVFORK	0x40	/* accepted, no effect */
#endif
#ifndef POSIX_SPAWN_SETSID
#define POSIX_SPAWN_SETSID	0x80
#endif
#ifndef POSIX_SPAWN_SETCGROUP
#define POSIX_SPAWN_SETCGROUP	0x100
#endif

#ifdef __cplusplus
extern "C" {
#endif

/*
 * glibc 2.39 declares these in <spawn.h> (pidfd_spawn, cgroup_np) and
 * <sys/pidfd.h> (pidfd_getpid) when __USE_MISC is defined.  The
 * declarations below are identical to glibc's, so declaring them twice is
 * harmless; they are skipped where glibc provides them anyway.
 */
#if !__GLIBC_PREREQ(2, 39) || !defined(__USE_MISC)
int posix_spawnattr_getcgroup_np(const posix_spawnattr_t *__restrict __attr,
				 int *__restrict __cgroup)
	__THROW __nonnull((1, 2));

int posix_spawnattr_setcgroup_np(posix_spawnattr_t *__attr, int __cgroup)
	__THROW __nonnull((1));

/* Not __THROW: like posix_spawn(), a possible cancellation point. */
int pidfd_spawn(int *__restrict __pidfd, const char *__restrict __path,
		const posix_spawn_file_actions_t *__restrict __facts,
		const posix_spawnattr_t *__restrict __attrp,
		char *const __argv[__restrict_arr],
		char *const __envp[__restrict_arr])
	__nonnull((2, 5));

int pidfd_spawnp(int *__restrict __pidfd, const char *__restrict __file,
		 const posix_spawn_file_actions_t *__restrict __facts,
		 const posix_spawnattr_t *__restrict __attrp,
		 char *const __argv[__restrict_arr],
		 char *const __envp[__restrict_arr])
	__nonnull((1, 2, 5));

int pidfd_getpid(int __fd) __THROW;
#endif

/* glibc declares the _np file actions for _GNU_SOURCE only. */
#ifndef __USE_GNU
int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *
					 __restrict __actions,
					 const char *__restrict __path)
	__THROW __nonnull((1, 2));

int posix_spawn_file_actions_addfchdir_np(posix_spawn_file_actions_t *__actions,
					  int __fd)
	__THROW __nonnull((1));

int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *
					     __actions, int __from)
	__THROW __nonnull((1));

int posix_spawn_file_actions_addtcsetpgrp_np(posix_spawn_file_actions_t *
					     __actions, int __tcfd)
	__THROW __nonnull((1));
#endif

/*
 * POSIX.1-2024 names.  Declared with the attributes glibc gives the _np
 * variants, so that a glibc declaring them too is compatible.
 */
int posix_spawn_file_actions_addchdir(posix_spawn_file_actions_t *
				      __restrict __actions,
				      const char *__restrict __path)
	__THROW __nonnull((1, 2));

int posix_spawn_file_actions_addfchdir(posix_spawn_file_actions_t *__actions,
				       int __fd)
	__THROW __nonnull((1));

/*
 * Library extension: how many spawns each implementation carried out since
 * the library was loaded.  Fills at most @size bytes of @stats (the
 * structure may grow at its end) and returns 0, or -1 with errno EINVAL.
 */
struct pidfd_spawn_np_stats {
	uint64_t clone_empty;	/* spawns done with CLONE_EMPTY */
	uint64_t fallback;	/* spawns done by the vfork-style fallback */
};

int pidfd_spawn_np_stats(struct pidfd_spawn_np_stats *__stats, size_t __size)
	__THROW;

#ifdef __cplusplus
}
#endif

#endif /* __PIDFD_SPAWN_H */
