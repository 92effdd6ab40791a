// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the dir store through the core API, on the KASAN + lockdep
 * kernel, so its VFS calls (mkdir, exchange-rename, unlink, rmdir under
 * the parent's lock) run with lock checking.  Behaviour with whole VMs,
 * damage and full disks is in tests/selftests/store_test.c.
 */
#include <kunit/test.h>
#include <linux/namei.h>
#include "helpers.h"
#include "../../stores/dir.h"

#define KD_PATH	"/tmp/kunit-dir-ck"

/* A checkpoint of @nctx contexts "kd"#i, each with blob "v" = @val#i. */
static int kd_save(const char *path, const char *val, u32 nctx, u32 abort_at)
{
	struct v3_chkpt *c = v3_chkpt_open("dir", path, V3_CHKPT_MODE_SAVE);
	struct v3_chkpt_ctx *ctx;
	char buf[32];
	u32 i;
	int ret;

	if (IS_ERR(c))
		return PTR_ERR(c);
	for (i = 0; i < nctx; i++) {
		if (i == abort_at) {
			v3_chkpt_abort(c);
			return 0;
		}
		ctx = v3_chkpt_open_ctx(c, "kd", i, 1, 1);
		if (IS_ERR(ctx)) {
			v3_chkpt_abort(c);
			return PTR_ERR(ctx);
		}
		snprintf(buf, sizeof(buf), "%s#%u", val, i);
		ret = v3_chkpt_save(ctx, "v", sizeof(buf), buf);
		if (!ret)
			ret = v3_chkpt_close_ctx(ctx);
		if (ret) {
			v3_chkpt_abort(c);
			return ret;
		}
	}
	return v3_chkpt_close(c);
}

/* Load every context; 0 if there are exactly @nctx, each "@val#i". */
static int kd_check(const char *path, const char *val, u32 nctx)
{
	struct v3_chkpt *c = v3_chkpt_open("dir", path, V3_CHKPT_MODE_LOAD);
	struct v3_chkpt_ctx *ctx;
	char buf[32], want[32];
	u32 i;
	int ret = 0;

	if (IS_ERR(c))
		return PTR_ERR(c);
	for (i = 0; !ret; i++) {
		ctx = v3_chkpt_open_next_ctx(c);
		if (IS_ERR(ctx)) {
			ret = PTR_ERR(ctx) == -ENOENT && i == nctx ? 0 : -EBADMSG;
			break;
		}
		snprintf(want, sizeof(want), "%s#%u", val, i);
		ret = v3_chkpt_load(ctx, "v", sizeof(buf), buf);
		if (!ret && (v3_chkpt_ctx_instance(ctx) != i || strcmp(buf, want)))
			ret = -EBADMSG;
		v3_chkpt_close_ctx(ctx);
	}
	if (ret) {
		v3_chkpt_abort(c);
		return ret;
	}
	return v3_chkpt_close(c);
}

static bool kd_exists(const char *path)
{
	struct path p;

	if (kern_path(path, 0, &p))
		return false;
	path_put(&p);
	return true;
}

static void dir_save_replace_load(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, kd_save(KD_PATH, "one", 3, U32_MAX), 0);
	KUNIT_EXPECT_EQ(test, kd_check(KD_PATH, "one", 3), 0);
	/* the replacement has fewer contexts: none of the old may remain */
	KUNIT_ASSERT_EQ(test, kd_save(KD_PATH, "two", 2, U32_MAX), 0);
	KUNIT_EXPECT_EQ(test, kd_check(KD_PATH, "two", 2), 0);
	KUNIT_EXPECT_FALSE(test, kd_exists(KD_PATH "/00002.ctx"));
	KUNIT_EXPECT_TRUE(test, kd_exists(KD_PATH "/MANIFEST"));
}

static void dir_abort_keeps_previous(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, kd_save(KD_PATH "-ab", "keep", 2, U32_MAX), 0);
	/* abandoned after one context (the path a killed saver takes) */
	KUNIT_ASSERT_EQ(test, kd_save(KD_PATH "-ab", "lost", 3, 1), 0);
	KUNIT_EXPECT_EQ(test, kd_check(KD_PATH "-ab", "keep", 2), 0);
	/* abandoned before any context */
	KUNIT_ASSERT_EQ(test, kd_save(KD_PATH "-ab", "lost", 3, 0), 0);
	KUNIT_EXPECT_EQ(test, kd_check(KD_PATH "-ab", "keep", 2), 0);
}

static void dir_refusals(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, kd_check("/tmp/kunit-dir-none", "x", 1), -ENOENT);
	KUNIT_EXPECT_FALSE(test, kd_exists("/tmp/kunit-dir-none"));
	KUNIT_EXPECT_EQ(test, kd_save("tmp/relative", "x", 1, U32_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, kd_save("/tmp/../tmp/x", "x", 1, U32_MAX), -EINVAL);
	KUNIT_EXPECT_EQ(test, kd_save("/tmp/no/such/dir", "x", 1, U32_MAX), -ENOENT);
	/* /tmp is a directory but not a checkpoint: never replaced */
	KUNIT_EXPECT_EQ(test, kd_save("/tmp", "x", 1, U32_MAX), -EEXIST);
}

static struct kunit_case dirstore_cases[] = {
	KUNIT_CASE(dir_save_replace_load),
	KUNIT_CASE(dir_abort_keeps_previous),
	KUNIT_CASE(dir_refusals),
	{}
};

static struct kunit_suite dirstore_suite = {
	.name = "v3chkpt_dirstore",
	.test_cases = dirstore_cases,
};
kunit_test_suite(dirstore_suite);
