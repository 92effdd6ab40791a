/* SPDX-License-Identifier: GPL-2.0 */
/*
 * v3chkpt in-kernel checkpoint API, for VMM modules and device models.
 *
 * A checkpoint is opened on a store (by name) and a URL, in save or load
 * mode.  Data go in contexts: exactly one context is open at a time, and a
 * context that has been closed is never reopened.  Inside a context, data
 * are blobs tagged with strings.
 *
 *	static int my_dev_save(struct v3_chkpt *chkpt, struct my_dev *dev)
 *	{
 *		struct v3_chkpt_ctx *ctx;
 *		int ret;
 *
 *		ctx = v3_chkpt_open_ctx(chkpt, "mydev", dev->id, 1, 2);
 *		if (IS_ERR(ctx))
 *			return PTR_ERR(ctx);
 *		V3_CHKPT_SAVE(ctx, "foo", dev->foo, fail);
 *		V3_CHKPT_SAVE_AUTOTAG(ctx, dev->bar, fail);
 *		return v3_chkpt_close_ctx(ctx);
 *	fail:
 *		ret = v3_chkpt_ctx_error(ctx);
 *		v3_chkpt_close_ctx(ctx);
 *		return ret;
 *	}
 *
 * Every function returns 0 or -errno (never -1).  In load mode nothing in
 * the stream is trusted: a context is read completely and verified against
 * its checksum when it is opened, before any blob is handed out; see
 * docs/API.md for the errno each failure gives.
 */
#ifndef _V3CHKPT_CHKPT_H
#define _V3CHKPT_CHKPT_H

#include <linux/types.h>
#include <linux/err.h>

struct v3_chkpt;
struct v3_chkpt_ctx;

enum v3_chkpt_mode {
	V3_CHKPT_MODE_SAVE = 1,
	V3_CHKPT_MODE_LOAD = 2,
};

struct v3_chkpt *v3_chkpt_open(const char *store, const char *url,
			       enum v3_chkpt_mode mode);
/*
 * Save: finish the stream and commit it.  Load: verify the rest of it.
 * Frees @chkpt, except with a context still open: then -EBUSY, and nothing
 * changes.
 */
int v3_chkpt_close(struct v3_chkpt *chkpt);
/* Discard (an open context too): a save is not committed. */
void v3_chkpt_abort(struct v3_chkpt *chkpt);
enum v3_chkpt_mode v3_chkpt_mode(const struct v3_chkpt *chkpt);

/*
 * Save: writes a context at @version (@min_version must not exceed it).
 * A context pointer is dead once closed (or its checkpoint aborted).
 * Load: finds the context @name/@instance, skipping (but verifying) any
 * before it, and accepts a saved version in [@min_version, @version].
 */
struct v3_chkpt_ctx *v3_chkpt_open_ctx(struct v3_chkpt *chkpt,
				       const char *name, u32 instance,
				       u32 min_version, u32 version);
/* Load only: open whatever context comes next (-ENOENT at the end). */
struct v3_chkpt_ctx *v3_chkpt_open_next_ctx(struct v3_chkpt *chkpt);
/*
 * Load only: how many contexts v3_chkpt_open_ctx() has passed over so far
 * on its way to the ones asked for, and the first of them (@name NULL if
 * none).  A loader that knows the whole layout refuses a stream that
 * carries state it would otherwise drop without a word.
 */
unsigned int v3_chkpt_passed_over(const struct v3_chkpt *chkpt,
				  const char **name, u32 *instance);
int v3_chkpt_close_ctx(struct v3_chkpt_ctx *ctx);

const char *v3_chkpt_ctx_name(const struct v3_chkpt_ctx *ctx);
u32 v3_chkpt_ctx_instance(const struct v3_chkpt_ctx *ctx);
u32 v3_chkpt_ctx_version(const struct v3_chkpt_ctx *ctx);

int v3_chkpt_save(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		  const void *buf);
int v3_chkpt_load(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		  void *buf);
/* Load only: the saved length of @tag, or -ENOENT. */
s64 v3_chkpt_blob_len(struct v3_chkpt_ctx *ctx, const char *tag);
/*
 * The error of the last failed save/load in @ctx: the labelled macros jump
 * before they can return it, so a fail label reads it here.
 */
int v3_chkpt_ctx_error(const struct v3_chkpt_ctx *ctx);

/*
 * You do not need to look behind this curtain: SELECT picks the labelled
 * form when a fail label is given, as in Palacios's vmm_checkpoint.h.
 */
#define V3_CHKPT_SELECT_(x, A, FUNC, ...) FUNC
#define V3_CHKPT_SAVE_BASE_(ctx, tag, data) \
	v3_chkpt_save(ctx, tag, sizeof(data), &(data))
#define V3_CHKPT_LOAD_BASE_(ctx, tag, data) \
	v3_chkpt_load(ctx, tag, sizeof(data), &(data))
#define V3_CHKPT_LABELED_(call, faillabel) ({			\
	int __v3_ret = (call);					\
	if (__v3_ret < 0)					\
		goto faillabel;					\
	__v3_ret; })

/*
 * V3_CHKPT_SAVE(ctx, tag, var[, faillabel]) saves sizeof(var) bytes of var.
 * With a fail label the macro jumps there on error.  Both forms evaluate to
 * 0 or -errno.
 */
#define V3_CHKPT_SAVE(ctx, tag, data, ...)				\
	V3_CHKPT_SELECT_(, ##__VA_ARGS__,				\
		V3_CHKPT_LABELED_(V3_CHKPT_SAVE_BASE_(ctx, tag, data),	\
				  __VA_ARGS__),				\
		V3_CHKPT_SAVE_BASE_(ctx, tag, data))
#define V3_CHKPT_SAVE_AUTOTAG(ctx, data, ...) \
	V3_CHKPT_SAVE(ctx, #data, data, ##__VA_ARGS__)

#define V3_CHKPT_LOAD(ctx, tag, data, ...)				\
	V3_CHKPT_SELECT_(, ##__VA_ARGS__,				\
		V3_CHKPT_LABELED_(V3_CHKPT_LOAD_BASE_(ctx, tag, data),	\
				  __VA_ARGS__),				\
		V3_CHKPT_LOAD_BASE_(ctx, tag, data))
#define V3_CHKPT_LOAD_AUTOTAG(ctx, data, ...) \
	V3_CHKPT_LOAD(ctx, #data, data, ##__VA_ARGS__)

#endif /* _V3CHKPT_CHKPT_H */
