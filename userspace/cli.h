/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the v3chkpt control utility. */
#ifndef _V3CHKPT_CLI_H
#define _V3CHKPT_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/v3chkpt.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* STORE:URL, split at the first ':' (target.c) */
struct target {
	char store[V3CHKPT_STORE_MAX];
	char url[V3CHKPT_URL_MAX];	/* dir: absolute; net: with options */
};

extern const char *prog;

const char *errno_name(int err);
int fail_errno(const char *what, const char *detail);
int fail_err(int err, const char *what, const char *detail);
int usage_error(const char *synopsis);
void cli_msg(const char *fmt, ...);
/* Block SIGINT/SIGTERM for sigtimedwait() (msg.c). */
void cli_stops_block(sigset_t *stops);
int parse_target(const char *arg, struct target *t);
/* --key-file FILE or --timeout SECONDS, for a net: target */
int target_net_option(struct target *t, const char *opt, const char *val);
void target_wipe(struct target *t);
const char *target_show(const struct target *t, char *buf, size_t len);
void target_warn_unkeyed(const struct target *t);
int dev_open(void);

int cmd_inspect(int argc, char **argv);

/* json.c: --json output */
bool json_opt(int *argc, char **argv);	/* drops --json from argv */
void json_quote(const char *s);		/* a quoted, escaped string */
int json_version(int dev);
extern bool inspect_json;		/* inspect --json (inspect_dir.c too) */

/*
 * slurp.c: a file (or stdin, "-") whole: mapped if regular, else read;
 * NULL with errno on failure.  Give back with slurp_free().
 */
void *slurp(const char *path, size_t *len, bool *mapped);
void slurp_free(void *p, size_t len, bool mapped);

/* inspect_dir.c: a dir-store checkpoint as a stream source */
struct dir_src;
int dir_src_open(const char *path, struct dir_src **out);
ssize_t dir_src_read(void *priv, void *buf, size_t len);
void dir_src_close(struct dir_src *d);

/* vm_cli.c */
int cmd_vm(int argc, char **argv);
int parse_u64(const char *s, uint64_t *v);
/* Bytes, or a K/M/G (binary) multiple. */
int parse_size(const char *s, uint64_t *v);
int vm_name(char dst[V3CHKPT_VM_NAME_MAX], const char *name);
const char *opt_split(int argc, char **argv, int *i,
		      const char *const *known, char *opt, size_t len);
int cmd_save(int argc, char **argv);
int cmd_load(int argc, char **argv);

/* vm_dirty.c: vm dirty NAME [--mode ...] */
int cmd_vm_dirty(int argc, char **argv);

/* migrate.c: the two ends of a live migration */
int cmd_migrate(int argc, char **argv);
int cmd_receive(int argc, char **argv);

#endif
