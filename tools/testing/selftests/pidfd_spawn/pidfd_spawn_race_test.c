// SPDX-License-Identifier: GPL-2.0
/*
 * Races on one builder between two threads: every outcome must be one of
 * the consistent ones, nothing hangs, every child is reaped.  And a
 * configurer stuck in a page fault holds nothing the child needs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/userfaultfd.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

/* Small enough for a slow emulated guest with a debug kernel. */
/*
 * Iterations of each race: 60 keeps the suite to about two minutes under
 * QEMU's emulation with KASAN; PIDFD_SPAWN_RACE_ITERATIONS asks for more.
 */
#define RACE_ITERATIONS race_iterations()
#define RACE_TIMEOUT 120
#define ARGV_PER_THREAD 50

struct racer {
	pthread_barrier_t *barrier;
	int (*fn)(struct racer *r);
	int pidfd;
	char tag;
	int ret;
};

static void *racer_run(void *arg)
{
	struct racer *r = arg;

	pthread_barrier_wait(r->barrier);
	r->ret = r->fn(r);
	return NULL;
}

/* Run @a in a new thread and @b in this one, released together. */
static int race(struct racer *a, struct racer *b)
{
	pthread_barrier_t barrier;
	pthread_t thread;
	int ret;

	ret = pthread_barrier_init(&barrier, NULL, 2);
	if (ret)
		return -ret;
	a->barrier = &barrier;
	b->barrier = &barrier;
	ret = pthread_create(&thread, NULL, racer_run, a);
	if (ret) {
		pthread_barrier_destroy(&barrier);
		return -ret;
	}
	racer_run(b);
	pthread_join(thread, NULL);
	pthread_barrier_destroy(&barrier);
	return 0;
}

static int do_exec(struct racer *r)
{
	return cfg_exec(r->pidfd);
}

static int do_abort(struct racer *r)
{
	return cfg_abort(r->pidfd);
}

static int do_close(struct racer *r)
{
	return close(r->pidfd) ? -errno : 0;
}

static int do_sigkill(struct racer *r)
{
	return sys_pidfd_send_signal(r->pidfd, SIGKILL, NULL, 0) ? -errno : 0;
}

static int do_argv(struct racer *r)
{
	char arg[16];
	int i, ret;

	for (i = 0; i < ARGV_PER_THREAD; i++) {
		snprintf(arg, sizeof(arg), "%c%d", r->tag, i);
		ret = cfg_string(r->pidfd, "argv", arg);
		if (ret)
			return ret;
	}
	return 0;
}

/* An empty child set up to run "probe --exit 0" or "probe --pause". */
static int make_child(pid_t *pid, int *pidfd, bool pause)
{
	int ret;

	ret = create_empty_child(pid, pidfd);
	if (ret)
		return ret;
	ret = cfg_string(*pidfd, "exe", probe_path()) ?:
	      cfg_string(*pidfd, "argv", PROBE_NAME);
	if (!ret && pause)
		ret = cfg_string(*pidfd, "argv", "--pause");
	if (!ret && !pause)
		ret = cfg_string(*pidfd, "argv", "--exit") ?:
		      cfg_string(*pidfd, "argv", "0");
	if (ret)
		kill_and_reap(*pid, *pidfd);
	return ret;
}

static bool exited_zero(const siginfo_t *info)
{
	return info->si_code == CLD_EXITED && info->si_status == 0;
}

static int race_iterations(void)
{
	static int n;
	const char *env;

	if (!n) {
		env = getenv("PIDFD_SPAWN_RACE_ITERATIONS");
		n = env ? atoi(env) : 0;
		if (n <= 0)
			n = 60;
	}
	return n;
}

FIXTURE(race) {
};

FIXTURE_SETUP(race)
{
	if (!have_pidfd_spawn(_metadata))
		return;
}

FIXTURE_TEARDOWN(race)
{
	/* No child left behind. */
	EXPECT_EQ(-1, waitpid(-1, NULL, WNOHANG | __WALL));
	EXPECT_EQ(ECHILD, errno);
}

/* close() of the builder against a commit: committed or killed, never both. */
TEST_F_TIMEOUT(race, close_vs_commit, RACE_TIMEOUT)
{
	int i, committed = 0, closed_first = 0;
	struct racer a = { .fn = do_exec }, b = { .fn = do_close };
	siginfo_t info;
	pid_t pid;

	for (i = 0; i < RACE_ITERATIONS; i++) {
		ASSERT_EQ(0, make_child(&pid, &a.pidfd, false));
		b.pidfd = a.pidfd;
		ASSERT_EQ(0, race(&a, &b));
		ASSERT_EQ(0, b.ret);
		ASSERT_EQ(0, wait_pid(pid, &info));

		if (a.ret == 0) {
			committed++;
			ASSERT_TRUE(exited_zero(&info)) {
				TH_LOG("iteration %d: committed, then code %d status %d",
				       i, info.si_code, info.si_status);
			}
		} else {
			closed_first++;
			ASSERT_EQ(-EBADF, a.ret);
			ASSERT_TRUE(killed_by(&info, SIGKILL));
		}
	}
	TH_LOG("committed %d, closed first %d", committed, closed_first);
}

/* SIGKILL against a commit: the child always dies of SIGKILL. */
TEST_F_TIMEOUT(race, sigkill_vs_commit, RACE_TIMEOUT)
{
	struct racer a = { .fn = do_exec }, b = { .fn = do_sigkill };
	int i, committed = 0, killed_first = 0;
	siginfo_t info;
	pid_t pid;

	for (i = 0; i < RACE_ITERATIONS; i++) {
		ASSERT_EQ(0, make_child(&pid, &a.pidfd, true));
		b.pidfd = a.pidfd;
		ASSERT_EQ(0, race(&a, &b));
		ASSERT_EQ(0, b.ret);
		ASSERT_EQ(0, wait_pidfd(a.pidfd, &info));
		ASSERT_TRUE(killed_by(&info, SIGKILL)) {
			TH_LOG("iteration %d: commit %d, code %d status %d", i,
			       a.ret, info.si_code, info.si_status);
		}
		if (a.ret == 0) {
			committed++;
		} else {
			killed_first++;
			/* The child died under the commit. */
			ASSERT_TRUE(a.ret == -ESRCH || a.ret == -EINTR) {
				TH_LOG("iteration %d: commit %s", i,
				       strerror(-a.ret));
			}
			ASSERT_EQ(-ESRCH, cfg_exec(a.pidfd));
		}
		close(a.pidfd);
	}
	TH_LOG("committed %d, killed first %d", committed, killed_first);
}

/*
 * CMD_ABORT against a commit: either the commit wins (the abort is EBUSY
 * and the program runs), or the abort does (the commit fails, the child
 * dies of SIGKILL); an abort that lands after the point of no return of a
 * successful commit kills the new program, like a SIGKILL would.
 */
TEST_F_TIMEOUT(race, abort_vs_commit, RACE_TIMEOUT)
{
	struct racer a = { .fn = do_exec }, b = { .fn = do_abort };
	int i, committed = 0, aborted = 0, late = 0;
	siginfo_t info;
	pid_t pid;

	for (i = 0; i < RACE_ITERATIONS; i++) {
		ASSERT_EQ(0, make_child(&pid, &a.pidfd, false));
		b.pidfd = a.pidfd;
		ASSERT_EQ(0, race(&a, &b));
		ASSERT_EQ(0, wait_pidfd(a.pidfd, &info));

		if (a.ret == 0 && b.ret == -EBUSY) {
			committed++;
			ASSERT_TRUE(exited_zero(&info));
		} else if (a.ret == 0 && b.ret == 0) {
			late++;
			ASSERT_TRUE(killed_by(&info, SIGKILL));
		} else {
			aborted++;
			ASSERT_EQ(0, b.ret) {
				TH_LOG("iteration %d: commit %s, abort %s", i,
				       strerror(-a.ret), strerror(-b.ret));
			}
			ASSERT_TRUE(a.ret == -ESRCH || a.ret == -EINTR) {
				TH_LOG("iteration %d: commit %s", i,
				       strerror(-a.ret));
			}
			ASSERT_TRUE(killed_by(&info, SIGKILL));
		}
		close(a.pidfd);
	}
	TH_LOG("committed %d, aborted %d, aborted after commit %d",
	       committed, aborted, late);
}

/* Two commits at once: exactly one succeeds, the other is EBUSY. */
TEST_F_TIMEOUT(race, commit_vs_commit, RACE_TIMEOUT)
{
	struct racer a = { .fn = do_exec }, b = { .fn = do_exec };
	siginfo_t info;
	pid_t pid;
	int i;

	for (i = 0; i < RACE_ITERATIONS; i++) {
		ASSERT_EQ(0, make_child(&pid, &a.pidfd, false));
		b.pidfd = a.pidfd;
		ASSERT_EQ(0, race(&a, &b));
		ASSERT_TRUE((a.ret == 0 && b.ret == -EBUSY) ||
			    (a.ret == -EBUSY && b.ret == 0)) {
			TH_LOG("iteration %d: %d and %d", i, a.ret, b.ret);
		}
		ASSERT_EQ(0, wait_pidfd(a.pidfd, &info));
		ASSERT_TRUE(exited_zero(&info));
		close(a.pidfd);
	}
}

/* Two failing commits at once: both report the failure, or one EBUSY. */
TEST_F_TIMEOUT(race, failing_commit_vs_commit, RACE_TIMEOUT)
{
	struct racer a = { .fn = do_exec }, b = { .fn = do_exec };
	siginfo_t info;
	pid_t pid;
	int i;

	for (i = 0; i < RACE_ITERATIONS; i++) {
		ASSERT_EQ(0, make_child(&pid, &a.pidfd, false));
		ASSERT_EQ(0, cfg_string(a.pidfd, "exe",
					"/nonexistent/" PROBE_NAME));
		b.pidfd = a.pidfd;
		ASSERT_EQ(0, race(&a, &b));
		ASSERT_TRUE(a.ret == -ENOENT || b.ret == -ENOENT);
		ASSERT_TRUE(a.ret == -ENOENT || a.ret == -EBUSY);
		ASSERT_TRUE(b.ret == -ENOENT || b.ret == -EBUSY);
		/* Still parked: a retry works. */
		ASSERT_EQ(0, cfg_string(a.pidfd, "exe", probe_path()));
		ASSERT_EQ(0, cfg_exec(a.pidfd));
		ASSERT_EQ(0, wait_pidfd(a.pidfd, &info));
		ASSERT_TRUE(exited_zero(&info));
		close(a.pidfd);
	}
}

static bool check_argv(struct __test_metadata *_metadata, struct spawn *s)
{
	int i, next_a = 0, next_b = 0, argc;
	char key[32], want[16];
	const char *arg;

	argc = spawn_get_long(s, "argc");
	EXPECT_EQ(1 + 2 * ARGV_PER_THREAD, argc);
	for (i = 1; i < argc; i++) {
		snprintf(key, sizeof(key), "argv.%d", i);
		arg = spawn_get(s, key);
		/* Each thread's arguments, in its order. */
		if (arg[0] == 'a')
			snprintf(want, sizeof(want), "a%d", next_a++);
		else
			snprintf(want, sizeof(want), "b%d", next_b++);
		EXPECT_STREQ(want, arg) {
			return false;
		}
	}
	EXPECT_EQ(ARGV_PER_THREAD, next_a);
	EXPECT_EQ(ARGV_PER_THREAD, next_b);
	return next_a == ARGV_PER_THREAD && next_b == ARGV_PER_THREAD;
}

/* Two threads appending to argv: no entry lost, none reordered. */
TEST_F_TIMEOUT(race, concurrent_argv, RACE_TIMEOUT)
{
	struct racer a = { .fn = do_argv, .tag = 'a' };
	struct racer b = { .fn = do_argv, .tag = 'b' };
	struct spawn s;
	int i;

	for (i = 0; i < RACE_ITERATIONS / 4; i++) {
		ASSERT_EQ(0, spawn_init(&s));
		ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
		a.pidfd = s.pidfd;
		b.pidfd = s.pidfd;
		ASSERT_EQ(0, race(&a, &b));
		ASSERT_EQ(0, a.ret);
		ASSERT_EQ(0, b.ret);
		ASSERT_EQ(0, spawn_run(&s));
		ASSERT_TRUE(spawn_exited_ok(&s));
		ASSERT_TRUE(check_argv(_metadata, &s)) {
			TH_LOG("iteration %d", i);
		}
		spawn_fini(&s);
	}
}

#define RACE_KNOB "/sys/module/pidfd_spawn/parameters/debug_race_pid"

static int knob_read(void)
{
	char buf[32];

	if (read_path(RACE_KNOB, buf, sizeof(buf)) <= 0)
		return INT_MIN;
	return atoi(buf);
}

static int knob_write(int val)
{
	char buf[32];
	int fd, len, ret = 0;

	fd = open(RACE_KNOB, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", val);
	if (write(fd, buf, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

struct race_commit {
	int pidfd;
	int ret;
};

static void *race_commit(void *arg)
{
	struct race_commit *c = arg;

	c->ret = cfg_exec(c->pidfd);
	return NULL;
}

/*
 * SIGKILL between a commit's check of the state and its request to the
 * child, the window held open by the test kernel's debug_race_pid: the
 * child dies without a commit to complete, so the committer must see
 * "dead" (ESRCH) rather than overwrite it with "committing" and wait for
 * a child that is gone, holding the lock that child waits for.
 */
TEST(kill_between_check_and_request)
{
	struct race_commit c;
	struct spawn s;
	pthread_t t;
	char state[32];

	if (!have_pidfd_spawn(_metadata))
		return;
	if (access(RACE_KNOB, W_OK))
		SKIP(return, "no debug_race_pid (CONFIG_PIDFD_SPAWN_DEBUG)");
	ASSERT_EQ(0, spawn_init(&s));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	c.pidfd = s.pidfd;
	ASSERT_EQ(0, knob_write(getpid()));
	ASSERT_EQ(0, pthread_create(&t, NULL, race_commit, &c));

	/* The committer is in the window once the knob turns negative. */
	while (knob_read() != -getpid())
		usleep(1000);
	ASSERT_EQ(0, sys_pidfd_send_signal(s.pidfd, SIGKILL, NULL, 0));
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-ESRCH, c.ret);
	EXPECT_EQ(0, knob_read());

	ASSERT_EQ(0, spawn_reap(&s));
	EXPECT_TRUE(killed_by(&s.info, SIGKILL));
	ASSERT_EQ(0, builder_state(s.pidfd, state, sizeof(state)));
	EXPECT_STREQ("dead", state);
	spawn_fini(&s);
}

struct faulting_config {
	int pidfd;
	unsigned int cmd;
	const char *key;
	const void *value;
	int aux;
	int ret;
};

static void *faulting_config_thread(void *arg)
{
	struct faulting_config *c = arg;

	c->ret = sys_pidfd_config(c->pidfd, c->cmd, c->key, c->value, c->aux);
	if (c->ret)
		c->ret = -errno;
	return NULL;
}

/*
 * A configurer whose value lies on a page that userfaultfd holds back: the
 * parked child, SIGKILLed meanwhile, dies and is reaped without waiting for
 * it (pidfd_config() copies the value before it takes the lock the dying
 * child takes).  Once the page comes, the configurer fails with ESRCH.
 */
FIXTURE(faulting_value) {
	int uffd;
	char *page;
	long size;
};

FIXTURE_VARIANT(faulting_value) {
	unsigned int cmd;
	const char *key;
	int aux;
};

FIXTURE_VARIANT_ADD(faulting_value, argv_string) {
	.cmd = PIDFD_CONFIG_SET_STRING,
	.key = "argv",
	.aux = 0,
};

FIXTURE_VARIANT_ADD(faulting_value, envp_block) {
	.cmd = PIDFD_CONFIG_SET_BINARY,
	.key = "envp",
	.aux = 16,
};

FIXTURE_VARIANT_ADD(faulting_value, cwd_path) {
	.cmd = PIDFD_CONFIG_SET_PATH,
	.key = "cwd",
	.aux = AT_FDCWD,
};

FIXTURE_VARIANT_ADD(faulting_value, sigmask) {
	.cmd = PIDFD_CONFIG_SET_BINARY,
	.key = "sigmask",
	.aux = 8,
};

FIXTURE_SETUP(faulting_value)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };

	self->size = sysconf(_SC_PAGESIZE);
	self->uffd = syscall(__NR_userfaultfd, O_CLOEXEC);
	ASSERT_LE(0, self->uffd);
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_API, &api));
	self->page = mmap(NULL, self->size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, self->page);
	reg.range.start = (unsigned long)self->page;
	reg.range.len = self->size;
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_REGISTER, &reg));
}

FIXTURE_TEARDOWN(faulting_value)
{
	close(self->uffd);
	munmap(self->page, self->size);
}

TEST_F_TIMEOUT(faulting_value, child_dies_meanwhile, RACE_TIMEOUT)
{
	struct faulting_config c = {
		.cmd = variant->cmd,
		.key = variant->key,
		.aux = variant->aux,
	};
	struct uffdio_copy copy = {};
	struct uffd_msg msg;
	char *src;
	pthread_t thread;
	siginfo_t info;
	pid_t pid;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, create_empty_child(&pid, &c.pidfd));
	c.value = self->page;
	ASSERT_EQ(0, pthread_create(&thread, NULL, faulting_config_thread, &c));

	/* The configurer is in the fault once the fault can be read. */
	ASSERT_EQ((ssize_t)sizeof(msg), read(self->uffd, &msg, sizeof(msg)));
	ASSERT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);

	ASSERT_EQ(0, sys_pidfd_send_signal(c.pidfd, SIGKILL, NULL, 0));
	ASSERT_EQ(0, wait_pidfd(c.pidfd, &info));
	EXPECT_TRUE(killed_by(&info, SIGKILL));

	/* "/": a valid value for every variant. */
	src = calloc(1, self->size);
	ASSERT_NE(NULL, src);
	src[0] = '/';
	copy.dst = (unsigned long)self->page;
	copy.src = (unsigned long)src;
	copy.len = self->size;
	ASSERT_EQ(0, ioctl(self->uffd, UFFDIO_COPY, &copy));
	free(src);
	ASSERT_EQ(0, pthread_join(thread, NULL));
	EXPECT_EQ(-ESRCH, c.ret);
	close(c.pidfd);
}

TEST_HARNESS_MAIN
