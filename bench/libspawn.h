/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The entry points of libpidfd_spawn under names of their own
 * (the comment at the top of libspawn.c
 * explains why).
 */
#ifndef __BENCH_LIBSPAWN_H
#define __BENCH_LIBSPAWN_H

#include <sys/types.h>

struct bench_shape;

/*
 * The file actions and attributes the two spawn functions pass from now
 * on, built by the library's own functions (NULL: none, the default).
 * Returns 0 or an errno value.
 */
int bench_lib_set_shape(const struct bench_shape *shape);
int bench_lib_posix_spawn(pid_t *pid, const char *path, char *const argv[],
			  char *const envp[]);
int bench_lib_pidfd_spawn(int *pidfd, const char *path, char *const argv[],
			  char *const envp[]);
int bench_lib_stats(unsigned long long *clone_empty,
		    unsigned long long *fallback);

#endif /* __BENCH_LIBSPAWN_H */
