/* SPDX-License-Identifier: GPL-2.0 */
/*
 * v3chkpt stream format v1: constants and the shared codec API.
 * docs/FORMAT.md specifies every byte; keep the two in step.
 *
 * All integers are little-endian.  The stream never seeks: a writer emits
 * records front to back and a reader needs nothing that comes later than
 * the data it is decoding, so the same stream works on a socket.
 */
#ifndef _V3CHKPT_FORMAT_H
#define _V3CHKPT_FORMAT_H

#include <v3chkpt/compat.h>

#define V3C_MAGIC		"\x89V3CHK\r\n"
#define V3C_MAGIC_LEN		8
#define V3C_FORMAT_MAJOR	1
#define V3C_FORMAT_MINOR	0

#define V3C_STREAM_HDR_SIZE	64
#define V3C_PRODUCER_LEN	32
/* Stream flags: low half must be understood, high half may be ignored. */
#define V3C_SF_INCOMPAT_MASK	0x0000ffffU
#define V3C_SF_KNOWN		0U

#define V3C_REC_HDR_SIZE	16
/* Record flags */
#define V3C_RF_OPTIONAL		0x0001U	/* an unknown type may be skipped */
#define V3C_RF_KNOWN		V3C_RF_OPTIONAL

/* Record types */
#define V3C_REC_CTX_BEGIN	0x0001
#define V3C_REC_BLOB		0x0002
#define V3C_REC_CTX_END		0x0003
#define V3C_REC_SECTION_START	0x0004
#define V3C_REC_SECTION_PART	0x0005
#define V3C_REC_SECTION_END	0x0006
#define V3C_REC_END		0x7fff

/* Bounds on a loader's work: records in a context, contexts in a stream. */
#define V3C_CTX_MAX_RECORDS	65536
#define V3C_STREAM_MAX_CONTEXTS	65536
/*
 * Bytes in a context, CTX_BEGIN header to CTX_END header: a loader holds a
 * whole context before its hash is checked, so this bounds what a stream
 * can make it hold unverified.  Writers never exceed it (EFBIG).
 */
#define V3C_CTX_MAX_BYTES	(256ULL << 20)

/* Names (contexts, sections) and tags: printable ASCII, NUL included. */
#define V3C_NAME_MAX		128	/* bytes including the NUL */

#define V3C_CTX_BEGIN_FIXED	16	/* instance, version, flags, name_len */
#define V3C_BLOB_FIXED		8	/* tag_len, reserved */
#define V3C_CTX_END_SIZE	32
#define V3C_END_SIZE		32
#define V3C_SECTION_FIXED	16	/* section_id, reserved, xxh64 of data */

/* Page batches (inside SECTION_PART data) */
#define V3C_PAGE_SIZE		4096
#define V3C_PAGE_ENC_MASK	0xfffULL
#define V3C_PAGE_ENC_ZERO	0
#define V3C_PAGE_ENC_RAW	1
#define V3C_PAGE_ENC_LZ4	2
#define V3C_PAGE_BATCH_MAX	4096	/* pages in one batch */

struct v3c_stream_hdr {
	u16 major;
	u16 minor;
	u32 flags;
	char producer[V3C_PRODUCER_LEN];
	u64 created_ns;
};

struct v3c_rec_hdr {
	u64 len;	/* payload bytes following the header */
	u16 type;
	u16 flags;
};

struct v3c_ctx_begin {
	u32 instance;
	u32 version;
	u32 flags;
	char name[V3C_NAME_MAX];
};

struct v3c_summary {		/* CTX_END and END payloads */
	u64 count;		/* records in the context / contexts in stream */
	u64 bytes;		/* bytes covered by hash */
	u64 hash;		/* xxh64 of those bytes */
};

/* ---- pure encoders and validating decoders ---- */

int v3c_name_valid(const char *s, size_t len_with_nul);
void v3c_stream_hdr_init(struct v3c_stream_hdr *h, const char *producer);
void v3c_stream_hdr_encode(const struct v3c_stream_hdr *h, u8 *out);
int v3c_stream_hdr_decode(const u8 *in, struct v3c_stream_hdr *h);
void v3c_rec_hdr_encode(const struct v3c_rec_hdr *h, u8 *out);
int v3c_rec_hdr_decode(const u8 *in, struct v3c_rec_hdr *h);
int v3c_ctx_begin_decode(const u8 *p, u64 len, struct v3c_ctx_begin *out);
void v3c_summary_encode(const struct v3c_summary *s, u8 *out);
int v3c_summary_decode(const u8 *in, struct v3c_summary *s);
int v3c_page_entry_decode(u64 word, u64 *gpa, unsigned int *enc);
const char *v3c_rec_type_name(u16 type);

/* ---- streaming writer ---- */

/* Writes exactly len bytes or returns -errno. */
typedef int (*v3c_write_fn)(void *priv, const void *buf, size_t len);

struct v3c_writer {
	v3c_write_fn write;
	void *priv;
	int error;		/* sticky: once set, every call returns it */
	bool in_ctx;
	bool ended;
	u64 blob_left;		/* data bytes still owed to the open blob */
	u64 offset;		/* bytes written so far */
	u64 ncontexts;
	u64 ctx_records;
	u64 ctx_start;
	struct v3c_hash_state stream;
	struct v3c_hash_state ctx;
};

void v3c_writer_init(struct v3c_writer *w, v3c_write_fn fn, void *priv);
int v3c_writer_start(struct v3c_writer *w, const struct v3c_stream_hdr *h);
int v3c_writer_ctx_begin(struct v3c_writer *w, const char *name,
			 u32 instance, u32 version, u32 flags);
int v3c_writer_blob_begin(struct v3c_writer *w, const char *tag, u64 len);
int v3c_writer_data(struct v3c_writer *w, const void *buf, size_t len);
int v3c_writer_ctx_end(struct v3c_writer *w);
/* A raw record, unchecked: for extensions and for crafting hostile streams. */
int v3c_writer_record(struct v3c_writer *w, u16 type, u16 flags,
		      const void *payload, u64 len);
int v3c_writer_end(struct v3c_writer *w);

/* ---- streaming, validating reader ---- */

/* Returns bytes read (> 0), 0 at end of stream, or -errno. */
typedef ssize_t (*v3c_read_fn)(void *priv, void *buf, size_t len);

enum v3c_item {
	V3C_ITEM_CTX_BEGIN = 1,	/* r->ctx is filled */
	V3C_ITEM_BLOB,		/* r->tag, r->data_len; read data next */
	V3C_ITEM_CTX_END,	/* verified */
	V3C_ITEM_SECTION,	/* r->rec; payload via v3c_reader_data */
	V3C_ITEM_SKIPPED,	/* unknown optional record, already skipped */
	V3C_ITEM_END,		/* verified: the stream is complete */
};

struct v3c_reader {
	v3c_read_fn read;
	void *priv;
	int error;
	bool in_ctx;
	bool ended;
	u64 offset;
	u64 left;		/* unread payload of the current record */
	u64 ncontexts;
	u64 ctx_records;
	u64 ctx_start;
	struct v3c_stream_hdr hdr;
	struct v3c_rec_hdr rec;
	struct v3c_ctx_begin ctx;
	char tag[V3C_NAME_MAX];
	u64 data_len;
	struct v3c_summary summary;	/* of the last CTX_END / END */
	struct v3c_hash_state stream;
	struct v3c_hash_state ctxh;
	u8 scratch[256];
};

void v3c_reader_init(struct v3c_reader *r, v3c_read_fn fn, void *priv);
int v3c_reader_start(struct v3c_reader *r);
int v3c_reader_next(struct v3c_reader *r);	/* enum v3c_item or -errno */
int v3c_reader_data(struct v3c_reader *r, void *buf, size_t len);
int v3c_reader_skip(struct v3c_reader *r, u64 len);

#endif /* _V3CHKPT_FORMAT_H */
