/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dir store's insides, shared by dir.c (the store), dir_fs.c (VFS
 * helpers), dir_save.c and dir_load.c.
 */
#ifndef _V3CHKPT_STORES_DIR_H
#define _V3CHKPT_STORES_DIR_H

#include <linux/fs.h>
#include <linux/path.h>
#include <v3chkpt/dirfmt.h>
#include <v3chkpt/store.h>
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

/* dir_fs.c */
struct file *v3_dir_open_at(struct file *dir, const char *name, int flags);
struct file *v3_dir_open_reg(struct file *dir, const char *name);
int v3_dir_ctx_file(char *name, u32 i);
int v3_dir_remove(const struct path *parent, const char *name);
u8 *v3_dir_slurp(struct file *f, u64 max, u64 *len);

/* dir_save.c */
int v3_dir_open_save(struct v3_dir_priv *p);
int v3_dir_write(void *priv, const void *buf, size_t len);
int v3_dir_ctx_begin(void *priv, const char *name, u32 instance);
int v3_dir_ctx_end(void *priv);
int v3_dir_commit(struct v3_dir_priv *p);

/* dir_load.c */
int v3_dir_open_load(struct v3_dir_priv *p);
ssize_t v3_dir_read(void *priv, void *buf, size_t len);

/* dir.c: registering the store */
int v3_dirstore_init(void);
void v3_dirstore_exit(void);

#endif /* _V3CHKPT_STORES_DIR_H */
