// SPDX-License-Identifier: GPL-2.0
/*
 * The device manager: a VM's named device instances, I/O dispatch from
 * vCPUs, and saving, staging and applying device state.
 */
#include <linux/slab.h>
#include "../kunit_export.h"
#include "dev_pic.h"
#include "vm.h"

/* Instantiation, save and load order; part of the stream's layout. */
static const struct v3_dev_ops * const v3_dev_table[] = {
	&v3_pit_ops, &v3_pic_ops, &v3_uart_ops, &v3_rtc_ops, &v3_ioapic_ops,
	&v3_lapic_ops,
};

/*
 * The suites drive the models directly, without a VM: the manager exports
 * the models it tables (and the PIC's input lines) to them.
 */
V3_EXPORT_FOR_TESTS(v3_pit_ops);
V3_EXPORT_FOR_TESTS(v3_pic_ops);
V3_EXPORT_FOR_TESTS(v3_uart_ops);
V3_EXPORT_FOR_TESTS(v3_rtc_ops);
V3_EXPORT_FOR_TESTS(v3_ioapic_ops);
V3_EXPORT_FOR_TESTS(v3_lapic_ops);
V3_EXPORT_FOR_TESTS(v3_pic_set_irq);

int v3_devs_init(struct v3_vm *vm)
{
	u32 i, k, n = 0;

	for (i = 0; i < ARRAY_SIZE(v3_dev_table); i++)
		if (vm->cfg.devices & v3_dev_table[i]->mask)
			n += v3_dev_table[i]->per_vcpu ? vm->cfg.vcpus : 1;
	vm->devs = kcalloc(max(n, 1U), sizeof(*vm->devs), GFP_KERNEL_ACCOUNT);
	if (!vm->devs)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(v3_dev_table); i++) {
		const struct v3_dev_ops *ops = v3_dev_table[i];

		if (!(vm->cfg.devices & ops->mask))
			continue;
		for (k = 0; k < (ops->per_vcpu ? vm->cfg.vcpus : 1); k++) {
			struct v3_dev *d = &vm->devs[vm->ndevs];

			d->state = kzalloc(ops->desc->size, GFP_KERNEL_ACCOUNT);
			if (!d->state)
				return -ENOMEM;	/* caller tears down */
			d->ops = ops;
			d->instance = k;
			snprintf(d->name, sizeof(d->name), "%s%u", ops->type, k);
			spin_lock_init(&d->lock);
			ops->reset(d->state, k);
			vm->ndevs++;
		}
	}
	return 0;
}

void v3_devs_destroy(struct v3_vm *vm)
{
	u32 i;

	for (i = 0; vm->devs && i < vm->ndevs; i++)
		kfree(vm->devs[i].state);
	kfree(vm->devs);
	vm->devs = NULL;
	vm->ndevs = 0;
}

/*
 * Route an access to the device decoding it.  Ranges may nest (the PIC
 * pair's range spans 0x20-0xa1, around the PIT's and the RTC's): the
 * narrowest range that holds the address wins.
 */
int v3_dev_io(struct v3_vm *vm, enum v3_io_space space, struct v3_io *io)
{
	struct v3_dev *best = NULL;
	u32 i;
	int ret;

	for (i = 0; i < vm->ndevs; i++) {
		struct v3_dev *d = &vm->devs[i];
		const struct v3_dev_ops *ops = d->ops;

		if (ops->space != space || io->addr < ops->base ||
		    io->addr - ops->base >= ops->len)
			continue;
		if (ops->per_vcpu && d->instance != io->vcpu)
			continue;
		if (!best || ops->len < best->ops->len)
			best = d;
	}
	if (!best)
		return -ENODEV;
	spin_lock(&best->lock);
	ret = best->ops->io(best->state, io);
	spin_unlock(&best->lock);
	return ret;
}

int v3_dev_state_save(const struct v3_dev_ops *ops, struct v3_chkpt_ctx *ctx,
		      const void *state)
{
	return v3_state_save(ctx, ops->desc, state);
}
V3_EXPORT_FOR_TESTS(v3_dev_state_save);

int v3_dev_state_load(const struct v3_dev_ops *ops, struct v3_chkpt_ctx *ctx,
		      void *state, u32 instance, struct v3_vm_err *err)
{
	struct v3_state_where w = {
		.instance = instance,
		.version = v3_chkpt_ctx_version(ctx),
	};

	snprintf(w.prefix, sizeof(w.prefix), "%s%u: ", ops->type, instance);
	return v3_state_load(ctx, ops->desc, state, &w, err);
}
V3_EXPORT_FOR_TESTS(v3_dev_state_load);

int v3_devs_save(struct v3_chkpt *chkpt, struct v3_vm *vm)
{
	int ret = 0;
	u32 i;

	for (i = 0; i < vm->ndevs && !ret; i++) {
		struct v3_dev *d = &vm->devs[i];
		struct v3_chkpt_ctx *ctx;
		void *copy;

		/* Saving may sleep: work from a copy taken under the lock. */
		copy = kmalloc(d->ops->desc->size, GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
		spin_lock(&d->lock);
		memcpy(copy, d->state, d->ops->desc->size);
		spin_unlock(&d->lock);
		ctx = v3_chkpt_open_ctx(chkpt, d->ops->type, d->instance,
					d->ops->min_version, d->ops->version);
		if (IS_ERR(ctx)) {
			ret = PTR_ERR(ctx);
		} else {
			ret = v3_dev_state_save(d->ops, ctx, copy);
			ret = v3_chkpt_close_ctx(ctx) ?: ret;
		}
		kfree(copy);
	}
	return ret;
}

void v3_devs_free_staged(struct v3_vm *vm, void **staged)
{
	u32 i;

	for (i = 0; staged && i < vm->ndevs; i++)
		kfree(staged[i]);
}

/* Fill @staged[i] for every device; nothing of the VM changes. */
int v3_devs_load(struct v3_chkpt *chkpt, struct v3_vm *vm, void **staged,
		 struct v3_vm_err *err)
{
	u32 i;
	int ret;

	for (i = 0; i < vm->ndevs; i++) {
		struct v3_dev *d = &vm->devs[i];
		struct v3_chkpt_ctx *ctx;

		staged[i] = kzalloc(d->ops->desc->size, GFP_KERNEL);
		if (!staged[i])
			return v3_vm_fail(err, -ENOMEM, "%s: out of memory",
					  d->name);
		ctx = v3_chkpt_open_ctx(chkpt, d->ops->type, d->instance,
					d->ops->min_version, d->ops->version);
		if (IS_ERR(ctx))
			return v3_vm_fail(err, PTR_ERR(ctx),
					  "%s: cannot open its state (%ld)",
					  d->name, PTR_ERR(ctx));
		ret = v3_dev_state_load(d->ops, ctx, staged[i], d->instance,
					err);
		ret = v3_chkpt_close_ctx(ctx) ?: ret;
		if (ret)
			return v3_vm_fail(err, ret, "%s: load failed (%d)",
					  d->name, ret);
	}
	return 0;
}

void v3_devs_apply(struct v3_vm *vm, void **staged)
{
	u32 i;

	for (i = 0; i < vm->ndevs; i++) {
		struct v3_dev *d = &vm->devs[i];

		spin_lock(&d->lock);
		memcpy(d->state, staged[i], d->ops->desc->size);
		spin_unlock(&d->lock);
	}
}
