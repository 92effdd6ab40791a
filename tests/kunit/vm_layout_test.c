// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: a VM checkpoint's layout must match its configuration.  Real
 * saved streams are rewritten through the codec with one blob changed and
 * every checksum recomputed, so each reaches the VM loader: a stream whose
 * configuration names fewer vCPUs than it carries state for is refused
 * (ERANGE, naming the context), not silently cut down, and the target is
 * left as it was.
 */
#include <kunit/test.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "helpers.h"
#include "../../kmod/vm/vm.h"
#include "vm_helpers.h"

/* Replace blob @tag of context @ctx#0 with @len bytes of @val. */
struct layout_edit {
	const char *ctx, *tag;
	const void *val;
	size_t len;
};

/* Copy memory checkpoint @src to @dst through the codec, applying @e. */
static int layout_rewrite(const char *src, const char *dst,
			  const struct layout_edit *e)
{
	struct v3_kbuf in = { 0 }, out = { 0 };
	struct v3c_reader *r;
	struct v3c_writer w;
	bool edit = false;
	void *data = NULL;
	int item, ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	ret = v3_test_get_raw(src, &in);
	if (ret)
		goto out;
	v3c_reader_init(r, v3_kbuf_read, &in);
	v3c_writer_init(&w, v3_kbuf_write, &out);
	ret = v3c_reader_start(r) ?: v3c_writer_start(&w, &r->hdr);
	while (!ret) {
		item = v3c_reader_next(r);
		if (item < 0) {
			ret = item;
			break;
		}
		switch (item) {
		case V3C_ITEM_CTX_BEGIN:
			edit = e && !r->ctx.instance && !strcmp(r->ctx.name, e->ctx);
			ret = v3c_writer_ctx_begin(&w, r->ctx.name, r->ctx.instance,
						   r->ctx.version, r->ctx.flags);
			break;
		case V3C_ITEM_BLOB: {
			const void *p;
			u64 len = r->data_len;

			kvfree(data);
			data = kvmalloc(max_t(u64, len, 1), GFP_KERNEL);
			if (!data) {
				ret = -ENOMEM;
				break;
			}
			ret = v3c_reader_data(r, data, len);
			p = data;
			if (edit && !strcmp(r->tag, e->tag)) {
				p = e->val;
				len = e->len;
			}
			ret = ret ?: v3c_writer_blob_begin(&w, r->tag, len) ?:
			      v3c_writer_data(&w, p, len);
			break;
		}
		case V3C_ITEM_CTX_END:
			ret = v3c_writer_ctx_end(&w);
			break;
		case V3C_ITEM_END:
			ret = v3c_writer_end(&w) ?:
			      v3_test_put_raw(dst, out.p, out.len);
			goto out;
		default:
			ret = -EINVAL;	/* VM streams hold nothing else */
		}
	}
out:
	kvfree(data);
	kvfree(in.p);
	kvfree(out.p);
	kfree(r);
	return ret;
}

/* The rewriter itself: with no edit, the copy loads to the same digest. */
static void layout_rewrite_unchanged_loads(struct kunit *test)
{
	struct v3_vm *a = v3_kunit_vm(test, "kunit-la", 64ULL << 20, 2);
	struct v3_vm_err *err = kunit_kzalloc(test, sizeof(*err), GFP_KERNEL);
	struct v3chkpt_vm_digest da, db;
	struct v3_vm *b;
	u32 opts;

	KUNIT_ASSERT_NOT_NULL(test, err);
	KUNIT_ASSERT_EQ(test, v3_vm_step(a, 20), 0);
	KUNIT_ASSERT_EQ(test, v3_vm_save(a, "memory", "kunit-l", 0, err), 0);
	KUNIT_ASSERT_EQ(test, layout_rewrite("kunit-l", "kunit-l-copy", NULL), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-lb", "memory", "kunit-l-copy",
					 V3CHKPT_VM_LOAD_CREATE, &opts, err), 0);
	b = v3_vm_get("kunit-lb");
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	KUNIT_ASSERT_EQ(test, v3_vm_digest(a, &da), 0);
	KUNIT_ASSERT_EQ(test, v3_vm_digest(b, &db), 0);
	KUNIT_EXPECT_EQ(test, da.total, db.total);
	v3_vm_put(b);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-la"), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-lb"), 0);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("kunit-l"), 0);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("kunit-l-copy"), 0);
}

/* A 2-vCPU VM's stream relabelled as 1 vCPU: vcpu1's state has no place. */
static void layout_fewer_vcpus_than_state(struct kunit *test)
{
	struct v3_vm *a = v3_kunit_vm(test, "kunit-la", 64ULL << 20, 2);
	struct v3_vm *t = v3_kunit_vm(test, "kunit-lt", 64ULL << 20, 1);
	struct v3_vm_err *err = kunit_kzalloc(test, sizeof(*err), GFP_KERNEL);
	const u32 one = 1;
	const struct layout_edit e = { "vm", "vcpus", &one, sizeof(one) };
	struct v3chkpt_vm_digest d0, d1;
	u32 opts;

	KUNIT_ASSERT_NOT_NULL(test, err);
	KUNIT_ASSERT_EQ(test, v3_vm_step(a, 20), 0);
	KUNIT_ASSERT_EQ(test, v3_vm_step(t, 5), 0);
	KUNIT_ASSERT_EQ(test, v3_vm_save(a, "memory", "kunit-l", 0, err), 0);
	KUNIT_ASSERT_EQ(test, layout_rewrite("kunit-l", "kunit-l1", &e), 0);

	KUNIT_ASSERT_EQ(test, v3_vm_digest(t, &d0), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-lt", "memory", "kunit-l1", 0,
					 &opts, err), -ERANGE);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(err->msg, "core#1"), "%s",
				  err->msg);
	KUNIT_ASSERT_EQ(test, v3_vm_digest(t, &d1), 0);
	KUNIT_EXPECT_EQ(test, d0.total, d1.total);

	memset(err, 0, sizeof(*err));
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-ln", "memory", "kunit-l1",
					 V3CHKPT_VM_LOAD_CREATE, &opts, err),
			-ERANGE);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(err->msg, "core#1"), "%s",
				  err->msg);
	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_vm_get("kunit-ln")), -ENOENT);

	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-la"), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-lt"), 0);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("kunit-l"), 0);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("kunit-l1"), 0);
}

/*
 * A configuration create would refuse: ERANGE with the check's own reason,
 * and a caller without an error record (err NULL) is fine too.
 */
static void layout_config_refused(struct kunit *test)
{
	struct v3_vm *a = v3_kunit_vm(test, "kunit-la", 64ULL << 20, 1);
	struct v3_vm_err *err = kunit_kzalloc(test, sizeof(*err), GFP_KERNEL);
	const u32 pct = 101;
	const struct layout_edit e = { "vm", "wl.write_pct", &pct, sizeof(pct) };
	u32 opts;

	KUNIT_ASSERT_NOT_NULL(test, err);
	KUNIT_ASSERT_EQ(test, v3_vm_save(a, "memory", "kunit-l", 0, err), 0);
	KUNIT_ASSERT_EQ(test, layout_rewrite("kunit-l", "kunit-lp", &e), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-ln", "memory", "kunit-lp",
					 V3CHKPT_VM_LOAD_CREATE, &opts, NULL),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-ln", "memory", "kunit-lp",
					 V3CHKPT_VM_LOAD_CREATE, &opts, err),
			-ERANGE);
	KUNIT_EXPECT_EQ(test, err->code, -ERANGE);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(err->msg, "write percentage 101"),
				  "%s", err->msg);
	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_vm_get("kunit-ln")), -ENOENT);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-la"), 0);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("kunit-l"), 0);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("kunit-lp"), 0);
}

static struct kunit_case layout_cases[] = {
	KUNIT_CASE(layout_config_refused),
	KUNIT_CASE(layout_rewrite_unchanged_loads),
	KUNIT_CASE(layout_fewer_vcpus_than_state),
	{}
};

static struct kunit_suite layout_suite = {
	.name = "v3chkpt_vm_layout",
	.suite_init = v3_kunit_memstore_init,
	.suite_exit = v3_kunit_memstore_exit,
	.test_cases = layout_cases,
};
kunit_test_suite(layout_suite);
