/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Hostile VM checkpoints: a saved VM stream decoded into contexts and
 * blobs, mutated in meaning (one change per case, chosen from a seed and
 * a case number so every case reproduces), and encoded again with every
 * checksum recomputed, so the change reaches the kernel's loaders.
 * Built on the shared codec (kmod/format/codec.c).
 */
#ifndef _V3CHKPT_HOSTILE_MUTATE_H
#define _V3CHKPT_HOSTILE_MUTATE_H

#include <v3chkpt/format.h>

struct hm_blob {
	char tag[V3C_NAME_MAX];
	u8 *data;
	u64 len;
};

struct hm_ctx {
	char name[V3C_NAME_MAX];
	u32 instance, version, flags;
	struct hm_blob *blobs;
	size_t nblobs;
};

struct hm_stream {
	struct v3c_stream_hdr hdr;
	struct hm_ctx *ctxs;
	size_t nctxs;
};

/* Mutation classes; case N belongs to class N % HM_NCLASSES. */
enum hm_class {
	HM_DEV,		/* a device model's field */
	HM_LEN,		/* a blob's length, a dropped or repeated tag or context */
	HM_CFG,		/* the vm context: configuration and options */
	HM_REG,		/* vCPU core and archdep state */
	HM_ORDER,	/* the order of contexts */
	HM_ID,		/* instance and version numbers, names, header */
	HM_MEM,		/* guest memory chunks: first, count, zero map, data */
	HM_NCLASSES
};

struct hm_case {
	enum hm_class cls;
	/* the vm context declares more than HM_SAFE_MEM of guest memory */
	bool big_mem;
	char what[512];	/* what was mutated, for the report */
};

#define HM_SAFE_MEM	(256ULL << 20)

const char *hm_class_name(enum hm_class c);
/* A stream of contexts and blobs only (else -EOPNOTSUPP), or -errno. */
int hm_decode(const u8 *buf, size_t len, struct hm_stream *s);
/* Encode @s, checksums recomputed, into a malloc'ed buffer. */
int hm_encode(const struct hm_stream *s, u8 **out, size_t *len);
int hm_copy(const struct hm_stream *src, struct hm_stream *dst);
void hm_free(struct hm_stream *s);
/* Apply case @id of @seed to @s, described in @c; 0 or -errno. */
int hm_mutate(struct hm_stream *s, u64 seed, u32 id, struct hm_case *c);
/* Decode @base, apply case @id, encode: the usual one-shot. */
int hm_make_case(const struct hm_stream *base, u64 seed, u32 id,
		 struct hm_case *c, u8 **out, size_t *len);

/* A growing buffer the codec can read from and write to. */
struct membuf {
	u8 *buf;
	size_t len, cap, pos;
};

/* v3c_write_fn appending to a struct membuf. */
int hm_mb_write(void *priv, const void *buf, size_t len);

#endif
