// SPDX-License-Identifier: GPL-2.0
/*
 * Save, load and digest a state struct from its description (vmstate.h).
 * Element tags are built as "<path><tag>" where the path grows by
 * "<element>." at each array of structs.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <v3chkpt/format.h>
#include "../kunit_export.h"
#include "vmstate.h"

/* Append "<name>." (or "<tag><i>.") to @path; -ENAMETOOLONG if it won't fit. */
static int path_push(char *path, const struct v3_state_field *f, u32 i)
{
	size_t len = strlen(path);
	int n;

	if (f->names)
		n = snprintf(path + len, V3C_NAME_MAX - len, "%s.", f->names[i]);
	else
		n = snprintf(path + len, V3C_NAME_MAX - len, "%s%u.", f->tag, i);
	return n >= V3C_NAME_MAX - len ? -ENAMETOOLONG : 0;
}

static int tag_of(char *tag, const char *path, const struct v3_state_field *f)
{
	int n = snprintf(tag, V3C_NAME_MAX, "%s%s", path, f->tag);

	return n >= V3C_NAME_MAX ? -ENAMETOOLONG : 0;
}

/*
 * One walk serves save, load and digest: @leaf sees every field that is
 * not an array of structs (pads too) with its tag; @done, if any, sees
 * each struct once its fields are through, with the struct's path.
 */
struct walk {
	int (*leaf)(struct walk *w, const struct v3_state_field *f, u8 *p,
		    const char *path);
	int (*done)(struct walk *w, const struct v3_state_desc *d, u8 *p,
		    const char *path);
	struct v3_chkpt_ctx *ctx;
	const struct v3_state_where *where;
	struct v3_vm_err *err;
	struct xxh64_state *st;
};

static int walk_desc(struct walk *w, const struct v3_state_desc *d, u8 *base,
		     char *path)
{
	size_t plen = strlen(path);
	u32 i, k;
	int ret = 0;

	for (i = 0; i < d->nfields && !ret; i++) {
		const struct v3_state_field *f = &d->fields[i];

		if (f->kind != V3_STATE_KIND_STRUCTS) {
			ret = w->leaf(w, f, base + f->offset, path);
			continue;
		}
		for (k = 0; k < f->count && !ret; k++) {
			ret = path_push(path, f, k) ?:
			      walk_desc(w, f->elem, base + f->offset +
					k * f->elem->size, path);
			path[plen] = '\0';
		}
	}
	if (!ret && w->done)
		ret = w->done(w, d, base, path);
	return ret;
}

static int walk(struct walk *w, const struct v3_state_desc *d, void *state)
{
	char path[V3C_NAME_MAX] = "";

	return walk_desc(w, d, state, path);
}

static int save_leaf(struct walk *w, const struct v3_state_field *f, u8 *p,
		     const char *path)
{
	char tag[V3C_NAME_MAX];

	if (f->kind == V3_STATE_KIND_PAD)
		return 0;
	return tag_of(tag, path, f) ?: v3_chkpt_save(w->ctx, tag, f->size, p);
}

int v3_state_save(struct v3_chkpt_ctx *ctx, const struct v3_state_desc *d,
		  const void *state)
{
	struct walk w = { .leaf = save_leaf, .ctx = ctx };

	/* the walk is shared with load; save writes nothing through p */
	return walk(&w, d, (void *)state);
}
V3_EXPORT_FOR_TESTS(v3_state_save);

static int check_uint(const struct v3_state_field *f, const u8 *p,
		      const char *prefix, const char *path,
		      struct v3_vm_err *err)
{
	u64 v = v3_state_uint(p, f->size);

	if (v & ~f->bits)
		return v3_vm_fail(err, -ERANGE, "%s%s%s %#llx has bits outside %#llx",
				  prefix, path, f->tag, v, f->bits);
	if (v >= f->min && v <= f->max)
		return 0;
	if (!f->min)
		return v3_vm_fail(err, -ERANGE, "%s%s%s %llu > %llu", prefix,
				  path, f->tag, v, f->max);
	return v3_vm_fail(err, -ERANGE, "%s%s%s %llu not %llu..%llu", prefix,
			  path, f->tag, v, f->min, f->max);
}

static const char *load_reason(int ret)
{
	switch (ret) {
	case -ENOENT:
		return "missing";
	case -EMSGSIZE:
		return "wrong size";
	default:
		return "unreadable";
	}
}

static int load_leaf(struct walk *w, const struct v3_state_field *f, u8 *p,
		     const char *path)
{
	const char *prefix = w->where->prefix;
	char tag[V3C_NAME_MAX];
	int ret;

	/* a pad, or a field saved before it existed, stays 0 */
	if (f->kind == V3_STATE_KIND_PAD || w->where->version < f->since)
		return 0;
	ret = tag_of(tag, path, f) ?: v3_chkpt_load(w->ctx, tag, f->size, p);
	if (ret)
		return v3_vm_fail(w->err, ret, "%s%s: %s (%d)", prefix, tag,
				  load_reason(ret), ret);
	if (f->kind == V3_STATE_KIND_UINT)
		return check_uint(f, p, prefix, path, w->err);
	return 0;
}

static int load_done(struct walk *w, const struct v3_state_desc *d, u8 *p,
		     const char *path)
{
	struct v3_state_where ew;

	if (!d->check)
		return 0;
	if (!*path)
		return d->check(p, w->where, w->err);
	/* an element's check speaks of "pit0: ch1." */
	ew = *w->where;
	strlcat(ew.prefix, path, sizeof(ew.prefix));
	return d->check(p, &ew, w->err);
}

int v3_state_load(struct v3_chkpt_ctx *ctx, const struct v3_state_desc *d,
		  void *state, const struct v3_state_where *where,
		  struct v3_vm_err *err)
{
	struct walk w = {
		.leaf = load_leaf, .done = load_done, .ctx = ctx,
		.where = where, .err = err,
	};

	return walk(&w, d, state);
}
V3_EXPORT_FOR_TESTS(v3_state_load);

static int digest_leaf(struct walk *w, const struct v3_state_field *f, u8 *p,
		       const char *path)
{
	xxh64_update(w->st, p, f->size);
	return 0;
}

void v3_state_digest(struct xxh64_state *st, const struct v3_state_desc *d,
		     const void *state)
{
	struct walk w = { .leaf = digest_leaf, .st = st };

	walk(&w, d, (void *)state);
}
V3_EXPORT_FOR_TESTS(v3_state_digest);

int v3_state_desc_valid(const struct v3_state_desc *d, bool whole)
{
	u32 i, end = 0;

	for (i = 0; i < d->nfields; i++) {
		const struct v3_state_field *f = &d->fields[i];

		if (f->offset < end || (whole && f->offset != end) ||
		    f->offset + f->size > d->size || !f->size)
			return -EINVAL;
		if (f->kind == V3_STATE_KIND_UINT &&
		    (!is_power_of_2(f->size) || f->size > 8 ||
		     f->min > f->max))
			return -EINVAL;
		if (f->kind == V3_STATE_KIND_STRUCTS &&
		    (!f->elem || f->elem->size * f->count != f->size ||
		     v3_state_desc_valid(f->elem, whole)))
			return -EINVAL;
		end = f->offset + f->size;
	}
	return whole && end != d->size ? -EINVAL : 0;
}
V3_EXPORT_FOR_TESTS(v3_state_desc_valid);
