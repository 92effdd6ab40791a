// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the net store over loopback, inside one kernel.  One end runs on
 * a kthread, the other in the test, both through the real checkpoint API;
 * hostile peers are played by a raw client that speaks the protocol with
 * the store's own primitives (stores/net.h) and then breaks it.  Every URL
 * carries a short timeout so a bug fails a case instead of hanging it.
 */
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <net/ipv6.h>
#include "helpers.h"
#include "../../stores/net.h"

#define NET_KEY1 "00112233445566778899aabbccddeeff"
#define NET_KEY2 "00112233445566778899aabbccddeefe"
#define NET_MAX_CTX 4

/* Contexts straddle the 64 KiB frame size: several frames, an exact one. */
static const size_t net_ctx_size[NET_MAX_CTX] = { 200000, 10, 70000, 65536 };

/* One end of a checkpoint: saves or loads @nctx contexts of known bytes. */
struct net_job {
	const char *url;
	enum v3_chkpt_mode mode;
	unsigned int nctx;
	unsigned int abort_after;	/* abort after this many (0: never) */
	bool killable;			/* on a kthread: SIGKILL ends it */
	int open_ret, ctx_ret, close_ret;
	unsigned int ctx_done;
	struct completion done;
};

static void net_fill(u8 *buf, size_t len, unsigned int ctx)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (u8)(i * 7 + (i >> 9) + ctx * 131);
}

static int net_job_ctx(struct v3_chkpt *c, enum v3_chkpt_mode mode,
		       unsigned int i, u8 *want, u8 *got)
{
	size_t len = net_ctx_size[i];
	struct v3_chkpt_ctx *ctx;
	int ret, ret2;

	ctx = v3_chkpt_open_ctx(c, "net", i, 1, 1);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	net_fill(want, len, i);
	if (mode == V3_CHKPT_MODE_SAVE) {
		ret = v3_chkpt_save(ctx, "bytes", len, want);
	} else {
		ret = v3_chkpt_load(ctx, "bytes", len, got);
		if (!ret && memcmp(want, got, len))
			ret = -EILSEQ;	/* the test's own mark: bytes differ */
	}
	ret2 = v3_chkpt_close_ctx(ctx);
	return ret ?: ret2;
}

/* Open (a connecting end retries while the listener is not up yet). */
static struct v3_chkpt *net_job_open(struct net_job *j)
{
	unsigned long until = jiffies + 5 * HZ;
	struct v3_chkpt *c;

	for (;;) {
		c = v3_chkpt_open("net", j->url, j->mode);
		if (PTR_ERR_OR_ZERO(c) != -ECONNREFUSED ||
		    strncmp(j->url, "connect:", 8) || time_after(jiffies, until))
			return c;
		msleep(20);
	}
}

static void net_job_run(struct net_job *j)
{
	size_t max = net_ctx_size[0];
	u8 *want = kvmalloc(max, GFP_KERNEL), *got = kvmalloc(max, GFP_KERNEL);
	struct v3_chkpt *c;
	unsigned int i;

	j->open_ret = -ENOMEM;
	if (!want || !got)
		goto out;
	c = net_job_open(j);
	j->open_ret = PTR_ERR_OR_ZERO(c);
	if (j->open_ret)
		goto out;
	for (i = 0; i < j->nctx && !j->ctx_ret; i++) {
		if (j->abort_after && i == j->abort_after)
			break;
		j->ctx_ret = net_job_ctx(c, j->mode, i, want, got);
		if (!j->ctx_ret)
			j->ctx_done++;
	}
	if (j->ctx_ret || j->abort_after)
		v3_chkpt_abort(c);
	else
		j->close_ret = v3_chkpt_close(c);
out:
	kvfree(want);
	kvfree(got);
}

static int net_job_thread(void *data)
{
	struct net_job *j = data;

	if (j->killable)
		allow_signal(SIGKILL);
	net_job_run(j);
	kthread_complete_and_exit(&j->done, 0);
}

/*
 * Start @tmpl on a kthread; the copy is leaked if the thread hangs.  With
 * @task, the thread is returned pinned (put_task_struct() it).
 */
static struct net_job *net_job_start_task(const struct net_job *tmpl,
					  struct task_struct **task)
{
	struct net_job *j = kmemdup(tmpl, sizeof(*j), GFP_KERNEL);
	struct task_struct *t;

	if (!j)
		return NULL;
	init_completion(&j->done);
	t = kthread_create(net_job_thread, j, "v3net-kunit");
	if (IS_ERR(t)) {
		kfree(j);
		return NULL;
	}
	if (task)
		*task = get_task_struct(t);
	wake_up_process(t);
	return j;
}

static struct net_job *net_job_start(const struct net_job *tmpl)
{
	return net_job_start_task(tmpl, NULL);
}

static void net_job_wait(struct kunit *test, struct net_job *j,
			 struct net_job *out)
{
	if (!wait_for_completion_timeout(&j->done, 60 * HZ)) {
		KUNIT_FAIL(test, "the peer thread hung");
		return;
	}
	*out = *j;
	kfree(j);
}

/* @bg runs on a kthread, @fg in the test. */
static void net_pair(struct kunit *test, struct net_job *bg,
		     struct net_job *fg)
{
	struct net_job *j = net_job_start(bg);

	KUNIT_ASSERT_NOT_NULL(test, j);
	net_job_run(fg);
	net_job_wait(test, j, bg);
}

static void net_expect_whole(struct kunit *test, const struct net_job *j)
{
	KUNIT_EXPECT_EQ(test, j->open_ret, 0);
	KUNIT_EXPECT_EQ(test, j->ctx_ret, 0);
	KUNIT_EXPECT_EQ(test, j->close_ret, 0);
	KUNIT_EXPECT_EQ(test, j->ctx_done, j->nctx);
}

static void net_roundtrip(struct kunit *test, const char *save_url,
			  const char *load_url, bool saver_bg)
{
	struct net_job save = { .url = save_url, .mode = V3_CHKPT_MODE_SAVE,
				.nctx = NET_MAX_CTX };
	struct net_job load = { .url = load_url, .mode = V3_CHKPT_MODE_LOAD,
				.nctx = NET_MAX_CTX };

	if (saver_bg)
		net_pair(test, &save, &load);
	else
		net_pair(test, &load, &save);
	net_expect_whole(test, &save);
	net_expect_whole(test, &load);
}

static void net_roundtrip_ipv4_saver_listens(struct kunit *test)
{
	net_roundtrip(test, "listen:127.0.0.1:47101,timeout=10",
		      "connect:127.0.0.1:47101,timeout=10", true);
}

static void net_roundtrip_ipv4_loader_listens(struct kunit *test)
{
	net_roundtrip(test, "connect:127.0.0.1:47102,timeout=10",
		      "listen:0.0.0.0:47102,timeout=10", false);
}

static void net_roundtrip_ipv6_saver_listens(struct kunit *test)
{
	net_roundtrip(test, "listen:[::1]:47103,timeout=10",
		      "connect:[::1]:47103,timeout=10", false);
}

static void net_roundtrip_ipv6_loader_listens(struct kunit *test)
{
	net_roundtrip(test, "connect:[::1]:47104,timeout=10",
		      "listen:[::]:47104,timeout=10", true);
}

static void net_roundtrip_key(struct kunit *test)
{
	net_roundtrip(test, "listen:127.0.0.1:47105,key=" NET_KEY1 ",timeout=10",
		      "connect:127.0.0.1:47105,timeout=10,key=" NET_KEY1, true);
}

/* Both opens fail with @err: no context is ever handed out. */
static void net_refused(struct kunit *test, const char *save_url,
			const char *load_url, int err)
{
	struct net_job save = { .url = save_url, .mode = V3_CHKPT_MODE_SAVE,
				.nctx = 1 };
	struct net_job load = { .url = load_url, .mode = V3_CHKPT_MODE_LOAD,
				.nctx = 1 };

	net_pair(test, &save, &load);
	KUNIT_EXPECT_EQ(test, save.open_ret, err);
	KUNIT_EXPECT_EQ(test, load.open_ret, err);
	KUNIT_EXPECT_EQ(test, save.ctx_done + load.ctx_done, 0U);
}

static void net_wrong_key(struct kunit *test)
{
	net_refused(test, "listen:127.0.0.1:47106,timeout=5,key=" NET_KEY1,
		    "connect:127.0.0.1:47106,timeout=5,key=" NET_KEY2,
		    -EKEYREJECTED);
}

static void net_key_on_one_end(struct kunit *test)
{
	net_refused(test, "listen:127.0.0.1:47107,timeout=5,key=" NET_KEY1,
		    "connect:127.0.0.1:47107,timeout=5", -EKEYREJECTED);
	net_refused(test, "connect:[::1]:47108,timeout=5",
		    "listen:[::1]:47108,timeout=5,key=" NET_KEY1,
		    -EKEYREJECTED);
}

static void net_both_save(struct kunit *test)
{
	struct net_job a = { .url = "listen:127.0.0.1:47109,timeout=5",
			     .mode = V3_CHKPT_MODE_SAVE, .nctx = 1 };
	struct net_job b = { .url = "connect:127.0.0.1:47109,timeout=5",
			     .mode = V3_CHKPT_MODE_SAVE, .nctx = 1 };

	net_pair(test, &a, &b);
	KUNIT_EXPECT_EQ(test, a.open_ret, -EPROTO);
	KUNIT_EXPECT_EQ(test, b.open_ret, -EPROTO);
}

/* The loader takes one context and gives up: the save must not succeed. */
static void net_receiver_abandons(struct kunit *test)
{
	struct net_job save = { .url = "listen:127.0.0.1:47110,timeout=5",
				.mode = V3_CHKPT_MODE_SAVE,
				.nctx = NET_MAX_CTX };
	struct net_job load = { .url = "connect:127.0.0.1:47110,timeout=5",
				.mode = V3_CHKPT_MODE_LOAD,
				.nctx = NET_MAX_CTX, .abort_after = 1 };

	net_pair(test, &save, &load);
	KUNIT_EXPECT_EQ(test, save.open_ret, 0);
	KUNIT_EXPECT_EQ(test, load.ctx_done, 1U);
	KUNIT_EXPECT_LT(test, save.ctx_ret ?: save.close_ret, 0);
	kunit_info(test, "sender saw %d / %d", save.ctx_ret, save.close_ret);
}

static void net_sender_aborts(struct kunit *test)
{
	struct net_job save = { .url = "connect:[::1]:47111,timeout=5",
				.mode = V3_CHKPT_MODE_SAVE,
				.nctx = NET_MAX_CTX, .abort_after = 1 };
	struct net_job load = { .url = "listen:[::1]:47111,timeout=5",
				.mode = V3_CHKPT_MODE_LOAD,
				.nctx = NET_MAX_CTX };

	net_pair(test, &load, &save);
	KUNIT_EXPECT_EQ(test, save.ctx_done, 1U);
	KUNIT_EXPECT_EQ(test, load.ctx_done, 1U);
	KUNIT_EXPECT_EQ(test, load.ctx_ret, -ECONNABORTED);
}

/* ------------------------------------------------ a raw, hostile sender */

static int net_raw_connect(struct v3_net_conn *c, const char *url)
{
	unsigned long until = jiffies + 5 * HZ;
	struct v3_net_url u;
	int ret;

	ret = v3_net_parse_url(url, &u);
	if (ret)
		return ret;
	u.timeout = 5;
	c->sender = true;
	while ((ret = v3_net_establish(c, &u)) == -ECONNREFUSED &&
	       time_before(jiffies, until))
		msleep(20);
	return ret ?: v3_net_handshake(c, u.key, u.keylen);
}

/* A valid stream header as the first DATA frame: the loader's open works. */
static int net_raw_stream_hdr(struct v3_net_conn *c)
{
	struct v3c_stream_hdr hdr;
	struct v3_kbuf b = { 0 };
	struct v3c_writer w;
	int ret;

	v3c_writer_init(&w, v3_kbuf_write, &b);
	v3c_stream_hdr_init(&hdr, "kunit-raw");
	ret = v3c_writer_start(&w, &hdr);
	if (!ret)
		ret = v3_net_send_frame(c, V3_NET_DATA, b.p, b.len);
	kvfree(b.p);
	return ret;
}

/* A frame whose payload is changed after its tag was computed. */
static int net_raw_flipped_frame(struct v3_net_conn *c)
{
	u8 payload[100], tag[V3_NET_TAG_LEN];
	struct v3_net_frame_hdr h = {
		.type = cpu_to_le32(V3_NET_DATA),
		.len = cpu_to_le32(sizeof(payload)),
	};
	struct kvec vec[] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = payload, .iov_len = sizeof(payload) },
		{ .iov_base = tag, .iov_len = sizeof(tag) },
	};
	int ret;

	memset(payload, 0x5a, sizeof(payload));
	ret = v3_net_frame_tag(c, 'S', c->tx_seq++, &h, payload, tag);
	payload[37] ^= 0x10;
	return ret ?: v3_net_send(c, vec, ARRAY_SIZE(vec));
}

/* The receiver's verdict, as the raw sender reads it. */
static int net_raw_ack(struct v3_net_conn *c, s32 *status)
{
	u32 type, len;
	__le32 st;
	int ret = v3_net_recv_frame(c, BIT(V3_NET_ACK), &type, &st, &len);

	*status = le32_to_cpu(st);
	return ret;
}

static void net_corrupt_frame(struct kunit *test)
{
	const char *url = "connect:127.0.0.1:47112,key=" NET_KEY1;
	struct net_job load = { .url = "listen:127.0.0.1:47112,timeout=5,key="
				NET_KEY1, .mode = V3_CHKPT_MODE_LOAD,
				.nctx = 1 };
	struct net_job *j = net_job_start(&load);
	struct v3_net_conn c = { };
	s32 status = 0;

	KUNIT_ASSERT_NOT_NULL(test, j);
	KUNIT_ASSERT_EQ(test, net_raw_connect(&c, url), 0);
	KUNIT_EXPECT_EQ(test, net_raw_stream_hdr(&c), 0);
	KUNIT_EXPECT_EQ(test, net_raw_flipped_frame(&c), 0);
	/* the store itself refused it, and said so */
	KUNIT_EXPECT_EQ(test, net_raw_ack(&c, &status), 0);
	KUNIT_EXPECT_EQ(test, status, -EBADMSG);
	v3_net_conn_close(&c);
	net_job_wait(test, j, &load);
	KUNIT_EXPECT_EQ(test, load.open_ret, 0);
	KUNIT_EXPECT_EQ(test, load.ctx_ret, -EBADMSG);
	KUNIT_EXPECT_EQ(test, load.ctx_done, 0U);
}

static void net_bad_frame_type(struct kunit *test)
{
	struct net_job load = { .url = "listen:[::1]:47113,timeout=5",
				.mode = V3_CHKPT_MODE_LOAD, .nctx = 1 };
	struct net_job *j = net_job_start(&load);
	struct v3_net_conn c = { };
	__le32 junk = 0;
	s32 status = 0;

	KUNIT_ASSERT_NOT_NULL(test, j);
	KUNIT_ASSERT_EQ(test, net_raw_connect(&c, "connect:[::1]:47113"), 0);
	KUNIT_EXPECT_EQ(test, v3_net_send_frame(&c, 9, &junk, 4), 0);
	KUNIT_EXPECT_EQ(test, net_raw_ack(&c, &status), 0);
	KUNIT_EXPECT_EQ(test, status, -EPROTO);
	v3_net_conn_close(&c);
	net_job_wait(test, j, &load);
	KUNIT_EXPECT_EQ(test, load.open_ret, -EPROTO);
}

/*
 * Frame headers whose length does not fit their type (or whose type is
 * unknown): refused from the header alone, before any payload is read
 * into the loader's 64 KiB buffer.
 */
static void net_bad_frame_lengths(struct kunit *test)
{
	static const struct { u32 type, len; } bad[] = {
		{ V3_NET_DATA, 0 }, { V3_NET_DATA, V3_NET_DATA_MAX + 1 },
		{ V3_NET_DATA, U32_MAX }, { V3_NET_END, 4 },
		{ V3_NET_ABORT, 3 }, { V3_NET_ACK, 4 }, { 31, 4 }, { 32, 4 },
	};
	char lurl[48], curl[48];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct net_job load = { .url = lurl, .mode = V3_CHKPT_MODE_LOAD,
					.nctx = 1 };
		struct v3_net_frame_hdr h = {
			.type = cpu_to_le32(bad[i].type),
			.len = cpu_to_le32(bad[i].len),
		};
		struct kvec v = { .iov_base = &h, .iov_len = sizeof(h) };
		struct v3_net_conn c = { };
		struct net_job *j;

		snprintf(lurl, sizeof(lurl), "listen:127.0.0.1:%zu,timeout=5", 47140 + i);
		snprintf(curl, sizeof(curl), "connect:127.0.0.1:%zu", 47140 + i);
		j = net_job_start(&load);
		KUNIT_ASSERT_NOT_NULL(test, j);
		KUNIT_ASSERT_EQ(test, net_raw_connect(&c, curl), 0);
		KUNIT_EXPECT_EQ(test, v3_net_send(&c, &v, 1), 0);
		v3_net_conn_close(&c);
		net_job_wait(test, j, &load);
		KUNIT_EXPECT_EQ_MSG(test, load.open_ret, -EPROTO,
				    "type %u len %u", bad[i].type, bad[i].len);
	}
}

/*
 * A peer's errno is never handed on: an ABORT(-ENOENT) would read as "end
 * of stream" to the core, so any ABORT is ECONNABORTED to the loader.
 */
static void net_abort_errno_is_fixed(struct kunit *test)
{
	static const s32 said[] = { -ENOENT, -EAGAIN, 0, 12345, -600 };
	char lurl[48], curl[48];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(said); i++) {
		struct net_job load = { .url = lurl, .mode = V3_CHKPT_MODE_LOAD,
					.nctx = 1 };
		__le32 st = cpu_to_le32(said[i]);
		struct v3_net_conn c = { };
		struct net_job *j;

		snprintf(lurl, sizeof(lurl), "listen:127.0.0.1:%zu,timeout=5", 47160 + i);
		snprintf(curl, sizeof(curl), "connect:127.0.0.1:%zu", 47160 + i);
		j = net_job_start(&load);
		KUNIT_ASSERT_NOT_NULL(test, j);
		KUNIT_ASSERT_EQ(test, net_raw_connect(&c, curl), 0);
		KUNIT_EXPECT_EQ(test, net_raw_stream_hdr(&c), 0);
		KUNIT_EXPECT_EQ(test, v3_net_send_frame(&c, V3_NET_ABORT, &st,
							sizeof(st)), 0);
		v3_net_conn_close(&c);
		net_job_wait(test, j, &load);
		KUNIT_EXPECT_EQ(test, load.open_ret, 0);
		KUNIT_EXPECT_EQ_MSG(test, load.ctx_ret, -ECONNABORTED,
				    "ABORT(%d)", said[i]);
	}
}

/* A raw receiver: accepts one saver and reads its frames up to END. */
static int net_raw_listen_until_end(struct v3_net_conn *c, const char *url)
{
	struct v3_net_url u;
	u32 type, len;
	void *buf;
	int ret;

	ret = v3_net_parse_url(url, &u);
	if (ret)
		return ret;
	u.timeout = 5;
	c->sender = false;
	ret = v3_net_establish(c, &u) ?: v3_net_handshake(c, u.key, u.keylen);
	if (ret)
		return ret;
	buf = kvmalloc(V3_NET_DATA_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	do {
		ret = v3_net_recv_frame(c, BIT(V3_NET_DATA) | BIT(V3_NET_END),
					&type, buf, &len);
	} while (!ret && type != V3_NET_END);
	kvfree(buf);
	return ret;
}

/* Whatever a refusing ACK says, the saver is told ECANCELED. */
static void net_ack_errno_is_fixed(struct kunit *test)
{
	static const s32 said[] = { -ENOENT, -EAGAIN, -EBADMSG, 777, -600 };
	char lurl[48], curl[48];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(said); i++) {
		struct net_job save = { .url = curl, .mode = V3_CHKPT_MODE_SAVE,
					.nctx = 1 };
		__le32 st = cpu_to_le32(said[i]);
		struct v3_net_conn c = { };
		struct net_job *j;

		snprintf(lurl, sizeof(lurl), "listen:127.0.0.1:%zu", 47170 + i);
		snprintf(curl, sizeof(curl), "connect:127.0.0.1:%zu,timeout=5", 47170 + i);
		j = net_job_start(&save);
		KUNIT_ASSERT_NOT_NULL(test, j);
		KUNIT_ASSERT_EQ(test, net_raw_listen_until_end(&c, lurl), 0);
		KUNIT_EXPECT_EQ(test, v3_net_send_frame(&c, V3_NET_ACK, &st,
							sizeof(st)), 0);
		net_job_wait(test, j, &save);
		v3_net_conn_close(&c);
		KUNIT_EXPECT_EQ(test, save.ctx_done, 1U);
		KUNIT_EXPECT_EQ_MSG(test, save.close_ret, -ECANCELED,
				    "ACK(%d)", said[i]);
	}
}

/*
 * An unkeyed listener's first caller claims a 4 GiB blob: refused from the
 * record header (EFBIG), before the loader holds any of it.
 */
static void net_huge_blob_refused(struct kunit *test)
{
	struct net_job load = { .url = "listen:127.0.0.1:47180,timeout=5",
				.mode = V3_CHKPT_MODE_LOAD, .nctx = 1 };
	struct v3c_rec_hdr rh = { .len = 4ULL << 30, .type = V3C_REC_BLOB };
	u8 rec[V3C_REC_HDR_SIZE + V3C_BLOB_FIXED + 6];
	struct v3c_writer *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	struct v3_net_conn c = { };
	struct v3_kbuf b = { 0 };
	struct v3c_stream_hdr hdr;
	struct net_job *j;

	KUNIT_ASSERT_NOT_NULL(test, w);
	v3c_writer_init(w, v3_kbuf_write, &b);
	v3c_stream_hdr_init(&hdr, "kunit-raw");
	KUNIT_ASSERT_EQ(test, v3c_writer_start(w, &hdr), 0);
	KUNIT_ASSERT_EQ(test, v3c_writer_ctx_begin(w, "net", 0, 1, 0), 0);
	v3c_rec_hdr_encode(&rh, rec);
	put_unaligned_le32(6, rec + V3C_REC_HDR_SIZE);
	put_unaligned_le32(0, rec + V3C_REC_HDR_SIZE + 4);
	memcpy(rec + V3C_REC_HDR_SIZE + V3C_BLOB_FIXED, "bytes", 6);

	j = net_job_start(&load);
	KUNIT_ASSERT_NOT_NULL(test, j);
	KUNIT_ASSERT_EQ(test, net_raw_connect(&c, "connect:127.0.0.1:47180"), 0);
	KUNIT_EXPECT_EQ(test, v3_net_send_frame(&c, V3_NET_DATA, b.p, b.len), 0);
	KUNIT_EXPECT_EQ(test, v3_net_send_frame(&c, V3_NET_DATA, rec,
						sizeof(rec)), 0);
	net_job_wait(test, j, &load);
	v3_net_conn_close(&c);
	kvfree(b.p);
	KUNIT_EXPECT_EQ(test, load.open_ret, 0);
	KUNIT_EXPECT_EQ(test, load.ctx_ret, -EFBIG);
}

/* A sender that goes quiet, then one that vanishes mid-stream. */
static void net_peer_quiet_then_gone(struct kunit *test)
{
	struct net_job load = { .url = "listen:127.0.0.1:47114,timeout=1",
				.mode = V3_CHKPT_MODE_LOAD, .nctx = 1 };
	struct net_job *j = net_job_start(&load);
	struct v3_net_conn c = { };

	KUNIT_ASSERT_NOT_NULL(test, j);
	KUNIT_ASSERT_EQ(test, net_raw_connect(&c, "connect:127.0.0.1:47114"), 0);
	net_job_wait(test, j, &load);
	v3_net_conn_close(&c);
	KUNIT_EXPECT_EQ(test, load.open_ret, -ETIMEDOUT);

	load.url = "listen:127.0.0.1:47115,timeout=5";
	load.open_ret = 0;
	j = net_job_start(&load);
	KUNIT_ASSERT_NOT_NULL(test, j);
	memset(&c, 0, sizeof(c));
	KUNIT_ASSERT_EQ(test, net_raw_connect(&c, "connect:127.0.0.1:47115"), 0);
	KUNIT_EXPECT_EQ(test, net_raw_stream_hdr(&c), 0);
	v3_net_conn_close(&c);
	net_job_wait(test, j, &load);
	KUNIT_EXPECT_EQ(test, load.open_ret, 0);
	KUNIT_EXPECT_EQ(test, load.ctx_ret, -ECONNRESET);
}

/* SIGKILL job @j (thread @t) until it ends: a wait must give up at once. */
static void net_kill(struct kunit *test, struct net_job *j,
		     struct task_struct *t, struct net_job *out)
{
	unsigned long t0 = jiffies;
	int i;

	msleep(300);	/* let it block */
	for (i = 0; i < 50 && !completion_done(&j->done); i++) {
		send_sig(SIGKILL, t, 1);
		msleep(100);
	}
	put_task_struct(t);
	net_job_wait(test, j, out);
	KUNIT_EXPECT_LT(test, jiffies - t0, 6UL * HZ);
}

/* The CLI killed while it waits for a peer, then for the stream. */
static void net_killed_while_waiting(struct kunit *test)
{
	struct net_job load = { .url = "listen:127.0.0.1:47116,timeout=30",
				.mode = V3_CHKPT_MODE_LOAD, .nctx = 1,
				.killable = true };
	struct v3_net_conn c = { };
	struct task_struct *t;
	struct net_job *j;

	j = net_job_start_task(&load, &t);
	KUNIT_ASSERT_NOT_NULL(test, j);
	net_kill(test, j, t, &load);
	KUNIT_EXPECT_EQ(test, load.open_ret, -EINTR);

	/* connected, blocked reading a stream that never comes */
	load.url = "listen:127.0.0.1:47117,timeout=30";
	j = net_job_start_task(&load, &t);
	KUNIT_ASSERT_NOT_NULL(test, j);
	KUNIT_ASSERT_EQ(test, net_raw_connect(&c, "connect:127.0.0.1:47117"), 0);
	net_kill(test, j, t, &load);
	KUNIT_EXPECT_EQ(test, load.open_ret, -EINTR);
	v3_net_conn_close(&c);
}

/* ------------------------------------------------ no peer, bad URLs */

static void net_no_listener(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_chkpt_open("net",
			"connect:127.0.0.1:47198,timeout=2",
			V3_CHKPT_MODE_SAVE)), -ECONNREFUSED);
	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_chkpt_open("net",
			"connect:[::1]:47198,timeout=2",
			V3_CHKPT_MODE_LOAD)), -ECONNREFUSED);
}

static void net_accept_timeout(struct kunit *test)
{
	unsigned long t0 = jiffies;

	KUNIT_EXPECT_EQ(test, PTR_ERR(v3_chkpt_open("net",
			"listen:127.0.0.1:47199,timeout=1",
			V3_CHKPT_MODE_LOAD)), -ETIMEDOUT);
	KUNIT_EXPECT_GE(test, jiffies - t0, HZ - HZ / 10);
	KUNIT_EXPECT_LT(test, jiffies - t0, 10UL * HZ);
}

static const char * const net_bad_urls[] = {
	"", "listen", "listen:", "listen:127.0.0.1", "listen:127.0.0.1:",
	"accept:127.0.0.1:47000", "LISTEN:127.0.0.1:47000",
	"listen:127.0.0.1:0", "listen:127.0.0.1:65536",
	"listen:127.0.0.1:+470", "listen:127.0.0.1:47000x",
	"listen:127.0.0.1:47000\n", "listen: 127.0.0.1:47000",
	"listen:127.0.0.256:47000", "listen:1.2.3:47000",
	"listen:localhost:47000", "listen:[::1:47000", "listen:[]:47000",
	"listen:[::1]47000", "listen:::1:47000", "listen:[127.0.0.1]:47000",
	"listen:[fe80::1%lo]:47000",
	"connect:0.0.0.0:47000", "connect:[::]:47000",
	"listen:127.0.0.1:47000,", "listen:127.0.0.1:47000,,timeout=1",
	"listen:127.0.0.1:47000,timeout", "listen:127.0.0.1:47000,timeout=",
	"listen:127.0.0.1:47000,timeout=0",
	"listen:127.0.0.1:47000,timeout=3601",
	"listen:127.0.0.1:47000,timeout=1,timeout=1",
	"listen:127.0.0.1:47000,foo=1",
	"listen:127.0.0.1:47000,key=00112233445566778899aabbccddee",
	"listen:127.0.0.1:47000,key=" NET_KEY1 "0",
	"listen:127.0.0.1:47000,key=" NET_KEY1 "zz",
	"listen:127.0.0.1:47000,key=" NET_KEY1 NET_KEY1 NET_KEY1 NET_KEY1
		"00",
	"listen:127.0.0.1:47000,key=" NET_KEY1 ",key=" NET_KEY1,
};

static void net_malformed_urls(struct kunit *test)
{
	struct v3_net_url u;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(net_bad_urls); i++) {
		const char *url = net_bad_urls[i];
		int ret = v3_net_parse_url(url, &u);

		KUNIT_EXPECT_EQ_MSG(test, ret, -EINVAL, "url \"%s\"", url);
		/* only a refused URL goes near a socket: none may block */
		if (ret == -EINVAL)
			KUNIT_EXPECT_EQ_MSG(test, PTR_ERR(v3_chkpt_open("net",
					    url, i & 1 ? V3_CHKPT_MODE_SAVE :
					    V3_CHKPT_MODE_LOAD)), -EINVAL,
					    "url \"%s\"", url);
	}
}

static void net_url_grammar(struct kunit *test)
{
	struct sockaddr_in6 *sin6;
	struct sockaddr_in *sin;
	struct v3_net_url u;

	KUNIT_ASSERT_EQ(test, v3_net_parse_url("listen:0.0.0.0:1", &u), 0);
	sin = (struct sockaddr_in *)&u.addr;
	KUNIT_EXPECT_TRUE(test, u.listen);
	KUNIT_EXPECT_EQ(test, sin->sin_family, (sa_family_t)AF_INET);
	KUNIT_EXPECT_EQ(test, ntohs(sin->sin_port), 1);
	KUNIT_EXPECT_EQ(test, u.timeout, 30U);
	KUNIT_EXPECT_EQ(test, u.keylen, 0UL);

	KUNIT_ASSERT_EQ(test, v3_net_parse_url("connect:[::1]:65535,timeout=3600,key="
					       NET_KEY1 NET_KEY1 NET_KEY1
					       "AABBCCDDEEFF00112233445566778899",
					       &u), 0);
	sin6 = (struct sockaddr_in6 *)&u.addr;
	KUNIT_EXPECT_FALSE(test, u.listen);
	KUNIT_EXPECT_EQ(test, sin6->sin6_family, (sa_family_t)AF_INET6);
	KUNIT_EXPECT_EQ(test, ntohs(sin6->sin6_port), 65535);
	KUNIT_EXPECT_TRUE(test, ipv6_addr_loopback(&sin6->sin6_addr));
	KUNIT_EXPECT_EQ(test, u.timeout, 3600U);
	KUNIT_EXPECT_EQ(test, u.keylen, 64UL);
	KUNIT_EXPECT_EQ(test, u.key[63], 0x99);

	KUNIT_ASSERT_EQ(test, v3_net_parse_url("connect:10.1.2.3:8,key="
					       NET_KEY1, &u), 0);
	KUNIT_EXPECT_EQ(test, u.keylen, 16UL);
	KUNIT_EXPECT_EQ(test, u.key[15], 0xff);
}

static struct kunit_case netstore_cases[] = {
	KUNIT_CASE(net_url_grammar),
	KUNIT_CASE(net_malformed_urls),
	KUNIT_CASE(net_no_listener),
	KUNIT_CASE(net_accept_timeout),
	KUNIT_CASE(net_roundtrip_ipv4_saver_listens),
	KUNIT_CASE(net_roundtrip_ipv4_loader_listens),
	KUNIT_CASE(net_roundtrip_ipv6_saver_listens),
	KUNIT_CASE(net_roundtrip_ipv6_loader_listens),
	KUNIT_CASE(net_roundtrip_key),
	KUNIT_CASE(net_wrong_key),
	KUNIT_CASE(net_key_on_one_end),
	KUNIT_CASE(net_both_save),
	KUNIT_CASE(net_receiver_abandons),
	KUNIT_CASE(net_sender_aborts),
	KUNIT_CASE(net_corrupt_frame),
	KUNIT_CASE(net_abort_errno_is_fixed),
	KUNIT_CASE(net_ack_errno_is_fixed),
	KUNIT_CASE(net_huge_blob_refused),
	KUNIT_CASE(net_bad_frame_type),
	KUNIT_CASE(net_bad_frame_lengths),
	KUNIT_CASE(net_peer_quiet_then_gone),
	KUNIT_CASE(net_killed_while_waiting),
	{}
};

static struct kunit_suite netstore_suite = {
	.name = "v3chkpt_netstore",
	.test_cases = netstore_cases,
};
kunit_test_suite(netstore_suite);
