/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A software x86 EPT: the 4-level table format of Intel SDM vol. 3,
 * chapter 29 (EPT entries, accessed/dirty flags with EPTP bit 6 set, and
 * the exit qualification of an EPT violation).  Every guest access of the
 * VM model is translated by walking it.
 */
#ifndef _V3CHKPT_VM_EPT_H
#define _V3CHKPT_VM_EPT_H

#include <linux/bits.h>
#include <linux/types.h>

struct page;

#define V3_EPT_R		BIT_ULL(0)
#define V3_EPT_W		BIT_ULL(1)
#define V3_EPT_X		BIT_ULL(2)
#define V3_EPT_RWX		(V3_EPT_R | V3_EPT_W | V3_EPT_X)
#define V3_EPT_MT_WB		(6ULL << 3)	/* leaf memory type */
#define V3_EPT_A		BIT_ULL(8)
#define V3_EPT_D		BIT_ULL(9)	/* leaf only */
#define V3_EPT_ADDR		GENMASK_ULL(51, 12)

/* The guest-physical addresses an EPT can map: 4 levels, 48 bits. */
#define V3_EPT_GPA_BITS		48

/* Access types, numbered as exit-qualification bits 0-2. */
#define V3_ACC_READ		BIT(0)
#define V3_ACC_WRITE		BIT(1)
#define V3_ACC_FETCH		BIT(2)

/* Exit qualification bits 3-5: the permissions the walk found. */
#define V3_QUAL_READABLE	BIT_ULL(3)
#define V3_QUAL_WRITABLE	BIT_ULL(4)
#define V3_QUAL_EXECUTABLE	BIT_ULL(5)

struct v3_ept {
	u64 *pml4;		/* a zeroed page of 512 entries */
	unsigned long tables;	/* pages of table, for accounting */
};

int v3_ept_init(struct v3_ept *ept);
/* Frees every table page (not the pages the leaves point to). */
void v3_ept_destroy(struct v3_ept *ept);
/* Map the 4 KiB page at @gpa to @page with permissions @perm. */
int v3_ept_map(struct v3_ept *ept, u64 gpa, struct page *page, u64 perm);
/* Change the permissions of a mapped page (-ENOENT if not mapped). */
int v3_ept_protect(struct v3_ept *ept, u64 gpa, u64 perm);
/* The leaf entry of @gpa, or 0 (no A/D update). */
u64 v3_ept_leaf(const struct v3_ept *ept, u64 gpa);

/*
 * Translate @gpa for an access of type @acc (V3_ACC_*), as the processor
 * does: the accessed flag is set in every entry used, the dirty flag in
 * the leaf on a write.  Returns the page, or NULL on an EPT violation with
 * the exit qualification in *@qual.
 */
struct page *v3_ept_walk(struct v3_ept *ept, u64 gpa, u32 acc, u64 *qual);
/* The same; *@dirtied tells whether this write set the leaf's dirty flag. */
struct page *v3_ept_walk_track(struct v3_ept *ept, u64 gpa, u32 acc,
			       u64 *qual, bool *dirtied);

/*
 * Atomically clear then set flags of @gpa's leaf (if it is mapped);
 * returns the leaf as it was, or 0.
 */
u64 v3_ept_leaf_update(struct v3_ept *ept, u64 gpa, u64 clear, u64 set);

/* What a dirty scan reports and what it cost. */
struct v3_ept_scan {
	void (*dirty)(void *arg, u64 gpa);	/* a leaf it found dirty */
	void *arg;
	u64 entries;		/* entries read */
};

/*
 * Test and clear the dirty flag of every leaf below a table whose
 * accessed flag is set (every table with @all), clearing the tables'
 * accessed flags on the way down.
 */
void v3_ept_scan_dirty(struct v3_ept *ept, bool all, struct v3_ept_scan *scan);

#endif /* _V3CHKPT_VM_EPT_H */
