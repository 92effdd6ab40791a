/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A state struct described once, for save, load and digest (QEMU's
 * VMStateDescription idea on the V3_CHKPT_SAVE/LOAD blobs).
 *
 * A description lists the struct's fields in order.  Each field is one
 * tagged blob of the field's bytes, as V3_CHKPT_SAVE(ctx, "tag", s->f)
 * would write it; an array of sub-structs is saved element by element,
 * tagged "<element>.<tag>".  A load reads every field into a zeroed
 * staging copy, refuses an integer outside its bounds, then runs the
 * description's check for what spans fields.  A device model writes:
 *
 *	static const struct v3_state_field rtc_fields[] = {
 *		V3_STATE_BLOB(struct v3_rtc_state, pf_ref),
 *		V3_STATE_BLOB(struct v3_rtc_state, nvram),
 *		V3_STATE_MAX(struct v3_rtc_state, index, 127),
 *		V3_STATE_BOOL(struct v3_rtc_state, nmi_disabled),
 *		V3_STATE_PAD(struct v3_rtc_state, pad),
 *	};
 *	static const struct v3_state_desc rtc_desc =
 *		V3_STATE_DESC(struct v3_rtc_state, rtc_fields, rtc_check);
 */
#ifndef _V3CHKPT_VM_VMSTATE_H
#define _V3CHKPT_VM_VMSTATE_H

#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/xxhash.h>
#include <v3chkpt/chkpt.h>
#include "err.h"

enum v3_state_kind {
	V3_STATE_KIND_BLOB,	/* the bytes as they are */
	V3_STATE_KIND_UINT,	/* a u8..u64 within [min, max], only @bits set */
	V3_STATE_KIND_STRUCTS,	/* @count elements, each described by @elem */
	V3_STATE_KIND_PAD,	/* not saved; a load leaves it zero */
};

struct v3_state_desc;

/* Where a check runs: what its messages start with, e.g. "pit0: ch1.". */
struct v3_state_where {
	char prefix[64];
	u32 instance;		/* the context's instance */
	u32 version;		/* the version the state was saved at */
};

struct v3_state_field {
	const char *tag;
	u32 offset, size;
	enum v3_state_kind kind;
	u32 since;		/* first version that saves it (0: all) */
	u64 min, max, bits;	/* UINT */
	const struct v3_state_desc *elem;	/* STRUCTS */
	u32 count;				/* STRUCTS: elements */
	const char * const *names;	/* STRUCTS: element names, or NULL */
};

struct v3_state_desc {
	u32 size;
	const struct v3_state_field *fields;
	u32 nfields;
	/*
	 * What no single field's bounds say, run once every field is
	 * loaded (and for an element, before its struct's own check).
	 * Refuse with v3_vm_fail(err, -ERANGE, "%s...", w->prefix, ...).
	 */
	int (*check)(const void *state, const struct v3_state_where *w,
		     struct v3_vm_err *err);
};

#define V3_STATE_AT_(type, m) \
	.tag = #m, .offset = offsetof(type, m), .size = sizeof_field(type, m)

#define V3_STATE_BLOB(type, m) \
	{ V3_STATE_AT_(type, m), .kind = V3_STATE_KIND_BLOB }
/* A field a later version added: older states load with it zero. */
#define V3_STATE_BLOB_SINCE(type, m, ver) \
	{ V3_STATE_AT_(type, m), .kind = V3_STATE_KIND_BLOB, .since = (ver) }
/* A blob whose tag is not the member's name ("rax" for gpr[0]). */
#define V3_STATE_BLOB_TAG(type, m, name) \
	{ .tag = (name), .offset = offsetof(type, m), \
	  .size = sizeof_field(type, m), .kind = V3_STATE_KIND_BLOB }
/* An integer field and the values a load accepts. */
#define V3_STATE_RANGE(type, m, lo, hi) \
	{ V3_STATE_AT_(type, m), .kind = V3_STATE_KIND_UINT, \
	  .min = (lo), .max = (hi), .bits = ~0ULL }
#define V3_STATE_MAX(type, m, hi)	V3_STATE_RANGE(type, m, 0, hi)
#define V3_STATE_BOOL(type, m)		V3_STATE_RANGE(type, m, 0, 1)
#define V3_STATE_BITS(type, m, allowed) \
	{ V3_STATE_AT_(type, m), .kind = V3_STATE_KIND_UINT, \
	  .max = ~0ULL, .bits = (allowed) }
#define V3_STATE_PAD(type, m) \
	{ V3_STATE_AT_(type, m), .kind = V3_STATE_KIND_PAD }
/* An array of structs; element i is tagged "<names[i]>." (or "<m><i>."). */
#define V3_STATE_STRUCTS(type, m, desc, elem_names) \
	{ V3_STATE_AT_(type, m), .kind = V3_STATE_KIND_STRUCTS, \
	  .elem = (desc), .count = ARRAY_SIZE(((type *)0)->m), \
	  .names = (elem_names) }

#define V3_STATE_DESC(type, field_table, check_fn) \
	{ .size = sizeof(type), .fields = (field_table), \
	  .nfields = ARRAY_SIZE(field_table), .check = (check_fn) }

/* The value of a 1, 2, 4 or 8 byte unsigned integer field at @p. */
static inline u64 v3_state_uint(const void *p, u32 size)
{
	switch (size) {
	case 1:
		return *(const u8 *)p;
	case 2:
		return *(const u16 *)p;
	case 4:
		return *(const u32 *)p;
	default:
		return *(const u64 *)p;
	}
}

int v3_state_save(struct v3_chkpt_ctx *ctx, const struct v3_state_desc *d,
		  const void *state);
/*
 * Fill the zeroed @state from @ctx and check it; @w->prefix names the
 * state in messages ("lapic1: ").  Touches nothing but @state.
 */
int v3_state_load(struct v3_chkpt_ctx *ctx, const struct v3_state_desc *d,
		  void *state, const struct v3_state_where *w,
		  struct v3_vm_err *err);
/* Hash what the description covers, field by field in order. */
void v3_state_digest(struct xxh64_state *st, const struct v3_state_desc *d,
		     const void *state);
/*
 * 0 if @d lists fields in order without overlap and, with @whole, covers
 * every byte of the struct (so its digest is the struct's bytes).
 */
int v3_state_desc_valid(const struct v3_state_desc *d, bool whole);

#endif /* _V3CHKPT_VM_VMSTATE_H */
