/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM host model: a Palacios-style VM inside the module.  Guest memory
 * (pages owned by the module, behind a software EPT), vCPUs with x86
 * architectural state running a deterministic workload on kernel threads,
 * and device models.  Declarations shared by kmod/vm/; not exported.
 */
#ifndef _V3CHKPT_VM_VM_H
#define _V3CHKPT_VM_VM_H

#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <uapi/linux/v3chkpt.h>
#include "dev.h"
#include "dirty.h"
#include "ept.h"
#include "err.h"

struct task_struct;

/*
 * Guest-physical layout: RAM from 0 up to 3 GiB, the rest from 4 GiB, so
 * the IO-APIC and local APIC pages sit in the hole between, as on a PC.
 */
#define V3_MEM_LOW_LIMIT	(3ULL << 30)
#define V3_MEM_HIGH_BASE	(4ULL << 30)

struct v3_mem {
	unsigned long npages;
	unsigned long low_pages;	/* pages below V3_MEM_LOW_LIMIT */
	struct page **pages;		/* by page index, not gpa */
	struct v3_ept ept;
};

static inline u64 v3_mem_idx_to_gpa(const struct v3_mem *m, unsigned long i)
{
	if (i < m->low_pages)
		return (u64)i << PAGE_SHIFT;
	return V3_MEM_HIGH_BASE + ((u64)(i - m->low_pages) << PAGE_SHIFT);
}

/* The page index of @gpa, or -1 if @gpa is not RAM. */
static inline long v3_mem_gpa_to_idx(const struct v3_mem *m, u64 gpa)
{
	u64 pfn = gpa >> PAGE_SHIFT;

	if (pfn < m->low_pages)
		return pfn;
	if (gpa >= V3_MEM_HIGH_BASE &&
	    pfn - (V3_MEM_HIGH_BASE >> PAGE_SHIFT) < m->npages - m->low_pages)
		return m->low_pages + pfn - (V3_MEM_HIGH_BASE >> PAGE_SHIFT);
	return -1;
}

int v3_mem_init(struct v3_mem *m, u64 bytes);
void v3_mem_destroy(struct v3_mem *m);

/* x86 architectural state, laid out without implicit padding. */
enum {
	V3_RAX, V3_RCX, V3_RDX, V3_RBX, V3_RSP, V3_RBP, V3_RSI, V3_RDI,
	V3_R8, V3_R9, V3_R10, V3_R11, V3_R12, V3_R13, V3_R14, V3_R15,
	V3_NR_GPRS
};

/* Attributes: type 3:0, S 4, DPL 6:5, P 7, AVL 8, L 9, D/B 10, G 11. */
#define V3_SEG_ATTR_MASK	0x0fffU

struct v3_seg {
	u64 base;
	u32 limit;
	u16 selector;
	u16 attr;
};

struct v3_dtable {
	u64 base;
	u16 limit;
	u16 pad[3];
};

enum {
	V3_SEG_CS, V3_SEG_DS, V3_SEG_ES, V3_SEG_FS, V3_SEG_GS, V3_SEG_SS,
	V3_SEG_LDTR, V3_SEG_TR, V3_NR_SEGS
};

/* The architecture-independent core state (SKIP_CORES leaves it out). */
struct v3_vcpu_core {
	u64 gpr[V3_NR_GPRS];
	u64 rip, rflags;
	u64 cr0, cr2, cr3, cr4, cr8, efer;
	u64 dr[4], dr6, dr7;
	struct v3_seg seg[V3_NR_SEGS];
	struct v3_dtable gdtr, idtr;
};

/* x87 + SSE + AVX in the standard (non-compacted) XSAVE format. */
#define V3_XSAVE_MAX		4096
#define V3_XCR0_SUPPORTED	0x7ULL

/* The processor-specific part (SKIP_ARCHDEP leaves it out). */
struct v3_vcpu_archdep {
	u64 star, lstar, cstar, sfmask, kernel_gs_base;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 tsc, apic_base, xcr0;
	u32 xsave_size;
	u32 pad;
	u8 xsave[V3_XSAVE_MAX];
};

struct v3_vm;

struct v3_vcpu {
	struct v3_vm *vm;
	u32 id;
	struct task_struct *thread;
	/* Written by the thread while it runs a step, else under vm->lock. */
	struct v3_vcpu_core core;
	struct v3_vcpu_archdep arch;
	/* Under vm->run_lock: steps left (U64_MAX: free run), in a step. */
	u64 budget;
	bool active;
	int error;		/* -errno of a fault; the vCPU stops */
	u64 step_ns;		/* the last step, wall time */
};

struct v3_vm {
	struct list_head node;		/* in the VM list, once published */
	struct kref ref;
	char name[V3CHKPT_VM_NAME_MAX];
	struct v3chkpt_vm_config cfg;	/* with defaults filled in */
	struct mutex lock;		/* control: run/pause/save/load/... */
	u32 state;			/* V3CHKPT_VM_*, under lock */
	u64 step_gen;			/* STEPs started, under lock */
	u64 cut_gen;			/* the last STEP cut short */
	bool dying;			/* destroyed: refuse everything */
	bool migrating;			/* a migration sends it, under lock */
	bool incoming;			/* arrived, awaiting GO: never runs */
	spinlock_t run_lock;		/* budgets and active flags */
	wait_queue_head_t run_wq;	/* vCPUs wait for a budget */
	wait_queue_head_t idle_wq;	/* control waits for idle vCPUs */
	struct v3_mem mem;
	/* Guest memory's own inode for user mappings; made at first map. */
	struct inode *mem_inode;
	/* Mapping faults (read) against tracker re-protection (write). */
	struct rw_semaphore map_lock;
	struct mutex dirty_lock;	/* the harvester: start/harvest/stop */
	struct v3_dirty __rcu *dirty;	/* the tracker, or NULL */
	u32 throttle;			/* % of vCPU time taken away */
	u32 ndevs;
	struct v3_dev *devs;
	struct v3_vcpu *vcpus;
};

/* vm.c */
int v3_vm_config_check(struct v3chkpt_vm_config *cfg, struct v3_vm_err *err,
		       int code);
struct v3_vm *v3_vm_alloc(const struct v3chkpt_vm_config *cfg);
int v3_vm_publish(struct v3_vm *vm, const char *name);
void v3_vm_unpublish(struct v3_vm *vm);
struct v3_vm *v3_vm_get(const char *name);	/* ERR_PTR(-ENOENT) */
void v3_vm_put(struct v3_vm *vm);
/* Stop its vCPUs, unlist it and drop the list's reference. */
int v3_vm_destroy(const char *name);
void v3_vm_kill(struct v3_vm *vm);
/* Take @pct % (0..99) of each vCPU's time away (auto-converge). */
int v3_vm_set_throttle(struct v3_vm *vm, u32 pct);
/* The longest a pause now waits for the vCPUs to end their steps. */
u64 v3_vm_step_ns(struct v3_vm *vm);
/* A vCPU faulted: the VM stays stopped until a load or destroy. */
bool v3_vm_failed(struct v3_vm *vm);
int v3_vm_run(struct v3_vm *vm);
int v3_vm_pause(struct v3_vm *vm);
int v3_vm_step(struct v3_vm *vm, u64 count);
/* Pause a running VM around a consistent read; lock held. */
int v3_vm_hold(struct v3_vm *vm, bool *was_running);
void v3_vm_release(struct v3_vm *vm, bool was_running);
int v3_vm_list(struct v3chkpt_vm_entry *out, unsigned int max);
void v3_vms_exit(void);

/* vcpu.c */
void v3_vcpu_reset(struct v3_vcpu *v);
int v3_vcpu_save(struct v3_chkpt *chkpt, const struct v3_vcpu *v, u32 opts);
int v3_vcpu_load(struct v3_chkpt *chkpt, u32 id, u32 opts,
		 struct v3_vcpu_core *core, struct v3_vcpu_archdep *arch,
		 struct v3_vm_err *err);
int v3_vcpu_thread(void *data);
extern const char * const v3_seg_names[V3_NR_SEGS];	/* "cs", ... */
int v3_vcpu_archdep_check(const struct v3_vcpu_archdep *a, u32 id,
			  struct v3_vm_err *err);

/* workload.c: one step of the guest program; 0 or the fault's -errno */
int v3_workload_step(struct v3_vcpu *v);
/* The first page (index) of vCPU @id's share of guest memory. */
static inline u64 v3_workload_base(const struct v3_vm *vm, u32 id)
{
	return (u64)(vm->mem.npages / vm->cfg.vcpus) * id;
}

/* mem.c: the VMM-side accessor (device models, I/O emulation) */
int v3_gpa_write(struct v3_vm *vm, u64 gpa, const void *buf, size_t len);
int v3_gpa_read(struct v3_vm *vm, u64 gpa, void *buf, size_t len);
int v3_mem_save(struct v3_chkpt *chkpt, struct v3_mem *m,
		struct v3_vm_err *err);
/*
 * Stage memory: @staged[i] is a page, or NULL for a zero page.  With
 * @staged NULL, load straight into @m: only for a VM nobody has seen yet
 * (zeroed, and destroyed if the load fails).
 */
int v3_mem_load(struct v3_chkpt *chkpt, struct v3_mem *m,
		struct page **staged, struct v3_vm_err *err);
void v3_mem_apply(struct v3_mem *m, struct page **staged);
void v3_mem_free_staged(struct page **staged, unsigned long n);
int v3_mem_map_fd(struct v3_vm *vm);
/*
 * Take write access away from user mappings of @n pages from page index
 * @first; vm->map_lock held for writing.  The next write through them
 * faults (v3_dirty_map_write).  @scratch: npages zeroed bits, left zeroed.
 */
void v3_mem_map_protect(struct v3_vm *vm, unsigned long first,
			unsigned long n, unsigned long *scratch);
int v3_mem_map_init(void);
void v3_mem_map_exit(void);

/* devmgr.c */
int v3_devs_init(struct v3_vm *vm);
void v3_devs_destroy(struct v3_vm *vm);
int v3_dev_io(struct v3_vm *vm, enum v3_io_space space, struct v3_io *io);
int v3_devs_save(struct v3_chkpt *chkpt, struct v3_vm *vm);
int v3_devs_load(struct v3_chkpt *chkpt, struct v3_vm *vm, void **staged,
		 struct v3_vm_err *err);
void v3_devs_apply(struct v3_vm *vm, void **staged);
void v3_devs_free_staged(struct v3_vm *vm, void **staged);

/* vm_chkpt.c */
int v3_vm_save(struct v3_vm *vm, const char *store, const char *url,
	       u32 opts, struct v3_vm_err *err);
int v3_vm_load(const char *name, const char *store, const char *url,
	       u32 flags, u32 *opts, struct v3_vm_err *err);
int v3_vm_digest(struct v3_vm *vm, struct v3chkpt_vm_digest *d);
void v3_vm_digest_locked(struct v3_vm *vm, struct v3chkpt_vm_digest *d);
void v3_vm_digest_state(struct v3_vm *vm, struct v3chkpt_vm_digest *d);
void v3_vm_digest_total(struct v3chkpt_vm_digest *d);
/* The pieces a migration sends and receives (vm_chkpt.c). */
struct v3_vm_stage;
int v3_vm_config_save(struct v3_chkpt *chkpt, const struct v3_vm *vm, u32 opts);
int v3_vm_config_load(struct v3_chkpt *chkpt, struct v3chkpt_vm_config *c,
		      u32 *opts, struct v3_vm_err *err);
int v3_vm_state_save(struct v3_chkpt *chkpt, struct v3_vm *vm);
struct v3_vm_stage *v3_vm_state_stage(struct v3_chkpt *chkpt,
				      struct v3_vm *vm, struct v3_vm_err *err);
void v3_vm_state_apply(struct v3_vm *vm, struct v3_vm_stage *s);
void v3_vm_stage_free(struct v3_vm *vm, struct v3_vm_stage *s);

/* vm_ioctl.c: handlers in chardev.c's ioctl table */
struct v3_ucmd;
int v3_vm_name_ok(const char *name);
int v3_vm_ioc_create(struct v3_ucmd *ucmd);
int v3_vm_ioc_list(struct v3_ucmd *ucmd);
int v3_vm_ioc_ctl(struct v3_ucmd *ucmd);
int v3_vm_ioc_digest(struct v3_ucmd *ucmd);
int v3_vm_ioc_save(struct v3_ucmd *ucmd);
int v3_vm_ioc_load(struct v3_ucmd *ucmd);
int v3_vm_ioc_map(struct v3_ucmd *ucmd);
int v3_vm_ioc_dirty(struct v3_ucmd *ucmd);

/* dirty_fd.c: a new fd owning @vm's tracker, started in @mode */
int v3_dirty_fd(struct v3_vm *vm, u32 mode);

#endif /* _V3CHKPT_VM_VM_H */
