// SPDX-License-Identifier: GPL-2.0
/*
 * softib rdma_netdev data path: send() puts an skb on the fabric in the
 * wire format of IPoIB's own UD QP (GRH when the AH has one, the 4-byte
 * IPoIB header, the IP packet), with checksum offload and segmentation
 * done on the way (TSO at the MSS, each segment at most the port MTU).
 * Receiving, a flow hash picks the parent's channel (RSS) and the
 * destination QPN the net_device; the skb reaches the stack from that
 * channel's NAPI poll the way IPoIB's receive path hands it over: the
 * zeroed pseudo header and the IPoIB header in front of the network
 * header (the MAC header), the protocol from the IPoIB header, loopback
 * copies of the device's own multicast dropped, pkt_type from the DGID.
 */
#include <linux/tcp.h>
#include <net/checksum.h>
#include <net/gro.h>

#include "rn_priv.h"
#include "rnetdev.h"

/* The datagram template of one send: addresses from the AH, keys. */
static void rn_pkt_init(struct sib_rn *srn, struct sib_pkt *pkt,
			struct ib_ah *ah, u32 dqpn)
{
	const struct rdma_ah_attr *av = &to_sah(ah)->attr;
	struct sib_qp *qp = to_sqp(srn->qp);

	memset(pkt, 0, sizeof(*pkt));
	pkt->sport = srn->port;
	pkt->slid = sib_qp_lid(qp) | rdma_ah_get_path_bits(av);
	pkt->dlid = rdma_ah_get_dlid(av);
	pkt->sl = rdma_ah_get_sl(av);
	sib_port_pkey_at(srn->port, READ_ONCE(srn->pkey_index), &pkt->pkey);
	pkt->qkey = READ_ONCE(srn->qkey);
	pkt->src_qpn = srn->qp->qp_num;
	pkt->dst_qpn = dqpn;
	pkt->type = IB_QPT_UD;
	pkt->fault_ok = true;
	if (rdma_ah_get_ah_flags(av) & IB_AH_GRH)
		sib_fill_ud_grh(srn->port, pkt, av);
}

static void rn_wire(struct sib_pkt *pkt, u8 *data, u32 len)
{
	pkt->data = data;
	pkt->len = len;
	if (pkt->has_grh)
		pkt->grh.paylen = cpu_to_be16(len);
	sib_wire_ud(pkt);
}

/*
 * Checksum offload on the wire image @buf: the sum from csum_start to the
 * end, folded into the field at csum_offset (which holds the pseudo
 * header's sum), as a NIC does for CHECKSUM_PARTIAL.
 */
static int rn_csum(struct sk_buff *skb, u8 *buf)
{
	u32 start = skb_checksum_start_offset(skb);
	__sum16 *field;

	if (start + skb->csum_offset + sizeof(*field) > skb->len)
		return -EINVAL;
	field = (__sum16 *)(buf + start + skb->csum_offset);
	*field = csum_fold(csum_partial(buf + start, skb->len - start, 0)) ?:
		 CSUM_MANGLED_0;
	return 0;
}

static int rn_send_one(struct sib_rn *srn, struct sib_rn_txch *tc,
		       struct sk_buff *skb, struct sib_pkt *pkt, u32 mtu)
{
	int err;

	if (skb->len > mtu || skb_copy_bits(skb, 0, tc->buf, skb->len))
		return -EMSGSIZE;
	if (skb->ip_summed == CHECKSUM_PARTIAL) {
		err = rn_csum(skb, tc->buf);
		if (err)
			return err;
		sib_count(srn->port, SIB_CNT_XMIT_CSUM, 1);
	}
	rn_wire(pkt, tc->buf, skb->len);
	return 0;
}

/* TSO: one datagram per MSS of payload, headers fixed up per segment. */
static int rn_send_lso(struct sib_rn *srn, struct sib_rn_txch *tc,
		       struct sk_buff *skb, struct sib_pkt *pkt, u32 mtu)
{
	u32 hlen = skb_tcp_all_headers(skb), mss = skb_shinfo(skb)->gso_size;
	u32 len, off, n, i = 0;

	if (!mss || hlen >= skb->len || hlen + mss > mtu)
		return -EINVAL;
	len = skb->len - hlen;
	for (off = 0; off < len; off += n, i++) {
		n = min(mss, len - off);
		if (skb_copy_bits(skb, 0, tc->buf, hlen) ||
		    skb_copy_bits(skb, hlen + off, tc->buf + hlen, n))
			return -EINVAL;
		sib_lso_fix_segment(tc->buf, hlen, n, off, i, off + n >= len);
		rn_wire(pkt, tc->buf, hlen + n);
		sib_count(srn->port, SIB_CNT_XMIT_LSO_SEGS, 1);
	}
	sib_count(srn->port, SIB_CNT_XMIT_LSO, 1);
	return 0;
}

/**
 * sib_rn_send - rdma_netdev send: put one skb on the fabric
 * @ndev: the IPoIB net_device
 * @skb: starts with the IPoIB header; consumed
 * @ah: the destination's address handle
 * @dqpn: the destination QPN
 *
 * The datagrams are delivered (or queued by the fabric's fault injection,
 * as copies) before this returns, so @ah is not used afterwards: IPoIB
 * may free it at its next reap.  The skb's queue mapping picks the send
 * channel, whose lock guards the wire image buffer.
 *
 * Return: 0, IPoIB keeps it as the AH's last_send.
 */
int sib_rn_send(struct net_device *ndev, struct sk_buff *skb,
		struct ib_ah *ah, u32 dqpn)
{
	struct sib_rn *srn = sib_rn(ndev);
	unsigned int q = skb_get_queue_mapping(skb) % SIB_RN_MAX_CH;
	struct sib_rn_txch *tc = &srn->txch[q];
	u32 mtu = ib_mtu_enum_to_int(sib_params.mtu);
	struct sib_pkt pkt;
	int err = -ENETDOWN;

	spin_lock_bh(&tc->txlock);
	if (READ_ONCE(srn->open)) {
		rn_pkt_init(srn, &pkt, ah, dqpn);
		if (skb_is_gso(skb))
			err = rn_send_lso(srn, tc, skb, &pkt, mtu);
		else
			err = rn_send_one(srn, tc, skb, &pkt, mtu);
	}
	if (!err)
		sib_rn_stat_add(&srn->tx[q], skb->len);
	spin_unlock_bh(&tc->txlock);
	if (err) {
		atomic64_inc(&srn->tx_dropped);
		dev_kfree_skb_any(skb);
	} else {
		dev_consume_skb_any(skb);
	}
	return 0;
}

/* The payload of @pkt: its data, or the sender's scatter list. */
static void rn_copy_payload(u8 *to, const struct sib_pkt *pkt)
{
	const struct ib_sge *sg;
	u32 i;

	if (pkt->data || !pkt->src_sg) {
		memcpy(to, pkt->data, pkt->len);
		return;
	}
	for (i = 0; i < pkt->src_nsge; i++) {
		sg = &pkt->src_sg[i];
		memcpy(to, (void *)(uintptr_t)sg->addr, sg->length);
		to += sg->length;
	}
}

/* A multicast copy of what this net_device itself sent. */
static bool rn_own_loopback(struct sib_rn *srn, const struct sib_pkt *pkt)
{
	return pkt->has_grh && pkt->src_qpn == srn->qp->qp_num &&
	       !memcmp(&pkt->grh.sgid, srn->ndev->dev_addr + 4,
		       sizeof(pkt->grh.sgid));
}

static u8 rn_pkt_type(struct net_device *ndev, const struct sib_pkt *pkt)
{
	if (!pkt->has_grh || pkt->grh.dgid.raw[0] != 0xff)
		return PACKET_HOST;
	if (!memcmp(&pkt->grh.dgid, ndev->broadcast + 4,
		    sizeof(pkt->grh.dgid)))
		return PACKET_BROADCAST;
	return PACKET_MULTICAST;
}

/* Schedule a NAPI, letting the softirq run when the caller is a task. */
static void rn_napi_kick(struct napi_struct *napi)
{
	if (in_interrupt() || irqs_disabled()) {
		napi_schedule(napi);
		return;
	}
	local_bh_disable();
	napi_schedule(napi);
	local_bh_enable();
}

/* RSS: the flow hash picks one of the parent's channels. */
static void rn_enqueue(struct sib_rn *srn, struct sk_buff *skb)
{
	struct sib_rn *parent = READ_ONCE(srn->parent);
	struct sib_rn_chan *ch;
	unsigned long flags;
	unsigned int ix;
	bool ok;

	ix = reciprocal_scale(skb_get_hash(skb), READ_ONCE(parent->nch));
	if (!(srn->ndev->features & NETIF_F_RXHASH))
		skb_clear_hash(skb);
	skb_record_rx_queue(skb, ix);
	ch = &parent->ch[ix];
	spin_lock_irqsave(&ch->q.lock, flags);
	ok = ch->up && skb_queue_len(&ch->q) < READ_ONCE(parent->rx_ring);
	if (ok)
		__skb_queue_tail(&ch->q, skb);
	spin_unlock_irqrestore(&ch->q.lock, flags);
	if (!ok) {
		atomic64_inc(&srn->rx_dropped);
		dev_kfree_skb_any(skb);
		return;
	}
	rn_napi_kick(&ch->napi);
}

/**
 * sib_rn_rx - a datagram for an underlay QP
 * @qp: the underlay QP (a reference is held; its keys were checked)
 * @pkt: the datagram
 *
 * Context: any; the fabric's delivery, under rcu_read_lock().
 */
void sib_rn_rx(struct sib_qp *qp, struct sib_pkt *pkt)
{
	struct sib_rn *srn = READ_ONCE(qp->rn);
	struct net_device *ndev;
	struct sk_buff *skb;

	if (!srn || rn_own_loopback(srn, pkt))
		return;
	if (pkt->len > ib_mtu_enum_to_int(sib_params.mtu)) {
		sib_count(qp->port, SIB_CNT_DROP_TOO_LONG, 1);
		return;
	}
	ndev = srn->ndev;
	skb = pkt->len > SIB_RN_ENCAP_LEN ?
	      netdev_alloc_skb(ndev, SIB_RN_PSEUDO_LEN + pkt->len) : NULL;
	if (!skb) {
		atomic64_inc(&srn->rx_dropped);
		return;
	}
	sib_count(qp->port, SIB_CNT_RCV_PKTS, 1);
	sib_count(qp->port, SIB_CNT_RCV_BYTES, pkt->len);
	skb_reserve(skb, SIB_RN_PSEUDO_LEN);
	rn_copy_payload(skb_put(skb, pkt->len), pkt);
	skb->dev = ndev;
	skb->pkt_type = rn_pkt_type(ndev, pkt);
	skb->protocol = *(__be16 *)skb->data;
	memset(skb_push(skb, SIB_RN_PSEUDO_LEN), 0, SIB_RN_PSEUDO_LEN);
	skb_reset_mac_header(skb);
	skb_pull(skb, SIB_RN_PSEUDO_LEN + SIB_RN_ENCAP_LEN);
	skb_reset_network_header(skb);
	if (ndev->features & NETIF_F_RXCSUM) {
		skb->ip_summed = CHECKSUM_COMPLETE;
		skb->csum = csum_partial(skb->data, skb->len, 0);
	}
	rn_enqueue(srn, skb);
}

/**
 * sib_rn_poll - NAPI poll of one receive channel
 * @napi: the channel's
 * @budget: packets at most
 *
 * Return: packets handed to the stack.
 */
int sib_rn_poll(struct napi_struct *napi, int budget)
{
	struct sib_rn_chan *ch = container_of(napi, struct sib_rn_chan, napi);
	struct sk_buff *skb;
	int done = 0;

	while (done < budget && (skb = skb_dequeue(&ch->q))) {
		sib_rn_stat_add(&sib_rn(skb->dev)->rx[ch->ix], skb->len);
		napi_gro_receive(napi, skb);
		done++;
	}
	if (done < budget)
		napi_complete_done(napi, done);
	return done;
}

/**
 * sib_rn_purge - drop the queued packets of a parent's channels
 * @parent: the parent
 * @only: drop only those for this net_device (a child going away)
 */
void sib_rn_purge(struct sib_rn *parent, struct net_device *only)
{
	struct sk_buff *skb, *tmp;
	struct sib_rn_chan *ch;
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < SIB_RN_MAX_CH; i++) {
		ch = &parent->ch[i];
		spin_lock_irqsave(&ch->q.lock, flags);
		skb_queue_walk_safe(&ch->q, skb, tmp) {
			if (only && skb->dev != only)
				continue;
			__skb_unlink(skb, &ch->q);
			dev_kfree_skb_any(skb);
		}
		spin_unlock_irqrestore(&ch->q.lock, flags);
	}
}
