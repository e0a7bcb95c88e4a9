// SPDX-License-Identifier: GPL-2.0
/*
 * PID 1 of the arm64 guest of make check-arm64 (statically linked, in the
 * initramfs): mount the basics, run each program named in /tests/list in
 * that order, its output on the console framed as harness/run-suites.sh
 * frames it, then power off.  A program still running after its time
 * (TIMEOUT seconds) is killed with its process group and exits 124.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TIMEOUT 900

static void mnt(const char *src, const char *dir, const char *type,
		const char *opts)
{
	mkdir(dir, 0755);
	if (mount(src, dir, type, 0, opts))
		printf("init: mount %s on %s: %s\n", type, dir, strerror(errno));
}

static int run(const char *name)
{
	struct timespec start, now;
	char path[512];
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "/tests/%s", name);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 125;
	if (pid == 0) {
		setpgid(0, 0);
		if (chdir("/tests"))
			_exit(126);
		execl(path, path, (char *)NULL);
		printf("init: exec %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= TIMEOUT) {
			printf("# %s: killed after %ds\n", name, TIMEOUT);
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return 124;
		}
		usleep(100000);
	}
	/* Reap whatever the suite left behind. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int main(void)
{
	char line[256];
	FILE *list;

	mnt("proc", "/proc", "proc", NULL);
	mnt("sysfs", "/sys", "sysfs", NULL);
	mnt("devtmpfs", "/dev", "devtmpfs", NULL);
	mnt("devpts", "/dev/pts", "devpts", "gid=5,mode=620,ptmxmode=666");
	mnt("tmpfs", "/tmp", "tmpfs", "mode=1777");
	mnt("tmpfs", "/run", "tmpfs", "mode=755");
	setenv("PATH", "/tests:/bin", 1);
	setenv("HOME", "/tmp", 1);
	setvbuf(stdout, NULL, _IOLBF, 0);

	list = fopen("/tests/list", "re");
	if (!list) {
		printf("init: /tests/list: %s\n", strerror(errno));
	} else {
		while (fgets(line, sizeof(line), list)) {
			line[strcspn(line, "\n")] = '\0';
			if (!line[0])
				continue;
			printf("### suite arm64/%s\n", line);
			printf("### exit arm64/%s %d\n", line, run(line));
		}
		fclose(list);
	}
	printf("init: done\n");
	fflush(stdout);
	sync();
	reboot(RB_POWER_OFF);
	return 0;
}
