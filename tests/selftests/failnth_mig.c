// SPDX-License-Identifier: GPL-2.0
/*
 * The fail-nth walk over a live migration on loopback (issue 12, section
 * 7 test 9): both ends in this process, VM_RECEIVE listening, VM_MIGRATE
 * connecting, a small running VM ("msrc") sent to "mdst".  Each end runs
 * on a kernel thread that takes over its caller's fail-nth, so arming
 * fail-nth right before one end's ioctl counts the fail points of that
 * end: the ioctl's own, then its thread's.  What the thread left of it
 * comes back to the caller when it closes the fd: 0 there means the
 * failure was injected; a run without one has passed every fail point,
 * and ends the walk.
 *
 * Each run, whatever n: both fds end (poll, bounded) DONE or FAILED with
 * a clean -errno; a failed source leaves msrc RUNNING and stepping, with
 * no tracker (a new one starts) and no throttle; mdst exists only if both
 * ended DONE, and then has msrc's digest (received paused); the VM page
 * count is back to the baseline once the runs' VMs are gone; the kernel
 * logged no warning.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/v3chkpt.h>
#define KEY_PREFIX	"fn-"
#include "vm_helpers.h"
#include "failnth.h"

#define MIG_PORT	7303
#define MIG_CAP		400	/* fail points walked at most */
/*
 * Seconds a walk may take (FAILNTH_BUDGET): each fail point costs a whole
 * migration under TCG + KASAN (0.2-3 s), so a loaded machine walks fewer
 * of them, and says how many.
 */
#define MIG_BUDGET	85
#define MIG_MIB		64
#define END_MS		120000	/* a migration's bound */
#define LISTEN_MS	20000
/* a listener nobody reached (the source failed first) gets this long */
#define ORPHAN_MS	1000
#define PEER_MS		30000	/* the other end, once one has ended */
#define SRC		"msrc"
#define DST		"mdst"

struct end {
	int fd;			/* the migration fd, or the ioctl's -errno */
	bool ended, cancelled;
	struct v3chkpt_mig_status st;
	char why[V3CHKPT_ERRMSG_MAX];
};

/* What one run gave. */
struct run {
	bool both_done;
	bool injected;		/* a failure was forced */
	int err;		/* the armed end's -errno, 0 if it ended DONE */
	unsigned int round;	/* rounds the source did */
};

static long pages_base;
static struct v3chkpt_vm_config src_cfg;

static int mig_migrate(const char *url)
{
	struct v3chkpt_vm_migrate a = {
		.size = sizeof(a),
		.url = (uintptr_t)url,
		/* converge after round 0: one round, then the switchover */
		.downtime_ns = 10000000000ULL,
		.max_rounds = 4,
		.max_time_ns = 60000000000ULL,
	};

	snprintf(a.name, sizeof(a.name), "%s", SRC);
	return ret_errno(ioctl(dev, V3CHKPT_IOC_VM_MIGRATE, &a));
}

static int mig_receive(const char *url)
{
	struct v3chkpt_vm_receive a = {
		.size = sizeof(a),
		.flags = V3CHKPT_MIG_RECV_PAUSED,
		.url = (uintptr_t)url,
	};

	snprintf(a.name, sizeof(a.name), "%s", DST);
	return ret_errno(ioctl(dev, V3CHKPT_IOC_VM_RECEIVE, &a));
}

static bool end_wait(struct end *e, int ms)
{
	struct pollfd p = { .fd = e->fd, .events = POLLIN };

	if (e->fd < 0 || e->ended)
		return true;
	if (poll(&p, 1, ms) == 1 && (p.revents & POLLIN))
		e->ended = true;
	return e->ended;
}

static void end_status(struct end *e)
{
	memset(&e->st, 0, sizeof(e->st));
	e->st.size = sizeof(e->st);
	e->st.errmsg = (uintptr_t)e->why;
	e->st.errmsg_size = sizeof(e->why);
	e->why[0] = '\0';
	if (e->fd >= 0 && ioctl(e->fd, V3CHKPT_IOC_MIG_STATUS, &e->st))
		FAIL("MIG_STATUS: %s", strerror(errno));
}

static void end_cancel(struct end *e)
{
	if (ioctl(e->fd, V3CHKPT_IOC_MIG_CANCEL) && errno != EALREADY)
		FAIL("MIG_CANCEL: %s", strerror(errno));
	e->cancelled = true;
}

static bool end_done(const struct end *e)
{
	return e->fd >= 0 && e->st.state == V3CHKPT_MIG_DONE;
}

/* -errno the end failed with (0 if it did not) */
static int end_err(const struct end *e)
{
	if (e->fd < 0)
		return e->fd;
	return e->st.state == V3CHKPT_MIG_FAILED ? e->st.error : 0;
}

/* What either end may meet when an allocation fails on one of them. */
static bool errno_ok(int err, bool cancelled)
{
	static const int ok[] = {
		ENOMEM, ENOBUFS, ECONNRESET, EPIPE, ECONNABORTED,
		ECONNREFUSED,	/* the listener failed before the connect */
		ENFILE,		/* sock_alloc(): a failed inode allocation */
	};
	size_t i;

	if (cancelled && err == -ECANCELED)
		return true;
	for (i = 0; i < ARRAY_SIZE(ok); i++)
		if (err == -ok[i])
			return true;
	return false;
}

static void end_check(const char *who, const struct end *e)
{
	int err = end_err(e);

	if (e->fd >= 0 && e->st.state != V3CHKPT_MIG_DONE &&
	    e->st.state != V3CHKPT_MIG_FAILED)
		FAIL("%s ended in state %u", who, e->st.state);
	if (e->fd >= 0 && e->st.state == V3CHKPT_MIG_FAILED && err >= 0)
		FAIL("%s FAILED with error %d", who, err);
	if (e->fd >= 0 && e->st.state == V3CHKPT_MIG_DONE && e->st.error)
		FAIL("%s DONE with error %d", who, e->st.error);
	if (err < 0 && !errno_ok(err, e->cancelled))
		FAIL("%s: errno %d (%s): %s", who, err, strerrorname_np(-err),
		     e->fd >= 0 ? e->why : "(the ioctl)");
}

/*
 * After the armed ioctl, and once its fd is closed (the thread's rest
 * back): if @check, was the failure injected?  Then disarm.
 */
static void fn_disarm(int fn, bool check, struct run *out)
{
	if (check)
		out->injected = !fn_left(fn);
	fn_arm(fn, 0);
}

static bool vm_gone(const char *name)
{
	struct v3chkpt_vm_entry e;

	return vm_entry(dev, name, &e) == -ENOENT;
}

static int src_create(void)
{
	struct v3chkpt_vm_config c = vm_cfg(MIG_MIB, 1, 1);
	int r;

	/* light: a small working set, paced, so TCG + KASAN keeps up */
	c.devices = V3CHKPT_DEV_IOAPIC;
	c.workload.ws_pages = 16;
	c.workload.accesses = 16;
	c.workload.write_pct = 50;
	c.workload.pace_us = 2000;
	r = vm_create_cfg(dev, SRC, &c);
	if (!r)
		r = vm_run(dev, SRC);
	src_cfg = c;
	return r;
}

/* A failed source: msrc runs on, untracked, unthrottled. */
static void src_check_alive(const struct end *s)
{
	struct v3chkpt_vm_entry e;
	int r = vm_entry(dev, SRC, &e);

	if (r) {
		FAIL("source VM gone after a failed migration: %d", r);
		return;
	}
	if (e.state != V3CHKPT_VM_RUNNING)
		FAIL("source VM in state %u (error %d), not running", e.state,
		     e.error);
	else if (vm_wait_steps(dev, SRC, e.steps) < 0)
		FAIL("source VM does not step on (%llu steps)",
		     (unsigned long long)e.steps);
	r = vm_dirty(dev, SRC, V3CHKPT_DIRTY_PML);
	if (r < 0)
		FAIL("a tracker start after a failed migration: %d", r);
	else
		close(r);
	if (s->fd >= 0 && s->st.throttle_pct)
		FAIL("source FAILED with throttle %u%%", s->st.throttle_pct);
}

static void digests_check(void)
{
	struct v3chkpt_vm_digest a, b;
	struct v3chkpt_vm_entry e;

	if (vm_entry(dev, SRC, &e) || e.state != V3CHKPT_VM_MIGRATED)
		FAIL("source DONE but VM %s not MIGRATED (%u)", SRC, e.state);
	if (vm_digest(dev, SRC, &a) || vm_digest(dev, DST, &b)) {
		FAIL("digests of %s, %s", SRC, DST);
		return;
	}
	if (a.total != b.total || a.memory != b.memory ||
	    a.vcpus != b.vcpus || a.devices != b.devices)
		FAIL("%s's digest %016llx, the source's %016llx", DST,
		     (unsigned long long)b.total, (unsigned long long)a.total);
}

/*
 * One migration with fail-nth armed for the source's side or the
 * destination's: the checks of the file's comment.  0, or -1 if the
 * world is broken past checking.
 */
static int mig_run(int fn, bool dst_side, unsigned int n, struct run *out)
{
	char lurl[96], curl[96];
	struct end s = { .fd = -EAGAIN }, d;
	double t0 = now(), t1;
	bool src_migrated = false;
	int i, r;

	snprintf(lurl, sizeof(lurl), "listen:127.0.0.1:%d,timeout=10", MIG_PORT);
	snprintf(curl, sizeof(curl), "connect:127.0.0.1:%d,timeout=10", MIG_PORT);
	kmsg_check();
	memset(&d, 0, sizeof(d));
	out->injected = false;

	if (dst_side)
		fn_arm(fn, n);
	d.fd = mig_receive(lurl);
	if (dst_side)
		fn_disarm(fn, n && d.fd < 0, out);
	/* connect only to a listener: a refused connect is no fail point */
	for (i = 0; i < LISTEN_MS && d.fd >= 0 && !listening(MIG_PORT); i += 2)
		if (end_wait(&d, 2))
			break;
	if (d.fd >= 0 && !d.ended && !listening(MIG_PORT)) {
		FAIL("the destination never listened");
		return -1;
	}
	if (d.fd >= 0 && !d.ended) {
		if (!dst_side)
			fn_arm(fn, n);
		s.fd = mig_migrate(curl);
		if (!dst_side)
			fn_disarm(fn, n && s.fd < 0, out);
	}
	if (!end_wait(&s, END_MS)) {
		FAIL("the source did not end in %d s", END_MS / 1000);
		return -1;
	}
	end_status(&s);
	/*
	 * A listener the source never reached waits: cancel it.  One past
	 * the handshake must end by itself (the source's ABORT, or EOF).
	 */
	if (!end_wait(&d, end_done(&s) ? PEER_MS : s.fd < 0 ? 0 : ORPHAN_MS)) {
		end_status(&d);
		if ((end_done(&s) || d.st.state != V3CHKPT_MIG_CONNECTING) &&
		    !end_wait(&d, PEER_MS))
			FAIL("the destination did not end (state %u) after the source's %d",
			     d.st.state, end_err(&s));
	}
	if (d.fd >= 0 && !d.ended) {
		end_cancel(&d);
		if (!end_wait(&d, PEER_MS)) {
			FAIL("the destination did not end after a cancel");
			return -1;
		}
	}
	end_status(&d);
	t1 = now();
	/* a destination that failed before the source started: no source run */
	if (s.fd == -EAGAIN && !dst_side)
		FAIL("no source run without a fault on the destination");
	if (s.fd != -EAGAIN)
		end_check("source", &s);
	end_check("destination", &d);

	if (end_done(&s) && end_done(&d)) {
		if (d.st.vm_state != V3CHKPT_VM_PAUSED)
			FAIL("received with RECV_PAUSED, VM state %u", d.st.vm_state);
		digests_check();
	} else if (end_done(&s)) {
		/* lost GO after COMMIT: the documented window, VM kept paused */
		printf("# n=%u: source DONE, destination %d (%s)\n", n,
		       end_err(&d), d.why);
		if (vm_gone(DST))
			FAIL("after COMMIT the destination kept no VM");
		else
			digests_check();
	} else {
		if (end_done(&d))
			FAIL("the destination DONE, the source %d (%s)",
			     end_err(&s), s.why);
		else if (!vm_gone(DST))
			FAIL("VM %s left after a failed migration (%d / %d)", DST,
			     end_err(&s), end_err(&d));
		src_check_alive(&s);
	}
	src_migrated = end_done(&s);
	if (verbose)
		printf("# n=%u src %d (fd %d) round %u, dst %d (fd %d) round %u, %.1f+%.1f s: %s%s%s\n",
		       n, end_err(&s), s.fd, s.st.round, end_err(&d), d.fd,
		       d.st.round, t1 - t0, now() - t1, s.why,
		       d.why[0] ? " / " : "", d.why);

	/* the fds hold the VMs: close them before counting pages */
	if (s.fd >= 0) {
		close(s.fd);
		if (!dst_side)
			fn_disarm(fn, n, out);
	}
	if (d.fd >= 0) {
		close(d.fd);
		if (dst_side)
			fn_disarm(fn, n, out);
	}
	if (!vm_gone(DST) && vm_destroy(dev, DST))
		FAIL("cannot destroy %s", DST);
	if (src_migrated) {
		r = vm_destroy(dev, SRC);
		if (!r)
			r = src_create();
		if (r) {
			FAIL("cannot recreate %s: %d", SRC, r);
			return -1;
		}
	}
	r = vm_pages();
	if (r != pages_base)
		FAIL("VM pages %d, baseline %ld", r, pages_base);
	kmsg_check();
	out->both_done = end_done(&s) && end_done(&d);
	out->err = dst_side ? end_err(&d) : s.fd == -EAGAIN ? 0 : end_err(&s);
	out->round = s.st.round;
	return 0;
}

int mig_walk(const char *name)
{
	bool dst_side = !strcmp(name, "mig-dst");
	char summary[512];
	struct tally t = {};
	struct run run;
	double t0 = now();
	unsigned int n, cap = MIG_CAP;
	double budget = MIG_BUDGET;
	bool complete = false;
	int fn = fn_open();

	cur_op = name;
	cur_n = 0;
	if (getenv("FAILNTH_CAP"))
		cap = strtoul(getenv("FAILNTH_CAP"), NULL, 10);
	if (getenv("FAILNTH_BUDGET"))
		budget = strtod(getenv("FAILNTH_BUDGET"), NULL);
	if (fn < 0) {
		printf("no fail-nth (CONFIG_FAULT_INJECTION?): %s\n", strerror(errno));
		return 2;
	}
	vm_cleanup(dev);
	if (src_create()) {
		printf("cannot create and run %s\n", SRC);
		return 2;
	}
	pages_base = vm_pages();
	if (pages_base < 0) {
		printf("no %s page count: %ld\n", SRC, pages_base);
		return 2;
	}
	/* once without a fault: a whole migration, past round 0 */
	if (mig_run(fn, dst_side, 0, &run))
		return 1;
	if (!run.both_done || run.injected || run.round < 2) {
		printf("%s fails without a fault: error %d, %u rounds%s\n", name,
		       run.err, run.round, run.injected ? ", a fault forced" : "");
		return 2;
	}
	for (n = 1; n <= cap && now() - t0 < budget; n++) {
		double t1 = now();

		cur_n = n;
		if (mig_run(fn, dst_side, n, &run))
			break;
		if (verbose)
			printf("# n=%u %.1f s\n", n, now() - t1);
		if (!run.injected) {
			if (!run.both_done)
				FAIL("failed without an injected fault: %d", run.err);
			complete = true;
			break;
		}
		if (!run.err)
			t.absorbed++;
		else if (-run.err < 140)
			t.err[-run.err]++;
	}
	close(fn);
	vm_cleanup(dev);
	kmsg_check();
	tally_print(&t, summary, sizeof(summary));
	if (!complete)
		printf("%s: walked %u fail points (%s; more remain), %.1f s (%s)\n",
		       name, n - 1, n > cap ? "the cap" : "the time budget",
		       now() - t0, summary);
	else
		printf("%s: %u fail points, %.1f s (%s)\n", name, n - 1,
		       now() - t0, summary);
	return failures ? 1 : 0;
}
