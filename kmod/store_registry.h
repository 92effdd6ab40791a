/* SPDX-License-Identifier: GPL-2.0 */
/* The store registry, as the core and sessions use it. */
#ifndef _V3CHKPT_STORE_REGISTRY_H
#define _V3CHKPT_STORE_REGISTRY_H

#include <v3chkpt/store.h>

/* Find a store and pin it (module ref and user count) / release it. */
struct v3_chkpt_store *v3_chkpt_store_get(const char *name);
void v3_chkpt_store_put(struct v3_chkpt_store *store);

#endif /* _V3CHKPT_STORE_REGISTRY_H */
