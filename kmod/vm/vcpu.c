// SPDX-License-Identifier: GPL-2.0
/*
 * vCPUs: x86 architectural state (reset, field-by-field save and load,
 * the checks a load makes) and the kernel thread that runs the workload.
 */
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/string.h>
#include <asm/processor-flags.h>
#include "../kunit_export.h"
#include "vm.h"

#define V3_CORE_VERSION		1
#define V3_ARCHDEP_VERSION	1

/* XSAVE: legacy area 512 bytes, header 64, AVX state 256 */
#define V3_XSAVE_HDR		512
#define V3_MXCSR_MASK		0xffffU

const char * const v3_seg_names[V3_NR_SEGS] = {
	"cs", "ds", "es", "fs", "gs", "ss", "ldtr", "tr",
};


static u32 xsave_size(u64 xcr0)
{
	return (xcr0 & BIT_ULL(2)) ? V3_XSAVE_HDR + 64 + 256 :
				      V3_XSAVE_HDR + 64;
}

/* 64-bit mode after firmware handed over, as a VMM creates its vCPUs. */
void v3_vcpu_reset(struct v3_vcpu *v)
{
	struct v3_vcpu_core *c = &v->core;
	struct v3_vcpu_archdep *a = &v->arch;
	const struct v3chkpt_workload *wl = &v->vm->cfg.workload;
	int i;

	memset(c, 0, sizeof(*c));
	memset(a, 0, sizeof(*a));
	c->rip = 0x100000;
	c->rflags = X86_EFLAGS_FIXED;
	c->cr0 = X86_CR0_PE | X86_CR0_MP | X86_CR0_ET | X86_CR0_NE |
		 X86_CR0_WP | X86_CR0_PG;
	c->cr3 = 0x1000;
	c->cr4 = X86_CR4_PAE | X86_CR4_PGE | X86_CR4_OSFXSR |
		 X86_CR4_OSXMMEXCPT | X86_CR4_OSXSAVE;
	c->efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NX;
	c->dr6 = 0xffff0ff0;
	c->dr7 = 0x400;
	for (i = 0; i < V3_NR_SEGS; i++) {
		c->seg[i].limit = 0xffffffff;
		c->seg[i].selector = 0x18;
		c->seg[i].attr = 0xc93;		/* data, present, 4 KiB */
	}
	c->seg[V3_SEG_CS].selector = 0x10;
	c->seg[V3_SEG_CS].attr = 0xa9b;	/* 64-bit code */
	/* an LDT of 64 KiB, byte-granular, as KVM resets it */
	c->seg[V3_SEG_LDTR].attr = 0x82;
	c->seg[V3_SEG_LDTR].selector = 0;
	c->seg[V3_SEG_LDTR].limit = 0xffff;
	c->seg[V3_SEG_TR].attr = 0x8b;
	c->seg[V3_SEG_TR].selector = 0x28;
	c->seg[V3_SEG_TR].limit = 0x67;
	c->gdtr.base = 0x2000;
	c->gdtr.limit = 0x37;
	c->idtr.base = 0x3000;
	c->idtr.limit = 0xfff;
	/* The workload's registers: its part of memory and its seed. */
	c->gpr[V3_RSI] = v3_workload_base(v->vm, v->id);
	c->gpr[V3_RDI] = wl->ws_pages;
	c->gpr[V3_RDX] = wl->seed * 0x9e3779b97f4a7c15ULL + v->id + 1;
	c->gpr[V3_RSP] = 0x8000;

	a->star = 0x0023001000000000ULL;
	a->lstar = 0xffffffff81000000ULL;
	a->sfmask = 0x47700;
	a->apic_base = 0xfee00000 | BIT(11) | (v->id ? 0 : BIT(8));
	a->xcr0 = V3_XCR0_SUPPORTED;
	a->xsave_size = xsave_size(a->xcr0);
	/* FCW 0x37f, MXCSR 0x1f80, MXCSR_MASK, XSTATE_BV x87|SSE */
	*(u16 *)&a->xsave[0] = 0x37f;
	*(u32 *)&a->xsave[24] = 0x1f80;
	*(u32 *)&a->xsave[28] = V3_MXCSR_MASK;
	a->xsave[V3_XSAVE_HDR] = 0x3;
}

/*
 * The core and archdep contexts, described once (vmstate.h); the XSAVE
 * area follows the archdep fields as a bounded blob of its own length.
 */
#define CORE(tag, m)	V3_STATE_BLOB_TAG(struct v3_vcpu_core, m, tag)
#define SEG(m)		V3_STATE_BLOB(struct v3_seg, m)
#define ARCH(tag, m)	V3_STATE_BLOB_TAG(struct v3_vcpu_archdep, m, tag)

/* Each segment register's fields, tagged "cs.base", "cs.limit", ... */
static const struct v3_state_field seg_fields[] = {
	SEG(base), SEG(limit), SEG(selector), SEG(attr),
};

static const struct v3_state_desc seg_desc =
	V3_STATE_DESC(struct v3_seg, seg_fields, NULL);

static const struct v3_state_field core_fields[] = {
	CORE("rax", gpr[V3_RAX]), CORE("rcx", gpr[V3_RCX]),
	CORE("rdx", gpr[V3_RDX]), CORE("rbx", gpr[V3_RBX]),
	CORE("rsp", gpr[V3_RSP]), CORE("rbp", gpr[V3_RBP]),
	CORE("rsi", gpr[V3_RSI]), CORE("rdi", gpr[V3_RDI]),
	CORE("r8", gpr[V3_R8]), CORE("r9", gpr[V3_R9]),
	CORE("r10", gpr[V3_R10]), CORE("r11", gpr[V3_R11]),
	CORE("r12", gpr[V3_R12]), CORE("r13", gpr[V3_R13]),
	CORE("r14", gpr[V3_R14]), CORE("r15", gpr[V3_R15]),
	CORE("rip", rip), CORE("rflags", rflags),
	CORE("cr0", cr0), CORE("cr2", cr2), CORE("cr3", cr3),
	CORE("cr4", cr4), CORE("cr8", cr8), CORE("efer", efer),
	CORE("dr0", dr[0]), CORE("dr1", dr[1]), CORE("dr2", dr[2]),
	CORE("dr3", dr[3]), CORE("dr6", dr6), CORE("dr7", dr7),
	CORE("gdtr.base", gdtr.base), CORE("gdtr.limit", gdtr.limit),
	CORE("idtr.base", idtr.base), CORE("idtr.limit", idtr.limit),
	V3_STATE_STRUCTS(struct v3_vcpu_core, seg, &seg_desc, v3_seg_names),
};

static const struct v3_state_desc core_desc =
	V3_STATE_DESC(struct v3_vcpu_core, core_fields, NULL);

static const struct v3_state_field archdep_fields[] = {
	ARCH("msr.star", star), ARCH("msr.lstar", lstar),
	ARCH("msr.cstar", cstar), ARCH("msr.sfmask", sfmask),
	ARCH("msr.kernel_gs_base", kernel_gs_base),
	ARCH("msr.sysenter_cs", sysenter_cs),
	ARCH("msr.sysenter_esp", sysenter_esp),
	ARCH("msr.sysenter_eip", sysenter_eip),
	ARCH("tsc", tsc), ARCH("apic_base", apic_base), ARCH("xcr0", xcr0),
};

static const struct v3_state_desc archdep_desc =
	V3_STATE_DESC(struct v3_vcpu_archdep, archdep_fields, NULL);

static void vcpu_where(struct v3_state_where *w, u32 id)
{
	memset(w, 0, sizeof(*w));
	w->instance = id;
	snprintf(w->prefix, sizeof(w->prefix), "vcpu%u: ", id);
}

static int save_core(struct v3_chkpt_ctx *ctx, const struct v3_vcpu_core *c)
{
	return v3_state_save(ctx, &core_desc, c);
}

static int load_core(struct v3_chkpt_ctx *ctx, struct v3_vcpu_core *c,
		     u32 id, struct v3_vm_err *err)
{
	struct v3_state_where w;

	vcpu_where(&w, id);
	return v3_state_load(ctx, &core_desc, c, &w, err);
}

static int save_archdep(struct v3_chkpt_ctx *ctx,
			const struct v3_vcpu_archdep *a)
{
	return v3_state_save(ctx, &archdep_desc, a) ?:
	       v3_chkpt_save(ctx, "xsave", a->xsave_size, a->xsave);
}

static int load_archdep(struct v3_chkpt_ctx *ctx, struct v3_vcpu_archdep *a,
			u32 id, struct v3_vm_err *err)
{
	struct v3_state_where w;
	s64 len;
	int ret;

	vcpu_where(&w, id);
	ret = v3_state_load(ctx, &archdep_desc, a, &w, err);
	if (ret)
		return ret;
	len = v3_chkpt_blob_len(ctx, "xsave");
	if (len < 0)
		return v3_vm_fail(err, len, "vcpu%u: no xsave area (%lld)", id,
				  len);
	if (len > V3_XSAVE_MAX || len < V3_XSAVE_HDR + 64)
		return v3_vm_fail(err, -ERANGE,
				  "vcpu%u: xsave area of %lld bytes (%u..%u)",
				  id, len, V3_XSAVE_HDR + 64, V3_XSAVE_MAX);
	a->xsave_size = len;
	ret = v3_chkpt_load(ctx, "xsave", len, a->xsave);
	if (ret)
		return v3_vm_fail(err, ret, "vcpu%u: xsave unreadable (%d)",
				  id, ret);
	return 0;
}

/*
 * The XSAVE area as XSETBV and XRSTOR would take it; the registers go
 * through the VM-entry rules (vmentry.c) once the whole vCPU is staged.
 */
int v3_vcpu_archdep_check(const struct v3_vcpu_archdep *a, u32 id,
			  struct v3_vm_err *err)
{
	u64 bv, comp;
	u32 mxcsr;

#define BAD(fmt, ...) v3_vm_fail(err, -ERANGE, "vcpu%u: " fmt, id, ##__VA_ARGS__)
	if (!(a->xcr0 & 1) || (a->xcr0 & ~V3_XCR0_SUPPORTED) ||
	    ((a->xcr0 & 4) && !(a->xcr0 & 2)))
		return BAD("xcr0 0x%llx not supported", a->xcr0);
	if (a->xsave_size != xsave_size(a->xcr0))
		return BAD("xsave area of %u bytes, xcr0 0x%llx needs %u",
			   a->xsave_size, a->xcr0, xsave_size(a->xcr0));
	memcpy(&mxcsr, &a->xsave[24], sizeof(mxcsr));
	memcpy(&bv, &a->xsave[V3_XSAVE_HDR], sizeof(bv));
	memcpy(&comp, &a->xsave[V3_XSAVE_HDR + 8], sizeof(comp));
	if (mxcsr & ~V3_MXCSR_MASK)
		return BAD("mxcsr 0x%x has reserved bits set", mxcsr);
	if (bv & ~a->xcr0)
		return BAD("xstate_bv 0x%llx not in xcr0 0x%llx", bv, a->xcr0);
	if (comp || memchr_inv(&a->xsave[V3_XSAVE_HDR + 16], 0, 48))
		return BAD("xsave header reserved bytes are not zero");
	return 0;
#undef BAD
}
V3_EXPORT_FOR_TESTS(v3_vcpu_archdep_check);

int v3_vcpu_save(struct v3_chkpt *chkpt, const struct v3_vcpu *v, u32 opts)
{
	struct v3_chkpt_ctx *ctx;
	int ret;

	if (!(opts & V3CHKPT_SKIP_CORES)) {
		ctx = v3_chkpt_open_ctx(chkpt, "core", v->id, V3_CORE_VERSION,
					V3_CORE_VERSION);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
		ret = save_core(ctx, &v->core);
		ret = v3_chkpt_close_ctx(ctx) ?: ret;
		if (ret)
			return ret;
	}
	if (!(opts & V3CHKPT_SKIP_ARCHDEP)) {
		ctx = v3_chkpt_open_ctx(chkpt, "archdep", v->id,
					V3_ARCHDEP_VERSION, V3_ARCHDEP_VERSION);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
		ret = save_archdep(ctx, &v->arch);
		ret = v3_chkpt_close_ctx(ctx) ?: ret;
		if (ret)
			return ret;
	}
	return 0;
}

int v3_vcpu_load(struct v3_chkpt *chkpt, u32 id, u32 opts,
		 struct v3_vcpu_core *core, struct v3_vcpu_archdep *arch,
		 struct v3_vm_err *err)
{
	struct v3_chkpt_ctx *ctx;
	int ret;

	if (!(opts & V3CHKPT_SKIP_CORES)) {
		ctx = v3_chkpt_open_ctx(chkpt, "core", id, V3_CORE_VERSION,
					V3_CORE_VERSION);
		if (IS_ERR(ctx))
			return v3_vm_fail(err, PTR_ERR(ctx),
					  "vcpu%u core state: cannot open (%ld)",
					  id, PTR_ERR(ctx));
		memset(core, 0, sizeof(*core));
		ret = load_core(ctx, core, id, err);
		ret = v3_chkpt_close_ctx(ctx) ?: ret;
		if (ret)
			return v3_vm_fail(err, ret, "vcpu%u core state (%d)",
					  id, ret);
	}
	if (!(opts & V3CHKPT_SKIP_ARCHDEP)) {
		ctx = v3_chkpt_open_ctx(chkpt, "archdep", id,
					V3_ARCHDEP_VERSION, V3_ARCHDEP_VERSION);
		if (IS_ERR(ctx))
			return v3_vm_fail(err, PTR_ERR(ctx),
					  "vcpu%u archdep state: cannot open (%ld)",
					  id, PTR_ERR(ctx));
		memset(arch, 0, sizeof(*arch));
		ret = load_archdep(ctx, arch, id, err);
		ret = v3_chkpt_close_ctx(ctx) ?: ret;
		ret = ret ?: v3_vcpu_archdep_check(arch, id, err);
		if (ret)
			return v3_vm_fail(err, ret, "vcpu%u archdep state (%d)",
					  id, ret);
	}
	return 0;
}

/* Take the next step if the budget allows; false parks the vCPU. */
static bool vcpu_claim_step(struct v3_vcpu *v)
{
	struct v3_vm *vm = v->vm;
	bool go;

	spin_lock(&vm->run_lock);
	go = v->budget && !v->error && !kthread_should_stop();
	if (go && v->budget != U64_MAX)
		v->budget--;
	v->active = go;
	spin_unlock(&vm->run_lock);
	if (!go)
		wake_up_all(&vm->idle_wq);
	return go;
}

static bool vcpu_runnable(struct v3_vcpu *v)
{
	bool r;

	spin_lock(&v->vm->run_lock);
	r = v->budget && !v->error;
	spin_unlock(&v->vm->run_lock);
	return r || kthread_should_stop();
}

/*
 * Sleep @ns, or less if a pause (the budget taken away) or a stop comes:
 * a vCPU idling or throttled is kicked out at once, as by an IPI, since
 * a pause that waits for it is downtime.
 */
static void vcpu_idle(struct v3_vcpu *v, u64 ns)
{
	wait_event_interruptible_hrtimeout(v->vm->run_wq,
					   !READ_ONCE(v->budget) ||
					   kthread_should_stop(),
					   ns_to_ktime(ns));
}

/*
 * Auto-converge: a vCPU that ran @ran ns sleeps so that it keeps
 * (100 - throttle)% of its time, at most 100 ms at a time.
 */
static void vcpu_throttle(struct v3_vcpu *v, u64 ran)
{
	u32 pct = READ_ONCE(v->vm->throttle);
	u64 us;

	if (!pct)
		return;
	us = min_t(u64, div_u64(ran * pct, (100 - pct) * NSEC_PER_USEC),
		   100 * USEC_PER_MSEC);
	vcpu_idle(v, us * NSEC_PER_USEC);
}

int v3_vcpu_thread(void *data)
{
	struct v3_vcpu *v = data;
	u32 pace = v->vm->cfg.workload.pace_us;

	while (!kthread_should_stop()) {
		wait_event_interruptible(v->vm->run_wq, vcpu_runnable(v));
		while (vcpu_claim_step(v)) {
			u64 t0 = ktime_get_ns();
			int ret = v3_workload_step(v);

			if (ret) {
				struct v3_vm *vm = v->vm;
				u32 i;

				/* A fault stops the whole VM, as a VMM halts it. */
				spin_lock(&vm->run_lock);
				v->error = ret;
				for (i = 0; i < vm->cfg.vcpus; i++)
					vm->vcpus[i].budget = 0;
				spin_unlock(&vm->run_lock);
				pr_warn_ratelimited("v3chkpt: VM %s vcpu%u faulted (%d) at step %llu\n",
						    v->vm->name, v->id, ret,
						    v->core.gpr[V3_RBX]);
			}
			/* how long a pause may wait for this vCPU */
			WRITE_ONCE(v->step_ns, ktime_get_ns() - t0);
			/* A guest idles in HLT between ticks (a pause kicks it). */
			vcpu_idle(v, (u64)pace * NSEC_PER_USEC);
			vcpu_throttle(v, ktime_get_ns() - t0);
		}
	}
	return 0;
}
