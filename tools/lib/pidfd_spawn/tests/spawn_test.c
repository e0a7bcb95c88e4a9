// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Test suite of libpidfd_spawn, linked against the static library.
 *
 * Each case spawns tests/probe, which reports what it inherited, and checks
 * the return value, the report, and that a failed spawn left no child, no
 * descriptor and no pid behind.  Where glibc (this host's, found with
 * dlsym(RTLD_NEXT)) has the functions a case needs, the same case is run
 * with glibc's implementation and the results must be identical.
 *
 * Output is TAP.  The environment selects what is checked about the path:
 *   PIDFD_SPAWN_FORCE_FALLBACK=1   the library must take the fallback;
 *   EXPECT_PATH=clone_empty|fallback  the plain spawns must take that path
 *                                  (default: no expectation).
 *
 * The request shapes that once needed the fallback on a kernel with
 * CLONE_EMPTY (closefrom, tcsetpgrp, descriptors an earlier action made,
 * addopen with O_CLOEXEC, ...) are also checked for the path they take
 * (check_path()), against what the kernel has, probed here with the raw
 * system calls: no fallback where it has CLONE_EMPTY and the keys a shape
 * needs; skipped without CLONE_EMPTY; with EXPECT_PATH=clone_empty, a
 * missing key is a failure.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "pidfd_spawn.h"
/* For the kernel's constants alone (the host's headers lack them). */
#include "internal.h"

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

#define PID_SENTINEL	((pid_t)0x7eadbeef)
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define __printf(a, b)	__attribute__((format(printf, a, b)))

_Static_assert(sizeof(void *) != 8 || sizeof(posix_spawnattr_t) == 336,
	       "posix_spawnattr_t size");
_Static_assert(sizeof(void *) != 8 || sizeof(posix_spawn_file_actions_t) == 80,
	       "posix_spawn_file_actions_t size");

/* TAP */

static int n_test, n_pass, n_fail, n_skip;

static void __printf(2, 3)
ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", cond ? "" : "not ", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (cond)
		n_pass++;
	else
		n_fail++;
}

static void __printf(2, 3)
skip(const char *why, const char *fmt, ...)
{
	va_list ap;

	printf("ok %d - ", ++n_test);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" # SKIP %s\n", why);
	fflush(stdout);
	n_skip++;
}

static void __printf(1, 2) diag(const char *fmt, ...)
{
	va_list ap;

	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

/* What the running kernel has, asked directly, not through the library */

static struct {
	bool clone_empty;
	unsigned int keys;		/* bits of enum pfs_key */
	bool batch;			/* PIDFD_CONFIG_SET_BATCH */
} kernel;

static bool forced, expect_clone_empty;

static const char * const key_names[PFS_NR_KEYS] = {
	[PFS_KEY_CLOSE_RANGE] = "close_range",
	[PFS_KEY_DUP] = "dup:N",
	[PFS_KEY_CWD_FD] = "cwd SET_INT",
	[PFS_KEY_TCSETPGRP] = "tcsetpgrp",
	[PFS_KEY_INHERIT_SIGIGNORE] = "inherit_sigignore",
	[PFS_KEY_SIGDEFAULT] = "sigdefault",
};

static int sys_config(int pidfd, unsigned int cmd, const char *key,
		      const void *value, int aux)
{
	return syscall(__NR_pidfd_config, pidfd, cmd, key, value, aux);
}

/*
 * Sets each newer key, with a valid value, on an empty child, and one
 * setting with PIDFD_CONFIG_SET_BATCH (EOPNOTSUPP where the kernel lacks
 * it), then aborts.
 */
static void probe_kernel(void)
{
	static const struct pfs_config_range range = { 3, ~0U, 0, 0 };
	static const uint64_t none;
	const struct pfs_config_op op = {
		.key = (uintptr_t)"inherit_fds",
		.cmd = PIDFD_CONFIG_SET_FLAG,
	};
	static const struct {
		enum pfs_key key;
		unsigned int cmd;
		const char *name;
		const void *value;
		int aux;
	} probes[] = {
		{ PFS_KEY_CLOSE_RANGE, PIDFD_CONFIG_SET_BINARY, "close_range",
		  &range, sizeof(range) },
		{ PFS_KEY_DUP, PIDFD_CONFIG_SET_INT, "dup:5", NULL, 5 },
		{ PFS_KEY_CWD_FD, PIDFD_CONFIG_SET_INT, "cwd", NULL, 0 },
		{ PFS_KEY_TCSETPGRP, PIDFD_CONFIG_SET_INT, "tcsetpgrp",
		  NULL, 0 },
		{ PFS_KEY_INHERIT_SIGIGNORE, PIDFD_CONFIG_SET_FLAG,
		  "inherit_sigignore", NULL, 0 },
		{ PFS_KEY_SIGDEFAULT, PIDFD_CONFIG_SET_BINARY, "sigdefault",
		  &none, sizeof(none) },
	};
	struct pfs_clone_args args;
	int pidfd = -1;
	unsigned int i;
	siginfo_t si;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_EMPTY | CLONE_PIDFD;
	args.pidfd = (uintptr_t)&pidfd;
	args.exit_signal = SIGCHLD;
	if (syscall(__NR_clone3, &args, sizeof(args)) < 0)
		return;
	kernel.clone_empty = true;
	for (i = 0; i < ARRAY_SIZE(probes); i++)
		if (sys_config(pidfd, probes[i].cmd, probes[i].name,
			       probes[i].value, probes[i].aux) == 0)
			kernel.keys |= 1U << probes[i].key;
	kernel.batch = sys_config(pidfd, PIDFD_CONFIG_SET_BATCH, NULL, &op,
				  1) == 1;
	sys_config(pidfd, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0);
	waitid((idtype_t)P_PIDFD, pidfd, &si, WEXITED);
	close(pidfd);
}

static void diag_kernel(void)
{
	char list[256] = "";
	int k;

	for (k = 0; k < PFS_NR_KEYS; k++) {
		strcat(list, " ");
		strcat(list, key_names[k]);
		strcat(list, kernel.keys & (1U << k) ? "=yes" : "=no");
	}
	strcat(list, kernel.batch ? " SET_BATCH=yes" : " SET_BATCH=no");
	diag("kernel: CLONE_EMPTY=%s%s", kernel.clone_empty ? "yes" : "no",
	     kernel.clone_empty ? list : "");
}

/* The first key of @keys, for a message. */
static const char *key_name(unsigned int keys)
{
	int k;

	for (k = 0; k < PFS_NR_KEYS; k++)
		if (keys & (1U << k))
			return key_names[k];
	return "?";
}

/*
 * The path of the library's one spawn since @a, for a request shape that
 * needs the kernel's @keys besides CLONE_EMPTY.
 */
static void check_path(const char *name, const struct pidfd_spawn_np_stats *a,
		       unsigned int keys)
{
	unsigned int missing = keys & ~kernel.keys;
	struct pidfd_spawn_np_stats b;
	bool took_new, took_fallback;

	pidfd_spawn_np_stats(&b, sizeof(b));
	took_new = b.clone_empty == a->clone_empty + 1 &&
		   b.fallback == a->fallback;
	took_fallback = b.fallback == a->fallback + 1 &&
			b.clone_empty == a->clone_empty;
	if (forced)
		ok(took_fallback, "%s: path=fallback (forced)", name);
	else if (!kernel.clone_empty)
		skip("kernel without CLONE_EMPTY", "%s: no fallback", name);
	else if (!missing)
		ok(took_new, "%s: no fallback", name);
	else if (expect_clone_empty)
		ok(false, "%s: no fallback: the kernel lacks %s", name,
		   key_name(missing));
	else
		ok(took_fallback, "%s: path=fallback, the kernel lacks %s",
		   name, key_name(missing));
}

/* The two implementations */

typedef int (*spawn_fn)(pid_t *pid, const char *path,
			const posix_spawn_file_actions_t *fa,
			const posix_spawnattr_t *at, char *const argv[],
			char *const envp[]);

typedef posix_spawn_file_actions_t fa_t;
typedef posix_spawnattr_t at_t;

struct impl {
	const char *name;
	spawn_fn spawn, spawnp;
	int (*fa_init)(fa_t *fa);
	int (*fa_destroy)(fa_t *fa);
	int (*addopen)(fa_t *fa, int fd, const char *path, int oflag,
		       mode_t mode);
	int (*addclose)(fa_t *fa, int fd);
	int (*adddup2)(fa_t *fa, int fd, int newfd);
	int (*addchdir_np)(fa_t *fa, const char *path);
	int (*addfchdir_np)(fa_t *fa, int fd);
	int (*addclosefrom_np)(fa_t *fa, int from);
	int (*addtcsetpgrp_np)(fa_t *fa, int tcfd);
	int (*addchdir)(fa_t *fa, const char *path);
	int (*addfchdir)(fa_t *fa, int fd);
	int (*attr_init)(at_t *at);
	int (*attr_destroy)(at_t *at);
	int (*setflags)(at_t *at, short flags);
	int (*setpgroup)(at_t *at, pid_t pgroup);
	int (*setsigmask)(at_t *at, const sigset_t *set);
	int (*setsigdefault)(at_t *at, const sigset_t *set);
	int (*setschedpolicy)(at_t *at, int policy);
	int (*setschedparam)(at_t *at, const struct sched_param *sp);
	int (*setcgroup_np)(at_t *at, int cgroup);
};

static const struct impl lib = {
	.name = "lib",
	.spawn = posix_spawn,
	.spawnp = posix_spawnp,
	.fa_init = posix_spawn_file_actions_init,
	.fa_destroy = posix_spawn_file_actions_destroy,
	.addopen = posix_spawn_file_actions_addopen,
	.addclose = posix_spawn_file_actions_addclose,
	.adddup2 = posix_spawn_file_actions_adddup2,
	.addchdir_np = posix_spawn_file_actions_addchdir_np,
	.addfchdir_np = posix_spawn_file_actions_addfchdir_np,
	.addclosefrom_np = posix_spawn_file_actions_addclosefrom_np,
	.addtcsetpgrp_np = posix_spawn_file_actions_addtcsetpgrp_np,
	.addchdir = posix_spawn_file_actions_addchdir,
	.addfchdir = posix_spawn_file_actions_addfchdir,
	.attr_init = posix_spawnattr_init,
	.attr_destroy = posix_spawnattr_destroy,
	.setflags = posix_spawnattr_setflags,
	.setpgroup = posix_spawnattr_setpgroup,
	.setsigmask = posix_spawnattr_setsigmask,
	.setsigdefault = posix_spawnattr_setsigdefault,
	.setschedpolicy = posix_spawnattr_setschedpolicy,
	.setschedparam = posix_spawnattr_setschedparam,
	.setcgroup_np = posix_spawnattr_setcgroup_np,
};

static struct impl glibc;

#define GLIBC_SYM(field, name) (glibc.field = dlsym(RTLD_NEXT, name))

static void glibc_init(void)
{
	glibc.name = "glibc";
	GLIBC_SYM(spawn, "posix_spawn");
	GLIBC_SYM(spawnp, "posix_spawnp");
	GLIBC_SYM(fa_init, "posix_spawn_file_actions_init");
	GLIBC_SYM(fa_destroy, "posix_spawn_file_actions_destroy");
	GLIBC_SYM(addopen, "posix_spawn_file_actions_addopen");
	GLIBC_SYM(addclose, "posix_spawn_file_actions_addclose");
	GLIBC_SYM(adddup2, "posix_spawn_file_actions_adddup2");
	GLIBC_SYM(addchdir_np, "posix_spawn_file_actions_addchdir_np");
	GLIBC_SYM(addfchdir_np, "posix_spawn_file_actions_addfchdir_np");
	GLIBC_SYM(addclosefrom_np, "posix_spawn_file_actions_addclosefrom_np");
	GLIBC_SYM(addtcsetpgrp_np, "posix_spawn_file_actions_addtcsetpgrp_np");
	GLIBC_SYM(addchdir, "posix_spawn_file_actions_addchdir");
	GLIBC_SYM(addfchdir, "posix_spawn_file_actions_addfchdir");
	GLIBC_SYM(attr_init, "posix_spawnattr_init");
	GLIBC_SYM(attr_destroy, "posix_spawnattr_destroy");
	GLIBC_SYM(setflags, "posix_spawnattr_setflags");
	GLIBC_SYM(setpgroup, "posix_spawnattr_setpgroup");
	GLIBC_SYM(setsigmask, "posix_spawnattr_setsigmask");
	GLIBC_SYM(setsigdefault, "posix_spawnattr_setsigdefault");
	GLIBC_SYM(setschedpolicy, "posix_spawnattr_setschedpolicy");
	GLIBC_SYM(setschedparam, "posix_spawnattr_setschedparam");
	GLIBC_SYM(setcgroup_np, "posix_spawnattr_setcgroup_np");
}

/* Fixtures */

static char probe[PATH_MAX];	/* tests/probe */
static char tmpdir[PATH_MAX];	/* scratch directory */
static char *probe_name = "pfs-probe";	/* a link to probe in tmpdir */

static char *tmp_path(const char *name)
{
	static char buf[4][PATH_MAX];
	static int n;
	char *p = buf[n++ % 4];

	if (snprintf(p, PATH_MAX, "%s/%s", tmpdir, name) >= PATH_MAX)
		abort();
	return p;
}

static void write_file(const char *name, const char *data, mode_t mode)
{
	int fd = open(tmp_path(name), O_WRONLY | O_CREAT | O_TRUNC, mode);

	if (fd < 0 || write(fd, data, strlen(data)) < 0 || close(fd) < 0) {
		perror(name);
		exit(2);
	}
	chmod(tmp_path(name), mode);
}

static void fixtures(void)
{
	char self[PATH_MAX];
	ssize_t n;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0) {
		perror("readlink");
		exit(2);
	}
	self[n] = '\0';
	*strrchr(self, '/') = '\0';
	if (snprintf(probe, sizeof(probe), "%s/probe", self) >=
	    (int)sizeof(probe))
		abort();

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/pfs-test.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(2);
	}
	if (symlink(probe, tmp_path(probe_name)) < 0 ||
	    mkdir(tmp_path("dirA"), 0755) < 0 ||
	    mkdir(tmp_path("dirB"), 0755) < 0 ||
	    mkdir(tmp_path("sub"), 0755) < 0 ||
	    symlink(probe, tmp_path("dirB/pfs-probe-b")) < 0) {
		perror("fixtures");
		exit(2);
	}
	write_file("data.txt", "top data\n", 0644);
	write_file("sub/data.txt", "sub data\n", 0644);
	write_file("noexec", "#!/bin/sh\necho no\n", 0644);
	write_file("dirA/pfs-cmd", "#!/bin/sh\necho a\n", 0644);
	write_file("script-noshebang", "echo hi\n", 0755);
	write_file("script-shebang", "#!/bin/sh\necho shebang \"$@\"\n",
		   0755);
}

static void cleanup_fixtures(void)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		diag("could not remove %s", tmpdir);
}

/* Running a spawn */

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1;	/* the directory itself */
}

static bool have_children(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
		return errno != ECHILD;
	return true;
}

typedef bool (*setup_fn)(const struct impl *im, posix_spawn_file_actions_t *fa,
			 posix_spawnattr_t *at);

struct job {
	const char *file;
	char *const *argv;
	char *const *envp;
	bool spawnp;
	bool null_fa;		/* pass no file actions... */
	bool null_attr;		/* ...no attributes */
	bool no_capture;	/* do not capture stdout */
	setup_fn setup;
};

struct result {
	bool unsupported;	/* the implementation lacks a function */
	int ret;
	int status;
	bool pid_untouched;	/* on failure */
	bool no_child;		/* on failure */
	bool no_fd_leak;
	char out[8192];
};

static char *env_default[] = { "PFS_TEST=1", NULL };

static void run_job(const struct impl *im, const struct job *j,
		    struct result *r)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	int p[2] = { -1, -1 };
	size_t len = 0;
	int before;
	pid_t pid = PID_SENTINEL;
	ssize_t n;

	memset(r, 0, sizeof(*r));
	before = count_fds();
	im->fa_init(&fa);
	im->attr_init(&at);
	if (!j->no_capture) {
		if (pipe2(p, O_CLOEXEC) < 0) {
			perror("pipe2");
			exit(2);
		}
		im->adddup2(&fa, p[1], 1);
	}
	if (j->setup && !j->setup(im, &fa, &at)) {
		r->unsupported = true;
		goto out;
	}

	fflush(stdout);
	r->ret = (j->spawnp ? im->spawnp : im->spawn)(&pid, j->file,
		j->null_fa ? NULL : &fa, j->null_attr ? NULL : &at,
		j->argv, j->envp ? j->envp : env_default);
	if (p[1] >= 0)
		close(p[1]);
	p[1] = -1;
	if (p[0] >= 0) {
		while ((n = read(p[0], r->out + len,
				 sizeof(r->out) - 1 - len)) > 0)
			len += n;
		r->out[len] = '\0';
	}
	if (r->ret == 0) {
		if (waitpid(pid, &r->status, 0) < 0)
			r->status = -1;
	} else {
		r->pid_untouched = pid == PID_SENTINEL;
		r->no_child = !have_children();
	}
out:
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
	im->fa_destroy(&fa);
	im->attr_destroy(&at);
	r->no_fd_leak = count_fds() == before;
}

/* A string for a TAP line: newlines shown as \n. */
static const char *esc(const char *s)
{
	static char buf[256];
	size_t i = 0;

	for (; *s && i < sizeof(buf) - 3; s++) {
		if (*s == '\n') {
			buf[i++] = '\\';
			buf[i++] = 'n';
		} else {
			buf[i++] = *s;
		}
	}
	buf[i] = '\0';
	return buf;
}

/*
 * Runs @j with the library and checks the return value, and on success that
 * the output contains @want; then with glibc, whose results must be the
 * same (return value, output, exit status).
 */
static void check_job(const char *name, const struct job *j, int want_ret,
		      const char *want)
{
	struct result *r = calloc(2, sizeof(*r));

	run_job(&lib, j, &r[0]);
	if (r[0].unsupported) {
		ok(false, "%s: setup failed", name);
		goto out;
	}
	ok(r[0].ret == want_ret, "%s: returns %s (got %s)", name,
	   want_ret ? strerror(want_ret) : "0",
	   r[0].ret ? strerror(r[0].ret) : "0");
	if (want_ret) {
		ok(r[0].pid_untouched && r[0].no_child && r[0].no_fd_leak,
		   "%s: no pid, child or descriptor left behind", name);
	} else if (want) {
		ok(strstr(r[0].out, want), "%s: child reports '%s'",
		   name, esc(want));
		if (!strstr(r[0].out, want))
			diag("output: %s", esc(r[0].out));
	}

	if (!glibc.spawn) {
		skip("glibc not found", "%s: same as glibc", name);
		goto out;
	}
	run_job(&glibc, j, &r[1]);
	if (r[1].unsupported) {
		skip("glibc lacks a function", "%s: same as glibc", name);
		goto out;
	}
	ok(r[0].ret == r[1].ret && !strcmp(r[0].out, r[1].out) &&
	   r[0].status == r[1].status,
	   "%s: same as glibc", name);
	if (r[0].ret != r[1].ret || strcmp(r[0].out, r[1].out)) {
		diag("lib: %d '%s'", r[0].ret, esc(r[0].out));
		diag("glibc: %d '%s'", r[1].ret, esc(r[1].out));
	}
out:
	free(r);
}

/* check_job(), and check_path() of the library's spawn. */
static void check_job_path(const char *name, const struct job *j,
			   int want_ret, const char *want, unsigned int keys)
{
	struct pidfd_spawn_np_stats a;

	pidfd_spawn_np_stats(&a, sizeof(a));
	check_job(name, j, want_ret, want);
	check_path(name, &a, keys);
}

#define KEY(k)	(1U << PFS_KEY_##k)

#define ARGV(...) ((char *const[]){ __VA_ARGS__, NULL })

static bool chdir_tmp(const struct impl *im, posix_spawn_file_actions_t *fa,
		      posix_spawnattr_t *at);

/* Basic cases */

static void test_basic(void)
{
	struct job j = { .file = probe, .argv = ARGV("probe", "args") };
	struct result r;
	pid_t pid;
	int status;

	check_job("posix_spawn", &j, 0, "argc=2\n");

	j.argv = ARGV("probe", "args", "with space", "", "last");
	check_job("argv passed verbatim", &j, 0,
		  "argc=5\nargv[0]=probe\nargv[1]=args\n"
		  "argv[2]=with space\nargv[3]=\nargv[4]=last\n");

	j.argv = ARGV("probe", "env");
	j.envp = ARGV("A=1", "B=two words");
	check_job("envp passed", &j, 0, "env=A=1\nenv=B=two words\nenvc=2\n");
	j.envp = NULL;

	j.null_fa = true;
	j.null_attr = true;
	j.no_capture = true;
	j.argv = ARGV("probe", "exit", "7");
	run_job(&lib, &j, &r);
	ok(r.ret == 0 && WIFEXITED(r.status) && WEXITSTATUS(r.status) == 7,
	   "NULL file actions and attributes");

	/* NULL pid: the child exists all the same. */
	fflush(stdout);
	ok(posix_spawn(NULL, probe, NULL, NULL, ARGV("probe", "exit", "3"),
		       env_default) == 0 &&
	   (pid = wait(&status)) > 0 && WEXITSTATUS(status) == 3,
	   "NULL pid is allowed");
}

/* posix_spawn() with envp NULL, checked directly. */
static void test_null_envp(void)
{
	const struct impl *ims[] = { &lib, &glibc };
	char out[2][256];
	int i, p[2];

	for (i = 0; i < 2; i++) {
		const struct impl *im = ims[i];
		posix_spawn_file_actions_t fa;
		ssize_t n;
		pid_t pid;
		int ret;

		out[i][0] = '\0';
		if (!im->spawn)
			continue;
		if (pipe2(p, O_CLOEXEC) < 0)
			exit(2);
		im->fa_init(&fa);
		im->adddup2(&fa, p[1], 1);
		fflush(stdout);
		ret = im->spawn(&pid, probe, &fa, NULL, ARGV("probe", "env"),
				NULL);
		close(p[1]);
		n = read(p[0], out[i], sizeof(out[i]) - 1);
		out[i][n > 0 ? n : 0] = '\0';
		close(p[0]);
		if (ret == 0)
			waitpid(pid, NULL, 0);
		im->fa_destroy(&fa);
		if (i == 0)
			ok(ret == 0 && !strcmp(out[0], "envc=0\n"),
			   "NULL envp is an empty environment");
	}
	if (glibc.spawn)
		ok(!strcmp(out[0], out[1]), "NULL envp: same as glibc");
}

/* The file actions run, then the exec fails with ENAMETOOLONG. */
static void test_long_name(const char *name)
{
	const char *out = tmp_path("long-name-out");
	posix_spawn_file_actions_t fa;
	struct pidfd_spawn_np_stats a;
	pid_t pid = PID_SENTINEL;
	int ret;

	unlink(out);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 5, out, O_WRONLY | O_CREAT, 0600);
	pidfd_spawn_np_stats(&a, sizeof(a));
	ret = posix_spawnp(&pid, name, &fa, NULL, ARGV("x"), env_default);
	ok(ret == ENAMETOOLONG && pid == PID_SENTINEL && !have_children() &&
	   access(out, F_OK) == 0,
	   "posix_spawnp: ENAMETOOLONG for a name over NAME_MAX, after the "
	   "file actions");
	check_path("posix_spawnp of a name over NAME_MAX", &a, 0);
	posix_spawn_file_actions_destroy(&fa);
}

static void test_exec_errors(void)
{
	struct job j = { .argv = ARGV("x") };
	char *long_name = malloc(NAME_MAX + 20);

	j.file = tmp_path("does-not-exist");
	check_job("ENOENT", &j, ENOENT, NULL);

	j.file = tmp_path("noexec");
	check_job("EACCES for a file without x", &j, EACCES, NULL);

	j.file = tmp_path("script-noshebang");
	check_job("ENOEXEC for a script without #!", &j, ENOEXEC, NULL);

	j.file = tmp_path("data.txt/x");
	check_job("ENOTDIR", &j, ENOTDIR, NULL);

	j.file = "";
	check_job("empty path", &j, ENOENT, NULL);

	j.file = tmp_path("script-shebang");
	j.argv = ARGV("script", "arg");
	check_job("script with #!", &j, 0, "shebang arg\n");

	j.file = "/bin/sh";
	j.argv = (char *[]){ "sh", "-c", "exit 0", NULL };
	{
		static char big[200000];

		memset(big, 'x', sizeof(big) - 1);
		j.argv = ARGV("sh", big);
		check_job("E2BIG for an argument over MAX_ARG_STRLEN", &j,
			  E2BIG, NULL);
	}

	/* posix_spawnp() does not fall back to /bin/sh either. */
	j.spawnp = true;
	j.argv = ARGV("x");
	j.file = tmp_path("script-noshebang");
	check_job("posix_spawnp: ENOEXEC with a slash", &j, ENOEXEC, NULL);
	j.file = "";
	check_job("posix_spawnp: empty name", &j, ENOENT, NULL);

	/* glibc 2.36 reads past its buffer here: no comparison. */
	memset(long_name, 'n', NAME_MAX + 10);
	long_name[NAME_MAX + 10] = '\0';
	test_long_name(long_name);
	free(long_name);
}

/* posix_spawnp() and PATH */

static void with_path(const char *path)
{
	if (path)
		setenv("PATH", path, 1);
	else
		unsetenv("PATH");
}

static void test_path(void)
{
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	struct job j = { .spawnp = true, .argv = ARGV("probe", "args") };
	char path[3 * PATH_MAX];

	/* PATH comes from the caller's environment, not from envp. */
	with_path(tmpdir);
	j.file = probe_name;
	j.envp = ARGV("PATH=/nonexistent");
	check_job("posix_spawnp: PATH of the caller", &j, 0, "argc=2\n");
	j.envp = NULL;

	with_path("/nonexistent");
	j.envp = (char *[]){ path, NULL };
	snprintf(path, sizeof(path), "PATH=%s", tmpdir);
	check_job("posix_spawnp: not the PATH of envp", &j, ENOENT, NULL);
	j.envp = NULL;

	/* Unset: glibc's default, /bin:/usr/bin. */
	with_path(NULL);
	j.file = "true";
	j.no_capture = true;
	j.argv = ARGV("true");
	check_job("posix_spawnp: default PATH finds true", &j, 0, NULL);
	j.file = probe_name;
	check_job("posix_spawnp: default PATH is not the cwd", &j, ENOENT,
		  NULL);
	j.no_capture = false;

	/* Searched in order; EACCES preferred over ENOENT. */
	snprintf(path, sizeof(path), "%s:%s", tmp_path("dirA"),
		 tmp_path("dirB"));
	with_path(path);
	j.file = "pfs-cmd";
	check_job("posix_spawnp: EACCES over a later ENOENT", &j, EACCES,
		  NULL);
	snprintf(path, sizeof(path), "%s:%s:/nonexistent", tmp_path("dirB"),
		 tmp_path("dirA"));
	with_path(path);
	check_job("posix_spawnp: EACCES over an earlier ENOENT", &j, EACCES,
		  NULL);

	snprintf(path, sizeof(path), "%s:%s:%s", tmp_path("data.txt"),
		 tmp_path("dirA"), tmp_path("dirB"));
	with_path(path);
	j.file = "pfs-probe-b";
	j.argv = ARGV("b", "args");
	check_job("posix_spawnp: ENOTDIR and EACCES elements skipped", &j, 0,
		  "argv[0]=b\n");

	/* ENOEXEC stops the search. */
	snprintf(path, sizeof(path), "%s:%s", tmpdir, tmp_path("dirB"));
	with_path(path);
	j.file = "script-noshebang";
	check_job("posix_spawnp: ENOEXEC ends the search", &j, ENOEXEC, NULL);

	/* An empty element is the working directory (of the child). */
	snprintf(path, sizeof(path), "/nonexistent::%s", tmp_path("dirB"));
	with_path(path);
	j.file = probe_name;
	j.argv = ARGV("probe", "cwd");
	j.setup = chdir_tmp;
	check_job("posix_spawnp: empty PATH element, after addchdir", &j, 0,
		  "cwd=/tmp/pfs-test.");
	j.setup = NULL;

	/* A name with a slash is not searched. */
	with_path(tmp_path("dirB"));
	j.file = "dirB/pfs-probe-b";
	check_job("posix_spawnp: relative name with a slash, not searched",
		  &j, ENOENT, NULL);

	with_path(saved);
	free(saved);
}

/* File actions */

static bool chdir_tmp(const struct impl *im, posix_spawn_file_actions_t *fa,
		      posix_spawnattr_t *at)
{
	(void)at;
	return im->addchdir_np && im->addchdir_np(fa, tmpdir) == 0;
}

static bool setup_chdir_relative(const struct impl *im,
				 posix_spawn_file_actions_t *fa,
				 posix_spawnattr_t *at)
{
	(void)at;
	/* chdir, then relative opens see the new directory, in order. */
	return im->addchdir_np && im->addchdir_np(fa, tmpdir) == 0 &&
	       im->addopen(fa, 5, "data.txt", O_RDONLY, 0) == 0 &&
	       im->addchdir_np(fa, "sub") == 0 &&
	       im->addopen(fa, 6, "data.txt", O_RDONLY, 0) == 0 &&
	       im->adddup2(fa, 6, 0) == 0;
}

static bool setup_open_then_dup(const struct impl *im,
				posix_spawn_file_actions_t *fa,
				posix_spawnattr_t *at)
{
	(void)at;
	/* The source of dup2 is the child's descriptor, opened just before. */
	return im->addopen(fa, 7, tmp_path("data.txt"), O_RDONLY, 0) == 0 &&
	       im->adddup2(fa, 7, 0) == 0 && im->addclose(fa, 7) == 0;
}

static bool setup_close_then_dup(const struct impl *im,
				 posix_spawn_file_actions_t *fa,
				 posix_spawnattr_t *at)
{
	(void)at;
	return im->addclose(fa, 0) == 0 && im->adddup2(fa, 0, 9) == 0;
}

static bool setup_open_enoent(const struct impl *im,
			      posix_spawn_file_actions_t *fa,
			      posix_spawnattr_t *at)
{
	(void)at;
	return im->addopen(fa, 5, tmp_path("missing"), O_RDONLY, 0) == 0;
}

static bool setup_chdir_enoent(const struct impl *im,
			       posix_spawn_file_actions_t *fa,
			       posix_spawnattr_t *at)
{
	(void)at;
	return im->addchdir_np && im->addchdir_np(fa, tmp_path("missing")) == 0;
}

static bool setup_fchdir_bad(const struct impl *im,
			     posix_spawn_file_actions_t *fa,
			     posix_spawnattr_t *at)
{
	(void)at;
	return im->addfchdir_np && im->addfchdir_np(fa, -1) == 0;
}

static int dirfd_sub = -1;

static bool setup_fchdir(const struct impl *im, posix_spawn_file_actions_t *fa,
			 posix_spawnattr_t *at)
{
	(void)at;
	return im->addfchdir_np && im->addfchdir_np(fa, dirfd_sub) == 0;
}

static int cloexec_fd = -1, plain_fd = -1;

static bool setup_dup_self(const struct impl *im,
			   posix_spawn_file_actions_t *fa,
			   posix_spawnattr_t *at)
{
	(void)at;
	return im->adddup2(fa, cloexec_fd, cloexec_fd) == 0;
}

static bool setup_closefrom(const struct impl *im,
			    posix_spawn_file_actions_t *fa,
			    posix_spawnattr_t *at)
{
	(void)at;
	return im->addclosefrom_np && im->addclosefrom_np(fa, 3) == 0;
}

static bool setup_close_unopened(const struct impl *im,
				 posix_spawn_file_actions_t *fa,
				 posix_spawnattr_t *at)
{
	(void)at;
	return im->addclose(fa, 200) == 0 && im->addclose(fa, plain_fd) == 0;
}

static bool setup_open_cloexec(const struct impl *im,
			       posix_spawn_file_actions_t *fa,
			       posix_spawnattr_t *at)
{
	(void)at;
	return im->addopen(fa, 11, tmp_path("data.txt"),
			   O_RDONLY | O_CLOEXEC, 0) == 0 &&
	       im->addopen(fa, 12, tmp_path("data.txt"), O_RDONLY, 0) == 0;
}

/* In glibc's child, open() returns the lowest free descriptor. */
static int open_cloexec_above, open_cloexec_fd;

static bool setup_open_cloexec_at(const struct impl *im,
				  posix_spawn_file_actions_t *fa,
				  posix_spawnattr_t *at)
{
	int low = dup(0);

	(void)at;
	close(low);
	open_cloexec_fd = low + open_cloexec_above;
	return im->addopen(fa, open_cloexec_fd, tmp_path("data.txt"),
			   O_RDONLY | O_CLOEXEC, 0) == 0;
}

static bool setup_open_fchdir(const struct impl *im,
			      posix_spawn_file_actions_t *fa,
			      posix_spawnattr_t *at)
{
	(void)at;
	return im->addfchdir_np &&
	       im->addopen(fa, 9, tmp_path("sub"), O_RDONLY | O_DIRECTORY,
			   0) == 0 &&
	       im->addfchdir_np(fa, 9) == 0;
}

static bool setup_close_fchdir(const struct impl *im,
			       posix_spawn_file_actions_t *fa,
			       posix_spawnattr_t *at)
{
	(void)at;
	return im->addfchdir_np && im->addclose(fa, dirfd_sub) == 0 &&
	       im->addfchdir_np(fa, dirfd_sub) == 0;
}

static struct rlimit nofile;

/* addclose(100), then RLIMIT_NOFILE lowered below it. */
static bool setup_close_beyond_limit(const struct impl *im,
				     posix_spawn_file_actions_t *fa,
				     posix_spawnattr_t *at)
{
	struct rlimit low = nofile;
	bool good;

	(void)at;
	low.rlim_cur = 64;
	setrlimit(RLIMIT_NOFILE, &nofile);
	good = im->addclose(fa, 100) == 0;
	return setrlimit(RLIMIT_NOFILE, &low) == 0 && good;
}

/* Whether the "fds:" line of the probe lists @fd. */
static bool has_fd(const char *out, int fd)
{
	const char *p = strstr(out, "fds:");
	char *end;

	for (p = p ? p + 4 : NULL; p && *p == ' '; p = end)
		if (strtol(p + 1, &end, 10) == fd)
			return true;
	return false;
}

/*
 * addopen(O_CLOEXEC) at the lowest free descriptor plus @above: is the
 * descriptor open after the exec, as with glibc?
 */
static void check_open_cloexec(const char *name, int above)
{
	struct job j = { .file = probe, .argv = ARGV("probe", "fds"),
			 .setup = setup_open_cloexec_at };
	struct result *r = calloc(2, sizeof(*r));
	struct pidfd_spawn_np_stats a;

	open_cloexec_above = above;
	pidfd_spawn_np_stats(&a, sizeof(a));
	run_job(&lib, &j, &r[0]);
	check_path(name, &a, 0);
	ok(r[0].ret == 0 && has_fd(r[0].out, open_cloexec_fd) == (above > 0),
	   "%s: descriptor %d %s after the exec", name, open_cloexec_fd,
	   above ? "open" : "closed");
	if (glibc.spawn) {
		run_job(&glibc, &j, &r[1]);
		ok(!strcmp(r[0].out, r[1].out), "%s: same as glibc", name);
	} else {
		skip("glibc not found", "%s: same as glibc", name);
	}
	free(r);
}

static bool setup_open_create(const struct impl *im,
			      posix_spawn_file_actions_t *fa,
			      posix_spawnattr_t *at)
{
	char name[64];

	(void)at;
	snprintf(name, sizeof(name), "created-by-%s", im->name);
	unlink(tmp_path(name));
	/* Over the pipe on 1: the earlier action is replaced, in order. */
	return im->addopen(fa, 1, tmp_path(name), O_WRONLY | O_CREAT | O_EXCL,
			   0600) == 0;
}

static void test_file_actions(void)
{
	struct job j = { .file = probe };
	struct stat st;
	char ref[64];
	int fd, i;

	j.argv = ARGV("probe", "cat", "0");
	j.setup = setup_chdir_relative;
	check_job("chdir then relative open, in order", &j, 0, "sub data\n");

	j.file = "./pfs-probe";
	j.argv = ARGV("probe", "cwd");
	j.setup = chdir_tmp;
	check_job("relative program path after addchdir", &j, 0,
		  "cwd=/tmp/pfs-test.");
	j.file = probe;

	dirfd_sub = open(tmp_path("sub"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	j.argv = ARGV("probe", "cwd");
	j.setup = setup_fchdir;
	check_job_path("addfchdir_np", &j, 0, "/sub\n", 0);
	j.setup = setup_close_fchdir;
	check_job_path("fchdir to a descriptor an earlier close closed", &j,
		       EBADF, NULL, KEY(CWD_FD));
	close(dirfd_sub);

	j.setup = setup_open_fchdir;
	check_job_path("fchdir to a descriptor an earlier open made", &j, 0,
		       "/sub\n", KEY(CWD_FD));

	j.argv = ARGV("probe", "cat", "0");
	j.setup = setup_open_then_dup;
	check_job_path("dup2 from a descriptor an earlier open made", &j, 0,
		       "top data\n", KEY(DUP));

	j.setup = setup_close_then_dup;
	check_job_path("dup2 from a descriptor an earlier close closed", &j,
		       EBADF, NULL, KEY(DUP));

	j.setup = setup_open_enoent;
	check_job_path("failing open", &j, ENOENT, NULL, 0);

	j.setup = setup_chdir_enoent;
	check_job_path("failing chdir", &j, ENOENT, NULL, 0);

	j.setup = setup_fchdir_bad;
	check_job("addfchdir_np(-1): spawn fails", &j, EBADF, NULL);

	/* Inheritance, adddup2(fd, fd), addclose, closefrom. */
	cloexec_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	plain_fd = open("/dev/null", O_RDONLY);
	snprintf(ref, sizeof(ref), " %d", plain_fd);
	j.argv = ARGV("probe", "fds");
	j.setup = NULL;
	{
		struct result r;
		char no[32];

		run_job(&lib, &j, &r);
		/* "fds: 0 1 2 N\n": make every number end in a space. */
		for (char *c = r.out; *c; c++)
			if (*c == '\n')
				*c = ' ';
		strcat(r.out, " ");
		snprintf(ref, sizeof(ref), " %d ", plain_fd);
		snprintf(no, sizeof(no), " %d ", cloexec_fd);
		ok(r.ret == 0 && strstr(r.out, ref) && !strstr(r.out, no),
		   "descriptors without FD_CLOEXEC are inherited, others not");
	}
	check_job("inheritance", &j, 0, NULL);

	j.setup = setup_dup_self;
	snprintf(ref, sizeof(ref), " %d", cloexec_fd);
	check_job_path("adddup2(fd, fd) clears FD_CLOEXEC", &j, 0, ref, 0);

	j.setup = setup_close_unopened;
	check_job("addclose of descriptors not open in the child", &j, 0,
		  "fds: 0 1 2");

	j.setup = setup_closefrom;
	check_job_path("addclosefrom_np(3)", &j, 0, "fds: 0 1 2\n",
		       KEY(CLOSE_RANGE));
	{
		int many[200], k;

		for (k = 0; k < 200; k++)
			many[k] = dup(plain_fd);
		check_job_path("addclosefrom_np(3) with 200 more descriptors",
			       &j, 0, "fds: 0 1 2\n", KEY(CLOSE_RANGE));
		for (k = 0; k < 200; k++)
			close(many[k]);
	}

	/*
	 * glibc honours O_CLOEXEC only when open() lands on the descriptor
	 * asked for (the lowest free one); otherwise dup2() clears it.
	 */
	j.setup = setup_open_cloexec;
	check_job_path("addopen with O_CLOEXEC, as glibc", &j, 0, " 12", 0);
	/*
	 * Close-on-exec descriptors of the caller (the pipe of run_job(),
	 * cloexec_fd) are below the lowest free one, and count.
	 */
	check_open_cloexec("addopen O_CLOEXEC at the lowest free descriptor",
			   0);
	check_open_cloexec("addopen O_CLOEXEC above a free descriptor", 3);
	close(cloexec_fd);
	close(plain_fd);

	getrlimit(RLIMIT_NOFILE, &nofile);
	j.setup = setup_close_beyond_limit;
	check_job_path("addclose beyond a lowered RLIMIT_NOFILE", &j, EBADF,
		       NULL, KEY(DUP));
	setrlimit(RLIMIT_NOFILE, &nofile);

	j.setup = setup_open_create;
	j.argv = ARGV("probe", "args");
	check_job("addopen replaces an earlier action's descriptor", &j, 0,
		  NULL);
	for (i = 0; i < 2; i++) {
		snprintf(ref, sizeof(ref), "created-by-%s",
			 i ? "glibc" : "lib");
		if (i && !glibc.spawn)
			continue;
		fd = open(tmp_path(ref), O_RDONLY);
		ok(fd >= 0 && fstat(fd, &st) == 0 && st.st_size > 0 &&
		   (st.st_mode & 0777) == 0600,
		   "addopen created the file with its mode (%s)", ref);
		if (fd >= 0)
			close(fd);
	}
}

/* Argument checks of the add functions */

static void test_add_checks(void)
{
	const struct impl *ims[] = { &lib, &glibc };
	struct rlimit rl;
	int big, i;

	getrlimit(RLIMIT_NOFILE, &rl);
	big = rl.rlim_cur;

	for (i = 0; i < 2; i++) {
		const struct impl *im = ims[i];
		posix_spawn_file_actions_t fa;
		int r[12], k = 0;

		if (!im->fa_init)
			continue;
		im->fa_init(&fa);
		r[k++] = im->addopen(&fa, -1, "/dev/null", O_RDONLY, 0);
		r[k++] = im->addopen(&fa, big, "/dev/null", O_RDONLY, 0);
		r[k++] = im->addclose(&fa, -1);
		r[k++] = im->addclose(&fa, big);
		r[k++] = im->adddup2(&fa, -1, 1);
		r[k++] = im->adddup2(&fa, 1, -1);
		r[k++] = im->adddup2(&fa, big, 1);
		r[k++] = im->adddup2(&fa, 1, big);
		r[k++] = im->addclosefrom_np(&fa, -1);
		r[k++] = im->addtcsetpgrp_np(&fa, -1);
		r[k++] = im->addtcsetpgrp_np(&fa, big);
		r[k++] = im->addclose(&fa, big - 1);
		ok(r[0] == EBADF && r[1] == EBADF && r[2] == EBADF &&
		   r[3] == EBADF && r[4] == EBADF && r[5] == EBADF &&
		   r[6] == EBADF && r[7] == EBADF && r[8] == EBADF &&
		   r[9] == EBADF && r[10] == EBADF && r[11] == 0,
		   "%s: add functions: EBADF for fd < 0 or >= RLIMIT_NOFILE",
		   im->name);
		ok(im->addfchdir_np(&fa, -1) == 0,
		   "%s: addfchdir_np does not check its descriptor", im->name);
		im->fa_destroy(&fa);
	}

	{
		posix_spawn_file_actions_t fa;

		posix_spawn_file_actions_init(&fa);
		ok(posix_spawn_file_actions_addfchdir(&fa, -1) == EBADF &&
		   posix_spawn_file_actions_addfchdir(&fa, big) == EBADF &&
		   posix_spawn_file_actions_addfchdir(&fa, 0) == 0 &&
		   posix_spawn_file_actions_addchdir(&fa, "/") == 0 &&
		   fa.__used == 2,
		   "POSIX.1-2024 addfchdir checks its descriptor, addchdir");
		posix_spawn_file_actions_destroy(&fa);
	}

	/* Many actions: the array grows. */
	{
		posix_spawn_file_actions_t fa;
		int k, ret = 0;

		posix_spawn_file_actions_init(&fa);
		for (k = 0; k < 1000 && !ret; k++)
			ret = posix_spawn_file_actions_addopen(&fa,
							       3 + k % 50,
							       "/dev/null",
							       O_RDONLY, 0);
		ok(!ret && fa.__used == 1000 && fa.__allocated >= 1000,
		   "1000 actions");
		posix_spawn_file_actions_destroy(&fa);
	}
}

/* Attributes */

static void test_attr_roundtrip(void)
{
	posix_spawnattr_t at;
	struct sched_param sp = { .sched_priority = 5 }, sp2;
	sigset_t s1, s2;
	short flags;
	pid_t pg;
	int pol, cg;

	posix_spawnattr_init(&at);
	posix_spawnattr_getflags(&at, &flags);
	posix_spawnattr_getpgroup(&at, &pg);
	posix_spawnattr_getcgroup_np(&at, &cg);
	ok(flags == 0 && pg == 0 && cg == 0, "attr: init clears everything");

	ok(posix_spawnattr_setflags(&at, 0x200) == EINVAL &&
	   posix_spawnattr_setflags(&at, -1) == EINVAL,
	   "attr: unknown flags are EINVAL");
	ok(posix_spawnattr_setflags(&at, POSIX_SPAWN_RESETIDS |
				    POSIX_SPAWN_SETPGROUP |
				    POSIX_SPAWN_SETSIGDEF |
				    POSIX_SPAWN_SETSIGMASK |
				    POSIX_SPAWN_SETSCHEDPARAM |
				    POSIX_SPAWN_SETSCHEDULER |
				    POSIX_SPAWN_SETSID |
				    POSIX_SPAWN_USEVFORK |
				    POSIX_SPAWN_SETCGROUP) == 0 &&
	   posix_spawnattr_getflags(&at, &flags) == 0 && flags == 0x1ff,
	   "attr: every glibc 2.39 flag is accepted");

	posix_spawnattr_setpgroup(&at, 1234);
	posix_spawnattr_getpgroup(&at, &pg);
	ok(pg == 1234, "attr: pgroup");

	sigemptyset(&s1);
	sigaddset(&s1, SIGUSR1);
	sigaddset(&s1, SIGRTMIN + 2);
	posix_spawnattr_setsigmask(&at, &s1);
	posix_spawnattr_getsigmask(&at, &s2);
	ok(!memcmp(&s1, &s2, sizeof(s1)), "attr: sigmask");
	sigaddset(&s1, SIGHUP);
	posix_spawnattr_setsigdefault(&at, &s1);
	posix_spawnattr_getsigdefault(&at, &s2);
	ok(!memcmp(&s1, &s2, sizeof(s1)), "attr: sigdefault");

	ok(posix_spawnattr_setschedpolicy(&at, SCHED_RR) == 0 &&
	   posix_spawnattr_getschedpolicy(&at, &pol) == 0 && pol == SCHED_RR &&
	   posix_spawnattr_setschedpolicy(&at, SCHED_BATCH) == EINVAL &&
	   posix_spawnattr_setschedpolicy(&at, 42) == EINVAL,
	   "attr: schedpolicy, only OTHER, FIFO and RR");
	posix_spawnattr_setschedparam(&at, &sp);
	posix_spawnattr_getschedparam(&at, &sp2);
	ok(sp2.sched_priority == 5, "attr: schedparam");

	posix_spawnattr_setcgroup_np(&at, 42);
	posix_spawnattr_getcgroup_np(&at, &cg);
	ok(cg == 42 && at.__pad[0] == 42,
	   "attr: cgroup_np, stored where glibc 2.39 stores it");
	ok(posix_spawnattr_destroy(&at) == 0, "attr: destroy");

	if (glibc.setschedpolicy) {
		posix_spawnattr_t g;

		glibc.attr_init(&g);
		ok(glibc.setschedpolicy(&g, SCHED_BATCH) ==
		   posix_spawnattr_setschedpolicy(&at, SCHED_BATCH) &&
		   glibc.setflags(&g, 0x200) ==
		   posix_spawnattr_setflags(&at, 0x200),
		   "attr: argument checks same as glibc");
	}
}

static void (*saved_handler)(int);
static volatile sig_atomic_t caught;

static void on_usr1(int sig)
{
	(void)sig;
	caught++;
}

static volatile int stop_killer;
static pthread_t main_thread;

static void *killer_thread(void *arg)
{
	(void)arg;
	while (!stop_killer) {
		pthread_kill(main_thread, SIGUSR1);
		usleep(100);
	}
	return NULL;
}

static bool setup_sigdef(const struct impl *im, posix_spawn_file_actions_t *fa,
			 posix_spawnattr_t *at)
{
	sigset_t s;

	(void)fa;
	sigemptyset(&s);
	sigaddset(&s, SIGPIPE);
	sigaddset(&s, SIGUSR1);
	return im->setsigdefault(at, &s) == 0 &&
	       im->setflags(at, POSIX_SPAWN_SETSIGDEF) == 0;
}

static bool setup_sigmask(const struct impl *im, posix_spawn_file_actions_t *fa,
			  posix_spawnattr_t *at)
{
	sigset_t s;

	(void)fa;
	sigemptyset(&s);
	sigaddset(&s, SIGHUP);
	sigaddset(&s, SIGRTMIN + 1);
	return im->setsigmask(at, &s) == 0 &&
	       im->setflags(at, POSIX_SPAWN_SETSIGMASK) == 0;
}

static bool setup_sigmask_full(const struct impl *im,
			       posix_spawn_file_actions_t *fa,
			       posix_spawnattr_t *at)
{
	sigset_t s;

	(void)fa;
	sigfillset(&s);
	return im->setsigmask(at, &s) == 0 &&
	       im->setflags(at, POSIX_SPAWN_SETSIGMASK) == 0;
}

/* Every signal that can be ignored but SIGCHLD (waitpid() needs it). */
static bool many_ignored(int sig)
{
	return sig != SIGKILL && sig != SIGSTOP && sig != SIGCHLD &&
	       sig != 32 && sig != 33;
}

static void test_many_ignored(void)
{
	struct job j = { .file = probe, .argv = ARGV("probe", "signals") };
	struct sigaction ign = { .sa_handler = SIG_IGN }, old[65];
	char want[512] = "ignored:";
	int sig;

	for (sig = 1; sig < 65; sig++) {
		if (!many_ignored(sig))
			continue;
		sigaction(sig, &ign, &old[sig]);
		snprintf(want + strlen(want), sizeof(want) - strlen(want),
			 " %d", sig);
	}
	strcat(want, "\n");
	check_job_path("many ignored signals", &j, 0, want, 0);
	j.setup = setup_sigdef;
	check_job_path("many ignored signals, POSIX_SPAWN_SETSIGDEF", &j, 0,
		       "ignored: 1 2 3 4 5 6 7 8 11 12 14 15 16 18 ", 0);
	for (sig = 1; sig < 65; sig++)
		if (many_ignored(sig))
			sigaction(sig, &old[sig], NULL);
}

static void test_signals(void)
{
	struct job j = { .file = probe, .argv = ARGV("probe", "signals") };
	struct sigaction sa;
	sigset_t block, old;
	char want[128];

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	saved_handler = signal(SIGUSR2, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGTERM, SIG_IGN);

	snprintf(want, sizeof(want), "ignored: %d %d %d\n", SIGUSR2, SIGPIPE,
		 SIGTERM);
	check_job("caught signals become SIG_DFL, ignored stay ignored", &j, 0,
		  want);

	j.setup = setup_sigdef;
	snprintf(want, sizeof(want), "ignored: %d %d\n", SIGUSR2, SIGTERM);
	check_job_path("POSIX_SPAWN_SETSIGDEF resets ignored signals", &j, 0,
		       want, 0);

	/* The mask: the caller's, unless SETSIGMASK. */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR2);
	sigaddset(&block, SIGWINCH);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	j.setup = NULL;
	snprintf(want, sizeof(want), "blocked: %d %d\n", SIGUSR2, SIGWINCH);
	check_job("the caller's signal mask is inherited", &j, 0, want);

	j.setup = setup_sigmask;
	snprintf(want, sizeof(want), "blocked: %d %d\n", SIGHUP,
		 SIGRTMIN + 1);
	check_job("POSIX_SPAWN_SETSIGMASK", &j, 0, want);

	j.setup = setup_sigmask_full;
	check_job("POSIX_SPAWN_SETSIGMASK with sigfillset()", &j, 0,
		  "blocked: 1 2 3");
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	/* Signals sent while spawning run the handler in the caller only. */
	{
		pthread_t t;
		int i, bad = 0;
		pid_t pid;

		caught = 0;
		stop_killer = 0;
		main_thread = pthread_self();
		pthread_create(&t, NULL, killer_thread, NULL);
		for (i = 0; i < 100; i++) {
			fflush(stdout);
			if (posix_spawn(&pid, probe, NULL, NULL,
					ARGV("probe", "exit", "0"),
					env_default) != 0) {
				bad++;
				continue;
			}
			while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
		stop_killer = 1;
		pthread_join(t, NULL);
		ok(!bad && caught > 0,
		   "spawning under a stream of caught signals (%d caught)",
		   (int)caught);
	}

	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, saved_handler);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	test_many_ignored();
}

static pid_t pgroup_value;

static bool setup_pgroup(const struct impl *im, posix_spawn_file_actions_t *fa,
			 posix_spawnattr_t *at)
{
	(void)fa;
	return im->setpgroup(at, pgroup_value) == 0 &&
	       im->setflags(at, POSIX_SPAWN_SETPGROUP) == 0;
}

static bool setup_setsid(const struct impl *im, posix_spawn_file_actions_t *fa,
			 posix_spawnattr_t *at)
{
	(void)fa;
	return im->setflags(at, POSIX_SPAWN_SETSID) == 0;
}

static bool setup_setsid_pgroup(const struct impl *im,
				posix_spawn_file_actions_t *fa,
				posix_spawnattr_t *at)
{
	(void)fa;
	return im->setpgroup(at, 0) == 0 &&
	       im->setflags(at, POSIX_SPAWN_SETSID |
			    POSIX_SPAWN_SETPGROUP) == 0;
}

static bool setup_usevfork(const struct impl *im,
			   posix_spawn_file_actions_t *fa,
			   posix_spawnattr_t *at)
{
	(void)fa;
	return im->setflags(at, POSIX_SPAWN_USEVFORK) == 0;
}

static void test_process_attrs(void)
{
	struct job j = { .file = probe, .argv = ARGV("probe", "ids") };

	check_job("no attributes: same group and session", &j, 0,
		  "pgid=parent\nsid=parent\n");

	pgroup_value = 0;
	j.setup = setup_pgroup;
	check_job("POSIX_SPAWN_SETPGROUP 0: own group", &j, 0,
		  "pgid=self\nsid=parent\n");

	pgroup_value = getpgrp();
	check_job("POSIX_SPAWN_SETPGROUP: the caller's group", &j, 0,
		  "pgid=parent\n");

	pgroup_value = 0x3ffffff0;	/* no such group */
	check_job("POSIX_SPAWN_SETPGROUP: a group that does not exist", &j,
		  EPERM, NULL);

	j.setup = setup_setsid;
	check_job("POSIX_SPAWN_SETSID", &j, 0, "pgid=self\nsid=self\n");

	j.setup = setup_setsid_pgroup;
	check_job("POSIX_SPAWN_SETSID with SETPGROUP: EPERM", &j, EPERM,
		  NULL);

	j.setup = setup_usevfork;
	check_job("POSIX_SPAWN_USEVFORK is accepted", &j, 0, "pgid=parent\n");
}

static int sched_policy, sched_prio;
static short sched_flags;

static bool setup_sched(const struct impl *im, posix_spawn_file_actions_t *fa,
			posix_spawnattr_t *at)
{
	struct sched_param sp = { .sched_priority = sched_prio };

	(void)fa;
	return im->setschedpolicy(at, sched_policy) == 0 &&
	       im->setschedparam(at, &sp) == 0 &&
	       im->setflags(at, sched_flags) == 0;
}

static void test_sched(void)
{
	struct job j = { .file = probe, .argv = ARGV("probe", "sched"),
			 .setup = setup_sched };
	char want[64];
	struct result r;

	sched_policy = SCHED_OTHER;
	sched_prio = 0;
	sched_flags = POSIX_SPAWN_SETSCHEDPARAM;
	check_job("POSIX_SPAWN_SETSCHEDPARAM", &j, 0, "policy=0 prio=0\n");

	sched_prio = 5;
	check_job("POSIX_SPAWN_SETSCHEDPARAM: bad priority", &j, EINVAL,
		  NULL);

	sched_policy = SCHED_FIFO;
	sched_prio = 1;
	sched_flags = POSIX_SPAWN_SETSCHEDULER;
	run_job(&lib, &j, &r);
	if (r.ret == EPERM) {
		check_job("POSIX_SPAWN_SETSCHEDULER SCHED_FIFO (not allowed)",
			  &j, EPERM, NULL);
	} else {
		snprintf(want, sizeof(want), "policy=%d prio=1\n", SCHED_FIFO);
		check_job("POSIX_SPAWN_SETSCHEDULER SCHED_FIFO", &j, 0, want);
	}
}

/* POSIX_SPAWN_RESETIDS, as root with a different effective uid. */
static void test_resetids(void)
{
	pid_t helper;
	int status;

	if (geteuid() != 0) {
		skip("not root", "POSIX_SPAWN_RESETIDS");
		return;
	}
	fflush(stdout);
	helper = fork();
	if (helper == 0) {
		posix_spawnattr_t at;
		posix_spawn_file_actions_t fa;
		char out[256] = "";
		int p[2], ret;
		ssize_t n;
		pid_t pid;

		if (setresgid(-1, 65534, 0) < 0 || setresuid(-1, 65534, 0) < 0)
			_exit(3);
		pipe2(p, O_CLOEXEC);
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, p[1], 1);
		posix_spawnattr_init(&at);
		posix_spawnattr_setflags(&at, POSIX_SPAWN_RESETIDS);
		ret = posix_spawn(&pid, probe, &fa, &at, ARGV("probe", "ids"),
				  env_default);
		close(p[1]);
		n = read(p[0], out, sizeof(out) - 1);
		out[n > 0 ? n : 0] = '\0';
		if (ret)
			_exit(4);
		waitpid(pid, NULL, 0);
		_exit(strstr(out, "uid=0 euid=0 gid=0 egid=0") ? 0 : 5);
	}
	waitpid(helper, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "POSIX_SPAWN_RESETIDS: effective ids become the real ones (%d)",
	   WEXITSTATUS(status));
}

/* POSIX_SPAWN_SETCGROUP, in a cgroup v2 hierarchy we can write to. */
static int cgroup_fd = -1;

static bool setup_cgroup(const struct impl *im, posix_spawn_file_actions_t *fa,
			 posix_spawnattr_t *at)
{
	(void)fa;
	return im->setcgroup_np && im->setcgroup_np(at, cgroup_fd) == 0 &&
	       im->setflags(at, POSIX_SPAWN_SETCGROUP) == 0;
}

static void test_cgroup(void)
{
	static const char * const roots[] = {
		"/sys/fs/cgroup/unified", "/sys/fs/cgroup",
	};
	struct job j = { .file = probe, .argv = ARGV("probe", "cgroup"),
			 .setup = setup_cgroup };
	char dir[PATH_MAX], want[PATH_MAX];
	unsigned int i;
	struct stat st;

	dir[0] = '\0';
	for (i = 0; i < ARRAY_SIZE(roots); i++) {
		snprintf(dir, sizeof(dir), "%s/cgroup.procs", roots[i]);
		if (stat(dir, &st) == 0) {
			snprintf(dir, sizeof(dir), "%s/pfs-test-%d", roots[i],
				 (int)getpid());
			if (mkdir(dir, 0755) == 0)
				break;
		}
		dir[0] = '\0';
	}
	if (!dir[0]) {
		skip("no writable cgroup v2 hierarchy",
		     "POSIX_SPAWN_SETCGROUP");
		return;
	}
	cgroup_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	snprintf(want, sizeof(want), "/pfs-test-%d\n", (int)getpid());
	check_job("POSIX_SPAWN_SETCGROUP", &j, 0, want);
	close(cgroup_fd);

	cgroup_fd = 1000;
	check_job("POSIX_SPAWN_SETCGROUP with a bad descriptor", &j, EBADF,
		  NULL);
	rmdir(dir);
}

/* addtcsetpgrp_np, with a pseudo-terminal as controlling terminal. */
static int tty_fd = -1;

static bool setup_tc(const struct impl *im, posix_spawn_file_actions_t *fa,
		     posix_spawnattr_t *at)
{
	return im->addtcsetpgrp_np && im->addtcsetpgrp_np(fa, tty_fd) == 0 &&
	       im->setpgroup(at, 0) == 0 &&
	       im->setflags(at, POSIX_SPAWN_SETPGROUP) == 0;
}

static bool setup_tc_setsid(const struct impl *im,
			    posix_spawn_file_actions_t *fa,
			    posix_spawnattr_t *at)
{
	return im->addtcsetpgrp_np && im->addtcsetpgrp_np(fa, tty_fd) == 0 &&
	       im->setflags(at, POSIX_SPAWN_SETSID) == 0;
}

/*
 * More file actions than one PIDFD_CONFIG_SET_BATCH takes (1024 settings):
 * addclose(20) and adddup2(1, 20) in turn, 1500 of them, the last a dup2.
 */
#define MANY_ACTIONS	1500

static bool setup_many_actions(const struct impl *im,
			       posix_spawn_file_actions_t *fa,
			       posix_spawnattr_t *at)
{
	int i, ret;

	(void)at;
	for (i = 0; i < MANY_ACTIONS; i++) {
		ret = i % 2 ? im->adddup2(fa, 1, 20) : im->addclose(fa, 20);
		if (ret)
			return false;
	}
	return true;
}

static void test_many_actions(void)
{
	struct job j = { .file = probe, .argv = ARGV("probe", "fds"),
			 .setup = setup_many_actions };
	struct result *r = calloc(2, sizeof(*r));
	struct pidfd_spawn_np_stats a;
	const char *name = "1500 file actions, over a batch's 1024";

	pidfd_spawn_np_stats(&a, sizeof(a));
	run_job(&lib, &j, &r[0]);
	check_path(name, &a, 0);
	ok(r[0].ret == 0 && has_fd(r[0].out, 20),
	   "%s: the last one, a dup2, holds", name);
	if (glibc.spawn) {
		run_job(&glibc, &j, &r[1]);
		ok(r[1].ret == 0 && !strcmp(r[0].out, r[1].out),
		   "%s: same as glibc", name);
	} else {
		skip("glibc not found", "%s: same as glibc", name);
	}
	free(r);
}

static void test_tcsetpgrp(void)
{
	int master, status, res[2], counts[4];
	pid_t helper;

	master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
		skip("no pseudo-terminals", "addtcsetpgrp_np");
		return;
	}
	if (pipe2(res, O_CLOEXEC) < 0)
		exit(2);
	fflush(stdout);
	helper = fork();
	if (helper == 0) {
		struct job j = { .file = probe };

		/* A new session whose controlling terminal is the pty. */
		setsid();
		tty_fd = open(ptsname(master), O_RDWR | O_CLOEXEC);
		if (tty_fd < 0 || ioctl(tty_fd, TIOCSCTTY, 0) < 0)
			_exit(99);
		j.argv = ARGV("probe", "tty");
		j.setup = setup_tc;
		check_job_path("addtcsetpgrp_np makes the child's group "
			       "foreground", &j, 0, "foreground=yes\n",
			       KEY(TCSETPGRP));
		j.setup = setup_tc_setsid;
		check_job_path("addtcsetpgrp_np after POSIX_SPAWN_SETSID: "
			       "ENOTTY", &j, ENOTTY, NULL, KEY(TCSETPGRP));
		fflush(stdout);
		counts[0] = n_test;
		counts[1] = n_pass;
		counts[2] = n_fail;
		counts[3] = n_skip;
		if (write(res[1], counts, sizeof(counts)) != sizeof(counts))
			_exit(98);
		_exit(0);
	}
	close(res[1]);
	if (read(res[0], counts, sizeof(counts)) == sizeof(counts)) {
		n_test = counts[0];
		n_pass = counts[1];
		n_fail = counts[2];
		n_skip = counts[3];
	}
	close(res[0]);
	waitpid(helper, &status, 0);
	close(master);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "addtcsetpgrp_np: helper with a controlling terminal");
}

/* pidfd_spawn() and pidfd_getpid() */

static void test_pidfd(void)
{
	posix_spawn_file_actions_t fa;
	char out[64] = "", want[64];
	int pidfd = -1, p[2], ret, before, flags;
	siginfo_t si;
	pid_t pid;
	ssize_t n;

	before = count_fds();
	pipe2(p, O_CLOEXEC);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	fflush(stdout);
	ret = pidfd_spawn(&pidfd, probe, &fa, NULL, ARGV("probe", "pid"),
			  env_default);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	out[n > 0 ? n : 0] = '\0';
	close(p[0]);
	ok(ret == 0 && pidfd >= 0, "pidfd_spawn returns a pidfd");
	pid = pidfd_getpid(pidfd);
	snprintf(want, sizeof(want), "pid=%d\n", (int)pid);
	ok(pid > 0 && !strcmp(out, want), "pidfd_getpid is the child's pid");
	flags = fcntl(pidfd, F_GETFD);
	ok(flags >= 0 && (flags & FD_CLOEXEC), "the pidfd is close-on-exec");
	memset(&si, 0, sizeof(si));
	ok(waitid((idtype_t)P_PIDFD, pidfd, &si, WEXITED) == 0 &&
	   si.si_pid == pid && si.si_code == CLD_EXITED && si.si_status == 0,
	   "waitid(P_PIDFD) reaps the child");
	ok(pidfd_getpid(pidfd) == -1 && errno == ESRCH,
	   "pidfd_getpid of a reaped child: ESRCH");
	close(pidfd);
	ok(count_fds() == before, "no descriptor left");

	ok(pidfd_getpid(-1) == -1 && errno == EBADF &&
	   pidfd_getpid(0) == -1 && errno == EBADF &&
	   pidfd_getpid(999) == -1 && errno == EBADF,
	   "pidfd_getpid: EBADF for -1, a tty/pipe, a closed descriptor");

	pidfd = -77;
	ret = pidfd_spawn(&pidfd, tmp_path("missing"), NULL, NULL,
			  ARGV("x"), env_default);
	ok(ret == ENOENT && pidfd == -77 && !have_children() &&
	   count_fds() == before,
	   "pidfd_spawn failure: error, pidfd untouched, no child or fd");

	/* pidfd_spawnp searches PATH. */
	{
		char *saved = strdup(getenv("PATH") ? getenv("PATH") : "");

		setenv("PATH", tmp_path("dirB"), 1);
		ret = pidfd_spawnp(&pidfd, "pfs-probe-b", NULL, NULL,
				   ARGV("b", "exit", "4"), env_default);
		memset(&si, 0, sizeof(si));
		ok(ret == 0 &&
		   waitid((idtype_t)P_PIDFD, pidfd, &si, WEXITED) == 0 &&
		   si.si_status == 4, "pidfd_spawnp");
		if (ret == 0)
			close(pidfd);
		setenv("PATH", saved, 1);
		free(saved);
	}

	/* A NULL pidfd: no descriptor leaks (glibc would leak it). */
	ret = pidfd_spawn(NULL, probe, NULL, NULL, ARGV("probe", "exit", "0"),
			  env_default);
	ok(ret == 0 && wait(NULL) > 0 && count_fds() == before,
	   "pidfd_spawn with a NULL pidfd closes it");
	posix_spawn_file_actions_destroy(&fa);
}

/* No descriptor free: EMFILE for pidfd_spawn, posix_spawn still works. */
static void test_emfile(void)
{
	int status;
	pid_t helper;

	fflush(stdout);
	helper = fork();
	if (helper == 0) {
		struct rlimit rl = { 64, 64 };
		int pidfd = -5, r1, r2, r3;
		pid_t pid = PID_SENTINEL;
		posix_spawn_file_actions_t fa, gfa;
		int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

		/* The child cannot load its libraries: keep it quiet. */
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, null, 2);
		if (glibc.spawn) {
			glibc.fa_init(&gfa);
			glibc.adddup2(&gfa, null, 2);
		}
		setrlimit(RLIMIT_NOFILE, &rl);
		while (dup(0) >= 0)
			;
		if (errno != EMFILE)
			_exit(10);
		r1 = pidfd_spawn(&pidfd, probe, &fa, NULL,
				 ARGV("probe", "exit", "0"), env_default);
		if (r1 != EMFILE || pidfd != -5 || have_children())
			_exit(11);
		r2 = posix_spawn(&pid, probe, &fa, NULL,
				 ARGV("probe", "exit", "0"), env_default);
		if (r2 != 0 || waitpid(pid, &status, 0) != pid)
			_exit(12);
		r3 = glibc.spawn ? glibc.spawn(&pid, probe, &gfa, NULL,
				ARGV("probe", "exit", "0"), env_default) : 0;
		if (r3 != r2)
			_exit(13);
		if (glibc.spawn)
			waitpid(pid, NULL, 0);
		_exit(0);
	}
	waitpid(helper, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "no free fd: pidfd_spawn EMFILE, posix_spawn as glibc (%d)",
	   WEXITSTATUS(status));
}

/* A SIGCHLD the caller ignores: failures are still reported. */
static void test_sigchld_ignored(void)
{
	struct job j = { .file = tmp_path("missing"), .argv = ARGV("x") };
	sighandler_t old = signal(SIGCHLD, SIG_IGN);

	check_job("SIGCHLD ignored: error still reported", &j, ENOENT, NULL);
	signal(SIGCHLD, old);
}

/* Cancellation: never acted upon inside the spawn. */
static void *cancel_thread(void *arg)
{
	int *rets = arg;
	pid_t pid;

	pthread_cancel(pthread_self());	/* pending from now on */
	rets[0] = posix_spawn(&pid, probe, NULL, NULL,
			      ARGV("probe", "exit", "0"), env_default);
	if (rets[0] == 0)
		rets[2] = pid;
	rets[1] = posix_spawn(&pid, tmp_path("missing"), NULL, NULL,
			      ARGV("x"), env_default);
	rets[3] = 1;		/* both returned */
	pthread_testcancel();
	rets[3] = 2;		/* not reached */
	return NULL;
}

static void test_cancel(void)
{
	int rets[4] = { -1, -1, 0, 0 };
	pthread_t t;
	void *res;

	fflush(stdout);
	pthread_create(&t, NULL, cancel_thread, rets);
	pthread_join(t, &res);
	if (rets[2] > 0)
		waitpid(rets[2], NULL, 0);
	ok(res == PTHREAD_CANCELED && rets[3] == 1 && rets[0] == 0 &&
	   rets[1] == ENOENT,
	   "a pending cancellation is not acted upon inside posix_spawn");
}

/* Many threads spawning at once. */
#define N_THREADS	8
#define N_SPAWNS	40

static void *spawn_thread(void *arg)
{
	long id = (long)arg, bad = 0;
	int i, status, pidfd;
	siginfo_t si;
	pid_t pid;
	char code[8];

	snprintf(code, sizeof(code), "%ld", id);
	for (i = 0; i < N_SPAWNS; i++) {
		if (i % 2) {
			if (posix_spawn(&pid, probe, NULL, NULL,
					ARGV("probe", "exit", code),
					env_default) ||
			    waitpid(pid, &status, 0) != pid ||
			    WEXITSTATUS(status) != id)
				bad++;
		} else {
			memset(&si, 0, sizeof(si));
			if (pidfd_spawn(&pidfd, probe, NULL, NULL,
					ARGV("probe", "exit", code),
					env_default) ||
			    waitid((idtype_t)P_PIDFD, pidfd, &si, WEXITED) ||
			    si.si_status != id)
				bad++;
			else
				close(pidfd);
		}
		if (posix_spawn(&pid, tmp_path("missing"), NULL, NULL,
				ARGV("x"), env_default) != ENOENT)
			bad++;
	}
	return (void *)bad;
}

static void test_threads(void)
{
	pthread_t t[N_THREADS];
	long i, bad = 0;
	void *res;
	int before = count_fds();

	fflush(stdout);
	for (i = 0; i < N_THREADS; i++)
		pthread_create(&t[i], NULL, spawn_thread, (void *)(i + 1));
	for (i = 0; i < N_THREADS; i++) {
		pthread_join(t[i], &res);
		bad += (long)res;
	}
	ok(!bad && !have_children() && count_fds() == before,
	   "%d threads x %d spawns at once (%ld failures)", N_THREADS,
	   N_SPAWNS * 2, bad);
}

/* Which path the library took */

static void test_path_taken(void)
{
	struct pidfd_spawn_np_stats a, b;
	const char *force = getenv("PIDFD_SPAWN_FORCE_FALLBACK");
	const char *expect = getenv("EXPECT_PATH");
	pid_t pid;

	if (force && *force && strcmp(force, "0"))
		expect = "fallback";

	pidfd_spawn_np_stats(&a, sizeof(a));
	posix_spawn(&pid, probe, NULL, NULL, ARGV("probe", "exit", "0"),
		    env_default);
	waitpid(pid, NULL, 0);
	pidfd_spawn_np_stats(&b, sizeof(b));
	ok(b.clone_empty + b.fallback == a.clone_empty + a.fallback + 1,
	   "pidfd_spawn_np_stats counts each spawn once");
	diag("stats: clone_empty=%llu fallback=%llu",
	     (unsigned long long)b.clone_empty,
	     (unsigned long long)b.fallback);
	if (!expect || !*expect) {
		skip("EXPECT_PATH not set",
		     "plain spawn took the expected path (%s)",
		     b.clone_empty > a.clone_empty ? "clone_empty" : "fallback");
	} else if (!strcmp(expect, "clone_empty")) {
		ok(b.clone_empty == a.clone_empty + 1,
		   "plain spawn took path=clone_empty");
	} else {
		ok(b.fallback == a.fallback + 1, "plain spawn took path=%s",
		   expect);
	}
	ok(pidfd_spawn_np_stats(NULL, 0) == -1 && errno == EINVAL,
	   "pidfd_spawn_np_stats(NULL): EINVAL");
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	glibc_init();
	fixtures();
	probe_kernel();
	forced = getenv("PIDFD_SPAWN_FORCE_FALLBACK") &&
		 strcmp(getenv("PIDFD_SPAWN_FORCE_FALLBACK"), "") &&
		 strcmp(getenv("PIDFD_SPAWN_FORCE_FALLBACK"), "0");
	expect_clone_empty = !forced && getenv("EXPECT_PATH") &&
			     !strcmp(getenv("EXPECT_PATH"), "clone_empty");
	diag_kernel();
	diag("probe: %s, scratch: %s, glibc comparison: %s", probe, tmpdir,
	     glibc.spawn ? "yes" : "no");

	test_path_taken();
	test_basic();
	test_null_envp();
	test_exec_errors();
	test_path();
	test_file_actions();
	test_add_checks();
	test_attr_roundtrip();
	test_signals();
	test_process_attrs();
	test_sched();
	test_resetids();
	test_cgroup();
	test_tcsetpgrp();
	test_many_actions();
	test_pidfd();
	test_emfile();
	test_sigchld_ignored();
	test_cancel();
	test_threads();

	cleanup_fixtures();
	printf("1..%d\n", n_test);
	if (n_skip)
		diag("%d skipped", n_skip);
	printf("# pidfd_spawn lib: %d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
