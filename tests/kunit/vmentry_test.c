// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the VM-entry rules (kmod/vm/vmentry.c).  For each rule, a vCPU
 * state that breaks that rule and no other is saved from one VM (a save
 * does not check) and loaded into a paused twin: the load fails with
 * ERANGE, its message names the field and the rule, and the twin is left
 * as it was.  The power-on state, stepped states and legacy 32-bit,
 * virtual-8086 and real-mode states pass every rule and load.
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include "helpers.h"
#include "../../kmod/vm/vm.h"
#include "../../kmod/vm/vmentry.h"
#include "vm_helpers.h"

#define VE_KEY		"kunit-ve"
#define VE_OPTS		(V3CHKPT_SKIP_MEM | V3CHKPT_SKIP_DEVS)
#define NONCANON	0x0000800000000000ULL

/* The modes a case starts from, each valid: see make_base(). */
enum ve_base { B64, B32, BV86, BREAL };

enum { W_SET, W_OR, W_CLR };

struct ve_write {
	bool arch;
	u8 op, size;
	u16 off;
	u64 val;
};

struct ve_case {
	const char *rule;	/* the id of the rule it breaks */
	const char *field;	/* as the message names it */
	enum ve_base base;
	struct ve_write w[2];
	const char *also;	/* a rule it cannot help breaking too */
};

#define WC(m, op, v) { false, op, sizeof_field(struct v3_vcpu_core, m), \
		       offsetof(struct v3_vcpu_core, m), v }
#define WA(m, op, v) { true, op, sizeof_field(struct v3_vcpu_archdep, m), \
		       offsetof(struct v3_vcpu_archdep, m), v }
#define WS(sg, m, op, v) WC(seg[V3_SEG_##sg].m, op, v)
#define LDTR_SEL WS(LDTR, selector, W_SET, 0x30)

static const struct ve_case ve_cases[] = {
	{ "cr0.reserved", "cr0", B64, { WC(cr0, W_OR, BIT(6)) } },
	{ "cr0.pg", "cr0", B64, { WC(cr0, W_CLR, X86_CR0_PE) } },
	{ "cr0.nw", "cr0", B64, { WC(cr0, W_OR, X86_CR0_NW) } },
	{ "cr4.reserved", "cr4", B64, { WC(cr4, W_OR, BIT(15)) } },
	{ "cr4.reserved", "cr4", B64, { WC(cr4, W_OR, X86_CR4_LA57) } },
	{ "cr4.pae", "cr4", B64, { WC(cr4, W_CLR, X86_CR4_PAE) } },
	{ "cr4.pcide", "cr4", B32, { WC(cr4, W_OR, X86_CR4_PCIDE) } },
	{ "cr3.width", "cr3", B64, { WC(cr3, W_OR, BIT_ULL(48)) } },
	{ "cr8.tpr", "cr8", B64, { WC(cr8, W_SET, 16) } },
	{ "dr6.high", "dr6", B64, { WC(dr6, W_OR, BIT_ULL(32)) } },
	{ "dr7.high", "dr7", B64, { WC(dr7, W_OR, BIT_ULL(40)) } },
	{ "efer.reserved", "efer", B64, { WC(efer, W_OR, BIT(1)) } },
	{ "efer.lma-pg", "efer", B64, { WC(cr0, W_CLR, X86_CR0_PG) } },
	{ "efer.lma-lme", "efer", B64, { WC(efer, W_CLR, EFER_LME) } },
	{ "sysenter_esp.canonical", "msr.sysenter_esp", B64,
	  { WA(sysenter_esp, W_SET, NONCANON) } },
	{ "sysenter_eip.canonical", "msr.sysenter_eip", B64,
	  { WA(sysenter_eip, W_SET, NONCANON) } },
	{ "sysenter_cs.high", "msr.sysenter_cs", B64,
	  { WA(sysenter_cs, W_SET, BIT_ULL(32) | 0x10) } },
	{ "lstar.canonical", "msr.lstar", B64, { WA(lstar, W_SET, NONCANON) } },
	{ "cstar.canonical", "msr.cstar", B64, { WA(cstar, W_SET, NONCANON) } },
	{ "kernel_gs_base.canonical", "msr.kernel_gs_base", B64,
	  { WA(kernel_gs_base, W_SET, NONCANON) } },
	{ "fmask.reserved", "msr.sfmask", B64, { WA(sfmask, W_OR, BIT_ULL(32)) } },
	{ "apic_base.reserved", "apic_base", B64, { WA(apic_base, W_OR, BIT(9)) } },
	{ "apic_base.reserved", "apic_base", B64,
	  { WA(apic_base, W_OR, BIT_ULL(48)) } },
	/* EXTD=1 breaks the xAPIC-only rule too: the first one is reported */
	{ "apic_base.x2apic-en", "apic_base", B64,
	  { WA(apic_base, W_OR, BIT(10)), WA(apic_base, W_CLR, BIT(11)) },
	  "apic_base.xapic-only" },
	{ "apic_base.xapic-only", "apic_base", B64,
	  { WA(apic_base, W_OR, BIT(10)) } },
	{ "apic_base.address", "apic_base", B64,
	  { WA(apic_base, W_CLR, 0xfee00000), WA(apic_base, W_OR, 0xfed00000) } },
	{ "seg.reserved", "cs.attr", B64, { WS(CS, attr, W_OR, 0x1000) } },
	{ "seg.reserved", "tr.attr", B64, { WS(TR, attr, W_OR, 0x8000) } },
	{ "v86.base", "ds.base", BV86, { WS(DS, base, W_SET, 0x1234) } },
	{ "v86.limit", "ss.limit", BV86, { WS(SS, limit, W_SET, 0xfffff) } },
	{ "v86.attr", "es.attr", BV86, { WS(ES, attr, W_SET, 0xf1) } },
	{ "v86.attr", "cs.attr", BV86, { WS(CS, attr, W_SET, 0xfb) } },
	{ "sel.ti", "tr.selector", B64, { WS(TR, selector, W_OR, 4) } },
	{ "sel.ti", "ldtr.selector", B64, { WS(LDTR, selector, W_OR, 4) } },
	{ "base.canonical", "fs.base", B64, { WS(FS, base, W_SET, NONCANON) } },
	{ "base.canonical", "gs.base", B64, { WS(GS, base, W_SET, NONCANON) } },
	{ "base.canonical", "tr.base", B64, { WS(TR, base, W_SET, NONCANON) } },
	/* LDTR rules bind a usable LDTR: a non-null selector (LDTR_SEL) */
	{ "base.canonical", "ldtr.base", B64,
	  { WS(LDTR, base, W_SET, NONCANON), LDTR_SEL } },
	{ "base.32", "cs.base", B64, { WS(CS, base, W_SET, BIT_ULL(32)) } },
	{ "base.32", "ss.base", B32, { WS(SS, base, W_SET, BIT_ULL(40)) } },
	{ "cs.usable", "cs.attr", B64, { WS(CS, attr, W_CLR, 0x80) } },
	{ "cs.type", "cs.attr", B64, { WS(CS, attr, W_SET, 0xa93) } },
	{ "cs.type", "cs.attr", B32, { WS(CS, attr, W_SET, 0xc91) } },
	{ "cs.s", "cs.attr", B64, { WS(CS, attr, W_CLR, 0x10) } },
	{ "cs.dpl", "cs.attr", B64, { WS(CS, attr, W_SET, 0xabb) } },
	{ "cs.dpl", "cs.attr", B64, { WS(CS, attr, W_SET, 0xaff),
				      WS(SS, attr, W_SET, 0xcb3) } },
	{ "cs.dpl", "cs.attr", BREAL, { WS(CS, attr, W_SET, 0xb3) } },
	{ "cs.l-db", "cs.attr", B64, { WS(CS, attr, W_OR, 0x400) } },
	{ "cs.l", "cs.attr", B32, { WS(CS, attr, W_SET, 0xa9b) } },
	{ "ss.type", "ss.attr", B64, { WS(SS, attr, W_SET, 0xc91) } },
	{ "ss.dpl", "ss.attr", BREAL, { WS(SS, attr, W_SET, 0xf3) } },
	{ "data.type", "ds.attr", B64, { WS(DS, attr, W_SET, 0xc92) } },
	{ "data.type", "gs.attr", B64, { WS(GS, attr, W_SET, 0xc99) } },
	{ "data.s", "ds.attr", B64, { WS(DS, attr, W_CLR, 0x10) } },
	{ "data.s", "ss.attr", B64, { WS(SS, attr, W_CLR, 0x10) } },
	{ "limit.g", "ds.limit", B64, { WS(DS, limit, W_SET, 0xffff0000) } },
	{ "limit.g", "tr.limit", B64, { WS(TR, limit, W_SET, 0x100000) } },
	{ "limit.g", "ldtr.limit", B64,
	  { WS(LDTR, limit, W_SET, 0xfffffff), LDTR_SEL } },
	{ "limit.g", "cs.limit", BREAL, { WS(CS, limit, W_SET, 0x1fffff) } },
	{ "tr.type", "tr.attr", B64, { WS(TR, attr, W_SET, 0x89) } },
	{ "tr.type", "tr.attr", B64, { WS(TR, attr, W_SET, 0x83) } },
	{ "sys.s", "tr.attr", B64, { WS(TR, attr, W_OR, 0x10) } },
	{ "sys.s", "ldtr.attr", B64, { WS(LDTR, attr, W_OR, 0x10), LDTR_SEL } },
	{ "tr.usable", "tr.attr", B64, { WS(TR, attr, W_CLR, 0x80) } },
	{ "ldtr.type", "ldtr.attr", B64, { WS(LDTR, attr, W_SET, 0x83), LDTR_SEL } },
	{ "gdtr.canonical", "gdtr.base", B64, { WC(gdtr.base, W_SET, NONCANON) } },
	{ "idtr.canonical", "idtr.base", B64, { WC(idtr.base, W_SET, NONCANON) } },
	{ "rip.32", "rip", B32, { WC(rip, W_OR, BIT_ULL(32)) } },
	{ "rip.canonical", "rip", B64, { WC(rip, W_SET, NONCANON) } },
	{ "rflags.reserved", "rflags", B64, { WC(rflags, W_CLR, X86_EFLAGS_FIXED) } },
	{ "rflags.reserved", "rflags", B64, { WC(rflags, W_OR, BIT(3)) } },
	{ "rflags.reserved", "rflags", B64, { WC(rflags, W_OR, BIT_ULL(22)) } },
	{ "rflags.vm", "rflags", B64, { WC(rflags, W_OR, X86_EFLAGS_VM) } },
	{ "rflags.vm", "rflags", BREAL, { WC(rflags, W_OR, X86_EFLAGS_VM) } },
};

static void apply_write(const struct ve_write *w, struct v3_vcpu_core *c,
			struct v3_vcpu_archdep *a)
{
	void *p = (w->arch ? (void *)a : (void *)c) + w->off;
	u64 v = 0;

	if (!w->size)
		return;
	memcpy(&v, p, w->size);		/* little-endian */
	v = w->op == W_SET ? w->val : w->op == W_OR ? v | w->val :
	    v & ~w->val;
	memcpy(p, &v, w->size);
}

/* A valid state of mode @b, made from the (valid, 64-bit) state in @c. */
static void make_base(enum ve_base b, struct v3_vcpu_core *c)
{
	int i;

	if (b == B64)
		return;
	/* protected mode with PAE paging, 32-bit code */
	c->efer &= ~(EFER_LME | EFER_LMA);
	c->seg[V3_SEG_CS].attr = 0xc9b;
	if (b == BV86) {
		c->rflags |= X86_EFLAGS_VM;
		for (i = V3_SEG_CS; i <= V3_SEG_SS; i++) {
			c->seg[i].selector = 0x1000 + 0x100 * i;
			c->seg[i].base = (u64)c->seg[i].selector << 4;
			c->seg[i].limit = 0xffff;
			c->seg[i].attr = 0xf3;
		}
	} else if (b == BREAL) {
		/* after reset; CS is read/write data in real mode */
		c->cr0 = X86_CR0_ET | X86_CR0_NE;
		c->cr4 = 0;
		c->efer = 0;
		c->cr3 = 0;
		for (i = V3_SEG_CS; i <= V3_SEG_SS; i++) {
			c->seg[i].selector = 0;
			c->seg[i].base = 0;
			c->seg[i].limit = 0xffff;
			c->seg[i].attr = 0x93;
		}
		c->seg[V3_SEG_CS].selector = 0xf000;
		c->seg[V3_SEG_CS].base = 0xf0000;
		c->seg[V3_SEG_TR].limit = 0xffff;
	}
}

/* On the heap: KASAN's redzones make stack frames large. */
struct ve_env {
	struct v3_vm *src, *dst;
	struct v3_vcpu_core good_c;		/* src vCPU 0 after steps */
	struct v3_vcpu_core c;			/* scratch */
	struct v3_vcpu_archdep *good_a;
	struct v3_vcpu_archdep *a;		/* scratch */
	struct v3_vm_err *err;
	struct v3_vcpu *dst_before;		/* dst's vCPUs before a load */
};

static struct ve_env *ve_setup(struct kunit *test)
{
	struct ve_env *e = kunit_kzalloc(test, sizeof(*e), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, e);
	e->good_a = kunit_kzalloc(test, sizeof(*e->good_a), GFP_KERNEL);
	e->a = kunit_kzalloc(test, sizeof(*e->a), GFP_KERNEL);
	e->err = kunit_kzalloc(test, sizeof(*e->err), GFP_KERNEL);
	e->dst_before = kunit_kcalloc(test, 2, sizeof(*e->dst_before),
				      GFP_KERNEL);
	KUNIT_ASSERT_TRUE(test, e->good_a && e->a && e->err && e->dst_before);
	e->src = v3_kunit_vm(test, "kunit-ve-src", 64ULL << 20, 2);
	e->dst = v3_kunit_vm(test, "kunit-ve-dst", 64ULL << 20, 2);
	KUNIT_ASSERT_EQ(test, v3_vm_step(e->src, 20), 0);
	KUNIT_ASSERT_EQ(test, v3_vm_step(e->dst, 7), 0);
	e->good_c = e->src->vcpus[0].core;
	*e->good_a = e->src->vcpus[0].arch;
	return e;
}

static void ve_teardown(struct kunit *test, struct ve_env *e)
{
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-ve-src"), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-ve-dst"), 0);
	v3_memstore_delete(VE_KEY);
}

static bool dst_unchanged(struct ve_env *e)
{
	u32 i;

	for (i = 0; i < e->dst->cfg.vcpus; i++)
		if (memcmp(&e->dst->vcpus[i].core, &e->dst_before[i].core,
			   sizeof(e->dst_before[i].core)) ||
		    memcmp(&e->dst->vcpus[i].arch, &e->dst_before[i].arch,
			   sizeof(e->dst_before[i].arch)))
			return false;
	return e->dst->state == V3CHKPT_VM_PAUSED;
}

/* Save vCPU 0 of src as @c/@a (and the rest as they are), load into dst. */
static int ve_save_load(struct kunit *test, struct ve_env *e,
			const struct v3_vcpu_core *c,
			const struct v3_vcpu_archdep *a, u32 opts)
{
	u32 i, got;

	e->src->vcpus[0].core = *c;
	e->src->vcpus[0].arch = *a;
	memset(e->err, 0, sizeof(*e->err));
	KUNIT_EXPECT_EQ(test, v3_vm_save(e->src, "memory", VE_KEY, opts,
					 e->err), 0);
	e->src->vcpus[0].core = e->good_c;
	e->src->vcpus[0].arch = *e->good_a;
	for (i = 0; i < e->dst->cfg.vcpus; i++) {
		e->dst_before[i].core = e->dst->vcpus[i].core;
		e->dst_before[i].arch = e->dst->vcpus[i].arch;
	}
	return v3_vm_load("kunit-ve-dst", "memory", VE_KEY, 0, &got, e->err);
}

static const struct v3_vmentry_rule *rule_by_id(const char *id)
{
	unsigned int i;

	for (i = 0; i < v3_vmentry_nr_rules; i++)
		if (!strcmp(v3_vmentry_rules[i].id, id))
			return &v3_vmentry_rules[i];
	return NULL;
}

/* Each case breaks its rule and no other; the load says which. */
static void vmentry_each_rule_refused(struct kunit *test)
{
	struct v3chkpt_vm_digest d0 = {}, d = {};
	struct ve_env *e = ve_setup(test);
	struct v3_vcpu_core *c = &e->c;
	unsigned int n, i;

	KUNIT_ASSERT_EQ(test, v3_vm_digest(e->dst, &d0), 0);
	for (n = 0; n < ARRAY_SIZE(ve_cases); n++) {
		const struct ve_case *k = &ve_cases[n];
		const struct v3_vmentry_rule *r = rule_by_id(k->rule);
		struct v3_vmentry_state st = { .c = c, .a = e->a };

		KUNIT_ASSERT_NOT_NULL_MSG(test, r, "no rule %s", k->rule);
		*c = e->good_c;
		*e->a = *e->good_a;
		make_base(k->base, c);
		apply_write(&k->w[0], c, e->a);
		apply_write(&k->w[1], c, e->a);
		for (i = 0; i < v3_vmentry_nr_rules; i++) {
			const struct v3_vmentry_rule *x = &v3_vmentry_rules[i];
			bool want = x == r || (k->also && !strcmp(x->id, k->also));

			KUNIT_EXPECT_EQ_MSG(test,
					    v3_vmentry_rule_fails(x, &st) != -2,
					    want, "case %u (%s, %s): rule %s",
					    n, k->rule, k->field, x->id);
		}
		KUNIT_EXPECT_EQ_MSG(test, ve_save_load(test, e, c, e->a, VE_OPTS),
				    -ERANGE, "case %u (%s): %s", n, k->rule,
				    e->err->msg);
		KUNIT_EXPECT_TRUE_MSG(test, strstr(e->err->msg, k->field) &&
				      strstr(e->err->msg, r->rule) &&
				      strstr(e->err->msg, r->id),
				      "case %u (%s, %s): message \"%s\"", n,
				      k->rule, k->field, e->err->msg);
		KUNIT_EXPECT_TRUE_MSG(test, dst_unchanged(e),
				      "case %u (%s): target changed", n, k->rule);
	}
	KUNIT_ASSERT_EQ(test, v3_vm_digest(e->dst, &d), 0);
	KUNIT_EXPECT_EQ(test, d.total, d0.total);
	ve_teardown(test, e);
}

/* Every rule of the table has a case that breaks it. */
static void vmentry_every_rule_has_a_case(struct kunit *test)
{
	unsigned int i, n;
	bool found;

	for (i = 0; i < v3_vmentry_nr_rules; i++) {
		for (n = 0, found = false; n < ARRAY_SIZE(ve_cases); n++)
			found |= !strcmp(ve_cases[n].rule, v3_vmentry_rules[i].id);
		KUNIT_EXPECT_TRUE_MSG(test, found, "rule %s untested",
				      v3_vmentry_rules[i].id);
		for (n = 0; n < i; n++)
			KUNIT_EXPECT_STRNEQ(test, v3_vmentry_rules[n].id,
					    v3_vmentry_rules[i].id);
	}
}

static void expect_all_rules_hold(struct kunit *test, const char *what,
				  const struct v3_vcpu_core *c,
				  const struct v3_vcpu_archdep *a)
{
	struct v3_vmentry_state st = { .c = c, .a = a };
	unsigned int i;

	for (i = 0; i < v3_vmentry_nr_rules; i++)
		KUNIT_EXPECT_EQ_MSG(test,
				    v3_vmentry_rule_fails(&v3_vmentry_rules[i], &st),
				    -2, "%s breaks %s", what,
				    v3_vmentry_rules[i].id);
	KUNIT_EXPECT_EQ_MSG(test, v3_vmentry_check(c, a, 0, NULL), 0, "%s",
			    what);
}

/*
 * The power-on state, stepped states and the other modes pass, load, and
 * step on (the workload does not depend on the mode).
 */
static void vmentry_valid_states_load(struct kunit *test)
{
	static const char * const names[] = { "64-bit", "32-bit", "vm86",
					      "real mode" };
	struct v3_vm *fresh = v3_kunit_vm(test, "kunit-ve-new", 64ULL << 20, 2);
	struct v3_vcpu_core *c;
	struct ve_env *e;
	u32 i, b;

	expect_all_rules_hold(test, "reset vcpu0", &fresh->vcpus[0].core,
			      &fresh->vcpus[0].arch);
	expect_all_rules_hold(test, "reset vcpu1", &fresh->vcpus[1].core,
			      &fresh->vcpus[1].arch);
	/* as format-1.0 writers left it: null selector, so unusable */
	c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, c);
	*c = fresh->vcpus[0].core;
	c->seg[V3_SEG_LDTR].limit = 0xffffffff;
	expect_all_rules_hold(test, "1.0 LDTR", c, &fresh->vcpus[0].arch);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-ve-new"), 0);
	e = ve_setup(test);
	c = &e->c;
	for (i = 0; i < e->src->cfg.vcpus; i++)
		expect_all_rules_hold(test, "stepped", &e->src->vcpus[i].core,
				      &e->src->vcpus[i].arch);
	for (b = B64; b <= BREAL; b++) {
		*c = e->good_c;
		make_base(b, c);
		expect_all_rules_hold(test, names[b], c, e->good_a);
		KUNIT_EXPECT_EQ_MSG(test, ve_save_load(test, e, c, e->good_a,
						       VE_OPTS), 0,
				    "%s: %s", names[b], e->err->msg);
		KUNIT_EXPECT_EQ(test, memcmp(&e->dst->vcpus[0].core, c,
					     sizeof(*c)), 0);
		KUNIT_EXPECT_EQ(test, v3_vm_step(e->dst, 3), 0);
		for (i = 0; i < e->dst->cfg.vcpus; i++)
			expect_all_rules_hold(test, names[b],
					      &e->dst->vcpus[i].core,
					      &e->dst->vcpus[i].arch);
	}
	ve_teardown(test, e);
}

/*
 * A stream that skips one part is checked with the target's other part;
 * a load that creates its VM leaves none behind.
 */
static void vmentry_partial_and_create_loads(struct kunit *test)
{
	struct ve_env *e = ve_setup(test);
	struct v3_vcpu_core *c = &e->c;
	u32 got;

	*c = e->good_c;
	c->cr4 &= ~X86_CR4_PAE;
	KUNIT_EXPECT_EQ(test, ve_save_load(test, e, c, e->good_a,
					   VE_OPTS | V3CHKPT_SKIP_ARCHDEP),
			-ERANGE);
	KUNIT_EXPECT_NOT_NULL(test, strstr(e->err->msg, "cr4.pae"));
	KUNIT_EXPECT_TRUE(test, dst_unchanged(e));
	*e->a = *e->good_a;
	e->a->sfmask |= BIT_ULL(40);
	KUNIT_EXPECT_EQ(test, ve_save_load(test, e, &e->good_c, e->a,
					   VE_OPTS | V3CHKPT_SKIP_CORES),
			-ERANGE);
	KUNIT_EXPECT_NOT_NULL(test, strstr(e->err->msg, "fmask.reserved"));
	KUNIT_EXPECT_TRUE(test, dst_unchanged(e));
	/* and a whole stream with a broken vCPU 0, into a VM it creates */
	*c = e->good_c;
	c->seg[V3_SEG_TR].attr = 0x89;
	e->src->vcpus[0].core = *c;
	KUNIT_EXPECT_EQ(test, v3_vm_save(e->src, "memory", VE_KEY, 0, NULL), 0);
	e->src->vcpus[0].core = e->good_c;
	memset(e->err, 0, sizeof(*e->err));
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-ve-new", "memory", VE_KEY,
					 V3CHKPT_VM_LOAD_CREATE, &got, e->err),
			-ERANGE);
	KUNIT_EXPECT_NOT_NULL(test, strstr(e->err->msg, "tr.attr"));
	KUNIT_EXPECT_TRUE(test, IS_ERR(v3_vm_get("kunit-ve-new")));
	/* the good parts load */
	KUNIT_EXPECT_EQ(test, ve_save_load(test, e, &e->good_c, e->good_a,
					   VE_OPTS | V3CHKPT_SKIP_CORES), 0);
	KUNIT_EXPECT_EQ(test, ve_save_load(test, e, &e->good_c, e->good_a,
					   VE_OPTS | V3CHKPT_SKIP_ARCHDEP), 0);
	ve_teardown(test, e);
}

static struct kunit_case vmentry_cases[] = {
	KUNIT_CASE(vmentry_every_rule_has_a_case),
	KUNIT_CASE(vmentry_valid_states_load),
	KUNIT_CASE(vmentry_each_rule_refused),
	KUNIT_CASE(vmentry_partial_and_create_loads),
	{}
};

static struct kunit_suite vmentry_suite = {
	.name = "v3chkpt_vmentry",
	.suite_init = v3_kunit_memstore_init,
	.suite_exit = v3_kunit_memstore_exit,
	.test_cases = vmentry_cases,
};
kunit_test_suite(vmentry_suite);
