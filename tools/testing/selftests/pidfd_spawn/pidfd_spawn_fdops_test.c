// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptor actions of pidfd_config() that posix_spawn() file actions
 * map to: "close_range", "dup:N", "cwd" by the child's descriptor and the
 * options of an "fd:N" open, each observed from inside the executed
 * program.  They run in the order given, among the other fd:N and cwd
 * actions, on the child's own table: descriptors the caller does not have.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

static const char *key_n(const char *fmt, int n)
{
	static char key[4][64];
	static int i;

	i = (i + 1) % 4;
	snprintf(key[i], sizeof(key[i]), fmt, n);
	return key[i];
}

/* The readlink() of the child's fd @fd, "<missing>" if it was not open. */
static const char *fd_path(const struct spawn *s, int fd)
{
	return spawn_get(s, key_n("fd.%d.path", fd));
}

/* Its FD_CLOEXEC flag, INT_MIN if it was not open. */
static long fd_cloexec(const struct spawn *s, int fd)
{
	return spawn_get_long(s, key_n("fd.%d.cloexec", fd));
}

/* How many of the program's fds are @min or above; -1 if no list. */
static int fds_from(const struct spawn *s, int min)
{
	const char *p = spawn_get(s, "fds");
	char *end;
	int n = 0;
	long fd;

	if (!strcmp(p, "<missing>"))
		return -1;
	while (*p) {
		fd = strtol(p, &end, 10);
		if (end == p)
			return -1;
		if (fd >= min)
			n++;
		p = *end == ',' ? end + 1 : end;
	}
	return n;
}

/* "pipe:[ino]", as readlink() names the pipe @fd is an end of. */
static void pipe_name(int fd, char *buf, size_t size)
{
	struct stat st;

	if (fstat(fd, &st))
		snprintf(buf, size, "!%d", errno);
	else
		snprintf(buf, size, "pipe:[%llu]",
			 (unsigned long long)st.st_ino);
}

FIXTURE(fdops) {
	struct spawn s;
	int null;
	int zero;
};

FIXTURE_SETUP(fdops)
{
	self->null = -1;
	self->zero = -1;
	if (!have_pidfd_spawn(_metadata))
		return;
	self->null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->null, 0);
	self->zero = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(self->zero, 0);
	ASSERT_EQ(0, spawn_init(&self->s));
}

FIXTURE_TEARDOWN(fdops)
{
	spawn_fini(&self->s);
	if (self->null >= 0)
		close(self->null);
	if (self->zero >= 0)
		close(self->zero);
}

/*
 * The caller's fds 20 to 25, inherited: /dev/null at the even numbers,
 * /dev/zero at the odd ones.
 */
static void inherit_20_to_25(struct __test_metadata *_metadata, int pidfd,
			     int null, int zero)
{
	int fd;

	for (fd = 20; fd <= 25; fd++)
		ASSERT_EQ(fd, dup2(fd & 1 ? zero : null, fd));
	ASSERT_EQ(0, cfg_flag(pidfd, "inherit_fds"));
	for (fd = 20; fd <= 25; fd++)
		close(fd);
}

/* close_range closes the inherited fds in its range, and only those. */
TEST_F(fdops, close_range_inherited)
{
	struct spawn *s = &self->s;
	char out[64];

	pipe_name(s->out, out, sizeof(out));
	inherit_20_to_25(_metadata, s->pidfd, self->null, self->zero);
	ASSERT_EQ(0, cfg_close_range(s->pidfd, 21, 23, 0));
	ASSERT_EQ(0, cfg_close_range(s->pidfd, 25, 25, 0));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/null", fd_path(s, 20));
	EXPECT_STREQ("<missing>", fd_path(s, 21));
	EXPECT_STREQ("<missing>", fd_path(s, 22));
	EXPECT_STREQ("<missing>", fd_path(s, 23));
	EXPECT_STREQ("/dev/null", fd_path(s, 24));
	EXPECT_STREQ("<missing>", fd_path(s, 25));
	EXPECT_STREQ(out, fd_path(s, 1));
}

/* closefrom(N) is { N, ~0U }. */
TEST_F(fdops, close_range_closefrom)
{
	struct spawn *s = &self->s;

	inherit_20_to_25(_metadata, s->pidfd, self->null, self->zero);
	ASSERT_EQ(0, cfg_close_range(s->pidfd, 22, ~0U, 0));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/null", fd_path(s, 20));
	EXPECT_STREQ("/dev/zero", fd_path(s, 21));
	EXPECT_EQ(0, fds_from(s, 22));
	EXPECT_EQ(0, fd_cloexec(s, 1));
}

/* A range past the end of the table, or of the fd numbers, is a no-op. */
TEST_F(fdops, close_range_beyond_table)
{
	struct spawn *s = &self->s;

	inherit_20_to_25(_metadata, s->pidfd, self->null, self->zero);
	ASSERT_EQ(0, cfg_close_range(s->pidfd, 4096, ~0U, 0));
	ASSERT_EQ(0, cfg_close_range(s->pidfd, ~0U, ~0U, 0));
	ASSERT_EQ(0, cfg_close_range(s->pidfd, 26, 1000000, 0));
	ASSERT_EQ(0, cfg_close_range(s->pidfd, 26, ~0U, CLOSE_RANGE_CLOEXEC));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(6, fds_from(s, 20));
	EXPECT_STREQ("/dev/zero", fd_path(s, 25));
}

/*
 * CLOSE_RANGE_CLOEXEC marks the fds close-on-exec and leaves them open:
 * they are gone in the program, but a later dup:N still finds them.
 */
TEST_F(fdops, close_range_cloexec)
{
	struct spawn *s = &self->s;

	inherit_20_to_25(_metadata, s->pidfd, self->null, self->zero);
	ASSERT_EQ(0, cfg_close_range(s->pidfd, 21, 23, CLOSE_RANGE_CLOEXEC));
	ASSERT_EQ(0, cfg_dup(s->pidfd, 30, 21));
	/* dup:N of N itself takes the mark off again. */
	ASSERT_EQ(0, cfg_dup(s->pidfd, 22, 22));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/null", fd_path(s, 20));
	EXPECT_STREQ("<missing>", fd_path(s, 21));
	EXPECT_STREQ("/dev/null", fd_path(s, 22));
	EXPECT_EQ(0, fd_cloexec(s, 22));
	EXPECT_STREQ("<missing>", fd_path(s, 23));
	EXPECT_STREQ("/dev/null", fd_path(s, 24));
	EXPECT_STREQ("/dev/zero", fd_path(s, 30));
	EXPECT_EQ(0, fd_cloexec(s, 30));
}

/*
 * close_range is one of the ordered actions: it closes what the actions
 * before it installed in its range, and nothing installed after it.
 */
TEST_F(fdops, close_range_ordered)
{
	struct spawn *s = &self->s;

	inherit_20_to_25(_metadata, s->pidfd, self->null, self->zero);
	ASSERT_EQ(0, cfg_fd_at(s->pidfd, 22, self->zero));
	ASSERT_EQ(0, cfg_open(s->pidfd, 28, "/dev/zero", O_RDONLY, 0));
	ASSERT_EQ(0, cfg_open(s->pidfd, 40, "/dev/zero", O_RDONLY, 0));
	ASSERT_EQ(0, cfg_close_range(s->pidfd, 20, 30, 0));
	ASSERT_EQ(0, cfg_fd_at(s->pidfd, 24, self->zero));
	ASSERT_EQ(0, cfg_open(s->pidfd, 26, "/dev/null", O_RDONLY, 0));
	ASSERT_EQ(0, cfg_dup(s->pidfd, 27, 40));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("<missing>", fd_path(s, 20));
	EXPECT_STREQ("<missing>", fd_path(s, 21));
	EXPECT_STREQ("<missing>", fd_path(s, 22));
	EXPECT_STREQ("<missing>", fd_path(s, 23));
	EXPECT_STREQ("/dev/zero", fd_path(s, 24));
	EXPECT_STREQ("<missing>", fd_path(s, 25));
	EXPECT_STREQ("/dev/null", fd_path(s, 26));
	EXPECT_STREQ("/dev/zero", fd_path(s, 27));
	EXPECT_STREQ("<missing>", fd_path(s, 28));
	EXPECT_STREQ("/dev/zero", fd_path(s, 40));
}

/* A struct larger than VER0 is fine when the tail is zero. */
TEST_F(fdops, close_range_larger_struct)
{
	struct spawn *s = &self->s;
	struct {
		struct pidfd_config_range range;
		__u64 future[2];
	} big = {
		.range.first = 21,
		.range.last = 22,
	};

	inherit_20_to_25(_metadata, s->pidfd, self->null, self->zero);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "close_range", &big, sizeof(big)));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/null", fd_path(s, 20));
	EXPECT_STREQ("<missing>", fd_path(s, 21));
	EXPECT_STREQ("<missing>", fd_path(s, 22));
	EXPECT_STREQ("/dev/zero", fd_path(s, 23));
}

#define MANY_FDS	10000
#define MANY_FDS_FIRST	100

/* closefrom(3) in a child that inherited 10000 descriptors. */
FIXTURE(many_fds) {
	struct spawn s;
};

FIXTURE_VARIANT(many_fds) {
	unsigned int flags;
};

FIXTURE_VARIANT_ADD(many_fds, close) {
	.flags = 0,
};

FIXTURE_VARIANT_ADD(many_fds, cloexec) {
	.flags = CLOSE_RANGE_CLOEXEC,
};

FIXTURE_SETUP(many_fds)
{
	rlim_t need = MANY_FDS_FIRST + MANY_FDS + 64;
	struct rlimit rl;

	self->s.pidfd = -1;
	self->s.out = -1;
	self->s.reaped = true;
	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_max < need) {
		rl.rlim_max = need;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			SKIP(return, "RLIMIT_NOFILE hard limit below %lu: %s",
			     (unsigned long)need, strerror(errno));
	}
	rl.rlim_cur = need;
	ASSERT_EQ(0, setrlimit(RLIMIT_NOFILE, &rl));
	/* The child is created with the caller's limits. */
	ASSERT_EQ(0, spawn_init(&self->s));
}

FIXTURE_TEARDOWN(many_fds)
{
	spawn_fini(&self->s);
}

TEST_F_TIMEOUT(many_fds, closefrom, 300)
{
	struct spawn *s = &self->s;
	int fd, null;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	for (fd = MANY_FDS_FIRST; fd < MANY_FDS_FIRST + MANY_FDS; fd++)
		ASSERT_EQ(fd, dup2(null, fd));
	ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_fds"));
	for (fd = MANY_FDS_FIRST; fd < MANY_FDS_FIRST + MANY_FDS; fd++)
		close(fd);
	close(null);
	ASSERT_EQ(0, cfg_close_range(s->pidfd, 3, ~0U, variant->flags));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_EQ(0, fds_from(s, 3)) {
		TH_LOG("fds=%.200s", spawn_get(s, "fds"));
	}
	EXPECT_EQ(0, fd_cloexec(s, 1));
}

/* dup:N from a descriptor an earlier fd:M installed: the child's, not ours. */
TEST_F(fdops, dup_from_fd_action)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_fd_at(s->pidfd, 40, self->zero));
	/* Our own fd 40 is another file. */
	ASSERT_EQ(40, dup3(self->null, 40, O_CLOEXEC));
	ASSERT_EQ(0, cfg_dup(s->pidfd, 41, 40));
	close(40);

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/zero", fd_path(s, 40));
	EXPECT_STREQ("/dev/zero", fd_path(s, 41));
	EXPECT_EQ(0, fd_cloexec(s, 41));
}

/* dup:N from a descriptor an earlier open created. */
TEST_F(fdops, dup_from_open_action)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(-1, fcntl(40, F_GETFD));
	ASSERT_EQ(0, cfg_open(s->pidfd, 40, "/dev/full", O_WRONLY, 0));
	ASSERT_EQ(0, cfg_dup(s->pidfd, 41, 40));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/full", fd_path(s, 40));
	EXPECT_STREQ("/dev/full", fd_path(s, 41));
}

/* dup:N from an inherited descriptor. */
TEST_F(fdops, dup_from_inherited)
{
	struct spawn *s = &self->s;

	inherit_20_to_25(_metadata, s->pidfd, self->null, self->zero);
	ASSERT_EQ(0, cfg_dup(s->pidfd, 30, 21));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/zero", fd_path(s, 21));
	EXPECT_STREQ("/dev/zero", fd_path(s, 30));
}

/* dup:N replaces what N was, as dup2() does. */
TEST_F(fdops, dup_replaces_target)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_open(s->pidfd, 41, "/dev/null", O_RDONLY, 0));
	ASSERT_EQ(0, cfg_open(s->pidfd, 40, "/dev/zero", O_RDONLY, 0));
	ASSERT_EQ(0, cfg_dup(s->pidfd, 41, 40));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/zero", fd_path(s, 41));
}

/* The copy is not close-on-exec, whatever the source is. */
TEST_F(fdops, dup_result_not_cloexec)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_open(s->pidfd, 40, "/dev/zero",
			      O_RDONLY | O_CLOEXEC, 0));
	ASSERT_EQ(0, cfg_dup(s->pidfd, 41, 40));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("<missing>", fd_path(s, 40));
	EXPECT_STREQ("/dev/zero", fd_path(s, 41));
	EXPECT_EQ(0, fd_cloexec(s, 41));
}

/* dup:N of N: posix_spawn's dup2(fd, fd) rule, FD_CLOEXEC is cleared. */
TEST_F(fdops, dup_same_fd_clears_cloexec)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_open(s->pidfd, 40, "/dev/zero",
			      O_RDONLY | O_CLOEXEC, 0));
	ASSERT_EQ(0, cfg_open(s->pidfd, 41, "/dev/zero",
			      O_RDONLY | O_CLOEXEC, 0));
	ASSERT_EQ(0, cfg_dup(s->pidfd, 40, 40));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/zero", fd_path(s, 40));
	EXPECT_EQ(0, fd_cloexec(s, 40));
	/* The same open without the dup:N. */
	EXPECT_STREQ("<missing>", fd_path(s, 41));
}

/*
 * The copy is the same open file: with dup:1 from another pipe, the
 * report arrives on that pipe.
 */
TEST_F(fdops, dup_same_open_file)
{
	struct spawn *s = &self->s;
	char name[64];
	int p[2];

	ASSERT_EQ(0, pipe2(p, O_CLOEXEC));
	pipe_name(p[0], name, sizeof(name));
	ASSERT_EQ(0, cfg_fd_at(s->pidfd, 7, p[1]));
	ASSERT_EQ(0, close(p[1]));
	ASSERT_EQ(0, cfg_dup(s->pidfd, 1, 7));
	close(s->out);
	s->out = p[0];

	ASSERT_EQ(0, cfg_exec(s->pidfd));
	/* Were the report written elsewhere, p[0] would see EOF now. */
	ASSERT_EQ(0, spawn_reap(s));
	ASSERT_EQ(0, close(s->pidfd));
	s->pidfd = -1;
	ASSERT_EQ(0, spawn_read_report(s));
	EXPECT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(name, fd_path(s, 1));
	EXPECT_STREQ(name, fd_path(s, 7));
}

/* N just below the child's RLIMIT_NOFILE is fine (EBADF above). */
TEST_F(fdops, dup_below_rlimit)
{
	struct rlimit rl = { .rlim_cur = 64, .rlim_max = 64 };
	struct spawn *s = &self->s;
	char out[64];

	pipe_name(s->out, out, sizeof(out));
	ASSERT_EQ(0, prlimit(s->pid, RLIMIT_NOFILE, &rl, NULL));
	ASSERT_EQ(0, cfg_dup(s->pidfd, 63, 1));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(out, fd_path(s, 63));
}

/*
 * The options of an fd:N open.  PIDFD_CONFIG_OPEN_POSIX_CLOEXEC keeps
 * O_CLOEXEC only when N is the lowest free descriptor of the child at
 * that point, as glibc's open() + dup2() does.
 */
FIXTURE(open_options) {
	struct spawn s;
};

FIXTURE_VARIANT(open_options) {
	unsigned int fill;	/* fds opened first (/dev/null), a bit each */
	unsigned int holes;	/* of those, fds then closed again */
	int fd;			/* the open under test, of /dev/zero */
	int flags;
	bool kept;		/* is it open in the program? */
};

/* The child has only fd 1 (the report): 0 is the lowest free. */
FIXTURE_VARIANT_ADD(open_options, lowest_free_fd_0) {
	.fd = 0, .flags = O_RDONLY | O_CLOEXEC, .kept = false,
};

FIXTURE_VARIANT_ADD(open_options, lowest_free_after_fill) {
	.fill = 1U << 0, .fd = 2, .flags = O_RDONLY | O_CLOEXEC,
	.kept = false,
};

FIXTURE_VARIANT_ADD(open_options, lowest_free_hole) {
	.fill = 1U << 0 | 1U << 2 | 1U << 3 | 1U << 4, .holes = 1U << 3,
	.fd = 3, .flags = O_RDONLY | O_CLOEXEC, .kept = false,
};

FIXTURE_VARIANT_ADD(open_options, fd_0_free) {
	.fd = 5, .flags = O_RDONLY | O_CLOEXEC, .kept = true,
};

FIXTURE_VARIANT_ADD(open_options, lower_hole_free) {
	.fill = 1U << 0 | 1U << 2 | 1U << 3, .holes = 1U << 2,
	.fd = 4, .flags = O_RDONLY | O_CLOEXEC, .kept = true,
};

/*
 * An open N is closed first (POSIX, and glibc's addopen), so it is the
 * lowest free one if those below it are taken...
 */
FIXTURE_VARIANT_ADD(open_options, replacing_lowest) {
	.fill = 1U << 0, .fd = 0, .flags = O_RDONLY | O_CLOEXEC,
	.kept = false,
};

/* ... and not if one below it is free. */
FIXTURE_VARIANT_ADD(open_options, replacing_above_hole) {
	.fill = 1U << 0 | 1U << 5, .fd = 5, .flags = O_RDONLY | O_CLOEXEC,
	.kept = true,
};

FIXTURE_VARIANT_ADD(open_options, without_o_cloexec) {
	.fd = 0, .flags = O_RDONLY, .kept = true,
};

FIXTURE_SETUP(open_options)
{
	self->s.pidfd = -1;
	self->s.out = -1;
	self->s.reaped = true;
	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, spawn_init(&self->s));
}

FIXTURE_TEARDOWN(open_options)
{
	spawn_fini(&self->s);
}

TEST_F(open_options, posix_cloexec)
{
	struct spawn *s = &self->s;
	const char *want;
	int fd;

	for (fd = 0; fd < 32; fd++) {
		if (variant->fill & (1U << fd))
			ASSERT_EQ(0, cfg_open(s->pidfd, fd, "/dev/null",
					      O_RDONLY, 0));
	}
	for (fd = 0; fd < 32; fd++) {
		if (variant->holes & (1U << fd))
			ASSERT_EQ(0, cfg_close(s->pidfd, fd));
	}
	ASSERT_EQ(0, cfg_open_options(s->pidfd, variant->fd, "/dev/zero",
				      variant->flags, 0,
				      PIDFD_CONFIG_OPEN_POSIX_CLOEXEC));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	if (variant->kept) {
		EXPECT_STREQ("/dev/zero", fd_path(s, variant->fd));
		EXPECT_EQ(0, fd_cloexec(s, variant->fd));
	} else {
		EXPECT_STREQ("<missing>", fd_path(s, variant->fd));
	}
	for (fd = 0; fd < 32; fd++) {
		if (fd == variant->fd || !(variant->fill & (1U << fd)))
			continue;
		want = variant->holes & (1U << fd) ? "<missing>" : "/dev/null";
		EXPECT_STREQ(want, fd_path(s, fd));
	}
}

/* Without the option, O_CLOEXEC is kept wherever N is. */
TEST_F(fdops, open_cloexec_without_option)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, cfg_open(s->pidfd, 0, "/dev/zero", O_RDONLY | O_CLOEXEC,
			      0));
	ASSERT_EQ(0, cfg_open(s->pidfd, 5, "/dev/zero", O_RDONLY | O_CLOEXEC,
			      0));
	/* With it, at 6 (2 is the lowest free): not close-on-exec. */
	ASSERT_EQ(0, cfg_open_options(s->pidfd, 6, "/dev/zero",
				      O_RDONLY | O_CLOEXEC, 0,
				      PIDFD_CONFIG_OPEN_POSIX_CLOEXEC));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("<missing>", fd_path(s, 0));
	EXPECT_STREQ("<missing>", fd_path(s, 5));
	EXPECT_STREQ("/dev/zero", fd_path(s, 6));
}

/* The options in a struct larger than VER0 with a zero tail. */
TEST_F(fdops, open_options_larger_struct)
{
	struct spawn *s = &self->s;
	struct {
		struct pidfd_config_open how;
		__u64 future[3];
	} big = {
		.how.path = ptr_to_u64("/dev/zero"),
		.how.flags = O_RDONLY | O_CLOEXEC,
		.how.options = PIDFD_CONFIG_OPEN_POSIX_CLOEXEC,
	};

	ASSERT_EQ(0, cfg_binary(s->pidfd, "fd:5", &big, sizeof(big)));

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("/dev/zero", fd_path(s, 5));
	EXPECT_EQ(0, fd_cloexec(s, 5));
}

/*
 * "cwd" SET_INT: fchdir() to the child's descriptor aux, at that point of
 * the action list; a relative open after it is relative to that directory.
 */
enum cwd_source {
	CWD_OPEN_DIRECTORY,	/* fd:N open of the directory, O_DIRECTORY */
	CWD_OPEN_PATH,		/* ... O_PATH | O_DIRECTORY */
	CWD_OPEN_PATH_ONLY,	/* ... O_PATH */
	CWD_SET_FD,		/* fd:N of the caller's O_PATH descriptor */
	CWD_DUP,		/* dup:N of an fd:M open */
	CWD_INHERITED,		/* inherit_fds */
};

FIXTURE(cwd_by_fd) {
	struct spawn s;
	char tmpdir[PATH_MAX];
};

FIXTURE_VARIANT(cwd_by_fd) {
	enum cwd_source source;
};

FIXTURE_VARIANT_ADD(cwd_by_fd, open_directory) {
	.source = CWD_OPEN_DIRECTORY,
};

FIXTURE_VARIANT_ADD(cwd_by_fd, open_path_directory) {
	.source = CWD_OPEN_PATH,
};

FIXTURE_VARIANT_ADD(cwd_by_fd, open_path) {
	.source = CWD_OPEN_PATH_ONLY,
};

FIXTURE_VARIANT_ADD(cwd_by_fd, set_fd) {
	.source = CWD_SET_FD,
};

FIXTURE_VARIANT_ADD(cwd_by_fd, dup) {
	.source = CWD_DUP,
};

FIXTURE_VARIANT_ADD(cwd_by_fd, inherited) {
	.source = CWD_INHERITED,
};

FIXTURE_SETUP(cwd_by_fd)
{
	self->s.pidfd = -1;
	self->s.out = -1;
	self->s.reaped = true;
	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	ASSERT_EQ(0, make_file(self->tmpdir, "f", "f", 0644));
	ASSERT_EQ(0, spawn_init(&self->s));
}

FIXTURE_TEARDOWN(cwd_by_fd)
{
	spawn_fini(&self->s);
	if (self->tmpdir[0])
		rm_rf(self->tmpdir);
}

TEST_F(cwd_by_fd, fchdir)
{
	char cwd[PATH_MAX], path[PATH_MAX + 8];
	struct spawn *s = &self->s;
	int dirfd, root;

	ASSERT_NE(NULL, getcwd(cwd, sizeof(cwd)));
	ASSERT_NE(0, strcmp(cwd, self->tmpdir));
	dirfd = open(self->tmpdir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dirfd, 0);

	switch (variant->source) {
	case CWD_OPEN_DIRECTORY:
		ASSERT_EQ(0, cfg_open(s->pidfd, 40, self->tmpdir,
				      O_RDONLY | O_DIRECTORY, 0));
		break;
	case CWD_OPEN_PATH:
		ASSERT_EQ(0, cfg_open(s->pidfd, 40, self->tmpdir,
				      O_PATH | O_DIRECTORY, 0));
		break;
	case CWD_OPEN_PATH_ONLY:
		ASSERT_EQ(0, cfg_open(s->pidfd, 40, self->tmpdir, O_PATH, 0));
		break;
	case CWD_SET_FD:
		ASSERT_EQ(0, cfg_fd_at(s->pidfd, 40, dirfd));
		break;
	case CWD_DUP:
		ASSERT_EQ(0, cfg_open(s->pidfd, 39, self->tmpdir,
				      O_RDONLY | O_DIRECTORY, 0));
		ASSERT_EQ(0, cfg_dup(s->pidfd, 40, 39));
		break;
	case CWD_INHERITED:
		ASSERT_EQ(40, dup2(dirfd, 40));
		ASSERT_EQ(0, cfg_flag(s->pidfd, "inherit_fds"));
		break;
	}
	/* Our own fd 40, if any, is another directory. */
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(root, 0);
	ASSERT_EQ(40, dup3(root, 40, O_CLOEXEC));
	close(root);
	close(dirfd);

	ASSERT_EQ(0, cfg_int(s->pidfd, "cwd", 40));
	ASSERT_EQ(0, cfg_open(s->pidfd, 41, "f", O_RDONLY, 0));
	close(40);

	ASSERT_EQ(0, spawn_run(s));
	ASSERT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ(self->tmpdir, spawn_get(s, "cwd"));
	snprintf(path, sizeof(path), "%s/f", self->tmpdir);
	EXPECT_STREQ(path, fd_path(s, 41));
}

TEST_HARNESS_MAIN
