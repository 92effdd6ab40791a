// SPDX-License-Identifier: GPL-2.0
/*
 * v3chkpt: the control utility for /dev/v3chkpt.
 *
 * Every failure prints what failed and the errno by name, and exits 1;
 * a usage error exits 2.  A blob read back with get is written out only
 * after the kernel has verified the whole stream; export is raw.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/v3chkpt.h>
#include "cli.h"

static void print_usage(FILE *f)
{
	fprintf(f,
"usage: v3chkpt COMMAND [ARGS]\n"
"\n"
"Checkpoint control utility for the v3chkpt kernel module (/dev/v3chkpt).\n"
"\n"
"  version                          module ABI, stream format and features\n"
"  put STORE:URL SPEC=FILE...       save files as blobs into a new checkpoint\n"
"  get STORE:URL SPEC [FILE]        load one blob (to FILE or stdout)\n"
"  list                             list memory-store checkpoints\n"
"  delete memory:KEY                delete a memory-store checkpoint\n"
"  export STORE:URL FILE            copy a checkpoint's raw stream to FILE\n"
"  import FILE STORE:URL            store FILE's raw stream as a checkpoint\n"
"  inspect FILE|DIR                 decode and verify a stream file ('-': stdin)\n"
"                                   or a dir: checkpoint\n"
"\n"
"  vm create NAME --mem SIZE --vcpus N [--workload KEY=VAL,...] [--devices LIST]\n"
"                                   create a VM (paused)\n"
"  vm list                          list VMs\n"
"  vm run|pause|resume NAME         start, stop or restart a VM's vCPUs\n"
"  vm step NAME COUNT               run COUNT steps per vCPU, then pause\n"
"  vm digest NAME                   print the VM's state digests\n"
"  vm dirty NAME [--mode wp|ad|pml] [--interval SECS] [--count N] [--json]\n"
"                                   track the pages the VM dirties: per interval\n"
"                                   (1 s; fractions too) pages, MB/s, harvest cost\n"
"                                   (us), exits and EPT entries scanned; until ^C\n"
"                                   or N intervals, then the total and average\n"
"  vm destroy NAME                  stop and free a VM\n"
"  save NAME STORE:URL [--skip mem,devs,cores,archdep] [XFER]\n"
"                                   checkpoint a VM (a running VM keeps running)\n"
"  load NAME STORE:URL [--create] [XFER]\n"
"                                   restore a paused VM from a checkpoint\n"
"                                   (--create: make the VM from it)\n"
"  XFER: --progress | --no-progress (default: shown on a terminal);\n"
"        net only: --key-file FILE (16-64 bytes), --timeout SECONDS [30]\n"
"  migrate NAME net:connect:HOST:PORT --key-file K [--downtime MS]\n"
"        [--max-bandwidth RATE] [--compress lz4] [--on-stall throttle|abort]\n"
"        [--destroy-source] [--dirty-mode wp|ad|pml] [--max-rounds N]\n"
"        [--max-time S] [--timeout S] [--progress|--json]\n"
"                                   live-migrate a VM (it keeps running until\n"
"                                   the last round; it is left 'migrated', or\n"
"                                   destroyed with --destroy-source)\n"
"  receive NAME net:listen:ADDR:PORT --key-file K [--timeout S] [--paused]\n"
"        [--progress|--json]        the other end: the VM appears as NAME once\n"
"                                   the migration is done (either end may listen),\n"
"                                   in its run state on the source, or paused\n"
"\n"
"SPEC is CONTEXT[#INSTANCE][@VERSION]/TAG (instance 0, version 1 if omitted;\n"
"for get, @VERSION is the newest accepted).  Blobs of one context must be\n"
"given together: a context once closed is never reopened.\n"
"STORE:URL is memory:KEY (KEY: letters, digits, '.', '_', '-'),\n"
"dir:PATH (a directory, replaced atomically on save), or\n"
"net:listen:ADDR:PORT / net:connect:ADDR:PORT (ADDR: IPv4 or [IPv6]);\n"
"one end of a net transfer saves, the other loads, either may listen.\n"
"\n"
"VM NAME: up to 31 of letters, digits, '.', '_', '-'.  SIZE: bytes or with a\n"
"K, M or G suffix (64M..64G, a multiple of 2M); N: 1..16 vCPUs.\n"
"--workload keys (per vCPU; defaults in brackets): ws=PAGES [1024],\n"
"write=PERCENT [30], pattern=seq|random|hotcold [seq], accesses=N per\n"
"step [64], io_every=STEPS [16], pace_us=USEC [100], seed=N [1].\n"
"--devices: a comma list of pit,pic,uart,rtc,ioapic,lapic, or all [all].\n"
"vm digest prints TOTAL mem=MEM vcpus=VCPUS devs=DEVS (xxh64, hex).\n"
"vm dirty --mode: pml [default] logs newly written pages per vCPU (an exit per\n"
"512, a harvest that only drains the logs), so it disturbs the guest least;\n"
"wp write-protects (an exit per page per interval); ad scans the EPT's dirty\n"
"flags.  MB/s is MiB per second of time actually elapsed; --json prints one\n"
"object at the end (also when interrupted).  One tracker per VM (EBUSY).\n"
"migrate: --downtime target of the last round [50 ms]; RATE: bytes/s with K, M\n"
"or G (1024-based), no cap by default; --on-stall: when the guest dirties\n"
"faster than the link, slow its vCPUs down step by step [throttle] or give up;\n"
"--dirty-mode [pml]; --max-rounds [64]; --max-time seconds [600].  A progress\n"
"line (round, MiB left, MiB/s, expected downtime, throttle) is shown on a\n"
"terminal or with --progress; ^C cancels (the source VM runs on) and waits for\n"
"the end.  The report: total time, downtime, rounds, bytes sent / guest RAM,\n"
"compression; --json: one object.  Exit 0 when the migration is done.\n"
"\n"
"Exit status: 0 success, 1 failure (the errno is named), 2 usage error.\n");
}

struct spec {
	char ctx[V3CHKPT_NAME_MAX];
	uint32_t instance;
	uint32_t version;
	bool has_version;
	char tag[V3CHKPT_NAME_MAX];
	const char *file;
};

/* CONTEXT[#INSTANCE][@VERSION]/TAG[=FILE] */
static int parse_spec(const char *arg, struct spec *s, bool want_file)
{
	const char *slash = strchr(arg, '/'), *eq;
	char head[V3CHKPT_NAME_MAX + 32], *p;
	size_t n;

	memset(s, 0, sizeof(*s));
	s->version = 1;
	eq = slash ? strchr(slash, '=') : NULL;
	if (!slash || slash == arg || (want_file && (!eq || !eq[1])) ||
	    (!want_file && eq))
		goto bad;
	n = slash - arg;
	if (n >= sizeof(head))
		goto bad;
	memcpy(head, arg, n);
	head[n] = '\0';
	p = strchr(head, '@');
	if (p) {
		*p++ = '\0';
		s->version = strtoul(p, &p, 0);
		s->has_version = true;
		if (*p)
			goto bad;
	}
	p = strchr(head, '#');
	if (p) {
		*p++ = '\0';
		s->instance = strtoul(p, &p, 0);
		if (*p)
			goto bad;
	}
	if (!head[0] || strlen(head) >= sizeof(s->ctx))
		goto bad;
	strcpy(s->ctx, head);
	n = eq ? (size_t)(eq - slash - 1) : strlen(slash + 1);
	if (!n || n >= sizeof(s->tag))
		goto bad;
	memcpy(s->tag, slash + 1, n);
	s->file = eq ? eq + 1 : NULL;
	return 0;
bad:
	fprintf(stderr, "%s: bad spec '%s' (want CONTEXT[#INST][@VER]/TAG%s)\n",
		prog, arg, want_file ? "=FILE" : "");
	return -1;
}

static int session_open(int dev, const struct target *t, uint32_t mode)
{
	struct v3chkpt_open o = {
		.size = sizeof(o), .mode = mode,
		.store = (uintptr_t)t->store, .url = (uintptr_t)t->url,
	};
	char show[V3CHKPT_STORE_MAX + V3CHKPT_URL_MAX + 16];
	int fd;

	target_warn_unkeyed(t);
	fd = ioctl(dev, V3CHKPT_IOC_OPEN, &o);
	if (fd < 0)
		fail_errno("open checkpoint", target_show(t, show, sizeof(show)));
	return fd;
}

static int ctx_open(int s, const struct spec *sp, uint32_t min_version)
{
	struct v3chkpt_ctx_open c = {
		.size = sizeof(c), .name = (uintptr_t)sp->ctx,
		.instance = sp->instance, .min_version = min_version,
		.version = sp->version,
	};

	if (ioctl(s, V3CHKPT_IOC_CTX_OPEN, &c) == 0)
		return 0;
	if (errno == EEXIST)
		fprintf(stderr, "%s: context '%s'#%u was already closed; give its blobs together\n",
			prog, sp->ctx, sp->instance);
	return fail_errno("open context", sp->ctx);
}

static int cmd_put(int dev, int argc, char **argv)
{
	struct spec cur = { .ctx = "" }, sp;
	struct target t;
	int s, i, ret = 1;

	if (argc < 3)
		return usage_error("put STORE:URL CONTEXT[#INST][@VER]/TAG=FILE...");
	if (parse_target(argv[1], &t))
		return 2;
	for (i = 2; i < argc; i++)
		if (parse_spec(argv[i], &sp, true))
			return 2;
	s = session_open(dev, &t, V3CHKPT_MODE_SAVE);
	if (s < 0)
		return 1;
	for (i = 2; i < argc; i++) {
		struct v3chkpt_blob b = { .size = sizeof(b) };
		bool mapped;
		size_t len;
		void *data;
		int r;

		parse_spec(argv[i], &sp, true);
		if (strcmp(sp.ctx, cur.ctx) || sp.instance != cur.instance ||
		    sp.version != cur.version) {
			if (cur.ctx[0] && ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 0)) {
				fail_errno("close context", cur.ctx);
				goto out;
			}
			cur = sp;
			if (ctx_open(s, &sp, 0))
				goto out;
		}
		data = slurp(sp.file, &len, &mapped);
		if (!data) {
			fail_errno("cannot read", sp.file);
			goto out;
		}
		b.tag = (uintptr_t)sp.tag;
		b.data = (uintptr_t)data;
		b.len = len;
		r = ioctl(s, V3CHKPT_IOC_BLOB_SAVE, &b);
		if (r)
			fail_errno("save blob", sp.tag);
		slurp_free(data, len, mapped);
		if (r)
			goto out;
	}
	if (ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 0)) {
		fail_errno("close context", cur.ctx);
		goto out;
	}
	if (ioctl(s, V3CHKPT_IOC_COMMIT, 0)) {
		fail_errno("commit", argv[1]);
		goto out;
	}
	ret = 0;
out:
	close(s);
	return ret;
}

static int write_out(const char *path, const void *buf, size_t len)
{
	char tmp[4096];
	FILE *f;

	if (!path || !strcmp(path, "-"))
		return fwrite(buf, 1, len, stdout) == len && !fflush(stdout) ?
		       0 : fail_errno("write", "stdout");
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "wb");
	if (!f)
		return fail_errno("cannot create", tmp);
	if (fwrite(buf, 1, len, f) != len || fflush(f) || fsync(fileno(f))) {
		int e = errno;

		fclose(f);
		unlink(tmp);
		return fail_err(e, "write", tmp);
	}
	if (fclose(f) || rename(tmp, path)) {
		unlink(tmp);
		return fail_errno("write", path);
	}
	return 0;
}

static int cmd_get(int dev, int argc, char **argv)
{
	struct v3chkpt_blob b = { .size = sizeof(b) };
	struct target t;
	struct spec sp;
	void *buf = NULL;
	int s, ret = 1;

	if (argc < 3 || argc > 4)
		return usage_error("get STORE:URL CONTEXT[#INST][@VER]/TAG [FILE]");
	if (parse_target(argv[1], &t) || parse_spec(argv[2], &sp, false))
		return 2;
	if (!sp.has_version)
		sp.version = UINT32_MAX;
	s = session_open(dev, &t, V3CHKPT_MODE_LOAD);
	if (s < 0)
		return 1;
	if (ctx_open(s, &sp, 0))
		goto out;
	b.tag = (uintptr_t)sp.tag;
	if (ioctl(s, V3CHKPT_IOC_BLOB_LEN, &b)) {
		fail_errno("find blob", sp.tag);
		goto out;
	}
	buf = malloc(b.len ? b.len : 1);
	if (!buf) {
		fail_errno("allocate", sp.tag);
		goto out;
	}
	b.data = (uintptr_t)buf;
	if (ioctl(s, V3CHKPT_IOC_BLOB_LOAD, &b)) {
		fail_errno("load blob", sp.tag);
		goto out;
	}
	if (ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 0)) {
		fail_errno("close context", sp.ctx);
		goto out;
	}
	if (ioctl(s, V3CHKPT_IOC_COMMIT, 0)) {
		fail_errno("verify stream", argv[1]);
		goto out;
	}
	ret = write_out(argc == 4 ? argv[3] : NULL, buf, b.len);
out:
	free(buf);
	close(s);
	return ret;
}

static int cmd_list(int dev, int argc, char **argv)
{
	struct v3chkpt_mem_list l = { .size = sizeof(l) };
	struct v3chkpt_mem_entry *e = NULL;
	uint32_t i;

	(void)argv;
	if (argc != 1)
		return usage_error("list");
	for (;;) {
		if (ioctl(dev, V3CHKPT_IOC_MEM_LIST, &l)) {
			free(e);
			return fail_errno("list", "memory store");
		}
		if (l.count <= l.capacity)
			break;
		free(e);
		l.capacity = l.count + 8;
		e = calloc(l.capacity, sizeof(*e));
		if (!e)
			return fail_errno("list", "out of memory");
		l.entries = (uintptr_t)e;
	}
	printf("%-32s %14s  %s\n", "NAME", "BYTES", "SAVED");
	for (i = 0; i < l.count; i++) {
		time_t secs = e[i].created_ns / 1000000000ULL;
		char when[64];

		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S",
			 gmtime(&secs));
		printf("%-32s %14llu  %s UTC\n", e[i].name,
		       (unsigned long long)e[i].bytes, when);
	}
	free(e);
	return 0;
}

static int cmd_delete(int dev, int argc, char **argv)
{
	struct v3chkpt_mem_delete d = { .size = sizeof(d) };
	struct target t;

	if (argc != 2)
		return usage_error("delete memory:KEY");
	if (parse_target(argv[1], &t))
		return 2;
	if (strcmp(t.store, "memory")) {
		fprintf(stderr, "%s: delete: only memory:KEY checkpoints can be deleted here\n",
			prog);
		return 2;
	}
	d.name = (uintptr_t)t.url;
	if (ioctl(dev, V3CHKPT_IOC_MEM_DELETE, &d))
		return fail_errno("delete", argv[1]);
	return 0;
}

static int cmd_export(int dev, int argc, char **argv)
{
	size_t cap = 1 << 20, len = 0;
	struct target t;
	char *buf = NULL;
	int s, ret = 1;
	ssize_t n;

	if (argc != 3)
		return usage_error("export STORE:URL FILE");
	if (parse_target(argv[1], &t))
		return 2;
	s = session_open(dev, &t, V3CHKPT_MODE_EXPORT);
	if (s < 0)
		return 1;
	buf = malloc(cap);
	while (buf && (n = read(s, buf + len, cap - len)) > 0) {
		len += n;
		if (len == cap) {
			char *q = realloc(buf, cap *= 2);

			if (!q)
				free(buf);
			buf = q;
		}
	}
	if (!buf) {
		fail_errno("export", "out of memory");
	} else if (n < 0) {
		fail_errno("export read", argv[1]);
	} else if (ioctl(s, V3CHKPT_IOC_COMMIT, 0)) {
		fail_errno("export", argv[1]);
	} else {
		ret = write_out(argv[2], buf, len);
		if (!ret)
			fprintf(stderr, "exported %zu bytes to %s\n", len, argv[2]);
	}
	free(buf);
	close(s);
	return ret;
}

static int cmd_import(int dev, int argc, char **argv)
{
	struct target t;
	size_t len, off = 0;
	bool mapped;
	char *data;
	int s, ret = 1;

	if (argc != 3)
		return usage_error("import FILE STORE:URL");
	if (parse_target(argv[2], &t))
		return 2;
	data = slurp(argv[1], &len, &mapped);
	if (!data)
		return fail_errno("cannot read", argv[1]);
	s = session_open(dev, &t, V3CHKPT_MODE_IMPORT);
	if (s < 0)
		goto out_data;
	while (off < len) {
		ssize_t n = write(s, data + off, len - off);

		if (n < 0) {
			fail_errno("import write", argv[2]);
			goto out;
		}
		off += n;
	}
	if (ioctl(s, V3CHKPT_IOC_COMMIT, 0)) {
		fail_errno("import commit", argv[2]);
		goto out;
	}
	ret = 0;
out:
	close(s);
out_data:
	slurp_free(data, len, mapped);
	return ret;
}

static int cmd_version(int dev, int argc, char **argv)
{
	struct v3chkpt_version v = { .size = sizeof(v) };

	(void)argv;
	if (argc != 1)
		return usage_error("version");
	if (ioctl(dev, V3CHKPT_IOC_VERSION, &v))
		return fail_errno("version", NULL);
	printf("module: %s\nabi: %u\nstream format: %u.%u\nfeatures:%s%s%s%s%s\n",
	       v.module_version, v.abi_version, v.format_major, v.format_minor,
	       v.features & V3CHKPT_FEAT_MEMORY_STORE ? " memory-store" : "",
	       v.features & V3CHKPT_FEAT_SESSIONS ? " sessions" : "",
	       v.features & V3CHKPT_FEAT_RAW_STREAM ? " raw-stream" : "",
	       v.features & V3CHKPT_FEAT_VM ? " vm" : "",
	       v.features & V3CHKPT_FEAT_MIGRATE ? " migrate" : "");
	return 0;
}

/* fn gets the open device; run parses first and opens it itself, if at all */
static const struct {
	const char *name;
	int (*fn)(int dev, int argc, char **argv);
	int (*run)(int argc, char **argv);
} cmds[] = {
	{ "version", cmd_version, NULL }, { "put", cmd_put, NULL },
	{ "get", cmd_get, NULL }, { "list", cmd_list, NULL },
	{ "delete", cmd_delete, NULL }, { "export", cmd_export, NULL },
	{ "import", cmd_import, NULL }, { "inspect", NULL, cmd_inspect },
	{ "vm", NULL, cmd_vm }, { "save", NULL, cmd_save },
	{ "load", NULL, cmd_load }, { "migrate", NULL, cmd_migrate },
	{ "receive", NULL, cmd_receive },
};

int main(int argc, char **argv)
{
	size_t i;
	int dev, ret;

	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		print_usage(stdout);
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(cmds); i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		if (cmds[i].run)
			return cmds[i].run(argc - 1, argv + 1);
		dev = dev_open();
		if (dev < 0)
			return 1;
		ret = cmds[i].fn(dev, argc - 1, argv + 1);
		close(dev);
		return ret;
	}
	fprintf(stderr, "%s: unknown command '%s'\n", prog, argv[1]);
	print_usage(stderr);
	return 2;
}
