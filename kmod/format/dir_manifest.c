// SPDX-License-Identifier: GPL-2.0
/*
 * Encoding and validating parsing of the dir store's MANIFEST.  One source
 * for the store (kernel) and the inspector (userspace), so both refuse the
 * same manifests.  Nothing in a manifest is trusted: counts, lengths and
 * names are bounded, reserved bytes must be zero and the checksum must
 * match before any entry is used.
 */
#include <v3chkpt/dirfmt.h>

#ifdef __KERNEL__
#include <linux/limits.h>
#else
#define U64_MAX UINT64_MAX
#endif

u64 v3d_manifest_size(u32 nctx, u32 glue_len)
{
	return V3D_HDR_SIZE + (u64)nctx * V3D_ENTRY_SIZE + glue_len +
	       V3D_TRAILER_SIZE;
}

void v3d_hdr_encode(u8 *out, u32 nctx, u32 glue_len, u64 stream_len)
{
	memset(out, 0, V3D_HDR_SIZE);
	memcpy(out, V3D_MAGIC, 8);
	put_unaligned_le32(V3D_VERSION, out + 8);
	/* out + 12: flags, none defined */
	put_unaligned_le32(nctx, out + 16);
	put_unaligned_le32(glue_len, out + 20);
	put_unaligned_le64(stream_len, out + 24);
}

int v3d_entry_encode(u8 *out, const struct v3d_entry *e)
{
	size_t n = strnlen(e->name, V3C_NAME_MAX);

	if (n >= V3C_NAME_MAX || v3c_name_valid(e->name, n + 1))
		return -EINVAL;
	memset(out, 0, V3D_ENTRY_SIZE);
	put_unaligned_le64(e->size, out);
	put_unaligned_le64(e->xxh64, out + 8);
	put_unaligned_le32(e->instance, out + 16);
	put_unaligned_le32(e->glue_before, out + 20);
	memcpy(out + 24, e->name, n);
	return 0;
}

void v3d_manifest_entry(const struct v3d_manifest *m, u32 i,
			struct v3d_entry *e)
{
	const u8 *p = m->entries + (u64)i * V3D_ENTRY_SIZE;

	e->size = get_unaligned_le64(p);
	e->xxh64 = get_unaligned_le64(p + 8);
	e->instance = get_unaligned_le32(p + 16);
	e->glue_before = get_unaligned_le32(p + 20);
	memcpy(e->name, p + 24, V3C_NAME_MAX);
}

static bool v3d_zero(const u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

/* A context file holds at least its CTX_BEGIN and CTX_END records. */
#define V3D_CTX_MIN_SIZE	(2 * V3C_REC_HDR_SIZE + V3C_CTX_BEGIN_FIXED + \
				 2 + V3C_CTX_END_SIZE)

static int v3d_entry_check(const u8 *p, u64 *sum_size, u64 *sum_glue)
{
	const char *name = (const char *)p + 24;
	size_t n = strnlen(name, V3C_NAME_MAX);
	u64 size = get_unaligned_le64(p);

	if (n >= V3C_NAME_MAX || v3c_name_valid(name, n + 1) ||
	    !v3d_zero(p + 24 + n, V3C_NAME_MAX - n))
		return -EBADMSG;
	if (size < V3D_CTX_MIN_SIZE || size > U64_MAX - *sum_size)
		return -EBADMSG;
	*sum_size += size;
	*sum_glue += get_unaligned_le32(p + 20);
	return 0;
}

int v3d_manifest_parse(const u8 *buf, u64 len, struct v3d_manifest *m)
{
	u64 sum_size = 0, sum_glue = 0;
	u32 i;
	int ret;

	if (len < v3d_manifest_size(0, 0))
		return -ENODATA;
	if (memcmp(buf, V3D_MAGIC, 8))
		return -EBADMSG;
	if (get_unaligned_le32(buf + 8) != V3D_VERSION)
		return -EPROTONOSUPPORT;
	m->nctx = get_unaligned_le32(buf + 16);
	m->glue_len = get_unaligned_le32(buf + 20);
	m->stream_len = get_unaligned_le64(buf + 24);
	if (m->nctx > V3D_MAX_CTX || m->glue_len > V3D_GLUE_MAX)
		return -EBADMSG;
	if (len != v3d_manifest_size(m->nctx, m->glue_len))
		return len < v3d_manifest_size(m->nctx, m->glue_len) ?
		       -ENODATA : -EBADMSG;
	if (get_unaligned_le64(buf + len - V3D_TRAILER_SIZE) !=
	    v3c_hash(buf, len - V3D_TRAILER_SIZE))
		return -EBADMSG;
	/* Checksummed, so non-zero here is a newer producer, not noise. */
	if (get_unaligned_le32(buf + 12) || !v3d_zero(buf + 32, V3D_HDR_SIZE - 32))
		return -EOPNOTSUPP;
	m->entries = buf + V3D_HDR_SIZE;
	m->glue = m->entries + (u64)m->nctx * V3D_ENTRY_SIZE;
	for (i = 0; i < m->nctx; i++) {
		ret = v3d_entry_check(m->entries + (u64)i * V3D_ENTRY_SIZE,
				      &sum_size, &sum_glue);
		if (ret)
			return ret;
	}
	if (sum_glue > m->glue_len || sum_size > U64_MAX - m->glue_len ||
	    m->stream_len != sum_size + m->glue_len)
		return -EBADMSG;
	return 0;
}
