// SPDX-License-Identifier: GPL-2.0
/*
 * Checkpoint sessions: one open checkpoint per file descriptor, driven by
 * ioctls that map one to one onto the in-kernel API, so userspace gets the
 * same rules (one context at a time, no reopening, checked loads) and the
 * same errnos.  Closing the fd without V3CHKPT_IOC_COMMIT discards a save.
 * EXPORT and IMPORT sessions move raw stream bytes with read(2)/write(2).
 */
#include <linux/anon_inodes.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <uapi/linux/v3chkpt.h>
#include <v3chkpt/format.h>
#include "core.h"
#include "session.h"
#include "store_registry.h"
#include "ioctl_op.h"

#define V3_RAW_CHUNK	(64 * 1024)

struct v3_session {
	struct mutex lock;
	u32 mode;
	bool done;			/* committed: nothing more to do */
	int error;			/* import: a failed write, refuses COMMIT */
	struct v3_chkpt *chkpt;		/* SAVE, LOAD */
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt_store *store;	/* EXPORT, IMPORT */
	void *priv;
	void *bounce;
};

static int v3_sess_ctx_open(struct v3_ucmd *ucmd)
{
	struct v3chkpt_ctx_open *a = ucmd->cmd;
	struct v3_session *s = ucmd->priv;
	char name[V3C_NAME_MAX];
	struct v3_chkpt_ctx *ctx;
	int ret;

	if ((a->flags & ~V3CHKPT_CTX_NEXT) || !v3_zeroed(a->reserved, 2))
		return -EINVAL;
	if (!s->chkpt)
		return -EBADF;
	if (s->ctx)
		return -EBUSY;

	/*
	 * Fail before acting: the buffers written back must be writable
	 * before a context is opened (a load's context, once opened, is
	 * consumed).
	 */
	if (copy_to_user(ucmd->ubuffer, a, V3CHKPT_CTX_OPEN_SIZE_VER0))
		return -EFAULT;
	if (a->flags & V3CHKPT_CTX_NEXT) {
		if (s->mode != V3CHKPT_MODE_LOAD)
			return -EBADF;
		if (a->name_size < V3C_NAME_MAX)
			return -EINVAL;
		if (clear_user(u64_to_user_ptr(a->name), V3C_NAME_MAX))
			return -EFAULT;
		ctx = v3_chkpt_open_next_ctx(s->chkpt);
	} else {
		ret = v3_get_str(name, sizeof(name), a->name);
		if (ret)
			return ret;
		ctx = v3_chkpt_open_ctx(s->chkpt, name, a->instance,
					a->min_version, a->version);
	}
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);

	a->instance = v3_chkpt_ctx_instance(ctx);
	a->version = v3_chkpt_ctx_version(ctx);
	if (((a->flags & V3CHKPT_CTX_NEXT) &&
	     copy_to_user(u64_to_user_ptr(a->name), v3_chkpt_ctx_name(ctx),
			  strlen(v3_chkpt_ctx_name(ctx)) + 1)) ||
	    copy_to_user(ucmd->ubuffer, a, V3CHKPT_CTX_OPEN_SIZE_VER0)) {
		/* Unmapped since the probe: the caller's own race. */
		v3_chkpt_close_ctx(ctx);
		return -EFAULT;
	}
	s->ctx = ctx;
	return 0;
}

/* The checks every blob command makes first, in this order. */
static int v3_sess_blob_tag(struct v3_session *s, struct v3chkpt_blob *b,
			    char tag[V3C_NAME_MAX])
{
	int ret;

	if (b->flags || !v3_zeroed(b->reserved, 2))
		return -EINVAL;
	ret = v3_get_str(tag, V3C_NAME_MAX, b->tag);
	if (ret)
		return ret;
	if (!s->chkpt)
		return -EBADF;
	if (!s->ctx)
		return -EBADFD;
	return 0;
}

static int v3_sess_blob_len(struct v3_ucmd *ucmd)
{
	struct v3_session *s = ucmd->priv;
	struct v3chkpt_blob *b = ucmd->cmd;
	char tag[V3C_NAME_MAX];
	s64 len;
	int ret;

	ret = v3_sess_blob_tag(s, b, tag);
	if (ret)
		return ret;
	len = v3_chkpt_blob_len(s->ctx, tag);
	if (len < 0)
		return len;
	b->len = len;
	if (copy_to_user(ucmd->ubuffer, b, V3CHKPT_BLOB_SIZE_VER0))
		return -EFAULT;
	return 0;
}

static int v3_sess_blob_xfer(struct v3_ucmd *ucmd, bool save)
{
	struct v3_session *s = ucmd->priv;
	struct v3chkpt_blob *b = ucmd->cmd;
	char tag[V3C_NAME_MAX];
	struct iov_iter iter;
	struct iovec iov;
	int ret;

	ret = v3_sess_blob_tag(s, b, tag);
	if (ret)
		return ret;
	/* A plain iovec: blobs are not limited to MAX_RW_COUNT. */
	if (b->len > SIZE_MAX)
		return -EOVERFLOW;
	iov.iov_base = u64_to_user_ptr(b->data);
	iov.iov_len = b->len;
	if (!access_ok(iov.iov_base, iov.iov_len))
		return -EFAULT;
	if (save) {
		iov_iter_init(&iter, ITER_SOURCE, &iov, 1, b->len);
		return v3_chkpt_save_iter(s->ctx, tag, b->len, &iter);
	}
	iov_iter_init(&iter, ITER_DEST, &iov, 1, b->len);
	return v3_chkpt_load_iter(s->ctx, tag, b->len, &iter);
}

static int v3_sess_blob_save(struct v3_ucmd *ucmd)
{
	return v3_sess_blob_xfer(ucmd, true);
}

static int v3_sess_blob_load(struct v3_ucmd *ucmd)
{
	return v3_sess_blob_xfer(ucmd, false);
}

static int v3_sess_ctx_close(struct v3_ucmd *ucmd)
{
	struct v3_session *s = ucmd->priv;
	int ret;

	if (!s->chkpt)
		return -EBADF;
	if (!s->ctx)
		return -EBADFD;
	ret = v3_chkpt_close_ctx(s->ctx);
	s->ctx = NULL;
	return ret;
}

static int v3_sess_commit(struct v3_ucmd *ucmd)
{
	struct v3_session *s = ucmd->priv;
	int ret;

	if (s->ctx)
		return -EBUSY;
	if (s->chkpt) {
		ret = v3_chkpt_close(s->chkpt);
		s->chkpt = NULL;
	} else {
		/* Export: done.  Import: publish only if every write landed. */
		ret = s->store->ops->close(s->priv, !s->error);
		s->priv = NULL;
		if (!ret)
			ret = s->error;
	}
	s->done = true;
	return ret;
}

static_assert(V3CHKPT_CTX_OPEN_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_ctx_open, reserved));
static_assert(V3CHKPT_BLOB_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_blob, reserved));

/* Session fds, indexed by command number. */
static const struct v3_ioctl_op v3_sess_ops[] = {
	V3_IOCTL_OP(V3CHKPT_IOC_CTX_OPEN, v3_sess_ctx_open,
		    struct v3chkpt_ctx_open, reserved),
	V3_IOCTL_OP_NOARG(V3CHKPT_IOC_CTX_CLOSE, v3_sess_ctx_close),
	V3_IOCTL_OP(V3CHKPT_IOC_BLOB_SAVE, v3_sess_blob_save,
		    struct v3chkpt_blob, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_BLOB_LOAD, v3_sess_blob_load,
		    struct v3chkpt_blob, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_BLOB_LEN, v3_sess_blob_len,
		    struct v3chkpt_blob, reserved),
	V3_IOCTL_OP_NOARG(V3CHKPT_IOC_COMMIT, v3_sess_commit),
};

static long v3_sess_ioctl(struct file *file, unsigned int cmd,
			  unsigned long arg)
{
	const struct v3_ioctl_op *op = v3_ioctl_find(v3_sess_ops, cmd);
	struct v3_session *s = file->private_data;
	long ret;

	if (!op)
		return -ENOTTY;
	/* At every call: the fd may have been handed to anyone. */
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (mutex_lock_interruptible(&s->lock))
		return -EINTR;
	if (s->done)
		ret = -EBADFD;
	else
		ret = v3_ioctl_call(op, s, arg);
	mutex_unlock(&s->lock);
	return ret;
}

static ssize_t v3_sess_read(struct file *file, char __user *ubuf,
			    size_t count, loff_t *ppos)
{
	struct v3_session *s = file->private_data;
	ssize_t done = 0, n;

	if (s->mode != V3CHKPT_MODE_EXPORT)
		return -EBADF;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (mutex_lock_interruptible(&s->lock))
		return -EINTR;
	if (s->done)
		done = -EBADFD;
	while (!s->done && done < count) {
		size_t want = min_t(size_t, count - done, V3_RAW_CHUNK);

		n = s->store->ops->read(s->priv, s->bounce, want);
		if (n > (ssize_t)want)
			n = -EIO;	/* a broken store must not overrun */
		if (n <= 0) {
			if (!done)
				done = n;
			break;
		}
		if (copy_to_user(ubuf + done, s->bounce, n)) {
			done = done ? done : -EFAULT;
			break;
		}
		done += n;
		if (fatal_signal_pending(current))
			break;
	}
	mutex_unlock(&s->lock);
	return done;
}

static ssize_t v3_sess_write(struct file *file, const char __user *ubuf,
			     size_t count, loff_t *ppos)
{
	struct v3_session *s = file->private_data;
	ssize_t done = 0;
	int ret = 0;

	if (s->mode != V3CHKPT_MODE_IMPORT)
		return -EBADF;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (mutex_lock_interruptible(&s->lock))
		return -EINTR;
	if (s->done)
		ret = -EBADFD;
	else
		ret = s->error;
	while (!ret && done < count) {
		size_t n = min_t(size_t, count - done, V3_RAW_CHUNK);

		if (copy_from_user(s->bounce, ubuf + done, n)) {
			ret = -EFAULT;
			break;
		}
		ret = s->store->ops->write(s->priv, s->bounce, n);
		if (!ret)
			done += n;
		else
			s->error = ret;	/* the stream has a hole: never publish */
		if (fatal_signal_pending(current))
			break;
	}
	mutex_unlock(&s->lock);
	return done ? done : ret;
}

static void v3_sess_free(struct v3_session *s)
{
	if (s->chkpt)
		v3_chkpt_abort(s->chkpt);	/* frees an open context too */
	if (s->store) {
		if (s->priv)
			s->store->ops->close(s->priv, false);
		v3_chkpt_store_put(s->store);
	}
	kvfree(s->bounce);
	mutex_destroy(&s->lock);
	kfree(s);
}

static int v3_sess_release(struct inode *inode, struct file *file)
{
	v3_sess_free(file->private_data);
	return 0;
}

static const struct file_operations v3_sess_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = v3_sess_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.read = v3_sess_read,
	.write = v3_sess_write,
	.release = v3_sess_release,
	.llseek = no_llseek,
};

static int v3_sess_open_raw(struct v3_session *s, const char *store,
			    const char *url)
{
	enum v3_chkpt_mode m = s->mode == V3CHKPT_MODE_IMPORT ?
			       V3_CHKPT_MODE_SAVE : V3_CHKPT_MODE_LOAD;
	void *priv;

	s->store = v3_chkpt_store_get(store);
	if (IS_ERR(s->store)) {
		int ret = PTR_ERR(s->store);

		s->store = NULL;
		return ret;
	}
	if ((m == V3_CHKPT_MODE_SAVE && !s->store->ops->write) ||
	    (m == V3_CHKPT_MODE_LOAD && !s->store->ops->read))
		return -EOPNOTSUPP;
	/* Raw bytes carry no context boundaries for such a store to keep. */
	if (m == V3_CHKPT_MODE_SAVE &&
	    (s->store->flags & V3_CHKPT_STORE_CTX_FILES))
		return -EOPNOTSUPP;
	priv = s->store->ops->open(url, m);
	if (IS_ERR(priv))
		return PTR_ERR(priv);
	s->priv = priv;
	s->bounce = kvmalloc(V3_RAW_CHUNK, GFP_KERNEL);
	return s->bounce ? 0 : -ENOMEM;
}

int v3_session_open(const char *store, const char *url, u32 mode)
{
	struct v3_session *s;
	int ret;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	s->mode = mode;
	switch (mode) {
	case V3CHKPT_MODE_SAVE:
	case V3CHKPT_MODE_LOAD:
		s->chkpt = v3_chkpt_open(store, url, mode == V3CHKPT_MODE_SAVE ?
					 V3_CHKPT_MODE_SAVE : V3_CHKPT_MODE_LOAD);
		ret = PTR_ERR_OR_ZERO(s->chkpt);
		if (ret)
			s->chkpt = NULL;
		break;
	case V3CHKPT_MODE_EXPORT:
	case V3CHKPT_MODE_IMPORT:
		ret = v3_sess_open_raw(s, store, url);
		break;
	default:
		ret = -EINVAL;
	}
	if (!ret) {
		ret = anon_inode_getfd("[v3chkpt]", &v3_sess_fops, s,
				       O_RDWR | O_CLOEXEC);
		if (ret >= 0)
			return ret;
	}
	v3_sess_free(s);
	return ret;
}
