/* SPDX-License-Identifier: GPL-2.0 */
/* /dev/v3chkpt (chardev.c). */
#ifndef _V3CHKPT_CHARDEV_H
#define _V3CHKPT_CHARDEV_H


int v3_chardev_init(void);
void v3_chardev_exit(void);

#endif /* _V3CHKPT_CHARDEV_H */
