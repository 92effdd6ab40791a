// SPDX-License-Identifier: GPL-2.0
/*
 * v3chkpt: checkpoint/restore and live migration for a Palacios-style VMM.
 * Module entry: the built-in stores and the control device.
 */
#include <linux/module.h>
#include "chardev.h"
#include "core.h"
#include "debugfs.h"
#include "../stores/dir.h"
#include "../stores/memory.h"
#include "../stores/net.h"
#include "vm/vm.h"

static int __init v3chkpt_init(void)
{
	int ret;

	ret = v3_memstore_init();
	if (ret)
		return ret;
	ret = v3_dirstore_init();
	if (ret)
		goto err_mem;
	ret = v3_netstore_init();
	if (ret)
		goto err_dir;
	ret = v3_mem_map_init();
	if (ret)
		goto err_net;
	ret = v3_chardev_init();
	if (ret)
		goto err_map;
	v3_debugfs_init();
	pr_info("v3chkpt: loaded (%s)\n", V3CHKPT_PRODUCER);
	return 0;

err_map:
	v3_mem_map_exit();
err_net:
	v3_netstore_exit();
err_dir:
	v3_dirstore_exit();
err_mem:
	v3_memstore_exit();
	return ret;
}

static void __exit v3chkpt_exit(void)
{
	v3_chardev_exit();
	v3_debugfs_exit();
	/* No new VMs once the device is gone; stop and free the rest. */
	v3_vms_exit();
	v3_mem_map_exit();
	v3_netstore_exit();
	v3_dirstore_exit();
	v3_memstore_exit();
}

module_init(v3chkpt_init);
module_exit(v3chkpt_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Checkpoint/restore and live migration for a Palacios-style VMM");
MODULE_VERSION("0.1");
