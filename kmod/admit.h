/* SPDX-License-Identifier: GPL-2.0 */
/* Admission of large allocations (admit.c). */
#ifndef _V3CHKPT_ADMIT_H
#define _V3CHKPT_ADMIT_H


/* 0 if @npages more pages fit what the machine and the caller can give. */
int v3_admit_pages(unsigned long npages);

#endif /* _V3CHKPT_ADMIT_H */
