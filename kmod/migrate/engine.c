// SPDX-License-Identifier: GPL-2.0
/*
 * The pre-copy engine: rounds while the guest runs, each acknowledged by
 * the destination; after each, the convergence policy (converge.c) says
 * whether to go on, throttle, switch over or give up.  The guest waits
 * on the channel only in the final round, once paused.  Whatever ends a
 * migration that failed, the guest is left as it was found: running if it
 * ran, unthrottled, with every unit cleaned up.
 */
#include <linux/compiler.h>
#include <linux/errno.h>
#include <linux/string.h>
#include "../kunit_export.h"
#include "engine.h"

static u64 mig_now(struct v3_mig *m)
{
	return m->ch->now_ns();
}

static void mig_throttle(struct v3_mig *m, u32 pct)
{
	if (m->status.throttle == pct)
		return;
	m->host_ops->throttle(m->host, pct);
	m->status.throttle = pct;
}

static void mig_report(struct v3_mig *m)
{
	if (m->host_ops->report)
		m->host_ops->report(m->host, &m->status);
}

static u64 mig_pending(struct v3_mig *m)
{
	u64 left = 0;
	u32 i;

	for (i = 0; i < m->nunits; i++)
		left += m->units[i].ops->pending(m->units[i].priv);
	return left;
}

/* One round while the guest runs; what comes next. */
static int mig_round(struct v3_mig *m, struct v3_conv *conv,
		     enum v3_conv_next *next)
{
	struct v3_mig_status *st = &m->status;
	u64 t0 = mig_now(m), sent = 0, left;
	u32 i;
	int ret;

	for (i = 0; i < m->nunits; i++) {
		ret = m->units[i].ops->iterate(m->units[i].priv, m->ch, &sent);
		if (ret)
			return ret;
	}
	ret = m->ch->ops->round_end(m->ch, st->round);
	if (ret)
		return ret;
	/* what is pending now was dirtied while this round went */
	left = mig_pending(m);
	if (m->ch->ops->fixed_ns)
		conv->fixed_ns = m->ch->ops->fixed_ns(m->ch);
	*next = v3_conv_round(conv, &m->policy, sent, mig_now(m) - t0, left,
			      left);
	st->round = conv->rounds;
	st->sent += sent;
	st->remaining = left;
	st->dirty_rate = conv->dirty_rate;
	st->bandwidth = conv->bw;
	st->expected_downtime_ns = conv->expected_downtime_ns;
	mig_throttle(m, conv->throttle);
	mig_report(m);
	return 0;
}

/* The final round: the guest paused, everything that is left. */
static int mig_switchover(struct v3_mig *m, bool *paused, bool *was_running)
{
	struct v3_mig_status *st = &m->status;
	u64 t0, sent = 0;
	u32 i;
	int ret;

	st->state = V3_MIG_SWITCHOVER;
	mig_report(m);
	t0 = mig_now(m);
	ret = m->host_ops->pause(m->host, was_running);
	if (ret)
		return ret;
	*paused = true;
	for (i = 0; i < m->nunits; i++) {
		ret = m->units[i].ops->complete(m->units[i].priv, m->ch, &sent);
		if (ret)
			return ret;
	}
	ret = m->ch->ops->round_end(m->ch, st->round);
	if (ret)
		return ret;
	st->round++;
	st->sent += sent;
	st->remaining = 0;
	st->downtime_ns = mig_now(m) - t0;
	return 0;
}

int v3_mig_run(struct v3_mig *m)
{
	struct v3_mig_status *st = &m->status;
	struct v3_conv conv = { 0 };
	enum v3_conv_next next = V3_CONV_ROUND;
	bool paused = false, was_running = false;
	u64 start = mig_now(m);
	u32 i, ready = 0;
	int ret = 0;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < m->nunits; i++, ready++) {
		ret = m->units[i].ops->setup(m->units[i].priv);
		if (ret)
			goto fail;
	}
	st->state = V3_MIG_ROUNDS;
	mig_report(m);
	while (next == V3_CONV_ROUND) {
		if (READ_ONCE(m->cancel)) {
			ret = -ECANCELED;
			goto fail;
		}
		ret = mig_round(m, &conv, &next);
		if (ret)
			goto fail;
	}
	if (next == V3_CONV_ABORT_STALL) {
		ret = -EAGAIN;
		goto fail;
	}
	if (next != V3_CONV_SWITCHOVER) {
		ret = -ETIMEDOUT;
		goto fail;
	}
	ret = READ_ONCE(m->cancel) ? -ECANCELED :
	      mig_switchover(m, &paused, &was_running);
	if (ret)
		goto fail;
	mig_throttle(m, 0);
	for (i = 0; i < m->nunits; i++)
		m->units[i].ops->cleanup(m->units[i].priv, true);
	st->state = V3_MIG_DONE;
	st->total_ns = mig_now(m) - start;
	mig_report(m);
	return 0;
fail:
	mig_throttle(m, 0);
	for (i = 0; i < ready; i++)
		m->units[i].ops->cleanup(m->units[i].priv, false);
	if (paused && was_running)
		m->host_ops->resume(m->host);
	st->state = V3_MIG_FAILED;
	st->error = ret;
	st->total_ns = mig_now(m) - start;
	mig_report(m);
	return ret;
}
V3_EXPORT_FOR_TESTS(v3_mig_run);
