// SPDX-License-Identifier: GPL-2.0
/*
 * The memory store ("memory:KEY"): named checkpoints kept in kernel pages
 * until deleted or the module unloads.  A save becomes visible only when it
 * is committed, replacing any checkpoint of the same name in one step; a
 * load holds a reference, so deleting or replacing a checkpoint while it is
 * being read is safe.
 */
#include <linux/ctype.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "memory.h"
#include "../kmod/pagebuf.h"
#include "../kmod/kunit_export.h"

struct v3_mem_entry {
	struct list_head node;
	char name[sizeof_field(struct v3_memstore_info, name)];
	struct v3_pagebuf *buf;
	u64 created_ns;
};

struct v3_mem_priv {
	enum v3_chkpt_mode mode;
	char name[sizeof_field(struct v3_memstore_info, name)];
	struct v3_pagebuf *buf;
	u64 pos;
};

static DEFINE_MUTEX(v3_mem_lock);
static LIST_HEAD(v3_mem_entries);

/* Keys: 1..127 of [A-Za-z0-9._-]. */
static int v3_mem_key_check(const char *key)
{
	size_t len = strnlen(key, sizeof_field(struct v3_mem_entry, name));
	size_t i;

	if (!len)
		return -EINVAL;
	if (len >= sizeof_field(struct v3_mem_entry, name))
		return -ENAMETOOLONG;
	for (i = 0; i < len; i++)
		if (!isascii(key[i]) || (!isalnum(key[i]) && !strchr("._-", key[i])))
			return -EINVAL;
	return 0;
}

static struct v3_mem_entry *v3_mem_find(const char *name)
{
	struct v3_mem_entry *e;

	list_for_each_entry(e, &v3_mem_entries, node)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

static void *v3_mem_open(const char *url, enum v3_chkpt_mode mode)
{
	struct v3_mem_priv *p;
	struct v3_mem_entry *e;
	int ret = v3_mem_key_check(url);

	if (ret)
		return ERR_PTR(ret);
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->mode = mode;
	strscpy(p->name, url, sizeof(p->name));
	if (mode == V3_CHKPT_MODE_SAVE) {
		p->buf = v3_pagebuf_alloc();
		if (!p->buf)
			ret = -ENOMEM;
	} else {
		mutex_lock(&v3_mem_lock);
		e = v3_mem_find(url);
		if (e) {
			p->buf = e->buf;
			v3_pagebuf_get(p->buf);
		} else {
			ret = -ENOENT;
		}
		mutex_unlock(&v3_mem_lock);
	}
	if (ret) {
		kfree(p);
		return ERR_PTR(ret);
	}
	return p;
}

static int v3_mem_write(void *priv, const void *buf, size_t len)
{
	struct v3_mem_priv *p = priv;

	return v3_pagebuf_append(p->buf, buf, len);
}

static ssize_t v3_mem_read(void *priv, void *buf, size_t len)
{
	struct v3_mem_priv *p = priv;
	size_t n = v3_pagebuf_read(p->buf, p->pos, buf, len);

	p->pos += n;
	return n;
}

static int v3_mem_close(void *priv, bool commit)
{
	struct v3_mem_priv *p = priv;
	struct v3_mem_entry *e, *fresh = NULL;
	struct v3_pagebuf *old = NULL;

	if (p->mode == V3_CHKPT_MODE_SAVE && commit) {
		fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
		if (!fresh) {
			v3_pagebuf_put(p->buf);
			kfree(p);
			return -ENOMEM;
		}
		mutex_lock(&v3_mem_lock);
		e = v3_mem_find(p->name);
		if (e) {
			old = e->buf;
			kfree(fresh);
		} else {
			e = fresh;
			strscpy(e->name, p->name, sizeof(e->name));
			list_add_tail(&e->node, &v3_mem_entries);
		}
		e->buf = p->buf;
		e->created_ns = ktime_get_real_ns();
		mutex_unlock(&v3_mem_lock);
		p->buf = old;	/* dropped below */
	}
	v3_pagebuf_put(p->buf);
	kfree(p);
	return 0;
}

static const struct v3_chkpt_store_ops v3_mem_ops = {
	.open = v3_mem_open,
	.write = v3_mem_write,
	.read = v3_mem_read,
	.close = v3_mem_close,
};

struct v3_chkpt_store v3_memstore = {
	.name = "memory",
	.owner = THIS_MODULE,
	.ops = &v3_mem_ops,
};
V3_EXPORT_FOR_TESTS(v3_memstore);

int v3_memstore_list(struct v3_memstore_info *out, unsigned int max)
{
	struct v3_mem_entry *e;
	int n = 0;

	mutex_lock(&v3_mem_lock);
	list_for_each_entry(e, &v3_mem_entries, node) {
		if (n < max) {
			strscpy(out[n].name, e->name, sizeof(out[n].name));
			out[n].bytes = e->buf->size;
			out[n].created_ns = e->created_ns;
		}
		n++;
	}
	mutex_unlock(&v3_mem_lock);
	return n;
}
V3_EXPORT_FOR_TESTS(v3_memstore_list);

int v3_memstore_delete(const char *name)
{
	struct v3_mem_entry *e;
	int ret = v3_mem_key_check(name);

	if (ret)
		return ret;
	mutex_lock(&v3_mem_lock);
	e = v3_mem_find(name);
	if (e)
		list_del(&e->node);
	mutex_unlock(&v3_mem_lock);
	if (!e)
		return -ENOENT;
	v3_pagebuf_put(e->buf);
	kfree(e);
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_memstore_delete);

int v3_memstore_init(void)
{
	return v3_chkpt_register_store(&v3_memstore);
}

void v3_memstore_exit(void)
{
	struct v3_mem_entry *e, *tmp;

	v3_chkpt_unregister_store(&v3_memstore);
	list_for_each_entry_safe(e, tmp, &v3_mem_entries, node) {
		list_del(&e->node);
		v3_pagebuf_put(e->buf);
		kfree(e);
	}
}
