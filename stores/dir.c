// SPDX-License-Identifier: GPL-2.0
/*
 * The directory store ("dir:/abs/path"): a checkpoint is a directory with
 * one file per context and a MANIFEST (stores/dir_manifest.c) holding the
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
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <v3chkpt/dirfmt.h>
#include "../kmod/internal.h"
#include "../kmod/pagebuf.h"

#define V3_DIR_TMP_FMT	".%s.v3tmp-%08x"

struct v3_dir_priv {
	enum v3_chkpt_mode mode;
	char *path;		/* the checkpoint directory, absolute */
	const char *base;	/* its last component, inside @path */
	struct file *dir;	/* save: the temporary sibling; load: @path */
	struct file *cur;	/* the context file being written or read */
	struct v3c_hash_state hash;	/* of @cur */
	struct v3d_entry ent;	/* of @cur */
	u32 nctx;		/* save: files written; load: files read */
	u8 *glue;		/* stream bytes outside contexts */
	u32 glue_len;
	/* save */
	struct path parent;
	char tmpname[NAME_MAX + 1];
	struct v3_pagebuf *entries;	/* encoded manifest entries */
	u32 glue_mark;		/* glue_len when the last file ended */
	bool published;		/* the new checkpoint is in place */
	u64 stream_len;
	/* load */
	u8 *manifest;
	struct v3d_manifest m;
	u32 glue_off;		/* next glue byte to hand out */
	u32 glue_left;		/* before the next file (or at the end) */
	u64 file_left;
};

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

static struct file *v3_dir_open_at(struct file *dir, const char *name,
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
static struct file *v3_dir_open_reg(struct file *dir, const char *name)
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

static int v3_dir_ctx_file(char *name, u32 i)
{
	return snprintf(name, V3D_CTX_FILE_LEN, V3D_CTX_FILE_FMT, i);
}

/* Unlink @name in @dir (locked by the caller); 0 if absent. */
static int v3_dir_unlink_locked(struct user_namespace *ns, struct dentry *dir,
				const char *name, bool *absent)
{
	struct dentry *d;
	int ret = 0;

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
static int v3_dir_remove(const struct path *parent, const char *name)
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
static u8 *v3_dir_slurp(struct file *f, u64 max, u64 *len)
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
	ret = -EEXIST;
	if (IS_ERR(f))
		goto refuse;
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

static int v3_dir_open_save(struct v3_dir_priv *p)
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

static int v3_dir_write(void *priv, const void *buf, size_t len)
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

static int v3_dir_ctx_begin(void *priv, const char *name, u32 instance)
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

static int v3_dir_ctx_end(void *priv)
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

static int v3_dir_commit(struct v3_dir_priv *p)
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
	/* Checked again: something may have appeared at the path. */
	if (!ret)
		ret = v3_dir_check_replaceable(p, &checked);
	if (!ret)
		ret = v3_dir_publish(p, checked);
	replaced = checked;
	dput(checked);
	if (ret)
		return ret;
	p->published = true;
	/* The rename is durable once the parent directory is. */
	parent = dentry_open(&p->parent, O_RDONLY | O_DIRECTORY, current_cred());
	if (IS_ERR(parent)) {
		ret = PTR_ERR(parent);
	} else {
		ret = vfs_fsync(parent, 0);
		fput(parent);
	}
	if (ret) {
		/* Durability unknown: keep the previous checkpoint too. */
		pr_warn("v3chkpt: dir: %s is in place, but syncing its parent failed (%d); the previous checkpoint is kept as %s\n",
			p->path, ret, p->tmpname);
		return ret;
	}
	if (replaced)
		v3_dir_remove(&p->parent, p->tmpname);	/* the old one */
	return 0;
}

static int v3_dir_open_load(struct v3_dir_priv *p)
{
	char fname[V3D_CTX_FILE_LEN];
	struct file *f;
	u64 len;
	u32 i;
	int ret;

	p->dir = filp_open(p->path, O_RDONLY | O_DIRECTORY, 0);
	if (IS_ERR(p->dir)) {
		ret = PTR_ERR(p->dir);
		p->dir = NULL;
		return ret;
	}
	f = v3_dir_open_reg(p->dir, V3D_MANIFEST_NAME);
	if (IS_ERR(f))
		return PTR_ERR(f);
	p->manifest = v3_dir_slurp(f, V3D_MANIFEST_MAX, &len);
	fput(f);
	if (IS_ERR(p->manifest)) {
		ret = PTR_ERR(p->manifest);
		p->manifest = NULL;
		return ret;
	}
	ret = v3d_manifest_parse(p->manifest, len, &p->m);
	if (ret) {
		pr_info("v3chkpt: dir: %s: bad MANIFEST (%d)\n", p->path, ret);
		return ret;
	}
	/* Every file present, regular and of its recorded size, up front. */
	for (i = 0; i < p->m.nctx; i++) {
		v3d_manifest_entry(&p->m, i, &p->ent);
		v3_dir_ctx_file(fname, i);
		f = v3_dir_open_reg(p->dir, fname);
		if (IS_ERR(f)) {
			ret = PTR_ERR(f);
		} else {
			if (i_size_read(file_inode(f)) != p->ent.size)
				ret = i_size_read(file_inode(f)) < p->ent.size ?
				      -ENODATA : -EBADMSG;
			fput(f);
		}
		if (ret) {
			pr_info("v3chkpt: dir: %s/%s: %d\n", p->path, fname, ret);
			return ret;
		}
	}
	p->glue = (u8 *)p->m.glue;
	p->glue_len = p->m.glue_len;
	if (p->m.nctx) {
		v3d_manifest_entry(&p->m, 0, &p->ent);
		p->glue_left = p->ent.glue_before;
	} else {
		p->glue_left = p->glue_len;
	}
	return 0;
}

/* Open context file @p->nctx for reading. */
static int v3_dir_next_file(struct v3_dir_priv *p)
{
	char fname[V3D_CTX_FILE_LEN];
	struct file *f;

	v3d_manifest_entry(&p->m, p->nctx, &p->ent);
	v3_dir_ctx_file(fname, p->nctx);
	f = v3_dir_open_reg(p->dir, fname);
	if (IS_ERR(f))
		return PTR_ERR(f);
	/* Read to the recorded size; a file that changed fails its checksum. */
	p->cur = f;
	p->file_left = p->ent.size;
	v3c_hash_reset(&p->hash);
	return 0;
}

/* The file is read to its recorded size: its checksum must match. */
static int v3_dir_file_done(struct v3_dir_priv *p)
{
	char fname[V3D_CTX_FILE_LEN];
	struct v3d_entry next;

	fput(p->cur);
	p->cur = NULL;
	if (v3c_hash_digest(&p->hash) != p->ent.xxh64) {
		v3_dir_ctx_file(fname, p->nctx);
		pr_info("v3chkpt: dir: %s/%s: checksum mismatch\n", p->path,
			fname);
		return -EBADMSG;
	}
	if (++p->nctx < p->m.nctx) {
		v3d_manifest_entry(&p->m, p->nctx, &next);
		p->glue_left = next.glue_before;
	} else {
		p->glue_left = p->glue_len - p->glue_off;
	}
	return 0;
}

/*
 * The stream is the glue and the files interleaved as the manifest says.
 * No byte of a file's last chunk is handed out before its checksum is
 * checked; the core verifies each context before a loader sees it.
 */
static ssize_t v3_dir_read(void *priv, void *buf, size_t len)
{
	struct v3_dir_priv *p = priv;
	ssize_t n;
	int ret;

	if (p->glue_left) {
		n = min_t(size_t, len, p->glue_left);
		if (n > p->glue_len - p->glue_off)
			return -EBADMSG;	/* parse checked: cannot happen */
		memcpy(buf, p->glue + p->glue_off, n);
		p->glue_off += n;
		p->glue_left -= n;
		return n;
	}
	if (p->nctx >= p->m.nctx)
		return 0;
	if (!p->cur) {
		ret = v3_dir_next_file(p);
		if (ret)
			return ret;
	}
	n = kernel_read(p->cur, buf, min_t(u64, len, p->file_left),
			&p->cur->f_pos);
	if (n <= 0)
		return n ? n : -ENODATA;	/* shrank since open */
	v3c_hash_update(&p->hash, buf, n);
	p->file_left -= n;
	if (!p->file_left) {
		ret = v3_dir_file_done(p);
		if (ret)
			return ret;
	}
	return n;
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
