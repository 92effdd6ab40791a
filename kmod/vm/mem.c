// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: module-owned pages behind the EPT, counted, allocated
 * after admission and never at the price of an OOM kill.  The accessor is
 * in mem_access.c, checkpoints of memory in mem_chkpt.c, mmap in mem_map.c.
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include "../admit.h"
#include "../kunit_export.h"
#include "pages.h"
#include "vm.h"

atomic_long_t v3_vm_pages_in_use = ATOMIC_LONG_INIT(0);
V3_EXPORT_FOR_TESTS(v3_vm_pages_in_use);

/*
 * 2 MiB at a time where the allocator has it (one call instead of 512,
 * split into independent pages), else page by page.
 */
#define V3_MEM_BATCH_ORDER	9

static int mem_alloc_batch(struct v3_mem *m, unsigned long first,
			   unsigned long n)
{
	struct page *pg = NULL;
	unsigned long i;

	if (n == 1UL << V3_MEM_BATCH_ORDER)
		pg = alloc_pages(V3_MEM_GFP | __GFP_ZERO | __GFP_NORETRY,
				 V3_MEM_BATCH_ORDER);
	if (pg) {
		split_page(pg, V3_MEM_BATCH_ORDER);
		atomic_long_add(n, &v3_vm_pages_in_use);
		for (i = 0; i < n; i++)
			m->pages[first + i] = pg + i;
		return 0;
	}
	for (i = 0; i < n; i++) {
		m->pages[first + i] = v3_vm_alloc_page(V3_MEM_GFP | __GFP_ZERO);
		if (!m->pages[first + i])
			return -ENOMEM;
	}
	return 0;
}

int v3_mem_init(struct v3_mem *m, u64 bytes)
{
	unsigned long i, n, batch = 1UL << V3_MEM_BATCH_ORDER;
	int ret;

	m->npages = bytes >> PAGE_SHIFT;
	m->low_pages = min_t(unsigned long, m->npages,
			     V3_MEM_LOW_LIMIT >> PAGE_SHIFT);
	ret = v3_admit_pages(m->npages);
	if (ret)
		return ret;
	m->pages = kvcalloc(m->npages, sizeof(*m->pages), V3_MEM_GFP);
	if (!m->pages)
		return -ENOMEM;
	ret = v3_ept_init(&m->ept);
	if (ret)
		goto err;
	for (i = 0; i < m->npages; i += n) {
		n = min(batch, m->npages - i);
		ret = mem_alloc_batch(m, i, n);
		if (ret)
			goto err;
		ret = -EINTR;
		if (fatal_signal_pending(current))
			goto err;
		cond_resched();
	}
	for (i = 0; i < m->npages; i++) {
		ret = v3_ept_map(&m->ept, v3_mem_idx_to_gpa(m, i), m->pages[i],
				 V3_EPT_RWX);
		if (ret)
			goto err;
	}
	return 0;
err:
	v3_mem_destroy(m);
	return ret;
}

void v3_mem_destroy(struct v3_mem *m)
{
	unsigned long i;

	v3_ept_destroy(&m->ept);
	if (m->pages) {
		for (i = 0; i < m->npages; i++) {
			if (m->pages[i])
				v3_vm_free_page(m->pages[i]);
			if (!(i & 4095))
				cond_resched();
		}
	}
	kvfree(m->pages);
	m->pages = NULL;
}
