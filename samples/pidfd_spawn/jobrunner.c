// SPDX-License-Identifier: GPL-2.0
/*
 * jobrunner - a small "xargs -P": run command lines in parallel from empty
 * processes, and wait for all of them on one io_uring
 *
 * Reads one command per line on stdin.  A line is split on blanks and its
 * first word is looked up in PATH; with -c the whole line is run by
 * "/bin/sh -c" instead.  Up to -P N jobs run at once.
 *
 * Each job is an empty process, created with clone3(CLONE_EMPTY |
 * CLONE_PIDFD) and configured with pidfd_config(): fd 0 on /dev/null,
 * fds 1 and 2 ours, our environment, its arguments, and a process group
 * of its own.  The PATH search
 * commits each candidate in turn on the same parked process.  A job that
 * cannot be executed is known when its commit returns, with the exact
 * errno: it is reported and counted at once, and leaves nothing to wait
 * for.
 *
 * Everything the runner waits for is on one io_uring:
 *   - an IORING_OP_POLL_ADD per running job, on its pidfd, which becomes
 *     readable when the job exits; waitid(P_PIDFD) then reaps it without
 *     blocking;
 *   - one on stdin, armed only while a job slot is free, so that waiting
 *     for input never delays noticing an exit or a signal;
 *   - one on a signalfd for SIGINT and SIGTERM, and a timeout once they
 *     came.
 * Linux 6.7 added IORING_OP_WAITID, which reaps in the ring itself.  Poll
 * is used here for portability: it works on any kernel with pollable
 * pidfds (5.3) and with any liburing, while io_uring_prep_waitid() needs
 * liburing 2.5, newer than some current distributions ship.  A poll is
 * also all a job costs: the ring holds one request per running job.
 *
 * On SIGINT or SIGTERM, no new job starts; the running ones get SIGTERM
 * through their pidfds (pidfd_send_signal(): no pid reuse race), then
 * SIGKILL after 3 seconds or at a second signal, and all are reaped.  The
 * signal goes to the job's process group, so that the processes a job
 * started go too (PIDFD_SIGNAL_PROCESS_GROUP, Linux 6.9; before, to the
 * job alone).  The runner exits with 128 + the signal number: 130 for
 * SIGINT.
 *
 * The jobs need no signal set-up: an empty process starts with default
 * dispositions and an empty signal mask, whatever the runner's are (it
 * blocks SIGINT and SIGTERM for its signalfd), and fork()'s inherited
 * SIG_IGN of a background shell job does not reach it either.
 *
 * Usage: jobrunner [-v] [-c] [-P N]
 *   -P N  run up to N jobs at once, 1 to 4096 (default 4)
 *   -c    run each line with /bin/sh -c
 *   -v    also report the start of each job
 *
 * Output, as things happen (N is the line number of the job):
 *   job N pid P exited S
 *   job N pid P killed by signal S (NAME)
 *   job N failed to exec: ERROR (PROGRAM)
 * and last "jobs: N ok, N failed, N exec-errors", where ok means an exit
 * status of 0.  Exits 0 if every job was ok, 1 if not, 128 + N if signal
 * N stopped the run, 125 if the runner itself failed.
 *
 * Examples:
 *   seq 100 | sed 's/^/sleep 0.0/' | ./jobrunner -P 8
 *   printf '%s\n' 'echo a; exit 3' 'ls /nonexistent' | ./jobrunner -c
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
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <liburing.h>

#include "pidfd_spawn_sample.h"

#define DEFAULT_PATH	"/bin:/usr/bin"
#define MAX_JOBS	4096
#define GRACE_SECONDS	3

/* user_data of the requests that are not a job's poll (a slot number). */
#define TAG_INPUT	(~0ULL)
#define TAG_SIGNAL	(~0ULL - 1)
#define TAG_TIMEOUT	(~0ULL - 2)

struct job {
	unsigned long nr;	/* line number */
	pid_t pid;
	int pidfd;		/* -1: the slot is free */
};

struct runner {
	struct io_uring ring;
	struct job *jobs;
	unsigned int max_jobs;
	unsigned int running;
	bool shell;
	bool verbose;
	int devnull;
	int sigfd;
	char *env;		/* the environment, for the "envp" key */
	size_t env_len;

	/* Input read so far: complete lines from @off, then a partial one. */
	char *buf;
	size_t off;
	size_t len;
	size_t size;
	unsigned long line_nr;
	bool input_eof;
	bool input_armed;

	int stop_sig;		/* the signal that stopped the run, or 0 */
	struct __kernel_timespec grace;

	unsigned long ok;
	unsigned long failed;
	unsigned long exec_errors;
};

static void die(const char *what, int err)
{
	fprintf(stderr, "jobrunner: %s: %s\n", what, strerror(err));
	exit(125);
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

/* ---- starting a job ---------------------------------------------------- */

static int commit_exe(int pidfd, const char *exe)
{
	if (sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, "exe", exe, 0) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 0))
		return errno;
	return 0;
}

/*
 * Commit @name, or DIR/@name for each DIR of PATH if it has no slash: a
 * failed exec leaves the process parked, ready for the next candidate.
 */
static int commit_search(int pidfd, const char *name)
{
	const char *path, *dir, *end;
	char exe[PATH_MAX];
	bool eacces = false;
	int err, n;

	if (strchr(name, '/'))
		return commit_exe(pidfd, name);

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
			err = commit_exe(pidfd, exe);
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

/*
 * Start @name with the argument block @args: a pidfd once the program
 * runs, or a negative errno, and then no process is left behind.
 */
static int spawn(struct runner *r, const char *name, const char *args,
		 size_t args_len, pid_t *pid)
{
	struct clone_args ca = {
		.flags = CLONE_EMPTY | CLONE_PIDFD,
		.exit_signal = SIGCHLD,
	};
	siginfo_t info;
	int pidfd = -1, err;

	ca.pidfd = (__u64)(uintptr_t)&pidfd;
	*pid = sys_clone3(&ca);
	if (*pid < 0) {
		/* Only the first spawn can fail this way. */
		if (errno == EINVAL)
			die("clone3(CLONE_EMPTY) (does this kernel have it?)",
			    errno);
		return -errno;
	}

	if (sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, "fd:0", NULL,
			     r->devnull) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, "fd:1", NULL, 1) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, "fd:2", NULL, 2) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_BINARY, "envp", r->env,
			     r->env_len) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_BINARY, "argv", args,
			     args_len) ||
	    sys_pidfd_config(pidfd, PIDFD_CONFIG_SET_INT, "pgid", NULL, 0))
		err = errno;
	else
		err = r->shell ? commit_exe(pidfd, "/bin/sh") :
				 commit_search(pidfd, name);
	if (!err)
		return pidfd;

	/* The process is parked, or dead if a step before exec failed. */
	sys_pidfd_config(pidfd, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0);
	waitid(P_PIDFD, pidfd, &info, WEXITED);
	close(pidfd);
	return -err;
}

static struct io_uring_sqe *get_sqe(struct runner *r)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);

	if (!sqe) {
		io_uring_submit(&r->ring);
		sqe = io_uring_get_sqe(&r->ring);
		if (!sqe)
			die("io_uring_get_sqe", EBUSY);
	}
	return sqe;
}

static void arm_poll(struct runner *r, int fd, __u64 tag)
{
	struct io_uring_sqe *sqe = get_sqe(r);

	io_uring_prep_poll_add(sqe, fd, POLLIN);
	io_uring_sqe_set_data64(sqe, tag);
}

/* Split @line on blanks, in place, into NUL-terminated words. */
static size_t split_words(char *line, unsigned int *words)
{
	char *in = line, *out = line;
	bool more;

	*words = 0;
	while (*in) {
		if (*in == ' ' || *in == '\t') {
			in++;
			continue;
		}
		while (*in && *in != ' ' && *in != '\t')
			*out++ = *in++;
		more = *in;
		*out++ = '\0';
		if (more)
			in++;
		(*words)++;
	}
	return out - line;
}

static void start_job(struct runner *r, char *line, unsigned long nr)
{
	char *args = line, *name = line, *shell = NULL;
	unsigned int words, slot;
	size_t len;
	pid_t pid;
	int pidfd;

	if (r->shell) {
		if (!line[strspn(line, " \t")])
			return;
		len = sizeof("sh\0-c") + strlen(line) + 1;
		shell = malloc(len);
		if (!shell)
			die("malloc", ENOMEM);
		memcpy(shell, "sh\0-c", sizeof("sh\0-c"));
		memcpy(shell + sizeof("sh\0-c"), line, strlen(line) + 1);
		args = shell;
		name = "/bin/sh";
	} else {
		len = split_words(line, &words);
		if (!words)
			return;
	}

	pidfd = spawn(r, name, args, len, &pid);
	if (pidfd < 0) {
		printf("job %lu failed to exec: %s (%s)\n", nr, strerror(-pidfd),
		       name);
		r->exec_errors++;
		free(shell);
		return;
	}
	free(shell);

	for (slot = 0; r->jobs[slot].pidfd >= 0; slot++)
		;
	r->jobs[slot].nr = nr;
	r->jobs[slot].pid = pid;
	r->jobs[slot].pidfd = pidfd;
	r->running++;
	arm_poll(r, pidfd, slot);
	if (r->verbose)
		printf("job %lu pid %d started: %s\n", nr, pid, name);
}

/* ---- input -------------------------------------------------------------- */

/* The next complete line, NUL-terminated, or NULL. */
static char *next_line(struct runner *r, unsigned long *nr)
{
	char *line = r->buf + r->off, *nl;

	nl = memchr(line, '\n', r->len - r->off);
	if (!nl)
		return NULL;
	*nl = '\0';
	r->off = nl + 1 - r->buf;
	*nr = ++r->line_nr;
	return line;
}

/* stdin is readable: read what is there (it does not block). */
static void read_input(struct runner *r)
{
	ssize_t n;

	memmove(r->buf, r->buf + r->off, r->len - r->off);
	r->len -= r->off;
	r->off = 0;
	if (r->size - r->len < 4096) {
		char *buf = realloc(r->buf, r->size * 2);

		if (!buf)
			die("realloc", ENOMEM);
		r->buf = buf;
		r->size *= 2;
	}

	/* Keep a byte to end a last line that has no newline. */
	n = read(STDIN_FILENO, r->buf + r->len, r->size - r->len - 1);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n < 0)
		fprintf(stderr, "jobrunner: reading stdin: %s\n",
			strerror(errno));
	if (n > 0) {
		r->len += n;
		return;
	}
	r->input_eof = true;
	if (r->len && r->buf[r->len - 1] != '\n')
		r->buf[r->len++] = '\n';
}

/* ---- events ------------------------------------------------------------- */

static void reap(struct runner *r, struct job *j)
{
	siginfo_t info = {};

	if (waitid(P_PIDFD, j->pidfd, &info, WEXITED)) {
		fprintf(stderr, "jobrunner: waitid job %lu: %s\n", j->nr,
			strerror(errno));
		r->failed++;
	} else if (info.si_code == CLD_EXITED) {
		printf("job %lu pid %d exited %d\n", j->nr, j->pid,
		       info.si_status);
		if (info.si_status)
			r->failed++;
		else
			r->ok++;
	} else {
		printf("job %lu pid %d killed by signal %d (%s)\n", j->nr,
		       j->pid, info.si_status, strsignal(info.si_status));
		r->failed++;
	}
	close(j->pidfd);
	j->pidfd = -1;
	r->running--;
}

/* Signal the process group of every running job, or the job alone. */
static void signal_all(struct runner *r, int sig)
{
	unsigned int i;
	int pidfd;

	for (i = 0; i < r->max_jobs; i++) {
		pidfd = r->jobs[i].pidfd;
		if (pidfd < 0)
			continue;
		if (sys_pidfd_send_signal(pidfd, sig,
					  PIDFD_SIGNAL_PROCESS_GROUP) &&
		    errno == EINVAL)
			sys_pidfd_send_signal(pidfd, sig, 0);
	}
}

static void on_signal(struct runner *r)
{
	struct signalfd_siginfo si;
	struct io_uring_sqe *sqe;

	if (read(r->sigfd, &si, sizeof(si)) != sizeof(si))
		si.ssi_signo = 0;
	arm_poll(r, r->sigfd, TAG_SIGNAL);
	if (!si.ssi_signo)
		return;

	if (r->stop_sig) {
		fprintf(stderr, "jobrunner: %s again: killing %u jobs\n",
			strsignal(si.ssi_signo), r->running);
		signal_all(r, SIGKILL);
		return;
	}
	r->stop_sig = si.ssi_signo;
	fprintf(stderr, "jobrunner: %s: stopping %u running jobs\n",
		strsignal(si.ssi_signo), r->running);
	signal_all(r, SIGTERM);

	/* Those still there when the grace period ends get SIGKILL. */
	r->grace.tv_sec = GRACE_SECONDS;
	sqe = get_sqe(r);
	io_uring_prep_timeout(sqe, &r->grace, 0, 0);
	io_uring_sqe_set_data64(sqe, TAG_TIMEOUT);
}

static void handle(struct runner *r, struct io_uring_cqe *cqe)
{
	__u64 tag = io_uring_cqe_get_data64(cqe);
	int res = cqe->res;

	io_uring_cqe_seen(&r->ring, cqe);
	if (tag == TAG_INPUT) {
		r->input_armed = false;
		if (res < 0)
			die("poll on stdin", -res);
		read_input(r);
	} else if (tag == TAG_SIGNAL) {
		if (res < 0)
			die("poll on the signalfd", -res);
		on_signal(r);
	} else if (tag == TAG_TIMEOUT) {
		if (res == -ETIME && r->running) {
			fprintf(stderr, "jobrunner: killing %u jobs\n",
				r->running);
			signal_all(r, SIGKILL);
		}
	} else {
		reap(r, &r->jobs[tag]);
	}
}

static void handle_ready(struct runner *r)
{
	struct io_uring_cqe *cqe;

	while (!io_uring_peek_cqe(&r->ring, &cqe))
		handle(r, cqe);
}

static void run(struct runner *r)
{
	unsigned long nr;
	char *line;
	int ret;

	arm_poll(r, r->sigfd, TAG_SIGNAL);
	for (;;) {
		if (!r->stop_sig && r->running < r->max_jobs) {
			line = next_line(r, &nr);
			if (line) {
				start_job(r, line, nr);
				/* Keep up with exits and signals meanwhile. */
				io_uring_submit(&r->ring);
				handle_ready(r);
				continue;
			}
			if (!r->input_eof && !r->input_armed) {
				arm_poll(r, STDIN_FILENO, TAG_INPUT);
				r->input_armed = true;
			}
		}
		if (!r->running && (r->input_eof || r->stop_sig))
			break;
		ret = io_uring_submit_and_wait(&r->ring, 1);
		if (ret < 0 && ret != -EINTR)
			die("io_uring_submit_and_wait", -ret);
		handle_ready(r);
	}
}

int main(int argc, char *argv[])
{
	struct runner r = { .max_jobs = 4, .size = 65536 };
	unsigned long n;
	unsigned int i;
	sigset_t mask;
	char *end;
	int opt, ret;

	while ((opt = getopt(argc, argv, "cvP:")) != -1) {
		switch (opt) {
		case 'c':
			r.shell = true;
			break;
		case 'v':
			r.verbose = true;
			break;
		case 'P':
			n = strtoul(optarg, &end, 10);
			if (*end || !n || n > MAX_JOBS)
				goto usage;
			r.max_jobs = n;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc)
		goto usage;

	/* Reports go out as they happen, in order with the jobs' output. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		die("sigprocmask", errno);
	r.sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (r.sigfd < 0)
		die("signalfd", errno);
	r.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (r.devnull < 0)
		die("/dev/null", errno);
	r.env = env_block(&r.env_len);
	r.buf = malloc(r.size);
	r.jobs = calloc(r.max_jobs, sizeof(*r.jobs));
	if (!r.env || !r.buf || !r.jobs)
		die("malloc", ENOMEM);
	for (i = 0; i < r.max_jobs; i++)
		r.jobs[i].pidfd = -1;

	/* One poll per job, plus stdin, the signalfd and the timeout. */
	ret = io_uring_queue_init(r.max_jobs + 3, &r.ring, 0);
	if (ret < 0)
		die("io_uring_queue_init", -ret);

	run(&r);

	printf("jobs: %lu ok, %lu failed, %lu exec-errors\n", r.ok, r.failed,
	       r.exec_errors);
	io_uring_queue_exit(&r.ring);
	if (r.stop_sig)
		return 128 + r.stop_sig;
	return r.failed || r.exec_errors ? 1 : 0;

usage:
	fprintf(stderr, "usage: jobrunner [-v] [-c] [-P N] < COMMAND-LINES\n");
	return 125;
}
