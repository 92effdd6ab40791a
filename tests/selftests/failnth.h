/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What failnth_test.c shares with the live-migration walks
 * (failnth_mig.c): the device, the fault injection, the kernel-log and
 * page-count checks, the walk's bookkeeping.
 */
#ifndef _V3CHKPT_SELFTEST_FAILNTH_H
#define _V3CHKPT_SELFTEST_FAILNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#endif

extern int dev;
extern int failures;		/* invariant violations seen */
extern unsigned int cur_n;	/* the walk's n, for messages */
extern const char *cur_op;
extern bool verbose;		/* FAILNTH_VERBOSE=1: a line per n */

/* Count every violation; print the first 50. */
#define FAIL(fmt, ...) do {						\
	if (failures++ < 50)						\
		printf("FAIL %s n=%u: " fmt "\n", cur_op, cur_n,	\
		       ##__VA_ARGS__);					\
} while (0)

int put_file(const char *path, const char *val);
int fn_open(void);
void fn_arm(int fd, unsigned int n);
unsigned int fn_left(int fd);
long vm_pages(void);
void kmsg_check(void);
bool listening(int port);
double now(void);

/* Errnos seen, for the summary. */
struct tally {
	int err[140];
	int absorbed;
};

void tally_print(const struct tally *t, char *out, size_t len);

/* failnth_mig.c: "mig-src" or "mig-dst"; 0 passed, 1 failed, 2 broken */
int mig_walk(const char *name);

#endif
