// SPDX-License-Identifier: GPL-2.0
/*
 * probe - the program the pidfd_spawn selftests execute in an empty child.
 *
 * Usage:
 *   probe [ARGS...]          report the process state on fd 1, exit 0
 *   probe --exit N [...]     exit with status N at once, report nothing
 *   probe --pause [...]      report the state on fd 1, then wait for signals
 *                            forever (the test kills it)
 *   probe --inb PORT         read the x86 I/O port PORT and exit 0: SIGSEGV
 *                            without ioperm() or iopl() permission
 *
 * The report is a series of "key=value\n" lines written to fd 1 (nothing is
 * written if fd 1 is not open).  Keys:
 *
 *   pid ppid sid pgid                  getpid() and friends
 *   ruid euid suid rgid egid sgid      getresuid(), getresgid()
 *   nnp                                prctl(PR_GET_NO_NEW_PRIVS)
 *   pdeathsig                          prctl(PR_GET_PDEATHSIG)
 *   umask                              octal, four digits
 *   cwd                                getcwd(), "!errno" on failure
 *   root                               "dev:ino" of stat("/")
 *   exe                                readlink(/proc/self/exe)
 *   argc, argv.N                       the arguments (an empty string is
 *                                      reported as an empty value)
 *   envc, envp.N                       the environment
 *   fds                                the open fds, ascending, comma
 *                                      separated (empty if none)
 *   fd.N.cloexec, fd.N.path            FD_CLOEXEC flag and readlink() of
 *                                      /proc/self/fd/N for each open fd
 *   sigblk sigign sigcgt sigpnd shdpnd the hex masks of /proc/self/status
 *   seccomp                            the Seccomp: mode of /proc/self/status
 *   tty_nr                             field 7 of /proc/self/stat
 *   tpgid                              field 8 of /proc/self/stat: the
 *                                      foreground process group of the
 *                                      controlling terminal, or -1
 *   ctty                               1 if /dev/tty can be opened, else 0
 *   nodename                           uname()
 *   ns.NAME                            readlink(/proc/self/ns/NAME)
 *   monotonic, monotonic_sys           CLOCK_MONOTONIC seconds, from the C
 *                                      library (the vdso) and from the
 *                                      system call
 *   cgroup                             the cgroup v2 path ("0::" line of
 *                                      /proc/self/cgroup)
 *   mdwe thp_disable memory_merge      prctl(PR_GET_MDWE), ...THP_DISABLE,
 *                                      ...MEMORY_MERGE
 *   coredump_filter                    /proc/self/coredump_filter
 *   wx_mmap                            "ok" if a PROT_WRITE | PROT_EXEC
 *                                      mapping can be made, else "!errno"
 *   end=1                              last line: the report is complete
 *
 * Keys whose source is unavailable (for instance /proc inside a chroot) are
 * left out.  The probe installs no signal handler and changes nothing, so
 * the report shows what the kernel set up.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#define MAX_FDS 4096
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void out(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(STDOUT_FILENO, fmt, ap);
	va_end(ap);
}

static ssize_t read_file(const char *path, char *buf, size_t size)
{
	ssize_t len, total = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;

	while ((size_t)total < size - 1) {
		len = read(fd, buf + total, size - 1 - total);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0)
			break;
		total += len;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

static void report_ids(void)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	out("pid=%d\n", getpid());
	out("ppid=%d\n", getppid());
	out("sid=%d\n", getsid(0));
	out("pgid=%d\n", getpgid(0));

	if (!getresuid(&ruid, &euid, &suid))
		out("ruid=%u\neuid=%u\nsuid=%u\n", ruid, euid, suid);
	if (!getresgid(&rgid, &egid, &sgid))
		out("rgid=%u\negid=%u\nsgid=%u\n", rgid, egid, sgid);

	out("nnp=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
}

static void report_misc(void)
{
	char buf[PATH_MAX];
	struct utsname uts;
	struct stat st;
	mode_t mask;
	int sig = 0;
	ssize_t len;

	if (!prctl(PR_GET_PDEATHSIG, &sig, 0, 0, 0))
		out("pdeathsig=%d\n", sig);

	mask = umask(0);
	umask(mask);
	out("umask=%04o\n", (unsigned int)mask);

	if (getcwd(buf, sizeof(buf)))
		out("cwd=%s\n", buf);
	else
		out("cwd=!%d\n", errno);

	if (!stat("/", &st))
		out("root=%llu:%llu\n", (unsigned long long)st.st_dev,
		    (unsigned long long)st.st_ino);

	len = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (len >= 0) {
		buf[len] = '\0';
		out("exe=%s\n", buf);
	}

	if (!uname(&uts))
		out("nodename=%s\n", uts.nodename);
}

static void report_vector(const char *count, const char *name, char **vec)
{
	int i;

	for (i = 0; vec && vec[i]; i++)
		;
	out("%s=%d\n", count, i);
	for (i = 0; vec && vec[i]; i++)
		out("%s.%d=%s\n", name, i, vec[i]);
}

static int cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

static int list_fds(int *fds, int max)
{
	struct dirent *de;
	int n = 0, fd;
	DIR *dir;

	dir = opendir("/proc/self/fd");
	if (!dir) {
		/* No /proc (chroot): ask the kernel fd by fd. */
		for (fd = 0; fd < MAX_FDS && n < max; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				fds[n++] = fd;
		return n;
	}

	while ((de = readdir(dir)) && n < max) {
		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd == dirfd(dir))
			continue;
		fds[n++] = fd;
	}
	closedir(dir);

	qsort(fds, n, sizeof(*fds), cmp_int);
	return n;
}

static void report_fds(void)
{
	static int fds[MAX_FDS];
	char path[64], target[PATH_MAX];
	ssize_t len;
	int n, i;

	n = list_fds(fds, MAX_FDS);

	out("fds=");
	for (i = 0; i < n; i++)
		out("%s%d", i ? "," : "", fds[i]);
	out("\n");

	for (i = 0; i < n; i++) {
		out("fd.%d.cloexec=%d\n", fds[i],
		    !!(fcntl(fds[i], F_GETFD) & FD_CLOEXEC));
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fds[i]);
		len = readlink(path, target, sizeof(target) - 1);
		if (len >= 0) {
			target[len] = '\0';
			out("fd.%d.path=%s\n", fds[i], target);
		}
	}
}

static void report_status(void)
{
	static const char * const fields[][2] = {
		{ "SigBlk:", "sigblk" },
		{ "SigIgn:", "sigign" },
		{ "SigCgt:", "sigcgt" },
		{ "SigPnd:", "sigpnd" },
		{ "ShdPnd:", "shdpnd" },
		{ "Seccomp:", "seccomp" },
	};
	static char buf[8192];
	char *line, *save, *p;
	size_t i;

	if (read_file("/proc/self/status", buf, sizeof(buf)) <= 0)
		return;

	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		for (i = 0; i < ARRAY_SIZE(fields); i++) {
			size_t len = strlen(fields[i][0]);

			if (strncmp(line, fields[i][0], len))
				continue;
			p = line + len;
			while (*p == ' ' || *p == '\t')
				p++;
			out("%s=%s\n", fields[i][1], p);
		}
	}
}

static void report_tty(void)
{
	char buf[1024], *p;
	int i, fd;

	if (read_file("/proc/self/stat", buf, sizeof(buf)) > 0) {
		/*
		 * Fields after the last ')': state ppid pgrp session tty_nr
		 * tpgid
		 */
		p = strrchr(buf, ')');
		for (i = 0; p && i < 5; i++)
			p = strchr(p + 1, ' ');
		if (p)
			out("tty_nr=%d\n", atoi(p + 1));
		p = p ? strchr(p + 1, ' ') : NULL;
		if (p)
			out("tpgid=%d\n", atoi(p + 1));
	}

	fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
	out("ctty=%d\n", fd >= 0);
	if (fd >= 0)
		close(fd);
}

static void report_ns(void)
{
	static const char * const names[] = {
		"cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts",
	};
	char path[64], target[128], buf[4096], *nl, *p;
	ssize_t len;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(names); i++) {
		snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
		len = readlink(path, target, sizeof(target) - 1);
		if (len < 0)
			continue;
		target[len] = '\0';
		out("ns.%s=%s\n", names[i], target);
	}

	if (read_file("/proc/self/cgroup", buf, sizeof(buf)) > 0) {
		/* The cgroup v2 line: "0::/path" */
		p = !strncmp(buf, "0::", 3) ? buf : strstr(buf, "\n0::");
		if (p) {
			p += p == buf ? 3 : 4;
			nl = strchr(p, '\n');
			if (nl)
				*nl = '\0';
			out("cgroup=%s\n", p);
		}
	}
}

/* The vdso reads the vvar page of the time namespace; the syscall does not. */
static void report_clocks(void)
{
	struct timespec ts;

	if (!clock_gettime(CLOCK_MONOTONIC, &ts))
		out("monotonic=%lld\n", (long long)ts.tv_sec);
	if (!syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts))
		out("monotonic_sys=%lld\n", (long long)ts.tv_sec);
}

#ifndef PR_GET_MDWE
#define PR_GET_MDWE 66
#endif
#ifndef PR_GET_MEMORY_MERGE
#define PR_GET_MEMORY_MERGE 68
#endif

/* The state an exec copies from the mm it replaces. */
static void report_mm(void)
{
	char buf[64], *nl;
	void *p;
	int ret;

	ret = prctl(PR_GET_MDWE, 0, 0, 0, 0);
	if (ret >= 0)
		out("mdwe=%d\n", ret);
	ret = prctl(PR_GET_THP_DISABLE, 0, 0, 0, 0);
	if (ret >= 0)
		out("thp_disable=%d\n", ret);
	ret = prctl(PR_GET_MEMORY_MERGE, 0, 0, 0, 0);
	if (ret >= 0)
		out("memory_merge=%d\n", ret);
	if (read_file("/proc/self/coredump_filter", buf, sizeof(buf)) > 0) {
		nl = strchr(buf, '\n');
		if (nl)
			*nl = '\0';
		out("coredump_filter=%s\n", buf);
	}

	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		out("wx_mmap=!%d\n", errno);
	} else {
		out("wx_mmap=ok\n");
		munmap(p, 4096);
	}
}

static void inb_port(const char *port)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned short p = strtoul(port, NULL, 0);
	unsigned char v;

	__asm__ volatile("inb %w1, %0" : "=a"(v) : "Nd"(p));
	(void)v;
	_exit(0);
#else
	_exit(2);
#endif
}

int main(int argc, char *argv[], char *envp[])
{
	if (argc >= 3 && !strcmp(argv[1], "--exit"))
		_exit(atoi(argv[2]));
	if (argc >= 3 && !strcmp(argv[1], "--inb"))
		inb_port(argv[2]);

	report_ids();
	report_misc();
	report_vector("argc", "argv", argv);
	report_vector("envc", "envp", envp);
	report_fds();
	report_status();
	report_tty();
	report_ns();
	report_clocks();
	report_mm();
	out("end=1\n");

	if (argc >= 2 && !strcmp(argv[1], "--pause")) {
		for (;;)
			pause();
	}

	return 0;
}
