// SPDX-License-Identifier: GPL-2.0
/*
 * Whole-VM save and load, and state digests.
 *
 * Stream layout (contexts, in order): "vm" (the save options and the VM
 * configuration), "mem" 0..n-1 (guest memory in chunks), per vCPU "core"
 * and "archdep", then one context per device instance.  A load reads and
 * checks the configuration first, stages everything else, lets the core
 * verify the rest of the stream, and only then applies the staged state:
 * a failed load leaves the target exactly as it was.
 */
#include <linux/lockdep.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/xxhash.h>
#include "../kunit_export.h"
#include "vm.h"
#include "vmentry.h"

#define V3_VM_VERSION	1

int v3_vm_config_save(struct v3_chkpt *chkpt, const struct v3_vm *vm, u32 opts)
{
	const struct v3chkpt_vm_config *c = &vm->cfg;
	const struct v3chkpt_workload *w = &c->workload;
	struct v3_chkpt_ctx *ctx;
	int ret;

	ctx = v3_chkpt_open_ctx(chkpt, "vm", 0, V3_VM_VERSION, V3_VM_VERSION);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	V3_CHKPT_SAVE(ctx, "options", opts, fail);
	V3_CHKPT_SAVE(ctx, "mem_bytes", c->mem_bytes, fail);
	V3_CHKPT_SAVE(ctx, "vcpus", c->vcpus, fail);
	V3_CHKPT_SAVE(ctx, "devices", c->devices, fail);
	V3_CHKPT_SAVE(ctx, "wl.ws_pages", w->ws_pages, fail);
	V3_CHKPT_SAVE(ctx, "wl.write_pct", w->write_pct, fail);
	V3_CHKPT_SAVE(ctx, "wl.pattern", w->pattern, fail);
	V3_CHKPT_SAVE(ctx, "wl.accesses", w->accesses, fail);
	V3_CHKPT_SAVE(ctx, "wl.io_every", w->io_every, fail);
	V3_CHKPT_SAVE(ctx, "wl.pace_us", w->pace_us, fail);
	V3_CHKPT_SAVE(ctx, "wl.seed", w->seed, fail);
	return v3_chkpt_close_ctx(ctx);
fail:
	ret = v3_chkpt_ctx_error(ctx);
	v3_chkpt_close_ctx(ctx);
	return ret;
}

int v3_vm_save(struct v3_vm *vm, const char *store, const char *url,
	       u32 opts, struct v3_vm_err *err)
{
	struct v3_chkpt *chkpt;
	bool was_running;
	int ret;
	u32 i;

	if (opts & ~V3CHKPT_SKIP_ALL)
		return v3_vm_fail(err, -EINVAL, "unknown save options 0x%x",
				  opts & ~V3CHKPT_SKIP_ALL);
	/*
	 * The store first: a net store may wait for its peer, and the VM
	 * keeps running meanwhile.
	 */
	chkpt = v3_chkpt_open(store, url, V3_CHKPT_MODE_SAVE);
	if (IS_ERR(chkpt))
		return v3_vm_fail(err, PTR_ERR(chkpt),
				  "cannot open store %s for saving (%ld)", store,
				  PTR_ERR(chkpt));
	ret = v3_vm_hold(vm, &was_running);
	if (ret) {
		v3_chkpt_abort(chkpt);
		return v3_vm_fail(err, ret, "VM %s is %s", vm->name,
				  ret == -EBUSY ? "stepping" :
				  ret == -EINTR ? "busy (interrupted waiting)" :
				  "destroyed");
	}
	ret = v3_vm_config_save(chkpt, vm, opts);
	if (ret) {
		v3_vm_fail(err, ret, "saving the VM configuration failed (%d)",
			   ret);
		goto abort;
	}
	if (!(opts & V3CHKPT_SKIP_MEM)) {
		ret = v3_mem_save(chkpt, &vm->mem, err);
		if (ret) {
			v3_vm_fail(err, ret, "saving guest memory failed (%d)",
				   ret);
			goto abort;
		}
	}
	for (i = 0; i < vm->cfg.vcpus; i++) {
		ret = v3_vcpu_save(chkpt, &vm->vcpus[i], opts);
		if (ret) {
			v3_vm_fail(err, ret, "saving vcpu%u failed (%d)", i,
				   ret);
			goto abort;
		}
	}
	if (!(opts & V3CHKPT_SKIP_DEVS)) {
		ret = v3_devs_save(chkpt, vm);
		if (ret) {
			v3_vm_fail(err, ret, "saving devices failed (%d)", ret);
			goto abort;
		}
	}
	ret = v3_chkpt_close(chkpt);
	if (ret)
		v3_vm_fail(err, ret, "committing the checkpoint failed (%d)",
			   ret);
	goto out;
abort:
	v3_chkpt_abort(chkpt);
out:
	v3_vm_release(vm, was_running);
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_vm_save);

int v3_vm_config_load(struct v3_chkpt *chkpt, struct v3chkpt_vm_config *c,
		      u32 *opts, struct v3_vm_err *err)
{
	struct v3chkpt_workload *w = &c->workload;
	struct v3_chkpt_ctx *ctx;
	int ret;

	ctx = v3_chkpt_open_ctx(chkpt, "vm", 0, V3_VM_VERSION, V3_VM_VERSION);
	if (IS_ERR(ctx))
		return v3_vm_fail(err, PTR_ERR(ctx),
				  "no VM configuration at the start of the stream (%ld)",
				  PTR_ERR(ctx));
	memset(c, 0, sizeof(*c));
	V3_CHKPT_LOAD(ctx, "options", *opts, fail);
	V3_CHKPT_LOAD(ctx, "mem_bytes", c->mem_bytes, fail);
	V3_CHKPT_LOAD(ctx, "vcpus", c->vcpus, fail);
	V3_CHKPT_LOAD(ctx, "devices", c->devices, fail);
	V3_CHKPT_LOAD(ctx, "wl.ws_pages", w->ws_pages, fail);
	V3_CHKPT_LOAD(ctx, "wl.write_pct", w->write_pct, fail);
	V3_CHKPT_LOAD(ctx, "wl.pattern", w->pattern, fail);
	V3_CHKPT_LOAD(ctx, "wl.accesses", w->accesses, fail);
	V3_CHKPT_LOAD(ctx, "wl.io_every", w->io_every, fail);
	V3_CHKPT_LOAD(ctx, "wl.pace_us", w->pace_us, fail);
	V3_CHKPT_LOAD(ctx, "wl.seed", w->seed, fail);
	ret = v3_chkpt_close_ctx(ctx);
	if (ret)
		return v3_vm_fail(err, ret, "VM configuration: %d", ret);
	if (*opts & ~V3CHKPT_SKIP_ALL)
		return v3_vm_fail(err, -ERANGE, "unknown save options 0x%x",
				  *opts);
	/*
	 * Writers store the configuration with its defaults filled in, so a
	 * zero here is damage, not "the default".
	 */
	if (!c->devices || !w->ws_pages || !w->write_pct || !w->accesses ||
	    !w->io_every || !w->pace_us || !w->seed)
		return v3_vm_fail(err, -ERANGE,
				  "VM configuration: a zero field (devices 0x%x, ws_pages %u, write_pct %u, accesses %u, io_every %u, pace_us %u, seed %llu)",
				  c->devices, w->ws_pages, w->write_pct,
				  w->accesses, w->io_every, w->pace_us, w->seed);
	/* A checkpoint never holds a configuration create would refuse. */
	return v3_vm_config_check(c, err, -ERANGE);
fail:
	ret = v3_chkpt_ctx_error(ctx);
	v3_chkpt_close_ctx(ctx);
	return v3_vm_fail(err, ret, "VM configuration: bad record (%d)", ret);
}

/* The pace is host timing, not guest state: it may differ. */
static int config_match(const struct v3chkpt_vm_config *s,
			const struct v3_vm *vm, struct v3_vm_err *err)
{
	const struct v3chkpt_vm_config *t = &vm->cfg;
	const struct v3chkpt_workload *sw = &s->workload, *tw = &t->workload;

#define MISMATCH(what, fmt, a, b) \
	v3_vm_fail(err, -EINVAL, \
		   "configuration mismatch: " what " " fmt " in the checkpoint, " \
		   fmt " in VM %s", a, b, vm->name)
	if (s->mem_bytes != t->mem_bytes)
		return MISMATCH("memory", "%llu MiB", s->mem_bytes >> 20,
				t->mem_bytes >> 20);
	if (s->vcpus != t->vcpus)
		return MISMATCH("vcpus", "%u", s->vcpus, t->vcpus);
	if (s->devices != t->devices)
		return MISMATCH("devices", "0x%x", s->devices, t->devices);
	if (sw->ws_pages != tw->ws_pages)
		return MISMATCH("workload ws_pages", "%u", sw->ws_pages,
				tw->ws_pages);
	if (sw->write_pct != tw->write_pct)
		return MISMATCH("workload write_pct", "%u", sw->write_pct,
				tw->write_pct);
	if (sw->pattern != tw->pattern)
		return MISMATCH("workload pattern", "%u", sw->pattern,
				tw->pattern);
	if (sw->accesses != tw->accesses)
		return MISMATCH("workload accesses", "%u", sw->accesses,
				tw->accesses);
	if (sw->io_every != tw->io_every)
		return MISMATCH("workload io_every", "%u", sw->io_every,
				tw->io_every);
	if (sw->seed != tw->seed)
		return MISMATCH("workload seed", "%llu", sw->seed, tw->seed);
	return 0;
#undef MISMATCH
}

struct v3_vm_stage {
	u32 opts;
	struct page **mem;
	struct v3_vcpu_core *core;
	struct v3_vcpu_archdep *arch;
	void **devs;
};

static void stage_free(struct v3_vm *vm, struct v3_vm_stage *s)
{
	if (s->mem) {
		v3_mem_free_staged(s->mem, vm->mem.npages);
		kvfree(s->mem);
	}
	if (s->devs) {
		v3_devs_free_staged(vm, s->devs);
		kfree(s->devs);
	}
	kvfree(s->core);
	kvfree(s->arch);
}

/*
 * Read everything after the configuration; the VM is not touched, except
 * the memory of a VM this load created (@fresh): nobody else can see it,
 * and a failed load destroys it, so staging a copy would only cost a
 * second VM's worth of memory.
 */
static int stage_load(struct v3_chkpt *chkpt, struct v3_vm *vm, bool fresh,
		      struct v3_vm_stage *s, struct v3_vm_err *err)
{
	u32 i, n = vm->cfg.vcpus;
	int ret;

	if (!(s->opts & V3CHKPT_SKIP_MEM) && fresh) {
		ret = v3_mem_load(chkpt, &vm->mem, NULL, err);
		if (ret)
			return ret;
	} else if (!(s->opts & V3CHKPT_SKIP_MEM)) {
		s->mem = kvcalloc(vm->mem.npages, sizeof(*s->mem), GFP_KERNEL);
		if (!s->mem)
			return v3_vm_fail(err, -ENOMEM,
					  "out of memory staging guest memory");
		ret = v3_mem_load(chkpt, &vm->mem, s->mem, err);
		if (ret)
			return ret;
	}
	s->core = kvcalloc(n, sizeof(*s->core), GFP_KERNEL);
	s->arch = kvcalloc(n, sizeof(*s->arch), GFP_KERNEL);
	if (!s->core || !s->arch)
		return v3_vm_fail(err, -ENOMEM, "out of memory staging vcpus");
	for (i = 0; i < n; i++) {
		ret = v3_vcpu_load(chkpt, i, s->opts, &s->core[i], &s->arch[i],
				   err);
		if (ret)
			return ret;
		if ((s->opts & V3CHKPT_SKIP_CORES) &&
		    (s->opts & V3CHKPT_SKIP_ARCHDEP))
			continue;
		/* The state the vCPU will hold: a skipped part stays as is. */
		ret = v3_vmentry_check(s->opts & V3CHKPT_SKIP_CORES ?
				       &vm->vcpus[i].core : &s->core[i],
				       s->opts & V3CHKPT_SKIP_ARCHDEP ?
				       &vm->vcpus[i].arch : &s->arch[i], i, err);
		if (ret)
			return ret;
		if (s->opts & V3CHKPT_SKIP_CORES)
			continue;
		/* The workload's constants: its share of memory, its set. */
		if (s->core[i].gpr[V3_RSI] != v3_workload_base(vm, i) ||
		    s->core[i].gpr[V3_RDI] != vm->cfg.workload.ws_pages ||
		    s->core[i].gpr[V3_RCX] >= vm->cfg.workload.ws_pages)
			return v3_vm_fail(err, -ERANGE,
					  "vcpu%u: rsi/rdi/rcx 0x%llx/0x%llx/0x%llx do not fit this VM's workload",
					  i, s->core[i].gpr[V3_RSI],
					  s->core[i].gpr[V3_RDI],
					  s->core[i].gpr[V3_RCX]);
	}
	if (!(s->opts & V3CHKPT_SKIP_DEVS)) {
		s->devs = kcalloc(max(vm->ndevs, 1U), sizeof(*s->devs),
				  GFP_KERNEL);
		if (!s->devs)
			return v3_vm_fail(err, -ENOMEM,
					  "out of memory staging devices");
		ret = v3_devs_load(chkpt, vm, s->devs, err);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * After everything this configuration has room for, the stream must end:
 * a context passed over or left behind (vCPU state for a vCPU the
 * configuration does not have, a device it lacks) would be dropped
 * silently, so the checkpoint does not mean what it says.
 */
static int no_place(struct v3_vm_err *err, const struct v3_vm *vm,
		    const char *name, u32 instance)
{
	return v3_vm_fail(err, -ERANGE,
			  "context %s#%u has no place in a VM of %u vCPUs and devices 0x%x",
			  name, instance, vm->cfg.vcpus, vm->cfg.devices);
}

static int stage_expect_end(struct v3_chkpt *chkpt, struct v3_vm *vm,
			    struct v3_vm_err *err)
{
	struct v3_chkpt_ctx *ctx;
	const char *name;
	u32 instance;
	int ret;

	/* The first one in the stream is named. */
	if (v3_chkpt_passed_over(chkpt, &name, &instance))
		return no_place(err, vm, name, instance);
	ctx = v3_chkpt_open_next_ctx(chkpt);
	if (!IS_ERR(ctx)) {
		ret = no_place(err, vm, v3_chkpt_ctx_name(ctx),
			       v3_chkpt_ctx_instance(ctx));
		v3_chkpt_close_ctx(ctx);
		return ret;
	}
	if (PTR_ERR(ctx) != -ENOENT)
		return v3_vm_fail(err, PTR_ERR(ctx),
				  "the end of the stream is damaged (%ld)",
				  PTR_ERR(ctx));
	return 0;
}

/* Cannot fail: everything was read and checked; vm->lock held. */
static void stage_apply(struct v3_vm *vm, struct v3_vm_stage *s)
{
	u32 i;

	lockdep_assert_held(&vm->lock);
	if (s->mem)
		v3_mem_apply(&vm->mem, s->mem);
	for (i = 0; i < vm->cfg.vcpus; i++) {
		struct v3_vcpu *v = &vm->vcpus[i];

		if (!(s->opts & V3CHKPT_SKIP_CORES))
			v->core = s->core[i];
		if (!(s->opts & V3CHKPT_SKIP_ARCHDEP))
			v->arch = s->arch[i];
		spin_lock(&vm->run_lock);
		v->error = 0;
		spin_unlock(&vm->run_lock);
	}
	if (s->devs)
		v3_devs_apply(vm, s->devs);
	vm->state = V3CHKPT_VM_PAUSED;
}

/* vCPU and device state of a held VM, as v3_vm_save writes it. */
int v3_vm_state_save(struct v3_chkpt *chkpt, struct v3_vm *vm)
{
	int ret = 0;
	u32 i;

	lockdep_assert_held(&vm->lock);
	for (i = 0; i < vm->cfg.vcpus && !ret; i++)
		ret = v3_vcpu_save(chkpt, &vm->vcpus[i], 0);
	return ret ?: v3_devs_save(chkpt, vm);
}

/*
 * Read and check the vCPU and device state of a VM nobody else sees yet
 * (a migration's destination, its memory written as it arrived); applied
 * by v3_vm_state_apply() once the rest of the stream has been verified.
 */
struct v3_vm_stage *v3_vm_state_stage(struct v3_chkpt *chkpt,
				      struct v3_vm *vm, struct v3_vm_err *err)
{
	struct v3_vm_stage *s = kzalloc(sizeof(*s), GFP_KERNEL_ACCOUNT);
	int ret;

	if (!s)
		return ERR_PTR(v3_vm_fail(err, -ENOMEM,
					  "out of memory staging the VM"));
	s->opts = V3CHKPT_SKIP_MEM;
	ret = stage_load(chkpt, vm, true, s, err);
	if (ret) {
		v3_vm_stage_free(vm, s);
		return ERR_PTR(ret);
	}
	return s;
}

void v3_vm_state_apply(struct v3_vm *vm, struct v3_vm_stage *s)
{
	mutex_lock(&vm->lock);
	stage_apply(vm, s);
	mutex_unlock(&vm->lock);
}

void v3_vm_stage_free(struct v3_vm *vm, struct v3_vm_stage *s)
{
	if (s) {
		stage_free(vm, s);
		kfree(s);
	}
}

int v3_vm_load(const char *name, const char *store, const char *url,
	       u32 flags, u32 *opts, struct v3_vm_err *err)
{
	bool create = flags & V3CHKPT_VM_LOAD_CREATE;
	struct v3_vm_stage s = {};
	struct v3chkpt_vm_config cfg;
	struct v3_chkpt *chkpt;
	struct v3_vm *vm;
	int ret;

	if (flags & ~V3CHKPT_VM_LOAD_CREATE)
		return v3_vm_fail(err, -EINVAL, "unknown load flags 0x%x",
				  flags);
	if (create) {
		vm = v3_vm_get(name);
		if (!IS_ERR(vm)) {
			v3_vm_put(vm);
			return v3_vm_fail(err, -EEXIST, "VM %s exists", name);
		}
		vm = NULL;	/* created once the configuration is read */
	} else {
		vm = v3_vm_get(name);
		if (IS_ERR(vm))
			return v3_vm_fail(err, -ENOENT, "no VM %s", name);
	}
	chkpt = v3_chkpt_open(store, url, V3_CHKPT_MODE_LOAD);
	if (IS_ERR(chkpt)) {
		/* Not the URL: a net URL carries its key. */
		ret = v3_vm_fail(err, PTR_ERR(chkpt),
				 "cannot open store %s for loading (%ld)", store,
				 PTR_ERR(chkpt));
		chkpt = NULL;
		goto out;
	}
	ret = v3_vm_config_load(chkpt, &cfg, &s.opts, err);
	if (ret)
		goto out;
	if (create) {
		vm = v3_vm_alloc(&cfg);
		if (IS_ERR(vm)) {
			ret = v3_vm_fail(err, PTR_ERR(vm),
					 "cannot create VM %s (%ld)", name,
					 PTR_ERR(vm));
			vm = NULL;
			goto out;
		}
	} else {
		ret = config_match(&cfg, vm, err);
		if (ret)
			goto out;
	}
	if (mutex_lock_killable(&vm->lock)) {
		ret = v3_vm_fail(err, -EINTR, "interrupted waiting for VM %s",
				 name);
		goto out;
	}
	if (vm->dying) {
		ret = v3_vm_fail(err, -ENOENT, "VM %s was destroyed", name);
		goto unlock;
	}
	if (vm->state == V3CHKPT_VM_RUNNING ||
	    vm->state == V3CHKPT_VM_STEPPING) {
		ret = v3_vm_fail(err, -EBUSY, "VM %s is running: pause it first",
				 name);
		goto unlock;
	}
	if (vm->migrating || vm->incoming) {
		ret = v3_vm_fail(err, -EBUSY, "VM %s is being migrated", name);
		goto unlock;
	}
	ret = stage_load(chkpt, vm, create, &s, err);
	if (!ret)
		ret = stage_expect_end(chkpt, vm, err);
	if (ret)
		goto unlock;
	/* Whatever follows must verify too before anything is applied. */
	ret = v3_chkpt_close(chkpt);
	chkpt = NULL;
	if (ret) {
		v3_vm_fail(err, ret, "the end of the stream is damaged (%d)",
			   ret);
		goto unlock;
	}
	stage_apply(vm, &s);
unlock:
	mutex_unlock(&vm->lock);
out:
	if (chkpt)
		v3_chkpt_abort(chkpt);
	if (vm)
		stage_free(vm, &s);
	if (create && vm) {
		if (!ret) {
			ret = v3_vm_publish(vm, name);
			if (ret)
				v3_vm_fail(err, ret, "VM %s exists", name);
		}
		if (ret)
			v3_vm_kill(vm);
	} else if (vm) {
		v3_vm_put(vm);
	}
	*opts = s.opts;
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_vm_load);

/* The digests of a held VM (its lock taken, paused) but its memory's. */
void v3_vm_digest_state(struct v3_vm *vm, struct v3chkpt_vm_digest *d)
{
	struct xxh64_state st;
	unsigned long i;

	lockdep_assert_held(&vm->lock);
	xxh64_reset(&st, 0);
	for (i = 0; i < vm->cfg.vcpus; i++) {
		xxh64_update(&st, &vm->vcpus[i].core, sizeof(vm->vcpus[i].core));
		xxh64_update(&st, &vm->vcpus[i].arch, sizeof(vm->vcpus[i].arch));
	}
	d->vcpus = xxh64_digest(&st);
	xxh64_reset(&st, 0);
	for (i = 0; i < vm->ndevs; i++) {
		struct v3_dev *dev = &vm->devs[i];

		spin_lock(&dev->lock);
		xxh64_update(&st, dev->name, sizeof(dev->name));
		v3_state_digest(&st, dev->ops->desc, dev->state);
		spin_unlock(&dev->lock);
	}
	d->devices = xxh64_digest(&st);
}

/* The total over the three parts. */
void v3_vm_digest_total(struct v3chkpt_vm_digest *d)
{
	u64 parts[3];

	parts[0] = cpu_to_le64(d->memory);
	parts[1] = cpu_to_le64(d->vcpus);
	parts[2] = cpu_to_le64(d->devices);
	d->total = xxh64(parts, sizeof(parts), 0);
}

void v3_vm_digest_locked(struct v3_vm *vm, struct v3chkpt_vm_digest *d)
{
	struct xxh64_state st;
	unsigned long i;

	lockdep_assert_held(&vm->lock);
	xxh64_reset(&st, 0);
	for (i = 0; i < vm->mem.npages; i++) {
		xxh64_update(&st, page_address(vm->mem.pages[i]), PAGE_SIZE);
		if (!(i & 4095))
			cond_resched();
	}
	d->memory = xxh64_digest(&st);
	v3_vm_digest_state(vm, d);
	v3_vm_digest_total(d);
}

int v3_vm_digest(struct v3_vm *vm, struct v3chkpt_vm_digest *d)
{
	bool was_running;
	int ret;

	ret = v3_vm_hold(vm, &was_running);
	if (ret)
		return ret;
	v3_vm_digest_locked(vm, d);
	v3_vm_release(vm, was_running);
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_vm_digest);
