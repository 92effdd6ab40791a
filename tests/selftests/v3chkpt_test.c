// SPDX-License-Identifier: GPL-2.0
/*
 * kselftests for v3chkpt.ko: the control device, the ioctl ABI rules, the
 * checkpoint rules as userspace sees them, and hostile streams (crafted
 * with the module's own codec, imported raw, then loaded).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/v3chkpt.h>
#include <v3chkpt/format.h>
#include "helpers.h"
#include "kselftest_harness.h"

/* ---- helpers: each returns 0 / fd, or -errno ---- */

static int ctx_open(int s, const char *name, uint32_t inst, uint32_t minv,
		    uint32_t ver, uint32_t *got)
{
	struct v3chkpt_ctx_open c = {
		.size = sizeof(c), .name = (uintptr_t)name, .instance = inst,
		.min_version = minv, .version = ver,
	};
	int r = ret_errno(ioctl(s, V3CHKPT_IOC_CTX_OPEN, &c));

	if (!r && got)
		*got = c.version;
	return r;
}

static int ctx_close(int s)
{
	return ret_errno(ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 0));
}

static int blob(int s, unsigned long cmd, const char *tag, void *data,
		uint64_t len)
{
	struct v3chkpt_blob b = {
		.size = sizeof(b), .tag = (uintptr_t)tag,
		.data = (uintptr_t)data, .len = len,
	};

	return ret_errno(ioctl(s, cmd, &b));
}

#define SAVE(s, tag, p, n) blob(s, V3CHKPT_IOC_BLOB_SAVE, tag, p, n)
#define LOAD(s, tag, p, n) blob(s, V3CHKPT_IOC_BLOB_LOAD, tag, p, n)

/* Save ctx "cpu"#0 v2 {regs=text} and "dev"#1 v1 {state=text2}. */
static int save_sample(int dev, const char *key, const char *text)
{
	char other[64];
	int s, r;

	s = sess(dev, "memory", key, V3CHKPT_MODE_SAVE);
	if (s < 0)
		return s;
	snprintf(other, sizeof(other), "%s-dev", text);
	r = ctx_open(s, "cpu", 0, 0, 2, NULL);
	if (!r)
		r = SAVE(s, "regs", (void *)text, strlen(text) + 1);
	if (!r)
		r = ctx_close(s);
	if (!r)
		r = ctx_open(s, "dev", 1, 0, 1, NULL);
	if (!r)
		r = SAVE(s, "state", other, strlen(other) + 1);
	if (!r)
		r = ctx_close(s);
	if (!r)
		r = commit(s);
	close(s);
	return r;
}

/* Load "cpu"/"regs" of @key into buf; returns the first error. */
static int load_regs(int dev, const char *key, char *buf, size_t len)
{
	struct v3chkpt_blob b = { .size = sizeof(b), .tag = (uintptr_t)"regs" };
	int s, r;

	s = sess(dev, "memory", key, V3CHKPT_MODE_LOAD);
	if (s < 0)
		return s;
	r = ctx_open(s, "cpu", 0, 0, 2, NULL);
	if (!r)
		r = ret_errno(ioctl(s, V3CHKPT_IOC_BLOB_LEN, &b));
	if (!r && b.len > len)
		r = -ENOSPC;
	if (!r)
		r = LOAD(s, "regs", buf, b.len);
	if (!r)
		r = ctx_close(s);
	if (!r)
		r = commit(s);
	close(s);
	return r;
}

/* Load every context and blob of @key as a VMM would; first error. */
static int load_everything(int dev, const char *key)
{
	char name[V3CHKPT_NAME_MAX];
	char buf[4096];
	int s, r;

	s = sess(dev, "memory", key, V3CHKPT_MODE_LOAD);
	if (s < 0)
		return s;
	r = ctx_open(s, "cpu", 0, 0, 2, NULL);
	if (!r)
		r = LOAD(s, "regs", buf, strlen("sample") + 1);
	if (!r)
		r = ctx_close(s);
	if (!r) {
		struct v3chkpt_ctx_open c = {
			.size = sizeof(c), .flags = V3CHKPT_CTX_NEXT,
			.name = (uintptr_t)name, .name_size = sizeof(name),
			.version = UINT32_MAX,
		};
		r = ret_errno(ioctl(s, V3CHKPT_IOC_CTX_OPEN, &c));
		if (!r)
			r = ctx_close(s);
	}
	if (!r)
		r = commit(s);
	close(s);
	return r;
}

/* ---- crafted streams ---- */

struct obuf {
	uint8_t *p;
	size_t len;
};

static int obuf_write(void *priv, const void *buf, size_t len)
{
	struct obuf *o = priv;

	o->p = realloc(o->p, o->len + len);
	memcpy(o->p + o->len, buf, len);
	o->len += len;
	return 0;
}

static void write_file(const char *path, const void *p, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (f) {
		fwrite(p, 1, len, f);
		fclose(f);
	}
}

/* One context "cpu"#0 v2 holding a raw record, then "regs". */
static struct obuf craft(uint16_t type, uint16_t flags, const void *p,
			 uint64_t len)
{
	struct obuf o = { 0 };
	struct v3c_stream_hdr h;
	struct v3c_writer w;

	v3c_writer_init(&w, obuf_write, &o);
	v3c_stream_hdr_init(&h, "selftest");
	v3c_writer_start(&w, &h);
	v3c_writer_ctx_begin(&w, "cpu", 0, 2, 0);
	v3c_writer_record(&w, type, flags, p, len);
	v3c_writer_blob_begin(&w, "regs", 7);
	v3c_writer_data(&w, "sample", 7);
	v3c_writer_ctx_end(&w);
	v3c_writer_ctx_begin(&w, "dev", 1, 1, 0);
	v3c_writer_ctx_end(&w);
	v3c_writer_end(&w);
	return o;
}

FIXTURE(dev) {
	int fd;
};

FIXTURE_SETUP(dev)
{
	self->fd = dev_fd();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", V3CHKPT_DEVICE, strerror(errno));
}

FIXTURE_TEARDOWN(dev)
{
	close(self->fd);
}

/* ---- device and version ---- */

TEST(device_node_is_char_device)
{
	struct stat st;

	ASSERT_EQ(0, stat(V3CHKPT_DEVICE, &st));
	ASSERT_TRUE(S_ISCHR(st.st_mode));
}

TEST_F(dev, version_query)
{
	struct v3chkpt_version v = { .size = sizeof(v) };

	ASSERT_EQ(0, ioctl(self->fd, V3CHKPT_IOC_VERSION, &v));
	EXPECT_EQ(V3CHKPT_ABI_VERSION, v.abi_version);
	EXPECT_EQ(V3C_FORMAT_MAJOR, v.format_major);
	EXPECT_TRUE(v.features & V3CHKPT_FEAT_MEMORY_STORE);
	EXPECT_EQ(0, strncmp(v.module_version, "v3chkpt", 7));
	EXPECT_EQ(sizeof(v), v.size);
}

TEST_F(dev, version_size_too_small)
{
	struct v3chkpt_version v = { .size = 8 };

	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, V3CHKPT_IOC_VERSION, &v)));
}

TEST_F(dev, version_larger_struct_zero_tail_accepted)
{
	struct { struct v3chkpt_version v; uint8_t future[64]; } big;

	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	ASSERT_EQ(0, ioctl(self->fd, V3CHKPT_IOC_VERSION, &big));
	EXPECT_EQ(V3CHKPT_ABI_VERSION, big.v.abi_version);
}

TEST_F(dev, version_larger_struct_nonzero_tail_e2big)
{
	struct { struct v3chkpt_version v; uint8_t future[64]; } big;

	memset(&big, 0, sizeof(big));
	big.v.size = sizeof(big);
	big.future[10] = 1;
	EXPECT_EQ(-E2BIG, ret_errno(ioctl(self->fd, V3CHKPT_IOC_VERSION, &big)));
}

TEST_F(dev, version_size_beyond_page_e2big)
{
	struct v3chkpt_version v = { .size = 1 << 20 };

	EXPECT_EQ(-E2BIG, ret_errno(ioctl(self->fd, V3CHKPT_IOC_VERSION, &v)));
}

TEST_F(dev, version_flags_and_reserved_must_be_zero)
{
	struct v3chkpt_version v = { .size = sizeof(v), .flags = 1 };

	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, V3CHKPT_IOC_VERSION, &v)));
	v.flags = 0;
	v.reserved0 = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, V3CHKPT_IOC_VERSION, &v)));
}

TEST_F(dev, bad_user_pointer_efault)
{
	EXPECT_EQ(-EFAULT, ret_errno(ioctl(self->fd, V3CHKPT_IOC_VERSION, (void *)16)));
	EXPECT_EQ(-EFAULT, sess(self->fd, (const char *)16, "x", V3CHKPT_MODE_SAVE));
}

TEST_F(dev, unknown_commands_enotty)
{
	int s;

	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd, _IO('X', 1), 0)));
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd, _IO(V3CHKPT_IOC_MAGIC, 0x7f), 0)));
	/* session commands are not device commands, and vice versa */
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd, V3CHKPT_IOC_COMMIT, 0)));
	s = sess(self->fd, "memory", "enotty", V3CHKPT_MODE_SAVE);
	ASSERT_LE(0, s);
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(s, V3CHKPT_IOC_MEM_LIST, 0)));
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(s, _IO(V3CHKPT_IOC_MAGIC, 0x7f), 0)));
	close(s);
}

/* Every command with an argument struct: its first version's size. */
static const struct { unsigned long cmd; uint32_t ver0; int on_sess; } cmds[] = {
	{ V3CHKPT_IOC_VERSION, V3CHKPT_VERSION_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_OPEN, V3CHKPT_OPEN_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_MEM_LIST, V3CHKPT_MEM_LIST_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_MEM_DELETE, V3CHKPT_MEM_DELETE_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_VM_CREATE, V3CHKPT_VM_CREATE_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_VM_LIST, V3CHKPT_VM_LIST_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_VM_CTL, V3CHKPT_VM_CTL_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_VM_DIGEST, V3CHKPT_VM_DIGEST_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_VM_SAVE, V3CHKPT_VM_XFER_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_VM_LOAD, V3CHKPT_VM_XFER_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_VM_MAP, V3CHKPT_VM_MAP_SIZE_VER0, 0 },
	{ V3CHKPT_IOC_CTX_OPEN, V3CHKPT_CTX_OPEN_SIZE_VER0, 1 },
	{ V3CHKPT_IOC_BLOB_SAVE, V3CHKPT_BLOB_SIZE_VER0, 1 },
	{ V3CHKPT_IOC_BLOB_LOAD, V3CHKPT_BLOB_SIZE_VER0, 1 },
	{ V3CHKPT_IOC_BLOB_LEN, V3CHKPT_BLOB_SIZE_VER0, 1 },
};

TEST_F(dev, every_command_size_below_ver0_einval)
{
	uint32_t buf[1024] = { 0 };
	unsigned int i;
	int s, fd;

	s = sess(self->fd, "memory", "ver0", V3CHKPT_MODE_SAVE);
	ASSERT_LE(0, s);
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		fd = cmds[i].on_sess ? s : self->fd;
		buf[0] = cmds[i].ver0 - 1;
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(fd, cmds[i].cmd, buf)))
			TH_LOG("command nr 0x%02x, size %u",
			       (unsigned int)_IOC_NR(cmds[i].cmd), buf[0]);
		buf[0] = 0;
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(fd, cmds[i].cmd, buf)))
			TH_LOG("command nr 0x%02x, size 0",
			       (unsigned int)_IOC_NR(cmds[i].cmd));
	}
	close(s);
}

TEST_F(dev, unknown_numbers_enotty_on_each_fd)
{
	/* holes and edges of each fd's command numbers */
	static const unsigned int dev_nr[] = { 0x04, 0x0f, 0x10, 0x15, 0x1f,
					       0x2a, 0xff };
	static const unsigned int sess_nr[] = { 0x00, 0x03, 0x0f, 0x16, 0x20,
						0x26, 0xff };
	uint32_t buf[1024] = { 0 };
	unsigned int i;
	int s;

	s = sess(self->fd, "memory", "nr", V3CHKPT_MODE_SAVE);
	ASSERT_LE(0, s);
	buf[0] = 64;
	for (i = 0; i < ARRAY_SIZE(dev_nr); i++)
		EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd,
			_IOWR(V3CHKPT_IOC_MAGIC, dev_nr[i], uint64_t[8]), buf)))
			TH_LOG("device nr 0x%02x", dev_nr[i]);
	for (i = 0; i < ARRAY_SIZE(sess_nr); i++)
		EXPECT_EQ(-ENOTTY, ret_errno(ioctl(s,
			_IOWR(V3CHKPT_IOC_MAGIC, sess_nr[i], uint64_t[8]), buf)))
			TH_LOG("session nr 0x%02x", sess_nr[i]);
	/* a known number under another type */
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd,
		_IOWR('X', _IOC_NR(V3CHKPT_IOC_VERSION), struct v3chkpt_version), buf)));
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(s, _IO('X', _IOC_NR(V3CHKPT_IOC_COMMIT)), 0)));
	close(s);
}

/* The ABI matches type and number; size and direction bits are not used. */
TEST_F(dev, size_and_direction_bits_ignored)
{
	struct v3chkpt_version v = { .size = sizeof(v) };
	int s;

	ASSERT_EQ(0, ioctl(self->fd, _IO(V3CHKPT_IOC_MAGIC, 0x00), &v));
	EXPECT_EQ(V3CHKPT_ABI_VERSION, v.abi_version);
	memset(&v, 0, sizeof(v));
	v.size = sizeof(v);
	ASSERT_EQ(0, ioctl(self->fd, _IOR(V3CHKPT_IOC_MAGIC, 0x00, uint32_t), &v));
	EXPECT_EQ(V3CHKPT_ABI_VERSION, v.abi_version);
	s = sess(self->fd, "memory", "bits", V3CHKPT_MODE_SAVE);
	ASSERT_LE(0, s);
	/* reaches CTX_CLOSE: no context open */
	EXPECT_EQ(-EBADFD, ret_errno(ioctl(s, _IOWR(V3CHKPT_IOC_MAGIC, 0x11,
						    uint64_t), 0)));
	close(s);
}

/* ---- opening sessions ---- */

TEST_F(dev, open_validation)
{
	struct v3chkpt_open o = {
		.size = sizeof(o), .mode = V3CHKPT_MODE_SAVE,
		.store = (uintptr_t)"memory", .url = (uintptr_t)"ok",
	};

	o.mode = 0;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, V3CHKPT_IOC_OPEN, &o)));
	o.mode = 5;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, V3CHKPT_IOC_OPEN, &o)));
	o.mode = V3CHKPT_MODE_SAVE;
	o.flags = 0x100;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, V3CHKPT_IOC_OPEN, &o)));
	o.flags = 0;
	o.reserved[1] = 5;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, V3CHKPT_IOC_OPEN, &o)));
	o.reserved[1] = 0;
	o.size = 16;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, V3CHKPT_IOC_OPEN, &o)));
}

TEST_F(dev, open_unknown_store_enodev)
{
	EXPECT_EQ(-ENODEV, sess(self->fd, "nosuchstore", "x", V3CHKPT_MODE_SAVE));
	EXPECT_EQ(-EINVAL, sess(self->fd, "Bad Name", "x", V3CHKPT_MODE_SAVE));
}

TEST_F(dev, open_bad_memory_keys)
{
	char longkey[300];

	EXPECT_EQ(-EINVAL, sess(self->fd, "memory", "a/b", V3CHKPT_MODE_SAVE));
	EXPECT_EQ(-EINVAL, sess(self->fd, "memory", "", V3CHKPT_MODE_SAVE));
	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, sess(self->fd, "memory", longkey, V3CHKPT_MODE_SAVE));
}

TEST_F(dev, load_missing_checkpoint_enoent)
{
	EXPECT_EQ(-ENOENT, sess(self->fd, "memory", "does-not-exist", V3CHKPT_MODE_LOAD));
}

/* As nobody: what is refused, with a session fd root opened (@arg). */
static int unprivileged_checks(void *arg)
{
	struct v3chkpt_version v = { .size = sizeof(v) };
	struct v3chkpt_mem_list l = { .size = sizeof(l) };
	int s = *(int *)arg, fd, bad = 0;

	fd = dev_fd();
	if (fd < 0)
		return 64;
	bad |= ioctl(fd, V3CHKPT_IOC_VERSION, &v) != 0;		/* allowed */
	bad |= (sess(fd, "memory", "x", V3CHKPT_MODE_SAVE) != -EPERM) << 1;
	bad |= (ret_errno(ioctl(fd, V3CHKPT_IOC_MEM_LIST, &l)) != -EPERM) << 2;
	bad |= (mem_delete(fd, "priv") != -EPERM) << 3;
	/* a session fd handed down by root does not grant privilege */
	bad |= (ctx_open(s, "cpu", 0, 0, 1, NULL) != -EPERM) << 4;
	bad |= (ret_errno(write(s, "x", 1)) != -EBADF) << 5;
	return bad;
}

TEST_F(dev, unprivileged_caller_refused)
{
	int s = sess(self->fd, "memory", "priv", V3CHKPT_MODE_SAVE);

	ASSERT_LE(0, s);
	EXPECT_EQ(0, as_nobody(unprivileged_checks, &s));
	/* and the session is still usable by its privileged owner */
	EXPECT_EQ(0, ctx_open(s, "cpu", 0, 0, 1, NULL));
	close(s);
}

/* ---- round trips ---- */

TEST_F(dev, memory_roundtrip)
{
	static uint8_t big[1 << 20], back[1 << 20];
	char small[64];
	uint32_t got;
	size_t i;
	int s;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 2654435761u >> 13);
	s = sess(self->fd, "memory", "rt", V3CHKPT_MODE_SAVE);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "cpu", 3, 0, 4, NULL));
	ASSERT_EQ(0, SAVE(s, "regs", "abcdef", 7));
	ASSERT_EQ(0, SAVE(s, "big", big, sizeof(big)));
	ASSERT_EQ(0, SAVE(s, "empty", NULL, 0));
	ASSERT_EQ(0, ctx_close(s));
	ASSERT_EQ(0, ctx_open(s, "pit", 0, 0, 1, NULL));
	ASSERT_EQ(0, SAVE(s, "count", "\x01\x02", 2));
	ASSERT_EQ(0, ctx_close(s));
	ASSERT_EQ(0, commit(s));
	close(s);

	s = sess(self->fd, "memory", "rt", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "cpu", 3, 1, 4, &got));
	EXPECT_EQ(4, got);
	/* any order within a context */
	ASSERT_EQ(0, LOAD(s, "big", back, sizeof(back)));
	EXPECT_EQ(0, memcmp(big, back, sizeof(big)));
	ASSERT_EQ(0, LOAD(s, "regs", small, 7));
	EXPECT_STREQ("abcdef", small);
	ASSERT_EQ(0, LOAD(s, "empty", NULL, 0));
	ASSERT_EQ(0, ctx_close(s));
	ASSERT_EQ(0, ctx_open(s, "pit", 0, 1, 1, NULL));
	ASSERT_EQ(0, LOAD(s, "count", small, 2));
	EXPECT_EQ(0, memcmp(small, "\x01\x02", 2));
	ASSERT_EQ(0, ctx_close(s));
	ASSERT_EQ(0, commit(s));
	close(s);
	EXPECT_EQ(0, mem_delete(self->fd, "rt"));
}

TEST_F(dev, export_import_roundtrip)
{
	char buf[64];
	uint8_t *raw;
	size_t len;

	ASSERT_EQ(0, save_sample(self->fd, "exp", "exported"));
	raw = export_raw(self->fd, "exp", &len);
	ASSERT_NE(NULL, raw);
	EXPECT_EQ(0, memcmp(raw, V3C_MAGIC, V3C_MAGIC_LEN));
	ASSERT_EQ(0, import_raw(self->fd, "imp", raw, len));
	ASSERT_EQ(0, load_regs(self->fd, "imp", buf, sizeof(buf)));
	EXPECT_STREQ("exported", buf);
	free(raw);
	mem_delete(self->fd, "exp");
	mem_delete(self->fd, "imp");
}

TEST_F(dev, ctx_next_walks_contexts_in_order)
{
	char name[V3CHKPT_NAME_MAX];
	struct v3chkpt_ctx_open c = {
		.size = sizeof(c), .flags = V3CHKPT_CTX_NEXT,
		.name = (uintptr_t)name, .name_size = sizeof(name),
	};
	int s;

	ASSERT_EQ(0, save_sample(self->fd, "walk", "w"));
	s = sess(self->fd, "memory", "walk", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ioctl(s, V3CHKPT_IOC_CTX_OPEN, &c));
	EXPECT_STREQ("cpu", name);
	EXPECT_EQ(0, c.instance);
	EXPECT_EQ(2, c.version);
	ASSERT_EQ(0, ctx_close(s));
	ASSERT_EQ(0, ioctl(s, V3CHKPT_IOC_CTX_OPEN, &c));
	EXPECT_STREQ("dev", name);
	EXPECT_EQ(1, c.instance);
	ASSERT_EQ(0, ctx_close(s));
	EXPECT_EQ(-ENOENT, ret_errno(ioctl(s, V3CHKPT_IOC_CTX_OPEN, &c)));
	EXPECT_EQ(0, commit(s));
	close(s);
	mem_delete(self->fd, "walk");
}

TEST_F(dev, commit_replaces_and_abort_keeps_previous)
{
	char buf[64];
	int s;

	ASSERT_EQ(0, save_sample(self->fd, "keep", "first"));
	ASSERT_EQ(0, save_sample(self->fd, "keep", "second"));
	ASSERT_EQ(0, load_regs(self->fd, "keep", buf, sizeof(buf)));
	EXPECT_STREQ("second", buf);
	/* a save abandoned halfway (fd closed, no commit) changes nothing */
	s = sess(self->fd, "memory", "keep", V3CHKPT_MODE_SAVE);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "cpu", 0, 0, 2, NULL));
	ASSERT_EQ(0, SAVE(s, "regs", "third", 6));
	close(s);
	ASSERT_EQ(0, load_regs(self->fd, "keep", buf, sizeof(buf)));
	EXPECT_STREQ("second", buf);
	mem_delete(self->fd, "keep");
}

TEST_F(dev, list_and_delete)
{
	struct v3chkpt_mem_entry e[8];
	struct v3chkpt_mem_list l = { .size = sizeof(l) };
	uint32_t i, found = 0;

	ASSERT_EQ(0, save_sample(self->fd, "lst-a", "a"));
	ASSERT_EQ(0, save_sample(self->fd, "lst-b", "b"));
	ASSERT_EQ(0, ioctl(self->fd, V3CHKPT_IOC_MEM_LIST, &l));
	EXPECT_LE(2, l.count);
	l.capacity = 8;
	l.entries = (uintptr_t)e;
	ASSERT_EQ(0, ioctl(self->fd, V3CHKPT_IOC_MEM_LIST, &l));
	for (i = 0; i < l.count && i < 8; i++)
		if (!strncmp(e[i].name, "lst-", 4) && e[i].bytes > V3C_STREAM_HDR_SIZE)
			found++;
	EXPECT_EQ(2, found);
	EXPECT_EQ(0, mem_delete(self->fd, "lst-a"));
	EXPECT_EQ(-ENOENT, mem_delete(self->fd, "lst-a"));
	EXPECT_EQ(-ENOENT, sess(self->fd, "memory", "lst-a", V3CHKPT_MODE_LOAD));
	EXPECT_EQ(0, mem_delete(self->fd, "lst-b"));
	l.flags = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(self->fd, V3CHKPT_IOC_MEM_LIST, &l)));
}

/* ---- context and blob rules ---- */

TEST_F(dev, one_context_at_a_time_ebusy)
{
	int s = sess(self->fd, "memory", "busy", V3CHKPT_MODE_SAVE);

	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "a", 0, 0, 1, NULL));
	EXPECT_EQ(-EBUSY, ctx_open(s, "b", 0, 0, 1, NULL));
	EXPECT_EQ(-EBUSY, commit(s));	/* and the session is still fine */
	EXPECT_EQ(0, ctx_close(s));
	EXPECT_EQ(0, commit(s));
	close(s);
	mem_delete(self->fd, "busy");
}

TEST_F(dev, closed_context_never_reopened)
{
	int s = sess(self->fd, "memory", "reopen", V3CHKPT_MODE_SAVE);

	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "a", 0, 0, 1, NULL));
	ASSERT_EQ(0, ctx_close(s));
	EXPECT_EQ(-EEXIST, ctx_open(s, "a", 0, 0, 1, NULL));
	EXPECT_EQ(0, ctx_open(s, "a", 1, 0, 1, NULL));	/* other instance */
	EXPECT_EQ(0, ctx_close(s));
	close(s);
}

TEST_F(dev, duplicate_tag_eexist)
{
	int s = sess(self->fd, "memory", "dup", V3CHKPT_MODE_SAVE);

	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "a", 0, 0, 1, NULL));
	ASSERT_EQ(0, SAVE(s, "t", "x", 1));
	EXPECT_EQ(-EEXIST, SAVE(s, "t", "y", 1));
	close(s);
}

TEST_F(dev, bad_names_and_tags)
{
	char longname[200];
	int s = sess(self->fd, "memory", "names", V3CHKPT_MODE_SAVE);

	ASSERT_LE(0, s);
	memset(longname, 'n', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	EXPECT_EQ(-ENAMETOOLONG, ctx_open(s, longname, 0, 0, 1, NULL));
	EXPECT_EQ(-EINVAL, ctx_open(s, "tab\there", 0, 0, 1, NULL));
	EXPECT_EQ(-EINVAL, ctx_open(s, "", 0, 0, 1, NULL));
	EXPECT_EQ(-EINVAL, ctx_open(s, "v", 0, 3, 2, NULL));	/* min > max */
	ASSERT_EQ(0, ctx_open(s, "ok", 0, 0, 1, NULL));
	EXPECT_EQ(-EINVAL, SAVE(s, "bad\ntag", "x", 1));
	EXPECT_EQ(-ENAMETOOLONG, SAVE(s, longname, "x", 1));
	EXPECT_EQ(-EFAULT, blob(s, V3CHKPT_IOC_BLOB_SAVE, (const char *)8, "x", 1));
	EXPECT_EQ(0, SAVE(s, "fine", "x", 1));	/* nothing above hurt it */
	close(s);
}

TEST_F(dev, blob_and_close_without_context_ebadfd)
{
	int s = sess(self->fd, "memory", "noctx", V3CHKPT_MODE_SAVE);

	ASSERT_LE(0, s);
	EXPECT_EQ(-EBADFD, SAVE(s, "t", "x", 1));
	EXPECT_EQ(-EBADFD, ctx_close(s));
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 1)));
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(s, V3CHKPT_IOC_COMMIT, 1)));
	close(s);
}

TEST_F(dev, blob_struct_validation)
{
	struct v3chkpt_blob b = {
		.size = sizeof(b), .tag = (uintptr_t)"t",
		.data = (uintptr_t)"x", .len = 1, .flags = 2,
	};
	int s = sess(self->fd, "memory", "bstruct", V3CHKPT_MODE_SAVE);

	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "a", 0, 0, 1, NULL));
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(s, V3CHKPT_IOC_BLOB_SAVE, &b)));
	b.flags = 0;
	b.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(s, V3CHKPT_IOC_BLOB_SAVE, &b)));
	b.reserved[0] = 0;
	b.size = 4;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(s, V3CHKPT_IOC_BLOB_SAVE, &b)));
	close(s);
}

TEST_F(dev, bad_data_pointer_poisons_save_but_keeps_old)
{
	char buf[64];
	int s;

	ASSERT_EQ(0, save_sample(self->fd, "efault", "good"));
	s = sess(self->fd, "memory", "efault", V3CHKPT_MODE_SAVE);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "cpu", 0, 0, 2, NULL));
	EXPECT_EQ(-EFAULT, SAVE(s, "regs", (void *)4096, 100));
	/* the half-written stream can never be committed */
	EXPECT_NE(0, ctx_close(s));
	EXPECT_NE(0, commit(s));
	close(s);
	ASSERT_EQ(0, load_regs(self->fd, "efault", buf, sizeof(buf)));
	EXPECT_STREQ("good", buf);
	mem_delete(self->fd, "efault");
}

/*
 * CTX_OPEN fails EFAULT before it opens anything: a load's context, once
 * opened, is consumed, so an unwritable name buffer or argument must not
 * cost the caller the context.
 */
TEST_F(dev, ctx_open_efault_opens_nothing)
{
	char name[V3CHKPT_NAME_MAX];
	struct v3chkpt_ctx_open next = {
		.size = sizeof(next), .flags = V3CHKPT_CTX_NEXT,
		.name_size = sizeof(name),
	};
	struct v3chkpt_ctx_open *ro;
	void *page;
	int s;

	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, page);
	ASSERT_EQ(0, save_sample(self->fd, "ctxfault", "good"));
	s = sess(self->fd, "memory", "ctxfault", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	/* an unwritable name buffer for CTX_NEXT */
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));
	next.name = (uintptr_t)page;
	EXPECT_EQ(-EFAULT, ret_errno(ioctl(s, V3CHKPT_IOC_CTX_OPEN, &next)));
	next.name = (uintptr_t)name;
	ASSERT_EQ(0, ret_errno(ioctl(s, V3CHKPT_IOC_CTX_OPEN, &next)));
	EXPECT_STREQ("cpu", name);
	ASSERT_EQ(0, ctx_close(s));
	close(s);

	/* a readable but unwritable argument, by name */
	s = sess(self->fd, "memory", "ctxfault", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ | PROT_WRITE));
	ro = page;
	memset(ro, 0, sizeof(*ro));
	ro->size = sizeof(*ro);
	ro->name = (uintptr_t)"cpu";
	ro->version = 2;
	ASSERT_EQ(0, mprotect(page, 4096, PROT_READ));
	EXPECT_EQ(-EFAULT, ret_errno(ioctl(s, V3CHKPT_IOC_CTX_OPEN, ro)));
	EXPECT_EQ(0, ctx_open(s, "cpu", 0, 0, 2, NULL));
	EXPECT_EQ(0, ctx_close(s));
	close(s);
	munmap(page, 4096);
	mem_delete(self->fd, "ctxfault");
}

TEST_F(dev, wrong_mode_operations_ebadf)
{
	char buf[8], name[V3CHKPT_NAME_MAX];
	struct v3chkpt_ctx_open next = {
		.size = sizeof(next), .flags = V3CHKPT_CTX_NEXT,
		.name = (uintptr_t)name, .name_size = sizeof(name),
	};
	int s;

	ASSERT_EQ(0, save_sample(self->fd, "mode", "m"));
	s = sess(self->fd, "memory", "mode", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "cpu", 0, 0, 2, NULL));
	EXPECT_EQ(-EBADF, SAVE(s, "new", "x", 1));
	EXPECT_EQ(-EBADF, ret_errno(read(s, buf, sizeof(buf))));
	EXPECT_EQ(-EBADF, ret_errno(write(s, "x", 1)));
	close(s);
	s = sess(self->fd, "memory", "mode", V3CHKPT_MODE_EXPORT);
	ASSERT_LE(0, s);
	EXPECT_EQ(-EBADF, ctx_open(s, "cpu", 0, 0, 2, NULL));
	EXPECT_EQ(0, commit(s));
	EXPECT_EQ(-EBADFD, ret_errno(read(s, buf, sizeof(buf))));
	close(s);
	s = sess(self->fd, "memory", "mode2", V3CHKPT_MODE_SAVE);
	ASSERT_LE(0, s);
	EXPECT_EQ(-EBADF, ret_errno(ioctl(s, V3CHKPT_IOC_CTX_OPEN, &next)));
	close(s);
	mem_delete(self->fd, "mode");
}

TEST_F(dev, missing_tag_enoent)
{
	char buf[8];
	int s;

	ASSERT_EQ(0, save_sample(self->fd, "mtag", "m"));
	s = sess(self->fd, "memory", "mtag", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "cpu", 0, 0, 2, NULL));
	EXPECT_EQ(-ENOENT, LOAD(s, "nosuchtag", buf, 2));
	EXPECT_EQ(-ENOENT, blob(s, V3CHKPT_IOC_BLOB_LEN, "nosuchtag", NULL, 0));
	EXPECT_EQ(0, LOAD(s, "regs", buf, 2));	/* context still fine */
	close(s);
	mem_delete(self->fd, "mtag");
}

TEST_F(dev, missing_context_enoent)
{
	int s;

	ASSERT_EQ(0, save_sample(self->fd, "mctx", "m"));
	s = sess(self->fd, "memory", "mctx", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	EXPECT_EQ(-ENOENT, ctx_open(s, "nosuchctx", 0, 0, 9, NULL));
	EXPECT_EQ(0, commit(s));	/* the stream itself is fine */
	close(s);
	/* streaming: a context passed over cannot be gone back to */
	s = sess(self->fd, "memory", "mctx", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, ctx_open(s, "dev", 1, 0, 1, NULL));
	EXPECT_EQ(0, ctx_close(s));
	EXPECT_EQ(-ESPIPE, ctx_open(s, "cpu", 0, 0, 2, NULL));
	EXPECT_EQ(-EEXIST, ctx_open(s, "dev", 1, 0, 1, NULL));
	EXPECT_EQ(0, commit(s));
	close(s);
	mem_delete(self->fd, "mctx");
}

TEST_F(dev, length_mismatch_emsgsize)
{
	char buf[64];
	int s;

	ASSERT_EQ(0, save_sample(self->fd, "len", "abc"));
	s = sess(self->fd, "memory", "len", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "cpu", 0, 0, 2, NULL));
	memset(buf, 0x55, sizeof(buf));
	EXPECT_EQ(-EMSGSIZE, LOAD(s, "regs", buf, 3));
	EXPECT_EQ(-EMSGSIZE, LOAD(s, "regs", buf, 5));
	EXPECT_EQ(0x55, (uint8_t)buf[0]);	/* nothing was written */
	EXPECT_EQ(0x55, (uint8_t)buf[4]);
	EXPECT_EQ(0, LOAD(s, "regs", buf, 4));
	EXPECT_STREQ("abc", buf);
	close(s);
	mem_delete(self->fd, "len");
}

TEST_F(dev, context_version_out_of_range)
{
	uint32_t got = 0;
	int s;

	ASSERT_EQ(0, save_sample(self->fd, "ver", "v"));	/* cpu is v2 */
	s = sess(self->fd, "memory", "ver", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	EXPECT_EQ(-EPROTONOSUPPORT, ctx_open(s, "cpu", 0, 0, 1, NULL)); /* too new */
	close(s);
	s = sess(self->fd, "memory", "ver", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	EXPECT_EQ(-EPROTONOSUPPORT, ctx_open(s, "cpu", 0, 3, 5, NULL)); /* too old */
	close(s);
	s = sess(self->fd, "memory", "ver", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	EXPECT_EQ(0, ctx_open(s, "cpu", 0, 1, 7, &got));
	EXPECT_EQ(2, got);
	close(s);
	mem_delete(self->fd, "ver");
}

TEST_F(dev, after_commit_session_is_finished)
{
	int s = sess(self->fd, "memory", "fin", V3CHKPT_MODE_SAVE);

	ASSERT_LE(0, s);
	ASSERT_EQ(0, commit(s));
	EXPECT_EQ(-EBADFD, ctx_open(s, "a", 0, 0, 1, NULL));
	EXPECT_EQ(-EBADFD, commit(s));
	close(s);
	mem_delete(self->fd, "fin");
}

/* ---- hostile streams ---- */

TEST_F_TIMEOUT(dev, corrupted_stream_refused_everywhere, 300)
{
	char buf[64];
	uint8_t *raw;
	size_t len, off;
	int r, refused = 0, tried = 0;

	ASSERT_EQ(0, save_sample(self->fd, "good", "sample"));
	raw = export_raw(self->fd, "good", &len);
	ASSERT_NE(NULL, raw);
	ASSERT_EQ(0, import_raw(self->fd, "copy", raw, len));
	ASSERT_EQ(0, load_everything(self->fd, "copy"));	/* control */
	for (off = 0; off < len; off += 3) {
		raw[off] ^= 0x20;
		ASSERT_EQ(0, import_raw(self->fd, "bad", raw, len));
		r = load_everything(self->fd, "bad");
		tried++;
		if (r == -EBADMSG || r == -EPROTO || r == -EILSEQ ||
		    r == -EPROTONOSUPPORT || r == -EOPNOTSUPP)
			refused++;
		else
			TH_LOG("flip at %zu: got %d", off, r);
		raw[off] ^= 0x20;
	}
	EXPECT_EQ(tried, refused);
	/* the good checkpoint was never touched */
	ASSERT_EQ(0, load_regs(self->fd, "good", buf, sizeof(buf)));
	EXPECT_STREQ("sample", buf);
	free(raw);
	mem_delete(self->fd, "good");
	mem_delete(self->fd, "copy");
	mem_delete(self->fd, "bad");
}

TEST_F_TIMEOUT(dev, truncated_stream_enodata, 300)
{
	uint8_t *raw;
	size_t len, cut;

	ASSERT_EQ(0, save_sample(self->fd, "trunc", "sample"));
	raw = export_raw(self->fd, "trunc", &len);
	ASSERT_NE(NULL, raw);
	for (cut = 0; cut < len; cut += 5) {
		ASSERT_EQ(0, import_raw(self->fd, "cut", raw, cut));
		EXPECT_EQ(-ENODATA, load_everything(self->fd, "cut"))
			TH_LOG("cut at %zu", cut);
	}
	free(raw);
	mem_delete(self->fd, "trunc");
	mem_delete(self->fd, "cut");
}

TEST_F(dev, unknown_records_mandatory_refused_optional_skipped)
{
	struct obuf o;

	o = craft(0x2222, V3C_RF_OPTIONAL, "opt", 3);
	ASSERT_EQ(0, import_raw(self->fd, "opt", o.p, o.len));
	EXPECT_EQ(0, load_everything(self->fd, "opt"));
	free(o.p);
	o = craft(0x2222, 0, "must", 4);
	ASSERT_EQ(0, import_raw(self->fd, "must", o.p, o.len));
	EXPECT_EQ(-EOPNOTSUPP, load_everything(self->fd, "must"));
	free(o.p);
	mem_delete(self->fd, "opt");
	mem_delete(self->fd, "must");
}

TEST_F(dev, stream_name_without_nul_eilseq)
{
	uint8_t p[V3C_CTX_BEGIN_FIXED + 3] = { 0 };
	struct obuf o = { 0 };
	struct v3c_stream_hdr h;
	struct v3c_writer w;

	p[12] = 3;
	memcpy(p + V3C_CTX_BEGIN_FIXED, "cpu", 3);	/* no NUL */
	v3c_writer_init(&w, obuf_write, &o);
	v3c_stream_hdr_init(&h, "selftest");
	v3c_writer_start(&w, &h);
	v3c_writer_record(&w, V3C_REC_CTX_BEGIN, 0, p, sizeof(p));
	v3c_writer_end(&w);
	ASSERT_EQ(0, import_raw(self->fd, "nonul", o.p, o.len));
	EXPECT_EQ(-EILSEQ, load_everything(self->fd, "nonul"));
	free(o.p);
	mem_delete(self->fd, "nonul");
}

TEST_F(dev, duplicate_tag_in_stream_refused)
{
	struct obuf o = { 0 };
	struct v3c_stream_hdr h;
	struct v3c_writer w;

	v3c_writer_init(&w, obuf_write, &o);
	v3c_stream_hdr_init(&h, "selftest");
	v3c_writer_start(&w, &h);
	v3c_writer_ctx_begin(&w, "cpu", 0, 2, 0);
	v3c_writer_blob_begin(&w, "regs", 7);
	v3c_writer_data(&w, "sample", 7);
	v3c_writer_blob_begin(&w, "regs", 7);
	v3c_writer_data(&w, "evil!!", 7);
	v3c_writer_ctx_end(&w);
	v3c_writer_end(&w);
	ASSERT_EQ(0, import_raw(self->fd, "duptag", o.p, o.len));
	EXPECT_EQ(-EBADMSG, load_everything(self->fd, "duptag"));
	write_file("/tmp/duptag.v3c", o.p, o.len);	/* for cli_test.sh */
	free(o.p);
	mem_delete(self->fd, "duptag");
}

TEST_F(dev, not_a_stream_eproto)
{
	static const char junk[200] = "this is not a checkpoint";

	ASSERT_EQ(0, import_raw(self->fd, "junk", junk, sizeof(junk)));
	EXPECT_EQ(-EPROTO, sess(self->fd, "memory", "junk", V3CHKPT_MODE_LOAD));
	mem_delete(self->fd, "junk");
}

/* ---- a store from another module (tests/extstore) ---- */

TEST_F(dev, third_party_store_roundtrip_and_pinned)
{
	char back[16] = { 0 };
	int s = sess(self->fd, "ext", "one", V3CHKPT_MODE_SAVE);

	if (s == -ENODEV)
		SKIP(return, "v3chkpt_extstore.ko not loaded");
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "cpu", 0, 0, 1, NULL));
	ASSERT_EQ(0, SAVE(s, "regs", "external", 9));
	/* an open checkpoint pins the store's module */
	EXPECT_EQ(-1, syscall(__NR_delete_module, "v3chkpt_extstore", O_NONBLOCK));
	EXPECT_TRUE(errno == EWOULDBLOCK || errno == EBUSY);
	ASSERT_EQ(0, ctx_close(s));
	ASSERT_EQ(0, commit(s));
	close(s);
	s = sess(self->fd, "ext", "one", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, ctx_open(s, "cpu", 0, 0, 1, NULL));
	ASSERT_EQ(0, LOAD(s, "regs", back, 9));
	EXPECT_STREQ("external", back);
	ASSERT_EQ(0, ctx_close(s));
	EXPECT_EQ(0, commit(s));
	close(s);
}

/* ---- size ---- */

TEST_F_TIMEOUT(dev, one_gib_checkpoint, 900)
{
	const size_t chunk = 64 << 20, n = 16;
	uint8_t *buf = malloc(chunk), *back = malloc(chunk);
	char name[16];
	size_t i, j;
	int s;

	ASSERT_NE(NULL, buf);
	ASSERT_NE(NULL, back);
	s = sess(self->fd, "memory", "gib", V3CHKPT_MODE_SAVE);
	ASSERT_LE(0, s);
	for (i = 0; i < n; i++) {
		for (j = 0; j < chunk; j += 4096)
			memset(buf + j, (int)(i * 31 + j / 4096), 4096);
		snprintf(name, sizeof(name), "part%zu", i);
		ASSERT_EQ(0, ctx_open(s, name, 0, 0, 1, NULL));
		ASSERT_EQ(0, SAVE(s, "data", buf, chunk));
		ASSERT_EQ(0, ctx_close(s));
	}
	ASSERT_EQ(0, commit(s));
	close(s);
	EXPECT_LT((int64_t)(n * chunk), mem_size(self->fd, "gib"));

	s = sess(self->fd, "memory", "gib", V3CHKPT_MODE_LOAD);
	ASSERT_LE(0, s);
	for (i = 0; i < n; i++) {
		for (j = 0; j < chunk; j += 4096)
			memset(buf + j, (int)(i * 31 + j / 4096), 4096);
		snprintf(name, sizeof(name), "part%zu", i);
		ASSERT_EQ(0, ctx_open(s, name, 0, 0, 1, NULL));
		ASSERT_EQ(0, LOAD(s, "data", back, chunk));
		ASSERT_EQ(0, memcmp(buf, back, chunk)) TH_LOG("part %zu differs", i);
		ASSERT_EQ(0, ctx_close(s));
	}
	ASSERT_EQ(0, commit(s));
	close(s);
	EXPECT_EQ(0, mem_delete(self->fd, "gib"));
	free(buf);
	free(back);
}

TEST_HARNESS_MAIN
