// SPDX-License-Identifier: GPL-2.0
/*
 * v3chkpt inspect: decode a captured stream, or the stream a dir-store
 * checkpoint holds, with the module's own codec and print its header,
 * contexts, tags, sizes and checksum verdicts, and its live sections with
 * their parts (each part's hash verified; a "ram" section's page batches
 * decoded, LZ4 included, and counted by encoding).  Like the kernel's
 * loader it also refuses a repeated tag in a context and a repeated
 * context or section name/instance in a stream (the codec keeps no memory
 * to check these).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>
#include <v3chkpt/format.h>
#include "cli.h"

static ssize_t file_read(void *priv, void *buf, size_t len)
{
	size_t n = fread(buf, 1, len, priv);

	if (!n && ferror((FILE *)priv))
		return -EIO;
	return n;
}

/* --json: one object; the records in an array, in stream order */
bool inspect_json;
static bool json_first;

static void json_rec(u64 at, const char *type)
{
	printf("%s{\"at\":%llu,\"type\":\"%s\"", json_first ? "" : ",",
	       (unsigned long long)at, type);
	json_first = false;
}

/* Names seen so far, to refuse repeats (EBADMSG), as the kernel does. */
struct names {
	char **v;
	size_t n, cap;
};

static int names_add(struct names *s, const char *name, unsigned int inst)
{
	char *copy;

	if (s->n == s->cap) {
		char **v = realloc(s->v, (s->cap = s->cap * 2 + 16) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
	}
	if (asprintf(&copy, "%s#%u", name, inst) < 0)
		return -ENOMEM;
	s->v[s->n++] = copy;
	return 0;
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(struct names *s)
{
	while (s->n)
		free(s->v[--s->n]);
	free(s->v);
}

/* Sort, report the first repeat (-EBADMSG), and empty the set. */
static int names_check(struct names *s, const char *what)
{
	size_t i;
	int ret = 0;

	qsort(s->v, s->n, sizeof(*s->v), cmpstr);
	for (i = 1; i < s->n && !ret; i++)
		if (!strcmp(s->v[i - 1], s->v[i])) {
			fprintf(stderr, "inspect: %s \"%s\" appears twice\n", what, s->v[i]);
			ret = -EBADMSG;
		}
	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	s->n = 0;
	return ret;
}

/* A verified CTX_END or END summary. */
static void print_summary(u64 at, const char *what, const char *counted,
			  const struct v3c_reader *r)
{
	if (inspect_json) {
		json_rec(at, strcmp(counted, "records") ? "end" : "context_end");
		printf(",\"%s\":%llu,\"bytes\":%llu,\"xxh64\":\"%016llx\"}", counted,
		       (unsigned long long)r->summary.count,
		       (unsigned long long)r->summary.bytes,
		       (unsigned long long)r->summary.hash);
		return;
	}
	printf("@%-10llu %s: %llu %s, %llu bytes, xxh64 %016llx ok\n",
	       (unsigned long long)at, what,
	       (unsigned long long)r->summary.count, counted,
	       (unsigned long long)r->summary.bytes,
	       (unsigned long long)r->summary.hash);
}

/* What inspect remembers of each section started: ids are unique. */
struct isec {
	u32 id;
	u32 instance;
	u32 version;
	bool ram;
	u64 parts, bytes;
	char name[V3C_NAME_MAX];
};

struct live {
	struct isec sec[V3C_STREAM_MAX_SECTIONS];
	u32 nsec;
	u64 parts;
	u64 pages[V3C_PAGE_ENCS];
	u8 *buf;		/* one part's data */
	u8 page[V3C_PAGE_SIZE];
};

static struct isec *live_find(struct live *l, u32 id)
{
	u32 i;

	for (i = 0; i < l->nsec; i++)
		if (l->sec[i].id == id)
			return &l->sec[i];
	return NULL;	/* the codec refuses a part of an unknown id first */
}

static void live_start(struct live *l, u64 at, const struct v3c_reader *r)
{
	struct isec *s = &l->sec[l->nsec++];	/* the codec bounds nsec */

	memset(s, 0, sizeof(*s));
	s->id = r->sec.id;
	s->instance = r->sec.instance;
	s->version = r->sec.version;
	s->ram = !strcmp(r->sec.name, V3C_SECTION_RAM);
	strcpy(s->name, r->sec.name);
	if (inspect_json) {
		json_rec(at, "section");
		printf(",\"id\":%u,\"name\":", s->id);
		json_quote(s->name);
		printf(",\"instance\":%u,\"version\":%u,\"optional\":%s}",
		       s->instance, s->version,
		       r->rec.flags & V3C_RF_OPTIONAL ? "true" : "false");
		return;
	}
	printf("@%-10llu section %u \"%s\" instance %u version %u%s\n",
	       (unsigned long long)at, s->id, s->name, s->instance, s->version,
	       r->rec.flags & V3C_RF_OPTIONAL ? " (optional)" : "");
}

/*
 * A part or end: read (so the codec verifies its hash) and, in a "ram"
 * section, decode its batch.  Guest memory is unknown here: every page
 * address the format allows is accepted.
 */
static int live_part(struct live *l, u64 at, struct v3c_reader *r,
		     bool is_end)
{
	struct isec *s = live_find(l, r->part_id);
	struct v3c_batch_info info;
	u64 len = r->data_len;
	int ret;

	if (!s)
		return -EBADMSG;
	if (s->ram && len) {
		if (!l->buf) {
			l->buf = malloc(V3C_PART_MAX_DATA);
			if (!l->buf)
				return -ENOMEM;
		}
		ret = v3c_reader_data(r, l->buf, len);
		if (!ret)
			ret = v3c_batch_decode(l->buf, len, UINT64_MAX, NULL,
					       NULL, l->page, &info);
	} else {
		ret = v3c_reader_skip(r, len);
	}
	if (ret)
		return ret;
	s->parts++;
	s->bytes += len;
	l->parts++;
	if (s->ram && len) {
		int e;

		for (e = 0; e < V3C_PAGE_ENCS; e++)
			l->pages[e] += info.pages[e];
	}
	if (inspect_json) {
		json_rec(at, is_end ? "section_end" : "part");
		printf(",\"section\":%u,\"name\":", s->id);
		json_quote(s->name);
		printf(",\"bytes\":%llu,\"xxh64\":\"%016llx\"",
		       (unsigned long long)len, (unsigned long long)r->part_hash);
		if (s->ram && len)
			printf(",\"batch\":{\"pages\":%u,\"runs\":%u,\"zero\":%u,\"raw\":%u,\"lz4\":%u}",
			       info.npages, info.nruns, info.pages[V3C_PAGE_ENC_ZERO],
			       info.pages[V3C_PAGE_ENC_RAW], info.pages[V3C_PAGE_ENC_LZ4]);
		if (is_end)
			printf(",\"parts\":%llu,\"section_bytes\":%llu",
			       (unsigned long long)s->parts, (unsigned long long)s->bytes);
		printf("}");
		return 0;
	}
	printf("@%-10llu   %s of section %u \"%s\": %llu bytes, xxh64 %016llx ok",
	       (unsigned long long)at, is_end ? "end" : "part", s->id, s->name,
	       (unsigned long long)len, (unsigned long long)r->part_hash);
	if (s->ram && len)
		printf("; batch of %u pages in %u runs: %u zero, %u raw, %u lz4",
		       info.npages, info.nruns, info.pages[V3C_PAGE_ENC_ZERO],
		       info.pages[V3C_PAGE_ENC_RAW], info.pages[V3C_PAGE_ENC_LZ4]);
	printf("\n");
	if (is_end)
		printf("@%-10llu   section %u \"%s\" ended: %llu parts, %llu bytes\n",
		       (unsigned long long)at, s->id, s->name,
		       (unsigned long long)s->parts, (unsigned long long)s->bytes);
	return 0;
}

static const char *why(int err)
{
	switch (-err) {
	case EPROTO:
		return "not a v3chkpt stream (bad magic)";
	case EBADMSG:
		return "corrupted: checksum or structure mismatch";
	case ENODATA:
		return "truncated: the stream ends early";
	case EILSEQ:
		return "invalid name or tag (not NUL-terminated printable ASCII)";
	case EOPNOTSUPP:
		return "unknown mandatory record or flag";
	case EPROTONOSUPPORT:
		return "unsupported format version";
	case EFBIG:
		return "a context or section part larger than the format allows";
	case ERANGE:
		return "a page beyond the address space";
	}
	return strerror(-err);
}

/* The end of a refused stream's object: the error, as on stderr */
static void inspect_json_refused(const struct v3c_reader *r, int err,
				 const char *msg, bool records)
{
	printf("%s,\"verdict\":\"REFUSED\",\"error\":{\"at\":%llu,\"record\":",
	       records ? "]" : "", (unsigned long long)r->offset);
	json_quote(v3c_rec_type_name(r->rec.type));
	printf(",\"errno\":%d,\"errno_name\":\"%s\",\"message\":", -err,
	       errno_name(-err));
	json_quote(msg);
	printf("}}\n");
}

int cmd_inspect(int argc, char **argv)
{
	struct names tags = { 0 }, ctxs = { 0 }, secs = { 0 };
	struct dir_src *dir = NULL;
	struct live *live;
	struct v3c_reader *r;
	struct stat st;
	FILE *f = NULL;
	int item, ret = 0, blobs = 0;
	bool records = false;
	const char *trailing = NULL;
	u8 extra;

	inspect_json = json_opt(&argc, argv);
	json_first = true;
	if (argc != 2)
		return usage_error("inspect FILE|DIR [--json]");
	r = calloc(1, sizeof(*r));
	live = calloc(1, sizeof(*live));
	if (!r || !live) {
		free(r);
		free(live);
		return fail_errno("inspect", "out of memory");
	}
	if (strcmp(argv[1], "-") && !stat(argv[1], &st) && S_ISDIR(st.st_mode)) {
		if (inspect_json) {
			printf("{\"file\":");
			json_quote(argv[1]);
		}
		ret = dir_src_open(argv[1], &dir);
		v3c_reader_init(r, dir_src_read, dir);
	} else {
		f = strcmp(argv[1], "-") ? fopen(argv[1], "rb") : stdin;
		if (!f) {
			free(r);
			free(live);
			return fail_errno("inspect: cannot open", argv[1]);
		}
		v3c_reader_init(r, file_read, f);
		if (inspect_json) {
			printf("{\"file\":");
			json_quote(argv[1]);
		}
	}
	if (!ret)
		ret = v3c_reader_start(r);
	if (ret)
		goto bad;
	if (inspect_json) {
		printf(",\"stream\":{\"format\":\"%u.%u\",\"producer\":",
		       r->hdr.major, r->hdr.minor);
		json_quote(r->hdr.producer);
		printf(",\"flags\":%u,\"created_ns\":%llu},\"records\":[",
		       r->hdr.flags, (unsigned long long)r->hdr.created_ns);
		records = true;
	} else {
		printf("stream: format %u.%u, producer \"%s\", flags 0x%x, created %llu ns\n",
	       r->hdr.major, r->hdr.minor, r->hdr.producer, r->hdr.flags,
	       (unsigned long long)r->hdr.created_ns);
	}
	for (;;) {
		u64 at = r->offset;

		item = v3c_reader_next(r);
		if (item < 0) {
			ret = item;
			goto bad;
		}
		switch (item) {
		case V3C_ITEM_CTX_BEGIN:
			if (inspect_json) {
				json_rec(at, "context");
				printf(",\"name\":");
				json_quote(r->ctx.name);
				printf(",\"instance\":%u,\"version\":%u}",
				       r->ctx.instance, r->ctx.version);
			} else {
				printf("@%-10llu context \"%s\" instance %u version %u\n",
			       (unsigned long long)at, r->ctx.name,
			       r->ctx.instance, r->ctx.version);
			}
			ret = names_add(&ctxs, r->ctx.name, r->ctx.instance);
			if (ret)
				goto bad;
			break;
		case V3C_ITEM_BLOB:
			if (inspect_json) {
				json_rec(at, "blob");
				printf(",\"tag\":");
				json_quote(r->tag);
				printf(",\"bytes\":%llu}", (unsigned long long)r->data_len);
			} else {
				printf("@%-10llu   blob \"%s\" %llu bytes\n",
			       (unsigned long long)at, r->tag,
			       (unsigned long long)r->data_len);
			}
			blobs++;
			ret = names_add(&tags, r->tag, 0);
			if (!ret)
				ret = v3c_reader_skip(r, r->data_len);
			if (ret)
				goto bad;
			break;
		case V3C_ITEM_CTX_END:
			print_summary(at, "end of context", "records", r);
			ret = names_check(&tags, "tag");
			if (ret)
				goto bad;
			break;
		case V3C_ITEM_SECTION_START:
			live_start(live, at, r);
			ret = names_add(&secs, r->sec.name, r->sec.instance);
			if (ret)
				goto bad;
			break;
		case V3C_ITEM_SECTION_PART:
		case V3C_ITEM_SECTION_END:
			ret = live_part(live, at, r, item == V3C_ITEM_SECTION_END);
			if (ret)
				goto bad;
			break;
		case V3C_ITEM_SKIPPED:
			if (inspect_json) {
				json_rec(at, "skipped");
				printf(",\"record_type\":%u,\"bytes\":%llu}",
				       r->rec.type, (unsigned long long)r->rec.len);
				break;
			}
			printf("@%-10llu   optional record type 0x%04x skipped (%llu bytes)\n",
			       (unsigned long long)at, r->rec.type,
			       (unsigned long long)r->rec.len);
			break;
		case V3C_ITEM_END:
			print_summary(at, "end of stream", "contexts", r);
			ret = names_check(&ctxs, "context");
			if (!ret)
				ret = names_check(&secs, "section");
			if (ret)
				goto bad;
			goto done;
		}
	}
done:
	if (r->read(r->priv, &extra, 1) != 0) {
		trailing = "trailing bytes after the end record";
		fprintf(stderr, "inspect: %s: %s\n", argv[1], trailing);
		ret = -EBADMSG;
		if (inspect_json)
			inspect_json_refused(r, ret, trailing, records);
	} else if (inspect_json) {
		printf("],\"verdict\":\"OK\",\"contexts\":%llu,\"blobs\":%d,\"bytes\":%llu",
		       (unsigned long long)r->ncontexts, blobs,
		       (unsigned long long)r->offset);
		if (live->nsec)
			printf(",\"live\":{\"sections\":%u,\"parts\":%llu,\"zero\":%llu,\"raw\":%llu,\"lz4\":%llu}",
			       live->nsec, (unsigned long long)live->parts,
			       (unsigned long long)live->pages[V3C_PAGE_ENC_ZERO],
			       (unsigned long long)live->pages[V3C_PAGE_ENC_RAW],
			       (unsigned long long)live->pages[V3C_PAGE_ENC_LZ4]);
		printf("}\n");
	} else {
		printf("verdict: OK, %llu contexts, %d blobs, %llu bytes\n",
		       (unsigned long long)r->ncontexts, blobs,
		       (unsigned long long)r->offset);
		if (live->nsec)
			printf("live: %u sections, %llu parts; batch pages: %llu zero, %llu raw, %llu lz4\n",
			       live->nsec, (unsigned long long)live->parts,
			       (unsigned long long)live->pages[V3C_PAGE_ENC_ZERO],
			       (unsigned long long)live->pages[V3C_PAGE_ENC_RAW],
			       (unsigned long long)live->pages[V3C_PAGE_ENC_LZ4]);
	}
	goto out;
bad:
	fprintf(stderr, "inspect: %s: at byte %llu (record %s): %s (%s)\n",
		argv[1], (unsigned long long)r->offset,
		v3c_rec_type_name(r->rec.type), why(ret), errno_name(-ret));
	if (inspect_json)
		inspect_json_refused(r, ret, why(ret), records);
	else
		printf("verdict: REFUSED\n");
out:
	names_free(&tags);
	names_free(&ctxs);
	names_free(&secs);
	free(live->buf);
	free(live);
	free(r);
	if (f && f != stdin)
		fclose(f);
	dir_src_close(dir);
	return ret ? 1 : 0;
}
