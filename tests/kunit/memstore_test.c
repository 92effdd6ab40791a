// SPDX-License-Identifier: GPL-2.0
/* KUnit: the memory store and the page buffer under it. */
#include <kunit/test.h>
#include "helpers.h"
#include "../../kmod/pagebuf.h"

static void pagebuf_offsets(struct kunit *test)
{
	struct v3_pagebuf *pb = v3_pagebuf_alloc();
	size_t len = 3 * PAGE_SIZE + 123, i;
	u8 *src, *dst;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, pb);
	src = kunit_kmalloc(test, len, GFP_KERNEL);
	dst = kunit_kzalloc(test, len, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, src);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dst);
	for (i = 0; i < len; i++)
		src[i] = i ^ (i >> 8);
	/* odd-sized appends straddle page boundaries */
	KUNIT_ASSERT_EQ(test, v3_pagebuf_append(pb, src, 1000), 0);
	KUNIT_ASSERT_EQ(test, v3_pagebuf_append(pb, src + 1000, len - 1000), 0);
	KUNIT_EXPECT_EQ(test, pb->size, (u64)len);
	KUNIT_EXPECT_EQ(test, v3_pagebuf_read(pb, 0, dst, len), len);
	KUNIT_EXPECT_EQ(test, memcmp(src, dst, len), 0);
	KUNIT_EXPECT_EQ(test, v3_pagebuf_read(pb, PAGE_SIZE - 7, dst, 20), 20UL);
	KUNIT_EXPECT_EQ(test, memcmp(src + PAGE_SIZE - 7, dst, 20), 0);
	/* reads stop at the end, never past it */
	KUNIT_EXPECT_EQ(test, v3_pagebuf_read(pb, len - 5, dst, 100), 5UL);
	KUNIT_EXPECT_EQ(test, v3_pagebuf_read(pb, len, dst, 100), 0UL);
	KUNIT_EXPECT_EQ(test, v3_pagebuf_read(pb, U64_MAX, dst, 100), 0UL);
	v3_pagebuf_put(pb);
}

static int put(const char *key, const char *text, bool commit)
{
	void *p = v3_memstore.ops->open(key, V3_CHKPT_MODE_SAVE);
	int ret;

	if (IS_ERR(p))
		return PTR_ERR(p);
	ret = v3_memstore.ops->write(p, text, strlen(text));
	v3_memstore.ops->close(p, commit && !ret);
	return ret;
}

static void memstore_commit_and_abort(struct kunit *test)
{
	struct v3_kbuf b = { 0 };

	KUNIT_ASSERT_EQ(test, put("ms-a", "first", true), 0);
	KUNIT_ASSERT_EQ(test, put("ms-a", "aborted", false), 0);
	KUNIT_ASSERT_EQ(test, v3_test_get_raw("ms-a", &b), 0);
	KUNIT_EXPECT_EQ(test, b.len, 5UL);
	KUNIT_EXPECT_EQ(test, memcmp(b.p, "first", 5), 0);
	kvfree(b.p);
	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_memstore.ops->open("ms-never",
							    V3_CHKPT_MODE_LOAD)),
			-ENOENT);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("ms-a"), 0);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("ms-a"), -ENOENT);
}

static void memstore_reader_survives_replace_and_delete(struct kunit *test)
{
	char buf[16] = { 0 };
	void *r;

	KUNIT_ASSERT_EQ(test, put("ms-r", "old-data", true), 0);
	r = v3_memstore.ops->open("ms-r", V3_CHKPT_MODE_LOAD);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, r);
	KUNIT_ASSERT_EQ(test, put("ms-r", "new-data", true), 0);
	KUNIT_ASSERT_EQ(test, v3_memstore_delete("ms-r"), 0);
	KUNIT_EXPECT_EQ(test, v3_memstore.ops->read(r, buf, sizeof(buf)), 8L);
	KUNIT_EXPECT_STREQ(test, buf, "old-data");
	v3_memstore.ops->close(r, true);
}

static void memstore_list(struct kunit *test)
{
	struct v3_memstore_info info[4];
	int n, i, found = 0;

	KUNIT_ASSERT_EQ(test, put("ms-l1", "12345", true), 0);
	KUNIT_ASSERT_EQ(test, put("ms-l2", "1234567", true), 0);
	n = v3_memstore_list(info, ARRAY_SIZE(info));
	KUNIT_EXPECT_EQ(test, n, 2);
	for (i = 0; i < min(n, 4); i++)
		if (!strcmp(info[i].name, "ms-l2") && info[i].bytes == 7)
			found++;
	KUNIT_EXPECT_EQ(test, found, 1);
	KUNIT_EXPECT_EQ(test, v3_memstore_list(info, 1), 2);	/* total */
	v3_memstore_delete("ms-l1");
	v3_memstore_delete("ms-l2");
}

static void memstore_keys(struct kunit *test)
{
	char longkey[200];

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	KUNIT_EXPECT_EQ(test, put("../etc", "x", true), -EINVAL);
	KUNIT_EXPECT_EQ(test, put("", "x", true), -EINVAL);
	KUNIT_EXPECT_EQ(test, put("a b", "x", true), -EINVAL);
	KUNIT_EXPECT_EQ(test, put(longkey, "x", true), -ENAMETOOLONG);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("../x"), -EINVAL);
	KUNIT_EXPECT_EQ(test, v3_memstore_list(NULL, 0), 0);
}

static struct kunit_case memstore_cases[] = {
	KUNIT_CASE(pagebuf_offsets),
	KUNIT_CASE(memstore_commit_and_abort),
	KUNIT_CASE(memstore_reader_survives_replace_and_delete),
	KUNIT_CASE(memstore_list),
	KUNIT_CASE(memstore_keys),
	{}
};

static struct kunit_suite memstore_suite = {
	.name = "v3chkpt_memstore",
	.suite_init = v3_kunit_memstore_init,
	.suite_exit = v3_kunit_memstore_exit,
	.test_cases = memstore_cases,
};
kunit_test_suite(memstore_suite);
