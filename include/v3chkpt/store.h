/* SPDX-License-Identifier: GPL-2.0 */
/*
 * v3chkpt store interface.  A store is a byte sink (save) or source (load)
 * addressed by a URL; the core does all framing and checking.  A store is
 * registered by name; while any checkpoint is open on it, it cannot be
 * unregistered and its module cannot be unloaded.
 */
#ifndef _V3CHKPT_STORE_H
#define _V3CHKPT_STORE_H

#include <linux/list.h>
#include <linux/module.h>
#include <v3chkpt/chkpt.h>

#define V3_CHKPT_STORE_NAME_MAX	32
#define V3_CHKPT_URL_MAX	4096

struct v3_chkpt_store_ops {
	/* Returns store-private state or ERR_PTR(-errno). */
	void *(*open)(const char *url, enum v3_chkpt_mode mode);
	/* Save: store all of @len bytes or return -errno. */
	int (*write)(void *priv, const void *buf, size_t len);
	/* Load: bytes read (> 0), 0 at the end of the data, or -errno. */
	ssize_t (*read)(void *priv, void *buf, size_t len);
	/* Optional: context boundaries, for stores that keep files apart. */
	int (*ctx_begin)(void *priv, const char *name, u32 instance);
	int (*ctx_end)(void *priv);
	/*
	 * Save: @commit true publishes the checkpoint atomically; false
	 * discards it and leaves any previous one as it was.  Load: @commit
	 * is true once the whole stream was verified.  Frees @priv.
	 */
	int (*close)(void *priv, bool commit);
};

/*
 * The store keeps contexts apart through ctx_begin/ctx_end, so it cannot
 * take a raw stream (an import), which arrives without them.
 */
#define V3_CHKPT_STORE_CTX_FILES	0x1U

struct v3_chkpt_store {
	const char *name;
	struct module *owner;
	const struct v3_chkpt_store_ops *ops;
	unsigned int flags;		/* V3_CHKPT_STORE_* */
	/* private to the core */
	struct list_head node;
	unsigned int users;
};

int v3_chkpt_register_store(struct v3_chkpt_store *store);
/* -EBUSY while a checkpoint is open on the store. */
int v3_chkpt_unregister_store(struct v3_chkpt_store *store);

#endif /* _V3CHKPT_STORE_H */
