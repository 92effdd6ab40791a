// SPDX-License-Identifier: GPL-2.0
/*
 * The net store's wire protocol (docs/NET.md): socket I/O that survives
 * short transfers and stops on a fatal signal, the hello and PSK
 * handshake, and HMAC-tagged frames.  Whoever detects a failure here logs
 * it, with the peer's address; plain socket errors of v3_net_send() are
 * left to the caller, which knows what it was sending.
 */
#define pr_fmt(fmt) "v3chkpt net: " fmt

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "../kmod/kunit_export.h"
#include "net.h"

static const char v3_net_label[] = "v3chkpt-net-v1";

static void v3_net_kvec_advance(struct kvec **vec, size_t *nr, size_t n)
{
	while (n && *nr) {
		size_t step = min(n, (*vec)->iov_len);

		(*vec)->iov_base += step;
		(*vec)->iov_len -= step;
		n -= step;
		if (!(*vec)->iov_len) {
			(*vec)++;
			(*nr)--;
		}
	}
}

/* Send all of @vec (which is consumed); 0 or -errno. */
int v3_net_send(struct v3_net_conn *c, struct kvec *vec, size_t nr)
{
	size_t left = 0, i;
	int ret;

	for (i = 0; i < nr; i++)
		left += vec[i].iov_len;
	while (left) {
		struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };

		/* a wait inside ends on a signal; check between the calls */
		ret = kernel_sendmsg(c->sock, &msg, vec, nr, left);
		if (ret <= 0)
			return ret ? v3_net_errno(ret) : -EPIPE;
		left -= ret;
		v3_net_kvec_advance(&vec, &nr, ret);
		if (left && fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_net_send);

/* Receive exactly @len bytes; a connection closed first is -ECONNRESET. */
int v3_net_recv(struct v3_net_conn *c, void *buf, size_t len)
{
	int ret;

	while (len) {
		struct kvec v = { .iov_base = buf, .iov_len = len };
		struct msghdr msg = { };

		ret = kernel_recvmsg(c->sock, &msg, &v, 1, len, 0);
		if (ret <= 0)
			return ret ? v3_net_errno(ret) : -ECONNRESET;
		buf += ret;
		len -= ret;
		if (len && fatal_signal_pending(current))
			return -EINTR;
	}
	return 0;
}

/* Words for a log line. */
const char *v3_net_why(int err)
{
	switch (err) {
	case -ECONNRESET:
		return "connection closed by the peer";
	case -EPIPE:
		return "connection broken";
	case -ETIMEDOUT:
		return "peer silent past the timeout";
	case -EINTR:
		return "interrupted by a signal";
	default:
		return "socket error";
	}
}

static int v3_net_mac(struct v3_net_conn *c, const struct kvec *parts,
		      size_t nr, u8 *out)
{
	int ret = crypto_shash_init(c->desc);
	size_t i;

	for (i = 0; i < nr && !ret; i++)
		ret = crypto_shash_update(c->desc, parts[i].iov_base,
					  parts[i].iov_len);
	return ret ?: crypto_shash_final(c->desc, out);
}

/* K = HMAC(psk, label || sender nonce || receiver nonce); then key by K. */
static int v3_net_session_key(struct v3_net_conn *c, const u8 *psk,
			      size_t psklen, const struct v3_net_hello *s,
			      const struct v3_net_hello *r)
{
	struct kvec parts[] = {
		{ .iov_base = (void *)v3_net_label,
		  .iov_len = sizeof(v3_net_label) - 1 },
		{ .iov_base = (void *)s->nonce, .iov_len = V3_NET_NONCE_LEN },
		{ .iov_base = (void *)r->nonce, .iov_len = V3_NET_NONCE_LEN },
	};
	u8 k[SHA256_DIGEST_SIZE];
	int ret;

	c->tfm = crypto_alloc_shash("hmac(sha256)", 0, 0);
	if (IS_ERR(c->tfm)) {
		ret = PTR_ERR(c->tfm);
		c->tfm = NULL;
		return ret;
	}
	c->desc = kmalloc(sizeof(*c->desc) + crypto_shash_descsize(c->tfm),
			  GFP_KERNEL);
	if (!c->desc)
		return -ENOMEM;
	c->desc->tfm = c->tfm;
	ret = crypto_shash_setkey(c->tfm, psk, psklen);
	ret = ret ?: v3_net_mac(c, parts, ARRAY_SIZE(parts), k);
	ret = ret ?: crypto_shash_setkey(c->tfm, k, sizeof(k));
	memzero_explicit(k, sizeof(k));
	return ret;
}

static int v3_net_proof(struct v3_net_conn *c, u8 role, u8 *out)
{
	struct kvec parts[] = {
		{ .iov_base = "auth", .iov_len = 4 },
		{ .iov_base = &role, .iov_len = 1 },
	};

	return v3_net_mac(c, parts, ARRAY_SIZE(parts), out);
}

/* Both ends prove they hold the PSK before a byte of the stream moves. */
static int v3_net_prove(struct v3_net_conn *c, const u8 *psk, size_t psklen,
			const struct v3_net_hello *mine,
			const struct v3_net_hello *peer)
{
	u8 proof[V3_NET_TAG_LEN], want[V3_NET_TAG_LEN], got[V3_NET_TAG_LEN];
	struct kvec v = { .iov_base = proof, .iov_len = sizeof(proof) };
	int ret;

	ret = v3_net_session_key(c, psk, psklen, c->sender ? mine : peer,
				 c->sender ? peer : mine);
	ret = ret ?: v3_net_proof(c, c->sender ? 'S' : 'R', proof);
	ret = ret ?: v3_net_proof(c, c->sender ? 'R' : 'S', want);
	if (ret) {
		v3_net_warn(c, "HMAC-SHA256 unavailable: %d", ret);
		return ret;
	}
	ret = v3_net_send(c, &v, 1);
	ret = ret ?: v3_net_recv(c, got, sizeof(got));
	if (ret) {
		v3_net_warn(c, "key proof: %s (%d)", v3_net_why(ret), ret);
		return ret;
	}
	if (crypto_memneq(got, want, sizeof(want))) {
		v3_net_warn(c, "the peer's key differs from ours");
		return -EKEYREJECTED;
	}
	return 0;
}

static int v3_net_check_hello(struct v3_net_conn *c, bool keyed,
			      const struct v3_net_hello *h)
{
	u32 flags = le32_to_cpu(h->flags);

	if (memcmp(h->magic, V3_NET_MAGIC, sizeof(h->magic)) ||
	    le32_to_cpu(h->version) != V3_NET_VERSION ||
	    (flags & ~(V3_NET_F_KEY | V3_NET_F_SENDER))) {
		v3_net_warn(c, "not a v3chkpt net peer, or another version");
		return -EPROTO;
	}
	if (!!(flags & V3_NET_F_SENDER) == c->sender) {
		v3_net_warn(c, "both ends %s", c->sender ? "save" : "load");
		return -EPROTO;
	}
	if (!!(flags & V3_NET_F_KEY) != keyed) {
		v3_net_warn(c, "%s", keyed ? "the peer has no key" :
			    "the peer requires a key");
		return -EKEYREJECTED;
	}
	return 0;
}

int v3_net_handshake(struct v3_net_conn *c, const u8 *psk, size_t psklen)
{
	struct v3_net_hello mine = {
		.version = cpu_to_le32(V3_NET_VERSION),
		.flags = cpu_to_le32((psklen ? V3_NET_F_KEY : 0) |
				     (c->sender ? V3_NET_F_SENDER : 0)),
	}, peer;
	struct kvec v = { .iov_base = &mine, .iov_len = sizeof(mine) };
	int ret;

	memcpy(mine.magic, V3_NET_MAGIC, sizeof(mine.magic));
	get_random_bytes(mine.nonce, sizeof(mine.nonce));
	/* Both ends send first: a hello always fits in the socket buffer. */
	ret = v3_net_send(c, &v, 1);
	ret = ret ?: v3_net_recv(c, &peer, sizeof(peer));
	if (ret) {
		v3_net_warn(c, "hello: %s (%d)", v3_net_why(ret), ret);
		return ret;
	}
	ret = v3_net_check_hello(c, psklen, &peer);
	if (ret || !psklen)
		return ret;
	return v3_net_prove(c, psk, psklen, &mine, &peer);
}
V3_EXPORT_FOR_TESTS(v3_net_handshake);

int v3_net_frame_tag(struct v3_net_conn *c, u8 dir, u64 seq,
		     const struct v3_net_frame_hdr *h, const void *payload,
		     u8 *tag)
{
	__le64 s = cpu_to_le64(seq);
	struct kvec parts[] = {
		{ .iov_base = &dir, .iov_len = 1 },
		{ .iov_base = &s, .iov_len = sizeof(s) },
		{ .iov_base = (void *)h, .iov_len = sizeof(*h) },
		{ .iov_base = (void *)payload, .iov_len = le32_to_cpu(h->len) },
	};

	return v3_net_mac(c, parts, ARRAY_SIZE(parts), tag);
}
V3_EXPORT_FOR_TESTS(v3_net_frame_tag);

int v3_net_send_frame(struct v3_net_conn *c, u32 type, const void *payload,
		      u32 len)
{
	struct v3_net_frame_hdr h = {
		.type = cpu_to_le32(type), .len = cpu_to_le32(len),
	};
	u8 tag[V3_NET_TAG_LEN];
	struct kvec vec[] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)payload, .iov_len = len },
		{ .iov_base = tag, .iov_len = sizeof(tag) },
	};
	int ret;

	if (c->tfm) {
		ret = v3_net_frame_tag(c, c->sender ? 'S' : 'R', c->tx_seq, &h,
				       payload, tag);
		if (ret)
			return ret;
	}
	ret = v3_net_send(c, vec, c->tfm ? 3 : 2);
	if (!ret)
		c->tx_seq++;
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_net_send_frame);

static bool v3_net_len_ok(u32 type, u32 len)
{
	switch (type) {
	case V3_NET_DATA:
		return len && len <= V3_NET_DATA_MAX;
	case V3_NET_END:
		return !len;
	case V3_NET_ABORT:
	case V3_NET_ACK:
		return len == sizeof(s32);
	case V3_NET_MIG:
		return len == V3_NET_MIG_LEN;
	default:
		return false;
	}
}

/*
 * Receive one frame of a type in @type_mask (BIT(type)) into @buf, which
 * holds V3_NET_DATA_MAX bytes if DATA is allowed, else 4.  With a key the
 * tag is checked before the caller sees a byte of the payload.
 */
int v3_net_recv_frame(struct v3_net_conn *c, u32 type_mask, u32 *type,
		      void *buf, u32 *len)
{
	u8 tag[V3_NET_TAG_LEN], want[V3_NET_TAG_LEN];
	struct v3_net_frame_hdr h;
	u32 t, n;
	int ret;

	ret = v3_net_recv(c, &h, sizeof(h));
	if (ret)
		goto io_err;
	t = le32_to_cpu(h.type);
	n = le32_to_cpu(h.len);
	if (t >= 32 || !(type_mask & BIT(t)) || !v3_net_len_ok(t, n)) {
		v3_net_warn(c, "bad frame %llu: type %u length %u", c->rx_seq,
			    t, n);
		return -EPROTO;
	}
	ret = v3_net_recv(c, buf, n);
	if (!ret && c->tfm)
		ret = v3_net_recv(c, tag, sizeof(tag));
	if (ret)
		goto io_err;
	if (c->tfm) {
		ret = v3_net_frame_tag(c, c->sender ? 'R' : 'S', c->rx_seq, &h,
				       buf, want);
		if (ret)
			return ret;
		if (crypto_memneq(tag, want, sizeof(want))) {
			v3_net_warn(c, "frame %llu fails its HMAC tag",
				    c->rx_seq);
			return -EBADMSG;
		}
	}
	c->rx_seq++;
	*type = t;
	*len = n;
	return 0;

io_err:
	v3_net_warn(c, "%s (frame %llu): %s (%d)",
		    type_mask == BIT(V3_NET_ACK) ? "waiting for the ACK" :
		    "receiving the stream", c->rx_seq, v3_net_why(ret), ret);
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_net_recv_frame);

void v3_net_conn_close(struct v3_net_conn *c)
{
	if (c->sock) {
		kernel_sock_shutdown(c->sock, SHUT_RDWR);
		sock_release(c->sock);
		c->sock = NULL;
	}
	kfree_sensitive(c->desc);	/* HMAC state derived from K */
	c->desc = NULL;
	crypto_free_shash(c->tfm);	/* wipes the key */
	c->tfm = NULL;
}
V3_EXPORT_FOR_TESTS(v3_net_conn_close);
