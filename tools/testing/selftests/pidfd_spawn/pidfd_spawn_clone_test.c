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
#include <grp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

#ifndef CLONE_NEWCGROUP
#define CLONE_NEWCGROUP 0x02000000
#endif
#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
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

FIXTURE_VARIANT_ADD(rejected, clone_sysvsem) {
	.flags = CLONE_SYSVSEM,
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

static int ns_link(const char *ns, char *buf, size_t size)
{
	char path[64];
	ssize_t len;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", ns);
	len = readlink(path, buf, size - 1);
	if (len < 0)
		return -errno;
	buf[len] = '\0';
	return 0;
}

#define NS_UNPRIV_ID 12345	/* not the overflow uid, not root */

/*
 * Become an unprivileged user (only if root: otherwise the test already
 * is one) that may create namespaces inside a user namespace of its own.
 * Staying dumpable keeps /proc/self writable, as it is for a login.
 */
static int become_unprivileged(void)
{
	if (geteuid())
		return 0;
	if (setgroups(0, NULL) ||
	    setresgid(NS_UNPRIV_ID, NS_UNPRIV_ID, NS_UNPRIV_ID) ||
	    setresuid(NS_UNPRIV_ID, NS_UNPRIV_ID, NS_UNPRIV_ID) ||
	    prctl(PR_SET_DUMPABLE, 1))
		return -errno;
	return 0;
}

static const char * const ns_names[] = {
	"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts",
};

#define NS_ALL (CLONE_NEWCGROUP | CLONE_NEWIPC | CLONE_NEWNS | \
		CLONE_NEWNET | CLONE_NEWPID | CLONE_NEWTIME | \
		CLONE_NEWUSER | CLONE_NEWUTS)

static __u64 ns_flag(const char *ns)
{
	static const __u64 flags[] = {
		CLONE_NEWCGROUP, CLONE_NEWIPC, CLONE_NEWNS, CLONE_NEWNET,
		CLONE_NEWPID, CLONE_NEWTIME, CLONE_NEWUSER, CLONE_NEWUTS,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ns_names); i++)
		if (!strcmp(ns, ns_names[i]))
			return flags[i];
	return 0;
}

/*
 * Each CLONE_NEW* flag, and all of them at once, as root and as an
 * unprivileged user with a user namespace of its own: in the clone3()
 * flags (@clone), or unshared by the caller just before (@unshare), which
 * for pid and time namespaces leaves the caller's "for children" namespace
 * different from its own.  A task without an mm meets each namespace's
 * fork path (the time namespace's moved the vdso of the mm it does not
 * have).
 */
FIXTURE(namespaces) {
	struct spawn s;
	char before[ARRAY_SIZE(ns_names)][128];
};

FIXTURE_VARIANT(namespaces) {
	__u64 clone;
	__u64 unshare;
	bool unprivileged;
};

FIXTURE_VARIANT_ADD(namespaces, newuts) {
	.clone = CLONE_NEWUTS,
};

FIXTURE_VARIANT_ADD(namespaces, newuts_unprivileged) {
	.clone = CLONE_NEWUSER | CLONE_NEWUTS, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newuts_unshared_unprivileged) {
	.unshare = CLONE_NEWUSER | CLONE_NEWUTS, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newipc) {
	.clone = CLONE_NEWIPC,
};

FIXTURE_VARIANT_ADD(namespaces, newipc_unprivileged) {
	.clone = CLONE_NEWUSER | CLONE_NEWIPC, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newipc_unshared_unprivileged) {
	.unshare = CLONE_NEWUSER | CLONE_NEWIPC, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newns) {
	.clone = CLONE_NEWNS,
};

FIXTURE_VARIANT_ADD(namespaces, newns_unprivileged) {
	.clone = CLONE_NEWUSER | CLONE_NEWNS, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newns_unshared_unprivileged) {
	.unshare = CLONE_NEWUSER | CLONE_NEWNS, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newpid) {
	.clone = CLONE_NEWPID,
};

FIXTURE_VARIANT_ADD(namespaces, newpid_unprivileged) {
	.clone = CLONE_NEWUSER | CLONE_NEWPID, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newpid_unshared_unprivileged) {
	.unshare = CLONE_NEWUSER | CLONE_NEWPID, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newnet) {
	.clone = CLONE_NEWNET,
};

FIXTURE_VARIANT_ADD(namespaces, newnet_unprivileged) {
	.clone = CLONE_NEWUSER | CLONE_NEWNET, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newnet_unshared_unprivileged) {
	.unshare = CLONE_NEWUSER | CLONE_NEWNET, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newcgroup) {
	.clone = CLONE_NEWCGROUP,
};

FIXTURE_VARIANT_ADD(namespaces, newcgroup_unprivileged) {
	.clone = CLONE_NEWUSER | CLONE_NEWCGROUP, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newcgroup_unshared_unprivileged) {
	.unshare = CLONE_NEWUSER | CLONE_NEWCGROUP, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newtime) {
	.clone = CLONE_NEWTIME,
};

FIXTURE_VARIANT_ADD(namespaces, newtime_unprivileged) {
	.clone = CLONE_NEWUSER | CLONE_NEWTIME, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newtime_unshared_unprivileged) {
	.unshare = CLONE_NEWUSER | CLONE_NEWTIME, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, all) {
	.clone = NS_ALL,
};

FIXTURE_VARIANT_ADD(namespaces, all_unprivileged) {
	.clone = CLONE_NEWUSER | NS_ALL, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, all_unshared_unprivileged) {
	.unshare = CLONE_NEWUSER | NS_ALL, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newuser) {
	.clone = CLONE_NEWUSER,
};

FIXTURE_VARIANT_ADD(namespaces, newuser_unprivileged) {
	.clone = CLONE_NEWUSER, .unprivileged = true,
};

FIXTURE_VARIANT_ADD(namespaces, newuser_unshared_unprivileged) {
	.unshare = CLONE_NEWUSER, .unprivileged = true,
};

FIXTURE_SETUP(namespaces)
{
	__u64 all = variant->clone | variant->unshare;
	char path[64];
	size_t i;
	int ret;

	self->s.pidfd = -1;
	self->s.out = -1;
	self->s.reaped = true;
	if (!have_pidfd_spawn(_metadata))
		return;
	for (i = 0; i < ARRAY_SIZE(ns_names); i++) {
		if (!(all & ns_flag(ns_names[i])))
			continue;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", ns_names[i]);
		if (access(path, F_OK))
			SKIP(return, "no %s namespaces", ns_names[i]);
		ASSERT_EQ(0, ns_link(ns_names[i], self->before[i],
				     sizeof(self->before[i])));
	}
	if (!variant->unprivileged && geteuid())
		SKIP(return, "creating namespaces without a user namespace needs root");
	if (variant->unprivileged)
		ASSERT_EQ(0, become_unprivileged());

	if (variant->unshare && unshare(variant->unshare)) {
		ret = -errno;
		if (ret == -EPERM || ret == -ENOSPC || ret == -EUSERS)
			SKIP(return, "user namespaces unavailable: %s",
			     strerror(-ret));
		ASSERT_EQ(0, ret);
	}

	ret = spawn_init_flags(&self->s, variant->clone, SIGCHLD);
	if ((variant->clone & CLONE_NEWUSER) &&
	    (ret == -EPERM || ret == -ENOSPC || ret == -EUSERS))
		SKIP(return, "user namespaces unavailable: %s",
		     strerror(-ret));
	ASSERT_EQ(0, ret);
}

FIXTURE_TEARDOWN(namespaces)
{
	spawn_fini(&self->s);
}

/* The parked child is in the new namespaces, and so is the program. */
TEST_F(namespaces, new_namespace)
{
	__u64 all = variant->clone | variant->unshare;
	struct spawn *s = &self->s;
	char pid[16], key[32], *p;
	ino_t child_ino;
	size_t i;

	snprintf(pid, sizeof(pid), "%d", s->pid);
	for (i = 0; i < ARRAY_SIZE(ns_names); i++) {
		if (!(all & ns_flag(ns_names[i])))
			continue;
		ASSERT_EQ(0, ns_inode(pid, ns_names[i], &child_ino));
		/* "NAME:[INODE]", read before anything was unshared */
		p = strchr(self->before[i], '[');
		ASSERT_NE(NULL, p);
		EXPECT_NE(strtoul(p + 1, NULL, 10), (unsigned long)child_ino) {
			TH_LOG("%s: the parked child is in the caller's",
			       ns_names[i]);
		}
	}

	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));

	for (i = 0; i < ARRAY_SIZE(ns_names); i++) {
		if (!(all & ns_flag(ns_names[i])))
			continue;
		snprintf(key, sizeof(key), "ns.%s", ns_names[i]);
		EXPECT_STRNE("<missing>", spawn_get(s, key));
		EXPECT_STRNE(self->before[i], spawn_get(s, key)) {
			TH_LOG("%s: the program is in the caller's",
			       ns_names[i]);
		}
	}

	/* The pid as the program sees it. */
	EXPECT_EQ(all & CLONE_NEWPID ? 1 : s->pid, spawn_get_long(s, "pid"));
	/* No mapping in the new user namespace: the overflow uid. */
	if (all & CLONE_NEWUSER)
		EXPECT_EQ(65534, spawn_get_long(s, "euid"));
}

static int write_proc(pid_t pid, const char *file, const char *text)
{
	char path[64];
	ssize_t len = strlen(text);
	int fd, ret = 0;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * The container set-up of an unprivileged user, on a parked child as on a
 * forked one: clone into new user, mount and pid namespaces, write the
 * child's maps (its /proc files are its creator's, though it has no mm),
 * then run the program as root of its user namespace, pid 1 of its own.
 */
TEST(unprivileged_container)
{
	char map[64];
	struct spawn s;
	uid_t uid;
	gid_t gid;
	int ret;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, become_unprivileged());
	uid = geteuid();
	gid = getegid();
	ret = spawn_init_flags(&s, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID,
			       SIGCHLD);
	if (ret == -EPERM || ret == -ENOSPC || ret == -EUSERS)
		SKIP(return, "user namespaces unavailable: %s", strerror(-ret));
	ASSERT_EQ(0, ret);

	snprintf(map, sizeof(map), "0 %u 1\n", uid);
	EXPECT_EQ(0, write_proc(s.pid, "uid_map", map));
	EXPECT_EQ(0, write_proc(s.pid, "setgroups", "deny"));
	snprintf(map, sizeof(map), "0 %u 1\n", gid);
	EXPECT_EQ(0, write_proc(s.pid, "gid_map", map));
	EXPECT_EQ(0, write_proc(s.pid, "oom_score_adj", "500"));

	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, spawn_run(&s));
	ASSERT_TRUE(spawn_exited_ok(&s));
	EXPECT_EQ(0, spawn_get_long(&s, "euid"));
	EXPECT_EQ(0, spawn_get_long(&s, "egid"));
	EXPECT_EQ(1, spawn_get_long(&s, "pid"));
	spawn_fini(&s);
}

/*
 * Clock offsets of a time namespace reach the program, through the vdso
 * and the system call alike: the vvar page of the namespace comes with the
 * mm of the exec, though the parked child had none to move it in.
 */
TEST(time_namespace_offsets)
{
	const long offset = 10 * 24 * 3600;
	struct timespec now;
	struct spawn s;
	char buf[64];
	long vdso, sys;
	int fd, ret;

	if (!have_pidfd_spawn(_metadata))
		return;
	if (access("/proc/self/ns/time", F_OK))
		SKIP(return, "no time namespaces");
	ASSERT_EQ(0, become_unprivileged());
	if (unshare(CLONE_NEWUSER | CLONE_NEWTIME)) {
		ret = -errno;
		if (ret == -EPERM || ret == -ENOSPC || ret == -EUSERS)
			SKIP(return, "user namespaces unavailable: %s",
			     strerror(-ret));
		ASSERT_EQ(0, ret);
	}
	fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	snprintf(buf, sizeof(buf), "%d %ld 0\n", CLOCK_MONOTONIC, offset);
	ASSERT_EQ((ssize_t)strlen(buf), write(fd, buf, strlen(buf)));
	close(fd);

	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, clock_gettime(CLOCK_MONOTONIC, &now));
	ASSERT_EQ(0, spawn_run(&s));
	ASSERT_TRUE(spawn_exited_ok(&s));

	vdso = spawn_get_long(&s, "monotonic");
	sys = spawn_get_long(&s, "monotonic_sys");
	/* Not a bound on speed: the offset dwarfs any run time. */
	EXPECT_GE(vdso, now.tv_sec + offset);
	EXPECT_LT(vdso, now.tv_sec + offset + offset / 2);
	EXPECT_GE(sys, now.tv_sec + offset);
	EXPECT_LT(sys, now.tv_sec + offset + offset / 2);
	spawn_fini(&s);
}

/*
 * Find the cgroup2 mount into @mnt (PATH_MAX bytes), or mount one on a new
 * directory (*@mounted is then true).  0 or -errno.
 */
static int cgroup2_mount(char *mnt, bool *mounted)
{
	char buf[4096], dev[256], dir[PATH_MAX], type[64];
	FILE *f;
	int ret;

	*mounted = false;
	f = fopen("/proc/self/mounts", "re");
	if (!f)
		return -errno;
	while (fgets(buf, sizeof(buf), f)) {
		if (sscanf(buf, "%255s %4095s %63s", dev, dir, type) == 3 &&
		    !strcmp(type, "cgroup2")) {
			snprintf(mnt, PATH_MAX, "%s", dir);
			fclose(f);
			return 0;
		}
	}
	fclose(f);
	ret = make_tmpdir(mnt);
	if (ret)
		return ret;
	if (mount("none", mnt, "cgroup2", 0, NULL)) {
		ret = -errno;
		rmdir(mnt);
		return ret;
	}
	*mounted = true;
	return 0;
}

/* The value of @key in the flat-keyed file @path, or -1. */
static long long cgroup_stat(const char *path, const char *key)
{
	char buf[8192], *p;
	size_t klen = strlen(key);

	if (read_path(path, buf, sizeof(buf)) <= 0)
		return -1;
	for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 10);
	}
	return -1;
}

/* CLONE_INTO_CGROUP: the parked child and the program are in the cgroup. */
TEST(into_cgroup)
{
	char mnt[PATH_MAX], cg[PATH_MAX + 64], buf[4096], name[64], *line;
	char procs[PATH_MAX + 80], proc[64];
	struct spawn s;
	bool mounted;
	int cgfd, ret, i;

	if (!have_pidfd_spawn(_metadata))
		return;
	if (geteuid())
		SKIP(return, "creating a cgroup needs root");

	ret = cgroup2_mount(mnt, &mounted);
	if (ret)
		SKIP(return, "cannot mount cgroup2: %s", strerror(-ret));

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

/* spawn_init(), with CLONE_INTO_CGROUP: exe left unset.  0 or -errno. */
static int spawn_into_cgroup(struct spawn *s, int cgfd)
{
	struct __clone_args args = {
		.flags = CLONE_EMPTY | CLONE_PIDFD | CLONE_INTO_CGROUP,
		.pidfd = ptr_to_u64(&s->pidfd),
		.exit_signal = SIGCHLD,
		.cgroup = cgfd,
	};
	int pipefd[2], ret;

	memset(s, 0, sizeof(*s));
	s->reaped = true;
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	s->pid = sys_clone3(&args, sizeof(args));
	if (s->pid < 0) {
		ret = -errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return ret;
	}
	s->reaped = false;
	s->out = pipefd[0];
	ret = cfg_fd(s->pidfd, "fd:1", pipefd[1]);
	close(pipefd[1]);
	return ret;
}

/*
 * The kernel memory of a program spawned into a memory cgroup is charged
 * to it: the child had no mm when its first accounted allocation dropped
 * the objcg update of its new cgroup, and the mm of its exec must not
 * leave it charging nowhere (its page tables, here) for its whole life.
 */
TEST(memcg_charges_program)
{
	char mnt[PATH_MAX], cg[PATH_MAX + 64], ctl[PATH_MAX + 80];
	char stat[PATH_MAX + 80];
	static const char * const argv[] = { PROBE_NAME, "--pause", NULL };
	long long pagetables = -1;
	struct spawn s;
	bool mounted;
	int cgfd, ret, i, fd;

	if (!have_pidfd_spawn(_metadata))
		return;
	if (geteuid())
		SKIP(return, "creating a cgroup needs root");
	ret = cgroup2_mount(mnt, &mounted);
	if (ret)
		SKIP(return, "cannot mount cgroup2: %s", strerror(-ret));
	snprintf(ctl, sizeof(ctl), "%s/cgroup.subtree_control", mnt);
	fd = open(ctl, O_WRONLY | O_CLOEXEC);
	ret = fd >= 0 && write(fd, "+memory", 7) == 7;
	if (fd >= 0)
		close(fd);
	if (!ret)
		SKIP(return, "no memory controller to enable");
	snprintf(cg, sizeof(cg), "%s/pidfd_spawn_memcg.%d", mnt, getpid());
	ASSERT_EQ(0, mkdir(cg, 0755));
	cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(cgfd, 0);
	ASSERT_EQ(0, spawn_into_cgroup(&s, cgfd));
	ASSERT_EQ(0, cfg_string(s.pidfd, "exe", probe_path()));
	ASSERT_EQ(0, cfg_strings(s.pidfd, "argv", argv));
	ASSERT_EQ(0, cfg_exec(s.pidfd));
	ASSERT_EQ(0, spawn_read_report(&s));

	/*
	 * memory.stat is flushed every 2 s (FLUSH_TIME): ten periods, so the
	 * bound is for a broken kernel, within the harness's 30 s.
	 */
	snprintf(stat, sizeof(stat), "%s/memory.stat", cg);
	for (i = 0; i < 200; i++) {
		pagetables = cgroup_stat(stat, "pagetables");
		if (pagetables > 0)
			break;
		usleep(100000);
	}
	EXPECT_GT(pagetables, 0) {
		TH_LOG("the program's page tables are not charged to %s", cg);
	}

	ASSERT_EQ(0, sys_pidfd_send_signal(s.pidfd, SIGKILL, NULL, 0));
	ASSERT_EQ(0, spawn_reap(&s));
	close(s.pidfd);
	close(s.out);
	free(s.buf);
	close(cgfd);
	EXPECT_EQ(0, rmdir(cg));
	if (mounted) {
		umount(mnt);
		rmdir(mnt);
	}
}

#ifndef PR_SET_MDWE
#define PR_SET_MDWE 65
#endif
#ifndef PR_MDWE_REFUSE_EXEC_GAIN
#define PR_MDWE_REFUSE_EXEC_GAIN 1UL
#endif
#ifndef PR_MDWE_NO_INHERIT
#define PR_MDWE_NO_INHERIT 2UL
#endif
#ifndef PR_SET_MEMORY_MERGE
#define PR_SET_MEMORY_MERGE 67
#endif

/* Run the probe; its coredump_filter is checked against the caller's. */
static void spawn_probe_mm(struct __test_metadata *_metadata,
			   struct spawn *s)
{
	char filter[64];

	ASSERT_LT(0, read_path("/proc/self/coredump_filter", filter,
			       sizeof(filter)));
	filter[strcspn(filter, "\n")] = '\0';
	ASSERT_EQ(0, spawn_init(s));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(filter, spawn_get(s, "coredump_filter"));
}

/*
 * The mm flags that fork() copies and execve() keeps (mmf_init_flags()) reach
 * the program, though the exec of an empty process has no mm to copy from.
 */
TEST(mm_flags_default)
{
	struct spawn s;

	if (!have_pidfd_spawn(_metadata))
		return;
	spawn_probe_mm(_metadata, &s);
	EXPECT_EQ(0, spawn_get_long(&s, "mdwe"));
	EXPECT_EQ(0, spawn_get_long(&s, "thp_disable"));
	EXPECT_EQ(0, spawn_get_long(&s, "memory_merge"));
	EXPECT_STREQ("ok", spawn_get(&s, "wx_mmap"));
	spawn_fini(&s);
}

TEST(mm_flags_inherited)
{
	const char *filter = "0x7b\n";
	struct spawn s;
	char buf[32];
	int fd;

	if (!have_pidfd_spawn(_metadata))
		return;
	fd = open("/proc/self/coredump_filter", O_WRONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ((ssize_t)strlen(filter), write(fd, filter, strlen(filter)));
	close(fd);
	ASSERT_EQ(0, prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0));
	ASSERT_EQ(0, prctl(PR_SET_MEMORY_MERGE, 1, 0, 0, 0));
	ASSERT_EQ(0, prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN, 0, 0, 0));

	spawn_probe_mm(_metadata, &s);
	EXPECT_STREQ("0000007b", spawn_get(&s, "coredump_filter"));
	/* PR_MDWE_REFUSE_EXEC_GAIN */
	EXPECT_EQ(1, spawn_get_long(&s, "mdwe"));
	EXPECT_EQ(1, spawn_get_long(&s, "thp_disable"));
	EXPECT_EQ(1, spawn_get_long(&s, "memory_merge"));
	snprintf(buf, sizeof(buf), "!%d", EACCES);
	EXPECT_STREQ(buf, spawn_get(&s, "wx_mmap"));
	spawn_fini(&s);
}

/* PR_MDWE_NO_INHERIT: the program is free of it, as after fork(). */
TEST(mm_flags_mdwe_no_inherit)
{
	struct spawn s;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, prctl(PR_SET_MDWE, PR_MDWE_REFUSE_EXEC_GAIN |
			   PR_MDWE_NO_INHERIT, 0, 0, 0));
	spawn_probe_mm(_metadata, &s);
	EXPECT_EQ(0, spawn_get_long(&s, "mdwe"));
	EXPECT_STREQ("ok", spawn_get(&s, "wx_mmap"));
	spawn_fini(&s);
}

#if defined(__x86_64__) || defined(__i386__)
/* I/O port permissions survive fork() and execve(): here too. */
FIXTURE(io_ports) {
	struct spawn s;
};

FIXTURE_VARIANT(io_ports) {
	int how;		/* 0: none, 1: ioperm(), 3: iopl(3) */
	int status;		/* how the probe ends: exit 0, or this signal */
};

FIXTURE_VARIANT_ADD(io_ports, none) {
	.how = 0,
	.status = SIGSEGV,
};

FIXTURE_VARIANT_ADD(io_ports, ioperm) {
	.how = 1,
	.status = 0,
};

FIXTURE_VARIANT_ADD(io_ports, iopl) {
	.how = 3,
	.status = 0,
};

FIXTURE_SETUP(io_ports)
{
	self->s.pidfd = -1;
	self->s.reaped = true;
}

FIXTURE_TEARDOWN(io_ports)
{
	spawn_fini(&self->s);
}

TEST_F(io_ports, program_inherits)
{
	static const char * const argv[] = {
		PROBE_NAME, "--inb", "0x80", NULL
	};

	if (!have_pidfd_spawn(_metadata))
		return;
	if (variant->how == 1)
		ASSERT_EQ(0, syscall(SYS_ioperm, 0x80, 1, 1));
	if (variant->how == 3)
		ASSERT_EQ(0, syscall(SYS_iopl, 3));

	ASSERT_EQ(0, spawn_init(&self->s));
	ASSERT_EQ(0, cfg_strings(self->s.pidfd, "argv", argv));
	ASSERT_EQ(0, spawn_run(&self->s));
	EXPECT_TRUE(variant->status ? killed_by(&self->s.info, variant->status)
				    : spawn_exited_ok(&self->s));
}
#endif

TEST_HARNESS_MAIN
