// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the software EPT (permissions, accessed/dirty flags, violation
 * qualification), the guest-physical layout, vCPU state checks, and
 * whole-VM save/load (configuration mismatch, stage-verify-apply).
 */
#include <kunit/test.h>
#include <linux/gfp.h>
#include <linux/delay.h>
#include <linux/io.h>
#include <linux/kthread.h>
#include <linux/sched/task.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "helpers.h"
#include "../../kmod/vm/pages.h"
#include "../../kmod/vm/vm.h"
#include "vm_helpers.h"
#include "../../kmod/vm/vmentry.h"

struct ept_fixture {
	struct v3_ept ept;
	struct page *pg[2];
};

static void ept_setup(struct kunit *test, struct ept_fixture *f)
{
	KUNIT_ASSERT_EQ(test, v3_ept_init(&f->ept), 0);
	f->pg[0] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	f->pg[1] = alloc_page(GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_TRUE(test, f->pg[0] && f->pg[1]);
}

static void ept_teardown(struct ept_fixture *f)
{
	v3_ept_destroy(&f->ept);
	__free_page(f->pg[0]);
	__free_page(f->pg[1]);
}

static void ept_walk_permissions(struct kunit *test)
{
	const u64 rw = 0x1000, ro = 0x40201000ULL, xo = 0x7f0000000ULL;
	struct ept_fixture f;
	u64 qual;

	ept_setup(test, &f);
	KUNIT_ASSERT_EQ(test, v3_ept_map(&f.ept, rw, f.pg[0], V3_EPT_R | V3_EPT_W), 0);
	KUNIT_ASSERT_EQ(test, v3_ept_map(&f.ept, ro, f.pg[1], V3_EPT_R), 0);
	KUNIT_ASSERT_EQ(test, v3_ept_map(&f.ept, xo, f.pg[1], V3_EPT_X), 0);
	/* 3 tables for the first page, more where the indices differ */
	KUNIT_EXPECT_GE(test, f.ept.tables, 4UL);

	KUNIT_EXPECT_PTR_EQ(test, v3_ept_walk(&f.ept, rw + 8, V3_ACC_WRITE, &qual), f.pg[0]);
	KUNIT_EXPECT_PTR_EQ(test, v3_ept_walk(&f.ept, ro, V3_ACC_READ, &qual), f.pg[1]);
	KUNIT_EXPECT_PTR_EQ(test, v3_ept_walk(&f.ept, xo, V3_ACC_FETCH, &qual), f.pg[1]);

	/* write to a read-only page: access W, found R */
	KUNIT_EXPECT_NULL(test, v3_ept_walk(&f.ept, ro, V3_ACC_WRITE, &qual));
	KUNIT_EXPECT_EQ(test, qual, (u64)(V3_ACC_WRITE | V3_QUAL_READABLE));
	/* fetch from a non-executable page */
	KUNIT_EXPECT_NULL(test, v3_ept_walk(&f.ept, rw, V3_ACC_FETCH, &qual));
	KUNIT_EXPECT_EQ(test, qual, (u64)(V3_ACC_FETCH | V3_QUAL_READABLE |
					  V3_QUAL_WRITABLE));
	/* read of an execute-only page */
	KUNIT_EXPECT_NULL(test, v3_ept_walk(&f.ept, xo, V3_ACC_READ, &qual));
	KUNIT_EXPECT_EQ(test, qual, (u64)(V3_ACC_READ | V3_QUAL_EXECUTABLE));
	/* not mapped at all: bits 3-5 clear; beyond 48 bits */
	KUNIT_EXPECT_NULL(test, v3_ept_walk(&f.ept, 0x5000, V3_ACC_READ, &qual));
	KUNIT_EXPECT_EQ(test, qual, (u64)V3_ACC_READ);
	KUNIT_EXPECT_NULL(test, v3_ept_walk(&f.ept, 1ULL << 48, V3_ACC_READ, &qual));

	/* protect: the write is refused, then allowed again */
	KUNIT_EXPECT_EQ(test, v3_ept_protect(&f.ept, rw, V3_EPT_R), 0);
	KUNIT_EXPECT_NULL(test, v3_ept_walk(&f.ept, rw, V3_ACC_WRITE, &qual));
	KUNIT_EXPECT_EQ(test, v3_ept_protect(&f.ept, rw, V3_EPT_RWX), 0);
	KUNIT_EXPECT_NOT_NULL(test, v3_ept_walk(&f.ept, rw, V3_ACC_WRITE, &qual));
	KUNIT_EXPECT_EQ(test, v3_ept_protect(&f.ept, 0x5000, V3_EPT_R), -ENOENT);
	KUNIT_EXPECT_EQ(test, v3_ept_map(&f.ept, 0x9000, f.pg[0], 0), -EINVAL);
	ept_teardown(&f);
}

static void ept_accessed_dirty(struct kunit *test)
{
	const u64 gpa = 0x123456000ULL;
	struct ept_fixture f;
	u64 qual, leaf, *table;
	int level;

	ept_setup(test, &f);
	KUNIT_ASSERT_EQ(test, v3_ept_map(&f.ept, gpa, f.pg[0], V3_EPT_R), 0);
	leaf = v3_ept_leaf(&f.ept, gpa);
	KUNIT_EXPECT_EQ(test, leaf & (V3_EPT_A | V3_EPT_D), 0ULL);
	KUNIT_EXPECT_EQ(test, leaf & V3_EPT_ADDR, (u64)page_to_phys(f.pg[0]));
	KUNIT_EXPECT_EQ(test, leaf & (7ULL << 3), V3_EPT_MT_WB);

	/* A refused access sets no flags. */
	KUNIT_EXPECT_NULL(test, v3_ept_walk(&f.ept, gpa, V3_ACC_WRITE, &qual));
	KUNIT_EXPECT_EQ(test, v3_ept_leaf(&f.ept, gpa) & (V3_EPT_A | V3_EPT_D), 0ULL);

	/* A read sets A on every level, D nowhere. */
	KUNIT_EXPECT_NOT_NULL(test, v3_ept_walk(&f.ept, gpa, V3_ACC_READ, &qual));
	leaf = v3_ept_leaf(&f.ept, gpa);
	KUNIT_EXPECT_TRUE(test, leaf & V3_EPT_A);
	KUNIT_EXPECT_FALSE(test, leaf & V3_EPT_D);
	table = f.ept.pml4;
	for (level = 4; level > 1; level--) {
		u64 e = table[(gpa >> (12 + 9 * (level - 1))) & 511];

		KUNIT_EXPECT_TRUE_MSG(test, e & V3_EPT_A, "level %d", level);
		KUNIT_EXPECT_FALSE_MSG(test, e & V3_EPT_D, "level %d", level);
		table = phys_to_virt(e & V3_EPT_ADDR);
	}

	/* A write, once allowed, sets D in the leaf. */
	KUNIT_EXPECT_EQ(test, v3_ept_protect(&f.ept, gpa, V3_EPT_R | V3_EPT_W), 0);
	KUNIT_EXPECT_NOT_NULL(test, v3_ept_walk(&f.ept, gpa, V3_ACC_WRITE, &qual));
	KUNIT_EXPECT_TRUE(test, v3_ept_leaf(&f.ept, gpa) & V3_EPT_D);
	/* and protect keeps the flags */
	KUNIT_EXPECT_EQ(test, v3_ept_protect(&f.ept, gpa, V3_EPT_R), 0);
	KUNIT_EXPECT_TRUE(test, v3_ept_leaf(&f.ept, gpa) & V3_EPT_D);
	ept_teardown(&f);
}

static void mem_layout_has_a_hole(struct kunit *test)
{
	struct v3_mem m = { .npages = (5ULL << 30) >> PAGE_SHIFT,
			    .low_pages = (3ULL << 30) >> PAGE_SHIFT };

	KUNIT_EXPECT_EQ(test, v3_mem_gpa_to_idx(&m, 0), 0L);
	KUNIT_EXPECT_EQ(test, v3_mem_gpa_to_idx(&m, (3ULL << 30) - 1),
			(long)m.low_pages - 1);
	/* the APIC pages sit in the hole */
	KUNIT_EXPECT_EQ(test, v3_mem_gpa_to_idx(&m, 0xfee00000ULL), -1L);
	KUNIT_EXPECT_EQ(test, v3_mem_gpa_to_idx(&m, 0xfec00000ULL), -1L);
	KUNIT_EXPECT_EQ(test, v3_mem_gpa_to_idx(&m, 4ULL << 30), (long)m.low_pages);
	KUNIT_EXPECT_EQ(test, v3_mem_gpa_to_idx(&m, (6ULL << 30) - 1),
			(long)m.npages - 1);
	KUNIT_EXPECT_EQ(test, v3_mem_gpa_to_idx(&m, 6ULL << 30), -1L);
	KUNIT_EXPECT_EQ(test, v3_mem_idx_to_gpa(&m, m.low_pages), 4ULL << 30);
	KUNIT_EXPECT_EQ(test, v3_mem_idx_to_gpa(&m, 7), 7ULL << PAGE_SHIFT);
}

static void vcpu_state_checks(struct kunit *test)
{
	struct v3_vm *vm = v3_kunit_vm(test, "kunit-vcpu", 64ULL << 20, 1);
	struct v3_vcpu_core c;
	struct v3_vcpu_archdep *a;
	struct v3_vm_err err = {};

	a = kunit_kzalloc(test, sizeof(*a), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_EXPECT_EQ(test, v3_vmentry_check(&vm->vcpus[0].core, &vm->vcpus[0].arch, 0, &err), 0);
	KUNIT_EXPECT_EQ(test, v3_vcpu_archdep_check(&vm->vcpus[0].arch, 0, &err), 0);

	c = vm->vcpus[0].core;
	c.rflags = 0;		/* bit 1 must be set */
	KUNIT_EXPECT_EQ(test, v3_vmentry_check(&c, &vm->vcpus[0].arch, 0, &err), -ERANGE);
	KUNIT_EXPECT_NOT_NULL(test, strstr(err.msg, "rflags"));
	c = vm->vcpus[0].core;
	c.cr8 = 16;
	KUNIT_EXPECT_EQ(test, v3_vmentry_check(&c, &vm->vcpus[0].arch, 0, NULL), -ERANGE);
	c = vm->vcpus[0].core;
	c.efer &= ~EFER_LMA;	/* long mode enabled and paging on */
	KUNIT_EXPECT_EQ(test, v3_vmentry_check(&c, &vm->vcpus[0].arch, 0, NULL), -ERANGE);
	c = vm->vcpus[0].core;
	c.seg[V3_SEG_CS].attr = 0xf09b;
	KUNIT_EXPECT_EQ(test, v3_vmentry_check(&c, &vm->vcpus[0].arch, 0, NULL), -ERANGE);

	*a = vm->vcpus[0].arch;
	a->xcr0 = 0x4;		/* AVX without SSE, no x87 */
	KUNIT_EXPECT_EQ(test, v3_vcpu_archdep_check(a, 0, NULL), -ERANGE);
	*a = vm->vcpus[0].arch;
	a->xsave_size = 576;	/* xcr0 has AVX: 832 bytes */
	KUNIT_EXPECT_EQ(test, v3_vcpu_archdep_check(a, 0, NULL), -ERANGE);
	*a = vm->vcpus[0].arch;
	a->xsave[512] = 0x8;	/* XSTATE_BV bit outside xcr0 */
	KUNIT_EXPECT_EQ(test, v3_vcpu_archdep_check(a, 0, NULL), -ERANGE);
	*a = vm->vcpus[0].arch;
	a->lstar = 0x0000800000000000ULL;
	KUNIT_EXPECT_EQ(test, v3_vmentry_check(&vm->vcpus[0].core, a, 0, NULL), -ERANGE);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-vcpu"), 0);
}

static void digest_of(struct kunit *test, struct v3_vm *vm,
		      struct v3chkpt_vm_digest *d)
{
	memset(d, 0, sizeof(*d));
	KUNIT_ASSERT_EQ(test, v3_vm_digest(vm, d), 0);
}

static void vm_step_save_load(struct kunit *test)
{
	struct v3_vm *a = v3_kunit_vm(test, "kunit-a", 64ULL << 20, 2);
	struct v3_vm *b = v3_kunit_vm(test, "kunit-b", 64ULL << 20, 2);
	struct v3_vm *c = v3_kunit_vm(test, "kunit-c", 128ULL << 20, 2);
	struct v3chkpt_vm_digest da, db, db0, dc0, dc;
	struct v3_vm_err *err = kunit_kzalloc(test, sizeof(*err), GFP_KERNEL);
	u32 opts;

	/* The same state stepped alike gives the same digest. */
	KUNIT_ASSERT_EQ(test, v3_vm_step(a, 40), 0);
	KUNIT_ASSERT_EQ(test, v3_vm_step(b, 40), 0);
	digest_of(test, a, &da);
	digest_of(test, b, &db);
	KUNIT_EXPECT_EQ(test, da.total, db.total);
	KUNIT_ASSERT_EQ(test, v3_vm_step(a, 25), 0);
	digest_of(test, a, &da);
	KUNIT_EXPECT_NE(test, da.total, db.total);
	KUNIT_EXPECT_EQ(test, a->vcpus[1].core.gpr[V3_RBX], 65ULL);

	KUNIT_ASSERT_EQ(test, v3_vm_save(a, "memory", "kunit-vm", 0, err), 0);
	/* a VM of another memory size refuses it and is unchanged */
	digest_of(test, c, &dc0);
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-c", "memory", "kunit-vm", 0,
					 &opts, err), -EINVAL);
	KUNIT_EXPECT_NOT_NULL(test, strstr(err->msg, "mismatch"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(err->msg, "memory"));
	digest_of(test, c, &dc);
	KUNIT_EXPECT_EQ(test, dc.total, dc0.total);

	/* into b: equal digests, and equal again after more steps */
	digest_of(test, b, &db0);
	memset(err, 0, sizeof(*err));
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-b", "memory", "kunit-vm", 0,
					 &opts, err), 0);
	KUNIT_EXPECT_EQ(test, opts, 0U);
	digest_of(test, b, &db);
	KUNIT_EXPECT_EQ(test, db.total, da.total);
	KUNIT_EXPECT_NE(test, db.total, db0.total);
	KUNIT_ASSERT_EQ(test, v3_vm_step(a, 30), 0);
	KUNIT_ASSERT_EQ(test, v3_vm_step(b, 30), 0);
	digest_of(test, a, &da);
	digest_of(test, b, &db);
	KUNIT_EXPECT_EQ(test, da.memory, db.memory);
	KUNIT_EXPECT_EQ(test, da.vcpus, db.vcpus);
	KUNIT_EXPECT_EQ(test, da.devices, db.devices);

	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-a"), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-b"), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-c"), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-c"), -ENOENT);
	KUNIT_EXPECT_EQ(test, v3_memstore_delete("kunit-vm"), 0);
}

static void vm_failed_load_changes_nothing(struct kunit *test)
{
	long pages = atomic_long_read(&v3_vm_pages_in_use);
	struct v3_vm *a = v3_kunit_vm(test, "kunit-s", 64ULL << 20, 1);
	struct v3_vm *b = v3_kunit_vm(test, "kunit-t", 64ULL << 20, 1);
	struct v3chkpt_vm_digest d0, d;
	struct v3_vm_err *err = kunit_kzalloc(test, sizeof(*err), GFP_KERNEL);
	struct v3_kbuf raw = {};
	u32 opts;

	KUNIT_ASSERT_EQ(test, v3_vm_step(a, 20), 0);
	KUNIT_ASSERT_EQ(test, v3_vm_save(a, "memory", "kunit-full", 0, err), 0);
	KUNIT_ASSERT_EQ(test, v3_test_get_raw("kunit-full", &raw), 0);
	/* Cut inside the END record: every context before it verifies. */
	KUNIT_ASSERT_EQ(test, v3_test_put_raw("kunit-cut", raw.p, raw.len - 40), 0);
	digest_of(test, b, &d0);
	KUNIT_EXPECT_LT(test, v3_vm_load("kunit-t", "memory", "kunit-cut", 0,
					 &opts, err), 0);
	KUNIT_EXPECT_NE(test, err->msg[0], '\0');
	digest_of(test, b, &d);
	KUNIT_EXPECT_EQ(test, d.total, d0.total);
	/* A stream whose registers would send the workload out of its share */
	a->vcpus[0].core.gpr[V3_RDI] = 0;
	KUNIT_ASSERT_EQ(test, v3_vm_save(a, "memory", "kunit-rdi", 0, err), 0);
	a->vcpus[0].core.gpr[V3_RDI] = a->cfg.workload.ws_pages;
	memset(err, 0, sizeof(*err));
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-t", "memory", "kunit-rdi", 0,
					 &opts, err), -ERANGE);
	KUNIT_EXPECT_NOT_NULL(test, strstr(err->msg, "rdi"));
	digest_of(test, b, &d);
	KUNIT_EXPECT_EQ(test, d.total, d0.total);
	v3_memstore_delete("kunit-rdi");
	/* With create, nothing is left behind. */
	KUNIT_EXPECT_LT(test, v3_vm_load("kunit-u", "memory", "kunit-cut",
					 V3CHKPT_VM_LOAD_CREATE, &opts, NULL), 0);
	KUNIT_EXPECT_TRUE(test, IS_ERR(v3_vm_get("kunit-u")));
	/* The whole stream creates a VM equal to the source. */
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-u", "memory", "kunit-full",
					 V3CHKPT_VM_LOAD_CREATE, &opts, NULL), 0);
	digest_of(test, a, &d0);
	b = v3_vm_get("kunit-u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(b));
	digest_of(test, b, &d);
	v3_vm_put(b);
	KUNIT_EXPECT_EQ(test, d.total, d0.total);
	kvfree(raw.p);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-s"), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-t"), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-u"), 0);
	/* staged pages of the failed loads were freed too */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&v3_vm_pages_in_use), pages);
	v3_memstore_delete("kunit-full");
	v3_memstore_delete("kunit-cut");
}

/* Poll (TCG under KASAN is slow) until vCPU 0 has run a step. */
static u64 wait_for_steps(struct v3_vm *vm)
{
	unsigned long end = jiffies + 60 * HZ;
	u64 steps;

	while (!(steps = READ_ONCE(vm->vcpus[0].core.gpr[V3_RBX])) &&
	       time_before(jiffies, end))
		msleep(20);
	return steps;
}

static void vm_run_pause_destroy(struct kunit *test)
{
	long pages = atomic_long_read(&v3_vm_pages_in_use);
	struct v3_vm *vm = v3_kunit_vm(test, "kunit-run", 64ULL << 20, 1);
	struct v3_vm *twin = v3_kunit_vm(test, "kunit-twin", 64ULL << 20, 1);
	struct v3chkpt_vm_digest a, b;
	u64 steps;

	/* guest pages + EPT tables, all counted */
	KUNIT_EXPECT_GT(test, atomic_long_read(&v3_vm_pages_in_use),
			pages + 2 * (64L << 20 >> PAGE_SHIFT));
	KUNIT_ASSERT_EQ(test, v3_vm_run(vm), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_run(vm), -EBUSY);
	KUNIT_EXPECT_EQ(test, v3_vm_step(vm, 5), -EBUSY);
	KUNIT_ASSERT_GT(test, wait_for_steps(vm), 0ULL);
	KUNIT_EXPECT_EQ(test, v3_vm_pause(vm), 0);
	KUNIT_EXPECT_EQ(test, vm->state, (u32)V3CHKPT_VM_PAUSED);
	/* Paused at a step boundary: a twin stepped as far is identical. */
	steps = vm->vcpus[0].core.gpr[V3_RBX];
	KUNIT_ASSERT_EQ(test, v3_vm_step(twin, steps), 0);
	digest_of(test, vm, &a);
	digest_of(test, twin, &b);
	KUNIT_EXPECT_EQ(test, a.total, b.total);

	/* Destroying a running VM stops it and frees it all. */
	KUNIT_ASSERT_EQ(test, v3_vm_run(vm), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-run"), 0);
	KUNIT_EXPECT_TRUE(test, IS_ERR(v3_vm_get("kunit-run")));
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-twin"), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&v3_vm_pages_in_use), pages);
}

/* The workload really goes through the EPT: take its pages away. */
static void vm_ept_violation_stops_vm(struct kunit *test)
{
	long pages = atomic_long_read(&v3_vm_pages_in_use);
	struct v3_vm *vm = v3_kunit_vm(test, "kunit-ept", 64ULL << 20, 2);
	u32 ws = vm->cfg.workload.ws_pages, i, dirty = 0, touched = 0;
	struct v3_mem *m = &vm->mem;
	u64 base1 = v3_workload_base(vm, 1);

	KUNIT_ASSERT_EQ(test, v3_vm_step(vm, 10), 0);
	/* A/D flags where the workload went, and nowhere else */
	for (i = 0; i < ws; i++) {
		u64 leaf = v3_ept_leaf(&m->ept, v3_mem_idx_to_gpa(m, i));

		touched += !!(leaf & V3_EPT_A);
		dirty += !!(leaf & V3_EPT_D);
	}
	KUNIT_EXPECT_GT(test, touched, 0U);
	KUNIT_EXPECT_GT(test, dirty, 0U);
	KUNIT_EXPECT_LE(test, dirty, touched);
	KUNIT_EXPECT_FALSE(test, v3_ept_leaf(&m->ept, v3_mem_idx_to_gpa(m, ws + 1)) &
			   V3_EPT_A);
	KUNIT_ASSERT_EQ(test, v3_vm_save(vm, "memory", "kunit-ept", 0, NULL), 0);

	/* vCPU 1's share becomes execute-only: its first access faults. */
	for (i = 0; i < ws; i++)
		KUNIT_ASSERT_EQ(test, v3_ept_protect(&m->ept,
			v3_mem_idx_to_gpa(m, base1 + i), V3_EPT_X), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_step(vm, 10), -EIO);
	KUNIT_EXPECT_EQ(test, vm->state, (u32)V3CHKPT_VM_FAILED);
	KUNIT_EXPECT_EQ(test, vm->vcpus[1].error, -EFAULT);
	KUNIT_EXPECT_EQ(test, vm->vcpus[1].core.gpr[V3_RBX], 10ULL);
	KUNIT_EXPECT_EQ(test, v3_mem_gpa_to_idx(m, vm->vcpus[1].core.cr2) -
			(long)base1 < (long)ws, true);
	KUNIT_EXPECT_EQ(test, v3_vm_run(vm), -EIO);
	KUNIT_EXPECT_EQ(test, v3_vm_step(vm, 1), -EIO);

	/* Permissions back and a good checkpoint loaded: it runs again. */
	for (i = 0; i < ws; i++)
		v3_ept_protect(&m->ept, v3_mem_idx_to_gpa(m, base1 + i),
			       V3_EPT_RWX);
	KUNIT_EXPECT_EQ(test, v3_vm_load("kunit-ept", "memory", "kunit-ept", 0,
					 &i, NULL), 0);
	KUNIT_EXPECT_EQ(test, vm->state, (u32)V3CHKPT_VM_PAUSED);
	KUNIT_EXPECT_EQ(test, vm->vcpus[1].error, 0);
	KUNIT_EXPECT_EQ(test, v3_vm_step(vm, 5), 0);
	KUNIT_EXPECT_EQ(test, vm->vcpus[1].core.gpr[V3_RBX], 15ULL);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-ept"), 0);
	v3_memstore_delete("kunit-ept");
	KUNIT_EXPECT_EQ(test, atomic_long_read(&v3_vm_pages_in_use), pages);
}

/* The VMM's accessor works on guest memory directly, not through the EPT. */
static void vm_accessor_bypasses_ept(struct kunit *test)
{
	struct v3_vm *vm = v3_kunit_vm(test, "kunit-acc", 64ULL << 20, 1);
	const u64 gpa = 0x5ff8;		/* spans pages 5 and 6 */
	u8 in[16] = "vmm-side write!", out[16] = {};
	struct page *pg;
	u64 qual;

	KUNIT_ASSERT_EQ(test, v3_ept_protect(&vm->mem.ept, 0x5000, V3_EPT_X), 0);
	KUNIT_EXPECT_EQ(test, v3_gpa_write(vm, gpa, in, sizeof(in)), 0);
	KUNIT_EXPECT_EQ(test, v3_gpa_read(vm, gpa, out, sizeof(out)), 0);
	KUNIT_EXPECT_EQ(test, memcmp(in, out, sizeof(in)), 0);
	/* no A/D flag set: the guest did not touch the page */
	KUNIT_EXPECT_FALSE(test, v3_ept_leaf(&vm->mem.ept, 0x5000) & V3_EPT_A);
	/* the guest sees the bytes once it may read the page */
	KUNIT_EXPECT_NULL(test, v3_ept_walk(&vm->mem.ept, gpa, V3_ACC_READ, &qual));
	KUNIT_ASSERT_EQ(test, v3_ept_protect(&vm->mem.ept, 0x5000, V3_EPT_RWX), 0);
	pg = v3_ept_walk(&vm->mem.ept, gpa, V3_ACC_READ, &qual);
	KUNIT_ASSERT_NOT_NULL(test, pg);
	KUNIT_EXPECT_EQ(test, memcmp(page_address(pg) + 0xff8, in, 8), 0);
	/* not RAM: the APIC hole, beyond the end */
	KUNIT_EXPECT_EQ(test, v3_gpa_write(vm, 0xfee00000ULL, in, 4), -EFAULT);
	KUNIT_EXPECT_EQ(test, v3_gpa_read(vm, (64ULL << 20) - 8, out, 16), -EFAULT);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-acc"), 0);
}

static int step_thread(void *data)
{
	struct v3_vm *vm = data;

	return v3_vm_step(vm, 1000000);
}

/* A pause cuts a long STEP short: it returns EINTR, the VM is paused. */
static void vm_pause_cuts_step(struct kunit *test)
{
	struct v3_vm *vm = v3_kunit_vm(test, "kunit-cut", 64ULL << 20, 1);
	struct task_struct *t;
	int ret;

	kref_get(&vm->ref);
	t = kthread_create(step_thread, vm, "kunit-step");
	KUNIT_ASSERT_FALSE(test, IS_ERR(t));
	get_task_struct(t);	/* kthread_stop after the thread returned */
	wake_up_process(t);
	KUNIT_ASSERT_GT(test, wait_for_steps(vm), 0ULL);
	KUNIT_EXPECT_EQ(test, v3_vm_pause(vm), 0);
	ret = kthread_stop(t);
	put_task_struct(t);
	KUNIT_EXPECT_EQ(test, ret, -EINTR);
	KUNIT_EXPECT_EQ(test, vm->state, (u32)V3CHKPT_VM_PAUSED);
	KUNIT_EXPECT_LT(test, vm->vcpus[0].core.gpr[V3_RBX], 1000000ULL);
	/* and the next STEP is whole */
	KUNIT_EXPECT_EQ(test, v3_vm_step(vm, 3), 0);
	v3_vm_put(vm);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kunit-cut"), 0);
}

static struct kunit_case vm_cases[] = {
	KUNIT_CASE(ept_walk_permissions),
	KUNIT_CASE(ept_accessed_dirty),
	KUNIT_CASE(mem_layout_has_a_hole),
	KUNIT_CASE(vcpu_state_checks),
	KUNIT_CASE(vm_step_save_load),
	KUNIT_CASE(vm_failed_load_changes_nothing),
	KUNIT_CASE(vm_run_pause_destroy),
	KUNIT_CASE(vm_ept_violation_stops_vm),
	KUNIT_CASE(vm_accessor_bypasses_ept),
	KUNIT_CASE(vm_pause_cuts_step),
	{}
};

static struct kunit_suite vm_suite = {
	.name = "v3chkpt_vm",
	.suite_init = v3_kunit_memstore_init,
	.suite_exit = v3_kunit_memstore_exit,
	.test_cases = vm_cases,
};
kunit_test_suite(vm_suite);
