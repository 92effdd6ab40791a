/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A growable byte buffer kept as an XArray of pages: no contiguous
 * allocation, no 32-bit size, pages allocated only as data arrive.
 */
#ifndef _V3CHKPT_PAGEBUF_H
#define _V3CHKPT_PAGEBUF_H

#include <linux/kref.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <linux/xarray.h>

struct v3_pagebuf {
	struct xarray pages;
	u64 size;
	struct kref ref;
};

struct v3_pagebuf *v3_pagebuf_alloc(void);
void v3_pagebuf_get(struct v3_pagebuf *pb);
void v3_pagebuf_put(struct v3_pagebuf *pb);
int v3_pagebuf_append(struct v3_pagebuf *pb, const void *buf, size_t len);
/* Free space at the tail (allocating a page if needed); then commit it. */
void *v3_pagebuf_tail(struct v3_pagebuf *pb, size_t *avail);
void v3_pagebuf_commit(struct v3_pagebuf *pb, size_t len);
/* Copy out from @off; returns bytes copied (0 past the end). */
size_t v3_pagebuf_read(struct v3_pagebuf *pb, u64 off, void *buf, size_t len);
int v3_pagebuf_copy_to_iter(struct v3_pagebuf *pb, u64 off, u64 len,
			    struct iov_iter *to);

#endif /* _V3CHKPT_PAGEBUF_H */
