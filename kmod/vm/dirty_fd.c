// SPDX-License-Identifier: GPL-2.0
/*
 * The tracker fd (V3CHKPT_IOC_VM_DIRTY): it owns the VM's dirty tracker,
 * harvests it into the caller's bitmap, and stops it when it is closed,
 * so tracking ends with the process that started it.
 */
#include <linux/anon_inodes.h>
#include <linux/bitmap.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "../ioctl_op.h"
#include "vm.h"

/* Guest frames the bitmap covers: up to the end of high memory. */
static u64 dirty_frames(const struct v3_mem *m)
{
	if (m->npages == m->low_pages)
		return m->npages;
	return (V3_MEM_HIGH_BASE >> PAGE_SHIFT) + m->npages - m->low_pages;
}

/* The struct back to the caller, as long as the caller's version. */
static int harvest_copy_out(struct v3_ucmd *ucmd)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd,
			 min_t(u32, ucmd->user_size,
			       sizeof(struct v3chkpt_dirty_harvest))))
		return -EFAULT;
	return 0;
}

static int dirty_ioc_harvest(struct v3_ucmd *ucmd)
{
	struct v3chkpt_dirty_harvest *h = ucmd->cmd;
	struct file *file = ucmd->priv;
	struct v3_vm *vm = file->private_data;
	struct v3_mem *m = &vm->mem;
	unsigned long *pages = NULL, *frames = NULL, i;
	struct v3_dirty_stats st;
	u64 nframes = dirty_frames(m);
	size_t bytes = BITS_TO_LONGS(nframes) * sizeof(long);
	int ret;

	if (h->flags || h->frames || h->dirty || h->harvest_ns || h->exits ||
	    h->scanned || !v3_zeroed(h->reserved, 2))
		return -EINVAL;
	h->frames = nframes;
	if (h->bitmap_bytes < bytes)	/* nothing harvested */
		return harvest_copy_out(ucmd) ?: -ENOBUFS;
	/* everything that can fail before the harvest takes pages out */
	pages = kvcalloc(BITS_TO_LONGS(m->npages), sizeof(long),
			 GFP_KERNEL_ACCOUNT);
	frames = kvzalloc(bytes, GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!pages || !frames)
		goto free;
	ret = v3_dirty_harvest(vm, file, pages, &st);
	if (ret)
		goto free;
	for_each_set_bit(i, pages, m->npages)
		__set_bit(v3_mem_idx_to_gpa(m, i) >> PAGE_SHIFT, frames);
	h->dirty = st.dirty;
	h->harvest_ns = st.ns;
	h->exits = st.exits;
	h->scanned = st.scanned;
	if (copy_to_user(u64_to_user_ptr(h->bitmap), frames, bytes) ||
	    harvest_copy_out(ucmd)) {
		/* the caller never saw them: the next harvest returns them */
		for_each_set_bit(i, pages, m->npages)
			v3_mark_page_dirty(vm, i);
		ret = -EFAULT;
	}
free:
	kvfree(frames);
	kvfree(pages);
	return ret;
}

static_assert(V3CHKPT_DIRTY_HARVEST_SIZE_VER0 ==
	      offsetofend(struct v3chkpt_dirty_harvest, reserved));

/* Tracker fds, indexed by command number. */
static const struct v3_ioctl_op v3_dirty_ops[] = {
	V3_IOCTL_OP(V3CHKPT_IOC_DIRTY_HARVEST, dirty_ioc_harvest,
		    struct v3chkpt_dirty_harvest, reserved),
};

static long dirty_ioctl(struct file *file, unsigned int cmd,
			unsigned long arg)
{
	return v3_ioctl_dispatch(v3_dirty_ops, file, cmd, arg);
}

static int dirty_release(struct inode *inode, struct file *file)
{
	struct v3_vm *vm = file->private_data;

	v3_dirty_stop(vm, file);
	v3_vm_put(vm);
	return 0;
}

static const struct file_operations v3_dirty_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = dirty_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.release = dirty_release,
	.llseek = noop_llseek,
};

int v3_dirty_fd(struct v3_vm *vm, u32 mode)
{
	struct file *file;
	int fd, ret;

	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	kref_get(&vm->ref);
	file = anon_inode_getfile("v3chkpt-dirty", &v3_dirty_fops, vm,
				  O_RDWR);
	if (IS_ERR(file)) {
		v3_vm_put(vm);
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	ret = v3_dirty_start(vm, mode, file);
	if (ret) {
		fput(file);	/* its release drops the VM */
		put_unused_fd(fd);
		return ret;
	}
	fd_install(fd, file);
	return fd;
}
