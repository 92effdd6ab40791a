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

#define PIC_TAG_LEN		40

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

static const char *pic_tag(char *buf, unsigned int chip, const char *field)
{
	snprintf(buf, PIC_TAG_LEN, "%s.%s", pic_chip_name[chip], field);
	return buf;
}

static int pic_save(struct v3_chkpt_ctx *ctx, const void *state)
{
	const struct v3_pic_state *s = state;
	char t[PIC_TAG_LEN];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(s->chip); i++) {
		const struct v3_pic_chip *p = &s->chip[i];

		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "irr"), p->irr, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "imr"), p->imr, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "isr"), p->isr, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "last_irr"), p->last_irr,
			      fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "priority_add"),
			      p->priority_add, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "irq_base"), p->irq_base,
			      fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "init_state"), p->init_state,
			      fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "read_reg_select"),
			      p->read_reg_select, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "poll"), p->poll, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "special_mask"),
			      p->special_mask, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "auto_eoi"), p->auto_eoi,
			      fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "rotate_on_auto_eoi"),
			      p->rotate_on_auto_eoi, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "special_fully_nested_mode"),
			      p->special_fully_nested_mode, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "init4"), p->init4, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "single_mode"),
			      p->single_mode, fail);
		V3_CHKPT_SAVE(ctx, pic_tag(t, i, "ltim"), p->ltim, fail);
	}
	return 0;
fail:
	return v3_chkpt_ctx_error(ctx);
}

static int pic_check(const struct v3_pic_chip *p, u32 inst, unsigned int i,
		     struct v3_vm_err *err)
{
	const char *n = pic_chip_name[i];
	const struct {
		const char *name;
		u8 val;
	} flags[] = {
		{ "read_reg_select", p->read_reg_select },
		{ "poll", p->poll },
		{ "special_mask", p->special_mask },
		{ "auto_eoi", p->auto_eoi },
		{ "rotate_on_auto_eoi", p->rotate_on_auto_eoi },
		{ "special_fully_nested_mode", p->special_fully_nested_mode },
		{ "init4", p->init4 },
		{ "single_mode", p->single_mode },
		{ "ltim", p->ltim },
	};
	unsigned int f;

	for (f = 0; f < ARRAY_SIZE(flags); f++)
		if (flags[f].val > 1)
			return v3_vm_fail(err, -ERANGE,
					  "pic%u: %s.%s %u not 0/1", inst, n,
					  flags[f].name, flags[f].val);
	if (p->init_state > 3)
		return v3_vm_fail(err, -ERANGE, "pic%u: %s.init_state %u > 3",
				  inst, n, p->init_state);
	/* ICW3 is skipped in single mode, ICW4 without IC4 */
	if (p->init_state == 2 && p->single_mode)
		return v3_vm_fail(err, -ERANGE,
				  "pic%u: %s.init_state 2 (ICW3) in single mode",
				  inst, n);
	if (p->init_state == 3 && !p->init4)
		return v3_vm_fail(err, -ERANGE,
				  "pic%u: %s.init_state 3 (ICW4) without IC4",
				  inst, n);
	if (p->priority_add > 7)
		return v3_vm_fail(err, -ERANGE,
				  "pic%u: %s.priority_add %u > 7",
				  inst, n, p->priority_add);
	if (p->irq_base & 7)
		return v3_vm_fail(err, -ERANGE,
				  "pic%u: %s.irq_base %#x has low bits set",
				  inst, n, p->irq_base);
	if (p->ltim && p->irr != p->last_irr)
		return v3_vm_fail(err, -ERANGE,
				  "pic%u: %s.irr %#x, level triggered lines %#x",
				  inst, n, p->irr, p->last_irr);
	return 0;
}

static int pic_load(struct v3_chkpt_ctx *ctx, u32 version, void *state,
		    u32 instance, struct v3_vm_err *err)
{
	struct v3_pic_state *s = state;
	char t[PIC_TAG_LEN] = "";
	unsigned int i;
	bool out;
	int ret;

	for (i = 0; i < ARRAY_SIZE(s->chip); i++) {
		struct v3_pic_chip *p = &s->chip[i];

		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "irr"), p->irr, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "imr"), p->imr, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "isr"), p->isr, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "last_irr"), p->last_irr,
			      fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "priority_add"),
			      p->priority_add, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "irq_base"), p->irq_base,
			      fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "init_state"), p->init_state,
			      fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "read_reg_select"),
			      p->read_reg_select, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "poll"), p->poll, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "special_mask"),
			      p->special_mask, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "auto_eoi"), p->auto_eoi,
			      fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "rotate_on_auto_eoi"),
			      p->rotate_on_auto_eoi, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "special_fully_nested_mode"),
			      p->special_fully_nested_mode, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "init4"), p->init4, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "single_mode"),
			      p->single_mode, fail);
		V3_CHKPT_LOAD(ctx, pic_tag(t, i, "ltim"), p->ltim, fail);
		ret = pic_check(p, instance, i, err);
		if (ret)
			return ret;
	}
	/* the master's input 2 is the slave's output, kept in step */
	out = pic_get_irq(&s->chip[V3_PIC_SLAVE], false) >= 0;
	if (!!(s->chip[V3_PIC_MASTER].last_irr & (1 << V3_PIC_CASCADE_IRQ)) !=
	    out)
		return v3_vm_fail(err, -ERANGE,
				  "pic%u: master.last_irr %#x, slave output %u",
				  instance, s->chip[V3_PIC_MASTER].last_irr,
				  out);
	return 0;
fail:
	ret = v3_chkpt_ctx_error(ctx);
	return v3_vm_fail(err, ret, "pic%u: %s: cannot load (%d)",
			  instance, t, ret);
}

const struct v3_dev_ops v3_pic_ops = {
	.type = "pic",
	.mask = V3CHKPT_DEV_PIC,
	.version = 1,
	.min_version = 1,
	.state_size = sizeof(struct v3_pic_state),
	.space = V3_IO_PORT,
	.base = PIC_MASTER_BASE,
	.len = PIC_SLAVE_BASE + 2 - PIC_MASTER_BASE,
	.reset = pic_reset,
	.save = pic_save,
	.load = pic_load,
	.io = pic_io,
};
