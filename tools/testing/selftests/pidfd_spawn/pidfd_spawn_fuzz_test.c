// SPDX-License-Identifier: GPL-2.0
/*
 * A fuzzer for clone3(CLONE_EMPTY | CLONE_PIDFD) and pidfd_config().
 *
 * Each round creates one to three empty children with random clone3()
 * arguments (refused flags, namespaces, CLONE_PARENT from a helper process,
 * bad sizes, pointers and exit signals), then makes a random series of calls
 * on them: pidfd_config() with every command (and invalid ones), real and
 * near-miss keys, values that are NULL, unmapped, cross into an unmapped
 * page, or are buffers of any size, and descriptors of every kind (builders,
 * files, directories, pipes, a Unix socket with builders in flight, pidfds,
 * a terminal, closed numbers), some of them made as the one entry of a
 * PIDFD_CONFIG_SET_BATCH, and batches the kernel must refuse as a whole or
 * at their entry 0; commits of the probe program, aborts,
 * signals, ptrace requests, builders duplicated, closed, sent over the
 * socket and left there, reads of /proc files of the parked processes.
 *
 * After every call it checks that the errno is one the documentation
 * (Documentation/userspace-api/pidfd_spawn.rst, pidfd_config(2),
 * clone_empty(2)) lists for the call, never 512 or above, and the rules that
 * make the answer exact: EBADF on what is not a pidfd, EINVAL on a pidfd that
 * is not a builder, EOPNOTSUPP for a command above 9, EBUSY after a
 * successful commit, ESRCH once the child was aborted, died or was reaped,
 * EINVAL for an entry of a batch that is not a SET_* command, 1 for a batch
 * of one whose entry succeeds, the errors of the whole batch call,
 * EINVAL for the flags clone3() refuses; and that the fdinfo state agrees.
 * After every round, once every reference to the builders is gone: every
 * child ends within REAP_BOUND seconds and is reaped, a child that never ran
 * a program ends only by SIGKILL or a fatal signal the fuzzer sent it, no
 * other child is left, and the test has as many descriptors as it started
 * with.
 *
 * PIDFD_SPAWN_FUZZ_SECONDS (default 20) bounds the run and
 * PIDFD_SPAWN_FUZZ_SEED (default: from the clock) seeds it; both are printed
 * first, and a failure names the seed, the round and the call.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438
#endif

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

/* PIDFD_GET_*_NAMESPACE of <linux/pidfd.h>: _IO(PIDFS_IOCTL_MAGIC, 1..10) */
#define PIDFS_IOCTL(nr) _IO(0xFF, (nr))

#define FUZZ_SECONDS	20	/* default run time */
#define REAP_BOUND	60	/* s for an unreferenced child to end */
#define CALL_BOUND	120	/* s for one system call to return */
/* The harness timeout, past the run time: the bounds of a last round. */
#define FUZZ_SLACK	(2 * REAP_BOUND + CALL_BOUND + 60)

#define MAX_KIDS	4	/* children of a round */
#define MAX_BFD		4	/* builder descriptors of one child */
#define MAX_ACTIONS	40	/* calls of a round, past the clone3() ones */
#define MAX_INFLIGHT	8	/* builders in flight on the socket */
#define MAX_VIOLATIONS	10	/* stop fuzzing after that many */
#define TAIL_PAGES	64	/* readable pages before the value guard page */
#define BIG_LEN		(256 * 1024)
#define DESC_LEN	512

/* pidfd_config(2), ERRORS: any command. */
static const int config_errnos[] = {
	E2BIG, EBADF, EBUSY, EFAULT, EINTR, EINVAL, ENAMETOOLONG, ENOENT,
	ENOMEM, EOPNOTSUPP, ESRCH, ETOOMANYREFS,
};

/*
 * And PIDFD_CONFIG_CMD_EXEC: the errors of the steps (setsid(), setpgid(),
 * chroot(), any error of open(), dup2(), chdir(), fchdir(), TIOCSCTTY) and
 * of execveat() before its point of no return.
 */
static const int commit_errnos[] = {
	EACCES, EAGAIN, EDQUOT, EEXIST, EFBIG, EIO, EISDIR, ELIBBAD, ELOOP,
	EMFILE, ENFILE, ENODEV, ENOEXEC, ENOSPC, ENOTDIR, ENOTTY, ENXIO,
	EOVERFLOW, EPERM, EROFS, ETXTBSY, EWOULDBLOCK,
};

/* clone_empty(2) and clone(2), ERRORS, for clone3(). */
static const int clone3_errnos[] = {
	E2BIG, EACCES, EAGAIN, EBADF, EBUSY, EEXIST, EFAULT, EINVAL, ENOMEM,
	ENOSPC, EOPNOTSUPP, EPERM, EUSERS,
};

static const int signal_errnos[] = { EBADF, EINVAL, EPERM, ESRCH };

static const int ptrace_errnos[] = {
	EBUSY, EFAULT, EINVAL, EIO, EPERM, ESRCH,
};

/* Flags CLONE_EMPTY accepts, and those it refuses. */
static const __u64 allowed_flags[] = {
	CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER, CLONE_NEWPID,
	CLONE_NEWCGROUP, CLONE_NEWTIME, CLONE_NEWNET, CLONE_PARENT,
	CLONE_PARENT_SETTID, CLONE_PTRACE, CLONE_UNTRACED, CLONE_IO,
	CLONE_CLEAR_SIGHAND, CLONE_INTO_CGROUP,
};

static const __u64 refused_flags[] = {
	CLONE_VM, CLONE_THREAD, CLONE_SIGHAND, CLONE_VFORK, CLONE_FILES,
	CLONE_FS, CLONE_SYSVSEM, CLONE_SETTLS, CLONE_CHILD_SETTID,
	CLONE_CHILD_CLEARTID, CLONE_VM | CLONE_SIGHAND | CLONE_THREAD,
	/* Refused by clone3() itself. */
	CLONE_DETACHED, 0x01, 1ULL << 34, 1ULL << 35, 1ULL << 36, 1ULL << 37,
	1ULL << 39, 1ULL << 63,
};

enum kind {
	K_BUILDER,	/* a builder: pidfd_config() acts on it */
	K_PIDFD,	/* another pidfd: EINVAL */
	K_OTHER,	/* an open file that is not a pidfd: EBADF */
	K_CLOSED,	/* not an open descriptor: EBADF */
	K_UNKNOWN,
};

struct kid {
	pid_t pid;
	int bfd[MAX_BFD];	/* its builder descriptors, -1 once closed */
	int watch;		/* a pidfd_open() pidfd of it */
	int inflight;		/* its builders in flight on the socket */
	__u64 flags;
	bool exe_set;		/* a call set "exe" */
	bool committed;		/* a commit returned 0 */
	bool gone;		/* aborted, dead or reaped before a commit */
	bool reaped;
	bool no_builder;	/* clone3() wrongly made it without a pidfd */
	unsigned int sigs;	/* signals sent to it */
	char hist[480];		/* what was done to it */
};

/* Descriptors of every kind, opened for each round. */
struct pool {
	int file, dir, root, devnull, probe, probedir, ptm, pts, evfd, cgroup;
	int pipe[2], sock[2];
	int self;		/* pidfd_open() of the test itself */
	int queue[MAX_INFLIGHT];	/* the kid of each builder in flight */
	int nq;
};

static const char * const pool_names[] = {
	"file", "dir", "/(O_PATH)", "/dev/null", "probe", "probedir", "ptmx",
	"pts", "eventfd", "cgroup", "pipe_r", "pipe_w", "sock", "sock_peer",
};

static struct fuzz {
	unsigned long long seed;
	__u64 rng;
	int seconds;
	long rounds, calls;
	int call;		/* calls of this round */
	long clones, clones_ok, configs, configs_ok, runs;
	long sent, inflight_end, inherits;
	int violations;
	bool stop;
	double start;
	long page;
	char *map;
	size_t map_len;
	char *vguard;		/* PROT_NONE pages after values ... */
	char *kguard;		/* ... after keys ... */
	char *pguard;		/* ... and after paths inside values */
	char *big;		/* BIG_LEN + 1 bytes, for values */
	char bigkey[PATH_MAX + 1];	/* the same, for keys */
	bool plain;		/* gen_str() made a string of the tables */
	char tmpdir[PATH_MAX];
	char file_path[PATH_MAX + 16];
	char new_path[PATH_MAX + 16];
	char script[PATH_MAX + 16];
	char noexec[PATH_MAX + 16];
	int base_fds;
	int last_closed;
	struct kid kids[MAX_KIDS];
	unsigned int nkids;
	struct pool pool;
	__u64 cbuf[1024];	/* the clone3() arguments */
	int newpidfd;
	pid_t ptid;
	pid_t set_tid[2];
	char desc[DESC_LEN];	/* the call being made */
	int in_call;
	time_t call_start;
	int quit;
} fz;

/* ---- helpers ------------------------------------------------------------ */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fuzz_seconds(void)
{
	const char *env = getenv("PIDFD_SPAWN_FUZZ_SECONDS");
	long n = env ? strtol(env, NULL, 0) : 0;

	return n > 0 && n < INT_MAX - FUZZ_SLACK ? n : FUZZ_SECONDS;
}

/* xorshift64*, seeded through splitmix64 so that any seed will do. */
static void rnd_seed(unsigned long long seed)
{
	__u64 z = seed + 0x9e3779b97f4a7c15ULL;

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	fz.rng = z ? z : 1;
}

static __u64 rnd(void)
{
	__u64 x = fz.rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	fz.rng = x;
	return x * 0x2545f4914f6cdd1dULL;
}

static unsigned int below(unsigned int n)
{
	return n ? (rnd() >> 32) % n : 0;
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

static bool in_set(int err, const int *set, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == err)
			return true;
	return false;
}

static void vreport(bool with_call, const char *fmt, va_list ap)
{
	char msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	ksft_print_msg("fuzz: FAIL: seed %llu, round %ld, call %d (%ld overall): %s\n",
		       fz.seed, fz.rounds, fz.call, fz.calls, msg);
	if (with_call)
		ksft_print_msg("fuzz:   the call: %s\n", fz.desc);
	fflush(stdout);
	if (++fz.violations >= MAX_VIOLATIONS)
		fz.stop = true;
}

/* An invariant broken by the call just made (@call) or by the round. */
static void __printf(2, 3) fail(bool call, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(call, fmt, ap);
	va_end(ap);
}

static void __printf(1, 2) fail_call(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(true, fmt, ap);
	va_end(ap);
}

/* An invariant of the end of a round. */
static void __printf(1, 2) fail_round(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vreport(false, fmt, ap);
	va_end(ap);
}

/* Name the call about to be made, for the reports and the watchdog. */
static void __printf(1, 2) begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fz.desc, sizeof(fz.desc), fmt, ap);
	va_end(ap);
	fz.call++;
	fz.calls++;
	__atomic_store_n(&fz.call_start, (time_t)now(), __ATOMIC_RELAXED);
	__atomic_store_n(&fz.in_call, 1, __ATOMIC_RELEASE);
}

static void done(void)
{
	__atomic_store_n(&fz.in_call, 0, __ATOMIC_RELEASE);
}

/* Every errno must be below 512 and one of @set. */
static void check_errno(const char *what, int err, const int *set, size_t n)
{
	if (err <= 0 || err >= 512)
		fail_call("%s: errno %d, a kernel-internal value", what, err);
	else if (set && !in_set(err, set, n))
		fail_call("%s: errno %d (%s) is not documented", what, err,
			  strerror(err));
}

/* A call whose errno only has to be a real one. */
static void check_any_errno(const char *what, int ret, int err)
{
	if (ret < 0)
		check_errno(what, err, NULL, 0);
}

/* A buggy child that does not end must not hang the test in turn. */
static void *watchdog(void *arg)
{
	struct timespec ts = { .tv_sec = 1 };
	time_t start;

	while (!__atomic_load_n(&fz.quit, __ATOMIC_ACQUIRE)) {
		nanosleep(&ts, NULL);
		if (!__atomic_load_n(&fz.in_call, __ATOMIC_ACQUIRE))
			continue;
		start = __atomic_load_n(&fz.call_start, __ATOMIC_RELAXED);
		if ((time_t)now() - start < CALL_BOUND)
			continue;
		ksft_print_msg("fuzz: FAIL: seed %llu, round %ld, call %d: no return in %d s\n",
			       fz.seed, fz.rounds, fz.call, CALL_BOUND);
		ksft_print_msg("fuzz:   the call: %s\n", fz.desc);
		fflush(stdout);
		_exit(KSFT_FAIL);
	}
	return NULL;
}

static void __printf(2, 3) hist(struct kid *k, const char *fmt, ...)
{
	size_t len = strlen(k->hist);
	va_list ap;

	if (len + 8 >= sizeof(k->hist)) {
		if (len + 4 < sizeof(k->hist))
			snprintf(k->hist + len, sizeof(k->hist) - len, " ...");
		return;
	}
	if (len)
		k->hist[len++] = ' ';
	va_start(ap, fmt);
	vsnprintf(k->hist + len, sizeof(k->hist) - len - 4, fmt, ap);
	va_end(ap);
}

/* A string for a report: quoted, escaped, shortened. */
static void desc_str(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s), i, o = 0;

	o += snprintf(buf + o, len - o, "\"");
	for (i = 0; i < n && i < 40 && o + 8 < len; i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"')
			buf[o++] = s[i];
		else
			o += snprintf(buf + o, len - o, "\\x%02x",
				      (unsigned char)s[i]);
	}
	buf[o] = '\0';
	if (n > 40)
		snprintf(buf + o, len - o, "...\" (%zu bytes)", n);
	else
		snprintf(buf + o, len - o, "\"");
}

/* @n bytes that end where the PROT_NONE page @guard starts. */
static char *tail(char *guard, size_t n)
{
	return guard - n;
}

static const char *big_str(char *buf, size_t len)
{
	memset(buf, 'a', len);
	buf[len] = '\0';
	return buf;
}

/* ---- descriptors -------------------------------------------------------- */

static int *pool_slot(unsigned int i)
{
	struct pool *p = &fz.pool;
	int *slot[] = {
		&p->file, &p->dir, &p->root, &p->devnull, &p->probe,
		&p->probedir, &p->ptm, &p->pts, &p->evfd, &p->cgroup,
		&p->pipe[0], &p->pipe[1], &p->sock[0], &p->sock[1],
	};

	return i < ARRAY_SIZE(slot) ? slot[i] : NULL;
}

#define POOL_SLOTS ARRAY_SIZE(pool_names)

static enum kind classify(int fd, struct kid **owner, char *name, size_t len)
{
	unsigned int i, j;

	*owner = NULL;
	if (fd < 0) {
		snprintf(name, len, "%d", fd);
		return K_CLOSED;
	}
	for (i = 0; i < fz.nkids; i++) {
		struct kid *k = &fz.kids[i];

		for (j = 0; j < MAX_BFD; j++) {
			if (k->bfd[j] != fd)
				continue;
			*owner = k;
			snprintf(name, len, "%d=builder%u", fd, i);
			return K_BUILDER;
		}
		if (k->watch == fd) {
			snprintf(name, len, "%d=pidfd%u", fd, i);
			return K_PIDFD;
		}
	}
	if (fd == fz.pool.self) {
		snprintf(name, len, "%d=self_pidfd", fd);
		return K_PIDFD;
	}
	for (i = 0; i < POOL_SLOTS; i++) {
		if (*pool_slot(i) == fd) {
			snprintf(name, len, "%d=%s", fd, pool_names[i]);
			return K_OTHER;
		}
	}
	if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
		snprintf(name, len, "%d=closed", fd);
		return K_CLOSED;
	}
	snprintf(name, len, "%d=?", fd);
	return K_UNKNOWN;
}

static void desc_fd(char *buf, size_t len, int fd)
{
	struct kid *owner;

	if (fd == AT_FDCWD)
		snprintf(buf, len, "AT_FDCWD");
	else
		classify(fd, &owner, buf, len);
}

static struct kid *random_kid(void)
{
	return fz.nkids ? &fz.kids[below(fz.nkids)] : NULL;
}

static int kid_nbfd(const struct kid *k)
{
	int i, n = 0;

	for (i = 0; i < MAX_BFD; i++)
		n += k->bfd[i] >= 0;
	return n;
}

/* One of the open builder descriptors of @k, or -1. */
static int kid_bfd(const struct kid *k)
{
	int i, n;

	if (!k)
		return -1;
	n = kid_nbfd(k);
	if (!n)
		return -1;
	n = below(n);
	for (i = 0; i < MAX_BFD; i++)
		if (k->bfd[i] >= 0 && !n--)
			return k->bfd[i];
	return -1;
}

static int kid_free_slot(const struct kid *k)
{
	int i;

	for (i = 0; i < MAX_BFD; i++)
		if (k->bfd[i] < 0)
			return i;
	return -1;
}

static unsigned int kid_index(const struct kid *k)
{
	return k - fz.kids;
}

/* A descriptor of any kind, for aux. */
static int pick_fd(struct kid *k)
{
	static const int odd[] = { -1, AT_FDCWD, INT_MAX, INT_MIN };
	unsigned int r = below(27);
	struct kid *o;

	switch (r) {
	case 25:
	case 26:
		/* The socket that holds the builders in flight. */
		return fz.pool.sock[1];
	case 0:
	case 1:
		return kid_bfd(k);
	case 2:
	case 3:
		return kid_bfd(random_kid());
	case 4:
		o = random_kid();
		return o ? o->watch : -1;
	case 5:
		return fz.pool.self;
	case 20:
		return 1000 + below(24);
	case 21:
		return fz.last_closed;
	case 22:
	case 23:
		return odd[below(ARRAY_SIZE(odd))];
	case 24:
		return fz.pool.probe;
	default:
		return *pool_slot(r - 6);
	}
}

static int count_fds(void)
{
	struct dirent *de;
	DIR *d;
	int n = 0;

	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n - 1;
}

static void list_fds(void)
{
	char path[300], target[256];
	struct dirent *de;
	ssize_t len;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		target[len > 0 ? len : 0] = '\0';
		ksft_print_msg("fuzz:   fd %s -> %s\n", de->d_name, target);
	}
	closedir(d);
}

/* One byte, @data, and the descriptor @fd unless it is negative. */
static int send_msg(int sock, int data, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = &data, .iov_len = sizeof(data) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *cmsg;

	memset(&u, 0, sizeof(u));
	if (fd >= 0) {
		msg.msg_control = u.buf;
		msg.msg_controllen = sizeof(u.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	if (sendmsg(sock, &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
		return -errno;
	return 0;
}

/* The descriptor received (-1 if none) or -errno; the data in *@data. */
static int recv_msg(int sock, int *data, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { .iov_base = data, .iov_len = sizeof(*data) };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cmsg;
	int fd = -1;

	if (recvmsg(sock, &msg, flags) < 0)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (cmsg && cmsg->cmsg_level == SOL_SOCKET &&
	    cmsg->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

static int open_pty(int *pts)
{
	int ptm, unlock = 0;

	*pts = -1;
	ptm = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (ptm < 0)
		return -1;
	if (ioctl(ptm, TIOCSPTLCK, &unlock) == 0)
		*pts = ioctl(ptm, TIOCGPTPEER, O_RDWR | O_NOCTTY);
	return ptm;
}

/*
 * Descriptors the children can be given.  Most are not close-on-exec, so
 * that inherit_fds takes them too, the socket that holds builders in flight
 * among them.
 */
static void pool_open(void)
{
	struct pool *p = &fz.pool;

	p->file = open(fz.file_path, O_RDWR | O_CREAT, 0600);
	p->dir = open(fz.tmpdir, O_RDONLY | O_DIRECTORY);
	p->root = open("/", O_PATH | O_CLOEXEC);
	p->devnull = open("/dev/null", O_RDWR);
	p->probe = open(probe_path(), O_RDONLY | O_CLOEXEC);
	p->probedir = open(probe_dir(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	p->ptm = open_pty(&p->pts);
	p->evfd = eventfd(0, 0);
	p->cgroup = open("/sys/fs/cgroup", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pipe2(p->pipe, 0)) {
		p->pipe[0] = -1;
		p->pipe[1] = -1;
	}
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, p->sock)) {
		p->sock[0] = -1;
		p->sock[1] = -1;
	}
	p->self = sys_pidfd_open(getpid(), 0);
	p->nq = 0;
}

static void pool_close(void)
{
	unsigned int i;
	int *fd;

	for (i = 0; i < POOL_SLOTS; i++) {
		fd = pool_slot(i);
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
	if (fz.pool.self >= 0)
		close(fz.pool.self);
	fz.pool.self = -1;
	fz.pool.nq = 0;
}

/* ---- the builder state -------------------------------------------------- */

/* What fdinfo says must agree with what the calls said. */
static void check_state(struct kid *k, int fd)
{
	char st[32];
	bool ok;

	if (builder_state(fd, st, sizeof(st))) {
		fail_call("no PidfdBuilder line in /proc/self/fdinfo/%d", fd);
		return;
	}
	if (!strcmp(st, "committed")) {
		ok = k->committed;
	} else if (!strcmp(st, "aborted") || !strcmp(st, "dead")) {
		ok = !k->committed;
		if (ok)
			k->gone = true;
	} else if (!strcmp(st, "parked") || !strcmp(st, "exec-failed")) {
		ok = !k->committed && !k->gone;
	} else {
		/* "committing" with no commit in progress, or unknown. */
		ok = false;
	}
	if (!ok)
		fail_call("kid %u: fdinfo says \"%s\", after %s", kid_index(k),
			  st, k->committed ? "a successful commit" :
			  k->gone ? "an abort, an ESRCH or its reaping" :
			  "no commit");
}

/*
 * waitid() reports the stops of a traced child to its tracer whatever the
 * flags: that is not an end.
 */
static bool ptrace_stop(const siginfo_t *info)
{
	return info->si_code == CLD_TRAPPED || info->si_code == CLD_STOPPED ||
	       info->si_code == CLD_CONTINUED;
}

/* How @k ended: a child that never ran a program only ends by a signal. */
static void child_ended(struct kid *k, const siginfo_t *info, bool call)
{
	int sig = info->si_status;
	bool ok;

	k->reaped = true;
	if (info->si_pid != k->pid) {
		fail_round("kid %u: waitid() reaped pid %d, not %d",
			   kid_index(k), info->si_pid, k->pid);
		return;
	}
	hist(k, "reaped(%d,%d)", info->si_code, sig);
	if (k->committed)
		return;
	k->gone = true;
	ok = info->si_code == CLD_KILLED &&
	     (sig == SIGKILL ||
	      ((sig == SIGTERM || sig == SIGUSR1) && (k->sigs & (1u << sig))));
	if (ok)
		return;
	/* Only SIGKILL, or a fatal signal the fuzzer sent, may end it. */
	fail(call, "kid %u (pid %d) never committed, ended with code %d status %d",
	     kid_index(k), k->pid, info->si_code, sig);
	ksft_print_msg("fuzz:   history: %s\n", k->hist);
}

/* ---- clone3() ----------------------------------------------------------- */

struct clone_req {
	__u64 flags;
	__u64 exit_signal;
	size_t size;
	bool refused;		/* documented to fail with EINVAL */
	bool helper;		/* CLONE_PARENT: made by a helper process */
	bool bad_ptr;		/* args.pidfd is not writable */
	int want;		/* the errno it must fail with, or 0 */
	char desc[256];
};

static void gen_clone(struct clone_req *r)
{
	static const __u64 signals[] = {
		SIGCHLD, SIGCHLD, SIGCHLD, SIGCHLD, SIGCHLD, SIGCHLD, 0,
		SIGURG, SIGWINCH, 65, 0x100, ~0ULL,
	};
	static const size_t sizes[] = { 64, 80, 96, 96, 8, 0, 4096, 5000 };
	struct __clone_args *a = (struct __clone_args *)fz.cbuf;
	bool extra = false, bad_ptr;
	unsigned int i, n;
	__u64 f;

	memset(fz.cbuf, 0, sizeof(fz.cbuf));
	memset(r, 0, sizeof(*r));
	r->flags = CLONE_EMPTY | CLONE_PIDFD;
	if (chance(4)) {
		r->flags &= ~(__u64)CLONE_PIDFD;
		r->refused = true;
	}
	n = chance(40) ? 1 + below(3) : 0;
	for (i = 0; i < n; i++) {
		f = allowed_flags[below(ARRAY_SIZE(allowed_flags))];
		/* A network namespace is slow to make and to tear down. */
		if (f == CLONE_NEWNET && !chance(20))
			continue;
		r->flags |= f;
	}
	if (chance(20)) {
		r->flags |= refused_flags[below(ARRAY_SIZE(refused_flags))];
		r->refused = true;
	}
	r->exit_signal = SIGCHLD;
	if (chance(20))
		r->exit_signal = signals[below(ARRAY_SIZE(signals))];
	if (r->exit_signal > 64)
		r->refused = true;
	r->size = sizeof(struct __clone_args);
	if (chance(12))
		r->size = sizes[below(ARRAY_SIZE(sizes))];

	a->flags = r->flags;
	a->exit_signal = r->exit_signal;
	fz.newpidfd = -1;
	bad_ptr = chance(3);
	a->pidfd = ptr_to_u64(bad_ptr ? (void *)fz.vguard : &fz.newpidfd);
	if (r->flags & CLONE_PARENT_SETTID)
		a->parent_tid = ptr_to_u64(&fz.ptid);
	if (chance(4)) {
		r->refused = true;
		switch (below(3)) {
		case 0:
			a->stack = ptr_to_u64(fz.map);
			a->stack_size = fz.page;
			break;
		case 1:
			a->tls = 1;
			break;
		default:
			a->stack_size = fz.page;
			break;
		}
	}
	if (chance(4)) {
		fz.set_tid[0] = 2 + below(4000);
		a->set_tid = ptr_to_u64(fz.set_tid);
		a->set_tid_size = 1;
	}
	if (r->flags & CLONE_INTO_CGROUP)
		a->cgroup = (__u64)(__s64)(chance(70) ? fz.pool.cgroup :
					   pick_fd(NULL));
	if (r->size > sizeof(struct __clone_args) && chance(50)) {
		((char *)fz.cbuf)[sizeof(struct __clone_args) + 3] = 1;
		extra = true;
	}
	r->helper = r->flags & CLONE_PARENT;

	/* copy_clone_args_from_user() first, then the flags. */
	if (r->size < 64)
		r->want = EINVAL;
	else if (r->size > (size_t)fz.page || extra)
		r->want = E2BIG;
	else if (r->refused)
		r->want = EINVAL;

	snprintf(r->desc, sizeof(r->desc),
		 "clone3({flags=%#llx, exit_signal=%#llx, pidfd=%s, stack=%#llx, stack_size=%#llx, tls=%#llx, set_tid_size=%llu, cgroup=%lld}, %zu%s)%s",
		 (unsigned long long)a->flags,
		 (unsigned long long)a->exit_signal,
		 bad_ptr ? "<PROT_NONE>" : "&fd",
		 (unsigned long long)a->stack,
		 (unsigned long long)a->stack_size,
		 (unsigned long long)a->tls,
		 (unsigned long long)a->set_tid_size,
		 (long long)a->cgroup, r->size,
		 extra ? ", non-zero past the struct" : "",
		 r->helper ? " in a helper" : "");
	r->bad_ptr = bad_ptr;
}

/*
 * CLONE_PARENT makes the empty child a sibling of its creator: let a helper
 * child make it, so that it is a child of this process, and send back the
 * pid (or -errno) and the builder.
 */
static pid_t clone_in_helper(size_t size, int *err)
{
	int sk[2], data = -EIO, fd;
	siginfo_t info;
	pid_t h, pid;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sk)) {
		*err = -errno;
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	h = fork();
	if (h == 0) {
		pid = syscall(__NR_clone3, fz.cbuf, size);
		data = pid < 0 ? -errno : pid;
		send_msg(sk[1], data, pid > 0 ? fz.newpidfd : -1);
		_exit(0);
	}
	close(sk[1]);
	if (h < 0) {
		*err = -errno;
		close(sk[0]);
		return -1;
	}
	fd = recv_msg(sk[0], &data, MSG_CMSG_CLOEXEC);
	close(sk[0]);
	wait_pid(h, &info);
	if (info.si_code != CLD_EXITED || info.si_status != 0)
		fail_call("the clone3() helper ended with code %d status %d",
			  info.si_code, info.si_status);
	fz.newpidfd = fd >= 0 ? fd : -1;
	if (data < 0) {
		*err = -data;
		return -1;
	}
	return data;
}

static void do_create(void)
{
	struct clone_req r;
	char what[64];
	struct kid *k;
	int err = 0, fd;
	pid_t pid;

	if (fz.nkids >= MAX_KIDS)
		return;
	gen_clone(&r);
	fz.clones++;
	begin("%s", r.desc);
	if (r.helper) {
		pid = clone_in_helper(r.size, &err);
		if (pid < 0 && err < 0) {
			done();
			ksft_print_msg("fuzz: clone3() helper: %s\n",
				       strerror(-err));
			return;
		}
	} else {
		pid = syscall(__NR_clone3, fz.cbuf, r.size);
		err = pid < 0 ? errno : 0;
	}
	done();

	if (pid < 0) {
		/*
		 * copy_process() may have stored the number of a pidfd that
		 * it then released: it must not be open.
		 */
		if (fz.newpidfd >= 0 &&
		    classify(fz.newpidfd, &k, what, sizeof(what)) == K_UNKNOWN) {
			fail_call("clone3() failed with %s, and left pidfd %d open",
				  strerror(err), fz.newpidfd);
			close(fz.newpidfd);
		}
		check_errno("clone3", err, clone3_errnos,
			    ARRAY_SIZE(clone3_errnos));
		if (r.want && err != r.want)
			fail_call("clone3(): %s, documented: %s",
				  strerror(err), strerror(r.want));
		return;
	}

	fz.clones_ok++;
	k = &fz.kids[fz.nkids++];
	memset(k, 0, sizeof(*k));
	memset(k->bfd, -1, sizeof(k->bfd));
	k->pid = pid;
	k->flags = r.flags;
	k->watch = -1;
	hist(k, "clone(%#llx)", (unsigned long long)r.flags);
	if (r.want || r.bad_ptr) {
		fail_call("clone3() made pid %d, documented to fail with %s",
			  pid, strerror(r.want ?: EFAULT));
		/* Whatever it shares with this process, stop here. */
		fz.stop = true;
	}
	if (r.flags & CLONE_PIDFD)
		k->bfd[0] = fz.newpidfd;
	if (k->bfd[0] < 0)
		k->no_builder = true;

	k->watch = sys_pidfd_open(pid, 0);
	if (k->watch < 0)
		fail_call("pidfd_open() of the new child %d: %s", pid,
			  strerror(errno));
	fd = k->bfd[0];
	if (fd < 0)
		return;
	if (!r.helper && !(fcntl(fd, F_GETFD) & FD_CLOEXEC))
		fail_call("the builder %d is not close-on-exec", fd);
	check_state(k, fd);
}

/* ---- pidfd_config() ----------------------------------------------------- */

struct call {
	int pidfd;
	unsigned int cmd;
	const char *key;
	const void *value;
	int aux;
	bool exe;		/* the key is "exe" */
	bool key_str;		/* the key is a string of the tables */
	bool batch;		/* made as the one entry of a SET_BATCH */
	char kd[96], vd[256], ad[64];
};

static const char *cmd_name(unsigned int cmd)
{
	static const char * const names[] = {
		"SET_FLAG", "SET_STRING", "SET_BINARY", "SET_PATH",
		"SET_PATH_EMPTY", "SET_FD", "SET_INT", "CMD_EXEC", "CMD_ABORT",
		"SET_BATCH",
	};
	static char buf[16];

	if (cmd < ARRAY_SIZE(names))
		return names[cmd];
	snprintf(buf, sizeof(buf), "%u", cmd);
	return buf;
}

/*
 * Keys by command, from the key table of kernel/pidfd_spawn.c.  All but
 * "tcsetpgrp": with an inherited descriptor of the terminal the fuzzer runs
 * on, it would take that terminal's foreground away from the test run.
 */
static const char * const flag_keys[] = {
	"argv", "envp", "inherit_fds", "inherit_fds", "setsid", "resetids",
	"no_new_privs", "inherit_sigignore", "fd:N",
};

static const char * const string_keys[] = { "exe", "argv", "envp" };
static const char * const binary_keys[] = {
	"argv", "envp", "sigmask", "sigignore", "sigdefault", "close_range",
	"fd:N",
};

static const char * const path_keys[] = { "exe", "cwd", "root" };
static const char * const fd_keys[] = { "exe", "cwd", "root", "fd:N" };
static const char * const int_keys[] = {
	"umask", "pgid", "pdeathsig", "ctty", "cwd", "dup:N",
};

static const char * const all_keys[] = {
	"exe", "argv", "envp", "inherit_fds", "cwd", "root", "umask",
	"sigmask", "sigignore", "setsid", "pgid", "resetids", "no_new_privs",
	"pdeathsig", "ctty", "close_range", "inherit_sigignore", "sigdefault",
	"fd:N", "dup:N",
};

static const char * const bad_keys[] = {
	"", "fd:", "fd:-1", "fd:+1", "fd:01", "fd:00", "fd:1x", "fd: 1",
	"fd:1\n", "fd:99999999999", "fd:4294967296", "fd:4294967295",
	"fd:2147483648", "fd:1048576", "FD:1", "fd", "exe\0x", "EXE", "exe ",
	" exe", "ex", "exec", "argv\n", "umask=0", "inherit_fds2", "cwd/",
	"dup:", "dup:01", "dup:-1", "dup:4294967296", "dup:1048576", "dup",
	"close_range\n", "sigdefault ",
};

static const char *key_for(unsigned int cmd)
{
	switch (cmd) {
	case PIDFD_CONFIG_SET_FLAG:
		return flag_keys[below(ARRAY_SIZE(flag_keys))];
	case PIDFD_CONFIG_SET_STRING:
		return string_keys[below(ARRAY_SIZE(string_keys))];
	case PIDFD_CONFIG_SET_BINARY:
		return binary_keys[below(ARRAY_SIZE(binary_keys))];
	case PIDFD_CONFIG_SET_PATH:
		return path_keys[below(ARRAY_SIZE(path_keys))];
	case PIDFD_CONFIG_SET_PATH_EMPTY:
		return "exe";
	case PIDFD_CONFIG_SET_FD:
		return fd_keys[below(ARRAY_SIZE(fd_keys))];
	case PIDFD_CONFIG_SET_INT:
		return int_keys[below(ARRAY_SIZE(int_keys))];
	default:
		return all_keys[below(ARRAY_SIZE(all_keys))];
	}
}

static void gen_key(struct call *c)
{
	static const int fds[] = { 0, 1, 2, 3, 4, 9, 63, 1023, 1024, 1048575 };
	static char key[32];
	const char *s;
	int k;

	c->exe = false;
	c->key_str = false;
	if (c->cmd >= PIDFD_CONFIG_CMD_EXEC && c->cmd <= PIDFD_CONFIG_CMD_ABORT &&
	    !chance(8)) {
		c->key = NULL;
		snprintf(c->kd, sizeof(c->kd), "NULL");
		return;
	}
	if (chance(5)) {
		switch (below(6)) {
		case 0:
			c->key = NULL;
			snprintf(c->kd, sizeof(c->kd), "NULL");
			return;
		case 1:
			c->key = fz.kguard;
			snprintf(c->kd, sizeof(c->kd), "<PROT_NONE>");
			return;
		case 2:
			k = 1 + below(300);
			memset(tail(fz.kguard, k), 'k', k);
			c->key = tail(fz.kguard, k);
			snprintf(c->kd, sizeof(c->kd),
				 "<%d bytes into PROT_NONE>", k);
			return;
		default:
			k = PIDFD_CONFIG_KEY_MAX + below(3) - 1;
			if (chance(20))
				k = PATH_MAX;
			c->key = big_str(fz.bigkey, k);
			snprintf(c->kd, sizeof(c->kd), "<%d x 'a'>", k);
			return;
		}
	}
	if (chance(8))
		s = bad_keys[below(ARRAY_SIZE(bad_keys))];
	else if (chance(10))
		s = all_keys[below(ARRAY_SIZE(all_keys))];
	else
		s = key_for(c->cmd);
	if (!strcmp(s, "fd:N") || !strcmp(s, "dup:N")) {
		snprintf(key, sizeof(key), "%s%d", s[0] == 'f' ? "fd:" : "dup:",
			 fds[below(ARRAY_SIZE(fds))]);
		s = key;
	}
	c->key = s;
	c->key_str = true;
	c->exe = !strcmp(s, "exe");
	desc_str(c->kd, sizeof(c->kd), s);
}

static const char *exe_str(void)
{
	static const char * const s[] = {
		PROBE_NAME, "/bin/true", "/nonexistent/x", "/dev/null", "",
		"/proc/self/exe", ".",
	};

	switch (below(13)) {
	case 0 ... 2:
		return probe_path();
	case 3:
		return fz.tmpdir;
	case 4:
		return fz.script;
	case 5:
		return fz.noexec;
	default:
		return s[below(ARRAY_SIZE(s))];
	}
}

static const char *arg_str(void)
{
	static const char * const s[] = {
		PROBE_NAME, "--exit", "0", "3", "--pause", "", "A=1",
		"PATH=/usr/bin:/bin", "x",
	};

	return s[below(ARRAY_SIZE(s))];
}

static const char *dir_str(void)
{
	static const char * const s[] = {
		"/", "/nonexistent", "..", "", "/dev/null", "/proc/self/fd", ".",
	};

	switch (below(9)) {
	case 0:
		return fz.tmpdir;
	case 1:
		return probe_dir();
	default:
		return s[below(ARRAY_SIZE(s))];
	}
}

/* Paths the children open: nothing outside the test's directory changes. */
static const char *open_str(void)
{
	static const char * const s[] = {
		"/dev/null", "/nonexistent/x", "/", "/proc/self/status", "",
		"nonexistent", "/dev/ptmx", ".",
	};

	switch (below(11)) {
	case 0:
		return fz.file_path;
	case 1:
		return fz.new_path;
	case 2:
		return fz.tmpdir;
	default:
		return s[below(ARRAY_SIZE(s))];
	}
}

enum str_class { S_ANY, S_EXE, S_ARG, S_DIR, S_OPEN };

/* A string or a pointer that is not one, described in @d. */
static const char *gen_str(enum str_class cls, char *guard, char *d,
			   size_t dlen)
{
	const size_t lens[] = {
		256, 257, PATH_MAX - 1, PATH_MAX, 32 * fz.page - 1,
		32 * fz.page, BIG_LEN,
	};
	const char *s;
	size_t len;
	int k;

	fz.plain = false;
	if (chance(12)) {
		switch (below(6)) {
		case 0:
			snprintf(d, dlen, "NULL");
			return NULL;
		case 1:
			snprintf(d, dlen, "<PROT_NONE>");
			return guard;
		case 2:
			k = 1 + below(300);
			memset(tail(guard, k), 'x', k);
			snprintf(d, dlen, "<%d bytes into PROT_NONE>", k);
			return tail(guard, k);
		case 3:
			snprintf(d, dlen, "<kernel address>");
			return (const char *)(UINTPTR_MAX & ~(uintptr_t)0xfff);
		default:
			len = lens[below(ARRAY_SIZE(lens))];
			snprintf(d, dlen, "<%zu x 'a'>", len);
			return big_str(fz.big, len);
		}
	}
	switch (cls) {
	case S_EXE:
		s = exe_str();
		break;
	case S_ARG:
		s = arg_str();
		break;
	case S_DIR:
		s = dir_str();
		break;
	case S_OPEN:
		s = open_str();
		break;
	default:
		switch (below(4)) {
		case 0:
			s = exe_str();
			break;
		case 1:
			s = arg_str();
			break;
		case 2:
			s = dir_str();
			break;
		default:
			s = open_str();
			break;
		}
	}
	fz.plain = true;
	desc_str(d, dlen, s);
	return s;
}

static int gen_int(void)
{
	static const int v[] = { 0, 1, -1, 2, 3, 0777, INT_MIN, INT_MAX };

	return chance(80) ? v[below(ARRAY_SIZE(v))] : (int)rnd();
}

static int int_for(const char *key, struct kid *k)
{
	if (!key)
		return gen_int();
	if (!strcmp(key, "umask")) {
		static const int v[] = { 0, 022, 0777, 01000, -1, INT_MAX };

		return v[below(ARRAY_SIZE(v))];
	}
	if (!strcmp(key, "pgid")) {
		int v[] = { 0, 0, getpgrp(), 1, k ? k->pid : 0, 99999, -1 };

		return v[below(ARRAY_SIZE(v))];
	}
	if (!strcmp(key, "pdeathsig")) {
		static const int v[] = {
			0, SIGKILL, SIGTERM, SIGUSR1, 64, 65, -1,
		};

		return v[below(ARRAY_SIZE(v))];
	}
	if (!strcmp(key, "ctty")) {
		static const int v[] = { 0, 1, 2, 3, 5, 63, -1, INT_MAX };

		return v[below(ARRAY_SIZE(v))];
	}
	/* A descriptor of the child. */
	if (!strcmp(key, "cwd") || !strncmp(key, "dup:", 4)) {
		static const int v[] = {
			0, 1, 2, 3, 4, 9, 63, 1023, 1048575, 1048576, -1,
		};

		return v[below(ARRAY_SIZE(v))];
	}
	return gen_int();
}

/* argv or envp as a block of strings. */
static void gen_block(struct call *c)
{
	const size_t bigs[] = { 32 * fz.page - 1, 32 * fz.page, 200000 };
	char blk[256];
	size_t len = 0, n = below(5), i, l;
	const char *s;

	if (chance(8)) {
		l = bigs[below(ARRAY_SIZE(bigs))];
		c->value = big_str(fz.big, l);
		c->aux = l + 1;
		snprintf(c->vd, sizeof(c->vd), "<%zu x 'a' + NUL>", l);
		snprintf(c->ad, sizeof(c->ad), "%d", c->aux);
		return;
	}
	for (i = 0; i < n; i++) {
		s = arg_str();
		l = strlen(s) + 1;
		memcpy(blk + len, s, l);
		len += l;
	}
	c->value = tail(fz.vguard, len);
	memcpy((char *)c->value, blk, len);
	c->aux = len;
	switch (below(10)) {
	case 0:
		if (len)
			c->aux = len - 1;	/* no final NUL */
		break;
	case 1:
		c->aux = chance(50) ? -1 : INT_MIN;
		break;
	case 2:
		c->aux = len + 1 + below(64);	/* into PROT_NONE */
		break;
	case 3:
		c->aux = 1 << (20 + below(5));
		break;
	default:
		break;
	}
	snprintf(c->vd, sizeof(c->vd), "<%zu strings, %zu bytes>", n, len);
	snprintf(c->ad, sizeof(c->ad), "%d", c->aux);
}

static void gen_sigset(struct call *c, bool ignore)
{
	static const int sizes[] = { 8, 8, 8, 128, 4, 0, 16, 4096, 4097, -1 };
	int sz = sizes[below(ARRAY_SIZE(sizes))];
	size_t n = sz > 0 ? sz : 8;
	__u64 mask = rnd();
	char *buf;

	if (ignore && chance(70))
		mask &= ~((1ULL << (SIGKILL - 1)) | (1ULL << (SIGSTOP - 1)));
	buf = tail(fz.vguard, n);
	memset(buf, 0, n);
	memcpy(buf, &mask, n < 8 ? n : 8);
	if (n > 8 && chance(20))
		buf[8 + below(n - 8)] = 1;
	c->value = buf;
	c->aux = sz;
	snprintf(c->vd, sizeof(c->vd), "<sigset %#llx, %zu bytes>",
		 (unsigned long long)mask, n);
	snprintf(c->ad, sizeof(c->ad), "%d", sz);
}

/* A struct pidfd_config_open, versioned by size. */
static void gen_open(struct call *c)
{
	static const int sizes[] = {
		24, 24, 24, 24, 24, 32, 16, 0, 4096, 4097, -1, 25,
	};
	static const unsigned int flags[] = {
		O_RDONLY, O_WRONLY, O_RDWR, O_RDONLY | O_CLOEXEC,
		O_WRONLY | O_CREAT | O_TRUNC, O_RDWR | O_CREAT | O_EXCL,
		O_RDONLY | O_DIRECTORY, O_PATH, O_TMPFILE | O_RDWR,
		O_RDWR | O_NOCTTY, O_RDONLY | O_NONBLOCK, O_WRONLY | O_APPEND,
	};
	static const unsigned int modes[] = { 0, 0600, 0777, 07777 };
	struct pidfd_config_open how = { 0 };
	int sz = sizes[below(ARRAY_SIZE(sizes))];
	size_t n = sz > 24 ? sz : 24;
	char pd[96];
	const char *path;
	char *buf;

	path = gen_str(S_OPEN, fz.pguard, pd, sizeof(pd));
	how.flags = chance(90) ? flags[below(ARRAY_SIZE(flags))] : (__u32)rnd();
	/* No file is created outside the test's directory. */
	if ((how.flags & (O_CREAT | O_TMPFILE)) && fz.plain &&
	    path[0] != '/') {
		path = fz.new_path;
		desc_str(pd, sizeof(pd), path);
	}
	how.path = ptr_to_u64(path);
	how.mode = chance(90) ? modes[below(ARRAY_SIZE(modes))] : (__u32)rnd();
	if (chance(90))
		how.options = chance(50) ? PIDFD_CONFIG_OPEN_POSIX_CLOEXEC : 0;
	else
		how.options = rnd();
	how.reserved = chance(85) ? 0 : rnd();
	buf = tail(fz.vguard, n);
	memset(buf, 0, n);
	memcpy(buf, &how, sizeof(how));
	if (n > sizeof(how) && chance(25))
		buf[n - 1] = 1;
	c->value = buf;
	c->aux = sz;
	snprintf(c->vd, sizeof(c->vd),
		 "<open{path=%s, flags=%#x, mode=%#o, options=%#x, reserved=%#x}, %zu bytes>",
		 pd, how.flags, how.mode, how.options, how.reserved, n);
	snprintf(c->ad, sizeof(c->ad), "%d", sz);
}

/* A struct pidfd_config_range, versioned by size. */
static void gen_range(struct call *c)
{
	static const int sizes[] = {
		16, 16, 16, 16, 16, 24, 8, 0, 4096, 4097, -1, 17,
	};
	static const __u32 bounds[] = { 0, 3, 4, 9, 64, 1023, 1024, ~0U };
	static const __u32 flags[] = {
		0, 0, CLOSE_RANGE_CLOEXEC, CLOSE_RANGE_UNSHARE,
	};
	struct pidfd_config_range r = { 0 };
	int sz = sizes[below(ARRAY_SIZE(sizes))];
	size_t n = sz > 16 ? sz : 16;
	char *buf;

	r.first = chance(90) ? bounds[below(ARRAY_SIZE(bounds))] : rnd();
	r.last = chance(90) ? bounds[below(ARRAY_SIZE(bounds))] : rnd();
	r.flags = chance(90) ? flags[below(ARRAY_SIZE(flags))] : rnd();
	r.reserved = chance(90) ? 0 : rnd();
	buf = tail(fz.vguard, n);
	memset(buf, 0, n);
	memcpy(buf, &r, sizeof(r));
	if (n > sizeof(r) && chance(25))
		buf[n - 1] = 1;
	c->value = buf;
	c->aux = sz;
	snprintf(c->vd, sizeof(c->vd),
		 "<range{first=%u, last=%u, flags=%#x, reserved=%#x}, %zu bytes>",
		 r.first, r.last, r.flags, r.reserved, n);
	snprintf(c->ad, sizeof(c->ad), "%d", sz);
}

static void gen_binary(struct call *c)
{
	size_t n, i;
	char *buf;

	if (c->key_str) {
		if (!strcmp(c->key, "argv") || !strcmp(c->key, "envp"))
			return gen_block(c);
		if (!strcmp(c->key, "sigmask"))
			return gen_sigset(c, false);
		if (!strcmp(c->key, "sigignore"))
			return gen_sigset(c, true);
		if (!strcmp(c->key, "sigdefault"))
			return gen_sigset(c, false);
		if (!strcmp(c->key, "close_range"))
			return gen_range(c);
		if (!strncmp(c->key, "fd:", 3))
			return gen_open(c);
	}
	n = below(64);
	buf = tail(fz.vguard, n);
	for (i = 0; i < n; i++)
		buf[i] = rnd();
	c->value = buf;
	c->aux = chance(80) ? (int)n : gen_int();
	snprintf(c->vd, sizeof(c->vd), "<%zu random bytes>", n);
	snprintf(c->ad, sizeof(c->ad), "%d", c->aux);
}

static void set_aux_fd(struct call *c, int fd)
{
	c->aux = fd;
	desc_fd(c->ad, sizeof(c->ad), fd);
}

static void set_aux_int(struct call *c, int v)
{
	c->aux = v;
	snprintf(c->ad, sizeof(c->ad), "%d", v);
}

static void set_value_null(struct call *c)
{
	c->value = NULL;
	snprintf(c->vd, sizeof(c->vd), "NULL");
}

static bool key_is(const struct call *c, const char *name)
{
	return c->key_str && !strcmp(c->key, name);
}

/*
 * The array of a PIDFD_CONFIG_SET_BATCH made as such: entries of zeroes
 * (entry 0 is a SET_FLAG without a key), or an entry 0 that cannot be
 * read, so that the answer is known.  Batches that do configure are
 * the calls made as the one entry of a batch (struct call.batch).
 */
static struct pidfd_config_op zero_ops[4];

static void gen_batch(struct call *c)
{
	static const int counts[] = {
		1, 2, ARRAY_SIZE(zero_ops), PIDFD_CONFIG_BATCH_MAX,
		PIDFD_CONFIG_BATCH_MAX + 1, 0, -1, INT_MIN, INT_MAX,
	};

	if (!chance(15)) {
		c->key = NULL;
		c->key_str = false;
		c->exe = false;
		snprintf(c->kd, sizeof(c->kd), "NULL");
	}
	switch (below(4)) {
	case 0:
		set_value_null(c);
		break;
	case 1:
		c->value = zero_ops;
		snprintf(c->vd, sizeof(c->vd), "<ops of zeroes>");
		break;
	case 2:
		c->value = fz.vguard;
		snprintf(c->vd, sizeof(c->vd), "<PROT_NONE>");
		break;
	default:
		c->value = tail(fz.vguard, sizeof(zero_ops[0]) / 2);
		snprintf(c->vd, sizeof(c->vd), "<op across PROT_NONE>");
		break;
	}
	set_aux_int(c, counts[below(ARRAY_SIZE(counts))]);
}

/* What a SET_BATCH of gen_batch() answers on the builder of @k: -errno. */
static int batch_want(const struct call *c, const struct kid *k)
{
	if (c->key || !c->value || c->aux < 1)
		return -EINVAL;
	if (c->aux > PIDFD_CONFIG_BATCH_MAX)
		return -E2BIG;
	if (c->value != zero_ops)
		return -EFAULT;
	if (k->committed)
		return -EBUSY;
	if (k->gone)
		return -ESRCH;
	/* The shape of entry 0, or ESRCH if the child died unnoticed. */
	return 0;
}

/* Arguments that mostly have the shape @cmd wants, and sometimes not. */
static void gen_args(struct call *c, struct kid *k)
{
	enum str_class cls = S_ANY;

	if (key_is(c, "exe"))
		cls = S_EXE;
	else if (key_is(c, "argv") || key_is(c, "envp"))
		cls = S_ARG;
	else if (key_is(c, "cwd") || key_is(c, "root"))
		cls = S_DIR;

	switch (c->cmd) {
	case PIDFD_CONFIG_SET_FLAG:
		if (chance(93))
			set_value_null(c);
		else
			c->value = gen_str(S_ANY, fz.vguard, c->vd,
					   sizeof(c->vd));
		set_aux_int(c, chance(93) ? 0 : gen_int());
		break;
	case PIDFD_CONFIG_SET_STRING:
		c->value = gen_str(cls, fz.vguard, c->vd, sizeof(c->vd));
		set_aux_int(c, chance(95) ? 0 : gen_int());
		break;
	case PIDFD_CONFIG_SET_BINARY:
		if (chance(4)) {
			set_value_null(c);
			set_aux_int(c, gen_int());
		} else {
			gen_binary(c);
		}
		break;
	case PIDFD_CONFIG_SET_PATH:
	case PIDFD_CONFIG_SET_PATH_EMPTY:
		if (c->cmd == PIDFD_CONFIG_SET_PATH_EMPTY && chance(40)) {
			c->value = "";
			snprintf(c->vd, sizeof(c->vd), "\"\"");
		} else {
			c->value = gen_str(cls, fz.vguard, c->vd,
					   sizeof(c->vd));
		}
		if (chance(40))
			set_aux_fd(c, AT_FDCWD);
		else if (cls == S_EXE && chance(30))
			set_aux_fd(c, chance(50) ? fz.pool.probe :
				   fz.pool.probedir);
		else
			set_aux_fd(c, pick_fd(k));
		break;
	case PIDFD_CONFIG_SET_FD:
		if (chance(94))
			set_value_null(c);
		else
			c->value = gen_str(S_ANY, fz.vguard, c->vd,
					   sizeof(c->vd));
		if (cls == S_EXE && chance(40))
			set_aux_fd(c, fz.pool.probe);
		else if (cls == S_DIR && chance(40))
			set_aux_fd(c, chance(50) ? fz.pool.dir :
				   fz.pool.probedir);
		else
			set_aux_fd(c, pick_fd(k));
		break;
	case PIDFD_CONFIG_SET_INT:
		if (chance(94))
			set_value_null(c);
		else
			c->value = gen_str(S_ANY, fz.vguard, c->vd,
					   sizeof(c->vd));
		set_aux_int(c, int_for(c->key_str ? c->key : NULL, k));
		break;
	case PIDFD_CONFIG_CMD_EXEC:
	case PIDFD_CONFIG_CMD_ABORT:
		if (chance(94))
			set_value_null(c);
		else
			c->value = gen_str(S_ANY, fz.vguard, c->vd,
					   sizeof(c->vd));
		set_aux_int(c, chance(94) ? 0 : gen_int());
		break;
	case PIDFD_CONFIG_SET_BATCH:
		gen_batch(c);
		break;
	default:
		if (chance(50))
			set_value_null(c);
		else
			c->value = gen_str(S_ANY, fz.vguard, c->vd,
					   sizeof(c->vd));
		set_aux_int(c, gen_int());
		break;
	}
}

static unsigned int gen_cmd(void)
{
	static const unsigned int odd[] = { 11, 0x80000000, UINT_MAX, 0x107 };
	unsigned int r = below(100);

	if (r < 15)
		return PIDFD_CONFIG_SET_STRING;
	if (r < 27)
		return PIDFD_CONFIG_SET_BINARY;
	if (r < 37)
		return PIDFD_CONFIG_SET_PATH;
	if (r < 42)
		return PIDFD_CONFIG_SET_PATH_EMPTY;
	if (r < 54)
		return PIDFD_CONFIG_SET_FD;
	if (r < 64)
		return PIDFD_CONFIG_SET_INT;
	if (r < 76)
		return PIDFD_CONFIG_SET_FLAG;
	if (r < 80)
		return PIDFD_CONFIG_CMD_EXEC;
	if (r < 83)
		return PIDFD_CONFIG_CMD_ABORT;
	if (r < 90)
		return PIDFD_CONFIG_SET_BATCH;
	if (r < 97)
		return PIDFD_CONFIG_SET_BATCH + 1 + below(2);
	return odd[below(ARRAY_SIZE(odd))];
}

/* Make the call and check its answer against what the fuzzer knows. */
static void do_config(struct call *c)
{
	struct pidfd_config_op op;
	char pd[64], fdk[64];
	struct kid *k, *o;
	enum kind kind;
	int ret, err, want = 0;
	bool no_exe = false;

	kind = classify(c->pidfd, &k, pd, sizeof(pd));
	if (kind == K_CLOSED || kind == K_OTHER) {
		want = EBADF;
	} else if (kind == K_PIDFD) {
		want = EINVAL;
	} else if (kind == K_BUILDER) {
		if (c->batch && c->cmd > PIDFD_CONFIG_SET_INT)
			want = EINVAL;
		else if (c->cmd > PIDFD_CONFIG_SET_BATCH)
			want = EOPNOTSUPP;
		else if (c->cmd == PIDFD_CONFIG_SET_BATCH)
			want = -batch_want(c, k);
		else if (k->committed)
			want = EBUSY;
		else if (k->gone)
			want = ESRCH;
		else if (c->cmd == PIDFD_CONFIG_CMD_EXEC && !k->exe_set)
			no_exe = true;
	}
	/* What aux is, for the history of the child. */
	fdk[0] = '\0';
	if (c->cmd >= PIDFD_CONFIG_SET_PATH && c->cmd <= PIDFD_CONFIG_SET_FD)
		classify(c->aux, &o, fdk, sizeof(fdk));

	begin("pidfd_config(%s, %s%s, %s, %s, %s)", pd,
	      c->batch ? "SET_BATCH of one " : "", cmd_name(c->cmd),
	      c->kd, c->vd, c->ad);
	if (c->batch) {
		op = config_op(c->cmd, c->key, c->value, c->aux);
		ret = sys_pidfd_config(c->pidfd, PIDFD_CONFIG_SET_BATCH, NULL,
				       &op, 1);
	} else {
		ret = sys_pidfd_config(c->pidfd, c->cmd, c->key, c->value,
				       c->aux);
	}
	err = ret < 0 ? errno : 0;
	done();
	fz.configs++;

	/* A batch of one returns 1 when its entry succeeds. */
	if (c->batch && !ret) {
		fail_call("a batch of one returned 0");
		return;
	}
	if (c->batch && ret == 1)
		ret = 0;
	if (c->cmd == PIDFD_CONFIG_SET_BATCH && ret >= 0) {
		fail_call("a batch to refuse returned %d", ret);
		return;
	}
	if (ret > 0) {
		fail_call("pidfd_config() returned %d", ret);
		return;
	}
	if (!ret) {
		fz.configs_ok++;
		if (want)
			fail_call("returned 0, expected %s", strerror(want));
		else if (kind != K_BUILDER)
			fail_call("returned 0 on descriptor %s", pd);
		else if (no_exe)
			fail_call("a commit with no exe returned 0");
		if (fz.stop || kind != K_BUILDER || want)
			return;
		hist(k, "%s:%.20s%s%s", cmd_name(c->cmd),
		     c->key ? c->kd : "", fdk[0] ? "=" : "", fdk);
		if (c->cmd == PIDFD_CONFIG_CMD_EXEC) {
			k->committed = true;
			fz.runs++;
		} else if (c->cmd == PIDFD_CONFIG_CMD_ABORT) {
			k->gone = true;
		} else if (c->exe) {
			k->exe_set = true;
		} else if (key_is(c, "inherit_fds")) {
			fz.inherits++;
		}
	} else {
		if (c->cmd == PIDFD_CONFIG_CMD_EXEC &&
		    in_set(err, commit_errnos, ARRAY_SIZE(commit_errnos)))
			check_errno("pidfd_config", err, NULL, 0);
		else
			check_errno("pidfd_config", err, config_errnos,
				    ARRAY_SIZE(config_errnos));
		if (want && err != want)
			fail_call("%s, expected %s", strerror(err),
				  strerror(want));
		else if (c->cmd == PIDFD_CONFIG_SET_BATCH && !want &&
			 err != EINVAL && err != ESRCH)
			fail_call("%s, expected %s (entry 0)", strerror(err),
				  strerror(EINVAL));
		else if (no_exe && err != EINVAL && err != ESRCH)
			fail_call("a commit with no exe: %s, expected %s",
				  strerror(err), strerror(EINVAL));
		if (kind != K_BUILDER)
			return;
		if (c->cmd == PIDFD_CONFIG_CMD_EXEC && !want)
			hist(k, "EXEC=%d", err);
		if (err == ESRCH && !k->committed)
			k->gone = true;
	}
	if (kind == K_BUILDER && !fz.stop &&
	    (c->cmd == PIDFD_CONFIG_CMD_EXEC ||
	     c->cmd == PIDFD_CONFIG_CMD_ABORT || chance(15)))
		check_state(k, c->pidfd);
}

static void do_random_config(struct kid *k, bool any_fd)
{
	struct call c;

	memset(&c, 0, sizeof(c));
	c.pidfd = any_fd ? pick_fd(k) : kid_bfd(k);
	if (c.pidfd < 0 && !any_fd && chance(50))
		c.pidfd = pick_fd(k);
	c.cmd = gen_cmd();
	gen_key(&c);
	gen_args(&c, k);
	/* The same call as the entry of a batch, but for a raw batch. */
	c.batch = c.cmd != PIDFD_CONFIG_SET_BATCH && chance(15);
	do_config(&c);
}

/* A well-formed call. */
static void config(int fd, unsigned int cmd, const char *key,
		   const char *value, int aux, bool aux_fd)
{
	struct call c;

	memset(&c, 0, sizeof(c));
	c.pidfd = fd;
	c.cmd = cmd;
	c.key = key;
	c.exe = key && !strcmp(key, "exe");
	if (key)
		desc_str(c.kd, sizeof(c.kd), key);
	else
		snprintf(c.kd, sizeof(c.kd), "NULL");
	c.value = value;
	if (value)
		desc_str(c.vd, sizeof(c.vd), value);
	else
		snprintf(c.vd, sizeof(c.vd), "NULL");
	if (aux_fd)
		set_aux_fd(&c, aux);
	else
		set_aux_int(&c, aux);
	do_config(&c);
}

/* Set the probe up as the program, in one of the ways there are, and run. */
static void do_run(struct kid *k)
{
	static const char * const codes[] = { "0", "1", "3" };
	int fd = kid_bfd(k);

	if (fd < 0)
		return;
	switch (below(5)) {
	case 0:
		config(fd, PIDFD_CONFIG_SET_STRING, "exe", probe_path(), 0,
		       false);
		break;
	case 1:
		config(fd, PIDFD_CONFIG_SET_PATH, "exe", probe_path(),
		       AT_FDCWD, true);
		break;
	case 2:
		config(fd, PIDFD_CONFIG_SET_PATH, "exe", PROBE_NAME,
		       fz.pool.probedir, true);
		break;
	case 3:
		config(fd, PIDFD_CONFIG_SET_FD, "exe", NULL, fz.pool.probe,
		       true);
		break;
	default:
		config(fd, PIDFD_CONFIG_SET_PATH_EMPTY, "exe", "",
		       fz.pool.probe, true);
		break;
	}
	if (chance(50)) {
		config(fd, PIDFD_CONFIG_SET_FLAG, "argv", NULL, 0, false);
		config(fd, PIDFD_CONFIG_SET_STRING, "argv", PROBE_NAME, 0,
		       false);
		switch (below(4)) {
		case 0:
			config(fd, PIDFD_CONFIG_SET_STRING, "argv", "--exit",
			       0, false);
			config(fd, PIDFD_CONFIG_SET_STRING, "argv",
			       codes[below(ARRAY_SIZE(codes))], 0, false);
			break;
		case 1:
			config(fd, PIDFD_CONFIG_SET_STRING, "argv", "--pause",
			       0, false);
			break;
		default:
			break;
		}
	}
	config(fd, PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 0, false);
}

static void do_abort(struct kid *k)
{
	int fd = kid_bfd(k);

	if (fd >= 0)
		config(fd, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0, false);
}

/* ---- everything else ---------------------------------------------------- */

static void do_signal(struct kid *k)
{
	static const int sigs[] = { SIGKILL, SIGSTOP, SIGCONT, SIGTERM, SIGUSR1 };
	int sig = sigs[below(ARRAY_SIZE(sigs))], fd, ret, err;
	char d[64];

	fd = chance(50) ? k->watch : kid_bfd(k);
	if (fd < 0)
		fd = k->watch;
	if (fd < 0)
		return;
	desc_fd(d, sizeof(d), fd);
	begin("pidfd_send_signal(%s, %d, NULL, 0)", d, sig);
	ret = sys_pidfd_send_signal(fd, sig, NULL, 0);
	err = ret < 0 ? errno : 0;
	done();
	if (!ret) {
		k->sigs |= 1u << sig;
		hist(k, "sig%d", sig);
		if (k->reaped)
			fail_call("a signal to a reaped child returned 0");
		return;
	}
	check_errno("pidfd_send_signal", err, signal_errnos,
		    ARRAY_SIZE(signal_errnos));
}

static void do_ptrace(struct kid *k)
{
	static const long opts[] = {
		0, PTRACE_O_TRACEEXEC, PTRACE_O_EXITKILL,
		PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL,
		PTRACE_O_TRACESYSGOOD,
	};
	unsigned int op = below(3);
	long ret, opt = 0;
	int err;

	if (k->reaped)
		return;
	switch (op) {
	case 0:
		opt = opts[below(ARRAY_SIZE(opts))];
		begin("ptrace(PTRACE_SEIZE, %d, 0, %#lx)", k->pid, opt);
		ret = ptrace(PTRACE_SEIZE, k->pid, NULL, (void *)opt);
		break;
	case 1:
		begin("ptrace(PTRACE_INTERRUPT, %d, 0, 0)", k->pid);
		ret = ptrace(PTRACE_INTERRUPT, k->pid, NULL, NULL);
		break;
	default:
		begin("ptrace(PTRACE_DETACH, %d, 0, 0)", k->pid);
		ret = ptrace(PTRACE_DETACH, k->pid, NULL, NULL);
		break;
	}
	err = ret < 0 ? errno : 0;
	done();
	if (ret < 0)
		check_errno("ptrace", err, ptrace_errnos,
			    ARRAY_SIZE(ptrace_errnos));
	else
		hist(k, "%s", op == 0 ? "seize" : op == 1 ? "interrupt" :
		     "detach");
}

static void do_close(struct kid *k)
{
	int i, fd, ret, err;

	fd = kid_bfd(k);
	if (fd < 0)
		return;
	begin("close(%d) (builder of kid %u)", fd, kid_index(k));
	ret = close(fd);
	err = errno;
	done();
	for (i = 0; i < MAX_BFD; i++)
		if (k->bfd[i] == fd)
			k->bfd[i] = -1;
	fz.last_closed = fd;
	hist(k, "close");
	if (ret)
		fail_call("close(): %s", strerror(err));
}

/* A duplicate is not close-on-exec: inherit_fds must still leave it out. */
static void do_dup(struct kid *k)
{
	int slot = kid_free_slot(k), fd = kid_bfd(k), nfd;
	bool cloexec = chance(50);

	if (slot < 0 || fd < 0)
		return;
	begin("%s(%d)", cloexec ? "F_DUPFD_CLOEXEC" : "dup", fd);
	nfd = cloexec ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : dup(fd);
	done();
	if (nfd < 0) {
		ksft_print_msg("fuzz: dup: %s\n", strerror(errno));
		return;
	}
	k->bfd[slot] = nfd;
	hist(k, "dup");
}

/* Send a builder over the socket and leave it there. */
static void do_send(struct kid *k)
{
	struct pool *p = &fz.pool;
	int fd = kid_bfd(k), ret;

	if (fd < 0 || p->sock[0] < 0 || p->nq >= MAX_INFLIGHT)
		return;
	begin("sendmsg(%d, SCM_RIGHTS %d) (builder of kid %u)", p->sock[0], fd,
	      kid_index(k));
	ret = send_msg(p->sock[0], kid_index(k), fd);
	done();
	if (ret) {
		check_errno("sendmsg", -ret, NULL, 0);
		return;
	}
	p->queue[p->nq++] = kid_index(k);
	k->inflight++;
	fz.sent++;
	hist(k, "send");
}

/*
 * Receive the oldest builder in flight.  A program given the socket may
 * have written to it too: skip what comes without a descriptor.
 */
/* pidfs gives every pidfd of a process the same inode: is @fd @k's? */
static bool kid_owns_pidfd(const struct kid *k, int fd)
{
	struct stat st, kst;
	unsigned int j;

	if (fstat(fd, &st))
		return false;
	if (k->watch >= 0 && !fstat(k->watch, &kst) && kst.st_ino == st.st_ino)
		return true;
	for (j = 0; j < MAX_BFD; j++)
		if (k->bfd[j] >= 0 && !fstat(k->bfd[j], &kst) &&
		    kst.st_ino == st.st_ino)
			return true;
	return false;
}

static bool kid_has_pidfd(const struct kid *k)
{
	unsigned int j;

	if (k->watch >= 0)
		return true;
	for (j = 0; j < MAX_BFD; j++)
		if (k->bfd[j] >= 0)
			return true;
	return false;
}

static void do_recv(void)
{
	int fd, data, slot, i, flags = MSG_DONTWAIT;
	struct pool *p = &fz.pool;
	struct kid *k;

	if (!p->nq)
		return;
	if (chance(50))
		flags |= MSG_CMSG_CLOEXEC;
	begin("recvmsg(%d, %s)", p->sock[1],
	      flags & MSG_CMSG_CLOEXEC ? "MSG_CMSG_CLOEXEC" : "0");
	for (i = 0; i < 64; i++) {
		fd = recv_msg(p->sock[1], &data, flags);
		if (fd != -1)
			break;
	}
	done();
	if (fd < 0) {
		fail_call("recvmsg(): no builder in flight: %s",
			  fd == -1 ? "no descriptor" : strerror(-fd));
		p->nq = 0;
		return;
	}
	/*
	 * The builders come in the order they were sent; find the kid by
	 * the pid the received pidfd names, not by that order, so that a
	 * mismatch is reported rather than believed.
	 */
	for (i = 0; i < p->nq; i++)
		if (kid_owns_pidfd(&fz.kids[p->queue[i]], fd))
			break;
	if (i == p->nq) {
		/* No descriptor of its kid left to compare: trust the order. */
		for (i = 0; i < p->nq; i++)
			if (!kid_has_pidfd(&fz.kids[p->queue[i]]))
				break;
		if (i == p->nq) {
			fail_call("recvmsg(): a builder that no kid in the queue sent");
			close(fd);
			return;
		}
	}
	if (i)
		fail_call("recvmsg(): the builder of kid %d before that of kid %d",
			  p->queue[i], p->queue[0]);
	k = &fz.kids[p->queue[i]];
	memmove(p->queue + i, p->queue + i + 1,
		(--p->nq - i) * sizeof(p->queue[0]));
	k->inflight--;
	slot = kid_free_slot(k);
	hist(k, "recv");
	if (slot >= 0) {
		k->bfd[slot] = fd;
	} else {
		close(fd);
		hist(k, "close");
	}
}

/* Paths that assume that a process has memory, and calls by pid. */
static void do_peek(struct kid *k)
{
	static const char * const files[] = {
		"stat", "status", "cmdline", "environ", "maps", "smaps",
		"smaps_rollup", "statm", "wchan", "stack", "syscall", "auxv",
		"mem", "io", "limits", "mountinfo", "sched", "schedstat",
		"personality", "pagemap", "numa_maps", "timens_offsets",
		"oom_score", "cgroup", "attr/current", "task", "fdinfo",
	};
	static const char * const links[] = {
		"exe", "cwd", "root", "ns/mnt", "ns/pid", "ns/time", "ns/user",
		"ns/net", "ns/pid_for_children", "ns/time_for_children",
		"fd/0",
	};
	char path[64], buf[4096];
	struct iovec local = { .iov_base = buf, .iov_len = 64 };
	struct iovec remote = { .iov_len = 64 };
	struct rlimit rl;
	cpu_set_t cpus;
	unsigned int op = below(6);
	long ret = 0;
	int fd, err = 0;

	/* A reaped child's pid may be someone else's now. */
	if (k->reaped && op != 3 && op != 4)
		return;
	switch (op) {
	case 0:
		snprintf(path, sizeof(path), "/proc/%d/%s", k->pid,
			 files[below(ARRAY_SIZE(files))]);
		begin("read(%s)", path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		ret = fd;
		err = errno;
		if (fd >= 0) {
			ret = read(fd, buf, sizeof(buf));
			err = errno;
			close(fd);
		}
		done();
		check_any_errno(path, ret, err);
		break;
	case 1:
		snprintf(path, sizeof(path), "/proc/%d/%s", k->pid,
			 links[below(ARRAY_SIZE(links))]);
		begin("readlink(%s)", path);
		ret = readlink(path, buf, sizeof(buf));
		err = errno;
		done();
		check_any_errno(path, ret, err);
		break;
	case 2:
		remote.iov_base = (void *)(uintptr_t)(chance(50) ? 0x400000 :
						      fz.page);
		begin("process_vm_readv(%d)", k->pid);
		ret = process_vm_readv(k->pid, &local, 1, &remote, 1, 0);
		err = errno;
		done();
		check_any_errno("process_vm_readv", ret, err);
		break;
	case 3:
		fd = chance(50) ? k->watch : kid_bfd(k);
		begin("pidfd_getfd(%d, %d)", fd, 0);
		ret = syscall(__NR_pidfd_getfd, fd, below(4), 0);
		err = errno;
		done();
		check_any_errno("pidfd_getfd", ret, err);
		if (ret >= 0)
			close(ret);
		break;
	case 4:
		fd = chance(50) ? k->watch : kid_bfd(k);
		op = 1 + below(11);
		begin("ioctl(%d, PIDFS_IOCTL(%u))", fd, op);
		ret = ioctl(fd, PIDFS_IOCTL(op), 0);
		err = errno;
		done();
		check_any_errno("pidfs ioctl", ret, err);
		if (ret >= 0)
			close(ret);
		break;
	default:
		begin("prlimit, setpriority, sched_setaffinity, setpgid(%d)",
		      k->pid);
		switch (below(4)) {
		case 0:
			ret = prlimit(k->pid, RLIMIT_NOFILE, NULL, &rl);
			if (!ret) {
				rl.rlim_cur = chance(50) ? 16 : rl.rlim_max;
				if (rl.rlim_cur > 1024)
					rl.rlim_cur = 1024;
				ret = prlimit(k->pid, RLIMIT_NOFILE, &rl, NULL);
			}
			break;
		case 1:
			ret = setpriority(PRIO_PROCESS, k->pid, below(20));
			break;
		case 2:
			CPU_ZERO(&cpus);
			CPU_SET(0, &cpus);
			ret = sched_setaffinity(k->pid, sizeof(cpus), &cpus);
			break;
		default:
			ret = setpgid(k->pid, chance(50) ? 0 : getpgrp());
			break;
		}
		err = errno;
		done();
		check_any_errno("a call by pid", ret, err);
		break;
	}
}

/* Reap a child that has ended, if it has. */
static void do_reap(struct kid *k)
{
	int fd = chance(50) ? k->watch : kid_bfd(k), ret, err;
	siginfo_t info;

	if (k->reaped || fd < 0)
		return;
	begin("waitid(P_PIDFD, %d, WEXITED | WNOHANG | __WALL)", fd);
	memset(&info, 0, sizeof(info));
	ret = waitid((idtype_t)P_PIDFD, fd, &info, WEXITED | WNOHANG | __WALL);
	err = errno;
	done();
	if (ret)
		fail_call("waitid(P_PIDFD) of a child: %s", strerror(err));
	else if (info.si_pid && !ptrace_stop(&info))
		child_ended(k, &info, true);
}

static void do_action(void)
{
	struct kid *k = random_kid();
	unsigned int r = below(100);

	if (!k) {
		do_create();
		return;
	}
	if (r < 55)
		do_random_config(k, false);
	else if (r < 61)
		do_run(k);
	else if (r < 64)
		do_abort(k);
	else if (r < 69)
		do_signal(k);
	else if (r < 73)
		do_ptrace(k);
	else if (r < 77)
		do_close(k);
	else if (r < 79)
		do_dup(k);
	else if (r < 83)
		do_send(k);
	else if (r < 85)
		do_recv();
	else if (r < 89)
		do_peek(k);
	else if (r < 92)
		do_reap(k);
	else if (r < 94 && kid_bfd(k) >= 0)
		check_state(k, kid_bfd(k));
	else if (r < 97)
		do_create();
	else
		do_random_config(k, true);
}

/* ---- rounds ------------------------------------------------------------- */

/* Reap what has ended; the number of children still there. */
static int reap_ended(void)
{
	siginfo_t info;
	unsigned int i;
	int pending = 0;

	for (i = 0; i < fz.nkids; i++) {
		struct kid *k = &fz.kids[i];

		if (k->reaped)
			continue;
		memset(&info, 0, sizeof(info));
		if (waitid(P_PID, k->pid, &info, WEXITED | WNOHANG | __WALL)) {
			fail_round("kid %u: waitid(P_PID, %d): %s", i, k->pid,
				   strerror(errno));
			k->reaped = true;
			continue;
		}
		if (info.si_pid && !ptrace_stop(&info))
			child_ended(k, &info, false);
		else
			pending++;
	}
	return pending;
}

/* Name the children that are alive though none should be. */
static void report_live_children(void)
{
	char path[64], buf[4096], wchan[64], status[2048], *p, *end;
	unsigned int i;
	long pid;

	if (read_path("/proc/thread-self/children", buf, sizeof(buf)) <= 0)
		buf[0] = '\0';
	fail_round("an unexpected child is alive: %s", buf);
	for (p = buf; *p; p = end) {
		pid = strtol(p, &end, 10);
		if (end == p)
			break;
		snprintf(path, sizeof(path), "/proc/%ld/wchan", pid);
		if (read_path(path, wchan, sizeof(wchan)) < 0)
			snprintf(wchan, sizeof(wchan), "?");
		ksft_print_msg("fuzz:   pid %ld, state %c, wchan %s\n", pid,
			       proc_state(pid) ?: '?', wchan);
		snprintf(path, sizeof(path), "/proc/%ld/status", pid);
		if (read_path(path, status, sizeof(status)) > 0)
			ksft_print_msg("fuzz:   %.300s\n", status);
		for (i = 0; i < fz.nkids; i++)
			if (fz.kids[i].pid == pid)
				ksft_print_msg("fuzz:   kid %u, history: %s\n",
					       i, fz.kids[i].hist);
	}
}

/* Wait until every child has ended, or @secs have passed. */
static int wait_children(int secs)
{
	struct pollfd pfd[MAX_KIDS];
	double deadline = now() + secs;
	unsigned int i, n;
	int pending;

	for (;;) {
		pending = reap_ended();
		if (!pending || now() > deadline)
			return pending;
		for (i = n = 0; i < fz.nkids; i++) {
			if (fz.kids[i].reaped || fz.kids[i].watch < 0)
				continue;
			pfd[n].fd = fz.kids[i].watch;
			pfd[n++].events = POLLIN;
		}
		poll(pfd, n, (int)n == pending ? 1000 : 20);
	}
}

static void round_end(void)
{
	char wchan[128], path[64];
	unsigned int i, j;
	siginfo_t info;
	int pending, n, ret;

	fz.inflight_end += fz.pool.nq;
	/* Programs that run, and children without a builder, are killed. */
	for (i = 0; i < fz.nkids; i++) {
		struct kid *k = &fz.kids[i];

		if (k->reaped || !(k->committed || k->no_builder))
			continue;
		if (k->watch >= 0)
			sys_pidfd_send_signal(k->watch, SIGKILL, NULL, 0);
		else
			kill(k->pid, SIGKILL);
	}

	/*
	 * Every reference to the builders goes: the descriptors and the
	 * messages in flight.  Parked children must end on their own.
	 */
	begin("close() of every builder and of the socket");
	for (i = 0; i < fz.nkids; i++) {
		for (j = 0; j < MAX_BFD; j++) {
			if (fz.kids[i].bfd[j] >= 0)
				close(fz.kids[i].bfd[j]);
			fz.kids[i].bfd[j] = -1;
		}
	}
	pool_close();
	done();

	pending = wait_children(REAP_BOUND);
	for (i = 0; pending && i < fz.nkids; i++) {
		struct kid *k = &fz.kids[i];

		if (k->reaped)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/wchan", k->pid);
		if (read_path(path, wchan, sizeof(wchan)) < 0)
			snprintf(wchan, sizeof(wchan), "?");
		/* Once the last reference to its builder is gone. */
		fail_round("kid %u (pid %d, state %c, wchan %s) still there after %d s",
			   i, k->pid, proc_state(k->pid) ?: '?', wchan,
			   REAP_BOUND);
		ksft_print_msg("fuzz:   history: %s\n", k->hist);
		kill(k->pid, SIGKILL);
	}
	if (pending && wait_children(REAP_BOUND)) {
		fail_round("children survive SIGKILL: giving up");
		fz.stop = true;
	}
	for (i = 0; i < fz.nkids; i++) {
		if (fz.kids[i].watch >= 0)
			close(fz.kids[i].watch);
		fz.kids[i].watch = -1;
	}

	/* No other child. */
	memset(&info, 0, sizeof(info));
	ret = waitid(P_ALL, 0, &info, WEXITED | WNOHANG | __WALL);
	if (!ret && info.si_pid)
		fail_round("an unexpected child, pid %d, code %d, status %d",
			   info.si_pid, info.si_code, info.si_status);
	else if (!ret)
		report_live_children();
	else if (errno != ECHILD)
		fail_round("waitid(P_ALL): %s", strerror(errno));
	if (!ret)
		fz.stop = true;

	/* No descriptor left behind. */
	n = count_fds();
	if (n != fz.base_fds) {
		fail_round("%d descriptors open, %d at the start", n,
			   fz.base_fds);
		list_fds();
		fz.base_fds = n;
	}
	fz.nkids = 0;
}

static void round_run(void)
{
	int i, n;

	fz.rounds++;
	fz.call = 0;
	fz.nkids = 0;
	fz.last_closed = -1;
	pool_open();
	n = 1 + below(3);
	for (i = 0; i < n && !fz.stop; i++)
		do_create();
	n = 1 + below(MAX_ACTIONS);
	for (i = 0; i < n && !fz.stop; i++)
		do_action();
	round_end();
}

/* ---- the test ----------------------------------------------------------- */

static int fuzz_setup(void)
{
	const char *env = getenv("PIDFD_SPAWN_FUZZ_SEED");
	struct timespec ts;
	char path[64];
	struct dirent *de;
	DIR *d;
	int fd, ret;

	memset(&fz, 0, sizeof(fz));
	fz.seconds = fuzz_seconds();
	clock_gettime(CLOCK_REALTIME, &ts);
	fz.seed = env ? strtoull(env, NULL, 0) :
		  (unsigned long long)ts.tv_sec * 1000003ULL ^ ts.tv_nsec ^
		  ((unsigned long long)getpid() << 20);
	rnd_seed(fz.seed);
	ksft_print_msg("fuzz: seed %llu, %d s\n", fz.seed, fz.seconds);
	ksft_print_msg("fuzz: repeat with PIDFD_SPAWN_FUZZ_SEED=%llu PIDFD_SPAWN_FUZZ_SECONDS=%d\n",
		       fz.seed, fz.seconds);
	fflush(stdout);
	fz.start = now();
	fz.page = sysconf(_SC_PAGESIZE);
	fz.pool.self = -1;
	for (fd = 0; fd < (int)POOL_SLOTS; fd++)
		*pool_slot(fd) = -1;

	/*
	 * [TAIL_PAGES values][guard][2 keys][guard][2 paths][guard]: a value,
	 * a key and a path in a value can each end at an unmapped page.
	 */
	fz.map_len = (TAIL_PAGES + 7) * fz.page;
	fz.map = mmap(NULL, fz.map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (fz.map == MAP_FAILED)
		return -errno;
	fz.vguard = fz.map + TAIL_PAGES * fz.page;
	fz.kguard = fz.vguard + 3 * fz.page;
	fz.pguard = fz.kguard + 3 * fz.page;
	if (mprotect(fz.vguard, fz.page, PROT_NONE) ||
	    mprotect(fz.kguard, fz.page, PROT_NONE) ||
	    mprotect(fz.pguard, fz.page, PROT_NONE))
		return -errno;
	fz.big = malloc(BIG_LEN + 1);
	if (!fz.big)
		return -ENOMEM;

	ret = make_tmpdir(fz.tmpdir);
	if (ret)
		return ret;
	snprintf(fz.file_path, sizeof(fz.file_path), "%s/file", fz.tmpdir);
	snprintf(fz.new_path, sizeof(fz.new_path), "%s/new", fz.tmpdir);
	snprintf(fz.script, sizeof(fz.script), "%s/script", fz.tmpdir);
	snprintf(fz.noexec, sizeof(fz.noexec), "%s/noexec", fz.tmpdir);
	ret = make_file(fz.tmpdir, "script", "#!/bin/sh\nexit 0\n", 0755) ?:
	      make_file(fz.tmpdir, "noexec", "\177ELF", 0644);
	if (ret)
		return ret;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);

	/*
	 * The test's own descriptors (its standard output among them) are
	 * not for the children that inherit_fds fills.
	 */
	d = opendir("/proc/self/fd");
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		fd = atoi(de->d_name);
		if (de->d_name[0] == '.' || fd == dirfd(d))
			continue;
		snprintf(path, sizeof(path), "%d", fd);
		if (strcmp(path, de->d_name))
			continue;
		fcntl(fd, F_SETFD, fcntl(fd, F_GETFD) | FD_CLOEXEC);
	}
	closedir(d);
	fz.base_fds = count_fds();
	return 0;
}

static void fuzz_teardown(void)
{
	if (fz.tmpdir[0])
		rm_rf(fz.tmpdir);
	free(fz.big);
	if (fz.map && fz.map != MAP_FAILED)
		munmap(fz.map, fz.map_len);
}

TEST(fuzz)
{
	pthread_t dog;
	siginfo_t info;
	double secs;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(-1, waitid(P_ALL, 0, &info, WEXITED | WNOHANG | __WALL));
	ASSERT_EQ(ECHILD, errno);
	ASSERT_EQ(0, fuzz_setup());
	ASSERT_EQ(0, pthread_create(&dog, NULL, watchdog, NULL));

	while (!fz.stop && now() - fz.start < fz.seconds)
		round_run();

	__atomic_store_n(&fz.quit, 1, __ATOMIC_RELEASE);
	pthread_join(dog, NULL);
	fuzz_teardown();
	secs = now() - fz.start;
	ksft_print_msg("fuzz: seed %llu, %ld rounds, %ld calls, %.0f s\n",
		       fz.seed, fz.rounds, fz.calls, secs);
	ksft_print_msg("fuzz: %ld clone3() calls made %ld children, %ld ran a program\n",
		       fz.clones, fz.clones_ok, fz.runs);
	ksft_print_msg("fuzz: %ld pidfd_config() calls, %ld returned 0, %ld inherit_fds\n",
		       fz.configs, fz.configs_ok, fz.inherits);
	ksft_print_msg("fuzz: %ld builders sent in flight, %ld still there at the round end\n",
		       fz.sent, fz.inflight_end);
	ASSERT_EQ(0, fz.violations) {
		TH_LOG("repeat with PIDFD_SPAWN_FUZZ_SEED=%llu PIDFD_SPAWN_FUZZ_SECONDS=%d",
		       fz.seed, fz.seconds);
	}
}

/*
 * The harness kills a test at a timeout fixed when the test is declared:
 * make it the run time asked for, plus the bounds of a last round.
 */
static void __attribute__((constructor)) fuzz_timeout(void)
{
	_fuzz_object.timeout = fuzz_seconds() + FUZZ_SLACK;
}

TEST_HARNESS_MAIN
