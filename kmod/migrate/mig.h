/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One migration, either end: its parameters, the kernel thread that runs
 * it (src.c or dst.c), and what its fd reports (fd.c).  The protocol is
 * in docs/MIGRATION.md.
 */
#ifndef _V3CHKPT_MIGRATE_MIG_H
#define _V3CHKPT_MIGRATE_MIG_H

#include <linux/completion.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <uapi/linux/v3chkpt.h>
#include "engine.h"
#include "link.h"
#include "ram.h"

struct v3_vm;
struct v3_chkpt;
struct mem_cgroup;
struct pid;

/* The "mig" context: what the source asks of the destination. */
#define V3_MIG_CTX_VERSION	1
#define V3_MIG_FEAT_LZ4		0x1U
#define V3_MIG_FEATS		V3_MIG_FEAT_LZ4

struct v3_migration {
	bool source;
	char name[V3CHKPT_VM_NAME_MAX];
	char *url;		/* holds the key: freed sensitive */
	u32 flags;		/* V3CHKPT_MIG_* */
	u32 dirty_mode;
	struct v3_conv_policy policy;
	struct net *net;	/* the caller's namespace */
	struct mem_cgroup *memcg;	/* the caller's: the new VM is charged */
	struct v3_vm *vm;	/* source: held from the ioctl; dst: built */

	struct task_struct *task;
#ifdef CONFIG_FAULT_INJECTION
	struct pid *fail_pid;	/* armed fail-nth: gets the rest back on close */
	unsigned int fail_nth;	/* what the thread left of it */
#endif
	struct completion done;	/* the thread has finished */
	wait_queue_head_t wq;	/* poll: ended */

	spinlock_t lock;	/* the fields below */
	struct v3chkpt_mig_status st;
	char errmsg[V3CHKPT_ERRMSG_MAX];
	bool cancel;		/* asked for; the thread was signalled */
	bool no_return;		/* past COMMIT: a cancel cannot undo it */
	bool ended;

	/* the thread's own */
	struct v3_mig engine;
	struct v3_mig_chan chan;
	struct v3_mig_link link;
	struct v3_mig_ram ram;
	struct v3_chkpt *chkpt;
	struct v3_mig_unit units[2];
	bool held, was_running;	/* source: the switchover's pause */
	u64 digest;		/* source: the total it sent */
	u64 ack_ns;		/* source: a round's ack, smoothed */
	u64 ack_last_ns;	/* source: the last round's ack */
	u64 pause_ns;		/* source: the switchover's pause took */
	u64 digest_ns;		/* source: one memory digest takes */
};

int v3_mig_source(struct v3_migration *mg);
int v3_mig_dest(struct v3_migration *mg);

/* fd.c: the ioctls of /dev/v3chkpt */
struct v3_ucmd;
int v3_mig_ioc_migrate(struct v3_ucmd *ucmd);
int v3_mig_ioc_receive(struct v3_ucmd *ucmd);
/* The same from kernel code (the KUnit suites), without an fd. */
struct v3_migration *v3_mig_migrate(const struct v3chkpt_vm_migrate *a,
				    const char *url);
struct v3_migration *v3_mig_receive(const struct v3chkpt_vm_receive *a,
				    const char *url);
int v3_mig_wait(struct v3_migration *mg, unsigned long timeout,
		struct v3chkpt_mig_status *st, char *msg, size_t size);
/* MIG_CANCEL: 0, or -EALREADY (ended, or past COMMIT). */
int v3_mig_cancel(struct v3_migration *mg);
/* Cancel it if it still runs, wait for its end, free it (the fd's close). */
void v3_mig_release(struct v3_migration *mg);

/* fd.c: for the threads */
void v3_mig_set_state(struct v3_migration *mg, u32 state);
__printf(3, 4) int v3_mig_fail(struct v3_migration *mg, int err,
			       const char *fmt, ...);
void v3_mig_progress(void *arg);
int v3_mig_cancelled(struct v3_migration *mg);
/* Past the point of no return unless cancelled first: 0 or -ECANCELED. */
int v3_mig_commit_point(struct v3_migration *mg);

#endif /* _V3CHKPT_MIGRATE_MIG_H */
