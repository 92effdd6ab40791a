/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ioctl dispatch by table: one table per fd type, indexed by command
 * number, in the style of iommufd's IOCTL_OP.  Each row names the
 * command, its handler, its argument struct and the end of the struct's
 * first version (offsetofend); the generic code copies the argument in
 * with v3_get_arg().  A new command is one row.
 */
#ifndef _V3CHKPT_IOCTL_OP_H
#define _V3CHKPT_IOCTL_OP_H

#include <linux/build_bug.h>
#include <linux/capability.h>
#include <linux/nospec.h>
#include <linux/stddef.h>
#include <uapi/linux/v3chkpt.h>
#include "uarg.h"

struct v3_ucmd {
	void *priv;			/* the fd's object (session, file) */
	void __user *ubuffer;		/* the caller's struct */
	u32 user_size;			/* its size field */
	void *cmd;			/* the struct copied in; NULL: none */
};

struct v3_ioctl_op {
	unsigned int size;		/* sizeof the struct; 0: no argument */
	unsigned int min_size;		/* size of its first version */
	bool anyone;			/* no CAP_SYS_ADMIN needed */
	int (*execute)(struct v3_ucmd *ucmd);
};

/* Room for the argument of any command. */
union v3_ucmd_buffer {
	struct v3chkpt_version version;
	struct v3chkpt_open open;
	struct v3chkpt_mem_list mem_list;
	struct v3chkpt_mem_delete mem_delete;
	struct v3chkpt_ctx_open ctx_open;
	struct v3chkpt_blob blob;
	struct v3chkpt_vm_create vm_create;
	struct v3chkpt_vm_list vm_list;
	struct v3chkpt_vm_ctl vm_ctl;
	struct v3chkpt_vm_digest vm_digest;
	struct v3chkpt_vm_xfer vm_xfer;
	struct v3chkpt_vm_map vm_map;
	struct v3chkpt_vm_dirty vm_dirty;
	struct v3chkpt_dirty_harvest dirty_harvest;
	struct v3chkpt_vm_migrate vm_migrate;
	struct v3chkpt_vm_receive vm_receive;
	struct v3chkpt_mig_status mig_status;
};

#define __V3_IOCTL_OP(_ioctl, _fn, _size, _min, _anyone)		\
	[_IOC_NR(_ioctl)] = {						\
		.size = (_size),					\
		.min_size = (_min),					\
		.anyone = (_anyone),					\
		.execute = (_fn),					\
	}

#define __V3_IOCTL_OP_STRUCT(_ioctl, _fn, _struct, _last, _anyone)	\
	__V3_IOCTL_OP(_ioctl, _fn, sizeof(_struct) +			\
		      BUILD_BUG_ON_ZERO(sizeof(union v3_ucmd_buffer) <	\
					sizeof(_struct)),		\
		      offsetofend(_struct, _last), _anyone)

/* A command whose struct's first version ends at field _last. */
#define V3_IOCTL_OP(_ioctl, _fn, _struct, _last)			\
	__V3_IOCTL_OP_STRUCT(_ioctl, _fn, _struct, _last, false)

/* The same, open to callers without CAP_SYS_ADMIN. */
#define V3_IOCTL_OP_ANYONE(_ioctl, _fn, _struct, _last)			\
	__V3_IOCTL_OP_STRUCT(_ioctl, _fn, _struct, _last, true)

/* A command with no argument: arg must be 0 (else -EINVAL). */
#define V3_IOCTL_OP_NOARG(_ioctl, _fn)					\
	__V3_IOCTL_OP(_ioctl, _fn, 0, 0, false)

/*
 * The row for @cmd, or NULL (-ENOTTY).  Commands are matched on type and
 * number only, as the ABI documents: the size and direction bits are not
 * used, the size field is (unlike iommufd, which compares the whole cmd).
 */
static inline const struct v3_ioctl_op *
__v3_ioctl_find(const struct v3_ioctl_op *ops, unsigned int n,
		unsigned int cmd)
{
	unsigned int i = _IOC_NR(cmd);

	if (_IOC_TYPE(cmd) != V3CHKPT_IOC_MAGIC || i >= n)
		return NULL;
	i = array_index_nospec(i, n);
	return ops[i].execute ? &ops[i] : NULL;
}
#define v3_ioctl_find(_ops, _cmd)					\
	__v3_ioctl_find(_ops, ARRAY_SIZE(_ops), _cmd)

/* Copy the argument in (the v3_get_arg() rules) and run the handler. */
static inline long v3_ioctl_call(const struct v3_ioctl_op *op, void *priv,
				 unsigned long arg)
{
	struct v3_ucmd ucmd = { .priv = priv, .ubuffer = (void __user *)arg };
	union v3_ucmd_buffer buf;
	int ret;

	if (!op->size)
		return arg ? -EINVAL : op->execute(&ucmd);
	ret = v3_get_arg(&buf, op->size, op->min_size, arg, &ucmd.user_size);
	if (ret)
		return ret;
	ucmd.cmd = &buf;
	return op->execute(&ucmd);
}

/*
 * The whole of an fd's ioctl: find the row (-ENOTTY), check the caller's
 * capability at every call (an fd may be handed to anyone; -EPERM), run.
 */
static inline long __v3_ioctl_dispatch(const struct v3_ioctl_op *ops,
				       unsigned int n, void *priv,
				       unsigned int cmd, unsigned long arg)
{
	const struct v3_ioctl_op *op = __v3_ioctl_find(ops, n, cmd);

	if (!op)
		return -ENOTTY;
	if (!op->anyone && !capable(CAP_SYS_ADMIN))
		return -EPERM;
	return v3_ioctl_call(op, priv, arg);
}
#define v3_ioctl_dispatch(_ops, _priv, _cmd, _arg)			\
	__v3_ioctl_dispatch(_ops, ARRAY_SIZE(_ops), _priv, _cmd, _arg)

#endif /* _V3CHKPT_IOCTL_OP_H */
