// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit tests of the shared stream codec (kmod/format/codec.c), built
 * with ASan/UBSan.  Output is TAP; tests/run.sh counts the result lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <v3chkpt/format.h>
#include "codec_helpers.h"
#include <v3chkpt/dirfmt.h>

static int failures;

static const u8 payload_a[] = "hello, checkpoint";
static u8 payload_b[10000];

/* A stream with two contexts, three blobs and one optional record. */
static void build_stream(struct mem *m)
{
	struct v3c_stream_hdr h;
	struct v3c_writer w;
	size_t i;

	for (i = 0; i < sizeof(payload_b); i++)
		payload_b[i] = (u8)(i * 7 + 3);
	memset(m, 0, sizeof(*m));
	v3c_writer_init(&w, mem_write, m);
	v3c_stream_hdr_init(&h, "codec_test");
	v3c_writer_start(&w, &h);
	v3c_writer_ctx_begin(&w, "cpu", 0, 3, 0);
	v3c_writer_blob_begin(&w, "regs", sizeof(payload_a));
	v3c_writer_data(&w, payload_a, sizeof(payload_a));
	v3c_writer_blob_begin(&w, "empty", 0);
	v3c_writer_record(&w, 0x4000, V3C_RF_OPTIONAL, "xyz", 3);
	v3c_writer_ctx_end(&w);
	v3c_writer_ctx_begin(&w, "dev pit", 7, 1, 0);
	v3c_writer_blob_begin(&w, "state", sizeof(payload_b));
	v3c_writer_data(&w, payload_b, 4000);
	v3c_writer_data(&w, payload_b + 4000, sizeof(payload_b) - 4000);
	v3c_writer_ctx_end(&w);
	if (v3c_writer_end(&w))
		abort();
}

/* Read a whole stream; 0 only if END was reached and verified. */
static int read_all(struct mem *m, int *items)
{
	static struct v3c_reader r;
	int item, ret, n = 0;

	m->pos = 0;
	v3c_reader_init(&r, mem_read, m);
	ret = v3c_reader_start(&r);
	if (ret)
		return ret;
	for (;;) {
		item = v3c_reader_next(&r);
		if (item < 0)
			return item;
		n++;
		if (item == V3C_ITEM_END)
			break;
	}
	if (items)
		*items = n;
	return 0;
}

static int test_roundtrip(void)
{
	static struct v3c_reader r;
	struct mem m;
	u8 buf[sizeof(payload_b)];

	build_stream(&m);
	v3c_reader_init(&r, mem_read, &m);
	CHECK(v3c_reader_start(&r) == 0);
	CHECK(!strcmp(r.hdr.producer, "codec_test"));
	CHECK(v3c_reader_next(&r) == V3C_ITEM_CTX_BEGIN);
	CHECK(!strcmp(r.ctx.name, "cpu") && r.ctx.version == 3);
	CHECK(v3c_reader_next(&r) == V3C_ITEM_BLOB);
	CHECK(!strcmp(r.tag, "regs") && r.data_len == sizeof(payload_a));
	CHECK(v3c_reader_data(&r, buf, r.data_len) == 0);
	CHECK(!memcmp(buf, payload_a, sizeof(payload_a)));
	CHECK(v3c_reader_next(&r) == V3C_ITEM_BLOB);
	CHECK(!strcmp(r.tag, "empty") && r.data_len == 0);
	CHECK(v3c_reader_next(&r) == V3C_ITEM_SKIPPED);
	CHECK(v3c_reader_next(&r) == V3C_ITEM_CTX_END);
	CHECK(r.summary.count == 3);
	CHECK(v3c_reader_next(&r) == V3C_ITEM_CTX_BEGIN);
	CHECK(!strcmp(r.ctx.name, "dev pit") && r.ctx.instance == 7);
	CHECK(v3c_reader_next(&r) == V3C_ITEM_BLOB);
	CHECK(r.data_len == sizeof(payload_b));
	CHECK(v3c_reader_data(&r, buf, r.data_len) == 0);
	CHECK(!memcmp(buf, payload_b, sizeof(payload_b)));
	CHECK(v3c_reader_next(&r) == V3C_ITEM_CTX_END);
	CHECK(v3c_reader_next(&r) == V3C_ITEM_END);
	CHECK(r.summary.count == 2 && r.summary.bytes + 48 == m.len);
	free(m.buf);
	return 0;
}

static int test_every_bit_flip_refused(void)
{
	struct mem m;
	size_t i;
	int bit;

	build_stream(&m);
	CHECK(read_all(&m, NULL) == 0);
	for (i = 0; i < m.len; i++) {
		for (bit = 0; bit < 8; bit += 3) {
			m.buf[i] ^= 1 << bit;
			if (read_all(&m, NULL) == 0) {
				printf("# flip of bit %d at byte %zu accepted\n", bit, i);
				return 1;
			}
			m.buf[i] ^= 1 << bit;
		}
	}
	free(m.buf);
	return 0;
}

static int test_every_truncation_refused(void)
{
	struct mem m;
	size_t cut;

	build_stream(&m);
	for (cut = 1; cut < m.len; cut++) {
		m.limit = cut;
		if (read_all(&m, NULL) != -ENODATA) {
			printf("# truncation at %zu not reported as ENODATA\n", cut);
			return 1;
		}
	}
	free(m.buf);
	return 0;
}

static int test_bad_magic_and_version(void)
{
	struct v3c_stream_hdr h;
	u8 buf[V3C_STREAM_HDR_SIZE];

	v3c_stream_hdr_init(&h, "t");
	v3c_stream_hdr_encode(&h, buf);
	CHECK(v3c_stream_hdr_decode(buf, &h) == 0);
	buf[1] = 'X';
	CHECK(v3c_stream_hdr_decode(buf, &h) == -EPROTO);
	v3c_stream_hdr_init(&h, "t");
	h.major = 2;
	v3c_stream_hdr_encode(&h, buf);
	CHECK(v3c_stream_hdr_decode(buf, &h) == -EPROTONOSUPPORT);
	v3c_stream_hdr_init(&h, "t");
	h.flags = 0x1;		/* an incompatible feature we do not know */
	v3c_stream_hdr_encode(&h, buf);
	CHECK(v3c_stream_hdr_decode(buf, &h) == -EOPNOTSUPP);
	v3c_stream_hdr_init(&h, "t");
	h.flags = 0x10000;	/* a compatible one: ignored */
	v3c_stream_hdr_encode(&h, buf);
	CHECK(v3c_stream_hdr_decode(buf, &h) == 0);
	return 0;
}

/* Write a stream whose only context holds one raw record. */
static int one_record_stream(struct mem *m, bool in_ctx, u16 type, u16 flags,
			     const void *p, u64 len)
{
	struct v3c_stream_hdr h;
	struct v3c_writer w;

	memset(m, 0, sizeof(*m));
	v3c_writer_init(&w, mem_write, m);
	v3c_stream_hdr_init(&h, "t");
	v3c_writer_start(&w, &h);
	if (in_ctx)
		v3c_writer_ctx_begin(&w, "c", 0, 1, 0);
	v3c_writer_record(&w, type, flags, p, len);
	if (in_ctx)
		v3c_writer_ctx_end(&w);
	return v3c_writer_end(&w);
}

static int test_unknown_records(void)
{
	struct mem m;

	CHECK(one_record_stream(&m, true, 0x1234, V3C_RF_OPTIONAL, "ab", 2) == 0);
	CHECK(read_all(&m, NULL) == 0);
	free(m.buf);
	CHECK(one_record_stream(&m, false, 0x1234, V3C_RF_OPTIONAL, "ab", 2) == 0);
	CHECK(read_all(&m, NULL) == 0);
	free(m.buf);
	CHECK(one_record_stream(&m, true, 0x1234, 0, "ab", 2) == 0);
	CHECK(read_all(&m, NULL) == -EOPNOTSUPP);
	free(m.buf);
	return 0;
}

static int test_name_without_nul(void)
{
	u8 p[V3C_CTX_BEGIN_FIXED + 4];
	struct v3c_ctx_begin b;
	struct mem m;

	memset(p, 0, sizeof(p));
	put_unaligned_le32(4, p + 12);
	memcpy(p + V3C_CTX_BEGIN_FIXED, "abcd", 4);	/* no NUL */
	CHECK(v3c_ctx_begin_decode(p, sizeof(p), &b) == -EILSEQ);
	CHECK(one_record_stream(&m, false, V3C_REC_CTX_BEGIN, 0, p, sizeof(p)) == 0);
	CHECK(read_all(&m, NULL) == -EILSEQ);
	free(m.buf);
	memcpy(p + V3C_CTX_BEGIN_FIXED, "a\0cd", 4);	/* embedded NUL */
	CHECK(v3c_ctx_begin_decode(p, sizeof(p), &b) == -EILSEQ);
	memcpy(p + V3C_CTX_BEGIN_FIXED, "a\ncd", 4);	/* control char */
	CHECK(v3c_ctx_begin_decode(p, sizeof(p), &b) == -EILSEQ);
	return 0;
}

static int test_structure_violations(void)
{
	u8 blob[V3C_BLOB_FIXED + 2] = { 2, 0, 0, 0, 0, 0, 0, 0, 'x', 0 };
	struct mem m;

	/* A blob outside any context. */
	CHECK(one_record_stream(&m, false, V3C_REC_BLOB, 0, blob, sizeof(blob)) == 0);
	CHECK(read_all(&m, NULL) == -EBADMSG);
	free(m.buf);
	/* A blob whose tag length runs past its record. */
	blob[0] = 60;
	CHECK(one_record_stream(&m, true, V3C_REC_BLOB, 0, blob, sizeof(blob)) == 0);
	CHECK(read_all(&m, NULL) == -EBADMSG);
	free(m.buf);
	/* A section inside a context. */
	CHECK(one_record_stream(&m, true, V3C_REC_SECTION_PART, 0, "12345678", 8) == 0);
	CHECK(read_all(&m, NULL) == -EBADMSG);
	free(m.buf);
	return 0;
}

static int test_huge_length_truncated(void)
{
	struct v3c_rec_hdr rh = { .len = UINT64_MAX - 5, .type = V3C_REC_BLOB };
	struct v3c_stream_hdr h;
	struct v3c_writer w;
	u8 hb[V3C_REC_HDR_SIZE];
	struct mem m = { 0 };

	/* A valid header check on an absurd length: refused, nothing huge read. */
	v3c_writer_init(&w, mem_write, &m);
	v3c_stream_hdr_init(&h, "t");
	v3c_writer_start(&w, &h);
	v3c_writer_ctx_begin(&w, "c", 0, 1, 0);
	v3c_rec_hdr_encode(&rh, hb);
	mem_write(&m, hb, sizeof(hb));
	mem_write(&m, "\x02\0\0\0\0\0\0\0t", 10);
	CHECK(read_all(&m, NULL) == -EFBIG);
	free(m.buf);
	return 0;
}

/*
 * A context holds at most V3C_CTX_MAX_BYTES: a writer refuses the blob
 * that would cross it (the stream stays usable), a reader refuses such a
 * header before reading its payload; one byte less is read (and found
 * truncated here).
 */
static int test_context_byte_limit(void)
{
	struct v3c_stream_hdr h;
	struct v3c_rec_hdr rh = { .type = V3C_REC_BLOB };
	u8 hb[V3C_REC_HDR_SIZE];
	struct v3c_writer w;
	struct mem m = { 0 };
	u64 used, room;
	int extra;

	for (extra = 0; extra <= 1; extra++) {
		memset(&m, 0, sizeof(m));
		v3c_writer_init(&w, mem_write, &m);
		v3c_stream_hdr_init(&h, "t");
		CHECK(v3c_writer_start(&w, &h) == 0);
		CHECK(v3c_writer_ctx_begin(&w, "c", 0, 1, 0) == 0);
		used = m.len - V3C_STREAM_HDR_SIZE;
		/* CTX_END counts up to its own header: this one's and payload */
		room = V3C_CTX_MAX_BYTES - used - V3C_REC_HDR_SIZE;
		rh.len = room + extra;
		v3c_rec_hdr_encode(&rh, hb);
		mem_write(&m, hb, sizeof(hb));
		mem_write(&m, "\x02\0\0\0\0\0\0\0t", 10);
		CHECK(read_all(&m, NULL) == (extra ? -EFBIG : -ENODATA));
		free(m.buf);
	}

	memset(&m, 0, sizeof(m));
	v3c_writer_init(&w, mem_write, &m);
	v3c_stream_hdr_init(&h, "t");
	CHECK(v3c_writer_start(&w, &h) == 0);
	CHECK(v3c_writer_ctx_begin(&w, "c", 0, 1, 0) == 0);
	used = m.len - V3C_STREAM_HDR_SIZE;
	room = V3C_CTX_MAX_BYTES - used - V3C_REC_HDR_SIZE - V3C_BLOB_FIXED - 2;
	CHECK(v3c_writer_blob_begin(&w, "t", room + 1) == -EFBIG);
	CHECK(v3c_writer_blob_begin(&w, "t", 1ULL << 40) == -EFBIG);
	CHECK(v3c_writer_record(&w, 0x4000, V3C_RF_OPTIONAL, "x",
				room + 64) == -EFBIG);
	/* still usable: a small blob, then the context and stream end */
	CHECK(v3c_writer_blob_begin(&w, "t", 1) == 0);
	CHECK(v3c_writer_data(&w, "z", 1) == 0);
	CHECK(v3c_writer_ctx_end(&w) == 0);
	CHECK(v3c_writer_end(&w) == 0);
	CHECK(read_all(&m, NULL) == 0);
	free(m.buf);
	return 0;
}

static int test_writer_misuse(void)
{
	struct v3c_stream_hdr h;
	struct v3c_writer w;
	struct mem m = { 0 };

	v3c_writer_init(&w, mem_write, &m);
	v3c_stream_hdr_init(&h, "t");
	CHECK(v3c_writer_start(&w, &h) == 0);
	CHECK(v3c_writer_ctx_begin(&w, "bad\x01name", 0, 1, 0) == -EINVAL);
	CHECK(v3c_writer_ctx_begin(&w, "ok", 0, 1, 0) == 0);
	CHECK(v3c_writer_blob_begin(&w, "t", 4) == 0);
	CHECK(v3c_writer_ctx_end(&w) == -EINVAL);	/* blob unfinished */
	CHECK(v3c_writer_end(&w) == -EINVAL);		/* poisoned */
	free(m.buf);
	return 0;
}

static int test_records_per_context_limit(void)
{
	struct v3c_stream_hdr h;
	struct v3c_writer w;
	struct mem m = { 0 };
	unsigned int i;

	v3c_writer_init(&w, mem_write, &m);
	v3c_stream_hdr_init(&h, "t");
	v3c_writer_start(&w, &h);
	v3c_writer_ctx_begin(&w, "c", 0, 1, 0);
	for (i = 0; i < V3C_CTX_MAX_RECORDS; i++)
		CHECK(v3c_writer_blob_begin(&w, "t", 0) == 0);
	CHECK(v3c_writer_blob_begin(&w, "t", 0) == -E2BIG);
	/* a hostile writer goes past the limit with raw records */
	CHECK(v3c_writer_record(&w, 0x4000, V3C_RF_OPTIONAL, NULL, 0) == 0);
	CHECK(v3c_writer_ctx_end(&w) == 0);
	CHECK(v3c_writer_end(&w) == 0);
	CHECK(read_all(&m, NULL) == -EBADMSG);
	free(m.buf);
	return 0;
}

static int test_contexts_per_stream_limit(void)
{
	u8 p[V3C_CTX_BEGIN_FIXED + 2] = { 0 };
	struct v3c_stream_hdr h;
	struct v3c_writer w;
	struct mem m = { 0 };
	unsigned int i;

	v3c_writer_init(&w, mem_write, &m);
	v3c_stream_hdr_init(&h, "t");
	v3c_writer_start(&w, &h);
	for (i = 0; i < V3C_STREAM_MAX_CONTEXTS; i++) {
		CHECK(v3c_writer_ctx_begin(&w, "c", i, 1, 0) == 0);
		CHECK(v3c_writer_ctx_end(&w) == 0);
	}
	CHECK(v3c_writer_ctx_begin(&w, "c", i, 1, 0) == -E2BIG);
	/* a hostile writer adds one more with a raw record */
	p[12] = 2;
	p[16] = 'c';
	CHECK(v3c_writer_record(&w, V3C_REC_CTX_BEGIN, 0, p, sizeof(p)) == 0);
	CHECK(read_all(&m, NULL) == -EBADMSG);
	free(m.buf);
	return 0;
}

/* Same known answer as tests/kunit/helpers.h: both codec builds agree. */
static int test_known_answer(void)
{
	struct v3c_stream_hdr h;
	u8 buf[V3C_STREAM_HDR_SIZE];

	v3c_stream_hdr_init(&h, "kat");
	h.created_ns = 0x0102030405060708ULL;
	v3c_stream_hdr_encode(&h, buf);
	CHECK(v3c_hash(buf, sizeof(buf)) == 0x156c514f8684a15bULL);
	return 0;
}

/* A dir-store MANIFEST of two entries and some glue, as the store writes. */
static size_t make_manifest(u8 *buf)
{
	struct v3d_entry e[2] = {
		{ .size = 100, .xxh64 = 1, .instance = 0, .glue_before = 64,
		  .name = "vm" },
		{ .size = 4000, .xxh64 = 2, .instance = 3, .glue_before = 0,
		  .name = "mem" },
	};
	u32 glue = 64 + 32;
	size_t n = v3d_manifest_size(2, glue);
	int i;

	v3d_hdr_encode(buf, 2, glue, 4100 + glue);
	for (i = 0; i < 2; i++)
		v3d_entry_encode(buf + V3D_HDR_SIZE + i * V3D_ENTRY_SIZE, &e[i]);
	memset(buf + V3D_HDR_SIZE + 2 * V3D_ENTRY_SIZE, 0x5a, glue);
	put_unaligned_le64(v3c_hash(buf, n - 8), buf + n - 8);
	return n;
}

static int test_dir_manifest(void)
{
	static u8 buf[1024], bad[1024];
	struct v3d_manifest m;
	struct v3d_entry e;
	size_t n = make_manifest(buf), i;
	int b, fails = 0;

	CHECK(v3d_manifest_parse(buf, n, &m) == 0);
	CHECK(m.nctx == 2 && m.glue_len == 96 && m.stream_len == 4196);
	v3d_manifest_entry(&m, 1, &e);
	CHECK(e.size == 4000 && e.instance == 3 && !strcmp(e.name, "mem"));
	/* every single-bit flip and every truncation is refused */
	for (i = 0; i < n; i++) {
		for (b = 0; b < 8; b++) {
			memcpy(bad, buf, n);
			bad[i] ^= 1 << b;
			fails += v3d_manifest_parse(bad, n, &m) == 0;
		}
		fails += v3d_manifest_parse(buf, i, &m) == 0;
	}
	CHECK(fails == 0);
	/* checksummed but inconsistent: sizes that do not add up */
	memcpy(bad, buf, n);
	put_unaligned_le64(4197 + 0, bad + 24);
	put_unaligned_le64(v3c_hash(bad, n - 8), bad + n - 8);
	CHECK(v3d_manifest_parse(bad, n, &m) == -EBADMSG);
	/* a name with bytes after its NUL */
	memcpy(bad, buf, n);
	bad[V3D_HDR_SIZE + 24 + 5] = 'x';
	put_unaligned_le64(v3c_hash(bad, n - 8), bad + n - 8);
	CHECK(v3d_manifest_parse(bad, n, &m) == -EBADMSG);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "dir_manifest", test_dir_manifest },
	{ "known_answer", test_known_answer },
	{ "roundtrip", test_roundtrip },
	{ "every_bit_flip_refused", test_every_bit_flip_refused },
	{ "every_truncation_refused", test_every_truncation_refused },
	{ "bad_magic_and_version", test_bad_magic_and_version },
	{ "unknown_records", test_unknown_records },
	{ "name_without_nul", test_name_without_nul },
	{ "structure_violations", test_structure_violations },
	{ "huge_length_refused", test_huge_length_truncated },
	{ "context_byte_limit", test_context_byte_limit },
	{ "writer_misuse", test_writer_misuse },
	{ "records_per_context_limit", test_records_per_context_limit },
	{ "contexts_per_stream_limit", test_contexts_per_stream_limit },
};

/* codec_test --write-seed FILE: a valid stream, as the fuzzer's seed. */
static int write_seed(const char *path)
{
	struct mem m;
	FILE *f = fopen(path, "wb");

	if (!f)
		return 1;
	build_stream(&m);
	fwrite(m.buf, 1, m.len, f);
	free(m.buf);
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	size_t i, n = ARRAY_SIZE(tests);

	if (argc == 3 && !strcmp(argv[1], "--write-seed"))
		return write_seed(argv[2]);
	/* line-buffered: a sanitizer exit must not swallow the results */
	setvbuf(stdout, NULL, _IOLBF, 0);

	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		int bad = tests[i].fn();

		failures += bad;
		printf("%sok %zu codec.%s\n", bad ? "not " : "", i + 1, tests[i].name);
	}
	return failures ? 1 : 0;
}
