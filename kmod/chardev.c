// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/v3chkpt: the version query (anyone), opening checkpoint sessions
 * and managing memory-store checkpoints (CAP_SYS_ADMIN).
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/slab.h>
#include <uapi/linux/v3chkpt.h>
#include <v3chkpt/format.h>
#include "chardev.h"
#include "core.h"
#include "session.h"
#include "../stores/memory.h"
#include "ioctl_op.h"
#include "vm/vm.h"
#include "migrate/mig.h"

static int v3_ioc_version(struct v3_ucmd *ucmd)
{
	struct v3chkpt_version *v = ucmd->cmd;

	if (v->flags || v->reserved0)
		return -EINVAL;
	memset(v, 0, sizeof(*v));
	v->size = sizeof(*v);
	v->abi_version = V3CHKPT_ABI_VERSION;
	v->format_major = V3C_FORMAT_MAJOR;
	v->format_minor = V3C_FORMAT_MINOR;
	v->features = V3CHKPT_FEAT_MEMORY_STORE | V3CHKPT_FEAT_SESSIONS |
		      V3CHKPT_FEAT_RAW_STREAM | V3CHKPT_FEAT_VM |
		      V3CHKPT_FEAT_MIGRATE;
	strscpy(v->module_version, V3CHKPT_PRODUCER, sizeof(v->module_version));
	if (copy_to_user(ucmd->ubuffer, v,
			 min_t(u32, ucmd->user_size, sizeof(*v))))
		return -EFAULT;
	return 0;
}

static int v3_ioc_open(struct v3_ucmd *ucmd)
{
	struct v3chkpt_open *o = ucmd->cmd;
	char store[V3CHKPT_STORE_MAX];
	char *url;
	int ret;

	if (o->flags || o->reserved0 || !v3_zeroed(o->reserved, 2))
		return -EINVAL;
	if (o->mode < V3CHKPT_MODE_SAVE || o->mode > V3CHKPT_MODE_IMPORT)
		return -EINVAL;
	ret = v3_get_str(store, sizeof(store), o->store);
	if (ret)
		return ret;
	url = kmalloc(V3CHKPT_URL_MAX, GFP_KERNEL);
	if (!url)
		return -ENOMEM;
	ret = v3_get_str(url, V3CHKPT_URL_MAX, o->url);
	if (!ret)
		ret = v3_session_open(store, url, o->mode);
	kfree_sensitive(url);	/* a net URL may carry a key */
	return ret;
}

static int v3_ioc_mem_list(struct v3_ucmd *ucmd)
{
	struct v3chkpt_mem_list __user *uarg = ucmd->ubuffer;
	struct v3chkpt_mem_list *l = ucmd->cmd;
	struct v3_memstore_info *info;
	struct v3chkpt_mem_entry e;
	unsigned int i, n;
	int total, ret;

	if (l->flags || !v3_zeroed(l->reserved, 2))
		return -EINVAL;
	if (l->capacity && !l->entries)
		return -EFAULT;
	total = v3_memstore_list(NULL, 0);
	n = min_t(u32, l->capacity, total);
	info = kvcalloc(n ? n : 1, sizeof(*info), GFP_KERNEL);
	if (!info)
		return -ENOMEM;
	total = v3_memstore_list(info, n);
	n = min_t(u32, n, total);
	ret = 0;
	for (i = 0; i < n && !ret; i++) {
		memset(&e, 0, sizeof(e));
		strscpy(e.name, info[i].name, sizeof(e.name));
		e.bytes = info[i].bytes;
		e.created_ns = info[i].created_ns;
		if (copy_to_user(u64_to_user_ptr(l->entries) + i * sizeof(e),
				 &e, sizeof(e)))
			ret = -EFAULT;
	}
	kvfree(info);
	if (ret)
		return ret;
	l->count = total;
	if (put_user(l->count, &uarg->count))
		return -EFAULT;
	return 0;
}

static int v3_ioc_mem_delete(struct v3_ucmd *ucmd)
{
	struct v3chkpt_mem_delete *d = ucmd->cmd;
	char name[V3CHKPT_NAME_MAX];
	int ret;

	if (d->flags || !v3_zeroed(d->reserved, 2))
		return -EINVAL;
	ret = v3_get_str(name, sizeof(name), d->name);
	if (ret)
		return ret;
	return v3_memstore_delete(name);
}

/* The first version of each struct, as the uapi header states it. */
static_assert(V3CHKPT_VERSION_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_version, module_version));
static_assert(V3CHKPT_OPEN_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_open, reserved));
static_assert(V3CHKPT_MEM_LIST_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_mem_list, reserved));
static_assert(V3CHKPT_MEM_DELETE_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_mem_delete, reserved));
static_assert(V3CHKPT_VM_CREATE_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_vm_create, reserved));
static_assert(V3CHKPT_VM_LIST_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_vm_list, reserved));
static_assert(V3CHKPT_VM_CTL_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_vm_ctl, reserved));
static_assert(V3CHKPT_VM_DIGEST_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_vm_digest, reserved));
static_assert(V3CHKPT_VM_XFER_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_vm_xfer, reserved));
static_assert(V3CHKPT_VM_MAP_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_vm_map, reserved));
static_assert(V3CHKPT_VM_DIRTY_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_vm_dirty, reserved));
static_assert(V3CHKPT_VM_MIGRATE_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_vm_migrate, reserved));
static_assert(V3CHKPT_VM_RECEIVE_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_vm_receive, reserved));

/* /dev/v3chkpt, indexed by command number. */
static const struct v3_ioctl_op v3_dev_ops[] = {
	V3_IOCTL_OP_ANYONE(V3CHKPT_IOC_VERSION, v3_ioc_version,
			   struct v3chkpt_version, module_version),
	V3_IOCTL_OP(V3CHKPT_IOC_OPEN, v3_ioc_open,
		    struct v3chkpt_open, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_MEM_LIST, v3_ioc_mem_list,
		    struct v3chkpt_mem_list, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_MEM_DELETE, v3_ioc_mem_delete,
		    struct v3chkpt_mem_delete, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_VM_CREATE, v3_vm_ioc_create,
		    struct v3chkpt_vm_create, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_VM_LIST, v3_vm_ioc_list,
		    struct v3chkpt_vm_list, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_VM_CTL, v3_vm_ioc_ctl,
		    struct v3chkpt_vm_ctl, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_VM_DIGEST, v3_vm_ioc_digest,
		    struct v3chkpt_vm_digest, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_VM_SAVE, v3_vm_ioc_save,
		    struct v3chkpt_vm_xfer, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_VM_LOAD, v3_vm_ioc_load,
		    struct v3chkpt_vm_xfer, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_VM_MAP, v3_vm_ioc_map,
		    struct v3chkpt_vm_map, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_VM_DIRTY, v3_vm_ioc_dirty,
		    struct v3chkpt_vm_dirty, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_VM_MIGRATE, v3_mig_ioc_migrate,
		    struct v3chkpt_vm_migrate, reserved),
	V3_IOCTL_OP(V3CHKPT_IOC_VM_RECEIVE, v3_mig_ioc_receive,
		    struct v3chkpt_vm_receive, reserved),
};

static long v3_dev_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	return v3_ioctl_dispatch(v3_dev_ops, NULL, cmd, arg);
}

static const struct file_operations v3_dev_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = v3_dev_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice v3_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "v3chkpt",
	.fops = &v3_dev_fops,
	.mode = 0666,	/* anyone may ask the version; the rest checks caps */
};

int v3_chardev_init(void)
{
	return misc_register(&v3_miscdev);
}

void v3_chardev_exit(void)
{
	misc_deregister(&v3_miscdev);
}
