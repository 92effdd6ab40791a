// SPDX-License-Identifier: GPL-2.0
/*
 * v3chkpt vm dirty: a VM's dirty rate, as an operator measures it before
 * migrating (QEMU's calc-dirty-rate).  Starts the VM's tracker, harvests
 * it every interval and prints what each harvest found and cost; closing
 * the tracker fd (on exit, however it comes) stops tracking.
 *
 * MB/s is MiB (2^20 bytes) per second of time actually elapsed between
 * harvests (CLOCK_MONOTONIC), not the nominal interval.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/v3chkpt.h>
#include "cli.h"

#define DIRTY_SYNOPSIS \
	"vm dirty NAME [--mode wp|ad|pml] [--interval SECS] [--count N] [--json]"
#define INTERVAL_MIN	0.01
#define INTERVAL_MAX	86400.0

static const struct {
	const char *name;
	uint32_t mode;
} modes[] = {
	{ "wp", V3CHKPT_DIRTY_WP }, { "ad", V3CHKPT_DIRTY_AD },
	{ "pml", V3CHKPT_DIRTY_PML },
};

/* One harvest. */
struct sample {
	double secs;		/* elapsed since the previous harvest */
	uint64_t pages, ns, exits, scanned;
};

struct dirty_run {
	char name[V3CHKPT_VM_NAME_MAX];
	const char *mode;
	double interval;
	uint64_t count;		/* 0: until interrupted */
	bool json;
	struct sample *s;	/* kept for --json only */
	size_t n, cap;
	uint64_t total_pages;
	double total_secs;
};

/* Seconds: digits with at most one '.', no sign, exponent, inf or nan. */
static int parse_secs(const char *s, double *v)
{
	size_t digits = strspn(s, "0123456789"), frac = 0;
	char *end;

	if (s[digits] == '.')
		frac = strspn(s + digits + 1, "0123456789");
	if (!digits && !frac)
		return -1;
	if (s[digits + (s[digits] == '.' ? 1 + frac : 0)])
		return -1;
	*v = strtod(s, &end);
	return *end || *v < INTERVAL_MIN || *v > INTERVAL_MAX ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct dirty_run *r,
		      uint32_t *mode)
{
	static const char *const known[] = {
		"--mode", "--interval", "--count", NULL
	};
	char opt[16];
	const char *v;
	size_t k;
	int i;

	if (argc < 2 || argv[1][0] == '-')
		return usage_error(DIRTY_SYNOPSIS);
	if (vm_name(r->name, argv[1]))
		return 2;
	for (i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			r->json = true;
			continue;
		}
		v = opt_split(argc, argv, &i, known, opt, sizeof(opt));
		if (!v)
			return usage_error(DIRTY_SYNOPSIS);
		if (!strcmp(opt, "--mode")) {
			for (k = 0; k < ARRAY_SIZE(modes); k++)
				if (!strcmp(v, modes[k].name))
					break;
			if (k == ARRAY_SIZE(modes)) {
				cli_msg("vm dirty: unknown mode '%s' (wp, ad or pml)", v);
				return 2;
			}
			*mode = modes[k].mode;
			r->mode = modes[k].name;
		} else if (!strcmp(opt, "--interval")) {
			if (parse_secs(v, &r->interval)) {
				cli_msg("vm dirty: --interval '%s' is not seconds from %g to %g",
					v, INTERVAL_MIN, INTERVAL_MAX);
				return 2;
			}
		} else if (parse_u64(v, &r->count) || !r->count) {
			cli_msg("vm dirty: --count '%s' is not a number >= 1", v);
			return 2;
		}
	}
	return 0;
}

static double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double mib_s(uint64_t pages, double secs)
{
	return secs > 0 ? pages * 4096.0 / (1 << 20) / secs : 0;
}

/* Start the tracker: its fd, or -1 (reported). */
static int dirty_start(const struct dirty_run *r, uint32_t mode)
{
	struct v3chkpt_vm_dirty d = { .size = sizeof(d), .mode = mode };
	int dev, fd, e;

	strcpy(d.name, r->name);
	dev = dev_open();
	if (dev < 0)
		return -1;
	fd = ioctl(dev, V3CHKPT_IOC_VM_DIRTY, &d);
	e = errno;
	close(dev);
	if (fd >= 0)
		return fd;
	fail_err(e, "vm dirty", r->name);
	if (e == EBUSY)
		cli_msg("a tracker is already running on VM '%s' (vm dirty, or a migration)",
			r->name);
	else if (e == EIO)
		cli_msg("VM '%s' has failed (load a checkpoint into it, or destroy it)",
			r->name);
	else if (e == ENODEV)
		cli_msg("VM '%s' is being destroyed", r->name);
	else if (e == EOPNOTSUPP)
		cli_msg("this module cannot track dirty pages in mode %s", r->mode);
	else if (e == ENOTTY)
		cli_msg("this module has no dirty-page tracking (too old?)");
	return -1;
}

/*
 * One harvest into *bm (grown to the size the kernel asks for): 0, or
 * -1 with errno.  The out fields go in as 0, as the ABI requires.
 */
static int harvest(int fd, void **bm, size_t *bytes,
		   struct v3chkpt_dirty_harvest *h)
{
	for (;;) {
		void *p;

		memset(h, 0, sizeof(*h));
		h->size = sizeof(*h);
		h->bitmap = (uintptr_t)*bm;
		h->bitmap_bytes = *bytes;
		if (!ioctl(fd, V3CHKPT_IOC_DIRTY_HARVEST, h))
			return 0;
		if (errno != ENOBUFS || h->frames <= (uint64_t)*bytes * 8)
			return -1;
		/* nothing was harvested: size it and ask again */
		p = realloc(*bm, (h->frames + 63) / 64 * 8);
		if (!p)
			return -1;
		*bm = p;
		*bytes = (h->frames + 63) / 64 * 8;
	}
}

static int record(struct dirty_run *r, const struct sample *s)
{
	r->total_pages += s->pages;
	r->total_secs += s->secs;
	if (!r->json) {
		printf("%8zu %8.3f %10" PRIu64 " %10.1f %12.1f %8" PRIu64 " %10" PRIu64 "\n",
		       r->n + 1, s->secs, s->pages, mib_s(s->pages, s->secs),
		       s->ns / 1e3, s->exits, s->scanned);
		fflush(stdout);
		r->n++;
		return 0;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct sample *p = realloc(r->s, cap * sizeof(*p));

		if (!p)
			return -1;
		r->s = p;
		r->cap = cap;
	}
	r->s[r->n++] = *s;
	return 0;
}

/* The summary line, or the one JSON object of the invocation. */
static void report(const struct dirty_run *r, bool interrupted)
{
	size_t i;

	if (!r->json) {
		printf("total %" PRIu64 " pages in %.3f s (%zu intervals%s): %.1f MB/s average\n",
		       r->total_pages, r->total_secs, r->n,
		       interrupted ? ", interrupted" : "",
		       mib_s(r->total_pages, r->total_secs));
		return;
	}
	/* the kernel accepted the name: [A-Za-z0-9_.-], nothing to escape */
	printf("{\"vm\":\"%s\",\"mode\":\"%s\",\"interval_s\":%.6g,\"intervals\":[",
	       r->name, r->mode, r->interval);
	for (i = 0; i < r->n; i++) {
		const struct sample *s = &r->s[i];

		printf("%s{\"secs\":%.6f,\"pages\":%" PRIu64, i ? "," : "",
		       s->secs, s->pages);
		printf(",\"mb_s\":%.3f,\"harvest_us\":%.1f",
		       mib_s(s->pages, s->secs), s->ns / 1e3);
		printf(",\"exits\":%" PRIu64 ",\"scanned\":%" PRIu64 "}",
		       s->exits, s->scanned);
	}
	printf("],\"total_pages\":%" PRIu64 ",\"total_s\":%.6f",
	       r->total_pages, r->total_secs);
	printf(",\"avg_mb_s\":%.3f,\"interrupted\":%s}\n",
	       mib_s(r->total_pages, r->total_secs),
	       interrupted ? "true" : "false");
}

/* Sleep until @deadline (monotonic seconds); true if a stop signal came. */
static bool wait_until(const sigset_t *stops, double deadline)
{
	for (;;) {
		double left = deadline - now_secs();
		struct timespec ts;

		if (left <= 0)
			return false;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - ts.tv_sec) * 1e9);
		if (sigtimedwait(stops, NULL, &ts) > 0)
			return true;
		if (errno != EAGAIN && errno != EINTR)
			return false;
	}
}

int cmd_vm_dirty(int argc, char **argv)
{
	struct dirty_run r = { .mode = "pml", .interval = 1.0 };
	uint32_t mode = V3CHKPT_DIRTY_PML;
	struct v3chkpt_dirty_harvest h;
	bool stopped = false;
	double last, deadline;
	size_t bytes = 0;
	void *bm = NULL;
	sigset_t stops;
	int fd, ret, e = 0;

	ret = parse_args(argc, argv, &r, &mode);
	if (ret)
		return ret;
	cli_stops_block(&stops);
	fd = dirty_start(&r, mode);
	if (fd < 0)
		return 1;
	/* the first harvest counts from here: a full first interval */
	last = now_secs();
	deadline = last;
	if (!r.json) {
		printf("# vm %s: dirty pages (%s) every %g s%s\n", r.name, r.mode,
		       r.interval, r.count ? "" : "; ^C stops");
		printf("%8s %8s %10s %10s %12s %8s %10s\n", "INTERVAL", "SECS",
		       "PAGES", "MB/S", "HARVEST_US", "EXITS", "SCANNED");
		fflush(stdout);
	}
	while (!r.count || r.n < r.count) {
		struct sample s;
		double t;

		/* on schedule from the start; a late harvest skips ticks */
		do
			deadline += r.interval;
		while (deadline <= now_secs());
		stopped = wait_until(&stops, deadline);
		if (stopped)
			break;
		t = now_secs();
		if (harvest(fd, &bm, &bytes, &h)) {
			e = errno;
			break;
		}
		s = (struct sample){
			.secs = t - last, .pages = h.dirty, .ns = h.harvest_ns,
			.exits = h.exits, .scanned = h.scanned,
		};
		last = t;
		if (record(&r, &s)) {
			e = errno;
			break;
		}
	}
	close(fd);	/* stops tracking */
	free(bm);
	report(&r, stopped);
	free(r.s);
	ret = fflush(stdout) || ferror(stdout) ? fail_errno("write", "stdout") : 0;
	if (!e)
		return ret;
	fail_err(e, "vm dirty: harvest", r.name);
	if (e == ENODEV)
		cli_msg("VM '%s' was destroyed while it was tracked", r.name);
	return 1;
}
