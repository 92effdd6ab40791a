// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: live migration against forged peers over loopback TCP, in one
 * kernel (issue 12, section 7, test 8).
 *
 * A forged source speaks the protocol of docs/MIGRATION.md to the real
 * destination (the receive ioctl's own code, without its fd): the codec's
 * writer over the net store's DATA frames, MIG messages beside them.  Its
 * VM configuration and vCPU and device state are those of a real VM saved
 * by vm_chkpt.c, its digests computed as the real source computes them.
 * First faithful migrations, which the destination must commit (the VM
 * arriving paused or running as asked, to the origin's digests); then
 * one fault each (rounds out of order, pages outside guest memory, a
 * reused section id, a part that fails its hash, COMMIT asked before the
 * state, a wrong digest, a bad run state, a context after the digests, a
 * guest size that does not fit, an unknown feature, memory before the
 * configuration, the source gone, an ABORT, a cancel), each of which
 * must leave the destination FAILED with its errno, having said why once
 * in a REFUSE where the link still works, no VM of that name and no guest
 * page allocated.  Past COMMIT: no GO leaves the VM paused, in doubt; an
 * ABORT removes it.  Last, forged destinations against the real source
 * (COMMIT or a wrong ACK for a round, a COMMIT of another digest or a
 * REFUSE at the switchover, a refusal in the handshake, silence, a
 * cancel): the source fails with its errno and its VM runs on as before,
 * untracked and unthrottled.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/xxhash.h>
#include <asm/unaligned.h>
#include "helpers.h"
#include "vm_helpers.h"
#include "../../kmod/vm/pages.h"
#include "../../kmod/migrate/mig.h"

#define MIG_KEY		"00112233445566778899aabbccddeeff"
#define MIG_MEM		(64ULL << 20)
#define MIG_SRC		"migk-src"
#define MIG_DST		"migk-dst"
#define MIG_LIVE	"migk-live"
#define MIG_PORT	47300
#define MIG_WAIT	(30 * HZ)

/* The VM every forged stream is taken from: built once for the suite. */
static struct {
	struct v3_vm *vm;
	struct v3_kbuf state;	/* its SKIP_MEM save: "vm", vCPUs, devices */
	__le64 *hashes;		/* xxh64 of each page */
	struct v3chkpt_vm_digest d;	/* memory over @hashes, as sent */
} origin;

/* ------------------------------------------------------ the forger */

struct forger {
	struct v3_net_conn c;
	bool open;
	struct v3c_writer w;
	struct v3c_section_table sec;
	u8 *buf;		/* a DATA frame's payload, gathered */
	u32 len;
	u8 *batch;
	size_t batch_cap;
	u32 running;		/* what "mig-end" says */
	u64 memory_skew;	/* added to digest.memory */
	bool extra;		/* a context after "mig-end" */
};

/* A case's fixture: released by the exit hook even if the case aborts. */
struct mig_case {
	struct forger *f;
	struct v3_migration *mg;
	long pages;		/* guest pages in use before the case */
	u16 port;
	/* off the stack (KASAN's frames are large) */
	struct v3chkpt_mig_status st;
	char msg[V3CHKPT_ERRMSG_MAX];
	struct v3_mig_msg m;
};

static u16 mig_next_port = MIG_PORT;

static int forge_flush(struct forger *f)
{
	int ret = 0;

	if (f->len)
		ret = v3_net_send_frame(&f->c, V3_NET_DATA, f->buf, f->len);
	f->len = 0;
	return ret;
}

static int forge_write(void *priv, const void *p, size_t len)
{
	struct forger *f = priv;
	int ret;

	while (len) {
		size_t n = min_t(size_t, len, V3_NET_DATA_MAX - f->len);

		memcpy(f->buf + f->len, p, n);
		f->len += n;
		p += n;
		len -= n;
		if (f->len == V3_NET_DATA_MAX) {
			ret = forge_flush(f);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static void forge_close(struct forger *f)
{
	if (f->open)
		v3_net_conn_close(&f->c);
	f->open = false;
	kvfree(f->batch);
	f->batch = NULL;
}

/* Connect to the destination as the sender (it may not listen yet). */
static int forge_connect(struct forger *f, u16 port, bool sender)
{
	unsigned long until = jiffies + 10 * HZ;
	struct v3_net_url u;
	char url[96];
	int ret;

	snprintf(url, sizeof(url), "connect:127.0.0.1:%u,key=" MIG_KEY
		 ",timeout=10", port);
	ret = v3_net_parse_url(url, &u);
	if (ret)
		return ret;
	f->c.sender = sender;
	while ((ret = v3_net_establish(&f->c, &u)) == -ECONNREFUSED &&
	       time_before(jiffies, until))
		msleep(20);
	if (!ret)
		f->open = true;
	return ret ?: v3_net_handshake(&f->c, u.key, u.keylen);
}

static int forge_msg(struct forger *f, u32 kind, u32 round, u32 flags,
		     u64 value)
{
	struct v3_mig_msg m = {
		.kind = cpu_to_le32(kind), .round = cpu_to_le32(round),
		.flags = cpu_to_le32(flags), .value = cpu_to_le64(value),
	};

	return v3_net_send_frame(&f->c, V3_NET_MIG, &m, sizeof(m));
}

/* The next MIG message: its kind, or -errno. */
static int forge_recv(struct forger *f, struct v3_mig_msg *m)
{
	u32 type, len;
	int ret;

	ret = v3_net_recv_frame(&f->c, BIT(V3_NET_MIG), &type, f->buf, &len);
	if (ret)
		return ret;
	memcpy(m, f->buf, sizeof(*m));
	return le32_to_cpu(m->kind);
}

/* The stream's header, 1.1, as the real source starts it. */
static int forge_start(struct forger *f)
{
	struct v3c_stream_hdr hdr;

	v3c_writer_init(&f->w, forge_write, f);
	v3c_stream_hdr_init(&hdr, "v3chkpt-kunit forger");
	hdr.minor = V3C_FORMAT_MINOR_SECTIONS;
	v3c_writer_sections(&f->w, &f->sec);
	return v3c_writer_start(&f->w, &hdr);
}

static int forge_blob(struct forger *f, const char *tag, const void *p,
		      size_t len)
{
	return v3c_writer_blob_begin(&f->w, tag, len) ?:
	       v3c_writer_data(&f->w, p, len);
}

static int forge_mig_ctx(struct forger *f, u32 feats)
{
	u32 mode = V3CHKPT_DIRTY_PML;
	u64 bytes = MIG_MEM;

	return v3c_writer_ctx_begin(&f->w, "mig", 0, V3_MIG_CTX_VERSION, 0) ?:
	       forge_blob(f, "features", &feats, sizeof(feats)) ?:
	       forge_blob(f, "dirty_mode", &mode, sizeof(mode)) ?:
	       forge_blob(f, "guest_bytes", &bytes, sizeof(bytes)) ?:
	       v3c_writer_ctx_end(&f->w);
}

/*
 * The contexts of the origin's save, written again into the forged
 * stream: only "vm" (@config), or everything after it (the state).
 */
static int forge_copy(struct forger *f, bool config)
{
	struct v3_kbuf in = origin.state;
	struct v3c_reader *r;
	bool copy = false;
	u8 chunk[256];
	int item, ret;

	r = kmalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	in.pos = 0;
	v3c_reader_init(r, v3_kbuf_read, &in);
	ret = v3c_reader_start(r);
	while (!ret && (item = v3c_reader_next(r)) != V3C_ITEM_END) {
		if (item < 0) {
			ret = item;
			break;
		}
		switch (item) {
		case V3C_ITEM_CTX_BEGIN:
			copy = (strcmp(r->ctx.name, "vm") == 0) == config;
			if (copy)
				ret = v3c_writer_ctx_begin(&f->w, r->ctx.name,
							   r->ctx.instance,
							   r->ctx.version,
							   r->ctx.flags);
			break;
		case V3C_ITEM_BLOB:
			if (copy)
				ret = v3c_writer_blob_begin(&f->w, r->tag,
							    r->data_len);
			while (!ret && r->data_len) {
				size_t n = min_t(u64, r->data_len,
						 sizeof(chunk));

				ret = v3c_reader_data(r, chunk, n);
				if (!ret && copy)
					ret = v3c_writer_data(&f->w, chunk, n);
				r->data_len -= n;
			}
			break;
		case V3C_ITEM_CTX_END:
			if (copy)
				ret = v3c_writer_ctx_end(&f->w);
			break;
		default:
			ret = -EPROTO;	/* a save of a VM has nothing else */
		}
	}
	kfree(r);
	return ret;
}

/* The header, "mig" (with @feats) and "vm", sent: what precedes ACCEPT. */
static int forge_hello(struct forger *f, u32 feats)
{
	return forge_start(f) ?: forge_mig_ctx(f, feats) ?:
	       forge_copy(f, true) ?: forge_flush(f);
}

/* The origin's pages [@first, @first + @n) as parts of section 1. */
static int forge_pages(struct forger *f, unsigned long first,
		       unsigned long n)
{
	struct v3_mem *m = &origin.vm->mem;
	struct v3c_batch_builder b;
	unsigned long i;
	size_t len;
	int ret = 0;

	v3c_batch_init(&b, f->batch, f->batch_cap, NULL, NULL);
	for (i = first; i < first + n && !ret; i++) {
		ret = v3c_batch_add(&b, v3_mem_idx_to_gpa(m, i),
				    page_address(m->pages[i]));
		if (!ret && (b.npages == V3_MIG_BATCH_PAGES ||
			     i + 1 == first + n)) {
			ret = v3c_batch_finish(&b, &len) ?:
			      v3c_writer_section_part(&f->w,
						      V3_MIG_RAM_SECTION_ID,
						      f->batch, len);
			v3c_batch_init(&b, f->batch, f->batch_cap, NULL, NULL);
		}
	}
	return ret;
}

/* Round 0's first @n pages (all: as the real source sends it). */
static int forge_round0_pages(struct forger *f, unsigned long n)
{
	return v3c_writer_section_start(&f->w, V3_MIG_RAM_SECTION_ID,
					V3C_SECTION_RAM, 0,
					V3_MIG_RAM_VERSION, false) ?:
	       forge_pages(f, 0, n) ?: forge_flush(f);
}

static int forge_round0(struct forger *f)
{
	return forge_round0_pages(f, origin.vm->mem.npages);
}

/* Enough of round 0 for a case that breaks a rule before the digests. */
#define MIG_SOME_PAGES	600

/* A batch of one run of @n zero pages at @gpa, whatever it covers. */
static int forge_run(struct forger *f, u64 gpa, u32 n)
{
	struct v3c_batch_builder b;
	u8 *zero = kzalloc(PAGE_SIZE, GFP_KERNEL);
	size_t len;
	int ret = zero ? 0 : -ENOMEM;
	u32 i;

	v3c_batch_init(&b, f->batch, f->batch_cap, NULL, NULL);
	for (i = 0; i < n && !ret; i++)
		ret = v3c_batch_add(&b, gpa + (u64)i * PAGE_SIZE, zero);
	kfree(zero);
	return ret ?: v3c_batch_finish(&b, &len) ?:
	       v3c_writer_section_part(&f->w, V3_MIG_RAM_SECTION_ID,
				       f->batch, len) ?: forge_flush(f);
}

/* The digests as the real source sends them (src.c, state_complete). */
static u64 forge_total(const struct v3chkpt_vm_digest *d)
{
	__le64 parts[3] = {
		cpu_to_le64(d->memory), cpu_to_le64(d->vcpus),
		cpu_to_le64(d->devices),
	};

	return xxh64(parts, sizeof(parts), 0);
}

/* The switchover: the end of memory, the state, "mig-end", END. */
static int forge_state(struct forger *f)
{
	u64 memory = origin.d.memory + f->memory_skew;

	return v3c_writer_section_end(&f->w, V3_MIG_RAM_SECTION_ID, NULL, 0) ?:
	       forge_copy(f, false) ?:
	       v3c_writer_ctx_begin(&f->w, "mig-end", 0, V3_MIG_CTX_VERSION, 0) ?:
	       forge_blob(f, "digest.memory", &memory, sizeof(memory)) ?:
	       forge_blob(f, "digest.vcpus", &origin.d.vcpus,
			  sizeof(origin.d.vcpus)) ?:
	       forge_blob(f, "digest.devices", &origin.d.devices,
			  sizeof(origin.d.devices)) ?:
	       forge_blob(f, "running", &f->running, sizeof(f->running)) ?:
	       v3c_writer_ctx_end(&f->w) ?:
	       (f->extra ? v3c_writer_ctx_begin(&f->w, "extra", 0, 1, 0) ?:
			   v3c_writer_ctx_end(&f->w) : 0) ?:
	       v3c_writer_end(&f->w) ?: forge_flush(f);
}

/* ---------------------------------------------------- the fixture */

static int mig_case_init(struct kunit *test)
{
	struct mig_case *mc = kunit_kzalloc(test, sizeof(*mc), GFP_KERNEL);
	struct forger *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);

	if (!mc || !f)
		return -ENOMEM;
	f->buf = kunit_kmalloc(test, V3_NET_DATA_MAX, GFP_KERNEL);
	f->batch_cap = V3C_BATCH_HDR_SIZE + V3_MIG_BATCH_PAGES *
		       (V3C_RUN_HDR_SIZE + 8 + V3C_PAGE_LEN_SIZE + PAGE_SIZE);
	f->batch = kvmalloc(f->batch_cap, GFP_KERNEL);
	if (!f->buf || !f->batch) {
		kvfree(f->batch);
		return -ENOMEM;
	}
	mc->f = f;
	mc->port = mig_next_port++;	/* no TIME_WAIT trouble between cases */
	mc->pages = atomic_long_read(&v3_vm_pages_in_use);
	test->priv = mc;
	return 0;
}

static void mig_case_exit(struct kunit *test)
{
	struct mig_case *mc = test->priv;

	forge_close(mc->f);
	if (mc->mg)
		v3_mig_release(mc->mg);
	mc->mg = NULL;
	v3_vm_destroy(MIG_DST);
	v3_vm_destroy(MIG_LIVE);
}

/* The real destination, listening for the forger. */
static struct forger *mig_dst_start(struct kunit *test, u32 flags)
{
	struct v3chkpt_vm_receive a = { .size = sizeof(a), .flags = flags };
	struct mig_case *mc = test->priv;
	char url[96];

	strscpy(a.name, MIG_DST, sizeof(a.name));
	snprintf(url, sizeof(url), "listen:127.0.0.1:%u,key=" MIG_KEY
		 ",timeout=10", mc->port);
	mc->mg = v3_mig_receive(&a, url);
	if (IS_ERR(mc->mg)) {
		KUNIT_FAIL(test, "receive: %ld", PTR_ERR(mc->mg));
		mc->mg = NULL;
		return NULL;
	}
	KUNIT_ASSERT_EQ(test, forge_connect(mc->f, mc->port, true), 0);
	return mc->f;
}

/* The migration's end: its state, errno and reason in mc->st, mc->msg. */
static int mig_end(struct kunit *test)
{
	struct mig_case *mc = test->priv;

	memset(&mc->st, 0, sizeof(mc->st));
	return v3_mig_wait(mc->mg, MIG_WAIT, &mc->st, mc->msg,
			   sizeof(mc->msg));
}

/* Released: no VM of that name, every guest page given back. */
static void mig_expect_clean(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	struct v3_vm *vm;

	forge_close(mc->f);
	v3_mig_release(mc->mg);
	mc->mg = NULL;
	vm = v3_vm_get(MIG_DST);
	KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(vm), -ENOENT);
	if (!IS_ERR(vm))
		v3_vm_put(vm);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&v3_vm_pages_in_use),
			mc->pages);
}

/* The destination failed with @err, left nothing behind. */
static void mig_expect_failed(struct kunit *test, int err)
{
	struct mig_case *mc = test->priv;

	KUNIT_ASSERT_EQ(test, mig_end(test), 0);
	KUNIT_EXPECT_EQ(test, mc->st.state, (u32)V3CHKPT_MIG_FAILED);
	KUNIT_EXPECT_EQ(test, mc->st.error, err);
	KUNIT_EXPECT_NE(test, mc->msg[0], '\0');
	kunit_info(test, "destination: %d, %s\n", mc->st.error, mc->msg);
	mig_expect_clean(test);
}

/* Nothing more from the destination: it said its last word and closed. */
static void mig_expect_hung_up(struct kunit *test)
{
	struct forger *f = ((struct mig_case *)test->priv)->f;
	u32 type, len;

	KUNIT_EXPECT_LT(test, v3_net_recv_frame(&f->c, BIT(V3_NET_MIG), &type,
						f->buf, &len), 0);
}

/* The destination said why to the forger, once: REFUSE, errno, a reason. */
static void mig_expect_refused(struct kunit *test, int err, const char *why)
{
	struct mig_case *mc = test->priv;
	struct v3_mig_msg *m = &mc->m;

	KUNIT_ASSERT_EQ(test, forge_recv(mc->f, m), V3_MIG_REFUSE);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(m->value), (u64)-err);
	m->reason[sizeof(m->reason) - 1] = '\0';
	KUNIT_EXPECT_NOT_NULL(test, strstr(m->reason, why));
	kunit_info(test, "refused: %s\n", m->reason);
	mig_expect_hung_up(test);
}

/* The forger's hello accepted. */
static void mig_accepted(struct kunit *test, struct forger *f)
{
	struct v3_mig_msg m;

	KUNIT_ASSERT_EQ(test, forge_hello(f, 0), 0);
	KUNIT_ASSERT_EQ(test, forge_recv(f, &m), V3_MIG_ACCEPT);
}

/* ROUND @round (no flags), then its ACK. */
static void mig_round_acked(struct kunit *test, struct forger *f, u32 round)
{
	struct v3_mig_msg m;

	KUNIT_ASSERT_EQ(test, forge_msg(f, V3_MIG_ROUND, round, 0, 0), 0);
	KUNIT_ASSERT_EQ(test, forge_recv(f, &m), V3_MIG_ACK);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(m.round), round);
	KUNIT_EXPECT_GT(test, le64_to_cpu(m.value), 0ULL);
}

/* ------------------------------------------------- forged sources */

/* A faithful stream, sent whole: COMMIT with the digest sent, then GO. */
static noinline void mig_forge_whole(struct kunit *test, struct forger *f,
				     u32 running, bool go)
{
	struct mig_case *mc = test->priv;
	struct v3_mig_msg *m = &mc->m;

	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, forge_round0(f), 0);
	mig_round_acked(test, f, 0);
	f->running = running;
	KUNIT_ASSERT_EQ(test, forge_state(f), 0);
	KUNIT_ASSERT_EQ(test, forge_msg(f, V3_MIG_ROUND, 1, V3_MIG_F_LAST, 0),
			0);
	KUNIT_ASSERT_EQ(test, forge_recv(f, m), V3_MIG_COMMIT);
	KUNIT_EXPECT_EQ(test, le32_to_cpu(m->round), 1U);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(m->value), forge_total(&origin.d));
	if (go)
		KUNIT_ASSERT_EQ(test, forge_msg(f, V3_MIG_GO, 0, 0, 0), 0);
}

/* DONE, the VM in the state asked for; the migration released. */
static noinline void mig_expect_done(struct kunit *test, u32 vm_state)
{
	struct mig_case *mc = test->priv;
	struct v3chkpt_mig_status *st = &mc->st;

	KUNIT_ASSERT_EQ(test, mig_end(test), 0);
	KUNIT_EXPECT_EQ(test, st->state, (u32)V3CHKPT_MIG_DONE);
	KUNIT_EXPECT_EQ(test, st->error, 0);
	KUNIT_EXPECT_EQ(test, st->guest_bytes, MIG_MEM);
	KUNIT_EXPECT_EQ(test, st->pages_sent, (u64)origin.vm->mem.npages);
	KUNIT_EXPECT_EQ(test, st->round, 1U);	/* rounds before the last */
	KUNIT_EXPECT_EQ(test, st->vm_state, vm_state);
	forge_close(mc->f);
	v3_mig_release(mc->mg);
	mc->mg = NULL;
}

/* The VM that arrived paused is the origin, byte for byte. */
static noinline void mig_expect_same(struct kunit *test, struct v3_vm *vm)
{
	struct v3chkpt_vm_digest d = { 0 }, s = { 0 };

	KUNIT_EXPECT_EQ(test, vm->state, (u32)V3CHKPT_VM_PAUSED);
	KUNIT_EXPECT_EQ(test, v3_vm_digest(vm, &d), 0);
	KUNIT_EXPECT_EQ(test, v3_vm_digest(origin.vm, &s), 0);
	KUNIT_EXPECT_EQ(test, d.memory, s.memory);
	KUNIT_EXPECT_EQ(test, d.vcpus, origin.d.vcpus);
	KUNIT_EXPECT_EQ(test, d.devices, origin.d.devices);
	KUNIT_EXPECT_EQ(test, d.total, s.total);
}

/* The VM that arrived running steps on from where the origin stopped. */
static noinline void mig_expect_runs(struct kunit *test, struct v3_vm *vm)
{
	u64 steps = origin.vm->vcpus[0].core.gpr[V3_RBX];

	KUNIT_EXPECT_EQ(test, READ_ONCE(vm->state), (u32)V3CHKPT_VM_RUNNING);
	msleep(200);
	KUNIT_EXPECT_GT(test, READ_ONCE(vm->vcpus[0].core.gpr[V3_RBX]), steps);
}

/* Committed, and the VM arrives as the source said (or paused if asked). */
static void mig_forged_whole(struct kunit *test, u32 running, u32 flags)
{
	struct mig_case *mc = test->priv;
	struct forger *f = mig_dst_start(test, flags);
	bool runs = running && !(flags & V3CHKPT_MIG_RECV_PAUSED);
	struct v3_vm *vm;

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_forge_whole(test, f, running, true);
	mig_expect_done(test, runs ? V3CHKPT_VM_RUNNING : V3CHKPT_VM_PAUSED);
	vm = v3_vm_get(MIG_DST);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	if (runs)
		mig_expect_runs(test, vm);
	else
		mig_expect_same(test, vm);
	v3_vm_put(vm);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy(MIG_DST), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&v3_vm_pages_in_use),
			mc->pages);
}

static void mig_forged_paused(struct kunit *test)
{
	mig_forged_whole(test, 0, 0);
}

static void mig_forged_running(struct kunit *test)
{
	mig_forged_whole(test, 1, 0);
}

static void mig_forged_running_recv_paused(struct kunit *test)
{
	mig_forged_whole(test, 1, V3CHKPT_MIG_RECV_PAUSED);
}

static void mig_round_out_of_order(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, forge_round0_pages(f, MIG_SOME_PAGES), 0);
	KUNIT_ASSERT_EQ(test, forge_msg(f, V3_MIG_ROUND, 1, 0, 0), 0);
	mig_expect_refused(test, -EPROTO, "out of order");
	mig_expect_failed(test, -EPROTO);
}

static void mig_round_twice(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, forge_round0_pages(f, MIG_SOME_PAGES), 0);
	mig_round_acked(test, f, 0);
	KUNIT_ASSERT_EQ(test, forge_msg(f, V3_MIG_ROUND, 0, 0, 0), 0);
	mig_expect_refused(test, -EPROTO, "out of order");
	mig_expect_failed(test, -EPROTO);
}

/* A run of pages at @gpa after a part of good pages. */
static void mig_page_outside(struct kunit *test, u64 gpa, u32 n)
{
	struct forger *f = mig_dst_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, v3c_writer_section_start(&f->w,
			V3_MIG_RAM_SECTION_ID, V3C_SECTION_RAM, 0,
			V3_MIG_RAM_VERSION, false), 0);
	KUNIT_ASSERT_EQ(test, forge_pages(f, 0, 8), 0);
	KUNIT_ASSERT_EQ(test, forge_run(f, gpa, n), 0);
	mig_expect_refused(test, -ERANGE, "outside guest memory");
	mig_expect_failed(test, -ERANGE);
}

static void mig_page_above_memory(struct kunit *test)
{
	mig_page_outside(test, MIG_MEM, 1);
}

static void mig_run_across_the_end(struct kunit *test)
{
	mig_page_outside(test, MIG_MEM - PAGE_SIZE, 2);
}

/* In the hole below 4 GiB, where a large VM has no RAM either. */
static void mig_page_in_the_hole(struct kunit *test)
{
	mig_page_outside(test, V3_MEM_LOW_LIMIT + 0x10000, 1);
}

static void mig_section_id_reused(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);
	u8 p[V3C_SECTION_START_FIXED + sizeof(V3C_SECTION_RAM)];

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, v3c_writer_section_start(&f->w,
			V3_MIG_RAM_SECTION_ID, V3C_SECTION_RAM, 0,
			V3_MIG_RAM_VERSION, false), 0);
	KUNIT_ASSERT_EQ(test, forge_pages(f, 0, 8), 0);
	/* the writer refuses a second START of id 1: forge the record */
	KUNIT_EXPECT_EQ(test, v3c_writer_section_start(&f->w,
			V3_MIG_RAM_SECTION_ID, V3C_SECTION_RAM, 0,
			V3_MIG_RAM_VERSION, false), -EINVAL);
	put_unaligned_le32(V3_MIG_RAM_SECTION_ID, p);
	put_unaligned_le32(0, p + 4);
	put_unaligned_le32(V3_MIG_RAM_VERSION, p + 8);
	put_unaligned_le32(sizeof(V3C_SECTION_RAM), p + 12);
	memcpy(p + V3C_SECTION_START_FIXED, V3C_SECTION_RAM,
	       sizeof(V3C_SECTION_RAM));
	KUNIT_ASSERT_EQ(test, v3c_writer_record(&f->w, V3C_REC_SECTION_START,
						0, p, sizeof(p)), 0);
	KUNIT_ASSERT_EQ(test, forge_flush(f), 0);
	mig_expect_refused(test, -EBADMSG, "");	/* the codec gives no words */
	mig_expect_failed(test, -EBADMSG);
}

static void mig_commit_before_state(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, forge_round0_pages(f, MIG_SOME_PAGES), 0);
	mig_round_acked(test, f, 0);
	KUNIT_ASSERT_EQ(test, forge_msg(f, V3_MIG_ROUND, 1, V3_MIG_F_LAST, 0),
			0);
	mig_expect_refused(test, -EPROTO, "before the state");
	mig_expect_failed(test, -EPROTO);
}

/* A stream the destination reads whole, but digest.memory is off by one. */
static void mig_digest_mismatch(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);
	struct v3_mig_msg m;

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, forge_round0(f), 0);
	mig_round_acked(test, f, 0);
	f->memory_skew = 1;
	KUNIT_ASSERT_EQ(test, forge_state(f), 0);
	KUNIT_ASSERT_EQ(test, forge_msg(f, V3_MIG_ROUND, 1, V3_MIG_F_LAST, 0),
			0);
	/* the refusal reaches the source, with its errno and reason */
	KUNIT_ASSERT_EQ(test, forge_recv(f, &m), V3_MIG_REFUSE);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(m.value), (u64)EBADMSG);
	m.reason[sizeof(m.reason) - 1] = '\0';
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.reason, "digest mismatch"));
	mig_expect_hung_up(test);
	mig_expect_failed(test, -EBADMSG);
}

/* The source gone mid-round: its socket closed after some pages. */
static void mig_source_vanishes(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, v3c_writer_section_start(&f->w,
			V3_MIG_RAM_SECTION_ID, V3C_SECTION_RAM, 0,
			V3_MIG_RAM_VERSION, false), 0);
	KUNIT_ASSERT_EQ(test, forge_pages(f, 0, 1000), 0);
	KUNIT_ASSERT_EQ(test, forge_flush(f), 0);
	forge_close(f);
	mig_expect_failed(test, -ECONNRESET);
}

static void mig_source_aborts(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);
	__le32 err = cpu_to_le32(-ECANCELED);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, forge_round0_pages(f, MIG_SOME_PAGES), 0);
	KUNIT_ASSERT_EQ(test, v3_net_send_frame(&f->c, V3_NET_ABORT, &err,
						sizeof(err)), 0);
	mig_expect_failed(test, -ECONNABORTED);
}

/* An unknown feature is refused in the handshake, saying why. */
static void mig_unknown_feature(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);
	struct v3_mig_msg m;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, forge_hello(f, 0x80), 0);
	KUNIT_ASSERT_EQ(test, forge_recv(f, &m), V3_MIG_REFUSE);
	KUNIT_EXPECT_EQ(test, le64_to_cpu(m.value), (u64)EOPNOTSUPP);
	m.reason[sizeof(m.reason) - 1] = '\0';
	KUNIT_EXPECT_NOT_NULL(test, strstr(m.reason, "0x80"));
	mig_expect_hung_up(test);
	mig_expect_failed(test, -EOPNOTSUPP);
}

/* Memory before the VM was accepted: before its configuration. */
static void mig_memory_before_accept(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, forge_start(f), 0);
	KUNIT_ASSERT_EQ(test, forge_mig_ctx(f, 0), 0);
	/* a few pages: the destination may be gone before more would go */
	KUNIT_ASSERT_EQ(test, v3c_writer_section_start(&f->w,
			V3_MIG_RAM_SECTION_ID, V3C_SECTION_RAM, 0,
			V3_MIG_RAM_VERSION, false), 0);
	KUNIT_ASSERT_EQ(test, forge_pages(f, 0, 8), 0);
	KUNIT_ASSERT_EQ(test, forge_flush(f), 0);
	mig_expect_refused(test, -EPROTO, "no VM configuration");
	mig_expect_failed(test, -EPROTO);
}

/* A part whose data no longer matches its hash. */
static void mig_part_hash_mismatch(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, v3c_writer_section_start(&f->w,
			V3_MIG_RAM_SECTION_ID, V3C_SECTION_RAM, 0,
			V3_MIG_RAM_VERSION, false), 0);
	KUNIT_ASSERT_EQ(test, forge_pages(f, 0, 8), 0);
	f->buf[f->len - 1] ^= 0x01;	/* a zero-mask bit of the batch */
	KUNIT_ASSERT_EQ(test, forge_flush(f), 0);
	mig_expect_refused(test, -EBADMSG, "");
	mig_expect_failed(test, -EBADMSG);
}

/* "mig" says another guest size than the VM configuration. */
static void mig_size_mismatch(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);
	u32 feats = 0, mode = V3CHKPT_DIRTY_PML;
	u64 bytes = MIG_MEM * 2;

	KUNIT_ASSERT_NOT_NULL(test, f);
	KUNIT_ASSERT_EQ(test, forge_start(f), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_ctx_begin(&f->w, "mig", 0,
						   V3_MIG_CTX_VERSION, 0), 0);
	KUNIT_ASSERT_EQ(test, forge_blob(f, "features", &feats,
					 sizeof(feats)), 0);
	KUNIT_ASSERT_EQ(test, forge_blob(f, "dirty_mode", &mode,
					 sizeof(mode)), 0);
	KUNIT_ASSERT_EQ(test, forge_blob(f, "guest_bytes", &bytes,
					 sizeof(bytes)), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_ctx_end(&f->w), 0);
	KUNIT_ASSERT_EQ(test, forge_copy(f, true), 0);
	KUNIT_ASSERT_EQ(test, forge_flush(f), 0);
	mig_expect_refused(test, -EPROTO, "does not fit");
	mig_expect_failed(test, -EPROTO);
}

/* "running" must be 0 or 1: anything else is not a run state. */
static void mig_bad_run_state(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, forge_round0_pages(f, MIG_SOME_PAGES), 0);
	mig_round_acked(test, f, 0);
	f->running = 2;
	KUNIT_ASSERT_EQ(test, forge_state(f), 0);
	mig_expect_refused(test, -EPROTO, "run state 2");
	mig_expect_failed(test, -EPROTO);
}

/* A context after the digests has no place in a migration. */
static void mig_context_after_digests(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, forge_round0_pages(f, MIG_SOME_PAGES), 0);
	mig_round_acked(test, f, 0);
	f->extra = true;
	KUNIT_ASSERT_EQ(test, forge_state(f), 0);
	mig_expect_refused(test, -EPROTO, "extra#0 has no place");
	mig_expect_failed(test, -EPROTO);
}

/* Cancelled while it waits for the source: ECANCELED, nothing left. */
static void mig_dst_cancelled(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	struct forger *f = mig_dst_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_accepted(test, f);
	KUNIT_ASSERT_EQ(test, v3c_writer_section_start(&f->w,
			V3_MIG_RAM_SECTION_ID, V3C_SECTION_RAM, 0,
			V3_MIG_RAM_VERSION, false), 0);
	KUNIT_ASSERT_EQ(test, forge_pages(f, 0, 1000), 0);
	KUNIT_ASSERT_EQ(test, forge_flush(f), 0);
	msleep(100);
	KUNIT_EXPECT_EQ(test, v3_mig_cancel(mc->mg), 0);
	mig_expect_failed(test, -ECANCELED);
}

/*
 * COMMIT, then the source vanishes before GO: the one window in doubt.
 * The VM stays, listed and paused, for the operator to resume or destroy.
 */
static void mig_no_go_after_commit(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	struct forger *f = mig_dst_start(test, 0);
	struct v3_vm *vm;

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_forge_whole(test, f, 1, false);
	KUNIT_EXPECT_EQ(test, v3_mig_cancel(mc->mg), -EALREADY);
	forge_close(f);
	KUNIT_ASSERT_EQ(test, mig_end(test), 0);
	KUNIT_EXPECT_EQ(test, mc->st.state, (u32)V3CHKPT_MIG_FAILED);
	KUNIT_EXPECT_EQ(test, mc->st.error, -ECONNRESET);
	KUNIT_EXPECT_NOT_NULL(test, strstr(mc->msg, "in doubt"));
	kunit_info(test, "destination: %d, %s\n", mc->st.error, mc->msg);
	v3_mig_release(mc->mg);
	mc->mg = NULL;
	vm = v3_vm_get(MIG_DST);
	KUNIT_ASSERT_FALSE(test, IS_ERR(vm));
	KUNIT_EXPECT_EQ(test, READ_ONCE(vm->state), (u32)V3CHKPT_VM_PAUSED);
	KUNIT_EXPECT_FALSE(test, READ_ONCE(vm->incoming));
	KUNIT_EXPECT_EQ(test, v3_vm_run(vm), 0);	/* the operator's call */
	v3_vm_put(vm);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy(MIG_DST), 0);
	KUNIT_EXPECT_EQ(test, atomic_long_read(&v3_vm_pages_in_use),
			mc->pages);
}

/* COMMIT, then ABORT: the source kept its VM, this copy must go. */
static void mig_abort_after_commit(struct kunit *test)
{
	struct forger *f = mig_dst_start(test, 0);
	__le32 err = cpu_to_le32(-EBADMSG);

	KUNIT_ASSERT_NOT_NULL(test, f);
	mig_forge_whole(test, f, 1, false);
	KUNIT_ASSERT_EQ(test, v3_net_send_frame(&f->c, V3_NET_ABORT, &err,
						sizeof(err)), 0);
	mig_expect_failed(test, -ECONNABORTED);
}

/* ---------------------------------------------- a forged destination */

/*
 * The real source, migrating a running VM to the forger (which connects
 * to it): its hello read and ACCEPTed.  @downtime_ns large lets it switch
 * over as soon as it may.
 */
static struct v3_vm *mig_src_begin(struct kunit *test, u64 downtime_ns,
				    u32 timeout, bool accept)
{
	struct v3chkpt_vm_migrate a = {
		.size = sizeof(a), .downtime_ns = downtime_ns, .max_rounds = 8,
	};
	struct mig_case *mc = test->priv;
	struct forger *f = mc->f;
	struct v3_vm *vm;
	u32 type, len;
	char url[96];

	vm = v3_kunit_vm(test, MIG_LIVE, MIG_MEM, 1);
	KUNIT_ASSERT_EQ(test, v3_vm_run(vm), 0);
	strscpy(a.name, MIG_LIVE, sizeof(a.name));
	snprintf(url, sizeof(url), "listen:127.0.0.1:%u,key=" MIG_KEY
		 ",timeout=%u", mc->port, timeout);
	mc->mg = v3_mig_migrate(&a, url);
	if (IS_ERR(mc->mg)) {
		KUNIT_FAIL(test, "migrate: %ld", PTR_ERR(mc->mg));
		mc->mg = NULL;
		return NULL;
	}
	KUNIT_ASSERT_EQ(test, forge_connect(f, mc->port, false), 0);
	/* "mig" and "vm" in one frame; the source waits for ACCEPT */
	KUNIT_ASSERT_EQ(test, v3_net_recv_frame(&f->c, BIT(V3_NET_DATA), &type,
						f->buf, &len), 0);
	if (accept)
		KUNIT_ASSERT_EQ(test, forge_msg(f, V3_MIG_ACCEPT, 0, 0, 0), 0);
	return vm;
}

static struct v3_vm *mig_src_start(struct kunit *test, u64 downtime_ns)
{
	return mig_src_begin(test, downtime_ns, 10, true);
}

/* The source's next ROUND (into mc->m), its stream read and dropped. */
static void mig_src_round(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	struct forger *f = mc->f;
	u32 type, len;
	int ret;

	do {
		ret = v3_net_recv_frame(&f->c, BIT(V3_NET_DATA) |
					BIT(V3_NET_MIG), &type, f->buf, &len);
	} while (!ret && type == V3_NET_DATA);
	KUNIT_ASSERT_EQ(test, ret, 0);
	memcpy(&mc->m, f->buf, sizeof(mc->m));
	KUNIT_ASSERT_EQ(test, le32_to_cpu(mc->m.kind), (u32)V3_MIG_ROUND);
}

/* ACK every round until the last, as the real destination would. */
static void mig_src_to_last(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	u32 round;

	for (;;) {
		mig_src_round(test);
		round = le32_to_cpu(mc->m.round);
		if (le32_to_cpu(mc->m.flags) & V3_MIG_F_LAST)
			break;
		KUNIT_ASSERT_EQ(test, forge_msg(mc->f, V3_MIG_ACK, round, 0,
						1 << 20), 0);
	}
	KUNIT_EXPECT_GT(test, round, 0U);
}

/*
 * The source failed with @err (its reason holding @why) and its VM runs
 * on as before: RUNNING and stepping, no tracker, unthrottled, free to
 * migrate again; the forger was told ABORT; no guest page left over.
 */
static void mig_src_expect_failed(struct kunit *test, struct v3_vm *vm,
				  int err, const char *why)
{
	struct mig_case *mc = test->priv;
	struct v3chkpt_mig_status *st = &mc->st;
	struct forger *f = mc->f;
	u32 type, len;
	u64 steps;

	KUNIT_ASSERT_EQ(test, mig_end(test), 0);
	KUNIT_EXPECT_EQ(test, st->state, (u32)V3CHKPT_MIG_FAILED);
	KUNIT_EXPECT_EQ(test, st->error, err);
	KUNIT_EXPECT_EQ(test, st->throttle_pct, 0U);
	KUNIT_EXPECT_NOT_NULL(test, strstr(mc->msg, why));
	kunit_info(test, "source: %d, %s\n", st->error, mc->msg);
	KUNIT_EXPECT_EQ(test, v3_net_recv_frame(&f->c, BIT(V3_NET_ABORT),
						&type, f->buf, &len), 0);
	forge_close(f);
	v3_mig_release(mc->mg);
	mc->mg = NULL;

	mutex_lock(&vm->lock);
	KUNIT_EXPECT_EQ(test, vm->state, (u32)V3CHKPT_VM_RUNNING);
	KUNIT_EXPECT_FALSE(test, vm->migrating);
	KUNIT_EXPECT_EQ(test, vm->throttle, 0U);
	mutex_unlock(&vm->lock);
	KUNIT_EXPECT_FALSE(test, v3_dirty_active(vm));
	steps = READ_ONCE(vm->vcpus[0].core.gpr[V3_RBX]);
	msleep(200);
	KUNIT_EXPECT_GT(test, READ_ONCE(vm->vcpus[0].core.gpr[V3_RBX]), steps);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy(MIG_LIVE), 0);	/* the list's */
	KUNIT_EXPECT_EQ(test, atomic_long_read(&v3_vm_pages_in_use),
			mc->pages);
}

/* COMMIT in answer to ROUND 0: the source fails and runs on, untouched. */
static void mig_forged_dest_commits_early(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	struct v3_vm *vm = mig_src_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	mig_src_round(test);
	KUNIT_ASSERT_EQ(test, le32_to_cpu(mc->m.round), 0U);
	KUNIT_ASSERT_EQ(test, forge_msg(mc->f, V3_MIG_COMMIT, 0, 0, 0), 0);
	mig_src_expect_failed(test, vm, -EPROTO, "unexpected COMMIT");
}

/* An ACK for another round than the one sent. */
static void mig_forged_dest_acks_another_round(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	struct v3_vm *vm = mig_src_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	mig_src_round(test);
	KUNIT_ASSERT_EQ(test, forge_msg(mc->f, V3_MIG_ACK, 1, 0, 0), 0);
	mig_src_expect_failed(test, vm, -EPROTO, "answered round 1");
}

/*
 * At the switchover, with the guest paused: a COMMIT whose digest is not
 * the one sent.  The source must not give its VM up: it runs again.
 */
static void mig_forged_dest_commits_another_digest(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	struct v3_vm *vm = mig_src_start(test, 5ULL * NSEC_PER_SEC);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	mig_src_to_last(test);
	KUNIT_ASSERT_EQ(test, forge_msg(mc->f, V3_MIG_COMMIT,
					le32_to_cpu(mc->m.round), 0,
					0x5eed5eed5eed5eedULL), 0);
	mig_src_expect_failed(test, vm, -EBADMSG, "committed digest");
}

/* A REFUSE at the switchover: its errno and reason reach the source. */
static void mig_forged_dest_refuses_at_the_end(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	struct v3_vm *vm = mig_src_start(test, 5ULL * NSEC_PER_SEC);
	struct v3_mig_msg *m = &mc->m;

	KUNIT_ASSERT_NOT_NULL(test, vm);
	mig_src_to_last(test);
	memset(m, 0, sizeof(*m));
	m->kind = cpu_to_le32(V3_MIG_REFUSE);
	m->value = cpu_to_le64(EBADMSG);
	strscpy(m->reason, "forged digest mismatch", sizeof(m->reason));
	KUNIT_ASSERT_EQ(test, v3_net_send_frame(&mc->f->c, V3_NET_MIG, m,
						sizeof(*m)), 0);
	mig_src_expect_failed(test, vm, -EBADMSG, "forged digest mismatch");
}

/* A destination that cannot host the VM says so in the handshake. */
static void mig_forged_dest_refuses_the_vm(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	struct v3_vm *vm = mig_src_begin(test, 0, 10, false);
	struct v3_mig_msg *m = &mc->m;

	KUNIT_ASSERT_NOT_NULL(test, vm);
	memset(m, 0, sizeof(*m));
	m->kind = cpu_to_le32(V3_MIG_REFUSE);
	m->value = cpu_to_le64(ENOMEM);
	strscpy(m->reason, "forged: no room for 64 MiB", sizeof(m->reason));
	KUNIT_ASSERT_EQ(test, v3_net_send_frame(&mc->f->c, V3_NET_MIG, m,
						sizeof(*m)), 0);
	mig_src_expect_failed(test, vm, -ENOMEM, "forged: no room");
}

/* A destination that goes silent: the source notices within its timeout. */
static void mig_forged_dest_silent(struct kunit *test)
{
	struct v3_vm *vm = mig_src_begin(test, 0, 1, true);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	mig_src_round(test);	/* and no ACK */
	mig_src_expect_failed(test, vm, -ETIMEDOUT, "");
}

/* Cancelled while it waits for round 0's ack: ECANCELED, runs on. */
static void mig_src_cancelled(struct kunit *test)
{
	struct mig_case *mc = test->priv;
	struct v3_vm *vm = mig_src_start(test, 0);

	KUNIT_ASSERT_NOT_NULL(test, vm);
	mig_src_round(test);
	KUNIT_EXPECT_EQ(test, v3_mig_cancel(mc->mg), 0);
	mig_src_expect_failed(test, vm, -ECANCELED, "");
}

/* ------------------------------------------------------ the suite */

static int mig_suite_init(struct kunit_suite *suite)
{
	struct v3chkpt_vm_config cfg = { .mem_bytes = MIG_MEM, .vcpus = 1 };
	struct v3_mem *m;
	unsigned long i;
	int ret;

	ret = v3_kunit_memstore_init(suite);
	if (ret)
		return ret;
	cfg.workload.pace_us = 1;
	ret = v3_vm_config_check(&cfg, NULL, -EINVAL);
	if (ret)
		return ret;
	origin.vm = v3_vm_alloc(&cfg);
	if (IS_ERR(origin.vm)) {
		ret = PTR_ERR(origin.vm);
		origin.vm = NULL;
		return ret;
	}
	ret = v3_vm_publish(origin.vm, MIG_SRC);
	if (ret) {
		v3_vm_put(origin.vm);
		origin.vm = NULL;
		return ret;
	}
	/* some steps: written pages, vCPU and device state not at reset */
	ret = v3_vm_step(origin.vm, 300) ?:
	      v3_vm_save(origin.vm, "memory", "migk-state", V3CHKPT_SKIP_MEM,
			 NULL) ?:
	      v3_test_get_raw("migk-state", &origin.state) ?:
	      v3_vm_digest(origin.vm, &origin.d);
	v3_memstore_delete("migk-state");
	if (ret)
		return ret;
	m = &origin.vm->mem;
	origin.hashes = kvcalloc(m->npages, sizeof(*origin.hashes),
				 GFP_KERNEL);
	if (!origin.hashes)
		return -ENOMEM;
	for (i = 0; i < m->npages; i++) {
		origin.hashes[i] = cpu_to_le64(xxh64(page_address(m->pages[i]),
						     PAGE_SIZE, 0));
		cond_resched();
	}
	origin.d.memory = xxh64(origin.hashes, m->npages *
				sizeof(*origin.hashes), 0);
	origin.d.total = forge_total(&origin.d);
	return 0;
}

static void mig_suite_exit(struct kunit_suite *suite)
{
	if (origin.vm) {
		v3_vm_destroy(MIG_SRC);
		origin.vm = NULL;
	}
	kvfree(origin.hashes);
	kvfree(origin.state.p);
	memset(&origin, 0, sizeof(origin));
	v3_kunit_memstore_exit(suite);
}

static struct kunit_case migrate_cases[] = {
	KUNIT_CASE(mig_forged_paused),
	KUNIT_CASE(mig_forged_running),
	KUNIT_CASE(mig_forged_running_recv_paused),
	KUNIT_CASE(mig_round_out_of_order),
	KUNIT_CASE(mig_round_twice),
	KUNIT_CASE(mig_page_above_memory),
	KUNIT_CASE(mig_run_across_the_end),
	KUNIT_CASE(mig_page_in_the_hole),
	KUNIT_CASE(mig_section_id_reused),
	KUNIT_CASE(mig_commit_before_state),
	KUNIT_CASE(mig_digest_mismatch),
	KUNIT_CASE(mig_source_vanishes),
	KUNIT_CASE(mig_source_aborts),
	KUNIT_CASE(mig_unknown_feature),
	KUNIT_CASE(mig_memory_before_accept),
	KUNIT_CASE(mig_part_hash_mismatch),
	KUNIT_CASE(mig_size_mismatch),
	KUNIT_CASE(mig_bad_run_state),
	KUNIT_CASE(mig_context_after_digests),
	KUNIT_CASE(mig_dst_cancelled),
	KUNIT_CASE(mig_no_go_after_commit),
	KUNIT_CASE(mig_abort_after_commit),
	KUNIT_CASE(mig_forged_dest_commits_early),
	KUNIT_CASE(mig_forged_dest_acks_another_round),
	KUNIT_CASE(mig_forged_dest_commits_another_digest),
	KUNIT_CASE(mig_forged_dest_refuses_at_the_end),
	KUNIT_CASE(mig_src_cancelled),
	KUNIT_CASE(mig_forged_dest_refuses_the_vm),
	KUNIT_CASE(mig_forged_dest_silent),
	{}
};

static struct kunit_suite migrate_suite = {
	.name = "v3chkpt_migrate",
	.suite_init = mig_suite_init,
	.suite_exit = mig_suite_exit,
	.init = mig_case_init,
	.exit = mig_case_exit,
	.test_cases = migrate_cases,
};
kunit_test_suite(migrate_suite);
