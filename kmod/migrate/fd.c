// SPDX-License-Identifier: GPL-2.0
/*
 * Migration fds (V3CHKPT_IOC_VM_MIGRATE, V3CHKPT_IOC_VM_RECEIVE): each
 * starts one end of a migration on a kernel thread and hands out an fd
 * that reads its status, cancels it and polls for its end.  Closing the
 * fd cancels a migration still running and waits for its thread.
 *
 * A cancel signals the thread (SIGKILL, which it allows), so that any
 * wait on the peer ends at once; past the point of no return (COMMIT) a
 * cancel is refused, since undoing it could leave no VM running, or two.
 */
#define pr_fmt(fmt) "v3chkpt migrate: " fmt

#include <linux/anon_inodes.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/memcontrol.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stdarg.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include "../ioctl_op.h"
#include "../vm/vm.h"
#include "mig.h"

void v3_mig_set_state(struct v3_migration *mg, u32 state)
{
	spin_lock(&mg->lock);
	mg->st.state = state;
	spin_unlock(&mg->lock);
}

/* The first reason given is kept; @err 0 only words a warning. */
int v3_mig_fail(struct v3_migration *mg, int err, const char *fmt, ...)
{
	char msg[V3CHKPT_ERRMSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	spin_lock(&mg->lock);
	if (!mg->errmsg[0])
		strscpy(mg->errmsg, msg, sizeof(mg->errmsg));
	if (err && !mg->st.error)
		mg->st.error = err;
	spin_unlock(&mg->lock);
	if (err)
		pr_info_ratelimited("%s %s: %s (%d)\n",
				    mg->source ? "sending" : "receiving",
				    mg->name, msg, err);
	return err;
}

/* A cancel explains any failure that followed it. */
int v3_mig_cancelled(struct v3_migration *mg)
{
	spin_lock(&mg->lock);
	mg->st.error = -ECANCELED;
	strscpy(mg->errmsg, "cancelled", sizeof(mg->errmsg));
	spin_unlock(&mg->lock);
	return -ECANCELED;
}

/* The engine's figures, the pages and the bytes so far, for STATUS. */
void v3_mig_progress(void *arg)
{
	struct v3_migration *mg = arg;
	const struct v3_mig_status *e = &mg->engine.status;
	struct v3chkpt_mig_status *st = &mg->st;

	spin_lock(&mg->lock);
	if (mg->source) {
		if (e->state == V3_MIG_SWITCHOVER &&
		    st->state == V3CHKPT_MIG_ROUNDS)
			st->state = V3CHKPT_MIG_SWITCHOVER;
		st->round = e->round;
		st->bytes_remaining = e->remaining;
		st->dirty_rate = e->dirty_rate;
		st->bandwidth = e->bandwidth;
		st->expected_downtime_ns = e->expected_downtime_ns;
		st->throttle_pct = e->throttle;
		st->downtime_ns = e->downtime_ns;
		st->pause_ns = mg->pause_ns;
		/* round 0 sends everything: what it has still to send */
		if (e->state == V3_MIG_ROUNDS && !e->round)
			st->bytes_remaining = (mg->vm->mem.npages -
				min(mg->ram.st.pages, (u64)mg->vm->mem.npages)) <<
				PAGE_SHIFT;
	} else {
		st->round = mg->link.next_round;
	}
	st->guest_bytes = mg->vm ? mg->vm->cfg.mem_bytes : st->guest_bytes;
	st->bytes_sent = mg->link.bytes;
	st->pages_sent = mg->ram.st.pages;
	st->pages_zero = mg->ram.st.zero;
	st->pages_lz4 = mg->ram.st.lz4;
	st->page_bytes = mg->ram.st.page_bytes;
	spin_unlock(&mg->lock);
}

int v3_mig_commit_point(struct v3_migration *mg)
{
	int ret = 0;

	spin_lock(&mg->lock);
	if (mg->cancel)
		ret = -ECANCELED;
	else
		mg->no_return = true;
	spin_unlock(&mg->lock);
	return ret;
}

static int mig_thread(void *arg)
{
	struct v3_migration *mg = arg;
	struct mem_cgroup *old;
	u64 t0 = ktime_get_ns();
	int ret;

	allow_signal(SIGKILL);
	old = set_active_memcg(mg->memcg);
	ret = mg->source ? v3_mig_source(mg) : v3_mig_dest(mg);
	set_active_memcg(old);
	v3_mig_progress(mg);
	spin_lock(&mg->lock);
	if (ret && !mg->st.error)
		mg->st.error = ret;
	mg->st.state = ret ? V3CHKPT_MIG_FAILED : V3CHKPT_MIG_DONE;
	mg->st.total_ns = ktime_get_ns() - t0;
	if (ret)
		mg->st.throttle_pct = 0;	/* the engine lifted it */
	mg->ended = true;
	spin_unlock(&mg->lock);
	wake_up_all(&mg->wq);
	kthread_complete_and_exit(&mg->done, 0);
}

/* ---------------------------------------------------------- the fd */

static int mig_ioc_status(struct v3_ucmd *ucmd)
{
	struct v3chkpt_mig_status *s = ucmd->cmd;
	struct v3_migration *mg = ((struct file *)ucmd->priv)->private_data;
	char msg[V3CHKPT_ERRMSG_MAX];
	u64 errmsg = s->errmsg;
	u32 errmsg_size = s->errmsg_size;

	if (s->flags || !v3_zeroed(s->reserved, 1) ||
	    (!errmsg) != (!errmsg_size))
		return -EINVAL;
	spin_lock(&mg->lock);
	*s = mg->st;
	strscpy(msg, mg->errmsg, sizeof(msg));
	spin_unlock(&mg->lock);
	s->size = ucmd->user_size;
	s->errmsg = errmsg;
	s->errmsg_size = errmsg_size;
	if (errmsg_size) {
		size_t n = min_t(size_t, strlen(msg) + 1, errmsg_size);

		msg[n - 1] = '\0';	/* cut short, still terminated */
		if (copy_to_user(u64_to_user_ptr(errmsg), msg, n))
			return -EFAULT;
	}
	if (copy_to_user(ucmd->ubuffer, s,
			 min_t(u32, ucmd->user_size, sizeof(*s))))
		return -EFAULT;
	return 0;
}

/* Ask the thread to stop: 0, or -EALREADY if it ended or is past COMMIT. */
static int mig_cancel(struct v3_migration *mg)
{
	int ret = 0;

	spin_lock(&mg->lock);
	if (mg->ended || mg->no_return)
		ret = -EALREADY;
	else if (!mg->cancel) {
		mg->cancel = true;
		WRITE_ONCE(mg->engine.cancel, true);
		send_sig(SIGKILL, mg->task, 1);
	}
	spin_unlock(&mg->lock);
	return ret;
}

static int mig_ioc_cancel(struct v3_ucmd *ucmd)
{
	return mig_cancel(((struct file *)ucmd->priv)->private_data);
}

static_assert(V3CHKPT_MIG_STATUS_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_mig_status, reserved));

static const struct v3_ioctl_op v3_mig_fd_ops[] = {
	V3_IOCTL_OP(V3CHKPT_IOC_MIG_STATUS, mig_ioc_status,
		    struct v3chkpt_mig_status, reserved),
	V3_IOCTL_OP_NOARG(V3CHKPT_IOC_MIG_CANCEL, mig_ioc_cancel),
};

static long mig_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return v3_ioctl_dispatch(v3_mig_fd_ops, file, cmd, arg);
}

static __poll_t mig_poll(struct file *file, poll_table *wait)
{
	struct v3_migration *mg = file->private_data;

	poll_wait(file, &mg->wq, wait);
	return READ_ONCE(mg->ended) ? EPOLLIN | EPOLLRDNORM : 0;
}

static void mig_free(struct v3_migration *mg)
{
	if (mg->vm)
		v3_vm_put(mg->vm);
	if (mg->net)
		put_net(mg->net);
	mem_cgroup_put(mg->memcg);
	kfree_sensitive(mg->url);
	kfree(mg);
}

static int mig_release(struct inode *inode, struct file *file)
{
	struct v3_migration *mg = file->private_data;

	mig_cancel(mg);
	wait_for_completion(&mg->done);
	mig_free(mg);
	return 0;
}

static const struct file_operations v3_mig_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = mig_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = mig_poll,
	.release = mig_release,
	.llseek = noop_llseek,
};

/* ---------------------------------------------------- starting one */

static struct v3_migration *mig_alloc(const char *name, u64 uurl)
{
	struct v3_migration *mg = kzalloc(sizeof(*mg), GFP_KERNEL_ACCOUNT);
	struct v3_net_url u;
	char *url;
	int ret;

	if (!mg)
		return ERR_PTR(-ENOMEM);
	url = strndup_user(u64_to_user_ptr(uurl), V3CHKPT_URL_MAX);
	if (IS_ERR(url)) {
		kfree(mg);
		return ERR_CAST(url);
	}
	mg->url = url;
	/* a malformed URL fails here, before any thread or socket */
	ret = v3_net_parse_url(url, &u);
	memzero_explicit(&u, sizeof(u));
	if (ret) {
		kfree_sensitive(url);
		kfree(mg);
		return ERR_PTR(ret);
	}
	strscpy(mg->name, name, sizeof(mg->name));
	spin_lock_init(&mg->lock);
	init_waitqueue_head(&mg->wq);
	init_completion(&mg->done);
	mg->st.state = V3CHKPT_MIG_CONNECTING;
	mg->net = get_net(current->nsproxy->net_ns);
	mg->memcg = get_mem_cgroup_from_mm(current->mm);
	return mg;
}

/* The fd, then the thread: a migration that never started is freed here. */
static int mig_start(struct v3_migration *mg)
{
	struct task_struct *t;
	struct file *file;
	int fd;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		goto err;
	t = kthread_create(mig_thread, mg, "v3mig/%s", mg->name);
	if (IS_ERR(t)) {
		put_unused_fd(fd);
		fd = PTR_ERR(t);
		goto err;
	}
	mg->task = t;
	file = anon_inode_getfile("v3chkpt-migration", &v3_mig_fops, mg,
				  O_RDWR);
	if (IS_ERR(file)) {
		/* never woken: stopping it runs nothing of mig_thread */
		kthread_stop(t);
		put_unused_fd(fd);
		fd = PTR_ERR(file);
		goto err;
	}
#ifdef CONFIG_FAULT_INJECTION
	/* a fail-nth walk of the caller counts in the thread doing the work */
	t->fail_nth = current->fail_nth;
	current->fail_nth = 0;
#endif
	wake_up_process(t);
	fd_install(fd, file);
	return fd;
err:
	return fd;
}

/* The parts of a migration's request every end checks alike. */
static int mig_args_ok(const char *name, u64 url, const u64 *reserved)
{
	if (!url || !v3_zeroed(reserved, 4) || v3_vm_name_ok(name))
		return -EINVAL;
	return 0;
}

int v3_mig_ioc_migrate(struct v3_ucmd *ucmd)
{
	struct v3chkpt_vm_migrate *a = ucmd->cmd;
	struct v3_migration *mg;
	struct v3_vm *vm;
	int ret;

	if ((a->flags & ~V3CHKPT_MIG_FLAGS) || a->dirty_mode > V3CHKPT_DIRTY_PML ||
	    mig_args_ok(a->name, a->url, a->reserved))
		return -EINVAL;
	vm = v3_vm_get(a->name);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	mg = mig_alloc(a->name, a->url);
	if (IS_ERR(mg)) {
		v3_vm_put(vm);
		return PTR_ERR(mg);
	}
	mg->source = true;
	mg->vm = vm;
	mg->flags = a->flags;
	mg->dirty_mode = a->dirty_mode ?: V3CHKPT_DIRTY_PML;
	v3_conv_defaults(&mg->policy);
	if (a->downtime_ns)
		mg->policy.downtime_ns = a->downtime_ns;
	if (a->max_rounds)
		mg->policy.max_rounds = a->max_rounds;
	if (a->max_time_ns)
		mg->policy.max_time_ns = a->max_time_ns;
	mg->policy.max_bw = a->max_bandwidth;
	if (a->flags & V3CHKPT_MIG_STALL_ABORT)
		mg->policy.on_stall = V3_STALL_ABORT;
	/* One migration at a time, of a VM that can run, tracker free. */
	ret = mutex_lock_killable(&vm->lock) ? -EINTR : 0;
	if (ret)
		goto err;
	if (vm->dying)
		ret = -ENOENT;
	else if (vm->state == V3CHKPT_VM_FAILED ||
		 vm->state == V3CHKPT_VM_MIGRATED || vm->incoming)
		ret = -EIO;
	else if (vm->migrating || vm->state == V3CHKPT_VM_STEPPING ||
		 v3_dirty_active(vm))
		ret = -EBUSY;
	else
		vm->migrating = true;
	mutex_unlock(&vm->lock);
	if (ret)
		goto err;
	ret = mig_start(mg);
	if (ret >= 0)
		return ret;
	mutex_lock(&vm->lock);
	vm->migrating = false;
	mutex_unlock(&vm->lock);
err:
	mig_free(mg);
	return ret;
}

int v3_mig_ioc_receive(struct v3_ucmd *ucmd)
{
	struct v3chkpt_vm_receive *a = ucmd->cmd;
	struct v3_migration *mg;
	struct v3_vm *vm;
	int ret;

	if ((a->flags & ~V3CHKPT_MIG_RECV_PAUSED) ||
	    mig_args_ok(a->name, a->url, a->reserved))
		return -EINVAL;
	vm = v3_vm_get(a->name);
	if (!IS_ERR(vm)) {
		v3_vm_put(vm);
		return -EEXIST;
	}
	mg = mig_alloc(a->name, a->url);
	if (IS_ERR(mg))
		return PTR_ERR(mg);
	mg->flags = a->flags;
	ret = mig_start(mg);
	if (ret < 0)
		mig_free(mg);
	return ret;
}
