/* SPDX-License-Identifier: GPL-2.0 */
/* i8259A PIC pair model: its state and its interrupt input. */
#ifndef _V3CHKPT_VM_DEV_PIC_H
#define _V3CHKPT_VM_DEV_PIC_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define V3_PIC_MASTER		0
#define V3_PIC_SLAVE		1
#define V3_PIC_CASCADE_IRQ	2	/* master input the slave drives */

struct v3_pic_chip {
	u8 irr;			/* interrupt request register */
	u8 imr;			/* interrupt mask register (OCW1) */
	u8 isr;			/* in-service register */
	u8 last_irr;		/* input line levels, for edge detection */
	u8 priority_add;	/* IR line of the highest priority, 0..7 */
	u8 irq_base;		/* ICW2 vector base, low 3 bits zero */
	u8 init_state;		/* 0 ready, 1..3: ICW2..ICW4 expected next */
	u8 read_reg_select;	/* OCW3 RIS: 1 reads ISR, 0 IRR */
	u8 poll;		/* OCW3 poll command pending */
	u8 special_mask;	/* OCW3 special mask mode */
	u8 auto_eoi;		/* ICW4 AEOI */
	u8 rotate_on_auto_eoi;	/* OCW2 rotate in AEOI mode */
	u8 special_fully_nested_mode;	/* ICW4 SFNM */
	u8 init4;		/* ICW1 IC4: ICW4 follows */
	u8 single_mode;		/* ICW1 SNGL: no ICW3 */
	u8 ltim;		/* ICW1 LTIM: level triggered inputs */
};
static_assert(sizeof(struct v3_pic_chip) == 16);

struct v3_pic_state {
	struct v3_pic_chip chip[2];	/* V3_PIC_MASTER, V3_PIC_SLAVE */
};
static_assert(sizeof(struct v3_pic_state) == 32);

/*
 * Drive input line @irq (0..15, not the cascade input 2) of the pair in
 * @state to @level; the caller holds the device's lock.  0 or -EINVAL.
 */
int v3_pic_set_irq(void *state, unsigned int irq, bool level);

#endif /* _V3CHKPT_VM_DEV_PIC_H */
