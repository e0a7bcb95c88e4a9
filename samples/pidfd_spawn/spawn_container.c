// SPDX-License-Identifier: GPL-2.0
/*
 * spawn_container - start a program as pid 1 of new namespaces, with no
 * code of ours running in between
 *
 * A container launcher built on fork() runs code in the child between the
 * clone and the exec: it has to, to do anything there, and that code runs
 * in a copy of the launcher with all its state.  With CLONE_EMPTY the
 * process that clone3() creates in the new PID, mount, UTS and IPC
 * namespaces (and, with CLONE_INTO_CGROUP, directly in the given cgroup)
 * is empty and parked: it is configured from the outside through its
 * builder pidfd, and the first user-space instruction it executes is the
 * first instruction of PROGRAM, which runs as pid 1 of the new PID
 * namespace.
 *
 * Before the commit, /proc/PID/ns/ of the parked process already shows the
 * new namespaces: -v prints them next to ours.  The program inherits our
 * root, working directory and credentials, a copy of our mounts (the mount
 * namespace is new, /proc is still the one mounted outside), fds 0, 1 and 2
 * and our environment.
 *
 * Usage: spawn_container [-v] [-c CGROUP_DIR] PROGRAM [ARGS...]
 *   -v             print each step and the namespaces on stderr
 *   -c CGROUP_DIR  create the process in that cgroup v2 directory
 *
 * PROGRAM is a path, as for execv().  Creating namespaces needs
 * CAP_SYS_ADMIN.  Exits with the status of the program (128 + N if signal N
 * killed it), 127 if PROGRAM was not found, 126 if it could not be
 * executed, 125 if spawn_container itself failed.
 *
 * Examples (as root):
 *   ./spawn_container /bin/sh -c 'echo $$'                    prints 1
 *   ./spawn_container /bin/sh -c 'hostname box; hostname'     ours unchanged
 *   mkdir /sys/fs/cgroup/box
 *   ./spawn_container -c /sys/fs/cgroup/box /bin/cat /proc/self/cgroup
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

static bool verbose;

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

/* Our namespaces and those of the parked process, side by side. */
static void show_namespaces(pid_t pid)
{
	static const char * const names[] = { "pid", "mnt", "uts", "ipc" };
	char path[64], ours[64], theirs[64];
	unsigned int i;
	ssize_t n;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
		n = readlink(path, ours, sizeof(ours) - 1);
		ours[n < 0 ? 0 : n] = '\0';
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, names[i]);
		n = readlink(path, theirs, sizeof(theirs) - 1);
		theirs[n < 0 ? 0 : n] = '\0';
		fprintf(stderr, "    ns/%s: ours %s, the parked process %s%s\n",
			names[i], ours, theirs,
			strcmp(ours, theirs) ? " (new)" : "");
	}
}

int main(int argc, char *argv[])
{
	struct clone_args args = {
		.flags = CLONE_EMPTY | CLONE_PIDFD | CLONE_NEWPID |
			 CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC,
		.exit_signal = SIGCHLD,
	};
	const char *cgroup = NULL;
	int i, opt, pidfd = -1, err;
	siginfo_t info = {};
	size_t env_len;
	char *env;
	pid_t pid;

	while ((opt = getopt(argc, argv, "+vc:")) != -1) {
		switch (opt) {
		case 'v':
			verbose = true;
			break;
		case 'c':
			cgroup = optarg;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc)
		goto usage;
	argv += optind;
	argc -= optind;

	env = env_block(&env_len);
	if (!env) {
		perror("spawn_container");
		return 125;
	}
	if (cgroup) {
		int fd = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0) {
			fprintf(stderr, "spawn_container: %s: %s\n", cgroup,
				strerror(errno));
			return 125;
		}
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = fd;
	}

	args.pidfd = (__u64)(uintptr_t)&pidfd;
	pid = sys_clone3(&args);
	if (pid < 0) {
		err = errno;
		fprintf(stderr,
			"spawn_container: clone3(CLONE_EMPTY | CLONE_PIDFD | CLONE_NEW*%s): %s%s\n",
			cgroup ? " | CLONE_INTO_CGROUP" : "", strerror(err),
			err == EINVAL ? " (does this kernel have CLONE_EMPTY?)" :
			err == EPERM ? " (namespaces need CAP_SYS_ADMIN)" : "");
		return 125;
	}
	if (args.flags & CLONE_INTO_CGROUP)
		close(args.cgroup);
	if (verbose) {
		fprintf(stderr,
			"clone3(CLONE_EMPTY | CLONE_PIDFD | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC%s) = %d, builder pidfd %d\n",
			cgroup ? " | CLONE_INTO_CGROUP" : "", pid, pidfd);
		show_namespaces(pid);
	}

	if (sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, "exe", argv[0],
			     0) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_BINARY, "envp", env,
			     env_len) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, "fd:0", NULL, 0) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, "fd:1", NULL, 1) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, "fd:2", NULL, 2))
		goto fail;
	for (i = 0; i < argc; i++)
		if (sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, "argv",
				     argv[i], 0))
			goto fail;
	free(env);

	/* The exe is resolved in the child: in its new mount namespace. */
	if (sys_pidfd_config(pidfd, PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 0)) {
		err = errno;
		fprintf(stderr, "spawn_container: %s: %s\n", argv[0],
			strerror(err));
		sys_pidfd_config(pidfd, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0);
		waitid(P_PIDFD, pidfd, &info, WEXITED);
		return err == ENOENT ? 127 : 126;
	}
	if (verbose)
		fprintf(stderr,
			"committed: %s runs as pid 1 of the new PID namespace, pid %d outside\n",
			argv[0], pid);

	if (waitid(P_PIDFD, pidfd, &info, WEXITED)) {
		perror("spawn_container: waitid");
		return 125;
	}
	close(pidfd);
	if (info.si_code == CLD_EXITED) {
		if (verbose)
			fprintf(stderr, "pid %d exited with status %d\n", pid,
				info.si_status);
		return info.si_status;
	}
	if (verbose)
		fprintf(stderr, "pid %d killed by signal %d (%s)\n", pid,
			info.si_status, strsignal(info.si_status));
	return 128 + info.si_status;

fail:
	perror("spawn_container: pidfd_config");
	close(pidfd);
	waitid(P_PID, pid, &info, WEXITED);
	return 125;

usage:
	fprintf(stderr, "usage: spawn_container [-v] [-c CGROUP_DIR] PROGRAM [ARGS...]\n");
	return 125;
}
