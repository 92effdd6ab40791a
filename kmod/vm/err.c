// SPDX-License-Identifier: GPL-2.0
/* Failure reasons of VM save and load. */
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/uaccess.h>
#include "../kunit_export.h"
#include "err.h"

int v3_vm_fail(struct v3_vm_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (!err || err->code)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	pr_info_ratelimited("v3chkpt: %s\n", err->msg);
	return code;
}
V3_EXPORT_FOR_TESTS(v3_vm_fail);

void v3_vm_progress(struct v3_vm_err *err, u64 done, u64 total)
{
	struct v3chkpt_progress p = { .done = done, .total = total };

	/* A caller that unmapped its counter only loses the display. */
	if (err && err->progress &&
	    copy_to_user(err->progress, &p, sizeof(p)))
		err->progress = NULL;
}
