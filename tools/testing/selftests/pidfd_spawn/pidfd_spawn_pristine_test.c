// SPDX-License-Identifier: GPL-2.0
/*
 * The empty child is pristine whatever the parent looks like: no copy of a
 * large address space, an empty fd table however many fds the parent has,
 * default signal dispositions and an empty mask.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pidfd_spawn.h"
#include "../kselftest_harness.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Touched memory in the parent; the smaller size if memory is tight. */
#define PRISTINE_MEM_SIZE (1024UL * 1024 * 1024)
#define PRISTINE_MEM_SIZE_SMALL (256UL * 1024 * 1024)
/* Open fds in the parent. */
#define PRISTINE_NR_FDS 10000
/* Page faults the parent may take around clone3(): not one per page. */
#define PRISTINE_MAX_MINFLT 100

static unsigned long mem_available(void)
{
	char buf[4096], *p;

	if (read_path("/proc/meminfo", buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "MemAvailable:");
	if (!p)
		return 0;
	return strtoul(p + strlen("MemAvailable:"), NULL, 10) << 10;
}

static long minflt(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru))
		return -1;
	return ru.ru_minflt;
}

/* Write to every page of @mem. */
static void touch(char *mem, size_t size, long page)
{
	size_t off;

	for (off = 0; off < size; off += page)
		mem[off]++;
}

/* No state: the fixture is there for TEST_F_TIMEOUT. */
FIXTURE(pristine) {};
FIXTURE_SETUP(pristine) {}
FIXTURE_TEARDOWN(pristine) {}

/*
 * Creating the child does not copy (or write-protect) the parent's memory:
 * writing all of it again afterwards costs no page faults, where after a
 * fork() every page would fault (copy on write).  Writing 1 GiB page by page
 * three times takes well over the default 30 s under KASAN in TCG on a
 * loaded machine: allow ten minutes.
 */
TEST_F_TIMEOUT(pristine, memory_not_copied, 600)
{
	long page = sysconf(_SC_PAGESIZE), before, after;
	size_t size = PRISTINE_MEM_SIZE;
	struct spawn s;
	char *mem;

	if (!have_pidfd_spawn(_metadata))
		return;
	if (mem_available() < 2 * size)
		size = PRISTINE_MEM_SIZE_SMALL;
	if (mem_available() < 2 * size)
		SKIP(return, "not enough memory available: %lu bytes",
		     mem_available());

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		SKIP(return, "cannot map %zu bytes: %s", size, strerror(errno));
	/* Small pages, so that a copy would cost one fault per page. */
	madvise(mem, size, MADV_NOHUGEPAGE);
	/* Populate without a fault per page where the kernel can. */
	if (madvise(mem, size, MADV_POPULATE_WRITE))
		touch(mem, size, page);
	TH_LOG("%zu MiB touched", size >> 20);

	/* The probe path lookup (a few faults) happens outside the window. */
	probe_path();
	touch(mem, size, page);

	before = minflt();
	ASSERT_EQ(0, spawn_init(&s));
	touch(mem, size, page);
	after = minflt();

	EXPECT_LT(after - before, PRISTINE_MAX_MINFLT) {
		TH_LOG("%ld minor faults for %zu pages", after - before,
		       size / (size_t)page);
	}

	/* The child itself has no memory until it executes. */
	{
		char val[64];

		EXPECT_EQ(-ENOENT, proc_status_field(s.pid, "VmSize", val,
						     sizeof(val)));
	}

	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	spawn_fini(&s);
	munmap(mem, size);
}

static int count_fds(pid_t pid)
{
	struct dirent *de;
	char path[64];
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)))
		if (de->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

/* 10,000 inheritable fds in the parent: the child's table holds only fd 1. */
TEST(fd_table_empty)
{
	int i, null, first = -1, last = -1, fd;
	struct rlimit rl;
	struct spawn s;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, getrlimit(RLIMIT_NOFILE, &rl));
	if (rl.rlim_cur < PRISTINE_NR_FDS + 64) {
		rl.rlim_cur = PRISTINE_NR_FDS + 64;
		if (rl.rlim_max < rl.rlim_cur)
			rl.rlim_max = rl.rlim_cur;
		if (setrlimit(RLIMIT_NOFILE, &rl))
			SKIP(return, "cannot raise RLIMIT_NOFILE to %d: %s",
			     PRISTINE_NR_FDS + 64, strerror(errno));
	}

	null = open("/dev/null", O_RDWR);
	ASSERT_GE(null, 0);
	for (i = 0; i < PRISTINE_NR_FDS; i++) {
		fd = dup(null);	/* not close-on-exec */
		ASSERT_GE(fd, 0);
		if (first < 0)
			first = fd;
		last = fd;
	}

	ASSERT_EQ(0, spawn_init(&s));
	EXPECT_EQ(0, count_fds(s.pid));
	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_STREQ("1", spawn_get(&s, "fds"));
	spawn_fini(&s);

	for (fd = first; fd <= last; fd++)
		close(fd);
	close(null);
}

static void handler(int sig)
{
}

/*
 * The parent catches SIGUSR2, ignores SIGPIPE and blocks SIGUSR2: the
 * parked child has none of it, and neither has the program.
 */
TEST(signals_default)
{
	struct sigaction sa = { .sa_handler = handler };
	char val[64];
	struct spawn s;
	sigset_t set;

	if (!have_pidfd_spawn(_metadata))
		return;
	ASSERT_EQ(0, sigaction(SIGUSR2, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGTERM, &sa, NULL));
	sa.sa_handler = SIG_IGN;
	ASSERT_EQ(0, sigaction(SIGPIPE, &sa, NULL));
	ASSERT_EQ(0, sigaction(SIGHUP, &sa, NULL));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigaddset(&set, SIGINT);
	ASSERT_EQ(0, sigprocmask(SIG_BLOCK, &set, NULL));

	/* The parent does show all that. */
	ASSERT_EQ(0, proc_status_field(getpid(), "SigCgt", val, sizeof(val)));
	ASSERT_TRUE(mask_has(val, SIGUSR2));
	ASSERT_EQ(0, proc_status_field(getpid(), "SigIgn", val, sizeof(val)));
	ASSERT_TRUE(mask_has(val, SIGPIPE));

	ASSERT_EQ(0, spawn_init(&s));
	EXPECT_TRUE(parked_state(wait_parked_state(s.pid)));
	ASSERT_EQ(0, proc_status_field(s.pid, "SigCgt", val, sizeof(val)));
	EXPECT_EQ(0ULL, mask_val(val));
	ASSERT_EQ(0, proc_status_field(s.pid, "SigIgn", val, sizeof(val)));
	EXPECT_EQ(0ULL, mask_val(val));
	ASSERT_EQ(0, proc_status_field(s.pid, "SigBlk", val, sizeof(val)));
	EXPECT_EQ(0ULL, mask_val(val));

	ASSERT_EQ(0, cfg_string(s.pidfd, "argv", PROBE_NAME));
	ASSERT_EQ(0, spawn_run(&s));
	EXPECT_TRUE(spawn_exited_ok(&s));
	EXPECT_EQ(0ULL, mask_val(spawn_get(&s, "sigign")));
	EXPECT_EQ(0ULL, mask_val(spawn_get(&s, "sigblk")));
	EXPECT_EQ(0ULL, mask_val(spawn_get(&s, "sigcgt")));
	spawn_fini(&s);
}

TEST_HARNESS_MAIN
