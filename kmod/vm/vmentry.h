/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The checks a processor makes on the guest-state area at VM entry, and
 * those a WRMSR or a MOV to a control or debug register makes, over the
 * vCPU state the model holds: one table of rules (vmentry.c).
 */
#ifndef _V3CHKPT_VM_VMENTRY_H
#define _V3CHKPT_VM_VMENTRY_H

#include "vm.h"

/* The state a vCPU would enter the guest with. */
struct v3_vmentry_state {
	const struct v3_vcpu_core *c;
	const struct v3_vcpu_archdep *a;
};

struct v3_vmentry_rule {
	const char *id;		/* short and unique: "cr4.pae" */
	const char *field;	/* "cr4"; for segment rules "attr", ... */
	const char *rule;	/* what must hold */
	const char *ref;	/* where the rule comes from */
	u16 segs;		/* BIT(V3_SEG_*) it applies to, or 0 */
	bool arch;		/* the field is in the archdep part */
	u16 off;		/* of the field (in struct v3_seg for @segs) */
	u8 size;
	/* @seg: the segment checked, or -1 */
	bool (*ok)(const struct v3_vmentry_state *s, int seg);
};

extern const struct v3_vmentry_rule v3_vmentry_rules[];
extern const unsigned int v3_vmentry_nr_rules;

/* -2 if rule @r holds, else where it fails: a V3_SEG_*, or -1 (no segment) */
int v3_vmentry_rule_fails(const struct v3_vmentry_rule *r,
			  const struct v3_vmentry_state *s);

/*
 * 0 if a VM entry with this state would succeed, else -ERANGE with a
 * message naming the field, its value and the first rule it breaks.
 */
int v3_vmentry_check(const struct v3_vcpu_core *c,
		     const struct v3_vcpu_archdep *a, u32 id,
		     struct v3_vm_err *err);

#endif /* _V3CHKPT_VM_VMENTRY_H */
