// SPDX-License-Identifier: GPL-2.0
/*
 * VFS helpers of the dir store: files opened beneath a checkpoint without
 * following symlinks (and only if regular, for reading), and removal of a
 * checkpoint directory that deletes only the files the store writes.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "dir.h"

struct file *v3_dir_open_at(struct file *dir, const char *name,
			    int flags)
{
	return file_open_root(&dir->f_path, name,
			      flags | O_NOFOLLOW | O_LARGEFILE | O_CLOEXEC,
			      0600);
}

/*
 * Open @name beneath @dir for reading only if it is a regular file: an
 * O_PATH open first, so a FIFO or device node planted in a checkpoint is
 * refused (EBADMSG) without ever being opened.
 */
struct file *v3_dir_open_reg(struct file *dir, const char *name)
{
	struct file *path, *f;

	path = v3_dir_open_at(dir, name, O_PATH);
	if (IS_ERR(path))
		return path;
	if (d_is_reg(path->f_path.dentry))
		f = dentry_open(&path->f_path, O_RDONLY | O_LARGEFILE,
				current_cred());
	else	/* O_PATH|O_NOFOLLOW opened a symlink itself */
		f = ERR_PTR(d_is_symlink(path->f_path.dentry) ? -ELOOP : -EBADMSG);
	fput(path);
	return f;
}

int v3_dir_ctx_file(char *name, u32 i)
{
	return snprintf(name, V3D_CTX_FILE_LEN, V3D_CTX_FILE_FMT, i);
}

/* Unlink @name in @dir (locked by the caller); 0 if absent. */
static int v3_dir_unlink_locked(struct user_namespace *ns, struct dentry *dir,
				const char *name, bool *absent)
{
	struct dentry *d;
	int ret = 0;

	lockdep_assert_held(&d_inode(dir)->i_rwsem);
	d = lookup_one(ns, name, dir, strlen(name));
	if (IS_ERR(d))
		return PTR_ERR(d);
	*absent = d_is_negative(d);
	if (!*absent)
		ret = d_is_reg(d) ? vfs_unlink(ns, d_inode(dir), d, NULL) :
				    -EISDIR;
	dput(d);
	return ret;
}

/* Look @name up in @parent's directory, under its lock. */
static struct dentry *v3_dir_lookup(const struct path *parent,
				    const char *name)
{
	struct dentry *d;

	inode_lock_nested(d_inode(parent->dentry), I_MUTEX_PARENT);
	d = lookup_one(mnt_user_ns(parent->mnt), name, parent->dentry,
		       strlen(name));
	inode_unlock(d_inode(parent->dentry));
	return d;
}

/* Unlink the files the store writes in @d: MANIFEST, 00000.ctx, ... */
static int v3_dir_unlink_ours(struct user_namespace *ns, struct dentry *d)
{
	char fname[V3D_CTX_FILE_LEN];
	bool absent = false;
	u32 i;
	int ret;

	inode_lock_nested(d_inode(d), I_MUTEX_PARENT);
	ret = v3_dir_unlink_locked(ns, d, V3D_MANIFEST_NAME, &absent);
	for (i = 0; !ret && i < V3D_MAX_CTX; i++) {
		v3_dir_ctx_file(fname, i);
		ret = v3_dir_unlink_locked(ns, d, fname, &absent);
		if (absent)
			break;	/* the indices a checkpoint uses are dense */
	}
	inode_unlock(d_inode(d));
	return ret;
}

/*
 * Delete a checkpoint directory @name in @parent: only the files the store
 * writes, then the directory, as unlink(2) and rmdir(2) would; one holding
 * anything else is left in place.
 */
int v3_dir_remove(const struct path *parent, const char *name)
{
	struct user_namespace *ns = mnt_user_ns(parent->mnt);
	struct dentry *pd = parent->dentry, *d;
	int ret;

	ret = mnt_want_write(parent->mnt);
	if (ret)
		return ret;
	d = v3_dir_lookup(parent, name);
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
		goto out;
	}
	ret = d_is_negative(d) ? 0 : d_is_dir(d) ? 1 : -ENOTDIR;
	if (ret == 1)
		ret = v3_dir_unlink_ours(ns, d);
	dput(d);
	if (ret)
		goto out;
	inode_lock_nested(d_inode(pd), I_MUTEX_PARENT);
	d = lookup_one(ns, name, pd, strlen(name));
	if (IS_ERR(d)) {
		ret = PTR_ERR(d);
	} else {
		if (d_is_dir(d))
			ret = vfs_rmdir(ns, d_inode(pd), d);
		dput(d);
	}
	inode_unlock(d_inode(pd));
out:
	mnt_drop_write(parent->mnt);
	if (ret)
		pr_warn("v3chkpt: dir: could not remove %s: %d\n", name, ret);
	return ret;
}

/* Read a whole small file (the MANIFEST) into a new buffer. */
u8 *v3_dir_slurp(struct file *f, u64 max, u64 *len)
{
	loff_t pos = 0, size = i_size_read(file_inode(f));
	ssize_t n;
	u8 *buf;

	if (!S_ISREG(file_inode(f)->i_mode))
		return ERR_PTR(-EBADMSG);
	if (size > max)
		return ERR_PTR(-EFBIG);
	buf = kvmalloc(size ? size : 1, GFP_KERNEL_ACCOUNT);
	if (!buf)
		return ERR_PTR(-ENOMEM);
	while (pos < size) {
		n = kernel_read(f, buf + pos, size - pos, &pos);
		if (n <= 0) {
			kvfree(buf);
			return ERR_PTR(n ? n : -ENODATA);
		}
	}
	*len = size;
	return buf;
}
