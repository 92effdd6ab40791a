// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the pre-copy engine (kmod/migrate/engine.c) against made-up
 * units, host and link on a simulated clock: it converges to the downtime
 * target, throttles a guest that outruns the link until it converges (and
 * lifts the throttle), aborts on a stall when told to, and whatever fails
 * (a unit's setup, the link, the final round, a cancel) leaves the guest
 * running as it was, unthrottled, with every unit cleaned up.
 */
#include <kunit/test.h>
#include <linux/time64.h>
#include "../../kmod/migrate/engine.h"

#define MB	(1000ULL * 1000)

/* The simulated world: one clock, one link, one guest. */
struct sim {
	struct v3_mig_chan ch;
	u64 now;
	u64 bw;			/* link, bytes/s */
	u64 round_bytes;	/* sent in the round going on */
	u32 fail_round;		/* round_end of this round fails (0: none) */
	bool cancel_at_round1;
	struct v3_mig *m;
	/* host */
	u32 throttle;
	u32 throttle_calls, max_throttle;
	bool running, paused_once, resumed;
	int pause_ret;
};

static struct sim *the_sim;	/* for the clock */

static u64 sim_now(void)
{
	return the_sim->now;
}

static int sim_round_end(struct v3_mig_chan *ch, u32 round)
{
	struct sim *s = container_of(ch, struct sim, ch);

	s->now += div64_u64(s->round_bytes * NSEC_PER_SEC, s->bw) + 1000;
	s->round_bytes = 0;
	if (s->cancel_at_round1 && round == 1)
		WRITE_ONCE(s->m->cancel, true);
	return s->fail_round && round == s->fail_round ? -EPIPE : 0;
}

static const struct v3_mig_chan_ops sim_chan_ops = {
	.round_end = sim_round_end,
};

static int sim_pause(void *host, bool *was_running)
{
	struct sim *s = host;

	if (s->pause_ret)
		return s->pause_ret;
	*was_running = s->running;
	s->running = false;
	s->paused_once = true;
	return 0;
}

static void sim_resume(void *host)
{
	struct sim *s = host;

	s->running = true;
	s->resumed = true;
}

static void sim_throttle(void *host, u32 pct)
{
	struct sim *s = host;

	s->throttle = pct;
	s->throttle_calls++;
	s->max_throttle = max(s->max_throttle, pct);
}

static const struct v3_mig_host_ops sim_host_ops = {
	.pause = sim_pause,
	.resume = sim_resume,
	.throttle = sim_throttle,
};

/* A unit of @size bytes the guest dirties at @rate bytes/s (throttled). */
struct unit {
	struct sim *s;
	u64 size, rate;
	u64 pending, last;	/* dirty bytes, and since when */
	int setup_ret, complete_ret;
	bool set_up, cleaned, done, completed;
};

static u64 unit_pending(void *priv)
{
	struct unit *u = priv;
	u64 dt = u->s->now - u->last;
	u64 d = div64_u64(u->rate * dt, NSEC_PER_SEC);

	if (!u->s->running)
		d = 0;
	d = div64_u64(d * (100 - u->s->throttle), 100);
	u->pending = min(u->size, u->pending + d);
	u->last = u->s->now;
	return u->pending;
}

static int unit_setup(void *priv)
{
	struct unit *u = priv;

	if (u->setup_ret)
		return u->setup_ret;
	u->set_up = true;
	u->pending = u->size;	/* round 0: everything */
	u->last = u->s->now;
	return 0;
}

static int unit_send(struct unit *u, u64 *sent)
{
	u64 n = unit_pending(u);

	*sent += n;
	u->s->round_bytes += n;
	u->pending = 0;
	return 0;
}

static int unit_iterate(void *priv, struct v3_mig_chan *ch, u64 *sent)
{
	return unit_send(priv, sent);
}

static int unit_complete(void *priv, struct v3_mig_chan *ch, u64 *sent)
{
	struct unit *u = priv;

	if (u->complete_ret)
		return u->complete_ret;
	u->completed = true;
	return unit_send(u, sent);
}

static void unit_cleanup(void *priv, bool done)
{
	struct unit *u = priv;

	u->cleaned = true;
	u->done = done;
}

static const struct v3_mig_unit_ops unit_ops = {
	.name = "sim",
	.setup = unit_setup,
	.iterate = unit_iterate,
	.pending = unit_pending,
	.complete = unit_complete,
	.cleanup = unit_cleanup,
};

struct world {
	struct sim s;
	struct unit u[2];
	struct v3_mig_unit units[2];
	struct v3_mig m;
};

/* 100 MB/s link; a 100 MB unit dirtied at @rate and a quiet 1 MB one. */
static struct world *world(struct kunit *test, u64 rate)
{
	struct world *w = kunit_kzalloc(test, sizeof(*w), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, w);
	the_sim = &w->s;
	w->s.ch.ops = &sim_chan_ops;
	w->s.ch.now_ns = sim_now;
	w->s.now = 1000 * NSEC_PER_SEC;
	w->s.bw = 100 * MB;
	w->s.running = true;
	w->s.m = &w->m;
	w->u[0] = (struct unit){ .s = &w->s, .size = 100 * MB, .rate = rate };
	w->u[1] = (struct unit){ .s = &w->s, .size = MB };
	for (i = 0; i < 2; i++)
		w->units[i] = (struct v3_mig_unit){ &unit_ops, &w->u[i] };
	w->m.units = w->units;
	w->m.nunits = 2;
	w->m.host_ops = &sim_host_ops;
	w->m.host = &w->s;
	w->m.ch = &w->s.ch;
	v3_conv_defaults(&w->m.policy);
	return w;
}

/* After a failure: as found, unthrottled, cleaned up. */
static void expect_rolled_back(struct kunit *test, struct world *w, int ret)
{
	KUNIT_EXPECT_EQ(test, w->m.status.state, V3_MIG_FAILED);
	KUNIT_EXPECT_EQ(test, w->m.status.error, ret);
	KUNIT_EXPECT_TRUE(test, w->s.running);
	KUNIT_EXPECT_EQ(test, w->s.throttle, 0U);
	KUNIT_EXPECT_EQ(test, w->m.status.throttle, 0U);
	KUNIT_EXPECT_TRUE(test, !w->u[0].set_up || (w->u[0].cleaned &&
						    !w->u[0].done));
	KUNIT_EXPECT_TRUE(test, !w->u[1].set_up || (w->u[1].cleaned &&
						    !w->u[1].done));
}

static void converges_to_the_target(struct kunit *test)
{
	struct world *w = world(test, 10 * MB);
	struct v3_mig_status *st = &w->m.status;

	KUNIT_ASSERT_EQ(test, v3_mig_run(&w->m), 0);
	KUNIT_EXPECT_EQ(test, st->state, V3_MIG_DONE);
	/* round 0 (101 MB, 1 s), round 1 (~10 MB), then the final round */
	KUNIT_EXPECT_EQ(test, st->round, 3U);
	KUNIT_EXPECT_GT(test, st->sent, 101 * MB);
	KUNIT_EXPECT_LE(test, st->downtime_ns, w->m.policy.downtime_ns);
	KUNIT_EXPECT_TRUE(test, w->s.paused_once);
	KUNIT_EXPECT_FALSE(test, w->s.running);	/* the caller hands over */
	KUNIT_EXPECT_FALSE(test, w->s.resumed);
	KUNIT_EXPECT_EQ(test, w->s.throttle_calls, 0U);
	KUNIT_EXPECT_TRUE(test, w->u[0].completed && w->u[1].completed);
	KUNIT_EXPECT_TRUE(test, w->u[0].cleaned && w->u[0].done);
}

static void throttles_a_guest_that_outruns_the_link(struct kunit *test)
{
	struct world *w = world(test, 200 * MB);

	KUNIT_ASSERT_EQ(test, v3_mig_run(&w->m), 0);
	kunit_info(test, "%u rounds, throttle up to %u%%, downtime %llu us\n",
		   w->m.status.round, w->s.max_throttle,
		   w->m.status.downtime_ns / 1000);
	/* 200 MB/s against 100 MB/s: at least 60% must go */
	KUNIT_EXPECT_GE(test, w->s.max_throttle, 60U);
	KUNIT_EXPECT_LE(test, w->m.status.downtime_ns,
			w->m.policy.downtime_ns);
	KUNIT_EXPECT_EQ(test, w->s.throttle, 0U);	/* lifted at the end */
	KUNIT_EXPECT_LT(test, w->m.status.round, w->m.policy.max_rounds);
}

static void stall_abort_keeps_the_guest(struct kunit *test)
{
	struct world *w = world(test, 200 * MB);

	w->m.policy.on_stall = V3_STALL_ABORT;
	KUNIT_EXPECT_EQ(test, v3_mig_run(&w->m), -EAGAIN);
	expect_rolled_back(test, w, -EAGAIN);
	KUNIT_EXPECT_FALSE(test, w->s.paused_once);
	KUNIT_EXPECT_EQ(test, w->m.status.round, 3U);
	/* and with no way to converge in the caps: ETIMEDOUT */
	w = world(test, 200 * MB);
	w->m.policy.max_rounds = 5;
	KUNIT_EXPECT_EQ(test, v3_mig_run(&w->m), -ETIMEDOUT);
	expect_rolled_back(test, w, -ETIMEDOUT);
	KUNIT_EXPECT_GT(test, w->s.throttle_calls, 0U);	/* set, then lifted */
}

static void failures_roll_back(struct kunit *test)
{
	struct world *w;

	/* the second unit's setup fails: the first is cleaned up */
	w = world(test, 10 * MB);
	w->u[1].setup_ret = -ENOMEM;
	KUNIT_EXPECT_EQ(test, v3_mig_run(&w->m), -ENOMEM);
	expect_rolled_back(test, w, -ENOMEM);
	KUNIT_EXPECT_TRUE(test, w->u[0].cleaned);
	KUNIT_EXPECT_FALSE(test, w->u[1].cleaned);

	/* the link dies in round 1 */
	w = world(test, 10 * MB);
	w->s.fail_round = 1;
	KUNIT_EXPECT_EQ(test, v3_mig_run(&w->m), -EPIPE);
	expect_rolled_back(test, w, -EPIPE);
	KUNIT_EXPECT_FALSE(test, w->s.paused_once);

	/* the final round fails with the guest paused: it runs again */
	w = world(test, 10 * MB);
	w->u[1].complete_ret = -EIO;
	KUNIT_EXPECT_EQ(test, v3_mig_run(&w->m), -EIO);
	expect_rolled_back(test, w, -EIO);
	KUNIT_EXPECT_TRUE(test, w->s.paused_once && w->s.resumed);

	/* a guest that was paused before stays paused */
	w = world(test, 10 * MB);
	w->s.running = false;
	w->s.fail_round = 1;	/* nothing dirtied: round 1 is the final */
	KUNIT_EXPECT_EQ(test, v3_mig_run(&w->m), -EPIPE);
	KUNIT_EXPECT_FALSE(test, w->s.resumed);
	KUNIT_EXPECT_FALSE(test, w->s.running);

	/* pause itself fails */
	w = world(test, 10 * MB);
	w->s.pause_ret = -EINTR;
	KUNIT_EXPECT_EQ(test, v3_mig_run(&w->m), -EINTR);
	expect_rolled_back(test, w, -EINTR);
}

static void cancel_rolls_back(struct kunit *test)
{
	struct world *w = world(test, 200 * MB);

	w->s.cancel_at_round1 = true;
	KUNIT_EXPECT_EQ(test, v3_mig_run(&w->m), -ECANCELED);
	expect_rolled_back(test, w, -ECANCELED);
	KUNIT_EXPECT_EQ(test, w->m.status.round, 2U);
}

static struct kunit_case engine_cases[] = {
	KUNIT_CASE(converges_to_the_target),
	KUNIT_CASE(throttles_a_guest_that_outruns_the_link),
	KUNIT_CASE(stall_abort_keeps_the_guest),
	KUNIT_CASE(failures_roll_back),
	KUNIT_CASE(cancel_rolls_back),
	{}
};

static struct kunit_suite engine_suite = {
	.name = "v3chkpt_engine",
	.test_cases = engine_cases,
};
kunit_test_suite(engine_suite);
