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
 * nothing that is not async-signal-safe.
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
 * The descriptor of the caller that the child's descriptor @fd refers to
 * when action @i of the list runs: @fd itself unless an earlier adddup2()
 * replaced it, in which case that action's source (recursively).  -1 when
 * an earlier open or close replaced it: the child's descriptor is then not
 * one of the caller's, which pidfd_config() cannot name.
 */
int pfs_caller_fd(const posix_spawn_file_actions_t *fa, int i, int fd)
{
	const struct pfs_action *acts = pfs_actions(fa);

	while (--i >= 0) {
		const struct pfs_action *act = &acts[i];

		switch (act->tag) {
		case PFS_ACT_DUP2:
			if (act->newfd == fd)
				fd = act->fd;
			break;
		case PFS_ACT_OPEN:
		case PFS_ACT_CLOSE:
			if (act->fd == fd)
				return -1;
			break;
		case PFS_ACT_CLOSEFROM:
			if (fd >= act->fd)
				return -1;
			break;
		default:
			break;
		}
	}
	return fd;
}

/* Requests that the kernel interface cannot express: see pidfd_spawn.h. */
static const char *pfs_needs_fallback(const struct pfs_request *req)
{
	const struct pfs_action *acts;
	struct rlimit rl;
	bool have_rl = false;
	int i;

	if (req->search && strlen(req->file) > NAME_MAX)
		return "long_name";
	if (!req->fa)
		return NULL;

	acts = pfs_actions(req->fa);
	for (i = 0; i < req->fa->__used; i++) {
		switch (acts[i].tag) {
		case PFS_ACT_CLOSEFROM:
			return "closefrom";
		case PFS_ACT_TCSETPGRP:
			return "tcsetpgrp";
		case PFS_ACT_OPEN:
			/*
			 * glibc keeps O_CLOEXEC only if open() returns the
			 * descriptor asked for; the kernel always keeps it.
			 */
			if (acts[i].oflag & O_CLOEXEC)
				return "open_cloexec";
			break;
		case PFS_ACT_DUP2:
		case PFS_ACT_FCHDIR:
			if (acts[i].fd >= 0 &&
			    pfs_caller_fd(req->fa, i, acts[i].fd) < 0)
				return "child_fd";
			break;
		case PFS_ACT_CLOSE:
			/*
			 * glibc ignores close() errors, except for descriptors
			 * beyond the current limit: leave those to the
			 * fallback, which checks the limit as glibc does.
			 */
			if (!have_rl && getrlimit(RLIMIT_NOFILE, &rl) < 0)
				return "rlimit";
			have_rl = true;
			if (rl.rlim_cur != RLIM_INFINITY &&
			    (rlim_t)acts[i].fd >= rl.rlim_cur)
				return "fd_range";
			break;
		default:
			break;
		}
	}
	return NULL;
}

static int pfs_spawn(int *out, const char *file,
		     const posix_spawn_file_actions_t *fa,
		     const posix_spawnattr_t *attr, char *const argv[],
		     char *const envp[], bool use_path, bool want_pidfd)
{
	struct pfs_request req = {
		.file = file,
		.fa = fa && fa->__used > 0 ? fa : NULL,
		.attr = attr ? attr : &pfs_default_attr,
		.argv = argv,
		.envp = envp,
		.want_pidfd = want_pidfd,
	};
	const char *reason = NULL;
	int state, ret, result;

	/*
	 * posix_spawn() is a cancellation point in name only: the caller
	 * must not be cancelled half-way, with a child to reap.
	 */
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &state);

	if (use_path && *file && !strchr(file, '/')) {
		req.search = getenv("PATH");
		if (!req.search)
			req.search = PFS_DEFAULT_PATH;
	}

	if (pfs_settings() & PFS_ENV_FORCE_FALLBACK) {
		reason = "forced";
	} else if (pfs_clone_empty_maybe_supported()) {
		reason = pfs_needs_fallback(&req);
		if (!reason) {
			if (pfs_spawn_clone_empty(&req, &result, &ret) ==
			    PFS_DONE) {
				pfs_account(PFS_PATH_CLONE_EMPTY, NULL);
				goto out;
			}
			/* Refused before the commit: replay for glibc's error. */
			if (pfs_clone_empty_maybe_supported())
				reason = "replay";
		}
	}

	ret = pfs_spawn_fallback(&req, &result);
	pfs_account(PFS_PATH_FALLBACK, reason);
out:
	if (ret == 0 && out)
		*out = result;
	else if (ret == 0 && want_pidfd && result >= 0)
		close(result);

	pthread_setcancelstate(state, NULL);
	return ret;
}

PFS_EXPORT int posix_spawn(pid_t *pid, const char *path,
			   const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[],
			   char *const envp[])
{
	return pfs_spawn(pid, path, fa, attr, argv, envp, false, false);
}

PFS_EXPORT int posix_spawnp(pid_t *pid, const char *file,
			    const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[],
			    char *const envp[])
{
	return pfs_spawn(pid, file, fa, attr, argv, envp, true, false);
}

PFS_EXPORT int pidfd_spawn(int *pidfd, const char *path,
			   const posix_spawn_file_actions_t *fa,
			   const posix_spawnattr_t *attr, char *const argv[],
			   char *const envp[])
{
	return pfs_spawn(pidfd, path, fa, attr, argv, envp, false, true);
}

PFS_EXPORT int pidfd_spawnp(int *pidfd, const char *file,
			    const posix_spawn_file_actions_t *fa,
			    const posix_spawnattr_t *attr, char *const argv[],
			    char *const envp[])
{
	return pfs_spawn(pidfd, file, fa, attr, argv, envp, true, true);
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
