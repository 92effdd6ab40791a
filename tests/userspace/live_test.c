// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace unit tests of the shared codec's live data (format 1.1):
 * sections (kmod/format/codec.c) and page batches (kmod/format/batch.c),
 * built with ASan/UBSan.  Round trips, then every rule broken once in a
 * stream whose checks are all correct (hostile but well hashed), each
 * refused with the errno docs/FORMAT.md gives.  Output is TAP.
 *
 * live_test --write-seed FILE writes a stream with sections and batches
 * for the fuzzer's corpus (tests/run.sh) and the kernel's loader;
 * --write-optional FILE the same with every section optional.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <v3chkpt/format.h>
#include "codec_helpers.h"

#define PAGE V3C_PAGE_SIZE

/* ------------------------------------------------------------ helpers */

static struct v3c_writer w;
static struct v3c_section_table wsec;
static struct v3c_reader rd;
static u8 batch[V3C_BATCH_MAX_BYTES];

/* Start a stream; @minor 1 allows sections. */
static void start(struct mem *m, u16 minor)
{
	struct v3c_stream_hdr h;

	memset(m, 0, sizeof(*m));
	v3c_writer_init(&w, mem_write, m);
	v3c_writer_sections(&w, &wsec);
	v3c_stream_hdr_init(&h, "live_test");
	h.minor = minor;
	if (v3c_writer_start(&w, &h))
		abort();
}

/*
 * Read a whole stream, reading every part's data and decoding the parts
 * of sections named "ram" as batches below @gpa_end; 0 only if END was
 * reached and verified.
 */
static int read_all(struct mem *m, u64 gpa_end)
{
	static u8 data[V3C_BATCH_MAX_BYTES + 64];
	static u8 scratch[PAGE];
	static bool ram[V3C_STREAM_MAX_SECTIONS];
	static u32 ram_id[V3C_STREAM_MAX_SECTIONS];
	struct v3c_batch_info info;
	u32 nram = 0, i;
	int item, ret;

	m->pos = 0;
	v3c_reader_init(&rd, mem_read, m);
	ret = v3c_reader_start(&rd);
	if (ret)
		return ret;
	for (;;) {
		bool is_ram = false;

		item = v3c_reader_next(&rd);
		if (item < 0)
			return item;
		if (item == V3C_ITEM_END)
			return 0;
		if (item == V3C_ITEM_SECTION_START) {
			ram[nram] = !strcmp(rd.sec.name, "ram");
			ram_id[nram++] = rd.sec.id;
		}
		if (item != V3C_ITEM_SECTION_PART &&
		    item != V3C_ITEM_SECTION_END)
			continue;
		for (i = 0; i < nram; i++)
			if (ram_id[i] == rd.part_id)
				is_ram = ram[i];
		if (rd.data_len > sizeof(data) || !is_ram) {
			/* next() reads past it, checking its hash */
			continue;
		}
		ret = v3c_reader_data(&rd, data, rd.data_len);
		if (ret)
			return ret;
		if (rd.data_len) {
			ret = v3c_batch_decode(data, rd.data_len, gpa_end, NULL,
					       NULL, scratch, &info);
			if (ret)
				return ret;
		}
	}
}

/* A page of pattern @kind: 0 zero, 1 compressible, 2 incompressible. */
static void fill_page(u8 *p, int kind, unsigned int seed)
{
	unsigned int x = seed * 2654435761u + 1, i;

	memset(p, 0, PAGE);
	for (i = 0; i < PAGE && kind; i++) {
		x = x * 1103515245u + 12345;
		p[i] = kind == 1 ? (u8)(i / 512 + seed) : (u8)(x >> 16);
	}
}

/* Build a batch of the pages at gpas[], kinds[]; returns its length. */
static size_t build(const u64 *gpas, const int *kinds, unsigned int n,
		    bool lz4, struct v3c_batch_builder *b)
{
	static u8 page[PAGE];
	size_t len = 0;
	unsigned int i;

	v3c_batch_init(b, batch, sizeof(batch), lz4 ? v3c_lz4_compress : NULL,
		       NULL);
	for (i = 0; i < n; i++) {
		fill_page(page, kinds[i], i);
		if (v3c_batch_add(b, gpas[i], page))
			abort();
	}
	if (v3c_batch_finish(b, &len))
		abort();
	return len;
}

/* Decoding checks every page against fill_page(), in order. */
struct expect {
	const u64 *gpas;
	const int *kinds;
	unsigned int n, seen, runs;
	u64 refuse_from;	/* run callback: -EFAULT at or above */
};

static int expect_run(void *priv, u64 gpa, u32 npages)
{
	struct expect *e = priv;

	(void)npages;
	e->runs++;
	return gpa >= e->refuse_from ? -EFAULT : 0;
}

static int expect_page(void *priv, u64 gpa, const void *data,
		       enum v3c_page_enc enc)
{
	static u8 want[PAGE];
	struct expect *e = priv;
	unsigned int i = e->seen++;

	if (i >= e->n || gpa != e->gpas[i])
		return -EBADE;
	fill_page(want, e->kinds[i], i);
	if (enc == V3C_PAGE_ENC_ZERO)
		return e->kinds[i] == 0 && !data ? 0 : -EBADE;
	return data && !memcmp(data, want, PAGE) ? 0 : -EBADE;
}

static const struct v3c_batch_ops expect_ops = {
	.run = expect_run,
	.page = expect_page,
};

/* A mixed batch: three runs, one across a 64-page group boundary. */
static u64 mix_gpa[150];
static int mix_kind[150];

static unsigned int make_mix(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < 3; i++, n++) {		/* run 1: 3 pages at 0 */
		mix_gpa[n] = (u64)i * PAGE;
		mix_kind[n] = i % 3;
	}
	for (i = 0; i < 130; i++, n++) {	/* run 2: 130 pages at 1 MiB */
		mix_gpa[n] = (1ULL << 20) + (u64)i * PAGE;
		mix_kind[n] = i % 5 == 0 ? 2 : i % 3 ? 0 : 1;
	}
	for (i = 0; i < 17; i++, n++) {		/* run 3: high memory */
		mix_gpa[n] = (5ULL << 32) + (u64)i * PAGE;
		mix_kind[n] = 1;
	}
	return n;
}

/* ------------------------------------------------------- round trips */

static int test_batch_roundtrip(void)
{
	struct v3c_batch_builder b;
	struct v3c_batch_info info;
	static u8 scratch[PAGE];
	unsigned int n = make_mix(), i, compressible = 0;
	struct expect e = { mix_gpa, mix_kind, n, 0, 0, ~0ULL };
	int lz4;

	for (i = 0; i < n; i++)
		compressible += mix_kind[i] == 1;

	for (lz4 = 0; lz4 <= 1; lz4++) {
		size_t len = build(mix_gpa, mix_kind, n, lz4, &b);

		e.seen = e.runs = 0;
		CHECK(v3c_batch_decode(batch, len, 6ULL << 32, &expect_ops, &e,
				       scratch, &info) == 0);
		CHECK(e.seen == n && e.runs == 3);
		CHECK(info.npages == n && info.nruns == 3);
		CHECK(!memcmp(info.pages, b.pages, sizeof(b.pages)));
		CHECK(info.pages[V3C_PAGE_ENC_ZERO] > 0);
		CHECK(info.pages[V3C_PAGE_ENC_RAW] > 0);
		/* compressible pages go as LZ4 only when asked to */
		CHECK(info.pages[V3C_PAGE_ENC_LZ4] == (lz4 ? compressible : 0));
		/* structure only: no page, no scratch */
		CHECK(v3c_batch_decode(batch, len, 6ULL << 32, NULL, NULL, NULL,
				       &info) == 0);
	}
	return 0;
}

/* The largest batch: 4096 runs of one raw page each fills it exactly. */
static int test_batch_largest(void)
{
	static u64 gpas[V3C_PAGE_BATCH_MAX];
	static int kinds[V3C_PAGE_BATCH_MAX];
	static u8 page[PAGE];
	struct v3c_batch_builder b;
	struct v3c_batch_info info;
	struct expect e = { gpas, kinds, V3C_PAGE_BATCH_MAX, 0, 0, ~0ULL };
	static u8 scratch[PAGE];
	size_t len;
	int i;

	for (i = 0; i < V3C_PAGE_BATCH_MAX; i++) {
		gpas[i] = (u64)i * 2 * PAGE;
		kinds[i] = 2;
	}
	len = build(gpas, kinds, V3C_PAGE_BATCH_MAX, true, &b);
	CHECK(len == V3C_BATCH_MAX_BYTES);
	CHECK(v3c_batch_decode(batch, len, ~0ULL, &expect_ops, &e, scratch,
			       &info) == 0);
	CHECK(e.seen == V3C_PAGE_BATCH_MAX && info.nruns == V3C_PAGE_BATCH_MAX);
	/* one more page does not fit: the caller sends the batch first */
	fill_page(page, 2, 0);
	CHECK(v3c_batch_add(&b, 1ULL << 40, page) == -E2BIG);
	return 0;
}

static int test_builder_misuse(void)
{
	static u8 page[PAGE], small[64];
	struct v3c_batch_builder b;
	size_t len;

	fill_page(page, 2, 1);
	v3c_batch_init(&b, batch, sizeof(batch), NULL, NULL);
	CHECK(v3c_batch_finish(&b, &len) == -EINVAL);		/* empty */
	CHECK(v3c_batch_add(&b, 0x1001, page) == -EINVAL);	/* unaligned */
	CHECK(v3c_batch_add(&b, 0x5000, page) == 0);
	CHECK(v3c_batch_add(&b, 0x5000, page) == -EINVAL);	/* twice */
	CHECK(v3c_batch_add(&b, 0x4000, page) == -EINVAL);	/* decreasing */
	CHECK(v3c_batch_add(&b, ~0ULL - PAGE + 1, page) == -ERANGE);
	CHECK(v3c_batch_finish(&b, &len) == 0 && b.npages == 1);
	/* a buffer too small: refused, the batch unchanged */
	v3c_batch_init(&b, small, sizeof(small), NULL, NULL);
	CHECK(v3c_batch_add(&b, 0, page) == -ENOSPC);
	fill_page(page, 0, 0);
	CHECK(v3c_batch_add(&b, 0, page) == 0);	/* a zero page fits */
	CHECK(v3c_batch_finish(&b, &len) == 0 && len == 16 + 16 + 8);
	return 0;
}

static const u64 small_gpa[] = { 0x100000, 0x101000, 0x140000 };
static const int small_kind[] = { 1, 0, 1 };

/*
 * Two sections interleaved with each other and with a context; the "ram"
 * one is mandatory unless @all_optional.
 */
static void build_live_stream(struct mem *m, bool with_batches,
			      bool all_optional)
{
	struct v3c_batch_builder b;
	unsigned int n = make_mix();
	size_t len = 0;

	start(m, 1);
	v3c_writer_ctx_begin(&w, "vm", 0, 1, 0);
	v3c_writer_blob_begin(&w, "config", 3);
	v3c_writer_data(&w, "abc", 3);
	v3c_writer_ctx_end(&w);
	v3c_writer_section_start(&w, 7, "ram", 0, 1, all_optional);
	v3c_writer_section_start(&w, 3, "tmem pool", 2, 4, true);
	/* small: one raw page in all, so the fuzzer's seed stays < 8 KiB */
	len = build(mix_gpa, mix_kind, with_batches ? n : 3, true, &b);
	v3c_writer_section_part(&w, 7, batch, len);
	v3c_writer_section_part(&w, 3, "handle", 6);
	v3c_writer_ctx_begin(&w, "cpu", 0, 2, 0);
	v3c_writer_ctx_end(&w);
	if (with_batches)
		len = build(mix_gpa + 3, mix_kind + 3, 40, true, &b);
	else
		len = build(small_gpa, small_kind, 3, true, &b);
	v3c_writer_section_part(&w, 7, batch, len);
	v3c_writer_section_end(&w, 3, NULL, 0);
	v3c_writer_section_end(&w, 7, batch, len);	/* a final batch */
	if (v3c_writer_end(&w))
		abort();
}

static int test_section_roundtrip(void)
{
	static u8 data[V3C_BATCH_MAX_BYTES];
	struct mem m;

	build_live_stream(&m, true, false);
	CHECK(m.buf[10] == 1);		/* header minor: 1.1 */
	CHECK(read_all(&m, 6ULL << 32) == 0);
	m.pos = 0;
	v3c_reader_init(&rd, mem_read, &m);
	CHECK(v3c_reader_start(&rd) == 0 && rd.hdr.minor == 1);
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_CTX_BEGIN);
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_BLOB);
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_CTX_END);
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_SECTION_START);
	CHECK(rd.sec.id == 7 && !strcmp(rd.sec.name, "ram") &&
	      rd.sec.version == 1 && !(rd.rec.flags & V3C_RF_OPTIONAL));
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_SECTION_START);
	CHECK(rd.sec.id == 3 && rd.sec.instance == 2 && rd.sec.version == 4 &&
	      (rd.rec.flags & V3C_RF_OPTIONAL));
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_SECTION_PART);
	CHECK(rd.part_id == 7 && rd.data_len > PAGE);
	/* part data left unread: next() reads past it and still checks it */
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_SECTION_PART);
	CHECK(rd.part_id == 3 && rd.data_len == 6);
	CHECK(v3c_reader_data(&rd, data, 6) == 0 && !memcmp(data, "handle", 6));
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_CTX_BEGIN);
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_CTX_END);
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_SECTION_PART);
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_SECTION_END);
	CHECK(rd.part_id == 3 && rd.data_len == 0);
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_SECTION_END);
	CHECK(rd.part_id == 7 && rd.data_len > 0);
	CHECK(v3c_reader_data(&rd, data, rd.data_len) == 0);
	CHECK(v3c_reader_next(&rd) == V3C_ITEM_END);
	CHECK(rd.summary.count == 2 && rd.sections.open == 0);
	free(m.buf);
	return 0;
}

/* Sections are covered by the stream hash: no flip or cut goes unnoticed. */
static int test_section_stream_damage(void)
{
	struct mem m;
	size_t i;
	int ret;

	build_live_stream(&m, false, false);
	CHECK(read_all(&m, ~0ULL) == 0);
	for (i = 0; i < m.len; i++) {
		m.buf[i] ^= 0x21;
		ret = read_all(&m, ~0ULL);
		m.buf[i] ^= 0x21;
		if (!ret) {
			printf("# flip at byte %zu accepted\n", i);
			return 1;
		}
	}
	for (i = 1; i < m.len; i++) {
		m.limit = i;
		if (read_all(&m, ~0ULL) != -ENODATA) {
			printf("# cut at %zu not ENODATA\n", i);
			return 1;
		}
	}
	free(m.buf);
	return 0;
}

/* A 1.0 writer's stream is what hdr_init gives: minor 0, loads as before. */
static int test_versions(void)
{
	struct mem m;

	start(&m, 0);
	CHECK(m.buf[10] == 0 && m.buf[8] == 1);
	/* no section in a 1.0 stream: the writer refuses (a caller bug) */
	CHECK(v3c_writer_section_start(&w, 1, "ram", 0, 1, false) == -EINVAL);
	free(m.buf);
	start(&m, 0);
	CHECK(v3c_writer_end(&w) == 0);
	CHECK(read_all(&m, ~0ULL) == 0 && rd.hdr.minor == 0);
	free(m.buf);
	/* a 1.1 stream without sections, and a later minor: both read */
	start(&m, 1);
	CHECK(v3c_writer_end(&w) == 0);
	CHECK(read_all(&m, ~0ULL) == 0);
	free(m.buf);
	start(&m, 9);
	CHECK(v3c_writer_end(&w) == 0);
	CHECK(read_all(&m, ~0ULL) == 0);
	free(m.buf);
	return 0;
}

static int test_writer_rules(void)
{
	struct v3c_writer bare;
	struct v3c_stream_hdr h;
	struct mem m;
	u32 i;

	/* a writer without a section table */
	memset(&m, 0, sizeof(m));
	v3c_writer_init(&bare, mem_write, &m);
	v3c_stream_hdr_init(&h, "t");
	h.minor = 1;
	CHECK(v3c_writer_start(&bare, &h) == 0);
	CHECK(v3c_writer_section_start(&bare, 1, "ram", 0, 1, false) == -EINVAL);
	free(m.buf);

	start(&m, 1);
	CHECK(v3c_writer_section_start(&w, 1, "bad\tname", 0, 1, false) == -EINVAL);
	CHECK(v3c_writer_section_start(&w, 1, "", 0, 1, false) == -EINVAL);
	CHECK(v3c_writer_section_part(&w, 1, "x", 1) == -EINVAL); /* not started */
	CHECK(v3c_writer_section_start(&w, 1, "ram", 0, 1, false) == 0);
	CHECK(v3c_writer_section_start(&w, 1, "ram2", 0, 1, false) == -EINVAL);
	CHECK(v3c_writer_section_part(&w, 1, "x", 0) == -EINVAL); /* empty */
	CHECK(v3c_writer_section_part(&w, 1, "x", V3C_PART_MAX_DATA + 1) == -EFBIG);
	CHECK(v3c_writer_section_end(&w, 1, NULL, 0) == 0);
	CHECK(v3c_writer_section_part(&w, 1, "x", 1) == -EINVAL); /* ended */
	CHECK(v3c_writer_section_start(&w, 1, "ram", 0, 1, false) == -EINVAL);
	for (i = 2; i <= V3C_STREAM_MAX_SECTIONS; i++)
		CHECK(v3c_writer_section_start(&w, i, "s", i, 1, true) == 0);
	CHECK(v3c_writer_section_start(&w, 999, "s", 0, 1, true) == -E2BIG);
	/* in a context: misuse, which poisons the writer */
	CHECK(v3c_writer_ctx_begin(&w, "c", 0, 1, 0) == 0);
	CHECK(v3c_writer_section_part(&w, 2, "x", 1) == -EINVAL);
	CHECK(v3c_writer_end(&w) == -EINVAL);
	free(m.buf);

	/* END with a section still open */
	start(&m, 1);
	CHECK(v3c_writer_section_start(&w, 5, "ram", 0, 1, false) == 0);
	CHECK(v3c_writer_end(&w) == -EINVAL);
	free(m.buf);
	return 0;
}

/* ------------------------------------- hostile, well-hashed sections */

/* A SECTION_START payload; returns its length. */
static size_t sec_start(u8 *p, u32 id, const char *name, size_t name_len)
{
	put_unaligned_le32(id, p);
	put_unaligned_le32(0, p + 4);
	put_unaligned_le32(1, p + 8);
	put_unaligned_le32(name_len, p + 12);
	memcpy(p + 16, name, name_len);
	return 16 + name_len;
}

/* A PART/END payload with the right hash of its data. */
static size_t sec_part(u8 *p, u32 id, u32 reserved, const void *d, size_t n)
{
	put_unaligned_le32(id, p);
	put_unaligned_le32(reserved, p + 4);
	put_unaligned_le64(v3c_hash(d, n), p + 8);
	memcpy(p + 16, d, n);
	return 16 + n;
}

/* Emit raw records (their headers hashed by the writer) and END. */
#define REC(type, flags, p, n) v3c_writer_record(&w, type, flags, p, n)

static int hostile_end(struct mem *m)
{
	int ret;

	if (v3c_writer_end(&w))
		abort();
	ret = read_all(m, 1ULL << 30);
	free(m->buf);
	return ret;
}

static int test_hostile_sections(void)
{
	static u8 p[4096];
	struct mem m;
	size_t n;
	u32 i;

	/* control: the raw records below, done right, are accepted */
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	REC(V3C_REC_SECTION_END, 0, p, sec_part(p, 1, 0, "", 0));
	CHECK(hostile_end(&m) == 0);

	/* a PART of a section never started */
	start(&m, 1);
	REC(V3C_REC_SECTION_PART, 0, p, sec_part(p, 9, 0, "abc", 3));
	CHECK(hostile_end(&m) == -EBADMSG);
	/* an END of a section never started */
	start(&m, 1);
	REC(V3C_REC_SECTION_END, 0, p, sec_part(p, 9, 0, "", 0));
	CHECK(hostile_end(&m) == -EBADMSG);
	/* a PART after the section's END */
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	REC(V3C_REC_SECTION_END, 0, p, sec_part(p, 1, 0, "", 0));
	REC(V3C_REC_SECTION_PART, 0, p, sec_part(p, 1, 0, "abc", 3));
	CHECK(hostile_end(&m) == -EBADMSG);
	/* a START reusing an open id, and an ended one */
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "pool", 5));
	CHECK(hostile_end(&m) == -EBADMSG);
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	REC(V3C_REC_SECTION_END, 0, p, sec_part(p, 1, 0, "", 0));
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	REC(V3C_REC_SECTION_END, 0, p, sec_part(p, 1, 0, "", 0));
	CHECK(hostile_end(&m) == -EBADMSG);
	/* the stream ends with a section open */
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	CHECK(hostile_end(&m) == -EBADMSG);
	/* one section too many */
	start(&m, 1);
	for (i = 0; i <= V3C_STREAM_MAX_SECTIONS; i++) {
		REC(V3C_REC_SECTION_START, V3C_RF_OPTIONAL, p,
		    sec_start(p, i, "s", 2));
		REC(V3C_REC_SECTION_END, V3C_RF_OPTIONAL, p,
		    sec_part(p, i, 0, "", 0));
	}
	CHECK(hostile_end(&m) == -EBADMSG);
	/* names: no NUL, a NUL inside, a control character, empty */
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 3));
	CHECK(hostile_end(&m) == -EILSEQ);
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "r\0m", 4));
	CHECK(hostile_end(&m) == -EILSEQ);
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "r\x7fm", 4));
	CHECK(hostile_end(&m) == -EILSEQ);
	/* name_len that disagrees with the record, payloads too short/long */
	start(&m, 1);
	n = sec_start(p, 1, "ram", 4);
	put_unaligned_le32(3, p + 12);
	REC(V3C_REC_SECTION_START, 0, p, n);
	CHECK(hostile_end(&m) == -EBADMSG);
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, 17);	/* a 1-byte name field */
	CHECK(hostile_end(&m) == -EBADMSG);
	start(&m, 1);
	memset(p + 16, 'a', 200);
	p[215] = 0;
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, (char *)p + 16, 200));
	CHECK(hostile_end(&m) == -EBADMSG);	/* a 200-byte name */
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	REC(V3C_REC_SECTION_END, 0, p, 12);	/* shorter than its fixed part */
	CHECK(hostile_end(&m) == -EBADMSG);
	/* a PART with no data, a reserved field set */
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	REC(V3C_REC_SECTION_PART, 0, p, sec_part(p, 1, 0, "", 0));
	CHECK(hostile_end(&m) == -EBADMSG);
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	REC(V3C_REC_SECTION_PART, 0, p, sec_part(p, 1, 1, "abc", 3));
	CHECK(hostile_end(&m) == -EBADMSG);
	/* a part whose data does not match its hash (one per part) */
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	n = sec_part(p, 1, 0, "abc", 3);
	p[17] = 'X';
	REC(V3C_REC_SECTION_PART, 0, p, n);
	REC(V3C_REC_SECTION_END, 0, p, sec_part(p, 1, 0, "", 0));
	CHECK(hostile_end(&m) == -EBADMSG);
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	n = sec_part(p, 1, 0, "", 0);
	p[8] ^= 1;				/* an empty END's hash */
	REC(V3C_REC_SECTION_END, 0, p, n);
	CHECK(hostile_end(&m) == -EBADMSG);
	/* OPTIONAL on a part of a mandatory section, and the reverse */
	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	REC(V3C_REC_SECTION_PART, V3C_RF_OPTIONAL, p, sec_part(p, 1, 0, "a", 1));
	CHECK(hostile_end(&m) == -EBADMSG);
	start(&m, 1);
	REC(V3C_REC_SECTION_START, V3C_RF_OPTIONAL, p, sec_start(p, 1, "x", 2));
	REC(V3C_REC_SECTION_END, 0, p, sec_part(p, 1, 0, "", 0));
	CHECK(hostile_end(&m) == -EBADMSG);
	/* a section record inside a context */
	start(&m, 1);
	v3c_writer_ctx_begin(&w, "c", 0, 1, 0);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	v3c_writer_ctx_end(&w);
	CHECK(hostile_end(&m) == -EBADMSG);
	return 0;
}

/* A part longer than 32 MiB: refused on its header, before its data. */
static int test_hostile_part_too_big(void)
{
	struct v3c_rec_hdr rh = { .type = V3C_REC_SECTION_PART };
	u8 hb[V3C_REC_HDR_SIZE], p[64];
	struct mem m;
	int extra;

	for (extra = 0; extra <= 1; extra++) {
		start(&m, 1);
		REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
		rh.len = V3C_SECTION_FIXED + V3C_PART_MAX_DATA + extra;
		v3c_rec_hdr_encode(&rh, hb);
		mem_write(&m, hb, sizeof(hb));
		mem_write(&m, p, sec_part(p, 1, 0, "abc", 3));
		/* at the limit it is read (and found truncated) */
		CHECK(read_all(&m, ~0ULL) == (extra ? -EFBIG : -ENODATA));
		free(m.buf);
	}
	return 0;
}

/* ---------------------------------------- hostile, well-hashed batches */

/* Put a batch in a RAM section's part and read the stream. */
static int batch_in_stream(const u8 *b, size_t len, u64 gpa_end)
{
	static u8 p[V3C_BATCH_MAX_BYTES + 16];
	struct mem m;
	int ret;

	start(&m, 1);
	REC(V3C_REC_SECTION_START, 0, p, sec_start(p, 1, "ram", 4));
	REC(V3C_REC_SECTION_END, 0, p, sec_part(p, 1, 0, b, len));
	if (v3c_writer_end(&w))
		abort();
	ret = read_all(&m, gpa_end);
	free(m.buf);
	return ret;
}

static u8 bad[V3C_BATCH_MAX_BYTES];
static u8 scratch[PAGE];

/* Decode a damaged batch directly and inside a stream: both must agree. */
static int refused(size_t len, u64 gpa_end, int want)
{
	struct v3c_batch_info info;
	int a, b;

	a = v3c_batch_decode(bad, len, gpa_end, NULL, NULL, scratch, &info);
	b = batch_in_stream(bad, len, gpa_end);
	if (a != want || b != want)
		printf("# want %d, decode %d, stream %d\n", want, a, b);
	return a == want && b == want;
}

static int test_hostile_batches(void)
{
	/* run 1: pages 0..2 (raw, zero, raw) at 0x10000; run 2: one at 1 MiB */
	static const u64 gpas[] = { 0x10000, 0x11000, 0x12000, 0x100000 };
	static const int kinds[] = { 2, 0, 1, 2 };
	const size_t run2 = 16 + 16 + 8 + 2 * (4 + PAGE);	/* offset */
	struct v3c_batch_builder b;
	size_t len = build(gpas, kinds, 4, false, &b), i;
	u8 lz[PAGE];
	int n, k;

#define FRESH() memcpy(bad, batch, len)
	CHECK(len == run2 + 16 + 8 + 4 + PAGE);
	FRESH();
	CHECK(refused(len, 1ULL << 30, 0));		/* the control */
	CHECK(refused(len, 0x101000, 0));		/* ends at the bound */
	/* the header: counts, flags, reserved */
	FRESH(); put_unaligned_le32(0, bad);
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(V3C_PAGE_BATCH_MAX + 1, bad);
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(5, bad);		/* more than the runs hold */
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(3, bad);		/* fewer */
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(0, bad + 4);	/* no run */
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(5, bad + 4);	/* more runs than pages */
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(1, bad + 4);	/* a run's bytes left over */
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(1, bad + 8);	/* a flag of a later minor */
	CHECK(refused(len, ~0ULL, -EOPNOTSUPP));
	FRESH(); put_unaligned_le32(1, bad + 12);
	CHECK(refused(len, ~0ULL, -EBADMSG));
	/* runs: alignment, count, reserved, order */
	FRESH(); put_unaligned_le64(0x10800, bad + 16);
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(0, bad + 16 + 8);
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(1, bad + 16 + 12);
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le64(0x12000, bad + run2);	/* overlaps run 1 */
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le64(0x1000, bad + run2);	/* decreasing */
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le64(0x13000, bad + run2);	/* adjacent: fine */
	CHECK(refused(len, ~0ULL, 0));
	/* the zero mask: a bit for a page the run does not have */
	FRESH(); bad[32] |= 0x08;
	CHECK(refused(len, ~0ULL, -EBADMSG));
	/* a page length: 0, over a page, past the end */
	FRESH(); put_unaligned_le32(0, bad + 40);
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(PAGE + 1, bad + 40);
	CHECK(refused(len, ~0ULL, -EBADMSG));
	FRESH(); put_unaligned_le32(PAGE, bad + len - PAGE - 4);
	CHECK(refused(len - 1, ~0ULL, -EBADMSG));
	/* trailing bytes after the last run */
	FRESH(); bad[len] = 0;
	CHECK(refused(len + 1, ~0ULL, -EBADMSG));
	/* pages outside guest memory: past it, across its end, past 2^64 */
	FRESH();
	CHECK(refused(len, 0x100000, -ERANGE));
	CHECK(refused(len, 0x12000, -ERANGE));
	FRESH(); put_unaligned_le64(~0ULL - PAGE + 1, bad + run2);
	CHECK(refused(len, ~0ULL, -ERANGE));
	FRESH(); put_unaligned_le64(0xfffffffffffff000ULL - PAGE, bad + 16);
	CHECK(refused(len, ~0ULL, -ERANGE));		/* 3 pages from there */
	/*
	 * LZ4 in place of page 0: a block of a whole page (fine), one that
	 * decodes to a byte less than a page, and garbage of the same length.
	 */
	fill_page(lz, 1, 0);
	for (k = 0; k < 3; k++) {
		n = v3c_lz4_compress(NULL, lz, k == 1 ? PAGE - 1 : PAGE,
				     bad + 44, PAGE - 1);
		CHECK(n > 0 && n < 200);
		if (k == 2)
			memset(bad + 44, 0xff, n);
		memcpy(bad, batch, 40);
		put_unaligned_le32(n, bad + 40);
		memcpy(bad + 44 + n, batch + 44 + PAGE, len - 44 - PAGE);
		CHECK(refused(len - PAGE + n, ~0ULL, k ? -EBADMSG : 0));
	}
	/* every truncation of a batch is refused */
	for (i = 0; i < len; i++) {
		struct v3c_batch_info info;

		if (v3c_batch_decode(batch, i, ~0ULL, NULL, NULL, scratch,
				     &info) != -EBADMSG) {
			printf("# batch cut at %zu not EBADMSG\n", i);
			return 1;
		}
	}
	return 0;
#undef FRESH
}

/* The consumer's own bound: a hole in guest memory, say. */
static int test_run_callback(void)
{
	struct v3c_batch_builder b;
	struct v3c_batch_info info;
	unsigned int n = make_mix();
	struct expect e = { mix_gpa, mix_kind, n, 0, 0, 5ULL << 32 };
	size_t len = build(mix_gpa, mix_kind, n, true, &b);

	/* refused on the third run: no page at all was handed over */
	CHECK(v3c_batch_decode(batch, len, ~0ULL, &expect_ops, &e, scratch,
			       &info) == -EFAULT);
	CHECK(e.runs == 3 && e.seen == 0);
	/* the codec's own bound comes first */
	e.runs = 0;
	CHECK(v3c_batch_decode(batch, len, 2ULL << 32, &expect_ops, &e, scratch,
			       &info) == -ERANGE);
	CHECK(e.runs == 2 && e.seen == 0);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(void);
} tests[] = {
	{ "batch_roundtrip", test_batch_roundtrip },
	{ "batch_largest", test_batch_largest },
	{ "builder_misuse", test_builder_misuse },
	{ "section_roundtrip", test_section_roundtrip },
	{ "section_stream_damage", test_section_stream_damage },
	{ "versions", test_versions },
	{ "writer_section_rules", test_writer_rules },
	{ "hostile_sections", test_hostile_sections },
	{ "hostile_part_too_big", test_hostile_part_too_big },
	{ "hostile_batches", test_hostile_batches },
	{ "batch_run_callback", test_run_callback },
};

/*
 * A small live stream (under the fuzzer's 8 KiB), for its corpus and for
 * the kselftest guest (tests/selftests/old_streams_test.sh).
 */
static int write_seed(const char *path, bool all_optional)
{
	FILE *f = fopen(path, "wb");
	struct mem m;

	if (!f)
		return 1;
	build_live_stream(&m, false, all_optional);
	fwrite(m.buf, 1, m.len, f);
	free(m.buf);
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	size_t i, n = ARRAY_SIZE(tests);
	int failures = 0;

	if (argc == 3 && !strcmp(argv[1], "--write-seed"))
		return write_seed(argv[2], false);
	if (argc == 3 && !strcmp(argv[1], "--write-optional"))
		return write_seed(argv[2], true);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%zu\n", n);
	for (i = 0; i < n; i++) {
		int bad = tests[i].fn();

		failures += bad;
		printf("%sok %zu live.%s\n", bad ? "not " : "", i + 1,
		       tests[i].name);
	}
	return failures ? 1 : 0;
}
