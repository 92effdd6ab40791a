/* SPDX-License-Identifier: GPL-2.0 */
/* Copying extensible ioctl argument structs and strings from userspace. */
#ifndef _V3CHKPT_UARG_H
#define _V3CHKPT_UARG_H

#include <linux/mm.h>
#include <linux/uaccess.h>

/*
 * Read a struct that starts with "__u32 size": at least @minsize bytes, at
 * most a page; bytes beyond what the kernel knows must be zero (-E2BIG).
 */
static inline int v3_get_arg(void *dst, size_t ksize, size_t minsize,
			     unsigned long arg, u32 *usize_out)
{
	void __user *uptr = (void __user *)arg;
	u32 usize;

	if (get_user(usize, (u32 __user *)uptr))
		return -EFAULT;
	if (usize < minsize)
		return -EINVAL;
	if (usize > PAGE_SIZE)
		return -E2BIG;
	if (usize_out)
		*usize_out = usize;
	return copy_struct_from_user(dst, ksize, uptr, usize);
}

/* A NUL-terminated string of at most @size - 1 bytes. */
static inline int v3_get_str(char *buf, size_t size, u64 uptr)
{
	long n;

	if (!uptr)
		return -EFAULT;
	n = strncpy_from_user(buf, u64_to_user_ptr(uptr), size);
	if (n < 0)
		return n;
	if (n == size)
		return -ENAMETOOLONG;
	return 0;
}

static inline bool v3_zeroed(const u64 *words, size_t n)
{
	while (n--)
		if (*words++)
			return false;
	return true;
}

#endif /* _V3CHKPT_UARG_H */
