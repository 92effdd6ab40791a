/* SPDX-License-Identifier: GPL-2.0 */
/* Declarations shared inside v3chkpt.ko; not an API for other modules. */
#ifndef _V3CHKPT_INTERNAL_H
#define _V3CHKPT_INTERNAL_H

#include <linux/uio.h>
#include <v3chkpt/chkpt.h>
#include <v3chkpt/store.h>

#define V3CHKPT_PRODUCER "v3chkpt-kmod 0.1"

/* core.c: the same operations with user or kernel data in an iov_iter */
int v3_chkpt_save_iter(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		       struct iov_iter *from);
int v3_chkpt_load_iter(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		       struct iov_iter *to);

/* store_registry.c: find a store and pin it (module ref and user count) */
struct v3_chkpt_store *v3_chkpt_store_get(const char *name);
void v3_chkpt_store_put(struct v3_chkpt_store *store);

/* stores/memory.c */
struct v3_memstore_info {
	char name[128];
	u64 bytes;
	u64 created_ns;
};

int v3_memstore_init(void);
void v3_memstore_exit(void);
/* Fills up to @max entries; returns the total number of checkpoints. */
int v3_memstore_list(struct v3_memstore_info *out, unsigned int max);
int v3_memstore_delete(const char *name);
extern struct v3_chkpt_store v3_memstore;

/* stores/dir.c */
int v3_dirstore_init(void);
void v3_dirstore_exit(void);
/* stores/net.c */
int v3_netstore_init(void);
void v3_netstore_exit(void);
extern struct v3_chkpt_store v3_netstore;

/* chardev.c, session.c */
int v3_chardev_init(void);
void v3_chardev_exit(void);
int v3_session_open(const char *store, const char *url, u32 mode);

/* admit.c: 0 if @npages more pages fit what the machine and caller can give */
int v3_admit_pages(unsigned long npages);

/* debugfs.c */
void v3_debugfs_init(void);
void v3_debugfs_exit(void);

#endif /* _V3CHKPT_INTERNAL_H */
