// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: module-owned pages behind the EPT, the VMM-side accessor,
 * saving and staging memory in checkpoints, and mmap for a VMM process.
 */
#include <linux/anon_inodes.h>
#include <linux/bvec.h>
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include "../internal.h"
#include "pages.h"
#include "vm.h"

/*
 * Memory travels in contexts "mem" of up to this many pages each, so a
 * loader buffers one chunk at a time; all-zero pages are sent as one bit.
 */
#define V3_MEM_CHUNK_PAGES	4096U
#define V3_MEM_VERSION		1

atomic_long_t v3_vm_pages_in_use = ATOMIC_LONG_INIT(0);

/* debugfs v3chkpt/vm_pages_in_use: userspace tests prove nothing leaked. */
static int pages_in_use_get(void *data, u64 *val)
{
	*val = atomic_long_read(&v3_vm_pages_in_use);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(pages_in_use_fops, pages_in_use_get, NULL, "%lld\n");

void v3_mem_debugfs_init(struct dentry *dir)
{
	debugfs_create_file_unsafe("vm_pages_in_use", 0400, dir, NULL,
				   &pages_in_use_fops);
}

int v3_mem_init(struct v3_mem *m, u64 bytes)
{
	unsigned long i;
	int ret;

	m->npages = bytes >> PAGE_SHIFT;
	m->low_pages = min_t(unsigned long, m->npages,
			     V3_MEM_LOW_LIMIT >> PAGE_SHIFT);
	m->pages = kvcalloc(m->npages, sizeof(*m->pages), GFP_KERNEL_ACCOUNT);
	if (!m->pages)
		return -ENOMEM;
	ret = v3_ept_init(&m->ept);
	if (ret)
		goto err;
	for (i = 0; i < m->npages; i++) {
		m->pages[i] = v3_vm_alloc_page(GFP_KERNEL_ACCOUNT | __GFP_ZERO |
					       __GFP_NOWARN);
		ret = -ENOMEM;
		if (!m->pages[i])
			goto err;
		ret = v3_ept_map(&m->ept, v3_mem_idx_to_gpa(m, i), m->pages[i],
				 V3_EPT_RWX);
		if (ret)
			goto err;
		if (!(i & 4095)) {
			ret = -EINTR;
			if (fatal_signal_pending(current))
				goto err;
			cond_resched();
		}
	}
	return 0;
err:
	v3_mem_destroy(m);
	return ret;
}

void v3_mem_destroy(struct v3_mem *m)
{
	unsigned long i;

	v3_ept_destroy(&m->ept);
	if (m->pages) {
		for (i = 0; i < m->npages; i++) {
			if (m->pages[i])
				v3_vm_free_page(m->pages[i]);
			if (!(i & 4095))
				cond_resched();
		}
	}
	kvfree(m->pages);
	m->pages = NULL;
}

/*
 * The one way the VMM and its device models touch guest memory (not
 * through the EPT, as a real VMM does not), so that writes made here can
 * be tracked alongside the guest's own.
 */
static int gpa_copy(struct v3_vm *vm, u64 gpa, void *buf, size_t len,
		    bool write)
{
	while (len) {
		long idx = v3_mem_gpa_to_idx(&vm->mem, gpa);
		size_t off = offset_in_page(gpa);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		u8 *p;

		if (idx < 0)
			return -EFAULT;
		p = page_address(vm->mem.pages[idx]) + off;
		if (write)
			memcpy(p, buf, n);
		else
			memcpy(buf, p, n);
		buf += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int v3_gpa_write(struct v3_vm *vm, u64 gpa, const void *buf, size_t len)
{
	return gpa_copy(vm, gpa, (void *)buf, len, true);
}

int v3_gpa_read(struct v3_vm *vm, u64 gpa, void *buf, size_t len)
{
	return gpa_copy(vm, gpa, buf, len, false);
}

static bool page_is_zero(struct page *page)
{
	return !memchr_inv(page_address(page), 0, PAGE_SIZE);
}

/* Scratch for one chunk: its page vector and its zero-page bitmap. */
struct mem_scratch {
	struct bio_vec *bv;
	u8 *zmap;
};

static void mem_scratch_free(struct mem_scratch *sc)
{
	kfree(sc->zmap);
	kvfree(sc->bv);
}

static int mem_scratch_alloc(struct mem_scratch *sc)
{
	sc->bv = kvmalloc_array(V3_MEM_CHUNK_PAGES, sizeof(*sc->bv),
				GFP_KERNEL);
	sc->zmap = kmalloc(V3_MEM_CHUNK_PAGES / 8, GFP_KERNEL);
	if (sc->bv && sc->zmap)
		return 0;
	mem_scratch_free(sc);
	return -ENOMEM;
}

static int mem_save_chunk(struct v3_chkpt *chkpt, struct v3_mem *m,
			  u32 chunk, struct mem_scratch *sc)
{
	struct bio_vec *bv = sc->bv;
	u8 *zmap = sc->zmap;
	u64 first = (u64)chunk * V3_MEM_CHUNK_PAGES;
	u32 count = min_t(u64, V3_MEM_CHUNK_PAGES, m->npages - first);
	struct v3_chkpt_ctx *ctx;
	struct iov_iter it;
	u32 i, nz = 0;
	int ret;

	memset(zmap, 0, DIV_ROUND_UP(count, 8));
	for (i = 0; i < count; i++) {
		struct page *pg = m->pages[first + i];

		if (page_is_zero(pg)) {
			zmap[i / 8] |= 1U << (i % 8);
			continue;
		}
		bvec_set_page(&bv[nz++], pg, PAGE_SIZE, 0);
	}
	ctx = v3_chkpt_open_ctx(chkpt, "mem", chunk, V3_MEM_VERSION,
				V3_MEM_VERSION);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	V3_CHKPT_SAVE(ctx, "first", first, fail);
	V3_CHKPT_SAVE(ctx, "count", count, fail);
	ret = v3_chkpt_save(ctx, "zero", DIV_ROUND_UP(count, 8), zmap);
	if (ret)
		goto fail;
	iov_iter_bvec(&it, ITER_SOURCE, bv, nz, (size_t)nz * PAGE_SIZE);
	ret = v3_chkpt_save_iter(ctx, "data", (u64)nz * PAGE_SIZE, &it);
	if (ret)
		goto fail;
	return v3_chkpt_close_ctx(ctx);
fail:
	ret = v3_chkpt_ctx_error(ctx) ?: ret;
	v3_chkpt_close_ctx(ctx);
	return ret;
}

/* Chunks 0..@chunk moved: tell the caller. */
static void mem_progress(struct v3_vm_err *err, const struct v3_mem *m,
			 u32 chunk)
{
	u64 done = min_t(u64, (u64)(chunk + 1) * V3_MEM_CHUNK_PAGES, m->npages);

	v3_vm_progress(err, done << PAGE_SHIFT, (u64)m->npages << PAGE_SHIFT);
}

int v3_mem_save(struct v3_chkpt *chkpt, struct v3_mem *m,
		struct v3_vm_err *err)
{
	u32 chunk, chunks = DIV_ROUND_UP(m->npages, V3_MEM_CHUNK_PAGES);
	struct mem_scratch sc;
	int ret;

	ret = mem_scratch_alloc(&sc);
	if (ret)
		return ret;
	for (chunk = 0; chunk < chunks && !ret; chunk++) {
		ret = mem_save_chunk(chkpt, m, chunk, &sc);
		if (!ret)
			mem_progress(err, m, chunk);
		cond_resched();
	}
	mem_scratch_free(&sc);
	return ret;
}

void v3_mem_free_staged(struct page **staged, unsigned long n)
{
	unsigned long i;

	if (!staged)
		return;
	for (i = 0; i < n; i++)
		if (staged[i])
			v3_vm_free_page(staged[i]);
}

static int mem_load_chunk(struct v3_chkpt *chkpt, struct v3_mem *m,
			  u32 chunk, struct page **staged,
			  struct mem_scratch *sc, struct v3_vm_err *err)
{
	struct bio_vec *bv = sc->bv;
	u8 *zmap = sc->zmap;
	u64 want_first = (u64)chunk * V3_MEM_CHUNK_PAGES, first;
	u32 want = min_t(u64, V3_MEM_CHUNK_PAGES, m->npages - want_first);
	struct v3_chkpt_ctx *ctx;
	u32 count, i, nz = 0;
	struct iov_iter it;
	s64 len;
	int ret;

	ctx = v3_chkpt_open_ctx(chkpt, "mem", chunk, V3_MEM_VERSION,
				V3_MEM_VERSION);
	if (IS_ERR(ctx))
		return v3_vm_fail(err, PTR_ERR(ctx),
				  "memory chunk %u: cannot open (%ld)", chunk,
				  PTR_ERR(ctx));
	V3_CHKPT_LOAD(ctx, "first", first, fail);
	V3_CHKPT_LOAD(ctx, "count", count, fail);
	if (first != want_first || count != want) {
		ret = v3_vm_fail(err, -ERANGE,
				 "memory chunk %u: pages %llu+%u, expected %llu+%u",
				 chunk, first, count, want_first, want);
		goto out;
	}
	ret = v3_chkpt_load(ctx, "zero", DIV_ROUND_UP(count, 8), zmap);
	if (ret)
		goto fail;
	for (i = 0; i < count; i++)
		if (!(zmap[i / 8] & (1U << (i % 8))))
			nz++;
	len = v3_chkpt_blob_len(ctx, "data");
	if (len != (s64)nz * PAGE_SIZE) {
		ret = v3_vm_fail(err, len < 0 ? (int)len : -ERANGE,
				 "memory chunk %u: %lld data bytes for %u non-zero pages",
				 chunk, len, nz);
		goto out;
	}
	for (i = 0, nz = 0; i < count; i++) {
		struct page *pg;

		if (zmap[i / 8] & (1U << (i % 8)))
			continue;
		if (!staged) {
			/* straight into a fresh VM's zeroed pages */
			pg = m->pages[first + i];
		} else {
			pg = v3_vm_alloc_page(GFP_KERNEL_ACCOUNT |
					      __GFP_NOWARN);
			if (!pg) {
				ret = v3_vm_fail(err, -ENOMEM,
						 "memory chunk %u: out of memory staging it",
						 chunk);
				goto out;
			}
			staged[first + i] = pg;
		}
		bvec_set_page(&bv[nz++], pg, PAGE_SIZE, 0);
	}
	iov_iter_bvec(&it, ITER_DEST, bv, nz, (size_t)nz * PAGE_SIZE);
	ret = v3_chkpt_load_iter(ctx, "data", (u64)nz * PAGE_SIZE, &it);
	if (ret)
		goto fail;
	return v3_chkpt_close_ctx(ctx);
fail:
	ret = v3_vm_fail(err, v3_chkpt_ctx_error(ctx) ?: ret,
			 "memory chunk %u: bad record (%d)", chunk,
			 v3_chkpt_ctx_error(ctx) ?: ret);
out:
	v3_chkpt_close_ctx(ctx);
	return ret;
}

int v3_mem_load(struct v3_chkpt *chkpt, struct v3_mem *m,
		struct page **staged, struct v3_vm_err *err)
{
	u32 chunk, chunks = DIV_ROUND_UP(m->npages, V3_MEM_CHUNK_PAGES);
	struct mem_scratch sc;
	int ret;

	if (mem_scratch_alloc(&sc))
		return v3_vm_fail(err, -ENOMEM,
				  "out of memory staging guest memory");
	for (chunk = 0, ret = 0; chunk < chunks && !ret; chunk++) {
		ret = mem_load_chunk(chkpt, m, chunk, staged, &sc, err);
		if (!ret)
			mem_progress(err, m, chunk);
		if (!ret && fatal_signal_pending(current))
			ret = v3_vm_fail(err, -EINTR, "interrupted");
		cond_resched();
	}
	mem_scratch_free(&sc);
	return ret;
}

/*
 * Copy staged pages into guest memory rather than swapping pages in, so
 * that a VMM's existing mappings of guest memory stay coherent.
 */
void v3_mem_apply(struct v3_mem *m, struct page **staged)
{
	unsigned long i;

	for (i = 0; i < m->npages; i++) {
		void *dst = page_address(m->pages[i]);

		if (staged[i])
			copy_page(dst, page_address(staged[i]));
		else
			clear_page(dst);
		if (!(i & 4095))
			cond_resched();
	}
}

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
