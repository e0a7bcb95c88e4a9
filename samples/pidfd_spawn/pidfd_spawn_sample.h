/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every sample needs of the interface: fallback definitions for
 * headers that predate it, and the system call wrappers glibc lacks.
 *
 * <linux/pidfd.h> is not included: it pulls in <linux/fcntl.h>, which
 * clashes with glibc's <fcntl.h>.  The values are those of
 * include/uapi/linux/pidfd.h and include/uapi/linux/sched.h.
 */
#ifndef PIDFD_SPAWN_SAMPLE_H
#define PIDFD_SPAWN_SAMPLE_H

#include <sys/syscall.h>
#include <unistd.h>

#include <linux/sched.h>
#include <linux/types.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD			0x00001000
#endif
#ifndef CLONE_EMPTY
#define CLONE_EMPTY			0x4000000000ULL	/* 1ULL << 38 */
#endif
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal		424
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
#ifndef PIDFD_SIGNAL_PROCESS_GROUP
#define PIDFD_SIGNAL_PROCESS_GROUP	4	/* 1UL << 2 */
#endif
#ifndef PIDFD_CONFIG_SET_FLAG
#define PIDFD_CONFIG_SET_FLAG		0
#define PIDFD_CONFIG_SET_STRING		1
#define PIDFD_CONFIG_SET_BINARY		2
#define PIDFD_CONFIG_SET_PATH		3
#define PIDFD_CONFIG_SET_PATH_EMPTY	4
#define PIDFD_CONFIG_SET_FD		5
#define PIDFD_CONFIG_SET_INT		6
#define PIDFD_CONFIG_CMD_EXEC		7
#define PIDFD_CONFIG_CMD_ABORT		8
#endif
#ifndef PIDFD_CONFIG_OPEN_SIZE_VER0
#define PIDFD_CONFIG_OPEN_SIZE_VER0	24
struct pidfd_config_open {
	__aligned_u64 path;
	__u32 flags;
	__u32 mode;
	__u64 reserved;
};
#endif

static inline pid_t sys_clone3(struct clone_args *args)
{
	return syscall(__NR_clone3, args, sizeof(*args));
}

static inline int sys_pidfd_config(int pidfd, unsigned int cmd,
				   const char *key, const void *value, int aux)
{
	return syscall(__NR_pidfd_config, pidfd, cmd, key, value, aux);
}

static inline int sys_pidfd_send_signal(int pidfd, int sig,
					unsigned int flags)
{
	return syscall(__NR_pidfd_send_signal, pidfd, sig, NULL, flags);
}

#endif /* PIDFD_SPAWN_SAMPLE_H */
