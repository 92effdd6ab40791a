/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the v3chkpt KUnit suites that build VMs. */
#ifndef _V3CHKPT_KUNIT_VM_HELPERS_H
#define _V3CHKPT_KUNIT_VM_HELPERS_H

#include <kunit/test.h>
#include "../../kmod/vm/vm.h"

/*
 * A paused, listed VM with the default workload, stepping without pause.
 * noinline: its assertions would swell the callers' stack frames.
 */
static noinline __maybe_unused struct v3_vm *
v3_kunit_vm(struct kunit *test, const char *name, u64 mem, u32 vcpus)
{
	struct v3chkpt_vm_config cfg = { .mem_bytes = mem, .vcpus = vcpus };
	struct v3_vm *vm;

	cfg.workload.pace_us = 1;
	KUNIT_ASSERT_EQ(test, v3_vm_config_check(&cfg, NULL, -EINVAL), 0);
	vm = v3_vm_alloc(&cfg);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	KUNIT_ASSERT_EQ(test, v3_vm_publish(vm, name), 0);
	return vm;
}

#endif
