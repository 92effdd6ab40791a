// SPDX-License-Identifier: GPL-2.0
/*
 * Race stress of v3chkpt.ko (run on the KASAN + lockdep kernel): worker
 * processes race every VM operation (create, destroy, run, pause, step,
 * save, load into an existing VM and with --create, digest, map + writes
 * through the mapping, munmap, list, reopening the device, deleting the
 * memory-store checkpoint) on a small pool
 * of VMs, while the main process tries to rmmod the module every 250 ms.
 *
 * Every result must be one the ABI documents for the situation (docs/API.md,
 * docs/VM.md): anything else is reported with the op and the errno.  Half
 * way, the workers close everything, and with -k the module must refuse to
 * unload while a process holds nothing but a mapping of guest memory, then
 * unload with running VMs and load again.  At the end every VM left must
 * digest, pause, save, load back to the same digest and destroy, and no
 * guest page may be left (debugfs v3chkpt/vm_pages_in_use).  A worker that
 * does not finish within the grace period is a hang: its op is printed and
 * sysrq dumps the blocked tasks and held locks.
 *
 * Output: "# ..." lines, and one "RESULT ok|fail NAME" line per check for
 * the stage script (tests/qemu/kstage-race.sh) to turn into TAP.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/v3chkpt.h>

#define KEY_PREFIX	"race-"		/* memory-store keys the test creates */
#include "vm_helpers.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MAX_WORKERS	16
#define MAX_VMS		8
#define PAGES_FILE	"/sys/kernel/debug/v3chkpt/vm_pages_in_use"

enum race_op {
	OP_CREATE, OP_DESTROY, OP_RUN, OP_PAUSE, OP_STEP, OP_SAVE, OP_LOAD,
	OP_LOAD_CREATE, OP_DIGEST, OP_MAP, OP_MUNMAP, OP_LIST, OP_REOPEN,
	OP_DELETE, NR_OPS
};

static const char *const op_name[NR_OPS] = {
	"create", "destroy", "run", "pause", "step", "save", "load",
	"load-create", "digest", "map+write", "write+munmap", "list", "reopen",
	"mem-delete",
};

/* Relative frequency of each op. */
static const unsigned int op_weight[NR_OPS] = {
	10, 5, 10, 10, 10, 8, 7, 5, 8, 7, 6, 8, 3, 3,
};

/*
 * The errnos each op may return here (docs/API.md, VM errors): ENOENT for
 * a VM or checkpoint that does not exist or was destroyed under the call,
 * EEXIST for a taken name, EBUSY for a running or stepping VM, EINTR for a
 * STEP that a pause or destroy cut short; reopen sees the module unloaded.
 * No VM ever faults here, so EIO is a failure, as is ENOMEM (the pool is
 * sized to fit) and EINVAL (each name always has the same configuration).
 */
static const int allowed[NR_OPS][4] = {
	[OP_CREATE]	 = { EEXIST },
	[OP_DESTROY]	 = { ENOENT },
	[OP_RUN]	 = { ENOENT, EBUSY },
	[OP_PAUSE]	 = { ENOENT },
	[OP_STEP]	 = { ENOENT, EBUSY, EINTR },
	[OP_SAVE]	 = { ENOENT, EBUSY },
	[OP_LOAD]	 = { ENOENT, EBUSY },
	[OP_LOAD_CREATE] = { EEXIST, ENOENT },
	[OP_DIGEST]	 = { ENOENT, EBUSY },
	[OP_MAP]	 = { ENOENT },
	[OP_REOPEN]	 = { ENOENT, ENODEV, ENXIO },
	[OP_DELETE]	 = { ENOENT },
};

/* Errnos counted apart in the summary; the last slot is "other". */
static const int counted[] = { EEXIST, ENOENT, EBUSY, EINTR, ENODEV, ENXIO, 0 };
#define NR_COUNTED	ARRAY_SIZE(counted)

enum phase { PH_RUN, PH_QUIESCE, PH_STOP };

struct wstat {
	unsigned long n[NR_OPS], ok[NR_OPS], err[NR_OPS][NR_COUNTED];
	unsigned long max_ms[NR_OPS];
	unsigned long unexpected;
	int cur_op, cur_vm;		/* -1 between ops */
	int quiet;			/* closed everything (quiesce) */
};

/* Shared by all processes (MAP_SHARED | MAP_ANONYMOUS). */
static struct shared {
	int phase;			/* enum phase: get_phase(), set_phase() */
	struct wstat w[MAX_WORKERS];
} *sh;

static int get_phase(void)
{
	return __atomic_load_n(&sh->phase, __ATOMIC_ACQUIRE);
}

static void set_phase(int ph)
{
	__atomic_store_n(&sh->phase, ph, __ATOMIC_RELEASE);
}

static struct {
	int seconds, workers, vms, mib, pace_us, grace;
	const char *ko;
} opt = { 60, 6, 3, 64, 1000, 90, NULL };

static int failures;

static void result(bool ok, const char *fmt, ...)
{
	va_list ap;

	printf("RESULT %s ", ok ? "ok" : "fail");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!ok)
		failures++;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ULL + ts.tv_nsec / 1000000;
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static void vm_name(char *buf, int i)
{
	snprintf(buf, V3CHKPT_VM_NAME_MAX, "race%d", i);
}

/* Each name always gets the same configuration, so loads always match. */
static struct v3chkpt_vm_config pool_cfg(int i)
{
	struct v3chkpt_vm_config c = vm_cfg(opt.mib, 1 + i % 2, 100 + i);

	c.workload.pace_us = opt.pace_us;
	return c;
}

static int pool_create(int dev, int i)
{
	struct v3chkpt_vm_config c = pool_cfg(i);
	char name[V3CHKPT_VM_NAME_MAX];

	vm_name(name, i);
	return vm_create_cfg(dev, name, &c);
}

static bool allowed_errno(enum race_op op, int e)
{
	unsigned int i;

	for (i = 0; i < 4 && allowed[op][i]; i++)
		if (allowed[op][i] == e)
			return true;
	return false;
}

static int delete_module(int flags)
{
	return syscall(SYS_delete_module, "v3chkpt", flags) ? -errno : 0;
}

static int insert_module(void)
{
	int fd = open(opt.ko, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
	close(fd);
	return r;
}

/* ---- workers ---------------------------------------------------------- */

struct worker {
	int id, dev;
	uint64_t seed;
	struct wstat *st;
	uint8_t *map;		/* a mapping kept across ops, or NULL */
	size_t map_len;
};

/* Open the device, waiting out an unload; false if told to stop. */
static bool worker_open(struct worker *w)
{
	while (get_phase() != PH_STOP) {
		w->dev = dev_fd();
		if (w->dev >= 0)
			return true;
		if (errno != ENOENT && errno != ENODEV && errno != ENXIO) {
			printf("# worker %d: open %s: %s (unexpected)\n", w->id,
			       V3CHKPT_DEVICE, strerror(errno));
			w->st->unexpected++;
		}
		ms_sleep(20);
	}
	return false;
}

/* Writes through the mapping: the VM may be running, loading or gone. */
static void map_write(struct worker *w)
{
	int i;

	for (i = 0; i < 32; i++) {
		size_t off = rnd(&w->seed) % (w->map_len / 8) * 8;

		__atomic_store_n((uint64_t *)(w->map + off), rnd(&w->seed),
				 __ATOMIC_RELAXED);
	}
}

static void record(struct worker *w, enum race_op op, int vi, int r,
		   unsigned long ms);

static int do_op(struct worker *w, enum race_op op, int vi)
{
	char name[V3CHKPT_VM_NAME_MAX], key[32], msg[V3CHKPT_ERRMSG_MAX];
	struct v3chkpt_vm_entry e[LIST_MAX];
	struct v3chkpt_vm_digest d;
	int r, fd, n, i;

	vm_name(name, vi);
	snprintf(key, sizeof(key), KEY_PREFIX "%s", name);
	msg[0] = '\0';
	switch (op) {
	case OP_CREATE:
		return pool_create(w->dev, vi);
	case OP_DESTROY:
		return vm_destroy(w->dev, name);
	case OP_RUN:
		return vm_run(w->dev, name);
	case OP_PAUSE:
		return vm_pause(w->dev, name);
	case OP_STEP:
		return vm_step(w->dev, name, 1 + rnd(&w->seed) % 20);
	case OP_SAVE:
		r = vm_xfer(w->dev, V3CHKPT_IOC_VM_SAVE, name, key, 0, NULL,
			    msg);
		break;
	case OP_LOAD_CREATE:
		/* Half the time make room first, or it would rarely succeed. */
		if (rnd(&w->seed) & 1)
			record(w, OP_DESTROY, vi, vm_destroy(w->dev, name), 0);
		/* fall through */
	case OP_LOAD:
		r = vm_load(w->dev, name, key,
			    op == OP_LOAD ? 0 : V3CHKPT_VM_LOAD_CREATE, NULL,
			    msg);
		break;
	case OP_DIGEST:
		return vm_digest(w->dev, name, &d);
	case OP_DELETE:
		/* A load in progress holds its own reference to the data. */
		return mem_delete(w->dev, key);
	case OP_MAP:
		fd = vm_map(w->dev, name);
		if (fd < 0)
			return fd;
		w->map_len = opt.mib * MIB;
		w->map = mmap(NULL, w->map_len, PROT_READ | PROT_WRITE,
			      MAP_SHARED, fd, 0);
		r = w->map == MAP_FAILED ? -errno : 0;
		close(fd);	/* the mapping alone keeps the memory */
		if (r) {
			w->map = NULL;
			return r;
		}
		map_write(w);
		return 0;
	case OP_MUNMAP:
		map_write(w);
		r = munmap(w->map, w->map_len) ? -errno : 0;
		w->map = NULL;
		return r;
	case OP_LIST:
		n = vm_list(w->dev, e);
		for (i = 0; i < n && i < LIST_MAX; i++) {
			if (strncmp(e[i].name, "race", 4) ||
			    e[i].state < V3CHKPT_VM_PAUSED ||
			    e[i].state > V3CHKPT_VM_STEPPING || e[i].error) {
				printf("# worker %d: list: VM %.31s state %u error %d\n",
				       w->id, e[i].name, e[i].state, e[i].error);
				return -EUCLEAN;
			}
		}
		return n < 0 ? n : (n > opt.vms ? -E2BIG : 0);
	case OP_REOPEN:
		close(w->dev);
		w->dev = dev_fd();
		if (w->dev >= 0)
			return 0;
		r = -errno;
		if (!worker_open(w))
			w->dev = -1;
		return r;
	default:
		return -EINVAL;
	}
	if (r && !allowed_errno(op, -r))
		printf("# worker %d: %s %s: %s\n", w->id, op_name[op], name, msg);
	return r;
}

static void record(struct worker *w, enum race_op op, int vi, int r,
		   unsigned long ms)
{
	struct wstat *st = w->st;
	unsigned int i;

	st->n[op]++;
	if (ms > st->max_ms[op])
		st->max_ms[op] = ms;
	if (!r) {
		st->ok[op]++;
		return;
	}
	for (i = 0; i < NR_COUNTED - 1 && counted[i] != -r; i++)
		;
	st->err[op][i]++;
	if (!allowed_errno(op, -r)) {
		st->unexpected++;
		printf("# worker %d: UNEXPECTED %s race%d: %d (%s)\n", w->id,
		       op_name[op], vi, r, strerror(-r));
		fflush(stdout);
	}
}

static enum race_op pick_op(struct worker *w)
{
	unsigned int total = 0, x, i;

	for (i = 0; i < NR_OPS; i++)
		total += op_weight[i];
	x = rnd(&w->seed) % total;
	for (i = 0; x >= op_weight[i]; i++)
		x -= op_weight[i];
	/* one mapping at a time per worker */
	if (i == OP_MAP && w->map)
		return OP_MUNMAP;
	if (i == OP_MUNMAP && !w->map)
		return OP_MAP;
	return i;
}

/* Close everything so the module can be unloaded; wait for the go. */
static void worker_quiesce(struct worker *w)
{
	if (w->map)
		munmap(w->map, w->map_len);
	w->map = NULL;
	if (w->dev >= 0)
		close(w->dev);
	w->dev = -1;
	w->st->quiet = 1;
	while (get_phase() == PH_QUIESCE)
		ms_sleep(10);
	w->st->quiet = 0;
}

static int worker_main(int id, uint64_t seed)
{
	struct worker w = { .id = id, .seed = seed, .st = &sh->w[id] };

	w.st->cur_op = -1;
	if (!worker_open(&w))
		return 0;
	while (get_phase() != PH_STOP) {
		enum race_op op;
		uint64_t t;
		int vi, r;

		if (get_phase() == PH_QUIESCE) {
			worker_quiesce(&w);
			if (!worker_open(&w))
				break;
			continue;
		}
		op = pick_op(&w);
		vi = rnd(&w.seed) % opt.vms;
		w.st->cur_vm = vi;
		w.st->cur_op = op;
		t = now_ms();
		r = do_op(&w, op, vi);
		w.st->cur_op = -1;
		record(&w, op, vi, r, now_ms() - t);
		if (w.dev < 0)
			break;
	}
	if (w.map)
		munmap(w.map, w.map_len);
	if (w.dev >= 0)
		close(w.dev);
	return w.st->unexpected ? 1 : 0;
}

/* ---- main process ----------------------------------------------------- */

static void sysrq_keys(const char *keys)
{
	int fd = open("/proc/sysrq-trigger", O_WRONLY);

	if (fd < 0)
		return;
	for (; *keys; keys++)
		if (write(fd, keys, 1) != 1)
			break;
	close(fd);
}

/* Print what each worker is doing and dump blocked tasks and locks. */
static void report_hang(pid_t *pids, const char *when)
{
	int i;

	printf("# HANG %s: workers still in an op:\n", when);
	for (i = 0; i < opt.workers; i++)
		if (pids[i] > 0)
			printf("#   worker %d (pid %d): %s race%d\n", i, pids[i],
			       sh->w[i].cur_op < 0 ? "(between ops)" :
			       op_name[sh->w[i].cur_op], sh->w[i].cur_vm);
	fflush(stdout);
	sysrq_keys("wd");	/* blocked tasks; every lock held (lockdep) */
}

/* Wait for the workers until @deadline; false (and pids left) on a hang. */
static bool reap(pid_t *pids, uint64_t deadline, int *bad)
{
	int left = 0, i, status;
	pid_t p;

	for (i = 0; i < opt.workers; i++)
		left += pids[i] > 0;
	while (left && now_ms() < deadline) {
		p = waitpid(-1, &status, WNOHANG);
		if (p <= 0) {
			ms_sleep(50);
			continue;
		}
		for (i = 0; i < opt.workers; i++) {
			if (pids[i] != p)
				continue;
			pids[i] = 0;
			left--;
			if (WIFEXITED(status) && !WEXITSTATUS(status))
				break;
			(*bad)++;
			if (WIFSIGNALED(status))
				printf("# worker %d killed by signal %d\n", i,
				       WTERMSIG(status));
		}
	}
	return !left;
}

/* Wait until every worker has closed its fds and mappings. */
static bool wait_quiet(pid_t *pids, uint64_t deadline)
{
	int i, quiet;

	do {
		for (i = 0, quiet = 0; i < opt.workers; i++)
			quiet += sh->w[i].quiet;
		if (quiet == opt.workers)
			return true;
		ms_sleep(20);
	} while (now_ms() < deadline);
	report_hang(pids, "quiescing for the reload");
	return false;
}

/*
 * A child that holds nothing of the module but a mapping of @name's guest
 * memory: ready on @up, then waits for a byte on @go, checks its mark is
 * still there through the mapping, and unmaps.
 */
static int holder(const char *name, int up, int go)
{
	uint64_t *mark;
	size_t len = opt.mib * MIB;
	int dev = dev_fd(), fd;
	uint8_t *p;
	char c;

	fd = dev < 0 ? -1 : vm_map(dev, name);
	if (fd < 0)
		return 1;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	close(dev);
	if (p == MAP_FAILED)
		return 2;
	/* The last page: beyond every vCPU's working set. */
	mark = (uint64_t *)(p + len - 8);
	*mark = 0x7261636521ULL;
	if (write(up, "r", 1) != 1 || read(go, &c, 1) != 1)
		return 3;
	if (__atomic_load_n(mark, __ATOMIC_RELAXED) != 0x7261636521ULL)
		return 4;
	*mark = 0;
	return munmap(p, len) ? 5 : 0;
}

/*
 * With every worker quiet: the module must refuse to unload while only a
 * mapping holds it, unload with running VMs once it is gone, and load
 * again with no VM left.
 */
static void reload_module(pid_t *pids)
{
	char name[V3CHKPT_VM_NAME_MAX];
	struct v3chkpt_vm_entry e[LIST_MAX];
	int up[2], go[2], dev, i, r, n, status, refused, unloaded;
	uint64_t t;
	pid_t h;
	char ch;

	set_phase(PH_QUIESCE);
	if (!wait_quiet(pids, now_ms() + opt.grace * 1000ULL)) {
		result(false, "race: workers quiesce for the reload");
		return;
	}
	dev = dev_fd();
	if (dev < 0) {
		result(false, "race: open %s for the reload: %s",
		       V3CHKPT_DEVICE, strerror(errno));
		return;
	}
	/* Every pool VM exists and runs when the module goes. */
	for (i = 0, r = 0; i < opt.vms && !r; i++) {
		vm_name(name, i);
		r = pool_create(dev, i);
		r = r == -EEXIST ? 0 : r;
		r = r ?: vm_run(dev, name);
		r = r == -EBUSY ? 0 : r;
	}
	close(dev);
	if (r) {
		result(false, "race: pool VMs running before the reload: %s",
		       strerror(-r));
		return;
	}
	vm_name(name, 0);
	if (pipe(up) || pipe(go)) {
		result(false, "race: pipe: %s", strerror(errno));
		return;
	}
	h = fork();
	if (!h)
		_exit(holder(name, up[1], go[0]));
	close(up[1]);
	close(go[0]);
	refused = 0;
	if (h > 0 && read(up[0], &ch, 1) == 1) {
		r = delete_module(O_NONBLOCK);
		refused = r == -EAGAIN || r == -EBUSY;
		printf("# rmmod with only a mapping of %s open: %s\n", name,
		       r ? strerror(-r) : "unloaded");
		if (!r)	/* must not happen: put it back for the rest */
			insert_module();
	}
	if (write(go[1], "g", 1) != 1)
		printf("# holder gone early\n");
	close(go[1]);
	close(up[0]);
	if (h < 0 || waitpid(h, &status, 0) != h || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		printf("# mapping holder failed (status 0x%x)\n", status);
		refused = 0;
	}
	result(refused, "race: rmmod refused while only a mapping of guest memory holds the module");

	/* Nothing holds it now: it unloads, stopping and freeing running VMs. */
	t = now_ms();
	do {
		r = delete_module(O_NONBLOCK);
	} while (r == -EAGAIN && now_ms() - t < 5000 && (ms_sleep(100), 1));
	unloaded = !r && dev_fd() < 0 && (errno == ENOENT || errno == ENODEV);
	printf("# rmmod with %d running VMs: %s (%llu ms)\n", opt.vms,
	       r ? strerror(-r) : "unloaded", (unsigned long long)(now_ms() - t));
	t = now_ms();
	r = insert_module();
	printf("# insmod %s: %s (%llu ms, KUnit suites included)\n", opt.ko,
	       r ? strerror(-r) : "loaded", (unsigned long long)(now_ms() - t));
	dev = dev_fd();
	n = dev < 0 ? -1 : vm_list(dev, e);
	if (dev >= 0)
		close(dev);
	result(unloaded && !r && n == 0,
	       "race: module unloads with running VMs and loads again with none (%d listed)",
	       n);
	set_phase(PH_RUN);
}

/* Run workers for @ms, trying to unload the module every 250 ms. */
static void run_stress(uint64_t ms, int *rmmod_tries, int *rmmod_bad)
{
	uint64_t end = now_ms() + ms;
	int r;

	while (now_ms() < end) {
		ms_sleep(250);
		r = delete_module(O_NONBLOCK);
		(*rmmod_tries)++;
		if (r == -EAGAIN || r == -EBUSY)
			continue;
		if (!r && opt.ko) {
			/* every worker was between close and open: fine */
			printf("# rmmod got through a reopen window; loading again\n");
			r = insert_module();
			if (!r)
				continue;
		}
		printf("# rmmod during the stress: %s\n",
		       r ? strerror(-r) : "unloaded");
		(*rmmod_bad)++;
	}
}

static void print_counts(unsigned long *total, bool *every_op)
{
	struct wstat sum = {};
	unsigned int i, j, k;
	char buf[256];
	int n;

	for (k = 0; k < (unsigned int)opt.workers; k++) {
		for (i = 0; i < NR_OPS; i++) {
			sum.n[i] += sh->w[k].n[i];
			sum.ok[i] += sh->w[k].ok[i];
			if (sh->w[k].max_ms[i] > sum.max_ms[i])
				sum.max_ms[i] = sh->w[k].max_ms[i];
			for (j = 0; j < NR_COUNTED; j++)
				sum.err[i][j] += sh->w[k].err[i][j];
		}
		sum.unexpected += sh->w[k].unexpected;
	}
	*total = 0;
	*every_op = true;
	for (i = 0; i < NR_OPS; i++) {
		n = snprintf(buf, sizeof(buf), "# %-12s %5lu: ok %lu", op_name[i],
			     sum.n[i], sum.ok[i]);
		for (j = 0; j < NR_COUNTED; j++)
			if (sum.err[i][j])
				n += snprintf(buf + n, sizeof(buf) - n, ", %s %lu",
					      counted[j] ? strerror(counted[j]) :
					      "other", sum.err[i][j]);
		printf("%s (longest %lu ms)\n", buf, sum.max_ms[i]);
		*total += sum.n[i];
		/* Each ran many times and succeeded at least once. */
		if (sum.n[i] < 5 || !sum.ok[i])
			*every_op = false;
	}
	result(!sum.unexpected, "race: every result is one the ABI documents (%lu ops, %lu unexpected)",
	       *total, sum.unexpected);
}

/* Every VM left is sane: it digests, pauses, saves and loads back, dies. */
static void final_check(void)
{
	struct v3chkpt_vm_entry e[LIST_MAX];
	struct v3chkpt_vm_digest d0, d1;
	int dev = dev_fd(), n, i, r = 0, left;
	const char *name = "", *what = "";
	long pages = -1;
	FILE *f;

	n = dev < 0 ? -1 : vm_list(dev, e);
	for (i = 0; i < n && i < LIST_MAX && !r; i++) {
		name = e[i].name;
		what = "listed state";
		r = strncmp(name, "race", 4) || e[i].error ||
		    e[i].state == V3CHKPT_VM_FAILED ||
		    e[i].state == V3CHKPT_VM_STEPPING ? -EUCLEAN : 0;
		if (!r) {
			what = "pause";
			r = vm_pause(dev, name);
		}
		if (!r) {
			what = "digest";
			r = vm_digest(dev, name, &d0);
		}
		if (!r) {
			what = "save";
			r = vm_save(dev, name, KEY_PREFIX "final", 0);
		}
		if (!r) {
			what = "step";
			r = vm_step(dev, name, 3);
		}
		if (!r) {
			what = "load";
			r = vm_load(dev, name, KEY_PREFIX "final", 0, NULL, NULL);
		}
		if (!r) {
			what = "digest after load";
			r = vm_digest(dev, name, &d1);
			if (!r && memcmp(&d0, &d1, sizeof(d0)))
				r = -EBADMSG;
		}
		if (!r) {
			what = "destroy";
			r = vm_destroy(dev, name);
		}
	}
	if (r)
		printf("# final check of VM %.31s: %s: %s\n", name, what,
		       strerror(-r));
	left = dev < 0 ? -1 : vm_cleanup(dev);
	result(n >= 0 && !r,
	       "race: the %d VMs left are intact (pause, digest, save, load back, destroy)",
	       n);
	f = fopen(PAGES_FILE, "r");
	if (!f || fscanf(f, "%ld", &pages) != 1)
		printf("# %s: cannot read it\n", PAGES_FILE);
	if (f)
		fclose(f);
	n = dev < 0 ? -1 : vm_list(dev, e);
	result(n == 0 && pages == 0,
	       "race: nothing left: %d VMs, %ld guest pages (%d destroyed or deleted by cleanup)",
	       n, pages, left);
	if (dev >= 0)
		close(dev);
}

static int print_usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [-t SECONDS] [-w WORKERS] [-n VMS] [-m MIB] [-p PACE_US] [-g GRACE_S] [-k MODULE.ko]\n"
		"  -g: a worker still in an op this long after the stop (or the\n"
		"      quiesce) is hung (90)\n"
		"  -k: unload and load the module half way (else only refused rmmods)\n",
		argv0);
	return 2;
}

int main(int argc, char **argv)
{
	pid_t pids[MAX_WORKERS] = {};
	int c, i, bad = 0, tries = 0, rmmod_bad = 0;
	unsigned long total;
	uint64_t seed, t0;
	bool every_op, done;

	while ((c = getopt(argc, argv, "t:w:n:m:p:g:k:")) != -1) {
		switch (c) {
		case 't':
			opt.seconds = atoi(optarg);
			break;
		case 'w':
			opt.workers = atoi(optarg);
			break;
		case 'n':
			opt.vms = atoi(optarg);
			break;
		case 'm':
			opt.mib = atoi(optarg);
			break;
		case 'p':
			opt.pace_us = atoi(optarg);
			break;
		case 'g':
			opt.grace = atoi(optarg);
			break;
		case 'k':
			opt.ko = optarg;
			break;
		default:
			return print_usage(argv[0]);
		}
	}
	if (opt.seconds < 2 || opt.workers < 1 || opt.workers > MAX_WORKERS ||
	    opt.vms < 1 || opt.vms > MAX_VMS || opt.mib < 64 || opt.grace < 1)
		return print_usage(argv[0]);
	setvbuf(stdout, NULL, _IOLBF, 0);
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return 1;
	seed = (uint64_t)time(NULL) * 2654435761ULL | 1;
	printf("# %d s, %d workers, %d VMs of %d MiB, pace %d us, seed %llu%s\n",
	       opt.seconds, opt.workers, opt.vms, opt.mib, opt.pace_us,
	       (unsigned long long)seed, opt.ko ? ", reload half way" : "");
	c = dev_fd();
	if (c < 0) {
		result(false, "race: open %s: %s", V3CHKPT_DEVICE, strerror(errno));
		return 1;
	}
	vm_cleanup(c);
	close(c);	/* the workers must not inherit it */
	t0 = now_ms();
	for (i = 0; i < opt.workers; i++) {
		pids[i] = fork();
		if (!pids[i])
			_exit(worker_main(i, seed + i * 0x9e3779b97f4a7c15ULL));
	}
	run_stress(opt.seconds * 500ULL, &tries, &rmmod_bad);
	if (opt.ko)
		reload_module(pids);
	run_stress(opt.seconds * 500ULL, &tries, &rmmod_bad);
	set_phase(PH_STOP);
	/* Under KASAN + TCG a 64 MiB load takes seconds: 90 s is a hang. */
	done = reap(pids, now_ms() + opt.grace * 1000ULL, &bad);
	if (!done) {
		report_hang(pids, "stopping");
		for (i = 0; i < opt.workers; i++)
			if (pids[i] > 0)
				kill(pids[i], SIGKILL);
		reap(pids, now_ms() + 5000, &bad);
	}
	printf("# stress ran %llu ms\n", (unsigned long long)(now_ms() - t0));
	result(done && !bad, "race: every worker finished (no hang, no crash)");
	print_counts(&total, &every_op);
	result(every_op, "race: every op ran at least 5 times and succeeded at least once");
	result(!rmmod_bad && tries > 0,
	       "race: %d rmmod attempts during the stress all refused while busy",
	       tries);
	if (done)
		final_check();
	return failures ? 1 : 0;
}
