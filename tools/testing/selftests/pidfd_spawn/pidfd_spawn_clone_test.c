// SPDX-License-Identifier: GPL-2.0
/*
 * clone3(CLONE_EMPTY): which flags and arguments are rejected, which are
 * accepted, and that the accepted ones take effect.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif

static char stack[4096];
static int tid_word;

FIXTURE(rejected) {
};

FIXTURE_VARIANT(rejected) {
	__u64 flags;
	int exit_signal;
	bool no_pidfd;
	bool stack;
	bool stack_size;
	bool tls;
};

FIXTURE_VARIANT_ADD(rejected, clone_vm) {
	.flags = CLONE_VM, .exit_signal = SIGCHLD,
};

FIXTURE_VARIANT_ADD(rejected, clone_thread) {
	.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM,
};

FIXTURE_VARIANT_ADD(rejected, clone_sighand) {
	.flags = CLONE_SIGHAND | CLONE_VM, .exit_signal = SIGCHLD,
};

FIXTURE_VARIANT_ADD(rejected, clone_vfork) {
	.flags = CLONE_VFORK, .exit_signal = SIGCHLD,
};

FIXTURE_VARIANT_ADD(rejected, clone_files) {
	.flags = CLONE_FILES, .exit_signal = SIGCHLD,
};

FIXTURE_VARIANT_ADD(rejected, clone_fs) {
	.flags = CLONE_FS, .exit_signal = SIGCHLD,
};

FIXTURE_VARIANT_ADD(rejected, clone_settls) {
	.flags = CLONE_SETTLS, .exit_signal = SIGCHLD,
};

FIXTURE_VARIANT_ADD(rejected, clone_child_settid) {
	.flags = CLONE_CHILD_SETTID, .exit_signal = SIGCHLD,
};

FIXTURE_VARIANT_ADD(rejected, clone_child_cleartid) {
	.flags = CLONE_CHILD_CLEARTID, .exit_signal = SIGCHLD,
};

FIXTURE_VARIANT_ADD(rejected, stack) {
	.exit_signal = SIGCHLD, .stack = true, .stack_size = true,
};

FIXTURE_VARIANT_ADD(rejected, stack_size) {
	.exit_signal = SIGCHLD, .stack_size = true,
};

FIXTURE_VARIANT_ADD(rejected, tls) {
	.exit_signal = SIGCHLD, .tls = true,
};

FIXTURE_VARIANT_ADD(rejected, tls_with_settls) {
	.flags = CLONE_SETTLS, .exit_signal = SIGCHLD, .tls = true,
};

FIXTURE_VARIANT_ADD(rejected, no_clone_pidfd) {
	.exit_signal = SIGCHLD, .no_pidfd = true,
};

FIXTURE_SETUP(rejected)
{
	if (!have_pidfd_spawn(_metadata))
		return;
}

FIXTURE_TEARDOWN(rejected)
{
}

TEST_F(rejected, einval)
{
	struct __clone_args args = {
		.flags = CLONE_EMPTY | CLONE_PIDFD | variant->flags,
		.exit_signal = variant->exit_signal,
	};
	int pidfd = -1;
	pid_t pid;

	if (variant->no_pidfd)
		args.flags &= ~(__u64)CLONE_PIDFD;
	else
		args.pidfd = ptr_to_u64(&pidfd);
	if (variant->stack)
		args.stack = ptr_to_u64(stack);
	if (variant->stack_size)
		args.stack_size = sizeof(stack);
	if (variant->tls)
		args.tls = ptr_to_u64(&tid_word);
	if (variant->flags & (CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID))
		args.child_tid = ptr_to_u64(&tid_word);

	pid = sys_clone3(&args, sizeof(args));
	/* Should not happen: do not leave it behind (a thread cannot be). */
	if (pid > 0 && !(variant->flags & CLONE_THREAD))
		kill_and_reap(pid, pidfd);
	ASSERT_EQ(-1, pid);
	EXPECT_EQ(EINVAL, errno);
}

/* The same arguments without CLONE_EMPTY are valid, where that is safe. */
TEST(control_without_clone_empty)
{
	struct __clone_args args = {
		.flags = CLONE_PIDFD | CLONE_FILES | CLONE_FS,
		.exit_signal = SIGCHLD,
	};
	siginfo_t info;
	int pidfd = -1;
	pid_t pid;

	if (!have_pidfd_spawn(_metadata))
		return;
	args.pidfd = ptr_to_u64(&pidfd);
	pid = sys_clone3(&args, sizeof(args));
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	ASSERT_EQ(0, wait_pidfd(pidfd, &info));
	EXPECT_EQ(CLD_EXITED, info.si_code);
	close(pidfd);
}

/* Run the probe in a child created with @flags; it must exit 0. */
static void check_runs(struct __test_metadata *_metadata, __u64 flags,
		       int exit_signal, struct spawn *s)
{
	ASSERT_EQ(0, spawn_init_flags(s, flags, exit_signal));
	EXPECT_TRUE(parked_state(wait_parked_state(s->pid)));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, spawn_run(s));
	EXPECT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(s->pid, spawn_get_long(s, "pid"));
}

TEST(accepted_flags)
{
	static const __u64 flags[] = {
		CLONE_CLEAR_SIGHAND, CLONE_IO, CLONE_UNTRACED, CLONE_PTRACE,
	};
	struct spawn s;
	size_t i;

	if (!have_pidfd_spawn(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		TH_LOG("flags %#llx", (unsigned long long)flags[i]);
		check_runs(_metadata, flags[i], SIGCHLD, &s);
		spawn_fini(&s);
	}
}

TEST(parent_settid)
{
	struct __clone_args args = {
		.flags = CLONE_EMPTY | CLONE_PIDFD | CLONE_PARENT_SETTID,
		.exit_signal = SIGCHLD,
	};
	pid_t pid, tid = 0;
	int pidfd = -1;

	if (!have_pidfd_spawn(_metadata))
		return;
	args.pidfd = ptr_to_u64(&pidfd);
	args.parent_tid = ptr_to_u64(&tid);
	pid = sys_clone3(&args, sizeof(args));
	ASSERT_GT(pid, 0);
	EXPECT_EQ(pid, tid);
	EXPECT_GE(pidfd, 0);
	kill_and_reap(pid, pidfd);
}

/*
 * exit_signal is what the parent gets if the child dies before it executes
 * (exec resets it to SIGCHLD, as it always does): 0 means no signal.
 */
TEST(exit_signal_zero)
{
	struct timespec ts = { .tv_sec = 0 };
	sigset_t set, pending;
	siginfo_t info;
	int pidfd;
	pid_t pid;

	if (!have_pidfd_spawn(_metadata))
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));
	/* Nothing pending from before. */
	while (sigtimedwait(&set, NULL, &ts) > 0)
		;

	pid = clone_empty_flags(0, 0, &pidfd);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, cfg_abort(pidfd));
	ASSERT_EQ(0, wait_pidfd(pidfd, &info));
	EXPECT_TRUE(killed_by(&info, SIGKILL));
	EXPECT_EQ(pid, info.si_pid);
	ASSERT_EQ(0, sigpending(&pending));
	EXPECT_FALSE(sigismember(&pending, SIGCHLD));
	close(pidfd);
}

/* Any valid exit_signal is sent if the child dies before it executes. */
TEST(exit_signal_sigusr2)
{
	struct timespec ts = { .tv_sec = 10 };
	siginfo_t info;
	sigset_t set;
	int pidfd;
	pid_t pid;

	if (!have_pidfd_spawn(_metadata))
		return;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));

	pid = clone_empty_flags(0, SIGUSR2, &pidfd);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, cfg_abort(pidfd));
	EXPECT_EQ(SIGUSR2, sigtimedwait(&set, NULL, &ts));
	ASSERT_EQ(0, wait_pidfd(pidfd, &info));
	EXPECT_TRUE(killed_by(&info, SIGKILL));
	close(pidfd);
}

static int ns_inode(const char *pid, const char *ns, ino_t *ino)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, ns);
	if (stat(path, &st))
		return -errno;
	*ino = st.st_ino;
	return 0;
}

FIXTURE(namespaces) {
	struct spawn s;
};

FIXTURE_VARIANT(namespaces) {
	__u64 flag;
	const char *ns;
	bool needs_root;
};

FIXTURE_VARIANT_ADD(namespaces, newuts) {
	.flag = CLONE_NEWUTS, .ns = "uts", .needs_root = true,
};

FIXTURE_VARIANT_ADD(namespaces, newipc) {
	.flag = CLONE_NEWIPC, .ns = "ipc", .needs_root = true,
};

FIXTURE_VARIANT_ADD(namespaces, newns) {
	.flag = CLONE_NEWNS, .ns = "mnt", .needs_root = true,
};

FIXTURE_VARIANT_ADD(namespaces, newpid) {
	.flag = CLONE_NEWPID, .ns = "pid", .needs_root = true,
};

FIXTURE_VARIANT_ADD(namespaces, newnet) {
	.flag = CLONE_NEWNET, .ns = "net", .needs_root = true,
};

FIXTURE_VARIANT_ADD(namespaces, newcgroup) {
	.flag = CLONE_NEWCGROUP, .ns = "cgroup", .needs_root = true,
};

FIXTURE_VARIANT_ADD(namespaces, newuser) {
	.flag = CLONE_NEWUSER, .ns = "user",
};

FIXTURE_SETUP(namespaces)
{
	char path[64];
	int ret;

	self->s.pidfd = -1;
	self->s.out = -1;
	self->s.reaped = true;
	if (!have_pidfd_spawn(_metadata))
		return;
	if (variant->needs_root && geteuid())
		SKIP(return, "creating a %s namespace needs root", variant->ns);
	snprintf(path, sizeof(path), "/proc/self/ns/%s", variant->ns);
	if (access(path, F_OK))
		SKIP(return, "no %s namespaces", variant->ns);

	ret = spawn_init_flags(&self->s, variant->flag, SIGCHLD);
	if (variant->flag == CLONE_NEWUSER &&
	    (ret == -EPERM || ret == -ENOSPC || ret == -EUSERS))
		SKIP(return, "user namespaces unavailable: %s",
		     strerror(-ret));
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(namespaces)
{
	spawn_fini(&self->s);
}

/* The parked child is in a new namespace, and so is the program. */
TEST_F(namespaces, new_namespace)
{
	struct spawn *s = &self->s;
	char pid[16], key[32], mine[128];
	ino_t self_ino = 0, child_ino = 0;
	ssize_t len;

	snprintf(pid, sizeof(pid), "%d", s->pid);
	ASSERT_EQ(0, ns_inode("self", variant->ns, &self_ino));
	ASSERT_EQ(0, ns_inode(pid, variant->ns, &child_ino));
	EXPECT_NE(self_ino, child_ino);

	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));

	snprintf(key, sizeof(key), "/proc/self/ns/%s", variant->ns);
	len = readlink(key, mine, sizeof(mine) - 1);
	ASSERT_GT(len, 0);
	mine[len] = '\0';
	snprintf(key, sizeof(key), "ns.%s", variant->ns);
	EXPECT_STRNE(mine, spawn_get(s, key));
	EXPECT_STRNE("<missing>", spawn_get(s, key));

	/* The pid as the program sees it. */
	EXPECT_EQ(variant->flag == CLONE_NEWPID ? 1 : s->pid,
		  spawn_get_long(s, "pid"));
	/* No mapping in the new user namespace: the overflow uid. */
	if (variant->flag == CLONE_NEWUSER)
		EXPECT_NE((long)geteuid(), spawn_get_long(s, "euid"));
}

/* CLONE_INTO_CGROUP: the parked child and the program are in the cgroup. */
TEST(into_cgroup)
{
	char mnt[PATH_MAX], cg[PATH_MAX + 64], buf[4096], name[64], *line;
	char procs[PATH_MAX + 80], proc[64];
	struct spawn s;
	bool mounted = false;
	int cgfd, ret, i;
	FILE *f;

	if (!have_pidfd_spawn(_metadata))
		return;
	if (geteuid())
		SKIP(return, "creating a cgroup needs root");

	/* Find cgroup2, or mount it. */
	mnt[0] = '\0';
	f = fopen("/proc/self/mounts", "re");
	ASSERT_NE(NULL, f);
	while (fgets(buf, sizeof(buf), f)) {
		char dev[256], dir[PATH_MAX], type[64];

		if (sscanf(buf, "%255s %4095s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2")) {
			snprintf(mnt, sizeof(mnt), "%s", dir);
			break;
		}
	}
	fclose(f);
	if (!mnt[0]) {
		ASSERT_EQ(0, make_tmpdir(mnt));
		if (mount("none", mnt, "cgroup2", 0, NULL)) {
			ret = errno;
			rmdir(mnt);
			SKIP(return, "cannot mount cgroup2: %s", strerror(ret));
		}
		mounted = true;
	}

	snprintf(name, sizeof(name), "pidfd_spawn_test.%d", getpid());
	snprintf(cg, sizeof(cg), "%s/%s", mnt, name);
	ret = mkdir(cg, 0755);
	if (ret) {
		ret = errno;
		if (mounted) {
			umount(mnt);
			rmdir(mnt);
		}
		SKIP(return, "cannot create a cgroup in %s: %s", mnt,
		     strerror(ret));
	}
	cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(cgfd, 0);

	memset(&s, 0, sizeof(s));
	s.reaped = true;
	{
		struct __clone_args args = {
			.flags = CLONE_EMPTY | CLONE_PIDFD | CLONE_INTO_CGROUP,
			.pidfd = ptr_to_u64(&s.pidfd),
			.exit_signal = SIGCHLD,
			.cgroup = cgfd,
		};
		int pipefd[2];

		ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
		s.pid = sys_clone3(&args, sizeof(args));
		ASSERT_GT(s.pid, 0) {
			TH_LOG("clone3(CLONE_INTO_CGROUP): %s",
			       strerror(errno));
		}
		s.reaped = false;
		s.out = pipefd[0];
		ASSERT_EQ(0, cfg_fd(s.pidfd, "fd:1", pipefd[1]));
		close(pipefd[1]);
	}

	/* The parked child is in the cgroup... */
	snprintf(proc, sizeof(proc), "/proc/%d/cgroup", s.pid);
	ASSERT_GT(read_path(proc, buf, sizeof(buf)), 0);
	line = strstr(buf, "0::");
	ASSERT_NE(NULL, line);
	strtok(line, "\n");
	EXPECT_NE(NULL, strstr(line, name)) {
		TH_LOG("%s", line);
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	ASSERT_GT(read_path(procs, buf, sizeof(buf)), 0);
	EXPECT_EQ(s.pid, atoi(buf));

	/* ... and so is the program it becomes. */
	ASSERT_EQ(0, cfg_string(s.pidfd, "exe", probe_path()));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_NE(NULL, strstr(spawn_get(&s, "cgroup"), name));
	spawn_fini(&s);

	close(cgfd);
	/* Empty now that the child is reaped; allow a moment, though. */
	for (i = 0; i < 100 && rmdir(cg) && errno == EBUSY; i++)
		usleep(10000);
	EXPECT_NE(0, access(cg, F_OK));
	if (mounted) {
		umount(mnt);
		rmdir(mnt);
	}
}

TEST_HARNESS_MAIN
