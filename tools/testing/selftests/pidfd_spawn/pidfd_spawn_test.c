// SPDX-License-Identifier: GPL-2.0
/*
 * pidfd_config() keys, each observed from inside the executed program.
 *
 * Every test creates an empty child (clone3(CLONE_EMPTY)), configures it,
 * commits, and checks the report the probe program writes on its fd 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

#define BOGUS_EXE "/nonexistent/pidfd_spawn/probe"

static const char *key_n(const char *fmt, int n)
{
	static char key[4][64];
	static int i;

	i = (i + 1) % 4;
	snprintf(key[i], sizeof(key[i]), fmt, n);
	return key[i];
}

FIXTURE(spawn) {
	struct spawn s;
	char tmpdir[PATH_MAX];
};

FIXTURE_SETUP(spawn)
{
	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, spawn_init(&self->s));
}

FIXTURE_TEARDOWN(spawn)
{
	spawn_fini(&self->s);
	if (self->tmpdir[0])
		rm_rf(self->tmpdir);
}

/* Nothing configured but exe and fd:1: the child inherits the basics. */
TEST_F(spawn, defaults)
{
	struct spawn *s = &self->s;
	char cwd[PATH_MAX];
	mode_t mask;
	int nnp;

	mask = umask(0);
	umask(mask);
	ASSERT_NE(NULL, getcwd(cwd, sizeof(cwd)));
	ASSERT_EQ(0, setenv("PIDFD_SPAWN_SHOULD_NOT_LEAK", "1", 1));
	nnp = prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));

	EXPECT_EQ(s->pid, spawn_get_long(s, "pid"));
	EXPECT_EQ(getpid(), spawn_get_long(s, "ppid"));
	EXPECT_EQ(getsid(0), spawn_get_long(s, "sid"));
	EXPECT_EQ(getpgid(0), spawn_get_long(s, "pgid"));
	EXPECT_EQ((long)geteuid(), spawn_get_long(s, "euid"));
	EXPECT_EQ((long)getuid(), spawn_get_long(s, "ruid"));
	EXPECT_EQ((long)getegid(), spawn_get_long(s, "egid"));
	EXPECT_EQ(nnp, spawn_get_long(s, "nnp"));
	EXPECT_EQ(0, spawn_get_long(s, "pdeathsig"));
	EXPECT_EQ((long)mask, strtol(spawn_get(s, "umask"), NULL, 8));
	EXPECT_STREQ(cwd, spawn_get(s, "cwd"));
	/* envp starts empty, the fd table holds only what was installed. */
	EXPECT_EQ(0, spawn_get_long(s, "envc"));
	EXPECT_STREQ("1", spawn_get(s, "fds"));
	EXPECT_EQ(0, spawn_get_long(s, "fd.1.cloexec"));
	EXPECT_EQ(0ULL, mask_val(spawn_get(s, "sigblk")));
	EXPECT_EQ(0ULL, mask_val(spawn_get(s, "sigign")));
}

TEST_F(spawn, exe_string)
{
	struct spawn *s = &self->s;
	char real[PATH_MAX];

	ASSERT_NE(NULL, realpath(probe_path(), real));
	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", BOGUS_EXE));
	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", probe_path()));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", "probe"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(real, spawn_get(s, "exe"));
	EXPECT_STREQ("probe", spawn_get(s, "argv.0"));
}

/* A relative exe is resolved in the child, after its cwd actions. */
TEST_F(spawn, exe_string_relative_to_child_cwd)
{
	struct spawn *s = &self->s;
	char real[PATH_MAX];

	ASSERT_NE(NULL, realpath(probe_path(), real));
	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", PROBE_NAME));
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", probe_dir(), AT_FDCWD));
	/* The caller's cwd must not matter. */
	ASSERT_EQ(0, chdir("/"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(real, spawn_get(s, "exe"));
}

TEST_F(spawn, exe_path_at_fdcwd)
{
	struct spawn *s = &self->s;
	char real[PATH_MAX];

	ASSERT_NE(NULL, realpath(probe_path(), real));
	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", BOGUS_EXE));
	ASSERT_EQ(0, cfg_path(s->pidfd, "exe", probe_path(), AT_FDCWD));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(real, spawn_get(s, "exe"));
}

/* SET_PATH with AT_FDCWD and a relative path: the child's cwd, too. */
TEST_F(spawn, exe_path_at_fdcwd_relative)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_path(s->pidfd, "exe", PROBE_NAME, AT_FDCWD));
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", probe_dir(), AT_FDCWD));
	ASSERT_EQ(0, chdir("/"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
}

TEST_F(spawn, exe_path_dirfd)
{
	struct spawn *s = &self->s;
	int dirfd;

	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", BOGUS_EXE));
	dirfd = open(probe_dir(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dirfd, 0);
	ASSERT_EQ(0, cfg_path(s->pidfd, "exe", PROBE_NAME, dirfd));
	/* The directory is referenced at the call. */
	ASSERT_EQ(0, close(dirfd));
	ASSERT_EQ(0, chdir("/"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
}

TEST_F(spawn, exe_path_empty)
{
	struct spawn *s = &self->s;
	char real[PATH_MAX];
	int fd;

	ASSERT_NE(NULL, realpath(probe_path(), real));
	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", BOGUS_EXE));
	fd = open(probe_path(), O_PATH | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, cfg_path_empty(s->pidfd, "exe", "", fd));
	ASSERT_EQ(0, close(fd));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(real, spawn_get(s, "exe"));
	/* The file used for the exec is not left open in the new program. */
	EXPECT_STREQ("1", spawn_get(s, "fds"));
}

/* SET_PATH_EMPTY with a non-empty path behaves as SET_PATH. */
TEST_F(spawn, exe_path_empty_with_path)
{
	struct spawn *s = &self->s;
	int dirfd;

	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", BOGUS_EXE));
	dirfd = open(probe_dir(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dirfd, 0);
	ASSERT_EQ(0, cfg_path_empty(s->pidfd, "exe", PROBE_NAME, dirfd));
	ASSERT_EQ(0, close(dirfd));
	ASSERT_EQ(0, chdir("/"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
}

TEST_F(spawn, exe_fd)
{
	struct spawn *s = &self->s;
	char real[PATH_MAX];
	int fd;

	ASSERT_NE(NULL, realpath(probe_path(), real));
	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", BOGUS_EXE));
	fd = open(probe_path(), O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, cfg_fd(s->pidfd, "exe", fd));
	ASSERT_EQ(0, close(fd));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(real, spawn_get(s, "exe"));
	EXPECT_STREQ("1", spawn_get(s, "fds"));
}

/* The last exe setting wins, whatever the command. */
TEST_F(spawn, exe_last_wins)
{
	struct spawn *s = &self->s;
	int fd;

	fd = open(probe_path(), O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, cfg_fd(s->pidfd, "exe", fd));
	ASSERT_EQ(0, close(fd));
	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", BOGUS_EXE));

	EXPECT_EQ(-ENOENT, cfg_exec(s->pidfd));
}

TEST_F(spawn, argv_append)
{
	static const char * const args[] = {
		"probe", "one", "two words", "", "last", NULL,
	};
	struct spawn *s = &self->s;
	int i;

	ASSERT_EQ(0, cfg_strings(s->pidfd, "argv", args));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	ASSERT_EQ(5, spawn_get_long(s, "argc"));
	for (i = 0; args[i]; i++)
		EXPECT_STREQ(args[i], spawn_get(s, key_n("argv.%d", i)));
}

/* SET_BINARY replaces the whole vector; SET_STRING appends after it. */
TEST_F(spawn, argv_binary)
{
	static const char block[] = "probe\0x\0\0y z";	/* + final NUL */
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", "old0"));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", "old1"));
	ASSERT_EQ(0, cfg_binary(s->pidfd, "argv", block, sizeof(block)));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", "appended"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	ASSERT_EQ(5, spawn_get_long(s, "argc"));
	EXPECT_STREQ("probe", spawn_get(s, "argv.0"));
	EXPECT_STREQ("x", spawn_get(s, "argv.1"));
	EXPECT_STREQ("", spawn_get(s, "argv.2"));
	EXPECT_STREQ("y z", spawn_get(s, "argv.3"));
	EXPECT_STREQ("appended", spawn_get(s, "argv.4"));
}

TEST_F(spawn, argv_flag_clears)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", "a"));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", "b"));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "argv"));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", "c"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(1, spawn_get_long(s, "argc"));
	EXPECT_STREQ("c", spawn_get(s, "argv.0"));
}

/* An empty argv: the kernel's argc == 0 rule gives the program one "". */
TEST_F(spawn, argv_empty_by_flag)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", "a"));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "argv"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(1, spawn_get_long(s, "argc"));
	EXPECT_STREQ("", spawn_get(s, "argv.0"));
}

TEST_F(spawn, argv_empty_by_binary)
{
	static const char block[] = "unused";
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", "a"));
	ASSERT_EQ(0, cfg_binary(s->pidfd, "argv", block, 0));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(1, spawn_get_long(s, "argc"));
	EXPECT_STREQ("", spawn_get(s, "argv.0"));
}

TEST_F(spawn, envp_append)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_string(s->pidfd, "envp", "A=1"));
	ASSERT_EQ(0, cfg_string(s->pidfd, "envp", "B=two words"));
	ASSERT_EQ(0, cfg_string(s->pidfd, "envp", "NOEQUALS"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	ASSERT_EQ(3, spawn_get_long(s, "envc"));
	EXPECT_STREQ("A=1", spawn_get(s, "envp.0"));
	EXPECT_STREQ("B=two words", spawn_get(s, "envp.1"));
	EXPECT_STREQ("NOEQUALS", spawn_get(s, "envp.2"));
}

TEST_F(spawn, envp_binary)
{
	static const char block[] = "X=1\0Y=2";
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_string(s->pidfd, "envp", "OLD=1"));
	ASSERT_EQ(0, cfg_binary(s->pidfd, "envp", block, sizeof(block)));
	ASSERT_EQ(0, cfg_string(s->pidfd, "envp", "Z=3"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	ASSERT_EQ(3, spawn_get_long(s, "envc"));
	EXPECT_STREQ("X=1", spawn_get(s, "envp.0"));
	EXPECT_STREQ("Y=2", spawn_get(s, "envp.1"));
	EXPECT_STREQ("Z=3", spawn_get(s, "envp.2"));
}

TEST_F(spawn, envp_flag_clears)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_string(s->pidfd, "envp", "A=1"));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "envp"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(0, spawn_get_long(s, "envc"));
}

TEST_F(spawn, envp_empty_by_binary)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_string(s->pidfd, "envp", "A=1"));
	ASSERT_EQ(0, cfg_binary(s->pidfd, "envp", "", 0));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(0, spawn_get_long(s, "envc"));
}

/* fd:N SET_FD: the caller's file at N, not close-on-exec. */
TEST_F(spawn, fd_set_fd)
{
	struct spawn *s = &self->s;
	int fd;

	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, cfg_fd(s->pidfd, "fd:5", fd));
	ASSERT_EQ(0, close(fd));
	fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, cfg_fd(s->pidfd, "fd:17", fd));
	ASSERT_EQ(0, close(fd));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("1,5,17", spawn_get(s, "fds"));
	EXPECT_EQ(0, spawn_get_long(s, "fd.5.cloexec"));
	EXPECT_STREQ("/dev/null", spawn_get(s, "fd.5.path"));
	EXPECT_EQ(0, spawn_get_long(s, "fd.17.cloexec"));
	EXPECT_STREQ("/dev/zero", spawn_get(s, "fd.17.path"));
}

/* Fd actions run in order: a later action on the same N replaces it. */
TEST_F(spawn, fd_actions_in_order)
{
	struct spawn *s = &self->s;
	int null, zero;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(zero, 0);

	ASSERT_EQ(0, cfg_fd(s->pidfd, "fd:5", null));
	ASSERT_EQ(0, cfg_fd(s->pidfd, "fd:5", zero));
	ASSERT_EQ(0, cfg_fd(s->pidfd, "fd:6", zero));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "fd:6"));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "fd:7"));	/* not open: fine */
	ASSERT_EQ(0, cfg_open(s->pidfd, 8, "/dev/zero", O_RDONLY, 0));
	ASSERT_EQ(0, cfg_fd(s->pidfd, "fd:8", null));
	EXPECT_EQ(0, close(null));
	EXPECT_EQ(0, close(zero));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("1,5,8", spawn_get(s, "fds"));
	EXPECT_STREQ("/dev/zero", spawn_get(s, "fd.5.path"));
	EXPECT_STREQ("/dev/null", spawn_get(s, "fd.8.path"));
}

/* fd:N SET_BINARY: an open in the child; O_CLOEXEC is honoured. */
TEST_F(spawn, fd_open)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_open(s->pidfd, 4, "/dev/null", O_RDONLY, 0));
	ASSERT_EQ(0, cfg_open(s->pidfd, 6, "/dev/zero",
			      O_RDONLY | O_CLOEXEC, 0));
	ASSERT_EQ(0, cfg_open(s->pidfd, 0, "/dev/zero", O_RDWR, 0));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("0,1,4", spawn_get(s, "fds"));
	EXPECT_STREQ("/dev/null", spawn_get(s, "fd.4.path"));
	EXPECT_EQ(0, spawn_get_long(s, "fd.4.cloexec"));
	EXPECT_STREQ("/dev/zero", spawn_get(s, "fd.0.path"));
}

/* An fd:N struct larger than VER0 is fine when the tail is zero. */
TEST_F(spawn, fd_open_larger_struct)
{
	struct spawn *s = &self->s;
	struct {
		struct pidfd_config_open how;
		__u64 future[3];
	} big = {
		.how.path = ptr_to_u64("/dev/null"),
		.how.flags = O_RDONLY,
	};

	ASSERT_EQ(0, cfg_binary(s->pidfd, "fd:4", &big, sizeof(big)));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/null", spawn_get(s, "fd.4.path"));
}

/*
 * A relative open after a cwd action is relative to the new cwd, with the
 * mode given and the configured umask (applied before the fd actions).
 */
TEST_F(spawn, fd_open_relative_after_cwd)
{
	struct spawn *s = &self->s;
	char path[PATH_MAX + 16];
	struct stat st;

	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	umask(0);

	ASSERT_EQ(0, cfg_int(s->pidfd, "umask", 022));
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", self->tmpdir, AT_FDCWD));
	ASSERT_EQ(0, cfg_open(s->pidfd, 4, "created",
			      O_WRONLY | O_CREAT | O_EXCL, 0666));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));

	snprintf(path, sizeof(path), "%s/created", self->tmpdir);
	EXPECT_STREQ(path, spawn_get(s, "fd.4.path"));
	ASSERT_EQ(0, stat(path, &st));
	EXPECT_EQ(0644U, st.st_mode & 07777);
}

/* cwd actions are ordered among the fd actions. */
TEST_F(spawn, cwd_ordered_among_fd_actions)
{
	struct spawn *s = &self->s;
	char a[PATH_MAX + 8], b[PATH_MAX + 8], path[PATH_MAX + 16];

	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	snprintf(a, sizeof(a), "%s/a", self->tmpdir);
	snprintf(b, sizeof(b), "%s/b", self->tmpdir);
	ASSERT_EQ(0, mkdir(a, 0755));
	ASSERT_EQ(0, mkdir(b, 0755));
	ASSERT_EQ(0, make_file(a, "f", "a", 0644));
	ASSERT_EQ(0, make_file(b, "f", "b", 0644));

	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", a, AT_FDCWD));
	ASSERT_EQ(0, cfg_open(s->pidfd, 4, "f", O_RDONLY, 0));
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", b, AT_FDCWD));
	ASSERT_EQ(0, cfg_open(s->pidfd, 5, "f", O_RDONLY, 0));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	snprintf(path, sizeof(path), "%s/f", a);
	EXPECT_STREQ(path, spawn_get(s, "fd.4.path"));
	snprintf(path, sizeof(path), "%s/f", b);
	EXPECT_STREQ(path, spawn_get(s, "fd.5.path"));
	EXPECT_STREQ(b, spawn_get(s, "cwd"));
}

/* An open placed before the cwd action does not see the new cwd. */
TEST_F(spawn, cwd_after_open_does_not_apply)
{
	struct spawn *s = &self->s;
	char cwd[PATH_MAX];

	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	ASSERT_EQ(0, make_file(self->tmpdir, "only_here", "x", 0644));
	ASSERT_NE(NULL, getcwd(cwd, sizeof(cwd)));
	ASSERT_NE(0, strcmp(cwd, self->tmpdir));

	ASSERT_EQ(0, cfg_open(s->pidfd, 4, "only_here", O_RDONLY, 0));
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", self->tmpdir, AT_FDCWD));

	EXPECT_EQ(-ENOENT, cfg_exec(s->pidfd));
	ASSERT_EQ(0, spawn_reap(s));
	EXPECT_TRUE(killed_by(&s->info, SIGKILL));
}

TEST_F(spawn, cwd_path)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", self->tmpdir, AT_FDCWD));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(self->tmpdir, spawn_get(s, "cwd"));
}

TEST_F(spawn, cwd_path_dirfd)
{
	struct spawn *s = &self->s;
	char sub[PATH_MAX + 8];
	int dirfd;

	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	snprintf(sub, sizeof(sub), "%s/sub", self->tmpdir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	dirfd = open(self->tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dirfd, 0);
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", "sub", dirfd));
	ASSERT_EQ(0, close(dirfd));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(sub, spawn_get(s, "cwd"));
}

/*
 * Commit with cwd @name relative to a dirfd of @dir, and check the child's
 * cwd.  Such a path is walked as openat() walks it: ".." leaves the
 * directory and an absolute symbolic link starts at the root.  A walk
 * rooted at the directory (vfs_path_lookup()) would stay inside it.
 */
static void check_cwd_at(struct __test_metadata *_metadata, struct spawn *s,
			 const char *dir, const char *name, const char *expect)
{
	int dirfd;

	dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dirfd, 0);
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", name, dirfd));
	ASSERT_EQ(0, close(dirfd));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(expect, spawn_get(s, "cwd"));
}

TEST_F(spawn, cwd_path_dirfd_dotdot)
{
	char sub[PATH_MAX + 8];

	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	snprintf(sub, sizeof(sub), "%s/sub", self->tmpdir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	check_cwd_at(_metadata, &self->s, sub, "..", self->tmpdir);
}

TEST_F(spawn, cwd_path_dirfd_absolute_symlink)
{
	char sub[PATH_MAX + 8], link[PATH_MAX + 16];

	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	snprintf(sub, sizeof(sub), "%s/sub", self->tmpdir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	snprintf(link, sizeof(link), "%s/up", sub);
	ASSERT_EQ(0, symlink(self->tmpdir, link));
	check_cwd_at(_metadata, &self->s, sub, "up", self->tmpdir);
}

/* ENOTDIR and ENOENT of a dirfd-relative cwd, at the commit. */
TEST_F(spawn, cwd_path_dirfd_errors)
{
	struct spawn *s = &self->s;
	char file[PATH_MAX + 8];
	int dirfd, fd;

	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	snprintf(file, sizeof(file), "%s/file", self->tmpdir);
	fd = open(file, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", "x", fd));
	EXPECT_EQ(-ENOTDIR, cfg_exec(s->pidfd));
	ASSERT_EQ(0, close(fd));
	spawn_fini(s);

	ASSERT_EQ(0, spawn_init(s));
	dirfd = open(self->tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dirfd, 0);
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", "missing", dirfd));
	ASSERT_EQ(0, close(dirfd));
	EXPECT_EQ(-ENOENT, cfg_exec(s->pidfd));
}

struct cwd_watch {
	pid_t pid;
	const char *forbidden;
	bool stop;		/* __atomic: the main thread sets it */
	unsigned long reads, seen;
};

static void *cwd_watch_fn(void *arg)
{
	struct cwd_watch *w = arg;
	char name[64], buf[PATH_MAX];
	ssize_t n;

	snprintf(name, sizeof(name), "/proc/%d/cwd", w->pid);
	while (!__atomic_load_n(&w->stop, __ATOMIC_RELAXED)) {
		n = readlink(name, buf, sizeof(buf) - 1);
		if (n < 0)
			continue;
		buf[n] = '\0';
		w->reads++;
		if (!strcmp(buf, w->forbidden))
			w->seen++;
	}
	return NULL;
}

/*
 * Resolving a cwd or an exe relative to a dirfd does not make that dirfd
 * the child's working directory meanwhile: a reader of /proc/PID/cwd
 * during the commits never sees it.  The cwd path is long (200 components
 * through "x/.."), so that a lookup done from a switched working directory
 * would stay there long enough to be seen; the exe is a copy of the probe
 * in that same directory, given relative to it.
 */
TEST_F(spawn, cwd_path_dirfd_not_seen_as_cwd)
{
	char sub[PATH_MAX + 8], x[PATH_MAX + 16], path[1024];
	struct cwd_watch w = { 0 };
	pthread_t thread;
	int i, dirfd;

	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	if (noexec_dir(self->tmpdir))
		SKIP(return, "the temporary directory is mounted noexec");
	snprintf(sub, sizeof(sub), "%s/sub", self->tmpdir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	snprintf(x, sizeof(x), "%s/x", sub);
	ASSERT_EQ(0, mkdir(x, 0755));
	snprintf(x, sizeof(x), "%s/" PROBE_NAME, sub);
	ASSERT_EQ(0, copy_file(probe_path(), x, 0755));
	path[0] = '\0';
	for (i = 0; i < 200; i++)
		strcat(path, "x/../");
	strcat(path, "..");
	dirfd = open(sub, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dirfd, 0);
	w.forbidden = sub;

	for (i = 0; i < 20; i++) {
		struct spawn *s = &self->s;

		if (i) {
			spawn_fini(s);
			ASSERT_EQ(0, spawn_init(s));
		}
		ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", path, dirfd));
		ASSERT_EQ(0, cfg_path(s->pidfd, "exe", PROBE_NAME, dirfd));
		w.pid = s->pid;
		__atomic_store_n(&w.stop, false, __ATOMIC_RELAXED);
		ASSERT_EQ(0, pthread_create(&thread, NULL, cwd_watch_fn, &w));
		ASSERT_EQ(0, spawn_run(s));
		__atomic_store_n(&w.stop, true, __ATOMIC_RELAXED);
		ASSERT_EQ(0, pthread_join(thread, NULL));
		ASSERT_TRUE(spawn_exited_ok(s));
		EXPECT_STREQ(self->tmpdir, spawn_get(s, "cwd"));
		EXPECT_STREQ(x, spawn_get(s, "exe"));
	}
	ASSERT_EQ(0, close(dirfd));
	TH_LOG("%lu reads of /proc/PID/cwd", w.reads);
	EXPECT_EQ(0UL, w.seen);
}

TEST_F(spawn, cwd_fd)
{
	struct spawn *s = &self->s;
	int dirfd;

	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	dirfd = open(self->tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dirfd, 0);
	ASSERT_EQ(0, cfg_fd(s->pidfd, "cwd", dirfd));
	ASSERT_EQ(0, close(dirfd));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(self->tmpdir, spawn_get(s, "cwd"));
}

/*
 * inherit_fds: the caller's non-close-on-exec fds at the same numbers,
 * as they are at the call; close-on-exec ones are left out.
 */
TEST_F(spawn, inherit_fds)
{
	struct spawn *s = &self->s;
	char pipe_name[64];
	struct stat st;
	int null, zero;

	ASSERT_EQ(0, fstat(s->out, &st));
	snprintf(pipe_name, sizeof(pipe_name), "pipe:[%llu]",
		 (unsigned long long)st.st_ino);

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(zero, 0);

	ASSERT_EQ(20, dup2(null, 20));			/* inherited */
	ASSERT_EQ(21, dup3(zero, 21, O_CLOEXEC));	/* close-on-exec */
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_fds"));

	/* Changes after the call do not matter. */
	ASSERT_EQ(20, dup2(zero, 20));
	ASSERT_EQ(0, fcntl(21, F_SETFD, 0));
	ASSERT_EQ(22, dup2(null, 22));

	/* The fd actions apply on top: fd:1 set earlier still wins. */
	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));

	EXPECT_STREQ("/dev/null", spawn_get(s, "fd.20.path"));
	EXPECT_EQ(0, spawn_get_long(s, "fd.20.cloexec"));
	EXPECT_STREQ("<missing>", spawn_get(s, "fd.21.path"));
	EXPECT_STREQ("<missing>", spawn_get(s, "fd.22.path"));
	EXPECT_STREQ("<missing>", spawn_get(s, "fd.21.cloexec"));
	EXPECT_STREQ("<missing>", spawn_get(s, "fd.22.cloexec"));
	EXPECT_STREQ(pipe_name, spawn_get(s, "fd.1.path"));

	close(null);
	close(zero);
	close(20);
	close(21);
	close(22);
}

/*
 * inherit_fds past the table a new process starts with, around a word of
 * the bitmaps, and with a close-on-exec fd beyond the last inherited one.
 */
TEST_F(spawn, inherit_fds_high_numbers)
{
	static const int inherited[] = { 63, 64, 127, 128, 300 };
	struct spawn *s = &self->s;
	unsigned int i;
	int null;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	for (i = 0; i < ARRAY_SIZE(inherited); i++)
		ASSERT_EQ(inherited[i], dup2(null, inherited[i]));
	ASSERT_EQ(700, dup3(null, 700, O_CLOEXEC));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_fds"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	for (i = 0; i < ARRAY_SIZE(inherited); i++)
		EXPECT_STREQ("/dev/null",
			     spawn_get(s, key_n("fd.%d.path", inherited[i])));
	EXPECT_STREQ("<missing>", spawn_get(s, "fd.65.path"));
	EXPECT_STREQ("<missing>", spawn_get(s, "fd.700.path"));

	for (i = 0; i < ARRAY_SIZE(inherited); i++)
		close(inherited[i]);
	close(700);
	close(null);
}

/* Without inherit_fds, nothing of the caller's table is inherited. */
TEST_F(spawn, inherit_fds_default_off)
{
	struct spawn *s = &self->s;
	int null;

	null = open("/dev/null", O_RDONLY);
	ASSERT_GE(null, 0);
	ASSERT_EQ(20, dup2(null, 20));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("1", spawn_get(s, "fds"));
	close(null);
	close(20);
}

/* Builders are never inherited, even without close-on-exec. */
TEST_F(spawn, inherit_fds_skips_builders)
{
	struct spawn *s = &self->s;
	int other_pidfd, null;
	pid_t other;

	ASSERT_EQ(0, create_empty_child(&other, &other_pidfd));
	ASSERT_EQ(0, fcntl(other_pidfd, F_SETFD, 0));
	ASSERT_EQ(0, fcntl(s->pidfd, F_SETFD, 0));
	null = open("/dev/null", O_RDONLY);
	ASSERT_GE(null, 0);

	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_fds"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("<missing>", spawn_get(s, key_n("fd.%d.path", s->pidfd)));
	EXPECT_STREQ("<missing>",
		     spawn_get(s, key_n("fd.%d.path", other_pidfd)));
	EXPECT_STREQ("/dev/null", spawn_get(s, key_n("fd.%d.path", null)));

	kill_and_reap(other, other_pidfd);
	close(null);
}

/*
 * A pidfd that is no builder is inherited; a builder after it, at a
 * higher number, is still left out (pidfds are never taken as "plain").
 */
TEST_F(spawn, inherit_fds_skips_builder_after_pidfd)
{
	struct spawn *s = &self->s;
	int plain, other_pidfd;
	pid_t other;

	plain = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(plain, 0);
	ASSERT_EQ(0, fcntl(plain, F_SETFD, 0));
	ASSERT_EQ(0, create_empty_child(&other, &other_pidfd));
	ASSERT_GT(other_pidfd, plain);
	ASSERT_EQ(0, fcntl(other_pidfd, F_SETFD, 0));

	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_fds"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("anon_inode:[pidfd]",
		     spawn_get(s, key_n("fd.%d.path", plain)));
	EXPECT_STREQ("<missing>",
		     spawn_get(s, key_n("fd.%d.path", other_pidfd)));

	kill_and_reap(other, other_pidfd);
	close(plain);
}

/* fd:N SET_FLAG closes an inherited fd. */
TEST_F(spawn, fd_close_inherited)
{
	struct spawn *s = &self->s;
	int null;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	ASSERT_EQ(20, dup2(null, 20));
	ASSERT_EQ(21, dup2(null, 21));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_fds"));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "fd:20"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("<missing>", spawn_get(s, "fd.20.path"));
	EXPECT_STREQ("/dev/null", spawn_get(s, "fd.21.path"));
	close(null);
	close(20);
	close(21);
}

/* Running as root: chroot into a directory holding a copy of the probe. */
enum root_how { ROOT_BY_PATH, ROOT_BY_FD, ROOT_BY_DIRFD };

static void run_root_test(struct __test_metadata *_metadata,
			  struct spawn *s, const char *dir, enum root_how how)
{
	char copy[PATH_MAX + 8], root[64];
	struct stat st;
	int dirfd;

	if (geteuid())
		SKIP(return, "chroot needs root");
	if (!access("/" PROBE_NAME, F_OK))
		SKIP(return, "/" PROBE_NAME " exists on the real root");
	if (noexec_dir(dir))
		SKIP(return, "/tmp is mounted noexec");

	snprintf(copy, sizeof(copy), "%s/" PROBE_NAME, dir);
	ASSERT_EQ(0, copy_file(probe_path(), copy, 0755));
	ASSERT_EQ(0, stat(dir, &st));
	snprintf(root, sizeof(root), "%llu:%llu",
		 (unsigned long long)st.st_dev, (unsigned long long)st.st_ino);

	if (how == ROOT_BY_FD) {
		dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		ASSERT_GE(dirfd, 0);
		ASSERT_EQ(0, cfg_fd(s->pidfd, "root", dirfd));
		ASSERT_EQ(0, close(dirfd));
	} else if (how == ROOT_BY_DIRFD) {
		/* Its own name, from a dirfd of itself: "../NAME". */
		dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
		ASSERT_GE(dirfd, 0);
		snprintf(copy, sizeof(copy), "../%s", strrchr(dir, '/') + 1);
		ASSERT_EQ(0, cfg_path(s->pidfd, "root", copy, dirfd));
		ASSERT_EQ(0, close(dirfd));
	} else {
		ASSERT_EQ(0, cfg_path(s->pidfd, "root", dir, AT_FDCWD));
	}
	/* Paths are resolved in the child at commit, after the chroot. */
	ASSERT_EQ(0, cfg_path(s->pidfd, "cwd", "/", AT_FDCWD));
	/* Only exists inside the new root. */
	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", "/" PROBE_NAME));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(root, spawn_get(s, "root"));
	EXPECT_STREQ("/", spawn_get(s, "cwd"));
}

TEST_F(spawn, root_path)
{
	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	run_root_test(_metadata, &self->s, self->tmpdir, ROOT_BY_PATH);
}

TEST_F(spawn, root_fd)
{
	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	run_root_test(_metadata, &self->s, self->tmpdir, ROOT_BY_FD);
}

TEST_F(spawn, root_path_dirfd)
{
	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	run_root_test(_metadata, &self->s, self->tmpdir, ROOT_BY_DIRFD);
}

TEST_F(spawn, umask)
{
	struct spawn *s = &self->s;

	umask(022);
	ASSERT_EQ(0, cfg_int(s->pidfd, "umask", 0777));
	ASSERT_EQ(0, cfg_int(s->pidfd, "umask", 0027));	/* last wins */

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("0027", spawn_get(s, "umask"));
}

TEST_F(spawn, umask_zero)
{
	struct spawn *s = &self->s;

	umask(022);
	ASSERT_EQ(0, cfg_int(s->pidfd, "umask", 0));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("0000", spawn_get(s, "umask"));
}

/* A libc sigset_t (128 bytes, zero tail) is accepted as it is. */
TEST_F(spawn, sigmask)
{
	struct spawn *s = &self->s;
	const char *blk;
	sigset_t set;

	ASSERT_EQ(128UL, sizeof(set));
	sigset_clear(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGRTMIN + 2);
	sigaddset(&set, SIGKILL);	/* silently dropped */
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigmask", &set, sizeof(set)));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	blk = spawn_get(s, "sigblk");
	EXPECT_TRUE(mask_has(blk, SIGUSR1));
	EXPECT_TRUE(mask_has(blk, SIGTERM));
	EXPECT_TRUE(mask_has(blk, SIGRTMIN + 2));
	EXPECT_FALSE(mask_has(blk, SIGKILL));
	EXPECT_FALSE(mask_has(blk, SIGUSR2));
	EXPECT_EQ((1ULL << (SIGUSR1 - 1)) | (1ULL << (SIGTERM - 1)) |
		  (1ULL << (SIGRTMIN + 2 - 1)), mask_val(blk));
}

/* The kernel's own sigset size (8 bytes) works too; last setting wins. */
TEST_F(spawn, sigmask_kernel_size)
{
	struct spawn *s = &self->s;
	__u64 mask;

	mask = 1ULL << (SIGUSR1 - 1);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigmask", &mask, sizeof(mask)));
	mask = 1ULL << (SIGHUP - 1) | 1ULL << (SIGINT - 1);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigmask", &mask, sizeof(mask)));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(mask, mask_val(spawn_get(s, "sigblk")));
}

TEST_F(spawn, sigignore)
{
	struct spawn *s = &self->s;
	const char *ign;
	sigset_t set;

	sigset_clear(&set);
	sigaddset(&set, SIGPIPE);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGRTMIN + 3);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigignore", &set, sizeof(set)));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	ign = spawn_get(s, "sigign");
	EXPECT_EQ((1ULL << (SIGPIPE - 1)) | (1ULL << (SIGUSR1 - 1)) |
		  (1ULL << (SIGRTMIN + 3 - 1)), mask_val(ign));
	EXPECT_EQ(0ULL, mask_val(spawn_get(s, "sigblk")));
}

static unsigned long long sig_bit(int sig)
{
	return 1ULL << (sig - 1);
}

/* A libc sigset_t holding the signals given, up to a 0. */
static sigset_t *make_sigset(sigset_t *set, ...)
{
	va_list ap;
	int sig;

	sigset_clear(set);
	va_start(ap, set);
	while ((sig = va_arg(ap, int)))
		sigaddset(set, sig);
	va_end(ap);
	return set;
}

static void on_signal(int sig)
{
}

static int set_disposition(int sig, void (*handler)(int))
{
	struct sigaction sa = { .sa_handler = handler };

	return sigaction(sig, &sa, NULL);
}

/* The signals this process ignores, as /proc/self/status shows them. */
static unsigned long long caller_sigign(struct __test_metadata *_metadata)
{
	char buf[64];

	EXPECT_EQ(0, proc_status_field(getpid(), "SigIgn", buf, sizeof(buf)));
	return mask_val(buf);
}

/*
 * Ignore SIGUSR1, SIGPIPE and a real-time signal, catch SIGUSR2, leave
 * SIGHUP to its default; return what this process now ignores (it may have
 * inherited more).
 */
static unsigned long long caller_ignores(struct __test_metadata *_metadata)
{
	unsigned long long ign;

	EXPECT_EQ(0, set_disposition(SIGUSR1, SIG_IGN));
	EXPECT_EQ(0, set_disposition(SIGPIPE, SIG_IGN));
	EXPECT_EQ(0, set_disposition(SIGRTMIN + 1, SIG_IGN));
	EXPECT_EQ(0, set_disposition(SIGUSR2, on_signal));
	EXPECT_EQ(0, set_disposition(SIGHUP, SIG_DFL));
	ign = caller_sigign(_metadata);
	EXPECT_EQ(sig_bit(SIGUSR1) | sig_bit(SIGPIPE) | sig_bit(SIGRTMIN + 1),
		  ign & (sig_bit(SIGUSR1) | sig_bit(SIGPIPE) |
			 sig_bit(SIGRTMIN + 1) | sig_bit(SIGUSR2) |
			 sig_bit(SIGHUP)));
	return ign;
}

/*
 * inherit_sigignore: what the caller ignores is ignored in the program;
 * a signal it catches, or leaves alone, is at its default there.
 */
TEST_F(spawn, inherit_sigignore)
{
	struct spawn *s = &self->s;
	unsigned long long ign;

	ign = caller_ignores(_metadata);
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_sigignore"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(ign, mask_val(spawn_get(s, "sigign")));
	EXPECT_TRUE(mask_has(spawn_get(s, "sigign"), SIGRTMIN + 1));
	EXPECT_FALSE(mask_has(spawn_get(s, "sigign"), SIGUSR2));
	EXPECT_EQ(0ULL, mask_val(spawn_get(s, "sigcgt")));
	EXPECT_EQ(0ULL, mask_val(spawn_get(s, "sigblk")));
}

/* What the caller ignores at the call: later changes do not count. */
TEST_F(spawn, inherit_sigignore_snapshot)
{
	struct spawn *s = &self->s;
	unsigned long long ign;

	ign = caller_ignores(_metadata);
	ASSERT_EQ(0, set_disposition(SIGUSR2, SIG_DFL));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_sigignore"));
	ASSERT_EQ(0, set_disposition(SIGUSR1, SIG_DFL));
	ASSERT_EQ(0, set_disposition(SIGUSR2, SIG_IGN));
	ASSERT_EQ(0, set_disposition(SIGHUP, SIG_IGN));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(ign, mask_val(spawn_get(s, "sigign")));
	EXPECT_TRUE(mask_has(spawn_get(s, "sigign"), SIGUSR1));
	EXPECT_FALSE(mask_has(spawn_get(s, "sigign"), SIGUSR2));
	EXPECT_FALSE(mask_has(spawn_get(s, "sigign"), SIGHUP));
}

/* sigdefault after inherit_sigignore takes signals out of the set... */
TEST_F(spawn, sigdefault_after_inherit_sigignore)
{
	struct spawn *s = &self->s;
	unsigned long long ign;
	sigset_t set;

	ign = caller_ignores(_metadata);
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_sigignore"));
	make_sigset(&set, SIGPIPE, SIGRTMIN + 1, 0);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigdefault", &set, sizeof(set)));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(ign & ~(sig_bit(SIGPIPE) | sig_bit(SIGRTMIN + 1)),
		  mask_val(spawn_get(s, "sigign")));
	EXPECT_TRUE(mask_has(spawn_get(s, "sigign"), SIGUSR1));
}

/* ... and before it, inherit_sigignore puts them back. */
TEST_F(spawn, sigdefault_before_inherit_sigignore)
{
	struct spawn *s = &self->s;
	unsigned long long ign;
	sigset_t set;

	ign = caller_ignores(_metadata);
	make_sigset(&set, SIGPIPE, 0);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigdefault", &set, sizeof(set)));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_sigignore"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(ign, mask_val(spawn_get(s, "sigign")));
	EXPECT_TRUE(mask_has(spawn_get(s, "sigign"), SIGPIPE));
}

/* sigignore after inherit_sigignore replaces the whole set... */
TEST_F(spawn, sigignore_after_inherit_sigignore)
{
	struct spawn *s = &self->s;
	sigset_t set;

	caller_ignores(_metadata);
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_sigignore"));
	make_sigset(&set, SIGHUP, 0);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigignore", &set, sizeof(set)));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(sig_bit(SIGHUP), mask_val(spawn_get(s, "sigign")));
}

/* ... and before it, inherit_sigignore adds to what sigignore set. */
TEST_F(spawn, sigignore_before_inherit_sigignore)
{
	struct spawn *s = &self->s;
	unsigned long long ign;
	sigset_t set;

	ign = caller_ignores(_metadata);
	make_sigset(&set, SIGHUP, 0);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigignore", &set, sizeof(set)));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_sigignore"));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_sigignore"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(ign | sig_bit(SIGHUP), mask_val(spawn_get(s, "sigign")));
}

/*
 * sigdefault removes signals from the set sigignore made; SIGKILL and
 * SIGSTOP in it have no effect.
 */
TEST_F(spawn, sigdefault)
{
	struct spawn *s = &self->s;
	sigset_t set;

	make_sigset(&set, SIGPIPE, SIGUSR1, SIGRTMIN + 3, SIGHUP, 0);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigignore", &set, sizeof(set)));
	make_sigset(&set, SIGUSR1, SIGRTMIN + 3, SIGKILL, SIGSTOP, SIGTERM, 0);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigdefault", &set, sizeof(set)));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(sig_bit(SIGPIPE) | sig_bit(SIGHUP),
		  mask_val(spawn_get(s, "sigign")));
	EXPECT_EQ(0ULL, mask_val(spawn_get(s, "sigcgt")));
	EXPECT_EQ(0ULL, mask_val(spawn_get(s, "sigblk")));
}

/* The kernel's own sigset size works too; the last sigignore resets. */
TEST_F(spawn, sigdefault_kernel_size)
{
	struct spawn *s = &self->s;
	__u64 mask;

	mask = sig_bit(SIGPIPE) | sig_bit(SIGINT);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigignore", &mask, sizeof(mask)));
	mask = sig_bit(SIGINT);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigdefault", &mask, sizeof(mask)));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(sig_bit(SIGPIPE), mask_val(spawn_get(s, "sigign")));
}

TEST_F(spawn, setsid)
{
	struct spawn *s = &self->s;

	ASSERT_NE(s->pid, getsid(0));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "setsid"));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "setsid"));	/* twice is fine */

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(s->pid, spawn_get_long(s, "sid"));
	EXPECT_EQ(s->pid, spawn_get_long(s, "pgid"));
	EXPECT_EQ(0, spawn_get_long(s, "ctty"));
	EXPECT_EQ(0, spawn_get_long(s, "tty_nr"));
}

TEST_F(spawn, pgid_zero)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_int(s->pidfd, "pgid", 0));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(s->pid, spawn_get_long(s, "pgid"));
	EXPECT_EQ(getsid(0), spawn_get_long(s, "sid"));
}

TEST_F(spawn, pgid_existing_group)
{
	struct spawn *s = &self->s;
	siginfo_t info;
	pid_t leader;

	leader = fork();
	ASSERT_GE(leader, 0);
	if (leader == 0) {
		setpgid(0, 0);
		for (;;)
			pause();
	}
	/* Whichever of the two runs first, the group exists afterwards. */
	setpgid(leader, leader);
	ASSERT_EQ(leader, getpgid(leader));

	ASSERT_EQ(0, cfg_int(s->pidfd, "pgid", leader));
	ASSERT_EQ(0, spawn_run(s));
	EXPECT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(leader, spawn_get_long(s, "pgid"));

	kill(leader, SIGKILL);
	EXPECT_EQ(0, wait_pid(leader, &info));
}

/* setpgid(2) from the parent works on a parked child. */
TEST_F(spawn, setpgid_from_parent)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, setpgid(s->pid, s->pid));
	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(s->pid, spawn_get_long(s, "pgid"));
}

TEST_F(spawn, no_new_privs)
{
	struct spawn *s = &self->s;

	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0))
		SKIP(return, "no_new_privs is already set here");
	ASSERT_EQ(0, cfg_flag(s->pidfd, "no_new_privs"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(1, spawn_get_long(s, "nnp"));
	/* The caller is unaffected. */
	EXPECT_EQ(0, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

TEST_F(spawn, pdeathsig)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_int(s->pidfd, "pdeathsig", SIGKILL));
	ASSERT_EQ(0, cfg_int(s->pidfd, "pdeathsig", SIGUSR1));	/* wins */

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(SIGUSR1, spawn_get_long(s, "pdeathsig"));
}

/* The parent-death signal is delivered when the parent dies. */
TEST(pdeathsig_delivered)
{
	int sync[2], pidfd, ret;
	char expected[16];
	struct spawn s;
	siginfo_t info;
	struct pollfd pfd;
	pid_t mid, child;

	if (!have_pidfd_spawn(_metadata))
		return;
	/* Orphans are reparented to us, so we can reap the probe. */
	ASSERT_EQ(0, prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0));
	ASSERT_EQ(0, pipe2(sync, O_CLOEXEC));

	mid = fork();
	ASSERT_GE(mid, 0);
	if (mid == 0) {
		if (spawn_init(&s))
			_exit(1);
		if (cfg_string(s.pidfd, "argv", PROBE_NAME) ||
		    cfg_string(s.pidfd, "argv", "--pause") ||
		    cfg_int(s.pidfd, "pdeathsig", SIGUSR1))
			_exit(2);
		if (write(sync[1], &s.pid, sizeof(s.pid)) != sizeof(s.pid))
			_exit(3);
		if (cfg_exec(s.pidfd))
			_exit(4);
		/* Wait for the report, so the probe runs its own code. */
		snprintf(expected, sizeof(expected), "%d", SIGUSR1);
		if (spawn_read_report(&s) ||
		    strcmp(spawn_get(&s, "pdeathsig"), expected))
			_exit(5);
		_exit(0);
	}
	close(sync[1]);
	ASSERT_EQ((ssize_t)sizeof(child), read(sync[0], &child, sizeof(child)));
	close(sync[0]);
	pidfd = sys_pidfd_open(child, 0);
	ASSERT_GE(pidfd, 0);

	ASSERT_EQ(0, wait_pid(mid, &info));
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(0, info.si_status);

	/* The probe waits forever unless the signal arrives. */
	pfd.fd = pidfd;
	pfd.events = POLLIN;
	ret = poll(&pfd, 1, 10000);
	EXPECT_EQ(1, ret);
	if (ret != 1)
		kill(child, SIGKILL);
	ASSERT_EQ(0, wait_pid(child, &info));
	EXPECT_TRUE(killed_by(&info, SIGUSR1));
	close(pidfd);
}

/* A pty slave as fd 0, setsid and ctty 0: the controlling terminal. */
TEST(ctty)
{
	struct spawn with, without;
	int master, slave, nr;
	struct stat st;
	char *name;

	if (!have_pidfd_spawn(_metadata))
		return;
	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		SKIP(return, "no /dev/ptmx: %s", strerror(errno));
	ASSERT_EQ(0, grantpt(master));
	ASSERT_EQ(0, unlockpt(master));
	name = ptsname(master);
	ASSERT_NE(NULL, name);
	slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	ASSERT_GE(slave, 0);
	ASSERT_EQ(0, fstat(slave, &st));
	nr = (major(st.st_rdev) << 8) | (minor(st.st_rdev) & 0xff) |
	     ((minor(st.st_rdev) & ~0xffU) << 12);

	ASSERT_EQ(0, spawn_init(&with));
	ASSERT_EQ(0, cfg_fd(with.pidfd, "fd:0", slave));
	ASSERT_EQ(0, cfg_flag(with.pidfd, "setsid"));
	ASSERT_EQ(0, cfg_int(with.pidfd, "ctty", 0));
	ASSERT_EQ(0, spawn_run(&with));
	EXPECT_TRUE(spawn_exited_ok(&with));
	EXPECT_EQ(with.pid, spawn_get_long(&with, "sid"));
	EXPECT_EQ(1, spawn_get_long(&with, "ctty"));
	EXPECT_EQ(nr, spawn_get_long(&with, "tty_nr"));
	spawn_fini(&with);

	/* Same without the key: no controlling terminal. */
	ASSERT_EQ(0, spawn_init(&without));
	ASSERT_EQ(0, cfg_fd(without.pidfd, "fd:0", slave));
	ASSERT_EQ(0, cfg_flag(without.pidfd, "setsid"));
	ASSERT_EQ(0, spawn_run(&without));
	EXPECT_TRUE(spawn_exited_ok(&without));
	EXPECT_EQ(0, spawn_get_long(&without, "ctty"));
	EXPECT_EQ(0, spawn_get_long(&without, "tty_nr"));
	spawn_fini(&without);

	close(slave);
	close(master);
}

/*
 * tcsetpgrp: a helper process makes itself a session leader with a pty as
 * its controlling terminal (the foreground group is then its own), and
 * creates the child in that session, in a process group of its own or of
 * another process, in the background.  The action makes the child's group
 * the foreground group, without a SIGTTOU: the child's SIGTTOU is at its
 * default, and is blocked for the action only.
 */
enum tc_group {
	TC_NEW_GROUP,		/* "pgid" 0 */
	TC_OTHER_GROUP,		/* "pgid" of another group of the session */
	TC_HELPER_GROUP,	/* no "pgid": the helper's foreground group */
};

FIXTURE(tcsetpgrp) {
	int master;
	int slave;		/* the helper's controlling terminal */
	int other_master;
	int other_slave;	/* a terminal that is nobody's */
	struct spawn s;
	pid_t helper;
};

/* How the helper sets the child up. */
struct tc_setup {
	enum tc_group group;
	bool sigmask;		/* SIGTTOU blocked by the "sigmask" key */
	bool other_tty;		/* the action on the other pty */
};

FIXTURE_VARIANT(tcsetpgrp) {
	struct tc_setup setup;
	int err;		/* of the commit */
};

FIXTURE_VARIANT_ADD(tcsetpgrp, new_group) {
	.setup = { .group = TC_NEW_GROUP },
};

FIXTURE_VARIANT_ADD(tcsetpgrp, other_group) {
	.setup = { .group = TC_OTHER_GROUP },
};

FIXTURE_VARIANT_ADD(tcsetpgrp, helper_group) {
	.setup = { .group = TC_HELPER_GROUP },
};

/* SIGTTOU stays blocked in the program, as configured. */
FIXTURE_VARIANT_ADD(tcsetpgrp, new_group_sigttou_blocked) {
	.setup = { .group = TC_NEW_GROUP, .sigmask = true },
};

/* A terminal that is not the child's controlling terminal. */
FIXTURE_VARIANT_ADD(tcsetpgrp, not_controlling_tty) {
	.setup = { .group = TC_NEW_GROUP, .other_tty = true },
	.err = ENOTTY,
};

/* What the helper did, sent back on a pipe. */
struct tc_result {
	int step;		/* the step that failed, 0 if none */
	int err;		/* its errno */
	int commit;		/* what the commit returned */
	pid_t sid;		/* the helper's session */
	pid_t pid;		/* the child */
	pid_t group;		/* the group the child was put in */
	pid_t fg_before;	/* tcgetpgrp() before the commit */
	pid_t fg_after;		/* and after */
	siginfo_t info;		/* how the child ended */
};

static int open_pty(int *master, int *slave)
{
	char *name;

	*master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (*master < 0)
		return -errno;
	if (grantpt(*master) || unlockpt(*master))
		return -errno;
	name = ptsname(*master);
	if (!name)
		return -errno;
	*slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	return *slave < 0 ? -errno : 0;
}

FIXTURE_SETUP(tcsetpgrp)
{
	self->master = -1;
	self->slave = -1;
	self->other_master = -1;
	self->other_slave = -1;
	self->s.pidfd = -1;
	self->s.out = -1;
	self->s.reaped = true;
	self->helper = 0;
	if (!have_pidfd_spawn(_metadata))
		return;
	if (access("/dev/ptmx", R_OK | W_OK))
		SKIP(return, "no /dev/ptmx: %s", strerror(errno));
	ASSERT_EQ(0, open_pty(&self->master, &self->slave));
	ASSERT_EQ(0, open_pty(&self->other_master, &self->other_slave));
}

FIXTURE_TEARDOWN(tcsetpgrp)
{
	siginfo_t info;

	if (self->helper > 0) {
		kill(self->helper, SIGKILL);
		wait_pid(self->helper, &info);
	}
	spawn_fini(&self->s);
	if (self->slave >= 0)
		close(self->slave);
	if (self->master >= 0)
		close(self->master);
	if (self->other_slave >= 0)
		close(self->other_slave);
	if (self->other_master >= 0)
		close(self->other_master);
}

/* A process group leader that waits to be killed. */
static pid_t group_leader(void)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	setpgid(0, 0);
	for (;;)
		pause();
}

/* The helper's steps up to the commit: 0 or -errno, r->step set. */
static int tc_configure(const struct tc_setup *setup, int slave, int other,
			int out, struct tc_result *r, pid_t *leader,
			int *pidfd)
{
	sigset_t set;
	int ret;

	r->step = 1;
	r->sid = setsid();
	if (r->sid < 0)
		return -errno;
	r->step = 2;
	if (ioctl(slave, TIOCSCTTY, 0))
		return -errno;
	r->step = 3;
	if (setup->group == TC_OTHER_GROUP) {
		*leader = group_leader();
		if (*leader < 0)
			return -errno;
		/* Whichever of the two runs first, the group exists. */
		if (setpgid(*leader, *leader))
			return -errno;
	}
	r->step = 4;
	r->pid = clone_empty_flags(0, SIGCHLD, pidfd);
	if (r->pid < 0)
		return r->pid;
	switch (setup->group) {
	case TC_NEW_GROUP:
		r->group = r->pid;
		break;
	case TC_OTHER_GROUP:
		r->group = *leader;
		break;
	case TC_HELPER_GROUP:
		r->group = getpgrp();
		break;
	}
	r->step = 5;
	ret = cfg_string(*pidfd, "exe", probe_path()) ?:
	      cfg_fd(*pidfd, "fd:1", out) ?:
	      cfg_fd(*pidfd, "fd:0", setup->other_tty ? other : slave);
	if (!ret && setup->group != TC_HELPER_GROUP)
		ret = cfg_int(*pidfd, "pgid",
			      setup->group == TC_OTHER_GROUP ? *leader : 0);
	if (!ret && setup->sigmask) {
		sigset_clear(&set);
		sigaddset(&set, SIGTTOU);
		ret = cfg_binary(*pidfd, "sigmask", &set, sizeof(set));
	}
	if (!ret)
		ret = cfg_int(*pidfd, "tcsetpgrp", 0);
	return ret;
}

/* Runs in the helper process, and exits. */
static void tc_helper(const struct tc_setup *setup, int slave, int other,
		      int out, int result)
{
	struct tc_result r = { 0 };
	int pidfd = -1, ret;
	pid_t leader = 0;

	ret = tc_configure(setup, slave, other, out, &r, &leader, &pidfd);
	close(out);
	if (!ret) {
		r.step = 6;
		r.fg_before = tcgetpgrp(slave);
		r.commit = cfg_exec(pidfd);
		r.fg_after = tcgetpgrp(slave);
		/* The program ran, or the child was killed: reap it. */
		ret = wait_pid(r.pid, &r.info);
		if (!ret)
			r.step = 0;
	} else if (r.pid > 0) {
		kill_and_reap(r.pid, pidfd);
	}
	r.err = -ret;
	if (leader > 0)
		kill_and_reap(leader, -1);
	_exit(write(result, &r, sizeof(r)) == sizeof(r) ? 0 : 1);
}

TEST_F(tcsetpgrp, foreground)
{
	int out[2], result[2];
	struct tc_result r;
	siginfo_t info;
	const char *v;

	ASSERT_EQ(0, pipe2(out, O_CLOEXEC));
	ASSERT_EQ(0, pipe2(result, O_CLOEXEC));
	self->helper = fork();
	ASSERT_GE(self->helper, 0);
	if (!self->helper)
		tc_helper(&variant->setup, self->slave, self->other_slave,
			  out[1], result[1]);
	close(out[1]);
	close(result[1]);
	self->s.out = out[0];

	ASSERT_EQ((ssize_t)sizeof(r), read(result[0], &r, sizeof(r)));
	close(result[0]);
	ASSERT_EQ(0, wait_pid(self->helper, &info));
	self->helper = 0;
	EXPECT_EQ(CLD_EXITED, info.si_code);
	EXPECT_EQ(0, info.si_status);
	ASSERT_EQ(0, r.step) {
		TH_LOG("helper step %d: %s", r.step, strerror(r.err));
	}
	ASSERT_EQ(-variant->err, r.commit);
	if (variant->err) {
		EXPECT_TRUE(killed_by(&r.info, SIGKILL));
		EXPECT_EQ(r.sid, r.fg_after);
		return;
	}

	/* The helper was in the foreground, the child's group now is. */
	EXPECT_EQ(r.sid, r.fg_before);
	EXPECT_EQ(r.group, r.fg_after);
	EXPECT_EQ(CLD_EXITED, r.info.si_code);
	EXPECT_EQ(0, r.info.si_status);

	ASSERT_EQ(0, spawn_read_report(&self->s));
	EXPECT_EQ(r.pid, spawn_get_long(&self->s, "pid"));
	EXPECT_EQ(r.sid, spawn_get_long(&self->s, "sid"));
	EXPECT_EQ(r.group, spawn_get_long(&self->s, "pgid"));
	EXPECT_EQ(r.group, spawn_get_long(&self->s, "tpgid"));
	EXPECT_EQ(1, spawn_get_long(&self->s, "ctty"));
	v = spawn_get(&self->s, "sigign");
	EXPECT_FALSE(mask_has(v, SIGTTOU));
	v = spawn_get(&self->s, "sigpnd");
	EXPECT_FALSE(mask_has(v, SIGTTOU));
	v = spawn_get(&self->s, "shdpnd");
	EXPECT_FALSE(mask_has(v, SIGTTOU));
	EXPECT_EQ(variant->setup.sigmask ? 1ULL << (SIGTTOU - 1) : 0ULL,
		  mask_val(spawn_get(&self->s, "sigblk")));
}

#define NOBODY 65534

/*
 * resetids: with ruid 0 and euid 65534 in the caller, the child runs with
 * euid 0; without it, with euid 65534.
 */
TEST(resetids)
{
	char dir[PATH_MAX], copy[PATH_MAX + 8];
	struct spawn with, without;

	if (!have_pidfd_spawn(_metadata))
		return;
	if (geteuid())
		SKIP(return, "needs root to switch ids");

	/* A probe every user may execute. */
	ASSERT_EQ(0, make_tmpdir(dir));
	if (noexec_dir(dir)) {
		rm_rf(dir);
		SKIP(return, "/tmp is mounted noexec");
	}
	snprintf(copy, sizeof(copy), "%s/" PROBE_NAME, dir);
	ASSERT_EQ(0, copy_file(probe_path(), copy, 0755));

	ASSERT_EQ(0, setresgid(0, NOBODY, 0));
	ASSERT_EQ(0, setresuid(0, NOBODY, 0));

	ASSERT_EQ(0, spawn_init(&with));
	ASSERT_EQ(0, cfg_string(with.pidfd, "exe", copy));
	ASSERT_EQ(0, cfg_flag(with.pidfd, "resetids"));
	ASSERT_EQ(0, spawn_run(&with));
	EXPECT_TRUE(spawn_exited_ok(&with));
	EXPECT_EQ(0, spawn_get_long(&with, "ruid"));
	EXPECT_EQ(0, spawn_get_long(&with, "euid"));
	EXPECT_EQ(0, spawn_get_long(&with, "egid"));
	spawn_fini(&with);

	ASSERT_EQ(0, spawn_init(&without));
	ASSERT_EQ(0, cfg_string(without.pidfd, "exe", copy));
	ASSERT_EQ(0, spawn_run(&without));
	EXPECT_TRUE(spawn_exited_ok(&without));
	EXPECT_EQ(0, spawn_get_long(&without, "ruid"));
	EXPECT_EQ(NOBODY, spawn_get_long(&without, "euid"));
	EXPECT_EQ(NOBODY, spawn_get_long(&without, "egid"));
	spawn_fini(&without);

	ASSERT_EQ(0, setresuid(0, 0, 0));
	ASSERT_EQ(0, setresgid(0, 0, 0));
	rm_rf(dir);
}

/*
 * PIDFD_CONFIG_SET_BATCH: one call configures a whole spawn, each entry
 * as its own call would, and returns the number of entries.
 */
TEST(batch_whole_spawn)
{
	static const char argv_block[] = PROBE_NAME "\0--batch\0two words";
	static const char envp_block[] = "A=1";
	struct pidfd_config_open zero_how = {
		.path = ptr_to_u64("/dev/zero"),
		.flags = O_RDONLY,
	};
	struct pidfd_config_range range = { .first = 20, .last = 20 };
	char real[PATH_MAX], tmp[PATH_MAX], out[64];
	int pipefd[2], null, zero, root, n = 0;
	struct pidfd_config_op ops[32];
	sigset_t mask, ign;
	struct spawn s;
	struct stat st;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_NE(NULL, realpath(probe_path(), real));
	ASSERT_NE(NULL, realpath("/tmp", tmp));
	umask(022);

	/* An empty child with nothing set, and its report pipe. */
	memset(&s, 0, sizeof(s));
	s.pidfd = -1;
	s.reaped = true;
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	s.out = pipefd[0];
	ASSERT_EQ(0, fstat(pipefd[1], &st));
	snprintf(out, sizeof(out), "pipe:[%llu]", (unsigned long long)st.st_ino);
	ASSERT_EQ(0, create_empty_child(&s.pid, &s.pidfd));
	s.reaped = false;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(zero, 0);
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(root, 0);
	sigset_clear(&mask);
	sigaddset(&mask, SIGUSR1);
	sigset_clear(&ign);
	sigaddset(&ign, SIGPIPE);

	ops[n++] = config_op(PIDFD_CONFIG_SET_STRING, "exe", probe_path(), 0);
	ops[n++] = config_op(PIDFD_CONFIG_SET_BINARY, "argv", argv_block,
			     sizeof(argv_block));
	ops[n++] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "appended", 0);
	ops[n++] = config_op(PIDFD_CONFIG_SET_BINARY, "envp", envp_block,
			     sizeof(envp_block));
	ops[n++] = config_op(PIDFD_CONFIG_SET_STRING, "envp", "B=2", 0);
	ops[n++] = config_op(PIDFD_CONFIG_SET_FD, "fd:1", NULL, pipefd[1]);
	ops[n++] = config_op(PIDFD_CONFIG_SET_FD, "fd:5", NULL, null);
	ops[n++] = config_op(PIDFD_CONFIG_SET_BINARY, "fd:6", &zero_how,
			     sizeof(zero_how));
	ops[n++] = config_op(PIDFD_CONFIG_SET_INT, "dup:7", NULL, 6);
	ops[n++] = config_op(PIDFD_CONFIG_SET_FD, "fd:20", NULL, zero);
	ops[n++] = config_op(PIDFD_CONFIG_SET_FD, "fd:21", NULL, zero);
	ops[n++] = config_op(PIDFD_CONFIG_SET_BINARY, "close_range", &range,
			     sizeof(range));
	ops[n++] = config_op(PIDFD_CONFIG_SET_PATH, "cwd", "tmp", root);
	ops[n++] = config_op(PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 0);
	ops[n++] = config_op(PIDFD_CONFIG_SET_BINARY, "sigmask", &mask,
			     sizeof(mask));
	ops[n++] = config_op(PIDFD_CONFIG_SET_BINARY, "sigignore", &ign,
			     sizeof(ign));
	ops[n++] = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0027);
	ops[n++] = config_op(PIDFD_CONFIG_SET_INT, "pdeathsig", NULL, SIGTERM);
	ops[n++] = config_op(PIDFD_CONFIG_SET_FLAG, "no_new_privs", NULL, 0);
	ASSERT_EQ(n, cfg_batch(s.pidfd, ops, n));
	/* Files were taken and strings copied by the call. */
	close(pipefd[1]);
	close(null);
	close(zero);
	close(root);
	memset(ops, 0, sizeof(ops));

	ASSERT_EQ(0, spawn_run(&s));
	ASSERT_TRUE(spawn_exited_ok(&s));
	EXPECT_STREQ(real, spawn_get(&s, "exe"));
	EXPECT_EQ(4, spawn_get_long(&s, "argc"));
	EXPECT_STREQ(PROBE_NAME, spawn_get(&s, "argv.0"));
	EXPECT_STREQ("--batch", spawn_get(&s, "argv.1"));
	EXPECT_STREQ("two words", spawn_get(&s, "argv.2"));
	EXPECT_STREQ("appended", spawn_get(&s, "argv.3"));
	EXPECT_EQ(2, spawn_get_long(&s, "envc"));
	EXPECT_STREQ("A=1", spawn_get(&s, "envp.0"));
	EXPECT_STREQ("B=2", spawn_get(&s, "envp.1"));
	EXPECT_STREQ("1,5,6,7,21", spawn_get(&s, "fds"));
	EXPECT_STREQ(out, spawn_get(&s, "fd.1.path"));
	EXPECT_STREQ("/dev/null", spawn_get(&s, "fd.5.path"));
	EXPECT_STREQ("/dev/zero", spawn_get(&s, "fd.6.path"));
	EXPECT_STREQ("/dev/zero", spawn_get(&s, "fd.7.path"));
	EXPECT_STREQ("/dev/zero", spawn_get(&s, "fd.21.path"));
	EXPECT_STREQ(tmp, spawn_get(&s, "cwd"));
	EXPECT_EQ(s.pid, spawn_get_long(&s, "sid"));
	EXPECT_EQ(1ULL << (SIGUSR1 - 1), mask_val(spawn_get(&s, "sigblk")));
	EXPECT_EQ(1ULL << (SIGPIPE - 1), mask_val(spawn_get(&s, "sigign")));
	EXPECT_STREQ("0027", spawn_get(&s, "umask"));
	EXPECT_EQ(SIGTERM, spawn_get_long(&s, "pdeathsig"));
	EXPECT_EQ(1, spawn_get_long(&s, "nnp"));
	spawn_fini(&s);
}

/* In a batch, fd:5 installed then closed is closed... */
TEST_F(spawn, batch_set_fd_then_close)
{
	struct pidfd_config_op ops[2];
	struct spawn *s = &self->s;
	int null;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	ops[0] = config_op(PIDFD_CONFIG_SET_FD, "fd:5", NULL, null);
	ops[1] = config_op(PIDFD_CONFIG_SET_FLAG, "fd:5", NULL, 0);
	ASSERT_EQ(2, cfg_batch(s->pidfd, ops, 2));
	close(null);

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("1", spawn_get(s, "fds"));
}

/* ... and closed then installed is open. */
TEST_F(spawn, batch_close_then_set_fd)
{
	struct pidfd_config_op ops[2];
	struct spawn *s = &self->s;
	int null;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	ops[0] = config_op(PIDFD_CONFIG_SET_FLAG, "fd:5", NULL, 0);
	ops[1] = config_op(PIDFD_CONFIG_SET_FD, "fd:5", NULL, null);
	ASSERT_EQ(2, cfg_batch(s->pidfd, ops, 2));
	close(null);

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("1,5", spawn_get(s, "fds"));
	EXPECT_STREQ("/dev/null", spawn_get(s, "fd.5.path"));
}

/*
 * The entries take effect in their order, after the calls made before the
 * batch and before those made after it: the last setting wins, argv
 * appends.
 */
TEST_F(spawn, batch_order_among_calls)
{
	struct pidfd_config_op ops[7];
	struct spawn *s = &self->s;
	char real[PATH_MAX];

	ASSERT_NE(NULL, realpath(probe_path(), real));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_int(s->pidfd, "umask", 0777));
	ops[0] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "1", 0);
	ops[1] = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0070);
	ops[2] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "2", 0);
	ops[3] = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0027);
	ops[4] = config_op(PIDFD_CONFIG_SET_STRING, "exe", BOGUS_EXE, 0);
	ops[5] = config_op(PIDFD_CONFIG_SET_STRING, "exe", probe_path(), 0);
	ops[6] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "3", 0);
	ASSERT_EQ(7, cfg_batch(s->pidfd, ops, 7));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", "4"));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(real, spawn_get(s, "exe"));
	EXPECT_STREQ("0027", spawn_get(s, "umask"));
	EXPECT_EQ(5, spawn_get_long(s, "argc"));
	EXPECT_STREQ("1", spawn_get(s, "argv.1"));
	EXPECT_STREQ("2", spawn_get(s, "argv.2"));
	EXPECT_STREQ("3", spawn_get(s, "argv.3"));
	EXPECT_STREQ("4", spawn_get(s, "argv.4"));
}

TEST_HARNESS_MAIN
