// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the dirty-page tracker in each mode.  The oracle: vCPUs run a
 * write-heavy workload (with device writes through the VMM accessor) and
 * a VMM thread writes guest memory, while a harvester copies every
 * reported page into a mirror; after a pause and a final harvest the
 * mirror equals guest memory byte for byte.  Also: stop gives the leaves
 * their permissions back, tracking leaves the digest alone, a page written
 * before the start is never reported, a page is reported once however
 * often it was written, a log-full exit mid-step loses nothing, and a
 * destroyed VM drops its tracker.
 */
#include <kunit/test.h>
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/prandom.h>
#include <linux/vmalloc.h>
#include "helpers.h"
#include "vm_helpers.h"

static const u32 modes[] = {
	V3CHKPT_DIRTY_WP, V3CHKPT_DIRTY_AD, V3CHKPT_DIRTY_PML,
};

static struct v3_vm *dirty_vm(struct kunit *test, const char *name, u32 vcpus,
			      u32 ws, u32 accesses)
{
	struct v3chkpt_vm_config cfg = { .mem_bytes = 64 << 20,
					 .vcpus = vcpus };
	struct v3_vm *vm;

	cfg.workload.pace_us = 1;
	cfg.workload.write_pct = 80;
	cfg.workload.ws_pages = ws;
	cfg.workload.accesses = accesses;
	cfg.workload.io_every = 1;	/* the UART's INSB writes memory */
	cfg.workload.pattern = V3CHKPT_WL_RANDOM;
	KUNIT_ASSERT_EQ(test, v3_vm_config_check(&cfg, NULL, -EINVAL), 0);
	vm = v3_vm_alloc(&cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	KUNIT_ASSERT_EQ(test, v3_vm_publish(vm, name), 0);
	return vm;
}

static unsigned long *page_bitmap(struct kunit *test, struct v3_vm *vm)
{
	unsigned long *b = kunit_kzalloc(test, BITS_TO_LONGS(vm->mem.npages) *
					 sizeof(long), GFP_KERNEL);

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
	return b;
}

/* Harvest; the pages returned, as a count (and in @bits, zeroed first). */
static u64 harvest(struct kunit *test, struct v3_vm *vm, unsigned long *bits,
		   struct v3_dirty_stats *st)
{
	struct v3_dirty_stats s;

	bitmap_zero(bits, vm->mem.npages);
	KUNIT_ASSERT_EQ(test, v3_dirty_harvest(vm, NULL, bits, st ?: &s), 0);
	KUNIT_EXPECT_EQ(test, (u64)bitmap_weight(bits, vm->mem.npages),
			(st ?: &s)->dirty);
	return (st ?: &s)->dirty;
}

/* The VMM writing guest memory at random while the guest runs. */
struct vmm_writer {
	struct v3_vm *vm;
	struct rnd_state rnd;
	u64 writes;
};

static int vmm_writer_fn(void *data)
{
	struct vmm_writer *w = data;
	struct v3_mem *m = &w->vm->mem;

	while (!kthread_should_stop()) {
		u32 r = prandom_u32_state(&w->rnd);
		u64 gpa = v3_mem_idx_to_gpa(m, r % m->npages) +
			  (r >> 20) % (PAGE_SIZE - 8);
		u64 val = w->writes++ ^ 0x5a5a5a5aULL;

		v3_gpa_write(w->vm, gpa, &val, sizeof(val));
		if (!(w->writes & 63))
			usleep_range(50, 100);
	}
	return 0;
}

static void copy_pages(struct v3_vm *vm, u8 *mirror, unsigned long *bits)
{
	unsigned long i;

	for_each_set_bit(i, bits, vm->mem.npages)
		memcpy(mirror + i * PAGE_SIZE,
		       page_address(vm->mem.pages[i]), PAGE_SIZE);
}

static void oracle(struct kunit *test, u32 mode)
{
	struct v3_vm *vm = dirty_vm(test, "kt-dirty-mirror", 4, 2048, 256);
	struct vmm_writer w = { .vm = vm };
	struct task_struct *t;
	unsigned long *bits = page_bitmap(test, vm), i, bad = 0;
	u64 rounds = 0, reported = 0;
	u8 *mirror;

	mirror = vzalloc(vm->mem.npages * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, mirror);
	prandom_seed_state(&w.rnd, mode);
	t = kthread_run(vmm_writer_fn, &w, "kt-vmm-writer");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	/* start while everything writes, as a migration does */
	KUNIT_ASSERT_EQ(test, v3_vm_run(vm), 0);
	usleep_range(2000, 3000);
	KUNIT_ASSERT_EQ(test, v3_dirty_start(vm, mode, NULL), 0);
	/* round 0: everything, once tracking is on */
	bitmap_fill(bits, vm->mem.npages);
	copy_pages(vm, mirror, bits);
	/* harvest while everything writes */
	for (rounds = 0; rounds < 40; rounds++) {
		reported += harvest(test, vm, bits, NULL);
		copy_pages(vm, mirror, bits);
		usleep_range(2000, 3000);
	}
	KUNIT_ASSERT_EQ(test, v3_vm_pause(vm), 0);
	kthread_stop(t);
	reported += harvest(test, vm, bits, NULL);
	copy_pages(vm, mirror, bits);
	for (i = 0; i < vm->mem.npages; i++)
		if (memcmp(mirror + i * PAGE_SIZE,
			   page_address(vm->mem.pages[i]), PAGE_SIZE))
			bad++;
	KUNIT_EXPECT_EQ_MSG(test, bad, 0UL,
			    "mode %u: %lu pages differ from the mirror", mode,
			    bad);
	/* it was a real test: the guest and the VMM did write */
	KUNIT_EXPECT_GT(test, reported, 100ULL);
	KUNIT_EXPECT_GT(test, w.writes, 100ULL);
	kunit_info(test, "mode %u: %llu rounds, %llu pages reported, %llu VMM writes\n",
		   mode, rounds, reported, w.writes);
	/* a stop while the guest runs does not fault it */
	KUNIT_ASSERT_EQ(test, v3_vm_run(vm), 0);
	usleep_range(2000, 3000);
	v3_dirty_stop(vm, NULL);
	usleep_range(2000, 3000);
	KUNIT_ASSERT_EQ(test, v3_vm_pause(vm), 0);
	KUNIT_EXPECT_FALSE(test, v3_vm_failed(vm));
	vfree(mirror);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kt-dirty-mirror"), 0);
}

static void oracle_wp(struct kunit *test)
{
	oracle(test, V3CHKPT_DIRTY_WP);
}

static void oracle_ad(struct kunit *test)
{
	oracle(test, V3CHKPT_DIRTY_AD);
}

static void oracle_pml(struct kunit *test)
{
	oracle(test, V3CHKPT_DIRTY_PML);
}

/* The leaves' permissions, one byte per page. */
static u8 *perms_of(struct kunit *test, struct v3_vm *vm)
{
	u8 *p = kunit_kzalloc(test, vm->mem.npages, GFP_KERNEL);
	unsigned long i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, p);
	for (i = 0; i < vm->mem.npages; i++)
		p[i] = v3_ept_leaf(&vm->mem.ept,
				   v3_mem_idx_to_gpa(&vm->mem, i)) & V3_EPT_RWX;
	return p;
}

static void stop_restores_permissions(struct kunit *test)
{
	struct v3_vm *vm = dirty_vm(test, "kt-dirty-perm", 2, 1024, 64);
	u64 ro = v3_mem_idx_to_gpa(&vm->mem, 5000);	/* no vCPU's */
	unsigned long *bits = page_bitmap(test, vm);
	unsigned int k;
	u8 *before, *after;

	/* one page the VMM keeps read-only: never the tracker's to grant */
	KUNIT_ASSERT_EQ(test, v3_ept_protect(&vm->mem.ept, ro,
					     V3_EPT_R | V3_EPT_X), 0);
	before = perms_of(test, vm);
	for (k = 0; k < ARRAY_SIZE(modes); k++) {
		KUNIT_ASSERT_EQ(test, v3_dirty_start(vm, modes[k], NULL), 0);
		if (modes[k] == V3CHKPT_DIRTY_WP) {
			KUNIT_EXPECT_FALSE(test, v3_ept_leaf(&vm->mem.ept, 0) &
					   V3_EPT_W);
			KUNIT_EXPECT_FALSE(test,
					   v3_dirty_wp_fault(&vm->vcpus[0], ro));
		}
		KUNIT_ASSERT_EQ(test, v3_vm_step(vm, 20), 0);
		harvest(test, vm, bits, NULL);
		KUNIT_ASSERT_EQ(test, v3_vm_step(vm, 5), 0);
		v3_dirty_stop(vm, NULL);
		KUNIT_EXPECT_FALSE(test, v3_dirty_active(vm));
		after = perms_of(test, vm);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(before, after,
						 vm->mem.npages), 0,
				    "mode %u", modes[k]);
	}
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kt-dirty-perm"), 0);
}

static void digest_untouched_and_before_start_unreported(struct kunit *test)
{
	struct v3_vm *vm = dirty_vm(test, "kt-dirty-dig", 2, 512, 64);
	unsigned long *bits = page_bitmap(test, vm);
	struct v3chkpt_vm_digest d0 = { 0 }, d1 = { 0 };
	unsigned int k;

	for (k = 0; k < ARRAY_SIZE(modes); k++) {
		/* written before the start: never reported */
		KUNIT_ASSERT_EQ(test, v3_vm_step(vm, 30), 0);
		KUNIT_ASSERT_EQ(test, v3_vm_digest(vm, &d0), 0);
		KUNIT_ASSERT_EQ(test, v3_dirty_start(vm, modes[k], NULL), 0);
		KUNIT_ASSERT_EQ(test, v3_vm_digest(vm, &d1), 0);
		KUNIT_EXPECT_EQ(test, d0.total, d1.total);
		KUNIT_EXPECT_EQ_MSG(test, harvest(test, vm, bits, NULL), 0ULL,
				    "mode %u", modes[k]);
		/* written now: reported, and the digest is the guest's */
		KUNIT_ASSERT_EQ(test, v3_vm_step(vm, 10), 0);
		KUNIT_ASSERT_EQ(test, v3_vm_digest(vm, &d0), 0);
		KUNIT_EXPECT_GT(test, harvest(test, vm, bits, NULL), 0ULL);
		KUNIT_ASSERT_EQ(test, v3_vm_digest(vm, &d1), 0);
		KUNIT_EXPECT_EQ(test, d0.total, d1.total);
		v3_dirty_stop(vm, NULL);
		KUNIT_ASSERT_EQ(test, v3_vm_digest(vm, &d1), 0);
		KUNIT_EXPECT_EQ(test, d0.total, d1.total);
	}
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kt-dirty-dig"), 0);
}

static void reported_once_per_harvest(struct kunit *test)
{
	struct v3_vm *vm = dirty_vm(test, "kt-dirty-once", 1, 1, 64);
	unsigned long *bits = page_bitmap(test, vm);
	u64 gpa = v3_mem_idx_to_gpa(&vm->mem, 100) + 8, val = 1;
	unsigned int k, n;

	/* one device, no UART: the step writes only its one page */
	vm->cfg.workload.io_every = 0;
	for (k = 0; k < ARRAY_SIZE(modes); k++) {
		KUNIT_ASSERT_EQ(test, v3_dirty_start(vm, modes[k], NULL), 0);
		for (n = 0; n < 50; n++)
			KUNIT_ASSERT_EQ(test, v3_gpa_write(vm, gpa, &val, 8), 0);
		KUNIT_EXPECT_EQ(test, harvest(test, vm, bits, NULL), 1ULL);
		KUNIT_EXPECT_TRUE(test, test_bit(100, bits));
		/* 20 steps of 64 accesses to one page, 80% writes */
		KUNIT_ASSERT_EQ(test, v3_vm_step(vm, 20), 0);
		KUNIT_EXPECT_EQ_MSG(test, harvest(test, vm, bits, NULL), 1ULL,
				    "mode %u", modes[k]);
		KUNIT_EXPECT_EQ(test, harvest(test, vm, bits, NULL), 0ULL);
		v3_dirty_stop(vm, NULL);
	}
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kt-dirty-once"), 0);
}

/* A step that dirties 4096 pages: eight log-full exits inside it. */
static void pml_log_full_mid_step(struct kunit *test)
{
	struct v3_vm *vm = dirty_vm(test, "kt-dirty-pml", 1, 8192, 4096);
	unsigned long *bits = page_bitmap(test, vm);
	struct v3_dirty_stats st;
	unsigned long *want;
	u8 *before;
	unsigned long i;

	vm->cfg.workload.pattern = V3CHKPT_WL_SEQUENTIAL;
	vm->cfg.workload.write_pct = 100;
	vm->cfg.workload.io_every = 0;
	/* a step first, so the steps after it write non-zero words */
	KUNIT_ASSERT_EQ(test, v3_vm_step(vm, 1), 0);
	before = vmalloc(vm->mem.npages * PAGE_SIZE);
	KUNIT_ASSERT_NOT_NULL(test, before);
	for (i = 0; i < vm->mem.npages; i++)
		memcpy(before + i * PAGE_SIZE, page_address(vm->mem.pages[i]),
		       PAGE_SIZE);
	KUNIT_ASSERT_EQ(test, v3_dirty_start(vm, V3CHKPT_DIRTY_PML, NULL), 0);
	KUNIT_ASSERT_EQ(test, v3_vm_step(vm, 1), 0);
	harvest(test, vm, bits, &st);
	KUNIT_EXPECT_GE(test, st.exits, 7ULL);
	KUNIT_EXPECT_EQ(test, st.dirty, 4096ULL);
	/* every page that changed is reported */
	want = page_bitmap(test, vm);
	for (i = 0; i < vm->mem.npages; i++)
		if (memcmp(before + i * PAGE_SIZE,
			   page_address(vm->mem.pages[i]), PAGE_SIZE))
			__set_bit(i, want);
	KUNIT_EXPECT_GT(test, (u64)bitmap_weight(want, vm->mem.npages),
			4000ULL);
	KUNIT_EXPECT_FALSE(test, bitmap_andnot(want, want, bits,
					       vm->mem.npages));
	vfree(before);
	v3_dirty_stop(vm, NULL);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kt-dirty-pml"), 0);
}

static void one_tracker_and_destroy(struct kunit *test)
{
	struct v3_vm *vm = dirty_vm(test, "kt-dirty-one", 1, 64, 64);
	unsigned long *bits = page_bitmap(test, vm);
	struct v3_dirty_stats st;
	int owner;

	KUNIT_EXPECT_EQ(test, v3_dirty_harvest(vm, NULL, bits, &st), -ENOENT);
	KUNIT_EXPECT_EQ(test, v3_dirty_start(vm, 0, NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, v3_dirty_start(vm, 4, NULL), -EINVAL);
	KUNIT_ASSERT_EQ(test, v3_dirty_start(vm, V3CHKPT_DIRTY_WP, &owner), 0);
	KUNIT_EXPECT_EQ(test, v3_dirty_start(vm, V3CHKPT_DIRTY_AD, NULL),
			-EBUSY);
	/* only its owner stops it */
	v3_dirty_stop(vm, bits);
	KUNIT_EXPECT_TRUE(test, v3_dirty_active(vm));
	kref_get(&vm->ref);	/* as an open tracker fd holds it */
	KUNIT_ASSERT_EQ(test, v3_vm_destroy("kt-dirty-one"), 0);
	KUNIT_EXPECT_FALSE(test, v3_dirty_active(vm));
	KUNIT_EXPECT_EQ(test, v3_dirty_harvest(vm, NULL, bits, &st), -ENODEV);
	KUNIT_EXPECT_EQ(test, v3_dirty_start(vm, V3CHKPT_DIRTY_WP, NULL),
			-ENODEV);
	v3_dirty_stop(vm, &owner);
	v3_vm_put(vm);
}

static struct kunit_case dirty_cases[] = {
	KUNIT_CASE(oracle_wp),
	KUNIT_CASE(oracle_ad),
	KUNIT_CASE(oracle_pml),
	KUNIT_CASE(stop_restores_permissions),
	KUNIT_CASE(digest_untouched_and_before_start_unreported),
	KUNIT_CASE(reported_once_per_harvest),
	KUNIT_CASE(pml_log_full_mid_step),
	KUNIT_CASE(one_tracker_and_destroy),
	{}
};

static struct kunit_suite dirty_suite = {
	.name = "v3chkpt_dirty",
	.test_cases = dirty_cases,
};
kunit_test_suite(dirty_suite);
