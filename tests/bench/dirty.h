/* SPDX-License-Identifier: GPL-2.0 */
/* make bench: the dirty-page tracking figures (tests/bench/dirty.c). */
#ifndef _V3CHKPT_BENCH_DIRTY_H
#define _V3CHKPT_BENCH_DIRTY_H

/* Measure and print them, on /dev/v3chkpt opened as @dev. */
void dirty_bench(int dev);

#endif
