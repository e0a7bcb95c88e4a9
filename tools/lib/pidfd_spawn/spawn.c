// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Entry points of the spawn family, and what both implementations share:
 * choosing the implementation, the PATH search, reaping a child that failed,
 * statistics and debug output, pidfd_getpid().
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

/* Used when the caller passes no attributes: everything off. */
static const posix_spawnattr_t pfs_default_attr;

/* Settings from the environment, read once: 0 until then. */
#define PFS_ENV_READ		0x1
#define PFS_ENV_FORCE_FALLBACK	0x2
#define PFS_ENV_DEBUG		0x4

static int pfs_env;

/* Whether the kernel is known to lack CLONE_EMPTY. */
static int pfs_no_clone_empty;

static uint64_t pfs_count[2];

static bool pfs_env_enabled(const char *name)
{
	const char *v = secure_getenv(name);

	return v && *v && strcmp(v, "0") != 0;
}

static int pfs_settings(void)
{
	int s = __atomic_load_n(&pfs_env, __ATOMIC_RELAXED);

	if (!s) {
		s = PFS_ENV_READ;
		if (pfs_env_enabled("PIDFD_SPAWN_FORCE_FALLBACK"))
			s |= PFS_ENV_FORCE_FALLBACK;
		if (pfs_env_enabled("PIDFD_SPAWN_DEBUG"))
			s |= PFS_ENV_DEBUG;
		__atomic_store_n(&pfs_env, s, __ATOMIC_RELAXED);
	}
	return s;
}

bool pfs_clone_empty_maybe_supported(void)
{
	return !__atomic_load_n(&pfs_no_clone_empty, __ATOMIC_RELAXED);
}

void pfs_clone_empty_set_unsupported(void)
{
	__atomic_store_n(&pfs_no_clone_empty, 1, __ATOMIC_RELAXED);
}

/*
 * Support of the keys newer than CLONE_EMPTY (enum pfs_key), one bit per
 * key: in pfs_keys_ok once the key worked, in pfs_keys_no once the kernel
 * refused it as unknown.  In neither, the next request that needs the key
 * tries it (new_path.c).  A kernel gives only one of the two answers, so
 * both words only gain bits.
 */
static unsigned int pfs_keys_ok, pfs_keys_no;

bool pfs_key_supported(enum pfs_key key)
{
	return __atomic_load_n(&pfs_keys_ok, __ATOMIC_RELAXED) & (1U << key);
}

/* Not known to be missing: worth trying. */
bool pfs_key_usable(enum pfs_key key)
{
	return !(__atomic_load_n(&pfs_keys_no, __ATOMIC_RELAXED) & (1U << key));
}

void pfs_key_set_supported(enum pfs_key key)
{
	if (!pfs_key_supported(key))
		__atomic_fetch_or(&pfs_keys_ok, 1U << key, __ATOMIC_RELAXED);
}

void pfs_key_set_unsupported(enum pfs_key key)
{
	__atomic_fetch_or(&pfs_keys_no, 1U << key, __ATOMIC_RELAXED);
}

/*
 * Support of PIDFD_CONFIG_SET_BATCH, found out like a key's (new_path.c):
 * PFS_BATCH_OK once a batch worked, PFS_BATCH_NO once the kernel refused
 * the command as unknown, 0 until then.
 */
#define PFS_BATCH_OK	1
#define PFS_BATCH_NO	2

static int pfs_batch;

bool pfs_batch_supported(void)
{
	return __atomic_load_n(&pfs_batch, __ATOMIC_RELAXED) == PFS_BATCH_OK;
}

bool pfs_batch_usable(void)
{
	return __atomic_load_n(&pfs_batch, __ATOMIC_RELAXED) != PFS_BATCH_NO;
}

void pfs_batch_set_supported(void)
{
	if (!__atomic_load_n(&pfs_batch, __ATOMIC_RELAXED))
		__atomic_store_n(&pfs_batch, PFS_BATCH_OK, __ATOMIC_RELAXED);
}

void pfs_batch_set_unsupported(void)
{
	__atomic_store_n(&pfs_batch, PFS_BATCH_NO, __ATOMIC_RELAXED);
}

static char *pfs_stpcpy(char *dst, const char *src)
{
	size_t len = strlen(src);

	memcpy(dst, src, len);
	return dst + len;
}

/* Counts a spawn and, with PIDFD_SPAWN_DEBUG, says which path it took. */
void pfs_account(enum pfs_path_kind kind, const char *reason)
{
	static const char * const names[] = {
		[PFS_PATH_CLONE_EMPTY] = "clone_empty",
		[PFS_PATH_FALLBACK] = "fallback",
	};
	char line[128], *p;
	int saved_errno;

	__atomic_fetch_add(&pfs_count[kind], 1, __ATOMIC_RELAXED);
	if (!(pfs_settings() & PFS_ENV_DEBUG))
		return;

	p = pfs_stpcpy(line, "pidfd_spawn: path=");
	p = pfs_stpcpy(p, names[kind]);
	if (reason && strlen(reason) < sizeof(line) - (p - line) - 10) {
		p = pfs_stpcpy(p, " reason=");
		p = pfs_stpcpy(p, reason);
	}
	*p++ = '\n';

	/* A single write(2): lines of concurrent spawns do not mix. */
	saved_errno = errno;
	if (write(STDERR_FILENO, line, p - line) < 0)
		errno = saved_errno;
	errno = saved_errno;
}

PFS_EXPORT int pidfd_spawn_np_stats(struct pidfd_spawn_np_stats *stats,
				    size_t size)
{
	struct pidfd_spawn_np_stats st = {
		.clone_empty = __atomic_load_n(&pfs_count[PFS_PATH_CLONE_EMPTY],
					       __ATOMIC_RELAXED),
		.fallback = __atomic_load_n(&pfs_count[PFS_PATH_FALLBACK],
					    __ATOMIC_RELAXED),
	};

	if (!stats) {
		errno = EINVAL;
		return -1;
	}
	memcpy(stats, &st, size < sizeof(st) ? size : sizeof(st));
	return 0;
}

void pfs_close_keep_errno(int fd)
{
	int saved_errno = errno;

	close(fd);
	errno = saved_errno;
}

/*
 * Waits for a child that failed to start.  Through the pidfd when there is
 * one (no pid reuse race); by pid on kernels whose waitid() does not know
 * P_PIDFD.  ECHILD (another thread reaped it, or SIGCHLD is ignored) is
 * fine.  Cancellation is disabled by the caller.
 */
void pfs_reap(pid_t pid, int pidfd)
{
	int saved_errno = errno;
	siginfo_t si;
	int ret;

	do {
		if (pidfd >= 0)
			ret = waitid((idtype_t)P_PIDFD, pidfd, &si, WEXITED);
		else
			ret = waitid(P_PID, pid, &si, WEXITED);
		if (ret < 0 && errno == EINVAL && pidfd >= 0) {
			pidfd = -1;
			ret = -1;
			errno = EINTR;
		}
	} while (ret < 0 && errno == EINTR);
	errno = saved_errno;
}

/*
 * Clears glibc's internal signals from a signal set, as glibc's
 * sigprocmask() does with the set it is given.
 */
void pfs_sigset_clear_internal(sigset_t *set)
{
	const unsigned int bits = 8 * sizeof(set->__val[0]);
	int sig;

	for (sig = PFS_SIGCANCEL; sig <= PFS_SIGSETXID; sig++)
		set->__val[(sig - 1) / bits] &= ~(1UL << ((sig - 1) % bits));
}

/*
 * PATH search, with execvpe()'s rules: an empty element is the current
 * directory, elements too long for the buffer are skipped, a name without
 * a slash is tried in each element in order.  Used by the CLONE_EMPTY path
 * in the caller and by the fallback in the vfork-style child, so it calls
 * nothing that is not async-signal-safe.  @file is at most NAME_MAX bytes
 * long: both callers deal with longer names first.
 */
void pfs_path_iter_init(struct pfs_path_iter *it, const char *path,
			const char *file)
{
	it->next = path;
	it->file = file;
	it->file_len = strnlen(file, NAME_MAX + 1) + 1;
	it->path_len = strnlen(path, PATH_MAX - 1) + 1;
	it->done = false;
}

/* Returns the next candidate, built in @buf (PFS_CANDIDATE_MAX bytes). */
const char *pfs_path_iter_next(struct pfs_path_iter *it, char *buf)
{
	const char *p, *end;
	size_t len;

	while (!it->done) {
		p = it->next;
		end = strchrnul(p, ':');
		len = end - p;
		if (*end == '\0')
			it->done = true;
		else
			it->next = end + 1;
		if (len >= it->path_len)
			continue;

		memcpy(buf, p, len);
		if (len)
			buf[len++] = '/';
		memcpy(buf + len, it->file, it->file_len);
		return buf;
	}
	return NULL;
}

/*
 * Whether the search goes on after a candidate failed with @err; EACCES is
 * remembered so that it is what the search reports if nothing is found.
 */
bool pfs_path_error_continues(int err, bool *got_eacces)
{
	switch (err) {
	case EACCES:
		*got_eacces = true;
		return true;
	case ENOENT:
	case ESTALE:
	case ENOTDIR:
	case ENODEV:
	case ETIMEDOUT:
		return true;
	default:
		return false;
	}
}

/*
 * The last action before action @i of the list that changed the child's
 * descriptor @fd (opened, closed or replaced it), or NULL.
 */
const struct pfs_action *pfs_last_change(const posix_spawn_file_actions_t *fa,
					 int i, int fd)
{
	const struct pfs_action *acts = pfs_actions(fa);

	while (--i >= 0) {
		const struct pfs_action *act = &acts[i];

		switch (act->tag) {
		case PFS_ACT_OPEN:
		case PFS_ACT_CLOSE:
			if (act->fd == fd)
				return act;
			break;
		case PFS_ACT_DUP2:
			if (act->newfd == fd)
				return act;
			break;
		case PFS_ACT_CLOSEFROM:
			if (fd >= act->fd)
				return act;
			break;
		default:
			break;
		}
	}
	return NULL;
}

/*
 * What the child's descriptor @fd is when action @i runs, as posix_spawn
 * defines the child: a copy of the caller's table, close-on-exec
 * descriptors included (the exec closes them), changed by the actions
 * before @i.  For PFS_FD_CALLER, *@caller is the caller's descriptor: @fd
 * itself, or the source of the adddup2() that set it, recursively.  Each
 * earlier action is taken to have succeeded: had one failed, the spawn
 * would have ended there.
 */
enum pfs_fd_state pfs_child_fd(const posix_spawn_file_actions_t *fa, int i,
			       int fd, int *caller)
{
	const struct pfs_action *act;

	while ((act = pfs_last_change(fa, i, fd))) {
		if (act->tag == PFS_ACT_OPEN)
			return PFS_FD_NEW;
		if (act->tag != PFS_ACT_DUP2)
			return PFS_FD_CLOSED;
		i = act - pfs_actions(fa);
		fd = act->fd;
	}
	*caller = fd;
	return PFS_FD_CALLER;
}

/*
 * addclose() of a descriptor at or beyond the RLIMIT_NOFILE soft limit
 * (lowered after the action was added) fails in glibc's child unless the
 * descriptor is open.  new_path.c reports that with "dup:N"; without the
 * key, the fallback does.  The limit is read once per spawn.
 */
static const char *pfs_close_fallback(struct pfs_request *req, int fd)
{
	struct rlimit rl;

	if (req->nofile == RLIM_INFINITY) {
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return "rlimit";
		req->nofile = rl.rlim_cur;
	}
	if ((rlim_t)fd >= req->nofile && !pfs_key_usable(PFS_KEY_DUP))
		return "fd_range";
	return NULL;
}

/*
 * Action @i of the list, on a kernel that lacks one of the keys it needs:
 * the reason for the fallback (see pidfd_spawn.h), or NULL.
 */
static const char *pfs_action_fallback(struct pfs_request *req, int i)
{
	const struct pfs_action *act = &pfs_actions(req->fa)[i];
	int caller;

	switch (act->tag) {
	case PFS_ACT_CLOSEFROM:
		return pfs_key_usable(PFS_KEY_CLOSE_RANGE) ? NULL : "closefrom";
	case PFS_ACT_TCSETPGRP:
		return pfs_key_usable(PFS_KEY_TCSETPGRP) ? NULL : "tcsetpgrp";
	case PFS_ACT_DUP2:
		/* Only the caller's descriptors can be named without dup:N. */
		if (pfs_key_usable(PFS_KEY_DUP) ||
		    pfs_child_fd(req->fa, i, act->fd, &caller) == PFS_FD_CALLER)
			return NULL;
		return "child_fd";
	case PFS_ACT_FCHDIR:
		if (act->fd < 0 || pfs_key_usable(PFS_KEY_CWD_FD) ||
		    pfs_child_fd(req->fa, i, act->fd, &caller) == PFS_FD_CALLER)
			return NULL;
		return "child_fd";
	case PFS_ACT_CLOSE:
		return pfs_close_fallback(req, act->fd);
	default:
		return NULL;
	}
}

/* Requests that the kernel interface cannot express. */
static const char *pfs_needs_fallback(struct pfs_request *req)
{
	const char *reason;
	int i;

	for (i = 0; req->fa && i < req->fa->__used; i++) {
		reason = pfs_action_fallback(req, i);
		if (reason)
			return reason;
	}
	return NULL;
}

/*
 * Carries out @req with CLONE_EMPTY if the kernel and the request allow
 * it: true once done, with *@ret the answer.  Otherwise false, with
 * *@reason why the fallback must do it (NULL: no CLONE_EMPTY).
 */
static bool pfs_try_clone_empty(struct pfs_request *req, int *result,
				int *ret, const char **reason)
{
	enum pfs_outcome outcome;

	if (pfs_settings() & PFS_ENV_FORCE_FALLBACK) {
		*reason = "forced";
		return false;
	}
	/*
	 * PFS_RETRY: a key turned out to be missing, which changes the
	 * decision.  Each retry marks one more key, so this ends.
	 */
	do {
		*reason = NULL;
		if (!pfs_clone_empty_maybe_supported())
			return false;
		*reason = pfs_needs_fallback(req);
		if (*reason)
			return false;
		outcome = pfs_spawn_clone_empty(req, result, ret);
	} while (outcome == PFS_RETRY);

	if (outcome == PFS_DONE)
		return true;
	/* Refused before the commit: replay for glibc's error. */
	*reason = pfs_clone_empty_maybe_supported() ? "replay" : NULL;
	return false;
}

/*
 * The argument vector for PFS_SPAWN_TRY_SHELL: glibc's compatibility
 * posix_spawn() runs a file the kernel does not recognise (ENOEXEC, a
 * script without "#!") as "/bin/sh FILE ARGV[1]...".  Element 1, the file,
 * is for the caller to set.  Allocated before the spawn, since the
 * fallback's child must not allocate; NULL without memory.
 */
char **pfs_shell_argv(const struct pfs_request *req)
{
	size_t argc = 0, n, i;
	char **v;

	while (req->argv && req->argv[argc])
		argc++;
	n = argc ? argc : 1;
	v = malloc((n + 2) * sizeof(*v));
	if (!v)
		return NULL;
	v[0] = (char *)PFS_SHELL;
	v[1] = (char *)req->file;
	for (i = 1; i < argc; i++)
		v[i + 1] = req->argv[i];
	v[n + 1] = NULL;
	return v;
}

int pfs_spawn(int *out, const char *file,
	      const posix_spawn_file_actions_t *fa,
	      const posix_spawnattr_t *attr, char *const argv[],
	      char *const envp[], unsigned int flags)
{
	struct pfs_request req = {
		.file = file,
		.fa = fa && fa->__used > 0 ? fa : NULL,
		.attr = attr ? attr : &pfs_default_attr,
		.argv = argv,
		.envp = envp,
		.nofile = RLIM_INFINITY,	/* not read yet */
		.want_pidfd = flags & PFS_SPAWN_PIDFD,
		.try_shell = flags & PFS_SPAWN_TRY_SHELL,
	};
	const char *reason;
	int state, ret, result;

	/*
	 * posix_spawn() is a cancellation point in name only: the caller
	 * must not be cancelled half-way, with a child to reap.
	 */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);

	if ((flags & PFS_SPAWN_SEARCH) && *file && !strchr(file, '/')) {
		req.search = getenv("PATH");
		if (!req.search)
			req.search = PFS_DEFAULT_PATH;
	}

	if (pfs_try_clone_empty(&req, &result, &ret, &reason)) {
		pfs_account(PFS_PATH_CLONE_EMPTY, NULL);
	} else {
		ret = pfs_spawn_fallback(&req, &result);
		pfs_account(PFS_PATH_FALLBACK, reason);
	}

	if (ret == 0 && out)
		*out = result;
	else if (ret == 0 && req.want_pidfd && result >= 0)
		close(result);

	pthread_setcancelstate(state, NULL);
	return ret;
}

PFS_EXPORT int posix_spawn(pid_t *pid, const char *path,
			   const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[],
			   char *const envp[])
{
	return pfs_spawn(pid, path, fa, attr, argv, envp, 0);
}

PFS_EXPORT int posix_spawnp(pid_t *pid, const char *file,
			    const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[],
			    char *const envp[])
{
	return pfs_spawn(pid, file, fa, attr, argv, envp, PFS_SPAWN_SEARCH);
}

PFS_EXPORT int pidfd_spawn(int *pidfd, const char *path,
			   const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[],
			   char *const envp[])
{
	return pfs_spawn(pidfd, path, fa, attr, argv, envp, PFS_SPAWN_PIDFD);
}

PFS_EXPORT int pidfd_spawnp(int *pidfd, const char *file,
			    const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[],
			    char *const envp[])
{
	return pfs_spawn(pidfd, file, fa, attr, argv, envp,
			 PFS_SPAWN_SEARCH | PFS_SPAWN_PIDFD);
}

/*
 * The "Pid:" line of a pidfd's fdinfo: the pid in the caller's namespace,
 * 0 if the process is not visible there, -1 once it has exited.  Parsed
 * without strtol(), which depends on the locale.
 */
static int pfs_parse_pid_line(const char *l, pid_t *pid)
{
	bool neg = false;
	int n = 0;

	while (*l == ' ' || *l == '\t')
		l++;
	if (*l == '-') {
		neg = true;
		l++;
	}
	if (*l < '0' || *l > '9')
		return -1;
	for (; *l >= '0' && *l <= '9'; l++) {
		if (n > (INT_MAX - (*l - '0')) / 10)
			return -1;
		n = n * 10 + (*l - '0');
	}
	if (*l != '\n' && *l != '\0')
		return -1;
	if (neg && n != 1)
		return -1;
	*pid = neg ? -n : n;
	return 0;
}

PFS_EXPORT pid_t pidfd_getpid(int fd)
{
	char name[sizeof("/proc/self/fdinfo/") + 12];
	char buf[4096], *line;
	ssize_t len, n;
	pid_t pid;
	int info;

	if (fd < 0) {
		errno = EBADF;
		return -1;
	}

	snprintf(name, sizeof(name), "/proc/self/fdinfo/%d", fd);
	info = open(name, O_RDONLY | O_CLOEXEC);
	if (info < 0) {
		errno = EBADF;
		return -1;
	}
	len = 0;
	do {
		n = read(info, buf + len, sizeof(buf) - 1 - len);
		if (n > 0)
			len += n;
	} while ((n > 0 || (n < 0 && errno == EINTR)) &&
		 len < (ssize_t)sizeof(buf) - 1);
	close(info);
	buf[len] = '\0';

	for (line = buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, "Pid:", 4) != 0)
			continue;
		if (pfs_parse_pid_line(line + 4, &pid) < 0)
			break;
		if (pid == 0) {
			errno = EREMOTE;
			return -1;
		}
		if (pid < 0) {
			errno = ESRCH;
			return -1;
		}
		return pid;
	}
	/* Not a pidfd, or a "Pid:" line that makes no sense. */
	errno = EBADF;
	return -1;
}
