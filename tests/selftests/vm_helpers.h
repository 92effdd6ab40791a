/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VM helpers of the kselftests (vm_test.c, store_test.c): create, control,
 * digest, list, save and load VMs.  Each returns 0 (or an fd), or -errno.
 * The includer defines KEY_PREFIX, the memory-store keys it creates.
 */
#ifndef _V3CHKPT_SELFTEST_VM_HELPERS_H
#define _V3CHKPT_SELFTEST_VM_HELPERS_H

#include <stdio.h>
#include <time.h>
#include "helpers.h"

#define MIB		(1ULL << 20)
#define LIST_MAX	64

/* ---- helpers: each returns 0 (or an fd), or -errno ---- */

static inline struct v3chkpt_vm_config vm_cfg(uint64_t mib, uint32_t vcpus,
				       uint64_t seed)
{
	struct v3chkpt_vm_config c = { .mem_bytes = mib * MIB, .vcpus = vcpus };

	c.workload.seed = seed;
	return c;
}

/* Create @name from @c; on success @c holds the config with defaults. */
static inline int vm_create_cfg(int dev, const char *name,
			 struct v3chkpt_vm_config *c)
{
	struct v3chkpt_vm_create cr = { .size = sizeof(cr), .config = *c };
	int r;

	snprintf(cr.name, sizeof(cr.name), "%s", name);
	r = ret_errno(ioctl(dev, V3CHKPT_IOC_VM_CREATE, &cr));
	if (!r)
		*c = cr.config;
	return r;
}

static inline int vm_new(int dev, const char *name, uint64_t mib, uint32_t vcpus,
		  uint64_t seed)
{
	struct v3chkpt_vm_config c = vm_cfg(mib, vcpus, seed);

	return vm_create_cfg(dev, name, &c);
}

static inline int vm_ctl(int dev, const char *name, uint32_t op, uint64_t count)
{
	struct v3chkpt_vm_ctl c = { .size = sizeof(c), .op = op, .count = count };

	snprintf(c.name, sizeof(c.name), "%s", name);
	return ret_errno(ioctl(dev, V3CHKPT_IOC_VM_CTL, &c));
}

#define vm_run(dev, n)		vm_ctl(dev, n, V3CHKPT_VM_OP_RUN, 0)
#define vm_pause(dev, n)	vm_ctl(dev, n, V3CHKPT_VM_OP_PAUSE, 0)
#define vm_resume(dev, n)	vm_ctl(dev, n, V3CHKPT_VM_OP_RESUME, 0)
#define vm_step(dev, n, c)	vm_ctl(dev, n, V3CHKPT_VM_OP_STEP, c)
#define vm_destroy(dev, n)	vm_ctl(dev, n, V3CHKPT_VM_OP_DESTROY, 0)

static inline int vm_digest(int dev, const char *name, struct v3chkpt_vm_digest *d)
{
	memset(d, 0, sizeof(*d));
	d->size = sizeof(*d);
	snprintf(d->name, sizeof(d->name), "%s", name);
	return ret_errno(ioctl(dev, V3CHKPT_IOC_VM_DIGEST, d));
}

/* Up to LIST_MAX VMs into @e; returns how many exist, or -errno. */
static inline int vm_list(int dev, struct v3chkpt_vm_entry *e)
{
	struct v3chkpt_vm_list l = {
		.size = sizeof(l), .capacity = LIST_MAX, .entries = (uintptr_t)e,
	};
	int r = ret_errno(ioctl(dev, V3CHKPT_IOC_VM_LIST, &l));

	return r ? r : (int)l.count;
}

/* @name's list entry; -ENOENT if it is not listed. */
static inline int vm_entry(int dev, const char *name, struct v3chkpt_vm_entry *out)
{
	struct v3chkpt_vm_entry e[LIST_MAX];
	int i, n = vm_list(dev, e);

	if (n < 0)
		return n;
	for (i = 0; i < n && i < LIST_MAX; i++) {
		if (!strncmp(e[i].name, name, sizeof(e[i].name))) {
			*out = e[i];
			return 0;
		}
	}
	return -ENOENT;
}

/*
 * Save or load @name through @store:@url.  @options: save's in, load's out
 * (may be NULL); @errmsg: V3CHKPT_ERRMSG_MAX bytes or NULL; @progress: the
 * kernel's progress counter, or NULL.
 */
static inline int vm_xfer_at(int dev, unsigned long cmd, const char *name,
			     const char *store, const char *url, uint32_t flags,
			     uint32_t *options, char *errmsg,
			     struct v3chkpt_progress *progress)
{
	struct v3chkpt_vm_xfer x = {
		.size = sizeof(x), .flags = flags,
		.store = (uintptr_t)store, .url = (uintptr_t)url,
		.errmsg = (uintptr_t)errmsg,
		.errmsg_size = errmsg ? V3CHKPT_ERRMSG_MAX : 0,
		.options = options && cmd == V3CHKPT_IOC_VM_SAVE ? *options : 0,
		.progress = (uintptr_t)progress,
	};
	int r;

	if (errmsg)
		memset(errmsg, 0, V3CHKPT_ERRMSG_MAX);
	snprintf(x.name, sizeof(x.name), "%s", name);
	r = ret_errno(ioctl(dev, cmd, &x));
	if (!r && options && cmd == V3CHKPT_IOC_VM_LOAD)
		*options = x.options;
	return r;
}

static inline int vm_xfer(int dev, unsigned long cmd, const char *name,
			  const char *key, uint32_t flags, uint32_t *options,
			  char *errmsg)
{
	return vm_xfer_at(dev, cmd, name, "memory", key, flags, options,
			  errmsg, NULL);
}

static inline int vm_save(int dev, const char *name, const char *key,
			  uint32_t skip)
{
	return vm_xfer(dev, V3CHKPT_IOC_VM_SAVE, name, key, 0, &skip, NULL);
}

static inline int vm_load(int dev, const char *name, const char *key,
			  uint32_t flags, uint32_t *options, char *errmsg)
{
	return vm_xfer(dev, V3CHKPT_IOC_VM_LOAD, name, key, flags, options,
		       errmsg);
}

static inline int vm_map(int dev, const char *name)
{
	struct v3chkpt_vm_map m = { .size = sizeof(m) };

	snprintf(m.name, sizeof(m.name), "%s", name);
	return ret_errno(ioctl(dev, V3CHKPT_IOC_VM_MAP, &m));
}

/* Start @name's dirty tracker in @mode: the tracker fd. */
static inline int vm_dirty(int dev, const char *name, uint32_t mode)
{
	struct v3chkpt_vm_dirty d = { .size = sizeof(d), .mode = mode };

	snprintf(d.name, sizeof(d.name), "%s", name);
	return ret_errno(ioctl(dev, V3CHKPT_IOC_VM_DIRTY, &d));
}

/* Harvest tracker @fd into @bitmap (@bytes long); @h gets the figures. */
static inline int dirty_harvest(int fd, void *bitmap, uint64_t bytes,
				struct v3chkpt_dirty_harvest *h)
{
	struct v3chkpt_dirty_harvest x = {
		.size = sizeof(x), .bitmap = (uintptr_t)bitmap,
		.bitmap_bytes = bytes,
	};
	int r = ret_errno(ioctl(fd, V3CHKPT_IOC_DIRTY_HARVEST, &x));

	if (h)
		*h = x;
	return r;
}

/* Wait (up to 60 s) until @name has run more than @above steps: its count. */
static inline int64_t vm_wait_steps(int dev, const char *name, uint64_t above)
{
	struct v3chkpt_vm_entry e;
	int i;

	for (i = 0; i < 6000; i++) {
		if (vm_entry(dev, name, &e))
			return -1;
		if (e.steps > above)
			return e.steps;
		usleep(10000);
	}
	return -1;
}

/* Destroy every VM, delete every "vmt-" checkpoint; how many were left. */
static inline int vm_cleanup(int dev)
{
	struct v3chkpt_vm_entry e[LIST_MAX];
	struct v3chkpt_mem_entry m[64];
	int i, n, left = 0;

	n = vm_list(dev, e);
	for (i = 0; i < n && i < LIST_MAX; i++, left++)
		vm_destroy(dev, e[i].name);
	n = mem_list(dev, m, 64);
	for (i = 0; i < n && i < 64; i++) {
		if (strncmp(m[i].name, KEY_PREFIX, strlen(KEY_PREFIX)))
			continue;
		mem_delete(dev, m[i].name);
		left++;
	}
	return left;
}

static inline void ms_sleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Both digests, field by field. */
#define EXPECT_DIGEST_EQ(a, b) do {				\
	EXPECT_EQ((a).memory, (b).memory);			\
	EXPECT_EQ((a).vcpus, (b).vcpus);			\
	EXPECT_EQ((a).devices, (b).devices);			\
	EXPECT_EQ((a).total, (b).total);			\
} while (0)

#endif
