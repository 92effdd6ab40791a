// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: state descriptions (vmstate.c).  Every device's description
 * covers its struct byte for byte (so its digest is the struct's bytes,
 * as before descriptions), bounds and checks name the field that failed,
 * arrays of structs are tagged per element, and a field added in a later
 * version stays zero when an older state is loaded.
 */
#include <kunit/test.h>
#include <linux/string.h>
#include <linux/xxhash.h>
#include "helpers.h"
#include "../../kmod/vm/dev.h"

static const struct v3_dev_ops * const all_devs[] = {
	&v3_pit_ops, &v3_pic_ops, &v3_uart_ops, &v3_rtc_ops, &v3_ioapic_ops,
	&v3_lapic_ops,
};

static void devices_described_whole(struct kunit *test)
{
	struct xxh64_state st;
	unsigned int i;
	u8 *s;

	for (i = 0; i < ARRAY_SIZE(all_devs); i++) {
		const struct v3_dev_ops *ops = all_devs[i];

		KUNIT_EXPECT_EQ_MSG(test, v3_state_desc_valid(ops->desc, true),
				    0, "%s", ops->type);
		s = kunit_kzalloc(test, ops->desc->size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
		ops->reset(s, 0);
		/* the digest by fields is the digest of the bytes */
		xxh64_reset(&st, 0);
		v3_state_digest(&st, ops->desc, s);
		KUNIT_EXPECT_EQ_MSG(test, xxh64_digest(&st),
				    xxh64(s, ops->desc->size, 0), "%s",
				    ops->type);
	}
}

/* A made-up device: a version 2 field, an array of elements, bounds. */
struct vt_elem {
	u8 mode;
	u8 flags;
	u16 pad;
};

struct vt_state {
	u32 a;
	u32 b;			/* since version 2 */
	struct vt_elem el[2];
};

static int vt_elem_check(const void *state, const struct v3_state_where *w,
			 struct v3_vm_err *err)
{
	const struct vt_elem *e = state;

	if (e->mode == 2 && e->flags)
		return v3_vm_fail(err, -ERANGE, "%sflags %#x in mode 2",
				  w->prefix, e->flags);
	return 0;
}

static const struct v3_state_field vt_elem_fields[] = {
	V3_STATE_MAX(struct vt_elem, mode, 3),
	V3_STATE_BITS(struct vt_elem, flags, 0x0f),
	V3_STATE_PAD(struct vt_elem, pad),
};

static const struct v3_state_desc vt_elem_desc =
	V3_STATE_DESC(struct vt_elem, vt_elem_fields, vt_elem_check);

static const struct v3_state_field vt_fields[] = {
	V3_STATE_RANGE(struct vt_state, a, 10, 20),
	V3_STATE_BLOB_SINCE(struct vt_state, b, 2),
	V3_STATE_STRUCTS(struct vt_state, el, &vt_elem_desc, NULL),
};

static const struct v3_state_desc vt_desc =
	V3_STATE_DESC(struct vt_state, vt_fields, NULL);

/* Save @s with the description at @version; return the load's result. */
static int vt_roundtrip(struct kunit *test, const struct vt_state *s,
			u32 version, struct vt_state *back,
			struct v3_vm_err *err)
{
	struct v3_state_where w = { .prefix = "vt0: ", .version = version };
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	int ret;

	c = v3_chkpt_open("memory", "vt", V3_CHKPT_MODE_SAVE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_ctx(c, "vt", 0, version, version);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	if (version >= 2) {
		KUNIT_EXPECT_EQ(test, v3_state_save(ctx, &vt_desc, s), 0);
	} else {
		/* what a version 1 model wrote: no "b" */
		KUNIT_EXPECT_EQ(test, V3_CHKPT_SAVE(ctx, "a", s->a), 0);
		KUNIT_EXPECT_EQ(test, V3_CHKPT_SAVE(ctx, "el0.mode",
						    s->el[0].mode), 0);
		KUNIT_EXPECT_EQ(test, V3_CHKPT_SAVE(ctx, "el0.flags",
						    s->el[0].flags), 0);
		KUNIT_EXPECT_EQ(test, V3_CHKPT_SAVE(ctx, "el1.mode",
						    s->el[1].mode), 0);
		KUNIT_EXPECT_EQ(test, V3_CHKPT_SAVE(ctx, "el1.flags",
						    s->el[1].flags), 0);
	}
	KUNIT_EXPECT_EQ(test, v3_chkpt_close_ctx(ctx), 0);
	KUNIT_ASSERT_EQ(test, v3_chkpt_close(c), 0);

	memset(back, 0, sizeof(*back));
	c = v3_chkpt_open("memory", "vt", V3_CHKPT_MODE_LOAD);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_ctx(c, "vt", 0, 1, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	ret = v3_state_load(ctx, &vt_desc, back, &w, err);
	v3_chkpt_close_ctx(ctx);
	v3_chkpt_abort(c);
	v3_memstore_delete("vt");
	return ret;
}

static void described_roundtrip_and_versions(struct kunit *test)
{
	struct vt_state s = { .a = 12, .b = 0xb0b, .el = { { 1, 3 }, { 2 } } };
	struct v3_vm_err err = { 0 };
	struct vt_state back;

	KUNIT_EXPECT_EQ(test, v3_state_desc_valid(&vt_desc, true), 0);
	KUNIT_EXPECT_EQ(test, vt_roundtrip(test, &s, 2, &back, &err), 0);
	KUNIT_EXPECT_EQ(test, memcmp(&s, &back, sizeof(s)), 0);
	/* a version 1 state has no "b": it loads, and b stays 0 */
	KUNIT_EXPECT_EQ(test, vt_roundtrip(test, &s, 1, &back, &err), 0);
	KUNIT_EXPECT_EQ(test, back.a, 12U);
	KUNIT_EXPECT_EQ(test, back.b, 0U);
	KUNIT_EXPECT_EQ(test, back.el[0].flags, 3);
	KUNIT_EXPECT_EQ(test, err.code, 0);
}

static void described_bounds_name_the_field(struct kunit *test)
{
	static const struct {
		struct vt_state s;
		const char *msg;
	} bad[] = {
		{ { .a = 9 }, "vt0: a 9 not 10..20" },
		{ { .a = 21 }, "vt0: a 21 not 10..20" },
		{ { .a = 10, .el = { { 0 }, { 4 } } }, "vt0: el1.mode 4 > 3" },
		{ { .a = 10, .el = { { 0, 0x10 } } },
		  "vt0: el0.flags 0x10 has bits outside 0xf" },
		/* the element's own check, named by its element */
		{ { .a = 10, .el = { { 0 }, { 2, 1 } } },
		  "vt0: el1.flags 0x1 in mode 2" },
	};
	struct vt_state back;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct v3_vm_err err = { 0 };

		KUNIT_EXPECT_EQ(test, vt_roundtrip(test, &bad[i].s, 2, &back,
						   &err), -ERANGE);
		KUNIT_EXPECT_STREQ(test, err.msg, bad[i].msg);
	}
}

/* Descriptions that would not save what they claim are refused. */
static void bad_descriptions_refused(struct kunit *test)
{
	static const struct v3_state_field gap[] = {
		V3_STATE_BLOB(struct vt_state, b),
	};
	static const struct v3_state_field overlap[] = {
		V3_STATE_BLOB(struct vt_state, b),
		V3_STATE_BLOB(struct vt_state, a),
	};
	/* the fields of a larger struct */
	static const struct v3_state_field outside[] = {
		V3_STATE_BLOB(struct vt_state, a),
		V3_STATE_BLOB(struct vt_state, b),
	};
	const struct v3_state_desc g = V3_STATE_DESC(struct vt_state, gap,
						     NULL);
	const struct v3_state_desc o = V3_STATE_DESC(struct vt_state, overlap,
						     NULL);
	const struct v3_state_desc out = V3_STATE_DESC(struct vt_elem, outside,
						       NULL);

	KUNIT_EXPECT_EQ(test, v3_state_desc_valid(&g, false), 0);
	KUNIT_EXPECT_EQ(test, v3_state_desc_valid(&g, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, v3_state_desc_valid(&o, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, v3_state_desc_valid(&out, false), -EINVAL);
}

static struct kunit_case vmstate_cases[] = {
	KUNIT_CASE(devices_described_whole),
	KUNIT_CASE(described_roundtrip_and_versions),
	KUNIT_CASE(described_bounds_name_the_field),
	KUNIT_CASE(bad_descriptions_refused),
	{}
};

static struct kunit_suite vmstate_suite = {
	.name = "v3chkpt_vmstate",
	.suite_init = v3_kunit_memstore_init,
	.suite_exit = v3_kunit_memstore_exit,
	.test_cases = vmstate_cases,
};
kunit_test_suite(vmstate_suite);
