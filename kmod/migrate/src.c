// SPDX-License-Identifier: GPL-2.0
/*
 * The source end of a migration, on its own kernel thread:
 *
 *   connect (or listen) and authenticate; send the "mig" and "vm"
 *   contexts and wait for ACCEPT; then the engine's rounds (memory while
 *   the guest runs, each acknowledged); at the switchover the guest is
 *   paused, the last memory, the vCPU and device state and the digests
 *   go, and the destination's COMMIT is the last round's ack; the VM is
 *   then MIGRATED for good and the destination is told GO.
 *
 * Whatever fails before COMMIT, the engine leaves the VM as it found it
 * (running if it ran, unthrottled, untracked) and the destination is told
 * to drop what it built.
 */
#include <linux/lockdep.h>
#include <linux/sched/signal.h>
#include "../core.h"
#include "../vm/vm.h"
#include "mig.h"

static int src_hello(struct v3_migration *mg)
{
	struct v3_vm *vm = mg->vm;
	u32 feats = mg->flags & V3CHKPT_MIG_COMPRESS_LZ4 ? V3_MIG_FEAT_LZ4 : 0;
	u64 bytes = vm->cfg.mem_bytes;
	struct v3_chkpt_ctx *ctx;
	struct v3_mig_msg m;
	int ret;

	ctx = v3_chkpt_open_ctx(mg->chkpt, "mig", 0, V3_MIG_CTX_VERSION,
				V3_MIG_CTX_VERSION);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	V3_CHKPT_SAVE(ctx, "features", feats, fail);
	V3_CHKPT_SAVE(ctx, "dirty_mode", mg->dirty_mode, fail);
	V3_CHKPT_SAVE(ctx, "guest_bytes", bytes, fail);
	ret = v3_chkpt_close_ctx(ctx);
	if (!ret)
		ret = v3_vm_config_save(mg->chkpt, vm, V3CHKPT_SKIP_MEM);
	if (!ret)
		ret = v3_mig_link_flush(&mg->link);
	if (!ret)
		ret = v3_mig_recv(&mg->link, BIT(V3_MIG_ACCEPT), &m);
	return ret;
fail:
	ret = v3_chkpt_ctx_error(ctx);
	v3_chkpt_close_ctx(ctx);
	return ret;
}

/* ---- the host: the source VM, paused and held for the switchover */

static int src_pause(void *host, bool *was_running)
{
	struct v3_migration *mg = host;
	u64 t0 = ktime_get_ns();
	int ret = v3_vm_hold(mg->vm, was_running);

	mg->pause_ns = ktime_get_ns() - t0;

	if (!ret) {
		mg->held = true;
		mg->was_running = *was_running;
	}
	return ret;
}

static void src_resume(void *host)
{
	struct v3_migration *mg = host;

	mg->held = false;
	v3_vm_release(mg->vm, true);
}

static void src_throttle(void *host, u32 pct)
{
	struct v3_migration *mg = host;

	v3_vm_set_throttle(mg->vm, pct);
}

static void src_report(void *host, const struct v3_mig_status *st)
{
	v3_mig_progress(host);
}

static const struct v3_mig_host_ops src_host_ops = {
	.pause = src_pause,
	.resume = src_resume,
	.throttle = src_throttle,
	.report = src_report,
};

/* ---- vCPU and device state: nothing before the switchover */

static int state_setup(void *priv)
{
	return 0;
}

static int state_iterate(void *priv, struct v3_mig_chan *ch, u64 *sent)
{
	return 0;
}

static u64 state_pending(void *priv)
{
	return 0;
}

/*
 * The guest is paused and memory is sent: the state, then what proves
 * it (the digests and the run state), then the end of the stream.
 */
static int state_complete(void *priv, struct v3_mig_chan *ch, u64 *sent)
{
	struct v3_migration *mg = priv;
	struct v3chkpt_vm_digest d = { 0 };
	u32 running = mg->was_running;
	struct v3_chkpt_ctx *ctx;
	u64 before = mg->link.bytes + mg->link.len;
	int ret;

	lockdep_assert_held(&mg->vm->lock);
	ret = v3_vm_state_save(mg->chkpt, mg->vm);
	if (ret)
		return ret;
	v3_vm_digest_state(mg->vm, &d);
	d.memory = v3_mig_ram_digest(&mg->ram);
	v3_vm_digest_total(&d);
	mg->digest = d.total;
	ctx = v3_chkpt_open_ctx(mg->chkpt, "mig-end", 0, V3_MIG_CTX_VERSION,
				V3_MIG_CTX_VERSION);
	if (IS_ERR(ctx))
		return PTR_ERR(ctx);
	V3_CHKPT_SAVE(ctx, "digest.memory", d.memory, fail);
	V3_CHKPT_SAVE(ctx, "digest.vcpus", d.vcpus, fail);
	V3_CHKPT_SAVE(ctx, "digest.devices", d.devices, fail);
	V3_CHKPT_SAVE(ctx, "running", running, fail);
	ret = v3_chkpt_close_ctx(ctx);
	if (!ret) {
		ret = v3_chkpt_close(mg->chkpt);	/* END */
		mg->chkpt = NULL;	/* else aborted (freed) on the way out */
	}
	if (!ret)
		ret = v3_mig_link_flush(&mg->link);
	*sent += mg->link.bytes - before;
	return ret;
fail:
	ret = v3_chkpt_ctx_error(ctx);
	v3_chkpt_close_ctx(ctx);
	return ret;
}

static void state_cleanup(void *priv, bool done)
{
}

static const struct v3_mig_unit_ops state_ops = {
	.name = "state",
	.setup = state_setup,
	.iterate = state_iterate,
	.pending = state_pending,
	.complete = state_complete,
	.cleanup = state_cleanup,
};

/* ---- the channel: each round acknowledged, the last one by COMMIT */

static u64 src_now(void)
{
	return ktime_get_ns();
}

static int src_round_end(struct v3_mig_chan *ch, u32 round)
{
	struct v3_migration *mg = container_of(ch, struct v3_migration, chan);
	struct v3_mig_link *l = &mg->link;
	bool last = mg->held;
	struct v3_mig_msg m;
	int ret;

	u64 t0;

	ret = v3_mig_link_flush(l);
	t0 = ktime_get_ns();
	if (!ret)
		ret = v3_mig_send(l, V3_MIG_ROUND, round,
				  last ? V3_MIG_F_LAST : 0, 0);
	if (!ret)
		ret = v3_mig_recv(l, BIT(last ? V3_MIG_COMMIT : V3_MIG_ACK),
				  &m);
	if (ret)
		return ret;
	/* the round trip to the destination's verdict, smoothed */
	t0 = ktime_get_ns() - t0;
	mg->ack_ns = mg->ack_ns ? mg->ack_ns / 2 + t0 / 2 : t0;
	mg->ack_last_ns = t0;
	if (le32_to_cpu(m.round) != round)
		return v3_mig_fail(mg, -EPROTO,
				   "the destination answered round %u for round %u",
				   le32_to_cpu(m.round), round);
	if (!last)
		return 0;
	if (le64_to_cpu(m.value) != mg->digest)
		return v3_mig_fail(mg, -EBADMSG,
				   "the destination committed digest %016llx, not %016llx",
				   le64_to_cpu(m.value), mg->digest);
	return v3_mig_commit_point(mg);
}

/*
 * Besides its bytes, a switchover costs the pause (a vCPU's step at
 * most), a harvest, the memory digest on each end and the destination's
 * verdict: as much as the last step, harvest, digest and round's ack
 * were seen to cost.
 */
static u64 src_fixed_ns(struct v3_mig_chan *ch)
{
	struct v3_migration *mg = container_of(ch, struct v3_migration, chan);

	/* the memory digest, on both ends: timed once */
	if (!mg->digest_ns) {
		u64 t0 = ktime_get_ns();

		v3_mig_ram_digest(&mg->ram);
		mg->digest_ns = ktime_get_ns() - t0 ?: 1;
	}
	/* the round trip as it was lately, or is now if that is worse */
	return v3_vm_step_ns(mg->vm) + max(mg->ack_ns, mg->ack_last_ns) +
	       mg->ram.harvest_ns + 2 * mg->digest_ns;
}

static const struct v3_mig_chan_ops src_chan_ops = {
	.round_end = src_round_end,
	.fixed_ns = src_fixed_ns,
};

/* ---- the whole */

static int src_setup(struct v3_migration *mg)
{
	struct v3_mig *e = &mg->engine;
	int ret;

	ret = v3_mig_ram_init(&mg->ram, mg->vm, true);
	if (ret)
		return v3_mig_fail(mg, ret, "out of memory for the page batches");
	mg->ram.chkpt = mg->chkpt;
	mg->ram.mode = mg->dirty_mode;
	mg->ram.lz4 = mg->flags & V3CHKPT_MIG_COMPRESS_LZ4;
	mg->ram.progress = v3_mig_progress;
	mg->ram.progress_arg = mg;
	mg->units[0] = (struct v3_mig_unit){ &v3_mig_ram_ops, &mg->ram };
	mg->units[1] = (struct v3_mig_unit){ &state_ops, mg };
	mg->chan.ops = &src_chan_ops;
	mg->chan.now_ns = src_now;
	e->units = mg->units;
	e->nunits = ARRAY_SIZE(mg->units);
	e->host_ops = &src_host_ops;
	e->host = mg;
	e->ch = &mg->chan;
	e->policy = mg->policy;
	return 0;
}

/* The engine's errors, in words for the status. */
static int src_failed(struct v3_migration *mg, int ret)
{
	if (READ_ONCE(mg->cancel))
		return v3_mig_cancelled(mg);
	switch (ret) {
	case -EAGAIN:
		return v3_mig_fail(mg, ret,
				   "the guest dirties memory faster than the link carries it (--on-stall abort)");
	case -ETIMEDOUT:
		if (mg->engine.status.round >= mg->policy.max_rounds)
			return v3_mig_fail(mg, ret,
					   "no convergence within %u rounds",
					   mg->policy.max_rounds);
		return v3_mig_fail(mg, ret, "%s",
				   mg->link.why[0] ? mg->link.why :
				   "no convergence within the time allowed");
	case -ENOENT:
	case -ENODEV:
		return v3_mig_fail(mg, ret, "VM %s was destroyed", mg->name);
	default:
		return v3_mig_fail(mg, ret, "%s", mg->link.why[0] ?
				   mg->link.why : "the migration failed");
	}
}

int v3_mig_source(struct v3_migration *mg)
{
	struct v3_vm *vm = mg->vm;
	__le32 abort;
	int ret;

	ret = v3_mig_link_open(&mg->link, mg->url, true, mg->net,
			       mg->policy.max_bw);
	if (ret)
		goto fail;
	mg->chkpt = v3_chkpt_open_live(&v3_mig_link_ops, &mg->link,
				       V3_CHKPT_MODE_SAVE, NULL, NULL);
	if (IS_ERR(mg->chkpt)) {
		ret = PTR_ERR(mg->chkpt);
		mg->chkpt = NULL;
		goto fail;
	}
	ret = src_hello(mg);
	if (ret)
		goto fail;
	ret = src_setup(mg);
	if (ret)
		goto fail;
	v3_mig_set_state(mg, V3CHKPT_MIG_ROUNDS);
	ret = v3_mig_run(&mg->engine);
	if (ret)
		goto fail;
	/* COMMIT: the VM is the destination's now */
	vm->state = V3CHKPT_VM_MIGRATED;
	vm->migrating = false;
	mg->held = false;
	mutex_unlock(&vm->lock);
	v3_mig_progress(mg);
	if (v3_mig_send(&mg->link, V3_MIG_GO, 0, 0, 0))
		v3_mig_fail(mg, 0,
			    "GO was not sent (%s): VM %s waits paused on the destination; resume it there",
			    mg->link.why, mg->name);
	if (mg->flags & V3CHKPT_MIG_DESTROY_SOURCE)
		v3_vm_destroy(mg->name);
	v3_mig_ram_free(&mg->ram);
	v3_mig_link_close(&mg->link);
	return 0;

fail:
	if (mg->held)		/* paused for a switchover that failed */
		v3_vm_release(vm, false);
	mg->held = false;
	ret = src_failed(mg, ret);
	if (signal_pending(current))
		flush_signals(current);
	if (mg->chkpt)
		v3_chkpt_abort(mg->chkpt);
	mg->chkpt = NULL;
	/* tell the destination to drop what it built (it may be gone) */
	abort = cpu_to_le32(-ret);
	mg->link.c.quiet = true;
	if (mg->link.c.sock)
		v3_net_send_frame(&mg->link.c, V3_NET_ABORT, &abort,
				  sizeof(abort));
	v3_mig_ram_free(&mg->ram);
	v3_mig_link_close(&mg->link);
	mutex_lock(&vm->lock);
	vm->migrating = false;
	mutex_unlock(&vm->lock);
	return ret;
}
