/*
 * pidfd_config_example.c: run PROGRAM with its standard output in
 * OUTFILE, in an empty process created with clone3(CLONE_EMPTY).
 * A PROGRAM without a slash is looked for in a few directories: the
 * process is committed again after each ENOENT.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>        /* struct clone_args, CLONE_PIDFD */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* From this kernel's headers; the C library does not have them. */
#ifndef CLONE_EMPTY
#define CLONE_EMPTY                 0x4000000000ULL
#endif
#ifndef __NR_pidfd_config
#define __NR_pidfd_config           480
#endif
#ifndef PIDFD_CONFIG_SET_FLAG
#define PIDFD_CONFIG_SET_FLAG       0
#define PIDFD_CONFIG_SET_STRING     1
#define PIDFD_CONFIG_SET_BINARY     2
#define PIDFD_CONFIG_SET_PATH       3
#define PIDFD_CONFIG_SET_PATH_EMPTY 4
#define PIDFD_CONFIG_SET_FD         5
#define PIDFD_CONFIG_SET_INT        6
#define PIDFD_CONFIG_CMD_EXEC       7
#define PIDFD_CONFIG_CMD_ABORT      8
#endif
#ifndef PIDFD_CONFIG_OPEN_SIZE_VER0
struct pidfd_config_open {
    __aligned_u64 path;
    __u32         flags;
    __u32         mode;
    __u64         reserved;
};
#define PIDFD_CONFIG_OPEN_SIZE_VER0 24
#endif
#ifndef P_PIDFD
#define P_PIDFD                     3
#endif

extern char **environ;

static int
pidfd_config(int pidfd, unsigned int cmd, const char *key,
             const void *value, int aux)
{
    return syscall(__NR_pidfd_config, pidfd, cmd, key, value, aux);
}

/* Exiting closes the builder, which terminates a parked child. */
static void
fail(const char *what)
{
    perror(what);
    exit(EXIT_FAILURE);
}

int
main(int argc, char *argv[])
{
    static const char *const dirs[] = {
        "/usr/local/bin", "/usr/bin", "/bin",
    };
    struct pidfd_config_open devnull;
    struct clone_args args;
    char exe[4096];
    siginfo_t info;
    int err, out, pidfd;
    size_t d, ndirs;
    pid_t pid;

    if (argc < 3) {
        fprintf(stderr, "Usage: %s OUTFILE PROGRAM [ARG]...\n",
                argv[0]);
        exit(EXIT_FAILURE);
    }
    out = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out == -1)
        fail(argv[1]);

    /* An empty process: no memory, no files, parked until committed. */
    memset(&args, 0, sizeof(args));
    args.flags = CLONE_EMPTY | CLONE_PIDFD;
    args.pidfd = (uintptr_t) &pidfd;
    args.exit_signal = SIGCHLD;
    pid = syscall(SYS_clone3, &args, sizeof(args));
    if (pid == -1)
        fail("clone3");     /* EINVAL: a kernel without CLONE_EMPTY */

    /* fd 0: /dev/null, opened by the child at the commit. */
    memset(&devnull, 0, sizeof(devnull));
    devnull.path = (uintptr_t) "/dev/null";
    devnull.flags = O_RDONLY;
    if (pidfd_config(pidfd, PIDFD_CONFIG_SET_BINARY, "fd:0",
                     &devnull, sizeof(devnull)) == -1)
        fail("fd:0");

    /* fd 1: OUTFILE; fd 2: our standard error.  Referenced now. */
    if (pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, "fd:1", NULL,
                     out) == -1)
        fail("fd:1");
    if (pidfd_config(pidfd, PIDFD_CONFIG_SET_FD, "fd:2", NULL,
                     STDERR_FILENO) == -1)
        fail("fd:2");
    close(out);

    /* argv and envp start empty: append one string at a time. */
    for (int i = 2; i < argc; i++)
        if (pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, "argv",
                         argv[i], 0) == -1)
            fail("argv");
    for (char **e = environ; *e != NULL; e++)
        if (pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, "envp",
                         *e, 0) == -1)
            fail("envp");

    /*
     * Commit.  After a failed exec the child is still parked, with its
     * descriptors in place: set "exe" again and commit again.
     */
    ndirs = sizeof(dirs) / sizeof(dirs[0]);
    if (strchr(argv[2], '/') != NULL)
        ndirs = 1;
    err = ENOENT;
    for (d = 0; d < ndirs && err == ENOENT; d++) {
        if (ndirs == 1)
            snprintf(exe, sizeof(exe), "%s", argv[2]);
        else
            snprintf(exe, sizeof(exe), "%s/%s", dirs[d], argv[2]);
        if (pidfd_config(pidfd, PIDFD_CONFIG_SET_STRING, "exe",
                         exe, 0) == -1) {
            /* ESRCH after a commit: a step before the exec failed. */
            if (errno != ESRCH || d == 0)
                fail("exe");
            break;
        }
        err = 0;
        if (pidfd_config(pidfd, PIDFD_CONFIG_CMD_EXEC,
                         NULL, NULL, 0) == -1)
            err = errno;
    }

    if (err != 0) {
        fprintf(stderr, "%s: %s\n", argv[2], strerror(err));
        /* ESRCH: a step before the exec failed, the child is dead. */
        if (pidfd_config(pidfd, PIDFD_CONFIG_CMD_ABORT,
                         NULL, NULL, 0) == -1 && errno != ESRCH)
            fail("abort");
    }

    /* Reap the child, whether it ran the program or not. */
    if (waitid(P_PIDFD, pidfd, &info, WEXITED) == -1)
        fail("waitid");
    close(pidfd);

    if (err != 0)
        exit(EXIT_FAILURE);
    if (info.si_code == CLD_EXITED) {
        printf("%s: pid %d exited with status %d\n",
               exe, (int) pid, info.si_status);
        exit(info.si_status == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
    }
    printf("%s: pid %d killed by %s\n",
           exe, (int) pid, strsignal(info.si_status));
    exit(EXIT_FAILURE);
}
