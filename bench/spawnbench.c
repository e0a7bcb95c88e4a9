// SPDX-License-Identifier: GPL-2.0
/*
 * spawnbench - the cost of starting a program, by method
 *
 * Each measured operation is one spawn + exit + reap of a small static
 * program that exits at once (exit0), timed with CLOCK_MONOTONIC in the
 * caller: from just before the spawn call to just after the child is
 * reaped.  The methods:
 *
 *   fork             fork() + execve() in the child, waitpid()
 *   vfork            vfork() + execve() in the child, waitpid()
 *   clone3           clone3(CLONE_PIDFD), fork-like, + execve(), waitid(P_PIDFD)
 *   posix_spawn      glibc's posix_spawn(), waitpid()
 *   lib_posix_spawn  libpidfd_spawn's posix_spawn(), waitpid()
 *   lib_pidfd_spawn  libpidfd_spawn's pidfd_spawn(), waitid(P_PIDFD)
 *   raw              clone3(CLONE_EMPTY | CLONE_PIDFD), pidfd_config()
 *                    "exe", "argv", "inherit_fds", CMD_EXEC, waitid(P_PIDFD):
 *                    the fewest calls that give the child what the other
 *                    methods give it (the caller's inheritable fds)
 *   raw_nofds        the same without "inherit_fds": the child starts with
 *                    an empty fd table (the pristine minimum)
 *   exec_floor       the cost of one execve() of exit0 in a running process:
 *                    a chain "exit0 K" (K re-executions in one process)
 *                    minus "exit0 0", divided by K, measured in pairs
 *
 * The caller is made big first: -M MiB of anonymous memory written page by
 * page, and -f open file descriptors in all (0, 1 and 2 included), the
 * extra ones close-on-exec unless -i.  With -t N, N threads spawn at once,
 * each -n times, and the line also gives the throughput.
 *
 * With -s SHAPE, every spawn makes one request shape of posix_spawn
 * (shape.h); fork and vfork do the same in their child before execve():
 *   base          no file actions, no attributes (the default)
 *   closefrom     posix_spawn_file_actions_addclosefrom_np(3); the
 *                 child's close_range(3, ~0U, 0) for fork and vfork
 *   attrs_pgroup  3 adddup2() of close-on-exec /dev/null descriptors onto
 *                 0, 1 and 2, POSIX_SPAWN_SETPGROUP (pgroup 0),
 *                 SETSIGMASK (empty mask), SETSIGDEF (SIGINT, SIGQUIT,
 *                 SIGPIPE, SIGTERM, SIGTSTP, SIGTTIN, SIGTTOU)
 *   attrs_setsid  the same with POSIX_SPAWN_SETSID instead of SETPGROUP
 *                 (glibc's child calls setsid() then setpgid(), which
 *                 fails with EPERM for a session leader: the two flags
 *                 cannot be combined)
 *   sigignore     no file actions, no attributes, but the caller ignores
 *                 every signal it can (SIG_IGN for 1..64 except SIGKILL,
 *                 SIGSTOP, SIGCHLD, which would reap the children, and
 *                 those glibc reserves); posix_spawn keeps them ignored
 * The shape's objects and caller state are set up once, before the first
 * spawn; only fork, vfork, posix_spawn, lib_posix_spawn and
 * lib_pidfd_spawn take a shape other than base.
 *
 * With -Z, each measured spawn call (not its reap) is bracketed by two
 * calls of a system call number that does not exist (BENCH_MARK_NR,
 * ENOSYS), the first one carrying a label "method mem_mib fds inherit
 * shape": syscount (syscount.c), tracing spawnbench, counts the system
 * calls in between.  One thread only.
 *
 * Output: one tab-separated line per method (-H adds the header line):
 *   method mem_mib fds inherit threads reps median_us p10_us p90_us
 *   mean_us min_us max_us per_s status note shape
 * per_s is spawns per second of wall time (all threads together); status
 * is "ok", "unavailable" (the kernel lacks CLONE_EMPTY), "fallback" (the
 * library did not use CLONE_EMPTY) or "error"; note says more.  With -p,
 * lines "profile METHOD PHASE median_us" give the median of each phase of
 * a spawn (time until the spawn call returned, then until the child was
 * reaped; for raw, each system call).  The clock is read between phases
 * only with -p, so that runs without it time nothing but the spawn.
 * With -T, spawnbench switches ftrace on (tracefs tracing_on) for the
 * measured spawns of a one-thread run and off after them.
 *
 * Exits 0 if every method ran (or was unavailable), 1 if one failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/sched.h>
#include <linux/types.h>

#include "libspawn.h"
#include "shape.h"

#ifndef CLONE_PIDFD
#define CLONE_PIDFD			0x00001000
#endif
#ifndef CLONE_EMPTY
#define CLONE_EMPTY			0x4000000000ULL	/* 1ULL << 38 */
#endif
#ifndef __NR_clone3
#define __NR_clone3			435
#endif
#ifndef __NR_pidfd_config
#define __NR_pidfd_config		480
#endif
#ifndef P_PIDFD
#define P_PIDFD				3
#endif
#ifndef PIDFD_CONFIG_SET_FLAG
#define PIDFD_CONFIG_SET_FLAG		0
#define PIDFD_CONFIG_SET_STRING		1
#define PIDFD_CONFIG_CMD_EXEC		7
#define PIDFD_CONFIG_CMD_ABORT		8
#endif

#define MAX_PHASES	4
#define BENCH_MARK_NR	0x7ffe	/* no such system call: see syscount.c */
#define MARK_BEGIN	1
#define MARK_END	2
#define TRACING_ON	"/sys/kernel/tracing/tracing_on"
#define NSEC_PER_SEC	1000000000ULL

enum method_id {
	M_FORK,
	M_VFORK,
	M_CLONE3,
	M_POSIX_SPAWN,
	M_LIB_POSIX_SPAWN,
	M_LIB_PIDFD_SPAWN,
	M_RAW,
	M_RAW_NOFDS,
	M_EXEC_FLOOR,
	NR_METHODS
};

struct worker;
typedef int (*spawn_fn)(struct worker *w, __u64 *ts);

struct method {
	const char *name;
	spawn_fn run;
	const char *phases[MAX_PHASES];	/* names of the timed phases */
	bool needs_empty;		/* needs CLONE_EMPTY in the kernel */
	bool library;			/* goes through libpidfd_spawn */
	bool shapes;			/* takes a request shape (-s) */
};

struct worker {
	const struct method *m;
	int reps, warmup;
	__u64 *samples;			/* ns, one per spawn */
	__u64 *phase[MAX_PHASES];		/* ns, one per spawn */
	pthread_t thread;
	bool threaded;				/* waits at start_barrier */
	__u64 loop_ns;				/* time of the measured spawns */
	int err;				/* errno of the first failure */
	char msg[160];
};

static const char *exe_path;		/* exit0, absolute */
static char *child_argv[2];		/* { exe_path, NULL } */
static char *chain_argv[2][3];		/* "exit0 0", "exit0 K" */
static char *child_envp[1];		/* empty environment for every method */
static int chain_len = 20;
static pthread_barrier_t start_barrier;

enum shape_id {
	S_BASE,
	S_CLOSEFROM,
	S_ATTRS_PGROUP,
	S_ATTRS_SETSID,
	S_SIGIGNORE,
	NR_SHAPES
};

#define ATTRS_FLAGS	(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)

static struct bench_shape shapes[NR_SHAPES] = {
	[S_BASE] = { .name = "base", .closefrom = -1 },
	[S_CLOSEFROM] = { .name = "closefrom", .closefrom = 3 },
	[S_ATTRS_PGROUP] = { .name = "attrs_pgroup", .ndups = 3,
			     .closefrom = -1,
			     .flags = ATTRS_FLAGS | POSIX_SPAWN_SETPGROUP },
	[S_ATTRS_SETSID] = { .name = "attrs_setsid", .ndups = 3,
			     .closefrom = -1,
			     .flags = ATTRS_FLAGS | POSIX_SPAWN_SETSID },
	[S_SIGIGNORE] = { .name = "sigignore", .closefrom = -1 },
};

static const struct bench_shape *shape = &shapes[S_BASE];
static struct bench_objs glibc_objs;	/* the shape's objects for glibc */
static char shape_note[40];		/* what the shape's setup did */

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/*
 * The end of a phase, read only with -p: the extra clock reads would
 * otherwise count in the measured time (more of them for raw).
 */
static bool profiling;

static void stamp(__u64 *ts)
{
	if (profiling)
		*ts = now_ns();
}

/*
 * With -Z: the measured spawn calls, bracketed for syscount.  The end
 * mark is set when the reap starts (reap_pid(), reap_pidfd()).
 */
static bool marking, mark_open;
static char mark_label[160];

static void mark_begin(void)
{
	syscall(BENCH_MARK_NR, MARK_BEGIN, mark_label);
	mark_open = true;
}

static void mark_end(void)
{
	if (!mark_open)
		return;
	syscall(BENCH_MARK_NR, MARK_END, NULL);
	mark_open = false;
}

/* With -T: tracefs' tracing_on, switched on around the measured spawns. */
static int tracing_fd = -1;

static void tracing(bool on)
{
	if (tracing_fd >= 0 && write(tracing_fd, on ? "1" : "0", 1) != 1)
		perror("spawnbench: tracing_on");
}

static int fail(struct worker *w, int err, const char *what)
{
	if (!w->err) {
		w->err = err ? err : EIO;
		if (err)
			snprintf(w->msg, sizeof(w->msg), "%s: %s", what,
				 strerror(err));
		else
			snprintf(w->msg, sizeof(w->msg), "%s", what);
	}
	return -1;
}

static int reap_pid(struct worker *w, pid_t pid)
{
	int status;

	mark_end();
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fail(w, errno, "waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return fail(w, 0, WIFEXITED(status) ?
			    "child exited non-zero (exec failed?)" :
			    "child killed by a signal");
	return 0;
}

static int reap_pidfd(struct worker *w, int pidfd)
{
	siginfo_t si;
	int ret;

	mark_end();
	memset(&si, 0, sizeof(si));
	while ((ret = waitid((idtype_t)P_PIDFD, pidfd, &si, WEXITED)) < 0)
		if (errno != EINTR)
			break;
	if (ret < 0)
		ret = fail(w, errno, "waitid(P_PIDFD)");
	else if (si.si_code != CLD_EXITED || si.si_status)
		ret = fail(w, 0, si.si_code == CLD_EXITED ?
			   "child exited non-zero (exec failed?)" :
			   "child killed by a signal");
	close(pidfd);
	return ret;
}

/*
 * What glibc's posix_spawn child does for the shape, in its order, for the
 * fork and vfork methods: the signals of sigdefault, the session or the
 * process group, the file actions, the mask.
 */
static int shape_child(const struct bench_shape *s)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int i, sig;

	for (sig = 1; (s->flags & POSIX_SPAWN_SETSIGDEF) && sig < NSIG; sig++)
		if (sigismember(&s->sigdefault, sig) &&
		    sigaction(sig, &dfl, NULL))
			return -1;
	if ((s->flags & POSIX_SPAWN_SETSID) && setsid() < 0)
		return -1;
	if ((s->flags & POSIX_SPAWN_SETPGROUP) && setpgid(0, 0))
		return -1;
	for (i = 0; i < s->ndups; i++)
		if (dup2(s->dup_from[i], i) < 0)
			return -1;
	if (s->closefrom >= 0 && close_range(s->closefrom, ~0U, 0))
		return -1;
	if ((s->flags & POSIX_SPAWN_SETSIGMASK) &&
	    sigprocmask(SIG_SETMASK, &s->sigmask, NULL))
		return -1;
	return 0;
}

static void child_exec(void)
{
	if (!shape_child(shape))
		execve(exe_path, child_argv, child_envp);
	_exit(127);
}

/* ---- the methods: one spawn + exit + reap each, ts[] the phase ends ---- */

static int run_fork(struct worker *w, __u64 *ts)
{
	pid_t pid = fork();

	if (pid == 0)
		child_exec();
	if (pid < 0)
		return fail(w, errno, "fork");
	stamp(&ts[0]);
	return reap_pid(w, pid);
}

static int run_vfork(struct worker *w, __u64 *ts)
{
	pid_t pid = vfork();

	if (pid == 0)
		child_exec();
	if (pid < 0)
		return fail(w, errno, "vfork");
	stamp(&ts[0]);
	return reap_pid(w, pid);
}

static int run_clone3(struct worker *w, __u64 *ts)
{
	struct clone_args args;
	int pidfd = -1;
	pid_t pid;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_PIDFD;
	args.pidfd = (__u64)(uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	pid = syscall(__NR_clone3, &args, sizeof(args));
	if (pid == 0) {
		execve(exe_path, child_argv, child_envp);
		_exit(127);
	}
	if (pid < 0)
		return fail(w, errno, "clone3(CLONE_PIDFD)");
	stamp(&ts[0]);
	return reap_pidfd(w, pidfd);
}

static int run_posix_spawn(struct worker *w, __u64 *ts)
{
	pid_t pid;
	int err;

	err = posix_spawn(&pid, exe_path, glibc_objs.fap, glibc_objs.attrp,
			  child_argv, child_envp);
	if (err)
		return fail(w, err, "glibc posix_spawn");
	stamp(&ts[0]);
	return reap_pid(w, pid);
}

static int run_lib_posix_spawn(struct worker *w, __u64 *ts)
{
	pid_t pid;
	int err;

	err = bench_lib_posix_spawn(&pid, exe_path, child_argv, child_envp);
	if (err)
		return fail(w, err, "libpidfd_spawn posix_spawn");
	stamp(&ts[0]);
	return reap_pid(w, pid);
}

static int run_lib_pidfd_spawn(struct worker *w, __u64 *ts)
{
	int pidfd, err;

	err = bench_lib_pidfd_spawn(&pidfd, exe_path, child_argv, child_envp);
	if (err)
		return fail(w, err, "libpidfd_spawn pidfd_spawn");
	stamp(&ts[0]);
	return reap_pidfd(w, pidfd);
}

static pid_t clone_empty(int *pidfd)
{
	struct clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_EMPTY | CLONE_PIDFD;
	args.pidfd = (__u64)(uintptr_t)pidfd;
	args.exit_signal = SIGCHLD;
	return syscall(__NR_clone3, &args, sizeof(args));
}

static int pidfd_config(int pidfd, unsigned int cmd, const char *key,
			const void *value, int aux)
{
	return syscall(__NR_pidfd_config, pidfd, cmd, key, value, aux);
}

static int raw_spawn(struct worker *w, __u64 *ts, bool inherit)
{
	int pidfd = -1;
	pid_t pid;

	pid = clone_empty(&pidfd);
	if (pid < 0)
		return fail(w, errno, "clone3(CLONE_EMPTY)");
	stamp(&ts[0]);
	if (pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, "exe", exe_path, 0) ||
	    pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, "argv", exe_path, 0) ||
	    (inherit && pidfd_config(pidfd, PIDFD_CONFIG_SET_FLAG,
				     "inherit_fds", NULL, 0))) {
		fail(w, errno, "pidfd_config");
		close(pidfd);	/* kills the parked child */
		waitpid(pid, NULL, 0);
		return -1;
	}
	stamp(&ts[1]);
	if (pidfd_config(pidfd, PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 0)) {
		fail(w, errno, "pidfd_config(CMD_EXEC)");
		close(pidfd);
		waitpid(pid, NULL, 0);
		return -1;
	}
	stamp(&ts[2]);
	return reap_pidfd(w, pidfd);
}

static int run_raw(struct worker *w, __u64 *ts)
{
	return raw_spawn(w, ts, true);
}

static int run_raw_nofds(struct worker *w, __u64 *ts)
{
	return raw_spawn(w, ts, false);
}

/* One chain: vfork + execve of "exit0 N", N + 1 images in one process. */
static int run_chain(struct worker *w, char **argv, __u64 *ns)
{
	__u64 start = now_ns();
	pid_t pid = vfork();

	if (pid == 0) {
		execve(exe_path, argv, child_envp);
		_exit(127);
	}
	if (pid < 0)
		return fail(w, errno, "vfork");
	if (reap_pid(w, pid))
		return -1;
	*ns = now_ns() - start;
	return 0;
}

/*
 * The sample is computed here, not from the caller's timestamps: ts[0]
 * carries the per-exec cost, which the caller takes instead of the
 * elapsed time.
 */
static int run_exec_floor(struct worker *w, __u64 *ts)
{
	__u64 t0, tk;

	if (run_chain(w, chain_argv[0], &t0) ||
	    run_chain(w, chain_argv[1], &tk))
		return -1;
	ts[0] = tk > t0 ? (tk - t0) / chain_len : 0;
	return 0;
}

static const struct method methods[NR_METHODS] = {
	[M_FORK] = { "fork", run_fork, { "fork", "reap" }, .shapes = true },
	[M_VFORK] = { "vfork", run_vfork, { "vfork", "reap" },
		      .shapes = true },
	[M_CLONE3] = { "clone3", run_clone3, { "clone3", "reap" } },
	[M_POSIX_SPAWN] = { "posix_spawn", run_posix_spawn,
			    { "spawn", "reap" }, .shapes = true },
	[M_LIB_POSIX_SPAWN] = { "lib_posix_spawn", run_lib_posix_spawn,
				{ "spawn", "reap" }, false, true, true },
	[M_LIB_PIDFD_SPAWN] = { "lib_pidfd_spawn", run_lib_pidfd_spawn,
				{ "spawn", "reap" }, false, true, true },
	[M_RAW] = { "raw", run_raw, { "clone3", "config", "commit", "reap" },
		    true },
	[M_RAW_NOFDS] = { "raw_nofds", run_raw_nofds,
			  { "clone3", "config", "commit", "reap" }, true },
	[M_EXEC_FLOOR] = { "exec_floor", run_exec_floor, { NULL } },
};

/* ---- measurement ---- */

static void one(struct worker *w, int i)
{
	__u64 ts[MAX_PHASES + 1], start, end;
	int p, n = 0;

	while (n < MAX_PHASES && w->m->phases[n])
		n++;
	memset(ts, 0, sizeof(ts));
	start = now_ns();
	if (marking && i >= 0)
		mark_begin();
	if (w->m->run(w, ts))
		return;
	end = now_ns();
	if (i < 0)
		return;
	if (w->m == &methods[M_EXEC_FLOOR]) {
		w->samples[i] = ts[0];
		return;
	}
	w->samples[i] = end - start;
	/* Phase k ends at ts[k]; the last one at the end. */
	ts[n - 1] = end;
	for (p = 0; p < n; p++)
		w->phase[p][i] = ts[p] - (p ? ts[p - 1] : start);
}

static void *work(void *arg)
{
	struct worker *w = arg;
	__u64 start;
	int i;

	for (i = 0; i < w->warmup && !w->err; i++)
		one(w, -1);
	if (w->threaded)
		pthread_barrier_wait(&start_barrier);
	else
		tracing(true);
	start = now_ns();
	for (i = 0; i < w->reps && !w->err; i++)
		one(w, i);
	w->loop_ns = now_ns() - start;
	if (!w->threaded)
		tracing(false);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* Quantile q of n sorted values, linear interpolation, in microseconds. */
static double quantile_us(const __u64 *v, size_t n, double q)
{
	double h = (n - 1) * q;
	size_t lo = (size_t)h;

	if (lo + 1 >= n)
		return v[n - 1] / 1e3;
	return (v[lo] + (h - lo) * ((double)v[lo + 1] - v[lo])) / 1e3;
}

struct config {
	long mem_mib;
	int fds;
	bool inherit;
	int threads;
	int reps;
	int warmup;
	bool profile;
};

static bool have_clone_empty(void)
{
	int pidfd = -1;
	pid_t pid = clone_empty(&pidfd);

	if (pid < 0)
		return false;
	pidfd_config(pidfd, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0);
	waitpid(pid, NULL, 0);
	close(pidfd);
	return true;
}

static void print_header(void)
{
	printf("method\tmem_mib\tfds\tinherit\tthreads\treps\tmedian_us\t"
	       "p10_us\tp90_us\tmean_us\tmin_us\tmax_us\tper_s\tstatus\tnote\t"
	       "shape\n");
}

static void print_line(const struct method *m, const struct config *c,
		       size_t n, const __u64 *v, double wall_s,
		       const char *status, const char *note)
{
	double sum = 0;
	size_t i;

	printf("%s\t%ld\t%d\t%d\t%d\t%zu\t", m->name, c->mem_mib, c->fds,
	       c->inherit, c->threads, n);
	if (!n) {
		printf("-\t-\t-\t-\t-\t-\t-\t%s\t%s\t%s\n", status, note,
		       shape->name);
		return;
	}
	for (i = 0; i < n; i++)
		sum += v[i];
	printf("%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%.1f\t%s\t%s\t%s\n",
	       quantile_us(v, n, 0.5), quantile_us(v, n, 0.1),
	       quantile_us(v, n, 0.9), sum / n / 1e3, v[0] / 1e3,
	       v[n - 1] / 1e3, wall_s > 0 ? n / wall_s : 0.0, status, note,
	       shape->name);
}

/* Runs one method in c->threads threads; returns false if it failed. */
static bool measure(const struct method *m, const struct config *c,
		    bool empty_ok)
{
	unsigned long long ce0 = 0, fb0 = 0, ce1 = 0, fb1 = 0;
	size_t n = (size_t)c->reps * c->threads, k = 0;
	const char *status = "ok";
	struct worker *ws;
	char note[200] = "";
	__u64 *all, start, wall;
	bool ok = true;
	int t, p, err;

	if (m->needs_empty && !empty_ok) {
		print_line(m, c, 0, NULL, 0, "unavailable",
			   "no CLONE_EMPTY in this kernel");
		return true;
	}
	if (m == &methods[M_EXEC_FLOOR] && c->threads > 1) {
		print_line(m, c, 0, NULL, 0, "unavailable",
			   "measured with one thread only");
		return true;
	}
	if (shape != &shapes[S_BASE] && !m->shapes) {
		snprintf(note, sizeof(note), "not measured with shape %s",
			 shape->name);
		print_line(m, c, 0, NULL, 0, "unavailable", note);
		return true;
	}
	snprintf(mark_label, sizeof(mark_label), "%s\t%ld\t%d\t%d\t%s",
		 m->name, c->mem_mib, c->fds, c->inherit, shape->name);

	ws = calloc(c->threads, sizeof(*ws));
	all = calloc(n, sizeof(*all));
	if (!ws || !all) {
		perror("spawnbench: calloc");
		exit(1);
	}
	for (t = 0; t < c->threads; t++) {
		ws[t].m = m;
		ws[t].reps = c->reps;
		ws[t].warmup = c->warmup;
		ws[t].samples = &all[(size_t)t * c->reps];
		for (p = 0; p < MAX_PHASES; p++) {
			ws[t].phase[p] = calloc(c->reps, sizeof(__u64));
			if (!ws[t].phase[p]) {
				perror("spawnbench: calloc");
				exit(1);
			}
		}
	}
	if (m->library)
		bench_lib_stats(&ce0, &fb0);

	if (c->threads == 1) {
		/* In the caller's thread: a single-threaded process. */
		work(&ws[0]);
		wall = ws[0].loop_ns;
	} else {
		pthread_barrier_init(&start_barrier, NULL, c->threads + 1);
		for (t = 0; t < c->threads; t++) {
			ws[t].threaded = true;
			err = pthread_create(&ws[t].thread, NULL, work, &ws[t]);
			if (err) {
				errno = err;
				perror("spawnbench: pthread_create");
				exit(1);
			}
		}
		pthread_barrier_wait(&start_barrier);
		start = now_ns();
		for (t = 0; t < c->threads; t++)
			pthread_join(ws[t].thread, NULL);
		wall = now_ns() - start;
		pthread_barrier_destroy(&start_barrier);
	}

	for (t = 0; t < c->threads; t++) {
		if (ws[t].err) {
			ok = false;
			status = "error";
			snprintf(note, sizeof(note), "%s", ws[t].msg);
		}
	}
	if (m->library && ok) {
		bench_lib_stats(&ce1, &fb1);
		snprintf(note, sizeof(note), "path=%s",
			 fb1 > fb0 ? "fallback" : "clone_empty");
		if (fb1 > fb0)
			status = empty_ok ? "fallback" : "unavailable";
	}
	if (m == &methods[M_EXEC_FLOOR] && ok)
		snprintf(note, sizeof(note), "chain=%d", chain_len);
	if (shape_note[0])
		snprintf(note + strlen(note), sizeof(note) - strlen(note),
			 "%s%s", note[0] ? " " : "", shape_note);

	if (ok) {
		qsort(all, n, sizeof(*all), cmp_u64);
		print_line(m, c, n, all, m == &methods[M_EXEC_FLOOR] ? 0 :
			   wall / 1e9, status, note);
	} else {
		print_line(m, c, 0, NULL, 0, status, note);
	}

	for (p = 0; ok && c->profile && p < MAX_PHASES && m->phases[p]; p++) {
		for (t = 0, k = 0; t < c->threads; t++) {
			memcpy(&all[k], ws[t].phase[p],
			       c->reps * sizeof(__u64));
			k += c->reps;
		}
		qsort(all, n, sizeof(*all), cmp_u64);
		printf("profile\t%s\t%ld\t%d\t%d\t%d\t%s\t%.3f\n", m->name,
		       c->mem_mib, c->fds, c->inherit, c->threads,
		       m->phases[p], quantile_us(all, n, 0.5));
	}
	fflush(stdout);

	for (t = 0; t < c->threads; t++)
		for (p = 0; p < MAX_PHASES; p++)
			free(ws[t].phase[p]);
	free(ws);
	free(all);
	return ok;
}

/* ---- making the caller big ---- */

static void touch_memory(long mib)
{
	size_t len = (size_t)mib << 20, off;
	long page = sysconf(_SC_PAGESIZE);
	char *p;

	if (!len)
		return;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		perror("spawnbench: mmap");
		exit(1);
	}
	for (off = 0; off < len; off += page)
		p[off] = 1;
}

static int count_fds(void)
{
	struct dirent *d;
	int n = 0;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir)
		return -1;
	while ((d = readdir(dir)))
		if (d->d_name[0] != '.')
			n++;
	closedir(dir);
	return n - 1;	/* the directory's own descriptor */
}

static void open_fds(int total, bool inherit)
{
	struct rlimit rl;
	rlim_t want = total + 256;
	int have, fd, base;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want) {
		rl.rlim_cur = want;
		if (rl.rlim_max < want)
			rl.rlim_max = want;
		if (setrlimit(RLIMIT_NOFILE, &rl)) {
			perror("spawnbench: setrlimit(RLIMIT_NOFILE)");
			exit(1);
		}
	}
	have = count_fds();
	if (have < 0) {
		perror("spawnbench: /proc/self/fd");
		exit(1);
	}
	if (have >= total)
		return;
	base = open("/dev/null", O_RDONLY | (inherit ? 0 : O_CLOEXEC));
	if (base < 0) {
		perror("spawnbench: /dev/null");
		exit(1);
	}
	for (have++; have < total; have++) {
		fd = fcntl(base, inherit ? F_DUPFD : F_DUPFD_CLOEXEC, 0);
		if (fd < 0) {
			perror("spawnbench: fcntl(F_DUPFD)");
			exit(1);
		}
	}
}

/* ---- the request shape ---- */

static int open_null(int flags)
{
	int fd = open("/dev/null", flags | O_CLOEXEC);

	if (fd < 0) {
		perror("spawnbench: /dev/null");
		exit(1);
	}
	return fd;
}

/* The dup2 sources, the mask and the signals of the attrs_* shapes. */
static void setup_attrs(struct bench_shape *s)
{
	static const int sigs[] = { SIGINT, SIGQUIT, SIGPIPE, SIGTERM,
				    SIGTSTP, SIGTTIN, SIGTTOU };
	size_t i;

	s->dup_from[0] = open_null(O_RDONLY);
	s->dup_from[1] = open_null(O_WRONLY);
	s->dup_from[2] = open_null(O_WRONLY);
	sigemptyset(&s->sigmask);
	sigemptyset(&s->sigdefault);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&s->sigdefault, sigs[i]);
}

/*
 * SIG_IGN for every signal that takes it, except SIGCHLD (ignoring it
 * would make the children reap themselves); glibc refuses the signals it
 * reserves with EINVAL.  Returns how many are ignored.
 */
static int ignore_signals(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	int sig, n = 0;

	for (sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGCHLD)
			continue;
		if (!sigaction(sig, &ign, NULL))
			n++;
	}
	return n;
}

/* Once, before the first spawn: the caller's state and both objects. */
static void setup_shape(struct bench_shape *s)
{
	int err;

	if (s->ndups)
		setup_attrs(s);
	if (s == &shapes[S_SIGIGNORE])
		snprintf(shape_note, sizeof(shape_note), "ignored=%d",
			 ignore_signals());
	err = shape_objs(s, &glibc_objs);
	if (!err)
		err = bench_lib_set_shape(s);
	if (err) {
		fprintf(stderr, "spawnbench: shape %s: %s\n", s->name,
			strerror(err));
		exit(1);
	}
	shape = s;
}

static struct bench_shape *parse_shape(const char *name)
{
	int i;

	for (i = 0; i < NR_SHAPES; i++)
		if (!strcmp(name, shapes[i].name))
			return &shapes[i];
	fprintf(stderr, "spawnbench: unknown shape %s\n", name);
	return NULL;
}

/* ---- command line ---- */

static void print_usage(void)
{
	fprintf(stderr,
		"usage: spawnbench [-H] [-p] [-T] [-m METHOD[,METHOD...]|all] [-M MiB]\n"
		"                  [-f FDS] [-i] [-t THREADS] [-n REPS] [-w WARMUP]\n"
		"                  [-k CHAIN] [-x EXIT0] [-s SHAPE] [-Z]\n"
		"  -m  methods (default all):");
	for (int i = 0; i < NR_METHODS; i++)
		fprintf(stderr, " %s", methods[i].name);
	fprintf(stderr, "\n"
		"  -M  anonymous memory the caller writes first, MiB (default 8)\n"
		"  -f  open descriptors in the caller, 0-2 included (default 3)\n"
		"  -i  the extra descriptors are inheritable (default close-on-exec)\n"
		"  -t  threads spawning at once (default 1)\n"
		"  -n  measured spawns per thread (default 100)\n"
		"  -w  warm-up spawns per thread, not measured (default 5)\n"
		"  -k  execs per chain for exec_floor (default 20)\n"
		"  -x  the exit0 program (default: exit0 next to spawnbench)\n"
		"  -s  request shape (default base):");
	for (int i = 0; i < NR_SHAPES; i++)
		fprintf(stderr, " %s", shapes[i].name);
	fprintf(stderr, "\n"
		"  -Z  mark each measured spawn call for syscount (1 thread)\n"
		"  -H  print the header line   -p  print the phase profile\n"
		"  -T  switch ftrace on (" TRACING_ON ")\n"
		"      around the measured spawns of one thread\n");
	exit(2);
}

static bool parse_methods(char *list, bool *want)
{
	char *tok, *save = NULL;
	int i;

	for (tok = strtok_r(list, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strcmp(tok, "all")) {
			for (i = 0; i < NR_METHODS; i++)
				want[i] = true;
			continue;
		}
		for (i = 0; i < NR_METHODS; i++)
			if (!strcmp(tok, methods[i].name))
				break;
		if (i == NR_METHODS) {
			fprintf(stderr, "spawnbench: unknown method %s\n", tok);
			return false;
		}
		want[i] = true;
	}
	return true;
}

static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		print_usage();
	return v;
}

static char *default_exit0(void)
{
	static char path[PATH_MAX];
	ssize_t len;
	char *slash;

	len = readlink("/proc/self/exe", path, sizeof(path) - sizeof("exit0"));
	if (len <= 0)
		return NULL;
	path[len] = '\0';
	slash = strrchr(path, '/');
	if (!slash)
		return NULL;
	memcpy(slash + 1, "exit0", sizeof("exit0"));
	return path;
}

int main(int argc, char *argv[])
{
	struct config c = { .mem_mib = 8, .fds = 3, .threads = 1,
			    .reps = 100, .warmup = 5 };
	bool want[NR_METHODS] = { false }, any = false, header = false;
	struct bench_shape *sh = &shapes[S_BASE];
	bool empty_ok, ok = true;
	static char kbuf[16];
	char *path = NULL;
	int opt, i;

	while ((opt = getopt(argc, argv, "HpTm:M:f:it:n:w:k:x:s:Zh")) != -1) {
		switch (opt) {
		case 'H':
			header = true;
			break;
		case 'p':
			c.profile = true;
			profiling = true;
			break;
		case 'T':
			tracing_fd = open(TRACING_ON, O_WRONLY | O_CLOEXEC);
			if (tracing_fd < 0) {
				perror("spawnbench: " TRACING_ON);
				return 2;
			}
			break;
		case 'm':
			if (!parse_methods(optarg, want))
				print_usage();
			any = true;
			break;
		case 'M':
			c.mem_mib = number(optarg, 0, 1L << 20);
			break;
		case 'f':
			c.fds = number(optarg, 3, 1 << 20);
			break;
		case 'i':
			c.inherit = true;
			break;
		case 't':
			c.threads = number(optarg, 1, 1024);
			break;
		case 'n':
			c.reps = number(optarg, 1, 10000000);
			break;
		case 'w':
			c.warmup = number(optarg, 0, 10000000);
			break;
		case 'k':
			chain_len = number(optarg, 1, 100000);
			break;
		case 'x':
			path = optarg;
			break;
		case 's':
			sh = parse_shape(optarg);
			if (!sh)
				print_usage();
			break;
		case 'Z':
			marking = true;
			break;
		default:
			print_usage();
		}
	}
	if (optind != argc || (marking && c.threads > 1))
		print_usage();
	if (!any)
		for (i = 0; i < NR_METHODS; i++)
			want[i] = true;

	if (!path)
		path = default_exit0();
	exe_path = path ? realpath(path, NULL) : NULL;
	if (!exe_path || access(exe_path, X_OK)) {
		fprintf(stderr, "spawnbench: no executable exit0 (%s): use -x\n",
			path ? path : "?");
		return 2;
	}
	child_argv[0] = (char *)exe_path;
	snprintf(kbuf, sizeof(kbuf), "%d", chain_len);
	chain_argv[0][0] = (char *)exe_path;
	chain_argv[0][1] = "0";
	chain_argv[1][0] = (char *)exe_path;
	chain_argv[1][1] = kbuf;

	empty_ok = have_clone_empty();
	touch_memory(c.mem_mib);
	open_fds(c.fds, c.inherit);
	setup_shape(sh);

	if (header)
		print_header();
	fflush(stdout);
	for (i = 0; i < NR_METHODS; i++)
		if (want[i] && !measure(&methods[i], &c, empty_ok))
			ok = false;
	return ok ? 0 : 1;
}
