/* SPDX-License-Identifier: GPL-2.0 */
/* The checkpoint core's interface inside the module, beyond chkpt.h. */
#ifndef _V3CHKPT_CORE_H
#define _V3CHKPT_CORE_H

#include <linux/uio.h>
#include <v3chkpt/chkpt.h>

#define V3CHKPT_PRODUCER "v3chkpt-kmod 0.1"

/* The same operations with user or kernel data in an iov_iter. */
int v3_chkpt_save_iter(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		       struct iov_iter *from);
int v3_chkpt_load_iter(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		       struct iov_iter *to);

#endif /* _V3CHKPT_CORE_H */
