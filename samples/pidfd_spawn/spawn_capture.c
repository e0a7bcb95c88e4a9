// SPDX-License-Identifier: GPL-2.0
/*
 * spawn_capture - popen() done right: capture stdout and stderr apart, and
 * learn at once, with the exact errno, when the program cannot be run
 *
 * The program is started from an empty process (clone3(CLONE_EMPTY)) with
 * fd 0 opened on /dev/null in the child, fd 1 and fd 2 on two pipes, and
 * the caller's environment.  Its output is collected from both pipes until
 * end of file and its exit status is reported.
 *
 * A program that does not exist is not an exit status 127 from a child
 * that failed to exec: the commit itself, PIDFD_CONFIG_CMD_EXEC, returns
 * -1 with errno ENOENT (or EACCES, ENOEXEC...) and no program ever ran.
 *
 * A failed exec leaves the process parked, with everything but the program
 * configured, and "exe" may be set again and the process committed again.
 * A PROGRAM without a slash is looked up in PATH that way: each candidate
 * DIR/PROGRAM is set as "exe" and committed; ENOENT, ENOTDIR and EACCES
 * move on to the next directory.  There is no access() check that could go
 * stale and no process per attempt: the kernel resolves each candidate in
 * the child, with its credentials and working directory, exactly as it
 * will execute it.
 *
 * Usage: spawn_capture [-v] PROGRAM [ARGS...]
 *   -v  print each step on stderr, and "tried N candidates, 1 process"
 *
 * Output: "stdout: LINE" and "stderr: LINE" for each line captured, then
 * "status: exited N" or "status: killed by signal N (NAME)".  Exits with
 * the status of the program (128 + N for signal N), 127 if PROGRAM was not
 * found, 126 if it could not be executed, 125 if spawn_capture failed.
 *
 * Examples:
 *   ./spawn_capture sh -c 'echo out; echo err >&2; exit 3'
 *   ./spawn_capture /no/such/program
 *   PATH=/tmp/a:/tmp/b:/usr/bin ./spawn_capture -v true
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
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

/* The search path execvp() uses when PATH is unset. */
#define DEFAULT_PATH	"/bin:/usr/bin"

struct stream {
	const char *name;
	int fd;			/* read end of the pipe, -1 at end of file */
	char *buf;
	size_t len;
	size_t size;
};

static bool verbose;

static void show_builder_state(int pidfd)
{
	char path[64], line[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "PidfdBuilder:", 13))
			fprintf(stderr, "    %s: %s", path, line);
	fclose(f);
}

/* The environment as one block of NUL-terminated strings. */
static char *env_block(size_t *len)
{
	char **e, *buf, *p;
	size_t n = 0;

	for (e = environ; *e; e++)
		n += strlen(*e) + 1;
	buf = malloc(n + 1);
	if (!buf)
		return NULL;
	for (p = buf, e = environ; *e; e++)
		p = stpcpy(p, *e) + 1;
	*len = n;
	return buf;
}

/* Set "exe" and commit: 0 once the program runs, or an errno. */
static int commit_exe(int pidfd, const char *exe, int *tried)
{
	int err = 0;

	(*tried)++;
	if (sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, "exe", exe, 0) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 0))
		err = errno;
	if (verbose) {
		fprintf(stderr, "commit #%d, exe \"%s\": %s\n", *tried, exe,
			err ? strerror(err) : "the program runs");
		if (err)
			show_builder_state(pidfd);
	}
	return err;
}

/*
 * Commit @name as it is if it contains a slash, else as DIR/@name for each
 * DIR of PATH in turn (an empty DIR is the working directory), the way
 * execvp() searches.  Returns 0 or an errno; *@tried counts the commits.
 */
static int commit_search(int pidfd, const char *name, int *tried)
{
	const char *path, *dir, *end;
	char exe[PATH_MAX];
	bool eacces = false;
	int err, n;

	*tried = 0;
	if (strchr(name, '/'))
		return commit_exe(pidfd, name, tried);

	path = getenv("PATH");
	if (!path)
		path = DEFAULT_PATH;
	for (dir = path; ; dir = end + 1) {
		end = strchrnul(dir, ':');
		if (end == dir)
			n = snprintf(exe, sizeof(exe), "%s", name);
		else
			n = snprintf(exe, sizeof(exe), "%.*s/%s",
				     (int)(end - dir), dir, name);
		if (n < (int)sizeof(exe)) {
			err = commit_exe(pidfd, exe, tried);
			if (!err)
				return 0;
			if (err == EACCES)
				eacces = true;
			else if (err != ENOENT && err != ENOTDIR)
				return err;
		}
		if (!*end)
			break;
	}
	return eacces ? EACCES : ENOENT;
}

/* Read both pipes until end of file on both. */
static int capture(struct stream *s, int n)
{
	struct pollfd pfd[2];
	int i, open = n;
	ssize_t len;

	while (open) {
		for (i = 0; i < n; i++) {
			pfd[i].fd = s[i].fd;
			pfd[i].events = POLLIN;
		}
		if (poll(pfd, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			if (s[i].size - s[i].len < 4096) {
				char *buf = realloc(s[i].buf, s[i].size + 65536);

				if (!buf)
					return -1;
				s[i].buf = buf;
				s[i].size += 65536;
			}
			len = read(s[i].fd, s[i].buf + s[i].len,
				   s[i].size - s[i].len);
			if (len < 0 && errno == EINTR)
				continue;
			if (len < 0)
				return -1;
			s[i].len += len;
			if (!len) {
				close(s[i].fd);
				s[i].fd = -1;
				open--;
			}
		}
	}
	return 0;
}

static void print_stream(const struct stream *s)
{
	const char *p = s->buf, *end = s->buf + s->len, *nl;

	while (p < end) {
		nl = memchr(p, '\n', end - p);
		if (!nl)
			nl = end;
		printf("%s: %.*s\n", s->name, (int)(nl - p), p);
		p = nl + 1;
	}
}

int main(int argc, char *argv[])
{
	struct clone_args args = {
		.flags = CLONE_EMPTY | CLONE_PIDFD,
		.exit_signal = SIGCHLD,
	};
	struct pidfd_config_open devnull = {
		.path = (__u64)(uintptr_t)"/dev/null",
		.flags = O_RDONLY,
	};
	struct stream out[2] = {
		{ .name = "stdout" },
		{ .name = "stderr" },
	};
	int i, pidfd = -1, pout[2], perr[2], tried, err;
	siginfo_t info = {};
	size_t env_len;
	char *env;
	pid_t pid;

	if (argc > 1 && !strcmp(argv[1], "-v")) {
		verbose = true;
		argv++;
		argc--;
	}
	if (argc < 2 || argv[1][0] == '-') {
		fprintf(stderr, "usage: spawn_capture [-v] PROGRAM [ARGS...]\n");
		return 125;
	}

	env = env_block(&env_len);
	if (!env || pipe2(pout, O_CLOEXEC) || pipe2(perr, O_CLOEXEC)) {
		perror("spawn_capture");
		return 125;
	}

	args.pidfd = (__u64)(uintptr_t)&pidfd;
	pid = sys_clone3(&args);
	if (pid < 0) {
		err = errno;
		fprintf(stderr, "spawn_capture: clone3(CLONE_EMPTY | CLONE_PIDFD): %s%s\n",
			strerror(err),
			err == EINVAL ? " (does this kernel have CLONE_EMPTY?)" : "");
		return 125;
	}
	if (verbose)
		fprintf(stderr, "clone3(CLONE_EMPTY | CLONE_PIDFD) = %d, builder pidfd %d\n",
			pid, pidfd);

	/*
	 * fd 0 is opened by the child at commit (struct pidfd_config_open);
	 * fd 1 and 2 are our pipes.  Files are referenced at the call, so the
	 * write ends can be closed right away: the child holds the only
	 * references, and end of file comes when it is gone.
	 */
	if (sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_BINARY, "fd:0", &devnull,
			     sizeof(devnull)) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, "fd:1", NULL, pout[1]) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, "fd:2", NULL, perr[1]) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_BINARY, "envp", env,
			     env_len))
		goto fail;
	for (i = 1; i < argc; i++)
		if (sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, "argv",
				     argv[i], 0))
			goto fail;
	close(pout[1]);
	close(perr[1]);
	free(env);
	if (verbose)
		fprintf(stderr,
			"configured: fd:0 /dev/null (opened at commit), fd:1 and fd:2 two pipes, envp %zu bytes, argv %d strings\n",
			env_len, argc - 1);

	err = commit_search(pidfd, argv[1], &tried);
	if (verbose)
		fprintf(stderr, "tried %d candidate%s, 1 process (pid %d)\n",
			tried, tried == 1 ? "" : "s", pid);
	if (err) {
		/* Reported by the commit itself: no program ran at all. */
		fprintf(stderr, "spawn_capture: %s: %s\n", argv[1],
			strerror(err));
		sys_pidfd_config(pidfd, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0);
		waitid(P_PIDFD, pidfd, &info, WEXITED);
		return err == ENOENT ? 127 : 126;
	}

	out[0].fd = pout[0];
	out[1].fd = perr[0];
	if (capture(out, 2)) {
		perror("spawn_capture: reading the pipes");
		return 125;
	}
	if (waitid(P_PIDFD, pidfd, &info, WEXITED)) {
		perror("spawn_capture: waitid");
		return 125;
	}
	close(pidfd);

	fflush(stderr);
	print_stream(&out[0]);
	print_stream(&out[1]);
	if (info.si_code == CLD_EXITED) {
		printf("status: exited %d\n", info.si_status);
		return info.si_status;
	}
	printf("status: killed by signal %d (%s)\n", info.si_status,
	       strsignal(info.si_status));
	return 128 + info.si_status;

fail:
	perror("spawn_capture: pidfd_config");
	close(pidfd);
	waitid(P_PID, pid, &info, WEXITED);
	return 125;
}
