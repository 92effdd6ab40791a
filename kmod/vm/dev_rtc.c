// SPDX-License-Identifier: GPL-2.0
/*
 * MC146818 RTC with 128 bytes of CMOS NVRAM, ports 0x70 (index) and 0x71
 * (data).
 *
 * There is no wall clock: the time and alarm registers are NVRAM bytes the
 * guest writes, so the state depends on nothing but the guest's accesses.
 * Of the interrupt flags only PF (periodic) is modelled, derived from the
 * accessing vCPU's TSC (1 tick = 1 ns); no interrupt is delivered.
 */
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include <linux/time64.h>
#include "dev.h"

#define RTC_PORT_INDEX	0x70
#define RTC_PORT_DATA	0x71
#define RTC_NVRAM_SIZE	128

#define RTC_REG_A	0x0a
#define RTC_REG_B	0x0b
#define RTC_REG_C	0x0c
#define RTC_REG_D	0x0d

#define RTC_A_UIP	0x80	/* update in progress: never, no clock */
#define RTC_A_DV	0x70	/* divider chain control */
#define RTC_A_DV_32K	0x20	/* 32.768 kHz time base, running */
#define RTC_A_RS	0x0f	/* periodic rate select */

#define RTC_B_SET	0x80
#define RTC_B_PIE	0x40
#define RTC_B_AIE	0x20
#define RTC_B_UIE	0x10

#define RTC_C_IRQF	0x80
#define RTC_C_PF	0x40
#define RTC_C_AF	0x20
#define RTC_C_UF	0x10

#define RTC_D_VRT	0x80	/* valid RAM and time: the battery is good */

#define RTC_INDEX_NMI	0x80	/* index port bit 7: NMI disable */

struct v3_rtc_state {
	u64 pf_ref;		/* TSC the next periodic interval counts from */
	u8 nvram[RTC_NVRAM_SIZE];
	u8 index;		/* selected NVRAM byte, 0..127 */
	u8 nmi_disabled;	/* bit 7 of the last index write */
	u8 pad[6];
};
static_assert(sizeof(struct v3_rtc_state) == 8 + RTC_NVRAM_SIZE + 8);

static void rtc_reset(void *state, u32 instance)
{
	struct v3_rtc_state *s = state;

	/* Saturday 2000-01-01 00:00:00, BCD, 24-hour mode */
	s->nvram[0x06] = 0x07;
	s->nvram[0x07] = 0x01;
	s->nvram[0x08] = 0x01;
	s->nvram[0x32] = 0x20;	/* century */
	s->nvram[RTC_REG_A] = RTC_A_DV_32K | 0x06;	/* 1024 Hz */
	s->nvram[RTC_REG_B] = 0x02;
	s->nvram[RTC_REG_D] = RTC_D_VRT;
}

/* IRQF is set exactly while an enabled flag is set. */
static u8 rtc_irqf(u8 b, u8 c)
{
	return (b & c & (RTC_C_PF | RTC_C_AF | RTC_C_UF)) ? RTC_C_IRQF : 0;
}

/*
 * Latch PF if a whole period of the selected rate has passed since pf_ref.
 * The divider runs at 32768 Hz; rate selects 1 and 2 alias 8 and 9.
 */
static void rtc_update_pf(struct v3_rtc_state *s, u64 now)
{
	u8 a = s->nvram[RTC_REG_A], rs = a & RTC_A_RS;
	u64 ticks;

	if (!rs || (a & RTC_A_DV) != RTC_A_DV_32K || now <= s->pf_ref)
		return;
	if (rs <= 2)
		rs += 7;
	ticks = mul_u64_u32_div(now - s->pf_ref, 32768, NSEC_PER_SEC);
	if (ticks < (1U << (rs - 1)))
		return;
	s->pf_ref = now;
	s->nvram[RTC_REG_C] |= RTC_C_PF;
	s->nvram[RTC_REG_C] |= rtc_irqf(s->nvram[RTC_REG_B],
					s->nvram[RTC_REG_C]);
}

static u8 rtc_read(struct v3_rtc_state *s)
{
	u8 v = s->nvram[s->index];

	if (s->index == RTC_REG_C)	/* reading C acknowledges */
		s->nvram[RTC_REG_C] = 0;
	return v;
}

static void rtc_write(struct v3_rtc_state *s, u8 v, u64 now)
{
	u8 *c = &s->nvram[RTC_REG_C];

	switch (s->index) {
	case RTC_REG_A:
		/* a new rate or divider restarts the periodic interval */
		s->nvram[RTC_REG_A] = v & ~RTC_A_UIP;
		s->pf_ref = now;
		break;
	case RTC_REG_B:
		/* setting SET clears UIE, as on the chip */
		if (v & RTC_B_SET)
			v &= ~RTC_B_UIE;
		s->nvram[RTC_REG_B] = v;
		*c = (*c & ~RTC_C_IRQF) | rtc_irqf(v, *c);
		break;
	case RTC_REG_C:
	case RTC_REG_D:
		break;		/* read-only */
	default:
		s->nvram[s->index] = v;
		break;
	}
}

static int rtc_io(void *state, struct v3_io *io)
{
	struct v3_rtc_state *s = state;

	if (io->size != 1)
		return -EINVAL;
	rtc_update_pf(s, io->now);
	switch (io->addr) {
	case RTC_PORT_INDEX:
		if (io->write) {
			s->index = io->val & (RTC_NVRAM_SIZE - 1);
			s->nmi_disabled = !!(io->val & RTC_INDEX_NMI);
		} else {
			io->val = 0xff;	/* write-only port */
		}
		return 0;
	case RTC_PORT_DATA:
		if (io->write)
			rtc_write(s, io->val, io->now);
		else
			io->val = rtc_read(s);
		return 0;
	}
	return -EINVAL;
}

/* Registers A to D as the model could have left them. */
static int rtc_check(const void *state, const struct v3_state_where *w,
		     struct v3_vm_err *err)
{
	const struct v3_rtc_state *s = state;
	u8 a = s->nvram[RTC_REG_A], b = s->nvram[RTC_REG_B];
	u8 c = s->nvram[RTC_REG_C], d = s->nvram[RTC_REG_D];
	const char *p = w->prefix;

	if (a & RTC_A_UIP)
		return v3_vm_fail(err, -ERANGE,
				  "%sregister A 0x%02x has UIP set", p, a);
	if ((b & RTC_B_SET) && (b & RTC_B_UIE))
		return v3_vm_fail(err, -ERANGE,
				  "%sregister B 0x%02x has UIE with SET", p, b);
	/* no clock: only PF is ever latched */
	if (c & ~(RTC_C_IRQF | RTC_C_PF))
		return v3_vm_fail(err, -ERANGE,
				  "%sregister C 0x%02x has bits outside 0x%02x",
				  p, c, RTC_C_IRQF | RTC_C_PF);
	if ((c & RTC_C_IRQF) != rtc_irqf(b, c))
		return v3_vm_fail(err, -ERANGE,
				  "%sregister C 0x%02x: IRQF disagrees with register B 0x%02x",
				  p, c, b);
	if (d != RTC_D_VRT)
		return v3_vm_fail(err, -ERANGE,
				  "%sregister D 0x%02x is not 0x%02x",
				  p, d, RTC_D_VRT);
	return 0;
}

static const struct v3_state_field rtc_fields[] = {
	V3_STATE_BLOB(struct v3_rtc_state, pf_ref),
	V3_STATE_BLOB(struct v3_rtc_state, nvram),
	V3_STATE_MAX(struct v3_rtc_state, index, RTC_NVRAM_SIZE - 1),
	V3_STATE_BOOL(struct v3_rtc_state, nmi_disabled),
	V3_STATE_PAD(struct v3_rtc_state, pad),
};

static const struct v3_state_desc rtc_desc =
	V3_STATE_DESC(struct v3_rtc_state, rtc_fields, rtc_check);

const struct v3_dev_ops v3_rtc_ops = {
	.type = "rtc",
	.mask = V3CHKPT_DEV_RTC,
	.version = 1,
	.min_version = 1,
	.desc = &rtc_desc,
	.space = V3_IO_PORT,
	.base = RTC_PORT_INDEX,
	.len = 2,
	.per_vcpu = false,
	.reset = rtc_reset,
	.io = rtc_io,
};
