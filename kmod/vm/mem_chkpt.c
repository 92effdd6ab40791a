// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory in checkpoints: saved in chunks with zero pages as bits,
 * loaded into staged pages (or straight into a VM nobody has seen yet),
 * and applied once the whole stream has verified.
 */
#include <linux/bvec.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include "../admit.h"
#include "../core.h"
#include "pages.h"
#include "vm.h"

/*
 * Memory travels in contexts "mem" of up to this many pages each, so a
 * loader buffers one chunk at a time; all-zero pages are sent as one bit.
 */
#define V3_MEM_CHUNK_PAGES	4096U
#define V3_MEM_VERSION		1

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
	if (staged && v3_admit_pages(nz)) {
		ret = v3_vm_fail(err, -ENOMEM,
				 "memory chunk %u: no room to stage %u pages",
				 chunk, nz);
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
			pg = v3_vm_alloc_page(V3_MEM_GFP);
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
		/* a load writes memory outside the EPT, as the VMM does */
		v3_mark_page_dirty(container_of(m, struct v3_vm, mem), i);
		if (!(i & 4095))
			cond_resched();
	}
}
