// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the shared codec's reader over arbitrary bytes, walked
 * the way the kernel's load path walks it (contexts, blobs, data, skips).
 * Built with V3C_FUZZING, so checksums do not stop it short of the parsers.
 * Any crash, sanitizer report, leak or hang is a bug.
 */
#include <string.h>
#include <v3chkpt/format.h>

struct src {
	const u8 *p;
	size_t len, pos;
};

static ssize_t src_read(void *priv, void *buf, size_t len)
{
	struct src *s = priv;
	size_t n = s->len - s->pos < len ? s->len - s->pos : len;

	memcpy(buf, s->p + s->pos, n);
	s->pos += n;
	return n;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	static struct v3c_reader r;
	struct src s = { data, size, 0 };
	u8 buf[512];
	int item;

	v3c_reader_init(&r, src_read, &s);
	if (v3c_reader_start(&r))
		return 0;
	for (;;) {
		item = v3c_reader_next(&r);
		if (item < 0 || item == V3C_ITEM_END)
			break;
		if (item == V3C_ITEM_BLOB) {
			u64 left = r.data_len;

			while (left) {
				size_t n = left < sizeof(buf) ? left : sizeof(buf);

				if (v3c_reader_data(&r, buf, n))
					return 0;
				left -= n;
			}
		}
	}
	return 0;
}
