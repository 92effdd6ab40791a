// SPDX-License-Identifier: GPL-2.0
/*
 * Convergence of a pre-copy migration: switch over when what is left fits
 * the downtime target at the measured bandwidth (as QEMU does); when the
 * guest dirties more than half of what a round sent, for stall_rounds
 * rounds in a row, throttle its vCPUs (20%, then +10% per stall, as QEMU's
 * auto-converge) or abort; never exceed the round and time caps.
 */
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/time64.h>
#include "../kunit_export.h"
#include "converge.h"

void v3_conv_defaults(struct v3_conv_policy *p)
{
	*p = (struct v3_conv_policy) {
		.downtime_ns = 50 * NSEC_PER_MSEC,
		.max_rounds = 64,
		.max_time_ns = 600 * NSEC_PER_SEC,
		.on_stall = V3_STALL_THROTTLE,
		.stall_pct = 50,
		.stall_rounds = 3,
		.throttle_first = 20,
		.throttle_step = 10,
		.throttle_max = 99,
	};
}
V3_EXPORT_FOR_TESTS(v3_conv_defaults);

/* @a * @b / @c, U64_MAX where that would not fit (x86 would trap). */
static u64 scale(u64 a, u64 b, u64 c)
{
	if (!c || div64_u64(a, c) + 1 >= div64_u64(U64_MAX, max_t(u64, b, 1)))
		return U64_MAX;
	return mul_u64_u64_div_u64(a, b, c);
}

/* bytes/s of @bytes in @ns */
static u64 rate_of(u64 bytes, u64 ns)
{
	return scale(bytes, NSEC_PER_SEC, ns);
}

/* Half the old estimate, half the new round: quick to follow, not jumpy. */
static u64 smooth(u64 old, u64 now)
{
	return old ? old / 2 + now / 2 : now;
}

enum v3_conv_next v3_conv_round(struct v3_conv *c,
				const struct v3_conv_policy *p,
				u64 sent, u64 ns, u64 dirtied, u64 left)
{
	c->rounds++;
	c->elapsed_ns += ns;
	c->bw = smooth(c->bw, rate_of(sent, ns));
	c->dirty_rate = smooth(c->dirty_rate, rate_of(dirtied, ns));
	c->expected_downtime_ns = scale(left, NSEC_PER_SEC, c->bw);
	if (c->expected_downtime_ns <= U64_MAX - c->fixed_ns)
		c->expected_downtime_ns += c->fixed_ns;
	if (c->expected_downtime_ns <= p->downtime_ns)
		return V3_CONV_SWITCHOVER;
	if (p->max_time_ns && c->elapsed_ns >= p->max_time_ns)
		return V3_CONV_ABORT_TIME;
	if (p->max_rounds && c->rounds >= p->max_rounds)
		return V3_CONV_ABORT_ROUNDS;
	/* the rates cannot tell: a round resends at most all of memory */
	if (dirtied * 100 <= sent * p->stall_pct) {
		c->stalled = 0;
		return V3_CONV_ROUND;
	}
	if (++c->stalled < p->stall_rounds)
		return V3_CONV_ROUND;
	if (p->on_stall == V3_STALL_ABORT)
		return V3_CONV_ABORT_STALL;
	/* one more notch, then give it stall_rounds rounds to tell */
	c->throttle = c->throttle ? min(c->throttle + p->throttle_step,
					p->throttle_max) :
				    min(p->throttle_first, p->throttle_max);
	c->stalled = 0;
	return V3_CONV_ROUND;
}
V3_EXPORT_FOR_TESTS(v3_conv_round);

void v3_ratelimit_init(struct v3_ratelimit *rl, u64 rate, u64 now_ns)
{
	rl->rate = rate;
	rl->tokens = 0;
	rl->last_ns = now_ns;
}
V3_EXPORT_FOR_TESTS(v3_ratelimit_init);

u64 v3_ratelimit_take(struct v3_ratelimit *rl, u64 bytes, u64 now_ns)
{
	s64 burst;

	if (!rl->rate)
		return 0;
	burst = min_t(u64, rl->rate / 10, S64_MAX);	/* 100 ms worth */
	if (now_ns > rl->last_ns) {
		u64 add = scale(now_ns - rl->last_ns, rl->rate, NSEC_PER_SEC);

		rl->tokens = min_t(s64, rl->tokens + min_t(u64, add, burst),
				   burst);
		rl->last_ns = now_ns;
	}
	rl->tokens -= min_t(u64, bytes, S64_MAX / 2);
	if (rl->tokens >= 0)
		return 0;
	return scale(-rl->tokens, NSEC_PER_SEC, rl->rate);
}
V3_EXPORT_FOR_TESTS(v3_ratelimit_take);
