// SPDX-License-Identifier: GPL-2.0
/*
 * Page batches: the data of a RAM section's part (docs/FORMAT.md, "Page
 * batches").  A batch holds runs of consecutive guest pages; each group of
 * 64 pages of a run opens with a mask of its zero pages, and every other
 * page follows raw or as an LZ4 block.  Built for the kernel and for
 * userspace alike, like codec.c.
 *
 * The decoder trusts nothing: every length is bounded by what is left of
 * the batch, an LZ4 block must decode to exactly one page, and no page is
 * handed over before the whole batch's structure and every run's place in
 * guest memory have been checked.
 */
#include <v3chkpt/format.h>

#ifdef __KERNEL__
#include <linux/kernel.h>
#include "../kunit_export.h"
#else
#define U64_MAX UINT64_MAX
#define V3_EXPORT_FOR_TESTS(sym)
#endif

#define V3C_PAGE_MASK	((u64)V3C_PAGE_SIZE - 1)

void v3c_batch_init(struct v3c_batch_builder *b, void *buf, size_t cap,
		    v3c_compress_fn compress, void *wrk)
{
	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->cap = cap;
	b->len = V3C_BATCH_HDR_SIZE;
	b->compress = compress;
	b->wrk = wrk;
}
V3_EXPORT_FOR_TESTS(v3c_batch_init);

static bool v3c_page_is_zero(const u8 *page)
{
	size_t i;

	for (i = 0; i < V3C_PAGE_SIZE; i += 8)
		if (get_unaligned_le64(page + i))
			return false;
	return true;
}

/*
 * Add the page at @gpa (4 KiB aligned, above every page already added):
 * -EINVAL for a misplaced gpa, -ERANGE for the last page of the address
 * space, -E2BIG when the batch is full, -ENOSPC when @cap cannot hold it.
 * A failed add leaves the batch as it was.
 */
int v3c_batch_add(struct v3c_batch_builder *b, u64 gpa, const void *page)
{
	bool new_run = !b->npages || gpa != b->run_end;
	bool zero = v3c_page_is_zero(page);
	bool new_group;
	size_t need;
	int clen = 0;

	if ((gpa & V3C_PAGE_MASK) || (b->npages && gpa < b->run_end))
		return -EINVAL;
	if (gpa > U64_MAX - V3C_PAGE_SIZE)
		return -ERANGE;	/* its end would not be representable */
	if (b->npages >= V3C_PAGE_BATCH_MAX)
		return -E2BIG;
	new_group = new_run || !(b->run_count % V3C_GROUP_PAGES);
	need = (new_run ? V3C_RUN_HDR_SIZE : 0) + (new_group ? 8 : 0) +
	       (zero ? 0 : V3C_PAGE_LEN_SIZE + V3C_PAGE_SIZE);
	if (b->len > b->cap || b->cap - b->len < need)
		return -ENOSPC;

	if (new_run) {
		b->run_off = b->len;
		put_unaligned_le64(gpa, b->buf + b->len);
		put_unaligned_le32(0, b->buf + b->len + 12);
		b->len += V3C_RUN_HDR_SIZE;
		b->run_count = 0;
		b->nruns++;
	}
	if (new_group) {
		b->mask_off = b->len;
		put_unaligned_le64(0, b->buf + b->len);
		b->len += 8;
	}
	if (zero) {
		u64 mask = get_unaligned_le64(b->buf + b->mask_off);

		mask |= 1ULL << (b->run_count % V3C_GROUP_PAGES);
		put_unaligned_le64(mask, b->buf + b->mask_off);
		b->pages[V3C_PAGE_ENC_ZERO]++;
	} else {
		u8 *out = b->buf + b->len + V3C_PAGE_LEN_SIZE;

		/* Compressed only where that is smaller than the page. */
		if (b->compress)
			clen = b->compress(b->wrk, page, V3C_PAGE_SIZE, out,
					   V3C_PAGE_SIZE - 1);
		if (clen > 0 && clen < V3C_PAGE_SIZE) {
			b->pages[V3C_PAGE_ENC_LZ4]++;
		} else {
			clen = V3C_PAGE_SIZE;
			memcpy(out, page, V3C_PAGE_SIZE);
			b->pages[V3C_PAGE_ENC_RAW]++;
		}
		put_unaligned_le32(clen, b->buf + b->len);
		b->len += V3C_PAGE_LEN_SIZE + clen;
	}
	b->run_count++;
	b->npages++;
	b->run_end = gpa + V3C_PAGE_SIZE;
	put_unaligned_le32(b->run_count, b->buf + b->run_off + 8);
	return 0;
}
V3_EXPORT_FOR_TESTS(v3c_batch_add);

/* Seal the batch: *len bytes at the builder's buffer; -EINVAL if empty. */
int v3c_batch_finish(struct v3c_batch_builder *b, size_t *len)
{
	if (!b->npages)
		return -EINVAL;
	put_unaligned_le32(b->npages, b->buf);
	put_unaligned_le32(b->nruns, b->buf + 4);
	put_unaligned_le32(0, b->buf + 8);
	put_unaligned_le32(0, b->buf + 12);
	*len = b->len;
	return 0;
}
V3_EXPORT_FOR_TESTS(v3c_batch_finish);

/*
 * One walk over a batch.  The first (@deliver false) checks the structure
 * and asks ops->run about each run; the second decodes and hands pages over.
 */
static int v3c_batch_walk(const u8 *p, size_t len, u64 gpa_end,
			  const struct v3c_batch_ops *ops, void *priv,
			  void *scratch, struct v3c_batch_info *info,
			  bool deliver)
{
	size_t off = V3C_BATCH_HDR_SIZE;
	u32 npages, nruns, seen = 0, r, i;
	u64 next = 0, mask = 0;
	int ret;

	if (len < V3C_BATCH_HDR_SIZE)
		return -EBADMSG;
	npages = get_unaligned_le32(p);
	nruns = get_unaligned_le32(p + 4);
	if (get_unaligned_le32(p + 8))
		return -EOPNOTSUPP;	/* a batch flag of a later minor */
	if (get_unaligned_le32(p + 12) || !npages ||
	    npages > V3C_PAGE_BATCH_MAX || !nruns || nruns > npages)
		return -EBADMSG;
	memset(info, 0, sizeof(*info));
	info->npages = npages;
	info->nruns = nruns;

	for (r = 0; r < nruns; r++) {
		u64 gpa;
		u32 count;

		if (len - off < V3C_RUN_HDR_SIZE)
			return -EBADMSG;
		gpa = get_unaligned_le64(p + off);
		count = get_unaligned_le32(p + off + 8);
		if (get_unaligned_le32(p + off + 12))
			return -EBADMSG;
		off += V3C_RUN_HDR_SIZE;
		/* Aligned, increasing, not overlapping the previous run. */
		if ((gpa & V3C_PAGE_MASK) || !count || count > npages - seen ||
		    (r && gpa < next))
			return -EBADMSG;
		if (gpa >= gpa_end || count > (gpa_end - gpa) / V3C_PAGE_SIZE)
			return -ERANGE;	/* a page outside guest memory */
		if (!deliver && ops && ops->run) {
			ret = ops->run(priv, gpa, count);
			if (ret)
				return ret;
		}
		next = gpa + (u64)count * V3C_PAGE_SIZE;
		seen += count;

		for (i = 0; i < count; i++) {
			u64 pg = gpa + (u64)i * V3C_PAGE_SIZE;
			enum v3c_page_enc enc;
			const void *data;
			u32 clen;

			if (!(i % V3C_GROUP_PAGES)) {
				u32 in_group = count - i;

				if (len - off < 8)
					return -EBADMSG;
				mask = get_unaligned_le64(p + off);
				off += 8;
				/* no bit for a page the run does not have */
				if (in_group < V3C_GROUP_PAGES &&
				    (mask >> in_group))
					return -EBADMSG;
			}
			if (mask & (1ULL << (i % V3C_GROUP_PAGES))) {
				info->pages[V3C_PAGE_ENC_ZERO]++;
				if (deliver && ops && ops->page) {
					ret = ops->page(priv, pg, NULL,
							V3C_PAGE_ENC_ZERO);
					if (ret)
						return ret;
				}
				continue;
			}
			if (len - off < V3C_PAGE_LEN_SIZE)
				return -EBADMSG;
			clen = get_unaligned_le32(p + off);
			off += V3C_PAGE_LEN_SIZE;
			if (!clen || clen > V3C_PAGE_SIZE || clen > len - off)
				return -EBADMSG;
			enc = clen == V3C_PAGE_SIZE ? V3C_PAGE_ENC_RAW :
						      V3C_PAGE_ENC_LZ4;
			info->pages[enc]++;
			data = p + off;
			off += clen;
			if (!deliver)
				continue;
			if (enc == V3C_PAGE_ENC_LZ4) {
				if (!scratch)
					return -EINVAL;
				ret = v3c_lz4_decode(data, clen, scratch,
						     V3C_PAGE_SIZE);
				if (ret)
					return ret;
				data = scratch;
			}
			if (ops && ops->page) {
				ret = ops->page(priv, pg, data, enc);
				if (ret)
					return ret;
			}
		}
	}
	return seen != npages || off != len ? -EBADMSG : 0;
}

/*
 * Decode the batch of @len bytes at @p, whose pages must all lie below
 * @gpa_end (-ERANGE).  ops->run sees every run before any page is handed
 * to ops->page; @scratch (a page) receives LZ4 pages.  With no page
 * callback and no scratch, only the structure is checked.  @info gets the
 * counts.  0 or -errno (docs/FORMAT.md lists which).
 */
int v3c_batch_decode(const u8 *p, size_t len, u64 gpa_end,
		     const struct v3c_batch_ops *ops, void *priv,
		     void *scratch, struct v3c_batch_info *info)
{
	int ret;

	ret = v3c_batch_walk(p, len, gpa_end, ops, priv, scratch, info, false);
	if (ret || (!scratch && !(ops && ops->page)))
		return ret;
	return v3c_batch_walk(p, len, gpa_end, ops, priv, scratch, info, true);
}
V3_EXPORT_FOR_TESTS(v3c_batch_decode);
