// SPDX-License-Identifier: GPL-2.0
/*
 * The PC's i8259A pair as one device, after QEMU's hw/intc/i8259.c: the
 * master at ports 0x20-0x21, the slave at 0xa0-0xa1 driving the master's
 * input 2.  The decoded range 0x20-0xa1 has a hole in between.
 *
 * No INTA cycle reaches the pair (no interrupt is delivered to a vCPU): a
 * request stays in IRR until the guest polls for it (OCW3 poll), which
 * moves it to ISR as an acknowledge would; OCW2 ends it.  Inputs are
 * driven through v3_pic_set_irq().
 */
#include <linux/errno.h>
#include <linux/string.h>
#include "dev.h"
#include "dev_pic.h"

#define PIC_MASTER_BASE		0x20
#define PIC_SLAVE_BASE		0xa0

#define PIC_ICW1		0x10	/* port 0: ICW1 */
#define PIC_ICW1_IC4		0x01
#define PIC_ICW1_SNGL		0x02
#define PIC_ICW1_LTIM		0x08
#define PIC_OCW3		0x08	/* port 0, not ICW1: OCW3, else OCW2 */
#define PIC_OCW3_RIS		0x01
#define PIC_OCW3_RR		0x02
#define PIC_OCW3_POLL		0x04
#define PIC_OCW3_SMM		0x20
#define PIC_OCW3_ESMM		0x40
#define PIC_ICW4_AEOI		0x02
#define PIC_ICW4_SFNM		0x10

static const char * const pic_chip_name[] = { "master", "slave" };

/* Priority (0 highest, 8 none) of the highest request in @mask. */
static unsigned int pic_priority(const struct v3_pic_chip *p, u8 mask)
{
	unsigned int prio = 0;

	if (!mask)
		return 8;
	while (!(mask & (1 << ((prio + p->priority_add) & 7))))
		prio++;
	return prio;
}

/* The input the chip would interrupt for now, or -1. */
static int pic_get_irq(const struct v3_pic_chip *p, bool master)
{
	unsigned int prio, cur;
	u8 mask;

	prio = pic_priority(p, p->irr & ~p->imr);
	if (prio == 8)
		return -1;
	mask = p->isr;
	if (p->special_mask)
		mask &= ~p->imr;
	/* SFNM: the slave may interrupt while one of its requests is served */
	if (p->special_fully_nested_mode && master)
		mask &= ~(1 << V3_PIC_CASCADE_IRQ);
	cur = pic_priority(p, mask);
	return prio < cur ? (prio + p->priority_add) & 7 : -1;
}

static void pic_set_line(struct v3_pic_chip *p, unsigned int line, bool level)
{
	u8 mask = 1 << line;

	if (p->ltim) {
		/* level triggered: IRR follows the line */
		if (level)
			p->irr |= mask;
		else
			p->irr &= ~mask;
	} else if (level && !(p->last_irr & mask)) {
		p->irr |= mask;		/* a rising edge */
	}
	if (level)
		p->last_irr |= mask;
	else
		p->last_irr &= ~mask;
}

/* The slave's INT output is the master's input 2. */
static void pic_update_cascade(struct v3_pic_state *s)
{
	pic_set_line(&s->chip[V3_PIC_MASTER], V3_PIC_CASCADE_IRQ,
		     pic_get_irq(&s->chip[V3_PIC_SLAVE], false) >= 0);
}

int v3_pic_set_irq(void *state, unsigned int irq, bool level)
{
	struct v3_pic_state *s = state;

	if (irq >= 16 || irq == V3_PIC_CASCADE_IRQ)
		return -EINVAL;
	pic_set_line(&s->chip[irq >> 3], irq & 7, level);
	pic_update_cascade(s);
	return 0;
}

/* What an INTA cycle would do for @irq. */
static void pic_intack(struct v3_pic_chip *p, unsigned int irq)
{
	if (p->auto_eoi) {
		if (p->rotate_on_auto_eoi)
			p->priority_add = (irq + 1) & 7;
	} else {
		p->isr |= 1 << irq;
	}
	if (!p->ltim)
		p->irr &= ~(1 << irq);
}

/* ICW1: start the initialization sequence. */
static void pic_icw1(struct v3_pic_chip *p, u8 val)
{
	u8 lines = p->last_irr;

	memset(p, 0, sizeof(*p));
	/* the input pins keep their levels; edges must be new */
	p->last_irr = lines;
	p->ltim = !!(val & PIC_ICW1_LTIM);
	if (p->ltim)
		p->irr = lines;
	p->init4 = val & PIC_ICW1_IC4;
	p->single_mode = !!(val & PIC_ICW1_SNGL);
	p->init_state = 1;
}

static void pic_ocw2(struct v3_pic_chip *p, u8 val)
{
	unsigned int cmd = val >> 5, prio, irq;

	switch (cmd) {
	case 0:
	case 4:
		/* rotate in automatic EOI mode: clear / set */
		p->rotate_on_auto_eoi = cmd >> 2;
		break;
	case 1:
	case 5:
		/* non-specific EOI, with rotation for 5 */
		prio = pic_priority(p, p->isr);
		if (prio == 8)
			break;
		irq = (prio + p->priority_add) & 7;
		p->isr &= ~(1 << irq);
		if (cmd == 5)
			p->priority_add = (irq + 1) & 7;
		break;
	case 3:
		/* specific EOI */
		p->isr &= ~(1 << (val & 7));
		break;
	case 6:
		/* set priority: IR val & 7 becomes the lowest */
		p->priority_add = (val + 1) & 7;
		break;
	case 7:
		/* rotate on specific EOI */
		p->isr &= ~(1 << (val & 7));
		p->priority_add = (val + 1) & 7;
		break;
	default:
		/* 2: no operation */
		break;
	}
}

static void pic_write(struct v3_pic_chip *p, unsigned int port, u8 val)
{
	if (port == 0) {
		if (val & PIC_ICW1) {
			pic_icw1(p, val);
		} else if (val & PIC_OCW3) {
			if (val & PIC_OCW3_POLL)
				p->poll = 1;
			if (val & PIC_OCW3_RR)
				p->read_reg_select = val & PIC_OCW3_RIS;
			if (val & PIC_OCW3_ESMM)
				p->special_mask = !!(val & PIC_OCW3_SMM);
		} else {
			pic_ocw2(p, val);
		}
		return;
	}
	switch (p->init_state) {
	case 0:
		p->imr = val;	/* OCW1 */
		break;
	case 1:
		p->irq_base = val & 0xf8;	/* ICW2 */
		p->init_state = p->single_mode ? (p->init4 ? 3 : 0) : 2;
		break;
	case 2:
		/* ICW3: the cascade wiring is fixed */
		p->init_state = p->init4 ? 3 : 0;
		break;
	default:
		p->special_fully_nested_mode = !!(val & PIC_ICW4_SFNM);
		p->auto_eoi = !!(val & PIC_ICW4_AEOI);
		p->init_state = 0;
		break;
	}
}

static u8 pic_read(struct v3_pic_chip *p, unsigned int port, bool master)
{
	int irq;

	if (p->poll) {
		/* a poll acknowledges the request it reports */
		p->poll = 0;
		irq = pic_get_irq(p, master);
		if (irq < 0)
			return 0;
		pic_intack(p, irq);
		return 0x80 | irq;
	}
	if (port)
		return p->imr;
	return p->read_reg_select ? p->isr : p->irr;
}

static int pic_io(void *state, struct v3_io *io)
{
	struct v3_pic_state *s = state;
	unsigned int port = io->addr & 1, chip;
	struct v3_pic_chip *p;

	if (io->size != 1)
		return -EINVAL;
	if ((io->addr & ~1ULL) == PIC_MASTER_BASE)
		chip = V3_PIC_MASTER;
	else if ((io->addr & ~1ULL) == PIC_SLAVE_BASE)
		chip = V3_PIC_SLAVE;
	else
		return -EINVAL;
	p = &s->chip[chip];
	if (io->write)
		pic_write(p, port, io->val);
	else
		io->val = pic_read(p, port, chip == V3_PIC_MASTER);
	pic_update_cascade(s);
	return 0;
}

static void pic_reset(void *state, u32 instance)
{
	/* every register clear, as after QEMU's reset */
	memset(state, 0, sizeof(struct v3_pic_state));
}

/* What the fields' bounds do not say of one chip. */
static int pic_chip_check(const void *state, const struct v3_state_where *w,
			  struct v3_vm_err *err)
{
	const struct v3_pic_chip *p = state;

	/* ICW3 is skipped in single mode, ICW4 without IC4 */
	if (p->init_state == 2 && p->single_mode)
		return v3_vm_fail(err, -ERANGE,
				  "%sinit_state 2 (ICW3) in single mode",
				  w->prefix);
	if (p->init_state == 3 && !p->init4)
		return v3_vm_fail(err, -ERANGE,
				  "%sinit_state 3 (ICW4) without IC4", w->prefix);
	if (p->ltim && p->irr != p->last_irr)
		return v3_vm_fail(err, -ERANGE,
				  "%sirr %#x, level triggered lines %#x",
				  w->prefix, p->irr, p->last_irr);
	return 0;
}

#define PIC_BOOL(m)	V3_STATE_BOOL(struct v3_pic_chip, m)
static const struct v3_state_field pic_chip_fields[] = {
	V3_STATE_BLOB(struct v3_pic_chip, irr),
	V3_STATE_BLOB(struct v3_pic_chip, imr),
	V3_STATE_BLOB(struct v3_pic_chip, isr),
	V3_STATE_BLOB(struct v3_pic_chip, last_irr),
	V3_STATE_MAX(struct v3_pic_chip, priority_add, 7),
	V3_STATE_BITS(struct v3_pic_chip, irq_base, 0xf8),
	V3_STATE_MAX(struct v3_pic_chip, init_state, 3),
	PIC_BOOL(read_reg_select), PIC_BOOL(poll), PIC_BOOL(special_mask),
	PIC_BOOL(auto_eoi), PIC_BOOL(rotate_on_auto_eoi),
	PIC_BOOL(special_fully_nested_mode), PIC_BOOL(init4),
	PIC_BOOL(single_mode), PIC_BOOL(ltim),
};

static const struct v3_state_desc pic_chip_desc =
	V3_STATE_DESC(struct v3_pic_chip, pic_chip_fields, pic_chip_check);

/* The master's input 2 is the slave's output, kept in step. */
static int pic_check(const void *state, const struct v3_state_where *w,
		     struct v3_vm_err *err)
{
	const struct v3_pic_state *s = state;
	bool out = pic_get_irq(&s->chip[V3_PIC_SLAVE], false) >= 0;

	if (!!(s->chip[V3_PIC_MASTER].last_irr & (1 << V3_PIC_CASCADE_IRQ)) !=
	    out)
		return v3_vm_fail(err, -ERANGE,
				  "%smaster.last_irr %#x, slave output %u",
				  w->prefix, s->chip[V3_PIC_MASTER].last_irr,
				  out);
	return 0;
}

static const struct v3_state_field pic_fields[] = {
	V3_STATE_STRUCTS(struct v3_pic_state, chip, &pic_chip_desc,
			 pic_chip_name),
};

static const struct v3_state_desc pic_desc =
	V3_STATE_DESC(struct v3_pic_state, pic_fields, pic_check);

const struct v3_dev_ops v3_pic_ops = {
	.type = "pic",
	.mask = V3CHKPT_DEV_PIC,
	.version = 1,
	.min_version = 1,
	.desc = &pic_desc,
	.space = V3_IO_PORT,
	.base = PIC_MASTER_BASE,
	.len = PIC_SLAVE_BASE + 2 - PIC_MASTER_BASE,
	.reset = pic_reset,
	.io = pic_io,
};
