// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory mapped into a VMM process through its own fd.
 *
 * Each VM's memory has an inode of its own (on a small internal
 * filesystem), so the dirty tracker can take write access away from every
 * mapping of that VM and no other.  PTEs are inserted by pfn
 * (VM_MIXEDMAP), read-only until written: the first write through a
 * mapping faults into v3_mem_mkwrite(), which records the page with the
 * tracker and makes the PTE writable under vm->map_lock, so a harvest
 * never sees a writable PTE it does not know of.  Taking write access
 * away uses the kernel's mapping-dirty helpers where it has them, else
 * unmaps (the next access faults the page back in).
 */
#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mount.h>
#include <linux/pfn_t.h>
#include <linux/pseudo_fs.h>
#include "vm.h"

#define V3_MEMFS_MAGIC	0x76336d6d	/* "v3mm" */

static struct vfsmount *v3_memfs_mnt;

static int v3_memfs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, V3_MEMFS_MAGIC) ? 0 : -ENOMEM;
}

static struct file_system_type v3_memfs_type = {
	.name = "v3chkpt_mem",
	.init_fs_context = v3_memfs_init_fs_context,
	.kill_sb = kill_anon_super,
};

int v3_mem_map_init(void)
{
	v3_memfs_mnt = kern_mount(&v3_memfs_type);
	return PTR_ERR_OR_ZERO(v3_memfs_mnt);
}

void v3_mem_map_exit(void)
{
	kern_unmount(v3_memfs_mnt);
}

/* Insert the PTE for a fault at @vmf; @write: writable, recorded. */
static vm_fault_t v3_mem_insert(struct vm_fault *vmf, bool write)
{
	struct v3_vm *vm = vmf->vma->vm_file->private_data;
	long idx = v3_mem_gpa_to_idx(&vm->mem, (u64)vmf->pgoff << PAGE_SHIFT);
	pfn_t pfn;
	vm_fault_t ret;

	if (idx < 0)
		return VM_FAULT_SIGBUS;
	pfn = page_to_pfn_t(vm->mem.pages[idx]);
	if (!write)
		return vmf_insert_mixed(vmf->vma, vmf->address, pfn);
	down_read(&vm->map_lock);
	v3_dirty_map_write(vm, idx);
	ret = vmf_insert_mixed_mkwrite(vmf->vma, vmf->address, pfn);
	up_read(&vm->map_lock);
	return ret;
}

/* mmap of guest memory: file offset = guest-physical address. */
static vm_fault_t v3_mem_fault(struct vm_fault *vmf)
{
	return v3_mem_insert(vmf, vmf->flags & FAULT_FLAG_WRITE);
}

/* A write to a page mapped read-only: record it, then grant the write. */
static vm_fault_t v3_mem_mkwrite(struct vm_fault *vmf)
{
	return v3_mem_insert(vmf, true);
}

static const struct vm_operations_struct v3_mem_vm_ops = {
	.fault = v3_mem_fault,
	.pfn_mkwrite = v3_mem_mkwrite,
};

static int v3_mem_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;	/* private copies of guest RAM make no sense */
	if (vma->vm_pgoff >= (1UL << (V3_EPT_GPA_BITS - PAGE_SHIFT)) ||
	    vma_pages(vma) > (1UL << (V3_EPT_GPA_BITS - PAGE_SHIFT)) -
			     vma->vm_pgoff)
		return -EINVAL;	/* beyond any guest-physical address */
	vma->vm_flags |= VM_MIXEDMAP | VM_DONTEXPAND | VM_DONTDUMP;
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

void v3_mem_map_protect(struct v3_vm *vm, unsigned long first,
			unsigned long n, unsigned long *scratch)
{
	struct v3_mem *m = &vm->mem;
	struct address_space *mapping;
	unsigned long k;
	pgoff_t pgoff;

	lockdep_assert_held_write(&vm->map_lock);
	if (!vm->mem_inode || !n)
		return;
	mapping = vm->mem_inode->i_mapping;
	if (!mapping_mapped(mapping))
		return;
	/* low memory and high memory are apart in guest-physical space */
	if (first < m->low_pages && first + n > m->low_pages) {
		k = m->low_pages - first;
		v3_mem_map_protect(vm, first, k, scratch);
		v3_mem_map_protect(vm, first + k, n - k, scratch);
		return;
	}
	pgoff = v3_mem_idx_to_gpa(m, first) >> PAGE_SHIFT;
#if IS_ENABLED(CONFIG_MAPPING_DIRTY_HELPERS)
	/*
	 * Read-only, then clean: mprotect() makes a dirty PTE of a shared
	 * mapping writable again without a fault (can_change_pte_writable).
	 * Every mapping is shared and writable (mmap refuses others, the fd
	 * cannot be reopened), so the walk skips no VMA.
	 */
	{
		pgoff_t start = n, end = 0;

		wp_shared_mapping_range(mapping, pgoff, n);
		clean_record_shared_mapping_range(mapping, pgoff, n, pgoff,
						  scratch, &start, &end);
		if (end > start)
			bitmap_clear(scratch, start, end - start);
	}
#else
	unmap_mapping_range(mapping, (loff_t)pgoff << PAGE_SHIFT,
			    (loff_t)n << PAGE_SHIFT, 1);
#endif
}

/*
 * The VM's memory inode, made on first use.  Under map_lock, not vm->lock:
 * a save holds vm->lock for a whole transfer, and a VMM mapping memory
 * meanwhile must not wait for it.
 */
static struct inode *v3_mem_inode(struct v3_vm *vm)
{
	struct inode *inode;

	down_write(&vm->map_lock);
	inode = vm->mem_inode;
	if (!inode) {
		inode = alloc_anon_inode(v3_memfs_mnt->mnt_sb);
		if (!IS_ERR(inode))
			vm->mem_inode = inode;
	}
	up_write(&vm->map_lock);
	return inode;
}

/* A new fd mapping @vm's memory; it holds a reference to @vm. */
int v3_mem_map_fd(struct v3_vm *vm)
{
	struct inode *inode;
	struct file *file;
	int fd;

	inode = v3_mem_inode(vm);
	if (IS_ERR(inode))
		return PTR_ERR(inode);
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0)
		return fd;
	/* the file's release runs our code: fput drops this reference */
	__module_get(THIS_MODULE);
	ihold(inode);
	file = alloc_file_pseudo(inode, v3_memfs_mnt, "v3chkpt-vm-mem",
				 O_RDWR, &v3_mem_fops);
	if (IS_ERR(file)) {
		iput(inode);
		module_put(THIS_MODULE);
		put_unused_fd(fd);
		return PTR_ERR(file);
	}
	kref_get(&vm->ref);
	file->private_data = vm;
	fd_install(fd, file);
	return fd;
}
