// SPDX-License-Identifier: GPL-2.0
/* Whole files for put and import: mapped when regular, else read. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli.h"

/* A pipe, FIFO or terminal: read to the end into a growing buffer. */
static void *read_all(int fd, size_t *len)
{
	size_t cap = 1 << 20;
	char *p = malloc(cap), *q;
	ssize_t n;

	*len = 0;
	while (p && (n = read(fd, p + *len, cap - *len)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			free(p);
			return NULL;
		}
		*len += n;
		if (*len == cap) {
			q = realloc(p, cap *= 2);
			if (!q)
				free(p);
			p = q;
		}
	}
	return p;
}

void *slurp(const char *path, size_t *len, bool *mapped)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	struct stat st;
	void *p;
	int err;

	*mapped = false;
	*len = 0;
	if (fd < 0)
		return NULL;
	if (fd && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size) {
		p = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (p == MAP_FAILED) {
			p = NULL;
		} else {
			*len = st.st_size;
			*mapped = true;
		}
	} else {
		/* Empty regular files too: every result is freed alike. */
		p = read_all(fd, len);
	}
	err = errno;
	if (fd)
		close(fd);
	errno = err;
	return p;
}

void slurp_free(void *p, size_t len, bool mapped)
{
	if (mapped)
		munmap(p, len);
	else
		free(p);
}
