// SPDX-License-Identifier: GPL-2.0
/*
 * Security: seccomp filters apply to the commit's exec, and the builder is
 * the capability to configure (delegated by passing the file, and only
 * that file).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/netlink.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

#if defined(__x86_64__)
#define ARCH_NR AUDIT_ARCH_X86_64
#elif defined(__i386__)
#define ARCH_NR AUDIT_ARCH_I386
#elif defined(__aarch64__)
#define ARCH_NR AUDIT_ARCH_AARCH64
#elif defined(__riscv) && __riscv_xlen == 64
#define ARCH_NR AUDIT_ARCH_RISCV64
#elif defined(__s390x__)
#define ARCH_NR AUDIT_ARCH_S390X
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARCH_NR AUDIT_ARCH_PPC64LE
#endif

#ifdef ARCH_NR
/* Make the syscalls @nr1 and @nr2 fail with EPERM, allow everything else. */
static int install_filter(int nr1, int nr2)
{
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH_NR, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr1, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr2, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	};
	struct sock_fprog prog = {
		.len = ARRAY_SIZE(filter),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0))
		return -errno;
	return 0;
}

enum {
	FILTER_OK = 0,
	FILTER_INSTALL,
	FILTER_SPAWN,
	FILTER_COMMIT,
	FILTER_NOT_PARKED,
	FILTER_ABORT,
	FILTER_REAP,
	FILTER_REPORT,
};

/*
 * In a child process: install a filter denying @nr1 and @nr2, create an
 * empty child (which inherits the filter) and commit it.  Exits with one
 * of the FILTER_* codes.
 */
static void spawn_under_filter(int nr1, int nr2, bool denied)
{
	struct spawn s;
	int ret;

	if (install_filter(nr1, nr2))
		_exit(FILTER_INSTALL);
	if (spawn_init(&s) || cfg_string(s.pidfd, "argv", PROBE_NAME))
		_exit(FILTER_SPAWN);

	ret = cfg_exec(s.pidfd);
	if (denied) {
		if (ret != -EPERM)
			_exit(FILTER_COMMIT);
		/* An exec failure: the child is still there, parked. */
		if (!parked_state(wait_parked_state(s.pid)))
			_exit(FILTER_NOT_PARKED);
		if (cfg_abort(s.pidfd))
			_exit(FILTER_ABORT);
		if (spawn_reap(&s) || !killed_by(&s.info, SIGKILL))
			_exit(FILTER_REAP);
		_exit(FILTER_OK);
	}

	if (ret)
		_exit(FILTER_COMMIT);
	if (spawn_collect(&s) || !spawn_exited_ok(&s))
		_exit(FILTER_REAP);
	/* The program runs under the inherited filter and no_new_privs. */
	if (strcmp(spawn_get(&s, "seccomp"), "2") ||
	    strcmp(spawn_get(&s, "nnp"), "1"))
		_exit(FILTER_REPORT);
	_exit(FILTER_OK);
}

static int run_filtered(int nr1, int nr2, bool denied)
{
	siginfo_t info;
	pid_t pid;
	int ret;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		spawn_under_filter(nr1, nr2, denied);
	ret = wait_pid(pid, &info);
	if (ret)
		return ret;
	return info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
}
#endif

/* A filter that denies execve and execveat denies the commit too. */
TEST(seccomp_denies_exec)
{
#ifdef ARCH_NR
	if (!have_pidfd_spawn(_metadata))
		return;
	EXPECT_EQ(FILTER_OK, run_filtered(__NR_execve, __NR_execveat, true));
#else
	SKIP(return, "no seccomp architecture number for this target");
#endif
}

/* A filter that thought of only one of the two exec calls denies it too. */
TEST(seccomp_denies_execve_only)
{
#ifdef ARCH_NR
	if (!have_pidfd_spawn(_metadata))
		return;
	EXPECT_EQ(FILTER_OK, run_filtered(__NR_execve, __NR_execve, true));
#else
	SKIP(return, "no seccomp architecture number for this target");
#endif
}

TEST(seccomp_denies_execveat_only)
{
#ifdef ARCH_NR
	if (!have_pidfd_spawn(_metadata))
		return;
	EXPECT_EQ(FILTER_OK, run_filtered(__NR_execveat, __NR_execveat, true));
#else
	SKIP(return, "no seccomp architecture number for this target");
#endif
}

/* Control: a filter that denies something else leaves the commit alone. */
TEST(seccomp_other_syscall)
{
#ifdef ARCH_NR
	if (!have_pidfd_spawn(_metadata))
		return;
	EXPECT_EQ(FILTER_OK, run_filtered(__NR_acct, __NR_swapon, false));
#else
	SKIP(return, "no seccomp architecture number for this target");
#endif
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { .iov_base = "F", .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char c;
	struct iovec iov = { .iov_base = &c, .iov_len = 1 };
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -errno;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* The process that gets a builder over SCM_RIGHTS configures and commits. */
TEST(delegate_over_scm_rights)
{
	siginfo_t info;
	struct spawn s;
	int sk[2];
	pid_t other;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));

	/* Forked first, so it has no copy of the builder of its own. */
	other = fork();
	ASSERT_GE(other, 0);
	if (other == 0) {
		int pidfd;

		close(sk[0]);
		pidfd = recv_fd(sk[1]);
		if (pidfd < 0)
			_exit(1);
		if (cfg_string(pidfd, "argv", PROBE_NAME) ||
		    cfg_string(pidfd, "argv", "delegated") ||
		    cfg_int(pidfd, "umask", 0071))
			_exit(2);
		if (cfg_exec(pidfd))
			_exit(3);
		_exit(0);
	}
	close(sk[1]);

	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, send_fd(sk[0], s.pidfd));
	/* The message in flight keeps the builder alive. */
	ASSERT_EQ(0, close(s.pidfd));
	s.pidfd = -1;

	ASSERT_EQ(0, wait_pid(other, &info));
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(0, info.si_status);

	ASSERT_EQ(0, spawn_collect(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_STREQ("delegated", spawn_get(&s, "argv.1"));
	EXPECT_STREQ("0071", spawn_get(&s, "umask"));
	/* Still our child. */
	EXPECT_EQ(getpid(), spawn_get_long(&s, "ppid"));
	spawn_fini(&s);
	close(sk[0]);
}

/* A pidfd_open() pidfd passed the same way configures nothing. */
/*
 * Reference cycles: a builder in flight on a socket that its own
 * configuration holds would keep its child parked once every descriptor
 * is closed.  The two are kept apart, in both orders.
 */
FIXTURE(cycle) {
	struct spawn s;
	int sk[2];
	int ring;
};

static int ring_setup(void)
{
	struct io_uring_params p = { 0 };

	return syscall(__NR_io_uring_setup, 1, &p);
}

FIXTURE_SETUP(cycle)
{
	self->sk[0] = -1;
	self->sk[1] = -1;
	self->ring = -1;
	self->s.pidfd = -1;
	self->s.out = -1;
	self->s.reaped = true;
	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
				self->sk));
	ASSERT_EQ(0, spawn_init(&self->s));
	ASSERT_EQ(0, cfg_string(self->s.pidfd, "argv", PROBE_NAME));
}

FIXTURE_TEARDOWN(cycle)
{
	spawn_fini(&self->s);
	if (self->sk[0] >= 0)
		close(self->sk[0]);
	if (self->sk[1] >= 0)
		close(self->sk[1]);
	if (self->ring >= 0)
		close(self->ring);
}

/* A configuration that holds a unix socket: the builder cannot travel. */
TEST_F(cycle, socket_then_send)
{
	ASSERT_EQ(0, cfg_fd(self->s.pidfd, "fd:3", self->sk[0]));
	EXPECT_EQ(-ETOOMANYREFS, send_fd(self->sk[1], self->s.pidfd));
	EXPECT_EQ(-ETOOMANYREFS, send_fd(self->sk[0], self->s.pidfd));
	/* The program still runs. */
	ASSERT_EQ(0, spawn_run(&self->s));
	EXPECT_TRUE(spawn_exited_ok(&self->s));
}

/* The same for a socket in an inherit_fds snapshot. */
TEST_F(cycle, inherited_socket_then_send)
{
	int fd = dup(self->sk[0]);	/* not close-on-exec */

	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, cfg_flag(self->s.pidfd, "inherit_fds"));
	close(fd);
	EXPECT_EQ(-ETOOMANYREFS, send_fd(self->sk[1], self->s.pidfd));
}

/*
 * The snapshot stops asking about files of a kind it has seen to be
 * neither pidfd nor socket nor ring: a socket after 100 such files is
 * still found.
 */
TEST_F(cycle, inherited_socket_after_plain_files)
{
	int fds[100], i, fd;

	for (i = 0; i < 100; i++) {
		fds[i] = open("/dev/null", O_RDONLY);
		ASSERT_GE(fds[i], 0);
	}
	fd = dup(self->sk[0]);	/* above them, not close-on-exec */
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, cfg_flag(self->s.pidfd, "inherit_fds"));
	close(fd);
	for (i = 0; i < 100; i++)
		close(fds[i]);
	EXPECT_EQ(-ETOOMANYREFS, send_fd(self->sk[1], self->s.pidfd));
}

/* The same for an io_uring instance, as the child's fd or its cwd. */
TEST_F(cycle, ring_then_send)
{
	self->ring = ring_setup();
	if (self->ring < 0)
		SKIP(return, "no io_uring: %s", strerror(errno));
	ASSERT_EQ(0, cfg_fd(self->s.pidfd, "fd:3", self->ring));
	EXPECT_EQ(-ETOOMANYREFS, send_fd(self->sk[1], self->s.pidfd));
}

/*
 * A builder in flight takes no socket or ring, by any key; once received,
 * it may.  On a kernel without the check, the last part leaks the child:
 * it would stay parked, and the test would hang on the reap.
 */
TEST_F(cycle, send_then_socket)
{
	int fd, received;

	ASSERT_EQ(0, send_fd(self->sk[1], self->s.pidfd));
	EXPECT_EQ(-ETOOMANYREFS, cfg_fd(self->s.pidfd, "fd:3", self->sk[0]));
	EXPECT_EQ(-ETOOMANYREFS, cfg_fd(self->s.pidfd, "exe", self->sk[0]));
	EXPECT_EQ(-ETOOMANYREFS, cfg_fd(self->s.pidfd, "cwd", self->sk[0]));
	EXPECT_EQ(-ETOOMANYREFS, cfg_path(self->s.pidfd, "root", "x",
					  self->sk[0]));
	fd = dup(self->sk[0]);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(-ETOOMANYREFS, cfg_flag(self->s.pidfd, "inherit_fds"));
	close(fd);
	self->ring = ring_setup();
	if (self->ring >= 0)
		EXPECT_EQ(-ETOOMANYREFS, cfg_fd(self->s.pidfd, "fd:4",
						self->ring));
	/* Other files still go. */
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	EXPECT_EQ(0, cfg_fd(self->s.pidfd, "fd:5", fd));
	close(fd);

	/* Received, the builder is no longer in flight. */
	received = recv_fd(self->sk[0]);
	ASSERT_GE(received, 0);
	EXPECT_EQ(0, cfg_fd(self->s.pidfd, "fd:3", self->sk[0]));
	close(received);
}

/* Everything closed while the builder is in flight: the child goes. */
TEST_F(cycle, closed_in_flight)
{
	ASSERT_EQ(0, send_fd(self->sk[1], self->s.pidfd));
	/* The cycle, if it were allowed. */
	EXPECT_EQ(-ETOOMANYREFS, cfg_fd(self->s.pidfd, "fd:3", self->sk[0]));
	ASSERT_EQ(0, close(self->s.pidfd));
	self->s.pidfd = -1;
	ASSERT_EQ(0, close(self->sk[0]));
	ASSERT_EQ(0, close(self->sk[1]));
	self->sk[0] = -1;
	self->sk[1] = -1;
	ASSERT_EQ(0, spawn_reap(&self->s));
	EXPECT_TRUE(killed_by(&self->s.info, SIGKILL));
}

/* io_uring keeps builders out of its fixed file tables. */
TEST_F(cycle, ring_refuses_builder)
{
	int fds[2] = { -1, self->s.pidfd };

	self->ring = ring_setup();
	if (self->ring < 0)
		SKIP(return, "no io_uring: %s", strerror(errno));
	EXPECT_EQ(-1, syscall(__NR_io_uring_register, self->ring,
			      IORING_REGISTER_FILES, fds, 2));
	EXPECT_EQ(EBADF, errno);
	fds[1] = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fds[1], 0);
	EXPECT_EQ(0, syscall(__NR_io_uring_register, self->ring,
			     IORING_REGISTER_FILES, fds, 2));
	close(fds[1]);
}

TEST(pidfd_open_over_scm_rights)
{
	siginfo_t info;
	struct spawn s;
	int sk[2], opened;
	pid_t other;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sk));

	other = fork();
	ASSERT_GE(other, 0);
	if (other == 0) {
		int pidfd;

		close(sk[0]);
		pidfd = recv_fd(sk[1]);
		if (pidfd < 0)
			_exit(1);
		if (cfg_string(pidfd, "argv", PROBE_NAME) != -EINVAL ||
		    cfg_exec(pidfd) != -EINVAL || cfg_abort(pidfd) != -EINVAL)
			_exit(2);
		_exit(0);
	}
	close(sk[1]);

	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	opened = sys_pidfd_open(s.pid, 0);
	ASSERT_GE(opened, 0);
	ASSERT_EQ(0, send_fd(sk[0], opened));
	close(opened);

	ASSERT_EQ(0, wait_pid(other, &info));
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(0, info.si_status);

	/* Untouched: still parked, argv as we left it. */
	EXPECT_TRUE(parked_state(wait_parked_state(s.pid)));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_EQ(1, spawn_get_long(&s, "argc"));
	spawn_fini(&s);
	close(sk[0]);
}

/* A builder inherited over fork() works in the child process too. */
TEST(builder_inherited_by_fork)
{
	siginfo_t info;
	struct spawn s;
	pid_t other;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, spawn_init(&s));

	other = fork();
	ASSERT_GE(other, 0);
	if (other == 0) {
		if (cfg_string(s.pidfd, "argv", PROBE_NAME) ||
		    cfg_string(s.pidfd, "argv", "from-fork"))
			_exit(1);
		_exit(cfg_exec(s.pidfd) ? 2 : 0);
	}
	/* The forked copy is enough to keep the child. */
	ASSERT_EQ(0, close(s.pidfd));
	s.pidfd = -1;

	ASSERT_EQ(0, wait_pid(other, &info));
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(0, info.si_status);
	ASSERT_EQ(0, spawn_collect(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_STREQ("from-fork", spawn_get(&s, "argv.1"));
	spawn_fini(&s);
}

/* Turn audit on or off with an AUDIT_SET request; -errno on failure. */
static int audit_set_enabled(int nl, int enabled)
{
	struct {
		struct nlmsghdr nh;
		struct audit_status s;
	} req = {
		.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct audit_status)),
		.nh.nlmsg_type = AUDIT_SET,
		.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		.s.mask = AUDIT_STATUS_ENABLED,
		.s.enabled = enabled,
	};
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	char buf[512];
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	ssize_t n;

	if (sendto(nl, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) < 0)
		return -errno;
	n = recv(nl, buf, sizeof(buf), 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr)))
		return -EIO;
	if (nh->nlmsg_type == NLMSG_ERROR)
		return ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	return 0;
}

/* Wait up to @ms for a kernel log line that contains @needle. */
static bool kmsg_has(int kmsg, const char *needle, int ms)
{
	struct pollfd pfd = { .fd = kmsg, .events = POLLIN };
	char line[8192];
	ssize_t n;

	while (poll(&pfd, 1, ms) > 0) {
		n = read(kmsg, line, sizeof(line) - 1);
		if (n < 0) {
			if (errno == EPIPE)
				continue;
			return false;
		}
		line[n] = '\0';
		if (strstr(line, needle))
			return true;
	}
	return false;
}

/*
 * The child executes outside any system call: the committing call records
 * the exec (an EXECVE record with its arguments).  With no audit daemon,
 * the kernel prints the records to its log.
 */
TEST(commit_is_audited)
{
	const char *marker = "pidfd-spawn-audit-marker";
	char needle[64];
	siginfo_t info;
	int nl, kmsg, pidfd, ret;
	pid_t pid;

	if (!have_pidfd_spawn(_metadata))
		return;
	if (geteuid())
		SKIP(return, "needs root to enable audit");
	nl = socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT);
	if (nl < 0)
		SKIP(return, "no audit support (%s)", strerror(errno));
	ret = audit_set_enabled(nl, 1);
	if (ret == -ECONNREFUSED || ret == -EPERM) {
		close(nl);
		SKIP(return, "cannot enable audit (%s)", strerror(-ret));
	}
	ASSERT_EQ(0, ret);
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	ASSERT_GE(kmsg, 0);
	ASSERT_EQ(0, lseek(kmsg, 0, SEEK_END));

	ASSERT_EQ(0, create_empty_child(&pid, &pidfd));
	ASSERT_EQ(0, cfg_string(pidfd, "exe", probe_path()));
	ASSERT_EQ(0, cfg_string(pidfd, "argv", "probe"));
	ASSERT_EQ(0, cfg_string(pidfd, "argv", marker));
	EXPECT_EQ(0, cfg_exec(pidfd));
	ASSERT_EQ(0, wait_pidfd(pidfd, &info));
	close(pidfd);

	snprintf(needle, sizeof(needle), "a1=\"%s\"", marker);
	EXPECT_TRUE(kmsg_has(kmsg, needle, 5000));
	EXPECT_EQ(0, audit_set_enabled(nl, 0));
	close(kmsg);
	close(nl);
}

TEST_HARNESS_MAIN
