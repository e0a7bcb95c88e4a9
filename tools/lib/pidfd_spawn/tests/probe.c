// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The program the test suite spawns: reports what it inherited, in a form
 * that does not depend on pids, so that the reports of libpidfd_spawn and
 * glibc can be compared.
 *
 *   probe args            argc and each argument
 *   probe env             the environment
 *   probe fds             open descriptors below 256
 *   probe signals         ignored signals and blocked signals
 *   probe ids             process group / session relative to self and parent,
 *                         real and effective ids
 *   probe cwd             working directory
 *   probe sched           scheduling policy and priority
 *   probe cgroup          the cgroup v2 path
 *   probe tty             whether our group is the foreground group of
 *                         the controlling terminal
 *   probe cat FD          copies FD to stdout
 *   probe pid             our pid
 *   probe exit N          exits with N
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static const char *rel(pid_t id, pid_t self, pid_t parent)
{
	if (id == self)
		return "self";
	if (id == parent)
		return "parent";
	return "other";
}

static int cmd_signals(void)
{
	struct sigaction sa;
	sigset_t mask;
	int sig;

	printf("ignored:");
	for (sig = 1; sig < 65; sig++)
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			printf(" %d", sig);
	printf("\nblocked:");
	sigprocmask(SIG_BLOCK, NULL, &mask);
	for (sig = 1; sig < 65; sig++)
		if (sigismember(&mask, sig) == 1)
			printf(" %d", sig);
	printf("\n");
	return 0;
}

static int cmd_ids(void)
{
	pid_t self = getpid(), parent = getppid();

	printf("pgid=%s\n", rel(getpgid(0), self, getpgid(parent)));
	printf("sid=%s\n", rel(getsid(0), self, getsid(parent)));
	printf("uid=%d euid=%d gid=%d egid=%d\n", (int)getuid(),
	       (int)geteuid(), (int)getgid(), (int)getegid());
	return 0;
}

static int cmd_cgroup(void)
{
	char line[4096];
	FILE *f = fopen("/proc/self/cgroup", "r");

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3))
			printf("cgroup=%s", line + 3);
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	char buf[4096];
	ssize_t n;
	int i, fd;

	if (!strcmp(cmd, "args")) {
		printf("argc=%d\n", argc);
		for (i = 0; i < argc; i++)
			printf("argv[%d]=%s\n", i, argv[i]);
	} else if (!strcmp(cmd, "env")) {
		for (i = 0; environ && environ[i]; i++)
			printf("env=%s\n", environ[i]);
		printf("envc=%d\n", i);
	} else if (!strcmp(cmd, "fds")) {
		printf("fds:");
		for (fd = 0; fd < 256; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				printf(" %d", fd);
		printf("\n");
	} else if (!strcmp(cmd, "signals")) {
		return cmd_signals();
	} else if (!strcmp(cmd, "ids")) {
		return cmd_ids();
	} else if (!strcmp(cmd, "cwd")) {
		if (!getcwd(buf, sizeof(buf)))
			return 1;
		printf("cwd=%s\n", buf);
	} else if (!strcmp(cmd, "sched")) {
		struct sched_param sp;

		sched_getparam(0, &sp);
		printf("policy=%d prio=%d\n", sched_getscheduler(0),
		       sp.sched_priority);
	} else if (!strcmp(cmd, "cgroup")) {
		return cmd_cgroup();
	} else if (!strcmp(cmd, "tty")) {
		fd = open("/dev/tty", O_RDONLY);
		printf("foreground=%s\n",
		       fd >= 0 && tcgetpgrp(fd) == getpgrp() ? "yes" : "no");
	} else if (!strcmp(cmd, "cat") && argc > 2) {
		fd = atoi(argv[2]);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			fwrite(buf, 1, n, stdout);
		if (n < 0)
			printf("read error %d\n", errno);
	} else if (!strcmp(cmd, "pid")) {
		printf("pid=%d\n", (int)getpid());
	} else if (!strcmp(cmd, "exit") && argc > 2) {
		exit(atoi(argv[2]));
	} else {
		fprintf(stderr, "probe: unknown command\n");
		exit(2);
	}
	return fflush(stdout) ? 1 : 0;
}
