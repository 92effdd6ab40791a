// SPDX-License-Identifier: GPL-2.0
/*
 * The CLI's whole-file reader, on the host under ASan/LeakSanitizer: every
 * kind of input is read exactly and given back without a leak (an empty
 * FIFO once leaked its 1 MiB buffer).  TAP on stdout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../userspace/cli.h"

static int n, failed;

static void ok(int cond, const char *what)
{
	printf("%sok %d %s\n", cond ? "" : "not ", ++n, what);
	failed |= !cond;
}

/* A FIFO at @path fed @len bytes of a pattern by a child. */
static pid_t feed_fifo(const char *path, size_t len)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(path, O_WRONLY);
		char buf[4096];
		size_t i, off = 0;

		while (off < len) {
			size_t k = len - off < sizeof(buf) ? len - off : sizeof(buf);

			for (i = 0; i < k; i++)
				buf[i] = (char)((off + i) * 7);
			if (write(fd, buf, k) != (ssize_t)k)
				_exit(1);
			off += k;
		}
		_exit(0);
	}
	return pid;
}

static int pattern_ok(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != (char)(i * 7))
			return 0;
	return 1;
}

static void fifo_case(const char *dir, size_t len, const char *what)
{
	char path[256];
	bool mapped;
	size_t got;
	pid_t pid;
	void *p;
	int st;

	snprintf(path, sizeof(path), "%s/fifo", dir);
	unlink(path);
	if (mkfifo(path, 0600)) {
		ok(0, what);
		return;
	}
	pid = feed_fifo(path, len);
	p = slurp(path, &got, &mapped);
	waitpid(pid, &st, 0);
	ok(p && got == len && !mapped && pattern_ok(p, len), what);
	if (p)
		slurp_free(p, got, mapped);
	unlink(path);
}

int main(void)
{
	char dir[] = "/tmp/slurp_test.XXXXXX", path[256];
	bool mapped;
	size_t len;
	FILE *f;
	void *p;
	int i;

	if (!mkdtemp(dir))
		return 1;
	printf("TAP version 13\n1..6\n");
	snprintf(path, sizeof(path), "%s/file", dir);
	f = fopen(path, "w");
	for (i = 0; i < 10000; i++)
		fputc((char)(i * 7), f);
	fclose(f);
	p = slurp(path, &len, &mapped);
	ok(p && len == 10000 && mapped && pattern_ok(p, len),
	   "slurp: a regular file is mapped whole");
	if (p)
		slurp_free(p, len, mapped);

	f = fopen(path, "w");
	fclose(f);
	p = slurp(path, &len, &mapped);
	ok(p && len == 0 && !mapped, "slurp: an empty regular file");
	if (p)
		slurp_free(p, len, mapped);
	unlink(path);

	fifo_case(dir, 0, "slurp: an empty FIFO (its buffer is freed)");
	fifo_case(dir, 3 << 20, "slurp: 3 MiB through a FIFO (the buffer grows)");

	snprintf(path, sizeof(path), "%s/missing", dir);
	errno = 0;
	p = slurp(path, &len, &mapped);
	ok(!p && errno == ENOENT, "slurp: a missing file is NULL with ENOENT");

	ok(1, "slurp: LeakSanitizer runs at exit (a leak makes the exit non-zero)");
	rmdir(dir);
	return failed;
}
