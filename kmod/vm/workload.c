// SPDX-License-Identifier: GPL-2.0
/*
 * The deterministic guest workload a vCPU runs.  Its whole progress is in
 * the vCPU's registers and guest memory, so the same state run for N steps
 * always gives the same result:
 *   rax  accumulator of everything read     rbx  steps done
 *   rcx  sequential cursor                  rdx  xorshift64* PRNG state
 *   rsi  first page of this vCPU's part     rdi  working-set pages
 *   r8   writes done                        r9   last device value read
 *   rip  advances through a 64-slot loop    tsc  +10 per access, +1000 per step
 * Every memory access goes through the EPT.  vCPU 0 programs the shared
 * devices; every vCPU programs its own local APIC, so the result does not
 * depend on how the vCPU threads interleave.
 */
#include <linux/bitops.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <asm/processor-flags.h>
#include "vm.h"

#define V3_STEP_TSC	1000
#define V3_ACCESS_TSC	10

static u64 prng(u64 *s)
{
	u64 x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dULL;
}

/* @ws comes from the configuration: a register is never a divisor. */
static u32 pick_page(struct v3_vcpu_core *c, u32 ws, u32 pattern, u64 r)
{
	u32 hot;

	switch (pattern) {
	case V3CHKPT_WL_SEQUENTIAL:
		c->gpr[V3_RCX] = (c->gpr[V3_RCX] + 1) % ws;
		return c->gpr[V3_RCX];
	case V3CHKPT_WL_HOTCOLD:
		hot = max(1U, ws / 10);
		if ((u32)(r >> 40) % 10 < 9 || ws == hot)
			return (u32)(r >> 32) % hot;
		return hot + (u32)(r >> 32) % (ws - hot);
	default:
		return (u32)(r >> 32) % ws;
	}
}

static int io(struct v3_vcpu *v, enum v3_io_space sp, u64 addr, u8 size,
	      bool write, u64 val, u64 *out)
{
	struct v3_io req = {
		.addr = addr, .val = val, .now = v->arch.tsc, .vcpu = v->id,
		.size = size, .write = write,
	};
	int ret = v3_dev_io(v->vm, sp, &req);

	if (!ret && !write) {
		v->core.gpr[V3_R9] = req.val;
		v->core.gpr[V3_RAX] = rol64(v->core.gpr[V3_RAX], 9) ^ req.val;
		if (out)
			*out = req.val;
	}
	return ret;
}

#define OUT(port, size, val) io(v, V3_IO_PORT, port, size, true, val, NULL)
#define IN(port, size) io(v, V3_IO_PORT, port, size, false, 0, NULL)
#define MMW(addr, val) io(v, V3_IO_MMIO, addr, 4, true, val, NULL)
#define MMR(addr) io(v, V3_IO_MMIO, addr, 4, false, 0, NULL)

/*
 * String input (INSB): the VMM reads the port and stores the bytes into
 * guest memory through its accessor, not through the guest's EPT.
 */
static int insb(struct v3_vcpu *v, u16 port, u64 gpa, unsigned int n)
{
	u8 buf[8];
	unsigned int i;
	u64 val;
	int ret;

	for (i = 0; i < n && i < sizeof(buf); i++) {
		ret = io(v, V3_IO_PORT, port, 1, false, 0, &val);
		if (ret)
			return ret;
		buf[i] = val;
	}
	return v3_gpa_write(v->vm, gpa, buf, i);
}

static int program_device(struct v3_vcpu *v, u32 dev, u64 r)
{
	u64 buf_gpa = v3_mem_idx_to_gpa(&v->vm->mem,
					v3_workload_base(v->vm, v->id)) +
		      ((r >> 16) & (PAGE_SIZE - 8));
	int ret;

	switch (dev) {
	case V3CHKPT_DEV_PIT:	/* channel 0, lobyte/hibyte, mode 2; latch */
		ret = OUT(0x43, 1, 0x34) ?: OUT(0x40, 1, r & 0xff) ?:
		      OUT(0x40, 1, (r >> 8) & 0xff) ?: OUT(0x43, 1, 0x00) ?:
		      IN(0x40, 1) ?: IN(0x40, 1);
		break;
	case V3CHKPT_DEV_PIC:	/* mask, then read the ISR via OCW3 */
		ret = OUT(0x21, 1, r & 0xff) ?: OUT(0x20, 1, 0x0b) ?:
		      IN(0x20, 1) ?: IN(0x21, 1);
		break;
	case V3CHKPT_DEV_UART:	/* loopback: send 4 bytes, INSB them back */
		ret = OUT(0x3fc, 1, 0x10) ?: OUT(0x3fa, 1, 0x07) ?:
		      OUT(0x3f8, 1, r & 0xff) ?: OUT(0x3f8, 1, (r >> 8) & 0xff) ?:
		      OUT(0x3f8, 1, (r >> 16) & 0xff) ?:
		      OUT(0x3f8, 1, (r >> 24) & 0xff) ?: IN(0x3fd, 1) ?:
		      insb(v, 0x3f8, buf_gpa, 4);
		break;
	case V3CHKPT_DEV_RTC:	/* an NVRAM byte, then register C */
		ret = OUT(0x70, 1, 0x0e + (u32)r % 114) ?:
		      OUT(0x71, 1, (r >> 8) & 0xff) ?: OUT(0x70, 1, 0x0c) ?:
		      IN(0x71, 1);
		break;
	case V3CHKPT_DEV_IOAPIC: /* a masked redirection entry */
		ret = MMW(0xfec00000, 0x10 + 2 * ((u32)r % 24)) ?:
		      MMW(0xfec00010, BIT(16) | (0x20 + (u32)(r >> 8) % 0xd0)) ?:
		      MMR(0xfec00010);
		break;
	default:		/* own local APIC: TPR and a one-shot timer */
		ret = MMW(0xfee00080, r & 0xf0) ?: MMW(0xfee003e0, 0x3) ?:
		      MMW(0xfee00320, BIT(16) | 0x30) ?:
		      MMW(0xfee00380, (r >> 8) & 0xffff) ?: MMR(0xfee00390);
		break;
	}
	return ret;
}

static int program_devices(struct v3_vcpu *v, u64 r)
{
	static const u32 shared[] = {
		V3CHKPT_DEV_PIT, V3CHKPT_DEV_PIC, V3CHKPT_DEV_UART,
		V3CHKPT_DEV_RTC, V3CHKPT_DEV_IOAPIC, V3CHKPT_DEV_LAPIC,
	};
	u32 mask = v->vm->cfg.devices, dev;
	u64 turn = v->core.gpr[V3_RBX] / v->vm->cfg.workload.io_every;

	if (v->id) {
		/* Other vCPUs touch only their own local APIC. */
		if (!(mask & V3CHKPT_DEV_LAPIC))
			return 0;
		return program_device(v, V3CHKPT_DEV_LAPIC, r);
	}
	dev = shared[turn % ARRAY_SIZE(shared)];
	if (!(mask & dev))
		return 0;
	return program_device(v, dev, r);
}

/*
 * Translate a guest access as the processor and the VMM do together: a
 * write to a leaf the dirty tracker write-protected is an EPT violation
 * the VMM handles (the page is recorded, the access retried), and a write
 * that sets a leaf's dirty flag is logged (PML).
 */
static struct page *guest_access(struct v3_vcpu *v, u64 gpa, u32 acc)
{
	struct v3_ept *ept = &v->vm->mem.ept;
	struct page *pg;
	bool dirtied;
	u64 qual;

	for (;;) {
		pg = v3_ept_walk_track(ept, gpa, acc, &qual, &dirtied);
		if (pg)
			break;
		if (!(acc & V3_ACC_WRITE) || !(qual & V3_QUAL_READABLE) ||
		    (qual & V3_QUAL_WRITABLE) || !v3_dirty_wp_fault(v, gpa))
			return NULL;
	}
	if (dirtied)
		v3_dirty_log(v, gpa);
	return pg;
}

static int workload_step(struct v3_vcpu *v)
{
	const struct v3chkpt_workload *wl = &v->vm->cfg.workload;
	struct v3_vcpu_core *c = &v->core;
	u64 r = 0, gpa;
	u32 i;
	int ret;

	for (i = 0; i < wl->accesses; i++) {
		bool write;
		struct page *pg;
		u64 *p;

		r = prng(&c->gpr[V3_RDX]);
		write = (u32)(r >> 8) % 100 < wl->write_pct;
		gpa = v3_mem_idx_to_gpa(&v->vm->mem,
					v3_workload_base(v->vm, v->id) +
					pick_page(c, wl->ws_pages, wl->pattern, r)) +
		      ((r >> 16) & (PAGE_SIZE - 8));
		pg = guest_access(v, gpa, write ? V3_ACC_WRITE : V3_ACC_READ);
		if (!pg) {
			/* An EPT violation the VMM has no handler for. */
			c->cr2 = gpa;
			return -EFAULT;
		}
		p = page_address(pg) + offset_in_page(gpa);
		if (write) {
			WRITE_ONCE(*p, c->gpr[V3_RAX] ^ c->gpr[V3_RBX]);
			c->gpr[V3_R8]++;
		} else {
			c->gpr[V3_RAX] = rol64(c->gpr[V3_RAX], 7) ^ READ_ONCE(*p);
		}
		v->arch.tsc += V3_ACCESS_TSC;
	}
	if (wl->io_every && !(c->gpr[V3_RBX] % wl->io_every)) {
		ret = program_devices(v, r);
		if (ret)
			return ret;
	}
	c->gpr[V3_RBX]++;
	c->rip = 0x100000 + (c->gpr[V3_RBX] % 64) * 16;
	/*
	 * CF and ZF follow the accumulator, as flags follow results; an ALU
	 * instruction leaves the other flags (IF, VM, ...) as they were.
	 */
	c->rflags = (c->rflags & ~(X86_EFLAGS_CF | X86_EFLAGS_ZF)) |
		    (c->gpr[V3_RAX] & 1 ? X86_EFLAGS_CF : 0) |
		    (c->gpr[V3_RAX] ? 0 : X86_EFLAGS_ZF);
	v->arch.tsc += V3_STEP_TSC;
	/* XMM0 holds the accumulator: the XSAVE area is progress too. */
	memcpy(&v->arch.xsave[160], &c->gpr[V3_RAX], 8);
	return 0;
}

/*
 * A step runs inside an RCU read-side section: a dirty harvest waits for
 * every step that may hold a translation it has since taken back.
 */
int v3_workload_step(struct v3_vcpu *v)
{
	int ret;

	rcu_read_lock();
	ret = workload_step(v);
	rcu_read_unlock();
	return ret;
}
