/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * v3chkpt ioctl ABI (/dev/v3chkpt and checkpoint session fds).
 *
 * Every argument struct starts with __u32 size (the caller's sizeof) and
 * __u32 flags.  The kernel reads the struct with copy_struct_from_user():
 * a smaller, older struct is zero-extended; a larger one is accepted only
 * if the bytes the kernel does not know are zero (else -E2BIG).  Flags and
 * reserved fields the kernel does not know must be zero (else -EINVAL).
 * Commands are matched on type and number; the size bits of the command
 * are not used, the size field is.  Unknown commands fail with -ENOTTY.
 * Pointers are passed as __u64 so 32-bit and 64-bit callers share layouts.
 */
#ifndef _UAPI_LINUX_V3CHKPT_H
#define _UAPI_LINUX_V3CHKPT_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define V3CHKPT_DEVICE		"/dev/v3chkpt"
#define V3CHKPT_ABI_VERSION	1
#define V3CHKPT_IOC_MAGIC	0xC3
#define V3CHKPT_NAME_MAX	128	/* contexts, tags, memory keys; with NUL */
#define V3CHKPT_STORE_MAX	32
#define V3CHKPT_URL_MAX		4096

/* Feature bits reported by V3CHKPT_IOC_VERSION */
#define V3CHKPT_FEAT_MEMORY_STORE	(1ULL << 0)
#define V3CHKPT_FEAT_SESSIONS		(1ULL << 1)
#define V3CHKPT_FEAT_RAW_STREAM		(1ULL << 2)
#define V3CHKPT_FEAT_VM			(1ULL << 3)
#define V3CHKPT_FEAT_MIGRATE		(1ULL << 4)

/* Unprivileged. */
struct v3chkpt_version {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 abi_version;	/* out */
	__u32 format_major;	/* out: stream format written */
	__u32 format_minor;	/* out */
	__u32 reserved0;	/* must be 0 */
	__u64 features;		/* out: V3CHKPT_FEAT_* */
	char module_version[32];/* out: NUL-terminated */
};
#define V3CHKPT_VERSION_SIZE_VER0	64

/* Session modes for V3CHKPT_IOC_OPEN */
#define V3CHKPT_MODE_SAVE	1	/* contexts and blobs into a stream */
#define V3CHKPT_MODE_LOAD	2	/* contexts and blobs out of a stream */
#define V3CHKPT_MODE_EXPORT	3	/* read(2) the raw stream bytes */
#define V3CHKPT_MODE_IMPORT	4	/* write(2) raw stream bytes */

/* Returns a new session fd (O_CLOEXEC). CAP_SYS_ADMIN. */
struct v3chkpt_open {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 mode;		/* V3CHKPT_MODE_* */
	__u32 reserved0;
	__u64 store;		/* pointer to NUL-terminated store name */
	__u64 url;		/* pointer to NUL-terminated URL */
	__u64 reserved[2];
};
#define V3CHKPT_OPEN_SIZE_VER0		48

struct v3chkpt_mem_entry {
	char name[V3CHKPT_NAME_MAX];
	__u64 bytes;
	__u64 created_ns;	/* CLOCK_REALTIME of the commit */
};

/* List memory-store checkpoints. CAP_SYS_ADMIN. */
struct v3chkpt_mem_list {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 capacity;		/* in: entries the array holds */
	__u32 count;		/* out: checkpoints that exist */
	__u64 entries;		/* pointer to struct v3chkpt_mem_entry[] */
	__u64 reserved[2];
};
#define V3CHKPT_MEM_LIST_SIZE_VER0	40

/* Delete a memory-store checkpoint. CAP_SYS_ADMIN. */
struct v3chkpt_mem_delete {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u64 name;		/* pointer to NUL-terminated key */
	__u64 reserved[2];
};
#define V3CHKPT_MEM_DELETE_SIZE_VER0	32

/* Session: open a context (save or load). */
#define V3CHKPT_CTX_NEXT	(1U << 0)	/* load: whatever comes next */
struct v3chkpt_ctx_open {
	__u32 size;
	__u32 flags;		/* V3CHKPT_CTX_* */
	__u64 name;		/* pointer: name in; with CTX_NEXT, buffer out */
	__u32 name_size;	/* CTX_NEXT: bytes at name */
	__u32 instance;		/* in; out with CTX_NEXT */
	__u32 min_version;	/* load: oldest version accepted */
	/* save: the version written; load: newest accepted, out: found */
	__u32 version;
	__u64 reserved[2];
};
#define V3CHKPT_CTX_OPEN_SIZE_VER0	48

/* Session: save, load or measure one blob of the open context. */
struct v3chkpt_blob {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u64 tag;		/* pointer to NUL-terminated tag */
	__u64 data;		/* pointer to len bytes */
	__u64 len;		/* BLOB_LEN: out */
	__u64 reserved[2];
};
#define V3CHKPT_BLOB_SIZE_VER0		48


/* ---- VMs (all CAP_SYS_ADMIN) ---------------------------------------- */

#define V3CHKPT_VM_NAME_MAX	32	/* with NUL: [A-Za-z0-9_.-], not "." or ".." */
#define V3CHKPT_VM_VCPUS_MAX	16
#define V3CHKPT_VM_MEM_MIN	(64ULL << 20)
#define V3CHKPT_VM_MEM_MAX	(64ULL << 30)	/* multiple of 2 MiB */
#define V3CHKPT_ERRMSG_MAX	256

/* Devices (struct v3chkpt_vm_config.devices); 0 means all of them. */
#define V3CHKPT_DEV_PIT		(1U << 0)	/* i8254, ports 0x40-0x43 */
#define V3CHKPT_DEV_PIC		(1U << 1)	/* i8259A pair, 0x20/0xa0 */
#define V3CHKPT_DEV_UART	(1U << 2)	/* 16550A, COM1 0x3f8 */
#define V3CHKPT_DEV_RTC		(1U << 3)	/* MC146818 RTC/CMOS, 0x70 */
#define V3CHKPT_DEV_IOAPIC	(1U << 4)	/* 82093AA, 0xfec00000 */
#define V3CHKPT_DEV_LAPIC	(1U << 5)	/* one per vCPU, 0xfee00000 */
#define V3CHKPT_DEV_ALL		0x3fU

/* Workload access patterns */
#define V3CHKPT_WL_SEQUENTIAL	0
#define V3CHKPT_WL_RANDOM	1
#define V3CHKPT_WL_HOTCOLD	2	/* 90% of accesses to 10% of the set */

/*
 * The guest workload each vCPU runs.  Zero fields take the defaults shown
 * (pattern 0 is sequential).  Every field but pace_us (host timing, not
 * guest state) is part of the VM configuration a checkpoint must match.
 */
struct v3chkpt_workload {
	__u32 ws_pages;		/* working set per vCPU, pages (1024) */
	__u32 write_pct;	/* writes per 100 accesses, 1..100 (30) */
	__u32 pattern;		/* V3CHKPT_WL_* (0: SEQUENTIAL) */
	__u32 accesses;		/* memory accesses per step, 1..4096 (64) */
	__u32 io_every;		/* program a device every N steps (16) */
	__u32 pace_us;		/* host sleep after each step, 1..1000000 (100) */
	__u64 seed;		/* PRNG seed (1) */
	__u64 reserved[2];	/* must be 0 */
};

struct v3chkpt_vm_config {
	__u64 mem_bytes;	/* V3CHKPT_VM_MEM_MIN..MAX, 2 MiB multiple */
	__u32 vcpus;		/* 1..V3CHKPT_VM_VCPUS_MAX */
	__u32 devices;		/* V3CHKPT_DEV_* mask, 0 = all */
	struct v3chkpt_workload workload;
	__u64 reserved[2];	/* must be 0 */
};

struct v3chkpt_vm_create {
	__u32 size;
	__u32 flags;		/* must be 0 */
	char name[V3CHKPT_VM_NAME_MAX];
	struct v3chkpt_vm_config config;	/* in; out with defaults */
	__u64 reserved[2];
};
#define V3CHKPT_VM_CREATE_SIZE_VER0	136

#define V3CHKPT_VM_PAUSED	1	/* stopped at a step boundary */
#define V3CHKPT_VM_RUNNING	2
#define V3CHKPT_VM_STEPPING	3	/* running a bounded step count */
#define V3CHKPT_VM_FAILED	4	/* a vCPU faulted; see error */
#define V3CHKPT_VM_MIGRATED	5	/* it runs on another host now: stopped for good */

struct v3chkpt_vm_entry {
	char name[V3CHKPT_VM_NAME_MAX];
	struct v3chkpt_vm_config config;
	__u32 state;		/* V3CHKPT_VM_* */
	__s32 error;		/* -errno of a vCPU fault, else 0 */
	__u64 steps;		/* steps run, summed over vCPUs */
};

struct v3chkpt_vm_list {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 capacity;		/* in: entries the array holds */
	__u32 count;		/* out: VMs that exist */
	__u64 entries;		/* pointer to struct v3chkpt_vm_entry[] */
	__u64 reserved[2];
};
#define V3CHKPT_VM_LIST_SIZE_VER0	40

#define V3CHKPT_VM_OP_RUN	1	/* start a paused VM running */
#define V3CHKPT_VM_OP_PAUSE	2	/* stop every vCPU at a step boundary */
#define V3CHKPT_VM_OP_RESUME	3	/* same as RUN; for a paused VM */
#define V3CHKPT_VM_OP_STEP	4	/* run count steps per vCPU, then pause */
#define V3CHKPT_VM_OP_DESTROY	5	/* stop and free */

struct v3chkpt_vm_ctl {
	__u32 size;
	__u32 flags;		/* must be 0 */
	char name[V3CHKPT_VM_NAME_MAX];
	__u32 op;		/* V3CHKPT_VM_OP_* */
	__u32 reserved0;
	__u64 count;		/* STEP: steps per vCPU, >= 1 */
	__u64 reserved[2];
};
#define V3CHKPT_VM_CTL_SIZE_VER0	72

/*
 * xxh64 digests of a paused VM (a running one is paused and resumed around
 * it): guest memory in address order, each vCPU's architectural state, each
 * device's state, and one over the three.
 */
struct v3chkpt_vm_digest {
	__u32 size;
	__u32 flags;		/* must be 0 */
	char name[V3CHKPT_VM_NAME_MAX];
	__u64 total;		/* out */
	__u64 memory;		/* out */
	__u64 vcpus;		/* out */
	__u64 devices;		/* out */
	__u64 reserved[2];
};
#define V3CHKPT_VM_DIGEST_SIZE_VER0	88

/* Save options, recorded in the stream */
#define V3CHKPT_SKIP_MEM	(1U << 0)	/* guest memory */
#define V3CHKPT_SKIP_DEVS	(1U << 1)	/* device models */
#define V3CHKPT_SKIP_CORES	(1U << 2)	/* vCPU architectural core state */
#define V3CHKPT_SKIP_ARCHDEP	(1U << 3)	/* vCPU MSRs, TSC, XSAVE area */
#define V3CHKPT_SKIP_ALL	0xfU

/* Load flags */
#define V3CHKPT_VM_LOAD_CREATE	(1U << 0)	/* create the VM from the stream */

/*
 * Save a VM to a store (a running VM is paused for the save and then
 * resumed), or load one.  A load checks the stream's VM configuration
 * before anything else, stages everything, and changes the target VM only
 * once all of it has been read and checked: on any error the target is as
 * it was (with LOAD_CREATE, no VM is left behind).  The target of a load
 * must be paused (-EBUSY).  On failure a reason is written to errmsg.
 */
struct v3chkpt_vm_xfer {
	__u32 size;
	__u32 flags;		/* save: 0; load: V3CHKPT_VM_LOAD_* */
	char name[V3CHKPT_VM_NAME_MAX];
	__u32 options;		/* save: V3CHKPT_SKIP_*; load: out, as saved */
	__u32 errmsg_size;	/* bytes at errmsg (0: none) */
	__u64 store;		/* pointer to NUL-terminated store name */
	__u64 url;		/* pointer to NUL-terminated URL */
	__u64 errmsg;		/* pointer: NUL-terminated reason out */
	__u64 progress;		/* 0, or pointer: struct v3chkpt_progress */
	__u64 reserved[1];
};
#define V3CHKPT_VM_XFER_SIZE_VER0	88

/*
 * Updated by the kernel while a save or load moves guest memory (every
 * 16 MiB), so another thread of the caller can show progress.
 */
struct v3chkpt_progress {
	__u64 done;		/* bytes of guest memory moved so far */
	__u64 total;		/* bytes of guest memory */
};

/*
 * An fd on a VM's guest memory: mmap(2) it MAP_SHARED at offset = guest-
 * physical address, as a VMM maps guest RAM.  The mapping keeps the memory
 * alive after the VM is destroyed.
 */
struct v3chkpt_vm_map {
	__u32 size;
	__u32 flags;		/* must be 0 */
	char name[V3CHKPT_VM_NAME_MAX];
	__u64 reserved[2];
};
#define V3CHKPT_VM_MAP_SIZE_VER0	56

/*
 * Dirty-page tracking.  V3CHKPT_IOC_VM_DIRTY starts the VM's one tracker
 * and returns an fd (O_CLOEXEC) that owns it: V3CHKPT_IOC_DIRTY_HARVEST on
 * that fd returns the pages written since the start or the last harvest
 * (by the guest, by the VMM and its devices, and through a mapping of
 * guest memory), and closing the fd (or the exit of the process holding
 * it) stops tracking.  A second start while a tracker runs is EBUSY; a
 * harvest after the VM was destroyed is ENODEV.
 */
#define V3CHKPT_DIRTY_WP	1	/* EPT write-protection */
#define V3CHKPT_DIRTY_AD	2	/* EPT accessed/dirty flags */
#define V3CHKPT_DIRTY_PML	3	/* a page-modification log per vCPU */

struct v3chkpt_vm_dirty {
	__u32 size;
	__u32 flags;		/* must be 0 */
	char name[V3CHKPT_VM_NAME_MAX];
	__u32 mode;		/* V3CHKPT_DIRTY_* */
	__u32 reserved0;	/* must be 0 */
	__u64 reserved[2];	/* must be 0 */
};
#define V3CHKPT_VM_DIRTY_SIZE_VER0	64

/*
 * One bit per guest frame (bit n: guest-physical address n * 4096, the
 * offset to mmap), written whole: bits of frames not written are 0.
 * The buffer must hold frames bits, rounded up to 8 bytes; a smaller one
 * is ENOBUFS with frames set and nothing harvested.
 */
struct v3chkpt_dirty_harvest {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u64 bitmap;		/* pointer: the bitmap out */
	__u64 bitmap_bytes;	/* its size */
	__u64 frames;		/* out: guest frames the bitmap covers */
	__u64 dirty;		/* out: pages set in the bitmap */
	__u64 harvest_ns;	/* out: the harvest's cost in the kernel */
	/* out: EPT violations (wp) or log-full exits (pml) since the last */
	__u64 exits;
	__u64 scanned;		/* out: EPT entries the harvest read */
	__u64 reserved[2];	/* must be 0 */
};
#define V3CHKPT_DIRTY_HARVEST_SIZE_VER0	80

/*
 * Live migration.  V3CHKPT_IOC_VM_MIGRATE (on the source host) and
 * V3CHKPT_IOC_VM_RECEIVE (on the destination) each start one end of a
 * pre-copy migration over a net-store connection (url: the net store's
 * URL without "net:", key included; either end may listen) and return an
 * fd (O_CLOEXEC) for it: V3CHKPT_IOC_MIG_STATUS reads its progress,
 * V3CHKPT_IOC_MIG_CANCEL stops it (the source VM runs on), poll(2) says
 * POLLIN once it has ended.  Closing the fd cancels a migration still
 * running and waits for its end.  See docs/MIGRATION.md.
 */
#define V3CHKPT_MIG_COMPRESS_LZ4	(1U << 0)	/* pages LZ4 where smaller */
#define V3CHKPT_MIG_STALL_ABORT		(1U << 1)	/* else throttle */
#define V3CHKPT_MIG_DESTROY_SOURCE	(1U << 2)	/* once migrated */
#define V3CHKPT_MIG_FLAGS		0x7U

struct v3chkpt_vm_migrate {
	__u32 size;
	__u32 flags;		/* V3CHKPT_MIG_* */
	char name[V3CHKPT_VM_NAME_MAX];	/* the VM to send */
	__u64 url;		/* pointer to the NUL-terminated net URL */
	__u64 downtime_ns;	/* target for the final round, 0: 50 ms */
	__u64 max_bandwidth;	/* bytes/s, 0: no cap */
	__u64 max_time_ns;	/* then give up, 0: 600 s */
	__u32 max_rounds;	/* then give up, 0: 64 */
	__u32 dirty_mode;	/* V3CHKPT_DIRTY_*, 0: PML */
	__u64 reserved[4];	/* must be 0 */
};
#define V3CHKPT_VM_MIGRATE_SIZE_VER0	112

/*
 * The VM arrives under @name, which must not exist here (EEXIST), in the
 * run state it had on the source, or paused with RECV_PAUSED (to look at
 * it, or to compare it with the source's, before it runs).
 */
#define V3CHKPT_MIG_RECV_PAUSED		(1U << 0)

struct v3chkpt_vm_receive {
	__u32 size;
	__u32 flags;		/* V3CHKPT_MIG_RECV_* */
	char name[V3CHKPT_VM_NAME_MAX];
	__u64 url;		/* pointer to the NUL-terminated net URL */
	__u64 reserved[4];	/* must be 0 */
};
#define V3CHKPT_VM_RECEIVE_SIZE_VER0	80

#define V3CHKPT_MIG_CONNECTING	1	/* waiting for the peer, handshake */
#define V3CHKPT_MIG_ROUNDS	2	/* pre-copy rounds, the guest runs */
#define V3CHKPT_MIG_SWITCHOVER	3	/* the guest paused: the last round */
#define V3CHKPT_MIG_DONE	4	/* the VM runs on the destination */
#define V3CHKPT_MIG_FAILED	5	/* error says why; the source runs on */

struct v3chkpt_mig_status {
	__u32 size;
	__u32 flags;		/* must be 0 */
	__u32 state;		/* out: V3CHKPT_MIG_* */
	__u32 round;		/* out: rounds done */
	__u64 bytes_sent;	/* out: stream bytes on the wire (received) */
	__u64 bytes_remaining;	/* out: guest bytes dirty, not yet sent */
	__u64 dirty_rate;	/* out: bytes/s, smoothed */
	__u64 bandwidth;	/* out: bytes/s, to the peer's ack, smoothed */
	__u64 expected_downtime_ns;	/* out: remaining / bandwidth */
	__u32 throttle_pct;	/* out: vCPU time taken away */
	__s32 error;		/* out: -errno once FAILED */
	__u64 downtime_ns;	/* out once DONE: source pause to COMMIT */
	__u64 total_ns;		/* out: since the start */
	__u64 guest_bytes;	/* out: guest RAM */
	__u64 pages_sent;	/* out: pages in batches (zero ones included) */
	__u64 pages_zero;	/* out: of which sent as a bit */
	__u64 pages_lz4;	/* out: of which compressed */
	__u64 page_bytes;	/* out: bytes the non-zero pages took */
	__u64 errmsg;		/* 0, or pointer: the reason out, NUL-ended */
	__u32 errmsg_size;	/* bytes at errmsg */
	__u32 vm_state;		/* out (receive, DONE): V3CHKPT_VM_* it has */
	__u64 pause_ns;		/* out once DONE: of the downtime, the vCPUs' stop */
	__u64 reserved[1];	/* must be 0 */
};
#define V3CHKPT_MIG_STATUS_SIZE_VER0	152

/* /dev/v3chkpt */
#define V3CHKPT_IOC_VERSION	_IOWR(V3CHKPT_IOC_MAGIC, 0x00, struct v3chkpt_version)
#define V3CHKPT_IOC_OPEN	_IOW(V3CHKPT_IOC_MAGIC, 0x01, struct v3chkpt_open)
#define V3CHKPT_IOC_MEM_LIST	_IOWR(V3CHKPT_IOC_MAGIC, 0x02, struct v3chkpt_mem_list)
#define V3CHKPT_IOC_MEM_DELETE	_IOW(V3CHKPT_IOC_MAGIC, 0x03, struct v3chkpt_mem_delete)
#define V3CHKPT_IOC_VM_CREATE	_IOWR(V3CHKPT_IOC_MAGIC, 0x20, struct v3chkpt_vm_create)
#define V3CHKPT_IOC_VM_LIST	_IOWR(V3CHKPT_IOC_MAGIC, 0x21, struct v3chkpt_vm_list)
#define V3CHKPT_IOC_VM_CTL	_IOW(V3CHKPT_IOC_MAGIC, 0x22, struct v3chkpt_vm_ctl)
#define V3CHKPT_IOC_VM_DIGEST	_IOWR(V3CHKPT_IOC_MAGIC, 0x23, struct v3chkpt_vm_digest)
#define V3CHKPT_IOC_VM_SAVE	_IOW(V3CHKPT_IOC_MAGIC, 0x24, struct v3chkpt_vm_xfer)
#define V3CHKPT_IOC_VM_LOAD	_IOWR(V3CHKPT_IOC_MAGIC, 0x25, struct v3chkpt_vm_xfer)
/* Returns a new fd (O_CLOEXEC) to mmap guest memory. */
#define V3CHKPT_IOC_VM_MAP	_IOW(V3CHKPT_IOC_MAGIC, 0x26, struct v3chkpt_vm_map)
/* Returns a new fd (O_CLOEXEC) owning the VM's dirty-page tracker. */
#define V3CHKPT_IOC_VM_DIRTY	_IOW(V3CHKPT_IOC_MAGIC, 0x27, struct v3chkpt_vm_dirty)
/* Each returns a new migration fd (O_CLOEXEC). */
#define V3CHKPT_IOC_VM_MIGRATE	_IOW(V3CHKPT_IOC_MAGIC, 0x28, struct v3chkpt_vm_migrate)
#define V3CHKPT_IOC_VM_RECEIVE	_IOW(V3CHKPT_IOC_MAGIC, 0x29, struct v3chkpt_vm_receive)

/* tracker fds */
#define V3CHKPT_IOC_DIRTY_HARVEST _IOWR(V3CHKPT_IOC_MAGIC, 0x30, struct v3chkpt_dirty_harvest)

/* migration fds */
#define V3CHKPT_IOC_MIG_STATUS	_IOWR(V3CHKPT_IOC_MAGIC, 0x38, struct v3chkpt_mig_status)
#define V3CHKPT_IOC_MIG_CANCEL	_IO(V3CHKPT_IOC_MAGIC, 0x39)

/* session fds */
#define V3CHKPT_IOC_CTX_OPEN	_IOWR(V3CHKPT_IOC_MAGIC, 0x10, struct v3chkpt_ctx_open)
#define V3CHKPT_IOC_CTX_CLOSE	_IO(V3CHKPT_IOC_MAGIC, 0x11)
#define V3CHKPT_IOC_BLOB_SAVE	_IOW(V3CHKPT_IOC_MAGIC, 0x12, struct v3chkpt_blob)
#define V3CHKPT_IOC_BLOB_LOAD	_IOW(V3CHKPT_IOC_MAGIC, 0x13, struct v3chkpt_blob)
#define V3CHKPT_IOC_BLOB_LEN	_IOWR(V3CHKPT_IOC_MAGIC, 0x14, struct v3chkpt_blob)
/*
 * Save: finish and publish the stream.  Load: verify the rest of it.
 * Export: finish.  Import: publish the bytes as written (a load verifies
 * them), unless a write failed: then nothing is published.
 */
#define V3CHKPT_IOC_COMMIT	_IO(V3CHKPT_IOC_MAGIC, 0x15)

#endif /* _UAPI_LINUX_V3CHKPT_H */
