// SPDX-License-Identifier: GPL-2.0
/*
 * A migration's connection: the stream in DATA frames (paced by the
 * bandwidth cap), MIG messages both ways.  On the destination, the
 * stream's reader meets the source's ROUND messages between the records
 * and acknowledges each: everything the round sent has then been read
 * and applied, since the reader asks for more only once it has.
 */
#define pr_fmt(fmt) "v3chkpt migrate: " fmt

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/stdarg.h>
#include <linux/string.h>
#include <v3chkpt/store.h>
#include "../kunit_export.h"
#include "link.h"

int v3_mig_link_open(struct v3_mig_link *l, const char *url, bool sender,
		     struct net *net, u64 max_bw)
{
	struct v3_net_url u;
	int ret;

	memset(l, 0, sizeof(*l));
	ret = v3_net_parse_url(url, &u);
	if (ret) {
		strscpy(l->why, "malformed URL", sizeof(l->why));
		return ret;
	}
	u.net = net;
	l->buf = kvmalloc(V3_NET_DATA_MAX, GFP_KERNEL);
	ret = -ENOMEM;
	if (!l->buf)
		goto out;
	l->c.sender = sender;
	ret = v3_net_establish(&l->c, &u);
	if (ret) {
		snprintf(l->why, sizeof(l->why), "%s failed: %s",
			 u.listen ? "waiting for the peer" : "connecting",
			 v3_net_why(ret));
		goto out;
	}
	ret = v3_net_handshake(&l->c, u.key, u.keylen);
	if (ret)
		snprintf(l->why, sizeof(l->why),
			 "the handshake with the peer failed (%d): a wrong or missing key?",
			 ret);
	v3_ratelimit_init(&l->rl, max_bw, ktime_get_ns());
out:
	memzero_explicit(u.key, sizeof(u.key));
	if (ret)
		v3_mig_link_close(l);
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_mig_link_open);

void v3_mig_link_close(struct v3_mig_link *l)
{
	v3_net_conn_close(&l->c);
	kvfree(l->buf);
	l->buf = NULL;
}
V3_EXPORT_FOR_TESTS(v3_mig_link_close);

/* A failure of the link itself, said once. */
static int link_fail(struct v3_mig_link *l, int err, const char *what)
{
	if (!l->error) {
		l->error = err;
		if (!l->why[0])
			snprintf(l->why, sizeof(l->why), "%s: %s (%d)", what,
				 v3_net_why(err), err);
	}
	return l->error;
}

/* Under the bandwidth cap, wait until @n bytes may go. */
static int link_pace(struct v3_mig_link *l, size_t n)
{
	u64 wait = v3_ratelimit_take(&l->rl, n, ktime_get_ns());

	if (wait)
		schedule_timeout_interruptible(nsecs_to_jiffies(wait) ?: 1);
	return fatal_signal_pending(current) ? -EINTR : 0;
}

static int link_send_data(struct v3_mig_link *l, const void *buf, u32 len)
{
	int ret = link_pace(l, len);

	if (!ret)
		ret = v3_net_send_frame(&l->c, V3_NET_DATA, buf, len);
	if (ret)
		return link_fail(l, ret, "sending the stream");
	l->bytes += len;
	return 0;
}

int v3_mig_link_flush(struct v3_mig_link *l)
{
	int ret;

	if (l->error || !l->len)
		return l->error;
	ret = link_send_data(l, l->buf, l->len);
	l->len = 0;
	return ret;
}

/* Small writes are gathered into frames of up to 64 KiB. */
static int link_write(void *priv, const void *buf, size_t len)
{
	struct v3_mig_link *l = priv;
	int ret = l->error;

	while (len && !ret) {
		size_t n = min_t(size_t, len, V3_NET_DATA_MAX - l->len);

		if (!l->len && n == V3_NET_DATA_MAX) {
			ret = link_send_data(l, buf, n);	/* no copy */
		} else {
			memcpy(l->buf + l->len, buf, n);
			l->len += n;
			if (l->len == V3_NET_DATA_MAX)
				ret = v3_mig_link_flush(l);
		}
		buf += n;
		len -= n;
	}
	return ret;
}

static const char *const kind_names[V3_MIG_KINDS] = {
	[V3_MIG_ACCEPT] = "ACCEPT", [V3_MIG_REFUSE] = "REFUSE",
	[V3_MIG_ROUND] = "ROUND", [V3_MIG_ACK] = "ACK",
	[V3_MIG_COMMIT] = "COMMIT", [V3_MIG_GO] = "GO",
};

static int link_send_msg(struct v3_mig_link *l, struct v3_mig_msg *m)
{
	int ret;

	if (l->error)
		return l->error;
	ret = v3_net_send_frame(&l->c, V3_NET_MIG, m, sizeof(*m));
	return ret ? link_fail(l, ret, "sending a message") : 0;
}

int v3_mig_send(struct v3_mig_link *l, u32 kind, u32 round, u32 flags,
		u64 value)
{
	struct v3_mig_msg m = {
		.kind = cpu_to_le32(kind), .round = cpu_to_le32(round),
		.flags = cpu_to_le32(flags), .value = cpu_to_le64(value),
	};

	return link_send_msg(l, &m);
}
V3_EXPORT_FOR_TESTS(v3_mig_send);

int v3_mig_refuse(struct v3_mig_link *l, int err, const char *reason)
{
	struct v3_mig_msg m = {
		.kind = cpu_to_le32(V3_MIG_REFUSE),
		.value = cpu_to_le64(-err),
	};
	int ret;

	/* a peer that broke the protocol is told why: the link still works */
	if (l->error && !l->peer_bad)
		return l->error;
	strscpy(m.reason, reason ?: "", sizeof(m.reason));
	ret = v3_net_send_frame(&l->c, V3_NET_MIG, &m, sizeof(m));
	return ret ? link_fail(l, ret, "sending a message") : 0;
}

/* What a refusing peer said is handed on only where it means one thing. */
static int refusal_errno(u64 value)
{
	switch (value) {
	case ENOMEM: case EEXIST: case EOPNOTSUPP: case ERANGE:
	case EBADMSG: case EPROTO: case EINVAL: case ENOSPC:
	case ECANCELED: case EBUSY: case EIO: case EPROTONOSUPPORT:
		return -(int)value;
	default:
		return -ECANCELED;
	}
}

static __printf(2, 3) int link_bad_msg(struct v3_mig_link *l,
					 const char *fmt, ...)
{
	va_list ap;

	if (!l->error) {
		va_start(ap, fmt);
		vsnprintf(l->why, sizeof(l->why), fmt, ap);
		va_end(ap);
		v3_net_warn(&l->c, "%s", l->why);
		l->error = -EPROTO;
		l->peer_bad = true;
	}
	return l->error;
}

/* Check a message as it arrived; the reason of a REFUSE is made printable. */
static int link_check_msg(struct v3_mig_link *l, struct v3_mig_msg *m,
			  u32 mask)
{
	u32 kind = le32_to_cpu(m->kind);
	size_t i;

	if (kind == 0 || kind >= V3_MIG_KINDS || m->reserved ||
	    m->reserved2 || (le32_to_cpu(m->flags) & ~V3_MIG_F_LAST))
		return link_bad_msg(l, "a malformed message (kind %u, flags 0x%x)",
				    kind, le32_to_cpu(m->flags));
	if (kind == V3_MIG_REFUSE && (mask & BIT(V3_MIG_REFUSE))) {
		m->reason[sizeof(m->reason) - 1] = '\0';
		for (i = 0; m->reason[i]; i++)
			if (m->reason[i] < 0x20 || m->reason[i] > 0x7e)
				m->reason[i] = '?';
		snprintf(l->why, sizeof(l->why), "the destination refused: %s",
			 m->reason[0] ? m->reason : "no reason given");
		l->error = refusal_errno(le64_to_cpu(m->value));
		return l->error;
	}
	if (!(mask & BIT(kind)))
		return link_bad_msg(l, "an unexpected %s message (round %u)",
				    kind_names[kind], le32_to_cpu(m->round));
	return 0;
}

int v3_mig_recv(struct v3_mig_link *l, u32 mask, struct v3_mig_msg *m)
{
	u32 type, len;
	int ret;

	if (l->error)
		return l->error;
	ret = v3_net_recv_frame(&l->c, BIT(V3_NET_MIG) | BIT(V3_NET_ABORT),
				&type, l->buf, &len);
	if (ret)
		return link_fail(l, ret, "waiting for the peer");
	if (type == V3_NET_ABORT) {
		snprintf(l->why, sizeof(l->why),
			 "the source gave up (its errno %d)",
			 (s32)le32_to_cpu(*(__le32 *)l->buf));
		l->error = V3_NET_PEER_ABORTED;
		return l->error;
	}
	memcpy(m, l->buf, sizeof(*m));
	return link_check_msg(l, m, mask | BIT(V3_MIG_REFUSE));
}
V3_EXPORT_FOR_TESTS(v3_mig_recv);

/* dst: a ROUND in the stream; everything before it has been applied. */
static int link_round(struct v3_mig_link *l, const struct v3_mig_msg *m)
{
	u32 round = le32_to_cpu(m->round);

	if (le32_to_cpu(m->flags) & V3_MIG_F_LAST)
		return link_bad_msg(l, "the last round (%u) came before the state",
				    round);
	if (round != l->next_round)
		return link_bad_msg(l, "round %u out of order (expected %u)",
				    round, l->next_round);
	l->next_round++;
	return v3_mig_send(l, V3_MIG_ACK, round, 0, l->bytes);
}

/* dst: the stream's bytes; ROUND messages between them are answered. */
static ssize_t link_read(void *priv, void *buf, size_t len)
{
	struct v3_mig_link *l = priv;
	struct v3_mig_msg m;
	u32 type, n;
	int ret;

	while (!l->error && l->pos == l->len) {
		ret = v3_net_recv_frame(&l->c, BIT(V3_NET_DATA) |
					BIT(V3_NET_MIG) | BIT(V3_NET_ABORT),
					&type, l->buf, &n);
		if (ret)
			return link_fail(l, ret, "receiving the stream");
		if (type == V3_NET_DATA) {
			l->len = n;
			l->pos = 0;
			l->bytes += n;
			break;
		}
		if (type == V3_NET_ABORT) {
			snprintf(l->why, sizeof(l->why),
				 "the source gave up (its errno %d)",
				 (s32)le32_to_cpu(*(__le32 *)l->buf));
			l->error = V3_NET_PEER_ABORTED;
			break;
		}
		memcpy(&m, l->buf, sizeof(m));
		ret = link_check_msg(l, &m, BIT(V3_MIG_ROUND));
		if (!ret)
			ret = link_round(l, &m);
		if (ret)
			return ret;
	}
	if (l->error)
		return l->error;
	len = min_t(size_t, len, l->len - l->pos);
	memcpy(buf, l->buf + l->pos, len);
	l->pos += len;
	return len;
}

const struct v3_chkpt_store_ops v3_mig_link_ops = {
	.write = link_write,
	.read = link_read,
};
