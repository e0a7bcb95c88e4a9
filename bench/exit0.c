// SPDX-License-Identifier: GPL-2.0
/*
 * exit0 - the program the spawn benchmark starts: it exits at once.
 *
 * Built static, so that its start costs one execve() and no dynamic
 * loading.  It is also the exec floor: "exit0 N" executes itself N more
 * times, in the same process, before it exits, so that a chain of N + 1
 * images costs one process creation and N + 1 execve() calls.
 *
 * Usage: exit0 [N]
 *   argv[0] must be the path of the program (the benchmark passes the
 *   absolute path); N (default 0) is how many times to re-execute.
 *   The environment is passed on unchanged.
 *
 * Exits 0, or 127 if the re-execution failed.
 */
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char *argv[], char *envp[])
{
	char count[24], *args[3];
	long n;
	int i;

	if (argc < 2)
		_exit(0);
	n = strtol(argv[1], NULL, 10);
	if (n <= 0)
		_exit(0);

	/* Write n - 1 without stdio: keep the image small and quick. */
	n--;
	i = sizeof(count) - 1;
	count[i] = '\0';
	do {
		count[--i] = '0' + n % 10;
		n /= 10;
	} while (n && i > 0);

	args[0] = argv[0];
	args[1] = &count[i];
	args[2] = NULL;
	execve(argv[0], args, envp);
	_exit(127);
}
