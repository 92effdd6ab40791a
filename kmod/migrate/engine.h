/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pre-copy engine, generic over units (after QEMU's SaveVMHandlers
 * and VirtualBox SSM's live callbacks).  It knows no VM: what it moves is
 * a list of units, what it runs on is a host (pause, resume, throttle),
 * and where the bytes go is a channel.  Guest memory is a live unit fed
 * by the dirty tracker; vCPU and device state is a unit with nothing to
 * send before the switchover.
 */
#ifndef _V3CHKPT_MIGRATE_ENGINE_H
#define _V3CHKPT_MIGRATE_ENGINE_H

#include <linux/types.h>
#include "converge.h"

struct v3_mig_chan;
struct v3_mig_status;

/* One unit of state, on the source side. */
struct v3_mig_unit_ops {
	const char *name;
	/* Before round 0: e.g. start tracking.  Undone by cleanup. */
	int (*setup)(void *unit);
	/*
	 * Send what is pending now through @ch (round 0: everything); add
	 * the bytes sent to *@sent.  The guest runs meanwhile.
	 */
	int (*iterate)(void *unit, struct v3_mig_chan *ch, u64 *sent);
	/* Bytes still to send: what the guest dirtied since the last send. */
	u64 (*pending)(void *unit);
	/* The guest is paused: send all that is left. */
	int (*complete)(void *unit, struct v3_mig_chan *ch, u64 *sent);
	/* Always called once setup succeeded; @done: the migration ended well. */
	void (*cleanup)(void *unit, bool done);
};

struct v3_mig_unit {
	const struct v3_mig_unit_ops *ops;
	void *priv;
};

/* What the engine runs against: the source VM, seen from outside. */
struct v3_mig_host_ops {
	/* Stop the guest at a step boundary; *@was_running for resume. */
	int (*pause)(void *host, bool *was_running);
	void (*resume)(void *host);
	/* Take @pct % (0: none) of each vCPU's time away. */
	void (*throttle)(void *host, u32 pct);
	/* Optional: the status changed (a round ended, a state began). */
	void (*report)(void *host, const struct v3_mig_status *st);
};

/* Where the bytes go: the destination acknowledges each round. */
struct v3_mig_chan_ops {
	/* Everything of round @round was sent: wait for its ack. */
	int (*round_end)(struct v3_mig_chan *ch, u32 round);
	/*
	 * Optional: what a switchover would cost now besides sending the
	 * bytes left (the round trip to the destination's verdict, say),
	 * added to the expected downtime.
	 */
	u64 (*fixed_ns)(struct v3_mig_chan *ch);
};

struct v3_mig_chan {
	const struct v3_mig_chan_ops *ops;
	u64 (*now_ns)(void);	/* the clock (tests bring their own) */
};

enum v3_mig_state {
	V3_MIG_SETUP,
	V3_MIG_ROUNDS,
	V3_MIG_SWITCHOVER,
	V3_MIG_DONE,
	V3_MIG_FAILED,
};

struct v3_mig_status {
	enum v3_mig_state state;
	u32 round;
	u64 sent;		/* bytes, all rounds */
	u64 remaining;		/* bytes pending after the last round */
	u64 dirty_rate;		/* bytes/s */
	u64 bandwidth;		/* bytes/s, measured to the destination's ack */
	u64 expected_downtime_ns;
	u32 throttle;		/* % */
	u64 downtime_ns;	/* once done: pause to the end of the last round */
	u64 total_ns;
	int error;		/* -errno once failed */
};

struct v3_mig {
	struct v3_mig_unit *units;
	u32 nunits;
	const struct v3_mig_host_ops *host_ops;
	void *host;
	struct v3_mig_chan *ch;
	struct v3_conv_policy policy;
	bool cancel;		/* set by anyone (READ_ONCE'd each round) */
	struct v3_mig_status status;
};

/*
 * Run a migration to its end: 0 once every unit completed with the guest
 * paused (the caller then hands over, and decides whether to resume), or
 * -errno with the guest running as it was before, unthrottled, every unit
 * cleaned up.  -ECANCELED if cancelled, -ETIMEDOUT if it did not converge
 * within the caps, -EAGAIN if the guest outran the link (on_stall abort).
 */
int v3_mig_run(struct v3_mig *m);

#endif /* _V3CHKPT_MIGRATE_ENGINE_H */
