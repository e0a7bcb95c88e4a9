// SPDX-License-Identifier: GPL-2.0
/*
 * spawn_minimal - start a program from an empty process, in the fewest calls
 *
 * clone3(CLONE_EMPTY | CLONE_PIDFD) creates a process that has no memory,
 * no open file and default signal handling, and that runs no code: it is
 * parked in the kernel.  The pidfd clone3() returns is its builder.
 * pidfd_config() describes the program to run, key by key, and
 * PIDFD_CONFIG_CMD_EXEC commits it: that call returns 0 once the program
 * runs, or -1 with the errno exec failed with (ENOENT, EACCES, ENOEXEC...).
 * Nothing of the caller is copied: no fork(), no vfork(), no error pipe.
 *
 * The whole sequence:
 *
 *   clone3(CLONE_EMPTY | CLONE_PIDFD)                 -> pid and builder pidfd
 *   pidfd_config(pidfd, SET_STRING, "exe", PROGRAM)
 *   pidfd_config(pidfd, SET_STRING, "argv", ARG)      once per argument
 *   pidfd_config(pidfd, SET_FD, "fd:N", NULL, N)      N = 0, 1, 2
 *   pidfd_config(pidfd, CMD_EXEC, NULL, NULL, 0)      -> 0, or exec's errno
 *   waitid(P_PIDFD, pidfd, ...)
 *
 * PROGRAM is a path, as for execv(): it is not looked up in PATH
 * (spawn_capture.c shows a PATH search).  The environment of the program is
 * empty, because nothing sets the "envp" key.
 *
 * Usage: spawn_minimal [-v] PROGRAM [ARGS...]
 *   -v  print each step on stderr, with what /proc shows of the process
 *
 * Exits with the status of the program, 128 + N if signal N killed it,
 * 127 if PROGRAM was not found, 126 if it could not be executed, and 125 if
 * spawn_minimal itself failed (the convention of env(1)).
 *
 * Example:
 *   ./spawn_minimal -v /bin/echo hello
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd_spawn_sample.h"

static bool verbose;

/* Print the first line of @path that starts with @prefix; false if none. */
static bool show_line(const char *path, const char *prefix)
{
	char line[256];
	bool found = false;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, prefix, strlen(prefix))) {
			fprintf(stderr, "    %s: %s", path, line);
			found = true;
		}
	}
	fclose(f);
	return found;
}

/* What /proc shows of the empty process and of its builder. */
static void show_proc(pid_t pid, int pidfd)
{
	char path[64], buf[64];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	show_line(path, "State:");
	if (!show_line(path, "VmSize:"))
		fprintf(stderr, "    %s: no VmSize line: no memory at all\n",
			path);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		len = read(fd, buf, sizeof(buf));
		fprintf(stderr, "    %s: %zd bytes\n", path, len);
		close(fd);
	}
	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	show_line(path, "PidfdBuilder:");
}

static int set_string(int pidfd, const char *key, const char *value)
{
	int ret = sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, key, value,
				   0);

	if (verbose)
		fprintf(stderr, "pidfd_config(%d, SET_STRING, \"%s\", \"%s\") = %d\n",
			pidfd, key, value, ret);
	return ret;
}

static int set_fd(int pidfd, const char *key, int fd)
{
	int ret = sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, key, NULL, fd);

	if (verbose)
		fprintf(stderr, "pidfd_config(%d, SET_FD, \"%s\", NULL, %d) = %d\n",
			pidfd, key, fd, ret);
	return ret;
}

int main(int argc, char *argv[])
{
	struct clone_args args = {
		.flags = CLONE_EMPTY | CLONE_PIDFD,
		.exit_signal = SIGCHLD,
	};
	siginfo_t info = {};
	int i, pidfd = -1, err;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = true;
		argv++;
		argc--;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: spawn_minimal [-v] PROGRAM [ARGS...]\n");
		return 125;
	}

	/* 1. An empty process, and the pidfd that builds it. */
	args.pidfd = (__u64)(uintptr_t)&pidfd;
	pid = sys_clone3(&args);
	if (pid < 0) {
		err = errno;
		fprintf(stderr, "spawn_minimal: clone3(CLONE_EMPTY | CLONE_PIDFD): %s%s\n",
			strerror(err),
			err == EINVAL ? " (does this kernel have CLONE_EMPTY?)" : "");
		return 125;
	}
	if (verbose) {
		fprintf(stderr, "clone3(CLONE_EMPTY | CLONE_PIDFD) = %d, builder pidfd %d\n",
			pid, pidfd);
		show_proc(pid, pidfd);
	}

	/*
	 * 2. What to run.  Strings are copied and files referenced at each
	 * call; "argv" SET_STRING appends one argument.
	 */
	if (set_string(pidfd, "exe", argv[1]))
		goto fail;
	for (i = 1; i < argc; i++)
		if (set_string(pidfd, "argv", argv[i]))
			goto fail;

	/* 3. The descriptor table starts empty: hand over ours. */
	if (set_fd(pidfd, "fd:0", 0) || set_fd(pidfd, "fd:1", 1) ||
	    set_fd(pidfd, "fd:2", 2))
		goto fail;

	/* 4. Commit: returns once the program runs, or exec's errno. */
	if (sys_pidfd_config(pidfd, PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 0)) {
		err = errno;
		if (verbose)
			fprintf(stderr, "pidfd_config(%d, CMD_EXEC) = -1 (%s): no program ran\n",
				pidfd, strerror(err));
		fprintf(stderr, "spawn_minimal: %s: %s\n", argv[1],
			strerror(err));
		/* The process stays parked after a failed exec: end it. */
		sys_pidfd_config(pidfd, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0);
		waitid(P_PIDFD, pidfd, &info, WEXITED);
		return err == ENOENT ? 127 : 126;
	}
	if (verbose) {
		char path[64];

		fprintf(stderr, "pidfd_config(%d, CMD_EXEC) = 0: %s is running\n",
			pidfd, argv[1]);
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
		show_line(path, "PidfdBuilder:");
	}

	/* 5. The builder is an ordinary pidfd now. */
	if (waitid(P_PIDFD, pidfd, &info, WEXITED)) {
		perror("spawn_minimal: waitid");
		return 125;
	}
	close(pidfd);
	if (info.si_code == CLD_EXITED) {
		if (verbose)
			fprintf(stderr, "waitid(P_PIDFD, %d) = 0: pid %d exited with status %d\n",
				pidfd, pid, info.si_status);
		return info.si_status;
	}
	if (verbose)
		fprintf(stderr, "waitid(P_PIDFD, %d) = 0: pid %d killed by signal %d (%s)\n",
			pidfd, pid, info.si_status, strsignal(info.si_status));
	return 128 + info.si_status;

fail:
	perror("spawn_minimal: pidfd_config");
	/* Closing the last reference to the builder kills the process. */
	close(pidfd);
	waitid(P_PID, pid, &info, WEXITED);
	return 125;
}
