/* SPDX-License-Identifier: GPL-2.0 */
/* The checkpoint core's interface inside the module, beyond chkpt.h. */
#ifndef _V3CHKPT_CORE_H
#define _V3CHKPT_CORE_H

#include <linux/uio.h>
#include <v3chkpt/chkpt.h>
#include <v3chkpt/store.h>

#define V3CHKPT_PRODUCER "v3chkpt-kmod 0.1"

/* The same operations with user or kernel data in an iov_iter. */
int v3_chkpt_save_iter(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		       struct iov_iter *from);
int v3_chkpt_load_iter(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		       struct iov_iter *to);

/*
 * A live stream (a migration): the caller brings its own byte stream as
 * store operations on @priv (open is not used; close, if any, is called
 * once at the end).  Saving writes format 1.1 and may write sections
 * between contexts; loading hands every section record to @live.
 */
struct v3c_reader;
struct v3_chkpt_live {
	/*
	 * @item is V3C_ITEM_SECTION_START (r->sec filled), _PART or _END
	 * (r->part_id, r->data_len: read the data with v3c_reader_data,
	 * whose last byte verifies the part's hash).  -errno fails the load.
	 */
	int (*section)(void *priv, struct v3c_reader *r, int item);
};

struct v3_chkpt *v3_chkpt_open_live(const struct v3_chkpt_store_ops *ops,
				    void *priv, enum v3_chkpt_mode mode,
				    const struct v3_chkpt_live *live,
				    void *live_priv);
int v3_chkpt_section_start(struct v3_chkpt *c, u32 id, const char *name,
			   u32 instance, u32 version);
/* A part of section @id, or with @end its last record. */
int v3_chkpt_section_part(struct v3_chkpt *c, u32 id, const void *data,
			  u64 len, bool end);

#endif /* _V3CHKPT_CORE_H */
