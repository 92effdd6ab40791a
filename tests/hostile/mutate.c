// SPDX-License-Identifier: GPL-2.0
/*
 * Hostile VM checkpoints: decode, mutate in meaning, encode (mutate.h).
 *
 * A mutation changes what the stream says, never how it is framed: the
 * encoder recomputes every record check, context hash and the stream hash,
 * so each case passes the codec and reaches the VM's loaders (the config
 * check, the device models' range checks, the vCPU checks, the ordering
 * and repeat rules).  Values are chosen to be interesting: 0, 1, -1, the
 * signed limits, the old value plus or minus one, one bit flipped, and
 * boundaries such as FIFO sizes and table lengths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "mutate.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static const char * const class_names[HM_NCLASSES] = {
	[HM_DEV] = "device", [HM_LEN] = "length", [HM_CFG] = "config",
	[HM_REG] = "register", [HM_ORDER] = "order", [HM_ID] = "id",
	[HM_MEM] = "memory",
};

const char *hm_class_name(enum hm_class c)
{
	return c < HM_NCLASSES ? class_names[c] : "?";
}

/* ---- decoding and encoding ---- */

static ssize_t mb_read(void *priv, void *buf, size_t len)
{
	struct membuf *m = priv;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	return n;
}

int hm_mb_write(void *priv, const void *buf, size_t len)
{
	struct membuf *m = priv;

	if (m->len + len > m->cap) {
		size_t cap = (m->len + len) * 2;
		u8 *p = realloc(m->buf, cap);

		if (!p)
			return -ENOMEM;
		m->buf = p;
		m->cap = cap;
	}
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

static void *grow(void *v, size_t n, size_t size)
{
	/* room for n + 1 elements, so callers can append or duplicate */
	return realloc(v, (n + 1) * size);
}

void hm_free(struct hm_stream *s)
{
	size_t i, j;

	for (i = 0; i < s->nctxs; i++) {
		for (j = 0; j < s->ctxs[i].nblobs; j++)
			free(s->ctxs[i].blobs[j].data);
		free(s->ctxs[i].blobs);
	}
	free(s->ctxs);
	memset(s, 0, sizeof(*s));
}

int hm_decode(const u8 *buf, size_t len, struct hm_stream *s)
{
	struct membuf m = { .buf = (u8 *)buf, .len = len };
	struct v3c_reader *r = malloc(sizeof(*r));
	struct hm_ctx *c = NULL, *v;
	struct hm_blob *b;
	int item, ret;

	memset(s, 0, sizeof(*s));
	if (!r)
		return -ENOMEM;
	v3c_reader_init(r, mb_read, &m);
	ret = v3c_reader_start(r);
	if (ret)
		goto out;
	s->hdr = r->hdr;
	for (;;) {
		item = v3c_reader_next(r);
		if (item < 0) {
			ret = item;
			goto out;
		}
		switch (item) {
		case V3C_ITEM_CTX_BEGIN:
			v = grow(s->ctxs, s->nctxs, sizeof(*v));
			if (!v)
				goto nomem;
			s->ctxs = v;
			c = &s->ctxs[s->nctxs++];
			memset(c, 0, sizeof(*c));
			memcpy(c->name, r->ctx.name, sizeof(c->name));
			c->instance = r->ctx.instance;
			c->version = r->ctx.version;
			c->flags = r->ctx.flags;
			break;
		case V3C_ITEM_BLOB:
			b = grow(c->blobs, c->nblobs, sizeof(*b));
			if (!b)
				goto nomem;
			c->blobs = b;
			b = &c->blobs[c->nblobs++];
			memcpy(b->tag, r->tag, sizeof(b->tag));
			b->len = r->data_len;
			b->data = malloc(b->len ? b->len : 1);
			if (!b->data)
				goto nomem;
			ret = v3c_reader_data(r, b->data, b->len);
			if (ret)
				goto out;
			break;
		case V3C_ITEM_CTX_END:
			c = NULL;
			break;
		case V3C_ITEM_END:
			/* Bytes after END would be lost on re-encoding. */
			ret = m.pos == m.len ? 0 : -EBADMSG;
			goto out;
		default:	/* sections, optional records: not in VM streams */
			ret = -EOPNOTSUPP;
			goto out;
		}
	}
nomem:
	ret = -ENOMEM;
out:
	free(r);
	if (ret)
		hm_free(s);
	return ret;
}

int hm_encode(const struct hm_stream *s, u8 **out, size_t *len)
{
	struct membuf m = { 0 };
	struct v3c_writer w;
	size_t i, j;
	int ret;

	v3c_writer_init(&w, hm_mb_write, &m);
	ret = v3c_writer_start(&w, &s->hdr);
	for (i = 0; i < s->nctxs && !ret; i++) {
		const struct hm_ctx *c = &s->ctxs[i];

		ret = v3c_writer_ctx_begin(&w, c->name, c->instance, c->version,
					   c->flags);
		for (j = 0; j < c->nblobs && !ret; j++) {
			ret = v3c_writer_blob_begin(&w, c->blobs[j].tag,
						    c->blobs[j].len);
			if (!ret && c->blobs[j].len)
				ret = v3c_writer_data(&w, c->blobs[j].data,
						      c->blobs[j].len);
		}
		if (!ret)
			ret = v3c_writer_ctx_end(&w);
	}
	if (!ret)
		ret = v3c_writer_end(&w);
	if (ret) {
		free(m.buf);
		return ret;
	}
	*out = m.buf;
	*len = m.len;
	return 0;
}

static int blob_copy(const struct hm_blob *src, struct hm_blob *dst)
{
	*dst = *src;
	dst->data = malloc(src->len ? src->len : 1);
	if (!dst->data)
		return -ENOMEM;
	memcpy(dst->data, src->data, src->len);
	return 0;
}

static int ctx_copy(const struct hm_ctx *src, struct hm_ctx *dst)
{
	size_t j;

	*dst = *src;
	dst->nblobs = 0;
	dst->blobs = calloc(src->nblobs + 1, sizeof(*dst->blobs));
	if (!dst->blobs)
		return -ENOMEM;
	for (j = 0; j < src->nblobs; j++) {
		if (blob_copy(&src->blobs[j], &dst->blobs[j]))
			return -ENOMEM;
		dst->nblobs++;
	}
	return 0;
}

int hm_copy(const struct hm_stream *src, struct hm_stream *dst)
{
	size_t i;

	memset(dst, 0, sizeof(*dst));
	dst->hdr = src->hdr;
	dst->ctxs = calloc(src->nctxs + 1, sizeof(*dst->ctxs));
	if (!dst->ctxs)
		return -ENOMEM;
	for (i = 0; i < src->nctxs; i++) {
		int ret = ctx_copy(&src->ctxs[i], &dst->ctxs[i]);

		dst->nctxs++;
		if (ret) {
			hm_free(dst);
			return ret;
		}
	}
	return 0;
}

/* ---- choosing ---- */

struct rng {
	u64 s;
};

static u64 next(struct rng *r)	/* splitmix64 */
{
	u64 z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u32 pick(struct rng *r, u32 n)
{
	return n ? (u32)(next(r) % n) : 0;
}

static u64 width_mask(unsigned int w)
{
	return w >= 8 ? ~0ULL : (1ULL << (8 * w)) - 1;
}

/* An interesting value of @w bytes, never @old. */
static u64 interesting(struct rng *r, u64 old, unsigned int w)
{
	static const u64 bounds[] = {
		2, 3, 5, 7, 8, 15, 16, 17, 23, 24, 25, 31, 32, 63, 64, 127,
		128, 129, 255, 256, 4095, 4096, 4097, 0xffff, 0x10000,
		0x7fffffff, 0x80000000, 0xffffffff, 0x100000000ULL,
	};
	u64 mask = width_mask(w), v;

	switch (pick(r, 12)) {
	case 0:
		v = 0;
		break;
	case 1:
		v = 1;
		break;
	case 2:
		v = mask;			/* -1 */
		break;
	case 3:
		v = mask >> 1;			/* signed max */
		break;
	case 4:
		v = (mask >> 1) + 1;		/* signed min */
		break;
	case 5:
		v = old + 1;
		break;
	case 6:
		v = old - 1;
		break;
	case 7:
	case 8:
		v = old ^ (1ULL << pick(r, 8 * w));
		break;
	case 9:
		v = next(r);
		break;
	default:
		v = bounds[pick(r, ARRAY_SIZE(bounds))];
		break;
	}
	v &= mask;
	return v == old ? (old ^ 1) & mask : v;
}

static u64 get_le(const u8 *p, unsigned int w)
{
	u64 v = 0;

	while (w--)
		v = v << 8 | p[w];
	return v;
}

static void put_le(u8 *p, unsigned int w, u64 v)
{
	unsigned int i;

	for (i = 0; i < w; i++, v >>= 8)
		p[i] = (u8)v;
}

/* The widest element size (8, 4, 2, 1) that divides @len. */
static unsigned int elem_width(u64 len)
{
	return !(len % 8) ? 8 : !(len % 4) ? 4 : !(len % 2) ? 2 : 1;
}

static bool name_in(const char *name, const char * const *names, size_t n)
{
	while (n--)
		if (!strcmp(name, names[n]))
			return true;
	return false;
}

/* A random context whose name is in @names (all if NULL), or -1. */
static long pick_ctx(struct rng *r, const struct hm_stream *s,
		     const char * const *names, size_t n)
{
	size_t i, hits = 0, want;

	for (i = 0; i < s->nctxs; i++)
		hits += !names || name_in(s->ctxs[i].name, names, n);
	if (!hits)
		return -1;
	want = pick(r, hits);
	for (i = 0; i < s->nctxs; i++)
		if ((!names || name_in(s->ctxs[i].name, names, n)) && !want--)
			return i;
	return -1;
}

static struct hm_blob *find_blob(struct hm_ctx *c, const char *tag)
{
	size_t j;

	for (j = 0; j < c->nblobs; j++)
		if (!strcmp(c->blobs[j].tag, tag))
			return &c->blobs[j];
	return NULL;
}

#define SAY(c, ...) snprintf((c)->what, sizeof((c)->what), __VA_ARGS__)

/*
 * Set element @off (@w bytes) of @b to @v and describe it: the one field
 * change most classes make.
 */
static void set_field(struct hm_case *c, const struct hm_ctx *x,
		      struct hm_blob *b, u64 off, unsigned int w, u64 v)
{
	u64 old = get_le(b->data + off, w);

	put_le(b->data + off, w, v);
	if (b->len == w)
		SAY(c, "%s#%u %s: 0x%llx -> 0x%llx", x->name, x->instance,
		    b->tag, (unsigned long long)old, (unsigned long long)v);
	else
		SAY(c, "%s#%u %s[+%llu, %u bytes]: 0x%llx -> 0x%llx", x->name,
		    x->instance, b->tag, (unsigned long long)off, w,
		    (unsigned long long)old, (unsigned long long)v);
}

/*
 * One element of a random non-empty blob of context @i, other than
 * @avoid (so a later change cannot undo an earlier one); the blob changed
 * is left in @used if not NULL.
 */
static int mutate_blob_elem(struct rng *r, struct hm_stream *s, long i,
			    struct hm_case *c, bool bitflips,
			    const struct hm_blob *avoid, struct hm_blob **used)
{
	struct hm_ctx *x;
	struct hm_blob *b;
	unsigned int w;
	u64 off, old, v;

	if (i < 0 || !s->ctxs[i].nblobs)
		return -ENOENT;
	x = &s->ctxs[i];
	b = &x->blobs[pick(r, x->nblobs)];
	if (!b->len || b == avoid)
		return -ENOENT;
	if (used)
		*used = b;
	w = elem_width(b->len);
	if (w > 1 && !pick(r, 4))
		w = 1;		/* a byte of a wider field or array */
	off = (u64)pick(r, b->len / w) * w;
	old = get_le(b->data + off, w);
	v = bitflips && pick(r, 2) ? old ^ (1ULL << pick(r, 8 * w)) :
				     interesting(r, old, w);
	set_field(c, x, b, off, w, v);
	return 0;
}

static int mutate_elem(struct rng *r, struct hm_stream *s, long i,
		       struct hm_case *c, bool bitflips)
{
	return mutate_blob_elem(r, s, i, c, bitflips, NULL, NULL);
}

/* ---- the classes ---- */

static const char * const dev_names[] = {
	"pit", "pic", "uart", "rtc", "ioapic", "lapic",
};

/*
 * One field, or (a third of the time) two or three fields of the same
 * context: states no single change reaches, such as a FIFO head and count
 * that are each in range but not together.
 */
static int mutate_fields(struct rng *r, struct hm_stream *s, long i,
			 struct hm_case *c, bool bitflips)
{
	unsigned int k, n = pick(r, 3) ? 1 : 2 + pick(r, 2);
	struct hm_blob *first = NULL;
	struct hm_case one;
	size_t used;
	int ret = mutate_blob_elem(r, s, i, c, bitflips, NULL, &first);

	for (k = 1; k < n && !ret; k++) {
		if (mutate_blob_elem(r, s, i, &one, bitflips, first, NULL))
			continue;
		used = strlen(c->what);
		snprintf(c->what + used, sizeof(c->what) - used, "; %s",
			 one.what);
	}
	return ret;
}

static int mut_dev(struct rng *r, struct hm_stream *s, struct hm_case *c)
{
	return mutate_fields(r, s, pick_ctx(r, s, dev_names,
					    ARRAY_SIZE(dev_names)), c, false);
}

static const char * const vcpu_names[] = { "core", "archdep" };

/* Offsets in the XSAVE area a loader looks at. */
static const struct { u16 off, w; const char *what; } xsave_fields[] = {
	{ 0, 2, "FCW" }, { 24, 4, "MXCSR" }, { 28, 4, "MXCSR_MASK" },
	{ 160, 8, "XMM0" }, { 512, 8, "XSTATE_BV" }, { 520, 8, "XCOMP_BV" },
	{ 528, 8, "header reserved" }, { 568, 8, "header end" },
	{ 576, 8, "YMM0_H" },
};

static const char * const key_regs[] = {
	"rip", "rflags", "cr0", "cr3", "cr4", "cr8", "efer", "dr7",
	"cs.attr", "cs.limit", "ss.attr", "tr.attr", "tr.selector",
	"ldtr.attr", "fs.base", "gs.base", "gdtr.base", "idtr.limit",
	"msr.lstar", "msr.sfmask", "msr.sysenter_cs", "apic_base", "xcr0",
	"tsc",
};

static int mut_reg(struct rng *r, struct hm_stream *s, struct hm_case *c)
{
	long i = pick_ctx(r, s, vcpu_names, ARRAY_SIZE(vcpu_names));
	struct hm_blob *b;
	unsigned int k;
	u64 old, v;

	if (i < 0)
		return -ENOENT;
	/* Half the time, a register a VM entry checks. */
	b = find_blob(&s->ctxs[i], key_regs[pick(r, ARRAY_SIZE(key_regs))]);
	if (b && b->len && b->len <= 8 && pick(r, 2)) {
		old = get_le(b->data, b->len);
		v = pick(r, 2) ? old ^ (1ULL << pick(r, 8 * b->len)) :
				 interesting(r, old, b->len);
		set_field(c, &s->ctxs[i], b, 0, b->len, v);
		return 0;
	}
	b = find_blob(&s->ctxs[i], "xsave");
	if (b && !pick(r, 4)) {
		k = pick(r, ARRAY_SIZE(xsave_fields));
		if (xsave_fields[k].off + xsave_fields[k].w > b->len)
			return -ENOENT;
		old = get_le(b->data + xsave_fields[k].off, xsave_fields[k].w);
		v = pick(r, 2) ? old ^ (1ULL << pick(r, 8 * xsave_fields[k].w)) :
				 interesting(r, old, xsave_fields[k].w);
		set_field(c, &s->ctxs[i], b, xsave_fields[k].off,
			  xsave_fields[k].w, v);
		return 0;
	}
	return mutate_fields(r, s, i, c, true);
}

static int mut_cfg(struct rng *r, struct hm_stream *s, struct hm_case *c)
{
	static const u64 mem[] = {
		0, 1, 2ULL << 20, 62ULL << 20, (64ULL << 20) + 1,
		66ULL << 20, 128ULL << 20, 2ULL << 30, 4ULL << 30,
		64ULL << 30, (64ULL << 30) + (2ULL << 20), ~0ULL, 1ULL << 63,
	};
	static const u64 vcpus[] = { 0, 1, 3, 16, 17, 255, 0xffffffff };
	static const u64 opts[] = {
		1, 2, 4, 8, 3, 0xf, 0x10, 0x80000000, 0xffffffff,
	};
	static const u64 devs[] = { 0, 0x40, 0x7f, 1, 0x20 };
	long i = pick_ctx(r, s, (const char * const[]){ "vm" }, 1);
	struct hm_ctx *x;
	struct hm_blob *b;
	u64 v;

	if (i < 0 || !s->ctxs[i].nblobs)
		return -ENOENT;
	x = &s->ctxs[i];
	b = &x->blobs[pick(r, x->nblobs)];
	if (!b->len || b->len > 8)
		return mutate_elem(r, s, i, c, false);
	if (!strcmp(b->tag, "mem_bytes") && pick(r, 3))
		v = mem[pick(r, ARRAY_SIZE(mem))];
	else if (!strcmp(b->tag, "vcpus") && pick(r, 3))
		v = vcpus[pick(r, ARRAY_SIZE(vcpus))];
	else if (!strcmp(b->tag, "options") && pick(r, 3))
		v = opts[pick(r, ARRAY_SIZE(opts))];
	else if (!strcmp(b->tag, "devices") && pick(r, 3))
		v = pick(r, 2) ? get_le(b->data, b->len) & ~(1ULL << pick(r, 6)) :
				 devs[pick(r, ARRAY_SIZE(devs))];
	else
		v = interesting(r, get_le(b->data, b->len), b->len);
	v &= width_mask(b->len);
	if (v == get_le(b->data, b->len))
		v ^= 1;
	set_field(c, x, b, 0, b->len, v);
	return 0;
}

static int mut_mem(struct rng *r, struct hm_stream *s, struct hm_case *c)
{
	long i = pick_ctx(r, s, (const char * const[]){ "mem" }, 1);
	struct hm_ctx *x;
	struct hm_blob *b;
	u64 bit;

	if (i < 0)
		return -ENOENT;
	x = &s->ctxs[i];
	switch (pick(r, 4)) {
	case 0:		/* a zero-page bit: the data no longer fits the map */
		b = find_blob(x, "zero");
		if (!b || !b->len)
			return -ENOENT;
		bit = pick(r, b->len * 8);
		b->data[bit / 8] ^= 1 << (bit % 8);
		SAY(c, "mem#%u zero: page bit %llu flipped", x->instance,
		    (unsigned long long)bit);
		return 0;
	case 1:		/* a byte of guest memory: loads, with other content */
		b = find_blob(x, "data");
		if (!b || !b->len)
			return -ENOENT;
		bit = pick(r, b->len);
		b->data[bit] ^= 1 << pick(r, 8);
		SAY(c, "mem#%u data: byte %llu changed", x->instance,
		    (unsigned long long)bit);
		return 0;
	default:	/* first, count, or any other field */
		return mutate_elem(r, s, i, c, false);
	}
}

/* Resize blob @b to @len, filling new bytes with a pattern. */
static int resize(struct hm_blob *b, u64 len)
{
	u8 *p = realloc(b->data, len ? len : 1);

	if (!p)
		return -ENOMEM;
	if (len > b->len)
		memset(p + b->len, 0xa5, len - b->len);
	b->data = p;
	b->len = len;
	return 0;
}

static int mut_len(struct rng *r, struct hm_stream *s, struct hm_case *c)
{
	long i = pick_ctx(r, s, NULL, 0);
	struct hm_ctx *x;
	struct hm_blob *b;
	u64 old, len;
	size_t j;

	if (i < 0)
		return -ENOENT;
	x = &s->ctxs[i];
	j = pick(r, x->nblobs);
	b = x->nblobs ? &x->blobs[j] : NULL;
	switch (b ? pick(r, 10) : 9) {
	case 0:
	case 1:
	case 2:
	case 3:
		old = b->len;
		switch (pick(r, 8)) {
		case 0:
			len = 0;
			break;
		case 1:
			len = old - 1;
			break;
		case 2:
			len = old / 2;
			break;
		case 3:
			len = old * 2;
			break;
		case 4:
			len = old + 8;
			break;
		case 5:
			len = old + 4096;
			break;
		case 6:
			len = old - 8;
			break;
		default:
			len = old + 1;
			break;
		}
		if (len == old || len > old + 4096)
			len = old + 1;
		if (resize(b, len))
			return -ENOMEM;
		SAY(c, "%s#%u %s: length %llu -> %llu", x->name, x->instance,
		    b->tag, (unsigned long long)old, (unsigned long long)len);
		return 0;
	case 4:		/* drop a tag */
		SAY(c, "%s#%u: tag %s dropped", x->name, x->instance, b->tag);
		free(b->data);
		memmove(b, b + 1, (x->nblobs - j - 1) * sizeof(*b));
		x->nblobs--;
		return 0;
	case 5:		/* the same tag twice */
		if (blob_copy(b, &x->blobs[x->nblobs]))
			return -ENOMEM;
		x->nblobs++;
		SAY(c, "%s#%u: tag %s repeated", x->name, x->instance, b->tag);
		return 0;
	case 6:		/* a tag renamed: this field is missing, another unknown */
		SAY(c, "%s#%u: tag %s renamed with an underscore appended",
		    x->name, x->instance, b->tag);
		len = strlen(b->tag);
		if (len + 2 > sizeof(b->tag))
			return -ENOENT;
		b->tag[len] = '_';
		b->tag[len + 1] = 0;
		return 0;
	case 7:		/* an extra, unknown tag */
		b = &x->blobs[x->nblobs];
		memset(b, 0, sizeof(*b));
		strcpy(b->tag, "hostile");
		b->data = calloc(1, 8);
		if (!b->data)
			return -ENOMEM;
		b->len = 8;
		x->nblobs++;
		SAY(c, "%s#%u: unknown tag \"hostile\" added", x->name,
		    x->instance);
		return 0;
	case 8:		/* every blob dropped */
		while (x->nblobs)
			free(x->blobs[--x->nblobs].data);
		SAY(c, "%s#%u: every tag dropped", x->name, x->instance);
		return 0;
	default:	/* the whole context twice, the copy right after it */
		memmove(&s->ctxs[i + 2], &s->ctxs[i + 1],
			(s->nctxs - i - 1) * sizeof(*x));
		s->nctxs++;
		if (ctx_copy(&s->ctxs[i], &s->ctxs[i + 1])) {
			s->ctxs[i + 1].nblobs = 0;
			return -ENOMEM;
		}
		SAY(c, "%s#%u: context repeated", s->ctxs[i].name,
		    s->ctxs[i].instance);
		return 0;
	}
}

static void move_ctx(struct hm_stream *s, size_t from, size_t to)
{
	struct hm_ctx t = s->ctxs[from];

	if (from < to)
		memmove(&s->ctxs[from], &s->ctxs[from + 1],
			(to - from) * sizeof(t));
	else
		memmove(&s->ctxs[to + 1], &s->ctxs[to],
			(from - to) * sizeof(t));
	s->ctxs[to] = t;
}

static int mut_order(struct rng *r, struct hm_stream *s, struct hm_case *c)
{
	size_t a, b, n = s->nctxs;
	struct hm_ctx t;

	if (n < 2)
		return -ENOENT;
	a = pick(r, n);
	b = pick(r, n - 1);
	b += b >= a;
	switch (pick(r, 5)) {
	case 0:
		t = s->ctxs[a];
		s->ctxs[a] = s->ctxs[b];
		s->ctxs[b] = t;
		SAY(c, "contexts %zu (%s#%u) and %zu (%s#%u) swapped", a,
		    s->ctxs[b].name, s->ctxs[b].instance, b, s->ctxs[a].name,
		    s->ctxs[a].instance);
		return 0;
	case 1:		/* the configuration last */
		SAY(c, "context 0 (%s#%u) moved to the end", s->ctxs[0].name,
		    s->ctxs[0].instance);
		move_ctx(s, 0, n - 1);
		return 0;
	case 2:
		SAY(c, "context %zu (%s#%u) moved to %zu", a, s->ctxs[a].name,
		    s->ctxs[a].instance, b);
		move_ctx(s, a, b);
		return 0;
	case 3:
		SAY(c, "context %zu (%s#%u) dropped", a, s->ctxs[a].name,
		    s->ctxs[a].instance);
		while (s->ctxs[a].nblobs)
			free(s->ctxs[a].blobs[--s->ctxs[a].nblobs].data);
		free(s->ctxs[a].blobs);
		memmove(&s->ctxs[a], &s->ctxs[a + 1],
			(n - a - 1) * sizeof(t));
		s->nctxs--;
		return 0;
	default:	/* every context after the configuration reversed */
		for (a = 1, b = n - 1; a < b; a++, b--) {
			t = s->ctxs[a];
			s->ctxs[a] = s->ctxs[b];
			s->ctxs[b] = t;
		}
		SAY(c, "contexts 1..%zu reversed", n - 1);
		return 0;
	}
}

static int mut_id(struct rng *r, struct hm_stream *s, struct hm_case *c)
{
	long i = pick_ctx(r, s, NULL, 0), k;
	struct hm_ctx *x;
	u32 old;
	size_t len;

	if (i < 0)
		return -ENOENT;
	x = &s->ctxs[i];
	switch (pick(r, 7)) {
	case 0:
	case 1:
		old = x->instance;
		x->instance = interesting(r, old, 4);
		SAY(c, "%s#%u: instance -> %u", x->name, old, x->instance);
		return 0;
	case 2:
		old = x->version;
		x->version = interesting(r, old, 4);
		SAY(c, "%s#%u: version %u -> %u", x->name, x->instance, old,
		    x->version);
		return 0;
	case 3:		/* two contexts of one kind trade instances */
		k = pick_ctx(r, s, (const char * const[]){ x->name }, 1);
		if (k == i) {
			x->instance ^= 1;
			SAY(c, "%s: instance %u -> %u", x->name,
			    x->instance ^ 1, x->instance);
			return 0;
		}
		old = x->instance;
		x->instance = s->ctxs[k].instance;
		s->ctxs[k].instance = old;
		SAY(c, "%s: instances %u and %u swapped", x->name, old,
		    x->instance);
		return 0;
	case 4:		/* renamed: a different kind, or an unknown one */
		len = strlen(x->name);
		SAY(c, "%s#%u: renamed", x->name, x->instance);
		if (pick(r, 2) && len + 2 <= sizeof(x->name)) {
			x->name[len] = 'x';
			x->name[len + 1] = 0;
		} else {
			k = pick(r, len);
			if ((x->name[k] | 0x20) >= 'a' && (x->name[k] | 0x20) <= 'z')
				x->name[k] ^= 0x20;	/* case flipped */
			else
				x->name[k] = 'Q';
		}
		return 0;
	case 5:
		old = x->flags;
		x->flags = 1U << pick(r, 32);
		SAY(c, "%s#%u: flags 0x%x -> 0x%x", x->name, x->instance, old,
		    x->flags);
		return 0;
	default:	/* the stream header: minor, flags */
		if (pick(r, 2)) {
			old = s->hdr.minor;
			s->hdr.minor = interesting(r, old, 2);
			SAY(c, "header minor %u -> %u", old, s->hdr.minor);
		} else {
			old = s->hdr.flags;
			s->hdr.flags ^= 1U << pick(r, 32);
			SAY(c, "header flags 0x%x -> 0x%x", old, s->hdr.flags);
		}
		return 0;
	}
}

static bool declares_big_mem(const struct hm_stream *s)
{
	size_t i, j;

	for (i = 0; i < s->nctxs; i++) {
		if (strcmp(s->ctxs[i].name, "vm"))
			continue;
		for (j = 0; j < s->ctxs[i].nblobs; j++) {
			const struct hm_blob *b = &s->ctxs[i].blobs[j];

			if (!strcmp(b->tag, "mem_bytes") && b->len == 8 &&
			    get_le(b->data, 8) > HM_SAFE_MEM)
				return true;
		}
	}
	return false;
}

int hm_mutate(struct hm_stream *s, u64 seed, u32 id, struct hm_case *c)
{
	static int (*const fn[HM_NCLASSES])(struct rng *, struct hm_stream *,
					    struct hm_case *) = {
		[HM_DEV] = mut_dev, [HM_LEN] = mut_len, [HM_CFG] = mut_cfg,
		[HM_REG] = mut_reg, [HM_ORDER] = mut_order, [HM_ID] = mut_id,
		[HM_MEM] = mut_mem,
	};
	struct rng r = { seed ^ ((u64)id * 0xd1b54a32d192ed03ULL) };
	int ret, tries;
	size_t i;
	void *p;

	memset(c, 0, sizeof(*c));
	/* Room for one more context and one more blob in each, to repeat. */
	p = grow(s->ctxs, s->nctxs, sizeof(*s->ctxs));
	if (!p)
		return -ENOMEM;
	s->ctxs = p;
	memset(&s->ctxs[s->nctxs], 0, sizeof(*s->ctxs));
	for (i = 0; i < s->nctxs; i++) {
		p = grow(s->ctxs[i].blobs, s->ctxs[i].nblobs,
			 sizeof(*s->ctxs[i].blobs));
		if (!p)
			return -ENOMEM;
		s->ctxs[i].blobs = p;
	}
	c->cls = id % HM_NCLASSES;
	/* A choice that does not apply (an empty blob): choose again. */
	for (tries = 0; tries < 16; tries++) {
		ret = fn[c->cls](&r, s, c);
		if (ret != -ENOENT)
			break;
	}
	c->big_mem = declares_big_mem(s);
	return ret;
}

int hm_make_case(const struct hm_stream *base, u64 seed, u32 id,
		 struct hm_case *c, u8 **out, size_t *len)
{
	struct hm_stream s;
	int ret = hm_copy(base, &s);

	if (ret)
		return ret;
	ret = hm_mutate(&s, seed, id, c) ?: hm_encode(&s, out, len);
	hm_free(&s);
	return ret;
}
