// SPDX-License-Identifier: GPL-2.0
/*
 * debugfs: counters tests read to prove that nothing leaked, where
 * kmemleak cannot look (pages come from the page allocator).
 *
 *   /sys/kernel/debug/v3chkpt/vm_pages_in_use   pages the VM model holds
 */
#include <linux/debugfs.h>
#include "debugfs.h"
#include "vm/pages.h"

static struct dentry *v3_debugfs_dir;

static int vm_pages_get(void *data, u64 *val)
{
	*val = atomic_long_read(&v3_vm_pages_in_use);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(vm_pages_fops, vm_pages_get, NULL, "%llu\n");

/* Optional: without debugfs the module works the same. */
void v3_debugfs_init(void)
{
	v3_debugfs_dir = debugfs_create_dir("v3chkpt", NULL);
	debugfs_create_file_unsafe("vm_pages_in_use", 0400, v3_debugfs_dir, NULL,
				   &vm_pages_fops);
}

void v3_debugfs_exit(void)
{
	debugfs_remove_recursive(v3_debugfs_dir);
}
