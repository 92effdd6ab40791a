/* SPDX-License-Identifier: GPL-2.0 */
/* The memory store (memory.c). */
#ifndef _V3CHKPT_STORES_MEMORY_H
#define _V3CHKPT_STORES_MEMORY_H

#include <linux/types.h>
#include <v3chkpt/store.h>

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

#endif /* _V3CHKPT_STORES_MEMORY_H */
