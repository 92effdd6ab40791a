// SPDX-License-Identifier: GPL-2.0
/*
 * Intel 8254 programmable interval timer, ports 0x40-0x42 (counters 0-2)
 * and 0x43 (control word), after QEMU's hw/timer/i8254.c.
 *
 * A counter is not ticked: its value is computed from the accessing vCPU's
 * TSC (1 tick = 1 ns) and the TSC at which its count was loaded, so the
 * state changes only on guest accesses.  Loading a count starts counting
 * in every mode (the load stands in for the GATE trigger of modes 1 and 5,
 * as in QEMU); GATE is kept but does not pause a counter; no interrupt is
 * delivered.
 */
#include <linux/bcd.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/time64.h>
#include "dev.h"
#include "dev_pit.h"

#define PIT_PORT_BASE		0x40
#define PIT_PORT_CONTROL	3	/* offset of the control word port */

#define PIT_CW_CHANNEL(v)	((v) >> 6)
#define PIT_CW_ACCESS(v)	(((v) >> 4) & 3)
#define PIT_CW_MODE(v)		(((v) >> 1) & 7)
#define PIT_CW_BCD		0x01
#define PIT_CW_READBACK		3	/* channel field 3: read-back command */

#define PIT_RB_NO_COUNT		0x20	/* read-back: do not latch counts */
#define PIT_RB_NO_STATUS	0x10	/* read-back: do not latch status */

#define PIT_ST_OUT		0x80	/* status: OUT pin */

/* Input clocks since the count was loaded; a vCPU behind the loader sees 0. */
static u64 pit_elapsed(const struct v3_pit_chan *c, u64 now)
{
	if (now <= c->load_time)
		return 0;
	return mul_u64_u32_div(now - c->load_time, V3_PIT_FREQ_HZ,
			       NSEC_PER_SEC);
}

/* The counting element, in input clocks. */
static u32 pit_counter(const struct v3_pit_chan *c, u64 now)
{
	u64 d = pit_elapsed(c, now);
	u32 wrap = c->bcd ? 10000 : 0x10000;
	u32 r;

	switch (c->mode) {
	case 0:
	case 1:
	case 4:
	case 5:
		/* counts down through zero and wraps around */
		div_u64_rem(d, wrap, &r);
		return (c->count % wrap + wrap - r) % wrap;
	case 3:
		/* square wave: decrements by two (exact for even counts) */
		div_u64_rem(2 * d, c->count, &r);
		return c->count - r;
	default:
		/* rate generator: count, ..., 1, reload */
		div_u64_rem(d, c->count, &r);
		return c->count - r;
	}
}

/* The OUT pin. */
static u8 pit_out(const struct v3_pit_chan *c, u64 now)
{
	u64 d = pit_elapsed(c, now);
	u32 r;

	switch (c->mode) {
	case 0:
	case 1:
		/* high once the count has run out */
		return d >= c->count;
	case 2:
		/* low for the one clock the counter holds 1 */
		div_u64_rem(d, c->count, &r);
		return c->count - r != 1;
	case 3:
		/* high for the first half of each period */
		div_u64_rem(d, c->count, &r);
		return r < (c->count + 1) / 2;
	default:
		/* modes 4, 5: one clock low at terminal count */
		return d != c->count;
	}
}

/* The counter as the guest reads it: 16 bits binary or four BCD digits. */
static u16 pit_encode(const struct v3_pit_chan *c, u32 v)
{
	if (!c->bcd)
		return v & 0xffff;
	v %= 10000;
	return bin2bcd(v / 100) << 8 | bin2bcd(v % 100);
}

static bool pit_bcd_valid(u16 v)
{
	int i;

	for (i = 0; i < 16; i += 4)
		if (((v >> i) & 0xf) > 9)
			return false;
	return true;
}

static void pit_load_count(struct v3_pit_chan *c, u16 val, u64 now)
{
	u32 n = val;

	/* a BCD count with non-decimal digits counts their weighted sum */
	if (c->bcd)
		n = bcd2bin(val >> 8) * 100 + bcd2bin(val & 0xff);
	if (!n)
		n = c->bcd ? 10000 : 0x10000;
	c->count = n;
	c->load_time = now;
}

static void pit_latch_count(struct v3_pit_chan *c, u64 now)
{
	/* a second latch before the first is read is ignored */
	if (c->count_latched)
		return;
	c->latched_count = pit_encode(c, pit_counter(c, now));
	c->count_latched = c->rw_mode;
}

static void pit_latch_status(struct v3_pit_chan *c, u64 now)
{
	if (c->status_latched)
		return;
	c->status = pit_out(c, now) << 7 | c->rw_mode << 4 | c->mode << 1 |
		    c->bcd;
	c->status_latched = 1;
}

static void pit_control(struct v3_pit_state *s, u8 val, u64 now)
{
	struct v3_pit_chan *c;
	unsigned int i;

	if (PIT_CW_CHANNEL(val) == PIT_CW_READBACK) {
		for (i = 0; i < V3_PIT_CHANNELS; i++) {
			if (!(val & (2 << i)))
				continue;
			if (!(val & PIT_RB_NO_COUNT))
				pit_latch_count(&s->ch[i], now);
			if (!(val & PIT_RB_NO_STATUS))
				pit_latch_status(&s->ch[i], now);
		}
		return;
	}
	c = &s->ch[PIT_CW_CHANNEL(val)];
	if (!PIT_CW_ACCESS(val)) {
		pit_latch_count(c, now);
		return;
	}
	/* A control word resets the channel's latches and byte pointers. */
	c->rw_mode = PIT_CW_ACCESS(val);
	c->read_state = c->rw_mode;
	c->write_state = c->rw_mode;
	c->write_latch = 0;
	c->count_latched = 0;
	c->latched_count = 0;
	c->status_latched = 0;
	c->status = 0;
	c->mode = PIT_CW_MODE(val);
	if (c->mode > 5)
		c->mode -= 4;	/* 6 and 7 are modes 2 and 3 */
	c->bcd = val & PIT_CW_BCD;
}

static void pit_write(struct v3_pit_chan *c, u8 val, u64 now)
{
	switch (c->write_state) {
	case V3_PIT_RW_LSB:
		pit_load_count(c, val, now);
		break;
	case V3_PIT_RW_MSB:
		pit_load_count(c, val << 8, now);
		break;
	case V3_PIT_RW_WORD0:
		c->write_latch = val;
		c->write_state = V3_PIT_RW_WORD1;
		break;
	default:
		pit_load_count(c, c->write_latch | val << 8, now);
		c->write_latch = 0;
		c->write_state = V3_PIT_RW_WORD0;
		break;
	}
}

static u8 pit_read(struct v3_pit_chan *c, u64 now)
{
	u16 v;
	u8 ret;

	if (c->status_latched) {
		ret = c->status;
		c->status = 0;
		c->status_latched = 0;
		return ret;
	}
	if (c->count_latched) {
		v = c->latched_count;
		switch (c->count_latched) {
		case V3_PIT_RW_LSB:
			ret = v & 0xff;
			break;
		case V3_PIT_RW_MSB:
			ret = v >> 8;
			break;
		default:
			c->count_latched = V3_PIT_RW_MSB;
			return v & 0xff;
		}
		c->count_latched = 0;
		c->latched_count = 0;
		return ret;
	}
	v = pit_encode(c, pit_counter(c, now));
	switch (c->read_state) {
	case V3_PIT_RW_LSB:
		return v & 0xff;
	case V3_PIT_RW_MSB:
		return v >> 8;
	case V3_PIT_RW_WORD0:
		c->read_state = V3_PIT_RW_WORD1;
		return v & 0xff;
	default:
		c->read_state = V3_PIT_RW_WORD0;
		return v >> 8;
	}
}

static int pit_io(void *state, struct v3_io *io)
{
	struct v3_pit_state *s = state;
	u64 off = io->addr - PIT_PORT_BASE;

	if (io->size != 1 || off > PIT_PORT_CONTROL)
		return -EINVAL;
	if (io->write) {
		if (off == PIT_PORT_CONTROL)
			pit_control(s, io->val, io->now);
		else
			pit_write(&s->ch[off], io->val, io->now);
	} else {
		/* the control word port is write-only: the bus floats high */
		io->val = off == PIT_PORT_CONTROL ? 0xff :
			  pit_read(&s->ch[off], io->now);
	}
	return 0;
}

/* Power-on state as a PC BIOS leaves it: mode 3, LSB then MSB, count 0. */
static void pit_reset(void *state, u32 instance)
{
	struct v3_pit_state *s = state;
	unsigned int i;

	for (i = 0; i < V3_PIT_CHANNELS; i++) {
		struct v3_pit_chan *c = &s->ch[i];

		c->count = 0x10000;
		c->rw_mode = V3_PIT_RW_WORD0;
		c->read_state = V3_PIT_RW_WORD0;
		c->write_state = V3_PIT_RW_WORD0;
		c->mode = 3;
		/* channel 2's GATE is the speaker port's bit 0, off */
		c->gate = i != 2;
	}
}

/* Is @state a byte pointer value that access mode @rw_mode can reach? */
static bool pit_rw_state_ok(u8 state, u8 rw_mode)
{
	if (rw_mode == V3_PIT_RW_WORD0)
		return state == V3_PIT_RW_WORD0 || state == V3_PIT_RW_WORD1;
	return state == rw_mode;
}

/* What the fields' bounds do not say of one channel. */
static int pit_chan_check(const void *state, const struct v3_state_where *w,
			  struct v3_vm_err *err)
{
	const struct v3_pit_chan *c = state;
	const char *p = w->prefix;
	u8 st;

	if (!pit_rw_state_ok(c->read_state, c->rw_mode))
		return v3_vm_fail(err, -ERANGE,
				  "%sread_state %u with rw_mode %u",
				  p, c->read_state, c->rw_mode);
	if (!pit_rw_state_ok(c->write_state, c->rw_mode))
		return v3_vm_fail(err, -ERANGE,
				  "%swrite_state %u with rw_mode %u",
				  p, c->write_state, c->rw_mode);
	if (c->write_latch && c->write_state != V3_PIT_RW_WORD1)
		return v3_vm_fail(err, -ERANGE,
				  "%swrite_latch %#x with no word write",
				  p, c->write_latch);
	/* a latch holds what the current control word would have latched */
	if (c->count_latched && c->count_latched != c->rw_mode &&
	    !(c->rw_mode == V3_PIT_RW_WORD0 &&
	      c->count_latched == V3_PIT_RW_MSB))
		return v3_vm_fail(err, -ERANGE,
				  "%scount_latched %u with rw_mode %u",
				  p, c->count_latched, c->rw_mode);
	if (!c->count_latched && c->latched_count)
		return v3_vm_fail(err, -ERANGE,
				  "%slatched_count %#x while not latched",
				  p, c->latched_count);
	if (c->count_latched && c->bcd && !pit_bcd_valid(c->latched_count))
		return v3_vm_fail(err, -ERANGE, "%slatched_count %#x not BCD",
				  p, c->latched_count);
	st = c->status_latched ?
	     (c->status & PIT_ST_OUT) | c->rw_mode << 4 | c->mode << 1 | c->bcd :
	     0;
	if (c->status != st)
		return v3_vm_fail(err, -ERANGE, "%sstatus %#x, expected %#x",
				  p, c->status, st);
	return 0;
}

#define PIT_FIELD(m)	V3_STATE_BLOB(struct v3_pit_chan, m)
static const struct v3_state_field pit_chan_fields[] = {
	PIT_FIELD(load_time),
	V3_STATE_RANGE(struct v3_pit_chan, count, 1, 0x10000),
	PIT_FIELD(latched_count),
	V3_STATE_MAX(struct v3_pit_chan, count_latched, V3_PIT_RW_WORD1),
	V3_STATE_BOOL(struct v3_pit_chan, status_latched),
	PIT_FIELD(status),
	V3_STATE_MAX(struct v3_pit_chan, read_state, V3_PIT_RW_WORD1),
	V3_STATE_MAX(struct v3_pit_chan, write_state, V3_PIT_RW_WORD1),
	PIT_FIELD(write_latch),
	V3_STATE_RANGE(struct v3_pit_chan, rw_mode, V3_PIT_RW_LSB,
		       V3_PIT_RW_WORD0),
	V3_STATE_MAX(struct v3_pit_chan, mode, 5),
	V3_STATE_BOOL(struct v3_pit_chan, bcd),
	V3_STATE_BOOL(struct v3_pit_chan, gate),
};

static const struct v3_state_desc pit_chan_desc =
	V3_STATE_DESC(struct v3_pit_chan, pit_chan_fields, pit_chan_check);

static const char * const pit_chan_name[] = { "ch0", "ch1", "ch2" };

static const struct v3_state_field pit_fields[] = {
	V3_STATE_STRUCTS(struct v3_pit_state, ch, &pit_chan_desc,
			 pit_chan_name),
};

static const struct v3_state_desc pit_desc =
	V3_STATE_DESC(struct v3_pit_state, pit_fields, NULL);

const struct v3_dev_ops v3_pit_ops = {
	.type = "pit",
	.mask = V3CHKPT_DEV_PIT,
	.version = 1,
	.min_version = 1,
	.desc = &pit_desc,
	.space = V3_IO_PORT,
	.base = PIT_PORT_BASE,
	.len = PIT_PORT_CONTROL + 1,
	.reset = pit_reset,
	.io = pit_io,
};
