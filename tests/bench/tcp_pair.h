/* SPDX-License-Identifier: GPL-2.0 */
#ifndef V3CHKPT_BENCH_TCP_PAIR_H
#define V3CHKPT_BENCH_TCP_PAIR_H
#include <stddef.h>

/* argv[0] is "tcp-recv" or "tcp-send"; see tcp_pair.c */
int tcp_pair(size_t size, int argc, char **argv);

#endif
