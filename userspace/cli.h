/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the v3chkpt control utility. */
#ifndef _V3CHKPT_CLI_H
#define _V3CHKPT_CLI_H

#include <linux/v3chkpt.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* STORE:URL, split at the first ':' */
struct target {
	char store[V3CHKPT_STORE_MAX];
	const char *url;
};

const char *errno_name(int err);
int fail_errno(const char *what, const char *detail);
int fail_err(int err, const char *what, const char *detail);
int usage_error(const char *synopsis);
void cli_msg(const char *fmt, ...);
int parse_target(const char *arg, struct target *t);
int dev_open(void);

int cmd_inspect(int argc, char **argv);

/* vm_cli.c */
int cmd_vm(int argc, char **argv);
int cmd_save(int argc, char **argv);
int cmd_load(int argc, char **argv);

#endif
