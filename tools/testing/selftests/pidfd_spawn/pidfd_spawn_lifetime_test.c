// SPDX-License-Identifier: GPL-2.0
/*
 * Lifetime of an empty child: the builder file, abort, signals while parked,
 * a tracer's auto-attach, how /proc shows it, fdinfo and poll.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

/* Long enough for anything but a hang, even under emulation. */
#define DEATH_TIMEOUT_MS 10000

/* Wait until the pidfd says the process exited; false on timeout. */
static bool wait_readable(int pidfd, int timeout_ms)
{
	struct pollfd pfd = { .fd = pidfd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

/* Closing the only builder kills the parked child; it is reapable. */
TEST(close_builder_kills)
{
	int pidfd, observer;
	siginfo_t info;
	pid_t pid;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, create_empty_child(&pid, &pidfd));
	observer = sys_pidfd_open(pid, 0);
	ASSERT_GE(observer, 0);
	EXPECT_FALSE(wait_readable(observer, 0));

	ASSERT_EQ(0, close(pidfd));
	EXPECT_TRUE(wait_readable(observer, DEATH_TIMEOUT_MS));
	ASSERT_EQ(0, wait_pid(pid, &info));
	EXPECT_TRUE(killed_by(&info, SIGKILL));
	close(observer);
}

/* Only the last reference counts. */
TEST(close_last_reference)
{
	int pidfd, dupfd, observer;
	siginfo_t info;
	pid_t pid;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, create_empty_child(&pid, &pidfd));
	observer = sys_pidfd_open(pid, 0);
	ASSERT_GE(observer, 0);
	dupfd = dup(pidfd);
	ASSERT_GE(dupfd, 0);

	ASSERT_EQ(0, close(pidfd));
	EXPECT_FALSE(wait_readable(observer, 100));
	EXPECT_TRUE(parked_state(wait_parked_state(pid)));
	/* The duplicate is still the builder. */
	EXPECT_EQ(0, cfg_string(dupfd, "argv", "x"));

	ASSERT_EQ(0, close(dupfd));
	EXPECT_TRUE(wait_readable(observer, DEATH_TIMEOUT_MS));
	ASSERT_EQ(0, wait_pid(pid, &info));
	EXPECT_TRUE(killed_by(&info, SIGKILL));
	close(observer);
}

/*
 * The process holding the builder goes away while the child is parked:
 * the child dies.  CLONE_PARENT makes the child ours to reap.
 */
FIXTURE(holder) {
	pid_t holder;
	pid_t child;
	int observer;
};

FIXTURE_VARIANT(holder) {
	bool killed;
};

FIXTURE_VARIANT_ADD(holder, exits) {
	.killed = false,
};

FIXTURE_VARIANT_ADD(holder, killed) {
	.killed = true,
};

FIXTURE_SETUP(holder)
{
	int sync[2];
	ssize_t ret;

	self->holder = -1;
	self->child = -1;
	self->observer = -1;
	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, pipe2(sync, O_CLOEXEC));

	self->holder = fork();
	ASSERT_GE(self->holder, 0);
	if (self->holder == 0) {
		int pidfd;
		pid_t pid;

		/* CLONE_PARENT requires exit_signal 0 in clone3(). */
		pid = clone_empty_flags(CLONE_PARENT, 0, &pidfd);
		if (write(sync[1], &pid, sizeof(pid)) != sizeof(pid))
			_exit(1);
		if (pid < 0)
			_exit(2);
		if (!variant->killed)
			_exit(0);
		for (;;)
			pause();
	}
	close(sync[1]);
	ret = read(sync[0], &self->child, sizeof(self->child));
	close(sync[0]);
	ASSERT_EQ((ssize_t)sizeof(self->child), ret);
	ASSERT_GT(self->child, 0) {
		TH_LOG("clone3(CLONE_EMPTY | CLONE_PARENT): %s",
		       strerror(-self->child));
	}
	self->observer = sys_pidfd_open(self->child, 0);
	ASSERT_GE(self->observer, 0);
}

FIXTURE_TEARDOWN(holder)
{
	siginfo_t info;

	if (self->holder > 0) {
		kill(self->holder, SIGKILL);
		wait_pid(self->holder, &info);
	}
	if (self->child > 0) {
		kill(self->child, SIGKILL);
		wait_pid(self->child, &info);
	}
	if (self->observer >= 0)
		close(self->observer);
}

TEST_F(holder, child_dies)
{
	siginfo_t info;

	if (variant->killed) {
		EXPECT_FALSE(wait_readable(self->observer, 100));
		ASSERT_EQ(0, kill(self->holder, SIGKILL));
	}
	ASSERT_EQ(0, wait_pid(self->holder, &info));
	self->holder = -1;
	EXPECT_EQ(variant->killed ? CLD_KILLED : CLD_EXITED, info.si_code);

	EXPECT_TRUE(wait_readable(self->observer, DEATH_TIMEOUT_MS));
	ASSERT_EQ(0, wait_pid(self->child, &info));
	self->child = -1;
	EXPECT_TRUE(killed_by(&info, SIGKILL));
}

TEST(cmd_abort)
{
	siginfo_t info;
	char state[32];
	int pidfd;
	pid_t pid;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, create_empty_child(&pid, &pidfd));
	ASSERT_EQ(0, cfg_string(pidfd, "exe", probe_path()));
	ASSERT_EQ(0, cfg_abort(pidfd));

	EXPECT_TRUE(wait_readable(pidfd, DEATH_TIMEOUT_MS));
	ASSERT_EQ(0, wait_pidfd(pidfd, &info));
	EXPECT_TRUE(killed_by(&info, SIGKILL));
	EXPECT_EQ(-ESRCH, cfg_abort(pidfd));
	EXPECT_EQ(-ESRCH, cfg_exec(pidfd));
	ASSERT_EQ(0, builder_state(pidfd, state, sizeof(state)));
	EXPECT_STREQ("aborted", state);
	close(pidfd);
}

/* Fatal signals with their default action terminate a parked child. */
FIXTURE(fatal_signal) {
	pid_t pid;
	int pidfd;
};

FIXTURE_VARIANT(fatal_signal) {
	int sig;
	bool use_kill;
};

FIXTURE_VARIANT_ADD(fatal_signal, sigkill) {
	.sig = SIGKILL,
};

FIXTURE_VARIANT_ADD(fatal_signal, sigterm) {
	.sig = SIGTERM,
};

FIXTURE_VARIANT_ADD(fatal_signal, sigterm_by_kill) {
	.sig = SIGTERM, .use_kill = true,
};

FIXTURE_VARIANT_ADD(fatal_signal, sigusr1) {
	.sig = SIGUSR1,
};

FIXTURE_VARIANT_ADD(fatal_signal, sighup) {
	.sig = SIGHUP,
};

FIXTURE_VARIANT_ADD(fatal_signal, sigalrm) {
	.sig = SIGALRM,
};

FIXTURE_SETUP(fatal_signal)
{
	self->pidfd = -1;
	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, create_empty_child(&self->pid, &self->pidfd));
}

FIXTURE_TEARDOWN(fatal_signal)
{
	if (self->pidfd >= 0)
		kill_and_reap(self->pid, self->pidfd);
}

TEST_F(fatal_signal, terminates)
{
	siginfo_t info;
	char state[32];

	/* Let it park first. */
	EXPECT_TRUE(parked_state(wait_parked_state(self->pid)));
	if (variant->use_kill) {
		ASSERT_EQ(0, kill(self->pid, variant->sig));
	} else {
		ASSERT_EQ(0, sys_pidfd_send_signal(self->pidfd, variant->sig,
						   NULL, 0));
	}

	ASSERT_TRUE(wait_readable(self->pidfd, DEATH_TIMEOUT_MS));
	ASSERT_EQ(0, wait_pidfd(self->pidfd, &info));
	EXPECT_TRUE(killed_by(&info, variant->sig)) {
		TH_LOG("si_code %d si_status %d", info.si_code,
		       info.si_status);
	}
	EXPECT_EQ(-ESRCH, cfg_flag(self->pidfd, "setsid"));
	EXPECT_EQ(-ESRCH, cfg_exec(self->pidfd));
	ASSERT_EQ(0, builder_state(self->pidfd, state, sizeof(state)));
	EXPECT_STREQ("dead", state);
	close(self->pidfd);
	self->pidfd = -1;
}

/*
 * A signal that is not fatal by default (a stop signal) stays pending while
 * parked and reaches the new program, here blocked by its mask.
 */
TEST(stop_signal_stays_pending)
{
	struct spawn s;
	sigset_t set;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, spawn_init(&s));
	EXPECT_TRUE(parked_state(wait_parked_state(s.pid)));
	ASSERT_EQ(0, sys_pidfd_send_signal(s.pidfd, SIGTSTP, NULL, 0));

	/* Neither stopped nor dead. */
	EXPECT_FALSE(wait_readable(s.pidfd, 100));
	EXPECT_TRUE(parked_state(wait_parked_state(s.pid)));

	sigset_clear(&set);
	sigaddset(&set, SIGTSTP);
	ASSERT_EQ(0, cfg_binary(s.pidfd, "sigmask", &set, sizeof(set)));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_TRUE(mask_has(spawn_get(&s, "sigblk"), SIGTSTP));
	EXPECT_TRUE(mask_has(spawn_get(&s, "shdpnd"), SIGTSTP) ||
		    mask_has(spawn_get(&s, "sigpnd"), SIGTSTP));
	spawn_fini(&s);
}

/* A stop signal that cannot be blocked acts on the new program. */
TEST(stop_signal_acts_after_exec)
{
	struct spawn s;
	siginfo_t info;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, spawn_init(&s));
	/* SIGSTOP: SIGTSTP could be discarded in an orphaned group. */
	ASSERT_EQ(0, sys_pidfd_send_signal(s.pidfd, SIGSTOP, NULL, 0));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", "--pause"));
	ASSERT_EQ(0, cfg_exec(s.pidfd));

	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, waitid(P_PID, s.pid, &info, WSTOPPED | __WALL));
	EXPECT_EQ(CLD_STOPPED, info.si_code);
	EXPECT_EQ(SIGSTOP, info.si_status);
	spawn_fini(&s);
}

static bool has_line(const char *buf, const char *prefix)
{
	const char *p = buf;
	size_t len = strlen(prefix);

	while (p && *p) {
		if (!strncmp(p, prefix, len))
			return true;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return false;
}

static int count_fds(pid_t pid)
{
	struct dirent *de;
	char path[64];
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* How /proc shows a parked child: no memory, no program, no fds. */
TEST(proc_view)
{
	char path[64], buf[8192], real[PATH_MAX];
	struct spawn s;
	ssize_t len;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_NE(NULL, realpath(probe_path(), real));
	ASSERT_EQ(0, spawn_init(&s));

	EXPECT_TRUE(parked_state(wait_parked_state(s.pid)));
	snprintf(path, sizeof(path), "/proc/%d/cmdline", s.pid);
	EXPECT_EQ(0, read_path(path, buf, sizeof(buf)));
	snprintf(path, sizeof(path), "/proc/%d/exe", s.pid);
	EXPECT_EQ(-1, readlink(path, buf, sizeof(buf)));
	EXPECT_EQ(ENOENT, errno);
	snprintf(path, sizeof(path), "/proc/%d/status", s.pid);
	ASSERT_GT(read_path(path, buf, sizeof(buf)), 0);
	EXPECT_FALSE(has_line(buf, "VmSize:"));
	EXPECT_FALSE(has_line(buf, "VmRSS:"));
	EXPECT_EQ(0, count_fds(s.pid));

	/* Once committed, all of it is there. */
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", "--pause"));
	ASSERT_EQ(0, cfg_exec(s.pidfd));
	ASSERT_EQ(0, spawn_read_report(&s));

	snprintf(path, sizeof(path), "/proc/%d/cmdline", s.pid);
	len = read_path(path, buf, sizeof(buf));
	ASSERT_EQ((ssize_t)sizeof(PROBE_NAME "\0--pause"), len);
	EXPECT_EQ(0, memcmp(buf, PROBE_NAME "\0--pause", len));
	snprintf(path, sizeof(path), "/proc/%d/exe", s.pid);
	len = readlink(path, buf, sizeof(buf) - 1);
	ASSERT_GT(len, 0);
	buf[len] = '\0';
	EXPECT_STREQ(real, buf);
	snprintf(path, sizeof(path), "/proc/%d/status", s.pid);
	ASSERT_GT(read_path(path, buf, sizeof(buf)), 0);
	EXPECT_TRUE(has_line(buf, "VmSize:"));
	EXPECT_FALSE(parked_state(proc_state(s.pid)));
	EXPECT_EQ(1, count_fds(s.pid));
	spawn_fini(&s);
}

/* fdinfo tells a builder, and its state, from other pidfds. */
TEST(fdinfo)
{
	char state[32], path[64], buf[4096];
	struct spawn s;
	int opened;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, builder_state(s.pidfd, state, sizeof(state)));
	EXPECT_STREQ("parked", state);

	/* An ordinary pidfd of the same process has no such line. */
	opened = sys_pidfd_open(s.pid, 0);
	ASSERT_GE(opened, 0);
	EXPECT_EQ(-ENOENT, builder_state(opened, state, sizeof(state)));
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", opened);
	ASSERT_GT(read_path(path, buf, sizeof(buf)), 0);
	EXPECT_NE(NULL, strstr(buf, "\nPid:\t"));
	close(opened);

	/* The builder is a pidfd like the others, too. */
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", s.pidfd);
	ASSERT_GT(read_path(path, buf, sizeof(buf)), 0);
	EXPECT_NE(NULL, strstr(buf, "\nPid:\t"));

	ASSERT_EQ(0, cfg_string(s.pidfd, "exe", "/nonexistent/" PROBE_NAME));
	EXPECT_EQ(-ENOENT, cfg_exec(s.pidfd));
	ASSERT_EQ(0, builder_state(s.pidfd, state, sizeof(state)));
	EXPECT_STREQ("exec-failed", state);

	ASSERT_EQ(0, cfg_string(s.pidfd, "exe", probe_path()));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	ASSERT_EQ(0, builder_state(s.pidfd, state, sizeof(state)));
	EXPECT_STREQ("committed", state);
	spawn_fini(&s);
}

/* The builder polls like a pidfd: readable once the child has exited. */
TEST(poll_builder)
{
	struct spawn s;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, spawn_init(&s));
	EXPECT_FALSE(wait_readable(s.pidfd, 0));
	EXPECT_FALSE(wait_readable(s.pidfd, 50));

	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", "--pause"));
	ASSERT_EQ(0, cfg_exec(s.pidfd));
	ASSERT_EQ(0, spawn_read_report(&s));
	EXPECT_FALSE(wait_readable(s.pidfd, 50));

	ASSERT_EQ(0, sys_pidfd_send_signal(s.pidfd, SIGTERM, NULL, 0));
	EXPECT_TRUE(wait_readable(s.pidfd, DEATH_TIMEOUT_MS));
	ASSERT_EQ(0, spawn_reap(&s));
	EXPECT_TRUE(killed_by(&s.info, SIGTERM));
	spawn_fini(&s);
}

/* waitid(WNOHANG) sees nothing while the child is parked. */
TEST(waitid_parked)
{
	siginfo_t info;
	int pidfd;
	pid_t pid;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, create_empty_child(&pid, &pidfd));
	memset(&info, 0, sizeof(info));
	ASSERT_EQ(0, waitid((idtype_t)P_PIDFD, pidfd, &info,
			    WEXITED | WSTOPPED | WNOHANG | __WALL));
	EXPECT_EQ(0, info.si_pid);
	kill_and_reap(pid, pidfd);
}

/*
 * A creator traced with PTRACE_O_TRACEFORK: the tracer that waits for the
 * auto-attached child's first stop before it resumes the creator (as gdb
 * does) gets it while the child is parked.
 */
static void traced_creator(int go, bool traceme)
{
	static const char * const argv[] = { PROBE_NAME, "--exit", "7", NULL };
	siginfo_t info;
	int pidfd;
	char c;

	if (traceme) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) || raise(SIGSTOP))
			_exit(10);
	} else if (read(go, &c, 1) != 1) {
		_exit(11);
	}
	if (clone_empty_flags(0, SIGCHLD, &pidfd) < 0)
		_exit(12);
	if (cfg_string(pidfd, "exe", probe_path()) ||
	    cfg_strings(pidfd, "argv", argv) || cfg_exec(pidfd))
		_exit(13);
	if (wait_pidfd(pidfd, &info))
		_exit(14);
	_exit(info.si_code == CLD_EXITED && info.si_status == 7 ? 0 : 15);
}

FIXTURE(trace_fork) {
	pid_t creator;
};

FIXTURE_VARIANT(trace_fork) {
	bool seize;		/* PTRACE_SEIZE, else PTRACE_TRACEME */
	bool detach;		/* let the child go, else trace it on */
};

FIXTURE_VARIANT_ADD(trace_fork, attach_detach) {
	.seize = false,
	.detach = true,
};

FIXTURE_VARIANT_ADD(trace_fork, attach_keep) {
	.seize = false,
	.detach = false,
};

FIXTURE_VARIANT_ADD(trace_fork, seize_detach) {
	.seize = true,
	.detach = true,
};

FIXTURE_VARIANT_ADD(trace_fork, seize_keep) {
	.seize = true,
	.detach = false,
};

FIXTURE_SETUP(trace_fork)
{
	self->creator = -1;
}

FIXTURE_TEARDOWN(trace_fork)
{
	/* PTRACE_O_EXITKILL takes both down if the test gave up early. */
	if (self->creator > 0)
		kill(self->creator, SIGKILL);
}

TEST_F(trace_fork, first_stop_while_parked)
{
	const long opts = PTRACE_O_TRACEFORK | PTRACE_O_TRACECLONE |
			  PTRACE_O_EXITKILL;
	unsigned long msg;
	int go[2], status, sig;
	pid_t child;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, pipe2(go, O_CLOEXEC));
	self->creator = fork();
	ASSERT_LE(0, self->creator);
	if (!self->creator) {
		close(go[1]);
		traced_creator(go[0], !variant->seize);
	}
	close(go[0]);

	if (variant->seize) {
		ASSERT_EQ(0, ptrace(PTRACE_SEIZE, self->creator, 0, opts));
		ASSERT_EQ(1, write(go[1], "x", 1));
	} else {
		ASSERT_EQ(self->creator, waitpid(self->creator, &status,
						 __WALL));
		ASSERT_TRUE(WIFSTOPPED(status));
		ASSERT_EQ(SIGSTOP, WSTOPSIG(status));
		ASSERT_EQ(0, ptrace(PTRACE_SETOPTIONS, self->creator, 0, opts));
		ASSERT_EQ(0, ptrace(PTRACE_CONT, self->creator, 0, 0));
	}
	close(go[1]);

	/* The creator's fork event names the child. */
	ASSERT_EQ(self->creator, waitpid(self->creator, &status, __WALL));
	ASSERT_TRUE(WIFSTOPPED(status));
	ASSERT_EQ(SIGTRAP | (PTRACE_EVENT_FORK << 8), status >> 8);
	ASSERT_EQ(0, ptrace(PTRACE_GETEVENTMSG, self->creator, 0, &msg));
	child = msg;

	/* Its first stop comes while it is parked: the creator is stopped. */
	ASSERT_EQ(child, waitpid(child, &status, __WALL));
	ASSERT_TRUE(WIFSTOPPED(status));
	EXPECT_EQ(variant->seize ? SIGTRAP | (PTRACE_EVENT_STOP << 8) : SIGSTOP,
		  status >> 8);
	EXPECT_EQ('t', proc_state(child));
	ASSERT_EQ(0, ptrace(variant->detach ? PTRACE_DETACH : PTRACE_CONT,
			    child, 0, 0));
	ASSERT_EQ(0, ptrace(PTRACE_CONT, self->creator, 0, 0));

	if (!variant->detach) {
		/*
		 * Still traced: a PTRACE_TRACEME tracee traps with SIGTRAP
		 * after its exec; the SIGSTOP it owed does not come again.
		 */
		ASSERT_EQ(child, waitpid(child, &status, __WALL));
		if (!variant->seize) {
			ASSERT_TRUE(WIFSTOPPED(status));
			EXPECT_EQ(SIGTRAP, status >> 8);
			ASSERT_EQ(0, ptrace(PTRACE_CONT, child, 0, 0));
			ASSERT_EQ(child, waitpid(child, &status, __WALL));
		}
		EXPECT_TRUE(WIFEXITED(status));
		EXPECT_EQ(7, WEXITSTATUS(status));
	}

	/* The creator exits 0 if its program exited 7. */
	for (;;) {
		ASSERT_EQ(self->creator, waitpid(self->creator, &status,
						 __WALL));
		if (!WIFSTOPPED(status))
			break;
		sig = status >> 16 || WSTOPSIG(status) == SIGTRAP ?
		      0 : WSTOPSIG(status);
		ASSERT_EQ(0, ptrace(PTRACE_CONT, self->creator, 0, sig));
	}
	self->creator = -1;
	EXPECT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
