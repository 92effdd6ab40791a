// SPDX-License-Identifier: GPL-2.0
/* Software EPT: building, walking and tearing down 4-level tables. */
#include <linux/bitops.h>
#include <linux/errno.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/io.h>
#include <linux/sched.h>
#include "ept.h"
#include "../kunit_export.h"
#include "pages.h"

#define EPT_ENTRIES	512
#define EPT_LEVELS	4

static unsigned int ept_index(u64 gpa, int level)
{
	/* level 4 = PML4 (bits 47:39) ... level 1 = PT (bits 20:12) */
	return (gpa >> (12 + 9 * (level - 1))) & (EPT_ENTRIES - 1);
}

static u64 *ept_table(u64 entry)
{
	return phys_to_virt(entry & V3_EPT_ADDR);
}

static bool ept_present(u64 entry)
{
	return entry & V3_EPT_RWX;
}

static u64 *ept_alloc_table(void)
{
	struct page *page = v3_vm_alloc_page(V3_MEM_GFP | __GFP_ZERO);

	return page ? page_address(page) : NULL;
}

int v3_ept_init(struct v3_ept *ept)
{
	ept->pml4 = ept_alloc_table();
	if (!ept->pml4)
		return -ENOMEM;
	ept->tables = 1;
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_ept_init);

static void ept_free_level(u64 *table, int level)
{
	unsigned int i;

	if (level > 1) {
		for (i = 0; i < EPT_ENTRIES; i++)
			if (ept_present(table[i]))
				ept_free_level(ept_table(table[i]), level - 1);
	}
	v3_vm_free_page(virt_to_page(table));
}

void v3_ept_destroy(struct v3_ept *ept)
{
	if (ept->pml4)
		ept_free_level(ept->pml4, EPT_LEVELS);
	ept->pml4 = NULL;
	ept->tables = 0;
}
V3_EXPORT_FOR_TESTS(v3_ept_destroy);

/* The leaf slot for @gpa, allocating intermediate tables if @alloc. */
static u64 *ept_slot(struct v3_ept *ept, u64 gpa, bool alloc)
{
	u64 *table = ept->pml4;
	int level;

	if (gpa >> V3_EPT_GPA_BITS)
		return NULL;
	for (level = EPT_LEVELS; level > 1; level--) {
		u64 *e = &table[ept_index(gpa, level)];

		if (!ept_present(*e)) {
			u64 *next;

			if (!alloc)
				return NULL;
			next = ept_alloc_table();
			if (!next)
				return ERR_PTR(-ENOMEM);
			ept->tables++;
			/* Non-leaf entries grant everything; leaves decide. */
			*e = virt_to_phys(next) | V3_EPT_RWX;
		}
		table = ept_table(*e);
	}
	return &table[ept_index(gpa, 1)];
}

int v3_ept_map(struct v3_ept *ept, u64 gpa, struct page *page, u64 perm)
{
	u64 *slot = ept_slot(ept, gpa, true);

	if (IS_ERR(slot))
		return PTR_ERR(slot);
	if (!slot || (perm & ~V3_EPT_RWX) || !perm)
		return -EINVAL;
	WRITE_ONCE(*slot, page_to_phys(page) | V3_EPT_MT_WB | perm);
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_ept_map);

int v3_ept_protect(struct v3_ept *ept, u64 gpa, u64 perm)
{
	u64 *slot = ept_slot(ept, gpa, false);
	u64 old;

	if (!slot || !ept_present(READ_ONCE(*slot)))
		return -ENOENT;
	if ((perm & ~V3_EPT_RWX) || !perm)
		return -EINVAL;
	do {
		old = READ_ONCE(*slot);
	} while (cmpxchg64(slot, old, (old & ~V3_EPT_RWX) | perm) != old);
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_ept_protect);

u64 v3_ept_leaf(const struct v3_ept *ept, u64 gpa)
{
	u64 *slot = ept_slot((struct v3_ept *)ept, gpa, false);

	return slot ? READ_ONCE(*slot) : 0;
}
V3_EXPORT_FOR_TESTS(v3_ept_leaf);

/*
 * Set @flags in *@e if not yet set; atomic, as the processor's update.
 * Returns the entry as it was.
 */
static u64 ept_set_flags(u64 *e, u64 flags)
{
	u64 old = READ_ONCE(*e);

	while ((old & flags) != flags) {
		u64 seen = cmpxchg64(e, old, old | flags);

		if (seen == old)
			break;
		old = seen;
	}
	return old;
}

struct page *v3_ept_walk_track(struct v3_ept *ept, u64 gpa, u32 acc,
			       u64 *qual, bool *dirtied)
{
	u64 *table = ept->pml4, perm = V3_EPT_RWX, e = 0, old;
	u64 *slots[EPT_LEVELS];
	int level;

	*qual = acc & 7;
	if (gpa >> V3_EPT_GPA_BITS)
		return NULL;
	for (level = EPT_LEVELS; level >= 1; level--) {
		u64 *slot = &table[ept_index(gpa, level)];

		e = READ_ONCE(*slot);
		if (!ept_present(e))
			return NULL;	/* qualification bits 3-5 clear */
		perm &= e;
		slots[level - 1] = slot;
		if (level > 1)
			table = ept_table(e);
	}
	*qual |= (perm & V3_EPT_RWX) << 3;
	if (((acc & V3_ACC_READ) && !(perm & V3_EPT_R)) ||
	    ((acc & V3_ACC_WRITE) && !(perm & V3_EPT_W)) ||
	    ((acc & V3_ACC_FETCH) && !(perm & V3_EPT_X)))
		return NULL;
	/*
	 * Only a translation that succeeds updates the flags: the leaf
	 * first, then the tables up to the root.  A dirty harvest clears
	 * the tables' accessed flags from the root down before it reads
	 * the leaves, so a dirty flag it did not see is always followed by
	 * accessed flags that lead the next harvest to it.
	 */
	old = ept_set_flags(slots[0], (acc & V3_ACC_WRITE) ?
			    V3_EPT_A | V3_EPT_D : V3_EPT_A);
	if (dirtied)
		*dirtied = (acc & V3_ACC_WRITE) && !(old & V3_EPT_D);
	for (level = 2; level <= EPT_LEVELS; level++)
		ept_set_flags(slots[level - 1], V3_EPT_A);
	return pfn_to_page(PHYS_PFN(e & V3_EPT_ADDR));
}

struct page *v3_ept_walk(struct v3_ept *ept, u64 gpa, u32 acc, u64 *qual)
{
	return v3_ept_walk_track(ept, gpa, acc, qual, NULL);
}
V3_EXPORT_FOR_TESTS(v3_ept_walk);

u64 v3_ept_leaf_update(struct v3_ept *ept, u64 gpa, u64 clear, u64 set)
{
	u64 *slot = ept_slot(ept, gpa, false);
	u64 old;

	if (!slot)
		return 0;
	old = READ_ONCE(*slot);
	for (;;) {
		u64 new = (old & ~clear) | set, seen;

		if (!ept_present(old) || new == old)
			return old;
		seen = cmpxchg64(slot, old, new);
		if (seen == old)
			return old;
		old = seen;
	}
}

/* Test and clear @flag in *@e; true if it was set. */
static bool ept_test_clear(u64 *e, u64 flag)
{
	u64 old = READ_ONCE(*e);

	while (old & flag) {
		u64 seen = cmpxchg64(e, old, old & ~flag);

		if (seen == old)
			return true;
		old = seen;
	}
	return false;
}

static void ept_scan_level(u64 *table, int level, u64 base, bool all,
			   struct v3_ept_scan *scan)
{
	unsigned int i;

	for (i = 0; i < EPT_ENTRIES; i++) {
		u64 gpa = base + ((u64)i << (12 + 9 * (level - 1)));
		u64 e = READ_ONCE(table[i]);

		scan->entries++;
		if (!ept_present(e))
			continue;
		if (level == 1) {
			if (ept_test_clear(&table[i], V3_EPT_D) && scan->dirty)
				scan->dirty(scan->arg, gpa);
			continue;
		}
		/* Cleared before the leaves below are read: see the walk. */
		if (!ept_test_clear(&table[i], V3_EPT_A) && !all)
			continue;
		ept_scan_level(ept_table(e), level - 1, gpa, all, scan);
		if (level == 2)
			cond_resched();	/* one table of leaves at a time */
	}
}

void v3_ept_scan_dirty(struct v3_ept *ept, bool all, struct v3_ept_scan *scan)
{
	ept_scan_level(ept->pml4, EPT_LEVELS, 0, all, scan);
}
