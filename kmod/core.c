// SPDX-License-Identifier: GPL-2.0
/*
 * The checkpoint core: checkpoints, contexts and tagged blobs on top of the
 * shared codec and a registered store.
 *
 * Save streams straight through the codec writer to the store.  Load reads
 * a whole context into a page buffer when it is opened and verifies its
 * checksum before any blob is handed out, so a loader never sees bytes of
 * a corrupted context and may ask for its tags in any order.
 */
#include <linux/hashtable.h>
#include <linux/ktime.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/siphash.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <v3chkpt/format.h>
#include "core.h"
#include "kunit_export.h"
#include "store_registry.h"
#include "pagebuf.h"

#define V3_CHKPT_CHUNK	(64 * 1024)

/*
 * Tags are looked up through a keyed hash, so a hostile stream cannot pile
 * its tags into one bucket; V3C_CTX_MAX_RECORDS bounds the table.
 */
#define V3_CTX_HASH_BITS 10

struct v3_chkpt_blob {
	struct hlist_node node;
	u64 off;	/* into the context's page buffer (load) */
	u64 len;
	char tag[];
};

struct v3_chkpt_ctx {
	struct v3_chkpt *chkpt;
	char name[V3C_NAME_MAX];
	u32 instance;
	u32 version;
	int last_error;		/* of the last failed blob call */
	unsigned int nblobs;
	siphash_key_t key;
	DECLARE_HASHTABLE(blobs, V3_CTX_HASH_BITS);
	struct v3_pagebuf *data;	/* load */
};

/* A context the checkpoint has met: opened (or saved), or passed over. */
struct v3_chkpt_used {
	struct hlist_node node;
	u32 instance;
	bool opened;
	char name[];
};

struct v3_chkpt {
	struct v3_chkpt_store *store;	/* NULL: a stream the caller opened */
	const struct v3_chkpt_store_ops *ops;
	void *priv;
	/* a live stream: sections written (save) or handed over (load) */
	struct v3c_section_table *sections;
	const struct v3_chkpt_live *live;
	void *live_priv;
	enum v3_chkpt_mode mode;
	int error;			/* sticky: the stream is unusable */
	struct v3_chkpt_ctx *ctx;	/* the one open context */
	siphash_key_t key;
	DECLARE_HASHTABLE(used, V3_CTX_HASH_BITS);	/* contexts met */
	bool ended;			/* load: END read and verified */
	unsigned int passed;		/* load: contexts passed over */
	u32 passed_instance;		/* the first of them */
	char passed_name[V3C_NAME_MAX];
	void *bounce;			/* save from an iov_iter */
	union {
		struct v3c_writer w;
		struct v3c_reader r;
	};
};

static int v3_store_write(void *priv, const void *buf, size_t len)
{
	struct v3_chkpt *c = priv;

	/* A killed saver stops; the store keeps its previous checkpoint. */
	if (fatal_signal_pending(current))
		return -EINTR;
	return c->ops->write(c->priv, buf, len);
}

static ssize_t v3_store_read(void *priv, void *buf, size_t len)
{
	struct v3_chkpt *c = priv;

	if (fatal_signal_pending(current))
		return -EINTR;
	return c->ops->read(c->priv, buf, len);
}

static int v3_chkpt_fail(struct v3_chkpt *c, int err)
{
	if (!c->error)
		c->error = err;
	return err;
}

/* Start the stream on an opened store: the header, or reading it. */
static int v3_chkpt_start(struct v3_chkpt *c)
{
	struct v3c_stream_hdr hdr;

	if (c->mode == V3_CHKPT_MODE_LOAD) {
		v3c_reader_init(&c->r, v3_store_read, c);
		return v3c_reader_start(&c->r);
	}
	c->bounce = kvmalloc(V3_CHKPT_CHUNK, GFP_KERNEL);
	if (!c->bounce)
		return -ENOMEM;
	v3c_writer_init(&c->w, v3_store_write, c);
	v3c_stream_hdr_init(&hdr, V3CHKPT_PRODUCER);
	hdr.created_ns = ktime_get_real_ns();
	if (c->sections) {	/* a live stream is 1.1 */
		hdr.minor = V3C_FORMAT_MINOR_SECTIONS;
		v3c_writer_sections(&c->w, c->sections);
	}
	return v3c_writer_start(&c->w, &hdr);
}

static struct v3_chkpt *v3_chkpt_alloc(enum v3_chkpt_mode mode)
{
	struct v3_chkpt *c;

	if (mode != V3_CHKPT_MODE_SAVE && mode != V3_CHKPT_MODE_LOAD)
		return ERR_PTR(-EINVAL);
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	hash_init(c->used);
	get_random_bytes(&c->key, sizeof(c->key));
	c->mode = mode;
	return c;
}

struct v3_chkpt *v3_chkpt_open(const char *store, const char *url,
			       enum v3_chkpt_mode mode)
{
	struct v3_chkpt *c;
	int ret;

	if (!url || strnlen(url, V3_CHKPT_URL_MAX) >= V3_CHKPT_URL_MAX)
		return ERR_PTR(-EINVAL);
	c = v3_chkpt_alloc(mode);
	if (IS_ERR(c))
		return c;
	c->store = v3_chkpt_store_get(store);
	if (IS_ERR(c->store)) {
		ret = PTR_ERR(c->store);
		goto err_free;
	}
	c->ops = c->store->ops;
	if ((mode == V3_CHKPT_MODE_SAVE && !c->ops->write) ||
	    (mode == V3_CHKPT_MODE_LOAD && !c->ops->read)) {
		ret = -EOPNOTSUPP;
		goto err_put;
	}
	c->priv = c->ops->open(url, mode);
	if (IS_ERR(c->priv)) {
		ret = PTR_ERR(c->priv);
		goto err_put;
	}
	ret = v3_chkpt_start(c);
	if (ret)
		goto err_close;
	return c;

err_close:
	c->ops->close(c->priv, false);
	kvfree(c->bounce);
err_put:
	v3_chkpt_store_put(c->store);
err_free:
	kfree(c);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(v3_chkpt_open);

struct v3_chkpt *v3_chkpt_open_live(const struct v3_chkpt_store_ops *ops,
				    void *priv, enum v3_chkpt_mode mode,
				    const struct v3_chkpt_live *live,
				    void *live_priv)
{
	struct v3_chkpt *c;
	int ret;

	c = v3_chkpt_alloc(mode);
	if (IS_ERR(c))
		return c;
	c->ops = ops;
	c->priv = priv;
	c->live = live;
	c->live_priv = live_priv;
	ret = -ENOMEM;
	if (mode == V3_CHKPT_MODE_SAVE) {
		c->sections = kzalloc(sizeof(*c->sections), GFP_KERNEL);
		if (!c->sections)
			goto err;
	}
	ret = v3_chkpt_start(c);
	if (!ret)
		return c;
err:
	kvfree(c->bounce);
	kfree(c->sections);
	kfree(c);
	return ERR_PTR(ret);
}
V3_EXPORT_FOR_TESTS(v3_chkpt_open_live);

/* Sections go between contexts; a failed one poisons the stream. */
static int v3_section_ok(struct v3_chkpt *c)
{
	if (c->error)
		return c->error;
	if (c->mode != V3_CHKPT_MODE_SAVE || !c->sections)
		return -EBADF;
	return c->ctx ? -EBUSY : 0;
}

int v3_chkpt_section_start(struct v3_chkpt *c, u32 id, const char *name,
			   u32 instance, u32 version)
{
	int ret = v3_section_ok(c);

	if (ret)
		return ret;
	ret = v3c_writer_section_start(&c->w, id, name, instance, version,
				       false);
	return ret ? v3_chkpt_fail(c, ret) : 0;
}
V3_EXPORT_FOR_TESTS(v3_chkpt_section_start);

int v3_chkpt_section_part(struct v3_chkpt *c, u32 id, const void *data,
			  u64 len, bool end)
{
	int ret = v3_section_ok(c);

	if (ret)
		return ret;
	ret = end ? v3c_writer_section_end(&c->w, id, data, len) :
		    v3c_writer_section_part(&c->w, id, data, len);
	return ret ? v3_chkpt_fail(c, ret) : 0;
}
V3_EXPORT_FOR_TESTS(v3_chkpt_section_part);

enum v3_chkpt_mode v3_chkpt_mode(const struct v3_chkpt *chkpt)
{
	return chkpt->mode;
}
EXPORT_SYMBOL_GPL(v3_chkpt_mode);

static void v3_ctx_free(struct v3_chkpt_ctx *ctx)
{
	struct v3_chkpt_blob *b;
	struct hlist_node *tmp;
	unsigned int bkt;

	hash_for_each_safe(ctx->blobs, bkt, tmp, b, node) {
		hash_del(&b->node);
		kfree(b);
	}
	v3_pagebuf_put(ctx->data);
	if (ctx->chkpt->ctx == ctx)
		ctx->chkpt->ctx = NULL;
	kfree(ctx);
}

static void v3_chkpt_free(struct v3_chkpt *c, bool commit, int *ret)
{
	struct v3_chkpt_used *u;
	struct hlist_node *tmp;
	unsigned int bkt;
	int err;

	if (c->ctx)
		v3_ctx_free(c->ctx);
	err = c->ops->close ? c->ops->close(c->priv, commit) : 0;
	if (ret && !*ret)
		*ret = err;
	hash_for_each_safe(c->used, bkt, tmp, u, node)
		kfree(u);
	if (c->store)
		v3_chkpt_store_put(c->store);
	kvfree(c->bounce);
	kfree(c->sections);
	kfree(c);
}

void v3_chkpt_abort(struct v3_chkpt *chkpt)
{
	if (chkpt)
		v3_chkpt_free(chkpt, false, NULL);
}
EXPORT_SYMBOL_GPL(v3_chkpt_abort);

static u32 v3_used_hash(const struct v3_chkpt *c, const char *name,
			u32 instance)
{
	return (u32)siphash(name, strlen(name), &c->key) ^ instance;
}

static struct v3_chkpt_used *v3_ctx_used(struct v3_chkpt *c,
					 const char *name, u32 instance)
{
	struct v3_chkpt_used *u;

	hash_for_each_possible(c->used, u, node,
			       v3_used_hash(c, name, instance))
		if (u->instance == instance && !strcmp(u->name, name))
			return u;
	return NULL;
}

static int v3_ctx_mark_used(struct v3_chkpt *c, const char *name,
			    u32 instance, bool opened)
{
	size_t len = strlen(name) + 1;
	struct v3_chkpt_used *u;

	u = kmalloc(struct_size(u, name, len), GFP_KERNEL_ACCOUNT);
	if (!u)
		return -ENOMEM;
	u->instance = instance;
	u->opened = opened;
	memcpy(u->name, name, len);
	hash_add(c->used, &u->node, v3_used_hash(c, name, instance));
	return 0;
}

static int v3_skip_ctx(struct v3_chkpt *c);

/* Advance to the next CTX_BEGIN; -ENOENT at END. */
static int v3_next_ctx_begin(struct v3_chkpt *c)
{
	int item;

	for (;;) {
		if (c->ended)
			return -ENOENT;
		item = v3c_reader_next(&c->r);
		if (item < 0)
			return item;
		switch (item) {
		case V3C_ITEM_CTX_BEGIN:
			return 0;
		case V3C_ITEM_END:
			c->ended = true;
			return -ENOENT;
		case V3C_ITEM_SECTION_START:
		case V3C_ITEM_SECTION_PART:
		case V3C_ITEM_SECTION_END:
			/* A live loader takes each section record as it comes. */
			if (c->live) {
				int ret = c->live->section(c->live_priv, &c->r,
							   item);

				if (ret)
					return ret;
				break;
			}
			/*
			 * The codec checks every section record; this loader
			 * has no live unit, so it can pass over only optional
			 * sections (whose every record is optional too).
			 */
			if (item == V3C_ITEM_SECTION_START &&
			    !(c->r.rec.flags & V3C_RF_OPTIONAL))
				return -EOPNOTSUPP;
			break;
		default:
			break;
		}
	}
}

static u32 v3_tag_hash(const struct v3_chkpt_ctx *ctx, const char *tag)
{
	return (u32)siphash(tag, strlen(tag), &ctx->key);
}

static struct v3_chkpt_blob *v3_find_blob(struct v3_chkpt_ctx *ctx,
					  const char *tag)
{
	struct v3_chkpt_blob *b;

	hash_for_each_possible(ctx->blobs, b, node, v3_tag_hash(ctx, tag))
		if (!strcmp(b->tag, tag))
			return b;
	return NULL;
}

static struct v3_chkpt_blob *v3_add_blob(struct v3_chkpt_ctx *ctx,
					 const char *tag, u64 off, u64 len)
{
	size_t n = strlen(tag) + 1;
	struct v3_chkpt_blob *b;

	b = kmalloc(struct_size(b, tag, n), GFP_KERNEL_ACCOUNT);
	if (!b)
		return NULL;
	memcpy(b->tag, tag, n);
	b->off = off;
	b->len = len;
	hash_add(ctx->blobs, &b->node, v3_tag_hash(ctx, tag));
	ctx->nblobs++;
	return b;
}

/*
 * Read the rest of the context the reader just entered, checking that no
 * tag repeats; with @keep, its blobs are kept for loading.
 */
static int v3_scan_ctx(struct v3_chkpt *c, struct v3_chkpt_ctx *ctx,
		       bool keep)
{
	int item, ret;

	if (keep) {
		ctx->data = v3_pagebuf_alloc();
		if (!ctx->data)
			return -ENOMEM;
	}
	for (;;) {
		u64 off, left;

		cond_resched();
		item = v3c_reader_next(&c->r);
		if (item < 0)
			return item;
		if (item == V3C_ITEM_CTX_END)
			return 0;
		if (item != V3C_ITEM_BLOB)
			continue;	/* optional record, already skipped */
		if (v3_find_blob(ctx, c->r.tag))
			return -EBADMSG;	/* duplicate tag */
		off = keep ? ctx->data->size : 0;
		if (!v3_add_blob(ctx, c->r.tag, off, c->r.data_len))
			return -ENOMEM;
		if (!keep)
			continue;	/* next() skips (and hashes) the data */
		for (left = c->r.data_len; left; ) {
			size_t avail;
			void *dst = v3_pagebuf_tail(ctx->data, &avail);

			if (!dst)
				return -ENOMEM;
			avail = min_t(u64, avail, left);
			ret = v3c_reader_data(&c->r, dst, avail);
			if (ret)
				return ret;
			v3_pagebuf_commit(ctx->data, avail);
			left -= avail;
		}
	}
}

static struct v3_chkpt_ctx *v3_ctx_alloc(struct v3_chkpt *c, const char *name,
					 u32 instance, u32 version)
{
	struct v3_chkpt_ctx *ctx = kzalloc(sizeof(*ctx), GFP_KERNEL_ACCOUNT);

	if (!ctx)
		return NULL;
	hash_init(ctx->blobs);
	get_random_bytes(&ctx->key, sizeof(ctx->key));
	ctx->chkpt = c;
	strscpy(ctx->name, name, sizeof(ctx->name));
	ctx->instance = instance;
	ctx->version = version;
	return ctx;
}

static struct v3_chkpt_ctx *v3_open_ctx_save(struct v3_chkpt *c,
					     const char *name, u32 instance,
					     u32 version)
{
	struct v3_chkpt_ctx *ctx;
	int ret;

	/* Any failure from here on poisons the save: all or nothing. */
	ctx = v3_ctx_alloc(c, name, instance, version);
	if (!ctx)
		return ERR_PTR(v3_chkpt_fail(c, -ENOMEM));
	ret = v3_ctx_mark_used(c, name, instance, true);
	if (!ret && c->ops->ctx_begin)
		ret = c->ops->ctx_begin(c->priv, name, instance);
	if (!ret)
		ret = v3c_writer_ctx_begin(&c->w, name, instance, version, 0);
	if (ret) {
		kfree(ctx);
		return ERR_PTR(v3_chkpt_fail(c, ret));
	}
	c->ctx = ctx;
	return ctx;
}

/* The reader sits on a CTX_BEGIN: check it and read the whole context. */
static struct v3_chkpt_ctx *v3_take_ctx(struct v3_chkpt *c, u32 min_version,
					u32 version)
{
	const struct v3c_ctx_begin *b = &c->r.ctx;
	struct v3_chkpt_ctx *ctx;
	int ret;

	if (b->version < min_version || b->version > version) {
		ret = v3_skip_ctx(c);
		if (ret)
			return ERR_PTR(v3_chkpt_fail(c, ret));
		return ERR_PTR(-EPROTONOSUPPORT);
	}
	if (v3_ctx_used(c, b->name, b->instance))
		return ERR_PTR(v3_chkpt_fail(c, -EBADMSG)); /* repeated */
	ctx = v3_ctx_alloc(c, b->name, b->instance, b->version);
	if (!ctx)
		return ERR_PTR(v3_chkpt_fail(c, -ENOMEM));
	ret = v3_ctx_mark_used(c, ctx->name, ctx->instance, true);
	if (!ret)
		ret = v3_scan_ctx(c, ctx, true);
	if (ret) {
		v3_ctx_free(ctx);
		return ERR_PTR(v3_chkpt_fail(c, ret));
	}
	c->ctx = ctx;
	return ctx;
}

/*
 * Skip the context the reader just entered, verifying it as if it were
 * loaded (checksum, repeated tags) and remembering it, so a second copy of
 * it later in the stream is refused too.
 */
static int v3_skip_ctx(struct v3_chkpt *c)
{
	const struct v3c_ctx_begin *b = &c->r.ctx;
	struct v3_chkpt_ctx *tmp;
	int ret;

	if (v3_ctx_used(c, b->name, b->instance))
		return -EBADMSG;
	tmp = v3_ctx_alloc(c, b->name, b->instance, b->version);
	if (!tmp)
		return -ENOMEM;
	ret = v3_ctx_mark_used(c, tmp->name, tmp->instance, false);
	if (!ret)
		ret = v3_scan_ctx(c, tmp, false);
	v3_ctx_free(tmp);
	return ret;
}

static struct v3_chkpt_ctx *v3_open_ctx_load(struct v3_chkpt *c,
					     const char *name, u32 instance,
					     u32 min_version, u32 version)
{
	int ret;

	for (;;) {
		ret = v3_next_ctx_begin(c);
		if (ret == -ENOENT)
			return ERR_PTR(ret);	/* not an error of the stream */
		if (ret)
			return ERR_PTR(v3_chkpt_fail(c, ret));
		if (c->r.ctx.instance == instance && !strcmp(c->r.ctx.name, name))
			return v3_take_ctx(c, min_version, version);
		if (!c->passed++) {
			strscpy(c->passed_name, c->r.ctx.name,
				sizeof(c->passed_name));
			c->passed_instance = c->r.ctx.instance;
		}
		ret = v3_skip_ctx(c);
		if (ret)
			return ERR_PTR(v3_chkpt_fail(c, ret));
	}
}

struct v3_chkpt_ctx *v3_chkpt_open_ctx(struct v3_chkpt *chkpt,
				       const char *name, u32 instance,
				       u32 min_version, u32 version)
{
	struct v3_chkpt_used *u;
	size_t len;

	if (chkpt->error)
		return ERR_PTR(chkpt->error);
	if (chkpt->ctx)
		return ERR_PTR(-EBUSY);
	len = strnlen(name, V3C_NAME_MAX) + 1;
	if (len > V3C_NAME_MAX || v3c_name_valid(name, len))
		return ERR_PTR(-EINVAL);
	if (min_version > version)
		return ERR_PTR(-EINVAL);
	u = v3_ctx_used(chkpt, name, instance);
	if (u)	/* never reopened; and a stream cannot go back */
		return ERR_PTR(u->opened ? -EEXIST : -ESPIPE);
	if (chkpt->mode == V3_CHKPT_MODE_SAVE &&
	    chkpt->w.ncontexts >= V3C_STREAM_MAX_CONTEXTS)
		return ERR_PTR(-E2BIG);
	if (chkpt->mode == V3_CHKPT_MODE_SAVE)
		return v3_open_ctx_save(chkpt, name, instance, version);
	return v3_open_ctx_load(chkpt, name, instance, min_version, version);
}
EXPORT_SYMBOL_GPL(v3_chkpt_open_ctx);

unsigned int v3_chkpt_passed_over(const struct v3_chkpt *chkpt,
				  const char **name, u32 *instance)
{
	*name = chkpt->passed ? chkpt->passed_name : NULL;
	*instance = chkpt->passed_instance;
	return chkpt->passed;
}
EXPORT_SYMBOL_GPL(v3_chkpt_passed_over);

struct v3_chkpt_ctx *v3_chkpt_open_next_ctx(struct v3_chkpt *chkpt)
{
	int ret;

	if (chkpt->error)
		return ERR_PTR(chkpt->error);
	if (chkpt->mode != V3_CHKPT_MODE_LOAD)
		return ERR_PTR(-EBADF);
	if (chkpt->ctx)
		return ERR_PTR(-EBUSY);
	ret = v3_next_ctx_begin(chkpt);
	if (ret == -ENOENT)
		return ERR_PTR(ret);
	if (ret)
		return ERR_PTR(v3_chkpt_fail(chkpt, ret));
	return v3_take_ctx(chkpt, 0, U32_MAX);
}
EXPORT_SYMBOL_GPL(v3_chkpt_open_next_ctx);

int v3_chkpt_close_ctx(struct v3_chkpt_ctx *ctx)
{
	struct v3_chkpt *c;
	int ret = 0;

	if (!ctx)
		return -EINVAL;
	c = ctx->chkpt;
	if (c->mode == V3_CHKPT_MODE_SAVE && !c->error) {
		ret = v3c_writer_ctx_end(&c->w);
		if (!ret && c->ops->ctx_end)
			ret = c->ops->ctx_end(c->priv);
		if (ret)
			v3_chkpt_fail(c, ret);
	}
	v3_ctx_free(ctx);
	return ret ? ret : c->error;
}
EXPORT_SYMBOL_GPL(v3_chkpt_close_ctx);

const char *v3_chkpt_ctx_name(const struct v3_chkpt_ctx *ctx)
{
	return ctx->name;
}
EXPORT_SYMBOL_GPL(v3_chkpt_ctx_name);

u32 v3_chkpt_ctx_instance(const struct v3_chkpt_ctx *ctx)
{
	return ctx->instance;
}
EXPORT_SYMBOL_GPL(v3_chkpt_ctx_instance);

u32 v3_chkpt_ctx_version(const struct v3_chkpt_ctx *ctx)
{
	return ctx->version;
}
EXPORT_SYMBOL_GPL(v3_chkpt_ctx_version);

/* Common checks for a blob operation in @mode; 0 if it may proceed. */
static int v3_blob_check(struct v3_chkpt_ctx *ctx, const char *tag,
			 enum v3_chkpt_mode mode)
{
	struct v3_chkpt *c = ctx->chkpt;
	size_t len;

	if (c->error)
		return c->error;
	if (c->mode != mode)
		return -EBADF;
	len = strnlen(tag, V3C_NAME_MAX) + 1;
	if (len > V3C_NAME_MAX || v3c_name_valid(tag, len))
		return -EINVAL;
	return 0;
}

static int v3_save_begin(struct v3_chkpt_ctx *ctx, const char *tag, u64 len)
{
	int ret = v3_blob_check(ctx, tag, V3_CHKPT_MODE_SAVE);

	if (ret)
		return ret;
	if (v3_find_blob(ctx, tag))
		return -EEXIST;
	if (ctx->nblobs >= V3C_CTX_MAX_RECORDS)
		return -E2BIG;
	if (len > U64_MAX - V3C_BLOB_FIXED - V3C_NAME_MAX)
		return -EOVERFLOW;
	if (!v3_add_blob(ctx, tag, 0, len))
		return v3_chkpt_fail(ctx->chkpt, -ENOMEM);
	ret = v3c_writer_blob_begin(&ctx->chkpt->w, tag, len);
	return ret ? v3_chkpt_fail(ctx->chkpt, ret) : 0;
}

/* Remember a blob call's failure for code that reached a fail label. */
static int v3_ctx_err(struct v3_chkpt_ctx *ctx, int ret)
{
	if (ret < 0)
		ctx->last_error = ret;
	return ret;
}

int v3_chkpt_ctx_error(const struct v3_chkpt_ctx *ctx)
{
	return ctx->last_error;
}
EXPORT_SYMBOL_GPL(v3_chkpt_ctx_error);

static int __v3_chkpt_save(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
			   const void *buf)
{
	int ret;

	if (!tag || (len && !buf))
		return -EINVAL;
	ret = v3_save_begin(ctx, tag, len);
	if (ret)
		return ret;
	while (len) {
		size_t n = min_t(u64, len, V3_CHKPT_CHUNK);

		ret = v3c_writer_data(&ctx->chkpt->w, buf, n);
		if (ret)
			return v3_chkpt_fail(ctx->chkpt, ret);
		buf += n;
		len -= n;
		cond_resched();
	}
	return 0;
}

int v3_chkpt_save(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		  const void *buf)
{
	return ctx ? v3_ctx_err(ctx, __v3_chkpt_save(ctx, tag, len, buf)) :
		     -EINVAL;
}
EXPORT_SYMBOL_GPL(v3_chkpt_save);

int v3_chkpt_save_iter(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		       struct iov_iter *from)
{
	struct v3_chkpt *c = ctx->chkpt;
	int ret;

	if (iov_iter_count(from) != len)
		return -EINVAL;
	ret = v3_save_begin(ctx, tag, len);
	if (ret)
		return ret;
	while (len) {
		size_t n = min_t(u64, len, V3_CHKPT_CHUNK);

		/* Half a blob is in the stream: any failure now is fatal. */
		if (fatal_signal_pending(current))
			return v3_chkpt_fail(c, -EINTR);
		if (copy_from_iter(c->bounce, n, from) != n)
			return v3_chkpt_fail(c, -EFAULT);
		ret = v3c_writer_data(&c->w, c->bounce, n);
		if (ret)
			return v3_chkpt_fail(c, ret);
		len -= n;
		cond_resched();
	}
	return 0;
}

static struct v3_chkpt_blob *v3_load_lookup(struct v3_chkpt_ctx *ctx,
					    const char *tag, u64 len, int *ret)
{
	struct v3_chkpt_blob *b;

	*ret = v3_blob_check(ctx, tag, V3_CHKPT_MODE_LOAD);
	if (*ret)
		return NULL;
	b = v3_find_blob(ctx, tag);
	if (!b)
		*ret = -ENOENT;
	else if (b->len != len)
		*ret = -EMSGSIZE;
	return *ret ? NULL : b;
}

int v3_chkpt_load_iter(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		       struct iov_iter *to)
{
	struct v3_chkpt_blob *b;
	int ret;

	if (!tag || iov_iter_count(to) != len)
		return -EINVAL;
	b = v3_load_lookup(ctx, tag, len, &ret);
	if (!b)
		return ret;
	return v3_pagebuf_copy_to_iter(ctx->data, b->off, len, to);
}

int v3_chkpt_load(struct v3_chkpt_ctx *ctx, const char *tag, u64 len,
		  void *buf)
{
	struct kvec kv = { .iov_base = buf, .iov_len = len };
	struct iov_iter to;

	if (!ctx)
		return -EINVAL;
	if ((len && !buf) || len > SIZE_MAX)
		return v3_ctx_err(ctx, -EINVAL);
	iov_iter_kvec(&to, ITER_DEST, &kv, 1, len);
	return v3_ctx_err(ctx, v3_chkpt_load_iter(ctx, tag, len, &to));
}
EXPORT_SYMBOL_GPL(v3_chkpt_load);

s64 v3_chkpt_blob_len(struct v3_chkpt_ctx *ctx, const char *tag)
{
	struct v3_chkpt_blob *b;
	int ret;

	if (!ctx || !tag)
		return -EINVAL;
	ret = v3_blob_check(ctx, tag, V3_CHKPT_MODE_LOAD);
	if (ret)
		return ret;
	b = v3_find_blob(ctx, tag);
	return b ? (s64)b->len : -ENOENT;
}
EXPORT_SYMBOL_GPL(v3_chkpt_blob_len);

int v3_chkpt_close(struct v3_chkpt *chkpt)
{
	int ret;

	if (!chkpt)
		return -EINVAL;
	/* Refuse, changing nothing: the caller still owns its context. */
	if (chkpt->ctx)
		return -EBUSY;
	ret = chkpt->error;
	if (!ret && chkpt->mode == V3_CHKPT_MODE_SAVE) {
		ret = v3c_writer_end(&chkpt->w);
	} else if (!ret) {
		/* Verify what the loader did not ask for, up to END. */
		while (!(ret = v3_next_ctx_begin(chkpt))) {
			ret = v3_skip_ctx(chkpt);
			if (ret)
				break;
		}
		if (ret == -ENOENT)	/* END reached and verified */
			ret = 0;
	}
	v3_chkpt_free(chkpt, !ret, &ret);
	return ret;
}
EXPORT_SYMBOL_GPL(v3_chkpt_close);
