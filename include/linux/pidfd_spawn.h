/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Empty processes (clone3() with CLONE_EMPTY) and their configuration
 * through the builder pidfd (pidfd_config()).
 */
#ifndef _LINUX_PIDFD_SPAWN_H
#define _LINUX_PIDFD_SPAWN_H

#include <linux/errno.h>
#include <linux/types.h>

struct file;
struct kernel_clone_args;
struct mm_struct;
struct pidfd_spawn_ctx;
struct seq_file;
struct task_struct;

#ifdef CONFIG_PIDFD_SPAWN
bool pidfd_spawn_clone_args_valid(const struct kernel_clone_args *kargs);
pid_t pidfd_spawn_clone(struct kernel_clone_args *kargs);
void pidfd_spawn_init_task(struct task_struct *p);
void pidfd_spawn_skip_mm_hooks(struct task_struct *p);
void pidfd_spawn_init_mm(struct mm_struct *mm);
void pidfd_spawn_attach(struct file *pidfile, struct pidfd_spawn_ctx *ctx);
void pidfd_spawn_builder_release(struct pidfd_spawn_ctx *ctx);
void pidfd_spawn_show_fdinfo(struct seq_file *m, struct pidfd_spawn_ctx *ctx);
int pidfd_spawn_scm_get(struct file *file);
void pidfd_spawn_scm_dup(struct file *file);
void pidfd_spawn_scm_put(struct file *file);
#else
static inline bool
pidfd_spawn_clone_args_valid(const struct kernel_clone_args *kargs)
{
	return false;
}

static inline pid_t pidfd_spawn_clone(struct kernel_clone_args *kargs)
{
	return -EINVAL;
}

static inline void pidfd_spawn_init_task(struct task_struct *p)
{
}

static inline void pidfd_spawn_skip_mm_hooks(struct task_struct *p)
{
}

static inline void pidfd_spawn_init_mm(struct mm_struct *mm)
{
}

static inline void pidfd_spawn_attach(struct file *pidfile,
				      struct pidfd_spawn_ctx *ctx)
{
}

static inline void pidfd_spawn_builder_release(struct pidfd_spawn_ctx *ctx)
{
}

static inline void pidfd_spawn_show_fdinfo(struct seq_file *m,
					   struct pidfd_spawn_ctx *ctx)
{
}

static inline int pidfd_spawn_scm_get(struct file *file)
{
	return 0;
}

static inline void pidfd_spawn_scm_dup(struct file *file)
{
}

static inline void pidfd_spawn_scm_put(struct file *file)
{
}
#endif /* CONFIG_PIDFD_SPAWN */

#endif /* _LINUX_PIDFD_SPAWN_H */
