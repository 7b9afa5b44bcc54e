// SPDX-License-Identifier: GPL-2.0
/*
 * UD data path: the receive and send rings, their NAPI pollers, address
 * handles with deferred destruction, and the open/stop (drain) sequence.
 */
#include <linux/netdevice.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/delay.h>
#include <rdma/ib_verbs.h>

#include "ipoib.h"

#define IPIB_DRAIN_TIMEOUT	(5 * HZ)

static unsigned int tx_mask(void)
{
	return ipib_sendq_size - 1;
}

/* ------------------------------------------------------------------ */
/* Address handles                                                     */

/**
 * ipib_ah_create - create an address handle
 * @dev: the interface
 * @attr: address vector
 *
 * May sleep.  The caller owns the returned reference.
 *
 * Return: the AH or an ERR_PTR.
 */
struct ipib_ah *ipib_ah_create(struct ipib_dev *dev, struct rdma_ah_attr *attr)
{
	struct ipib_ah *ah;
	struct ib_ah *vah;

	ah = kzalloc(sizeof(*ah), GFP_KERNEL);
	if (!ah)
		return ERR_PTR(-ENOMEM);

	vah = rdma_create_ah(dev->pd, attr, RDMA_CREATE_AH_SLEEPABLE);
	if (IS_ERR(vah)) {
		kfree(ah);
		return ERR_CAST(vah);
	}
	ah->ah = vah;
	ah->dev = dev;
	refcount_set(&ah->ref, 1);
	ah->last_send = READ_ONCE(dev->tx_head) - 1;
	ah->valid = true;
	INIT_LIST_HEAD(&ah->dead_node);
	return ah;
}

/**
 * ipib_ah_put - drop a reference on an address handle
 * @ah: the AH (NULL is ignored)
 *
 * Any context.  The last reference parks the AH on the dead list; the
 * reaper destroys it once no transmit can still see it (RCU) and the send
 * ring has completed its last send.
 */
void ipib_ah_put(struct ipib_ah *ah)
{
	struct ipib_dev *dev;
	unsigned long flags;

	if (!ah || !refcount_dec_and_test(&ah->ref))
		return;

	dev = ah->dev;
	spin_lock_irqsave(&dev->ah_lock, flags);
	ah->gp_cookie = get_state_synchronize_rcu();
	list_add_tail(&ah->dead_node, &dev->dead_ahs);
	spin_unlock_irqrestore(&dev->ah_lock, flags);
	queue_delayed_work(system_wq, &dev->reap_work, round_jiffies_relative(HZ));
}

static bool ah_done(struct ipib_dev *dev, struct ipib_ah *ah, unsigned int tail)
{
	if (!poll_state_synchronize_rcu(ah->gp_cookie))
		return false;
	return (int)(tail - READ_ONCE(ah->last_send)) > 0;
}

/**
 * ipib_ah_reap - destroy dead address handles
 * @dev: the interface
 * @force: destroy all of them (the QP is drained or gone, RCU synchronised)
 */
void ipib_ah_reap(struct ipib_dev *dev, bool force)
{
	/* pairs with the release in tx_complete_one() */
	unsigned int tail = smp_load_acquire(&dev->tx_tail);
	struct ipib_ah *ah, *tmp;
	unsigned long flags;
	LIST_HEAD(done);

	spin_lock_irqsave(&dev->ah_lock, flags);
	list_for_each_entry_safe(ah, tmp, &dev->dead_ahs, dead_node)
		if (force || ah_done(dev, ah, tail))
			list_move(&ah->dead_node, &done);
	spin_unlock_irqrestore(&dev->ah_lock, flags);

	list_for_each_entry_safe(ah, tmp, &done, dead_node) {
		rdma_destroy_ah(ah->ah, RDMA_DESTROY_AH_SLEEPABLE);
		kfree(ah);
	}
}

static void reap_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(to_delayed_work(work),
					    struct ipib_dev, reap_work);
	bool more;

	ipib_ah_reap(dev, false);
	spin_lock_irq(&dev->ah_lock);
	more = !list_empty(&dev->dead_ahs);
	spin_unlock_irq(&dev->ah_lock);
	if (more)
		queue_delayed_work(system_wq, &dev->reap_work,
				   round_jiffies_relative(HZ));
}

/* ------------------------------------------------------------------ */
/* Receive ring                                                        */

static int rx_post(struct ipib_dev *dev, unsigned int idx)
{
	struct ipib_rx_buf *buf = &dev->rx_ring[idx];
	struct ib_sge sge = {
		.addr = buf->mapping,
		.length = dev->rx_buf_size,
		.lkey = dev->pd->local_dma_lkey,
	};
	struct ib_recv_wr wr = {
		.wr_id = idx,
		.sg_list = &sge,
		.num_sge = 1,
	};
	int rc;

	rc = ib_post_recv(dev->qp, &wr, NULL);
	if (unlikely(rc))
		ipib_warn(dev, "receive post failed: %d\n", rc);
	else
		dev->rx_posted++;
	return rc;
}

static struct sk_buff *rx_alloc(struct ipib_dev *dev, u64 *mapping, gfp_t gfp)
{
	struct sk_buff *skb;
	u64 addr;

	skb = __netdev_alloc_skb(dev->ndev, dev->rx_buf_size, gfp);
	if (unlikely(!skb))
		return NULL;

	addr = ib_dma_map_single(dev->ca, skb->data, dev->rx_buf_size,
				 DMA_FROM_DEVICE);
	if (unlikely(ib_dma_mapping_error(dev->ca, addr))) {
		dev_kfree_skb_any(skb);
		return NULL;
	}
	*mapping = addr;
	return skb;
}

static void rx_free(struct ipib_dev *dev, struct ipib_rx_buf *buf)
{
	if (!buf->skb)
		return;
	ib_dma_unmap_single(dev->ca, buf->mapping, dev->rx_buf_size,
			    DMA_FROM_DEVICE);
	dev_kfree_skb_any(buf->skb);
	buf->skb = NULL;
}

static int rx_ring_fill(struct ipib_dev *dev)
{
	unsigned int i;

	for (i = 0; i < ipib_recvq_size; i++) {
		struct ipib_rx_buf *buf = &dev->rx_ring[i];

		buf->skb = rx_alloc(dev, &buf->mapping, GFP_KERNEL);
		if (!buf->skb)
			return -ENOMEM;
		if (rx_post(dev, i))
			return -EIO;
	}
	return 0;
}

static void rx_ring_free(struct ipib_dev *dev)
{
	unsigned int i;

	for (i = 0; i < ipib_recvq_size; i++)
		rx_free(dev, &dev->rx_ring[i]);
	dev->rx_posted = 0;
}

/*
 * Our own multicast sends come back to our QP; drop them unless a GRH
 * shows they came from another port with the same LID.
 */
static bool rx_is_own_loopback(struct ipib_dev *dev, struct ib_wc *wc,
			       const struct ib_grh *grh)
{
	if (wc->slid != dev->local_lid || wc->src_qp != dev->qp->qp_num)
		return false;
	if (grh && grh->sgid.global.interface_id !=
		   dev->local_gid.global.interface_id)
		return false;
	return true;
}

static u8 rx_pkt_type(struct ipib_dev *dev, const struct ib_grh *grh)
{
	if (!grh || grh->dgid.raw[0] != 0xff)
		return PACKET_HOST;
	if (!memcmp(grh->dgid.raw, dev->ndev->broadcast + 4, sizeof(grh->dgid)))
		return PACKET_BROADCAST;
	return PACKET_MULTICAST;
}

static void rx_deliver(struct ipib_dev *dev, struct ib_wc *wc,
		       struct sk_buff *skb, const struct ib_grh *grh)
{
	struct ipib_ring_stats *st = &dev->rx_stats;
	struct ipib_header *hdr;
	u8 type = rx_pkt_type(dev, grh);

	skb_put(skb, wc->byte_len);
	skb_pull(skb, IPIB_GRH_LEN);
	hdr = (struct ipib_header *)skb->data;
	skb->protocol = hdr->proto;
	/* a zero pseudo header in front: packet sockets see no source */
	memset(skb_push(skb, IPIB_PSEUDO_LEN), 0, IPIB_PSEUDO_LEN);
	skb_reset_mac_header(skb);
	skb_pull(skb, IPIB_HARD_LEN);
	skb->pkt_type = type;
	skb->dev = dev->ndev;
	if ((dev->ndev->features & NETIF_F_RXCSUM) &&
	    (wc->wc_flags & IB_WC_IP_CSUM_OK))
		skb->ip_summed = CHECKSUM_UNNECESSARY;

	u64_stats_update_begin(&st->syncp);
	st->packets++;
	st->bytes += skb->len;
	if (type != PACKET_HOST)
		st->multicast++;
	u64_stats_update_end(&st->syncp);

	napi_gro_receive(&dev->napi_rx, skb);
}

static void rx_handle_error(struct ipib_dev *dev, struct ib_wc *wc,
			    unsigned int idx)
{
	if (wc->status == IB_WC_WR_FLUSH_ERR || !READ_ONCE(dev->qp_ready)) {
		rx_free(dev, &dev->rx_ring[idx]);
		return;
	}
	/* keep the ring full: the buffer goes straight back */
	ipib_warn(dev, "receive completion error %d (vendor %#x)\n",
		  wc->status, wc->vendor_err);
	atomic64_inc(&dev->rx_errors);
	rx_post(dev, idx);
}

static void rx_handle_wc(struct ipib_dev *dev, struct ib_wc *wc)
{
	unsigned int idx = wc->wr_id;
	const struct ib_grh *grh = NULL;
	struct ipib_rx_buf *buf;
	struct sk_buff *skb;
	u64 old_map;

	if (unlikely(idx >= ipib_recvq_size))
		return;
	buf = &dev->rx_ring[idx];
	dev->rx_posted--;
	if (unlikely(wc->status != IB_WC_SUCCESS)) {
		rx_handle_error(dev, wc, idx);
		return;
	}

	skb = buf->skb;
	old_map = buf->mapping;
	ib_dma_sync_single_for_cpu(dev->ca, old_map, IPIB_GRH_LEN,
				   DMA_FROM_DEVICE);
	if (wc->wc_flags & IB_WC_GRH)
		grh = (const struct ib_grh *)skb->data;
	if (unlikely(wc->byte_len < IPIB_GRH_LEN + IPIB_ENCAP_LEN ||
		     rx_is_own_loopback(dev, wc, grh)))
		goto repost;

	buf->skb = rx_alloc(dev, &buf->mapping, GFP_ATOMIC);
	if (unlikely(!buf->skb)) {
		dev_core_stats_rx_dropped_inc(dev->ndev);
		buf->skb = skb;
		buf->mapping = old_map;
		goto repost;
	}
	ib_dma_unmap_single(dev->ca, old_map, dev->rx_buf_size,
			    DMA_FROM_DEVICE);
	rx_post(dev, idx);
	rx_deliver(dev, wc, skb, grh);
	return;

repost:
	ib_dma_sync_single_for_device(dev->ca, buf->mapping, IPIB_GRH_LEN,
				      DMA_FROM_DEVICE);
	rx_post(dev, idx);
}

static int rx_poll(struct napi_struct *napi, int budget)
{
	struct ipib_dev *dev = container_of(napi, struct ipib_dev, napi_rx);
	int done = 0;

	while (done < budget) {
		int n, i;

		n = ib_poll_cq(dev->recv_cq, min(budget - done, IPIB_WC_BATCH),
			       dev->rx_wc);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			rx_handle_wc(dev, &dev->rx_wc[i]);
		done += n;
	}

	if (done < budget && napi_complete_done(napi, done) &&
	    ib_req_notify_cq(dev->recv_cq, IB_CQ_NEXT_COMP |
			     IB_CQ_REPORT_MISSED_EVENTS) > 0)
		napi_schedule(napi);
	return done;
}

void ipib_recv_comp(struct ib_cq *cq, void *ctx)
{
	struct ipib_dev *dev = ctx;

	napi_schedule(&dev->napi_rx);
}

/* ------------------------------------------------------------------ */
/* Send ring                                                           */

static void tx_unmap(struct ipib_dev *dev, struct ipib_tx_buf *buf)
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

static int tx_map(struct ipib_dev *dev, struct ipib_tx_buf *buf,
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
			tx_unmap(dev, buf);
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
	if (nsge > dev->max_send_sge && skb_linearize(skb))
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

static void tx_maybe_stop(struct ipib_dev *dev)
{
	unsigned int used = dev->tx_head - READ_ONCE(dev->tx_tail);

	if (used < ipib_sendq_size - 1)
		return;
	netif_stop_queue(dev->ndev);
	/* pairs with the barrier in tx_maybe_wake() */
	smp_mb();
	used = dev->tx_head - READ_ONCE(dev->tx_tail);
	if (used < ipib_sendq_size - 1)
		netif_wake_queue(dev->ndev);
}

/**
 * ipib_ud_send - post one skb as a UD send
 * @dev: the interface
 * @skb: data at the 4-byte IPoIB header; consumed
 * @ah: destination address handle (caller holds a reference or is in the
 *	RCU read section that read it)
 * @dqpn: destination QPN (IPIB_MCAST_QPN for multicast)
 *
 * Runs in the transmit path: netif TX lock held, BH off.
 */
void ipib_ud_send(struct ipib_dev *dev, struct sk_buff *skb,
		  struct ipib_ah *ah, u32 dqpn)
{
	struct ib_sge sge[MAX_SKB_FRAGS + 1];
	struct ib_ud_wr wr = {};
	unsigned int seq = dev->tx_head;
	struct ipib_tx_buf *buf = &dev->tx_ring[seq & tx_mask()];
	int rc;

	if (unlikely(!READ_ONCE(dev->qp_ready) ||
		     seq - READ_ONCE(dev->tx_tail) >= ipib_sendq_size)) {
		ipib_tx_drop(dev, skb);
		return;
	}
	rc = tx_prepare(dev, skb, &wr);
	if (unlikely(rc))
		goto err_drop;

	buf->skb = skb;
	rc = tx_map(dev, buf, sge);
	if (unlikely(rc))
		goto err_drop;

	wr.wr.wr_id = seq & tx_mask();
	wr.wr.sg_list = sge;
	wr.wr.num_sge = buf->nmaps;
	wr.wr.send_flags |= IB_SEND_SIGNALED;
	wr.ah = ah->ah;
	wr.remote_qpn = dqpn;
	wr.remote_qkey = READ_ONCE(dev->qkey);

	skb_tx_timestamp(skb);
	rc = ib_post_send(dev->qp, &wr.wr, NULL);
	if (unlikely(rc)) {
		ipib_warn(dev, "send post failed: %d\n", rc);
		tx_unmap(dev, buf);
		goto err_drop;
	}
	WRITE_ONCE(ah->last_send, seq);
	/* ring slot and last_send are visible before the new head */
	smp_store_release(&dev->tx_head, seq + 1);
	tx_maybe_stop(dev);
	return;

err_drop:
	buf->skb = NULL;
	atomic64_inc(&dev->tx_errors);
	ipib_tx_drop(dev, skb);
}

static void tx_complete_one(struct ipib_dev *dev, struct ib_wc *wc,
			    int budget)
{
	unsigned int tail = dev->tx_tail;
	struct ipib_tx_buf *buf = &dev->tx_ring[tail & tx_mask()];
	struct ipib_ring_stats *st = &dev->tx_stats;
	struct sk_buff *skb = buf->skb;

	if (unlikely(wc->wr_id != (tail & tx_mask()) || !skb)) {
		ipib_warn(dev, "send completion %llu out of order (tail %u)\n",
			  wc->wr_id, tail);
		return;
	}
	tx_unmap(dev, buf);
	buf->skb = NULL;
	if (likely(wc->status == IB_WC_SUCCESS)) {
		u64_stats_update_begin(&st->syncp);
		st->packets++;
		st->bytes += skb->len;
		u64_stats_update_end(&st->syncp);
	} else if (wc->status != IB_WC_WR_FLUSH_ERR) {
		ipib_warn(dev, "send completion error %d (vendor %#x)\n",
			  wc->status, wc->vendor_err);
		atomic64_inc(&dev->tx_errors);
		queue_work(dev->wq, &dev->qp_recover_work);
	}
	napi_consume_skb(skb, budget);
	/* the slot is free before the reaper or xmit see the new tail */
	smp_store_release(&dev->tx_tail, tail + 1);
}

static void tx_maybe_wake(struct ipib_dev *dev)
{
	/* pairs with the barrier in tx_maybe_stop() */
	smp_mb();
	if (netif_queue_stopped(dev->ndev) && READ_ONCE(dev->qp_ready) &&
	    READ_ONCE(dev->tx_head) - dev->tx_tail <= ipib_sendq_size / 2)
		netif_wake_queue(dev->ndev);
}

static int tx_poll(struct napi_struct *napi, int budget)
{
	struct ipib_dev *dev = container_of(napi, struct ipib_dev, napi_tx);
	int done = 0;

	while (done < budget) {
		int n, i;

		n = ib_poll_cq(dev->send_cq, min(budget - done, IPIB_WC_BATCH),
			       dev->tx_wc);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++)
			tx_complete_one(dev, &dev->tx_wc[i], budget);
		done += n;
	}
	if (done)
		tx_maybe_wake(dev);

	if (done < budget && napi_complete_done(napi, done) &&
	    ib_req_notify_cq(dev->send_cq, IB_CQ_NEXT_COMP |
			     IB_CQ_REPORT_MISSED_EVENTS) > 0)
		napi_schedule(napi);
	return done;
}

void ipib_send_comp(struct ib_cq *cq, void *ctx)
{
	struct ipib_dev *dev = ctx;

	napi_schedule(&dev->napi_tx);
}

/* A send error moves a UD QP to SQE; bring it back to RTS. */
static void qp_recover_worker(struct work_struct *work)
{
	struct ipib_dev *dev = container_of(work, struct ipib_dev,
					    qp_recover_work);
	struct ib_qp_init_attr init;
	struct ib_qp_attr attr;

	if (ib_query_qp(dev->qp, &attr, IB_QP_STATE, &init))
		return;
	if (attr.qp_state != IB_QPS_SQE)
		return;
	attr.qp_state = IB_QPS_RTS;
	if (ib_modify_qp(dev->qp, &attr, IB_QP_STATE))
		ipib_warn(dev, "could not move the QP from SQE to RTS\n");
}

/* ------------------------------------------------------------------ */
/* Open and stop                                                       */

/**
 * ipib_ib_open - bring the UD QP to RTS with a full receive ring
 * @dev: the interface
 *
 * Return: 0 or a negative errno (everything undone).
 */
int ipib_ib_open(struct ipib_dev *dev)
{
	int rc;

	ASSERT_RTNL();
	if (dev->qp_ready)
		return 0;

	rc = ipib_qp_to_rts(dev);
	if (rc)
		goto err_out;
	rc = rx_ring_fill(dev);
	if (rc)
		goto err_reset_qp;

	WRITE_ONCE(dev->qp_ready, true);
	napi_enable(&dev->napi_rx);
	napi_enable(&dev->napi_tx);
	dev->napi_on = true;
	ib_req_notify_cq(dev->recv_cq, IB_CQ_NEXT_COMP);
	ib_req_notify_cq(dev->send_cq, IB_CQ_NEXT_COMP);
	local_bh_disable();
	napi_schedule(&dev->napi_rx);
	napi_schedule(&dev->napi_tx);
	local_bh_enable();
	return 0;

err_reset_qp:
	ipib_qp_modify_state(dev, IB_QPS_RESET);
	rx_ring_free(dev);
err_out:
	return rc;
}

static void drain_cqs(struct ipib_dev *dev)
{
	struct ib_wc *wc = dev->rx_wc;
	int n, i;

	while ((n = ib_poll_cq(dev->recv_cq, IPIB_WC_BATCH, wc)) > 0)
		for (i = 0; i < n; i++) {
			if (wc[i].wr_id < ipib_recvq_size)
				rx_free(dev, &dev->rx_ring[wc[i].wr_id]);
			dev->rx_posted--;
		}
	wc = dev->tx_wc;
	while ((n = ib_poll_cq(dev->send_cq, IPIB_WC_BATCH, wc)) > 0)
		for (i = 0; i < n; i++)
			tx_complete_one(dev, &wc[i], 0);
}

static void tx_ring_force_free(struct ipib_dev *dev)
{
	while (dev->tx_tail != dev->tx_head) {
		struct ipib_tx_buf *buf = &dev->tx_ring[dev->tx_tail & tx_mask()];

		if (buf->skb) {
			tx_unmap(dev, buf);
			dev_kfree_skb_any(buf->skb);
			buf->skb = NULL;
		}
		dev->tx_tail++;
	}
}

/**
 * ipib_ib_stop - stop the UD QP and take back every posted buffer
 * @dev: the interface
 *
 * The transmit queue must be stopped.  Moves the QP to ERR, polls until
 * all work requests have flushed (at most 5 s), then resets it.
 */
void ipib_ib_stop(struct ipib_dev *dev)
{
	unsigned long deadline = jiffies + IPIB_DRAIN_TIMEOUT;

	ASSERT_RTNL();
	if (!dev->qp_ready)
		return;

	WRITE_ONCE(dev->qp_ready, false);
	if (dev->napi_on) {
		napi_disable(&dev->napi_rx);
		napi_disable(&dev->napi_tx);
		dev->napi_on = false;
	}
	cancel_work_sync(&dev->qp_recover_work);
	if (ipib_qp_modify_state(dev, IB_QPS_ERR))
		ipib_warn(dev, "could not move the QP to ERR\n");

	for (;;) {
		drain_cqs(dev);
		if (!dev->rx_posted && dev->tx_tail == dev->tx_head)
			break;
		if (time_after(jiffies, deadline)) {
			ipib_warn(dev, "drain timed out: %u receives, %u sends left\n",
				  dev->rx_posted, dev->tx_head - dev->tx_tail);
			break;
		}
		usleep_range(1000, 2000);
	}

	ipib_qp_modify_state(dev, IB_QPS_RESET);
	drain_cqs(dev);
	rx_ring_free(dev);
	tx_ring_force_free(dev);
}

/**
 * ipib_ib_init - allocate the rings and set up NAPI and the AH reaper
 * @dev: the interface (net_device not yet registered)
 *
 * Return: 0 or -ENOMEM.
 */
int ipib_ib_init(struct ipib_dev *dev)
{
	dev->rx_ring = kvcalloc(ipib_recvq_size, sizeof(*dev->rx_ring),
				GFP_KERNEL);
	if (!dev->rx_ring)
		goto err_out;
	dev->tx_ring = kvcalloc(ipib_sendq_size, sizeof(*dev->tx_ring),
				GFP_KERNEL);
	if (!dev->tx_ring)
		goto err_free_rx;

	u64_stats_init(&dev->rx_stats.syncp);
	u64_stats_init(&dev->tx_stats.syncp);
	spin_lock_init(&dev->ah_lock);
	INIT_LIST_HEAD(&dev->dead_ahs);
	INIT_DELAYED_WORK(&dev->reap_work, reap_worker);
	INIT_WORK(&dev->qp_recover_work, qp_recover_worker);
	netif_napi_add_weight(dev->ndev, &dev->napi_rx, rx_poll,
			      IPIB_RX_WEIGHT);
	netif_napi_add_tx(dev->ndev, &dev->napi_tx, tx_poll);
	return 0;

err_free_rx:
	kvfree(dev->rx_ring);
err_out:
	return -ENOMEM;
}

/**
 * ipib_ib_uninit - final teardown of the data path
 * @dev: the interface (stopped; no AH holder left)
 */
void ipib_ib_uninit(struct ipib_dev *dev)
{
	cancel_work_sync(&dev->qp_recover_work);
	synchronize_net();
	cancel_delayed_work_sync(&dev->reap_work);
	ipib_ah_reap(dev, true);
	netif_napi_del(&dev->napi_rx);
	netif_napi_del(&dev->napi_tx);
	kvfree(dev->tx_ring);
	kvfree(dev->rx_ring);
}
