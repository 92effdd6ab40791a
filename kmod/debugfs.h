/* SPDX-License-Identifier: GPL-2.0 */
/* debugfs counters for tests (debugfs.c). */
#ifndef _V3CHKPT_DEBUGFS_H
#define _V3CHKPT_DEBUGFS_H


void v3_debugfs_init(void);
void v3_debugfs_exit(void);

#endif /* _V3CHKPT_DEBUGFS_H */
