// SPDX-License-Identifier: GPL-2.0
/*
 * A third-party store, built as its own module against v3chkpt.ko's
 * exported symbols: "ext:NAME" keeps the last committed stream (whatever
 * NAME) in one kvmalloc'd buffer of at most 16 MiB.  It exists to prove
 * that an outside module can add a store, and is pinned while in use.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <v3chkpt/store.h>

#define EXT_MAX (16 << 20)

struct ext_priv {
	enum v3_chkpt_mode mode;
	u8 *buf;
	size_t len, pos;
};

static DEFINE_MUTEX(ext_lock);
static u8 *ext_data;
static size_t ext_len;

static void *ext_open(const char *url, enum v3_chkpt_mode mode)
{
	struct ext_priv *p = kzalloc(sizeof(*p), GFP_KERNEL);

	if (!p)
		return ERR_PTR(-ENOMEM);
	p->mode = mode;
	if (mode == V3_CHKPT_MODE_SAVE) {
		p->buf = kvmalloc(EXT_MAX, GFP_KERNEL);
		if (!p->buf) {
			kfree(p);
			return ERR_PTR(-ENOMEM);
		}
		return p;
	}
	mutex_lock(&ext_lock);
	if (ext_data) {
		p->buf = kvmalloc(ext_len ? ext_len : 1, GFP_KERNEL);
		if (p->buf) {
			memcpy(p->buf, ext_data, ext_len);
			p->len = ext_len;
		}
	}
	mutex_unlock(&ext_lock);
	if (!p->buf) {
		kfree(p);
		return ERR_PTR(ext_data ? -ENOMEM : -ENOENT);
	}
	return p;
}

static int ext_write(void *priv, const void *buf, size_t len)
{
	struct ext_priv *p = priv;

	if (len > EXT_MAX - p->len)
		return -ENOSPC;
	memcpy(p->buf + p->len, buf, len);
	p->len += len;
	return 0;
}

static ssize_t ext_read(void *priv, void *buf, size_t len)
{
	struct ext_priv *p = priv;
	size_t n = min(len, p->len - p->pos);

	memcpy(buf, p->buf + p->pos, n);
	p->pos += n;
	return n;
}

static int ext_close(void *priv, bool commit)
{
	struct ext_priv *p = priv;

	if (p->mode == V3_CHKPT_MODE_SAVE && commit) {
		mutex_lock(&ext_lock);
		swap(ext_data, p->buf);
		ext_len = p->len;
		mutex_unlock(&ext_lock);
	}
	kvfree(p->buf);
	kfree(p);
	return 0;
}

static const struct v3_chkpt_store_ops ext_ops = {
	.open = ext_open,
	.write = ext_write,
	.read = ext_read,
	.close = ext_close,
};

static struct v3_chkpt_store ext_store = {
	.name = "ext",
	.owner = THIS_MODULE,
	.ops = &ext_ops,
};

static int __init ext_init(void)
{
	return v3_chkpt_register_store(&ext_store);
}

static void __exit ext_exit(void)
{
	/* Cannot be busy: an open checkpoint holds a reference on us. */
	WARN_ON(v3_chkpt_unregister_store(&ext_store));
	kvfree(ext_data);
}

module_init(ext_init);
module_exit(ext_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("v3chkpt test: a store from another module");
