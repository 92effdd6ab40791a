// SPDX-License-Identifier: GPL-2.0
/*
 * v3chkpt_kunit.ko: the KUnit suites of v3chkpt, a module of their own so
 * that v3chkpt.ko carries no test.  They run when it is loaded, after
 * v3chkpt (which it depends on), through v3chkpt's exported API and the
 * internals exported to the V3CHKPT_KUNIT namespace (kmod/kunit_export.h).
 */
#include <linux/module.h>

MODULE_IMPORT_NS(V3CHKPT_KUNIT);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites of v3chkpt");
