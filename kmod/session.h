/* SPDX-License-Identifier: GPL-2.0 */
/* Checkpoint sessions as fds (session.c). */
#ifndef _V3CHKPT_SESSION_H
#define _V3CHKPT_SESSION_H

#include <linux/types.h>

/* A new session fd on @store/@url in @mode (V3CHKPT_MODE_*), or -errno. */
int v3_session_open(const char *store, const char *url, u32 mode);

#endif /* _V3CHKPT_SESSION_H */
