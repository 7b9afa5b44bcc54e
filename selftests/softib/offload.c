// SPDX-License-Identifier: GPL-2.0
/*
 * softib UD offloads as seen by IPoIB: IPv4/TCP/UDP checksum generation
 * and verification, and TCP segmentation (LSO).  Messages start with the
 * 4-byte IPoIB header (EtherType in the first two bytes).
 */
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>

#include "softib.h"

#define SIB_IPOIB_HLEN 4

struct l4 {
	u8 proto;
	u8 *hdr;
	u32 len;
	__sum16 *csum;
	struct iphdr *ip4;
	struct ipv6hdr *ip6;
};

static bool parse_l4(u8 *data, u32 len, struct l4 *l4)
{
	__be16 proto;
	u32 ihl;

	memset(l4, 0, sizeof(*l4));
	if (len < SIB_IPOIB_HLEN + sizeof(struct iphdr))
		return false;
	proto = *(__be16 *)data;
	data += SIB_IPOIB_HLEN;
	len -= SIB_IPOIB_HLEN;
	if (proto == htons(ETH_P_IP)) {
		l4->ip4 = (struct iphdr *)data;
		ihl = l4->ip4->ihl * 4;
		if (ihl < sizeof(struct iphdr) || ihl > len ||
		    ntohs(l4->ip4->tot_len) > len ||
		    ntohs(l4->ip4->tot_len) < ihl ||
		    (l4->ip4->frag_off & htons(IP_MF | IP_OFFSET)))
			return false;
		l4->proto = l4->ip4->protocol;
		l4->hdr = data + ihl;
		l4->len = ntohs(l4->ip4->tot_len) - ihl;
	} else if (proto == htons(ETH_P_IPV6)) {
		if (len < sizeof(struct ipv6hdr))
			return false;
		l4->ip6 = (struct ipv6hdr *)data;
		l4->proto = l4->ip6->nexthdr;
		l4->hdr = data + sizeof(struct ipv6hdr);
		l4->len = ntohs(l4->ip6->payload_len);
		if (l4->len > len - sizeof(struct ipv6hdr))
			return false;
	} else {
		return false;
	}
	if (l4->proto == IPPROTO_TCP && l4->len >= sizeof(struct tcphdr))
		l4->csum = &((struct tcphdr *)l4->hdr)->check;
	else if (l4->proto == IPPROTO_UDP && l4->len >= sizeof(struct udphdr))
		l4->csum = &((struct udphdr *)l4->hdr)->check;
	return true;
}

static __sum16 l4_csum(const struct l4 *l4)
{
	__wsum sum = csum_partial(l4->hdr, l4->len, 0);

	if (l4->ip4)
		return csum_tcpudp_magic(l4->ip4->saddr, l4->ip4->daddr,
					 l4->len, l4->proto, sum);
	return csum_ipv6_magic(&l4->ip6->saddr, &l4->ip6->daddr, l4->len,
			       l4->proto, sum);
}

static void fill_l4(struct l4 *l4)
{
	if (l4->ip4) {
		l4->ip4->check = 0;
		l4->ip4->check = ip_fast_csum(l4->ip4, l4->ip4->ihl);
	}
	if (!l4->csum)
		return;
	*l4->csum = 0;
	*l4->csum = l4_csum(l4);
	if (l4->proto == IPPROTO_UDP && !*l4->csum)
		*l4->csum = CSUM_MANGLED_0;
}

void sib_csum_fill(u8 *data, u32 len)
{
	struct l4 l4;

	if (parse_l4(data, len, &l4))
		fill_l4(&l4);
}

/* True when the IP header and the TCP/UDP checksum are correct. */
bool sib_csum_verify(const u8 *data, u32 len)
{
	struct l4 l4;

	if (!parse_l4((u8 *)data, len, &l4) || !l4.csum)
		return false;
	if (l4.ip4 && ip_fast_csum(l4.ip4, l4.ip4->ihl))
		return false;
	if (l4.proto == IPPROTO_UDP && l4.ip4 && !*l4.csum)
		return true;
	return !l4_csum(&l4);
}

/* Set the IP length fields of a segment so that it parses. */
static void set_ip_len(u8 *seg, u32 hlen, u32 plen)
{
	__be16 proto = *(__be16 *)seg;
	u8 *ip = seg + SIB_IPOIB_HLEN;

	if (proto == htons(ETH_P_IP) &&
	    hlen >= SIB_IPOIB_HLEN + sizeof(struct iphdr))
		((struct iphdr *)ip)->tot_len =
			htons(hlen - SIB_IPOIB_HLEN + plen);
	else if (proto == htons(ETH_P_IPV6) &&
		 hlen >= SIB_IPOIB_HLEN + sizeof(struct ipv6hdr))
		((struct ipv6hdr *)ip)->payload_len =
			htons(hlen - SIB_IPOIB_HLEN - sizeof(struct ipv6hdr) +
			      plen);
}

/**
 * sib_lso_fix_segment - make one TCP segment of an LSO send consistent
 * @seg: the segment: IPoIB, IP and TCP headers, then @plen payload bytes
 * @hlen: header bytes
 * @plen: payload bytes
 * @off: offset of the payload in the whole send (the sequence number)
 * @i: the segment's number (the IPv4 ID)
 * @last: the last segment keeps FIN and PSH
 *
 * Sets the IP length, ID, TCP sequence and flags, and both checksums.
 */
void sib_lso_fix_segment(u8 *seg, u32 hlen, u32 plen, u32 off, u32 i,
			 bool last)
{
	struct tcphdr *th;
	struct l4 l4;

	set_ip_len(seg, hlen, plen);
	if (!parse_l4(seg, hlen + plen, &l4) || l4.proto != IPPROTO_TCP ||
	    !l4.csum)
		return;
	if (l4.ip4)
		l4.ip4->id = htons(ntohs(l4.ip4->id) + i);
	th = (struct tcphdr *)l4.hdr;
	th->seq = htonl(ntohl(th->seq) + off);
	if (i)
		th->cwr = 0;
	if (!last) {
		th->fin = 0;
		th->psh = 0;
	}
	fill_l4(&l4);
}

/**
 * sib_lso_send - segment an LSO work request into MSS-sized datagrams
 * @qp: sending QP
 * @wqe: the LSO WQE (header, hlen, mss)
 * @tmpl: the datagram template; its data is the gathered payload
 * @len: payload length
 *
 * Return: 0, or -EINVAL for a malformed request.
 */
int sib_lso_send(struct sib_qp *qp, const struct sib_swqe *wqe,
		 struct sib_pkt *tmpl, u32 len)
{
	u32 hlen = wqe->lso_hlen, mss = wqe->lso_mss, off, n, i = 0;
	u8 *payload = tmpl->data, *seg = qp->lso_seg;
	struct sib_pkt pkt;

	if (!mss || !hlen || hlen + mss > ib_mtu_enum_to_int(sib_params.mtu))
		return -EINVAL;
	for (off = 0; off < len || (!len && !off); off += n, i++) {
		n = min(mss, len - off);
		memcpy(seg, wqe->lso_hdr, hlen);
		memcpy(seg + hlen, payload + off, n);
		sib_lso_fix_segment(seg, hlen, n, off, i, off + n >= len);
		pkt = *tmpl;
		pkt.data = seg;
		pkt.len = hlen + n;
		if (pkt.has_grh)
			pkt.grh.paylen = cpu_to_be16(pkt.len);
		sib_wire_ud(&pkt);
		sib_count(qp->port, SIB_CNT_XMIT_LSO_SEGS, 1);
		if (!len)
			break;
	}
	sib_count(qp->port, SIB_CNT_XMIT_LSO, 1);
	return 0;
}
