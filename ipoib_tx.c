// SPDX-License-Identifier: GPL-2.0
/*
 * UD send rings: mapping an skb onto send SGEs (plain SEND or LSO), the
 * choice of a send queue, posting, queue stop/wake on ring pressure,
 * completions in each queue's TX NAPI poller, and recovery of a QP that a
 * send error left in SQE.
 *
 * Send queues.  Each net_device TX queue has a UD send queue of its own
 * (struct ipib_txq: ring, QP, CQ, NAPI), so transmits on different TX
 * queues share no lock, ring or CQ.  Queue 0 sends on the QP that also
 * receives; the others on send-only QPs, whose QPNs peers see as the
 * source of our datagrams (they answer to the QPN in our hardware
 * address, which is queue 0's).  Connected mode keeps to TX queue 0.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <net/icmp.h>
#include <net/dst.h>
#include <net/ipv6.h>
#include <rdma/ib_verbs.h>

#include "ipoib.h"

/**
 * ipib_tx_unmap - undo ipib_tx_map()
 * @dev: the interface
 * @buf: the slot
 */
void ipib_tx_unmap(struct ipib_dev *dev, struct ipib_tx_buf *buf)
{
	struct sk_buff *skb = buf->skb;
	unsigned int i = 0, f;

	if (skb_headlen(skb)) {
		ib_dma_unmap_single(dev->ca, buf->mapping[0], skb_headlen(skb),
				    DMA_TO_DEVICE);
		i = 1;
	}
	for (f = 0; i < buf->nmaps; i++, f++)
		ib_dma_unmap_page(dev->ca, buf->mapping[i],
				  skb_frag_size(&skb_shinfo(skb)->frags[f]),
				  DMA_TO_DEVICE);
	buf->nmaps = 0;
}

/**
 * ipib_tx_map - map the skb of a send slot onto SGEs
 * @dev: the interface
 * @buf: the slot, its skb set
 * @sge: one SGE per mapping (head, then each fragment)
 *
 * Return: 0, or -EIO with nothing left mapped.
 */
int ipib_tx_map(struct ipib_dev *dev, struct ipib_tx_buf *buf,
		struct ib_sge *sge)
{
	struct sk_buff *skb = buf->skb;
	unsigned int i, n = 0;
	u64 addr;

	buf->nmaps = 0;
	if (skb_headlen(skb)) {
		addr = ib_dma_map_single(dev->ca, skb->data, skb_headlen(skb),
					 DMA_TO_DEVICE);
		if (unlikely(ib_dma_mapping_error(dev->ca, addr)))
			return -EIO;
		buf->mapping[n] = addr;
		sge[n].length = skb_headlen(skb);
		buf->nmaps = ++n;
	}
	for (i = 0; i < skb_shinfo(skb)->nr_frags; i++) {
		skb_frag_t *frag = &skb_shinfo(skb)->frags[i];

		addr = ib_dma_map_page(dev->ca, skb_frag_page(frag),
				       skb_frag_off(frag), skb_frag_size(frag),
				       DMA_TO_DEVICE);
		if (unlikely(ib_dma_mapping_error(dev->ca, addr))) {
			ipib_tx_unmap(dev, buf);
			return -EIO;
		}
		buf->mapping[n] = addr;
		sge[n].length = skb_frag_size(frag);
		buf->nmaps = ++n;
	}
	for (i = 0; i < n; i++) {
		sge[i].addr = buf->mapping[i];
		sge[i].lkey = dev->pd->local_dma_lkey;
	}
	return 0;
}

/* Make the skb fit the QP's SGE limit and the link MTU. */
static int tx_prepare(struct ipib_dev *dev, struct sk_buff *skb,
		      struct ib_ud_wr *wr)
{
	unsigned int nsge = skb_shinfo(skb)->nr_frags + !!skb_headlen(skb);
	unsigned int hlen;

	/* may reallocate the head: before anything points into it */
	if (nsge > dev->ud.max_send_sge && skb_linearize(skb))
		return -ENOMEM;

	if (skb_is_gso(skb)) {
		hlen = skb_tcp_all_headers(skb);
		if (unlikely(!pskb_may_pull(skb, hlen)))
			return -EINVAL;
		wr->wr.opcode = IB_WR_LSO;
		wr->header = skb->data;
		wr->hlen = hlen;
		wr->mss = skb_shinfo(skb)->gso_size;
		skb_pull(skb, hlen);
	} else {
		if (unlikely(skb->len > READ_ONCE(dev->mcast_mtu) +
			     IPIB_ENCAP_LEN))
			return -EMSGSIZE;
		wr->wr.opcode = IB_WR_SEND;
	}
	if (skb->ip_summed == CHECKSUM_PARTIAL)
		wr->wr.send_flags |= IB_SEND_IP_CSUM;
	return 0;
}

/*
 * Room for one more send on @txq; queue 0 also carries every connection,
 * bounded together by dev->cm.tx_inflight.
 */
static bool tx_has_room(struct ipib_dev *dev, struct ipib_txq *txq)
{
	return ipib_send_ring_free(&txq->ring) > 1 &&
	       (txq->index || !ipib_cm_tx_busy(dev));
}

/**
 * ipib_tx_maybe_stop - stop a TX queue when its next send may not fit
 * @dev: the interface
 * @txq: the send queue (transmit path, its TX lock held)
 */
void ipib_tx_maybe_stop(struct ipib_dev *dev, struct ipib_txq *txq)
{
	if (tx_has_room(dev, txq))
		return;
	netif_stop_subqueue(dev->ndev, txq->index);
	/* pairs with the barrier in tx_maybe_wake() */
	smp_mb();
	if (tx_has_room(dev, txq))
		netif_wake_subqueue(dev->ndev, txq->index);
}

/**
 * ipib_select_queue - ndo_select_queue: the TX queue of a packet
 * @ndev: the interface
 * @skb: the packet
 * @sb_dev: subordinate device (unused: no macvlan offload)
 *
 * On the built-in path: every packet on queue 0 with one queue or in
 * connected mode (see ipib_cm_wanted()); otherwise a socket keeps the
 * queue it was given first (no reordering within a flow) and new sockets
 * are given the queues in turn, so that N flows use N queues; packets
 * without a full socket are spread by their flow hash.  The vendor path
 * keeps the core's choice.
 *
 * Return: the TX queue index.
 */
u16 ipib_select_queue(struct net_device *ndev, struct sk_buff *skb,
		      struct net_device *sb_dev)
{
	struct ipib_dev *dev = ipib_priv(ndev);
	unsigned int n = ndev->real_num_tx_queues;
	struct sock *sk = skb->sk;
	int q;

	if (ipib_is_vendor(dev))
		return netdev_pick_tx(ndev, skb, sb_dev);
	if (n == 1 || READ_ONCE(dev->mode) == IPIB_MODE_CONNECTED)
		return 0;
	if (!sk || !sk_fullsock(sk))
		return netdev_pick_tx(ndev, skb, sb_dev);
	q = sk_tx_queue_get(sk);
	if (q >= 0 && q < n)
		return q;
	q = (u32)atomic_inc_return(&dev->ud.next_txq) % n;
	sk_tx_queue_set(sk, q);
	return q;
}

/**
 * ipib_tx_too_big - answer a packet the destination cannot take
 * @dev: the interface
 * @skb: the packet, at the IPoIB header; consumed
 * @mtu: the largest IP packet the destination takes
 *
 * The route learns @mtu at once and the sender gets ICMP "fragmentation
 * needed" (IPv4) or "packet too big" (IPv6) carrying it, so that TCP and
 * path MTU discovery settle on what this destination can really take.
 */
void ipib_tx_too_big(struct ipib_dev *dev, struct sk_buff *skb,
		     unsigned int mtu)
{
	atomic64_inc(&dev->cm.stats.too_big);
	switch (ntohs(skb->protocol)) {
	case ETH_P_IP:
		skb_dst_update_pmtu_no_confirm(skb, mtu);
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(mtu));
		break;
	case ETH_P_IPV6:
		if (mtu < IPV6_MIN_MTU)
			break;
		skb_dst_update_pmtu_no_confirm(skb, mtu);
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
		break;
	}
	ipib_tx_drop_why(dev, skb, IPIB_DROP_TX_LENGTH);
}

/**
 * ipib_ud_send - post one skb as a UD send
 * @dev: the interface
 * @skb: data at the 4-byte IPoIB header; consumed
 * @ah: destination address handle (caller holds a reference or is in the
 *	RCU read section that read it)
 * @dqpn: destination QPN (IB_MULTICAST_QPN for multicast)
 *
 * Runs in the transmit path: the netif TX lock of the skb's TX queue held,
 * BH off; the send goes on that queue's ring and QP.
 */
void ipib_ud_send(struct ipib_dev *dev, struct sk_buff *skb,
		  struct ipib_ah *ah, u32 dqpn)
{
	struct ipib_txq *txq = &dev->ud.txq[skb_get_queue_mapping(skb)];
	struct ipib_send_ring *ring = &txq->ring;
	struct ib_sge sge[MAX_SKB_FRAGS + 1];
	struct ib_ud_wr wr = {};
	unsigned int seq = ring->head;
	struct ipib_tx_buf *buf;
	int rc;

	if (unlikely(!READ_ONCE(dev->qp_ready))) {
		ipib_tx_drop_why(dev, skb, IPIB_DROP_TX_NOT_READY);
		return;
	}
	buf = ipib_send_slot(ring, seq);
	if (unlikely(ipib_send_ring_full(ring))) {
		ipib_tx_drop_why(dev, skb, IPIB_DROP_TX_RING_FULL);
		return;
	}
	rc = tx_prepare(dev, skb, &wr);
	if (unlikely(rc == -EMSGSIZE)) {
		ipib_tx_too_big(dev, skb, READ_ONCE(dev->mcast_mtu));
		return;
	}
	if (unlikely(rc))
		goto err_drop;

	buf->skb = skb;
	rc = ipib_tx_map(dev, buf, sge);
	if (unlikely(rc))
		goto err_drop;

	wr.wr.wr_id = seq & ring->mask;
	wr.wr.sg_list = sge;
	wr.wr.num_sge = buf->nmaps;
	wr.wr.send_flags |= IB_SEND_SIGNALED;
	wr.ah = ah->ah;
	wr.remote_qpn = dqpn;
	wr.remote_qkey = READ_ONCE(dev->qkey);

	skb_tx_timestamp(skb);
	rc = ib_post_send(txq->qp, &wr.wr, NULL);
	if (unlikely(rc)) {
		ipib_warn(dev, "send post failed: %d\n", rc);
		ipib_tx_unmap(dev, buf);
		goto err_drop;
	}
	WRITE_ONCE(ah->last_send[txq->index], seq);
	/* ring slot and last_send are visible before the new head */
	smp_store_release(&ring->head, seq + 1);
	ipib_tx_kick(txq);
	ipib_tx_maybe_stop(dev, txq);
	return;

err_drop:
	buf->skb = NULL;
	atomic64_inc(&ring->errors);
	ipib_tx_drop_why(dev, skb, IPIB_DROP_TX_SEND_ERROR);
}

/**
 * ipib_send_ring_retire - retire the oldest send of a send ring
 * @dev: the interface
 * @ring: the ring (called by its consumer)
 * @slot: the completion's WR id without its flags
 * @wc: the completion
 * @acct: the ring whose counters count the send: a UD ring for its own
 *	sends, UD queue 0's for every connection's (the device's tx counters)
 * @budget: NAPI budget, 0 outside NAPI
 *
 * Only sends that completed count as sent; one that completed in error
 * counts in @acct's errors, one that was flushed counts nowhere.
 *
 * Return: 0, -EIO when the send failed (not flushed: the caller reacts),
 * or -EINVAL when the completion is not the ring's oldest (nothing done).
 */
int ipib_send_ring_retire(struct ipib_dev *dev, struct ipib_send_ring *ring,
			  u64 slot, const struct ib_wc *wc,
			  struct ipib_send_ring *acct, int budget)
{
	struct ipib_ring_stats *st = &acct->stats;
	unsigned int tail = ring->tail;
	struct ipib_tx_buf *buf = ipib_send_slot(ring, tail);
	struct sk_buff *skb = buf->skb;
	int rc = 0;

	if (unlikely(slot != (tail & ring->mask) || !skb)) {
		ipib_warn(dev, "send completion %llu out of order (tail %u)\n",
			  slot, tail);
		return -EINVAL;
	}
	ipib_tx_unmap(dev, buf);
	buf->skb = NULL;
	if (likely(wc->status == IB_WC_SUCCESS)) {
		u64_stats_update_begin(&st->syncp);
		st->packets++;
		st->bytes += skb->len;
		u64_stats_update_end(&st->syncp);
	} else if (wc->status != IB_WC_WR_FLUSH_ERR) {
		atomic64_inc(&acct->errors);
		rc = -EIO;
	}
	napi_consume_skb(skb, budget);
	/* the slot is free before the reaper or xmit see the new tail */
	smp_store_release(&ring->tail, tail + 1);
	return rc;
}

/**
 * ipib_tx_complete - retire the oldest send of a UD send ring
 * @txq: the send queue
 * @wc: its completion
 * @budget: NAPI budget, 0 outside NAPI
 */
void ipib_tx_complete(struct ipib_txq *txq, struct ib_wc *wc, int budget)
{
	struct ipib_dev *dev = txq->dev;

	if (ipib_send_ring_retire(dev, &txq->ring, wc->wr_id, wc, &txq->ring,
				  budget) != -EIO)
		return;
	ipib_warn(dev, "send completion error %d (vendor %#x) on queue %u\n",
		  wc->status, wc->vendor_err, txq->index);
	queue_work(dev->wq, &txq->recover_work);
}

/* Wake the TX queue once at most half of its ring is in use. */
static void tx_maybe_wake(struct ipib_dev *dev, struct ipib_txq *txq)
{
	struct ipib_send_ring *ring = &txq->ring;

	/* pairs with the barrier in tx_maybe_stop() */
	smp_mb();
	if (__netif_subqueue_stopped(dev->ndev, txq->index) &&
	    READ_ONCE(dev->qp_ready) &&
	    ipib_send_ring_used(ring) <= ring->size / 2 &&
	    (txq->index || ipib_cm_tx_may_wake(dev)))
		netif_wake_subqueue(dev->ndev, txq->index);
}

/* Sends that complete on @txq's CQ and are not retired yet. */
static bool tx_in_flight(struct ipib_dev *dev, struct ipib_txq *txq)
{
	return ipib_send_ring_used(&txq->ring) ||
	       (!txq->index && ipib_cm_tx_inflight(dev));
}

/*
 * Complete the poll; arm the CQ only when sends are still in flight.  A
 * send posted from now on either finds cq_armed clear and schedules the
 * NAPI itself, or finds it set after the in-flight check, and then the
 * CQ is armed and reports what completed before the arm.
 */
static void tx_poll_done(struct ipib_dev *dev, struct ipib_txq *txq,
			 int done)
{
	bool arm = tx_in_flight(dev, txq);

	WRITE_ONCE(txq->cq_armed, arm);
	if (napi_complete_done(&txq->napi, done) && arm &&
	    ib_req_notify_cq(txq->cq, IB_CQ_NEXT_COMP |
			     IB_CQ_REPORT_MISSED_EVENTS) > 0)
		napi_schedule(&txq->napi);
}

/**
 * ipib_tx_poll - the TX NAPI: retire the sends completed on a send CQ
 * @napi: the send queue's NAPI
 * @budget: completions it may retire
 *
 * Return: completions retired.
 */
int ipib_tx_poll(struct napi_struct *napi, int budget)
{
	struct ipib_txq *txq = container_of(napi, struct ipib_txq, napi);
	struct ipib_dev *dev = txq->dev;
	struct ib_wc *wc = txq->ring.wc;
	int done = 0;

	/* an event that scheduled this poll disarmed the CQ; pairs with
	 * the barrier in ipib_tx_kick()
	 */
	smp_store_mb(txq->cq_armed, false);
	while (done < budget) {
		int n, i;

		n = ib_poll_cq(txq->cq, min(budget - done, IPIB_WC_BATCH), wc);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (wc[i].wr_id & IPIB_WR_CM)
				ipib_cm_tx_complete(dev, &wc[i], budget);
			else
				ipib_tx_complete(txq, &wc[i], budget);
		}
		done += n;
	}
	if (done)
		tx_maybe_wake(dev, txq);
	if (done < budget)
		tx_poll_done(dev, txq, done);
	return done;
}

void ipib_send_comp(struct ib_cq *cq, void *ctx)
{
	struct ipib_txq *txq = ctx;

	napi_schedule(&txq->napi);
}

/**
 * ipib_tx_kick - see that a send just posted on @txq's CQ gets retired
 * @txq: the send queue whose CQ completes the send
 *
 * Transmit path, after the post and the ring's new head.  While the CQ is
 * armed its event will schedule the TX NAPI; otherwise the NAPI is
 * scheduled here and runs when the transmit path enables BH again.
 */
void ipib_tx_kick(struct ipib_txq *txq)
{
	/* the send is visible to the NAPI's in-flight check before
	 * cq_armed is read; pairs with the barrier in ipib_tx_poll()
	 */
	smp_mb();
	if (!READ_ONCE(txq->cq_armed))
		napi_schedule(&txq->napi);
}

/* A send error moves a UD QP to SQE; bring it back to RTS. */
void ipib_qp_recover_worker(struct work_struct *work)
{
	struct ipib_txq *txq = container_of(work, struct ipib_txq,
					    recover_work);
	struct ib_qp_init_attr init;
	struct ib_qp_attr attr;

	if (ib_query_qp(txq->qp, &attr, IB_QP_STATE, &init))
		return;
	if (attr.qp_state != IB_QPS_SQE)
		return;
	attr.qp_state = IB_QPS_RTS;
	if (ib_modify_qp(txq->qp, &attr, IB_QP_STATE))
		ipib_warn(txq->dev, "could not move send queue %u's QP from SQE to RTS\n",
			  txq->index);
}

/**
 * ipib_send_ring_force_free - free sends that never completed
 * @dev: the interface (for the DMA device)
 * @ring: the ring, owned by the caller (its QP in RESET)
 */
void ipib_send_ring_force_free(struct ipib_dev *dev,
			       struct ipib_send_ring *ring)
{
	while (ring->tail != ring->head) {
		struct ipib_tx_buf *buf = ipib_send_slot(ring, ring->tail);

		if (buf->skb) {
			ipib_tx_unmap(dev, buf);
			dev_kfree_skb_any(buf->skb);
			buf->skb = NULL;
		}
		ring->tail++;
	}
}

/**
 * ipib_send_ring_init - allocate an empty send ring
 * @ring: the ring (zeroed or freshly uninitialised)
 * @size: number of slots, a power of two
 *
 * Return: 0 or -ENOMEM.
 */
int ipib_send_ring_init(struct ipib_send_ring *ring, unsigned int size)
{
	ring->slots = kvcalloc(size, sizeof(*ring->slots), GFP_KERNEL);
	if (!ring->slots)
		return -ENOMEM;
	ring->size = size;
	ring->mask = size - 1;
	ring->head = 0;
	ring->tail = 0;
	u64_stats_init(&ring->stats.syncp);
	return 0;
}

/**
 * ipib_send_ring_uninit - free the slots of an empty send ring
 * @ring: the ring (every send completed or force-freed)
 */
void ipib_send_ring_uninit(struct ipib_send_ring *ring)
{
	kvfree(ring->slots);
	ring->slots = NULL;
}
