// SPDX-License-Identifier: GPL-2.0
/*
 * parked_mem - the kernel memory one parked empty process costs
 *
 * Creates N empty processes with clone3(CLONE_EMPTY | CLONE_PIDFD) and
 * keeps them parked (holding their builder pidfds), and reads /proc/meminfo
 * (and /proc/slabinfo when the kernel has it) before and after.  Then, for
 * comparison, N vfork() children blocked before their exec: N threads are
 * started first (not counted), then each calls vfork() and its child blocks
 * in read() on a pipe, as a posix_spawn child waits between vfork and
 * execve.  Each kind is measured -r times; the processes are ended and
 * reaped between rounds.
 *
 * Output, tab-separated, one line per kind and round (-H adds a header):
 *   kind round count memfree_kib slab_kib sunreclaim_kib kernelstack_kib
 *   pagetables_kib vmallocused_kib per_process_bytes
 * where each *_kib is the growth of that /proc/meminfo field (MemFree: its
 * drop) and per_process_bytes is the MemFree drop divided by N.  With
 * /proc/slabinfo, lines "slab KIND ROUND CACHE DELTA_OBJS DELTA_BYTES"
 * follow for the caches that grew.
 *
 * Usage: parked_mem [-H] [-n N] [-r ROUNDS] [-k empty|vfork|both]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/sched.h>
#include <linux/types.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD			0x00001000
#endif
#ifndef CLONE_EMPTY
#define CLONE_EMPTY			0x4000000000ULL	/* 1ULL << 38 */
#endif
#ifndef __NR_clone3
#define __NR_clone3			435
#endif
#ifndef P_PIDFD
#define P_PIDFD				3
#endif

enum field { F_MEMFREE, F_SLAB, F_SUNRECLAIM, F_KSTACK, F_PAGETABLES,
	     F_VMALLOC, NR_FIELDS };

static const char *const field_names[NR_FIELDS] = {
	"MemFree:", "Slab:", "SUnreclaim:", "KernelStack:", "PageTables:",
	"VmallocUsed:",
};

#define MAX_CACHES	512

struct slab {
	char name[64];
	long objs, objsize;	/* active objects, object size */
};

struct snapshot {
	long kib[NR_FIELDS];
	struct slab caches[MAX_CACHES];
	int nr_caches;
};

static void read_meminfo(struct snapshot *s)
{
	char line[256];
	FILE *f;
	int i;

	memset(s->kib, 0, sizeof(s->kib));
	f = fopen("/proc/meminfo", "re");
	if (!f) {
		perror("parked_mem: /proc/meminfo");
		exit(1);
	}
	while (fgets(line, sizeof(line), f))
		for (i = 0; i < NR_FIELDS; i++)
			if (!strncmp(line, field_names[i],
				     strlen(field_names[i])))
				s->kib[i] = strtol(line + strlen(field_names[i]),
						   NULL, 10);
	fclose(f);
}

/* /proc/slabinfo needs CONFIG_SLUB_DEBUG: without it, no cache lines. */
static void read_slabinfo(struct snapshot *s)
{
	char line[512];
	FILE *f;

	s->nr_caches = 0;
	f = fopen("/proc/slabinfo", "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && s->nr_caches < MAX_CACHES) {
		struct slab *c = &s->caches[s->nr_caches];
		long total;

		if (line[0] == '#' || !strncmp(line, "slabinfo", 8))
			continue;
		if (sscanf(line, "%63s %ld %ld %ld", c->name, &c->objs, &total,
			   &c->objsize) == 4)
			s->nr_caches++;
	}
	fclose(f);
}

static void snapshot(struct snapshot *s)
{
	/* Let RCU-freed objects of the previous round go first. */
	usleep(200000);
	read_meminfo(s);
	read_slabinfo(s);
}

static void report(const char *kind, int round, int n,
		   const struct snapshot *a, const struct snapshot *b)
{
	long d[NR_FIELDS];
	int i, j;

	for (i = 0; i < NR_FIELDS; i++)
		d[i] = b->kib[i] - a->kib[i];
	d[F_MEMFREE] = -d[F_MEMFREE];
	printf("%s\t%d\t%d", kind, round, n);
	for (i = 0; i < NR_FIELDS; i++)
		printf("\t%ld", d[i]);
	printf("\t%.0f\n", d[F_MEMFREE] * 1024.0 / n);

	for (i = 0; i < b->nr_caches; i++) {
		const struct slab *c = &b->caches[i];
		long before = 0;

		for (j = 0; j < a->nr_caches; j++)
			if (!strcmp(a->caches[j].name, c->name))
				before = a->caches[j].objs;
		if (c->objs != before)
			printf("slab\t%s\t%d\t%s\t%ld\t%ld\n", kind, round,
			       c->name, c->objs - before,
			       (c->objs - before) * c->objsize);
	}
	fflush(stdout);
}

/* ---- parked empty processes ---- */

static int measure_empty(int round, int n)
{
	struct snapshot *a, *b;
	struct clone_args args;
	siginfo_t si;
	pid_t *pids;
	int *pidfds;
	int i, made;

	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	pids = calloc(n, sizeof(*pids));
	pidfds = calloc(n, sizeof(*pidfds));
	if (!a || !b || !pids || !pidfds) {
		perror("parked_mem: malloc");
		exit(1);
	}

	snapshot(a);
	for (made = 0; made < n; made++) {
		memset(&args, 0, sizeof(args));
		args.flags = CLONE_EMPTY | CLONE_PIDFD;
		args.pidfd = (__u64)(uintptr_t)&pidfds[made];
		args.exit_signal = SIGCHLD;
		pids[made] = syscall(__NR_clone3, &args, sizeof(args));
		if (pids[made] < 0)
			break;
	}
	if (made == n) {
		snapshot(b);
		report("empty", round, n, a, b);
	} else {
		fprintf(stderr, "parked_mem: clone3(CLONE_EMPTY) #%d: %s\n",
			made, strerror(errno));
	}

	/* Closing the builder kills a parked process. */
	for (i = 0; i < made; i++) {
		close(pidfds[i]);
		waitid(P_PID, pids[i], &si, WEXITED);
	}
	free(a);
	free(b);
	free(pids);
	free(pidfds);
	return made == n ? 0 : -1;
}

/* ---- vfork children blocked before exec ---- */

struct vfork_state {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool go;		/* the threads may vfork */
	int waiting;		/* threads started */
	int children;		/* children blocked (shared memory: vfork) */
	int release[2];		/* children read one byte each, then exit */
	int failed;
};

static struct vfork_state vs = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
};

static void *vfork_thread(void *arg)
{
	char c;
	pid_t pid;

	(void)arg;
	pthread_mutex_lock(&vs.lock);
	vs.waiting++;
	pthread_cond_broadcast(&vs.cond);
	while (!vs.go)
		pthread_cond_wait(&vs.cond, &vs.lock);
	pthread_mutex_unlock(&vs.lock);

	pid = vfork();
	if (pid == 0) {
		/* The child shares our memory: count it, then block. */
		__atomic_add_fetch(&vs.children, 1, __ATOMIC_SEQ_CST);
		while (syscall(SYS_read, vs.release[0], &c, 1) < 0)
			;
		_exit(0);
	}
	if (pid < 0)
		__atomic_add_fetch(&vs.failed, 1, __ATOMIC_SEQ_CST);
	else
		waitpid(pid, NULL, 0);
	return NULL;
}

static int measure_vfork(int round, int n)
{
	struct snapshot *a, *b;
	pthread_attr_t attr;
	pthread_t *threads;
	int i, made, ret = 0;
	char *ones;

	a = malloc(sizeof(*a));
	b = malloc(sizeof(*b));
	threads = calloc(n, sizeof(*threads));
	ones = calloc(n, 1);
	if (!a || !b || !threads || !ones || pipe(vs.release)) {
		perror("parked_mem: setup");
		exit(1);
	}
	vs.go = false;
	vs.waiting = 0;
	vs.children = 0;
	vs.failed = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	for (made = 0; made < n; made++)
		if (pthread_create(&threads[made], &attr, vfork_thread, NULL))
			break;
	pthread_attr_destroy(&attr);
	if (made < n) {
		fprintf(stderr, "parked_mem: pthread_create #%d failed\n", made);
		ret = -1;
	}

	pthread_mutex_lock(&vs.lock);
	while (vs.waiting < made)
		pthread_cond_wait(&vs.cond, &vs.lock);
	pthread_mutex_unlock(&vs.lock);
	snapshot(a);

	pthread_mutex_lock(&vs.lock);
	vs.go = true;
	pthread_cond_broadcast(&vs.cond);
	pthread_mutex_unlock(&vs.lock);
	while (__atomic_load_n(&vs.children, __ATOMIC_SEQ_CST) +
	       __atomic_load_n(&vs.failed, __ATOMIC_SEQ_CST) < made)
		usleep(10000);
	if (!ret && !vs.failed) {
		snapshot(b);
		report("vfork", round, n, a, b);
	} else {
		fprintf(stderr, "parked_mem: %d vfork() calls failed\n",
			vs.failed);
		ret = -1;
	}

	if (write(vs.release[1], ones, made) != made)
		perror("parked_mem: write");
	for (i = 0; i < made; i++)
		pthread_join(threads[i], NULL);
	close(vs.release[0]);
	close(vs.release[1]);
	free(a);
	free(b);
	free(threads);
	free(ones);
	return ret;
}

static void print_usage(void)
{
	fprintf(stderr, "usage: parked_mem [-H] [-n N] [-r ROUNDS] [-k empty|vfork|both]\n");
	exit(2);
}

int main(int argc, char *argv[])
{
	bool header = false, empty = true, vfork_kind = true;
	int opt, n = 1000, rounds = 3, r, ret = 0;
	struct rlimit rl;

	while ((opt = getopt(argc, argv, "Hn:r:k:")) != -1) {
		switch (opt) {
		case 'H':
			header = true;
			break;
		case 'n':
			n = atoi(optarg);
			break;
		case 'r':
			rounds = atoi(optarg);
			break;
		case 'k':
			empty = strcmp(optarg, "vfork") != 0;
			vfork_kind = strcmp(optarg, "empty") != 0;
			break;
		default:
			print_usage();
		}
	}
	if (n < 1 || rounds < 1 || optind != argc)
		print_usage();

	/* One builder pidfd per parked process. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
	    rl.rlim_cur < (rlim_t)n + 64) {
		rl.rlim_cur = n + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			perror("parked_mem: setrlimit(RLIMIT_NOFILE)");
	}

	if (header)
		printf("kind\tround\tcount\tmemfree_kib\tslab_kib\tsunreclaim_kib\t"
		       "kernelstack_kib\tpagetables_kib\tvmallocused_kib\t"
		       "per_process_bytes\n");
	for (r = 1; r <= rounds; r++) {
		if (empty && measure_empty(r, n))
			ret = 1;
		if (vfork_kind && measure_vfork(r, n))
			ret = 1;
	}
	return ret;
}
