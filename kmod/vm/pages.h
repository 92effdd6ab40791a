/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page allocation of the VM model (guest memory, EPT tables, staged pages),
 * counted so that tests can prove destroy and failed loads free them all:
 * kmemleak does not see the page allocator.
 */
#ifndef _V3CHKPT_VM_PAGES_H
#define _V3CHKPT_VM_PAGES_H

#include <linux/atomic.h>
#include <linux/gfp.h>

extern atomic_long_t v3_vm_pages_in_use;

/*
 * Every page of the model: charged to the caller's memory cgroup, and an
 * allocation the machine cannot satisfy fails (ENOMEM) instead of waking
 * the OOM killer, which would kill some other process.
 */
#define V3_MEM_GFP	(GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

static inline struct page *v3_vm_alloc_page(gfp_t gfp)
{
	struct page *page = alloc_page(gfp);

	if (page)
		atomic_long_inc(&v3_vm_pages_in_use);
	return page;
}

static inline void v3_vm_free_page(struct page *page)
{
	__free_page(page);
	atomic_long_dec(&v3_vm_pages_in_use);
}

#endif /* _V3CHKPT_VM_PAGES_H */
