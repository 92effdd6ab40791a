// SPDX-License-Identifier: GPL-2.0
/*
 * VM-entry rules over the vCPU state the model holds: the checks of Intel
 * SDM vol. 3C 26.3.1, "Checks on the Guest State Area" (numbered as in the
 * editions whose chapter 26 is "VM Entries"), plus what a WRMSR or a MOV to
 * a control or debug register refuses.  A load checks the state a vCPU
 * will hold (the staged part and the VM's current other part) against
 * every rule; docs/VM.md lists them.
 *
 * The VM-execution and entry controls the model stands for: "unrestricted
 * guest" 1, "IA-32e mode guest" = EFER.LMA, "load debug controls" and "load
 * IA32_EFER" 1; no event injection, activity state active.  Physical and
 * guest-physical addresses have 48 bits (V3_EPT_GPA_BITS), linear ones 48
 * (no LA57).  The attributes have no "unusable" bit: a segment with P=0 is
 * unusable, as KVM maps it to VMX's access rights.
 */
#include <linux/bits.h>
#include <linux/kernel.h>
#include <asm/processor-flags.h>
#include <asm/msr-index.h>
#include "../kunit_export.h"
#include "vmentry.h"

/* Bits a MOV to the register (or a WRMSR) may set on this processor. */
#define V3_CR0_VALID		0xe005003fULL
#define V3_CR4_VALID		0x3776fffULL	/* no LA57, CET, KL */
#define V3_EFER_VALID		0xfd01ULL	/* SCE LME LMA NXE SVME LMSLE FFXSR TCE */
#define V3_RFLAGS_VALID		(0x3f7fd5ULL | X86_EFLAGS_FIXED)
#define V3_PA_BITS		V3_EPT_GPA_BITS
#define V3_APIC_BSP		BIT_ULL(8)
#define V3_APIC_EXTD		BIT_ULL(10)
#define V3_APIC_EN		BIT_ULL(11)
#define V3_APIC_ADDR		GENMASK_ULL(V3_PA_BITS - 1, 12)
#define V3_APIC_DEFAULT		0xfee00000ULL

/* Segment attributes, as in vm.h: type 3:0, S 4, DPL 6:5, P 7, L 9, D/B 10, G 11 */
#define AT_TYPE(a)		((a) & 0xf)
#define AT_S			BIT(4)
#define AT_DPL(a)		(((a) >> 5) & 3)
#define AT_P			BIT(7)
#define AT_L			BIT(9)
#define AT_DB			BIT(10)
#define AT_G			BIT(11)
#define SEL_TI			BIT(2)

#define S_CS			BIT(V3_SEG_CS)
#define S_SS			BIT(V3_SEG_SS)
#define S_DS			BIT(V3_SEG_DS)
#define S_ES			BIT(V3_SEG_ES)
#define S_FS			BIT(V3_SEG_FS)
#define S_GS			BIT(V3_SEG_GS)
#define S_LDTR			BIT(V3_SEG_LDTR)
#define S_TR			BIT(V3_SEG_TR)
#define S_DATA			(S_DS | S_ES | S_FS | S_GS)
#define S_V86			(S_CS | S_SS | S_DATA)
#define S_ALL			(S_V86 | S_LDTR | S_TR)

#define SDM_CR			"SDM 3C 26.3.1.1"
#define SDM_SEG			"SDM 3C 26.3.1.2"
#define SDM_DT			"SDM 3C 26.3.1.3"
#define SDM_RIP			"SDM 3C 26.3.1.4"
#define SDM_MOVCR		"SDM 2B MOV to CR: #GP"
#define SDM_MOVDR		"SDM 2B MOV to DR: #GP"
#define SDM_WRMSR		"SDM 2B WRMSR: #GP"

static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

#define C(s)		((s)->c)
#define A(s)		((s)->a)
#define SEG(s, i)	(&(s)->c->seg[i])

static bool ia32e(const struct v3_vmentry_state *s)
{
	return C(s)->efer & EFER_LMA;
}

/*
 * Virtual-8086 mode, as the rest of the state would have it: RFLAGS.VM in
 * protected mode outside IA-32e mode (else the RFLAGS rule refuses it).
 */
static bool v86(const struct v3_vmentry_state *s)
{
	return (C(s)->rflags & X86_EFLAGS_VM) && (C(s)->cr0 & X86_CR0_PE) &&
	       !ia32e(s);
}

/*
 * P=0 is unusable; so is an LDTR with a null selector, as LLDT with one
 * leaves it (and as format-1.0 checkpoints hold it: selector 0 with
 * attributes of a present LDT).
 */
static bool usable(const struct v3_vmentry_state *s, int i)
{
	if (i == V3_SEG_LDTR && !(SEG(s, i)->selector & ~3))
		return false;
	return SEG(s, i)->attr & AT_P;
}

static bool code64(const struct v3_vmentry_state *s)
{
	return ia32e(s) && (SEG(s, V3_SEG_CS)->attr & AT_L);
}

/* ---- control registers, debug registers, MSRs (26.3.1.1) ---- */

static bool cr0_reserved(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->cr0 & ~V3_CR0_VALID);
}

static bool cr0_pg_pe(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->cr0 & X86_CR0_PG) || (C(s)->cr0 & X86_CR0_PE);
}

static bool cr0_nw_cd(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->cr0 & X86_CR0_NW) || (C(s)->cr0 & X86_CR0_CD);
}

static bool cr4_reserved(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->cr4 & ~V3_CR4_VALID);
}

static bool cr4_pae(const struct v3_vmentry_state *s, int seg)
{
	return !ia32e(s) || (C(s)->cr4 & X86_CR4_PAE);
}

static bool cr4_pcide(const struct v3_vmentry_state *s, int seg)
{
	return ia32e(s) || !(C(s)->cr4 & X86_CR4_PCIDE);
}

static bool cr3_width(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->cr3 >> V3_PA_BITS);
}

static bool cr8_tpr(const struct v3_vmentry_state *s, int seg)
{
	return C(s)->cr8 <= 15;
}

static bool dr6_high(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->dr6 >> 32);
}

static bool dr7_high(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->dr7 >> 32);
}

static bool efer_reserved(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->efer & ~V3_EFER_VALID);
}

static bool efer_lma_pg(const struct v3_vmentry_state *s, int seg)
{
	return !ia32e(s) || (C(s)->cr0 & X86_CR0_PG);
}

static bool efer_lma_lme(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->cr0 & X86_CR0_PG) ||
	       !(C(s)->efer & EFER_LMA) == !(C(s)->efer & EFER_LME);
}

static bool sysenter_esp(const struct v3_vmentry_state *s, int seg)
{
	return canonical(A(s)->sysenter_esp);
}

static bool sysenter_eip(const struct v3_vmentry_state *s, int seg)
{
	return canonical(A(s)->sysenter_eip);
}

static bool sysenter_cs(const struct v3_vmentry_state *s, int seg)
{
	return !(A(s)->sysenter_cs >> 32);
}

static bool lstar(const struct v3_vmentry_state *s, int seg)
{
	return canonical(A(s)->lstar);
}

static bool cstar(const struct v3_vmentry_state *s, int seg)
{
	return canonical(A(s)->cstar);
}

static bool kernel_gs_base(const struct v3_vmentry_state *s, int seg)
{
	return canonical(A(s)->kernel_gs_base);
}

static bool fmask(const struct v3_vmentry_state *s, int seg)
{
	return !(A(s)->sfmask >> 32);
}

static bool apic_reserved(const struct v3_vmentry_state *s, int seg)
{
	return !(A(s)->apic_base &
		 ~(V3_APIC_ADDR | V3_APIC_EN | V3_APIC_EXTD | V3_APIC_BSP));
}

static bool apic_extd_en(const struct v3_vmentry_state *s, int seg)
{
	return !(A(s)->apic_base & V3_APIC_EXTD) ||
	       (A(s)->apic_base & V3_APIC_EN);
}

static bool apic_xapic_only(const struct v3_vmentry_state *s, int seg)
{
	return !(A(s)->apic_base & V3_APIC_EXTD);
}

static bool apic_addr(const struct v3_vmentry_state *s, int seg)
{
	return (A(s)->apic_base & V3_APIC_ADDR) == V3_APIC_DEFAULT;
}

/* ---- segment registers (26.3.1.2) ---- */

static bool seg_reserved(const struct v3_vmentry_state *s, int i)
{
	return !(SEG(s, i)->attr & ~V3_SEG_ATTR_MASK);
}

static bool v86_base(const struct v3_vmentry_state *s, int i)
{
	return !v86(s) || SEG(s, i)->base == (u64)SEG(s, i)->selector << 4;
}

static bool v86_limit(const struct v3_vmentry_state *s, int i)
{
	return !v86(s) || SEG(s, i)->limit == 0xffff;
}

static bool v86_attr(const struct v3_vmentry_state *s, int i)
{
	return !v86(s) || SEG(s, i)->attr == 0xf3;
}

static bool sel_ti(const struct v3_vmentry_state *s, int i)
{
	return (i == V3_SEG_LDTR && !usable(s, i)) ||
	       !(SEG(s, i)->selector & SEL_TI);
}

static bool base_canonical(const struct v3_vmentry_state *s, int i)
{
	return (i == V3_SEG_LDTR && !usable(s, i)) ||
	       canonical(SEG(s, i)->base);
}

static bool base_32(const struct v3_vmentry_state *s, int i)
{
	return (i != V3_SEG_CS && !usable(s, i)) || !(SEG(s, i)->base >> 32);
}

static bool cs_usable(const struct v3_vmentry_state *s, int i)
{
	return v86(s) || usable(s, i);
}

static bool cs_type(const struct v3_vmentry_state *s, int i)
{
	u16 t = AT_TYPE(SEG(s, i)->attr);

	/*
	 * Accessed code; with "unrestricted guest", accessed r/w data, which
	 * CS holds from real mode until the far jump that leaves it: never in
	 * IA-32e mode here.
	 */
	return v86(s) || t == 9 || t == 11 || t == 13 || t == 15 ||
	       (t == 3 && !ia32e(s));
}

static bool cs_s(const struct v3_vmentry_state *s, int i)
{
	return v86(s) || (SEG(s, i)->attr & AT_S);
}

static bool cs_dpl(const struct v3_vmentry_state *s, int i)
{
	u16 a = SEG(s, i)->attr, ss = AT_DPL(SEG(s, V3_SEG_SS)->attr);

	if (v86(s))
		return true;
	switch (AT_TYPE(a)) {
	case 3:
		return AT_DPL(a) == 0;
	case 9:
	case 11:	/* non-conforming: CPL */
		return AT_DPL(a) == ss;
	case 13:
	case 15:	/* conforming */
		return AT_DPL(a) <= ss;
	}
	return true;	/* the type rule refuses the rest */
}

static bool cs_l_db(const struct v3_vmentry_state *s, int i)
{
	return !code64(s) || !(SEG(s, i)->attr & AT_DB);
}

static bool cs_l_ia32e(const struct v3_vmentry_state *s, int i)
{
	return ia32e(s) || !(SEG(s, i)->attr & AT_L);
}

static bool ss_type(const struct v3_vmentry_state *s, int i)
{
	u16 t = AT_TYPE(SEG(s, i)->attr);

	return v86(s) || !usable(s, i) || t == 3 || t == 7;
}

static bool ss_dpl(const struct v3_vmentry_state *s, int i)
{
	bool real = !(C(s)->cr0 & X86_CR0_PE) ||
		    AT_TYPE(SEG(s, V3_SEG_CS)->attr) == 3;

	return v86(s) || !real || AT_DPL(SEG(s, i)->attr) == 0;
}

static bool data_type(const struct v3_vmentry_state *s, int i)
{
	u16 t = AT_TYPE(SEG(s, i)->attr);

	/* accessed; code only if readable */
	return v86(s) || !usable(s, i) ||
	       ((t & 1) && (!(t & 8) || (t & 2)));
}

static bool data_s(const struct v3_vmentry_state *s, int i)
{
	return v86(s) || !usable(s, i) || (SEG(s, i)->attr & AT_S);
}

static bool limit_g(const struct v3_vmentry_state *s, int i)
{
	const struct v3_seg *g = SEG(s, i);

	if ((S_V86 & BIT(i)) && v86(s))
		return true;	/* the virtual-8086 rules apply instead */
	if (i != V3_SEG_CS && i != V3_SEG_TR && !usable(s, i))
		return true;
	if ((g->limit & 0xfff) != 0xfff && (g->attr & AT_G))
		return false;
	return !(g->limit & 0xfff00000) || (g->attr & AT_G);
}

static bool tr_type(const struct v3_vmentry_state *s, int i)
{
	u16 t = AT_TYPE(SEG(s, i)->attr);

	return t == 11 || (!ia32e(s) && t == 3);
}

static bool sys_s(const struct v3_vmentry_state *s, int i)
{
	return (i == V3_SEG_LDTR && !usable(s, i)) ||
	       !(SEG(s, i)->attr & AT_S);
}

static bool tr_usable(const struct v3_vmentry_state *s, int i)
{
	return usable(s, i);
}

static bool ldtr_type(const struct v3_vmentry_state *s, int i)
{
	return !usable(s, i) || AT_TYPE(SEG(s, i)->attr) == 2;
}

/* ---- descriptor tables (26.3.1.3), RIP and RFLAGS (26.3.1.4) ---- */

static bool gdtr_base(const struct v3_vmentry_state *s, int seg)
{
	return canonical(C(s)->gdtr.base);
}

static bool idtr_base(const struct v3_vmentry_state *s, int seg)
{
	return canonical(C(s)->idtr.base);
}

static bool rip_32(const struct v3_vmentry_state *s, int seg)
{
	return code64(s) || !(C(s)->rip >> 32);
}

static bool rip_canonical(const struct v3_vmentry_state *s, int seg)
{
	return !code64(s) || canonical(C(s)->rip);
}

static bool rflags_reserved(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->rflags & ~V3_RFLAGS_VALID) &&
	       (C(s)->rflags & X86_EFLAGS_FIXED);
}

static bool rflags_vm(const struct v3_vmentry_state *s, int seg)
{
	return !(C(s)->rflags & X86_EFLAGS_VM) ||
	       ((C(s)->cr0 & X86_CR0_PE) && !ia32e(s));
}

#define CORE(m)	.off = offsetof(struct v3_vcpu_core, m), \
		.size = sizeof_field(struct v3_vcpu_core, m)
#define ARCH(m)	.arch = true, .off = offsetof(struct v3_vcpu_archdep, m), \
		.size = sizeof_field(struct v3_vcpu_archdep, m)
#define SEGF(m)	.field = #m, .off = offsetof(struct v3_seg, m), \
		.size = sizeof_field(struct v3_seg, m)

#define RULE(_id, _field, f, _ok, _rule, _ref) \
	{ .id = _id, .field = _field, f, .ok = _ok, .rule = _rule, .ref = _ref }
#define SRULE(_id, _segs, m, _ok, _rule, _ref) \
	{ .id = _id, .segs = _segs, SEGF(m), .ok = _ok, .rule = _rule, \
	  .ref = _ref }

/* In the order a load checks them: the first broken one is reported. */
const struct v3_vmentry_rule v3_vmentry_rules[] = {
	RULE("cr0.reserved", "cr0", CORE(cr0), cr0_reserved,
	     "reserved bits must be 0", SDM_CR),
	RULE("cr0.pg", "cr0", CORE(cr0), cr0_pg_pe,
	     "PG=1 needs PE=1", SDM_CR),
	RULE("cr0.nw", "cr0", CORE(cr0), cr0_nw_cd,
	     "NW=1 needs CD=1", SDM_MOVCR),
	RULE("cr4.reserved", "cr4", CORE(cr4), cr4_reserved,
	     "reserved bits (LA57, CET and KL too) must be 0", SDM_CR),
	RULE("cr4.pae", "cr4", CORE(cr4), cr4_pae,
	     "PAE must be 1 in IA-32e mode (EFER.LMA=1)", SDM_CR),
	RULE("cr4.pcide", "cr4", CORE(cr4), cr4_pcide,
	     "PCIDE must be 0 outside IA-32e mode", SDM_CR),
	RULE("cr3.width", "cr3", CORE(cr3), cr3_width,
	     "bits 63:48, above the physical-address width, must be 0", SDM_CR),
	RULE("cr8.tpr", "cr8", CORE(cr8), cr8_tpr,
	     "bits 63:4 must be 0", SDM_MOVCR),
	RULE("dr6.high", "dr6", CORE(dr6), dr6_high,
	     "bits 63:32 must be 0", SDM_MOVDR),
	RULE("dr7.high", "dr7", CORE(dr7), dr7_high,
	     "bits 63:32 must be 0", SDM_CR),
	RULE("efer.reserved", "efer", CORE(efer), efer_reserved,
	     "reserved bits must be 0", SDM_CR),
	RULE("efer.lma-pg", "efer", CORE(efer), efer_lma_pg,
	     "LMA=1 (IA-32e mode) needs CR0.PG=1", SDM_CR),
	RULE("efer.lma-lme", "efer", CORE(efer), efer_lma_lme,
	     "with CR0.PG=1, LMA must equal LME", SDM_CR),
	RULE("sysenter_esp.canonical", "msr.sysenter_esp", ARCH(sysenter_esp),
	     sysenter_esp, "must be canonical", SDM_CR),
	RULE("sysenter_eip.canonical", "msr.sysenter_eip", ARCH(sysenter_eip),
	     sysenter_eip, "must be canonical", SDM_CR),
	RULE("sysenter_cs.high", "msr.sysenter_cs", ARCH(sysenter_cs),
	     sysenter_cs, "bits 63:32 must be 0", SDM_WRMSR),
	RULE("lstar.canonical", "msr.lstar", ARCH(lstar), lstar,
	     "must be canonical", SDM_WRMSR),
	RULE("cstar.canonical", "msr.cstar", ARCH(cstar), cstar,
	     "must be canonical", SDM_WRMSR),
	RULE("kernel_gs_base.canonical", "msr.kernel_gs_base",
	     ARCH(kernel_gs_base), kernel_gs_base, "must be canonical",
	     SDM_WRMSR),
	RULE("fmask.reserved", "msr.sfmask", ARCH(sfmask), fmask,
	     "IA32_FMASK bits 63:32 are reserved", "SDM 4 IA32_FMASK; WRMSR"),
	RULE("apic_base.reserved", "apic_base", ARCH(apic_base), apic_reserved,
	     "bits 7:0, 9 and 63:48 are reserved", "SDM 3A 10.4.4; WRMSR"),
	RULE("apic_base.x2apic-en", "apic_base", ARCH(apic_base), apic_extd_en,
	     "x2APIC enabled (EXTD=1) needs the APIC enabled (EN=1)",
	     "SDM 3A 10.12.5"),
	RULE("apic_base.xapic-only", "apic_base", ARCH(apic_base),
	     apic_xapic_only,
	     "EXTD must be 0: the model's local APIC is xAPIC only",
	     "model (CPUID has no x2APIC)"),
	RULE("apic_base.address", "apic_base", ARCH(apic_base), apic_addr,
	     "the base must be 0xfee00000: the model's local APIC does not move",
	     "model"),
	SRULE("seg.reserved", S_ALL, attr, seg_reserved,
	      "attribute bits 15:12 are reserved", SDM_SEG),
	SRULE("v86.base", S_V86, base, v86_base,
	      "in virtual-8086 mode the base must be selector << 4", SDM_SEG),
	SRULE("v86.limit", S_V86, limit, v86_limit,
	      "in virtual-8086 mode the limit must be 0xffff", SDM_SEG),
	SRULE("v86.attr", S_V86, attr, v86_attr,
	      "in virtual-8086 mode the attributes must be 0xf3", SDM_SEG),
	SRULE("sel.ti", S_TR | S_LDTR, selector, sel_ti,
	      "TI must be 0 (for LDTR, if usable)", SDM_SEG),
	SRULE("base.canonical", S_FS | S_GS | S_TR | S_LDTR, base,
	      base_canonical, "must be canonical (for LDTR, if usable)",
	      SDM_SEG),
	SRULE("base.32", S_CS | S_SS | S_DS | S_ES, base, base_32,
	      "bits 63:32 must be 0 (for SS, DS, ES, if usable)", SDM_SEG),
	SRULE("cs.usable", S_CS, attr, cs_usable,
	      "CS must be usable (P=1)", SDM_SEG),
	SRULE("cs.type", S_CS, attr, cs_type,
	      "type must be accessed code (9, 11, 13, 15), or 3 outside IA-32e mode",
	      SDM_SEG),
	SRULE("cs.s", S_CS, attr, cs_s, "S must be 1", SDM_SEG),
	SRULE("cs.dpl", S_CS, attr, cs_dpl,
	      "DPL must be 0 for type 3, SS.DPL if non-conforming, <= SS.DPL if conforming",
	      SDM_SEG),
	SRULE("cs.l-db", S_CS, attr, cs_l_db,
	      "L=1 in IA-32e mode needs D/B=0", SDM_SEG),
	SRULE("cs.l", S_CS, attr, cs_l_ia32e,
	      "L must be 0 outside IA-32e mode", "SDM 3A 3.4.5"),
	SRULE("ss.type", S_SS, attr, ss_type,
	      "type must be 3 or 7 (accessed read/write data) if usable",
	      SDM_SEG),
	SRULE("ss.dpl", S_SS, attr, ss_dpl,
	      "DPL must be 0 with CR0.PE=0 or a CS of type 3", SDM_SEG),
	SRULE("data.type", S_DATA, attr, data_type,
	      "type must be accessed, and readable if code, if usable",
	      SDM_SEG),
	SRULE("data.s", S_SS | S_DATA, attr, data_s,
	      "S must be 1 if usable", SDM_SEG),
	SRULE("limit.g", S_ALL, limit, limit_g,
	      "G must be 1 if limit bits 31:20 are set, 0 if bits 11:0 are not all set (CS, TR; others if usable)",
	      SDM_SEG),
	SRULE("tr.type", S_TR, attr, tr_type,
	      "type must be 11 (busy TSS), or 3 outside IA-32e mode", SDM_SEG),
	SRULE("sys.s", S_TR | S_LDTR, attr, sys_s,
	      "S must be 0 (for LDTR, if usable)", SDM_SEG),
	SRULE("tr.usable", S_TR, attr, tr_usable,
	      "TR must be usable (P=1)", SDM_SEG),
	SRULE("ldtr.type", S_LDTR, attr, ldtr_type,
	      "type must be 2 (LDT) if usable", SDM_SEG),
	RULE("gdtr.canonical", "gdtr.base", CORE(gdtr.base), gdtr_base,
	     "must be canonical", SDM_DT),
	RULE("idtr.canonical", "idtr.base", CORE(idtr.base), idtr_base,
	     "must be canonical", SDM_DT),
	RULE("rip.32", "rip", CORE(rip), rip_32,
	     "bits 63:32 must be 0 outside 64-bit mode (IA-32e and CS.L=1)",
	     SDM_RIP),
	RULE("rip.canonical", "rip", CORE(rip), rip_canonical,
	     "must be canonical in 64-bit mode", SDM_RIP),
	RULE("rflags.reserved", "rflags", CORE(rflags), rflags_reserved,
	     "reserved bits must be 0 and bit 1 must be 1", SDM_RIP),
	RULE("rflags.vm", "rflags", CORE(rflags), rflags_vm,
	     "VM must be 0 in IA-32e mode or with CR0.PE=0", SDM_RIP),
};
V3_EXPORT_FOR_TESTS(v3_vmentry_rules);
const unsigned int v3_vmentry_nr_rules = ARRAY_SIZE(v3_vmentry_rules);
V3_EXPORT_FOR_TESTS(v3_vmentry_nr_rules);

int v3_vmentry_rule_fails(const struct v3_vmentry_rule *r,
			  const struct v3_vmentry_state *s)
{
	unsigned long segs = r->segs;
	int i;

	if (!segs)
		return r->ok(s, -1) ? -2 : -1;
	for_each_set_bit(i, &segs, V3_NR_SEGS)
		if (!r->ok(s, i))
			return i;
	return -2;
}
V3_EXPORT_FOR_TESTS(v3_vmentry_rule_fails);

static u64 field_value(const struct v3_vmentry_rule *r,
		       const struct v3_vmentry_state *s, int seg)
{
	const void *p = r->arch ? (const void *)s->a : (const void *)s->c;

	if (seg >= 0)
		p = &s->c->seg[seg];
	return v3_state_uint(p + r->off, r->size);
}

int v3_vmentry_check(const struct v3_vcpu_core *c,
		     const struct v3_vcpu_archdep *a, u32 id,
		     struct v3_vm_err *err)
{
	const struct v3_vmentry_state s = { .c = c, .a = a };
	const struct v3_vmentry_rule *r;
	unsigned int n;
	int seg;

	for (n = 0; n < v3_vmentry_nr_rules; n++) {
		r = &v3_vmentry_rules[n];
		seg = v3_vmentry_rule_fails(r, &s);
		if (seg == -2)
			continue;
		return v3_vm_fail(err, -ERANGE,
				  "vcpu%u: %s%s%s 0x%llx: %s (VM-entry rule %s, %s)",
				  id, seg >= 0 ? v3_seg_names[seg] : "",
				  seg >= 0 ? "." : "", r->field,
				  field_value(r, &s, seg), r->rule, r->id,
				  r->ref);
	}
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_vmentry_check);
