// SPDX-License-Identifier: GPL-2.0
/*
 * hostile_run: load hostile VM checkpoints into the module (the guest half
 * of tests/qemu/kstage-hostile.sh; the cases come from mutate.c).
 *
 *   hostile_run [CASES [SEED [STEPS [SECONDS [FIRST]]]]]
 *
 * runs cases FIRST..FIRST+CASES-1 (so `hostile_run 1 SEED 12 60 N` with
 * HOSTILE_VERBOSE=1 replays case N alone: the VM saved is the same each
 * time, the workload being deterministic).  The same VM from the CLI,
 * for `vm_mutate gen FILE SEED N OUT`:
 *   v3chkpt vm create hs-src --mem 64M --vcpus 2 --workload \
 *	ws=64,accesses=16,io_every=1,pace_us=1,seed=7
 *   v3chkpt vm step hs-src 40; v3chkpt save hs-src memory:hs-orig
 *   v3chkpt export memory:hs-orig FILE
 * Saves a small stepped VM, checks that the generator re-encodes it byte
 * for byte, then for each case: imports the mutated stream into the
 * memory store and loads it
 *   - into a paused target VM of the same configuration: a refusal must
 *     leave the target's digest and state as they were; an acceptance must
 *     step STEPS steps without a vCPU fault, and the VM must then save and
 *     load its own checkpoint (the target is then restored);
 *   - with LOAD_CREATE as a new VM: a refusal must leave no VM behind; an
 *     acceptance must step without a fault, and is then destroyed.
 * Any kernel log line of a warning, a sanitizer report or a vCPU fault
 * fails the case that caused it.  Prints "PASS text" / "FAIL text" per
 * check (one per class, not per case) for the stage to turn into TAP,
 * and every failing case with its seed, number and mutation.  Cases go
 * round the classes in turn; after SECONDS (default 230) no new case
 * starts, so a slow machine runs fewer cases of every class, and says so.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KEY_PREFIX "hs-"
#include "../selftests/vm_helpers.h"
#include "mutate.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define SRC	"hs-src"
#define TARGET	"hs-target"
#define NEWVM	"hs-new"
#define ORIG	"hs-orig"
#define CASEKEY	"hs-case"
#define RESAVE	"hs-resave"

static int dev;
static int kmsg = -1;
static bool verbose;	/* HOSTILE_VERBOSE=1: every case's outcome */

struct stats {
	unsigned int cases, t_refused, t_accepted, c_refused, c_accepted,
		     failed;
};

static struct stats st[HM_NCLASSES];
static u64 seed;

/* Seconds spent per phase, to keep the stage's time in view. */
enum { T_GEN, T_LOAD, T_DIGEST, T_STEP, T_RESAVE, T_RESTORE, T_CREATE, T_NR };
static const char * const t_names[T_NR] = {
	"generate+import", "target loads", "digests", "steps",
	"saves and loads of accepted states", "restores",
	"--create loads+destroys",
};
static double t_spent[T_NR];

static void check(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("%s ", ok ? "PASS" : "FAIL");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double t_last;

/* Charge the time since the last call to phase @t. */
static void spent(int t)
{
	double n = now();

	t_spent[t] += n - t_last;
	t_last = n;
}

/* New kernel log lines that mean trouble: the first into @buf. */
static bool kmsg_bad(char *buf, size_t size)
{
	static const char * const bad[] = {
		"WARNING:", "BUG:", "Oops", "UBSAN:", "KASAN", "Call Trace",
		"general protection", "refcount_t:", "corruption",
		"faulted", "circular locking",
	};
	char rec[1024];
	bool found = false;
	ssize_t n;
	size_t i;

	if (kmsg < 0)
		return false;
	while ((n = read(kmsg, rec, sizeof(rec) - 1)) > 0 || (n < 0 && errno == EPIPE)) {
		if (n <= 0)
			continue;	/* EPIPE: records overwritten; read on */
		rec[n] = 0;
		for (i = 0; i < ARRAY_SIZE(bad) && !found; i++) {
			if (strstr(rec, bad[i])) {
				snprintf(buf, size, "%s", strchr(rec, ';') ?
					 strchr(rec, ';') + 1 : rec);
				buf[strcspn(buf, "\n")] = 0;
				found = true;
			}
		}
	}
	return found;
}

static struct v3chkpt_vm_config config(void)
{
	struct v3chkpt_vm_config c = vm_cfg(64, 2, 7);

	c.workload.ws_pages = 64;
	c.workload.accesses = 16;
	c.workload.io_every = 1;	/* every step programs a device */
	c.workload.pace_us = 1;
	return c;
}

/* Step @name, then demand a paused VM with no vCPU fault: "" or why not. */
static const char *step_clean(const char *name, u64 steps, char *why,
			      size_t size)
{
	struct v3chkpt_vm_entry e;
	int r = vm_step(dev, name, steps);

	if (r) {
		snprintf(why, size, "step %s: %s", name, strerror(-r));
		return why;
	}
	r = vm_entry(dev, name, &e);
	if (r) {
		snprintf(why, size, "%s: not listed after a step (%s)", name,
			 strerror(-r));
		return why;
	}
	if (e.state != V3CHKPT_VM_PAUSED || e.error) {
		snprintf(why, size, "%s: state %u, vCPU error %d after %llu steps",
			 name, e.state, e.error, (unsigned long long)steps);
		return why;
	}
	return "";
}

static bool same_digest(const struct v3chkpt_vm_digest *a,
			const struct v3chkpt_vm_digest *b)
{
	return a->total == b->total && a->memory == b->memory &&
	       a->vcpus == b->vcpus && a->devices == b->devices;
}

static void fail_case(u32 id, const struct hm_case *c, const char *why)
{
	st[c->cls].failed++;
	printf("# FAIL case %u seed 0x%llx class %s (%s): %s\n", id,
	       (unsigned long long)seed, hm_class_name(c->cls), c->what, why);
}

/* Load case @id as a new VM: refused, nothing is left; else it steps. */
static void create_case(u32 id, const struct hm_case *c, struct stats *s,
			u64 steps)
{
	char why[512], msg[V3CHKPT_ERRMSG_MAX];
	struct v3chkpt_vm_entry e;
	int r;

	r = vm_load(dev, NEWVM, CASEKEY, V3CHKPT_VM_LOAD_CREATE, NULL, msg);
	if (r) {
		s->c_refused++;
		if (verbose)
			printf("#   --create refused: %s: %s\n", strerror(-r),
			       msg);
		if (vm_entry(dev, NEWVM, &e) != -ENOENT)
			fail_case(id, c, "a refused --create load left a VM behind");
		return;
	}
	s->c_accepted++;
	if (verbose)
		printf("#   --create accepted\n");
	spent(T_CREATE);
	if (*step_clean(NEWVM, steps, why, sizeof(why)))
		fail_case(id, c, why);
	spent(T_STEP);
	r = vm_destroy(dev, NEWVM);
	if (r || vm_entry(dev, NEWVM, &e) != -ENOENT) {
		snprintf(why, sizeof(why), "destroying %s: %s", NEWVM,
			 strerror(-r));
		fail_case(id, c, why);
	}
}

/* One case against the target and with LOAD_CREATE. */
static void run_case(const struct hm_stream *base, u32 id, u64 steps,
		     const struct v3chkpt_vm_digest *d0)
{
	char why[512], msg[V3CHKPT_ERRMSG_MAX], log[512];
	struct v3chkpt_vm_digest d;
	struct v3chkpt_vm_entry e;
	struct hm_case c;
	bool restored = false;
	struct stats *s;
	size_t len;
	u8 *buf;
	int r;

	t_last = now();
	r = hm_make_case(base, seed, id, &c, &buf, &len);
	s = &st[c.cls];
	s->cases++;
	if (r) {
		fail_case(id, &c, "the generator failed");
		return;
	}
	r = import_raw(dev, CASEKEY, buf, len);
	free(buf);
	if (r) {
		snprintf(why, sizeof(why), "import: %s", strerror(-r));
		fail_case(id, &c, why);
		return;
	}

	spent(T_GEN);
	/* Into the paused target. */
	r = vm_load(dev, TARGET, CASEKEY, 0, NULL, msg);
	spent(T_LOAD);
	if (verbose)
		printf("# case %u %s (%s): target %s%s%s\n", id,
		       hm_class_name(c.cls), c.what,
		       r ? "refused: " : "accepted", r ? strerror(-r) : "",
		       r ? (msg[0] ? ": " : "") : "");
	if (verbose && r && msg[0])
		printf("#   %s\n", msg);
	if (r) {
		s->t_refused++;
		r = vm_digest(dev, TARGET, &d);
		spent(T_DIGEST);
		if (r || !same_digest(&d, d0))
			fail_case(id, &c, "a refused load changed the target's digest");
		else if (vm_entry(dev, TARGET, &e) ||
			 e.state != V3CHKPT_VM_PAUSED || e.error)
			fail_case(id, &c, "a refused load changed the target's state");
		else
			restored = true;
	} else {
		s->t_accepted++;
		if (*step_clean(TARGET, steps, why, sizeof(why)))
			fail_case(id, &c, why);
		spent(T_STEP);
		/*
		 * What a load accepts and a step makes of it, a save writes
		 * and a load accepts again: no VM becomes unrestorable.
		 */
		r = vm_save(dev, TARGET, RESAVE, 0);
		if (r) {
			snprintf(why, sizeof(why), "saving it again: %s",
				 strerror(-r));
			fail_case(id, &c, why);
		} else {
			r = vm_load(dev, TARGET, RESAVE, 0, NULL, msg);
			if (r) {
				snprintf(why, sizeof(why),
					 "loading its own save: %s: %s",
					 strerror(-r), msg);
				fail_case(id, &c, why);
			}
		}
		spent(T_RESAVE);
	}
	/* The next case starts from the saved state again. */
	if (!restored) {
		r = vm_load(dev, TARGET, ORIG, 0, NULL, msg);
		if (r || vm_digest(dev, TARGET, &d) || !same_digest(&d, d0)) {
			snprintf(why, sizeof(why),
				 "restoring the target failed (%s: %s)",
				 strerror(-r), msg);
			fail_case(id, &c, why);
		}
	}
	spent(T_RESTORE);
	/* As a new VM. */
	/* Big memory claims too: a load never wakes the OOM killer. */
	create_case(id, &c, s, steps);
	spent(T_CREATE);
	if (kmsg_bad(log, sizeof(log))) {
		snprintf(why, sizeof(why), "kernel log: %s", log);
		fail_case(id, &c, why);
	}
}

int main(int argc, char **argv)
{
	u32 id, first = 0, cases = 350;
	u64 steps = 12;
	double budget = 230;
	struct v3chkpt_vm_config cfg = config();
	struct v3chkpt_vm_digest d0, d;
	struct v3chkpt_vm_entry list[LIST_MAX];
	struct hm_stream base;
	unsigned int cls, fails = 0;
	double t0 = now();
	char msg[V3CHKPT_ERRMSG_MAX];
	size_t len;
	u8 *orig;
	int r, n, i;

	seed = 0x5eed;
	if (argc > 1)
		cases = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		seed = strtoull(argv[2], NULL, 0);
	if (argc > 3)
		steps = strtoull(argv[3], NULL, 0);
	if (argc > 4)
		budget = strtod(argv[4], NULL);
	if (argc > 5)
		first = strtoul(argv[5], NULL, 0);
	verbose = getenv("HOSTILE_VERBOSE") && !strcmp(getenv("HOSTILE_VERBOSE"), "1");
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = dev_fd();
	if (dev < 0) {
		check(false, "hostile: open %s: %s", V3CHKPT_DEVICE, strerror(errno));
		return 1;
	}
	kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg >= 0)
		lseek(kmsg, 0, SEEK_END);

	/* A small VM, stepped so every device holds state, saved. */
	r = vm_create_cfg(dev, SRC, &cfg);
	r = r ?: vm_step(dev, SRC, 40);
	r = r ?: vm_save(dev, SRC, ORIG, 0);
	orig = r ? NULL : export_raw(dev, ORIG, &len);
	if (!orig) {
		check(false, "hostile: save a stepped VM (%s)", strerror(-r));
		return 1;
	}
	r = hm_decode(orig, len, &base);
	if (!r) {
		u8 *again;
		size_t alen;

		r = hm_encode(&base, &again, &alen);
		if (!r && (alen != len || memcmp(again, orig, len)))
			r = -EBADMSG;
		if (!r)
			free(again);
	}
	check(!r, "hostile: the generator re-encodes a saved VM byte for byte (%zu bytes, %zu contexts)",
	      len, r ? 0 : base.nctxs);
	if (r)
		return 1;

	/* The target: same configuration, holding the saved state. */
	cfg = config();
	r = vm_create_cfg(dev, TARGET, &cfg);
	r = r ?: vm_load(dev, TARGET, ORIG, 0, NULL, msg);
	r = r ?: vm_digest(dev, TARGET, &d0);
	r = r ?: vm_digest(dev, SRC, &d);
	check(!r && same_digest(&d, &d0),
	      "hostile: a target loaded from the saved VM has its digest%s%s",
	      r ? ": " : "", r ? strerror(-r) : "");
	if (r)
		return 1;

	printf("# hostile: %u cases, seed 0x%llx, %llu steps after each accepted load\n",
	       cases, (unsigned long long)seed, (unsigned long long)steps);
	for (id = first; id - first < cases && now() - t0 < budget; id++)
		run_case(&base, id, steps, &d0);
	id -= first;	/* cases run */
	if (id < cases)
		printf("# hostile: time budget of %.0f s reached: %u of %u cases run\n",
		       budget, id, cases);

	for (cls = 0; cls < HM_NCLASSES; cls++) {
		struct stats *s = &st[cls];

		fails += s->failed;
		check(!s->failed && s->cases,
		      "hostile: class %s: %u cases: target %u refused, %u accepted; --create %u refused, %u accepted; %u failed",
		      hm_class_name(cls), s->cases, s->t_refused, s->t_accepted,
		      s->c_refused, s->c_accepted, s->failed);
	}

	/* Only the two VMs of this run are left; then nothing. */
	n = vm_list(dev, list);
	for (i = 0; i < n && i < LIST_MAX; i++)
		if (strcmp(list[i].name, SRC) && strcmp(list[i].name, TARGET))
			printf("# VM %s is left\n", list[i].name);
	check(n == 2, "hostile: no VM is left behind (%d listed)", n);
	vm_destroy(dev, SRC);
	vm_destroy(dev, TARGET);
	mem_delete(dev, ORIG);
	mem_delete(dev, CASEKEY);
	mem_delete(dev, RESAVE);
	hm_free(&base);
	free(orig);
	printf("# hostile: %u cases in %.0f s, %u failed\n", id,
	       now() - t0, fails);
	for (i = 0; i < T_NR; i++)
		printf("# hostile: %.1f s in %s\n", t_spent[i], t_names[i]);
	return fails ? 1 : 0;
}
