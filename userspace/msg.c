// SPDX-License-Identifier: GPL-2.0
/*
 * What every part of the CLI shares: its name, errno names, the one
 * format of its failure messages (what failed, the errno by name, exit 1;
 * usage errors exit 2), and opening the control device.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/v3chkpt.h>
#include "cli.h"

const char *prog = "v3chkpt";

static const struct { int err; const char *name; } errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { EIO, "EIO" },
	{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { ENOMEM, "ENOMEM" },
	{ EFAULT, "EFAULT" }, { EBUSY, "EBUSY" }, { EEXIST, "EEXIST" },
	{ ENODEV, "ENODEV" }, { EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" },
	{ ENOTTY, "ENOTTY" }, { ERANGE, "ERANGE" }, { ENAMETOOLONG, "ENAMETOOLONG" },
	{ ENODATA, "ENODATA" }, { EPROTO, "EPROTO" }, { EBADMSG, "EBADMSG" },
	{ EOVERFLOW, "EOVERFLOW" }, { EBADFD, "EBADFD" }, { EILSEQ, "EILSEQ" },
	{ EMSGSIZE, "EMSGSIZE" }, { EPROTONOSUPPORT, "EPROTONOSUPPORT" },
	{ ESPIPE, "ESPIPE" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { EINTR, "EINTR" }, { EACCES, "EACCES" },
	{ EALREADY, "EALREADY" }, { ESRCH, "ESRCH" }, { EAGAIN, "EAGAIN" },
	{ ECANCELED, "ECANCELED" }, { ESHUTDOWN, "ESHUTDOWN" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { EFBIG, "EFBIG" },
	{ ECONNREFUSED, "ECONNREFUSED" }, { ECONNRESET, "ECONNRESET" },
	{ ECONNABORTED, "ECONNABORTED" }, { EPIPE, "EPIPE" },
	{ EKEYREJECTED, "EKEYREJECTED" }, { ENOTDIR, "ENOTDIR" },
	{ ELOOP, "ELOOP" }, { ENOBUFS, "ENOBUFS" }, { ENFILE, "ENFILE" },
	{ EADDRINUSE, "EADDRINUSE" },
};

const char *errno_name(int err)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == err)
			return errnames[i].name;
	return "errno";
}

int fail_err(int err, const char *what, const char *detail)
{
	fprintf(stderr, "%s: %s%s%s: %s (%s)\n", prog, what,
		detail ? " " : "", detail ? detail : "", strerror(err),
		errno_name(err));
	if (err == ENOENT && !strcmp(what, "cannot open"))
		fprintf(stderr, "%s: is the module loaded (insmod v3chkpt.ko)?\n",
			prog);
	return 1;
}

int fail_errno(const char *what, const char *detail)
{
	return fail_err(errno, what, detail);
}

void cli_msg(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int usage_error(const char *synopsis)
{
	fprintf(stderr, "usage: %s %s\n(see %s --help)\n", prog, synopsis, prog);
	return 2;
}

int dev_open(void)
{
	int fd = open(V3CHKPT_DEVICE, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail_errno("cannot open", V3CHKPT_DEVICE);
	return fd;
}

static void on_stop(int sig)
{
	(void)sig;	/* only ever taken by sigtimedwait() */
}

/*
 * SIGINT and SIGTERM are blocked and taken by sigtimedwait() between the
 * steps of a long command (a harvest, a migration's poll), so none
 * arrives unseen.  The handler also undoes the SIG_IGN a non-interactive
 * shell gives its background jobs for SIGINT: `v3chkpt ... &` can still
 * be stopped.
 */
void cli_stops_block(sigset_t *stops)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(stops);
	sigaddset(stops, SIGINT);
	sigaddset(stops, SIGTERM);
	sigprocmask(SIG_BLOCK, stops, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
