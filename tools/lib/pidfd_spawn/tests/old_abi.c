// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * A program as linked against glibc before 2.15: its references name the
 * GLIBC_2.2.5 versions of posix_spawn and posix_spawnp (x86-64), which run
 * a file the kernel does not recognise (ENOEXEC) with /bin/sh.  Its plain
 * references name the default versions, which do not.  tests/run.sh runs
 * it as is (glibc) and with LD_PRELOAD=libpidfd_spawn.so.1, and compares.
 *
 *   old_abi DIR      writes DIR/script, a shell script without "#!", makes
 *                    DIR the working directory and PATH, and spawns the
 *                    script with each function, printing one line each:
 *                    the return value and what the script printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef int spawn_fn(pid_t *pid, const char *path,
		     const posix_spawn_file_actions_t *fa,
		     const posix_spawnattr_t *attr, char *const argv[],
		     char *const envp[]);

spawn_fn old_posix_spawn, old_posix_spawnp;
__asm__(".symver old_posix_spawn, posix_spawn@GLIBC_2.2.5");
__asm__(".symver old_posix_spawnp, posix_spawnp@GLIBC_2.2.5");

extern char **environ;

/* Spawns @file with @fn and prints "NAME: RET OUTPUT". */
static void run(const char *name, spawn_fn *fn, const char *file,
		char *const argv[])
{
	posix_spawn_file_actions_t fa;
	char out[256];
	int p[2], ret, status = -1;
	ssize_t n, len = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		exit(2);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	ret = fn(&pid, file, &fa, NULL, argv, environ);
	close(p[1]);
	while ((n = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += n;
	out[len] = '\0';
	close(p[0]);
	if (ret == 0)
		waitpid(pid, &status, 0);
	posix_spawn_file_actions_destroy(&fa);
	printf("%s: ret=%d status=%d out=%s\n", name, ret, status,
	       strtok(out, "\n") ?: "");
}

int main(int argc, char **argv)
{
	static const char script[] = "echo ran $# \"$@\"\n";
	int fd;

	if (argc != 2 || chdir(argv[1]) < 0 || setenv("PATH", argv[1], 1))
		return 2;
	fd = open("script", O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (fd < 0 || write(fd, script, strlen(script)) < 0 || close(fd) < 0)
		return 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	run("posix_spawn@GLIBC_2.2.5", old_posix_spawn, "./script",
	    (char *[]){ "script", "a", "b c", NULL });
	run("posix_spawn@GLIBC_2.2.5 no arguments", old_posix_spawn,
	    "./script", (char *[]){ NULL });
	run("posix_spawnp@GLIBC_2.2.5", old_posix_spawnp, "script",
	    (char *[]){ "script", "a", NULL });
	run("posix_spawn@GLIBC_2.2.5 missing", old_posix_spawn, "./missing",
	    (char *[]){ "missing", NULL });
	run("posix_spawn", posix_spawn, "./script",
	    (char *[]){ "script", "a", NULL });
	run("posix_spawnp", posix_spawnp, "script",
	    (char *[]){ "script", "a", NULL });
	return 0;
}
