// SPDX-License-Identifier: GPL-2.0
/*
 * pidfd_config() with bad input: every rejection and its exact errno.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

#define NR_SET_CMDS (PIDFD_CONFIG_SET_INT + 1)
#define CMD_BIT(cmd) (1U << (cmd))

#define FLAG	CMD_BIT(PIDFD_CONFIG_SET_FLAG)
#define STRING	CMD_BIT(PIDFD_CONFIG_SET_STRING)
#define BINARY	CMD_BIT(PIDFD_CONFIG_SET_BINARY)
#define PATH	CMD_BIT(PIDFD_CONFIG_SET_PATH)
#define PATH_EMPTY CMD_BIT(PIDFD_CONFIG_SET_PATH_EMPTY)
#define FD	CMD_BIT(PIDFD_CONFIG_SET_FD)
#define INT	CMD_BIT(PIDFD_CONFIG_SET_INT)

static const struct {
	const char *key;
	unsigned int cmds;	/* the commands the key accepts */
} keys[] = {
	{ "exe",		PATH | PATH_EMPTY | FD | STRING },
	{ "argv",		STRING | BINARY | FLAG },
	{ "envp",		STRING | BINARY | FLAG },
	{ "fd:3",		FD | BINARY | FLAG },
	{ "dup:3",		INT },
	{ "close_range",	BINARY },
	{ "inherit_fds",	FLAG },
	{ "cwd",		PATH | FD | INT },
	{ "root",		PATH | FD },
	{ "umask",		INT },
	{ "sigmask",		BINARY },
	{ "sigignore",		BINARY },
	{ "inherit_sigignore",	FLAG },
	{ "sigdefault",		BINARY },
	{ "setsid",		FLAG },
	{ "pgid",		INT },
	{ "resetids",		FLAG },
	{ "no_new_privs",	FLAG },
	{ "pdeathsig",		INT },
	{ "ctty",		INT },
	{ "tcsetpgrp",		INT },
};

static const char * const cmd_names[] = {
	"SET_FLAG", "SET_STRING", "SET_BINARY", "SET_PATH", "SET_PATH_EMPTY",
	"SET_FD", "SET_INT", "CMD_EXEC", "CMD_ABORT",
};

/*
 * Call @cmd on @key with a value and aux of the right shape for the command
 * (so that only the key can be what is wrong).  @fd is an open file.
 */
static int cfg_shaped(int pidfd, unsigned int cmd, const char *key, int fd)
{
	static const __u64 zeroes[16];

	switch (cmd) {
	case PIDFD_CONFIG_SET_FLAG:
		return cfg_flag(pidfd, key);
	case PIDFD_CONFIG_SET_STRING:
		return cfg_string(pidfd, key, "/");
	case PIDFD_CONFIG_SET_BINARY:
		return cfg_binary(pidfd, key, zeroes, sizeof(zeroes));
	case PIDFD_CONFIG_SET_PATH:
		return cfg_path(pidfd, key, "/", AT_FDCWD);
	case PIDFD_CONFIG_SET_PATH_EMPTY:
		return cfg_path_empty(pidfd, key, "/", AT_FDCWD);
	case PIDFD_CONFIG_SET_FD:
		return cfg_fd(pidfd, key, fd);
	case PIDFD_CONFIG_SET_INT:
		return cfg_int(pidfd, key, 0);
	}
	return -ENOTRECOVERABLE;
}

FIXTURE(builder) {
	pid_t pid;
	int pidfd;
	int null;	/* an open file, for SET_FD */
	char tmpdir[PATH_MAX];
};

FIXTURE_SETUP(builder)
{
	self->pidfd = -1;
	self->null = -1;
	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, create_empty_child(&self->pid, &self->pidfd));
	self->null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_GE(self->null, 0);
}

FIXTURE_TEARDOWN(builder)
{
	if (self->pidfd >= 0)
		kill_and_reap(self->pid, self->pidfd);
	if (self->null >= 0)
		close(self->null);
	if (self->tmpdir[0])
		rm_rf(self->tmpdir);
}

/* After rejected calls, the builder is still parked and usable. */
static void assert_still_parked(struct __test_metadata *_metadata,
				pid_t pid, int *pidfd)
{
	siginfo_t info;

	EXPECT_TRUE(parked_state(wait_parked_state(pid)));
	ASSERT_EQ(0, cfg_abort(*pidfd));
	ASSERT_EQ(0, wait_pidfd(*pidfd, &info));
	EXPECT_TRUE(killed_by(&info, SIGKILL));
	close(*pidfd);
	*pidfd = -1;
}

/* Every key with every command it accepts (configuration only). */
TEST_F(builder, accepted_commands)
{
	struct pidfd_config_open how = {
		.path = ptr_to_u64("/dev/null"),
		.flags = O_RDONLY,
	};
	struct pidfd_config_range range = { .first = 3, .last = ~0U };
	int exe_fd, exe_path_fd, dir_fd;
	sigset_t set;

	exe_fd = open(probe_path(), O_RDONLY | O_CLOEXEC);
	ASSERT_GE(exe_fd, 0);
	exe_path_fd = open(probe_path(), O_PATH | O_CLOEXEC);
	ASSERT_GE(exe_path_fd, 0);
	dir_fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	ASSERT_GE(dir_fd, 0);
	sigset_clear(&set);

	EXPECT_EQ(0, cfg_path(self->pidfd, "exe", probe_path(), AT_FDCWD));
	EXPECT_EQ(0, cfg_path_empty(self->pidfd, "exe", "", exe_path_fd));
	EXPECT_EQ(0, cfg_fd(self->pidfd, "exe", exe_fd));
	EXPECT_EQ(0, cfg_string(self->pidfd, "exe", probe_path()));

	EXPECT_EQ(0, cfg_string(self->pidfd, "argv", "x"));
	EXPECT_EQ(0, cfg_binary(self->pidfd, "argv", "x", 2));
	EXPECT_EQ(0, cfg_flag(self->pidfd, "argv"));
	EXPECT_EQ(0, cfg_string(self->pidfd, "envp", "X=1"));
	EXPECT_EQ(0, cfg_binary(self->pidfd, "envp", "X=1", 4));
	EXPECT_EQ(0, cfg_flag(self->pidfd, "envp"));

	EXPECT_EQ(0, cfg_fd(self->pidfd, "fd:3", self->null));
	EXPECT_EQ(0, cfg_binary(self->pidfd, "fd:3", &how, sizeof(how)));
	EXPECT_EQ(0, cfg_flag(self->pidfd, "fd:3"));
	how.options = PIDFD_CONFIG_OPEN_POSIX_CLOEXEC;
	EXPECT_EQ(0, cfg_binary(self->pidfd, "fd:3", &how, sizeof(how)));
	EXPECT_EQ(0, cfg_int(self->pidfd, "dup:4", 3));
	EXPECT_EQ(0, cfg_binary(self->pidfd, "close_range", &range,
				sizeof(range)));
	EXPECT_EQ(0, cfg_flag(self->pidfd, "inherit_fds"));

	EXPECT_EQ(0, cfg_path(self->pidfd, "cwd", "/", AT_FDCWD));
	EXPECT_EQ(0, cfg_fd(self->pidfd, "cwd", dir_fd));
	EXPECT_EQ(0, cfg_int(self->pidfd, "cwd", 3));
	EXPECT_EQ(0, cfg_path(self->pidfd, "root", "/", AT_FDCWD));
	EXPECT_EQ(0, cfg_fd(self->pidfd, "root", dir_fd));

	EXPECT_EQ(0, cfg_int(self->pidfd, "umask", 022));
	EXPECT_EQ(0, cfg_binary(self->pidfd, "sigmask", &set, sizeof(set)));
	EXPECT_EQ(0, cfg_binary(self->pidfd, "sigignore", &set, sizeof(set)));
	EXPECT_EQ(0, cfg_flag(self->pidfd, "inherit_sigignore"));
	EXPECT_EQ(0, cfg_binary(self->pidfd, "sigdefault", &set, sizeof(set)));
	EXPECT_EQ(0, cfg_flag(self->pidfd, "setsid"));
	EXPECT_EQ(0, cfg_int(self->pidfd, "pgid", 0));
	EXPECT_EQ(0, cfg_flag(self->pidfd, "resetids"));
	EXPECT_EQ(0, cfg_flag(self->pidfd, "no_new_privs"));
	EXPECT_EQ(0, cfg_int(self->pidfd, "pdeathsig", SIGTERM));
	EXPECT_EQ(0, cfg_int(self->pidfd, "ctty", 0));
	EXPECT_EQ(0, cfg_int(self->pidfd, "tcsetpgrp", 0));

	close(exe_fd);
	close(exe_path_fd);
	close(dir_fd);
	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* Every key with every command it does not accept: EINVAL, no effect. */
TEST(rejected_commands)
{
	struct spawn s;
	unsigned int cmd;
	size_t i;
	int null;

	if (!have_pidfd_spawn(_metadata))
		return;
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	ASSERT_GE(null, 0);
	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));

	for (i = 0; i < ARRAY_SIZE(keys); i++) {
		for (cmd = 0; cmd < NR_SET_CMDS; cmd++) {
			if (keys[i].cmds & CMD_BIT(cmd))
				continue;
			EXPECT_EQ(-EINVAL, cfg_shaped(s.pidfd, cmd, keys[i].key,
						      null)) {
				TH_LOG("key %s, %s", keys[i].key,
				       cmd_names[cmd]);
			}
		}
	}

	/* Nothing was changed by the rejected calls. */
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_EQ(1, spawn_get_long(&s, "argc"));
	EXPECT_STREQ(PROBE_NAME, spawn_get(&s, "argv.0"));
	EXPECT_EQ(0, spawn_get_long(&s, "envc"));
	EXPECT_STREQ("1", spawn_get(&s, "fds"));
	EXPECT_EQ(getsid(0), spawn_get_long(&s, "sid"));
	EXPECT_EQ(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0),
		  spawn_get_long(&s, "nnp"));
	spawn_fini(&s);
	close(null);
}

/* Unknown keys: EINVAL with every command. */
TEST_F(builder, unknown_keys)
{
	static const char * const unknown[] = {
		"", "bogus", "EXE", "exe ", " exe", "exe\n", "arg", "argv0",
		"env", "fd", "fd:", "fd:01", "fd:00", "fd:-1", "fd:+1",
		"fd:1x", "fd: 1", "fd:0x1", "fd:1:2", "fd:1 ", "FD:1",
		"fd:1\n", "fd:\n", "fd:3\n\n", "fd:1\t",
		"inherit-fds", "no-new-privs", "sigmask\t", "cwd/", "rootdir",
		"dup", "dup:", "dup:01", "dup:00", "dup:-1", "dup:+1", "dup:x",
		"dup:1x", "dup: 1", "dup:0x1", "dup:1:2", "dup:1\n", "DUP:1",
		"close-range", "closerange", "close_range ", "tcsetpgrp\n",
		"tcgetpgrp", "inherit-sigignore", "inherit_sigignores",
		"sigdefault\t", "sig_default",
	};
	unsigned int cmd;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(unknown); i++) {
		for (cmd = 0; cmd < NR_SET_CMDS; cmd++) {
			EXPECT_EQ(-EINVAL, cfg_shaped(self->pidfd, cmd,
						      unknown[i],
						      self->null)) {
				TH_LOG("key \"%s\", %s", unknown[i],
				       cmd_names[cmd]);
			}
		}
	}
	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* fd:N with N >= fs.nr_open: EBADF; N just below: accepted. */
TEST_F(builder, fd_key_beyond_nr_open)
{
	char buf[32], key[48];
	long nr_open;

	ASSERT_GT(read_path("/proc/sys/fs/nr_open", buf, sizeof(buf)), 0);
	nr_open = strtol(buf, NULL, 10);
	ASSERT_GT(nr_open, 0);

	snprintf(key, sizeof(key), "fd:%ld", nr_open);
	EXPECT_EQ(-EBADF, cfg_fd(self->pidfd, key, self->null));
	EXPECT_EQ(-EBADF, cfg_flag(self->pidfd, key));
	snprintf(key, sizeof(key), "fd:%ld", nr_open - 1);
	EXPECT_EQ(0, cfg_fd(self->pidfd, key, self->null));
	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

TEST_F(builder, unknown_cmd)
{
	static const unsigned int cmds[] = {
		PIDFD_CONFIG_SET_BATCH + 1, 11, 100, 0x80000000U, ~0U,
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		EXPECT_EQ(-EOPNOTSUPP, cfg(self->pidfd, cmds[i], NULL, NULL, 0));
		EXPECT_EQ(-EOPNOTSUPP, cfg(self->pidfd, cmds[i], "umask",
					   NULL, 0));
		/* The fd is checked before the command. */
		EXPECT_EQ(-EBADF, cfg(-1, cmds[i], NULL, NULL, 0));
		EXPECT_EQ(-EBADF, cfg(self->null, cmds[i], NULL, NULL, 0));
	}
	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

TEST_F(builder, key_too_long)
{
	char key[PIDFD_CONFIG_KEY_MAX + 2];
	long page = sysconf(_SC_PAGESIZE);
	unsigned int cmd;
	char *map, *edge;

	memset(key, 'a', sizeof(key));
	key[PIDFD_CONFIG_KEY_MAX + 1] = '\0';		/* 257 bytes */
	for (cmd = 0; cmd < NR_SET_CMDS; cmd++)
		EXPECT_EQ(-EINVAL, cfg_shaped(self->pidfd, cmd, key, self->null));

	/* Known key names padded beyond the limit are still too long. */
	memcpy(key, "umask", 5);
	EXPECT_EQ(-EINVAL, cfg_int(self->pidfd, key, 0));

	/*
	 * No NUL before an unmapped page: the kernel reads no further than
	 * the limit, so this is EINVAL, not EFAULT.
	 */
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, munmap(map + page, page));
	edge = map + page - 2 * PIDFD_CONFIG_KEY_MAX;
	memset(edge, 'a', 2 * PIDFD_CONFIG_KEY_MAX);
	EXPECT_EQ(-EINVAL, cfg_flag(self->pidfd, edge));
	munmap(map, page);

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

TEST_F(builder, bad_pointers)
{
	struct pidfd_config_open how = { .flags = O_RDONLY };
	long page = sysconf(_SC_PAGESIZE);
	const char *bad = (const char *)1;
	char *unmapped;

	unmapped = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);

	/* Keys. */
	EXPECT_EQ(-EFAULT, cfg_flag(self->pidfd, bad));
	EXPECT_EQ(-EFAULT, cfg_flag(self->pidfd, unmapped));
	EXPECT_EQ(-EFAULT, cfg_int(self->pidfd, unmapped, 0));
	EXPECT_EQ(-EFAULT, cfg_string(self->pidfd, unmapped, "x"));

	/* Values. */
	EXPECT_EQ(-EFAULT, cfg_string(self->pidfd, "argv", bad));
	EXPECT_EQ(-EFAULT, cfg_string(self->pidfd, "envp", unmapped));
	EXPECT_EQ(-EFAULT, cfg_string(self->pidfd, "exe", unmapped));
	EXPECT_EQ(-EFAULT, cfg_binary(self->pidfd, "argv", unmapped, 8));
	EXPECT_EQ(-EFAULT, cfg_binary(self->pidfd, "envp", bad, 8));
	EXPECT_EQ(-EFAULT, cfg_binary(self->pidfd, "sigmask", unmapped, 8));
	EXPECT_EQ(-EFAULT, cfg_binary(self->pidfd, "sigignore", bad, 8));
	EXPECT_EQ(-EFAULT, cfg_binary(self->pidfd, "fd:3", unmapped,
				      sizeof(how)));
	EXPECT_EQ(-EFAULT, cfg_path(self->pidfd, "exe", unmapped, AT_FDCWD));
	EXPECT_EQ(-EFAULT, cfg_path(self->pidfd, "cwd", bad, AT_FDCWD));
	EXPECT_EQ(-EFAULT, cfg_path(self->pidfd, "root", unmapped, AT_FDCWD));
	EXPECT_EQ(-EFAULT, cfg_path_empty(self->pidfd, "exe", unmapped,
					  AT_FDCWD));

	/* The path inside struct pidfd_config_open. */
	how.path = ptr_to_u64(unmapped);
	EXPECT_EQ(-EFAULT, cfg_binary(self->pidfd, "fd:3", &how, sizeof(how)));
	how.path = 0;
	EXPECT_EQ(-EFAULT, cfg_binary(self->pidfd, "fd:3", &how, sizeof(how)));

	munmap(unmapped, page);
	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* Wrong value/aux shape for the command: EINVAL. */
TEST_F(builder, bad_shape)
{
	static const __u64 mask;
	int pidfd = self->pidfd;
	unsigned int cmd;

	/* Were a bad CMD_EXEC accepted, it would run this. */
	ASSERT_EQ(0, cfg_string(pidfd, "exe", probe_path()));
	ASSERT_EQ(0, cfg_string(pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_string(pidfd, "argv", "--exit"));
	ASSERT_EQ(0, cfg_string(pidfd, "argv", "0"));

	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_SET_FLAG, "setsid", "x", 0));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 1));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_SET_STRING, "argv", NULL, 0));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_SET_STRING, "argv", "x", 1));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_SET_BINARY, "sigmask",
			       NULL, sizeof(mask)));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_SET_PATH, "cwd", NULL,
			       AT_FDCWD));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_SET_PATH_EMPTY, "exe", NULL,
			       AT_FDCWD));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_SET_FD, "fd:3", "x",
			       self->null));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_SET_INT, "umask", "x", 0));

	/* No key for SET_*. */
	for (cmd = 0; cmd < NR_SET_CMDS; cmd++)
		EXPECT_EQ(-EINVAL, cfg_shaped(pidfd, cmd, NULL, self->null));

	/* CMD_EXEC / CMD_ABORT take nothing. */
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_CMD_EXEC, "exe", NULL, 0));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_CMD_EXEC, NULL, "x", 0));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 1));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_CMD_ABORT, "exe", NULL, 0));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_CMD_ABORT, NULL, "x", 0));
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 1));

	/* argv/envp blocks must end with a NUL. */
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "argv", "ab", 2));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "envp", "A=1\0B", 5));

	/* None of the CMD_ABORTs above went through. */
	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* One argv/envp string beyond MAX_ARG_STRLEN: E2BIG, nothing changes. */
TEST(string_too_long)
{
	/* MAX_ARG_STRLEN, with the NUL */
	const size_t max_arg_strlen = 32 * sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	struct spawn s;
	char *big;

	if (!have_pidfd_spawn(_metadata))
		return;
	/* A stack limit that allows one string of MAX_ARG_STRLEN. */
	ASSERT_EQ(0, getrlimit(RLIMIT_STACK, &rl));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 8 << 20)
		SKIP(return, "RLIMIT_STACK hard limit below 8 MiB");
	rl.rlim_cur = 8 << 20;
	ASSERT_EQ(0, setrlimit(RLIMIT_STACK, &rl));

	big = malloc(max_arg_strlen + 2);
	ASSERT_NE(NULL, big);
	memset(big, 'x', max_arg_strlen + 1);
	big[max_arg_strlen] = '\0';	/* strlen MAX_ARG_STRLEN: too long */

	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	EXPECT_EQ(-E2BIG, cfg_string(s.pidfd, "argv", big));
	EXPECT_EQ(-E2BIG, cfg_string(s.pidfd, "envp", big));
	EXPECT_EQ(-E2BIG, cfg_binary(s.pidfd, "argv", big,
				     max_arg_strlen + 1));
	EXPECT_EQ(-E2BIG, cfg_binary(s.pidfd, "envp", big,
				     max_arg_strlen + 1));
	/* One byte less fits. */
	big[max_arg_strlen - 1] = '\0';
	EXPECT_EQ(0, cfg_string(s.pidfd, "envp", big));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", "after"));

	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_EQ(2, spawn_get_long(&s, "argc"));
	EXPECT_STREQ("after", spawn_get(&s, "argv.1"));
	EXPECT_EQ(1, spawn_get_long(&s, "envc"));
	EXPECT_EQ(max_arg_strlen - 1, strlen(spawn_get(&s, "envp.0")));
	spawn_fini(&s);
	free(big);
}

/*
 * The total size of argv + envp is limited like execve() by the caller's
 * RLIMIT_STACK: with 1 MiB, max(128 KiB, 1 MiB / 4) = 256 KiB.
 */
TEST(vectors_too_big)
{
	const size_t len = 40000;	/* six fit in 256 KiB, seven do not */
	struct rlimit rl;
	struct spawn s;
	char *str, *block;
	int i;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, getrlimit(RLIMIT_STACK, &rl));
	rl.rlim_cur = 1 << 20;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < rl.rlim_cur)
		SKIP(return, "RLIMIT_STACK hard limit below 1 MiB");
	ASSERT_EQ(0, setrlimit(RLIMIT_STACK, &rl));

	str = malloc(len + 1);
	ASSERT_NE(NULL, str);
	memset(str, 'a', len);
	str[len] = '\0';
	block = malloc(8 * (len + 1));
	ASSERT_NE(NULL, block);
	for (i = 0; i < 8; i++)
		memcpy(block + i * (len + 1), str, len + 1);

	ASSERT_EQ(0, spawn_init(&s));
	for (i = 0; i < 6; i++)
		ASSERT_EQ(0, cfg_string(s.pidfd, "argv", str));
	EXPECT_EQ(-E2BIG, cfg_string(s.pidfd, "argv", str));
	/* envp counts against the same limit. */
	EXPECT_EQ(-E2BIG, cfg_string(s.pidfd, "envp", str));
	str[1000] = '\0';
	EXPECT_EQ(0, cfg_string(s.pidfd, "envp", str));
	/* A replacing block that is too big leaves the vector alone. */
	EXPECT_EQ(-E2BIG, cfg_binary(s.pidfd, "argv", block, 8 * (len + 1)));
	/* A replacing block that fits, given what it replaces, is fine. */
	EXPECT_EQ(0, cfg_binary(s.pidfd, "argv", block, 5 * (len + 1)));
	EXPECT_EQ(-E2BIG, cfg_binary(s.pidfd, "envp", block, 2 * (len + 1)));

	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_EQ(5, spawn_get_long(&s, "argc"));
	EXPECT_EQ(1, spawn_get_long(&s, "envc"));
	EXPECT_EQ(1000UL, strlen(spawn_get(&s, "envp.0")));
	spawn_fini(&s);
	free(block);
	free(str);
}

TEST_F(builder, path_too_long)
{
	struct pidfd_config_open how = { .flags = O_RDONLY };
	char *path;

	path = malloc(PATH_MAX + 1);
	ASSERT_NE(NULL, path);
	memset(path, 'p', PATH_MAX);
	path[0] = '/';
	path[PATH_MAX] = '\0';		/* PATH_MAX + 1 bytes with the NUL */
	how.path = ptr_to_u64(path);

	EXPECT_EQ(-ENAMETOOLONG, cfg_string(self->pidfd, "exe", path));
	EXPECT_EQ(-ENAMETOOLONG, cfg_path(self->pidfd, "exe", path, AT_FDCWD));
	EXPECT_EQ(-ENAMETOOLONG, cfg_path(self->pidfd, "cwd", path, AT_FDCWD));
	EXPECT_EQ(-ENAMETOOLONG, cfg_path(self->pidfd, "root", path,
					  AT_FDCWD));
	EXPECT_EQ(-ENAMETOOLONG, cfg_binary(self->pidfd, "fd:3", &how,
					    sizeof(how)));
	/* PATH_MAX with the NUL is fine (it fails at exec, not here). */
	path[PATH_MAX - 1] = '\0';
	EXPECT_EQ(0, cfg_string(self->pidfd, "exe", path));

	free(path);
	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

TEST_F(builder, bad_fds)
{
	int closed, pidfd = self->pidfd;

	closed = dup(self->null);
	ASSERT_GE(closed, 0);
	ASSERT_EQ(0, close(closed));

	EXPECT_EQ(-EBADF, cfg_fd(pidfd, "fd:3", -1));
	EXPECT_EQ(-EBADF, cfg_fd(pidfd, "fd:3", closed));
	EXPECT_EQ(-EBADF, cfg_fd(pidfd, "fd:3", INT_MAX));
	EXPECT_EQ(-EBADF, cfg_fd(pidfd, "exe", -1));
	EXPECT_EQ(-EBADF, cfg_fd(pidfd, "exe", closed));
	EXPECT_EQ(-EBADF, cfg_fd(pidfd, "cwd", closed));
	EXPECT_EQ(-EBADF, cfg_fd(pidfd, "root", closed));

	EXPECT_EQ(-EBADF, cfg_path(pidfd, "exe", PROBE_NAME, closed));
	EXPECT_EQ(-EBADF, cfg_path(pidfd, "cwd", "tmp", closed));
	EXPECT_EQ(-EBADF, cfg_path(pidfd, "root", "tmp", closed));
	EXPECT_EQ(-EBADF, cfg_path_empty(pidfd, "exe", "", closed));
	EXPECT_EQ(-EBADF, cfg_path_empty(pidfd, "exe", PROBE_NAME, closed));

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* A builder file may not be installed in a child: EINVAL. */
TEST_F(builder, builder_as_file)
{
	int other, dup_self, opened;
	pid_t other_pid;

	ASSERT_EQ(0, create_empty_child(&other_pid, &other));
	dup_self = dup(self->pidfd);
	ASSERT_GE(dup_self, 0);

	EXPECT_EQ(-EINVAL, cfg_fd(self->pidfd, "fd:3", self->pidfd));
	EXPECT_EQ(-EINVAL, cfg_fd(self->pidfd, "fd:3", dup_self));
	EXPECT_EQ(-EINVAL, cfg_fd(self->pidfd, "fd:3", other));
	EXPECT_EQ(-EINVAL, cfg_fd(self->pidfd, "exe", other));
	EXPECT_EQ(-EINVAL, cfg_fd(self->pidfd, "cwd", other));
	EXPECT_EQ(-EINVAL, cfg_fd(self->pidfd, "root", other));
	EXPECT_EQ(-EINVAL, cfg_fd(other, "fd:0", self->pidfd));

	/* An ordinary pidfd of the same process is just a file. */
	opened = sys_pidfd_open(other_pid, 0);
	ASSERT_GE(opened, 0);
	EXPECT_EQ(0, cfg_fd(self->pidfd, "fd:3", opened));

	close(opened);
	close(dup_self);
	kill_and_reap(other_pid, other);
	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* Only the builder configures: other pidfds EINVAL, other fds EBADF. */
TEST_F(builder, not_a_builder)
{
	struct __clone_args args = {
		.flags = CLONE_PIDFD,
		.exit_signal = SIGCHLD,
	};
	int opened, self_pidfd, plain = -1, pipefd[2], closed;
	siginfo_t info;
	pid_t pid;

	opened = sys_pidfd_open(self->pid, 0);
	ASSERT_GE(opened, 0);
	EXPECT_EQ(-EINVAL, cfg_flag(opened, "setsid"));
	EXPECT_EQ(-EINVAL, cfg_string(opened, "argv", "x"));
	EXPECT_EQ(-EINVAL, cfg_exec(opened));
	EXPECT_EQ(-EINVAL, cfg_abort(opened));
	EXPECT_EQ(-EINVAL, cfg(opened, 100, NULL, NULL, 0));

	self_pidfd = sys_pidfd_open(getpid(), 0);
	ASSERT_GE(self_pidfd, 0);
	EXPECT_EQ(-EINVAL, cfg_flag(self_pidfd, "setsid"));
	EXPECT_EQ(-EINVAL, cfg_abort(self_pidfd));

	/* The pidfd of an ordinary clone3(CLONE_PIDFD) child. */
	args.pidfd = ptr_to_u64(&plain);
	pid = sys_clone3(&args, sizeof(args));
	ASSERT_GE(pid, 0);
	if (pid == 0)
		_exit(0);
	EXPECT_EQ(-EINVAL, cfg_flag(plain, "setsid"));
	EXPECT_EQ(-EINVAL, cfg_abort(plain));
	EXPECT_EQ(0, wait_pidfd(plain, &info));
	close(plain);

	/* Not a pidfd at all. */
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	closed = dup(self->null);
	ASSERT_GE(closed, 0);
	ASSERT_EQ(0, close(closed));
	EXPECT_EQ(-EBADF, cfg_flag(self->null, "setsid"));
	EXPECT_EQ(-EBADF, cfg_abort(pipefd[0]));
	EXPECT_EQ(-EBADF, cfg_flag(-1, "setsid"));
	EXPECT_EQ(-EBADF, cfg_abort(closed));
	EXPECT_EQ(-EBADF, cfg_abort(INT_MAX));
	close(pipefd[0]);
	close(pipefd[1]);
	close(self_pidfd);
	close(opened);

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* SET_INT values out of range for their key: EINVAL. */
TEST_F(builder, int_out_of_range)
{
	int pidfd = self->pidfd;

	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "umask", 01000));
	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "umask", -1));
	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "umask", INT_MAX));
	EXPECT_EQ(0, cfg_int(pidfd, "umask", 0777));

	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "pdeathsig", KERNEL_NSIG + 1));
	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "pdeathsig", -1));
	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "pdeathsig", INT_MIN));
	EXPECT_EQ(0, cfg_int(pidfd, "pdeathsig", KERNEL_NSIG));
	EXPECT_EQ(0, cfg_int(pidfd, "pdeathsig", 0));

	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "pgid", -1));
	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "pgid", INT_MIN));
	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "ctty", -1));
	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "ctty", INT_MIN));

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

static void check_sigset_errors(struct __test_metadata *_metadata,
				int pidfd, const char *key)
{
	unsigned char buf[4097];

	memset(buf, 0, sizeof(buf));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, key, buf, 0));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, key, buf, 4));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, key, buf, KERNEL_SIGSET_SIZE - 1));
	EXPECT_EQ(0, cfg_binary(pidfd, key, buf, KERNEL_SIGSET_SIZE));
	EXPECT_EQ(0, cfg_binary(pidfd, key, buf, sizeof(sigset_t)));
	EXPECT_EQ(0, cfg_binary(pidfd, key, buf, 4096));
	EXPECT_EQ(-E2BIG, cfg_binary(pidfd, key, buf, 4097));

	/* Non-zero bytes past the kernel's sigset. */
	buf[KERNEL_SIGSET_SIZE] = 1;
	EXPECT_EQ(-E2BIG, cfg_binary(pidfd, key, buf, sizeof(sigset_t)));
	buf[KERNEL_SIGSET_SIZE] = 0;
	buf[sizeof(sigset_t) - 1] = 0x80;
	EXPECT_EQ(-E2BIG, cfg_binary(pidfd, key, buf, sizeof(sigset_t)));
	/* ... but not past aux. */
	EXPECT_EQ(0, cfg_binary(pidfd, key, buf, sizeof(sigset_t) - 1));
}

TEST_F(builder, sigset_errors)
{
	sigset_t set;

	check_sigset_errors(_metadata, self->pidfd, "sigmask");
	check_sigset_errors(_metadata, self->pidfd, "sigignore");

	/* SIGKILL and SIGSTOP cannot be ignored... */
	sigset_clear(&set);
	sigaddset(&set, SIGKILL);
	EXPECT_EQ(-EINVAL, cfg_binary(self->pidfd, "sigignore", &set,
				      sizeof(set)));
	sigset_clear(&set);
	sigaddset(&set, SIGSTOP);
	EXPECT_EQ(-EINVAL, cfg_binary(self->pidfd, "sigignore", &set,
				      sizeof(set)));
	/* ... but blocking them is silently ignored, as for sigprocmask(). */
	sigaddset(&set, SIGKILL);
	EXPECT_EQ(0, cfg_binary(self->pidfd, "sigmask", &set, sizeof(set)));

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

TEST_F(builder, config_open_errors)
{
	struct {
		struct pidfd_config_open how;
		__u64 tail;
	} big = {
		.how.path = ptr_to_u64("/dev/null"),
		.how.flags = O_RDONLY,
	};
	int pidfd = self->pidfd;

	ASSERT_EQ((size_t)PIDFD_CONFIG_OPEN_SIZE_VER0,
		  sizeof(struct pidfd_config_open));

	EXPECT_EQ(0, cfg_binary(pidfd, "fd:3", &big.how, sizeof(big.how)));
	EXPECT_EQ(0, cfg_binary(pidfd, "fd:3", &big, sizeof(big)));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "fd:3", &big.how, 16));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "fd:3", &big.how,
				      PIDFD_CONFIG_OPEN_SIZE_VER0 - 1));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "fd:3", &big.how, 0));

	big.tail = 1;
	EXPECT_EQ(-E2BIG, cfg_binary(pidfd, "fd:3", &big, sizeof(big)));
	big.tail = 0;

	big.how.reserved = 1;
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "fd:3", &big.how,
				      sizeof(big.how)));
	big.how.reserved = 1U << 31;
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "fd:3", &big, sizeof(big)));

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* fs.nr_open: the fd numbers pidfd_config() takes are below it. */
static long read_nr_open(struct __test_metadata *_metadata)
{
	char buf[32];
	long nr_open;

	EXPECT_GT(read_path("/proc/sys/fs/nr_open", buf, sizeof(buf)), 0);
	nr_open = strtol(buf, NULL, 10);
	EXPECT_GT(nr_open, 0);
	return nr_open;
}

/* The options of struct pidfd_config_open: unknown bits are EINVAL. */
TEST_F(builder, config_open_options)
{
	static const __u32 bad[] = {
		1U << 1, 1U << 31, ~0U, PIDFD_CONFIG_OPEN_POSIX_CLOEXEC | 1U << 2,
	};
	struct {
		struct pidfd_config_open how;
		__u64 tail;
	} big = {
		.how.path = ptr_to_u64("/dev/null"),
		.how.flags = O_RDONLY | O_CLOEXEC,
		.how.options = PIDFD_CONFIG_OPEN_POSIX_CLOEXEC,
	};
	int pidfd = self->pidfd;
	size_t i;

	EXPECT_EQ(0, cfg_binary(pidfd, "fd:3", &big.how, sizeof(big.how)));
	EXPECT_EQ(0, cfg_binary(pidfd, "fd:3", &big, sizeof(big)));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		big.how.options = bad[i];
		EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "fd:3", &big.how,
					      sizeof(big.how))) {
			TH_LOG("options %#x", bad[i]);
		}
	}
	big.how.options = PIDFD_CONFIG_OPEN_POSIX_CLOEXEC;
	big.how.reserved = 1;
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "fd:3", &big.how,
				      sizeof(big.how)));
	big.how.reserved = 0;
	big.tail = 1;
	EXPECT_EQ(-E2BIG, cfg_binary(pidfd, "fd:3", &big, sizeof(big)));

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* close_range: the size rules of copy_struct_from_user() and each field. */
TEST_F(builder, close_range_errors)
{
	static const struct pidfd_config_range bad[] = {
		{ .first = 3, .last = ~0U, .reserved = 1 },
		{ .first = 3, .last = ~0U, .reserved = 1U << 31 },
		{ .first = 3, .last = ~0U, .flags = CLOSE_RANGE_UNSHARE },
		{ .first = 3, .last = ~0U,
		  .flags = CLOSE_RANGE_CLOEXEC | CLOSE_RANGE_UNSHARE },
		{ .first = 3, .last = ~0U, .flags = 1U << 0 },
		{ .first = 3, .last = ~0U, .flags = 1U << 3 },
		{ .first = 3, .last = ~0U, .flags = 1U << 31 },
		{ .first = 4, .last = 3 },
		{ .first = ~0U, .last = 0 },
	};
	static const struct pidfd_config_range good[] = {
		{ .first = 3, .last = ~0U },
		{ .first = 0, .last = ~0U, .flags = CLOSE_RANGE_CLOEXEC },
		{ .first = 5, .last = 5 },
		{ .first = ~0U, .last = ~0U },
	};
	long page = sysconf(_SC_PAGESIZE);
	struct {
		struct pidfd_config_range range;
		__u64 tail;
	} big = { .range = { .first = 3, .last = ~0U } };
	int pidfd = self->pidfd;
	char *buf, *unmapped;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(good); i++)
		EXPECT_EQ(0, cfg_binary(pidfd, "close_range", &good[i],
					sizeof(good[i])));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "close_range", &bad[i],
					      sizeof(bad[i]))) {
			TH_LOG("{ %u, %u, %#x, %#x }", bad[i].first,
			       bad[i].last, bad[i].flags, bad[i].reserved);
		}
	}

	/* Sizes. */
	ASSERT_EQ((size_t)PIDFD_CONFIG_RANGE_SIZE_VER0,
		  sizeof(struct pidfd_config_range));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "close_range", &big, 0));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "close_range", &big, 8));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "close_range", &big,
				      PIDFD_CONFIG_RANGE_SIZE_VER0 - 1));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "close_range", &big, -1));
	EXPECT_EQ(0, cfg_binary(pidfd, "close_range", &big, sizeof(big)));
	big.tail = 1ULL << 63;
	EXPECT_EQ(-E2BIG, cfg_binary(pidfd, "close_range", &big, sizeof(big)));

	buf = calloc(1, page + 1);
	ASSERT_NE(NULL, buf);
	memcpy(buf, &big.range, sizeof(big.range));
	EXPECT_EQ(0, cfg_binary(pidfd, "close_range", buf, page));
	EXPECT_EQ(-E2BIG, cfg_binary(pidfd, "close_range", buf, page + 1));
	buf[page - 1] = 1;
	EXPECT_EQ(-E2BIG, cfg_binary(pidfd, "close_range", buf, page));
	free(buf);

	/* Pointers. */
	unmapped = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	ASSERT_NE(MAP_FAILED, unmapped);
	EXPECT_EQ(-EFAULT, cfg_binary(pidfd, "close_range", unmapped,
				      sizeof(big.range)));
	munmap(unmapped, page);
	EXPECT_EQ(-EINVAL, cfg(pidfd, PIDFD_CONFIG_SET_BINARY, "close_range",
			       NULL, sizeof(big.range)));

	/* Other commands. */
	EXPECT_EQ(-EINVAL, cfg_int(pidfd, "close_range", 3));
	EXPECT_EQ(-EINVAL, cfg_flag(pidfd, "close_range"));
	EXPECT_EQ(-EINVAL, cfg_fd(pidfd, "close_range", self->null));
	EXPECT_EQ(-EINVAL, cfg_string(pidfd, "close_range", "3"));

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* "dup:N" is spelled as "fd:N" is: decimal, no sign, no leading zero. */
TEST_F(builder, dup_key)
{
	static const char * const malformed[] = {
		"dup:", "dup:01", "dup:00", "dup:x", "dup:-1", "dup:+1",
		"dup:1x", "dup: 1", "dup:1 ", "dup:0x1", "dup:1\n",
		"dup:4294967296", "dup:99999999999",
	};
	long nr_open = read_nr_open(_metadata);
	int pidfd = self->pidfd;
	char key[48];
	size_t i;

	EXPECT_EQ(0, cfg_int(pidfd, "dup:0", 1));
	EXPECT_EQ(0, cfg_int(pidfd, "dup:3", 3));
	EXPECT_EQ(0, cfg_int(pidfd, "dup:1234", 0));
	snprintf(key, sizeof(key), "dup:%ld", nr_open - 1);
	EXPECT_EQ(0, cfg_int(pidfd, key, 0));

	for (i = 0; i < ARRAY_SIZE(malformed); i++) {
		EXPECT_EQ(-EINVAL, cfg_int(pidfd, malformed[i], 0)) {
			TH_LOG("key \"%s\"", malformed[i]);
		}
	}
	/* As for fd:N. */
	EXPECT_EQ(-EINVAL, cfg_flag(pidfd, "fd:4294967296"));

	/* N at or above fs.nr_open. */
	snprintf(key, sizeof(key), "dup:%ld", nr_open);
	EXPECT_EQ(-EBADF, cfg_int(pidfd, key, 0));
	EXPECT_EQ(-EBADF, cfg_int(pidfd, "dup:2147483648", 0));
	EXPECT_EQ(-EBADF, cfg_int(pidfd, "dup:4294967295", 0));

	/* SET_INT only. */
	EXPECT_EQ(-EINVAL, cfg_flag(pidfd, "dup:3"));
	EXPECT_EQ(-EINVAL, cfg_fd(pidfd, "dup:3", self->null));
	EXPECT_EQ(-EINVAL, cfg_string(pidfd, "dup:3", "4"));
	EXPECT_EQ(-EINVAL, cfg_binary(pidfd, "dup:3", &pidfd, sizeof(pidfd)));
	EXPECT_EQ(-EINVAL, cfg_path(pidfd, "dup:3", "/", AT_FDCWD));

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/*
 * The SET_INT keys whose aux is a descriptor of the child: below
 * fs.nr_open and not negative, or EBADF at the call.
 */
TEST_F(builder, child_fd_out_of_range)
{
	static const char * const child_fd_keys[] = {
		"dup:3", "cwd", "tcsetpgrp",
	};
	long nr_open = read_nr_open(_metadata);
	int pidfd = self->pidfd;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(child_fd_keys); i++) {
		const char *key = child_fd_keys[i];

		EXPECT_EQ(0, cfg_int(pidfd, key, 0)) {
			TH_LOG("%s", key);
		}
		EXPECT_EQ(0, cfg_int(pidfd, key, nr_open - 1)) {
			TH_LOG("%s", key);
		}
		EXPECT_EQ(-EBADF, cfg_int(pidfd, key, -1)) {
			TH_LOG("%s", key);
		}
		EXPECT_EQ(-EBADF, cfg_int(pidfd, key, INT_MIN)) {
			TH_LOG("%s", key);
		}
		EXPECT_EQ(-EBADF, cfg_int(pidfd, key, nr_open)) {
			TH_LOG("%s", key);
		}
		EXPECT_EQ(-EBADF, cfg_int(pidfd, key, INT_MAX)) {
			TH_LOG("%s", key);
		}
	}
	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* sigdefault takes the sigsets sigmask and sigignore take. */
TEST_F(builder, sigdefault_errors)
{
	const char *bad = (const char *)1;
	sigset_t set;

	check_sigset_errors(_metadata, self->pidfd, "sigdefault");

	/* SIGKILL and SIGSTOP may be in it: they are at their default. */
	sigset_clear(&set);
	sigaddset(&set, SIGKILL);
	sigaddset(&set, SIGSTOP);
	EXPECT_EQ(0, cfg_binary(self->pidfd, "sigdefault", &set, sizeof(set)));

	EXPECT_EQ(-EFAULT, cfg_binary(self->pidfd, "sigdefault", bad, 8));
	EXPECT_EQ(-EINVAL, cfg_flag(self->pidfd, "sigdefault"));
	EXPECT_EQ(-EINVAL, cfg_int(self->pidfd, "sigdefault", SIGPIPE));
	/* And inherit_sigignore is a flag. */
	EXPECT_EQ(0, cfg_flag(self->pidfd, "inherit_sigignore"));
	EXPECT_EQ(-EINVAL, cfg_int(self->pidfd, "inherit_sigignore", 1));
	EXPECT_EQ(-EINVAL, cfg_binary(self->pidfd, "inherit_sigignore", &set,
				      sizeof(set)));
	EXPECT_EQ(-EINVAL, cfg(self->pidfd, PIDFD_CONFIG_SET_FLAG,
			       "inherit_sigignore", NULL, 1));

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* More than 65536 fd and cwd actions: E2BIG. */
TEST_F_TIMEOUT(builder, too_many_fd_actions, 600)
{
	int i, ret = 0;

	for (i = 0; i < 65536 && !ret; i++)
		ret = (i & 1) ? cfg_flag(self->pidfd, "fd:3") :
				cfg_path(self->pidfd, "cwd", "/", AT_FDCWD);
	ASSERT_EQ(0, ret) {
		TH_LOG("action %d failed", i);
	}
	EXPECT_EQ(-E2BIG, cfg_flag(self->pidfd, "fd:3"));
	EXPECT_EQ(-E2BIG, cfg_path(self->pidfd, "cwd", "/", AT_FDCWD));
	EXPECT_EQ(-E2BIG, cfg_fd(self->pidfd, "fd:4", self->null));
	/* Other keys are still fine. */
	EXPECT_EQ(0, cfg_int(self->pidfd, "umask", 0));

	assert_still_parked(_metadata, self->pid, &self->pidfd);
}

/* Once committed, everything is EBUSY, even invalid calls. */
TEST(ebusy_after_commit)
{
	const char *bad = (const char *)1;
	char longkey[PIDFD_CONFIG_KEY_MAX + 2];
	struct spawn s;
	int i;

	if (!have_pidfd_spawn(_metadata))
		return;
	memset(longkey, 'k', sizeof(longkey));
	longkey[sizeof(longkey) - 1] = '\0';

	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_exec(s.pidfd));

	/* Twice: while the program may still run, and after it was reaped. */
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(-EBUSY, cfg_flag(s.pidfd, "setsid"));
		EXPECT_EQ(-EBUSY, cfg_string(s.pidfd, "argv", "x"));
		EXPECT_EQ(-EBUSY, cfg_string(s.pidfd, "exe", probe_path()));
		EXPECT_EQ(-EBUSY, cfg_exec(s.pidfd));
		EXPECT_EQ(-EBUSY, cfg_abort(s.pidfd));
		EXPECT_EQ(-EBUSY, cfg_flag(s.pidfd, "bogus"));
		EXPECT_EQ(-EBUSY, cfg_flag(s.pidfd, bad));
		EXPECT_EQ(-EBUSY, cfg_flag(s.pidfd, longkey));
		EXPECT_EQ(-EBUSY, cfg_flag(s.pidfd, NULL));
		EXPECT_EQ(-EBUSY, cfg_string(s.pidfd, "argv", bad));
		EXPECT_EQ(-EBUSY, cfg_int(s.pidfd, "umask", 01000));
		EXPECT_EQ(-EBUSY, cfg_fd(s.pidfd, "fd:3", -1));
		EXPECT_EQ(-EBUSY, cfg(s.pidfd, PIDFD_CONFIG_CMD_EXEC, "x",
				      "y", 1));
		EXPECT_EQ(-EBUSY, cfg(s.pidfd, PIDFD_CONFIG_SET_FLAG, "setsid",
				      "x", 1));
		if (!i) {
			ASSERT_EQ(0, spawn_collect(&s));
			EXPECT_TRUE(spawn_exited_ok(&s));
		}
	}
	spawn_fini(&s);
}

/* The keys of the file actions and signal defaults, once committed. */
TEST(ebusy_after_commit_new_keys)
{
	struct pidfd_config_range range = { .first = 50, .last = ~0U };
	struct pidfd_config_open how = {
		.path = ptr_to_u64("/dev/null"),
		.flags = O_RDONLY | O_CLOEXEC,
		.options = PIDFD_CONFIG_OPEN_POSIX_CLOEXEC,
	};
	struct spawn s;
	sigset_t set;
	int i;

	if (!have_pidfd_spawn(_metadata))
		return;
	sigset_clear(&set);
	sigaddset(&set, SIGPIPE);

	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_binary(s.pidfd, "fd:6", &how, sizeof(how)));
	ASSERT_EQ(0, cfg_int(s.pidfd, "dup:5", 1));
	ASSERT_EQ(0, cfg_open(s.pidfd, 7, "/", O_PATH | O_DIRECTORY, 0));
	ASSERT_EQ(0, cfg_int(s.pidfd, "cwd", 7));
	ASSERT_EQ(0, cfg_binary(s.pidfd, "close_range", &range,
				sizeof(range)));
	ASSERT_EQ(0, cfg_flag(s.pidfd, "inherit_sigignore"));
	ASSERT_EQ(0, cfg_binary(s.pidfd, "sigdefault", &set, sizeof(set)));
	ASSERT_EQ(0, cfg_exec(s.pidfd));

	/* Twice: while the program may still run, and after it was reaped. */
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(-EBUSY, cfg_binary(s.pidfd, "close_range", &range,
					     sizeof(range)));
		EXPECT_EQ(-EBUSY, cfg_int(s.pidfd, "dup:5", 1));
		EXPECT_EQ(-EBUSY, cfg_int(s.pidfd, "cwd", 7));
		EXPECT_EQ(-EBUSY, cfg_binary(s.pidfd, "fd:6", &how,
					     sizeof(how)));
		EXPECT_EQ(-EBUSY, cfg_int(s.pidfd, "tcsetpgrp", 0));
		EXPECT_EQ(-EBUSY, cfg_flag(s.pidfd, "inherit_sigignore"));
		EXPECT_EQ(-EBUSY, cfg_binary(s.pidfd, "sigdefault", &set,
					     sizeof(set)));
		/* Invalid calls too. */
		EXPECT_EQ(-EBUSY, cfg_int(s.pidfd, "dup:01", 1));
		EXPECT_EQ(-EBUSY, cfg_int(s.pidfd, "dup:5", -1));
		EXPECT_EQ(-EBUSY, cfg_binary(s.pidfd, "close_range", &range,
					     1));
		if (!i) {
			ASSERT_EQ(0, spawn_collect(&s));
			EXPECT_TRUE(spawn_exited_ok(&s));
		}
	}
	EXPECT_STREQ("/", spawn_get(&s, "cwd"));
	EXPECT_STREQ("/dev/null", spawn_get(&s, "fd.6.path"));
	spawn_fini(&s);
}

static void check_esrch(struct __test_metadata *_metadata, int pidfd)
{
	EXPECT_EQ(-ESRCH, cfg_flag(pidfd, "setsid"));
	EXPECT_EQ(-ESRCH, cfg_string(pidfd, "argv", "x"));
	EXPECT_EQ(-ESRCH, cfg_string(pidfd, "exe", probe_path()));
	EXPECT_EQ(-ESRCH, cfg_exec(pidfd));
	EXPECT_EQ(-ESRCH, cfg_abort(pidfd));
	/* The state is checked before the arguments. */
	EXPECT_EQ(-ESRCH, cfg(pidfd, PIDFD_CONFIG_SET_FLAG, "setsid", "x", 1));
	EXPECT_EQ(-ESRCH, cfg_flag(pidfd, "bogus"));
}

/* @check after an abort, once before and once after the reap. */
static void esrch_after_abort(struct __test_metadata *_metadata, int pidfd,
			      void (*check)(struct __test_metadata *, int))
{
	siginfo_t info;

	ASSERT_EQ(0, cfg_abort(pidfd));
	check(_metadata, pidfd);
	ASSERT_EQ(0, wait_pidfd(pidfd, &info));
	EXPECT_TRUE(killed_by(&info, SIGKILL));
	check(_metadata, pidfd);
}

/* @check after a SIGKILL, as a zombie and once reaped. */
static void esrch_after_sigkill(struct __test_metadata *_metadata, int pidfd,
				void (*check)(struct __test_metadata *, int))
{
	siginfo_t info;

	ASSERT_EQ(0, sys_pidfd_send_signal(pidfd, SIGKILL, NULL, 0));
	/* Dead but not reaped: waitid() with WNOWAIT leaves the zombie. */
	ASSERT_EQ(0, waitid((idtype_t)P_PIDFD, pidfd, &info,
			    WEXITED | WNOWAIT | __WALL));
	check(_metadata, pidfd);
	/* Reaped. */
	ASSERT_EQ(0, wait_pidfd(pidfd, &info));
	EXPECT_TRUE(killed_by(&info, SIGKILL));
	check(_metadata, pidfd);
}

TEST_F(builder, esrch_after_abort)
{
	esrch_after_abort(_metadata, self->pidfd, check_esrch);
}

TEST_F(builder, esrch_after_sigkill)
{
	esrch_after_sigkill(_metadata, self->pidfd, check_esrch);
}

/*
 * PIDFD_CONFIG_SET_BATCH.  The errors of the whole call come before any
 * entry runs; an entry that fails has the errno its own call would have,
 * and the call returns it (entry 0: -1 and errno) or the number of the
 * entries before it, which took effect, while those after it did not.
 */

/* The call an entry of a batch stands for, made on its own. */
static int cfg_op(int pidfd, const struct pidfd_config_op *op)
{
	return cfg(pidfd, op->cmd, (const char *)(uintptr_t)op->key,
		   (const void *)(uintptr_t)op->value, op->aux);
}

enum bad_entry {
	BAD_UNKNOWN_KEY,
	BAD_KEY_FOR_CMD,
	BAD_SHAPE,
	BAD_NULL_KEY,
	BAD_UMASK,
	BAD_SET_FD,
	BAD_DUP_SOURCE,
	BAD_SIGSET_SIZE,
	BAD_SIGSET_TAIL,
	BAD_VALUE_UNMAPPED,
	BAD_KEY_UNMAPPED,
	BAD_EMPTY_PATH,
	BAD_CMD_EXEC,
	BAD_CMD_ABORT,
	BAD_CMD_BATCH,
	BAD_CMD_1000,
};

/* What the bad entries point to. */
struct bad_values {
	long page;
	char *unmapped;		/* a PROT_NONE page */
	char *zeroes;		/* two pages of zeroes */
	unsigned char tail[sizeof(sigset_t)];
	struct pidfd_config_op nested[1];
	int closed;		/* a descriptor number that is not open */
};

FIXTURE(batch_entry) {
	struct spawn s;
	struct bad_values v;
};

FIXTURE_VARIANT(batch_entry) {
	enum bad_entry kind;
	int err;
	bool alone;		/* can be made as its own call */
};

FIXTURE_VARIANT_ADD(batch_entry, unknown_key) {
	.kind = BAD_UNKNOWN_KEY, .err = EINVAL, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, key_for_another_cmd) {
	.kind = BAD_KEY_FOR_CMD, .err = EINVAL, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, bad_shape) {
	.kind = BAD_SHAPE, .err = EINVAL, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, null_key) {
	.kind = BAD_NULL_KEY, .err = EINVAL, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, umask_out_of_range) {
	.kind = BAD_UMASK, .err = EINVAL, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, set_fd_not_open) {
	.kind = BAD_SET_FD, .err = EBADF, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, dup_source_negative) {
	.kind = BAD_DUP_SOURCE, .err = EBADF, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, sigset_above_page) {
	.kind = BAD_SIGSET_SIZE, .err = E2BIG, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, sigset_nonzero_tail) {
	.kind = BAD_SIGSET_TAIL, .err = E2BIG, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, value_unmapped) {
	.kind = BAD_VALUE_UNMAPPED, .err = EFAULT, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, key_unmapped) {
	.kind = BAD_KEY_UNMAPPED, .err = EFAULT, .alone = true,
};

FIXTURE_VARIANT_ADD(batch_entry, empty_path) {
	.kind = BAD_EMPTY_PATH, .err = ENOENT, .alone = true,
};

/* Not a SET_* command: EINVAL, where the call alone would commit... */
FIXTURE_VARIANT_ADD(batch_entry, cmd_exec) {
	.kind = BAD_CMD_EXEC, .err = EINVAL,
};

/* ... abort... */
FIXTURE_VARIANT_ADD(batch_entry, cmd_abort) {
	.kind = BAD_CMD_ABORT, .err = EINVAL,
};

/* ... run a batch that sets umask 0077... */
FIXTURE_VARIANT_ADD(batch_entry, cmd_batch) {
	.kind = BAD_CMD_BATCH, .err = EINVAL,
};

/* ... or fail with EOPNOTSUPP. */
FIXTURE_VARIANT_ADD(batch_entry, cmd_1000) {
	.kind = BAD_CMD_1000, .err = EINVAL,
};

FIXTURE_SETUP(batch_entry)
{
	struct bad_values *v = &self->v;

	self->s.pidfd = -1;
	self->s.out = -1;
	self->s.reaped = true;
	v->unmapped = MAP_FAILED;
	v->zeroes = MAP_FAILED;
	if (!have_pidfd_spawn(_metadata))
		return;
	v->page = sysconf(_SC_PAGESIZE);
	v->unmapped = mmap(NULL, v->page, PROT_NONE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, v->unmapped);
	v->zeroes = mmap(NULL, 2 * v->page, PROT_READ,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, v->zeroes);
	memset(v->tail, 0, sizeof(v->tail));
	v->tail[KERNEL_SIGSET_SIZE] = 1;
	v->nested[0] = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0077);

	/* The child inherits this umask; the batches set 0027. */
	umask(022);
	ASSERT_EQ(0, spawn_init(&self->s));
	ASSERT_EQ(0, cfg_string(self->s.pidfd, "argv", PROBE_NAME));

	/* The lowest free number, once spawn_init() has its descriptors. */
	v->closed = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(v->closed, 0);
	ASSERT_EQ(0, close(v->closed));
}

FIXTURE_TEARDOWN(batch_entry)
{
	struct bad_values *v = &self->v;

	spawn_fini(&self->s);
	if (v->unmapped != MAP_FAILED)
		munmap(v->unmapped, v->page);
	if (v->zeroes != MAP_FAILED)
		munmap(v->zeroes, 2 * v->page);
}

static struct pidfd_config_op bad_op(const struct bad_values *v,
				     enum bad_entry kind)
{
	switch (kind) {
	case BAD_UNKNOWN_KEY:
		return config_op(PIDFD_CONFIG_SET_FLAG, "bogus", NULL, 0);
	case BAD_KEY_FOR_CMD:
		return config_op(PIDFD_CONFIG_SET_INT, "setsid", NULL, 0);
	case BAD_SHAPE:
		return config_op(PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 1);
	case BAD_NULL_KEY:
		return config_op(PIDFD_CONFIG_SET_FLAG, NULL, NULL, 0);
	case BAD_UMASK:
		return config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 01000);
	case BAD_SET_FD:
		return config_op(PIDFD_CONFIG_SET_FD, "fd:3", NULL,
				 v->closed);
	case BAD_DUP_SOURCE:
		return config_op(PIDFD_CONFIG_SET_INT, "dup:3", NULL, -1);
	case BAD_SIGSET_SIZE:
		return config_op(PIDFD_CONFIG_SET_BINARY, "sigmask",
				 v->zeroes, v->page + 1);
	case BAD_SIGSET_TAIL:
		return config_op(PIDFD_CONFIG_SET_BINARY, "sigmask",
				 v->tail, sizeof(v->tail));
	case BAD_VALUE_UNMAPPED:
		return config_op(PIDFD_CONFIG_SET_STRING, "argv",
				 v->unmapped, 0);
	case BAD_KEY_UNMAPPED:
		return config_op(PIDFD_CONFIG_SET_FLAG, v->unmapped, NULL, 0);
	case BAD_EMPTY_PATH:
		return config_op(PIDFD_CONFIG_SET_PATH, "cwd", "", AT_FDCWD);
	case BAD_CMD_EXEC:
		return config_op(PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 0);
	case BAD_CMD_ABORT:
		return config_op(PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0);
	case BAD_CMD_BATCH:
		return config_op(PIDFD_CONFIG_SET_BATCH, NULL, v->nested,
				 ARRAY_SIZE(v->nested));
	case BAD_CMD_1000:
		return config_op(1000, "umask", NULL, 0077);
	}
	return config_op(PIDFD_CONFIG_SET_FLAG, "bogus", NULL, 0);
}

/* Entry 0 fails: -1 with its errno, and no entry takes effect. */
TEST_F(batch_entry, first)
{
	struct pidfd_config_op ops[4];
	struct spawn *s = &self->s;
	int ret, err;

	ops[0] = bad_op(&self->v, variant->kind);
	ops[1] = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0027);
	ops[2] = config_op(PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 0);
	ops[3] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "not-applied", 0);

	ret = sys_pidfd_config(s->pidfd, PIDFD_CONFIG_SET_BATCH, NULL, ops,
			       ARRAY_SIZE(ops));
	err = errno;
	EXPECT_EQ(-1, ret);
	EXPECT_EQ(variant->err, err) {
		TH_LOG("errno %d: %s", err, strerror(err));
	}
	EXPECT_EQ(-variant->err, cfg_batch(s->pidfd, ops, 1));
	if (variant->alone)
		EXPECT_EQ(-variant->err, cfg_op(s->pidfd, &ops[0]));

	/* Still parked and unchanged: the commit runs what was set before. */
	ASSERT_EQ(0, spawn_run(s));
	EXPECT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("0022", spawn_get(s, "umask"));
	EXPECT_EQ(getsid(0), spawn_get_long(s, "sid"));
	EXPECT_EQ(1, spawn_get_long(s, "argc"));
}

/*
 * Entry 1 fails: the call returns 1; entry 0 took effect, the entries
 * after entry 1 did not; entry 1 alone, or first in a batch, reports its
 * error.
 */
TEST_F(batch_entry, middle)
{
	struct pidfd_config_op ops[4];
	struct spawn *s = &self->s;

	ops[0] = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0027);
	ops[1] = bad_op(&self->v, variant->kind);
	ops[2] = config_op(PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 0);
	ops[3] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "not-applied", 0);

	EXPECT_EQ(1, cfg_batch(s->pidfd, ops, ARRAY_SIZE(ops)));
	EXPECT_EQ(-variant->err, cfg_batch(s->pidfd, &ops[1], 3));
	if (variant->alone)
		EXPECT_EQ(-variant->err, cfg_op(s->pidfd, &ops[1]));

	ASSERT_EQ(0, spawn_run(s));
	EXPECT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("0027", spawn_get(s, "umask"));
	EXPECT_EQ(getsid(0), spawn_get_long(s, "sid"));
	EXPECT_EQ(1, spawn_get_long(s, "argc"));
}

/* The whole call: checked before any entry runs, nothing is applied. */
TEST(batch_call_errors)
{
	struct pidfd_config_op ops[3];
	int null, opened;
	struct spawn s;

	if (!have_pidfd_spawn(_metadata))
		return;
	umask(022);
	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ops[0] = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0027);
	ops[1] = config_op(PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 0);
	ops[2] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "not-applied", 0);

	/* key must be NULL: it is not read. */
	EXPECT_EQ(-EINVAL, cfg_batch_call(s.pidfd, "umask", ops, 3));
	EXPECT_EQ(-EINVAL, cfg_batch_call(s.pidfd, "", ops, 3));
	EXPECT_EQ(-EINVAL, cfg_batch_call(s.pidfd, (const char *)1, ops, 3));
	/* value must be an array. */
	EXPECT_EQ(-EINVAL, cfg_batch_call(s.pidfd, NULL, NULL, 3));
	EXPECT_EQ(-EINVAL, cfg_batch_call(s.pidfd, NULL, NULL, 0));
	/* 1 to PIDFD_CONFIG_BATCH_MAX entries. */
	EXPECT_EQ(-EINVAL, cfg_batch(s.pidfd, ops, 0));
	EXPECT_EQ(-EINVAL, cfg_batch(s.pidfd, ops, -1));
	EXPECT_EQ(-EINVAL, cfg_batch(s.pidfd, ops, INT_MIN));
	EXPECT_EQ(-E2BIG, cfg_batch(s.pidfd, ops, PIDFD_CONFIG_BATCH_MAX + 1));
	EXPECT_EQ(-E2BIG, cfg_batch(s.pidfd, ops, INT_MAX));

	/* The descriptor comes first, as for every command. */
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	opened = sys_pidfd_open(s.pid, 0);
	ASSERT_GE(opened, 0);
	EXPECT_EQ(-EBADF, cfg_batch(-1, ops, 3));
	EXPECT_EQ(-EBADF, cfg_batch(null, ops, 3));
	EXPECT_EQ(-EINVAL, cfg_batch(opened, ops, 3));
	close(opened);
	close(null);

	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_STREQ("0022", spawn_get(&s, "umask"));
	EXPECT_EQ(getsid(0), spawn_get_long(&s, "sid"));
	EXPECT_EQ(1, spawn_get_long(&s, "argc"));
	spawn_fini(&s);
}

/*
 * PIDFD_CONFIG_BATCH_MAX entries run, all of them; one more is E2BIG and
 * none runs.
 */
TEST(batch_max_entries)
{
	static struct pidfd_config_op ops[PIDFD_CONFIG_BATCH_MAX + 1];
	static char args[PIDFD_CONFIG_BATCH_MAX][16];
	static char keys[PIDFD_CONFIG_BATCH_MAX][16];
	char last[16];
	struct spawn s;
	int i;

	if (!have_pidfd_spawn(_metadata))
		return;

	/* argv: 1024 SET_STRING entries. */
	ASSERT_EQ(0, spawn_init(&s));
	snprintf(args[0], sizeof(args[0]), "%s", PROBE_NAME);
	for (i = 1; i < PIDFD_CONFIG_BATCH_MAX; i++)
		snprintf(args[i], sizeof(args[i]), "a%d", i);
	for (i = 0; i < PIDFD_CONFIG_BATCH_MAX; i++)
		ops[i] = config_op(PIDFD_CONFIG_SET_STRING, "argv", args[i], 0);
	ops[i] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "too-many", 0);
	EXPECT_EQ(-E2BIG, cfg_batch(s.pidfd, ops, PIDFD_CONFIG_BATCH_MAX + 1));
	EXPECT_EQ(PIDFD_CONFIG_BATCH_MAX,
		  cfg_batch(s.pidfd, ops, PIDFD_CONFIG_BATCH_MAX));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_EQ(PIDFD_CONFIG_BATCH_MAX, spawn_get_long(&s, "argc"));
	EXPECT_STREQ(PROBE_NAME, spawn_get(&s, "argv.0"));
	EXPECT_STREQ("a1", spawn_get(&s, "argv.1"));
	snprintf(last, sizeof(last), "argv.%d", PIDFD_CONFIG_BATCH_MAX - 1);
	snprintf(args[0], sizeof(args[0]), "a%d", PIDFD_CONFIG_BATCH_MAX - 1);
	EXPECT_STREQ(args[0], spawn_get(&s, last));
	spawn_fini(&s);

	/* 1024 fd:N SET_FLAG entries: 1024 ordered actions. */
	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	for (i = 0; i < PIDFD_CONFIG_BATCH_MAX; i++) {
		snprintf(keys[i], sizeof(keys[i]), "fd:%d", 3 + i % 64);
		ops[i] = config_op(PIDFD_CONFIG_SET_FLAG, keys[i], NULL, 0);
	}
	EXPECT_EQ(PIDFD_CONFIG_BATCH_MAX,
		  cfg_batch(s.pidfd, ops, PIDFD_CONFIG_BATCH_MAX));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_STREQ("1", spawn_get(&s, "fds"));
	spawn_fini(&s);
}

/*
 * An array that runs into a PROT_NONE page: the entries before the first
 * one that cannot be read take effect and the call returns their number;
 * if entry 0 cannot be read, -1 EFAULT.
 */
TEST(batch_array_partly_unmapped)
{
	const size_t size = sizeof(struct pidfd_config_op);
	long page = sysconf(_SC_PAGESIZE);
	struct pidfd_config_op op, *ops;
	struct spawn s;
	char *map, *edge;

	if (!have_pidfd_spawn(_metadata))
		return;
	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, map);
	ASSERT_EQ(0, mprotect(map + page, page, PROT_NONE));
	edge = map + page;
	umask(022);
	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));

	/* Entry 0 beyond the edge, or across it. */
	EXPECT_EQ(-EFAULT, cfg_batch_call(s.pidfd, NULL, edge, 1));
	EXPECT_EQ(-EFAULT, cfg_batch_call(s.pidfd, NULL, edge, 3));
	op = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0077);
	memcpy(edge - size / 2, &op, size / 2);
	EXPECT_EQ(-EFAULT, cfg_batch_call(s.pidfd, NULL, edge - size / 2, 2));

	/* Three entries before the edge, two beyond it. */
	ops = (struct pidfd_config_op *)(edge - 3 * size);
	ops[0] = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0027);
	ops[1] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "one", 0);
	ops[2] = config_op(PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 0);
	EXPECT_EQ(3, cfg_batch(s.pidfd, ops, 5));

	/* Two entries before the edge, the third across it. */
	op = config_op(PIDFD_CONFIG_SET_STRING, "argv", "two", 0);
	memcpy(edge - 2 * size - size / 2, &op, size);
	op = config_op(PIDFD_CONFIG_SET_STRING, "argv", "three", 0);
	memcpy(edge - size - size / 2, &op, size);
	op = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0077);
	memcpy(edge - size / 2, &op, size / 2);
	EXPECT_EQ(2, cfg_batch_call(s.pidfd, NULL, edge - 2 * size - size / 2,
				    4));

	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_STREQ("0027", spawn_get(&s, "umask"));
	EXPECT_EQ(s.pid, spawn_get_long(&s, "sid"));
	EXPECT_EQ(4, spawn_get_long(&s, "argc"));
	EXPECT_STREQ("one", spawn_get(&s, "argv.1"));
	EXPECT_STREQ("two", spawn_get(&s, "argv.2"));
	EXPECT_STREQ("three", spawn_get(&s, "argv.3"));
	spawn_fini(&s);
	munmap(map, 2 * page);
}

/* After a successful commit: EBUSY, from entry 0, as its call would. */
TEST(batch_ebusy_after_commit)
{
	struct pidfd_config_op ops[2];
	struct spawn s;
	int i;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_exec(s.pidfd));
	ops[0] = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0);
	ops[1] = config_op(PIDFD_CONFIG_SET_STRING, "exe", probe_path(), 0);

	/* Twice: while the program may still run, and after it was reaped. */
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(-EBUSY, cfg_batch(s.pidfd, ops, 2));
		EXPECT_EQ(-EBUSY, cfg_batch(s.pidfd, &ops[1], 1));
		/* The errors of the whole call come before any entry. */
		EXPECT_EQ(-EINVAL, cfg_batch(s.pidfd, ops, 0));
		EXPECT_EQ(-EINVAL, cfg_batch_call(s.pidfd, "umask", ops, 2));
		EXPECT_EQ(-E2BIG, cfg_batch(s.pidfd, ops,
					    PIDFD_CONFIG_BATCH_MAX + 1));
		if (!i) {
			ASSERT_EQ(0, spawn_collect(&s));
			EXPECT_TRUE(spawn_exited_ok(&s));
		}
	}
	spawn_fini(&s);
}

static void check_batch_esrch(struct __test_metadata *_metadata, int pidfd)
{
	struct pidfd_config_op ops[2];

	ops[0] = config_op(PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 0);
	ops[1] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "x", 0);
	EXPECT_EQ(-ESRCH, cfg_batch(pidfd, ops, 2));
	EXPECT_EQ(-ESRCH, cfg_batch(pidfd, &ops[1], 1));
}

TEST_F(builder, batch_esrch_after_abort)
{
	esrch_after_abort(_metadata, self->pidfd, check_batch_esrch);
}

TEST_F(builder, batch_esrch_after_sigkill)
{
	esrch_after_sigkill(_metadata, self->pidfd, check_batch_esrch);
}

/*
 * After a failed exec the child stays parked: a batch may set exe, argv
 * and envp again, and another key fails with EBUSY at its index.
 */
TEST(batch_after_failed_exec)
{
	struct pidfd_config_op ops[4];
	char state[32];
	struct spawn s;

	if (!have_pidfd_spawn(_metadata))
		return;
	umask(022);
	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_int(s.pidfd, "umask", 0027));
	ASSERT_EQ(0, cfg_string(s.pidfd, "exe", "/nonexistent/" PROBE_NAME));
	ASSERT_EQ(-ENOENT, cfg_exec(s.pidfd));
	ASSERT_EQ(0, builder_state(s.pidfd, state, sizeof(state)));
	ASSERT_STREQ("exec-failed", state);

	/* exe, argv and envp: all accepted. */
	ops[0] = config_op(PIDFD_CONFIG_SET_STRING, "exe", "/nonexistent/x", 0);
	ops[1] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "retried", 0);
	ops[2] = config_op(PIDFD_CONFIG_SET_STRING, "envp", "RETRY=1", 0);
	EXPECT_EQ(3, cfg_batch(s.pidfd, ops, 3));
	EXPECT_EQ(-ENOENT, cfg_exec(s.pidfd));

	/* umask: EBUSY at index 2, the entry after it does not run. */
	ops[0] = config_op(PIDFD_CONFIG_SET_STRING, "exe", probe_path(), 0);
	ops[1] = config_op(PIDFD_CONFIG_SET_STRING, "argv", "again", 0);
	ops[2] = config_op(PIDFD_CONFIG_SET_INT, "umask", NULL, 0);
	ops[3] = config_op(PIDFD_CONFIG_SET_STRING, "envp", "LATE=1", 0);
	EXPECT_EQ(2, cfg_batch(s.pidfd, ops, 4));
	EXPECT_EQ(-EBUSY, cfg_batch(s.pidfd, &ops[2], 2));
	ops[0] = config_op(PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 0);
	EXPECT_EQ(-EBUSY, cfg_batch(s.pidfd, ops, 1));

	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_STREQ("0027", spawn_get(&s, "umask"));
	EXPECT_EQ(getsid(0), spawn_get_long(&s, "sid"));
	EXPECT_EQ(3, spawn_get_long(&s, "argc"));
	EXPECT_STREQ("retried", spawn_get(&s, "argv.1"));
	EXPECT_STREQ("again", spawn_get(&s, "argv.2"));
	EXPECT_EQ(1, spawn_get_long(&s, "envc"));
	EXPECT_STREQ("RETRY=1", spawn_get(&s, "envp.0"));
	spawn_fini(&s);
}

TEST_HARNESS_MAIN
