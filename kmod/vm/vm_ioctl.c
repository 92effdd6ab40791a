// SPDX-License-Identifier: GPL-2.0
/*
 * The VM ioctls of /dev/v3chkpt: rows of chardev.c's table (the caller
 * has CAP_SYS_ADMIN, the argument is copied in).
 */
#include <linux/ctype.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "../ioctl_op.h"
#include "vm.h"

/* [A-Za-z0-9_.-]{1,31}, not "." or "..": safe as a file name later. */
int v3_vm_name_ok(const char *name)
{
	size_t n = strnlen(name, V3CHKPT_VM_NAME_MAX), i;

	if (!n || n == V3CHKPT_VM_NAME_MAX)
		return -EINVAL;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return -EINVAL;
	return 0;
}

/* The VM a (NUL-terminated, valid) name in an ioctl struct refers to. */
static struct v3_vm *vm_lookup(const char *name)
{
	if (v3_vm_name_ok(name))
		return ERR_PTR(-EINVAL);
	return v3_vm_get(name);
}

int v3_vm_ioc_create(struct v3_ucmd *ucmd)
{
	struct v3chkpt_vm_create __user *uarg = ucmd->ubuffer;
	struct v3chkpt_vm_create *c = ucmd->cmd;
	struct v3_vm *vm;
	int ret;

	if (c->flags || !v3_zeroed(c->reserved, 2) || v3_vm_name_ok(c->name))
		return -EINVAL;
	ret = v3_vm_config_check(&c->config, NULL, -EINVAL);
	if (ret)
		return ret;
	/* Report the defaults now, so a bad pointer cannot fail a done create. */
	if (copy_to_user(&uarg->config, &c->config, sizeof(c->config)))
		return -EFAULT;
	vm = v3_vm_get(c->name);
	if (!IS_ERR(vm)) {
		v3_vm_put(vm);
		return -EEXIST;
	}
	vm = v3_vm_alloc(&c->config);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	ret = v3_vm_publish(vm, c->name);
	if (ret)
		v3_vm_kill(vm);
	return ret;
}

int v3_vm_ioc_list(struct v3_ucmd *ucmd)
{
	struct v3chkpt_vm_list __user *uarg = ucmd->ubuffer;
	struct v3chkpt_vm_list *l = ucmd->cmd;
	struct v3chkpt_vm_entry *e;
	unsigned int n;
	int total, ret = 0;

	if (l->flags || !v3_zeroed(l->reserved, 2))
		return -EINVAL;
	if (l->capacity && !l->entries)
		return -EFAULT;
	n = min_t(u32, l->capacity, 4096);
	e = kvcalloc(max(n, 1U), sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	total = v3_vm_list(e, n);
	n = min_t(u32, n, total);
	if (n && copy_to_user(u64_to_user_ptr(l->entries), e, n * sizeof(*e)))
		ret = -EFAULT;
	kvfree(e);
	if (!ret && put_user((u32)total, &uarg->count))
		ret = -EFAULT;
	return ret;
}

int v3_vm_ioc_ctl(struct v3_ucmd *ucmd)
{
	struct v3chkpt_vm_ctl *c = ucmd->cmd;
	struct v3_vm *vm;
	int ret;

	if (c->flags || c->reserved0 || !v3_zeroed(c->reserved, 2) ||
	    v3_vm_name_ok(c->name))
		return -EINVAL;
	if (c->op < V3CHKPT_VM_OP_RUN || c->op > V3CHKPT_VM_OP_DESTROY)
		return -EINVAL;
	if (c->op != V3CHKPT_VM_OP_STEP && c->count)
		return -EINVAL;
	if (c->op == V3CHKPT_VM_OP_DESTROY)
		return v3_vm_destroy(c->name);
	vm = vm_lookup(c->name);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	switch (c->op) {
	case V3CHKPT_VM_OP_RUN:
	case V3CHKPT_VM_OP_RESUME:
		ret = v3_vm_run(vm);
		break;
	case V3CHKPT_VM_OP_PAUSE:
		ret = v3_vm_pause(vm);
		break;
	default:
		ret = v3_vm_step(vm, c->count);
		break;
	}
	v3_vm_put(vm);
	return ret;
}

int v3_vm_ioc_digest(struct v3_ucmd *ucmd)
{
	struct v3chkpt_vm_digest *d = ucmd->cmd;
	struct v3_vm *vm;
	int ret;

	if (d->flags || d->total || d->memory || d->vcpus || d->devices ||
	    !v3_zeroed(d->reserved, 2))
		return -EINVAL;
	vm = vm_lookup(d->name);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	ret = v3_vm_digest(vm, d);
	v3_vm_put(vm);
	if (!ret && copy_to_user(ucmd->ubuffer, d,
				 min_t(u32, ucmd->user_size, sizeof(*d))))
		ret = -EFAULT;
	return ret;
}

static int ioc_xfer(struct v3_ucmd *ucmd, bool save)
{
	struct v3chkpt_vm_xfer __user *uarg = ucmd->ubuffer;
	struct v3chkpt_vm_xfer *x = ucmd->cmd;
	char store[V3CHKPT_STORE_MAX];
	struct v3_vm_err *err;
	char *url = NULL;
	u32 opts = 0;
	int ret;

	if (!v3_zeroed(x->reserved, 1) || v3_vm_name_ok(x->name))
		return -EINVAL;
	if (save ? x->flags || (x->options & ~V3CHKPT_SKIP_ALL) :
		   (x->flags & ~V3CHKPT_VM_LOAD_CREATE) || x->options)
		return -EINVAL;
	if (x->errmsg_size && !x->errmsg)
		return -EFAULT;
	ret = v3_get_str(store, sizeof(store), x->store);
	if (ret)
		return ret;
	err = kzalloc(sizeof(*err), GFP_KERNEL);
	url = kmalloc(V3CHKPT_URL_MAX, GFP_KERNEL);
	ret = -ENOMEM;
	if (!err || !url)
		goto out;
	ret = v3_get_str(url, V3CHKPT_URL_MAX, x->url);
	if (ret)
		goto out;
	/* A bad counter pointer fails now, before anything happens. */
	err->progress = u64_to_user_ptr(x->progress);
	if (x->progress &&
	    clear_user(err->progress, sizeof(struct v3chkpt_progress))) {
		ret = -EFAULT;
		goto out;
	}
	if (save) {
		struct v3_vm *vm = v3_vm_get(x->name);

		if (IS_ERR(vm)) {
			ret = v3_vm_fail(err, PTR_ERR(vm), "no VM %s", x->name);
		} else {
			ret = v3_vm_save(vm, store, url, x->options, err);
			v3_vm_put(vm);
		}
	} else if (put_user(0U, &uarg->options)) {
		/* checked first: a done load must not end in EFAULT */
		ret = -EFAULT;
	} else {
		ret = v3_vm_load(x->name, store, url, x->flags, &opts, err);
		if (put_user(opts, &uarg->options))
			ret = ret ?: -EFAULT;
	}
	if (ret && x->errmsg_size) {
		size_t n = min_t(size_t, x->errmsg_size, sizeof(err->msg));

		err->msg[n - 1] = '\0';
		if (copy_to_user(u64_to_user_ptr(x->errmsg), err->msg,
				 strlen(err->msg) + 1))
			ret = -EFAULT;
	}
out:
	kfree_sensitive(url);	/* a net URL may carry a key */
	kfree(err);
	return ret;
}

int v3_vm_ioc_save(struct v3_ucmd *ucmd)
{
	return ioc_xfer(ucmd, true);
}

int v3_vm_ioc_load(struct v3_ucmd *ucmd)
{
	return ioc_xfer(ucmd, false);
}

int v3_vm_ioc_map(struct v3_ucmd *ucmd)
{
	struct v3chkpt_vm_map *m = ucmd->cmd;
	struct v3_vm *vm;
	int ret;

	if (m->flags || !v3_zeroed(m->reserved, 2))
		return -EINVAL;
	vm = vm_lookup(m->name);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	ret = v3_mem_map_fd(vm);
	v3_vm_put(vm);
	return ret;
}

int v3_vm_ioc_dirty(struct v3_ucmd *ucmd)
{
	struct v3chkpt_vm_dirty *c = ucmd->cmd;
	struct v3_vm *vm;
	int ret;

	if (c->flags || c->reserved0 || !v3_zeroed(c->reserved, 2))
		return -EINVAL;
	if (c->mode < V3CHKPT_DIRTY_WP || c->mode > V3CHKPT_DIRTY_PML)
		return -EOPNOTSUPP;
	vm = vm_lookup(c->name);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	ret = v3_dirty_fd(vm, c->mode);
	v3_vm_put(vm);
	return ret;
}
