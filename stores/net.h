/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The net store's wire protocol (docs/NET.md): hello, optional PSK
 * handshake, then tagged frames.  Shared by stores/net.c, stores/net_proto.c
 * and the KUnit suite, which speaks the protocol itself to forge frames.
 */
#ifndef _V3CHKPT_NET_H
#define _V3CHKPT_NET_H

#include <linux/errno.h>
#include <linux/printk.h>
#include <linux/socket.h>
#include <linux/types.h>
#include <linux/uio.h>
#include <crypto/sha2.h>
#include <v3chkpt/store.h>

#define V3_NET_MAGIC		"V3CKNET1"
#define V3_NET_VERSION		1
#define V3_NET_F_KEY		BIT(0)	/* this end has a key */
#define V3_NET_F_SENDER		BIT(1)	/* this end saves */
#define V3_NET_NONCE_LEN	32
#define V3_NET_TAG_LEN		SHA256_DIGEST_SIZE
#define V3_NET_KEY_MIN		16
#define V3_NET_KEY_MAX		64
#define V3_NET_DATA_MAX		65536
#define V3_NET_TIMEOUT_DEF	30
#define V3_NET_TIMEOUT_MAX	3600

enum v3_net_type {
	V3_NET_DATA = 1,	/* 1..65536 bytes of the stream */
	V3_NET_END = 2,		/* empty: the sender finished cleanly */
	V3_NET_ABORT = 3,	/* s32 errno: the sender gave up */
	V3_NET_ACK = 4,		/* s32 status: the receiver's verdict */
	V3_NET_MIG = 5,		/* a migration's message (kmod/migrate/link.h) */
};

#define V3_NET_MIG_LEN		256	/* a migration message, fixed */

struct v3_net_hello {
	u8 magic[8];
	__le32 version;
	__le32 flags;
	u8 nonce[V3_NET_NONCE_LEN];
} __packed;

struct v3_net_frame_hdr {
	__le32 type;
	__le32 len;
} __packed;

struct v3_net_url {
	bool listen;
	struct sockaddr_storage addr;
	int addrlen;
	unsigned int timeout;	/* seconds */
	struct net *net;	/* namespace of the socket; NULL: the caller's */
	size_t keylen;		/* 0: no key */
	u8 key[V3_NET_KEY_MAX];
};

/* One connection: the socket and, with a key, the session's HMAC. */
struct v3_net_conn {
	struct socket *sock;
	struct crypto_shash *tfm;	/* NULL without a key */
	struct shash_desc *desc;
	struct sockaddr_storage peer;	/* for log lines */
	bool sender;
	bool quiet;			/* a failure here is expected */
	u64 tx_seq, rx_seq;
};

#define v3_net_warn(c, fmt, ...) do {					\
	if (!(c)->quiet)						\
		pr_warn_ratelimited("%pISpc: " fmt "\n", &(c)->peer,	\
				    ##__VA_ARGS__);			\
} while (0)

/* Socket errors as the store reports them. */
static inline int v3_net_errno(int err)
{
	if (err == -EAGAIN)		/* SO_SNDTIMEO / SO_RCVTIMEO expired */
		return -ETIMEDOUT;
	if (err == -ERESTARTSYS)	/* never restart: the ioctl is gone */
		return -EINTR;
	return err;
}

/*
 * What a peer says is never handed on as it is: its errno could mean
 * something to the layers above ("end of stream", "try again").  An ABORT
 * is ECONNABORTED to the loader, a refusing ACK ECANCELED to the saver;
 * the peer's own errno goes to the kernel log.
 */
#define V3_NET_PEER_ABORTED	(-ECONNABORTED)
#define V3_NET_PEER_REFUSED	(-ECANCELED)

/* net.c */
int v3_net_parse_url(const char *url, struct v3_net_url *u);
int v3_net_establish(struct v3_net_conn *c, const struct v3_net_url *u);

/* net_proto.c */
const char *v3_net_why(int err);
int v3_net_send(struct v3_net_conn *c, struct kvec *vec, size_t nr);
int v3_net_recv(struct v3_net_conn *c, void *buf, size_t len);
int v3_net_handshake(struct v3_net_conn *c, const u8 *key, size_t keylen);
int v3_net_frame_tag(struct v3_net_conn *c, u8 dir, u64 seq,
		     const struct v3_net_frame_hdr *h, const void *payload,
		     u8 *tag);
int v3_net_send_frame(struct v3_net_conn *c, u32 type, const void *payload,
		      u32 len);
int v3_net_recv_frame(struct v3_net_conn *c, u32 type_mask, u32 *type,
		      void *buf, u32 *len);
void v3_net_conn_close(struct v3_net_conn *c);

/* net.c: registering the store */
int v3_netstore_init(void);
void v3_netstore_exit(void);
extern struct v3_chkpt_store v3_netstore;

#endif /* _V3CHKPT_NET_H */
