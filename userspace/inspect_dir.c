// SPDX-License-Identifier: GPL-2.0
/*
 * inspect DIR: a dir-store checkpoint read back as the stream it holds,
 * with the store's own manifest parser (kmod/format/dir_manifest.c) and the
 * same checks as the kernel's load: every file present, regular, of its
 * recorded size and checksum.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <v3chkpt/dirfmt.h>
#include "cli.h"

struct dir_src {
	const char *path;
	int dirfd;
	int fd;			/* the context file being read, or -1 */
	u8 *manifest;
	struct v3d_manifest m;
	struct v3d_entry ent;	/* of @fd */
	struct v3c_hash_state hash;
	u32 idx;		/* next file */
	u32 glue_off, glue_left;
	u64 file_left;
};

/*
 * Open @name in the checkpoint only if it is a regular file: looked at
 * through O_PATH first, so a FIFO or device node is never opened.
 */
static int open_reg(struct dir_src *d, const char *name, struct stat *st)
{
	int fd = openat(d->dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int err;

	if (fd >= 0 && !fstat(fd, st) && !S_ISREG(st->st_mode)) {
		close(fd);
		fprintf(stderr, "inspect: %s/%s: not a regular file\n", d->path, name);
		return -EBADMSG;
	}
	if (fd >= 0) {
		close(fd);
		fd = openat(d->dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	}
	if (fd < 0 || fstat(fd, st)) {
		err = errno;
		fprintf(stderr, "inspect: %s/%s: %s\n", d->path, name, strerror(err));
		if (fd >= 0)
			close(fd);
		return -err;
	}
	return fd;
}

static int open_ctx(struct dir_src *d, u32 i, struct stat *st)
{
	char name[V3D_CTX_FILE_LEN];

	snprintf(name, sizeof(name), V3D_CTX_FILE_FMT, i);
	return open_reg(d, name, st);
}

static int read_manifest(struct dir_src *d)
{
	struct stat st;
	ssize_t n;
	u64 got = 0;
	int fd, ret = 0;

	fd = open_reg(d, V3D_MANIFEST_NAME, &st);
	if (fd < 0)
		return fd;
	if ((u64)st.st_size > V3D_MANIFEST_MAX) {
		close(fd);
		return -EBADMSG;
	}
	d->manifest = malloc(st.st_size ? st.st_size : 1);
	if (!d->manifest) {
		close(fd);
		return -ENOMEM;
	}
	while (got < (u64)st.st_size) {
		n = read(fd, d->manifest + got, st.st_size - got);
		if (n <= 0) {
			ret = n ? -errno : -ENODATA;
			break;
		}
		got += n;
	}
	close(fd);
	return ret ? ret : v3d_manifest_parse(d->manifest, got, &d->m);
}

/* The manifest's context files: each listed, each there at its size. */
static int manifest_files(struct dir_src *d)
{
	struct v3d_entry e;
	struct stat st;
	int fd;
	u32 i;

	for (i = 0; i < d->m.nctx; i++) {
		v3d_manifest_entry(&d->m, i, &e);
		fd = open_ctx(d, i, &st);
		if (fd < 0)
			return fd;
		close(fd);
		if (inspect_json) {
			printf("%s{\"file\":\"" V3D_CTX_FILE_FMT "\",\"context\":",
			       i ? "," : "", i);
			json_quote(e.name);
			printf(",\"instance\":%u,\"bytes\":%llu,\"xxh64\":\"%016llx\"}",
			       e.instance, (unsigned long long)e.size,
			       (unsigned long long)e.xxh64);
		} else {
			printf("  " V3D_CTX_FILE_FMT "  \"%s\" instance %u, %llu bytes, xxh64 %016llx\n",
			       i, e.name, e.instance, (unsigned long long)e.size,
			       (unsigned long long)e.xxh64);
		}
		if (!S_ISREG(st.st_mode) || (u64)st.st_size != e.size) {
			fprintf(stderr, "inspect: %s/" V3D_CTX_FILE_FMT ": %llu bytes, the manifest says %llu\n",
				d->path, i, (unsigned long long)st.st_size,
				(unsigned long long)e.size);
			return (u64)st.st_size < e.size ? -ENODATA : -EBADMSG;
		}
	}
	return 0;
}

int dir_src_open(const char *path, struct dir_src **out)
{
	struct dir_src *d = calloc(1, sizeof(*d));
	struct v3d_entry e;
	int ret;

	if (!d)
		return -ENOMEM;
	d->path = path;
	d->fd = -1;
	d->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->dirfd < 0) {
		free(d);
		return -errno;
	}
	*out = d;
	ret = read_manifest(d);
	if (ret) {
		fprintf(stderr, "inspect: %s/%s: refused\n", path,
			V3D_MANIFEST_NAME);
		return ret;
	}
	if (inspect_json)
		printf(",\"manifest\":{\"context_files\":%u,\"outside_bytes\":%u,\"stream_bytes\":%llu,\"files\":[",
		       d->m.nctx, d->m.glue_len, (unsigned long long)d->m.stream_len);
	else
		printf("manifest: %u context files, %u bytes outside contexts, stream %llu bytes, checksum ok\n",
		       d->m.nctx, d->m.glue_len, (unsigned long long)d->m.stream_len);
	ret = manifest_files(d);
	if (inspect_json)
		printf("]}");
	if (ret)
		return ret;
	if (d->m.nctx) {
		v3d_manifest_entry(&d->m, 0, &e);
		d->glue_left = e.glue_before;
	} else {
		d->glue_left = d->m.glue_len;
	}
	return 0;
}

static int file_done(struct dir_src *d)
{
	struct v3d_entry next;

	close(d->fd);
	d->fd = -1;
	if (v3c_hash_digest(&d->hash) != d->ent.xxh64) {
		fprintf(stderr, "inspect: %s/" V3D_CTX_FILE_FMT ": checksum mismatch\n",
			d->path, d->idx);
		return -EBADMSG;
	}
	if (++d->idx < d->m.nctx) {
		v3d_manifest_entry(&d->m, d->idx, &next);
		d->glue_left = next.glue_before;
	} else {
		d->glue_left = d->m.glue_len - d->glue_off;
	}
	return 0;
}

/* The stream: glue and files interleaved, as the kernel reads it. */
ssize_t dir_src_read(void *priv, void *buf, size_t len)
{
	struct dir_src *d = priv;
	struct stat st;
	ssize_t n;
	int ret;

	if (d->glue_left) {
		n = len < d->glue_left ? len : d->glue_left;
		memcpy(buf, d->m.glue + d->glue_off, n);
		d->glue_off += n;
		d->glue_left -= n;
		return n;
	}
	if (d->idx >= d->m.nctx)
		return 0;
	if (d->fd < 0) {
		d->fd = open_ctx(d, d->idx, &st);
		if (d->fd < 0)
			return d->fd;
		v3d_manifest_entry(&d->m, d->idx, &d->ent);
		d->file_left = d->ent.size;
		v3c_hash_reset(&d->hash);
	}
	n = read(d->fd, buf, len < d->file_left ? len : d->file_left);
	if (n <= 0)
		return n ? -errno : -ENODATA;
	v3c_hash_update(&d->hash, buf, n);
	d->file_left -= n;
	if (!d->file_left) {
		ret = file_done(d);
		if (ret)
			return ret;
	}
	return n;
}

void dir_src_close(struct dir_src *d)
{
	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	close(d->dirfd);
	free(d->manifest);
	free(d);
}
