// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Unit test of the CLONE_EMPTY path against a scripted kernel.
 *
 * The library reaches the kernel interface only through
 * pfs_sys_clone3_empty() and pfs_sys_pidfd_config() (sys.c).  This program
 * defines both, so the linker takes them instead of sys.o: clone3 "creates"
 * a process with a pid that does not exist and a builder that is really
 * /dev/null, and every pidfd_config() call is recorded in a transcript and
 * answered by the test's script.  The checks are on what the library asks
 * of the kernel (the translation of each attribute and action, the PATH
 * search by re-committing, abort and cleanup) and on how it treats the
 * answers (exact errno, replay on the fallback, feature detection).  It runs
 * the same on any kernel; the real interface is tested in a guest.
 *
 * PIDFD_CONFIG_SET_BATCH is understood as the kernel does: each entry is
 * run as the call it describes (noted and answered as such), up to the
 * first that fails; the batch returns how many took effect, or -1 with the
 * errno of its first entry.  batch_log records each batch: "[n:ret]".
 *
 * The scripted kernel can lack the keys newer than CLONE_EMPTY (lacking),
 * as the kernel of a release between the two would, and the batch command
 * (no_batch: EOPNOTSUPP): the library must then find out, remember it and
 * take the old way.  What the library remembers lasts as long as the
 * process, so those tests run in child processes forked before any spawn
 * (run_fresh()).
 *
 * sigaction() is defined here too, counting calls: on a kernel with
 * "inherit_sigignore" the library must not ask about each signal.  And
 * PIDFD_SPAWN_DEBUG is on, its lines going to a file: path_taken() tells
 * which path the last spawn took, and why.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define FAKE_PID	((pid_t)0x3ffffff0)	/* above any pid_max */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))
#define ALL_KEYS	((1U << PFS_NR_KEYS) - 1)

static int n_test, n_pass, n_fail;

static void __printf(2, 3)
ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (cond)
		n_pass++;
	else
		n_fail++;
}

/* The scripted kernel */

static char transcript[8192];
static int clone_calls, clone_errno, builder_fd = -1;
static uint64_t clone_flags, clone_cgroup;
static int exec_count, config_count, batch_calls;
static char batch_log[256];
static unsigned int lacking;	/* bits of enum pfs_key */
static bool no_batch;		/* PIDFD_CONFIG_SET_BATCH: EOPNOTSUPP */

/* Answer of pidfd_config(): 0 or an errno, from the test's script. */
static int (*script)(unsigned int cmd, const char *key, int n_exec);

static void __printf(1, 2) note(const char *fmt, ...)
{
	size_t len = strlen(transcript);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(transcript + len, sizeof(transcript) - len, fmt, ap);
	va_end(ap);
}

pid_t pfs_sys_clone3_empty(struct pfs_clone_args *args, size_t size)
{
	(void)size;
	clone_calls++;
	clone_flags = args->flags;
	clone_cgroup = args->cgroup;
	if (clone_errno) {
		errno = clone_errno;
		return -1;
	}
	builder_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	*(int *)(uintptr_t)args->pidfd = builder_fd;
	return FAKE_PID;
}

static void note_sigset(const void *value, int aux)
{
	const unsigned char *b = value;
	int sig;

	note("[%d]", aux);
	for (sig = 1; sig <= 8 * aux; sig++)
		if (b[(sig - 1) / 8] & (1 << ((sig - 1) % 8)))
			note(" %d", sig);
}

static void note_binary(const char *key, const void *value, int aux)
{
	const struct pfs_config_open *op = value;
	const struct pfs_config_range *r = value;
	int i;

	if (!strncmp(key, "fd:", 3)) {
		note(" open(%s, %#x, %#o, %u, %u)[%d]",
		     (const char *)(uintptr_t)op->path, op->flags, op->mode,
		     op->options, op->reserved, aux);
	} else if (!strcmp(key, "close_range")) {
		note(" {%u, %#x, %u, %u}[%d]", r->first, r->last, r->flags,
		     r->reserved, aux);
	} else if (!strcmp(key, "argv") || !strcmp(key, "envp")) {
		note(" ");
		for (i = 0; i < aux; i++)
			note("%c", ((const char *)value)[i] ?: '|');
	} else {
		note(" ");
		note_sigset(value, aux);
	}
}

static void note_call(unsigned int cmd, const char *key, const void *value,
		      int aux)
{
	static const char * const names[] = {
		"FLAG", "STRING", "BINARY", "PATH", "PATH_EMPTY", "FD", "INT",
		"EXEC", "ABORT",
	};

	note("%s", cmd < 9 ? names[cmd] : "?");
	if (key)
		note(" %s", key);
	switch (cmd) {
	case PIDFD_CONFIG_SET_STRING:
		note(" %s", (const char *)value);
		break;
	case PIDFD_CONFIG_SET_PATH:
		note(" %s %d", (const char *)value, aux);
		break;
	case PIDFD_CONFIG_SET_FD:
	case PIDFD_CONFIG_SET_INT:
		note(" %d", aux);
		break;
	case PIDFD_CONFIG_SET_BINARY:
		note_binary(key, value, aux);
		break;
	}
	note("; ");
}

/* The new key a call sets, or -1. */
static int new_key(unsigned int cmd, const char *key)
{
	static const char * const names[] = {
		[PFS_KEY_CLOSE_RANGE] = "close_range",
		[PFS_KEY_TCSETPGRP] = "tcsetpgrp",
		[PFS_KEY_INHERIT_SIGIGNORE] = "inherit_sigignore",
		[PFS_KEY_SIGDEFAULT] = "sigdefault",
	};
	unsigned int k;

	if (!key)
		return -1;
	if (!strncmp(key, "dup:", 4))
		return PFS_KEY_DUP;
	if (!strcmp(key, "cwd"))
		return cmd == PIDFD_CONFIG_SET_INT ? PFS_KEY_CWD_FD : -1;
	for (k = 0; k < ARRAY_SIZE(names); k++)
		if (names[k] && !strcmp(key, names[k]))
			return k;
	return -1;
}

/* What the kernel checks at once, before the script is asked. */
static int kernel_answer(unsigned int cmd, const char *key, int aux)
{
	int k = new_key(cmd, key);

	/* A kernel older than a key does not know it, or the command. */
	if (k >= 0 && (lacking & (1U << k)))
		return EINVAL;
	/* SET_FD takes a reference to the caller's file. */
	if (cmd == PIDFD_CONFIG_SET_FD && fcntl(aux, F_GETFD) < 0)
		return EBADF;
	return 0;
}

/* One setting or command: 0 or its errno. */
static int scripted_call(unsigned int cmd, const char *key, const void *value,
			 int aux)
{
	int err;

	if (cmd == PIDFD_CONFIG_CMD_EXEC)
		exec_count++;
	note_call(cmd, key, value, aux);

	err = kernel_answer(cmd, key, aux);
	if (!err && script)
		err = script(cmd, key, exec_count);
	return err;
}

/* PIDFD_CONFIG_SET_BATCH: the number of entries applied, or -errno. */
static int scripted_batch(const char *key, const void *value, int n)
{
	const struct pfs_config_op *ops = value;
	int i, err;

	if (key || !value || n < 1)
		return -EINVAL;
	if (n > PFS_CONFIG_BATCH_MAX)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		if (ops[i].cmd > PIDFD_CONFIG_SET_INT) {
			note("BAD-BATCH-CMD %u; ", ops[i].cmd);
			err = EINVAL;
		} else {
			err = scripted_call(ops[i].cmd,
					    (const char *)(uintptr_t)ops[i].key,
					    (const void *)(uintptr_t)ops[i].value,
					    ops[i].aux);
		}
		if (err)
			return i ? i : -err;
	}
	return n;
}

static void note_batch(int n, int ret)
{
	size_t len = strlen(batch_log);

	snprintf(batch_log + len, sizeof(batch_log) - len, "[%d:%d]", n, ret);
}

int pfs_sys_pidfd_config(int pidfd, unsigned int cmd, const char *key,
			 const void *value, int aux)
{
	int ret;

	if (pidfd != builder_fd) {
		note("BAD-PIDFD; ");
		errno = EBADF;
		return -1;
	}
	if (cmd != PIDFD_CONFIG_CMD_EXEC && cmd != PIDFD_CONFIG_CMD_ABORT)
		config_count++;
	if (cmd == PIDFD_CONFIG_SET_BATCH) {
		batch_calls++;
		ret = no_batch ? -EOPNOTSUPP : scripted_batch(key, value, aux);
		note_batch(aux, ret < 0 ? -1 : ret);
	} else {
		ret = -scripted_call(cmd, key, value, aux);
	}
	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return ret;
}

/* sigaction(), counted. */

static int sigaction_calls;
static int (*real_sigaction)(int, const struct sigaction *,
			     struct sigaction *);

int sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	sigaction_calls++;
	return real_sigaction(sig, act, old);
}

/* The PIDFD_SPAWN_DEBUG lines, in a file truncated by reset(). */

static char debug_name[] = "/tmp/pfs-new-path-test.XXXXXX";

static void debug_capture(void)
{
	int fd = mkstemp(debug_name), wfd;

	wfd = open(debug_name, O_WRONLY | O_APPEND);
	if (fd < 0 || wfd < 0 || dup2(wfd, 2) != 2) {
		perror("debug file");
		exit(2);
	}
	close(wfd);
	close(fd);
	setenv("PIDFD_SPAWN_DEBUG", "1", 1);
}

/* "clone_empty", "fallback reason=...": the path of the last spawn. */
static const char *path_taken(void)
{
	static char buf[4096];
	const char *tag = "pidfd_spawn: path=";
	char *line, *end;
	ssize_t n;
	int fd;

	fd = open(debug_name, O_RDONLY);
	n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	buf[n > 0 ? n : 0] = '\0';
	line = strstr(buf, tag);
	if (!line)
		return "none";
	line += strlen(tag);
	end = strchr(line, '\n');
	if (end)
		*end = '\0';
	return line;
}

/* Running a request */

static char *env1[] = { "A=1", "B=2", NULL };

/* NULL, without the compiler knowing (argv is declared nonnull). */
char **null_argv;

static void reset(void)
{
	transcript[0] = '\0';
	clone_calls = 0;
	clone_errno = 0;
	clone_flags = 0;
	exec_count = 0;
	config_count = 0;
	batch_calls = 0;
	batch_log[0] = '\0';
	sigaction_calls = 0;
	script = NULL;
	builder_fd = -1;
	if (ftruncate(2, 0) < 0)
		perror("ftruncate");
}

static bool builder_closed(void)
{
	return builder_fd < 0 || fcntl(builder_fd, F_GETFD) < 0;
}

static void stats(struct pidfd_spawn_np_stats *st)
{
	pidfd_spawn_np_stats(st, sizeof(*st));
}

static bool expect(const char *name, const char *want)
{
	bool good = strstr(transcript, want);

	ok(good, "%s: transcript", name);
	if (!good)
		printf("# want: %s\n# got:  %s\n", want, transcript);
	return good;
}

static bool expect_path(const char *name, const char *want)
{
	const char *got = path_taken();
	bool good = !strcmp(got, want);

	ok(good, "%s: path=%s", name, want);
	if (!good)
		printf("# got: path=%s\n", got);
	return good;
}

/* The lowest free descriptor: the one the builder will get. */
static int lowest_free(void)
{
	int fd = dup(0);

	close(fd);
	return fd;
}

/* Spawns /bin/true with @fa, waits for a real child. */
static int spawn_true(const posix_spawn_file_actions_t *fa,
		      const posix_spawnattr_t *at)
{
	pid_t pid = 0;
	int ret;

	ret = posix_spawn(&pid, "/bin/true", fa, at,
			  (char *[]){ "true", NULL }, env1);
	if (ret == 0 && pid != FAKE_PID)
		waitpid(pid, NULL, 0);
	return ret;
}

/*
 * Runs @fn in a child process, with the library's state as it is now: its
 * results are added to ours.
 */
static void run_fresh(const char *name, void (*fn)(void))
{
	int res[3], p[2], status;
	pid_t child;

	if (pipe(p) < 0)
		exit(2);
	fflush(stdout);
	child = fork();
	if (child == 0) {
		close(p[0]);
		fn();
		fflush(stdout);
		res[0] = n_test;
		res[1] = n_pass;
		res[2] = n_fail;
		_exit(write(p[1], res, sizeof(res)) == sizeof(res) ? 0 : 3);
	}
	close(p[1]);
	if (read(p[0], res, sizeof(res)) == sizeof(res)) {
		n_test = res[0];
		n_pass = res[1];
		n_fail = res[2];
	}
	close(p[0]);
	waitpid(child, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s: ran", name);
}

/* Scripts */

static int exec_fails_enoent(unsigned int cmd, const char *key, int n)
{
	(void)key;
	(void)n;
	return cmd == PIDFD_CONFIG_CMD_EXEC ? ENOENT : 0;
}

static int path_walk(unsigned int cmd, const char *key, int n)
{
	(void)key;
	if (cmd != PIDFD_CONFIG_CMD_EXEC)
		return 0;
	return n == 2 ? EACCES : ENOENT;
}

static int second_ok(unsigned int cmd, const char *key, int n)
{
	(void)key;
	if (cmd != PIDFD_CONFIG_CMD_EXEC)
		return 0;
	return n == 1 ? ENOTDIR : 0;
}

/* The first commit fails in an action: the child is dead. */
static int action_fails(unsigned int cmd, const char *key, int n)
{
	if (cmd == PIDFD_CONFIG_CMD_EXEC)
		return ENOENT;
	if (n >= 1 && (cmd == PIDFD_CONFIG_CMD_ABORT ||
		       (key && !strcmp(key, "exe"))))
		return ESRCH;
	return 0;
}

static int noexec(unsigned int cmd, const char *key, int n)
{
	(void)key;
	(void)n;
	return cmd == PIDFD_CONFIG_CMD_EXEC ? ENOEXEC : 0;
}

/* ENOEXEC, then the shell runs. */
static int noexec_once(unsigned int cmd, const char *key, int n)
{
	(void)key;
	return cmd == PIDFD_CONFIG_CMD_EXEC && n == 1 ? ENOEXEC : 0;
}

static int killed_before_exec(unsigned int cmd, const char *key, int n)
{
	(void)key;
	(void)n;
	return cmd == PIDFD_CONFIG_CMD_EXEC ? ESRCH : 0;
}

static int refuse_fd1(unsigned int cmd, const char *key, int n)
{
	(void)cmd;
	(void)n;
	return key && !strcmp(key, "fd:1") ? EINVAL : 0;
}

static int refuse_close_range(unsigned int cmd, const char *key, int n)
{
	(void)cmd;
	(void)n;
	return key && !strcmp(key, "close_range") ? EINVAL : 0;
}

static int exec_ebadf(unsigned int cmd, const char *key, int n)
{
	(void)key;
	(void)n;
	return cmd == PIDFD_CONFIG_CMD_EXEC ? EBADF : 0;
}

static int exec_enametoolong(unsigned int cmd, const char *key, int n)
{
	(void)key;
	(void)n;
	return cmd == PIDFD_CONFIG_CMD_EXEC ? ENAMETOOLONG : 0;
}

/* Tests: the translation, on a kernel with every key */

static void test_translation(void)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	struct pidfd_spawn_np_stats a, b;
	sigset_t mask, old;
	char want[1024];
	pid_t pid = 0;
	int ret, nul;

	reset();
	nul = open("/dev/null", O_RDONLY);	/* not close-on-exec */
	dup2(nul, 40);
	close(nul);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 40, 1);
	posix_spawn_file_actions_addopen(&fa, 5, "rel/x", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 6, "/y", O_WRONLY | O_CREAT,
					 0640);
	posix_spawn_file_actions_addclose(&fa, 77);	/* not open: left out */
	posix_spawn_file_actions_addclose(&fa, 40);
	posix_spawn_file_actions_addchdir_np(&fa, "sub");
	posix_spawn_file_actions_addfchdir_np(&fa, 0);
	posix_spawn_file_actions_adddup2(&fa, 2, 2);
	posix_spawnattr_init(&at);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
				 POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_RESETIDS);

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, &old);

	stats(&a);
	ret = posix_spawn(&pid, "/bin/prog", &fa, &at,
			  (char *[]){ "prog", "a b", "", NULL }, env1);
	stats(&b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	ok(ret == 0 && pid == FAKE_PID, "posix_spawn: returns the pid");
	ok(clone_calls == 1 && clone_flags == (CLONE_EMPTY | CLONE_PIDFD),
	   "clone3(CLONE_EMPTY | CLONE_PIDFD)");
	snprintf(want, sizeof(want),
		 "FLAG inherit_fds; "
		 "FD fd:1 40; "
		 "BINARY fd:5 open(rel/x, %#x, 0, 0, 0)[24]; "
		 "BINARY fd:6 open(/y, %#x, 0640, 0, 0)[24]; "
		 "FLAG fd:40; "
		 "PATH cwd sub %d; "
		 "FD cwd 0; "
		 "FD fd:2 2; "
		 "FLAG inherit_sigignore; "
		 "BINARY sigmask [8] %d; "
		 "FLAG setsid; INT pgid 0; FLAG resetids; "
		 "BINARY argv prog|a b||; "
		 "BINARY envp A=1|B=2|; "
		 "STRING exe /bin/prog; EXEC; ",
		 O_RDONLY | PFS_KERNEL_O_LARGEFILE,
		 O_WRONLY | O_CREAT | PFS_KERNEL_O_LARGEFILE, AT_FDCWD,
		 SIGHUP);
	ok(!strcmp(transcript, want), "the whole translation, in order");
	if (strcmp(transcript, want))
		printf("# want: %s\n# got:  %s\n", want, transcript);
	ok(config_count == 1 && !strcmp(batch_log, "[16:16]"),
	   "every setting and the exe in one batch (%d calls, %s)",
	   config_count, batch_log);
	ok(sigaction_calls == 0,
	   "the caller's ignored signals: inherit_sigignore, no sigaction()");
	ok(builder_closed(), "posix_spawn closes the builder after commit");
	ok(b.clone_empty == a.clone_empty + 1 && b.fallback == a.fallback,
	   "counted as path=clone_empty");
	expect_path("translation", "clone_empty");
	posix_spawn_file_actions_destroy(&fa);
	close(40);
}

static void test_dup2_chain(void)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int ret;

	reset();
	dup2(0, 40);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 40, 41);
	posix_spawn_file_actions_adddup2(&fa, 41, 42);
	posix_spawn_file_actions_addfchdir_np(&fa, 42);
	ret = posix_spawn(&pid, "/bin/prog", &fa, NULL, null_argv, NULL);
	ok(ret == 0, "dup2 chain: spawned");
	expect("dup2 from a child descriptor a dup2 set: the caller's file",
	       "FD fd:41 40; FD fd:42 40; FD cwd 40; ");
	ok(!strstr(transcript, "argv") && !strstr(transcript, "envp"),
	   "NULL argv and envp: the vectors stay empty");
	posix_spawn_file_actions_destroy(&fa);
	close(40);
}

/* Sources that an earlier action made or closed are the child's. */
static void test_child_fds(void)
{
	posix_spawn_file_actions_t fa;
	int nul = open("/dev/null", O_RDONLY), low;
	char want[512];

	reset();
	dup2(nul, 41);
	close(nul);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 60, "/f", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 60, 61);
	posix_spawn_file_actions_adddup2(&fa, 61, 62);
	posix_spawn_file_actions_adddup2(&fa, 61, 61);
	posix_spawn_file_actions_addfchdir_np(&fa, 60);
	posix_spawn_file_actions_addclose(&fa, 41);
	posix_spawn_file_actions_adddup2(&fa, 41, 64);
	posix_spawn_file_actions_addfchdir_np(&fa, 41);
	ok(spawn_true(&fa, NULL) == 0 && clone_calls == 1,
	   "child descriptors: one empty process");
	snprintf(want, sizeof(want),
		 "BINARY fd:60 open(/f, %#x, 0, 0, 0)[24]; INT dup:61 60; "
		 "INT dup:62 61; INT dup:61 61; INT cwd 60; FLAG fd:41; "
		 "INT dup:64 41; INT cwd 41; ",
		 O_RDONLY | PFS_KERNEL_O_LARGEFILE);
	expect("made or closed by an earlier action: dup:N, cwd SET_INT",
	       want);
	expect_path("child descriptors", "clone_empty");
	posix_spawn_file_actions_destroy(&fa);

	/*
	 * Not open in the caller: the error comes from the commit.  The
	 * batch stops at the refused setting, which is sent alone for its
	 * errno (EBADF), then replaced, and the batch goes on from there.
	 */
	reset();
	close(41);
	low = lowest_free();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 41, 65);
	posix_spawn_file_actions_addfchdir_np(&fa, 41);
	posix_spawn_file_actions_adddup2(&fa, low, 66);
	script = exec_ebadf;
	ok(spawn_true(&fa, NULL) == EBADF && clone_calls == 1,
	   "a source the caller lacks: EBADF from the commit");
	snprintf(want, sizeof(want),
		 "FD fd:65 41; FD fd:65 41; INT dup:65 41; "
		 "FD cwd 41; FD cwd 41; INT cwd 41; INT dup:66 %d; ", low);
	expect("a source the caller lacks (or the builder's number): "
	       "the child's", want);
	ok(!strcmp(batch_log, "[8:1][7:1][6:6]"),
	   "a source the caller lacks: the batch resumes after each "
	   "replacement (%s)", batch_log);
	expect_path("a source the caller lacks", "clone_empty");
	posix_spawn_file_actions_destroy(&fa);
}

/* addopen(O_CLOEXEC): kept only if open() lands on fd in glibc's child. */
static void test_open_cloexec(void)
{
	int keep = O_RDONLY | O_CLOEXEC | PFS_KERNEL_O_LARGEFILE;
	int drop = O_RDONLY | PFS_KERNEL_O_LARGEFILE;
	posix_spawn_file_actions_t fa;
	char want[512];
	int cl, low;

	reset();
	cl = open("/dev/null", O_RDONLY | O_CLOEXEC);
	low = lowest_free();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, low, "/a", O_RDONLY | O_CLOEXEC,
					 0);
	posix_spawn_file_actions_addopen(&fa, 200, "/b", O_RDONLY | O_CLOEXEC,
					 0);
	posix_spawn_file_actions_addclose(&fa, low);
	posix_spawn_file_actions_addopen(&fa, low + 1, "/c",
					 O_RDONLY | O_CLOEXEC, 0);
	posix_spawn_file_actions_addopen(&fa, low, "/d", O_RDONLY | O_CLOEXEC,
					 0);
	spawn_true(&fa, NULL);
	snprintf(want, sizeof(want),
		 "BINARY fd:%d open(/a, %#x, 0, 0, 0)[24]; "
		 "BINARY fd:%d open(/b, %#x, 0, 0, 0)[24]; "
		 "FLAG fd:%d; "
		 "BINARY fd:%d open(/c, %#x, 0, 0, 0)[24]; "
		 "BINARY fd:%d open(/d, %#x, 0, 0, 0)[24]; ",
		 low, keep, 200, drop, low, low + 1, drop, low, keep);
	expect("O_CLOEXEC kept at the lowest free descriptor (counting the "
	       "caller's close-on-exec ones), dropped above a free one", want);
	expect_path("addopen with O_CLOEXEC", "clone_empty");
	posix_spawn_file_actions_destroy(&fa);
	close(cl);
}

static void test_closefrom_tcsetpgrp(void)
{
	posix_spawn_file_actions_t fa;
	char want[512];
	int cl, plain;

	reset();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawn_file_actions_addclose(&fa, 5);
	posix_spawn_file_actions_adddup2(&fa, 2, 5);
	spawn_true(&fa, NULL);
	expect("addclosefrom_np: close_range, later closes left out",
	       "BINARY close_range {3, 0xffffffff, 0, 0}[16]; FD fd:5 2; ");
	expect_path("addclosefrom_np", "clone_empty");
	posix_spawn_file_actions_destroy(&fa);

	reset();
	cl = open("/dev/null", O_RDONLY | O_CLOEXEC);
	plain = open("/dev/null", O_RDONLY);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addtcsetpgrp_np(&fa, cl);
	posix_spawn_file_actions_addtcsetpgrp_np(&fa, plain);
	posix_spawn_file_actions_addopen(&fa, 70, "/t", O_RDWR, 0);
	posix_spawn_file_actions_addtcsetpgrp_np(&fa, 70);
	spawn_true(&fa, NULL);
	snprintf(want, sizeof(want),
		 "FD fd:%d %d; INT tcsetpgrp %d; FLAG fd:%d; "
		 "INT tcsetpgrp %d; BINARY fd:70 open(/t, %#x, 0, 0, 0)[24]; "
		 "INT tcsetpgrp 70; ",
		 cl, cl, cl, cl, plain, O_RDWR | PFS_KERNEL_O_LARGEFILE);
	expect("addtcsetpgrp_np: a close-on-exec descriptor lent for the call",
	       want);
	expect_path("addtcsetpgrp_np", "clone_empty");
	posix_spawn_file_actions_destroy(&fa);
	close(cl);
	close(plain);
}

/*
 * Before addclosefrom_np(N), N <= 3, the descriptors below N are given one
 * by one, unless replaced before they are read: no inherit_fds snapshot.
 */
static void test_closefrom_inherit(void)
{
	posix_spawn_file_actions_t fa;
	int flags1 = fcntl(1, F_GETFD), flags2 = fcntl(2, F_GETFD);
	int nul = open("/dev/null", O_RDONLY);	/* not close-on-exec */
	char want[256];

	reset();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, nul, 0);
	posix_spawn_file_actions_addtcsetpgrp_np(&fa, nul);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	fcntl(1, F_SETFD, 0);
	fcntl(2, F_SETFD, FD_CLOEXEC);
	spawn_true(&fa, NULL);
	fcntl(1, F_SETFD, flags1);
	fcntl(2, F_SETFD, flags2);
	snprintf(want, sizeof(want),
		 "FD fd:1 1; FD fd:0 %d; FD fd:%d %d; INT tcsetpgrp %d; "
		 "FLAG fd:%d; BINARY close_range {3, 0xffffffff, 0, 0}[16]; ",
		 nul, nul, nul, nul, nul);
	ok(!strncmp(transcript, want, strlen(want)),
	   "closefrom(3): no inherit_fds; 1 given, 0 replaced first, 2 "
	   "close-on-exec; a descriptor it closes lent to tcsetpgrp");
	if (strncmp(transcript, want, strlen(want)))
		printf("# want: %s\n# got:  %s\n", want, transcript);
	posix_spawn_file_actions_destroy(&fa);

	reset();
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclosefrom_np(&fa, 4);
	spawn_true(&fa, NULL);
	ok(!strncmp(transcript, "FLAG inherit_fds; BINARY close_range {4, ",
		    41), "closefrom(4): inherit_fds");
	posix_spawn_file_actions_destroy(&fa);
	close(nul);
}

static void test_pidfd(void)
{
	int pidfd = -1, ret;

	reset();
	ret = pidfd_spawn(&pidfd, "/bin/prog", NULL, NULL,
			  (char *[]){ "p", NULL }, env1);
	ok(ret == 0 && pidfd == builder_fd && !builder_closed(),
	   "pidfd_spawn returns the builder");
	close(pidfd);
}

static void test_errors(void)
{
	pid_t pid = 123;
	int ret;

	reset();
	script = exec_fails_enoent;
	ret = posix_spawn(&pid, "/missing", NULL, NULL,
			  (char *[]){ "p", NULL }, env1);
	ok(ret == ENOENT && pid == 123, "exec failure: the commit's errno");
	expect("exec failure: abort", "STRING exe /missing; EXEC; ABORT; ");
	ok(builder_closed(), "exec failure: builder closed");

	reset();
	script = killed_before_exec;
	ret = posix_spawn(&pid, "/bin/prog", NULL, NULL,
			  (char *[]){ "p", NULL }, env1);
	ok(ret == 0 && pid == FAKE_PID,
	   "ESRCH from the commit (killed before exec): success, as glibc");
}

static void test_path_search(void)
{
	char *saved = strdup(getenv("PATH") ? getenv("PATH") : "");
	pid_t pid = 123;
	int ret;

	setenv("PATH", "/a:/b::/c", 1);

	reset();
	script = path_walk;
	ret = posix_spawnp(&pid, "x", NULL, NULL, (char *[]){ "x", NULL },
			   env1);
	ok(ret == EACCES && pid == 123, "PATH search: EACCES preferred");
	ok(clone_calls == 1, "PATH search: one process for all candidates");
	expect("PATH search: exe set again for each candidate",
	       "STRING exe /a/x; EXEC; STRING exe /b/x; EXEC; "
	       "STRING exe x; EXEC; STRING exe /c/x; EXEC; ABORT; ");

	reset();
	script = second_ok;
	ret = posix_spawnp(&pid, "x", NULL, NULL, (char *[]){ "x", NULL },
			   env1);
	ok(ret == 0 && pid == FAKE_PID, "PATH search: found on the second");
	expect("PATH search: stops at success",
	       "STRING exe /a/x; EXEC; STRING exe /b/x; EXEC; ");
	ok(!strstr(transcript, "ABORT"), "PATH search: no abort on success");

	reset();
	script = action_fails;
	ret = posix_spawnp(&pid, "x", NULL, NULL, (char *[]){ "x", NULL },
			   env1);
	ok(ret == ENOENT, "PATH search: a failed action ends it (%d)", ret);
	expect("PATH search: ESRCH on the next exe",
	       "STRING exe /a/x; EXEC; STRING exe /b/x; ABORT; ");

	reset();
	script = noexec;
	ret = posix_spawnp(&pid, "x", NULL, NULL, (char *[]){ "x", NULL },
			   env1);
	ok(ret == ENOEXEC, "PATH search: ENOEXEC ends it");
	expect("PATH search: ENOEXEC, no other candidate, no shell",
	       "STRING exe /a/x; EXEC; ABORT; ");

	reset();
	script = exec_fails_enoent;
	ret = posix_spawnp(&pid, "dir/x", NULL, NULL,
			   (char *[]){ "x", NULL }, env1);
	ok(ret == ENOENT, "PATH search: a name with a slash");
	expect("PATH search: a name with a slash is not searched",
	       "STRING exe dir/x; EXEC; ABORT; ");

	unsetenv("PATH");
	reset();
	script = exec_fails_enoent;
	ret = posix_spawnp(&pid, "x", NULL, NULL, (char *[]){ "x", NULL },
			   env1);
	expect("PATH unset: /bin:/usr/bin",
	       "STRING exe /bin/x; EXEC; STRING exe /usr/bin/x; EXEC; ABORT");

	setenv("PATH", saved, 1);
	free(saved);
}

/* posix_spawnp() of a name over NAME_MAX: the actions, then ENAMETOOLONG. */
static void test_long_name(void)
{
	posix_spawn_file_actions_t fa;
	char name[300], want[400];
	pid_t pid = 123;
	int ret;

	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(want, sizeof(want), "STRING exe /%.*s/.; EXEC; ABORT; ",
		 NAME_MAX + 1, name);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/out", O_WRONLY, 0);

	reset();
	script = exec_enametoolong;
	ret = posix_spawnp(&pid, name, &fa, NULL, (char *[]){ "x", NULL },
			   env1);
	ok(ret == ENAMETOOLONG && pid == 123 && clone_calls == 1 &&
	   strstr(transcript, "BINARY fd:1 open(/out"),
	   "long name: actions configured, ENAMETOOLONG from the commit");
	expect("long name: exe is a component over NAME_MAX", want);
	expect_path("long name", "clone_empty");

	reset();
	script = exec_fails_enoent;
	ret = posix_spawnp(&pid, name, &fa, NULL, (char *[]){ "x", NULL },
			   env1);
	ok(ret == ENAMETOOLONG,
	   "long name: another exec error is ENAMETOOLONG (%d)", ret);

	reset();
	script = action_fails;
	ret = posix_spawnp(&pid, name, &fa, NULL, (char *[]){ "x", NULL },
			   env1);
	ok(ret == ENOENT, "long name: a failed action's error stays (%d)",
	   ret);
	posix_spawn_file_actions_destroy(&fa);
}

/* addclose() beyond a lowered RLIMIT_NOFILE: EBADF, unless open. */
static void test_fd_range(void)
{
	posix_spawn_file_actions_t fa;
	struct rlimit rl, low;
	int nul, ret;

	getrlimit(RLIMIT_NOFILE, &rl);
	low = rl;
	low.rlim_cur = 64;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, 100);

	reset();
	script = exec_ebadf;
	setrlimit(RLIMIT_NOFILE, &low);
	ret = spawn_true(&fa, NULL);
	setrlimit(RLIMIT_NOFILE, &rl);
	ok(ret == EBADF, "addclose beyond RLIMIT_NOFILE: EBADF (%d)", ret);
	expect("addclose beyond RLIMIT_NOFILE: dup:N onto itself",
	       "FLAG inherit_fds; INT dup:100 100; ");
	expect_path("addclose beyond RLIMIT_NOFILE", "clone_empty");

	reset();
	nul = open("/dev/null", O_RDONLY);
	dup2(nul, 100);
	close(nul);
	setrlimit(RLIMIT_NOFILE, &low);
	ret = spawn_true(&fa, NULL);
	setrlimit(RLIMIT_NOFILE, &rl);
	close(100);
	expect("addclose beyond RLIMIT_NOFILE of an open descriptor: closed",
	       "FLAG inherit_fds; FLAG fd:100; ");
	posix_spawn_file_actions_destroy(&fa);
}

static void test_signals(void)
{
	posix_spawnattr_t at;
	sigset_t set;
	pid_t pid;

	reset();
	signal(SIGUSR2, SIG_IGN);
	posix_spawnattr_init(&at);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	set.__val[0] |= 3UL << (PFS_SIGCANCEL - 1);
	posix_spawnattr_setsigdefault(&at, &set);
	sigfillset(&set);
	posix_spawnattr_setsigmask(&at, &set);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETSIGMASK);
	posix_spawn(&pid, "/bin/prog", NULL, &at, null_argv, NULL);
	signal(SIGUSR2, SIG_DFL);
	expect("SETSIGDEF: inherit_sigignore, then sigdefault without glibc's "
	       "signals",
	       "FLAG inherit_sigignore; BINARY sigdefault [8] 12; ");
	ok(strstr(transcript, "BINARY sigmask [8] 1 2 3 4 5 6 7 8 9 10 ") &&
	   strstr(transcript, " 31 34 35 ") && !strstr(transcript, " 32 ") &&
	   !strstr(transcript, " 33 "),
	   "SETSIGMASK of sigfillset(): 8 bytes, without glibc's signals");
	ok(sigaction_calls == 0, "SETSIGDEF: no sigaction()");

	reset();
	sigfillset(&set);
	posix_spawnattr_setsigdefault(&at, &set);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);
	posix_spawn(&pid, "/bin/prog", NULL, &at, null_argv, NULL);
	ok(!strstr(transcript, "sigignore") && !strstr(transcript, "sigdef"),
	   "SETSIGDEF of every signal: nothing stays ignored, no keys");

	reset();
	sigemptyset(&set);
	posix_spawnattr_setsigdefault(&at, &set);
	posix_spawn(&pid, "/bin/prog", NULL, &at, null_argv, NULL);
	ok(strstr(transcript, "FLAG inherit_sigignore; ") &&
	   !strstr(transcript, "sigdefault"),
	   "SETSIGDEF of no signal: no sigdefault");

	reset();
	posix_spawn(&pid, "/bin/prog", NULL, NULL, null_argv, NULL);
	ok(strstr(transcript, "FLAG inherit_sigignore; ") &&
	   !strstr(transcript, "sigmask"),
	   "nothing blocked: inherit_sigignore only");
}

/*
 * The common spawn: three adddup2() of the caller's descriptors, SETSID,
 * SETPGROUP, SETSIGMASK, SETSIGDEF.  Its settings: inherit_fds, fd:0,
 * fd:1, fd:2, inherit_sigignore, sigdefault, sigmask, setsid, pgid, argv,
 * envp, exe; then the commit.
 */
static void common_spawn(void)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t set;
	pid_t pid;
	int i;

	reset();
	posix_spawn_file_actions_init(&fa);
	for (i = 0; i < 3; i++)
		posix_spawn_file_actions_adddup2(&fa, 2, i);
	posix_spawnattr_init(&at);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	posix_spawnattr_setsigmask(&at, &set);
	sigaddset(&set, SIGPIPE);
	posix_spawnattr_setsigdefault(&at, &set);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID |
				 POSIX_SPAWN_SETPGROUP |
				 POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	posix_spawn(&pid, "/bin/prog", &fa, &at, (char *[]){ "prog", NULL },
		    env1);
	printf("# %s\n", transcript);
	posix_spawn_file_actions_destroy(&fa);
}

/* With PIDFD_CONFIG_SET_BATCH: the 12 settings in one call. */
static void test_call_count(void)
{
	common_spawn();
	ok(clone_calls == 1 && config_count == 1 && exec_count == 1 &&
	   sigaction_calls == 0 && !strcmp(batch_log, "[12:12]"),
	   "common spawn: clone3, 1 pidfd_config() (a batch of 12), 1 commit, "
	   "no sigaction() (got %d, %d %s, %d, %d)", clone_calls,
	   config_count, batch_log, exec_count, sigaction_calls);
}

/* 1500 adddup2(): more settings than a batch takes, in two calls. */
static void test_batch_max(void)
{
	posix_spawn_file_actions_t fa;
	int i, ret;

	reset();
	posix_spawn_file_actions_init(&fa);
	for (i = 0; i < 1500; i++)
		posix_spawn_file_actions_adddup2(&fa, 2, 10 + i % 2);
	ret = spawn_true(&fa, NULL);
	ok(ret == 0 && clone_calls == 1 &&
	   config_count == 2 && exec_count == 1,
	   "1505 settings: clone3, 2 pidfd_config(), 1 commit (got %d, %d, "
	   "%d)", clone_calls, config_count, exec_count);
	ok(!strcmp(batch_log, "[1024:1024][481:481]"),
	   "1505 settings: batches of PIDFD_CONFIG_BATCH_MAX and the rest (%s)",
	   batch_log);
	ok(!strncmp(transcript, "FLAG inherit_fds; FD fd:10 2; FD fd:11 2; ",
		    42), "1505 settings: in order");
	expect_path("1505 settings", "clone_empty");
	posix_spawn_file_actions_destroy(&fa);
}

static int refuse_inherit_fds(unsigned int cmd, const char *key, int n)
{
	(void)cmd;
	(void)n;
	return key && !strcmp(key, "inherit_fds") ? EPERM : 0;
}

static int refuse_dup62(unsigned int cmd, const char *key, int n)
{
	(void)cmd;
	(void)n;
	return key && !strcmp(key, "dup:62") ? EINVAL : 0;
}

/* A failing setting in a batch: the same errno, the same reaction. */
static void test_batch_errors(void)
{
	posix_spawn_file_actions_t fa;
	int ret;

	reset();
	script = refuse_inherit_fds;
	ret = spawn_true(NULL, NULL);
	ok(ret == 0 && clone_calls == 1 && !strcmp(batch_log, "[5:-1]"),
	   "first setting refused: the batch fails with its errno (%s)",
	   batch_log);
	ok(!strcmp(transcript, "FLAG inherit_fds; ABORT; ") &&
	   pfs_clone_empty_maybe_supported(),
	   "first setting refused (EPERM): not sent again, child aborted");
	expect_path("first setting refused", "fallback reason=replay");

	reset();
	script = refuse_fd1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	ret = spawn_true(&fa, NULL);
	ok(ret == 0 && !strcmp(batch_log, "[6:1]") && config_count == 2,
	   "second setting refused: the batch applies one, the setting is "
	   "sent alone (%s, %d calls)", batch_log, config_count);
	expect("second setting refused (EINVAL): alone, then aborted",
	       "FLAG inherit_fds; FD fd:1 2; FD fd:1 2; ABORT; ");
	expect_path("second setting refused", "fallback reason=replay");
	posix_spawn_file_actions_destroy(&fa);
}

/* posix_spawn@GLIBC_2.2.5: after ENOEXEC the shell, on the parked child. */
static void test_try_shell(void)
{
	char *saved = strdup(getenv("PATH") ? getenv("PATH") : "");
	pid_t pid = 123;
	int ret;

	reset();
	script = noexec_once;
	ret = pfs_spawn(&pid, "/x/script", NULL, NULL,
			(char *[]){ "script", "a", "b", NULL }, env1,
			PFS_SPAWN_TRY_SHELL);
	ok(ret == 0 && pid == FAKE_PID && clone_calls == 1,
	   "try shell: ENOEXEC, then the shell runs the file");
	expect("try shell: exe and argv set again, committed again",
	       "STRING exe /x/script; EXEC; STRING exe /bin/sh; "
	       "BINARY argv /bin/sh|/x/script|a|b|; EXEC; ");
	expect_path("try shell", "clone_empty");

	reset();
	script = noexec_once;
	ret = pfs_spawn(&pid, "/x/script", NULL, NULL, null_argv, env1,
			PFS_SPAWN_TRY_SHELL);
	expect("try shell, no arguments: sh FILE",
	       "STRING exe /bin/sh; BINARY argv /bin/sh|/x/script|; EXEC; ");

	setenv("PATH", "/a:/b", 1);
	reset();
	script = path_walk;
	ret = pfs_spawn(&pid, "x", NULL, NULL, (char *[]){ "x", NULL }, env1,
			PFS_SPAWN_SEARCH | PFS_SPAWN_TRY_SHELL);
	ok(ret == EACCES, "try shell: not for other errors (%d)", ret);
	ok(!strstr(transcript, "/bin/sh"), "try shell: no shell after EACCES");
	setenv("PATH", saved, 1);
	free(saved);

	reset();
	script = noexec;
	ret = pfs_spawn(&pid, "/x/script", NULL, NULL,
			(char *[]){ "script", NULL }, env1,
			PFS_SPAWN_TRY_SHELL);
	ok(ret == ENOEXEC && exec_count == 2 && builder_closed(),
	   "try shell: the shell's error, child discarded");

	reset();
	script = noexec_once;
	ret = posix_spawn(&pid, "/x/script", NULL, NULL,
			  (char *[]){ "script", NULL }, env1);
	ok(ret == ENOEXEC && !strstr(transcript, "/bin/sh"),
	   "posix_spawn (GLIBC_2.15): ENOEXEC, no shell");
}

static void test_try_shell_search(void)
{
	char *saved = strdup(getenv("PATH") ? getenv("PATH") : "");
	pid_t pid = 123;
	int ret;

	setenv("PATH", "/a:/b", 1);
	reset();
	script = noexec_once;
	ret = pfs_spawn(&pid, "x", NULL, NULL, (char *[]){ "x", "1", NULL },
			env1, PFS_SPAWN_SEARCH | PFS_SPAWN_TRY_SHELL);
	ok(ret == 0, "try shell, PATH search: the shell runs the candidate");
	expect("try shell, PATH search: sh CANDIDATE ARGS",
	       "STRING exe /a/x; EXEC; STRING exe /bin/sh; "
	       "BINARY argv /bin/sh|/a/x|1|; EXEC; ");
	setenv("PATH", saved, 1);
	free(saved);
}

static void test_cgroup(void)
{
	posix_spawnattr_t at;
	pid_t pid;

	reset();
	posix_spawnattr_init(&at);
	posix_spawnattr_setcgroup_np(&at, 7);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETCGROUP);
	posix_spawn(&pid, "/bin/prog", NULL, &at, null_argv, NULL);
	ok(clone_flags == (CLONE_EMPTY | CLONE_PIDFD | CLONE_INTO_CGROUP) &&
	   clone_cgroup == 7, "SETCGROUP: CLONE_INTO_CGROUP");
}

/* Keys that worked are known: EINVAL from them is an answer. */
static void test_known_keys(void)
{
	static const enum pfs_key used[] = {
		PFS_KEY_CLOSE_RANGE, PFS_KEY_DUP, PFS_KEY_CWD_FD,
		PFS_KEY_TCSETPGRP, PFS_KEY_INHERIT_SIGIGNORE,
		PFS_KEY_SIGDEFAULT,
	};
	posix_spawn_file_actions_t fa;
	unsigned int i;
	bool all = true;
	int ret;

	for (i = 0; i < ARRAY_SIZE(used); i++)
		all &= pfs_key_supported(used[i]) && pfs_key_usable(used[i]);
	ok(all, "every key that worked is known to be supported");

	reset();
	script = refuse_close_range;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	ret = spawn_true(&fa, NULL);
	ok(ret == 0 && clone_calls == 1 && pfs_key_usable(PFS_KEY_CLOSE_RANGE),
	   "a known key refused with EINVAL: still supported");
	expect_path("a known key refused with EINVAL",
		    "fallback reason=replay");
	posix_spawn_file_actions_destroy(&fa);
}

/* Spawns a request that needs @key on a kernel without it, twice. */
static void check_lacking(const char *name, posix_spawn_file_actions_t *fa,
			  enum pfs_key key, const char *reason)
{
	char want[64];

	snprintf(want, sizeof(want), "fallback reason=%s", reason);
	reset();
	spawn_true(fa, NULL);
	ok(clone_calls == 1 && strstr(transcript, "ABORT; ") &&
	   !pfs_key_usable(key) && !pfs_key_supported(key),
	   "%s, key unknown: tried once, recorded as missing", name);
	expect_path(name, want);
	reset();
	spawn_true(fa, NULL);
	ok(clone_calls == 0, "%s, key missing: no empty process", name);
	expect_path(name, want);
}

static void lacking_closefrom(void)
{
	posix_spawn_file_actions_t fa;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	check_lacking("addclosefrom_np", &fa, PFS_KEY_CLOSE_RANGE,
		      "closefrom");
	posix_spawn_file_actions_destroy(&fa);
}

static void lacking_child_fds(void)
{
	posix_spawn_file_actions_t fa;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 60, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 60, 61);
	check_lacking("dup2 from a descriptor an earlier open made", &fa,
		      PFS_KEY_DUP, "child_fd");
	posix_spawn_file_actions_destroy(&fa);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 60, "/", O_RDONLY, 0);
	posix_spawn_file_actions_addfchdir_np(&fa, 60);
	check_lacking("fchdir to a descriptor an earlier open made", &fa,
		      PFS_KEY_CWD_FD, "child_fd");
	posix_spawn_file_actions_destroy(&fa);
}

static void lacking_tcsetpgrp(void)
{
	posix_spawn_file_actions_t fa;
	int nul = open("/dev/null", O_RDONLY);	/* not a terminal: ENOTTY */

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addtcsetpgrp_np(&fa, nul);
	check_lacking("addtcsetpgrp_np", &fa, PFS_KEY_TCSETPGRP, "tcsetpgrp");
	posix_spawn_file_actions_destroy(&fa);
	close(nul);
}

static void lacking_fd_range(void)
{
	posix_spawn_file_actions_t fa;
	struct rlimit rl, low;
	int ret;

	getrlimit(RLIMIT_NOFILE, &rl);
	low = rl;
	low.rlim_cur = 64;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addclose(&fa, 100);
	reset();
	setrlimit(RLIMIT_NOFILE, &low);
	ret = spawn_true(&fa, NULL);
	setrlimit(RLIMIT_NOFILE, &rl);
	ok(ret == EBADF && clone_calls == 0,
	   "addclose beyond RLIMIT_NOFILE without dup:N: EBADF (%d)", ret);
	expect_path("addclose beyond RLIMIT_NOFILE",
		    "fallback reason=fd_range");
	posix_spawn_file_actions_destroy(&fa);
}

/* What the old keys express still takes the new path. */
static void lacking_still_new(void)
{
	posix_spawn_file_actions_t fa;
	int nul = open("/dev/null", O_RDONLY);

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, nul, 1);
	posix_spawn_file_actions_addopen(&fa, 5, "/dev/null",
					 O_RDONLY | O_CLOEXEC, 0);
	posix_spawn_file_actions_addfchdir_np(&fa, nul);
	reset();
	spawn_true(&fa, NULL);
	ok(clone_calls == 1 && !strstr(transcript, "ABORT"),
	   "old kernel: dup2 and fchdir of the caller's, addopen O_CLOEXEC");
	expect_path("old kernel, old keys", "clone_empty");
	posix_spawn_file_actions_destroy(&fa);
	close(nul);
}

/* A kernel with CLONE_EMPTY but none of the newer keys. */
static void test_old_kernel(void)
{
	struct pidfd_spawn_np_stats a, b;
	int ret;

	/* Older than the keys, so older than the batch too. */
	lacking = ALL_KEYS;
	no_batch = true;
	reset();
	signal(SIGUSR2, SIG_IGN);
	stats(&a);
	ret = spawn_true(NULL, NULL);
	stats(&b);
	ok(ret == 0 && clone_calls == 2 && sigaction_calls > 0 &&
	   b.clone_empty == a.clone_empty + 1 && b.fallback == a.fallback,
	   "old kernel: inherit_sigignore refused, the request done again");
	expect("old kernel: the signals asked to sigaction()",
	       "FLAG inherit_sigignore; ABORT; FLAG inherit_fds; "
	       "BINARY sigignore [8] 12; ");
	expect_path("old kernel, signals", "clone_empty");
	ok(!pfs_key_usable(PFS_KEY_INHERIT_SIGIGNORE) &&
	   pfs_key_usable(PFS_KEY_SIGDEFAULT) && pfs_key_usable(PFS_KEY_DUP),
	   "old kernel: inherit_sigignore recorded as missing, the keys not "
	   "tried yet still unknown");

	reset();
	spawn_true(NULL, NULL);
	ok(clone_calls == 1 && !strstr(transcript, "inherit_sigignore"),
	   "old kernel: inherit_sigignore not tried again");
	signal(SIGUSR2, SIG_DFL);

	lacking_closefrom();
	lacking_child_fds();
	lacking_tcsetpgrp();
	lacking_fd_range();
	lacking_still_new();
}

/* A kernel with inherit_sigignore but not sigdefault. */
static void test_old_sigdefault(void)
{
	posix_spawnattr_t at;
	sigset_t set;

	lacking = 1U << PFS_KEY_SIGDEFAULT;
	posix_spawnattr_init(&at);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	posix_spawnattr_setsigdefault(&at, &set);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF);

	reset();
	ok(spawn_true(NULL, &at) == 0 && clone_calls == 2 &&
	   sigaction_calls > 0 &&
	   pfs_key_supported(PFS_KEY_INHERIT_SIGIGNORE) &&
	   !pfs_key_usable(PFS_KEY_SIGDEFAULT),
	   "no sigdefault: SETSIGDEF done again with sigaction()");
	expect_path("no sigdefault", "clone_empty");

	reset();
	spawn_true(NULL, NULL);
	ok(clone_calls == 1 && strstr(transcript, "inherit_sigignore") &&
	   sigaction_calls == 0,
	   "no sigdefault: inherit_sigignore without SETSIGDEF");

	reset();
	spawn_true(NULL, &at);
	ok(clone_calls == 1 && !strstr(transcript, "inherit_sigignore") &&
	   sigaction_calls > 0, "no sigdefault: SETSIGDEF with sigaction()");
}

/*
 * A new key applied by a batch is known before the failure of a later
 * setting of the batch is read: EINVAL from it is an answer.
 */
static void fresh_key_known_in_batch(void)
{
	posix_spawn_file_actions_t fa;
	bool known_before = pfs_key_supported(PFS_KEY_DUP);
	int ret;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 60, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 60, 61);
	posix_spawn_file_actions_adddup2(&fa, 60, 62);
	reset();
	script = refuse_dup62;
	ret = spawn_true(&fa, NULL);
	ok(!known_before && ret == 0 &&
	   !strcmp(batch_log, "[8:3]") && pfs_key_supported(PFS_KEY_DUP) &&
	   pfs_key_usable(PFS_KEY_DUP),
	   "dup:N applied, then refused in one batch: still supported (%s)",
	   batch_log);
	expect_path("dup:N refused after it worked", "fallback reason=replay");
	posix_spawn_file_actions_destroy(&fa);
}

/* A kernel with SET_BATCH but none of the newer keys. */
static void fresh_old_keys_batch(void)
{
	int ret;

	lacking = ALL_KEYS;
	reset();
	signal(SIGUSR2, SIG_IGN);
	ret = spawn_true(NULL, NULL);
	ok(ret == 0 && clone_calls == 2 &&
	   !strcmp(batch_log, "[5:1][5:5]") &&
	   !pfs_key_usable(PFS_KEY_INHERIT_SIGIGNORE),
	   "keys unknown, in a batch: the refused one alone, recorded as "
	   "missing, the request done again (%s)", batch_log);
	expect("keys unknown, in a batch: the transcript",
	       "FLAG inherit_fds; FLAG inherit_sigignore; "
	       "FLAG inherit_sigignore; ABORT; FLAG inherit_fds; "
	       "BINARY sigignore [8] 12; BINARY argv true|; "
	       "BINARY envp A=1|B=2|; STRING exe /bin/true; EXEC; ");
	expect_path("keys unknown, in a batch", "clone_empty");
	signal(SIGUSR2, SIG_DFL);

	lacking_closefrom();
	lacking_child_fds();
	lacking_tcsetpgrp();
}

/* A kernel without PIDFD_CONFIG_SET_BATCH: one call per setting. */
static void fresh_no_batch(void)
{
	char first[sizeof(transcript)];

	no_batch = true;
	common_spawn();
	strcpy(first, transcript);
	ok(clone_calls == 1 && config_count == 13 && batch_calls == 1 &&
	   exec_count == 1 && !strcmp(batch_log, "[12:-1]") &&
	   !pfs_batch_usable(),
	   "no SET_BATCH: EOPNOTSUPP, recorded, then 12 pidfd_config() "
	   "(got %d calls, %s)", config_count, batch_log);
	common_spawn();
	ok(clone_calls == 1 && config_count == 12 && batch_calls == 0 &&
	   exec_count == 1 && sigaction_calls == 0,
	   "no SET_BATCH: common spawn: clone3, 12 pidfd_config(), 1 commit "
	   "(got %d, %d, %d)", clone_calls, config_count, exec_count);
	ok(!strcmp(transcript, first) &&
	   !strncmp(transcript, "FLAG inherit_fds; FD fd:0 2; ", 29),
	   "no SET_BATCH: the same settings, in the same order");
	expect_path("no SET_BATCH", "clone_empty");
}

static int eopnotsupp_inherit_fds(unsigned int cmd, const char *key, int n)
{
	(void)cmd;
	(void)n;
	return key && !strcmp(key, "inherit_fds") ? EOPNOTSUPP : 0;
}

static int enosys_inherit_fds(unsigned int cmd, const char *key, int n)
{
	(void)cmd;
	(void)n;
	return key && !strcmp(key, "inherit_fds") ? ENOSYS : 0;
}

/* The first setting's own EOPNOTSUPP or ENOSYS. */
static void fresh_batch_first_errors(void)
{
	reset();
	script = eopnotsupp_inherit_fds;
	ok(spawn_true(NULL, NULL) == 0 && batch_calls == 1 &&
	   pfs_batch_usable() && !pfs_batch_supported(),
	   "EOPNOTSUPP of the first setting: asked alone, SET_BATCH not "
	   "concluded missing");
	expect("EOPNOTSUPP of the first setting: alone, then aborted",
	       "FLAG inherit_fds; FLAG inherit_fds; ABORT; ");
	expect_path("EOPNOTSUPP of the first setting",
		    "fallback reason=replay");

	reset();
	ok(spawn_true(NULL, NULL) == 0 && pfs_batch_supported() &&
	   config_count == 1, "then a batch that works: SET_BATCH recorded");

	reset();
	script = enosys_inherit_fds;
	ok(spawn_true(NULL, NULL) == 0 && !pfs_clone_empty_maybe_supported(),
	   "ENOSYS of inherit_fds in a batch: no CLONE_EMPTY after all");
	expect_path("ENOSYS of inherit_fds", "fallback");
}

static void test_replay(void)
{
	posix_spawn_file_actions_t fa;
	struct pidfd_spawn_np_stats a, b;
	posix_spawnattr_t at;
	struct sched_param sp = { 0 };
	pid_t pid = 0;
	int ret, status;

	/* The kernel refuses a key: discard the child, replay. */
	reset();
	script = refuse_fd1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, 2, 1);
	stats(&a);
	ret = posix_spawn(&pid, "/bin/sh", &fa, NULL,
			  (char *[]){ "sh", "-c", "exit 5", NULL }, env1);
	stats(&b);
	ok(ret == 0 && pid != FAKE_PID && waitpid(pid, &status, 0) == pid &&
	   WEXITSTATUS(status) == 5,
	   "a key refused before the commit: replayed on the fallback");
	expect("refused key: the empty child is aborted", "FD fd:1 2; ABORT; ");
	ok(builder_closed() && b.fallback == a.fallback + 1 &&
	   b.clone_empty == a.clone_empty, "refused key: counted as fallback");
	expect_path("refused key", "fallback reason=replay");
	posix_spawn_file_actions_destroy(&fa);

	/* posix_spawn with no descriptor for the builder: the fallback. */
	reset();
	clone_errno = EMFILE;
	ret = posix_spawn(&pid, "/bin/true", NULL, NULL,
			  (char *[]){ "true", NULL }, env1);
	ok(ret == 0 && pid != FAKE_PID && waitpid(pid, NULL, 0) == pid &&
	   pfs_clone_empty_maybe_supported(),
	   "clone3 EMFILE: fallback, CLONE_EMPTY still assumed");

	/* SETSCHEDPARAM on the (fake) parked pid fails: replay. */
	reset();
	posix_spawnattr_init(&at);
	posix_spawnattr_setschedparam(&at, &sp);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSCHEDPARAM);
	ret = posix_spawn(&pid, "/bin/true", NULL, &at,
			  (char *[]){ "true", NULL }, env1);
	ok(ret == 0 && pid != FAKE_PID && waitpid(pid, NULL, 0) == pid &&
	   strstr(transcript, "ABORT"),
	   "sched_setparam refused: replayed on the fallback");
}

/* Last: the kernel lacks CLONE_EMPTY. */
static void test_detection(void)
{
	pid_t pid;
	int ret;

	reset();
	clone_errno = EINVAL;
	ret = posix_spawn(&pid, "/bin/true", NULL, NULL,
			  (char *[]){ "true", NULL }, env1);
	ok(ret == 0 && pid != FAKE_PID && waitpid(pid, NULL, 0) == pid,
	   "clone3 EINVAL: the fallback does the spawn");
	ok(!pfs_clone_empty_maybe_supported(), "EINVAL remembered");
	expect_path("no CLONE_EMPTY", "fallback");
	reset();
	ret = posix_spawn(&pid, "/bin/true", NULL, NULL,
			  (char *[]){ "true", NULL }, env1);
	ok(ret == 0 && clone_calls == 0 && waitpid(pid, NULL, 0) == pid,
	   "later spawns do not try clone3 again");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	real_sigaction = dlsym(RTLD_NEXT, "sigaction");
	/* Read once, at the first spawn: this test needs the new path. */
	unsetenv("PIDFD_SPAWN_FORCE_FALLBACK");
	debug_capture();

	/* First, while the library knows nothing of the kernel's keys. */
	run_fresh("a kernel without the newer keys", test_old_kernel);
	run_fresh("a kernel without sigdefault", test_old_sigdefault);
	run_fresh("a kernel without SET_BATCH", fresh_no_batch);
	run_fresh("a kernel with SET_BATCH, without the newer keys",
		  fresh_old_keys_batch);
	run_fresh("a new key known within a batch", fresh_key_known_in_batch);
	run_fresh("a batch's first setting failing", fresh_batch_first_errors);

	test_translation();
	test_dup2_chain();
	test_child_fds();
	test_open_cloexec();
	test_closefrom_tcsetpgrp();
	test_closefrom_inherit();
	test_pidfd();
	test_errors();
	test_path_search();
	test_long_name();
	test_fd_range();
	test_signals();
	test_call_count();
	test_batch_max();
	test_batch_errors();
	test_try_shell();
	test_try_shell_search();
	test_cgroup();
	test_known_keys();
	test_replay();
	test_detection();

	unlink(debug_name);
	printf("1..%d\n", n_test);
	printf("# pidfd_spawn new path (scripted kernel): %d passed, "
	       "%d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
