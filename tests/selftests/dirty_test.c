// SPDX-License-Identifier: GPL-2.0
/*
 * kselftests for the dirty-page tracker (V3CHKPT_IOC_VM_DIRTY and the
 * tracker fd's V3CHKPT_IOC_DIRTY_HARVEST), as a VMM sees it from userspace.
 *
 * mode.oracle (wp, ad, pml): a running 64 MiB, 4-vCPU VM with a
 *   write-heavy workload (device I/O every step, so the UART's INSB writes
 *   guest memory through the VMM) and a child process writing random words
 *   through its own mapping of guest memory, half of them into the vCPUs'
 *   working sets, and a thread of the parent doing the same through a
 *   mapping of the parent's.  The parent copies all of guest memory
 *   through a read-only mapping into a mirror once the tracker runs, then
 *   copies each reported frame at every harvest; after the writers are
 *   gone, a pause and a final harvest the mirror equals guest memory byte
 *   for byte.  A second
 *   harvest then is empty: reading through a mapping dirties nothing.
 * mode.tracking_leaves_the_guest_alone: a paused VM's digest is the same
 *   before the start, after harvests and after the stop; a tracked VM and
 *   an untracked twin step to the same digest.
 * abi.start_rules: size (below VER0 EINVAL, larger with a non-zero tail or
 *   beyond a page E2BIG, larger and zero accepted), flags and reserved
 *   EINVAL, unknown mode EOPNOTSUPP, bad name EINVAL, unknown VM ENOENT,
 *   the fd is close-on-exec, a second start EBUSY.
 * abi.harvest_rules: the same size rules, flags/reserved/out fields set
 *   on input EINVAL, other commands on the tracker fd (and HARVEST on the
 *   device or a memory fd) ENOTTY; none of them loses a page.
 * abi.harvest_bitmap: frames and dirty match the bitmap, which is written
 *   whole (stale bits cleared, bytes after it untouched); a bitmap too
 *   small is ENOBUFS with frames set, a bitmap or struct the kernel cannot
 *   write EFAULT, and after either the next harvest returns every page; a
 *   bitmap in guest memory works and its page is reported.
 * abi.load_and_late_writers_are_tracked: a load into a tracked VM reports
 *   every frame; a mapping made after the start is tracked, for CPU
 *   stores and for the kernel's (read(2) into it).
 * abi.one_tracker_per_vm_sees_only_its_vm: two VMs tracked at once, each
 *   tracker reporting writes through its own VM's mapping only.
 * abi.destroyed_vm_enodev: a harvest after `vm destroy` is ENODEV.
 * abi.unprivileged_eperm: without CAP_SYS_ADMIN a start is EPERM, and so
 *   is a harvest on a tracker fd handed over; the owner loses nothing.
 * abi.close_stops_tracking, abi.exit_stops_tracking: tracking belongs to
 *   the open file: closing it, or the exit (or kill) of the last process
 *   holding it, lets a new start succeed and gives the guest its write
 *   permissions back (it steps without a fault).
 * Not covered: EIO for a failed VM.  Nothing userspace can do makes a vCPU
 * fault (the EPT is the kernel's and a load refuses state that would
 * fault); tests/kunit/vm_test.c makes one with kernel calls.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/v3chkpt.h>
#include "helpers.h"
#include "kselftest_harness.h"

#define KEY_PREFIX	"dty-"		/* memory-store keys the tests create */
#include "vm_helpers.h"

#define PAGE		4096UL
#define VM_MIB		64
#define VM_FRAMES	(VM_MIB * MIB / PAGE)
#define BITMAP_BYTES	(VM_FRAMES / 8)		/* a multiple of 8 */

/* ---- helpers: each returns 0 (or an fd), or -errno ---- */

static int dirty_start(int dev, const char *name, uint32_t mode)
{
	struct v3chkpt_vm_dirty d = { .size = sizeof(d), .mode = mode };

	snprintf(d.name, sizeof(d.name), "%s", name);
	return ret_errno(ioctl(dev, V3CHKPT_IOC_VM_DIRTY, &d));
}

/* Harvest into @bm (@bytes); @h out. */
static int harvest(int tfd, void *bm, uint64_t bytes,
		   struct v3chkpt_dirty_harvest *h)
{
	memset(h, 0, sizeof(*h));
	h->size = sizeof(*h);
	h->bitmap = (uintptr_t)bm;
	h->bitmap_bytes = bytes;
	return ret_errno(ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, h));
}

static uint64_t popcount(const uint64_t *bm, uint64_t bits)
{
	uint64_t i, n = 0;

	for (i = 0; i < bits / 64; i++)
		n += __builtin_popcountll(bm[i]);
	return n;
}

static int test_bit(const uint64_t *bm, uint64_t i)
{
	return !!(bm[i / 64] & (1ULL << (i % 64)));
}

/* A paused VM for the ABI tests: 1 vCPU, defaults otherwise. */
static int vm_small(int dev, const char *name)
{
	return vm_new(dev, name, VM_MIB, 1, 0);
}

/* Guest memory of @name mapped, or MAP_FAILED. */
static uint8_t *map_guest(int dev, const char *name, int prot, int *mfd)
{
	uint8_t *p;

	*mfd = vm_map(dev, name);
	if (*mfd < 0)
		return MAP_FAILED;
	p = mmap(NULL, VM_MIB * MIB, prot, MAP_SHARED, *mfd, 0);
	if (p == MAP_FAILED)
		close(*mfd);
	return p;
}

static void unmap_guest(uint8_t *p, int mfd)
{
	munmap(p, VM_MIB * MIB);
	close(mfd);
}

/* Frames the ABI tests write through a mapping (first, last, in between) */
static const uint64_t marks[] = { 0, 1, 77, 4095, 4096, VM_FRAMES - 1 };
#define NMARKS	ARRAY_SIZE(marks)

static void write_marks(uint8_t *p, uint8_t v)
{
	size_t i;

	for (i = 0; i < NMARKS; i++)
		p[marks[i] * PAGE + 8 * i] = v;
}

/* The bitmap holds the marks and nothing else. */
static int only_marks(const uint64_t *bm)
{
	size_t i;

	for (i = 0; i < NMARKS; i++)
		if (!test_bit(bm, marks[i]))
			return 0;
	return popcount(bm, VM_FRAMES) == NMARKS;
}

/* ---- the oracle ---- */

FIXTURE(mode) {
	int fd;
};

FIXTURE_VARIANT(mode) {
	uint32_t mode;
};

FIXTURE_VARIANT_ADD(mode, wp) { .mode = V3CHKPT_DIRTY_WP };
FIXTURE_VARIANT_ADD(mode, ad) { .mode = V3CHKPT_DIRTY_AD };
FIXTURE_VARIANT_ADD(mode, pml) { .mode = V3CHKPT_DIRTY_PML };

FIXTURE_SETUP(mode)
{
	self->fd = dev_fd();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", V3CHKPT_DEVICE, strerror(errno));
	vm_cleanup(self->fd);
}

FIXTURE_TEARDOWN(mode)
{
	struct v3chkpt_vm_entry e[LIST_MAX];

	vm_cleanup(self->fd);
	EXPECT_EQ(0, vm_list(self->fd, e));
	close(self->fd);
}

/* A writer's controls, in memory shared with the parent. */
struct writer_state {
	atomic_int stop;
	atomic_ullong writes;
	uint8_t *p;		/* the thread's mapping (the child maps its own) */
	uint32_t vcpus, ws;
};

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Random words at random pages of @p until told to stop. */
static void write_loop(struct writer_state *st, uint8_t *p, uint64_t s)
{
	uint64_t n = 0, r, page;

	while (!atomic_load(&st->stop)) {
		r = xorshift(&s);
		if (r & 1)	/* a page of a vCPU's working set */
			page = (r >> 8) % st->vcpus * (VM_FRAMES / st->vcpus) +
			       (r >> 24) % st->ws;
		else
			page = (r >> 8) % VM_FRAMES;
		__atomic_store_n((uint64_t *)(p + page * PAGE +
					      ((r >> 40) & (PAGE - 8))),
				 xorshift(&s), __ATOMIC_RELAXED);
		/*
		 * Paced: each harvest costs the harvester per page (a fault
		 * to copy it back in where mappings are unmapped), so
		 * unpaced writers would stretch every round.
		 */
		if (!(++n & 15)) {
			atomic_store(&st->writes, n);
			usleep(200);
		}
	}
	atomic_store(&st->writes, n);
}

/* The child process, through a mapping of its own. */
static void writer_child(int dev, const char *name, struct writer_state *st)
{
	uint8_t *p;
	int mfd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* an ASSERT ends the parent */
	p = map_guest(dev, name, PROT_READ | PROT_WRITE, &mfd);
	if (p == MAP_FAILED)
		_exit(2);
	write_loop(st, p, 0x9e3779b97f4a7c15ULL ^ getpid());
	_exit(0);
}

/* A thread of the harvesting process itself: its mm is flushed too. */
static void *writer_thread(void *arg)
{
	struct writer_state *st = arg;

	write_loop(st, st->p, 0x2545f4914f6cdd1dULL);
	return NULL;
}

/* Copy each frame set in @bm from @guest into @mirror. */
static void copy_frames(uint8_t *mirror, const uint8_t *guest,
			const uint64_t *bm)
{
	uint64_t i;

	for (i = 0; i < VM_FRAMES; i++)
		if (test_bit(bm, i))
			memcpy(mirror + i * PAGE, guest + i * PAGE, PAGE);
}

TEST_F_TIMEOUT(mode, oracle, 600)
{
	const int rounds = 40;
	struct v3chkpt_vm_config c = vm_cfg(VM_MIB, 4, 7);
	struct v3chkpt_dirty_harvest h;
	struct writer_state *st;
	uint64_t *bm, reported = 0, exits = 0, scanned = 0, writes, diff = 0, i;
	uint8_t *guest, *mirror;
	int tfd, mfd, tmfd, r, status;
	struct timespec t0, t1;
	pthread_t thread;
	pid_t pid;

	c.workload.write_pct = 80;
	c.workload.io_every = 1;	/* the UART's INSB writes guest memory */
	c.workload.pattern = V3CHKPT_WL_RANDOM;
	c.workload.pace_us = 20;
	ASSERT_EQ(0, vm_create_cfg(self->fd, "oracle", &c));
	guest = map_guest(self->fd, "oracle", PROT_READ, &mfd);
	ASSERT_NE(MAP_FAILED, guest) TH_LOG("map: %s", strerror(errno));
	mirror = malloc(VM_MIB * MIB);
	bm = malloc(BITMAP_BYTES);
	ASSERT_TRUE(mirror && bm);
	/* st[0]: the child's, st[1]: the thread's */
	st = mmap(NULL, 2 * sizeof(*st), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, st);
	for (i = 0; i < 2; i++) {
		st[i].vcpus = c.vcpus;
		st[i].ws = c.workload.ws_pages;
	}
	st[1].p = map_guest(self->fd, "oracle", PROT_READ | PROT_WRITE, &tmfd);
	ASSERT_NE(MAP_FAILED, st[1].p);
	ASSERT_EQ(0, vm_run(self->fd, "oracle"));
	ASSERT_LT(0, vm_wait_steps(self->fd, "oracle", 0));

	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		writer_child(self->fd, "oracle", &st[0]);
	ASSERT_EQ(0, pthread_create(&thread, NULL, writer_thread, &st[1]));
	for (i = 0; i < 6000 && !(atomic_load(&st[0].writes) &&
				  atomic_load(&st[1].writes)); i++)
		usleep(1000);
	ASSERT_NE(0, atomic_load(&st[0].writes)) TH_LOG("the child never wrote");
	ASSERT_NE(0, atomic_load(&st[1].writes)) TH_LOG("the thread never wrote");

	clock_gettime(CLOCK_MONOTONIC, &t0);
	tfd = dirty_start(self->fd, "oracle", variant->mode);
	ASSERT_LE(0, tfd) TH_LOG("start: %s", strerror(-tfd));
	/* round 0: everything, after the start */
	memcpy(mirror, guest, VM_MIB * MIB);
	for (r = 1; r <= rounds; r++) {
		ms_sleep(3);
		ASSERT_EQ(0, harvest(tfd, bm, BITMAP_BYTES, &h));
		ASSERT_EQ(VM_FRAMES, h.frames);
		ASSERT_EQ(popcount(bm, VM_FRAMES), h.dirty);
		copy_frames(mirror, guest, bm);
		reported += h.dirty;
		exits += h.exits;
		scanned += h.scanned;
	}

	atomic_store(&st[0].stop, 1);
	atomic_store(&st[1].stop, 1);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	ASSERT_EQ(0, pthread_join(thread, NULL));
	writes = atomic_load(&st[0].writes);
	ASSERT_EQ(0, vm_pause(self->fd, "oracle"));
	ASSERT_EQ(0, harvest(tfd, bm, BITMAP_BYTES, &h));
	copy_frames(mirror, guest, bm);
	reported += h.dirty;
	clock_gettime(CLOCK_MONOTONIC, &t1);

	for (i = 0; i < VM_FRAMES; i++)
		diff += !!memcmp(mirror + i * PAGE, guest + i * PAGE, PAGE);
	TH_LOG("mode %u: %d rounds in %ld ms, %llu pages reported, %llu child writes, %llu thread writes, %llu exits, %llu entries scanned, %llu pages differ",
	       variant->mode, rounds,
	       (long)((t1.tv_sec - t0.tv_sec) * 1000 +
		      (t1.tv_nsec - t0.tv_nsec) / 1000000),
	       (unsigned long long)reported,
	       (unsigned long long)writes,
	       (unsigned long long)atomic_load(&st[1].writes),
	       (unsigned long long)exits,
	       (unsigned long long)scanned, (unsigned long long)diff);
	EXPECT_EQ(0, diff);
	EXPECT_LT(0, reported);
	EXPECT_LT(0, writes);
	EXPECT_LT(0, atomic_load(&st[1].writes));
	if (variant->mode == V3CHKPT_DIRTY_WP)
		EXPECT_LT(0, exits);	/* the guest's writes hit protection */
	if (variant->mode == V3CHKPT_DIRTY_AD)
		EXPECT_LT(0, scanned);

	/* the copies read through a mapping: that wrote nothing */
	ASSERT_EQ(0, harvest(tfd, bm, BITMAP_BYTES, &h));
	EXPECT_EQ(0, h.dirty);
	EXPECT_EQ(0, popcount(bm, VM_FRAMES));

	close(tfd);
	unmap_guest(st[1].p, tmfd);
	munmap(st, 2 * sizeof(*st));
	free(bm);
	free(mirror);
	unmap_guest(guest, mfd);
}

TEST_F_TIMEOUT(mode, tracking_leaves_the_guest_alone, 600)
{
	struct v3chkpt_vm_digest d0, d1, d2, da, db;
	struct v3chkpt_dirty_harvest h;
	uint64_t bm[BITMAP_BYTES / 8];
	int tfd, i;

	/* paused: the digest before the start, after harvests, after stop */
	ASSERT_EQ(0, vm_new(self->fd, "alone-a", VM_MIB, 2, 3));
	ASSERT_EQ(0, vm_new(self->fd, "alone-b", VM_MIB, 2, 3));
	ASSERT_EQ(0, vm_step(self->fd, "alone-a", 30));
	ASSERT_EQ(0, vm_step(self->fd, "alone-b", 30));
	ASSERT_EQ(0, vm_digest(self->fd, "alone-a", &d0));
	tfd = dirty_start(self->fd, "alone-a", variant->mode);
	ASSERT_LE(0, tfd);
	for (i = 0; i < 3; i++) {
		ASSERT_EQ(0, harvest(tfd, bm, sizeof(bm), &h));
		EXPECT_EQ(0, h.dirty);	/* paused: nothing writes */
	}
	ASSERT_EQ(0, vm_digest(self->fd, "alone-a", &d1));
	EXPECT_DIGEST_EQ(d0, d1);

	/* tracked, a VM steps as its untracked twin */
	ASSERT_EQ(0, vm_step(self->fd, "alone-a", 100));
	ASSERT_EQ(0, vm_step(self->fd, "alone-b", 100));
	ASSERT_EQ(0, harvest(tfd, bm, sizeof(bm), &h));
	EXPECT_LT(0, h.dirty);
	ASSERT_EQ(0, vm_digest(self->fd, "alone-a", &da));
	ASSERT_EQ(0, vm_digest(self->fd, "alone-b", &db));
	EXPECT_DIGEST_EQ(da, db);
	close(tfd);
	ASSERT_EQ(0, vm_digest(self->fd, "alone-a", &d2));
	EXPECT_DIGEST_EQ(da, d2);

	/* and after the stop too */
	ASSERT_EQ(0, vm_step(self->fd, "alone-a", 50));
	ASSERT_EQ(0, vm_step(self->fd, "alone-b", 50));
	ASSERT_EQ(0, vm_digest(self->fd, "alone-a", &da));
	ASSERT_EQ(0, vm_digest(self->fd, "alone-b", &db));
	EXPECT_DIGEST_EQ(da, db);
}

/* ---- the ioctl rules ---- */

FIXTURE(abi) {
	int fd;
};

FIXTURE_SETUP(abi)
{
	self->fd = dev_fd();
	ASSERT_LE(0, self->fd) TH_LOG("open %s: %s", V3CHKPT_DEVICE, strerror(errno));
	vm_cleanup(self->fd);
	ASSERT_EQ(0, vm_small(self->fd, "abi"));
}

FIXTURE_TEARDOWN(abi)
{
	struct v3chkpt_vm_entry e[LIST_MAX];

	vm_cleanup(self->fd);
	EXPECT_EQ(0, vm_list(self->fd, e));
	close(self->fd);
}

/* A start with @d as given (size and all): an fd, closed, or -errno. */
static int start_raw(int dev, void *d)
{
	int r = ret_errno(ioctl(dev, V3CHKPT_IOC_VM_DIRTY, d));

	if (r >= 0)
		close(r);
	return r < 0 ? r : 0;
}

TEST_F_TIMEOUT(abi, start_rules, 300)
{
	struct {
		struct v3chkpt_vm_dirty d;
		uint64_t tail[2];
	} big;
	struct v3chkpt_vm_dirty d;
	int tfd, mode;

#define RESET_D() do {							\
	memset(&d, 0, sizeof(d));					\
	d.size = sizeof(d);						\
	d.mode = V3CHKPT_DIRTY_WP;					\
	strcpy(d.name, "abi");						\
} while (0)
	RESET_D();
	EXPECT_EQ(0, start_raw(self->fd, &d));
	d.size = V3CHKPT_VM_DIRTY_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, start_raw(self->fd, &d));
	d.size = 0;
	EXPECT_EQ(-EINVAL, start_raw(self->fd, &d));
	RESET_D();
	d.flags = 1;
	EXPECT_EQ(-EINVAL, start_raw(self->fd, &d));
	RESET_D();
	d.reserved0 = 1;
	EXPECT_EQ(-EINVAL, start_raw(self->fd, &d));
	RESET_D();
	d.reserved[0] = 1;
	EXPECT_EQ(-EINVAL, start_raw(self->fd, &d));
	RESET_D();
	d.reserved[1] = 1ULL << 63;
	EXPECT_EQ(-EINVAL, start_raw(self->fd, &d));
	for (mode = 0; mode < 6; mode += 4) {	/* 0 and 4 */
		RESET_D();
		d.mode = mode;
		EXPECT_EQ(-EOPNOTSUPP, start_raw(self->fd, &d));
	}
	RESET_D();
	d.mode = ~0U;
	EXPECT_EQ(-EOPNOTSUPP, start_raw(self->fd, &d));
	RESET_D();
	strcpy(d.name, "nosuch");
	EXPECT_EQ(-ENOENT, start_raw(self->fd, &d));
	strcpy(d.name, "a/b");
	EXPECT_EQ(-EINVAL, start_raw(self->fd, &d));
	d.name[0] = 0;
	EXPECT_EQ(-EINVAL, start_raw(self->fd, &d));

	/* larger: zero tail accepted, anything else E2BIG, beyond a page too */
	memset(&big, 0, sizeof(big));
	big.d.size = sizeof(big);
	big.d.mode = V3CHKPT_DIRTY_AD;
	strcpy(big.d.name, "abi");
	EXPECT_EQ(0, start_raw(self->fd, &big));
	big.tail[1] = 1;
	EXPECT_EQ(-E2BIG, start_raw(self->fd, &big));
	RESET_D();
	d.size = 1 << 20;
	EXPECT_EQ(-E2BIG, start_raw(self->fd, &d));
#undef RESET_D

	/* one tracker per VM, in any mode; the fd is close-on-exec */
	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_PML);
	ASSERT_LE(0, tfd);
	EXPECT_EQ(FD_CLOEXEC, fcntl(tfd, F_GETFD) & FD_CLOEXEC);
	for (mode = V3CHKPT_DIRTY_WP; mode <= V3CHKPT_DIRTY_PML; mode++)
		EXPECT_EQ(-EBUSY, dirty_start(self->fd, "abi", mode));
	close(tfd);
}

TEST_F_TIMEOUT(abi, harvest_rules, 300)
{
	struct {
		struct v3chkpt_dirty_harvest h;
		uint64_t tail[2];
	} big;
	struct v3chkpt_dirty_harvest h;
	uint64_t bm[BITMAP_BYTES / 8];
	__u64 *out[] = { &h.frames, &h.dirty, &h.harvest_ns, &h.exits,
			  &h.scanned, &h.reserved[0], &h.reserved[1] };
	unsigned long bad_cmds[] = {
		V3CHKPT_IOC_VERSION, V3CHKPT_IOC_VM_DIRTY, V3CHKPT_IOC_CTX_CLOSE,
		_IOWR(V3CHKPT_IOC_MAGIC, 0x2f, struct v3chkpt_dirty_harvest),
		_IOWR(V3CHKPT_IOC_MAGIC, 0x31, struct v3chkpt_dirty_harvest),
		_IOWR(V3CHKPT_IOC_MAGIC, 0xff, struct v3chkpt_dirty_harvest),
		_IOWR('x', 0x30, struct v3chkpt_dirty_harvest),
	};
	uint8_t *p;
	int tfd, mfd;
	size_t i;

	p = map_guest(self->fd, "abi", PROT_READ | PROT_WRITE, &mfd);
	ASSERT_NE(MAP_FAILED, p);
	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_WP);
	ASSERT_LE(0, tfd);
	write_marks(p, 1);

#define RESET_H() do {							\
	memset(&h, 0, sizeof(h));					\
	h.size = sizeof(h);						\
	h.bitmap = (uintptr_t)bm;					\
	h.bitmap_bytes = sizeof(bm);					\
} while (0)
	RESET_H();
	h.size = V3CHKPT_DIRTY_HARVEST_SIZE_VER0 - 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, &h)));
	RESET_H();
	h.size = 8;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, &h)));
	RESET_H();
	h.flags = 1;
	EXPECT_EQ(-EINVAL, ret_errno(ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, &h)));
	for (i = 0; i < ARRAY_SIZE(out); i++) {
		RESET_H();
		*out[i] = 1;
		EXPECT_EQ(-EINVAL, ret_errno(ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, &h)))
			TH_LOG("field %zu set on input", i);
	}
	memset(&big, 0, sizeof(big));
	big.h.size = sizeof(big);
	big.h.bitmap = (uintptr_t)bm;
	big.h.bitmap_bytes = sizeof(bm);
	big.tail[0] = 1;
	EXPECT_EQ(-E2BIG, ret_errno(ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, &big)));
	RESET_H();
	h.size = 1 << 20;
	EXPECT_EQ(-E2BIG, ret_errno(ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, &h)));
	for (i = 0; i < ARRAY_SIZE(bad_cmds); i++) {
		RESET_H();
		EXPECT_EQ(-ENOTTY, ret_errno(ioctl(tfd, bad_cmds[i], &h)))
			TH_LOG("command %#lx", bad_cmds[i]);
	}
	RESET_H();
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(self->fd, V3CHKPT_IOC_DIRTY_HARVEST, &h)));
	EXPECT_EQ(-ENOTTY, ret_errno(ioctl(mfd, V3CHKPT_IOC_DIRTY_HARVEST, &h)));
#undef RESET_H

	/* none of that took a page; a larger struct with a zero tail works */
	memset(&big, 0, sizeof(big));
	big.h.size = sizeof(big);
	big.h.bitmap = (uintptr_t)bm;
	big.h.bitmap_bytes = sizeof(bm);
	ASSERT_EQ(0, ret_errno(ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, &big)));
	EXPECT_EQ(VM_FRAMES, big.h.frames);
	EXPECT_EQ(NMARKS, big.h.dirty);
	EXPECT_TRUE(only_marks(bm));
	EXPECT_EQ(0, big.tail[0]);
	EXPECT_EQ(0, big.tail[1]);
	close(tfd);
	unmap_guest(p, mfd);
}

TEST_F_TIMEOUT(abi, harvest_bitmap, 300)
{
	uint64_t *bm, *ro;
	struct v3chkpt_dirty_harvest h, *ro_h;
	uint8_t *p;
	int tfd, mfd;
	size_t i;

	p = map_guest(self->fd, "abi", PROT_READ | PROT_WRITE, &mfd);
	ASSERT_NE(MAP_FAILED, p);
	bm = malloc(2 * BITMAP_BYTES);
	ASSERT_NE(NULL, bm);
	ro = mmap(NULL, BITMAP_BYTES, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
		  -1, 0);
	ASSERT_NE(MAP_FAILED, ro);
	write_marks(p, 1);	/* before the start: never reported */
	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_WP);
	ASSERT_LE(0, tfd);
	ASSERT_EQ(0, harvest(tfd, bm, BITMAP_BYTES, &h));
	EXPECT_EQ(0, h.dirty);
	EXPECT_EQ(0, popcount(bm, VM_FRAMES));

	/* too small: ENOBUFS with frames set, nothing taken */
	write_marks(p, 2);
	EXPECT_EQ(-ENOBUFS, harvest(tfd, bm, BITMAP_BYTES - 8, &h));
	EXPECT_EQ(VM_FRAMES, h.frames);
	EXPECT_EQ(0, h.dirty);
	EXPECT_EQ(-ENOBUFS, harvest(tfd, NULL, 0, &h));
	EXPECT_EQ(VM_FRAMES, h.frames);
	/* large enough, stale bits everywhere: written whole, no further */
	memset(bm, 0xff, 2 * BITMAP_BYTES);
	ASSERT_EQ(0, harvest(tfd, bm, 2 * BITMAP_BYTES, &h));
	EXPECT_EQ(VM_FRAMES, h.frames);
	EXPECT_EQ(NMARKS, h.dirty);
	EXPECT_TRUE(only_marks(bm));
	for (i = BITMAP_BYTES / 8; i < 2 * BITMAP_BYTES / 8; i++)
		ASSERT_EQ(~0ULL, bm[i]) TH_LOG("word %zu beyond the frames", i);
	/* a page is reported once, however often it was written */
	ASSERT_EQ(0, harvest(tfd, bm, BITMAP_BYTES, &h));
	EXPECT_EQ(0, h.dirty);
	EXPECT_EQ(0, popcount(bm, VM_FRAMES));

	/* a bitmap the kernel cannot write: EFAULT, nothing lost */
	write_marks(p, 3);
	write_marks(p, 4);
	EXPECT_EQ(-EFAULT, harvest(tfd, (void *)8, BITMAP_BYTES, &h));
	EXPECT_EQ(-EFAULT, harvest(tfd, ro, BITMAP_BYTES, &h));
	ASSERT_EQ(0, harvest(tfd, bm, BITMAP_BYTES, &h));
	EXPECT_EQ(NMARKS, h.dirty);
	EXPECT_TRUE(only_marks(bm));
	/* and pages returned after an EFAULT are protected again */
	write_marks(p, 5);
	ASSERT_EQ(0, harvest(tfd, bm, BITMAP_BYTES, &h));
	EXPECT_EQ(NMARKS, h.dirty);
	EXPECT_TRUE(only_marks(bm));

	/* the struct itself read-only: EFAULT, and nothing lost either */
	write_marks(p, 6);
	ro_h = mmap(NULL, PAGE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ro_h);
	ro_h->size = sizeof(*ro_h);
	ro_h->bitmap = (uintptr_t)bm;
	ro_h->bitmap_bytes = BITMAP_BYTES;
	ASSERT_EQ(0, mprotect(ro_h, PAGE, PROT_READ));
	EXPECT_EQ(-EFAULT, ret_errno(ioctl(tfd, V3CHKPT_IOC_DIRTY_HARVEST, ro_h)));
	munmap(ro_h, PAGE);
	ASSERT_EQ(0, harvest(tfd, bm, BITMAP_BYTES, &h));
	EXPECT_EQ(NMARKS, h.dirty);
	EXPECT_TRUE(only_marks(bm));

	/* a bitmap in guest memory: the kernel's write to it is tracked */
	ASSERT_EQ(0, harvest(tfd, p + 200 * PAGE, BITMAP_BYTES, &h));
	EXPECT_EQ(0, h.dirty);
	ASSERT_EQ(0, harvest(tfd, bm, BITMAP_BYTES, &h));
	EXPECT_EQ(1, h.dirty);
	EXPECT_TRUE(test_bit(bm, 200));

	close(tfd);
	munmap(ro, BITMAP_BYTES);
	free(bm);
	unmap_guest(p, mfd);
}

TEST_F_TIMEOUT(abi, load_and_late_writers_are_tracked, 300)
{
	struct v3chkpt_dirty_harvest h;
	uint64_t bm[BITMAP_BYTES / 8];
	int tfd, mfd, pfd[2];
	uint8_t *p;

	ASSERT_EQ(0, vm_step(self->fd, "abi", 20));
	ASSERT_EQ(0, vm_save(self->fd, "abi", KEY_PREFIX "load", 0));
	ASSERT_EQ(0, vm_step(self->fd, "abi", 20));
	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_AD);
	ASSERT_LE(0, tfd);

	/* a load rewrites all of guest memory: every frame is reported */
	ASSERT_EQ(0, vm_load(self->fd, "abi", KEY_PREFIX "load", 0, NULL, NULL));
	ASSERT_EQ(0, harvest(tfd, bm, sizeof(bm), &h));
	EXPECT_EQ(VM_FRAMES, h.dirty);
	EXPECT_EQ(VM_FRAMES, popcount(bm, VM_FRAMES));
	ASSERT_EQ(0, harvest(tfd, bm, sizeof(bm), &h));
	EXPECT_EQ(0, h.dirty);

	/* a mapping made after the start, written by the CPU ... */
	p = map_guest(self->fd, "abi", PROT_READ | PROT_WRITE, &mfd);
	ASSERT_NE(MAP_FAILED, p);
	write_marks(p, 9);
	ASSERT_EQ(0, harvest(tfd, bm, sizeof(bm), &h));
	EXPECT_EQ(NMARKS, h.dirty);
	EXPECT_TRUE(only_marks(bm));
	/* ... and by the kernel on the VMM's behalf (read(2) into it) */
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(8, write(pfd[1], "12345678", 8));
	ASSERT_EQ(8, read(pfd[0], p + 100 * PAGE + 16, 8));
	ASSERT_EQ(0, harvest(tfd, bm, sizeof(bm), &h));
	EXPECT_EQ(1, h.dirty);
	EXPECT_TRUE(test_bit(bm, 100));
	close(pfd[0]);
	close(pfd[1]);
	close(tfd);
	unmap_guest(p, mfd);
}

TEST_F_TIMEOUT(abi, one_tracker_per_vm_sees_only_its_vm, 300)
{
	struct v3chkpt_dirty_harvest h;
	uint64_t bm[BITMAP_BYTES / 8];
	int tfd, tfd2, mfd, mfd2;
	uint8_t *p, *q;

	ASSERT_EQ(0, vm_small(self->fd, "abi2"));
	p = map_guest(self->fd, "abi", PROT_READ | PROT_WRITE, &mfd);
	ASSERT_NE(MAP_FAILED, p);
	q = map_guest(self->fd, "abi2", PROT_READ | PROT_WRITE, &mfd2);
	ASSERT_NE(MAP_FAILED, q);
	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_WP);
	ASSERT_LE(0, tfd);
	write_marks(q, 1);
	ASSERT_EQ(0, harvest(tfd, bm, sizeof(bm), &h));
	EXPECT_EQ(0, h.dirty);
	/* the other VM has a tracker of its own */
	tfd2 = dirty_start(self->fd, "abi2", V3CHKPT_DIRTY_PML);
	ASSERT_LE(0, tfd2);
	write_marks(p, 2);
	ASSERT_EQ(0, harvest(tfd2, bm, sizeof(bm), &h));
	EXPECT_EQ(0, h.dirty);
	ASSERT_EQ(0, harvest(tfd, bm, sizeof(bm), &h));
	EXPECT_EQ(NMARKS, h.dirty);
	EXPECT_TRUE(only_marks(bm));
	write_marks(q, 3);
	ASSERT_EQ(0, harvest(tfd2, bm, sizeof(bm), &h));
	EXPECT_EQ(NMARKS, h.dirty);
	EXPECT_TRUE(only_marks(bm));
	close(tfd);
	close(tfd2);
	unmap_guest(p, mfd);
	unmap_guest(q, mfd2);
}

TEST_F_TIMEOUT(abi, destroyed_vm_enodev, 300)
{
	struct v3chkpt_dirty_harvest h;
	uint64_t bm[BITMAP_BYTES / 8];
	int tfd;

	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_AD);
	ASSERT_LE(0, tfd);
	ASSERT_EQ(0, vm_run(self->fd, "abi"));
	ASSERT_EQ(0, harvest(tfd, bm, sizeof(bm), &h));
	ASSERT_EQ(0, vm_destroy(self->fd, "abi"));
	EXPECT_EQ(-ENODEV, harvest(tfd, bm, sizeof(bm), &h));
	EXPECT_EQ(-ENODEV, harvest(tfd, bm, sizeof(bm), &h));
	EXPECT_EQ(-ENOENT, dirty_start(self->fd, "abi", V3CHKPT_DIRTY_AD));
	/* a new VM of the same name is another VM */
	ASSERT_EQ(0, vm_small(self->fd, "abi"));
	EXPECT_EQ(-ENODEV, harvest(tfd, bm, sizeof(bm), &h));
	close(tfd);
	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_AD);
	EXPECT_LE(0, tfd);
	close(tfd);
}

struct unpriv {
	int tfd;
	uint64_t bm[BITMAP_BYTES / 8];
};

/* As nobody: 0, or the number of the first check not refused. */
static int unprivileged_checks(void *arg)
{
	struct unpriv *u = arg;
	struct v3chkpt_dirty_harvest h;
	int fd = dev_fd(), mode;

	if (fd < 0)
		return 99;
	for (mode = V3CHKPT_DIRTY_WP; mode <= V3CHKPT_DIRTY_PML; mode++)
		if (dirty_start(fd, "abi", mode) != -EPERM)
			return mode;
	if (dirty_start(fd, "nosuch", V3CHKPT_DIRTY_WP) != -EPERM)
		return 4;
	if (harvest(u->tfd, u->bm, sizeof(u->bm), &h) != -EPERM)
		return 5;
	close(fd);
	return 0;
}

TEST_F_TIMEOUT(abi, unprivileged_eperm, 300)
{
	struct v3chkpt_dirty_harvest h;
	struct unpriv *u;
	uint8_t *p;
	int mfd, r;

	u = calloc(1, sizeof(*u));
	ASSERT_NE(NULL, u);
	p = map_guest(self->fd, "abi", PROT_READ | PROT_WRITE, &mfd);
	ASSERT_NE(MAP_FAILED, p);
	u->tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_PML);
	ASSERT_LE(0, u->tfd);
	write_marks(p, 1);
	r = as_nobody(unprivileged_checks, u);
	EXPECT_EQ(0, r) TH_LOG("check %d was not refused", r);
	/* the child's copy of the fd is gone; the tracker is not */
	EXPECT_EQ(-EBUSY, dirty_start(self->fd, "abi", V3CHKPT_DIRTY_WP));
	ASSERT_EQ(0, harvest(u->tfd, u->bm, sizeof(u->bm), &h));
	EXPECT_EQ(NMARKS, h.dirty);
	EXPECT_TRUE(only_marks(u->bm));
	close(u->tfd);
	unmap_guest(p, mfd);
	free(u);
}

/* The guest runs without a fault: its write permissions came back. */
static int steps_fine(int dev, const char *name)
{
	struct v3chkpt_vm_entry e;
	int r = vm_step(dev, name, 50);

	if (r)
		return r;
	r = vm_entry(dev, name, &e);
	return r ? r : e.state == V3CHKPT_VM_PAUSED && !e.error ? 0 : -EIO;
}

TEST_F_TIMEOUT(abi, close_stops_tracking, 300)
{
	int tfd, tfd2, mode;

	for (mode = V3CHKPT_DIRTY_WP; mode <= V3CHKPT_DIRTY_PML; mode++) {
		tfd = dirty_start(self->fd, "abi", mode);
		ASSERT_LE(0, tfd);
		EXPECT_EQ(0, vm_step(self->fd, "abi", 20));
		close(tfd);
		EXPECT_EQ(0, steps_fine(self->fd, "abi")) TH_LOG("mode %d", mode);
	}
	/* a dup keeps the file open: tracking goes with the last close */
	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_WP);
	ASSERT_LE(0, tfd);
	tfd2 = dup(tfd);
	ASSERT_LE(0, tfd2);
	close(tfd);
	EXPECT_EQ(-EBUSY, dirty_start(self->fd, "abi", V3CHKPT_DIRTY_WP));
	close(tfd2);
	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_WP);
	EXPECT_LE(0, tfd);
	close(tfd);
}

TEST_F_TIMEOUT(abi, exit_stops_tracking, 300)
{
	int pfd[2], status, tfd;
	pid_t pid;
	char c;

	/* the child starts a tracker and exits without closing it */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(dirty_start(self->fd, "abi", V3CHKPT_DIRTY_WP) < 0);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	ASSERT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_AD);
	EXPECT_LE(0, tfd) TH_LOG("after the exit: %s", strerror(-tfd));
	close(tfd);
	EXPECT_EQ(0, steps_fine(self->fd, "abi"));

	/* killed while holding it, with the guest running */
	ASSERT_EQ(0, pipe(pfd));
	ASSERT_EQ(0, vm_run(self->fd, "abi"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		close(pfd[0]);
		if (dirty_start(self->fd, "abi", V3CHKPT_DIRTY_WP) < 0)
			_exit(1);
		if (write(pfd[1], "s", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ASSERT_EQ(1, read(pfd[0], &c, 1));
	close(pfd[0]);
	EXPECT_EQ(-EBUSY, dirty_start(self->fd, "abi", V3CHKPT_DIRTY_WP));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	tfd = dirty_start(self->fd, "abi", V3CHKPT_DIRTY_PML);
	EXPECT_LE(0, tfd) TH_LOG("after the kill: %s", strerror(-tfd));
	close(tfd);
	ASSERT_EQ(0, vm_pause(self->fd, "abi"));
	EXPECT_EQ(0, steps_fine(self->fd, "abi"));
}

TEST_HARNESS_MAIN
