// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection at every step of an operation, as iommufd's selftests
 * do: for n = 1, 2, ... arm /proc/self/task/<tid>/fail-nth with n in the
 * thread that issues the ioctl, so the nth allocation (slab or page) that
 * thread makes in the kernel fails, run the operation once, and read
 * fail-nth back: 0 means the failure was injected.  Then:
 *
 *  - the operation failed with a clean errno (ENOMEM, or one the operation
 *    may legitimately get from the kernel code it calls), or absorbed the
 *    failure and succeeded;
 *  - the target VM's digest, the previous checkpoint (memory-store bytes,
 *    dir files) and the VM list are as they were; a failed create leaves
 *    no VM; the VM model's page count is back to its baseline; the kernel
 *    logged no warning.
 *
 * The walk ends at the first n the operation no longer reaches: it has
 * n - 1 fail points.  About half of them are absorbed: with kmemleak on,
 * each slab object is two fail points, the object and kmemleak's record
 * of it, whose failure kmemleak absorbs.  payload-kunit.sh scans for
 * leaks after all the stages.  Needs CONFIG_FAULT_INJECTION(_DEBUG_FS),
 * FAILSLAB and FAIL_PAGE_ALLOC; the KUnit guest runs it from
 * kstage-failnth.sh.
 *
 *   failnth_test OP     one walk; the last line of output is its summary
 *   failnth_test list   the operations
 *   failnth_test mig-src, mig-dst   the live-migration walks (failnth_mig.c)
 *   FAILNTH_VERBOSE=1   a line per n: result, seconds (op + checks), reason
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <linux/v3chkpt.h>
#define KEY_PREFIX	"fn-"
#include "vm_helpers.h"
#include "failnth.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif
#define TOP		"/tmp/fn"
#define VM_MIB		64
#define WALK_CAP	5000
/*
 * One device: every context and tagged field is a fail point or two (the
 * slab object, kmemleak's record of it), and the time budget is tight.
 */
#define VM_DEVICES	V3CHKPT_DEV_IOAPIC
#define ERRMSG		V3CHKPT_ERRMSG_MAX
#define PAGES_FILE	"/sys/kernel/debug/v3chkpt/vm_pages_in_use"
#define NET_TIMEOUT	"10"

int dev = -1;
int failures;
static struct v3chkpt_vm_digest d_src, d_dst;
static uint8_t *raw_over;	/* memory checkpoint "fn-over" as it was */
static size_t raw_over_len;
static long pages_base;
static int kmsg = -1;
unsigned int cur_n;
bool verbose;
const char *cur_op;

/* ---- fault injection ---- */

int put_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		ret = -errno;
	close(fd);
	return ret;
}

/*
 * Only fail-nth may inject: no random failures (probability 0), every
 * allocation counted (by default GFP_KERNEL and highmem ones, and
 * order-0 pages, are never failed, so would not count), and no log line
 * per injected failure (verbose 2 dumps a stack).
 */
static int fault_setup(void)
{
	static const char *const attrs[][2] = {
		{ "failslab/probability", "0" },
		{ "failslab/ignore-gfp-wait", "N" },
		{ "failslab/verbose", "0" },
		{ "fail_page_alloc/probability", "0" },
		{ "fail_page_alloc/ignore-gfp-wait", "N" },
		{ "fail_page_alloc/ignore-gfp-highmem", "N" },
		{ "fail_page_alloc/min-order", "0" },
		{ "fail_page_alloc/verbose", "0" },
	};
	char path[128];
	size_t i;
	int r;

	for (i = 0; i < ARRAY_SIZE(attrs); i++) {
		snprintf(path, sizeof(path), "/sys/kernel/debug/%s", attrs[i][0]);
		r = put_file(path, attrs[i][1]);
		if (r) {
			printf("cannot set %s: %s\n", path, strerror(-r));
			return r;
		}
	}
	return 0;
}

/* This thread's fail-nth file. */
int fn_open(void)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/fail-nth", gettid());
	return open(path, O_RDWR | O_CLOEXEC);
}

void fn_arm(int fd, unsigned int n)
{
	char b[16];
	int len = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(fd, b, len, 0) != len) {
		printf("cannot write fail-nth: %s\n", strerror(errno));
		exit(2);
	}
}

unsigned int fn_left(int fd)
{
	char b[16] = "";

	if (pread(fd, b, sizeof(b) - 1, 0) <= 0) {
		printf("cannot read fail-nth: %s\n", strerror(errno));
		exit(2);
	}
	return strtoul(b, NULL, 10);
}

/* ---- checks ---- */

long vm_pages(void)
{
	char b[32] = "";
	int fd = open(PAGES_FILE, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, b, sizeof(b) - 1);
	close(fd);
	return n > 0 ? strtol(b, NULL, 10) : -EIO;
}

/* Report what the kernel logged since the last call that looks wrong. */
void kmsg_check(void)
{
	static const char *const bad[] = {
		"WARNING:", "BUG:", "Oops", "UBSAN:", "Call Trace",
		"circular locking", "refcount_t:", "list_add corruption",
		"list_del corruption", "general protection", "vmalloc error",
		"allocation failure", "suspected memory leak",
	};
	char rec[8192];
	ssize_t n;
	size_t i;

	for (;;) {
		n = read(kmsg, rec, sizeof(rec) - 1);
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: read on */
		if (n <= 0)
			return;
		rec[n] = '\0';
		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			if (strstr(rec, bad[i])) {
				char *msg = strchr(rec, ';');

				FAIL("kernel: %s", msg ? msg + 1 : rec);
				break;
			}
		}
	}
}

/* Save options of every checkpoint the walk makes (setup's too). */
static uint32_t skip;

/* Equal states; without memory in the checkpoints, the rest of them. */
static bool digest_eq(const struct v3chkpt_vm_digest *a,
		      const struct v3chkpt_vm_digest *b)
{
	if (skip & V3CHKPT_SKIP_MEM)
		return a->vcpus == b->vcpus && a->devices == b->devices;
	return a->total == b->total && a->memory == b->memory &&
	       a->vcpus == b->vcpus && a->devices == b->devices;
}

/* @vm's digest is @want (or, if @alt, @alt). */
static bool vm_is(const char *vm, const struct v3chkpt_vm_digest *want,
		  const struct v3chkpt_vm_digest *alt)
{
	struct v3chkpt_vm_digest d;
	int r = vm_digest(dev, vm, &d);

	if (r) {
		FAIL("digest of %s: %s", vm, strerror(-r));
		return false;
	}
	return digest_eq(&d, want) || (alt && digest_eq(&d, alt));
}

static bool vm_absent(const char *vm)
{
	struct v3chkpt_vm_entry e;

	return vm_entry(dev, vm, &e) == -ENOENT;
}

static int vm_count(void)
{
	struct v3chkpt_vm_entry e[LIST_MAX];

	return vm_list(dev, e);
}

static int mem_count(void)
{
	struct v3chkpt_mem_entry e[64];

	return mem_list(dev, e, 64);
}

static bool file_same(const char *a, const char *b)
{
	char pa[512], pb[512];
	static char ba[1 << 16], bb[1 << 16];
	int fa, fb;
	ssize_t na, nb;
	bool same = true;

	snprintf(pa, sizeof(pa), "%s", a);
	snprintf(pb, sizeof(pb), "%s", b);
	fa = open(pa, O_RDONLY | O_CLOEXEC);
	fb = open(pb, O_RDONLY | O_CLOEXEC);
	if (fa < 0 || fb < 0) {
		same = false;
		goto out;
	}
	do {
		na = read(fa, ba, sizeof(ba));
		nb = read(fb, bb, sizeof(bb));
		if (na != nb || (na > 0 && memcmp(ba, bb, na)))
			same = false;
	} while (same && na > 0);
out:
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

/* Directory @a holds the same files with the same bytes as @b. */
static bool dir_same(const char *a, const char *b)
{
	char pa[512], pb[512];
	int na = 0, nb = 0;
	struct dirent *e;
	bool same = true;
	DIR *d;

	d = opendir(a);
	if (!d)
		return false;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			na++;
	closedir(d);
	d = opendir(b);
	if (!d)
		return false;
	while (same && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		nb++;
		snprintf(pa, sizeof(pa), "%s/%s", a, e->d_name);
		snprintf(pb, sizeof(pb), "%s/%s", b, e->d_name);
		same = file_same(pa, pb);
	}
	closedir(d);
	return same && na == nb;
}

/* Entries of TOP other than the ones a walk keeps there. */
static bool top_clean(void)
{
	static const char *const keep[] = { "src", "over", "over.orig" };
	struct dirent *e;
	bool clean = true;
	size_t i;
	DIR *d = opendir(TOP);

	if (!d)
		return false;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		for (i = 0; i < ARRAY_SIZE(keep); i++)
			if (!strcmp(e->d_name, keep[i]))
				break;
		if (i == ARRAY_SIZE(keep)) {
			char cmd[300];

			FAIL("%s/%s left behind", TOP, e->d_name);
			snprintf(cmd, sizeof(cmd), "rm -rf '%s/%s'", TOP, e->d_name);
			if (system(cmd))
				printf("cannot remove it\n");
			clean = false;
		}
	}
	closedir(d);
	return clean;
}

static bool raw_is(const char *key, const uint8_t *want, size_t len)
{
	size_t n;
	uint8_t *p = export_raw(dev, key, &n);
	bool same = p && n == len && !memcmp(p, want, len);

	free(p);
	return same;
}

/* ---- operations ---- */

static int save_at(const char *vm, const char *store, const char *url,
		   char *errmsg)
{
	uint32_t opts = skip;

	return vm_xfer_at(dev, V3CHKPT_IOC_VM_SAVE, vm, store, url, 0, &opts,
			  errmsg, NULL);
}

static int load_at(const char *vm, const char *store, const char *url,
		   uint32_t flags, char *errmsg)
{
	return vm_xfer_at(dev, V3CHKPT_IOC_VM_LOAD, vm, store, url, flags,
			  NULL, errmsg, NULL);
}

/*
 * Put "dst" back in its own state after a load into it succeeded (the
 * next failed load, and the walk's end, check its digest).
 */
static void dst_restore(void)
{
	int r = vm_load(dev, "dst", "fn-dst", 0, NULL, NULL);

	if (r)
		FAIL("cannot restore dst (%d)", r);
}

static int run_system(const char *cmd)
{
	int r = system(cmd);

	if (r)
		FAIL("%s: status %d", cmd, r);
	return r;
}

/*
 * Each operation: run() does it once (with fail-nth armed in the calling
 * thread by walk()), check() looks at the world after it, given its
 * result.  @errmsg is the kernel's reason on failure.
 */
struct op {
	const char *name;
	const char *desc;
	int (*run)(int fn, char *errmsg);
	void (*check)(int ret);
	const int *extra_errnos;	/* also clean, besides ENOMEM */
	uint32_t skip;			/* save options (V3CHKPT_SKIP_*) */
};

/* Arm, do @call, read back, disarm: *consumed tells if it failed. */
#define ARMED(fn, consumed, call) ({					\
	int __r;							\
	fn_arm(fn, cur_n);						\
	__r = (call);							\
	*(consumed) = !fn_left(fn);					\
	fn_arm(fn, 0);							\
	__r;								\
})

static bool consumed;

static int run_create(int fn, char *errmsg)
{
	struct v3chkpt_vm_config c = vm_cfg(VM_MIB, 1, 1);

	(void)errmsg;
	c.workload.ws_pages = 16;
	c.devices = VM_DEVICES;
	return ARMED(fn, &consumed, vm_create_cfg(dev, "new", &c));
}

static void check_create(int ret)
{
	if (ret && !vm_absent("new"))
		FAIL("a failed create left VM new");
	if (!ret && vm_destroy(dev, "new"))
		FAIL("cannot destroy new");
}

static int run_mem_save(int fn, char *errmsg)
{
	return ARMED(fn, &consumed, save_at("src", "memory", "fn-new", errmsg));
}

static void check_mem_save(int ret)
{
	int64_t n = mem_size(dev, "fn-new");

	if (ret && n != -ENOENT)
		FAIL("a failed save left checkpoint fn-new (%lld)", (long long)n);
	if (!ret && (n <= 0 || mem_delete(dev, "fn-new")))
		FAIL("checkpoint fn-new missing after its save (%lld)",
		     (long long)n);
}

static int run_mem_save_over(int fn, char *errmsg)
{
	return ARMED(fn, &consumed, save_at("src", "memory", "fn-over", errmsg));
}

static void check_mem_save_over(int ret)
{
	bool old = raw_is("fn-over", raw_over, raw_over_len);

	if (ret && !old)
		FAIL("a failed save changed checkpoint fn-over");
	if (!ret) {
		if (old)
			FAIL("a save did not replace fn-over");
		if (import_raw(dev, "fn-over", raw_over, raw_over_len))
			FAIL("cannot put fn-over back");
	}
}

static int run_dir_save(int fn, char *errmsg)
{
	return ARMED(fn, &consumed, save_at("src", "dir", TOP "/new", errmsg));
}

static void check_dir_save(int ret)
{
	struct stat st;
	bool there = !stat(TOP "/new/MANIFEST", &st);

	if (ret && !stat(TOP "/new", &st))
		FAIL("a failed save left %s/new", TOP);
	if (!ret && !there)
		FAIL("no %s/new/MANIFEST after its save", TOP);
	if (!ret)
		run_system("rm -rf " TOP "/new");
	top_clean();
}

static int run_dir_save_over(int fn, char *errmsg)
{
	return ARMED(fn, &consumed, save_at("src", "dir", TOP "/over", errmsg));
}

static void check_dir_save_over(int ret)
{
	bool old = dir_same(TOP "/over", TOP "/over.orig");

	if (ret && !old)
		FAIL("a failed save changed the checkpoint in %s/over", TOP);
	if (!ret) {
		if (old)
			FAIL("a save did not replace %s/over", TOP);
		run_system("rm -rf " TOP "/over && cp -a " TOP "/over.orig " TOP "/over");
	}
	top_clean();
}

static void check_load_into_dst(int ret)
{
	if (ret && !vm_is("dst", &d_dst, NULL))
		FAIL("a failed load changed VM dst");
	if (!ret) {
		if (!vm_is("dst", &d_src, NULL))
			FAIL("a load made dst neither its old state nor src's");
		dst_restore();
	}
}

static int run_mem_load(int fn, char *errmsg)
{
	return ARMED(fn, &consumed, load_at("dst", "memory", "fn-src", 0, errmsg));
}

static int run_dir_load(int fn, char *errmsg)
{
	return ARMED(fn, &consumed, load_at("dst", "dir", TOP "/src", 0, errmsg));
}

static void check_load_create(int ret)
{
	if (ret && !vm_absent("new"))
		FAIL("a failed load --create left VM new");
	if (!ret) {
		if (!vm_is("new", &d_src, NULL))
			FAIL("a load --create did not give src's state");
		if (vm_destroy(dev, "new"))
			FAIL("cannot destroy new");
	}
}

static int run_mem_load_create(int fn, char *errmsg)
{
	return ARMED(fn, &consumed, load_at("new", "memory", "fn-src",
					    V3CHKPT_VM_LOAD_CREATE, errmsg));
}

static int run_dir_load_create(int fn, char *errmsg)
{
	return ARMED(fn, &consumed, load_at("new", "dir", TOP "/src",
					    V3CHKPT_VM_LOAD_CREATE, errmsg));
}

/* ---- net: both ends in this process, the peer on a thread ---- */

struct peer {
	const char *vm, *url;
	uint32_t flags;
	bool stop;	/* saver: give up retrying a refused connect (atomic) */
	bool done;	/* (atomic) */
	int ret;
	char err[ERRMSG];
};

static int net_port(bool save_walk)
{
	return save_walk ? 7301 : 7302;
}

/* Is something listening on 127.0.0.1:@port? */
bool listening(int port)
{
	char want[32], line[256];
	bool found = false;
	FILE *f = fopen("/proc/net/tcp", "re");

	if (!f)
		return false;
	snprintf(want, sizeof(want), "0100007F:%04X", port);
	while (!found && fgets(line, sizeof(line), f)) {
		char local[64], st[8];

		if (sscanf(line, "%*d: %63s %*s %7s", local, st) == 2 &&
		    !strcmp(local, want) && !strcmp(st, "0A"))
			found = true;
	}
	fclose(f);
	return found;
}

/* A connection that says nothing: ends a listener nobody else will reach. */
static void poke(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		return;
	connect(s, (struct sockaddr *)&sa, sizeof(sa));
	close(s);
}

static void *peer_load(void *arg)
{
	struct peer *p = arg;

	p->ret = load_at(p->vm, "net", p->url, p->flags, p->err);
	__atomic_store_n(&p->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static void *peer_save(void *arg)
{
	struct peer *p = arg;

	do {
		p->ret = save_at(p->vm, "net", p->url, p->err);
		if (p->ret != -ECONNREFUSED)
			break;
		usleep(2000);
	} while (!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE));
	__atomic_store_n(&p->done, true, __ATOMIC_RELEASE);
	return NULL;
}

static int peer_finish(struct peer *p, pthread_t t, int port, bool poke_it)
{
	int i;

	for (i = 0; poke_it && !__atomic_load_n(&p->done, __ATOMIC_ACQUIRE) && i < 3000; i++) {
		poke(port);
		usleep(10000);
	}
	pthread_join(t, NULL);
	return p->ret;
}

static struct peer net_peer;

/* The saver is walked; a loader thread listens and loads into dst. */
static int run_net_save(int fn, char *errmsg)
{
	int port = net_port(true), i, r;
	char lurl[96], curl[96];
	pthread_t t;

	memset(&net_peer, 0, sizeof(net_peer));
	snprintf(lurl, sizeof(lurl), "listen:127.0.0.1:%d,timeout=" NET_TIMEOUT, port);
	snprintf(curl, sizeof(curl), "connect:127.0.0.1:%d,timeout=" NET_TIMEOUT, port);
	net_peer.vm = "dst";
	net_peer.url = lurl;
	if (pthread_create(&t, NULL, peer_load, &net_peer))
		return -EAGAIN;
	/* arm only once the peer listens: a refused connect is no fail point */
	for (i = 0; i < 10000 && !listening(port) && !__atomic_load_n(&net_peer.done, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	if (!listening(port)) {
		pthread_join(t, NULL);
		printf("the loader never listened: %d (%s)\n", net_peer.ret,
		       net_peer.err);
		exit(2);
	}
	r = ARMED(fn, &consumed, save_at("src", "net", curl, errmsg));
	/* a saver that failed before connecting leaves the loader waiting */
	peer_finish(&net_peer, t, port, r != 0);
	return r;
}

static void check_net_save(int ret)
{
	/*
	 * A sender that failed after END may not know the receiver accepted
	 * (its ACK lost): dst is then src's state, and that is fine.
	 */
	if (ret && net_peer.ret == 0)
		printf("# n=%u: the saver failed (%d) but the loader took it\n",
		       cur_n, ret);
	if (!ret && net_peer.ret)
		FAIL("the save succeeded but the loader failed: %d (%s)",
		     net_peer.ret, net_peer.err);
	/* the loader's side is walked by net-load; the end checks dst */
	if (!net_peer.ret) {
		if (!vm_is("dst", &d_src, NULL))
			FAIL("a net load did not give dst src's state");
		dst_restore();
	}
}

/* The loader (into dst, or creating new) is walked; a saver thread connects. */
static int net_load(int fn, char *errmsg, const char *vm, uint32_t flags)
{
	int port = net_port(false), r;
	char lurl[96], curl[96];
	pthread_t t;

	memset(&net_peer, 0, sizeof(net_peer));
	snprintf(lurl, sizeof(lurl), "listen:127.0.0.1:%d,timeout=" NET_TIMEOUT, port);
	snprintf(curl, sizeof(curl), "connect:127.0.0.1:%d,timeout=" NET_TIMEOUT, port);
	net_peer.vm = "src";
	net_peer.url = curl;
	if (pthread_create(&t, NULL, peer_save, &net_peer))
		return -EAGAIN;
	r = ARMED(fn, &consumed, load_at(vm, "net", lurl, flags, errmsg));
	__atomic_store_n(&net_peer.stop, true, __ATOMIC_RELEASE);
	peer_finish(&net_peer, t, port, false);
	return r;
}

static int run_net_load(int fn, char *errmsg)
{
	return net_load(fn, errmsg, "dst", 0);
}

static int run_net_load_create(int fn, char *errmsg)
{
	return net_load(fn, errmsg, "new", V3CHKPT_VM_LOAD_CREATE);
}

/* A save changes no VM state: src is checked at the walk's end. */
#define check_net_load		check_load_into_dst
#define check_net_load_create	check_load_create

/* ---- dirty tracking: the tracker's start, and one harvest ---- */

#define VM_PAGES	(VM_MIB * MIB / 4096)
#define WS_PAGES	16	/* src's working set: pages 0..15 */
#define MAPPED_PAGES	64	/* written through a mapping, spread out */
#define PROBE_STEPS	40	/* writes every page of the working set */

static int trk = -1;		/* the tracker fd a run started */
static uint64_t dbits[VM_PAGES / 64];
static struct v3chkpt_dirty_harvest dh;

/* Which mode the walk starts: the probe after it uses the same. */
static uint32_t start_mode;

static int dirty_start(int fn, uint32_t mode)
{
	int r;

	start_mode = mode;
	r = ARMED(fn, &consumed, vm_dirty(dev, "src", mode));
	if (r < 0)
		return r;
	trk = r;
	return 0;
}

static int run_dirty_wp(int fn, char *errmsg)
{
	(void)errmsg;
	return dirty_start(fn, V3CHKPT_DIRTY_WP);
}

static int run_dirty_ad(int fn, char *errmsg)
{
	(void)errmsg;
	return dirty_start(fn, V3CHKPT_DIRTY_AD);
}

static int run_dirty_pml(int fn, char *errmsg)
{
	(void)errmsg;
	return dirty_start(fn, V3CHKPT_DIRTY_PML);
}

/*
 * src steps on without a fault (a write-protected leaf left without a
 * tracker would fail its vCPU), then goes back to its state.
 */
static void src_steps_and_restore(void)
{
	struct v3chkpt_vm_entry e;
	int r = vm_step(dev, "src", PROBE_STEPS);

	if (r)
		FAIL("src cannot step on: %d", r);
	r = vm_entry(dev, "src", &e);
	if (r || e.state == V3CHKPT_VM_FAILED)
		FAIL("src after its steps: state %u, error %d (%d)", e.state,
		     e.error, r);
	r = vm_load(dev, "src", "fn-src", 0, NULL, NULL);
	if (r)
		FAIL("cannot restore src (%d)", r);
}

static void check_dirty_start(int ret)
{
	int fd;

	if (!ret) {
		close(trk);
		trk = -1;
	} else if (!vm_is("src", &d_src, NULL)) {
		FAIL("a failed tracker start changed src");
	}
	/* untracked: a start succeeds (not EBUSY), and its close stops it */
	fd = vm_dirty(dev, "src", start_mode);
	if (fd < 0)
		FAIL("a tracker start after it: %d", fd);
	else
		close(fd);
	src_steps_and_restore();
}

static bool mapped_page(unsigned long i)
{
	return i % (VM_PAGES / MAPPED_PAGES) == 7;
}

/*
 * Start a tracker, dirty src's working set (steps) and MAPPED_PAGES pages
 * through a mapping, then harvest once with fail-nth armed.
 */
static int run_harvest(int fn, uint32_t mode)
{
	uint64_t *p;
	unsigned long i;
	int map;

	trk = vm_dirty(dev, "src", mode);
	if (trk < 0) {
		printf("cannot start a tracker: %d\n", trk);
		exit(2);
	}
	map = vm_map(dev, "src");
	if (map < 0 || vm_step(dev, "src", PROBE_STEPS)) {
		printf("cannot map or step src: %d\n", map);
		exit(2);
	}
	p = mmap(NULL, VM_PAGES * 4096, PROT_READ | PROT_WRITE, MAP_SHARED,
		 map, 0);
	close(map);
	if (p == MAP_FAILED) {
		printf("cannot mmap src: %s\n", strerror(errno));
		exit(2);
	}
	for (i = 0; i < VM_PAGES; i++)
		if (mapped_page(i))
			p[i * 512 + 3] ^= 1;
	munmap(p, VM_PAGES * 4096);
	memset(dbits, 0, sizeof(dbits));
	return ARMED(fn, &consumed, dirty_harvest(trk, dbits, sizeof(dbits),
						  &dh));
}

static int run_harvest_wp(int fn, char *errmsg)
{
	(void)errmsg;
	return run_harvest(fn, V3CHKPT_DIRTY_WP);
}

static int run_harvest_ad(int fn, char *errmsg)
{
	(void)errmsg;
	return run_harvest(fn, V3CHKPT_DIRTY_AD);
}

static int run_harvest_pml(int fn, char *errmsg)
{
	(void)errmsg;
	return run_harvest(fn, V3CHKPT_DIRTY_PML);
}

/*
 * Nothing lost: the harvest that worked (this one, or the next after a
 * failed one) returns exactly the working set and the mapped pages.
 */
static void check_harvest(int ret)
{
	unsigned long i, n = 0, want = 0;
	int r;

	if (ret) {
		memset(dbits, 0, sizeof(dbits));
		r = dirty_harvest(trk, dbits, sizeof(dbits), &dh);
		if (r)
			FAIL("the harvest after a failed one: %d", r);
	}
	for (i = 0; i < VM_PAGES; i++) {
		bool set = dbits[i / 64] >> (i % 64) & 1;
		bool dirtied = i < WS_PAGES || mapped_page(i);

		n += set;
		want += dirtied;
		if (set != dirtied)
			FAIL("page %lu: %s", i, set ? "harvested, never written" :
			     "written, not harvested");
	}
	if (dh.dirty != n || n != want)
		FAIL("harvested %lu pages (dirty %llu), written %lu", n,
		     (unsigned long long)dh.dirty, want);
	close(trk);
	trk = -1;
	r = vm_load(dev, "src", "fn-src", 0, NULL, NULL);
	if (r)
		FAIL("cannot restore src (%d)", r);
}

/* tmpfs reports a failed inode or page allocation as ENOSPC (shmem). */
static const int dir_errnos[] = { ENOSPC, 0 };

/* What a socket, or the net store about its peer, may say besides ENOMEM. */
static const int net_errnos[] = {
	ENOBUFS, ECONNRESET, EPIPE, ECANCELED, ECONNABORTED,
	ENFILE,		/* sock_alloc(): a failed inode allocation */
	0
};

#define OP(n, d, r, c, e) \
	{ .name = n, .desc = d, .run = r, .check = c, .extra_errnos = e }
/*
 * The dir and net walks move checkpoints without guest memory: memory's
 * paths are the memory-store walks', and each saved or staged 64 MiB
 * would cost the walk seconds per fail point under TCG + KASAN.
 */
#define OP_NOMEM(n, d, r, c, e) \
	{ .name = n, .desc = d, .run = r, .check = c, .extra_errnos = e, \
	  .skip = V3CHKPT_SKIP_MEM }
static const struct op ops[] = {
	OP("create", "VM create (64 MiB, 1 vCPU)", run_create, check_create,
	   NULL),
	OP("mem-save", "save to a new memory checkpoint", run_mem_save,
	   check_mem_save, NULL),
	OP("mem-save-over", "save over a memory checkpoint", run_mem_save_over,
	   check_mem_save_over, NULL),
	OP_NOMEM("dir-save", "save to a new dir checkpoint", run_dir_save,
	   check_dir_save, dir_errnos),
	OP_NOMEM("dir-save-over", "save over a dir checkpoint", run_dir_save_over,
	   check_dir_save_over, dir_errnos),
	OP("mem-load", "load from memory into a paused VM", run_mem_load,
	   check_load_into_dst, NULL),
	OP_NOMEM("dir-load", "load from dir into a paused VM", run_dir_load,
	   check_load_into_dst, dir_errnos),
	OP("mem-load-create", "load --create from memory", run_mem_load_create,
	   check_load_create, NULL),
	OP_NOMEM("dir-load-create", "load --create from dir", run_dir_load_create,
	   check_load_create, dir_errnos),
	OP_NOMEM("net-save", "net save (connect) on loopback", run_net_save,
	   check_net_save, net_errnos),
	OP_NOMEM("net-load", "net load (listen) into a paused VM", run_net_load,
	   check_net_load, net_errnos),
	OP_NOMEM("net-load-create", "net load --create (listen)", run_net_load_create,
	   check_net_load_create, net_errnos),
	OP("dirty-wp", "dirty tracker start, wp", run_dirty_wp,
	   check_dirty_start, NULL),
	OP("dirty-ad", "dirty tracker start, ad", run_dirty_ad,
	   check_dirty_start, NULL),
	OP("dirty-pml", "dirty tracker start, pml", run_dirty_pml,
	   check_dirty_start, NULL),
	OP("harvest-wp", "dirty harvest, wp", run_harvest_wp, check_harvest,
	   NULL),
	OP("harvest-ad", "dirty harvest, ad", run_harvest_ad, check_harvest,
	   NULL),
	OP("harvest-pml", "dirty harvest, pml", run_harvest_pml, check_harvest,
	   NULL),
};

/* ---- the world the walks run in ---- */

static int setup(void)
{
	struct v3chkpt_vm_config c = vm_cfg(VM_MIB, 1, 1);
	int r;

	vm_cleanup(dev);
	if (system("rm -rf " TOP " && mkdir -p " TOP))
		return -EIO;
	c.workload.ws_pages = 16;
	c.devices = VM_DEVICES;
	r = vm_create_cfg(dev, "src", &c);
	if (!r)
		r = vm_create_cfg(dev, "dst", &c);
	/* two states of one configuration, so loads between them fit */
	if (!r)
		r = vm_step(dev, "src", 40);
	if (!r)
		r = vm_step(dev, "dst", 10);
	if (!r)
		r = vm_digest(dev, "src", &d_src);
	if (!r)
		r = vm_digest(dev, "dst", &d_dst);
	if (!r)
		r = save_at("src", "memory", "fn-src", NULL);
	if (!r)
		r = save_at("dst", "memory", "fn-dst", NULL);
	if (!r)
		r = save_at("dst", "memory", "fn-over", NULL);
	if (!r)
		r = save_at("src", "dir", TOP "/src", NULL);
	if (!r)
		r = save_at("dst", "dir", TOP "/over", NULL);
	if (r)
		return r;
	raw_over = export_raw(dev, "fn-over", &raw_over_len);
	if (!raw_over)
		return -EIO;
	if (system("cp -a " TOP "/over " TOP "/over.orig"))
		return -EIO;
	pages_base = vm_pages();
	return pages_base < 0 ? (int)pages_base : 0;
}

/* The world is as setup() left it. */
static void world_check(void)
{
	long pages = vm_pages();

	if (pages != pages_base)
		FAIL("VM pages %ld, baseline %ld", pages, pages_base);
	if (vm_count() != 2)
		FAIL("%d VMs, expected src and dst", vm_count());
	if (mem_count() != 3)
		FAIL("%d memory checkpoints, expected 3", mem_count());
	kmsg_check();
}

/*
 * After a walk: both VMs as they were, and the previous checkpoints still
 * load (into a new VM) to the state they were saved from.
 */
static void final_check(void)
{
	static const char *const store[] = { "memory", "dir" };
	static const char *const url[] = { "fn-over", TOP "/over" };
	size_t i;
	int r;

	cur_n = 0;
	if (!vm_is("src", &d_src, NULL))
		FAIL("src changed");
	if (!vm_is("dst", &d_dst, NULL))
		FAIL("dst changed");
	for (i = 0; i < 2; i++) {
		r = load_at("chk", store[i], url[i], V3CHKPT_VM_LOAD_CREATE, NULL);
		if (r)
			FAIL("the %s checkpoint %s no longer loads: %d", store[i],
			     url[i], r);
		else if (!vm_is("chk", &d_dst, NULL))
			FAIL("the %s checkpoint %s loads to another state",
			     store[i], url[i]);
		vm_destroy(dev, "chk");
	}
	world_check();
}

static bool errno_clean(const struct op *op, int ret)
{
	const int *e;

	if (ret == -ENOMEM)
		return true;
	for (e = op->extra_errnos; e && *e; e++)
		if (ret == -*e)
			return true;
	return false;
}

double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void tally_print(const struct tally *t, char *out, size_t len)
{
	size_t off = 0;
	int e;

	out[0] = '\0';
	for (e = 1; e < 140 && off < len; e++)
		if (t->err[e])
			off += snprintf(out + off, len - off, "%s%s x%d",
					off ? ", " : "", strerrorname_np(e),
					t->err[e]);
	if (t->absorbed && off < len)
		snprintf(out + off, len - off, "%sabsorbed x%d", off ? ", " : "",
			 t->absorbed);
}

static int walk(const struct op *op)
{
	char errmsg[ERRMSG], summary[512];
	struct tally t = {};
	unsigned int n;
	double t0 = now();
	int fn = fn_open(), r;

	if (fn < 0) {
		printf("no fail-nth (CONFIG_FAULT_INJECTION?): %s\n", strerror(errno));
		return 2;
	}
	cur_op = op->name;
	/* once without a fault: the walk's world must be sound */
	cur_n = 0;
	errmsg[0] = '\0';
	r = op->run(fn, errmsg);
	if (r) {
		printf("%s fails without a fault: %d (%s)\n", op->name, r, errmsg);
		return 2;
	}
	op->check(r);
	world_check();
	for (n = 1; n <= WALK_CAP; n++) {
		double t1 = now(), t2;

		cur_n = n;
		errmsg[0] = '\0';
		r = op->run(fn, errmsg);
		t2 = now();
		if (!consumed) {
			if (r)
				FAIL("failed without an injected fault: %d (%s)", r,
				     errmsg);
			op->check(r);
			world_check();
			break;
		}
		if (!r)
			t.absorbed++;
		else if (-r < 140)
			t.err[-r]++;
		if (r && !errno_clean(op, r))
			FAIL("errno %d (%s): %s", r, strerrorname_np(-r), errmsg);
		op->check(r);
		world_check();
		if (verbose)
			printf("# n=%u %d %.3f+%.3f s %s\n", n, r, t2 - t1,
			       now() - t2, errmsg);
	}
	final_check();
	tally_print(&t, summary, sizeof(summary));
	if (n > WALK_CAP)
		FAIL("still failing after %u fail points", WALK_CAP);
	printf("%s: %u fail points, %.1f s (%s)\n", op->name, n - 1, now() - t0,
	       summary);
	close(fn);
	return failures ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct op *op = NULL;
	bool mig;
	size_t i;
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	verbose = getenv("FAILNTH_VERBOSE") != NULL;
	for (i = 0; argc == 2 && i < ARRAY_SIZE(ops); i++)
		if (!strcmp(argv[1], ops[i].name))
			op = &ops[i];
	if (argc == 2 && !strcmp(argv[1], "list")) {
		for (i = 0; i < ARRAY_SIZE(ops); i++)
			printf("%s\t%s\n", ops[i].name, ops[i].desc);
		printf("mig-src\tlive migration on loopback, the source's thread\n");
		printf("mig-dst\tlive migration on loopback, the destination's thread\n");
		return 0;
	}
	mig = argc == 2 && (!strcmp(argv[1], "mig-src") ||
			    !strcmp(argv[1], "mig-dst"));
	if (!op && !mig) {
		fprintf(stderr, "usage: %s OP (%s list: the operations)\n",
			argv[0], argv[0]);
		return 2;
	}
	dev = dev_fd();
	if (dev < 0) {
		printf("open %s: %s\n", V3CHKPT_DEVICE, strerror(errno));
		return 2;
	}
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (kmsg < 0 || lseek(kmsg, 0, SEEK_END) < 0) {
		printf("/dev/kmsg: %s\n", strerror(errno));
		return 2;
	}
	if (mig) {
		r = fault_setup();
		return r ? 2 : mig_walk(argv[1]);
	}
	skip = op->skip;
	r = fault_setup();
	if (!r)
		r = setup();
	if (r) {
		printf("setup: %d (%s)\n", r, strerror(-r));
		return 2;
	}
	cur_op = op->name;
	kmsg_check();
	r = walk(op);
	vm_cleanup(dev);
	if (system("rm -rf " TOP))
		r = r ?: 1;
	return r;
}
