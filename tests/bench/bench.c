// SPDX-License-Identifier: GPL-2.0
/*
 * make bench: checkpoint throughput through the memory store, as ratios
 * against baselines measured in the same boot (memcpy, xxh64 in userspace,
 * a raw write to a tmpfs file), because the test machines are noisy and the
 * guest runs under TCG.  Best of several runs each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include <linux/v3chkpt.h>
#include "dirty.h"
#include "tcp_pair.h"

static size_t size = 128 << 20;
static int runs = 3;
static uint8_t *src, *dst;
static int dev;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int sess(const char *url, uint32_t mode)
{
	struct v3chkpt_open o = {
		.size = sizeof(o), .mode = mode,
		.store = (uintptr_t)"memory", .url = (uintptr_t)url,
	};
	int s = ioctl(dev, V3CHKPT_IOC_OPEN, &o);

	if (s < 0)
		die("open session");
	return s;
}

static void ctx(int s)
{
	struct v3chkpt_ctx_open c = {
		.size = sizeof(c), .name = (uintptr_t)"ram", .version = 1,
	};

	if (ioctl(s, V3CHKPT_IOC_CTX_OPEN, &c))
		die("open context");
}

static void blob(int s, unsigned long cmd, void *p)
{
	struct v3chkpt_blob b = {
		.size = sizeof(b), .tag = (uintptr_t)"pages",
		.data = (uintptr_t)p, .len = size,
	};

	if (ioctl(s, cmd, &b))
		die("blob");
}

static void finish(int s)
{
	if (ioctl(s, V3CHKPT_IOC_CTX_CLOSE, 0) || ioctl(s, V3CHKPT_IOC_COMMIT, 0))
		die("commit");
	close(s);
}

static void b_memcpy(void) { memcpy(dst, src, size); }

uint64_t bench_hash;	/* global, so the hash cannot be optimised away */
static void b_xxh64(void) { bench_hash = XXH64(src, size, 0); }

static void b_file(void)
{
	int fd = open("/tmp/bench.raw", O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t off = 0;

	if (fd < 0)
		die("open /tmp/bench.raw");
	while (off < size) {
		ssize_t n = write(fd, src + off, size - off);

		if (n <= 0)
			die("write");
		off += n;
	}
	close(fd);
	unlink("/tmp/bench.raw");
}

static void b_save(void)
{
	int s = sess("bench", V3CHKPT_MODE_SAVE);

	ctx(s);
	blob(s, V3CHKPT_IOC_BLOB_SAVE, src);
	finish(s);
}

static void b_load(void)
{
	int s = sess("bench", V3CHKPT_MODE_LOAD);

	ctx(s);		/* reads and verifies the whole context */
	blob(s, V3CHKPT_IOC_BLOB_LOAD, dst);
	finish(s);
}

static void b_export(void)
{
	int s = sess("bench", V3CHKPT_MODE_EXPORT);

	while (read(s, dst, size) > 0)
		;
	close(s);
}

/* Whole-VM save/load of a VM whose memory is all non-zero. */
static void vm_xfer_at(unsigned long cmd, const char *name, uint32_t flags,
		       const char *store, const char *url)
{
	char msg[256] = "";
	struct v3chkpt_vm_xfer x = {
		.size = sizeof(x), .flags = flags,
		.store = (uintptr_t)store, .url = (uintptr_t)url,
		.errmsg = (uintptr_t)msg, .errmsg_size = sizeof(msg),
	};

	snprintf(x.name, sizeof(x.name), "%s", name);
	if (ioctl(dev, cmd, &x)) {
		fprintf(stderr, "bench: %s: %s\n", name, msg);
		die("VM save/load");
	}
}

static void vm_xfer(unsigned long cmd, const char *name, uint32_t flags)
{
	vm_xfer_at(cmd, name, flags, "memory", "benchvm");
}

static void vm_ctl(const char *name, uint32_t op)
{
	struct v3chkpt_vm_ctl c = { .size = sizeof(c), .op = op };

	snprintf(c.name, sizeof(c.name), "%s", name);
	if (ioctl(dev, V3CHKPT_IOC_VM_CTL, &c) && op != V3CHKPT_VM_OP_DESTROY)
		die("VM control");
}

static void vm_create(const char *name)
{
	struct v3chkpt_vm_create c = { .size = sizeof(c) };

	snprintf(c.name, sizeof(c.name), "%s", name);
	c.config.mem_bytes = size;
	c.config.vcpus = 1;
	if (ioctl(dev, V3CHKPT_IOC_VM_CREATE, &c))
		die("VM create");
}

static uint64_t vm_digest(const char *name)
{
	struct v3chkpt_vm_digest d = { .size = sizeof(d) };

	snprintf(d.name, sizeof(d.name), "%s", name);
	if (ioctl(dev, V3CHKPT_IOC_VM_DIGEST, &d))
		die("VM digest");
	return d.total;
}

static void b_vm_save(void) { vm_xfer(V3CHKPT_IOC_VM_SAVE, "bench-a", 0); }
static void b_vm_load(void) { vm_xfer(V3CHKPT_IOC_VM_LOAD, "bench-b", 0); }
static void b_vm_create(void)
{
	vm_ctl("bench-c", V3CHKPT_VM_OP_DESTROY);
	vm_xfer(V3CHKPT_IOC_VM_LOAD, "bench-c", V3CHKPT_VM_LOAD_CREATE);
}
static void b_vm_digest(void) { bench_hash = vm_digest("bench-a"); }
static void b_vm_dir_save(void)
{
	vm_xfer_at(V3CHKPT_IOC_VM_SAVE, "bench-a", 0, "dir", "/tmp/benchdir");
}
static void b_vm_dir_load(void)
{
	vm_xfer_at(V3CHKPT_IOC_VM_LOAD, "bench-b", 0, "dir", "/tmp/benchdir");
}

/* Loopback TCP: the loader (or the raw reader) listens on a thread. */
#define BENCH_PORT 7400
static int port = BENCH_PORT;

static void *net_load(void *arg)
{
	char url[64];

	(void)arg;
	snprintf(url, sizeof(url), "listen:127.0.0.1:%d", port);
	vm_xfer_at(V3CHKPT_IOC_VM_LOAD, "bench-b", 0, "net", url);
	return NULL;
}

static int tcp_socket(int *ls)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		die("socket");
	if (ls) {
		setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(s, (void *)&a, sizeof(a)) || listen(s, 1))
			die("listen");
		*ls = s;
		return -1;
	}
	while (connect(s, (void *)&a, sizeof(a)))
		usleep(10000);
	return s;
}

static void *tcp_read(void *arg)
{
	int c = accept(*(int *)arg, NULL, NULL);

	if (c < 0)
		die("accept");
	while (read(c, dst, size) > 0)
		;
	close(c);
	return NULL;
}

static void b_tcp(void)
{
	size_t off = 0;
	pthread_t t;
	ssize_t n;
	int ls, s;

	port++;
	tcp_socket(&ls);
	pthread_create(&t, NULL, tcp_read, &ls);
	s = tcp_socket(NULL);
	for (; off < size; off += n) {
		n = write(s, src + off, size - off);
		if (n <= 0)
			die("tcp write");
	}
	close(s);
	pthread_join(t, NULL);
	close(ls);
}

static void b_vm_net(void)
{
	char url[64];
	pthread_t t;
	int i;

	port++;
	snprintf(url, sizeof(url), "connect:127.0.0.1:%d", port);
	pthread_create(&t, NULL, net_load, NULL);
	/* the loader's listen comes up on its thread */
	for (i = 0; i < 100; i++) {
		struct v3chkpt_vm_xfer x = {
			.size = sizeof(x), .store = (uintptr_t)"net",
			.url = (uintptr_t)url, .name = "bench-a",
		};

		if (!ioctl(dev, V3CHKPT_IOC_VM_SAVE, &x))
			break;
		if (errno != ECONNREFUSED)
			die("VM save to net");
		usleep(10000);
	}
	pthread_join(t, NULL);
}

static void vm_setup(void)
{
	struct v3chkpt_vm_map m = { .size = sizeof(m), .name = "bench-a" };
	void *p;
	int fd;

	vm_create("bench-a");
	vm_create("bench-b");
	fd = ioctl(dev, V3CHKPT_IOC_VM_MAP, &m);
	if (fd < 0)
		die("VM map");
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap guest memory");
	memcpy(p, src, size);
	munmap(p, size);
	close(fd);
}

/*
 * bench MIB vm-fill NAME: give a paused MIB MiB VM's memory content, as a
 * guest that has run a while has: even 2 MiB blocks incompressible bytes,
 * odd ones a repeated 8-byte pattern (LZ4 shrinks them), no page zero.
 */
static int vm_fill(const char *name)
{
	struct v3chkpt_vm_map m = { .size = sizeof(m) };
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	uint8_t *p;
	size_t i;
	int fd;

	snprintf(m.name, sizeof(m.name), "%s", name);
	fd = ioctl(dev, V3CHKPT_IOC_VM_MAP, &m);
	if (fd < 0)
		die("VM map");
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap guest memory");
	for (i = 0; i < size; i += 8) {
		if ((i >> 21) & 1) {
			memcpy(p + i, "v3-bench", 8);
			continue;
		}
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		memcpy(p + i, &x, 8);
	}
	munmap(p, size);
	close(fd);
	return 0;
}

static double best(void (*fn)(void))
{
	double b = 1e30;
	int i;

	for (i = 0; i < runs; i++) {
		double t = now();

		fn();
		t = now() - t;
		if (t < b)
			b = t;
	}
	return size / b / 1e6;
}

int main(int argc, char **argv)
{
	double mc, xx, fw, sv, ld, ex, vs, vl, vc, vd, tcp, ds, dl, vn;
	size_t i;

	if (argc > 1)
		size = strtoull(argv[1], NULL, 0) << 20;
	if (argc > 3 && !strcmp(argv[2], "vm-fill")) {
		dev = open(V3CHKPT_DEVICE, O_RDWR);
		if (dev < 0)
			die("open " V3CHKPT_DEVICE);
		return vm_fill(argv[3]);
	}
	if (argc > 2 && !strncmp(argv[2], "tcp-", 4))
		return tcp_pair(size, argc - 2, argv + 2);
	if (argc > 2 && !strcmp(argv[2], "dirty")) {
		/* only the dirty-tracking figures (tests/bench/dirty.c) */
		dev = open(V3CHKPT_DEVICE, O_RDWR);
		if (dev < 0)
			die("open " V3CHKPT_DEVICE);
		dirty_bench(dev);
		return 0;
	}
	src = malloc(size);
	dst = malloc(size);
	if (!src || !dst)
		die("malloc");
	for (i = 0; i < size; i++)
		src[i] = (uint8_t)(i * 2654435761u >> 11);
	memset(dst, 0, size);
	dev = open(V3CHKPT_DEVICE, O_RDWR);
	if (dev < 0)
		die("open " V3CHKPT_DEVICE);

	mc = best(b_memcpy);
	xx = best(b_xxh64);
	fw = best(b_file);
	sv = best(b_save);
	ld = best(b_load);
	if (memcmp(src, dst, size)) {
		fprintf(stderr, "bench: loaded data differs from saved data\n");
		return 1;
	}
	ex = best(b_export);
	vm_setup();
	vs = best(b_vm_save);
	vl = best(b_vm_load);
	vc = best(b_vm_create);
	vd = best(b_vm_digest);
	ds = best(b_vm_dir_save);
	dl = best(b_vm_dir_load);
	tcp = best(b_tcp);
	vn = best(b_vm_net);
	if (vm_digest("bench-a") != vm_digest("bench-b") ||
	    vm_digest("bench-a") != vm_digest("bench-c")) {
		fprintf(stderr, "bench: a loaded VM differs from the saved one\n");
		return 1;
	}
	vm_ctl("bench-a", V3CHKPT_VM_OP_DESTROY);
	vm_ctl("bench-b", V3CHKPT_VM_OP_DESTROY);
	vm_ctl("bench-c", V3CHKPT_VM_OP_DESTROY);

	printf("bench: %zu MiB blob, best of %d, in one QEMU/TCG boot\n", size >> 20, runs);
	printf("%-34s %10s %10s %10s\n", "", "MB/s", "/memcpy", "/file");
	printf("%-34s %10.0f %10.2f %10.2f\n", "baseline: memcpy", mc, 1.0, mc / fw);
	printf("%-34s %10.0f %10.2f %10.2f\n", "baseline: xxh64 (userspace)", xx, xx / mc, xx / fw);
	printf("%-34s %10.0f %10.2f %10.2f\n", "baseline: write to tmpfs file", fw, fw / mc, 1.0);
	printf("%-34s %10.0f %10.2f %10.2f\n", "save to memory store (+commit)", sv, sv / mc, sv / fw);
	printf("%-34s %10.0f %10.2f %10.2f\n", "load from memory store (verified)", ld, ld / mc, ld / fw);
	printf("%-34s %10.0f %10.2f %10.2f\n", "export raw stream (read(2))", ex, ex / mc, ex / fw);
	printf("%zu MiB 1-vCPU VM, memory all non-zero (MB/s of guest memory):\n", size >> 20);
	printf("%-34s %10.0f %10.2f %10.2f\n", "VM save to memory store", vs, vs / mc, vs / fw);
	printf("%-34s %10.0f %10.2f %10.2f\n", "VM load (stage, verify, apply)", vl, vl / mc, vl / fw);
	printf("%-34s %10.0f %10.2f %10.2f\n", "VM load --create", vc, vc / mc, vc / fw);
	printf("%-34s %10.0f %10.2f %10.2f\n", "VM digest", vd, vd / mc, vd / fw);
	printf("%-34s %10.0f %10.2f %10.2f\n", "VM save to dir store (tmpfs)", ds, ds / mc, ds / fw);
	printf("%-34s %10.0f %10.2f %10.2f\n", "VM load from dir store", dl, dl / mc, dl / fw);
	printf("%-34s %10.0f %10s %10s\n", "baseline: raw TCP, loopback", tcp, "", "/tcp");
	printf("%-34s %10.0f %10.2f %10.2f\n", "VM save -> load over net store", vn, vn / mc, vn / tcp);
	fflush(stdout);
	free(src);
	free(dst);
	dirty_bench(dev);
	return 0;
}
