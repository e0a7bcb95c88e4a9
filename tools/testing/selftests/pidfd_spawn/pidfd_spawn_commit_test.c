// SPDX-License-Identifier: GPL-2.0
/*
 * PIDFD_CONFIG_CMD_EXEC: exact errors, retry after an exec failure, and
 * the fate of the child when a step before the exec fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/elf.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

#define NOBODY 65534

/* Check that the child was killed and the builder now says ESRCH. */
static void check_killed(struct __test_metadata *_metadata, struct spawn *s)
{
	char state[32];

	ASSERT_EQ(0, spawn_reap(s));
	EXPECT_TRUE(killed_by(&s->info, SIGKILL)) {
		TH_LOG("si_code %d si_status %d", s->info.si_code,
		       s->info.si_status);
	}
	EXPECT_EQ(-ESRCH, cfg_int(s->pidfd, "umask", 0));
	EXPECT_EQ(-ESRCH, cfg_exec(s->pidfd));
	ASSERT_EQ(0, builder_state(s->pidfd, state, sizeof(state)));
	EXPECT_STREQ("dead", state);
}

/* A commit without exe is EINVAL and changes nothing. */
TEST(no_exe)
{
	char state[32];
	int pipefd[2];
	struct spawn s;

	if (!have_pidfd_spawn(_metadata))
		return;
	memset(&s, 0, sizeof(s));
	ASSERT_EQ(0, pipe2(pipefd, O_CLOEXEC));
	s.out = pipefd[0];
	ASSERT_EQ(0, create_empty_child(&s.pid, &s.pidfd));
	ASSERT_EQ(0, cfg_fd(s.pidfd, "fd:1", pipefd[1]));
	close(pipefd[1]);
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));

	EXPECT_EQ(-EINVAL, cfg_exec(s.pidfd));
	EXPECT_EQ(-EINVAL, cfg_exec(s.pidfd));
	EXPECT_TRUE(parked_state(wait_parked_state(s.pid)));
	ASSERT_EQ(0, builder_state(s.pidfd, state, sizeof(state)));
	EXPECT_STREQ("parked", state);

	/* Still fully configurable, and a later commit works. */
	EXPECT_EQ(0, cfg_int(s.pidfd, "umask", 0017));
	ASSERT_EQ(0, cfg_string(s.pidfd, "exe", probe_path()));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_STREQ("0017", spawn_get(&s, "umask"));
	ASSERT_EQ(0, builder_state(s.pidfd, state, sizeof(state)));
	EXPECT_STREQ("committed", state);
	spawn_fini(&s);
}

enum bad_exe {
	EXE_MISSING,
	EXE_NOTDIR,
	EXE_NO_X,
	EXE_DIR,
	EXE_GARBAGE,
	EXE_BUSY,
	EXE_LOOP,
	EXE_NAME_TOO_LONG,
	EXE_SCRIPT_BY_FD,
};

FIXTURE(exec_fail) {
	struct spawn s;
	char tmpdir[PATH_MAX];
	char exe[PATH_MAX * 2];
	int busy_fd;
	int exe_fd;
};

FIXTURE_VARIANT(exec_fail) {
	enum bad_exe kind;
	int err;
};

FIXTURE_VARIANT_ADD(exec_fail, enoent) {
	.kind = EXE_MISSING, .err = ENOENT,
};

FIXTURE_VARIANT_ADD(exec_fail, enotdir) {
	.kind = EXE_NOTDIR, .err = ENOTDIR,
};

FIXTURE_VARIANT_ADD(exec_fail, eacces_no_x_bit) {
	.kind = EXE_NO_X, .err = EACCES,
};

FIXTURE_VARIANT_ADD(exec_fail, eacces_directory) {
	.kind = EXE_DIR, .err = EACCES,
};

FIXTURE_VARIANT_ADD(exec_fail, enoexec) {
	.kind = EXE_GARBAGE, .err = ENOEXEC,
};

FIXTURE_VARIANT_ADD(exec_fail, etxtbsy) {
	.kind = EXE_BUSY, .err = ETXTBSY,
};

FIXTURE_VARIANT_ADD(exec_fail, eloop) {
	.kind = EXE_LOOP, .err = ELOOP,
};

FIXTURE_VARIANT_ADD(exec_fail, enametoolong) {
	.kind = EXE_NAME_TOO_LONG, .err = ENAMETOOLONG,
};

/* A script executed by file: the same ENOENT as fexecve() gives. */
FIXTURE_VARIANT_ADD(exec_fail, script_by_fd) {
	.kind = EXE_SCRIPT_BY_FD, .err = ENOENT,
};

FIXTURE_SETUP(exec_fail)
{
	char link[PATH_MAX * 2];
	size_t len;

	self->busy_fd = -1;
	self->exe_fd = -1;
	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, make_tmpdir(self->tmpdir));
	if (noexec_dir(self->tmpdir)) {
		rm_rf(self->tmpdir);
		SKIP(return, "/tmp is mounted noexec");
	}

	switch (variant->kind) {
	case EXE_MISSING:
		snprintf(self->exe, sizeof(self->exe), "%s/missing",
			 self->tmpdir);
		break;
	case EXE_NOTDIR:
		snprintf(self->exe, sizeof(self->exe), "/dev/null/" PROBE_NAME);
		break;
	case EXE_NO_X:
		snprintf(self->exe, sizeof(self->exe), "%s/nox", self->tmpdir);
		ASSERT_EQ(0, copy_file(probe_path(), self->exe, 0644));
		break;
	case EXE_DIR:
		snprintf(self->exe, sizeof(self->exe), "%s", self->tmpdir);
		break;
	case EXE_GARBAGE:
		ASSERT_EQ(0, make_file(self->tmpdir, "garbage",
				       "garbage, not a program\n", 0755));
		snprintf(self->exe, sizeof(self->exe), "%s/garbage",
			 self->tmpdir);
		break;
	case EXE_BUSY:
		snprintf(self->exe, sizeof(self->exe), "%s/busy", self->tmpdir);
		ASSERT_EQ(0, copy_file(probe_path(), self->exe, 0755));
		self->busy_fd = open(self->exe, O_WRONLY | O_CLOEXEC);
		ASSERT_GE(self->busy_fd, 0);
		break;
	case EXE_LOOP:
		snprintf(self->exe, sizeof(self->exe), "%s/a", self->tmpdir);
		snprintf(link, sizeof(link), "%s/b", self->tmpdir);
		ASSERT_EQ(0, symlink(link, self->exe));
		ASSERT_EQ(0, symlink(self->exe, link));
		break;
	case EXE_NAME_TOO_LONG:
		len = snprintf(self->exe, sizeof(self->exe), "%s/",
			       self->tmpdir);
		memset(self->exe + len, 'n', NAME_MAX + 1);
		self->exe[len + NAME_MAX + 1] = '\0';
		break;
	case EXE_SCRIPT_BY_FD:
		ASSERT_EQ(0, make_file(self->tmpdir, "script",
				       "#!/bin/sh\nexit 0\n", 0755));
		snprintf(self->exe, sizeof(self->exe), "%s/script",
			 self->tmpdir);
		self->exe_fd = open(self->exe, O_RDONLY | O_CLOEXEC);
		ASSERT_GE(self->exe_fd, 0);
		break;
	}

	ASSERT_EQ(0, spawn_init(&self->s));
}

FIXTURE_TEARDOWN(exec_fail)
{
	spawn_fini(&self->s);
	if (self->busy_fd >= 0)
		close(self->busy_fd);
	if (self->exe_fd >= 0)
		close(self->exe_fd);
	if (self->tmpdir[0])
		rm_rf(self->tmpdir);
}

static int set_bad_exe(int pidfd, int exe_fd, const char *exe)
{
	return exe_fd >= 0 ? cfg_fd(pidfd, "exe", exe_fd) :
			     cfg_string(pidfd, "exe", exe);
}

/*
 * The exec fails with the exact errno; the child stays parked with its
 * actions applied (once); exe/argv/envp may be set again and the commit
 * retried; other keys are EBUSY.
 */
TEST_F(exec_fail, retry)
{
	struct spawn *s = &self->s;
	char state[32];
	int null;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	ASSERT_GE(null, 0);
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_int(s->pidfd, "umask", 0027));
	/* setsid fails if applied twice: the retry must not repeat it. */
	ASSERT_EQ(0, cfg_flag(s->pidfd, "setsid"));
	ASSERT_EQ(0, cfg_fd(s->pidfd, "fd:5", null));
	ASSERT_EQ(0, close(null));

	ASSERT_EQ(0, set_bad_exe(s->pidfd, self->exe_fd, self->exe));

	EXPECT_EQ(-variant->err, cfg_exec(s->pidfd));
	EXPECT_EQ(-variant->err, cfg_exec(s->pidfd));

	/* Still parked. */
	EXPECT_TRUE(parked_state(wait_parked_state(s->pid)));
	ASSERT_EQ(0, builder_state(s->pidfd, state, sizeof(state)));
	EXPECT_STREQ("exec-failed", state);

	/* Only exe, argv and envp may change now. */
	EXPECT_EQ(-EBUSY, cfg_int(s->pidfd, "umask", 0));
	EXPECT_EQ(-EBUSY, cfg_flag(s->pidfd, "setsid"));
	EXPECT_EQ(-EBUSY, cfg_flag(s->pidfd, "inherit_fds"));
	EXPECT_EQ(-EBUSY, cfg_flag(s->pidfd, "fd:5"));
	EXPECT_EQ(-EBUSY, cfg_path(s->pidfd, "cwd", "/", AT_FDCWD));
	EXPECT_EQ(-EBUSY, cfg_flag(s->pidfd, "no_new_privs"));
	EXPECT_EQ(0, cfg_string(s->pidfd, "argv", "retried"));
	EXPECT_EQ(0, cfg_string(s->pidfd, "envp", "RETRY=1"));
	/* A PATH search tries one directory after the other. */
	EXPECT_EQ(0, cfg_string(s->pidfd, "exe", "/nonexistent/" PROBE_NAME));
	EXPECT_EQ(-ENOENT, cfg_exec(s->pidfd));
	ASSERT_EQ(0, cfg_string(s->pidfd, "exe", probe_path()));

	ASSERT_EQ(0, spawn_run(s));
	EXPECT_TRUE(spawn_exited_ok(s));
	EXPECT_STREQ("0027", spawn_get(s, "umask"));
	EXPECT_EQ(s->pid, spawn_get_long(s, "sid"));
	EXPECT_STREQ("1,5", spawn_get(s, "fds"));
	EXPECT_EQ(2, spawn_get_long(s, "argc"));
	EXPECT_STREQ("retried", spawn_get(s, "argv.1"));
	EXPECT_STREQ("RETRY=1", spawn_get(s, "envp.0"));
}

/* An exec failure leaves the child to CMD_ABORT, too. */
TEST_F(exec_fail, abort)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, set_bad_exe(s->pidfd, self->exe_fd, self->exe));
	EXPECT_EQ(-variant->err, cfg_exec(s->pidfd));
	ASSERT_EQ(0, cfg_abort(s->pidfd));
	ASSERT_EQ(0, spawn_reap(s));
	EXPECT_TRUE(killed_by(&s->info, SIGKILL));
}

/*
 * After a failed exec, the keys of the file actions and of the signal
 * defaults are EBUSY like the others, and what they configured was done
 * once: the open of "sub", relative to the cwd the action after it
 * changes, would fail if the actions ran again for the retry.
 */
TEST(new_keys_after_failed_exec)
{
	struct pidfd_config_range range = { .first = 5, .last = 5 };
	struct pidfd_config_open how = {
		.path = ptr_to_u64("/dev/zero"),
		.flags = O_RDONLY | O_CLOEXEC,
		.options = PIDFD_CONFIG_OPEN_POSIX_CLOEXEC,
	};
	char dir[PATH_MAX], sub[PATH_MAX + 8], state[32];
	const char *ign;
	struct spawn s;
	sigset_t set;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, make_tmpdir(dir));
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	ASSERT_EQ(0, mkdir(sub, 0755));
	ASSERT_EQ(0, chdir(dir));
	ASSERT_NE(SIG_ERR, signal(SIGUSR1, SIG_IGN));
	sigset_clear(&set);
	sigaddset(&set, SIGPIPE);

	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, cfg_open(s.pidfd, 7, "sub", O_RDONLY | O_DIRECTORY, 0));
	ASSERT_EQ(0, cfg_int(s.pidfd, "cwd", 7));
	ASSERT_EQ(0, cfg_binary(s.pidfd, "fd:5", &how, sizeof(how)));
	ASSERT_EQ(0, cfg_dup(s.pidfd, 6, 5));
	ASSERT_EQ(0, cfg_binary(s.pidfd, "close_range", &range,
				sizeof(range)));
	ASSERT_EQ(0, cfg_binary(s.pidfd, "sigignore", &set, sizeof(set)));
	ASSERT_EQ(0, cfg_flag(s.pidfd, "inherit_sigignore"));
	ASSERT_EQ(0, cfg_binary(s.pidfd, "sigdefault", &set, sizeof(set)));
	ASSERT_EQ(0, cfg_string(s.pidfd, "exe", "/nonexistent/" PROBE_NAME));

	EXPECT_EQ(-ENOENT, cfg_exec(s.pidfd));
	EXPECT_TRUE(parked_state(wait_parked_state(s.pid)));
	ASSERT_EQ(0, builder_state(s.pidfd, state, sizeof(state)));
	EXPECT_STREQ("exec-failed", state);

	EXPECT_EQ(-EBUSY, cfg_binary(s.pidfd, "close_range", &range,
				     sizeof(range)));
	EXPECT_EQ(-EBUSY, cfg_dup(s.pidfd, 6, 5));
	EXPECT_EQ(-EBUSY, cfg_int(s.pidfd, "cwd", 7));
	EXPECT_EQ(-EBUSY, cfg_binary(s.pidfd, "fd:5", &how, sizeof(how)));
	EXPECT_EQ(-EBUSY, cfg_int(s.pidfd, "tcsetpgrp", 0));
	EXPECT_EQ(-EBUSY, cfg_flag(s.pidfd, "inherit_sigignore"));
	EXPECT_EQ(-EBUSY, cfg_binary(s.pidfd, "sigdefault", &set,
				     sizeof(set)));

	ASSERT_EQ(0, cfg_string(s.pidfd, "exe", probe_path()));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_STREQ(sub, spawn_get(&s, "cwd"));
	EXPECT_STREQ(sub, spawn_get(&s, "fd.7.path"));
	EXPECT_STREQ("<missing>", spawn_get(&s, "fd.5.path"));
	EXPECT_STREQ("/dev/zero", spawn_get(&s, "fd.6.path"));
	ign = spawn_get(&s, "sigign");
	EXPECT_TRUE(mask_has(ign, SIGUSR1));
	EXPECT_FALSE(mask_has(ign, SIGPIPE));
	spawn_fini(&s);
	rm_rf(dir);
}

/* The same script by path works (binfmt_script). */
TEST(script_by_path)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	struct spawn s;

	if (!have_pidfd_spawn(_metadata))
		return;
	if (access("/bin/sh", X_OK))
		SKIP(return, "no /bin/sh");
	ASSERT_EQ(0, make_tmpdir(dir));
	if (noexec_dir(dir)) {
		rm_rf(dir);
		SKIP(return, "/tmp is mounted noexec");
	}
	ASSERT_EQ(0, make_file(dir, "script", "#!/bin/sh\nexit 7\n", 0755));
	snprintf(path, sizeof(path), "%s/script", dir);

	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "exe", path));
	ASSERT_EQ(0, cfg_exec(s.pidfd));
	ASSERT_EQ(0, spawn_reap(&s));
	EXPECT_EQ(CLD_EXITED, s.info.si_code);
	EXPECT_EQ(7, s.info.si_status);
	spawn_fini(&s);
	rm_rf(dir);
}

/*
 * E2BIG from the exec itself: the vectors fit the caller's RLIMIT_STACK at
 * configuration time, but not the child's, which was lowered.
 */
TEST(e2big_at_commit)
{
	const size_t len = 40000;
	struct rlimit rl, low;
	struct spawn s;
	char state[32];
	char *str;
	int i;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, getrlimit(RLIMIT_STACK, &rl));
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < 64 << 20)
		SKIP(return, "RLIMIT_STACK hard limit below 64 MiB");

	str = malloc(len + 1);
	ASSERT_NE(NULL, str);
	memset(str, 's', len);
	str[len] = '\0';

	/* The child gets 1 MiB, an exec limit of 256 KiB... */
	low = rl;
	low.rlim_cur = 1 << 20;
	ASSERT_EQ(0, setrlimit(RLIMIT_STACK, &low));
	ASSERT_EQ(0, spawn_init(&s));
	/* ... the caller 64 MiB, a limit of 6 MiB. */
	low.rlim_cur = 64 << 20;
	ASSERT_EQ(0, setrlimit(RLIMIT_STACK, &low));

	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	for (i = 0; i < 8; i++)
		ASSERT_EQ(0, cfg_string(s.pidfd, "argv", str));

	EXPECT_EQ(-E2BIG, cfg_exec(s.pidfd));
	EXPECT_TRUE(parked_state(wait_parked_state(s.pid)));
	ASSERT_EQ(0, builder_state(s.pidfd, state, sizeof(state)));
	EXPECT_STREQ("exec-failed", state);

	/* Retry with a short argv. */
	ASSERT_EQ(0, cfg_flag(s.pidfd, "argv"));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_EQ(1, spawn_get_long(&s, "argc"));
	spawn_fini(&s);
	free(str);
}

/* The ELF machine of the running kernel (not of this program), or 0. */
static int kernel_machine(void)
{
	struct utsname u;

	if (uname(&u))
		return 0;
	if (!strcmp(u.machine, "x86_64"))
		return EM_X86_64;
	if (!strcmp(u.machine, "aarch64"))
		return EM_AARCH64;
	return 0;
}

/*
 * Write a 64-bit ELF executable of the kernel's machine whose one PT_LOAD
 * binfmt_elf rejects only after begin_new_exec(), past the point of no
 * return: p_filesz above p_memsz, or an address above any TASK_SIZE.
 */
static int make_lost_elf(const char *path, int machine, bool high)
{
	struct {
		struct elf64_hdr eh;
		struct elf64_phdr ph;
		char pad[4096 - sizeof(struct elf64_hdr) -
			 sizeof(struct elf64_phdr)];
	} f = {
		.eh = {
			.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3,
				     ELFCLASS64, ELFDATA2LSB, EV_CURRENT },
			.e_type = ET_EXEC,
			.e_machine = machine,
			.e_version = EV_CURRENT,
			.e_entry = 0x400000,
			.e_phoff = sizeof(struct elf64_hdr),
			.e_ehsize = sizeof(struct elf64_hdr),
			.e_phentsize = sizeof(struct elf64_phdr),
			.e_phnum = 1,
		},
		.ph = {
			.p_type = PT_LOAD,
			.p_flags = PF_R | PF_X,
			.p_vaddr = 0x400000,
			.p_filesz = 0x1000,
			.p_memsz = 0x1000,
			.p_align = 0x1000,
		},
	};
	int fd, ret = 0;

	if (high) {
		/* Above TASK_SIZE with 5-level paging too. */
		f.ph.p_vaddr = 0x0200000000000000ULL;
		f.eh.e_entry = f.ph.p_vaddr;
	} else {
		f.ph.p_memsz = 0x10;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (fd < 0)
		return -errno;
	if (write(fd, &f, sizeof(f)) != sizeof(f))
		ret = -EIO;
	close(fd);
	return ret;
}

/*
 * An exec that fails past its point of no return ends the process as it
 * ends an execve() caller: the commit has succeeded, the child dies by
 * SIGSEGV, and the builder is "committed" for good.
 */
FIXTURE(exec_lost) {
	char dir[PATH_MAX];
	char path[PATH_MAX + 8];
};

FIXTURE_VARIANT(exec_lost) {
	bool high;
};

FIXTURE_VARIANT_ADD(exec_lost, filesz_above_memsz) {
	.high = false,
};

FIXTURE_VARIANT_ADD(exec_lost, above_task_size) {
	.high = true,
};

FIXTURE_SETUP(exec_lost)
{
	self->dir[0] = '\0';
	if (!have_pidfd_spawn(_metadata))
		return;
	if (!kernel_machine())
		SKIP(return, "no ELF machine number for this kernel");
	ASSERT_EQ(0, make_tmpdir(self->dir));
	if (noexec_dir(self->dir))
		SKIP(return, "the temporary directory is mounted noexec");
	snprintf(self->path, sizeof(self->path), "%s/lost", self->dir);
	ASSERT_EQ(0, make_lost_elf(self->path, kernel_machine(),
				   variant->high));
}

FIXTURE_TEARDOWN(exec_lost)
{
	if (self->dir[0])
		rm_rf(self->dir);
}

TEST_F(exec_lost, killed_by_sigsegv)
{
	char state[32];
	struct spawn s;

	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "exe", self->path));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", "lost"));
	EXPECT_EQ(0, cfg_exec(s.pidfd));

	ASSERT_EQ(0, spawn_reap(&s));
	EXPECT_TRUE(killed_by(&s.info, SIGSEGV)) {
		TH_LOG("si_code %d si_status %d", s.info.si_code,
		       s.info.si_status);
	}
	EXPECT_EQ(-EBUSY, cfg_string(s.pidfd, "exe", probe_path()));
	EXPECT_EQ(-EBUSY, cfg_exec(s.pidfd));
	ASSERT_EQ(0, builder_state(s.pidfd, state, sizeof(state)));
	EXPECT_STREQ("committed", state);
	spawn_fini(&s);
}

/*
 * A signal other than SIGKILL does not interrupt a step of the commit that
 * sleeps (here the open action of a FIFO, which waits for a writer): a
 * blocked one stays pending for the new program, a stop stops the new
 * program.  Neither makes the commit fail, with 512 (ERESTARTSYS) or
 * otherwise.
 */
struct commit_thread {
	int pidfd;
	int ret;
	int done[2];	/* written once the commit returned */
};

static void *commit_thread(void *arg)
{
	struct commit_thread *c = arg;

	c->ret = cfg_exec(c->pidfd);
	if (write(c->done[1], "x", 1) != 1)
		c->ret = -EIO;
	return NULL;
}

/* Open @path for writing and keep it open until killed. */
static pid_t fifo_writer(const char *path)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (open(path, O_WRONLY) < 0)
		_exit(1);
	for (;;)
		pause();
}

/*
 * Wait until the committing child sleeps in the state @state ('S' in the
 * open of the FIFO), or until the commit has returned.  No time bound:
 * the harness has one.
 */
static void wait_commit_sleeps(struct spawn *s, struct commit_thread *c,
			       char state)
{
	struct pollfd pfd = { .fd = c->done[0], .events = POLLIN };
	char bstate[32];

	for (;;) {
		if (poll(&pfd, 1, 0))
			return;
		if (!builder_state(s->pidfd, bstate, sizeof(bstate)) &&
		    !strcmp(bstate, "committing") && proc_state(s->pid) == state)
			return;
		usleep(1000);
	}
}

FIXTURE(signal_during_step) {
	char dir[PATH_MAX];
	char fifo[PATH_MAX + 8];
	struct spawn s;
	pid_t writer;
};

FIXTURE_VARIANT(signal_during_step) {
	int sig;
	bool stop;	/* SIGSTOP now, SIGCONT once the program stopped */
};

FIXTURE_VARIANT_ADD(signal_during_step, sigquit) {
	.sig = SIGQUIT,
};

FIXTURE_VARIANT_ADD(signal_during_step, sigtstp) {
	.sig = SIGTSTP,
};

FIXTURE_VARIANT_ADD(signal_during_step, sigstop) {
	.sig = SIGSTOP, .stop = true,
};

FIXTURE_SETUP(signal_during_step)
{
	self->dir[0] = '\0';
	self->writer = 0;
	self->s.pidfd = -1;
	self->s.out = -1;
	self->s.reaped = true;
	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, make_tmpdir(self->dir));
	snprintf(self->fifo, sizeof(self->fifo), "%s/fifo", self->dir);
	ASSERT_EQ(0, mkfifo(self->fifo, 0600));
	ASSERT_EQ(0, spawn_init(&self->s));
}

FIXTURE_TEARDOWN(signal_during_step)
{
	if (self->writer > 0) {
		kill(self->writer, SIGKILL);
		waitpid(self->writer, NULL, 0);
	}
	spawn_fini(&self->s);
	if (self->dir[0])
		rm_rf(self->dir);
}

TEST_F(signal_during_step, not_interrupted)
{
	struct commit_thread c = { .pidfd = self->s.pidfd };
	struct spawn *s = &self->s;
	pthread_t t;
	sigset_t set;

	/* Blocked in the new program, so that it reports it pending. */
	sigset_clear(&set);
	sigaddset(&set, variant->stop ? SIGCONT : variant->sig);
	ASSERT_EQ(0, cfg_binary(s->pidfd, "sigmask", &set, sizeof(set)));
	ASSERT_EQ(0, cfg_open(s->pidfd, 3, self->fifo, O_RDONLY, 0));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, kill(s->pid, variant->sig));

	ASSERT_EQ(0, pipe2(c.done, O_CLOEXEC));
	ASSERT_EQ(0, pthread_create(&t, NULL, commit_thread, &c));

	/* The writer comes once the child sleeps in the open: it must wait. */
	wait_commit_sleeps(s, &c, 'S');
	self->writer = fifo_writer(self->fifo);
	ASSERT_GT(self->writer, 0);

	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(0, c.ret);
	close(c.done[0]);
	close(c.done[1]);
	if (c.ret)
		return;

	/* The stop takes effect in the program, before it reports. */
	if (variant->stop) {
		while (proc_state(s->pid) != 'T')
			usleep(1000);
		ASSERT_EQ(0, kill(s->pid, SIGCONT));
	}
	ASSERT_EQ(0, spawn_collect(s));
	EXPECT_TRUE(spawn_exited_ok(s));
	/*
	 * kill() queued it for the process.  SIGCONT took the stop away;
	 * the others wait for the program.
	 */
	EXPECT_TRUE(mask_has(spawn_get(s, "shdpnd"),
			     variant->stop ? SIGCONT : variant->sig)) {
		TH_LOG("ShdPnd %s", spawn_get(s, "shdpnd"));
	}
}

/* Steps before the exec: on failure the child dies, the errno is exact. */
FIXTURE(step_fail) {
	struct spawn s;
	int master;
	int slave;
};

FIXTURE_VARIANT(step_fail) {
	/* Configure the failing step on @s; @slave is a pty, if needed. */
	int (*setup)(struct spawn *s, int slave);
	int err;
	bool needs_pty;
	bool as_nobody;
};

static int open_missing(struct spawn *s, int slave)
{
	return cfg_open(s->pidfd, 3, "/nonexistent/file", O_RDONLY, 0);
}

static int open_notdir(struct spawn *s, int slave)
{
	return cfg_open(s->pidfd, 3, "/dev/null",
			O_RDONLY | O_DIRECTORY, 0);
}

static int cwd_missing(struct spawn *s, int slave)
{
	return cfg_path(s->pidfd, "cwd", "/nonexistent", AT_FDCWD);
}

static int cwd_file(struct spawn *s, int slave)
{
	return cfg_path(s->pidfd, "cwd", "/dev/null", AT_FDCWD);
}

static int root_missing(struct spawn *s, int slave)
{
	return cfg_path(s->pidfd, "root", "/nonexistent", AT_FDCWD);
}

static int root_file(struct spawn *s, int slave)
{
	return cfg_path(s->pidfd, "root", "/dev/null", AT_FDCWD);
}

static int root_unprivileged(struct spawn *s, int slave)
{
	return cfg_path(s->pidfd, "root", "/", AT_FDCWD);
}

static int ctty_not_a_tty(struct spawn *s, int slave)
{
	return cfg_open(s->pidfd, 0, "/dev/null", O_RDWR, 0) ?:
	       cfg_flag(s->pidfd, "setsid") ?:
	       cfg_int(s->pidfd, "ctty", 0);
}

static int ctty_not_open(struct spawn *s, int slave)
{
	return cfg_flag(s->pidfd, "setsid") ?:
	       cfg_int(s->pidfd, "ctty", 9);
}

static int ctty_no_setsid(struct spawn *s, int slave)
{
	return cfg_fd(s->pidfd, "fd:0", slave) ?:
	       cfg_int(s->pidfd, "ctty", 0);
}

static int pgid_other_session(struct spawn *s, int slave)
{
	/* After setsid, our group is in another session. */
	return cfg_flag(s->pidfd, "setsid") ?:
	       cfg_int(s->pidfd, "pgid", getpgid(0));
}

/* Make @fd the child's fd 0 and its controlling terminal. */
static int ctty_from(struct spawn *s, int fd)
{
	return cfg_fd(s->pidfd, "fd:0", fd) ?:
	       cfg_flag(s->pidfd, "setsid") ?:
	       cfg_int(s->pidfd, "ctty", 0);
}

/* Drivers that know no TIOCSCTTY say ENOIOCTLCMD: ENOTTY reaches the user. */
static int ctty_pipe(struct spawn *s, int slave)
{
	int p[2], ret;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	ret = ctty_from(s, p[0]);
	close(p[0]);
	close(p[1]);
	return ret;
}

static int ctty_pidfd(struct spawn *s, int slave)
{
	int pidfd, ret;

	pidfd = sys_pidfd_open(getpid(), 0);
	if (pidfd < 0)
		return -errno;
	ret = ctty_from(s, pidfd);
	close(pidfd);
	return ret;
}

/*
 * Lower the parked child's RLIMIT_NOFILE to 64 (prlimit() works on a
 * parked child) and open /dev/null.  The descriptor or -errno.
 */
static int nofile_64_and_null(struct spawn *s)
{
	struct rlimit rl = { .rlim_cur = 64, .rlim_max = 64 };
	int null;

	if (prlimit(s->pid, RLIMIT_NOFILE, &rl, NULL))
		return -errno;
	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return null < 0 ? -errno : null;
}

/* An inherited descriptor at or above the child's RLIMIT_NOFILE. */
static int inherit_beyond_rlimit(struct spawn *s, int slave)
{
	int null, ret;

	null = nofile_64_and_null(s);
	if (null < 0)
		return null;
	/* Not close-on-exec, so inherited. */
	ret = dup2(null, 100) < 0 ? -errno : 0;
	close(null);
	if (!ret)
		ret = cfg_flag(s->pidfd, "inherit_fds");
	close(100);
	return ret;
}

static int fd_beyond_rlimit(struct spawn *s, int slave)
{
	int null, ret;

	null = nofile_64_and_null(s);
	if (null < 0)
		return null;
	ret = cfg_fd(s->pidfd, "fd:100", null);
	close(null);
	return ret;
}

/* dup:N of a descriptor the child does not have at that point. */
static int dup_not_open(struct spawn *s, int slave)
{
	return cfg_dup(s->pidfd, 5, 40);
}

/* ... that an action after it opens: the actions run in order. */
static int dup_before_source(struct spawn *s, int slave)
{
	return cfg_dup(s->pidfd, 5, 40) ?:
	       cfg_open(s->pidfd, 40, "/dev/null", O_RDONLY, 0);
}

/* ... that an action before it closed. */
static int dup_source_closed(struct spawn *s, int slave)
{
	return cfg_open(s->pidfd, 40, "/dev/null", O_RDONLY, 0) ?:
	       cfg_close_range(s->pidfd, 39, 41, 0) ?:
	       cfg_dup(s->pidfd, 5, 40);
}

/* dup:N with N at or above the child's RLIMIT_NOFILE, as dup2(). */
static int dup_beyond_rlimit(struct spawn *s, int slave)
{
	int null = nofile_64_and_null(s);

	if (null < 0)
		return null;
	close(null);
	return cfg_dup(s->pidfd, 64, 1);
}

static int cwd_fd_not_open(struct spawn *s, int slave)
{
	return cfg_int(s->pidfd, "cwd", 40);
}

static int cwd_fd_not_dir(struct spawn *s, int slave)
{
	return cfg_open(s->pidfd, 40, "/dev/null", O_RDONLY, 0) ?:
	       cfg_int(s->pidfd, "cwd", 40);
}

/* A directory without search permission, by a child without privilege. */
static int cwd_fd_no_search(struct spawn *s, int slave)
{
	char dir[] = "/tmp/pidfd_spawn.XXXXXX";
	int fd, ret;

	if (!mkdtemp(dir))
		return -errno;
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	ret = fd < 0 ? -errno : 0;
	if (!ret && chmod(dir, 0600))
		ret = -errno;
	/* fchdir() to a removed directory works, the check still applies. */
	rmdir(dir);
	if (!ret)
		ret = cfg_fd_at(s->pidfd, 40, fd) ?:
		      cfg_int(s->pidfd, "cwd", 40);
	if (fd >= 0)
		close(fd);
	return ret;
}

static int tcsetpgrp_not_open(struct spawn *s, int slave)
{
	return cfg_int(s->pidfd, "pgid", 0) ?:
	       cfg_int(s->pidfd, "tcsetpgrp", 9);
}

static int tcsetpgrp_pipe(struct spawn *s, int slave)
{
	int p[2], ret;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	ret = cfg_fd(s->pidfd, "fd:0", p[0]) ?:
	      cfg_int(s->pidfd, "pgid", 0) ?:
	      cfg_int(s->pidfd, "tcsetpgrp", 0);
	close(p[0]);
	close(p[1]);
	return ret;
}

/* A terminal, but no one's controlling terminal. */
static int tcsetpgrp_not_ctty(struct spawn *s, int slave)
{
	return cfg_fd(s->pidfd, "fd:0", slave) ?:
	       cfg_int(s->pidfd, "pgid", 0) ?:
	       cfg_int(s->pidfd, "tcsetpgrp", 0);
}

/*
 * The ctty key is applied after the ordered actions: in a new session,
 * tcsetpgrp runs while the child has no controlling terminal yet.
 */
static int tcsetpgrp_before_ctty(struct spawn *s, int slave)
{
	return ctty_from(s, slave) ?:
	       cfg_int(s->pidfd, "tcsetpgrp", 0);
}

FIXTURE_VARIANT_ADD(step_fail, open_missing) {
	.setup = open_missing, .err = ENOENT,
};

FIXTURE_VARIANT_ADD(step_fail, open_notdir) {
	.setup = open_notdir, .err = ENOTDIR,
};

FIXTURE_VARIANT_ADD(step_fail, cwd_missing) {
	.setup = cwd_missing, .err = ENOENT,
};

FIXTURE_VARIANT_ADD(step_fail, cwd_file) {
	.setup = cwd_file, .err = ENOTDIR,
};

FIXTURE_VARIANT_ADD(step_fail, root_missing) {
	.setup = root_missing, .err = ENOENT,
};

FIXTURE_VARIANT_ADD(step_fail, root_file) {
	.setup = root_file, .err = ENOTDIR,
};

FIXTURE_VARIANT_ADD(step_fail, root_unprivileged) {
	.setup = root_unprivileged, .err = EPERM, .as_nobody = true,
};

FIXTURE_VARIANT_ADD(step_fail, ctty_not_a_tty) {
	.setup = ctty_not_a_tty, .err = ENOTTY,
};

FIXTURE_VARIANT_ADD(step_fail, ctty_not_open) {
	.setup = ctty_not_open, .err = EBADF,
};

FIXTURE_VARIANT_ADD(step_fail, ctty_no_setsid) {
	.setup = ctty_no_setsid, .err = EPERM, .needs_pty = true,
};

FIXTURE_VARIANT_ADD(step_fail, pgid_other_session) {
	.setup = pgid_other_session, .err = EPERM,
};

FIXTURE_VARIANT_ADD(step_fail, ctty_pipe) {
	.setup = ctty_pipe, .err = ENOTTY,
};

FIXTURE_VARIANT_ADD(step_fail, ctty_pidfd) {
	.setup = ctty_pidfd, .err = ENOTTY,
};

FIXTURE_VARIANT_ADD(step_fail, inherit_beyond_rlimit) {
	.setup = inherit_beyond_rlimit, .err = EBADF,
};

FIXTURE_VARIANT_ADD(step_fail, fd_beyond_rlimit) {
	.setup = fd_beyond_rlimit, .err = EBADF,
};

FIXTURE_VARIANT_ADD(step_fail, dup_not_open) {
	.setup = dup_not_open, .err = EBADF,
};

FIXTURE_VARIANT_ADD(step_fail, dup_before_source) {
	.setup = dup_before_source, .err = EBADF,
};

FIXTURE_VARIANT_ADD(step_fail, dup_source_closed) {
	.setup = dup_source_closed, .err = EBADF,
};

FIXTURE_VARIANT_ADD(step_fail, dup_beyond_rlimit) {
	.setup = dup_beyond_rlimit, .err = EBADF,
};

FIXTURE_VARIANT_ADD(step_fail, cwd_fd_not_open) {
	.setup = cwd_fd_not_open, .err = EBADF,
};

FIXTURE_VARIANT_ADD(step_fail, cwd_fd_not_dir) {
	.setup = cwd_fd_not_dir, .err = ENOTDIR,
};

FIXTURE_VARIANT_ADD(step_fail, cwd_fd_no_search) {
	.setup = cwd_fd_no_search, .err = EACCES, .as_nobody = true,
};

FIXTURE_VARIANT_ADD(step_fail, tcsetpgrp_not_open) {
	.setup = tcsetpgrp_not_open, .err = EBADF,
};

FIXTURE_VARIANT_ADD(step_fail, tcsetpgrp_pipe) {
	.setup = tcsetpgrp_pipe, .err = ENOTTY,
};

FIXTURE_VARIANT_ADD(step_fail, tcsetpgrp_not_ctty) {
	.setup = tcsetpgrp_not_ctty, .err = ENOTTY, .needs_pty = true,
};

FIXTURE_VARIANT_ADD(step_fail, tcsetpgrp_before_ctty) {
	.setup = tcsetpgrp_before_ctty, .err = ENOTTY, .needs_pty = true,
};

FIXTURE_SETUP(step_fail)
{
	self->master = -1;
	self->slave = -1;
	if (!have_pidfd_spawn(_metadata))
		return;

	if (variant->needs_pty) {
		char *name;

		self->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (self->master < 0)
			SKIP(return, "no /dev/ptmx: %s", strerror(errno));
		ASSERT_EQ(0, grantpt(self->master));
		ASSERT_EQ(0, unlockpt(self->master));
		name = ptsname(self->master);
		ASSERT_NE(NULL, name);
		self->slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
		ASSERT_GE(self->slave, 0);
	}

	if (variant->as_nobody && !geteuid()) {
		/* Probe path lookups happen before the switch. */
		probe_path();
		ASSERT_EQ(0, setresuid(0, NOBODY, 0));
	}

	ASSERT_EQ(0, spawn_init(&self->s));
}

FIXTURE_TEARDOWN(step_fail)
{
	if (variant->as_nobody)
		setresuid(0, 0, 0);
	spawn_fini(&self->s);
	if (self->slave >= 0)
		close(self->slave);
	if (self->master >= 0)
		close(self->master);
}

TEST_F(step_fail, child_killed)
{
	struct spawn *s = &self->s;

	ASSERT_EQ(0, variant->setup(s, self->slave));
	ASSERT_EQ(0, cfg_string(s->pidfd, "argv", PROBE_NAME));

	EXPECT_EQ(-variant->err, cfg_exec(s->pidfd));
	check_killed(_metadata, s);
}

TEST_HARNESS_MAIN
