// SPDX-License-Identifier: GPL-2.0
/*
 * Built with -m32 and run on the 64-bit kernel: the ioctl ABI through
 * compat_ioctl.  Every struct must mean the same to a 32-bit caller (all
 * pointers travel as __u64).  Prints TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/v3chkpt.h>

static int n, failed;

static void tap(int ok, const char *name)
{
	n++;
	failed += !ok;
	printf("%sok %d compat32.%s\n", ok ? "" : "not ", n, name);
}

static int sess(int dev, const char *url, uint32_t mode)
{
	struct v3chkpt_open o = {
		.size = sizeof(o), .mode = mode,
		.store = (uintptr_t)"memory", .url = (uintptr_t)url,
	};

	return ioctl(dev, V3CHKPT_IOC_OPEN, &o);
}

static int ctx(int s, const char *name)
{
	struct v3chkpt_ctx_open c = {
		.size = sizeof(c), .name = (uintptr_t)name, .version = 1,
	};

	return ioctl(s, V3CHKPT_IOC_CTX_OPEN, &c);
}

static int blob(int s, unsigned long cmd, const char *tag, void *p, uint64_t len)
{
	struct v3chkpt_blob b = {
		.size = sizeof(b), .tag = (uintptr_t)tag,
		.data = (uintptr_t)p, .len = len,
	};

	return ioctl(s, cmd, &b);
}

static void d_key(int dev, const char *key)
{
	struct v3chkpt_mem_delete d = { .size = sizeof(d), .name = (uintptr_t)key };

	ioctl(dev, V3CHKPT_IOC_MEM_DELETE, &d);
}

static int vm_ctl(int dev, const char *name, uint32_t op, uint64_t count)
{
	struct v3chkpt_vm_ctl c = { .size = sizeof(c), .op = op, .count = count };

	snprintf(c.name, sizeof(c.name), "%s", name);
	return ioctl(dev, V3CHKPT_IOC_VM_CTL, &c);
}

static uint64_t vm_digest(int dev, const char *name)
{
	struct v3chkpt_vm_digest d = { .size = sizeof(d) };

	snprintf(d.name, sizeof(d.name), "%s", name);
	return ioctl(dev, V3CHKPT_IOC_VM_DIGEST, &d) ? 0 : d.total;
}

/* Every VM ioctl from a 32-bit process: the layouts are the same. */
static int vm_roundtrip(int dev)
{
	struct v3chkpt_vm_create c = { .size = sizeof(c), .name = "c32vm" };
	struct v3chkpt_vm_entry e[4];
	struct v3chkpt_vm_list l = {
		.size = sizeof(l), .capacity = 4, .entries = (uintptr_t)e,
	};
	char msg[256] = "";
	unsigned int i;
	struct v3chkpt_vm_xfer x = {
		.size = sizeof(x), .name = "c32vm2", .flags = V3CHKPT_VM_LOAD_CREATE,
		.store = (uintptr_t)"memory", .url = (uintptr_t)"c32vm",
		.errmsg = (uintptr_t)msg, .errmsg_size = sizeof(msg),
	};
	int ok;

	c.config.mem_bytes = 64 << 20;
	c.config.vcpus = 1;
	c.config.workload.seed = 32;
	if (ioctl(dev, V3CHKPT_IOC_VM_CREATE, &c))
		return 0;
	ok = c.config.workload.ws_pages == 1024 &&	/* defaults came back */
	     !vm_ctl(dev, "c32vm", V3CHKPT_VM_OP_STEP, 20) &&
	     !ioctl(dev, V3CHKPT_IOC_VM_LIST, &l) && l.count >= 1;
	for (i = 0; ok && i < l.count && i < 4; i++)
		if (!strcmp(e[i].name, "c32vm"))
			break;
	ok = ok && i < l.count && i < 4 && e[i].steps == 20 &&
	     e[i].state == V3CHKPT_VM_PAUSED;
	strcpy(x.name, "c32vm");
	x.flags = 0;
	ok = ok && !ioctl(dev, V3CHKPT_IOC_VM_SAVE, &x);
	strcpy(x.name, "c32vm2");
	x.flags = V3CHKPT_VM_LOAD_CREATE;
	ok = ok && !ioctl(dev, V3CHKPT_IOC_VM_LOAD, &x) &&
	     vm_digest(dev, "c32vm") && vm_digest(dev, "c32vm") == vm_digest(dev, "c32vm2");
	if (!ok && msg[0])
		printf("# %s\n", msg);
	vm_ctl(dev, "c32vm", V3CHKPT_VM_OP_DESTROY, 0);
	vm_ctl(dev, "c32vm2", V3CHKPT_VM_OP_DESTROY, 0);
	d_key(dev, "c32vm");
	return ok;
}

/* The dirty tracker: start, a write through a mapping, harvests. */
static int dirty_roundtrip(int dev)
{
	struct v3chkpt_vm_create c = { .size = sizeof(c), .name = "c32dirty" };
	struct v3chkpt_vm_map m = { .size = sizeof(m), .name = "c32dirty" };
	struct v3chkpt_vm_dirty d = {
		.size = sizeof(d), .name = "c32dirty", .mode = V3CHKPT_DIRTY_WP,
	};
	static uint64_t bm[2048 / 8];	/* 16384 frames */
	struct v3chkpt_dirty_harvest h = {
		.size = sizeof(h), .bitmap = (uintptr_t)bm,
		.bitmap_bytes = sizeof(bm) - 8,
	};
	int mfd, tfd, ok = 0;
	uint8_t *p;

	c.config.mem_bytes = 64 << 20;
	c.config.vcpus = 1;
	if (ioctl(dev, V3CHKPT_IOC_VM_CREATE, &c))
		return 0;
	mfd = ioctl(dev, V3CHKPT_IOC_VM_MAP, &m);
	p = mfd < 0 ? MAP_FAILED : mmap(NULL, 64 << 20, PROT_READ | PROT_WRITE,
					MAP_SHARED, mfd, 0);
	tfd = ioctl(dev, V3CHKPT_IOC_VM_DIRTY, &d);
	if (p != MAP_FAILED && tfd >= 0) {
		p[300 * 4096 + 5] = 1;
		ok = ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, &h) < 0 &&
		     errno == ENOBUFS && h.frames == 16384;
		h.frames = 0;
		h.bitmap_bytes = sizeof(bm);
		ok = ok && !ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, &h) &&
		     h.dirty == 1 && bm[300 / 64] == 1ULL << (300 % 64);
	}
	if (p != MAP_FAILED)
		munmap(p, 64 << 20);
	if (tfd >= 0)
		close(tfd);
	if (mfd >= 0)
		close(mfd);
	vm_ctl(dev, "c32dirty", V3CHKPT_VM_OP_DESTROY, 0);
	return ok;
}

int main(void)
{
	struct v3chkpt_version v = { .size = sizeof(v) };
	struct v3chkpt_mem_entry e[4];
	struct v3chkpt_mem_list l = {
		.size = sizeof(l), .capacity = 4, .entries = (uintptr_t)e,
	};
	struct v3chkpt_mem_delete d = { .size = sizeof(d), .name = (uintptr_t)"c32" };
	char back[32] = { 0 };
	int dev, s, ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	tap(sizeof(void *) == 4, "is_a_32bit_process");
	dev = open(V3CHKPT_DEVICE, O_RDWR);
	tap(dev >= 0, "open_device");
	tap(!ioctl(dev, V3CHKPT_IOC_VERSION, &v) && v.abi_version == V3CHKPT_ABI_VERSION,
	    "version_query");
	tap(ioctl(dev, _IO(V3CHKPT_IOC_MAGIC, 0x7f), 0) < 0 && errno == ENOTTY,
	    "unknown_command_enotty");

	s = sess(dev, "c32", V3CHKPT_MODE_SAVE);
	ok = s >= 0 && !ctx(s, "cpu") &&
	     !blob(s, V3CHKPT_IOC_BLOB_SAVE, "regs", "thirty-two", 11) &&
	     !ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 0) && !ioctl(s, V3CHKPT_IOC_COMMIT, 0);
	tap(ok, "save_through_compat_ioctl");
	close(s);

	s = sess(dev, "c32", V3CHKPT_MODE_LOAD);
	ok = s >= 0 && !ctx(s, "cpu") &&
	     !blob(s, V3CHKPT_IOC_BLOB_LOAD, "regs", back, 11) &&
	     !strcmp(back, "thirty-two") && !ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 0) &&
	     !ioctl(s, V3CHKPT_IOC_COMMIT, 0);
	tap(ok, "load_through_compat_ioctl");
	close(s);

	tap(!ioctl(dev, V3CHKPT_IOC_MEM_LIST, &l) && l.count >= 1 &&
	    !ioctl(dev, V3CHKPT_IOC_MEM_DELETE, &d), "list_and_delete");
	tap(vm_roundtrip(dev), "vm_create_step_save_load_digest_through_compat_ioctl");
	tap(dirty_roundtrip(dev), "dirty_tracker_start_and_harvest_through_compat_ioctl");
	close(dev);
	return failed ? 1 : 0;
}
