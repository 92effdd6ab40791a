// SPDX-License-Identifier: GPL-2.0
/*
 * Admission of large allocations (guest memory, staged pages, stream
 * buffers): a request is weighed against what the machine and the
 * caller's memory cgroup can still give, keeping a reserve for everyone
 * else.  Together with __GFP_RETRY_MAYFAIL this keeps a hostile or simply
 * too large checkpoint from making the OOM killer kill another process:
 * the loader gets ENOMEM instead.
 */
#include <linux/memcontrol.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include "admit.h"

/* Pages the caller's memory cgroup (and its parents) can still take. */
static unsigned long memcg_room(void)
{
	unsigned long room = ULONG_MAX;
#ifdef CONFIG_MEMCG
	struct mem_cgroup *memcg, *pos;

	if (mem_cgroup_disabled())
		return room;
	/* without an mm (a migration's thread), the memcg it charges to */
	memcg = get_mem_cgroup_from_mm(current->mm);
	/* The root's limit is "max": harmless to include. */
	for (pos = memcg; pos; pos = parent_mem_cgroup(pos)) {
		unsigned long max = READ_ONCE(pos->memory.max);
		unsigned long used = page_counter_read(&pos->memory);

		room = min(room, max > used ? max - used : 0);
	}
	mem_cgroup_put(memcg);
#endif
	return room;
}

int v3_admit_pages(unsigned long npages)
{
	/* 1/16 of RAM stays free, at least 16 MiB, at most 1 GiB. */
	unsigned long reserve = clamp(totalram_pages() / 16, 4096UL, 262144UL);
	long avail = si_mem_available();

	if (avail < 0 || npages > (unsigned long)avail ||
	    (unsigned long)avail - npages < reserve || npages > memcg_room())
		return -ENOMEM;
	return 0;
}
