// SPDX-License-Identifier: GPL-2.0
/*
 * 16550A UART at COM1 (ports 0x3f8-0x3ff), after QEMU's hw/char/serial.c,
 * with 16-byte receive and transmit FIFOs (one byte each while FIFOs are
 * off, as on a 16450).
 *
 * Nothing is attached to the line.  A transmitted byte stays in the TX
 * FIFO until the FIFO fills or the guest reads LSR (transmission takes
 * time), then leaves on the line, counted in tx_total; in loopback mode it
 * goes to the receiver instead, at once.  The modem inputs are a partner
 * always ready (DCD, DSR, CTS), so no delta is ever seen; nor is a line
 * error, a break or a character timeout.  No interrupt is delivered; IIR
 * says what would be.
 */
#include <linux/errno.h>
#include <linux/serial_reg.h>
#include <linux/string.h>
#include "dev.h"
#include "dev_uart.h"

#define UART_BASE		0x3f8
#define UART_PORTS		8

#define UART_IER_MASK		0x0f
#define UART_MCR_MASK		0x1f
#define UART_IIR_FIFO_BITS	0xc0	/* IIR 7:6 while FIFOs are enabled */
#define UART_FCR_STICKY		(UART_FCR_ENABLE_FIFO | UART_FCR_DMA_SELECT | \
				 UART_FCR_TRIGGER_MASK)
#define UART_LSR_NEVER		(UART_LSR_FIFOE | UART_LSR_BI | UART_LSR_FE | \
				 UART_LSR_PE)

static bool uart_fifo_on(const struct v3_uart_state *s)
{
	return s->fcr & UART_FCR_ENABLE_FIFO;
}

static unsigned int uart_fifo_cap(const struct v3_uart_state *s)
{
	return uart_fifo_on(s) ? V3_UART_FIFO_SIZE : 1;
}

static unsigned int uart_rx_trigger(const struct v3_uart_state *s)
{
	switch (s->fcr & UART_FCR_TRIGGER_MASK) {
	case UART_FCR_TRIGGER_1:
		return 1;
	case UART_FCR_TRIGGER_4:
		return 4;
	case UART_FCR_TRIGGER_8:
		return 8;
	default:
		return 14;
	}
}

/* IIR as the rest of the state determines it, by interrupt priority. */
static u8 uart_iir(const struct v3_uart_state *s)
{
	u8 id = UART_IIR_NO_INT;

	if ((s->ier & UART_IER_RLSI) && (s->lsr & UART_LSR_OE))
		id = UART_IIR_RLSI;
	else if ((s->ier & UART_IER_RDI) && s->rx_count &&
		 (!uart_fifo_on(s) || s->rx_count >= uart_rx_trigger(s)))
		id = UART_IIR_RDI;
	else if ((s->ier & UART_IER_THRI) && s->thr_ipending)
		id = UART_IIR_THRI;
	return id | (uart_fifo_on(s) ? UART_IIR_FIFO_BITS : 0);
}

static void uart_rx_put(struct v3_uart_state *s, u8 b)
{
	if (s->rx_count == uart_fifo_cap(s)) {
		s->lsr |= UART_LSR_OE;
		/* a 16450 overwrites RBR; a 16550 FIFO keeps its bytes */
		if (!uart_fifo_on(s))
			s->rx_fifo[s->rx_head] = b;
		return;
	}
	s->rx_fifo[(s->rx_head + s->rx_count) % V3_UART_FIFO_SIZE] = b;
	s->rx_count++;
	s->lsr |= UART_LSR_DR;
}

static u8 uart_rx_get(struct v3_uart_state *s)
{
	/* an empty receiver reads the last byte again */
	if (!s->rx_count)
		return s->rbr;
	s->rbr = s->rx_fifo[s->rx_head];
	s->rx_fifo[s->rx_head] = 0;
	s->rx_head = (s->rx_head + 1) % V3_UART_FIFO_SIZE;
	if (!--s->rx_count)
		s->lsr &= ~UART_LSR_DR;
	return s->rbr;
}

/* Send everything in the TX FIFO: on the line, or back in loopback. */
static void uart_tx_drain(struct v3_uart_state *s)
{
	u8 b;

	while (s->tx_count) {
		b = s->tx_fifo[s->tx_head];
		s->tx_fifo[s->tx_head] = 0;
		s->tx_head = (s->tx_head + 1) % V3_UART_FIFO_SIZE;
		s->tx_count--;
		if (s->mcr & UART_MCR_LOOP)
			uart_rx_put(s, b);
		else
			s->tx_total++;
	}
	if (!(s->lsr & UART_LSR_THRE)) {
		s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
		s->thr_ipending = 1;
	}
}

static void uart_write_thr(struct v3_uart_state *s, u8 b)
{
	s->tx_fifo[(s->tx_head + s->tx_count) % V3_UART_FIFO_SIZE] = b;
	s->tx_count++;
	s->thr_ipending = 0;
	s->lsr &= ~(UART_LSR_THRE | UART_LSR_TEMT);
	if ((s->mcr & UART_MCR_LOOP) || s->tx_count == uart_fifo_cap(s))
		uart_tx_drain(s);
}

static void uart_write_ier(struct v3_uart_state *s, u8 val)
{
	u8 changed = (s->ier ^ val) & UART_IER_MASK;

	s->ier = val & UART_IER_MASK;
	/* enabling THRI with THR empty raises it again, as QEMU does */
	if (changed & UART_IER_THRI)
		s->thr_ipending = (s->ier & UART_IER_THRI) &&
				  (s->lsr & UART_LSR_THRE);
}

static void uart_write_fcr(struct v3_uart_state *s, u8 val)
{
	/* switching FIFOs on or off empties them */
	if ((val ^ s->fcr) & UART_FCR_ENABLE_FIFO)
		val |= UART_FCR_CLEAR_RCVR | UART_FCR_CLEAR_XMIT;
	else if (!(val & UART_FCR_ENABLE_FIFO))
		return;		/* other bits are written only with FE set */
	if (val & UART_FCR_CLEAR_RCVR) {
		memset(s->rx_fifo, 0, sizeof(s->rx_fifo));
		s->rx_head = 0;
		s->rx_count = 0;
		s->lsr &= ~UART_LSR_DR;
	}
	if (val & UART_FCR_CLEAR_XMIT) {
		memset(s->tx_fifo, 0, sizeof(s->tx_fifo));
		s->tx_head = 0;
		s->tx_count = 0;
		s->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
		s->thr_ipending = 1;
	}
	s->fcr = val & UART_FCR_ENABLE_FIFO ? val & UART_FCR_STICKY : 0;
}

/* MSR: in loopback the modem outputs, else a partner always ready. */
static u8 uart_msr(const struct v3_uart_state *s)
{
	u8 m = s->mcr;

	if (!(m & UART_MCR_LOOP))
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	return (m & (UART_MCR_OUT2 | UART_MCR_OUT1)) << 4 |
	       (m & UART_MCR_RTS) << 3 | (m & UART_MCR_DTR) << 5;
}

static void uart_write(struct v3_uart_state *s, unsigned int port, u8 val)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (port) {
	case UART_TX:
		if (dlab)
			s->divisor = (s->divisor & 0xff00) | val;
		else
			uart_write_thr(s, val);
		break;
	case UART_IER:
		if (dlab)
			s->divisor = (s->divisor & 0x00ff) | val << 8;
		else
			uart_write_ier(s, val);
		break;
	case UART_FCR:
		uart_write_fcr(s, val);
		break;
	case UART_LCR:
		s->lcr = val;
		break;
	case UART_MCR:
		s->mcr = val & UART_MCR_MASK;
		break;
	case UART_SCR:
		s->scr = val;
		break;
	default:
		/* LSR and MSR: writes are for factory test only */
		break;
	}
}

static u8 uart_read(struct v3_uart_state *s, unsigned int port)
{
	bool dlab = s->lcr & UART_LCR_DLAB;
	u8 ret;

	switch (port) {
	case UART_RX:
		return dlab ? s->divisor & 0xff : uart_rx_get(s);
	case UART_IER:
		return dlab ? s->divisor >> 8 : s->ier;
	case UART_IIR:
		ret = s->iir;
		/* reading a THRE interrupt's identity clears it */
		if ((ret & 0x0f) == UART_IIR_THRI)
			s->thr_ipending = 0;
		return ret;
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		ret = s->lsr;
		s->lsr &= ~UART_LSR_OE;
		/* by the next read, the pending bytes have gone */
		uart_tx_drain(s);
		return ret;
	case UART_MSR:
		return uart_msr(s);
	default:
		return s->scr;
	}
}

static int uart_io(void *state, struct v3_io *io)
{
	struct v3_uart_state *s = state;
	u64 port = io->addr - UART_BASE;

	if (io->size != 1 || port >= UART_PORTS)
		return -EINVAL;
	if (io->write)
		uart_write(s, port, io->val);
	else
		io->val = uart_read(s, port);
	s->iir = uart_iir(s);
	return 0;
}

/* Power-on state, as QEMU's reset: 9600 8N1, OUT2 set, nothing pending. */
static void uart_reset(void *state, u32 instance)
{
	struct v3_uart_state *s = state;

	s->divisor = 0x0c;
	s->mcr = UART_MCR_OUT2;
	s->lsr = UART_LSR_TEMT | UART_LSR_THRE;
	s->iir = UART_IIR_NO_INT;
}

/* A FIFO's free slots are zero: the state's bytes depend on nothing else. */
static int uart_check_fifo(const u8 *fifo, u8 head, u8 count,
			   const char *prefix, const char *name,
			   struct v3_vm_err *err)
{
	unsigned int i;

	for (i = count; i < V3_UART_FIFO_SIZE; i++) {
		unsigned int slot = (head + i) % V3_UART_FIFO_SIZE;

		if (fifo[slot])
			return v3_vm_fail(err, -ERANGE,
					  "%s%s[%u] %#x in a free slot",
					  prefix, name, slot, fifo[slot]);
	}
	return 0;
}

/* What the fields' bounds do not say; the heads and counts are in range. */
static int uart_check(const void *state, const struct v3_state_where *w,
		      struct v3_vm_err *err)
{
	const struct v3_uart_state *s = state;
	const char *p = w->prefix;
	bool empty;
	int ret;

	if (s->fcr & ~UART_FCR_STICKY ||
	    (s->fcr && !(s->fcr & UART_FCR_ENABLE_FIFO)))
		return v3_vm_fail(err, -ERANGE, "%sfcr %#x cannot stick", p,
				  s->fcr);
	if (s->rx_count > uart_fifo_cap(s))
		return v3_vm_fail(err, -ERANGE,
				  "%srx_count %u > FIFO size %u",
				  p, s->rx_count, uart_fifo_cap(s));
	if (s->tx_count >= uart_fifo_cap(s))
		return v3_vm_fail(err, -ERANGE,
				  "%stx_count %u, a full FIFO (%u) drains",
				  p, s->tx_count, uart_fifo_cap(s));
	ret = uart_check_fifo(s->rx_fifo, s->rx_head, s->rx_count, p,
			      "rx_fifo", err);
	if (ret)
		return ret;
	ret = uart_check_fifo(s->tx_fifo, s->tx_head, s->tx_count, p,
			      "tx_fifo", err);
	if (ret)
		return ret;
	/* LSR: DR, THRE and TEMT follow the FIFOs; errors never happen */
	empty = !s->tx_count;
	if (s->lsr & UART_LSR_NEVER ||
	    !!(s->lsr & UART_LSR_DR) != !!s->rx_count ||
	    !!(s->lsr & UART_LSR_THRE) != empty ||
	    !!(s->lsr & UART_LSR_TEMT) != empty)
		return v3_vm_fail(err, -ERANGE,
				  "%slsr %#x with rx_count %u tx_count %u",
				  p, s->lsr, s->rx_count, s->tx_count);
	if (s->thr_ipending && !(s->lsr & UART_LSR_THRE))
		return v3_vm_fail(err, -ERANGE, "%sthr_ipending with THR full",
				  p);
	if (s->iir != uart_iir(s))
		return v3_vm_fail(err, -ERANGE, "%siir %#x, the state gives %#x",
				  p, s->iir, uart_iir(s));
	return 0;
}

#define UART_FIELD(m)	V3_STATE_BLOB(struct v3_uart_state, m)
static const struct v3_state_field uart_fields[] = {
	UART_FIELD(tx_total), UART_FIELD(rx_fifo), UART_FIELD(tx_fifo),
	UART_FIELD(divisor),
	/* what indexes the FIFOs first */
	V3_STATE_MAX(struct v3_uart_state, rx_head, V3_UART_FIFO_SIZE - 1),
	V3_STATE_MAX(struct v3_uart_state, rx_count, V3_UART_FIFO_SIZE),
	V3_STATE_MAX(struct v3_uart_state, tx_head, V3_UART_FIFO_SIZE - 1),
	V3_STATE_MAX(struct v3_uart_state, tx_count, V3_UART_FIFO_SIZE),
	UART_FIELD(rbr),
	V3_STATE_BITS(struct v3_uart_state, ier, UART_IER_MASK),
	UART_FIELD(iir), UART_FIELD(fcr), UART_FIELD(lcr),
	V3_STATE_BITS(struct v3_uart_state, mcr, UART_MCR_MASK),
	UART_FIELD(lsr), UART_FIELD(scr),
	V3_STATE_BOOL(struct v3_uart_state, thr_ipending),
	V3_STATE_PAD(struct v3_uart_state, pad),
};

static const struct v3_state_desc uart_desc =
	V3_STATE_DESC(struct v3_uart_state, uart_fields, uart_check);

const struct v3_dev_ops v3_uart_ops = {
	.type = "uart",
	.mask = V3CHKPT_DEV_UART,
	.version = 1,
	.min_version = 1,
	.desc = &uart_desc,
	.space = V3_IO_PORT,
	.base = UART_BASE,
	.len = UART_PORTS,
	.reset = uart_reset,
	.io = uart_io,
};
