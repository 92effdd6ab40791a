/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared by the userspace codec tests (codec_test.c, live_test.c): a
 * stream in memory that the codec's writer and reader can target, and
 * the TAP-friendly CHECK() that fails a test case with its line.
 */
#ifndef _V3CHKPT_TEST_CODEC_HELPERS_H
#define _V3CHKPT_TEST_CODEC_HELPERS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <v3chkpt/format.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define CHECK(cond) do {						\
	if (!(cond)) {							\
		printf("# %s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
		return 1;						\
	}								\
} while (0)

struct mem {
	u8 *buf;
	size_t len, cap, pos;
	size_t limit;		/* read: pretend the stream ends here */
};

static inline int mem_write(void *priv, const void *buf, size_t len)
{
	struct mem *m = priv;

	if (m->len + len > m->cap) {
		m->cap = (m->len + len) * 2;
		m->buf = realloc(m->buf, m->cap);
		if (!m->buf)
			return -ENOMEM;
	}
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

static inline ssize_t mem_read(void *priv, void *buf, size_t len)
{
	struct mem *m = priv;
	size_t end = m->limit ? m->limit : m->len;
	size_t n = end - m->pos < len ? end - m->pos : len;

	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	return n;
}

#endif /* _V3CHKPT_TEST_CODEC_HELPERS_H */
