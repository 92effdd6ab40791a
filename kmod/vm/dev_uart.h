/* SPDX-License-Identifier: GPL-2.0 */
/* 16550A UART model: its state, for the device manager and tests. */
#ifndef _V3CHKPT_VM_DEV_UART_H
#define _V3CHKPT_VM_DEV_UART_H

#include <linux/build_bug.h>
#include <linux/types.h>

#define V3_UART_FIFO_SIZE	16

struct v3_uart_state {
	u64 tx_total;		/* bytes sent out of the TX FIFO on the line */
	u8 rx_fifo[V3_UART_FIFO_SIZE];	/* ring; free slots are zero */
	u8 tx_fifo[V3_UART_FIFO_SIZE];	/* ring; free slots are zero */
	u16 divisor;		/* DLM:DLL */
	u8 rx_head;		/* oldest byte, < 16 */
	u8 rx_count;		/* bytes held, <= 16 (1 without FIFOs) */
	u8 tx_head;
	u8 tx_count;		/* < 16 (0 without FIFOs): full ones drain */
	u8 rbr;			/* the last byte read from RBR */
	u8 ier;
	u8 iir;
	u8 fcr;			/* the bits that stick: FE, DMA mode, RX level */
	u8 lcr;
	u8 mcr;
	u8 lsr;
	u8 scr;
	u8 thr_ipending;	/* THRE interrupt pending (until IIR read) */
	u8 pad[1];
};
static_assert(sizeof(struct v3_uart_state) == 56);

#endif /* _V3CHKPT_VM_DEV_UART_H */
