// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * posix_spawnattr_t: initialisation and the get/set pairs.
 *
 * The object keeps glibc's layout, field for field, with the cgroup file
 * descriptor of POSIX_SPAWN_SETCGROUP in the first padding word as in
 * glibc 2.39.  An attribute object is plain data: nothing to free.
 */
#include <errno.h>
#include <sched.h>
#include <string.h>

#include "internal.h"

#define PFS_ALL_FLAGS (POSIX_SPAWN_RESETIDS | POSIX_SPAWN_SETPGROUP |	\
		       POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK |	\
		       POSIX_SPAWN_SETSCHEDPARAM |			\
		       POSIX_SPAWN_SETSCHEDULER | POSIX_SPAWN_SETSID |	\
		       POSIX_SPAWN_USEVFORK | POSIX_SPAWN_SETCGROUP)

_Static_assert(sizeof(posix_spawnattr_t) == 336 || sizeof(void *) != 8,
	       "posix_spawnattr_t must keep glibc's size");
_Static_assert(offsetof(posix_spawnattr_t, __pad) ==
	       offsetof(posix_spawnattr_t, __policy) + sizeof(int),
	       "the cgroup word must follow __policy as in glibc 2.39");

PFS_EXPORT int posix_spawnattr_init(posix_spawnattr_t *attr)
{
	memset(attr, 0, sizeof(*attr));
	return 0;
}

PFS_EXPORT int posix_spawnattr_destroy(posix_spawnattr_t *attr)
{
	(void)attr;
	return 0;
}

PFS_EXPORT int posix_spawnattr_getflags(const posix_spawnattr_t *attr,
					short *flags)
{
	*flags = attr->__flags;
	return 0;
}

PFS_EXPORT int posix_spawnattr_setflags(posix_spawnattr_t *attr, short flags)
{
	if (flags & ~PFS_ALL_FLAGS)
		return EINVAL;
	attr->__flags = flags;
	return 0;
}

PFS_EXPORT int posix_spawnattr_getpgroup(const posix_spawnattr_t *attr,
					 pid_t *pgroup)
{
	*pgroup = attr->__pgrp;
	return 0;
}

PFS_EXPORT int posix_spawnattr_setpgroup(posix_spawnattr_t *attr,
					 pid_t pgroup)
{
	attr->__pgrp = pgroup;
	return 0;
}

PFS_EXPORT int posix_spawnattr_getsigmask(const posix_spawnattr_t *attr,
					  sigset_t *sigmask)
{
	memcpy(sigmask, &attr->__ss, sizeof(sigset_t));
	return 0;
}

PFS_EXPORT int posix_spawnattr_setsigmask(posix_spawnattr_t *attr,
					  const sigset_t *sigmask)
{
	memcpy(&attr->__ss, sigmask, sizeof(sigset_t));
	return 0;
}

PFS_EXPORT int posix_spawnattr_getsigdefault(const posix_spawnattr_t *attr,
					     sigset_t *sigdefault)
{
	memcpy(sigdefault, &attr->__sd, sizeof(sigset_t));
	return 0;
}

PFS_EXPORT int posix_spawnattr_setsigdefault(posix_spawnattr_t *attr,
					     const sigset_t *sigdefault)
{
	memcpy(&attr->__sd, sigdefault, sizeof(sigset_t));
	return 0;
}

PFS_EXPORT int posix_spawnattr_getschedpolicy(const posix_spawnattr_t *attr,
					      int *schedpolicy)
{
	*schedpolicy = attr->__policy;
	return 0;
}

PFS_EXPORT int posix_spawnattr_setschedpolicy(posix_spawnattr_t *attr,
					      int schedpolicy)
{
	/* The policies POSIX defines, as glibc checks. */
	if (schedpolicy != SCHED_OTHER && schedpolicy != SCHED_FIFO &&
	    schedpolicy != SCHED_RR)
		return EINVAL;
	attr->__policy = schedpolicy;
	return 0;
}

PFS_EXPORT int posix_spawnattr_getschedparam(const posix_spawnattr_t *attr,
					     struct sched_param *schedparam)
{
	memcpy(schedparam, &attr->__sp, sizeof(struct sched_param));
	return 0;
}

PFS_EXPORT int posix_spawnattr_setschedparam(posix_spawnattr_t *attr,
					     const struct sched_param *schedparam)
{
	memcpy(&attr->__sp, schedparam, sizeof(struct sched_param));
	return 0;
}

PFS_EXPORT int posix_spawnattr_getcgroup_np(const posix_spawnattr_t *attr,
					    int *cgroup)
{
	*cgroup = pfs_attr_cgroup(attr);
	return 0;
}

PFS_EXPORT int posix_spawnattr_setcgroup_np(posix_spawnattr_t *attr,
					    int cgroup)
{
	pfs_attr_cgroup(attr) = cgroup;
	return 0;
}
