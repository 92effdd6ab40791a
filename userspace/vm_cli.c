// SPDX-License-Identifier: GPL-2.0
/*
 * v3chkpt vm ..., save and load: the VM host model of /dev/v3chkpt.
 *
 * Syntax errors (an unknown option, workload key, pattern or device, a
 * malformed number) are usage errors (exit 2) that name what was wrong;
 * what only the kernel checks (ranges, names) fails with its errno (exit 1).
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/v3chkpt.h>
#include "cli.h"

#define CREATE_SYNOPSIS \
	"vm create NAME --mem SIZE --vcpus N [--workload KEY=VAL,...] [--devices LIST]"
#define SAVE_SYNOPSIS "save NAME STORE:URL [--skip mem,devs,cores,archdep] [XFER OPTIONS]"
#define LOAD_SYNOPSIS "load NAME STORE:URL [--create] [XFER OPTIONS]"

struct name_bit {
	const char *name;
	uint32_t bit;
};

static const struct name_bit devices[] = {
	{ "pit", V3CHKPT_DEV_PIT }, { "pic", V3CHKPT_DEV_PIC },
	{ "uart", V3CHKPT_DEV_UART }, { "rtc", V3CHKPT_DEV_RTC },
	{ "ioapic", V3CHKPT_DEV_IOAPIC }, { "lapic", V3CHKPT_DEV_LAPIC },
	{ "all", V3CHKPT_DEV_ALL },
};

static const struct name_bit skips[] = {
	{ "mem", V3CHKPT_SKIP_MEM }, { "devs", V3CHKPT_SKIP_DEVS },
	{ "cores", V3CHKPT_SKIP_CORES }, { "archdep", V3CHKPT_SKIP_ARCHDEP },
};

static const struct name_bit patterns[] = {
	{ "seq", V3CHKPT_WL_SEQUENTIAL }, { "random", V3CHKPT_WL_RANDOM },
	{ "hotcold", V3CHKPT_WL_HOTCOLD },
};

static const char *const states[] = {
	[V3CHKPT_VM_PAUSED] = "paused", [V3CHKPT_VM_RUNNING] = "running",
	[V3CHKPT_VM_STEPPING] = "stepping", [V3CHKPT_VM_FAILED] = "failed",
	[V3CHKPT_VM_MIGRATED] = "migrated",
};

/* Decimal, or hex with 0x; the whole string, no sign, no overflow. */
int parse_u64(const char *s, uint64_t *v)
{
	int base = 10;
	char *end;

	if (!strncasecmp(s, "0x", 2)) {
		s += 2;
		base = 16;
	}
	if (!isxdigit((unsigned char)*s) || (base == 10 && !isdigit((unsigned char)*s)))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno || *end ? -1 : 0;
}

static int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;

	if (parse_u64(s, &x) || x > UINT32_MAX)
		return -1;
	*v = x;
	return 0;
}

int parse_size(const char *s, uint64_t *v)
{
	char num[32], *p;
	size_t n = strlen(s);
	unsigned int shift = 0;

	if (!n || n >= sizeof(num))
		return -1;
	strcpy(num, s);
	p = num + n - 1;
	switch (*p) {
	case 'k': case 'K':
		shift = 10;
		break;
	case 'm': case 'M':
		shift = 20;
		break;
	case 'g': case 'G':
		shift = 30;
		break;
	}
	if (shift)
		*p = '\0';
	if (parse_u64(num, v) || *v > UINT64_MAX >> shift)
		return -1;
	*v <<= shift;
	return 0;
}

/* "a,b,c" of @tab's names into a mask; prints which one is unknown. */
static int parse_list(const char *arg, const struct name_bit *tab, size_t n,
		      const char *what, uint32_t *mask)
{
	const char *p = arg;

	*mask = 0;
	for (;;) {
		size_t len = strcspn(p, ","), i;

		for (i = 0; i < n; i++)
			if (strlen(tab[i].name) == len &&
			    !strncmp(p, tab[i].name, len))
				break;
		if (i == n) {
			cli_msg("unknown %s '%.*s' in '%s'", what, (int)len, p, arg);
			return -1;
		}
		*mask |= tab[i].bit;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

/* ws=PAGES,write=PCT,pattern=seq|random|hotcold,accesses=,io_every=,pace_us=,seed= */
static int parse_workload(const char *arg, struct v3chkpt_workload *w)
{
	char buf[512], *item, *save = NULL;

	if (!arg[0] || strlen(arg) >= sizeof(buf)) {
		cli_msg("--workload '%s' is empty or too long", arg);
		return -1;
	}
	strcpy(buf, arg);
	for (item = strtok_r(buf, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		char *val = strchr(item, '=');
		uint32_t *field = NULL;
		size_t i;

		if (!val || val == item) {
			cli_msg("--workload: '%s' is not KEY=VAL", item);
			return -1;
		}
		*val++ = '\0';
		if (!strcmp(item, "ws"))
			field = &w->ws_pages;
		else if (!strcmp(item, "write"))
			field = &w->write_pct;
		else if (!strcmp(item, "accesses"))
			field = &w->accesses;
		else if (!strcmp(item, "io_every"))
			field = &w->io_every;
		else if (!strcmp(item, "pace_us"))
			field = &w->pace_us;
		if (field) {
			if (parse_u32(val, field))
				goto bad_value;
			if (!*field)
				goto zero_value;
		} else if (!strcmp(item, "seed")) {
			uint64_t seed;

			if (parse_u64(val, &seed))
				goto bad_value;
			if (!seed)
				goto zero_value;
			w->seed = seed;
		} else if (!strcmp(item, "pattern")) {
			for (i = 0; i < ARRAY_SIZE(patterns); i++)
				if (!strcmp(val, patterns[i].name))
					break;
			if (i == ARRAY_SIZE(patterns)) {
				cli_msg("--workload: unknown pattern '%s' (seq, random or hotcold)",
					val);
				return -1;
			}
			w->pattern = patterns[i].bit;
		} else {
			cli_msg("--workload: unknown key '%s' (ws, write, pattern, accesses, io_every, pace_us, seed)",
				item);
			return -1;
		}
		continue;
bad_value:
		cli_msg("--workload: bad value '%s' for %s", val, item);
		return -1;
zero_value:
		/* The ABI reads a zero field as "use the default". */
		cli_msg("--workload: %s=0 is not a setting (leave %s out for its default)",
			item, item);
		return -1;
	}
	return 0;
}

/* Copy NAME into a VM name field; a name that cannot fit is a usage error. */
int vm_name(char dst[V3CHKPT_VM_NAME_MAX], const char *name)
{
	if (!name[0] || strlen(name) >= V3CHKPT_VM_NAME_MAX) {
		cli_msg("VM name '%s' must be 1 to %d characters", name,
			V3CHKPT_VM_NAME_MAX - 1);
		return -1;
	}
	strcpy(dst, name);
	return 0;
}

/*
 * Option argv[*i], "--opt VAL" or "--opt=VAL", one of @known: its name into
 * @opt and its value; NULL (a usage error, reported) if it is unknown or
 * has no value.
 */
const char *opt_split(int argc, char **argv, int *i,
		      const char *const *known, char *opt, size_t len)
{
	const char *arg = argv[*i], *eq = strchr(arg, '=');
	size_t n = eq ? (size_t)(eq - arg) : strlen(arg);

	while (*known && (strlen(*known) != n || strncmp(arg, *known, n)))
		known++;
	if (!*known || n >= len) {
		cli_msg("unknown option '%.*s'", (int)n, arg);
		return NULL;
	}
	strcpy(opt, *known);
	if (eq)
		return eq + 1;
	if (*i + 1 >= argc) {
		cli_msg("option %s needs a value", arg);
		return NULL;
	}
	return argv[++*i];
}

/*
 * One ioctl on the device, opened only now that the arguments have parsed:
 * 0, -1 with errno set, or 1 if the device could not be opened (reported).
 */
static int vm_ioctl(unsigned long cmd, void *arg)
{
	int dev = dev_open(), r, e;

	if (dev < 0)
		return 1;
	r = ioctl(dev, cmd, arg);
	e = errno;
	close(dev);
	errno = e;
	return r < 0 ? -1 : 0;
}

static int vm_create(int argc, char **argv)
{
	struct v3chkpt_vm_create c = { .size = sizeof(c) };
	bool have_mem = false, have_vcpus = false;
	const char *v;
	int i, r, e;

	if (argc < 2 || argv[1][0] == '-')
		return usage_error(CREATE_SYNOPSIS);
	if (vm_name(c.name, argv[1]))
		return 2;
	for (i = 2; i < argc; i++) {
		static const char *const known[] = {
			"--mem", "--vcpus", "--workload", "--devices", NULL
		};
		char opt[16];
		uint64_t mem;

		v = opt_split(argc, argv, &i, known, opt, sizeof(opt));
		if (!v)
			return usage_error(CREATE_SYNOPSIS);
		if (!strcmp(opt, "--mem")) {
			if (parse_size(v, &mem)) {
				cli_msg("--mem: bad size '%s' (bytes, or with K, M or G)", v);
				return 2;
			}
			c.config.mem_bytes = mem;
			have_mem = true;
		} else if (!strcmp(opt, "--vcpus")) {
			if (parse_u32(v, &c.config.vcpus)) {
				cli_msg("--vcpus: bad count '%s'", v);
				return 2;
			}
			have_vcpus = true;
		} else if (!strcmp(opt, "--workload")) {
			if (parse_workload(v, &c.config.workload))
				return 2;
		} else if (parse_list(v, devices, ARRAY_SIZE(devices),
				      "device", &c.config.devices)) {
			return 2;
		}
	}
	if (!have_mem || !have_vcpus) {
		cli_msg("vm create: --mem and --vcpus are required");
		return usage_error(CREATE_SYNOPSIS);
	}
	r = vm_ioctl(V3CHKPT_IOC_VM_CREATE, &c);
	if (r >= 0)
		return r;
	e = errno;
	r = fail_err(e, "vm create", argv[1]);
	if (e == EINVAL)
		cli_msg("(name: [A-Za-z0-9_.-]; --mem 64M..64G, a multiple of 2M; --vcpus 1..%d; write<=100, accesses 1..4096, pace_us<=1000000)",
			V3CHKPT_VM_VCPUS_MAX);
	return r;
}

static void format_size(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "KMGT";
	int u = -1;

	while (bytes >= 1024 && !(bytes % 1024) && u < 3) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, bytes);
	else
		snprintf(buf, len, "%" PRIu64 "%c", bytes, units[u]);
}

static int vm_list(int argc, char **argv)
{
	struct v3chkpt_vm_list l = { .size = sizeof(l) };
	struct v3chkpt_vm_entry *e = NULL;
	uint32_t i;
	int r;

	(void)argv;
	if (argc != 1)
		return usage_error("vm list");
	for (;;) {
		r = vm_ioctl(V3CHKPT_IOC_VM_LIST, &l);
		if (r) {
			free(e);
			return r > 0 ? r : fail_errno("vm list", NULL);
		}
		if (l.count <= l.capacity)
			break;
		free(e);
		l.capacity = l.count + 8;
		e = calloc(l.capacity, sizeof(*e));
		if (!e)
			return fail_errno("vm list", "out of memory");
		l.entries = (uintptr_t)e;
	}
	printf("%-31s %-8s %8s %5s %14s  %s\n", "NAME", "STATE", "MEMORY",
	       "VCPUS", "STEPS", "ERROR");
	for (i = 0; i < l.count; i++) {
		const char *st = e[i].state < ARRAY_SIZE(states) &&
				 states[e[i].state] ? states[e[i].state] : "?";
		char mem[32], err[48] = "-";

		format_size(mem, sizeof(mem), e[i].config.mem_bytes);
		if (e[i].error)
			snprintf(err, sizeof(err), "%s (%d)",
				 errno_name(-e[i].error), e[i].error);
		printf("%-31.31s %-8s %8s %5u %14llu  %s\n", e[i].name, st, mem,
		       e[i].config.vcpus, (unsigned long long)e[i].steps, err);
	}
	free(e);
	return 0;
}

static int vm_digest(const char *name)
{
	struct v3chkpt_vm_digest d = { .size = sizeof(d) };
	int r;

	if (vm_name(d.name, name))
		return 2;
	r = vm_ioctl(V3CHKPT_IOC_VM_DIGEST, &d);
	if (r)
		return r > 0 ? r : fail_errno("vm digest", name);
	printf("%016llx mem=%016llx vcpus=%016llx devs=%016llx\n",
	       (unsigned long long)d.total, (unsigned long long)d.memory,
	       (unsigned long long)d.vcpus, (unsigned long long)d.devices);
	return 0;
}

static int vm_ctl(const char *what, const char *name, uint32_t op,
		  uint64_t count)
{
	struct v3chkpt_vm_ctl c = { .size = sizeof(c), .op = op, .count = count };
	char label[32];
	int r, e;

	if (vm_name(c.name, name))
		return 2;
	r = vm_ioctl(V3CHKPT_IOC_VM_CTL, &c);
	if (r >= 0)
		return r;
	e = errno;
	snprintf(label, sizeof(label), "vm %s", what);
	r = fail_err(e, label, name);
	if (e == EBUSY && op == V3CHKPT_VM_OP_STEP)
		cli_msg("VM '%s' is not paused (vm pause %s first)", name, name);
	else if (e == EBUSY && op != V3CHKPT_VM_OP_DESTROY &&
		 op != V3CHKPT_VM_OP_PAUSE)
		cli_msg("VM '%s' is already running or stepping", name);
	return r;
}

static const struct {
	const char *name;
	uint32_t op;
} ctl_ops[] = {
	{ "run", V3CHKPT_VM_OP_RUN }, { "pause", V3CHKPT_VM_OP_PAUSE },
	{ "resume", V3CHKPT_VM_OP_RESUME }, { "destroy", V3CHKPT_VM_OP_DESTROY },
};

int cmd_vm(int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : "";
	size_t i;

	if (!strcmp(sub, "create"))
		return vm_create(argc - 1, argv + 1);
	if (!strcmp(sub, "list"))
		return vm_list(argc - 1, argv + 1);
	if (!strcmp(sub, "dirty"))
		return cmd_vm_dirty(argc - 1, argv + 1);
	if (!strcmp(sub, "digest")) {
		if (argc != 3)
			return usage_error("vm digest NAME");
		return vm_digest(argv[2]);
	}
	if (!strcmp(sub, "step")) {
		uint64_t count;

		if (argc != 4)
			return usage_error("vm step NAME COUNT");
		if (parse_u64(argv[3], &count) || !count) {
			cli_msg("vm step: COUNT '%s' is not a number >= 1", argv[3]);
			return 2;
		}
		return vm_ctl("step", argv[2], V3CHKPT_VM_OP_STEP, count);
	}
	for (i = 0; i < ARRAY_SIZE(ctl_ops); i++) {
		if (strcmp(sub, ctl_ops[i].name))
			continue;
		if (argc != 3)
			return usage_error("vm run|pause|resume|digest|destroy NAME");
		return vm_ctl(sub, argv[2], ctl_ops[i].op, 0);
	}
	if (sub[0])
		cli_msg("unknown vm command '%s'", sub);
	return usage_error("vm create|list|run|pause|resume|step|digest|dirty|destroy ...");
}

/* A load of a checkpoint saved with --skip keeps those parts of the VM. */
static void note_skipped(const char *where, const char *name, uint32_t options)
{
	char list[64] = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(skips); i++)
		if (options & skips[i].bit)
			snprintf(list + strlen(list), sizeof(list) - strlen(list),
				 "%s%s", list[0] ? "," : "", skips[i].name);
	if (options & ~V3CHKPT_SKIP_ALL)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s0x%x", list[0] ? "," : "", options & ~V3CHKPT_SKIP_ALL);
	cli_msg("note: %s was saved with --skip %s; %s kept its own", where,
		list, name);
}

struct progress {
	struct v3chkpt_progress p;	/* written by the kernel */
	const char *what, *name;
	bool done;		/* atomic: set by the ioctl's thread */
};

/* How far the kernel is, on one rewritten stderr line; false if unknown. */
static bool progress_line(struct progress *pr, const char *end)
{
	uint64_t done = __atomic_load_n(&pr->p.done, __ATOMIC_RELAXED);
	uint64_t total = __atomic_load_n(&pr->p.total, __ATOMIC_RELAXED);

	if (!total)
		return false;
	fprintf(stderr, "\r%s %s: %3u%% (%" PRIu64 " of %" PRIu64 " MiB)%s",
		pr->what, pr->name, (unsigned int)(done * 100 / total),
		done >> 20, total >> 20, end);
	return true;
}

/* Every 200 ms while the ioctl runs, then the last figure (100% if done). */
static void *progress_show(void *arg)
{
	struct progress *pr = arg;

	while (!__atomic_load_n(&pr->done, __ATOMIC_ACQUIRE)) {
		usleep(200 * 1000);
		if (!__atomic_load_n(&pr->done, __ATOMIC_ACQUIRE))
			progress_line(pr, "");
	}
	progress_line(pr, "\n");
	return NULL;
}

/* Save or load; on failure the kernel's reason and the errno. */
static int vm_xfer(unsigned long cmd, const char *name, const char *where,
		   struct target *t, uint32_t flags, uint32_t options,
		   bool progress)
{
	char errmsg[V3CHKPT_ERRMSG_MAX] = "", detail[V3CHKPT_ERRMSG_MAX + 128];
	struct v3chkpt_vm_xfer x = {
		.size = sizeof(x), .flags = flags, .options = options,
		.store = (uintptr_t)t->store, .url = (uintptr_t)t->url,
		.errmsg = (uintptr_t)errmsg, .errmsg_size = sizeof(errmsg),
	};
	bool load = cmd == V3CHKPT_IOC_VM_LOAD;
	struct progress pr = { .what = load ? "load" : "save", .name = name };
	sigset_t stops, old;
	pthread_t thr;
	int r, e;

	if (vm_name(x.name, name)) {
		target_wipe(t);
		return 2;
	}
	/*
	 * A stop signal would interrupt a net transfer for good (EINTR): it
	 * waits until the transfer is over.  Blocked before the progress
	 * thread starts, which inherits the mask: a stop delivered to any
	 * thread stops (and interrupts) them all.
	 */
	target_warn_unkeyed(t);
	sigemptyset(&stops);
	sigaddset(&stops, SIGTSTP);
	sigaddset(&stops, SIGTTIN);
	sigaddset(&stops, SIGTTOU);
	pthread_sigmask(SIG_BLOCK, &stops, &old);
	if (progress && !pthread_create(&thr, NULL, progress_show, &pr))
		x.progress = (uintptr_t)&pr.p;
	r = vm_ioctl(cmd, &x);
	e = errno;
	target_wipe(t);
	if (x.progress) {
		__atomic_store_n(&pr.done, true, __ATOMIC_RELEASE);
		pthread_join(thr, NULL);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (r > 0)
		return r;
	if (r == 0) {
		if (load && x.options)
			note_skipped(where, name, x.options);
		return 0;
	}
	errmsg[sizeof(errmsg) - 1] = '\0';
	snprintf(detail, sizeof(detail), "%s %s %s%s%s", name,
		 load ? "from" : "to", where, errmsg[0] ? ": " : "", errmsg);
	return fail_err(e, load ? "load" : "save", detail);
}

/*
 * Options of save and load: --skip (save), --create (load), and for both
 * --progress, --no-progress, and for net: --key-file and --timeout.
 */
static int xfer_opts(int argc, char **argv, bool save, struct target *t,
		     uint32_t *val, bool *progress)
{
	static const char *const known[] = {
		"--skip", "--key-file", "--timeout", NULL
	};
	const char *synopsis = save ? SAVE_SYNOPSIS : LOAD_SYNOPSIS;
	char opt[16];
	const char *v;
	uint32_t m;
	int i;

	*progress = isatty(STDERR_FILENO);
	for (i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--progress") ||
		    !strcmp(argv[i], "--no-progress")) {
			*progress = argv[i][2] == 'p';
			continue;
		}
		if (!save && !strcmp(argv[i], "--create")) {
			*val |= V3CHKPT_VM_LOAD_CREATE;
			continue;
		}
		v = opt_split(argc, argv, &i, known + !save, opt, sizeof(opt));
		if (!v)
			return usage_error(synopsis);
		if (!strcmp(opt, "--skip")) {
			if (parse_list(v, skips, ARRAY_SIZE(skips),
				       "--skip part", &m))
				return 2;
			*val |= m;
		} else if (target_net_option(t, opt, v)) {
			return 2;
		}
	}
	return 0;
}

int cmd_save(int argc, char **argv)
{
	uint32_t options = 0;
	struct target t;
	bool progress;
	int r;

	if (argc < 3)
		return usage_error(SAVE_SYNOPSIS);
	if (parse_target(argv[2], &t))
		return 2;
	r = xfer_opts(argc, argv, true, &t, &options, &progress);
	if (r) {
		target_wipe(&t);
		return r;
	}
	return vm_xfer(V3CHKPT_IOC_VM_SAVE, argv[1], argv[2], &t, 0, options,
		       progress);
}

int cmd_load(int argc, char **argv)
{
	uint32_t flags = 0;
	struct target t;
	bool progress;
	int r;

	if (argc < 3)
		return usage_error(LOAD_SYNOPSIS);
	if (parse_target(argv[2], &t))
		return 2;
	r = xfer_opts(argc, argv, false, &t, &flags, &progress);
	if (r) {
		target_wipe(&t);
		return r;
	}
	return vm_xfer(V3CHKPT_IOC_VM_LOAD, argv[1], argv[2], &t, flags, 0,
		       progress);
}
