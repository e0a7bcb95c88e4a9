// SPDX-License-Identifier: GPL-2.0
/*
 * Empty processes and their builder pidfd.
 *
 * clone3(CLONE_EMPTY | CLONE_PIDFD) creates a process with no memory, an
 * empty file descriptor table and default signal handling.  It runs no user
 * code: it is parked in pidfd_spawn_child() until whoever holds the pidfd
 * clone3() returned (the builder) commits or aborts it.  pidfd_config(), in
 * the mould of fsconfig(), records the program, its arguments, environment,
 * file descriptors and attributes key by key; PIDFD_CONFIG_CMD_EXEC wakes the
 * child, which applies them in its own context and executes the program, and
 * returns the exact error of the step that failed.
 *
 * Lifetime: the context has two references, the child's (the fn_arg of the
 * kernel_clone() that created it) and the builder file's.  Dropping the last
 * reference to the builder file before a successful commit terminates the
 * child as if by SIGKILL.
 *
 * Locking: ->lock serialises configurers and committers.  ->wait.lock
 * protects ->state, which the child reads and writes too: COMMITTING and
 * ABORTED are the requests it waits for, set with ->lock held.  The
 * recorded configuration is touched by configurers only in the PARKED and
 * EXEC_FAILED states with ->lock held, and by the child only while a commit
 * is in progress (the committer holds ->lock, or the state is COMMITTING and
 * configurers back off) or, once the child is done, with ->lock held.
 * pidfd_config() copies its key and value from user memory and takes its
 * file references before it takes ->lock, and nothing under ->lock touches
 * user memory: the child takes ->lock to die or finish, and must not wait
 * on a configurer's page fault.  Lock order: ->lock, then ->wait.lock or
 * the configurer's ->siglock.
 *
 * States: PARKED --commit--> COMMITTING --> COMMITTED, or EXEC_FAILED (which
 * a commit takes to COMMITTING again); PARKED or EXEC_FAILED --abort, or the
 * builder's release--> ABORTED; anything short of COMMITTED --the child is
 * killed--> DEAD.  Only a committer (->lock held) enters COMMITTING, and
 * only from PARKED or EXEC_FAILED, checked under ->wait.lock.
 *
 * See Documentation/userspace-api/pidfd_spawn.rst.
 */

#include <linux/audit.h>
#include <linux/binfmts.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/compat.h>
#include <linux/completion.h>
#include <linux/cred.h>
#include <linux/ctype.h>
#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/freezer.h>
#include <linux/fs.h>
#include <linux/fs_struct.h>
#include <linux/io_uring.h>
#include <linux/kernel.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/net.h>
#include <linux/pidfd_spawn.h>
#include <linux/pidfs.h>
#include <linux/ptrace.h>
#include <linux/refcount.h>
#include <linux/sched/coredump.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/seccomp.h>
#include <linux/security.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/syscalls.h>
#include <linux/task_work.h>
#include <linux/tty.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <uapi/linux/pidfd.h>
#include <net/sock.h>
#include <asm/ioctls.h>

/* Longest key, without its NUL. */
#define PIDFD_SPAWN_KEY_MAX	256
/* Most fd and cwd actions one process may be given. */
#define PIDFD_SPAWN_MAX_ACTIONS	65536

enum pidfd_spawn_state {
	PS_PARKED,		/* configurable */
	PS_COMMITTING,		/* the child works on a commit */
	PS_EXEC_FAILED,		/* exec failed: exe, argv, envp may change */
	PS_COMMITTED,		/* the new program runs */
	PS_ABORTED,		/* aborted, the child is on its way out */
	PS_DEAD,		/* the child died before a successful commit */
};

static const char *const pidfd_spawn_state_names[] = {
	[PS_PARKED]		= "parked",
	[PS_COMMITTING]		= "committing",
	[PS_EXEC_FAILED]	= "exec-failed",
	[PS_COMMITTED]		= "committed",
	[PS_ABORTED]		= "aborted",
	[PS_DEAD]		= "dead",
};

enum pidfd_spawn_action_type {
	PA_INSTALL,		/* fd:N SET_FD */
	PA_OPEN,		/* fd:N SET_BINARY */
	PA_CLOSE,		/* fd:N SET_FLAG */
	PA_DUP,			/* dup:N SET_INT */
	PA_CLOSE_RANGE,		/* close_range SET_BINARY */
	PA_CHDIR_PATH,		/* cwd SET_PATH */
	PA_CHDIR_FILE,		/* cwd SET_FD */
	PA_CHDIR_FD,		/* cwd SET_INT */
	PA_TCSETPGRP,		/* tcsetpgrp SET_INT */
};

struct pidfd_spawn_action {
	struct list_head	list;
	enum pidfd_spawn_action_type type;
	/* N; the child's fd of CHDIR_FD and TCSETPGRP; first of CLOSE_RANGE */
	unsigned int		fd;
	unsigned int		src;	/* DUP: the child's source fd */
	unsigned int		last;	/* CLOSE_RANGE: @fd to @last */
	struct file		*file;	/* INSTALL, CHDIR_FILE; dir of CHDIR_PATH */
	char			*path;	/* OPEN, CHDIR_PATH */
	int			flags;	/* OPEN, CLOSE_RANGE */
	unsigned int		options; /* OPEN: PIDFD_CONFIG_OPEN_* */
	umode_t			mode;	/* OPEN */
};

/* A file named by a path, resolved at commit, or a file referenced now. */
struct pidfd_spawn_path {
	char			*name;	/* NULL: @file itself */
	struct file		*file;	/* the file, or the directory of @name */
};

/* argv or envp: NUL-terminated strings back to back. */
struct pidfd_spawn_strv {
	char			*buf;
	size_t			len;
	size_t			size;
	unsigned int		count;
};

struct pidfd_spawn_ctx {
	refcount_t		count;
	struct mutex		lock;		/* configurers, committers */
	wait_queue_head_t	wait;		/* the parked child */
	struct completion	done;		/* the committer */

	/* Under ->wait.lock: */
	enum pidfd_spawn_state	state;
	int			result;
	bool			released;	/* the builder file is gone */
	bool			carrier;	/* holds a unix socket, a ring */
	unsigned long		in_flight;	/* SCM_RIGHTS lists holding it */

	/* The configuration, under ->lock or the child's (see Locking): */
	bool			applied;	/* actions ran (first commit) */
	struct pidfd_spawn_path	exe;
	struct pidfd_spawn_path	root;
	struct pidfd_spawn_strv	argv;
	struct pidfd_spawn_strv	envp;
	struct files_struct	*inherit;	/* the snapshot of inherit_fds */
	struct list_head	actions;
	unsigned int		nr_actions;
	sigset_t		sigmask;
	sigset_t		sigignore;
	/* Stored by PIDFD_SPAWN_INT() and PIDFD_SPAWN_FLAG() keys */
	int			umask;		/* -1: unset */
	int			pgid;		/* -1: unset */
	int			pdeathsig;	/* -1: unset */
	int			ctty;		/* -1: unset */
	bool			setsid;
	bool			resetids;
	bool			no_new_privs;

	/* Set at clone3(), read-only: what mm_init() copies from an mm. */
	bool			mm_inherit;
	unsigned long		mm_flags;
	unsigned long		mm_def_flags;
};

/* ---- context lifetime ------------------------------------------------- */

static void pidfd_spawn_path_clear(struct pidfd_spawn_path *p)
{
	kfree(p->name);
	if (p->file)
		fput(p->file);
	p->name = NULL;
	p->file = NULL;
}

static void pidfd_spawn_strv_clear(struct pidfd_spawn_strv *v)
{
	kvfree(v->buf);
	memset(v, 0, sizeof(*v));
}

static void pidfd_spawn_free_inherit(struct pidfd_spawn_ctx *ctx)
{
	if (ctx->inherit)
		put_files_struct(ctx->inherit);
	ctx->inherit = NULL;
}

static void pidfd_spawn_free_actions(struct pidfd_spawn_ctx *ctx)
{
	struct pidfd_spawn_action *a, *tmp;

	/* Up to PIDFD_SPAWN_MAX_ACTIONS: let others run on the way. */
	list_for_each_entry_safe(a, tmp, &ctx->actions, list) {
		list_del(&a->list);
		if (a->file)
			fput(a->file);
		kfree(a->path);
		kfree(a);
		cond_resched();
	}
	ctx->nr_actions = 0;
}

/* Drop everything the configuration references. */
static void pidfd_spawn_config_free(struct pidfd_spawn_ctx *ctx)
{
	pidfd_spawn_path_clear(&ctx->exe);
	pidfd_spawn_path_clear(&ctx->root);
	pidfd_spawn_strv_clear(&ctx->argv);
	pidfd_spawn_strv_clear(&ctx->envp);
	pidfd_spawn_free_inherit(ctx);
	pidfd_spawn_free_actions(ctx);
}

static struct pidfd_spawn_ctx *pidfd_spawn_ctx_alloc(void)
{
	struct pidfd_spawn_ctx *ctx;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return NULL;
	refcount_set(&ctx->count, 1);
	mutex_init(&ctx->lock);
	init_waitqueue_head(&ctx->wait);
	init_completion(&ctx->done);
	INIT_LIST_HEAD(&ctx->actions);
	ctx->state = PS_PARKED;
	ctx->umask = -1;
	ctx->pgid = -1;
	ctx->pdeathsig = -1;
	ctx->ctty = -1;
	return ctx;
}

static void pidfd_spawn_ctx_put(struct pidfd_spawn_ctx *ctx)
{
	if (!refcount_dec_and_test(&ctx->count))
		return;
	pidfd_spawn_config_free(ctx);
	mutex_destroy(&ctx->lock);
	kfree(ctx);
}

/* ---- clone3() and pidfs hooks ----------------------------------------- */

/**
 * pidfd_spawn_clone_args_valid - check the clone3() rules of CLONE_EMPTY
 * @kargs: the arguments, with CLONE_EMPTY set
 *
 * An empty process has its own everything and no user stack: it needs a
 * pidfd to be configured through, and flags that share state with the
 * caller, or that act on user memory the child does not have, are refused.
 *
 * Return: true if @kargs is acceptable.
 */
bool pidfd_spawn_clone_args_valid(const struct kernel_clone_args *kargs)
{
	const u64 refused = CLONE_VM | CLONE_THREAD | CLONE_SIGHAND |
			    CLONE_VFORK | CLONE_FILES | CLONE_FS |
			    CLONE_SYSVSEM | CLONE_SETTLS |
			    CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID;

	if (!(kargs->flags & CLONE_PIDFD) || (kargs->flags & refused))
		return false;
	return !kargs->stack && !kargs->stack_size && !kargs->tls;
}

static int pidfd_spawn_child(void *data);

/**
 * pidfd_spawn_clone - create an empty process
 * @kargs: validated clone3() arguments with CLONE_EMPTY | CLONE_PIDFD
 *
 * Return: the pid of the child in the caller's namespace, or a negative
 * errno.
 */
pid_t pidfd_spawn_clone(struct kernel_clone_args *kargs)
{
	struct pidfd_spawn_ctx *ctx;
	pid_t nr;

	ctx = pidfd_spawn_ctx_alloc();
	if (!ctx)
		return -ENOMEM;

	/* The program's mm will have no mm to copy these from: keep them. */
	if (current->mm) {
		ctx->mm_inherit = true;
		ctx->mm_flags = mmf_init_flags(current->mm->flags);
		ctx->mm_def_flags = current->mm->def_flags & VM_INIT_DEF_MASK;
	}

	kargs->empty = 1;
	kargs->fn = pidfd_spawn_child;
	kargs->fn_arg = ctx;
	nr = kernel_clone(kargs);
	/* On success the child owns the first reference. */
	if (nr < 0)
		pidfd_spawn_ctx_put(ctx);
	return nr;
}

/**
 * pidfd_spawn_init_task - make a new task pristine
 * @p: the task copy_process() is building for a CLONE_EMPTY clone3()
 *
 * Called before it can run; copy_sighand() gave it default actions.
 */
void pidfd_spawn_init_task(struct task_struct *p)
{
	sigemptyset(&p->blocked);
	sas_ss_reset(p);
	/* With no mm, ptrace access checks read this instead. */
	if (current->mm)
		p->user_dumpable = get_dumpable(current->mm) == SUID_DUMP_USER;
}

/**
 * pidfd_spawn_skip_mm_hooks - do without the fork hooks that need an mm
 * @p: the empty child copy_process() is building
 *
 * copy_process() skips uprobe_copy_process() and user_events_fork() for an
 * empty child: their state belongs to an mm, which the child gets only at
 * its exec.  Clear the pointers dup_task_struct() copied, as they would.
 */
void pidfd_spawn_skip_mm_hooks(struct task_struct *p)
{
#ifdef CONFIG_UPROBES
	p->utask = NULL;
#endif
#ifdef CONFIG_USER_EVENTS
	p->user_event_mm = NULL;
#endif
}

/**
 * pidfd_spawn_init_mm - give the mm of an empty process's program its flags
 * @mm: the mm that mm_init() sets up for the current task, which has none
 *
 * The mm that an exec creates copies its flags from the mm it replaces; an
 * empty process has none.  Give its program those its creator had at
 * clone3(), as fork() and execve() would: PR_SET_MDWE, PR_SET_THP_DISABLE,
 * PR_SET_MEMORY_MERGE, the coredump filter.  pidfd_spawn_child_exec() points
 * ->worker_private at the context for the duration of the exec.
 */
void pidfd_spawn_init_mm(struct mm_struct *mm)
{
	struct pidfd_spawn_ctx *ctx;

	if (current->flags & (PF_KTHREAD | PF_IO_WORKER | PF_USER_WORKER))
		return;
	ctx = current->worker_private;
	if (ctx && ctx->mm_inherit) {
		mm->flags = ctx->mm_flags;
		mm->def_flags = ctx->mm_def_flags;
	}
}

/**
 * pidfd_spawn_attach - make a new pidfd the builder of an empty process
 * @pidfile: the pidfd file copy_process() prepared, not installed yet
 * @ctx: the context pidfd_spawn_clone() passed as fn_arg
 */
void pidfd_spawn_attach(struct file *pidfile, struct pidfd_spawn_ctx *ctx)
{
	refcount_inc(&ctx->count);
	pidfs_set_builder(pidfile, ctx);
}

/**
 * pidfd_spawn_builder_release - the last reference to the builder is gone
 * @ctx: its context
 *
 * A process that was not committed yet is terminated as if by SIGKILL.
 */
void pidfd_spawn_builder_release(struct pidfd_spawn_ctx *ctx)
{
	scoped_guard(spinlock, &ctx->wait.lock) {
		ctx->released = true;
		if (ctx->state == PS_PARKED || ctx->state == PS_EXEC_FAILED) {
			ctx->state = PS_ABORTED;
			wake_up_locked(&ctx->wait);
		}
	}
	pidfd_spawn_ctx_put(ctx);
}

/**
 * pidfd_spawn_show_fdinfo - show the builder state in a pidfd's fdinfo
 * @m: the fdinfo file
 * @ctx: the builder context
 */
void pidfd_spawn_show_fdinfo(struct seq_file *m, struct pidfd_spawn_ctx *ctx)
{
	enum pidfd_spawn_state state = READ_ONCE(ctx->state);

	seq_printf(m, "PidfdBuilder:\t%s\n", pidfd_spawn_state_names[state]);
}

/* ---- the child --------------------------------------------------------- */

static void pidfd_spawn_set_state(struct pidfd_spawn_ctx *ctx,
				  enum pidfd_spawn_state state)
{
	guard(spinlock)(&ctx->wait.lock);
	ctx->state = state;
}

/*
 * A step of the commit that sleeps interruptibly was woken by something
 * other than a fatal signal.  The signals the child blocks for the new
 * program do not count once the pending state is recomputed.  A stop
 * (SIGSTOP cannot be blocked), a ptrace interrupt or a cgroup freeze
 * does, but cannot take effect without user context: the child hides it
 * from the step and keeps it for the new program (set_current_blocked()
 * at the end of the commit recomputes the flag).  A freeze for suspend
 * is entered here.  Return true to run the step again.
 */
static bool pidfd_spawn_retry(int ret)
{
	if (ret != -ERESTARTSYS && ret != -ERESTARTNOINTR &&
	    ret != -ERESTARTNOHAND && ret != -ERESTART_RESTARTBLOCK &&
	    ret != -EINTR)
		return false;
	try_to_freeze();
	scoped_guard(spinlock_irq, &current->sighand->siglock) {
		if (!__fatal_signal_pending(current) && !freezing(current))
			clear_thread_flag(TIF_SIGPENDING);
	}
	return !fatal_signal_pending(current);
}

/*
 * The child's errors reach the committer as values, not through a system
 * call return, so none of the kernel's internal ones may pass.
 */
static int pidfd_spawn_user_errno(int err)
{
	switch (err) {
	case -ERESTARTSYS:
	case -ERESTARTNOINTR:
	case -ERESTARTNOHAND:
	case -ERESTART_RESTARTBLOCK:
		return -EINTR;
	case -ENOIOCTLCMD:
		return -ENOTTY;
	case -ENOTSUPP:
		return -EOPNOTSUPP;
	case -EOPENSTALE:
		return -ESTALE;
	}
	/* include/linux/errno.h: from 512 up, never seen by user programs */
	return err <= -ERESTARTSYS ? -EIO : err;
}

/* The child is done with its configuration: drop it, and its reference. */
static void pidfd_spawn_child_release(struct pidfd_spawn_ctx *ctx)
{
	scoped_guard(mutex, &ctx->lock)
		pidfd_spawn_config_free(ctx);
	pidfd_spawn_ctx_put(ctx);
}

/*
 * Leave for good before a successful commit: tell a waiting committer why,
 * drop the configuration and die.  @err is what the committer gets.
 */
static void __noreturn pidfd_spawn_child_die(struct pidfd_spawn_ctx *ctx,
					     int err, int sig)
{
	bool committing;

	scoped_guard(spinlock, &ctx->wait.lock) {
		committing = ctx->state == PS_COMMITTING;
		if (ctx->state != PS_ABORTED)
			ctx->state = PS_DEAD;
		ctx->result = pidfd_spawn_user_errno(err);
	}
	if (committing)
		complete(&ctx->done);

	pidfd_spawn_child_release(ctx);
	do_group_exit(sig);
}

/*
 * The directory that @p names, checked as chdir() and fchdir() check it: a
 * path (relative to the working directory, or to the directory of @p's
 * file as openat() would take it), or else the file itself.
 */
static int pidfd_spawn_get_dir(const struct pidfd_spawn_path *p,
			       struct path *path)
{
	unsigned int flags = LOOKUP_FOLLOW | LOOKUP_DIRECTORY;
	int ret;

	if (p->name && p->file) {
		ret = kern_path_at(p->file, p->name, flags, path);
	} else if (p->name) {
		ret = kern_path(p->name, flags, path);
	} else if (d_can_lookup(p->file->f_path.dentry)) {
		*path = p->file->f_path;
		path_get(path);
		ret = 0;
	} else {
		ret = -ENOTDIR;
	}
	if (ret)
		return ret;
	ret = path_permission(path, MAY_EXEC | MAY_CHDIR);
	if (ret) {
		/* Nothing held on failure, for the callers' __free(path_put). */
		path_put(path);
		*path = (struct path){};
	}
	return ret;
}

static int pidfd_spawn_chroot(struct pidfd_spawn_ctx *ctx)
{
	struct path path __free(path_put) = {};
	int ret;

	ret = pidfd_spawn_get_dir(&ctx->root, &path);
	if (ret)
		return ret;
	if (!ns_capable(current_user_ns(), CAP_SYS_CHROOT))
		return -EPERM;
	ret = security_path_chroot(&path);
	if (ret)
		return ret;
	set_fs_root(current->fs, &path);
	return 0;
}

static int pidfd_spawn_chdir(struct pidfd_spawn_action *a)
{
	struct pidfd_spawn_path p = { .name = a->path, .file = a->file };
	struct path path __free(path_put) = {};
	int ret;

	ret = pidfd_spawn_get_dir(&p, &path);
	if (ret)
		return ret;
	set_fs_pwd(current->fs, &path);
	return 0;
}

/* fchdir() to a descriptor of the child. */
static int pidfd_spawn_fchdir(struct pidfd_spawn_action *a)
{
	struct file *file __free(fput) = fget_raw(a->fd);
	struct pidfd_spawn_action fa = { .type = PA_CHDIR_FILE, .file = file };

	if (!file)
		return -EBADF;
	return pidfd_spawn_chdir(&fa);
}

/*
 * Whether an open keeps O_CLOEXEC.  With PIDFD_CONFIG_OPEN_POSIX_CLOEXEC,
 * as posix_spawn_file_actions_addopen() does it: close N, open() (which
 * takes the lowest free descriptor), dup2() to N if that was not N.  So
 * O_CLOEXEC stays only if N was the lowest free descriptor once closed.
 */
static int pidfd_spawn_open_cloexec(struct pidfd_spawn_action *a)
{
	int fd;

	if (!(a->options & PIDFD_CONFIG_OPEN_POSIX_CLOEXEC))
		return a->flags & O_CLOEXEC;
	close_fd(a->fd);
	fd = get_unused_fd_flags(0);
	if (fd < 0)
		return fd;
	put_unused_fd(fd);
	return fd == a->fd && (a->flags & O_CLOEXEC);
}

static int pidfd_spawn_open(struct pidfd_spawn_action *a)
{
	struct file *file __free(fput) = NULL;
	int cloexec, ret;

	if (a->fd >= rlimit(RLIMIT_NOFILE))
		return -EBADF;
	cloexec = pidfd_spawn_open_cloexec(a);
	if (cloexec < 0)
		return cloexec;
	file = filp_open(a->path, force_o_largefile() ?
			 a->flags | O_LARGEFILE : a->flags, a->mode);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ret = replace_fd(a->fd, file, cloexec ? O_CLOEXEC : 0);
	return ret < 0 ? ret : 0;
}

/* dup2(src, N), of the child's own descriptors; dup2(N, N) clears cloexec. */
static int pidfd_spawn_dup(struct pidfd_spawn_action *a)
{
	struct file *file __free(fput) = fget_raw(a->src);
	int ret = 0;

	if (!file)
		return -EBADF;
	if (a->src == a->fd)
		set_close_on_exec(a->fd, 0);
	else
		ret = replace_fd(a->fd, file, 0);
	return ret < 0 ? ret : 0;
}

/*
 * tcsetpgrp(fd, getpgrp()).  The child is not yet in the foreground, so
 * tty_check_change() would stop its group with SIGTTOU: block it, as
 * glibc's posix_spawn child runs with every signal blocked.
 */
static int pidfd_spawn_tcsetpgrp(struct pidfd_spawn_action *a)
{
	sigset_t saved = current->blocked, blocked = saved;
	struct file *file __free(fput) = fget(a->fd);
	int ret;

	if (!file)
		return -EBADF;
	ret = security_file_ioctl(file, TIOCSPGRP, 0);
	if (ret)
		return ret;
	sigaddset(&blocked, SIGTTOU);
	set_current_blocked(&blocked);
	ret = tty_file_set_pgrp(file, task_pgrp_vnr(current));
	set_current_blocked(&saved);
	return ret;
}

static int pidfd_spawn_install(unsigned int fd, struct file *file)
{
	int ret = receive_fd_replace(fd, file, 0);

	return ret < 0 ? ret : 0;
}

static int pidfd_spawn_run_action(struct pidfd_spawn_action *a)
{
	switch (a->type) {
	case PA_INSTALL:
		return pidfd_spawn_install(a->fd, a->file);
	case PA_OPEN:
		return pidfd_spawn_open(a);
	case PA_CLOSE:
		/* Like posix_spawn's close action: a closed fd is no error. */
		close_fd(a->fd);
		return 0;
	case PA_DUP:
		return pidfd_spawn_dup(a);
	case PA_CLOSE_RANGE:
		return __close_range(a->fd, a->last, a->flags);
	case PA_CHDIR_PATH:
	case PA_CHDIR_FILE:
		return pidfd_spawn_chdir(a);
	case PA_CHDIR_FD:
		return pidfd_spawn_fchdir(a);
	case PA_TCSETPGRP:
		return pidfd_spawn_tcsetpgrp(a);
	}
	return -EINVAL;
}

static int pidfd_spawn_make_ctty(int fd)
{
	struct file *file __free(fput) = fget(fd);
	int ret;

	if (!file)
		return -EBADF;
	ret = security_file_ioctl(file, TIOCSCTTY, 0);
	/* vfs_ioctl() turns a driver's ENOIOCTLCMD into ENOTTY. */
	return ret ? ret : vfs_ioctl(file, TIOCSCTTY, 0);
}

static int pidfd_spawn_reset_ids(void)
{
	const struct cred *old = current_cred();
	struct cred *new;
	int ret;

	new = prepare_creds();
	if (!new)
		return -ENOMEM;
	new->euid = new->uid;
	new->fsuid = new->uid;
	new->egid = new->gid;
	new->fsgid = new->gid;
	ret = security_task_fix_setuid(new, old, LSM_SETID_RE);
	if (!ret)
		ret = security_task_fix_setgid(new, old, LSM_SETID_RE);
	if (ret) {
		abort_creds(new);
		return ret;
	}
	return commit_creds(new);
}

static int pidfd_spawn_ignore_signals(sigset_t *set)
{
	struct k_sigaction ka = { .sa.sa_handler = SIG_IGN };
	int sig, ret;

	for (sig = 1; sig <= _NSIG; sig++) {
		if (!sigismember(set, sig))
			continue;
		ret = do_sigaction(sig, &ka, NULL);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Inherited files cross from the configurer to the child like received
 * ones: the snapshot is the context's alone, no lock needed to walk it.
 */
static int pidfd_spawn_check_inherit(struct files_struct *files)
{
	struct fdtable *fdt = rcu_dereference_raw(files->fdt);
	unsigned int fd;
	int ret;

	/* As for the fd:N actions, the child's limit at the commit. */
	fd = find_last_bit(fdt->open_fds, fdt->max_fds);
	if (fd < fdt->max_fds && fd >= rlimit(RLIMIT_NOFILE))
		return -EBADF;
	if (!IS_ENABLED(CONFIG_SECURITY))
		return 0;
	for_each_set_bit(fd, fdt->open_fds, fdt->max_fds) {
		ret = security_file_receive(files_lookup_fd_raw(files, fd));
		if (ret)
			return ret;
	}
	return 0;
}

/* Everything but the exec, in the order the documentation gives. */
static int pidfd_spawn_child_apply(struct pidfd_spawn_ctx *ctx)
{
	struct pidfd_spawn_action *a;
	int ret;

	if (ctx->resetids) {
		ret = pidfd_spawn_reset_ids();
		if (ret)
			return ret;
	}
	if (ctx->setsid) {
		ret = ksys_setsid();
		if (ret < 0)
			return ret;
	}
	if (ctx->pgid >= 0) {
		ret = ksys_setpgid(0, ctx->pgid);
		if (ret)
			return ret;
	}
	if (ctx->no_new_privs)
		task_set_no_new_privs(current);
	if (ctx->pdeathsig >= 0)
		current->pdeath_signal = ctx->pdeathsig;
	if (ctx->umask >= 0)
		current->fs->umask = ctx->umask;
	if (ctx->root.name || ctx->root.file) {
		ret = pidfd_spawn_chroot(ctx);
		if (ret)
			return ret;
	}

	/* The table is still empty: the snapshot takes its place whole. */
	if (ctx->inherit) {
		struct files_struct *empty = current->files;

		ret = pidfd_spawn_check_inherit(ctx->inherit);
		if (ret)
			return ret;
		task_lock(current);
		current->files = ctx->inherit;
		task_unlock(current);
		ctx->inherit = NULL;
		put_files_struct(empty);
	}
	list_for_each_entry(a, &ctx->actions, list) {
		do {
			ret = pidfd_spawn_run_action(a);
		} while (pidfd_spawn_retry(ret));
		if (ret)
			return ret;
		cond_resched();
	}
	if (ctx->ctty >= 0) {
		ret = pidfd_spawn_make_ctty(ctx->ctty);
		if (ret)
			return ret;
	}
	return pidfd_spawn_ignore_signals(&ctx->sigignore);
}

/* Point into a strv buffer: a NULL-terminated vector at @vec. */
static const char **pidfd_spawn_vector(const struct pidfd_spawn_strv *v,
				       const char **vec)
{
	const char *s = v->buf;
	unsigned int i;

	for (i = 0; i < v->count; i++) {
		vec[i] = s;
		s += strlen(s) + 1;
	}
	vec[v->count] = NULL;
	return vec + v->count + 1;
}

/*
 * Did the exec fail past its point of no return?  The empty image is gone
 * then: exec_mmap() gave the child an mm, or bprm_execve() forced SIGSEGV
 * (force_fatal_sig() makes its action immutable, which nothing else does).
 */
static bool pidfd_spawn_exec_lost(void)
{
	if (current->mm)
		return true;
	guard(spinlock_irq)(&current->sighand->siglock);
	return current->sighand->action[SIGSEGV - 1].sa.sa_flags & SA_IMMUTABLE;
}

/*
 * One exec attempt: 0 once the new image runs, or an errno.  -ECANCELED:
 * seccomp wants the process dead.
 */
static int pidfd_spawn_child_exec(struct pidfd_spawn_ctx *ctx)
{
	const char *name = ctx->exe.name;
	const char **argv, **envp;
	int fd = AT_FDCWD, flags = 0;
	int ret = -ENOMEM;

	/* Both vectors in one array: argv's NULL, then envp's. */
	argv = kvmalloc_array(ctx->argv.count + ctx->envp.count + 2,
			      sizeof(*argv), GFP_KERNEL_ACCOUNT);
	if (!argv)
		return -ENOMEM;
	envp = pidfd_spawn_vector(&ctx->argv, argv);
	pidfd_spawn_vector(&ctx->envp, envp);

	/* Execute by file, or relative to a directory: it needs an fd. */
	if (ctx->exe.file) {
		fd = get_unused_fd_flags(O_CLOEXEC);
		if (fd < 0) {
			ret = fd;
			goto out;
		}
		fd_install(fd, get_file(ctx->exe.file));
		if (!name) {
			name = "";
			flags = AT_EMPTY_PATH;
		}
	}

	ret = seccomp_check_exec(fd, flags);
	if (!ret) {
		/* exec_mmap() completes the committer past the point of no return. */
		ctx->result = 0;
		task_lock(current);
		current->vfork_done = &ctx->done;
		current->worker_private = ctx;	/* for pidfd_spawn_init_mm() */
		task_unlock(current);
		do {
			ret = kernel_execveat(fd, name, argv, envp, flags);
		} while (!pidfd_spawn_exec_lost() && pidfd_spawn_retry(ret));
		task_lock(current);
		current->vfork_done = NULL;
		current->worker_private = NULL;
		task_unlock(current);
	}
	if (ret && fd >= 0)
		close_fd(fd);
out:
	kvfree(argv);
	return ret;
}

/*
 * End the process as execve() would after such a failure: by SIGSEGV (a
 * fatal signal that came first wins), without a core dump.  The committer
 * was completed as for a success, so the state is "committed".
 */
static void __noreturn pidfd_spawn_child_exec_lost(struct pidfd_spawn_ctx *ctx)
{
	pidfd_spawn_set_state(ctx, PS_COMMITTED);
	/*
	 * exec_mmap() completes the committer; an exec lost before it (and
	 * without a fatal signal, so past the only failure in between) did
	 * not get there.
	 */
	if (!current->mm)
		complete(&ctx->done);
	pidfd_spawn_child_release(ctx);
	do_group_exit(fatal_signal_pending(current) ? SIGKILL : SIGSEGV);
}

static int pidfd_spawn_child_commit(struct pidfd_spawn_ctx *ctx)
{
	sigset_t all_but_kill;
	int ret;

	/*
	 * The steps and the exec take locks and sleep interruptibly: keep
	 * other signals pending for the new program, which gets its
	 * configured mask only once it runs.
	 */
	siginitsetinv(&all_but_kill, sigmask(SIGKILL));
	set_current_blocked(&all_but_kill);

	if (!ctx->applied) {
		ret = pidfd_spawn_child_apply(ctx);
		/* The files are the child's now, or useless: let them go. */
		pidfd_spawn_free_inherit(ctx);
		pidfd_spawn_free_actions(ctx);
		pidfd_spawn_path_clear(&ctx->root);
		task_work_run();
		/* Killed meanwhile: whatever failed, the process is gone. */
		if (fatal_signal_pending(current))
			pidfd_spawn_child_die(ctx, -ESRCH, SIGKILL);
		if (ret)
			pidfd_spawn_child_die(ctx, ret, SIGKILL);
		ctx->applied = true;
	}

	ret = pidfd_spawn_child_exec(ctx);
	if (!ret) {
		pidfd_spawn_set_state(ctx, PS_COMMITTED);
		set_current_blocked(&ctx->sigmask);
		return 0;
	}
	if (ret == -ECANCELED)
		pidfd_spawn_child_die(ctx, -EPERM, SIGSYS);
	if (pidfd_spawn_exec_lost())
		pidfd_spawn_child_exec_lost(ctx);
	if (fatal_signal_pending(current))
		pidfd_spawn_child_die(ctx, -ESRCH, SIGKILL);

	sigemptyset(&all_but_kill);
	set_current_blocked(&all_but_kill);
	task_work_run();

	spin_lock(&ctx->wait.lock);
	if (ctx->released) {
		spin_unlock(&ctx->wait.lock);
		pidfd_spawn_child_die(ctx, ret, SIGKILL);
	}
	ctx->result = pidfd_spawn_user_errno(ret);
	ctx->state = PS_EXEC_FAILED;
	spin_unlock(&ctx->wait.lock);
	complete(&ctx->done);
	return ret;
}

/* A commit or an abort for the child to act on. */
static bool pidfd_spawn_requested(struct pidfd_spawn_ctx *ctx)
{
	enum pidfd_spawn_state state = READ_ONCE(ctx->state);

	return state == PS_COMMITTING || state == PS_ABORTED;
}

/*
 * The body of an empty process: park until a commit or an abort, and
 * return only once a program has been executed.
 */
static int pidfd_spawn_child(void *data)
{
	struct pidfd_spawn_ctx *ctx = data;
	enum pidfd_spawn_state state;

	/* Auto-attached by its creator's tracer: the stop a fork child owes. */
	if (unlikely(current->ptrace))
		ptrace_stop_parked();

	for (;;) {
		task_work_run();
		if (wait_event_state(ctx->wait, pidfd_spawn_requested(ctx),
				     (TASK_KILLABLE | TASK_NOLOAD |
				      TASK_FREEZABLE)))
			pidfd_spawn_child_die(ctx, -ESRCH, SIGKILL);

		scoped_guard(spinlock, &ctx->wait.lock)
			state = ctx->state;

		if (state == PS_ABORTED)
			pidfd_spawn_child_die(ctx, -ESRCH, SIGKILL);
		if (!pidfd_spawn_child_commit(ctx))
			break;
	}

	/* Running the new program: the configuration is of no more use. */
	pidfd_spawn_child_release(ctx);
	return 0;
}

/* ---- pidfd_config() ----------------------------------------------------- */

struct pidfd_spawn_key;

/*
 * A pidfd_config() call, decoded before ->lock is taken, as fsconfig()
 * decodes into a struct fs_parameter: nothing done under ->lock touches user
 * memory, so a page fault that does not resolve (userfaultfd, FUSE) cannot
 * hold up the child, which takes ->lock to die.  A setter takes what it
 * keeps (and clears the field); pidfd_spawn_param_free() drops the rest.
 */
struct pidfd_spawn_param {
	const struct pidfd_spawn_key *key;
	unsigned int		cmd;
	int			aux;
	unsigned int		fd;	/* N of "fd:N" */
	char			*string; /* a string, a path, the path of an open */
	void			*blob;	/* the aux bytes of an argv/envp block */
	struct file		*file;	/* SET_FD, the dirfd of SET_PATH* */
	union {
		sigset_t	sigset;	/* sigmask, sigignore, sigdefault */
		struct pidfd_config_open open;	/* fd:N SET_BINARY */
		struct pidfd_config_range range; /* close_range */
		unsigned int	count;	/* strings in @blob */
	};
};

static void pidfd_spawn_param_free(struct pidfd_spawn_param *p)
{
	kfree(p->string);
	kvfree(p->blob);
	if (p->file)
		fput(p->file);
}

/* Copy a user string of at most @max bytes (NUL included) into @out. */
static int pidfd_spawn_copy_string(const char __user *src, long max,
				   int toolong, char **out)
{
	long len;
	char *s;

	len = strnlen_user(src, max + 1);
	if (!len)
		return -EFAULT;
	if (len > max)
		return toolong;
	s = kmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	if (copy_from_user(s, src, len) || s[len - 1]) {
		kfree(s);
		return -EFAULT;
	}
	*out = s;
	return 0;
}

/*
 * Reference cycles.  A builder in an SCM_RIGHTS message queued on a unix
 * socket that its own configuration holds (directly, or through sockets
 * and rings in flight or registered there) would keep its child parked
 * with nothing left to reach it: the unix garbage collector does not see
 * through a configuration.  So the two never meet.  A configuration that
 * holds a "carrier", a unix socket or an io_uring instance, makes its
 * builder unsendable for good; a builder in flight takes no carrier; and
 * io_uring keeps builders out of its fixed file tables, as it keeps rings
 * out.  ->in_flight counts the SCM_RIGHTS lists holding the builder.
 */
static bool pidfd_spawn_carrier(struct file *file)
{
	struct socket *sock = sock_from_file(file);

	if (sock)
		return sock->sk && sock->sk->sk_family == AF_UNIX;
	return io_is_uring_fops(file);
}

/* The configuration is about to hold a carrier. */
static int pidfd_spawn_mark_carrier(struct pidfd_spawn_ctx *ctx)
{
	guard(spinlock_irqsave)(&ctx->wait.lock);
	if (ctx->in_flight)
		return -ETOOMANYREFS;
	ctx->carrier = true;
	return 0;
}

static int pidfd_spawn_take_carrier(struct pidfd_spawn_ctx *ctx,
				    struct file *file)
{
	return pidfd_spawn_carrier(file) ? pidfd_spawn_mark_carrier(ctx) : 0;
}

/**
 * pidfd_spawn_scm_get - a file is being put in an SCM_RIGHTS message
 * @file: the file
 *
 * Return: 0, or -ETOOMANYREFS if @file is a builder whose configuration
 * holds a unix socket or an io_uring instance (see above).
 */
int pidfd_spawn_scm_get(struct file *file)
{
	struct pidfd_spawn_ctx *ctx = pidfs_builder(file);

	if (IS_ERR(ctx))
		return 0;
	guard(spinlock_irqsave)(&ctx->wait.lock);
	if (ctx->carrier)
		return -ETOOMANYREFS;
	ctx->in_flight++;
	return 0;
}

/**
 * pidfd_spawn_scm_dup - a file in an SCM_RIGHTS message is in a second one
 * @file: the file, already counted by pidfd_spawn_scm_get()
 */
void pidfd_spawn_scm_dup(struct file *file)
{
	struct pidfd_spawn_ctx *ctx = pidfs_builder(file);

	if (IS_ERR(ctx))
		return;
	guard(spinlock_irqsave)(&ctx->wait.lock);
	ctx->in_flight++;
}

/**
 * pidfd_spawn_scm_put - an SCM_RIGHTS message holding a file is destroyed
 * @file: the file, counted by pidfd_spawn_scm_get() or _dup()
 */
void pidfd_spawn_scm_put(struct file *file)
{
	struct pidfd_spawn_ctx *ctx = pidfs_builder(file);

	if (IS_ERR(ctx))
		return;
	guard(spinlock_irqsave)(&ctx->wait.lock);
	WARN_ON_ONCE(!ctx->in_flight);
	ctx->in_flight--;
}

/* A file from the caller that may be handed to the child. */
/* The file of a SET_FD value or of a dirfd, into @p->file. */
static int pidfd_spawn_decode_file(struct pidfd_spawn_param *p, int fd)
{
	/* O_PATH files too: they serve as directories and for fexecve(). */
	p->file = fget_raw(fd);
	if (!p->file)
		return -EBADF;
	/* A builder inside a child could keep that child parked forever. */
	if (pidfs_is_builder(p->file))
		return -EINVAL;
	return 0;
}

/*
 * SET_PATH, SET_PATH_EMPTY, SET_STRING and SET_FD values of exe, cwd and
 * root, once @p->string holds the name: a name, a file, or both (relative
 * to that directory).  A NULL name with a file is the file itself.
 */
static int pidfd_spawn_decode_path(struct pidfd_spawn_param *p)
{
	int ret;

	if (!p->string[0] && p->cmd != PIDFD_CONFIG_SET_PATH_EMPTY)
		return -ENOENT;
	if (p->cmd == PIDFD_CONFIG_SET_STRING || p->aux == AT_FDCWD)
		return p->string[0] ? 0 : -EBADF;
	ret = pidfd_spawn_decode_file(p, p->aux);
	if (!ret && !p->string[0]) {
		kfree(p->string);
		p->string = NULL;
	}
	return ret;
}

/* Take the decoded path of @p, and account for its file. */
static int pidfd_spawn_take_path(struct pidfd_spawn_ctx *ctx,
				 struct pidfd_spawn_param *p,
				 struct pidfd_spawn_path *path)
{
	int ret;

	if (p->file) {
		ret = pidfd_spawn_take_carrier(ctx, p->file);
		if (ret)
			return ret;
	}
	path->name = p->string;
	path->file = p->file;
	p->string = NULL;
	p->file = NULL;
	return 0;
}

static int pidfd_spawn_set_exe(struct pidfd_spawn_ctx *ctx,
			       struct pidfd_spawn_param *p)
{
	struct pidfd_spawn_path path;
	int ret;

	ret = pidfd_spawn_take_path(ctx, p, &path);
	if (ret)
		return ret;
	pidfd_spawn_path_clear(&ctx->exe);
	ctx->exe = path;
	return 0;
}

static int pidfd_spawn_set_root(struct pidfd_spawn_ctx *ctx,
				struct pidfd_spawn_param *p)
{
	struct pidfd_spawn_path path;
	int ret;

	ret = pidfd_spawn_take_path(ctx, p, &path);
	if (ret)
		return ret;
	pidfd_spawn_path_clear(&ctx->root);
	ctx->root = path;
	return 0;
}

/* The execve(2) limit on argv + envp, for the caller's stack rlimit. */
static size_t pidfd_spawn_arg_limit(void)
{
	size_t limit = _STK_LIM / 4 * 3;

	limit = min_t(size_t, limit, rlimit(RLIMIT_STACK) / 4);
	return max_t(size_t, limit, ARG_MAX);
}

static int pidfd_spawn_check_args(struct pidfd_spawn_ctx *ctx,
				  const struct pidfd_spawn_strv *v,
				  size_t len, unsigned int count)
{
	const struct pidfd_spawn_strv *other;
	size_t total;

	other = v == &ctx->argv ? &ctx->envp : &ctx->argv;
	total = other->len + len + (size_t)(other->count + count) * sizeof(void *);
	return total > pidfd_spawn_arg_limit() ? -E2BIG : 0;
}

/* Append one string (SET_STRING). */
static int pidfd_spawn_strv_append(struct pidfd_spawn_ctx *ctx,
				   struct pidfd_spawn_strv *v,
				   const struct pidfd_spawn_param *p)
{
	size_t len = strlen(p->string) + 1;
	int ret;

	ret = pidfd_spawn_check_args(ctx, v, v->len + len, v->count + 1);
	if (ret)
		return ret;
	if (v->len + len > v->size) {
		size_t size = max_t(size_t, 2 * v->size, v->len + len);
		char *buf;

		size = max_t(size_t, size, 256);
		buf = kvmalloc(size, GFP_KERNEL_ACCOUNT);
		if (!buf)
			return -ENOMEM;
		if (v->len)
			memcpy(buf, v->buf, v->len);
		kvfree(v->buf);
		v->buf = buf;
		v->size = size;
	}
	memcpy(v->buf + v->len, p->string, len);
	v->len += len;
	v->count++;
	return 0;
}

/* A block of NUL-terminated strings (SET_BINARY of argv, envp). */
static int pidfd_spawn_decode_strv(struct pidfd_spawn_param *p,
				   const void __user *value)
{
	size_t len = p->aux, off = 0, n;
	char *buf;

	if (p->aux < 0)
		return -EINVAL;
	if (!len)
		return 0;
	if (len > pidfd_spawn_arg_limit())
		return -E2BIG;
	buf = kvmalloc(len, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return -ENOMEM;
	p->blob = buf;
	if (copy_from_user(buf, value, len))
		return -EFAULT;
	if (buf[len - 1])
		return -EINVAL;
	while (off < len) {
		n = strlen(buf + off) + 1;
		if (n > MAX_ARG_STRLEN)
			return -E2BIG;
		off += n;
		p->count++;
	}
	return 0;
}

/* Replace the whole vector with the decoded block. */
static int pidfd_spawn_strv_replace(struct pidfd_spawn_ctx *ctx,
				    struct pidfd_spawn_strv *v,
				    struct pidfd_spawn_param *p)
{
	int ret;

	if (!p->blob) {
		pidfd_spawn_strv_clear(v);
		return 0;
	}
	ret = pidfd_spawn_check_args(ctx, v, p->aux, p->count);
	if (ret)
		return ret;
	kvfree(v->buf);
	v->buf = p->blob;
	v->len = p->aux;
	v->size = p->aux;
	v->count = p->count;
	p->blob = NULL;
	return 0;
}

static int pidfd_spawn_set_strv(struct pidfd_spawn_ctx *ctx,
				struct pidfd_spawn_strv *v,
				struct pidfd_spawn_param *p)
{
	switch (p->cmd) {
	case PIDFD_CONFIG_SET_STRING:
		return pidfd_spawn_strv_append(ctx, v, p);
	case PIDFD_CONFIG_SET_BINARY:
		return pidfd_spawn_strv_replace(ctx, v, p);
	default:
		pidfd_spawn_strv_clear(v);
		return 0;
	}
}

static int pidfd_spawn_set_argv(struct pidfd_spawn_ctx *ctx,
				struct pidfd_spawn_param *p)
{
	return pidfd_spawn_set_strv(ctx, &ctx->argv, p);
}

static int pidfd_spawn_set_envp(struct pidfd_spawn_ctx *ctx,
				struct pidfd_spawn_param *p)
{
	return pidfd_spawn_set_strv(ctx, &ctx->envp, p);
}

static int pidfd_spawn_add_action(struct pidfd_spawn_ctx *ctx,
				  struct pidfd_spawn_action *a)
{
	if (ctx->nr_actions >= PIDFD_SPAWN_MAX_ACTIONS)
		return -E2BIG;
	list_add_tail(&a->list, &ctx->actions);
	ctx->nr_actions++;
	return 0;
}

/* The struct pidfd_config_open of an fd:N SET_BINARY, and its path. */
static int pidfd_spawn_decode_open(struct pidfd_spawn_param *p,
				   const void __user *value)
{
	int ret;

	if (p->aux < PIDFD_CONFIG_OPEN_SIZE_VER0)
		return -EINVAL;
	if (p->aux > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&p->open, sizeof(p->open), value, p->aux);
	if (ret)
		return ret;
	if (p->open.reserved ||
	    p->open.options & ~PIDFD_CONFIG_OPEN_POSIX_CLOEXEC)
		return -EINVAL;
	return pidfd_spawn_copy_string(u64_to_user_ptr(p->open.path),
				       PATH_MAX, -ENAMETOOLONG, &p->string);
}

/* A new action at the end of the list, with the decoded path of @p. */
static struct pidfd_spawn_action *
pidfd_spawn_new_action(struct pidfd_spawn_ctx *ctx, struct pidfd_spawn_param *p)
{
	struct pidfd_spawn_path path = {};
	struct pidfd_spawn_action *a;
	int ret;

	a = kzalloc(sizeof(*a), GFP_KERNEL_ACCOUNT);
	if (!a)
		return ERR_PTR(-ENOMEM);
	ret = pidfd_spawn_take_path(ctx, p, &path);
	if (!ret)
		ret = pidfd_spawn_add_action(ctx, a);
	if (ret) {
		pidfd_spawn_path_clear(&path);
		kfree(a);
		return ERR_PTR(ret);
	}
	a->path = path.name;
	a->file = path.file;
	return a;
}

static int pidfd_spawn_set_fd(struct pidfd_spawn_ctx *ctx,
			      struct pidfd_spawn_param *p)
{
	struct pidfd_spawn_action *a;

	a = pidfd_spawn_new_action(ctx, p);
	if (IS_ERR(a))
		return PTR_ERR(a);
	a->fd = p->fd;
	switch (p->cmd) {
	case PIDFD_CONFIG_SET_FD:
		a->type = PA_INSTALL;
		break;
	case PIDFD_CONFIG_SET_BINARY:
		a->type = PA_OPEN;
		a->flags = p->open.flags;
		a->mode = p->open.mode & S_IALLUGO;
		a->options = p->open.options;
		break;
	default:
		a->type = PA_CLOSE;
		break;
	}
	return 0;
}

static int pidfd_spawn_set_cwd(struct pidfd_spawn_ctx *ctx,
			       struct pidfd_spawn_param *p)
{
	struct pidfd_spawn_action *a;

	a = pidfd_spawn_new_action(ctx, p);
	if (IS_ERR(a))
		return PTR_ERR(a);
	if (p->cmd == PIDFD_CONFIG_SET_INT) {
		a->type = PA_CHDIR_FD;
		a->fd = p->aux;
	} else {
		a->type = a->path ? PA_CHDIR_PATH : PA_CHDIR_FILE;
	}
	return 0;
}

static int pidfd_spawn_set_dup(struct pidfd_spawn_ctx *ctx,
			       struct pidfd_spawn_param *p)
{
	struct pidfd_spawn_action *a;

	a = pidfd_spawn_new_action(ctx, p);
	if (IS_ERR(a))
		return PTR_ERR(a);
	a->type = PA_DUP;
	a->fd = p->fd;
	a->src = p->aux;
	return 0;
}

static int pidfd_spawn_set_tcsetpgrp(struct pidfd_spawn_ctx *ctx,
				     struct pidfd_spawn_param *p)
{
	struct pidfd_spawn_action *a;

	a = pidfd_spawn_new_action(ctx, p);
	if (IS_ERR(a))
		return PTR_ERR(a);
	a->type = PA_TCSETPGRP;
	a->fd = p->aux;
	return 0;
}

/* The struct pidfd_config_range of a close_range SET_BINARY. */
static int pidfd_spawn_decode_range(struct pidfd_spawn_param *p,
				    const void __user *value)
{
	struct pidfd_config_range *r = &p->range;
	int ret;

	if (p->aux < PIDFD_CONFIG_RANGE_SIZE_VER0)
		return -EINVAL;
	if (p->aux > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(r, sizeof(*r), value, p->aux);
	if (ret)
		return ret;
	/* The child's table is its own: CLOSE_RANGE_UNSHARE means nothing. */
	if (r->reserved || r->flags & ~CLOSE_RANGE_CLOEXEC ||
	    r->first > r->last)
		return -EINVAL;
	return 0;
}

static int pidfd_spawn_set_close_range(struct pidfd_spawn_ctx *ctx,
				       struct pidfd_spawn_param *p)
{
	struct pidfd_spawn_action *a;

	a = pidfd_spawn_new_action(ctx, p);
	if (IS_ERR(a))
		return PTR_ERR(a);
	a->type = PA_CLOSE_RANGE;
	a->fd = p->range.first;
	a->last = p->range.last;
	a->flags = p->range.flags;
	return 0;
}

/*
 * The filter of the inherit_fds snapshot, in the same pass as the copy:
 * builder pidfds stay out (a child holding its own builder would keep
 * itself alive), and a carrier among the others is noted.  A table holds
 * many files of few kinds: once the operations of a file showed that no
 * file of its kind is a pidfd, a socket or a ring, the next files of that
 * kind are let through without asking again.
 */
struct pidfd_spawn_inherit_scan {
	const struct file_operations *plain;
	bool carrier;
};

static bool pidfd_spawn_inherit_skip(struct file *file, void *arg)
{
	struct pidfd_spawn_inherit_scan *scan = arg;
	struct pidfd_spawn_ctx *builder;

	if (file->f_op == scan->plain)
		return false;
	builder = pidfs_builder(file);
	if (!IS_ERR(builder))
		return true;
	if (pidfd_spawn_carrier(file))
		scan->carrier = true;
	else if (PTR_ERR(builder) == -EBADF && !sock_from_file(file) &&
		 !io_is_uring_fops(file))
		scan->plain = file->f_op;
	return false;
}

/* Snapshot the caller's descriptors that survive exec. */
static int pidfd_spawn_set_inherit(struct pidfd_spawn_ctx *ctx,
				   struct pidfd_spawn_param *p)
{
	struct pidfd_spawn_inherit_scan scan = { };
	struct files_struct *files;
	int ret;

	files = dup_fd_exec(current->files, pidfd_spawn_inherit_skip, &scan);
	if (IS_ERR(files))
		return PTR_ERR(files);
	ret = scan.carrier ? pidfd_spawn_mark_carrier(ctx) : 0;
	if (ret) {
		put_files_struct(files);
		return ret;
	}
	pidfd_spawn_free_inherit(ctx);
	ctx->inherit = files;
	return 0;
}

/* The sigset_t of a sigmask or sigignore SET_BINARY. */
static int pidfd_spawn_decode_sigset(struct pidfd_spawn_param *p,
				     const void __user *value)
{
	int ret;

	if (p->aux < (int)sizeof(p->sigset))
		return -EINVAL;
	if (p->aux > PAGE_SIZE)
		return -E2BIG;
	ret = copy_struct_from_user(&p->sigset, sizeof(p->sigset), value,
				    p->aux);
	if (ret)
		return ret;
#ifdef CONFIG_COMPAT
	/* A 32-bit caller's words are in another order on big-endian. */
	if (in_compat_syscall() && get_compat_sigset(&p->sigset, value))
		return -EFAULT;
#endif
	return 0;
}

static int pidfd_spawn_set_sigmask(struct pidfd_spawn_ctx *ctx,
				   struct pidfd_spawn_param *p)
{
	ctx->sigmask = p->sigset;
	sigdelsetmask(&ctx->sigmask, sigmask(SIGKILL) | sigmask(SIGSTOP));
	return 0;
}

static int pidfd_spawn_set_sigignore(struct pidfd_spawn_ctx *ctx,
				     struct pidfd_spawn_param *p)
{
	if (sigismember(&p->sigset, SIGKILL) || sigismember(&p->sigset, SIGSTOP))
		return -EINVAL;
	ctx->sigignore = p->sigset;
	return 0;
}

/* posix_spawn's rule: what the caller ignores now, the child ignores. */
static int pidfd_spawn_set_inherit_sigignore(struct pidfd_spawn_ctx *ctx,
					     struct pidfd_spawn_param *p)
{
	struct sighand_struct *sighand = current->sighand;
	int sig;

	guard(spinlock_irq)(&sighand->siglock);
	for (sig = 1; sig <= _NSIG; sig++)
		if (sighand->action[sig - 1].sa.sa_handler == SIG_IGN)
			sigaddset(&ctx->sigignore, sig);
	return 0;
}

/* POSIX_SPAWN_SETSIGDEF: these stay SIG_DFL. */
static int pidfd_spawn_set_sigdefault(struct pidfd_spawn_ctx *ctx,
				      struct pidfd_spawn_param *p)
{
	sigandnsets(&ctx->sigignore, &ctx->sigignore, &p->sigset);
	return 0;
}

#define CMD(c)	BIT(PIDFD_CONFIG_##c)

struct pidfd_spawn_key {
	const char	*name;
	unsigned int	cmds;		/* the commands it accepts */
	bool		retry;		/* may change after a failed exec */
	bool		path;		/* its strings are paths */
	bool		child_fd;	/* its SET_INT is a descriptor of the child */
	size_t		offset;		/* the field of a flag or an int */
	int		min, max;	/* the range of an int */
	/* SET_BINARY: check the size and decode the value */
	int (*decode)(struct pidfd_spawn_param *p, const void __user *value);
	/* Store the decoded value; called with ->lock held */
	int (*set)(struct pidfd_spawn_ctx *ctx, struct pidfd_spawn_param *p);
};

/* SET_FLAG of a key that only turns a bool of the context on. */
static int pidfd_spawn_store_flag(struct pidfd_spawn_ctx *ctx,
				  struct pidfd_spawn_param *p)
{
	*(bool *)((char *)ctx + p->key->offset) = true;
	return 0;
}

/* SET_INT of a key that stores an int of the context, within a range. */
static int pidfd_spawn_store_int(struct pidfd_spawn_ctx *ctx,
				 struct pidfd_spawn_param *p)
{
	if (p->aux < p->key->min || p->aux > p->key->max)
		return -EINVAL;
	*(int *)((char *)ctx + p->key->offset) = p->aux;
	return 0;
}

/* A key whose SET_FLAG sets a bool of the context. */
#define PIDFD_SPAWN_FLAG(_name, field) {				\
	.name = _name, .cmds = CMD(SET_FLAG),				\
	.offset = offsetof(struct pidfd_spawn_ctx, field),		\
	.set = pidfd_spawn_store_flag,					\
}

/* A key whose SET_INT stores an int of the context, from @_min to @_max. */
#define PIDFD_SPAWN_INT(_name, field, _min, _max) {			\
	.name = _name, .cmds = CMD(SET_INT),				\
	.offset = offsetof(struct pidfd_spawn_ctx, field),		\
	.min = _min, .max = _max, .set = pidfd_spawn_store_int,	\
}

static const struct pidfd_spawn_key pidfd_spawn_keys[] = {
	{ .name = "exe", .cmds = CMD(SET_PATH) | CMD(SET_PATH_EMPTY) |
	  CMD(SET_FD) | CMD(SET_STRING), .retry = true, .path = true,
	  .set = pidfd_spawn_set_exe },
	{ .name = "argv", .cmds = CMD(SET_STRING) | CMD(SET_BINARY) |
	  CMD(SET_FLAG), .retry = true,
	  .decode = pidfd_spawn_decode_strv, .set = pidfd_spawn_set_argv },
	{ .name = "envp", .cmds = CMD(SET_STRING) | CMD(SET_BINARY) |
	  CMD(SET_FLAG), .retry = true,
	  .decode = pidfd_spawn_decode_strv, .set = pidfd_spawn_set_envp },
	{ .name = "inherit_fds", .cmds = CMD(SET_FLAG),
	  .set = pidfd_spawn_set_inherit },
	{ .name = "cwd", .cmds = CMD(SET_PATH) | CMD(SET_FD) | CMD(SET_INT),
	  .path = true, .child_fd = true, .set = pidfd_spawn_set_cwd },
	{ .name = "close_range", .cmds = CMD(SET_BINARY),
	  .decode = pidfd_spawn_decode_range,
	  .set = pidfd_spawn_set_close_range },
	{ .name = "tcsetpgrp", .cmds = CMD(SET_INT), .child_fd = true,
	  .set = pidfd_spawn_set_tcsetpgrp },
	{ .name = "root", .cmds = CMD(SET_PATH) | CMD(SET_FD), .path = true,
	  .set = pidfd_spawn_set_root },
	PIDFD_SPAWN_INT("umask", umask, 0, 0777),
	{ .name = "sigmask", .cmds = CMD(SET_BINARY),
	  .decode = pidfd_spawn_decode_sigset,
	  .set = pidfd_spawn_set_sigmask },
	{ .name = "sigignore", .cmds = CMD(SET_BINARY),
	  .decode = pidfd_spawn_decode_sigset,
	  .set = pidfd_spawn_set_sigignore },
	{ .name = "inherit_sigignore", .cmds = CMD(SET_FLAG),
	  .set = pidfd_spawn_set_inherit_sigignore },
	{ .name = "sigdefault", .cmds = CMD(SET_BINARY),
	  .decode = pidfd_spawn_decode_sigset,
	  .set = pidfd_spawn_set_sigdefault },
	PIDFD_SPAWN_FLAG("setsid", setsid),
	PIDFD_SPAWN_INT("pgid", pgid, 0, INT_MAX),
	PIDFD_SPAWN_FLAG("resetids", resetids),
	PIDFD_SPAWN_FLAG("no_new_privs", no_new_privs),
	PIDFD_SPAWN_INT("pdeathsig", pdeathsig, 0, _NSIG),
	PIDFD_SPAWN_INT("ctty", ctty, 0, INT_MAX),
};

static const struct pidfd_spawn_key pidfd_spawn_fd_key = {
	.name = "fd:N", .cmds = CMD(SET_FD) | CMD(SET_BINARY) | CMD(SET_FLAG),
	.decode = pidfd_spawn_decode_open, .set = pidfd_spawn_set_fd,
};

static const struct pidfd_spawn_key pidfd_spawn_dup_key = {
	.name = "dup:N", .cmds = CMD(SET_INT), .child_fd = true,
	.set = pidfd_spawn_set_dup,
};

/*
 * The N of "fd:N" and "dup:N", at @s: in decimal, digits only (kstrtouint()
 * would take a trailing newline), no leading zero.
 */
static int pidfd_spawn_parse_fd(const char *s, unsigned int *fd)
{
	const char *c;

	if (!*s || (s[0] == '0' && s[1]))
		return -EINVAL;
	for (c = s; *c; c++)
		if (!isdigit(*c))
			return -EINVAL;
	if (kstrtouint(s, 10, fd))
		return -EINVAL;
	return *fd >= sysctl_nr_open ? -EBADF : 0;
}

static const struct pidfd_spawn_key *
pidfd_spawn_find_key(const char *key, struct pidfd_spawn_param *p)
{
	unsigned int i;
	int ret;

	/* The first byte first: most rows differ there. */
	for (i = 0; i < ARRAY_SIZE(pidfd_spawn_keys); i++)
		if (key[0] == pidfd_spawn_keys[i].name[0] &&
		    !strcmp(key, pidfd_spawn_keys[i].name))
			return &pidfd_spawn_keys[i];
	if (!strncmp(key, "fd:", 3)) {
		ret = pidfd_spawn_parse_fd(key + 3, &p->fd);
		return ret ? ERR_PTR(ret) : &pidfd_spawn_fd_key;
	}
	if (!strncmp(key, "dup:", 4)) {
		ret = pidfd_spawn_parse_fd(key + 4, &p->fd);
		return ret ? ERR_PTR(ret) : &pidfd_spawn_dup_key;
	}
	return ERR_PTR(-EINVAL);
}

/* The argument shape each command requires. */
static int pidfd_spawn_check_shape(unsigned int cmd, const char __user *key,
				   const void __user *value, int aux)
{
	switch (cmd) {
	case PIDFD_CONFIG_SET_FLAG:
		return key && !value && !aux ? 0 : -EINVAL;
	case PIDFD_CONFIG_SET_STRING:
		return key && value && !aux ? 0 : -EINVAL;
	case PIDFD_CONFIG_SET_BINARY:
	case PIDFD_CONFIG_SET_PATH:
	case PIDFD_CONFIG_SET_PATH_EMPTY:
		return key && value ? 0 : -EINVAL;
	case PIDFD_CONFIG_SET_FD:
	case PIDFD_CONFIG_SET_INT:
		return key && !value ? 0 : -EINVAL;
	default:
		return !key && !value && !aux ? 0 : -EINVAL;
	}
}

/* Most bytes of arguments an audit record of a commit carries. */
#define PIDFD_SPAWN_AUDIT_MAX	4096

/*
 * The child executes outside any system call, where audit records nothing:
 * record the exec in the committing pidfd_config() call instead, as an
 * EXECVE record of the program run and its arguments.
 */
static void pidfd_spawn_audit_exec(struct pidfd_spawn_ctx *ctx)
{
	const char *s = ctx->argv.buf;
	struct audit_buffer *ab;
	size_t logged = 0;
	unsigned int i;

	if (!audit_enabled)
		return;
	ab = audit_log_start(audit_context(), GFP_KERNEL, AUDIT_EXECVE);
	if (!ab)
		return;
	audit_log_format(ab, "argc=%u", ctx->argv.count);
	for (i = 0; i < ctx->argv.count; i++) {
		if (logged > PIDFD_SPAWN_AUDIT_MAX) {
			audit_log_format(ab, " truncated=1");
			break;
		}
		audit_log_format(ab, " a%u=", i);
		audit_log_untrustedstring(ab, s);
		logged += strlen(s) + 1;
		s += strlen(s) + 1;
	}
	audit_log_end(ab);
}

/*
 * Hand a configurable child a request.  ->lock keeps other configurers
 * out, but not the child: a SIGKILL makes it pidfd_spawn_child_die() (state
 * "dead") without ->lock, any time after pidfd_spawn_config() looked at
 * the state.  So look again, under the lock the child sets it with: a
 * committer that overwrote "dead" with "committing" would wait for a child
 * that is gone, holding ->lock, which the dying child waits for.
 */
static int pidfd_spawn_send_request_locked(struct pidfd_spawn_ctx *ctx,
					   enum pidfd_spawn_state state)
{
	lockdep_assert_held(&ctx->lock);
	guard(spinlock)(&ctx->wait.lock);
	if (ctx->state != PS_PARKED && ctx->state != PS_EXEC_FAILED)
		return -ESRCH;
	ctx->state = state;
	wake_up_locked(&ctx->wait);
	return 0;
}

#ifdef CONFIG_PIDFD_SPAWN_DEBUG
/*
 * Test hook: a commit by the process whose pid (in the initial namespace)
 * is debug_race_pid waits here, after pidfd_spawn_config() saw the child
 * configurable, until the child is dead: the window in which a SIGKILL
 * once let the committer overwrite "dead" with "committing".  The knob
 * reads as minus that pid while the commit waits, 0 once it goes on.
 */
static int debug_race_pid;
module_param(debug_race_pid, int, 0600);
MODULE_PARM_DESC(debug_race_pid,
		 "hold a commit by this pid until its child is dead (tests)");

static void pidfd_spawn_debug_race(struct pidfd_spawn_ctx *ctx)
{
	if (READ_ONCE(debug_race_pid) != task_tgid_nr(current))
		return;
	WRITE_ONCE(debug_race_pid, -task_tgid_nr(current));
	while (READ_ONCE(ctx->state) != PS_DEAD &&
	       !fatal_signal_pending(current))
		schedule_timeout_killable(HZ / 50);
	WRITE_ONCE(debug_race_pid, 0);
}
#else
static inline void pidfd_spawn_debug_race(struct pidfd_spawn_ctx *ctx)
{
}
#endif

static int pidfd_spawn_cmd_exec(struct pidfd_spawn_ctx *ctx)
{
	int ret;

	lockdep_assert_held(&ctx->lock);
	if (!ctx->exe.name && !ctx->exe.file)
		return -EINVAL;

	pidfd_spawn_debug_race(ctx);
	reinit_completion(&ctx->done);
	ret = pidfd_spawn_send_request_locked(ctx, PS_COMMITTING);
	if (ret)
		return ret;

	/* On a fatal signal, the child finishes or dies on its own. */
	if (wait_for_completion_killable(&ctx->done))
		return -EINTR;

	scoped_guard(spinlock, &ctx->wait.lock) {
		ret = ctx->result;
		if (!ret)
			ctx->state = PS_COMMITTED;
	}
	/* The child frees the configuration only once ->lock is released. */
	if (!ret)
		pidfd_spawn_audit_exec(ctx);
	return ret;
}

static int pidfd_spawn_cmd_abort(struct pidfd_spawn_ctx *ctx)
{
	lockdep_assert_held(&ctx->lock);
	return pidfd_spawn_send_request_locked(ctx, PS_ABORTED);
}

/*
 * May @key (NULL: a command) be given in the current state?  Looked at
 * @early, before ->lock is taken, to fail early in the states that last,
 * and again with ->lock held.  A commit in progress may yet fail: a call
 * waits for it on ->lock.
 */
static int pidfd_spawn_check_state(struct pidfd_spawn_ctx *ctx,
				   const struct pidfd_spawn_key *key,
				   bool early)
{
	guard(spinlock)(&ctx->wait.lock);
	switch (ctx->state) {
	case PS_COMMITTING:
		return early ? 0 : -EBUSY;
	case PS_COMMITTED:
		return -EBUSY;
	case PS_ABORTED:
	case PS_DEAD:
		return -ESRCH;
	case PS_EXEC_FAILED:
		return key && !key->retry ? -EBUSY : 0;
	default:
		return 0;
	}
}

/* Copy the key and the value of a setting into @p, with no lock held. */
static int pidfd_spawn_decode(struct pidfd_spawn_ctx *ctx,
			      struct pidfd_spawn_param *p,
			      const char __user *_key, const void __user *value)
{
	const struct pidfd_spawn_key *k;
	char key[PIDFD_SPAWN_KEY_MAX + 1];
	long len;
	int ret;

	len = strncpy_from_user(key, _key, sizeof(key));
	if (len < 0)
		return len;
	if (len == sizeof(key))
		return -EINVAL;
	k = pidfd_spawn_find_key(key, p);
	if (IS_ERR(k))
		return PTR_ERR(k);
	if (!(k->cmds & BIT(p->cmd)))
		return -EINVAL;
	p->key = k;
	ret = pidfd_spawn_check_state(ctx, k, true);
	if (ret)
		return ret;

	switch (p->cmd) {
	case PIDFD_CONFIG_SET_STRING:
	case PIDFD_CONFIG_SET_PATH:
	case PIDFD_CONFIG_SET_PATH_EMPTY:
		if (k->path)
			ret = pidfd_spawn_copy_string(value, PATH_MAX,
						      -ENAMETOOLONG,
						      &p->string);
		else
			ret = pidfd_spawn_copy_string(value, MAX_ARG_STRLEN,
						      -E2BIG, &p->string);
		if (ret || !k->path)
			return ret;
		return pidfd_spawn_decode_path(p);
	case PIDFD_CONFIG_SET_FD:
		return pidfd_spawn_decode_file(p, p->aux);
	case PIDFD_CONFIG_SET_BINARY:
		return k->decode(p, value);
	case PIDFD_CONFIG_SET_INT:
		/* A descriptor that the child cannot have: as for dup2(). */
		if (k->child_fd && (p->aux < 0 || p->aux >= sysctl_nr_open))
			return -EBADF;
		return 0;
	default:
		return 0;
	}
}

/* Store a decoded setting, if the state still allows it. */
static int pidfd_spawn_set_locked(struct pidfd_spawn_ctx *ctx,
				  struct pidfd_spawn_param *p)
{
	int ret;

	lockdep_assert_held(&ctx->lock);
	ret = pidfd_spawn_check_state(ctx, p->key, false);
	return ret ? ret : p->key->set(ctx, p);
}

/* The SET_* commands: decode, then store under ->lock. */
static int pidfd_spawn_cmd_set(struct pidfd_spawn_ctx *ctx, unsigned int cmd,
			       const char __user *key,
			       const void __user *value, int aux)
{
	struct pidfd_spawn_param p = { .cmd = cmd, .aux = aux };
	int ret;

	ret = pidfd_spawn_decode(ctx, &p, key, value);
	if (!ret && mutex_lock_killable(&ctx->lock))
		ret = -EINTR;
	if (!ret) {
		ret = pidfd_spawn_set_locked(ctx, &p);
		mutex_unlock(&ctx->lock);
	}
	pidfd_spawn_param_free(&p);
	return ret;
}

static int pidfd_spawn_config(struct pidfd_spawn_ctx *ctx, unsigned int cmd,
			      const char __user *key,
			      const void __user *value, int aux)
{
	int ret;

	ret = pidfd_spawn_check_state(ctx, NULL, true);
	if (!ret)
		ret = pidfd_spawn_check_shape(cmd, key, value, aux);
	if (ret)
		return ret;
	if (cmd != PIDFD_CONFIG_CMD_EXEC && cmd != PIDFD_CONFIG_CMD_ABORT)
		return pidfd_spawn_cmd_set(ctx, cmd, key, value, aux);

	if (mutex_lock_killable(&ctx->lock))
		return -EINTR;
	ret = pidfd_spawn_check_state(ctx, NULL, false);
	if (!ret && cmd == PIDFD_CONFIG_CMD_EXEC)
		ret = pidfd_spawn_cmd_exec(ctx);
	else if (!ret)
		ret = pidfd_spawn_cmd_abort(ctx);
	mutex_unlock(&ctx->lock);
	return ret;
}

/*
 * PIDFD_CONFIG_SET_BATCH: each entry as its own pidfd_config() call, in
 * order, up to the first that fails.  As sendmmsg() does, the result is
 * the number of entries that took effect, or the error of the first one.
 */
static int pidfd_spawn_cmd_batch(struct pidfd_spawn_ctx *ctx,
				 const char __user *key,
				 const void __user *value, int count)
{
	const struct pidfd_config_op __user *ops = value;
	struct pidfd_config_op op;
	int i, ret = 0;

	BUILD_BUG_ON(sizeof(op) != PIDFD_CONFIG_OP_SIZE_VER0);
	if (key || !value || count < 1)
		return -EINVAL;
	if (count > PIDFD_CONFIG_BATCH_MAX)
		return -E2BIG;
	for (i = 0; i < count; i++) {
		if (i && fatal_signal_pending(current))
			return i;
		if (copy_from_user(&op, &ops[i], sizeof(op)))
			ret = -EFAULT;
		else if (op.cmd > PIDFD_CONFIG_SET_INT)
			ret = -EINVAL;
		else
			ret = pidfd_spawn_config(ctx, op.cmd,
						 u64_to_user_ptr(op.key),
						 u64_to_user_ptr(op.value),
						 op.aux);
		if (ret)
			return i ? i : ret;
		cond_resched();
	}
	return count;
}

/**
 * sys_pidfd_config - configure, start or abort an empty process
 * @pidfd: the builder pidfd that clone3(CLONE_EMPTY | CLONE_PIDFD) returned
 * @cmd: a PIDFD_CONFIG_* command
 * @key: the key to set, NULL for the commands
 * @value: the value, its meaning set by @cmd
 * @aux: the auxiliary value, its meaning set by @cmd
 *
 * Return: 0 on success (PIDFD_CONFIG_SET_BATCH: the number of entries that
 * took effect), or a negative errno as documented in
 * Documentation/userspace-api/pidfd_spawn.rst.
 */
SYSCALL_DEFINE5(pidfd_config, int, pidfd, unsigned int, cmd,
		const char __user *, key, const void __user *, value, int, aux)
{
	CLASS(fd, f)(pidfd);
	struct pidfd_spawn_ctx *ctx;

	if (!fd_file(f))
		return -EBADF;
	ctx = pidfs_builder(fd_file(f));
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	if (cmd == PIDFD_CONFIG_SET_BATCH)
		return pidfd_spawn_cmd_batch(ctx, key, value, aux);
	if (cmd > PIDFD_CONFIG_CMD_ABORT)
		return -EOPNOTSUPP;
	return pidfd_spawn_config(ctx, cmd, key, value, aux);
}
