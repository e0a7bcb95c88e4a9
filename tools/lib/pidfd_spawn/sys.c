// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The system calls of the CLONE_EMPTY path.  Kept apart so that
 * tests/new_path_test.c can replace them with a scripted kernel.
 */
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

pid_t pfs_sys_clone3_empty(struct pfs_clone_args *args, size_t size)
{
	return syscall(__NR_clone3, args, size);
}

int pfs_sys_pidfd_config(int pidfd, unsigned int cmd, const char *key,
			 const void *value, int aux)
{
	return syscall(__NR_pidfd_config, pidfd, cmd, key, value, aux);
}
