/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Internal interfaces of libpidfd_spawn.
 *
 * Nothing declared here is exported from the shared library: the version
 * script (libpidfd_spawn.map) only lists the public API, and everything is
 * built with -fvisibility=hidden.  Internal names carry the pfs_ prefix so
 * that they do not clash with an application linking the static library.
 */
#ifndef __PIDFD_SPAWN_INTERNAL_H
#define __PIDFD_SPAWN_INTERNAL_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "pidfd_spawn.h"

#define PFS_EXPORT __attribute__((visibility("default")))

/*
 * Constants of the CLONE_EMPTY / pidfd_config() interface
 * (Documentation/userspace-api/pidfd_spawn.rst).  The host's headers do not
 * have them yet.
 */
#ifndef CLONE_EMPTY
#define CLONE_EMPTY			0x4000000000ULL	/* 1ULL << 38 */
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD			0x00001000
#endif
#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND		0x100000000ULL
#endif
#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP		0x200000000ULL
#endif
#ifndef __NR_clone3
#define __NR_clone3			435
#endif
#ifndef __NR_pidfd_config
#define __NR_pidfd_config		480
#endif
#ifndef P_PIDFD
#define P_PIDFD				3
#endif

#ifndef PIDFD_CONFIG_SET_FLAG
#define PIDFD_CONFIG_SET_FLAG		0
#define PIDFD_CONFIG_SET_STRING		1
#define PIDFD_CONFIG_SET_BINARY		2
#define PIDFD_CONFIG_SET_PATH		3
#define PIDFD_CONFIG_SET_PATH_EMPTY	4
#define PIDFD_CONFIG_SET_FD		5
#define PIDFD_CONFIG_SET_INT		6
#define PIDFD_CONFIG_CMD_EXEC		7
#define PIDFD_CONFIG_CMD_ABORT		8
#endif
#ifndef PIDFD_CONFIG_SET_BATCH
#define PIDFD_CONFIG_SET_BATCH		9
#endif

/*
 * The kernel's O_LARGEFILE.  glibc defines O_LARGEFILE as 0 on 64-bit
 * architectures because open() gets it from the kernel there
 * (force_o_largefile()); a flags word handed to the kernel by other means
 * must carry the real bit, or files over 2 GiB fail with EOVERFLOW.
 */
#if defined(__x86_64__) || defined(__riscv) || defined(__loongarch__)
#define PFS_KERNEL_O_LARGEFILE		0100000
#elif defined(__aarch64__)
#define PFS_KERNEL_O_LARGEFILE		0400000
#else
#define PFS_KERNEL_O_LARGEFILE		O_LARGEFILE	/* glibc's is right */
#endif

/* Value of PIDFD_CONFIG_SET_BINARY for an "fd:N" key: open a file. */
struct pfs_config_open {
	uint64_t path;		/* user pointer to a NUL-terminated path */
	uint32_t flags;		/* open(2) flags */
	uint32_t mode;		/* open(2) mode */
	uint32_t options;	/* PIDFD_CONFIG_OPEN_*: unused, new_path.c */
	uint32_t reserved;	/* must be 0 */
} __attribute__((aligned(8)));

#define PFS_CONFIG_OPEN_SIZE_VER0	24

/* Value of PIDFD_CONFIG_SET_BINARY for "close_range". */
struct pfs_config_range {
	uint32_t first;
	uint32_t last;		/* included; ~0U: to the end */
	uint32_t flags;		/* 0 or CLOSE_RANGE_CLOEXEC */
	uint32_t reserved;	/* must be 0 */
};

#define PFS_CONFIG_RANGE_SIZE_VER0	16

/*
 * One entry of the array of PIDFD_CONFIG_SET_BATCH: the call
 * pidfd_config(pidfd, cmd, key, value, aux).  The batch returns how many
 * entries took effect, or -1 with the errno of the first if it failed; a
 * kernel without the command refuses it with EOPNOTSUPP.
 */
struct pfs_config_op {
	uint64_t key;		/* user pointer to the NUL-terminated key */
	uint64_t value;		/* user pointer to the value, as for cmd */
	uint32_t cmd;		/* PIDFD_CONFIG_SET_FLAG .. SET_INT */
	int32_t aux;		/* as for cmd */
} __attribute__((aligned(8)));

#define PFS_CONFIG_OP_SIZE_VER0		24
#define PFS_CONFIG_BATCH_MAX		1024	/* entries in one batch */

/*
 * Keys newer than CLONE_EMPTY itself.  A kernel may have CLONE_EMPTY but
 * not these: each is probed by its first use and the answer remembered
 * (spawn.c).  "cwd" is an old key, SET_INT (a child descriptor) is new.
 */
enum pfs_key {
	PFS_KEY_CLOSE_RANGE,		/* "close_range" */
	PFS_KEY_DUP,			/* "dup:N" */
	PFS_KEY_CWD_FD,			/* "cwd" SET_INT */
	PFS_KEY_TCSETPGRP,		/* "tcsetpgrp" */
	PFS_KEY_INHERIT_SIGIGNORE,	/* "inherit_sigignore" */
	PFS_KEY_SIGDEFAULT,		/* "sigdefault" */
	PFS_NR_KEYS,
};

/* struct clone_args up to CLONE_ARGS_SIZE_VER2 (cgroup). */
struct pfs_clone_args {
	uint64_t flags;
	uint64_t pidfd;
	uint64_t child_tid;
	uint64_t parent_tid;
	uint64_t exit_signal;
	uint64_t stack;
	uint64_t stack_size;
	uint64_t tls;
	uint64_t set_tid;
	uint64_t set_tid_size;
	uint64_t cgroup;
} __attribute__((aligned(8)));

/*
 * The kernel's sigset_t: what the rt_sig* system calls and pidfd_config()
 * take.  glibc's sigset_t is 1024 bits; only the first _NSIG - 1 matter.
 */
#define PFS_KSIGSET_SIZE		((_NSIG - 1) / 8)

/* glibc's internal signals (SIGCANCEL, SIGSETXID): sigaction() rejects them. */
#define PFS_SIGCANCEL			32
#define PFS_SIGSETXID			33

/*
 * File actions.  posix_spawn_file_actions_t keeps glibc's layout: __used
 * entries of __allocated are in use in the array __actions, which holds
 * struct pfs_action records (glibc's struct __spawn_action is opaque to
 * applications, so the record type is ours).
 */
enum pfs_action_tag {
	PFS_ACT_CLOSE,
	PFS_ACT_DUP2,
	PFS_ACT_OPEN,
	PFS_ACT_CHDIR,
	PFS_ACT_FCHDIR,
	PFS_ACT_CLOSEFROM,
	PFS_ACT_TCSETPGRP,
};

struct pfs_action {
	enum pfs_action_tag tag;
	int fd;		/* close, open (target), dup2 (source), fchdir, ... */
	int newfd;	/* dup2 target */
	int oflag;	/* open */
	mode_t mode;	/* open */
	char *path;	/* open, chdir (owned copy) */
};

static inline const struct pfs_action *
pfs_actions(const posix_spawn_file_actions_t *fa)
{
	return (const struct pfs_action *)(const void *)fa->__actions;
}

/*
 * Attributes.  posix_spawnattr_t keeps glibc's layout too; the cgroup file
 * descriptor lives in the first padding word, where glibc 2.39 stores it.
 */
#define pfs_attr_cgroup(attr)	((attr)->__pad[0])

/* The spawn request, as handed to either implementation. */
struct pfs_request {
	const char *file;		/* path, or name to search */
	const char *search;		/* PATH to search, NULL for none */
	const posix_spawn_file_actions_t *fa;	/* NULL: no actions */
	const posix_spawnattr_t *attr;	/* never NULL */
	char *const *argv;
	char *const *envp;
	rlim_t nofile;			/* RLIMIT_NOFILE if fa has a close */
	bool want_pidfd;
	bool try_shell;			/* ENOEXEC: run the file with sh */
};

/* pfs_spawn() flags. */
#define PFS_SPAWN_SEARCH	0x1	/* posix_spawnp(): search PATH */
#define PFS_SPAWN_PIDFD		0x2	/* pidfd_spawn(): return a pidfd */
#define PFS_SPAWN_TRY_SHELL	0x4	/* posix_spawn@GLIBC_2.2.5 */

/* The shell of PFS_SPAWN_TRY_SHELL, glibc's _PATH_BSHELL. */
#define PFS_SHELL		"/bin/sh"

int pfs_spawn(int *out, const char *file,
	      const posix_spawn_file_actions_t *fa,
	      const posix_spawnattr_t *attr, char *const argv[],
	      char *const envp[], unsigned int flags);
char **pfs_shell_argv(const struct pfs_request *req);

/*
 * Result of the CLONE_EMPTY implementation: either it produced the final
 * answer, or the request must be carried out by the fallback, or a key
 * turned out to be unknown to the kernel and the request must be decided
 * again.
 */
enum pfs_outcome {
	PFS_DONE,
	PFS_USE_FALLBACK,
	PFS_RETRY,
};

/* PATH search, shared by both implementations (async-signal-safe). */
#define PFS_DEFAULT_PATH	"/bin:/usr/bin"
#define PFS_CANDIDATE_MAX	(PATH_MAX + NAME_MAX + 2)

struct pfs_path_iter {
	const char *next;	/* start of the next PATH element */
	const char *file;
	size_t file_len;	/* including the NUL */
	size_t path_len;	/* strnlen(PATH, PATH_MAX - 1) + 1 */
	bool done;
};

void pfs_path_iter_init(struct pfs_path_iter *it, const char *path,
			const char *file);
const char *pfs_path_iter_next(struct pfs_path_iter *it, char *buf);
bool pfs_path_error_continues(int err, bool *got_eacces);

/* Implementations. */
enum pfs_outcome pfs_spawn_clone_empty(const struct pfs_request *req,
				       int *result, int *err);
int pfs_spawn_fallback(const struct pfs_request *req, int *result);

/*
 * The system calls of the CLONE_EMPTY path (sys.c), in an object of their
 * own so that the unit tests can link a scripted replacement.  Both return
 * -1 with errno set on failure, like syscall().  clone3() with CLONE_EMPTY
 * never returns in the child, so a plain system call is enough.
 */
pid_t pfs_sys_clone3_empty(struct pfs_clone_args *args, size_t size);
int pfs_sys_pidfd_config(int pidfd, unsigned int cmd, const char *key,
			 const void *value, int aux);

/* Kernel feature state, detected once. */
bool pfs_clone_empty_maybe_supported(void);
void pfs_clone_empty_set_unsupported(void);
bool pfs_key_supported(enum pfs_key key);
bool pfs_key_usable(enum pfs_key key);
void pfs_key_set_supported(enum pfs_key key);
void pfs_key_set_unsupported(enum pfs_key key);
bool pfs_batch_supported(void);
bool pfs_batch_usable(void);
void pfs_batch_set_supported(void);
void pfs_batch_set_unsupported(void);

/* Helpers shared by the implementations. */
int pfs_valid_fd(int fd);
void pfs_reap(pid_t pid, int pidfd);
void pfs_close_keep_errno(int fd);
void pfs_sigset_clear_internal(sigset_t *set);

/* What a descriptor of the child is when an action runs: pfs_child_fd(). */
enum pfs_fd_state {
	PFS_FD_CALLER,		/* one of the caller's descriptors */
	PFS_FD_NEW,		/* made by an earlier addopen() */
	PFS_FD_CLOSED,		/* closed by an earlier action */
};

const struct pfs_action *pfs_last_change(const posix_spawn_file_actions_t *fa,
					 int i, int fd);
enum pfs_fd_state pfs_child_fd(const posix_spawn_file_actions_t *fa, int i,
			       int fd, int *caller);

/* Statistics and debug output. */
enum pfs_path_kind {
	PFS_PATH_CLONE_EMPTY,
	PFS_PATH_FALLBACK,
};

void pfs_account(enum pfs_path_kind kind, const char *reason);

#endif /* __PIDFD_SPAWN_INTERNAL_H */
