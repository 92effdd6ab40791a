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
	close(dev);
	return failed ? 1 : 0;
}
