// SPDX-License-Identifier: GPL-2.0
/*
 * mcast_load: IPv4 multicast groups and traffic, for `make bench`.
 *
 *	mcast_load -i IFADDR -g GROUP -j N
 *	mcast_load -i IFADDR -g ADDR [-n N] [-l SIZE] [-t SECS] [-p PORT]
 *
 * With -j it joins the N consecutive groups GROUP, GROUP + 1, ... on the
 * interface that has IFADDR (one socket: the namespace's
 * net.ipv4.igmp_max_memberships must allow N), prints "joined N" and
 * holds them until it is killed.  Otherwise it sends SIZE-byte datagrams
 * (default 64) to ADDR:PORT (default 5203) out of that interface, as fast
 * as it can for SECS seconds (default 5), without a local copy
 * (IP_MULTICAST_LOOP off), and prints
 *
 *	sent N secs S rate R
 *
 * with R the datagrams per second (sendto calls that succeeded; ENOBUFS
 * and the like are retried, not counted).  ADDR is a group or a unicast
 * address; with -n the destination goes round the N consecutive addresses
 * ADDR, ADDR + 1, ..., one datagram each (the neighbour scale rows).
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

static char buf[65536];

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int print_usage(void)
{
	fprintf(stderr, "usage: mcast_load -i IFADDR -g GROUP -j N\n"
		"       mcast_load -i IFADDR -g ADDR [-n N] [-l SIZE] [-t SECS] [-p PORT]\n");
	return 2;
}

static int join_groups(int fd, struct in_addr ifaddr, struct in_addr group,
		       long n)
{
	struct ip_mreq mreq = { .imr_interface = ifaddr };
	long i;

	for (i = 0; i < n; i++) {
		mreq.imr_multiaddr.s_addr = htonl(ntohl(group.s_addr) + i);
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq,
			       sizeof(mreq))) {
			fprintf(stderr, "mcast_load: join %s (group %ld): %s\n",
				inet_ntoa(mreq.imr_multiaddr), i + 1,
				strerror(errno));
			return 1;
		}
	}
	printf("joined %ld\n", n);
	fflush(stdout);
	for (;;)
		pause();
	return 0;
}

static int send_load(int fd, struct in_addr ifaddr, struct in_addr group,
		     long ndst, int port, size_t size, double secs)
{
	unsigned long base = ntohl(group.s_addr);
	struct sockaddr_in dst = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr = group,
	};
	unsigned long long n = 0, i = 0;
	double start, end, t;
	unsigned char ttl = 1, loop = 0;

	/* no local copy for the groups this namespace has joined */
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifaddr,
		       sizeof(ifaddr)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop, sizeof(loop))) {
		perror("setsockopt");
		return 1;
	}
	start = now();
	end = start + secs;
	t = start;
	while (t < end) {
		dst.sin_addr.s_addr = htonl(base + i % ndst);
		if (sendto(fd, buf, size, 0, (struct sockaddr *)&dst,
			   sizeof(dst)) == (ssize_t)size)
			n++;
		else if (errno != ENOBUFS && errno != EAGAIN &&
			 errno != EINTR) {
			perror("sendto");
			return 1;
		}
		/* the clock every 64 sends: it costs as much as a send */
		if (!(++i & 63))
			t = now();
	}
	t = now();
	printf("sent %llu secs %.3f rate %.1f\n", n, t - start, n / (t - start));
	return 0;
}

int main(int argc, char **argv)
{
	struct in_addr ifaddr = { 0 }, group = { 0 };
	long size = 64, njoin = 0, ndst = 1;
	int port = 5203, opt, fd;
	double secs = 5;

	while ((opt = getopt(argc, argv, "i:g:j:n:l:t:p:")) != -1) {
		switch (opt) {
		case 'i':
			if (inet_pton(AF_INET, optarg, &ifaddr) != 1)
				return print_usage();
			break;
		case 'g':
			if (inet_pton(AF_INET, optarg, &group) != 1)
				return print_usage();
			break;
		case 'j':
			njoin = atol(optarg);
			break;
		case 'n':
			ndst = atol(optarg);
			break;
		case 'l':
			size = atol(optarg);
			break;
		case 't':
			secs = atof(optarg);
			break;
		case 'p':
			port = atoi(optarg);
			break;
		default:
			return print_usage();
		}
	}
	if (!ifaddr.s_addr || !group.s_addr ||
	    (njoin && !IN_MULTICAST(ntohl(group.s_addr))) ||
	    njoin < 0 || ndst < 1 || ndst > 65536 || size < 1 ||
	    size > (long)sizeof(buf) || secs <= 0 || port <= 0 || port > 65535)
		return print_usage();
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	if (njoin)
		return join_groups(fd, ifaddr, group, njoin);
	return send_load(fd, ifaddr, group, ndst, port, size, secs);
}
