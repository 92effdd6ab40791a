// SPDX-License-Identifier: GPL-2.0
/*
 * vm_mutate: the hostile-checkpoint generator (mutate.c) from the command
 * line, and its own test.
 *
 *   vm_mutate --self-test          TAP: the generator is correct (host)
 *   vm_mutate roundtrip FILE       re-encode FILE unchanged: byte-identical?
 *   vm_mutate gen FILE SEED CASE OUT
 *                                  write case CASE of SEED, say what changed
 *
 * FILE is a saved VM as `v3chkpt export memory:KEY FILE` writes it.  A
 * failing case of the guest stage is reproduced with `gen` and the seed
 * and case number it printed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mutate.h"

#define CASES_PER_CLASS	200
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static int read_file(const char *path, u8 **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 20, n;
	u8 *p = malloc(cap), *q;

	*len = 0;
	if (!f || !p) {
		free(p);
		if (f)
			fclose(f);
		return -errno ?: -ENOMEM;
	}
	while ((n = fread(p + *len, 1, cap - *len, f)) > 0) {
		*len += n;
		if (*len < cap)
			continue;
		q = realloc(p, cap *= 2);
		if (!q) {
			free(p);
			fclose(f);
			return -ENOMEM;
		}
		p = q;
	}
	fclose(f);
	*buf = p;
	return 0;
}

static int write_file(const char *path, const u8 *buf, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f)
		return -errno;
	if (fwrite(buf, 1, len, f) != len) {
		fclose(f);
		return -EIO;
	}
	return fclose(f) ? -errno : 0;
}

/* decode + encode: 0 if @buf comes back byte for byte. */
static int roundtrip(const u8 *buf, size_t len)
{
	struct hm_stream s;
	size_t olen;
	u8 *out;
	int ret = hm_decode(buf, len, &s);

	if (ret)
		return ret;
	ret = hm_encode(&s, &out, &olen);
	hm_free(&s);
	if (ret)
		return ret;
	ret = olen == len && !memcmp(out, buf, len) ? 0 : -EBADMSG;
	free(out);
	return ret;
}

/* ---- a synthetic VM stream with the kernel's contexts and tags ---- */

static void blob(struct v3c_writer *w, const char *tag, const void *p, u64 len)
{
	v3c_writer_blob_begin(w, tag, len);
	if (len)
		v3c_writer_data(w, p, len);
}

static void blob64(struct v3c_writer *w, const char *tag, u64 v)
{
	u8 b[8];

	put_unaligned_le64(v, b);
	blob(w, tag, b, 8);
}

static void blob32(struct v3c_writer *w, const char *tag, u32 v)
{
	u8 b[4];

	put_unaligned_le32(v, b);
	blob(w, tag, b, 4);
}

static int synthetic_vm(u8 **out, size_t *len)
{
	static const char * const regs[] = {
		"rax", "rip", "rflags", "cr0", "cr3", "cr4", "efer",
		"cs.base", "cs.limit", "tr.attr",
	};
	static u8 page[4096], zero[512], xsave[576], fifo[16], redir[192];
	struct v3c_stream_hdr h;
	struct v3c_writer w;
	struct membuf m = { 0 };
	unsigned int i, k;
	int ret;

	for (i = 0; i < sizeof(page); i++)
		page[i] = (u8)(i * 13 + 1);
	v3c_writer_init(&w, hm_mb_write, &m);
	v3c_stream_hdr_init(&h, "vm_mutate self-test");
	v3c_writer_start(&w, &h);
	v3c_writer_ctx_begin(&w, "vm", 0, 1, 0);
	blob32(&w, "options", 0);
	blob64(&w, "mem_bytes", 64 << 20);
	blob32(&w, "vcpus", 2);
	blob32(&w, "devices", 0x3f);
	blob32(&w, "wl.ws_pages", 64);
	blob32(&w, "wl.write_pct", 30);
	blob32(&w, "wl.pattern", 0);
	blob32(&w, "wl.accesses", 16);
	blob32(&w, "wl.io_every", 1);
	blob32(&w, "wl.pace_us", 1);
	blob64(&w, "wl.seed", 7);
	v3c_writer_ctx_end(&w);
	for (k = 0; k < 4; k++) {
		v3c_writer_ctx_begin(&w, "mem", k, 1, 0);
		blob64(&w, "first", k * 4096);
		blob32(&w, "count", 4096);
		memset(zero, 0xff, sizeof(zero));
		zero[3] = 0xfe;
		blob(&w, "zero", zero, sizeof(zero));
		blob(&w, "data", page, sizeof(page));
		v3c_writer_ctx_end(&w);
	}
	for (k = 0; k < 2; k++) {
		v3c_writer_ctx_begin(&w, "core", k, 1, 0);
		for (i = 0; i < ARRAY_SIZE(regs); i++)
			blob64(&w, regs[i], i * 0x1111 + k);
		v3c_writer_ctx_end(&w);
		v3c_writer_ctx_begin(&w, "archdep", k, 1, 0);
		blob64(&w, "msr.lstar", 0xffffffff81000000ULL);
		blob64(&w, "xcr0", 7);
		xsave[512] = 3;
		blob(&w, "xsave", xsave, sizeof(xsave));
		v3c_writer_ctx_end(&w);
	}
	v3c_writer_ctx_begin(&w, "pit", 0, 1, 0);
	blob(&w, "ch0.mode", "\x02", 1);
	blob(&w, "ch0.count", "\x00\x01", 2);
	v3c_writer_ctx_end(&w);
	v3c_writer_ctx_begin(&w, "uart", 0, 1, 0);
	blob(&w, "rx_fifo", fifo, sizeof(fifo));
	blob(&w, "rx_count", "\x03", 1);
	blob(&w, "empty", "", 0);
	v3c_writer_ctx_end(&w);
	v3c_writer_ctx_begin(&w, "ioapic", 0, 1, 0);
	blob(&w, "redir", redir, sizeof(redir));
	blob32(&w, "ioregsel", 0x10);
	v3c_writer_ctx_end(&w);
	for (k = 0; k < 2; k++) {
		v3c_writer_ctx_begin(&w, "lapic", k, 1, 0);
		blob32(&w, "id", k << 24);
		blob32(&w, "svr", 0x1ff);
		v3c_writer_ctx_end(&w);
	}
	ret = v3c_writer_end(&w);
	if (ret) {
		free(m.buf);
		return ret;
	}
	*out = m.buf;
	*len = m.len;
	return 0;
}

/* ---- the self-test ---- */

static int tap_n, tap_failed;

static void tap(bool ok, const char *name)
{
	printf("%sok %d vm_mutate: %s\n", ok ? "" : "not ", ++tap_n, name);
	tap_failed += !ok;
}

static int self_test(void)
{
	unsigned int per[HM_NCLASSES] = { 0 }, bad_decode = 0, same = 0,
		     unstable = 0, failed = 0, undamaged = 0, flagged = 0, cls;
	int ret;
	u32 id, n = CASES_PER_CLASS * HM_NCLASSES;
	struct hm_stream base, s;
	u8 *orig, *a, *b;
	size_t len, alen, blen;
	struct hm_case c, c2;
	char name[160];

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n");
	if (synthetic_vm(&orig, &len) || hm_decode(orig, len, &base)) {
		tap(false, "the synthetic VM stream decodes");
		return 1;
	}
	tap(!roundtrip(orig, len),
	    "an unmutated stream re-encodes byte for byte");
	/* A copy re-encodes identically too: the copy loses nothing. */
	if (!hm_copy(&base, &s) && !hm_encode(&s, &a, &alen)) {
		tap(alen == len && !memcmp(a, orig, len),
		    "a copied stream re-encodes byte for byte");
		free(a);
		hm_free(&s);
	} else {
		tap(false, "a copied stream re-encodes byte for byte");
	}
	for (id = 0; id < n; id++) {
		if (hm_make_case(&base, 0x5eed, id, &c, &a, &alen)) {
			printf("# case %u: generation failed\n", id);
			failed++;
			continue;
		}
		per[c.cls]++;
		/*
		 * Every check recomputed: the codec accepts the whole stream,
		 * unless the case set an unknown flag (refused by meaning).
		 */
		ret = hm_decode(a, alen, &s);
		if (!ret) {
			hm_free(&s);
		} else if (ret == -EOPNOTSUPP && strstr(c.what, "flags")) {
			flagged++;
		} else {
			printf("# case %u (%s): does not decode (%d)\n", id,
			       c.what, ret);
			bad_decode++;
		}
		if (alen == len && !memcmp(a, orig, len)) {
			printf("# case %u (%s): nothing changed\n", id, c.what);
			same++;
		}
		if (hm_make_case(&base, 0x5eed, id, &c2, &b, &blen) ||
		    blen != alen || memcmp(a, b, alen) ||
		    strcmp(c.what, c2.what)) {
			printf("# case %u: not reproducible\n", id);
			unstable++;
		} else {
			free(b);
		}
		/* ...and the checks are real: one damaged byte is refused. */
		a[alen / 2] ^= 0x40;
		if (!hm_decode(a, alen, &s)) {
			hm_free(&s);
			undamaged++;
		}
		if (id < 2 * HM_NCLASSES)
			printf("# case %u %s: %s\n", id, hm_class_name(c.cls),
			       c.what);
		free(a);
	}
	tap(!failed, "every case is generated");
	snprintf(name, sizeof(name),
		 "all %u cases decode: every checksum recomputed (%u refused for an unknown flag)",
		 n, flagged);
	tap(!bad_decode, name);
	tap(!same, "every case changes the stream");
	tap(!unstable, "a seed and case number give the same stream again");
	tap(!undamaged, "a byte damaged after mutation is refused by the codec");
	for (cls = 0; cls < HM_NCLASSES; cls++) {
		snprintf(name, sizeof(name), "class %s: %u cases",
			 hm_class_name(cls), per[cls]);
		tap(per[cls] == CASES_PER_CLASS, name);
	}
	hm_free(&base);
	free(orig);
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct hm_stream base;
	struct hm_case c;
	u8 *buf, *out;
	size_t len, olen;
	int ret;

	if (argc == 2 && !strcmp(argv[1], "--self-test"))
		return self_test();
	if (argc == 3 && !strcmp(argv[1], "roundtrip")) {
		ret = read_file(argv[2], &buf, &len) ?: roundtrip(buf, len);
		printf("%s: %s\n", argv[2], ret ? strerror(-ret) :
		       "re-encoded byte for byte");
		return !!ret;
	}
	if (argc == 6 && !strcmp(argv[1], "gen")) {
		ret = read_file(argv[2], &buf, &len) ?:
		      hm_decode(buf, len, &base);
		if (ret) {
			fprintf(stderr, "vm_mutate: %s: %s\n", argv[2],
				strerror(-ret));
			return 1;
		}
		ret = hm_make_case(&base, strtoull(argv[3], NULL, 0),
				   strtoul(argv[4], NULL, 0), &c, &out, &olen) ?:
		      write_file(argv[5], out, olen);
		if (ret) {
			fprintf(stderr, "vm_mutate: %s\n", strerror(-ret));
			return 1;
		}
		printf("case %s seed %s class %s: %s%s\n", argv[4], argv[3],
		       hm_class_name(c.cls), c.what,
		       c.big_mem ? " (declares more than 256 MiB)" : "");
		return 0;
	}
	fprintf(stderr,
		"usage: vm_mutate --self-test | roundtrip FILE | gen FILE SEED CASE OUT\n");
	return 2;
}
