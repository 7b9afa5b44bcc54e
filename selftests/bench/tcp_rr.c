// SPDX-License-Identifier: GPL-2.0
/*
 * tcp_rr: TCP request/response rate, for `make bench`.
 *
 *	tcp_rr -s [-b ADDR] [-p PORT]
 *	tcp_rr -c ADDR [-p PORT] [-r SIZE] [-t SECS]
 *
 * The client connects and sends the answer size SIZE (default 1) as a
 * 32-bit number in network byte order; the server then answers every
 * 1-byte request with SIZE bytes until the client closes the connection,
 * and exits.  The client sends a 1-byte request, waits for the whole
 * answer, and so on for SECS seconds (default 5), then prints
 *
 *	transactions N secs S rate R
 *
 * with R the transactions per second.  Both ends set TCP_NODELAY.  IPv4
 * only; PORT defaults to 5202.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define RR_MAX_SIZE	65536

static char buf[RR_MAX_SIZE];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int print_usage(void)
{
	fprintf(stderr, "usage: tcp_rr -s [-b ADDR] [-p PORT]\n"
		"       tcp_rr -c ADDR [-p PORT] [-r SIZE] [-t SECS]\n");
	return 2;
}

/*
 * Read (@out false) or write exactly @len bytes; 0 on success, -1 on an
 * error or the end of the stream.
 */
static int xfer_all(int fd, char *p, size_t len, bool out)
{
	ssize_t n;

	while (len) {
		n = out ? write(fd, p, len) : read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static int read_all(int fd, void *p, size_t len)
{
	return xfer_all(fd, p, len, false);
}

static int write_all(int fd, const void *p, size_t len)
{
	return xfer_all(fd, (char *)p, len, true);
}

static void nodelay(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static int serve(struct sockaddr_in *sin)
{
	unsigned int size;	/* 32 bits on the wire */
	int one = 1;
	int lfd, fd;
	char req;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0) {
		perror("socket");
		return 1;
	}
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)sin, sizeof(*sin)) ||
	    listen(lfd, 1)) {
		perror("bind/listen");
		return 1;
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("accept");
		return 1;
	}
	close(lfd);
	nodelay(fd);
	if (read_all(fd, &size, sizeof(size)))
		return 1;
	size = ntohl(size);
	if (!size || size > RR_MAX_SIZE) {
		fprintf(stderr, "tcp_rr: bad answer size %u\n", size);
		return 1;
	}
	while (read_all(fd, &req, 1) == 0)
		if (write_all(fd, buf, size))
			break;
	close(fd);
	return 0;
}

static int client(struct sockaddr_in *sin, size_t size, double secs)
{
	unsigned int nsize = htonl(size);
	unsigned long long n = 0;
	double start, end, t;
	int fd;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (connect(fd, (struct sockaddr *)sin, sizeof(*sin))) {
		perror("connect");
		return 1;
	}
	nodelay(fd);
	if (write_all(fd, &nsize, sizeof(nsize))) {
		perror("write");
		return 1;
	}
	start = now();
	end = start + secs;
	do {
		if (write_all(fd, "r", 1) || read_all(fd, buf, size)) {
			fprintf(stderr, "tcp_rr: connection lost after %llu transactions\n", n);
			return 1;
		}
		n++;
		t = now();
	} while (t < end);
	close(fd);
	printf("transactions %llu secs %.3f rate %.1f\n", n, t - start,
	       n / (t - start));
	return 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	const char *addr = NULL;
	int port = 5202, server = 0, opt;
	long size = 1;
	double secs = 5;

	while ((opt = getopt(argc, argv, "sc:b:p:r:t:")) != -1) {
		switch (opt) {
		case 's':
			server = 1;
			break;
		case 'c':
		case 'b':
			addr = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'r':
			size = atol(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		default:
			return print_usage();
		}
	}
	if (size < 1 || size > RR_MAX_SIZE || secs <= 0 || port <= 0 ||
	    port > 65535 || (!server && !addr))
		return print_usage();
	sin.sin_port = htons(port);
	if (addr && inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "tcp_rr: bad IPv4 address %s\n", addr);
		return 2;
	}
	if (server)
		return serve(&sin);
	return client(&sin, size, secs);
}
