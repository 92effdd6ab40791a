// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the checkpoint core's rules, through the exported API a VMM uses.
 * The suite uses the memory store v3chkpt registered, and registers a
 * store of its own whose writes fail on demand.
 */
#include <kunit/test.h>
#include <v3chkpt/chkpt.h>
#include "helpers.h"

struct test_regs {
	u64 rax, rbx, rip;
	u32 flags;
};

/* Save ctx "cpu"#0 v2 {regs, bytes} and "pit"#0 v1 {count} to memory:@key. */
static int save_sample(const char *key)
{
	struct test_regs regs = { .rax = 1, .rbx = 2, .rip = 0xfff0, .flags = 2 };
	u8 bytes[5] = { 1, 2, 3, 4, 5 };
	u16 count = 0x1234;
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	int ret;

	c = v3_chkpt_open("memory", key, V3_CHKPT_MODE_SAVE);
	if (IS_ERR(c))
		return PTR_ERR(c);
	ctx = v3_chkpt_open_ctx(c, "cpu", 0, 0, 2);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto abort;
	}
	ret = V3_CHKPT_SAVE(ctx, "regs", regs, fail);
	ret = V3_CHKPT_SAVE_AUTOTAG(ctx, bytes, fail);
	ret = v3_chkpt_close_ctx(ctx);
	if (ret)
		goto abort;
	ctx = v3_chkpt_open_ctx(c, "pit", 0, 0, 1);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto abort;
	}
	ret = V3_CHKPT_SAVE_AUTOTAG(ctx, count, fail);
	ret = v3_chkpt_close_ctx(ctx);
	if (ret)
		goto abort;
	return v3_chkpt_close(c);
fail:
	v3_chkpt_close_ctx(ctx);
abort:
	v3_chkpt_abort(c);
	return ret;
}

static void core_roundtrip_with_macros(struct kunit *test)
{
	struct test_regs regs = { 0 };
	u8 bytes[5] = { 0 };
	u16 count = 0;
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	int ret;

	KUNIT_ASSERT_EQ(test, save_sample("core-rt"), 0);
	c = v3_chkpt_open("memory", "core-rt", V3_CHKPT_MODE_LOAD);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_ctx(c, "cpu", 0, 1, 3);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_EXPECT_EQ(test, v3_chkpt_ctx_version(ctx), 2U);
	KUNIT_EXPECT_EQ(test, V3_CHKPT_LOAD_AUTOTAG(ctx, bytes), 0);
	KUNIT_EXPECT_EQ(test, V3_CHKPT_LOAD(ctx, "regs", regs), 0);
	KUNIT_EXPECT_EQ(test, regs.rip, 0xfff0ULL);
	KUNIT_EXPECT_EQ(test, bytes[4], 5);
	KUNIT_EXPECT_EQ(test, v3_chkpt_blob_len(ctx, "regs"), (s64)sizeof(regs));
	KUNIT_EXPECT_EQ(test, v3_chkpt_close_ctx(ctx), 0);
	ctx = v3_chkpt_open_ctx(c, "pit", 0, 1, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	ret = V3_CHKPT_LOAD_AUTOTAG(ctx, count);
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ(test, count, 0x1234);
	v3_chkpt_close_ctx(ctx);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close(c), 0);
	v3_memstore_delete("core-rt");
}

static void core_fail_label_is_taken(struct kunit *test)
{
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	u32 missing = 0;
	int ret = 0, reached_end = 0;

	KUNIT_ASSERT_EQ(test, save_sample("core-label"), 0);
	c = v3_chkpt_open("memory", "core-label", V3_CHKPT_MODE_LOAD);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_ctx(c, "cpu", 0, 0, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	ret = V3_CHKPT_LOAD(ctx, "nosuch", missing, out);
	reached_end = 1;
out:
	KUNIT_EXPECT_EQ(test, reached_end, 0);
	KUNIT_EXPECT_EQ(test, ret, 0);	/* the label is taken before assigning */
	KUNIT_EXPECT_EQ(test, v3_chkpt_ctx_error(ctx), -ENOENT);
	KUNIT_EXPECT_EQ(test, V3_CHKPT_LOAD(ctx, "nosuch", missing), -ENOENT);
	v3_chkpt_close_ctx(ctx);
	v3_chkpt_abort(c);
	v3_memstore_delete("core-label");
}

static void core_one_context_no_reopen(struct kunit *test)
{
	struct v3_chkpt_ctx *a, *b;
	struct v3_chkpt *c;

	c = v3_chkpt_open("memory", "core-one", V3_CHKPT_MODE_SAVE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	a = v3_chkpt_open_ctx(c, "a", 0, 0, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	b = v3_chkpt_open_ctx(c, "b", 0, 0, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(b), -EBUSY);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close_ctx(a), 0);
	a = v3_chkpt_open_ctx(c, "a", 0, 0, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(a), -EEXIST);
	a = v3_chkpt_open_ctx(c, "a", 1, 0, 1);	/* another instance is fine */
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
	KUNIT_EXPECT_EQ(test, v3_chkpt_save(a, "t", 1, "x"), 0);
	KUNIT_EXPECT_EQ(test, v3_chkpt_save(a, "t", 1, "y"), -EEXIST);
	KUNIT_EXPECT_EQ(test, v3_chkpt_save(a, "bad\x7f", 1, "y"), -EINVAL);
	KUNIT_EXPECT_EQ(test, v3_chkpt_load(a, "t", 1, (void *)"x"), -EBADF);
	/* closing with a context open refuses and changes nothing */
	KUNIT_EXPECT_EQ(test, v3_chkpt_close(c), -EBUSY);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("core-one"), -ENOENT);
	KUNIT_EXPECT_EQ(test, v3_chkpt_save(a, "still-open", 1, "z"), 0);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close_ctx(a), 0);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close(c), 0);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("core-one"), 0);
}

/* Write a stream from @build into memory:@key; load-close it. */
static int close_crafted(struct kunit *test, const char *key,
			 void (*build)(struct v3c_writer *w))
{
	struct v3_kbuf b = { 0 };
	struct v3c_stream_hdr h;
	struct v3c_writer *w;
	struct v3_chkpt *c;
	int ret;

	w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	if (!w)
		return -ENOMEM;
	v3c_writer_init(w, v3_kbuf_write, &b);
	v3c_stream_hdr_init(&h, "kunit");
	v3c_writer_start(w, &h);
	build(w);
	v3c_writer_end(w);
	ret = v3_test_put_raw(key, b.p, b.len);
	kvfree(b.p);
	if (ret)
		return ret;
	c = v3_chkpt_open("memory", key, V3_CHKPT_MODE_LOAD);
	if (IS_ERR(c))
		return PTR_ERR(c);
	ret = v3_chkpt_close(c);	/* skips and verifies everything */
	v3_memstore_delete(key);
	return ret;
}

static void build_dup_ctx(struct v3c_writer *w)
{
	int i;

	for (i = 0; i < 2; i++) {
		v3c_writer_ctx_begin(w, "dev", 3, 1, 0);
		v3c_writer_ctx_end(w);
	}
}

static void build_dup_tag(struct v3c_writer *w)
{
	int i;

	v3c_writer_ctx_begin(w, "dev", 3, 1, 0);
	for (i = 0; i < 2; i++) {
		v3c_writer_blob_begin(w, "t", 1);
		v3c_writer_data(w, "x", 1);
	}
	v3c_writer_ctx_end(w);
}

static void build_clean(struct v3c_writer *w)
{
	v3c_writer_ctx_begin(w, "dev", 3, 1, 0);
	v3c_writer_blob_begin(w, "t", 1);
	v3c_writer_data(w, "x", 1);
	v3c_writer_ctx_end(w);
}

static void core_skipped_contexts_are_verified(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, close_crafted(test, "core-clean", build_clean), 0);
	KUNIT_EXPECT_EQ(test, close_crafted(test, "core-dupctx", build_dup_ctx),
			-EBADMSG);
	KUNIT_EXPECT_EQ(test, close_crafted(test, "core-duptag", build_dup_tag),
			-EBADMSG);
}

static void core_load_errors(struct kunit *test)
{
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	u8 small[3], big[64];

	KUNIT_ASSERT_EQ(test, save_sample("core-err"), 0);
	c = v3_chkpt_open("memory", "core-err", V3_CHKPT_MODE_LOAD);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	/* too new for this loader: refused, and the stream stays usable */
	ctx = v3_chkpt_open_ctx(c, "cpu", 0, 0, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(ctx), -EPROTONOSUPPORT);
	ctx = v3_chkpt_open_ctx(c, "nosuch", 0, 0, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(ctx), -ENOENT);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close(c), 0);

	c = v3_chkpt_open("memory", "core-err", V3_CHKPT_MODE_LOAD);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_ctx(c, "cpu", 0, 3, 4);	/* too old */
	KUNIT_EXPECT_EQ(test, PTR_ERR(ctx), -EPROTONOSUPPORT);
	ctx = v3_chkpt_open_ctx(c, "pit", 0, 1, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_EXPECT_EQ(test, v3_chkpt_load(ctx, "count", sizeof(small), small),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, v3_chkpt_load(ctx, "count", sizeof(big), big),
			-EMSGSIZE);
	KUNIT_EXPECT_EQ(test, v3_chkpt_load(ctx, "regs", 2, small), -ENOENT);
	KUNIT_EXPECT_EQ(test, v3_chkpt_save(ctx, "x", 1, small), -EBADF);
	v3_chkpt_close_ctx(ctx);
	/* a context already read is never reopened */
	ctx = v3_chkpt_open_ctx(c, "pit", 0, 1, 1);
	KUNIT_EXPECT_EQ(test, PTR_ERR(ctx), -EEXIST);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close(c), 0);
	v3_memstore_delete("core-err");
}

static void core_next_ctx_walk(struct kunit *test)
{
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;

	KUNIT_ASSERT_EQ(test, save_sample("core-walk"), 0);
	c = v3_chkpt_open("memory", "core-walk", V3_CHKPT_MODE_LOAD);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_next_ctx(c);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_EXPECT_STREQ(test, v3_chkpt_ctx_name(ctx), "cpu");
	v3_chkpt_close_ctx(ctx);
	ctx = v3_chkpt_open_next_ctx(c);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_EXPECT_STREQ(test, v3_chkpt_ctx_name(ctx), "pit");
	v3_chkpt_close_ctx(ctx);
	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_chkpt_open_next_ctx(c)), -ENOENT);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close(c), 0);
	v3_memstore_delete("core-walk");
}

/* Corrupt one byte of the saved stream at @pick(len) and load it. */
static int load_corrupted(struct kunit *test, size_t off_from_end,
			  bool *ctx_opened)
{
	struct v3_kbuf b = { 0 };
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	int ret;

	*ctx_opened = false;
	KUNIT_EXPECT_EQ(test, save_sample("core-src"), 0);
	KUNIT_EXPECT_EQ(test, v3_test_get_raw("core-src", &b), 0);
	b.p[b.len - off_from_end] ^= 0x80;
	KUNIT_EXPECT_EQ(test, v3_test_put_raw("core-bad", b.p, b.len), 0);
	kvfree(b.p);
	c = v3_chkpt_open("memory", "core-bad", V3_CHKPT_MODE_LOAD);
	if (IS_ERR(c))
		return PTR_ERR(c);
	ctx = v3_chkpt_open_ctx(c, "cpu", 0, 0, 2);
	if (!IS_ERR(ctx)) {
		*ctx_opened = true;
		v3_chkpt_close_ctx(ctx);
	}
	ret = v3_chkpt_close(c);
	v3_memstore_delete("core-src");
	v3_memstore_delete("core-bad");
	return ret;
}

static void core_corruption_refused(struct kunit *test)
{
	bool opened;

	/* In the first context's data: the context never opens. */
	KUNIT_EXPECT_EQ(test, load_corrupted(test, 200, &opened), -EBADMSG);
	KUNIT_EXPECT_FALSE(test, opened);
	/* In the stream trailer: contexts load, close still refuses. */
	KUNIT_EXPECT_EQ(test, load_corrupted(test, 20, &opened), -EBADMSG);
	KUNIT_EXPECT_TRUE(test, opened);
}

static void core_name_without_nul_refused(struct kunit *test)
{
	u8 p[V3C_CTX_BEGIN_FIXED + 3] = { 0 };
	struct v3_kbuf b = { 0 };
	struct v3c_stream_hdr h;
	struct v3c_writer w;
	struct v3_chkpt *c;

	p[12] = 3;
	memcpy(p + V3C_CTX_BEGIN_FIXED, "cpu", 3);
	v3c_writer_init(&w, v3_kbuf_write, &b);
	v3c_stream_hdr_init(&h, "kunit");
	v3c_writer_start(&w, &h);
	v3c_writer_record(&w, V3C_REC_CTX_BEGIN, 0, p, sizeof(p));
	v3c_writer_end(&w);
	KUNIT_ASSERT_EQ(test, v3_test_put_raw("core-nonul", b.p, b.len), 0);
	kvfree(b.p);
	c = v3_chkpt_open("memory", "core-nonul", V3_CHKPT_MODE_LOAD);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_chkpt_open_ctx(c, "cpu", 0, 0, 9)),
			-EILSEQ);
	/* sticky: the stream is not trusted any more */
	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_chkpt_open_ctx(c, "x", 0, 0, 9)),
			-EILSEQ);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close(c), -EILSEQ);
	v3_memstore_delete("core-nonul");
}

/* A store that takes writes until its budget is spent, then -ENOSPC. */
static size_t fail_budget;
static int fail_closed_commit = -1;

static void *fail_open(const char *url, enum v3_chkpt_mode mode)
{
	return mode == V3_CHKPT_MODE_SAVE ? &fail_budget : ERR_PTR(-EOPNOTSUPP);
}

static int fail_write(void *priv, const void *buf, size_t len)
{
	if (len > fail_budget)
		return -ENOSPC;
	fail_budget -= len;
	return 0;
}

static int fail_close(void *priv, bool commit)
{
	fail_closed_commit = commit;
	return 0;
}

static const struct v3_chkpt_store_ops fail_ops = {
	.open = fail_open,
	.write = fail_write,
	.close = fail_close,
};

static struct v3_chkpt_store fail_store = {
	.name = "kunit_fail",
	.owner = THIS_MODULE,
	.ops = &fail_ops,
};

static void core_store_full_fails_cleanly(struct kunit *test)
{
	static u8 data[8192];
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;

	KUNIT_ASSERT_EQ(test, v3_chkpt_register_store(&fail_store), 0);
	fail_budget = 4096;
	c = v3_chkpt_open("kunit_fail", "x", V3_CHKPT_MODE_SAVE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_ctx(c, "a", 0, 0, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_EXPECT_EQ(test, v3_chkpt_save(ctx, "big", sizeof(data), data),
			-ENOSPC);
	KUNIT_EXPECT_EQ(test, v3_chkpt_save(ctx, "more", 1, data), -ENOSPC);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close_ctx(ctx), -ENOSPC);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close(c), -ENOSPC);
	KUNIT_EXPECT_EQ(test, fail_closed_commit, 0);	/* discarded */
	KUNIT_EXPECT_EQ(test, v3_chkpt_unregister_store(&fail_store), 0);
}

static void core_store_registry(struct kunit *test)
{
	static const struct v3_chkpt_store_ops noops = { .open = fail_open };
	struct v3_chkpt_store bad = { .name = "Bad Name", .ops = &fail_ops };
	struct v3_chkpt_store incomplete = { .name = "incomplete", .ops = &noops };
	struct v3_chkpt_store dup = { .name = "kunit_fail", .ops = &fail_ops };
	struct v3_chkpt *c;

	KUNIT_EXPECT_EQ(test, v3_chkpt_register_store(&bad), -EINVAL);
	KUNIT_EXPECT_EQ(test, v3_chkpt_register_store(&incomplete), -EINVAL);
	KUNIT_ASSERT_EQ(test, v3_chkpt_register_store(&fail_store), 0);
	KUNIT_EXPECT_EQ(test, v3_chkpt_register_store(&dup), -EEXIST);
	fail_budget = 1 << 20;
	c = v3_chkpt_open("kunit_fail", "x", V3_CHKPT_MODE_SAVE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	/* in use: cannot go away */
	KUNIT_EXPECT_EQ(test, v3_chkpt_unregister_store(&fail_store), -EBUSY);
	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_chkpt_open("kunit_fail", "x",
						    V3_CHKPT_MODE_LOAD)),
			-EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close(c), 0);
	KUNIT_EXPECT_EQ(test, fail_closed_commit, 1);
	KUNIT_EXPECT_EQ(test, v3_chkpt_unregister_store(&fail_store), 0);
	KUNIT_EXPECT_EQ(test, v3_chkpt_unregister_store(&fail_store), -ENOENT);
	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_chkpt_open("kunit_fail", "x",
						    V3_CHKPT_MODE_SAVE)),
			-ENODEV);
}

static void core_abort_keeps_previous(struct kunit *test)
{
	struct test_regs regs;
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;

	KUNIT_ASSERT_EQ(test, save_sample("core-keep"), 0);
	c = v3_chkpt_open("memory", "core-keep", V3_CHKPT_MODE_SAVE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_ctx(c, "cpu", 0, 0, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	memset(&regs, 0xee, sizeof(regs));
	KUNIT_EXPECT_EQ(test, V3_CHKPT_SAVE(ctx, "regs", regs), 0);
	v3_chkpt_abort(c);	/* also frees the open context */

	c = v3_chkpt_open("memory", "core-keep", V3_CHKPT_MODE_LOAD);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_ctx(c, "cpu", 0, 0, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_EXPECT_EQ(test, V3_CHKPT_LOAD(ctx, "regs", regs), 0);
	KUNIT_EXPECT_EQ(test, regs.rip, 0xfff0ULL);
	v3_chkpt_close_ctx(ctx);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close(c), 0);
	v3_memstore_delete("core-keep");
}

static struct kunit_case core_cases[] = {
	KUNIT_CASE(core_roundtrip_with_macros),
	KUNIT_CASE(core_fail_label_is_taken),
	KUNIT_CASE(core_one_context_no_reopen),
	KUNIT_CASE(core_skipped_contexts_are_verified),
	KUNIT_CASE(core_load_errors),
	KUNIT_CASE(core_next_ctx_walk),
	KUNIT_CASE(core_corruption_refused),
	KUNIT_CASE(core_name_without_nul_refused),
	KUNIT_CASE(core_store_full_fails_cleanly),
	KUNIT_CASE(core_store_registry),
	KUNIT_CASE(core_abort_keeps_previous),
	{}
};

static struct kunit_suite core_suite = {
	.name = "v3chkpt_core",
	.suite_init = v3_kunit_memstore_init,
	.suite_exit = v3_kunit_memstore_exit,
	.test_cases = core_cases,
};
kunit_test_suite(core_suite);
