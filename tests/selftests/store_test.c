// SPDX-License-Identifier: GPL-2.0
/*
 * kselftests of the dir and net stores with whole VMs: round trips to
 * identical digests, a save killed midway or stopped by a full disk that
 * leaves the previous checkpoint as it was, damaged checkpoints refused
 * with the target untouched, loads that create nothing, and net transfers
 * over loopback (IPv4 and IPv6, either end listening, keys, a peer killed
 * mid-transfer, a peer that goes quiet).
 *
 * Everything lives under /tmp/st (a tmpfs in the guest).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/v3chkpt.h>
#include "helpers.h"
#include "kselftest_harness.h"
#define KEY_PREFIX	"stt-"
#include "vm_helpers.h"

#define TOP		"/tmp/st"
#define CK		TOP "/ck"
#define ERRMSG		V3CHKPT_ERRMSG_MAX

static int save_to(int dev, const char *vm, const char *store, const char *url,
		   struct v3chkpt_progress *pr, char *errmsg)
{
	uint32_t none = 0;

	return vm_xfer_at(dev, V3CHKPT_IOC_VM_SAVE, vm, store, url, 0, &none,
			  errmsg, pr);
}

static int load_from(int dev, const char *vm, const char *store,
		     const char *url, uint32_t flags, char *errmsg)
{
	return vm_xfer_at(dev, V3CHKPT_IOC_VM_LOAD, vm, store, url, flags, NULL,
			  errmsg, NULL);
}

/* Fill @mib MiB of @vm's RAM with random bytes, so a checkpoint is big. */
static int vm_fill(int dev, const char *vm, uint64_t mib, unsigned int seed)
{
	int fd = vm_map(dev, vm);
	uint64_t *p, i;

	if (fd < 0)
		return fd;
	p = mmap(NULL, mib * MIB, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return -errno;
	srand(seed);
	for (i = 0; i < mib * MIB / 8; i++)
		p[i] = ((uint64_t)rand() << 32) ^ rand();
	munmap(p, mib * MIB);
	return 0;
}

/* Entries of @dir (names joined), to see that nothing else appeared. */
static void dir_names(const char *dir, char *out, size_t len)
{
	struct dirent *e;
	DIR *d = opendir(dir);

	out[0] = '\0';
	if (!d)
		return;
	while ((e = readdir(d)))
		if (strlen(out) + strlen(e->d_name) + 2 < len)
			strcat(strcat(out, e->d_name), " ");
	closedir(d);
}

static bool has_tmp_sibling(void)
{
	char names[4096];

	dir_names(TOP, names, sizeof(names));
	return strstr(names, ".v3tmp-") != NULL;
}

static int file_bytes(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY), n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

static int run(const char *cmd)
{
	return system(cmd);
}

FIXTURE(st) {
	int fd;
};

FIXTURE_SETUP(st)
{
	self->fd = dev_fd();
	ASSERT_LE(0, self->fd);
	vm_cleanup(self->fd);
	umount(TOP "/small");
	run("rm -rf " TOP " && mkdir -p " TOP);
}

FIXTURE_TEARDOWN(st)
{
	struct v3chkpt_vm_entry e[LIST_MAX];

	vm_cleanup(self->fd);
	EXPECT_EQ(0, vm_list(self->fd, e));
	umount(TOP "/small");
	close(self->fd);
}

/* A VM, run and paused: its digest in @d. */
static int vm_ready(int dev, const char *name, uint64_t mib, uint32_t vcpus,
		    uint64_t seed, struct v3chkpt_vm_digest *d)
{
	int r = vm_new(dev, name, mib, vcpus, seed);

	if (!r)
		r = vm_step(dev, name, 40);
	return r ? r : vm_digest(dev, name, d);
}

TEST_F_TIMEOUT(st, dir_round_trip_identical_digest, 300)
{
	struct v3chkpt_vm_digest a, b;
	char names[4096];

	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 2, 1, &a));
	ASSERT_EQ(0, vm_fill(self->fd, "a", 8, 1));
	ASSERT_EQ(0, vm_digest(self->fd, "a", &a));
	ASSERT_EQ(0, save_to(self->fd, "a", "dir", CK, NULL, NULL));
	ASSERT_EQ(0, load_from(self->fd, "b", "dir", CK, V3CHKPT_VM_LOAD_CREATE, NULL));
	ASSERT_EQ(0, vm_digest(self->fd, "b", &b));
	EXPECT_DIGEST_EQ(a, b);
	/* one MANIFEST plus a file per context, and no temporary left */
	dir_names(CK, names, sizeof(names));
	EXPECT_NE(NULL, strstr(names, "MANIFEST"));
	EXPECT_NE(NULL, strstr(names, "00000.ctx"));
	EXPECT_FALSE(has_tmp_sibling());
}

TEST_F_TIMEOUT(st, dir_running_vm_keeps_running_and_restores, 300)
{
	struct v3chkpt_vm_digest b, c;
	struct v3chkpt_vm_entry e;
	int64_t steps;

	ASSERT_EQ(0, vm_new(self->fd, "a", 64, 2, 7));
	ASSERT_EQ(0, vm_run(self->fd, "a"));
	ASSERT_LT(0, vm_wait_steps(self->fd, "a", 10));
	ASSERT_EQ(0, save_to(self->fd, "a", "dir", CK, NULL, NULL));
	ASSERT_EQ(0, vm_entry(self->fd, "a", &e));
	EXPECT_EQ(V3CHKPT_VM_RUNNING, e.state);
	steps = e.steps;
	EXPECT_LT(0, vm_wait_steps(self->fd, "a", steps));
	/* restored twice, into a new and an existing VM: one state */
	ASSERT_EQ(0, load_from(self->fd, "b", "dir", CK, V3CHKPT_VM_LOAD_CREATE, NULL));
	ASSERT_EQ(0, vm_new(self->fd, "c", 64, 2, 7));
	ASSERT_EQ(0, load_from(self->fd, "c", "dir", CK, 0, NULL));
	ASSERT_EQ(0, vm_digest(self->fd, "b", &b));
	ASSERT_EQ(0, vm_digest(self->fd, "c", &c));
	EXPECT_DIGEST_EQ(b, c);
	ASSERT_EQ(0, vm_step(self->fd, "b", 50));
	ASSERT_EQ(0, vm_step(self->fd, "c", 50));
	ASSERT_EQ(0, vm_digest(self->fd, "b", &b));
	ASSERT_EQ(0, vm_digest(self->fd, "c", &c));
	EXPECT_DIGEST_EQ(b, c);
}

TEST_F_TIMEOUT(st, dir_second_save_replaces_the_first, 300)
{
	struct v3chkpt_vm_digest d1, d2, b;

	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 1, 3, &d1));
	ASSERT_EQ(0, save_to(self->fd, "a", "dir", CK, NULL, NULL));
	ASSERT_EQ(0, vm_step(self->fd, "a", 30));
	ASSERT_EQ(0, vm_digest(self->fd, "a", &d2));
	ASSERT_NE(d1.total, d2.total);
	ASSERT_EQ(0, save_to(self->fd, "a", "dir", CK, NULL, NULL));
	ASSERT_EQ(0, load_from(self->fd, "b", "dir", CK, V3CHKPT_VM_LOAD_CREATE, NULL));
	ASSERT_EQ(0, vm_digest(self->fd, "b", &b));
	EXPECT_DIGEST_EQ(d2, b);
	EXPECT_FALSE(has_tmp_sibling());
}

/* The child saves @vm to CK; the parent kills it once memory is moving. */
TEST_F_TIMEOUT(st, dir_killed_save_keeps_previous_checkpoint, 600)
{
	struct v3chkpt_vm_digest d1, b;
	struct v3chkpt_progress *pr;
	char m1[512], m2[512];
	int status, i, n1;
	pid_t pid;

	ASSERT_EQ(0, vm_ready(self->fd, "a", 256, 1, 5, &d1));
	ASSERT_EQ(0, save_to(self->fd, "a", "dir", CK, NULL, NULL));
	n1 = file_bytes(CK "/MANIFEST", m1, sizeof(m1));
	ASSERT_LT(0, n1);
	ASSERT_EQ(0, vm_fill(self->fd, "a", 256, 2));
	pr = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, pr);
	memset(pr, 0, sizeof(*pr));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(save_to(self->fd, "a", "dir", CK, pr, NULL) ? 1 : 0);
	for (i = 0; i < 60000 && !__atomic_load_n(&pr->done, __ATOMIC_RELAXED); i++)
		usleep(1000);
	ASSERT_LT(0, pr->done) TH_LOG("the save never started moving memory");
	ASSERT_GT(pr->total, pr->done) TH_LOG("the save finished before the kill");
	EXPECT_TRUE(has_tmp_sibling());
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFSIGNALED(status));
	/* the previous checkpoint: same MANIFEST, loads to its digest */
	EXPECT_EQ(n1, file_bytes(CK "/MANIFEST", m2, sizeof(m2)));
	EXPECT_EQ(0, memcmp(m1, m2, n1));
	EXPECT_FALSE(has_tmp_sibling());
	ASSERT_EQ(0, load_from(self->fd, "b", "dir", CK, V3CHKPT_VM_LOAD_CREATE, NULL));
	ASSERT_EQ(0, vm_digest(self->fd, "b", &b));
	EXPECT_DIGEST_EQ(d1, b);
	munmap(pr, 4096);
}

TEST_F_TIMEOUT(st, dir_full_disk_enospc_keeps_previous_checkpoint, 300)
{
	struct v3chkpt_vm_digest d1, b;
	char err[ERRMSG];
	struct statvfs before, after;

	ASSERT_EQ(0, run("mkdir -p " TOP "/small"));
	ASSERT_EQ(0, mount("tmpfs", TOP "/small", "tmpfs", 0, "size=12m"));
	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 1, 9, &d1));
	ASSERT_EQ(0, save_to(self->fd, "a", "dir", TOP "/small/ck", NULL, NULL));
	ASSERT_EQ(0, statvfs(TOP "/small", &before));
	/* 32 MiB of random memory cannot fit in what is left of 12 MiB */
	ASSERT_EQ(0, vm_fill(self->fd, "a", 32, 3));
	EXPECT_EQ(-ENOSPC, save_to(self->fd, "a", "dir", TOP "/small/ck", NULL, err));
	TH_LOG("errmsg: %s", err);
	EXPECT_NE(NULL, strstr(err, "-28"));
	ASSERT_EQ(0, statvfs(TOP "/small", &after));
	EXPECT_EQ(before.f_bfree, after.f_bfree);	/* the temporary is gone */
	ASSERT_EQ(0, load_from(self->fd, "b", "dir", TOP "/small/ck",
			       V3CHKPT_VM_LOAD_CREATE, NULL));
	ASSERT_EQ(0, vm_digest(self->fd, "b", &b));
	EXPECT_DIGEST_EQ(d1, b);
}

/* Invert one byte of @path at @off. */
static int flip(const char *path, off_t off)
{
	int fd = open(path, O_RDWR), r = -1;
	unsigned char c;

	if (fd < 0)
		return -1;
	if (pread(fd, &c, 1, off) == 1) {
		c = ~c;
		r = pwrite(fd, &c, 1, off) == 1 ? 0 : -1;
	}
	close(fd);
	return r;
}

/*
 * Each damage, on a fresh copy of a good checkpoint: a byte inverted at
 * @off of @file, or a shell command; the errno a load must give.
 */
static const struct {
	const char *file;
	off_t off;
	const char *cmd;
	int err;
} damage[] = {
	{ CK "/00000.ctx", 40, NULL, -EBADMSG },
	{ CK "/00001.ctx", 5000, NULL, -EBADMSG },
	{ CK "/00001.ctx", 0, NULL, -EBADMSG },
	{ CK "/MANIFEST", 70, NULL, -EBADMSG },
	{ CK "/MANIFEST", 8, NULL, -EPROTONOSUPPORT },	/* its version */
	{ NULL, 0, "truncate -s 100 " CK "/00001.ctx", -ENODATA },
	{ NULL, 0, "echo x >> " CK "/00002.ctx", -EBADMSG },
	{ NULL, 0, "rm " CK "/00003.ctx", -ENOENT },
	{ NULL, 0, "truncate -s 60 " CK "/MANIFEST", -ENODATA },
	{ NULL, 0, "rm " CK "/MANIFEST", -ENOENT },
	{ NULL, 0, "mv " CK "/00000.ctx " TOP "/x && ln -s " TOP "/x " CK "/00000.ctx", -ELOOP },
	{ NULL, 0, "rm " CK "/00001.ctx && mkfifo " CK "/00001.ctx", -EBADMSG },
	{ NULL, 0, "rm " CK "/00001.ctx && mkdir " CK "/00001.ctx", -EBADMSG },
};

TEST_F_TIMEOUT(st, dir_damaged_checkpoint_refused_target_untouched, 600)
{
	struct v3chkpt_vm_digest a, t0, t1;
	struct v3chkpt_vm_entry e;
	char err[ERRMSG];
	size_t i;

	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 2, 11, &a));
	ASSERT_EQ(0, vm_fill(self->fd, "a", 4, 4));
	ASSERT_EQ(0, vm_digest(self->fd, "a", &a));
	ASSERT_EQ(0, save_to(self->fd, "a", "dir", TOP "/good", NULL, NULL));
	/* same configuration (else the config check refuses first), other state */
	ASSERT_EQ(0, vm_ready(self->fd, "t", 64, 2, 11, &t0));
	ASSERT_EQ(0, vm_step(self->fd, "t", 25));
	ASSERT_EQ(0, vm_digest(self->fd, "t", &t0));
	ASSERT_NE(a.total, t0.total);
	for (i = 0; i < ARRAY_SIZE(damage); i++) {
		ASSERT_EQ(0, run("rm -rf " CK " " TOP "/x && cp -a " TOP "/good " CK));
		ASSERT_EQ(0, damage[i].file ? flip(damage[i].file, damage[i].off) :
					      run(damage[i].cmd));
		EXPECT_EQ(damage[i].err, load_from(self->fd, "t", "dir", CK, 0, err))
			TH_LOG("damage %zu: %s", i, err);
		ASSERT_EQ(0, vm_digest(self->fd, "t", &t1));
		EXPECT_DIGEST_EQ(t0, t1);
		EXPECT_EQ(damage[i].err, load_from(self->fd, "n", "dir", CK,
						   V3CHKPT_VM_LOAD_CREATE, NULL));
		EXPECT_EQ(-ENOENT, vm_entry(self->fd, "n", &e));
	}
	/* and the undamaged copy still loads */
	ASSERT_EQ(0, load_from(self->fd, "t", "dir", TOP "/good", 0, NULL));
	ASSERT_EQ(0, vm_digest(self->fd, "t", &t1));
	EXPECT_DIGEST_EQ(a, t1);
}

TEST_F_TIMEOUT(st, dir_load_creates_nothing, 300)
{
	struct v3chkpt_vm_digest a;
	char n0[4096], n1[4096];
	struct stat s0, s1;

	EXPECT_EQ(-ENOENT, load_from(self->fd, "b", "dir", TOP "/none",
				     V3CHKPT_VM_LOAD_CREATE, NULL));
	EXPECT_EQ(-1, access(TOP "/none", F_OK));
	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 1, 13, &a));
	ASSERT_EQ(0, save_to(self->fd, "a", "dir", CK, NULL, NULL));
	dir_names(CK, n0, sizeof(n0));
	ASSERT_EQ(0, stat(CK "/MANIFEST", &s0));
	ASSERT_EQ(0, load_from(self->fd, "a", "dir", CK, 0, NULL));
	dir_names(CK, n1, sizeof(n1));
	ASSERT_EQ(0, stat(CK "/MANIFEST", &s1));
	EXPECT_STREQ(n0, n1);
	EXPECT_EQ(s0.st_mtime, s1.st_mtime);
	EXPECT_FALSE(has_tmp_sibling());
}

TEST_F_TIMEOUT(st, dir_refuses_bad_paths_and_foreign_dirs, 300)
{
	static const char *const bad[] = {
		"", "ck", "./ck", TOP "/../st/ck", TOP "//ck", TOP "/./ck",
		TOP "/ck/", "/",
	};
	struct v3chkpt_vm_digest a;
	char err[ERRMSG];
	size_t i;
	int s;

	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 1, 14, &a));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, save_to(self->fd, "a", "dir", bad[i], NULL, NULL))
			TH_LOG("path %zu", i);
	/* a directory that is not a checkpoint is never replaced */
	ASSERT_EQ(0, run("mkdir " TOP "/foreign && echo keep > " TOP "/foreign/keep"));
	EXPECT_EQ(-EEXIST, save_to(self->fd, "a", "dir", TOP "/foreign", NULL, err));
	EXPECT_EQ(0, access(TOP "/foreign/keep", F_OK));
	ASSERT_EQ(0, run("echo file > " TOP "/plain"));
	EXPECT_EQ(-ENOTDIR, save_to(self->fd, "a", "dir", TOP "/plain", NULL, NULL));
	EXPECT_EQ(-ENOENT, save_to(self->fd, "a", "dir", TOP "/no/such/ck", NULL, NULL));
	EXPECT_FALSE(has_tmp_sibling());
	/* a raw import has no context boundaries to keep: refused */
	s = sess(self->fd, "dir", CK, V3CHKPT_MODE_IMPORT);
	EXPECT_EQ(-EOPNOTSUPP, s);
	if (s >= 0)
		close(s);
}

/* ---- net: both ends in this kernel, over loopback ---- */

struct peer {
	int dev;
	const char *vm, *url;
	bool save;
	int ret;
	char err[ERRMSG];
};

static void *peer_run(void *arg)
{
	struct peer *p = arg;

	p->ret = p->save ? save_to(p->dev, p->vm, "net", p->url, NULL, p->err) :
		 load_from(p->dev, p->vm, "net", p->url, V3CHKPT_VM_LOAD_CREATE,
			   p->err);
	return NULL;
}

/* The listener on a thread; the connector retries until it is up. */
static int net_pair(int dev, const char *vm_src, const char *vm_dst,
		    const char *listen, const char *connect, bool save_listens,
		    int *listen_ret, int *connect_ret)
{
	struct peer l = { .dev = dev, .url = listen, .save = save_listens };
	char err[ERRMSG];
	pthread_t t;
	int i, r;

	l.vm = save_listens ? vm_src : vm_dst;
	if (pthread_create(&t, NULL, peer_run, &l))
		return -errno;
	for (i = 0; i < 200; i++) {
		r = save_listens ?
		    load_from(dev, vm_dst, "net", connect, V3CHKPT_VM_LOAD_CREATE, err) :
		    save_to(dev, vm_src, "net", connect, NULL, err);
		if (r != -ECONNREFUSED)
			break;
		usleep(50000);
	}
	pthread_join(t, NULL);
	*listen_ret = l.ret;
	*connect_ret = r;
	return 0;
}

TEST_F_TIMEOUT(st, net_round_trip_ipv4_and_ipv6_either_end_listening, 600)
{
	struct v3chkpt_vm_digest a, b, c;
	int lr, cr;

	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 2, 21, &a));
	ASSERT_EQ(0, vm_fill(self->fd, "a", 8, 21));
	ASSERT_EQ(0, vm_digest(self->fd, "a", &a));
	ASSERT_EQ(0, net_pair(self->fd, "a", "b", "listen:127.0.0.1:7101",
			      "connect:127.0.0.1:7101", false, &lr, &cr));
	EXPECT_EQ(0, lr);
	EXPECT_EQ(0, cr);
	ASSERT_EQ(0, vm_digest(self->fd, "b", &b));
	EXPECT_DIGEST_EQ(a, b);
	ASSERT_EQ(0, net_pair(self->fd, "a", "c", "listen:[::1]:7102",
			      "connect:[::1]:7102", true, &lr, &cr));
	EXPECT_EQ(0, lr);
	EXPECT_EQ(0, cr);
	ASSERT_EQ(0, vm_digest(self->fd, "c", &c));
	EXPECT_DIGEST_EQ(a, c);
}

#define K1 ",key=00112233445566778899aabbccddeeff"
#define K2 ",key=00112233445566778899aabbccddeef0"

TEST_F_TIMEOUT(st, net_keys_right_wrong_and_missing, 600)
{
	static const struct {
		const char *lkey, *ckey;
		int ret;
	} cases[] = {
		{ K1, K1, 0 },
		{ K1, K2, -EKEYREJECTED },
		{ K1, "", -EKEYREJECTED },
		{ "", K2, -EKEYREJECTED },
	};
	struct v3chkpt_vm_digest a, b;
	struct v3chkpt_vm_entry e;
	char l[128], c[128];
	int lr, cr;
	size_t i;

	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 1, 22, &a));
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		snprintf(l, sizeof(l), "listen:127.0.0.1:%zu%s", 7110 + i, cases[i].lkey);
		snprintf(c, sizeof(c), "connect:127.0.0.1:%zu%s", 7110 + i, cases[i].ckey);
		ASSERT_EQ(0, net_pair(self->fd, "a", "b", l, c, false, &lr, &cr));
		EXPECT_EQ(cases[i].ret, lr) TH_LOG("case %zu", i);
		EXPECT_EQ(cases[i].ret, cr) TH_LOG("case %zu", i);
		if (!cases[i].ret) {
			ASSERT_EQ(0, vm_digest(self->fd, "b", &b));
			EXPECT_DIGEST_EQ(a, b);
			ASSERT_EQ(0, vm_destroy(self->fd, "b"));
		} else {
			EXPECT_EQ(-ENOENT, vm_entry(self->fd, "b", &e));
		}
	}
}

struct xfer {
	int dev;
	const char *vm, *url;
	struct v3chkpt_progress pr;
	int ret;
	char err[ERRMSG];
};

/* A save that connects, retrying while nobody listens yet. */
static void *save_connecting(void *arg)
{
	struct xfer *x = arg;
	int i;

	for (i = 0; i < 200; i++) {
		x->ret = save_to(x->dev, x->vm, "net", x->url, &x->pr, x->err);
		if (x->ret != -ECONNREFUSED)
			break;
		usleep(50000);
	}
	return NULL;
}

static void *load_listening(void *arg)
{
	struct xfer *x = arg;

	x->ret = vm_xfer_at(x->dev, V3CHKPT_IOC_VM_LOAD, x->vm, "net", x->url,
			    V3CHKPT_VM_LOAD_CREATE, NULL, x->err, &x->pr);
	return NULL;
}

/* Wait (up to 60 s) until @pr shows memory moving but not all of it. */
static bool moving(struct v3chkpt_progress *pr)
{
	int i;

	for (i = 0; i < 60000; i++) {
		if (__atomic_load_n(&pr->done, __ATOMIC_RELAXED))
			break;
		usleep(1000);
	}
	return pr->done && pr->done < pr->total;
}

TEST_F_TIMEOUT(st, net_receiver_killed_sender_fails_vm_keeps_running, 600)
{
	struct xfer x = { .dev = self->fd, .vm = "a",
			  .url = "connect:127.0.0.1:7120" };
	struct v3chkpt_vm_entry e;
	int status;
	pthread_t t;
	pid_t pid;

	ASSERT_EQ(0, vm_new(self->fd, "a", 256, 1, 23));
	ASSERT_EQ(0, vm_fill(self->fd, "a", 256, 23));
	ASSERT_EQ(0, vm_run(self->fd, "a"));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid)
		_exit(load_from(self->fd, "b", "net", "listen:127.0.0.1:7120",
				V3CHKPT_VM_LOAD_CREATE, NULL) ? 1 : 0);
	ASSERT_EQ(0, pthread_create(&t, NULL, save_connecting, &x));
	EXPECT_TRUE(moving(&x.pr)) TH_LOG("done %llu of %llu",
		(unsigned long long)x.pr.done, (unsigned long long)x.pr.total);
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	pthread_join(t, NULL);
	TH_LOG("sender: %d (%s)", x.ret, x.err);
	/* the killed loader's last word (ECANCELED), or the socket's */
	EXPECT_TRUE(x.ret == -ECANCELED || x.ret == -ECONNRESET || x.ret == -EPIPE)
		TH_LOG("got %d", x.ret);
	ASSERT_EQ(0, vm_entry(self->fd, "a", &e));
	EXPECT_EQ(V3CHKPT_VM_RUNNING, e.state);
	EXPECT_LT(0, vm_wait_steps(self->fd, "a", e.steps));
	EXPECT_EQ(-ENOENT, vm_entry(self->fd, "b", &e));
}

TEST_F_TIMEOUT(st, net_sender_killed_receiver_fails_creates_nothing, 600)
{
	struct xfer x = { .dev = self->fd, .vm = "b",
			  .url = "listen:127.0.0.1:7121" };
	struct v3chkpt_vm_entry e;
	int status;
	pthread_t t;
	pid_t pid;

	ASSERT_EQ(0, vm_new(self->fd, "a", 256, 1, 24));
	ASSERT_EQ(0, vm_fill(self->fd, "a", 256, 24));
	ASSERT_EQ(0, pthread_create(&t, NULL, load_listening, &x));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		struct xfer s = { .dev = self->fd, .vm = "a",
				  .url = "connect:127.0.0.1:7121" };

		save_connecting(&s);
		_exit(s.ret ? 1 : 0);
	}
	EXPECT_TRUE(moving(&x.pr));
	kill(pid, SIGKILL);
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	pthread_join(t, NULL);
	TH_LOG("receiver: %d (%s)", x.ret, x.err);
	/* the killed sender's ABORT (whatever it said), or the socket's */
	EXPECT_TRUE(x.ret == -ECONNRESET || x.ret == -ECONNABORTED) TH_LOG("got %d", x.ret);
	EXPECT_EQ(-ENOENT, vm_entry(self->fd, "b", &e));
}

/* Child: one control operation on @vm; exits 0 when it returns. */
static void vm_op_child(int dev, const char *vm, int op)
{
	struct v3chkpt_vm_digest d;

	switch (op) {
	case 0:
		vm_pause(dev, vm);
		break;
	case 1:
		vm_digest(dev, vm, &d);
		break;
	case 2:
		vm_destroy(dev, vm);
		break;
	case 3:
		vm_run(dev, vm);
		break;
	case 4:
		save_to(dev, vm, "memory", "stt-other", NULL, NULL);
		break;
	}
	_exit(0);
}

/*
 * A save holds its VM while the stream moves, here for as long as a peer
 * that stopped reading lets it.  Everything else that waits for the VM
 * meanwhile dies at once on SIGKILL (no D state for a whole transfer) and
 * changes nothing: a killed destroy leaves the VM listed.
 */
TEST_F_TIMEOUT(st, killable_waits_while_a_save_holds_the_vm, 300)
{
	static const char * const what[] = { "pause", "digest", "destroy",
					     "run", "save" };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(7140),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct xfer x = { .dev = self->fd, .vm = "a",
			  .url = "connect:127.0.0.1:7140,timeout=120" };
	unsigned char hello[48] = "V3CKNET1\x01\0\0\0\0\0\0\0", peer[48];
	int one = 1, small = 4096, ls, c, op, i, status;
	struct v3chkpt_vm_entry e;
	pthread_t t;
	pid_t pid;

	ASSERT_EQ(0, vm_new(self->fd, "a", 64, 1, 26));
	ASSERT_EQ(0, vm_fill(self->fd, "a", 64, 26));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, ls);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(ls, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	ASSERT_EQ(0, bind(ls, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(ls, 1));
	ASSERT_EQ(0, pthread_create(&t, NULL, save_connecting, &x));
	c = accept(ls, NULL, NULL);
	ASSERT_LE(0, c);
	/* a receiver's hello without a key, then silence */
	ASSERT_EQ(48, write(c, hello, 48));
	ASSERT_EQ(48, recv(c, peer, 48, MSG_WAITALL));
	ASSERT_EQ(0, memcmp(peer, "V3CKNET1", 8));
	sleep(1);

	for (op = 0; op < 5; op++) {
		pid = fork();
		ASSERT_LE(0, pid);
		if (!pid)
			vm_op_child(self->fd, "a", op);
		usleep(500000);
		EXPECT_EQ(0, waitpid(pid, &status, WNOHANG))
			TH_LOG("%s did not wait for the save", what[op]);
		kill(pid, SIGKILL);
		for (i = 0; i < 50 && waitpid(pid, &status, WNOHANG) == 0; i++)
			usleep(100000);
		EXPECT_GT(50, i) TH_LOG("%s: unkillable while the save runs", what[op]);
		if (i == 50)
			waitpid(pid, &status, 0);
		EXPECT_TRUE(WIFSIGNALED(status)) TH_LOG("%s", what[op]);
		EXPECT_EQ(0, vm_entry(self->fd, "a", &e)) TH_LOG("after %s", what[op]);
	}
	close(c);
	close(ls);
	pthread_join(t, NULL);
	EXPECT_TRUE(x.ret == -ECONNRESET || x.ret == -EPIPE) TH_LOG("save: %d", x.ret);
	ASSERT_EQ(0, vm_entry(self->fd, "a", &e));
	EXPECT_EQ(V3CHKPT_VM_PAUSED, e.state);
	EXPECT_EQ(0, vm_step(self->fd, "a", 5));
}

/*
 * Ctrl-Z during a net transfer: the CLI blocks stop signals in every
 * thread (its progress thread too) until the transfer is over, and stops
 * after.  It runs in a process group of its own whose parent is in the
 * session, as a shell's job does: in an orphaned group (the payload's
 * own) the kernel would drop SIGTSTP and prove nothing.
 */
TEST_F_TIMEOUT(st, cli_stop_signal_waits_for_the_transfer, 300)
{
	struct xfer x = { .dev = self->fd, .vm = "a",
			  .url = "connect:127.0.0.1:7150,timeout=10" };
	struct v3chkpt_vm_digest a, b;
	int status, stops = 0;
	pthread_t t;
	pid_t pid;

	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 1, 27, &a));
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		int fd = open(TOP "/tstp.err", O_WRONLY | O_CREAT | O_TRUNC, 0600);

		setpgid(0, 0);
		dup2(fd, 2);
		execl("/v3chkpt", "v3chkpt", "load", "b", "net:listen:127.0.0.1:7150",
		      "--create", "--progress", "--timeout", "60", (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	sleep(1);			/* listening, with its progress thread */
	ASSERT_EQ(0, kill(pid, SIGTSTP));
	usleep(300000);
	ASSERT_EQ(0, pthread_create(&t, NULL, save_connecting, &x));
	pthread_join(t, NULL);
	for (;;) {
		ASSERT_EQ(pid, waitpid(pid, &status, WUNTRACED));
		if (!WIFSTOPPED(status))
			break;
		stops++;		/* once the transfer is over */
		kill(pid, SIGCONT);
	}
	EXPECT_EQ(0, x.ret) TH_LOG("save: %s", x.err);
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("loader status 0x%x", status);
	EXPECT_EQ(1, stops);		/* the stop was kept, not lost */
	ASSERT_EQ(0, vm_digest(self->fd, "b", &b));
	EXPECT_DIGEST_EQ(a, b);
}

/* A peer that accepts and then says nothing: the save times out. */
TEST_F_TIMEOUT(st, net_quiet_peer_times_out, 120)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(7130),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct v3chkpt_vm_digest a;
	struct timespec t0, t1;
	int one = 1, ls;

	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 1, 25, &a));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, ls);
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	ASSERT_EQ(0, bind(ls, (struct sockaddr *)&sa, sizeof(sa)));
	ASSERT_EQ(0, listen(ls, 1));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(-ETIMEDOUT, save_to(self->fd, "a", "net",
				      "connect:127.0.0.1:7130,timeout=2", NULL, NULL));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	EXPECT_GE(30, t1.tv_sec - t0.tv_sec);
	close(ls);
	/* nobody connects to a listener: that times out too */
	EXPECT_EQ(-ETIMEDOUT, load_from(self->fd, "b", "net",
					"listen:127.0.0.1:7131,timeout=1",
					V3CHKPT_VM_LOAD_CREATE, NULL));
}

TEST_F_TIMEOUT(st, net_bad_urls_einval, 120)
{
	static const char *const bad[] = {
		"", "listen", "listen:127.0.0.1", "listen:127.0.0.1:",
		"listen:127.0.0.1:0", "listen:127.0.0.1:65536",
		"listen:127.0.0.1:80x", "dial:127.0.0.1:7140", "listen:1.2.3:7140",
		"listen:::1:7140", "listen:[::1:7140", "connect:[zz::1]:7140",
		"connect:127.0.0.1:7140,key=0011", "connect:127.0.0.1:7140,key=xyz",
		"connect:127.0.0.1:7140,timeout=0", "connect:127.0.0.1:7140,bogus=1",
		"connect:127.0.0.1:7140,timeout=5,timeout=5",
	};
	struct v3chkpt_vm_digest a;
	size_t i;

	ASSERT_EQ(0, vm_ready(self->fd, "a", 64, 1, 26, &a));
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		EXPECT_EQ(-EINVAL, save_to(self->fd, "a", "net", bad[i], NULL, NULL))
			TH_LOG("url %zu", i);
}

TEST_HARNESS_MAIN
