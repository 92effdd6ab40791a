// SPDX-License-Identifier: GPL-2.0
/*
 * 82093AA I/O APIC with 24 redirection entries, MMIO at 0xfec00000.
 * The guest selects a register through IOREGSEL (+0x00) and accesses it
 * through IOWIN (+0x10), 32 bits at a time.  No interrupt is delivered, so
 * the Delivery Status and Remote IRR bits of the entries stay 0.
 */
#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/errno.h>
#include "dev.h"

#define IOAPIC_BASE		0xfec00000ULL
#define IOAPIC_LEN		0x1000
#define IOAPIC_PINS		24

#define IOAPIC_IOREGSEL		0x00
#define IOAPIC_IOWIN		0x10

#define IOAPIC_REG_ID		0x00
#define IOAPIC_REG_VER		0x01
#define IOAPIC_REG_ARB		0x02
#define IOAPIC_REG_REDTBL	0x10	/* two registers per entry */

#define IOAPIC_VERSION		0x00170011	/* 24 entries, version 0x11 */
#define IOAPIC_ID_SHIFT		24
#define IOAPIC_ID_MAX		15

#define IOAPIC_DELMODE_SHIFT	8
#define IOAPIC_DELMODE		GENMASK_ULL(10, 8)
#define IOAPIC_DELIVS		BIT_ULL(12)
#define IOAPIC_REMOTE_IRR	BIT_ULL(14)
#define IOAPIC_MASKED		BIT_ULL(16)
#define IOAPIC_RESERVED		GENMASK_ULL(55, 17)
/* bits the guest writes: all but the reserved and the read-only ones */
#define IOAPIC_WRITABLE		(~(IOAPIC_RESERVED | IOAPIC_DELIVS | \
				   IOAPIC_REMOTE_IRR))

struct v3_ioapic_state {
	u64 redir[IOAPIC_PINS];
	u32 ioregsel;		/* bits 7:0 of IOREGSEL */
	u32 id;			/* APIC ID, bits 27:24 of the ID register */
};
static_assert(sizeof(struct v3_ioapic_state) == 8 * IOAPIC_PINS + 8);

static bool ioapic_delmode_reserved(u64 entry)
{
	u32 mode = (entry & IOAPIC_DELMODE) >> IOAPIC_DELMODE_SHIFT;

	return mode == 3 || mode == 6;
}

static void ioapic_reset(void *state, u32 instance)
{
	struct v3_ioapic_state *s = state;
	int i;

	for (i = 0; i < IOAPIC_PINS; i++)
		s->redir[i] = IOAPIC_MASKED;
}

static u32 ioapic_read(struct v3_ioapic_state *s)
{
	u32 reg = s->ioregsel;
	u64 e;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB:	/* loaded from the ID */
		return s->id << IOAPIC_ID_SHIFT;
	case IOAPIC_REG_VER:
		return IOAPIC_VERSION;
	}
	if (reg < IOAPIC_REG_REDTBL || reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS)
		return 0;	/* undefined registers read 0, as QEMU's */
	e = s->redir[(reg - IOAPIC_REG_REDTBL) / 2];
	return reg & 1 ? upper_32_bits(e) : lower_32_bits(e);
}

static void ioapic_write(struct v3_ioapic_state *s, u32 v)
{
	u32 reg = s->ioregsel;
	u64 *e, n;

	if (reg == IOAPIC_REG_ID) {
		s->id = (v >> IOAPIC_ID_SHIFT) & IOAPIC_ID_MAX;
		return;
	}
	/* VER, ARB and undefined registers are read-only */
	if (reg < IOAPIC_REG_REDTBL || reg >= IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS)
		return;
	e = &s->redir[(reg - IOAPIC_REG_REDTBL) / 2];
	if (reg & 1)
		n = ((u64)v << 32) | lower_32_bits(*e);
	else
		n = ((u64)upper_32_bits(*e) << 32) | v;
	n = (n & IOAPIC_WRITABLE) | (*e & ~IOAPIC_WRITABLE);
	/* a reserved delivery mode is not a state the entry can hold */
	if (ioapic_delmode_reserved(n))
		return;
	*e = n;
}

static int ioapic_io(void *state, struct v3_io *io)
{
	struct v3_ioapic_state *s = state;
	u64 off = io->addr - IOAPIC_BASE;

	if (io->size != 4)
		return -EINVAL;
	switch (off) {
	case IOAPIC_IOREGSEL:
		if (io->write)
			s->ioregsel = io->val & 0xff;
		else
			io->val = s->ioregsel;
		return 0;
	case IOAPIC_IOWIN:
		if (io->write)
			ioapic_write(s, io->val);
		else
			io->val = ioapic_read(s);
		return 0;
	}
	return -EINVAL;
}

/* Each redirection entry as the guest could have written it. */
static int ioapic_check(const void *state, const struct v3_state_where *w,
			struct v3_vm_err *err)
{
	const struct v3_ioapic_state *s = state;
	int i;

	for (i = 0; i < IOAPIC_PINS; i++) {
		u64 e = s->redir[i];

		if (e & ~IOAPIC_WRITABLE)
			return v3_vm_fail(err, -ERANGE,
					  "%sredirection entry %d 0x%016llx has reserved or status bits set",
					  w->prefix, i, e);
		if (ioapic_delmode_reserved(e))
			return v3_vm_fail(err, -ERANGE,
					  "%sredirection entry %d 0x%016llx has reserved delivery mode %llu",
					  w->prefix, i, e,
					  (e & IOAPIC_DELMODE) >> IOAPIC_DELMODE_SHIFT);
	}
	return 0;
}

static const struct v3_state_field ioapic_fields[] = {
	V3_STATE_BLOB(struct v3_ioapic_state, redir),
	V3_STATE_MAX(struct v3_ioapic_state, ioregsel, 0xff),
	V3_STATE_MAX(struct v3_ioapic_state, id, IOAPIC_ID_MAX),
};

static const struct v3_state_desc ioapic_desc =
	V3_STATE_DESC(struct v3_ioapic_state, ioapic_fields, ioapic_check);

const struct v3_dev_ops v3_ioapic_ops = {
	.type = "ioapic",
	.mask = V3CHKPT_DEV_IOAPIC,
	.version = 1,
	.min_version = 1,
	.desc = &ioapic_desc,
	.space = V3_IO_MMIO,
	.base = IOAPIC_BASE,
	.len = IOAPIC_LEN,
	.per_vcpu = false,
	.reset = ioapic_reset,
	.io = ioapic_io,
};
