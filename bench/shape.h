/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Request shapes: the file actions and attributes of a measured spawn
 *
 * A shape is described once (spawnbench.c) and turned into
 * posix_spawn_file_actions_t and posix_spawnattr_t objects twice: in
 * spawnbench.c, where the posix_spawn_* functions below bind to glibc,
 * and in libspawn.c, where they bind to libpidfd_spawn (see the comment
 * at the top of libspawn.c).  The two implementations must not share
 * objects, so the builder is this one header, compiled into both.
 */
#ifndef __BENCH_SHAPE_H
#define __BENCH_SHAPE_H

#include <signal.h>
#include <spawn.h>
#include <stdbool.h>

#define SHAPE_MAX_DUPS	3

struct bench_shape {
	const char *name;
	int ndups;			/* adddup2(dup_from[i], i) */
	int dup_from[SHAPE_MAX_DUPS];
	int closefrom;			/* addclosefrom_np(closefrom) if >= 0 */
	short flags;			/* POSIX_SPAWN_*; 0: no attributes */
	sigset_t sigmask;		/* with POSIX_SPAWN_SETSIGMASK */
	sigset_t sigdefault;		/* with POSIX_SPAWN_SETSIGDEF */
};

/* The objects of one shape; NULL pointers where the shape has none. */
struct bench_objs {
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	const posix_spawn_file_actions_t *fap;
	const posix_spawnattr_t *attrp;
};

static inline bool shape_has_actions(const struct bench_shape *s)
{
	return s->ndups || s->closefrom >= 0;
}

static inline int shape_actions(const struct bench_shape *s,
				posix_spawn_file_actions_t *fa)
{
	int i, err;

	err = posix_spawn_file_actions_init(fa);
	for (i = 0; !err && i < s->ndups; i++)
		err = posix_spawn_file_actions_adddup2(fa, s->dup_from[i], i);
	if (!err && s->closefrom >= 0)
		err = posix_spawn_file_actions_addclosefrom_np(fa,
							       s->closefrom);
	return err;
}

static inline int shape_attr(const struct bench_shape *s,
			     posix_spawnattr_t *attr)
{
	int err;

	err = posix_spawnattr_init(attr);
	if (!err)
		err = posix_spawnattr_setflags(attr, s->flags);
	if (!err && (s->flags & POSIX_SPAWN_SETPGROUP))
		err = posix_spawnattr_setpgroup(attr, 0);
	if (!err && (s->flags & POSIX_SPAWN_SETSIGMASK))
		err = posix_spawnattr_setsigmask(attr, &s->sigmask);
	if (!err && (s->flags & POSIX_SPAWN_SETSIGDEF))
		err = posix_spawnattr_setsigdefault(attr, &s->sigdefault);
	return err;
}

/* Fills @o for @s (NULL: no objects); returns 0 or an errno value. */
static inline int shape_objs(const struct bench_shape *s,
			     struct bench_objs *o)
{
	int err;

	o->fap = NULL;
	o->attrp = NULL;
	if (!s)
		return 0;
	if (shape_has_actions(s)) {
		err = shape_actions(s, &o->fa);
		if (err)
			return err;
		o->fap = &o->fa;
	}
	if (s->flags) {
		err = shape_attr(s, &o->attr);
		if (err)
			return err;
		o->attrp = &o->attr;
	}
	return 0;
}

#endif /* __BENCH_SHAPE_H */
