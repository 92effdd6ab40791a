/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the shared codec (kmod/format/codec.c) needs from its environment, so the
 * same source builds in the kernel and in userspace (inspector, fuzzers,
 * unit tests).  The kernel side uses lib/xxhash and lib/lz4; userspace uses
 * Debian's libxxhash and liblz4, which compute the same XXH64 and decode
 * the same LZ4 blocks.
 */
#ifndef _V3CHKPT_COMPAT_H
#define _V3CHKPT_COMPAT_H

#ifdef __KERNEL__

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/xxhash.h>
#include <linux/lz4.h>
#include <asm/unaligned.h>

/* A struct, not a typedef, so both sides spell it the same way. */
struct v3c_hash_state {
	struct xxh64_state s;
};

static inline void v3c_hash_reset(struct v3c_hash_state *s)
{
	xxh64_reset(&s->s, 0);
}

static inline void v3c_hash_update(struct v3c_hash_state *s, const void *p, size_t n)
{
	xxh64_update(&s->s, p, n);
}

static inline u64 v3c_hash_digest(const struct v3c_hash_state *s)
{
	return xxh64_digest(&s->s);
}

static inline u64 v3c_hash(const void *p, size_t n)
{
	return xxh64(p, n, 0);
}

#else /* userspace */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <endian.h>
#include <sys/types.h>
#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>
#include <lz4.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef int64_t s64;

struct v3c_hash_state {
	XXH64_state_t s;
};

static inline void v3c_hash_reset(struct v3c_hash_state *s)
{
	XXH64_reset(&s->s, 0);
}

static inline void v3c_hash_update(struct v3c_hash_state *s, const void *p, size_t n)
{
	XXH64_update(&s->s, p, n);
}

static inline u64 v3c_hash_digest(const struct v3c_hash_state *s)
{
	return XXH64_digest(&s->s);
}

static inline u64 v3c_hash(const void *p, size_t n)
{
	return XXH64(p, n, 0);
}

#define V3C_LE_ACCESSORS(bits)						\
static inline u##bits get_unaligned_le##bits(const void *p)		\
{									\
	u##bits v;							\
	memcpy(&v, p, sizeof(v));					\
	return le##bits##toh(v);					\
}									\
static inline void put_unaligned_le##bits(u##bits v, void *p)		\
{									\
	v = htole##bits(v);						\
	memcpy(p, &v, sizeof(v));					\
}
V3C_LE_ACCESSORS(16)
V3C_LE_ACCESSORS(32)
V3C_LE_ACCESSORS(64)
#undef V3C_LE_ACCESSORS

#ifndef EBADFD
#define EBADFD 77
#endif

/* A v3c_compress_fn for userspace writers: LZ4 level 1, no workspace. */
static inline int v3c_lz4_compress(void *wrk, const void *src, int src_len,
				   void *dst, int dst_cap)
{
	(void)wrk;
	return LZ4_compress_default(src, dst, src_len, dst_cap);
}

#endif /* __KERNEL__ */

/*
 * Decode one LZ4 block of @clen bytes into exactly @out_len bytes; the
 * kernel's and liblz4's LZ4_decompress_safe never read past @src + @clen
 * nor write past @dst + @out_len.  0, or -EBADMSG.
 */
static inline int v3c_lz4_decode(const void *src, int clen, void *dst,
				 int out_len)
{
	int n = LZ4_decompress_safe((const char *)src, (char *)dst, clen,
				    out_len);

	return n == out_len ? 0 : -EBADMSG;
}

#endif /* _V3CHKPT_COMPAT_H */
