// SPDX-License-Identifier: GPL-2.0
/* The VMM-side accessor of guest memory (device models, I/O emulation). */
#include <linux/mm.h>
#include <linux/string.h>
#include "vm.h"
#include "../kunit_export.h"

/*
 * The one way the VMM and its device models touch guest memory (not
 * through the EPT, as a real VMM does not), so that writes made here can
 * be tracked alongside the guest's own.
 */
static int gpa_copy(struct v3_vm *vm, u64 gpa, void *buf, size_t len,
		    bool write)
{
	while (len) {
		long idx = v3_mem_gpa_to_idx(&vm->mem, gpa);
		size_t off = offset_in_page(gpa);
		size_t n = min_t(size_t, len, PAGE_SIZE - off);
		u8 *p;

		if (idx < 0)
			return -EFAULT;
		p = page_address(vm->mem.pages[idx]) + off;
		if (write) {
			memcpy(p, buf, n);
			/* after the write: a harvest between misses nothing */
			v3_mark_page_dirty(vm, idx);
		} else {
			memcpy(buf, p, n);
		}
		buf += n;
		gpa += n;
		len -= n;
	}
	return 0;
}

int v3_gpa_write(struct v3_vm *vm, u64 gpa, const void *buf, size_t len)
{
	return gpa_copy(vm, gpa, (void *)buf, len, true);
}
V3_EXPORT_FOR_TESTS(v3_gpa_write);

int v3_gpa_read(struct v3_vm *vm, u64 gpa, void *buf, size_t len)
{
	return gpa_copy(vm, gpa, buf, len, false);
}
V3_EXPORT_FOR_TESTS(v3_gpa_read);
