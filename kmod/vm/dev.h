/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Device models of the VM host model and the device manager.
 *
 * A device model's whole state is one plain struct (no pointers, no
 * implicit padding: explicit pad fields, always zero), described once
 * (vmstate.h): the description saves it field by field in its own context
 * (name = ops->type, instance = the device's instance number, its own
 * version), loads and checks it, and digests it.  A load fills a zeroed
 * staging copy; the manager applies the copy only after the whole
 * checkpoint has been read and checked, so a failed load never changes a
 * device.
 */
#ifndef _V3CHKPT_VM_DEV_H
#define _V3CHKPT_VM_DEV_H

#include <linux/spinlock.h>
#include <linux/types.h>
#include <v3chkpt/chkpt.h>
#include "err.h"
#include "vmstate.h"

struct v3_vm;

/* One port or MMIO access from a vCPU. */
struct v3_io {
	u64 addr;	/* port number, or guest-physical address for MMIO */
	u64 val;	/* write: the value; read: the device stores it here */
	u64 now;	/* the accessing vCPU's TSC: the device's sense of time */
	u32 vcpu;	/* the accessing vCPU */
	u8 size;	/* 1, 2 or 4 (8 for MMIO) */
	bool write;
};

enum v3_io_space { V3_IO_PORT, V3_IO_MMIO };

struct v3_dev_ops {
	const char *type;	/* "pit", "pic", "uart", "rtc", "ioapic", "lapic" */
	u32 mask;		/* its V3CHKPT_DEV_* bit */
	u32 version;		/* written on save; newest loadable */
	u32 min_version;	/* oldest loadable */
	/* The state: its size, fields, bounds and checks (vmstate.h). */
	const struct v3_state_desc *desc;
	enum v3_io_space space;
	u64 base, len;		/* decoded address range */
	bool per_vcpu;		/* one instance per vCPU (LAPIC); else one */
	/* Power-on state of instance @instance (zeroed before the call). */
	void (*reset)(void *state, u32 instance);
	/*
	 * An access inside [base, base + len); the manager holds the device's
	 * lock.  Return 0, or -EINVAL for an access the device does not decode
	 * (the vCPU faults).
	 */
	int (*io)(void *state, struct v3_io *io);
};

struct v3_dev {
	const struct v3_dev_ops *ops;
	u32 instance;
	char name[16];		/* type + instance, e.g. "lapic1" */
	spinlock_t lock;	/* serialises io against save/digest/apply */
	void *state;
};

/* Save, or load and check, one device's state in its context. */
int v3_dev_state_save(const struct v3_dev_ops *ops, struct v3_chkpt_ctx *ctx,
		      const void *state);
int v3_dev_state_load(const struct v3_dev_ops *ops, struct v3_chkpt_ctx *ctx,
		      void *state, u32 instance, struct v3_vm_err *err);

extern const struct v3_dev_ops v3_pit_ops, v3_pic_ops, v3_uart_ops,
	v3_rtc_ops, v3_ioapic_ops, v3_lapic_ops;

#endif /* _V3CHKPT_VM_DEV_H */
