// SPDX-License-Identifier: GPL-2.0
/*
 * Loading from the dir store: the MANIFEST and every file checked up
 * front, then the stream rebuilt from glue and files, each file's checksum
 * checked before its last bytes are handed out.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "dir.h"

int v3_dir_open_load(struct v3_dir_priv *p)
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
ssize_t v3_dir_read(void *priv, void *buf, size_t len)
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
