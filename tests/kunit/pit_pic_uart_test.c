// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the 8254 PIT, the 8259A pair and the 16550A UART models: their
 * registers through port I/O, save/load through the memory store, and
 * what load refuses.
 */
#include <kunit/test.h>
#include <linux/prandom.h>
#include <linux/string.h>
#include <v3chkpt/chkpt.h>
#include "helpers.h"
#include "../../kmod/vm/dev.h"
#include "../../kmod/vm/dev_pit.h"
#include "../../kmod/vm/dev_pic.h"
#include "../../kmod/vm/dev_uart.h"

#define GUARD		64	/* bytes each side of a staging buffer */
#define GUARD_BYTE	0xa5

static void wr(struct kunit *test, const struct v3_dev_ops *ops, void *s,
	       u64 port, u8 val, u64 now)
{
	struct v3_io io = {
		.addr = port, .val = val, .now = now, .size = 1, .write = true,
	};

	KUNIT_EXPECT_EQ_MSG(test, ops->io(s, &io), 0, "write %#llx", port);
}

static u8 rd(struct kunit *test, const struct v3_dev_ops *ops, void *s,
	     u64 port, u64 now)
{
	struct v3_io io = { .addr = port, .val = ~0ULL, .now = now, .size = 1 };

	KUNIT_EXPECT_EQ_MSG(test, ops->io(s, &io), 0, "read %#llx", port);
	KUNIT_EXPECT_EQ_MSG(test, io.val >> 8, 0ULL, "read %#llx", port);
	return io.val;
}

static int io_rc(const struct v3_dev_ops *ops, void *s, u64 port, u8 size,
		 bool write)
{
	struct v3_io io = { .addr = port, .size = size, .write = write };

	return ops->io(s, &io);
}

static void *dev_alloc(struct kunit *test, const struct v3_dev_ops *ops)
{
	void *s = kunit_kzalloc(test, ops->desc->size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, s);
	ops->reset(s, 0);
	return s;
}

/* A zeroed staging buffer between two guard areas. */
static u8 *stage_alloc(struct kunit *test, size_t size)
{
	u8 *b = kunit_kmalloc(test, size + 2 * GUARD, GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	memset(b, GUARD_BYTE, size + 2 * GUARD);
	memset(b + GUARD, 0, size);
	return b + GUARD;
}

static bool stage_guards_intact(const u8 *st, size_t size)
{
	int i;

	for (i = 0; i < GUARD; i++)
		if (st[-1 - i] != GUARD_BYTE || st[size + i] != GUARD_BYTE)
			return false;
	return true;
}

/* Save @state as instance 0 of @ops into memory:@key. */
static int dev_save(const struct v3_dev_ops *ops, const char *key,
		    const void *state)
{
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	int ret;

	c = v3_chkpt_open("memory", key, V3_CHKPT_MODE_SAVE);
	if (IS_ERR(c))
		return PTR_ERR(c);
	ctx = v3_chkpt_open_ctx(c, ops->type, 0, ops->min_version,
				ops->version);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto abort;
	}
	ret = v3_dev_state_save(ops, ctx, state);
	if (ret)
		goto abort;
	ret = v3_chkpt_close_ctx(ctx);
	if (ret)
		goto abort;
	return v3_chkpt_close(c);
abort:
	v3_chkpt_abort(c);
	return ret;
}

/* Load instance 0 of @ops from memory:@key into the zeroed @state. */
static int dev_load(const struct v3_dev_ops *ops, const char *key,
		    void *state, struct v3_vm_err *err)
{
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	int ret;

	c = v3_chkpt_open("memory", key, V3_CHKPT_MODE_LOAD);
	if (IS_ERR(c))
		return PTR_ERR(c);
	ctx = v3_chkpt_open_ctx(c, ops->type, 0, ops->min_version,
				ops->version);
	if (IS_ERR(ctx)) {
		v3_chkpt_abort(c);
		return PTR_ERR(ctx);
	}
	ret = v3_dev_state_load(ops, ctx, state, 0, err);
	v3_chkpt_close_ctx(ctx);
	if (ret) {
		v3_chkpt_abort(c);
		return ret;
	}
	return v3_chkpt_close(c);
}

/* Save @state, load it into a staging buffer: the same bytes come back. */
static void *roundtrip(struct kunit *test, const struct v3_dev_ops *ops,
		       const void *state, const char *key)
{
	struct v3_vm_err err = { 0 };
	u8 *st = stage_alloc(test, ops->desc->size);

	KUNIT_ASSERT_EQ(test, dev_save(ops, key, state), 0);
	KUNIT_EXPECT_EQ(test, dev_load(ops, key, st, &err), 0);
	KUNIT_EXPECT_EQ_MSG(test, err.code, 0, "%s", err.msg);
	KUNIT_EXPECT_EQ(test, memcmp(st, state, ops->desc->size), 0);
	KUNIT_EXPECT_TRUE(test, stage_guards_intact(st, ops->desc->size));
	KUNIT_EXPECT_EQ(test, v3_memstore_delete(key), 0);
	return st;
}

/* One or two fields of a valid state set to what the model never holds. */
struct corruption {
	const char *what;	/* expected in the failure message */
	size_t off[2];
	u8 size[2];		/* 0: no second field */
	u64 val[2];
};

#define BAD1(w, type, f, v) \
	{ .what = w, .off = { offsetof(type, f) }, \
	  .size = { sizeof_field(type, f) }, .val = { v } }
#define BAD2(w, type, f, v, f2, v2) \
	{ .what = w, .off = { offsetof(type, f), offsetof(type, f2) }, \
	  .size = { sizeof_field(type, f), sizeof_field(type, f2) }, \
	  .val = { v, v2 } }

static void poke(void *state, size_t off, u8 size, u64 val)
{
	u8 *p = (u8 *)state + off;
	u16 v16 = val;
	u32 v32 = val;

	switch (size) {
	case 1:
		*p = val;
		break;
	case 2:
		memcpy(p, &v16, 2);
		break;
	case 4:
		memcpy(p, &v32, 4);
		break;
	default:
		memcpy(p, &val, 8);
		break;
	}
}

static void expect_refused(struct kunit *test, const struct v3_dev_ops *ops,
			   const void *valid, const struct corruption *c,
			   const char *key)
{
	struct v3_vm_err err = { 0 };
	char inst[16];
	u8 *bad, *st;
	int i;

	bad = kunit_kmalloc(test, ops->desc->size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, bad);
	memcpy(bad, valid, ops->desc->size);
	for (i = 0; i < 2 && c->size[i]; i++)
		poke(bad, c->off[i], c->size[i], c->val[i]);
	KUNIT_ASSERT_NE(test, memcmp(bad, valid, ops->desc->size), 0);
	/* save does not check */
	KUNIT_ASSERT_EQ(test, dev_save(ops, key, bad), 0);
	st = stage_alloc(test, ops->desc->size);
	KUNIT_EXPECT_EQ_MSG(test, dev_load(ops, key, st, &err), -ERANGE,
			    "%s", c->what);
	KUNIT_EXPECT_EQ_MSG(test, err.code, -ERANGE, "%s", c->what);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(err.msg, c->what),
				  "message '%s' lacks '%s'", err.msg, c->what);
	snprintf(inst, sizeof(inst), "%s0: ", ops->type);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(err.msg, inst),
				  "message '%s' lacks '%s'", err.msg, inst);
	KUNIT_EXPECT_TRUE(test, stage_guards_intact(st, ops->desc->size));
	v3_memstore_delete(key);
}

/* ---- PIT ---- */

#define T0	5000ULL		/* ns: when the counts are loaded */

static void pit_registers(struct kunit *test)
{
	const struct v3_dev_ops *ops = &v3_pit_ops;
	struct v3_pit_state *s = dev_alloc(test, ops);

	KUNIT_EXPECT_EQ(test, ops->desc->size, sizeof(*s));
	KUNIT_EXPECT_EQ(test, s->ch[0].count, 0x10000U);
	KUNIT_EXPECT_EQ(test, s->ch[0].mode, 3);

	/* channel 0, LSB then MSB, mode 2, count 11932 (100 Hz) */
	wr(test, ops, s, 0x43, 0x34, T0);
	wr(test, ops, s, 0x40, 0x9c, T0);
	KUNIT_EXPECT_EQ(test, s->ch[0].write_state, V3_PIT_RW_WORD1);
	wr(test, ops, s, 0x40, 0x2e, T0);
	KUNIT_EXPECT_EQ(test, s->ch[0].count, 11932U);
	KUNIT_EXPECT_EQ(test, s->ch[0].mode, 2);
	KUNIT_EXPECT_EQ(test, s->ch[0].write_latch, 0);
	/* 1 ms later: 1193 clocks gone; the latch holds it while time runs */
	wr(test, ops, s, 0x43, 0x00, T0 + 1000000);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x40, T0 + 5000000), 0xf3);
	KUNIT_EXPECT_EQ(test, s->ch[0].count_latched, V3_PIT_RW_MSB);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x40, T0 + 7000000), 0x29);
	KUNIT_EXPECT_EQ(test, s->ch[0].count_latched, 0);
	KUNIT_EXPECT_EQ(test, s->ch[0].latched_count, 0);
	/* 11 ms: a period and 1193 clocks, read unlatched */
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x40, T0 + 11000000), 0xf3);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x40, T0 + 11000000), 0x29);
	/* a vCPU whose TSC is behind the load sees the full count */
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x40, 0), 0x9c);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x40, 0), 0x2e);

	/* channel 2, mode 0, count 1000; status through read-back */
	wr(test, ops, s, 0x43, 0xb0, T0);
	wr(test, ops, s, 0x42, 0xe8, T0);
	wr(test, ops, s, 0x42, 0x03, T0);
	wr(test, ops, s, 0x43, 0xe8, T0 + 100000);	/* status only */
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x42, T0 + 100000), 0x30);
	KUNIT_EXPECT_EQ(test, s->ch[2].status_latched, 0);
	KUNIT_EXPECT_EQ(test, s->ch[2].status, 0);
	/* 1193 clocks: run out (OUT high), wrapped to 0xffff - 192 */
	wr(test, ops, s, 0x43, 0xc8, T0 + 1000000);	/* status and count */
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x42, T0 + 9000000), 0xb0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x42, T0 + 9000000), 0x3f);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x42, T0 + 9000000), 0xff);

	/* channel 1, mode 0 in BCD, count 1000: 119 clocks later 0881 */
	wr(test, ops, s, 0x43, 0x71, T0);
	wr(test, ops, s, 0x41, 0x00, T0);
	wr(test, ops, s, 0x41, 0x10, T0);
	KUNIT_EXPECT_EQ(test, s->ch[1].count, 1000U);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x41, T0 + 100000), 0x81);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x41, T0 + 100000), 0x08);

	/* mode 6 is mode 2; a control word drops a half-read latch */
	wr(test, ops, s, 0x43, 0x00, T0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x40, T0), 0x9c);
	wr(test, ops, s, 0x43, 0x3c, T0);
	KUNIT_EXPECT_EQ(test, s->ch[0].mode, 2);
	KUNIT_EXPECT_EQ(test, s->ch[0].count_latched, 0);
	KUNIT_EXPECT_EQ(test, s->ch[0].latched_count, 0);
	wr(test, ops, s, 0x43, 0xe2, T0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x40, T0) & 0x7f, 0x34);

	/* LSB only and MSB only access; count 0 is 65536 */
	wr(test, ops, s, 0x43, 0x10, T0);
	wr(test, ops, s, 0x40, 0x20, T0);
	KUNIT_EXPECT_EQ(test, s->ch[0].count, 0x20U);
	wr(test, ops, s, 0x43, 0x20, T0);
	wr(test, ops, s, 0x40, 0x01, T0);
	KUNIT_EXPECT_EQ(test, s->ch[0].count, 0x100U);
	wr(test, ops, s, 0x43, 0x34, T0);
	wr(test, ops, s, 0x40, 0x00, T0);
	wr(test, ops, s, 0x40, 0x00, T0);
	KUNIT_EXPECT_EQ(test, s->ch[0].count, 0x10000U);

	/* the control port reads as a floating bus; nothing else decodes */
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x43, T0), 0xff);
	KUNIT_EXPECT_EQ(test, io_rc(ops, s, 0x40, 2, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, io_rc(ops, s, 0x44, 1, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, io_rc(ops, s, 0x3f, 1, false), -EINVAL);
}

/* Every channel mid-access: a half-written count, half-read latch, status. */
static struct v3_pit_state *pit_build(struct kunit *test)
{
	const struct v3_dev_ops *ops = &v3_pit_ops;
	struct v3_pit_state *s = dev_alloc(test, ops);

	wr(test, ops, s, 0x43, 0x34, T0);
	wr(test, ops, s, 0x40, 0x12, T0);
	wr(test, ops, s, 0x43, 0x76, T0);
	wr(test, ops, s, 0x41, 0x34, T0);
	wr(test, ops, s, 0x41, 0x12, T0);
	wr(test, ops, s, 0x43, 0x40, T0 + 3000);
	rd(test, ops, s, 0x41, T0 + 4000);
	wr(test, ops, s, 0x43, 0xe8, T0 + 5000);
	KUNIT_ASSERT_EQ(test, s->ch[0].write_latch, 0x12);
	KUNIT_ASSERT_EQ(test, s->ch[1].count_latched, V3_PIT_RW_MSB);
	KUNIT_ASSERT_EQ(test, s->ch[2].status_latched, 1);
	return s;
}

static void pit_save_load(struct kunit *test)
{
	const struct v3_dev_ops *ops = &v3_pit_ops;
	struct v3_pit_state *s = pit_build(test);
	struct v3_pit_state *l = roundtrip(test, ops, s, "pit-rt");

	/* the loaded copy goes on as the original does */
	KUNIT_EXPECT_EQ(test, rd(test, ops, l, 0x41, T0 + 9000),
			rd(test, ops, s, 0x41, T0 + 9000));
	KUNIT_EXPECT_EQ(test, rd(test, ops, l, 0x42, T0 + 9000),
			rd(test, ops, s, 0x42, T0 + 9000));
	wr(test, ops, l, 0x40, 0x34, T0 + 9000);
	wr(test, ops, s, 0x40, 0x34, T0 + 9000);
	KUNIT_EXPECT_EQ(test, l->ch[0].count, 0x3412U);
	KUNIT_EXPECT_EQ(test, memcmp(l, s, sizeof(*s)), 0);
}

#define PIT_BAD1(w, f, v)	BAD1(w, struct v3_pit_state, f, v)
#define PIT_BAD2(w, f, v, f2, v2) \
	BAD2(w, struct v3_pit_state, f, v, f2, v2)

static const struct corruption pit_bad[] = {
	PIT_BAD1("ch0.mode 7 > 5", ch[0].mode, 7),
	PIT_BAD1("ch2.mode 6 > 5", ch[2].mode, 6),
	PIT_BAD1("ch1.rw_mode 0", ch[1].rw_mode, 0),
	PIT_BAD1("ch1.rw_mode 4", ch[1].rw_mode, 4),
	PIT_BAD1("ch0.read_state 5", ch[0].read_state, 5),
	PIT_BAD1("ch1.write_state 1", ch[1].write_state, 1),
	PIT_BAD1("ch0.write_latch 0x12", ch[0].write_state, V3_PIT_RW_WORD0),
	PIT_BAD1("ch0.count 0 ", ch[0].count, 0),
	PIT_BAD1("ch2.count 65537", ch[2].count, 0x10001),
	PIT_BAD1("ch1.bcd 2", ch[1].bcd, 2),
	PIT_BAD1("ch0.gate 3", ch[0].gate, 3),
	PIT_BAD1("ch1.count_latched 1", ch[1].count_latched, 1),
	PIT_BAD1("ch1.count_latched 5", ch[1].count_latched, 5),
	PIT_BAD1("ch0.latched_count 0x55", ch[0].latched_count, 0x55),
	PIT_BAD2("ch1.latched_count 0xfa not BCD", ch[1].bcd, 1,
		 ch[1].latched_count, 0xfa),
	PIT_BAD1("ch2.status_latched 2", ch[2].status_latched, 2),
	PIT_BAD1("ch2.status 0x0, expected 0x36", ch[2].status, 0),
	PIT_BAD1("ch0.status 0x30", ch[0].status, 0x30),
};

static void pit_load_refuses(struct kunit *test)
{
	struct v3_pit_state *s = pit_build(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pit_bad); i++)
		expect_refused(test, &v3_pit_ops, s, &pit_bad[i], "pit-bad");
}

/* ---- PIC ---- */

static void pic_init(struct kunit *test, void *s, u8 port, u8 vector,
		     u8 icw3)
{
	wr(test, &v3_pic_ops, s, port, 0x11, 0);	/* edge, cascade, IC4 */
	wr(test, &v3_pic_ops, s, port + 1, vector, 0);
	wr(test, &v3_pic_ops, s, port + 1, icw3, 0);
	wr(test, &v3_pic_ops, s, port + 1, 0x01, 0);	/* 8086 mode */
}

static void pic_registers(struct kunit *test)
{
	const struct v3_dev_ops *ops = &v3_pic_ops;
	struct v3_pic_state *s = dev_alloc(test, ops);
	struct v3_pic_chip *m = &s->chip[V3_PIC_MASTER];
	struct v3_pic_chip *sl = &s->chip[V3_PIC_SLAVE];

	KUNIT_EXPECT_EQ(test, ops->base, 0x20ULL);
	KUNIT_EXPECT_EQ(test, ops->len, 0x82ULL);
	pic_init(test, s, 0x20, 0x08, 0x04);
	pic_init(test, s, 0xa0, 0x70, 0x02);
	KUNIT_EXPECT_EQ(test, m->irq_base, 0x08);
	KUNIT_EXPECT_EQ(test, sl->irq_base, 0x70);
	KUNIT_EXPECT_EQ(test, m->init_state, 0);
	KUNIT_EXPECT_EQ(test, sl->init_state, 0);
	KUNIT_EXPECT_EQ(test, m->init4, 1);

	/* OCW1: IMR reads back on the odd port */
	wr(test, ops, s, 0x21, 0xf8, 0);
	wr(test, ops, s, 0xa1, 0xef, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x21, 0), 0xf8);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0xa1, 0), 0xef);

	/* IRQ1 raised: IRR via OCW3; a held line raises it once */
	KUNIT_EXPECT_EQ(test, v3_pic_set_irq(s, 1, true), 0);
	wr(test, ops, s, 0x20, 0x0a, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x20, 0), 0x02);
	/* poll: acknowledges IRQ1, which moves to ISR */
	wr(test, ops, s, 0x20, 0x0c, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x20, 0), 0x81);
	KUNIT_EXPECT_EQ(test, m->irr, 0);
	KUNIT_EXPECT_EQ(test, v3_pic_set_irq(s, 1, true), 0);
	KUNIT_EXPECT_EQ(test, m->irr, 0);
	wr(test, ops, s, 0x20, 0x0b, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x20, 0), 0x02);
	/* OCW2 non-specific EOI */
	wr(test, ops, s, 0x20, 0x20, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x20, 0), 0x00);
	/* nothing pending: a poll says so */
	wr(test, ops, s, 0x20, 0x0c, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x20, 0), 0x00);

	/* IRQ12 on the slave reaches the master through input 2 */
	KUNIT_EXPECT_EQ(test, v3_pic_set_irq(s, 12, true), 0);
	KUNIT_EXPECT_EQ(test, sl->irr, 0x10);
	KUNIT_EXPECT_EQ(test, m->irr, 0x04);
	wr(test, ops, s, 0x20, 0x0c, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x20, 0), 0x82);
	wr(test, ops, s, 0xa0, 0x0c, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0xa0, 0), 0x84);
	KUNIT_EXPECT_EQ(test, sl->isr, 0x10);
	/* specific EOIs */
	wr(test, ops, s, 0xa0, 0x64, 0);
	wr(test, ops, s, 0x20, 0x62, 0);
	KUNIT_EXPECT_EQ(test, sl->isr, 0);
	KUNIT_EXPECT_EQ(test, m->isr, 0);

	/* OCW2 set priority: IR3 lowest, so IR4 is the highest */
	wr(test, ops, s, 0x20, 0xc3, 0);
	KUNIT_EXPECT_EQ(test, m->priority_add, 4);
	/* a masked request stays in IRR and is not polled */
	KUNIT_EXPECT_EQ(test, v3_pic_set_irq(s, 5, true), 0);
	KUNIT_EXPECT_EQ(test, m->irr, 0x20);
	wr(test, ops, s, 0x20, 0x0c, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x20, 0), 0x00);

	/* ICW1 again: IMR, ISR and priority clear, ICW2 low bits dropped */
	wr(test, ops, s, 0x20, 0x13, 0);	/* single, IC4 */
	KUNIT_EXPECT_EQ(test, m->imr, 0);
	KUNIT_EXPECT_EQ(test, m->irr, 0);
	KUNIT_EXPECT_EQ(test, m->init_state, 1);
	wr(test, ops, s, 0x21, 0x0f, 0);
	KUNIT_EXPECT_EQ(test, m->irq_base, 0x08);
	KUNIT_EXPECT_EQ(test, m->init_state, 3);	/* no ICW3 */
	wr(test, ops, s, 0x21, 0x03, 0);		/* AEOI */
	KUNIT_EXPECT_EQ(test, m->auto_eoi, 1);
	KUNIT_EXPECT_EQ(test, m->init_state, 0);

	/* the hole between the two chips and wide accesses fault */
	KUNIT_EXPECT_EQ(test, io_rc(ops, s, 0x22, 1, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, io_rc(ops, s, 0x80, 1, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, io_rc(ops, s, 0x9f, 1, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, io_rc(ops, s, 0x20, 2, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, v3_pic_set_irq(s, 2, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, v3_pic_set_irq(s, 16, true), -EINVAL);
}

/*
 * Master: IRQ1 in service, IRQ0 held and IRQ3 latched pending, ISR
 * selected, a poll pending, priority rotated.  Slave: between ICW2 and ICW3.
 */
static struct v3_pic_state *pic_build(struct kunit *test)
{
	const struct v3_dev_ops *ops = &v3_pic_ops;
	struct v3_pic_state *s = dev_alloc(test, ops);

	pic_init(test, s, 0x20, 0x08, 0x04);
	wr(test, ops, s, 0x21, 0xf0, 0);
	v3_pic_set_irq(s, 1, true);
	wr(test, ops, s, 0x20, 0x0c, 0);
	rd(test, ops, s, 0x20, 0);
	v3_pic_set_irq(s, 1, false);
	v3_pic_set_irq(s, 0, true);
	v3_pic_set_irq(s, 3, true);
	v3_pic_set_irq(s, 3, false);
	wr(test, ops, s, 0x20, 0xc2, 0);
	wr(test, ops, s, 0x20, 0x0b, 0);
	wr(test, ops, s, 0x20, 0x0c, 0);
	wr(test, ops, s, 0xa0, 0x11, 0);
	wr(test, ops, s, 0xa1, 0x70, 0);
	KUNIT_ASSERT_EQ(test, s->chip[0].isr, 0x02);
	KUNIT_ASSERT_EQ(test, s->chip[0].irr, 0x09);
	KUNIT_ASSERT_EQ(test, s->chip[0].last_irr, 0x01);
	KUNIT_ASSERT_EQ(test, s->chip[0].priority_add, 3);
	KUNIT_ASSERT_EQ(test, s->chip[0].poll, 1);
	KUNIT_ASSERT_EQ(test, s->chip[1].init_state, 2);
	return s;
}

static void pic_save_load(struct kunit *test)
{
	const struct v3_dev_ops *ops = &v3_pic_ops;
	struct v3_pic_state *s = pic_build(test);
	struct v3_pic_state *l = roundtrip(test, ops, s, "pic-rt");

	/* the pending poll answers the same on both: IRQ3 */
	KUNIT_EXPECT_EQ(test, rd(test, ops, l, 0x20, 0), 0x83);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, 0x20, 0), 0x83);
	KUNIT_EXPECT_EQ(test, memcmp(l, s, sizeof(*s)), 0);
}

#define PIC_BAD1(w, f, v)	BAD1(w, struct v3_pic_state, f, v)
#define PIC_BAD2(w, f, v, f2, v2) \
	BAD2(w, struct v3_pic_state, f, v, f2, v2)

static const struct corruption pic_bad[] = {
	PIC_BAD1("master.priority_add 9 > 7", chip[0].priority_add, 9),
	PIC_BAD1("slave.priority_add 8", chip[1].priority_add, 8),
	PIC_BAD1("slave.irq_base 0x71 has bits outside 0xf8", chip[1].irq_base, 0x71),
	PIC_BAD1("master.init_state 4", chip[0].init_state, 4),
	PIC_BAD1("slave.init_state 2 (ICW3) in single mode",
		 chip[1].single_mode, 1),
	PIC_BAD2("slave.init_state 3 (ICW4) without IC4",
		 chip[1].init_state, 3, chip[1].init4, 0),
	PIC_BAD1("master.poll 2", chip[0].poll, 2),
	PIC_BAD1("slave.ltim 7", chip[1].ltim, 7),
	PIC_BAD1("master.auto_eoi 2", chip[0].auto_eoi, 2),
	PIC_BAD1("master.special_fully_nested_mode 2",
		 chip[0].special_fully_nested_mode, 2),
	PIC_BAD1("master.read_reg_select 255", chip[0].read_reg_select, 0xff),
	PIC_BAD1("master.irr 0x9, level triggered", chip[0].ltim, 1),
	PIC_BAD1("master.last_irr 0x5", chip[0].last_irr, 0x05),
};

static void pic_load_refuses(struct kunit *test)
{
	struct v3_pic_state *s = pic_build(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pic_bad); i++)
		expect_refused(test, &v3_pic_ops, s, &pic_bad[i], "pic-bad");
}

/* ---- UART ---- */

#define COM1	0x3f8

static void uart_registers(struct kunit *test)
{
	const struct v3_dev_ops *ops = &v3_uart_ops;
	struct v3_uart_state *s = dev_alloc(test, ops);
	static const u8 msg[] = "hello, world";
	unsigned int i;

	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0), 0x60);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 2, 0), 0x01);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 6, 0), 0xb0);

	/* DLAB selects the divisor latch */
	wr(test, ops, s, COM1 + 3, 0x83, 0);
	wr(test, ops, s, COM1 + 0, 0x01, 0);
	wr(test, ops, s, COM1 + 1, 0x02, 0);
	KUNIT_EXPECT_EQ(test, s->divisor, 0x0201);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 1, 0), 0x02);
	wr(test, ops, s, COM1 + 3, 0x03, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 1, 0), 0x00);	/* IER */
	KUNIT_EXPECT_EQ(test, s->divisor, 0x0201);

	/* FIFOs on; loopback round trip */
	wr(test, ops, s, COM1 + 2, 0x07, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 2, 0), 0xc1);
	wr(test, ops, s, COM1 + 4, 0x1b, 0);	/* LOOP OUT2 RTS DTR */
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 6, 0), 0xb0);
	for (i = 0; i < sizeof(msg) - 1; i++)
		wr(test, ops, s, COM1, msg[i], 0);
	KUNIT_EXPECT_EQ(test, s->rx_count, sizeof(msg) - 1);
	KUNIT_EXPECT_EQ(test, s->tx_total, 0ULL);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0), 0x61);
	for (i = 0; i < sizeof(msg) - 1; i++)
		KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1, 0), msg[i]);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0), 0x60);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1, 0), msg[i - 1]);

	/* 17 bytes: the FIFO keeps the first 16, LSR says overrun once */
	for (i = 0; i < 17; i++)
		wr(test, ops, s, COM1, 'a' + i, 0);
	KUNIT_EXPECT_EQ(test, s->rx_count, 16);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0), 0x63);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0), 0x61);
	for (i = 0; i < 16; i++)
		KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1, 0), 'a' + i);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0) & 0x01, 0);

	/* RX trigger level 4: IIR says RDI from the 4th byte */
	wr(test, ops, s, COM1 + 2, 0x41, 0);
	wr(test, ops, s, COM1 + 1, 0x01, 0);
	for (i = 0; i < 3; i++)
		wr(test, ops, s, COM1, i, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 2, 0), 0xc1);
	wr(test, ops, s, COM1, 3, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 2, 0), 0xc4);
	wr(test, ops, s, COM1 + 2, 0x43, 0);	/* clear RX */
	KUNIT_EXPECT_EQ(test, s->rx_count, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 2, 0), 0xc1);

	/* out on the line: held until LSR is read or the FIFO fills */
	wr(test, ops, s, COM1 + 4, 0x08, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 6, 0), 0xb0);
	for (i = 0; i < 3; i++)
		wr(test, ops, s, COM1, 'x', 0);
	KUNIT_EXPECT_EQ(test, s->tx_count, 3);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0), 0x00);
	KUNIT_EXPECT_EQ(test, s->tx_total, 3ULL);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0), 0x60);
	/* THRE interrupt: raised by the drain, cleared by reading IIR */
	wr(test, ops, s, COM1 + 1, 0x02, 0);
	for (i = 0; i < 16; i++)
		wr(test, ops, s, COM1, 'y', 0);
	KUNIT_EXPECT_EQ(test, s->tx_total, 19ULL);
	KUNIT_EXPECT_EQ(test, s->tx_count, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 2, 0), 0xc2);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 2, 0), 0xc1);

	/* FIFOs off: one byte deep, a new byte overwrites RBR */
	wr(test, ops, s, COM1 + 2, 0x00, 0);
	KUNIT_EXPECT_EQ(test, s->fcr, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 2, 0) & 0xc0, 0);
	wr(test, ops, s, COM1 + 4, 0x10, 0);
	wr(test, ops, s, COM1, 'p', 0);
	wr(test, ops, s, COM1, 'q', 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0), 0x63);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1, 0), 'q');
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0), 0x60);
	/* without FE the other FCR bits are not written */
	wr(test, ops, s, COM1 + 2, 0xc0, 0);
	KUNIT_EXPECT_EQ(test, s->fcr, 0);

	/* reserved bits read as zero; scratch holds anything */
	wr(test, ops, s, COM1 + 1, 0xff, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 1, 0), 0x0f);
	wr(test, ops, s, COM1 + 4, 0xff, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 4, 0), 0x1f);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 6, 0), 0xf0);
	wr(test, ops, s, COM1 + 7, 0x5a, 0);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 7, 0), 0x5a);

	KUNIT_EXPECT_EQ(test, io_rc(ops, s, COM1, 2, false), -EINVAL);
	KUNIT_EXPECT_EQ(test, io_rc(ops, s, COM1 + 8, 1, true), -EINVAL);
	KUNIT_EXPECT_EQ(test, io_rc(ops, s, COM1 - 1, 1, true), -EINVAL);
}

/*
 * RX FIFO wrapped around with 12 bytes and an overrun, 5 bytes waiting in
 * the TX FIFO, bytes already sent, a divisor, scratch, all interrupts on.
 */
static struct v3_uart_state *uart_build(struct kunit *test)
{
	const struct v3_dev_ops *ops = &v3_uart_ops;
	struct v3_uart_state *s = dev_alloc(test, ops);
	unsigned int i;

	wr(test, ops, s, COM1 + 2, 0x87, 0);
	for (i = 0; i < 20; i++)
		wr(test, ops, s, COM1, i, 0);
	rd(test, ops, s, COM1 + 5, 0);
	wr(test, ops, s, COM1 + 4, 0x10, 0);
	for (i = 0; i < 10; i++)
		wr(test, ops, s, COM1, 0x40 + i, 0);
	for (i = 0; i < 7; i++)
		rd(test, ops, s, COM1, 0);
	for (i = 0; i < 14; i++)
		wr(test, ops, s, COM1, 0x60 + i, 0);
	for (i = 0; i < 4; i++)
		rd(test, ops, s, COM1, 0);
	wr(test, ops, s, COM1 + 4, 0x0b, 0);
	for (i = 0; i < 5; i++)
		wr(test, ops, s, COM1, 0x80 + i, 0);
	wr(test, ops, s, COM1 + 3, 0x83, 0);
	wr(test, ops, s, COM1, 0x03, 0);
	wr(test, ops, s, COM1 + 3, 0x1b, 0);
	wr(test, ops, s, COM1 + 7, 0xa5, 0);
	wr(test, ops, s, COM1 + 1, 0x0f, 0);
	KUNIT_ASSERT_EQ(test, s->tx_total, 20ULL);
	KUNIT_ASSERT_EQ(test, s->rx_head, 11);
	KUNIT_ASSERT_EQ(test, s->rx_count, 12);
	KUNIT_ASSERT_EQ(test, s->tx_head, 12);
	KUNIT_ASSERT_EQ(test, s->tx_count, 5);
	KUNIT_ASSERT_EQ(test, s->lsr, 0x03);
	KUNIT_ASSERT_EQ(test, s->iir, 0xc6);
	KUNIT_ASSERT_EQ(test, s->divisor, 0x03);
	return s;
}

static void uart_save_load(struct kunit *test)
{
	const struct v3_dev_ops *ops = &v3_uart_ops;
	struct v3_uart_state *s = uart_build(test);
	struct v3_uart_state *l = roundtrip(test, ops, s, "uart-rt");
	unsigned int i;

	/* both go on alike: the overrun, then the bytes in order */
	KUNIT_EXPECT_EQ(test, rd(test, ops, l, COM1 + 5, 0), 0x03);
	KUNIT_EXPECT_EQ(test, rd(test, ops, s, COM1 + 5, 0), 0x03);
	KUNIT_EXPECT_EQ(test, l->tx_total, 25ULL);
	for (i = 0; i < 12; i++)
		KUNIT_EXPECT_EQ(test, rd(test, ops, l, COM1, 0),
				rd(test, ops, s, COM1, 0));
	KUNIT_EXPECT_EQ(test, memcmp(l, s, sizeof(*s)), 0);
}

#define UART_BAD1(w, f, v)	BAD1(w, struct v3_uart_state, f, v)
#define UART_BAD2(w, f, v, f2, v2) \
	BAD2(w, struct v3_uart_state, f, v, f2, v2)

static const struct corruption uart_bad[] = {
	UART_BAD1("rx_count 17 > 16", rx_count, 17),
	UART_BAD1("rx_head 16 > 15", rx_head, 16),
	UART_BAD2("rx_head 16 > 15", rx_head, 16, rx_count, 0),
	UART_BAD1("tx_head 200", tx_head, 200),
	UART_BAD1("tx_count 17 > 16", tx_count, 17),
	UART_BAD1("tx_count 16, a full FIFO", tx_count, 16),
	UART_BAD1("ier 0x10 has bits outside 0xf", ier, 0x10),
	UART_BAD1("ier 0xff", ier, 0xff),
	UART_BAD1("mcr 0x20 has bits outside 0x1f", mcr, 0x20),
	UART_BAD1("fcr 0x2 cannot", fcr, 0x02),
	UART_BAD1("fcr 0x40 cannot", fcr, 0x40),
	UART_BAD1("thr_ipending 2", thr_ipending, 2),
	UART_BAD1("rx_fifo[8] 0x55 in a free slot", rx_fifo[8], 0x55),
	UART_BAD1("tx_fifo[5] 0x1 in a free slot", tx_fifo[5], 0x01),
	UART_BAD1("lsr 0x7 ", lsr, 0x07),
	UART_BAD1("lsr 0x2 with rx_count 12", lsr, 0x02),
	UART_BAD1("lsr 0x63 with", lsr, 0x63),
	UART_BAD1("thr_ipending with THR full", thr_ipending, 1),
	UART_BAD1("iir 0xc4, the state gives 0xc6", iir, 0xc4),
	UART_BAD1("rx_count 12 > FIFO size 1", fcr, 0),
};

static void uart_load_refuses(struct kunit *test)
{
	struct v3_uart_state *s = uart_build(test);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(uart_bad); i++)
		expect_refused(test, &v3_uart_ops, s, &uart_bad[i], "uart-bad");
}

/* ---- all three ---- */

/* Save a context of @ops holding only @tag (@len bytes), then load it. */
static void expect_load_fails(struct kunit *test, const struct v3_dev_ops *ops,
			      const char *tag, u32 len, int code,
			      const char *what)
{
	struct v3_vm_err err = { 0 };
	struct v3_chkpt_ctx *ctx;
	struct v3_chkpt *c;
	u8 zero[8] = { 0 };
	u8 *st;

	c = v3_chkpt_open("memory", "dev-tags", V3_CHKPT_MODE_SAVE);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, c);
	ctx = v3_chkpt_open_ctx(c, ops->type, 0, 1, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, ctx);
	if (tag)
		KUNIT_EXPECT_EQ(test, v3_chkpt_save(ctx, tag, len, zero), 0);
	KUNIT_EXPECT_EQ(test, v3_chkpt_close_ctx(ctx), 0);
	KUNIT_ASSERT_EQ(test, v3_chkpt_close(c), 0);
	st = stage_alloc(test, ops->desc->size);
	KUNIT_EXPECT_EQ(test, dev_load(ops, "dev-tags", st, &err), code);
	KUNIT_EXPECT_EQ(test, err.code, code);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(err.msg, what),
				  "message '%s' lacks '%s'", err.msg, what);
	KUNIT_EXPECT_TRUE(test, stage_guards_intact(st, ops->desc->size));
	v3_memstore_delete("dev-tags");
}

static void missing_and_wrong_tags(struct kunit *test)
{
	expect_load_fails(test, &v3_pit_ops, NULL, 0, -ENOENT,
			  "pit0: ch0.load_time: missing (-2)");
	expect_load_fails(test, &v3_pit_ops, "ch0.load_time", 8, -ENOENT,
			  "pit0: ch0.count: missing (-2)");
	expect_load_fails(test, &v3_pit_ops, "ch0.load_time", 4, -EMSGSIZE,
			  "pit0: ch0.load_time: wrong size (-90)");
	expect_load_fails(test, &v3_pic_ops, NULL, 0, -ENOENT,
			  "pic0: master.irr: missing (-2)");
	expect_load_fails(test, &v3_pic_ops, "master.irr", 2, -EMSGSIZE,
			  "pic0: master.irr: wrong size (-90)");
	expect_load_fails(test, &v3_uart_ops, NULL, 0, -ENOENT,
			  "uart0: tx_total: missing (-2)");
	expect_load_fails(test, &v3_uart_ops, "tx_total", 8, -ENOENT,
			  "uart0: rx_fifo: missing (-2)");
	expect_load_fails(test, &v3_uart_ops, "tx_total", 4, -EMSGSIZE,
			  "uart0: tx_total: wrong size (-90)");
}

/*
 * Whatever a guest does, the state loads back as it was: random accesses
 * to every decoded port, a round trip every 64.
 */
static void random_states_load(struct kunit *test, const struct v3_dev_ops *ops,
			       const u16 *ports, unsigned int nports)
{
	struct rnd_state rnd;
	void *s = dev_alloc(test, ops);
	u64 now = 1000000;
	unsigned int i, rounds = 0;
	u32 r;

	prandom_seed_state(&rnd, 0x3c3cULL + ops->mask);
	for (i = 1; i <= 2048; i++) {
		r = prandom_u32_state(&rnd);
		/* time mostly forward, sometimes a vCPU behind */
		now += (r >> 20) * 97;
		if (ops == &v3_pic_ops && (r & 7) == 7)
			v3_pic_set_irq(s, (r >> 4) % 16 == 2 ? 9 : (r >> 4) % 16,
				       r & 8);
		else if ((r & 3) == 0)
			rd(test, ops, s, ports[(r >> 8) % nports],
			   (r & 0x40) ? now - 5000 : now);
		else
			wr(test, ops, s, ports[(r >> 8) % nports], r >> 24, now);
		if (i % 64 == 0) {
			roundtrip(test, ops, s, "dev-rand");
			rounds++;
		}
	}
	KUNIT_EXPECT_EQ(test, rounds, 32U);
}

static void random_states(struct kunit *test)
{
	static const u16 pit_ports[] = { 0x40, 0x41, 0x42, 0x43, 0x43 };
	static const u16 pic_ports[] = { 0x20, 0x21, 0xa0, 0xa1 };
	static const u16 uart_ports[] = {
		COM1, COM1 + 1, COM1 + 2, COM1 + 3, COM1 + 4, COM1 + 5,
		COM1 + 6, COM1 + 7, COM1, COM1 + 5,
	};

	random_states_load(test, &v3_pit_ops, pit_ports, ARRAY_SIZE(pit_ports));
	random_states_load(test, &v3_pic_ops, pic_ports, ARRAY_SIZE(pic_ports));
	random_states_load(test, &v3_uart_ops, uart_ports,
			   ARRAY_SIZE(uart_ports));
}

static struct kunit_case pit_pic_uart_cases[] = {
	KUNIT_CASE(pit_registers),
	KUNIT_CASE(pit_save_load),
	KUNIT_CASE(pit_load_refuses),
	KUNIT_CASE(pic_registers),
	KUNIT_CASE(pic_save_load),
	KUNIT_CASE(pic_load_refuses),
	KUNIT_CASE(uart_registers),
	KUNIT_CASE(uart_save_load),
	KUNIT_CASE(uart_load_refuses),
	KUNIT_CASE(missing_and_wrong_tags),
	KUNIT_CASE(random_states),
	{}
};

static struct kunit_suite pit_pic_uart_suite = {
	.name = "v3chkpt_pit_pic_uart",
	.suite_init = v3_kunit_memstore_init,
	.suite_exit = v3_kunit_memstore_exit,
	.test_cases = pit_pic_uart_cases,
};
kunit_test_suite(pit_pic_uart_suite);
