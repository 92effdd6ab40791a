// SPDX-License-Identifier: GPL-2.0
/*
 * The directory store ("dir:/abs/path"): a checkpoint is a directory with
 * one file per context and a MANIFEST (kmod/format/dir_manifest.c) holding the
 * rest of the stream, each file's size and checksum, and its own checksum.
 *
 * A save builds the checkpoint in a temporary sibling, fsyncs every file
 * and the directory, and only then swaps it for the previous checkpoint
 * (RENAME_EXCHANGE) and deletes the old one.  An interrupted or failed
 * save, a crash or a full disk therefore never touches the last good
 * checkpoint.  File names are built from indices, never from context
 * names or tags, and are opened beneath the checkpoint directory without
 * following symlinks.  A load opens everything read-only: it creates no
 * file.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "dir.h"

/* "/a/b" only: absolute, no empty, "." or ".." components, no trailing /. */
static int v3_dir_path_check(const char *url)
{
	const char *p = url, *end;
	size_t n;

	if (url[0] != '/')
		return -EINVAL;
	while (*p == '/') {
		end = strchrnul(p + 1, '/');
		n = end - p - 1;
		if (!n || n > NAME_MAX || (n == 1 && p[1] == '.') ||
		    (n == 2 && p[1] == '.' && p[2] == '.'))
			return -EINVAL;
		p = end;
	}
	/* The temporary sibling's name must fit too. */
	return strlen(strrchr(url, '/') + 1) + 16 > NAME_MAX ? -ENAMETOOLONG : 0;
}

static void v3_dir_free(struct v3_dir_priv *p)
{
	if (p->cur)
		fput(p->cur);
	if (p->dir)
		fput(p->dir);
	if (p->mode == V3_CHKPT_MODE_SAVE) {
		if (p->parent.dentry)
			path_put(&p->parent);
		kvfree(p->glue);
		v3_pagebuf_put(p->entries);
	}
	kvfree(p->manifest);
	kfree(p->path);
	kfree(p);
}

static int v3_dir_close(void *priv, bool commit)
{
	struct v3_dir_priv *p = priv;
	int ret = 0;

	if (p->mode == V3_CHKPT_MODE_SAVE && p->parent.dentry) {
		if (commit)
			ret = v3_dir_commit(p);
		if (!p->published) {
			if (p->cur) {
				fput(p->cur);
				p->cur = NULL;
			}
			fput(p->dir);
			p->dir = NULL;
			v3_dir_remove(&p->parent, p->tmpname);
		}
	}
	v3_dir_free(p);
	return ret;
}

static void *v3_dir_open(const char *url, enum v3_chkpt_mode mode)
{
	struct v3_dir_priv *p;
	int ret = v3_dir_path_check(url);

	if (ret)
		return ERR_PTR(ret);
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->mode = mode;
	p->path = kstrdup(url, GFP_KERNEL);
	if (!p->path) {
		ret = -ENOMEM;
		goto err;
	}
	p->base = strrchr(p->path, '/') + 1;
	ret = mode == V3_CHKPT_MODE_SAVE ? v3_dir_open_save(p) :
					   v3_dir_open_load(p);
	if (ret)
		goto err;
	return p;
err:
	v3_dir_free(p);
	return ERR_PTR(ret);
}

static const struct v3_chkpt_store_ops v3_dir_ops = {
	.open = v3_dir_open,
	.write = v3_dir_write,
	.read = v3_dir_read,
	.ctx_begin = v3_dir_ctx_begin,
	.ctx_end = v3_dir_ctx_end,
	.close = v3_dir_close,
};

struct v3_chkpt_store v3_dirstore = {
	.name = "dir",
	.owner = THIS_MODULE,
	.ops = &v3_dir_ops,
	.flags = V3_CHKPT_STORE_CTX_FILES,
};

int v3_dirstore_init(void)
{
	return v3_chkpt_register_store(&v3_dirstore);
}

void v3_dirstore_exit(void)
{
	v3_chkpt_unregister_store(&v3_dirstore);
}
