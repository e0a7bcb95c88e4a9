/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The entry points of libpidfd_spawn under names of their own
 * (the comment at the top of libspawn.c
 * explains why).
 */
#ifndef __BENCH_LIBSPAWN_H
#define __BENCH_LIBSPAWN_H

#include <sys/types.h>

int bench_lib_posix_spawn(pid_t *pid, const char *path, char *const argv[],
			  char *const envp[]);
int bench_lib_pidfd_spawn(int *pidfd, const char *path, char *const argv[],
			  char *const envp[]);
int bench_lib_stats(unsigned long long *clone_empty,
		    unsigned long long *fallback);

#endif /* __BENCH_LIBSPAWN_H */
