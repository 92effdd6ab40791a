/* SPDX-License-Identifier: GPL-2.0 */
/*
 * When a pre-copy migration switches over, throttles or gives up: the
 * decisions of the migration engine, kept apart from it so that they can
 * be tested on their own.  Times in ns, sizes in bytes.
 *
 * After each round the engine reports what it sent, how long that took
 * (acknowledged by the destination) and what the guest dirtied meanwhile;
 * v3_conv_round() updates the estimates and says what to do next.
 */
#ifndef _V3CHKPT_MIGRATE_CONVERGE_H
#define _V3CHKPT_MIGRATE_CONVERGE_H

#include <linux/types.h>

enum v3_conv_stall {
	V3_STALL_THROTTLE,	/* slow the vCPUs down step by step */
	V3_STALL_ABORT,		/* give up; the source runs on */
};

struct v3_conv_policy {
	u64 downtime_ns;	/* target for the final round (50 ms) */
	u32 max_rounds;		/* then abort: never an unbounded downtime */
	u64 max_time_ns;	/* the whole migration, then abort */
	u64 max_bw;		/* bytes/s cap, 0: none */
	enum v3_conv_stall on_stall;
	/* a round dirtying more than this % of what it sent stalls (50) */
	u32 stall_pct;
	u32 stall_rounds;	/* stalls in a row before acting (3) */
	u32 throttle_first;	/* % of vCPU time taken away first (20) */
	u32 throttle_step;	/* and added per stalled round after (10) */
	u32 throttle_max;	/* at most (99) */
};

enum v3_conv_next {
	V3_CONV_ROUND,		/* send another round */
	V3_CONV_SWITCHOVER,	/* what is left fits the downtime target */
	V3_CONV_ABORT_STALL,	/* the guest outruns the link */
	V3_CONV_ABORT_ROUNDS,	/* max_rounds reached */
	V3_CONV_ABORT_TIME,	/* max_time_ns reached */
};

struct v3_conv {
	u64 bw;			/* smoothed bandwidth, bytes/s (0: unknown) */
	u64 dirty_rate;		/* smoothed, bytes/s */
	u64 elapsed_ns;		/* since the first round started */
	u32 rounds;		/* rounds done */
	u32 stalled;		/* consecutive rounds that did not gain */
	u32 throttle;		/* % of vCPU time taken away, 0: none */
	u64 expected_downtime_ns;	/* for what is left now */
	/* what a switchover costs besides sending (set by the engine) */
	u64 fixed_ns;
};

/* Defaults as documented: 50 ms, throttle 20% + 10%, at most 99%. */
void v3_conv_defaults(struct v3_conv_policy *p);
/*
 * A round sent @sent bytes in @ns (until the destination's ack), while
 * the guest dirtied @dirtied bytes; @left bytes are now pending.  Updates
 * @c (bandwidth, dirty rate, throttle) and says what comes next.
 */
enum v3_conv_next v3_conv_round(struct v3_conv *c,
				const struct v3_conv_policy *p,
				u64 sent, u64 ns, u64 dirtied, u64 left);

/* Pace sending under a bandwidth cap (a token bucket of 100 ms). */
struct v3_ratelimit {
	u64 rate;		/* bytes/s, 0: unlimited */
	s64 tokens;		/* may go now; negative: owed */
	u64 last_ns;
};

void v3_ratelimit_init(struct v3_ratelimit *rl, u64 rate, u64 now_ns);
/* Take @bytes at @now_ns; returns how long to wait first (0: go). */
u64 v3_ratelimit_take(struct v3_ratelimit *rl, u64 bytes, u64 now_ns);

#endif /* _V3CHKPT_MIGRATE_CONVERGE_H */
