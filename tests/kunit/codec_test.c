// SPDX-License-Identifier: GPL-2.0
/* KUnit: the stream codec as built into the kernel. */
#include <kunit/test.h>
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

static struct kunit_case codec_cases[] = {
	KUNIT_CASE(codec_known_answer),
	KUNIT_CASE(codec_header_every_byte_checked),
	KUNIT_CASE(codec_header_versions),
	KUNIT_CASE(codec_record_header),
	KUNIT_CASE(codec_names),
	KUNIT_CASE(codec_stream_roundtrip_and_corruption),
	{}
};

static struct kunit_suite codec_suite = {
	.name = "v3chkpt_codec",
	.test_cases = codec_cases,
};
kunit_test_suite(codec_suite);
