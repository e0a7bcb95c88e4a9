// SPDX-License-Identifier: GPL-2.0
/*
 * The entry points of libpidfd_spawn, under names of their own
 *
 * The benchmark compares glibc's posix_spawn() with libpidfd_spawn's in
 * one process, but both define posix_spawn.  The Makefile links this file
 * with libpidfd_spawn.a into one relocatable object (ld -r) and then makes
 * every symbol of that object local except the bench_lib_* functions
 * below (objcopy --keep-global-symbol).  The library's posix_spawn is
 * then resolved inside the object, at link time, and invisible outside
 * it: the benchmark's own calls to posix_spawn bind to glibc.  No dynamic
 * loading, no symbol interposition, and the library code is the one
 * "make lib" built.  The objects of a request shape (shape.h) are built
 * here too, by the library's posix_spawn_file_actions_* and
 * posix_spawnattr_* functions, bound the same way.
 */
#define _GNU_SOURCE
#include <spawn.h>
#include <sys/types.h>

#include "pidfd_spawn.h"
#include "libspawn.h"
#include "shape.h"

static struct bench_objs objs;

int bench_lib_set_shape(const struct bench_shape *shape)
{
	return shape_objs(shape, &objs);
}

int bench_lib_posix_spawn(pid_t *pid, const char *path, char *const argv[],
			  char *const envp[])
{
	return posix_spawn(pid, path, objs.fap, objs.attrp, argv, envp);
}

int bench_lib_pidfd_spawn(int *pidfd, const char *path, char *const argv[],
			  char *const envp[])
{
	return pidfd_spawn(pidfd, path, objs.fap, objs.attrp, argv, envp);
}

int bench_lib_stats(unsigned long long *clone_empty,
		    unsigned long long *fallback)
{
	struct pidfd_spawn_np_stats st;

	if (pidfd_spawn_np_stats(&st, sizeof(st)))
		return -1;
	*clone_empty = st.clone_empty;
	*fallback = st.fallback;
	return 0;
}
