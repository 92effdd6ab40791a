// SPDX-License-Identifier: GPL-2.0
/*
 * The destination end of a migration, on its own kernel thread:
 *
 *   accept (or connect) and authenticate; read the "mig" and "vm"
 *   contexts, build the VM unlisted, and ACCEPT (or REFUSE, saying why);
 *   apply memory as it arrives, acknowledging each round; read the vCPU
 *   and device state and the source's digests, verify the whole stream;
 *   on the last ROUND compare the digests, list the VM (paused, held back
 *   from running) and COMMIT; on GO run it as the source ran.
 *
 * Before COMMIT, any failure destroys what was built.  After COMMIT
 * without GO the VM stays, paused: the source may have stopped its own
 * (docs/MIGRATION.md, "The one window").
 */
#include <linux/sched/signal.h>
#include "../core.h"
#include "../vm/vm.h"
#include "mig.h"

static int dst_section(void *priv, struct v3c_reader *r, int item)
{
	struct v3_migration *mg = priv;
	int ret;

	if (!mg->vm)		/* memory before the VM was accepted */
		return -EPROTO;
	ret = v3_mig_ram_section(&mg->ram, r, item);
	/* said here: the state loader that meets it names its own context */
	if (ret && !mg->link.why[0])
		snprintf(mg->link.why, sizeof(mg->link.why),
			 "guest memory: %s (%d)",
			 ret == -ERANGE ? "a page outside guest memory" :
			 ret == -EPROTO ? "a section other than guest memory's" :
			 ret == -ENOMEM ? "out of memory" :
			 "a damaged page batch", ret);
	return ret;
}

static const struct v3_chkpt_live dst_live = {
	.section = dst_section,
};

/* Say why to the source (best effort) and return @err. */
static __printf(3, 4) int dst_refuse(struct v3_migration *mg, int err,
				     const char *fmt, ...)
{
	char msg[V3_MIG_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v3_mig_fail(mg, err, "%s", msg);
	if ((!mg->link.error || mg->link.peer_bad) && mg->link.c.sock)
		v3_mig_refuse(&mg->link, err, msg);
	return err;
}

/*
 * A context that could not be read: out of memory as such (the source
 * reports the destination's errno), anything else as a damaged stream.
 */
static int dst_ctx_errno(long err)
{
	return err == -ENOMEM ? -ENOMEM : -EPROTO;
}

/* The "mig" and "vm" contexts: can this host take the VM? */
static int dst_hello(struct v3_migration *mg, struct v3chkpt_vm_config *cfg)
{
	struct v3_vm_err err = { 0 };
	struct v3_chkpt_ctx *ctx;
	u32 feats = 0, mode = 0, opts = 0;
	u64 bytes = 0;
	int ret;

	ctx = v3_chkpt_open_ctx(mg->chkpt, "mig", 0, V3_MIG_CTX_VERSION,
				V3_MIG_CTX_VERSION);
	if (IS_ERR(ctx))
		return dst_refuse(mg, PTR_ERR(ctx) == -EPROTONOSUPPORT ?
				  -EPROTONOSUPPORT : dst_ctx_errno(PTR_ERR(ctx)),
				  "no migration context this host reads (%ld)",
				  PTR_ERR(ctx));
	V3_CHKPT_LOAD(ctx, "features", feats, fail);
	V3_CHKPT_LOAD(ctx, "dirty_mode", mode, fail);
	V3_CHKPT_LOAD(ctx, "guest_bytes", bytes, fail);
	ret = v3_chkpt_close_ctx(ctx);
	if (ret)
		return dst_refuse(mg, dst_ctx_errno(ret),
				  "the migration context is damaged (%d)", ret);
	if (feats & ~V3_MIG_FEATS)
		return dst_refuse(mg, -EOPNOTSUPP,
				  "features 0x%x are unknown on this host",
				  feats & ~V3_MIG_FEATS);
	ret = v3_vm_config_load(mg->chkpt, cfg, &opts, &err);
	if (ret)
		return dst_refuse(mg, ret, "%s", err.msg);
	if (opts != V3CHKPT_SKIP_MEM || cfg->mem_bytes != bytes)
		return dst_refuse(mg, -EPROTO,
				  "the VM configuration does not fit the migration (options 0x%x)",
				  opts);
	return 0;
fail:
	ret = v3_chkpt_ctx_error(ctx);
	v3_chkpt_close_ctx(ctx);
	return dst_refuse(mg, dst_ctx_errno(ret),
			  "the migration context is damaged (%d)", ret);
}

static int dst_build(struct v3_migration *mg,
		     const struct v3chkpt_vm_config *cfg)
{
	struct v3_vm *vm = v3_vm_get(mg->name);
	int ret;

	if (!IS_ERR(vm)) {
		v3_vm_put(vm);
		return dst_refuse(mg, -EEXIST, "a VM named %s exists on the destination",
				  mg->name);
	}
	vm = v3_vm_alloc(cfg);
	if (IS_ERR(vm)) {
		ret = PTR_ERR(vm);
		if (ret == -ENOMEM)
			return dst_refuse(mg, ret,
					  "the destination cannot allocate %llu MiB of guest memory",
					  cfg->mem_bytes >> 20);
		return dst_refuse(mg, ret, "the destination cannot build the VM (%d)",
				  ret);
	}
	mg->vm = vm;
	ret = v3_mig_ram_init(&mg->ram, vm, false);
	if (ret)
		return dst_refuse(mg, ret, "out of memory on the destination");
	mg->ram.progress = v3_mig_progress;
	mg->ram.progress_arg = mg;
	return v3_mig_send(&mg->link, V3_MIG_ACCEPT, 0, 0, 0);
}

/* Nothing but the state and the digests: a context more is not ours. */
static int dst_expect_end(struct v3_migration *mg)
{
	struct v3_chkpt_ctx *ctx;
	const char *name;
	u32 instance;

	if (v3_chkpt_passed_over(mg->chkpt, &name, &instance))
		return dst_refuse(mg, -EPROTO,
				  "context %s#%u has no place in this migration",
				  name, instance);
	ctx = v3_chkpt_open_next_ctx(mg->chkpt);
	if (PTR_ERR(ctx) == -ENOENT)
		return 0;
	if (IS_ERR(ctx))
		return dst_refuse(mg, PTR_ERR(ctx), "%s", mg->link.why[0] ?
				  mg->link.why : "the end of the stream is damaged");
	dst_refuse(mg, -EPROTO, "context %s#%u has no place in this migration",
		   v3_chkpt_ctx_name(ctx), v3_chkpt_ctx_instance(ctx));
	v3_chkpt_close_ctx(ctx);
	return -EPROTO;
}

/* The state, the digests, the end of the stream: all read and verified. */
static int dst_state(struct v3_migration *mg, struct v3_vm_stage **stage,
		     struct v3chkpt_vm_digest *src, u32 *running)
{
	struct v3_vm_err err = { 0 };
	struct v3_chkpt_ctx *ctx;
	int ret;

	*stage = v3_vm_state_stage(mg->chkpt, mg->vm, &err);
	if (IS_ERR(*stage)) {
		ret = PTR_ERR(*stage);
		*stage = NULL;
		return dst_refuse(mg, ret, "%s", mg->link.why[0] ?
				  mg->link.why : err.msg);
	}
	ctx = v3_chkpt_open_ctx(mg->chkpt, "mig-end", 0, V3_MIG_CTX_VERSION,
				V3_MIG_CTX_VERSION);
	if (IS_ERR(ctx))
		return dst_refuse(mg, dst_ctx_errno(PTR_ERR(ctx)), "%s",
				  mg->link.why[0] ? mg->link.why :
				  "no digests after the state");
	V3_CHKPT_LOAD(ctx, "digest.memory", src->memory, fail);
	V3_CHKPT_LOAD(ctx, "digest.vcpus", src->vcpus, fail);
	V3_CHKPT_LOAD(ctx, "digest.devices", src->devices, fail);
	V3_CHKPT_LOAD(ctx, "running", *running, fail);
	ret = v3_chkpt_close_ctx(ctx);
	if (ret)
		return dst_refuse(mg, ret, "%s", mg->link.why[0] ? mg->link.why :
				  "the digests are damaged");
	if (!mg->ram.ended)
		return dst_refuse(mg, -EPROTO,
				  "the state came before the end of guest memory");
	if (*running > 1)
		return dst_refuse(mg, -EPROTO, "run state %u is not one",
				  *running);
	/* each failure is refused once; the stream is aborted on the way out */
	ret = dst_expect_end(mg);	/* it refuses, saying why */
	if (ret)
		return ret;
	ret = v3_chkpt_close(mg->chkpt);	/* to END, verified */
	mg->chkpt = NULL;
	if (ret)
		return dst_refuse(mg, ret, "%s", mg->link.why[0] ? mg->link.why :
				  "the end of the stream is damaged");
	return 0;
fail:
	ret = v3_chkpt_ctx_error(ctx);
	v3_chkpt_close_ctx(ctx);
	return dst_refuse(mg, dst_ctx_errno(ret), "the digests are damaged (%d)",
			  ret);
}

/* After the last ROUND: the state applied, the digests compared, listed. */
static int dst_commit(struct v3_migration *mg, struct v3_vm_stage *stage,
		      struct v3chkpt_vm_digest *src)
{
	struct v3_vm *vm = mg->vm;
	struct v3chkpt_vm_digest d = { 0 };
	struct v3_mig_msg m;
	int ret;

	ret = v3_mig_recv(&mg->link, BIT(V3_MIG_ROUND), &m);
	if (ret)
		return v3_mig_fail(mg, ret, "%s", mg->link.why);
	if (!(le32_to_cpu(m.flags) & V3_MIG_F_LAST) ||
	    le32_to_cpu(m.round) != mg->link.next_round)
		return dst_refuse(mg, -EPROTO,
				  "round %u after the end of the stream (expected the last, %u)",
				  le32_to_cpu(m.round), mg->link.next_round);
	v3_vm_state_apply(vm, stage);
	mutex_lock(&vm->lock);
	v3_vm_digest_state(vm, &d);
	mutex_unlock(&vm->lock);
	d.memory = v3_mig_ram_digest(&mg->ram);
	if (d.memory != src->memory || d.vcpus != src->vcpus ||
	    d.devices != src->devices)
		return dst_refuse(mg, -EBADMSG,
				  "digest mismatch (memory %016llx/%016llx, vcpus %016llx/%016llx, devices %016llx/%016llx here/at the source)",
				  d.memory, src->memory, d.vcpus, src->vcpus,
				  d.devices, src->devices);
	v3_vm_digest_total(&d);
	vm->incoming = true;	/* listed, but it runs only on GO */
	kref_get(&vm->ref);	/* the list's */
	ret = v3_vm_publish(vm, mg->name);
	if (ret) {
		v3_vm_put(vm);
		return dst_refuse(mg, ret, "a VM named %s exists on the destination",
				  mg->name);
	}
	ret = v3_mig_commit_point(mg);
	if (ret)
		return dst_refuse(mg, ret, "the destination was cancelled");
	return v3_mig_send(&mg->link, V3_MIG_COMMIT, m.round, 0, d.total);
}

/* Committed: GO runs the VM; without GO it waits, paused, for the operator. */
static int dst_go(struct v3_migration *mg, u32 running)
{
	struct v3_vm *vm = mg->vm;
	struct v3_mig_msg m;
	int ret;

	ret = v3_mig_recv(&mg->link, BIT(V3_MIG_GO), &m);
	mutex_lock(&vm->lock);
	vm->incoming = false;
	mutex_unlock(&vm->lock);
	if (ret == V3_NET_PEER_ABORTED) {
		/* the source kept its VM: this copy must go */
		v3_vm_unpublish(vm);
		v3_vm_kill(vm);
		mg->vm = NULL;
		return v3_mig_fail(mg, ret, "%s", mg->link.why);
	}
	if (ret)
		return v3_mig_fail(mg, ret,
				   "in doubt: no GO after COMMIT (%s); VM %s waits here paused: resume it if the source shows it migrated, else destroy it",
				   mg->link.why, mg->name);
	if (mg->flags & V3CHKPT_MIG_RECV_PAUSED)
		running = 0;
	if (running) {
		ret = v3_vm_run(vm);
		if (ret)
			return v3_mig_fail(mg, ret, "VM %s arrived but cannot run (%d)",
					   mg->name, ret);
	}
	spin_lock(&mg->lock);
	mg->st.vm_state = running ? V3CHKPT_VM_RUNNING : V3CHKPT_VM_PAUSED;
	spin_unlock(&mg->lock);
	return 0;
}

int v3_mig_dest(struct v3_migration *mg)
{
	struct v3chkpt_vm_digest src = { 0 };
	struct v3chkpt_vm_config cfg;
	struct v3_vm_stage *stage = NULL;
	bool committed = false;
	u32 running = 0;
	int ret;

	ret = v3_mig_link_open(&mg->link, mg->url, false, mg->net, 0);
	if (ret) {
		v3_mig_fail(mg, ret, "%s", mg->link.why);
		goto out;
	}
	mg->chkpt = v3_chkpt_open_live(&v3_mig_link_ops, &mg->link,
				       V3_CHKPT_MODE_LOAD, &dst_live, mg);
	if (IS_ERR(mg->chkpt)) {
		ret = PTR_ERR(mg->chkpt);
		mg->chkpt = NULL;
		v3_mig_fail(mg, ret, "%s", mg->link.why[0] ? mg->link.why :
			    "the stream's header is not one this host reads");
		goto out;
	}
	ret = dst_hello(mg, &cfg);
	if (!ret)
		ret = dst_build(mg, &cfg);
	if (ret)
		goto out;
	v3_mig_set_state(mg, V3CHKPT_MIG_ROUNDS);
	ret = dst_state(mg, &stage, &src, &running);
	if (ret)
		goto out;
	v3_mig_set_state(mg, V3CHKPT_MIG_SWITCHOVER);
	ret = dst_commit(mg, stage, &src);
	/* now, while the VM is ours: an ABORT after COMMIT kills it */
	v3_vm_stage_free(mg->vm, stage);
	stage = NULL;
	if (ret)
		goto out;
	committed = true;
	ret = dst_go(mg, running);
out:
	if (ret && READ_ONCE(mg->cancel) && !committed)
		ret = v3_mig_cancelled(mg);
	if (signal_pending(current))
		flush_signals(current);
	if (mg->chkpt)
		v3_chkpt_abort(mg->chkpt);
	mg->chkpt = NULL;
	v3_vm_stage_free(mg->vm, stage);
	v3_mig_progress(mg);
	v3_mig_ram_free(&mg->ram);
	v3_mig_link_close(&mg->link);
	if (ret && !committed && mg->vm) {
		v3_vm_unpublish(mg->vm);	/* if listed, not committed */
		v3_vm_kill(mg->vm);		/* drops our reference */
		mg->vm = NULL;
	}
	return ret;
}
