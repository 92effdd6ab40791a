// SPDX-License-Identifier: GPL-2.0
/*
 * STORE:URL arguments.  A dir path is made absolute here, because the
 * kernel resolves paths without the caller's working directory in mind;
 * a net URL takes its key and timeout from options, so the key never
 * appears in the process's arguments.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli.h"

#define KEY_MIN	16
#define KEY_MAX	64

static int append(struct target *t, const char *s)
{
	size_t n = strlen(t->url);

	if (n + strlen(s) >= sizeof(t->url)) {
		cli_msg("%s: URL too long", t->store);	/* it may hold a key */
		return -1;
	}
	strcpy(t->url + n, s);
	return 0;
}

/*
 * The kernel wants /abs/path without "." or ".." components: resolve the
 * parent (it must exist for a save anyway) and keep the last component.
 */
static int dir_absolute(struct target *t, const char *path)
{
	char *copy = strdup(path), *slash, *parent, *real = NULL;
	const char *base;
	int ret = -1;

	if (!copy) {
		fail_errno("dir:", "out of memory");
		return -1;
	}
	while (strlen(copy) > 1 && copy[strlen(copy) - 1] == '/')
		copy[strlen(copy) - 1] = '\0';
	slash = strrchr(copy, '/');
	if (!slash) {
		parent = ".";
		base = copy;
	} else {
		*slash = '\0';
		parent = slash == copy ? "/" : copy;
		base = slash + 1;
	}
	t->url[0] = '\0';
	if (!strcmp(base, ".") || !strcmp(base, "..") || !base[0]) {
		cli_msg("dir:%s: name the checkpoint directory itself", path);
		goto out;
	}
	real = realpath(parent, NULL);
	if (!real)
		fail_errno("dir: cannot resolve", parent);
	else if (!append(t, real) && (!strcmp(real, "/") || !append(t, "/")) &&
		 !append(t, base))
		ret = 0;
out:
	free(real);
	free(copy);
	return ret;
}

int parse_target(const char *arg, struct target *t)
{
	const char *colon = strchr(arg, ':');

	if (!colon || colon == arg || !colon[1] ||
	    (size_t)(colon - arg) >= sizeof(t->store)) {
		fprintf(stderr, "%s: '%s' is not STORE:URL (e.g. memory:demo)\n",
			prog, arg);
		return -1;
	}
	memcpy(t->store, arg, colon - arg);
	t->store[colon - arg] = '\0';
	if (!strcmp(t->store, "dir"))
		return dir_absolute(t, colon + 1);
	if (strlen(colon + 1) >= sizeof(t->url)) {
		cli_msg("%s: URL too long", t->store);
		return -1;
	}
	strcpy(t->url, colon + 1);
	return 0;
}

/* The key file's bytes (16 to 64 of them, taken as they are), as hex. */
static int add_key(struct target *t, const char *file)
{
	unsigned char key[KEY_MAX + 1];
	char hex[2 * KEY_MAX + 8];
	ssize_t n = 0, r;
	int fd, i, ret = -1;

	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fail_errno("cannot open key file", file);
		return -1;
	}
	/* to the end: a pipe may deliver a key in pieces */
	while (n < (ssize_t)sizeof(key) &&
	       (r = read(fd, key + n, sizeof(key) - n)) > 0)
		n += r;
	close(fd);
	if (n < KEY_MIN || n > KEY_MAX) {
		cli_msg("%s: a key is %d to %d bytes", file, KEY_MIN, KEY_MAX);
	} else {
		strcpy(hex, ",key=");
		for (i = 0; i < n; i++)
			sprintf(hex + 5 + 2 * i, "%02x", key[i]);
		ret = append(t, hex);
	}
	explicit_bzero(key, sizeof(key));
	explicit_bzero(hex, sizeof(hex));
	return ret;
}

int target_net_option(struct target *t, const char *opt, const char *val)
{
	char buf[32];
	char *end;
	long s;

	if (strcmp(t->store, "net")) {
		cli_msg("%s applies to net: URLs only", opt);
		return -1;
	}
	if (!strcmp(opt, "--key-file"))
		return add_key(t, val);
	s = strtol(val, &end, 10);
	if (*end || end == val || s < 1 || s > 3600) {
		cli_msg("--timeout: '%s' is not 1..3600 seconds", val);
		return -1;
	}
	snprintf(buf, sizeof(buf), ",timeout=%ld", s);
	return append(t, buf);
}

/* STORE:URL for messages: never the key a net URL carries. */
const char *target_show(const struct target *t, char *buf, size_t len)
{
	const char *key = strstr(t->url, "key=");
	int n = key ? (int)(key - t->url) : (int)strlen(t->url);

	if (key && n > 0 && t->url[n - 1] == ',')
		n--;
	snprintf(buf, len, "%s:%.*s%s", t->store, n, t->url,
		 key ? ",key=..." : "");
	return buf;
}

/*
 * Listening without a key trusts whoever connects first: with its data
 * (save) or with the VM it sends (load).  Said once, on stderr.
 */
void target_warn_unkeyed(const struct target *t)
{
	if (!strcmp(t->store, "net") && !strncmp(t->url, "listen:", 7) &&
	    !strstr(t->url, "key="))
		cli_msg("warning: listening without a key: the first peer to connect is trusted (use --key-file)");
}

void target_wipe(struct target *t)
{
	explicit_bzero(t->url, sizeof(t->url));
}
