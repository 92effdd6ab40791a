// SPDX-License-Identifier: GPL-2.0
/*
 * Saving into the dir store: a temporary sibling, a file per context, the
 * MANIFEST, fsyncs, then the swap with the previous checkpoint under the
 * parent's lock (docs/FORMAT.md, "Directory checkpoints").
 */
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "dir.h"

/*
 * A save may replace only a checkpoint: a directory whose MANIFEST starts
 * with the magic.  Anything else at @path is refused, never deleted.  On
 * success *@checked is the directory found (referenced), or NULL if there
 * is none, so that the swap can insist on exactly that one.
 */
static int v3_dir_check_replaceable(struct v3_dir_priv *p,
				    struct dentry **checked)
{
	struct path target;
	struct file *dir, *f;
	char magic[8];
	loff_t pos = 0;
	int ret;

	*checked = NULL;
	ret = kern_path(p->path, 0, &target);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	if (!d_is_dir(target.dentry)) {
		ret = -ENOTDIR;
		goto refuse;
	}
	dir = dentry_open(&target, O_RDONLY | O_DIRECTORY, current_cred());
	if (IS_ERR(dir)) {
		ret = PTR_ERR(dir);
		goto out;
	}
	f = v3_dir_open_reg(dir, V3D_MANIFEST_NAME);
	fput(dir);
	ret = PTR_ERR_OR_ZERO(f);
	/*
	 * No MANIFEST, or not a regular file: not a checkpoint.  Any other
	 * error (ENOMEM, EIO) is the error, not a refusal.
	 */
	if (ret == -ENOENT || ret == -ELOOP || ret == -EBADMSG) {
		ret = -EEXIST;
		goto refuse;
	}
	if (ret)
		goto out;
	ret = -EEXIST;
	if (kernel_read(f, magic, sizeof(magic), &pos) == sizeof(magic) &&
	    !memcmp(magic, V3D_MAGIC, sizeof(magic))) {
		*checked = dget(target.dentry);
		ret = 0;
	}
	fput(f);
	if (!ret)
		goto out;
refuse:
	pr_info("v3chkpt: dir: %s exists and is not a checkpoint: not replacing it\n",
		p->path);
out:
	path_put(&target);
	return ret;
}

/* Create the temporary sibling; on success @p->parent holds its parent. */
static int v3_dir_mkdir_tmp(struct v3_dir_priv *p)
{
	struct dentry *d;
	struct path tmp;
	char *tpath;
	int ret;

	snprintf(p->tmpname, sizeof(p->tmpname), V3_DIR_TMP_FMT, p->base,
		 get_random_u32());
	tpath = kasprintf(GFP_KERNEL, "%.*s%s", (int)(p->base - p->path),
			  p->path, p->tmpname);
	if (!tpath)
		return -ENOMEM;
	d = kern_path_create(AT_FDCWD, tpath, &tmp, LOOKUP_DIRECTORY);
	kfree(tpath);
	if (IS_ERR(d))
		return PTR_ERR(d);
	ret = vfs_mkdir(mnt_user_ns(tmp.mnt), d_inode(tmp.dentry), d, 0700);
	if (!ret) {
		p->parent.mnt = mntget(tmp.mnt);
		p->parent.dentry = dget(tmp.dentry);
	}
	done_path_create(&tmp, d);
	return ret;
}

int v3_dir_open_save(struct v3_dir_priv *p)
{
	struct dentry *checked;
	int ret;

	/* Refused early too, before any VM is paused or byte written. */
	ret = v3_dir_check_replaceable(p, &checked);
	dput(checked);
	if (ret)
		return ret;
	p->entries = v3_pagebuf_alloc();
	p->glue = kvmalloc(V3D_GLUE_MAX, GFP_KERNEL_ACCOUNT);
	if (!p->entries || !p->glue)
		return -ENOMEM;
	ret = v3_dir_mkdir_tmp(p);
	if (ret)
		return ret;
	p->dir = file_open_root(&p->parent, p->tmpname,
				O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
	if (IS_ERR(p->dir)) {
		ret = PTR_ERR(p->dir);
		p->dir = NULL;
		v3_dir_remove(&p->parent, p->tmpname);
	}
	return ret;
}

static int v3_dir_write_file(struct file *f, const void *buf, size_t len)
{
	ssize_t n;

	while (len) {
		if (fatal_signal_pending(current))
			return -EINTR;
		n = kernel_write(f, buf, len, &f->f_pos);
		if (n < 0)
			return n;
		if (!n)
			return -EIO;
		buf += n;
		len -= n;
	}
	return 0;
}

int v3_dir_write(void *priv, const void *buf, size_t len)
{
	struct v3_dir_priv *p = priv;
	int ret;

	if (!p->cur) {
		if (len > V3D_GLUE_MAX - p->glue_len)
			return -EFBIG;
		memcpy(p->glue + p->glue_len, buf, len);
		p->glue_len += len;
		p->stream_len += len;
		return 0;
	}
	ret = v3_dir_write_file(p->cur, buf, len);
	if (ret)
		return ret;
	v3c_hash_update(&p->hash, buf, len);
	p->ent.size += len;
	p->stream_len += len;
	return 0;
}

int v3_dir_ctx_begin(void *priv, const char *name, u32 instance)
{
	struct v3_dir_priv *p = priv;
	char fname[V3D_CTX_FILE_LEN];
	struct file *f;

	if (p->cur)
		return -EBUSY;
	if (p->nctx >= V3D_MAX_CTX)
		return -E2BIG;
	v3_dir_ctx_file(fname, p->nctx);
	f = v3_dir_open_at(p->dir, fname, O_WRONLY | O_CREAT | O_EXCL);
	if (IS_ERR(f))
		return PTR_ERR(f);
	p->cur = f;
	memset(&p->ent, 0, sizeof(p->ent));
	strscpy(p->ent.name, name, sizeof(p->ent.name));
	p->ent.instance = instance;
	p->ent.glue_before = p->glue_len - p->glue_mark;
	v3c_hash_reset(&p->hash);
	return 0;
}

int v3_dir_ctx_end(void *priv)
{
	struct v3_dir_priv *p = priv;
	u8 enc[V3D_ENTRY_SIZE];
	int ret;

	if (!p->cur)
		return -EINVAL;
	ret = vfs_fsync(p->cur, 0);
	fput(p->cur);
	p->cur = NULL;
	p->nctx++;	/* counts every file created, even a failed one */
	if (ret)
		return ret;
	p->ent.xxh64 = v3c_hash_digest(&p->hash);
	ret = v3d_entry_encode(enc, &p->ent);
	if (!ret)
		ret = v3_pagebuf_append(p->entries, enc, sizeof(enc));
	p->glue_mark = p->glue_len;
	return ret;
}

static int v3_dir_write_manifest(struct v3_dir_priv *p)
{
	struct v3c_hash_state h;
	u8 hdr[V3D_HDR_SIZE], chunk[256];
	struct file *f;
	u64 off = 0;
	size_t n;
	int ret;

	f = v3_dir_open_at(p->dir, V3D_MANIFEST_NAME,
			   O_WRONLY | O_CREAT | O_EXCL);
	if (IS_ERR(f))
		return PTR_ERR(f);
	v3c_hash_reset(&h);
	v3d_hdr_encode(hdr, p->nctx, p->glue_len, p->stream_len);
	v3c_hash_update(&h, hdr, sizeof(hdr));
	ret = v3_dir_write_file(f, hdr, sizeof(hdr));
	while (!ret && (n = v3_pagebuf_read(p->entries, off, chunk,
					    sizeof(chunk)))) {
		v3c_hash_update(&h, chunk, n);
		ret = v3_dir_write_file(f, chunk, n);
		off += n;
	}
	if (!ret) {
		v3c_hash_update(&h, p->glue, p->glue_len);
		ret = v3_dir_write_file(f, p->glue, p->glue_len);
	}
	if (!ret) {
		put_unaligned_le64(v3c_hash_digest(&h), chunk);
		ret = v3_dir_write_file(f, chunk, V3D_TRAILER_SIZE);
	}
	if (!ret)
		ret = vfs_fsync(f, 0);
	fput(f);
	return ret;
}

/*
 * Swap the finished temporary directory with the checkpoint @checked (or
 * move it into place if @checked is NULL).  Under the parent's lock both
 * names must still be what was checked, so nothing else is ever swapped
 * out and deleted.  After a swap the old checkpoint sits under the
 * temporary name, where v3_dir_commit() deletes it.
 */
static int v3_dir_publish(struct v3_dir_priv *p, struct dentry *checked)
{
	struct user_namespace *ns = mnt_user_ns(p->parent.mnt);
	struct dentry *pd = p->parent.dentry, *from, *to;
	struct renamedata rd = {};
	int ret;

	ret = mnt_want_write(p->parent.mnt);
	if (ret)
		return ret;
	lock_rename(pd, pd);
	from = lookup_one(ns, p->tmpname, pd, strlen(p->tmpname));
	if (IS_ERR(from)) {
		ret = PTR_ERR(from);
		goto out_unlock;
	}
	to = lookup_one(ns, p->base, pd, strlen(p->base));
	if (IS_ERR(to)) {
		ret = PTR_ERR(to);
		goto out_from;
	}
	if (from != p->dir->f_path.dentry ||
	    (checked ? to != checked : !d_is_negative(to))) {
		pr_info("v3chkpt: dir: %s changed during the save: not replacing it\n",
			p->path);
		ret = -EEXIST;
		goto out_to;
	}
	rd.old_mnt_userns = ns;
	rd.old_dir = d_inode(pd);
	rd.old_dentry = from;
	rd.new_mnt_userns = ns;
	rd.new_dir = d_inode(pd);
	rd.new_dentry = to;
	/* A plain rename onto a name known absent works on every fs. */
	rd.flags = checked ? RENAME_EXCHANGE : 0;
	ret = vfs_rename(&rd);
out_to:
	dput(to);
out_from:
	dput(from);
out_unlock:
	unlock_rename(pd, pd);
	mnt_drop_write(p->parent.mnt);
	return ret;
}

int v3_dir_commit(struct v3_dir_priv *p)
{
	struct dentry *checked = NULL;
	struct file *parent;
	bool replaced;
	int ret;

	if (p->cur)
		return -EBUSY;
	ret = v3_dir_write_manifest(p);
	if (!ret)
		ret = vfs_fsync(p->dir, 0);
	if (ret)
		return ret;
	/*
	 * Opened before the swap: once it is done, only the parent's fsync
	 * (an I/O error, not a failed allocation) may fail the save.
	 */
	parent = dentry_open(&p->parent, O_RDONLY | O_DIRECTORY, current_cred());
	if (IS_ERR(parent))
		return PTR_ERR(parent);
	/* Checked again: something may have appeared at the path. */
	ret = v3_dir_check_replaceable(p, &checked);
	if (!ret)
		ret = v3_dir_publish(p, checked);
	replaced = checked;
	dput(checked);
	if (ret) {
		fput(parent);
		return ret;
	}
	p->published = true;
	/* The rename is durable once the parent directory is. */
	ret = vfs_fsync(parent, 0);
	fput(parent);
	if (ret) {
		/* Durability unknown: keep the previous checkpoint too. */
		pr_warn("v3chkpt: dir: %s is in place, but syncing its parent failed (%d); the previous checkpoint is kept as %s\n",
			p->path, ret, p->tmpname);
		return ret;
	}
	/*
	 * The save is done; delete the old checkpoint.  Each lookup may
	 * allocate a dentry: a failed allocation is tried once more, then the
	 * old checkpoint is left under its temporary name, with a warning.
	 */
	if (replaced && v3_dir_remove(&p->parent, p->tmpname) &&
	    v3_dir_remove(&p->parent, p->tmpname))
		pr_warn("v3chkpt: dir: %s is in place, but its previous checkpoint could not be deleted: it remains as %s\n",
			p->path, p->tmpname);
	return 0;
}
