// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The CLONE_EMPTY implementation.
 *
 * clone3(CLONE_EMPTY | CLONE_PIDFD) creates a process that has no memory,
 * no descriptors, default signal handlers and an empty mask, parked in the
 * kernel.  The returned pidfd is the builder: the request is translated into
 * pidfd_config() keys, then PIDFD_CONFIG_CMD_EXEC runs the ordered steps in
 * the child and executes the program.  The commit returns the exact errno of
 * the step that failed; if the exec failed the child stays parked, so the
 * PATH search sets "exe" again and commits again.  Nothing of the caller is
 * shared with the child, so, unlike the fallback, no signal needs blocking.
 *
 * The translation:
 *   inherit_fds                   POSIX: the child starts with the caller's
 *                                 descriptors that are not close-on-exec
 *                                 (before addclosefrom_np(N), N <= 3: "fd:K"
 *                                 SET_FD K of those below N)
 *   addopen(fd, path, fl, mode)   "fd:N" SET_BINARY struct pidfd_config_open,
 *                                 O_CLOEXEC kept as glibc keeps it
 *   adddup2(old, new)             "fd:N" SET_FD of the caller's descriptor,
 *                                 or "dup:N" SET_INT of the child's (below)
 *   addclose(fd)                  "fd:N" SET_FLAG, left out when fd is surely
 *                                 not open in the child (close() errors are
 *                                 ignored, as in glibc, but beyond
 *                                 RLIMIT_NOFILE: "dup:N" N reports those)
 *   addclosefrom_np(fd)           "close_range" { fd, ~0U }
 *   addtcsetpgrp_np(fd)           "tcsetpgrp" SET_INT
 *   addchdir(path)                "cwd" SET_PATH, AT_FDCWD
 *   addfchdir(fd)                 "cwd" SET_FD or SET_INT, as for adddup2
 *   caller's ignored signals      "inherit_sigignore", and "sigdefault" for
 *                                 POSIX_SPAWN_SETSIGDEF (without the keys:
 *                                 "sigignore", asking sigaction())
 *   caller's mask or SETSIGMASK   "sigmask"
 *   SETSID, SETPGROUP, RESETIDS   "setsid", "pgid", "resetids"
 *   SETSCHEDULER, SETSCHEDPARAM   sched_setscheduler() / sched_setparam() on
 *                                 the parked pid
 *   SETCGROUP                     CLONE_INTO_CGROUP
 *   argv, envp                    "argv", "envp" SET_BINARY blocks
 *   path                          "exe" SET_STRING, then PIDFD_CONFIG_CMD_EXEC
 *
 * Descriptors.  glibc's child starts with a copy of the caller's whole
 * table, and the exec closes the close-on-exec descriptors; ours starts
 * with the inherit_fds snapshot, which only has the descriptors that
 * survive the exec (or, before an addclosefrom_np(), those of them that it
 * does not close: pfs_config_inherit()).  So an action's descriptor that
 * is still the caller's is named as the caller's (SET_FD), which works for
 * a close-on-exec one too, and only one that an earlier action made or
 * closed as the child's (SET_INT).  For the same reason the library, not
 * the kernel, decides whether addopen() keeps O_CLOEXEC:
 * PIDFD_CONFIG_OPEN_POSIX_CLOEXEC asks whether N is the lowest free
 * descriptor of our child, which glibc's may not be
 * (pfs_open_keeps_cloexec()).
 *
 * System calls.  The settings are queued and sent in order, with the
 * first "exe", in one PIDFD_CONFIG_SET_BATCH call (more only past
 * PFS_CONFIG_BATCH_MAX of them): the common spawn is clone3(), one
 * pidfd_config() and the commit.  A batch that fails says which setting
 * failed, and each queued setting remembers what its failure means
 * (enum pfs_on_error), so the answer is the one the calls made one by one
 * got.  A kernel without the command refuses it with EOPNOTSUPP: that is
 * remembered, and the settings are sent one by one (pfs_send()).
 *
 * The keys newer than CLONE_EMPTY (enum pfs_key) are probed by their first
 * use, see pfs_new_key_failed().  A request that needs a key the kernel
 * lacks is decided again: the old way if there is one, or the fallback.
 *
 * Anything refused before the commit is answered with PFS_USE_FALLBACK: the
 * caller replays the request on the fallback, which reports the error glibc
 * reports, in glibc's order (the kernel checks some arguments when they are
 * configured, before earlier actions would have run).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/*
 * Up to this addclosefrom_np() descriptor, the descriptors it keeps are
 * given to the child one by one rather than with the inherit_fds snapshot,
 * whose cost grows with the caller's table (pfs_config_inherit()).
 */
#define PFS_INHERIT_BY_HAND_MAX	3

/*
 * The settings of a spawn are queued, then sent with PIDFD_CONFIG_SET_BATCH
 * in one system call (pfs_flush()).  The queue starts in the builder, big
 * enough for most requests, and grows on the heap up to a batch's
 * capacity; a full queue that cannot grow is flushed.
 */
#define PFS_QUEUE_FIRST		32

_Static_assert(sizeof(struct pfs_config_op) == PFS_CONFIG_OP_SIZE_VER0,
	       "struct pfs_config_op");

/*
 * What the failure of a setting means besides its errno: what the library
 * did when the setting was a call of its own (pfs_setting_failed()).
 */
enum pfs_on_error {
	PFS_ON_ERROR_REFUSE,	/* the request is refused */
	PFS_ON_ERROR_NEW_KEY,	/* a key of enum pfs_key: pfs_new_key_failed() */
	PFS_ON_ERROR_INHERIT,	/* ENOSYS: no pidfd_config() after all */
	PFS_ON_ERROR_DUP2,	/* the caller's fd refused: "dup:N" instead */
	PFS_ON_ERROR_FCHDIR,	/* the caller's fd refused: "cwd" SET_INT */
};

/*
 * A queued setting.  Its struct pfs_config_op (cmd and aux) is in the array
 * the batch takes; the rest is here, with what the entry points to when it
 * cannot point to the request: a key made from a number, a value copied
 * from the stack, a block allocated for it.  The entry's pointers are set
 * by the flush, the queue being free to move until then.
 */
struct pfs_setting {
	const char *key;	/* NULL: name */
	const void *value;	/* unless own_value */
	void *block;		/* allocated value, freed after the flush */
	int action;		/* PFS_ON_ERROR_DUP2, _FCHDIR: the action */
	unsigned char on_error;	/* enum pfs_on_error */
	unsigned char new_key;	/* PFS_ON_ERROR_NEW_KEY: enum pfs_key */
	bool own_value;		/* the value is v */
	char name[sizeof("dup:") + 11];
	union {
		struct pfs_config_open open;
		struct pfs_config_range range;
		unsigned char sigset[PFS_KSIGSET_SIZE];
	} v;
};

struct pfs_queue {
	struct pfs_config_op *ops;	/* ops[i] and set[i]: setting i */
	struct pfs_setting *set;
	unsigned int n, cap;
	struct pfs_config_op first_ops[PFS_QUEUE_FIRST];
	struct pfs_setting first_set[PFS_QUEUE_FIRST];
};

/* An empty child being configured. */
struct pfs_builder {
	const struct pfs_request *req;
	pid_t pid;
	int pidfd;
	int inherit_below;	/* -1: inherit_fds; N: the caller's below N */
	bool retry;		/* a key turned out to be unknown */
	struct pfs_queue queue;
};

/* A call of its own, not queued: the commit, the abort, the retries. */
static int pfs_call(const struct pfs_builder *b, unsigned int cmd,
		    const char *key, const void *value, int aux)
{
	return pfs_sys_pidfd_config(b->pidfd, cmd, key, value, aux);
}

static void pfs_queue_init(struct pfs_queue *q)
{
	q->ops = q->first_ops;
	q->set = q->first_set;
	q->n = 0;
	q->cap = PFS_QUEUE_FIRST;
}

/* Forgets the settings, freeing what they own; errno is kept. */
static void pfs_queue_clear(struct pfs_queue *q)
{
	int saved_errno = errno;
	unsigned int i;

	for (i = 0; i < q->n; i++)
		free(q->set[i].block);
	q->n = 0;
	errno = saved_errno;
}

static void pfs_queue_release(struct pfs_queue *q)
{
	pfs_queue_clear(q);
	if (q->ops != q->first_ops)
		free(q->ops);
	pfs_queue_init(q);
}

/* Doubles the queue, in one allocation for both arrays. */
static bool pfs_queue_grow(struct pfs_queue *q)
{
	unsigned int cap = q->cap * 2;
	struct pfs_config_op *ops;

	if (q->cap >= PFS_CONFIG_BATCH_MAX)
		return false;
	if (cap > PFS_CONFIG_BATCH_MAX)
		cap = PFS_CONFIG_BATCH_MAX;
	ops = malloc(cap * (sizeof(*ops) + sizeof(*q->set)));
	if (!ops)
		return false;
	memcpy(ops, q->ops, q->n * sizeof(*ops));
	memcpy(ops + cap, q->set, q->n * sizeof(*q->set));
	if (q->ops != q->first_ops)
		free(q->ops);
	q->ops = ops;
	q->set = (struct pfs_setting *)(void *)(ops + cap);
	q->cap = cap;
	return true;
}

static int pfs_flush(struct pfs_builder *b);

/*
 * Queues the setting pidfd_config(@cmd, @key, @value, @aux): @key and
 * @value must last until the flush (or be kept in the setting, see the
 * helpers below).  NULL, errno set, if the queue was full and its flush
 * failed.
 */
static struct pfs_setting *pfs_queue(struct pfs_builder *b, unsigned int cmd,
				     const char *key, const void *value,
				     int aux)
{
	struct pfs_queue *q = &b->queue;
	struct pfs_setting *s;

	if (q->n == q->cap && !pfs_queue_grow(q) && pfs_flush(b) < 0)
		return NULL;
	q->ops[q->n].cmd = cmd;
	q->ops[q->n].aux = aux;
	s = &q->set[q->n++];
	*s = (struct pfs_setting){ .key = key, .value = value };
	return s;
}

/* The value of @s copied into it: the caller's copy may go. */
static struct pfs_setting *pfs_set_value(struct pfs_setting *s,
					 const void *value, size_t size)
{
	if (s) {
		memcpy(&s->v, value, size);
		s->own_value = true;
	}
	return s;
}

/* A SET_BINARY setting of a value kept in the setting. */
static struct pfs_setting *pfs_queue_copy(struct pfs_builder *b,
					  const char *key, const void *value,
					  size_t size)
{
	return pfs_set_value(pfs_queue(b, PIDFD_CONFIG_SET_BINARY, key, NULL,
				       size), value, size);
}

static int pfs_queued(const struct pfs_setting *s)
{
	return s ? 0 : -1;
}

static int pfs_on_error(struct pfs_setting *s, enum pfs_on_error on_error,
			int action)
{
	if (!s)
		return -1;
	s->on_error = on_error;
	s->action = action;
	return 0;
}

/* A plain setting, of a key and value that last. */
static int pfs_config(struct pfs_builder *b, unsigned int cmd,
		      const char *key, const void *value, int aux)
{
	return pfs_queued(pfs_queue(b, cmd, key, value, aux));
}

/* A setting of the key "fd:N", kept in the setting. */
static struct pfs_setting *pfs_config_fd(struct pfs_builder *b,
					 unsigned int cmd, int fd, int aux)
{
	struct pfs_setting *s = pfs_queue(b, cmd, NULL, NULL, aux);

	if (s)
		snprintf(s->name, sizeof(s->name), "fd:%d", fd);
	return s;
}

/*
 * @s sets one of the keys of enum pfs_key.  The library gives them only
 * values that a kernel having the key accepts, so EINVAL while its support
 * is unknown means that the kernel lacks it (pfs_new_key_failed()).
 */
static int pfs_new_key(struct pfs_setting *s, enum pfs_key k)
{
	if (pfs_on_error(s, PFS_ON_ERROR_NEW_KEY, 0) < 0)
		return -1;
	s->new_key = k;
	return 0;
}

/* Makes @s the setting "dup:@newfd" of the child's @fd. */
static void pfs_setting_dup(struct pfs_setting *s, struct pfs_config_op *op,
			    int newfd, int fd)
{
	snprintf(s->name, sizeof(s->name), "dup:%d", newfd);
	op->cmd = PIDFD_CONFIG_SET_INT;
	op->aux = fd;
	pfs_new_key(s, PFS_KEY_DUP);
}

/* "dup:N": the child's descriptor @newfd becomes a copy of its @fd. */
static int pfs_config_dup(struct pfs_builder *b, int newfd, int fd)
{
	struct pfs_setting *s = pfs_queue(b, PIDFD_CONFIG_SET_INT, NULL, NULL,
					  fd);

	if (!s)
		return -1;
	pfs_setting_dup(s, &b->queue.ops[b->queue.n - 1], newfd, fd);
	return 0;
}

/* Points the batch's entry @i at what setting @i names. */
static void pfs_setting_resolve(struct pfs_queue *q, unsigned int i)
{
	const struct pfs_setting *s = &q->set[i];
	const void *value = s->own_value ? (const void *)&s->v : s->value;

	q->ops[i].key = (uintptr_t)(s->key ? s->key : s->name);
	q->ops[i].value = (uintptr_t)value;
}

/* A setting of the new key @k failed, errno its error: refused (-1). */
static int pfs_new_key_failed(struct pfs_builder *b, enum pfs_key k)
{
	/*
	 * EINVAL from a key whose support is unknown: the kernel lacks it
	 * (an unknown key, or for "cwd" an unknown command).  That is
	 * remembered, and the request decided again (PFS_RETRY).  Once the
	 * key has worked, EINVAL is an answer like another.
	 */
	if (errno == EINVAL && !pfs_key_supported(k)) {
		pfs_key_set_unsupported(k);
		b->retry = true;
	}
	return -1;
}

/*
 * Setting @i failed, errno its error: -1 if that refuses the request, 0 if
 * the setting was replaced by another, to be sent in its place.  Only
 * those of the caller's descriptors are replaced: the caller lacks the
 * descriptor (EBADF), so the child's is named, whose action fails at the
 * commit, at its point of the list, as glibc's would.
 */
static int pfs_setting_failed(struct pfs_builder *b, unsigned int i)
{
	struct pfs_setting *s = &b->queue.set[i];
	struct pfs_config_op *op = &b->queue.ops[i];
	const struct pfs_action *act;

	switch (s->on_error) {
	case PFS_ON_ERROR_NEW_KEY:
		return pfs_new_key_failed(b, s->new_key);
	case PFS_ON_ERROR_INHERIT:
		if (errno == ENOSYS)
			pfs_clone_empty_set_unsupported();
		return -1;
	case PFS_ON_ERROR_DUP2:
		if (errno != EBADF || !pfs_key_usable(PFS_KEY_DUP))
			return -1;
		act = &pfs_actions(b->req->fa)[s->action];
		pfs_setting_dup(s, op, act->newfd, act->fd);
		break;
	case PFS_ON_ERROR_FCHDIR:
		if (errno != EBADF || !pfs_key_usable(PFS_KEY_CWD_FD))
			return -1;
		act = &pfs_actions(b->req->fa)[s->action];
		op->cmd = PIDFD_CONFIG_SET_INT;
		op->aux = act->fd;
		pfs_new_key(s, PFS_KEY_CWD_FD);
		break;
	default:
		return -1;
	}
	pfs_setting_resolve(&b->queue, i);
	return 0;
}

/* Settings [@i, @i + @n) took effect: the new keys among them exist. */
static void pfs_settings_applied(const struct pfs_queue *q, unsigned int i,
				 unsigned int n)
{
	for (; n; i++, n--)
		if (q->set[i].on_error == PFS_ON_ERROR_NEW_KEY)
			pfs_key_set_supported(q->set[i].new_key);
}

/* Sends setting @i alone: 1, or -1 with its errno. */
static int pfs_send_one(const struct pfs_builder *b, unsigned int i)
{
	const struct pfs_config_op *op = &b->queue.ops[i];

	if (pfs_call(b, op->cmd, (const char *)(uintptr_t)op->key,
		     (const void *)(uintptr_t)op->value, op->aux) < 0)
		return -1;
	return 1;
}

/*
 * Sends the @n settings from @i in one batch, or setting @i alone if the
 * kernel lacks PIDFD_CONFIG_SET_BATCH.  Returns how many took effect, or
 * -1 with the errno of setting @i.
 */
static int pfs_send(const struct pfs_builder *b, unsigned int i,
		    unsigned int n)
{
	int ret;

	if (n == 1 || !pfs_batch_usable())
		return pfs_send_one(b, i);

	ret = pfs_call(b, PIDFD_CONFIG_SET_BATCH, NULL, &b->queue.ops[i], n);
	if (ret >= 0)
		pfs_batch_set_supported();
	if (ret >= 0 || errno != EOPNOTSUPP || pfs_batch_supported())
		return ret;
	/*
	 * EOPNOTSUPP: the kernel does not know the command, unless that is
	 * the first setting's own error.  Sent alone, the setting tells.
	 */
	ret = pfs_send_one(b, i);
	if (ret > 0 || errno != EOPNOTSUPP)
		pfs_batch_set_unsupported();
	return ret;
}

/*
 * Sends the queued settings, in order: 0, or -1 with the errno of the one
 * that failed, handled as pfs_setting_failed() says.  A batch that stops
 * short at setting i (i > 0, entries i.. not applied) does not say why:
 * setting i is sent alone for its errno.
 */
static int pfs_flush(struct pfs_builder *b)
{
	struct pfs_queue *q = &b->queue;
	unsigned int i, n;
	bool alone = false;
	int done, ret = 0;

	for (i = 0; i < q->n; i++)
		pfs_setting_resolve(q, i);
	for (i = 0; i < q->n; i += done) {
		n = alone ? 1 : q->n - i;
		done = pfs_send(b, i, n);
		if (done < 0) {
			ret = pfs_setting_failed(b, i);
			if (ret < 0)
				break;
			/* Replaced: send the replacement, and the rest. */
			alone = false;
			done = 0;
			continue;
		}
		pfs_settings_applied(q, i, done);
		alone = (unsigned int)done < n;
	}
	pfs_queue_clear(q);
	return ret;
}

/*
 * A request the library refuses by itself, with @err.  The settings
 * queued before go first, as when each was a call of its own: one that
 * fails is the answer (a key the kernel lacks is found out).
 */
static int pfs_refuse(struct pfs_builder *b, int err)
{
	if (pfs_flush(b) == 0)
		errno = err;
	return -1;
}

/*
 * The descriptor flags of the caller's @fd, -1 if it is not open.  The
 * builder does not count: glibc's child would not have it.
 */
static int pfs_caller_fd_flags(const struct pfs_builder *b, int fd)
{
	return fd == b->pidfd ? -1 : fcntl(fd, F_GETFD);
}

/* Whether glibc's child has descriptor @fd open when action @i runs. */
static bool pfs_glibc_child_has(const struct pfs_builder *b, int i, int fd)
{
	int caller;

	switch (pfs_child_fd(b->req->fa, i, fd, &caller)) {
	case PFS_FD_NEW:
		return true;
	case PFS_FD_CLOSED:
		return false;
	default:
		return pfs_caller_fd_flags(b, caller) >= 0;
	}
}

/* Whether the first action naming @fd replaces it before reading it. */
static bool pfs_replaced_first(const posix_spawn_file_actions_t *fa, int fd)
{
	const struct pfs_action *act = pfs_actions(fa);
	const struct pfs_action *end = act + fa->__used;

	for (; act < end; act++) {
		switch (act->tag) {
		case PFS_ACT_OPEN:
		case PFS_ACT_CLOSE:
			if (act->fd == fd)
				return true;
			break;
		case PFS_ACT_DUP2:
			if (act->newfd == fd)
				return true;
			if (act->fd == fd)
				return false;
			break;
		case PFS_ACT_CLOSEFROM:
			if (fd >= act->fd)
				return true;
			break;
		case PFS_ACT_FCHDIR:
		case PFS_ACT_TCSETPGRP:
			if (act->fd == fd)
				return false;
			break;
		default:
			break;
		}
	}
	return false;
}

/* Whether our child starts with the caller's descriptor @fd. */
static bool pfs_child_inherits(const struct pfs_builder *b, int fd)
{
	int flags = pfs_caller_fd_flags(b, fd);

	if (flags < 0 || (flags & FD_CLOEXEC))
		return false;
	return b->inherit_below < 0 ||
	       (fd < b->inherit_below && !pfs_replaced_first(b->req->fa, fd));
}

/* Whether our child surely lacks descriptor @fd when action @i runs. */
static bool pfs_child_lacks_fd(const struct pfs_builder *b, int i, int fd)
{
	const struct pfs_action *act = pfs_last_change(b->req->fa, i, fd);

	if (act)
		return act->tag == PFS_ACT_CLOSE ||
		       act->tag == PFS_ACT_CLOSEFROM;
	return !pfs_child_inherits(b, fd);
}

/*
 * glibc's addopen() closes fd, opens the file and, if open() returned
 * another descriptor, moves it to fd with dup2(), which drops O_CLOEXEC:
 * the flag stays only if every descriptor below fd is open in glibc's child
 * at that point.  The walk ends at the first free one, at the latest (if no
 * action took its number) at the builder's: clone3() gave it the lowest.
 */
static bool pfs_open_keeps_cloexec(const struct pfs_builder *b, int i,
				   int fd)
{
	int low;

	for (low = 0; low < fd; low++)
		if (!pfs_glibc_child_has(b, i, low))
			return false;
	return true;
}

static int pfs_config_open(struct pfs_builder *b, int i)
{
	const struct pfs_action *act = &pfs_actions(b->req->fa)[i];
	struct pfs_config_open op;

	memset(&op, 0, sizeof(op));
	op.path = (uintptr_t)act->path;
	op.flags = act->oflag | PFS_KERNEL_O_LARGEFILE;
	if ((act->oflag & O_CLOEXEC) &&
	    !pfs_open_keeps_cloexec(b, i, act->fd))
		op.flags &= ~O_CLOEXEC;
	op.mode = act->mode;
	return pfs_queued(pfs_set_value(pfs_config_fd(b,
		PIDFD_CONFIG_SET_BINARY, act->fd, sizeof(op)), &op, sizeof(op)));
}

/*
 * Whether the source @fd of action @i is best named as the caller's
 * *@caller: it is still one of the caller's descriptors at that point.
 * Otherwise it is named as the child's.  So is one that the caller does
 * not have (SET_FD fails with EBADF): the child's action fails then, at
 * its point of the list, and the commit reports it.
 */
static bool pfs_source_is_callers(const struct pfs_builder *b, int i,
				  int fd, int *caller)
{
	return pfs_child_fd(b->req->fa, i, fd, caller) == PFS_FD_CALLER &&
	       *caller != b->pidfd;
}

static int pfs_config_dup2(struct pfs_builder *b, int i)
{
	const struct pfs_action *act = &pfs_actions(b->req->fa)[i];
	int caller;

	/*
	 * Installed without FD_CLOEXEC, as dup2(fd, fd) wants too.  Refused
	 * with EBADF, it becomes "dup:N" (pfs_setting_failed()).
	 */
	if (pfs_source_is_callers(b, i, act->fd, &caller))
		return pfs_on_error(pfs_config_fd(b, PIDFD_CONFIG_SET_FD,
						  act->newfd, caller),
				    PFS_ON_ERROR_DUP2, i);
	return pfs_config_dup(b, act->newfd, act->fd);
}

static int pfs_config_fchdir(struct pfs_builder *b, int i)
{
	const struct pfs_action *act = &pfs_actions(b->req->fa)[i];
	int caller;

	/* The kernel would refuse it at once: the fallback reports it. */
	if (act->fd < 0)
		return pfs_refuse(b, EBADF);
	/* Refused with EBADF, it becomes "cwd" SET_INT, as for adddup2(). */
	if (pfs_source_is_callers(b, i, act->fd, &caller))
		return pfs_on_error(pfs_queue(b, PIDFD_CONFIG_SET_FD, "cwd",
					      NULL, caller),
				    PFS_ON_ERROR_FCHDIR, i);
	return pfs_new_key(pfs_queue(b, PIDFD_CONFIG_SET_INT, "cwd", NULL,
				     act->fd), PFS_KEY_CWD_FD);
}

static int pfs_config_close(struct pfs_builder *b, int i)
{
	const struct pfs_action *act = &pfs_actions(b->req->fa)[i];

	/*
	 * At or beyond RLIMIT_NOFILE, glibc's close() of a descriptor that is
	 * not open is an error, EBADF: so is "dup:N" of it onto itself.
	 */
	if ((rlim_t)act->fd >= b->req->nofile &&
	    !pfs_glibc_child_has(b, i, act->fd))
		return pfs_config_dup(b, act->fd, act->fd);
	if (pfs_child_lacks_fd(b, i, act->fd))
		return 0;
	return pfs_queued(pfs_config_fd(b, PIDFD_CONFIG_SET_FLAG, act->fd, 0));
}

static int pfs_config_closefrom(struct pfs_builder *b,
				const struct pfs_action *act)
{
	const struct pfs_config_range range = {
		.first = act->fd,
		.last = ~0U,
	};

	return pfs_new_key(pfs_queue_copy(b, "close_range", &range,
					  sizeof(range)), PFS_KEY_CLOSE_RANGE);
}

/*
 * addtcsetpgrp_np().  A descriptor of the caller that no earlier action
 * changed is in glibc's child, but not in ours if it is close-on-exec (or
 * left for an addclosefrom_np() to close): it is lent to the child for the
 * call, then closed, as the exec (or addclosefrom_np()) would.
 */
static int pfs_config_tcsetpgrp(struct pfs_builder *b, int i)
{
	const struct pfs_action *act = &pfs_actions(b->req->fa)[i];
	int fd = act->fd;
	bool lend;

	lend = !pfs_last_change(b->req->fa, i, fd) &&
	       pfs_caller_fd_flags(b, fd) >= 0 && !pfs_child_inherits(b, fd);

	if (lend && !pfs_config_fd(b, PIDFD_CONFIG_SET_FD, fd, fd))
		return -1;
	if (pfs_new_key(pfs_queue(b, PIDFD_CONFIG_SET_INT, "tcsetpgrp", NULL,
				  fd), PFS_KEY_TCSETPGRP) < 0)
		return -1;
	if (lend)
		return pfs_queued(pfs_config_fd(b, PIDFD_CONFIG_SET_FLAG, fd,
						0));
	return 0;
}

static int pfs_config_action(struct pfs_builder *b, int i)
{
	const struct pfs_action *act = &pfs_actions(b->req->fa)[i];

	switch (act->tag) {
	case PFS_ACT_OPEN:
		return pfs_config_open(b, i);
	case PFS_ACT_DUP2:
		return pfs_config_dup2(b, i);
	case PFS_ACT_CLOSE:
		return pfs_config_close(b, i);
	case PFS_ACT_CHDIR:
		return pfs_config(b, PIDFD_CONFIG_SET_PATH, "cwd", act->path,
				  AT_FDCWD);
	case PFS_ACT_FCHDIR:
		return pfs_config_fchdir(b, i);
	case PFS_ACT_CLOSEFROM:
		return pfs_config_closefrom(b, act);
	case PFS_ACT_TCSETPGRP:
		return pfs_config_tcsetpgrp(b, i);
	}
	return pfs_refuse(b, EINVAL);
}

static bool pfs_sigset_empty(const sigset_t *set)
{
	static const sigset_t empty;

	return memcmp(set, &empty, PFS_KSIGSET_SIZE) == 0;
}

/* Whether @set has every signal that a process can ignore. */
static bool pfs_sigset_all(const sigset_t *set)
{
	int sig;

	for (sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    sig == PFS_SIGCANCEL || sig == PFS_SIGSETXID)
			continue;
		if (sigismember(set, sig) != 1)
			return false;
	}
	return true;
}

/*
 * Dispositions: the child starts with every handler SIG_DFL, so a caught
 * signal is already SIG_DFL; "inherit_sigignore" makes the signals the
 * caller ignores ignored, and "sigdefault" takes POSIX_SPAWN_SETSIGDEF's
 * out again.  If SETSIGDEF names every signal, neither is needed.
 */
static int pfs_config_sigignore_keys(struct pfs_builder *b)
{
	const posix_spawnattr_t *attr = b->req->attr;
	bool setsigdef = attr->__flags & POSIX_SPAWN_SETSIGDEF;
	sigset_t set;

	if (setsigdef) {
		memcpy(&set, &attr->__sd, sizeof(set));
		pfs_sigset_clear_internal(&set);
		if (pfs_sigset_all(&set))
			return 0;
	}
	if (pfs_new_key(pfs_queue(b, PIDFD_CONFIG_SET_FLAG,
				  "inherit_sigignore", NULL, 0),
			PFS_KEY_INHERIT_SIGIGNORE) < 0)
		return -1;
	if (!setsigdef || pfs_sigset_empty(&set))
		return 0;
	return pfs_new_key(pfs_queue_copy(b, "sigdefault", &set,
					  PFS_KSIGSET_SIZE),
			   PFS_KEY_SIGDEFAULT);
}

/* The same on a kernel without the keys: sigaction() about each signal. */
static int pfs_config_sigignore_probe(struct pfs_builder *b)
{
	const posix_spawnattr_t *attr = b->req->attr;
	bool setsigdef = attr->__flags & POSIX_SPAWN_SETSIGDEF;
	struct sigaction sa;
	sigset_t set;
	int sig;

	sigemptyset(&set);
	for (sig = 1; sig < _NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP ||
		    sig == PFS_SIGCANCEL || sig == PFS_SIGSETXID)
			continue;
		if (setsigdef && sigismember(&attr->__sd, sig) == 1)
			continue;
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			sigaddset(&set, sig);
	}
	if (pfs_sigset_empty(&set))
		return 0;
	return pfs_queued(pfs_queue_copy(b, "sigignore", &set,
					 PFS_KSIGSET_SIZE));
}

static int pfs_config_signals(struct pfs_builder *b)
{
	const posix_spawnattr_t *attr = b->req->attr;
	bool setsigdef = attr->__flags & POSIX_SPAWN_SETSIGDEF;
	sigset_t set;
	int ret;

	if (pfs_key_usable(PFS_KEY_INHERIT_SIGIGNORE) &&
	    (!setsigdef || pfs_key_usable(PFS_KEY_SIGDEFAULT)))
		ret = pfs_config_sigignore_keys(b);
	else
		ret = pfs_config_sigignore_probe(b);
	if (ret < 0)
		return -1;

	/* The mask: POSIX_SPAWN_SETSIGMASK's, or the caller's. */
	if (attr->__flags & POSIX_SPAWN_SETSIGMASK) {
		memcpy(&set, &attr->__ss, sizeof(set));
		pfs_sigset_clear_internal(&set);
	} else {
		pthread_sigmask(SIG_BLOCK, NULL, &set);
	}
	if (pfs_sigset_empty(&set))
		return 0;
	return pfs_queued(pfs_queue_copy(b, "sigmask", &set,
					 PFS_KSIGSET_SIZE));
}

static int pfs_config_attr(struct pfs_builder *b)
{
	const posix_spawnattr_t *attr = b->req->attr;
	short flags = attr->__flags;

	if (pfs_config_signals(b) < 0)
		return -1;

	/*
	 * The scheduling is set on the parked pid at once: the settings
	 * before it go first, so that the first failure is the same as when
	 * each setting was a call of its own.
	 */
	if ((flags & (POSIX_SPAWN_SETSCHEDPARAM | POSIX_SPAWN_SETSCHEDULER)) &&
	    pfs_flush(b) < 0)
		return -1;
	if ((flags & (POSIX_SPAWN_SETSCHEDPARAM | POSIX_SPAWN_SETSCHEDULER)) ==
	    POSIX_SPAWN_SETSCHEDPARAM) {
		if (sched_setparam(b->pid, &attr->__sp) < 0)
			return -1;
	} else if (flags & POSIX_SPAWN_SETSCHEDULER) {
		if (sched_setscheduler(b->pid, attr->__policy,
				       &attr->__sp) < 0)
			return -1;
	}

	if ((flags & POSIX_SPAWN_SETSID) &&
	    pfs_config(b, PIDFD_CONFIG_SET_FLAG, "setsid", NULL, 0) < 0)
		return -1;
	if ((flags & POSIX_SPAWN_SETPGROUP) &&
	    pfs_config(b, PIDFD_CONFIG_SET_INT, "pgid", NULL,
		       attr->__pgrp) < 0)
		return -1;
	if ((flags & POSIX_SPAWN_RESETIDS) &&
	    pfs_config(b, PIDFD_CONFIG_SET_FLAG, "resetids", NULL, 0) < 0)
		return -1;
	return 0;
}

/*
 * Without memory for the block: clear the vector (it holds the program's
 * arguments when the shell takes over) and append one string at a time.
 */
static int pfs_config_vector_each(struct pfs_builder *b,
				  const char *key, char *const *vec)
{
	int i;

	if (pfs_config(b, PIDFD_CONFIG_SET_FLAG, key, NULL, 0) < 0)
		return -1;
	for (i = 0; vec[i]; i++)
		if (pfs_config(b, PIDFD_CONFIG_SET_STRING, key, vec[i], 0) < 0)
			return -1;
	return 0;
}

/*
 * Sets "argv" or "envp" to @vec (NULL: empty) with one SET_BINARY block of
 * NUL-terminated strings, which the setting owns.
 */
static int pfs_config_vector(struct pfs_builder *b, const char *key,
			     char *const *vec)
{
	struct pfs_setting *s;
	size_t total = 0, len;
	char *block, *p;
	int i;

	if (!vec || !vec[0])
		return 0;	/* the vector starts empty */

	for (i = 0; vec[i]; i++) {
		len = strlen(vec[i]) + 1;
		if (total + len > INT_MAX)
			return pfs_refuse(b, E2BIG);
		total += len;
	}

	block = malloc(total);
	if (!block)
		return pfs_config_vector_each(b, key, vec);
	for (p = block, i = 0; vec[i]; i++) {
		len = strlen(vec[i]) + 1;
		memcpy(p, vec[i], len);
		p += len;
	}
	s = pfs_queue(b, PIDFD_CONFIG_SET_BINARY, key, block, total);
	if (!s) {
		free(block);
		return -1;
	}
	s->block = block;
	return 0;
}

/*
 * One commit.  ESRCH: the child was killed (by a signal someone sent it)
 * before it could execute the program.  glibc reports success in that case,
 * leaving the caller to reap a child killed before its exec; so do we.
 */
static int pfs_exec(const struct pfs_builder *b)
{
	if (pfs_call(b, PIDFD_CONFIG_CMD_EXEC, NULL, NULL, 0) == 0)
		return 0;
	return errno == ESRCH ? 0 : errno;
}

/*
 * Sets "exe": the first time with the settings pfs_configure() queued, in
 * one batch; after a failed exec alone.
 */
static int pfs_set_exe(struct pfs_builder *b, const char *exe)
{
	if (pfs_config(b, PIDFD_CONFIG_SET_STRING, "exe", exe, 0) < 0)
		return -1;
	return pfs_flush(b);
}

/*
 * Commits with "exe" set to @exe.  Returns 0 once the program runs, or the
 * errno to report.  *@committed tells whether a commit happened (so the
 * steps before the exec have run and the answer is final).
 */
static int pfs_commit_one(struct pfs_builder *b, const char *exe,
			  bool *committed)
{
	if (pfs_set_exe(b, exe) < 0)
		return errno;
	*committed = true;
	return pfs_exec(b);
}

/*
 * Commits with "exe" set to each candidate of the PATH search in turn, as
 * execvpe() tries them; *@exe is the last one tried.
 */
static int pfs_commit_search(struct pfs_builder *b, char *buf,
			     const char **exe, bool *committed)
{
	struct pfs_path_iter it;
	bool got_eacces = false;
	const char *candidate;
	int err = ENOENT;

	pfs_path_iter_init(&it, b->req->search, b->req->file);
	while ((candidate = pfs_path_iter_next(&it, buf))) {
		if (pfs_set_exe(b, candidate) < 0) {
			/*
			 * ESRCH after a commit: a step before the exec failed
			 * and the kernel killed the child; that commit's
			 * error is the answer.
			 */
			return *committed ? err : errno;
		}
		*committed = true;
		*exe = candidate;
		err = pfs_exec(b);
		if (!err || !pfs_path_error_continues(err, &got_eacces))
			return err;
	}
	if (!*committed) {
		/* No usable PATH element: nothing ran, nothing to report. */
		return ENOENT;
	}
	return got_eacces ? EACCES : err;
}

/*
 * posix_spawnp() of a name longer than NAME_MAX: glibc runs the steps and
 * the file actions, then fails the exec with ENAMETOOLONG.  So does the
 * exec of "/" and the name's first NAME_MAX + 1 bytes: the lookup of a
 * component that long fails with ENAMETOOLONG on every file system but
 * FUSE (whose limit is higher), and the "/." after it makes sure that
 * nothing runs even there.  An exec that fails otherwise is reported as
 * ENAMETOOLONG all the same; that "exe" can still be set, the child being
 * parked, tells a failed exec from a failed step.
 */
static int pfs_commit_long_name(struct pfs_builder *b, char *buf,
				bool *committed)
{
	int err;

	buf[0] = '/';
	memcpy(buf + 1, b->req->file, NAME_MAX + 1);
	memcpy(buf + NAME_MAX + 2, "/.", sizeof("/."));
	err = pfs_commit_one(b, buf, committed);
	if (err && err != ENAMETOOLONG && *committed &&
	    pfs_call(b, PIDFD_CONFIG_SET_STRING, "exe", buf, 0) == 0)
		err = ENAMETOOLONG;
	return err;
}

/*
 * posix_spawn@GLIBC_2.2.5 and the exec of @exe failed with ENOEXEC: the
 * child is still parked, so commit again with the shell running @exe, as
 * glibc's compatibility version does.  A child killed meanwhile is a
 * success with a dead child, as in pfs_exec().
 */
static int pfs_commit_shell(struct pfs_builder *b, const char *exe)
{
	char **argv = pfs_shell_argv(b->req);
	int err;

	if (!argv)
		return ENOMEM;
	argv[1] = (char *)exe;
	if (pfs_call(b, PIDFD_CONFIG_SET_STRING, "exe", PFS_SHELL, 0) == 0 &&
	    pfs_config_vector(b, "argv", argv) == 0 && pfs_flush(b) == 0)
		err = pfs_exec(b);
	else
		err = errno == ESRCH ? 0 : errno;
	free(argv);
	return err;
}

/* Executes the program: 0 once it runs, or the errno to report. */
static int pfs_commit(struct pfs_builder *b, bool *committed)
{
	const struct pfs_request *req = b->req;
	char buf[PFS_CANDIDATE_MAX];
	const char *exe = req->file;
	int err;

	*committed = false;
	if (!req->search)
		err = pfs_commit_one(b, exe, committed);
	else if (strnlen(req->file, NAME_MAX + 1) > NAME_MAX)
		err = pfs_commit_long_name(b, buf, committed);
	else
		err = pfs_commit_search(b, buf, &exe, committed);
	if (err == ENOEXEC && req->try_shell)
		err = pfs_commit_shell(b, exe);
	return err;
}

/* Ends a child that will not run: abort it, reap it, drop the builder. */
static void pfs_discard(const struct pfs_builder *b)
{
	if (pfs_call(b, PIDFD_CONFIG_CMD_ABORT, NULL, NULL, 0) == 0 ||
	    errno == ESRCH) {
		pfs_reap(b->pid, b->pidfd);
		pfs_close_keep_errno(b->pidfd);
	} else {
		/* Closing the last reference to the builder kills the child. */
		pfs_close_keep_errno(b->pidfd);
		pfs_reap(b->pid, -1);
	}
}

/* Creates the empty child: 0, or -1 for the fallback. */
static int pfs_clone(struct pfs_builder *b)
{
	const posix_spawnattr_t *attr = b->req->attr;
	bool cgroup = attr->__flags & POSIX_SPAWN_SETCGROUP;
	struct pfs_clone_args args;

	memset(&args, 0, sizeof(args));
	args.flags = CLONE_EMPTY | CLONE_PIDFD;
	args.pidfd = (uintptr_t)&b->pidfd;
	args.exit_signal = SIGCHLD;
	if (cgroup) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (unsigned int)pfs_attr_cgroup(attr);
	}

	b->pid = pfs_sys_clone3_empty(&args, sizeof(args));
	if (b->pid >= 0)
		return 0;
	/*
	 * A kernel without CLONE_EMPTY (or without clone3) refuses the flag
	 * with EINVAL (ENOSYS).  With CLONE_INTO_CGROUP, EINVAL may be about
	 * the cgroup: do not conclude then.
	 */
	if (errno == ENOSYS || (errno == EINVAL && !cgroup))
		pfs_clone_empty_set_unsupported();
	return -1;
}

/* The descriptor of the list's first addclosefrom_np(), or -1. */
static int pfs_closefrom_fd(const posix_spawn_file_actions_t *fa)
{
	int i;

	for (i = 0; fa && i < fa->__used; i++)
		if (pfs_actions(fa)[i].tag == PFS_ACT_CLOSEFROM)
			return pfs_actions(fa)[i].fd;
	return -1;
}

/*
 * POSIX: the child starts with the caller's descriptors that are not
 * close-on-exec, which inherit_fds snapshots at a cost that grows with the
 * caller's table.  Only those below N survive an addclosefrom_np(N): for a
 * small N (closefrom(3) after dup2() to 0-2 is the usual case), those are
 * given one by one (SET_FD), but for those the list replaces before it
 * reads them; the spawn then costs the same with 10 or 10,000 descriptors.
 */
static int pfs_config_inherit(struct pfs_builder *b)
{
	int fd = pfs_closefrom_fd(b->req->fa);
	int ret = 0;

	/* The first settings: ENOSYS from them means no pidfd_config(). */
	b->inherit_below = fd >= 0 && fd <= PFS_INHERIT_BY_HAND_MAX ? fd : -1;
	if (b->inherit_below < 0)
		ret = pfs_on_error(pfs_queue(b, PIDFD_CONFIG_SET_FLAG,
					     "inherit_fds", NULL, 0),
				   PFS_ON_ERROR_INHERIT, 0);
	for (fd = 0; !ret && fd < b->inherit_below; fd++)
		if (pfs_child_inherits(b, fd))
			ret = pfs_on_error(pfs_config_fd(b, PIDFD_CONFIG_SET_FD,
							 fd, fd),
					   PFS_ON_ERROR_INHERIT, 0);
	return ret;
}

/* Queues everything but the program, which pfs_commit() sets. */
static int pfs_configure(struct pfs_builder *b)
{
	const struct pfs_request *req = b->req;
	int i;

	if (pfs_config_inherit(b) < 0)
		return -1;
	for (i = 0; req->fa && i < req->fa->__used; i++)
		if (pfs_config_action(b, i) < 0)
			return -1;
	if (pfs_config_attr(b) < 0 ||
	    pfs_config_vector(b, "argv", req->argv) < 0 ||
	    pfs_config_vector(b, "envp", req->envp) < 0)
		return -1;
	return 0;
}

enum pfs_outcome pfs_spawn_clone_empty(const struct pfs_request *req,
				       int *result, int *err)
{
	struct pfs_builder b;
	bool committed;
	int ret;

	/* Not zeroed whole: the queue is big, and set as it fills. */
	b.req = req;
	b.pidfd = -1;
	b.inherit_below = -1;
	b.retry = false;
	if (pfs_clone(&b) < 0)
		return PFS_USE_FALLBACK;
	pfs_queue_init(&b.queue);
	if (pfs_configure(&b) < 0)
		goto refused;

	ret = pfs_commit(&b, &committed);
	pfs_queue_release(&b.queue);
	if (ret && !committed)
		goto refused;
	if (ret) {
		pfs_discard(&b);
		*err = ret;
		return PFS_DONE;
	}

	if (req->want_pidfd) {
		*result = b.pidfd;
	} else {
		/* After a successful commit, closing the builder is harmless. */
		close(b.pidfd);
		*result = b.pid;
	}
	*err = 0;
	return PFS_DONE;

refused:
	pfs_queue_release(&b.queue);
	pfs_discard(&b);
	return b.retry ? PFS_RETRY : PFS_USE_FALLBACK;
}
