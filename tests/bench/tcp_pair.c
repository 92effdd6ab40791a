// SPDX-License-Identifier: GPL-2.0
/*
 * Raw TCP between the two guests of make bench's migration pair: the
 * baseline the migration's throughput is a ratio to.
 *   bench MIB tcp-recv PORT RUNS        take RUNS connections, read each to
 *                                       its end, close it
 *   bench MIB tcp-send ADDR PORT RUNS   RUNS times: connect (again while
 *                                       refused, 60 s), write MIB MiB, shut
 *                                       the write side, wait for the close
 * The sender's clock stops at the receiver's close, so it covers every
 * byte delivered.  It prints "tcp MB/s BEST MIN MEDIAN" (10^6 bytes/s).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "tcp_pair.h"

#define TCP_RUNS_MAX	16
#define TCP_BUF		(1 << 20)

static double tnow(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int fail(const char *what)
{
	fprintf(stderr, "bench: tcp: %s: %s\n", what, strerror(errno));
	return 1;
}

static int tcp_recv(int port, int runs, char *buf)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0), i;

	if (ls < 0)
		return fail("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (void *)&a, sizeof(a)) || listen(ls, 1))
		return fail("listen");
	for (i = 0; i < runs; i++) {
		int c = accept(ls, NULL, NULL);
		ssize_t n;

		if (c < 0)
			return fail("accept");
		while ((n = read(c, buf, TCP_BUF)) > 0)
			;
		close(c);
		if (n < 0)
			return fail("read");
	}
	close(ls);
	return 0;
}

static int tcp_connect(const char *addr, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	double end = tnow() + 60;

	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		fprintf(stderr, "bench: tcp: bad IPv4 address '%s'\n", addr);
		return -1;
	}
	for (;;) {
		int s = socket(AF_INET, SOCK_STREAM, 0);

		if (s < 0)
			return -1;
		if (!connect(s, (void *)&a, sizeof(a)))
			return s;
		close(s);
		if (errno != ECONNREFUSED || tnow() > end)
			return -1;
		usleep(100000);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int tcp_send(const char *addr, int port, int runs, size_t size,
		    char *buf)
{
	double mbs[TCP_RUNS_MAX];
	int i;

	memset(buf, 0xa5, TCP_BUF);	/* not zero: nothing to gain on a link */
	for (i = 0; i < runs; i++) {
		int s = tcp_connect(addr, port);
		size_t off = 0;
		double t;
		ssize_t n;

		if (s < 0)
			return fail("connect");
		t = tnow();
		for (; off < size; off += n) {
			n = write(s, buf, size - off < TCP_BUF ? size - off : TCP_BUF);
			if (n <= 0)
				return fail("write");
		}
		shutdown(s, SHUT_WR);
		while ((n = read(s, buf, TCP_BUF)) > 0)
			;
		t = tnow() - t;
		close(s);
		mbs[i] = size / t / 1e6;
	}
	qsort(mbs, runs, sizeof(mbs[0]), cmp_double);
	printf("tcp MB/s %.1f %.1f %.1f\n", mbs[runs - 1], mbs[0], mbs[runs / 2]);
	return 0;
}

int tcp_pair(size_t size, int argc, char **argv)
{
	int port, runs, recv = !strcmp(argv[0], "tcp-recv");
	char *buf;
	int ret;

	if (argc != (recv ? 3 : 4)) {
		fprintf(stderr, "usage: bench MIB tcp-recv PORT RUNS | tcp-send ADDR PORT RUNS\n");
		return 2;
	}
	port = atoi(argv[recv ? 1 : 2]);
	runs = atoi(argv[recv ? 2 : 3]);
	if (port <= 0 || port > 65535 || runs < 1 || runs > TCP_RUNS_MAX) {
		fprintf(stderr, "bench: tcp: bad port or runs (1..%d)\n", TCP_RUNS_MAX);
		return 2;
	}
	buf = malloc(TCP_BUF);
	if (!buf)
		return fail("malloc");
	ret = recv ? tcp_recv(port, runs, buf) :
		     tcp_send(argv[1], port, runs, size, buf);
	free(buf);
	return ret;
}
