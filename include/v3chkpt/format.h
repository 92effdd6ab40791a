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
/* The newest minor this codec reads and writes. */
#define V3C_FORMAT_MINOR	1
/*
 * Sections (progressive live data) and page batches came with 1.1.  A
 * stream without them is written as 1.0, byte for byte what a 1.0 writer
 * produced; a writer declares 1.1 before it may write a section.
 */
#define V3C_FORMAT_MINOR_SECTIONS	1

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
#define V3C_SECTION_START_FIXED	16	/* id, instance, version, name_len */
#define V3C_SECTION_FIXED	16	/* section_id, reserved, xxh64 of data */

/*
 * Sections: at most this many in a stream (ids are never reused), and at
 * most this much data in one SECTION_PART/END, so that a consumer can hold
 * a whole part until its hash is verified.
 */
#define V3C_STREAM_MAX_SECTIONS	256
#define V3C_PART_MAX_DATA	(32ULL << 20)

/* A section of this name carries a page batch in each part's data. */
#define V3C_SECTION_RAM		"ram"

/* Page batches (the data of a RAM section's part) */
#define V3C_PAGE_SIZE		4096
#define V3C_PAGE_BATCH_MAX	4096	/* pages in one batch */
#define V3C_BATCH_HDR_SIZE	16	/* npages, nruns, flags, reserved */
#define V3C_RUN_HDR_SIZE	16	/* gpa, count, reserved */
#define V3C_GROUP_PAGES		64	/* pages under one zero mask */
#define V3C_PAGE_LEN_SIZE	4	/* before each non-zero page */
/* The largest batch: every page its own run, every page raw. */
#define V3C_BATCH_MAX_BYTES	(V3C_BATCH_HDR_SIZE + V3C_PAGE_BATCH_MAX * \
				 (V3C_RUN_HDR_SIZE + 8 + V3C_PAGE_LEN_SIZE + \
				  V3C_PAGE_SIZE))

/* How a page travelled in a batch. */
enum v3c_page_enc {
	V3C_PAGE_ENC_ZERO,	/* a bit in the group's zero mask */
	V3C_PAGE_ENC_RAW,	/* 4096 bytes */
	V3C_PAGE_ENC_LZ4,	/* an LZ4 block of 1..4095 bytes */
	V3C_PAGE_ENCS
};

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
const char *v3c_rec_type_name(u16 type);

/* ---- sections: which ids a stream has started and ended ---- */

#define V3C_SEC_OPEN		0x01
#define V3C_SEC_OPTIONAL	0x02

struct v3c_section_table {
	u32 n;			/* sections started */
	u32 open;		/* of which not yet ended */
	u32 id[V3C_STREAM_MAX_SECTIONS];
	u8 state[V3C_STREAM_MAX_SECTIONS];	/* V3C_SEC_* */
};

struct v3c_section_start {	/* a SECTION_START payload */
	u32 id;
	u32 instance;
	u32 version;
	char name[V3C_NAME_MAX];
};

/* ---- page batches ---- */

/*
 * Compress @src_len bytes into at most @dst_cap bytes; returns the
 * compressed length, or 0 (or less) when it does not fit.  The codec
 * itself only decompresses: a writer brings its compressor (LZ4 level 1,
 * v3c_lz4_compress in userspace, LZ4_compress_default in the kernel).
 */
typedef int (*v3c_compress_fn)(void *wrk, const void *src, int src_len,
			       void *dst, int dst_cap);

struct v3c_batch_builder {
	u8 *buf;
	size_t cap;
	size_t len;
	u32 npages;
	u32 nruns;
	size_t run_off;		/* the open run's header */
	size_t mask_off;	/* the open group's zero mask */
	u32 run_count;
	u64 run_end;		/* first gpa after the open run */
	v3c_compress_fn compress;
	void *wrk;
	u32 pages[V3C_PAGE_ENCS];	/* pages by encoding */
};

void v3c_batch_init(struct v3c_batch_builder *b, void *buf, size_t cap,
		    v3c_compress_fn compress, void *wrk);
int v3c_batch_add(struct v3c_batch_builder *b, u64 gpa, const void *page);
int v3c_batch_finish(struct v3c_batch_builder *b, size_t *len);

struct v3c_batch_ops {
	/*
	 * Before any page of the run [gpa, gpa + npages * 4096) is handed
	 * over, and before any page of the batch: -errno refuses the batch
	 * (a hole in guest memory, say).  May be NULL.
	 */
	int (*run)(void *priv, u64 gpa, u32 npages);
	/* One page: @data is NULL for a zero page.  May be NULL. */
	int (*page)(void *priv, u64 gpa, const void *data,
		    enum v3c_page_enc enc);
};

struct v3c_batch_info {
	u32 npages;
	u32 nruns;
	u32 pages[V3C_PAGE_ENCS];	/* pages by encoding */
};

int v3c_batch_decode(const u8 *p, size_t len, u64 gpa_end,
		     const struct v3c_batch_ops *ops, void *priv,
		     void *scratch, struct v3c_batch_info *info);

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
	u16 minor;		/* of the header written */
	/* Sections: only once v3c_writer_sections() gave a table. */
	struct v3c_section_table *sections;
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
/* Sections (a 1.1 header only): each part is given whole, with its hash. */
void v3c_writer_sections(struct v3c_writer *w, struct v3c_section_table *t);
int v3c_writer_section_start(struct v3c_writer *w, u32 id, const char *name,
			     u32 instance, u32 version, bool optional);
int v3c_writer_section_part(struct v3c_writer *w, u32 id, const void *data,
			    u64 len);
int v3c_writer_section_end(struct v3c_writer *w, u32 id, const void *data,
			   u64 len);

/* ---- streaming, validating reader ---- */

/* Returns bytes read (> 0), 0 at end of stream, or -errno. */
typedef ssize_t (*v3c_read_fn)(void *priv, void *buf, size_t len);

enum v3c_item {
	V3C_ITEM_CTX_BEGIN = 1,	/* r->ctx is filled */
	V3C_ITEM_BLOB,		/* r->tag, r->data_len; read data next */
	V3C_ITEM_CTX_END,	/* verified */
	V3C_ITEM_SECTION_START,	/* r->sec is filled */
	V3C_ITEM_SECTION_PART,	/* r->part_id, r->data_len; data next */
	V3C_ITEM_SECTION_END,	/* the same; the section is closed */
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
	struct v3c_section_start sec;	/* of the last SECTION_START */
	u32 part_id;		/* section of the last PART / END */
	bool in_part;		/* part data unread: its hash is pending */
	u64 part_hash;		/* what the part says its data hashes to */
	struct v3c_section_table sections;
	struct v3c_hash_state stream;
	struct v3c_hash_state ctxh;
	struct v3c_hash_state parth;
	u8 scratch[256];
};

void v3c_reader_init(struct v3c_reader *r, v3c_read_fn fn, void *priv);
int v3c_reader_start(struct v3c_reader *r);
int v3c_reader_next(struct v3c_reader *r);	/* enum v3c_item or -errno */
int v3c_reader_data(struct v3c_reader *r, void *buf, size_t len);
int v3c_reader_skip(struct v3c_reader *r, u64 len);

#endif /* _V3CHKPT_FORMAT_H */
