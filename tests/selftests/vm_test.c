// SPDX-License-Identifier: GPL-2.0
/*
 * kselftests for the VM host model of v3chkpt.ko: VM lifecycle, stepping
 * that is deterministic, save and load through the memory store (digests
 * equal after a load and still equal after source and target run on),
 * save options, refused loads that leave the target as it was (vCPU state
 * a VM entry would refuse among them), guest memory through mmap, and the
 * ioctl rules.
 *
 * Every test starts and ends with no VMs and no "vmt-" checkpoints.  The
 * guest is TCG and has 3 GiB: VMs are 64 MiB and step a few hundred times,
 * except for the 256 MiB one of the save/load test.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/v3chkpt.h>
#include <v3chkpt/format.h>
#include "helpers.h"
#include "kselftest_harness.h"

#define KEY_PREFIX	"vmt-"		/* memory-store keys the tests create */
#include "vm_helpers.h"

FIXTURE(vm) {
	int fd;
};

FIXTURE_SETUP(vm)
{
	self->fd = dev_fd();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", V3CHKPT_DEVICE, strerror(errno));
	/* a test killed by its timeout cannot have cleaned up */
	vm_cleanup(self->fd);
}

FIXTURE_TEARDOWN(vm)
{
	struct v3chkpt_vm_entry e[LIST_MAX];

	vm_cleanup(self->fd);
	EXPECT_EQ(0, vm_list(self->fd, e));	/* every destroy worked */
	close(self->fd);
}

TEST_F(vm, version_reports_vm_feature)
{
	struct v3chkpt_version v = { .size = sizeof(v) };

	ASSERT_EQ(0, ioctl(self->fd, V3CHKPT_IOC_VERSION, &v));
	EXPECT_TRUE(v.features & V3CHKPT_FEAT_VM);
}

/* ---- lifecycle ---- */

TEST_F_TIMEOUT(vm, lifecycle, 300)
{
	struct v3chkpt_vm_config c = vm_cfg(64, 2, 0), c2 = c;
	struct v3chkpt_vm_digest d;
	struct v3chkpt_vm_entry e;
	int64_t s1, s2;
	uint64_t s3;

	ASSERT_EQ(0, vm_create_cfg(self->fd, "life", &c));
	/* the config comes back with the defaults filled in */
	EXPECT_EQ(64 * MIB, c.mem_bytes);
	EXPECT_EQ(2, c.vcpus);
	EXPECT_EQ(V3CHKPT_DEV_ALL, c.devices);
	EXPECT_EQ(1024, c.workload.ws_pages);
	EXPECT_EQ(30, c.workload.write_pct);
	/* 0 is V3CHKPT_WL_SEQUENTIAL itself: no default can replace it */
	EXPECT_EQ(V3CHKPT_WL_SEQUENTIAL, c.workload.pattern);
	EXPECT_EQ(64, c.workload.accesses);
	EXPECT_EQ(16, c.workload.io_every);
	EXPECT_EQ(100, c.workload.pace_us);
	EXPECT_EQ(1, c.workload.seed);
	EXPECT_EQ(-EEXIST, vm_create_cfg(self->fd, "life", &c2));
	/* what is given is kept */
	c2 = vm_cfg(64, 1, 42);
	c2.devices = V3CHKPT_DEV_UART | V3CHKPT_DEV_LAPIC;
	c2.workload = (struct v3chkpt_workload){
		.ws_pages = 100, .write_pct = 100, .pattern = V3CHKPT_WL_HOTCOLD,
		.accesses = 4096, .io_every = 3, .pace_us = 1000000, .seed = 42,
	};
	ASSERT_EQ(0, vm_create_cfg(self->fd, "life-given", &c2));
	EXPECT_EQ(V3CHKPT_DEV_UART | V3CHKPT_DEV_LAPIC, c2.devices);
	EXPECT_EQ(100, c2.workload.ws_pages);
	EXPECT_EQ(100, c2.workload.write_pct);
	EXPECT_EQ(V3CHKPT_WL_HOTCOLD, c2.workload.pattern);
	EXPECT_EQ(4096, c2.workload.accesses);
	EXPECT_EQ(3, c2.workload.io_every);
	EXPECT_EQ(1000000, c2.workload.pace_us);
	EXPECT_EQ(42, c2.workload.seed);
	ASSERT_EQ(0, vm_destroy(self->fd, "life-given"));

	ASSERT_EQ(0, vm_entry(self->fd, "life", &e));
	EXPECT_EQ(V3CHKPT_VM_PAUSED, e.state);
	EXPECT_EQ(0, e.steps);
	EXPECT_EQ(0, e.error);
	EXPECT_EQ(64 * MIB, e.config.mem_bytes);
	EXPECT_EQ(2, e.config.vcpus);
	EXPECT_EQ(0, vm_pause(self->fd, "life"));	/* already paused: fine */

	ASSERT_EQ(0, vm_run(self->fd, "life"));
	EXPECT_EQ(-EBUSY, vm_run(self->fd, "life"));
	EXPECT_EQ(-EBUSY, vm_resume(self->fd, "life"));
	EXPECT_EQ(-EBUSY, vm_step(self->fd, "life", 1));
	s1 = vm_wait_steps(self->fd, "life", 0);
	ASSERT_LT(0, s1);
	s2 = vm_wait_steps(self->fd, "life", s1);
	ASSERT_LT(s1, s2) TH_LOG("steps do not grow while running");
	ASSERT_EQ(0, vm_entry(self->fd, "life", &e));
	EXPECT_EQ(V3CHKPT_VM_RUNNING, e.state);
	EXPECT_EQ(0, e.error);

	ASSERT_EQ(0, vm_pause(self->fd, "life"));
	ASSERT_EQ(0, vm_entry(self->fd, "life", &e));
	EXPECT_EQ(V3CHKPT_VM_PAUSED, e.state);
	EXPECT_LE(s2, e.steps);
	s3 = e.steps;
	ms_sleep(200);
	ASSERT_EQ(0, vm_entry(self->fd, "life", &e));
	EXPECT_EQ(s3, e.steps) TH_LOG("a paused VM ran on");

	ASSERT_EQ(0, vm_resume(self->fd, "life"));
	ASSERT_LT((int64_t)s3, vm_wait_steps(self->fd, "life", s3));
	ASSERT_EQ(0, vm_entry(self->fd, "life", &e));
	EXPECT_EQ(V3CHKPT_VM_RUNNING, e.state);
	ASSERT_EQ(0, vm_pause(self->fd, "life"));
	ASSERT_EQ(0, vm_entry(self->fd, "life", &e));
	EXPECT_EQ(V3CHKPT_VM_PAUSED, e.state);

	/* STEP: count steps on each vCPU, then paused again */
	s3 = e.steps;
	ASSERT_EQ(0, vm_step(self->fd, "life", 10));
	ASSERT_EQ(0, vm_entry(self->fd, "life", &e));
	EXPECT_EQ(V3CHKPT_VM_PAUSED, e.state);
	EXPECT_EQ(s3 + 2 * 10, e.steps);

	ASSERT_EQ(0, vm_destroy(self->fd, "life"));
	EXPECT_EQ(-ENOENT, vm_entry(self->fd, "life", &e));
	EXPECT_EQ(-ENOENT, vm_run(self->fd, "life"));
	EXPECT_EQ(-ENOENT, vm_pause(self->fd, "life"));
	EXPECT_EQ(-ENOENT, vm_step(self->fd, "life", 1));
	EXPECT_EQ(-ENOENT, vm_destroy(self->fd, "life"));
	EXPECT_EQ(-ENOENT, vm_digest(self->fd, "life", &d));
	EXPECT_EQ(-ENOENT, vm_map(self->fd, "life"));
	EXPECT_EQ(-ENOENT, vm_save(self->fd, "life", KEY_PREFIX "life", 0));
	EXPECT_EQ(-ENOENT, mem_size(self->fd, KEY_PREFIX "life"));
	/* and the name is free again */
	EXPECT_EQ(0, vm_new(self->fd, "life", 64, 1, 0));
}

TEST_F_TIMEOUT(vm, digest_and_save_of_running_vm_keep_it_running, 300)
{
	struct v3chkpt_vm_digest d;
	struct v3chkpt_vm_entry e;
	int64_t s;

	ASSERT_EQ(0, vm_new(self->fd, "live", 64, 1, 0));
	ASSERT_EQ(0, vm_run(self->fd, "live"));
	s = vm_wait_steps(self->fd, "live", 0);
	ASSERT_LT(0, s);
	EXPECT_EQ(0, vm_digest(self->fd, "live", &d));
	ASSERT_EQ(0, vm_entry(self->fd, "live", &e));
	EXPECT_EQ(V3CHKPT_VM_RUNNING, e.state);
	s = e.steps;
	EXPECT_EQ(0, vm_save(self->fd, "live", KEY_PREFIX "live", 0));
	ASSERT_EQ(0, vm_entry(self->fd, "live", &e));
	EXPECT_EQ(V3CHKPT_VM_RUNNING, e.state);
	EXPECT_LT(s, vm_wait_steps(self->fd, "live", e.steps));
	EXPECT_LT(0, mem_size(self->fd, KEY_PREFIX "live"));
	/* what was saved loads */
	EXPECT_EQ(0, vm_load(self->fd, "live-copy", KEY_PREFIX "live",
			     V3CHKPT_VM_LOAD_CREATE, NULL, NULL));
	ASSERT_EQ(0, vm_entry(self->fd, "live-copy", &e));
	EXPECT_EQ(V3CHKPT_VM_PAUSED, e.state);
}

/* ---- determinism ---- */

TEST_F_TIMEOUT(vm, same_config_same_steps_same_digest, 300)
{
	struct v3chkpt_vm_digest a0, a, b, c, again;

	ASSERT_EQ(0, vm_new(self->fd, "det-a", 64, 2, 7));
	ASSERT_EQ(0, vm_new(self->fd, "det-b", 64, 2, 7));
	ASSERT_EQ(0, vm_new(self->fd, "det-c", 64, 2, 8));
	ASSERT_EQ(0, vm_digest(self->fd, "det-a", &a0));
	ASSERT_EQ(0, vm_step(self->fd, "det-a", 200));
	ASSERT_EQ(0, vm_step(self->fd, "det-b", 200));
	ASSERT_EQ(0, vm_step(self->fd, "det-c", 200));
	ASSERT_EQ(0, vm_digest(self->fd, "det-a", &a));
	ASSERT_EQ(0, vm_digest(self->fd, "det-b", &b));
	ASSERT_EQ(0, vm_digest(self->fd, "det-c", &c));
	EXPECT_DIGEST_EQ(a, b);
	EXPECT_NE(a0.total, a.total);
	EXPECT_NE(a0.memory, a.memory);
	EXPECT_NE(a0.vcpus, a.vcpus);
	/* another seed, another run */
	EXPECT_NE(a.total, c.total);
	EXPECT_NE(a.memory, c.memory);
	/* a digest changes nothing */
	ASSERT_EQ(0, vm_digest(self->fd, "det-a", &again));
	EXPECT_DIGEST_EQ(a, again);
}

/* ---- the headline: save, load, and run on in lockstep ---- */

TEST_F_TIMEOUT(vm, save_load_then_step_in_lockstep, 900)
{
	const char *key = KEY_PREFIX "big";
	struct v3chkpt_vm_config c = vm_cfg(256, 2, 0);
	struct v3chkpt_vm_digest src, fresh, got, src2, new2, pre2;
	struct v3chkpt_vm_entry e;
	uint32_t options = ~0U;

	ASSERT_EQ(0, vm_create_cfg(self->fd, "big-src", &c));
	ASSERT_EQ(0, vm_run(self->fd, "big-src"));
	ASSERT_LT(400, vm_wait_steps(self->fd, "big-src", 400));
	ASSERT_EQ(0, vm_pause(self->fd, "big-src"));
	ASSERT_EQ(0, vm_digest(self->fd, "big-src", &src));
	ASSERT_EQ(0, vm_save(self->fd, "big-src", key, 0));
	ASSERT_EQ(0, vm_digest(self->fd, "big-src", &got));
	EXPECT_DIGEST_EQ(src, got);	/* saving changed nothing */

	/* into a VM the load creates */
	ASSERT_EQ(0, vm_load(self->fd, "big-new", key, V3CHKPT_VM_LOAD_CREATE,
			     &options, NULL));
	EXPECT_EQ(0, options);
	ASSERT_EQ(0, vm_entry(self->fd, "big-new", &e));
	EXPECT_EQ(V3CHKPT_VM_PAUSED, e.state);
	EXPECT_EQ(256 * MIB, e.config.mem_bytes);
	EXPECT_EQ(2, e.config.vcpus);
	ASSERT_EQ(0, vm_digest(self->fd, "big-new", &got));
	EXPECT_DIGEST_EQ(src, got);

	/* into one created beforehand with the same config */
	c = vm_cfg(256, 2, 0);
	ASSERT_EQ(0, vm_create_cfg(self->fd, "big-pre", &c));
	ASSERT_EQ(0, vm_digest(self->fd, "big-pre", &fresh));
	EXPECT_NE(src.total, fresh.total);
	options = ~0U;
	ASSERT_EQ(0, vm_load(self->fd, "big-pre", key, 0, &options, NULL));
	EXPECT_EQ(0, options);
	ASSERT_EQ(0, vm_digest(self->fd, "big-pre", &got));
	EXPECT_DIGEST_EQ(src, got);

	/* all three run on the same 300 steps and stay identical */
	ASSERT_EQ(0, vm_step(self->fd, "big-src", 300));
	ASSERT_EQ(0, vm_step(self->fd, "big-new", 300));
	ASSERT_EQ(0, vm_step(self->fd, "big-pre", 300));
	ASSERT_EQ(0, vm_digest(self->fd, "big-src", &src2));
	ASSERT_EQ(0, vm_digest(self->fd, "big-new", &new2));
	ASSERT_EQ(0, vm_digest(self->fd, "big-pre", &pre2));
	EXPECT_NE(src.total, src2.total);
	EXPECT_NE(src.memory, src2.memory);
	EXPECT_NE(src.vcpus, src2.vcpus);
	EXPECT_DIGEST_EQ(src2, new2);
	EXPECT_DIGEST_EQ(src2, pre2);

	EXPECT_EQ(0, vm_destroy(self->fd, "big-pre"));
	EXPECT_EQ(0, vm_destroy(self->fd, "big-new"));
	EXPECT_EQ(0, vm_destroy(self->fd, "big-src"));
	EXPECT_EQ(0, mem_delete(self->fd, key));
}

/* ---- save options ---- */

TEST_F_TIMEOUT(vm, skip_options_keep_those_parts_of_the_target, 600)
{
	static const struct {
		uint32_t skip;
		const char *key;
	} cases[] = {
		{ V3CHKPT_SKIP_MEM, KEY_PREFIX "skip-mem" },
		{ V3CHKPT_SKIP_DEVS, KEY_PREFIX "skip-devs" },
		{ V3CHKPT_SKIP_CORES | V3CHKPT_SKIP_ARCHDEP, KEY_PREFIX "skip-cpu" },
		{ V3CHKPT_SKIP_CORES, KEY_PREFIX "skip-cores" },
		{ V3CHKPT_SKIP_ARCHDEP, KEY_PREFIX "skip-archdep" },
		{ 0, KEY_PREFIX "skip-none" },
	};
	struct v3chkpt_vm_digest src, before, after;
	int64_t full, nomem;
	size_t i;

	ASSERT_EQ(0, vm_new(self->fd, "skip-src", 64, 1, 3));
	ASSERT_EQ(0, vm_step(self->fd, "skip-src", 300));
	ASSERT_EQ(0, vm_digest(self->fd, "skip-src", &src));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint32_t skip = cases[i].skip, options = ~0U, cpu;

		TH_LOG("skip 0x%x", skip);
		ASSERT_EQ(0, vm_save(self->fd, "skip-src", cases[i].key, skip));
		/* a target in another state than the source, every part */
		ASSERT_EQ(0, vm_new(self->fd, "skip-dst", 64, 1, 3));
		ASSERT_EQ(0, vm_step(self->fd, "skip-dst", 100));
		ASSERT_EQ(0, vm_digest(self->fd, "skip-dst", &before));
		ASSERT_NE(src.memory, before.memory);
		ASSERT_NE(src.vcpus, before.vcpus);
		ASSERT_NE(src.devices, before.devices);

		ASSERT_EQ(0, vm_load(self->fd, "skip-dst", cases[i].key, 0,
				     &options, NULL));
		EXPECT_EQ(skip, options);
		ASSERT_EQ(0, vm_digest(self->fd, "skip-dst", &after));
		EXPECT_EQ(skip & V3CHKPT_SKIP_MEM ? before.memory : src.memory,
			  after.memory);
		EXPECT_EQ(skip & V3CHKPT_SKIP_DEVS ? before.devices : src.devices,
			  after.devices);
		cpu = skip & (V3CHKPT_SKIP_CORES | V3CHKPT_SKIP_ARCHDEP);
		if (!cpu) {
			EXPECT_EQ(src.vcpus, after.vcpus);
		} else if (cpu == (V3CHKPT_SKIP_CORES | V3CHKPT_SKIP_ARCHDEP)) {
			EXPECT_EQ(before.vcpus, after.vcpus);
		} else {
			/* one half from the source, the other kept: a mix */
			EXPECT_NE(src.vcpus, after.vcpus);
			EXPECT_NE(before.vcpus, after.vcpus);
		}
		ASSERT_EQ(0, vm_destroy(self->fd, "skip-dst"));
	}
	/* a VM created from it has power-on memory */
	ASSERT_EQ(0, vm_new(self->fd, "skip-fresh", 64, 1, 3));
	ASSERT_EQ(0, vm_digest(self->fd, "skip-fresh", &before));
	ASSERT_EQ(0, vm_load(self->fd, "skip-new", KEY_PREFIX "skip-mem",
			     V3CHKPT_VM_LOAD_CREATE, NULL, NULL));
	ASSERT_EQ(0, vm_digest(self->fd, "skip-new", &after));
	EXPECT_EQ(before.memory, after.memory);
	EXPECT_EQ(src.vcpus, after.vcpus);
	EXPECT_EQ(src.devices, after.devices);

	/* without guest memory, a 64 MiB VM's stream is much smaller */
	full = mem_size(self->fd, KEY_PREFIX "skip-none");
	nomem = mem_size(self->fd, KEY_PREFIX "skip-mem");
	ASSERT_LT(0, nomem);
	EXPECT_LT(nomem * 16, full) TH_LOG("full %lld, without memory %lld",
					   (long long)full, (long long)nomem);
	EXPECT_LT(nomem, mem_size(self->fd, KEY_PREFIX "skip-devs"));
}

/* ---- refused loads leave the target as it was ---- */

TEST_F_TIMEOUT(vm, config_mismatch_einval, 300)
{
	static const struct {
		const char *name;
		uint64_t mib;
		uint32_t vcpus, devices;
		uint64_t seed;
		const char *field;	/* the errmsg mentions it */
	} targets[] = {
		{ "mm-mem", 128, 1, 0, 5, "mem" },
		{ "mm-cpu", 64, 2, 0, 5, "vcpu" },
		{ "mm-seed", 64, 1, 0, 6, "seed" },
		{ "mm-devs", 64, 1, V3CHKPT_DEV_PIT | V3CHKPT_DEV_PIC, 5, "devices" },
	};
	const char *key = KEY_PREFIX "mm";
	char errmsg[V3CHKPT_ERRMSG_MAX];
	struct v3chkpt_vm_digest before, after;
	struct v3chkpt_vm_config c;
	size_t i;

	ASSERT_EQ(0, vm_new(self->fd, "mm-src", 64, 1, 5));
	ASSERT_EQ(0, vm_step(self->fd, "mm-src", 50));
	ASSERT_EQ(0, vm_save(self->fd, "mm-src", key, 0));
	for (i = 0; i < ARRAY_SIZE(targets); i++) {
		c = vm_cfg(targets[i].mib, targets[i].vcpus, targets[i].seed);
		c.devices = targets[i].devices;
		ASSERT_EQ(0, vm_create_cfg(self->fd, targets[i].name, &c));
		ASSERT_EQ(0, vm_step(self->fd, targets[i].name, 20));
		ASSERT_EQ(0, vm_digest(self->fd, targets[i].name, &before));
		EXPECT_EQ(-EINVAL, vm_load(self->fd, targets[i].name, key, 0,
					   NULL, errmsg))
			TH_LOG("target %s", targets[i].name);
		TH_LOG("%s: \"%s\"", targets[i].name, errmsg);
		EXPECT_NE(0, errmsg[0]);
		if (targets[i].field)
			EXPECT_NE(NULL, strcasestr(errmsg, targets[i].field));
		ASSERT_EQ(0, vm_digest(self->fd, targets[i].name, &after));
		EXPECT_DIGEST_EQ(before, after);
	}
	/* control: the pace is not part of what must match */
	c = vm_cfg(64, 1, 5);
	c.workload.pace_us = 50;
	ASSERT_EQ(0, vm_create_cfg(self->fd, "mm-pace", &c));
	EXPECT_EQ(0, vm_load(self->fd, "mm-pace", key, 0, NULL, errmsg))
		TH_LOG("%s", errmsg);
	ASSERT_EQ(0, vm_digest(self->fd, "mm-pace", &after));
	ASSERT_EQ(0, vm_digest(self->fd, "mm-src", &before));
	EXPECT_DIGEST_EQ(before, after);
}

TEST_F_TIMEOUT(vm, errmsg_stays_inside_its_buffer, 300)
{
	char buf[32];
	struct v3chkpt_vm_xfer x = {
		.size = sizeof(x), .store = (uintptr_t)"memory",
		.url = (uintptr_t)KEY_PREFIX "small",
		.errmsg = (uintptr_t)buf, .errmsg_size = 8,
	};

	ASSERT_EQ(0, vm_new(self->fd, "small-src", 64, 1, 0));
	ASSERT_EQ(0, vm_save(self->fd, "small-src", KEY_PREFIX "small", 0));
	ASSERT_EQ(0, vm_new(self->fd, "small-dst", 128, 1, 0));
	memset(buf, 0x5a, sizeof(buf));
	strcpy(x.name, "small-dst");
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, V3CHKPT_IOC_VM_LOAD, &x)));
	EXPECT_GT(8, strnlen(buf, sizeof(buf)));	/* truncated, terminated */
	EXPECT_NE(0, buf[0]);
	EXPECT_EQ(0x5a, buf[8]);
	EXPECT_EQ(0x5a, buf[31]);
}

TEST_F_TIMEOUT(vm, corrupt_or_truncated_stream_changes_nothing, 600)
{
	/* flips in memory, and near the end: device contexts, END record */
	const size_t where[] = { 2, 3, 4, 0, 1 };
	char errmsg[V3CHKPT_ERRMSG_MAX];
	struct v3chkpt_vm_digest src, before, after;
	struct v3chkpt_vm_entry e;
	size_t len, i, off;
	uint8_t *raw;
	int r;

	ASSERT_EQ(0, vm_new(self->fd, "cor-src", 64, 1, 11));
	ASSERT_EQ(0, vm_step(self->fd, "cor-src", 100));
	ASSERT_EQ(0, vm_digest(self->fd, "cor-src", &src));
	ASSERT_EQ(0, vm_save(self->fd, "cor-src", KEY_PREFIX "cor", 0));
	raw = export_raw(self->fd, KEY_PREFIX "cor", &len);
	ASSERT_NE(NULL, raw);
	ASSERT_LT(4096, len);
	ASSERT_EQ(0, vm_new(self->fd, "cor-dst", 64, 1, 11));
	ASSERT_EQ(0, vm_step(self->fd, "cor-dst", 30));
	ASSERT_EQ(0, vm_digest(self->fd, "cor-dst", &before));

	for (i = 0; i < ARRAY_SIZE(where); i++) {
		off = where[i] > 1 ? len / where[i] : len - (where[i] ? 20 : 700);
		raw[off] ^= 0x40;
		ASSERT_EQ(0, import_raw(self->fd, KEY_PREFIX "cor-flip", raw, len));
		raw[off] ^= 0x40;
		EXPECT_EQ(-EBADMSG, vm_load(self->fd, "cor-dst", KEY_PREFIX "cor-flip",
					    0, NULL, errmsg))
			TH_LOG("flip at %zu of %zu", off, len);
		EXPECT_NE(0, errmsg[0]);
		ASSERT_EQ(0, vm_digest(self->fd, "cor-dst", &after));
		EXPECT_DIGEST_EQ(before, after);
		/* and a load that creates leaves no VM behind */
		EXPECT_EQ(-EBADMSG, vm_load(self->fd, "cor-new", KEY_PREFIX "cor-flip",
					    V3CHKPT_VM_LOAD_CREATE, NULL, NULL));
		EXPECT_EQ(-ENOENT, vm_entry(self->fd, "cor-new", &e));
	}

	ASSERT_EQ(0, import_raw(self->fd, KEY_PREFIX "cor-cut", raw, len / 2));
	r = vm_load(self->fd, "cor-dst", KEY_PREFIX "cor-cut", 0, NULL, errmsg);
	EXPECT_TRUE(r == -ENODATA || r == -EBADMSG) TH_LOG("truncated: %d", r);
	EXPECT_NE(0, errmsg[0]);
	ASSERT_EQ(0, vm_digest(self->fd, "cor-dst", &after));
	EXPECT_DIGEST_EQ(before, after);
	/* cut inside the END record: everything before it verified */
	ASSERT_EQ(0, import_raw(self->fd, KEY_PREFIX "cor-end", raw, len - 20));
	r = vm_load(self->fd, "cor-dst", KEY_PREFIX "cor-end", 0, NULL, errmsg);
	EXPECT_TRUE(r == -ENODATA || r == -EBADMSG) TH_LOG("end cut: %d", r);
	ASSERT_EQ(0, vm_digest(self->fd, "cor-dst", &after));
	EXPECT_DIGEST_EQ(before, after);
	mem_delete(self->fd, KEY_PREFIX "cor-end");
	r = vm_load(self->fd, "cor-new", KEY_PREFIX "cor-cut",
		    V3CHKPT_VM_LOAD_CREATE, NULL, NULL);
	EXPECT_TRUE(r == -ENODATA || r == -EBADMSG) TH_LOG("truncated: %d", r);
	EXPECT_EQ(-ENOENT, vm_entry(self->fd, "cor-new", &e));
	ASSERT_EQ(0, vm_entry(self->fd, "cor-dst", &e));
	EXPECT_EQ(V3CHKPT_VM_PAUSED, e.state);

	/* control: the same bytes unharmed load, into the same target */
	ASSERT_EQ(0, import_raw(self->fd, KEY_PREFIX "cor-copy", raw, len));
	ASSERT_EQ(0, vm_load(self->fd, "cor-dst", KEY_PREFIX "cor-copy", 0,
			     NULL, NULL));
	ASSERT_EQ(0, vm_digest(self->fd, "cor-dst", &after));
	EXPECT_DIGEST_EQ(src, after);
	free(raw);
}

/* ---- vCPU state a VM entry would refuse ---- */

struct membuf {
	uint8_t *p;
	size_t len, cap, pos;
};

static ssize_t membuf_read(void *priv, void *buf, size_t len)
{
	struct membuf *m = priv;
	size_t n = len < m->len - m->pos ? len : m->len - m->pos;

	memcpy(buf, m->p + m->pos, n);
	m->pos += n;
	return n;
}

static int membuf_write(void *priv, const void *buf, size_t len)
{
	struct membuf *m = priv;

	if (m->len + len > m->cap) {
		size_t cap = (m->len + len) * 2;
		uint8_t *p = realloc(m->p, cap);

		if (!p)
			return -ENOMEM;
		m->p = p;
		m->cap = cap;
	}
	memcpy(m->p + m->len, buf, len);
	m->len += len;
	return 0;
}

/*
 * Re-encode stream @in with blob @tag of context @ctx (instance 0) set to
 * @val (its low @size bytes; @size 0: unchanged), every check recomputed
 * by the codec, into @out.  0 or -errno.
 */
static int rewrite_blob(const struct membuf *in, const char *ctx,
			const char *tag, uint64_t val, size_t size,
			struct membuf *out)
{
	struct membuf src = { .p = in->p, .len = in->len };
	static struct v3c_reader r;
	struct v3c_writer w;
	uint8_t buf[4096];
	bool here = false;
	int item, ret;

	v3c_reader_init(&r, membuf_read, &src);
	v3c_writer_init(&w, membuf_write, out);
	ret = v3c_reader_start(&r) ?: v3c_writer_start(&w, &r.hdr);
	while (!ret) {
		item = v3c_reader_next(&r);
		switch (item) {
		case V3C_ITEM_CTX_BEGIN:
			here = !strcmp(r.ctx.name, ctx) && !r.ctx.instance;
			ret = v3c_writer_ctx_begin(&w, r.ctx.name, r.ctx.instance,
						   r.ctx.version, r.ctx.flags);
			break;
		case V3C_ITEM_BLOB:
			if (r.data_len > sizeof(buf))
				return -EFBIG;
			ret = v3c_reader_data(&r, buf, r.data_len);
			if (!ret && here && size && !strcmp(r.tag, tag)) {
				if (size != r.data_len)
					return -EMSGSIZE;
				memcpy(buf, &val, size);	/* little-endian */
			}
			ret = ret ?: v3c_writer_blob_begin(&w, r.tag, r.data_len) ?:
			      v3c_writer_data(&w, buf, r.data_len);
			break;
		case V3C_ITEM_CTX_END:
			ret = v3c_writer_ctx_end(&w);
			break;
		case V3C_ITEM_END:
			return v3c_writer_end(&w);
		default:	/* no sections or optional records in a VM stream */
			ret = item < 0 ? item : -EPROTO;
		}
	}
	return ret;
}

TEST_F_TIMEOUT(vm, vcpu_state_breaking_a_vmentry_rule_erange, 300)
{
	static const struct {
		const char *ctx, *tag;
		uint64_t val;
		size_t size;
		const char *field, *rule;	/* the errmsg names both */
	} bad[] = {
		{ "core", "tr.attr", 0x89, 2, "tr.attr", "tr.type" },
		{ "core", "cs.attr", 0xe9b, 2, "cs.attr", "cs.l-db" },
		{ "core", "rflags", 0x20002, 8, "rflags", "rflags.vm" },
		{ "core", "cr4", 0x40680, 8, "cr4", "cr4.pae" },
		{ "archdep", "apic_base", 0xfee00d00, 8, "apic_base",
		  "apic_base.xapic-only" },
	};
	const uint32_t skip = V3CHKPT_SKIP_MEM | V3CHKPT_SKIP_DEVS;
	const char *key = KEY_PREFIX "ve", *bad_key = KEY_PREFIX "ve-bad";
	struct v3chkpt_vm_digest src, before, after;
	char errmsg[V3CHKPT_ERRMSG_MAX];
	struct v3chkpt_vm_entry e;
	struct membuf raw = {};
	size_t i;

	ASSERT_EQ(0, vm_new(self->fd, "ve-src", 64, 1, 3));
	ASSERT_EQ(0, vm_step(self->fd, "ve-src", 40));
	ASSERT_EQ(0, vm_digest(self->fd, "ve-src", &src));
	ASSERT_EQ(0, vm_save(self->fd, "ve-src", key, skip));
	raw.p = export_raw(self->fd, key, &raw.len);
	ASSERT_NE(NULL, raw.p);
	ASSERT_EQ(0, vm_new(self->fd, "ve-dst", 64, 1, 3));
	ASSERT_EQ(0, vm_step(self->fd, "ve-dst", 5));
	ASSERT_EQ(0, vm_digest(self->fd, "ve-dst", &before));

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct membuf out = {};

		ASSERT_EQ(0, rewrite_blob(&raw, bad[i].ctx, bad[i].tag,
					  bad[i].val, bad[i].size, &out))
			TH_LOG("%s.%s", bad[i].ctx, bad[i].tag);
		ASSERT_EQ(0, import_raw(self->fd, bad_key, out.p, out.len));
		free(out.p);
		EXPECT_EQ(-ERANGE, vm_load(self->fd, "ve-dst", bad_key, 0,
					   NULL, errmsg))
			TH_LOG("%s = 0x%llx: \"%s\"", bad[i].tag,
			       (unsigned long long)bad[i].val, errmsg);
		EXPECT_NE(NULL, strstr(errmsg, bad[i].field)) TH_LOG("%s", errmsg);
		EXPECT_NE(NULL, strstr(errmsg, bad[i].rule)) TH_LOG("%s", errmsg);
		ASSERT_EQ(0, vm_digest(self->fd, "ve-dst", &after));
		EXPECT_DIGEST_EQ(before, after);
		EXPECT_EQ(-ERANGE, vm_load(self->fd, "ve-new", bad_key,
					   V3CHKPT_VM_LOAD_CREATE, NULL, NULL));
		EXPECT_EQ(-ENOENT, vm_entry(self->fd, "ve-new", &e));
	}
	/* control: the stream re-encoded unchanged loads */
	{
		struct membuf out = {};

		ASSERT_EQ(0, rewrite_blob(&raw, "core", "", 0, 0, &out));
		ASSERT_EQ(0, import_raw(self->fd, bad_key, out.p, out.len));
		free(out.p);
	}
	EXPECT_EQ(0, vm_load(self->fd, "ve-dst", bad_key, 0, NULL, errmsg))
		TH_LOG("%s", errmsg);
	ASSERT_EQ(0, vm_digest(self->fd, "ve-dst", &after));
	EXPECT_EQ(src.vcpus, after.vcpus);
	free(raw.p);
}

TEST_F_TIMEOUT(vm, load_refusals_ebusy_enoent_eexist, 300)
{
	struct v3chkpt_vm_digest before, after;
	const char *key = KEY_PREFIX "ref";

	ASSERT_EQ(0, vm_new(self->fd, "ref-src", 64, 1, 0));
	ASSERT_EQ(0, vm_step(self->fd, "ref-src", 20));
	ASSERT_EQ(0, vm_save(self->fd, "ref-src", key, 0));
	ASSERT_EQ(0, vm_new(self->fd, "ref-dst", 64, 1, 0));
	ASSERT_EQ(0, vm_run(self->fd, "ref-dst"));
	EXPECT_EQ(-EBUSY, vm_load(self->fd, "ref-dst", key, 0, NULL, NULL));
	ASSERT_EQ(0, vm_pause(self->fd, "ref-dst"));
	ASSERT_EQ(0, vm_digest(self->fd, "ref-dst", &before));
	EXPECT_EQ(-ENOENT, vm_load(self->fd, "ref-dst", KEY_PREFIX "nosuch", 0,
				   NULL, NULL));
	EXPECT_EQ(-ENOENT, vm_load(self->fd, "ref-none", key, 0, NULL, NULL));
	EXPECT_EQ(-EEXIST, vm_load(self->fd, "ref-dst", key,
				   V3CHKPT_VM_LOAD_CREATE, NULL, NULL));
	EXPECT_EQ(-EEXIST, vm_load(self->fd, "ref-src", key,
				   V3CHKPT_VM_LOAD_CREATE, NULL, NULL));
	ASSERT_EQ(0, vm_digest(self->fd, "ref-dst", &after));
	EXPECT_DIGEST_EQ(before, after);
	EXPECT_EQ(-ENOENT, mem_size(self->fd, KEY_PREFIX "nosuch"));
}

/* ---- destroy ---- */

struct stepper {
	int fd;
	const char *name;
	uint64_t count;
	int ret;
};

static void *step_thread(void *arg)
{
	struct stepper *s = arg;

	s->ret = vm_step(s->fd, s->name, s->count);
	return NULL;
}

TEST_F_TIMEOUT(vm, destroy_running_and_stepping_vm, 300)
{
	struct stepper st = {
		.fd = self->fd, .name = "doomed-step", .count = 1ULL << 40,
		.ret = 1,
	};
	struct v3chkpt_vm_digest d;
	struct v3chkpt_vm_entry e;
	struct timespec deadline;
	pthread_t t;
	int i;

	ASSERT_EQ(0, vm_new(self->fd, "doomed-run", 64, 2, 0));
	ASSERT_EQ(0, vm_run(self->fd, "doomed-run"));
	ASSERT_LT(0, vm_wait_steps(self->fd, "doomed-run", 0));
	EXPECT_EQ(0, vm_destroy(self->fd, "doomed-run"));
	EXPECT_EQ(-ENOENT, vm_entry(self->fd, "doomed-run", &e));

	ASSERT_EQ(0, vm_new(self->fd, "doomed-step", 64, 2, 0));
	ASSERT_EQ(0, vm_save(self->fd, "doomed-step", KEY_PREFIX "doomed", 0));
	memset(&e, 0, sizeof(e));
	ASSERT_EQ(0, pthread_create(&t, NULL, step_thread, &st));
	for (i = 0; i < 6000; i++) {
		if (vm_entry(self->fd, "doomed-step", &e) ||
		    (e.state == V3CHKPT_VM_STEPPING && e.steps > 0))
			break;
		usleep(10000);
	}
	EXPECT_EQ(V3CHKPT_VM_STEPPING, e.state);
	EXPECT_LT(0, e.steps);
	/* while a STEP runs, nothing else may touch the VM's state */
	EXPECT_EQ(-EBUSY, vm_digest(self->fd, "doomed-step", &d));
	EXPECT_EQ(-EBUSY, vm_save(self->fd, "doomed-step", KEY_PREFIX "doomed-2", 0));
	EXPECT_EQ(-ENOENT, mem_size(self->fd, KEY_PREFIX "doomed-2"));
	EXPECT_EQ(-EBUSY, vm_load(self->fd, "doomed-step", KEY_PREFIX "doomed", 0,
				  NULL, NULL));
	EXPECT_EQ(-EBUSY, vm_run(self->fd, "doomed-step"));
	EXPECT_EQ(-EBUSY, vm_step(self->fd, "doomed-step", 1));
	EXPECT_EQ(0, vm_destroy(self->fd, "doomed-step"));
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 60;
	ASSERT_EQ(0, pthread_timedjoin_np(t, NULL, &deadline))
		TH_LOG("STEP did not return after destroy");
	EXPECT_EQ(-EINTR, st.ret);	/* cut short, not 2^40 steps */
	EXPECT_EQ(-ENOENT, vm_entry(self->fd, "doomed-step", &e));
}

static void pin_cpu(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *pinned_step_thread(void *arg)
{
	pin_cpu(1);
	return step_thread(arg);
}

/* A real-time spinner on CPU 1 (at most 2 s): nothing else runs there. */
static atomic_int hog_stop;

static void *hog_thread(void *arg)
{
	struct sched_param sp = { .sched_priority = 10 };
	time_t end = time(NULL) + 2;

	pin_cpu(1);
	*(int *)arg = pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
	while (!hog_stop && time(NULL) < end)
		;
	return NULL;
}

/*
 * A STEP cut short by a pause returns EINTR even if a RUN restarts the
 * vCPUs before the STEP's waiter gets to look (it once waited for the
 * VM's next stop).  The waiter is held off its CPU by a real-time spinner.
 */
TEST_F_TIMEOUT(vm, step_cut_short_then_run_returns, 300)
{
	struct stepper st = {
		.fd = self->fd, .name = "cut-run", .count = 1ULL << 40, .ret = 1,
	};
	struct v3chkpt_vm_entry e = {};
	struct timespec deadline;
	pthread_t t, hog;
	int i, hog_err = -1;

	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		SKIP(return, "needs two CPUs");
	pin_cpu(0);
	ASSERT_EQ(0, vm_new(self->fd, "cut-run", 64, 1, 0));
	ASSERT_EQ(0, pthread_create(&t, NULL, pinned_step_thread, &st));
	for (i = 0; i < 6000; i++) {
		if (vm_entry(self->fd, "cut-run", &e) ||
		    (e.state == V3CHKPT_VM_STEPPING && e.steps > 0))
			break;
		usleep(10000);
	}
	ASSERT_EQ(V3CHKPT_VM_STEPPING, e.state);
	hog_stop = 0;
	ASSERT_EQ(0, pthread_create(&hog, NULL, hog_thread, &hog_err));
	usleep(100000);
	EXPECT_EQ(0, vm_pause(self->fd, "cut-run"));
	EXPECT_EQ(0, vm_run(self->fd, "cut-run"));
	usleep(100000);
	hog_stop = 1;
	pthread_join(hog, NULL);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 30;
	i = pthread_timedjoin_np(t, NULL, &deadline);
	EXPECT_EQ(0, i) TH_LOG("STEP still waiting while the VM runs");
	if (i) {
		vm_pause(self->fd, "cut-run");	/* lets it return */
		pthread_join(t, NULL);
	}
	EXPECT_EQ(-EINTR, st.ret);
	EXPECT_EQ(0, hog_err) TH_LOG("no SCHED_FIFO: the window was not forced");
	EXPECT_EQ(0, vm_destroy(self->fd, "cut-run"));
}

/* ---- two at once ---- */

TEST_F_TIMEOUT(vm, two_vms_run_independently, 300)
{
	struct v3chkpt_vm_digest a, b, a2, b2;
	struct v3chkpt_vm_entry ea, eb;

	ASSERT_EQ(0, vm_new(self->fd, "two-a", 64, 1, 1));
	ASSERT_EQ(0, vm_new(self->fd, "two-b", 64, 1, 2));
	ASSERT_EQ(0, vm_run(self->fd, "two-a"));
	ASSERT_EQ(0, vm_run(self->fd, "two-b"));
	ASSERT_LT(0, vm_wait_steps(self->fd, "two-a", 0));
	ASSERT_LT(0, vm_wait_steps(self->fd, "two-b", 0));
	ASSERT_EQ(0, vm_entry(self->fd, "two-a", &ea));
	ASSERT_EQ(0, vm_entry(self->fd, "two-b", &eb));
	EXPECT_EQ(V3CHKPT_VM_RUNNING, ea.state);
	EXPECT_EQ(V3CHKPT_VM_RUNNING, eb.state);
	ASSERT_EQ(0, vm_pause(self->fd, "two-a"));
	ASSERT_EQ(0, vm_pause(self->fd, "two-b"));
	ASSERT_EQ(0, vm_digest(self->fd, "two-a", &a));
	ASSERT_EQ(0, vm_digest(self->fd, "two-b", &b));
	/* their seeds differ: so do their states (memory may not, yet) */
	EXPECT_NE(a.total, b.total);
	/* stepping one leaves the other alone */
	ASSERT_EQ(0, vm_step(self->fd, "two-a", 50));
	ASSERT_EQ(0, vm_digest(self->fd, "two-a", &a2));
	ASSERT_EQ(0, vm_digest(self->fd, "two-b", &b2));
	EXPECT_NE(a.total, a2.total);
	EXPECT_DIGEST_EQ(b, b2);
	EXPECT_EQ(0, vm_destroy(self->fd, "two-a"));
	EXPECT_EQ(0, vm_destroy(self->fd, "two-b"));
	EXPECT_EQ(-ENOENT, vm_entry(self->fd, "two-a", &ea));
	EXPECT_EQ(-ENOENT, vm_entry(self->fd, "two-b", &eb));
}

/* ---- guest memory through mmap ---- */

TEST_F_TIMEOUT(vm, mmap_guest_memory, 300)
{
	const size_t size = 64 * MIB, gpa = 40 * MIB - 100, n = 8192;
	struct v3chkpt_vm_digest d0, d1, d2;
	uint8_t *p, *q, pattern[8192];
	int mfd, mfd2;
	size_t i;

	for (i = 0; i < n; i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	ASSERT_EQ(0, vm_new(self->fd, "map-a", 64, 1, 0));
	ASSERT_EQ(0, vm_step(self->fd, "map-a", 20));
	ASSERT_EQ(0, vm_digest(self->fd, "map-a", &d0));
	mfd = vm_map(self->fd, "map-a");
	ASSERT_LE(0, mfd);
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_NE(MAP_FAILED, p) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_NE(0, memcmp(p + gpa, pattern, n));
	memcpy(p + gpa, pattern, n);
	ASSERT_EQ(0, vm_digest(self->fd, "map-a", &d1));
	EXPECT_NE(d0.memory, d1.memory);
	EXPECT_NE(d0.total, d1.total);
	EXPECT_EQ(d0.vcpus, d1.vcpus);
	EXPECT_EQ(d0.devices, d1.devices);

	/* the written bytes travel with a checkpoint */
	ASSERT_EQ(0, vm_save(self->fd, "map-a", KEY_PREFIX "map", 0));
	ASSERT_EQ(0, vm_load(self->fd, "map-b", KEY_PREFIX "map",
			     V3CHKPT_VM_LOAD_CREATE, NULL, NULL));
	ASSERT_EQ(0, vm_digest(self->fd, "map-b", &d2));
	EXPECT_DIGEST_EQ(d1, d2);
	mfd2 = vm_map(self->fd, "map-b");
	ASSERT_LE(0, mfd2);
	q = mmap(NULL, size, PROT_READ, MAP_SHARED, mfd2, 0);
	ASSERT_NE(MAP_FAILED, q) TH_LOG("mmap: %s", strerror(errno));
	EXPECT_EQ(0, memcmp(q + gpa, pattern, n));
	EXPECT_EQ(0, memcmp(q, p, size));

	/* the mapping outlives the VM */
	ASSERT_EQ(0, vm_destroy(self->fd, "map-a"));
	close(mfd);
	EXPECT_EQ(0, memcmp(p + gpa, pattern, n));
	munmap(p, size);
	munmap(q, size);
	close(mfd2);
}

/* ---- ioctl rules ---- */

TEST_F_TIMEOUT(vm, bad_input_einval, 120)
{
	struct v3chkpt_vm_create base = {
		.size = sizeof(base), .name = "bad",
		.config = vm_cfg(64, 1, 0),
	}, c;
	struct v3chkpt_vm_ctl ctl;
	struct v3chkpt_vm_digest dg;
	struct v3chkpt_vm_list l;
	struct v3chkpt_vm_xfer x;
	struct v3chkpt_vm_map m;
	struct v3chkpt_vm_entry e[LIST_MAX];
	struct {
		struct v3chkpt_vm_create c;
		uint8_t future[16];
	} big;
	int dev = self->fd;

#define CREATE_EINVAL(stmt) do {					\
	c = base;							\
	stmt;								\
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_CREATE, &c))) \
		TH_LOG("%s", #stmt);					\
} while (0)
	CREATE_EINVAL(c.flags = 1);
	CREATE_EINVAL(c.reserved[1] = 1);
	CREATE_EINVAL(c.config.reserved[0] = 1);
	CREATE_EINVAL(c.config.workload.reserved[1] = 1);
	CREATE_EINVAL(memset(c.name, 'n', sizeof(c.name)));
	CREATE_EINVAL(c.name[0] = '\0');
	CREATE_EINVAL(strcpy(c.name, "a/b"));
	CREATE_EINVAL(strcpy(c.name, "."));
	CREATE_EINVAL(strcpy(c.name, ".."));
	CREATE_EINVAL(strcpy(c.name, "sp ace"));
	CREATE_EINVAL(c.config.mem_bytes = 63 * MIB);
	CREATE_EINVAL(c.config.mem_bytes = 65 * MIB);
	CREATE_EINVAL(c.config.mem_bytes = 0);
	CREATE_EINVAL(c.config.mem_bytes = V3CHKPT_VM_MEM_MAX + 2 * MIB);
	CREATE_EINVAL(c.config.vcpus = 0);
	CREATE_EINVAL(c.config.vcpus = V3CHKPT_VM_VCPUS_MAX + 1);
	CREATE_EINVAL(c.config.devices = V3CHKPT_DEV_ALL + 1);
	CREATE_EINVAL(c.config.workload.write_pct = 101);
	CREATE_EINVAL(c.config.workload.pattern = 3);
	CREATE_EINVAL(c.config.workload.accesses = 4097);
	CREATE_EINVAL(c.config.workload.pace_us = 1000001);
	CREATE_EINVAL(c.size = V3CHKPT_VM_CREATE_SIZE_VER0 - 8);
	CREATE_EINVAL(c.size = 8);
#undef CREATE_EINVAL
	EXPECT_EQ(0, vm_list(dev, e)) TH_LOG("a refused create left a VM");

	/* a larger struct: its unknown tail must be zero */
	memset(&big, 0, sizeof(big));
	big.c = base;
	big.c.size = sizeof(big);
	big.future[5] = 1;
	EXPECT_EQ(-E2BIG, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_CREATE, &big)));
	big.future[5] = 0;
	ASSERT_EQ(0, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_CREATE, &big)));

#define CTL_EINVAL(stmt) do {						\
	memset(&ctl, 0, sizeof(ctl));					\
	ctl.size = sizeof(ctl);						\
	strcpy(ctl.name, "bad");					\
	ctl.op = V3CHKPT_VM_OP_RUN;					\
	stmt;								\
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_CTL, &ctl))) \
		TH_LOG("%s", #stmt);					\
} while (0)
	CTL_EINVAL(ctl.flags = 1);
	CTL_EINVAL(ctl.reserved0 = 1);
	CTL_EINVAL(ctl.reserved[1] = 1);
	CTL_EINVAL(ctl.op = 0);
	CTL_EINVAL(ctl.op = V3CHKPT_VM_OP_DESTROY + 1);
	CTL_EINVAL(ctl.op = 99);
	CTL_EINVAL((ctl.op = V3CHKPT_VM_OP_STEP, ctl.count = 0));
	CTL_EINVAL(memset(ctl.name, 'b', sizeof(ctl.name)));
	CTL_EINVAL(ctl.size = 8);
	CTL_EINVAL((ctl.op = V3CHKPT_VM_OP_DESTROY, ctl.flags = 1));
#undef CTL_EINVAL

	vm_digest(dev, "bad", &dg);
	dg.flags = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_DIGEST, &dg)));
	vm_digest(dev, "bad", &dg);
	dg.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_DIGEST, &dg)));
	vm_digest(dev, "bad", &dg);
	dg.size = 8;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_DIGEST, &dg)));

	memset(&l, 0, sizeof(l));
	l.size = sizeof(l);
	l.flags = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_LIST, &l)));
	l.flags = 0;
	l.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_LIST, &l)));

#define XFER_EINVAL(cmd, stmt) do {					\
	memset(&x, 0, sizeof(x));					\
	x.size = sizeof(x);						\
	strcpy(x.name, "bad");						\
	x.store = (uintptr_t)"memory";					\
	x.url = (uintptr_t)KEY_PREFIX "bad";				\
	stmt;								\
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(dev, cmd, &x)))		\
		TH_LOG("%s %s", #cmd, #stmt);				\
} while (0)
	XFER_EINVAL(V3CHKPT_IOC_VM_SAVE, x.flags = 1);
	XFER_EINVAL(V3CHKPT_IOC_VM_SAVE, x.options = V3CHKPT_SKIP_ALL + 1);
	XFER_EINVAL(V3CHKPT_IOC_VM_SAVE, x.reserved[0] = 1);
	XFER_EINVAL(V3CHKPT_IOC_VM_SAVE, x.name[0] = '\0');
	XFER_EINVAL(V3CHKPT_IOC_VM_SAVE, x.size = 8);
	XFER_EINVAL(V3CHKPT_IOC_VM_LOAD, x.flags = V3CHKPT_VM_LOAD_CREATE << 1);
	XFER_EINVAL(V3CHKPT_IOC_VM_LOAD, x.reserved[0] = 1);
#undef XFER_EINVAL
	/* a progress counter the kernel cannot write: refused up front */
	memset(&x, 0, sizeof(x));
	x.size = sizeof(x);
	strcpy(x.name, "bad");
	x.store = (uintptr_t)"memory";
	x.url = (uintptr_t)KEY_PREFIX "bad";
	x.progress = 8;
	EXPECT_EQ(-EFAULT, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_SAVE, &x)));
	EXPECT_EQ(-ENOENT, mem_size(dev, KEY_PREFIX "bad"));

	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	strcpy(m.name, "bad");
	m.flags = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_MAP, &m)));
	m.flags = 0;
	m.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(dev, V3CHKPT_IOC_VM_MAP, &m)));

	/* unknown commands */
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(dev, _IO(V3CHKPT_IOC_MAGIC, 0x2a), 0)));
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(dev, _IOWR(V3CHKPT_IOC_MAGIC, 0x2f,
						      struct v3chkpt_vm_ctl), &ctl)));

	/* none of it touched the VM */
	ASSERT_EQ(1, vm_list(dev, e));
	EXPECT_STREQ("bad", e[0].name);
	EXPECT_EQ(V3CHKPT_VM_PAUSED, e[0].state);
	EXPECT_EQ(0, e[0].steps);
}

/*
 * As nobody, every VM ioctl on the VM "priv" (or a new one) is refused:
 * 0, or the number of the first check that was not refused.
 */
static int unprivileged_vm_checks(void *arg)
{
	struct v3chkpt_vm_config c = vm_cfg(64, 1, 0);
	struct v3chkpt_vm_entry e[LIST_MAX];
	struct v3chkpt_vm_digest d;
	int fd = dev_fd(), r[10], i;

	(void)arg;
	if (fd < 0)
		return 99;
	r[0] = vm_create_cfg(fd, "priv2", &c);
	r[1] = vm_list(fd, e);
	r[2] = vm_run(fd, "priv");
	r[3] = vm_step(fd, "priv", 1);
	r[4] = vm_destroy(fd, "priv");
	r[5] = vm_digest(fd, "priv", &d);
	r[6] = vm_save(fd, "priv", KEY_PREFIX "priv", 0);
	r[7] = vm_load(fd, "priv", KEY_PREFIX "priv-real", 0, NULL, NULL);
	r[8] = vm_load(fd, "priv3", KEY_PREFIX "priv-real",
		       V3CHKPT_VM_LOAD_CREATE, NULL, NULL);
	r[9] = vm_map(fd, "priv");
	close(fd);
	for (i = 0; i < 10; i++)
		if (r[i] != -EPERM)
			return i + 1;
	return 0;
}

TEST_F_TIMEOUT(vm, unprivileged_caller_eperm, 300)
{
	struct v3chkpt_vm_entry e;
	int r;

	ASSERT_EQ(0, vm_new(self->fd, "priv", 64, 1, 0));
	ASSERT_EQ(0, vm_save(self->fd, "priv", KEY_PREFIX "priv-real", 0));
	r = as_nobody(unprivileged_vm_checks, NULL);
	EXPECT_EQ(0, r) TH_LOG("check %d was not refused", r);
	ASSERT_EQ(0, vm_entry(self->fd, "priv", &e));
	EXPECT_EQ(V3CHKPT_VM_PAUSED, e.state);
	EXPECT_EQ(0, e.steps);
	EXPECT_EQ(-ENOENT, vm_entry(self->fd, "priv2", &e));
	EXPECT_EQ(-ENOENT, vm_entry(self->fd, "priv3", &e));
	EXPECT_EQ(-ENOENT, mem_size(self->fd, KEY_PREFIX "priv"));
}

TEST_HARNESS_MAIN
