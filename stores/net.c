// SPDX-License-Identifier: GPL-2.0
/*
 * The net store ("net:listen:HOST:PORT[,key=HEX][,timeout=S]" or
 * "net:connect:..."): a checkpoint stream over one in-kernel TCP
 * connection.  Either end may listen.  The save side sends the stream in
 * frames and, on commit, waits for the load side's verdict, so a save over
 * the network succeeds only once the peer has verified every byte.  The
 * protocol is in docs/NET.md and stores/net_proto.c.
 */
#define pr_fmt(fmt) "v3chkpt net: " fmt

#include <linux/inet.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include "../kmod/kunit_export.h"
#include "net.h"

struct v3_net_priv {
	struct v3_net_conn c;
	u8 *buf;	/* one frame's payload */
	u32 len;	/* save: bytes waiting in @buf; load: the frame's size */
	u32 pos;	/* load: bytes of @buf already returned */
	int error;	/* sticky: the connection is unusable */
	bool ended;	/* load: END received */
};

/* ------------------------------------------------------------- the URL */

/* Decimal digits only (kstrto* alone would take "+1" and "1\n"). */
static int v3_net_parse_num(const char *s, unsigned int min,
			    unsigned int max, unsigned int *out)
{
	size_t n = strspn(s, "0123456789");

	if (!n || n > 5 || s[n] || kstrtouint(s, 10, out))
		return -EINVAL;
	return *out < min || *out > max ? -EINVAL : 0;
}

/* "A.B.C.D:PORT" or "[IPV6]:PORT"; @s is modified. */
static int v3_net_parse_addr(char *s, struct v3_net_url *u)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&u->addr;
	struct sockaddr_in *sin = (struct sockaddr_in *)&u->addr;
	unsigned int port;
	const char *end;
	char *sep;

	if (*s == '[') {
		sep = strchr(s, ']');
		if (!sep || sep == s + 1 || sep[1] != ':' ||
		    !in6_pton(s + 1, sep - s - 1, sin6->sin6_addr.s6_addr, -1,
			      &end) || end != sep)
			return -EINVAL;
		sep++;
		sin6->sin6_family = AF_INET6;
		u->addrlen = sizeof(*sin6);
	} else {
		sep = strchr(s, ':');
		if (!sep || !in4_pton(s, sep - s, (u8 *)&sin->sin_addr.s_addr,
				      -1, &end) || end != sep)
			return -EINVAL;
		sin->sin_family = AF_INET;
		u->addrlen = sizeof(*sin);
	}
	if (v3_net_parse_num(sep + 1, 1, U16_MAX, &port))
		return -EINVAL;
	/* sin_port and sin6_port sit at the same offset */
	sin->sin_port = htons(port);
	return 0;
}

static bool v3_net_addr_any(const struct v3_net_url *u)
{
	if (u->addr.ss_family == AF_INET)
		return ((struct sockaddr_in *)&u->addr)->sin_addr.s_addr ==
		       htonl(INADDR_ANY);
	return ipv6_addr_any(&((struct sockaddr_in6 *)&u->addr)->sin6_addr);
}

#define V3_NET_OPT_KEY		BIT(0)
#define V3_NET_OPT_TIMEOUT	BIT(1)

static int v3_net_parse_opt(char *opt, struct v3_net_url *u,
			    unsigned int *seen)
{
	char *val = strchr(opt, '=');
	size_t n;

	if (!val)
		return -EINVAL;
	*val++ = '\0';
	if (!strcmp(opt, "key") && !(*seen & V3_NET_OPT_KEY)) {
		*seen |= V3_NET_OPT_KEY;
		n = strlen(val);
		if (n % 2 || n < 2 * V3_NET_KEY_MIN || n > 2 * V3_NET_KEY_MAX ||
		    hex2bin(u->key, val, n / 2))
			return -EINVAL;
		u->keylen = n / 2;
		return 0;
	}
	if (!strcmp(opt, "timeout") && !(*seen & V3_NET_OPT_TIMEOUT)) {
		*seen |= V3_NET_OPT_TIMEOUT;
		return v3_net_parse_num(val, 1, V3_NET_TIMEOUT_MAX,
					&u->timeout);
	}
	return -EINVAL;		/* unknown or repeated */
}

int v3_net_parse_url(const char *url, struct v3_net_url *u)
{
	unsigned int seen = 0;
	char *s, *p, *addr;
	int ret;

	memset(u, 0, sizeof(*u));
	u->timeout = V3_NET_TIMEOUT_DEF;
	s = kstrdup(url, GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	p = s;
	addr = strsep(&p, ",");
	if (str_has_prefix(addr, "listen:")) {
		u->listen = true;
		ret = v3_net_parse_addr(addr + strlen("listen:"), u);
	} else if (str_has_prefix(addr, "connect:")) {
		ret = v3_net_parse_addr(addr + strlen("connect:"), u);
	} else {
		ret = -EINVAL;
	}
	while (!ret && p)
		ret = v3_net_parse_opt(strsep(&p, ","), u, &seen);
	if (!ret && !u->listen && v3_net_addr_any(u))
		ret = -EINVAL;		/* nowhere to connect to */
	kfree_sensitive(s);		/* it held the key */
	if (ret)
		memzero_explicit(u->key, sizeof(u->key));
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_net_parse_url);

/* ------------------------------------------------------- the connection */

static void v3_net_set_timeouts(struct socket *sock, unsigned int secs)
{
	struct sock *sk = sock->sk;

	lock_sock(sk);
	sk->sk_sndtimeo = (long)secs * HZ;	/* send, and a blocking connect */
	sk->sk_rcvtimeo = (long)secs * HZ;	/* receive, and accept */
	release_sock(sk);
}

/*
 * A kernel socket in the caller's namespace that pins the namespace as a
 * user's socket would (as cifs does): the session may outlive the ioctl.
 */
static int v3_net_socket(const struct v3_net_url *u, struct socket **out)
{
	struct net *net = u->net ?: current->nsproxy ? current->nsproxy->net_ns :
						       &init_net;
	struct socket *sock;
	struct sock *sk;
	int ret;

	ret = sock_create_kern(net, u->addr.ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &sock);
	if (ret)
		return ret;
	sk = sock->sk;
	sk->sk_net_refcnt = 1;
	get_net_track(net, &sk->ns_tracker, GFP_KERNEL);
	sock_inuse_add(net, 1);
	v3_net_set_timeouts(sock, u->timeout);
	*out = sock;
	return 0;
}

/* Listen, take one peer within the timeout, and stop listening. */
static int v3_net_accept(struct v3_net_conn *c, const struct v3_net_url *u)
{
	struct socket *lsock;
	const char *what;
	int ret;

	what = "socket";
	ret = v3_net_socket(u, &lsock);
	if (ret)
		goto out;
	sock_set_reuseaddr(lsock->sk);
	what = "bind";
	ret = kernel_bind(lsock, (struct sockaddr *)&u->addr, u->addrlen);
	if (!ret) {
		what = "listen";
		ret = kernel_listen(lsock, 1);
	}
	if (!ret) {
		what = "accept";
		ret = v3_net_errno(kernel_accept(lsock, &c->sock, 0));
	}
	sock_release(lsock);
out:
	if (ret == -ETIMEDOUT)
		v3_net_warn(c, "no peer connected within %u s", u->timeout);
	else if (ret)
		v3_net_warn(c, "listening: %s failed (%d)", what, ret);
	return ret;
}

static int v3_net_dial(struct v3_net_conn *c, const struct v3_net_url *u)
{
	int ret = v3_net_socket(u, &c->sock);

	if (!ret) {
		ret = kernel_connect(c->sock, (struct sockaddr *)&u->addr,
				     u->addrlen, 0);
		/* a blocking connect that outlives SO_SNDTIMEO */
		if (ret == -EINPROGRESS || ret == -EALREADY)
			ret = -ETIMEDOUT;
		ret = v3_net_errno(ret);
	}
	if (ret) {
		v3_net_warn(c, "connect failed (%d)", ret);
		if (c->sock)
			sock_release(c->sock);
		c->sock = NULL;
	}
	return ret;
}

int v3_net_establish(struct v3_net_conn *c, const struct v3_net_url *u)
{
	int ret;

	memcpy(&c->peer, &u->addr, sizeof(c->peer));	/* until we know */
	ret = u->listen ? v3_net_accept(c, u) : v3_net_dial(c, u);
	if (ret)
		return ret;
	if (kernel_getpeername(c->sock, (struct sockaddr *)&c->peer) < 0)
		memcpy(&c->peer, &u->addr, sizeof(c->peer));
	v3_net_set_timeouts(c->sock, u->timeout);
	tcp_sock_set_nodelay(c->sock->sk);	/* frames are whole already */
	return 0;
}
V3_EXPORT_FOR_TESTS(v3_net_establish);

/* ----------------------------------------------------------- store ops */

static void v3_net_free(struct v3_net_priv *p)
{
	v3_net_conn_close(&p->c);
	kvfree(p->buf);
	kfree(p);
}

static void *v3_net_open(const char *url, enum v3_chkpt_mode mode)
{
	struct v3_net_priv *p;
	struct v3_net_url u;
	int ret;

	ret = v3_net_parse_url(url, &u);
	if (ret) {
		/* never log the URL: it may hold the key */
		pr_info_ratelimited("malformed URL (%d), see docs/NET.md\n",
				    ret);
		return ERR_PTR(ret);
	}
	ret = -ENOMEM;
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		goto out;
	p->buf = kvmalloc(V3_NET_DATA_MAX, GFP_KERNEL);
	if (!p->buf)
		goto out;
	p->c.sender = mode == V3_CHKPT_MODE_SAVE;
	ret = v3_net_establish(&p->c, &u);
	if (!ret)
		ret = v3_net_handshake(&p->c, u.key, u.keylen);
out:
	memzero_explicit(u.key, sizeof(u.key));
	if (!ret)
		return p;
	if (p)
		v3_net_free(p);
	return ERR_PTR(ret);
}

/*
 * A send failed: the peer may have said why before it closed (an ACK
 * with its status), and that is the clearer error.
 */
static int v3_net_tx_fail(struct v3_net_priv *p, int err, const char *what)
{
	__le32 st;
	u32 type, len;

	p->error = err;
	if (err == -EPIPE || err == -ECONNRESET) {
		p->c.quiet = true;
		if (!v3_net_recv_frame(&p->c, BIT(V3_NET_ACK), &type, &st,
				       &len) && le32_to_cpu(st)) {
			p->error = V3_NET_PEER_REFUSED;
			v3_net_warn(&p->c, "%s: the receiver refused the stream (its errno %d)",
				    what, (s32)le32_to_cpu(st));
		}
		p->c.quiet = false;
	}
	if (p->error == err)
		v3_net_warn(&p->c, "%s: %s (%d)", what, v3_net_why(err), err);
	return p->error;
}

static int v3_net_send_data(struct v3_net_priv *p, const void *buf, u32 len)
{
	int ret = v3_net_send_frame(&p->c, V3_NET_DATA, buf, len);

	return ret ? v3_net_tx_fail(p, ret, "sending data") : 0;
}

static int v3_net_flush(struct v3_net_priv *p)
{
	int ret;

	if (p->error || !p->len)
		return p->error;
	ret = v3_net_send_data(p, p->buf, p->len);
	p->len = 0;
	return ret;
}

/* Small writes are gathered into frames of up to 64 KiB. */
static int v3_net_write(void *priv, const void *buf, size_t len)
{
	struct v3_net_priv *p = priv;
	int ret = p->error;

	while (len && !ret) {
		size_t n = min_t(size_t, len, V3_NET_DATA_MAX - p->len);

		if (!p->len && n == V3_NET_DATA_MAX) {
			ret = v3_net_send_data(p, buf, n);	/* no copy */
		} else {
			memcpy(p->buf + p->len, buf, n);
			p->len += n;
			if (p->len == V3_NET_DATA_MAX)
				ret = v3_net_flush(p);
		}
		buf += n;
		len -= n;
	}
	return ret;
}

/* A context is complete: let the receiver have it now. */
static int v3_net_ctx_end(void *priv)
{
	struct v3_net_priv *p = priv;

	return p->c.sender ? v3_net_flush(p) : 0;
}

/* Load: the next frame; its length for DATA, 0 for END, or -errno. */
static int v3_net_next(struct v3_net_priv *p)
{
	u32 type, len;
	s32 st;
	int ret;

	ret = v3_net_recv_frame(&p->c, BIT(V3_NET_DATA) | BIT(V3_NET_END) |
				BIT(V3_NET_ABORT), &type, p->buf, &len);
	if (ret) {
		p->error = ret;
		return ret;
	}
	if (type == V3_NET_END) {
		p->ended = true;
		return 0;
	}
	if (type == V3_NET_ABORT) {
		st = le32_to_cpu(*(__le32 *)p->buf);
		p->error = V3_NET_PEER_ABORTED;
		v3_net_warn(&p->c, "the sender gave up (its errno %d)", st);
		return p->error;
	}
	p->len = len;
	p->pos = 0;
	return len;
}

static ssize_t v3_net_read(void *priv, void *buf, size_t len)
{
	struct v3_net_priv *p = priv;
	int ret;

	if (p->error || p->ended)
		return p->error;
	if (p->pos == p->len) {
		ret = v3_net_next(p);
		if (ret <= 0)
			return ret;
	}
	len = min_t(size_t, len, p->len - p->pos);
	memcpy(buf, p->buf + p->pos, len);
	p->pos += len;
	return len;
}

static int v3_net_close_save(struct v3_net_priv *p, bool commit)
{
	__le32 st = cpu_to_le32(-ECANCELED);
	u32 type, len;
	s32 status;
	int ret;

	if (p->error)	/* a frame may be cut short: send nothing more */
		return p->error;
	if (!commit) {
		v3_net_set_timeouts(p->c.sock, 1);	/* do not linger */
		v3_net_send_frame(&p->c, V3_NET_ABORT, &st, sizeof(st));
		return 0;	/* best effort: the receiver fails either way */
	}
	ret = v3_net_flush(p);
	if (ret)
		return ret;
	ret = v3_net_send_frame(&p->c, V3_NET_END, NULL, 0);
	if (ret)
		return v3_net_tx_fail(p, ret, "sending END");
	/* Done only once the receiver has verified the whole stream. */
	ret = v3_net_recv_frame(&p->c, BIT(V3_NET_ACK), &type, &st, &len);
	if (ret)
		return ret;
	status = le32_to_cpu(st);
	if (!status)
		return 0;
	v3_net_warn(&p->c, "the receiver refused the stream (its errno %d)",
		    status);
	return V3_NET_PEER_REFUSED;
}

/* Load, committing: the sender's END must come next, and nothing else. */
static int v3_net_expect_end(struct v3_net_priv *p)
{
	int ret;

	if (p->ended)
		return 0;
	if (p->pos == p->len) {
		ret = v3_net_next(p);
		if (ret <= 0)
			return ret;
	}
	v3_net_warn(&p->c, "data after the end of the stream");
	return -EPROTO;
}

static int v3_net_close_load(struct v3_net_priv *p, bool commit)
{
	int status = -ECANCELED;
	__le32 st;
	int ret;

	if (p->error)
		status = p->error;
	else if (commit)
		status = v3_net_expect_end(p);
	if (!commit)
		v3_net_set_timeouts(p->c.sock, 1);	/* do not linger */
	st = cpu_to_le32(status);
	ret = v3_net_send_frame(&p->c, V3_NET_ACK, &st, sizeof(st));
	if (ret && commit && !status) {
		/* the sender cannot know we took it: say so here too */
		v3_net_warn(&p->c, "sending ACK: %s (%d)", v3_net_why(ret),
			    ret);
		return ret;
	}
	return commit ? status : 0;
}

static int v3_net_close(void *priv, bool commit)
{
	struct v3_net_priv *p = priv;
	int ret;

	if (p->c.sender)
		ret = v3_net_close_save(p, commit);
	else
		ret = v3_net_close_load(p, commit);
	v3_net_free(p);
	return ret;
}

static const struct v3_chkpt_store_ops v3_net_ops = {
	.open = v3_net_open,
	.write = v3_net_write,
	.read = v3_net_read,
	.ctx_end = v3_net_ctx_end,
	.close = v3_net_close,
};

struct v3_chkpt_store v3_netstore = {
	.name = "net",
	.owner = THIS_MODULE,
	.ops = &v3_net_ops,
};

int v3_netstore_init(void)
{
	return v3_chkpt_register_store(&v3_netstore);
}

void v3_netstore_exit(void)
{
	v3_chkpt_unregister_store(&v3_netstore);
}
