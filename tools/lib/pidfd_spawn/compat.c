// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * glibc's compatibility versions of posix_spawn() and posix_spawnp(), for
 * programs linked against glibc before 2.15: when the exec fails with
 * ENOEXEC (a file the kernel does not recognise, such as a script without
 * "#!"), they run the file with /bin/sh, as execvp() does.  glibc 2.15
 * stopped doing that in the default versions; references made before still
 * name the old version, GLIBC_2.2.5 on x86-64, the only architecture built
 * with this file (see the Makefile and libpidfd_spawn-x86_64.map).  Only the
 * shared library has them: a static link has no symbol versions.
 *
 * The functions' own names are removed from the symbol table (".symver ...,
 * remove"): only the versioned names are exported.
 */
#include "internal.h"

#if defined(__x86_64__) && defined(__LP64__)

PFS_EXPORT int pfs_compat_posix_spawn(pid_t *pid, const char *path,
				      const posix_spawn_file_actions_t *fa,
				      const posix_spawnattr_t *attr,
				      char *const argv[], char *const envp[])
{
	return pfs_spawn(pid, path, fa, attr, argv, envp, PFS_SPAWN_TRY_SHELL);
}

__asm__(".symver pfs_compat_posix_spawn, posix_spawn@GLIBC_2.2.5, remove");

PFS_EXPORT int pfs_compat_posix_spawnp(pid_t *pid, const char *file,
				       const posix_spawn_file_actions_t *fa,
				       const posix_spawnattr_t *attr,
				       char *const argv[], char *const envp[])
{
	return pfs_spawn(pid, file, fa, attr, argv, envp,
			 PFS_SPAWN_SEARCH | PFS_SPAWN_TRY_SHELL);
}

__asm__(".symver pfs_compat_posix_spawnp, posix_spawnp@GLIBC_2.2.5, remove");

#endif
