// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: when a migration switches over, throttles or gives up
 * (kmod/migrate/converge.c), the bandwidth cap, and the vCPU throttle
 * that auto-converge turns.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/time64.h>
#include "../../kmod/migrate/converge.h"
#include "vm_helpers.h"

#define MB	(1000ULL * 1000)

static void switchover_when_left_fits(struct kunit *test)
{
	struct v3_conv_policy p;
	struct v3_conv c = { 0 };

	v3_conv_defaults(&p);
	KUNIT_EXPECT_EQ(test, p.downtime_ns, 50 * NSEC_PER_MSEC);
	/* 100 MB in 1 s; 10 MB left: 100 ms > 50 ms */
	KUNIT_EXPECT_EQ(test, v3_conv_round(&c, &p, 100 * MB, NSEC_PER_SEC,
					    10 * MB, 10 * MB), V3_CONV_ROUND);
	KUNIT_EXPECT_EQ(test, c.bw, 100 * MB);
	KUNIT_EXPECT_EQ(test, c.expected_downtime_ns, 100 * NSEC_PER_MSEC);
	/* 10 MB in 100 ms (100 MB/s still); 4 MB left: 40 ms */
	KUNIT_EXPECT_EQ(test, v3_conv_round(&c, &p, 10 * MB,
					    100 * NSEC_PER_MSEC, 4 * MB,
					    4 * MB), V3_CONV_SWITCHOVER);
	KUNIT_EXPECT_EQ(test, c.expected_downtime_ns, 40 * NSEC_PER_MSEC);
	KUNIT_EXPECT_EQ(test, c.rounds, 2U);
	KUNIT_EXPECT_EQ(test, c.throttle, 0U);
}

static void bandwidth_is_smoothed(struct kunit *test)
{
	struct v3_conv_policy p;
	struct v3_conv c = { 0 };

	v3_conv_defaults(&p);
	v3_conv_round(&c, &p, 100 * MB, NSEC_PER_SEC, 0, 1000 * MB);
	v3_conv_round(&c, &p, 20 * MB, NSEC_PER_SEC, 0, 1000 * MB);
	KUNIT_EXPECT_EQ(test, c.bw, 60 * MB);
	/* a zero-time round or a huge one neither divides by 0 nor traps */
	v3_conv_round(&c, &p, 1ULL << 40, 0, 0, 1ULL << 40);
	KUNIT_EXPECT_GT(test, c.bw, 60 * MB);
	c.bw = 1;
	c.dirty_rate = 0;
	v3_conv_round(&c, &p, 0, NSEC_PER_SEC, 0, 1ULL << 40);
	KUNIT_EXPECT_EQ(test, c.expected_downtime_ns, U64_MAX);
}

/* A guest dirtying as fast as the link: 20%, then +10% every 3 rounds. */
static void stall_throttles_step_by_step(struct kunit *test)
{
	struct v3_conv_policy p;
	struct v3_conv c = { 0 };
	u32 r, want = 0;

	v3_conv_defaults(&p);
	p.max_rounds = 0;
	for (r = 1; r <= 30; r++) {
		KUNIT_EXPECT_EQ(test, v3_conv_round(&c, &p, 50 * MB,
						    NSEC_PER_SEC, 60 * MB,
						    400 * MB), V3_CONV_ROUND);
		if (r % 3 == 0)
			want = want ? min(want + 10, 99U) : 20;
		KUNIT_EXPECT_EQ_MSG(test, c.throttle, want, "round %u", r);
	}
	KUNIT_EXPECT_EQ(test, c.throttle, 99U);
	/* a round that gains resets the count */
	c.stalled = 2;
	v3_conv_round(&c, &p, 500 * MB, NSEC_PER_SEC, 0, 400 * MB);
	KUNIT_EXPECT_EQ(test, c.stalled, 0U);
}

static void stall_abort_and_caps(struct kunit *test)
{
	struct v3_conv_policy p;
	struct v3_conv c = { 0 };

	v3_conv_defaults(&p);
	p.on_stall = V3_STALL_ABORT;
	KUNIT_EXPECT_EQ(test, v3_conv_round(&c, &p, MB, NSEC_PER_SEC, 2 * MB,
					    400 * MB), V3_CONV_ROUND);
	KUNIT_EXPECT_EQ(test, v3_conv_round(&c, &p, MB, NSEC_PER_SEC, 2 * MB,
					    400 * MB), V3_CONV_ROUND);
	KUNIT_EXPECT_EQ(test, v3_conv_round(&c, &p, MB, NSEC_PER_SEC, 2 * MB,
					    400 * MB), V3_CONV_ABORT_STALL);
	KUNIT_EXPECT_EQ(test, c.throttle, 0U);

	memset(&c, 0, sizeof(c));
	v3_conv_defaults(&p);
	p.max_rounds = 2;
	v3_conv_round(&c, &p, 100 * MB, NSEC_PER_SEC, MB, 400 * MB);
	KUNIT_EXPECT_EQ(test, v3_conv_round(&c, &p, 100 * MB, NSEC_PER_SEC,
					    MB, 400 * MB),
			V3_CONV_ABORT_ROUNDS);
	memset(&c, 0, sizeof(c));
	p.max_rounds = 0;
	p.max_time_ns = 3 * NSEC_PER_SEC;
	v3_conv_round(&c, &p, 100 * MB, 2 * NSEC_PER_SEC, MB, 400 * MB);
	KUNIT_EXPECT_EQ(test, v3_conv_round(&c, &p, 100 * MB, NSEC_PER_SEC,
					    MB, 400 * MB), V3_CONV_ABORT_TIME);
	/* what fits still goes, even at a cap */
	memset(&c, 0, sizeof(c));
	p.max_rounds = 1;
	KUNIT_EXPECT_EQ(test, v3_conv_round(&c, &p, 100 * MB, NSEC_PER_SEC,
					    MB, MB), V3_CONV_SWITCHOVER);
}

static void ratelimit_paces(struct kunit *test)
{
	struct v3_ratelimit rl;
	u64 t = 1000 * NSEC_PER_SEC;

	v3_ratelimit_init(&rl, 0, t);
	KUNIT_EXPECT_EQ(test, v3_ratelimit_take(&rl, 1ULL << 40, t), 0ULL);
	v3_ratelimit_init(&rl, MB, t);	/* 1 MB/s, bursts of 100 kB */
	KUNIT_EXPECT_EQ(test, v3_ratelimit_take(&rl, 50000, t),
			50 * NSEC_PER_MSEC);
	/* a second later: the debt is paid, 100 kB may go at once */
	t += NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, v3_ratelimit_take(&rl, 50000, t), 0ULL);
	t += 10 * NSEC_PER_SEC;
	KUNIT_EXPECT_EQ(test, v3_ratelimit_take(&rl, 100000, t), 0ULL);
	KUNIT_EXPECT_EQ(test, v3_ratelimit_take(&rl, 1000, t),
			NSEC_PER_MSEC);
}

static u64 steps_in(struct kunit *test, struct v3_vm *vm, unsigned int ms)
{
	u64 s0 = READ_ONCE(vm->vcpus[0].core.gpr[V3_RBX]);

	KUNIT_EXPECT_EQ(test, v3_vm_run(vm), 0);
	msleep(ms);
	KUNIT_EXPECT_EQ(test, v3_vm_pause(vm), 0);
	return vm->vcpus[0].core.gpr[V3_RBX] - s0;
}

static void throttle_slows_the_vcpus(struct kunit *test)
{
	struct v3_vm *vm = v3_kunit_vm(test, "kt-throttle", 64 << 20, 1);
	u64 free, slowed, back;

	free = steps_in(test, vm, 300);
	KUNIT_EXPECT_EQ(test, v3_vm_set_throttle(vm, 100), -EINVAL);
	KUNIT_ASSERT_EQ(test, v3_vm_set_throttle(vm, 80), 0);
	slowed = steps_in(test, vm, 300);
	KUNIT_ASSERT_EQ(test, v3_vm_set_throttle(vm, 0), 0);
	back = steps_in(test, vm, 300);
	kunit_info(test, "steps in 300 ms: %llu free, %llu at 80%%, %llu after\n",
		   free, slowed, back);
	/* 80% away keeps a fifth; allow for a noisy host */
	KUNIT_EXPECT_LT(test, slowed * 2, free);
	KUNIT_EXPECT_LT(test, slowed * 2, back);
	KUNIT_EXPECT_EQ(test, v3_vm_destroy("kt-throttle"), 0);
}

static struct kunit_case converge_cases[] = {
	KUNIT_CASE(switchover_when_left_fits),
	KUNIT_CASE(bandwidth_is_smoothed),
	KUNIT_CASE(stall_throttles_step_by_step),
	KUNIT_CASE(stall_abort_and_caps),
	KUNIT_CASE(ratelimit_paces),
	KUNIT_CASE(throttle_slows_the_vcpus),
	{}
};

static struct kunit_suite converge_suite = {
	.name = "v3chkpt_converge",
	.test_cases = converge_cases,
};
kunit_test_suite(converge_suite);
