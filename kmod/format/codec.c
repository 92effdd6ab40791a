// SPDX-License-Identifier: GPL-2.0
/*
 * The v3chkpt stream codec: encoders, validating decoders, a streaming
 * writer and a streaming reader.  This one source is compiled into the
 * module and into the userspace inspector, fuzzers and unit tests, so
 * everything that reads a stream runs the same checks.
 *
 * Nothing here trusts the stream: every length is bounded before use,
 * every reserved field must be zero, every name must be NUL-terminated
 * printable ASCII, and every context and the stream as a whole are
 * verified against their xxh64 before the reader reports them complete.
 */
#include <v3chkpt/format.h>

/*
 * Not exported: only v3chkpt.ko and the userspace tools use the codec (and,
 * through the V3CHKPT_KUNIT namespace, the KUnit suites).
 */
#ifdef __KERNEL__
#include <linux/kernel.h>
#include "../kunit_export.h"
#else
#define U64_MAX UINT64_MAX
#define V3_EXPORT_FOR_TESTS(sym)
#endif

/*
 * The fuzz build (tests/fuzz) lets every check pass: a hostile peer can
 * compute xxh64 too, so what must hold is the structural validation behind
 * the checks, and that is what the fuzzer should reach.
 */
#ifdef V3C_FUZZING
#define v3c_same(a, b) ((void)(a), (void)(b), true)
#else
#define v3c_same(a, b) ((a) == (b))
#endif

static u32 v3c_check32(const u8 *p, size_t n)
{
	return (u32)v3c_hash(p, n);
}

/*
 * 0 if s holds len_with_nul bytes: printable ASCII (space included, so that
 * _AUTOTAG of "a[ i ]" works), then exactly one NUL.
 */
int v3c_name_valid(const char *s, size_t len_with_nul)
{
	size_t i;

	if (len_with_nul < 2 || len_with_nul > V3C_NAME_MAX)
		return -EILSEQ;
	if (s[len_with_nul - 1] != '\0')
		return -EILSEQ;
	for (i = 0; i + 1 < len_with_nul; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return -EILSEQ;
	return 0;
}
V3_EXPORT_FOR_TESTS(v3c_name_valid);

void v3c_stream_hdr_init(struct v3c_stream_hdr *h, const char *producer)
{
	memset(h, 0, sizeof(*h));
	h->major = V3C_FORMAT_MAJOR;
	/* 1.0 until the writer declares sections: every 1.x reader loads it. */
	h->minor = 0;
	strncpy(h->producer, producer, V3C_PRODUCER_LEN - 1);
}
V3_EXPORT_FOR_TESTS(v3c_stream_hdr_init);

void v3c_stream_hdr_encode(const struct v3c_stream_hdr *h, u8 *out)
{
	memset(out, 0, V3C_STREAM_HDR_SIZE);
	memcpy(out, V3C_MAGIC, V3C_MAGIC_LEN);
	put_unaligned_le16(h->major, out + 8);
	put_unaligned_le16(h->minor, out + 10);
	put_unaligned_le32(h->flags, out + 12);
	memcpy(out + 16, h->producer, V3C_PRODUCER_LEN);
	out[16 + V3C_PRODUCER_LEN - 1] = '\0';
	put_unaligned_le64(h->created_ns, out + 48);
	put_unaligned_le32(0, out + 56);
	put_unaligned_le32(v3c_check32(out, 60), out + 60);
}
V3_EXPORT_FOR_TESTS(v3c_stream_hdr_encode);

int v3c_stream_hdr_decode(const u8 *in, struct v3c_stream_hdr *h)
{
	size_t i;

	if (memcmp(in, V3C_MAGIC, V3C_MAGIC_LEN))
		return -EPROTO;
	if (!v3c_same(get_unaligned_le32(in + 60), v3c_check32(in, 60)))
		return -EBADMSG;
	h->major = get_unaligned_le16(in + 8);
	h->minor = get_unaligned_le16(in + 10);
	h->flags = get_unaligned_le32(in + 12);
	if (h->major != V3C_FORMAT_MAJOR)
		return -EPROTONOSUPPORT;
	if (h->flags & V3C_SF_INCOMPAT_MASK & ~V3C_SF_KNOWN)
		return -EOPNOTSUPP;
	if (get_unaligned_le32(in + 56))
		return -EBADMSG;
	memcpy(h->producer, in + 16, V3C_PRODUCER_LEN);
	if (h->producer[V3C_PRODUCER_LEN - 1] != '\0')
		return -EILSEQ;
	for (i = 0; i < V3C_PRODUCER_LEN && h->producer[i]; i++)
		if (h->producer[i] < 0x20 || h->producer[i] > 0x7e)
			return -EILSEQ;
	for (; i < V3C_PRODUCER_LEN; i++)	/* NUL padding only */
		if (h->producer[i])
			return -EILSEQ;
	h->created_ns = get_unaligned_le64(in + 48);
	return 0;
}
V3_EXPORT_FOR_TESTS(v3c_stream_hdr_decode);

void v3c_rec_hdr_encode(const struct v3c_rec_hdr *h, u8 *out)
{
	put_unaligned_le64(h->len, out);
	put_unaligned_le16(h->type, out + 8);
	put_unaligned_le16(h->flags, out + 10);
	put_unaligned_le32(v3c_check32(out, 12), out + 12);
}
V3_EXPORT_FOR_TESTS(v3c_rec_hdr_encode);

int v3c_rec_hdr_decode(const u8 *in, struct v3c_rec_hdr *h)
{
	if (!v3c_same(get_unaligned_le32(in + 12), v3c_check32(in, 12)))
		return -EBADMSG;
	h->len = get_unaligned_le64(in);
	h->type = get_unaligned_le16(in + 8);
	h->flags = get_unaligned_le16(in + 10);
	if (h->type == 0 || (h->flags & ~V3C_RF_KNOWN))
		return -EBADMSG;
	return 0;
}
V3_EXPORT_FOR_TESTS(v3c_rec_hdr_decode);

int v3c_ctx_begin_decode(const u8 *p, u64 len, struct v3c_ctx_begin *out)
{
	u32 name_len;

	if (len < V3C_CTX_BEGIN_FIXED + 2 ||
	    len > V3C_CTX_BEGIN_FIXED + V3C_NAME_MAX)
		return -EBADMSG;
	out->instance = get_unaligned_le32(p);
	out->version = get_unaligned_le32(p + 4);
	out->flags = get_unaligned_le32(p + 8);
	name_len = get_unaligned_le32(p + 12);
	if (name_len != len - V3C_CTX_BEGIN_FIXED)
		return -EBADMSG;
	if (out->flags)
		return -EOPNOTSUPP;
	memcpy(out->name, p + V3C_CTX_BEGIN_FIXED, name_len);
	return v3c_name_valid(out->name, name_len);
}

void v3c_summary_encode(const struct v3c_summary *s, u8 *out)
{
	put_unaligned_le64(s->count, out);
	put_unaligned_le64(s->bytes, out + 8);
	put_unaligned_le64(s->hash, out + 16);
	put_unaligned_le64(0, out + 24);
}

int v3c_summary_decode(const u8 *in, struct v3c_summary *s)
{
	s->count = get_unaligned_le64(in);
	s->bytes = get_unaligned_le64(in + 8);
	s->hash = get_unaligned_le64(in + 16);
	return get_unaligned_le64(in + 24) ? -EBADMSG : 0;
}

/* ------------------------------------------------------------- sections */

/* The slot of section @id, or -1: ids are few, a scan is cheap. */
static int v3c_sec_find(const struct v3c_section_table *t, u32 id)
{
	u32 i;

	for (i = 0; i < t->n; i++)
		if (t->id[i] == id)
			return i;
	return -1;
}

/* 0, -EEXIST (the id was used), -E2BIG (the table is full). */
static int v3c_sec_add(struct v3c_section_table *t, u32 id, bool optional)
{
	if (v3c_sec_find(t, id) >= 0)
		return -EEXIST;
	if (t->n >= V3C_STREAM_MAX_SECTIONS)
		return -E2BIG;
	t->id[t->n] = id;
	t->state[t->n] = V3C_SEC_OPEN | (optional ? V3C_SEC_OPTIONAL : 0);
	t->n++;
	t->open++;
	return 0;
}

/* The open section @id's slot, or -1 (never started, or ended). */
static int v3c_sec_open_slot(const struct v3c_section_table *t, u32 id)
{
	int i = v3c_sec_find(t, id);

	return i >= 0 && (t->state[i] & V3C_SEC_OPEN) ? i : -1;
}

static void v3c_sec_close(struct v3c_section_table *t, int slot)
{
	t->state[slot] &= ~V3C_SEC_OPEN;
	t->open--;
}

const char *v3c_rec_type_name(u16 type)
{
	switch (type) {
	case V3C_REC_CTX_BEGIN:
		return "CTX_BEGIN";
	case V3C_REC_BLOB:
		return "BLOB";
	case V3C_REC_CTX_END:
		return "CTX_END";
	case V3C_REC_SECTION_START:
		return "SECTION_START";
	case V3C_REC_SECTION_PART:
		return "SECTION_PART";
	case V3C_REC_SECTION_END:
		return "SECTION_END";
	case V3C_REC_END:
		return "END";
	}
	return "UNKNOWN";
}

/* ---------------------------------------------------------------- writer */

void v3c_writer_init(struct v3c_writer *w, v3c_write_fn fn, void *priv)
{
	memset(w, 0, sizeof(*w));
	w->write = fn;
	w->priv = priv;
	v3c_hash_reset(&w->stream);
	v3c_hash_reset(&w->ctx);
}
V3_EXPORT_FOR_TESTS(v3c_writer_init);

/* Emit bytes, folding them into the stream and/or context hash. */
static int v3c_emit(struct v3c_writer *w, const void *buf, size_t len,
		    bool hash_stream, bool hash_ctx)
{
	int ret;

	if (w->error)
		return w->error;
	ret = w->write(w->priv, buf, len);
	if (ret) {
		w->error = ret;
		return ret;
	}
	if (hash_stream)
		v3c_hash_update(&w->stream, buf, len);
	if (hash_ctx)
		v3c_hash_update(&w->ctx, buf, len);
	w->offset += len;
	return 0;
}

static int v3c_emit_rec_hdr(struct v3c_writer *w, u16 type, u16 flags,
			    u64 len, bool hash_stream, bool hash_ctx)
{
	struct v3c_rec_hdr h = { .len = len, .type = type, .flags = flags };
	u8 buf[V3C_REC_HDR_SIZE];

	v3c_rec_hdr_encode(&h, buf);
	return v3c_emit(w, buf, sizeof(buf), hash_stream, hash_ctx);
}

/* Misuse of the writer is a caller bug: refuse and poison the stream. */
static int v3c_writer_misuse(struct v3c_writer *w)
{
	if (!w->error)
		w->error = -EINVAL;
	return -EINVAL;
}

int v3c_writer_start(struct v3c_writer *w, const struct v3c_stream_hdr *h)
{
	u8 buf[V3C_STREAM_HDR_SIZE];

	if (w->offset)
		return v3c_writer_misuse(w);
	w->minor = h->minor;
	v3c_stream_hdr_encode(h, buf);
	return v3c_emit(w, buf, sizeof(buf), true, false);
}
V3_EXPORT_FOR_TESTS(v3c_writer_start);

/*
 * Does a record with @payload bytes fit in a context that already holds
 * @used bytes (from its CTX_BEGIN header on)?
 */
static bool v3c_ctx_fits(u64 used, u64 payload)
{
	return used <= V3C_CTX_MAX_BYTES &&
	       payload <= V3C_CTX_MAX_BYTES - used &&
	       V3C_CTX_MAX_BYTES - used - payload >= V3C_REC_HDR_SIZE;
}

int v3c_writer_ctx_begin(struct v3c_writer *w, const char *name,
			 u32 instance, u32 version, u32 flags)
{
	u8 buf[V3C_CTX_BEGIN_FIXED + V3C_NAME_MAX];
	size_t name_len;
	int ret;

	if (w->error)
		return w->error;
	if (w->in_ctx || w->ended || !w->offset)
		return v3c_writer_misuse(w);
	if (w->ncontexts >= V3C_STREAM_MAX_CONTEXTS)
		return -E2BIG;
	name_len = strnlen(name, V3C_NAME_MAX) + 1;
	if (name_len > V3C_NAME_MAX || v3c_name_valid(name, name_len))
		return -EINVAL;	/* caller's input; stream stays usable */
	put_unaligned_le32(instance, buf);
	put_unaligned_le32(version, buf + 4);
	put_unaligned_le32(flags, buf + 8);
	put_unaligned_le32(name_len, buf + 12);
	memcpy(buf + V3C_CTX_BEGIN_FIXED, name, name_len);

	w->ctx_start = w->offset;
	w->ctx_records = 0;
	v3c_hash_reset(&w->ctx);
	ret = v3c_emit_rec_hdr(w, V3C_REC_CTX_BEGIN, 0,
			       V3C_CTX_BEGIN_FIXED + name_len, true, true);
	if (!ret)
		ret = v3c_emit(w, buf, V3C_CTX_BEGIN_FIXED + name_len,
			       true, true);
	if (!ret)
		w->in_ctx = true;
	return ret;
}
V3_EXPORT_FOR_TESTS(v3c_writer_ctx_begin);

int v3c_writer_blob_begin(struct v3c_writer *w, const char *tag, u64 len)
{
	u8 buf[V3C_BLOB_FIXED + V3C_NAME_MAX];
	size_t tag_len;
	int ret;

	if (w->error)
		return w->error;
	if (!w->in_ctx || w->blob_left)
		return v3c_writer_misuse(w);
	if (w->ctx_records >= V3C_CTX_MAX_RECORDS)
		return -E2BIG;
	tag_len = strnlen(tag, V3C_NAME_MAX) + 1;
	if (tag_len > V3C_NAME_MAX || v3c_name_valid(tag, tag_len))
		return -EINVAL;
	if (len > U64_MAX - V3C_BLOB_FIXED - V3C_NAME_MAX)
		return -EOVERFLOW;
	if (!v3c_ctx_fits(w->offset - w->ctx_start,
			  V3C_BLOB_FIXED + tag_len + len))
		return -EFBIG;	/* caller's input; stream stays usable */
	put_unaligned_le32(tag_len, buf);
	put_unaligned_le32(0, buf + 4);
	memcpy(buf + V3C_BLOB_FIXED, tag, tag_len);

	ret = v3c_emit_rec_hdr(w, V3C_REC_BLOB, 0,
			       V3C_BLOB_FIXED + tag_len + len, true, true);
	if (!ret)
		ret = v3c_emit(w, buf, V3C_BLOB_FIXED + tag_len, true, true);
	if (!ret) {
		w->blob_left = len;
		w->ctx_records++;
	}
	return ret;
}
V3_EXPORT_FOR_TESTS(v3c_writer_blob_begin);

int v3c_writer_data(struct v3c_writer *w, const void *buf, size_t len)
{
	int ret;

	if (w->error)
		return w->error;
	if (len > w->blob_left)
		return v3c_writer_misuse(w);
	ret = v3c_emit(w, buf, len, true, true);
	if (!ret)
		w->blob_left -= len;
	return ret;
}
V3_EXPORT_FOR_TESTS(v3c_writer_data);

int v3c_writer_ctx_end(struct v3c_writer *w)
{
	struct v3c_summary s;
	u8 buf[V3C_CTX_END_SIZE];
	int ret;

	if (w->error)
		return w->error;
	if (!w->in_ctx || w->blob_left)
		return v3c_writer_misuse(w);
	s.count = w->ctx_records;
	s.bytes = w->offset - w->ctx_start;
	s.hash = v3c_hash_digest(&w->ctx);
	v3c_summary_encode(&s, buf);
	ret = v3c_emit_rec_hdr(w, V3C_REC_CTX_END, 0, sizeof(buf), true, false);
	if (!ret)
		ret = v3c_emit(w, buf, sizeof(buf), true, false);
	if (!ret) {
		w->in_ctx = false;
		w->ncontexts++;
	}
	return ret;
}
V3_EXPORT_FOR_TESTS(v3c_writer_ctx_end);

int v3c_writer_record(struct v3c_writer *w, u16 type, u16 flags,
		      const void *payload, u64 len)
{
	int ret;

	if (w->error)
		return w->error;
	if (w->blob_left || w->ended || !w->offset)
		return v3c_writer_misuse(w);
	if (w->in_ctx && !v3c_ctx_fits(w->offset - w->ctx_start, len))
		return -EFBIG;
	ret = v3c_emit_rec_hdr(w, type, flags, len, true, w->in_ctx);
	if (!ret && len)
		ret = v3c_emit(w, payload, len, true, w->in_ctx);
	if (!ret && w->in_ctx)
		w->ctx_records++;
	return ret;
}
V3_EXPORT_FOR_TESTS(v3c_writer_record);

int v3c_writer_end(struct v3c_writer *w)
{
	struct v3c_summary s;
	u8 buf[V3C_END_SIZE];
	int ret;

	if (w->error)
		return w->error;
	if (w->in_ctx || w->ended || !w->offset ||
	    (w->sections && w->sections->open))
		return v3c_writer_misuse(w);
	s.count = w->ncontexts;
	s.bytes = w->offset;
	s.hash = v3c_hash_digest(&w->stream);
	v3c_summary_encode(&s, buf);
	ret = v3c_emit_rec_hdr(w, V3C_REC_END, 0, sizeof(buf), false, false);
	if (!ret)
		ret = v3c_emit(w, buf, sizeof(buf), false, false);
	if (!ret)
		w->ended = true;
	return ret;
}
V3_EXPORT_FOR_TESTS(v3c_writer_end);

/*
 * Sections need a table of the ids used, which a writer of contexts only
 * does not carry: the migration engine hands one over (it is 1.3 KiB).
 */
void v3c_writer_sections(struct v3c_writer *w, struct v3c_section_table *t)
{
	memset(t, 0, sizeof(*t));
	w->sections = t;
}
V3_EXPORT_FOR_TESTS(v3c_writer_sections);

/* May a section record go out now? */
static int v3c_writer_section_ok(struct v3c_writer *w)
{
	if (w->error)
		return w->error;
	if (w->in_ctx || w->blob_left || w->ended || !w->offset ||
	    !w->sections || w->minor < V3C_FORMAT_MINOR_SECTIONS)
		return v3c_writer_misuse(w);
	return 0;
}

int v3c_writer_section_start(struct v3c_writer *w, u32 id, const char *name,
			     u32 instance, u32 version, bool optional)
{
	u8 buf[V3C_SECTION_START_FIXED + V3C_NAME_MAX];
	u16 flags = optional ? V3C_RF_OPTIONAL : 0;
	size_t name_len;
	int ret;

	ret = v3c_writer_section_ok(w);
	if (ret)
		return ret;
	name_len = strnlen(name, V3C_NAME_MAX) + 1;
	if (name_len > V3C_NAME_MAX || v3c_name_valid(name, name_len))
		return -EINVAL;	/* caller's input; stream stays usable */
	if (v3c_sec_find(w->sections, id) >= 0)
		return -EINVAL;	/* ids are never reused in a stream */
	if (w->sections->n >= V3C_STREAM_MAX_SECTIONS)
		return -E2BIG;
	put_unaligned_le32(id, buf);
	put_unaligned_le32(instance, buf + 4);
	put_unaligned_le32(version, buf + 8);
	put_unaligned_le32(name_len, buf + 12);
	memcpy(buf + V3C_SECTION_START_FIXED, name, name_len);
	ret = v3c_emit_rec_hdr(w, V3C_REC_SECTION_START, flags,
			       V3C_SECTION_START_FIXED + name_len, true, false);
	if (!ret)
		ret = v3c_emit(w, buf, V3C_SECTION_START_FIXED + name_len,
			       true, false);
	if (!ret)
		v3c_sec_add(w->sections, id, optional);
	return ret;
}
V3_EXPORT_FOR_TESTS(v3c_writer_section_start);

static int v3c_writer_section_rec(struct v3c_writer *w, u16 type, u32 id,
				  const void *data, u64 len)
{
	u8 buf[V3C_SECTION_FIXED];
	int slot, ret;
	u16 flags;

	ret = v3c_writer_section_ok(w);
	if (ret)
		return ret;
	slot = v3c_sec_open_slot(w->sections, id);
	if (slot < 0 || (type == V3C_REC_SECTION_PART && !len))
		return -EINVAL;
	if (len > V3C_PART_MAX_DATA)
		return -EFBIG;
	flags = w->sections->state[slot] & V3C_SEC_OPTIONAL ?
		V3C_RF_OPTIONAL : 0;
	put_unaligned_le32(id, buf);
	put_unaligned_le32(0, buf + 4);
	put_unaligned_le64(v3c_hash(data, len), buf + 8);
	ret = v3c_emit_rec_hdr(w, type, flags, sizeof(buf) + len, true, false);
	if (!ret)
		ret = v3c_emit(w, buf, sizeof(buf), true, false);
	if (!ret && len)
		ret = v3c_emit(w, data, len, true, false);
	if (!ret && type == V3C_REC_SECTION_END)
		v3c_sec_close(w->sections, slot);
	return ret;
}

int v3c_writer_section_part(struct v3c_writer *w, u32 id, const void *data,
			    u64 len)
{
	return v3c_writer_section_rec(w, V3C_REC_SECTION_PART, id, data, len);
}
V3_EXPORT_FOR_TESTS(v3c_writer_section_part);

int v3c_writer_section_end(struct v3c_writer *w, u32 id, const void *data,
			   u64 len)
{
	return v3c_writer_section_rec(w, V3C_REC_SECTION_END, id, data, len);
}
V3_EXPORT_FOR_TESTS(v3c_writer_section_end);

/* ---------------------------------------------------------------- reader */

void v3c_reader_init(struct v3c_reader *r, v3c_read_fn fn, void *priv)
{
	memset(r, 0, sizeof(*r));
	r->read = fn;
	r->priv = priv;
	v3c_hash_reset(&r->stream);
	v3c_hash_reset(&r->ctxh);
}
V3_EXPORT_FOR_TESTS(v3c_reader_init);

static int v3c_fail(struct v3c_reader *r, int err)
{
	if (!r->error)
		r->error = err;
	return r->error;
}

/* Read exactly len bytes; a stream that ends first is truncated. */
static int v3c_take(struct v3c_reader *r, void *buf, size_t len,
		    bool hash_stream, bool hash_ctx)
{
	size_t got = 0;

	if (r->error)
		return r->error;
	while (got < len) {
		ssize_t n = r->read(r->priv, (u8 *)buf + got, len - got);

		if (n < 0)
			return v3c_fail(r, (int)n);
		if (n == 0)
			return v3c_fail(r, -ENODATA);
		if ((size_t)n > len - got)
			return v3c_fail(r, -EIO);
		got += n;
	}
	if (hash_stream)
		v3c_hash_update(&r->stream, buf, len);
	if (hash_ctx)
		v3c_hash_update(&r->ctxh, buf, len);
	r->offset += len;
	return 0;
}

int v3c_reader_start(struct v3c_reader *r)
{
	u8 buf[V3C_STREAM_HDR_SIZE];
	int ret;

	if (r->offset)
		return v3c_fail(r, -EINVAL);
	ret = v3c_take(r, buf, sizeof(buf), true, false);
	if (ret)
		return ret;
	ret = v3c_stream_hdr_decode(buf, &r->hdr);
	return ret ? v3c_fail(r, ret) : 0;
}
V3_EXPORT_FOR_TESTS(v3c_reader_start);

int v3c_reader_data(struct v3c_reader *r, void *buf, size_t len)
{
	int ret;

	if (r->error)
		return r->error;
	if (len > r->left)
		return v3c_fail(r, -EINVAL);
	ret = v3c_take(r, buf, len, true, r->in_ctx);
	if (ret)
		return ret;
	r->left -= len;
	if (r->in_part) {
		/* A part is verified as soon as its last byte is read. */
		v3c_hash_update(&r->parth, buf, len);
		if (!r->left) {
			r->in_part = false;
			if (!v3c_same(v3c_hash_digest(&r->parth), r->part_hash))
				return v3c_fail(r, -EBADMSG);
		}
	}
	return 0;
}
V3_EXPORT_FOR_TESTS(v3c_reader_data);

int v3c_reader_skip(struct v3c_reader *r, u64 len)
{
	int ret = 0;

	while (len && !ret) {
		size_t n = len < sizeof(r->scratch) ? len : sizeof(r->scratch);

		ret = v3c_reader_data(r, r->scratch, n);
		len -= n;
	}
	return ret;
}

static int v3c_read_summary(struct v3c_reader *r, u64 count, u64 bytes,
			    u64 hash)
{
	u8 buf[V3C_CTX_END_SIZE];
	int ret;

	if (r->rec.len != sizeof(buf))
		return v3c_fail(r, -EBADMSG);
	ret = v3c_take(r, buf, sizeof(buf), !r->ended, false);
	if (ret)
		return ret;
	ret = v3c_summary_decode(buf, &r->summary);
	if (ret)
		return v3c_fail(r, ret);
	if (!v3c_same(r->summary.count, count) ||
	    !v3c_same(r->summary.bytes, bytes) ||
	    !v3c_same(r->summary.hash, hash))
		return v3c_fail(r, -EBADMSG);
	return 0;
}

static int v3c_reader_blob(struct v3c_reader *r)
{
	u8 fixed[V3C_BLOB_FIXED];
	u32 tag_len;
	int ret;

	if (!r->in_ctx || r->rec.len < V3C_BLOB_FIXED + 2)
		return v3c_fail(r, -EBADMSG);
	r->left = r->rec.len;
	ret = v3c_reader_data(r, fixed, sizeof(fixed));
	if (ret)
		return ret;
	tag_len = get_unaligned_le32(fixed);
	if (get_unaligned_le32(fixed + 4) || tag_len < 2 ||
	    tag_len > V3C_NAME_MAX || tag_len > r->left)
		return v3c_fail(r, -EBADMSG);
	ret = v3c_reader_data(r, r->tag, tag_len);
	if (ret)
		return ret;
	ret = v3c_name_valid(r->tag, tag_len);
	if (ret)
		return v3c_fail(r, ret);
	r->data_len = r->left;
	r->ctx_records++;
	return V3C_ITEM_BLOB;
}

static int v3c_reader_section_start(struct v3c_reader *r)
{
	struct v3c_section_start *sec = &r->sec;
	u8 *p = r->scratch;
	u32 name_len;
	int ret;

	if (r->rec.len < V3C_SECTION_START_FIXED + 2 ||
	    r->rec.len > V3C_SECTION_START_FIXED + V3C_NAME_MAX)
		return v3c_fail(r, -EBADMSG);
	ret = v3c_reader_data(r, p, r->rec.len);
	if (ret)
		return ret;
	sec->id = get_unaligned_le32(p);
	sec->instance = get_unaligned_le32(p + 4);
	sec->version = get_unaligned_le32(p + 8);
	name_len = get_unaligned_le32(p + 12);
	if (name_len != r->rec.len - V3C_SECTION_START_FIXED)
		return v3c_fail(r, -EBADMSG);
	memcpy(sec->name, p + V3C_SECTION_START_FIXED, name_len);
	ret = v3c_name_valid(sec->name, name_len);
	if (ret)
		return v3c_fail(r, ret);
	/* A reused id (open or ended), or one section too many. */
	if (v3c_sec_add(&r->sections, sec->id,
			r->rec.flags & V3C_RF_OPTIONAL))
		return v3c_fail(r, -EBADMSG);
	return V3C_ITEM_SECTION_START;
}

/* SECTION_PART and SECTION_END: the data is hashed as the caller reads it. */
static int v3c_reader_section_part(struct v3c_reader *r)
{
	bool is_end = r->rec.type == V3C_REC_SECTION_END;
	u8 fixed[V3C_SECTION_FIXED];
	int slot, ret;
	bool opt;

	if (r->rec.len < V3C_SECTION_FIXED ||
	    (!is_end && r->rec.len == V3C_SECTION_FIXED))
		return v3c_fail(r, -EBADMSG);
	if (r->rec.len - V3C_SECTION_FIXED > V3C_PART_MAX_DATA)
		return v3c_fail(r, -EFBIG);
	ret = v3c_reader_data(r, fixed, sizeof(fixed));
	if (ret)
		return ret;
	r->part_id = get_unaligned_le32(fixed);
	r->part_hash = get_unaligned_le64(fixed + 8);
	if (get_unaligned_le32(fixed + 4))
		return v3c_fail(r, -EBADMSG);
	slot = v3c_sec_open_slot(&r->sections, r->part_id);
	if (slot < 0)
		return v3c_fail(r, -EBADMSG);
	/* Every record of a section is as optional as its START. */
	opt = r->sections.state[slot] & V3C_SEC_OPTIONAL;
	if (opt != !!(r->rec.flags & V3C_RF_OPTIONAL))
		return v3c_fail(r, -EBADMSG);
	if (is_end)
		v3c_sec_close(&r->sections, slot);
	r->data_len = r->left;
	v3c_hash_reset(&r->parth);
	if (!r->left) {		/* an END without data */
		if (!v3c_same(v3c_hash_digest(&r->parth), r->part_hash))
			return v3c_fail(r, -EBADMSG);
	} else {
		r->in_part = true;
	}
	return is_end ? V3C_ITEM_SECTION_END : V3C_ITEM_SECTION_PART;
}

int v3c_reader_next(struct v3c_reader *r)
{
	u8 hbuf[V3C_REC_HDR_SIZE];
	u64 start;
	int ret;

	if (r->error)
		return r->error;
	if (r->ended || !r->offset)
		return v3c_fail(r, -EINVAL);
	ret = v3c_reader_skip(r, r->left);	/* unread rest of a record */
	if (ret)
		return ret;
	start = r->offset;
	ret = v3c_take(r, hbuf, sizeof(hbuf), false, false);
	if (ret)
		return ret;
	ret = v3c_rec_hdr_decode(hbuf, &r->rec);
	if (ret)
		return v3c_fail(r, ret);
	if (r->in_ctx && r->rec.type != V3C_REC_CTX_END &&
	    r->ctx_records >= V3C_CTX_MAX_RECORDS)
		return v3c_fail(r, -EBADMSG);
	/* Refused on its header, before any of its bytes is held. */
	if (r->in_ctx && r->rec.type != V3C_REC_CTX_END &&
	    !v3c_ctx_fits(start - r->ctx_start, r->rec.len))
		return v3c_fail(r, -EFBIG);

	switch (r->rec.type) {
	case V3C_REC_END: {
		u64 hash = v3c_hash_digest(&r->stream);

		if (r->in_ctx || r->sections.open)
			return v3c_fail(r, -EBADMSG);
		r->ended = true;
		ret = v3c_read_summary(r, r->ncontexts, start, hash);
		return ret ? ret : V3C_ITEM_END;
	}
	case V3C_REC_CTX_END: {
		u64 hash = v3c_hash_digest(&r->ctxh);

		if (!r->in_ctx)
			return v3c_fail(r, -EBADMSG);
		v3c_hash_update(&r->stream, hbuf, sizeof(hbuf));
		r->in_ctx = false;
		ret = v3c_read_summary(r, r->ctx_records, start - r->ctx_start,
				       hash);
		if (ret)
			return ret;
		r->ncontexts++;
		return V3C_ITEM_CTX_END;
	}
	case V3C_REC_CTX_BEGIN: {
		u8 *p = r->scratch;

		if (r->in_ctx || r->rec.len > V3C_CTX_BEGIN_FIXED + V3C_NAME_MAX ||
		    r->ncontexts >= V3C_STREAM_MAX_CONTEXTS)
			return v3c_fail(r, -EBADMSG);
		v3c_hash_update(&r->stream, hbuf, sizeof(hbuf));
		v3c_hash_reset(&r->ctxh);
		v3c_hash_update(&r->ctxh, hbuf, sizeof(hbuf));
		r->in_ctx = true;
		r->ctx_start = start;
		r->ctx_records = 0;
		r->left = r->rec.len;
		ret = v3c_reader_data(r, p, r->rec.len);
		if (ret)
			return ret;
		ret = v3c_ctx_begin_decode(p, r->rec.len, &r->ctx);
		return ret ? v3c_fail(r, ret) : V3C_ITEM_CTX_BEGIN;
	}
	}

	v3c_hash_update(&r->stream, hbuf, sizeof(hbuf));
	if (r->in_ctx)
		v3c_hash_update(&r->ctxh, hbuf, sizeof(hbuf));
	r->left = r->rec.len;

	switch (r->rec.type) {
	case V3C_REC_BLOB:
		return v3c_reader_blob(r);
	case V3C_REC_SECTION_START:
		if (r->in_ctx)
			return v3c_fail(r, -EBADMSG);
		return v3c_reader_section_start(r);
	case V3C_REC_SECTION_PART:
	case V3C_REC_SECTION_END:
		if (r->in_ctx)
			return v3c_fail(r, -EBADMSG);
		return v3c_reader_section_part(r);
	}
	if (!(r->rec.flags & V3C_RF_OPTIONAL))
		return v3c_fail(r, -EOPNOTSUPP);
	if (r->in_ctx)
		r->ctx_records++;
	ret = v3c_reader_skip(r, r->left);
	return ret ? ret : V3C_ITEM_SKIPPED;
}
V3_EXPORT_FOR_TESTS(v3c_reader_next);
