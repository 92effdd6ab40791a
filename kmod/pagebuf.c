// SPDX-License-Identifier: GPL-2.0
/* XArray-of-pages byte buffer; see pagebuf.h. */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include "admit.h"
#include "pagebuf.h"
#include "kunit_export.h"

/* Checkpoint data can be large: never warn, and charge it to the caller. */
/* A stream's data never wakes the OOM killer: it fails with ENOMEM. */
#define V3_PAGEBUF_GFP (GFP_KERNEL_ACCOUNT | __GFP_RETRY_MAYFAIL | __GFP_NOWARN)

struct v3_pagebuf *v3_pagebuf_alloc(void)
{
	struct v3_pagebuf *pb = kzalloc(sizeof(*pb), GFP_KERNEL);

	if (!pb)
		return NULL;
	xa_init(&pb->pages);
	kref_init(&pb->ref);
	return pb;
}
V3_EXPORT_FOR_TESTS(v3_pagebuf_alloc);

void v3_pagebuf_get(struct v3_pagebuf *pb)
{
	kref_get(&pb->ref);
}

static void v3_pagebuf_release(struct kref *ref)
{
	struct v3_pagebuf *pb = container_of(ref, struct v3_pagebuf, ref);
	struct page *page;
	unsigned long idx;

	xa_for_each(&pb->pages, idx, page) {
		__free_page(page);
		if (!(idx & 1023))
			cond_resched();
	}
	xa_destroy(&pb->pages);
	kfree(pb);
}

void v3_pagebuf_put(struct v3_pagebuf *pb)
{
	if (pb)
		kref_put(&pb->ref, v3_pagebuf_release);
}
V3_EXPORT_FOR_TESTS(v3_pagebuf_put);

void *v3_pagebuf_tail(struct v3_pagebuf *pb, size_t *avail)
{
	unsigned long idx = pb->size >> PAGE_SHIFT;
	size_t off = offset_in_page(pb->size);
	struct page *page = xa_load(&pb->pages, idx);

	if (!page) {
		/* Weighed once a MiB: si_mem_available() is not free. */
		if (!(idx & 255) && v3_admit_pages(256))
			return NULL;
		page = alloc_page(V3_PAGEBUF_GFP);
		if (!page)
			return NULL;
		if (xa_err(xa_store(&pb->pages, idx, page, GFP_KERNEL_ACCOUNT))) {
			__free_page(page);
			return NULL;
		}
	}
	*avail = PAGE_SIZE - off;
	return page_address(page) + off;
}

void v3_pagebuf_commit(struct v3_pagebuf *pb, size_t len)
{
	pb->size += len;
}

/* All of @len or nothing: on failure the size is as it was. */
int v3_pagebuf_append(struct v3_pagebuf *pb, const void *buf, size_t len)
{
	u64 old = pb->size;

	while (len) {
		size_t avail, n;
		void *dst = v3_pagebuf_tail(pb, &avail);

		if (!dst) {
			pb->size = old;	/* pages stay, reused by the next append */
			return -ENOMEM;
		}
		n = min(len, avail);
		memcpy(dst, buf, n);
		v3_pagebuf_commit(pb, n);
		buf += n;
		len -= n;
		if (!offset_in_page(pb->size))
			cond_resched();
	}
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_pagebuf_append);

size_t v3_pagebuf_read(struct v3_pagebuf *pb, u64 off, void *buf, size_t len)
{
	size_t done = 0;

	if (off >= pb->size)
		return 0;
	len = min_t(u64, len, pb->size - off);
	while (done < len) {
		struct page *page = xa_load(&pb->pages, off >> PAGE_SHIFT);
		size_t poff = offset_in_page(off);
		size_t n = min_t(size_t, len - done, PAGE_SIZE - poff);

		memcpy(buf + done, page_address(page) + poff, n);
		done += n;
		off += n;
	}
	return done;
}
V3_EXPORT_FOR_TESTS(v3_pagebuf_read);

int v3_pagebuf_copy_to_iter(struct v3_pagebuf *pb, u64 off, u64 len,
			    struct iov_iter *to)
{
	if (off > pb->size || len > pb->size - off)
		return -EINVAL;
	while (len) {
		struct page *page = xa_load(&pb->pages, off >> PAGE_SHIFT);
		size_t poff = offset_in_page(off);
		size_t n = min_t(u64, len, PAGE_SIZE - poff);

		if (copy_page_to_iter(page, poff, n, to) != n)
			return -EFAULT;
		off += n;
		len -= n;
		if (!offset_in_page(off)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	return 0;
}
