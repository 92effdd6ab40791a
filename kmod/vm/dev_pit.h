/* SPDX-License-Identifier: GPL-2.0 */
/* Intel 8254 PIT model: its state, for the device manager and tests. */
#ifndef _V3CHKPT_VM_DEV_PIT_H
#define _V3CHKPT_VM_DEV_PIT_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define V3_PIT_CHANNELS		3
#define V3_PIT_FREQ_HZ		1193182U	/* input clock */

/* Read/write state machine of a channel's data port. */
#define V3_PIT_RW_LSB		1
#define V3_PIT_RW_MSB		2
#define V3_PIT_RW_WORD0		3	/* LSB then MSB: LSB next */
#define V3_PIT_RW_WORD1		4	/* LSB then MSB: MSB next */

struct v3_pit_chan {
	u64 load_time;		/* vCPU TSC (ns) when count was loaded */
	u32 count;		/* loaded count in input clocks, 1..0x10000 */
	u16 latched_count;	/* output latch; 0 while not latched */
	u8 count_latched;	/* 0, or the RW_* byte the latch reads next */
	u8 status_latched;	/* read-back status latched */
	u8 status;		/* the latched status byte; 0 if not latched */
	u8 read_state;		/* V3_PIT_RW_* */
	u8 write_state;		/* V3_PIT_RW_* */
	u8 write_latch;		/* LSB of a word write; 0 unless WORD1 */
	u8 rw_mode;		/* access mode 1..3 (LSB, MSB, LSB+MSB) */
	u8 mode;		/* counter mode 0..5 */
	u8 bcd;			/* counts in BCD */
	u8 gate;		/* GATE input level */
};
static_assert(sizeof(struct v3_pit_chan) == 24);

struct v3_pit_state {
	struct v3_pit_chan ch[V3_PIT_CHANNELS];
};
static_assert(sizeof(struct v3_pit_state) == 3 * 24);

#endif /* _V3CHKPT_VM_DEV_PIT_H */
