// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the RTC, IO-APIC and local APIC models: registers as a guest
 * programs them, save/load round trips through the memory store, and the
 * values a load refuses.
 */
#include <kunit/test.h>
#include <linux/string.h>
#include <v3chkpt/chkpt.h>
#include "helpers.h"
#include "../../kmod/vm/dev.h"

#define IOAPIC_BASE	0xfec00000ULL
#define LAPIC_BASE	0xfee00000ULL

/* One access; returns the io hook's result, the value read in *val. */
static int dev_io(const struct v3_dev_ops *ops, void *state, u64 addr,
		  u8 size, bool write, u64 now, u64 *val)
{
	struct v3_io io = {
		.addr = addr, .val = write ? *val : 0xdeadbeef, .now = now,
		.size = size, .write = write,
	};
	int ret = ops->io(state, &io);

	if (!write)
		*val = io.val;
	return ret;
}

static void wr(struct kunit *test, const struct v3_dev_ops *ops, void *state,
	       u64 addr, u8 size, u64 now, u64 val)
{
	KUNIT_ASSERT_EQ(test, dev_io(ops, state, addr, size, true, now, &val),
			0);
}

static u64 rd(struct kunit *test, const struct v3_dev_ops *ops, void *state,
	      u64 addr, u8 size, u64 now)
{
	u64 val = 0;

	KUNIT_EXPECT_EQ(test, dev_io(ops, state, addr, size, false, now, &val),
			0);
	return val;
}

static void *new_state(struct kunit *test, const struct v3_dev_ops *ops,
		       u32 instance)
{
	void *s = kunit_kzalloc(test, ops->desc->size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	ops->reset(s, instance);
	return s;
}

/* Save @state as context ops->type/@instance in memory:@key. */
static int save_state(const struct v3_dev_ops *ops, const void *state,
		      u32 instance, const char *key)
{
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	int ret;

	c = v3_chkpt_open("memory", key, V3_CHKPT_MODE_SAVE);
	if (IS_ERR(c))
		return PTR_ERR(c);
	ctx = v3_chkpt_open_ctx(c, ops->type, instance, ops->min_version,
				ops->version);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto abort;
	}
	ret = v3_dev_state_save(ops, ctx, state);
	if (ret) {
		v3_chkpt_close_ctx(ctx);
		goto abort;
	}
	ret = v3_chkpt_close_ctx(ctx);
	if (ret)
		goto abort;
	return v3_chkpt_close(c);
abort:
	v3_chkpt_abort(c);
	return ret;
}

/*
 * Load context ops->type/@ctx_instance of memory:@key into the zeroed
 * @state as device @instance; the load's result, with its reason in @err.
 */
static int load_state(const struct v3_dev_ops *ops, void *state,
		      u32 ctx_instance, u32 instance, const char *key,
		      struct v3_vm_err *err)
{
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	int ret;

	memset(state, 0, ops->desc->size);
	c = v3_chkpt_open("memory", key, V3_CHKPT_MODE_LOAD);
	if (IS_ERR(c))
		return PTR_ERR(c);
	ctx = v3_chkpt_open_ctx(c, ops->type, ctx_instance, ops->min_version,
				ops->version);
	if (IS_ERR(ctx)) {
		v3_chkpt_abort(c);
		return PTR_ERR(ctx);
	}
	ret = v3_dev_state_load(ops, ctx, state, instance, err);
	v3_chkpt_close_ctx(ctx);
	if (ret) {
		v3_chkpt_abort(c);
		return ret;
	}
	return v3_chkpt_close(c);
}

/* Save, load into a zeroed buffer, compare every byte. */
static void roundtrip(struct kunit *test, const struct v3_dev_ops *ops,
		      const void *state, u32 instance, const char *key)
{
	struct v3_vm_err err = { 0 };
	void *back = kunit_kzalloc(test, ops->desc->size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, back);
	KUNIT_ASSERT_EQ(test, save_state(ops, state, instance, key), 0);
	KUNIT_EXPECT_EQ(test, load_state(ops, back, instance, instance, key,
					 &err), 0);
	KUNIT_EXPECT_EQ(test, err.code, 0);
	KUNIT_EXPECT_EQ(test, memcmp(state, back, ops->desc->size), 0);
	v3_memstore_delete(key);
}

/* Save @state as it is, expect the load to refuse it naming @field. */
static void refused(struct kunit *test, const struct v3_dev_ops *ops,
		    const void *state, u32 ctx_instance, u32 instance,
		    const char *key, const char *field)
{
	struct v3_vm_err err = { 0 };
	void *back = kunit_kzalloc(test, ops->desc->size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, back);
	KUNIT_ASSERT_EQ(test, save_state(ops, state, ctx_instance, key), 0);
	KUNIT_EXPECT_EQ(test, load_state(ops, back, ctx_instance, instance,
					 key, &err), -ERANGE);
	KUNIT_EXPECT_EQ(test, err.code, -ERANGE);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(err.msg, field),
				  "message \"%s\" does not name %s",
				  err.msg, field);
	v3_memstore_delete(key);
}

/*
 * A context holding only @tag, as a u32: a load fails with @want (the
 * first tag it asks for is missing, or is @tag and has another size).
 */
static void one_tag(struct kunit *test, const struct v3_dev_ops *ops,
		    const char *tag, int want, const char *word,
		    const char *key)
{
	u32 val = 0;
	struct v3_vm_err err = { 0 };
	void *back = kunit_kzalloc(test, ops->desc->size, GFP_KERNEL);
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, back);
	c = v3_chkpt_open("memory", key, V3_CHKPT_MODE_SAVE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_ctx(c, ops->type, 0, ops->min_version,
				ops->version);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	KUNIT_EXPECT_EQ(test, V3_CHKPT_SAVE(ctx, tag, val), 0);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close_ctx(ctx), 0);
	KUNIT_ASSERT_EQ(test, v3_chkpt_close(c), 0);

	KUNIT_EXPECT_EQ(test, load_state(ops, back, 0, 0, key, &err), want);
	KUNIT_EXPECT_EQ(test, err.code, want);
	KUNIT_EXPECT_NOT_NULL(test, strstr(err.msg, ops->type));
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(err.msg, word),
				  "message \"%s\" does not say %s",
				  err.msg, word);
	v3_memstore_delete(key);
}

/* ---- RTC ------------------------------------------------------------ */

static void rtc_set(struct kunit *test, void *s, u8 idx, u8 v, u64 now)
{
	wr(test, &v3_rtc_ops, s, 0x70, 1, now, idx);
	wr(test, &v3_rtc_ops, s, 0x71, 1, now, v);
}

static u8 rtc_get(struct kunit *test, void *s, u8 idx, u64 now)
{
	wr(test, &v3_rtc_ops, s, 0x70, 1, now, idx);
	return rd(test, &v3_rtc_ops, s, 0x71, 1, now);
}

static void rtc_registers(struct kunit *test)
{
	void *s = new_state(test, &v3_rtc_ops, 0);
	u64 val = 0x12;

	/* NVRAM bytes by index; bit 7 of the index is NMI disable */
	rtc_set(test, s, 0x40, 0x5a, 0);
	rtc_set(test, s, 0x80 | 0x7f, 0xa5, 0);
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x40, 0), 0x5a);
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0xff, 0), 0xa5);
	rtc_set(test, s, 0x00, 0x59, 0);	/* seconds: plain byte */
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x00, 0), 0x59);
	/* A: UIP is read-only; D: VRT, read-only */
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x0a, 0), 0x26);
	rtc_set(test, s, 0x0a, 0xa6, 0);
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x0a, 0), 0x26);
	rtc_set(test, s, 0x0d, 0x00, 0);
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x0d, 0), 0x80);
	/* B: SET clears UIE */
	rtc_set(test, s, 0x0b, 0x92, 0);
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x0b, 0), 0x82);
	rtc_set(test, s, 0x0b, 0x42, 0);	/* PIE, 24h */

	/* C: PF after one 1024 Hz period (976563 ns), cleared on read */
	rtc_set(test, s, 0x0a, 0x26, 1000);
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x0c, 500000), 0x00);
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x0c, 1000000), 0xc0);
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x0c, 1000000), 0x00);
	rtc_set(test, s, 0x0c, 0xff, 1000000);	/* read-only */
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x0c, 1000000), 0x00);
	/* without PIE, PF but no IRQF */
	rtc_set(test, s, 0x0b, 0x02, 1000000);
	KUNIT_EXPECT_EQ(test, rtc_get(test, s, 0x0c, 3000000), 0x40);

	/* port 0x70 is write-only; words are not decoded */
	KUNIT_EXPECT_EQ(test, rd(test, &v3_rtc_ops, s, 0x70, 1, 0), 0xffULL);
	KUNIT_EXPECT_EQ(test, dev_io(&v3_rtc_ops, s, 0x71, 2, true, 0, &val),
			-EINVAL);
}

static void rtc_roundtrip(struct kunit *test)
{
	void *s = new_state(test, &v3_rtc_ops, 0);
	int i;

	for (i = 0x0e; i < 0x80; i++)
		rtc_set(test, s, i, i * 7, 0);
	rtc_set(test, s, 0x0b, 0x42, 0);
	/* PF and IRQF latched in C, NMI disabled, index 0x33 */
	rtc_set(test, s, 0x0a, 0x23, 100);
	wr(test, &v3_rtc_ops, s, 0x70, 1, 1000000, 0x80 | 0x33);
	roundtrip(test, &v3_rtc_ops, s, 0, "rtc-rt");
}

static void rtc_refuses(struct kunit *test)
{
	u8 *s = new_state(test, &v3_rtc_ops, 0);
	/* index follows pf_ref (u64) and the NVRAM */
	u8 *index = s + 8 + 128;

	KUNIT_ASSERT_EQ(test, rtc_get(test, s, 0x10, 0), 0);
	KUNIT_ASSERT_EQ(test, *index, 0x10);
	*index = 200;
	refused(test, &v3_rtc_ops, s, 0, 0, "rtc-bad", "index 200");
	*index = 0x10;
	s[8 + 0x0d] = 0x81;	/* register D reserved bit */
	refused(test, &v3_rtc_ops, s, 0, 0, "rtc-bad", "register D");
	one_tag(test, &v3_rtc_ops, "index", -ENOENT, "missing", "rtc-missing");
	one_tag(test, &v3_rtc_ops, "pf_ref", -EMSGSIZE, "wrong size",
		"rtc-short");
}

/* ---- IO-APIC -------------------------------------------------------- */

static void ioapic_set(struct kunit *test, void *s, u32 reg, u32 v)
{
	wr(test, &v3_ioapic_ops, s, IOAPIC_BASE, 4, 0, reg);
	wr(test, &v3_ioapic_ops, s, IOAPIC_BASE + 0x10, 4, 0, v);
}

static u32 ioapic_get(struct kunit *test, void *s, u32 reg)
{
	wr(test, &v3_ioapic_ops, s, IOAPIC_BASE, 4, 0, reg);
	return rd(test, &v3_ioapic_ops, s, IOAPIC_BASE + 0x10, 4, 0);
}

static void ioapic_registers(struct kunit *test)
{
	void *s = new_state(test, &v3_ioapic_ops, 0);
	u64 val = 0;

	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x01), 0x00170011U);
	ioapic_set(test, s, 0x01, 0);		/* read-only */
	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x01), 0x00170011U);
	ioapic_set(test, s, 0x00, 0xff000000);	/* ID: bits 27:24 */
	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x00), 0x0f000000U);
	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x02), 0x0f000000U);

	/* entries power on masked */
	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x10), 0x00010000U);
	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x3e), 0x00010000U);
	/* entry 5: vector 0x35, lowest prio, logical, low, level, unmasked */
	ioapic_set(test, s, 0x10 + 2 * 5, 0x0000a935);
	ioapic_set(test, s, 0x11 + 2 * 5, 0x03ffffff);	/* 55:32 reserved */
	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x10 + 2 * 5), 0x0000a935U);
	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x11 + 2 * 5), 0x03000000U);
	/* status bits 12 and 14 are read-only, 31:17 reserved */
	ioapic_set(test, s, 0x10 + 2 * 5, 0xffff5935);
	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x10 + 2 * 5), 0x00010935U);
	/* a reserved delivery mode is not taken */
	ioapic_set(test, s, 0x10 + 2 * 5, 0x00000335);
	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x10 + 2 * 5), 0x00010935U);
	KUNIT_EXPECT_EQ(test, ioapic_get(test, s, 0x10 + 2 * 4), 0x00010000U);

	/* IOREGSEL reads back; bytes and other offsets are not decoded */
	wr(test, &v3_ioapic_ops, s, IOAPIC_BASE, 4, 0, 0x1234);
	KUNIT_EXPECT_EQ(test, rd(test, &v3_ioapic_ops, s, IOAPIC_BASE, 4, 0),
			0x34ULL);
	KUNIT_EXPECT_EQ(test, dev_io(&v3_ioapic_ops, s, IOAPIC_BASE + 0x10, 1,
				     false, 0, &val), -EINVAL);
	KUNIT_EXPECT_EQ(test, dev_io(&v3_ioapic_ops, s, IOAPIC_BASE + 0x20, 4,
				     false, 0, &val), -EINVAL);
}

static void ioapic_roundtrip(struct kunit *test)
{
	void *s = new_state(test, &v3_ioapic_ops, 0);
	int i;

	ioapic_set(test, s, 0x00, 0x09000000);
	for (i = 0; i < 24; i++) {
		ioapic_set(test, s, 0x10 + 2 * i, 0x20 + i + ((i & 1) << 15));
		ioapic_set(test, s, 0x11 + 2 * i, i << 24);
	}
	wr(test, &v3_ioapic_ops, s, IOAPIC_BASE, 4, 0, 0x2b);
	roundtrip(test, &v3_ioapic_ops, s, 0, "ioapic-rt");
}

static void ioapic_refuses(struct kunit *test)
{
	u64 *s = new_state(test, &v3_ioapic_ops, 0);

	ioapic_set(test, s, 0x10 + 2 * 7, 0x00000131);
	KUNIT_ASSERT_EQ(test, s[7], 0x131ULL);
	s[7] = 0x331;		/* delivery mode 3 */
	refused(test, &v3_ioapic_ops, s, 0, 0, "ioapic-bad", "entry 7");
	s[7] = 0x131 | (1ULL << 40);	/* reserved bit */
	refused(test, &v3_ioapic_ops, s, 0, 0, "ioapic-bad", "entry 7");
	one_tag(test, &v3_ioapic_ops, "id", -ENOENT, "missing",
		"ioapic-missing");
}

/* ---- local APIC ----------------------------------------------------- */

static void lapic_set(struct kunit *test, void *s, u32 off, u64 now, u32 v)
{
	wr(test, &v3_lapic_ops, s, LAPIC_BASE + off, 4, now, v);
}

static u32 lapic_get(struct kunit *test, void *s, u32 off, u64 now)
{
	return rd(test, &v3_lapic_ops, s, LAPIC_BASE + off, 4, now);
}

static void lapic_registers(struct kunit *test)
{
	void *s0 = new_state(test, &v3_lapic_ops, 0);
	void *s = new_state(test, &v3_lapic_ops, 3);
	u64 val = 0;

	/* ID per instance, read-only; power-on values */
	KUNIT_EXPECT_EQ(test, lapic_get(test, s0, 0x20, 0), 0U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x20, 0), 0x03000000U);
	lapic_set(test, s, 0x20, 0, 0x05000000);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x20, 0), 0x03000000U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x30, 0), 0x00050014U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0xe0, 0), 0xffffffffU);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0xf0, 0), 0xffU);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x320, 0), 0x00010000U);
	/* disabled APIC: LVTs stay masked */
	lapic_set(test, s, 0x350, 0, 0x700);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x350, 0), 0x00010700U);
	lapic_set(test, s, 0xf0, 0, 0xfffff1ff);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0xf0, 0), 0x1ffU);

	/* TPR: bits 7:0; PPR follows it */
	lapic_set(test, s, 0x80, 0, 0x12345);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x80, 0), 0x45U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0xa0, 0), 0x45U);

	/* one-shot timer, divide by 2: current count falls with now */
	lapic_set(test, s, 0x3e0, 0, 0xfffffff0);	/* only 0,1,3 kept */
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x3e0, 0), 0U);
	lapic_set(test, s, 0x320, 1000, 0x30);
	lapic_set(test, s, 0x380, 1000, 1000);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x380, 5000), 1000U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x390, 1000), 1000U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x390, 1200), 900U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x390, 2998), 1U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x390, 3000), 0U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x390, 90000), 0U);
	/* 600 left at 2800; divide by 1 from there: 550 at 2850 */
	lapic_set(test, s, 0x380, 2000, 1000);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x390, 2800), 600U);
	lapic_set(test, s, 0x3e0, 2800, 0xb);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x390, 2850), 550U);
	/* periodic wraps: reloads 1000 when it reaches 0 */
	lapic_set(test, s, 0x320, 4000, 0x20030);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x380, 4000), 0U);
	lapic_set(test, s, 0x380, 4000, 1000);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x390, 4999), 1U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x390, 5000), 1000U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x390, 5250), 750U);
	/* reserved timer mode 3 is not taken */
	lapic_set(test, s, 0x320, 6000, 0x60030);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x320, 6000), 0x20030U);

	/* ESR latches errors on write: IPI with illegal vector 5 */
	lapic_set(test, s, 0x300, 0, 0x5);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x280, 0), 0U);
	lapic_set(test, s, 0x280, 0, 0);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x280, 0), 0x20U);
	lapic_set(test, s, 0x280, 0, 0);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x280, 0), 0U);

	/* odd offsets and sizes are not decoded */
	KUNIT_EXPECT_EQ(test, dev_io(&v3_lapic_ops, s, LAPIC_BASE + 0x84, 4,
				     false, 0, &val), -EINVAL);
	KUNIT_EXPECT_EQ(test, dev_io(&v3_lapic_ops, s, LAPIC_BASE + 0x80, 2,
				     false, 0, &val), -EINVAL);
	KUNIT_EXPECT_EQ(test, dev_io(&v3_lapic_ops, s, LAPIC_BASE + 0x400, 4,
				     false, 0, &val), -EINVAL);
}

/* Offsets of the ISR words in the state (after the u64 timer_start). */
#define LAPIC_ST_ISR	2

static void lapic_eoi_ppr(struct kunit *test)
{
	u32 *s = new_state(test, &v3_lapic_ops, 0);

	/* 0x31, 0x85 and 0x8f in service (no delivery path sets them) */
	s[LAPIC_ST_ISR + 1] = BIT(0x31 - 32);
	s[LAPIC_ST_ISR + 4] = BIT(0x85 - 128) | BIT(0x8f - 128);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x140, 0), BIT(5) | BIT(15));
	lapic_set(test, s, 0x80, 0, 0x20);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0xa0, 0), 0x80U);
	lapic_set(test, s, 0x140, 0, 0);	/* ISR is read-only */
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x140, 0), BIT(5) | BIT(15));
	/* EOI retires the highest vector first */
	lapic_set(test, s, 0xb0, 0, 0);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x140, 0), BIT(5));
	lapic_set(test, s, 0xb0, 0, 0);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x140, 0), 0U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x110, 0), BIT(17));
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0xa0, 0), 0x30U);
	lapic_set(test, s, 0xb0, 0, 0);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0x110, 0), 0U);
	KUNIT_EXPECT_EQ(test, lapic_get(test, s, 0xa0, 0), 0x20U);
}

static void lapic_roundtrip(struct kunit *test)
{
	u32 *s = new_state(test, &v3_lapic_ops, 2);

	lapic_set(test, s, 0xf0, 0, 0x1ef);
	lapic_set(test, s, 0x80, 0, 0x40);
	lapic_set(test, s, 0xd0, 0, 0x04000000);
	lapic_set(test, s, 0xe0, 0, 0);
	lapic_set(test, s, 0x310, 0, 0x01000000);
	lapic_set(test, s, 0x300, 0, 0x0000c4f2);
	lapic_set(test, s, 0x350, 0, 0x700);
	lapic_set(test, s, 0x360, 0, 0x400);
	lapic_set(test, s, 0x370, 0, 0xfe);
	lapic_set(test, s, 0x3e0, 0, 0x3);
	lapic_set(test, s, 0x320, 0, 0x200ef);
	lapic_set(test, s, 0x380, 777, 123456);
	lapic_set(test, s, 0x3e0, 99999, 0x8);
	s[LAPIC_ST_ISR + 2] = 0x80000001;
	s[LAPIC_ST_ISR + 8 + 7] = 0x10;		/* TMR */
	s[LAPIC_ST_ISR + 16 + 3] = 0x400;	/* IRR */
	roundtrip(test, &v3_lapic_ops, s, 2, "lapic-rt");
}

static void lapic_refuses(struct kunit *test)
{
	void *s = new_state(test, &v3_lapic_ops, 1);
	u32 *dcr = (u32 *)((u8 *)s + v3_lapic_ops.desc->size - 4);

	/* a LAPIC saved for vCPU 1 loaded into vCPU 2 */
	refused(test, &v3_lapic_ops, s, 1, 2, "lapic-bad", "id 0x1000000");
	/* divide config bit 2 is reserved */
	lapic_set(test, s, 0x3e0, 0, 0xb);
	KUNIT_ASSERT_EQ(test, *dcr, 0xbU);
	*dcr = 0x4;
	refused(test, &v3_lapic_ops, s, 1, 1, "lapic-bad",
		"timer_dcr 0x4 has bits outside 0xb");
	/* and the same state with a good value loads */
	*dcr = 0x3;
	roundtrip(test, &v3_lapic_ops, s, 1, "lapic-good");
	one_tag(test, &v3_lapic_ops, "tpr", -ENOENT, "missing",
		"lapic-missing");
}

static struct kunit_case rtc_apic_cases[] = {
	KUNIT_CASE(rtc_registers),
	KUNIT_CASE(rtc_roundtrip),
	KUNIT_CASE(rtc_refuses),
	KUNIT_CASE(ioapic_registers),
	KUNIT_CASE(ioapic_roundtrip),
	KUNIT_CASE(ioapic_refuses),
	KUNIT_CASE(lapic_registers),
	KUNIT_CASE(lapic_eoi_ppr),
	KUNIT_CASE(lapic_roundtrip),
	KUNIT_CASE(lapic_refuses),
	{}
};

static struct kunit_suite rtc_apic_suite = {
	.name = "v3chkpt_rtc_apic",
	.suite_init = v3_kunit_memstore_init,
	.suite_exit = v3_kunit_memstore_exit,
	.test_cases = rtc_apic_cases,
};
kunit_test_suite(rtc_apic_suite);
