// SPDX-License-Identifier: GPL-2.0
/*
 * Local APIC in xAPIC mode, one per vCPU (instance = vCPU index = APIC
 * ID), MMIO at 0xfee00000: 32-bit registers at 16-byte-aligned offsets.
 *
 * No interrupt is delivered or accepted: IRR, ISR and TMR are state the
 * guest reads, EOI retires the highest in-service vector, an IPI written
 * to the ICR completes at once.  The timer counts down at one tick per
 * nanosecond of the accessing vCPU's TSC, divided by the divide config.
 */
#include <linux/bitops.h>
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include <linux/math64.h>
#include "dev.h"

#define LAPIC_BASE		0xfee00000ULL
#define LAPIC_LEN		0x1000

#define LAPIC_ID		0x020
#define LAPIC_VER		0x030
#define LAPIC_TPR		0x080
#define LAPIC_PPR		0x0a0
#define LAPIC_EOI		0x0b0
#define LAPIC_LDR		0x0d0
#define LAPIC_DFR		0x0e0
#define LAPIC_SVR		0x0f0
#define LAPIC_ISR		0x100
#define LAPIC_TMR		0x180
#define LAPIC_IRR		0x200
#define LAPIC_ESR		0x280
#define LAPIC_ICR_LO		0x300
#define LAPIC_ICR_HI		0x310
#define LAPIC_LVT_TIMER		0x320
#define LAPIC_LVT_THERMAL	0x330
#define LAPIC_LVT_PERF		0x340
#define LAPIC_LVT_LINT0		0x350
#define LAPIC_LVT_LINT1		0x360
#define LAPIC_LVT_ERROR		0x370
#define LAPIC_TMICT		0x380
#define LAPIC_TMCCT		0x390
#define LAPIC_TDCR		0x3e0

#define LAPIC_VERSION		0x00050014	/* 6 LVT entries, version 0x14 */
#define LAPIC_ID_SHIFT		24
#define LAPIC_VEC_WORDS		8		/* 256 vectors in 32-bit words */

#define LAPIC_DEST_MASK		GENMASK(31, 24)	/* ID, LDR, ICR high */
#define LAPIC_DFR_MODEL		GENMASK(31, 28)
#define LAPIC_DFR_ONES		GENMASK(27, 0)	/* reserved, read as 1 */
#define LAPIC_SVR_ENABLE	BIT(8)
#define LAPIC_SVR_MASK		GENMASK(9, 0)	/* vector, enable, focus */
#define LAPIC_ESR_MASK		GENMASK(7, 0)
#define LAPIC_ESR_SEND_ILLEGAL	BIT(5)

#define LAPIC_VECTOR		GENMASK(7, 0)
#define LAPIC_DELMODE		GENMASK(10, 8)
#define LAPIC_DESTMODE		BIT(11)
#define LAPIC_POLARITY		BIT(13)
#define LAPIC_LEVEL		BIT(14)		/* ICR level */
#define LAPIC_TRIGGER		BIT(15)
#define LAPIC_LVT_MASKED	BIT(16)
#define LAPIC_SHORTHAND		GENMASK(19, 18)
#define LAPIC_TIMER_MODE_SHIFT	17
#define LAPIC_TIMER_MODE	GENMASK(18, 17)
#define LAPIC_TIMER_ONESHOT	0
#define LAPIC_TIMER_PERIODIC	1
#define LAPIC_TIMER_TSCDEADLINE	2
#define LAPIC_TDCR_MASK		0xb		/* bits 0, 1 and 3 */

/*
 * What the guest can write to each register; the Delivery Status and
 * Remote IRR bits are read-only and stay 0 (nothing is ever pending).
 */
#define LAPIC_ICR_LO_MASK	(LAPIC_VECTOR | LAPIC_DELMODE | LAPIC_DESTMODE | \
				 LAPIC_LEVEL | LAPIC_TRIGGER | LAPIC_SHORTHAND)
#define LAPIC_LVT_TIMER_MASK	(LAPIC_VECTOR | LAPIC_LVT_MASKED | \
				 LAPIC_TIMER_MODE)
#define LAPIC_LVT_DM_MASK	(LAPIC_VECTOR | LAPIC_DELMODE | LAPIC_LVT_MASKED)
#define LAPIC_LVT_LINT_MASK	(LAPIC_LVT_DM_MASK | LAPIC_POLARITY | \
				 LAPIC_TRIGGER)
#define LAPIC_LVT_ERROR_MASK	(LAPIC_VECTOR | LAPIC_LVT_MASKED)

struct v3_lapic_state {
	u64 timer_start;	/* TSC at which the count was timer_base */
	u32 isr[LAPIC_VEC_WORDS];
	u32 tmr[LAPIC_VEC_WORDS];
	u32 irr[LAPIC_VEC_WORDS];
	u32 id;			/* ID register: APIC ID in bits 31:24 */
	u32 tpr;
	u32 ldr;
	u32 dfr;
	u32 svr;
	u32 esr;		/* what the guest reads */
	u32 esr_pending;	/* errors since the last ESR write */
	u32 icr_lo;
	u32 icr_hi;
	u32 lvt_timer;
	u32 lvt_thermal;
	u32 lvt_perf;
	u32 lvt_lint0;
	u32 lvt_lint1;
	u32 lvt_error;
	u32 timer_initial;	/* initial count register */
	u32 timer_base;		/* the current count at timer_start */
	u32 timer_dcr;		/* divide configuration register */
};
static_assert(sizeof(struct v3_lapic_state) == 8 + 4 * (3 * 8 + 18));

static u32 lapic_timer_mode(u32 lvt)
{
	return (lvt & LAPIC_TIMER_MODE) >> LAPIC_TIMER_MODE_SHIFT;
}

/* log2 of the divisor: 000 -> 2, 001 -> 4, ..., 110 -> 128, 111 -> 1 */
static unsigned int lapic_timer_shift(u32 dcr)
{
	u32 v = (dcr & 3) | ((dcr & 8) >> 1);

	return (v + 1) & 7;
}

static u32 lapic_timer_count(const struct v3_lapic_state *s, u64 now)
{
	u64 ticks;
	u32 rem;

	if (lapic_timer_mode(s->lvt_timer) == LAPIC_TIMER_TSCDEADLINE ||
	    !s->timer_initial)
		return 0;
	ticks = now > s->timer_start ?
		(now - s->timer_start) >> lapic_timer_shift(s->timer_dcr) : 0;
	if (ticks < s->timer_base)
		return s->timer_base - ticks;
	if (lapic_timer_mode(s->lvt_timer) != LAPIC_TIMER_PERIODIC)
		return 0;
	/* periodic: reloads the initial count each time it reaches 0 */
	div_u64_rem(ticks - s->timer_base, s->timer_initial, &rem);
	return s->timer_initial - rem;
}

/* Highest vector set in a 256-bit register, or -1. */
static int lapic_highest(const u32 *reg)
{
	int i;

	for (i = LAPIC_VEC_WORDS - 1; i >= 0; i--)
		if (reg[i])
			return i * 32 + __fls(reg[i]);
	return -1;
}

static u32 lapic_ppr(const struct v3_lapic_state *s)
{
	int isrv = lapic_highest(s->isr);

	if (isrv < 0 || (s->tpr >> 4) >= ((u32)isrv >> 4))
		return s->tpr;
	return isrv & 0xf0;
}

static void lapic_reset(void *state, u32 instance)
{
	struct v3_lapic_state *s = state;

	s->id = instance << LAPIC_ID_SHIFT;
	s->dfr = 0xffffffff;
	s->svr = 0xff;
	s->lvt_timer = LAPIC_LVT_MASKED;
	s->lvt_thermal = LAPIC_LVT_MASKED;
	s->lvt_perf = LAPIC_LVT_MASKED;
	s->lvt_lint0 = LAPIC_LVT_MASKED;
	s->lvt_lint1 = LAPIC_LVT_MASKED;
	s->lvt_error = LAPIC_LVT_MASKED;
}

static u32 *lapic_lvt(struct v3_lapic_state *s, u32 off, u32 *mask)
{
	switch (off) {
	case LAPIC_LVT_TIMER:
		*mask = LAPIC_LVT_TIMER_MASK;
		return &s->lvt_timer;
	case LAPIC_LVT_THERMAL:
		*mask = LAPIC_LVT_DM_MASK;
		return &s->lvt_thermal;
	case LAPIC_LVT_PERF:
		*mask = LAPIC_LVT_DM_MASK;
		return &s->lvt_perf;
	case LAPIC_LVT_LINT0:
		*mask = LAPIC_LVT_LINT_MASK;
		return &s->lvt_lint0;
	case LAPIC_LVT_LINT1:
		*mask = LAPIC_LVT_LINT_MASK;
		return &s->lvt_lint1;
	case LAPIC_LVT_ERROR:
		*mask = LAPIC_LVT_ERROR_MASK;
		return &s->lvt_error;
	}
	return NULL;
}

static int lapic_read(struct v3_lapic_state *s, u32 off, u64 now, u32 *v)
{
	u32 mask, *lvt = lapic_lvt(s, off, &mask);

	if (lvt) {
		*v = *lvt;
		return 0;
	}
	if (off >= LAPIC_ISR && off < LAPIC_ISR + 0x80) {
		*v = s->isr[(off - LAPIC_ISR) >> 4];
		return 0;
	}
	if (off >= LAPIC_TMR && off < LAPIC_TMR + 0x80) {
		*v = s->tmr[(off - LAPIC_TMR) >> 4];
		return 0;
	}
	if (off >= LAPIC_IRR && off < LAPIC_IRR + 0x80) {
		*v = s->irr[(off - LAPIC_IRR) >> 4];
		return 0;
	}
	switch (off) {
	case LAPIC_ID:
		*v = s->id;
		break;
	case LAPIC_VER:
		*v = LAPIC_VERSION;
		break;
	case LAPIC_TPR:
		*v = s->tpr;
		break;
	case LAPIC_PPR:
		*v = lapic_ppr(s);
		break;
	case LAPIC_EOI:		/* write-only */
		*v = 0;
		break;
	case LAPIC_LDR:
		*v = s->ldr;
		break;
	case LAPIC_DFR:
		*v = s->dfr;
		break;
	case LAPIC_SVR:
		*v = s->svr;
		break;
	case LAPIC_ESR:
		*v = s->esr;
		break;
	case LAPIC_ICR_LO:
		*v = s->icr_lo;
		break;
	case LAPIC_ICR_HI:
		*v = s->icr_hi;
		break;
	case LAPIC_TMICT:
		*v = s->timer_initial;
		break;
	case LAPIC_TMCCT:
		*v = lapic_timer_count(s, now);
		break;
	case LAPIC_TDCR:
		*v = s->timer_dcr;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static void lapic_eoi(struct v3_lapic_state *s)
{
	int v = lapic_highest(s->isr);

	if (v >= 0)
		s->isr[v / 32] &= ~BIT(v % 32);
}

static void lapic_write_lvt(struct v3_lapic_state *s, u32 *lvt, u32 mask,
			    u32 v)
{
	v &= mask;
	/* a software-disabled APIC keeps every LVT entry masked */
	if (!(s->svr & LAPIC_SVR_ENABLE))
		v |= LAPIC_LVT_MASKED;
	if (lvt == &s->lvt_timer) {
		/* 11b is a reserved timer mode: not a state the LVT holds */
		if (lapic_timer_mode(v) > LAPIC_TIMER_TSCDEADLINE)
			return;
		/* changing the mode disarms the timer */
		if (lapic_timer_mode(v) != lapic_timer_mode(*lvt)) {
			s->timer_initial = 0;
			s->timer_base = 0;
		}
	}
	*lvt = v;
}

static void lapic_write_icr(struct v3_lapic_state *s, u32 v)
{
	u32 mode = (v & LAPIC_DELMODE) >> 8;

	s->icr_lo = v & LAPIC_ICR_LO_MASK;
	/* fixed and lowest-priority IPIs need a vector >= 16 */
	if (mode <= 1 && (v & LAPIC_VECTOR) < 16)
		s->esr_pending |= LAPIC_ESR_SEND_ILLEGAL;
}

static int lapic_write(struct v3_lapic_state *s, u32 off, u64 now, u32 v)
{
	u32 mask, *lvt = lapic_lvt(s, off, &mask);

	if (lvt) {
		lapic_write_lvt(s, lvt, mask, v);
		return 0;
	}
	/* ISR, TMR and IRR are read-only */
	if (off >= LAPIC_ISR && off < LAPIC_IRR + 0x80)
		return 0;
	switch (off) {
	case LAPIC_ID:	/* read-only here: the ID is the vCPU's index */
	case LAPIC_VER:
	case LAPIC_PPR:
	case LAPIC_TMCCT:
		break;
	case LAPIC_TPR:
		s->tpr = v & 0xff;
		break;
	case LAPIC_EOI:
		lapic_eoi(s);
		break;
	case LAPIC_LDR:
		s->ldr = v & LAPIC_DEST_MASK;
		break;
	case LAPIC_DFR:
		s->dfr = (v & LAPIC_DFR_MODEL) | LAPIC_DFR_ONES;
		break;
	case LAPIC_SVR:
		s->svr = v & LAPIC_SVR_MASK;
		if (!(s->svr & LAPIC_SVR_ENABLE)) {
			s->lvt_timer |= LAPIC_LVT_MASKED;
			s->lvt_thermal |= LAPIC_LVT_MASKED;
			s->lvt_perf |= LAPIC_LVT_MASKED;
			s->lvt_lint0 |= LAPIC_LVT_MASKED;
			s->lvt_lint1 |= LAPIC_LVT_MASKED;
			s->lvt_error |= LAPIC_LVT_MASKED;
		}
		break;
	case LAPIC_ESR:
		/* a write latches the errors seen since the last one */
		s->esr = s->esr_pending;
		s->esr_pending = 0;
		break;
	case LAPIC_ICR_LO:
		lapic_write_icr(s, v);
		break;
	case LAPIC_ICR_HI:
		s->icr_hi = v & LAPIC_DEST_MASK;
		break;
	case LAPIC_TMICT:
		/* ignored in TSC-deadline mode */
		if (lapic_timer_mode(s->lvt_timer) == LAPIC_TIMER_TSCDEADLINE)
			break;
		s->timer_initial = v;
		s->timer_base = v;
		s->timer_start = now;
		break;
	case LAPIC_TDCR:
		/* the running count goes on at the new rate from here */
		s->timer_base = lapic_timer_count(s, now);
		s->timer_start = now;
		s->timer_dcr = v & LAPIC_TDCR_MASK;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

static int lapic_io(void *state, struct v3_io *io)
{
	struct v3_lapic_state *s = state;
	u64 off = io->addr - LAPIC_BASE;
	u32 v;
	int ret;

	if (io->size != 4 || off >= LAPIC_LEN || (off & 0xf))
		return -EINVAL;
	if (io->write)
		return lapic_write(s, off, io->now, io->val);
	ret = lapic_read(s, off, io->now, &v);
	if (!ret)
		io->val = v;
	return ret;
}

/* What the fields' bounds do not say of the LVT entries. */
static int lapic_check_lvts(const struct v3_lapic_state *s, const char *p,
			    struct v3_vm_err *err)
{
	const struct {
		const char *name;
		u32 v;
	} lvt[] = {
		{ "lvt_timer", s->lvt_timer },
		{ "lvt_thermal", s->lvt_thermal },
		{ "lvt_perf", s->lvt_perf },
		{ "lvt_lint0", s->lvt_lint0 },
		{ "lvt_lint1", s->lvt_lint1 },
		{ "lvt_error", s->lvt_error },
	};
	int i;

	for (i = 0; i < ARRAY_SIZE(lvt); i++)
		if (!(s->svr & LAPIC_SVR_ENABLE) &&
		    !(lvt[i].v & LAPIC_LVT_MASKED))
			return v3_vm_fail(err, -ERANGE,
					  "%s%s 0x%x is unmasked with the APIC disabled (svr 0x%x)",
					  p, lvt[i].name, lvt[i].v, s->svr);
	if (lapic_timer_mode(s->lvt_timer) > LAPIC_TIMER_TSCDEADLINE)
		return v3_vm_fail(err, -ERANGE,
				  "%slvt_timer 0x%x has reserved timer mode 3",
				  p, s->lvt_timer);
	return 0;
}

static int lapic_check_vectors(const u32 *reg, const char *name,
			       const char *p, struct v3_vm_err *err)
{
	/* vectors 0-15 are illegal: never requested, never in service */
	if (reg[0] & 0xffff)
		return v3_vm_fail(err, -ERANGE,
				  "%s%s 0x%08x has vectors 0-15 set",
				  p, name, reg[0]);
	return 0;
}

static int lapic_check(const void *state, const struct v3_state_where *w,
		       struct v3_vm_err *err)
{
	const struct v3_lapic_state *s = state;
	const char *p = w->prefix;
	u32 inst = w->instance;
	int ret;

	/* the ID is the vCPU's index: a LAPIC cannot move to another vCPU */
	if (inst > 0xff || s->id != inst << LAPIC_ID_SHIFT)
		return v3_vm_fail(err, -ERANGE,
				  "%sid 0x%x is not 0x%x (the instance's)",
				  p, s->id, inst << LAPIC_ID_SHIFT);
	ret = lapic_check_lvts(s, p, err) ?:
	      lapic_check_vectors(s->isr, "isr", p, err) ?:
	      lapic_check_vectors(s->tmr, "tmr", p, err) ?:
	      lapic_check_vectors(s->irr, "irr", p, err);
	if (ret)
		return ret;
	if ((s->dfr & LAPIC_DFR_ONES) != LAPIC_DFR_ONES)
		return v3_vm_fail(err, -ERANGE,
				  "%sdfr 0x%x: bits 27:0 are not all 1",
				  p, s->dfr);
	if (s->timer_base > s->timer_initial)
		return v3_vm_fail(err, -ERANGE,
				  "%stimer count 0x%x > initial count 0x%x",
				  p, s->timer_base, s->timer_initial);
	if (lapic_timer_mode(s->lvt_timer) == LAPIC_TIMER_TSCDEADLINE &&
	    s->timer_initial)
		return v3_vm_fail(err, -ERANGE,
				  "%sinitial count 0x%x in TSC-deadline mode",
				  p, s->timer_initial);
	return 0;
}

/* Each register within the bits the guest can set in it. */
#define LAPIC_FIELD(m)		V3_STATE_BLOB(struct v3_lapic_state, m)
#define LAPIC_BITS(m, bits)	V3_STATE_BITS(struct v3_lapic_state, m, bits)
static const struct v3_state_field lapic_fields[] = {
	LAPIC_FIELD(timer_start),
	LAPIC_FIELD(isr), LAPIC_FIELD(tmr), LAPIC_FIELD(irr),
	LAPIC_FIELD(id),
	LAPIC_BITS(tpr, 0xff),
	LAPIC_BITS(ldr, LAPIC_DEST_MASK),
	LAPIC_FIELD(dfr),
	LAPIC_BITS(svr, LAPIC_SVR_MASK),
	LAPIC_BITS(esr, LAPIC_ESR_MASK),
	LAPIC_BITS(esr_pending, LAPIC_ESR_MASK),
	LAPIC_BITS(icr_lo, LAPIC_ICR_LO_MASK),
	LAPIC_BITS(icr_hi, LAPIC_DEST_MASK),
	LAPIC_BITS(lvt_timer, LAPIC_LVT_TIMER_MASK),
	LAPIC_BITS(lvt_thermal, LAPIC_LVT_DM_MASK),
	LAPIC_BITS(lvt_perf, LAPIC_LVT_DM_MASK),
	LAPIC_BITS(lvt_lint0, LAPIC_LVT_LINT_MASK),
	LAPIC_BITS(lvt_lint1, LAPIC_LVT_LINT_MASK),
	LAPIC_BITS(lvt_error, LAPIC_LVT_ERROR_MASK),
	LAPIC_FIELD(timer_initial),
	LAPIC_FIELD(timer_base),
	LAPIC_BITS(timer_dcr, LAPIC_TDCR_MASK),
};

static const struct v3_state_desc lapic_desc =
	V3_STATE_DESC(struct v3_lapic_state, lapic_fields, lapic_check);

const struct v3_dev_ops v3_lapic_ops = {
	.type = "lapic",
	.mask = V3CHKPT_DEV_LAPIC,
	.version = 1,
	.min_version = 1,
	.desc = &lapic_desc,
	.space = V3_IO_MMIO,
	.base = LAPIC_BASE,
	.len = LAPIC_LEN,
	.per_vcpu = true,
	.reset = lapic_reset,
	.io = lapic_io,
};
