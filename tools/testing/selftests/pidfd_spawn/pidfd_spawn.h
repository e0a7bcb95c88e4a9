/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers for the CLONE_EMPTY / pidfd_config() selftests.
 *
 * Helpers that talk to the kernel return 0 (or a positive value) on success
 * and a negative errno on failure, so that tests can write
 * ASSERT_EQ(-EINVAL, cfg_int(pidfd, "umask", 01000)).
 */

#ifndef __PIDFD_SPAWN_H
#define __PIDFD_SPAWN_H

#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <linux/types.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syscall.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../kselftest.h"
#include "../kselftest_harness.h"

/* <linux/sched.h> */
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

#ifndef CLONE_CLEAR_SIGHAND
#define CLONE_CLEAR_SIGHAND 0x100000000ULL
#endif

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#ifndef CLONE_EMPTY
#define CLONE_EMPTY 0x4000000000ULL
#endif

/* <asm/unistd.h> */
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424
#endif

#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434
#endif

#ifndef __NR_clone3
#define __NR_clone3 435
#endif

#ifndef __NR_pidfd_config
#define __NR_pidfd_config 480
#endif

/* <linux/wait.h> */
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

/* <linux/pidfd.h> */
#ifndef PIDFD_CONFIG_SET_FLAG
#define PIDFD_CONFIG_SET_FLAG 0
#endif

#ifndef PIDFD_CONFIG_SET_STRING
#define PIDFD_CONFIG_SET_STRING 1
#endif

#ifndef PIDFD_CONFIG_SET_BINARY
#define PIDFD_CONFIG_SET_BINARY 2
#endif

#ifndef PIDFD_CONFIG_SET_PATH
#define PIDFD_CONFIG_SET_PATH 3
#endif

#ifndef PIDFD_CONFIG_SET_PATH_EMPTY
#define PIDFD_CONFIG_SET_PATH_EMPTY 4
#endif

#ifndef PIDFD_CONFIG_SET_FD
#define PIDFD_CONFIG_SET_FD 5
#endif

#ifndef PIDFD_CONFIG_SET_INT
#define PIDFD_CONFIG_SET_INT 6
#endif

#ifndef PIDFD_CONFIG_CMD_EXEC
#define PIDFD_CONFIG_CMD_EXEC 7
#endif

#ifndef PIDFD_CONFIG_CMD_ABORT
#define PIDFD_CONFIG_CMD_ABORT 8
#endif

#ifndef PIDFD_CONFIG_SET_BATCH
#define PIDFD_CONFIG_SET_BATCH 9
#endif

#ifndef PIDFD_CONFIG_OPEN_POSIX_CLOEXEC
#define PIDFD_CONFIG_OPEN_SIZE_VER0 24
#define PIDFD_CONFIG_OPEN_POSIX_CLOEXEC 0x1U

struct pidfd_config_open {
	__aligned_u64 path;
	__u32 flags;
	__u32 mode;
	__u32 options;
	__u32 reserved;
};
#endif

#ifndef PIDFD_CONFIG_RANGE_SIZE_VER0
#define PIDFD_CONFIG_RANGE_SIZE_VER0 16

struct pidfd_config_range {
	__u32 first;
	__u32 last;
	__u32 flags;
	__u32 reserved;
};
#endif

#ifndef PIDFD_CONFIG_OP_SIZE_VER0
#define PIDFD_CONFIG_OP_SIZE_VER0 24

struct pidfd_config_op {
	__aligned_u64 key;
	__aligned_u64 value;
	__u32 cmd;
	__s32 aux;
};
#endif

#ifndef PIDFD_CONFIG_BATCH_MAX
#define PIDFD_CONFIG_BATCH_MAX 1024
#endif

/* Fixed-size fields only: a 32-bit caller passes the same array. */
static_assert(sizeof(struct pidfd_config_op) == 24 &&
	      PIDFD_CONFIG_OP_SIZE_VER0 == 24,
	      "struct pidfd_config_op is not 24 bytes");
static_assert(offsetof(struct pidfd_config_op, cmd) == 16 &&
	      offsetof(struct pidfd_config_op, aux) == 20,
	      "struct pidfd_config_op has the wrong layout");

/* <linux/close_range.h> */
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE 0x2U
#endif

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC 0x4U
#endif

/* The largest signal number, as the kernel counts (_NSIG of the kernel). */
#ifdef __mips__
#define KERNEL_NSIG 128
#else
#define KERNEL_NSIG 64
#endif
#define KERNEL_SIGSET_SIZE (KERNEL_NSIG / 8)

/* Keys are at most this long. */
#define PIDFD_CONFIG_KEY_MAX 256

/* Name of the helper program, installed next to the test binaries. */
#define PROBE_NAME "probe"

#define ptr_to_u64(ptr) ((__u64)((uintptr_t)(ptr)))

struct __clone_args {
	__aligned_u64 flags;
	__aligned_u64 pidfd;
	__aligned_u64 child_tid;
	__aligned_u64 parent_tid;
	__aligned_u64 exit_signal;
	__aligned_u64 stack;
	__aligned_u64 stack_size;
	__aligned_u64 tls;
	__aligned_u64 set_tid;
	__aligned_u64 set_tid_size;
	__aligned_u64 cgroup;
};

static inline pid_t sys_clone3(struct __clone_args *args, size_t size)
{
	return syscall(__NR_clone3, args, size);
}

static inline int sys_pidfd_config(int pidfd, unsigned int cmd,
				   const char *key, const void *value, int aux)
{
	return syscall(__NR_pidfd_config, pidfd, cmd, key, value, aux);
}

static inline int sys_pidfd_open(pid_t pid, unsigned int flags)
{
	return syscall(__NR_pidfd_open, pid, flags);
}

static inline int sys_pidfd_send_signal(int pidfd, int sig, siginfo_t *info,
					unsigned int flags)
{
	return syscall(__NR_pidfd_send_signal, pidfd, sig, info, flags);
}

/* pidfd_config() returning 0 or -errno. */
static inline int cfg(int pidfd, unsigned int cmd, const char *key,
		      const void *value, int aux)
{
	return sys_pidfd_config(pidfd, cmd, key, value, aux) ? -errno : 0;
}

static inline int cfg_flag(int pidfd, const char *key)
{
	return cfg(pidfd, PIDFD_CONFIG_SET_FLAG, key, NULL, 0);
}

static inline int cfg_string(int pidfd, const char *key, const char *str)
{
	return cfg(pidfd, PIDFD_CONFIG_SET_STRING, key, str, 0);
}

static inline int cfg_binary(int pidfd, const char *key, const void *buf,
			     int len)
{
	return cfg(pidfd, PIDFD_CONFIG_SET_BINARY, key, buf, len);
}

static inline int cfg_path(int pidfd, const char *key, const char *path,
			   int dirfd)
{
	return cfg(pidfd, PIDFD_CONFIG_SET_PATH, key, path, dirfd);
}

static inline int cfg_path_empty(int pidfd, const char *key,
				 const char *path, int dirfd)
{
	return cfg(pidfd, PIDFD_CONFIG_SET_PATH_EMPTY, key, path, dirfd);
}

static inline int cfg_fd(int pidfd, const char *key, int fd)
{
	return cfg(pidfd, PIDFD_CONFIG_SET_FD, key, NULL, fd);
}

static inline int cfg_int(int pidfd, const char *key, int val)
{
	return cfg(pidfd, PIDFD_CONFIG_SET_INT, key, NULL, val);
}

static inline int cfg_exec(int pidfd)
{
	return cfg(pidfd, PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 0);
}

static inline int cfg_abort(int pidfd)
{
	return cfg(pidfd, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0);
}

/* An entry of a PIDFD_CONFIG_SET_BATCH array: the call it stands for. */
static inline struct pidfd_config_op config_op(unsigned int cmd,
					       const char *key,
					       const void *value, int aux)
{
	struct pidfd_config_op op = {
		.key = ptr_to_u64(key),
		.value = ptr_to_u64(value),
		.cmd = cmd,
		.aux = aux,
	};

	return op;
}

/*
 * pidfd_config(PIDFD_CONFIG_SET_BATCH) with any key, value and aux: the
 * number of entries applied, or -errno.
 */
static inline int cfg_batch_call(int pidfd, const char *key,
				 const void *value, int aux)
{
	int ret;

	ret = sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_BATCH, key, value, aux);
	return ret < 0 ? -errno : ret;
}

/* The @n entries of @ops in one call: how many applied, or -errno. */
static inline int cfg_batch(int pidfd, const struct pidfd_config_op *ops,
			    int n)
{
	return cfg_batch_call(pidfd, NULL, ops, n);
}

/* Install a pidfd_config_open action at fd:@fd, with @options. */
static inline int cfg_open_options(int pidfd, int fd, const char *path,
				   int flags, int mode, unsigned int options)
{
	struct pidfd_config_open how = {
		.path = ptr_to_u64(path),
		.flags = flags,
		.mode = mode,
		.options = options,
	};
	char key[32];

	snprintf(key, sizeof(key), "fd:%d", fd);
	return cfg_binary(pidfd, key, &how, sizeof(how));
}

static inline int cfg_open(int pidfd, int fd, const char *path, int flags,
			   int mode)
{
	return cfg_open_options(pidfd, fd, path, flags, mode, 0);
}

/* A "close_range" action: the child's fds @first to @last (included). */
static inline int cfg_close_range(int pidfd, unsigned int first,
				  unsigned int last, unsigned int flags)
{
	struct pidfd_config_range range = {
		.first = first,
		.last = last,
		.flags = flags,
	};

	return cfg_binary(pidfd, "close_range", &range, sizeof(range));
}

/* A "dup:@fd" action: the child's fd @src at @fd. */
static inline int cfg_dup(int pidfd, int fd, int src)
{
	char key[32];

	snprintf(key, sizeof(key), "dup:%d", fd);
	return cfg_int(pidfd, key, src);
}

/* Install the caller's @file as the child's fd @fd. */
static inline int cfg_fd_at(int pidfd, int fd, int file)
{
	char key[32];

	snprintf(key, sizeof(key), "fd:%d", fd);
	return cfg_fd(pidfd, key, file);
}

/* Close the child's fd @fd. */
static inline int cfg_close(int pidfd, int fd)
{
	char key[32];

	snprintf(key, sizeof(key), "fd:%d", fd);
	return cfg_flag(pidfd, key);
}

/* Append the NULL-terminated list of strings to the vector @key. */
static inline int cfg_strings(int pidfd, const char *key, const char * const *v)
{
	int ret;

	for (; *v; v++) {
		ret = cfg_string(pidfd, key, *v);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Create an empty child with clone3(CLONE_EMPTY | CLONE_PIDFD | @flags).
 * Returns the pid (and the builder in *@pidfd) or -errno.
 */
static inline pid_t clone_empty_flags(__u64 flags, int exit_signal, int *pidfd)
{
	struct __clone_args args = {
		.flags = CLONE_EMPTY | CLONE_PIDFD | flags,
		.pidfd = ptr_to_u64(pidfd),
		.exit_signal = exit_signal,
	};
	pid_t pid;

	pid = sys_clone3(&args, sizeof(args));
	return pid < 0 ? -errno : pid;
}

/* The common case: an empty child that sends SIGCHLD when it dies. */
static inline int create_empty_child(pid_t *pid, int *pidfd)
{
	pid_t ret;

	ret = clone_empty_flags(0, SIGCHLD, pidfd);
	if (ret < 0)
		return ret;
	*pid = ret;
	return 0;
}

/* waitid() on a pidfd, any kind of child. 0 or -errno. */
static inline int wait_pidfd(int pidfd, siginfo_t *info)
{
	int ret;

	memset(info, 0, sizeof(*info));
	do {
		ret = waitid((idtype_t)P_PIDFD, pidfd, info, WEXITED | __WALL);
	} while (ret < 0 && errno == EINTR);
	return ret ? -errno : 0;
}

/* waitid() on a pid, any kind of child. 0 or -errno. */
static inline int wait_pid(pid_t pid, siginfo_t *info)
{
	int ret;

	memset(info, 0, sizeof(*info));
	do {
		ret = waitid(P_PID, pid, info, WEXITED | __WALL);
	} while (ret < 0 && errno == EINTR);
	return ret ? -errno : 0;
}

/* Kill (if still there) and reap an empty child. */
static inline void kill_and_reap(pid_t pid, int pidfd)
{
	siginfo_t info;

	if (pidfd >= 0) {
		sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0);
		close(pidfd);
	} else {
		kill(pid, SIGKILL);
	}
	wait_pid(pid, &info);
}

/*
 * 1 if the kernel supports CLONE_EMPTY, 0 if it does not (the tests SKIP),
 * -errno if pidfd_config() exists but clone3(CLONE_EMPTY) fails (the tests
 * FAIL).  Detected once, before the harness forks the tests.
 */
static inline int pidfd_spawn_supported(void)
{
	static int supported = -ENODATA;
	int pidfd = -1;
	pid_t pid;

	if (supported != -ENODATA)
		return supported;

	pid = clone_empty_flags(0, SIGCHLD, &pidfd);
	if (pid > 0) {
		cfg_abort(pidfd);
		kill_and_reap(pid, pidfd);
		supported = 1;
	} else if (sys_pidfd_config(-1, PIDFD_CONFIG_CMD_ABORT, NULL, NULL,
				    0) < 0 && errno == EBADF) {
		/* pidfd_config() is there, so clone3() should have worked. */
		supported = pid;
	} else {
		supported = 0;
	}
	return supported;
}

static void __attribute__((constructor)) pidfd_spawn_detect(void)
{
	pidfd_spawn_supported();
}

/*
 * Call first in every test: false (and the test is marked SKIP) on kernels
 * without the feature; the test fails if the feature is there but broken.
 */
static inline bool have_pidfd_spawn(struct __test_metadata *_metadata)
{
	int supported = pidfd_spawn_supported();

	if (!supported)
		SKIP(return false, "kernel lacks clone3(CLONE_EMPTY)");
	ASSERT_EQ(1, supported) {
		TH_LOG("pidfd_config() exists, clone3(CLONE_EMPTY): %s",
		       strerror(-supported));
	}
	return true;
}

/* Absolute path of the probe program, next to the running test binary. */
static inline const char *probe_path(void)
{
	static char path[PATH_MAX];
	char *slash;
	ssize_t len;

	if (path[0])
		return path;

	len = readlink("/proc/self/exe", path, sizeof(path) - sizeof(PROBE_NAME));
	if (len < 0)
		return "./" PROBE_NAME;
	path[len] = '\0';
	slash = strrchr(path, '/');
	slash = slash ? slash + 1 : path;
	memcpy(slash, PROBE_NAME, sizeof(PROBE_NAME));
	return path;
}

/* Directory of the probe program. */
static inline const char *probe_dir(void)
{
	static char dir[PATH_MAX];
	char *slash;

	if (dir[0])
		return dir;

	snprintf(dir, sizeof(dir), "%s", probe_path());
	slash = strrchr(dir, '/');
	if (slash && slash != dir)
		*slash = '\0';
	return dir;
}

/* Copy the file @from to @to with mode @mode. 0 or -errno. */
static inline int copy_file(const char *from, const char *to, mode_t mode)
{
	char buf[65536];
	int in, outfd, ret = 0;
	ssize_t len;

	in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return -errno;
	outfd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (outfd < 0) {
		ret = -errno;
		close(in);
		return ret;
	}

	while ((len = read(in, buf, sizeof(buf))) > 0) {
		if (write(outfd, buf, len) != len) {
			ret = -EIO;
			break;
		}
	}
	if (len < 0)
		ret = -errno;
	if (!ret && fchmod(outfd, mode))
		ret = -errno;
	close(in);
	if (close(outfd) && !ret)
		ret = -errno;
	return ret;
}

static inline int rm_rf_one(const char *path, const struct stat *st,
			    int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return type == FTW_DP ? rmdir(path) : unlink(path);
}

/* Remove the directory tree @path (best effort). */
static inline void rm_rf(const char *path)
{
	nftw(path, rm_rf_one, 16, FTW_DEPTH | FTW_PHYS);
}

/*
 * Create a fresh directory under /tmp, mode 0755, and store its canonical
 * path in @buf (PATH_MAX bytes).  0 or -errno.
 */
static inline int make_tmpdir(char *buf)
{
	char tmpl[] = "/tmp/pidfd_spawn.XXXXXX";
	int ret;

	if (!mkdtemp(tmpl))
		return -errno;
	if (chmod(tmpl, 0755) || !realpath(tmpl, buf)) {
		ret = -errno;
		rmdir(tmpl);
		return ret;
	}
	return 0;
}

/* Is @dir on a filesystem mounted noexec? */
static inline bool noexec_dir(const char *dir)
{
	struct statvfs sv;

	return !statvfs(dir, &sv) && (sv.f_flag & ST_NOEXEC);
}

/* Create the file @dir/@name with @content and @mode. 0 or -errno. */
static inline int make_file(const char *dir, const char *name,
			    const char *content, mode_t mode)
{
	char path[PATH_MAX];
	size_t len = strlen(content);
	int fd, ret = 0;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= PATH_MAX)
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -errno;
	if (write(fd, content, len) != (ssize_t)len)
		ret = -EIO;
	if (!ret && fchmod(fd, mode))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Read from @fd into a NUL-terminated malloc()ed buffer until EOF or, if
 * @stop is not NULL, until the data read so far ends with @stop.
 * Returns the length or -errno.
 */
static inline ssize_t read_until(int fd, char **bufp, const char *stop)
{
	size_t size = 4096, len = 0, slen = stop ? strlen(stop) : 0;
	char *buf, *tmp;
	ssize_t ret;

	buf = malloc(size);
	if (!buf)
		return -ENOMEM;

	for (;;) {
		if (size - len < 2) {
			size *= 2;
			tmp = realloc(buf, size);
			if (!tmp) {
				free(buf);
				return -ENOMEM;
			}
			buf = tmp;
		}
		ret = read(fd, buf + len, size - len - 1);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0) {
			ret = -errno;
			free(buf);
			return ret;
		}
		if (!ret)
			break;
		len += ret;
		if (slen && len >= slen && !memcmp(buf + len - slen, stop, slen))
			break;
	}
	buf[len] = '\0';
	*bufp = buf;
	return len;
}

/* Read a small file into @buf. Returns the length or -errno. */
static inline ssize_t read_path(const char *path, char *buf, size_t size)
{
	ssize_t len, total = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)total < size - 1) {
		len = read(fd, buf + total, size - 1 - total);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0)
			ret = -errno;
		if (len <= 0)
			break;
		total += len;
	}
	close(fd);
	buf[total] = '\0';
	return ret ? ret : total;
}

/* The state letter of /proc/@pid/stat, or 0. */
static inline char proc_state(pid_t pid)
{
	char path[64], buf[1024], *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	if (read_path(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return 0;
	return p[2];
}

/*
 * A parked child sleeps killably and out of the load average.  /proc shows
 * that sleep as 'I' (TASK_UNINTERRUPTIBLE | TASK_NOLOAD reads as idle) or,
 * without TASK_NOLOAD, as 'D'; never 'R', 'S' or 'T'.
 */
static inline bool parked_state(char state)
{
	return state == 'D' || state == 'I';
}

/*
 * The state of @pid once it has had time to park: a child that was just
 * created (or just failed an exec) may not have been scheduled yet.
 */
static inline char wait_parked_state(pid_t pid)
{
	char state = 0;
	int i;

	for (i = 0; i < 5000; i++) {
		state = proc_state(pid);
		if (parked_state(state) || !state)
			break;
		usleep(1000);
	}
	return state;
}

/*
 * The builder state shown in /proc/self/fdinfo/@pidfd ("PidfdBuilder:" line)
 * copied to @state; -ENOENT if there is no such line.
 */
static inline int builder_state(int pidfd, char *state, size_t size)
{
	char path[64], buf[4096], *p, *nl;
	ssize_t ret;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	ret = read_path(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	p = strstr(buf, "PidfdBuilder:");
	if (!p)
		return -ENOENT;
	p += strlen("PidfdBuilder:");
	while (*p == ' ' || *p == '\t')
		p++;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	snprintf(state, size, "%s", p);
	return 0;
}

/*
 * An empty libc sigset_t to pass to pidfd_config().  glibc's sigemptyset()
 * clears only the bytes the kernel uses, and pidfd_config() rejects a
 * buffer with non-zero bytes beyond the kernel's sigset (E2BIG).
 */
static inline void sigset_clear(sigset_t *set)
{
	memset(set, 0, sizeof(*set));
	sigemptyset(set);
}

/* Is @sig set in the hexadecimal mask @hex as /proc/PID/status shows it? */
static inline bool mask_has(const char *hex, int sig)
{
	unsigned long long mask;

	mask = strtoull(hex, NULL, 16);
	return mask & (1ULL << (sig - 1));
}

/* A mask of /proc/PID/status as a number. */
static inline unsigned long long mask_val(const char *hex)
{
	return strtoull(hex, NULL, 16);
}

/* Read the field @name ("SigBlk") of /proc/@pid/status into @val. */
static inline int proc_status_field(pid_t pid, const char *name, char *val,
				    size_t size)
{
	char path[64], buf[8192], *p, *nl;
	size_t len = strlen(name);
	ssize_t ret;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	ret = read_path(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	for (p = buf; p && *p; p = nl ? nl + 1 : NULL) {
		nl = strchr(p, '\n');
		if (nl)
			*nl = '\0';
		if (strncmp(p, name, len) || p[len] != ':')
			continue;
		p += len + 1;
		while (*p == ' ' || *p == '\t')
			p++;
		snprintf(val, size, "%s", p);
		return 0;
	}
	return -ENOENT;
}

/*
 * An empty child being set up to run the probe, whose report arrives on a
 * pipe installed as the child's fd 1.
 */
struct spawn {
	pid_t pid;
	int pidfd;
	int out;		/* read end of the pipe at the child's fd 1 */
	char *buf;		/* the report, lines NUL-terminated */
	size_t len;
	bool reaped;
	siginfo_t info;		/* how the child ended */
};

/*
 * Create an empty child with clone3(CLONE_EMPTY | CLONE_PIDFD | @flags),
 * exe = probe (SET_STRING) and fd:1 = a pipe.  argv and envp are left
 * alone.  0 or -errno.
 */
static inline int spawn_init_flags(struct spawn *s, __u64 flags,
				   int exit_signal)
{
	int pipefd[2], ret;
	pid_t pid;

	memset(s, 0, sizeof(*s));
	s->pidfd = -1;
	s->out = -1;
	s->reaped = true;

	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;

	pid = clone_empty_flags(flags, exit_signal, &s->pidfd);
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return pid;
	}
	s->pid = pid;
	s->reaped = false;
	s->out = pipefd[0];

	ret = cfg_string(s->pidfd, "exe", probe_path());
	if (!ret)
		ret = cfg_fd_at(s->pidfd, 1, pipefd[1]);
	close(pipefd[1]);
	return ret;
}

static inline int spawn_init(struct spawn *s)
{
	return spawn_init_flags(s, 0, SIGCHLD);
}

/* Reap the child (which must be dead or about to die). 0 or -errno. */
static inline int spawn_reap(struct spawn *s)
{
	int ret;

	if (s->reaped)
		return 0;
	ret = wait_pid(s->pid, &s->info);
	if (!ret)
		s->reaped = true;
	return ret;
}

/*
 * Read the report: up to its last line "end=1" (the builder may still hold
 * a reference to the pipe, so EOF is not waited for), or EOF if the probe
 * died first.  0 or -errno.
 */
static inline int spawn_read_report(struct spawn *s)
{
	ssize_t len;
	char *p;

	len = read_until(s->out, &s->buf, "\nend=1\n");
	if (len < 0)
		return len;
	s->len = len;
	for (p = s->buf; p < s->buf + len; p++)
		if (*p == '\n')
			*p = '\0';
	return 0;
}

/* Read the report, then reap the child.  0 or -errno. */
static inline int spawn_collect(struct spawn *s)
{
	int ret;

	ret = spawn_read_report(s);
	if (ret)
		return ret;
	return spawn_reap(s);
}

/* Commit, then collect the report.  0 or -errno of the commit. */
static inline int spawn_run(struct spawn *s)
{
	int ret;

	ret = cfg_exec(s->pidfd);
	if (ret)
		return ret;
	return spawn_collect(s);
}

/* Did the child exit with status 0? */
static inline bool spawn_exited_ok(const struct spawn *s)
{
	return s->reaped && s->info.si_code == CLD_EXITED &&
	       s->info.si_status == 0;
}

/* Did the child end by signal @sig? */
static inline bool killed_by(const siginfo_t *info, int sig)
{
	return info->si_code == CLD_KILLED && info->si_status == sig;
}

/* The value of @key in the report, "<missing>" if there is no such line. */
static inline const char *spawn_get(const struct spawn *s, const char *key)
{
	size_t klen = strlen(key);
	const char *p;

	if (!s->buf)
		return "<missing>";
	for (p = s->buf; p < s->buf + s->len; p += strlen(p) + 1) {
		if (!strncmp(p, key, klen) && p[klen] == '=')
			return p + klen + 1;
	}
	return "<missing>";
}

/* The value of @key as an integer, or INT_MIN if missing. */
static inline long spawn_get_long(const struct spawn *s, const char *key)
{
	const char *v = spawn_get(s, key);

	if (!strcmp(v, "<missing>"))
		return INT_MIN;
	return strtol(v, NULL, 0);
}

/* Release everything; kill and reap the child if still around. */
static inline void spawn_fini(struct spawn *s)
{
	if (!s->reaped && s->pidfd >= 0)
		sys_pidfd_send_signal(s->pidfd, SIGKILL, NULL, 0);
	else if (!s->reaped)
		kill(s->pid, SIGKILL);
	if (s->pidfd >= 0)
		close(s->pidfd);
	s->pidfd = -1;
	if (!s->reaped)
		spawn_reap(s);
	if (s->out >= 0)
		close(s->out);
	s->out = -1;
	free(s->buf);
	s->buf = NULL;
}

#endif /* __PIDFD_SPAWN_H */
