/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the v3chkpt KUnit suites. */
#ifndef _V3CHKPT_KUNIT_HELPERS_H
#define _V3CHKPT_KUNIT_HELPERS_H

#include <kunit/test.h>
#include <linux/slab.h>
#include <v3chkpt/format.h>
#include "../../kmod/core.h"
#include "../../stores/memory.h"

/*
 * Known answer shared with tests/userspace/codec_test.c: the xxh64 of the
 * encoded header { producer "kat", created_ns 0x0102030405060708 }.  Both
 * builds of the codec must produce the same bytes and the same hash.
 */
#define V3C_KAT_HDR_HASH 0x156c514f8684a15bULL

/* A growable kernel buffer the codec writer can target. */
struct v3_kbuf {
	u8 *p;
	size_t len, cap, pos;
};

static inline int v3_kbuf_write(void *priv, const void *buf, size_t len)
{
	struct v3_kbuf *b = priv;

	if (b->len + len > b->cap) {
		size_t cap = max(b->cap * 2, b->len + len);
		/* whole VM streams outgrow kmalloc: kvfree() the buffer */
		u8 *p = kvrealloc(b->p, b->cap, cap, GFP_KERNEL);

		if (!p)
			return -ENOMEM;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, buf, len);
	b->len += len;
	return 0;
}

static inline ssize_t v3_kbuf_read(void *priv, void *buf, size_t len)
{
	struct v3_kbuf *b = priv;
	size_t n = min(len, b->len - b->pos);

	memcpy(buf, b->p + b->pos, n);
	b->pos += n;
	return n;
}

/* Put raw bytes into the memory store under @key, as an import would. */
static inline int v3_test_put_raw(const char *key, const void *p, size_t len)
{
	void *priv = v3_memstore.ops->open(key, V3_CHKPT_MODE_SAVE);
	int ret;

	if (IS_ERR(priv))
		return PTR_ERR(priv);
	ret = v3_memstore.ops->write(priv, p, len);
	return v3_memstore.ops->close(priv, !ret) ?: ret;
}

/* Read the raw stream of memory checkpoint @key into @b. */
static inline int v3_test_get_raw(const char *key, struct v3_kbuf *b)
{
	void *priv = v3_memstore.ops->open(key, V3_CHKPT_MODE_LOAD);
	u8 chunk[256];
	ssize_t n;
	int ret = 0;

	if (IS_ERR(priv))
		return PTR_ERR(priv);
	while ((n = v3_memstore.ops->read(priv, chunk, sizeof(chunk))) > 0) {
		ret = v3_kbuf_write(b, chunk, n);
		if (ret)
			break;
	}
	v3_memstore.ops->close(priv, false);
	return ret;
}

/*
 * The suites run in v3chkpt_kunit.ko, against the loaded v3chkpt and the
 * memory store its init registered.  A suite counts the checkpoints there,
 * so it starts with the store empty (refusing to run otherwise) and
 * leaves it empty, as a freshly registered store would be.
 */
static inline int v3_kunit_memstore_init(struct kunit_suite *suite)
{
	int n = v3_memstore_list(NULL, 0);

	if (n) {
		pr_err("%s: the memory store holds %d checkpoints\n",
		       suite->name, n);
		return -EBUSY;
	}
	return 0;
}

static inline void v3_kunit_memstore_exit(struct kunit_suite *suite)
{
	struct v3_memstore_info info;

	while (v3_memstore_list(&info, 1) > 0)
		if (v3_memstore_delete(info.name))
			break;
}

#endif
