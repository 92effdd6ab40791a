/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared helpers of the v3chkpt kselftests (v3chkpt_test.c, vm_test.c):
 * the device, memory-store sessions and checkpoints, raw stream export and
 * import, and running code as an unprivileged user.  Each returns 0 (or an
 * fd), or -errno.
 */
#ifndef _V3CHKPT_SELFTEST_HELPERS_H
#define _V3CHKPT_SELFTEST_HELPERS_H

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/v3chkpt.h>

static inline int dev_fd(void)
{
	return open(V3CHKPT_DEVICE, O_RDWR | O_CLOEXEC);
}

static inline int ret_errno(int r)
{
	return r < 0 ? -errno : r;
}

static inline int sess(int dev, const char *store, const char *url,
		       uint32_t mode)
{
	struct v3chkpt_open o = {
		.size = sizeof(o), .mode = mode,
		.store = (uintptr_t)store, .url = (uintptr_t)url,
	};

	return ret_errno(ioctl(dev, V3CHKPT_IOC_OPEN, &o));
}

static inline int commit(int s)
{
	return ret_errno(ioctl(s, V3CHKPT_IOC_COMMIT, 0));
}

static inline int mem_delete(int dev, const char *key)
{
	struct v3chkpt_mem_delete d = { .size = sizeof(d), .name = (uintptr_t)key };

	return ret_errno(ioctl(dev, V3CHKPT_IOC_MEM_DELETE, &d));
}

/*
 * Memory-store checkpoints: up to @cap entries into @e; returns how many
 * exist (possibly more than @cap), or -errno.
 */
static inline int mem_list(int dev, struct v3chkpt_mem_entry *e, uint32_t cap)
{
	struct v3chkpt_mem_list l = {
		.size = sizeof(l), .capacity = cap, .entries = (uintptr_t)e,
	};
	int r = ret_errno(ioctl(dev, V3CHKPT_IOC_MEM_LIST, &l));

	return r ? r : (int)l.count;
}

/* Stream bytes of memory checkpoint @key, or -errno. */
static inline int64_t mem_size(int dev, const char *key)
{
	struct v3chkpt_mem_entry e[64];
	int i, n = mem_list(dev, e, 64);

	if (n < 0)
		return n;
	for (i = 0; i < n && i < 64; i++)
		if (!strcmp(e[i].name, key))
			return e[i].bytes;
	return -ENOENT;
}

/* Whole raw stream of a memory checkpoint (malloc'ed), or NULL. */
static inline uint8_t *export_raw(int dev, const char *key, size_t *len)
{
	size_t cap = 1 << 16;
	uint8_t *buf = malloc(cap), *q;
	int s = sess(dev, "memory", key, V3CHKPT_MODE_EXPORT);
	ssize_t n = 0;

	*len = 0;
	if (s < 0 || !buf) {
		free(buf);
		return NULL;
	}
	while ((n = read(s, buf + *len, cap - *len)) > 0) {
		*len += n;
		if (*len < cap)
			continue;
		q = realloc(buf, cap *= 2);
		if (!q) {
			n = -1;
			break;
		}
		buf = q;
	}
	close(s);
	if (n < 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* Publish @len raw bytes as memory checkpoint @key. */
static inline int import_raw(int dev, const char *key, const void *p,
			     size_t len)
{
	int s = sess(dev, "memory", key, V3CHKPT_MODE_IMPORT);
	size_t off = 0;
	ssize_t n;
	int r = 0;

	if (s < 0)
		return s;
	while (!r && off < len) {
		n = write(s, (const uint8_t *)p + off, len - off);
		if (n <= 0)
			r = n < 0 ? -errno : -EIO;
		else
			off += n;
	}
	if (!r)
		r = commit(s);
	close(s);
	return r;
}

/*
 * Run @fn(@arg) in a child that has dropped every privilege to nobody
 * (uid/gid 65534); its return value is the child's exit status (keep it
 * below 100).  Returns that status, 100 if the child could not drop
 * privileges, 128 + the signal that killed it, or -errno.
 */
static inline int as_nobody(int (*fn)(void *arg), void *arg)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
		    setresuid(65534, 65534, 65534))
			_exit(100);
		_exit(fn(arg));
	}
	if (waitpid(pid, &status, 0) != pid)
		return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

#endif /* _V3CHKPT_SELFTEST_HELPERS_H */
