// SPDX-License-Identifier: GPL-2.0
/*
 * Stores register here by name.  An open checkpoint pins its store (a user
 * count and a reference on the owning module), so a store in use can be
 * neither unregistered nor unloaded.
 */
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/string.h>
#include <v3chkpt/store.h>
#include "store_registry.h"

static DEFINE_MUTEX(v3_store_lock);
static LIST_HEAD(v3_stores);

static bool v3_store_name_ok(const char *name)
{
	size_t len, i;

	if (!name)
		return false;
	len = strnlen(name, V3_CHKPT_STORE_NAME_MAX);
	if (!len || len >= V3_CHKPT_STORE_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!(name[i] >= 'a' && name[i] <= 'z') &&
		    !(name[i] >= '0' && name[i] <= '9') && name[i] != '_')
			return false;
	return true;
}

static struct v3_chkpt_store *v3_store_find(const char *name)
{
	struct v3_chkpt_store *s;

	list_for_each_entry(s, &v3_stores, node)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

int v3_chkpt_register_store(struct v3_chkpt_store *store)
{
	const struct v3_chkpt_store_ops *ops = store ? store->ops : NULL;
	int ret = 0;

	if (!ops || !v3_store_name_ok(store->name) || !ops->open ||
	    !ops->close || (!ops->read && !ops->write))
		return -EINVAL;
	mutex_lock(&v3_store_lock);
	if (v3_store_find(store->name)) {
		ret = -EEXIST;
	} else {
		store->users = 0;
		list_add_tail(&store->node, &v3_stores);
	}
	mutex_unlock(&v3_store_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(v3_chkpt_register_store);

int v3_chkpt_unregister_store(struct v3_chkpt_store *store)
{
	int ret = 0;

	mutex_lock(&v3_store_lock);
	if (!store || v3_store_find(store->name) != store)
		ret = -ENOENT;
	else if (store->users)
		ret = -EBUSY;
	else
		list_del_init(&store->node);
	mutex_unlock(&v3_store_lock);
	return ret;
}
EXPORT_SYMBOL_GPL(v3_chkpt_unregister_store);

struct v3_chkpt_store *v3_chkpt_store_get(const char *name)
{
	struct v3_chkpt_store *s;

	if (!v3_store_name_ok(name))
		return ERR_PTR(-EINVAL);
	mutex_lock(&v3_store_lock);
	s = v3_store_find(name);
	if (!s || !try_module_get(s->owner))
		s = ERR_PTR(-ENODEV);
	else
		s->users++;
	mutex_unlock(&v3_store_lock);
	return s;
}

void v3_chkpt_store_put(struct v3_chkpt_store *store)
{
	mutex_lock(&v3_store_lock);
	store->users--;
	mutex_unlock(&v3_store_lock);
	module_put(store->owner);
}
