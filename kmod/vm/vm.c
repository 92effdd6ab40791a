// SPDX-License-Identifier: GPL-2.0
/*
 * VMs: named kernel objects that outlive the process that created them
 * until destroyed (or the module is unloaded), and their run control.
 */
#include <linux/fs.h>
#include <linux/kthread.h>
#include <linux/lockdep.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "../kunit_export.h"
#include "vm.h"

static LIST_HEAD(v3_vms);
static DEFINE_MUTEX(v3_vms_lock);

/*
 * Fill in defaults and check a configuration: @code (-EINVAL for a
 * caller's request, -ERANGE for a stream's) with a reason.
 */
int v3_vm_config_check(struct v3chkpt_vm_config *cfg, struct v3_vm_err *err,
		       int code)
{
	struct v3chkpt_workload *wl = &cfg->workload;
	u64 part;

	if (!cfg->devices)
		cfg->devices = V3CHKPT_DEV_ALL;
	if (!wl->ws_pages)
		wl->ws_pages = 1024;
	if (!wl->write_pct)
		wl->write_pct = 30;
	if (!wl->accesses)
		wl->accesses = 64;
	if (!wl->io_every)
		wl->io_every = 16;
	if (!wl->pace_us)
		wl->pace_us = 100;
	if (!wl->seed)
		wl->seed = 1;
	if (cfg->reserved[0] || cfg->reserved[1] || wl->reserved[0] ||
	    wl->reserved[1])
		return v3_vm_fail(err, code, "reserved fields must be zero");
	if (cfg->mem_bytes < V3CHKPT_VM_MEM_MIN ||
	    cfg->mem_bytes > V3CHKPT_VM_MEM_MAX ||
	    cfg->mem_bytes & ((2ULL << 20) - 1))
		return v3_vm_fail(err, code,
				  "memory %llu bytes: need 64 MiB..64 GiB in 2 MiB steps",
				  cfg->mem_bytes);
	if (!cfg->vcpus || cfg->vcpus > V3CHKPT_VM_VCPUS_MAX)
		return v3_vm_fail(err, code, "vcpus %u: need 1..%u",
				  cfg->vcpus, V3CHKPT_VM_VCPUS_MAX);
	if (cfg->devices & ~V3CHKPT_DEV_ALL)
		return v3_vm_fail(err, code, "unknown devices 0x%x",
				  cfg->devices & ~V3CHKPT_DEV_ALL);
	part = (cfg->mem_bytes >> PAGE_SHIFT) / cfg->vcpus;
	if (wl->ws_pages > part)
		return v3_vm_fail(err, code,
				  "working set %u pages > %llu pages per vcpu",
				  wl->ws_pages, part);
	if (wl->write_pct > 100)
		return v3_vm_fail(err, code, "write percentage %u > 100",
				  wl->write_pct);
	if (wl->pattern > V3CHKPT_WL_HOTCOLD)
		return v3_vm_fail(err, code, "unknown pattern %u",
				  wl->pattern);
	if (wl->accesses > 4096)
		return v3_vm_fail(err, code, "accesses per step %u > 4096",
				  wl->accesses);
	if (wl->pace_us > 1000000)
		return v3_vm_fail(err, code, "pace %u us > 1 s",
				  wl->pace_us);
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_vm_config_check);

static void v3_vm_free(struct kref *ref)
{
	struct v3_vm *vm = container_of(ref, struct v3_vm, ref);

	v3_devs_destroy(vm);
	if (vm->mem_inode)
		iput(vm->mem_inode);
	v3_mem_destroy(&vm->mem);
	kvfree(vm->vcpus);
	kfree(vm);
}

void v3_vm_put(struct v3_vm *vm)
{
	kref_put(&vm->ref, v3_vm_free);
}
V3_EXPORT_FOR_TESTS(v3_vm_put);

static void v3_vm_stop_threads(struct v3_vm *vm)
{
	u32 i;

	for (i = 0; i < vm->cfg.vcpus; i++) {
		if (vm->vcpus[i].thread)
			kthread_stop(vm->vcpus[i].thread);
		vm->vcpus[i].thread = NULL;
	}
}

/* A paused, unlisted VM with power-on state; @cfg already checked. */
struct v3_vm *v3_vm_alloc(const struct v3chkpt_vm_config *cfg)
{
	struct v3_vm *vm;
	int ret = -ENOMEM;
	u32 i;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL_ACCOUNT);
	if (!vm)
		return ERR_PTR(-ENOMEM);
	kref_init(&vm->ref);
	INIT_LIST_HEAD(&vm->node);
	vm->cfg = *cfg;
	mutex_init(&vm->lock);
	mutex_init(&vm->dirty_lock);
	init_rwsem(&vm->map_lock);
	spin_lock_init(&vm->run_lock);
	init_waitqueue_head(&vm->run_wq);
	init_waitqueue_head(&vm->idle_wq);
	vm->state = V3CHKPT_VM_PAUSED;
	vm->vcpus = kvcalloc(cfg->vcpus, sizeof(*vm->vcpus),
			     GFP_KERNEL_ACCOUNT);
	if (!vm->vcpus)
		goto err;
	ret = v3_mem_init(&vm->mem, cfg->mem_bytes);
	if (ret)
		goto err;
	ret = v3_devs_init(vm);
	if (ret)
		goto err;
	for (i = 0; i < cfg->vcpus; i++) {
		struct v3_vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->id = i;
		v3_vcpu_reset(v);
	}
	for (i = 0; i < cfg->vcpus; i++) {
		struct task_struct *t;

		t = kthread_run(v3_vcpu_thread, &vm->vcpus[i], "v3vcpu/%u", i);
		if (IS_ERR(t)) {
			ret = PTR_ERR(t);
			goto err_threads;
		}
		vm->vcpus[i].thread = t;
	}
	return vm;

err_threads:
	v3_vm_stop_threads(vm);
err:
	v3_vm_put(vm);
	return ERR_PTR(ret);
}
V3_EXPORT_FOR_TESTS(v3_vm_alloc);

static struct v3_vm *v3_vm_find(const char *name)
{
	struct v3_vm *vm;

	list_for_each_entry(vm, &v3_vms, node)
		if (!strcmp(vm->name, name))
			return vm;
	return NULL;
}

/* List @vm under @name; the list holds the caller's reference. */
int v3_vm_publish(struct v3_vm *vm, const char *name)
{
	int ret = 0;

	mutex_lock(&v3_vms_lock);
	if (v3_vm_find(name)) {
		ret = -EEXIST;
	} else {
		strscpy(vm->name, name, sizeof(vm->name));
		list_add_tail(&vm->node, &v3_vms);
	}
	mutex_unlock(&v3_vms_lock);
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_vm_publish);

/* Unlist @vm if it still is, dropping the list's reference. */
void v3_vm_unpublish(struct v3_vm *vm)
{
	bool listed;

	mutex_lock(&v3_vms_lock);
	listed = !list_empty(&vm->node);
	if (listed)
		list_del_init(&vm->node);
	mutex_unlock(&v3_vms_lock);
	if (listed)
		v3_vm_put(vm);
}

struct v3_vm *v3_vm_get(const char *name)
{
	struct v3_vm *vm;

	mutex_lock(&v3_vms_lock);
	vm = v3_vm_find(name);
	if (vm)
		kref_get(&vm->ref);
	mutex_unlock(&v3_vms_lock);
	return vm ?: ERR_PTR(-ENOENT);
}
V3_EXPORT_FOR_TESTS(v3_vm_get);

static bool v3_vm_idle(struct v3_vm *vm)
{
	bool idle = true;
	u32 i;

	spin_lock(&vm->run_lock);
	for (i = 0; i < vm->cfg.vcpus; i++)
		if (vm->vcpus[i].active || vm->vcpus[i].budget)
			idle = false;
	spin_unlock(&vm->run_lock);
	return idle;
}

static void v3_vm_set_budgets(struct v3_vm *vm, u64 budget)
{
	u32 i;

	spin_lock(&vm->run_lock);
	for (i = 0; i < vm->cfg.vcpus; i++)
		vm->vcpus[i].budget = vm->vcpus[i].error ? 0 : budget;
	spin_unlock(&vm->run_lock);
	/* to run, or (a throttled vCPU's sleep) to stop at once */
	wake_up_all(&vm->run_wq);
}

static int v3_vm_fault(struct v3_vm *vm)
{
	u32 i;

	for (i = 0; i < vm->cfg.vcpus; i++)
		if (READ_ONCE(vm->vcpus[i].error))
			return vm->vcpus[i].error;
	return 0;
}

int v3_vm_set_throttle(struct v3_vm *vm, u32 pct)
{
	if (pct > 99)
		return -EINVAL;
	WRITE_ONCE(vm->throttle, pct);
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_vm_set_throttle);

u64 v3_vm_step_ns(struct v3_vm *vm)
{
	u64 ns = 0;
	u32 i;

	/* more vCPUs than host CPUs end their steps one after another */
	for (i = 0; i < vm->cfg.vcpus; i++)
		ns += READ_ONCE(vm->vcpus[i].step_ns);
	return ns;
}

bool v3_vm_failed(struct v3_vm *vm)
{
	return v3_vm_fault(vm);
}
V3_EXPORT_FOR_TESTS(v3_vm_failed);

static bool v3_vm_budget_left(struct v3_vm *vm)
{
	bool left = false;
	u32 i;

	spin_lock(&vm->run_lock);
	for (i = 0; i < vm->cfg.vcpus; i++)
		if (vm->vcpus[i].budget)
			left = true;
	spin_unlock(&vm->run_lock);
	return left;
}

/* Stop every vCPU at a step boundary and wait for it; lock held. */
static void v3_vm_stop(struct v3_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	if (vm->state == V3CHKPT_VM_MIGRATED)
		return;		/* stopped for good already */
	/* A STEP with steps still to run is cut short; one that ran out is not. */
	if (vm->state == V3CHKPT_VM_STEPPING && v3_vm_budget_left(vm))
		vm->cut_gen = vm->step_gen;
	v3_vm_set_budgets(vm, 0);
	wait_event(vm->idle_wq, v3_vm_idle(vm));
	vm->state = v3_vm_fault(vm) ? V3CHKPT_VM_FAILED : V3CHKPT_VM_PAUSED;
}

int v3_vm_run(struct v3_vm *vm)
{
	int ret = 0;

	/* A save or load holds the lock across I/O: wait killably. */
	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	if (vm->dying)
		ret = -ENOENT;
	else if (vm->incoming)
		ret = -EBUSY;	/* its migration has not said GO yet */
	else if (vm->state == V3CHKPT_VM_FAILED ||
		 vm->state == V3CHKPT_VM_MIGRATED || v3_vm_fault(vm))
		ret = -EIO;	/* load a checkpoint into it, or destroy it */
	else if (vm->state == V3CHKPT_VM_RUNNING ||
		 vm->state == V3CHKPT_VM_STEPPING)
		ret = -EBUSY;
	if (!ret) {
		vm->state = V3CHKPT_VM_RUNNING;
		v3_vm_set_budgets(vm, U64_MAX);
	}
	mutex_unlock(&vm->lock);
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_vm_run);

int v3_vm_pause(struct v3_vm *vm)
{
	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	v3_vm_stop(vm);
	mutex_unlock(&vm->lock);
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_vm_pause);

/*
 * STEP @gen is over: its vCPUs are idle, or a pause or destroy ended it
 * (a RUN may have restarted the vCPUs before this waiter looked: waiting
 * for idle alone would then last until the VM next stops).  Idle is read
 * first: a RUN seen through run_lock was preceded by the state change.
 */
static bool v3_vm_step_over(struct v3_vm *vm, u64 gen)
{
	return v3_vm_idle(vm) || READ_ONCE(vm->step_gen) != gen ||
	       READ_ONCE(vm->state) != V3CHKPT_VM_STEPPING;
}

/*
 * Run exactly @count steps on every vCPU.  The lock is dropped while
 * waiting, so pause and destroy can cut it short (-EINTR).
 */
int v3_vm_step(struct v3_vm *vm, u64 count)
{
	u64 gen = 0;
	int ret = 0;

	if (!count || count == U64_MAX)
		return -EINVAL;
	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	if (vm->dying)
		ret = -ENOENT;
	else if (vm->incoming)
		ret = -EBUSY;
	else if (vm->state == V3CHKPT_VM_FAILED ||
		 vm->state == V3CHKPT_VM_MIGRATED || v3_vm_fault(vm))
		ret = -EIO;
	else if (vm->state == V3CHKPT_VM_RUNNING ||
		 vm->state == V3CHKPT_VM_STEPPING)
		ret = -EBUSY;
	if (!ret) {
		vm->state = V3CHKPT_VM_STEPPING;
		gen = ++vm->step_gen;
		v3_vm_set_budgets(vm, count);
	}
	mutex_unlock(&vm->lock);
	if (ret)
		return ret;
	if (wait_event_killable(vm->idle_wq, v3_vm_step_over(vm, gen)))
		ret = -EINTR;
	mutex_lock(&vm->lock);
	/* Unless a pause or destroy (or a later STEP) already ended it */
	if (vm->state == V3CHKPT_VM_STEPPING && vm->step_gen == gen) {
		if (ret)
			v3_vm_stop(vm);	/* killed: cut it short */
		else
			vm->state = v3_vm_fault(vm) ? V3CHKPT_VM_FAILED :
						      V3CHKPT_VM_PAUSED;
	}
	if (vm->cut_gen == gen)
		ret = -EINTR;
	else if (!ret && v3_vm_fault(vm))
		ret = -EIO;
	mutex_unlock(&vm->lock);
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_vm_step);

/*
 * Take the lock and pause the VM for a consistent look at its state;
 * -EBUSY while a STEP runs, -EINTR if killed while another save or load
 * holds the lock.
 */
int v3_vm_hold(struct v3_vm *vm, bool *was_running)
{
	if (mutex_lock_killable(&vm->lock))
		return -EINTR;
	if (vm->dying || vm->state == V3CHKPT_VM_STEPPING) {
		mutex_unlock(&vm->lock);
		return vm->dying ? -ENOENT : -EBUSY;
	}
	*was_running = vm->state == V3CHKPT_VM_RUNNING;
	if (*was_running)
		v3_vm_stop(vm);
	return 0;
}

/* End a v3_vm_hold(): resume the VM if it was running; drops the lock. */
void v3_vm_release(struct v3_vm *vm, bool was_running)
{
	lockdep_assert_held(&vm->lock);
	if (was_running && vm->state == V3CHKPT_VM_PAUSED && !vm->dying) {
		vm->state = V3CHKPT_VM_RUNNING;
		v3_vm_set_budgets(vm, U64_MAX);
	}
	mutex_unlock(&vm->lock);
}

/* Stop and drop an unlisted (or just unlisted) VM. */
static void v3_vm_kill_locked(struct v3_vm *vm)
{
	lockdep_assert_held(&vm->lock);
	vm->dying = true;
	v3_vm_stop(vm);
	v3_vm_stop_threads(vm);
	/* its fd stays open; the fd's harvests say ENODEV */
	v3_dirty_stop(vm, NULL);
}

void v3_vm_kill(struct v3_vm *vm)
{
	mutex_lock(&vm->lock);
	v3_vm_kill_locked(vm);
	mutex_unlock(&vm->lock);
	v3_vm_put(vm);
}

/*
 * The VM's lock first, killably (a save or load may hold it across a
 * whole transfer); only then is the VM unlisted, so a destroy that was
 * killed while waiting changes nothing.
 */
int v3_vm_destroy(const char *name)
{
	struct v3_vm *vm;
	bool listed;

	vm = v3_vm_get(name);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	if (mutex_lock_killable(&vm->lock)) {
		v3_vm_put(vm);
		return -EINTR;
	}
	mutex_lock(&v3_vms_lock);
	listed = !list_empty(&vm->node);	/* not by a racing destroy */
	if (listed)
		list_del_init(&vm->node);
	mutex_unlock(&v3_vms_lock);
	if (listed)
		v3_vm_kill_locked(vm);
	mutex_unlock(&vm->lock);
	if (listed)
		v3_vm_put(vm);	/* the list's reference */
	v3_vm_put(vm);
	return listed ? 0 : -ENOENT;
}
V3_EXPORT_FOR_TESTS(v3_vm_destroy);

static u64 v3_vm_steps(struct v3_vm *vm)
{
	u64 steps = 0;
	u32 i;

	/* A racy sum while running: it is a progress figure. */
	for (i = 0; i < vm->cfg.vcpus; i++)
		steps += READ_ONCE(vm->vcpus[i].core.gpr[V3_RBX]);
	return steps;
}

int v3_vm_list(struct v3chkpt_vm_entry *out, unsigned int max)
{
	struct v3_vm *vm;
	unsigned int n = 0;

	mutex_lock(&v3_vms_lock);
	list_for_each_entry(vm, &v3_vms, node) {
		if (n < max) {
			struct v3chkpt_vm_entry *e = &out[n];

			memset(e, 0, sizeof(*e));
			strscpy(e->name, vm->name, sizeof(e->name));
			e->config = vm->cfg;
			e->error = v3_vm_fault(vm);
			/* A faulted vCPU has stopped the VM already. */
			e->state = e->error ? V3CHKPT_VM_FAILED :
					      READ_ONCE(vm->state);
			e->steps = v3_vm_steps(vm);
		}
		n++;
	}
	mutex_unlock(&v3_vms_lock);
	return n;
}

/* Module unload: destroy every VM (mappings keep their memory alive). */
void v3_vms_exit(void)
{
	struct v3_vm *vm;

	for (;;) {
		mutex_lock(&v3_vms_lock);
		vm = list_first_entry_or_null(&v3_vms, struct v3_vm, node);
		if (vm)
			list_del_init(&vm->node);
		mutex_unlock(&v3_vms_lock);
		if (!vm)
			break;
		v3_vm_kill(vm);
	}
}
