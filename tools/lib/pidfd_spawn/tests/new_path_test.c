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
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"

#define FAKE_PID	((pid_t)0x3ffffff0)	/* above any pid_max */
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

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
static int exec_count;

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

int pfs_sys_pidfd_config(int pidfd, unsigned int cmd, const char *key,
			 const void *value, int aux)
{
	static const char * const names[] = {
		"FLAG", "STRING", "BINARY", "PATH", "PATH_EMPTY", "FD", "INT",
		"EXEC", "ABORT",
	};
	int err, i;

	if (pidfd != builder_fd) {
		note("BAD-PIDFD; ");
		errno = EBADF;
		return -1;
	}
	if (cmd == PIDFD_CONFIG_CMD_EXEC)
		exec_count++;
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
		if (!strncmp(key, "fd:", 3)) {
			const struct pfs_config_open *op = value;

			note(" open(%s, %#x, %#o, %llu)[%d]",
			     (const char *)(uintptr_t)op->path, op->flags,
			     op->mode, (unsigned long long)op->reserved, aux);
		} else if (!strcmp(key, "argv") || !strcmp(key, "envp")) {
			note(" ");
			for (i = 0; i < aux; i++)
				note("%c", ((const char *)value)[i] ?: '|');
		} else {
			note(" ");
			note_sigset(value, aux);
		}
		break;
	}
	note("; ");

	err = script ? script(cmd, key, exec_count) : 0;
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
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
	script = NULL;
	builder_fd = -1;
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

static int action_fails(unsigned int cmd, const char *key, int n)
{
	/* The first commit fails in an open action: the child is dead. */
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

/* Tests */

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

	signal(SIGUSR2, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, &old);

	stats(&a);
	ret = posix_spawn(&pid, "/bin/prog", &fa, &at,
			  (char *[]){ "prog", "a b", "", NULL }, env1);
	stats(&b);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGUSR2, SIG_DFL);

	ok(ret == 0 && pid == FAKE_PID, "posix_spawn: returns the pid");
	ok(clone_calls == 1 && clone_flags == (CLONE_EMPTY | CLONE_PIDFD),
	   "clone3(CLONE_EMPTY | CLONE_PIDFD)");
	snprintf(want, sizeof(want),
		 "FLAG inherit_fds; "
		 "FD fd:1 40; "
		 "BINARY fd:5 open(rel/x, %#x, 0, 0)[24]; "
		 "BINARY fd:6 open(/y, %#x, 0640, 0)[24]; "
		 "FLAG fd:40; "
		 "PATH cwd sub %d; "
		 "FD cwd 0; "
		 "FD fd:2 2; "
		 "BINARY sigignore [8] %d; "
		 "BINARY sigmask [8] %d; "
		 "FLAG setsid; INT pgid 0; FLAG resetids; "
		 "BINARY argv prog|a b||; "
		 "BINARY envp A=1|B=2|; "
		 "STRING exe /bin/prog; EXEC; ",
		 O_RDONLY | PFS_KERNEL_O_LARGEFILE,
		 O_WRONLY | O_CREAT | PFS_KERNEL_O_LARGEFILE, AT_FDCWD,
		 SIGUSR2, SIGHUP);
	ok(!strcmp(transcript, want), "the whole translation, in order");
	if (strcmp(transcript, want))
		printf("# want: %s\n# got:  %s\n", want, transcript);
	ok(builder_closed(), "posix_spawn closes the builder after commit");
	ok(b.clone_empty == a.clone_empty + 1 && b.fallback == a.fallback,
	   "counted as path=clone_empty");
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
	expect("PATH search: ENOEXEC, no other candidate",
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

static void test_signals(void)
{
	posix_spawnattr_t at;
	sigset_t set;
	pid_t pid;

	reset();
	signal(SIGUSR2, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	posix_spawnattr_init(&at);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	posix_spawnattr_setsigdefault(&at, &set);
	sigfillset(&set);
	posix_spawnattr_setsigmask(&at, &set);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGDEF |
				 POSIX_SPAWN_SETSIGMASK);
	posix_spawn(&pid, "/bin/prog", NULL, &at, null_argv, NULL);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	expect("SETSIGDEF removes from sigignore",
	       "BINARY sigignore [8] 13; ");
	ok(strstr(transcript, "BINARY sigmask [8] 1 2 3 4 5 6 7 8 9 10 ") &&
	   strstr(transcript, " 31 34 35 ") && !strstr(transcript, " 32 ") &&
	   !strstr(transcript, " 33 "),
	   "SETSIGMASK of sigfillset(): 8 bytes, without glibc's signals");

	reset();
	posix_spawn(&pid, "/bin/prog", NULL, NULL, null_argv, NULL);
	ok(!strstr(transcript, "sigignore") && !strstr(transcript, "sigmask"),
	   "nothing ignored or blocked: no signal keys");
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

/* Requests that must go to the fallback without creating an empty child. */
static void test_fallback_requests(void)
{
	static const struct {
		const char *name;
		int kind;
	} cases[] = {
		{ "addclosefrom_np", 0 },
		{ "addtcsetpgrp_np", 1 },
		{ "addopen with O_CLOEXEC", 2 },
		{ "dup2 from a descriptor an earlier open made", 3 },
		{ "fchdir to a descriptor an earlier close closed", 4 },
	};
	struct pidfd_spawn_np_stats a, b;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		posix_spawn_file_actions_t fa;
		pid_t pid;
		int ret;

		reset();
		posix_spawn_file_actions_init(&fa);
		switch (cases[i].kind) {
		case 0:
			posix_spawn_file_actions_addclosefrom_np(&fa, 3);
			break;
		case 1:
			posix_spawn_file_actions_addtcsetpgrp_np(&fa, 0);
			posix_spawn_file_actions_addclose(&fa, 0);
			break;
		case 2:
			posix_spawn_file_actions_addopen(&fa, 3, "/dev/null",
							 O_RDONLY | O_CLOEXEC,
							 0);
			break;
		case 3:
			posix_spawn_file_actions_addopen(&fa, 3, "/dev/null",
							 O_RDONLY, 0);
			posix_spawn_file_actions_adddup2(&fa, 3, 4);
			break;
		case 4:
			posix_spawn_file_actions_addclose(&fa, 0);
			posix_spawn_file_actions_addfchdir_np(&fa, 0);
			break;
		}
		stats(&a);
		ret = posix_spawn(&pid, "/bin/true", &fa, NULL,
				  (char *[]){ "true", NULL }, env1);
		stats(&b);
		if (ret == 0)
			waitpid(pid, NULL, 0);
		ok(clone_calls == 0 && b.fallback == a.fallback + 1 &&
		   b.clone_empty == a.clone_empty,
		   "%s: fallback, no empty process (ret %d)", cases[i].name,
		   ret);
		posix_spawn_file_actions_destroy(&fa);
	}
}

static void test_replay(void)
{
	posix_spawn_file_actions_t fa;
	struct pidfd_spawn_np_stats a, b;
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
	{
		posix_spawnattr_t at;
		struct sched_param sp = { 0 };

		reset();
		posix_spawnattr_init(&at);
		posix_spawnattr_setschedparam(&at, &sp);
		posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSCHEDPARAM);
		ret = posix_spawn(&pid, "/bin/true", NULL, &at,
				  (char *[]){ "true", NULL }, env1);
		ok(ret == 0 && pid != FAKE_PID &&
		   waitpid(pid, NULL, 0) == pid && strstr(transcript, "ABORT"),
		   "sched_setparam refused: replayed on the fallback");
	}
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
	reset();
	ret = posix_spawn(&pid, "/bin/true", NULL, NULL,
			  (char *[]){ "true", NULL }, env1);
	ok(ret == 0 && clone_calls == 0 && waitpid(pid, NULL, 0) == pid,
	   "later spawns do not try clone3 again");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Read once, at the first spawn: this test needs the new path. */
	unsetenv("PIDFD_SPAWN_FORCE_FALLBACK");
	unsetenv("PIDFD_SPAWN_DEBUG");

	test_translation();
	test_dup2_chain();
	test_pidfd();
	test_errors();
	test_path_search();
	test_signals();
	test_cgroup();
	test_fallback_requests();
	test_replay();
	test_detection();

	printf("1..%d\n", n_test);
	printf("# pidfd_spawn new path (scripted kernel): %d passed, %d failed\n",
	       n_pass, n_fail);
	return n_fail ? 1 : 0;
}
