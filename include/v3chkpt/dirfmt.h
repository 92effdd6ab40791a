/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The dir store's MANIFEST (docs/FORMAT.md, "Directory checkpoints"): the
 * stream's bytes outside contexts (its header and END record), one entry
 * per context file with its size and xxh64, and an xxh64 over the whole
 * manifest.  Shared by the store (kernel) and the inspector (userspace).
 */
#ifndef _V3CHKPT_DIRFMT_H
#define _V3CHKPT_DIRFMT_H

#include <v3chkpt/format.h>

#define V3D_MAGIC		"\x89V3CDIR\n"
#define V3D_VERSION		1
#define V3D_HDR_SIZE		64
#define V3D_ENTRY_SIZE		(24 + V3C_NAME_MAX)
#define V3D_TRAILER_SIZE	8
/* Bytes outside contexts: a stream header and an END record fit many times. */
#define V3D_GLUE_MAX		65536U
#define V3D_MAX_CTX		V3C_STREAM_MAX_CONTEXTS
#define V3D_MANIFEST_MAX	(V3D_HDR_SIZE + (u64)V3D_MAX_CTX * V3D_ENTRY_SIZE + \
				 V3D_GLUE_MAX + V3D_TRAILER_SIZE)
#define V3D_MANIFEST_NAME	"MANIFEST"
/* Context files are named by their index: "00000.ctx" ... "65535.ctx". */
#define V3D_CTX_FILE_FMT	"%05u.ctx"
#define V3D_CTX_FILE_LEN	16	/* room for any u32, with the NUL */

struct v3d_entry {
	u64 size;		/* bytes of the context file */
	u64 xxh64;		/* of the context file */
	u32 instance;
	u32 glue_before;	/* glue bytes streamed before this file */
	char name[V3C_NAME_MAX];
};

/* A parsed manifest; it points into the buffer it was parsed from. */
struct v3d_manifest {
	u32 nctx;
	u32 glue_len;
	u64 stream_len;		/* glue plus every file: the whole stream */
	const u8 *entries;
	const u8 *glue;
};

/* Check everything, including the checksum; 0 or -errno (docs/FORMAT.md). */
int v3d_manifest_parse(const u8 *buf, u64 len, struct v3d_manifest *m);
/* Entry @i of a parsed manifest (already validated). */
void v3d_manifest_entry(const struct v3d_manifest *m, u32 i,
			struct v3d_entry *e);
u64 v3d_manifest_size(u32 nctx, u32 glue_len);
void v3d_hdr_encode(u8 *out, u32 nctx, u32 glue_len, u64 stream_len);
/* -EINVAL for a name that is not a valid context name. */
int v3d_entry_encode(u8 *out, const struct v3d_entry *e);

#endif /* _V3CHKPT_DIRFMT_H */
