// SPDX-License-Identifier: GPL-2.0
/*
 * kselftests of VM checkpoints that say more than they carry or mean
 * something no writer writes, forged through the session API (so every
 * checksum is right and each stream reaches the VM loader):
 *   - guest memory larger than the machine can give: ENOMEM before any of
 *     it is allocated, and never an OOM kill (the payload's kernel-log
 *     check fails on one);
 *   - a blob far larger than the machine, from a file: refused (EFBIG) on
 *     its header, before the loader holds it;
 *   - a zero configuration field (writers fill in defaults): ERANGE;
 *   - state for a vCPU or device the configuration lacks: ERANGE.
 * Each refused load leaves its target as it was and creates nothing.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/v3chkpt.h>
#include <v3chkpt/format.h>
#include "helpers.h"
#include "kselftest_harness.h"

#define KEY_PREFIX	"vst-"
#include "vm_helpers.h"

static int ctx_begin(int s, const char *name, uint32_t instance)
{
	struct v3chkpt_ctx_open c = {
		.size = sizeof(c), .name = (uintptr_t)name,
		.instance = instance, .version = 1,
	};

	return ret_errno(ioctl(s, V3CHKPT_IOC_CTX_OPEN, &c));
}

static int put(int s, const char *tag, const void *p, uint64_t len)
{
	struct v3chkpt_blob b = {
		.size = sizeof(b), .tag = (uintptr_t)tag,
		.data = (uintptr_t)p, .len = len,
	};

	return ret_errno(ioctl(s, V3CHKPT_IOC_BLOB_SAVE, &b));
}

#define PUT(s, tag, v) put(s, tag, &(v), sizeof(v))

/* The "vm" context exactly as the module writes it (vm_chkpt.c). */
static int put_vm_ctx(int s, uint32_t opts, const struct v3chkpt_vm_config *c)
{
	const struct v3chkpt_workload *w = &c->workload;

	return ctx_begin(s, "vm", 0) ?:
	       PUT(s, "options", opts) ?: PUT(s, "mem_bytes", c->mem_bytes) ?:
	       PUT(s, "vcpus", c->vcpus) ?: PUT(s, "devices", c->devices) ?:
	       PUT(s, "wl.ws_pages", w->ws_pages) ?:
	       PUT(s, "wl.write_pct", w->write_pct) ?:
	       PUT(s, "wl.pattern", w->pattern) ?:
	       PUT(s, "wl.accesses", w->accesses) ?:
	       PUT(s, "wl.io_every", w->io_every) ?:
	       PUT(s, "wl.pace_us", w->pace_us) ?: PUT(s, "wl.seed", w->seed) ?:
	       ret_errno(ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 0));
}

/* A filled-in configuration, as a writer holds it. */
static struct v3chkpt_vm_config full_cfg(uint64_t mem, uint32_t vcpus)
{
	struct v3chkpt_vm_config c = { .mem_bytes = mem, .vcpus = vcpus,
				       .devices = V3CHKPT_DEV_ALL };

	c.workload = (struct v3chkpt_workload){ .ws_pages = 64, .write_pct = 30,
		.accesses = 64, .io_every = 16, .pace_us = 100, .seed = 1 };
	return c;
}

/*
 * Forge memory:@key: a "vm" context (SKIP_ALL: nothing else is needed),
 * then an extra context @extra (NULL: none) with one small blob.
 */
static int forge(int dev, const char *key, const struct v3chkpt_vm_config *c,
		 const char *extra, uint32_t extra_instance)
{
	uint32_t v = 1;
	int s, r;

	mem_delete(dev, key);
	s = sess(dev, "memory", key, V3CHKPT_MODE_SAVE);
	if (s < 0)
		return s;
	r = put_vm_ctx(s, V3CHKPT_SKIP_ALL, c);
	if (!r && extra)
		r = ctx_begin(s, extra, extra_instance) ?: PUT(s, "x", v) ?:
		    ret_errno(ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 0));
	if (!r)
		r = commit(s);
	close(s);
	return r;
}

FIXTURE(vst) {
	int fd;
};

FIXTURE_SETUP(vst)
{
	self->fd = dev_fd();
	ASSERT_LE(0, self->fd);
	vm_cleanup(self->fd);
}

FIXTURE_TEARDOWN(vst)
{
	struct v3chkpt_vm_entry e[LIST_MAX];

	vm_cleanup(self->fd);
	EXPECT_EQ(0, vm_list(self->fd, e));
	close(self->fd);
}

/* The forged stream itself is good: a small claim loads. */
TEST_F(vst, forged_config_loads)
{
	struct v3chkpt_vm_config c = full_cfg(64 * MIB, 1);
	struct v3chkpt_vm_entry e;

	ASSERT_EQ(0, forge(self->fd, "vst-ok", &c, NULL, 0));
	ASSERT_EQ(0, vm_load(self->fd, "vst-ok", "vst-ok", V3CHKPT_VM_LOAD_CREATE,
			     NULL, NULL));
	ASSERT_EQ(0, vm_entry(self->fd, "vst-ok", &e));
	EXPECT_EQ(64 * MIB, e.config.mem_bytes);
	EXPECT_EQ(0, vm_step(self->fd, "vst-ok", 20));
}

/* 4 and 64 GiB declared to a 3 GiB guest: ENOMEM up front, no OOM kill. */
TEST_F(vst, memory_beyond_the_machine_enomem)
{
	static const uint64_t gib[] = { 4, 64 };
	char msg[V3CHKPT_ERRMSG_MAX];
	struct v3chkpt_vm_entry e;
	unsigned int i;

	for (i = 0; i < 2; i++) {
		struct v3chkpt_vm_config c = full_cfg(gib[i] << 30, 2);

		ASSERT_EQ(0, forge(self->fd, "vst-big", &c, NULL, 0));
		EXPECT_EQ(-ENOMEM, vm_load(self->fd, "vst-big", "vst-big",
					   V3CHKPT_VM_LOAD_CREATE, NULL, msg))
			TH_LOG("%llu GiB: %s", (unsigned long long)gib[i], msg);
		EXPECT_NE(NULL, strstr(msg, "cannot create VM"));
		EXPECT_EQ(-ENOENT, vm_entry(self->fd, "vst-big", &e));
		/* and the same through create */
		EXPECT_EQ(-ENOMEM, vm_create_cfg(self->fd, "vst-big", &c));
		EXPECT_EQ(-ENOENT, vm_entry(self->fd, "vst-big", &e));
	}
}

/* A 4 GiB blob in a 200-byte file: refused on its header. */
TEST_F(vst, huge_blob_from_a_file_efbig)
{
	uint8_t *raw, *forged;
	size_t len, at;
	struct v3c_rec_hdr h = { .len = 4ULL << 30, .type = V3C_REC_BLOB };
	uint32_t v = 7;
	int s;

	s = sess(self->fd, "memory", "vst-blob", V3CHKPT_MODE_SAVE);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_begin(s, "dev", 0));
	ASSERT_EQ(0, PUT(s, "state", v));
	ASSERT_EQ(0, ret_errno(ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 0)));
	ASSERT_EQ(0, commit(s));
	close(s);
	raw = export_raw(self->fd, "vst-blob", &len);
	ASSERT_NE(NULL, raw);
	/*
	 * The blob record is the only place "state" appears; its 16-byte
	 * record header sits 8 bytes before the tag.  Claim 4 GiB (with a
	 * right header check) and cut the stream after the tag.
	 */
	for (at = 0; at + 6 <= len && memcmp(raw + at, "state", 6); at++)
		;
	ASSERT_LT(at + 6, len);
	forged = malloc(at + 6);
	ASSERT_NE(NULL, forged);
	memcpy(forged, raw, at + 6);
	v3c_rec_hdr_encode(&h, forged + at - 8 - V3C_REC_HDR_SIZE);
	ASSERT_EQ(0, import_raw(self->fd, "vst-blob2", forged, at + 6));
	s = sess(self->fd, "memory", "vst-blob2", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	EXPECT_EQ(-EFBIG, ctx_begin(s, "dev", 0));
	close(s);
	free(raw);
	free(forged);
}

/* Each zero field, into an existing VM and with --create. */
TEST_F(vst, zero_config_field_erange)
{
	static const char * const field[] = {
		"devices", "ws_pages", "write_pct", "accesses", "io_every",
		"pace_us", "seed",
	};
	struct v3chkpt_vm_digest d0, d1;
	char msg[V3CHKPT_ERRMSG_MAX];
	struct v3chkpt_vm_entry e;
	unsigned int i;

	ASSERT_EQ(0, vm_new(self->fd, "vst-t", 64, 1, 1));
	ASSERT_EQ(0, vm_step(self->fd, "vst-t", 10));
	ASSERT_EQ(0, vm_digest(self->fd, "vst-t", &d0));
	for (i = 0; i < ARRAY_SIZE(field); i++) {
		struct v3chkpt_vm_config c = full_cfg(64 * MIB, 1);
		struct v3chkpt_workload *w = &c.workload;
		uint32_t *f32[] = { &c.devices, &w->ws_pages, &w->write_pct,
				    &w->accesses, &w->io_every, &w->pace_us };

		if (i < 6)
			*f32[i] = 0;
		else
			w->seed = 0;
		ASSERT_EQ(0, forge(self->fd, "vst-zero", &c, NULL, 0));
		EXPECT_EQ(-ERANGE, vm_load(self->fd, "vst-t", "vst-zero", 0,
					   NULL, msg)) TH_LOG("%s", field[i]);
		EXPECT_NE(NULL, strstr(msg, "zero field")) TH_LOG("%s", msg);
		EXPECT_EQ(-ERANGE, vm_load(self->fd, "vst-new", "vst-zero",
					   V3CHKPT_VM_LOAD_CREATE, NULL, NULL));
		EXPECT_EQ(-ENOENT, vm_entry(self->fd, "vst-new", &e));
	}
	ASSERT_EQ(0, vm_digest(self->fd, "vst-t", &d1));
	EXPECT_DIGEST_EQ(d0, d1);
}

/* State the configuration has no room for is refused, not dropped. */
TEST_F(vst, context_beyond_the_config_erange)
{
	static const struct { const char *name; uint32_t instance; } extra[] = {
		{ "core", 1 }, { "archdep", 3 }, { "lapic", 1 }, { "mem", 0 },
		{ "whatever", 0 },
	};
	struct v3chkpt_vm_config c = full_cfg(64 * MIB, 1);
	char msg[V3CHKPT_ERRMSG_MAX], want[64];
	struct v3chkpt_vm_digest d0, d1;
	struct v3chkpt_vm_entry e;
	unsigned int i;

	ASSERT_EQ(0, vm_new(self->fd, "vst-t", 64, 1, 1));
	ASSERT_EQ(0, vm_digest(self->fd, "vst-t", &d0));
	for (i = 0; i < ARRAY_SIZE(extra); i++) {
		ASSERT_EQ(0, forge(self->fd, "vst-x", &c, extra[i].name,
				   extra[i].instance));
		snprintf(want, sizeof(want), "context %s#%u has no place",
			 extra[i].name, extra[i].instance);
		EXPECT_EQ(-ERANGE, vm_load(self->fd, "vst-new", "vst-x",
					   V3CHKPT_VM_LOAD_CREATE, NULL, msg));
		EXPECT_NE(NULL, strstr(msg, want)) TH_LOG("%s", msg);
		EXPECT_EQ(-ENOENT, vm_entry(self->fd, "vst-new", &e));
	}
	ASSERT_EQ(0, vm_digest(self->fd, "vst-t", &d1));
	EXPECT_DIGEST_EQ(d0, d1);
}

TEST_HARNESS_MAIN
