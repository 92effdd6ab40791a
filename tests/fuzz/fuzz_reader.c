// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the shared codec's reader over arbitrary bytes, walked
 * the way the kernel's load path walks it (contexts, blobs, data, skips),
 * and every section part's data decoded as a page batch, as a RAM
 * section's consumer would (tests/run.sh seeds it with a stream of both).
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

static int fuzz_page(void *priv, u64 gpa, const void *data,
		     enum v3c_page_enc enc)
{
	u64 *sum = priv;

	/* touch every byte handed over: ASan sees any overrun */
	if (data)
		*sum += ((const u8 *)data)[0] + ((const u8 *)data)[V3C_PAGE_SIZE - 1];
	*sum += gpa + enc;
	return 0;
}

static const struct v3c_batch_ops fuzz_ops = { .page = fuzz_page };

/* A part's data (the fuzzer's inputs are small), decoded as a batch. */
static void fuzz_part(struct v3c_reader *r)
{
	static u8 part[16384], scratch[V3C_PAGE_SIZE];
	struct v3c_batch_info info;
	u64 sum = 0;

	if (r->data_len > sizeof(part) ||
	    v3c_reader_data(r, part, r->data_len))
		return;
	/* a bound inside the address space, so ERANGE is reachable */
	v3c_batch_decode(part, r->data_len, 1ULL << 36, &fuzz_ops, &sum,
			 scratch, &info);
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
		if (item == V3C_ITEM_SECTION_PART || item == V3C_ITEM_SECTION_END)
			fuzz_part(&r);
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
