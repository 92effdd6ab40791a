// SPDX-License-Identifier: GPL-2.0
/*
 * The dirty-page tracker: a set of pages written since the last harvest,
 * filled by four writers and emptied by one harvester.
 *
 * Nothing is lost.  A guest access walks the EPT and then stores through
 * the translation it got, as a TLB entry is used after the walk; a vCPU
 * runs each step (walks, stores, device I/O) inside rcu_read_lock().  A
 * harvest takes pages out of the set, re-arms tracking for them (wp:
 * write-protects the leaf; ad and pml: clears its dirty flag) and then
 * waits for an RCU grace period before it returns them.  A store that
 * walked before the re-arm has landed by then, so the caller's copy holds
 * it; a store that walks after the re-arm faults or sets the dirty flag
 * again, so the next harvest returns the page.  The VMM marks a page after
 * writing it, so a harvest between the two misses nothing: the mark
 * lands in the next one.  A user mapping's PTE is made writable under
 * vm->map_lock (read) after the page is marked; the harvest write-protects
 * the pages it returns under that lock (write), with a TLB flush.
 */
#include <linux/bitmap.h>
#include <linux/ktime.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "../kunit_export.h"
#include "vm.h"

struct v3_pml {
	spinlock_t lock;	/* the vCPU appending, the harvester draining */
	u32 n;
	u64 gpa[V3_PML_ENTRIES];
};

struct v3_dirty {
	u32 mode;		/* V3CHKPT_DIRTY_* */
	const void *owner;	/* who stops it */
	unsigned long nwords;	/* words of @bits */
	unsigned long *bits;	/* written pages, by page index */
	unsigned long *summary;	/* bit w: @bits[w] may be non-zero */
	unsigned long *wp_owned;	/* wp: leaves whose W the tracker took */
	unsigned long *map_writable;	/* writable in a user mapping */
	unsigned long *map_scratch;	/* for v3_mem_map_protect() */
	struct v3_pml *pml;	/* pml: one log per vCPU */
	atomic64_t exits;
};

static struct v3_dirty *dirty_get(struct v3_vm *vm)
{
	return rcu_dereference(vm->dirty);
}

static struct v3_dirty *dirty_held(struct v3_vm *vm)
{
	return rcu_dereference_protected(vm->dirty,
					 lockdep_is_held(&vm->dirty_lock));
}

/* Add page @idx: the page bit first, then the summary that leads to it. */
static void dirty_set(struct v3_dirty *d, unsigned long idx)
{
	if (!test_and_set_bit(idx, d->bits))
		set_bit(BIT_WORD(idx), d->summary);
}

void v3_mark_page_dirty(struct v3_vm *vm, unsigned long idx)
{
	struct v3_dirty *d;

	rcu_read_lock();
	d = dirty_get(vm);
	if (d)
		dirty_set(d, idx);
	rcu_read_unlock();
}

void v3_dirty_map_write(struct v3_vm *vm, unsigned long idx)
{
	struct v3_dirty *d;

	lockdep_assert_held_read(&vm->map_lock);
	rcu_read_lock();
	d = dirty_get(vm);
	if (d) {
		set_bit(idx, d->map_writable);
		dirty_set(d, idx);
	}
	rcu_read_unlock();
}

bool v3_dirty_wp_fault(struct v3_vcpu *v, u64 gpa)
{
	struct v3_vm *vm = v->vm;
	long idx = v3_mem_gpa_to_idx(&vm->mem, gpa);
	struct v3_dirty *d;
	bool ours = false;

	rcu_read_lock();
	d = dirty_get(vm);
	if (d && d->wp_owned && idx >= 0 && test_bit(idx, d->wp_owned)) {
		/*
		 * Grant, then record: a harvest that takes the page between
		 * a record and a grant would leave it writable and unrecorded;
		 * one between a grant and a record leaves it for the next.
		 */
		v3_ept_leaf_update(&vm->mem.ept, gpa, 0, V3_EPT_W);
		dirty_set(d, idx);
		atomic64_inc(&d->exits);
		ours = true;
	}
	rcu_read_unlock();
	/* a stop gave W back after the walk: retry, not a violation */
	return ours || (v3_ept_leaf(&vm->mem.ept, gpa) & V3_EPT_W);
}
V3_EXPORT_FOR_TESTS(v3_dirty_wp_fault);

static void pml_drain(struct v3_vm *vm, struct v3_dirty *d, struct v3_pml *l)
{
	u32 i;

	lockdep_assert_held(&l->lock);
	for (i = 0; i < l->n; i++) {
		long idx = v3_mem_gpa_to_idx(&vm->mem, l->gpa[i]);

		if (idx >= 0)
			dirty_set(d, idx);
	}
	l->n = 0;
}

void v3_dirty_log(struct v3_vcpu *v, u64 gpa)
{
	struct v3_dirty *d;
	struct v3_pml *l;

	rcu_read_lock();
	d = dirty_get(v->vm);
	if (d && d->pml) {
		l = &d->pml[v->id];
		spin_lock(&l->lock);
		if (l->n == V3_PML_ENTRIES) {
			/* log-full exit: the VMM drains the log, the vCPU goes on */
			pml_drain(v->vm, d, l);
			atomic64_inc(&d->exits);
		}
		l->gpa[l->n++] = gpa & PAGE_MASK;
		spin_unlock(&l->lock);
	}
	rcu_read_unlock();
}

/* Zeroed bitmaps of any size: a 64 GiB VM's are 2 MiB each. */
static unsigned long *v3_bitmap_alloc(unsigned long bits)
{
	return kvcalloc(BITS_TO_LONGS(bits), sizeof(long), GFP_KERNEL_ACCOUNT);
}

static void dirty_free(struct v3_dirty *d)
{
	if (!d)
		return;
	kvfree(d->bits);
	kvfree(d->summary);
	kvfree(d->wp_owned);
	kvfree(d->map_writable);
	kvfree(d->map_scratch);
	kvfree(d->pml);
	kfree(d);
}

static struct v3_dirty *dirty_alloc(struct v3_vm *vm, u32 mode)
{
	unsigned long n = vm->mem.npages;
	struct v3_dirty *d;
	u32 i;

	d = kzalloc(sizeof(*d), GFP_KERNEL_ACCOUNT);
	if (!d)
		return NULL;
	d->mode = mode;
	d->nwords = BITS_TO_LONGS(n);
	d->bits = v3_bitmap_alloc(n);
	d->summary = v3_bitmap_alloc(d->nwords);
	d->map_writable = v3_bitmap_alloc(n);
	d->map_scratch = v3_bitmap_alloc(n);
	if (!d->bits || !d->summary || !d->map_writable || !d->map_scratch)
		goto fail;
	if (mode == V3CHKPT_DIRTY_WP) {
		d->wp_owned = v3_bitmap_alloc(n);
		if (!d->wp_owned)
			goto fail;
	}
	if (mode == V3CHKPT_DIRTY_PML) {
		d->pml = kvcalloc(vm->cfg.vcpus, sizeof(*d->pml),
				  GFP_KERNEL_ACCOUNT);
		if (!d->pml)
			goto fail;
		for (i = 0; i < vm->cfg.vcpus; i++)
			spin_lock_init(&d->pml[i].lock);
	}
	atomic64_set(&d->exits, 0);
	return d;
fail:
	dirty_free(d);
	return NULL;
}

bool v3_dirty_active(struct v3_vm *vm)
{
	return rcu_access_pointer(vm->dirty);
}
V3_EXPORT_FOR_TESTS(v3_dirty_active);

int v3_dirty_start(struct v3_vm *vm, u32 mode, const void *owner)
{
	struct v3_dirty *d;
	unsigned long i;
	int ret = 0;

	if (mode < V3CHKPT_DIRTY_WP || mode > V3CHKPT_DIRTY_PML)
		return -EINVAL;
	mutex_lock(&vm->dirty_lock);
	if (READ_ONCE(vm->dying)) {
		ret = -ENODEV;
		goto out;
	}
	if (v3_vm_failed(vm)) {
		ret = -EIO;	/* load a checkpoint into it, or destroy it */
		goto out;
	}
	if (dirty_held(vm)) {
		ret = -EBUSY;
		goto out;
	}
	/* Everything that can fail comes before the VM is touched. */
	d = dirty_alloc(vm, mode);
	if (!d) {
		ret = -ENOMEM;
		goto out;
	}
	d->owner = owner;
	if (mode == V3CHKPT_DIRTY_WP) {
		/* own the writable leaves first, so their faults are ours */
		for (i = 0; i < vm->mem.npages; i++)
			if (v3_ept_leaf(&vm->mem.ept, v3_mem_idx_to_gpa(&vm->mem,
								      i)) &
			    V3_EPT_W)
				__set_bit(i, d->wp_owned);
	}
	rcu_assign_pointer(vm->dirty, d);
	if (mode == V3CHKPT_DIRTY_WP) {
		for_each_set_bit(i, d->wp_owned, vm->mem.npages) {
			v3_ept_leaf_update(&vm->mem.ept,
					   v3_mem_idx_to_gpa(&vm->mem, i),
					   V3_EPT_W, 0);
			if (!(i & 4095))
				cond_resched();
		}
	} else {
		struct v3_ept_scan scan = { 0 };

		/* what was written before the start is not reported */
		v3_ept_scan_dirty(&vm->mem.ept, true, &scan);
	}
	down_write(&vm->map_lock);
	v3_mem_map_protect(vm, 0, vm->mem.npages, d->map_scratch);
	up_write(&vm->map_lock);
	mutex_unlock(&vm->dirty_lock);
	/*
	 * A store through a translation walked before the arming lands
	 * before start returns, so a copy of memory taken after it holds
	 * every write the tracker will not report.
	 */
	synchronize_rcu_expedited();
	return 0;
out:
	mutex_unlock(&vm->dirty_lock);
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_dirty_start);

/* Write-protect runs of mapped pages as the harvest returns them. */
struct map_run {
	unsigned long first, n;
};

static void map_run_add(struct v3_vm *vm, struct v3_dirty *d,
			struct map_run *r, unsigned long idx)
{
	if (r->n && idx == r->first + r->n) {
		r->n++;
		return;
	}
	if (r->n)
		v3_mem_map_protect(vm, r->first, r->n, d->map_scratch);
	r->first = idx;
	r->n = 1;
}

struct ad_scan {
	struct v3_vm *vm;
	struct v3_dirty *d;
};

static void ad_dirty(void *arg, u64 gpa)
{
	struct ad_scan *a = arg;
	long idx = v3_mem_gpa_to_idx(&a->vm->mem, gpa);

	if (idx >= 0)
		dirty_set(a->d, idx);
}

int v3_dirty_harvest(struct v3_vm *vm, const void *owner, unsigned long *out,
		     struct v3_dirty_stats *st)
{
	struct v3_mem *m = &vm->mem;
	struct map_run run = { 0 };
	struct v3_dirty *d;
	unsigned long w, b;
	u64 t0 = ktime_get_ns();
	u32 i;

	memset(st, 0, sizeof(*st));
	mutex_lock(&vm->dirty_lock);
	d = dirty_held(vm);
	if (!d || (owner && d->owner != owner)) {
		mutex_unlock(&vm->dirty_lock);
		return READ_ONCE(vm->dying) ? -ENODEV : -ENOENT;
	}
	if (d->mode == V3CHKPT_DIRTY_PML) {
		for (i = 0; i < vm->cfg.vcpus; i++) {
			spin_lock(&d->pml[i].lock);
			pml_drain(vm, d, &d->pml[i]);
			spin_unlock(&d->pml[i].lock);
		}
	} else if (d->mode == V3CHKPT_DIRTY_AD) {
		struct ad_scan a = { .vm = vm, .d = d };
		struct v3_ept_scan scan = { .dirty = ad_dirty, .arg = &a };

		v3_ept_scan_dirty(&m->ept, false, &scan);
		st->scanned = scan.entries;
	}
	down_write(&vm->map_lock);
	for_each_set_bit(w, d->summary, d->nwords) {
		unsigned long bits;

		clear_bit(w, d->summary);
		bits = xchg(&d->bits[w], 0);
		out[w] |= bits;
		for_each_set_bit(b, &bits, BITS_PER_LONG) {
			unsigned long idx = w * BITS_PER_LONG + b;
			u64 gpa = v3_mem_idx_to_gpa(m, idx);

			st->dirty++;
			if (d->wp_owned && test_bit(idx, d->wp_owned)) {
				v3_ept_leaf_update(&m->ept, gpa, V3_EPT_W, 0);
				st->scanned++;
			} else if (d->mode == V3CHKPT_DIRTY_PML) {
				v3_ept_leaf_update(&m->ept, gpa, V3_EPT_D, 0);
				st->scanned++;
			}
			if (test_and_clear_bit(idx, d->map_writable))
				map_run_add(vm, d, &run, idx);
		}
		if (!(w & 63))
			cond_resched();
	}
	if (run.n)
		v3_mem_map_protect(vm, run.first, run.n, d->map_scratch);
	up_write(&vm->map_lock);
	st->exits = atomic64_xchg(&d->exits, 0);
	mutex_unlock(&vm->dirty_lock);
	/* the stores of every step that walked before the re-arm land */
	synchronize_rcu_expedited();
	st->ns = ktime_get_ns() - t0;
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_dirty_harvest);

void v3_dirty_stop(struct v3_vm *vm, const void *owner)
{
	struct v3_dirty *d;
	unsigned long i;

	mutex_lock(&vm->dirty_lock);
	d = dirty_held(vm);
	if (!d || (owner && d->owner != owner)) {
		mutex_unlock(&vm->dirty_lock);
		return;
	}
	/* give the leaves back while faults still find the tracker */
	if (d->wp_owned)
		for_each_set_bit(i, d->wp_owned, vm->mem.npages) {
			v3_ept_leaf_update(&vm->mem.ept,
					   v3_mem_idx_to_gpa(&vm->mem, i),
					   0, V3_EPT_W);
			if (!(i & 4095))
				cond_resched();
		}
	down_write(&vm->map_lock);
	RCU_INIT_POINTER(vm->dirty, NULL);
	up_write(&vm->map_lock);
	mutex_unlock(&vm->dirty_lock);
	/* no writer still holds it */
	synchronize_rcu();
	dirty_free(d);
}
V3_EXPORT_FOR_TESTS(v3_dirty_stop);
