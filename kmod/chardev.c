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
#include "internal.h"
#include "uarg.h"
#include "vm/vm.h"

static int v3_ioc_version(unsigned long arg)
{
	struct v3chkpt_version v;
	u32 usize;
	int ret;

	ret = v3_get_arg(&v, sizeof(v), V3CHKPT_VERSION_SIZE_VER0, arg, &usize);
	if (ret)
		return ret;
	if (v.flags || v.reserved0)
		return -EINVAL;
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	v.abi_version = V3CHKPT_ABI_VERSION;
	v.format_major = V3C_FORMAT_MAJOR;
	v.format_minor = V3C_FORMAT_MINOR;
	v.features = V3CHKPT_FEAT_MEMORY_STORE | V3CHKPT_FEAT_SESSIONS |
		     V3CHKPT_FEAT_RAW_STREAM | V3CHKPT_FEAT_VM;
	strscpy(v.module_version, V3CHKPT_PRODUCER, sizeof(v.module_version));
	if (copy_to_user((void __user *)arg, &v, min_t(u32, usize, sizeof(v))))
		return -EFAULT;
	return 0;
}

static int v3_ioc_open(unsigned long arg)
{
	char store[V3CHKPT_STORE_MAX];
	struct v3chkpt_open o;
	char *url;
	int ret;

	ret = v3_get_arg(&o, sizeof(o), V3CHKPT_OPEN_SIZE_VER0, arg, NULL);
	if (ret)
		return ret;
	if (o.flags || o.reserved0 || !v3_zeroed(o.reserved, 2))
		return -EINVAL;
	if (o.mode < V3CHKPT_MODE_SAVE || o.mode > V3CHKPT_MODE_IMPORT)
		return -EINVAL;
	ret = v3_get_str(store, sizeof(store), o.store);
	if (ret)
		return ret;
	url = kmalloc(V3CHKPT_URL_MAX, GFP_KERNEL);
	if (!url)
		return -ENOMEM;
	ret = v3_get_str(url, V3CHKPT_URL_MAX, o.url);
	if (!ret)
		ret = v3_session_open(store, url, o.mode);
	kfree_sensitive(url);	/* a net URL may carry a key */
	return ret;
}

static int v3_ioc_mem_list(unsigned long arg)
{
	struct v3chkpt_mem_list l;
	struct v3_memstore_info *info;
	struct v3chkpt_mem_entry e;
	unsigned int i, n;
	int total, ret;

	ret = v3_get_arg(&l, sizeof(l), V3CHKPT_MEM_LIST_SIZE_VER0, arg, NULL);
	if (ret)
		return ret;
	if (l.flags || !v3_zeroed(l.reserved, 2))
		return -EINVAL;
	if (l.capacity && !l.entries)
		return -EFAULT;
	total = v3_memstore_list(NULL, 0);
	n = min_t(u32, l.capacity, total);
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
		if (copy_to_user(u64_to_user_ptr(l.entries) + i * sizeof(e),
				 &e, sizeof(e)))
			ret = -EFAULT;
	}
	kvfree(info);
	if (ret)
		return ret;
	l.count = total;
	if (put_user(l.count, &((struct v3chkpt_mem_list __user *)arg)->count))
		return -EFAULT;
	return 0;
}

static int v3_ioc_mem_delete(unsigned long arg)
{
	struct v3chkpt_mem_delete d;
	char name[V3CHKPT_NAME_MAX];
	int ret;

	ret = v3_get_arg(&d, sizeof(d), V3CHKPT_MEM_DELETE_SIZE_VER0, arg,
			 NULL);
	if (ret)
		return ret;
	if (d.flags || !v3_zeroed(d.reserved, 2))
		return -EINVAL;
	ret = v3_get_str(name, sizeof(name), d.name);
	if (ret)
		return ret;
	return v3_memstore_delete(name);
}

static long v3_dev_ioctl(struct file *file, unsigned int cmd,
			 unsigned long arg)
{
	if (_IOC_TYPE(cmd) != V3CHKPT_IOC_MAGIC)
		return -ENOTTY;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(V3CHKPT_IOC_VERSION):
		return v3_ioc_version(arg);
	case _IOC_NR(V3CHKPT_IOC_OPEN):
	case _IOC_NR(V3CHKPT_IOC_MEM_LIST):
	case _IOC_NR(V3CHKPT_IOC_MEM_DELETE):
	case _IOC_NR(V3CHKPT_IOC_VM_CREATE) ... _IOC_NR(V3CHKPT_IOC_VM_MAP):
		break;
	default:
		return -ENOTTY;
	}
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(V3CHKPT_IOC_OPEN):
		return v3_ioc_open(arg);
	case _IOC_NR(V3CHKPT_IOC_MEM_LIST):
		return v3_ioc_mem_list(arg);
	case _IOC_NR(V3CHKPT_IOC_MEM_DELETE):
		return v3_ioc_mem_delete(arg);
	default:
		return v3_vm_ioctl(cmd, arg);
	}
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
