/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * v3chkpt ioctl ABI (/dev/v3chkpt and checkpoint session fds).
 *
 * Every argument struct starts with __u32 size (the caller's sizeof) and
 * __u32 flags.  The kernel reads the struct with copy_struct_from_user():
 * a smaller, older struct is zero-extended; a larger one is accepted only
 * if the bytes the kernel does not know are zero (else -E2BIG).  Flags and
 * reserved fields the kernel does not know must be zero (else -EINVAL).
 * Commands are matched on type and number; the size bits of the command
 * are not used, the size field is.  Unknown commands fail with -ENOTTY.
 * Pointers are passed as __u64 so 32-bit and 64-bit callers share layouts.
 */
#ifndef _UAPI_LINUX_V3CHKPT_H
#define _UAPI_LINUX_V3CHKPT_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define V3CHKPT_DEVICE		"/dev/v3chkpt"
#define V3CHKPT_ABI_VERSION	1
#define V3CHKPT_IOC_MAGIC	0xC3
#define V3CHKPT_NAME_MAX	128	/* contexts, tags, memory keys; with NUL */
#define V3CHKPT_STORE_MAX	32
#define V3CHKPT_URL_MAX		4096

/* Feature bits reported by V3CHKPT_IOC_VERSION */
#define V3CHKPT_FEAT_MEMORY_STORE	(1ULL << 0)
#define V3CHKPT_FEAT_SESSIONS		(1ULL << 1)
#define V3CHKPT_FEAT_RAW_STREAM		(1ULL << 2)

/* Unprivileged. */
struct v3chkpt_version {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 abi_version;	/* out */
	__u32 format_major;	/* out: stream format written */
	__u32 format_minor;	/* out */
	__u32 reserved0;	/* must be 0 */
	__u64 features;		/* out: V3CHKPT_FEAT_* */
	char module_version[32];/* out: NUL-terminated */
};
#define V3CHKPT_VERSION_SIZE_VER0	64

/* Session modes for V3CHKPT_IOC_OPEN */
#define V3CHKPT_MODE_SAVE	1	/* contexts and blobs into a stream */
#define V3CHKPT_MODE_LOAD	2	/* contexts and blobs out of a stream */
#define V3CHKPT_MODE_EXPORT	3	/* read(2) the raw stream bytes */
#define V3CHKPT_MODE_IMPORT	4	/* write(2) raw stream bytes */

/* Returns a new session fd (O_CLOEXEC). CAP_SYS_ADMIN. */
struct v3chkpt_open {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 mode;		/* V3CHKPT_MODE_* */
	__u32 reserved0;
	__u64 store;		/* pointer to NUL-terminated store name */
	__u64 url;		/* pointer to NUL-terminated URL */
	__u64 reserved[2];
};
#define V3CHKPT_OPEN_SIZE_VER0		48

struct v3chkpt_mem_entry {
	char name[V3CHKPT_NAME_MAX];
	__u64 bytes;
	__u64 created_ns;	/* CLOCK_REALTIME of the commit */
};

/* List memory-store checkpoints. CAP_SYS_ADMIN. */
struct v3chkpt_mem_list {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 capacity;		/* in: entries the array holds */
	__u32 count;		/* out: checkpoints that exist */
	__u64 entries;		/* pointer to struct v3chkpt_mem_entry[] */
	__u64 reserved[2];
};
#define V3CHKPT_MEM_LIST_SIZE_VER0	40

/* Delete a memory-store checkpoint. CAP_SYS_ADMIN. */
struct v3chkpt_mem_delete {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u64 name;		/* pointer to NUL-terminated key */
	__u64 reserved[2];
};
#define V3CHKPT_MEM_DELETE_SIZE_VER0	32

/* Session: open a context (save or load). */
#define V3CHKPT_CTX_NEXT	(1U << 0)	/* load: whatever comes next */
struct v3chkpt_ctx_open {
	__u32 size;
	__u32 flags;		/* V3CHKPT_CTX_* */
	__u64 name;		/* pointer: name in; with CTX_NEXT, buffer out */
	__u32 name_size;	/* CTX_NEXT: bytes at name */
	__u32 instance;		/* in; out with CTX_NEXT */
	__u32 min_version;	/* load: oldest version accepted */
	/* save: the version written; load: newest accepted, out: found */
	__u32 version;
	__u64 reserved[2];
};
#define V3CHKPT_CTX_OPEN_SIZE_VER0	48

/* Session: save, load or measure one blob of the open context. */
struct v3chkpt_blob {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u64 tag;		/* pointer to NUL-terminated tag */
	__u64 data;		/* pointer to len bytes */
	__u64 len;		/* BLOB_LEN: out */
	__u64 reserved[2];
};
#define V3CHKPT_BLOB_SIZE_VER0		48

/* /dev/v3chkpt */
#define V3CHKPT_IOC_VERSION	_IOWR(V3CHKPT_IOC_MAGIC, 0x00, struct v3chkpt_version)
#define V3CHKPT_IOC_OPEN	_IOW(V3CHKPT_IOC_MAGIC, 0x01, struct v3chkpt_open)
#define V3CHKPT_IOC_MEM_LIST	_IOWR(V3CHKPT_IOC_MAGIC, 0x02, struct v3chkpt_mem_list)
#define V3CHKPT_IOC_MEM_DELETE	_IOW(V3CHKPT_IOC_MAGIC, 0x03, struct v3chkpt_mem_delete)

/* session fds */
#define V3CHKPT_IOC_CTX_OPEN	_IOWR(V3CHKPT_IOC_MAGIC, 0x10, struct v3chkpt_ctx_open)
#define V3CHKPT_IOC_CTX_CLOSE	_IO(V3CHKPT_IOC_MAGIC, 0x11)
#define V3CHKPT_IOC_BLOB_SAVE	_IOW(V3CHKPT_IOC_MAGIC, 0x12, struct v3chkpt_blob)
#define V3CHKPT_IOC_BLOB_LOAD	_IOW(V3CHKPT_IOC_MAGIC, 0x13, struct v3chkpt_blob)
#define V3CHKPT_IOC_BLOB_LEN	_IOWR(V3CHKPT_IOC_MAGIC, 0x14, struct v3chkpt_blob)
/*
 * Save: finish and publish the stream.  Load: verify the rest of it.
 * Export: finish.  Import: publish the bytes as written (a load verifies
 * them), unless a write failed: then nothing is published.
 */
#define V3CHKPT_IOC_COMMIT	_IO(V3CHKPT_IOC_MAGIC, 0x15)

#endif /* _UAPI_LINUX_V3CHKPT_H */
