/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internals the KUnit suites call, exported to their module
 * (v3chkpt_kunit.ko) alone: in the V3CHKPT_KUNIT namespace, which only it
 * imports, and only when the kernel has KUnit.  Our own spelling of
 * EXPORT_SYMBOL_IF_KUNIT (include/kunit/visibility.h), which 6.1 lacks.
 */
#ifndef _V3CHKPT_KUNIT_EXPORT_H
#define _V3CHKPT_KUNIT_EXPORT_H

#include <linux/export.h>

#if IS_ENABLED(CONFIG_KUNIT)
#define V3_EXPORT_FOR_TESTS(sym) EXPORT_SYMBOL_NS_GPL(sym, V3CHKPT_KUNIT)
#else
#define V3_EXPORT_FOR_TESTS(sym)
#endif

#endif /* _V3CHKPT_KUNIT_EXPORT_H */
