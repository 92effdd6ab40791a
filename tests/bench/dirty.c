// SPDX-License-Identifier: GPL-2.0
/*
 * make bench, dirty-page tracking (issue 11 section 4), per mode (wp, ad,
 * pml):
 *
 *  - harvest cost with ~1000 dirty pages in a 256 MiB and a 4 GiB VM: the
 *    kernel's harvest_ns, median of HARVESTS harvests, each after
 *    re-dirtying.  Two placements, both spread over the whole memory:
 *    "guest" pages written by the vCPU (one step of 1000 writes to random
 *    pages of all of memory, so the EPT modes pay their own way: wp
 *    re-protects, ad scans, pml drains), and "mapped" pages written
 *    through a mapping of guest memory (1000 pages at an even stride);
 *  - guest steps per second with a tracker harvesting every 100 ms
 *    against none, and the EPT violations (wp) or log-full exits (pml)
 *    per harvest meanwhile.
 *
 * The machines are noisy and the guest runs under TCG: each figure is a
 * median with its spread.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/v3chkpt.h>
#include "dirty.h"

#define DIRTY_PAGES	1000
#define HARVESTS	21	/* per mode, size and placement */
#define RUN_MS		2000	/* each steps/s run */
#define HARVEST_MS	100
#define RUNS		5	/* steps/s runs per mode */
#define LOW_LIMIT	(3ULL << 30)	/* guest RAM above it starts at 4 GiB */
#define HIGH_BASE	(4ULL << 30)

static const struct {
	uint32_t mode;
	const char *name;
} modes[] = {
	{ V3CHKPT_DIRTY_WP, "wp" },
	{ V3CHKPT_DIRTY_AD, "ad" },
	{ V3CHKPT_DIRTY_PML, "pml" },
};
#define NMODES	3

static int dev;

static void die(const char *what)
{
	fprintf(stderr, "bench: dirty: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of @v[0..n), sorting it: v[0] and v[n - 1] are then the range. */
static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_dbl);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void ctl(const char *name, uint32_t op, uint64_t count)
{
	struct v3chkpt_vm_ctl c = { .size = sizeof(c), .op = op,
				    .count = count };

	snprintf(c.name, sizeof(c.name), "%s", name);
	if (ioctl(dev, V3CHKPT_IOC_VM_CTL, &c) && op != V3CHKPT_VM_OP_DESTROY)
		die(name);
}

static void create(const char *name, uint64_t mib,
		   const struct v3chkpt_workload *wl)
{
	struct v3chkpt_vm_create c = { .size = sizeof(c) };

	snprintf(c.name, sizeof(c.name), "%s", name);
	c.config.mem_bytes = mib << 20;
	c.config.vcpus = 1;
	c.config.workload = *wl;
	ctl(name, V3CHKPT_VM_OP_DESTROY, 0);
	if (ioctl(dev, V3CHKPT_IOC_VM_CREATE, &c))
		die("creating the VM");
}

static uint64_t steps(const char *name)
{
	struct v3chkpt_vm_entry e[16];
	struct v3chkpt_vm_list l = {
		.size = sizeof(l), .capacity = 16, .entries = (uintptr_t)e,
	};
	uint32_t i;

	if (ioctl(dev, V3CHKPT_IOC_VM_LIST, &l))
		die("VM list");
	for (i = 0; i < l.count && i < 16; i++) {
		if (strcmp(e[i].name, name))
			continue;
		if (e[i].state == V3CHKPT_VM_FAILED) {
			errno = -e[i].error;
			die("the VM failed");
		}
		return e[i].steps;
	}
	errno = ENOENT;
	die(name);
	return 0;
}

static int tracker(const char *name, uint32_t mode)
{
	struct v3chkpt_vm_dirty d = { .size = sizeof(d), .mode = mode };
	int fd;

	snprintf(d.name, sizeof(d.name), "%s", name);
	fd = ioctl(dev, V3CHKPT_IOC_VM_DIRTY, &d);
	if (fd < 0)
		die("V3CHKPT_IOC_VM_DIRTY");
	return fd;
}

static uint64_t *bitmap;
static uint64_t bitmap_bytes;
static double harvest_wall;	/* the last harvest ioctl, seen from here */

static struct v3chkpt_dirty_harvest harvest(int fd)
{
	struct v3chkpt_dirty_harvest h = {
		.size = sizeof(h), .bitmap = (uintptr_t)bitmap,
		.bitmap_bytes = bitmap_bytes,
	};
	double t = now();
	int r = ioctl(fd, V3CHKPT_IOC_DIRTY_HARVEST, &h);

	harvest_wall = now() - t;
	if (r) {
		if (errno != ENOBUFS)
			die("harvest");
		/* first call: size the bitmap to the frames it covers */
		free(bitmap);
		bitmap_bytes = (h.frames + 63) / 64 * 8;
		bitmap = malloc(bitmap_bytes);
		if (!bitmap)
			die("malloc");
		return harvest(fd);
	}
	return h;
}

/* The guest-physical address of page @i of a @mib MiB VM. */
static uint64_t page_gpa(uint64_t mib, uint64_t i)
{
	uint64_t low = (mib << 20) < LOW_LIMIT ? (mib << 20) : LOW_LIMIT;

	return i * 4096 < low ? i * 4096 : HIGH_BASE + i * 4096 - low;
}

struct cost {
	double ns[HARVESTS], wall[HARVESTS], dirty[HARVESTS], scanned[HARVESTS];
};

static void cost_add(struct cost *c, int k,
		     const struct v3chkpt_dirty_harvest *h)
{
	c->ns[k] = h->harvest_ns;
	c->wall[k] = harvest_wall * 1e9;
	c->dirty[k] = h->dirty;
	c->scanned[k] = h->scanned;
}

/* A VM of @mib MiB: @name's harvest costs per mode and placement. */
static void harvest_costs(uint64_t mib, struct cost c[NMODES][2])
{
	const char *name = "dirty-cost";
	struct v3chkpt_workload wl = {
		/* each step writes 1000 random pages of all of memory */
		.ws_pages = (mib << 20) / 4096, .write_pct = 100,
		.pattern = V3CHKPT_WL_RANDOM, .accesses = DIRTY_PAGES,
		.io_every = 1U << 30, .pace_us = 1,
	};
	uint64_t npages = (mib << 20) / 4096, span, i;
	struct v3chkpt_vm_map m = { .size = sizeof(m) };
	uint8_t *p;
	int fd, map, mi, k;

	create(name, mib, &wl);
	snprintf(m.name, sizeof(m.name), "%s", name);
	map = ioctl(dev, V3CHKPT_IOC_VM_MAP, &m);
	if (map < 0)
		die("VM map");
	span = page_gpa(mib, npages - 1) + 4096;
	p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_SHARED, map, 0);
	if (p == MAP_FAILED)
		die("mmap guest memory");
	for (mi = 0; mi < NMODES; mi++) {
		fd = tracker(name, modes[mi].mode);
		harvest(fd);	/* nothing yet: sizes the bitmap */
		for (k = 0; k < HARVESTS; k++) {
			struct v3chkpt_dirty_harvest h;

			ctl(name, V3CHKPT_VM_OP_STEP, 1);
			h = harvest(fd);
			cost_add(&c[mi][0], k, &h);
		}
		for (k = 0; k < HARVESTS; k++) {
			struct v3chkpt_dirty_harvest h;

			for (i = 0; i < DIRTY_PAGES; i++)
				p[page_gpa(mib, i * (npages / DIRTY_PAGES) + k) + 8]++;
			h = harvest(fd);
			cost_add(&c[mi][1], k, &h);
		}
		close(fd);
	}
	munmap(p, span);
	close(map);
	ctl(name, V3CHKPT_VM_OP_DESTROY, 0);
}

/*
 * Run @name for RUN_MS with a tracker in @mode harvesting every
 * HARVEST_MS (mode 0: no tracker); steps per second, and exits per
 * harvest in *@exits.
 */
static double run_rate(const char *name, uint32_t mode, double *exits)
{
	uint64_t s0, s1, ex = 0;
	int fd = -1, n = 0;
	double t0, t1;

	if (mode) {
		fd = tracker(name, mode);
		harvest(fd);
	}
	s0 = steps(name);
	t0 = now();
	ctl(name, V3CHKPT_VM_OP_RUN, 0);
	do {
		usleep(HARVEST_MS * 1000);
		if (mode) {
			ex += harvest(fd).exits;
			n++;
		}
	} while (now() - t0 < RUN_MS / 1000.0);
	ctl(name, V3CHKPT_VM_OP_PAUSE, 0);
	t1 = now();
	s1 = steps(name);
	if (mode)
		close(fd);
	*exits = n ? (double)ex / n : 0;
	return (s1 - s0) / (t1 - t0);
}

static void print_range(const char *label, double *v, int n, double scale,
			const char *unit)
{
	double med = median(v, n);

	int prec = med / scale < 10 ? 2 : 1;	/* ratios: two decimals */

	printf("  %-30s %10.*f %s  (range %.*f..%.*f, spread %.0f%%)\n", label,
	       prec, med / scale, unit, prec, v[0] / scale, prec,
	       v[n - 1] / scale, med ? 100 * (v[n - 1] - v[0]) / med : 0);
}

void dirty_bench(int fd)
{
	static const char *const place[] = {
		"guest (1000 random writes)", "mapped (1000, even stride)",
	};
	static struct cost c[2][NMODES][2];
	static const uint64_t mib[2] = { 256, 4096 };
	double rate[NMODES + 1][RUNS], ex[NMODES + 1][RUNS];
	double ratio[NMODES + 1][RUNS];
	struct v3chkpt_workload wl = {
		/*
		 * a 64 MiB working set, half writes at random; 4096 accesses
		 * a step, so the step's work, not its pace (1 us) and the
		 * host's sleep, is what is measured
		 */
		.ws_pages = 16384, .write_pct = 50, .accesses = 4096,
		.pattern = V3CHKPT_WL_RANDOM, .pace_us = 1,
	};
	int s, mi, pl, r;

	dev = fd;
	for (s = 0; s < 2; s++)
		harvest_costs(mib[s], c[s]);
	printf("dirty tracking: harvest of ~%d dirty pages spread over all of memory, 1 vCPU;\n"
	       "harvest_ns (the kernel's), median of %d harvests each after re-dirtying,\n"
	       "with its range and spread; the ioctl's time seen from userspace; pages\n"
	       "harvested and EPT entries scanned (medians):\n", DIRTY_PAGES, HARVESTS);
	for (pl = 0; pl < 2; pl++) {
		printf(" %s\n", place[pl]);
		for (mi = 0; mi < NMODES; mi++) {
			double m[2], w[2];

			for (s = 0; s < 2; s++) {
				struct cost *k = &c[s][mi][pl];

				m[s] = median(k->ns, HARVESTS);
				w[s] = median(k->wall, HARVESTS);
				printf("  %-3s %4llu MiB %8.1f us (%.1f..%.1f, %3.0f%%)  ioctl %8.1f us  %5.0f pages %7.0f scanned\n",
				       modes[mi].name, (unsigned long long)mib[s],
				       m[s] / 1e3, k->ns[0] / 1e3,
				       k->ns[HARVESTS - 1] / 1e3,
				       100 * (k->ns[HARVESTS - 1] - k->ns[0]) / m[s],
				       w[s] / 1e3,
				       median(k->dirty, HARVESTS),
				       median(k->scanned, HARVESTS));
			}
			printf("      4 GiB / 256 MiB: %.2f x (ioctl %.2f x)%s\n",
			       m[1] / m[0], w[1] / w[0],
			       modes[mi].mode == V3CHKPT_DIRTY_AD ?
			       "; ad scans each table whose accessed flag is set" :
			       "; issue 11 asks <= 2 x for 16x memory");
		}
	}

	create("dirty-run", 256, &wl);
	/* modes interleaved, so drift in the machine spreads over all */
	for (r = 0; r < RUNS; r++)
		for (mi = 0; mi <= NMODES; mi++)
			rate[mi][r] = run_rate("dirty-run",
					       mi ? modes[mi - 1].mode : 0,
					       &ex[mi][r]);
	ctl("dirty-run", V3CHKPT_VM_OP_DESTROY, 0);
	/* each tracked run against the untracked one just before it */
	for (r = 0; r < RUNS; r++)
		for (mi = 1; mi <= NMODES; mi++)
			ratio[mi][r] = rate[mi][r] / rate[0][r];
	printf("guest steps/s, 256 MiB VM, %d ms runs (4096 accesses a step, 50%% writes at random\n"
	       "in a 64 MiB working set),\n"
	       "median of %d runs; a tracker harvesting every %d ms vs none, and the\n"
	       "ratio of each tracked run to the untracked run just before it:\n",
	       RUN_MS, RUNS, HARVEST_MS);
	print_range("no tracker", rate[0], RUNS, 1, "steps/s");
	for (mi = 1; mi <= NMODES; mi++) {
		char label[64];

		snprintf(label, sizeof(label), "%s tracker", modes[mi - 1].name);
		print_range(label, rate[mi], RUNS, 1, "steps/s");
		print_range("  on / off (paired runs)", ratio[mi], RUNS, 1, "x");
		if (modes[mi - 1].mode == V3CHKPT_DIRTY_AD)
			continue;
		print_range(modes[mi - 1].mode == V3CHKPT_DIRTY_WP ?
			    "  EPT violations per harvest" :
			    "  log-full exits per harvest", ex[mi], RUNS, 1, "");
	}
}
