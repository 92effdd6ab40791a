/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest memory as a live unit: on the source, pages the dirty tracker
 * reports, sent in page batches in the parts of a "ram" section; on the
 * destination, those batches written straight into the new VM's memory.
 *
 * Each end keeps one xxh64 per page of what it sent or wrote, so that the
 * switchover can prove the two memories equal by comparing a hash of
 * those arrays (8 bytes a page) instead of reading all of guest memory
 * while the guest is paused.
 */
#ifndef _V3CHKPT_MIGRATE_RAM_H
#define _V3CHKPT_MIGRATE_RAM_H

#include <linux/types.h>
#include <v3chkpt/format.h>
#include "engine.h"

struct v3_vm;
struct v3_chkpt;
struct v3c_reader;

#define V3_MIG_RAM_SECTION_ID	1
#define V3_MIG_RAM_VERSION	1
#define V3_MIG_BATCH_PAGES	512	/* 2 MiB of raw pages per part */

struct v3_mig_ram_stats {
	u64 pages;		/* sent in batches */
	u64 zero;		/* of which as a bit */
	u64 lz4;		/* of which compressed */
	u64 page_bytes;		/* what the non-zero pages took */
};

struct v3_mig_ram {
	struct v3_vm *vm;
	struct v3_chkpt *chkpt;	/* the stream (source) */
	u32 mode;		/* V3CHKPT_DIRTY_* */
	bool lz4;
	unsigned long *dirty;	/* pages to send */
	__le64 *hashes;		/* per page: xxh64 of what went or landed */
	u8 *batch;		/* one part */
	size_t batch_cap;
	void *lz4_wrk;
	u8 *bounce;		/* a page, copied before it is hashed */
	struct v3_mig_ram_stats st;
	int error;		/* a harvest failed: the tracker is gone */
	u64 harvest_ns;		/* what the last harvest cost */
	/* called after each part, for the status */
	void (*progress)(void *arg);
	void *progress_arg;
	/* destination */
	bool started, ended;
	u64 gpa_end;
	size_t part_cap;
	u8 *part;
};

extern const struct v3_mig_unit_ops v3_mig_ram_ops;

int v3_mig_ram_init(struct v3_mig_ram *r, struct v3_vm *vm, bool source);
void v3_mig_ram_free(struct v3_mig_ram *r);
/* Destination: a section record the stream's reader met. */
int v3_mig_ram_section(struct v3_mig_ram *r, struct v3c_reader *rd, int item);
/* The hash over the per-page hashes: what the switchover compares. */
u64 v3_mig_ram_digest(const struct v3_mig_ram *r);

#endif /* _V3CHKPT_MIGRATE_RAM_H */
