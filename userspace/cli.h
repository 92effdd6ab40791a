/* SPDX-License-Identifier: GPL-2.0 */
/* Shared helpers of the v3chkpt control utility. */
#ifndef _V3CHKPT_CLI_H
#define _V3CHKPT_CLI_H

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char *errno_name(int err);
int fail_errno(const char *what, const char *detail);
int fail_err(int err, const char *what, const char *detail);
int usage_error(const char *synopsis);

int cmd_inspect(int argc, char **argv);

#endif
