// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * posix_spawn_file_actions_t: an ordered list of actions, carried out in the
 * child before it executes the program.
 *
 * The object keeps glibc's layout (__allocated, __used, __actions); the
 * array holds struct pfs_action records.  A zero-filled object is a valid
 * empty list, as with glibc.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

_Static_assert(sizeof(posix_spawn_file_actions_t) == 80 ||
	       sizeof(void *) != 8,
	       "posix_spawn_file_actions_t must keep glibc's size");

/*
 * A descriptor argument is valid if it is not negative and below the
 * RLIMIT_NOFILE soft limit (sysconf(_SC_OPEN_MAX)), as POSIX requires of
 * the add functions and as glibc checks.
 */
int pfs_valid_fd(int fd)
{
	long maxfd;

	if (fd < 0)
		return 0;
	maxfd = sysconf(_SC_OPEN_MAX);
	return maxfd < 0 || fd < maxfd;
}

/* Returns a new record at the end of the list, or NULL without memory. */
static struct pfs_action *pfs_fa_append(posix_spawn_file_actions_t *fa)
{
	struct pfs_action *actions = (struct pfs_action *)(void *)fa->__actions;

	if (fa->__used == fa->__allocated) {
		int alloc = fa->__allocated + 8;

		actions = realloc(actions, alloc * sizeof(*actions));
		if (!actions)
			return NULL;
		fa->__actions = (void *)actions;
		fa->__allocated = alloc;
	}
	memset(&actions[fa->__used], 0, sizeof(*actions));
	return &actions[fa->__used++];
}

PFS_EXPORT int posix_spawn_file_actions_init(posix_spawn_file_actions_t *fa)
{
	memset(fa, 0, sizeof(*fa));
	return 0;
}

PFS_EXPORT int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *fa)
{
	struct pfs_action *actions = (struct pfs_action *)(void *)fa->__actions;
	int i;

	for (i = 0; i < fa->__used; i++)
		free(actions[i].path);
	free(actions);
	return 0;
}

PFS_EXPORT int posix_spawn_file_actions_addopen(posix_spawn_file_actions_t *fa,
						int fd, const char *path,
						int oflag, mode_t mode)
{
	struct pfs_action *act;
	char *copy;

	if (!pfs_valid_fd(fd))
		return EBADF;
	copy = strdup(path);
	if (!copy)
		return ENOMEM;
	act = pfs_fa_append(fa);
	if (!act) {
		free(copy);
		return ENOMEM;
	}
	act->tag = PFS_ACT_OPEN;
	act->fd = fd;
	act->path = copy;
	act->oflag = oflag;
	act->mode = mode;
	return 0;
}

PFS_EXPORT int posix_spawn_file_actions_addclose(posix_spawn_file_actions_t *fa,
						 int fd)
{
	struct pfs_action *act;

	if (!pfs_valid_fd(fd))
		return EBADF;
	act = pfs_fa_append(fa);
	if (!act)
		return ENOMEM;
	act->tag = PFS_ACT_CLOSE;
	act->fd = fd;
	return 0;
}

PFS_EXPORT int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *fa,
						int fd, int newfd)
{
	struct pfs_action *act;

	if (!pfs_valid_fd(fd) || !pfs_valid_fd(newfd))
		return EBADF;
	act = pfs_fa_append(fa);
	if (!act)
		return ENOMEM;
	act->tag = PFS_ACT_DUP2;
	act->fd = fd;
	act->newfd = newfd;
	return 0;
}

static int pfs_add_chdir(posix_spawn_file_actions_t *fa, const char *path)
{
	struct pfs_action *act;
	char *copy;

	copy = strdup(path);
	if (!copy)
		return ENOMEM;
	act = pfs_fa_append(fa);
	if (!act) {
		free(copy);
		return ENOMEM;
	}
	act->tag = PFS_ACT_CHDIR;
	act->path = copy;
	return 0;
}

PFS_EXPORT int
posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *fa,
				     const char *path)
{
	return pfs_add_chdir(fa, path);
}

PFS_EXPORT int
posix_spawn_file_actions_addchdir(posix_spawn_file_actions_t *fa,
				  const char *path)
{
	return pfs_add_chdir(fa, path);
}

static int pfs_add_fchdir(posix_spawn_file_actions_t *fa, int fd)
{
	struct pfs_action *act;

	act = pfs_fa_append(fa);
	if (!act)
		return ENOMEM;
	act->tag = PFS_ACT_FCHDIR;
	act->fd = fd;
	return 0;
}

/* glibc does not check the descriptor here: the spawn fails with EBADF. */
PFS_EXPORT int
posix_spawn_file_actions_addfchdir_np(posix_spawn_file_actions_t *fa, int fd)
{
	return pfs_add_fchdir(fa, fd);
}

/* POSIX.1-2024 requires EBADF for a negative or too large descriptor. */
PFS_EXPORT int
posix_spawn_file_actions_addfchdir(posix_spawn_file_actions_t *fa, int fd)
{
	if (!pfs_valid_fd(fd))
		return EBADF;
	return pfs_add_fchdir(fa, fd);
}

PFS_EXPORT int
posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *fa,
					 int from)
{
	struct pfs_action *act;

	if (!pfs_valid_fd(from))
		return EBADF;
	act = pfs_fa_append(fa);
	if (!act)
		return ENOMEM;
	act->tag = PFS_ACT_CLOSEFROM;
	act->fd = from;
	return 0;
}

PFS_EXPORT int
posix_spawn_file_actions_addtcsetpgrp_np(posix_spawn_file_actions_t *fa,
					 int tcfd)
{
	struct pfs_action *act;

	if (!pfs_valid_fd(tcfd))
		return EBADF;
	act = pfs_fa_append(fa);
	if (!act)
		return ENOMEM;
	act->tag = PFS_ACT_TCSETPGRP;
	act->fd = tcfd;
	return 0;
}
