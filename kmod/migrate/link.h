/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A migration's connection (docs/MIGRATION.md, "Protocol"): the net
 * store's authenticated frames, both ways.  The source's stream goes in
 * DATA frames; the two ends speak in fixed-size MIG messages between
 * them.  The destination's reader answers ROUND messages as it meets them
 * in the stream, once everything before them has been applied.
 */
#ifndef _V3CHKPT_MIGRATE_LINK_H
#define _V3CHKPT_MIGRATE_LINK_H

#include <linux/types.h>
#include <uapi/linux/v3chkpt.h>
#include "../../stores/net.h"
#include "converge.h"

enum v3_mig_kind {
	V3_MIG_ACCEPT = 1,	/* dst: the handshake is accepted */
	V3_MIG_REFUSE,		/* dst: errno, reason; it destroys its VM */
	V3_MIG_ROUND,		/* src: round @round was sent (flag: last) */
	V3_MIG_ACK,		/* dst: round @round applied; bytes so far */
	V3_MIG_COMMIT,		/* dst: the state is whole, digest equal */
	V3_MIG_GO,		/* src: its VM is stopped for good: run */
	V3_MIG_KINDS
};

#define V3_MIG_F_LAST	BIT(0)	/* ROUND: the final round: END follows */
#define V3_MIG_REASON_MAX	(V3_NET_MIG_LEN - 32)

struct v3_mig_msg {
	__le32 kind;
	__le32 round;
	__le32 flags;
	__le32 reserved;	/* 0 */
	__le64 value;		/* ACK: bytes; COMMIT: digest; REFUSE: errno */
	__le64 reserved2;	/* 0 */
	char reason[V3_MIG_REASON_MAX];	/* REFUSE: NUL-terminated */
} __packed;

struct v3_mig_link {
	struct v3_net_conn c;
	u8 *buf;		/* one DATA frame's payload */
	u32 len;		/* src: bytes waiting; dst: the frame's size */
	u32 pos;		/* dst: bytes of @buf already read */
	int error;		/* sticky */
	bool peer_bad;		/* @error: the peer broke the protocol */
	u64 bytes;		/* stream bytes sent / received */
	struct v3_ratelimit rl;	/* src: --max-bandwidth */
	/* dst: the next ROUND expected, and what answers it */
	u32 next_round;
	bool last_seen;
	/* why the peer refused or the link failed, for the status */
	char why[V3CHKPT_ERRMSG_MAX];
};

int v3_mig_link_open(struct v3_mig_link *l, const char *url, bool sender,
		     struct net *net, u64 max_bw);
void v3_mig_link_close(struct v3_mig_link *l);
/* The stream, as store operations for v3_chkpt_open_live(). */
extern const struct v3_chkpt_store_ops v3_mig_link_ops;
int v3_mig_link_flush(struct v3_mig_link *l);
int v3_mig_send(struct v3_mig_link *l, u32 kind, u32 round, u32 flags,
		u64 value);
int v3_mig_refuse(struct v3_mig_link *l, int err, const char *reason);
/*
 * The next message, which must be of a kind in @mask: a REFUSE is
 * returned as the errno the peer gave (one a user can act on, else
 * ECANCELED) with its reason in l->why; anything else is EPROTO.
 */
int v3_mig_recv(struct v3_mig_link *l, u32 mask, struct v3_mig_msg *m);

#endif /* _V3CHKPT_MIGRATE_LINK_H */
