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
#include <linux/pid.h>
#include <linux/poll.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stdarg.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include "../ioctl_op.h"
#include "../kunit_export.h"
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
#ifdef CONFIG_FAULT_INJECTION
	mg->fail_nth = current->fail_nth;
#endif
	mg->ended = true;
	spin_unlock(&mg->lock);
	wake_up_all(&mg->wq);
	kthread_complete_and_exit(&mg->done, 0);
}

/* ---------------------------------------------------------- the fd */

/* The status and the reason so far, as one consistent copy. */
static void mig_status_read(struct v3_migration *mg,
			    struct v3chkpt_mig_status *st, char *msg,
			    size_t size)
{
	spin_lock(&mg->lock);
	*st = mg->st;
	if (size)
		strscpy(msg, mg->errmsg, size);
	spin_unlock(&mg->lock);
}

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
	mig_status_read(mg, s, msg, sizeof(msg));
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
int v3_mig_cancel(struct v3_migration *mg)
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
V3_EXPORT_FOR_TESTS(v3_mig_cancel);

static int mig_ioc_cancel(struct v3_ucmd *ucmd)
{
	return v3_mig_cancel(((struct file *)ucmd->priv)->private_data);
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
#ifdef CONFIG_FAULT_INJECTION
	put_pid(mg->fail_pid);
#endif
	mem_cgroup_put(mg->memcg);
	kfree_sensitive(mg->url);
	kfree(mg);
}

/* Cancel it if it still runs, wait for its end, free it. */
void v3_mig_release(struct v3_migration *mg)
{
	v3_mig_cancel(mg);
	wait_for_completion(&mg->done);
#ifdef CONFIG_FAULT_INJECTION
	if (mg->fail_pid && mg->fail_pid == task_pid(current))
		current->fail_nth = mg->fail_nth;
#endif
	mig_free(mg);
}
V3_EXPORT_FOR_TESTS(v3_mig_release);

static int mig_release(struct inode *inode, struct file *file)
{
	v3_mig_release(file->private_data);
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

/* The URL from the ioctl's caller (@uurl) or from kernel code (@kurl). */
static char *mig_url_dup(const char __user *uurl, const char *kurl)
{
	if (uurl)
		return strndup_user(uurl, V3CHKPT_URL_MAX);
	if (strnlen(kurl, V3CHKPT_URL_MAX) >= V3CHKPT_URL_MAX)
		return ERR_PTR(-EINVAL);
	return kstrdup(kurl, GFP_KERNEL_ACCOUNT) ?: ERR_PTR(-ENOMEM);
}

static struct v3_migration *mig_alloc(const char *name,
				      const char __user *uurl,
				      const char *kurl)
{
	struct v3_migration *mg = kzalloc(sizeof(*mg), GFP_KERNEL_ACCOUNT);
	struct v3_net_url u;
	char *url;
	int ret;

	if (!mg)
		return ERR_PTR(-ENOMEM);
	url = mig_url_dup(uurl, kurl);
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

/* A migration whose thread never ran: the source VM is free again. */
static void mig_discard(struct v3_migration *mg)
{
	if (mg->source) {
		mutex_lock(&mg->vm->lock);
		mg->vm->migrating = false;
		mutex_unlock(&mg->vm->lock);
	}
	mig_free(mg);
}

static int mig_thread_create(struct v3_migration *mg)
{
	struct task_struct *t;

	t = kthread_create(mig_thread, mg, "v3mig/%s", mg->name);
	if (IS_ERR(t))
		return PTR_ERR(t);
	mg->task = t;
	return 0;
}

static void mig_thread_go(struct v3_migration *mg)
{
#ifdef CONFIG_FAULT_INJECTION
	/*
	 * A fail-nth walk of the caller counts in the thread doing the work;
	 * what the thread leaves of it comes back when the caller closes the
	 * fd, so that the walk can tell whether its failure was injected.
	 */
	if (current->fail_nth) {
		mg->task->fail_nth = current->fail_nth;
		current->fail_nth = 0;
		mg->fail_pid = get_task_pid(current, PIDTYPE_PID);
	}
#endif
	wake_up_process(mg->task);
}

/* The fd, then the thread; on failure the caller discards @mg. */
static int mig_start(struct v3_migration *mg)
{
	struct file *file;
	int fd, ret;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	ret = mig_thread_create(mg);
	if (ret)
		goto err;
	file = anon_inode_getfile("v3chkpt-migration", &v3_mig_fops, mg,
				  O_RDWR);
	if (IS_ERR(file)) {
		/* never woken: stopping it runs nothing of mig_thread */
		kthread_stop(mg->task);
		ret = PTR_ERR(file);
		goto err;
	}
	mig_thread_go(mg);
	fd_install(fd, file);
	return fd;
err:
	put_unused_fd(fd);
	return ret;
}

/* The parts of a migration's request every end checks alike. */
static int mig_args_ok(const char *name, const u64 *reserved)
{
	if (!v3_zeroed(reserved, 4) || v3_vm_name_ok(name))
		return -EINVAL;
	return 0;
}

/* Checked and set up, the VM marked as migrating; not started. */
static struct v3_migration *mig_new_source(const struct v3chkpt_vm_migrate *a,
					   const char __user *uurl,
					   const char *kurl)
{
	struct v3_migration *mg;
	struct v3_vm *vm;
	int ret;

	if ((a->flags & ~V3CHKPT_MIG_FLAGS) || a->dirty_mode > V3CHKPT_DIRTY_PML ||
	    mig_args_ok(a->name, a->reserved))
		return ERR_PTR(-EINVAL);
	vm = v3_vm_get(a->name);
	if (IS_ERR(vm))
		return ERR_CAST(vm);
	mg = mig_alloc(a->name, uurl, kurl);
	if (IS_ERR(mg)) {
		v3_vm_put(vm);
		return mg;
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
	if (!ret)
		return mg;
err:
	mig_free(mg);
	return ERR_PTR(ret);
}

static struct v3_migration *mig_new_receive(const struct v3chkpt_vm_receive *a,
					    const char __user *uurl,
					    const char *kurl)
{
	struct v3_migration *mg;
	struct v3_vm *vm;

	if ((a->flags & ~V3CHKPT_MIG_RECV_PAUSED) ||
	    mig_args_ok(a->name, a->reserved))
		return ERR_PTR(-EINVAL);
	vm = v3_vm_get(a->name);
	if (!IS_ERR(vm)) {
		v3_vm_put(vm);
		return ERR_PTR(-EEXIST);
	}
	mg = mig_alloc(a->name, uurl, kurl);
	if (!IS_ERR(mg))
		mg->flags = a->flags;
	return mg;
}

static int mig_ioc_start(struct v3_migration *mg)
{
	int ret;

	if (IS_ERR(mg))
		return PTR_ERR(mg);
	ret = mig_start(mg);
	if (ret < 0)
		mig_discard(mg);
	return ret;
}

int v3_mig_ioc_migrate(struct v3_ucmd *ucmd)
{
	struct v3chkpt_vm_migrate *a = ucmd->cmd;

	if (!a->url)
		return -EINVAL;
	return mig_ioc_start(mig_new_source(a, u64_to_user_ptr(a->url), NULL));
}

int v3_mig_ioc_receive(struct v3_ucmd *ucmd)
{
	struct v3chkpt_vm_receive *a = ucmd->cmd;

	if (!a->url)
		return -EINVAL;
	return mig_ioc_start(mig_new_receive(a, u64_to_user_ptr(a->url), NULL));
}

/* ------------------------------------------ from kernel code (KUnit) */

static struct v3_migration *mig_kernel_start(struct v3_migration *mg)
{
	int ret;

	if (IS_ERR(mg))
		return mg;
	ret = mig_thread_create(mg);
	if (ret) {
		mig_discard(mg);
		return ERR_PTR(ret);
	}
	mig_thread_go(mg);
	return mg;
}

/*
 * The ioctls' work without an fd: @a's url field is not used, @url is.
 * The caller ends it with v3_mig_release().
 */
struct v3_migration *v3_mig_migrate(const struct v3chkpt_vm_migrate *a,
				    const char *url)
{
	return mig_kernel_start(mig_new_source(a, NULL, url));
}
V3_EXPORT_FOR_TESTS(v3_mig_migrate);

struct v3_migration *v3_mig_receive(const struct v3chkpt_vm_receive *a,
				    const char *url)
{
	return mig_kernel_start(mig_new_receive(a, NULL, url));
}
V3_EXPORT_FOR_TESTS(v3_mig_receive);

/*
 * Wait up to @timeout (jiffies) for its end: 0 and the final status (and
 * reason, if @size) in @st and @msg, or -ETIMEDOUT and the status so far.
 */
int v3_mig_wait(struct v3_migration *mg, unsigned long timeout,
		struct v3chkpt_mig_status *st, char *msg, size_t size)
{
	/* as poll sees it: the completion is v3_mig_release()'s to take */
	int ret = wait_event_timeout(mg->wq, READ_ONCE(mg->ended), timeout) ?
		  0 : -ETIMEDOUT;

	mig_status_read(mg, st, msg, size);
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_mig_wait);
