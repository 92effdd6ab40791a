// SPDX-License-Identifier: GPL-2.0
/* KUnit: the stream codec as built into the kernel. */
#include <kunit/test.h>
#include <linux/lz4.h>
#include <linux/random.h>
#include <linux/vmalloc.h>
#include "helpers.h"

static void codec_known_answer(struct kunit *test)
{
	struct v3c_stream_hdr h;
	u8 buf[V3C_STREAM_HDR_SIZE];

	v3c_stream_hdr_init(&h, "kat");
	h.created_ns = 0x0102030405060708ULL;
	v3c_stream_hdr_encode(&h, buf);
	KUNIT_EXPECT_EQ(test, v3c_hash(buf, sizeof(buf)), V3C_KAT_HDR_HASH);
}

static void codec_header_every_byte_checked(struct kunit *test)
{
	struct v3c_stream_hdr h, out;
	u8 buf[V3C_STREAM_HDR_SIZE];
	int i;

	v3c_stream_hdr_init(&h, "kunit");
	v3c_stream_hdr_encode(&h, buf);
	KUNIT_ASSERT_EQ(test, v3c_stream_hdr_decode(buf, &out), 0);
	KUNIT_EXPECT_STREQ(test, out.producer, "kunit");
	for (i = 0; i < V3C_STREAM_HDR_SIZE; i++) {
		buf[i] ^= 0x10;
		KUNIT_EXPECT_LT_MSG(test, v3c_stream_hdr_decode(buf, &out), 0,
				    "byte %d", i);
		buf[i] ^= 0x10;
	}
}

static void codec_header_versions(struct kunit *test)
{
	struct v3c_stream_hdr h;
	u8 buf[V3C_STREAM_HDR_SIZE];

	v3c_stream_hdr_init(&h, "k");
	h.major = 7;
	v3c_stream_hdr_encode(&h, buf);
	KUNIT_EXPECT_EQ(test, v3c_stream_hdr_decode(buf, &h), -EPROTONOSUPPORT);
	memset(buf, 0, sizeof(buf));
	KUNIT_EXPECT_EQ(test, v3c_stream_hdr_decode(buf, &h), -EPROTO);
}

static void codec_record_header(struct kunit *test)
{
	struct v3c_rec_hdr h = { .len = 1ULL << 40, .type = V3C_REC_BLOB }, o;
	u8 buf[V3C_REC_HDR_SIZE];

	v3c_rec_hdr_encode(&h, buf);
	KUNIT_ASSERT_EQ(test, v3c_rec_hdr_decode(buf, &o), 0);
	KUNIT_EXPECT_EQ(test, o.len, 1ULL << 40);	/* 64-bit lengths */
	buf[5] ^= 1;
	KUNIT_EXPECT_EQ(test, v3c_rec_hdr_decode(buf, &o), -EBADMSG);
	h.flags = 0x8000;	/* reserved flag */
	v3c_rec_hdr_encode(&h, buf);
	KUNIT_EXPECT_EQ(test, v3c_rec_hdr_decode(buf, &o), -EBADMSG);
}

static void codec_names(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, v3c_name_valid("cpu", 4), 0);
	KUNIT_EXPECT_EQ(test, v3c_name_valid("a[ i ]", 7), 0);
	KUNIT_EXPECT_EQ(test, v3c_name_valid("cpu", 3), -EILSEQ);  /* no NUL */
	KUNIT_EXPECT_EQ(test, v3c_name_valid("c\0u", 4), -EILSEQ);
	KUNIT_EXPECT_EQ(test, v3c_name_valid("c\tu", 4), -EILSEQ);
	KUNIT_EXPECT_EQ(test, v3c_name_valid("", 1), -EILSEQ);
}

static void codec_stream_roundtrip_and_corruption(struct kunit *test)
{
	struct v3_kbuf b = { 0 };
	struct v3c_stream_hdr h;
	struct v3c_reader *r;
	struct v3c_writer *w;
	u8 *data, *back;
	size_t i;
	int item, bad = 0;

	/* Heap, not stack: KASAN redzones make these frames too large. */
	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	data = kunit_kzalloc(test, 300, GFP_KERNEL);
	back = kunit_kzalloc(test, 300, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, data);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, back);
	for (i = 0; i < 300; i++)
		data[i] = i * 13;
	v3c_writer_init(w, v3_kbuf_write, &b);
	v3c_stream_hdr_init(&h, "kunit");
	KUNIT_ASSERT_EQ(test, v3c_writer_start(w, &h), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_ctx_begin(w, "dev", 2, 5, 0), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_blob_begin(w, "fifo", 300), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_data(w, data, 300), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_ctx_end(w), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_end(w), 0);

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, r);
	v3c_reader_init(r, v3_kbuf_read, &b);
	KUNIT_ASSERT_EQ(test, v3c_reader_start(r), 0);
	KUNIT_ASSERT_EQ(test, v3c_reader_next(r), V3C_ITEM_CTX_BEGIN);
	KUNIT_EXPECT_EQ(test, r->ctx.instance, 2U);
	KUNIT_ASSERT_EQ(test, v3c_reader_next(r), V3C_ITEM_BLOB);
	KUNIT_ASSERT_EQ(test, v3c_reader_data(r, back, 300), 0);
	KUNIT_EXPECT_EQ(test, memcmp(back, data, 300), 0);
	KUNIT_ASSERT_EQ(test, v3c_reader_next(r), V3C_ITEM_CTX_END);
	KUNIT_ASSERT_EQ(test, v3c_reader_next(r), V3C_ITEM_END);

	/* Every byte matters: flip each, the stream must never verify. */
	for (i = 0; i < b.len; i++) {
		b.p[i] ^= 0x41;
		b.pos = 0;
		v3c_reader_init(r, v3_kbuf_read, &b);
		item = v3c_reader_start(r);
		while (!item || (item > 0 && item != V3C_ITEM_END))
			item = v3c_reader_next(r);
		if (item == V3C_ITEM_END)
			bad++;
		b.p[i] ^= 0x41;
	}
	KUNIT_EXPECT_EQ(test, bad, 0);
	kvfree(b.p);
}

/* ---- live data (format 1.1): sections and page batches ---- */

/* The kernel's compressor, as a migration writer would pass it. */
static int codec_lz4(void *wrk, const void *src, int src_len, void *dst,
		     int dst_cap)
{
	return LZ4_compress_default(src, dst, src_len, dst_cap, wrk);
}

#define LIVE_PAGES	70

struct live_pages {
	u8 page[LIVE_PAGES][V3C_PAGE_SIZE];
	u64 gpa[LIVE_PAGES];
	unsigned int seen, runs;
	u64 refuse_from;	/* run callback: -EFAULT at or above */
};

static int live_run(void *priv, u64 gpa, u32 npages)
{
	struct live_pages *lp = priv;

	lp->runs++;
	return gpa >= lp->refuse_from ? -EFAULT : 0;
}

static int live_page(void *priv, u64 gpa, const void *data,
		     enum v3c_page_enc enc)
{
	struct live_pages *lp = priv;
	unsigned int i = lp->seen++;

	if (i >= LIVE_PAGES || gpa != lp->gpa[i])
		return -EBADE;
	if (!data)
		return memchr_inv(lp->page[i], 0, V3C_PAGE_SIZE) ? -EBADE : 0;
	return memcmp(data, lp->page[i], V3C_PAGE_SIZE) ? -EBADE : 0;
}

static const struct v3c_batch_ops live_ops = {
	.run = live_run,
	.page = live_page,
};

/*
 * 70 pages in two runs (the first crossing a 64-page group): zero,
 * compressible and random ones; returns the batch's length in @buf.
 */
static size_t live_batch(struct kunit *test, struct live_pages *lp, u8 *buf,
			 size_t cap, struct v3c_batch_builder *b)
{
	void *wrk = kunit_kzalloc(test, LZ4_MEM_COMPRESS, GFP_KERNEL);
	size_t len = 0;
	unsigned int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, wrk);
	v3c_batch_init(b, buf, cap, codec_lz4, wrk);
	for (i = 0; i < LIVE_PAGES; i++) {
		lp->gpa[i] = i < 66 ? 0x200000 + i * V3C_PAGE_SIZE :
				      0x800000 + i * V3C_PAGE_SIZE;
		if (i % 3 == 1)
			memset(lp->page[i], i, V3C_PAGE_SIZE);
		else if (i % 3 == 2)
			get_random_bytes(lp->page[i], V3C_PAGE_SIZE);
		KUNIT_ASSERT_EQ(test, v3c_batch_add(b, lp->gpa[i], lp->page[i]),
				0);
	}
	KUNIT_ASSERT_EQ(test, v3c_batch_finish(b, &len), 0);
	return len;
}

static void codec_live_roundtrip(struct kunit *test)
{
	struct v3c_section_table *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	struct live_pages *lp = vzalloc(sizeof(*lp));
	struct v3c_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct v3c_reader *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	u8 *scratch = kunit_kzalloc(test, V3C_PAGE_SIZE, GFP_KERNEL);
	size_t cap = LIVE_PAGES * (V3C_PAGE_SIZE + 64), len;
	u8 *buf = vzalloc(cap), *back = vzalloc(cap);
	struct v3c_batch_builder b;
	struct v3c_batch_info info;
	struct v3_kbuf kb = { 0 };
	struct v3c_stream_hdr h;

	KUNIT_ASSERT_TRUE(test, t && lp && w && r && scratch && buf && back);
	lp->refuse_from = U64_MAX;
	len = live_batch(test, lp, buf, cap, &b);
	KUNIT_EXPECT_GT(test, b.pages[V3C_PAGE_ENC_LZ4], 0U);
	KUNIT_EXPECT_GT(test, b.pages[V3C_PAGE_ENC_RAW], 0U);
	KUNIT_EXPECT_GT(test, b.pages[V3C_PAGE_ENC_ZERO], 0U);

	v3c_writer_init(w, v3_kbuf_write, &kb);
	v3c_writer_sections(w, t);
	v3c_stream_hdr_init(&h, "kunit");
	KUNIT_EXPECT_EQ(test, h.minor, 0);	/* 1.0 unless sections come */
	h.minor = V3C_FORMAT_MINOR_SECTIONS;
	KUNIT_ASSERT_EQ(test, v3c_writer_start(w, &h), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_section_start(w, 5, "ram", 0, 1, false), 0);
	KUNIT_EXPECT_EQ(test, v3c_writer_section_start(w, 5, "ram", 1, 1, false),
			-EINVAL);	/* an id is never reused */
	KUNIT_ASSERT_EQ(test, v3c_writer_ctx_begin(w, "cpu", 0, 1, 0), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_ctx_end(w), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_section_part(w, 5, buf, len), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_section_end(w, 5, NULL, 0), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_end(w), 0);

	v3c_reader_init(r, v3_kbuf_read, &kb);
	KUNIT_ASSERT_EQ(test, v3c_reader_start(r), 0);
	KUNIT_EXPECT_EQ(test, r->hdr.minor, 1);
	KUNIT_ASSERT_EQ(test, v3c_reader_next(r), V3C_ITEM_SECTION_START);
	KUNIT_EXPECT_STREQ(test, r->sec.name, "ram");
	KUNIT_EXPECT_EQ(test, r->sec.id, 5U);
	KUNIT_ASSERT_EQ(test, v3c_reader_next(r), V3C_ITEM_CTX_BEGIN);
	KUNIT_ASSERT_EQ(test, v3c_reader_next(r), V3C_ITEM_CTX_END);
	KUNIT_ASSERT_EQ(test, v3c_reader_next(r), V3C_ITEM_SECTION_PART);
	KUNIT_ASSERT_EQ(test, r->data_len, (u64)len);
	KUNIT_ASSERT_EQ(test, v3c_reader_data(r, back, len), 0);
	KUNIT_ASSERT_EQ(test, v3c_batch_decode(back, len, 16 << 20, &live_ops,
					       lp, scratch, &info), 0);
	KUNIT_EXPECT_EQ(test, lp->seen, LIVE_PAGES);
	KUNIT_EXPECT_EQ(test, info.nruns, 2U);
	KUNIT_EXPECT_EQ(test, memcmp(info.pages, b.pages, sizeof(b.pages)), 0);
	KUNIT_ASSERT_EQ(test, v3c_reader_next(r), V3C_ITEM_SECTION_END);
	KUNIT_ASSERT_EQ(test, v3c_reader_next(r), V3C_ITEM_END);

	/* the consumer's bounds: below guest memory's end, and its own */
	lp->seen = 0;
	KUNIT_EXPECT_EQ(test, v3c_batch_decode(back, len, 0x800000, &live_ops,
					       lp, scratch, &info), -ERANGE);
	lp->refuse_from = 0x800000;
	KUNIT_EXPECT_EQ(test, v3c_batch_decode(back, len, 16 << 20, &live_ops,
					       lp, scratch, &info), -EFAULT);
	KUNIT_EXPECT_EQ(test, lp->seen, 0U);	/* no page before the check */
	KUNIT_EXPECT_EQ(test, v3c_batch_decode(back, len - 1, 16 << 20, NULL,
					       NULL, scratch, &info), -EBADMSG);
	vfree(lp);
	vfree(buf);
	vfree(back);
	kvfree(kb.p);
}

/* A raw record stream: @n records, then END; the reader's final result. */
struct live_rec {
	u16 type;
	u32 id;
	const char *name;	/* START: its name; PART/END: the data */
	bool bad_hash;
};

static int live_hostile(struct kunit *test, const struct live_rec *rec,
			int n)
{
	struct v3c_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct v3c_reader *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	struct v3_kbuf kb = { 0 };
	struct v3c_stream_hdr h;
	u8 p[64];
	int i, item;

	KUNIT_ASSERT_TRUE(test, w && r);
	v3c_writer_init(w, v3_kbuf_write, &kb);
	v3c_stream_hdr_init(&h, "kunit");
	h.minor = 1;
	v3c_writer_start(w, &h);
	for (i = 0; i < n; i++) {
		size_t len = strlen(rec[i].name) + 1;

		put_unaligned_le32(rec[i].id, p);
		if (rec[i].type == V3C_REC_SECTION_START) {
			put_unaligned_le32(0, p + 4);
			put_unaligned_le32(1, p + 8);
			put_unaligned_le32(len, p + 12);
		} else {
			len--;	/* data without its NUL */
			put_unaligned_le32(0, p + 4);
			put_unaligned_le64(v3c_hash(rec[i].name, len) ^
					   rec[i].bad_hash, p + 8);
		}
		memcpy(p + 16, rec[i].name, len);
		v3c_writer_record(w, rec[i].type, 0, p, 16 + len);
	}
	KUNIT_ASSERT_EQ(test, v3c_writer_end(w), 0);
	v3c_reader_init(r, v3_kbuf_read, &kb);
	item = v3c_reader_start(r);
	while (!item || (item > 0 && item != V3C_ITEM_END))
		item = v3c_reader_next(r);
	kvfree(kb.p);
	return item == V3C_ITEM_END ? 0 : item;
}

#define S_START(id, name) { V3C_REC_SECTION_START, id, name, false }
#define S_PART(id, data) { V3C_REC_SECTION_PART, id, data, false }
#define S_END(id) { V3C_REC_SECTION_END, id, "", false }

static void codec_live_refusals(struct kunit *test)
{
	static const struct live_rec good[] = {
		S_START(1, "ram"), S_PART(1, "abc"), S_END(1),
	};
	static const struct live_rec reused[] = {
		S_START(1, "ram"), S_END(1), S_START(1, "pool"), S_END(1),
	};
	static const struct live_rec unknown[] = { S_PART(4, "abc") };
	static const struct live_rec after_end[] = {
		S_START(1, "ram"), S_END(1), S_PART(1, "abc"),
	};
	static const struct live_rec left_open[] = { S_START(1, "ram") };
	static const struct live_rec bad_name[] = { S_START(1, "r\tm") };
	static const struct live_rec bad_hash[] = {
		S_START(1, "ram"), { V3C_REC_SECTION_PART, 1, "abc", true },
		S_END(1),
	};

	KUNIT_EXPECT_EQ(test, live_hostile(test, good, ARRAY_SIZE(good)), 0);
	KUNIT_EXPECT_EQ(test, live_hostile(test, reused, ARRAY_SIZE(reused)),
			-EBADMSG);
	KUNIT_EXPECT_EQ(test, live_hostile(test, unknown, ARRAY_SIZE(unknown)),
			-EBADMSG);
	KUNIT_EXPECT_EQ(test, live_hostile(test, after_end,
					   ARRAY_SIZE(after_end)), -EBADMSG);
	KUNIT_EXPECT_EQ(test, live_hostile(test, left_open,
					   ARRAY_SIZE(left_open)), -EBADMSG);
	KUNIT_EXPECT_EQ(test, live_hostile(test, bad_name,
					   ARRAY_SIZE(bad_name)), -EILSEQ);
	KUNIT_EXPECT_EQ(test, live_hostile(test, bad_hash,
					   ARRAY_SIZE(bad_hash)), -EBADMSG);
}

/* The kernel's lib/lz4 decodes only whole pages, bounded. */
static void codec_batch_lz4_bounded(struct kunit *test)
{
	u8 *page = kunit_kzalloc(test, V3C_PAGE_SIZE, GFP_KERNEL);
	u8 *out = kunit_kzalloc(test, V3C_PAGE_SIZE, GFP_KERNEL);
	u8 *wrk = kunit_kzalloc(test, LZ4_MEM_COMPRESS, GFP_KERNEL);
	u8 *b = kunit_kzalloc(test, 256, GFP_KERNEL);
	struct v3c_batch_info info;
	int n;

	KUNIT_ASSERT_TRUE(test, page && out && wrk && b);
	memset(page, 0x5a, V3C_PAGE_SIZE);
	put_unaligned_le32(1, b);		/* one page, one run, at 0 */
	put_unaligned_le32(1, b + 4);
	put_unaligned_le32(1, b + 24);
	/* a block of one byte less than a page: refused */
	n = codec_lz4(wrk, page, V3C_PAGE_SIZE - 1, b + 44, 200);
	KUNIT_ASSERT_GT(test, n, 0);
	put_unaligned_le32(n, b + 40);
	KUNIT_EXPECT_EQ(test, v3c_batch_decode(b, 44 + n, U64_MAX, NULL, NULL,
					       out, &info), -EBADMSG);
	n = codec_lz4(wrk, page, V3C_PAGE_SIZE, b + 44, 200);
	KUNIT_ASSERT_GT(test, n, 0);
	put_unaligned_le32(n, b + 40);
	KUNIT_EXPECT_EQ(test, v3c_batch_decode(b, 44 + n, U64_MAX, NULL, NULL,
					       out, &info), 0);
	KUNIT_EXPECT_EQ(test, info.pages[V3C_PAGE_ENC_LZ4], 1U);
	KUNIT_EXPECT_EQ(test, memcmp(out, page, V3C_PAGE_SIZE), 0);
	memset(b + 44, 0xff, n);		/* garbage of the same length */
	KUNIT_EXPECT_EQ(test, v3c_batch_decode(b, 44 + n, U64_MAX, NULL, NULL,
					       out, &info), -EBADMSG);
}

static struct kunit_case codec_cases[] = {
	KUNIT_CASE(codec_known_answer),
	KUNIT_CASE(codec_header_every_byte_checked),
	KUNIT_CASE(codec_header_versions),
	KUNIT_CASE(codec_record_header),
	KUNIT_CASE(codec_names),
	KUNIT_CASE(codec_stream_roundtrip_and_corruption),
	KUNIT_CASE(codec_live_roundtrip),
	KUNIT_CASE(codec_live_refusals),
	KUNIT_CASE(codec_batch_lz4_bounded),
	{}
};

static struct kunit_suite codec_suite = {
	.name = "v3chkpt_codec",
	.test_cases = codec_cases,
};
kunit_test_suite(codec_suite);
