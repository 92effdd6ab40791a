/* SPDX-License-Identifier: GPL-2.0 */
/* Why a VM save or load failed, for the caller to print. */
#ifndef _V3CHKPT_VM_ERR_H
#define _V3CHKPT_VM_ERR_H

#include <linux/compiler.h>
#include <uapi/linux/v3chkpt.h>

/* What the caller of a save or load is told while and after it runs. */
struct v3_vm_err {
	int code;			/* first failure's -errno, or 0 */
	char msg[V3CHKPT_ERRMSG_MAX];	/* its reason */
	struct v3chkpt_progress __user *progress;	/* or NULL */
};

/*
 * Record a failure and return @code (a -errno), so a loader can write
 *	return v3_vm_fail(err, -ERANGE, "uart%u: rx_count %u > %u", ...);
 * The first failure recorded wins; @err may be NULL.
 */
__printf(3, 4)
int v3_vm_fail(struct v3_vm_err *err, int code, const char *fmt, ...);

/* Tell the caller how far the memory transfer is (best effort). */
void v3_vm_progress(struct v3_vm_err *err, u64 done, u64 total);

#endif /* _V3CHKPT_VM_ERR_H */
