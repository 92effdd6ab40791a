// SPDX-License-Identifier: GPL-2.0
/*
 * v3chkpt migrate and receive: the two ends of a live migration over a
 * net: connection (either may listen).  Each starts its end with one ioctl
 * that returns a migration fd, then waits for the end with poll(2), reading
 * the status for a progress line every 200 ms.  SIGINT or SIGTERM cancels
 * through the fd (the source VM runs on) and waits for the end as well:
 * the report says how the migration ended, and the exit status follows it
 * (0 DONE, 1 FAILED).  Closing the fd, however the CLI exits, cancels a
 * migration still running.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include <linux/v3chkpt.h>
#include "cli.h"

#define MIGRATE_SYNOPSIS \
	"migrate NAME net:connect:HOST:PORT --key-file K [--downtime MS]\n" \
	"       [--max-bandwidth RATE] [--compress lz4] [--on-stall throttle|abort]\n" \
	"       [--destroy-source] [--dirty-mode wp|ad|pml] [--max-rounds N]\n" \
	"       [--max-time S] [--timeout S] [--progress|--json]"
#define RECEIVE_SYNOPSIS \
	"receive NAME net:listen:ADDR:PORT --key-file K [--timeout S] [--paused]\n" \
	"       [--progress|--json]"
#define TICK_MS		200

struct mig_run {
	bool receive;		/* else migrate */
	char name[V3CHKPT_VM_NAME_MAX];
	const char *where;	/* the target as given (never holds a key) */
	struct target t;
	struct v3chkpt_vm_migrate m;
	uint32_t recv_flags;	/* V3CHKPT_MIG_RECV_* */
	bool json, progress;
	bool cancelled;		/* a stop signal came and CANCEL took it */
	bool line;		/* a progress line is open on the terminal */
	struct v3chkpt_mig_status st;
	char errmsg[V3CHKPT_ERRMSG_MAX];
};

static const char *const mig_states[] = {
	[V3CHKPT_MIG_CONNECTING] = "CONNECTING", [V3CHKPT_MIG_ROUNDS] = "ROUNDS",
	[V3CHKPT_MIG_SWITCHOVER] = "SWITCHOVER", [V3CHKPT_MIG_DONE] = "DONE",
	[V3CHKPT_MIG_FAILED] = "FAILED",
};

static const char *state_name(uint32_t s)
{
	return s < ARRAY_SIZE(mig_states) && mig_states[s] ? mig_states[s] : "?";
}

static const struct {
	const char *name;
	uint32_t mode;
} dirty_modes[] = {
	{ "wp", V3CHKPT_DIRTY_WP }, { "ad", V3CHKPT_DIRTY_AD },
	{ "pml", V3CHKPT_DIRTY_PML },
};

/* A whole number from @lo to @hi, or a usage error naming @opt. */
static int opt_num(const char *opt, const char *v, uint64_t lo, uint64_t hi,
		   uint64_t *out)
{
	if (parse_u64(v, out) || *out < lo || *out > hi) {
		cli_msg("%s: '%s' is not a number from %" PRIu64 " to %" PRIu64,
			opt, v, lo, hi);
		return -1;
	}
	return 0;
}

/* One migrate-only option (@opt, value @v) into r->m; -1 on a bad value. */
static int migrate_option(struct mig_run *r, const char *opt, const char *v)
{
	struct v3chkpt_vm_migrate *m = &r->m;
	uint64_t n;
	size_t k;

	if (!strcmp(opt, "--downtime")) {
		if (opt_num(opt, v, 1, 3600 * 1000, &n))
			return -1;
		m->downtime_ns = n * 1000000;
	} else if (!strcmp(opt, "--max-bandwidth")) {
		if (parse_size(v, &n) || !n) {
			cli_msg("--max-bandwidth: '%s' is not a rate (bytes/s, or with K, M or G)",
				v);
			return -1;
		}
		m->max_bandwidth = n;
	} else if (!strcmp(opt, "--compress")) {
		if (strcmp(v, "lz4")) {
			cli_msg("--compress: unknown method '%s' (lz4)", v);
			return -1;
		}
		m->flags |= V3CHKPT_MIG_COMPRESS_LZ4;
	} else if (!strcmp(opt, "--on-stall")) {
		if (!strcmp(v, "abort")) {
			m->flags |= V3CHKPT_MIG_STALL_ABORT;
		} else if (!strcmp(v, "throttle")) {
			m->flags &= ~V3CHKPT_MIG_STALL_ABORT;
		} else {
			cli_msg("--on-stall: '%s' is not throttle or abort", v);
			return -1;
		}
	} else if (!strcmp(opt, "--dirty-mode")) {
		for (k = 0; k < ARRAY_SIZE(dirty_modes); k++)
			if (!strcmp(v, dirty_modes[k].name))
				break;
		if (k == ARRAY_SIZE(dirty_modes)) {
			cli_msg("--dirty-mode: unknown mode '%s' (wp, ad or pml)", v);
			return -1;
		}
		m->dirty_mode = dirty_modes[k].mode;
	} else if (!strcmp(opt, "--max-rounds")) {
		if (opt_num(opt, v, 1, UINT32_MAX, &n))
			return -1;
		m->max_rounds = n;
	} else {	/* --max-time */
		if (opt_num(opt, v, 1, 365ULL * 86400, &n))
			return -1;
		m->max_time_ns = n * 1000000000ULL;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct mig_run *r)
{
	static const char *const known[] = {
		"--key-file", "--timeout", "--downtime", "--max-bandwidth",
		"--compress", "--on-stall", "--dirty-mode", "--max-rounds",
		"--max-time", NULL
	};
	const char *synopsis = r->receive ? RECEIVE_SYNOPSIS : MIGRATE_SYNOPSIS;
	const char *verb = r->receive ? "receive" : "migrate";
	bool progress_set = false;
	char opt[20];
	const char *v;
	int i;

	if (argc < 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return usage_error(synopsis);
	if (vm_name(r->name, argv[1]))
		return 2;
	r->where = argv[2];
	if (strncmp(argv[2], "net:", 4)) {
		cli_msg("%s: '%s' is not a net: target; a VM migrates over net:connect:HOST:PORT or net:listen:ADDR:PORT",
			verb, argv[2]);
		return usage_error(synopsis);
	}
	if (parse_target(argv[2], &r->t))
		return 2;
	if (strncmp(r->t.url, "connect:", 8) && strncmp(r->t.url, "listen:", 7)) {
		cli_msg("%s: '%s' is neither net:connect:HOST:PORT nor net:listen:ADDR:PORT",
			verb, argv[2]);
		return usage_error(synopsis);
	}
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			r->json = true;
			continue;
		}
		if (!strcmp(argv[i], "--progress")) {
			r->progress = progress_set = true;
			continue;
		}
		if (!r->receive && !strcmp(argv[i], "--destroy-source")) {
			r->m.flags |= V3CHKPT_MIG_DESTROY_SOURCE;
			continue;
		}
		if (r->receive && !strcmp(argv[i], "--paused")) {
			r->recv_flags |= V3CHKPT_MIG_RECV_PAUSED;
			continue;
		}
		/* receive knows --key-file and --timeout only */
		v = opt_split(argc, argv, &i, known, opt, sizeof(opt));
		if (!v)
			return usage_error(synopsis);
		if (!strcmp(opt, "--key-file") || !strcmp(opt, "--timeout")) {
			if (target_net_option(&r->t, opt, v))
				return 2;
		} else if (r->receive) {
			cli_msg("receive: %s is an option of migrate (the source decides)",
				opt);
			return usage_error(synopsis);
		} else if (migrate_option(r, opt, v)) {
			return 2;
		}
	}
	if (r->json && progress_set) {
		cli_msg("%s: --progress and --json are alternatives", verb);
		return usage_error(synopsis);
	}
	if (!progress_set)
		r->progress = !r->json && isatty(STDERR_FILENO);
	return 0;
}

/*
 * Start this end: the migration fd; -1 with *err; -2 (reported, *err set)
 * if the device did not open.
 */
static int mig_start(struct mig_run *r, int *err)
{
	struct v3chkpt_vm_receive rc = {
		.size = sizeof(rc), .flags = r->recv_flags,
	};
	int dev, fd;

	target_warn_unkeyed(&r->t);
	dev = dev_open();
	if (dev < 0) {
		*err = errno;
		target_wipe(&r->t);
		return -2;
	}
	if (r->receive) {
		strcpy(rc.name, r->name);
		rc.url = (uintptr_t)r->t.url;
		fd = ioctl(dev, V3CHKPT_IOC_VM_RECEIVE, &rc);
	} else {
		r->m.size = sizeof(r->m);
		strcpy(r->m.name, r->name);
		r->m.url = (uintptr_t)r->t.url;
		fd = ioctl(dev, V3CHKPT_IOC_VM_MIGRATE, &r->m);
	}
	*err = errno;
	close(dev);
	target_wipe(&r->t);
	return fd;
}

/* Why a start was refused, in the operator's words. */
static const char *start_hint(const struct mig_run *r, int e)
{
	switch (e) {
	case ENOENT:
		return r->receive ? NULL : "no VM of that name here";
	case EEXIST:
		return "a VM of that name exists here already (destroy it, or receive under another name)";
	case EBUSY:
		return "the VM has a dirty tracker (vm dirty) or a migration, or is stepping";
	case EIO:
		return "the VM has failed or has been migrated already";
	case ENOTTY:
		return "this module cannot migrate VMs (too old?)";
	case EOPNOTSUPP:
		return "this module cannot track dirty pages in that mode";
	default:
		return NULL;
	}
}

static int mig_status(int fd, struct mig_run *r)
{
	memset(&r->st, 0, sizeof(r->st));
	r->st.size = sizeof(r->st);
	r->st.errmsg = (uintptr_t)r->errmsg;
	r->st.errmsg_size = sizeof(r->errmsg);
	if (ioctl(fd, V3CHKPT_IOC_MIG_STATUS, &r->st))
		return -1;
	r->errmsg[sizeof(r->errmsg) - 1] = '\0';
	return 0;
}

static bool ended(const struct mig_run *r)
{
	return r->st.state == V3CHKPT_MIG_DONE ||
	       r->st.state == V3CHKPT_MIG_FAILED;
}

static double mib(uint64_t bytes)
{
	return bytes / (double)(1 << 20);
}

/* Round, what remains, the rate, expected downtime, throttle. */
static void progress_line(struct mig_run *r)
{
	const struct v3chkpt_mig_status *s = &r->st;
	bool tty = isatty(STDERR_FILENO);
	char buf[160];

	if (s->state == V3CHKPT_MIG_CONNECTING)
		snprintf(buf, sizeof(buf), "%s %s: connecting", r->receive ?
			 "receive" : "migrate", r->name);
	else if (r->receive)
		snprintf(buf, sizeof(buf), "receive %s: %s round %u, %.1f MiB received, %.1f MiB/s",
			 r->name, state_name(s->state), s->round,
			 mib(s->bytes_sent), mib(s->bandwidth));
	else
		snprintf(buf, sizeof(buf), "migrate %s: %s round %u, %.1f MiB left, %.1f MiB/s, expected downtime %.0f ms, throttle %u%%",
			 r->name, state_name(s->state), s->round,
			 mib(s->bytes_remaining), mib(s->bandwidth),
			 s->expected_downtime_ns / 1e6, s->throttle_pct);
	if (tty) {
		fprintf(stderr, "\r%s\033[K", buf);
		r->line = true;
	} else {
		fprintf(stderr, "%s\n", buf);
	}
}

static bool stop_pending(const sigset_t *stops)
{
	struct timespec zero = { 0, 0 };

	return sigtimedwait(stops, NULL, &zero) > 0;
}

static void ask_cancel(int fd, struct mig_run *r)
{
	if (!ioctl(fd, V3CHKPT_IOC_MIG_CANCEL, 0)) {
		r->cancelled = true;
		if (!r->json)
			cli_msg("%s %s: cancelling, waiting for the end",
				r->receive ? "receive" : "migrate", r->name);
	} else if (errno == EALREADY) {
		cli_msg("%s %s: too late to cancel: the switchover is under way",
			r->receive ? "receive" : "migrate", r->name);
	} else {
		fail_errno("cancel", r->name);
	}
}

/* Until the migration ends: 0 (r->st holds the end), or -1 (reported). */
static int mig_wait(int fd, struct mig_run *r, const sigset_t *stops)
{
	bool asked = false;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int n = poll(&p, 1, TICK_MS);

		if (n < 0 && errno != EINTR)
			return fail_errno("poll", r->name);
		if (!asked && stop_pending(stops)) {
			asked = true;
			ask_cancel(fd, r);
		}
		if (mig_status(fd, r))
			return fail_errno("migration status", r->name);
		/* POLLIN says it ended; the status says so too */
		if ((n > 0 && p.revents) || ended(r))
			break;
		if (r->progress)
			progress_line(r);
	}
	if (r->line) {
		fputc('\n', stderr);
		r->line = false;
	}
	/* POLLIN before the state changed would be a kernel bug: wait it out */
	while (!ended(r)) {
		poll(NULL, 0, 10);
		if (mig_status(fd, r))
			return fail_errno("migration status", r->name);
	}
	return 0;
}

/* Non-zero pages as they went on the wire against 4 KiB each. */
static double compression(const struct v3chkpt_mig_status *s)
{
	uint64_t raw = (s->pages_sent - s->pages_zero) * 4096;

	return s->page_bytes ? (double)raw / s->page_bytes : 1.0;
}

static const char *vm_state_name(uint32_t s)
{
	return s == V3CHKPT_VM_RUNNING ? "running" :
	       s == V3CHKPT_VM_PAUSED ? "paused" : NULL;
}

/* The one JSON object: the end, or a start refused (@err, no status). */
static void report_json(const struct mig_run *r, int err)
{
	const struct v3chkpt_mig_status *s = &r->st;
	bool ok = !err && s->state == V3CHKPT_MIG_DONE;
	const char *vs = vm_state_name(s->vm_state);

	/* the kernel accepted the name: [A-Za-z0-9_.-], nothing to escape */
	printf("{\"ok\":%s,\"command\":\"%s\",\"vm\":\"%s\",\"target\":",
	       ok ? "true" : "false", r->receive ? "receive" : "migrate",
	       r->name);
	json_quote(r->where);
	printf(",\"state\":\"%s\"", err ? "REFUSED" : state_name(s->state));
	if (!ok) {
		printf(",\"error\":\"%s\",\"reason\":",
		       errno_name(err ? err : -s->error));
		json_quote(err ? strerror(err) : r->errmsg[0] ? r->errmsg :
			 strerror(-s->error));
	}
	printf(",\"cancelled\":%s", r->cancelled ? "true" : "false");
	printf(",\"total_s\":%.6f,\"downtime_ms\":%.3f,\"pause_ms\":%.3f",
	       s->total_ns / 1e9, s->downtime_ns / 1e6, s->pause_ns / 1e6);
	printf(",\"expected_downtime_ms\":%.3f", s->expected_downtime_ns / 1e6);
	printf(",\"rounds\":%u,\"bytes_sent\":%llu,\"guest_bytes\":%llu",
	       s->round, (unsigned long long)s->bytes_sent,
	       (unsigned long long)s->guest_bytes);
	printf(",\"sent_ratio\":%.4f", s->guest_bytes ?
	       (double)s->bytes_sent / s->guest_bytes : 0.0);
	printf(",\"pages_sent\":%llu,\"pages_zero\":%llu,\"pages_lz4\":%llu,\"page_bytes\":%llu",
	       (unsigned long long)s->pages_sent,
	       (unsigned long long)s->pages_zero,
	       (unsigned long long)s->pages_lz4,
	       (unsigned long long)s->page_bytes);
	printf(",\"compression_ratio\":%.4f,\"throttle_pct\":%u",
	       compression(s), s->throttle_pct);
	if (r->receive && ok && vs)
		printf(",\"vm_state\":\"%s\"", vs);
	printf("}\n");
}

static void report_text(const struct mig_run *r)
{
	const struct v3chkpt_mig_status *s = &r->st;
	uint64_t nonzero = s->pages_sent - s->pages_zero;
	const char *vs = vm_state_name(s->vm_state);

	if (s->state == V3CHKPT_MIG_DONE && r->receive)
		printf("received VM %s from %s in %.3f s: %s\n", r->name,
		       r->where, s->total_ns / 1e9, vs ? vs : "?");
	else if (s->state == V3CHKPT_MIG_DONE)
		printf("migrated VM %s to %s in %.3f s%s\n", r->name, r->where,
		       s->total_ns / 1e9,
		       r->m.flags & V3CHKPT_MIG_DESTROY_SOURCE ?
		       " (source destroyed)" : " (source kept, state migrated)");
	else
		printf("%s of VM %s %s after %.3f s in round %u (%s)\n",
		       r->receive ? "receive" : "migration", r->name,
		       r->cancelled ? "cancelled" : "failed", s->total_ns / 1e9,
		       s->round, errno_name(-s->error));
	if (s->state == V3CHKPT_MIG_DONE)
		printf("  downtime:    %.1f ms (expected at the last round: %.1f ms; the pause: %.1f ms)\n",
		       s->downtime_ns / 1e6, s->expected_downtime_ns / 1e6,
		       s->pause_ns / 1e6);
	printf("  rounds:      %u\n", s->round);
	printf("  %-13s%.1f MiB for %.1f MiB of guest RAM (%.2fx)\n",
	       r->receive ? "received:" : "sent:", mib(s->bytes_sent),
	       mib(s->guest_bytes), s->guest_bytes ?
	       (double)s->bytes_sent / s->guest_bytes : 0.0);
	printf("  pages:       %llu sent, %llu zero, %llu lz4\n",
	       (unsigned long long)s->pages_sent,
	       (unsigned long long)s->pages_zero,
	       (unsigned long long)s->pages_lz4);
	printf("  compression: %.2fx (%.1f MiB of non-zero pages in %.1f MiB)\n",
	       compression(s), mib(nonzero * 4096), mib(s->page_bytes));
	if (!r->receive && s->throttle_pct)
		printf("  throttle:    %u%% at the end\n", s->throttle_pct);
}

static int mig_cmd(int argc, char **argv, bool receive)
{
	struct mig_run r = { .receive = receive };
	char detail[V3CHKPT_ERRMSG_MAX + 128];
	const char *hint;
	sigset_t stops;
	int fd, err, ret;

	ret = parse_args(argc, argv, &r);
	if (ret) {
		target_wipe(&r.t);
		return ret;
	}
	cli_stops_block(&stops);
	fd = mig_start(&r, &err);
	if (fd < 0) {
		if (r.json)
			report_json(&r, err);
		if (fd == -2)
			return 1;
		fail_err(err, receive ? "receive" : "migrate", r.name);
		hint = start_hint(&r, err);
		if (hint)
			cli_msg("%s", hint);
		return 1;
	}
	ret = mig_wait(fd, &r, &stops);
	close(fd);
	if (ret)
		return ret;
	if (r.json)
		report_json(&r, 0);
	else
		report_text(&r);
	if (fflush(stdout) || ferror(stdout))
		fail_errno("write", "stdout");
	if (r.st.state == V3CHKPT_MIG_DONE)
		return 0;
	snprintf(detail, sizeof(detail), "%s %s %s%s%s", r.name,
		 receive ? "from" : "to", r.where, r.errmsg[0] ? ": " : "",
		 r.errmsg);
	return fail_err(-r.st.error, receive ? "receive" : "migrate", detail);
}

int cmd_migrate(int argc, char **argv)
{
	return mig_cmd(argc, argv, false);
}

int cmd_receive(int argc, char **argv)
{
	return mig_cmd(argc, argv, true);
}
