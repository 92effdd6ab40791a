/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Dirty-page tracking: at most one tracker per VM, in one of three EPT
 * modes (uapi V3CHKPT_DIRTY_*), always with the VMM's own writes and
 * writes through a user mapping of guest memory.  See docs/DIRTY.md.
 *
 * Writers (vCPU steps, the VMM accessor, the mapping's fault path) find
 * the tracker under RCU and only ever add pages to its set; the harvester
 * (start, harvest, stop, under vm->dirty_lock) alone takes them out.
 */
#ifndef _V3CHKPT_VM_DIRTY_H
#define _V3CHKPT_VM_DIRTY_H

#include <linux/types.h>

struct v3_vm;
struct v3_vcpu;

#define V3_PML_ENTRIES		512

/* What one harvest found and what it cost. */
struct v3_dirty_stats {
	u64 dirty;		/* pages returned */
	u64 ns;			/* time in the harvest */
	u64 exits;		/* violations (wp) / log-full exits (pml) */
	u64 scanned;		/* EPT entries read or updated */
};

/*
 * Harvester side, each under vm->dirty_lock.  Once start returns, a copy
 * of guest memory holds every write the tracker does not report.
 */
int v3_dirty_start(struct v3_vm *vm, u32 mode, const void *owner);
/*
 * OR the pages (by page index) written since the start or the last
 * harvest into @out (npages bits).  Every write that completes after the
 * call returns is reported by a later harvest.  @owner: the tracker's
 * starter, or NULL for whichever runs.
 */
int v3_dirty_harvest(struct v3_vm *vm, const void *owner, unsigned long *out,
		     struct v3_dirty_stats *st);
/* Stop tracking (if @owner started it, or any tracker if NULL). */
void v3_dirty_stop(struct v3_vm *vm, const void *owner);
bool v3_dirty_active(struct v3_vm *vm);

/* Writer side: never sleeps. */
/* The VMM wrote page @idx (after the write, as KVM's mark_page_dirty). */
void v3_mark_page_dirty(struct v3_vm *vm, unsigned long idx);
/* A write through a user mapping made page @idx writable there. */
void v3_dirty_map_write(struct v3_vm *vm, unsigned long idx);
/*
 * A guest write to @gpa hit a leaf without write permission: true if
 * the tracker protected it (the page is recorded and writable again,
 * retry the access), false for a real EPT violation.
 */
bool v3_dirty_wp_fault(struct v3_vcpu *v, u64 gpa);
/* A guest write set @gpa's dirty flag: log it (PML). */
void v3_dirty_log(struct v3_vcpu *v, u64 gpa);

#endif /* _V3CHKPT_VM_DIRTY_H */
