// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory as a live unit (ram.h).  Source: setup starts the dirty
 * tracker and marks every page; each round sends the marked pages in
 * batches and clears them; pending() harvests what the guest wrote
 * meanwhile.  A page is copied once, then hashed and batched from the
 * copy, so that the hash is of the bytes that went even if the guest
 * writes the page while it goes (the tracker then reports it again).
 */
#include <linux/bitmap.h>
#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/xxhash.h>
#include "../core.h"
#include "../kunit_export.h"
#include "../vm/vm.h"
#include "ram.h"

static int ram_lz4(void *wrk, const void *src, int src_len, void *dst,
		   int dst_cap)
{
	return LZ4_compress_default(src, dst, src_len, dst_cap, wrk);
}

int v3_mig_ram_init(struct v3_mig_ram *r, struct v3_vm *vm, bool source)
{
	struct v3_mem *m = &vm->mem;

	memset(r, 0, sizeof(*r));
	r->vm = vm;
	r->hashes = kvcalloc(m->npages, sizeof(*r->hashes), GFP_KERNEL_ACCOUNT);
	if (!r->hashes)
		return -ENOMEM;
	if (!source) {
		r->gpa_end = v3_mem_idx_to_gpa(m, m->npages - 1) + PAGE_SIZE;
		return 0;
	}
	r->dirty = bitmap_zalloc(m->npages, GFP_KERNEL_ACCOUNT);
	r->batch_cap = V3C_BATCH_HDR_SIZE + V3_MIG_BATCH_PAGES *
		       (V3C_RUN_HDR_SIZE + 8 + V3C_PAGE_LEN_SIZE + PAGE_SIZE);
	r->batch = kvmalloc(r->batch_cap, GFP_KERNEL_ACCOUNT);
	r->bounce = kmalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
	if (!r->dirty || !r->batch || !r->bounce) {
		v3_mig_ram_free(r);
		return -ENOMEM;
	}
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_mig_ram_init);

void v3_mig_ram_free(struct v3_mig_ram *r)
{
	bitmap_free(r->dirty);
	kvfree(r->hashes);
	kvfree(r->batch);
	kvfree(r->lz4_wrk);
	kfree(r->bounce);
	kvfree(r->part);
	r->dirty = NULL;
	r->hashes = NULL;
	r->batch = NULL;
	r->lz4_wrk = NULL;
	r->bounce = NULL;
	r->part = NULL;
	r->part_cap = 0;
}
V3_EXPORT_FOR_TESTS(v3_mig_ram_free);

u64 v3_mig_ram_digest(const struct v3_mig_ram *r)
{
	return xxh64(r->hashes, r->vm->mem.npages * sizeof(*r->hashes), 0);
}
V3_EXPORT_FOR_TESTS(v3_mig_ram_digest);

/* ------------------------------------------------------------ source */

static int ram_setup(void *priv)
{
	struct v3_mig_ram *r = priv;
	int ret;

	if (r->lz4 && !r->lz4_wrk) {
		r->lz4_wrk = kvmalloc(LZ4_MEM_COMPRESS, GFP_KERNEL_ACCOUNT);
		if (!r->lz4_wrk)
			return -ENOMEM;
	}
	ret = v3_chkpt_section_start(r->chkpt, V3_MIG_RAM_SECTION_ID,
				     V3C_SECTION_RAM, 0, V3_MIG_RAM_VERSION);
	if (ret)
		return ret;
	/* Round 0 sends every page; the copy starts after the tracker. */
	ret = v3_dirty_start(r->vm, r->mode, r);
	if (ret)
		return ret;
	bitmap_fill(r->dirty, r->vm->mem.npages);
	return 0;
}

/* The batch built so far goes as one part (with @end, the last). */
static int ram_send_batch(struct v3_mig_ram *r, struct v3c_batch_builder *b,
			  bool end, u64 *sent)
{
	size_t len = 0;
	int ret = 0;

	if (b->npages)
		ret = v3c_batch_finish(b, &len);
	if (!ret && (b->npages || end))
		ret = v3_chkpt_section_part(r->chkpt, V3_MIG_RAM_SECTION_ID,
					    r->batch, len, end);
	if (ret)
		return ret;
	*sent += len;
	r->st.pages += b->npages;
	r->st.zero += b->pages[V3C_PAGE_ENC_ZERO];
	r->st.lz4 += b->pages[V3C_PAGE_ENC_LZ4];
	r->st.page_bytes += len;
	v3c_batch_init(b, r->batch, r->batch_cap, r->lz4 ? ram_lz4 : NULL,
		       r->lz4_wrk);
	if (r->progress)
		r->progress(r->progress_arg);
	return fatal_signal_pending(current) ? -EINTR : 0;
}

/* Send every marked page, clearing the marks; with @end, end the section. */
static int ram_send(struct v3_mig_ram *r, bool end, u64 *sent)
{
	struct v3_mem *m = &r->vm->mem;
	struct v3c_batch_builder b;
	unsigned long idx;
	int ret;

	v3c_batch_init(&b, r->batch, r->batch_cap, r->lz4 ? ram_lz4 : NULL,
		       r->lz4_wrk);
	for_each_set_bit(idx, r->dirty, m->npages) {
		u64 gpa = v3_mem_idx_to_gpa(m, idx);

		__clear_bit(idx, r->dirty);
		memcpy(r->bounce, page_address(m->pages[idx]), PAGE_SIZE);
		r->hashes[idx] = cpu_to_le64(xxh64(r->bounce, PAGE_SIZE, 0));
		if (b.npages >= V3_MIG_BATCH_PAGES) {
			ret = ram_send_batch(r, &b, false, sent);
			if (ret)
				return ret;
		}
		ret = v3c_batch_add(&b, gpa, r->bounce);
		if (ret)	/* the batch was sized for this many pages */
			return ret;
		cond_resched();
	}
	return ram_send_batch(r, &b, end, sent);
}

static int ram_iterate(void *priv, struct v3_mig_chan *ch, u64 *sent)
{
	struct v3_mig_ram *r = priv;

	return r->error ?: ram_send(r, false, sent);
}

/* Take what the guest wrote since the last harvest into the marks. */
static int ram_harvest(struct v3_mig_ram *r)
{
	struct v3_dirty_stats st;

	if (!r->error)
		r->error = v3_dirty_harvest(r->vm, r, r->dirty, &st);
	if (!r->error)
		r->harvest_ns = st.ns;
	return r->error;
}

/*
 * What the guest dirtied since the last harvest, as bytes on the wire: a
 * dirty page is taken to be as large as the non-zero pages were so far.
 * A harvest fails only if the tracker is gone (the VM destroyed): the
 * next iterate says so.
 */
static u64 ram_pending(void *priv)
{
	struct v3_mig_ram *r = priv;
	u64 nonzero = r->st.pages - r->st.zero, per_page = PAGE_SIZE + 8;

	if (ram_harvest(r))
		return 0;
	if (nonzero)
		per_page = div64_u64(r->st.page_bytes, nonzero) + 8;
	return bitmap_weight(r->dirty, r->vm->mem.npages) * per_page;
}

/* The guest is paused: the last harvest, the rest of memory, the end. */
static int ram_complete(void *priv, struct v3_mig_chan *ch, u64 *sent)
{
	struct v3_mig_ram *r = priv;

	return ram_harvest(r) ?: ram_send(r, true, sent);
}

static void ram_cleanup(void *priv, bool done)
{
	struct v3_mig_ram *r = priv;

	v3_dirty_stop(r->vm, r);
}

const struct v3_mig_unit_ops v3_mig_ram_ops = {
	.name = "ram",
	.setup = ram_setup,
	.iterate = ram_iterate,
	.pending = ram_pending,
	.complete = ram_complete,
	.cleanup = ram_cleanup,
};

/* ------------------------------------------------------- destination */

/* A run must be guest memory throughout: no hole inside it. */
static int ram_dst_run(void *priv, u64 gpa, u32 npages)
{
	struct v3_mig_ram *r = priv;
	struct v3_mem *m = &r->vm->mem;
	long first = v3_mem_gpa_to_idx(m, gpa);
	long last = v3_mem_gpa_to_idx(m, gpa + ((u64)npages - 1) * PAGE_SIZE);

	if (first < 0 || last < 0 || last - first != npages - 1)
		return -ERANGE;
	return 0;
}

static int ram_dst_page(void *priv, u64 gpa, const void *data,
			enum v3c_page_enc enc)
{
	struct v3_mig_ram *r = priv;
	struct v3_mem *m = &r->vm->mem;
	long idx = v3_mem_gpa_to_idx(m, gpa);
	void *dst;

	if (idx < 0)		/* ram_dst_run checked the whole run */
		return -ERANGE;
	dst = page_address(m->pages[idx]);
	if (data)
		memcpy(dst, data, PAGE_SIZE);
	else
		clear_page(dst);
	r->hashes[idx] = cpu_to_le64(xxh64(dst, PAGE_SIZE, 0));
	r->st.pages++;
	if (!data)
		r->st.zero++;
	else if (enc == V3C_PAGE_ENC_LZ4)
		r->st.lz4++;
	return 0;
}

static const struct v3c_batch_ops ram_dst_ops = {
	.run = ram_dst_run,
	.page = ram_dst_page,
};

/* One part: read whole (its hash is checked on the last byte), then apply. */
static int ram_dst_part(struct v3_mig_ram *r, struct v3c_reader *rd)
{
	struct v3c_batch_info info;
	size_t len = rd->data_len;
	int ret;

	if (!len)
		return 0;	/* an END without a batch */
	if (len > r->part_cap) {
		kvfree(r->part);
		r->part_cap = 0;
		r->part = kvmalloc(len, GFP_KERNEL_ACCOUNT);
		if (!r->part)
			return -ENOMEM;
		r->part_cap = len;
	}
	if (!r->bounce) {
		r->bounce = kmalloc(PAGE_SIZE, GFP_KERNEL_ACCOUNT);
		if (!r->bounce)
			return -ENOMEM;
	}
	ret = v3c_reader_data(rd, r->part, len);
	if (ret)
		return ret;
	r->st.page_bytes += len;
	ret = v3c_batch_decode(r->part, len, r->gpa_end, &ram_dst_ops, r,
			       r->bounce, &info);
	if (!ret && r->progress)
		r->progress(r->progress_arg);
	return ret;
}

int v3_mig_ram_section(struct v3_mig_ram *r, struct v3c_reader *rd, int item)
{
	switch (item) {
	case V3C_ITEM_SECTION_START:
		/* one RAM section, this version: anything else is not ours */
		if (r->started || strcmp(rd->sec.name, V3C_SECTION_RAM) ||
		    rd->sec.id != V3_MIG_RAM_SECTION_ID ||
		    rd->sec.instance || rd->sec.version != V3_MIG_RAM_VERSION)
			return -EPROTO;
		r->started = true;
		return 0;
	case V3C_ITEM_SECTION_PART:
	case V3C_ITEM_SECTION_END:
		if (rd->part_id != V3_MIG_RAM_SECTION_ID)
			return -EPROTO;
		if (item == V3C_ITEM_SECTION_END)
			r->ended = true;
		return ram_dst_part(r, rd);
	default:
		return -EPROTO;
	}
}
V3_EXPORT_FOR_TESTS(v3_mig_ram_section);
