// SPDX-License-Identifier: GPL-2.0
/* Guest memory mapped into a VMM process through its own fd. */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include "vm.h"

/* mmap of guest memory: file offset = guest-physical address. */
static vm_fault_t v3_mem_fault(struct vm_fault *vmf)
{
	struct v3_vm *vm = vmf->vma->vm_file->private_data;
	long idx = v3_mem_gpa_to_idx(&vm->mem, (u64)vmf->pgoff << PAGE_SHIFT);

	if (idx < 0)
		return VM_FAULT_SIGBUS;
	vmf->page = vm->mem.pages[idx];
	get_page(vmf->page);
	return 0;
}

static const struct vm_operations_struct v3_mem_vm_ops = {
	.fault = v3_mem_fault,
};

static int v3_mem_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;	/* private copies of guest RAM make no sense */
	if (vma->vm_pgoff >= (1UL << (V3_EPT_GPA_BITS - PAGE_SHIFT)) ||
	    vma_pages(vma) > (1UL << (V3_EPT_GPA_BITS - PAGE_SHIFT)) -
			     vma->vm_pgoff)
		return -EINVAL;	/* beyond any guest-physical address */
	vma->vm_flags |= VM_DONTEXPAND | VM_DONTDUMP;
	vma->vm_ops = &v3_mem_vm_ops;
	return 0;
}

static int v3_mem_release(struct inode *inode, struct file *file)
{
	v3_vm_put(file->private_data);
	return 0;
}

static const struct file_operations v3_mem_fops = {
	.owner = THIS_MODULE,
	.mmap = v3_mem_mmap,
	.release = v3_mem_release,
	.llseek = noop_llseek,
};

/* A new fd mapping @vm's memory; it holds a reference to @vm. */
int v3_mem_map_fd(struct v3_vm *vm)
{
	int fd;

	kref_get(&vm->ref);
	fd = anon_inode_getfd("v3chkpt-vm-mem", &v3_mem_fops, vm,
			      O_RDWR | O_CLOEXEC);
	if (fd < 0)
		v3_vm_put(vm);
	return fd;
}
