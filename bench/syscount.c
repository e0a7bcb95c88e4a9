// SPDX-License-Identifier: GPL-2.0
/*
 * syscount - the system calls of each marked spawn call, by number
 *
 * usage: syscount [-a NR] -- PROGRAM [ARGS...]
 *
 * Runs PROGRAM (spawnbench -Z ...) under ptrace and stops it at every
 * system call entry of that one process (PTRACE_SYSCALL with
 * PTRACE_O_TRACESYSGOOD, PTRACE_GET_SYSCALL_INFO): the children it
 * creates are not traced, so only the caller's own calls are counted.
 * The program brackets what is to be counted with calls of a system call
 * number that does not exist (BENCH_MARK_NR, which fails with ENOSYS):
 * BENCH_MARK_NR(MARK_BEGIN, label) and BENCH_MARK_NR(MARK_END).  The
 * calls in between are counted per label and per system call number;
 * the marks themselves are not counted.
 *
 * With -a NR, the calls of system call NR are also told apart by their
 * second argument and, when the third is a non-NULL pointer, by the
 * string it points to (for pidfd_config(pidfd, cmd, key, ...): the
 * command and the key).
 *
 * Output, tab-separated, one line per label and system call (and detail):
 *   LABEL spawns nr syscall detail calls_per_spawn
 * where LABEL is the mark's label (tab-separated fields of its own),
 * spawns the number of bracketed sections and detail "-" or "CMD KEY".
 * PROGRAM's standard output goes to syscount's standard error.  Exits
 * with PROGRAM's exit status (1 if it was killed).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#define BENCH_MARK_NR	0x7ffe		/* as in spawnbench.c */
#define MARK_BEGIN	1
#define MARK_END	2
#define MAX_NR		1024
#define MAX_LABELS	64
#define MAX_DETAILS	128
#define TEXT_MAX	160

static const char *const names[MAX_NR] = {
#include "syscall_names.h"
};

struct detail {
	int nr;
	char text[TEXT_MAX];
	unsigned long calls;
};

struct label {
	char text[TEXT_MAX];
	unsigned long spawns;
	unsigned long calls[MAX_NR];
	struct detail details[MAX_DETAILS];
	int ndetails;
};

static struct label labels[MAX_LABELS];
static int nlabels;
static struct label *cur;	/* between the marks, or NULL */
static int split_nr = -1;	/* -a */

static const char *syscall_name(int nr)
{
	if (nr == 480 && !names[nr])
		return "pidfd_config";	/* headers older than the kernel */
	return names[nr] ? names[nr] : "?";
}

/*
 * A NUL-terminated string of the tracee, cut at TEXT_MAX - 1 bytes, read
 * with PTRACE_PEEKDATA (process_vm_readv() needs CROSS_MEMORY_ATTACH, which
 * the bench kernel lacks); @keep_tabs: labels only.  An unreadable string
 * is fatal: a count under an empty label would be misfiled.
 */
static void read_string(pid_t pid, uint64_t addr, char *buf, bool keep_tabs)
{
	size_t n = 0, i;
	char *p;
	long word;

	while (n < TEXT_MAX - 1) {
		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, pid, (void *)(uintptr_t)(addr + n),
			      NULL);
		if (errno) {
			perror("syscount: PTRACE_PEEKDATA");
			exit(2);
		}
		for (i = 0; i < sizeof(word) && n < TEXT_MAX - 1; i++, n++) {
			buf[n] = ((const char *)&word)[i];
			if (!buf[n])
				goto done;
		}
	}
done:
	buf[n] = '\0';
	for (p = buf; *p; p++)
		if ((*p < ' ' && !(keep_tabs && *p == '\t')) || *p > '~')
			*p = '?';
}

static struct label *find_label(const char *text)
{
	int i;

	for (i = 0; i < nlabels; i++)
		if (!strcmp(labels[i].text, text))
			return &labels[i];
	if (nlabels == MAX_LABELS) {
		fprintf(stderr, "syscount: more than %d labels\n", MAX_LABELS);
		exit(2);
	}
	snprintf(labels[nlabels].text, TEXT_MAX, "%s", text);
	return &labels[nlabels++];
}

static void count_detail(struct label *l, pid_t pid, int nr,
			 const uint64_t *args)
{
	char key[TEXT_MAX] = "-", text[TEXT_MAX];
	int i;

	if (args[2])
		read_string(pid, args[2], key, false);
	snprintf(text, sizeof(text), "%llu %s", (unsigned long long)args[1],
		 key);
	for (i = 0; i < l->ndetails; i++)
		if (l->details[i].nr == nr && !strcmp(l->details[i].text, text))
			break;
	if (i == l->ndetails) {
		if (i == MAX_DETAILS)
			return;
		l->details[i].nr = nr;
		memcpy(l->details[i].text, text, sizeof(text));
		l->ndetails++;
	}
	l->details[i].calls++;
}

static void on_entry(pid_t pid, int nr, const uint64_t *args)
{
	char text[TEXT_MAX];

	if (nr == BENCH_MARK_NR) {
		cur = NULL;
		if (args[0] != MARK_BEGIN)
			return;
		read_string(pid, args[1], text, true);
		cur = find_label(text);
		cur->spawns++;
		return;
	}
	if (!cur || nr < 0 || nr >= MAX_NR)
		return;
	cur->calls[nr]++;
	if (nr == split_nr)
		count_detail(cur, pid, nr, args);
}

static void print_label(const struct label *l)
{
	double n = l->spawns;
	int nr, i;

	for (nr = 0; nr < MAX_NR; nr++) {
		if (!l->calls[nr])
			continue;
		printf("%s\t%lu\t%d\t%s\t-\t%g\n", l->text, l->spawns, nr,
		       syscall_name(nr), l->calls[nr] / n);
		for (i = 0; i < l->ndetails; i++)
			if (l->details[i].nr == nr)
				printf("%s\t%lu\t%d\t%s\t%s\t%g\n", l->text,
				       l->spawns, nr, syscall_name(nr),
				       l->details[i].text,
				       l->details[i].calls / n);
	}
}

static pid_t start(char **argv)
{
	pid_t pid = fork();

	if (pid < 0) {
		perror("syscount: fork");
		exit(2);
	}
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL)) {
			perror("syscount: PTRACE_TRACEME");
			_exit(127);
		}
		if (dup2(STDERR_FILENO, STDOUT_FILENO) < 0)
			_exit(127);
		raise(SIGSTOP);
		execvp(argv[0], argv);
		perror("syscount: exec");
		_exit(127);
	}
	return pid;
}

/* A syscall-enter stop: count it. */
static void syscall_stop(pid_t pid)
{
	struct __ptrace_syscall_info info;

	if (ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info),
		   &info) <= 0) {
		perror("syscount: PTRACE_GET_SYSCALL_INFO");
		exit(2);
	}
	if (info.op == PTRACE_SYSCALL_INFO_ENTRY)
		on_entry(pid, (int)info.entry.nr, info.entry.args);
}

static int wait_stop(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("syscount: waitpid");
			exit(2);
		}
	}
	return status;
}

static void resume(pid_t pid, int sig)
{
	if (ptrace(PTRACE_SYSCALL, pid, NULL, (void *)(long)sig)) {
		perror("syscount: PTRACE_SYSCALL");
		exit(2);
	}
}

/* Runs the tracee, stopped at its first SIGSTOP, to its end. */
static int trace(pid_t pid)
{
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC |
		    PTRACE_O_EXITKILL;
	int status, sig;

	status = wait_stop(pid);
	if (!WIFSTOPPED(status) || ptrace(PTRACE_SETOPTIONS, pid, NULL,
					  (void *)opts)) {
		fprintf(stderr, "syscount: the tracee did not stop\n");
		exit(2);
	}
	for (resume(pid, 0);; resume(pid, sig)) {
		status = wait_stop(pid);
		if (WIFEXITED(status))
			return WEXITSTATUS(status);
		if (WIFSIGNALED(status))
			return 1;
		sig = WSTOPSIG(status);
		if (sig == (SIGTRAP | 0x80)) {
			syscall_stop(pid);
			sig = 0;
		} else if (status >> 16) {
			sig = 0;	/* a ptrace event stop (exec) */
		}
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: syscount [-a NR] -- PROGRAM [ARGS...]\n");
	exit(2);
}

int main(int argc, char *argv[])
{
	int opt, i, ret;

	while ((opt = getopt(argc, argv, "+a:")) != -1) {
		switch (opt) {
		case 'a':
			split_nr = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind >= argc)
		usage();
	ret = trace(start(&argv[optind]));
	for (i = 0; i < nlabels; i++)
		print_label(&labels[i]);
	return ret;
}
