// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend DST PORT COUNT TAG: send COUNT UDP datagrams "TAG i\n" (i from 1
 * to COUNT) to the IPv4 address DST, port PORT, back to back from one
 * unconnected socket.  Multicast leaves with TTL 1 and is looped back to
 * the sender's own host.  A failed send is reported on standard error and
 * the next one is tried; the exit status is 0 unless the arguments or the
 * socket are bad.
 *
 * Linked statically for the same reason as nsexec: on the debug kernel's
 * test guests a python3 that does the same costs seconds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int number(const char *s, long max, long *val)
{
	char *end;

	errno = 0;
	*val = strtol(s, &end, 10);
	return errno || end == s || *end || *val < 0 || *val > max ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst = { .sin_family = AF_INET };
	int one = 1, fd, len;
	long port, count, i;
	char buf[256];

	if (argc != 5 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 ||
	    number(argv[2], 65535, &port) || number(argv[3], 100000000, &count) ||
	    strlen(argv[4]) > 200) {
		fprintf(stderr, "usage: udpsend IPV4-ADDRESS PORT COUNT TAG\n");
		return 2;
	}
	dst.sin_port = htons(port);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &one, sizeof(one))) {
		perror("udpsend: socket");
		return 1;
	}
	for (i = 1; i <= count; i++) {
		len = snprintf(buf, sizeof(buf), "%s %ld\n", argv[4], i);
		if (sendto(fd, buf, len, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) < 0)
			fprintf(stderr, "sendto %ld: %s\n", i, strerror(errno));
	}
	close(fd);
	return 0;
}
